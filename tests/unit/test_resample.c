/* The resampling family (functional.h "resampling"): F.interpolate in every mode, grid_sample,
 * affine_grid, unfold and fold. Values against PyTorch 1.13 (numbers from /usr/bin/python3 +
 * torch on the ramp inputs of ct_test.h), grad_fn names, every error message, float64
 * gradcheck + gradgradcheck (grid_sample: gradcheck only; PyTorch has no double backward). */
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

static void expect_grad_fn(const ct_tensor *t, const char *name) {
  assert_non_null(t);
  assert_non_null(ct_grad_fn_name(t));
  assert_string_equal(ct_grad_fn_name(t), name);
}

static void test_interpolate_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(1, 1, 2, 3), CT_FLOAT64, 1, false);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 4)), -1.0, -1.0, 0.75, -0.25, -1.0, -1.0, 0.75,
               -0.25, -1.25, -1.25, 0.5, -0.5);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 4), .mode = CT_INTERP_NEAREST_EXACT), -1.0, 0.75,
               0.75, -0.25, -1.25, 0.5, 0.5, -0.5, -1.25, 0.5, 0.5, -0.5);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 4), .mode = CT_INTERP_BILINEAR), -1.0, 0.09375,
               0.375, -0.25, -1.125, -0.03125, 0.25, -0.375, -1.25, -0.15625, 0.125, -0.5);
  expect_close(ct_interpolate(x, .scale_factor = CT_FLOATS(1.5), .mode = CT_INTERP_BILINEAR,
                              .align_corners = 1),
               -1.0, 0.16666666666666663, 0.41666666666666674, -0.25, -1.125, 0.0416666666666666,
               0.29166666666666674, -0.375, -1.25, -0.0833333333333334, 0.16666666666666674, -0.5);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 4), .mode = CT_INTERP_BICUBIC),
               -1.1039089626736114, 0.2509494357638889, 0.603610568576389, -0.3000759548611112,
               -1.2506103515625, 0.10424804687500003, 0.45690917968750006, -0.44677734375,
               -1.3973117404513893, -0.04245334201388895, 0.3102077907986111, -0.593478732638889);
  expect_close(ct_interpolate(ramp(SH(1, 2, 3), CT_FLOAT64, 2, false), .scale_factor = CT_FLOATS(1.5),
                              .mode = CT_INTERP_LINEAR),
               -0.75, 0.125, 0.8333333333333335, 0.16666666666666674, -1.0, -0.125, 0.5833333333333335,
               -0.08333333333333326);
  expect_close(ct_interpolate(ramp(SH(1, 1, 2, 2, 2), CT_FLOAT64, 3, false), .size = CT_INTS(3, 2, 3),
                              .mode = CT_INTERP_TRILINEAR),
               -0.5, 0.375, 1.25, 0.25, -0.25, -0.75, 0.25, 0.4375, 0.625, -0.375, -0.1875, 0.0, 1.0,
               0.5, 0.0, -1.0, -0.125, 0.75);
  ct_tensor *a = ct_interpolate(ramp(SH(1, 1, 4, 5), CT_FLOAT64, 4, false), .size = CT_INTS(2, 3),
                                .mode = CT_INTERP_AREA);
  expect_close(a, -0.5, -0.16666666666666666, -0.0625, 0.5, -0.08333333333333333, 0.25);
  /* uint8 nearest, empty batch */
  ct_tensor *u = ct_to(ct_arange(0, 6, 1, .dtype = CT_INT64), CT_UINT8);
  ct_tensor *yu = ct_interpolate(ct_view(u, 3, (int64_t[]){1, 1, 6}), .size = CT_INTS(3));
  assert_int_equal(ct_dtype_of(yu), CT_UINT8);
  expect_exact(yu, 0, 2, 4);
  ct_tensor *e = ct_interpolate(ct_zeros(SH(0, 2, 3, 3)), .size = CT_INTS(5), .mode = CT_INTERP_BILINEAR);
  assert_int_equal(ct_shape(e)[2], 5);
  assert_int_equal(ct_numel(e), 0);
  ct_scope_end();
}

/* antialias=True: x = ramp((1, 1, 4, 5), 1) float64;
 * F.interpolate(x, size=(2, 3), mode='bilinear', antialias=True) (downsampling),
 * size=(3, 7) bicubic (down in H, up in W), scale_factor=(0.6, 0.5) bicubic,
 * size=(3, 2) bilinear align_corners=True; xf = ramp((1, 2, 5, 6), 2) float32 requires_grad,
 * y = interpolate(xf, size=(2, 4), mode='bicubic', antialias=True),
 * (y * ramp((1, 2, 2, 4), 3)).sum().backward() */
