/* The margin losses (src/ops/loss_margin.c, loss_multi_margin.c) and their modules
 * (src/nn/loss_margin.c, loss_adaptive.c) against PyTorch 1.13: the seeds' examples (the
 * printed numbers where the inputs are given; the unseeded randn examples run after
 * manual_seed(0), whose draws ctorch shares, against torch's value for that seed), grad_fn
 * names, every error message, distance callbacks, gradcheck + gradgradcheck in float64, and
 * the modules' printing, state_dict, registry building and AdaptiveLogSoftmaxWithLoss's
 * initialisation, forward, log_prob and predict. Expected numbers are torch's (float.hex). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define DV(...) ((const double[]){__VA_ARGS__})
static ct_tensor *f32(int nd, const int64_t *shape, const double *v) {
  return ct_to(ct_tensor_from(v, CT_FLOAT64, nd, shape), CT_FLOAT32);
}
static ct_tensor *i64(int nd, const int64_t *shape, const int64_t *v) {
  return ct_tensor_from(v, CT_INT64, nd, shape);
}
#define F32(shape, ...) f32(shape, DV(__VA_ARGS__))
#define I64(shape, ...) i64(shape, (const int64_t[]){__VA_ARGS__})

/* ---- the seeds' examples ------------------------------------------------------------------- */
static void test_seed_examples(void **state) {
  (void)state;
  ct_scope_begin();
  /* seed 000: nn.MarginRankingLoss(margin=0.3) -> tensor(0.1333) */
  ct_module *mr = ct_nn_margin_ranking_loss(.margin = 0.3);
  ct_tensor *l = ct_forward(mr, F32(SH(3), 0.9, 0.6, 0.8), F32(SH(3), 0.3, 0.7, 0.5), ct_ones(SH(3)));
  expect_vals(l, DV(0x1.1111100000000p-3), 1, 0, 0);
  assert_true(fabs(ct_item(l) - 0.1333) < 5e-5);
  /* seed 000: nn.HingeEmbeddingLoss(margin=1.0) -> tensor(0.2750) (an int64 target) */
  ct_module *he = ct_nn_hinge_embedding_loss(.margin = 1.0);
  l = ct_forward(he, F32(SH(4), 0.8, 1.5, 0.3, 2.0), I64(SH(4), 1, -1, 1, -1));
  expect_vals(l, DV(0x1.19999a0000000p-2), 1, 0, 0);
  assert_true(fabs(ct_item(l) - 0.2750) < 5e-5);
  /* seed 001: MultiLabelMarginLoss x = [[0.1, 0.2, 0.4, 0.8]], y = [[3, 0, -1, 1]] -> 0.85 */
  ct_module *mlm = ct_nn_multilabel_margin_loss();
  l = ct_forward(mlm, F32(SH(1, 4), 0.1, 0.2, 0.4, 0.8), I64(SH(1, 4), 3, 0, -1, 1));
  expect_vals(l, DV(0x1.b333340000000p-1), 1, 0, 0);
  /* seed 001: MultiMarginLoss x = [[0.1, 0.2, 0.4, 0.8]], y = [3] -> 0.325 */
  ct_module *mm = ct_nn_multi_margin_loss();
  l = ct_forward(mm, F32(SH(1, 4), 0.1, 0.2, 0.4, 0.8), I64(SH(1), 3));
  expect_vals(l, DV(0x1.4ccccc0000000p-2), 1, 0, 0);
  /* seed 000's randn examples (printed 0.6027, 0.4683, 0.9439, 0.7076 came from unseeded
   * draws): the same code after manual_seed(0) gives torch's values for that seed */
  ct_module *cos = ct_nn_cosine_embedding_loss(.margin = 0.0);
  ct_manual_seed(0);
  ct_tensor *x1 = ct_randn(SH(4, 8)), *x2 = ct_randn(SH(4, 8));
  expect_vals(ct_forward(cos, x1, x2, I64(SH(4), 1, -1, 1, -1)), DV(0x1.100d620000000p-1), 1, 1e-6, 0);
  ct_module *tri = ct_nn_triplet_margin_loss(.margin = 1.0);
  ct_manual_seed(0);
  ct_tensor *a = ct_randn(SH(4, 8)), *p = ct_randn(SH(4, 8)), *n = ct_randn(SH(4, 8));
  expect_vals(ct_forward(tri, a, p, n), DV(0x1.100cf00000000p+0), 1, 1e-6, 0);
  ct_manual_seed(0);
  ct_tensor *logits2 = ct_randn(SH(2, 5));
  expect_vals(ct_forward(mlm, logits2, I64(SH(2, 5), 0, 2, -1, -1, -1, 1, 3, 4, -1, -1)),
              DV(0x1.8803740000000p+0), 1, 1e-6, 0);
  ct_manual_seed(0);
  ct_tensor *logits = ct_randn(SH(4, 5));
  expect_vals(ct_forward(mm, logits, I64(SH(4), 0, 2, 1, 4)), DV(0x1.229c940000000p+0), 1, 1e-6, 0);
  ct_module *mods[] = {mr, he, mlm, mm, cos, tri};
  for (int i = 0; i < 6; i++) ct_module_free(mods[i]);
  ct_scope_end();
}

