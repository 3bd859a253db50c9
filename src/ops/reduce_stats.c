/* Reductions with a formula per row: prod, var/std, norm, logsumexp, all/any. Each lays the
 * input out as contiguous rows (ct__reduce_rows) and runs a typed row kernel, accumulating
 * in double (int64 for integer products). */
/* FP exceptions are never inspected, so GCC may if-convert the clamps in ct__expf: without
 * this its loops stay scalar under the default -ftrapping-math (values are unchanged). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "../internal.h"
#include "reduce.h"
#include "elementwise.h"
#include <math.h>

/* Run a row kernel: rows of t (dtype rdt) -> new tensor of dtype odt and ri's output shape. */
typedef void (*rows_fn)(const void *x, int64_t outer, int64_t count, void *out, const double *arg);
static ct_tensor *run_rows(const ct_tensor *t, const ct_reduce_info *ri, ct_dtype rdt, ct_dtype odt,
                           rows_fn fn, const double *arg) {
  CT_OP_BEGIN();
  ct_tensor *rows = ct__reduce_rows(t, ri, rdt);
  ct_tensor *out = rows ? ct__empty(odt, ri->out_ndim, ri->out_shape) : NULL;
  if (out) fn(ct__ptr(rows), ct__numel_of(ri->out_ndim, ri->out_shape), ri->count, ct__ptr(out), arg);
  return ct__op_end(out);
}

/* Declare row kernels for float/double rows (and an int64 one where given). BODY sees the
 * row r (type T), count, arg, and assigns the double `res`. */
#define ROWS_KERNEL(name, T, tn, OT, BODY)                                                   \
  static void name##_##tn(const void *xv, int64_t outer, int64_t count, void *ov,             \
                          const double *arg) {                                                \
    (void)arg;                                                                                \
    const T *x = xv;                                                                          \
    OT *o = ov;                                                                               \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(outer, count))")                              \
    for (int64_t k = 0; k < outer; k++) {                                                     \
      const T *r = x + k * count;                                                             \
      double res = 0;                                                                         \
      BODY;                                                                                   \
      o[k] = (OT)res;                                                                         \
    }                                                                                         \
  }
#define ROWS_FLOAT(name, BODY) \
  ROWS_KERNEL(name, float, f32, float, BODY) ROWS_KERNEL(name, double, f64, double, BODY)
