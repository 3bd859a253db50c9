/* The fused optimizer kernels: one pass over each contiguous float32 / float64 parameter, the
 * reference path's arithmetic in the same order and precision (so the results are bit for bit
 * the reference's). A group's step is two phases: *_prepare per parameter (state created,
 * counters moved; returns 0, -1 on error, or 1 when the fused path does not apply, a layout or
 * dtype it does not take: the caller then runs the reference path for that parameter), then
 * one *_run over all prepared parameters: ONE OpenMP region splitting their elements evenly
 * between the threads (one barrier per group, not per tensor: on a busy machine each barrier
 * can cost a scheduler slice). */
#ifndef CT_OPTIM_FUSED_H
#define CT_OPTIM_FUSED_H

#include "optim_internal.h"

typedef struct sgd_hyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
} sgd_hyper;

/* One prepared parameter: data pointers (state a, b, c: SGD's momentum buffer; Adam's exp_avg,
 * exp_avg_sq, max_exp_avg_sq) and its per-parameter numbers. */
typedef struct fused_item {
  void *p;
  const void *g;
  void *a, *b, *c;
  int64_t n;
  bool f64;
  bool first;                /* SGD: the momentum buffer starts as d_p */
  double step_size, bc2_sqrt; /* Adam: from this parameter's step counter */
} fused_item;
int optim_sgd_prepare(ct_optim *o, ct_tensor *p, const ct_tensor *grad, const sgd_hyper *h, fused_item *it);
void optim_sgd_run(const fused_item *items, int n, const sgd_hyper *h);

/* Adam / AdamW's numbers for one step of one parameter (bias corrections already taken). */
typedef struct adam_hyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled; /* decoupled: AdamW's p *= 1 - lr * weight_decay */
} adam_hyper;
/* The state tensors of one parameter: step (float32 0-dim), exp_avg, exp_avg_sq,
 * max_exp_avg_sq (NULL unless amsgrad). */
typedef struct adam_state {
  ct_tensor *step, *exp_avg, *exp_avg_sq, *max_exp_avg_sq;
} adam_state;
int optim_adam_prepare(ct_tensor *p, const ct_tensor *grad, const adam_state *s, const adam_hyper *h,
                       fused_item *it);
void optim_adam_run(const fused_item *items, int n, const adam_hyper *h);

#endif
