/* The elementwise losses with their own grad_fn in PyTorch 1.13: mse_loss, smooth_l1_loss,
 * huber_loss, soft_margin_loss, binary_cross_entropy and binary_cross_entropy_with_logits (one
 * primitive, ploss, per kind), and l1_loss (composed: AbsBackward0 / MeanBackward0 as PyTorch).
 * Forward: one pass computing the elementwise loss and, for mean / sum, its sum (in double).
 * Backward: one fused pass when no graph is being built; with create_graph the same formula
 * written with differentiable ops, so second derivatives work. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

#include "ctorch/functional.h"
#include "elementwise.h"
#include "loss.h"

typedef enum { K_MSE, K_SMOOTH_L1, K_HUBER, K_SOFT_MARGIN, K_BCE, K_BCE_LOGITS } loss_kind;
static const char *const grad_fn_names[] = {
    "MseLossBackward0",       "SmoothL1LossBackward0",
    "HuberLossBackward0",     "SoftMarginLossBackward0",
    "BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0"};

typedef struct {
  loss_kind kind;
  ct_reduction red;
  double p; /* beta (smooth_l1), delta (huber) */
  bool has_w, has_pw;
} ploss_args;
CT_ARGS_TYPE(ploss_args, NULL);

/* ---- elementwise formulas (double; w, pw are 1 when absent) --------------------------------- */
static inline double f_loss(const ploss_args *a, double x, double y, double w, double pw) {
  double d = x - y, ad = fabs(d), b = a->p;
  switch (a->kind) {
  case K_MSE: return d * d;
  case K_SMOOTH_L1: return ad < b ? 0.5 * d * d / b : ad - 0.5 * b;
  case K_HUBER: return ad < b ? 0.5 * d * d : b * (ad - 0.5 * b);
  case K_SOFT_MARGIN: return log1p(exp(-x * y));
  case K_BCE: return w * ((y - 1) * fmax(log1p(-x), -100) - y * fmax(log(x), -100));
  case K_BCE_LOGITS: {
    /* PyTorch's stable form: (1 - y) x + (1 + (pw - 1) y) (log(exp(-m) + exp(-x - m)) + m),
     * m = max(-x, 0); one of the two exps is exp(0) = 1 */
    double m = x < 0 ? -x : 0;
    return w * ((1 - y) * x + (1 + (pw - 1) * y) * (log(1 + exp(-fabs(x))) + m));
  }
  }
  return NAN;
}
/* d loss / d x */
static inline double f_dx(const ploss_args *a, double x, double y, double w, double pw) {
  double d = x - y, b = a->p;
  switch (a->kind) {
  case K_MSE: return 2 * d;
  case K_SMOOTH_L1: return d <= -b ? -1 : d >= b ? 1 : d / b; /* smooth_l1_backward's order */
  case K_HUBER: return d <= -b ? -b : d >= b ? b : d;
  case K_SOFT_MARGIN: {
    double z = exp(-y * x);
    return -y * z / (1 + z);
  }
  case K_BCE: return w * (x - y) / fmax((1 - x) * x, 1e-12);
  case K_BCE_LOGITS: {
    double s = 1 / (1 + exp(-x)), t = pw * y;
    return w * ((t + 1 - y) * s - t);
  }
  }
  return NAN;
}
/* log(sigmoid(x)), stable */
static inline double log_sigmoid(double x) { return fmin(x, 0) - log1p(exp(-fabs(x))); }
/* d loss / d y (soft_margin has none) */
static inline double f_dy(const ploss_args *a, double x, double y, double w, double pw) {
  switch (a->kind) {
  case K_BCE: return w * (log1p(-x) - log(x)); /* -logit(x) */
  case K_BCE_LOGITS: return w * (a->has_pw ? log_sigmoid(-x) - pw * log_sigmoid(x) : -x);
  default: return -f_dx(a, x, y, w, pw);
  }
}

/* ---- kernels over contiguous data: x, y, w, pw of n elements (w / pw may be NULL) ---------- */
/* One loop per kind K (a constant: f_loss's switch folds, and w / pw, which only the BCE kinds
 * read, are never loaded by the others) and per presence of out / g / gx / gy: a conditional
 * access to an absent (NULL) array would vectorise into masked accesses, each fault-assisted. */
