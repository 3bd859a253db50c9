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

/* x = [[1, -2, 3], [4, 0.5, -6]] (float64); expected values from PyTorch 1.13 */
static ct_tensor *X(bool rg) {
  ct_tensor *t = ct_tensor_from((double[]){1, -2, 3, 4, 0.5, -6}, CT_FLOAT64, 2, (int64_t[]){2, 3});
  return ct_requires_grad_(t, rg);
}

/* within tol * (1 + |want|) */
#define EXPECT(t, tol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), tol, tol, #t, __LINE__)

/* torch.sum's result dtype: int64 for ints and bool, or the .dtype asked for */
static void test_sum_dtype(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_tensor_from((int32_t[]){1, 2, 3, 4}, CT_INT32, 2, (int64_t[]){2, 2});
  assert_int_equal(ct_dtype_of(ct_sum(x)), CT_INT64);
  assert_int_equal(ct_dtype_of(ct_sum(ct_to(x, CT_BOOL))), CT_INT64);
  ct_tensor *a = ct_sum(x, .dtype = CT_INT32);
  assert_int_equal(ct_dtype_of(a), CT_INT32);
  assert_int_equal((int)ct_item(a), 10);
  ct_tensor *b = ct_sum(x, .dim = CT_DIMS(0), .dtype = CT_INT16);
  assert_int_equal(ct_dtype_of(b), CT_INT16);
  expect_exact(b, 4, 6);
  ct_tensor *c = ct_sum(x, .dtype = CT_FLOAT64);
  assert_int_equal(ct_dtype_of(c), CT_FLOAT64);
  assert_float_equal(ct_item(c), 10.0, 0);
  ct_scope_end();
}

