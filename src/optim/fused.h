/* The fused optimizer kernels: one pass over each contiguous float32 / float64 parameter, the
 * reference path's arithmetic in the same order and precision (so the results are bit for bit
 * the reference's), OpenMP over large tensors. Each returns 0, -1 on error, or 1 when it does
 * not apply (a layout or dtype it does not take): the caller then runs the reference path. */
#ifndef CT_OPTIM_FUSED_H
#define CT_OPTIM_FUSED_H

#include "optim_internal.h"

typedef struct sgd_hyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
} sgd_hyper;
int optim_sgd_fused(ct_optim *o, ct_tensor *p, const ct_tensor *grad, const sgd_hyper *h);

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
int optim_adam_fused(ct_tensor *p, const ct_tensor *grad, const adam_state *s, const adam_hyper *h);

#endif
