/* softmax and log_softmax along one dim, shifted by the max for stability. The input is
 * made contiguous and seen as (outer, n, inner): the last dim (inner == 1) runs row by row;
 * other dims run with the inner index fastest so the loops still vectorise. */
#include "../internal.h"
#include "../tensor/cpu.h"
#include "reduce.h"
#include "elementwise.h"
#include <math.h>

/* x (outer, n, inner) -> y (outer, n, inner); `lg` selects log_softmax */
#define SOFTMAX_KERNEL(T, tn)                                                                  \
  static void softmax_##tn(const T *x, T *y, int64_t outer, int64_t n, int64_t inner, bool lg) { \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(outer, n * inner))")                          \
    for (int64_t a = 0; a < outer; a++) {                                                     \
      const T *xa = x + a * n * inner;                                                        \
      T *ya = y + a * n * inner;                                                              \
      if (inner == 1) {                                                                       \
        double m = -INFINITY, s = 0;                                                          \
        for (int64_t k = 0; k < n; k++) m = (double)xa[k] > m ? (double)xa[k] : m;            \
        if (isinf(m) && m < 0) m = 0; /* all -inf: no shift, the result is nan like PyTorch */ \
        for (int64_t k = 0; k < n; k++) s += exp((double)xa[k] - m);                          \
        double ls = log(s);                                                                   \
        for (int64_t k = 0; k < n; k++)                                                       \
          ya[k] = (T)(lg ? (double)xa[k] - m - ls : exp((double)xa[k] - m) / s);              \
        continue;                                                                             \
      }                                                                                       \
      double *m = malloc(sizeof(double) * 2 * (size_t)inner), *s = m ? m + inner : NULL;      \
      if (!m) continue;                                                                       \
      for (int64_t i = 0; i < inner; i++) {                                                   \
        m[i] = -INFINITY;                                                                     \
        s[i] = 0;                                                                             \
      }                                                                                       \
      for (int64_t k = 0; k < n; k++)                                                         \
        for (int64_t i = 0; i < inner; i++) {                                                 \
          double v = (double)xa[k * inner + i];                                               \
          m[i] = v > m[i] ? v : m[i];                                                         \
        }                                                                                     \
      for (int64_t i = 0; i < inner; i++)                                                     \
        if (isinf(m[i]) && m[i] < 0) m[i] = 0;                                                \
      for (int64_t k = 0; k < n; k++)                                                         \
        for (int64_t i = 0; i < inner; i++) s[i] += exp((double)xa[k * inner + i] - m[i]);    \
      for (int64_t k = 0; k < n; k++)                                                         \
        for (int64_t i = 0; i < inner; i++) {                                                 \
          double v = (double)xa[k * inner + i] - m[i];                                        \
          ya[k * inner + i] = (T)(lg ? v - log(s[i]) : exp(v) / s[i]);                        \
        }                                                                                     \
      free(m);                                                                                \
    }                                                                                         \
  }
SOFTMAX_KERNEL(float, f32)
SOFTMAX_KERNEL(double, f64)

/* float32 row (n) -> y (n), the last-dim case: the max is exact in float, exp is the
 * vectorisable ct__expf (within 1 ulp), its terms are summed in double lanes and the result
 * is formed in double, so each output stays within about an ulp of the double-exp answer
 * while every pass vectorises (libm's double exp does not). */
