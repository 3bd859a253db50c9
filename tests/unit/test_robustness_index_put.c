/* Robustness sweep over t[idx], index_put(_), t[idx] = v, t[idx] += v, put(_),
 * masked_scatter(_) (src/ops/index_put.c) and histogram (src/ops/histogram.c): NULL
 * arguments, every dtype, empty inputs, non-contiguous inputs (the contiguous copy's
 * answer), hostile counts and indices, values overlapping self, no leak anywhere. */
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
  ct_tensor *x = ct_ones(SH(2, 3)), *i = IX(0), *v = ct_scalar_tensor(1, CT_FLOAT32), *m = ct_gt_scalar(x, 0);
  NP(ct_index(NULL, CT_TENSORS(i)));
  NP(ct_index(x, NULL, 1));
  NP(ct_index_put(NULL, CT_TENSORS(i), v, false));
  NP(ct_index_put(x, CT_TENSORS(i), NULL, false));
  NP(ct_index_put(x, NULL, 1, v, false));
  NP(ct_index_put_(NULL, CT_TENSORS(i), v, true));
  NP(ct_index_put_(x, CT_TENSORS(i), NULL, true));
  NP(ct_index_put_scalar_(NULL, CT_TENSORS(i), 1));
  NP(ct_index_put_scalar_(x, NULL, 1, 1));
  NP(ct_index_iadd_(NULL, CT_TENSORS(i), v));
  NP(ct_index_iadd_(x, CT_TENSORS(i), NULL));
  NP(ct_put(NULL, i, v, false));
  NP(ct_put(x, NULL, v, false));
  NP(ct_put(x, i, NULL, false));
  NP(ct_put_(NULL, i, v, false));
  NP(ct_put_(x, NULL, v, false));
  NP(ct_put_(x, i, NULL, false));
  NP(ct_masked_scatter(NULL, m, x));
  NP(ct_masked_scatter(x, NULL, x));
  NP(ct_masked_scatter(x, m, NULL));
  NP(ct_masked_scatter_(NULL, m, x));
  NP(ct_masked_scatter_(x, NULL, x));
  NP(ct_masked_scatter_(x, m, NULL));
  NP(ct_histogram(NULL, 3).hist);
  NP(ct_histogram_bins(NULL, x).hist);
  NP(ct_histogram_bins(x, NULL).bin_edges);
  ct_scope_end();
}

/* each op on a view against the same op on its contiguous copy (views of 6 x 8) */
static ct_tensor *f_index(const ct_tensor *t) { return ct_index(t, CT_TENSORS(NULL, IX(2, 0, -1))); }
static ct_tensor *f_mask(const ct_tensor *t) { return ct_index(t, CT_TENSORS(ct_gt_scalar(t, 20))); }
static ct_tensor *f_put(const ct_tensor *t) {
  return ct_index_put(t, CT_TENSORS(IX(1, 0, 1), NULL), ct_full(SH(ct_size(t, 1)), 7, .dtype = ct_dtype_of(t)), true);
}
static ct_tensor *f_flat(const ct_tensor *t) { return ct_put(t, IX(3, -1, 3), ct_full(SH(3), 2, .dtype = ct_dtype_of(t)), true); }
static ct_tensor *f_ms(const ct_tensor *t) {
  return ct_masked_scatter(t, ct_lt_scalar(t, 10), ct_full(SH(ct_numel(t)), -1, .dtype = ct_dtype_of(t)));
}
static ct_tensor *f_hist(const ct_tensor *t) { return ct_histogram(t, 5, .weight = t).hist; }
static ct_tensor *f_inplace(const ct_tensor *t) {
  ct_tensor *c = ct_clone(t); /* the in-place forms on a copy: same answer for any layout */
  ct_index_iadd_(c, CT_TENSORS(IX(0, 0)), ct_ones(SH(ct_size(t, 1)), .dtype = ct_dtype_of(t)));
  ct_masked_scatter_(c, ct_eq_scalar(c, 5), ct_full(SH(ct_numel(t)), 9, .dtype = ct_dtype_of(t)));
  return ct_put_(c, IX(1), ct_full(SH(1), 3, .dtype = ct_dtype_of(t)), false);
}

static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *base = ct_reshape(ct_arange(0, 48, 1, .dtype = CT_FLOAT64), 2, (int64_t[]){6, 8});
  ct_tensor *views[] = {ct_transpose(base, 0, 1), ct_slice(ct_slice(base, 0, 0, 6, 2), 1, 1, 8, 3),
                        ct_expand(ct_select(base, 0, 2), SH(3, 8))};
  ct_tensor *(*fns[])(const ct_tensor *) = {f_index, f_mask, f_put, f_flat, f_ms, f_hist, f_inplace};
  for (int f = 0; f < 7; f++)
    for (int v = 0; v < 3; v++) {
      ct_tensor *a = fns[f](views[v]), *b = fns[f](ct_contiguous(views[v]));
      if (!a || !b) fail_msg("fn %d view %d: %s", f, v, ct_last_error());
      if (!ct_equal(a, b)) fail_msg("fn %d view %d differs", f, v);
    }
  leak_end(m, "non-contiguous", __LINE__);
}

