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

/* ---- the core engine --------------------------------------------------------------------- */
static void test_linear(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = scalar(2, true), *w = scalar(3, true), *b = scalar(1, true);
  ct_tensor *y = ct_add(ct_mul(w, x), b);
  assert_string_equal(ct_grad_fn_name(y), "AddBackward0");
  assert_false(ct_is_leaf(y));
  assert_true(ct_is_leaf(x));
  assert_int_equal(ct_backward(y), 0);
  assert_float_equal(ct_item(ct_grad(x)), 3, 1e-6);
  assert_float_equal(ct_item(ct_grad(w)), 2, 1e-6);
  assert_float_equal(ct_item(ct_grad(b)), 1, 1e-6);
  /* gradients accumulate over a second graph */
  assert_int_equal(ct_backward(ct_add(ct_mul(w, x), b)), 0);
  assert_float_equal(ct_item(ct_grad(x)), 6, 1e-6);
  ct_scope_end();
}

static void test_higher_order(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = scalar(2, true);
  ct_tensor *y = ct_mul(ct_mul(x, x), x); /* x ** 3 */
  ct_tensor *d1, *d2;
  assert_int_equal(ct_autograd_grad(&y, 1, &x, 1, NULL, true, -1, false, &d1), 0);
  assert_float_equal(ct_item(d1), 12, 1e-5);
  assert_true(ct_requires_grad(d1));
  assert_int_equal(ct_autograd_grad(&d1, 1, &x, 1, NULL, false, -1, false, &d2), 0);
  assert_float_equal(ct_item(d2), 12, 1e-5);
  assert_null(ct_grad(x)); /* autograd.grad does not touch .grad */
  ct_scope_end();
}

static void test_retain_grad_and_modes(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){1, 2}, true);
  ct_tensor *h = ct_mul_scalar(x, 3);
  assert_int_equal(ct_retain_grad(h), 0);
  ct_tensor *h2 = ct_mul_scalar(x, 4); /* not retained */
  assert_int_equal(ct_backward(ct_sum(ct_add(ct_mul(h, h), h2))), 0);
  double g[2];
  ct_to_doubles(ct_grad(h), g, 2); /* d/dh sum(h*h) = 2h = [6, 12] */
  assert_float_equal(g[0], 6, 1e-12);
  assert_float_equal(g[1], 12, 1e-12);
  assert_null(ct_grad(h2));
  ct_to_doubles(ct_grad(x), g, 2); /* 18x + 4 */
  assert_float_equal(g[0], 22, 1e-12);
  assert_float_equal(g[1], 40, 1e-12);

  ct_tensor *n = NULL;
  CT_NO_GRAD { n = ct_mul_scalar(x, 2); }
  assert_true(ct_is_grad_enabled());
  assert_false(ct_requires_grad(n));
  assert_null(ct_grad_fn_name(n));
  CT_NO_GRAD {
    CT_ENABLE_GRAD { n = ct_mul_scalar(x, 2); }
    assert_false(ct_is_grad_enabled());
  }
  assert_true(ct_requires_grad(n));

  ct_tensor *d = ct_detach(h);
  assert_false(ct_requires_grad(d));
  assert_true(ct_is_leaf(d));
  assert_true(ct_shares_storage(d, h));
  ct_scope_end();
}