#define ROWS_TABLE(name) \
  static const rows_fn name[CT_NUM_DTYPES] = {[CT_FLOAT32] = name##_f32, [CT_FLOAT64] = name##_f64}

/* res (double) += sum over i in [0, count) of the float EXPR: float SIMD lanes within blocks
 * of 256 (a few ulp each), the blocks added in double so long rows keep their accuracy. */
#define F32_BLOCK_SUM(res, count, EXPR)                                                       \
  for (int64_t b_ = 0; b_ < (count); b_ += 256) {                                             \
    int64_t e_ = b_ + 256 < (count) ? b_ + 256 : (count);                                     \
    float s_ = 0;                                                                             \
    _Pragma("omp simd reduction(+ : s_)")                                                     \
    for (int64_t i = b_; i < e_; i++) s_ += (EXPR);                                           \
    (res) += s_;                                                                              \
  }

/* ---- element masks used by the backward formulas (constants: no autograd) -------------- */
CT_UNARY_FLOAT(is_zero_loop, x == 0)
CT_UNARY_FLOAT(eq_const_loop, x == *(const double *)ctx)
CT_UNARY_FLOAT(sign_loop, (x > 0) - (x < 0))
/* sign(a) where |a| equals the (broadcast) norm b, else 0 */
CT_BINARY_FLOAT(abs_eq_sign_loop, fabs((double)a) == (double)b ? (a > 0) - (a < 0) : 0)
CT_BINARY_FLOAT(abs_eq_loop, fabs((double)a) == (double)b)
static ct_tensor *mask_eq(const ct_tensor *t, double v) {
  return ct__unary_kernel("eq", t, t->dtype, t->dtype, eq_const_loop, &v);
}
/* t + (t == 0): a denominator that is never 0 (where t is 0 the numerator is masked) */
static ct_tensor *nonzero_den(ct_tensor *t) { return ct_add(t, mask_eq(t, 0)); }

/* ---- prod ----------------------------------------------------------------------------------- */
ROWS_FLOAT(prod_rows, res = 1; for (int64_t i = 0; i < count; i++) res *= (double)r[i])
ROWS_TABLE(prod_rows);
static void prod_rows_i64(const void *xv, int64_t outer, int64_t count, void *ov, const double *a) {
  (void)a;
  const int64_t *x = xv;
  int64_t *o = ov;
#pragma omp parallel for if (CT_REDUCE_PAR(outer, count))
  for (int64_t k = 0; k < outer; k++) {
    uint64_t p = 1; /* wraps like PyTorch's int64 product, without signed overflow */
    for (int64_t i = 0; i < count; i++) p *= (uint64_t)x[k * count + i];
    o[k] = (int64_t)p;
  }
}

/* out = prod(x, dims). Without zeros gx = g * out / x. With zeros (PyTorch's
 * prod_safe_zeros_backward) gx_k = g * prod_{j<k} x_j * prod_{j>k} x_j along the reduced
 * dim (the flattened input for a full reduction): two exclusive cumprods, no division, so
 * any number of zeros per slice is exact to every order. saved: x, out. */
static void prod_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const ct_reduce_dims *r = &CT_ARGS(n, ct_reduce_args)->red;
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  ct_tensor *ge = ct__expand_reduced(g[0], n, r);
  if (x->ndim == 0) { /* prod of one element is the identity */
    gi[0] = ge;
    return;
  }
  ct_tensor *z = ct__unary_kernel("eq", x, x->dtype, x->dtype, is_zero_loop, NULL);
  if (!z) return;
  if (ct_item(ct_sum(z)) == 0) {
    gi[0] = ct_div(ct_mul(ge, ct__unsqueeze_reduced(out, n, r)), x);
    return;
  }
  ct_dims d = ct__reduced_dim_list(n, r);
  ct_tensor *xs = x;
  int64_t dim = d.n == 1 ? d.d[0] : 0, numel = ct_numel(x);
  if (d.n != 1) xs = ct_reshape(x, 1, &numel);
  if (!xs) return;
  ct_tensor *before = ct__cumprod_exclusive(xs, dim);
  ct_tensor *after = ct_flip(ct__cumprod_exclusive(ct_flip(xs, 1, &dim), dim), 1, &dim);
  ct_tensor *others = ct_mul(before, after);
  if (others && xs != x) others = ct_reshape(others, x->ndim, x->shape);
  gi[0] = ct_mul(ge, others);
}

static ct_tensor *prod_impl(const ct_tensor *t, const ct_dims *dims, bool keepdim, const char *name) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(prod_impl(ct__f32(t), dims, keepdim, name), h);
  ct_reduce_info ri;
  if (ct__reduce_setup(t, dims, keepdim, &ri)) return NULL;
  bool fl = ct_dtype_is_floating(t->dtype);
  ct_dtype dt = fl ? t->dtype : CT_INT64;
  ct_tensor *out = run_rows(t, &ri, dt, dt, fl ? prod_rows[dt] : prod_rows_i64, NULL);
  if (!out || !fl) return out;
  ct__reduce_record(name, prod_backward, t, out, &ri, keepdim, true, &ct_reduce_args_type);
  return out;
}

ct_tensor *ct_prod(const ct_tensor *t, int64_t dim, bool keepdim) {
  if (!t) return NULL;
  if (dim == CT_NONE) return prod_impl(t, &(ct_dims){0}, false, "ProdBackward0");
  if (t->ndim == 0 && ct__wrap_dim(dim, 0) < 0) return NULL;
  ct_dims d = {.n = t->ndim ? 1 : 0, .d = {dim}};
  return prod_impl(t, &d, keepdim, "ProdBackward1");
}

/* ---- var / std ---------------------------------------------------------------------------- */
/* two passes in double: mean, then the sum of squared deviations over max(0, N - correction) */
ROWS_FLOAT(var_rows, double m = 0; for (int64_t i = 0; i < count; i++) m += (double)r[i];
           m /= (double)count; for (int64_t i = 0; i < count; i++) {
             double dv = (double)r[i] - m;
             res += dv * dv;
           } res /= fmax(0.0, (double)count - arg[0]);
           if (arg[1]) res = sqrt(res))
ROWS_TABLE(var_rows);

typedef struct {
  ct_reduce_dims red;
  double denom; /* N - correction, clamped at 0 */
  bool is_std;
} var_args;
CT_ARGS_TYPE(var_args, NULL);

