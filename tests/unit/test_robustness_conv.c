/* Robustness sweep over the convolutions of functional.h: NULL arguments, wrong ranks, empty
 * and non-contiguous inputs, every dtype and hostile sizes must not crash, must not leak, and
 * must answer as PyTorch 1.13 does where it answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define LEAK_END(m, what) leak_end(m, what, __LINE__)

static void test_conv_null(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_zeros(SH(1, 2, 4)), *w = ct_zeros(SH(2, 2, 2));
  ct_tensor *x2 = ct_zeros(SH(1, 2, 4, 4)), *w2 = ct_zeros(SH(2, 2, 2, 2));
  ct_tensor *x3 = ct_zeros(SH(1, 2, 3, 3, 3)), *w3 = ct_zeros(SH(2, 2, 2, 2, 2));
  NP(ct_conv1d(NULL, w));
  NP(ct_conv1d(x, NULL));
  NP(ct_conv2d(NULL, w2));
  NP(ct_conv2d(x2, NULL));
  NP(ct_conv3d(NULL, w3));
  NP(ct_conv3d(x3, NULL));
  NP(ct_conv_transpose1d(NULL, w));
  NP(ct_conv_transpose1d(x, NULL));
  NP(ct_conv_transpose2d(NULL, w2));
  NP(ct_conv_transpose2d(x2, NULL));
  NP(ct_conv_transpose3d(NULL, w3));
  NP(ct_conv_transpose3d(x3, NULL));
  LEAK_END(m, "NULL");
}

/* every rank from 0 to 6 for input and weight: an error or a result, no crash, no leak */
static void test_conv_ranks(void **state) {
  (void)state;
  for (int xr = 0; xr <= 6; xr++)
    for (int wr = 0; wr <= 6; wr++) {
      live_mark m = leak_begin();
      int64_t xs[6] = {1, 2, 3, 3, 3, 3}, ws[6] = {2, 2, 1, 1, 1, 1};
      ct_tensor *x = ct_ones(xr, xs), *w = ct_ones(wr, ws);
      ct_tensor *r[6] = {ct_conv1d(x, w), ct_conv2d(x, w), ct_conv3d(x, w),
                         ct_conv_transpose1d(x, w), ct_conv_transpose2d(x, w), ct_conv_transpose3d(x, w)};
      for (int k = 0; k < 6; k++) {
        int nsp = k % 3 + 1; /* batched input and weight of nsp + 2 dims work; a weight of
                              * another rank, or an input of neither nsp + 1 nor nsp + 2, fails */
        bool ok = xr == nsp + 2 && wr == nsp + 2;
        bool bad = wr != nsp + 2 || (xr != nsp + 1 && xr != nsp + 2);
        if (ok && !r[k]) fail_msg("ranks %d, %d, op %d: %s", xr, wr, k, ct_last_error());
        if (bad && r[k]) fail_msg("ranks %d, %d, op %d: no error", xr, wr, k);
      }
      LEAK_END(m, "ranks");
    }
}

/* non-contiguous and expanded inputs give the contiguous result; empty batch / channels work */
static void test_conv_layouts(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_randn(SH(2, 3, 5, 4)), *w = ct_randn(SH(4, 3, 3, 3)), *b = ct_randn(SH(8));
  ct_tensor *xt = ct_transpose(ct_contiguous(ct_transpose(x, 2, 3)), 2, 3); /* same values, other strides */
  ct_tensor *wt = ct_transpose(ct_contiguous(ct_transpose(w, 0, 1)), 0, 1);
  ct_tensor *bs = ct_slice(b, 0, CT_NONE, CT_NONE, 2);
  assert_false(ct_is_contiguous(xt));
  ct_tensor *y = ct_conv2d(x, w, .bias = ct_contiguous(bs), .padding = CT_INTS(1));
  assert_true(ct_equal(ct_conv2d(xt, wt, .bias = bs, .padding = CT_INTS(1)), y));
  ct_tensor *ex = ct_expand(ct_randn(SH(1, 3, 1, 4)), SH(2, 3, 5, 4));
  assert_true(ct_equal(ct_conv2d(ex, w), ct_conv2d(ct_contiguous(ex), w)));
  ct_tensor *yt = ct_conv_transpose2d(ct_transpose(ct_contiguous(ct_transpose(y, 1, 3)), 1, 3),
                                      ct_transpose(ct_contiguous(ct_transpose(w, 2, 3)), 2, 3));
  assert_true(ct_equal(yt, ct_conv_transpose2d(y, w)));
  /* empty batch: (0, Co, ...) with a backward of zeros sizes */
  ct_tensor *e = ct_requires_grad_(ct_zeros(SH(0, 3, 5, 4)), true);
  ct_tensor *ye = ct_conv2d(e, w);
  assert_non_null(ye);
  assert_int_equal(ct_shape(ye)[0], 0);
  assert_int_equal(ct_backward(ct_sum(ye)), 0);
  assert_int_equal(ct_numel(ct_grad(e)), 0);
  ct_tensor *ye2 = ct_conv_transpose2d(ct_zeros(SH(0, 4, 2, 2)), w);
  assert_non_null(ye2);
  assert_int_equal(ct_shape(ye2)[1], 3);
  /* no input channels: the output is the bias */
  ct_tensor *z = ct_conv1d(ct_zeros(SH(2, 0, 5)), ct_zeros(SH(3, 0, 2)), .bias = ct_ones(SH(3)));
  assert_true(ct_equal(z, ct_ones(SH(2, 3, 4))));
  LEAK_END(m, "layouts");
}

