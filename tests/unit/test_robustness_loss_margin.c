/* Robustness sweep over the margin losses (src/ops/loss_margin.c, loss_multi_margin.c) and their
 * modules (src/nn/loss_margin.c, loss_adaptive.c): NULL arguments, wrong ranks and shapes,
 * integer and bool inputs, non-contiguous inputs (the contiguous copy's answer), empty batches,
 * out-of-range targets, hostile sizes and options; every failure is NULL + a message and
 * nothing leaks. */
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
  ct_tensor *x = ct_ones(SH(3, 4)), *t = ct_ones(SH(3)), *c = ct_zeros(SH(3), .dtype = CT_INT64);
  ct_tensor *ml = ct_zeros(SH(3, 4), .dtype = CT_INT64);
  NP(ct_margin_ranking_loss(NULL, t, t));      NP(ct_margin_ranking_loss(t, NULL, t));
  NP(ct_margin_ranking_loss(t, t, NULL));      NP(ct_hinge_embedding_loss(NULL, t));
  NP(ct_hinge_embedding_loss(t, NULL));        NP(ct_cosine_embedding_loss(NULL, x, t));
  NP(ct_cosine_embedding_loss(x, NULL, t));    NP(ct_cosine_embedding_loss(x, x, NULL));
  NP(ct_triplet_margin_loss(NULL, x, x));      NP(ct_triplet_margin_loss(x, NULL, x));
  NP(ct_triplet_margin_loss(x, x, NULL));      NP(ct_triplet_margin_with_distance_loss(NULL, x, x));
  NP(ct_triplet_margin_with_distance_loss(x, NULL, x));
  NP(ct_triplet_margin_with_distance_loss(x, x, NULL));
  NP(ct_multi_margin_loss(NULL, c));           NP(ct_multi_margin_loss(x, NULL));
  NP(ct_multilabel_margin_loss(NULL, ml));     NP(ct_multilabel_margin_loss(x, NULL));
  ct_module *m = ct_nn_adaptive_log_softmax_with_loss(4, 6, CT_INTS(2));
  NP(ct_nn_adaptive_log_softmax_log_prob(NULL, x)); NP(ct_nn_adaptive_log_softmax_log_prob(m, NULL));
  NP(ct_nn_adaptive_log_softmax_predict(NULL, x));  NP(ct_nn_adaptive_log_softmax_predict(m, NULL));
  NP(ct_nn_adaptive_log_softmax_forward(NULL, x, c).output);
  NP(ct_nn_adaptive_log_softmax_forward(m, NULL, c).output);
  NP(ct_nn_adaptive_log_softmax_forward(m, x, NULL).loss);
  ct_module *mods[] = {ct_nn_margin_ranking_loss(), ct_nn_hinge_embedding_loss(), ct_nn_cosine_embedding_loss(),
                       ct_nn_triplet_margin_loss(), ct_nn_triplet_margin_with_distance_loss(),
                       ct_nn_multi_margin_loss(), ct_nn_multilabel_margin_loss()};
  for (int i = 0; i < 7; i++) {
    NP(ct_forward(mods[i], NULL, x));
    ct_module_free(mods[i]);
  }
  ct_module_free(m);
  ct_release(x), ct_release(t), ct_release(c), ct_release(ml);
}

/* each loss on inputs of dtype dt (targets in their own dtype) */
typedef ct_tensor *(*loss_fn)(const ct_tensor *x);
static ct_tensor *pm1(const ct_tensor *x) {
  return ct_sub_scalar(ct_mul_scalar(ct_to(ct_gt_scalar(ct_to(x, CT_FLOAT64), 0), CT_FLOAT32), 2), 1);
}
static ct_tensor *f_rank(const ct_tensor *x) { return ct_margin_ranking_loss(x, ct_flip(x, 1, (int64_t[]){0}), pm1(x)); }
static ct_tensor *f_hinge(const ct_tensor *x) { return ct_hinge_embedding_loss(x, pm1(x), .reduction = CT_REDUCTION_SUM); }
static ct_tensor *f_cos(const ct_tensor *x) {
  return ct_cosine_embedding_loss(x, ct_flip(x, 1, (int64_t[]){0}), ct_ones(SH(ct_shape(x)[0])));
}
static ct_tensor *f_tri(const ct_tensor *x) { return ct_triplet_margin_loss(x, ct_flip(x, 1, (int64_t[]){0}), ct_neg(x)); }
static ct_tensor *f_trid(const ct_tensor *x) {
  return ct_triplet_margin_with_distance_loss(x, ct_flip(x, 1, (int64_t[]){0}), ct_neg(x), .swap = true);
}
static ct_tensor *f_mm(const ct_tensor *x) {
  return ct_multi_margin_loss(x, ct_zeros(SH(ct_shape(x)[0]), .dtype = CT_INT64), .p = 2, .reduction = CT_REDUCTION_NONE);
}
static ct_tensor *f_mlm(const ct_tensor *x) {
  return ct_multilabel_margin_loss(x, ct_zeros(SH(ct_shape(x)[0], ct_shape(x)[1]), .dtype = CT_INT64));
}
static const struct {
  const char *name;
  loss_fn f;
} FNS[] = {
    {"margin_ranking_loss", f_rank},   {"hinge_embedding_loss", f_hinge},
    {"cosine_embedding_loss", f_cos},  {"triplet_margin_loss", f_tri},
    {"triplet_margin_with_distance_loss", f_trid},
    {"multi_margin_loss", f_mm},       {"multilabel_margin_loss", f_mlm},
};