static void test_engine_errors(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){1, 2}, true), *w = vec(2, (double[]){3, 4}, true);
  /* a second backward through freed saved tensors */
  ct_tensor *y = ct_sum(ct_mul(x, w));
  assert_int_equal(ct_backward(y), 0);
  expect_fail(ct_backward(y) != 0, "Trying to backward through the graph a second time");
  /* retain_graph keeps them */
  ct_tensor *y2 = ct_sum(ct_mul(x, w));
  assert_int_equal(ct_backward(y2, .retain_graph = true), 0);
  assert_int_equal(ct_backward(y2), 0);
  /* implicit gradient only for scalars */
  expect_fail(ct_backward(ct_mul(x, w)) != 0, "grad can be implicitly created only for scalar outputs");
  /* a saved tensor modified in place */
  ct_tensor *a = ct_mul_scalar(x, 2);
  ct_tensor *p = ct_sum(ct_mul(a, a));
  assert_non_null(ct_add_scalar_(a, 1));
  assert_int_equal(ct_version(a), 1);
  expect_fail(ct_backward(p) != 0, "one of the variables needed for gradient computation has been "
                                  "modified by an inplace operation: [torch.DoubleTensor [2]], "
                                  "which is output 0 of AddBackward0, is at version 1; expected version 0");
  /* in place on a leaf that requires grad */
  expect_fail(ct_add_scalar_(x, 1) == NULL,
             "a leaf Variable that requires grad is being used in an in-place operation.");
  CT_NO_GRAD { assert_non_null(ct_add_scalar_(ct_detach(x), 0)); }
  /* backward of something that needs no grad */
  expect_fail(ct_backward(ct_ones(CT_SHAPE(1))) != 0,
             "element 0 of tensors does not require grad and does not have a grad_fn");
  /* allow_unused */
  ct_tensor *z = ct_sum(ct_mul_scalar(x, 2)), *r[2];
  expect_fail(ct_autograd_grad(&z, 1, (ct_tensor *[]){x, w}, 2, NULL, false, 1, false, r) != 0,
             "One of the differentiated Tensors appears to not have been used in the graph");
  assert_int_equal(ct_autograd_grad(&z, 1, (ct_tensor *[]){x, w}, 2, NULL, false, 1, true, r), 0);
  assert_non_null(r[0]);
  assert_null(r[1]);
  ct_scope_end();
}

/* ---- custom functions (seed 004) ---------------------------------------------------------- */
/* CustomSigmoid: forward 1 / (1 + exp(-x)), saves the output; backward g * y * (1 - y). */
static int sig_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in; (void)n_out;
  out[0] = ct_div(ct_wrap_scalar(1), ct_add_scalar(ct_exp(ct_neg(in[0])), 1));
  return ct_ctx_save_for_backward(ctx, out[0]);
}
static int sig_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out; (void)n_in;
  ct_tensor *y = ct_ctx_saved(ctx, 0);
  gi[0] = ct_mul(ct_mul(g[0], y), ct_rsub_scalar(y, 1));
  return gi[0] ? 0 : -1;
}
static const ct_function CustomSigmoid = {"CustomSigmoidBackward", sig_fwd, sig_bwd, 1};
static int apply_sig(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out; (void)u;
  return ct_function_apply(&CustomSigmoid, in, n_in, out);
}

/* FusedBiasActivation: relu(x + b.unsqueeze(0)); backward masks g where x + b <= 0. The
 * forward runs without autograd, so it may compute on raw memory. */
static ct_tensor *relu_mask(ct_tensor *x, ct_tensor *b) { /* (x + b > 0) as float64 */
  ct_tensor *s = ct_contiguous(ct_add(ct_detach(x), ct_unsqueeze(ct_detach(b), 0)));
  ct_tensor *m = ct_zeros_like(s);
  for (int64_t i = 0; i < ct_numel(s); i++)
    ((double *)ct_data_ptr(m))[i] = ((double *)ct_data_ptr(s))[i] > 0;
  return m;
}
static int fba_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in; (void)n_out;
  ct_ctx_save_for_backward(ctx, in[0]);
  ct_ctx_save_for_backward(ctx, in[1]);
  out[0] = ct_mul(ct_add(in[0], ct_unsqueeze(in[1], 0)), relu_mask(in[0], in[1]));
  return out[0] ? 0 : -1;
}
static int fba_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out; (void)n_in;
  ct_tensor *x = ct_ctx_saved(ctx, 0), *b = ct_ctx_saved(ctx, 1);
  if (!x || !b) return -1;
  gi[0] = ct_mul(g[0], relu_mask(x, b));
  gi[1] = ct_sum(gi[0], .dim = CT_DIMS(0));
  return 0;
}
static const ct_function FusedBiasActivation = {"FusedBiasActivationBackward", fba_fwd, fba_bwd, 1};
static int apply_fba(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out; (void)u;
  return ct_function_apply(&FusedBiasActivation, in, n_in, out);
}

