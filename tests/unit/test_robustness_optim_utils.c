/* Robustness of gradient clipping (NULL, empty, non-contiguous and hostile values) and the bad
 * input of issue 8 that the optim-core / optim-more tests leave out: each fails with PyTorch
 * 1.13's message (or does what 1.13 does where 1.13 accepts it) and changes nothing.
 * Expected numbers from /usr/bin/python3 with torch 1.13. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_list(t, rtol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, 0, #t, __LINE__)

/* a float64 leaf of n values whose .grad is g (n values) */
static ct_tensor *with_grad(int n, const double *v, const double *g) {
  ct_tensor *p = vec(n, v, true);
  assert_int_equal(ct_set_grad(p, ct_tensor_from(g, CT_FLOAT64, 1, (int64_t[]){n})), 0);
  return p;
}

/* ---- clip_grad_norm_ / clip_grad_value_ ------------------------------------------------------ */
static void test_clip_null_and_empty(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  /* a NULL list or parameter (an earlier failure) fails without a message of its own */
  NP(ct_nn_utils_clip_grad_norm_(NULL, 1, 1.0));
  ct_tensor *with_null[] = {p, NULL};
  NP(ct_nn_utils_clip_grad_norm_(with_null, 2, 1.0));
  NI(ct_nn_utils_clip_grad_value_(NULL, 1, 1.0));
  NI(ct_nn_utils_clip_grad_value_((ct_tensor *[]){NULL, p}, 2, 1.0));
  NP(ct_nn_utils_clip_grad_norm_module_(NULL, 1.0));
  NI(ct_nn_utils_clip_grad_value_module_(NULL, 1.0));
  expect_error(ct_nn_utils_clip_grad_norm_(&p, -1, 1.0), "invalid parameter list");
  expect_fail(ct_nn_utils_clip_grad_value_(&p, -2, 1.0), "invalid parameter list");
  expect_exact(ct_grad(p), 3, 4); /* none of the failures touched it */
  /* an empty list: torch.tensor(0.); a module without parameters likewise */
  expect_exact(ct_nn_utils_clip_grad_norm_(NULL, 0, 1.0), 0);
  assert_int_equal(ct_nn_utils_clip_grad_value_(NULL, 0, 1.0), 0);
  ct_module *relu = ct_nn_relu(false);
  expect_exact(ct_nn_utils_clip_grad_norm_module_(relu, 1.0), 0);
  assert_int_equal(ct_nn_utils_clip_grad_value_module_(relu, 1.0), 0);
  ct_module_free(relu);
  leak_end(lm, "clip null", __LINE__);
}

/* a non-contiguous gradient (a transposed view) is read and scaled in place through its strides
 * (PyTorch: grad = arange(6.).reshape(3, 2).t(), 3-norm 6.082201995573398) */
static void test_clip_noncontiguous(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = ct_requires_grad_(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_FLOAT64), true);
  ct_tensor *g = ct_transpose(ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT64), CT_SHAPE(3, 2)), 0, 1);
  assert_false(ct_is_contiguous(g));
  assert_int_equal(ct_set_grad(p, g), 0);
  expect_list(ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .norm_type = 3), 1e-15, 6.082201995573398);
  expect_list(ct_grad(p), 1e-15, 0.0, 0.3288282225133873, 0.6576564450267746, 0.16441411125669364,
              0.4932423337700809, 0.8220705562834683);
  assert_int_equal(ct_nn_utils_clip_grad_value_(&p, 1, 0.2), 0);
  expect_list(ct_grad(p), 1e-15, 0.0, 0.2, 0.2, 0.16441411125669364, 0.2, 0.2);
  leak_end(lm, "clip strided", __LINE__);
}

/* hostile max_norm: negative flips the grads (coef < 0 is not clamped), inf leaves them,
 * NaN makes them NaN; the total norm is still returned (PyTorch 1.13's values) */
static void test_clip_hostile_values(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  expect_exact(ct_nn_utils_clip_grad_norm_(&p, 1, -1.0), 5);
  expect_list(ct_grad(p), 1e-15, -0.599999880000024, -0.799999840000032);
  ct_tensor *q = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  expect_exact(ct_nn_utils_clip_grad_norm_(&q, 1, INFINITY), 5);
  expect_exact(ct_grad(q), 3, 4);
  expect_exact(ct_nn_utils_clip_grad_norm_(&q, 1, NAN), 5);
  expect_exact(ct_grad(q), NAN, NAN);
  /* a parameter that does not require grad but has a .grad is clipped (p.grad is not None) */
  ct_tensor *frozen = with_grad(2, (double[]){0, 0}, (double[]){-3, 9});
  ct_requires_grad_(frozen, false);
  assert_int_equal(ct_nn_utils_clip_grad_value_(&frozen, 1, 2), 0);
  expect_exact(ct_grad(frozen), -2, 2);
  /* huge float64 grads: the 2-norm overflows to inf and scales them to 0 (PyTorch too) */
  ct_tensor *big = with_grad(2, (double[]){0, 0}, (double[]){1e300, 1e300});
  expect_exact(ct_nn_utils_clip_grad_norm_(&big, 1, 1.0), INFINITY);
  expect_exact(ct_grad(big), 0, 0);
  leak_end(lm, "clip hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clip_null_and_empty),
      cmocka_unit_test(test_clip_noncontiguous),
      cmocka_unit_test(test_clip_hostile_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
