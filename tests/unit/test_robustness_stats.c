/* Robustness sweep over the statistics (src/ops/stats.c, stats_reduce.c): NULL arguments,
 * 0-dim and empty inputs, every dtype, non-contiguous inputs (the contiguous copy's answer),
 * hostile dims and k, and no leak anywhere. */
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

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_ones(SH(2, 3));
  NP(ct_median(NULL));
  NP(ct_nanmedian(NULL));
  NP(ct_median_dim(NULL, 0, false).values);
  NP(ct_nanmedian_dim(NULL, 0, false).values);
  NP(ct_kthvalue(NULL, 1, 0, false).values);
  NP(ct_mode(NULL, 0, false).values);
  NP(ct_cummax(NULL, 0).values);
  NP(ct_cummin(NULL, 0).values);
  NP(ct_logcumsumexp(NULL, 0));
  NP(ct_quantile(NULL, x));
  NP(ct_quantile(x, NULL));
  NP(ct_nanquantile(NULL, x));
  NP(ct_nanquantile(x, NULL));
  NP(ct_quantile_scalar(NULL, 0.5));
  NP(ct_nanquantile_scalar(NULL, 0.5));
  NP(ct_var_mean(NULL).values);
  NP(ct_std_mean(NULL).values);
  NP(ct_count_nonzero(NULL, CT_DIMS(0)));
  NP(ct_nansum(NULL));
  NP(ct_nanmean(NULL));
  NP(ct_aminmax(NULL, CT_NONE, false).values);
  NP(ct_diff(NULL));
  NP(ct_unique(NULL).values);
  NP(ct_unique_consecutive(NULL).values);
  NP(ct_searchsorted(NULL, x));
  NP(ct_searchsorted(x, NULL));
  NP(ct_bucketize(NULL, x, false, false));
  NP(ct_bucketize(x, NULL, false, false));
  NP(ct_bincount(NULL, NULL, 0));
  NP(ct_histc(NULL, 10, 0, 0));
  NP(ct_take_along_dim(NULL, x, 0));
  NP(ct_take_along_dim(x, NULL, 0));
  ct_release(x);
}

/* one function per op, along dim 1 where it takes one */
static ct_tensor *f_med(const ct_tensor *t) { return ct_median_dim(t, 1, false).values; }
static ct_tensor *f_nmed(const ct_tensor *t) { return ct_nanmedian_dim(t, 1, true).values; }
static ct_tensor *f_kth(const ct_tensor *t) { return ct_kthvalue(t, 1, 1, false).indices; }
static ct_tensor *f_mode(const ct_tensor *t) { return ct_mode(t, 1, false).values; }
static ct_tensor *f_cmax(const ct_tensor *t) { return ct_cummax(t, 1).indices; }
static ct_tensor *f_cmin(const ct_tensor *t) { return ct_cummin(t, 1).values; }
static ct_tensor *f_lcse(const ct_tensor *t) { return ct_logcumsumexp(t, 1); }
static ct_tensor *f_q(const ct_tensor *t) { return ct_quantile_scalar(t, 0.7, .dim = 1); }
static ct_tensor *f_nq(const ct_tensor *t) { return ct_nanquantile_scalar(t, 0.2, .dim = 1); }
static ct_tensor *f_vm(const ct_tensor *t) { return ct_var_mean(t, .dim = CT_DIMS(1)).indices; }
static ct_tensor *f_sm(const ct_tensor *t) { return ct_std_mean(t, .dim = CT_DIMS(1)).values; }
static ct_tensor *f_cnz(const ct_tensor *t) { return ct_count_nonzero(t, CT_DIMS(1)); }
static ct_tensor *f_nsum(const ct_tensor *t) { return ct_nansum(t, .dim = CT_DIMS(1)); }
static ct_tensor *f_nmean(const ct_tensor *t) { return ct_nanmean(t, .dim = CT_DIMS(1)); }
static ct_tensor *f_amm(const ct_tensor *t) { return ct_aminmax(t, 1, false).indices; }
static ct_tensor *f_diff(const ct_tensor *t) { return ct_diff(t, .dim = 1); }
static ct_tensor *f_uniq(const ct_tensor *t) { return ct_unique(t, .return_inverse = true).inverse; }
static ct_tensor *f_uniqd(const ct_tensor *t) { return ct_unique(t, .dim = 1, .return_counts = true).values; }
static ct_tensor *f_uniqc(const ct_tensor *t) { return ct_unique_consecutive(t, .return_counts = true).counts; }
static ct_tensor *f_ss(const ct_tensor *t) { return ct_searchsorted(ct_sort(t, 1, false, false).values, t); }
static ct_tensor *f_bucket(const ct_tensor *t) { return ct_bucketize(t, ct_arange(-2, 2, 0.5), false, true); }
static ct_tensor *f_histc(const ct_tensor *t) { return ct_histc(t, 5, 0, 0); }
static ct_tensor *(*const g_fns[])(const ct_tensor *) = {
    ct_median, ct_nanmedian, f_med, f_nmed, f_kth, f_mode, f_cmax, f_cmin, f_lcse, f_q, f_nq,
    f_vm, f_sm, f_cnz, f_nsum, f_nmean, f_amm, f_diff, f_uniq, f_uniqd, f_uniqc, f_ss, f_bucket,
    f_histc};
#define NFNS (int)(sizeof g_fns / sizeof g_fns[0])

