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
/* What every reduction's backward knows of its forward: the reduced dims of input 0 and
 * keepdim. The first member of each reduction's argument struct. */
typedef struct ct_reduce_dims {
  bool keepdim;
  bool mask[CT_MAX_DIMS];
} ct_reduce_dims;
/* The arguments of a reduction that needs nothing more (sum, prod, amax, logsumexp). */
typedef struct ct_reduce_args {
  ct_reduce_dims red;
} ct_reduce_args;
extern const ct_args_type ct_reduce_args_type;
ct_reduce_dims ct__reduce_dims(const ct_reduce_info *ri, bool keepdim);
/* Reshape a gradient of the result back to the keepdim shape (size-1 reduced dims). */
ct_tensor *ct__unsqueeze_reduced(ct_tensor *g, const ct_node *n, const ct_reduce_dims *r);
/* Record a one-input reduction out = f(x): a node with arguments of `type` (whose first
 * member is a ct_reduce_dims, filled here from ri and keepdim), saving x and, when
 * save_out, out (slots 0 and 1). Returns the node (NULL when nothing is recorded). */
ct_node *ct__reduce_record(const char *name, ct_backward_fn bw, const ct_tensor *x, ct_tensor *out,
                           const ct_reduce_info *ri, bool keepdim, bool save_out,
                           const ct_args_type *type);
/* The gradient of a reduction's result broadcast back over input 0's shape. */
ct_tensor *ct__expand_reduced(ct_tensor *g, const ct_node *n, const ct_reduce_dims *r);
/* The reduced dims as a list. */
ct_dims ct__reduced_dim_list(const ct_node *n, const ct_reduce_dims *r);
/* t's values as a contiguous tensor of dtype dt with the kept dims first (in order) and the
 * reduced dims last: each of the ri->outer outputs then reduces one contiguous row of
 * ri->count elements. No autograd; no copy when t already is laid out so. */
ct_tensor *ct__reduce_rows(const ct_tensor *t, const ct_reduce_info *ri, ct_dtype dt);
/* ri->out_shape for one dim (dims list of one); dim must be valid. */
int ct__reduce_setup_dim(const ct_tensor *t, int64_t dim, bool keepdim, ct_reduce_info *ri);
/* Rows per thread split: parallel when the whole reduction is worth it. */
/* A contiguous tensor seen as (outer, size of dim d, inner) for ops along one dim. */
static inline void ct__dim_split(const ct_tensor *t, int d, int64_t *outer, int64_t *n, int64_t *inner) {
  *outer = *inner = *n = 1;
  for (int i = 0; i < t->ndim; i++) {
    if (i < d) *outer *= t->shape[i];
    else if (i > d) *inner *= t->shape[i];
    else *n = t->shape[i];
  }
}
/* prod_{j<k} x_j along dim (reduce_cum.c): cumprod of x shifted one place, 1 entering
 * first. Differentiable to every order, zeros included; size(dim) >= 1. */
ct_tensor *ct__cumprod_exclusive(ct_tensor *x, int64_t dim);
#define CT_REDUCE_PAR(outer, count) ((outer) > 1 && (outer) * (count) >= CT_GRAIN)
#endif
