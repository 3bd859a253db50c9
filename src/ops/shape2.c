/* More shape functions: repeat_interleave, tensor_split, hsplit / vsplit / dsplit,
 * broadcast_tensors / broadcast_shapes, as_strided, tril_indices / triu_indices.
 * All but as_strided are composed of differentiable ops (index_select, slice, expand), so
 * their gradients and double backward are those ops'; as_strided is a view with its own node
 * (AsStridedBackward0) whose backward is written with differentiable ops. */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"

/* ---- repeat_interleave ---------------------------------------------------------------------- */
/* index (sum(repeats)): i repeated repeats[i] times; repeats an integer 1-D tensor */
ct_tensor *ct_repeat_interleave_indices(const ct_tensor *repeats, int64_t output_size) {
  if (!repeats) return NULL;
  if (repeats->ndim != 1) return ct__err("repeat_interleave only accept 1D vector as repeat");
  if (ct_dtype_is_floating(repeats->dtype) || repeats->dtype == CT_BOOL)
    return ct__err("\"repeat_interleave_cpu\" not implemented for '%s'", ct__dtype_short(repeats->dtype));
  CT_OP_BEGIN();
  ct_tensor *r = ct__contig_as(repeats, CT_INT64);
  if (!r) return ct__op_end(NULL);
  const int64_t *pr = CT_PTR(r, int64_t);
  int64_t n = repeats->shape[0], total = 0;
  for (int64_t i = 0; i < n; i++) {
    if (pr[i] < 0) return ct__op_end(ct__err("repeats can not be negative"));
    if (__builtin_add_overflow(total, pr[i], &total))
      return ct__op_end(ct__err("repeat_interleave: sum of repeats overflows"));
  }
  if (output_size != CT_NONE && output_size != total)
    return ct__op_end(ct__err("allocated size does not match required size"));
  ct_tensor *out = ct_empty(CT_SHAPE(total), .dtype = CT_INT64);
  if (!out) return ct__op_end(NULL);
  int64_t *po = CT_PTR(out, int64_t), k = 0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < pr[i]; j++) po[k++] = i;
  return ct__op_end(out);
}

/* index_select(t (flattened when dim is None), dim, indices(repeats broadcast to size(dim))) */
ct_tensor *ct_repeat_interleave_tensor_ex(const ct_tensor *t, const ct_tensor *repeats,
                                          ct_repeat_interleave_opts o) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_repeat_interleave_tensor_ex(ct__f32(t), repeats, o), h);
  if (!t || !repeats) return NULL;
  if (repeats->ndim > 1) return ct__err("repeats must be 0-dim or 1-dim tensor");
  CT_OP_BEGIN();
  const ct_tensor *in = o.dim == CT_NONE ? ct_flatten(t, 0, -1) : t;
  int64_t dim = in ? ct__wrap_dim(o.dim == CT_NONE ? 0 : o.dim, in->ndim) : -1;
  if (dim < 0) return ct__op_end(NULL);
  int64_t size = in->ndim ? in->shape[dim] : 1;
  const ct_tensor *r = repeats;
  if (ct_numel(repeats) == 1) r = ct_expand(ct_reshape(repeats, 1, (int64_t[]){1}), 1, &size);
  else if (repeats->shape[0] != size)
    return ct__op_end(ct__err("repeats must have the same size as input along dim"));
  ct_tensor *idx = ct_repeat_interleave_indices(r, o.output_size);
  return ct__op_end(idx ? ct_index_select(in, dim, idx) : NULL);
}

ct_tensor *ct_repeat_interleave_ex(const ct_tensor *t, int64_t repeats, ct_repeat_interleave_opts o) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  ct_tensor *r = ct_tensor_from(&repeats, CT_INT64, 0, NULL); /* exact beyond a double's integers */
  return ct__op_end(ct_repeat_interleave_tensor_ex(t, r, o));
}

