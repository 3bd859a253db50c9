/* Indexing: index_select, gather, scatter (src / value / add), take, masked_select, nonzero,
 * one_hot. One gather kernel and one scatter kernel serve them all: the indexed tensor is
 * viewed with the index's shape and stride 0 along the indexed dim, so the elementwise
 * iterator walks (out, index, base) triples and the loop adds index * dim stride. */
#include "../internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif


typedef struct {
  int64_t dstride; /* bytes per step along the indexed dim */
  int64_t size;    /* its size: valid indices are [0, size) */
  int64_t bad;     /* the first out-of-range index seen */
  int has_bad;
} idx_ctx;

static void note_bad(idx_ctx *c, int64_t ix) {
  if (!__atomic_exchange_n(&c->has_bad, 1, __ATOMIC_RELAXED)) __atomic_store_n(&c->bad, ix, __ATOMIC_RELAXED);
}

/* ---- loops: d[0] out/dst base, d[1] int64 index, d[2] src/base ----------------------------
 * INDEX_LOOP runs BODY for each in-range index ix (bad ones are noted and skipped). */
#define INDEX_LOOP(name, BODY)                                                              \
  static void name(char **d, const int64_t *s, int64_t n, void *vc) {                       \
    idx_ctx *c = vc;                                                                        \
    for (int64_t i = 0; i < n; i++) {                                                       \
      int64_t ix = *(const int64_t *)(d[1] + i * s[1]);                                     \
      if (ix < 0 || ix >= c->size) {                                                        \
        note_bad(c, ix);                                                                    \
        continue;                                                                           \
      }                                                                                     \
      BODY;                                                                                 \
    }                                                                                       \
  }
#define GATHER_LOOP(T, tn) \
  INDEX_LOOP(gather_##tn, *(T *)(d[0] + i * s[0]) = *(const T *)(d[2] + i * s[2] + ix * c->dstride))
#define SCATTER_LOOP(name, T, tn, OP)                                       \
  INDEX_LOOP(name##_##tn, T *o = (T *)(d[0] + i * s[0] + ix * c->dstride); \
             T v = *(const T *)(d[2] + i * s[2]); *o = (T)(OP))
GATHER_LOOP(uint8_t, 1)
GATHER_LOOP(uint16_t, 2)
GATHER_LOOP(uint32_t, 4)
GATHER_LOOP(uint64_t, 8)
SCATTER_LOOP(scatter, uint8_t, 1, v)
SCATTER_LOOP(scatter, uint16_t, 2, v)
SCATTER_LOOP(scatter, uint32_t, 4, v)
SCATTER_LOOP(scatter, uint64_t, 8, v)
#define SCATTER_ADD_ONE(E, T, tn) SCATTER_LOOP(scatter_add, T, tn, *o + v)
SCATTER_LOOP(scatter_add, bool, b, *o || v)
CT_FOR_NUMERIC(SCATTER_ADD_ONE)
CT_LOOP_TABLE_ALL(scatter_add);

static ct_loop_fn by_size(ct_dtype dt, ct_loop_fn f1, ct_loop_fn f2, ct_loop_fn f4, ct_loop_fn f8) {
  switch (ct_dtype_size(dt)) {
    case 1: return f1;
    case 2: return f2;
    case 4: return f4;
    default: return f8;
  }
}

/* base viewed with idx's shape, stride 0 along dim (the loop adds index * stride). */
static ct_tensor *indexed_view(const ct_tensor *base, int64_t dim, const ct_tensor *idx,
                               idx_ctx *c) {
  int64_t st[CT_MAX_DIMS];
  memcpy(st, base->strides, sizeof st);
  st[dim] = 0;
  memset(c, 0, sizeof *c);
  c->dstride = base->strides[dim] * (int64_t)ct_dtype_size(base->dtype);
  c->size = base->shape[dim];
  return ct__make_view(base, idx->ndim, idx->shape, st, base->offset);
}

/* Contiguous rows along the last dim: src (R, S), idx/out (R, K) -> out[r, j] =
 * src[r, idx[r, j]], rows in parallel; no per-element iterator. */
#define GATHER_ROWS(T, tn)                                                                    \
  static void gather_rows_##tn(T *o, const int64_t *ix, const T *x, int64_t rows, int64_t k, \
                               int64_t s, idx_ctx *c) {                                       \
    _Pragma("omp parallel for if (rows > 1 && rows * k > CT_GRAIN)")                         \
    for (int64_t r = 0; r < rows; r++)                                                        \
      for (int64_t j = 0; j < k; j++) {                                                       \
        int64_t i = ix[r * k + j];                                                            \
        if (i < 0 || i >= s) note_bad(c, i);                                                  \
        else o[r * k + j] = x[r * s + i];                                                     \
      }                                                                                       \
  }