enum { L_CONTIG, L_TRANSPOSED, L_STEP2, L_EXPANDED, L_EMPTY, L_N };
static const char *LNAME[L_N] = {"contig", "transposed", "step2", "expanded", "(0,4)"};
static ct_tensor *layout(int which, ct_dtype dt) {
  ct_tensor *r = ct_to(ct_sub_scalar(ct_remainder_scalar(ct_arange(0, 32, 1, .dtype = CT_FLOAT64), 7), 3), dt);
  switch (which) {
  case L_CONTIG: return ct_reshape(ct_narrow(r, 0, 0, 12), 2, (int64_t[]){3, 4});
  case L_TRANSPOSED: return ct_t(ct_reshape(ct_narrow(r, 0, 0, 12), 2, (int64_t[]){4, 3}));
  case L_STEP2: return ct_slice(ct_reshape(ct_narrow(r, 0, 0, 24), 2, (int64_t[]){3, 8}), 1, CT_NONE, CT_NONE, 2);
  case L_EXPANDED: return ct_expand(ct_reshape(ct_narrow(r, 0, 0, 4), 2, (int64_t[]){1, 4}), SH(3, 4));
  default: return ct_zeros(SH(0, 4), .dtype = dt);
  }
}

/* Every loss x dtype x layout: floating inputs compute, the strided layouts to the values of a
 * contiguous copy; integer and bool inputs either compute (through promotion, as PyTorch's
 * composites do) or fail with a message; nothing leaks either way. */
static void test_sweep(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int l = 0; l < L_N; l++) {
        live_mark m = leak_begin();
        char what[96];
        snprintf(what, sizeof what, "%s %s %s", FNS[i].name, ct_dtype_name((ct_dtype)d), LNAME[l]);
        ct_tensor *x = layout(l, (ct_dtype)d), *r = FNS[i].f(x);
        bool floating = d == CT_FLOAT32 || d == CT_FLOAT64;
        if (!r) {
          if (floating) fail_msg("%s failed: %s", what, ct_last_error());
          if (!ct_last_error()) fail_msg("%s failed without a message", what);
        }
        if (r && floating && l != L_EMPTY) {
          ct_tensor *want = FNS[i].f(ct_contiguous(x));
          if (!ct_allclose(r, want, 1e-6, 1e-7)) fail_msg("%s differs from its contiguous copy", what);
        }
        leak_end(m, what, __LINE__);
      }
}

