/* softmax and log_softmax along one dim, shifted by the max for stability. The input is
 * made contiguous and seen as (outer, n, inner): the last dim (inner == 1) runs row by row;
 * other dims run with the inner index fastest so the loops still vectorise. */
#include "../internal.h"
#include "reduce.h"
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

/* y = softmax(x, dim): gx = y * (g - sum(g * y, dim)). saved: y. i[0] = dim. */
static void softmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct__saved(n, 0);
  if (!y) return;
  ct_tensor *gy = ct_mul(g[0], y);
  ct_tensor *s = y->ndim ? ct_sum(gy, .dim = CT_DIMS(n->i[0]), .keepdim = true) : gy;
  gi[0] = ct_mul(y, ct_sub(g[0], s));
}

/* y = log_softmax(x, dim): gx = g - exp(y) * sum(g, dim). saved: y. i[0] = dim. */
static void log_softmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct__saved(n, 0);
  if (!y) return;
  ct_tensor *s = y->ndim ? ct_sum(g[0], .dim = CT_DIMS(n->i[0]), .keepdim = true) : g[0];
  gi[0] = ct_sub(g[0], ct_mul(ct_exp(y), s));
}

static ct_tensor *softmax_impl(const ct_tensor *t, int64_t dim, bool lg) {
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
  if (t->dtype == CT_FLOAT32)
    softmax_f32(CT_PTR(x, float), CT_PTR(y, float), outer, n, inner, lg);
  else
    softmax_f64(CT_PTR(x, double), CT_PTR(y, double), outer, n, inner, lg);
  ct_node *nd = ct__node_new(lg ? "LogSoftmaxBackward0" : "SoftmaxBackward0",
                             lg ? log_softmax_backward : softmax_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (nd) {
    nd->i[0] = d;
    ct__save(nd, y, true);
    ct__set_history(y, nd, 0);
  }
  return ct__op_end(y);
}

ct_tensor *ct_softmax(const ct_tensor *t, int64_t dim) { return softmax_impl(t, dim, false); }
ct_tensor *ct_log_softmax(const ct_tensor *t, int64_t dim) { return softmax_impl(t, dim, true); }
