/* Robustness sweep of the resampling family (functional.h "resampling"): NULL inputs fail
 * without a message, wrong ranks / empty inputs / hostile sizes fail with one, non-contiguous
 * inputs give the contiguous answer, empty batches work forward and backward, and nothing leaks
 * (live tensors and bytes around each call). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

static void test_null(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_zeros(SH(1, 1, 4, 4)), *g = ct_zeros(SH(1, 2, 2, 2));
  NP(ct_interpolate(NULL, .size = CT_INTS(2)));
  NP(ct_grid_sample(NULL, g));
  NP(ct_grid_sample(x, NULL));
  NP(ct_affine_grid(NULL, CT_INTS(1, 1, 2, 2), false));
  NP(ct_unfold(NULL, CT_INTS(2)));
  NP(ct_fold(NULL, CT_INTS(4), CT_INTS(2)));
  leak_end(m, "null", __LINE__);
}

/* every function on a 0-dim, 1-d, empty and 6-d input: an error, no crash, no leak */
static void test_bad_inputs(void **state) {
  (void)state;
  for (int which = 0; which < 4; which++) {
    live_mark m = leak_begin();
    ct_tensor *x = which == 0 ? ct_scalar_tensor(1, CT_FLOAT32)
                 : which == 1 ? ct_zeros(SH(5))
                 : which == 2 ? ct_zeros(SH(2, 0, 3, 3))
                              : ct_zeros(SH(1, 1, 1, 1, 1, 1));
    for (int mode = 0; mode <= CT_INTERP_NEAREST_EXACT; mode++)
      expect_error(ct_interpolate(x, .size = CT_INTS(2), .mode = (ct_interp_mode)mode), "");
    expect_error(ct_grid_sample(x, x), "");
    expect_error(ct_affine_grid(x, CT_INTS(1, 1, 2, 2), false), "");
    expect_error(ct_unfold(x, CT_INTS(2)), "");
    expect_error(ct_fold(x, CT_INTS(4), CT_INTS(2)), "");
    leak_end(m, "bad input", __LINE__);
  }
  live_mark m = leak_begin();
  const int64_t huge = (int64_t)1 << 62;
  ct_tensor *x = ct_zeros(SH(1, 1, 4, 4)), *x1 = ct_zeros(SH(1, 1, 4));
  expect_error(ct_interpolate(x, .size = CT_INTS(huge)), "");
  expect_error(ct_interpolate(x1, .size = CT_INTS(huge), .mode = CT_INTERP_LINEAR), "");
  expect_error(ct_interpolate(x1, .size = CT_INTS((int64_t)1 << 45)), "");
  expect_error(ct_interpolate(x, .scale_factor = CT_FLOATS(1e300)), "");
  expect_error(ct_interpolate(x, .scale_factor = CT_FLOATS(NAN)), "");
  expect_error(ct_interpolate(x, .size = CT_INTS(2), .mode = (ct_interp_mode)99), "");
  expect_error(ct_interpolate(x, .size = CT_INTS(huge, huge), .mode = CT_INTERP_AREA), "");
  /* antialias: a filter 2^21 inputs wide is refused before anything is allocated for it */
  ct_tensor *wide = ct_expand(ct_zeros(SH(1, 1, 1, 1)), 4, (int64_t[]){1, 1, 1, (int64_t)1 << 21});
  expect_error(ct_interpolate(wide, .size = CT_INTS(1, 1), .mode = CT_INTERP_BILINEAR, .antialias = true),
               "out of memory");
  expect_error(ct_unfold(x, CT_INTS(huge)), "");
  expect_error(ct_unfold(x, CT_INTS(2), .dilation = CT_INTS(huge)), "");
  expect_error(ct_unfold(x, CT_INTS(2), .padding = CT_INTS(huge)), "integer out of range");
  expect_error(ct_unfold(x, CT_INTS(1), .stride = CT_INTS(huge), .padding = CT_INTS(huge)), "");
  expect_error(ct_fold(ct_zeros(SH(1, 4, 1)), CT_INTS(huge), CT_INTS(2), .stride = CT_INTS(huge)), "");
  expect_error(ct_fold(ct_zeros(SH(1, 4, 1)), CT_INTS(2), CT_INTS(huge)), "");
  expect_error(ct_affine_grid(ct_zeros(SH(1, 2, 3)), CT_INTS(1, 1, huge, huge), false), "");
  expect_error(ct_grid_sample(x, ct_expand(ct_zeros(SH(1, 1, 1, 2)), 4, (int64_t[]){1, huge, huge, 2})), "");
  expect_error(ct_grid_sample(x, x, .mode = (ct_grid_mode)7), "");
  expect_error(ct_grid_sample(x, ct_zeros(SH(1, 2, 2, 2)), .padding_mode = (ct_grid_padding)7), "");
  leak_end(m, "hostile sizes", __LINE__);
}

