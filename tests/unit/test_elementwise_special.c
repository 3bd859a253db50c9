/* The elementwise list of issue 12 (src/ops/unary_special.c, binary_math.c, bitwise.c):
 * values at special points (inf, nan, -0.0, poles, domain edges) against PyTorch 1.13,
 * promotion, PyTorch's errors, grad_fn names, in-place forms through the one driver, and
 * gradcheck + gradgradcheck in float64. Bulk values against PyTorch: the parity cases of
 * tools/parity/specs_elementwise.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *dvec(const double *v, int n) { return ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){n}); }
static ct_tensor *fvec(const double *v, int n) { return ct_to(dvec(v, n), CT_FLOAT32); }
static ct_tensor *ivec(const int64_t *v, int n) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }
static ct_tensor *leaf(const double *v, int n) { return ct_requires_grad_(dvec(v, n), true); }
#define D(...) dvec((const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define F(...) fvec((const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define L(...) ivec((const int64_t[]){__VA_ARGS__}, sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

/* every value of t (any dtype) equals want exactly, NaN matching NaN and the sign of zeros */
static void sign_exact(int line, const ct_tensor *t, const double *want, int n) {
  double got[16];
  if (!t) fail_msg("line %d: failed: %s", line, ct_last_error() ? ct_last_error() : "");
  assert_int_equal(ct_numel(t), n);
  ct_to_doubles(t, got, n);
  for (int i = 0; i < n; i++) {
    bool same = (isnan(got[i]) && isnan(want[i])) ||
                (got[i] == want[i] && signbit(got[i]) == signbit(want[i]));
    if (!same) fail_msg("line %d: [%d] got %.17g, want %.17g", line, i, got[i], want[i]);
  }
}
#define EXACT(t, ...)                                                                    \
  sign_exact(__LINE__, t, (const double[]){__VA_ARGS__},                               \
               sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
/* close to want (rtol 1e-12 for float64 results, 1e-6 for float32) */
static void near_vals(int line, const ct_tensor *t, const double *want, int n) {
  double got[16], tol = ct_dtype_of(t) == CT_FLOAT32 ? 1e-6 : 1e-12;
  assert_int_equal(ct_numel(t), n);
  ct_to_doubles(t, got, n);
  for (int i = 0; i < n; i++)
    if (!ct_test_close(got[i], want[i], tol, tol))
      fail_msg("line %d: [%d] got %.17g, want %.17g", line, i, got[i], want[i]);
}
#define NEAR(t, ...)                                                                     \
  near_vals(__LINE__, t, (const double[]){__VA_ARGS__},                                \
              sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

static const double INF = INFINITY;
/* a vector in the loop's dtype (mk: dvec or fvec) */
#define V(...) mk((const double[]){__VA_ARGS__}, sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

/* ---- unary: special values (PyTorch 1.13's outputs) ----------------------------------------- */
static void test_unary_special_values(void **state) {
  (void)state;
  ct_scope_begin();
  for (int f32 = 0; f32 < 2; f32++) {
    ct_tensor *(*mk)(const double *, int) = f32 ? fvec : dvec;
    EXACT(ct_digamma(V(0.0, -0.0, -1.0, -2.0, INF, -INF, NAN)), -INF, INF, NAN, NAN, INF, NAN, NAN);
    EXACT(ct_digamma(V(1.0, 10.0)), f32 ? -0.5772159099578857 : -0.5772156649015328,
          f32 ? 2.2517526149749756 : 2.251752589066721);
    EXACT(ct_erfinv(V(1.0, -1.0, 1.5, -1.5, NAN, 0.0, -0.0)), INF, -INF, NAN, NAN, NAN, 0.0, -0.0);
    EXACT(ct_lgamma(V(1.0, 2.0, 0.0, -1.0, INF, -INF)), 0.0, 0.0, INF, INF, INF, INF);
    EXACT(ct_sinc(V(0.0, -0.0, 1.0, INF, NAN)), 1.0, 1.0, f32 ? -2.7827534054836178e-08 : 3.8981718325193755e-17, NAN, NAN);
    /* PyTorch: 1 - 1 ulp in float32 at 0, and inf / inf at inf */
    double i00 = f32 ? 0.9999999403953552 : 1.0;
    EXACT(ct_i0(V(0.0, -0.0, INF, -INF, NAN)), i00, i00, NAN, NAN, NAN);
    EXACT(ct_logit(V(0.0, 1.0, 0.5, -0.5, NAN), -1), -INF, INF, 0.0, NAN, NAN);
    EXACT(ct_frac(V(-2.5, -0.0, INF, -INF, NAN, 3.0)), -0.5, 0.0, NAN, NAN, NAN, 0.0);
    EXACT(ct_asinh(V(-0.0, INF, -INF)), -0.0, INF, -INF);
    EXACT(ct_acosh(V(1.0, 0.5, INF)), 0.0, NAN, INF);
    EXACT(ct_atanh(V(1.0, -1.0, 2.0, -0.0)), INF, -INF, NAN, -0.0);
    EXACT(ct_erfc(V(INF, -INF, 0.0)), 0.0, 2.0, 1.0);
    /* trigamma's reflection at -1 is huge, not inf (sin(pi x) is not exactly 0), as PyTorch */
    EXACT(ct_polygamma(1, V(0.0, -1.0)), INF, f32 ? 1291369695936512.0 : 6.580790147320947e+32);
    EXACT(ct_polygamma(2, V(0.0, -1.0)), -INF, -INF);
    double mx = f32 ? FLT_MAX : DBL_MAX;
    EXACT(ct_nan_to_num(V(NAN, INF, -INF, -0.0), 0, NAN, NAN), 0.0, mx, -mx, -0.0);
    EXACT(ct_nan_to_num(V(NAN, INF, -INF), -1, 5, NAN), -1.0, 5.0, -mx);
    EXACT(ct_isfinite(V(1.0, INF, -INF, NAN, -0.0)), 1, 0, 0, 0, 1);
    EXACT(ct_isposinf(V(1.0, INF, -INF, NAN)), 0, 1, 0, 0);
    EXACT(ct_isneginf(V(1.0, INF, -INF, NAN)), 0, 0, 1, 0);
    EXACT(ct_signbit(V(-0.0, 0.0, -INF, -NAN, NAN, 2.0)), 1, 0, 1, 1, 0, 0);
    EXACT(ct_isreal(V(NAN, INF)), 1, 1);
  }
  /* mvlgamma(x, 1) is lgamma; p = 2 adds lgamma(x - 1/2) + log(pi)/2 */
  NEAR(ct_mvlgamma(D(2.5, 4.0), 1), lgamma(2.5), lgamma(4.0));
  NEAR(ct_mvlgamma(D(2.5, 4.0), 2), lgamma(2.5) + lgamma(2.0) + 0.5 * log(M_PI),
       lgamma(4.0) + lgamma(3.5) + 0.5 * log(M_PI));
  NEAR(ct_polygamma(1, D(1.0)), 1.6449340676383375); /* PyTorch: pi^2/6 within its series error */
  NEAR(ct_polygamma(2, D(1.0)), -2.4041138063191885); /* -2 zeta(3) */
  NEAR(ct_deg2rad(D(180.0, -90.0)), M_PI, -M_PI / 2);
  NEAR(ct_rad2deg(D(M_PI)), 180.0);
  NEAR(ct_logit(D(0.0, 1.0, 0.3), 0.25), log(0.25 / 0.75), log(0.75 / 0.25), log(0.3 / 0.7));
  ct_scope_end();
}

/* integer and bool inputs: float functions give the default float dtype, tests give bool */
static void test_unary_dtypes(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *i = L(1, 2, -3);
  ct_tensor *(*const float_fns[])(const ct_tensor *) = {ct_sinh, ct_cosh, ct_asinh, ct_acosh, ct_atanh,
                                                        ct_asin, ct_acos, ct_atan, ct_lgamma, ct_digamma,
                                                        ct_erfc, ct_erfinv, ct_i0, ct_sinc, ct_deg2rad,
                                                        ct_rad2deg, ct_special_expit};
  for (size_t k = 0; k < sizeof float_fns / sizeof *float_fns; k++) {
    ct_tensor *y = float_fns[k](i);
    assert_non_null(y);
    assert_int_equal(ct_dtype_of(y), CT_FLOAT32);
  }
  EXACT(ct_sinc(i), -2.7827534054836178e-08, 2.7827534054836178e-08, -2.530538223410872e-09);
  assert_int_equal(ct_dtype_of(ct_polygamma(1, i)), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(ct_mvlgamma(i, 1)), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(ct_logit(i, -1)), CT_FLOAT32);
  ct_tensor *c = ct_nan_to_num(i, 0, NAN, NAN); /* integers are copied unchanged */
  assert_int_equal(ct_dtype_of(c), CT_INT64);
  EXACT(c, 1, 2, -3);
  EXACT(ct_isfinite(i), 1, 1, 1);
  EXACT(ct_isposinf(i), 0, 0, 0);
  EXACT(ct_signbit(i), 0, 0, 1);
  EXACT(ct_signbit(ct_ne_scalar(i, 2)), 0, 0, 0);
  assert_int_equal(ct_dtype_of(ct_isfinite(D(1.0))), CT_BOOL);
  ct_scope_end();
}

static void test_unary_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *i = L(1, 2), *b = ct_ne_scalar(i, 1);
  expect_error(ct_frac(i), "\"frac_cpu\" not implemented for 'Long'");
  expect_error(ct_polygamma(-1, D(1.0)), "polygamma(n, x) does not support negative n.");
  expect_error(ct_mvlgamma(b, 2), "The input tensor may not be a boolean tensor.");
  expect_error(ct_mvlgamma(D(3.0), 0), "p has to be greater than or equal to 1");
  expect_error(ct_sinh_(i), "result type Float can't be cast to the desired output type Long");
  expect_error(ct_frac_(i), "\"frac_cpu\" not implemented for 'Long'");
  expect_error(ct_polygamma_(D(1.0), -2), "polygamma(n, x) does not support negative n.");
  expect_error(ct_mvlgamma_(D(3.0), 0), "p has to be greater than or equal to 1");
  assert_null(ct_sinh(NULL));
  assert_null(ct_last_error());
  ct_scope_end();
}

/* ---- gradients ---------------------------------------------------------------------------- */
static ct_tensor *poly0(const ct_tensor *t) { return ct_polygamma(0, t); }
static ct_tensor *poly1(const ct_tensor *t) { return ct_polygamma(1, t); }
static ct_tensor *poly3(const ct_tensor *t) { return ct_polygamma(3, t); }
static ct_tensor *mvl3(const ct_tensor *t) { return ct_mvlgamma(t, 3); }
static ct_tensor *logit_none(const ct_tensor *t) { return ct_logit(t, -1); }
static ct_tensor *logit_eps(const ct_tensor *t) { return ct_logit(t, 0.2); }
static ct_tensor *nan_to_num0(const ct_tensor *t) { return ct_nan_to_num(t, 0, NAN, NAN); }

typedef struct {
  const char *name;
  ct_tensor *(*fn)(const ct_tensor *);
  double x[4];
  const char *grad_fn;
} unary_case;
static const unary_case unary_cases[] = {
    {"sinh", ct_sinh, {-1.5, -0.3, 0.4, 2.0}, "SinhBackward0"},
    {"cosh", ct_cosh, {-1.5, -0.3, 0.4, 2.0}, "CoshBackward0"},
    {"asinh", ct_asinh, {-3.0, -0.3, 0.4, 5.0}, "AsinhBackward0"},
    {"acosh", ct_acosh, {1.2, 1.7, 3.0, 10.0}, "AcoshBackward0"},
    {"atanh", ct_atanh, {-0.8, -0.3, 0.4, 0.7}, "AtanhBackward0"},
    {"asin", ct_asin, {-0.8, -0.3, 0.4, 0.7}, "AsinBackward0"},
    {"acos", ct_acos, {-0.8, -0.3, 0.4, 0.7}, "AcosBackward0"},
    {"atan", ct_atan, {-3.0, -0.3, 0.4, 5.0}, "AtanBackward0"},
    {"lgamma", ct_lgamma, {-2.5, -0.5, 0.7, 6.0}, "LgammaBackward0"},
    {"digamma", ct_digamma, {-2.5, -0.5, 0.7, 12.0}, "DigammaBackward0"},
    {"polygamma0", poly0, {-1.5, 0.5, 2.0, 11.0}, "PolygammaBackward0"},
    {"polygamma1", poly1, {-1.5, 0.5, 2.0, 11.0}, "PolygammaBackward0"},
    {"polygamma3", poly3, {0.3, 0.5, 2.0, 11.0}, "PolygammaBackward0"},
    {"mvlgamma", mvl3, {1.2, 2.0, 3.5, 8.0}, "MvlgammaBackward0"},
    {"erfc", ct_erfc, {-1.5, -0.3, 0.4, 2.0}, "ErfcBackward0"},
    {"erfinv", ct_erfinv, {-0.8, -0.3, 0.4, 0.7}, "ErfinvBackward0"},
    {"i0", ct_i0, {-9.0, -0.3, 0.4, 5.0}, "I0Backward0"},
    {"sinc", ct_sinc, {-1.5, -0.3, 0.4, 2.2}, "SincBackward0"},
    {"logit", logit_none, {0.1, 0.3, 0.6, 0.9}, "LogitBackward0"},
    {"logit_eps", logit_eps, {0.1, 0.3, 0.6, 0.9}, "LogitBackward0"},
    {"expit", ct_special_expit, {-1.5, -0.3, 0.4, 2.0}, "SigmoidBackward0"},
    {"frac", ct_frac, {-1.5, -0.3, 0.4, 2.2}, "FracBackward0"},
    {"deg2rad", ct_deg2rad, {-1.5, -0.3, 0.4, 2.2}, "Deg2RadBackward0"},
    {"rad2deg", ct_rad2deg, {-1.5, -0.3, 0.4, 2.2}, "Rad2DegBackward0"},
    {"nan_to_num", nan_to_num0, {-1.5, -0.3, 0.4, 2.2}, "NanToNumBackward0"},
};

static void test_unary_grads_and_names(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof unary_cases / sizeof *unary_cases; k++) {
    const unary_case *c = &unary_cases[k];
    ct_scope_begin();
    ct_tensor *x = leaf(c->x, 4);
    ct_tensor *y = c->fn(x);
    assert_non_null(y);
    if (strcmp(ct_grad_fn_name(y), c->grad_fn))
      fail_msg("%s: grad_fn %s, PyTorch %s", c->name, ct_grad_fn_name(y), c->grad_fn);
    op_ref op = {.u = c->fn};
    check_grads(run_unary, (ct_tensor *[]){x}, 1, &op, c->name);
    ct_scope_end();
  }
}

