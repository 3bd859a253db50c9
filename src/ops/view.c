/* View ops: new shape/strides/offset over the same storage, each with its backward.
 * view/reshape, transpose/t/permute, squeeze/unsqueeze, expand, narrow/slice/select,
 * flatten/unflatten, unbind/split/chunk. */
#include "../internal.h"


/* ---- shape-only views: backward reshapes the gradient back ------------------------------ */
/* out = view(x, shape): gx = reshape(g, x.shape) */
static void reshape_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_reshape(g[0], n->in[0].ndim, n->in[0].shape);
}

static ct_tensor *with_history(ct_tensor *out, const ct_tensor *in, const char *name,
                               ct_backward_fn bw) {
  if (!out) return NULL;
  ct_node *n = ct__node_new(name, bw, 1, (ct_tensor *const[]){(ct_tensor *)in}, 1);
  if (n) ct__set_history(out, n, 0);
  return out;
}

/* Resolve one -1 and check the element count. */
static int infer_shape(const ct_tensor *t, int ndim, const int64_t *shape, int64_t *out) {
  if (ndim < 0 || ndim > CT_MAX_DIMS) return ct__errs("shape has too many dims (%d)", ndim);
  if (ndim > 0 && !shape) return ct__errs("shape is NULL");
  int64_t numel = ct_numel(t), known = 1;
  int infer = -1;
  bool over = false, zero = false; /* a 0 size makes the product 0 whatever the others are */
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == -1) {
      if (infer >= 0) return ct__errs("only one dimension can be inferred");
      infer = i;
    } else if (shape[i] < 0) {
      return ct__errs("invalid shape dimension %lld", (long long)shape[i]);
    } else {
      zero |= shape[i] == 0;
      over |= __builtin_mul_overflow(known, shape[i], &known);
    }
    out[i] = shape[i];
  }
  if (zero) known = 0;
  else if (over) /* absurd: never matches */
    return ct__errs("shape '%s' is invalid for input of size %lld", SHP(0, ndim, shape),
                    (long long)numel);
  if (infer >= 0) {
    if (known == 0 && numel == 0)
      return ct__errs("cannot reshape tensor of 0 elements into shape %s because the unspecified "
                      "dimension size -1 can be any value and is ambiguous", SHP(0, ndim, shape));
    if (known == 0 || numel % known)
      return ct__errs("shape '%s' is invalid for input of size %lld", SHP(0, ndim, shape),
                      (long long)numel);
    out[infer] = numel / known;
  } else if (known != numel) {
    return ct__errs("shape '%s' is invalid for input of size %lld", SHP(0, ndim, shape),
                    (long long)numel);
  }
  return ct__check_shape(ndim, out); /* an empty view's strides: (0, 2^40, 2^40) has none */
}

