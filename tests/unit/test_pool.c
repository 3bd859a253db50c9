/* The pooling family (functional.h "pooling"): values, indices and grad_fn names against
 * PyTorch 1.13 (numbers from /usr/bin/python3 + torch on the ramp inputs of ct_test.h),
 * every error message, float64 gradcheck + gradgradcheck of each function. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
/* within 1e-12 of PyTorch's float64 numbers */
#define expect_close(t, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 1e-12, 1e-12, #t, __LINE__)

/* float64 leaf with distinct values (no ties, so max pools are differentiable) */
static ct_tensor *distinct(int nd, const int64_t *shape, bool rg) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= shape[i];
  double v[512];
  assert_true(n <= 512);
  for (int64_t i = 0; i < n; i++) v[i] = sin((double)i * 1.37 + 0.3) * 2;
  return ct_requires_grad_(ct_tensor_from(v, CT_FLOAT64, nd, shape), rg);
}

static void expect_grad_fn(const ct_tensor *t, const char *name) {
  assert_non_null(t);
  assert_non_null(ct_grad_fn_name(t));
  assert_string_equal(ct_grad_fn_name(t), name);
}

static void test_max_pool_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(1, 2, 5, 5), CT_FLOAT64, 1, false);
  ct_tensor_pair r = ct_max_pool2d_with_indices(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1));
  expect_exact(r.values, 1.25, 1.25, 1.0, 1.25, 1.25, 1.0, 1.0, 1.25, 0.75, 1.0, 1.25, 1.25, 1.0, 1.0,
               1.25, 0.75, 1.0, 0.5);
  expect_exact(r.indices, 6, 6, 9, 6, 6, 9, 20, 17, 23, 6, 3, 3, 6, 6, 14, 20, 17, 23);
  assert_int_equal(ct_dtype_of(r.indices), CT_INT64);
  ct_tensor *c = ct_max_pool2d(x, CT_INTS(2), .stride = CT_INTS(2), .padding = CT_INTS(1), .ceil_mode = true);
  assert_int_equal(ct_shape(c)[2], 3);
  expect_exact(c, -1.0, 0.75, 0.5, 0.0, 1.25, 1.0, 1.0, 1.25, 0.75, -1.25, 0.5, 1.25, -0.25, 1.0, 1.25,
               0.75, 1.0, 0.5);
  /* 1d, unbatched, padding + dilation */
  ct_tensor *y = ramp(SH(2, 7), CT_FLOAT64, 3, false);
  r = ct_max_pool1d_with_indices(y, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1),
                                 .dilation = CT_INTS(2));
  expect_exact(r.values, 1.25, 1.25, 0.0, 0.5, 1.25, 1.25);
  expect_exact(r.indices, 1, 1, 5, 3, 5, 5);
  /* 3d */
  ct_tensor *w = ramp(SH(1, 1, 3, 4, 4), CT_FLOAT64, 5, false);
  r = ct_max_pool3d_with_indices(w, CT_INTS(2));
  expect_exact(r.values, 1.0, 1.25, 1.25, 1.0);
  expect_exact(r.indices, 21, 7, 29, 10);
  /* NaN wins, the later NaN's index */
  double nv[4] = {1, NAN, 3, NAN};
  r = ct_max_pool1d_with_indices(ct_tensor_from(nv, CT_FLOAT64, 3, (int64_t[]){1, 1, 4}), CT_INTS(2));
  assert_true(isnan(ct_get(r.values, (int64_t[]){0, 0, 0})));
  expect_exact(r.indices, 1, 3);
  /* float32 MaxPool2d(2) (the fast path) matches the general kernel */
  ct_tensor *f = ct_to(distinct(4, (int64_t[]){2, 3, 6, 6}, false), CT_FLOAT32);
  ct_tensor_pair a = ct_max_pool2d_with_indices(f, CT_INTS(2));
  ct_tensor_pair b = ct_max_pool2d_with_indices(f, CT_INTS(2), .dilation = CT_INTS(1, 1), .stride = CT_INTS(2, 2));
  ct_tensor_pair g = ct_max_pool2d_with_indices(ct_unsqueeze(f, 2), CT_INTS(2)); /* not the 2x2 path: 5-d input is an error */
  assert_null(g.values);
  ct_clear_error();
  ct_tensor_pair d = ct_max_pool3d_with_indices(ct_unsqueeze(f, 2), CT_INTS(1, 2, 2));
  assert_true(ct_item(ct_all(ct_eq(a.values, ct_squeeze_dim(d.values, 2)))));
  assert_true(ct_item(ct_all(ct_eq(a.indices, ct_squeeze_dim(d.indices, 2)))));
  assert_true(ct_item(ct_all(ct_eq(a.indices, b.indices))));
  ct_scope_end();
}

/* max_pool2d's vectorised row kernel (sliding 2-D windows) keeps the per-window scan's
 * rules: ties give the first index in row-major order, a NaN wins and a later NaN wins over
 * an earlier one. Values and indices from PyTorch 1.13 on a 5x5 plane with ties and NaNs. */