static void test_interpolate_antialias(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(1, 1, 4, 5), CT_FLOAT64, 1, false);
  expect_close(ct_interpolate(x, .size = CT_INTS(2, 3), .mode = CT_INTERP_BILINEAR, .antialias = true),
               -0.06122448979591828, 0.019841269841269833, -0.11734693877551003, -0.11734693877551014, 0.369047619047619, -0.45408163265306134);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 7), .mode = CT_INTERP_BICUBIC, .antialias = true),
               -1.0161404989891358, 0.23916212909728246, 0.890408696986477, -0.15503432494279176, -1.0858106891007473, -0.3814490006782577, 0.8633945035657955, -0.2718446601941748, -0.06509695290858737, 0.27223032069970843, 0.5000000000000001, -0.2744169096209914, -0.4013157894736841, -0.10315533980582509, 0.4724511786007865, -0.3693560349144574, -0.34594805558706015, 1.1550343249427917, 0.5369768698587644, -0.42118257826911076, -1.0697051831774462);
  expect_close(ct_interpolate(x, .scale_factor = CT_FLOATS(0.6, 0.5), .mode = CT_INTERP_BICUBIC, .antialias = true),
               0.10951078210492438, -0.252384331535623, -0.06168733699833009, 0.1186644713980773);
  expect_close(ct_interpolate(x, .size = CT_INTS(3, 2), .mode = CT_INTERP_BILINEAR, .align_corners = 1,
                              .antialias = true),
               -0.04398148148148151, 0.020833333333333353, -0.02160493827160494, -0.2962962962962962, 0.16666666666666666, -0.27777777777777785);
  /* the same size: the identity, as PyTorch skips both passes */
  assert_true(ct_equal(ct_interpolate(x, .size = CT_INTS(4, 5), .mode = CT_INTERP_BICUBIC, .antialias = true), x));
  ct_tensor *xf = ramp(SH(1, 2, 5, 6), CT_FLOAT32, 2, true);
  ct_tensor *y = ct_interpolate(xf, .size = CT_INTS(2, 4), .mode = CT_INTERP_BICUBIC, .antialias = true);
  expect_grad_fn(y, "UpsampleBicubic2DAaBackward1");
  ct_test_expect_vals(y, CT_DOUBLES(-0.1052587702870369, -0.017731525003910065, 0.31201767921447754, -0.3332889974117279, 0.0364040732383728, 0.15385866165161133, -0.08277382701635361, -0.15723204612731934, 0.15723200142383575, 0.08277381956577301, -0.15385866165161133, -0.03640410304069519, 0.33328893780708313, -0.3120177090167999, 0.01773153990507126, 0.10525879263877869), 1e-5, 1e-6, "y", __LINE__);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, ramp(SH(1, 2, 2, 4), CT_FLOAT32, 3, false)))), 0);
  ct_test_expect_vals(ct_grad(xf), CT_DOUBLES(-0.1508444845676422, 0.07603338360786438, 0.2899789810180664, 0.12423007190227509, -0.08559196442365646, -0.19049471616744995, -0.13696977496147156, 0.11999170482158661, 0.33831432461738586, 0.10488083958625793, -0.1076342985033989, -0.19281136989593506, 0.06699097156524658, 0.16585874557495117, 0.1650928258895874, -0.08621116727590561, -0.07919315993785858, 0.006874419748783112, 0.26142412424087524, 0.1881369799375534, -0.03160852938890457, -0.2650420367717743, -0.03948899731040001, 0.20558251440525055, 0.2392130047082901, 0.14275270700454712, -0.07220324128866196, -0.23795215785503387, -0.01887260377407074, 0.19956281781196594, -0.06558278948068619, -0.22200703620910645, -0.24999606609344482, 0.0929381474852562, 0.011035588569939137, -0.14177638292312622, -0.02459908090531826, -0.22483226656913757, -0.2972911596298218, 0.07838518917560577, 0.02012692019343376, -0.12419863045215607, 0.16606254875659943, 0.0075204866006970406, -0.1643652319908142, -0.06479950994253159, 0.03469507396221161, 0.0807398110628128, 0.3331064283847809, 0.2388036698102951, -0.008062904700636864, -0.19876828789710999, 0.04432880878448486, 0.27419525384902954, 0.2846377193927765, 0.23192736506462097, 0.03318009898066521, -0.17841589450836182, 0.03473106026649475, 0.24828115105628967), 1e-5, 1e-6, "xf.grad", __LINE__);
  ct_scope_end();
}