/* A wrong backward (forgets the factor 2 of x * x) and one that uses ctx data. */
static int sq_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in; (void)n_out;
  double *k = ct_ctx_alloc(ctx, sizeof(double));
  *k = 1; /* the bug under test: should be 2 */
  ct_ctx_save_for_backward(ctx, in[0]);
  out[0] = ct_mul(in[0], in[0]);
  return 0;
}
static int sq_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out; (void)n_in;
  gi[0] = ct_mul_scalar(ct_mul(g[0], ct_ctx_saved(ctx, 0)), *(double *)ct_ctx_data(ctx));
  return 0;
}
static const ct_function WrongSquare = {"WrongSquareBackward", sq_fwd, sq_bwd, 1};
static int apply_sq(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out; (void)u;
  return ct_function_apply(&WrongSquare, in, n_in, out);
}

/* Returns its input as is plus twice it (two outputs); backward sums both. */
static int id_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = in[0];
  out[1] = ct_mul_scalar(in[0], 2);
  return 0;
}
static int id_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)ctx; (void)n_out; (void)n_in;
  gi[0] = ct_add(g[0], ct_mul_scalar(g[1], 2));
  return 0;
}
static const ct_function TwoOut = {"TwoOutBackward", id_fwd, id_bwd, 2};

/* y = x * 1 (a non-leaf), y.mul_(w), y.div_(v): the in-place ops keep the values they
 * overwrite for backward. d/dx sum(x*w/v) = w/v, d/dw = x/v, d/dv = -x*w/v^2. */
static void test_inplace_on_nonleaf(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true), *w = vec(3, (double[]){4, 5, 6}, true);
  ct_tensor *v = vec(3, (double[]){2, 4, 8}, true);
  ct_tensor *y = ct_mul_scalar(x, 1);
  assert_non_null(ct_mul_(y, w));
  assert_non_null(ct_div_(y, v));
  assert_string_equal(ct_grad_fn_name(y), "DivBackward0");
  assert_int_equal(ct_version(y), 2);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  const double xs[3] = {1, 2, 3}, ws[3] = {4, 5, 6}, vs[3] = {2, 4, 8};
  for (int64_t i = 0; i < 3; i++) {
    assert_float_equal(ct_get(ct_grad(x), &i), ws[i] / vs[i], 1e-12);
    assert_float_equal(ct_get(ct_grad(w), &i), xs[i] / vs[i], 1e-12);
    assert_float_equal(ct_get(ct_grad(v), &i), -xs[i] * ws[i] / (vs[i] * vs[i]), 1e-12);
  }
  ct_scope_end();
}

/* y.zero_() / y.fill_(v) on a non-leaf keep it in the graph with a zero gradient. */
static void test_fill_on_nonleaf(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true);
  ct_tensor *y = ct_mul_scalar(x, 2);
  assert_non_null(ct_zero_(y));
  assert_string_equal(ct_grad_fn_name(y), "ZeroBackward0");
  assert_true(ct_requires_grad(y));
  ct_tensor *z = ct_mul_scalar(x, 2);
  assert_non_null(ct_fill_(z, 3));
  assert_string_equal(ct_grad_fn_name(z), "FillBackward2");
  assert_int_equal(ct_backward(ct_sum(ct_add(ct_mul(y, x), z))), 0);
  for (int64_t i = 0; i < 3; i++) assert_float_equal(ct_get(ct_grad(x), &i), 0.0, 0); /* d(0*x+3)/dx */
  expect_fail(!ct_fill_(x, 1), "a leaf Variable that requires grad is being used in an in-place operation.");
  ct_scope_end();
}

