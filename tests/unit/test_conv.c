/* F.conv1d/2d/3d and F.conv_transpose1d/2d/3d: values and gradients against PyTorch 1.13
 * (ramp inputs of ct_test.h; expected numbers from /usr/bin/python3 + torch), every argument
 * error with PyTorch's message, float64 gradcheck + gradgradcheck per option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"
#include "ops/conv.h"

#define R(dt, seed, rg, ...) ramp(CT_SHAPE(__VA_ARGS__), dt, seed, rg)
#define GRADNAME(t) ct_grad_fn_name(t)
/* t holds these values (PyTorch's), within rtol, atol */
#define VALS(t, rtol, atol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

static void test_conv2d_values_and_grads(void **state) {
  (void)state;
  ct_scope_begin();
  for (int d = 0; d < 2; d++) {
    ct_dtype dt = d ? CT_FLOAT64 : CT_FLOAT32;
    ct_tensor *x = R(dt, 0, true, 1, 2, 4, 4), *w = R(dt, 1, true, 3, 2, 2, 2), *b = R(dt, 2, true, 3);
    ct_tensor *y = ct_conv2d(x, w, .bias = b, .stride = CT_INTS(2), .padding = CT_INTS(1));
    VALS(y, 1e-6, 1e-6, 0.625, 1, -2.3125, 0.1875, 3, -1.125, -0.875, 1.1875, -0.625, 1.875,
                              0.25, 2.25, 1.8125, 1.5, 2.3125, 1.25, 2.875, 1.375, 0.375, -0.5,
                              1.3125, 0.6875, 0.6875, 0.9375, 0.625, 1.8125, 0.625);
    assert_string_equal(GRADNAME(y), "ConvolutionBackward0");
    assert_int_equal(ct_backward(ct_sum(y)), 0);
    VALS(ct_grad(x), 1e-6, 1e-6, -3, 0, -3, 0, 3, -2.25, 3, -2.25, -3, 0, -3, 0, 3, -2.25, 3,
                                       -2.25, 1.5, -1, 1.5, -1, -0.75, 2.25, -0.75, 2.25, 1.5, -1,
                                       1.5, -1, -0.75, 2.25, -0.75, 2.25);
    VALS(ct_grad(w), 1e-6, 1e-6, -1, 3, 1.25, -3, 1, -0.5, 0.5, -1, -1, 3, 1.25, -3, 1, -0.5,
                                       0.5, -1, -1, 3, 1.25, -3, 1, -0.5, 0.5, -1);
    VALS(ct_grad(b), 1e-6, 1e-6, 9, 9, 9);
  }
  ct_scope_end();
}

static void test_conv_transpose1d_values_and_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(CT_FLOAT64, 0, true, 1, 2, 4), *w = R(CT_FLOAT64, 1, true, 2, 3, 3);
  ct_tensor *y = ct_conv_transpose1d(x, w, .stride = CT_INTS(2), .padding = CT_INTS(1),
                                     .output_padding = CT_INTS(1));
  assert_int_equal(ct_shape(y)[2], 8);
  VALS(y, 1e-12, 1e-12, -0.9375, -1.1875, 0.375, 2.125, -0.375, -2.125, 0.9375, -0.3125, -0.6875,
                            -0.875, 0.4375, 2.0625, -0.5, -2.5625, 0.625, -0.625, -0.4375, 1.5, 0.5,
                            -1.4375, -0.625, 3.1875, 0.3125, -0.9375);
  assert_string_equal(GRADNAME(y), "ConvolutionBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, R(CT_FLOAT64, 3, false, 1, 3, 8)))), 0);
  VALS(ct_grad(x), 1e-12, 1e-12, 0.5625, 0.3125, 1.625, -2.5625, -0.875, 0.375, -0.625, 0.4375);
  VALS(ct_grad(w), 1e-12, 1e-12, 1, -1, -1, -0.0625, -1, 2.4375, 0.25, 0.375, 2.4375, -1.6875,
                                     0.6875, 0.875, 0.4375, 0.8125, 0.3125, 0.5, -1.8125, 0.4375);
  ct_scope_end();
}