static void test_prod(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = X(true);
  ct_tensor *p = ct_prod(x, CT_NONE, false);
  EXPECT(p, 1e-12, 72);
  assert_string_equal(ct_grad_fn_name(p), "ProdBackward0");
  ct_tensor *p1 = ct_prod(x, 1, false);
  EXPECT(p1, 1e-12, -6, -12);
  assert_string_equal(ct_grad_fn_name(p1), "ProdBackward1");
  assert_int_equal(ct_dim(ct_prod(x, -1, true)), 2);
  /* ints and bools give int64 */
  ct_tensor *i = ct_tensor_from((int32_t[]){2, 3, 4}, CT_INT32, 1, (int64_t[]){3});
  assert_int_equal(ct_dtype_of(ct_prod(i, CT_NONE, false)), CT_INT64);
  EXPECT(ct_prod(i, 0, false), 0, 24);
  /* empty product is 1 */
  EXPECT(ct_prod(ct_zeros(CT_SHAPE(0)), CT_NONE, false), 0, 1);
  /* zero-safe gradients */
  ct_tensor *z = ct_requires_grad_(ct_tensor_from((double[]){2, 0, 3, 4}, CT_FLOAT64, 1, (int64_t[]){4}), true);
  assert_int_equal(ct_backward(ct_prod(z, CT_NONE, false)), 0);
  EXPECT(ct_grad(z), 1e-12, 0, 24, 0, 0);
  ct_tensor *z2 = ct_requires_grad_(ct_tensor_from((double[]){2, 0, 3, 0}, CT_FLOAT64, 1, (int64_t[]){4}), true);
  assert_int_equal(ct_backward(ct_prod(z2, 0, false)), 0);
  EXPECT(ct_grad(z2), 0, 0, 0, 0, 0);
  expect_error(ct_prod(x, 2, false), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  ct_scope_end();
}

static void test_minmax(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = X(true);
  ct_tensor *a = ct_amax(x);
  EXPECT(a, 0, 4);
  assert_string_equal(ct_grad_fn_name(a), "AmaxBackward0");
  EXPECT(ct_amax(x, .dim = CT_DIMS(0)), 0, 4, 0.5, 3);
  ct_tensor *am = ct_amin(x, .dim = CT_DIMS(1), .keepdim = true);
  EXPECT(am, 0, -2, -6);
  assert_int_equal(ct_dim(am), 2);
  assert_string_equal(ct_grad_fn_name(am), "AminBackward0");
  EXPECT(ct_amax(x, .dim = CT_DIMS(0, 1)), 0, 4);
  assert_string_equal(ct_grad_fn_name(ct_max(x)), "MaxBackward1");
  assert_string_equal(ct_grad_fn_name(ct_min(x)), "MinBackward1");
  EXPECT(ct_min(x), 0, -6);
  ct_tensor_pair mx = ct_max_dim(x, 1, false);
  EXPECT(mx.values, 0, 3, 4);
  EXPECT(mx.indices, 0, 2, 0);
  assert_int_equal(ct_dtype_of(mx.indices), CT_INT64);
  assert_string_equal(ct_grad_fn_name(mx.values), "MaxBackward0");
  ct_tensor_pair mn = ct_min_dim(x, 0, true);
  EXPECT(mn.values, 0, 1, -2, -6);
  EXPECT(mn.indices, 0, 0, 0, 1);
  assert_string_equal(ct_grad_fn_name(mn.values), "MinBackward0");
  EXPECT(ct_argmax(x, CT_NONE, false), 0, 3);
  EXPECT(ct_argmin(x, 0, false), 0, 0, 0, 1);
  assert_int_equal(ct_dim(ct_argmax(x, CT_NONE, true)), 2);
  /* integers keep their dtype */
  ct_tensor *i = ct_tensor_from((int32_t[]){5, -1, 7}, CT_INT32, 1, (int64_t[]){3});
  assert_int_equal(ct_dtype_of(ct_amax(i)), CT_INT32);
  EXPECT(ct_amax(i), 0, 7);
  EXPECT(ct_max_dim(i, 0, false).indices, 0, 2);
  /* NaN propagates */
  ct_tensor *nn = ct_tensor_from((double[]){1, NAN, 3}, CT_FLOAT64, 1, (int64_t[]){3});
  assert_true(isnan(ct_item(ct_max(nn))));
  EXPECT(ct_argmax(nn, 0, false), 0, 1);
  /* ties: amax and max() split evenly, max(dim) picks the index */
  double tie[] = {1, 3, 3, 0};
  ct_tensor *t1 = ct_requires_grad_(ct_tensor_from(tie, CT_FLOAT64, 1, (int64_t[]){4}), true);
  ct_backward(ct_amax(t1));
  EXPECT(ct_grad(t1), 0, 0, 0.5, 0.5, 0);
  ct_tensor *t2 = ct_requires_grad_(ct_tensor_from(tie, CT_FLOAT64, 1, (int64_t[]){4}), true);
  ct_backward(ct_max(t2));
  EXPECT(ct_grad(t2), 0, 0, 0.5, 0.5, 0);
  ct_tensor *t3 = ct_requires_grad_(ct_tensor_from(tie, CT_FLOAT64, 1, (int64_t[]){4}), true);
  ct_backward(ct_max_dim(t3, 0, false).values);
  EXPECT(ct_grad(t3), 0, 0, 1, 0, 0);
  /* errors */
  ct_tensor *e = ct_zeros(CT_SHAPE(0));
  expect_error(ct_max(e), "max(): Expected reduction dim to be specified for input.numel() == 0. "
                        "Specify the reduction dim with the 'dim' argument.");
  expect_error(ct_amax(e), "amax(): Expected reduction dim to be specified for input.numel() == 0.");
  expect_error(ct_argmax(e, CT_NONE, false),
             "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  ct_tensor *e2 = ct_zeros(CT_SHAPE(2, 0));
  expect_error(ct_max_dim(e2, 1, false).values, "max(): Expected reduction dim 1 to have non-zero size.");
  expect_error(ct_argmin(e2, 1, false), "argmin(): Expected reduction dim 1 to have non-zero size.");
  assert_int_equal(ct_numel(ct_amax(e2, .dim = CT_DIMS(0))), 0); /* nothing to reduce over: empty */
  expect_error(ct_max_dim(x, 2, false).values,
             "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_amax(x, .dim = CT_DIMS(0, 0)), "dim 0 appears multiple times in the list of dims");
  expect_error(ct_argmax(ct_tensor_from((bool[]){1, 0}, CT_BOOL, 1, (int64_t[]){2}), CT_NONE, false),
             "\"argmax_cpu\" not implemented for 'Bool'");
  assert_null(ct_amax(NULL));
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_var_std_norm(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = X(true);
  ct_tensor *v = ct_var(x);
  EXPECT(v, 1e-12, 13.241666666666665);
  assert_string_equal(ct_grad_fn_name(v), "VarBackward0");
  EXPECT(ct_var(x, .dim = CT_DIMS(1), .correction = 0), 1e-12, 4.222222222222222, 17.166666666666668);
  ct_tensor *sd = ct_std(x, .dim = CT_DIMS(0));
  EXPECT(sd, 1e-12, 2.1213203435596424, 1.7677669529663689, 6.363961030678928);
  assert_string_equal(ct_grad_fn_name(sd), "StdBackward0");
  /* N - correction <= 0 divides by zero like PyTorch */
  assert_true(isinf(ct_item(ct_var(ct_tensor_from((double[]){1, 2}, CT_FLOAT64, 1, (int64_t[]){2}),
                                    .correction = 3))));
  expect_error(ct_var(ct_tensor_from((int64_t[]){1, 2}, CT_INT64, 1, (int64_t[]){2})),
             "std and var only support floating point and complex dtypes");

  ct_tensor *n = ct_norm(x);
  EXPECT(n, 1e-12, 8.139410298049853);
  assert_string_equal(ct_grad_fn_name(n), "NormBackward1");
  EXPECT(ct_norm(x, .p = 2, .dim = CT_DIMS(1)), 1e-12, 3.7416573867739413, 7.22841614740048);
  EXPECT(ct_norm(x, .p = 1, .dim = CT_DIMS(1)), 1e-12, 6, 10.5);
  EXPECT(ct_norm(x, .p = INFINITY, .dim = CT_DIMS(1)), 1e-12, 3, 6);
  EXPECT(ct_norm(x, .p = -INFINITY, .dim = CT_DIMS(1)), 1e-12, 1, 0.5);
  EXPECT(ct_norm(x, .p = 0, .dim = CT_DIMS(1)), 1e-12, 3, 3);
  EXPECT(ct_norm(x, .p = 3, .dim = CT_DIMS(1)), 1e-12, 3.3019272488946263, 6.5431060071822555);
  EXPECT(ct_norm(x, .p = 0.5, .dim = CT_DIMS(1), .keepdim = true), 1e-12, 17.191508225450303,
         26.59048771101665);
  EXPECT(ct_norm(ct_zeros(CT_SHAPE(0)), .p = INFINITY), 0, 0);
  ct_tensor *ni = ct_requires_grad_(ct_tensor_from((double[]){-3, 1, 3, 0}, CT_FLOAT64, 1, (int64_t[]){4}), true);
  ct_backward(ct_norm(ni, .p = INFINITY));
  EXPECT(ct_grad(ni), 0, -0.5, 0, 0.5, 0);
  /* the gradient of the 2-norm at 0 is 0, not nan */
  ct_tensor *z = ct_requires_grad_(ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64), true);
  ct_backward(ct_norm(z));
  EXPECT(ct_grad(z), 0, 0, 0, 0);
  expect_error(ct_norm(ct_tensor_from((int64_t[]){1, 2}, CT_INT64, 1, (int64_t[]){2})),
             "norm(): input dtype should be either floating point or complex. Got Long instead.");
  ct_scope_end();
}

static void test_lse_allany_cum(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = X(true);
  ct_tensor *l = ct_logsumexp(x, .dim = CT_DIMS(1));
  EXPECT(l, 1e-12, 3.1328452337275756, 4.029794486458149);
  assert_string_equal(ct_grad_fn_name(l), "LogsumexpBackward0");
  EXPECT(ct_logsumexp(x, .dim = CT_DIMS(0, 1)), 1e-12, 4.371831137917677);
  /* large values do not overflow; all -inf stays -inf */
  EXPECT(ct_logsumexp(ct_tensor_from((double[]){1000, 1000}, CT_FLOAT64, 1, (int64_t[]){2}),
                      .dim = CT_DIMS(0)), 1e-12, 1000.6931471805599453);
  EXPECT(ct_logsumexp(ct_tensor_from((double[]){-INFINITY}, CT_FLOAT64, 1, (int64_t[]){1}),
                      .dim = CT_DIMS(0)), 0, -INFINITY);
  assert_int_equal(ct_dtype_of(ct_logsumexp(ct_tensor_from((int64_t[]){1, 2}, CT_INT64, 1,
                                                           (int64_t[]){2}), .dim = CT_DIMS(0))),
                   CT_FLOAT32);

  ct_tensor *b = ct_tensor_from((int64_t[]){0, 1, 1, 1}, CT_INT64, 2, (int64_t[]){2, 2});
  ct_tensor *al = ct_all(b, .dim = CT_DIMS(1));
  assert_int_equal(ct_dtype_of(al), CT_BOOL);
  EXPECT(al, 0, 0, 1);
  EXPECT(ct_any(ct_tensor_from((int64_t[]){0, 1, 0, 0}, CT_INT64, 2, (int64_t[]){2, 2}),
                .dim = CT_DIMS(0)), 0, 0, 1);
  EXPECT(ct_all(ct_zeros(CT_SHAPE(0))), 0, 1);
  EXPECT(ct_any(ct_zeros(CT_SHAPE(0))), 0, 0);
  EXPECT(ct_any(ct_tensor_from((double[]){0, NAN}, CT_FLOAT64, 1, (int64_t[]){2})), 0, 1);
  assert_int_equal(ct_dtype_of(ct_all(ct_tensor_from((uint8_t[]){1, 2}, CT_UINT8, 1, (int64_t[]){2}))),
                   CT_UINT8);

  ct_tensor *cs = ct_cumsum(x, 1);
  EXPECT(cs, 1e-12, 1, -1, 2, 4, 4.5, -1.5);
  assert_string_equal(ct_grad_fn_name(cs), "CumsumBackward0");
  ct_tensor *cp = ct_cumprod(x, 0);
  EXPECT(cp, 1e-12, 1, -2, 3, 4, -1, -18);
  assert_string_equal(ct_grad_fn_name(cp), "CumprodBackward0");
  assert_int_equal(ct_dtype_of(ct_cumsum(ct_tensor_from((bool[]){1}, CT_BOOL, 1, (int64_t[]){1}), 0)),
                   CT_INT64);
  EXPECT(ct_cumprod(ct_tensor_from((int32_t[]){2, 3, 4}, CT_INT32, 1, (int64_t[]){3}), 0), 0, 2, 6, 24);
  ct_tensor *z = ct_requires_grad_(ct_tensor_from((double[]){2, 0, 3, 4}, CT_FLOAT64, 1, (int64_t[]){4}), true);
  ct_backward(ct_sum(ct_cumprod(z, 0)));
  EXPECT(ct_grad(z), 1e-12, 1, 32, 0, 0);
  expect_error(ct_cumsum(x, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  ct_scope_end();
}

static void test_softmax(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = X(true);
  ct_tensor *sm = ct_softmax(x, 1);
  EXPECT(sm, 1e-12, 0.11849965453500959, 0.005899750401902781, 0.8756005950630876,
         0.9706449937424646, 0.029310939042995147, 4.4067214540215444e-05);
  assert_string_equal(ct_grad_fn_name(sm), "SoftmaxBackward0");
  ct_tensor *ls = ct_log_softmax(x, 0);
  EXPECT(ls, 1e-12, -3.048587351573742, -2.5788897342925496, -0.00012340218972333965,
         -0.048587351573741965, -0.07888973429254957, -9.000123402189724);
  assert_string_equal(ct_grad_fn_name(ls), "LogSoftmaxBackward0");
  /* float32, big logits stay finite */
  ct_tensor *f = ct_tensor_from((float[]){1000, 1001}, CT_FLOAT32, 1, (int64_t[]){2});
  EXPECT(ct_softmax(f, 0), 1e-6, 0.2689414213699951, 0.7310585786300049);
  expect_error(ct_softmax(ct_tensor_from((int64_t[]){1, 2}, CT_INT64, 1, (int64_t[]){2}), 0),
             "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'");
  expect_error(ct_log_softmax(x, -3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  assert_int_equal(ct_numel(ct_softmax(ct_zeros(CT_SHAPE(2, 0)), 1)), 0);
  ct_scope_end();
}

/* ---- gradcheck and gradgradcheck of every differentiable reduction ---------------------- */
#define UFN(name, expr)                                                                   \
  static int name(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {  \
    (void)n_in; (void)n_out; (void)u;                                                     \
    ct_tensor *x = in[0];                                                                 \
    out[0] = (expr);                                                                      \
    return out[0] ? 0 : -1;                                                               \
  }
UFN(g_prod, ct_prod(x, CT_NONE, false))
UFN(g_prod1, ct_prod(x, 1, true))
UFN(g_amax, ct_amax(x, .dim = CT_DIMS(0)))
UFN(g_amin, ct_amin(x))
UFN(g_max, ct_max(x))
UFN(g_maxdim, ct_max_dim(x, 1, false).values)
UFN(g_mindim, ct_min_dim(x, 0, true).values)
UFN(g_var, ct_var(x, .dim = CT_DIMS(1)))
UFN(g_std, ct_std(x, .correction = 0))
UFN(g_norm2, ct_norm(x, .dim = CT_DIMS(1)))
UFN(g_norm1, ct_norm(x, .p = 1))
UFN(g_norm3, ct_norm(x, .p = 3, .dim = CT_DIMS(0)))
UFN(g_norm15, ct_norm(x, .p = 1.5))
UFN(g_norminf, ct_norm(x, .p = INFINITY, .dim = CT_DIMS(1)))
UFN(g_lse, ct_logsumexp(x, .dim = CT_DIMS(1)))
UFN(g_cumsum, ct_cumsum(x, 1))
UFN(g_cumprod, ct_cumprod(x, 0))
UFN(g_softmax, ct_softmax(x, 1))
UFN(g_softmax0, ct_softmax(x, 0))
UFN(g_logsoftmax, ct_log_softmax(x, 1))
UFN(g_logsoftmax0, ct_log_softmax(x, 0))

static void test_gradchecks(void **s) {
  (void)s;
  ct_scope_begin();
  ct_fn fns[] = {g_prod, g_prod1, g_amax, g_amin, g_max, g_maxdim, g_mindim, g_var, g_std,
                 g_norm2, g_norm1, g_norm3, g_norm15, g_norminf, g_lse, g_cumsum, g_cumprod,
                 g_softmax, g_softmax0, g_logsoftmax, g_logsoftmax0};
  ct_tensor *x = ct_requires_grad_(
      ct_tensor_from((double[]){1.2, -2.1, 3.3, 4.4, 0.5, -6.6}, CT_FLOAT64, 2, (int64_t[]){2, 3}), true);
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    char what[32];
    snprintf(what, sizeof what, "function %zu", i);
    check_grads(fns[i], &x, 1, NULL, what);
  }
  /* products through zeros: one zero per slice is exact to second order */
  ct_tensor *z = ct_requires_grad_(
      ct_tensor_from((double[]){1.2, 0, 3.3, 4.4, 0.5, -6.6}, CT_FLOAT64, 2, (int64_t[]){2, 3}), true);
  check_grads(g_prod, &z, 1, NULL, "prod");
  check_grads(g_prod1, &z, 1, NULL, "prod dim 1");
  assert_true(ct_gradcheck(g_cumprod, &z, 1));
  ct_scope_end();
}

/* ---- prod / cumprod through zeros: first and second derivatives -------------------------
 * Rows of ZA hold 0, 1 and 2 zeros; its columns 2, 0, 1 and 0. The expected numbers come
 * from /usr/bin/python3 torch 1.13: g = autograd.grad(f(x), x, w, create_graph=True), then
 * h = autograd.grad(g, x, v), with w_i = 0.5 + 0.25 i over f(x) and v_i = ((3 i) % 5 - 2) / 2
 * over x. PyTorch 1.13's full prod returns an undifferentiable zeros_like for two or more
 * zeros, so those rows were taken from x.reshape(-1).prod(0), the same function. */
static const double ZA[] = {1.5, -2, 0.5, 2, 0, 1.25, -0.75, 3, 0, 2, 0, -1.5};
static const double ZF[4][4] = {{1.5, -2, 0.5, 2}, {1.5, 0, 0.5, 2}, {0, -2, 0.5, 0}, {0, 0, 0.5, 0}};

typedef ct_tensor *(*z_op)(ct_tensor *x);
static ct_tensor *z_full(ct_tensor *x) { return ct_prod(x, CT_NONE, false); }
static ct_tensor *z_prod1(ct_tensor *x) { return ct_prod(x, 1, false); }
static ct_tensor *z_prod0k(ct_tensor *x) { return ct_prod(x, 0, true); }
static ct_tensor *z_cumprod1(ct_tensor *x) { return ct_cumprod(x, 1); }
static ct_tensor *z_cumprod0(ct_tensor *x) { return ct_cumprod(x, 0); }

/* the script's weights shaped like `like`: w (second = false) or v */
static ct_tensor *z_weights(const ct_tensor *like, bool second) {
  double v[16];
  int64_t n = ct_numel(like);
  for (int64_t i = 0; i < n; i++) v[i] = second ? (double)((i * 3) % 5 - 2) * 0.5 : 0.5 + 0.25 * (double)i;
  return ct_to(ct_tensor_from(v, CT_FLOAT64, ct_dim(like), ct_shape(like)), ct_dtype_of(like));
}

static void z_expect(z_op op, const double *x, int64_t rows, int64_t cols, const double *g_want,
                     const double *h_want, const char *what, int line) {
  for (int k = 0; k < 2; k++) {
    ct_dtype dt = k ? CT_FLOAT32 : CT_FLOAT64;
    double tol = k ? 1e-5 : 1e-12;
    ct_tensor *xt = ct_to(ct_tensor_from(x, CT_FLOAT64, 2, (int64_t[]){rows, cols}), dt);
    ct_requires_grad_(xt, true);
    ct_tensor *y = op(xt), *w = z_weights(y, false), *v = z_weights(xt, true), *g = NULL, *h = NULL;
    if (ct_autograd_grad(&y, 1, &xt, 1, &w, true, -1, false, &g) || !ct_requires_grad(g))
      fail_msg("%s (line %d): first gradient has no graph: %s", what, line, ct_last_error());
    if (ct_autograd_grad(&g, 1, &xt, 1, &v, false, -1, false, &h))
      fail_msg("%s (line %d): second gradient failed: %s", what, line, ct_last_error());
    ct_test_expect_vals(g, g_want, rows * cols, tol, tol, what, line);
    ct_test_expect_vals(h, h_want, rows * cols, tol, tol, what, line);
  }
}
#define Z_EXPECT(op, x, r, c, g, h) z_expect(op, x, r, c, (const double[])g, (const double[])h, #op, __LINE__)
#define L(...) {__VA_ARGS__}

UFN(g_prod1n, ct_prod(x, 1, false))
UFN(g_prod0k, ct_prod(x, 0, true))
UFN(g_cumprod1, ct_cumprod(x, 1))

static void test_prod_cumprod_zeros(void **s) {
  (void)s;
  ct_scope_begin();
  Z_EXPECT(z_full, ZF[0], 2, 2, L(-1, 0.75, -3, -0.75), L(0.75, -0.875, 1.25, 1.4375));
  Z_EXPECT(z_full, ZF[1], 2, 2, L(0, 0.75, 0, 0), L(0.25, -0.875, 0.75, 0.1875));
  Z_EXPECT(z_full, ZF[2], 2, 2, L(0, 0, 0, 0), L(-0.5, 0, 0, 0.5));
  Z_EXPECT(z_full, ZF[3], 2, 2, L(0, 0, 0, 0), L(0, 0, 0, 0));
  Z_EXPECT(z_prod1, ZA, 3, 4, L(-1, 0.75, -3, -0.75, -2.109375, 0, 0, 0, 0, 0, 0, 0),
           L(0.75, -0.875, 1.25, 1.4375, 3.4453125, 0, 0, 0, 3, 0, -3, 0));
  Z_EXPECT(z_prod0k, ZA, 3, 4, L(0, 1.875, 0, -5.625, 0, -3, 0, -3.75, 0, -1.875, -0.375, 7.5),
           L(0, -1.5, 0.75, 2.8125, 0.75, 0.75, -0.5, -0.625, 0, 1.96875, 0.625, 2.5));
  Z_EXPECT(z_cumprod1, ZA, 3, 4, L(-4.5, 3.75, -10.5, -1.875, -4.515625, 0, 0, 0, 8, 0, 0, 0),
           L(3.5, -4.1875, 5.875, 3.59375, 11.3359375, 0, 0, 0, 3.75, 2.75, -3.75, 0));
  Z_EXPECT(z_cumprod0, ZA, 3, 4, L(0.5, 9.8125, -0.5, -6.625, 2.25, -14.5, 1, -5.25, 0, -6.875, -1.125, 19.5),
           L(0, -7.25, 3.25, 6.1875, 2.25, 3.625, -2.5, 0.625, 0, 7.21875, 1.875, 6.5));

  /* x = [0, 0, 2]: d2 prod / dx0 dx1 = x2 = 2 (the row of the Hessian for x0) */
  ct_tensor *x = vec(3, (double[]){0, 0, 2}, true), *g = NULL, *h = NULL, *p = ct_prod(x, CT_NONE, false);
  assert_int_equal(ct_autograd_grad(&p, 1, &x, 1, NULL, true, -1, false, &g), 0);
  ct_tensor *g0 = ct_select(g, 0, 0);
  assert_int_equal(ct_autograd_grad(&g0, 1, &x, 1, NULL, false, -1, false, &h), 0);
  expect_exact(h, 0, 2, 0);

  /* gradcheck + gradgradcheck in float64 for every zero count */
  ct_tensor *za = ct_requires_grad_(ct_tensor_from(ZA, CT_FLOAT64, 2, (int64_t[]){3, 4}), true);
  ct_fn dim_fns[] = {g_prod1, g_prod1n, g_prod0k, g_cumprod, g_cumprod1};
  for (size_t i = 0; i < sizeof dim_fns / sizeof dim_fns[0]; i++) {
    char what[32];
    snprintf(what, sizeof what, "zeros, function %zu", i);
    check_grads(dim_fns[i], &za, 1, NULL, what);
  }
  for (int k = 0; k < 4; k++) {
    ct_tensor *zf = ct_requires_grad_(ct_tensor_from(ZF[k], CT_FLOAT64, 2, (int64_t[]){2, 2}), true);
    check_grads(g_prod, &zf, 1, NULL, "full prod through zeros");
    check_grads(g_cumprod, &zf, 1, NULL, "cumprod through zeros");
  }
  /* a long line: the backward's log-step scan crosses several widths */
  double lv[11];
  for (int i = 0; i < 11; i++) lv[i] = i % 4 == 1 ? 0 : 0.75 + 0.125 * i;
  ct_tensor *lx = vec(11, lv, true);
  check_grads(g_cumprod, &lx, 1, NULL, "long cumprod through zeros");
  check_grads(g_prod, &lx, 1, NULL, "long prod through zeros");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sum_dtype), cmocka_unit_test(test_prod),         cmocka_unit_test(test_minmax),
      cmocka_unit_test(test_var_std_norm), cmocka_unit_test(test_lse_allany_cum),
      cmocka_unit_test(test_softmax),      cmocka_unit_test(test_gradchecks),
      cmocka_unit_test(test_prod_cumprod_zeros)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
