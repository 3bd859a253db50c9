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

#endif