/* ---- functional forms: reductions, shapes, grad_fn names -------------------------------------- */
static void test_reductions_and_grad_fns(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x1 = ct_requires_grad_(F32(SH(3), 0.5, -1.0, 2.0), true), *x2 = F32(SH(3), 1.0, 1.0, -1.0);
  ct_tensor *t = F32(SH(3), 1, -1, 1);
  /* max(0, -t (x1 - x2) + 0.5) = [1, 0, 0] */
  ct_tensor *l = ct_margin_ranking_loss(x1, x2, t, .margin = 0.5, .reduction = CT_REDUCTION_NONE);
  expect_exact(l, 1.0, 0.0, 0.0);
  assert_string_equal(ct_grad_fn_name(l), "ClampMinBackward0");
  expect_exact(ct_margin_ranking_loss(x1, x2, t, .margin = 0.5, .reduction = CT_REDUCTION_SUM), 1.0);
  assert_string_equal(ct_grad_fn_name(ct_margin_ranking_loss(x1, x2, t)), "MeanBackward0");
  assert_string_equal(ct_grad_fn_name(ct_margin_ranking_loss(x1, x2, t, .reduction = CT_REDUCTION_SUM)),
                      "SumBackward0");
  /* hinge: x where t == 1, max(0, m - x) where t == -1, both elsewhere: [0.5, 3, 2 + 1] */
  l = ct_hinge_embedding_loss(x1, F32(SH(3), 1, -1, 0), .margin = 2, .reduction = CT_REDUCTION_NONE);
  expect_exact(l, 0.5, 3.0, 2.0);
  assert_string_equal(ct_grad_fn_name(l), "AddBackward0");
  assert_string_equal(ct_grad_fn_name(ct_cosine_embedding_loss(ct_reshape(x1, 2, (int64_t[]){1, 3}),
                                                               ct_reshape(x2, 2, (int64_t[]){1, 3}),
                                                               F32(SH(1), -1), .reduction = CT_REDUCTION_NONE)),
                      "AddBackward0");
  ct_tensor *A = ct_requires_grad_(ct_reshape(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), 2, (int64_t[]){2, 3}), true);
  ct_tensor *P = ct_ones(SH(2, 3)), *N = ct_zeros(SH(2, 3));
  l = ct_triplet_margin_loss(A, P, N, .reduction = CT_REDUCTION_NONE);
  assert_string_equal(ct_grad_fn_name(l), "ClampMinBackward0");
  l = ct_triplet_margin_with_distance_loss(A, P, N, .reduction = CT_REDUCTION_NONE);
  assert_string_equal(ct_grad_fn_name(l), "ClampBackward1");
  ct_tensor *X = ct_requires_grad_(F32(SH(2, 3), 0.1, 0.2, 0.3, 1.0, -1.0, 0.5), true);
  l = ct_multi_margin_loss(X, I64(SH(2), 2, 0), .reduction = CT_REDUCTION_NONE);
  assert_string_equal(ct_grad_fn_name(l), "MultiMarginLossBackward0");
  /* row 0: (max(0, 1 - .3 + .1) + max(0, 1 - .3 + .2)) / 3; row 1: (0 + max(0, 1 - 1 + .5)) / 3 */
  expect_vals(l, DV(1.7 / 3, 0.5 / 3), 2, 1e-6, 1e-7);
  l = ct_multilabel_margin_loss(X, I64(SH(2, 3), 2, -1, 0, 0, 1, -1));
  assert_string_equal(ct_grad_fn_name(l), "MultilabelMarginLossBackward0");
  /* output shapes: none keeps (N,); a 1-D input with a 0-dim / 1-D target */
  ct_tensor *x5 = F32(SH(5), 0.1, 0.9, -0.3, 0.4, 0.0);
  assert_int_equal(ct_dim(ct_multi_margin_loss(x5, I64(SH(1), 2), .reduction = CT_REDUCTION_NONE)), 1);
  ct_tensor *t0 = ct_scalar_tensor(2, CT_INT64);
  assert_int_equal(ct_dim(ct_multi_margin_loss(x5, t0, .reduction = CT_REDUCTION_NONE)), 0);
  assert_int_equal(ct_dim(ct_multilabel_margin_loss(x5, I64(SH(5), 1, -1, 0, 0, 0),
                                                    .reduction = CT_REDUCTION_NONE)), 0);
  /* 0-dim input: one frame of one class, loss 0 */
  expect_exact(ct_multi_margin_loss(ct_scalar_tensor(0.5, CT_FLOAT32), ct_scalar_tensor(0, CT_INT64)), 0.0);
  /* an empty batch: none is (0,), sum 0, mean NaN (PyTorch returns an uninitialised value) */
  ct_tensor *e = ct_zeros(SH(0, 4)), *et = ct_zeros(SH(0), .dtype = CT_INT64);
  assert_int_equal(ct_numel(ct_multi_margin_loss(e, et, .reduction = CT_REDUCTION_NONE)), 0);
  expect_exact(ct_multi_margin_loss(e, et, .reduction = CT_REDUCTION_SUM), 0.0);
  assert_true(isnan(ct_item(ct_multi_margin_loss(e, et))));
  assert_true(isnan(ct_item(ct_multilabel_margin_loss(e, ct_zeros(SH(0, 4), .dtype = CT_INT64)))));
  /* weight scales by the target's class; float64 stays float64 */
  ct_tensor *Xd = ct_tensor_from(DV(0.1, 0.2, 0.3, 1.0, -1.0, 0.5), CT_FLOAT64, 2, (int64_t[]){2, 3}), *w = ct_tensor_from(DV(1, 2, 3), CT_FLOAT64, 1, (int64_t[]){3});
  l = ct_multi_margin_loss(Xd, I64(SH(2), 2, 0), .p = 2, .margin = 0.5, .weight = w, .reduction = CT_REDUCTION_SUM);
  assert_int_equal(ct_dtype_of(l), CT_FLOAT64);
  expect_vals(l, DV(3 * (0.09 + 0.16) / 3 + 1 * (0.0 + 0.0) / 3), 1, 1e-12, 1e-12);
  ct_scope_end();
}

