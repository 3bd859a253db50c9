/* Robustness sweep over the classification losses (src/ops/loss_class.c, loss_ctc.c and their
 * modules): NULL arguments, non-contiguous inputs, targets and weights (the contiguous copy's
 * answer and gradient), empty batches (PyTorch 1.13's nan / 0 / (0,)), hostile targets and
 * lengths, wrong dtypes and sizes, and no leak anywhere, failed calls and backward included. */
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

static void test_null(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3)), *t = ct_zeros(SH(2), .dtype = CT_INT64);
  ct_tensor *lp = ct_zeros(SH(4, 2, 3)), *tg = ct_ones(SH(2, 2), .dtype = CT_INT64);
  ct_tensor *len = ct_full(SH(2), 2, .dtype = CT_INT64);
  int64_t il[] = {4, 4};
  NP(ct_cross_entropy(NULL, t));  NP(ct_cross_entropy(x, NULL));
  NP(ct_nll_loss(NULL, t));       NP(ct_nll_loss(x, NULL));
  NP(ct_ctc_loss(NULL, tg, len, len)); NP(ct_ctc_loss(lp, NULL, len, len));
  NP(ct_ctc_loss(lp, tg, NULL, len));  NP(ct_ctc_loss(lp, tg, len, NULL));
  NP(ct_ctc_loss_lengths(NULL, tg, 2, il, 2, il));
  NP(ct_ctc_loss_lengths(lp, tg, 2, NULL, 2, il));
  NP(ct_ctc_loss_lengths(lp, tg, 2, il, 2, NULL));
  ct_module *ce = ct_nn_cross_entropy_loss();
  NP(ct_forward(ce, NULL, t));
  ct_module_free(ce);
  leak_end(m, "null", __LINE__);
}

/* same values and gradient as on contiguous copies */
static void same_as_contig(ct_tensor *x, ct_tensor *y, ct_tensor *xc, ct_tensor *yc, const char *what) {
  if (!y || !yc) fail_msg("%s: %s", what, ct_last_error());
  if (!ct_allclose(y, yc, 1e-12, 1e-12)) fail_msg("%s: values differ", what);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  assert_int_equal(ct_backward(ct_sum(yc)), 0);
  if (!ct_allclose(ct_grad(x), ct_grad(xc), 1e-12, 1e-12)) fail_msg("%s: grads differ", what);
}

static ct_tensor *leaf(ct_tensor *t) { return ct_requires_grad_(ct_detach(t), true); }

static void test_non_contiguous(void **state) {
  (void)state;
  for (int r = CT_REDUCTION_MEAN; r <= CT_REDUCTION_NONE; r++) {
    live_mark m = leak_begin();
    /* (N, C) seen through a transpose of (C, N); targets with a stride of 2; weight expanded */
    ct_tensor *base = ct_reshape(ct_remainder_scalar(ct_arange(0, 20, 1, .dtype = CT_FLOAT64), 7), 2, (int64_t[]){4, 5});
    ct_tensor *x = leaf(ct_t(base)), *xc = leaf(ct_contiguous(ct_t(base)));
    ct_tensor *t = ct_slice(ct_tensor_from((int64_t[]){1, 9, 3, 9, 0, 9, 2, 9, 3, 9}, CT_INT64, 1, (int64_t[]){10}),
                            0, 0, 10, 2);
    ct_tensor *w = ct_expand(ct_full(SH(1), 0.5, .dtype = CT_FLOAT64), SH(4));
    ct_reduction red = (ct_reduction)r;
    same_as_contig(x, ct_cross_entropy(x, t, .weight = w, .reduction = red), xc,
                   ct_cross_entropy(xc, ct_contiguous(t), .weight = ct_contiguous(w), .reduction = red), "ce");
    x = leaf(ct_t(base)), xc = leaf(ct_contiguous(ct_t(base)));
    same_as_contig(x, ct_nll_loss(x, t, .weight = w, .reduction = red, .ignore_index = 3), xc,
                   ct_nll_loss(xc, ct_contiguous(t), .weight = ct_contiguous(w), .reduction = red, .ignore_index = 3), "nll");
    x = leaf(ct_t(base)), xc = leaf(ct_contiguous(ct_t(base)));
    same_as_contig(x, ct_cross_entropy(x, t, .label_smoothing = 0.2, .reduction = red), xc,
                   ct_cross_entropy(xc, ct_contiguous(t), .label_smoothing = 0.2, .reduction = red), "smooth");
    /* CTC: (N, T, C) transposed to (T, N, C) */
    ct_tensor *lb = ct_log_softmax(ct_reshape(ct_remainder_scalar(ct_arange(0, 60, 1, .dtype = CT_FLOAT64), 5), 3,
                                              (int64_t[]){2, 6, 5}), 2);
    ct_tensor *lp = leaf(ct_transpose(lb, 0, 1)), *lpc = leaf(ct_contiguous(ct_transpose(lb, 0, 1)));
    ct_tensor *tg = ct_transpose(ct_tensor_from((int64_t[]){1, 4, 2, 2, 3, 1}, CT_INT64, 2, (int64_t[]){3, 2}), 0, 1);
    int64_t il[] = {6, 5}, tl[] = {3, 2};
    same_as_contig(lp, ct_ctc_loss_lengths(lp, tg, 2, il, 2, tl, .reduction = red), lpc,
                   ct_ctc_loss_lengths(lpc, ct_contiguous(tg), 2, il, 2, tl, .reduction = red), "ctc");
    leak_end(m, "non-contiguous", __LINE__);
  }
}