static void test_interpolate_grad_fn(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x1 = ramp(SH(1, 1, 3), CT_FLOAT64, 1, true), *x2 = ramp(SH(1, 1, 3, 3), CT_FLOAT64, 1, true),
            *x3 = ramp(SH(1, 1, 2, 2, 2), CT_FLOAT64, 1, true);
  expect_grad_fn(ct_interpolate(x1, .size = CT_INTS(5)), "UpsampleNearest1DBackward1");
  expect_grad_fn(ct_interpolate(x2, .size = CT_INTS(5)), "UpsampleNearest2DBackward1");
  expect_grad_fn(ct_interpolate(x3, .size = CT_INTS(5)), "UpsampleNearest3DBackward1");
  expect_grad_fn(ct_interpolate(x2, .size = CT_INTS(5), .mode = CT_INTERP_NEAREST_EXACT),
                 "UpsampleNearestExact2DBackward1");
  expect_grad_fn(ct_interpolate(x1, .size = CT_INTS(5), .mode = CT_INTERP_LINEAR), "UpsampleLinear1DBackward1");
  expect_grad_fn(ct_interpolate(x2, .size = CT_INTS(5), .mode = CT_INTERP_BILINEAR),
                 "UpsampleBilinear2DBackward1");
  expect_grad_fn(ct_interpolate(x3, .size = CT_INTS(5), .mode = CT_INTERP_TRILINEAR),
                 "UpsampleTrilinear3DBackward1");
  expect_grad_fn(ct_interpolate(x2, .size = CT_INTS(5), .mode = CT_INTERP_AREA), "AdaptiveAvgPool2DBackward0");
  ct_tensor *y = ct_interpolate(x2, .size = CT_INTS(5), .mode = CT_INTERP_BICUBIC);
  expect_grad_fn(y, "UpsampleBicubic2DBackward1");
  /* the gradient of a non-constant loss, kept differentiable: the backward's own node */
  ct_tensor *w = ramp(SH(1, 1, 5, 5), CT_FLOAT64, 4, true);
  ct_tensor *loss = ct_sum(ct_mul(y, w)), *gx = NULL;
  assert_int_equal(ct_autograd_grad(&loss, 1, &x2, 1, NULL, true, -1, false, &gx), 0);
  expect_grad_fn(gx, "UpsampleBicubic2DBackwardBackward1");
  ct_tensor *u = ct_unfold(x2, CT_INTS(2));
  expect_grad_fn(u, "Im2ColBackward0");
  expect_grad_fn(ct_fold(u, CT_INTS(3, 3), CT_INTS(2)), "Col2ImBackward0");
  ct_tensor *th = ramp(SH(1, 2, 3), CT_FLOAT64, 2, true);
  ct_tensor *g = ct_affine_grid(th, CT_INTS(1, 1, 3, 3), false);
  expect_grad_fn(g, "AffineGridGeneratorBackward0");
  expect_grad_fn(ct_grid_sample(x2, g), "GridSampler2DBackward0");
  expect_grad_fn(ct_grid_sample(x3, ramp(SH(1, 2, 2, 2, 3), CT_FLOAT64, 3, true)), "GridSampler3DBackward0");
  ct_scope_end();
}

static void test_grid_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(1, 1, 3, 3), CT_FLOAT64, 5, false);
  ct_tensor *g = ct_mul_scalar(ramp(SH(1, 2, 2, 2), CT_FLOAT64, 6, false), 0.9);
  expect_close(ct_grid_sample(x, g), -0.4042578124999998, 0.3250000000000002, -0.3209374999999999,
               -0.20703125000000003);
  ct_tensor *g2 = ct_mul_scalar(g, 2);
  expect_close(ct_grid_sample(x, g2, .mode = CT_GRID_NEAREST, .padding_mode = CT_GRID_BORDER), 0.75, 0.5,
               -0.5, 0.0);
  expect_close(ct_grid_sample(x, g2, .mode = CT_GRID_BICUBIC, .padding_mode = CT_GRID_REFLECTION,
                              .align_corners = true),
               -0.3142095292968751, -0.9960000000000006, 0.48949312500000025, -0.5794543457031247);
  expect_close(ct_affine_grid(ramp(SH(1, 2, 3), CT_FLOAT64, 7, false), CT_INTS(1, 1, 2, 3), false),
               1.1666666666666667, 1.2083333333333333, 1.5, 1.375, 1.8333333333333333, 1.5416666666666665,
               0.6666666666666667, 0.45833333333333337, 1.0, 0.625, 1.3333333333333333, 0.7916666666666666);
  ct_scope_end();
}

