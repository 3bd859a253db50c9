/* Scans along one dim: cumsum and cumprod. The input is made contiguous and seen as
 * (outer, n, inner); each (outer, inner) line is scanned with a double (int64 for integer
 * inputs) accumulator, the inner index running fastest so the loop vectorises (for
 * inner == 1, 8 lines at a time, each still accumulated in order). */
#include "../internal.h"
#include "reduce.h"

/* x (outer, n, inner) -> out (outer, n, inner), same dtype; acc holds inner accumulators */
#define SCAN_KERNEL(name, T, tn, AT, INIT, OP)                                                 \
  static void name##_##tn(const void *xv, void *ov, int64_t outer, int64_t n, int64_t inner) { \
    const T *x = xv;                                                                          \
    T *o = ov;                                                                                \
    if (inner == 1 && outer >= 8) { /* rows: 8 scanned in lockstep so their chains overlap */  \
      _Pragma("omp parallel for if (CT_REDUCE_PAR(outer, n))")                                \
      for (int64_t g = 0; g < outer / 8; g++) {                                               \
        AT acc[8];                                                                            \
        const T *xr = x + g * 8 * n;                                                          \
        T *orow = o + g * 8 * n;                                                              \
        for (int r = 0; r < 8; r++) acc[r] = INIT;                                            \
        for (int64_t k = 0; k < n; k++)                                                       \
          for (int r = 0; r < 8; r++) {                                                       \
            acc[r] = OP(acc[r], (AT)xr[r * n + k]);                                           \
            orow[r * n + k] = (T)acc[r];                                                      \
          }                                                                                   \
      }                                                                                       \
      int64_t done = outer / 8 * 8; /* the last rows one at a time */                         \
      x += done * n, o += done * n, outer -= done;                                            \
    }                                                                                         \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(outer, n * inner))")                          \
    for (int64_t a = 0; a < outer; a++) {                                                     \
      AT acc1, *acc = inner == 1 ? &acc1 : malloc(sizeof(AT) * (size_t)inner);               \
      if (acc) {                                                                              \
        for (int64_t i = 0; i < inner; i++) acc[i] = INIT;                                    \
        for (int64_t k = 0; k < n; k++) {                                                     \
          const T *xr = x + (a * n + k) * inner;                                              \
          T *orow = o + (a * n + k) * inner;                                                  \
          for (int64_t i = 0; i < inner; i++) {                                               \
            acc[i] = OP(acc[i], (AT)xr[i]);                                                   \
            orow[i] = (T)acc[i];                                                              \
          }                                                                                   \
        }                                                                                     \
        if (acc != &acc1) free(acc);                                                          \
      }                                                                                       \
    }                                                                                         \
  }
#define ADD_(a, b) ((a) + (b))
#define MUL_(a, b) ((a) * (b))
/* int64 products wrap like PyTorch's, computed unsigned so the overflow is defined */
#define UMUL_(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
SCAN_KERNEL(cumsum_k, float, f32, double, 0, ADD_)
SCAN_KERNEL(cumsum_k, double, f64, double, 0, ADD_)
SCAN_KERNEL(cumsum_k, int64_t, i64, int64_t, 0, ADD_)
SCAN_KERNEL(cumprod_k, float, f32, double, 1, MUL_)
SCAN_KERNEL(cumprod_k, double, f64, double, 1, MUL_)
SCAN_KERNEL(cumprod_k, int64_t, i64, int64_t, 1, UMUL_)
typedef void (*scan_fn)(const void *, void *, int64_t, int64_t, int64_t);
static const scan_fn cumsum_k[CT_NUM_DTYPES] = {
    [CT_FLOAT32] = cumsum_k_f32, [CT_FLOAT64] = cumsum_k_f64, [CT_INT64] = cumsum_k_i64};
static const scan_fn cumprod_k[CT_NUM_DTYPES] = {
    [CT_FLOAT32] = cumprod_k_f32, [CT_FLOAT64] = cumprod_k_f64, [CT_INT64] = cumprod_k_i64};

/* ---- backward ------------------------------------------------------------------------------ */
/* The reversed cumulative sum along dim (differentiable): flip, cumsum, flip as PyTorch;
 * sum(g) - cumsum(g) + g lost small tail sums to cancellation (cumprod's gradient at a
 * roundoff-sized entry, so det's double backward at a singular A). */
static ct_tensor *rev_cumsum(ct_tensor *g, int64_t dim) {
  return g->ndim ? ct_flip(ct_cumsum(ct_flip(g, 1, &dim), dim), 1, &dim) : g;
}

typedef struct {
  int64_t dim;
} cum_args;
CT_ARGS_TYPE(cum_args, NULL);

/* out = cumsum(x, dim): gx = reversed cumsum of g. */
static void cumsum_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = rev_cumsum(g[0], CT_ARGS(n, cum_args)->dim);
}

/* Zero-safe first-order cumprod gradient on contiguous double lines (outer, len, inner):
 * gx_k = prod_{j<k} x_j * R_k with R_k = g_k + x_{k+1} * R_{k+1}. O(n) but not
 * differentiable: used only when no graph is being built. */
static void cumprod_grad_lines(const double *x, const double *g, double *gx, int64_t outer,
                               int64_t len, int64_t inner) {
  for (int64_t a = 0; a < outer; a++)
    for (int64_t i = 0; i < inner; i++) {
      const int64_t base = a * len * inner + i;
#define AT_(p, k) p[base + (k) * inner]
      double r = 0;
      for (int64_t k = len - 1; k >= 0; k--) {
        r = AT_(g, k) + (k + 1 < len ? AT_(x, k + 1) * r : 0);
        AT_(gx, k) = r; /* R_k for now */
      }
      double pre = 1;
      for (int64_t k = 0; k < len; k++) {
        AT_(gx, k) *= pre;
        pre *= AT_(x, k);
      }
#undef AT_
    }
}