#define W_AT(i) (w ? w[i] : 1)
#define PW_AT(i) (pw ? pw[i] : 1)
#define PFOR _Pragma("omp parallel for simd if (n >= CT_GRAIN) schedule(static)")
#define PFOR_SUM _Pragma("omp parallel for simd reduction(+ : acc) if (n >= CT_GRAIN) schedule(static)")
#define KIND_LOOPS(T, sfx, K)                                                                   \
  /* forward: out[i] = loss_i (out NULL: only the sum); returns sum_i loss_i */                 \
  static double fwd_##sfx##_##K(const ploss_args *a0, int64_t n, const T *x, const T *y,       \
                                const T *w, const T *pw, T *out) {                              \
    ploss_args a = *a0;                                                                         \
    a.kind = K;                                                                                 \
    double acc = 0;                                                                             \
    if (out) {                                                                                  \
      PFOR_SUM for (int64_t i = 0; i < n; i++) {                                                \
        double l = f_loss(&a, x[i], y[i], W_AT(i), PW_AT(i));                                   \
        out[i] = (T)l;                                                                          \
        acc += l;                                                                               \
      }                                                                                         \
    } else {                                                                                    \
      PFOR_SUM for (int64_t i = 0; i < n; i++) acc += f_loss(&a, x[i], y[i], W_AT(i), PW_AT(i)); \
    }                                                                                           \
    return acc;                                                                                 \
  }                                                                                             \
  /* backward: gx[i] = dloss/dx * (g ? g[i] : gs), gy likewise (either may be NULL) */          \
  static void bwd_##sfx##_##K(const ploss_args *a0, int64_t n, const T *x, const T *y,         \
                              const T *w, const T *pw, const T *g, double gs, T *gx, T *gy) {   \
    ploss_args a = *a0;                                                                         \
    a.kind = K;                                                                                 \
    if (g) {                                                                                    \
      if (gx) PFOR for (int64_t i = 0; i < n; i++)                                              \
        gx[i] = (T)(f_dx(&a, x[i], y[i], W_AT(i), PW_AT(i)) * g[i]);                            \
      if (gy) PFOR for (int64_t i = 0; i < n; i++)                                              \
        gy[i] = (T)(f_dy(&a, x[i], y[i], W_AT(i), PW_AT(i)) * g[i]);                            \
    } else {                                                                                    \
      if (gx) PFOR for (int64_t i = 0; i < n; i++)                                              \
        gx[i] = (T)(f_dx(&a, x[i], y[i], W_AT(i), PW_AT(i)) * gs);                              \
      if (gy) PFOR for (int64_t i = 0; i < n; i++)                                              \
        gy[i] = (T)(f_dy(&a, x[i], y[i], W_AT(i), PW_AT(i)) * gs);                              \
    }                                                                                           \
  }
