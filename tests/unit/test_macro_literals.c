/* Array arguments of the public macros, in each form the guide documents: CT_TENSORS /
 * CT_SHAPE, and a compound literal wrapped in parentheses (a bare one's commas would split the
 * macro's arguments). Compiling this file is half the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"

/* out = sum(x * b) */
static int mul_sum(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  out[0] = ct_sum(ct_mul(in[0], in[1]));
  return out[0] ? 0 : -1;
}

/* out = the sum of every input; records n_in in *user */
static int sum_all(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_out;
  *(int *)user = n_in;
  out[0] = ct_sum(in[0]);
  for (int i = 1; i < n_in; i++) out[0] = ct_add(out[0], ct_sum(in[i]));
  return out[0] ? 0 : -1;
}

static void test_gradcheck_forms(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_rand(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  ct_tensor *b = ct_rand(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  assert_true(ct_gradcheck(mul_sum, CT_TENSORS(x, b)));
  assert_true(ct_gradcheck(mul_sum, CT_TENSORS(x, b), .eps = 1e-6, .atol = 1e-5));
  assert_true(ct_gradcheck(mul_sum, ((ct_tensor *[]){x, b}), 2));
  assert_true(ct_gradcheck(mul_sum, ((ct_tensor *[]){x, b}), 2, .quiet = true));
  assert_true(ct_gradgradcheck(mul_sum, CT_TENSORS(x, b)));
  assert_true(ct_gradgradcheck(mul_sum, CT_TENSORS(x, b), .rtol = 1e-3));
  assert_true(ct_gradgradcheck(mul_sum, ((ct_tensor *[]){x, b}), 2, .quiet = true));
  ct_tensor *arr[2] = {x, b}; /* the plain array form still works */
  assert_true(ct_gradcheck(mul_sum, arr, 2));
  /* CT_TENSORS passes the count of what it holds */
  int seen = 0;
  assert_true(ct_gradcheck(sum_all, CT_TENSORS(x), .user = &seen));
  assert_int_equal(seen, 1);
  assert_true(ct_gradcheck(sum_all, CT_TENSORS(x, b, x), .user = &seen));
  assert_int_equal(seen, 3);
  ct_scope_end();
}

/* every shaped creation macro with CT_SHAPE and with a parenthesized literal */
static void test_shaped_forms(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *t[] = {
      ct_empty(2, ((const int64_t[]){2, 3})), ct_zeros(2, ((const int64_t[]){2, 3})),
      ct_ones(2, ((const int64_t[]){2, 3}), .dtype = CT_INT32), ct_full(2, ((const int64_t[]){2, 3}), 7.0),
      ct_rand(2, ((const int64_t[]){2, 3})), ct_randn(2, ((const int64_t[]){2, 3})),
      ct_randint(0, 5, 2, ((const int64_t[]){2, 3})), ct_zeros(CT_SHAPE(2, 3)),
  };
  for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
    assert_non_null(t[i]);
    assert_int_equal(ct_numel(t[i]), 6);
  }
  expect_exact(ct_sum(ct_ones(CT_SHAPE(2, 3)), .dim = (ct_dims){1, {1}}), 3, 3);
  ct_tensor *c = ct_cat(CT_TENSORS(t[1], t[7]), 0);
  assert_int_equal(ct_size(c, 0), 4);
  assert_int_equal(ct_size(ct_stack(CT_TENSORS(t[1], t[7], t[1]), 0), 0), 3);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_gradcheck_forms), cmocka_unit_test(test_shaped_forms)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