/* out = var(x, dims, correction): gx = g * 2 * (x - mean(x)) / (N - correction).
 * out = std(...): gx = var's formula applied to g / (2 * out), 0 where out == 0.
 * saved: x (and out for std). */
static void var_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const var_args *a = CT_ARGS(n, var_args);
  ct_tensor *x = ct__saved(n, 0);
  if (!x) return;
  ct_dims d = ct__reduced_dim_list(n, &a->red);
  ct_tensor *dev = ct_sub(x, ct_mean(x, .dim = d, .keepdim = true));
  ct_tensor *h = ct__unsqueeze_reduced(g[0], n, &a->red);
  if (a->is_std) {
    ct_tensor *out = ct__unsqueeze_reduced(ct__saved(n, 1), n, &a->red);
    if (!out) return;
    h = ct_mul(ct_div(h, nonzero_den(out)), ct_rsub_scalar(mask_eq(out, 0), 1));
  } else {
    h = ct_mul_scalar(h, 2);
  }
  gi[0] = ct_div_scalar(ct_mul(ct_expand(h, n->in[0].ndim, n->in[0].shape), dev), a->denom);
}

static ct_tensor *var_std(const ct_tensor *t, ct_var_opts o, bool is_std) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(var_std(ct__f32(t), o, is_std), h);
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("std and var only support floating point and complex dtypes");
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  double arg[2] = {o.correction, is_std};
  ct_tensor *out = run_rows(t, &ri, t->dtype, t->dtype, var_rows[t->dtype], arg);
  if (!out) return NULL;
  ct_node *n = ct__reduce_record(is_std ? "StdBackward0" : "VarBackward0", var_backward, t, out,
                                 &ri, o.keepdim, is_std, &var_args_type);
  if (n) {
    var_args *a = CT_ARGS(n, var_args);
    a->denom = fmax(0.0, (double)ri.count - o.correction);
    a->is_std = is_std;
  }
  return out;
}

ct_tensor *ct_var_ex(const ct_tensor *t, ct_var_opts o) { return var_std(t, o, false); }
ct_tensor *ct_std_ex(const ct_tensor *t, ct_var_opts o) { return var_std(t, o, true); }

/* ---- norm ----------------------------------------------------------------------------------- */
#define NORM_BODY double p = arg[0]; if (count == 0) res = 0; \
           else if (p == INFINITY || p == -INFINITY) { \
             res = fabs((double)r[0]); \
             for (int64_t i = 1; i < count; i++) { \
               double a = fabs((double)r[i]); \
               if (isnan(a) || (p > 0 ? a > res : a < res)) res = a; \
               if (isnan(a)) break; \
             } \
           } else if (p == 0) { \
             for (int64_t i = 0; i < count; i++) res += r[i] != 0; \
           } else if (p == 1) { \
             for (int64_t i = 0; i < count; i++) res += fabs((double)r[i]); \
           } else if (p == 2) { \
             for (int64_t i = 0; i < count; i++) res += (double)r[i] * (double)r[i]; \
             res = sqrt(res); \
           } else { \
             for (int64_t i = 0; i < count; i++) res += pow(fabs((double)r[i]), p); \
             res = pow(res, 1.0 / p); \
           }
ROWS_KERNEL(norm_rows_gen, float, f32, float, NORM_BODY)
ROWS_KERNEL(norm_rows, double, f64, double, NORM_BODY)
/* float32 rows: p = 2 (the common case) through the vectorised block sum */
static void norm_rows_f32(const void *xv, int64_t outer, int64_t count, void *ov, const double *arg) {
  if (arg[0] != 2) {
    norm_rows_gen_f32(xv, outer, count, ov, arg);
    return;
  }
  const float *x = xv;
  float *o = ov;
#pragma omp parallel for if (CT_REDUCE_PAR(outer, count))
  for (int64_t k = 0; k < outer; k++) {
    const float *r = x + k * count;
    double res = 0;
    F32_BLOCK_SUM(res, count, r[i] * r[i])
    o[k] = (float)sqrt(res);
  }
}
ROWS_TABLE(norm_rows);

/* |x|^q for the general p-norm gradient, its own differentiable op so double backward
 * through it needs no other op family. out = |x|^q: gx = g * q * sign(x) * |x|^(q-1). */