#define TYPE_LOOPS(T, sfx)                                                                      \
  KIND_LOOPS(T, sfx, K_MSE)                                                                     \
  KIND_LOOPS(T, sfx, K_SMOOTH_L1)                                                               \
  KIND_LOOPS(T, sfx, K_HUBER)                                                                   \
  KIND_LOOPS(T, sfx, K_SOFT_MARGIN)                                                             \
  KIND_LOOPS(T, sfx, K_BCE)                                                                     \
  KIND_LOOPS(T, sfx, K_BCE_LOGITS)                                                              \
  static double fwd_##sfx(const ploss_args *a, int64_t n, const T *x, const T *y, const T *w,   \
                          const T *pw, T *out) {                                                \
    static double (*const f[])(const ploss_args *, int64_t, const T *, const T *, const T *,    \
                               const T *, T *) = {                                              \
        fwd_##sfx##_K_MSE,         fwd_##sfx##_K_SMOOTH_L1, fwd_##sfx##_K_HUBER,                \
        fwd_##sfx##_K_SOFT_MARGIN, fwd_##sfx##_K_BCE,       fwd_##sfx##_K_BCE_LOGITS};          \
    return f[a->kind](a, n, x, y, w, pw, out);                                                  \
  }                                                                                             \
  static void bwd_##sfx(const ploss_args *a, int64_t n, const T *x, const T *y, const T *w,     \
                        const T *pw, const T *g, double gs, T *gx, T *gy) {                     \
    static void (*const f[])(const ploss_args *, int64_t, const T *, const T *, const T *,      \
                             const T *, const T *, double, T *, T *) = {                        \
        bwd_##sfx##_K_MSE,         bwd_##sfx##_K_SMOOTH_L1, bwd_##sfx##_K_HUBER,                \
        bwd_##sfx##_K_SOFT_MARGIN, bwd_##sfx##_K_BCE,       bwd_##sfx##_K_BCE_LOGITS};          \
    f[a->kind](a, n, x, y, w, pw, g, gs, gx, gy);                                               \
  }
TYPE_LOOPS(float, f32)
TYPE_LOOPS(double, f64)

/* float32 log for u in [1, 2] (1 + exp(-|x|)), vectorisable: u = 2^e m with m in
 * [sqrt(1/2), sqrt(2)), log(m) by Cephes' logf polynomial in f = m - 1. Within 2 ulp. */
static inline float log_1_2f(float u) {
  uint32_t b;
  memcpy(&b, &u, sizeof b);
  int32_t e = (int32_t)((b >> 23) & 0xff) - 126;
  b = (b & 0x807fffffu) | 0x3f000000u; /* m in [0.5, 1) */
  float m;
  memcpy(&m, &b, sizeof m);
  bool lo = m < 0.707106781186547524f;
  e -= lo;
  float f = lo ? m + m - 1.0f : m - 1.0f, z = f * f;
  float p = 7.0376836292e-2f;
  p = fmaf(p, f, -1.1514610310e-1f);
  p = fmaf(p, f, 1.1676998740e-1f);
  p = fmaf(p, f, -1.2420140846e-1f);
  p = fmaf(p, f, 1.4249322787e-1f);
  p = fmaf(p, f, -1.6668057665e-1f);
  p = fmaf(p, f, 2.0000714765e-1f);
  p = fmaf(p, f, -2.4999993993e-1f);
  p = fmaf(p, f, 3.3333331174e-1f);
  float r = p * f * z + (float)e * -2.12194440e-4f - 0.5f * z;
  return f + r + (float)e * 0.693359375f;
}
/* binary_cross_entropy_with_logits in float32 (the 1M-element training case): forward
 * l = w ((1 - y) x + (1 + (pw - 1) y) (log(1 + exp(-|x|)) + max(-x, 0))), summed in double;
 * backward gx = w ((pw y + 1 - y) sigmoid(x) - pw y) g. One loop per presence of w / pw
 * (HW, HP compile-time): a conditional load of an absent array would vectorise into masked
 * loads from NULL, which fault-assist on every vector. */
/* element i's loss and input derivative */
static inline float bcel_loss(float xi, float yi, float wi, float pwi, bool hw, bool hp) {
  float m = xi < 0 ? -xi : 0.0f, lw = hp ? 1.0f + (pwi - 1.0f) * yi : 1.0f;
  float l = (1.0f - yi) * xi + lw * (log_1_2f(1.0f + ct__expf(-fabsf(xi))) + m);
  return hw ? l * wi : l;
}
static inline float bcel_dx(float xi, float yi, float wi, float pwi, bool hw, bool hp) {
  float s = 1.0f / (1.0f + ct__expf(-xi)), t = hp ? pwi * yi : yi;
  float v = hp ? (t + 1.0f - yi) * s - t : s - yi;
  return hw ? v * wi : v;
}
#define BCEL_LOOPS(sfx, HW, HP)                                                                 \
  static double bcel_fwd_##sfx(int64_t n, const float *x, const float *y, const float *w,      \
                               const float *pw, float *out) {                                   \
    double acc = 0;                                                                             \
    if (out) {                                                                                  \
      _Pragma("omp parallel for simd reduction(+ : acc) if (n >= CT_GRAIN) schedule(static)")  \
      for (int64_t i = 0; i < n; i++) {                                                         \
        float l = bcel_loss(x[i], y[i], HW ? w[i] : 1, HP ? pw[i] : 1, HW, HP);                 \
        out[i] = l;                                                                             \
        acc += l;                                                                               \
      }                                                                                         \
    } else {                                                                                    \
      _Pragma("omp parallel for simd reduction(+ : acc) if (n >= CT_GRAIN) schedule(static)")  \
      for (int64_t i = 0; i < n; i++)                                                           \
        acc += bcel_loss(x[i], y[i], HW ? w[i] : 1, HP ? pw[i] : 1, HW, HP);                    \
    }                                                                                           \
    return acc;                                                                                 \
  }                                                                                             \
  static void bcel_bwd_##sfx(int64_t n, const float *x, const float *y, const float *w,         \
                             const float *pw, const float *g, float gs, float *gx) {            \
    if (g) {                                                                                    \
      _Pragma("omp parallel for simd if (n >= CT_GRAIN) schedule(static)")                      \
      for (int64_t i = 0; i < n; i++)                                                           \
        gx[i] = bcel_dx(x[i], y[i], HW ? w[i] : 1, HP ? pw[i] : 1, HW, HP) * g[i];              \
    } else {                                                                                    \
      _Pragma("omp parallel for simd if (n >= CT_GRAIN) schedule(static)")                      \
      for (int64_t i = 0; i < n; i++)                                                           \
        gx[i] = bcel_dx(x[i], y[i], HW ? w[i] : 1, HP ? pw[i] : 1, HW, HP) * gs;                \
    }                                                                                           \
  }
