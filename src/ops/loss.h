/* Shared by the loss functions (src/ops/loss_*.c): the reduction step every loss ends with. */
#ifndef CT_OPS_LOSS_H
#define CT_OPS_LOSS_H

#include "../internal.h"

/* The elementwise loss l reduced as reduction= asks: 'none' returns l itself, 'sum' l.sum(),
 * 'mean' l.mean() (NaN for an empty l, as PyTorch). 'batchmean' is kl_div's and is refused
 * here with PyTorch's message for `fn`. NULL + error on NULL l or an unknown reduction. */
ct_tensor *ct__loss_reduce(ct_tensor *l, ct_reduction reduction, const char *fn);

/* The reduction's name ("mean", "sum", "none", "batchmean"), NULL for an unknown value. */
const char *ct__reduction_name(ct_reduction reduction);

#endif
