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
#include "../tensor/cpu.h"
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

/* ---- moments -----------------------------------------------------------------------------
 * x[0, n) -> *s1 = sum(x - k), *s2 = sum((x - k)^2). Statistics take two of them over a unit
 * that is mostly in cache by the second: k = 0 gives a first mean m0, k = m0 (rounded to the
 * dtype) gives mean = k + s1/n and var = s2/n - (s1/n)^2 without cancellation.
 * float64: 8 double lanes (vectorisable without reassociating one accumulator).
 * float32: 16 float lanes (one AVX-512 register, two AVX2 ones) flushed into double every
 * NORM_BLOCK elements and reduced in a fixed order, so the AVX-512 copy of each float32 body
 * (picked by ct__cpu_level()) and the build target's copy give the same bits. */
#define NL 16
#define NORM_BLOCK 1024
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NORM_V4 1
#endif

static void moments_f64(const double *x, int64_t n, double k, double *s1, double *s2) {
  double a1[8] = {0}, a2[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) {
      double d = x[i + j] - k;
      a1[j] += d;
      a2[j] += d * d;
    }
  for (int j = 0; i + j < n; j++) {
    double d = x[i + j] - k;
    a1[j] += d;
    a2[j] += d * d;
  }
  *s1 = ((a1[0] + a1[4]) + (a1[1] + a1[5])) + ((a1[2] + a1[6]) + (a1[3] + a1[7]));
  *s2 = ((a2[0] + a2[4]) + (a2[1] + a2[5])) + ((a2[2] + a2[6]) + (a2[3] + a2[7]));
}

/* 16 float lanes as one GNU vector: one zmm under AVX-512, two ymm under AVX2, the same
 * lane-wise arithmetic either way. Loads and stores through memcpy (unaligned). */
typedef float v16f __attribute__((vector_size(64)));
#define AI static inline __attribute__((always_inline))
/* every function taking or returning v16f is inlined: no call passes one, whatever the ABI */
#pragma GCC diagnostic ignored "-Wpsabi"
AI v16f ld16(const float *p) {
  v16f v;
  memcpy(&v, p, sizeof v);
  return v;
}
AI void st16(float *p, v16f v) { memcpy(p, &v, sizeof v); }
/* lanes + t[0, nt) (a tail of fewer than 16 already folded in by the caller), pairwise */
AI float hsum16(v16f v) {
  float t[NL];
  memcpy(t, &v, sizeof t);
  for (int w = NL / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) t[j] += t[j + w];
  return t[0];
}

AI void moments_f32_body(const float *x, int64_t n, float k, double *s1, double *s2) {
  double d1 = 0, d2 = 0;
  for (int64_t b = 0; b < n; b += NORM_BLOCK) {
    int64_t e = n - b < NORM_BLOCK ? n : b + NORM_BLOCK, i = b;
    v16f a1 = {0}, a2 = {0}, b1 = {0}, b2 = {0};
    for (; i + 2 * NL <= e; i += 2 * NL) { /* two chains: the adds' latency overlaps */
      v16f d = ld16(x + i) - k, f = ld16(x + i + NL) - k;
      a1 += d;
      a2 += d * d;
      b1 += f;
      b2 += f * f;
    }
    if (i + NL <= e) {
      v16f d = ld16(x + i) - k;
      a1 += d;
      a2 += d * d;
      i += NL;
    }
    a1 += b1;
    a2 += b2;
    for (int j = 0; i + j < e; j++) {
      float d = x[i + j] - k;
      a1[j] += d;
      a2[j] += d * d;
    }
    d1 += hsum16(a1);
    d2 += hsum16(a2);
  }
  *s1 = d1;
  *s2 = d2;
}

/* mean and biased variance of x[0, n), n > 0, from the two moments passes above */
AI void mean_var_f32_body(const float *x, int64_t n, double *mean, double *var) {
  double s1, s2;
  moments_f32_body(x, n, 0, &s1, &s2);
  float k = (float)(s1 / (double)n);
  moments_f32_body(x, n, k, &s1, &s2);
  double d = s1 / (double)n, v = s2 / (double)n - d * d;
  *mean = (double)k + d;
  *var = v > 0 ? v : 0;
}