/* the gradients at the edges: zero where logit's eps clamps, where sinc's x is 0, where
 * nan_to_num replaced a value; NaN outside logit's domain without eps */
static void test_gradient_edges(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = leaf((const double[]){0.1, 0.5, 0.95}, 3);
  assert_int_equal(ct_backward(ct_sum(ct_logit(x, 0.2))), 0);
  NEAR(ct_grad(x), 0.0, 4.0, 0.0);
  ct_tensor *z = leaf((const double[]){0.0, 1.0}, 2);
  assert_int_equal(ct_backward(ct_sum(ct_sinc(z))), 0);
  NEAR(ct_grad(z), 0.0, -1.0);
  ct_tensor *w = leaf((const double[]){NAN, INF, 2.0}, 3);
  assert_int_equal(ct_backward(ct_sum(ct_nan_to_num(w, 0, NAN, NAN))), 0);
  EXACT(ct_grad(w), 0.0, 0.0, 1.0);
  ct_tensor *u = leaf((const double[]){-0.5, 1.5}, 2);
  assert_int_equal(ct_backward(ct_sum(ct_logit(u, -1))), 0);
  EXACT(ct_grad(u), NAN, NAN);
  ct_scope_end();
}

/* ---- in-place forms ---------------------------------------------------------------------- */
static void test_unary_inplace(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *(*const ip[])(ct_tensor *) = {ct_sinh_, ct_cosh_, ct_asinh_, ct_atanh_, ct_asin_, ct_acos_,
                                           ct_atan_, ct_lgamma_, ct_digamma_, ct_erfc_, ct_erfinv_,
                                           ct_i0_, ct_sinc_, ct_frac_, ct_deg2rad_, ct_rad2deg_};
  ct_tensor *(*const op[])(const ct_tensor *) = {ct_sinh, ct_cosh, ct_asinh, ct_atanh, ct_asin, ct_acos,
                                                 ct_atan, ct_lgamma, ct_digamma, ct_erfc, ct_erfinv,
                                                 ct_i0, ct_sinc, ct_frac, ct_deg2rad, ct_rad2deg};
  for (size_t k = 0; k < sizeof ip / sizeof *ip; k++) {
    for (int f32 = 0; f32 < 2; f32++) {
      ct_tensor *x = f32 ? F(-0.5, 0.25, 0.75) : D(-0.5, 0.25, 0.75);
      ct_tensor *want = op[k](x);
      /* a strided view: the driver writes through it */
      ct_tensor *base = ct_zeros(CT_SHAPE(3, 2), .dtype = f32 ? CT_FLOAT32 : CT_FLOAT64);
      ct_tensor *col = ct_select(base, 1, 1);
      ct_copy_(col, x);
      assert_ptr_equal(ip[k](col), col);
      assert_true(ct_test_same(col, want));
    }
  }
  ct_tensor *a = D(1.5, 3.0);
  assert_ptr_equal(ct_acosh_(a), a);
  NEAR(a, acosh(1.5), acosh(3.0));
  ct_tensor *p = D(0.5, 2.0);
  ct_polygamma_(p, 1);
  NEAR(p, 4.934802202073678, 0.6449340670881899); /* PyTorch's trigamma series */
  ct_tensor *m = D(2.5);
  ct_mvlgamma_(m, 2);
  NEAR(m, lgamma(2.5) + lgamma(2.0) + 0.5 * log(M_PI));
  ct_tensor *l = D(0.0, 0.5);
  ct_logit_(l, 0.25);
  NEAR(l, log(1.0 / 3.0), 0.0);
  ct_tensor *n = F(NAN, -INF);
  ct_nan_to_num_(n, 1, NAN, NAN);
  EXACT(n, 1.0, -FLT_MAX);
  ct_tensor *i = L(3, 4);
  assert_ptr_equal(ct_nan_to_num_(i, 0, NAN, NAN), i);
  ct_scope_end();
}