static void test_conv_same_groups_3d(void **state) {
  (void)state;
  ct_scope_begin();
  /* padding='same' with an even kernel: F.pad adds the odd element on the right */
  ct_tensor *y = ct_conv1d(R(CT_FLOAT64, 0, false, 1, 4, 5), R(CT_FLOAT64, 1, false, 4, 2, 4),
                           .padding_kind = CT_PADDING_SAME, .groups = 2);
  VALS(y, 1e-12, 1e-12, 1.1875, -0.9375, -2.0625, 2.8125, -1.9375, -1.8125, -1.125, 1.25, 0.9375,
                            -1.625, 0.5, -1.6875, -1.3125, 1.4375, 1.8125, 1.0625, 1.5, -2.875, 3.125,
                            -1.6875);
  y = ct_conv3d(R(CT_FLOAT64, 0, false, 1, 1, 3, 3, 3), R(CT_FLOAT64, 1, false, 2, 1, 2, 2, 2),
                .padding = CT_INTS(0, 1, 0), .dilation = CT_INTS(1, 2, 1));
  assert_int_equal(ct_dim(y), 5);
  assert_int_equal(ct_shape(y)[3], 3);
  VALS(y, 1e-12, 1e-12, -0.125, 0.5625, 2, 0.1875, -0.5625, -1.6875, -0.125, -2.875, 0.125, -1,
                            -0.375, 0.5625, -1.125, 2, 1.375, 1.6875, -0.1875, -1.625, 0.1875, 0.5625,
                            1.4375, -4.4375, -0.75, 0.5625);
  /* 'same' input with a requires-grad input: ConstantPadNdBackward0 under the conv */
  ct_tensor *x = R(CT_FLOAT64, 0, true, 2, 3, 5);
  y = ct_conv1d(x, R(CT_FLOAT64, 1, false, 4, 3, 2), .padding_kind = CT_PADDING_SAME);
  assert_int_equal(ct_shape(y)[2], 5);
  assert_string_equal(GRADNAME(y), "ConvolutionBackward0");
  /* unbatched: squeezed back, as PyTorch's SqueezeBackward1 */
  y = ct_conv2d(R(CT_FLOAT64, 0, true, 3, 5, 5), R(CT_FLOAT64, 1, false, 2, 3, 3, 3), .padding = CT_INTS(1));
  assert_int_equal(ct_dim(y), 3);
  assert_string_equal(GRADNAME(y), "SqueezeBackward1");
  /* integers: exact, dtype kept */
  ct_tensor *xi = ct_to(R(CT_FLOAT64, 0, false, 1, 1, 3, 3), CT_INT64);
  y = ct_conv2d(ct_mul_scalar(R(CT_FLOAT64, 0, false, 1, 1, 3, 3), 4),
                ct_mul_scalar(R(CT_FLOAT64, 1, false, 1, 1, 2, 2), 4));
  ct_tensor *yi = ct_conv2d(ct_to(ct_mul_scalar(R(CT_FLOAT64, 0, false, 1, 1, 3, 3), 4), CT_INT64),
                            ct_to(ct_mul_scalar(R(CT_FLOAT64, 1, false, 1, 1, 2, 2), 4), CT_INT64));
  assert_non_null(xi);
  assert_int_equal(ct_dtype_of(yi), CT_INT64);
  assert_true(ct_equal(ct_to(yi, CT_FLOAT64), y));
  ct_scope_end();
}

