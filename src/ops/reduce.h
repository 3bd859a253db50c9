/* Shared reduction machinery (reduce.c), used by every reduction family. */
#ifndef CTORCH_OPS_REDUCE_H
#define CTORCH_OPS_REDUCE_H
#include "../internal.h"

typedef struct ct_reduce_info {
  int ndim_in;
  bool mask[CT_MAX_DIMS];         /* reduced dims */
  int64_t keep_shape[CT_MAX_DIMS]; /* input shape with reduced dims set to 1 */
  int out_ndim;
  int64_t out_shape[CT_MAX_DIMS];  /* keepdim-aware result shape */
  int64_t count;                   /* elements reduced into each output */
} ct_reduce_info;

/* Normalise dims (empty = all), reject repeats; fill ri. 0 or -1. */
int ct__reduce_setup(const ct_tensor *t, const ct_dims *dims, bool keepdim, ct_reduce_info *ri);
/* View of acc (keep_shape, contiguous) expanded over t's shape: stride 0 on reduced dims,
 * so ct__foreach(acc_view, t) visits each (output, input) pair once. */
ct_tensor *ct__reduce_target(ct_tensor *acc, const ct_tensor *t, const ct_reduce_info *ri);
/* ct__foreach(acc_view, t) on one thread (outputs are shared across the inner run). */
void ct__reduce_serial(ct_tensor *acc_view, const ct_tensor *t, ct_loop_fn fn, void *ctx);
/* Node helpers: store keepdim in i[0] and the mask in i[1..]; then reshape a gradient of
 * the result back to the keepdim shape (size-1 reduced dims). */
void ct__node_store_mask(ct_node *n, const ct_reduce_info *ri, bool keepdim);
ct_tensor *ct__unsqueeze_reduced(ct_tensor *g, const ct_node *n);
#endif