static void expect_same(ct_tensor *a, ct_tensor *b) {
  assert_non_null(a);
  assert_non_null(b);
  assert_true(ct_item(ct_all(ct_eq(a, b))) == 1);
}

/* a strided view gives the contiguous answer; an empty batch gives an empty result and
 * backward runs; non-finite grid points read zeros instead of crashing */
static void test_views_and_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_randn(SH(2, 3, 6, 5));
  ct_tensor *xt = ct_transpose(ct_contiguous(ct_transpose(x, 2, 3)), 2, 3);
  assert_false(ct_is_contiguous(xt));
  for (int mode = 0; mode <= CT_INTERP_NEAREST_EXACT; mode++) {
    if (mode == CT_INTERP_LINEAR || mode == CT_INTERP_TRILINEAR) continue;
    expect_same(ct_interpolate(x, .size = CT_INTS(7, 4), .mode = (ct_interp_mode)mode),
                ct_interpolate(xt, .size = CT_INTS(7, 4), .mode = (ct_interp_mode)mode));
  }
  for (int mode = CT_INTERP_BILINEAR; mode <= CT_INTERP_BICUBIC; mode++)
    expect_same(ct_interpolate(x, .size = CT_INTS(3, 2), .mode = (ct_interp_mode)mode, .antialias = true),
                ct_interpolate(xt, .size = CT_INTS(3, 2), .mode = (ct_interp_mode)mode, .antialias = true));
  ct_tensor *g = ct_sub_scalar(ct_mul_scalar(ct_rand(SH(2, 4, 3, 2)), 2.4), 1.2);
  ct_tensor *gt = ct_transpose(ct_contiguous(ct_transpose(g, 1, 2)), 1, 2);
  expect_same(ct_grid_sample(x, g), ct_grid_sample(xt, gt));
  expect_same(ct_unfold(x, CT_INTS(2)), ct_unfold(xt, CT_INTS(2)));
  ct_tensor *u = ct_unfold(x, CT_INTS(2));
  expect_same(ct_fold(u, CT_INTS(6, 5), CT_INTS(2)),
              ct_fold(ct_transpose(ct_contiguous(ct_transpose(u, 1, 2)), 1, 2), CT_INTS(6, 5), CT_INTS(2)));
  /* empty batch */
  ct_tensor *e = ct_zeros(SH(0, 2, 4, 4), .requires_grad = true);
  ct_tensor *ys[] = {ct_interpolate(e, .size = CT_INTS(5), .mode = CT_INTERP_BICUBIC),
                     ct_unfold(e, CT_INTS(2)),
                     ct_grid_sample(e, ct_zeros(SH(0, 3, 3, 2), .requires_grad = true))};
  for (size_t k = 0; k < sizeof ys / sizeof ys[0]; k++) {
    assert_non_null(ys[k]);
    assert_int_equal(ct_numel(ys[k]), 0);
    assert_int_equal(ct_backward(ct_sum(ys[k])), 0);
  }
  /* NaN / inf grid points */
  double bad[4] = {NAN, INFINITY, -INFINITY, 1e30};
  ct_tensor *gb = ct_tensor_from(bad, CT_FLOAT64, 4, (int64_t[]){1, 1, 2, 2});
  ct_tensor *xd = ct_ones(SH(1, 1, 3, 3), .dtype = CT_FLOAT64);
  for (int mode = 0; mode < 3; mode++)
    for (int pad = 0; pad < 3; pad++)
      assert_non_null(ct_grid_sample(xd, gb, .mode = (ct_grid_mode)mode, .padding_mode = (ct_grid_padding)pad));
  leak_end(m, "views and empty", __LINE__);
}