/* y = (x - m) * r * w + b over a row of n; hw / hb: w / b given (constants once inlined) */
AI void ln_apply_f32_spec(const float *x, float *y, int64_t n, float m, float r, const float *w,
                          const float *b, bool hw, bool hb) {
  int64_t i = 0;
  for (; i + NL <= n; i += NL) {
    v16f t = (ld16(x + i) - m) * r;
    if (hw) t *= ld16(w + i);
    if (hb) t += ld16(b + i);
    st16(y + i, t);
  }
  for (; i < n; i++) {
    float t = (x[i] - m) * r;
    if (hw) t *= w[i];
    if (hb) t += b[i];
    y[i] = t;
  }
}

/* layer_norm forward of one row of n > 0: statistics while the row is in L1, then y */
AI void ln_fwd_row_f32_body(const float *x, float *y, int64_t n, const float *w, const float *b,
                            double eps, double *mean, double *rstd) {
  double m, v;
  mean_var_f32_body(x, n, &m, &v);
  double r = 1 / sqrt(v + eps);
  *mean = m;
  *rstd = r;
  float mf = (float)m, rf = (float)r;
  if (w && b)
    ln_apply_f32_spec(x, y, n, mf, rf, w, b, true, true);
  else if (w)
    ln_apply_f32_spec(x, y, n, mf, rf, w, b, true, false);
  else if (b)
    ln_apply_f32_spec(x, y, n, mf, rf, w, b, false, true);
  else
    ln_apply_f32_spec(x, y, n, mf, rf, w, b, false, false);
}

/* layer_norm backward of one row of n > 0, with v = dy * w (w NULL: 1) and xm = x - m:
 *   dx = r * v - r * mean(v) - xm * r^3 * mean(v * xm)        (when dx is given)
 *   dwp += dy * xm * r, dbp += dy                              (when hp: dwp, dbp given)
 * The sums in float lanes flushed into double every NORM_BLOCK elements. */
AI void ln_bwd_row_f32_spec(const float *dy, const float *x, const float *w, int64_t n, float m,
                            float r, float *dx, float *dwp, float *dbp, bool hw, bool hp) {
  double s1 = 0, s2 = 0;
  for (int64_t b = 0; b < n; b += NORM_BLOCK) {
    int64_t e = n - b < NORM_BLOCK ? n : b + NORM_BLOCK, i = b;
    v16f a1 = {0}, a2 = {0};
    for (; i + NL <= e; i += NL) {
      v16f d = ld16(dy + i), xm = ld16(x + i) - m, v = hw ? d * ld16(w + i) : d;
      a1 += v;
      a2 += v * xm;
      if (hp) {
        st16(dwp + i, ld16(dwp + i) + d * xm * r);
        st16(dbp + i, ld16(dbp + i) + d);
      }
    }
    for (int j = 0; i + j < e; j++) {
      float d = dy[i + j], xm = x[i + j] - m, v = hw ? d * w[i + j] : d;
      a1[j] += v;
      a2[j] += v * xm;
      if (hp) {
        dwp[i + j] += d * xm * r;
        dbp[i + j] += d;
      }
    }
    s1 += hsum16(a1);
    s2 += hsum16(a2);
  }
  if (!dx) return;
  float c = (float)(-(double)r * s1 / (double)n);
  float e = (float)(-(double)r * (double)r * (double)r * s2 / (double)n);
  int64_t i = 0;
  for (; i + NL <= n; i += NL) {
    v16f d = ld16(dy + i), v = hw ? d * ld16(w + i) : d;
    st16(dx + i, v * r + ((ld16(x + i) - m) * e + c));
  }
  for (; i < n; i++) {
    float v = hw ? dy[i] * w[i] : dy[i];
    dx[i] = v * r + ((x[i] - m) * e + c);
  }
}
AI void ln_bwd_row_f32_body(const float *dy, const float *x, const float *w, int64_t n, float m,
                            float r, float *dx, float *dwp, float *dbp) {
  if (w && dwp)
    ln_bwd_row_f32_spec(dy, x, w, n, m, r, dx, dwp, dbp, true, true);
  else if (w)
    ln_bwd_row_f32_spec(dy, x, w, n, m, r, dx, dwp, dbp, true, false);
  else if (dwp)
    ln_bwd_row_f32_spec(dy, x, w, n, m, r, dx, dwp, dbp, false, true);
  else
    ln_bwd_row_f32_spec(dy, x, w, n, m, r, dx, dwp, dbp, false, false);
}

