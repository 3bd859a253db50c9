/* Joining and rearranging: cat, stack, repeat, flip, roll, tril, triu. Each copies through
 * views of the output (ct__copy_into), so strided inputs cost no extra pass. */
#include "../internal.h"


/* View of t narrowed to [start, start+len) along d (no autograd). */
static ct_tensor *narrow_raw(const ct_tensor *t, int d, int64_t start, int64_t len) {
  int64_t shp[CT_MAX_DIMS];
  memcpy(shp, t->shape, sizeof shp);
  shp[d] = len;
  return ct__make_view(t, t->ndim, shp, t->strides, t->offset + start * t->strides[d]);
}

/* A one-input node for out = f(t) when t is floating (NULL otherwise or when nothing is
 * recorded); the caller gives it its arguments and attaches it. */
static ct_node *unary_node(const ct_tensor *t, const char *name, ct_backward_fn bw) {
  if (!ct_dtype_is_floating(t->dtype)) return NULL;
  return ct__node_new(name, bw, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
}

/* ---- cat / stack -------------------------------------------------------------------------- */
typedef struct {
  int64_t dim;
  int64_t sizes[]; /* n_in: each input's size along dim; -1 for a skipped legacy empty one */
} cat_args;
CT_ARGS_TYPE(cat_args, NULL);

/* out = cat(xs, dim): gx_k = g.narrow(dim, offset_k, size_k) */
static void cat_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const cat_args *a = CT_ARGS(n, cat_args);
  const int64_t *sizes = a->sizes;
  int64_t off = 0, d = a->dim;
  for (int k = 0; k < n->n_in; k++) {
    if (sizes[k] < 0) { /* a skipped legacy empty input */
      if (ct__needs_grad(n, k)) gi[k] = ct_zeros_ex(n->in[k].ndim, n->in[k].shape, CT_TENSOR_OPTS(.dtype = n->in[k].dtype));
      continue;
    }
    if (ct__needs_grad(n, k)) {
      ct_tensor *s = ct_narrow(g[0], d, off, sizes[k]);
      gi[k] = s && s->dtype != n->in[k].dtype ? ct_to(s, n->in[k].dtype) : s;
    }
    off += sizes[k];
  }
}

ct_tensor *ct_cat(ct_tensor *const *ts, int n, int64_t dim) {
  if (n <= 0 || !ts) return ct__err("torch.cat(): expected a non-empty list of Tensors");
  for (int k = 0; k < n; k++)
    if (!ts[k] || ct__refuse_sparse("cat", ts[k], NULL)) return NULL;
  const ct_tensor *ref = NULL; /* the first tensor that is not a legacy 1-D empty */
  ct_dtype dt = ts[0]->dtype;
  for (int k = 0; k < n; k++) {
    if (ts[k]->ndim == 0)
      return ct__err("zero-dimensional tensor (at position %d) cannot be concatenated", k);
    dt = ct_promote_types(dt, ts[k]->dtype);
    if (!ref && !(ts[k]->ndim == 1 && ts[k]->shape[0] == 0)) ref = ts[k];
  }
  if (!ref) ref = ts[0];
  int64_t d = ct__wrap_dim(dim, ref->ndim);
  if (d < 0) return NULL;
  int64_t shp[CT_MAX_DIMS];
  memcpy(shp, ref->shape, sizeof shp);
  shp[d] = 0;
  for (int k = 0; k < n; k++) {
    const ct_tensor *t = ts[k];
    if (t->ndim == 1 && t->shape[0] == 0 && t != ref) continue;
    if (t->ndim != ref->ndim)
      return ct__err("Tensors must have same number of dimensions: got %d and %d", ref->ndim, t->ndim);
    for (int i = 0; i < t->ndim; i++)
      if (i != d && t->shape[i] != ref->shape[i])
        return ct__err("Sizes of tensors must match except in dimension %lld. Expected size %lld "
                       "but got size %lld for tensor number %d in the list.", (long long)d,
                       (long long)ref->shape[i], (long long)t->shape[i], k);
    shp[d] += t->shape[d];
  }
  ct_tensor *out = ct__empty(dt, ref->ndim, shp);
  if (!out) return NULL;
  ct_node *nd = ct_dtype_is_floating(dt) ? ct__node_new("CatBackward0", cat_backward, n, ts, 1) : NULL;
  cat_args *a = ct__node_new_args(nd, &cat_args_type, sizeof(int64_t) * (size_t)n);
  if (nd && !a) {
    ct__node_abandon(nd);
    return NULL;
  }
  CT_OP_BEGIN();
  int64_t off = 0;
  for (int k = 0; k < n; k++) {
    const ct_tensor *t = ts[k];
    if (a) a->sizes[k] = -1;
    if (t->ndim == 1 && t->shape[0] == 0 && t != ref) continue;
    if (a) a->sizes[k] = t->shape[d];
    ct_tensor *v = narrow_raw(out, (int)d, off, t->shape[d]);
    if (v) ct__copy_into(v, t);
    off += t->shape[d];
  }
  ct_scope_end();
  if (nd) {
    a->dim = d;
    ct__set_history(out, nd, 0);
  }
  return out;
}