/* The layers (nn.h "resampling layers"): hostile constructor arguments build nothing or fail
 * at forward with a message; a NULL input gives NULL without a message; a wrong rank, an empty
 * and a non-contiguous input go through F's checks and kernels; nothing leaks. */
static void test_modules(void **state) {
  (void)state;
  live_mark m = leak_begin();
  const int64_t huge = (int64_t)1 << 62;
  ct_module *bad[] = {
      ct_nn_upsample(.mode = (ct_interp_mode)-1),
      ct_nn_upsample(.scale_factor = (ct_floats){.n = 1000}),
      ct_nn_upsampling_bilinear2d((ct_ints){.n = -3}, (ct_floats){0}),
      ct_nn_unfold((ct_ints){.n = 1000}),
      ct_nn_fold(CT_INTS(2), (ct_ints){0}),
      ct_nn_fold(CT_INTS(2), CT_INTS(1), .padding = (ct_ints){.n = -1}),
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (bad[i]) fail_msg("row %d: built a module from hostile arguments", (int)i);
  ct_clear_error();
  ct_module *mods[] = {
      ct_nn_upsample(.scale_factor = CT_FLOATS(2)),
      ct_nn_upsample(.size = CT_INTS(3), .mode = CT_INTERP_BICUBIC, .align_corners = 1),
      ct_nn_upsampling_nearest2d(CT_INTS(5, 3), (ct_floats){0}),
      ct_nn_upsampling_bilinear2d((ct_ints){0}, CT_FLOATS(1.5)),
      ct_nn_unfold(CT_INTS(2), .padding = CT_INTS(1)),
      ct_nn_fold(CT_INTS(4, 3), CT_INTS(1)),
  };
  ct_tensor *x4 = ct_randn(SH(2, 3, 4, 3)), *x3 = ct_randn(SH(2, 3, 12));
  for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) {
    assert_non_null(mods[i]);
    bool fold = i == sizeof mods / sizeof *mods - 1; /* Fold takes (N, C * k, L) */
    ct_tensor *x = fold ? x3 : x4;
    ct_tensor *xt = ct_transpose(ct_contiguous(ct_transpose(x, 1, 2)), 1, 2);
    assert_null(ct_forward(mods[i], NULL));
    assert_null(ct_last_error());
    expect_error(ct_forward(mods[i], ct_zeros(SH(5))), "");
    ct_tensor *y = ct_forward(mods[i], x), *yt = ct_forward(mods[i], xt);
    if (!y) fail_msg("module %d: %s", (int)i, ct_last_error());
    expect_same(y, yt);
    ct_tensor *e = ct_forward(mods[i], fold ? ct_zeros(SH(0, 3, 12)) : ct_zeros(SH(0, 3, 4, 3)));
    if (!e) fail_msg("module %d on an empty batch: %s", (int)i, ct_last_error());
    assert_int_equal(ct_numel(e), 0);
    ct_module_free(mods[i]);
  }
  /* hostile sizes stored in the module fail at forward */
  ct_module *h[] = {ct_nn_upsample(.size = CT_INTS(huge)), ct_nn_upsample(.scale_factor = CT_FLOATS(1e300)),
                    ct_nn_unfold(CT_INTS(huge)), ct_nn_fold(CT_INTS(huge), CT_INTS(1))};
  for (size_t i = 0; i < sizeof h / sizeof *h; i++) {
    expect_error(ct_forward(h[i], ct_zeros(SH(1, 1, 4, 4))), "");
    ct_module_free(h[i]);
  }
  leak_end(m, "modules", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_bad_inputs),
      cmocka_unit_test(test_views_and_empty),
      cmocka_unit_test(test_modules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
