/* Normalisation layers of torch.nn.functional: batch_norm, layer_norm and group_norm are
 * primitives (NativeBatchNormBackward0, NativeLayerNormBackward0, NativeGroupNormBackward0)
 * over one fused kernel family; instance_norm and local_response_norm are composed over them
 * and the elementwise ops as PyTorch composes them.
 *
 * One layout serves the three primitives: the contiguous input is seen as (P, G, Q, S) and
 * weight / bias index (g, q):
 *   batch_norm  (N, C, 1, S)  statistics per g over (P, Q, S)  ("batch" statistics)
 *   layer_norm  (M, 1, D, 1)  statistics per (p, g) over (Q, S)
 *   group_norm  (N, G, C/G, S) statistics per (p, g) over (Q, S)
 * A unit is the set of elements one mean / rstd covers: P segments of Q*S contiguous
 * elements (stride G*Q*S) for batch statistics, one segment for the others.
 *
 * Backward has two paths giving the same values: the fused kernel when no graph of the
 * backward is wanted (grad mode off inside the engine), and the formula written with
 * differentiable ops (statistics recomputed from x) under create_graph, so double backward
 * and gradgradcheck work. */
#include "../internal.h"
#include "ctorch/functional.h"
#include <math.h>

/* A saved slot that may have been saved empty (an optional tensor): NULL without an error. */
static ct_tensor *saved_opt(ct_node *n, int i) {
  return n->released || n->saved[i].t ? ct__saved(n, i) : NULL;
}

typedef struct norm_layout {
  int64_t P, G, Q, S;
  bool batch; /* statistics per g over (P, Q, S); else per (p, g) */
} norm_layout;

static int64_t n_units(const norm_layout *L) { return L->batch ? L->G : L->P * L->G; }
static int64_t unit_count(const norm_layout *L) { return (L->batch ? L->P : 1) * L->Q * L->S; }

/* The unit u's segments: first element offset, segment count, stride between segments. */
static void unit_segs(const norm_layout *L, int64_t u, int64_t *off, int64_t *nseg, int64_t *stride) {
  int64_t len = L->Q * L->S;
  *off = u * len;
  *nseg = 1;
  *stride = 0;
  if (L->batch) *nseg = L->P, *stride = L->G * len;
}

#define PAR_IF(units, per) if ((units) > 1 && (units) * (per) >= CT_GRAIN)

/* ---- kernels, per dtype ---------------------------------------------------------------
 * Sums use 8 double lanes: vectorisable without reassociating a single accumulator, and
 * PyTorch also accumulates float statistics in double on the CPU. */