/* double backward: the gradients are convolutions again (PyTorch's numbers) */
static void test_conv_double_backward(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(CT_FLOAT64, 0, true, 1, 2, 3, 3), *w = R(CT_FLOAT64, 1, true, 2, 2, 2, 2);
  ct_tensor *y = ct_conv2d(x, w, .padding = CT_INTS(1));
  ct_tensor *g[2];
  assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_sum(ct_pow_scalar(y, 2))), CT_TENSORS(x, w), NULL,
                                    true, -1, false, g), 0);
  /* PyTorch names every gradient taken with create_graph after one node */
  assert_string_equal(GRADNAME(g[0]), "ConvolutionBackwardBackward0");
  assert_string_equal(GRADNAME(g[1]), "ConvolutionBackwardBackward0");
  ct_tensor *gg[2];
  assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_add(ct_sum(g[0]), ct_sum(ct_pow_scalar(g[1], 2)))),
                                    CT_TENSORS(x, w), NULL, true, 1, false, gg), 0);
  assert_string_equal(GRADNAME(gg[0]), "AddBackward0");
  assert_string_equal(GRADNAME(gg[1]), "AddBackward0");
  assert_int_equal(ct_backward(ct_add(ct_sum(g[0]), ct_sum(ct_pow_scalar(g[1], 2)))), 0);
  VALS(ct_grad(x), 1e-9, 1e-6, -1203.445312, 382.59375, 116.84375, 546.34375, -220.5234375,
                                     -725.3359375, 200.7578125, 467.8671875, -574.9296875, 949.9921875,
                                     -221.125, -434.4140625, 44.28125, -185.46875, 879.4609375,
                                     -162.3984375, -618.2421875, 899.5625);
  VALS(ct_grad(w), 1e-9, 1e-6, -617.109375, 583.8515625, -108.71875, 49.9765625, 573.2421875,
                                     -389.9375, 668.6484375, -366.84375, 20.109375, 245.484375,
                                     350.546875, -437.265625, 300.140625, -313.515625, -359.609375,
                                     98.5);
  ct_scope_end();
}

/* the same names for a transposed convolution, the bias and a loss linear in y */
static void test_conv_double_backward_names(void **state) {
  (void)state;
  ct_scope_begin();
  for (int tr = 0; tr < 2; tr++) {
    ct_tensor *x = R(CT_FLOAT64, 0, true, 1, 2, 3, 3), *w = R(CT_FLOAT64, 1, true, 2, 2, 2, 2),
              *b = R(CT_FLOAT64, 2, true, 2);
    ct_tensor *y = tr ? ct_conv_transpose2d(x, w, .bias = b, .padding = CT_INTS(1))
                      : ct_conv2d(x, w, .bias = b, .padding = CT_INTS(1));
    ct_tensor *g[3];
    assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_sum(ct_pow_scalar(y, 2))), CT_TENSORS(x, w, b), NULL,
                                      true, -1, false, g), 0);
    for (int i = 0; i < 3; i++) assert_string_equal(GRADNAME(g[i]), "ConvolutionBackwardBackward0");
    assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_sum(y)), CT_TENSORS(x, w), NULL, true, -1, false, g), 0);
    for (int i = 0; i < 2; i++) assert_string_equal(GRADNAME(g[i]), "ConvolutionBackwardBackward0");
    /* without create_graph nothing is recorded */
    assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_sum(y)), CT_TENSORS(x, w), NULL, false, -1, false, g), 0);
    assert_null(ct_grad_fn_name(g[0]));
  }
  ct_scope_end();
}

/* ---- gradcheck + gradgradcheck (float64) per option -------------------------------------- */
typedef struct {
  int nsp;
  bool transposed;
  ct_conv_opts o;
  ct_conv_transpose_opts t;
} conv_case;

/* in: x, w[, bias] */
static int run_conv(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out;
  conv_case c = *(const conv_case *)u;
  const ct_tensor *b = n_in > 2 ? in[2] : NULL;
  c.o.bias = b, c.t.bias = b;
  if (!c.transposed)
    out[0] = c.nsp == 1 ? ct_conv1d_ex(in[0], in[1], c.o)
             : c.nsp == 2 ? ct_conv2d_ex(in[0], in[1], c.o) : ct_conv3d_ex(in[0], in[1], c.o);
  else
    out[0] = c.nsp == 1 ? ct_conv_transpose1d_ex(in[0], in[1], c.t)
             : c.nsp == 2 ? ct_conv_transpose2d_ex(in[0], in[1], c.t)
                          : ct_conv_transpose3d_ex(in[0], in[1], c.t);
  return out[0] ? 0 : -1;
}

