/* One thread setting for OpenMP and OpenBLAS (no oversubscription), and results that do not
 * depend on the thread count beyond float rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <omp.h>
#include <string.h>
#include "ctorch.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_setting_reaches_both_pools),
                                     cmocka_unit_test(test_thread_count_does_not_change_results)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