static void test_max_pool_ties_nan(void **state) {
  (void)state;
  ct_scope_begin();
  const double nan = NAN;
  double v[25] = {0, 1, 1, 0, 1, 1, 0, 1, 1, 0, nan, 1, 0, nan, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0};
  for (int f = 0; f < 2; f++) {
    ct_tensor *x = ct_to(ct_tensor_from(v, CT_FLOAT64, 4, (int64_t[]){1, 1, 5, 5}), f ? CT_FLOAT32 : CT_FLOAT64);
    ct_tensor_pair r = ct_max_pool2d_with_indices(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1));
    expect_exact(r.indices, 1, 1, 4, 10, 13, 13, 15, 16, 19);
    expect_exact(ct_where(ct_isnan(r.values), ct_full_like(r.values, 7), r.values), 1, 1, 1, 7, 7, 7, 1, 1, 1);
    r = ct_max_pool2d_with_indices(x, CT_INTS(3), .stride = CT_INTS(1));
    expect_exact(r.indices, 10, 13, 13, 10, 13, 13, 10, 13, 13);
    r = ct_max_pool2d_with_indices(x, CT_INTS(2), .stride = CT_INTS(2), .padding = CT_INTS(1), .dilation = CT_INTS(2));
    expect_exact(r.indices, 6, 8, 8, 16, 8, 8, 16, 16, 18);
    expect_exact(r.values, 0, 1, 1, 1, 1, 1, 1, 1, 0);
  }
  /* rows longer than the kernel's 64-output chunk, stride 3 (not a specialised constant):
   * the values are the gathered inputs and each index the first of its window's max */
  ct_tensor *w = ct_remainder_scalar(ct_arange(0, 3 * 150, 1, .dtype = CT_FLOAT32), 5);
  w = ct_view(w, 4, (int64_t[]){1, 1, 3, 150});
  for (int s = 1; s <= 3; s++) {
    ct_tensor_pair r = ct_max_pool2d_with_indices(w, CT_INTS(3), .stride = CT_INTS(s));
    assert_true(ct_item(ct_all(ct_eq(ct_flatten(r.values, 2, -1), ct_gather(ct_flatten(w, 2, -1), -1, ct_flatten(r.indices, 2, -1))))));
    int64_t n = ct_shape(r.indices)[3];
    for (int64_t o = 0; o < n; o++) { /* the brute-force scan of window o, rows then columns */
      double best = -1;
      int64_t at = 0;
      for (int64_t yy = 0; yy < 3; yy++)
        for (int64_t xx = o * s; xx < o * s + 3; xx++)
          if ((double)((yy * 150 + xx) % 5) > best) best = (double)((yy * 150 + xx) % 5), at = yy * 150 + xx;
      assert_int_equal(ct_get(r.indices, (int64_t[]){0, 0, 0, o}), at);
    }
  }
  ct_scope_end();
}

/* MaxPool2d(2)'s own branch-free kernel keeps the scan's rules too, past a 64-output chunk
 * (rows of 2 x 300, so two full chunks and a tail), float32 and float64: values with ties
 * (x % 3) and NaNs; each window against the brute-force scan (first max in row-major order,
 * a NaN wins, a later NaN over an earlier one). */
static void test_max_pool_2x2_ties_nan(void **state) {
  (void)state;
  ct_scope_begin();
  enum { W = 300, H = 4 };
  double v[H * W];
  for (int i = 0; i < H * W; i++) v[i] = i % 7 == 3 || i % 11 == 5 ? NAN : (double)(i * 7 % 3);
  for (int f = 0; f < 2; f++) {
    ct_tensor *x = ct_to(ct_tensor_from(v, CT_FLOAT64, 4, (int64_t[]){1, 1, H, W}), f ? CT_FLOAT32 : CT_FLOAT64);
    ct_tensor_pair r = ct_max_pool2d_with_indices(x, CT_INTS(2));
    for (int64_t oh = 0; oh < H / 2; oh++)
      for (int64_t ow = 0; ow < W / 2; ow++) {
        int64_t at = 2 * oh * W + 2 * ow;
        double best = v[at];
        const int64_t taps[3] = {at + 1, at + W, at + W + 1};
        for (int t = 0; t < 3; t++)
          if (v[taps[t]] > best || isnan(v[taps[t]])) best = v[taps[t]], at = taps[t];
        int64_t o[4] = {0, 0, oh, ow};
        assert_int_equal(ct_get(r.indices, o), at);
        double got = ct_get(r.values, o);
        assert_true(isnan(best) ? isnan(got) : got == best);
      }
  }
  ct_scope_end();
}