/* In-place ops on views: CopySlices on the base, AsStridedBackward0 on the view, stale
 * views rebuilt; numbers from PyTorch 1.13. */
static void test_inplace_on_views(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true), *w = scalar(4, true);
  ct_tensor *w64 = ct_to(w, CT_FLOAT64);
  ct_tensor *c = vec(3, (double[]){1, 2, 3}, false);
  /* y[0].mul_(w): dx = [w, 2, 3] * c-weights, dw = x0 * c0 */
  ct_tensor *y = ct_mul_scalar(x, 1);
  assert_non_null(ct_mul_(ct_select(y, 0, 0), w64));
  assert_string_equal(ct_grad_fn_name(y), "CopySlices");
  assert_string_equal(ct_grad_fn_name(ct_select(y, 0, 0)), "SelectBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, c))), 0);
  expect_exact(ct_grad(x), 4, 2, 3);
  assert_float_equal(ct_item(ct_grad(w)), 1.0, 1e-6);
  /* v = y[1:]; v.add_(1); sum(y*y): dx = 2 * y' = [2, 6, 8] */
  ct_set_grad(x, NULL);
  y = ct_mul_scalar(x, 1);
  ct_tensor *v = ct_slice(y, 0, 1, CT_NONE, 1);
  assert_non_null(ct_add_scalar_(v, 1));
  assert_string_equal(ct_grad_fn_name(v), "AsStridedBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, y))), 0);
  expect_exact(ct_grad(x), 2, 6, 8);
  /* a view taken before its base was written is rebuilt: sum(2*a) reaches x[0:2] only */
  ct_set_grad(x, NULL);
  y = ct_mul_scalar(x, 1);
  ct_tensor *a = ct_slice(y, 0, 0, 2, 1);
  assert_non_null(ct_mul_scalar_(ct_select(y, 0, 2), 3));
  assert_string_equal(ct_grad_fn_name(a), "AsStridedBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(a, 2))), 0);
  expect_exact(ct_grad(x), 2, 2, 0);
  /* PyTorch's errors */
  expect_error(ct_mul_scalar_(ct_select(x, 0, 0), 2),
               "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  expect_error(ct_add_scalar_(ct_expand(ct_ones(CT_SHAPE(1)), CT_SHAPE(3)), 1),
               "more than one element of the written-to tensor refers to a single memory location");
  ct_scope_end();
}

/* f(x, w) = y with y = x * 1 and y[1] *= w: first and second order through CopySlices */
static int inplace_view_fn(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  ct_tensor *y = ct_mul_scalar(in[0], 1);
  ct_tensor *r = ct_mul_(ct_select(y, 0, 1), in[1]);
  out[0] = r ? ct_mul(y, y) : NULL;
  return out[0] ? 0 : -1;
}

static void test_inplace_on_views_gradcheck(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *in[2] = {vec(4, (double[]){0.5, -1.5, 2, 3}, true),
                      ct_requires_grad_(ct_scalar_tensor(1.3, CT_FLOAT64), true)};
  check_grads(inplace_view_fn, in, 2, NULL, "in-place on a view");
  ct_scope_end();
}

/* ctx.needs_input_grad and ctx.mark_non_differentiable: a "sort" returning values and their
 * (float) positions; the positions carry no gradient. */
static bool g_needs[2];
static int vp_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out,
                      int n_out) {
  (void)n_in, (void)n_out;
  g_needs[0] = ct_ctx_needs_input_grad(ctx, 0);
  g_needs[1] = ct_ctx_needs_input_grad(ctx, 1);
  out[0] = ct_mul(in[0], in[1]);
  out[1] = ct_arange(0, 3, 1, .dtype = CT_FLOAT64);
  ct_ctx_save_for_backward(ctx, in[0]);
  ct_ctx_save_for_backward(ctx, in[1]);
  return ct_ctx_mark_non_differentiable(ctx, out[1]);
}
static int vp_backward(ct_function_ctx *ctx, ct_tensor *const *go, int n_out, ct_tensor **gi,
                       int n_in) {
  (void)n_out, (void)n_in;
  /* the non-differentiable output's gradient arrives as zeros */
  if (ct_item(ct_sum(ct_abs(go[1]))) != 0) return -1;
  if (ct_ctx_needs_input_grad(ctx, 0)) gi[0] = ct_mul(go[0], ct_ctx_saved(ctx, 1));
  if (ct_ctx_needs_input_grad(ctx, 1)) gi[1] = ct_mul(go[0], ct_ctx_saved(ctx, 0));
  return 0;
}

static void test_custom_needs_grad_nondiff(void **s) {
  (void)s;
  ct_scope_begin();
  static const ct_function VP = {"VPBackward", vp_forward, vp_backward, 2};
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true), *y = vec(3, (double[]){4, 5, 6}, false);
  ct_tensor *out[2];
  assert_int_equal(ct_function_apply(&VP, (ct_tensor *const[]){x, y}, 2, out), 0);
  assert_true(g_needs[0]);
  assert_false(g_needs[1]);
  assert_true(ct_requires_grad(out[0]));
  assert_false(ct_requires_grad(out[1]));
  assert_null(ct_grad_fn_name(out[1]));
  assert_int_equal(ct_backward(ct_sum(ct_add(out[0], out[1]))), 0);
  expect_exact(ct_grad(x), 4, 5, 6);
  CT_NO_GRAD { /* no grad mode: nothing needs a gradient */
    assert_int_equal(ct_function_apply(&VP, (ct_tensor *const[]){x, y}, 2, out), 0);
  }
  assert_false(g_needs[0]);
  assert_false(ct_ctx_needs_input_grad(NULL, 0));
  ct_scope_end();
}

