/* The resampling layers against PyTorch 1.13: Upsample, UpsamplingNearest2d,
 * UpsamplingBilinear2d, Unfold and Fold printed as PyTorch prints them (extra_repr), built by
 * the registry, their forwards (F.interpolate / F.unfold / F.fold with the stored arguments)
 * and the forward-time messages. Expected values come from running the same code with torch
 * 1.13 (the comments give the Python). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

#define expect_repr ct_test_expect_repr

static void test_repr(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  struct {
    ct_module *m;
    const char *want;
  } rows[] = {
      {ct_nn_upsample(.scale_factor = CT_FLOATS(2)), "Upsample(scale_factor=2.0, mode=nearest)"},
      {ct_nn_upsample(.size = CT_INTS(4, 5), .mode = CT_INTERP_BILINEAR, .align_corners = 1),
       "Upsample(size=(4, 5), mode=bilinear)"},
      {ct_nn_upsample(.size = CT_INTS(4)), "Upsample(size=4, mode=nearest)"},
      {ct_nn_upsample(.scale_factor = CT_FLOATS(2, 1.5), .mode = CT_INTERP_NEAREST_EXACT,
                      .recompute_scale_factor = 1),
       "Upsample(scale_factor=(2.0, 1.5), mode=nearest-exact)"},
      {ct_nn_upsample(), "Upsample(size=None, mode=nearest)"},
      /* float(scale_factor) if scale_factor else None */
      {ct_nn_upsample(.scale_factor = CT_FLOATS(0)), "Upsample(size=None, mode=nearest)"},
      {ct_nn_upsample(.scale_factor = CT_FLOATS(1e-5)), "Upsample(scale_factor=1e-05, mode=nearest)"},
      {ct_nn_upsample(.size = CT_INTS(2, 3, 4), .mode = CT_INTERP_TRILINEAR, .align_corners = 1,
                      .recompute_scale_factor = 0),
       "Upsample(size=(2, 3, 4), mode=trilinear)"},
      {ct_nn_upsampling_nearest2d((ct_ints){0}, CT_FLOATS(2)),
       "UpsamplingNearest2d(scale_factor=2.0, mode=nearest)"},
      {ct_nn_upsampling_bilinear2d(CT_INTS(3), (ct_floats){0}),
       "UpsamplingBilinear2d(size=3, mode=bilinear)"},
      {ct_nn_unfold(CT_INTS(3)), "Unfold(kernel_size=3, dilation=1, padding=0, stride=1)"},
      {ct_nn_unfold(CT_INTS(2, 3), .dilation = CT_INTS(2), .padding = CT_INTS(1, 0), .stride = CT_INTS(2)),
       "Unfold(kernel_size=(2, 3), dilation=2, padding=(1, 0), stride=2)"},
      {ct_nn_fold(CT_INTS(4), CT_INTS(2)),
       "Fold(output_size=4, kernel_size=2, dilation=1, padding=0, stride=1)"},
      {ct_nn_fold(CT_INTS(4, 5), CT_INTS(2, 3), .dilation = CT_INTS(1), .padding = CT_INTS(1),
                  .stride = CT_INTS(1, 2)),
       "Fold(output_size=(4, 5), kernel_size=(2, 3), dilation=1, padding=1, stride=(1, 2))"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) expect_repr(rows[i].m, rows[i].want, (int)i);
  leak_end(lm, "repr", __LINE__);
}