static void test_avg_pool_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(1, 2, 5, 5), CT_FLOAT64, 1, false);
  ct_tensor *a = ct_avg_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1),
                               .ceil_mode = true, .count_include_pad = false);
  expect_close(a, 0.125, 0.0, -0.125, -0.041666666666666664, 0.1388888888888889,
                            -0.2916666666666667, 0.25, 0.125, 0.0, -0.125, 0.20833333333333334,
                            0.3125, -0.2916666666666667, -0.1111111111111111, -0.08333333333333333,
                            0.0, -0.125, -0.25);
  a = ct_avg_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .divisor_override = 2);
  expect_exact(a, 0.25, 0.0, -0.25, -0.125, 0.625, -0.875, 0.5, 0.375, 0.0, -0.25, 0.625, 0.625,
               -0.875, -0.5, -0.25, 0.0, -0.375, -0.5);
  a = ct_adaptive_avg_pool2d(x, CT_INTS(3, 2));
  expect_close(a, 0.08333333333333333, -0.08333333333333333, 0.2222222222222222,
                            0.05555555555555555, 0.20833333333333334, 0.041666666666666664,
                            -0.16666666666666666, 0.125, -0.027777777777777776, 0.1111111111111111,
                            -0.041666666666666664, -0.20833333333333334);
  ct_tensor_pair m = ct_adaptive_max_pool2d_with_indices(x, CT_INTS(2, 3));
  expect_exact(m.values, 1.25, 1.25, 1.0, 1.0, 1.25, 0.75, 1.0, 1.25, 1.25, 0.75, 1.0, 1.25);
  expect_exact(m.indices, 6, 6, 9, 20, 17, 23, 6, 3, 3, 20, 17, 14);
  ct_tensor *y = ramp(SH(2, 7), CT_FLOAT64, 3, false);
  expect_close(ct_avg_pool1d(y, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)), 0.25, 0.25, 0.08333333333333333, -0.3333333333333333, 0.16666666666666666,
                         -0.3333333333333333, 0.4166666666666667, 0.5);
  ct_tensor *z = ramp(SH(1, 3, 4, 4), CT_FLOAT64, 2, false);
  expect_close(ct_lp_pool2d(ct_add_scalar(ct_abs(z), 0.5), 2, CT_INTS(2)), 2.436698586202241, 2.5617376914898995, 2.5617376914898995,
                         2.436698586202241, 2.692582403567252, 2.4109126902482387,
                         2.5617376914898995, 2.48746859276655, 2.436698586202241,
                         2.4748737341529163, 2.4109126902482387, 2.4748737341529163);
  ct_scope_end();
}

/* values (as doubles) of the given shape in dtype dt, requiring grad */
static ct_tensor *leaf(const double *v, int64_t n, int nd, const int64_t *shape, ct_dtype dt) {
  (void)n;
  return ct_requires_grad_(ct_to(ct_tensor_from(v, CT_FLOAT64, nd, shape), dt), true);
}

/* lp_pool at inputs whose power is NaN (negative x, non-integer p) or whose pooled power is
 * negative (odd p): PyTorch 1.13's composition makes y NaN and spreads NaN to every input of
 * the window in the gradient, through relu's backward (threshold_backward passes the
 * gradient where the output is NaN) and abs's (NaN * sign(NaN) = NaN). */
static void test_lp_pool_nan(void **state) {
  (void)state;
  ct_scope_begin();
  for (int f = 0; f < 2; f++) {
    ct_dtype dt = f ? CT_FLOAT64 : CT_FLOAT32;
    ct_tensor *a = leaf(CT_DOUBLES(-2, 3), SH(1, 2), dt);
    ct_tensor *y = ct_lp_pool1d(a, 1.5, CT_INTS(2));
    expect_close(y, NAN);
    assert_int_equal(ct_backward(ct_sum(y)), 0);
    expect_close(ct_grad(a), NAN, NAN);
    ct_tensor *b = leaf(CT_DOUBLES(-2, 1, 3, -4), SH(1, 4), dt);
    y = ct_lp_pool1d(b, 3, CT_INTS(2));
    expect_close(y, NAN, NAN);
    assert_int_equal(ct_backward(ct_sum(y)), 0);
    expect_close(ct_grad(b), NAN, NAN, NAN, NAN);
    ct_tensor *c = leaf(CT_DOUBLES(-2, 3, 1, 4), SH(1, 2, 2), dt);
    assert_int_equal(ct_backward(ct_sum(ct_lp_pool2d(c, 1.5, CT_INTS(2)))), 0);
    expect_close(ct_grad(c), NAN, NAN, NAN, NAN);
  }
  /* positive inputs keep their finite values and gradients (PyTorch's numbers) */
  ct_tensor *d = leaf(CT_DOUBLES(2, 1, 3, 4), SH(1, 4), CT_FLOAT64);
  ct_tensor *y = ct_lp_pool1d(d, 1.5, CT_INTS(2));
  expect_close(y, 2.4472608147714756, 5.584250376480029);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_close(ct_grad(d), 0.9040134034531215, 0.6392340078652324, 0.7329564758289748, 0.846345237248276);
  /* the root: relu's gradient at a NaN output is the incoming gradient, as PyTorch's */
  ct_tensor *r = leaf(CT_DOUBLES(NAN, -1, 0, 2), SH(4), CT_FLOAT64);
  assert_int_equal(ct_backward(ct_relu(r), .gradient = ct_detach(leaf(CT_DOUBLES(5, 6, 7, 8), SH(4), CT_FLOAT64))), 0);
  expect_close(ct_grad(r), 5, 0, 0, 8);
  ct_scope_end();
}