#define NORM_KERNELS(T, tn)                                                                       \
  static double sum_##tn(const T *x, int64_t n) {                                                 \
    double acc[8] = {0};                                                                          \
    int64_t i = 0;                                                                                \
    for (; i + 8 <= n; i += 8)                                                                    \
      for (int j = 0; j < 8; j++) acc[j] += (double)x[i + j];                                     \
    for (; i < n; i++) acc[0] += (double)x[i];                                                    \
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));     \
  }                                                                                               \
  static double sqdev_##tn(const T *x, int64_t n, double m) {                                     \
    double acc[8] = {0};                                                                          \
    int64_t i = 0;                                                                                \
    for (; i + 8 <= n; i += 8)                                                                    \
      for (int j = 0; j < 8; j++) {                                                               \
        double d = (double)x[i + j] - m;                                                          \
        acc[j] += d * d;                                                                          \
      }                                                                                           \
    for (; i < n; i++) acc[0] += ((double)x[i] - m) * ((double)x[i] - m);                         \
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));     \
  }                                                                                               \
  /* x (P, G, Q, S) -> mean[u], var[u] (biased), two passes */                                   \
  static void stats_##tn(const T *x, const norm_layout *L, double *mean, double *var) {           \
    int64_t U = n_units(L), len = L->Q * L->S, cnt = unit_count(L);                               \
    _Pragma("omp parallel for PAR_IF(U, cnt) schedule(static)")                                   \
    for (int64_t u = 0; u < U; u++) {                                                             \
      int64_t off, ns, st;                                                                        \
      unit_segs(L, u, &off, &ns, &st);                                                            \
      double s = 0, v = 0;                                                                        \
      for (int64_t k = 0; k < ns; k++) s += sum_##tn(x + off + k * st, len);                      \
      double m = cnt ? s / (double)cnt : NAN;                                                     \
      for (int64_t k = 0; k < ns; k++) v += sqdev_##tn(x + off + k * st, len, m);                 \
      mean[u] = m;                                                                                \
      var[u] = cnt ? v / (double)cnt : NAN;                                                       \
    }                                                                                             \
  }                                                                                               \
  /* y = (x - mean[u]) * rstd[u] * w[g,q] + b[g,q]; x, y (P, G, Q, S) */                         \
  static void apply_##tn(const T *x, T *y, const norm_layout *L, const double *mean,              \
                         const double *rstd, const T *w, const T *b) {                            \
    int64_t U = n_units(L), cnt = unit_count(L);                                                  \
    _Pragma("omp parallel for PAR_IF(U, cnt) schedule(static)")                                   \
    for (int64_t u = 0; u < U; u++) {                                                             \
      int64_t off, ns, st, g = L->batch ? u : u % L->G;                                           \
      unit_segs(L, u, &off, &ns, &st);                                                            \
      for (int64_t k = 0; k < ns; k++)                                                            \
        for (int64_t q = 0; q < L->Q; q++) {                                                      \
          int64_t wi = g * L->Q + q;                                                              \
          T sc = (T)(rstd[u] * (w ? (double)w[wi] : 1.0));                                        \
          T sh = (T)((b ? (double)b[wi] : 0.0) - mean[u] * (double)sc);                           \
          const T *xs = x + off + k * st + q * L->S;                                              \
          T *ys = y + off + k * st + q * L->S;                                                    \
          if (L->S == 1 && w) { /* layer_norm: the affine varies along the row */                 \
            T m = (T)mean[u], r = (T)rstd[u];                                                     \
            for (int64_t qq = 0; qq < L->Q; qq++)                                                 \
              ys[qq] = (xs[qq] - m) * r * w[wi + qq] + (b ? b[wi + qq] : (T)0);                   \
            break;                                                                                \
          }                                                                                       \
          for (int64_t s = 0; s < L->S; s++) ys[s] = xs[s] * sc + sh;                             \
        }                                                                                         \
    }                                                                                             \
  }                                                                                               \
  /* dy, x (P, G, Q, S) -> dx; stats: dx = rstd * (dy*w - mean(dy*w) - xhat * mean(dy*w*xhat))  \
   * over the unit; else (eval batch_norm) dx = dy * w * rstd */                                \
  /* sum(a * d), sum(a * d * (x - m)) over n contiguous elements, a = w[i] (w != NULL) or 1 */  \
  static void dsums_##tn(const T *d, const T *x, const T *w, int64_t n, double m, double *t1,    \
                         double *t2) {                                                             \
    double a1[8] = {0}, a2[8] = {0};                                                              \
    int64_t i = 0;                                                                                \
    for (; i + 8 <= n; i += 8)                                                                    \
      for (int j = 0; j < 8; j++) {                                                               \
        double v = (double)d[i + j] * (w ? (double)w[i + j] : 1.0);                               \
        a1[j] += v;                                                                               \
        a2[j] += v * ((double)x[i + j] - m);                                                      \
      }                                                                                           \
    for (; i < n; i++) {                                                                          \
      double v = (double)d[i] * (w ? (double)w[i] : 1.0);                                         \
      a1[0] += v;                                                                                 \
      a2[0] += v * ((double)x[i] - m);                                                            \
    }                                                                                             \
    *t1 = *t2 = 0;                                                                                \
    for (int j = 0; j < 8; j++) *t1 += a1[j], *t2 += a2[j];                                       \
  }                                                                                               \
  /* dy, x (P, G, Q, S) -> dx; stats: dx = rstd * (dy*w - mean(dy*w) - xhat * mean(dy*w*xhat))  \
   * over the unit; else (eval batch_norm) dx = dy * w * rstd. With batch statistics (Q == 1)  \
   * the unit's sums are db[g] and dw[g]: stored when dw is given. */                           \
  static void bw_input_##tn(const T *dy, const T *x, T *dx, const norm_layout *L,               \
                            const double *mean, const double *rstd, const T *w, bool stats,      \
                            double *dw, double *db) {                                            \
    int64_t U = n_units(L), cnt = unit_count(L);                                                  \
    _Pragma("omp parallel for PAR_IF(U, cnt) schedule(static)")                                   \
    for (int64_t u = 0; u < U; u++) {                                                             \
      int64_t off, ns, st, g = L->batch ? u : u % L->G;                                           \
      unit_segs(L, u, &off, &ns, &st);                                                            \
      double s1 = 0, s2 = 0, m = mean[u], r = rstd[u];                                            \
      if (stats)                                                                                  \
        for (int64_t k = 0; k < ns; k++) {                                                        \
          if (L->S == 1) { /* a row: w varies along it */                                         \
            double t1, t2;                                                                        \
            dsums_##tn(dy + off + k * st, x + off + k * st, w ? w + g * L->Q : NULL, L->Q, m,     \
                       &t1, &t2);                                                                 \
            s1 += t1;                                                                             \
            s2 += t2 * r;                                                                         \
            continue;                                                                             \
          }                                                                                       \
          for (int64_t q = 0; q < L->Q; q++) {                                                    \
            double a = w ? (double)w[g * L->Q + q] : 1.0, t1, t2;                                 \
            const T *d = dy + off + k * st + q * L->S, *xs = x + off + k * st + q * L->S;         \
            dsums_##tn(d, xs, NULL, L->S, m, &t1, &t2);                                           \
            s1 += a * t1;                                                                         \
            s2 += a * t2 * r;                                                                     \
          }                                                                                       \
        }                                                                                         \
      if (dw) { /* batch statistics, Q == 1: a is w[g] for the whole unit */                     \
        double a = w ? (double)w[g] : 1.0;                                                        \
        db[g] = a ? s1 / a : 0;                                                                   \
        dw[g] = a ? s2 / a : 0;                                                                   \
      }                                                                                           \
      double c1 = cnt ? s1 / (double)cnt : 0, c2 = cnt ? s2 / (double)cnt : 0;                    \
      for (int64_t k = 0; k < ns; k++) {                                                          \
        if (L->S == 1 && stats) {                                                                 \
          const T *d = dy + off + k * st, *xs = x + off + k * st, *wr = w ? w + g * L->Q : NULL;  \
          T *o = dx + off + k * st;                                                               \
          double c = -r * c1, e = -r * r * c2;                                                    \
          for (int64_t q = 0; q < L->Q; q++)                                                      \
            o[q] = (T)((double)d[q] * r * (wr ? (double)wr[q] : 1.0) + ((double)xs[q] - m) * e + c); \
          continue;                                                                               \
        }                                                                                         \
        for (int64_t q = 0; q < L->Q; q++) {                                                      \
          double a = w ? (double)w[g * L->Q + q] : 1.0;                                           \
          const T *d = dy + off + k * st + q * L->S, *xs = x + off + k * st + q * L->S;           \
          T *o = dx + off + k * st + q * L->S;                                                    \
          if (!stats) {                                                                           \
            T f = (T)(a * r);                                                                     \
            for (int64_t s = 0; s < L->S; s++) o[s] = d[s] * f;                                   \
            continue;                                                                             \
          }                                                                                       \
          /* dx = r*a*dy - r*c1 - (x - m)*r*r*c2, in double: x - m cancels */                    \
          double f = r * a, c = -r * c1, e = -r * r * c2;                                         \
          for (int64_t s = 0; s < L->S; s++)                                                      \
            o[s] = (T)((double)d[s] * f + ((double)xs[s] - m) * e + c);                           \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
  }                                                                                               \
  /* dy, x (P, G, Q, S) -> dw[g,q] = sum_{p,s} dy * xhat, db[g,q] = sum_{p,s} dy (double) */     \
  static void bw_affine_##tn(const T *dy, const T *x, const norm_layout *L, const double *mean,   \
                             const double *rstd, double *dw, double *db) {                        \
    int64_t GQ = L->G * L->Q;                                                                     \
    _Pragma("omp parallel for PAR_IF(GQ, L->P * L->S) schedule(static)")                          \
    for (int64_t gq = 0; gq < GQ; gq++) {                                                         \
      dw[gq] = db[gq] = 0;                                                                        \
    }                                                                                             \
    int nth = 1;                                                                                  \
    _Pragma("omp parallel PAR_IF(L->P, GQ * L->S)")                                               \
    {                                                                                             \
      _Pragma("omp single") nth = ct__omp_threads();                                              \
      int me = ct__omp_me();                                                                      \
      /* columns (g, q) split across threads; each walks every p: no shared accumulator */       \
      int64_t lo = GQ * me / nth, hi = GQ * (me + 1) / nth;                                       \
      if (L->S == 1 && L->G == 1 && !L->batch) { /* layer_norm: rows of Q, one unit per row */    \
        for (int64_t p = 0; p < L->P; p++) {                                                      \
          const T *d = dy + p * GQ, *xs = x + p * GQ;                                             \
          double m = mean[p], r = rstd[p];                                                        \
          for (int64_t q = lo; q < hi; q++) {                                                     \
            dw[q] += (double)d[q] * (((double)xs[q] - m) * r);                                    \
            db[q] += (double)d[q];                                                                \
          }                                                                                       \
        }                                                                                         \
        lo = hi;                                                                                  \
      }                                                                                           \
      for (int64_t p = 0; p < L->P; p++)                                                          \
        for (int64_t gq = lo; gq < hi; gq++) {                                                    \
          int64_t g = gq / L->Q, u = L->batch ? g : p * L->G + g;                                 \
          const T *d = dy + (p * GQ + gq) * L->S, *xs = x + (p * GQ + gq) * L->S;                 \
          double m = mean[u], r = rstd[u], t1 = 0, t2 = 0;                                        \
          if (L->S == 1) {                                                                        \
            dw[gq] += (double)d[0] * ((double)xs[0] - m) * r;                                     \
            db[gq] += (double)d[0];                                                               \
            continue;                                                                             \
          }                                                                                       \
          for (int64_t s = 0; s < L->S; s++) {                                                    \
            t1 += (double)d[s];                                                                   \
            t2 += (double)d[s] * ((double)xs[s] - m);                                             \
          }                                                                                       \
          dw[gq] += t2 * r;                                                                       \
          db[gq] += t1;                                                                           \
        }                                                                                         \
    }                                                                                             \
  }
#ifdef _OPENMP
#include <omp.h>
static inline int ct__omp_threads(void) { return omp_get_num_threads(); }
static inline int ct__omp_me(void) { return omp_get_thread_num(); }
#else
static inline int ct__omp_threads(void) { return 1; }
static inline int ct__omp_me(void) { return 0; }
#endif
NORM_KERNELS(float, f32)
NORM_KERNELS(double, f64)

/* ---- the primitive ---------------------------------------------------------------------- */
typedef struct norm_args {
  norm_layout L;
  double eps;
  bool stats; /* statistics of the input (training / layer / group); false: running stats */
  int wndim;  /* weight's shape, for the gradient */
  int64_t wshape[CT_MAX_DIMS];
} norm_args;
CT_ARGS_TYPE(norm_args, NULL);

/* Saved: 0 x, 1 weight (or empty), 2 mean (U), 3 rstd (U), both float64. */

/* A (P, G, Q, S) view of a contiguous tensor, differentiable. */
static ct_tensor *view4(const ct_tensor *t, const norm_layout *L) {
  return ct_reshape(t, 4, (const int64_t[]){L->P, L->G, L->Q, L->S});
}

/* The backward with differentiable ops, statistics recomputed from x:
 *   xhat = (x - mean_R(x)) * rsqrt(var_R(x) + eps)          (stats)
 *   xhat = (x - running_mean) * rsqrt(running_var + eps)     (eval, constants saved)
 *   gh = g * w;  dx = rstd * (gh - mean_R(gh) - xhat * mean_R(gh * xhat))  (stats)
 *                dx = gh * rstd                                            (eval)
 *   dw = sum_{P,S}(g * xhat);  db = sum_{P,S}(g)
 * R = (P, Q, S) for batch statistics, (Q, S) otherwise. */
static void norm_backward_ops(ct_node *n, const norm_args *a, ct_tensor *g, ct_tensor *x,
                              ct_tensor *w, ct_tensor **gi) {
  const norm_layout *L = &a->L;
  ct_dims R = L->batch ? CT_DIMS(0, 2, 3) : CT_DIMS(2, 3);
  int64_t ushape[4] = {L->batch ? 1 : L->P, L->G, 1, 1};
  ct_tensor *x4 = view4(x, L), *g4 = view4(g, L), *xhat, *rstd;
  if (a->stats) {
    ct_tensor *xc = ct_sub(x4, ct_mean(x4, .dim = R, .keepdim = true));
    rstd = ct_rsqrt(ct_add_scalar(ct_mean(ct_square(xc), .dim = R, .keepdim = true), a->eps));
    xhat = ct_mul(xc, rstd);
  } else {
    ct_tensor *m = ct_reshape(ct_to(ct__saved(n, 2), x->dtype), 4, ushape);
    rstd = ct_reshape(ct_to(ct__saved(n, 3), x->dtype), 4, ushape);
    xhat = ct_mul(ct_sub(x4, m), rstd);
  }
  if (ct__needs_grad(n, 0)) {
    ct_tensor *gh = w ? ct_mul(g4, ct_reshape(w, 4, (const int64_t[]){1, L->G, L->Q, 1})) : g4;
    ct_tensor *dx;
    if (a->stats) {
      ct_tensor *m1 = ct_mean(gh, .dim = R, .keepdim = true);
      ct_tensor *m2 = ct_mean(ct_mul(gh, xhat), .dim = R, .keepdim = true);
      dx = ct_mul(rstd, ct_sub(ct_sub(gh, m1), ct_mul(xhat, m2)));
    } else {
      dx = ct_mul(gh, rstd);
    }
    gi[0] = ct_reshape(dx, x->ndim, x->shape);
  }
  if (ct__needs_grad(n, 1))
    gi[1] = ct_reshape(ct_sum(ct_mul(g4, xhat), .dim = CT_DIMS(0, 3)), a->wndim, a->wshape);
  if (ct__needs_grad(n, 2)) gi[2] = ct_reshape(ct_sum(g4, .dim = CT_DIMS(0, 3)), a->wndim, a->wshape);
}

/* The same values from the fused kernels (no graph). */
static void norm_backward_fused(ct_node *n, const norm_args *a, ct_tensor *g, ct_tensor *x,
                                ct_tensor *w, ct_tensor **gi) {
  const norm_layout *L = &a->L;
  ct_tensor *dy = ct__contig_as(g, x->dtype), *xc = ct__contig_as(x, x->dtype);
  ct_tensor *wc = w ? ct__contig_as(w, x->dtype) : NULL;
  const double *mean = CT_PTR(ct__saved(n, 2), double), *rstd = CT_PTR(ct__saved(n, 3), double);
  bool f32 = x->dtype == CT_FLOAT32, need_aff = ct__needs_grad(n, 1) || ct__needs_grad(n, 2);
  int64_t GQ = L->G * L->Q;
  ct_tensor *acc = need_aff ? ct__empty(CT_FLOAT64, 1, (const int64_t[]){2 * GQ}) : NULL;
  if (need_aff && !acc) return;
  double *dw = acc ? CT_PTR(acc, double) : NULL;
  /* batch statistics with a weight that is nowhere 0: bw_input's sums are dw and db */
  bool fused_aff = false;
  if (need_aff && ct__needs_grad(n, 0) && L->batch && a->stats && L->Q == 1) {
    fused_aff = true;
    ct_tensor *wd = wc ? ct_to(wc, CT_FLOAT64) : NULL;
    for (int64_t i = 0; wd && i < GQ; i++) fused_aff = fused_aff && CT_PTR(wd, double)[i] != 0;
  }
  if (ct__needs_grad(n, 0)) {
    ct_tensor *dx = ct__empty(x->dtype, x->ndim, x->shape);
    if (!dx) return;
    double *fw = fused_aff ? dw : NULL, *fb = fused_aff ? dw + GQ : NULL;
    if (f32)
      bw_input_f32(CT_PTR(dy, float), CT_PTR(xc, float), CT_PTR(dx, float), L, mean, rstd,
                   wc ? CT_PTR(wc, float) : NULL, a->stats, fw, fb);
    else
      bw_input_f64(CT_PTR(dy, double), CT_PTR(xc, double), CT_PTR(dx, double), L, mean, rstd,
                   wc ? CT_PTR(wc, double) : NULL, a->stats, fw, fb);
    gi[0] = dx;
  }
  if (!need_aff) return;
  if (!fused_aff) {
    if (f32)
      bw_affine_f32(CT_PTR(dy, float), CT_PTR(xc, float), L, mean, rstd, dw, dw + GQ);
    else
      bw_affine_f64(CT_PTR(dy, double), CT_PTR(xc, double), L, mean, rstd, dw, dw + GQ);
  }
  if (ct__needs_grad(n, 1))
    gi[1] = ct_reshape(ct_to(ct_narrow(acc, 0, 0, GQ), x->dtype), a->wndim, a->wshape);
  if (ct__needs_grad(n, 2))
    gi[2] = ct_reshape(ct_to(ct_narrow(acc, 0, GQ, GQ), x->dtype), a->wndim, a->wshape);
}

static void norm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const norm_args *a = CT_ARGS(n, norm_args);
  ct_tensor *x = ct__saved(n, 0), *w = saved_opt(n, 1);
  if (!x || !g[0]) return;
  if (ct_is_grad_enabled())
    norm_backward_ops(n, a, g[0], x, w, gi);
  else
    norm_backward_fused(n, a, g[0], x, w, gi);
}

