/* F.interpolate: nearest, nearest-exact, linear / bilinear / trilinear, bicubic (and area,
 * which is adaptive_avg_pool), with PyTorch 1.13's source indices, weights, messages and
 * grad_fn names.
 *
 * Every mode but area is separable: along spatial dim j, output o reads K input positions
 * idx[j][o*K + t] with weights w[j][o*K + t] (K = 1 nearest, 2 linear, 4 cubic; antialias:
 * the filter's widest support along that dim, shorter taps padded with weight 0), and the
 * N-d result is the tensor product, y = sum_a wd_a * (sum_b wh_b * (sum_c ww_c * x)), summed
 * in that order as PyTorch's CPU kernel does. The forward is a linear map A, its backward is
 * A^T (a scatter-add through the same taps), and the backward's own gradient is A again, so
 * both are primitives of one pair and double (and further) backward works. */
#include "../internal.h"
#include "pool.h"
#include "ctorch/functional.h"

#include <limits.h>
#include <math.h>

/* which tap rule: the grad_fn name follows the mode and the rank (K_AA_*: antialias=True) */
typedef enum { K_NEAREST, K_NEAREST_EXACT, K_LINEAR, K_CUBIC, K_AA_LINEAR, K_AA_CUBIC } interp_kind;

typedef struct {
  int nsp;            /* spatial dims, 1-3 */
  interp_kind kind;
  bool align_corners;
  bool has_scale;     /* scale factors reach the kernel (scale_factor given, not recomputed) */
  double scales[3];   /* per spatial dim, when has_scale */
} interp_args;
CT_ARGS_TYPE(interp_args, NULL);

static const char *const g_names[6][3][2] = {
    {{"UpsampleNearest1DBackward1", "UpsampleNearest1DBackwardBackward1"},
     {"UpsampleNearest2DBackward1", "UpsampleNearest2DBackwardBackward1"},
     {"UpsampleNearest3DBackward1", "UpsampleNearest3DBackwardBackward1"}},
    {{"UpsampleNearestExact1DBackward1", "UpsampleNearestExact1DBackwardBackward1"},
     {"UpsampleNearestExact2DBackward1", "UpsampleNearestExact2DBackwardBackward1"},
     {"UpsampleNearestExact3DBackward1", "UpsampleNearestExact3DBackwardBackward1"}},
    {{"UpsampleLinear1DBackward1", "UpsampleLinear1DBackwardBackward1"},
     {"UpsampleBilinear2DBackward1", "UpsampleBilinear2DBackwardBackward1"},
     {"UpsampleTrilinear3DBackward1", "UpsampleTrilinear3DBackwardBackward1"}},
    {{NULL, NULL}, {"UpsampleBicubic2DBackward1", "UpsampleBicubic2DBackwardBackward1"}, {NULL, NULL}},
    {{NULL, NULL}, {"UpsampleBilinear2DAaBackward1", "UpsampleBilinear2DAaBackwardBackward1"}, {NULL, NULL}},
    {{NULL, NULL}, {"UpsampleBicubic2DAaBackward1", "UpsampleBicubic2DAaBackwardBackward1"}, {NULL, NULL}}};

/* ---- taps ------------------------------------------------------------------------------ */
typedef struct {
  int k[3];              /* taps per output along (D, H, W); 1 for a padding dim */
  int64_t in[3], out[3]; /* (D, H, W) sizes, 1 for padding dims */
  int64_t *idx[3];       /* out[j] * k[j] input positions */
  double *w[3];          /* their weights, rounded to the tensor's dtype as PyTorch computes them */
  void *mem;
} taps;

/* PyTorch's compute_scales_value<scalar_t>: 1 / scale when given, else in / out, in f32 or f64 */
static double scales_value(bool f32, bool has, double scale, int64_t in, int64_t out) {
  if (has && scale > 0.) return f32 ? (double)(float)(1.0 / scale) : 1.0 / scale;
  return f32 ? (double)((float)in / (float)out) : (double)in / (double)out;
}

/* area_pixel_compute_scale<scalar_t> */
static double pixel_scale(bool f32, bool align, bool has, double scale, int64_t in, int64_t out) {
  if (align) {
    if (out <= 1) return 0;
    return f32 ? (double)((float)(in - 1) / (float)(out - 1)) : (double)(in - 1) / (double)(out - 1);
  }
  return scales_value(f32, has, scale, in, out);
}

/* nearest_idx / nearest_exact_idx: a float scale for every dtype, as PyTorch has it */
static void taps_nearest(int64_t in, int64_t out, bool has, double scale, bool exact,
                         int64_t *idx, double *w) {
  float s = (float)scales_value(true, has, scale, in, out);
  for (int64_t o = 0; o < out; o++) {
    int64_t i;
    if (exact) i = (int64_t)floorf((float)(((double)o + 0.5) * (double)s));
    else if (out == in) i = o;
    else if (out == 2 * in) i = o >> 1;
    else i = (int64_t)floorf((float)o * s);
    idx[o] = i < in - 1 ? i : in - 1;
    w[o] = 1;
  }
}