ct_tensor *ct_stack(ct_tensor *const *ts, int n, int64_t dim) {
  if (n <= 0 || !ts) return ct__err("stack expects a non-empty TensorList");
  for (int k = 0; k < n; k++)
    if (!ts[k]) return NULL;
  for (int k = 1; k < n; k++)
    if (ts[k]->ndim != ts[0]->ndim ||
        memcmp(ts[k]->shape, ts[0]->shape, sizeof(int64_t) * (size_t)ts[0]->ndim))
      return ct__err("stack expects each tensor to be equal size, but got %s at entry 0 and %s at "
                     "entry %d", SHP(0, ts[0]->ndim, ts[0]->shape), SHP(1, ts[k]->ndim, ts[k]->shape), k);
  int64_t d = ct__wrap_dim(dim, ts[0]->ndim + 1);
  if (d < 0) return NULL;
  CT_OP_BEGIN();
  ct_tensor **us = malloc(sizeof(ct_tensor *) * (size_t)n);
  if (!us) return ct__op_end(ct__err("CPU: out of memory"));
  for (int k = 0; k < n; k++) us[k] = ct_unsqueeze(ts[k], d);
  /* cat of the unsqueezed views; its node differentiates through them back to the inputs */
  ct_tensor *out = ct_cat(us, n, d);
  free(us);
  ct__set_grad_fn_name(out, "StackBackward0");
  return ct__op_end(out);
}

/* ---- repeat -------------------------------------------------------------------------------- */
/* Shape (r0, p0, r1, p1, ...) interleaving repeats with the padded input shape. */
static int interleave(int n, const int64_t *rep, const int64_t *pshape, int64_t *shp2) {
  for (int i = 0; i < n; i++) {
    shp2[2 * i] = rep[i];
    shp2[2 * i + 1] = pshape[i];
  }
  return 2 * n;
}

typedef struct {
  int n;
  int64_t repeats[CT_MAX_DIMS / 2];
} repeat_args;
CT_ARGS_TYPE(repeat_args, NULL);

/* out = x.repeat(r): gx = g.view(r0, p0, r1, p1, ...).sum(r dims).view(x.shape) */
static void repeat_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const repeat_args *a = CT_ARGS(n, repeat_args);
  int nr = a->n, lead = nr - n->in[0].ndim;
  int64_t pshape[CT_MAX_DIMS], shp2[CT_MAX_DIMS * 2];
  for (int i = 0; i < nr; i++) pshape[i] = i < lead ? 1 : n->in[0].shape[i - lead];
  int nd2 = interleave(nr, a->repeats, pshape, shp2);
  ct_dims dims = {.n = nr};
  for (int i = 0; i < nr; i++) dims.d[i] = 2 * i;
  ct_tensor *s = ct_sum(ct_reshape(g[0], nd2, shp2), .dim = dims);
  gi[0] = ct_reshape(s, n->in[0].ndim, n->in[0].shape);
}

/* x (s...) with r (n >= ndim) -> (r_i * s_i) */
ct_tensor *ct_repeat(const ct_tensor *t, int n, const int64_t *repeats) {
  if (!t) return NULL;
  if (n < t->ndim || (n && !repeats))
    return ct__err("Number of dimensions of repeat dims can not be smaller than number of "
                   "dimensions of tensor");
  if (2 * n > CT_MAX_DIMS) return ct__err("repeat: at most %d dims are supported", CT_MAX_DIMS / 2);
  int lead = n - t->ndim;
  int64_t pshape[CT_MAX_DIMS], pst[CT_MAX_DIMS], oshape[CT_MAX_DIMS] = {0};
  bool over = false;
  for (int i = 0; i < n; i++) {
    pshape[i] = i < lead ? 1 : t->shape[i - lead];
    pst[i] = i < lead ? 0 : t->strides[i - lead];
    over |= __builtin_mul_overflow(pshape[i], repeats[i], &oshape[i]);
  }
  for (int i = 0; i < n; i++)
    if (repeats[i] < 0)
      return ct__err("Trying to create tensor with negative dimension %lld: %s",
                     (long long)oshape[i], SHP(0, n, oshape));
  if (over) /* PyTorch's product wraps; the size it means overflows any storage */
    return ct__err("Storage size calculation overflowed with sizes=%s (repeats of %s)",
                   SHP(0, n, repeats), SHP(1, t->ndim, t->shape));
  ct_tensor *out = ct__empty(t->dtype, n, oshape);
  if (!out) return NULL;
  CT_OP_BEGIN();
  int64_t shp2[CT_MAX_DIMS], st2[CT_MAX_DIMS], ost2[CT_MAX_DIMS];
  int nd2 = interleave(n, repeats, pshape, shp2);
  for (int i = 0; i < n; i++) st2[2 * i] = 0, st2[2 * i + 1] = pst[i];
  ct__contig_strides(nd2, shp2, ost2);
  ct_tensor *src = ct__make_view(t, nd2, shp2, st2, t->offset);
  ct_tensor *dst = ct__make_view(out, nd2, shp2, ost2, 0);
  if (src && dst) ct__copy_into(dst, src);
  ct_scope_end();
  ct_node *nd = unary_node(t, "RepeatBackward0", repeat_backward);
  if (nd) {
    repeat_args *a = CT_NEW_ARGS(nd, repeat_args);
    a->n = n;
    memcpy(a->repeats, repeats, sizeof(int64_t) * (size_t)n);
    ct__set_history(out, nd, 0);
  }
  return out;
}