/* Forward of the three primitives. running_mean / running_var: eval batch_norm reads them
 * (stats false); training batch_norm updates them (momentum, unbiased variance) when given.
 * w and b are contiguous of G*Q elements or NULL; their shape is wshape. */
typedef struct norm_call {
  const char *name;
  const ct_tensor *x, *w, *b;
  ct_tensor *rm, *rv;
  norm_layout L;
  double eps, momentum;
  bool stats;
} norm_call;

static void update_running(ct_tensor *r, const double *v, int64_t n, double momentum, double f) {
  ct_tensor *old = ct__contig_as(r, CT_FLOAT64);
  ct_tensor *nw = old ? ct__empty(CT_FLOAT64, r->ndim, r->shape) : NULL;
  if (!nw) return;
  const double *o = CT_PTR(old, double);
  double *p = CT_PTR(nw, double);
  for (int64_t i = 0; i < n; i++) p[i] = (1 - momentum) * o[i] + momentum * v[i] * f;
  ct__copy_into(r, nw);
  ct__bump_version(r);
}

static ct_tensor *norm_forward(const norm_call *c) {
  const ct_tensor *x = c->x;
  const norm_layout *L = &c->L;
  CT_OP_BEGIN();
  int64_t U = n_units(L), cnt = unit_count(L);
  ct_tensor *xc = ct__contig_as(x, x->dtype);
  ct_tensor *wc = c->w ? ct__contig_as(c->w, x->dtype) : NULL;
  ct_tensor *bc = c->b ? ct__contig_as(c->b, x->dtype) : NULL;
  ct_tensor *mean = ct__empty(CT_FLOAT64, 1, &U), *rstd = ct__empty(CT_FLOAT64, 1, &U);
  ct_tensor *y = ct__empty(x->dtype, x->ndim, x->shape);
  if (!xc || !mean || !rstd || !y || (c->w && !wc) || (c->b && !bc)) return ct__op_end(NULL);
  double *m = CT_PTR(mean, double), *r = CT_PTR(rstd, double);
  bool f32 = x->dtype == CT_FLOAT32;
  if (c->stats) {
    if (f32)
      stats_f32(CT_PTR(xc, float), L, m, r);
    else
      stats_f64(CT_PTR(xc, double), L, m, r);
    /* running stats see the unbiased variance; r still holds the biased one here */
    if (c->rm) update_running(c->rm, m, U, c->momentum, 1);
    if (c->rv) {
      double f = cnt > 1 ? (double)cnt / (double)(cnt - 1) : INFINITY;
      update_running(c->rv, r, U, c->momentum, f);
    }
    for (int64_t u = 0; u < U; u++) r[u] = 1 / sqrt(r[u] + c->eps);
  } else {
    ct_tensor *rm = ct__contig_as(c->rm, CT_FLOAT64), *rv = ct__contig_as(c->rv, CT_FLOAT64);
    if (!rm || !rv) return ct__op_end(NULL);
    for (int64_t u = 0; u < U; u++) {
      m[u] = CT_PTR(rm, double)[u];
      r[u] = 1 / sqrt(CT_PTR(rv, double)[u] + c->eps);
    }
  }
  if (f32)
    apply_f32(CT_PTR(xc, float), CT_PTR(y, float), L, m, r, wc ? CT_PTR(wc, float) : NULL,
              bc ? CT_PTR(bc, float) : NULL);
  else
    apply_f64(CT_PTR(xc, double), CT_PTR(y, double), L, m, r, wc ? CT_PTR(wc, double) : NULL,
              bc ? CT_PTR(bc, double) : NULL);
  ct_tensor *ins[3] = {(ct_tensor *)x, (ct_tensor *)c->w, (ct_tensor *)c->b};
  ct_node *nd = ct__node_new(c->name, norm_backward, 3, ins, 1);
  if (nd) {
    norm_args *a = CT_NEW_ARGS(nd, norm_args);
    *a = (norm_args){.L = *L, .eps = c->eps, .stats = c->stats};
    const ct_tensor *ws = c->w ? c->w : c->b;
    if (ws) {
      a->wndim = ws->ndim;
      memcpy(a->wshape, ws->shape, sizeof(int64_t) * (size_t)ws->ndim);
    } else {
      a->wndim = 1;
      a->wshape[0] = L->G * L->Q;
    }
    if (ct__save(nd, x, false) || ct__save(nd, c->w, false) || ct__save(nd, mean, false) ||
        ct__save(nd, rstd, false)) {
      ct__node_abandon(nd);
      return ct__op_end(NULL);
    }
    ct__set_history(y, nd, 0);
  }
  return ct__op_end(y);
}