CT_UNARY_FLOAT(abs_pow_loop, pow(fabs((double)x), *(const double *)ctx))
static ct_tensor *abs_pow(const ct_tensor *x, double q);
typedef struct {
  double q;
} abs_pow_args;
CT_ARGS_TYPE(abs_pow_args, NULL);
static void abs_pow_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double q = CT_ARGS(n, abs_pow_args)->q;
  ct_tensor *x = ct__saved(n, 0);
  if (!x) return;
  ct_tensor *sg = ct__unary_kernel("sign", x, x->dtype, x->dtype, sign_loop, NULL);
  gi[0] = q == 0 ? ct_mul_scalar(g[0], 0)
                 : ct_mul(ct_mul_scalar(g[0], q), ct_mul(sg, abs_pow(x, q - 1)));
}
static ct_tensor *abs_pow(const ct_tensor *x, double q) {
  if (!x) return NULL;
  ct_tensor *out = ct__unary_kernel("pow", x, x->dtype, x->dtype, abs_pow_loop, &q);
  ct_node *n = out ? ct__node_new("PowBackward0", abs_pow_backward, 1, (ct_tensor *const[]){(ct_tensor *)x}, 1) : NULL;
  if (n) {
    CT_NEW_ARGS(n, abs_pow_args)->q = q;
    ct__save(n, x, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

typedef struct {
  ct_reduce_dims red;
  double p;
} norm_args;
CT_ARGS_TYPE(norm_args, NULL);

/* out = ||x||_p over dims:
 *   p = 0: gx = 0;  p = 1: gx = g * sign(x);  p = +-inf: g * sign(x) * (|x| == out) / count;
 *   p = 2: gx = g * x / out;  else gx = g * sign(x) * |x|^(p-1) / out^(p-1),
 *   with 0 where out == 0. saved: x, out. */
static void norm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const norm_args *a = CT_ARGS(n, norm_args);
  double p = a->p;
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  ct_tensor *ge = ct__expand_reduced(g[0], n, &a->red);
  ct_tensor *ob = ct__unsqueeze_reduced(out, n, &a->red);
  if (p == 0) {
    gi[0] = ct_mul_scalar(ge, 0);
  } else if (p == 1) {
    gi[0] = ct_mul(ge, ct__unary_kernel("sign", x, x->dtype, x->dtype, sign_loop, NULL));
  } else if (isinf(p)) {
    ct_tensor *od = ct_detach(ob);
    ct_tensor *m = ct__binary_kernel("eq", x, od, x->dtype, x->dtype, abs_eq_sign_loop, NULL);
    ct_tensor *cnt = ct__binary_kernel("eq", x, od, x->dtype, x->dtype, abs_eq_loop, NULL);
    ct_dims d = ct__reduced_dim_list(n, &a->red);
    if (d.n) cnt = ct_sum(cnt, .dim = d, .keepdim = true);
    gi[0] = ct_mul(ge, ct_div(m, cnt));
  } else {
    ct_tensor *nz = ct_rsub_scalar(mask_eq(ob, 0), 1), *den = nonzero_den(ob);
    ct_tensor *scale = p == 2 ? ct_div(nz, den) : ct_div(nz, abs_pow(den, p - 1));
    ct_tensor *xs = p == 2 ? x
                           : ct_mul(ct__unary_kernel("sign", x, x->dtype, x->dtype, sign_loop, NULL),
                                    abs_pow(x, p - 1));
    gi[0] = ct_mul(ct_mul(ge, scale), xs);
  }
}

ct_tensor *ct_norm_ex(const ct_tensor *t, ct_norm_opts o) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_norm_ex(ct__f32(t), o), h);
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("norm(): input dtype should be either floating point or complex. Got %s instead.",
                   ct__dtype_short(t->dtype));
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  ct_tensor *out = run_rows(t, &ri, t->dtype, t->dtype, norm_rows[t->dtype], &o.p);
  if (!out) return NULL;
  ct_node *n = ct__reduce_record("NormBackward1", norm_backward, t, out, &ri, o.keepdim, true,
                                 &norm_args_type);
  if (n) CT_ARGS(n, norm_args)->p = o.p;
  return out;
}

/* ---- logsumexp ---------------------------------------------------------------------------- */
/* shifted by the row max (by 0 when the max is infinite, as PyTorch does) */
#define LSE_BODY double m = -INFINITY; for (int64_t i = 0; i < count; i++) { \
  double v = (double)r[i]; \
  if (v > m || isnan(v)) m = v; \
} if (isinf(m)) m = 0; \
           for (int64_t i = 0; i < count; i++) res += exp((double)r[i] - m); res = log(res) + m;