/* ---- every error message ------------------------------------------------------------------------ */
static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x3 = ct_zeros(SH(3)), *x31 = ct_zeros(SH(3, 1)), *x4 = ct_zeros(SH(4)), *x34 = ct_zeros(SH(3, 4));
  expect_error(ct_margin_ranking_loss(x3, x31, x3),
               "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
               "input1: torch.Size([3]), input2: torch.Size([3, 1]), target: torch.Size([3]) ");
  expect_error(ct_margin_ranking_loss(x3, x4, x3), "The size of tensor a (3) must match the size of tensor b (4)");
  expect_error(ct_hinge_embedding_loss(x3, x4), "must match the size of tensor");
  expect_error(ct_cosine_embedding_loss(x34, x34, x31), "0D or 1D target tensor expected, multi-target not supported");
  expect_error(ct_cosine_embedding_loss(x34, x34, ct_scalar_tensor(1, CT_FLOAT32)),
               "0D target tensor expects 1D input tensors, but found inputs with sizes [3, 4] and [3, 4].");
  expect_error(ct_cosine_embedding_loss(x4, x4, ct_ones(SH(1))),
               "1D target tensor expects 2D input tensors, but found inputs with sizes [4] and [4].");
  expect_error(ct_triplet_margin_loss(x34, x34, x4), "All inputs should have same dimension but got 2D, 2D and 1D inputs.");
  expect_error(ct_triplet_margin_loss(x34, ct_zeros(SH(3, 5)), x34), "must match the size of tensor");
  ct_tensor *y = I64(SH(3), 1, 2, 3);
  expect_error(ct_multi_margin_loss(x34, I64(SH(3), 1, 2, 4)), "target out of range");
  expect_error(ct_multi_margin_loss(x34, I64(SH(3), 1, 2, -1)), "target out of range");
  expect_error(ct_multi_margin_loss(x34, I64(SH(2), 1, 2)), "inconsistent target size, got: [2]");
  expect_error(ct_multi_margin_loss(x34, y, .p = 3), "only p == 1 and p == 2 supported");
  expect_error(ct_multi_margin_loss(x34, y, .p = 0), "only p == 1 and p == 2 supported");
  expect_error(ct_multi_margin_loss(x34, y, .weight = ct_ones(SH(2, 2))), "weight must be one-dimensional");
  expect_error(ct_multi_margin_loss(x34, y, .weight = ct_ones(SH(3))), "inconsistent weight size, expected 4 but got [3]");
  expect_error(ct_multi_margin_loss(x34, ct_to(y, CT_INT32)), "expected scalar type Long but found Int");
  expect_error(ct_multi_margin_loss(x34, ct_to(y, CT_FLOAT32)), "expected scalar type Long but found Float");
  expect_error(ct_multi_margin_loss(ct_to(x34, CT_FLOAT64), y, .weight = ct_ones(SH(4))),
               "expected scalar type Double but found Float");
  expect_error(ct_multi_margin_loss(ct_zeros(SH(2, 3, 4)), y),
               "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 3, 4]");
  expect_error(ct_multi_margin_loss(ct_zeros(SH(3, 0)), y),
               "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [3, 0]");
  expect_error(ct_multi_margin_loss(ct_to(x34, CT_INT64), y), "\"multi_margin_loss_cpu_kernel\" not implemented for 'Long'");
  expect_error(ct_multi_margin_loss(x34, y, .reduction = CT_REDUCTION_BATCHMEAN),
               "reduction='batchmean' is only valid for kl_div");
  expect_error(ct_multi_margin_loss(x34, y, .reduction = (ct_reduction)7), "7 is not a valid value for reduction");
  ct_tensor *mt = I64(SH(3, 4), 3, 0, -1, 1, 1, 2, 3, 0, -1, 0, 0, 0);
  expect_error(ct_multilabel_margin_loss(x34, I64(SH(3, 4), 3, 0, -1, 1, 1, 2, 4, 0, -1, 0, 0, 0)),
               "argument #2 'target' is out of range");
  expect_error(ct_multilabel_margin_loss(x34, I64(SH(3, 4), 3, 0, -2, 1, 1, 2, 3, 0, -1, 0, 0, 0)),
               "argument #2 'target' is out of range");
  expect_error(ct_multilabel_margin_loss(x34, ct_narrow(mt, 0, 0, 2)), "inconsistent size [2, 4] for argument #2 'target'");
  expect_error(ct_multilabel_margin_loss(x4, I64(SH(3), 0, 1, 2)), "inconsistent size [3] for argument #2 'target'");
  expect_error(ct_multilabel_margin_loss(x34, ct_to(mt, CT_INT32)), "expected scalar type Long but found Int");
  expect_error(ct_multilabel_margin_loss(ct_to(x34, CT_INT64), mt),
               "\"multilabel_margin_loss_forward_out_frame\" not implemented for 'Long'");
  expect_error(ct_multilabel_margin_loss(ct_zeros(SH(2, 3, 4)), mt),
               "Expected non-empty vector or matrix with optional 0-dim batch size, but got: [2, 3, 4]");
  expect_error(ct_hinge_embedding_loss(ct_to(x3, CT_INT64), x3), "mean(): could not infer output dtype");
  expect_error(ct_margin_ranking_loss(x3, x3, x3, .reduction = CT_REDUCTION_BATCHMEAN),
               "reduction='batchmean' is only valid for kl_div");
  ct_scope_end();
}