static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = leaf(ct_zeros(SH(0, 5))), *t = ct_zeros(SH(0), .dtype = CT_INT64);
  ct_tensor *y = ct_cross_entropy(x, t);
  assert_true(isnan(ct_item(y)));
  assert_int_equal(ct_backward(y), 0);
  assert_int_equal(ct_numel(ct_grad(x)), 0);
  assert_true(ct_item(ct_cross_entropy(x, t, .reduction = CT_REDUCTION_SUM)) == 0);
  y = ct_cross_entropy(x, t, .reduction = CT_REDUCTION_NONE);
  assert_int_equal(ct_dim(y), 1);
  assert_int_equal(ct_numel(y), 0);
  assert_true(isnan(ct_item(ct_nll_loss(x, t))));
  assert_true(isnan(ct_item(ct_cross_entropy(x, ct_zeros(SH(0, 5))))));
  assert_true(isnan(ct_item(ct_cross_entropy(x, t, .label_smoothing = 0.1))));
  ct_tensor *lp = leaf(ct_zeros(SH(5, 0, 3)));
  ct_tensor *e = ct_zeros(SH(0, 2), .dtype = CT_INT64);
  assert_true(isnan(ct_item(ct_ctc_loss_lengths(lp, e, 0, NULL, 0, NULL))));
  y = ct_ctc_loss_lengths(lp, e, 0, NULL, 0, NULL, .reduction = CT_REDUCTION_SUM);
  assert_true(ct_item(y) == 0);
  assert_int_equal(ct_backward(y), 0);
  assert_int_equal(ct_numel(ct_ctc_loss_lengths(lp, e, 0, NULL, 0, NULL, .reduction = CT_REDUCTION_NONE)), 0);
  /* every target ignored: mean is 0 / 0 = nan, the gradient 0 */
  ct_tensor *x2 = leaf(ct_ones(SH(2, 3)));
  y = ct_cross_entropy(x2, ct_full(SH(2), -100, .dtype = CT_INT64));
  assert_true(isnan(ct_item(y)));
  assert_int_equal(ct_backward(y), 0);
  assert_true(ct_item(ct_sum(ct_abs(ct_grad(x2)))) == 0);
  leak_end(m, "empty", __LINE__);
}

