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
      cmocka_unit_test(test_threads_draw_from_the_default_generator),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