/* ---- triplet_margin_with_distance_loss with callbacks (seed 001's l_infinity and cosine) --------- */
static ct_tensor *l_infinity(const ct_tensor *x1, const ct_tensor *x2, void *user) {
  (void)user; /* torch.max(torch.abs(x1 - x2), dim=1).values: a tie's gradient goes to the first */
  return ct_max_dim(ct_abs(ct_sub(x1, x2)), 1, false).values;
}
static ct_tensor *cosine_distance(const ct_tensor *x1, const ct_tensor *x2, void *user) {
  int *calls = user;
  ++*calls;
  return ct_rsub_scalar(ct_cosine_similarity(x1, x2), 1.0);
}
static ct_tensor *failing_distance(const ct_tensor *x1, const ct_tensor *x2, void *user) {
  (void)x2, (void)user;
  return ct_narrow(x1, 5, 0, 1); /* a dim x1 does not have */
}
static void triplet_leaves(ct_tensor **A, ct_tensor **P, ct_tensor **N) {
  static const int64_t S[] = {2, 3};
  *A = ct_requires_grad_(ct_tensor_from(DV(0.5, -1.0, 2.0, 1.5, 0.25, -0.75), CT_FLOAT64, 2, S), true);
  *P = ct_requires_grad_(ct_tensor_from(DV(0.0, -0.5, 1.0, 1.0, 1.0, 0.0), CT_FLOAT64, 2, S), true);
  *N = ct_requires_grad_(ct_tensor_from(DV(1.0, 0.5, -1.0, 2.0, -1.0, 0.5), CT_FLOAT64, 2, S), true);
}
static void test_distance_callbacks(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *A, *P, *N;
  triplet_leaves(&A, &P, &N);
  ct_tensor *l = ct_triplet_margin_with_distance_loss(A, P, N, .distance_function = l_infinity, .margin = 1.5);
  expect_vals(l, DV(0.5), 1, 1e-12, 0);
  assert_int_equal(ct_backward(l), 0);
  expect_exact(ct_grad(A), 0, 0, 0, 0, -1, 0);
  expect_exact(ct_grad(P), 0, 0, 0, 0, 0.5, 0);
  expect_exact(ct_grad(N), 0, 0, 0, 0, 0.5, 0);
  triplet_leaves(&A, &P, &N);
  int calls = 0;
  ct_module *m = ct_nn_triplet_margin_with_distance_loss(.distance_function = cosine_distance,
                                                         .distance_user = &calls, .swap = true,
                                                         .reduction = CT_REDUCTION_SUM);
  l = ct_forward(m, A, P, N);
  assert_int_equal(calls, 3); /* d(a, p), d(a, n), d(p, n) */
  expect_vals(l, DV(0x1.c355df5d08b6ap-1), 1, 1e-12, 0);
  assert_int_equal(ct_backward(l), 0);
  expect_vals(ct_grad(A), DV(0, 0, 0, 0x1.46d287657dbc6p-3, -0x1.5407bc89ad72ep-1, 0x1.908ad17c2869cp-4), 6, 1e-10, 1e-12);
  expect_vals(ct_grad(P), DV(0, 0, 0, -0x1.0ae600d199440p-2, 0x1.0ae600d199440p-2, 0x1.4047342eb7eb3p-2), 6, 1e-10, 1e-12);
  expect_vals(ct_grad(N), DV(0, 0, 0, 0x1.39c718401287fp-3, 0x1.7241f8c67c446p-3, -0x1.014c37b9a8cbbp-2), 6, 1e-10, 1e-12);
  ct_test_expect_repr(m, "TripletMarginWithDistanceLoss()", __LINE__);
  /* a callback's error comes through; a NULL without one gets a message */
  expect_error(ct_triplet_margin_with_distance_loss(A, P, N, .distance_function = failing_distance), "Dimension out of range");
  ct_scope_end();
}

