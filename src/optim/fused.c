/* Fused optimizer steps: one pass over each parameter with its gradient and state, no
 * temporaries. Each kernel performs the reference path's tensor ops element by element, in
 * the same order and in the parameter's dtype (a Python-number operand is first rounded to that
 * dtype, as the tensor ops do), and this file is built with -ffp-contract=off (CMakeLists.txt),
 * so no a * b + c becomes an FMA: fused and reference results are bit for bit the same. */
#include <omp.h>

#include "fused.h"

/* Below this many elements in all a step runs on one thread (OpenMP's start-up would cost more
 * than the loop); the ops' elementwise grain. */
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

/* fn(item, lo, hi) over elements [lo, hi) of each item: the items' elements laid end to end and
 * cut into one even share per thread, in one parallel region. */
typedef void (*range_fn)(const fused_item *it, int64_t lo, int64_t hi, const void *h);
static void run_items(const fused_item *items, int n, range_fn fn, const void *h) {
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += items[i].n;
  int nt = total >= FUSED_GRAIN ? ct_get_num_threads() : 1;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int k = omp_get_num_threads(), t = omp_get_thread_num();
    int64_t lo = total / k * t + (t < total % k ? t : total % k);
    int64_t hi = lo + total / k + (t < total % k);
    int64_t base = 0;
    for (int i = 0; i < n && base < hi; base += items[i].n, i++) {
      int64_t a = lo > base ? lo - base : 0, b = hi - base < items[i].n ? hi - base : items[i].n;
      if (a < b) fn(&items[i], a, b, h);
    }
  }
}

/* ---- SGD ------------------------------------------------------------------------------------
 * p, g, buf: [n] contiguous.  d = ±g (+ wd * p); buf = first ? d : mom * buf + (1 - damp) * d;
 * d = nesterov ? d + mom * buf : buf; p += -lr * d. */
#define SGD_KERNEL(T)                                                                          \
  static void sgd_##T(const fused_item *it, int64_t lo, int64_t hi, const sgd_hyper *h) {     \
    T *restrict p = it->p, *restrict buf = it->a;                                              \
    const T *restrict g = it->g;                                                               \
    const T wd = (T)h->weight_decay, mom = (T)h->momentum, keep = (T)(1 - h->dampening);      \
    const T nlr = (T)-h->lr;                                                                   \
    const bool maximize = h->maximize, use_wd = h->weight_decay != 0, nest = h->nesterov;      \
    const bool first = it->first;                                                              \
    if (!buf) {                                                                                \
      for (int64_t i = lo; i < hi; i++) {                                                      \
        T d = maximize ? -g[i] : g[i];                                                         \
        if (use_wd) d = d + p[i] * wd;                                                         \
        p[i] = p[i] + d * nlr;                                                                 \
      }                                                                                        \
      return;                                                                                  \
    }                                                                                          \
    for (int64_t i = lo; i < hi; i++) {                                                       \
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

static void sgd_range(const fused_item *it, int64_t lo, int64_t hi, const void *h) {
  if (it->f64) sgd_double(it, lo, hi, h);
  else sgd_float(it, lo, hi, h);
}

int optim_sgd_prepare(ct_optim *o, ct_tensor *p, const ct_tensor *grad, const sgd_hyper *h, fused_item *it) {
  if (!fusable(p, grad)) return 1;
  ct_tensor *buf = NULL;
  *it = (fused_item){.p = ct_data_ptr(p), .g = ct_data_ptr(grad), .n = ct_numel(p),
                     .f64 = ct_dtype_of(p) == CT_FLOAT64};
  if (h->momentum != 0) {
    buf = optim_state_get(o, p, "momentum_buffer");
    if (buf && (!same_layout(buf, p) || ct_shares_storage(buf, p))) return 1;
    if (!buf) { /* the first step: buf = clone(d_p), written by the kernel */
      it->first = true;
      ct_tensor *t = ct_empty_like(p);
      if (!t || optim_state_set(o, p, "momentum_buffer", t) != 0) return -1;
      buf = t;
    } else {
      ct_increment_version(buf);
    }
    it->a = ct_data_ptr(buf);
  }
  ct_increment_version(p);
  return 0;
}

void optim_sgd_run(const fused_item *items, int n, const sgd_hyper *h) { run_items(items, n, sgd_range, h); }

/* ---- Adam / AdamW ----------------------------------------------------------------------------
 * p, g, m (exp_avg), v (exp_avg_sq), mx (max_exp_avg_sq or NULL): [n] contiguous.
 * g = ±g (+ wd * p: Adam) ; p = p * (1 - lr * wd) (AdamW) ; m = m * b1 + g * (1 - b1) ;
 * v = v * b2 + (g * (1 - b2)) * g ; mx = max(mx, v) ; den = sqrt(v or mx) / bc2_sqrt + eps ;
 * p = p + (m * -step_size) / den. */
#define MAXIMUM(a, b) ((a) != (a) ? (a) : (b) != (b) ? (b) : (a) > (b) ? (a) : (b)) /* NaN wins */
/* One element: NEXT_V turns the new v into the value under the square root (amsgrad's max). */
#define ADAM_ELEMENT(T, SQRT, NEXT_V)                                                              \
  T gi = maximize ? -g[i] : g[i], pi = p[i];                                                      \
  if (decoupled) pi = pi * decay;                                                                \
  if (coupled) gi = gi + pi * wd;                                                                \
  T mi = m[i] * b1 + gi * k1;                                                                    \
  T vi = v[i] * b2 + (gi * k2) * gi;                                                             \
  m[i] = mi;                                                                                     \
  v[i] = vi;                                                                                     \
  NEXT_V;                                                                                        \
  T den = SQRT(vi) / bc + eps;                                                                   \
  p[i] = pi + (mi * nss) / den;
#define ADAM_KERNEL(T, SQRT)                                                                       \
  static void adam_##T(const fused_item *it, int64_t lo, int64_t hi, const adam_hyper *h) {       \
    T *restrict p = it->p, *restrict m = it->a, *restrict v = it->b, *restrict mx = it->c;       \
    const T *restrict g = it->g;                                                                 \
    const T b1 = (T)h->beta1, b2 = (T)h->beta2, k1 = (T)(1 - h->beta1), k2 = (T)(1 - h->beta2);  \
    const T wd = (T)h->weight_decay, decay = (T)(1 - h->lr * h->weight_decay);                   \
    const T nss = (T)-it->step_size, bc = (T)it->bc2_sqrt, eps = (T)h->eps;                      \
    const bool maximize = h->maximize, coupled = !h->decoupled && h->weight_decay != 0;          \
    const bool decoupled = h->decoupled;                                                         \
    if (mx) {                                                                                    \
      for (int64_t i = lo; i < hi; i++) {                                                        \
        ADAM_ELEMENT(T, SQRT, vi = mx[i] = MAXIMUM(mx[i], vi))                                   \
      }                                                                                          \
    } else {                                                                                     \
      for (int64_t i = lo; i < hi; i++) {                                                        \
        ADAM_ELEMENT(T, SQRT, (void)0)                                                           \
      }                                                                                          \
    }                                                                                            \
  }