static void test_fractional_unpool_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *z = ramp(SH(1, 3, 4, 4), CT_FLOAT64, 2, false);
  double u[6] = {0.3, 0.8, 0.1, 0.5, 0.9, 0.2};
  ct_tensor *rs = ct_tensor_from(u, CT_FLOAT64, 3, (int64_t[]){1, 3, 2});
  ct_tensor_pair r = ct_fractional_max_pool2d_with_indices(z, CT_INTS(2), .output_size = CT_INTS(3, 3),
                                                           .random_samples = rs);
  expect_exact(r.values, 1.0, 1.0, 0.5, 1.25, 1.25, 0.5, 1.25, 1.25, 0.75, 1.25, 0.5, 1.0, 1.25, 0.75,
               1.0, 0.5, 0.75, 1.25, 0.75, 1.0, 1.0, 0.75, 1.25, 1.25, 1.0, 1.25, 1.25);
  expect_exact(r.indices, 1, 1, 7, 9, 9, 7, 9, 9, 15, 4, 2, 7, 4, 10, 7, 13, 10, 15, 5, 2, 2, 5, 10,
               10, 13, 10, 10);
  /* drawn samples: a valid (1, 3, 2, 2) result whose maxima are inputs */
  ct_tensor *d = ct_fractional_max_pool2d(z, CT_INTS(2), .output_ratio = {0.5});
  assert_int_equal(ct_shape(d)[3], 2);
  double xv[2][2] = {{1, 2}, {3, 4}};
  int64_t iv[4] = {0, 3, 9, 15};
  ct_tensor *un = ct_max_unpool2d(ct_tensor_from(xv, CT_FLOAT64, 3, (int64_t[]){1, 2, 2}),
                                  ct_tensor_from(iv, CT_INT64, 3, (int64_t[]){1, 2, 2}), CT_INTS(2));
  expect_exact(un, 1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0);
  ct_scope_end();
}

/* the _with_indices forms give the plain form's values, and their indices pick them out */
static void test_with_indices_agree(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x1 = distinct(3, (int64_t[]){2, 3, 7}, false), *x3 = distinct(5, (int64_t[]){1, 2, 4, 5, 6}, false);
  ct_tensor_pair a = ct_adaptive_max_pool1d_with_indices(x1, CT_INTS(3));
  assert_true(ct_item(ct_all(ct_eq(a.values, ct_adaptive_max_pool1d(x1, CT_INTS(3))))));
  assert_true(ct_item(ct_all(ct_eq(a.values, ct_gather(x1, -1, a.indices)))));
  ct_tensor_pair b = ct_adaptive_max_pool3d_with_indices(x3, CT_INTS(2, 3, 2));
  assert_true(ct_item(ct_all(ct_eq(b.values, ct_adaptive_max_pool3d(x3, CT_INTS(2, 3, 2))))));
  ct_tensor *flat = ct_flatten(x3, 2, -1);
  assert_true(ct_item(ct_all(ct_eq(ct_flatten(b.values, 2, -1), ct_gather(flat, -1, ct_flatten(b.indices, 2, -1))))));
  double u[6] = {0.3, 0.8, 0.1, 0.5, 0.9, 0.2};
  ct_tensor *rs = ct_tensor_from(u, CT_FLOAT64, 3, (int64_t[]){1, 2, 3});
  ct_tensor_pair c = ct_fractional_max_pool3d_with_indices(x3, CT_INTS(2), .output_size = CT_INTS(2, 3, 3),
                                                           .random_samples = rs);
  assert_true(ct_item(ct_all(ct_eq(c.values, ct_fractional_max_pool3d(x3, CT_INTS(2), .output_size = CT_INTS(2, 3, 3),
                                                                       .random_samples = rs)))));
  assert_true(ct_item(ct_all(ct_eq(ct_flatten(c.values, 2, -1), ct_gather(flat, -1, ct_flatten(c.indices, 2, -1))))));
  ct_scope_end();
}