/* float32 row (count) -> logsumexp: a vectorised max (NaN noted apart), then
 * sum exp(x - max) with ct__expf in 16 double lanes (as softmax.c does). Rows whose max is
 * infinite are settled without exp: -inf (all -inf, or empty) gives log(0) = -inf, +inf
 * gives +inf, as the double formula does. */
static float lse_row_f32(const float *r, int64_t count) {
  enum { L = 16 };
  float m = -INFINITY;
  int nan = 0;
#pragma omp simd reduction(max : m) reduction(| : nan)
  for (int64_t i = 0; i < count; i++) {
    m = r[i] > m ? r[i] : m;
    nan |= r[i] != r[i];
  }
  if (nan || isinf(m)) return nan ? NAN : m;
  double acc[L] = {0};
  int64_t i = 0;
  for (; i + L <= count; i += L)
    for (int j = 0; j < L; j++) acc[j] += ct__expf(r[i + j] - m);
  for (; i < count; i++) acc[0] += ct__expf(r[i] - m);
  for (int w = L / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return (float)(log(acc[0]) + m);
}
static void lse_rows_f32(const void *xv, int64_t outer, int64_t count, void *ov, const double *arg) {
  (void)arg;
  const float *x = xv;
  float *o = ov;
#pragma omp parallel for if (CT_REDUCE_PAR(outer, count))
  for (int64_t k = 0; k < outer; k++) o[k] = lse_row_f32(x + k * count, count);
}
ROWS_KERNEL(lse_rows, double, f64, double, LSE_BODY)
ROWS_TABLE(lse_rows);

/* out = logsumexp(x, dims): gx = g * exp(x - out). saved: x, out. */
static void lse_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  const ct_reduce_dims *r = &CT_ARGS(n, ct_reduce_args)->red;
  gi[0] = ct_mul(ct__expand_reduced(g[0], n, r), ct_exp(ct_sub(x, ct__unsqueeze_reduced(out, n, r))));
}

ct_tensor *ct_logsumexp_ex(const ct_tensor *t, ct_reduce_opts o) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_logsumexp_ex(ct__f32(t), o), h);
  if (!t) return NULL;
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  ct_dtype dt = ct__float_of(t->dtype);
  ct_tensor *out = run_rows(t, &ri, dt, dt, lse_rows[dt], NULL);
  if (!out) return NULL;
  ct__reduce_record("LogsumexpBackward0", lse_backward, t, out, &ri, o.keepdim, true,
                    &ct_reduce_args_type);
  return out;
}

/* ---- all / any ------------------------------------------------------------------------------ */
#define ALLANY_ROWS(E, T, tn)                                                                \
  static void allany_rows_##tn(const void *xv, int64_t outer, int64_t count, void *ov,         \
                               const double *arg) {                                            \
    const T *x = xv;                                                                           \
    bool any = arg[0] != 0;                                                                    \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(outer, count))")                               \
    for (int64_t k = 0; k < outer; k++) {                                                      \
      bool res = !any;                                                                         \
      for (int64_t i = 0; i < count; i++)                                                      \
        if ((x[k * count + i] != 0) == any) {                                                  \
          res = any;                                                                           \
          break;                                                                               \
        }                                                                                      \
      ((bool *)ov)[k] = res;                                                                   \
    }                                                                                          \
  }
CT_FOR_DTYPES(ALLANY_ROWS)
#define ALLANY_ENTRY(E, T, tn) [E] = allany_rows_##tn,
static const rows_fn allany_rows[CT_NUM_DTYPES] = {CT_FOR_DTYPES(ALLANY_ENTRY)};

static ct_tensor *all_any(const ct_tensor *t, ct_reduce_opts o, bool any) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(all_any(ct__f32(t), o, any), h);
  if (!t) return NULL;
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  double arg = any;
  /* bool results, except uint8 inputs keep uint8 (PyTorch's legacy rule); 0/1 share a byte */
  ct_tensor *out = run_rows(t, &ri, t->dtype, CT_BOOL, allany_rows[t->dtype], &arg);
  if (out && t->dtype == CT_UINT8) out->dtype = CT_UINT8;
  return out;
}

ct_tensor *ct_all_ex(const ct_tensor *t, ct_reduce_opts o) { return all_any(t, o, false); }
ct_tensor *ct_any_ex(const ct_tensor *t, ct_reduce_opts o) { return all_any(t, o, true); }
