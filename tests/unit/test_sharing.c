/* Tensors shared between threads for reading: ops on one weight, forward + backward through a
 * shared leaf (its .grad collects every thread's gradient), views of a shared tensor made and
 * released, and the default generator drawn from several threads. `make test-tsan` runs this
 * file under ThreadSanitizer, which must report nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include "ctorch.h"

#define NT 4

typedef struct {
  ct_tensor *w, *x;
  int iters;
  double result;
  int bad;
} job;

static void run_threads(void *(*fn)(void *), job *jobs) {
  pthread_t th[NT];
  for (int i = 0; i < NT; i++) assert_int_equal(pthread_create(&th[i], NULL, fn, &jobs[i]), 0);
  for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
}

/* Two threads each doing ct_mul_scalar(W, 2) on one W once ended in "double free or
 * corruption": the reference counts were plain ++/--. */
static void *mul_scalar_worker(void *arg) {
  job *j = arg;
  for (int i = 0; i < j->iters; i++) {
    ct_scope_begin();
    ct_tensor *y = ct_mul_scalar(j->w, 2);
    ct_tensor *v = ct_transpose(ct_reshape(j->w, CT_SHAPE(8, 4)), 0, 1); /* views of W */
    if (!y || !v || ct_item(ct_sum(y)) != 64.0 || ct_item(ct_sum(v)) != 32.0) j->bad++;
    ct_tensor *row = ct_retain(ct_select(v, 0, 1)); /* a reference of this thread's own */
    ct_scope_end();
    ct_scope_begin();
    if (!row || ct_item(ct_sum(row)) != 8.0) j->bad++;
    ct_scope_end();
    ct_release(row);
  }
  return NULL;
}

static void test_threads_share_a_tensor_for_reading(void **s) {
  (void)s;
  int64_t live = ct_live_tensors();
  ct_tensor *w = ct_ones(CT_SHAPE(32));
  job jobs[NT];
  for (int i = 0; i < NT; i++) jobs[i] = (job){.w = w, .iters = 2000};
  run_threads(mul_scalar_worker, jobs);
  for (int i = 0; i < NT; i++) assert_int_equal(jobs[i].bad, 0);
  ct_release(w);
  assert_int_equal(ct_live_tensors(), live);
}

/* Forward + backward through a shared leaf: its AccumulateGrad is made lazily by whichever
 * thread comes first, and every thread's gradient lands in W.grad. */
static void *train_worker(void *arg) {
  job *j = arg;
  for (int i = 0; i < j->iters; i++) {
    ct_scope_begin();
    ct_tensor *loss = ct_sum(ct_mul(ct_tanh(ct_mul(j->w, j->x)), j->x));
    if (!loss || ct_backward(loss)) j->bad++;
    ct_scope_end();
  }
  return NULL;
}

static void test_threads_backward_through_a_shared_weight(void **s) {
  (void)s;
  int64_t live = ct_live_tensors();
  ct_tensor *w = ct_full(CT_SHAPE(16), 0.5, .dtype = CT_FLOAT64, .requires_grad = true);
  ct_tensor *x = ct_full(CT_SHAPE(16), 2.0, .dtype = CT_FLOAT64);
  const int iters = 300;
  job jobs[NT];
  for (int i = 0; i < NT; i++) jobs[i] = (job){.w = w, .x = x, .iters = iters};
  run_threads(train_worker, jobs);
  for (int i = 0; i < NT; i++) assert_int_equal(jobs[i].bad, 0);
  /* d/dw sum(tanh(w x) x) = x^2 (1 - tanh(w x)^2), NT * iters times */
  double t = tanh(1.0), want = NT * iters * 4.0 * (1 - t * t);
  ct_tensor *g = ct_grad(w);
  assert_non_null(g);
  for (int64_t i = 0; i < 16; i++) assert_true(fabs(ct_get(g, &i) - want) < 1e-9 * want);
  ct_release(w);
  ct_release(x);
  assert_null(ct_last_error());
  assert_int_equal(ct_live_tensors(), live);
}

/* Backward passes in two threads run at the same time (PyTorch's engine runs them
 * concurrently and locks only each AccumulateGrad): a custom function's backward waits, up
 * to 10 s, for the other thread's to start. When every backward ran under one engine lock the
 * first waited in vain and the test failed. Both gradients land in the shared weight. */
static pthread_mutex_t g_meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_meet_cond = PTHREAD_COND_INITIALIZER;
static int g_meet_arrived;

static bool meet_other_thread(void) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&g_meet_lock);
  g_meet_arrived++;
  pthread_cond_broadcast(&g_meet_cond);
  while (g_meet_arrived < 2 && pthread_cond_timedwait(&g_meet_cond, &g_meet_lock, &until) == 0) {
  }
  bool met = g_meet_arrived >= 2;
  pthread_mutex_unlock(&g_meet_lock);
  return met;
}

static int meet_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)ctx, (void)n_in, (void)n_out;
  out[0] = ct_clone(in[0]);
  return out[0] ? 0 : -1;
}
static int meet_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)ctx, (void)n_out, (void)n_in;
  if (!meet_other_thread()) return -1;
  gi[0] = ct_clone(g[0]);
  return gi[0] ? 0 : -1;
}
static const ct_function Meet = {"MeetBackward", meet_fwd, meet_bwd, 1};

