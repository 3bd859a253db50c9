/* Robustness sweep over the regression and binary losses (src/ops/loss_reg.c, loss_reg_nll.c,
 * src/nn/loss_reg.c): NULL arguments, every dtype (a floating result or an error, never a
 * crash), non-contiguous and expanded inputs (the contiguous copy's answer), empty inputs
 * (PyTorch's NaN mean / 0 sum / empty none), wrong shapes, bad module inputs, and no leak in
 * any of it (also under ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define NLOSS 11
static const char *const NAMES[NLOSS] = {"l1", "mse", "smooth_l1", "huber", "soft_margin", "bce",
                                         "bce_logits", "kl_div", "poisson_nll", "gaussian_nll",
                                         "multilabel_soft_margin"};

/* loss k of (x, y) with reduction r; x in (0, 1) suits every loss */
static ct_tensor *loss(int k, const ct_tensor *x, const ct_tensor *y, ct_reduction r) {
  switch (k) {
  case 0: return ct_l1_loss(x, y, .reduction = r);
  case 1: return ct_mse_loss(x, y, .reduction = r);
  case 2: return ct_smooth_l1_loss(x, y, .reduction = r, .beta = 0.3);
  case 3: return ct_huber_loss(x, y, .reduction = r, .delta = 0.3);
  case 4: return ct_soft_margin_loss(x, y, .reduction = r);
  case 5: return ct_binary_cross_entropy(x, y, .reduction = r);
  case 6: return ct_binary_cross_entropy_with_logits(x, y, .reduction = r);
  case 7: return ct_kl_div(x, y, .reduction = r);
  case 8: return ct_poisson_nll_loss(x, y, .reduction = r, .full = true);
  case 9: return ct_gaussian_nll_loss(x, y, y, .reduction = r);
  default: return ct_multilabel_soft_margin_loss(x, y, .reduction = r);
  }
}

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_full(SH(2, 3), 0.5);
  for (int k = 0; k < NLOSS; k++) {
    NP(loss(k, NULL, x, CT_REDUCTION_MEAN));
    NP(loss(k, x, NULL, CT_REDUCTION_SUM));
  }
  NP(ct_gaussian_nll_loss(x, x, NULL));
  ct_module *m = ct_nn_mse_loss();
  NP(ct_forward(m, NULL, x));
  ct_module_free(m);
  ct_release(x);
}

/* values in (0, 1): (i % 7 + 1) / 9 */
static ct_tensor *vals(ct_dtype dt, int seed) {
  ct_tensor *r = ct_arange(seed, seed + 32, 1, .dtype = CT_FLOAT64);
  return ct_to(ct_div_scalar(ct_add_scalar(ct_remainder_scalar(r, 7), 1), 9), dt);
}

/* every dtype: a floating result or an error; nothing leaks either way */
static void test_dtypes(void **state) {
  (void)state;
  for (int k = 0; k < NLOSS; k++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int r = 0; r < 3; r++) {
        live_mark m = leak_begin();
        ct_tensor *x = ct_reshape(vals((ct_dtype)d, 0), SH(4, 8)), *y = ct_reshape(vals((ct_dtype)d, 3), SH(4, 8));
        ct_tensor *l = loss(k, x, y, (ct_reduction)r);
        /* l1_loss is abs(x - y) reduced: PyTorch keeps an integer dtype for 'none' / 'sum' */
        if (l && !ct_dtype_is_floating(ct_dtype_of(l)) && !(k == 0 && r != CT_REDUCTION_MEAN))
          fail_msg("%s %s: result dtype %s", NAMES[k], ct_dtype_name((ct_dtype)d), ct_dtype_name(ct_dtype_of(l)));
        if (!l && !ct_last_error()) fail_msg("%s %s: failed without a message", NAMES[k], ct_dtype_name((ct_dtype)d));
        if ((d == CT_FLOAT32 || d == CT_FLOAT64) && !l)
          fail_msg("%s %s: %s", NAMES[k], ct_dtype_name((ct_dtype)d), ct_last_error());
        leak_end(m, NAMES[k], __LINE__);
      }
}

