/* Robustness sweep over the activation, shuffle, distance and padding modules and nn.utils:
 * a NULL input (an earlier failure: NULL, no new message), empty and non-contiguous inputs
 * (the same values as the contiguous copy), wrong ranks, hostile sizes and factors; nothing
 * leaks (live tensor counts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define QUIET(failed) (assert_true(failed), assert_null(ct_last_error()))

/* Every one-input module of this family, built by its C constructor. */
static int one_input_modules(ct_module **m) {
  int n = 0;
  m[n++] = ct_nn_relu6(false);
  m[n++] = ct_nn_rrelu();
  m[n++] = ct_nn_leaky_relu();
  m[n++] = ct_nn_prelu();
  m[n++] = ct_nn_elu();
  m[n++] = ct_nn_celu();
  m[n++] = ct_nn_selu(false);
  m[n++] = ct_nn_mish(false);
  m[n++] = ct_nn_hardtanh();
  m[n++] = ct_nn_hardsigmoid(false);
  m[n++] = ct_nn_hardswish(false);
  m[n++] = ct_nn_softplus();
  m[n++] = ct_nn_softsign();
  m[n++] = ct_nn_softshrink(0.5);
  m[n++] = ct_nn_hardshrink(0.5);
  m[n++] = ct_nn_tanhshrink();
  m[n++] = ct_nn_threshold(0.1, 20, false);
  m[n++] = ct_nn_logsigmoid();
  m[n++] = ct_nn_glu(1);
  m[n++] = ct_nn_softmin(1);
  m[n++] = ct_nn_softmax2d();
  m[n++] = ct_nn_pixel_shuffle(1);
  m[n++] = ct_nn_pixel_unshuffle(1);
  m[n++] = ct_nn_channel_shuffle(2);
  m[n++] = ct_nn_constant_pad1d(CT_INTS(1), 0);
  m[n++] = ct_nn_constant_pad2d(CT_INTS(1), 0);
  m[n++] = ct_nn_constant_pad3d(CT_INTS(1), 0);
  m[n++] = ct_nn_reflection_pad1d(CT_INTS(1));
  m[n++] = ct_nn_reflection_pad2d(CT_INTS(1));
  m[n++] = ct_nn_reflection_pad3d(CT_INTS(1));
  m[n++] = ct_nn_replication_pad1d(CT_INTS(1));
  m[n++] = ct_nn_replication_pad2d(CT_INTS(1));
  m[n++] = ct_nn_replication_pad3d(CT_INTS(1));
  m[n++] = ct_nn_zero_pad2d(CT_INTS(1));
  for (int i = 0; i < n; i++)
    if (!m[i]) fail_msg("module %d: %s", i, ct_last_error());
  return n;
}

/* NULL input: quiet failure; a non-contiguous (transposed) 4-D input gives the values of its
 * contiguous copy; an empty batch gives an empty result or PyTorch's message. */
static void test_inputs(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *m[64];
  int n = one_input_modules(m);
  for (int i = 0; i < n; i++) {
    ct_clear_error();
    ct_module_eval(m[i]);
    QUIET(ct_forward(m[i], NULL) == NULL);
    /* (2, 4, 4, 4): 4 channels so PReLU(1), GLU(1), ChannelShuffle(2) and every pad accept it */
    ct_tensor *base = ct_randn(CT_SHAPE(2, 4, 4, 4));
    ct_tensor *nc = ct_transpose(base, 2, 3);
    assert_false(ct_is_contiguous(nc));
    const char *name = ct_module_name(m[i]);
    bool pad3d = strstr(name, "3d") != NULL, pad1d = strstr(name, "1d") != NULL;
    ct_tensor *in = pad1d ? ct_select(nc, 0, 0) : pad3d ? ct_unsqueeze(nc, 0) : nc;
    ct_tensor *a = ct_forward(m[i], in), *b = ct_forward(m[i], ct_contiguous(in));
    if (!a || !b) fail_msg("%s: %s", name, ct_last_error());
    if (!ct_test_same(a, b)) fail_msg("%s: non-contiguous input differs", name);
    /* an empty batch */
    ct_tensor *e = ct_empty(CT_SHAPE(0, 4, 4, 4));
    ct_tensor *ein = pad1d ? ct_select(e, 0, 0) : pad3d ? ct_unsqueeze(e, 0) : e;
    ct_tensor *ey = ct_forward(m[i], pad1d ? ct_empty(CT_SHAPE(0, 4, 4)) : ein);
    if (ey) {
      assert_int_equal(ct_numel(ey), 0);
    } else {
      /* reflection / replication of an empty batch: F.pad's message */
      assert_non_null(ct_last_error());
      ct_clear_error();
    }
  }
  for (int i = 0; i < n; i++) ct_module_free(m[i]);
  leak_end(lm, "inputs", __LINE__);
}