#define RG(seed, ...) R(CT_FLOAT64, seed, true, __VA_ARGS__)
static void test_conv_gradchecks(void **state) {
  (void)state;
  ct_scope_begin();
  conv_case c1 = {1, false, CT_CONV_OPTS(.stride = CT_INTS(2), .padding = CT_INTS(1), .dilation = CT_INTS(2))};
  check_grads(run_conv, CT_TENSORS(RG(0, 2, 2, 7), RG(1, 3, 2, 2), RG(2, 3)), &c1, "conv1d");
  conv_case c2 = {2, false, CT_CONV_OPTS(.groups = 2, .padding = CT_INTS(1, 0), .stride = CT_INTS(1, 2))};
  check_grads(run_conv, CT_TENSORS(RG(0, 2, 4, 4, 5), RG(1, 4, 2, 2, 2)), &c2, "conv2d groups");
  conv_case c3 = {2, false, CT_CONV_OPTS(.padding_kind = CT_PADDING_SAME, .dilation = CT_INTS(1, 2))};
  check_grads(run_conv, CT_TENSORS(RG(0, 1, 2, 4, 4), RG(1, 2, 2, 2, 2), RG(2, 2)), &c3, "conv2d same");
  conv_case c4 = {2, false, CT_CONV_OPTS()};
  check_grads(run_conv, CT_TENSORS(RG(0, 2, 3, 3, 2), RG(1, 4, 3, 1, 1)), &c4, "conv2d 1x1");
  check_grads(run_conv, CT_TENSORS(RG(0, 3, 4, 4), RG(1, 2, 3, 2, 2)), &c4, "conv2d unbatched");
  conv_case c5 = {3, false, CT_CONV_OPTS(.padding = CT_INTS(1, 0, 0), .stride = CT_INTS(2, 1, 1))};
  check_grads(run_conv, CT_TENSORS(RG(0, 1, 2, 3, 3, 3), RG(1, 2, 2, 2, 2, 2), RG(2, 2)), &c5, "conv3d");
  conv_case t1 = {1, true, .t = CT_CONV_TRANSPOSE_OPTS(.stride = CT_INTS(3), .padding = CT_INTS(1),
                                                       .output_padding = CT_INTS(2), .groups = 2,
                                                       .dilation = CT_INTS(2))};
  check_grads(run_conv, CT_TENSORS(RG(0, 2, 4, 3), RG(1, 4, 2, 2), RG(2, 4)), &t1, "conv_transpose1d");
  conv_case t2 = {2, true, .t = CT_CONV_TRANSPOSE_OPTS(.stride = CT_INTS(2, 1), .output_padding = CT_INTS(1, 0))};
  check_grads(run_conv, CT_TENSORS(RG(0, 1, 2, 3, 3), RG(1, 2, 3, 2, 2), RG(2, 3)), &t2, "conv_transpose2d");
  conv_case t3 = {3, true, .t = CT_CONV_TRANSPOSE_OPTS(.dilation = CT_INTS(2), .output_padding = CT_INTS(1))};
  check_grads(run_conv, CT_TENSORS(RG(0, 1, 2, 2, 2, 2), RG(1, 2, 1, 2, 2, 2)), &t3, "conv_transpose3d");
  ct_scope_end();
}

/* ---- every argument error, PyTorch 1.13's words ---------------------------------------- */
/* ---- oneDNN (direct and Winograd) against the im2col path --------------------------------- */
typedef struct {
  const char *what;
  conv_case c;
  int64_t x[5], w[5]; /* shapes, ndim = nsp + 2 */
} big_case;

/* y = conv(x, w, bias) and the gradients of sum(y * r) for x, w, bias (float32, randn) */
static void big_run(const big_case *bc, ct_tensor **out) {
  int nd = bc->c.nsp + 2;
  ct_manual_seed(7);
  ct_tensor *x = ct_randn_ex(nd, bc->x, CT_TENSOR_OPTS()), *w = ct_randn_ex(nd, bc->w, CT_TENSOR_OPTS());
  int64_t nb = bc->c.transposed ? bc->w[1] * bc->c.t.groups : bc->w[0];
  ct_tensor *b = ct_randn_ex(1, &nb, CT_TENSOR_OPTS());
  ct_tensor *in[3] = {x, w, b};
  for (int i = 0; i < 3; i++) ct_requires_grad_(in[i], true);
  ct_tensor *y;
  if (run_conv(in, 3, &y, 1, (void *)&bc->c)) fail_msg("%s: %s", bc->what, ct_last_error());
  ct_tensor *r = ct_randn_like_ex(y, CT_TENSOR_OPTS());
  out[0] = y;
  if (ct_autograd_grad(CT_TENSORS(ct_sum(ct_mul(y, r))), CT_TENSORS(x, w, b), NULL, false, -1, false, out + 1))
    fail_msg("%s: %s", bc->what, ct_last_error());
}