/* compute_source_index_and_lambda: the source index in double (the CPU acc type of both
 * float dtypes) from a scale of the tensor's dtype; lambdas rounded to the dtype */
static void taps_linear(bool f32, int64_t in, int64_t out, bool align, bool has, double scale,
                        int64_t *idx, double *w) {
  double r = pixel_scale(f32, align, has, scale, in, out);
  for (int64_t o = 0; o < out; o++) {
    if (out == in) {
      idx[2 * o] = idx[2 * o + 1] = o;
      w[2 * o] = 1, w[2 * o + 1] = 0;
      continue;
    }
    double real = align ? r * (double)o : r * ((double)o + 0.5) - 0.5;
    if (!align && real < 0) real = 0;
    int64_t i0 = (int64_t)real;
    double l1 = real - (double)i0, l0;
    if (f32) l1 = (float)l1, l0 = (float)(1.0f - (float)l1);
    else l0 = 1.0 - l1;
    idx[2 * o] = i0;
    idx[2 * o + 1] = i0 + (i0 < in - 1 ? 1 : 0);
    w[2 * o] = l0, w[2 * o + 1] = l1;
  }
}

/* cubic_convolution1 / 2 with A = -0.75, in float or double */
#define CUBIC_COEFFS(T, t, c)                                                        \
  do {                                                                               \
    const T A = (T)-0.75, x1 = (t), x2 = (T)1 - (t);                                 \
    T u = x1 + (T)1, v = x2 + (T)1;                                                  \
    (c)[0] = ((A * u - (T)5 * A) * u + (T)8 * A) * u - (T)4 * A;                     \
    (c)[1] = ((A + (T)2) * x1 - (A + (T)3)) * x1 * x1 + (T)1;                        \
    (c)[2] = ((A + (T)2) * x2 - (A + (T)3)) * x2 * x2 + (T)1;                        \
    (c)[3] = ((A * v - (T)5 * A) * v + (T)8 * A) * v - (T)4 * A;                     \
  } while (0)

/* HelperInterpCubic: the source index in the dtype (no clamp at 0), floorf of it, four taps
 * clamped into [0, in) as upsample_get_value_bounded reads them */
static void taps_cubic(bool f32, int64_t in, int64_t out, bool align, bool has, double scale,
                       int64_t *idx, double *w) {
  double r = pixel_scale(f32, align, has, scale, in, out);
  for (int64_t o = 0; o < out; o++) {
    double c[4];
    int64_t i0;
    if (f32) {
      float rf = (float)r, real = align ? rf * (float)o : rf * ((float)o + 0.5f) - 0.5f;
      i0 = (int64_t)floorf(real);
      float cf[4], t = real - (float)i0;
      CUBIC_COEFFS(float, t, cf);
      for (int j = 0; j < 4; j++) c[j] = cf[j];
    } else {
      double real = align ? r * (double)o : r * ((double)o + 0.5) - 0.5;
      i0 = (int64_t)floorf((float)real);
      CUBIC_COEFFS(double, real - (double)i0, c);
    }
    for (int j = 0; j < 4; j++) {
      int64_t i = i0 - 1 + j;
      idx[4 * o + j] = i < 0 ? 0 : i > in - 1 ? in - 1 : i;
      w[4 * o + j] = c[j];
    }
  }
}

/* antialias=True (PIL's resampling, _upsample_*_aa): output o averages the inputs within
 * `support` of its centre scale * (o + 0.5) under a filter widened by the scale when
 * downsampling, weights normalised to sum 1. The triangle filter (bilinear) and the cubic
 * with a = -0.5 (bicubic), in the tensor's dtype as aa_filter<scalar_t> computes them. */
#define AA_FILTER(T, cubic, x0)                                                           \
  ({                                                                                      \
    T x_ = (x0) < 0 ? -(x0) : (x0), a_ = (T)-0.5, r_ = 0;                                 \
    if (!(cubic)) r_ = x_ < 1 ? 1 - x_ : 0;                                               \
    else if (x_ < 1) r_ = ((a_ + 2) * x_ - (a_ + 3)) * x_ * x_ + 1;                       \
    else if (x_ < 2) r_ = (((x_ - 5) * x_ + 8) * x_ - 4) * a_;                            \
    r_;                                                                                   \
  })

/* _compute_indices_min_size_weights_aa's support: the filter's half width, times the scale
 * when downsampling */
static double aa_support(bool f32, bool cubic, double scale) {
  double half = cubic ? 2.0 : 1.0;
  return scale >= 1.0 ? (f32 ? (double)((float)half * (float)scale) : half * scale) : half;
}

/* The number of taps of a dim: one (identity) when in == out, as PyTorch skips that pass;
 * else ceil(support) * 2 + 1 */
