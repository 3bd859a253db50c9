#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

/* f(x, y) = x * y + exp(x) / y */
static int f_smooth(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in; (void)n_out; (void)u;
  out[0] = ct_add(ct_mul(in[0], in[1]), ct_div(ct_exp(in[0]), in[1]));
  return out[0] ? 0 : -1;
}

/* f(x) = x * detach(x): the analytical gradient misses half of the truth */
static int f_wrong(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in; (void)n_out; (void)u;
  out[0] = ct_mul(in[0], ct_detach(in[0]));
  return out[0] ? 0 : -1;
}

/* two outputs: (sum(x * y), x - y) */
static int f_two(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in; (void)n_out; (void)u;
  out[0] = ct_sum(ct_mul(in[0], in[1]));
  out[1] = ct_sub(in[0], in[1]);
  return out[0] && out[1] ? 0 : -1;
}

/* f(x) = detach(x) * 2: no differentiable output, but not constant */
static int f_nodiff(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in; (void)n_out; (void)u;
  out[0] = ct_mul_scalar(ct_detach(in[0]), 2);
  return out[0] ? 0 : -1;
}

/* a function that fails */
static int f_fail(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in; (void)n_out; (void)u;
  out[0] = ct_add(in[0], ct_zeros(CT_SHAPE(7), .dtype = CT_FLOAT64));
  return out[0] ? 0 : -1;
}

static void test_gradcheck_pass(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){0.5, -1.2, 2.0}, true);
  ct_tensor *y = vec(3, (double[]){1.5, 0.7, -2.5}, true);
  assert_true(ct_gradcheck(f_smooth, ((ct_tensor *[]){x, y}), 2));
  assert_true(ct_gradgradcheck(f_smooth, ((ct_tensor *[]){x, y}), 2));
  /* an input that needs no grad is held fixed */
  ct_tensor *yc = vec(3, (double[]){1.5, 0.7, -2.5}, false);
  assert_true(ct_gradcheck(f_smooth, ((ct_tensor *[]){x, yc}), 2));
  assert_true(ct_gradgradcheck(f_smooth, ((ct_tensor *[]){x, yc}), 2));
  /* several outputs */
  assert_true(ct_gradcheck(f_two, ((ct_tensor *[]){x, y}), 2, .n_outputs = 2));
  assert_true(ct_gradgradcheck(f_two, ((ct_tensor *[]){x, y}), 2, .n_outputs = 2));
  assert_null(ct_last_error());
  /* the inputs are left exactly as they were */
  double v[3];
  ct_to_doubles(x, v, 3);
  assert_true(v[0] == 0.5 && v[1] == -1.2 && v[2] == 2.0);
  ct_scope_end();
}

static void test_gradcheck_noncontiguous(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_tensor_from((double[]){1, 2, 3, 4, 5, 6}, CT_FLOAT64, 2, (int64_t[]){2, 3});
  ct_tensor *x = ct_transpose(a, 0, 1); /* (3, 2), strided */
  ct_requires_grad_(a, true);
  ct_tensor *y = ct_requires_grad_(ct_ones(CT_SHAPE(3, 2), .dtype = CT_FLOAT64), true);
  assert_false(ct_is_contiguous(x));
  ct_tensor *xl = ct_detach(x);
  ct_requires_grad_(xl, true);
  assert_true(ct_gradcheck(f_smooth, ((ct_tensor *[]){xl, y}), 2));
  ct_scope_end();
}

static void test_gradcheck_mismatch(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){0.5, -1.0}, true);
  assert_false(ct_gradcheck(f_wrong, ((ct_tensor *[]){x}), 1, .quiet = true));
  assert_null(ct_last_error()); /* a wrong gradient is an answer, not an error */
  /* the printed form (not quiet) must not crash */
  assert_false(ct_gradcheck(f_wrong, ((ct_tensor *[]){x}), 1));
  /* loose tolerances accept it: |a - n| <= atol + rtol * |n| */
  assert_true(ct_gradcheck(f_wrong, ((ct_tensor *[]){x}), 1, .atol = 1.1, .quiet = true));
  /* a non-differentiable output that still varies */
  assert_false(ct_gradcheck(f_nodiff, ((ct_tensor *[]){x}), 1, .quiet = true));
  ct_scope_end();
}

static void test_gradcheck_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){0.5, -1.0}, false);
  assert_false(ct_gradcheck(f_smooth, ((ct_tensor *[]){x, x}), 2, .quiet = true));
  assert_non_null(strstr(ct_last_error(), "at least one input tensor to require gradient"));
  ct_clear_error();
  ct_tensor *xr = vec(2, (double[]){0.5, -1.0}, true);
  assert_false(ct_gradcheck(f_fail, ((ct_tensor *[]){xr}), 1, .quiet = true));
  assert_non_null(ct_last_error());
  ct_clear_error();
  assert_false(ct_gradcheck(f_smooth, ((ct_tensor *[]){NULL, xr}), 2));
  assert_null(ct_last_error());
  /* stride-0 inputs cannot be perturbed one element at a time */
  ct_tensor *e = ct_expand(vec(1, (double[]){1.0}, false), CT_SHAPE(3));
  ct_requires_grad_(e, true);
  assert_false(ct_gradcheck(f_wrong, ((ct_tensor *[]){e}), 1, .quiet = true));
  assert_non_null(strstr(ct_last_error(), "has a dimension with stride 0"));
  ct_clear_error();
  ct_scope_end();
}

static void test_gradcheck_no_leak(void **state) {
  (void)state;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){0.5, -1.2, 2.0}, true);
  ct_tensor *y = vec(3, (double[]){1.5, 0.7, -2.5}, true);
  assert_true(ct_gradgradcheck(f_two, ((ct_tensor *[]){x, y}), 2, .n_outputs = 2));
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gradcheck_pass), cmocka_unit_test(test_gradcheck_noncontiguous),
      cmocka_unit_test(test_gradcheck_mismatch), cmocka_unit_test(test_gradcheck_errors),
      cmocka_unit_test(test_gradcheck_no_leak)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
