/* Fused optimizer steps: one pass over each parameter with its gradient and state, no
 * temporaries. Each kernel performs the reference path's tensor ops element by element, in
 * the same order and in the parameter's dtype (a Python-number operand is first rounded to that
 * dtype, as the tensor ops do), and this file is built with -ffp-contract=off (CMakeLists.txt),
 * so no a * b + c becomes an FMA: fused and reference results are bit for bit the same. */
#include "fused.h"

/* Below this many elements a parameter is updated by one thread (OpenMP's start-up would cost
 * more than the loop); the ops' elementwise grain. */
#define FUSED_GRAIN 32768

/* Whether t is a contiguous float tensor of p's dtype and size. */
static bool same_layout(const ct_tensor *t, const ct_tensor *p) {
  return t && ct_dtype_of(t) == ct_dtype_of(p) && ct_is_contiguous(t) && ct_numel(t) == ct_numel(p);
}

static bool fusable(const ct_tensor *p, const ct_tensor *grad) {
  ct_dtype dt = ct_dtype_of(p);
  return (dt == CT_FLOAT32 || dt == CT_FLOAT64) && ct_is_contiguous(p) && same_layout(grad, p) &&
         !ct_shares_storage(p, grad);
}

/* A new state tensor like p (retained by the optimizer under key); NULL on error. */
static ct_tensor *new_state(ct_optim *o, ct_tensor *p, const char *key, bool zero) {
  ct_tensor *t = zero ? ct_zeros_like(p) : ct_empty_like(p);
  return t && optim_state_set(o, p, key, t) == 0 ? t : NULL;
}

/* ---- SGD ------------------------------------------------------------------------------------
 * p, g, buf: [n] contiguous.  d = ±g (+ wd * p); buf = first ? d : mom * buf + (1 - damp) * d;
 * d = nesterov ? d + mom * buf : buf; p += -lr * d. */
#define SGD_KERNEL(T)                                                                          \
  static void sgd_##T(T *restrict p, const T *restrict g, T *restrict buf, int64_t n,         \
                      const sgd_hyper *h, bool first) {                                        \
    const T wd = (T)h->weight_decay, mom = (T)h->momentum, keep = (T)(1 - h->dampening);      \
    const T nlr = (T)-h->lr;                                                                   \
    const bool maximize = h->maximize, use_wd = h->weight_decay != 0, nest = h->nesterov;      \
    if (!buf) {                                                                                \
      _Pragma("omp parallel for if (n >= FUSED_GRAIN) schedule(static)")                      \
      for (int64_t i = 0; i < n; i++) {                                                        \
        T d = maximize ? -g[i] : g[i];                                                         \
        if (use_wd) d = d + p[i] * wd;                                                         \
        p[i] = p[i] + d * nlr;                                                                 \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    _Pragma("omp parallel for if (n >= FUSED_GRAIN) schedule(static)")                        \
    for (int64_t i = 0; i < n; i++) {                                                          \
      T d = maximize ? -g[i] : g[i];                                                           \
      if (use_wd) d = d + p[i] * wd;                                                           \
      T b = first ? d : buf[i] * mom + d * keep;                                               \
      buf[i] = b;                                                                              \
      if (nest) d = d + b * mom;                                                               \
      else d = b;                                                                              \
      p[i] = p[i] + d * nlr;                                                                   \
    }                                                                                          \
  }
SGD_KERNEL(float)
SGD_KERNEL(double)

int optim_sgd_fused(ct_optim *o, ct_tensor *p, const ct_tensor *grad, const sgd_hyper *h) {
  if (!fusable(p, grad)) return 1;
  ct_tensor *buf = NULL;
  bool first = false;
  if (h->momentum != 0) {
    buf = optim_state_get(o, p, "momentum_buffer");
    if (buf && (!same_layout(buf, p) || ct_shares_storage(buf, p))) return 1;
    if (!buf && !(first = true, buf = new_state(o, p, "momentum_buffer", false))) return -1;
  }
  int64_t n = ct_numel(p);
  if (ct_dtype_of(p) == CT_FLOAT32)
    sgd_float(ct_data_ptr(p), ct_data_ptr(grad), buf ? ct_data_ptr(buf) : NULL, n, h, first);
  else
    sgd_double(ct_data_ptr(p), ct_data_ptr(grad), buf ? ct_data_ptr(buf) : NULL, n, h, first);
  ct_increment_version(p);
  if (buf && !first) ct_increment_version(buf);
  return 0;
}