/* with autograd: PyTorch's nodes (Backward1 for polygamma_; acosh_ / asinh_ / atanh_ record
 * a node whose backward fails, as PyTorch has no derivative for them) */
static void test_unary_inplace_autograd(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = leaf((const double[]){0.5, 2.0}, 2);
  ct_tensor *y = ct_mul_scalar(x, 1);
  ct_polygamma_(y, 1);
  assert_string_equal(ct_grad_fn_name(y), "PolygammaBackward1");
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  NEAR(ct_grad(x), -16.828796644234316, -0.4041138063191886); /* polygamma(2, x) */
  ct_tensor *(*const nograd[])(ct_tensor *) = {ct_acosh_, ct_asinh_, ct_atanh_};
  const char *names[] = {"AcoshBackward1", "AsinhBackward1", "AtanhBackward1"};
  const char *msgs[] = {"inplace version of acosh", "inplace version of asinh", "inplace version of atanh"};
  for (int k = 0; k < 3; k++) {
    ct_tensor *v = leaf((const double[]){0.5, 0.25}, 2);
    ct_tensor *h = ct_add_scalar(v, k == 0 ? 1 : 0);
    assert_ptr_equal(nograd[k](h), h);
    assert_string_equal(ct_grad_fn_name(h), names[k]);
    expect_fail(ct_backward(ct_sum(h)), msgs[k]);
  }
  ct_tensor *s = leaf((const double[]){0.3, -0.2}, 2);
  ct_tensor *t = ct_mul_scalar(s, 1);
  ct_sinh_(t);
  assert_string_equal(ct_grad_fn_name(t), "SinhBackward0");
  assert_int_equal(ct_backward(ct_sum(t)), 0);
  NEAR(ct_grad(s), cosh(0.3), cosh(-0.2));
  ct_scope_end();
}

