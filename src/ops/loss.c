/* The reduction every loss ends with. Losses compose from differentiable ops (tinygrad style)
 * unless speed or PyTorch's grad_fn name needs a primitive, so the reduction is plain
 * sum / mean and records SumBackward0 / MeanBackward0 as PyTorch's composite losses do. */
#include "loss.h"

static const char *const reduction_names[] = {"mean", "sum", "none", "batchmean"};

const char *ct__reduction_name(ct_reduction reduction) {
  if ((unsigned)reduction >= sizeof reduction_names / sizeof *reduction_names) return NULL;
  return reduction_names[reduction];
}

ct_tensor *ct__loss_reduce(ct_tensor *l, ct_reduction reduction, const char *fn) {
  if (!l) return NULL;
  switch (reduction) {
  case CT_REDUCTION_NONE:
    return l;
  case CT_REDUCTION_SUM:
    return ct_sum(l);
  case CT_REDUCTION_MEAN:
    return ct_mean(l);
  case CT_REDUCTION_BATCHMEAN:
    return ct__err("%s: reduction='batchmean' is only valid for kl_div", fn);
  }
  return ct__err("%d is not a valid value for reduction", (int)reduction);
}