/* ---- tensor_split / hsplit / vsplit / dsplit: slices ---------------------------------------- */
static int split_prep(const ct_tensor *t, int64_t *dim, ct_tensor **out) {
  if (!t) return -1;
  if (!out) return ct__errs("tensor_split: NULL output array");
  if (t->ndim == 0)
    return ct__errs("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  *dim = ct__wrap_dim(*dim, t->ndim);
  return *dim < 0 ? -1 : 0;
}

/* the i-th of `sections` near-equal parts: the first size % sections are one longer */
int ct_tensor_split(const ct_tensor *t, int64_t sections, int64_t dim, ct_tensor **out, int cap) {
  if (split_prep(t, &dim, out)) return -1;
  if (sections <= 0) return ct__errs("number of sections must be larger than 0, got %lld", (long long)sections);
  if (sections > cap) return ct__errs("tensor_split: output array holds %d tensors, %lld needed", cap, (long long)sections);
  int64_t size = t->shape[dim], base = size / sections, extra = size % sections, at = 0;
  for (int64_t i = 0; i < sections; i++) {
    int64_t len = base + (i < extra);
    out[i] = ct_slice(t, dim, at, at + len, 1);
    if (!out[i]) return -1;
    at += len;
  }
  return (int)sections;
}

/* parts [0, i0), [i0, i1), ..., [i_last, size) with Python's slice clamping */
int ct_tensor_split_indices(const ct_tensor *t, int n, const int64_t *indices, int64_t dim,
                            ct_tensor **out, int cap) {
  if (split_prep(t, &dim, out)) return -1;
  if (n < 0 || (n && !indices)) return ct__errs("tensor_split: invalid indices");
  if (n + 1 > cap) return ct__errs("tensor_split: output array holds %d tensors, %d needed", cap, n + 1);
  int64_t start = 0;
  for (int i = 0; i <= n; i++) {
    out[i] = ct_slice(t, dim, start, i < n ? indices[i] : CT_NONE, 1);
    if (!out[i]) return -1;
    if (i < n) start = indices[i];
  }
  return n + 1;
}

typedef enum { SP_H, SP_V, SP_D } split_kind;
static const char *const SPLIT_NAME[] = {"hsplit", "vsplit", "dsplit"};
static const int SPLIT_MIN[] = {1, 2, 3};

/* the dim each kind splits (hsplit of a 1-D tensor splits dim 0); -1 + error if t is too small */
static int64_t split_dim(const ct_tensor *t, split_kind k) {
  if (!t) return -1;
  if (t->ndim < SPLIT_MIN[k])
    return ct__errs("torch.%s requires a tensor with at least %d dimension%s, but got a tensor with %d dimensions!",
                    SPLIT_NAME[k], SPLIT_MIN[k], k == SP_H ? "" : "", t->ndim);
  return k == SP_V ? 0 : k == SP_D ? 2 : t->ndim == 1 ? 0 : 1;
}

static int split_even(const ct_tensor *t, int64_t sections, split_kind k, ct_tensor **out, int cap) {
  int64_t dim = split_dim(t, k);
  if (dim < 0) return -1;
  int64_t size = t->shape[dim];
  if (sections == 0 || size % sections)
    return ct__errs("torch.%s attempted to split along dimension %lld, but the size of the dimension "
                    "%lld is not divisible by the split_size %lld!", SPLIT_NAME[k], (long long)dim,
                    (long long)size, (long long)sections);
  return ct_tensor_split(t, sections, dim, out, cap);
}

static int split_at(const ct_tensor *t, int n, const int64_t *idx, split_kind k, ct_tensor **out, int cap) {
  int64_t dim = split_dim(t, k);
  return dim < 0 ? -1 : ct_tensor_split_indices(t, n, idx, dim, out, cap);
}

int ct_hsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap) { return split_even(t, sections, SP_H, out, cap); }
int ct_vsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap) { return split_even(t, sections, SP_V, out, cap); }
int ct_dsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap) { return split_even(t, sections, SP_D, out, cap); }
int ct_hsplit_indices(const ct_tensor *t, int n, const int64_t *idx, ct_tensor **out, int cap) { return split_at(t, n, idx, SP_H, out, cap); }
int ct_vsplit_indices(const ct_tensor *t, int n, const int64_t *idx, ct_tensor **out, int cap) { return split_at(t, n, idx, SP_V, out, cap); }
int ct_dsplit_indices(const ct_tensor *t, int n, const int64_t *idx, ct_tensor **out, int cap) { return split_at(t, n, idx, SP_D, out, cap); }

