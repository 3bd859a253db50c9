/* Robustness sweep over index_add / index_copy / index_fill (src/ops/index_add.c): NULL
 * arguments, every dtype, 0-dim and empty inputs, non-contiguous inputs (the contiguous
 * copy's answer), hostile dims and indices, overlapping in-place source, no leak anywhere. */
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

static ct_tensor *idx(int n, const int64_t *v) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }
#define IX(...) idx((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__})

static void test_null(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_ones(SH(2, 3)), *i = IX(0), *s = ct_ones(SH(1, 3)), *v = ct_scalar_tensor(1, CT_FLOAT32);
  NP(ct_index_add(NULL, 0, i, s, 1));
  NP(ct_index_add(x, 0, NULL, s, 1));
  NP(ct_index_add(x, 0, i, NULL, 1));
  NP(ct_index_add_(NULL, 0, i, s, 1));
  NP(ct_index_add_(x, 0, i, NULL, 1));
  NP(ct_index_copy(NULL, 0, i, s));
  NP(ct_index_copy(x, 0, NULL, s));
  NP(ct_index_copy(x, 0, i, NULL));
  NP(ct_index_copy_(NULL, 0, i, s));
  NP(ct_index_copy_(x, 0, NULL, s));
  NP(ct_index_fill(NULL, 0, i, 1));
  NP(ct_index_fill(x, 0, NULL, 1));
  NP(ct_index_fill_(NULL, 0, i, 1));
  NP(ct_index_fill_tensor(NULL, 0, i, v));
  NP(ct_index_fill_tensor(x, 0, i, NULL));
  NP(ct_index_fill_tensor_(NULL, 0, i, v));
  NP(ct_index_fill_tensor_(x, 0, i, NULL));
  NP(ct_scatter_reduce(NULL, 0, i, s, CT_SCATTER_SUM, true));
  NP(ct_scatter_reduce(x, 0, NULL, s, CT_SCATTER_SUM, true));
  NP(ct_scatter_reduce(x, 0, i, NULL, CT_SCATTER_SUM, true));
  NP(ct_scatter_reduce_(NULL, 0, i, s, CT_SCATTER_SUM, true));
  NP(ct_scatter_reduce_(x, 0, i, NULL, CT_SCATTER_SUM, true));
  ct_scope_end();
}

/* x (6, 8)-derived views against their contiguous copies; src shapes follow dim 1, K = 3 */
static ct_tensor *f_add(const ct_tensor *t) {
  return ct_index_add(t, 1, IX(2, 0, 2), ct_ones(SH(ct_size(t, 0), 3), .dtype = ct_dtype_of(t)), 2);
}
static ct_tensor *f_copy(const ct_tensor *t) {
  return ct_index_copy(t, 1, IX(2, 0, 1), ct_full(SH(ct_size(t, 0), 3), 4, .dtype = ct_dtype_of(t)));
}
static ct_tensor *f_fill(const ct_tensor *t) { return ct_index_fill(t, 1, IX(-1, 0), 3); }
static ct_tensor *f_sr(const ct_tensor *t) {
  ct_tensor *i = ct_expand(ct_reshape(IX(1, 0, 1), 2, (int64_t[]){1, 3}), SH(ct_size(t, 0), 3));
  return ct_scatter_reduce(t, 1, ct_contiguous(i), ct_ones(SH(ct_size(t, 0), 3), .dtype = ct_dtype_of(t)),
                           CT_SCATTER_AMAX, false);
}

static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *base = ct_reshape(ct_arange(0, 48, 1, .dtype = CT_FLOAT64), 2, (int64_t[]){6, 8});
  ct_tensor *views[] = {ct_transpose(base, 0, 1), ct_slice(ct_slice(base, 0, 0, 6, 2), 1, 1, 8, 3),
                        ct_expand(ct_select(base, 0, 2), SH(3, 8))};
  ct_test_unary fns[] = {f_add, f_copy, f_fill, f_sr};
  ct_test_same_on_views(fns, 4, views, 3, 0);
  leak_end(m, "non-contiguous", __LINE__);
}

static void test_dtypes(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_dtype dts[] = {CT_BOOL, CT_UINT8, CT_INT8, CT_INT16, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
  ct_tensor *(*fns[])(const ct_tensor *) = {f_add, f_copy, f_fill, f_sr};
  for (int d = 0; d < 8; d++) {
    ct_tensor *x = ct_zeros(SH(2, 4), .dtype = dts[d]);
    for (int f = 0; f < 4; f++) {
      ct_clear_error();
      ct_tensor *r = fns[f](x);
      if (!r) fail_msg("fn %d dtype %d: %s", f, d, ct_last_error());
      assert_int_equal(ct_dtype_of(r), dts[d]);
    }
  }
  leak_end(m, "dtypes", __LINE__);
}

static void test_empty_and_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(3, 2));
  /* an empty index leaves self as it is */
  assert_true(ct_equal(ct_index_add(x, 0, IX(), ct_zeros(SH(0, 2)), 1), x));
  assert_true(ct_equal(ct_index_copy(x, 0, IX(), ct_zeros(SH(0, 2))), x));
  assert_true(ct_equal(ct_index_fill(x, 0, IX(), 5), x));
  ct_tensor *ei = ct_zeros(SH(0, 2), .dtype = CT_INT64);
  assert_true(ct_equal(ct_scatter_reduce(x, 0, ei, ct_zeros(SH(0, 2)), CT_SCATTER_PROD, false), x));
  expect_error(ct_scatter_reduce(x, 0, ct_zeros(SH(1, 2), .dtype = CT_INT64), x, (ct_scatter_reduce_op)-1, true),
               "reduce argument must be either sum, prod, mean, amax or amin.");
  ct_tensor *e = ct_zeros(SH(0, 2));
  assert_int_equal(ct_numel(ct_index_fill(e, 1, IX(1), 5)), 0);
  expect_error(ct_index_add(x, INT64_MAX, IX(0), ct_ones(SH(1, 2)), 1), "Dimension out of range");
  expect_error(ct_index_fill(x, INT64_MIN, IX(0), 1), "Dimension out of range");
  expect_error(ct_index_copy(x, 0, IX(INT64_MAX), ct_ones(SH(1, 2))), "is out of bounds for dimension 0 with size 3");
  expect_error(ct_index_fill(x, 0, IX(INT64_MIN), 1), "is out of bounds for dimension 0 with size 3");
  expect_error(ct_index_add(x, 0, IX(INT64_MIN), ct_ones(SH(1, 2)), 1), "index out of range in self");
  /* an in-place source overlapping self is refused */
  ct_tensor *y = ct_ones(SH(3, 2));
  expect_error(ct_index_copy_(y, 0, IX(0), ct_slice(y, 0, 1, 2, 1)),
               "unsupported operation: some elements of the input tensor and the written-to tensor refer "
               "to a single memory location");
  ct_clear_error();
  leak_end(m, "empty and hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_noncontiguous),
      cmocka_unit_test(test_dtypes),
      cmocka_unit_test(test_empty_and_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