/* The registry builds each by class name, PyTorch's arguments and keywords. */
static void test_registry(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  expect_repr(ct_nn_create("Upsample", &CT_VALUES(ct_v_kw("scale_factor", ct_v_int(2)))),
              "Upsample(scale_factor=2.0, mode=nearest)", __LINE__);
  expect_repr(ct_nn_create("Upsample", &CT_VALUES(ct_v_none(), ct_v_tuple(2), ct_v_int(2), ct_v_float(1.5),
                                                  ct_v_str("bicubic"), ct_v_bool(true))),
              "Upsample(scale_factor=(2.0, 1.5), mode=bicubic)", __LINE__);
  expect_repr(ct_nn_create("Upsample", &CT_VALUES(ct_v_tuple(2), ct_v_int(4), ct_v_int(5),
                                                  ct_v_kw("mode", ct_v_str("nearest-exact")),
                                                  ct_v_kw("recompute_scale_factor", ct_v_none()))),
              "Upsample(size=(4, 5), mode=nearest-exact)", __LINE__);
  expect_repr(ct_nn_create("UpsamplingBilinear2d", &CT_VALUES(ct_v_kw("size", ct_v_int(3)))),
              "UpsamplingBilinear2d(size=3, mode=bilinear)", __LINE__);
  expect_repr(ct_nn_create("UpsamplingNearest2d", &CT_VALUES(ct_v_none(), ct_v_float(3))),
              "UpsamplingNearest2d(scale_factor=3.0, mode=nearest)", __LINE__);
  expect_repr(ct_nn_create("Unfold", &CT_VALUES(ct_v_tuple(2), ct_v_int(2), ct_v_int(3),
                                                ct_v_kw("stride", ct_v_int(2)))),
              "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=2)", __LINE__);
  expect_repr(ct_nn_create("Fold", &CT_VALUES(ct_v_int(4), ct_v_int(2), ct_v_int(1), ct_v_int(1))),
              "Fold(output_size=4, kernel_size=2, dilation=1, padding=1, stride=1)", __LINE__);
  /* what the registry rejects: the key or value named */
  expect_error(ct_nn_create("Upsample", &CT_VALUES(ct_v_kw("mode", ct_v_str("cubic")))),
               "Upsample: mode must be one of 'nearest', 'linear', 'bilinear', 'bicubic', "
               "'trilinear', 'area', 'nearest-exact' (got 'cubic')");
  expect_error(ct_nn_create("UpsamplingBilinear2d", &CT_VALUES(ct_v_kw("mode", ct_v_str("nearest")))),
               "unexpected keyword argument 'mode'");
  expect_error(ct_nn_create("Upsample", &CT_VALUES(ct_v_kw("scale_factor", ct_v_str("2")))),
               "Upsample: argument 'scale_factor' must be a float or a tuple of floats");
  expect_error(ct_nn_create("Upsample", &CT_VALUES(ct_v_kw("align_corners", ct_v_int(1)))),
               "Upsample: argument 'align_corners' must be bool or None");
  expect_error(ct_nn_create("Fold", &CT_VALUES(ct_v_int(4))),
               "Fold.__init__() missing 1 required positional argument: 'kernel_size'");
  expect_error(ct_nn_create("Fold", &CT_VALUES()),
               "Fold.__init__() missing 1 required positional argument: 'output_size'");
  expect_error(ct_nn_create("Unfold", &CT_VALUES(ct_v_int(2), ct_v_kw("strides", ct_v_int(1)))),
               "strides");
  leak_end(lm, "registry", __LINE__);
}