/* permuted / strided / expanded inputs give the contiguous answer, forward and backward */
static void test_layouts(void **state) {
  (void)state;
  for (int k = 0; k < NLOSS; k++)
    for (int r = 0; r < 3; r++) {
      live_mark mk = leak_begin();
      ct_tensor *base = ct_reshape(vals(CT_FLOAT64, 0), SH(8, 4)), *y = ct_reshape(vals(CT_FLOAT64, 2), SH(4, 8));
      ct_tensor *views[] = {ct_t(base), ct_slice(ct_reshape(ct_cat(CT_TENSORS(ct_t(base), ct_t(base)), 1), SH(4, 16)), 1, CT_NONE, CT_NONE, 2),
                            ct_expand(ct_narrow(ct_t(base), 0, 0, 1), SH(4, 8))};
      for (int v = 0; v < 3; v++) {
        ct_tensor *a = ct_detach(views[v]), *c = ct_contiguous(a);
        ct_requires_grad_(a, true);
        ct_requires_grad_(c, true);
        ct_tensor *la = loss(k, a, y, (ct_reduction)r), *lc = loss(k, c, y, (ct_reduction)r);
        if (!la || !lc) fail_msg("%s layout %d: %s", NAMES[k], v, ct_last_error());
        if (!ct_allclose(la, lc, 1e-12, 1e-12)) fail_msg("%s layout %d: values differ", NAMES[k], v);
        assert_int_equal(ct_backward(ct_sum(la)), 0);
        assert_int_equal(ct_backward(ct_sum(lc)), 0);
        if (!ct_allclose(ct_grad(a), ct_grad(c), 1e-12, 1e-12)) fail_msg("%s layout %d: grads differ", NAMES[k], v);
      }
      leak_end(mk, NAMES[k], __LINE__);
    }
}

/* empty: mean NaN, sum 0, none empty; backward works */
static void test_empty(void **state) {
  (void)state;
  for (int k = 0; k < NLOSS; k++) {
    live_mark mk = leak_begin();
    ct_tensor *x = ct_zeros(SH(0, 4), .requires_grad = true), *y = ct_zeros(SH(0, 4));
    ct_tensor *mean = loss(k, x, y, CT_REDUCTION_MEAN), *sum = loss(k, x, y, CT_REDUCTION_SUM);
    ct_tensor *none = loss(k, x, y, CT_REDUCTION_NONE);
    if (!mean || !sum || !none) fail_msg("%s empty: %s", NAMES[k], ct_last_error());
    if (!isnan(ct_item(mean))) fail_msg("%s empty mean: %g", NAMES[k], ct_item(mean));
    assert_true(ct_item(sum) == 0);
    assert_int_equal(ct_numel(none), 0);
    assert_int_equal(ct_backward(sum), 0);
    leak_end(mk, NAMES[k], __LINE__);
  }
}