/* grid_sample's blocked kernels (tap tables per 64 output positions, reused by every
 * channel): 99 positions per sample cross a block edge; every point sits on a pixel
 * (align_corners, (W - 1) and (H - 1) powers of 2, so coordinates are exact) and reads it
 * with weight 1; a point far outside reads zeros even where the clamped tap would meet an
 * inf of x (an outside tap must be skipped, not weighted 0: 0 * inf is NaN). The input's
 * gradient is the scatter of g onto those pixels. */
static void test_grid_sample_blocks(void **state) {
  (void)state;
  ct_scope_begin();
  enum { N = 2, C = 3, H = 9, W = 5, OH = 9, OW = 11 };
  for (int f = 0; f < 2; f++) {
    ct_dtype dt = f ? CT_FLOAT32 : CT_FLOAT64;
    double xv[N * C * H * W], gv[N * OH * OW * 2], ex[N * C * OH * OW], egx[N * C * H * W] = {0};
    for (int i = 0; i < N * C * H * W; i++) xv[i] = i % (C * H * W) == 0 ? INFINITY : sin(i * 0.7);
    for (int n = 0; n < N; n++)
      for (int o = 0; o < OH * OW; o++) {
        int px = (o * 3 + n) % W, py = (o * 7) % H;
        bool out = o == OH * OW - 1 - n * 40; /* one point outside per sample, in either block */
        gv[(n * OH * OW + o) * 2] = out ? -5.0 : px / 2.0 - 1;
        gv[(n * OH * OW + o) * 2 + 1] = out ? -5.0 : py / 4.0 - 1;
        for (int c = 0; c < C; c++) {
          int at = ((n * C + c) * H + py) * W + px;
          ex[(n * C + c) * OH * OW + o] = out ? 0 : xv[at];
          if (!out) egx[at] += (double)(c + 1);
        }
      }
    ct_tensor *x = ct_requires_grad_(ct_to(ct_tensor_from(xv, CT_FLOAT64, SH(N, C, H, W)), dt), true);
    ct_tensor *g = ct_to(ct_tensor_from(gv, CT_FLOAT64, SH(N, OH, OW, 2)), dt);
    ct_tensor *y = ct_grid_sample(x, g, .align_corners = true);
    assert_true(ct_item(ct_all(ct_eq(y, ct_to(ct_tensor_from(ex, CT_FLOAT64, SH(N, C, OH, OW)), dt)))));
    /* g = c + 1 on channel c: each pixel's gradient is the sum over the points reading it */
    ct_tensor *go = ct_expand(ct_view(ct_arange(1, C + 1, 1, .dtype = dt), SH(1, C, 1, 1)), SH(N, C, OH, OW));
    ct_backward(y, .gradient = go);
    assert_true(ct_item(ct_all(ct_eq(ct_grad(x), ct_to(ct_tensor_from(egx, CT_FLOAT64, SH(N, C, H, W)), dt)))));
  }
  ct_scope_end();
}

