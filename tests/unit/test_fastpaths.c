/* The fast paths of the big-input kernels (radix sort, heap topk, row-blocked cumsum, direct
 * gather, row-memcpy index_select, tiled transposed copy, vector max/softmax/logsumexp/norm)
 * give what the general paths give. Parity cases are small, so these sizes are tested here:
 * each result is compared with the same op on float64 data or on a layout that takes the
 * general path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"

/* float32 data with ties, NaNs, infinities and both zeros */
static ct_tensor *tricky(int64_t rows, int64_t cols, uint64_t seed) {
  ct_manual_seed(seed);
  ct_tensor *x = ct_randn(CT_SHAPE(rows, cols));
  float *p = ct_data_ptr(x);
  for (int64_t i = 0; i < rows * cols; i++) {
    if (i % 7 == 0) p[i] = roundf(p[i] * 2) / 2; /* ties */
    if (i % 97 == 5) p[i] = NAN;
    if (i % 89 == 3) p[i] = (i & 1) ? INFINITY : -INFINITY;
    if (i % 83 == 1) p[i] = (i & 1) ? 0.0f : -0.0f;
  }
  return x;
}

/* |a - b| <= rtol |b| + 1e-7 (exact when rtol == 0); NaN equals NaN */
static void expect_same(const ct_tensor *a, const ct_tensor *b, double rtol) {
  double atol = rtol > 0 ? 1e-7 : 0;
  assert_int_equal(ct_dim(a), ct_dim(b));
  assert_int_equal(ct_numel(a), ct_numel(b));
  int64_t n = ct_numel(a);
  double *x = malloc(sizeof(double) * (size_t)n), *y = malloc(sizeof(double) * (size_t)n);
  assert_int_equal(ct_to_doubles(a, x, n), n);
  assert_int_equal(ct_to_doubles(b, y, n), n);
  for (int64_t i = 0; i < n; i++) {
    if (isnan(x[i]) || isnan(y[i])) {
      if (!(isnan(x[i]) && isnan(y[i]))) fail_msg("element %lld: %g vs %g", (long long)i, x[i], y[i]);
    } else if (!(x[i] == y[i] || fabs(x[i] - y[i]) <= rtol * fabs(y[i]) + atol)) {
      fail_msg("element %lld: %.9g vs %.9g", (long long)i, x[i], y[i]);
    }
  }
  free(x);
  free(y);
}

