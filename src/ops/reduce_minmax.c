/* max / min family: amax, amin, max and min (whole tensor or along a dim with indices),
 * argmax, argmin. NaN propagates (a NaN is the extreme, its first index is the argument),
 * ties take the first index, as PyTorch's CPU kernels do. */
#include "../internal.h"
#include "../tensor/cpu.h"
#include "reduce.h"
#include <math.h>

/* The row kernels minmax_rows_<dtype>, one inclusion of reduce_minmax_impl.h per dtype. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MM_WIDE 1
#else
#define MM_WIDE 0
#endif
#define CT_TEMPLATE "ops/reduce_minmax_impl.h" /* relative to src/ */
#include "../each_dtype.h"
typedef void (*minmax_fn)(const void *, int64_t, int64_t, bool, void *, int64_t *);
#define MINMAX_ENTRY(E, T, tn) [E] = minmax_rows_##tn,
static const minmax_fn minmax_rows[CT_NUM_DTYPES] = {CT_FOR_DTYPES(MINMAX_ENTRY)};

/* Values and/or indices over ri's reduced dims (already validated non-empty). */
static int minmax_raw(const ct_tensor *t, const ct_reduce_info *ri, bool is_max, ct_tensor **vals,
                      ct_tensor **idx) {
  CT_OP_BEGIN();
  ct_tensor *rows = ct__reduce_rows(t, ri, t->dtype);
  ct_tensor *v = vals ? ct__empty(t->dtype, ri->out_ndim, ri->out_shape) : NULL;
  ct_tensor *ix = idx ? ct__empty(CT_INT64, ri->out_ndim, ri->out_shape) : NULL;
  if (!rows || (vals && !v) || (idx && !ix)) {
    ct_scope_end();
    return -1;
  }
  int64_t outer = ct__numel_of(ri->out_ndim, ri->out_shape);
  minmax_rows[t->dtype](ct__ptr(rows), outer, ri->count, is_max, v ? ct__ptr(v) : NULL,
                        ix ? CT_PTR(ix, int64_t) : NULL);
  if (vals) *vals = ct_keep(v);
  if (idx) *idx = ct_keep(ix);
  ct_scope_end();
  return 0;
}

/* PyTorch's checks for a reduction that has no identity: an empty input needs a dim, and the
 * reduced dims must not be empty. */
static int check_nonempty(const char *name, const ct_tensor *t, const ct_reduce_info *ri, bool all) {
  if (all && ct_numel(t) == 0)
    return ct__errs("%s(): Expected reduction dim to be specified for input.numel() == 0.%s", name,
                    strcmp(name, "argmax") && strcmp(name, "argmin")
                        ? " Specify the reduction dim with the 'dim' argument."
                        : "");
  for (int i = 0; i < t->ndim; i++)
    if (ri->mask[i] && t->shape[i] == 0)
      return ct__errs("%s(): Expected reduction dim %d to have non-zero size.", name, i);
  return 0;
}

/* ---- backward ------------------------------------------------------------------------------ */
CT_BINARY_FLOAT(eq_loop, a == b || (a != a && b != b))

/* out = amax(x, dims) (or max(x)): the gradient is split evenly among the elements equal to
 * the result: gx = g * (x == out) / count(x == out). saved: x, out. */
static void evenly_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  const ct_reduce_dims *r = &CT_ARGS(n, ct_reduce_args)->red;
  ct_tensor *ob = ct__unsqueeze_reduced(ct_detach(out), n, r);
  if (!ob) return;
  ct_tensor *eq = ct__binary_kernel("eq", x, ob, x->dtype, x->dtype, eq_loop, NULL);
  ct_dims d = ct__reduced_dim_list(n, r);
  ct_tensor *cnt = d.n ? ct_sum(eq, .dim = d, .keepdim = true) : eq;
  gi[0] = ct_mul(ct__expand_reduced(g[0], n, r), ct_div(eq, cnt));
}

typedef struct {
  int dim; /* wrapped; 0 for a 0-dim input */
  bool keepdim;
} max_dim_args;
CT_ARGS_TYPE(max_dim_args, NULL);

/* out, idx = max(x, dim): the gradient goes to the selected element:
 * gx = g * onehot(idx, dim). saved: idx. */
static void select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const max_dim_args *a = CT_ARGS(n, max_dim_args);
  ct_tensor *idx = ct__saved(n, 0);
  if (!idx) return;
  const ct_in_meta *m = &n->in[0];
  int dim = a->dim;
  ct_tensor *mask = ct_zeros_ex(m->ndim, m->shape, CT_TENSOR_OPTS(.dtype = m->dtype));
  if (!mask) return;
  ct_tensor *ic = ct__contig_as(idx, CT_INT64);
  int64_t outer = ct_numel(ic), st[CT_MAX_DIMS];
  ct__contig_strides(m->ndim, m->shape, st);
  /* walk the output positions (the input's index with dim fixed at 0) in row-major order */
  int64_t pos[CT_MAX_DIMS] = {0};
  size_t es = ct_dtype_size(m->dtype);
  for (int64_t o = 0; o < outer; o++) {
    int64_t off = CT_PTR(ic, int64_t)[o] * (m->ndim ? st[dim] : 0);
    for (int k = 0; k < m->ndim; k++) off += pos[k] * st[k];
    ct__store(ct__ptr(mask) + off * (int64_t)es, m->dtype, 1.0);
    for (int k = m->ndim - 1; k >= 0; k--) {
      if (k == dim) continue;
      if (++pos[k] < m->shape[k]) break;
      pos[k] = 0;
    }
  }
  ct_tensor *gk = a->keepdim || m->ndim == 0 ? g[0] : ct_unsqueeze(g[0], dim);
  gi[0] = ct_mul(ct_expand(gk, m->ndim, m->shape), mask);
}

