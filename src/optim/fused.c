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

/* ---- Adam / AdamW ----------------------------------------------------------------------------
 * p, g, m (exp_avg), v (exp_avg_sq), mx (max_exp_avg_sq or NULL): [n] contiguous.
 * g = ±g (+ wd * p: Adam) ; p = p * (1 - lr * wd) (AdamW) ; m = m * b1 + g * (1 - b1) ;
 * v = v * b2 + (g * (1 - b2)) * g ; mx = max(mx, v) ; den = sqrt(v or mx) / bc2_sqrt + eps ;
 * p = p + (m * -step_size) / den. */
#define MAXIMUM(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b)) /* NaN wins */
#define ADAM_KERNEL(T, SQRT)                                                                       \
  static void adam_##T(T *restrict p, const T *restrict g, T *restrict m, T *restrict v,         \
                       T *restrict mx, int64_t n, const adam_hyper *h, double step_size,          \
                       double bc2_sqrt) {                                                         \
    const T b1 = (T)h->beta1, b2 = (T)h->beta2, k1 = (T)(1 - h->beta1), k2 = (T)(1 - h->beta2);  \
    const T wd = (T)h->weight_decay, decay = (T)(1 - h->lr * h->weight_decay);                   \
    const T nss = (T)-step_size, bc = (T)bc2_sqrt, eps = (T)h->eps;                              \
    const bool maximize = h->maximize, coupled = !h->decoupled && h->weight_decay != 0;          \
    const bool decoupled = h->decoupled;                                                         \
    _Pragma("omp parallel for if (n >= FUSED_GRAIN) schedule(static)")                          \
    for (int64_t i = 0; i < n; i++) {                                                            \
      T gi = maximize ? -g[i] : g[i], pi = p[i];                                                  \
      if (decoupled) pi = pi * decay;                                                            \
      if (coupled) gi = gi + pi * wd;                                                            \
      T mi = m[i] * b1 + gi * k1;                                                                \
      T vi = v[i] * b2 + (gi * k2) * gi;                                                         \
      m[i] = mi;                                                                                 \
      v[i] = vi;                                                                                 \
      if (mx) vi = mx[i] = MAXIMUM(mx[i], vi);                                                   \
      T den = SQRT(vi) / bc + eps;                                                               \
      p[i] = pi + (mi * nss) / den;                                                              \
    }                                                                                            \
  }
ADAM_KERNEL(float, sqrtf)
ADAM_KERNEL(double, sqrt)

int optim_adam_fused(ct_tensor *p, const ct_tensor *grad, const adam_state *s, const adam_hyper *h) {
  if (!fusable(p, grad) || !same_layout(s->exp_avg, p) || !same_layout(s->exp_avg_sq, p) ||
      (h->amsgrad && !same_layout(s->max_exp_avg_sq, p)) || ct_dtype_of(s->step) != CT_FLOAT32 ||
      ct_numel(s->step) != 1 || !ct_is_contiguous(s->step))
    return 1;
  float *step = ct_data_ptr(s->step); /* step_t += 1, in float32 as PyTorch's tensor */
  *step += 1.0f;
  ct_increment_version(s->step);
  double st = *step, bc1 = 1 - pow(h->beta1, st), bc2 = 1 - pow(h->beta2, st);
  double step_size = h->lr / bc1, bc2_sqrt = sqrt(bc2);
  int64_t n = ct_numel(p);
  void *mx = h->amsgrad ? ct_data_ptr(s->max_exp_avg_sq) : NULL;
  if (ct_dtype_of(p) == CT_FLOAT32)
    adam_float(ct_data_ptr(p), ct_data_ptr(grad), ct_data_ptr(s->exp_avg), ct_data_ptr(s->exp_avg_sq), mx, n,
               h, step_size, bc2_sqrt);
  else
    adam_double(ct_data_ptr(p), ct_data_ptr(grad), ct_data_ptr(s->exp_avg), ct_data_ptr(s->exp_avg_sq), mx, n,
                h, step_size, bc2_sqrt);
  ct_increment_version(p);
  ct_increment_version(s->exp_avg);
  ct_increment_version(s->exp_avg_sq);
  if (mx) ct_increment_version(s->max_exp_avg_sq);
  return 0;
}