GATHER_ROWS(uint8_t, 1)
GATHER_ROWS(uint16_t, 2)
GATHER_ROWS(uint32_t, 4)
GATHER_ROWS(uint64_t, 8)

/* The fast case of gather_into: all contiguous, dim last, idx's leading dims equal src's. */
static bool gather_rows(ct_tensor *out, const ct_tensor *src, int64_t dim, const ct_tensor *idx,
                        idx_ctx *c) {
  int nd = src->ndim;
  if (nd < 1 || idx->ndim != nd || dim != nd - 1 || !ct_is_contiguous(src) ||
      !ct_is_contiguous(idx) || !ct_is_contiguous(out))
    return false;
  for (int i = 0; i < nd - 1; i++)
    if (idx->shape[i] != src->shape[i]) return false;
  memset(c, 0, sizeof *c);
  int64_t k = idx->shape[nd - 1], s = src->shape[nd - 1], rows = k ? ct_numel(idx) / k : 0;
  const int64_t *ix = CT_PTR(idx, const int64_t);
  void *o = ct__ptr(out);
  const void *x = ct__ptr(src);
  switch (ct_dtype_size(src->dtype)) {
    case 1: gather_rows_1(o, ix, x, rows, k, s, c); break;
    case 2: gather_rows_2(o, ix, x, rows, k, s, c); break;
    case 4: gather_rows_4(o, ix, x, rows, k, s, c); break;
    default: gather_rows_8(o, ix, x, rows, k, s, c); break;
  }
  return true;
}

/* out (idx shape) = src[..., idx, ...] along dim. 0, or 1 with *bad set, or -1. */
static int gather_into(ct_tensor *out, const ct_tensor *src, int64_t dim, const ct_tensor *idx,
                       int64_t *bad) {
  idx_ctx c;
  if (gather_rows(out, src, dim, idx, &c)) {
    *bad = c.bad;
    return c.has_bad;
  }
  CT_OP_BEGIN();
  ct_tensor *v = indexed_view(src, dim, idx, &c);
  if (v)
    ct__foreach(3, (ct_tensor *const[]){out, (ct_tensor *)idx, v},
                by_size(src->dtype, gather_1, gather_2, gather_4, gather_8), &c);
  ct_scope_end();
  if (!v) return -1;
  *bad = c.bad;
  return c.has_bad;
}

/* dst[..., idx, ...] = src (or += src) along dim, on one thread: indices may repeat. */
static int scatter_into(ct_tensor *dst, int64_t dim, const ct_tensor *idx, const ct_tensor *src,
                        bool add, int64_t *bad) {
  idx_ctx c;
  CT_OP_BEGIN();
  ct_tensor *v = indexed_view(dst, dim, idx, &c);
  ct_tensor *sv = src->ndim == idx->ndim ? ct__make_view(src, idx->ndim, idx->shape, src->strides,
                                                         src->offset)
                                         : ct__expand_raw(src, idx->ndim, idx->shape);
  ct_loop_fn fn = add ? scatter_add[dst->dtype]
                      : by_size(dst->dtype, scatter_1, scatter_2, scatter_4, scatter_8);
  if (v && sv) {
#ifdef _OPENMP
    int prev = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    ct__foreach(3, (ct_tensor *const[]){v, (ct_tensor *)idx, sv}, fn, &c);
#ifdef _OPENMP
    omp_set_num_threads(prev);
#endif
  }
  ct_scope_end();
  if (!v || !sv) return -1;
  *bad = c.bad;
  return c.has_bad;
}

/* A 0-dim tensor seen as 1-D of size 1 (PyTorch's ensure_nonempty_dim). */
static const ct_tensor *as_1d(const ct_tensor *t) {
  if (!t || t->ndim) return t;
  return ct__make_view(t, 1, (int64_t[]){1}, (int64_t[]){1}, t->offset);
}

