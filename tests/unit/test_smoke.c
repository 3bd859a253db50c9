#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

static void test_add_backward(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_tensor_from((float[]){2}, CT_FLOAT32, 0, NULL);
  ct_tensor *w = ct_tensor_from((float[]){3}, CT_FLOAT32, 0, NULL);
  ct_tensor *b = ct_tensor_from((float[]){1}, CT_FLOAT32, 0, NULL);
  ct_requires_grad_(x, true); ct_requires_grad_(w, true); ct_requires_grad_(b, true);
  ct_tensor *y = ct_add(ct_mul(w, x), b);
  assert_string_equal(ct_grad_fn_name(y), "AddBackward0");
  assert_int_equal(ct_backward(y), 0);
  assert_float_equal(ct_item(ct_grad(x)), 3.0, 1e-6);
  assert_float_equal(ct_item(ct_grad(w)), 2.0, 1e-6);
  assert_float_equal(ct_item(ct_grad(b)), 1.0, 1e-6);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_add_backward)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