/* hostile options and targets: p, margins, eps, out-of-range and negative classes */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3));
  static const int64_t BAD[] = {3, -1, INT64_MAX, INT64_MIN};
  for (int i = 0; i < 4; i++) {
    int64_t b = BAD[i], bm = b == -1 ? -2 : b; /* -1 ends a multilabel target row */
    ct_tensor *t = ct_tensor_from((int64_t[]){0, b}, CT_INT64, 1, (int64_t[]){2});
    expect_error(ct_multi_margin_loss(x, t), "target out of range");
    ct_tensor *mt = ct_tensor_from((int64_t[]){0, 1, -1, bm, 0, 0}, CT_INT64, 2, (int64_t[]){2, 3});
    expect_error(ct_multilabel_margin_loss(x, mt), "argument #2 'target' is out of range");
  }
  static const int64_t PS[] = {0, -1, 3, INT64_MAX};
  for (int i = 0; i < 4; i++)
    expect_error(ct_multi_margin_loss(x, ct_zeros(SH(2), .dtype = CT_INT64), .p = PS[i]), "only p == 1 and p == 2");
  /* non-finite margins / eps compute (NaN / inf) as PyTorch's formulas do */
  assert_non_null(ct_margin_ranking_loss(x, x, x, .margin = INFINITY));
  assert_non_null(ct_hinge_embedding_loss(x, x, .margin = NAN));
  assert_non_null(ct_triplet_margin_loss(x, x, x, .eps = -INFINITY, .p = 0));
  assert_non_null(ct_multi_margin_loss(x, ct_zeros(SH(2), .dtype = CT_INT64), .margin = -INFINITY));
  /* rank mismatches and oversized ranks */
  ct_tensor *big = ct_zeros(SH(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
  expect_error(ct_multi_margin_loss(big, ct_zeros(SH(1), .dtype = CT_INT64)), "Expected non-empty vector or matrix");
  expect_error(ct_multilabel_margin_loss(big, ct_zeros(SH(1), .dtype = CT_INT64)), "Expected non-empty vector or matrix");
  expect_error(ct_cosine_embedding_loss(big, big, ct_ones(SH(1))), "1D target tensor expects 2D input tensors");
  expect_error(ct_triplet_margin_loss(big, x, x), "All inputs should have same dimension");
  expect_error(ct_margin_ranking_loss(big, x, x), "All input tensors should have same dimension");
  /* modules: wrong argument counts, unsupported values, bad AdaptiveLogSoftmaxWithLoss sizes */
  ct_module *mod = ct_nn_cosine_embedding_loss();
  expect_error(ct_forward(mod, x, x), "takes 3 tensor arguments");
  ct_module_free(mod);
  expect_error(ct_nn_adaptive_log_softmax_with_loss(4, 6, CT_INTS(2), .div_value = 0), "float floor division by zero");
  expect_error(ct_nn_adaptive_log_softmax_with_loss(-4, 6, CT_INTS(2)), "");
  expect_error(ct_nn_adaptive_log_softmax_with_loss(4, INT64_MIN, CT_INTS(2)), "cutoffs should be");
  expect_error(ct_nn_adaptive_log_softmax_with_loss(4, 6, ((ct_ints){.n = CT_MAX_DIMS + 1})), "at most");
  ct_module *a = ct_nn_adaptive_log_softmax_with_loss(4, 6, CT_INTS(2, 4));
  expect_fail(!ct_nn_adaptive_log_softmax_forward(a, ct_ones(SH(2, 5)), ct_zeros(SH(2), .dtype = CT_INT64)).loss,
              "cannot be multiplied");
  expect_error(ct_nn_adaptive_log_softmax_log_prob(a, ct_ones(SH(4))), "Dimension out of range");
  /* an empty batch: output (0,), loss NaN, log_prob (0, 6), predict (0,) */
  ct_asm_output o = ct_nn_adaptive_log_softmax_forward(a, ct_ones(SH(0, 4)), ct_zeros(SH(0), .dtype = CT_INT64));
  assert_non_null(o.output);
  assert_true(isnan(ct_item(o.loss)));
  assert_int_equal(ct_numel(ct_nn_adaptive_log_softmax_log_prob(a, ct_ones(SH(0, 4)))), 0);
  assert_int_equal(ct_numel(ct_nn_adaptive_log_softmax_predict(a, ct_ones(SH(0, 4)))), 0);
  ct_module_free(a);
  leak_end(m, "hostile", __LINE__);
}

/* a module kept past its forward: the backward frees everything, deepcopy keeps the weight */
static void test_module_lifetimes(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_module *mm = ct_nn_multi_margin_loss(.weight = ct_ones(SH(3)));
  ct_module *cp = ct_module_deepcopy(mm);
  ct_module_free(mm);
  ct_tensor *x = ct_requires_grad_(ct_ones(SH(2, 3)), true);
  ct_tensor *l = ct_forward(cp, x, ct_zeros(SH(2), .dtype = CT_INT64));
  assert_int_equal(ct_backward(l), 0);
  ct_module_free(cp);
  ct_module *a = ct_nn_adaptive_log_softmax_with_loss(4, 6, CT_INTS(2, 4));
  ct_module *ac = ct_module_deepcopy(a);
  ct_module_free(a);
  ct_asm_output o = ct_nn_adaptive_log_softmax_forward(ac, ct_ones(SH(3, 4)), ct_full(SH(3), 5, .dtype = CT_INT64));
  assert_int_equal(ct_backward(o.loss), 0);
  ct_module_free(ac);
  leak_end(m, "module lifetimes", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_sweep),
      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_module_lifetimes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