static int aa_taps(bool f32, bool cubic, const interp_args *a, int s, int64_t in, int64_t out) {
  if (in == out) return 1;
  double scale = pixel_scale(f32, a->align_corners, a->has_scale, a->scales[s], in, out);
  double half = ceil(aa_support(f32, cubic, scale));
  return half < (double)(1 << 20) ? (int)half * 2 + 1 : INT_MAX; /* INT_MAX: refused by the caller */
}

/* _compute_weights_aa for every output: taps past xsize get weight 0 at xmin (a real tap,
 * so a NaN input spreads exactly as in PyTorch's shorter loop) */
#define AA_WEIGHTS(T)                                                                            \
  for (int64_t o = 0; o < out; o++) {                                                            \
    T sc = (T)scale, center = (T)((double)sc * ((double)o + 0.5)), sup = (T)support;             \
    T inv = sc >= (T)1 ? (T)1 / sc : (T)1, total = 0, wt[k];                                     \
    int64_t xmin = (int64_t)((double)center - (double)sup + 0.5);                                \
    if (xmin < 0) xmin = 0;                                                                      \
    int64_t xmax = (int64_t)((double)center + (double)sup + 0.5);                                \
    int64_t xsize = (xmax < in ? xmax : in) - xmin;                                              \
    if (xsize > k) xsize = k;                                                                    \
    for (int64_t j = 0; j < xsize; j++) {                                                        \
      T arg = (T)((double)((T)(j + xmin) - center) + 0.5), u = (T)((double)arg * (double)inv);   \
      wt[j] = AA_FILTER(T, cubic, u);                                                            \
      total += wt[j];                                                                            \
    }                                                                                            \
    for (int64_t j = 0; j < k; j++) {                                                            \
      idx[o * k + j] = j < xsize ? xmin + j : xmin;                                              \
      w[o * k + j] = j < xsize ? (double)(total != 0 ? wt[j] / total : wt[j]) : 0;               \
    }                                                                                            \
  }

static void taps_aa(bool f32, bool cubic, int64_t in, int64_t out, int k, const interp_args *a, int s,
                    int64_t *idx, double *w) {
  if (k == 1) { /* in == out: the identity */
    for (int64_t o = 0; o < out; o++) idx[o] = o, w[o] = 1;
    return;
  }
  double scale = pixel_scale(f32, a->align_corners, a->has_scale, a->scales[s], in, out);
  double support = aa_support(f32, cubic, scale);
  if (f32) {
    AA_WEIGHTS(float)
  } else {
    AA_WEIGHTS(double)
  }
}

/* Taps of the spatial sizes in (padded to (D, H, W)) -> out; -1 + "out of memory". */
static int taps_build(taps *tp, const interp_args *a, bool f32, const int64_t *in3, const int64_t *out3) {
  int K = a->kind == K_LINEAR ? 2 : a->kind == K_CUBIC ? 4 : 1;
  bool aa = a->kind >= K_AA_LINEAR, cubic = a->kind == K_AA_CUBIC;
  size_t total = 0;
  for (int j = 0; j < 3; j++) {
    tp->in[j] = in3[j], tp->out[j] = out3[j];
    if (out3[j] > ((int64_t)1 << 40)) return ct__errs("out of memory"); /* no wrap below */
    int s = j - (3 - a->nsp);
    tp->k[j] = s < 0 ? 1 : aa ? aa_taps(f32, cubic, a, s, in3[j], out3[j]) : K;
    if (tp->k[j] == INT_MAX) return ct__errs("out of memory"); /* a hostile scale's support */
    total += (size_t)out3[j] * (size_t)tp->k[j];
  }
  tp->mem = malloc(total * (sizeof(int64_t) + sizeof(double)) + 1);
  if (!tp->mem) return ct__errs("out of memory");
  int64_t *ip = tp->mem;
  double *wp = (double *)(ip + total);
  for (int j = 0; j < 3; j++) {
    tp->idx[j] = ip, tp->w[j] = wp;
    ip += out3[j] * tp->k[j], wp += out3[j] * tp->k[j];
    if (j < 3 - a->nsp) { /* a padding dim: one tap of weight 1 */
      tp->idx[j][0] = 0, tp->w[j][0] = 1;
      continue;
    }
    int s = j - (3 - a->nsp);
    bool has = a->has_scale;
    double sc = a->scales[s];
    switch (a->kind) {
    case K_NEAREST:
    case K_NEAREST_EXACT:
      taps_nearest(in3[j], out3[j], has, sc, a->kind == K_NEAREST_EXACT, tp->idx[j], tp->w[j]);
      break;
    case K_LINEAR:
      taps_linear(f32, in3[j], out3[j], a->align_corners, has, sc, tp->idx[j], tp->w[j]);
      break;
    case K_CUBIC:
      taps_cubic(f32, in3[j], out3[j], a->align_corners, has, sc, tp->idx[j], tp->w[j]);
      break;
    case K_AA_LINEAR:
    case K_AA_CUBIC:
      taps_aa(f32, cubic, in3[j], out3[j], tp->k[j], a, s, tp->idx[j], tp->w[j]);
      break;
    }
  }
  return 0;
}