/* ---- gradients: gradcheck + gradgradcheck in float64 ---------------------------------------------- */
typedef struct {
  int which;
  ct_reduction r;
  const ct_tensor *target, *weight;
  int64_t p;
  bool swap;
} gcase;
static int run_loss(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  const gcase *c = u;
  switch (c->which) {
  case 0: out[0] = ct_margin_ranking_loss(in[0], in[1], in[2], .margin = 0.3, .reduction = c->r); break;
  case 1: out[0] = ct_hinge_embedding_loss(in[0], c->target, .margin = 0.7, .reduction = c->r); break;
  case 2: out[0] = ct_cosine_embedding_loss(in[0], in[1], c->target, .margin = 0.1, .reduction = c->r); break;
  case 3:
    out[0] = ct_triplet_margin_loss(in[0], in[1], in[2], .margin = 2.0, .p = c->p ? (double)c->p : 2,
                                    .swap = c->swap, .reduction = c->r);
    break;
  case 4:
    out[0] = ct_triplet_margin_with_distance_loss(in[0], in[1], in[2], .margin = 2.0, .swap = c->swap, .reduction = c->r);
    break;
  case 5:
    out[0] = ct_multi_margin_loss(in[0], c->target, .p = c->p, .margin = 0.9, .weight = c->weight, .reduction = c->r);
    break;
  default: out[0] = ct_multilabel_margin_loss(in[0], c->target, .reduction = c->r); break;
  }
  return out[0] ? 0 : -1;
}
static ct_tensor *leaf(int nd, const int64_t *shape, int seed) {
  ct_tensor *t = ct_mul_scalar(ramp(nd, shape, CT_FLOAT64, seed, false), 1.3);
  return ct_requires_grad_(ct_add_scalar(t, 0.01 * seed), true);
}
static void test_gradcheck(void **state) {
  (void)state;
  ct_scope_begin();
  static const ct_reduction REDS[] = {CT_REDUCTION_MEAN, CT_REDUCTION_SUM, CT_REDUCTION_NONE};
  ct_tensor *pm = ct_tensor_from(DV(1, -1, 1, -1, -1), CT_FLOAT64, 1, (int64_t[]){5});
  ct_tensor *cls = I64(SH(4), 0, 2, 4, 1), *mlt = I64(SH(4, 5), 3, 0, -1, 1, 2, 1, 2, 3, 4, 0, -1, 0, 0, 0, 0, 4, 4, -1, 0, 0);
  ct_tensor *w = ct_tensor_from(DV(0.5, 1, 1.5, 2, 0.25), CT_FLOAT64, 1, (int64_t[]){5});
  for (int r = 0; r < 3; r++) {
    /* margin_ranking: input1, input2 and target all differentiable */
    check_grads(run_loss, CT_TENSORS(leaf(SH(5), 1), leaf(SH(5), 2), ct_requires_grad_(ct_clone(pm), true)),
                &(gcase){0, REDS[r]}, "margin_ranking_loss");
    check_grads(run_loss, CT_TENSORS(leaf(SH(5), 3)), &(gcase){1, REDS[r], pm}, "hinge_embedding_loss");
    check_grads(run_loss, CT_TENSORS(leaf(SH(5, 3), 4), leaf(SH(5, 3), 5)), &(gcase){2, REDS[r], pm},
                "cosine_embedding_loss");
    for (int swap = 0; swap < 2; swap++) {
      check_grads(run_loss, CT_TENSORS(leaf(SH(4, 3), 6), leaf(SH(4, 3), 7), leaf(SH(4, 3), 8)),
                  &(gcase){3, REDS[r], .swap = swap}, "triplet_margin_loss");
      check_grads(run_loss, CT_TENSORS(leaf(SH(4, 3), 6), leaf(SH(4, 3), 7), leaf(SH(4, 3), 8)),
                  &(gcase){4, REDS[r], .swap = swap}, "triplet_margin_with_distance_loss");
    }
    check_grads(run_loss, CT_TENSORS(leaf(SH(4, 3), 6), leaf(SH(4, 3), 7), leaf(SH(4, 3), 8)),
                &(gcase){3, REDS[r], .p = 1}, "triplet_margin_loss p=1");
    /* multi_margin / multilabel_margin: PyTorch 1.13 has no double backward; ctorch's backward
     * is written with differentiable ops, so gradgradcheck holds too (p = 2 is not linear) */
    for (int p = 1; p <= 2; p++) {
      check_grads(run_loss, CT_TENSORS(leaf(SH(4, 5), 9)), &(gcase){5, REDS[r], cls, .p = p}, "multi_margin_loss");
      check_grads(run_loss, CT_TENSORS(leaf(SH(4, 5), 9)), &(gcase){5, REDS[r], cls, w, .p = p},
                  "multi_margin_loss weight");
    }
    check_grads(run_loss, CT_TENSORS(leaf(SH(4, 5), 10)), &(gcase){6, REDS[r], mlt}, "multilabel_margin_loss");
  }
  check_grads(run_loss, CT_TENSORS(leaf(SH(5), 11)), &(gcase){5, CT_REDUCTION_NONE, I64(SH(1), 3), .p = 2},
              "multi_margin_loss 1-D");
  check_grads(run_loss, CT_TENSORS(leaf(SH(5), 12)), &(gcase){6, CT_REDUCTION_NONE, I64(SH(5), 1, 4, -1, 0, 0)},
              "multilabel_margin_loss 1-D");
  ct_scope_end();
}