/* ---- flip / roll ----------------------------------------------------------------------------- */
/* Parse a dim list into a mask; PyTorch's duplicate check. */
static int dims_mask(const ct_tensor *t, int n, const int64_t *dims, bool *mask) {
  memset(mask, 0, sizeof(bool) * CT_MAX_DIMS);
  for (int k = 0; k < n; k++) {
    int64_t d = ct__wrap_dim(dims[k], t->ndim);
    if (d < 0) return -1;
    if (mask[d]) return ct__errs("dim %lld appears multiple times in the list of dims", (long long)d);
    mask[d] = true;
  }
  return 0;
}

typedef struct {
  int n;
  int64_t dims[CT_MAX_DIMS];
} flip_args;
CT_ARGS_TYPE(flip_args, NULL);

/* out = flip(x, dims): gx = flip(g, dims) */
static void flip_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const flip_args *a = CT_ARGS(n, flip_args);
  gi[0] = ct_flip(g[0], a->n, a->dims);
}

ct_tensor *ct_flip(const ct_tensor *t, int n, const int64_t *dims) {
  if (!t) return NULL;
  if (n < 0 || n > CT_MAX_DIMS || (n && !dims)) return ct__err("flip: invalid dims");
  bool mask[CT_MAX_DIMS];
  if (dims_mask(t, n, dims, mask)) return NULL;
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (!out) return NULL;
  /* a view with negated strides starting at the last element along each flipped dim */
  int64_t st[CT_MAX_DIMS], off = t->offset;
  for (int i = 0; i < t->ndim; i++) {
    st[i] = mask[i] ? -t->strides[i] : t->strides[i];
    if (mask[i] && t->shape[i] > 0) off += (t->shape[i] - 1) * t->strides[i];
  }
  CT_OP_BEGIN();
  ct_tensor *v = ct_numel(t) ? ct__make_view(t, t->ndim, t->shape, st, off) : NULL;
  if (v) ct__copy_into(out, v);
  ct_scope_end();
  ct_node *nd = unary_node(t, "FlipBackward0", flip_backward);
  if (nd) {
    flip_args *a = CT_NEW_ARGS(nd, flip_args);
    a->n = n;
    memcpy(a->dims, dims, sizeof(int64_t) * (size_t)n);
    ct__set_history(out, nd, 0);
  }
  return out;
}

/* dst = src rolled by s along d: dst[s:] = src[:size-s], dst[:s] = src[size-s:] */
static void roll_into(ct_tensor *dst, const ct_tensor *src, int d, int64_t s) {
  int64_t size = src->shape[d];
  if (size == 0) return;
  s = ((s % size) + size) % size;
  CT_OP_BEGIN();
  ct_tensor *a = narrow_raw(dst, d, s, size - s), *b = narrow_raw(src, d, 0, size - s);
  if (a && b && size - s > 0) ct__copy_into(a, b);
  a = narrow_raw(dst, d, 0, s), b = narrow_raw(src, d, size - s, s);
  if (a && b && s > 0) ct__copy_into(a, b);
  ct_scope_end();
}

typedef struct {
  int nshifts, ndims;
  int64_t shifts[8], dims[8]; /* ct_roll's limit */
} roll_args;
CT_ARGS_TYPE(roll_args, NULL);

/* out = roll(x, shifts, dims): gx = roll(g, -shifts, dims) */
static void roll_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const roll_args *a = CT_ARGS(n, roll_args);
  int k = a->nshifts;
  int64_t neg[CT_MAX_DIMS];
  for (int j = 0; j < k; j++) neg[j] = -a->shifts[j];
  gi[0] = ct_roll(g[0], k, neg, a->ndims, a->dims);
}