/* ---- binary ---------------------------------------------------------------------------------- */
static void test_binary_values(void **state) {
  (void)state;
  ct_scope_begin();
  for (int f32 = 0; f32 < 2; f32++) {
    ct_tensor *(*mk)(const double *, int) = f32 ? fvec : dvec;
    ct_tensor *a = V(-INF, INF, -INF, NAN, 1.0, 0.0);
    ct_tensor *b = V(-INF, INF, INF, 1.0, 1.0, -INF);
    EXACT(ct_logaddexp(a, b), -INF, INF, INF, NAN, f32 ? 1.6931471824645996 : 1.6931471805599454, 0.0);
    EXACT(ct_logaddexp2(a, b), -INF, INF, INF, NAN, 2.0, 0.0);
    EXACT(ct_hypot(V(INF, NAN, -3.0, -0.0), V(NAN, INF, 4.0, 0.0)), INF, INF, 5.0, 0.0);
    EXACT(ct_xlogy(V(0.0, 0.0, 0.0, 2.0, -0.0), V(0.0, NAN, INF, 0.0, 2.0)), 0.0, NAN, 0.0, -INF, 0.0);
    EXACT(ct_special_xlog1py(V(0.0, 0.0, 1.0), V(-1.0, NAN, -1.0)), 0.0, NAN, -INF);
    EXACT(ct_copysign(V(1.0, 1.0, -2.0, NAN, INF), V(-0.0, 0.0, NAN, -1.0, -1.0)), -1.0, 1.0, 2.0, -NAN, -INF);
    EXACT(ct_heaviside(V(0.0, -0.0, NAN, -2.0, 3.0), V(0.5, 0.25, 0.5, 0.5, 0.5)), 0.5, 0.25, 0.0, 0.0, 1.0);
  }
  ct_tensor *na = ct_nextafter(D(1.0, 0.0, 1.0, NAN), D(2.0, -1.0, 1.0, 1.0));
  EXACT(na, 1.0 + DBL_EPSILON, -4.9406564584124654e-324, 1.0, NAN);
  EXACT(ct_nextafter(F(1.0, 0.0), F(2.0, 1.0)), 1.0 + FLT_EPSILON, 1.4012984643248171e-45);
  NEAR(ct_logaddexp(D(1.0, -800.0), D(2.0, -800.0)), 2.3132616875182228, -800 + M_LN2);
  ct_scope_end();
}

