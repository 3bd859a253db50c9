/* torch.nn.init (PyTorch 1.13's torch/nn/init.py), draw for draw: each function makes the
 * generator calls PyTorch makes, in its order (uniform_, normal_, randperm), and does its
 * arithmetic in the tensor's dtype where PyTorch does, so a seeded ct_manual_seed gives
 * PyTorch's initial weights. Built on the public API (the fills of core.h) under no-grad;
 * only the error helpers come from the internals. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") /* Python's double arithmetic is not fused */
#endif
#include "nn_internal.h"

#include <math.h>

/* ---- calculate_gain and the fans ------------------------------------------------------------ */
double ct_nn_init_calculate_gain(ct_nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
  case CT_NL_LINEAR: case CT_NL_CONV1D: case CT_NL_CONV2D: case CT_NL_CONV3D:
  case CT_NL_CONV_TRANSPOSE1D: case CT_NL_CONV_TRANSPOSE2D: case CT_NL_CONV_TRANSPOSE3D:
  case CT_NL_SIGMOID:
    return 1;
  case CT_NL_TANH:
    return 5.0 / 3;
  case CT_NL_RELU:
    return sqrt(2.0);
  case CT_NL_LEAKY_RELU: {
    double slope = isnan(param) ? 0.01 : param;
    return sqrt(2.0 / (1 + slope * slope));
  }
  case CT_NL_SELU:
    return 3.0 / 4;
  }
  ct__err("Unsupported nonlinearity %d", (int)nonlinearity);
  return NAN;
}

int ct_nn_init_calculate_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in,
                                            int64_t *fan_out) {
  if (!t) return -1;
  if (ct_dim(t) < 2)
    return ct__errs("Fan in and fan out can not be computed for tensor with fewer than 2 "
                    "dimensions");
  const int64_t *s = ct_shape(t);
  int64_t receptive = 1;
  for (int i = 2; i < ct_dim(t); i++) receptive *= s[i];
  if (fan_in) *fan_in = s[1] * receptive;
  if (fan_out) *fan_out = s[0] * receptive;
  return 0;
}

/* ---- the fills, under no-grad as PyTorch's torch.no_grad() blocks ---------------------------- */
ct_tensor *ct_nn_init_uniform_(ct_tensor *t, double a, double b) {
  if (!t) return NULL;
  ct_tensor *r;
  CT_NO_GRAD { r = ct_uniform_(t, a, b, NULL); }
  return r;
}

ct_tensor *ct_nn_init_normal_(ct_tensor *t, double mean, double std) {
  if (!t) return NULL;
  ct_tensor *r;
  CT_NO_GRAD { r = ct_normal_(t, mean, std, NULL); }
  return r;
}

ct_tensor *ct_nn_init_constant_(ct_tensor *t, double val) {
  if (!t) return NULL;
  ct_tensor *r;
  CT_NO_GRAD { r = ct_fill_(t, val); }
  return r;
}
ct_tensor *ct_nn_init_ones_(ct_tensor *t) { return ct_nn_init_constant_(t, 1); }
ct_tensor *ct_nn_init_zeros_(ct_tensor *t) { return ct_nn_init_constant_(t, 0); }

/* t = src's values (same shape, any dtype), under no-grad */
static ct_tensor *copy_in(ct_tensor *t, const ct_tensor *src) {
  if (!src) return NULL;
  ct_tensor *r;
  CT_NO_GRAD { r = ct_copy_(t, src); }
  return r;
}

ct_tensor *ct_nn_init_eye_(ct_tensor *t) {
  if (!t) return NULL;
  if (ct_dim(t) != 2) return ct__err("Only tensors with 2 dimensions are supported");
  ct_scope_begin();
  ct_tensor *r = copy_in(t, ct_eye(ct_shape(t)[0], ct_shape(t)[1], .dtype = ct_dtype_of(t)));
  ct_scope_end();
  return r;
}

/* 1 at [g * out_per_group + d, d, centre...] for every group g and d < min(out_per_group,
 * in channels) */