/* sum(dy), sum(dy * (x - m)) over n contiguous elements (group_norm's channel rows) */
AI void dsums_row_f32_body(const float *dy, const float *x, int64_t n, float m, double *t1,
                           double *t2) {
  double s1 = 0, s2 = 0;
  for (int64_t b = 0; b < n; b += NORM_BLOCK) {
    int64_t e = n - b < NORM_BLOCK ? n : b + NORM_BLOCK, i = b;
    v16f a1 = {0}, a2 = {0};
    for (; i + NL <= e; i += NL) {
      v16f d = ld16(dy + i);
      a1 += d;
      a2 += d * (ld16(x + i) - m);
    }
    for (int j = 0; i + j < e; j++) {
      a1[j] += dy[i + j];
      a2[j] += dy[i + j] * (x[i + j] - m);
    }
    s1 += hsum16(a1);
    s2 += hsum16(a2);
  }
  *t1 = s1;
  *t2 = s2;
}

/* dx = dy * f + ((x - m) * e + c) over n contiguous elements */
AI void dx_row_f32_body(const float *dy, const float *x, float *dx, int64_t n, float f, float m,
                        float e, float c) {
  int64_t i = 0;
  for (; i + NL <= n; i += NL) st16(dx + i, ld16(dy + i) * f + ((ld16(x + i) - m) * e + c));
  for (; i < n; i++) dx[i] = dy[i] * f + ((x[i] - m) * e + c);
}