static void test_binary_dtypes(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *i = L(1, 2, 3), *j = L(2, -1, 0), *f = F(1.0, 2.0, 3.0);
  assert_int_equal(ct_dtype_of(ct_xlogy(i, j)), CT_FLOAT32);
  EXACT(ct_xlogy(i, j), 0.6931471824645996, NAN, -INF);
  assert_int_equal(ct_dtype_of(ct_special_xlog1py(i, j)), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(ct_copysign(i, j)), CT_FLOAT32);
  EXACT(ct_copysign(i, j), 1.0, -2.0, 3.0);
  assert_int_equal(ct_dtype_of(ct_xlogy(f, D(1.0))), CT_FLOAT64); /* a 1-d f64 promotes */
  /* float_power: always float64, from ints and float32 alike */
  ct_tensor *fp = ct_float_power(i, j);
  assert_int_equal(ct_dtype_of(fp), CT_FLOAT64);
  EXACT(fp, 1.0, 0.5, 1.0);
  assert_int_equal(ct_dtype_of(ct_float_power_scalar(f, 2)), CT_FLOAT64);
  EXACT(ct_float_power_scalar(i, 0.5), 1.0, sqrt(2.0), sqrt(3.0));
  EXACT(ct_heaviside(L(-2, 0, 5), L(7, 7, 7)), 0, 7, 1);
  assert_int_equal(ct_dtype_of(ct_heaviside(L(0), L(3))), CT_INT64);
  ct_scope_end();
}

static void test_binary_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *i = L(1, 2), *d = D(1.0, 2.0), *f = F(1.0, 2.0);
  expect_error(ct_logaddexp(i, i), "\"logaddexp_cpu\" not implemented for 'Long'");
  expect_error(ct_logaddexp2(i, i), "\"logaddexp2_cpu\" not implemented for 'Long'");
  expect_error(ct_hypot(i, i), "\"hypot_cpu\" not implemented for 'Long'");
  expect_error(ct_nextafter(i, i), "\"nextafter_cpu\" not implemented for 'Long'");
  expect_error(ct_heaviside(f, d), "heaviside is not yet implemented for tensors with different dtypes.");
  expect_error(ct_heaviside_(f, d), "heaviside is not yet implemented for tensors with different dtypes.");
  expect_error(ct_isclose(f, d, 1e-5, 1e-8, false), "Float did not match Double");
  expect_error(ct_isclose(d, d, -1, 1e-8, false), "rtol must be greater than or equal to zero, but got -1");
  expect_error(ct_isclose(d, d, 1e-5, -1, false), "atol must be greater than or equal to zero, but got -1");
  expect_error(ct_xlogy_(i, i), "result type Float can't be cast to the desired output type Long");
  expect_error(ct_hypot_(i, i), "\"hypot_cpu\" not implemented for 'Long'");
  expect_error(ct_float_power_(f, d), "the base given to float_power_ has dtype Float but the "
                                     "operation's result requires dtype Double");
  expect_error(ct_hypot(D(1.0, 2.0), D(1.0, 2.0, 3.0)), "must match the size");
  /* no derivative: the backward fails with PyTorch's message */
  ct_tensor *x = leaf((const double[]){1.0, 2.0}, 2);
  expect_fail(ct_backward(ct_sum(ct_nextafter(x, d))), "the derivative for 'nextafter' is not implemented.");
  ct_tensor *h = ct_heaviside(x, d);
  assert_string_equal(ct_grad_fn_name(h), "torch::autograd::NotImplemented");
  expect_fail(ct_backward(ct_sum(h)), "the derivative for 'heaviside' is not implemented.");
  ct_scope_end();
}