ct_tensor *ct_nn_init_dirac_(ct_tensor *t, int64_t groups) {
  if (!t) return NULL;
  int nd = ct_dim(t);
  if (nd < 3 || nd > 5) return ct__err("Only tensors with 3, 4, or 5 dimensions are supported");
  const int64_t *s = ct_shape(t);
  if (groups == 0) return ct__err("integer division or modulo by zero");
  int64_t rem = s[0] % groups; /* Python's modulo takes the sign of the divisor */
  if (rem != 0 && (rem < 0) != (groups < 0)) rem += groups;
  if (rem != 0) return ct__err("dim 0 must be divisible by groups");
  int64_t per = s[0] / groups, min_dim = per < s[1] ? per : s[1];
  ct_tensor *r;
  CT_NO_GRAD { r = ct_zero_(t); }
  if (!r) return NULL;
  int64_t idx[5];
  for (int i = 2; i < nd; i++) idx[i] = s[i] / 2;
  CT_NO_GRAD {
    for (int64_t g = 0; r && g < groups; g++)
      for (int64_t d = 0; r && d < min_dim; d++) {
        idx[0] = g * per + d;
        idx[1] = d;
        if (ct_set(t, idx, 1)) r = NULL;
      }
  }
  return r;
}

/* ---- fan-scaled draws ------------------------------------------------------------------------ */
ct_tensor *ct_nn_init_xavier_uniform_(ct_tensor *t, double gain) {
  int64_t fi = 0, fo = 0; /* set on success; -O3 with aligned code loses track of that */
  if (ct_nn_init_calculate_fan_in_and_fan_out(t, &fi, &fo)) return NULL;
  if (fi + fo == 0) return ct__err("float division by zero");
  double std = gain * sqrt(2.0 / (double)(fi + fo));
  double a = sqrt(3.0) * std;
  return ct_nn_init_uniform_(t, -a, a);
}

ct_tensor *ct_nn_init_xavier_normal_(ct_tensor *t, double gain) {
  int64_t fi = 0, fo = 0; /* set on success; -O3 with aligned code loses track of that */
  if (ct_nn_init_calculate_fan_in_and_fan_out(t, &fi, &fo)) return NULL;
  if (fi + fo == 0) return ct__err("float division by zero");
  return ct_nn_init_normal_(t, 0, gain * sqrt(2.0 / (double)(fi + fo)));
}

/* gain / sqrt(fan), or a negative number (an error recorded, or 0 elements: a no-op) */
static double kaiming_std(ct_tensor *t, ct_kaiming_opts o, bool *noop) {
  *noop = false;
  if (!t) return -1;
  for (int i = 0; i < ct_dim(t); i++)
    if (ct_shape(t)[i] == 0) { /* PyTorch warns "Initializing zero-element tensors is a no-op" */
      *noop = true;
      return -1;
    }
  int64_t fi = 0, fo = 0; /* set on success; -O3 with aligned code loses track of that */
  if (ct_nn_init_calculate_fan_in_and_fan_out(t, &fi, &fo)) return -1;
  if (o.mode != CT_FAN_IN && o.mode != CT_FAN_OUT)
    return ct__errs("Mode %d not supported, please use one of fan_in, fan_out", (int)o.mode);
  double gain = ct_nn_init_calculate_gain(o.nonlinearity, o.a);
  if (isnan(gain)) return -1;
  return gain / sqrt((double)(o.mode == CT_FAN_IN ? fi : fo));
}

ct_tensor *ct_nn_init_kaiming_uniform__ex(ct_tensor *t, ct_kaiming_opts o) {
  bool noop;
  double std = kaiming_std(t, o, &noop);
  if (noop) return t;
  if (std < 0) return NULL;
  double bound = sqrt(3.0) * std;
  return ct_nn_init_uniform_(t, -bound, bound);
}

ct_tensor *ct_nn_init_kaiming_normal__ex(ct_tensor *t, ct_kaiming_opts o) {
  bool noop;
  double std = kaiming_std(t, o, &noop);
  if (noop) return t;
  if (std < 0) return NULL;
  return ct_nn_init_normal_(t, 0, std);
}

/* ---- trunc_normal_: uniform in [cdf(a), cdf(b)] mapped back through the inverse CDF ---------- */
/* PyTorch's calc_erfinv (ATen/native/Math.h): a rational first guess refined by two Newton
 * steps, in the tensor's own precision; its AVX2 build fuses the Horner steps into FMAs, so
 * they are fused here too (bit for bit with torch 1.13 in float32 and float64) */