/* ---- modules: printing, state_dict, the registry ----------------------------------------------- */
static ct_module *build(const char *name, ct_values args) { return ct_nn_create(name, &args); }
static void test_modules(void **state) {
  (void)state;
  ct_scope_begin();
  ct_test_expect_repr(ct_nn_margin_ranking_loss(.margin = 0.3), "MarginRankingLoss()", __LINE__);
  ct_test_expect_repr(ct_nn_hinge_embedding_loss(), "HingeEmbeddingLoss()", __LINE__);
  ct_test_expect_repr(ct_nn_cosine_embedding_loss(), "CosineEmbeddingLoss()", __LINE__);
  ct_test_expect_repr(ct_nn_triplet_margin_loss(), "TripletMarginLoss()", __LINE__);
  ct_test_expect_repr(ct_nn_triplet_margin_with_distance_loss(),
                      "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)", __LINE__);
  ct_test_expect_repr(ct_nn_multilabel_margin_loss(), "MultiLabelMarginLoss()", __LINE__);
  /* MultiMarginLoss(weight=w): the buffer "weight", in state_dict, moved by to() */
  ct_tensor *w = ct_tensor_from(DV(1, 2, 3), CT_FLOAT32, 1, (int64_t[]){3});
  ct_module *mm = ct_nn_multi_margin_loss(.weight = w, .p = 2);
  ct_tensor_map *sd = ct_module_state_dict(mm);
  assert_int_equal(ct_tensor_map_size(sd), 1);
  assert_string_equal(ct_tensor_map_name(sd, 0), "weight");
  ct_tensor_map_free(sd);
  assert_int_equal(ct_module_to(mm, CT_FLOAT64), 0);
  ct_tensor *x = ct_tensor_from(DV(0.1, 0.2, 0.3, 1.0, -1.0, 0.5), CT_FLOAT64, 2, (int64_t[]){2, 3});
  ct_tensor *y = I64(SH(2), 2, 0);
  expect_vals(ct_forward(mm, x, y), ct_data_ptr(ct_multi_margin_loss(x, y, .p = 2, .weight = ct_to(w, CT_FLOAT64))),
              1, 0, 0);
  ct_test_expect_repr(mm, "MultiMarginLoss()", __LINE__);
  ct_module *mm0 = ct_nn_multi_margin_loss();
  ct_tensor_map *sd0 = ct_module_state_dict(mm0);
  assert_int_equal(ct_tensor_map_size(sd0), 0);
  ct_tensor_map_free(sd0);
  ct_module_free(mm0);
  expect_error(ct_nn_multi_margin_loss(.p = 3), "only p == 1 and p == 2 supported");
  expect_error(ct_nn_multi_margin_loss(.weight = ct_ones(SH(2, 2))), "weight must be one-dimensional");
  expect_error(ct_nn_margin_ranking_loss(.reduction = CT_REDUCTION_BATCHMEAN), "batchmean is not a valid value for reduction");
  /* the registry: PyTorch's positions, the legacy flags, unknown reductions */
  ct_module *m = build("MarginRankingLoss", CT_VALUES(ct_v_float(0.5), ct_v_none(), ct_v_bool(false)));
  assert_non_null(m);
  expect_exact(ct_forward(m, F32(SH(2), 0, 0), F32(SH(2), 1, 0), F32(SH(2), 1, 1)), 1.5, 0.5);
  ct_module_free(m);
  m = build("MultiMarginLoss", CT_VALUES(ct_v_int(2), ct_v_float(0.5), ct_v_tensor(w), ct_v_kw("reduction", ct_v_str("sum"))));
  assert_non_null(m);
  assert_non_null(ct_module_get_buffer(m, "weight"));
  ct_module_free(m);
  expect_error(build("HingeEmbeddingLoss", CT_VALUES(ct_v_kw("reduction", ct_v_str("avg")))),
               "avg is not a valid value for reduction");
  expect_error(build("TripletMarginWithDistanceLoss", CT_VALUES(ct_v_float(1.0))), "TripletMarginWithDistanceLoss");
  expect_error(build("TripletMarginWithDistanceLoss", CT_VALUES(ct_v_kw("distance_function", ct_v_str("l1")))),
               "distance_function cannot be built");
  m = build("TripletMarginLoss", CT_VALUES(ct_v_float(2.0), ct_v_float(1.0), ct_v_float(1e-3), ct_v_bool(true),
                                           ct_v_kw("reduction", ct_v_str("none"))));
  assert_non_null(m);
  ct_module_free(m);
  /* forward's argument count */
  ct_module *he = ct_nn_hinge_embedding_loss();
  expect_error(ct_forward(he, x), "HingeEmbeddingLoss.forward() takes 2 tensor arguments (input, target) but 1 values were given");
  ct_module_free(he);
  ct_scope_end();
}