/* ---- kernels --------------------------------------------------------------------------- */
/* x (planes, D, H, W) -> y (planes, OD, OH, OW): y = sum_a wd_a (sum_b wh_b (sum_c ww_c x)).
 * One output row (plane, od, oh) per iteration, OpenMP across rows. */
#define INTERP_FWD(T, NAME)                                                                      \
  static void NAME(const T *restrict x, T *restrict y, int64_t planes, const taps *tp) {         \
    const int64_t D = tp->in[0], H = tp->in[1], W = tp->in[2];                                 \
    const int64_t OD = tp->out[0], OH = tp->out[1], OW = tp->out[2];                           \
    const int kd = tp->k[0], kh = tp->k[1], kw = tp->k[2];                                     \
    const int64_t rows = planes * OD * OH;                                                     \
    _Pragma("omp parallel for if (rows > 1 && rows * OW * kd * kh * kw >= CT_GRAIN)")          \
    for (int64_t r = 0; r < rows; r++) {                                                       \
      const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);                        \
      const T *xp = x + p * D * H * W;                                                         \
      T *yr = y + r * OW;                                                                      \
      for (int64_t ow = 0; ow < OW; ow++) {                                                    \
        T acc = 0;                                                                             \
        for (int a = 0; a < kd; a++) {                                                         \
          T sb = 0;                                                                            \
          const T *xd = xp + tp->idx[0][od * kd + a] * H * W;                                  \
          for (int b = 0; b < kh; b++) {                                                       \
            const T *xr = xd + tp->idx[1][oh * kh + b] * W;                                    \
            T sc = 0;                                                                          \
            for (int c = 0; c < kw; c++)                                                       \
              sc += xr[tp->idx[2][ow * kw + c]] * (T)tp->w[2][ow * kw + c];                    \
            sb += sc * (T)tp->w[1][oh * kh + b];                                               \
          }                                                                                    \
          acc += sb * (T)tp->w[0][od * kd + a];                                                \
        }                                                                                      \
        yr[ow] = acc;                                                                          \
      }                                                                                        \
    }                                                                                          \
  }
INTERP_FWD(float, fwd_f32)
INTERP_FWD(double, fwd_f64)

/* g (planes, OD, OH, OW) -> gx (planes, D, H, W), zeroed first: every output's gradient goes
 * back to its taps, gx[taps] += wd * wh * ww * g. OpenMP across planes (taps of one plane
 * overlap). */