/* Strides for viewing t as shape without copying (PyTorch's computeStride); false if none. */
static bool view_strides(const ct_tensor *t, int ndim, const int64_t *shape, int64_t *st) {
  int64_t numel = ct_numel(t);
  if (numel == 0) {
    ct__contig_strides(ndim, shape, st);
    return true;
  }
  if (t->ndim == 0) { /* a scalar as (1, 1, ...): any strides do; PyTorch's computeStride gives 1s */
    for (int i = 0; i < ndim; i++) st[i] = 1;
    return true;
  }
  int view_d = ndim - 1;
  int64_t chunk_base_stride = t->ndim ? t->strides[t->ndim - 1] : 1;
  int64_t tensor_numel = 1, view_numel = 1;
  for (int td = t->ndim - 1; td >= 0; td--) {
    tensor_numel *= t->shape[td];
    if (td == 0 || (t->shape[td - 1] != 1 && t->strides[td - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        st[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        view_d--;
      }
      if (view_numel != tensor_numel) return false;
      if (td > 0) {
        chunk_base_stride = t->strides[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

ct_tensor *ct_view(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (!t) return NULL;
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  if (infer_shape(t, ndim, shape, shp)) return NULL;
  if (!view_strides(t, ndim, shp, st))
    return ct__err("view size is not compatible with input tensor's size and stride (at least one "
                   "dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  return with_history(ct__make_view(t, ndim, shp, st, t->offset), t, "ViewBackward0",
                      reshape_backward);
}

ct_tensor *ct_reshape(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (!t) return NULL;
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  if (infer_shape(t, ndim, shape, shp)) return NULL;
  if (view_strides(t, ndim, shp, st))
    return with_history(ct__make_view(t, ndim, shp, st, t->offset), t, "ViewBackward0",
                        reshape_backward);
  ct_tensor *c = ct__empty(t->dtype, ndim, shp);
  if (!c) return NULL;
  ct_tensor *cv = ct__make_view(c, t->ndim, t->shape, (int64_t[CT_MAX_DIMS]){0}, 0);
  if (!cv) return NULL;
  ct__contig_strides(t->ndim, t->shape, cv->strides);
  ct__copy_into(cv, t);
  return with_history(c, t, "UnsafeViewBackward0", reshape_backward);
}

ct_tensor *ct_view_as(const ct_tensor *t, const ct_tensor *other) {
  if (!t || !other) return NULL;
  return ct_view(t, other->ndim, other->shape);
}

ct_tensor *ct_flatten(const ct_tensor *t, int64_t start_dim, int64_t end_dim) {
  if (!t) return NULL;
  if (t->ndim == 0) { /* dims 0 and -1 name the one pseudo-dim */
    if (ct__wrap_dim(start_dim, 0) < 0 || ct__wrap_dim(end_dim, 0) < 0) return NULL;
    return ct_reshape(t, 1, (int64_t[]){1});
  }
  int64_t s = ct__wrap_dim(start_dim, t->ndim), e = ct__wrap_dim(end_dim, t->ndim);
  if (s < 0 || e < 0) return NULL;
  if (s > e) return ct__err("flatten() has invalid args: start_dim cannot come after end_dim");
  int64_t shp[CT_MAX_DIMS];
  int nd = 0;
  for (int i = 0; i < s; i++) shp[nd++] = t->shape[i];
  int64_t m = ct__numel_checked((int)(e - s + 1), t->shape + s); /* (0, 2^40, 2^40) overflows */
  if (m < 0) return ct__err("numel: integer multiplication overflow");
  shp[nd++] = m;
  for (int i = (int)e + 1; i < t->ndim; i++) shp[nd++] = t->shape[i];
  return ct_reshape(t, nd, shp);
}

ct_tensor *ct_unflatten(const ct_tensor *t, int64_t dim, int nsizes, const int64_t *sizes) {
  if (!t) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (nsizes < 1 || !sizes) return ct__err("unflatten: sizes must be non-empty");
  if (t->ndim - 1 + nsizes > CT_MAX_DIMS) return ct__err("unflatten: too many dims");
  int64_t shp[CT_MAX_DIMS];
  int nd = 0, infer = -1;
  int64_t prod = 1;
  for (int i = 0; i < d; i++) shp[nd++] = t->shape[i];
  bool over = false;
  for (int k = 0; k < nsizes; k++) {
    if (sizes[k] == -1) infer = nd; else over |= __builtin_mul_overflow(prod, sizes[k], &prod);
    shp[nd++] = sizes[k];
  }
  if (over) prod = -1; /* matches no size: the error below */
  if (infer >= 0 && prod > 0 && t->shape[d] % prod == 0) shp[infer] = t->shape[d] / prod;
  else if (infer >= 0 || prod != t->shape[d])
    return ct__err("unflatten: Provided sizes %s don't multiply up to the size of dim %lld (%lld) "
                   "in the input tensor", SHP(0, nsizes, sizes), (long long)d,
                   (long long)t->shape[d]);
  for (int i = (int)d + 1; i < t->ndim; i++) shp[nd++] = t->shape[i];
  return ct_view(t, nd, shp);
}

/* ---- transpose / permute ------------------------------------------------------------------ */
typedef struct {
  int8_t perm[CT_MAX_DIMS];
} permute_args;
CT_ARGS_TYPE(permute_args, NULL);

/* out = permute(x, p): gx = permute(g, inverse(p)) */
static void permute_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const permute_args *a = CT_ARGS(n, permute_args);
  int nd = n->in[0].ndim;
  int64_t inv[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++) inv[a->perm[i]] = i;
  gi[0] = ct_permute(g[0], nd, inv);
}

static ct_tensor *permute_named(const ct_tensor *t, const int64_t *perm, const char *name) {
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) {
    shp[i] = t->shape[perm[i]];
    st[i] = t->strides[perm[i]];
  }
  ct_tensor *out = ct__make_view(t, t->ndim, shp, st, t->offset);
  if (!out) return NULL;
  ct_node *n = ct__node_new(name, permute_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    permute_args a = {0};
    for (int i = 0; i < t->ndim; i++) a.perm[i] = (int8_t)perm[i];
    *CT_NEW_ARGS(n, permute_args) = a;
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_permute(const ct_tensor *t, int ndim, const int64_t *dims) {
  if (!t) return NULL;
  if (ndim != t->ndim || (ndim && !dims))
    return ct__err("permute(sparse_coo): number of dimensions in the tensor input does not match "
                   "the length of the desired ordering of dimensions i.e. input.dim() = %d is "
                   "not equal to len(dims) = %d", t->ndim, ndim);
  int64_t perm[CT_MAX_DIMS];
  bool seen[CT_MAX_DIMS] = {0};
  for (int i = 0; i < ndim; i++) {
    int64_t d = ct__wrap_dim(dims[i], t->ndim);
    if (d < 0) return NULL;
    if (seen[d]) return ct__err("permute(): duplicate dims are not allowed.");
    seen[d] = true;
    perm[i] = d;
  }
  return permute_named(t, perm, "PermuteBackward0");
}

ct_tensor *ct_transpose(const ct_tensor *t, int64_t dim0, int64_t dim1) {
  if (!t) return NULL;
  if (t->ndim == 0) { /* dims 0 and -1 name the one pseudo-dim */
    if (ct__wrap_dim(dim0, 0) < 0 || ct__wrap_dim(dim1, 0) < 0) return NULL;
    ct_tensor *r = ct__make_view(t, 0, NULL, NULL, t->offset);
    return with_history(r, t, "TransposeBackward0", reshape_backward);
  }
  int64_t a = ct__wrap_dim(dim0, t->ndim), b = ct__wrap_dim(dim1, t->ndim);
  if (a < 0 || b < 0) return NULL;
  int64_t perm[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) perm[i] = i;
  perm[a] = b;
  perm[b] = a;
  return permute_named(t, perm, "TransposeBackward0");
}

ct_tensor *ct_t(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->ndim > 2)
    return ct__err("t() expects a tensor with <= 2 dimensions, but self is %dD", t->ndim);
  if (t->ndim < 2) return with_history(ct__make_view(t, t->ndim, t->shape, t->strides, t->offset),
                                       t, "TBackward0", reshape_backward);
  return permute_named(t, (int64_t[]){1, 0}, "TBackward0");
}

/* ---- squeeze / unsqueeze ---------------------------------------------------------------------- */
static ct_tensor *drop_dims(const ct_tensor *t, const bool *drop, const char *name) {
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  int nd = 0;
  for (int i = 0; i < t->ndim; i++)
    if (!drop[i]) {
      shp[nd] = t->shape[i];
      st[nd++] = t->strides[i];
    }
  return with_history(ct__make_view(t, nd, shp, st, t->offset), t, name, reshape_backward);
}

ct_tensor *ct_squeeze(const ct_tensor *t) {
  if (!t) return NULL;
  bool drop[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) drop[i] = t->shape[i] == 1;
  return drop_dims(t, drop, "SqueezeBackward0");
}

ct_tensor *ct_squeeze_dim(const ct_tensor *t, int64_t dim) {
  if (!t) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  bool drop[CT_MAX_DIMS] = {0};
  if (t->ndim > 0) drop[d] = t->shape[d] == 1;
  return drop_dims(t, drop, "SqueezeBackward1");
}

ct_tensor *ct_unsqueeze(const ct_tensor *t, int64_t dim) {
  if (!t) return NULL;
  if (t->ndim >= CT_MAX_DIMS) return ct__err("unsqueeze: too many dims");
  int64_t d = ct__wrap_dim(dim, t->ndim + 1);
  if (d < 0) return NULL;
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  for (int i = 0, j = 0; i <= t->ndim; i++) {
    if (i == d) {
      shp[i] = 1;
      st[i] = j < t->ndim ? t->shape[j] * t->strides[j] : 1;
    } else {
      shp[i] = t->shape[j];
      st[i] = t->strides[j];
      j++;
    }
  }
  return with_history(ct__make_view(t, t->ndim + 1, shp, st, t->offset), t, "UnsqueezeBackward0",
                      reshape_backward);
}

/* ---- expand ---------------------------------------------------------------------------------- */
/* out = expand(x, shape): gx = sum_to(g, x.shape) */
static void expand_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct__sum_to(g[0], n->in[0].ndim, n->in[0].shape);
}

ct_tensor *ct_expand(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (!t) return NULL;
  if (ndim > 0 && !shape) return ct__err("expand: size is NULL");
  if (ndim < t->ndim)
    return ct__err("expand(%s{%s}, size=%s): the number of sizes provided (%d) must be greater "
                   "or equal to the number of dimensions in the tensor (%d)",
                   ct__legacy_type_name(t->dtype), SHP(0, t->ndim, t->shape), SHP(1, ndim, shape),
                   ndim, t->ndim);
  if (ndim > CT_MAX_DIMS) return ct__err("expand: too many dims");
  int64_t shp[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    int j = t->ndim - ndim + i;
    shp[i] = shape[i] == -1 && j >= 0 ? t->shape[j] : shape[i];
    if (shp[i] < 0) return ct__err("The expanded size of the tensor (%lld) isn't allowed in a "
                                   "leading, non-existing dimension %d", (long long)shp[i], i);
  }
  return with_history(ct__expand_raw(t, ndim, shp), t, "ExpandBackward0", expand_backward);
}

ct_tensor *ct_expand_as(const ct_tensor *t, const ct_tensor *other) {
  if (!t || !other) return NULL;
  return ct_expand(t, other->ndim, other->shape);
}

/* ---- slicing: backward scatters the gradient into zeros of the input's shape --------------- */
static ct_tensor *slice_raw(const ct_tensor *t, int64_t d, int64_t start, int64_t len, int64_t step) {
  int64_t shp[CT_MAX_DIMS], st[CT_MAX_DIMS];
  memcpy(shp, t->shape, sizeof shp);
  memcpy(st, t->strides, sizeof st);
  shp[d] = len;
  st[d] = t->strides[d] * step;
  return ct__make_view(t, t->ndim, shp, st, t->offset + start * t->strides[d]);
}

/* x[start::step] on dim (start, step after wrapping and clamping) */
typedef struct {
  int64_t dim, start, step;
} slice_args;
CT_ARGS_TYPE(slice_args, NULL);

static void slice_scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi);

/* zeros(shape) with g written into [start::step] of dim d; its own backward slices again */
static ct_tensor *slice_scatter(ct_tensor *g, int nd, const int64_t *shape, int64_t d,
                                int64_t start, int64_t step) {
  ct_tensor *z = ct_zeros_ex(nd, shape, CT_TENSOR_OPTS(.dtype = g->dtype));
  if (!z) return NULL;
  ct_tensor *v = slice_raw(z, d, start, g->shape[d], step);
  if (!v) return NULL;
  ct__copy_into(v, g);
  ct_node *n = ct__node_new("SliceBackwardBackward0", slice_scatter_backward, 1,
                            (ct_tensor *const[]){g}, 1);
  if (n) {
    *CT_NEW_ARGS(n, slice_args) = (slice_args){d, start, step};
    ct__set_history(z, n, 0);
  }
  return z;
}

/* out = zeros with g at [start::step]: gg = slice(grad, start, len, step) */
static void slice_scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const slice_args *a = CT_ARGS(n, slice_args);
  int64_t d = a->dim;
  gi[0] = ct_slice(g[0], d, a->start, a->start + (n->in[0].shape[d] - 1) * a->step + 1, a->step);
}

/* out = x[start:start+len*step:step] on dim: gx = scatter of g into zeros */
static void slice_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const slice_args *a = CT_ARGS(n, slice_args);
  gi[0] = slice_scatter(g[0], n->in[0].ndim, n->in[0].shape, a->dim, a->start, a->step);
}

ct_tensor *ct_slice(const ct_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (!t) return NULL;
  if (t->ndim == 0) return ct__err("slice() cannot be applied to a 0-dim tensor.");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (step <= 0) return ct__err("slice step must be positive");
  int64_t size = t->shape[d];
  if (start == CT_NONE) start = 0;
  if (end == CT_NONE) end = size;
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > size) start = size;
  if (end < start) end = start;
  if (end > size) end = size;
  int64_t len = end == start ? 0 : (end - start - 1) / step + 1; /* no overflow for huge steps */
  ct_tensor *out = slice_raw(t, d, start, len, step);
  if (!out) return NULL;
  ct_node *n = ct__node_new("SliceBackward0", slice_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, slice_args) = (slice_args){d, start, step};
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_narrow(const ct_tensor *t, int64_t dim, int64_t start, int64_t length) {
  if (!t) return NULL;
  if (t->ndim == 0) return ct__err("narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  int64_t size = t->shape[d];
  if (start < -size || start > size)
    return ct__err("start out of range (expected to be in range of [%lld, %lld], but got %lld)",
                   (long long)-size, (long long)size, (long long)start);
  if (start < 0) start += size;
  if (length < 0 || start > size - length) /* PyTorch 1.13's check: start + length could overflow */
    return ct__err("start (%lld) + length (%lld) exceeds dimension size (%lld).", (long long)start,
                   (long long)length, (long long)size);
  return ct_slice(t, d, start, start + length, 1);
}

ct_tensor *ct_select(const ct_tensor *t, int64_t dim, int64_t index) {
  if (!t) return NULL;
  if (t->ndim == 0) return ct__err("select() cannot be applied to a 0-dim tensor.");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  int64_t size = t->shape[d];
  if (index < -size || index >= size)
    return ct__err("select(): index %lld out of range for tensor of size %s at dimension %lld",
                   (long long)index, SHP(0, t->ndim, t->shape), (long long)d);
  if (index < 0) index += size;
  /* select = slice of length 1, then squeeze: two differentiable views */
  CT_OP_BEGIN();
  ct_tensor *s = ct_slice(t, d, index, index + 1, 1);
  ct_tensor *out = ct_squeeze_dim(s, d);
  ct__set_grad_fn_name(out, "SelectBackward0");
  return ct__op_end(out);
}

/* ---- unbind / split / chunk ------------------------------------------------------------------- */
/* The caller's output array is checked before anything is allocated for the pieces. */
static int out_too_small(const char *op, int cap, int64_t n) {
  return ct__errs("%s: output array holds %d tensors, %lld needed", op, cap, (long long)n);
}

int ct_split_sizes(const ct_tensor *t, int n, const int64_t *sizes, int64_t dim, ct_tensor **out,
                   int cap) {
  if (!t) return -1;
  if (!out || (n > 0 && !sizes)) return ct__errs("split: NULL argument");
  if (t->ndim == 0) return ct__errs("split expects at least a 1-dimensional tensor");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return -1;
  int64_t total = 0;
  bool over = false; /* an overflowing sum matches no size */
  for (int i = 0; i < n; i++) {
    if (sizes[i] < 0) return ct__errs("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=%s", SHP(0, n, sizes));
    over |= __builtin_add_overflow(total, sizes[i], &total);
  }
  if (over || total != t->shape[d])
    return ct__errs("split_with_sizes expects split_sizes to sum exactly to %lld (input tensor's "
                    "size at dimension %lld), but got split_sizes=%s",
                    (long long)t->shape[d], (long long)d, SHP(0, n, sizes));
  if (n > cap) return out_too_small("split", cap, n);
  int64_t start = 0;
  for (int i = 0; i < n; i++) {
    out[i] = ct_narrow(t, d, start, sizes[i]);
    if (!out[i]) return -1;
    ct__set_grad_fn_name(out[i], "SplitWithSizesBackward0");
    start += sizes[i];
  }
  return n;
}

int ct_split(const ct_tensor *t, int64_t split_size, int64_t dim, ct_tensor **out, int cap) {
  if (!t) return -1;
  if (t->ndim == 0) return ct__errs("split expects at least a 1-dimensional tensor");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return -1;
  if (split_size < 0) return ct__errs("split expects split_size be non-negative, but got split_size=%lld", (long long)split_size);
  int64_t size = t->shape[d];
  if (split_size == 0 && size != 0)
    return ct__errs("split_size can only be 0 if dimension size is 0, but got dimension size of %lld", (long long)size);
  int64_t n = split_size && size ? (size - 1) / split_size + 1 : 1; /* no overflow for huge sizes */
  if (n < 1) n = 1;
  if (n > cap) return out_too_small("split", cap, n);
  int64_t *sizes = malloc(sizeof(int64_t) * (size_t)n);
  if (!sizes) return ct__errs("CPU: out of memory");
  for (int64_t i = 0; i < n; i++) sizes[i] = i < n - 1 ? split_size : size - split_size * (n - 1);
  int r = ct_split_sizes(t, (int)n, sizes, d, out, cap);
  for (int i = 0; i < r; i++) ct__set_grad_fn_name(out[i], "SplitBackward0");
  free(sizes);
  return r;
}

int ct_chunk(const ct_tensor *t, int64_t chunks, int64_t dim, ct_tensor **out, int cap) {
  if (!t) return -1;
  if (t->ndim == 0) return ct__errs("chunk expects at least a 1-dimensional tensor");
  if (chunks <= 0) return ct__errs("chunk expects `chunks` to be greater than 0, got: %lld", (long long)chunks);
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return -1;
  int64_t size = t->shape[d];
  int64_t split = size ? (size - 1) / chunks + 1 : 0; /* ceil without overflow for huge chunks */
  if (split == 0 && size == 0) { /* PyTorch: chunks empty pieces */
    if (chunks > cap) /* before allocating: chunk(empty, 2^31) */
      return out_too_small("split", cap, chunks);
    int64_t *sizes = calloc((size_t)chunks, sizeof(int64_t));
    if (!sizes) return ct__errs("CPU: out of memory");
    int r = ct_split_sizes(t, (int)chunks, sizes, d, out, cap);
    free(sizes);
    return r;
  }
  return ct_split(t, split, d, out, cap);
}

int ct_unbind(const ct_tensor *t, int64_t dim, ct_tensor **out, int cap) {
  if (!t) return -1;
  if (!out) return ct__errs("unbind: out is NULL");
  if (t->ndim == 0) return ct__errs("Dimension specified as 0 but tensor has no dimensions");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return -1;
  int64_t n = t->shape[d];
  if (n > cap) return out_too_small("unbind", cap, n);
  for (int64_t i = 0; i < n; i++) {
    out[i] = ct_select(t, d, i);
    if (!out[i]) return -1;
    ct__set_grad_fn_name(out[i], "UnbindBackward0");
  }
  return (int)n;
}
