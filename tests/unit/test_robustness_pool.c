/* Robustness sweep of the pooling family (functional.h "pooling"): NULL inputs fail without a
 * message, wrong ranks / empty inputs / hostile sizes fail with one, non-contiguous inputs give
 * the contiguous answer, and nothing leaks (live tensors and bytes around each call). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define NPAIR(call) NULLCALL((call).values == NULL)

static void test_null(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_zeros(SH(1, 1, 4, 4)), *i = ct_zeros(SH(1, 1, 2, 2), .dtype = CT_INT64);
  NP(ct_max_pool1d(NULL, CT_INTS(2)));
  NP(ct_max_pool2d(NULL, CT_INTS(2)));
  NP(ct_max_pool3d(NULL, CT_INTS(2)));
  NPAIR(ct_max_pool1d_with_indices(NULL, CT_INTS(2)));
  NPAIR(ct_max_pool2d_with_indices(NULL, CT_INTS(2)));
  NPAIR(ct_max_pool3d_with_indices(NULL, CT_INTS(2)));
  NP(ct_avg_pool1d(NULL, CT_INTS(2)));
  NP(ct_avg_pool2d(NULL, CT_INTS(2)));
  NP(ct_avg_pool3d(NULL, CT_INTS(2)));
  NP(ct_adaptive_avg_pool1d(NULL, CT_INTS(2)));
  NP(ct_adaptive_avg_pool2d(NULL, CT_INTS(2)));
  NP(ct_adaptive_avg_pool3d(NULL, CT_INTS(2)));
  NP(ct_adaptive_max_pool1d(NULL, CT_INTS(2)));
  NP(ct_adaptive_max_pool2d(NULL, CT_INTS(2)));
  NP(ct_adaptive_max_pool3d(NULL, CT_INTS(2)));
  NPAIR(ct_adaptive_max_pool1d_with_indices(NULL, CT_INTS(2)));
  NPAIR(ct_adaptive_max_pool2d_with_indices(NULL, CT_INTS(2)));
  NPAIR(ct_adaptive_max_pool3d_with_indices(NULL, CT_INTS(2)));
  NP(ct_lp_pool1d(NULL, 2, CT_INTS(2)));
  NP(ct_lp_pool2d(NULL, 2, CT_INTS(2)));
  NP(ct_fractional_max_pool2d(NULL, CT_INTS(2), .output_size = CT_INTS(2)));
  NP(ct_fractional_max_pool3d(NULL, CT_INTS(2), .output_size = CT_INTS(2)));
  NPAIR(ct_fractional_max_pool2d_with_indices(NULL, CT_INTS(2), .output_size = CT_INTS(2)));
  NPAIR(ct_fractional_max_pool3d_with_indices(NULL, CT_INTS(2), .output_size = CT_INTS(2)));
  NP(ct_max_unpool1d(NULL, i, CT_INTS(2)));
  NP(ct_max_unpool2d(x, NULL, CT_INTS(2)));
  NP(ct_max_unpool3d(NULL, NULL, CT_INTS(2)));
  leak_end(m, "null", __LINE__);
}

/* every function on a 0-dim, 1-d, empty and hostile input: an error, no crash, no leak */
static void test_bad_inputs(void **state) {
  (void)state;
  const int64_t huge = (int64_t)1 << 62;
  for (int which = 0; which < 4; which++) {
    live_mark m = leak_begin();
    ct_tensor *x = which == 0 ? ct_scalar_tensor(1, CT_FLOAT32)
                 : which == 1 ? ct_zeros(SH(5))
                 : which == 2 ? ct_zeros(SH(2, 0, 3, 3, 3))
                              : ct_zeros(SH(1, 1, 1, 1, 1, 1));
    expect_error(ct_max_pool1d(x, CT_INTS(1)), "");
    expect_error(ct_max_pool2d(x, CT_INTS(1)), "");
    expect_error(ct_max_pool3d(x, CT_INTS(1)), "");
    expect_error(ct_max_pool1d_with_indices(x, CT_INTS(1)).values, "");
    expect_error(ct_max_pool2d_with_indices(x, CT_INTS(1)).values, "");
    expect_error(ct_avg_pool1d(x, CT_INTS(1)), "");
    expect_error(ct_avg_pool2d(x, CT_INTS(1)), "");
    expect_error(ct_avg_pool3d(x, CT_INTS(1)), "");
    expect_error(ct_adaptive_avg_pool1d(x, CT_INTS(2)), "");
    expect_error(ct_adaptive_max_pool1d(x, CT_INTS(2)), "");
    expect_error(ct_adaptive_max_pool2d(x, CT_INTS(2)), "");
    expect_error(ct_adaptive_max_pool3d_with_indices(x, CT_INTS(2)).values, "");
    expect_error(ct_lp_pool1d(x, 2, CT_INTS(1)), "");
    expect_error(ct_lp_pool2d(x, 2, CT_INTS(1)), "");
    expect_error(ct_fractional_max_pool2d(x, CT_INTS(1), .output_size = CT_INTS(1)), "");
    expect_error(ct_fractional_max_pool3d_with_indices(x, CT_INTS(1), .output_size = CT_INTS(1)).values, "");
    expect_error(ct_max_unpool2d(x, x, CT_INTS(1)), "");
    leak_end(m, "bad input", __LINE__);
  }
  live_mark m = leak_begin();
  ct_tensor *x = ct_zeros(SH(1, 1, 4, 4)), *x3 = ct_zeros(SH(1, 1, 2, 4, 4));
  expect_error(ct_max_pool2d(x, CT_INTS(huge)), "integer out of range");
  expect_error(ct_max_pool2d(x, CT_INTS(2), .stride = CT_INTS(huge)), "integer out of range");
  expect_error(ct_max_pool3d(x3, CT_INTS(2), .dilation = CT_INTS(INT32_MAX)), "Output size is too small");
  expect_error(ct_avg_pool2d(x, CT_INTS(2), .padding = CT_INTS(-huge)), "integer out of range");
  expect_error(ct_max_pool1d(ct_zeros(SH(1, 4)), CT_INTS(INT32_MAX), .stride = CT_INTS(1), .dilation = CT_INTS(INT32_MAX)), "");
  expect_error(ct_adaptive_avg_pool2d(x, CT_INTS(huge, huge)), "");
  expect_error(ct_adaptive_max_pool2d(x, CT_INTS(huge, 2)), "");
  expect_error(ct_fractional_max_pool2d(x, CT_INTS(-huge), .output_size = CT_INTS(huge)), "");
  expect_error(ct_max_unpool2d(ct_zeros(SH(1, 1, 2, 2)), ct_zeros(SH(1, 1, 2, 2), .dtype = CT_INT64),
                               CT_INTS(2), .stride = CT_INTS(huge)), "");
  int64_t neg[4] = {-1, 0, 1, 2};
  expect_error(ct_max_unpool2d(ct_zeros(SH(1, 1, 2, 2)), ct_tensor_from(neg, CT_INT64, 4, (int64_t[]){1, 1, 2, 2}),
                               CT_INTS(2)), "Found an invalid max index: -1");
  leak_end(m, "hostile sizes", __LINE__);
}

