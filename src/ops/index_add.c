/* index_add, index_copy, index_fill (out of place and in place). The 1-D index is checked
 * and normalised here, then viewed (stride 0 off dim) with the source's shape so that the
 * scatter / scatter_add kernels of index.c do the writing (repeated indices: index_add
 * sums, index_copy's last write wins, as PyTorch's CPU loops). Each op records its own node
 * under PyTorch's grad_fn name; the backward formulas use differentiable ops only, so
 * double backward works. */
#include <math.h>

#include "../internal.h"

/* A 0-dim tensor seen as 1-D of size 1 (PyTorch's index ops treat it so). */
static const ct_tensor *one_d(const ct_tensor *t) {
  if (!t || t->ndim) return t;
  return ct__make_view(t, 1, (int64_t[]){1}, (int64_t[]){1}, t->offset);
}

/* index (K) or 0-dim, int32/int64 -> contiguous int64 (K). Each entry must lie in
 * [-size, size) when wrap (negatives then count from the end) or [0, size) otherwise; the
 * first one that does not is returned in *bad with NULL. */
static ct_tensor *norm_index(const ct_tensor *index, int64_t size, bool wrap, int64_t *bad,
                             bool *has_bad) {
  *has_bad = false;
  int64_t k = ct_numel(index);
  ct_tensor *c = ct__contig_as(index, CT_INT64);
  ct_tensor *out = c ? ct__empty(CT_INT64, 1, (int64_t[]){k}) : NULL;
  if (!out) return NULL;
  const int64_t *ip = CT_PTR(c, int64_t);
  int64_t *op = CT_PTR(out, int64_t);
  for (int64_t i = 0; i < k; i++) {
    int64_t ix = ip[i];
    if (ix >= size || ix < (wrap ? -size : 0)) {
      *bad = ix;
      *has_bad = true;
      return NULL;
    }
    op[i] = ix < 0 ? ix + size : ix;
  }
  return out;
}

/* idx (K) viewed with shape (nd, shp), shp[dim] == K: stride 1 along dim, 0 elsewhere. */
static ct_tensor *spread_index(const ct_tensor *idx, int nd, const int64_t *shp, int64_t dim) {
  int64_t st[CT_MAX_DIMS] = {0};
  st[dim] = 1;
  return ct__make_view(idx, nd, shp, st, idx->offset);
}

/* a result computed on one_d(t) given back t's 0-dim shape */
static ct_tensor *as_shape_of(ct_tensor *r, const ct_tensor *t) {
  if (!r || t->ndim) return r;
  return ct__make_view(r, 0, NULL, NULL, r->offset);
}

typedef struct {
  int64_t dim;
  double alpha;
} index_op_args;
CT_ARGS_TYPE(index_op_args, NULL);

/* g.index_select(dim, idx) in the shape of input i (0-dim inputs work on g seen as 1-D) */
static ct_tensor *select_for(ct_node *n, int i, ct_tensor *g, int64_t dim, ct_tensor *idx) {
  const ct_in_meta *m = &n->in[i];
  ct_tensor *g1 = g->ndim ? g : ct_reshape(g, 1, (int64_t[]){1});
  return ct_reshape(ct_index_select(g1, dim, idx), m->ndim, m->shape);
}

/* g with the indexed slices zeroed: g.index_fill(dim, idx, 0) */
static ct_tensor *zero_slices(ct_tensor *g, int64_t dim, ct_tensor *idx) {
  return ct_index_fill(g, dim, idx, 0);
}

/* out = x.index_add(dim, idx, src, alpha): gx = g, gsrc = alpha * g.index_select(dim, idx) */
static void index_add_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const index_op_args *a = CT_ARGS(n, index_op_args);
  if (ct__needs_grad(n, 0)) gi[0] = g[0];
  if (!ct__needs_grad(n, 1)) return;
  ct_tensor *gs = select_for(n, 1, g[0], a->dim, ct__saved(n, 0));
  gi[1] = a->alpha == 1 ? gs : ct_mul_scalar(gs, a->alpha);
}

/* out = x.index_copy(dim, idx, src): gx = g.index_fill(dim, idx, 0),
 * gsrc = g.index_select(dim, idx) */
static void index_copy_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, index_op_args)->dim;
  ct_tensor *idx = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = zero_slices(g[0], dim, idx);
  if (ct__needs_grad(n, 1)) gi[1] = select_for(n, 1, g[0], dim, idx);
}

/* out = x.index_fill(dim, idx, v): gx = g.index_fill(dim, idx, 0); for a tensor v,
 * gv = sum(g - gx), the sum of g over the filled positions, each counted once (PyTorch
 * selects the unique indices). */
static void index_fill_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *gx = zero_slices(g[0], CT_ARGS(n, index_op_args)->dim, ct__saved(n, 0));
  if (ct__needs_grad(n, 0)) gi[0] = gx;
  if (n->n_in > 1 && ct__needs_grad(n, 1))
    gi[1] = ct_to(ct_sum(ct_sub(g[0], gx)), n->in[1].dtype);
}