ADAM_KERNEL(float, sqrtf)
ADAM_KERNEL(double, sqrt)

static void adam_range(const fused_item *it, int64_t lo, int64_t hi, const void *h) {
  if (it->f64) adam_double(it, lo, hi, h);
  else adam_float(it, lo, hi, h);
}

int optim_adam_prepare(ct_tensor *p, const ct_tensor *grad, const adam_state *s, const adam_hyper *h,
                       fused_item *it) {
  if (!fusable(p, grad) || !same_layout(s->exp_avg, p) || !same_layout(s->exp_avg_sq, p) ||
      (h->amsgrad && !same_layout(s->max_exp_avg_sq, p)) || ct_dtype_of(s->step) != CT_FLOAT32 ||
      ct_numel(s->step) != 1 || !ct_is_contiguous(s->step))
    return 1;
  float *step = ct_data_ptr(s->step); /* step_t += 1, in float32 as PyTorch's tensor */
  *step += 1.0f;
  double st = *step;
  *it = (fused_item){.p = ct_data_ptr(p), .g = ct_data_ptr(grad), .a = ct_data_ptr(s->exp_avg),
                     .b = ct_data_ptr(s->exp_avg_sq), .c = h->amsgrad ? ct_data_ptr(s->max_exp_avg_sq) : NULL,
                     .n = ct_numel(p), .f64 = ct_dtype_of(p) == CT_FLOAT64,
                     .step_size = h->lr / (1 - pow(h->beta1, st)), .bc2_sqrt = sqrt(1 - pow(h->beta2, st))};
  ct_tensor *const touched[] = {s->step, p, s->exp_avg, s->exp_avg_sq, h->amsgrad ? s->max_exp_avg_sq : NULL};
  for (int i = 0; i < 5; i++) ct_increment_version(touched[i]);
  return 0;
}

void optim_adam_run(const fused_item *items, int n, const adam_hyper *h) { run_items(items, n, adam_range, h); }