static void test_conv_onednn_matches_im2col(void **state) {
  (void)state;
  /* each above oneDNN's threshold (16+ channels per group, 4M multiply-adds) */
  const big_case cases[] = {
      {"3x3 winograd", {2, false, CT_CONV_OPTS(.padding = CT_INTS(1))}, {4, 32, 16, 16}, {32, 32, 3, 3}},
      {"stride 2 direct", {2, false, CT_CONV_OPTS(.stride = CT_INTS(2), .padding = CT_INTS(1))},
       {8, 32, 16, 16}, {32, 32, 3, 3}},
      {"groups dilation", {2, false, CT_CONV_OPTS(.padding = CT_INTS(2), .dilation = CT_INTS(2), .groups = 2)},
       {4, 64, 12, 12}, {64, 32, 3, 3}},
      {"conv1d", {1, false, CT_CONV_OPTS(.padding = CT_INTS(2))}, {2, 32, 512}, {32, 32, 5}},
      {"conv3d", {3, false, CT_CONV_OPTS(.padding = CT_INTS(1))}, {2, 16, 8, 8, 8}, {16, 16, 3, 3, 3}},
      {"transposed",
       {2, true, .t = CT_CONV_TRANSPOSE_OPTS(.stride = CT_INTS(2), .padding = CT_INTS(1), .output_padding = CT_INTS(1))},
       {4, 32, 12, 12}, {32, 32, 3, 3}},
      {"transposed s1", {2, true, .t = CT_CONV_TRANSPOSE_OPTS(.padding = CT_INTS(1))}, {4, 32, 16, 16}, {32, 32, 3, 3}},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    ct_scope_begin();
    ct_tensor *fast[4], *exact[4];
    ct__conv_force_im2col(0);
    big_run(&cases[k], fast);
    ct__conv_force_im2col(1);
    big_run(&cases[k], exact);
    ct__conv_force_im2col(0);
    for (int i = 0; i < 4; i++) {
      double err = ct_item(ct_max(ct_abs(ct_sub(fast[i], exact[i])))), scale = ct_item(ct_max(ct_abs(exact[i])));
      if (!(err <= 2e-5 * scale)) fail_msg("%s, result %d: max error %g at scale %g", cases[k].what, i, err, scale);
    }
    ct_scope_end();
  }
}