/* Hostile constructor values and the forward that meets them. */
static void test_hostile(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *x = ct_ones(CT_SHAPE(1, 4, 2, 2));
  /* sizes that overflow or go negative fail cleanly */
  expect_error(ct_nn_prelu(.num_parameters = INT64_MAX), "");
  expect_error(ct_nn_prelu(.num_parameters = -5), "negative dimension");
  ct_module *ps = ct_nn_pixel_shuffle(INT64_MAX), *pu = ct_nn_pixel_unshuffle(-1), *cs = ct_nn_channel_shuffle(0);
  expect_error(ct_forward(ps, x), "");
  expect_error(ct_forward(pu, x), "");
  expect_error(ct_forward(cs, x), "Number of groups to divide channels in must be positive");
  ct_module *pad = ct_nn_constant_pad2d(CT_INTS(INT64_MAX / 2), 0), *neg = ct_nn_reflection_pad2d(CT_INTS(-3));
  expect_error(ct_forward(pad, x), "");
  expect_error(ct_forward(neg, x), "");
  expect_error(ct_nn_reflection_pad2d((ct_ints){.n = 2 * CT_MAX_DIMS + 1}), "padding must be an int or a tuple");
  /* NaN and infinite options: values like PyTorch's (no crash) */
  ct_module *nanl = ct_nn_leaky_relu(.negative_slope = NAN), *inf = ct_nn_softplus(.beta = INFINITY);
  assert_non_null(ct_forward(nanl, ct_neg(x)));
  assert_non_null(ct_forward(inf, x));
  expect_error(ct_nn_hardtanh(.min_val = NAN), "must be greater than min_val");
  /* wrong ranks */
  ct_module *s2 = ct_nn_softmax2d(), *pr = ct_nn_prelu(.num_parameters = 3);
  expect_error(ct_forward(s2, ct_ones(CT_SHAPE(2))), "Softmax2d requires a 3D or 4D tensor as input");
  expect_error(ct_forward(pr, x), "");
  ct_module *all[] = {ps, pu, cs, pad, neg, nanl, inf, s2, pr};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) ct_module_free(all[i]);
  leak_end(lm, "hostile", __LINE__);
}

/* The two-input modules: NULLs, a missing input, mismatched shapes. */
static void test_distances(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *pd = ct_nn_pairwise_distance(), *cs = ct_nn_cosine_similarity();
  ct_tensor *a = ct_ones(CT_SHAPE(2, 3));
  QUIET(ct_forward(pd, NULL, a) == NULL);
  QUIET(ct_forward(cs, a, NULL) == NULL);
  expect_error(ct_forward(pd, a), "takes 2 tensor arguments");
  expect_error(ct_forward(cs, a, ct_ones(CT_SHAPE(2, 4))), "");
  ct_tensor *e = ct_empty(CT_SHAPE(0, 3));
  assert_int_equal(ct_numel(ct_forward(pd, e, e)), 0);
  assert_int_equal(ct_numel(ct_forward(cs, e, e)), 0);
  ct_module_free(pd);
  ct_module_free(cs);
  leak_end(lm, "distances", __LINE__);
}

/* nn.utils: NULLs, modules without the parameter, odd weight ranks, empty weights, dtype
 * changes and deep copies around the hooks. */
