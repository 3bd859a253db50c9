/* Bad input to the autograd tools (hooks, backward(inputs=), autograd.functional, print
 * options): NULL arguments, counts out of range, a failing user function; an error and
 * nothing leaked, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "ctorch.h"
#include "ct_test.h"

static int keep(ct_tensor *g, ct_tensor **r, void *user) {
  (void)g, (void)r, (void)user;
  return 0;
}
static int fails(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)in, (void)n_in, (void)out, (void)n_out, (void)user;
  return ct_set_error("user function failed");
}
static int returns_nothing(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)in, (void)n_in, (void)out, (void)n_out, (void)user;
  return 0;
}
static int square(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_sum(ct_mul(in[0], in[0]))) ? 0 : -1;
}

static void test_hooks_bad(void **s) {
  (void)s;
  live_mark m = leak_begin();
  ct_tensor_hook *h = (ct_tensor_hook *)1;
  assert_int_equal(ct_register_hook(NULL, keep, NULL, &h), -1);
  assert_null(h);
  ct_clear_error();
  ct_tensor *x = ct_ones(CT_SHAPE(2), .requires_grad = true);
  expect_fail(ct_register_hook(x, NULL, NULL, NULL), "must be a function");
  ct_tensor *e = ct_empty(CT_SHAPE(0), .requires_grad = true);
  assert_int_equal(ct_register_hook(e, keep, NULL, NULL), 0); /* an empty tensor is fine */
  assert_int_equal(ct_backward(ct_sum(e)), 0);
  ct_tensor_hook_remove(NULL);
  assert_false(ct_retains_grad(NULL));
  expect_fail(ct_backward(ct_sum(x), .n_inputs = 2), "inputs is NULL");
  ct_tensor *none[1] = {NULL};
  assert_int_equal(ct_backward(ct_sum(x), .inputs = none, .n_inputs = 1), -1);
  ct_clear_error();
  leak_end(m, __func__, __LINE__);
}

static void test_functional_bad(void **s) {
  (void)s;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64), *in[1] = {x}, *r[4], *o[2], *out;
  expect_fail(ct_jacobian(NULL, in, 1, r), "jacobian: NULL argument");
  expect_fail(ct_jacobian(square, NULL, 1, r), "jacobian: NULL argument");
  expect_fail(ct_jacobian(square, in, 0, r), "at least one input");
  expect_fail(ct_jacobian(square, in, 1, r, .n_outputs = 0), "n_outputs must be at least 1");
  expect_fail(ct_jacobian(fails, in, 1, r), "user function failed");
  expect_fail(ct_jacobian(returns_nothing, in, 1, r), "but the value at index 0 has type NoneType");
  expect_fail(ct_hessian(fails, in, 1, r), "user function failed");
  expect_fail(ct_vjp(square, in, 1, NULL, o, NULL), "vjp: NULL argument");
  expect_fail(ct_jvp(fails, in, 1, in, o, r), "user function failed");
  expect_fail(ct_hvp(square, in, 1, NULL, &out, r), "The vector v can only be None");
  expect_fail(ct_vhp(square, in, 1, NULL, &out, r), "The vector v can only be None");
  ct_tensor *nul[1] = {NULL};
  expect_fail(ct_vhp(square, nul, 1, in, &out, r), "input 0 is NULL");
  expect_fail(ct_vhp(square, in, 1, nul, &out, r), "is NULL");
  /* empty inputs and outputs */
  ct_tensor *e = ct_empty(CT_SHAPE(0), .dtype = CT_FLOAT64), *ein[1] = {e};
  assert_int_equal(ct_jacobian(square, ein, 1, r), 0);
  assert_int_equal(ct_numel(r[0]), 0);
  leak_end(m, __func__, __LINE__);
}

static void test_printoptions_bad(void **s) {
  (void)s;
  expect_fail(ct_set_printoptions(.profile = ""), "profile must be");
  expect_fail(ct_set_printoptions(.precision = 1000), "precision 1000 is above 30");
  expect_fail(ct_set_printoptions(.sci_mode = (ct_sci_mode)7), "sci_mode must be");
  assert_int_equal(ct_set_printoptions(.threshold = NAN), 0); /* NaN leaves it unchanged */
  assert_true(ct_get_printoptions().threshold == 1000);
  assert_int_equal(ct_set_printoptions(.precision = 0), 0);
  ct_scope_begin();
  char *str = ct_to_string(ct_tensor_from(((double[]){1.5, 2.25}), CT_FLOAT64, 1, (int64_t[]){2}));
  assert_string_equal(str, "tensor([2, 2], dtype=torch.float64)"); /* "{:.0f}": half to even */
  free(str);
  ct_scope_end();
  assert_int_equal(ct_set_printoptions(.profile = "default"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_hooks_bad), cmocka_unit_test(test_functional_bad),
                                     cmocka_unit_test(test_printoptions_bad)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