static void test_fold_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *u = ct_unfold(ramp(SH(1, 1, 3, 3), CT_FLOAT64, 8, false), CT_INTS(2), .padding = CT_INTS(1),
                           .stride = CT_INTS(2));
  assert_int_equal(ct_shape(u)[1], 4);
  assert_int_equal(ct_shape(u)[2], 4);
  expect_close(u, 0.0, 0.0, 0.0, -0.5, 0.0, 0.0, 0.5, 1.25, 0.0, -0.25, 0.0, -0.75, 0.75, -1.25, 0.25, 1.0);
  expect_close(ct_fold(ramp(SH(1, 4, 4), CT_FLOAT64, 9, false), CT_INTS(3, 3), CT_INTS(2),
                       .padding = CT_INTS(1), .stride = CT_INTS(2)),
               0.0, 0.25, -1.0, 0.5, 0.75, -0.5, 0.75, 1.0, -0.25);
  /* unbatched */
  ct_tensor *v = ct_unfold(ct_zeros(SH(2, 4, 4)), CT_INTS(3));
  assert_int_equal(ct_dim(v), 2);
  assert_int_equal(ct_shape(v)[0], 18);
  ct_tensor *f = ct_fold(ct_zeros(SH(18, 4)), CT_INTS(4), CT_INTS(3));
  assert_int_equal(ct_dim(f), 3);
  assert_int_equal(ct_shape(f)[0], 2);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(SH(1, 2, 3, 3));
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .align_corners = 1),
               "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .mode = CT_INTERP_AREA, .align_corners = 0),
               "align_corners option can only be set with the interpolating modes");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .scale_factor = CT_FLOATS(2)),
               "only one of size or scale_factor should be defined");
  expect_error(ct_interpolate(x), "either size or scale_factor should be defined");
  expect_error(ct_interpolate(ct_zeros(SH(3, 3)), .size = CT_INTS(4)),
               "Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: nearest | "
               "linear | bilinear | bicubic | trilinear | area | nearest-exact (got nearest)");
  expect_error(ct_interpolate(ct_zeros(SH(1, 1, 1, 1, 1, 3)), .size = CT_INTS(4)),
               "Only 3D, 4D and 5D input Tensors supported (got 6D)");
  expect_error(ct_interpolate(x, .size = CT_INTS(4, 4, 4)),
               "Input and output must have the same number of spatial dimensions, but got input with spatial "
               "dimensions of [3, 3] and output size of (4, 4, 4). Please provide input tensor in (N, C, d1, d2, "
               "...,dK) format and output size in (o1, o2, ...,oK) format.");
  expect_error(ct_interpolate(x, .scale_factor = CT_FLOATS(2, 2, 2)),
               "Input and scale_factor must have the same number of spatial dimensions, but got input with "
               "spatial dimensions of [3, 3] and scale_factor of shape (2.0, 2.0, 2.0). Please provide input "
               "tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .recompute_scale_factor = 1),
               "recompute_scale_factor is not meaningful with an explicit size.");
  expect_error(ct_interpolate(x, .size = CT_INTS(0, 4)),
               "Input and output sizes should be greater than 0, but got input (H: 3, W: 3) output (H: 0, W: 4)");
  expect_error(ct_interpolate(x, .scale_factor = CT_FLOATS(-1.0)),
               "Input and output sizes should be greater than 0, but got input (H: 3, W: 3) output (H: -3, W: -3)");
  expect_error(ct_interpolate(ct_zeros(SH(1, 2, 3)), .size = CT_INTS(0), .mode = CT_INTERP_LINEAR),
               "Input and output sizes should be greater than 0, but got input (W: 3) and output (W: 0)");
  expect_error(ct_interpolate(ct_zeros(SH(1, 2, 3, 3, 3)), .size = CT_INTS(0, 1, 1)),
               "Input and output sizes should be greater than 0, but got input (D: 3, H: 3, W: 3) output (D: 0, "
               "H: 1, W: 1)");
  expect_error(ct_interpolate(ct_zeros(SH(1, 0, 3, 3)), .size = CT_INTS(4), .mode = CT_INTERP_BILINEAR),
               "Non-empty 4D data tensor expected but got a tensor with sizes [1, 0, 3, 3]");
  expect_error(ct_interpolate(ct_zeros(SH(1, 2, 3)), .size = CT_INTS(4), .mode = CT_INTERP_BILINEAR),
               "Got 3D input, but bilinear mode needs 4D input");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .mode = CT_INTERP_LINEAR),
               "Got 4D input, but linear mode needs 3D input");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .mode = CT_INTERP_TRILINEAR),
               "Got 4D input, but trilinear mode needs 5D input");
  expect_error(ct_interpolate(ct_zeros(SH(1, 2, 3)), .size = CT_INTS(4), .mode = CT_INTERP_BICUBIC),
               "Only 3D, 4D and 5D input Tensors supported (got 3D) for the modes: nearest | linear | bilinear | "
               "bicubic | trilinear | area | nearest-exact (got bicubic)");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .mode = CT_INTERP_TRILINEAR, .antialias = true),
               "Anti-alias option is only supported for bilinear and bicubic modes");
  expect_error(ct_interpolate(x, .size = CT_INTS(4), .antialias = true),
               "Anti-alias option is only supported for bilinear and bicubic modes");
  ct_tensor *xl = ct_zeros(SH(1, 2, 3, 3), .dtype = CT_INT64);
  expect_error(ct_interpolate(xl, .size = CT_INTS(4)), "\"compute_indices_weights_nearest\" not implemented for 'Long'");
  expect_error(ct_interpolate(xl, .size = CT_INTS(4), .mode = CT_INTERP_BILINEAR),
               "\"compute_indices_weights_linear\" not implemented for 'Long'");
  expect_error(ct_interpolate(ct_to(xl, CT_UINT8), .size = CT_INTS(4), .mode = CT_INTERP_BICUBIC),
               "\"compute_indices_weights_cubic\" not implemented for 'Byte'");
  expect_error(ct_interpolate(xl, .size = CT_INTS(2), .mode = CT_INTERP_BILINEAR, .antialias = true),
               "\"compute_indices_weights_aa\" not implemented for 'Long'");
  expect_error(ct_interpolate(ct_to(xl, CT_UINT8), .size = CT_INTS(2), .mode = CT_INTERP_BICUBIC, .antialias = true),
               "\"compute_indices_weights_aa\" not implemented for 'Byte'");
  /* unfold / fold */
  ct_tensor *y = ct_zeros(SH(1, 2, 4, 4));
  expect_error(ct_unfold(y, CT_INTS(2, 2, 2)), "It is expected kernel_size equals to 2, but got size 3");
  expect_error(ct_unfold(y, CT_INTS(0)), "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0");
  expect_error(ct_unfold(y, CT_INTS(2), .dilation = CT_INTS(0)),
               "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0");
  expect_error(ct_unfold(y, CT_INTS(2), .padding = CT_INTS(-1)),
               "padding should be non-negative, but got pad_height: -1 pad_width: -1");
  expect_error(ct_unfold(y, CT_INTS(2), .stride = CT_INTS(0)),
               "stride should be greater than zero, but got stride_height: 0 stride_width: 0");
  expect_error(ct_unfold(y, CT_INTS(5)),
               "Given input with spatial size (4, 4), kernel_size=(5, 5), dilation=(1, 1), padding=(0, 0), "
               "calculated shape of the array of sliding blocks as (0, 0), but its components must be at least one.");
  expect_error(ct_unfold(ct_zeros(SH(1, 0, 4, 4)), CT_INTS(2)),
               "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for "
               "input, but got: [1, 0, 4, 4]");
  expect_error(ct_unfold(ct_zeros(SH(1, 2, 4, 4), .dtype = CT_INT64), CT_INTS(2)),
               "\"im2col_out_cpu\" not implemented for 'Long'");
  expect_error(ct_fold(ct_zeros(SH(1, 7, 9)), CT_INTS(4), CT_INTS(2), .stride = CT_INTS(1)),
               "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
               "input.size(1)=7 and kernel_size=(2, 2).");
  expect_error(ct_fold(ct_zeros(SH(1, 8, 0)), CT_INTS(4), CT_INTS(2)),
               "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
               "for input, but got: [1, 8, 0]");
  expect_error(ct_fold(ct_zeros(SH(1, 8, 1)), CT_INTS(1), CT_INTS(2)),
               "Given output_size=(1, 1), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), "
               "expected size of input's dimension 2 to match the calculated number of sliding blocks 0 * 0 = 0, "
               "but got input.size(2)=1.");
  expect_error(ct_fold(ct_zeros(SH(1, 8, 9)), CT_INTS(4, 4, 4), CT_INTS(2)),
               "It is expected output_size equals to 2, but got size 3");
  expect_error(ct_fold(ct_zeros(SH(1, 8, 9), .dtype = CT_INT64), CT_INTS(4), CT_INTS(2), .stride = CT_INTS(1)),
               "\"col2im_out_cpu\" not implemented for 'Long'");
  /* grid_sample / affine_grid */
  ct_tensor *g = ct_zeros(SH(1, 3, 3, 2));
  expect_error(ct_grid_sample(ct_zeros(SH(1, 2, 3, 3), .dtype = CT_FLOAT64), g),
               "expected scalar type Double but found Float");
  expect_error(ct_grid_sample(x, ct_zeros(SH(1, 3, 3, 1))),
               "grid_sampler(): expected grid to have size 2 in last dimension, but got grid with sizes [1, 3, 3, 1]");
  expect_error(ct_grid_sample(x, ct_zeros(SH(2, 3, 3, 2))),
               "grid_sampler(): expected grid and input to have same batch size, but got input with sizes "
               "[1, 2, 3, 3] and grid with sizes [2, 3, 3, 2]");
  expect_error(ct_grid_sample(x, ct_zeros(SH(1, 3, 3, 3, 2))),
               "grid_sampler(): expected 4D input and grid with same number of dimensions, but got input with "
               "sizes [1, 2, 3, 3] and grid with sizes [1, 3, 3, 3, 2]");
  expect_error(ct_grid_sample(ct_zeros(SH(1, 2, 3, 3, 3)), ct_zeros(SH(1, 3, 3, 3, 3)), .mode = CT_GRID_BICUBIC),
               "grid_sampler(): bicubic interpolation only supports 4D input");
  expect_error(ct_grid_sample(ct_zeros(SH(1, 2, 0, 3)), g),
               "grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes "
               "[1, 2, 0, 3] with dimension 2 being empty");
  expect_error(ct_grid_sample(ct_zeros(SH(1, 2, 3, 3), .dtype = CT_INT64), ct_zeros(SH(1, 3, 3, 2), .dtype = CT_INT64)),
               "grid_sampler_2d_cpu not implemented for Long");
  ct_tensor *th = ct_zeros(SH(1, 2, 3));
  expect_error(ct_affine_grid(ct_zeros(SH(1, 2, 3), .dtype = CT_INT64), CT_INTS(1, 1, 3, 3), false),
               "Expected theta to have floating point type, but got torch.int64");
  expect_error(ct_affine_grid(th, CT_INTS(1, 1, 3, 3, 3), false),
               "Expected a batch of 3D affine matrices of shape Nx3x4 for size (1, 1, 3, 3, 3). Got torch.Size([1, 2, 3]).");
  expect_error(ct_affine_grid(th, CT_INTS(1, 1, 3), false),
               "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size (1, 1, 3).");
  expect_error(ct_affine_grid(th, CT_INTS(1, 1, 0, 3), false), "Expected non-zero, positive output size. Got (1, 1, 0, 3)");
  expect_error(ct_affine_grid(th, CT_INTS(2, 1, 3, 3), false),
               "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [1, 3].");
  ct_scope_end();
}

