/* torch.allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) in both of PyTorch's call forms
 * (positional and keyword): equal_nan, broadcasting, dtype mismatch, tolerance checks; values
 * from PyTorch 1.13. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

static ct_tensor *f64(const double *v, int nd, const int64_t *sh) { return ct_tensor_from(v, CT_FLOAT64, nd, sh); }

static void test_allclose_equal_nan(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = f64(((double[]){1, NAN}), SH(2)), *b = f64(((double[]){1, NAN}), SH(2));
  assert_false(ct_allclose(a, b));                    /* torch.allclose(a, b) */
  assert_true(ct_allclose(a, b, .equal_nan = true));  /* torch.allclose(a, b, equal_nan=True) */
  assert_true(ct_allclose(a, b, 1e-5, 1e-8, true));   /* torch.allclose(a, b, 1e-5, 1e-8, True) */
  assert_false(ct_allclose(a, b, 1e-5, 1e-8, false));
  assert_true(ct_allclose(a, b, 0, 0, .equal_nan = true));
  /* NaN against a number is never close, equal_nan or not */
  ct_tensor *c = f64(((double[]){NAN, 1}), SH(2)), *d = f64(((double[]){1, NAN}), SH(2));
  assert_false(ct_allclose(c, d, .equal_nan = true));
  /* NaN against an infinity neither */
  assert_false(ct_allclose(f64(((double[]){NAN}), SH(1)), f64(((double[]){INFINITY}), SH(1)), .equal_nan = true));
  /* float32 too */
  assert_true(ct_allclose(ct_to(a, CT_FLOAT32), ct_to(b, CT_FLOAT32), .equal_nan = true));
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_allclose_defaults_and_keywords(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = f64(((double[]){1, 2, 3}), SH(3)), *b = f64(((double[]){1, 2, 3.00001}), SH(3));
  ct_tensor *far = f64(((double[]){1, 2, 3.1}), SH(3));
  assert_true(ct_allclose(a, b));   /* rtol 1e-5 * 3 covers 1e-5 */
  assert_false(ct_allclose(a, far));
  assert_true(ct_allclose(a, far, 0.1, 0.0));          /* positional rtol, atol */
  assert_true(ct_allclose(a, far, .rtol = 0.1, .atol = 0.0));
  assert_true(ct_allclose(a, far, .atol = 0.2));       /* rtol keeps its default */
  assert_false(ct_allclose(a, b, .rtol = 0));          /* atol 1e-8 alone is too small */
  assert_false(ct_allclose(a, b, 0, .atol = 1e-6));    /* mixed: rtol 0 positional */
  assert_true(ct_allclose(a, b, 0, .atol = 2e-5));
  /* infinities: equal ones are close, opposite ones never (an infinite difference) */
  ct_tensor *inf = f64(((double[]){INFINITY}), SH(1)), *ninf = f64(((double[]){-INFINITY}), SH(1));
  assert_true(ct_allclose(inf, inf));
  assert_false(ct_allclose(inf, ninf, .rtol = INFINITY));
  /* integers and bool (PyTorch compares them too): |2 - 3| <= 0.5 * 3 */
  int64_t i1[] = {1, 2}, i2[] = {1, 3};
  assert_true(ct_allclose(ct_tensor_from(i1, CT_INT64, SH(2)), ct_tensor_from(i2, CT_INT64, SH(2)), .rtol = 0.5));
  assert_false(ct_allclose(ct_tensor_from(i1, CT_INT64, SH(2)), ct_tensor_from(i2, CT_INT64, SH(2))));
  assert_true(ct_allclose(ct_ones(SH(2), .dtype = CT_BOOL), ct_ones(SH(2), .dtype = CT_BOOL)));
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_allclose_broadcast_and_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *row = f64(((double[]){1, 2}), SH(2)), *m = f64(((double[]){1, 2, 1, 2}), SH(2, 2));
  assert_true(ct_allclose(row, m));   /* shapes broadcast, as torch.isclose(...).all() */
  assert_true(ct_allclose(m, row));
  assert_false(ct_allclose(f64(((double[]){1, 3}), SH(2)), m));
  assert_true(ct_allclose(ct_zeros(SH(0)), ct_zeros(SH(3, 0))));   /* nothing to compare */
  ct_clear_error();
  assert_false(ct_allclose(row, ct_zeros(SH(3), .dtype = CT_FLOAT64)));
  assert_non_null(ct_last_error());
  assert_non_null(strstr(ct_last_error(), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"));
  ct_clear_error();
  assert_false(ct_allclose(ct_ones(SH(2)), ct_ones(SH(2), .dtype = CT_FLOAT64)));
  assert_string_equal(ct_last_error(), "Float did not match Double");
  ct_clear_error();
  assert_false(ct_allclose(row, row, .rtol = -1));
  assert_string_equal(ct_last_error(), "rtol must be greater than or equal to zero, but got -1");
  ct_clear_error();
  assert_false(ct_allclose(row, row, 1e-5, -0.5));
  assert_string_equal(ct_last_error(), "atol must be greater than or equal to zero, but got -0.5");
  ct_clear_error();
  assert_false(ct_allclose(NULL, row));
  assert_false(ct_allclose(row, NULL, .equal_nan = true));
  assert_null(ct_last_error()); /* NULL fails quietly, keeping a chain's first error */
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_allclose_equal_nan),
      cmocka_unit_test(test_allclose_defaults_and_keywords),
      cmocka_unit_test(test_allclose_broadcast_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