static void *oob(int64_t ix, int64_t dim, int64_t size) {
  return ct__err("index %lld is out of bounds for dimension %lld with size %lld", (long long)ix,
                 (long long)dim, (long long)size);
}

/* gather/scatter's shape rules. src NULL for gather (and scatter with a value). */
static int check_scatter_gather(const char *op, const ct_tensor *self, int64_t dim,
                                const ct_tensor *index, const ct_tensor *src) {
  if (index->dtype != CT_INT64) return ct__errs("%s(): Expected dtype int64 for index", op);
  if (src && src->dtype != self->dtype)
    return ct__errs("%s(): Expected self.dtype to be equal to src.dtype", op);
  int nd = self->ndim ? self->ndim : 1, ni = index->ndim ? index->ndim : 1;
  bool gather = !strcmp(op, "gather");
  if (ni != nd)
    return ct__errs("Index tensor must have the same number of dimensions as %s tensor",
                    gather ? "input" : "self");
  if (src && (src->ndim ? src->ndim : 1) != ni)
    return ct__errs("Index tensor must have the same number of dimensions as src tensor");
  if (ct_numel(index) == 0 || !index->ndim) return 0;
  for (int d = 0; d < nd; d++) {
    bool over_self = d != dim && index->shape[d] > self->shape[d];
    bool over_src = src && src->ndim && index->shape[d] > src->shape[d];
    if (gather && over_self)
      return ct__errs("Size does not match at dimension %d expected index %s to be smaller than "
                      "self %s apart from dimension %lld", d, SHP(0, ni, index->shape),
                      SHP(1, nd, self->shape), (long long)dim);
    if (!gather && (over_self || over_src))
      return ct__errs("Expected index %s to be smaller than self %s apart from dimension %lld%s%s",
                      SHP(0, ni, index->shape), SHP(1, nd, self->shape), (long long)dim,
                      src ? " and to be smaller size than src " : "",
                      src ? SHP(2, src->ndim, src->shape) : "");
  }
  return 0;
}

static ct_tensor *zeros_of(int nd, const int64_t *shape, ct_dtype dt) {
  return ct_zeros_ex(nd, shape, CT_TENSOR_OPTS(.dtype = dt));
}

/* ---- backward formulas ---------------------------------------------------------------------- */
/* g gathered back to src's shape: src may be larger than index, the rest gets zeros. */
static ct_tensor *grad_for_src(ct_node *n, int src_in, ct_tensor *g, int64_t dim, ct_tensor *idx) {
  return ct__pad_to_input(n, src_in, ct_gather(g, dim, idx));
}

/* gs (index's shape) padded with zeros at the end of each dim up to input i's shape */
ct_tensor *ct__pad_to_input(ct_node *n, int i, ct_tensor *gs) {
  const ct_in_meta *m = &n->in[i];
  if (!gs || gs->ndim != m->ndim || !memcmp(gs->shape, m->shape, sizeof(int64_t) * (size_t)m->ndim))
    return gs;
  int64_t pad[2 * CT_MAX_DIMS];
  for (int d = 0; d < m->ndim; d++) {
    pad[2 * d] = 0;
    pad[2 * d + 1] = m->shape[m->ndim - 1 - d] - gs->shape[m->ndim - 1 - d];
  }
  return ct_pad(gs, 2 * m->ndim, pad, CT_PAD_CONSTANT, 0);
}

/* gather, index_select, scatter, scatter_add: the dim they index along */
typedef struct {
  int64_t dim;
} index_args;
CT_ARGS_TYPE(index_args, NULL);

/* out = gather(x, dim, index): gx = zeros_like(x).scatter_add(dim, index, g) */
static void gather_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *z = zeros_of(n->in[0].ndim, n->in[0].shape, n->in[0].dtype);
  gi[0] = ct_scatter_add(z, CT_ARGS(n, index_args)->dim, ct__saved(n, 0), g[0]);
}

/* out = x.scatter(dim, index, src): gx = g.scatter(dim, index, 0), gsrc = g.gather(dim, index) */
static void scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, index_args)->dim;
  ct_tensor *idx = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = ct_scatter_value(g[0], dim, idx, 0);
  if (n->n_in > 1 && ct__needs_grad(n, 1)) gi[1] = grad_for_src(n, 1, g[0], dim, idx);
}