/* t moved s places along dim (s > 0: towards higher indices), `fill` entering the vacated
 * places: out_k = t_{k-s}, or fill where k - s is out of range. Differentiable
 * (narrow + cat); size(dim) >= 1. */
static ct_tensor *shift_fill(ct_tensor *t, int64_t dim, int64_t s, double fill) {
  int64_t n = t->shape[dim], m = s < 0 ? -s : s;
  if (m >= n) return ct_full_like(t, fill);
  ct_tensor *keep = ct_narrow(t, dim, s > 0 ? 0 : m, n - m);
  ct_tensor *pad = ct_full_like(ct_narrow(t, dim, 0, m), fill);
  return ct_cat(s > 0 ? (ct_tensor *const[]){pad, keep} : (ct_tensor *const[]){keep, pad}, 2, dim);
}

ct_tensor *ct__cumprod_exclusive(ct_tensor *x, int64_t dim) {
  return ct_cumprod(shift_fill(x, dim, 1, 1), dim);
}

/* R_k = sum_{i>=k} g_i * prod_{k<j<=i} x_j (the recurrence R_k = g_k + x_{k+1} R_{k+1})
 * without dividing by x, so zeros are exact to every order. A log-step scan of
 * differentiable ops: after the step of width s, R_k = b_k + a_k * R_{k+s} with
 * a_k = prod_{k<j<=k+s} x_j; out-of-range terms enter as 0. */
static ct_tensor *rev_prod_scan(ct_tensor *x, ct_tensor *g, int64_t dim) {
  int64_t n = x->shape[dim];
  ct_tensor *a = shift_fill(x, dim, -1, 0), *b = g;
  for (int64_t s = 1; s < n && a && b; s *= 2) {
    b = ct_add(b, ct_mul(a, shift_fill(b, dim, -s, 0)));
    if (2 * s < n) a = ct_mul(a, shift_fill(a, dim, -s, 0));
  }
  return b;
}

/* out = cumprod(x, dim): gx_k = sum_{i>=k} g_i * prod_{j<=i, j!=k} x_j.
 * Without zeros that is reversed cumsum(g * out) / x. With zeros it is
 * prod_{j<k} x_j * R_k (rev_prod_scan), built from differentiable ops when a graph is being
 * built (create_graph), else by the O(n) loop. saved: x, out. */
static void cumprod_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, cum_args)->dim;
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  /* one element per line: cumprod is the identity */
  if (x->ndim == 0 || x->shape[dim] <= 1) {
    gi[0] = g[0];
    return;
  }
  ct_tensor *xd = ct__contig_as(x, CT_FLOAT64);
  if (!xd) return;
  int64_t cnt = ct_numel(xd);
  bool zeros = false;
  for (int64_t k = 0; k < cnt && !zeros; k++) zeros = CT_PTR(xd, double)[k] == 0;
  if (!zeros) {
    gi[0] = ct_div(rev_cumsum(ct_mul(g[0], out), dim), x);
    return;
  }
  if (ct_is_grad_enabled()) {
    gi[0] = ct_mul(ct__cumprod_exclusive(x, dim), rev_prod_scan(x, g[0], dim));
    return;
  }
  ct_tensor *gd = ct__contig_as(g[0], CT_FLOAT64), *gx = ct__empty(CT_FLOAT64, x->ndim, x->shape);
  if (!gd || !gx) return;
  int64_t outer, len, inner;
  ct__dim_split(xd, (int)dim, &outer, &len, &inner);
  cumprod_grad_lines(CT_PTR(xd, double), CT_PTR(gd, double), CT_PTR(gx, double), outer, len, inner);
  gi[0] = ct__contig_as(gx, x->dtype);
}

/* ---- forward ------------------------------------------------------------------------------- */
static ct_tensor *scan(const ct_tensor *t, int64_t dim, bool prod) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(scan(ct__f32(t), dim, prod), h);
  if (!t) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (t->ndim == 0) d = 0;
  bool fl = ct_dtype_is_floating(t->dtype);
  ct_dtype dt = fl ? t->dtype : CT_INT64;
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, dt);
  ct_tensor *out = x ? ct__empty(dt, t->ndim, t->shape) : NULL;
  if (!out) return ct__op_end(NULL);
  int64_t outer, n, inner;
  ct__dim_split(x, (int)d, &outer, &n, &inner);
  (prod ? cumprod_k : cumsum_k)[dt](ct__ptr(x), ct__ptr(out), outer, n, inner);
  if (fl) {
    ct_node *nd = ct__node_new(prod ? "CumprodBackward0" : "CumsumBackward0",
                               prod ? cumprod_backward : cumsum_backward, 1,
                               (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (nd) {
      CT_NEW_ARGS(nd, cum_args)->dim = d;
      if (prod) {
        ct__save(nd, t, false);
        ct__save(nd, out, true);
      }
      ct__set_history(out, nd, 0);
    }
  }
  return ct__op_end(out);
}

ct_tensor *ct_cumsum(const ct_tensor *t, int64_t dim) { return scan(t, dim, false); }
ct_tensor *ct_cumprod(const ct_tensor *t, int64_t dim) { return scan(t, dim, true); }