/* ---- AdaptiveLogSoftmaxWithLoss ---------------------------------------------------------------------- */
static const double ASM_LP[] = {
    -0x1.82f1f2p+0, -0x1.bcd55cp+0, -0x1.22451p+1, -0x1.144a9cp+1, -0x1.3e0e4p+1, -0x1.5f0098p+1,
    -0x1.5a830cp+1, -0x1.5ac184p+1, -0x1.506a5p+1, -0x1.bc11ap+1, -0x1.198432p+1, -0x1.63d238p+1,
    -0x1.17029ap+0, -0x1.db352cp-1, -0x1.087914p+2, -0x1.567d14p+2, -0x1.59faf6p+2, -0x1.d3e5ap+1,
    -0x1.ccb7c8p+1, -0x1.04861cp+2, -0x1.789d8p+1, -0x1.b053ap+2, -0x1.29fbap+1, -0x1.4ad816p+1,
    -0x1.fb233p+0, -0x1.76b0fp+0, -0x1.49993cp+2, -0x1.c53838p+1, -0x1.3705ccp+0, -0x1.502dd2p+1,
    -0x1.a0d316p+1, -0x1.e47584p+2, -0x1.d13fe8p-5, -0x1.be252p+2, -0x1.995a98p+2, -0x1.72a518p+2,
    -0x1.2849ep+2, -0x1.2f05dap+3, -0x1.e20d64p+2, -0x1.1cc928p+3, -0x1.6452dep+2, -0x1.17f6ecp+1,
    -0x1.b66ce6p+2, -0x1.3cb674p-1, -0x1.e8a65cp+1, -0x1.e2025ep+1, -0x1.455a5ap+2, -0x1.f099bp+0,
    -0x1.c9f02cp+1, -0x1.0e2262p+1, -0x1.16444ap+1, -0x1.2819b2p+1, -0x1.b5eb02p-1, -0x1.e51504p+0,
    -0x1.fa63aap+1, -0x1.efc798p+1, -0x1.d24ffp+1, -0x1.39fd2p+1, -0x1.93054ep+1, -0x1.0584a8p+2};
static const char ASM_REPR[] =
    "AdaptiveLogSoftmaxWithLoss(\n"
    "  (head): Linear(in_features=8, out_features=6, bias=True)\n"
    "  (tail): ModuleList(\n"
    "    (0): Sequential(\n"
    "      (0): Linear(in_features=8, out_features=4, bias=False)\n"
    "      (1): Linear(in_features=4, out_features=3, bias=False)\n"
    "    )\n"
    "    (1): Sequential(\n"
    "      (0): Linear(in_features=8, out_features=2, bias=False)\n"
    "      (1): Linear(in_features=2, out_features=3, bias=False)\n"
    "    )\n"
    "  )\n"
    ")";