/* ---- broadcast_shapes / broadcast_tensors --------------------------------------------------- */
int ct_broadcast_shapes(int n, const int *ndims, const int64_t *const *shapes, int64_t *out) {
  if (n < 0 || (n && (!ndims || !shapes)) || !out) return ct__errs("broadcast_shapes: NULL argument");
  int nd = 0;
  for (int i = 0; i < n; i++) {
    if (ndims[i] < 0 || ndims[i] > CT_MAX_DIMS || (ndims[i] && !shapes[i]))
      return ct__errs("broadcast_shapes: invalid shape %d", i);
    int m = ndims[i] > nd ? ndims[i] : nd;
    int64_t r[CT_MAX_DIMS];
    for (int d = 0; d < m; d++) { /* right-aligned: sizes 1 stretch, others must agree */
      int64_t a = d < m - nd ? 1 : out[d - (m - nd)], b = d < m - ndims[i] ? 1 : shapes[i][d - (m - ndims[i])];
      if (a != b && a != 1 && b != 1) return ct__errs("Shape mismatch: objects cannot be broadcast to a single shape");
      r[d] = a == 1 ? b : a;
    }
    memcpy(out, r, sizeof(int64_t) * (size_t)m);
    nd = m;
  }
  return nd;
}

int ct_broadcast_tensors(ct_tensor *const *ts, int n, ct_tensor **out, int cap) {
  if (n < 0 || (n && !ts) || !out) return ct__errs("broadcast_tensors: NULL argument");
  if (n > cap) return ct__errs("broadcast_tensors: output array holds %d tensors, %d needed", cap, n);
  int nd = 0;
  int64_t shp[CT_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    if (!ts[i]) return -1;
    if (ct__broadcast_shape(nd, shp, ts[i]->ndim, ts[i]->shape, &nd, shp)) return -1;
  }
  for (int i = 0; i < n; i++) {
    out[i] = ct_expand(ts[i], nd, shp);
    if (!out[i]) return -1;
  }
  return n;
}

/* ---- as_strided ----------------------------------------------------------------------------- */
typedef struct { /* where the input and the output lie in the storage (elements) */
  int nd_in, nd_out;
  int64_t off_in, off_out;
  int64_t shape_in[CT_MAX_DIMS], st_in[CT_MAX_DIMS], shape_out[CT_MAX_DIMS], st_out[CT_MAX_DIMS];
} strided_args;
CT_ARGS_TYPE(strided_args, NULL);

/* storage positions (relative to lo) of every element of a geometry, as a flat int64 tensor */
static ct_tensor *positions(int nd, const int64_t *shape, const int64_t *st, int64_t off, int64_t lo) {
  int64_t n = ct__numel_checked(nd, shape);
  ct_tensor *p = n < 0 ? NULL : ct_empty(CT_SHAPE(n), .dtype = CT_INT64);
  if (!p) return NULL;
  int64_t *pp = CT_PTR(p, int64_t), ix[CT_MAX_DIMS] = {0};
  for (int64_t k = 0; k < n; k++) {
    int64_t at = off - lo;
    for (int d = 0; d < nd; d++) at += ix[d] * st[d];
    pp[k] = at;
    for (int d = nd - 1; d >= 0 && ++ix[d] == shape[d]; d--) ix[d] = 0;
  }
  return p;
}

/* lowest and highest storage position a non-empty geometry touches (strides >= 0) */
static void span_of(int nd, const int64_t *shape, const int64_t *st, int64_t off, int64_t *lo, int64_t *hi) {
  int64_t h = off;
  for (int d = 0; d < nd; d++) h += (shape[d] - 1) * st[d];
  if (off < *lo) *lo = off;
  if (h > *hi) *hi = h;
}

/* out = as_strided(x, size, stride, offset). In storage coordinates S (the span both touch):
 * S = scatter_add(zeros, out positions, g) sums the gradient of overlapping outputs;
 * gx = S[x positions] / (how many x elements share each position), PyTorch's as_strided_backward. */