/* out = x.scatter_add(dim, index, src): gx = g, gsrc = g.gather(dim, index) */
static void scatter_add_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, index_args)->dim;
  if (ct__needs_grad(n, 0)) gi[0] = g[0];
  if (ct__needs_grad(n, 1)) gi[1] = grad_for_src(n, 1, g[0], dim, ct__saved(n, 0));
}

typedef struct {
  int ndim; /* -1: the input's shape */
  int64_t shape[CT_MAX_DIMS];
} flat_index_args;
CT_ARGS_TYPE(flat_index_args, NULL);

/* out = x.flatten()[flat] (take; masked_select with its true positions, over the broadcast
 * shape): gx = sum_to(zeros(N).scatter_add(0, flat, g.flatten()).view(shape), x.shape) */
static void flat_index_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const flat_index_args *a = CT_ARGS(n, flat_index_args);
  int nd = a->ndim;
  const int64_t *shape = nd >= 0 ? a->shape : n->in[0].shape;
  if (nd < 0) nd = n->in[0].ndim;
  ct_tensor *z = zeros_of(1, (int64_t[]){ct__numel_of(nd, shape)}, n->in[0].dtype);
  ct_tensor *flat = ct_reshape(g[0], 1, (int64_t[]){-1});
  ct_tensor *s = ct_scatter_add(z, 0, ct__saved(n, 0), flat);
  gi[0] = ct__sum_to(ct_reshape(s, nd, shape), n->in[0].ndim, n->in[0].shape);
}

/* Record out = f(x, ...) with the index saved and dim as its argument. */
static ct_tensor *record_indexed(ct_tensor *out, const char *name, ct_backward_fn bw, int n_in,
                                 ct_tensor *const *ins, const ct_tensor *idx, int64_t dim) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, n_in, ins, 1);
  if (n) {
    CT_NEW_ARGS(n, index_args)->dim = dim;
    ct__save(n, idx, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- gather / index_select / take ---------------------------------------------------------- */
/* x (..., S, ...), index (..., K, ...) int64 -> index's shape */
ct_tensor *ct_gather(const ct_tensor *t, int64_t dim, const ct_tensor *index) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_gather(ct__f32(t), dim, index), h);
  if (!t || !index) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0 || check_scatter_gather("gather", t, d, index, NULL)) return NULL;
  ct_tensor *out = ct__empty(t->dtype, index->ndim, index->shape);
  if (!out) return NULL;
  CT_OP_BEGIN();
  int64_t bad;
  int rc = gather_into((ct_tensor *)as_1d(out), as_1d(t), d, as_1d(index), &bad);
  ct_scope_end();
  if (rc < 0) return NULL;
  if (rc) return oob(bad, d, t->ndim ? t->shape[d] : 1);
  return record_indexed(out, "GatherBackward0", gather_backward, 1,
                        (ct_tensor *const[]){(ct_tensor *)t}, index, d);
}

/* out = index_select(x, dim, index): gx = zeros.scatter_add(dim, index broadcast to g, g) */
static void index_select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int nd = n->in[0].ndim;
  ct_tensor *idx = ct__saved(n, 0);
  if (nd == 0 || !idx || !g[0]) {
    gi[0] = ct_reshape(g[0], nd, n->in[0].shape);
    return;
  }
  int64_t st[CT_MAX_DIMS] = {0};
  int64_t dim = CT_ARGS(n, index_args)->dim;
  st[dim] = idx->strides[0];
  ct_tensor *ie = ct__make_view(idx, nd, g[0]->shape, st, idx->offset);
  ct_tensor *z = zeros_of(nd, n->in[0].shape, n->in[0].dtype);
  gi[0] = ct_scatter_add(z, dim, ie, g[0]);
}

/* out (outer, K, inner) = src (outer, S, inner)[:, idx, :], src contiguous, with rows of
 * inner elements long enough that one memcpy each beats the elementwise gather. 0 when done,
 * 1 with *bad on an out-of-range index (checked first: nothing is written), -1 when the
 * layout does not fit. */