#define ERFINV(T, SQRT, LOG, ERF, EXP, COPYSIGN, FMA)                                              \
  static T erfinv_##T(T y) {                                                                    \
    const T a[4] = {(T)0.886226899, (T)-1.645349621, (T)0.914624893, (T)-0.140543331};          \
    const T b[4] = {(T)-2.118377725, (T)1.442710462, (T)-0.329097515, (T)0.012229801};          \
    const T c[4] = {(T)-1.970840454, (T)-1.624906493, (T)3.429567803, (T)1.641345311};          \
    const T d[2] = {(T)3.543889200, (T)1.637067800};                                            \
    T ya = y < 0 ? -y : y, x, z, num, dem;                                                      \
    if (ya > 1) return (T)NAN;                                                                  \
    if (ya == 1) return COPYSIGN((T)INFINITY, y);                                               \
    if (ya <= (T)0.7) {                                                                         \
      z = y * y;                                                                                \
      num = FMA(FMA(FMA(a[3], z, a[2]), z, a[1]), z, a[0]);                                     \
      dem = FMA(FMA(FMA(FMA(b[3], z, b[2]), z, b[1]), z, b[0]), z, (T)1);                       \
      x = y * num / dem;                                                                        \
    } else {                                                                                    \
      z = SQRT(-LOG(((T)1 - ya) / (T)2));                                                       \
      num = FMA(FMA(FMA(c[3], z, c[2]), z, c[1]), z, c[0]);                                     \
      dem = FMA(FMA(d[1], z, d[0]), z, (T)1);                                                   \
      x = COPYSIGN(num, y) / dem;                                                               \
    }                                                                                           \
    const T k = (T)2 / (T)sqrt(M_PI);                                                           \
    x = x - (ERF(x) - y) / (k * EXP(-x * x));                                                   \
    x = x - (ERF(x) - y) / (k * EXP(-x * x));                                                   \
    return x;                                                                                   \
  }
ERFINV(float, sqrtf, logf, erff, expf, copysignf, fmaf)
ERFINV(double, sqrt, log, erf, exp, copysign, fma)

/* v (n, contiguous) = clamp(erfinv(v) * scale + mean, lo, hi), each step rounded to T as
 * PyTorch's erfinv_, mul_, add_, clamp_ are */
#define TRUNC_MAP(T)                                                                           \
  static void trunc_map_##T(T *v, int64_t n, double scale, double mean, double lo, double hi) { \
    for (int64_t i = 0; i < n; i++) {                                                          \
      T x = erfinv_##T(v[i]) * (T)scale;                                                       \
      x = x + (T)mean;                                                                         \
      x = x < (T)lo ? (T)lo : x;                                                               \
      v[i] = x > (T)hi ? (T)hi : x;                                                            \
    }                                                                                          \
  }
TRUNC_MAP(float)
TRUNC_MAP(double)

static double norm_cdf(double x) { return (1. + erf(x / sqrt(2.))) / 2.; }

ct_tensor *ct_nn_init_trunc_normal__ex(ct_tensor *t, ct_trunc_normal_opts o) {
  if (!t) return NULL;
  if (!ct_is_floating_point(t))
    return ct__err("\"check_uniform_bounds\" not implemented for '%s'",
                   ct_dtype_of(t) == CT_BOOL ? "Bool" : "Long");
  double l = norm_cdf((o.a - o.mean) / o.std), u = norm_cdf((o.b - o.mean) / o.std);
  /* PyTorch warns when mean is more than 2 std from [a, b]; the values still come out */
  if (!ct_nn_init_uniform_(t, 2 * l - 1, 2 * u - 1)) return NULL;
  ct_scope_begin();
  ct_dtype dt = ct_dtype_of(t); /* float16 / bfloat16 are mapped in float32 */
  ct_tensor *v = dt == CT_FLOAT16 || dt == CT_BFLOAT16 ? ct_to(t, CT_FLOAT32) : ct_clone(t); /* contiguous */
  ct_tensor *r = NULL;
  if (v) {
    int64_t n = ct_numel(v);
    if (ct_dtype_of(v) == CT_FLOAT32)
      trunc_map_float(ct_data_ptr(v), n, o.std * sqrt(2.), o.mean, o.a, o.b);
    else
      trunc_map_double(ct_data_ptr(v), n, o.std * sqrt(2.), o.mean, o.a, o.b);
    r = copy_in(t, v);
  }
  ct_scope_end();
  return r;
}