static void as_strided_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const strided_args *a = CT_ARGS(n, strided_args);
  ct_tensor *x0 = ct_zeros_ex(a->nd_in, a->shape_in, CT_TENSOR_OPTS(.dtype = g[0]->dtype));
  if (!x0 || ct_numel(x0) == 0 || ct_numel(g[0]) == 0) {
    gi[0] = x0;
    return;
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  span_of(a->nd_in, a->shape_in, a->st_in, a->off_in, &lo, &hi);
  span_of(a->nd_out, a->shape_out, a->st_out, a->off_out, &lo, &hi);
  ct_tensor *po = positions(a->nd_out, a->shape_out, a->st_out, a->off_out, lo);
  ct_tensor *pi = positions(a->nd_in, a->shape_in, a->st_in, a->off_in, lo);
  if (!po || !pi) return;
  ct_tensor *z = ct_zeros(CT_SHAPE(hi - lo + 1), .dtype = g[0]->dtype);
  ct_tensor *s = ct_scatter_add(z, 0, po, ct_reshape(g[0], 1, (int64_t[]){-1}));
  ct_tensor *cnt = ct_scatter_add(z, 0, pi, ct_ones_like(ct_to(pi, g[0]->dtype)));
  ct_tensor *per = ct_div(s, ct_clamp(cnt, 1, INFINITY));
  gi[0] = ct_reshape(ct_index_select(per, 0, pi), a->nd_in, a->shape_in);
}