BCEL_LOOPS(plain, 0, 0)
BCEL_LOOPS(w, 1, 0)
BCEL_LOOPS(pw, 0, 1)
BCEL_LOOPS(wpw, 1, 1)
typedef double (*bcel_fwd_fn)(int64_t, const float *, const float *, const float *, const float *, float *);
typedef void (*bcel_bwd_fn)(int64_t, const float *, const float *, const float *, const float *,
                            const float *, float, float *);
static double bcel_fwd_f32(int64_t n, const float *x, const float *y, const float *w,
                           const float *pw, float *out) {
  static const bcel_fwd_fn f[4] = {bcel_fwd_plain, bcel_fwd_w, bcel_fwd_pw, bcel_fwd_wpw};
  return f[(w != NULL) + 2 * (pw != NULL)](n, x, y, w, pw, out);
}
static void bcel_bwd_f32(int64_t n, const float *x, const float *y, const float *w,
                         const float *pw, const float *g, float gs, float *gx) {
  static const bcel_bwd_fn f[4] = {bcel_bwd_plain, bcel_bwd_w, bcel_bwd_pw, bcel_bwd_wpw};
  f[(w != NULL) + 2 * (pw != NULL)](n, x, y, w, pw, g, gs, gx);
}

/* ---- the primitive ------------------------------------------------------------------------- */
/* saved: 0 x, 1 y (the inputs with their history, for create_graph), 2 w, 3 pw (contiguous,
 * the compute dtype; NULL when absent) */
/* Composed form of d loss / dx and d loss / dy, differentiable (create_graph). */
static ct_tensor *dx_composed(const ploss_args *a, ct_tensor *x, ct_tensor *y, ct_tensor *w,
                              ct_tensor *pw) {
  ct_tensor *d = ct_sub(x, y), *r = NULL;
  switch (a->kind) {
  case K_MSE: r = ct_mul_scalar(d, 2); break;
  case K_SMOOTH_L1:
    r = a->p > 0 ? ct_clamp(ct_div_scalar(d, a->p), -1, 1)
                 : ct_where(ct_le_scalar(d, 0), ct_full_like(d, -1), ct_ones_like(d));
    break;
  case K_HUBER: r = ct_clamp(d, -a->p, a->p); break;
  case K_SOFT_MARGIN: r = ct_neg(ct_mul(y, ct_sigmoid(ct_neg(ct_mul(y, x))))); break;
  case K_BCE: r = ct_div(d, ct_clamp(ct_mul(ct_rsub_scalar(x, 1), x), 1e-12, NAN)); break;
  case K_BCE_LOGITS:
    if (pw) {
      ct_tensor *t = ct_mul(pw, y);
      r = ct_sub(ct_mul(ct_sub(ct_add_scalar(t, 1), y), ct_sigmoid(x)), t);
    } else {
      r = ct_sub(ct_sigmoid(x), y);
    }
    break;
  }
  return w ? ct_mul(r, w) : r;
}
static ct_tensor *dy_composed(const ploss_args *a, ct_tensor *x, ct_tensor *y, ct_tensor *w,
                              ct_tensor *pw) {
  ct_tensor *r;
  if (a->kind == K_BCE)
    r = ct_sub(ct_log1p(ct_neg(x)), ct_log(x));
  else if (a->kind == K_BCE_LOGITS)
    r = pw ? ct_sub(ct_logsigmoid(ct_neg(x)), ct_mul(ct_logsigmoid(x), pw)) : ct_neg(x);
  else
    return ct_neg(dx_composed(a, x, y, w, pw));
  return w ? ct_mul(r, w) : r;
}