static void test_grad_fn_names(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x2 = distinct(4, (int64_t[]){1, 2, 4, 4}, true), *x1 = distinct(3, (int64_t[]){1, 2, 6}, true);
  ct_tensor *x3 = distinct(5, (int64_t[]){1, 1, 4, 4, 4}, true);
  expect_grad_fn(ct_max_pool2d(x2, CT_INTS(2)), "MaxPool2DWithIndicesBackward0");
  expect_grad_fn(ct_max_pool3d(x3, CT_INTS(2)), "MaxPool3DWithIndicesBackward0");
  expect_grad_fn(ct_max_pool1d(x1, CT_INTS(2)), "SqueezeBackward1");
  expect_grad_fn(ct_avg_pool2d(x2, CT_INTS(2)), "AvgPool2DBackward0");
  expect_grad_fn(ct_avg_pool3d(x3, CT_INTS(2)), "AvgPool3DBackward0");
  expect_grad_fn(ct_avg_pool1d(x1, CT_INTS(2)), "SqueezeBackward1");
  expect_grad_fn(ct_adaptive_avg_pool2d(x2, CT_INTS(2, 3)), "AdaptiveAvgPool2DBackward0");
  expect_grad_fn(ct_adaptive_avg_pool2d(x2, CT_INTS(1)), "MeanBackward1");
  expect_grad_fn(ct_adaptive_avg_pool3d(x3, CT_INTS(2)), "AdaptiveAvgPool3DBackward0");
  expect_grad_fn(ct_adaptive_max_pool2d(x2, CT_INTS(3)), "AdaptiveMaxPool2DBackward0");
  expect_grad_fn(ct_adaptive_max_pool3d(x3, CT_INTS(3)), "AdaptiveMaxPool3DBackward0");
  expect_grad_fn(ct_lp_pool2d(x2, 2, CT_INTS(2)), "PowBackward0");
  expect_grad_fn(ct_fractional_max_pool2d(x2, CT_INTS(2), .output_size = CT_INTS(2)),
                 "FractionalMaxPool2DBackward0");
  expect_grad_fn(ct_fractional_max_pool3d(x3, CT_INTS(2), .output_size = CT_INTS(2)),
                 "FractionalMaxPool3DBackward0");
  ct_tensor_pair p = ct_max_pool2d_with_indices(x2, CT_INTS(2));
  expect_grad_fn(p.values, "MaxPool2DWithIndicesBackward0");
  assert_false(ct_requires_grad(p.indices));
  expect_grad_fn(ct_max_unpool2d(p.values, p.indices, CT_INTS(2)), "MaxUnpool2DBackward0");
  /* the backward of a backward: create_graph */
  ct_tensor *y = ct_max_pool2d(x2, CT_INTS(2));
  ct_tensor *g = ct_requires_grad_(ct_ones_like(y), true); /* the gradient is differentiable */
  ct_tensor *gx[1];
  assert_int_equal(ct_autograd_grad(&y, 1, &x2, 1, &g, true, -1, false, gx), 0);
  expect_grad_fn(gx[0], "MaxPool2DWithIndicesBackwardBackward0");
  ct_tensor *ya = ct_avg_pool2d(x2, CT_INTS(2));
  assert_int_equal(ct_autograd_grad(&ya, 1, &x2, 1, &g, true, -1, false, gx), 0);
  expect_grad_fn(gx[0], "AvgPool2DBackwardBackward0");
  ct_scope_end();
}