static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = leaf(ct_ones(SH(2, 3)));
  ct_tensor *big = ct_tensor_from((int64_t[]){0, INT64_MAX}, CT_INT64, 1, (int64_t[]){2});
  ct_tensor *neg = ct_tensor_from((int64_t[]){INT64_MIN, 0}, CT_INT64, 1, (int64_t[]){2});
  expect_error(ct_cross_entropy(x, big), "Target 9223372036854775807 is out of bounds.");
  expect_error(ct_nll_loss(x, neg), "Target -9223372036854775808 is out of bounds.");
  expect_error(ct_cross_entropy(x, big, .label_smoothing = 0.5), "is out of bounds.");
  expect_error(ct_cross_entropy(x, ct_ones(SH(2), .dtype = CT_BOOL)), "expected scalar type Long but found Bool");
  expect_error(ct_nll_loss(x, ct_zeros(SH(2), .dtype = CT_INT64), .weight = ct_ones(SH(3), .dtype = CT_INT64)),
               "expected scalar type Float but found Long");
  expect_error(ct_nll_loss(x, ct_zeros(SH(2), .dtype = CT_INT64), .reduction = (ct_reduction)42),
               "42 is not a valid value for reduction");
  expect_error(ct_cross_entropy(x, ct_zeros(SH(2), .dtype = CT_INT64), .label_smoothing = INFINITY),
               "label_smoothing must be between 0.0 and 1.0. Got: inf");
  /* CTC: hostile lengths, labels and blank */
  ct_tensor *lp = leaf(ct_zeros(SH(4, 2, 3)));
  ct_tensor *tg = ct_ones(SH(2, 2), .dtype = CT_INT64);
  int64_t il[] = {4, 4}, tl[] = {2, 2}, ilneg[] = {-1, 4}, tlneg[] = {2, -3}, ilbig[] = {INT64_MAX, 4};
  int64_t tlbig[] = {INT64_MAX, 1};
  expect_error(ct_ctc_loss_lengths(lp, tg, 2, ilneg, 2, tl), "input_lengths must be non-negative");
  expect_error(ct_ctc_loss_lengths(lp, tg, 2, il, 2, tlneg), "target_lengths must be non-negative");
  expect_error(ct_ctc_loss_lengths(lp, tg, 2, ilbig, 2, tl), "Expected input_lengths to have value at most 4");
  expect_error(ct_ctc_loss_lengths(lp, tg, 2, il, 2, tlbig), "Expected tensor to have size at least");
  /* concatenated targets: the lengths' sum overflows int64 (no wrap-around, UBSan-clean) */
  int64_t tlsum[] = {INT64_MAX, 1};
  expect_error(ct_ctc_loss_lengths(lp, ct_ones(SH(3), .dtype = CT_INT64), 2, il, 2, tlsum),
               "Expected tensor to have size 9223372036854775807 at dimension 0, but got size 3");
  expect_error(ct_ctc_loss_lengths(lp, ct_full(SH(2, 2), -5, .dtype = CT_INT64), 2, il, 2, tl),
               "target -5 is out of the label range");
  expect_error(ct_ctc_loss_lengths(lp, tg, 2, il, 2, tl, .blank = INT64_MAX), "blank must be in label range");
  expect_error(ct_ctc_loss(lp, tg, ct_ones(SH(2), .dtype = CT_BOOL), ct_full(SH(2), 2, .dtype = CT_INT64)),
               "input_lengths must be integral");
  expect_error(ct_ctc_loss_lengths(ct_zeros(SH(4, 3)), tg, 1, il, 1, tl),
               "Expected tensor to have size 1 at dimension 0, but got size 2");
  expect_error(ct_ctc_loss_lengths(ct_zeros(SH(4)), tg, 1, il, 1, tl),
               "Expected 3-dimensional tensor, but got 2-dimensional tensor for argument #1 'log_probs'");
  /* modules: wrong number of inputs */
  ct_module *ctc = ct_nn_ctc_loss();
  expect_error(ct_forward(ctc, lp, tg), "CTCLoss.forward() takes");
  ct_module *nll = ct_nn_nll_loss();
  expect_error(ct_forward(nll, x), "NLLLoss.forward() takes 2 tensor arguments");
  ct_module_free(ctc);
  ct_module_free(nll);
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_non_contiguous),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