static void ploss_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const ploss_args *a = CT_ARGS(n, ploss_args);
  ct_tensor *x = ct__saved(n, 0), *y = ct__saved(n, 1);
  ct_tensor *w = a->has_w ? ct__saved(n, 2) : NULL, *pw = a->has_pw ? ct__saved(n, 3) : NULL;
  if (!x || !y || (a->has_w && !w) || (a->has_pw && !pw)) return;
  int64_t N = ct_numel(x);
  bool want_x = ct__needs_grad(n, 0), want_y = ct__needs_grad(n, 1);
  if (ct_is_grad_enabled()) { /* create_graph: the differentiable form */
    ct_tensor *gs = a->red == CT_REDUCTION_MEAN ? ct_div_scalar(g[0], (double)N) : g[0];
    if (want_x) gi[0] = ct_mul(dx_composed(a, x, y, w, pw), gs);
    if (want_y) gi[1] = ct_mul(dy_composed(a, x, y, w, pw), gs);
    return;
  }
  bool none = a->red == CT_REDUCTION_NONE, f32 = x->dtype == CT_FLOAT32;
  x = ct__contig_as(x, x->dtype);
  y = ct__contig_as(y, x->dtype);
  ct_tensor *gc = none ? ct__contig_as(g[0], x->dtype) : NULL;
  double gs = none ? 0 : ct_item(g[0]) / (a->red == CT_REDUCTION_MEAN ? (double)N : 1);
  ct_tensor *gx = want_x ? ct__empty(x->dtype, x->ndim, x->shape) : NULL;
  ct_tensor *gy = want_y ? ct__empty(x->dtype, x->ndim, x->shape) : NULL;
  if (!x || !y || (none && !gc) || (want_x && !gx) || (want_y && !gy)) return;
#define P(t, T) ((t) ? CT_PTR(t, T) : NULL)
  if (f32 && a->kind == K_BCE_LOGITS && gx) {
    bcel_bwd_f32(N, P(x, float), P(y, float), P(w, float), P(pw, float), P(gc, float), (float)gs,
                 P(gx, float));
    if (gy) bwd_f32(a, N, P(x, float), P(y, float), P(w, float), P(pw, float), P(gc, float), gs,
                    NULL, P(gy, float));
  } else if (f32) {
    bwd_f32(a, N, P(x, float), P(y, float), P(w, float), P(pw, float), P(gc, float), gs,
            P(gx, float), P(gy, float));
  } else {
    bwd_f64(a, N, P(x, double), P(y, double), P(w, double), P(pw, double), P(gc, double), gs,
            P(gx, double), P(gy, double));
  }
  gi[0] = gx;
  gi[1] = gy;
}

/* PyTorch's "The function 'fn' is not differentiable with respect to argument 'arg'." for an
 * argument the loss has no derivative for. */
static int check_nondiff(const ct_tensor *t, const char *fn, const char *arg) {
  if (t && ct_requires_grad(t) && ct_is_grad_enabled())
    return ct__errs("The function '%s' is not differentiable with respect to argument '%s'. This "
                    "input cannot have requires_grad True.", fn, arg);
  return 0;
}