static void test_utils(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *l = ct_nn_linear(3, 2);
  ct_tensor *w = ct_module_get_parameter(l, "weight");
  QUIET(ct_nn_utils_parameters_to_vector(NULL, 2) == NULL);
  QUIET(ct_nn_utils_parameters_to_vector((ct_tensor *[]){w, NULL}, 2) == NULL);
  QUIET(ct_nn_utils_vector_to_parameters(NULL, &w, 1) != 0);
  QUIET(ct_nn_utils_vector_to_parameters(w, (ct_tensor *[]){NULL}, 1) != 0);
  QUIET(ct_nn_utils_weight_norm(NULL, "weight", 0) == NULL);
  QUIET(ct_nn_utils_remove_weight_norm(NULL, "weight") == NULL);
  QUIET(ct_nn_utils_spectral_norm(NULL) == NULL);
  QUIET(ct_nn_utils_remove_spectral_norm(NULL, NULL) == NULL);
  /* a module without the parameter; a too-long name */
  ct_module *relu = ct_nn_relu(false);
  expect_error(ct_nn_utils_weight_norm(relu, "weight", 0), "'ReLU' object has no attribute 'weight'");
  expect_error(ct_nn_utils_spectral_norm(relu), "has no parameter 'weight'");
  char longname[300];
  memset(longname, 'w', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  expect_error(ct_nn_utils_weight_norm(l, longname, 0), "name too long");
  /* a 1-D weight (PReLU) and a 3-D one (Bilinear) under both */
  ct_module *pr = ct_nn_utils_spectral_norm(ct_nn_utils_weight_norm(ct_nn_prelu(.num_parameters = 3), NULL, 0),
                                            .name = "weight_v");
  assert_non_null(pr);
  assert_non_null(ct_forward(pr, ct_ones(CT_SHAPE(2, 3))));
  ct_module *bl = ct_nn_utils_spectral_norm(ct_nn_bilinear(2, 3, 4), .dim = 2);
  assert_non_null(bl);
  assert_non_null(ct_forward(bl, ct_ones(CT_SHAPE(1, 2)), ct_ones(CT_SHAPE(1, 3))));
  ct_module *l2 = ct_nn_linear(2, 2);
  expect_error(ct_nn_utils_spectral_norm(l2, .dim = 5), ""); /* permute's message; l2 unchanged */
  assert_non_null(ct_module_get_parameter(l2, "weight"));
  ct_module_free(l2);
  /* an empty weight: no crash (NaN or empty values, as PyTorch) */
  ct_module *e = ct_nn_utils_weight_norm(ct_nn_linear(0, 2), NULL, 0);
  assert_non_null(e);
  assert_int_equal(ct_numel(ct_forward(e, ct_empty(CT_SHAPE(3, 0)))), 6);
  /* to(float64) after weight_norm: the next forward recomputes in float64 */
  ct_module *d = ct_nn_utils_weight_norm(ct_nn_linear(3, 2), NULL, 0);
  assert_int_equal(ct_module_to(d, CT_FLOAT64), 0);
  ct_tensor *y = ct_forward(d, ct_ones(CT_SHAPE(1, 3), .dtype = CT_FLOAT64));
  assert_non_null(y);
  assert_int_equal(ct_dtype_of(y), CT_FLOAT64);
  ct_module *c = ct_module_deepcopy(d);
  ct_module_free(d); /* the copy's hook owns its own state */
  assert_non_null(ct_forward(c, ct_ones(CT_SHAPE(1, 3), .dtype = CT_FLOAT64)));
  assert_non_null(ct_nn_utils_remove_weight_norm(c, NULL));
  /* fuse_conv_bn_eval / fuse_conv_bn_weights: NULLs, wrong kinds, empty channels,
   * non-contiguous and mismatched tensors */
  ct_module *cv = ct_nn_conv1d(0, 0, CT_INTS(1)), *bnm = ct_nn_batch_norm1d(0);
  ct_module_eval(cv);
  ct_module_eval(bnm);
  ct_module_eval(l);
  ct_module_eval(relu);
  QUIET(ct_nn_utils_fuse_conv_bn_eval(NULL, bnm, false) == NULL);
  QUIET(ct_nn_utils_fuse_conv_bn_eval(cv, NULL, false) == NULL);
  expect_error(ct_nn_utils_fuse_conv_bn_eval(l, bnm, false), "'Linear' is not a Conv or ConvTranspose module");
  expect_error(ct_nn_utils_fuse_conv_bn_eval(cv, relu, false), "'ReLU' is not a BatchNorm module");
  ct_module *fe = ct_nn_utils_fuse_conv_bn_eval(cv, bnm, false);
  assert_non_null(fe);
  assert_int_equal(ct_numel(ct_module_get_parameter(fe, "weight")), 0);
  assert_int_equal(ct_numel(ct_module_get_parameter(fe, "bias")), 0);
  ct_module_free(fe);
  ct_tensor *fw = NULL, *fb = NULL, *rm = ct_zeros(CT_SHAPE(3)), *rv = ct_ones(CT_SHAPE(3));
  QUIET(ct_nn_utils_fuse_conv_bn_weights(NULL, NULL, rm, rv, 1e-5, NULL, NULL, false, &fw, &fb) != 0);
  QUIET(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(3, 2)), NULL, NULL, rv, 1e-5, NULL, NULL, false, &fw, &fb) != 0);
  QUIET(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(3, 2)), NULL, rm, rv, 1e-5, NULL, NULL, false, NULL, &fb) != 0);
  ct_tensor *wt = ct_transpose(ct_ones(CT_SHAPE(2, 3, 4)), 0, 1); /* (3, 2, 4), non-contiguous */
  assert_int_equal(ct_nn_utils_fuse_conv_bn_weights(wt, NULL, rm, rv, 0.0, NULL, NULL, false, &fw, &fb), 0);
  assert_int_equal(ct_numel(fw), 24);
  expect_fail(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(4, 2)), NULL, rm, rv, 1e-5, NULL, NULL, false, &fw, &fb) != 0,
              "must match the size of tensor");
  assert_true(fw == NULL && fb == NULL);
  /* fuse_linear_bn_eval / fuse_linear_bn_weights: NULLs, wrong kinds, empty features */
  ct_module *l0 = ct_nn_linear(0, 0);
  ct_module_eval(l0);
  QUIET(ct_nn_utils_fuse_linear_bn_eval(NULL, bnm) == NULL);
  QUIET(ct_nn_utils_fuse_linear_bn_eval(l0, NULL) == NULL);
  expect_error(ct_nn_utils_fuse_linear_bn_eval(cv, bnm), "'Conv1d' is not a Linear module");
  expect_error(ct_nn_utils_fuse_linear_bn_eval(l0, relu), "'ReLU' is not a BatchNorm module");
  fe = ct_nn_utils_fuse_linear_bn_eval(l0, bnm);
  assert_non_null(fe);
  assert_int_equal(ct_numel(ct_module_get_parameter(fe, "bias")), 0);
  ct_module_free(fe);
  ct_module_free(l0);
  ct_tensor *ones3 = ct_ones(CT_SHAPE(3));
  QUIET(ct_nn_utils_fuse_linear_bn_weights(NULL, NULL, rm, rv, 1e-5, ones3, rm, &fw, &fb) != 0);
  QUIET(ct_nn_utils_fuse_linear_bn_weights(ct_ones(CT_SHAPE(3, 2)), NULL, NULL, rv, 1e-5, ones3, rm, &fw, &fb) != 0);
  QUIET(ct_nn_utils_fuse_linear_bn_weights(ct_ones(CT_SHAPE(3, 2)), NULL, rm, rv, 1e-5, ones3, rm, NULL, &fb) != 0);
  assert_int_equal(ct_nn_utils_fuse_linear_bn_weights(ct_t(ct_ones(CT_SHAPE(2, 3))), NULL, rm, rv, 0.0, ones3, rm,
                                                      &fw, &fb), 0); /* non-contiguous (3, 2) */
  assert_int_equal(ct_numel(fw), 6);
  ct_module *all[] = {l, relu, pr, bl, e, c, cv, bnm};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) ct_module_free(all[i]);
  leak_end(lm, "utils", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_inputs), cmocka_unit_test(test_hostile),
                                     cmocka_unit_test(test_distances), cmocka_unit_test(test_utils)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
