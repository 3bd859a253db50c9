/* One thread setting for OpenMP and OpenBLAS (no oversubscription), and results that do not
 * depend on the thread count beyond float rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <string.h>
#include "ctorch.h"
#include "internal.h" /* ct__foreach: to see how many threads a parallel loop gets */

extern int openblas_get_num_threads(void);

static void test_setting_reaches_both_pools(void **s) {
  (void)s;
  for (int n = 1; n <= 2; n++) {
    ct_set_num_threads(n);
    assert_int_equal(ct_get_num_threads(), n);
    assert_int_equal(omp_get_max_threads(), n);
    assert_int_equal(openblas_get_num_threads(), n);
  }
  ct_set_num_threads(0);
  assert_non_null(ct_last_error());
  assert_non_null(strstr(ct_last_error(), "positive"));
  ct_clear_error();
  assert_int_equal(ct_get_num_threads(), 2); /* unchanged by the bad call */
}

/* Big enough to be split across threads (above CT_GRAIN elements). */
static void results(int threads, double out[4]) {
  ct_set_num_threads(threads);
  ct_scope_begin();
  ct_manual_seed(7);
  ct_tensor *a = ct_randn(CT_SHAPE(512, 300)), *b = ct_randn(CT_SHAPE(300, 256));
  ct_tensor *big = ct_randn(CT_SHAPE(1 << 20));
  out[0] = ct_item(ct_sum(ct_matmul(a, b)));
  out[1] = ct_item(ct_sum(ct_exp(ct_mul_scalar(big, 0.1))));
  out[2] = ct_item(ct_amax(ct_add(big, big)));
  out[3] = ct_item(ct_mean(ct_softmax(ct_reshape(big, CT_SHAPE(1024, 1024)), 1)));
  ct_scope_end();
}

static void test_thread_count_does_not_change_results(void **s) {
  (void)s;
  double one[4], two[4];
  results(1, one);
  results(2, two);
  for (int i = 0; i < 4; i++) assert_true(fabs(one[i] - two[i]) <= 1e-5 * fabs(one[i]) + 1e-6);
  assert_null(ct_last_error());
}

/* How many OpenMP threads ran ct__foreach's chunks of a big loop. */
static void count_team(char **d, const int64_t *st, int64_t n, void *ctx) {
  (void)d, (void)st, (void)n;
  int *most = ctx, k = omp_get_num_threads();
#pragma omp critical
  if (k > *most) *most = k;
}

static int team_size(void) {
  ct_scope_begin();
  ct_tensor *t = ct_zeros(CT_SHAPE(1 << 20));
  int most = 0;
  ct__foreach(1, (ct_tensor *const[]){t}, count_team, &most);
  ct_scope_end();
  return most;
}

static void *team_in_thread(void *arg) {
  *(int *)arg = team_size();
  return NULL;
}

static void *set_two(void *arg) {
  (void)arg;
  ct_set_num_threads(2);
  return NULL;
}

static int team_in_new_thread(void) {
  int n = 0;
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, team_in_thread, &n), 0);
  pthread_join(th, NULL);
  return n;
}

/* The setting was per-thread in OpenMP: one made in the main thread did not reach loops run
 * by other threads (OMP_NUM_THREADS=2 there), while ct_get_num_threads said it did. */
static void test_setting_reaches_other_threads(void **s) {
  (void)s;
  ct_set_num_threads(1);
  assert_int_equal(team_in_new_thread(), 1);
  assert_int_equal(ct_get_num_threads(), 1);
  pthread_t th; /* and one made in another thread reaches this one */
  assert_int_equal(pthread_create(&th, NULL, set_two, NULL), 0);
  pthread_join(th, NULL);
  assert_int_equal(ct_get_num_threads(), 2);
  assert_int_equal(team_size(), 2);
  ct_set_num_threads(1);
  assert_int_equal(team_size(), 1);
}

static void *leave_scopes_open(void *arg) {
  (void)arg;
  ct_scope_begin();
  ct_tensor *a = ct_ones(CT_SHAPE(3));
  ct_scope_begin();
  ct_add(a, ct_reshape(a, CT_SHAPE(3, 1)));
  return NULL; /* two scopes never closed */
}

/* A thread that exits with scopes open releases their tensors (they leaked). */
static void test_thread_exit_releases_open_scopes(void **s) {
  (void)s;
  int64_t live = ct_live_tensors(), bytes = ct_live_bytes();
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, leave_scopes_open, NULL), 0);
  pthread_join(th, NULL);
  assert_int_equal(ct_live_tensors(), live);
  assert_int_equal(ct_live_bytes(), bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_setting_reaches_both_pools),
                                     cmocka_unit_test(test_thread_count_does_not_change_results),
                                     cmocka_unit_test(test_setting_reaches_other_threads),
                                     cmocka_unit_test(test_thread_exit_releases_open_scopes)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