/* y[1] = 5 (ct_set) on a tensor with history records CopySlices, as PyTorch's indexed write */
static void test_set_under_autograd(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true);
  ct_tensor *y = ct_mul_scalar(x, 3);
  assert_int_equal(ct_set(y, (int64_t[]){1}, 5), 0);
  assert_string_equal(ct_grad_fn_name(y), "CopySlices");
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, y))), 0);
  expect_exact(ct_grad(x), 18, 0, 54);
  expect_fail(ct_set(x, (int64_t[]){0}, 1),
              "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  CT_NO_GRAD { assert_int_equal(ct_set(x, (int64_t[]){0}, 7), 0); } /* allowed without grad */
  assert_float_equal(ct_get(x, (int64_t[]){0}), 7, 0);
  ct_scope_end();
}

static void test_custom_sigmoid(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(4, (double[]){0.3, -1.2, 2.0, 0.0}, true), *y;
  assert_int_equal(ct_function_apply(&CustomSigmoid, &x, 1, &y), 0);
  assert_string_equal(ct_grad_fn_name(y), "CustomSigmoidBackward");
  double v[4];
  ct_to_doubles(y, v, 4);
  assert_float_equal(v[3], 0.5, 1e-12);
  assert_float_equal(v[0], 1 / (1 + exp(-0.3)), 1e-12);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  ct_to_doubles(ct_grad(x), v, 4);
  assert_float_equal(v[3], 0.25, 1e-12);
  assert_float_equal(v[1], exp(1.2) / ((1 + exp(1.2)) * (1 + exp(1.2))), 1e-12);
  /* 梯度检查: True (the seed's check) and second order through the user's backward */
  ct_tensor *in = ct_requires_grad_(ct_tensor_from((double[]){0.1, -0.4, 1.3, 0.7, -2.2, 0.05, 1.1, -0.9, 0.6},
                                                   CT_FLOAT64, 2, (int64_t[]){3, 3}), true);
  assert_true(ct_gradcheck(apply_sig, &in, 1, .eps = 1e-6, .atol = 1e-4));
  assert_true(ct_gradgradcheck(apply_sig, &in, 1));
  /* no grad needed: no node */
  ct_tensor *xn = vec(1, (double[]){1}, false), *yn;
  assert_int_equal(ct_function_apply(&CustomSigmoid, &xn, 1, &yn), 0);
  assert_null(ct_grad_fn_name(yn));
  /* the saved output modified in place */
  ct_tensor *y2;
  ct_function_apply(&CustomSigmoid, &x, 1, &y2);
  CT_NO_GRAD { ct_mul_scalar_(y2, 2); }
  expect_fail(ct_backward(ct_sum(y2)) != 0, "which is output 0 of CustomSigmoidBackward");
  ct_scope_end();
}