static int index_select_rows(ct_tensor *out, const ct_tensor *src, int64_t d, const ct_tensor *idx,
                             int64_t *bad) {
  if (!ct_is_contiguous(src) || src->ndim == 0) return -1;
  int64_t outer = 1, inner = 1, size = src->shape[d], k = ct_numel(idx);
  for (int i = 0; i < src->ndim; i++)
    if (i < d) outer *= src->shape[i];
    else if (i > d) inner *= src->shape[i];
  size_t row = (size_t)inner * ct_dtype_size(src->dtype);
  if (row < 64 || outer == 0) return -1;
  const int64_t *ix = CT_PTR(idx, int64_t);
  for (int64_t j = 0; j < k; j++)
    if (ix[j] < 0 || ix[j] >= size) {
      *bad = ix[j];
      return 1;
    }
  char *o = ct__ptr(out);
  const char *x = ct__ptr(src);
#pragma omp parallel for if (outer * k * inner >= 2 * CT_GRAIN) schedule(static)
  for (int64_t w = 0; w < outer * k; w++) {
    int64_t a = w / k, j = w % k;
    memcpy(o + (size_t)w * row, x + ((size_t)a * (size_t)size + (size_t)ix[j]) * row, row);
  }
  return 0;
}

/* x (..., S, ...), index (K) -> (..., K, ...) */
ct_tensor *ct_index_select(const ct_tensor *t, int64_t dim, const ct_tensor *index) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_index_select(ct__f32(t), dim, index), h);
  if (!t || !index) return NULL;
  if (index->ndim > 1) return ct__err("index_select(): Index is supposed to be a vector");
  if (index->dtype != CT_INT64 && index->dtype != CT_INT32)
    return ct__err("index_select(): Expected dtype int32 or int64 for index");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  CT_OP_BEGIN();
  const ct_tensor *src = as_1d(t);
  ct_tensor *idx = ct__contig_as(index, CT_INT64);
  if (!idx || !src) return ct__op_end(NULL);
  int64_t k = ct_numel(idx), shp[CT_MAX_DIMS], st[CT_MAX_DIMS] = {0};
  memcpy(shp, src->shape, sizeof shp);
  shp[d] = k;
  st[d] = 1;
  ct_tensor *out = ct__empty(t->dtype, src->ndim, shp);
  ct_tensor *ie = ct__make_view(idx, src->ndim, shp, st, idx->offset);
  int64_t bad;
  int rc = out && ie ? index_select_rows(out, src, d, idx, &bad) : -1;
  if (rc < 0 && out && ie) rc = gather_into(out, src, d, ie, &bad);
  if (rc) return ct__op_end(rc > 0 ? ct__err("index out of range in self") : NULL);
  if (!t->ndim) { /* a 0-dim self stays 0-dim: every valid index picks its one element */
    if (k == 0) return ct__op_end(ct__err("index out of range in self"));
    out = ct__make_view(out, 0, NULL, NULL, 0);
  }
  idx = ct_reshape(idx, 1, (int64_t[]){k});
  return ct__op_end(record_indexed(out, "IndexSelectBackward0", index_select_backward, 1,
                                   (ct_tensor *const[]){(ct_tensor *)t}, idx, d));
}

/* Wrapped flat gather: src (any shape) flattened, flat int64 indices -> out (out_shape). */
static ct_tensor *take_flat(const ct_tensor *src, const ct_tensor *flat, int nd,
                            const int64_t *shape) {
  ct_tensor *sc = ct__contig_as(src, src->dtype);
  ct_tensor *out = ct__empty(src->dtype, nd, shape);
  if (!sc || !out) return NULL;
  int64_t n = ct_numel(flat), bad;
  ct_tensor *s1 = ct__make_view(sc, 1, (int64_t[]){ct_numel(sc)}, (int64_t[]){1}, sc->offset);
  ct_tensor *o1 = ct__make_view(out, 1, (int64_t[]){n}, (int64_t[]){1}, 0);
  if (!s1 || !o1 || gather_into(o1, s1, 0, flat, &bad)) return NULL;
  return out;
}