static bool norm_dtype_ok(const ct_tensor *x, const char *kernel) {
  if (x->dtype == CT_FLOAT32 || x->dtype == CT_FLOAT64) return true;
  ct__err("\"%s\" not implemented for '%s'", kernel, ct__dtype_short(x->dtype));
  return false;
}

/* "torch.Size([1, 3])" */
static const char *torch_size(const ct_tensor *x) {
  static _Thread_local char buf[CT_MAX_DIMS * 24 + 16];
  char s[CT_MAX_DIMS * 24];
  ct__shape_str(x->ndim, x->shape, s, sizeof s);
  snprintf(buf, sizeof buf, "torch.Size(%s)", s);
  return buf;
}

static int check_numel(const ct_tensor *t, const char *what, int64_t n) {
  if (!t || ct_numel(t) == n) return 0;
  return ct__errs("%s should contain %lld elements not %lld", what, (long long)n,
                  (long long)ct_numel(t));
}

/* input (N, C, *) -> N, C and S = prod(*); -1 with PyTorch's error below 2 dims (size(1)). */
static int nc_split(const ct_tensor *input, int64_t *N, int64_t *C, int64_t *S) {
  if (input->ndim < 2)
    return ct__errs("Dimension out of range (expected to be in range of [%d, %d], but got 1)",
                    input->ndim ? -input->ndim : -1, input->ndim ? input->ndim - 1 : 0);
  *N = input->shape[0];
  *C = input->shape[1];
  *S = 1;
  for (int i = 2; i < input->ndim; i++) *S *= input->shape[i];
  return 0;
}