#define INTERP_BACK(T, NAME)                                                                     \
  static void NAME(const T *restrict g, T *restrict gx, int64_t planes, const taps *tp) {        \
    const int64_t D = tp->in[0], H = tp->in[1], W = tp->in[2];                                 \
    const int64_t OD = tp->out[0], OH = tp->out[1], OW = tp->out[2];                           \
    const int kd = tp->k[0], kh = tp->k[1], kw = tp->k[2];                                     \
    _Pragma("omp parallel for if (planes > 1 && planes * OD * OH * OW * kd * kh * kw >= CT_GRAIN)") \
    for (int64_t p = 0; p < planes; p++) {                                                     \
      T *gp = gx + p * D * H * W;                                                              \
      const T *gy = g + p * OD * OH * OW;                                                      \
      memset(gp, 0, sizeof(T) * (size_t)(D * H * W));                                          \
      for (int64_t od = 0; od < OD; od++)                                                      \
        for (int a = 0; a < kd; a++) {                                                         \
          T *gd = gp + tp->idx[0][od * kd + a] * H * W;                                        \
          const T wa = (T)tp->w[0][od * kd + a];                                               \
          for (int64_t oh = 0; oh < OH; oh++)                                                  \
            for (int b = 0; b < kh; b++) {                                                     \
              T *gr = gd + tp->idx[1][oh * kh + b] * W;                                        \
              const T wab = wa * (T)tp->w[1][oh * kh + b];                                     \
              const T *gyr = gy + (od * OH + oh) * OW;                                         \
              for (int64_t ow = 0; ow < OW; ow++) {                                            \
                const T v = gyr[ow] * wab;                                                     \
                for (int c = 0; c < kw; c++)                                                   \
                  gr[tp->idx[2][ow * kw + c]] += v * (T)tp->w[2][ow * kw + c];                 \
              }                                                                                \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
  }
INTERP_BACK(float, back_f32)
INTERP_BACK(double, back_f64)

/* ---- 1-D and 2-D fast paths --------------------------------------------------------------
 * The same sums in the same order as INTERP_FWD / INTERP_BACK (so the same bits), with the
 * tap counts compile-time constants (one function per count, so that OpenMP's outlined body
 * sees them too), the weights converted to T once per call rather than at every read, and an
 * output row's KH source rows looked up once: the generic loops spent most of their time on
 * those. Used when there is no depth (D = OD = 1). */
#define INTERP_FAST_ROWS(T, TN)                                                                  \
  /* one output row r = (plane, oh): x (planes, H, W) -> y (planes, OH, OW) */                   \
  static inline __attribute__((always_inline)) void fwd_row_##TN(                                \
      const T *restrict x, T *restrict y, int64_t r, const taps *tp, const T *restrict wh,       \
      const T *restrict ww, const int KH, const int KW) {                                        \
    const int64_t H = tp->in[1], W = tp->in[2], OH = tp->out[1], OW = tp->out[2];               \
    const int64_t oh = r % OH, *iw = tp->idx[2];                                                 \
    const T *xr[4];                                                                              \
    for (int b = 0; b < KH; b++) xr[b] = x + (r / OH) * H * W + tp->idx[1][oh * KH + b] * W;     \
    const T *whr = wh + oh * KH;                                                                 \
    T *yr = y + r * OW;                                                                          \
    for (int64_t ow = 0; ow < OW; ow++) {                                                        \
      T sb = 0;                                                                                  \
      for (int b = 0; b < KH; b++) {                                                             \
        T sc = 0;                                                                                \
        for (int c = 0; c < KW; c++) sc += xr[b][iw[ow * KW + c]] * ww[ow * KW + c];             \
        sb += sc * whr[b];                                                                       \
      }                                                                                          \
      T acc = 0;                                                                                 \
      acc += sb; /* the depth tap's weight is 1 */                                               \
      yr[ow] = acc;                                                                              \
    }                                                                                            \
  }                                                                                              \
  /* one plane p: g (planes, OH, OW) -> gx (planes, H, W), zeroed first */                        \
  static inline __attribute__((always_inline)) void back_plane_##TN(                             \
      const T *restrict g, T *restrict gx, int64_t p, const taps *tp, const T *restrict wh,      \
      const T *restrict ww, const int KH, const int KW) {                                        \
    const int64_t H = tp->in[1], W = tp->in[2], OH = tp->out[1], OW = tp->out[2];               \
    const int64_t *iw = tp->idx[2];                                                              \
    T *gp = gx + p * H * W;                                                                      \
    memset(gp, 0, sizeof(T) * (size_t)(H * W));                                                  \
    for (int64_t oh = 0; oh < OH; oh++)                                                          \
      for (int b = 0; b < KH; b++) {                                                             \
        T *gr = gp + tp->idx[1][oh * KH + b] * W;                                                \
        const T wb = wh[oh * KH + b];                                                            \
        const T *gyr = g + (p * OH + oh) * OW;                                                   \
        for (int64_t ow = 0; ow < OW; ow++) {                                                    \
          const T v = gyr[ow] * wb;                                                              \
          for (int c = 0; c < KW; c++) gr[iw[ow * KW + c]] += v * ww[ow * KW + c];               \
        }                                                                                        \
      }                                                                                          \
  }
/* the forward over rows and the backward over planes for KH x KW taps */
#define INTERP_FAST_K(T, TN, KH, KW)                                                             \
  static void fast_##TN##_##KH##KW(bool back, const T *in, T *out, int64_t planes,               \
                                   const taps *tp, const T *wh, const T *ww) {                   \
    const int64_t rows = planes * tp->out[1], work = rows * tp->out[2] * KH * KW;                \
    if (back) {                                                                                  \
      _Pragma("omp parallel for if (planes > 1 && work >= CT_GRAIN)")                            \
      for (int64_t p = 0; p < planes; p++) back_plane_##TN(in, out, p, tp, wh, ww, KH, KW);       \
    } else {                                                                                     \
      _Pragma("omp parallel for if (rows > 1 && work >= CT_GRAIN)")                              \
      for (int64_t r = 0; r < rows; r++) fwd_row_##TN(in, out, r, tp, wh, ww, KH, KW);           \
    }                                                                                            \
  }