static ct_tensor *xlogy_num(const ct_tensor *t) { return ct_xlogy(ct_wrap_scalar(2.5), t); }

typedef struct {
  const char *name;
  ct_tensor *(*fn)(const ct_tensor *, const ct_tensor *);
  double a[4], b[4];
  const char *grad_fn;
} binary_case;
static const binary_case binary_cases[] = {
    {"logaddexp", ct_logaddexp, {-1.5, 0.3, 2.0, -4.0}, {0.5, 0.2, -1.0, 3.0}, "LogaddexpBackward0"},
    {"logaddexp2", ct_logaddexp2, {-1.5, 0.3, 2.0, -4.0}, {0.5, 0.2, -1.0, 3.0}, "Logaddexp2Backward0"},
    {"hypot", ct_hypot, {-1.5, 0.3, 2.0, -4.0}, {0.5, 0.2, -1.0, 3.0}, "HypotBackward0"},
    {"xlogy", ct_xlogy, {-1.5, 0.3, 2.0, -4.0}, {0.5, 0.2, 1.5, 3.0}, "XlogyBackward0"},
    {"xlog1py", ct_special_xlog1py, {-1.5, 0.3, 2.0, -4.0}, {0.5, 0.2, -0.5, 3.0}, "SpecialXlog1PyBackward0"},
    {"copysign", ct_copysign, {-1.5, 0.3, 2.0, -4.0}, {0.5, -0.2, -1.0, 3.0}, "CopysignBackward0"},
    {"float_power", ct_float_power, {1.5, 0.3, 2.0, 4.0}, {0.5, -0.2, -1.0, 3.0}, "PowBackward1"},
};

static void test_binary_grads_and_names(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof binary_cases / sizeof *binary_cases; k++) {
    const binary_case *c = &binary_cases[k];
    ct_scope_begin();
    ct_tensor *a = leaf(c->a, 4), *b = ct_requires_grad_(ct_view(dvec(c->b, 4), CT_SHAPE(4)), true);
    ct_tensor *y = c->fn(a, b);
    assert_non_null(y);
    if (strcmp(ct_grad_fn_name(y), c->grad_fn))
      fail_msg("%s: grad_fn %s, PyTorch %s", c->name, ct_grad_fn_name(y), c->grad_fn);
    op_ref op = {.b = c->fn};
    check_grads(run_binary, (ct_tensor *[]){a, b}, 2, &op, c->name);
    /* broadcast: b of shape (1,) */
    ct_tensor *b1 = ct_requires_grad_(dvec(c->b, 1), true);
    check_grads(run_binary, (ct_tensor *[]){a, b1}, 2, &op, c->name);
    ct_scope_end();
  }
  /* Python-number operands: Backward1 (a number first) and Backward2 (second) */
  ct_scope_begin();
  ct_tensor *x = leaf((const double[]){0.5, 2.0}, 2);
  assert_string_equal(ct_grad_fn_name(ct_xlogy(ct_wrap_scalar(3), x)), "XlogyBackward1");
  assert_string_equal(ct_grad_fn_name(ct_xlogy(x, ct_wrap_scalar(3))), "XlogyBackward2");
  assert_string_equal(ct_grad_fn_name(ct_special_xlog1py(ct_wrap_scalar(3), x)), "SpecialXlog1PyBackward1");
  assert_string_equal(ct_grad_fn_name(ct_special_xlog1py(x, ct_wrap_scalar(3))), "SpecialXlog1PyBackward2");
  assert_string_equal(ct_grad_fn_name(ct_copysign(x, ct_wrap_scalar(-1))), "CopysignBackward1");
  assert_string_equal(ct_grad_fn_name(ct_float_power_scalar(x, 2)), "PowBackward0");
  op_ref op = {.u = xlogy_num};
  check_grads(run_unary, (ct_tensor *[]){x}, 1, &op, "xlogy(number, x)");
  /* xlogy's gradient at x == 0 is 0 for x and finite for y */
  ct_tensor *z = leaf((const double[]){0.0, 1.0}, 2), *w = leaf((const double[]){2.0, 4.0}, 2);
  assert_int_equal(ct_backward(ct_sum(ct_xlogy(z, w))), 0);
  NEAR(ct_grad(z), 0.0, log(4.0));
  NEAR(ct_grad(w), 0.0, 0.25);
  /* copysign: 0 gradient at a == 0 */
  ct_tensor *c0 = leaf((const double[]){0.0, -2.0}, 2);
  assert_int_equal(ct_backward(ct_sum(ct_copysign(c0, D(-1.0, 1.0)))), 0);
  EXACT(ct_grad(c0), 0.0, -1.0);
  ct_scope_end();
}