/* ---- forward ------------------------------------------------------------------------------- */
static ct_tensor *extreme(const char *opname, const char *node, const ct_tensor *t,
                          const ct_dims *dims, bool keepdim, bool is_max) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(extreme(opname, node, ct__f32(t), dims, keepdim, is_max), h);
  if (!t) return NULL;
  ct_reduce_info ri;
  if (ct__reduce_setup(t, dims, keepdim, &ri)) return NULL;
  if (check_nonempty(opname, t, &ri, dims->n == 0)) return NULL;
  ct_tensor *out;
  if (minmax_raw(t, &ri, is_max, &out, NULL)) return NULL;
  if (!ct_dtype_is_floating(t->dtype)) return out;
  ct__reduce_record(node, evenly_backward, t, out, &ri, keepdim, true, &ct_reduce_args_type);
  return out;
}

ct_tensor *ct_amax_ex(const ct_tensor *t, ct_reduce_opts o) {
  return extreme("amax", "AmaxBackward0", t, &o.dim, o.keepdim, true);
}
ct_tensor *ct_amin_ex(const ct_tensor *t, ct_reduce_opts o) {
  return extreme("amin", "AminBackward0", t, &o.dim, o.keepdim, false);
}
ct_tensor *ct_max(const ct_tensor *t) {
  return extreme("max", "MaxBackward1", t, &(ct_dims){0}, false, true);
}
ct_tensor *ct_min(const ct_tensor *t) {
  return extreme("min", "MinBackward1", t, &(ct_dims){0}, false, false);
}

static ct_tensor_pair extreme_dim(const char *opname, const char *node, const ct_tensor *t,
                                  int64_t dim, bool keepdim, bool is_max) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(extreme_dim(opname, node, ct__f32(t), dim, keepdim, is_max), h);
  ct_tensor_pair r = {NULL, NULL};
  if (!t) return r;
  ct_reduce_info ri;
  if (ct__reduce_setup_dim(t, dim, keepdim, &ri)) return r;
  if (check_nonempty(opname, t, &ri, false)) return r;
  if (minmax_raw(t, &ri, is_max, &r.values, &r.indices)) return r;
  if (!ct_dtype_is_floating(t->dtype)) return r;
  ct_node *n = ct__node_new(node, select_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, max_dim_args) =
        (max_dim_args){.dim = t->ndim ? (int)ct__wrap_dim(dim, t->ndim) : 0, .keepdim = keepdim};
    ct__save(n, r.indices, false);
    ct__set_history(r.values, n, 0);
  }
  return r;
}

ct_tensor_pair ct_max_dim(const ct_tensor *t, int64_t dim, bool keepdim) {
  return extreme_dim("max", "MaxBackward0", t, dim, keepdim, true);
}
ct_tensor_pair ct_min_dim(const ct_tensor *t, int64_t dim, bool keepdim) {
  return extreme_dim("min", "MinBackward0", t, dim, keepdim, false);
}

/* argmax(x, dim=None) is the index into the flattened tensor; keepdim then keeps all dims
 * as size 1. */
static ct_tensor *arg_extreme(const char *opname, const ct_tensor *t, int64_t dim, bool keepdim,
                              bool is_max) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(arg_extreme(opname, ct__f32(t), dim, keepdim, is_max), h);
  if (!t) return NULL;
  ct_reduce_info ri;
  bool all = dim == CT_NONE;
  if (all ? ct__reduce_setup(t, &(ct_dims){0}, keepdim, &ri)
          : ct__reduce_setup_dim(t, dim, keepdim, &ri))
    return NULL;
  if (t->dtype == CT_BOOL)
    return ct__err("\"%s_cpu\" not implemented for 'Bool'", opname);
  if (check_nonempty(opname, t, &ri, all)) return NULL;
  ct_tensor *idx;
  return minmax_raw(t, &ri, is_max, NULL, &idx) ? NULL : idx;
}

ct_tensor *ct_argmax(const ct_tensor *t, int64_t dim, bool keepdim) {
  return arg_extreme("argmax", t, dim, keepdim, true);
}
ct_tensor *ct_argmin(const ct_tensor *t, int64_t dim, bool keepdim) {
  return arg_extreme("argmin", t, dim, keepdim, false);
}