/* w (NULL: none) broadcast to x's shape, contiguous in dt, no history. */
static ct_tensor *expand_weight(const ct_tensor *w, const ct_tensor *x, ct_dtype dt) {
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *e = ct_expand(w, x->ndim, x->shape);
  ct_set_grad_enabled(prev);
  return e ? ct__contig_as(e, dt) : NULL;
}

static int reduction_ok(ct_reduction red, const char *fn) {
  if (red == CT_REDUCTION_MEAN || red == CT_REDUCTION_SUM || red == CT_REDUCTION_NONE) return 0;
  if (red == CT_REDUCTION_BATCHMEAN)
    return ct__errs("%s: reduction='batchmean' is only valid for kl_div", fn);
  return ct__errs("%d is not a valid value for reduction", (int)red);
}

/* loss(x, y) of kind k: x and y of one shape, floating dtype dt; w / pw broadcast to it. */
static ct_tensor *ploss(ploss_args a, const ct_tensor *x, const ct_tensor *y, const ct_tensor *w,
                        const ct_tensor *pw, ct_dtype dt) {
  CT_OP_BEGIN();
  ct_tensor *xc = ct_to(x, dt), *yc = ct_to(y, dt); /* differentiable casts */
  ct_tensor *cx = ct__contig_as(xc, dt), *cy = ct__contig_as(yc, dt);
  ct_tensor *cw = w ? expand_weight(w, x, dt) : NULL, *cpw = pw ? expand_weight(pw, x, dt) : NULL;
  if (!cx || !cy || (w && !cw) || (pw && !cpw)) return ct__op_end(NULL);
  a.has_w = w != NULL, a.has_pw = pw != NULL;
  int64_t N = ct_numel(cx);
  bool f32 = dt == CT_FLOAT32;
  if (a.kind == K_BCE) { /* ATen's check, before anything is computed */
    for (int64_t i = 0; i < N; i++) {
      double v = f32 ? CT_PTR(cx, float)[i] : CT_PTR(cx, double)[i];
      if (!(v >= 0 && v <= 1))
        return ct__op_end(ct__err("all elements of input should be between 0 and 1"));
    }
  }
  bool none = a.red == CT_REDUCTION_NONE;
  ct_tensor *out = none ? ct__empty(dt, x->ndim, x->shape) : ct__empty(dt, 0, NULL);
  if (!out) return ct__op_end(NULL);
  double s;
  if (f32 && a.kind == K_BCE_LOGITS)
    s = bcel_fwd_f32(N, P(cx, float), P(cy, float), P(cw, float), P(cpw, float),
                     none ? P(out, float) : NULL);
  else if (f32)
    s = fwd_f32(&a, N, P(cx, float), P(cy, float), P(cw, float), P(cpw, float),
                none ? P(out, float) : NULL);
  else
    s = fwd_f64(&a, N, P(cx, double), P(cy, double), P(cw, double), P(cpw, double),
                none ? P(out, double) : NULL);
#undef P
  if (!none) ct__store(ct__ptr(out), dt, a.red == CT_REDUCTION_MEAN ? s / (double)N : s);
  ct_node *n = ct__node_new(grad_fn_names[a.kind], ploss_backward, 2,
                            (ct_tensor *const[]){xc, yc}, 1);
  if (n) {
    *CT_NEW_ARGS(n, ploss_args) = a;
    ct__save(n, xc, false);
    ct__save(n, yc, false);
    ct__save(n, cw, false);
    ct__save(n, cpw, false);
    ct__set_history(out, n, 0);
  }
  return ct__op_end(out);
}

/* ---- shared checks ------------------------------------------------------------------------ */
/* "torch.Size([3, 1])" */
static void size_str(char *buf, size_t cap, const ct_tensor *t) {
  size_t k = (size_t)snprintf(buf, cap, "torch.Size([");
  for (int i = 0; i < t->ndim && k < cap; i++)
    k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
  if (k < cap) snprintf(buf + k, cap - k, "])");
}
static bool same_size(const ct_tensor *a, const ct_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}
/* F.l1_loss / mse_loss / smooth_l1_loss / huber_loss: PyTorch warns (warnings.warn, shown once
 * per call site by Python's default filter) and broadcasts; here once per function, on stderr. */