/* non-contiguous (transposed, strided, expanded) inputs give the contiguous copy's answer */
static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *base = ramp(SH(6, 8), CT_FLOAT64, 5, false);
  ct_tensor *views[] = {ct_transpose(base, 0, 1), ct_slice(ct_slice(base, 0, 0, 6, 2), 1, 1, 8, 3),
                        ct_expand(ct_select(base, 0, 2), SH(3, 8))};
  ct_test_same_on_views(g_fns, NFNS, views, 3, 0);
  leak_end(m, "non-contiguous", __LINE__);
}

/* every dtype: a result or PyTorch's error, never a crash or a leak */
static void test_dtypes(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_dtype dts[] = {CT_BOOL, CT_UINT8, CT_INT8, CT_INT16, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
  ct_tensor *base = ramp(SH(3, 5), CT_FLOAT64, 7, false);
  for (int d = 0; d < 8; d++) {
    ct_tensor *x = ct_to(base, dts[d]);
    for (int f = 0; f < NFNS; f++) {
      ct_clear_error();
      ct_tensor *r = g_fns[f](x);
      if (!r && !ct_last_error()) fail_msg("fn %d dtype %d: NULL without an error", f, d);
    }
  }
  /* integer results keep the dtype (median of int32 is int32, index int64) */
  ct_tensor_pair p = ct_median_dim(ct_to(base, CT_INT32), 1, false);
  assert_int_equal(ct_dtype_of(p.values), CT_INT32);
  assert_int_equal(ct_dtype_of(p.indices), CT_INT64);
  leak_end(m, "dtypes", __LINE__);
}

/* 0-dim inputs (dim 0 and -1 allowed), empty slices, empty outputs */
static void test_empty_and_0d(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *s = ct_scalar_tensor(3, CT_FLOAT32);
  ct_tensor_pair p = ct_median_dim(s, -1, false);
  assert_int_equal(ct_dim(p.values), 0);
  expect_exact(p.indices, 0);
  expect_exact(ct_kthvalue(s, 1, 0, true).values, 3);
  expect_exact(ct_mode(s, 0, false).values, 3);
  expect_exact(ct_cummax(s, 0).values, 3);
  expect_exact(ct_logcumsumexp(s, 0), 3);
  expect_exact(ct_quantile_scalar(s, 0.5, .dim = 0), 3);
  ct_tensor *e = ct_zeros(SH(0, 4));
  assert_int_equal(ct_numel(ct_median_dim(e, 1, false).values), 0); /* empty output: no error */
  assert_int_equal(ct_numel(ct_cummax(e, 0).values), 0);
  assert_int_equal(ct_numel(ct_logcumsumexp(e, 1)), 0);
  assert_int_equal(ct_numel(ct_diff(e, .dim = 0)), 0);
  expect_exact(ct_nansum(e), 0);
  assert_true(isnan(ct_item(ct_nanmean(e))));
  expect_exact(ct_count_nonzero(e, CT_DIMS(0)), 0, 0, 0, 0);
  assert_int_equal(ct_numel(ct_unique(e, .return_counts = true).counts), 0);
  assert_int_equal(ct_numel(ct_unique(e, .dim = 1).values), 0);
  assert_int_equal(ct_numel(ct_searchsorted(ct_zeros(SH(0)), ct_ones(SH(3)))), 3);
  expect_exact(ct_searchsorted(ct_zeros(SH(0)), ct_ones(SH(2))), 0, 0);
  expect_exact(ct_histc(ct_zeros(SH(0)), 2, 0, 0), 0, 0);
  leak_end(m, "empty", __LINE__);
}

/* hostile dims and k: an error, nothing leaked */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3));
  int64_t dims[] = {2, -3, INT64_MAX, INT64_MIN + 1};
  for (int i = 0; i < 4; i++) {
    expect_error(ct_median_dim(x, dims[i], false).values, "Dimension out of range");
    expect_error(ct_kthvalue(x, 1, dims[i], false).values, "Dimension out of range");
    expect_error(ct_mode(x, dims[i], false).values, "Dimension out of range");
    expect_error(ct_cummin(x, dims[i]).values, "Dimension out of range");
    expect_error(ct_logcumsumexp(x, dims[i]), "Dimension out of range");
    expect_error(ct_quantile_scalar(x, 0.5, .dim = dims[i]), "Dimension out of range");
    expect_error(ct_aminmax(x, dims[i], false).values, "Dimension out of range");
    expect_error(ct_diff(x, .dim = dims[i]), "Dimension out of range");
  }
  expect_error(ct_kthvalue(x, INT64_MAX, 1, false).values, "kthvalue(): selected number k out of range");
  expect_error(ct_kthvalue(x, INT64_MIN, 1, false).values, "kthvalue(): selected number k out of range");
  expect_error(ct_quantile_scalar(x, NAN), "quantile() q must be in the range [0, 1] but got nan");
  expect_error(ct_quantile(x, ct_full(SH(1), NAN)), "quantile() q values must be in the range [0, 1]");
  assert_int_equal(ct_numel(ct_diff(x, .n = INT64_MAX)), 0);
  expect_error(ct_histc(x, INT64_MAX, 0, 1), "overflowed");
  expect_error(ct_bincount(ct_full(SH(1), 1e18, .dtype = CT_INT64), NULL, 0), "");
  expect_error(ct_bincount(ct_ones(SH(1), .dtype = CT_INT64), NULL, INT64_MAX), "");
  assert_non_null(ct_diff(x, .n = INT64_MIN));
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),         cmocka_unit_test(test_noncontiguous),
      cmocka_unit_test(test_dtypes),       cmocka_unit_test(test_empty_and_0d),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