ct_tensor *ct_batch_norm_ex(const ct_tensor *input, ct_tensor *running_mean,
                            ct_tensor *running_var, ct_batch_norm_opts o) {
  if (!input) return NULL;
  int64_t N = 0, C = 0, S = 0;
  if (nc_split(input, &N, &C, &S)) return NULL;
  if (o.training && N * S == 1)
    return ct__err("Expected more than 1 value per channel when training, got input size %s",
                   torch_size(input));
  if (ct_numel(input) == 0) {
    /* As at::batch_norm: no statistics of nothing (the running stats stay as they are) and
     * a result still on the weight and bias graph: input.clone() * weight[0] + bias[0]. */
    CT_OP_BEGIN();
    ct_tensor *out = ct_clone(input);
    if (o.weight) out = ct_mul(out, ct_select(o.weight, 0, 0));
    if (o.bias) out = ct_add(out, ct_select(o.bias, 0, 0));
    return ct__op_end(out);
  }
  if (check_numel(running_mean, "running_mean", C) || check_numel(running_var, "running_var", C) ||
      check_numel(o.weight, "weight", C) || check_numel(o.bias, "bias", C))
    return NULL;
  if (!o.training && (!running_mean || !running_var))
    return ct__err("running_%s must be defined in evaluation mode", running_mean ? "var" : "mean");
  if (!norm_dtype_ok(input, "batch_norm")) return NULL;
  norm_call c = {"NativeBatchNormBackward0", input, o.weight, o.bias, running_mean, running_var,
                 {N, C, 1, S, true}, o.eps, o.momentum, o.training};
  if (!o.training) c.rm = running_mean, c.rv = running_var;
  return norm_forward(&c);
}