static void test_conv_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(CT_FLOAT32, 0, false, 2, 4, 5, 5), *w = R(CT_FLOAT32, 1, false, 8, 3, 3, 3);
  ct_tensor *x3 = R(CT_FLOAT32, 0, false, 2, 3, 5, 5);
  expect_error(ct_conv2d(x, w), "Given groups=1, weight of size [8, 3, 3, 3], expected input[2, 4, 5, 5] "
                                "to have 3 channels, but got 4 channels instead");
  expect_error(ct_conv2d(R(CT_FLOAT32, 0, false, 2, 3, 2, 2), w),
               "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size "
               "can't be greater than actual input size");
  expect_error(ct_conv2d(x3, w, .dilation = CT_INTS(3)),
               "Calculated padded input size per channel: (5 x 5). Kernel size: (7 x 7).");
  expect_error(ct_conv1d(R(CT_FLOAT32, 0, false, 2, 3, 2), R(CT_FLOAT32, 1, false, 8, 3, 3)),
               "Calculated padded input size per channel: (2). Kernel size: (3).");
  expect_error(ct_conv2d(ct_zeros(CT_SHAPE(2, 3, 5, 5, 5)), w),
               "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3, 5, 5, 5]");
  expect_error(ct_conv1d(R(CT_FLOAT32, 0, false, 5), R(CT_FLOAT32, 1, false, 8, 3, 3)),
               "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [5]");
  expect_error(ct_conv_transpose2d(R(CT_FLOAT32, 0, false, 5, 5), R(CT_FLOAT32, 1, false, 3, 4, 3, 3)),
               "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d");
  expect_error(ct_conv2d(x3, R(CT_FLOAT32, 1, false, 8, 3, 3)),
               "expected stride to be a single integer value or a list of 1 values to match the "
               "convolution dimensions, but got stride=[1, 1]");
  expect_error(ct_conv2d(x3, w, .padding = CT_INTS(1, 1, 1)),
               "expected padding to be a single integer value or a list of 2 values to match the "
               "convolution dimensions, but got padding=[1, 1, 1]");
  expect_error(ct_conv1d(R(CT_FLOAT32, 0, false, 2, 3, 5), R(CT_FLOAT32, 1, false, 8, 3)),
               "weight should have at least three dimensions");
  expect_error(ct_conv2d(x, R(CT_FLOAT32, 1, false, 8, 2, 3, 3), .groups = 3),
               "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of "
               "size [[8, 2, 3, 3]] instead");
  expect_error(ct_conv2d(x3, w, .groups = 2), "Given groups=2, weight of size [8, 3, 3, 3], expected "
                                              "input[2, 3, 5, 5] to have 6 channels, but got 3 channels instead");
  expect_error(ct_conv2d(x, R(CT_FLOAT32, 1, false, 2, 1, 3, 3), .groups = 4),
               "Given groups=4, expected weight to be at least 4 at dimension 0, but got weight of size "
               "[2, 1, 3, 3] instead");
  expect_error(ct_conv2d(x, w, .groups = 0), "non-positive groups is not supported");
  expect_error(ct_conv2d(x, w, .groups = -1), "non-positive groups is not supported");
  expect_error(ct_conv2d(x3, w, .padding_kind = CT_PADDING_SAME, .stride = CT_INTS(2)),
               "padding='same' is not supported for strided convolutions");
  expect_error(ct_conv2d(x3, w, .padding = CT_INTS(-1)), "negative padding is not supported");
  expect_error(ct_conv2d(x3, w, .padding = CT_INTS(-1), .stride = CT_INTS(0)), "negative padding is not supported");
  expect_error(ct_conv2d(x3, w, .stride = CT_INTS(0)), "non-positive stride is not supported");
  expect_error(ct_conv2d(x3, w, .stride = CT_INTS(1, -1)), "non-positive stride is not supported");
  expect_error(ct_conv2d(x3, w, .dilation = CT_INTS(0)), "non-positive dilation is not supported");
  expect_error(ct_conv2d(ct_to(x3, CT_FLOAT64), ct_to(w, CT_FLOAT64), .dilation = CT_INTS(0)),
               "dilation should be greater than zero, but got [0, 0]");
  expect_error(ct_conv2d(x3, w, .bias = R(CT_FLOAT32, 0, false, 7)),
               "Given weight of size [8, 3, 3, 3], expected bias to be 1-dimensional with 8 elements, "
               "but got bias of size [7] instead");
  expect_error(ct_conv2d(x3, w, .bias = R(CT_FLOAT32, 0, false, 8, 1)), "but got bias of size [8, 1] instead");
  /* dtypes */
  expect_error(ct_conv2d(x3, ct_to(w, CT_FLOAT64)),
               "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same or "
               "input should be a MKLDNN tensor and weight is a dense tensor");
  expect_error(ct_conv2d(ct_to(x3, CT_FLOAT64), w), "expected scalar type Double but found Float");
  expect_error(ct_conv2d(ct_to(x3, CT_INT64), w), "expected scalar type Long but found Float");
  expect_error(ct_conv2d(x3, w, .bias = ct_to(R(CT_FLOAT32, 0, false, 8), CT_FLOAT64)),
               "Input type (float) and bias type (double) should be the same");
  expect_error(ct_conv2d(x3, w, .bias = ct_to(R(CT_FLOAT32, 0, false, 8), CT_INT64)),
               "Input type (float) and bias type (long int) should be the same");
  expect_error(ct_conv2d(ct_ne_scalar(x3, 0), ct_ne_scalar(w, 0)), "\"slow_conv2d_cpu\" not implemented for 'Bool'");
  expect_error(ct_conv3d(ct_zeros(CT_SHAPE(1, 1, 3, 3, 3), .dtype = CT_BOOL), ct_zeros(CT_SHAPE(1, 1, 1, 1, 1), .dtype = CT_BOOL)),
               "\"compute_columns3d\" not implemented for 'Bool'");
  expect_error(ct_conv2d(R(CT_FLOAT32, 0, false, 1, 3, 0, 5), w, .padding = CT_INTS(2)),
               "Only zero batch or zero channel inputs are supported, but got input shape: [1, 3, 0, 5]");
  /* transposed */
  ct_tensor *wt = R(CT_FLOAT32, 1, false, 3, 4, 3, 3);
  expect_error(ct_conv_transpose2d(x3, wt, .output_padding = CT_INTS(1)),
               "output padding must be smaller than either stride or dilation, but got output_padding_height: "
               "1 output_padding_width: 1 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1");
  expect_error(ct_conv_transpose1d(R(CT_FLOAT32, 0, false, 2, 3, 5), R(CT_FLOAT32, 1, false, 3, 4, 3),
                                   .output_padding = CT_INTS(1)),
               "but got output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 "
               "dilation_height: 1 dilation_width: 1");
  expect_error(ct_conv_transpose3d(R(CT_FLOAT32, 0, false, 1, 3, 2, 2, 2), R(CT_FLOAT32, 1, false, 3, 4, 1, 1, 1),
                                   .output_padding = CT_INTS(1)),
               "but got output_padding_depth: 1 output_padding_height: 1 output_padding_width: 1 stride_depth: 1");
  expect_error(ct_conv_transpose2d(x3, R(CT_FLOAT32, 1, false, 4, 4, 3, 3)),
               "Given transposed=1, weight of size [4, 4, 3, 3], expected input[2, 3, 5, 5] to have 4 channels, "
               "but got 3 channels instead");
  expect_error(ct_conv_transpose2d(x3, wt, .padding = CT_INTS(5)),
               "Given input size per channel: (5 x 5). Calculated output size per channel: (-3 x -3). Output "
               "size is too small");
  expect_error(ct_conv_transpose1d(R(CT_FLOAT32, 0, false, 2, 3, 1), R(CT_FLOAT32, 1, false, 3, 4, 3), .padding = CT_INTS(2)),
               "Given input size per channel: (1 x 1). Calculated output size per channel: (1 x -1). Output size is too small");
  expect_error(ct_conv_transpose2d(x3, wt, .padding = CT_INTS(-1)), "negative padding is not supported");
  expect_error(ct_conv_transpose2d(x3, wt, .output_padding = CT_INTS(-1)), "negative output_padding is not supported");
  expect_error(ct_conv_transpose2d(x3, wt, .dilation = CT_INTS(0)),
               "dilation should be greater than zero, but got dilation_height: 0, dilation_width: 0");
  expect_error(ct_conv_transpose2d(x3, wt, .bias = R(CT_FLOAT32, 0, false, 3)),
               "Given transposed=1, weight of size [3, 4, 3, 3], expected bias to be 1-dimensional with 4 "
               "elements, but got bias of size [3] instead");
  expect_error(ct_conv_transpose2d(x3, ct_to(wt, CT_FLOAT64)), "expected scalar type Float but found Double");
  expect_error(ct_conv_transpose2d(ct_to(x3, CT_INT32), ct_to(wt, CT_INT32)),
               "\"slow_conv_transpose2d_out_cpu\" not implemented for 'Int'");
  expect_error(ct_conv_transpose2d(x3, wt, .groups = 0), "non-positive groups is not supported");
  /* shapes PyTorch accepts */
  ct_tensor *y = ct_conv2d(R(CT_FLOAT32, 0, false, 0, 3, 5, 5), w, .bias = R(CT_FLOAT32, 0, false, 8));
  assert_non_null(y);
  assert_int_equal(ct_shape(y)[0], 0);
  y = ct_conv2d(ct_zeros(CT_SHAPE(2, 0, 5, 5)), ct_zeros(CT_SHAPE(8, 0, 3, 3)), .bias = R(CT_FLOAT32, 0, false, 8));
  assert_non_null(y);
  assert_true(ct_equal(ct_sum(y), ct_mul_scalar(ct_sum(R(CT_FLOAT32, 0, false, 8)), 18)));
  assert_null(ct_last_error());
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conv2d_values_and_grads), cmocka_unit_test(test_conv_transpose1d_values_and_grads),
      cmocka_unit_test(test_conv_same_groups_3d),     cmocka_unit_test(test_conv_double_backward),
      cmocka_unit_test(test_conv_gradchecks),         cmocka_unit_test(test_conv_errors),
      cmocka_unit_test(test_conv_onednn_matches_im2col), cmocka_unit_test(test_conv_double_backward_names)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