/* ---- gradcheck ------------------------------------------------------------------------ */
typedef ct_tensor *(*op1)(const ct_tensor *);
static int run1(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = (*(op1 *)u)(in[0]);
  return out[0] ? 0 : -1;
}
static ct_tensor *near1(const ct_tensor *x) { return ct_interpolate(x, .scale_factor = CT_FLOATS(1.7)); }
static ct_tensor *nearx2(const ct_tensor *x) {
  return ct_interpolate(x, .size = CT_INTS(2, 5), .mode = CT_INTERP_NEAREST_EXACT);
}
static ct_tensor *near3(const ct_tensor *x) { return ct_interpolate(x, .size = CT_INTS(3, 2, 4)); }
static ct_tensor *lin1(const ct_tensor *x) {
  return ct_interpolate(x, .size = CT_INTS(7), .mode = CT_INTERP_LINEAR, .align_corners = 1);
}
static ct_tensor *bilin(const ct_tensor *x) {
  return ct_interpolate(x, .scale_factor = CT_FLOATS(1.5, 0.7), .mode = CT_INTERP_BILINEAR);
}
static ct_tensor *bicub(const ct_tensor *x) {
  return ct_interpolate(x, .size = CT_INTS(4, 6), .mode = CT_INTERP_BICUBIC);
}
static ct_tensor *bilin_aa(const ct_tensor *x) {
  return ct_interpolate(x, .scale_factor = CT_FLOATS(0.4, 1.5), .mode = CT_INTERP_BILINEAR, .antialias = true);
}
static ct_tensor *bicub_aa(const ct_tensor *x) {
  return ct_interpolate(x, .size = CT_INTS(2, 7), .mode = CT_INTERP_BICUBIC, .antialias = true);
}
static ct_tensor *trilin(const ct_tensor *x) {
  return ct_interpolate(x, .size = CT_INTS(3, 3, 2), .mode = CT_INTERP_TRILINEAR, .align_corners = 1);
}
static ct_tensor *area(const ct_tensor *x) { return ct_interpolate(x, .size = CT_INTS(2, 3), .mode = CT_INTERP_AREA); }
static ct_tensor *unf(const ct_tensor *x) {
  return ct_unfold(x, CT_INTS(2, 3), .padding = CT_INTS(1), .stride = CT_INTS(2, 1), .dilation = CT_INTS(1, 2));
}
static ct_tensor *fld(const ct_tensor *x) {
  return ct_fold(x, CT_INTS(4, 3), CT_INTS(2), .padding = CT_INTS(1), .stride = CT_INTS(2));
}
static ct_tensor *aff(const ct_tensor *t) { return ct_affine_grid(t, CT_INTS(2, 1, 3, 4), false); }