/* ---- errors ------------------------------------------------------------------------------ */
static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(SH(1, 1, 4, 4)), *x3 = ct_zeros(SH(3, 2, 2));
  expect_error(ct_max_pool2d(ct_zeros(SH(1, 3, 8, 8)), CT_INTS(3), .padding = CT_INTS(2)),
               "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  expect_error(ct_avg_pool3d(ct_zeros(SH(1, 1, 6, 6, 6)), CT_INTS(3), .padding = CT_INTS(1, 2, 1)),
               "pad should be at most half of kernel size, but got pad=2 and kernel_size=3");
  expect_error(ct_max_pool2d(x3, CT_INTS(3)),
               "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small");
  expect_error(ct_max_pool3d(ct_zeros(SH(3, 2, 2, 2)), CT_INTS(3)),
               "Given input size: (3x2x2x2). Calculated output size: (3x0x0x0). Output size is too small");
  expect_error(ct_avg_pool1d(ct_zeros(SH(3, 2)), CT_INTS(3)),
               "Given input size: (3x1x2). Calculated output size: (3x1x0). Output size is too small");
  expect_error(ct_avg_pool3d(ct_zeros(SH(3, 2, 2, 2)), CT_INTS(3)),
               "input image (T: 2 H: 2 W: 2) smaller than kernel size (kT: 3 kH: 3 kW: 3)");
  expect_error(ct_max_pool2d(ct_zeros(SH(2)), CT_INTS(1)), "non-empty 3D or 4D (batch mode) tensor expected for input");
  expect_error(ct_max_pool3d(ct_zeros(SH(1, 2, 2)), CT_INTS(1)), "non-empty 4D or 5D (batch mode) tensor expected for input");
  expect_error(ct_max_pool1d(ct_zeros(SH(1, 1, 2, 2)), CT_INTS(1)),
               "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 1, 2, 2]");
  expect_error(ct_max_pool2d(ct_zeros(SH(1, 0, 2, 2)), CT_INTS(1)),
               "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 2, 2]");
  expect_error(ct_max_pool3d(ct_zeros(SH(1, 1, 0, 2, 2)), CT_INTS(1)),
               "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to have positive length, but input has a shape of [1, 1, 0, 2, 2] and non-batch dimension 0 has length zero!");
  expect_error(ct_max_pool2d(x, CT_INTS(0)), "stride should not be zero");
  expect_error(ct_max_pool2d(x, CT_INTS(0), .stride = CT_INTS(1)), "kernel size should be greater than zero, but got kH: 0 kW: 0");
  expect_error(ct_max_pool2d(x, CT_INTS(1), .stride = CT_INTS(-1)), "stride should be greater than zero, but got dH: -1 dW: -1");
  expect_error(ct_max_pool2d(x, CT_INTS(1), .dilation = CT_INTS(0)), "dilation should be greater than zero, but got dilationH: 0 dilationW: 0");
  expect_error(ct_max_pool3d(ct_zeros(SH(1, 1, 2, 2, 2)), CT_INTS(1), .dilation = CT_INTS(0)),
               "dilation should be greater than zero, but got dilationT: 0 dilationH: 0 dilationW: 0");
  expect_error(ct_max_pool2d(x, CT_INTS(2), .padding = CT_INTS(-1)), "pad must be non-negative, but got pad: -1");
  expect_error(ct_max_pool2d(x, CT_INTS(2, 2, 2)), "max_pool2d: kernel_size must either be a single int, or a tuple of two ints");
  expect_error(ct_max_pool2d(x, CT_INTS(1), .stride = CT_INTS(1, 1, 1)), "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  expect_error(ct_max_pool2d(x, CT_INTS(1), .padding = CT_INTS(1, 1, 1)), "max_pool2d: padding must be either be a single int, or a tuple of two ints");
  expect_error(ct_max_pool2d(x, CT_INTS(1), .dilation = CT_INTS(1, 1, 1)), "max_pool2d: dilation must be either a single int, or a tuple of two ints");
  expect_error(ct_avg_pool3d(ct_zeros(SH(1, 1, 4, 4, 4)), CT_INTS(1, 1)), "avg_pool3d: kernel_size must be a single int, or a tuple of three ints");
  expect_error(ct_avg_pool2d(x, CT_INTS(1), .padding = CT_INTS(1, 1, 1)), "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  expect_error(ct_max_pool2d(x, CT_INTS(1LL << 40)), "integer out of range");
  expect_error(ct_max_pool2d(ct_ones(SH(1, 1, 4, 4), .dtype = CT_INT64), CT_INTS(2)),
               "\"max_pool2d\" not implemented for 'Long'");
  expect_error(ct_max_pool1d(ct_zeros(SH(1, 1, 4)), CT_INTS(2, 2)),
               "max_pool1d() kernel_size must be an int, list of ints or tuple of ints of size 1 but got size 2");
  expect_error(ct_max_pool1d_with_indices(ct_zeros(SH(1, 1, 4)), CT_INTS(2, 2)).values,
               "max_pool1d() argument 'kernel_size' should contain one int (got 2)");
  expect_error(ct_max_pool1d(ct_zeros(SH(1, 1, 8)), CT_INTS(2), .padding = CT_INTS(2)),
               "max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2");
  expect_error(ct_max_pool1d(ct_zeros(SH(1, 1, 8)), CT_INTS(3), .stride = CT_INTS(1), .dilation = CT_INTS(5)),
               "max_pool1d() Invalid computed output size: -2");
  assert_int_equal(ct_shape(ct_max_pool1d(ct_zeros(SH(3, 2)), CT_INTS(3)))[1], 0); /* no-grad path: empty */
  expect_error(ct_avg_pool2d(x, CT_INTS(1), .divisor_override = 0), "divisor must be not zero");
  expect_error(ct_avg_pool2d(ct_zeros(SH(2)), CT_INTS(1)), "Dimension out of range (expected to be in range of [-1, 0], but got -3)");
  expect_error(ct_avg_pool1d(ct_zeros(SH(2)), CT_INTS(1)),
               "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)");
  expect_error(ct_avg_pool1d(ct_zeros(SH(1, 2, 2)), CT_INTS(2), .divisor_override = 2),
               "avg_pool1d() got an unexpected keyword argument 'divisor_override'");
  expect_error(ct_adaptive_avg_pool2d(ct_zeros(SH(3)), CT_INTS(2)), "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [3]");
  expect_error(ct_adaptive_avg_pool2d(ct_zeros(SH(1, 3, 0, 4)), CT_INTS(2)),
               "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes [1, 3, 0, 4] with dimension 2 being empty");
  expect_error(ct_adaptive_avg_pool2d(x, CT_INTS(2, 2, 2)), "adaptive_avg_pool2d: output_size must be 2");
  expect_error(ct_adaptive_avg_pool2d(x, CT_INTS(-1, 2)),
               "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {-1, 2}");
  expect_error(ct_adaptive_avg_pool3d(ct_zeros(SH(3, 4)), CT_INTS(2)), "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [3, 4]");
  expect_error(ct_adaptive_avg_pool1d(ct_zeros(SH(1, 1, 3, 4)), CT_INTS(2)),
               "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_avg_pool1d)");
  expect_error(ct_adaptive_max_pool2d(ct_zeros(SH(3)), CT_INTS(2)), "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [3]");
  expect_error(ct_adaptive_max_pool3d(ct_zeros(SH(3)), CT_INTS(2)), "adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: [3]");
  expect_error(ct_adaptive_max_pool2d(x, CT_INTS(1, 1, 1)), "adaptive_max_pool2d(): internal error: output_size.size() must be 2");
  expect_error(ct_adaptive_max_pool2d(ct_zeros(SH(1, 3, 4, 4)), CT_INTS(-1, 2)),
               "Trying to create tensor with negative dimension -1: [1, 3, -1, 2]");
  expect_error(ct_adaptive_max_pool1d(ct_zeros(SH(3)), CT_INTS(2)),
               "Expected 2 to 3 dimensions, but got 1-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_max_pool1d)");
  expect_error(ct_fractional_max_pool2d(ct_zeros(SH(1, 3, 8, 8)), CT_INTS(2)),
               "fractional_max_pool2d requires specifying either an output_size or an output_ratio");
  expect_error(ct_fractional_max_pool2d(ct_zeros(SH(1, 3, 8, 8)), CT_INTS(4), .output_size = CT_INTS(6)),
               "fractional_max_pool2d(): pool height 4 too large relative to input height 8");
  expect_error(ct_fractional_max_pool2d(ct_zeros(SH(1, 1, 4, 4)), CT_INTS(1, 3), .output_size = CT_INTS(2, 3)),
               "fractional_max_pool2d(): pool width 3 too large relative to input width 4");
  expect_error(ct_fractional_max_pool3d(ct_zeros(SH(1, 3, 8, 8, 8)), CT_INTS(2), .output_size = CT_INTS(8)),
               "fractional_max_pool3d_out(): pool time 2 too large relative to input time 8");
  expect_error(ct_fractional_max_pool2d(ct_zeros(SH(1, 1, 1, 1, 1)), CT_INTS(1), .output_size = CT_INTS(1)),
               "fractional_max_pool2d(): Expected 3D or 4D tensor, but got: [1, 1, 1, 1, 1]");
  expect_error(ct_fractional_max_pool2d(ct_zeros(SH(1, 3, 0, 8)), CT_INTS(2), .output_size = CT_INTS(4)),
               "fractional_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but got[1, 3, 0, 8] with dimension 2 being empty.");
  expect_error(ct_fractional_max_pool2d(x, CT_INTS(2), .output_size = CT_INTS(2),
                                        .random_samples = ct_zeros(SH(1, 1, 2), .dtype = CT_FLOAT64)),
               "expected scalar type Float but found Double");
  expect_error(ct_fractional_max_pool2d(x, CT_INTS(2), .output_size = CT_INTS(2), .random_samples = ct_zeros(SH(1, 1, 1))),
               "_random_samples must have shape (1, 1, 2)");
  ct_tensor *o = ct_zeros(SH(1, 2, 2, 2));
  int64_t big[8] = {0, 3, 9, 1100, 0, 1, 2, 3};
  ct_tensor *ib = ct_tensor_from(big, CT_INT64, 4, (int64_t[]){1, 2, 2, 2});
  expect_error(ct_max_unpool2d(o, ib, CT_INTS(2)), "Found an invalid max index: 1100 (output volumes are of size 4x4");
  expect_error(ct_max_unpool2d(o, ct_narrow(ib, 2, 0, 1), CT_INTS(2)),
               "Expected shape of indices to be same as that of the input tensor ([1, 2, 2, 2]) but got indices tensor with shape: [1, 2, 1, 2]");
  expect_error(ct_max_unpool2d(o, ct_zeros(SH(1, 2, 2, 2)), CT_INTS(2)), "elements in indices should be type int64 but got: Float");
  expect_error(ct_max_unpool2d(o, ib, CT_INTS(2), .output_size = CT_INTS(3)),
               "output_size should be a sequence containing 2 or 4 elements, but it has a length of '1'");
  expect_error(ct_max_unpool2d(o, ib, CT_INTS(2), .output_size = CT_INTS(9, 9)),
               "invalid output_size \"(9, 9)\" (dim 0 must be between 2 and 6)");
  expect_error(ct_max_unpool2d(ct_zeros(SH(2, 2)), ct_zeros(SH(2, 2), .dtype = CT_INT64), CT_INTS(2)),
               "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 dimensions.");
  expect_error(ct_max_unpool3d(ct_zeros(SH(1, 2, 2)), ct_zeros(SH(1, 2, 2), .dtype = CT_INT64), CT_INTS(1)),
               "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions.");
  expect_error(ct_max_unpool1d(o, ib, CT_INTS(2)),
               "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 5 dimensions.");
  ct_scope_end();
}

/* ---- gradients ---------------------------------------------------------------------------- */
typedef ct_tensor *(*pool_fn)(const ct_tensor *);
static int run_pool(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = (*(pool_fn *)u)(in[0]);
  return out[0] ? 0 : -1;
}
static ct_tensor *mp1(const ct_tensor *x) { return ct_max_pool1d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .dilation = CT_INTS(2)); }
static ct_tensor *mp2(const ct_tensor *x) { return ct_max_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .ceil_mode = true); }
static ct_tensor *mp3(const ct_tensor *x) { return ct_max_pool3d(x, CT_INTS(2), .stride = CT_INTS(1)); }
static ct_tensor *ap1(const ct_tensor *x) { return ct_avg_pool1d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .count_include_pad = false); }
static ct_tensor *ap2(const ct_tensor *x) { return ct_avg_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .ceil_mode = true); }
static ct_tensor *ap2d(const ct_tensor *x) { return ct_avg_pool2d(x, CT_INTS(2, 3), .stride = CT_INTS(1), .divisor_override = 5); }
static ct_tensor *ap3(const ct_tensor *x) { return ct_avg_pool3d(x, CT_INTS(2), .padding = CT_INTS(1), .count_include_pad = false); }
static ct_tensor *aap1(const ct_tensor *x) { return ct_adaptive_avg_pool1d(x, CT_INTS(4)); }
static ct_tensor *aap2(const ct_tensor *x) { return ct_adaptive_avg_pool2d(x, CT_INTS(3, 2)); }
static ct_tensor *aap3(const ct_tensor *x) { return ct_adaptive_avg_pool3d(x, CT_INTS(2, 3, 2)); }
static ct_tensor *amp1(const ct_tensor *x) { return ct_adaptive_max_pool1d(x, CT_INTS(4)); }
static ct_tensor *amp2(const ct_tensor *x) { return ct_adaptive_max_pool2d(x, CT_INTS(3, 2)); }
static ct_tensor *amp3(const ct_tensor *x) { return ct_adaptive_max_pool3d(x, CT_INTS(2)); }
static ct_tensor *lp1(const ct_tensor *x) { return ct_lp_pool1d(ct_add_scalar(ct_abs(x), 0.5), 3, CT_INTS(2)); }
static ct_tensor *lp2(const ct_tensor *x) { return ct_lp_pool2d(ct_add_scalar(ct_abs(x), 0.5), 2, CT_INTS(2), .stride = CT_INTS(1)); }
static ct_tensor *fmp2(const ct_tensor *x) {
  double u[4] = {0.3, 0.8, 0.1, 0.5};
  return ct_fractional_max_pool2d(x, CT_INTS(2), .output_size = CT_INTS(3),
                                  .random_samples = ct_tensor_from(u, CT_FLOAT64, 3, (int64_t[]){1, 2, 2}));
}
static ct_tensor *fmp3(const ct_tensor *x) {
  double u[6] = {0.3, 0.8, 0.1, 0.5, 0.9, 0.2};
  return ct_fractional_max_pool3d(x, CT_INTS(2), .output_size = CT_INTS(2),
                                  .random_samples = ct_tensor_from(u, CT_FLOAT64, 3, (int64_t[]){1, 2, 3}));
}
static ct_tensor *mu2(const ct_tensor *x) {
  int64_t iv[8] = {0, 3, 9, 14, 5, 6, 8, 15};
  return ct_max_unpool2d(x, ct_tensor_from(iv, CT_INT64, 4, (int64_t[]){1, 2, 2, 2}), CT_INTS(2));
}
static ct_tensor *mu1(const ct_tensor *x) {
  int64_t iv[6] = {0, 3, 5, 1, 2, 4};
  return ct_max_unpool1d(x, ct_tensor_from(iv, CT_INT64, 2, (int64_t[]){2, 3}), CT_INTS(2));
}
static ct_tensor *mu3(const ct_tensor *x) {
  int64_t iv[4] = {0, 7, 9, 31};
  return ct_max_unpool3d(x, ct_tensor_from(iv, CT_INT64, 4, (int64_t[]){1, 1, 2, 2}), CT_INTS(2));
}