static void size_warning(atomic_bool *once, const ct_tensor *input, const ct_tensor *target) {
  if (same_size(input, target) || atomic_exchange(once, true)) return;
  char a[256], b[256];
  size_str(a, sizeof a, target);
  size_str(b, sizeof b, input);
  fprintf(stderr,
          "UserWarning: Using a target size (%s) that is different to the input size (%s). This "
          "will likely lead to incorrect results due to broadcasting. Please ensure they have the "
          "same size.\n", a, b);
}
/* NULL + the message fmt with target's size, then input's */
static void *size_error(const char *fmt, const ct_tensor *input, const ct_tensor *target) {
  char a[256], b[256];
  size_str(a, sizeof a, target);
  size_str(b, sizeof b, input);
  return ct__err(fmt, a, b);
}
/* input and target broadcast to one shape (torch.broadcast_tensors), differentiable. */
static int broadcast_pair(const ct_tensor *x, const ct_tensor *y, ct_tensor **bx, ct_tensor **by) {
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shape(x->ndim, x->shape, y->ndim, y->shape, &nd, shape)) return -1;
  *bx = ct_expand(x, nd, shape);
  *by = ct_expand(y, nd, shape);
  return *bx && *by ? 0 : -1;
}
static ct_dtype float_result(const ct_tensor *x, const ct_tensor *y, const char *kernel) {
  ct_dtype dt = ct_result_type(x, y);
  if (!ct_dtype_is_floating(dt)) {
    ct__err("\"%s\" not implemented for '%s'", kernel, ct__dtype_short(dt));
    return CT_DTYPE_UNSET;
  }
  return dt;
}

/* the regression kinds: warn, broadcast, run */
static ct_tensor *regression(ploss_args a, const ct_tensor *x, const ct_tensor *y,
                             atomic_bool *once, const char *fn, const char *kernel, bool own_dtype) {
  ct_dtype h = ct__half_enter(x, y, NULL);
  if ((int)h >= 0) return ct__half_end(regression(a, ct__f32(x), ct__f32(y), once, fn, kernel, own_dtype), h);
  if (!x || !y) return NULL;
  if (reduction_ok(a.red, fn)) return NULL;
  ct_dtype dt = own_dtype ? x->dtype : float_result(x, y, kernel);
  if (dt == CT_DTYPE_UNSET) return NULL;
  if (!ct_dtype_is_floating(dt))
    return ct__err("\"%s\" not implemented for '%s'", kernel, ct__dtype_short(dt));
  size_warning(once, x, y);
  CT_OP_BEGIN();
  ct_tensor *bx, *by;
  if (broadcast_pair(x, y, &bx, &by)) return ct__op_end(NULL);
  return ct__op_end(ploss(a, bx, by, NULL, NULL, dt));
}

static atomic_bool warned_l1, warned_mse, warned_smooth_l1, warned_huber;

ct_tensor *ct_l1_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_l1_loss_opts o) {
  if (!input || !target) return NULL;
  if (reduction_ok(o.reduction, "l1_loss")) return NULL;
  size_warning(&warned_l1, input, target);
  CT_OP_BEGIN();
  ct_tensor *bx, *by;
  if (broadcast_pair(input, target, &bx, &by)) return ct__op_end(NULL);
  return ct__op_end(ct__loss_reduce(ct_abs(ct_sub(bx, by)), o.reduction, "l1_loss"));
}

ct_tensor *ct_mse_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_mse_loss_opts o) {
  return regression((ploss_args){.kind = K_MSE, .red = o.reduction}, input, target, &warned_mse,
                    "mse_loss", "mse_cpu", false);
}

ct_tensor *ct_smooth_l1_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                ct_smooth_l1_loss_opts o) {
  if (o.beta < 0) return ct__err("smooth_l1_loss does not support negative values for beta.");
  return regression((ploss_args){.kind = K_SMOOTH_L1, .red = o.reduction, .p = o.beta}, input,
                    target, &warned_smooth_l1, "smooth_l1_loss", "smooth_l1_cpu", false);
}