/* wrong shapes and values: an error, no leak */
static void test_bad_inputs(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  ct_tensor *x = ct_full(SH(2, 3), 0.5), *y4 = ct_full(SH(2, 4), 0.5);
  for (int k = 0; k < NLOSS; k++) {
    ct_clear_error();
    if (loss(k, x, y4, CT_REDUCTION_MEAN)) fail_msg("%s: (2, 3) vs (2, 4) did not fail", NAMES[k]);
    if (!ct_last_error()) fail_msg("%s: no message", NAMES[k]);
    ct_clear_error();
    if (loss(k, x, x, (ct_reduction)17)) fail_msg("%s: reduction 17 did not fail", NAMES[k]);
  }
  ct_clear_error();
  expect_error(ct_binary_cross_entropy(ct_full(SH(3), -0.1), ct_full(SH(3), 0.5)), "between 0 and 1");
  expect_error(ct_binary_cross_entropy(ct_full(SH(3), INFINITY), ct_full(SH(3), 0.5)), "between 0 and 1");
  expect_error(ct_binary_cross_entropy(x, x, .weight = ct_ones(SH(4))), "expanded size");
  expect_error(ct_binary_cross_entropy_with_logits(x, x, .pos_weight = ct_ones(SH(4))), "expanded size");
  /* a NaN var is not negative (PyTorch's any(var < 0)): NaN out */
  assert_true(isnan(ct_item(ct_gaussian_nll_loss(x, x, ct_full(SH(2, 3), NAN)))));
  expect_error(ct_huber_loss(x, x, .delta = 0), "huber_loss does not support non-positive values for delta.");
  /* modules: wrong number of inputs, bad constructor values */
  ct_module *m = ct_nn_bce_with_logits_loss();
  assert_null(ct_forward(m, x));
  expect_error(NULL, "BCEWithLogitsLoss.forward() takes 2 tensor arguments but 1 values were given");
  ct_module_free(m);
  assert_null(ct_nn_create("BCELoss", &CT_VALUES(ct_v_int(3))));
  expect_error(NULL, "argument 'weight' must be a Tensor or None");
  assert_null(ct_nn_create("KLDivLoss", &CT_VALUES(ct_v_kw("reduction", ct_v_str("avg")))));
  expect_error(NULL, "avg is not a valid value for reduction");
  assert_null(ct_nn_create("HuberLoss", &CT_VALUES(ct_v_kw("beta", ct_v_float(1)))));
  ct_clear_error();
  leak_end(mk, "bad inputs", __LINE__);
}

/* nothing leaks in a training step with a module holding buffers, with and without create_graph */
static void test_module_leaks(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  ct_module *m = ct_nn_bce_with_logits_loss(.weight = ct_full(SH(3), 2.0), .pos_weight = ct_full(SH(3), 0.5));
  for (int i = 0; i < 3; i++) {
    ct_tensor *x = ct_reshape(vals(CT_FLOAT32, i), SH(4, 8)), *w = ct_ones(SH(8, 3), .requires_grad = true);
    ct_tensor *l = ct_forward(m, ct_matmul(x, w), ct_full(SH(4, 3), 0.25));
    ct_tensor *g = NULL;
    assert_int_equal(ct_autograd_grad(&l, 1, &w, 1, NULL, i == 2, -1, false, &g), 0);
    if (i == 2) assert_int_equal(ct_backward(ct_sum(ct_mul(g, g))), 0);
  }
  ct_module_free(m);
  leak_end(mk, "module step", __LINE__);
}

/* every module: one input, NULL, three inputs, a non-tensor: an error naming the class; the
 * right call works; nothing leaks */
static void test_modules(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  ct_tensor *x = ct_full(SH(2, 3), 0.5);
  ct_module *ms[] = {
      ct_nn_l1_loss(), ct_nn_mse_loss(), ct_nn_smooth_l1_loss(.beta = 0), ct_nn_huber_loss(),
      ct_nn_soft_margin_loss(), ct_nn_bce_loss(.weight = ct_ones(SH(3))),
      ct_nn_bce_with_logits_loss(.pos_weight = ct_ones(SH(3))),
      ct_nn_kl_div_loss(.reduction = CT_REDUCTION_BATCHMEAN), ct_nn_poisson_nll_loss(.full = true),
      ct_nn_gaussian_nll_loss(), ct_nn_multilabel_soft_margin_loss(.weight = ct_ones(SH(3)))};
  for (size_t i = 0; i < sizeof ms / sizeof *ms; i++) {
    ct_module *m = ms[i];
    bool three = i == 9;
    NP(ct_forward(m, NULL, x));
    ct_clear_error();
    assert_null(ct_forward(m, x));
    assert_non_null(strstr(ct_last_error(), ct_module_name(m)));
    ct_clear_error();
    ct_values out = {0};
    assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_int(1)), &out), -1);
    ct_clear_error();
    ct_tensor *l = three ? ct_forward(m, x, x, x) : ct_forward(m, x, x);
    if (!l) fail_msg("%s: %s", ct_module_name(m), ct_last_error());
    ct_module_free(m);
  }
  leak_end(mk, "modules", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),       cmocka_unit_test(test_dtypes),
      cmocka_unit_test(test_layouts),    cmocka_unit_test(test_empty),
      cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_module_leaks),
      cmocka_unit_test(test_modules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