static ct_tensor *record(ct_tensor *out, const char *name, ct_backward_fn bw, int n_in,
                         ct_tensor *const *ins, ct_tensor *idx, int64_t dim, double alpha) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, n_in, ins, 1);
  if (n) {
    index_op_args *a = CT_NEW_ARGS(n, index_op_args);
    a->dim = dim;
    a->alpha = alpha;
    ct__save(n, idx, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- index_add / index_copy ------------------------------------------------------------ */
/* self (..., S, ...) and source (..., K, ...) agree off dim: PyTorch's per-op messages. */
static int check_source(bool add, const ct_tensor *s1, const ct_tensor *src1, int64_t d) {
  if (src1->ndim != s1->ndim) {
    if (add)
      return ct__errs("index_add_(): source (%dD) and self (%dD) must have the same number of "
                      "dimensions", src1->ndim, s1->ndim);
    return ct__errs("index_copy_(): When source and destination are not scalars, their "
                    "dimensionality must match. Source dimensionality (%d), destination "
                    "dimensionality (%d)", src1->ndim, s1->ndim);
  }
  for (int i = 0; i < s1->ndim; i++) {
    if (i == d || src1->shape[i] == s1->shape[i]) continue;
    int at = i < d ? i : i - 1;
    if (add)
      return ct__errs("The size of tensor a (%lld) must match the size of tensor b (%lld) at "
                      "non-singleton dimension %d", (long long)s1->shape[i],
                      (long long)src1->shape[i], at);
    return ct__errs("index_copy_(): Source/destination tensor must have same slice shapes. "
                    "Destination slice shape: %lld at dimension %d and source slice shape: "
                    "%lld at dimension %d.", (long long)s1->shape[i], at,
                    (long long)src1->shape[i], at);
  }
  return 0;
}

/* index_add (add) or index_copy: the index's and source's checks in PyTorch's order */
static int check_add_copy(bool add, const ct_tensor *t, const ct_tensor *index,
                          const ct_tensor *src, int64_t d) {
  if (add && index->ndim > 1)
    return ct__errs("index_add_(): Index is supposed to be a vector, but got dim: %d with type: "
                    "%s and size: %s", index->ndim, ct__dtype_short(index->dtype),
                    ct__shape_str(index->ndim, index->shape, (char[256]){0}, 256));
  if (!add && index->ndim > 1)
    return ct__errs("index_copy_(): Index should have dimension 1 or 0 (got %d)", index->ndim);
  if (add && index->dtype != CT_INT64 && index->dtype != CT_INT32)
    return ct__errs("index_add_(): Expected dtype int32/int64 for index but got: %s",
                    ct__dtype_short(index->dtype));
  if (!add && index->dtype != CT_INT64)
    return ct__errs("index_copy_(): Expected a long tensor for index, but got %s",
                    ct__dtype_short(index->dtype));
  if (src->dtype != t->dtype) {
    if (add)
      return ct__errs("index_add_(): self (%s) and source (%s) must have the same scalar type",
                      ct__dtype_short(t->dtype), ct__dtype_short(src->dtype));
    return ct__errs("index_copy_(): self and source expected to have the same dtype, but got "
                    "(self) %s and (source) %s", ct__dtype_short(t->dtype),
                    ct__dtype_short(src->dtype));
  }
  int64_t k = ct_numel(index), sk = src->ndim ? src->shape[d] : 1;
  if (k != sk) {
    if (add)
      return ct__errs("index_add_(): Number of indices (%lld) should be equal to "
                      "source.size(dim): (%lld), for dim: %lld", (long long)k, (long long)sk,
                      (long long)d);
    return ct__errs("index_copy_(): Number of indices (%lld) should be equal to "
                    "source.size(dim) (%lld)", (long long)k, (long long)sk);
  }
  return 0;
}

static ct_tensor *add_copy(bool add, const ct_tensor *t, int64_t dim, const ct_tensor *index,
                           const ct_tensor *src, double alpha) {
  if (!t || !index || !src) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0 || check_add_copy(add, t, index, src, d)) return NULL;
  CT_OP_BEGIN();
  const ct_tensor *s1 = one_d(t), *src1 = one_d(src);
  if (!s1 || !src1 || check_source(add, s1, src1, d)) return ct__op_end(NULL);
  int64_t bad;
  bool has_bad;
  ct_tensor *idx = norm_index(index, s1->shape[d], false, &bad, &has_bad);
  if (has_bad) {
    if (add) return ct__op_end(ct__err("index out of range in self"));
    return ct__op_end(ct__err("index_copy_(): index %lld is out of bounds for dimension %lld "
                              "with size %lld", (long long)bad, (long long)d,
                              (long long)s1->shape[d]));
  }
  ct_tensor *ie = idx ? spread_index(idx, src1->ndim, src1->shape, d) : NULL;
  if (!ie) return ct__op_end(NULL);
  ct_tensor *out = NULL;
  CT_NO_GRAD {
    /* alpha * src in src's dtype: an integer source takes alpha truncated, as PyTorch */
    if (!ct_dtype_is_floating(src1->dtype)) alpha = trunc(alpha);
    const ct_tensor *v = add && alpha != 1 ? ct_to(ct_mul_scalar(src1, alpha), src1->dtype) : src1;
    out = add ? ct_scatter_add(s1, d, ie, v) : ct_scatter(s1, d, ie, v);
  }
  out = as_shape_of(out, t);
  ct_tensor *const ins[] = {(ct_tensor *)t, (ct_tensor *)src};
  if (add)
    out = record(out, "IndexAddBackward0", index_add_backward, 2, ins, idx, d, alpha);
  else
    out = record(out, "IndexCopyBackward0", index_copy_backward, 2, ins, idx, d, 1);
  return ct__op_end(out);
}

ct_tensor *ct_index_add(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                        const ct_tensor *source, double alpha) {
  ct_dtype h = ct__half_enter(t, source, NULL);
  if ((int)h >= 0) return ct__half_end(ct_index_add(ct__f32(t), dim, index, ct__f32(source), alpha), h);
  return add_copy(true, t, dim, index, source, alpha);
}
ct_tensor *ct_index_copy(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                         const ct_tensor *source) {
  return add_copy(false, t, dim, index, source, 1);
}

/* ---- index_fill ---------------------------------------------------------------------------- */
/* value: a tensor (0-dim) or NULL with the number v */
static ct_tensor *fill(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                       const ct_tensor *value, double v) {
  if (!t || !index) return NULL;
  if (value && value->ndim)
    return ct__err("index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                   "with %d dimension(s).", value->ndim);
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (index->ndim > 1) return ct__err("Index has to be a vector/scalar");
  if (index->dtype != CT_INT64) return ct__err("index_fill_(): Expected dtype int64 for index.");
  CT_OP_BEGIN();
  const ct_tensor *s1 = one_d(t);
  int64_t bad;
  bool has_bad;
  ct_tensor *idx = s1 ? norm_index(index, s1->shape[d], true, &bad, &has_bad) : NULL;
  if (s1 && has_bad)
    return ct__op_end(ct__err("index %lld is out of bounds for dimension %lld with size %lld",
                              (long long)bad, (long long)d, (long long)s1->shape[d]));
  int64_t shp[CT_MAX_DIMS];
  if (s1) memcpy(shp, s1->shape, sizeof(int64_t) * (size_t)s1->ndim);
  shp[d] = idx ? ct_numel(idx) : 0;
  ct_tensor *ie = idx ? spread_index(idx, s1->ndim, shp, d) : NULL;
  if (!ie) return ct__op_end(NULL);
  ct_tensor *out = NULL;
  CT_NO_GRAD { out = ct_scatter_value(s1, d, ie, value ? ct_item(value) : v); }
  out = as_shape_of(out, t);
  if (value)
    out = record(out, "IndexFillBackward1", index_fill_backward, 2,
                 (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)value}, idx, d, 1);
  else
    out = record(out, "IndexFillBackward0", index_fill_backward, 1,
                 (ct_tensor *const[]){(ct_tensor *)t}, idx, d, 1);
  return ct__op_end(out);
}

ct_tensor *ct_index_fill(const ct_tensor *t, int64_t dim, const ct_tensor *index, double value) {
  return fill(t, dim, index, NULL, value);
}
ct_tensor *ct_index_fill_tensor(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                                const ct_tensor *value) {
  if (!value) return NULL;
  return fill(t, dim, index, value, 0);
}

/* ---- in place: the out-of-place op through the one in-place driver ------------------------- */
typedef struct {
  int kind; /* 0 add, 1 copy, 2 fill */
  int64_t dim;
  const ct_tensor *index, *src;
  double v;
} inplace_arg;

static ct_tensor *run_inplace_arg(const ct_tensor *t, const void *arg) {
  const inplace_arg *a = arg;
  if (a->kind == 2) return fill(t, a->dim, a->index, a->src, a->v);
  return add_copy(a->kind == 0, t, a->dim, a->index, a->src, a->v);
}

static ct_tensor *inplace(ct_tensor *t, const char *name, inplace_arg a) {
  if (!t || !a.index || (a.kind < 2 && !a.src)) return NULL;
  /* the source must not overlap self: it is read while self is written */
  if (a.src && ct__check_overlaps(t, 1, &a.src)) return NULL;
  return ct__inplace(t, &(ct_inplace_spec){.name = name, .result_type = t->dtype,
                                           .call = run_inplace_arg, .arg = &a});
}

ct_tensor *ct_index_add_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                         const ct_tensor *source, double alpha) {
  return inplace(t, "index_add_", (inplace_arg){0, dim, index, source, alpha});
}
ct_tensor *ct_index_copy_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                          const ct_tensor *source) {
  return inplace(t, "index_copy_", (inplace_arg){1, dim, index, source, 1});
}
ct_tensor *ct_index_fill_(ct_tensor *t, int64_t dim, const ct_tensor *index, double value) {
  return inplace(t, "index_fill_", (inplace_arg){2, dim, index, NULL, value});
}
ct_tensor *ct_index_fill_tensor_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                                 const ct_tensor *value) {
  if (!value) return NULL;
  return inplace(t, "index_fill_", (inplace_arg){2, dim, index, value, 0});
}