ct_tensor *ct_as_strided(const ct_tensor *t, int nd, const int64_t *size, const int64_t *stride,
                         int64_t storage_offset) {
  if (!t) return NULL;
  if (nd < 0 || nd > CT_MAX_DIMS || (nd && (!size || !stride))) return ct__err("as_strided: invalid size or stride");
  int64_t off = storage_offset == CT_NONE ? t->offset : storage_offset;
  for (int d = 0; d < nd; d++)
    if (stride[d] < 0) return ct__err("as_strided: Negative strides are not supported at the moment, got strides: %s", SHP(0, nd, stride));
  if (off < 0) return ct__err("Tensor: invalid storage offset %lld", (long long)off);
  if (ct__check_shape(nd, size)) return NULL;
  /* bytes needed: itemsize * (offset + 1 + sum((size - 1) * stride)), 0 when a size is 0 */
  size_t item = ct_dtype_size(t->dtype);
  int64_t need = 1;
  bool over = false, empty = false;
  for (int d = 0; d < nd; d++) {
    int64_t e;
    empty |= size[d] == 0;
    over |= __builtin_mul_overflow(size[d] ? size[d] - 1 : 0, stride[d], &e) || __builtin_add_overflow(need, e, &need);
  }
  over |= __builtin_add_overflow(need, off, &need) || __builtin_mul_overflow(need, (int64_t)item, &need);
  if (empty) need = 0;
  int64_t have = (int64_t)t->storage->nbytes;
  if (over || need > have)
    return ct__err("setStorage: sizes %s, strides %s, storage offset %lld, and itemsize %zu requiring a "
                   "storage size of %lld are out of bounds for storage of size %lld", SHP(0, nd, size),
                   SHP(1, nd, stride), (long long)off, item, (long long)need, (long long)have);
  ct_tensor *out = ct__make_view(t, nd, size, stride, off);
  if (!out) return NULL;
  ct_node *n = ct__node_new("AsStridedBackward0", as_strided_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    strided_args *a = CT_NEW_ARGS(n, strided_args);
    if (!a) {
      ct__node_abandon(n);
      return NULL;
    }
    *a = (strided_args){.nd_in = t->ndim, .nd_out = nd, .off_in = t->offset, .off_out = off};
    memcpy(a->shape_in, t->shape, sizeof a->shape_in);
    memcpy(a->st_in, t->strides, sizeof a->st_in);
    memcpy(a->shape_out, size, sizeof(int64_t) * (size_t)nd);
    memcpy(a->st_out, stride, sizeof(int64_t) * (size_t)nd);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- tril_indices / triu_indices ------------------------------------------------------------ */
/* row i of a row x col matrix holds columns [a, b): j - i <= offset (lower) or >= offset (upper) */
static void tri_row(int64_t i, int64_t col, int64_t offset, bool upper, int64_t *a, int64_t *b) {
  int64_t k = i + offset; /* offset is clamped to [-row, col] and the rows visited stop early */
  *a = upper ? (k > 0 ? k : 0) : 0;
  *b = upper ? col : (k + 1 < col ? k + 1 : col);
  if (*b < *a) *b = *a;
}

/* (2, count) int64: the (i, j) cells, row by row; only rows with cells are visited */
static ct_tensor *tri_indices(int64_t row, int64_t col, int64_t offset, bool upper) {
  if (row < 0) return ct__err("row must be non-negative, got%lld", (long long)row);
  if (col < 0) return ct__err("col must be non-negative, got%lld", (long long)col);
  /* offsets past the matrix select the same cells as its edge does */
  if (offset > col) offset = col;
  if (offset < -row) offset = -row;
  int64_t i0 = upper ? 0 : (offset < 0 ? -offset : 0), i1 = row, last;
  if (upper && !__builtin_sub_overflow(col, offset, &last) && last < row) i1 = last;
  if (col == 0 || i0 > row) i0 = i1 = 0;
  int64_t count = 0, a, b;
  if (i1 - i0 > (1LL << 28)) /* every row visited holds a cell: past 2^28 rows is 4 GiB and up */
    return ct__err("%s: %lld x %lld gives too many indices", upper ? "triu_indices" : "tril_indices",
                   (long long)row, (long long)col);
  for (int64_t i = i0; i < i1; i++) {
    tri_row(i, col, offset, upper, &a, &b);
    count += b - a;
    if (count > (1LL << 40))
      return ct__err("%s: %lld x %lld gives too many indices", upper ? "triu_indices" : "tril_indices",
                     (long long)row, (long long)col);
  }
  ct_tensor *out = ct_empty(CT_SHAPE(2, count), .dtype = CT_INT64);
  if (!out) return NULL;
  int64_t *pi = CT_PTR(out, int64_t), *pj = pi + count;
  for (int64_t i = i0; i < i1; i++) {
    tri_row(i, col, offset, upper, &a, &b);
    for (int64_t j = a; j < b; j++) *pi++ = i, *pj++ = j;
  }
  return out;
}
ct_tensor *ct_tril_indices(int64_t row, int64_t col, int64_t offset) { return tri_indices(row, col, offset, false); }
ct_tensor *ct_triu_indices(int64_t row, int64_t col, int64_t offset) { return tri_indices(row, col, offset, true); }

/* ---- einsum's sublist form ------------------------------------------------------------------ */
/* one sublist as equation text: 0..25 -> 'A'..'Z', 26..51 -> 'a'..'z' (torch.einsum's
 * parse_subscript), CT_EINSUM_ELLIPSIS -> "..."; false + error on a bad subscript */
static bool sublist_text(const int64_t *s, int len, char *buf, size_t cap, size_t *at) {
  for (int k = 0; k < len; k++) {
    int64_t v = s[k];
    const char *txt = v == CT_EINSUM_ELLIPSIS ? "..." : NULL;
    char one[2] = {0, 0};
    if (!txt) {
      if (v < 0 || v >= 52) {
        ct__err("einsum(): subscript in subscript list is not within the valid range [0, 52)");
        return false;
      }
      one[0] = (char)(v < 26 ? 'A' + v : 'a' + v - 26);
      txt = one;
    }
    size_t n = strlen(txt);
    if (*at + n + 1 > cap) {
      ct__err("einsum(): sublists too long");
      return false;
    }
    memcpy(buf + *at, txt, n);
    *at += n;
  }
  return true;
}

ct_tensor *ct_einsum_sublist(ct_tensor *const *operands, int n, const int64_t *const *sublists,
                             const int *lens, const int64_t *out, int out_len) {
  if (n < 1 || !operands || !sublists || !lens) return ct__err("einsum(): must provide at least one operand");
  char eq[1024];
  size_t at = 0;
  for (int i = 0; i < n; i++) {
    if (i) eq[at++] = ',';
    if (lens[i] < 0 || (lens[i] && !sublists[i])) return ct__err("einsum(): invalid sublist %d", i);
    if (!sublist_text(sublists[i], lens[i], eq, sizeof eq - 4, &at)) return NULL;
  }
  if (out_len >= 0) { /* explicit output; out_len < 0: implicit, as without the last sublist */
    eq[at++] = '-', eq[at++] = '>';
    if (out_len && !out) return ct__err("einsum(): invalid output sublist");
    if (!sublist_text(out, out_len, eq, sizeof eq - 1, &at)) return NULL;
  }
  eq[at] = 0;
  return ct_einsum(eq, operands, n);
}