static void test_sort_topk(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = tricky(6, 1000, 1), *x64 = ct_to(x, CT_FLOAT64);
  for (int desc = 0; desc < 2; desc++) {
    ct_tensor_pair a = ct_sort(x, 1, desc, true), b = ct_sort(x64, 1, desc, true);
    expect_same(a.values, b.values, 0);
    expect_same(a.indices, b.indices, 0);
    for (int largest = 0; largest < 2; largest++) { /* topk = the first k of a stable sort */
      ct_tensor_pair t = ct_topk(x, 10, 1, largest, true);
      ct_tensor_pair r = ct_sort(x64, 1, largest, true);
      expect_same(t.values, ct_narrow(r.values, 1, 0, 10), 0);
      expect_same(t.indices, ct_narrow(r.indices, 1, 0, 10), 0);
    }
  }
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_cumsum_gather_index(void **s) {
  (void)s;
  ct_scope_begin();
  ct_manual_seed(3);
  ct_tensor *x = ct_randn(CT_SHAPE(16, 300));
  ct_tensor *c = ct_cumsum(x, 1);
  for (int64_t r = 0; r < 16; r++) expect_same(ct_select(c, 0, r), ct_cumsum(ct_select(x, 0, r), 0), 0);
  ct_tensor *idx = ct_randint(0, 300, CT_SHAPE(16, 64));
  ct_tensor *xt = ct_t(ct_contiguous(ct_t(x))); /* same values, column-major layout */
  expect_same(ct_gather(x, 1, idx), ct_gather(xt, 1, idx), 0);
  ct_tensor *rows = ct_randint(0, 16, CT_SHAPE(40));
  ct_tensor *sel = ct_index_select(x, 0, rows);
  for (int64_t i = 0; i < 40; i++)
    expect_same(ct_select(sel, 0, i), ct_select(xt, 0, (int64_t)ct_get(rows, &i)), 0);
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_transposed_copy(void **s) {
  (void)s;
  ct_scope_begin();
  ct_manual_seed(4);
  ct_tensor *x = ct_randn(CT_SHAPE(3, 130, 200));
  ct_tensor *y = ct_contiguous(ct_transpose(x, 1, 2));
  assert_true(ct_is_contiguous(y));
  for (int64_t b = 0; b < 3; b++)
    for (int64_t i = 0; i < 200; i += 7)
      for (int64_t j = 0; j < 130; j += 3)
        assert_true(ct_get(y, (int64_t[]){b, i, j}) == ct_get(x, (int64_t[]){b, j, i}));
  ct_tensor *z = ct_contiguous(ct_t(ct_to(ct_select(x, 0, 1), CT_FLOAT64)));
  expect_same(z, ct_to(ct_contiguous(ct_t(ct_select(x, 0, 1))), CT_FLOAT64), 0);
  ct_scope_end();
}

static void test_row_reductions(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = tricky(50, 1000, 5), *x64 = ct_to(x, CT_FLOAT64);
  expect_same(ct_amax(x, .dim = CT_DIMS(1)), ct_amax(x64, .dim = CT_DIMS(1)), 0);
  expect_same(ct_amin(x, .dim = CT_DIMS(1)), ct_amin(x64, .dim = CT_DIMS(1)), 0);
  expect_same(ct_argmax(x, 1, false), ct_argmax(x64, 1, false), 0);
  ct_tensor_pair m = ct_max_dim(x, 1, false), m64 = ct_max_dim(x64, 1, false);
  expect_same(m.values, m64.values, 0);
  expect_same(m.indices, m64.indices, 0);
  ct_manual_seed(6);
  ct_tensor *f = ct_randn(CT_SHAPE(64, 1000)), *f64 = ct_to(f, CT_FLOAT64);
  expect_same(ct_softmax(f, 1), ct_softmax(f64, 1), 2e-6);
  expect_same(ct_log_softmax(f, 1), ct_log_softmax(f64, 1), 2e-6);
  expect_same(ct_logsumexp(f, .dim = CT_DIMS(1)), ct_logsumexp(f64, .dim = CT_DIMS(1)), 1e-6);
  expect_same(ct_norm(f, .dim = CT_DIMS(1)), ct_norm(f64, .dim = CT_DIMS(1)), 1e-6);
  expect_same(ct_sum(f, .dim = CT_DIMS(1)), ct_sum(f64, .dim = CT_DIMS(1)), 1e-5);
  ct_tensor *mask = ct_gt_scalar(f, 0);
  ct_tensor *w = ct_where(mask, f, ct_zeros_like(f));
  expect_same(w, ct_relu(f), 0);
  expect_same(ct_masked_fill(f, ct_logical_not(mask), 0), ct_relu(f), 0);
  expect_same(ct_tanh(f), ct_tanh(f64), 2e-6);
  expect_same(ct_gelu(f, CT_GELU_NONE), ct_gelu(f64, CT_GELU_NONE), 2e-6);
  ct_scope_end();
}

/* leading-dim sums (column blocks across threads) equal the general strided path's */
static void test_leading_sums(void **s) {
  (void)s;
  ct_scope_begin();
  ct_manual_seed(8);
  ct_tensor *x = ct_randn(CT_SHAPE(300, 1000)), *xt = ct_t(ct_contiguous(ct_t(x)));
  expect_same(ct_sum(x, .dim = CT_DIMS(0)), ct_sum(xt, .dim = CT_DIMS(0)), 0);
  ct_tensor *y = ct_randn(CT_SHAPE(4, 50, 600), .dtype = CT_FLOAT64);
  ct_tensor *yp = ct_permute(ct_contiguous(ct_permute(y, CT_SHAPE(2, 0, 1))), CT_SHAPE(1, 2, 0));
  expect_same(ct_sum(y, .dim = CT_DIMS(0, 1)), ct_sum(yp, .dim = CT_DIMS(0, 1)), 0);
  expect_same(ct_mean(y, .dim = CT_DIMS(0), .keepdim = true), ct_mean(yp, .dim = CT_DIMS(0), .keepdim = true), 0);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sort_topk), cmocka_unit_test(test_cumsum_gather_index),
      cmocka_unit_test(test_transposed_copy), cmocka_unit_test(test_row_reductions),
      cmocka_unit_test(test_leading_sums)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