static void grads(op1 f, int nd, const int64_t *shape, int seed, const char *what) {
  ct_scope_begin();
  ct_tensor *x = ramp(nd, shape, CT_FLOAT64, seed, true);
  check_grads(run1, &x, 1, &f, what);
  ct_scope_end();
}

static void test_gradcheck(void **state) {
  (void)state;
  grads(near1, 3, (int64_t[]){1, 2, 4}, 1, "nearest 1d");
  grads(nearx2, 4, (int64_t[]){1, 2, 3, 3}, 2, "nearest-exact 2d");
  grads(near3, 5, (int64_t[]){1, 1, 2, 3, 2}, 3, "nearest 3d");
  grads(lin1, 3, (int64_t[]){2, 1, 4}, 4, "linear");
  grads(bilin, 4, (int64_t[]){1, 2, 3, 4}, 5, "bilinear");
  grads(bicub, 4, (int64_t[]){1, 1, 3, 4}, 6, "bicubic");
  grads(bilin_aa, 4, (int64_t[]){1, 2, 5, 4}, 12, "bilinear antialias");
  grads(bicub_aa, 4, (int64_t[]){1, 1, 6, 5}, 13, "bicubic antialias");
  grads(trilin, 5, (int64_t[]){1, 1, 2, 2, 3}, 7, "trilinear");
  grads(area, 4, (int64_t[]){1, 1, 4, 5}, 8, "area");
  grads(unf, 4, (int64_t[]){1, 2, 3, 4}, 9, "unfold");
  grads(fld, 3, (int64_t[]){1, 8, 6}, 10, "fold");
  grads(aff, 3, (int64_t[]){2, 2, 3}, 11, "affine_grid");
}