static void *meet_worker(void *arg) {
  job *j = arg;
  ct_scope_begin();
  ct_tensor *y = NULL, *h = ct_mul(j->w, j->x);
  if (!h || ct_function_apply(&Meet, &h, 1, &y) || ct_backward(ct_sum(y))) j->bad++;
  ct_scope_end();
  return NULL;
}

static void test_threads_run_backward_concurrently(void **s) {
  (void)s;
  int64_t live = ct_live_tensors();
  ct_tensor *w = ct_full(CT_SHAPE(8), 0.5, .dtype = CT_FLOAT64, .requires_grad = true);
  ct_tensor *x = ct_full(CT_SHAPE(8), 3.0, .dtype = CT_FLOAT64);
  job jobs[2] = {{.w = w, .x = x}, {.w = w, .x = x}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&th[i], NULL, meet_worker, &jobs[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  assert_int_equal(jobs[0].bad + jobs[1].bad, 0);
  ct_tensor *g = ct_grad(w); /* d/dw sum(w x) = x, once per thread */
  assert_non_null(g);
  for (int64_t i = 0; i < 8; i++) assert_true(ct_get(g, &i) == 6.0);
  ct_release(w);
  ct_release(x);
  assert_int_equal(ct_live_tensors(), live);
}

/* Threads running backward through one shared graph (not only a shared leaf): with
 * retain_graph every pass runs every node and the weight collects each thread's gradient;
 * without it the first pass to reach a node frees its saved tensors and the others stop with
 * PyTorch's "backward through the graph a second time" error, never reading freed memory. */
typedef struct {
  ct_tensor *loss;
  bool retain;
  int ok, failed;
} graph_job;

static void *shared_graph_worker(void *arg) {
  graph_job *j = arg;
  for (int i = 0; i < 50; i++) {
    ct_scope_begin();
    if (ct_backward(j->loss, .retain_graph = j->retain) == 0) j->ok++;
    else j->failed++;
    ct_scope_end();
  }
  return NULL;
}

static void test_threads_backward_through_one_graph(void **s) {
  (void)s;
  int64_t live = ct_live_tensors();
  for (int retain = 1; retain >= 0; retain--) {
    ct_tensor *w = ct_full(CT_SHAPE(16), 0.5, .dtype = CT_FLOAT64, .requires_grad = true);
    ct_tensor *x = ct_full(CT_SHAPE(16), 2.0, .dtype = CT_FLOAT64);
    ct_scope_begin();
    ct_tensor *loss = ct_sum(ct_mul(ct_tanh(ct_mul(w, x)), x));
    graph_job jobs[NT];
    pthread_t th[NT];
    for (int i = 0; i < NT; i++) jobs[i] = (graph_job){.loss = loss, .retain = retain};
    for (int i = 0; i < NT; i++)
      assert_int_equal(pthread_create(&th[i], NULL, shared_graph_worker, &jobs[i]), 0);
    for (int i = 0; i < NT; i++) pthread_join(th[i], NULL);
    ct_scope_end();
    int ok = 0;
    for (int i = 0; i < NT; i++) ok += jobs[i].ok;
    if (retain) assert_int_equal(ok, NT * 50);
    else assert_true(ok >= 1 && ok < NT * 50);
    double t = tanh(1.0), want = ok * 4.0 * (1 - t * t);
    ct_tensor *g = ct_grad(w);
    assert_non_null(g);
    for (int64_t i = 0; i < 16; i++) assert_true(fabs(ct_get(g, &i) - want) < 1e-9 * want);
    ct_release(w);
    ct_release(x);
  }
  assert_int_equal(ct_live_tensors(), live);
}

/* Two threads drawing from the default generator read past its 624-word state (UBSan) and
 * skewed the mean to 0.484. */
static void *rand_worker(void *arg) {
  job *j = arg;
  double sum = 0;
  for (int i = 0; i < j->iters; i++) {
    ct_scope_begin();
    ct_tensor *r = ct_rand(CT_SHAPE(i % 2 ? 7 : 1000), .dtype = CT_FLOAT64);
    sum += r ? ct_item(ct_sum(r)) : NAN;
    ct_scope_end();
  }
  j->result = sum;
  return NULL;
}

static void test_threads_draw_from_the_default_generator(void **s) {
  (void)s;
  job jobs[NT];
  const int iters = 400;
  for (int i = 0; i < NT; i++) jobs[i] = (job){.iters = iters};
  run_threads(rand_worker, jobs);
  double sum = 0, n = NT * (iters / 2) * (1000.0 + 7.0);
  for (int i = 0; i < NT; i++) sum += jobs[i].result;
  /* the mean of 800k uniforms: standard error 0.0003 */
  assert_true(fabs(sum / n - 0.5) < 0.002);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_threads_share_a_tensor_for_reading),
      cmocka_unit_test(test_threads_backward_through_a_shared_weight),
      cmocka_unit_test(test_threads_run_backward_concurrently),
      cmocka_unit_test(test_threads_backward_through_one_graph),
      cmocka_unit_test(test_threads_draw_from_the_default_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