/* ---- orthogonal_ ----------------------------------------------------------------------------- */
/* a (m, n), m >= n, row-major -> its QR's Q with a positive diagonal in R, in place: modified
 * Gram-Schmidt run twice per column (that Q is unique, so it is the Q of PyTorch's Householder
 * QR after its sign fix q *= sign(diag(r))). */
static void orthonormal_columns(double *a, int64_t m, int64_t n) {
  for (int64_t j = 0; j < n; j++) {
    for (int pass = 0; pass < 2; pass++)
      for (int64_t k = 0; k < j; k++) {
        double dot = 0;
        for (int64_t i = 0; i < m; i++) dot += a[i * n + k] * a[i * n + j];
        for (int64_t i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + k];
      }
    double norm = 0;
    for (int64_t i = 0; i < m; i++) norm += a[i * n + j] * a[i * n + j];
    norm = sqrt(norm);
    for (int64_t i = 0; i < m; i++) a[i * n + j] = norm > 0 ? a[i * n + j] / norm : 0;
  }
}

ct_tensor *ct_nn_init_orthogonal_(ct_tensor *t, double gain) {
  if (!t) return NULL;
  if (ct_dim(t) < 2) return ct__err("Only tensors with 2 or more dimensions are supported");
  int64_t numel = ct_numel(t);
  if (numel == 0) return t;
  int64_t rows = ct_shape(t)[0], cols = numel / rows;
  ct_scope_begin();
  ct_tensor *r = NULL;
  /* tensor.new(rows, cols).normal_(0, 1): the draws of a contiguous (rows, cols) tensor */
  ct_tensor *flat = ct_randn(CT_SHAPE(rows, cols), .dtype = ct_dtype_of(t));
  /* QR of the tall orientation: flat, or flat.t() when there are more columns */
  ct_tensor *tall = flat ? ct_contiguous(ct_to(rows < cols ? ct_t(flat) : flat, CT_FLOAT64)) : NULL;
  if (tall) {
    int64_t m = ct_shape(tall)[0], n = ct_shape(tall)[1];
    orthonormal_columns(ct_data_ptr(tall), m, n);
    ct_tensor *q = rows < cols ? ct_t(tall) : tall;
    q = ct_to(ct_reshape(q, ct_dim(t), ct_shape(t)), ct_dtype_of(t));
    if (q && copy_in(t, q)) CT_NO_GRAD { r = ct_mul_scalar_(t, gain); }
  }
  ct_scope_end();
  return r;
}

/* ---- sparse_ --------------------------------------------------------------------------------- */
ct_tensor *ct_nn_init_sparse_(ct_tensor *t, double sparsity, double std) {
  if (!t) return NULL;
  if (ct_dim(t) != 2) return ct__err("Only tensors with 2 dimensions are supported");
  int64_t rows = ct_shape(t)[0], cols = ct_shape(t)[1];
  double z = ceil(sparsity * (double)rows);
  if (isnan(z)) return ct__err("cannot convert float NaN to integer");
  if (isinf(z)) return ct__err("cannot convert float infinity to integer");
  /* row_indices[:num_zeros] with Python's slice bounds: negative counts from the end */
  z = z < 0 ? z + (double)rows : z;
  int64_t num_zeros = z < 0 ? 0 : z > (double)rows ? rows : (int64_t)z;
  if (!ct_nn_init_normal_(t, 0, std)) return NULL;
  ct_tensor *r = t;
  for (int64_t c = 0; c < cols && r; c++) {
    ct_scope_begin();
    ct_tensor *perm = ct_randperm(rows);
    int64_t *idx = perm ? ct_data_ptr(perm) : NULL;
    if (!idx) r = NULL;
    CT_NO_GRAD {
      for (int64_t k = 0; r && k < num_zeros; k++)
        if (ct_set(t, (int64_t[]){idx[k], c}, 0)) r = NULL;
    }
    ct_scope_end();
  }
  return r;
}