static void test_dtypes(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_dtype dts[] = {CT_BOOL, CT_UINT8, CT_INT8, CT_INT16, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
  for (int d = 0; d < 8; d++) {
    ct_tensor *x = ct_zeros(SH(2, 4), .dtype = dts[d]), *v = ct_ones(SH(4), .dtype = dts[d]);
    ct_tensor *r[] = {ct_index(x, CT_TENSORS(IX(1, 1))), ct_index_put(x, CT_TENSORS(IX(1, 1)), v, true),
                      ct_put(x, IX(0, 0, 7, 7), v, true), ct_masked_scatter(x, ct_ones(SH(4), .dtype = CT_BOOL), ct_ones(SH(8), .dtype = dts[d]))};
    for (int f = 0; f < 4; f++) {
      if (!r[f]) fail_msg("fn %d dtype %d: %s", f, d, ct_last_error());
      assert_int_equal(ct_dtype_of(r[f]), dts[d]);
    }
    /* accumulate on bool is a logical or; on the others a sum */
    assert_true(ct_get(r[2], (int64_t[]){0, 0}) == (dts[d] == CT_BOOL ? 1 : 2));
  }
  leak_end(m, "dtypes", __LINE__);
}

static void test_empty_and_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(3, 2));
  /* empty indices: an empty result, self unchanged */
  assert_int_equal(ct_numel(ct_index(x, CT_TENSORS(IX()))), 0);
  assert_true(ct_equal(ct_index_put(x, CT_TENSORS(IX()), ct_scalar_tensor(5, CT_FLOAT32), false), x));
  assert_true(ct_equal(ct_put(x, IX(), ct_zeros(SH(0)), true), x));
  assert_true(ct_equal(ct_masked_scatter(x, ct_zeros(SH(2), .dtype = CT_BOOL), ct_zeros(SH(0))), x));
  assert_true(ct_equal(ct_put(ct_zeros(SH(0)), IX(), ct_zeros(SH(0)), false), ct_zeros(SH(0))));
  assert_int_equal(ct_numel(ct_index(ct_zeros(SH(0, 4)), CT_TENSORS(ct_zeros(SH(0, 4), .dtype = CT_BOOL)))), 0);
  /* hostile counts and values */
  expect_error(ct_index(x, (ct_tensor *[]){IX(0)}, -1), "index(): negative number of indices");
  ct_tensor *many[64] = {0};
  expect_error(ct_index(x, many, 64), "too many indices for tensor of dimension 2 (got 64)");
  expect_error(ct_index(x, CT_TENSORS(IX(INT64_MAX))), "index 9223372036854775807 is out of bounds for dimension 0 with size 3");
  expect_error(ct_index(x, CT_TENSORS(IX(INT64_MIN))), "is out of bounds for dimension 0 with size 3");
  expect_error(ct_index_put(x, CT_TENSORS(NULL, IX(INT64_MIN)), ct_scalar_tensor(1, CT_FLOAT32), true),
               "is out of bounds for dimension 0 with size 2");
  expect_error(ct_put(x, IX(INT64_MIN), ct_ones(SH(1)), false), "out of range: tried to access index");
  expect_error(ct_put(x, IX(INT64_MAX), ct_ones(SH(1)), true), "out of range: tried to access index");
  expect_error(ct_index_put_scalar_(ct_zeros(SH(3), .dtype = CT_INT8), CT_TENSORS(IX(0)), 1000),
               "value cannot be converted to type int8_t without overflow");
  expect_fail(!ct_histogram(x, INT64_MAX).hist, "bins must be <");
  expect_fail(!ct_histogram(x, INT64_MIN).hist, "bins must be > 0");
  expect_fail(!ct_histogram(x, 3, .range = {-INFINITY, 0}).hist, "is not finite");
  expect_fail(!ct_histogram(x, 3, .range = {NAN, 0}).hist, "is not finite");
  /* a result past the dims limit: 16 broadcast dims and 8 sliced ones */
  ct_tensor *big = ct_zeros(SH(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), .dtype = CT_INT64);
  expect_error(ct_index(ct_zeros(SH(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)), CT_TENSORS(NULL, big, NULL, big)),
               "index(): the result would have more than 16 dims");
  /* what is read must not overlap self */
  ct_tensor *y = ct_ones(SH(4));
  const char *ov = "unsupported operation: some elements of the input tensor and the written-to tensor refer";
  expect_error(ct_index_put_(y, CT_TENSORS(IX(0, 1)), ct_slice(y, 0, 2, 4, 1), true), ov);
  expect_error(ct_put_(y, IX(0), ct_slice(y, 0, 3, 4, 1), false), ov);
  expect_error(ct_masked_scatter_(y, ct_ones(SH(4), .dtype = CT_BOOL), y), ov);
  ct_tensor *iy = ct_zeros(SH(4), .dtype = CT_INT64);
  expect_error(ct_put_(iy, iy, ct_ones(SH(4), .dtype = CT_INT64), false), ov);
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