typedef struct {
  ct_grid_sample_opts o;
} gs_case;
static int run_gs(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ct_grid_sample_ex(in[0], in[1], ((const gs_case *)u)->o);
  return out[0] ? 0 : -1;
}

/* first-order only: PyTorch has no double backward for grid_sampler either */
static void test_grid_sample_gradcheck(void **state) {
  (void)state;
  for (int mode = 0; mode < 3; mode++)
    for (int pad = 0; pad < 3; pad++)
      for (int ac = 0; ac < 2; ac++)
        for (int nsp = 2; nsp <= 3; nsp++) {
          if (nsp == 3 && mode == CT_GRID_BICUBIC) continue;
          ct_scope_begin();
          ct_tensor *x = nsp == 2 ? ramp(SH(1, 2, 3, 4), CT_FLOAT64, 1, true)
                                  : ramp(SH(1, 2, 2, 3, 3), CT_FLOAT64, 1, true);
          /* grid points off the integer lattice, where the sampler is differentiable */
          ct_tensor *g0 = nsp == 2 ? ramp(SH(1, 2, 3, 2), CT_FLOAT64, 2, false)
                                   : ramp(SH(1, 2, 2, 1, 3), CT_FLOAT64, 2, false);
          ct_tensor *g = ct_detach(ct_add_scalar(ct_mul_scalar(g0, 0.77), 0.031));
          ct_requires_grad_(g, true);
          gs_case c = {{(ct_grid_mode)mode, (ct_grid_padding)pad, ac}};
          if (!ct_gradcheck(run_gs, CT_TENSORS(x, g), .user = &c))
            fail_msg("grid_sample gradcheck failed: mode %d padding %d align %d nsp %d", mode, pad, ac, nsp);
          ct_scope_end();
        }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interpolate_values), cmocka_unit_test(test_interpolate_grad_fn),
      cmocka_unit_test(test_interpolate_antialias),
      cmocka_unit_test(test_grid_values),        cmocka_unit_test(test_fold_values),
      cmocka_unit_test(test_errors),             cmocka_unit_test(test_gradcheck),
      cmocka_unit_test(test_grid_sample_gradcheck), cmocka_unit_test(test_grid_sample_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