static inline __attribute__((always_inline)) void softmax_row_f32_body(const float *x, float *y,
                                                                      int64_t n, bool lg) {
  enum { L = 16 };
  float mx[L];
  for (int j = 0; j < L; j++) mx[j] = -INFINITY;
  int64_t k = 0;
  for (; k + L <= n; k += L) /* NaN is skipped here; it comes back through exp below */
    for (int j = 0; j < L; j++) mx[j] = x[k + j] > mx[j] ? x[k + j] : mx[j];
  for (; k < n; k++) mx[0] = x[k] > mx[0] ? x[k] : mx[0];
  float m = mx[0];
  for (int j = 1; j < L; j++) m = mx[j] > m ? mx[j] : m;
  if (isinf(m) && m < 0) m = 0; /* all -inf: no shift, the result is nan like PyTorch */
  double acc[L] = {0};
  k = 0;
  /* softmax keeps exp(x - m) in y for the last pass; log_softmax only needs its sum */
  for (; k + L <= n; k += L)
    for (int j = 0; j < L; j++) {
      float e = ct__expf(x[k + j] - m);
      if (!lg) y[k + j] = e;
      acc[j] += e;
    }
  for (; k < n; k++) {
    float e = ct__expf(x[k] - m);
    if (!lg) y[k] = e;
    acc[0] += e;
  }
  for (int w = L / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  double s = acc[0];
  if (lg) {
    double ls = log(s); /* (x - m) first: m + ls could round ls away when |m| is huge */
    for (k = 0; k < n; k++) y[k] = (float)(((double)x[k] - m) - ls);
  } else {
    double inv = 1 / s;
    for (k = 0; k < n; k++) y[k] = (float)((double)y[k] * inv);
  }
}
static void softmax_row_f32_v3(const float *x, float *y, int64_t n, bool lg) {
  softmax_row_f32_body(x, y, n, lg);
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx512f"))) static void softmax_row_f32_v4(const float *x, float *y,
                                                                  int64_t n, bool lg) {
  softmax_row_f32_body(x, y, n, lg);
}
#endif

/* x (outer, n) -> y (outer, n), float32 along the last dim */
static void softmax_lastdim_f32(const float *x, float *y, int64_t outer, int64_t n, bool lg) {
  void (*row)(const float *, float *, int64_t, bool) = softmax_row_f32_v3;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  if (ct__cpu_level() >= CT_CPU_AVX512) row = softmax_row_f32_v4;
#endif
#pragma omp parallel for if (CT_REDUCE_PAR(outer, n)) schedule(static)
  for (int64_t a = 0; a < outer; a++) row(x + a * n, y + a * n, n, lg);
}

typedef struct {
  int64_t dim;
} softmax_args;
CT_ARGS_TYPE(softmax_args, NULL);

/* y = softmax(x, dim): gx = y * (g - sum(g * y, dim)). saved: y. */
static void softmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, softmax_args)->dim;
  ct_tensor *y = ct__saved(n, 0);
  if (!y) return;
  ct_tensor *gy = ct_mul(g[0], y);
  ct_tensor *s = y->ndim ? ct_sum(gy, .dim = CT_DIMS(dim), .keepdim = true) : gy;
  gi[0] = ct_mul(y, ct_sub(g[0], s));
}

/* y = log_softmax(x, dim): gx = g - exp(y) * sum(g, dim). saved: y. */
static void log_softmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, softmax_args)->dim;
  ct_tensor *y = ct__saved(n, 0);
  if (!y) return;
  ct_tensor *s = y->ndim ? ct_sum(g[0], .dim = CT_DIMS(dim), .keepdim = true) : g[0];
  gi[0] = ct_sub(g[0], ct_mul(ct_exp(y), s));
}

static ct_tensor *softmax_impl(const ct_tensor *t, int64_t dim, bool lg) {
  if (t && ct__is_half(t->dtype)) { /* in float32, rounded back */
    CT_OP_BEGIN();
    ct_tensor *r = softmax_impl(ct_to(t, CT_FLOAT32), dim, lg);
    return ct__op_end(r ? ct_to(r, t->dtype) : NULL);
  }
  if (!t) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (t->ndim == 0) d = 0;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"%s%s\" not implemented for '%s'", lg ? "log_softmax" : "softmax",
                   d == t->ndim - 1 || t->ndim == 0 ? "_lastdim_kernel_impl" : "_kernel_impl",
                   ct__dtype_short(t->dtype));
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, t->dtype);
  ct_tensor *y = x ? ct__empty(t->dtype, t->ndim, t->shape) : NULL;
  if (!y) return ct__op_end(NULL);
  int64_t outer, n, inner;
  ct__dim_split(x, (int)d, &outer, &n, &inner);
  if (t->dtype == CT_FLOAT32 && inner == 1 && n > 0)
    softmax_lastdim_f32(CT_PTR(x, float), CT_PTR(y, float), outer, n, lg);
  else if (t->dtype == CT_FLOAT32)
    softmax_f32(CT_PTR(x, float), CT_PTR(y, float), outer, n, inner, lg);
  else
    softmax_f64(CT_PTR(x, double), CT_PTR(y, double), outer, n, inner, lg);
  ct_node *nd = ct__node_new(lg ? "LogSoftmaxBackward0" : "SoftmaxBackward0",
                             lg ? log_softmax_backward : softmax_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, softmax_args)->dim = d;
    ct__save(nd, y, true);
    ct__set_history(y, nd, 0);
  }
  return ct__op_end(y);
}

ct_tensor *ct_softmax(const ct_tensor *t, int64_t dim) { return softmax_impl(t, dim, false); }
ct_tensor *ct_log_softmax(const ct_tensor *t, int64_t dim) { return softmax_impl(t, dim, true); }