static void grads(pool_fn f, int nd, const int64_t *shape, const char *what) {
  ct_scope_begin();
  ct_tensor *x = distinct(nd, shape, true);
  check_grads(run_pool, &x, 1, &f, what);
  ct_scope_end();
}

static void test_gradcheck(void **state) {
  (void)state;
  grads(mp1, 3, (int64_t[]){1, 2, 9}, "max_pool1d");
  grads(mp2, 4, (int64_t[]){1, 2, 5, 6}, "max_pool2d");
  grads(mp3, 5, (int64_t[]){1, 1, 3, 3, 4}, "max_pool3d");
  grads(ap1, 2, (int64_t[]){2, 7}, "avg_pool1d");
  grads(ap2, 4, (int64_t[]){1, 2, 5, 6}, "avg_pool2d");
  grads(ap2d, 3, (int64_t[]){2, 4, 5}, "avg_pool2d divisor");
  grads(ap3, 5, (int64_t[]){1, 1, 3, 3, 4}, "avg_pool3d");
  grads(aap1, 3, (int64_t[]){1, 2, 7}, "adaptive_avg_pool1d");
  grads(aap2, 4, (int64_t[]){1, 2, 5, 7}, "adaptive_avg_pool2d");
  grads(aap3, 4, (int64_t[]){1, 3, 5, 4}, "adaptive_avg_pool3d");
  grads(amp1, 3, (int64_t[]){1, 2, 7}, "adaptive_max_pool1d");
  grads(amp2, 4, (int64_t[]){1, 2, 5, 7}, "adaptive_max_pool2d");
  grads(amp3, 5, (int64_t[]){1, 1, 3, 4, 5}, "adaptive_max_pool3d");
  grads(lp1, 3, (int64_t[]){1, 2, 6}, "lp_pool1d");
  grads(lp2, 3, (int64_t[]){2, 4, 4}, "lp_pool2d");
  grads(fmp2, 4, (int64_t[]){1, 2, 6, 7}, "fractional_max_pool2d");
  grads(fmp3, 5, (int64_t[]){1, 2, 4, 4, 5}, "fractional_max_pool3d");
  grads(mu1, 2, (int64_t[]){2, 3}, "max_unpool1d");
  grads(mu2, 4, (int64_t[]){1, 2, 2, 2}, "max_unpool2d");
  grads(mu3, 4, (int64_t[]){1, 1, 2, 2}, "max_unpool3d");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_max_pool_values),  cmocka_unit_test(test_avg_pool_values),
      cmocka_unit_test(test_fractional_unpool_values), cmocka_unit_test(test_lp_pool_nan), cmocka_unit_test(test_with_indices_agree),
      cmocka_unit_test(test_max_pool_ties_nan),
      cmocka_unit_test(test_max_pool_2x2_ties_nan),
      cmocka_unit_test(test_grad_fn_names),
      cmocka_unit_test(test_errors),           cmocka_unit_test(test_gradcheck),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