/* nearest 1-D/2-D (1x1), linear (1x2), bilinear (2x2), bicubic (4x4); false for other taps */
#define INTERP_FAST(T, TN)                                                                       \
  INTERP_FAST_ROWS(T, TN)                                                                        \
  INTERP_FAST_K(T, TN, 1, 1)                                                                     \
  INTERP_FAST_K(T, TN, 1, 2)                                                                     \
  INTERP_FAST_K(T, TN, 2, 2)                                                                     \
  INTERP_FAST_K(T, TN, 4, 4)                                                                     \
  static bool fast_##TN(bool back, const T *in, T *out, int64_t planes, const taps *tp) {        \
    const int kh = tp->k[1], kw = tp->k[2];                                                      \
    void (*fn)(bool, const T *, T *, int64_t, const taps *, const T *, const T *) =              \
        kh == 1 && kw == 1 ? fast_##TN##_11 : kh == 1 && kw == 2 ? fast_##TN##_12                \
        : kh == 2 && kw == 2 ? fast_##TN##_22 : kh == 4 && kw == 4 ? fast_##TN##_44 : NULL;      \
    if (tp->in[0] != 1 || tp->out[0] != 1 || !fn) return false;                                  \
    T *wh = malloc(sizeof(T) * (size_t)(tp->out[1] * kh + tp->out[2] * kw));                     \
    if (!wh) return false; /* the generic loops need no memory */                                \
    T *ww = wh + tp->out[1] * kh;                                                                \
    for (int64_t i = 0; i < tp->out[1] * kh; i++) wh[i] = (T)tp->w[1][i];                        \
    for (int64_t i = 0; i < tp->out[2] * kw; i++) ww[i] = (T)tp->w[2][i];                        \
    fn(back, in, out, planes, tp, wh, ww);                                                       \
    free(wh);                                                                                    \
    return true;                                                                                 \
  }
INTERP_FAST(float, f32)
INTERP_FAST(double, f64)

/* nearest on uint8 (PyTorch allows it): a gather of single bytes, forward only */
static void fwd_u8(const uint8_t *restrict x, uint8_t *restrict y, int64_t planes, const taps *tp) {
  const int64_t D = tp->in[0], H = tp->in[1], W = tp->in[2];
  const int64_t OD = tp->out[0], OH = tp->out[1], OW = tp->out[2];
  for (int64_t r = 0; r < planes * OD * OH; r++) {
    const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
    const uint8_t *xr = x + ((p * D + tp->idx[0][od]) * H + tp->idx[1][oh]) * W;
    for (int64_t ow = 0; ow < OW; ow++) y[r * OW + ow] = xr[tp->idx[2][ow]];
  }
}

/* ---- the primitive pair ---------------------------------------------------------------- */
static ct_tensor *interp_fwd(const ct_tensor *x, const interp_args *a, const int64_t *out3);
static ct_tensor *interp_back(const ct_tensor *g, const interp_args *a, int ndim, const int64_t *in_shape);

/* y = A x: gx = A^T g */
static void interp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = interp_back(g[0], CT_ARGS(n, interp_args), n->in[0].ndim, n->in[0].shape);
}

/* gx = A^T g: ggrad = A gg, at g's spatial sizes */
static void interp_back_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const interp_args *a = CT_ARGS(n, interp_args);
  int64_t out3[3];
  ct__spatial3(n->in[0].ndim, n->in[0].shape, a->nsp, out3);
  gi[0] = interp_fwd(g[0], a, out3);
}

static ct_tensor *record(ct_tensor *out, const ct_tensor *in, const interp_args *a, bool back) {
  ct_node *n = ct__node_new(g_names[a->kind][a->nsp - 1][back],
                            back ? interp_back_backward : interp_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)in}, 1);
  if (n) {
    *CT_NEW_ARGS(n, interp_args) = *a;
    ct__set_history(out, n, 0);
  }
  return out;
}