/* x (any), index (any) int64 -> index's shape; negative indices count from the end */
ct_tensor *ct_take(const ct_tensor *t, const ct_tensor *index) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_take(ct__f32(t), index), h);
  if (!t || !index) return NULL;
  if (index->dtype != CT_INT64)
    return ct__err("take(): Expected a long tensor for index, but got %s",
                   ct__dtype_short(index->dtype));
  CT_OP_BEGIN();
  int64_t numel = ct_numel(t), n = ct_numel(index);
  ct_tensor *flat = ct__empty(CT_INT64, 1, (int64_t[]){n});
  ct_tensor *ic = ct__contig_as(index, CT_INT64);
  if (!flat || !ic) return ct__op_end(NULL);
  const int64_t *ip = CT_PTR(ic, int64_t);
  int64_t *fp = CT_PTR(flat, int64_t);
  if (numel == 0 && n > 0) return ct__op_end(ct__err("take(): tried to take from an empty tensor"));
  for (int64_t i = 0; i < n; i++) {
    int64_t ix = ip[i];
    if (ix < -numel || ix >= numel)
      return ct__op_end(ct__err("out of range: tried to access index %lld on a tensor of %lld "
                                "elements.", (long long)ix, (long long)numel));
    fp[i] = ix < 0 ? ix + numel : ix;
  }
  ct_tensor *out = take_flat(t, flat, index->ndim, index->shape);
  if (out && ct_dtype_is_floating(out->dtype)) {
    ct_node *nd = ct__node_new("TakeBackward0", flat_index_backward, 1,
                               (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (nd) {
      CT_NEW_ARGS(nd, flat_index_args)->ndim = -1;
      ct__save(nd, flat, false);
      ct__set_history(out, nd, 0);
    }
  }
  return ct__op_end(out);
}

/* ---- scatter family --------------------------------------------------------------------------- */
/* out = self with src (or value) written / added at index along dim */
static ct_tensor *scatter_impl(const char *op, const ct_tensor *t, int64_t dim,
                               const ct_tensor *index, const ct_tensor *src, double value,
                               bool add) {
  if (!t || !index) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0 || check_scatter_gather(op, t, d, index, src)) return NULL;
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (!out) return NULL;
  ct__copy_into(out, t);
  CT_OP_BEGIN();
  const ct_tensor *sv = src ? src : ct_scalar_tensor(value, t->dtype);
  int64_t bad;
  int rc = sv ? scatter_into((ct_tensor *)as_1d(out), d, as_1d(index), src ? as_1d(sv) : sv, add, &bad) : -1;
  ct_scope_end();
  if (rc < 0) return NULL;
  if (rc) return oob(bad, d, t->ndim ? t->shape[d] : 1);
  const char *name = add ? "ScatterAddBackward0" : src ? "ScatterBackward0" : "ScatterBackward1";
  return record_indexed(out, name, add ? scatter_add_backward : scatter_backward, src ? 2 : 1,
                        (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)src}, index, d);
}

ct_tensor *ct_scatter(const ct_tensor *t, int64_t dim, const ct_tensor *index, const ct_tensor *src) {
  if (!src) return NULL;
  return scatter_impl("scatter", t, dim, index, src, 0, false);
}
ct_tensor *ct_scatter_value(const ct_tensor *t, int64_t dim, const ct_tensor *index, double value) {
  return scatter_impl("scatter", t, dim, index, NULL, value, false);
}
ct_tensor *ct_scatter_add(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                          const ct_tensor *src) {
  ct_dtype h = ct__half_enter(t, src, NULL);
  if ((int)h >= 0) return ct__half_end(ct_scatter_add(ct__f32(t), dim, index, ct__f32(src)), h);
  if (!src) return NULL;
  return scatter_impl("scatter_add", t, dim, index, src, 0, true);
}

/* ---- masks ---------------------------------------------------------------------------------- */
CT_UNARY_CMP(nz_loop, x != 0)

/* Flat positions of the nonzero elements of t (contiguous order), int64 (count). */
static ct_tensor *nonzero_flat(const ct_tensor *t) {
  ct_tensor *m = ct__unary_kernel("nonzero", t, t->dtype, CT_BOOL, nz_loop, NULL);
  if (!m) return NULL;
  int64_t n = ct_numel(m), cnt = 0;
  const bool *mp = CT_PTR(m, bool);
  for (int64_t i = 0; i < n; i++) cnt += mp[i];
  ct_tensor *idx = ct__empty(CT_INT64, 1, (int64_t[]){cnt});
  if (!idx) return NULL;
  int64_t *ip = CT_PTR(idx, int64_t), k = 0;
  for (int64_t i = 0; i < n; i++)
    if (mp[i]) ip[k++] = i;
  return idx;
}