static void test_binary_inplace(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = D(3.0, -4.0), *b = D(4.0, 3.0);
  assert_ptr_equal(ct_hypot_(a, b), a);
  EXACT(a, 5.0, 5.0);
  ct_tensor *n = F(1.0, 0.0);
  ct_nextafter_(n, F(2.0, -1.0));
  EXACT(n, 1.0 + FLT_EPSILON, -1.4012984643248171e-45);
  ct_tensor *x = D(2.0, 0.0);
  ct_xlogy_(x, D(INF, 0.0));
  EXACT(x, INF, 0.0);
  ct_tensor *c = D(2.0, -3.0);
  ct_copysign_(c, D(-0.0));
  EXACT(c, -2.0, -3.0);
  ct_tensor *h = L(-1, 0, 2);
  ct_heaviside_(h, L(9));
  EXACT(h, 0, 9, 1);
  ct_tensor *p = D(2.0, 3.0);
  ct_float_power_(p, L(2, -1));
  EXACT(p, 4.0, 1.0 / 3.0);
  /* with autograd the graph reads a copy of the old value */
  ct_tensor *l = leaf((const double[]){3.0, 4.0}, 2);
  ct_tensor *m = ct_mul_scalar(l, 1);
  ct_hypot_(m, D(4.0, 3.0));
  assert_string_equal(ct_grad_fn_name(m), "HypotBackward0");
  assert_int_equal(ct_backward(ct_sum(m)), 0);
  NEAR(ct_grad(l), 0.6, 0.8);
  ct_scope_end();
}

/* clamp_ with tensor bounds: broadcast bounds, PyTorch's shape and cast errors, ClampBackward0 */
static void test_clamp_tensor_inplace(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = D(-2.0, 0.5, 3.0, NAN);
  assert_ptr_equal(ct_clamp_tensor_(x, D(-1.0), D(1.0, 0.25, 2.0, 0.0)), x);
  EXACT(x, -1.0, 0.25, 2.0, NAN);
  ct_tensor *y = D(-2.0, 5.0);
  ct_clamp_tensor_(y, NULL, D(1.0));
  EXACT(y, -2.0, 1.0);
  ct_tensor *z = D(-2.0, 5.0);
  ct_clamp_tensor_(z, D(0.0, 6.0), NULL);
  EXACT(z, 0.0, 6.0);
  expect_error(ct_clamp_tensor_(D(1.0, 2.0), ct_zeros(CT_SHAPE(3, 2), .dtype = CT_FLOAT64), NULL),
               "output with shape [2] doesn't match the broadcast shape [3, 2]");
  expect_error(ct_clamp_tensor_(D(1.0, 2.0), D(0.0), ct_zeros(CT_SHAPE(3, 2), .dtype = CT_FLOAT64)),
               "output with shape [2] doesn't match the broadcast shape [3, 2]");
  expect_error(ct_clamp_tensor_(L(1, 2), D(0.0), NULL),
               "result type Double can't be cast to the desired output type Long");
  ct_tensor *l = leaf((const double[]){-2.0, 0.5, 3.0}, 3);
  ct_tensor *m = ct_mul_scalar(l, 1);
  ct_clamp_tensor_(m, D(-1.0), D(1.0));
  assert_string_equal(ct_grad_fn_name(m), "ClampBackward0");
  assert_int_equal(ct_backward(ct_sum(m)), 0);
  EXACT(ct_grad(l), 0.0, 1.0, 0.0);
  ct_scope_end();
}

/* isclose / allclose: PyTorch's rule, including the fix that |a - b| must be finite */
static void test_isclose(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = D(1.0, 2.0, 3.0, NAN, INF, -INF, INF), *b = D(1.0, 2.00001, 3.1, NAN, INF, INF, 1e308);
  EXACT(ct_isclose(a, b, 1e-5, 1e-8, false), 1, 1, 0, 0, 1, 0, 0);
  EXACT(ct_isclose(a, b, 1e-5, 1e-8, true), 1, 1, 0, 1, 1, 0, 0);
  EXACT(ct_isclose(a, b, INF, 0, false), 1, 1, 1, 0, 1, 0, 0);
  EXACT(ct_isclose(L(1, 5, -3), L(1, 6, 3), 0.2, 0, false), 1, 1, 0);
  assert_true(ct_allclose(D(1.0, INF), D(1.0, INF), 1e-5, 1e-8));
  /* regression: an infinite rtol |b| made inf and -inf (or NaN-free huge gaps) close */
  assert_false(ct_allclose(D(1.0, -INF), D(1.0, INF), 1e-5, 1e-8));
  assert_false(ct_allclose(D(INF), D(1e308), INF, 0));
  ct_scope_end();
}