/* x (N, C, in) -> y (N, C, out3's last nsp) */
static ct_tensor *interp_fwd(const ct_tensor *x, const interp_args *a, const int64_t *out3) {
  int nd = x->ndim, nsp = a->nsp;
  int64_t shape[CT_MAX_DIMS], in3[3];
  if (ct__resampled_shape(x, nsp, out3, shape, in3)) return NULL;
  taps tp;
  if (taps_build(&tp, a, x->dtype == CT_FLOAT32, in3, out3)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xc = ct__contig_as(x, x->dtype), *y = xc ? ct__empty(x->dtype, nd, shape) : NULL;
  int64_t planes = ct__numel_of(nd - nsp, x->shape);
  if (y && x->dtype == CT_FLOAT32) {
    if (!fast_f32(false, CT_PTR(xc, float), CT_PTR(y, float), planes, &tp))
      fwd_f32(CT_PTR(xc, float), CT_PTR(y, float), planes, &tp);
  } else if (y && x->dtype == CT_FLOAT64) {
    if (!fast_f64(false, CT_PTR(xc, double), CT_PTR(y, double), planes, &tp))
      fwd_f64(CT_PTR(xc, double), CT_PTR(y, double), planes, &tp);
  }
  else if (y) fwd_u8(CT_PTR(xc, uint8_t), CT_PTR(y, uint8_t), planes, &tp);
  free(tp.mem);
  return ct__op_end(y && ct_dtype_is_floating(x->dtype) ? record(y, x, a, false) : y);
}

/* g (N, C, out) -> gx (in_shape) */
static ct_tensor *interp_back(const ct_tensor *g, const interp_args *a, int ndim, const int64_t *in_shape) {
  int64_t in3[3], out3[3];
  ct__spatial3(ndim, in_shape, a->nsp, in3);
  ct__spatial3(g->ndim, g->shape, a->nsp, out3);
  taps tp;
  if (taps_build(&tp, a, g->dtype == CT_FLOAT32, in3, out3)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *gc = ct__contig_as(g, g->dtype), *gx = gc ? ct__empty(g->dtype, ndim, in_shape) : NULL;
  int64_t planes = ct__numel_of(ndim - a->nsp, in_shape);
  if (gx && g->dtype == CT_FLOAT32) {
    if (!fast_f32(true, CT_PTR(gc, float), CT_PTR(gx, float), planes, &tp))
      back_f32(CT_PTR(gc, float), CT_PTR(gx, float), planes, &tp);
  } else if (gx && !fast_f64(true, CT_PTR(gc, double), CT_PTR(gx, double), planes, &tp)) {
    back_f64(CT_PTR(gc, double), CT_PTR(gx, double), planes, &tp);
  }
  free(tp.mem);
  return ct__op_end(gx ? record(gx, g, a, true) : NULL);
}

/* ---- F.interpolate --------------------------------------------------------------------- */
static const char *const g_mode_names[] = {"nearest", "linear", "bilinear", "bicubic",
                                           "trilinear", "area", "nearest-exact"};

/* "[3, 3]" of the spatial sizes, "(4, 4, 4)" of a Python tuple argument */
static const char *ints_str(char *buf, size_t n, const char *open, const char *close, int cnt,
                            const int64_t *v) {
  size_t k = (size_t)snprintf(buf, n, "%s", open);
  for (int i = 0; i < cnt && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)v[i]);
  if (k < n) snprintf(buf + k, n - k, "%s%s", cnt == 1 && *open == '(' ? "," : "", close);
  return buf;
}

static const char *floats_str(char *buf, size_t n, ct_floats f) {
  size_t k = (size_t)snprintf(buf, n, "(");
  for (int i = 0; i < f.n && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%.17g%s", i ? ", " : "", f.v[i],
                          f.v[i] == floor(f.v[i]) && fabs(f.v[i]) < 1e16 ? ".0" : "");
  if (k < n) snprintf(buf + k, n - k, "%s)", f.n == 1 ? "," : "");
  return buf;
}

/* PyTorch's upsample_Nd_common_check and shape check: sizes > 0, non-empty channels */
static int check_sizes(const ct_tensor *x, int nsp, const int64_t *out) {
  const int64_t *in = x->shape + 2;
  bool ok = true;
  for (int j = 0; j < nsp; j++) ok &= in[j] > 0 && out[j] > 0;
  if (!ok) {
    if (nsp == 1)
      return ct__errs("Input and output sizes should be greater than 0, but got input (W: %lld) "
                      "and output (W: %lld)", (long long)in[0], (long long)out[0]);
    if (nsp == 2)
      return ct__errs("Input and output sizes should be greater than 0, but got input (H: %lld, "
                      "W: %lld) output (H: %lld, W: %lld)", (long long)in[0], (long long)in[1],
                      (long long)out[0], (long long)out[1]);
    return ct__errs("Input and output sizes should be greater than 0, but got input (D: %lld, H: "
                    "%lld, W: %lld) output (D: %lld, H: %lld, W: %lld)", (long long)in[0],
                    (long long)in[1], (long long)in[2], (long long)out[0], (long long)out[1],
                    (long long)out[2]);
  }
  if (x->shape[1] == 0 && ct_numel(x) == 0)
    return ct__errs("Non-empty %dD data tensor expected but got a tensor with sizes %s", x->ndim,
                    SHP(0, x->ndim, x->shape));
  return 0;
}

/* the Python-level checks of torch/nn/functional.py interpolate, in its order */
static int check_call(const ct_tensor *x, ct_interpolate_opts o, int dim) {
  char b1[256], b2[512];
  bool interp = o.mode == CT_INTERP_LINEAR || o.mode == CT_INTERP_BILINEAR ||
                o.mode == CT_INTERP_BICUBIC || o.mode == CT_INTERP_TRILINEAR;
  if ((unsigned)o.mode > CT_INTERP_NEAREST_EXACT)
    return ct__errs("Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the "
                    "modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                    "nearest-exact (got %d)", x->ndim, (int)o.mode);
  if (!interp && o.align_corners >= 0)
    return ct__errs("align_corners option can only be set with the interpolating modes: linear "
                    "| bilinear | bicubic | trilinear");
  if (o.size.n && o.scale_factor.n)
    return ct__errs("only one of size or scale_factor should be defined");
  const int64_t *sp = x->shape + 2;
  int nsp = dim > 0 ? dim : 0;
  if (o.size.n > 1 && o.size.n != dim)
    return ct__errs("Input and output must have the same number of spatial dimensions, but got "
                    "input with spatial dimensions of %s and output size of %s. Please provide "
                    "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                    "...,oK) format.", ints_str(b1, sizeof b1, "[", "]", nsp, sp),
                    ints_str(b2, sizeof b2, "(", ")", o.size.n, o.size.v));
  if (o.scale_factor.n > 1 && o.scale_factor.n != dim)
    return ct__errs("Input and scale_factor must have the same number of spatial dimensions, but "
                    "got input with spatial dimensions of %s and scale_factor of shape %s. Please "
                    "provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                    "(s1, s2, ...,sK) format.", ints_str(b1, sizeof b1, "[", "]", nsp, sp),
                    floats_str(b2, sizeof b2, o.scale_factor));
  if (!o.size.n && !o.scale_factor.n)
    return ct__errs("either size or scale_factor should be defined");
  if (o.recompute_scale_factor > 0 && o.size.n)
    return ct__errs("recompute_scale_factor is not meaningful with an explicit size.");
  if (o.antialias && !((o.mode == CT_INTERP_BILINEAR || o.mode == CT_INTERP_BICUBIC) && x->ndim == 4))
    return ct__errs("Anti-alias option is only supported for bilinear and bicubic modes");
  return 0;
}

/* which rank a mode needs (0: any of 3-5) */
static int mode_rank(ct_interp_mode m) {
  return m == CT_INTERP_LINEAR ? 3 : m == CT_INTERP_BILINEAR || m == CT_INTERP_BICUBIC ? 4
         : m == CT_INTERP_TRILINEAR ? 5 : 0;
}

ct_tensor *ct_interpolate_ex(const ct_tensor *x, ct_interpolate_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_interpolate_ex(ct__f32(x), o), h);
  if (!x) return NULL;
  int dim = x->ndim - 2;
  if (check_call(x, o, dim)) return NULL;
  bool ok_rank = x->ndim >= 3 && x->ndim <= 5;
  int want = mode_rank(o.mode);
  if (!ok_rank || (want && x->ndim != want)) {
    static const char *const rank_mode[] = {"", "", "", "linear", "bilinear", "trilinear"};
    /* PyTorch's "Got 3D input, but bilinear mode needs 4D input" for a linear-family
     * mismatch among ranks 3-5; bicubic and anything else get the general message */
    if (ok_rank && o.mode != CT_INTERP_BICUBIC)
      return ct__err("Got %dD input, but %s mode needs %dD input", x->ndim, rank_mode[want], want);
    return ct__err("Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the "
                   "modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                   "nearest-exact (got %s)", x->ndim, g_mode_names[o.mode]);
  }
  /* output size: given, floor(in * scale) in Python (recompute / area), or the C++
   * compute_output_size's truncation of (double) in * scale */
  int64_t out[3];
  bool recompute = o.recompute_scale_factor > 0 || (o.mode == CT_INTERP_AREA && !o.size.n);
  interp_args a = {.nsp = dim, .align_corners = o.align_corners > 0};
  for (int j = 0; j < dim; j++) {
    if (o.size.n) {
      out[j] = o.size.v[o.size.n == 1 ? 0 : j];
      continue;
    }
    double s = o.scale_factor.v[o.scale_factor.n == 1 ? 0 : j], v = (double)x->shape[2 + j] * s;
    if (!(fabs(v) < 9.2e18)) return ct__err("interpolate: output size %g is out of range", v);
    out[j] = recompute ? (int64_t)floor(v) : (int64_t)v;
    a.scales[j] = s;
  }
  a.has_scale = o.scale_factor.n && !recompute;
  if (o.mode == CT_INTERP_AREA) {
    ct_ints os = {.n = dim};
    memcpy(os.v, out, sizeof(int64_t) * (size_t)dim);
    return dim == 1 ? ct_adaptive_avg_pool1d(x, os)
           : dim == 2 ? ct_adaptive_avg_pool2d(x, os) : ct_adaptive_avg_pool3d(x, os);
  }
  a.kind = o.mode == CT_INTERP_NEAREST ? K_NEAREST : o.mode == CT_INTERP_NEAREST_EXACT ? K_NEAREST_EXACT
           : o.mode == CT_INTERP_BICUBIC ? K_CUBIC : K_LINEAR;
  if (o.antialias) a.kind = a.kind == K_CUBIC ? K_AA_CUBIC : K_AA_LINEAR;
  if (check_sizes(x, dim, out)) return NULL;
  if (!ct_dtype_is_floating(x->dtype) && !(a.kind <= K_NEAREST_EXACT && x->dtype == CT_UINT8))
    return ct__err("\"%s\" not implemented for '%s'",
                   a.kind <= K_NEAREST_EXACT ? "compute_indices_weights_nearest"
                   : a.kind >= K_AA_LINEAR ? "compute_indices_weights_aa"
                   : a.kind == K_LINEAR ? "compute_indices_weights_linear" : "compute_indices_weights_cubic",
                   ct__dtype_short(x->dtype));
  int64_t out3[3] = {1, 1, 1};
  memcpy(out3 + 3 - dim, out, sizeof(int64_t) * (size_t)dim);
  return interp_fwd(x, &a, out3);
}