static void test_adaptive_log_softmax(void **state) {
  (void)state;
  ct_scope_begin();
  /* torch.manual_seed(0); m = AdaptiveLogSoftmaxWithLoss(8, 10, [4, 7], div_value=2.0,
   * head_bias=True); x = torch.randn(6, 8) * 3 */
  ct_manual_seed(0);
  ct_module *m = ct_nn_adaptive_log_softmax_with_loss(8, 10, CT_INTS(4, 7), .div_value = 2.0, .head_bias = true);
  assert_non_null(m);
  ct_tensor *x = ct_mul_scalar(ct_randn(SH(6, 8)), 3);
  expect_vals(ct_narrow(ct_select(ct_module_get_parameter(m, "head.weight"), 0, 0), 0, 0, 3),
              DV(-0x1.5af244p-9, 0x1.846d38p-3, -0x1.29f962p-2), 3, 0, 0);
  expect_vals(ct_select(ct_module_get_parameter(m, "tail.1.1.weight"), 0, 0),
              DV(0x1.f035cap-2, -0x1.314d1p-1), 2, 0, 0);
  ct_tensor_map *sd = ct_module_state_dict(m);
  static const char *const KEYS[] = {"head.weight", "head.bias", "tail.0.0.weight", "tail.0.1.weight",
                                     "tail.1.0.weight", "tail.1.1.weight"};
  assert_int_equal(ct_tensor_map_size(sd), 6);
  for (int i = 0; i < 6; i++) assert_string_equal(ct_tensor_map_name(sd, i), KEYS[i]);
  ct_tensor_map_free(sd);
  ct_asm_output o = ct_nn_adaptive_log_softmax_forward(m, x, I64(SH(6), 0, 5, 9, 3, 7, 6));
  expect_vals(o.output, DV(-0x1.82f1f2p+0, -0x1.567d14p+2, -0x1.502dd2p+1, -0x1.be252p+2, -0x1.f099bp+0,
                                   -0x1.d24ffp+1), 6, 1e-6, 1e-6);
  expect_vals(o.loss, DV(0x1.d64156p+1), 1, 1e-6, 0);
  assert_string_equal(ct_grad_fn_name(o.output), "AddBackward0");
  assert_string_equal(ct_grad_fn_name(o.loss), "MeanBackward0");
  expect_vals(ct_nn_adaptive_log_softmax_log_prob(m, x), ASM_LP, 60, 1e-6, 1e-6);
  /* row 2's head argmax is a cluster (5): its class comes from the full distribution */
  expect_exact(ct_nn_adaptive_log_softmax_predict(m, x), 0, 3, 8, 2, 3, 2);
  /* unbatched: a 0-dim output */
  o = ct_nn_adaptive_log_softmax_forward(m, ct_select(x, 0, 2), ct_scalar_tensor(9, CT_INT64));
  assert_int_equal(ct_dim(o.output), 0);
  expect_vals(o.output, DV(-0x1.502dd2p+1), 1, 1e-6, 1e-6);
  /* PyTorch's errors */
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, x, I64(SH(6), 0, 5, 10, 3, -1, 6)).output == NULL,
              "Target values should be in [0, 9], but values in range [-1, 10] were found. ");
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, x, I64(SH(5), 0, 5, 1, 3, 1)).output == NULL,
              "Input and target should have the same size in the batch dimension.");
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, ct_zeros(SH(6, 8, 1)), I64(SH(6), 0, 0, 0, 0, 0, 0)).output == NULL,
              "('1D target tensor expects 2D input tensors, but found inputs with size', torch.Size([6, 8, 1]))");
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, x, ct_scalar_tensor(1, CT_INT64)).output == NULL,
              "('0D target tensor expects 1D input tensors, but found inputs with size', torch.Size([6, 8]))");
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, x, ct_zeros(SH(6, 1), .dtype = CT_INT64)).output == NULL,
              "0D or 1D target tensor expected, multi-target not supported");
  expect_fail(ct_nn_adaptive_log_softmax_forward(m, x, ct_zeros(SH(6))).output == NULL,
              "gather(): Expected dtype int64 for index");
  ct_module *id = ct_nn_identity();
  expect_error(ct_nn_adaptive_log_softmax_log_prob(id, x), "expected an AdaptiveLogSoftmaxWithLoss module, got Identity");
  ct_module_free(id);
  ct_test_expect_repr(m, ASM_REPR, __LINE__);
  static const char CUT[] = "cutoffs should be a sequence of unique, positive integers sorted in an "
                            "increasing order, where each value is between 1 and n_classes-1";
  expect_error(ct_nn_adaptive_log_softmax_with_loss(8, 10, CT_INTS(7, 4)), CUT);
  expect_error(ct_nn_adaptive_log_softmax_with_loss(8, 10, CT_INTS(4, 4)), CUT);
  expect_error(ct_nn_adaptive_log_softmax_with_loss(8, 10, CT_INTS(0, 4)), CUT);
  expect_error(ct_nn_adaptive_log_softmax_with_loss(8, 10, CT_INTS(4, 10)), CUT);
  expect_error(ct_nn_adaptive_log_softmax_with_loss(8, 10, (ct_ints){0}), "min() arg is an empty sequence");
  /* the registry: cutoffs as a tuple; 8 // 4.0 ** 2 == 0 gives a width-0 projection */
  ct_module *b = ct_nn_create("AdaptiveLogSoftmaxWithLoss",
                              &CT_VALUES(ct_v_int(8), ct_v_int(10), ct_v_tuple(2), ct_v_int(4), ct_v_int(6)));
  assert_non_null(b);
  assert_int_equal(ct_shape(ct_module_get_parameter(b, "tail.1.0.weight"))[0], 0);
  ct_module_free(b);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_examples),        cmocka_unit_test(test_reductions_and_grad_fns),
      cmocka_unit_test(test_errors),               cmocka_unit_test(test_distance_callbacks),
      cmocka_unit_test(test_gradcheck),            cmocka_unit_test(test_modules),
      cmocka_unit_test(test_adaptive_log_softmax),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