/* ---- integer ops ------------------------------------------------------------------------------ */
static void test_bitwise(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = L(12, -7, 0, 255), *b = L(10, 3, -1, 15);
  EXACT(ct_bitwise_and(a, b), 8, 1, 0, 15);
  EXACT(ct_bitwise_or(a, b), 14, -5, -1, 255);
  EXACT(ct_bitwise_xor(a, b), 6, -6, -1, 240);
  EXACT(ct_bitwise_not(a), -13, 6, -1, -256);
  ct_tensor *t = ct_ne_scalar(L(1, 0, 1, 0), 0), *u = ct_ne_scalar(L(1, 1, 0, 0), 0);
  EXACT(ct_bitwise_and(t, u), 1, 0, 0, 0);
  EXACT(ct_bitwise_or(t, u), 1, 1, 1, 0);
  EXACT(ct_bitwise_xor(t, u), 0, 1, 1, 0);
  EXACT(ct_bitwise_not(t), 0, 1, 0, 1);
  assert_int_equal(ct_dtype_of(ct_bitwise_and(t, u)), CT_BOOL);
  /* shifts as PyTorch 1.13's x86 kernels: counts modulo the (promoted) width */
  EXACT(ct_bitwise_left_shift(L(-13, 5, 7), L(1, 64, 65)), -26, 5, 14);
  EXACT(ct_bitwise_right_shift(L(-13, -3, 5, 100), L(1, -1, 64, -3)), -7, -1, 5, 0);
  ct_tensor *u8 = ct_to(L(13, 3, 7, 255), CT_UINT8), *s8 = ct_to(L(1, 8, 200, 7), CT_UINT8);
  EXACT(ct_bitwise_left_shift(u8, s8), 26, 0, 0, 128);
  EXACT(ct_bitwise_right_shift(u8, s8), 6, 0, 0, 1);
  ct_tensor *i8 = ct_to(L(-3, 7, -128), CT_INT8), *c8 = ct_to(L(8, -2, 7), CT_INT8);
  EXACT(ct_bitwise_right_shift(i8, c8), -1, 0, -1);
  /* promotion: int16 with int64 gives int64; a Python number keeps the tensor's dtype */
  assert_int_equal(ct_dtype_of(ct_bitwise_or(ct_to(a, CT_INT16), b)), CT_INT64);
  assert_int_equal(ct_dtype_of(ct_bitwise_and(ct_to(a, CT_INT16), ct_wrap_int(3))), CT_INT16);
  ct_tensor *c = L(12, 5);
  assert_ptr_equal(ct_bitwise_xor_(c, L(10)), c);
  EXACT(c, 6, 15);
  ct_bitwise_not_(c);
  EXACT(c, -7, -16);
  ct_bitwise_and_(c, L(6));
  ct_bitwise_or_(c, L(1));
  EXACT(c, 1, 1);
  ct_bitwise_left_shift_(c, L(3, 4));
  EXACT(c, 8, 16);
  ct_bitwise_right_shift_(c, L(2));
  EXACT(c, 2, 4);
  ct_scope_end();
}

static void test_gcd_lcm(void **state) {
  (void)state;
  ct_scope_begin();
  EXACT(ct_gcd(L(12, -18, 0, 0, 7), L(18, 12, 5, 0, -3)), 6, 6, 5, 0, 1);
  EXACT(ct_lcm(L(4, -6, 0, 5), L(6, 4, 3, -7)), 12, 12, 0, 35);
  /* |INT64_MIN| wraps to itself, as PyTorch: gcd(INT64_MIN, 6) is -2 */
  ct_tensor *g = ct_gcd(L(INT64_MIN, INT64_MIN, 0), L(6, 0, INT64_MIN));
  int64_t got[3];
  for (int k = 0; k < 3; k++) got[k] = ct_item_int64(ct_select(g, 0, k));
  assert_true(got[0] == -2 && got[1] == INT64_MIN && got[2] == INT64_MIN);
  ct_tensor *l8 = ct_lcm(ct_to(L(100, 12), CT_INT8), ct_to(L(33, 127), CT_INT8));
  EXACT(l8, (int8_t)(3300 & 0xff), (int8_t)(1524 & 0xff));
  ct_tensor *c = L(12, 9);
  ct_gcd_(c, L(8));
  EXACT(c, 4, 1);
  ct_lcm_(c, L(6));
  EXACT(c, 12, 6);
  ct_scope_end();
}

static void test_integer_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *f = F(1.0, 2.0), *b = ct_ne_scalar(L(1, 0), 0), *i = L(1, 2);
  expect_error(ct_bitwise_and(f, f), "\"bitwise_and_cpu\" not implemented for 'Float'");
  expect_error(ct_bitwise_or(i, f), "\"bitwise_or_cpu\" not implemented for 'Float'");
  expect_error(ct_bitwise_xor(D(1.0), D(1.0)), "\"bitwise_xor_cpu\" not implemented for 'Double'");
  expect_error(ct_bitwise_not(f), "\"bitwise_not_cpu\" not implemented for 'Float'");
  expect_error(ct_bitwise_left_shift(b, b), "\"lshift_cpu\" not implemented for 'Bool'");
  expect_error(ct_bitwise_right_shift(f, f), "\"rshift_cpu\" not implemented for 'Float'");
  expect_error(ct_gcd(f, f), "\"gcd_cpu\" not implemented for 'Float'");
  expect_error(ct_gcd(b, b), "\"gcd_cpu\" not implemented for 'Bool'");
  expect_error(ct_lcm(b, b), "\"lcm_cpu\" not implemented for 'Bool'");
  expect_error(ct_bitwise_and_(i, f), "result type Float can't be cast to the desired output type Long");
  expect_error(ct_bitwise_not_(f), "\"bitwise_not_cpu\" not implemented for 'Float'");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unary_special_values), cmocka_unit_test(test_unary_dtypes),
      cmocka_unit_test(test_unary_errors),         cmocka_unit_test(test_unary_grads_and_names),
      cmocka_unit_test(test_gradient_edges),       cmocka_unit_test(test_unary_inplace),
      cmocka_unit_test(test_unary_inplace_autograd), cmocka_unit_test(test_binary_values),
      cmocka_unit_test(test_binary_dtypes),        cmocka_unit_test(test_binary_errors),
      cmocka_unit_test(test_binary_grads_and_names), cmocka_unit_test(test_binary_inplace),
      cmocka_unit_test(test_isclose),              cmocka_unit_test(test_clamp_tensor_inplace),              cmocka_unit_test(test_bitwise),
      cmocka_unit_test(test_gcd_lcm),              cmocka_unit_test(test_integer_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