ct_tensor *ct_huber_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_huber_loss_opts o) {
  if (!(o.delta > 0)) return ct__err("huber_loss does not support non-positive values for delta.");
  return regression((ploss_args){.kind = K_HUBER, .red = o.reduction, .p = o.delta}, input,
                    target, &warned_huber, "huber_loss", "huber_cpu", true);
}

/* soft_margin_loss: input's dtype; an integer input cannot hold the float result */
ct_tensor *ct_soft_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                  ct_soft_margin_loss_opts o) {
  ct_dtype h = ct__half_enter(input, target, NULL);
  if ((int)h >= 0) return ct__half_end(ct_soft_margin_loss_ex(ct__f32(input), ct__f32(target), o), h);
  if (!input || !target) return NULL;
  if (reduction_ok(o.reduction, "soft_margin_loss")) return NULL;
  if (!ct_dtype_is_floating(input->dtype))
    return ct__err("result type Float can't be cast to the desired output type %s",
                   ct__dtype_short(input->dtype));
  if (check_nondiff(target, "soft_margin_loss", "target")) return NULL;
  CT_OP_BEGIN();
  ct_tensor *bx, *by;
  if (broadcast_pair(input, target, &bx, &by)) return ct__op_end(NULL);
  return ct__op_end(ploss((ploss_args){.kind = K_SOFT_MARGIN, .red = o.reduction}, bx, by, NULL,
                          NULL, input->dtype));
}

ct_tensor *ct_binary_cross_entropy_ex(const ct_tensor *input, const ct_tensor *target,
                                      ct_binary_cross_entropy_opts o) {
  ct_dtype h = ct__half_enter(input, target, o.weight);
  if ((int)h >= 0) {
    o.weight = ct__f32(o.weight);
    return ct__half_end(ct_binary_cross_entropy_ex(ct__f32(input), ct__f32(target), o), h);
  }
  if (!input || !target) return NULL;
  if (reduction_ok(o.reduction, "binary_cross_entropy")) return NULL;
  if (!same_size(input, target))
    return size_error("Using a target size (%s) that is different to the input size (%s) is "
                      "deprecated. Please ensure they have the same size.", input, target);
  if (!ct_dtype_is_floating(input->dtype))
    return ct__err("\"binary_cross_entropy\" not implemented for '%s'",
                   ct__dtype_short(input->dtype));
  if (target->dtype != input->dtype || (o.weight && o.weight->dtype != input->dtype)) {
    const ct_tensor *bad = target->dtype != input->dtype ? target : o.weight;
    return ct__err("Found dtype %s but expected %s", ct__dtype_short(bad->dtype),
                   ct__dtype_short(input->dtype));
  }
  if (check_nondiff(o.weight, "binary_cross_entropy", "weight")) return NULL;
  return ploss((ploss_args){.kind = K_BCE, .red = o.reduction}, input, target, o.weight, NULL,
               input->dtype);
}

ct_tensor *ct_binary_cross_entropy_with_logits_ex(const ct_tensor *input, const ct_tensor *target,
                                                  ct_binary_cross_entropy_with_logits_opts o) {
  ct_dtype h = ct__half_enter(input, target, o.weight ? o.weight : o.pos_weight);
  if ((int)h >= 0) {
    o.weight = ct__f32(o.weight);
    o.pos_weight = ct__f32(o.pos_weight);
    return ct__half_end(ct_binary_cross_entropy_with_logits_ex(ct__f32(input), ct__f32(target), o), h);
  }
  if (!input || !target) return NULL;
  if (reduction_ok(o.reduction, "binary_cross_entropy_with_logits")) return NULL;
  if (!same_size(input, target))
    return size_error("Target size (%s) must be the same as input size (%s)", input, target);
  ct_dtype dt = ct_result_type(input, target);
  if (!ct_dtype_is_floating(dt))
    return ct__err("result type Float can't be cast to the desired output type %s",
                   ct__dtype_short(dt));
  if (check_nondiff(o.weight, "binary_cross_entropy_with_logits", "weight") ||
      check_nondiff(o.pos_weight, "binary_cross_entropy_with_logits", "pos_weight"))
    return NULL;
  return ploss((ploss_args){.kind = K_BCE_LOGITS, .red = o.reduction}, input, target, o.weight,
               o.pos_weight, dt);
}