ct_tensor *ct_layer_norm_ex(const ct_tensor *input, ct_ints normalized_shape, ct_layer_norm_opts o) {
  if (!input) return NULL;
  int k = normalized_shape.n;
  const int64_t *ns = normalized_shape.v;
  if (k < 1)
    return ct__err("Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                   "least one element, but got normalized_shape = []");
  const ct_tensor *wb[2] = {o.weight, o.bias};
  for (int i = 0; i < 2; i++)
    if (wb[i] && (wb[i]->ndim != k || memcmp(wb[i]->shape, ns, sizeof(int64_t) * (size_t)k)))
      return ct__err("Expected %s to be of same shape as normalized_shape, but got %s of shape %s "
                     "and normalized_shape = %s", i ? "bias" : "weight", i ? "bias" : "weight",
                     SHP(0, wb[i]->ndim, wb[i]->shape), SHP(1, k, ns));
  bool ok = input->ndim >= k;
  for (int i = 0; ok && i < k; i++) ok = input->shape[input->ndim - k + i] == ns[i];
  if (!ok)
    return ct__err("Given normalized_shape=%s, expected input with shape [*, %s, but got input "
                   "of size%s", SHP(0, k, ns), SHP(1, k, ns) + 1, SHP(2, input->ndim, input->shape));
  if (!norm_dtype_ok(input, "LayerNormKernelImpl")) return NULL;
  int64_t D = ct__numel_of(k, ns), M = ct__numel_of(input->ndim - k, input->shape);
  norm_call c = {"NativeLayerNormBackward0", input, o.weight, o.bias, NULL, NULL,
                 {M, 1, D, 1, false}, o.eps, 0, true};
  return norm_forward(&c);
}

ct_tensor *ct_group_norm_ex(const ct_tensor *input, int64_t num_groups, ct_group_norm_opts o) {
  if (!input) return NULL;
  int64_t N = 0, C = 0, S = 0;
  if (nc_split(input, &N, &C, &S)) return NULL;
  if (num_groups <= 0 || C % num_groups)
    return ct__err("Expected number of channels in input to be divisible by num_groups, but got "
                   "input of shape %s and num_groups=%lld", SHP(0, input->ndim, input->shape),
                   (long long)num_groups);
  const ct_tensor *wb[2] = {o.weight, o.bias};
  for (int i = 0; i < 2; i++)
    if (wb[i] && (wb[i]->ndim != 1 || wb[i]->shape[0] != C))
      return ct__err("Expected %s to be a vector of size equal to the number of channels in "
                     "input, but got %s of shape %s and input of shape %s", i ? "bias" : "weight",
                     i ? "bias" : "weight", SHP(0, wb[i]->ndim, wb[i]->shape),
                     SHP(1, input->ndim, input->shape));
  if (!norm_dtype_ok(input, "GroupNormKernelImpl")) return NULL;
  norm_call c = {"NativeGroupNormBackward0", input, o.weight, o.bias, NULL, NULL,
                 {N, num_groups, C / num_groups, S, false}, o.eps, 0, true};
  return norm_forward(&c);
}

/* ---- composites ------------------------------------------------------------------------ */

/* F.instance_norm as at::instance_norm composes it: the input seen as (1, N*C, *), weight,
 * bias and running stats repeated N times, batch_norm, then running stats <- the mean of
 * the N updated copies, and the output viewed back (ViewBackward0). */
ct_tensor *ct_instance_norm_ex(const ct_tensor *input, ct_instance_norm_opts o) {
  if (!input) return NULL;
  int64_t N = 0, C = 0, S = 0;
  if (nc_split(input, &N, &C, &S)) return NULL;
  if (o.use_input_stats && S == 1)
    return ct__err("Expected more than 1 spatial element when training, got input size %s",
                   torch_size(input));
  if (!o.use_input_stats && (!o.running_mean || !o.running_var))
    return ct__err("Expected running_mean and running_var to be defined when use_input_stats is "
                   "false");
  /* batch_norm checks the repeated tensors: name N*C like PyTorch does */
  const ct_tensor *chk[4] = {o.running_mean, o.running_var, o.weight, o.bias};
  const char *nm[4] = {"running_mean", "running_var", "weight", "bias"};
  for (int i = 0; i < 4; i++)
    if (chk[i] && ct_numel(chk[i]) != C)
      return ct__err("%s should contain %lld elements not %lld", nm[i], (long long)(N * C),
                     (long long)(ct_numel(chk[i]) * N));
  CT_OP_BEGIN();
  int64_t shp[CT_MAX_DIMS];
  shp[0] = 1;
  shp[1] = N * C;
  for (int i = 2; i < input->ndim; i++) shp[i] = input->shape[i];
  ct_tensor *x = ct_reshape(input, input->ndim, shp);
  ct_tensor *rep[4] = {NULL};
  for (int i = 0; i < 4; i++)
    if (chk[i]) rep[i] = ct_repeat(ct_reshape(chk[i], 1, &C), 1, &N);
  ct_tensor *y = ct_batch_norm(x, rep[0], rep[1], .weight = rep[2], .bias = rep[3],
                               .training = o.use_input_stats, .momentum = o.momentum, .eps = o.eps);
  if (y && o.use_input_stats) {
    for (int i = 0; i < 2; i++) {
      if (!chk[i]) continue;
      ct_tensor *m = ct_mean(ct_reshape(ct_detach(rep[i]), 2, (const int64_t[]){N, C}), .dim = CT_DIMS(0));
      if (!m) return ct__op_end(NULL);
      ct__copy_into((ct_tensor *)chk[i], m);
      ct__bump_version((ct_tensor *)chk[i]);
    }
  }
  return ct__op_end(y ? ct_view(y, input->ndim, input->shape) : NULL);
}

/* F.local_response_norm as PyTorch's functional composes it:
 *   div = avg over a window of `size` channels of input^2 (zero padded size/2 before,
 *         (size-1)/2 after, the padding counted), div = (div * alpha + k)^beta,
 *   out = input / div.
 * The window sum is a sum of `size` shifted slices of the padded squares. */
ct_tensor *ct_local_response_norm_ex(const ct_tensor *input, int64_t size, ct_local_response_norm_opts o) {
  if (!input) return NULL;
  if (input->ndim < 3)
    return ct__err("Expected 3D or higher dimensionality                          input (got %d "
                   "dimensions)", input->ndim);
  if (size < 1) return ct__err("local_response_norm: size must be positive, got %lld", (long long)size);
  if (ct_numel(input) == 0) { /* PyTorch returns input itself */
    ct__tensor_incref((ct_tensor *)input);
    return ct__own((ct_tensor *)input);
  }
  CT_OP_BEGIN();
  int64_t C = input->shape[1];
  ct_tensor *sq = ct_mul(input, input);
  int64_t pad[2 * CT_MAX_DIMS] = {0};
  int nd = input->ndim, np = 2 * (nd - 1);
  /* pad dim 1 (the channels): pairs run from the last dim backwards */
  pad[np - 2] = size / 2;
  pad[np - 1] = (size - 1) / 2;
  ct_tensor *p = ct_pad(sq, np, pad, CT_PAD_CONSTANT, 0);
  ct_tensor *div = NULL;
  for (int64_t j = 0; j < size && p; j++) {
    ct_tensor *s = ct_narrow(p, 1, j, C);
    div = div ? ct_add(div, s) : s;
  }
  div = ct_pow_scalar(ct_add_scalar(ct_mul_scalar(ct_div_scalar(div, (double)size), o.alpha), o.k),
                      o.beta);
  return ct__op_end(ct_div(input, div));
}