ct_tensor *ct_roll(const ct_tensor *t, int nshifts, const int64_t *shifts, int ndims,
                   const int64_t *dims) {
  if (!t) return NULL;
  if (nshifts <= 0 || !shifts) return ct__err("`shifts` required");
  if (nshifts > 8 || ndims > 8) return ct__err("roll: at most 8 dims are supported");
  if (ndims == 0 && nshifts != 1)
    return ct__err("shifts and dimensions must align. shifts: %d, dims:%d", nshifts, ndims);
  if (ndims != 0 && ndims != nshifts)
    return ct__err("shifts and dimensions must align. shifts: %d, dims:%d", nshifts, ndims);
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (!out) return NULL;
  CT_OP_BEGIN();
  bool ok = true;
  if (ndims == 0) { /* roll the flattened tensor */
    int64_t numel = ct_numel(t);
    ct_tensor *src = ct__contig_as(t, t->dtype);
    ct_tensor *s1 = src ? ct__make_view(src, 1, (int64_t[]){numel}, (int64_t[]){1}, src->offset) : NULL;
    ct_tensor *o1 = ct__make_view(out, 1, (int64_t[]){numel}, (int64_t[]){1}, 0);
    ok = s1 && o1;
    if (ok) roll_into(o1, s1, 0, shifts[0]);
  } else {
    const ct_tensor *cur = t;
    for (int k = 0; k < ndims && ok; k++) {
      int64_t d = ct__wrap_dim(dims[k], t->ndim);
      ct_tensor *dst = k == ndims - 1 ? out : ct__empty(t->dtype, t->ndim, t->shape);
      ok = d >= 0 && dst;
      /* a 0-dim tensor has no dim to roll along (its one element stays put) */
      if (ok && t->ndim == 0) ct__copy_into(dst, cur);
      else if (ok) roll_into(dst, cur, (int)d, shifts[k]);
      cur = dst;
    }
  }
  ct_scope_end();
  if (!ok) return NULL;
  ct_node *nd = unary_node(t, "RollBackward0", roll_backward);
  if (nd) {
    roll_args *a = CT_NEW_ARGS(nd, roll_args);
    a->nshifts = nshifts;
    a->ndims = ndims;
    memcpy(a->shifts, shifts, sizeof(int64_t) * (size_t)nshifts);
    if (ndims) memcpy(a->dims, dims, sizeof(int64_t) * (size_t)ndims);
    ct__set_history(out, nd, 0);
  }
  return out;
}

/* ---- tril / triu ------------------------------------------------------------------------------ */
typedef struct {
  int64_t k;
  bool upper;
} tri_args;
CT_ARGS_TYPE(tri_args, NULL);

/* out = tril(x, k) / triu(x, k): the mask is linear, so gx = tril(g, k) / triu(g, k) */
static void tri_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const tri_args *a = CT_ARGS(n, tri_args);
  gi[0] = a->upper ? ct_triu(g[0], a->k) : ct_tril(g[0], a->k);
}

/* x (..., R, C) -> same, zeros above (tril) / below (triu) diagonal k */
static ct_tensor *tri(const ct_tensor *t, int64_t k, bool upper) {
  if (!t) return NULL;
  if (t->ndim == 0) return ct__err("Dimension specified as -2 but tensor has no dimensions");
  if (ct__wrap_dim(-2, t->ndim) < 0) return NULL;
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (!out) return NULL;
  ct__copy_into(out, t);
  int64_t R = t->shape[t->ndim - 2], C = t->shape[t->ndim - 1];
  int64_t nb = R * C != 0 ? ct_numel(t) / (R * C) : 0, es = (int64_t)ct_dtype_size(t->dtype);
  char *p = ct__ptr(out);
#pragma omp parallel for if (nb * R * C > CT_GRAIN) schedule(static)
  for (int64_t b = 0; b < nb; b++)
    for (int64_t i = 0; i < R; i++) {
      /* tril keeps j <= i + k; triu keeps j >= i + k; the rest of the row is zeroed */
      int64_t lo = upper ? 0 : i + k + 1, hi = upper ? i + k : C;
      lo = lo < 0 ? 0 : lo > C ? C : lo;
      hi = hi < 0 ? 0 : hi > C ? C : hi;
      if (hi > lo) memset(p + ((b * R + i) * C + lo) * es, 0, (size_t)((hi - lo) * es));
    }
  ct_node *nd = unary_node(t, upper ? "TriuBackward0" : "TrilBackward0", tri_backward);
  if (nd) {
    *CT_NEW_ARGS(nd, tri_args) = (tri_args){k, upper};
    ct__set_history(out, nd, 0);
  }
  return out;
}

ct_tensor *ct_tril(const ct_tensor *t, int64_t diagonal) { return tri(t, diagonal, false); }
ct_tensor *ct_triu(const ct_tensor *t, int64_t diagonal) { return tri(t, diagonal, true); }