/* a transposed / strided view gives the contiguous answer; an empty batch gives an empty result */
static void test_views_and_empty_batch(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_randn(SH(2, 3, 6, 5));
  ct_tensor *xt = ct_transpose(ct_contiguous(ct_transpose(x, 2, 3)), 2, 3); /* same values, strided */
  assert_false(ct_is_contiguous(xt));
  ct_tensor *pairs[][2] = {
      {ct_max_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)),
       ct_max_pool2d(xt, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1))},
      {ct_avg_pool2d(x, CT_INTS(2)), ct_avg_pool2d(xt, CT_INTS(2))},
      {ct_adaptive_avg_pool2d(x, CT_INTS(4, 3)), ct_adaptive_avg_pool2d(xt, CT_INTS(4, 3))},
      {ct_adaptive_max_pool2d(x, CT_INTS(4, 3)), ct_adaptive_max_pool2d(xt, CT_INTS(4, 3))},
      {ct_lp_pool2d(x, 2, CT_INTS(2)), ct_lp_pool2d(xt, 2, CT_INTS(2))},
  };
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
    assert_true(ct_item(ct_all(ct_eq(pairs[k][0], pairs[k][1]))) == 1);
  ct_tensor *e = ct_zeros(SH(0, 2, 4, 4), .requires_grad = true);
  ct_tensor *y = ct_max_pool2d(e, CT_INTS(2));
  assert_non_null(y);
  assert_int_equal(ct_numel(y), 0);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  assert_non_null(ct_avg_pool2d(e, CT_INTS(2)));
  assert_non_null(ct_adaptive_max_pool2d(ct_zeros(SH(1, 2, 4, 4)), CT_INTS(0, 2)));
  leak_end(m, "views", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_bad_inputs),
      cmocka_unit_test(test_views_and_empty_batch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