/* Each body twice: for the build target (v3) and for AVX-512 (v4). */
#ifdef NORM_V4
#define NORM_TWICE(ret, name, params, args)                                                      \
  static ret name##_v3 params { return name##_body args; }                                      \
  __attribute__((target("avx512f"))) static ret name##_v4 params { return name##_body args; }   \
  static ret(*name##_pick(void)) params { return ct__cpu_level() >= CT_CPU_AVX512 ? name##_v4 : name##_v3; }
#else
#define NORM_TWICE(ret, name, params, args)                                                      \
  static ret name##_v3 params { return name##_body args; }                                      \
  static ret(*name##_pick(void)) params { return name##_v3; }
#endif
NORM_TWICE(void, moments_f32, (const float *x, int64_t n, float k, double *s1, double *s2),
           (x, n, k, s1, s2))
NORM_TWICE(void, ln_fwd_row_f32, (const float *x, float *y, int64_t n, const float *w,
                                  const float *b, double eps, double *mean, double *rstd),
           (x, y, n, w, b, eps, mean, rstd))
NORM_TWICE(void, dsums_row_f32, (const float *dy, const float *x, int64_t n, float m, double *t1,
                                 double *t2), (dy, x, n, m, t1, t2))
NORM_TWICE(void, dx_row_f32, (const float *dy, const float *x, float *dx, int64_t n, float f,
                              float m, float e, float c), (dy, x, dx, n, f, m, e, c))
NORM_TWICE(void, ln_bwd_row_f32, (const float *dy, const float *x, const float *w, int64_t n,
                                  float m, float r, float *dx, float *dwp, float *dbp),
           (dy, x, w, n, m, r, dx, dwp, dbp))

static void moments_f32(const float *x, int64_t n, double k, double *s1, double *s2) {
  moments_f32_pick()(x, n, (float)k, s1, s2);
}

#define PAR_IF(units, per) if ((units) > 1 && (units) * (per) >= CT_GRAIN)

/* ---- kernels, per dtype --------------------------------------------------------------- */
#define NORM_KERNELS(T, tn)                                                                       \
  /* x (P, G, Q, S) -> mean[u], var[u] (biased): the two moments passes per unit */             \
  static void stats_##tn(const T *x, const norm_layout *L, double *mean, double *var) {           \
    int64_t U = n_units(L), len = L->Q * L->S, cnt = unit_count(L);                               \
    _Pragma("omp parallel for PAR_IF(U, cnt) schedule(static)")                                   \
    for (int64_t u = 0; u < U; u++) {                                                             \
      int64_t off, ns, st;                                                                        \
      unit_segs(L, u, &off, &ns, &st);                                                            \
      double s = 0, s1, s2, d1 = 0, d2 = 0;                                                       \
      for (int64_t k = 0; k < ns; k++) {                                                          \
        moments_##tn(x + off + k * st, len, 0, &s1, &s2);                                         \
        s += s1;                                                                                  \
      }                                                                                           \
      double m0 = (double)(T)(cnt ? s / (double)cnt : 0);                                         \
      for (int64_t k = 0; k < ns; k++) {                                                          \
        moments_##tn(x + off + k * st, len, m0, &s1, &s2);                                        \
        d1 += s1;                                                                                 \
        d2 += s2;                                                                                 \
      }                                                                                           \
      double d = cnt ? d1 / (double)cnt : NAN, v = cnt ? d2 / (double)cnt - d * d : NAN;          \
      mean[u] = m0 + d;                                                                           \
      var[u] = v > 0 || v != v ? v : 0;                                                           \
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

/* ---- layer_norm, float32 --------------------------------------------------------------
 * Rows of D > 0 contiguous elements, one unit each: every pass over a row runs while it is
 * in L1, so x, dy are read from memory once and y, dx written once. */
static bool ln_rows(const norm_layout *L) {
  return !L->batch && L->G == 1 && L->S == 1 && L->Q > 0;
}

/* Threads for M rows of D: none for work too small to pay for a parallel region. */
static int ln_threads(int64_t M, int64_t D) {
  int nt = 1;
#ifdef _OPENMP
  nt = M > 1 && M * D >= CT_GRAIN && !omp_in_parallel() ? omp_get_max_threads() : 1;
  if (nt > M) nt = (int)M;
#endif
  return nt < 1 ? 1 : nt;
}

/* x, y (M, D) -> y, mean[M], rstd[M] */
static void ln_fwd_f32(const float *x, float *y, int64_t M, int64_t D, const float *w,
                       const float *b, double eps, double *mean, double *rstd) {
  void (*row)(const float *, float *, int64_t, const float *, const float *, double, double *,
              double *) = ln_fwd_row_f32_pick();
  int nt = ln_threads(M, D);
  (void)nt;
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int64_t i = 0; i < M; i++) row(x + i * D, y + i * D, D, w, b, eps, mean + i, rstd + i);
}

/* Rows a thread accumulates dw, db over in float before adding them into its double sums. */
#define LN_FLUSH_ROWS 64

/* dy, x (M, D) -> dx (M, D) when dx is given; dwdb[0, D) = sum_rows dy * xhat and
 * dwdb[D, 2D) = sum_rows dy when dwdb is given. Each thread takes a fixed block of rows and
 * keeps its own partial sums (float over LN_FLUSH_ROWS rows, then double); the partials are
 * added in thread order: the same bits on every run with the same thread count.
 * -1 (error set) when the partials cannot be allocated. */
static int ln_bwd_f32(const float *dy, const float *x, const float *w, int64_t M, int64_t D,
                      const double *mean, const double *rstd, float *dx, double *dwdb) {
  void (*row)(const float *, const float *, const float *, int64_t, float, float, float *,
              float *, float *) = ln_bwd_row_f32_pick();
  int nt = ln_threads(M, D);
  float *fp = NULL;
  double *dp = NULL;
  if (dwdb) {
    int64_t np = 2 * D * nt;
    ct_tensor *ft = ct__empty(CT_FLOAT32, 1, &np), *dt = ct__empty(CT_FLOAT64, 1, &np);
    if (!ft || !dt) return -1;
    fp = CT_PTR(ft, float);
    dp = CT_PTR(dt, double);
    memset(dp, 0, sizeof(double) * (size_t)np);
  }
#pragma omp parallel for num_threads(nt) if (nt > 1) schedule(static)
  for (int k = 0; k < nt; k++) {
    int64_t lo = M * k / nt, hi = M * (k + 1) / nt;
    float *fw = fp ? fp + 2 * D * k : NULL, *fb = fw ? fw + D : NULL;
    double *pw = dp ? dp + 2 * D * k : NULL;
    for (int64_t r0 = lo; r0 < hi; r0 += LN_FLUSH_ROWS) {
      int64_t r1 = hi - r0 < LN_FLUSH_ROWS ? hi : r0 + LN_FLUSH_ROWS;
      if (fw) memset(fw, 0, sizeof(float) * 2 * (size_t)D);
      for (int64_t i = r0; i < r1; i++)
        row(dy + i * D, x + i * D, w, D, (float)mean[i], (float)rstd[i], dx ? dx + i * D : NULL,
            fw, fb);
      for (int64_t j = 0; pw && j < 2 * D; j++) pw[j] += (double)fw[j];
    }
  }
  if (dwdb) {
    for (int64_t j = 0; j < 2 * D; j++) {
      double t = 0;
      for (int k = 0; k < nt; k++) t += dp[2 * D * k + j];
      dwdb[j] = t;
    }
  }
  return 0;
}

/* ---- group_norm backward, float32 -------------------------------------------------------
 * dy, x (P, G, Q, S) -> dx (when given) and dwdb = [dw (G*Q), db (G*Q)] (when given). Per unit
 * (p, g) and channel q the row sums t1 = sum_s dy, t2 = sum_s dy * (x - m) go to tq (P*G*Q
 * pairs), from which the unit's dx coefficients follow, and dw, db are summed over p in a
 * fixed order: the same bits at any thread count. */
static int gn_bwd_f32(const float *dy, const float *x, const float *w, const norm_layout *L,
                      const double *mean, const double *rstd, float *dx, double *dwdb) {
  int64_t U = L->P * L->G, Q = L->Q, S = L->S, G = L->G, GQ = G * Q, ntq = 2 * U * Q;
  ct_tensor *tt = ct__empty(CT_FLOAT64, 1, &ntq);
  if (!tt) return -1;
  double *tq = CT_PTR(tt, double);
  void (*sums)(const float *, const float *, int64_t, float, double *, double *) =
      dsums_row_f32_pick();
  void (*dxrow)(const float *, const float *, float *, int64_t, float, float, float, float) =
      dx_row_f32_pick();
#pragma omp parallel for PAR_IF(U, Q * S) schedule(static)
  for (int64_t u = 0; u < U; u++) {
    int64_t g = u % G, o = u * Q * S;
    double r = rstd[u], s1 = 0, s2 = 0, cnt = (double)(Q * S);
    float m = (float)mean[u];
    for (int64_t q = 0; q < Q; q++) {
      double *t = tq + 2 * (u * Q + q), a = w ? (double)w[g * Q + q] : 1.0;
      sums(dy + o + q * S, x + o + q * S, S, m, t, t + 1);
      s1 += a * t[0];
      s2 += a * t[1];
    }
    if (!dx) continue;
    /* dx = r*a*dy - r*mean(a*dy) - (x - m) * r^3 * mean(a*dy*(x - m)) */
    float c = (float)(-r * s1 / cnt), e = (float)(-r * r * r * s2 / cnt);
    for (int64_t q = 0; q < Q; q++) {
      float f = (float)(r * (w ? (double)w[g * Q + q] : 1.0));
      dxrow(dy + o + q * S, x + o + q * S, dx + o + q * S, S, f, m, e, c);
    }
  }
  for (int64_t gq = 0; dwdb && gq < GQ; gq++) {
    double dw = 0, db = 0;
    for (int64_t p = 0; p < L->P; p++) {
      const double *t = tq + 2 * (p * GQ + gq);
      dw += t[1] * rstd[p * G + gq / Q];
      db += t[0];
    }
    dwdb[gq] = dw;
    dwdb[GQ + gq] = db;
  }
  return 0;
}

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

/* gi[1] (dw), gi[2] (db) from acc = [dw, db] (2 * G*Q doubles) */
static void affine_grads(ct_node *n, const norm_args *a, ct_tensor *acc, ct_dtype dt, ct_tensor **gi) {
  int64_t GQ = a->L.G * a->L.Q;
  if (ct__needs_grad(n, 1))
    gi[1] = ct_reshape(ct_to(ct_narrow(acc, 0, 0, GQ), dt), a->wndim, a->wshape);
  if (ct__needs_grad(n, 2))
    gi[2] = ct_reshape(ct_to(ct_narrow(acc, 0, GQ, GQ), dt), a->wndim, a->wshape);
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
  bool ln = f32 && a->stats && ln_rows(L), gn = f32 && a->stats && !L->batch && L->S >= NL;
  if (ln || gn) { /* layer_norm, group_norm: dx, dw and db from one reading of the sums */
    ct_tensor *dx = ct__needs_grad(n, 0) ? ct__empty(x->dtype, x->ndim, x->shape) : NULL;
    const float *pw = wc ? CT_PTR(wc, float) : NULL;
    float *pdx = dx ? CT_PTR(dx, float) : NULL;
    if (ct__needs_grad(n, 0) && !dx) return;
    if (ln ? ln_bwd_f32(CT_PTR(dy, float), CT_PTR(xc, float), pw, L->P, L->Q, mean, rstd, pdx, dw)
           : gn_bwd_f32(CT_PTR(dy, float), CT_PTR(xc, float), pw, L, mean, rstd, pdx, dw))
      return;
    gi[0] = dx;
    if (need_aff) affine_grads(n, a, acc, x->dtype, gi);
    return;
  }
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
  affine_grads(n, a, acc, x->dtype, gi);
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
  bool f32 = x->dtype == CT_FLOAT32, ln = f32 && c->stats && ln_rows(L);
  if (ln) /* layer_norm: statistics and y per row in one pass */
    ln_fwd_f32(CT_PTR(xc, float), CT_PTR(y, float), L->P, L->Q, wc ? CT_PTR(wc, float) : NULL,
               bc ? CT_PTR(bc, float) : NULL, c->eps, m, r);
  else if (c->stats) {
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
  if (ln)
    ; /* y written above */
  else if (f32)
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

/* The 16-bit entry of a normalisation: bfloat16 computes in float32 (weight and bias converted
 * here, the input by the caller; returns h with the op scope open for ct__half_end), float16 is
 * refused as PyTorch 1.13's CPU kernels do (*refused set, the scope closed). */
static ct_dtype norm_half(const ct_tensor *x, const ct_tensor **w, const ct_tensor **b,
                          const char *kernel, bool *refused) {
  ct_dtype h = ct__half_enter(x, *w, *b);
  *refused = h == CT_FLOAT16;
  if (*refused) {
    ct__half_end(ct__half_refuse(kernel, h), h);
  } else if ((int)h >= 0) {
    *w = ct__f32(*w);
    *b = ct__f32(*b);
  }
  return h;
}

ct_tensor *ct_batch_norm_ex(const ct_tensor *input, ct_tensor *running_mean,
                            ct_tensor *running_var, ct_batch_norm_opts o) {
  bool no16;
  ct_dtype h = norm_half(input, &o.weight, &o.bias, "batch_norm", &no16);
  if (no16) return NULL;
  if ((int)h >= 0) {
    ct_tensor *rm = ct__f32(running_mean), *rv = ct__f32(running_var);
    ct_tensor *r = ct_batch_norm_ex(ct__f32(input), rm, rv, o);
    /* the running statistics were updated in float32 copies: back into the buffers */
    if (r && rm != running_mean && !ct_copy_(running_mean, rm)) r = NULL;
    if (r && rv != running_var && !ct_copy_(running_var, rv)) r = NULL;
    return ct__half_end(r, h);
  }
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
  bool no16;
  ct_dtype h = norm_half(input, &o.weight, &o.bias, "LayerNormKernelImpl", &no16);
  if (no16) return NULL;
  if ((int)h >= 0) return ct__half_end(ct_layer_norm_ex(ct__f32(input), normalized_shape, o), h);
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
  bool no16;
  ct_dtype h = norm_half(input, &o.weight, &o.bias, "GroupNormKernelImpl", &no16);
  if (no16) return NULL;
  if ((int)h >= 0) return ct__half_end(ct_group_norm_ex(ct__f32(input), num_groups, o), h);
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