/* every dtype: floats and ints compute, bool is refused; transposed: floats and int64 */
static void test_conv_dtypes(void **state) {
  (void)state;
  for (int d = 0; d < CT_NUM_DTYPES; d++) {
    live_mark m = leak_begin();
    ct_dtype dt = (ct_dtype)d;
    ct_tensor *x = ct_ones(SH(1, 2, 3, 3), .dtype = dt), *w = ct_ones(SH(2, 2, 2, 2), .dtype = dt);
    ct_tensor *y = ct_conv2d(x, w), *yt = ct_conv_transpose2d(x, w);
    if (dt == CT_BOOL) {
      assert_null(y);
    } else {
      assert_non_null(y);
      assert_int_equal(ct_dtype_of(y), dt);
      assert_true(ct_equal(y, ct_full(SH(1, 2, 2, 2), 8, .dtype = dt)));
    }
    if (ct_dtype_is_floating(dt) || dt == CT_INT64) assert_non_null(yt);
    else assert_null(yt);
    LEAK_END(m, ct_dtype_name(dt));
  }
}

/* hostile sizes: huge padding, stride, dilation, output_padding and channel counts error out
 * (or compute a tiny result) without overflow, crash or leak */
static void test_conv_hostile(void **state) {
  (void)state;
  const int64_t big[] = {INT64_MAX, INT64_MAX / 2, (int64_t)1 << 40, INT64_MIN, -1};
  for (int i = 0; i < 5; i++) {
    live_mark m = leak_begin();
    int64_t v = big[i];
    ct_tensor *x = ct_ones(SH(1, 2, 4)), *w = ct_ones(SH(2, 2, 2));
    expect_fail(ct_conv1d(x, w, .padding = CT_INTS(v)) == NULL, "");
    expect_fail(ct_conv1d(x, w, .dilation = CT_INTS(v)) == NULL, "");
    expect_fail(ct_conv1d(x, w, .groups = v) == NULL, "");
    expect_fail(ct_conv_transpose1d(x, w, .padding = CT_INTS(v)) == NULL, "");
    expect_fail(ct_conv_transpose1d(x, w, .stride = CT_INTS(v)) == NULL, "");
    expect_fail(ct_conv_transpose1d(x, w, .dilation = CT_INTS(v)) == NULL, "");
    expect_fail(ct_conv_transpose1d(x, w, .output_padding = CT_INTS(v)) == NULL, "");
    /* a huge stride is fine for a forward convolution: one output position */
    ct_tensor *y = ct_conv1d(x, w, .stride = CT_INTS(v));
    if (v > 0) assert_int_equal(ct_shape(y)[2], 1);
    else expect_fail(y == NULL, "non-positive stride is not supported");
    LEAK_END(m, "hostile");
  }
  live_mark m = leak_begin();
  /* a weight whose channel count is absurd but whose numel is 0 */
  ct_tensor *w0 = ct_zeros(SH(0, (int64_t)1 << 40, 2));
  expect_fail(ct_conv1d(ct_ones(SH(1, 2, 4)), w0) == NULL, "expected weight to be at least 1");
  /* an ints list longer than the dims */
  ct_conv_opts o = CT_CONV_OPTS(.stride = {.n = CT_MAX_DIMS + 1});
  expect_fail(ct_conv1d_ex(ct_ones(SH(1, 2, 4)), ct_ones(SH(2, 2, 2)), o) == NULL, "");
  /* 4 spatial dims through a 6-d weight */
  expect_fail(ct_conv2d(ct_ones(SH(1, 1, 2, 2, 2, 2)), ct_ones(SH(1, 1, 1, 1, 1, 1))) == NULL, "");
  LEAK_END(m, "hostile");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conv_null), cmocka_unit_test(test_conv_ranks),
      cmocka_unit_test(test_conv_layouts), cmocka_unit_test(test_conv_dtypes),
      cmocka_unit_test(test_conv_hostile)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