/* Forward results: F's with the stored arguments. */
static void test_forward(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_scope_begin();
  ct_tensor *x = ct_reshape(ct_arange(0, 8, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 1, 2, 4));
  /* nn.Upsample(scale_factor=2)(x) */
  ct_module *m = ct_nn_upsample(.scale_factor = CT_FLOATS(2));
  expect_exact(ct_forward(m, x), 0, 0, 1, 1, 2, 2, 3, 3, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7,
               7, 4, 4, 5, 5, 6, 6, 7, 7);
  ct_module_free(m);
  /* nn.UpsamplingBilinear2d(size=(3, 5))(x) */
  m = ct_nn_upsampling_bilinear2d(CT_INTS(3, 5), (ct_floats){0});
  expect_list(ct_forward(m, x), 1e-6, 1e-6, 0, 0.75, 1.5, 2.25, 3, 2, 2.75, 3.5, 4.25, 5, 4, 4.75, 5.5, 6.25, 7);
  ct_module_free(m);
  /* nn.Upsample(size=(1, 3), mode='bicubic', align_corners=False)(x) */
  m = ct_nn_upsample(.size = CT_INTS(1, 3), .mode = CT_INTERP_BICUBIC, .align_corners = 0);
  expect_list(ct_forward(m, x), 1e-6, 1e-6, 2.1261579990386963, 3.5, 4.873843669891357);
  ct_module_free(m);
  /* nn.Upsample(scale_factor=(1, 0.5), mode='area')(x) */
  m = ct_nn_upsample(.scale_factor = CT_FLOATS(1, 0.5), .mode = CT_INTERP_AREA);
  expect_exact(ct_forward(m, x), 0.5, 2.5, 4.5, 6.5);
  ct_module_free(m);
  /* u = nn.Unfold(2, stride=(1, 2))(x); nn.Fold((2, 4), 2, stride=(1, 2))(u) */
  m = ct_nn_unfold(CT_INTS(2), .stride = CT_INTS(1, 2));
  ct_tensor *u = ct_forward(m, x);
  expect_exact(u, 0, 2, 1, 3, 4, 6, 5, 7);
  assert_int_equal(ct_dim(u), 3);
  assert_int_equal(ct_size(u, 1), 4);
  ct_module_free(m);
  m = ct_nn_fold(CT_INTS(2, 4), CT_INTS(2), .stride = CT_INTS(1, 2));
  expect_exact(ct_forward(m, u), 0, 1, 2, 3, 4, 5, 6, 7);
  ct_module_free(m);
  /* forward-time messages: F.interpolate's, F.fold's */
  m = ct_nn_upsample(.scale_factor = CT_FLOATS(2), .align_corners = 1);
  expect_error(ct_forward(m, x), "align_corners option can only be set with the interpolating modes: "
                                 "linear | bilinear | bicubic | trilinear");
  ct_module_free(m);
  m = ct_nn_upsample();
  expect_error(ct_forward(m, x), "either size or scale_factor should be defined");
  ct_module_free(m);
  m = ct_nn_upsampling_bilinear2d((ct_ints){0}, CT_FLOATS(2));
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(1, 2, 3))), "Got 3D input, but bilinear mode needs 4D input");
  ct_module_free(m);
  m = ct_nn_fold(CT_INTS(3), CT_INTS(2));
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(1, 5, 4))),
               "Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
               "but got input.size(1)=5 and kernel_size=(2, 2).");
  ct_module_free(m);
  /* gradients flow through the module as through F */
  ct_tensor *xg = ct_requires_grad_(ct_detach(ct_to(x, CT_FLOAT64)), true);
  m = ct_nn_upsampling_bilinear2d((ct_ints){0}, CT_FLOATS(2));
  ct_tensor *y = ct_forward(m, xg);
  assert_string_equal(ct_grad_fn_name(y), "UpsampleBilinear2DBackward1");
  ct_module_free(m);
  ct_scope_end();
  leak_end(lm, "forward", __LINE__);
}

/* Constructor arguments the C types cannot hold. */
static void test_constructor_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  expect_error(ct_nn_upsample(.mode = (ct_interp_mode)7), "Upsample: mode must be one of");
  expect_error(ct_nn_upsample(.size = (ct_ints){.n = 99}), "Upsample: size and scale_factor take at most");
  expect_error(ct_nn_upsampling_nearest2d((ct_ints){0}, (ct_floats){.n = -1}),
               "UpsamplingNearest2d: size and scale_factor take at most");
  expect_error(ct_nn_unfold((ct_ints){0}), "Unfold.__init__() missing 1 required positional argument: 'kernel_size'");
  expect_error(ct_nn_fold((ct_ints){0}, CT_INTS(2)),
               "Fold.__init__() missing 1 required positional argument: 'output_size'");
  expect_error(ct_nn_unfold(CT_INTS(2), .stride = (ct_ints){.n = 100}),
               "Unfold: dilation, padding and stride take at most");
  leak_end(lm, "constructor errors", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repr),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_forward),
      cmocka_unit_test(test_constructor_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