/* x (any), mask (broadcastable, bool/uint8) -> (count) */
ct_tensor *ct_masked_select(const ct_tensor *t, const ct_tensor *mask) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_masked_select(ct__f32(t), mask), h);
  if (!t || !mask) return NULL;
  if (mask->dtype != CT_BOOL && mask->dtype != CT_UINT8)
    return ct__err("masked_select: expected BoolTensor or ByteTensor for mask");
  int nd;
  int64_t shp[CT_MAX_DIMS];
  if (ct__broadcast_shape(t->ndim, t->shape, mask->ndim, mask->shape, &nd, shp)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *em = ct__expand_raw(mask, nd, shp), *et = ct__expand_raw(t, nd, shp);
  ct_tensor *flat = em ? nonzero_flat(em) : NULL;
  ct_tensor *out = flat && et ? take_flat(et, flat, 1, flat->shape) : NULL;
  if (out && ct_dtype_is_floating(out->dtype)) {
    ct_node *n = ct__node_new("MaskedSelectBackward0", flat_index_backward, 1,
                              (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (n) {
      flat_index_args *a = CT_NEW_ARGS(n, flat_index_args);
      a->ndim = nd;
      memcpy(a->shape, shp, sizeof(int64_t) * (size_t)nd);
      ct__save(n, flat, false);
      ct__set_history(out, n, 0);
    }
  }
  return ct__op_end(out);
}

/* x (d0, ..., dk) -> (count, k+1) int64 coordinates, row-major order */
ct_tensor *ct_nonzero(const ct_tensor *t) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  ct_tensor *flat = nonzero_flat(t);
  if (!flat) return ct__op_end(NULL);
  int64_t cnt = flat->shape[0], nd = t->ndim;
  ct_tensor *out = ct__empty(CT_INT64, 2, (int64_t[]){cnt, nd});
  if (!out) return ct__op_end(NULL);
  const int64_t *fp = CT_PTR(flat, int64_t);
  int64_t *op = CT_PTR(out, int64_t);
  for (int64_t i = 0; i < cnt; i++) {
    int64_t rem = fp[i];
    for (int64_t d = nd - 1; d >= 0; d--) {
      op[i * nd + d] = rem % t->shape[d];
      rem /= t->shape[d];
    }
  }
  return ct__op_end(out);
}

/* x (...) int64 -> (..., C) int64 */
ct_tensor *ct_one_hot(const ct_tensor *t, int64_t num_classes) {
  if (!t) return NULL;
  if (t->dtype != CT_INT64) return ct__err("one_hot is only applicable to index tensor.");
  if (t->ndim >= CT_MAX_DIMS) return ct__err("one_hot: too many dims");
  CT_OP_BEGIN();
  ct_tensor *c = ct__contig_as(t, CT_INT64);
  if (!c) return ct__op_end(NULL);
  int64_t n = ct_numel(c), mn = INT64_MAX, mx = INT64_MIN;
  const int64_t *p = CT_PTR(c, int64_t);
  for (int64_t i = 0; i < n; i++) {
    mn = p[i] < mn ? p[i] : mn;
    mx = p[i] > mx ? p[i] : mx;
  }
  if (num_classes == -1) {
    if (n == 0) return ct__op_end(ct__err("Can not infer total number of classes from empty tensor."));
    num_classes = mx < INT64_MAX ? mx + 1 : -1; /* no count exceeds INT64_MAX: refused below */
  }
  if (n > 0 && mn < 0) return ct__op_end(ct__err("Class values must be non-negative."));
  if (n > 0 && mx >= num_classes)
    return ct__op_end(ct__err("Class values must be smaller than num_classes."));
  if (num_classes < 0) return ct__op_end(ct__err("Class values must be smaller than num_classes."));
  int64_t shp[CT_MAX_DIMS];
  memcpy(shp, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  shp[t->ndim] = num_classes;
  ct_tensor *out = zeros_of(t->ndim + 1, shp, CT_INT64);
  if (!out) return ct__op_end(NULL);
  int64_t *op = CT_PTR(out, int64_t);
  for (int64_t i = 0; i < n; i++) op[i * num_classes + p[i]] = 1;
  return ct__op_end(out);
}