static void test_custom_fused_and_more(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from((double[]){0.5, -1.0, 2.0, -0.3, 1.5, -2.5},
                                                  CT_FLOAT64, 2, (int64_t[]){2, 3}), true);
  ct_tensor *b = vec(3, (double[]){0.2, 0.4, -0.1}, true), *y;
  assert_int_equal(ct_function_apply(&FusedBiasActivation, (ct_tensor *[]){x, b}, 2, &y), 0);
  double v[6];
  ct_to_doubles(y, v, 6); /* relu(x + b) */
  assert_float_equal(v[0], 0.7, 1e-12);
  assert_float_equal(v[1], 0, 1e-12);
  assert_float_equal(v[4], 1.9, 1e-12);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  ct_to_doubles(ct_grad(b), v, 3);
  assert_float_equal(v[0], 1, 1e-12);
  assert_float_equal(v[1], 1, 1e-12);
  assert_float_equal(v[2], 1, 1e-12);
  check_grads(apply_fba, (ct_tensor *[]){x, b}, 2, NULL, "FusedBiasActivation");
  /* a wrong backward is caught */
  ct_tensor *w = vec(2, (double[]){0.5, -1.5}, true);
  assert_false(ct_gradcheck(apply_sq, &w, 1, .quiet = true));
  /* an input returned as is gets a new alias with the node; the input keeps its history */
  ct_tensor *o[2];
  assert_int_equal(ct_function_apply(&TwoOut, &w, 1, o), 0);
  assert_true(o[0] != w);
  assert_true(ct_is_leaf(w));
  assert_string_equal(ct_grad_fn_name(o[0]), "TwoOutBackward");
  assert_string_equal(ct_grad_fn_name(o[1]), "TwoOutBackward");
  /* only o[1] used: o[0]'s gradient is materialized as zeros */
  ct_tensor *gw;
  ct_tensor *so = ct_sum(o[1]);
  assert_int_equal(ct_autograd_grad(&so, 1, &w, 1, NULL, false, -1, false, &gw), 0);
  ct_to_doubles(gw, v, 2);
  assert_float_equal(v[0], 2, 1e-12); /* g0 materialized as 0, + 2 * g1 */
  ct_scope_end();
}

static void test_custom_no_leak(void **s) {
  (void)s;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){0.3, -1.2, 2.0}, true), *y;
  for (int i = 0; i < 10; i++) {
    ct_scope_begin();
    ct_function_apply(&CustomSigmoid, &x, 1, &y);
    ct_backward(ct_sum(y));
    ct_scope_end();
  }
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),         cmocka_unit_test(test_higher_order),
      cmocka_unit_test(test_retain_grad_and_modes), cmocka_unit_test(test_engine_errors),
      cmocka_unit_test(test_custom_sigmoid), cmocka_unit_test(test_custom_fused_and_more),
      cmocka_unit_test(test_custom_no_leak), cmocka_unit_test(test_inplace_on_nonleaf),
      cmocka_unit_test(test_fill_on_nonleaf),
      cmocka_unit_test(test_inplace_on_views), cmocka_unit_test(test_inplace_on_views_gradcheck),
      cmocka_unit_test(test_custom_needs_grad_nondiff),
      cmocka_unit_test(test_set_under_autograd)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
