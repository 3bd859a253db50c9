/* Advanced indexing: t[indices] (ct_index), index_put / index_put_ (t[indices] = v, with
 * accumulate), put / put_, masked_scatter / masked_scatter_, and t[indices] += v.
 *
 * Every op reduces to flat positions: a plan turns the index list (int64 or bool tensors,
 * NULL for a full slice ':') into one int64 tensor of the result's shape holding, per result
 * element, its row-major position in t. Reading is then a take, writing a put into a
 * contiguous copy of t (one thread, in order: with repeated positions the last write wins,
 * as on PyTorch's CPU, or every value adds with accumulate). The nodes save the positions;
 * their backward formulas are takes and puts, which are differentiable, so double backward
 * works. */
#include "../internal.h"

/* ---- the plan: indices -> result shape and flat positions ------------------------------ */
/* Result element at multi-index r reads / writes t's row-major position
 * sums[sum_k r[k] * bst[k]] + sum_k r[k] * lst[k]: the slice dims step through t (lst), the
 * broadcast index dims through sums, the indexed dims' summed offsets (bst). */
typedef struct {
  int ndim;
  int64_t shape[CT_MAX_DIMS], lst[CT_MAX_DIMS], bst[CT_MAX_DIMS];
  ct_tensor *sums; /* int64 over the broadcast index shape; NULL when the result is empty */
} index_plan;

/* shape of b broadcast into (nd, shp) in place (right-aligned); false when they do not. */
static bool bcast_into(int *nd, int64_t *shp, const ct_tensor *b) {
  int n = *nd > b->ndim ? *nd : b->ndim;
  int64_t out[CT_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    int ia = i - (n - *nd), ib = i - (n - b->ndim);
    int64_t sa = ia >= 0 ? shp[ia] : 1, sb = ib >= 0 ? b->shape[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1) return false;
    out[i] = sa == 1 ? sb : sa;
  }
  *nd = n;
  memcpy(shp, out, sizeof(int64_t) * (size_t)n);
  return true;
}

/* t's dims as the index list sees them: a mask over k dims is one dim (their row-major
 * product, stepped by the last one's contiguous stride) indexed by the flat positions of
 * its true elements, which is what PyTorch's k nonzero columns address. */
typedef struct {
  int n;
  int64_t size[CT_MAX_DIMS], stride[CT_MAX_DIMS]; /* in t's contiguous layout */
  ct_tensor *idx[CT_MAX_DIMS];                    /* int64, or NULL for a full slice */
  int span[CT_MAX_DIMS];                          /* t's dims covered (a mask's k) */
} index_dims;

/* "[2], [3]": the shapes of the index tensors PyTorch would have (a mask's positions once
 * per dim it covers), for the broadcast error */
static const char *shapes_of(const index_dims *v, char *buf, size_t len) {
  size_t at = 0;
  buf[0] = 0;
  for (int i = 0; i < v->n; i++)
    for (int r = 0; v->idx[i] && r < v->span[i] && at < len; r++) {
      char one[128];
      ct__shape_str(v->idx[i]->ndim, v->idx[i]->shape, one, sizeof one);
      at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", one);
    }
  return buf;
}

/* a mask's true (nonzero) positions, row-major, int64 (count): nonzero of it flattened */
static ct_tensor *mask_positions(const ct_tensor *m) {
  ct_tensor *nz = ct_nonzero(ct_reshape(m, 1, (int64_t[]){ct_numel(m)}));
  return nz ? ct_reshape(nz, 1, nz->shape) : NULL;
}

/* The index list over t's dims (PyTorch's checkIndexTensorTypes and expandTensors, masks
 * merged as index_dims says); the dims after the list are full slices. 0 or -1. */
static int index_dims_of(const ct_tensor *t, ct_tensor *const *indices, int n, index_dims *v) {
  v->n = 0;
  if (n > t->ndim)
    return ct__errs("too many indices for tensor of dimension %d (got %d)", t->ndim, n);
  for (int i = 0; i < n; i++) {
    ct_dtype dt = indices[i] ? indices[i]->dtype : CT_INT64;
    if (dt != CT_INT64 && dt != CT_BOOL && dt != CT_UINT8)
      return ct__errs("tensors used as indices must be long, byte or bool tensors");
  }
  int64_t cst[CT_MAX_DIMS];
  ct__contig_strides(t->ndim, t->shape, cst);
  int d = 0; /* t's next dim */
  for (int i = 0; i <= n; i++) {
    const ct_tensor *ix = i < n ? indices[i] : NULL;
    int k = ix && ix->dtype != CT_INT64 ? ix->ndim : 1;
    if (i == n) k = t->ndim - d; /* the trailing slices, one entry each below */
    if (ix && ix->dtype != CT_INT64) {
      if (!ix->ndim) return ct__errs("index(): a 0-dim bool index is not supported (use unsqueeze)");
      for (int j = 0; j < k; j++) {
        if (d + j >= t->ndim)
          return ct__errs("Dimension out of range (expected to be in range of [%d, %d], but got %d)",
                          -(t->ndim ? t->ndim : 1), t->ndim ? t->ndim - 1 : 0, d + j);
        if (ix->shape[j] != t->shape[d + j])
          return ct__errs("The shape of the mask %s at index %d does not match the shape of the "
                          "indexed tensor %s at index %d", SHP(0, ix->ndim, ix->shape), j,
                          SHP(1, t->ndim, t->shape), d + j);
      }
      v->idx[v->n] = mask_positions(ix);
      if (!v->idx[v->n]) return -1;
      v->size[v->n] = ct_numel(ix);
      v->stride[v->n] = cst[d + k - 1];
      v->span[v->n++] = k;
      d += k;
      continue;
    }
    for (int j = 0; j < k; j++, d++) {
      if (d >= t->ndim)
        return ct__errs("too many indices for tensor of dimension %d (got %d)", t->ndim, d + 1);
      v->idx[v->n] = i < n ? (ct_tensor *)ix : NULL;
      v->size[v->n] = t->shape[d];
      v->stride[v->n] = cst[d];
      v->span[v->n++] = 1;
    }
  }
  return 0;
}

/* B (bnd, bshp) -> per element b, sum over indexed dims of idx[b] * stride (int64,
 * contiguous); bounds checked in element order, PyTorch's message naming the position of
 * the index among its index tensors (a mask's positions are in bounds). */
static ct_tensor *index_sums(const index_dims *v, int bnd, const int64_t *bshp) {
  int64_t bn = ct__numel_of(bnd, bshp);
  ct_tensor *sums = ct__empty(CT_INT64, bnd, bshp);
  if (!sums) return NULL;
  int64_t *sp = CT_PTR(sums, int64_t);
  memset(sp, 0, sizeof(int64_t) * (size_t)bn);
  int j = 0;
  for (int d = 0; d < v->n; j += v->idx[d] ? v->span[d] : 0, d++) {
    if (!v->idx[d]) continue;
    ct_tensor *e = ct__contig_as(ct__expand_raw(v->idx[d], bnd, bshp), CT_INT64);
    if (!e) return NULL;
    const int64_t *ep = CT_PTR(e, int64_t);
    int64_t size = v->size[d], st = v->stride[d];
    for (int64_t b = 0; b < bn; b++) {
      int64_t x = ep[b];
      if (x < -size || x >= size)
        return ct__err("index %lld is out of bounds for dimension %d with size %lld",
                       (long long)x, j, (long long)size);
      sp[b] += (x < 0 ? x + size : x) * st;
    }
  }
  return sums;
}

/* t[indices] as a plan (see index_plan). 0 or -1. */
static int make_plan(const ct_tensor *t, ct_tensor *const *indices, int n, index_plan *p) {
  if (n < 0) return ct__errs("index(): negative number of indices");
  if (n && !indices) return -1; /* a NULL argument records nothing */
  index_dims v;
  if (index_dims_of(t, indices, n, &v)) return -1;
  int bnd = 0, first = -1, last = -1, count = 0, span = 0;
  int64_t bshp[CT_MAX_DIMS];
  for (int d = 0; d < v.n; d++) {
    if (!v.idx[d]) continue;
    if (first < 0) first = d;
    last = d;
    count++;
    span += v.span[d];
    if (!bcast_into(&bnd, bshp, v.idx[d])) {
      char buf[512];
      return ct__errs("shape mismatch: indexing tensors could not be broadcast together with "
                      "shapes %s", shapes_of(&v, buf, sizeof buf));
    }
  }
  if (!count) return ct__errs("index(): at least one index must be a tensor");
  int64_t bn = ct__numel_of(bnd, bshp);
  for (int d = 0; d < v.n; d++)
    if (v.idx[d] && v.size[d] == 0 && bn > 0)
      return ct__errs("index is out of bounds for dimension with size 0");
  /* result dims: the broadcast dims B where the indexed dims were when they are adjacent,
   * else first; each result dim steps through t (lst) or B (bst) */
  bool adjacent = last - first + 1 == count;
  int at = adjacent ? first : 0, nd = 0;
  int64_t bcst[CT_MAX_DIMS];
  ct__contig_strides(bnd, bshp, bcst);
  memset(p->lst, 0, sizeof p->lst);
  memset(p->bst, 0, sizeof p->bst);
  if (t->ndim - span + bnd > CT_MAX_DIMS)
    return ct__errs("index(): the result would have more than %d dims", CT_MAX_DIMS);
  for (int d = 0; d <= v.n; d++) {
    if (d == at)
      for (int i = 0; i < bnd; i++, nd++) {
        p->shape[nd] = bshp[i];
        p->bst[nd] = bcst[i];
      }
    if (d < v.n && !v.idx[d]) {
      p->shape[nd] = v.size[d];
      p->lst[nd++] = v.stride[d];
    }
  }
  p->ndim = nd;
  if (ct__check_numel(nd, p->shape)) return -1;
  /* the positions are checked only when the result has elements, as PyTorch's kernel */
  p->sums = NULL;
  if (!ct__numel_of(nd, p->shape)) return 0;
  p->sums = index_sums(&v, bnd, bshp);
  return p->sums ? 0 : -1;
}

/* fn(ctx, i, sp, lo, run, ls, bs) for each run of result elements [i, i + run) along the last
 * dim: their positions are sp[j * bs] + lo when bs (an index dim), else sp[0] + lo + j * ls */
typedef void (*run_fn)(void *ctx, int64_t i, const int64_t *sp, int64_t lo, int64_t run,
                       int64_t ls, int64_t bs);
static void plan_walk(const index_plan *p, run_fn fn, void *ctx) {
  int nd = p->ndim;
  int64_t total = p->sums ? ct__numel_of(nd, p->shape) : 0, ctr[CT_MAX_DIMS] = {0}, lo = 0, bo = 0;
  int64_t run = nd ? p->shape[nd - 1] : 1, ls = nd ? p->lst[nd - 1] : 0, bs = nd ? p->bst[nd - 1] : 0;
  const int64_t *sp = total ? CT_PTR(p->sums, int64_t) : NULL;
  for (int64_t i = 0; i < total; i += run) { /* an odometer over the outer dims */
    fn(ctx, i, sp + bo, lo, run, ls, bs);
    for (int k = nd - 2; k >= 0; k--) {
      lo += p->lst[k];
      bo += p->bst[k];
      if (++ctr[k] < p->shape[k]) break;
      lo -= p->lst[k] * ctr[k];
      bo -= p->bst[k] * ctr[k];
      ctr[k] = 0;
    }
  }
}

static void flat_run(void *ctx, int64_t i, const int64_t *sp, int64_t lo, int64_t run,
                     int64_t ls, int64_t bs) {
  int64_t *fp = (int64_t *)ctx + i;
  if (bs)
    for (int64_t j = 0; j < run; j++) fp[j] = sp[j * bs] + lo;
  else
    for (int64_t j = 0; j < run; j++) fp[j] = sp[0] + lo + j * ls;
}

/* the positions as an int64 tensor of the result's shape (what the nodes save) */
static ct_tensor *plan_flat(const index_plan *p) {
  ct_tensor *flat = ct__empty(CT_INT64, p->ndim, p->shape);
  if (flat) plan_walk(p, flat_run, CT_PTR(flat, int64_t));
  return flat;
}

/* out = x (contiguous) at the plan's positions: a row copy where a run is contiguous in x */
typedef struct {
  char *o;
  const char *x;
  size_t size;
} gather_ctx;
#define GATHER_RUN(T)                                                                     \
  for (int64_t j = 0; j < run; j++)                                                       \
    ((T *)o)[j] = ((const T *)c->x)[bs ? sp[j * bs] + lo : sp[0] + lo + j * ls];
static void gather_run(void *ctx, int64_t i, const int64_t *sp, int64_t lo, int64_t run,
                       int64_t ls, int64_t bs) {
  const gather_ctx *c = ctx;
  char *o = c->o + i * (int64_t)c->size;
  if (!bs && ls == 1) {
    memcpy(o, c->x + (sp[0] + lo) * (int64_t)c->size, (size_t)run * c->size);
    return;
  }
  switch (c->size) {
    case 1: GATHER_RUN(uint8_t) break;
    case 2: GATHER_RUN(uint16_t) break;
    case 4: GATHER_RUN(uint32_t) break;
    default: GATHER_RUN(uint64_t) break;
  }
}
static ct_tensor *plan_gather(const index_plan *p, const ct_tensor *t) {
  ct_tensor *out = ct__empty(t->dtype, p->ndim, p->shape);
  ct_tensor *x = out ? ct__contig_as(t, t->dtype) : NULL;
  if (!x) return NULL;
  plan_walk(p, gather_run, &(gather_ctx){ct__ptr(out), ct__ptr(x), ct_dtype_size(t->dtype)});
  return out;
}

/* ---- the put kernel -------------------------------------------------------------------- */
/* dst (contiguous) at flat[i] = src[i] (or += with acc), i in order; src contiguous with
 * flat's numel, dst's dtype. */
#define PUT_CASE(E, T, tn)                                                       \
  case E: {                                                                      \
    T *o = (T *)dp;                                                              \
    const T *s = (const T *)sp;                                                  \
    if (acc)                                                                     \
      for (int64_t i = 0; i < n; i++) o[fp[i]] = (T)(o[fp[i]] + s[i]);           \
    else                                                                         \
      for (int64_t i = 0; i < n; i++) o[fp[i]] = s[i];                           \
    break;                                                                       \
  }
static void put_kernel(ct_tensor *dst, const ct_tensor *flat, const ct_tensor *src, bool acc) {
  int64_t n = ct_numel(flat);
  const int64_t *fp = CT_PTR(flat, int64_t);
  char *dp = ct__ptr(dst);
  const char *sp = ct__ptr(src);
  switch (dst->dtype) {
    case CT_BOOL: {
      bool *o = (bool *)dp;
      const bool *s = (const bool *)sp;
      for (int64_t i = 0; i < n; i++) o[fp[i]] = acc ? (o[fp[i]] || s[i]) : s[i];
      break;
    }
    CT_FOR_NUMERIC(PUT_CASE)
    default: break;
  }
}

/* out (contiguous) at the plan's positions = src (contiguous, the plan's shape), or += with
 * acc, in result order: put_kernel on plan_flat's positions without building them (a
 * (1e5, 64) index_put made and read a 51 MB position list), a row at a time where a run is
 * contiguous in out */
typedef struct {
  char *o;
  const char *s;
  ct_dtype dt;
  bool acc;
} scatter_ctx;
#define SCATTER_CASE(E, T, tn)                                                   \
  case E: {                                                                      \
    T *o = (T *)c->o;                                                            \
    const T *v = (const T *)c->s + i;                                            \
    if (!bs) { /* one row of x: sp[0] + lo + j * ls */                          \
      T *row = o + sp[0] + lo;                                                   \
      if (c->acc)                                                                \
        for (int64_t j = 0; j < run; j++) row[j * ls] = (T)(row[j * ls] + v[j]); \
      else                                                                       \
        for (int64_t j = 0; j < run; j++) row[j * ls] = v[j];                    \
    } else {                                                                     \
      for (int64_t j = 0; j < run; j++) {                                        \
        int64_t q = sp[j * bs] + lo;                                             \
        o[q] = c->acc ? (T)(o[q] + v[j]) : v[j];                                 \
      }                                                                          \
    }                                                                            \
    break;                                                                       \
  }
static void scatter_run(void *ctx, int64_t i, const int64_t *sp, int64_t lo, int64_t run,
                        int64_t ls, int64_t bs) {
  const scatter_ctx *c = ctx;
  switch (c->dt) {
    case CT_BOOL: {
      bool *o = (bool *)c->o;
      const bool *v = (const bool *)c->s + i;
      for (int64_t j = 0; j < run; j++) {
        int64_t q = bs ? sp[j * bs] + lo : sp[0] + lo + j * ls;
        o[q] = c->acc ? (o[q] || v[j]) : v[j];
      }
      break;
    }
    CT_FOR_NUMERIC(SCATTER_CASE)
    default: break;
  }
}

/* A contiguous copy of t (or of t broadcast to (nd, shp)) with src written at flat; no
 * graph. src: flat's numel in t's dtype, any shape and layout. */
static ct_tensor *put_copy(const ct_tensor *t, int nd, const int64_t *shp, const ct_tensor *flat,
                           const ct_tensor *src, bool acc) {
  ct_tensor *out = ct__empty(t->dtype, nd, shp);
  if (!out) return NULL;
  ct__copy_into(out, t);
  CT_OP_BEGIN();
  ct_tensor *sc = ct__contig_as(src, t->dtype);
  if (sc) put_kernel(out, flat, sc, acc);
  ct_scope_end();
  return sc ? out : NULL;
}

/* put_copy at the plan's positions, walked run by run (scatter_run) */
static ct_tensor *put_plan_copy(const ct_tensor *t, const index_plan *p, const ct_tensor *src, bool acc) {
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (!out) return NULL;
  ct__copy_into(out, t);
  CT_OP_BEGIN();
  ct_tensor *sc = ct__contig_as(src, t->dtype);
  if (sc) plan_walk(p, scatter_run, &(scatter_ctx){ct__ptr(out), ct__ptr(sc), t->dtype, acc});
  ct_scope_end();
  return sc ? out : NULL;
}

/* ---- put / put_ ------------------------------------------------------------------------ */
typedef struct {
  bool accumulate;
} put_args;
CT_ARGS_TYPE(put_args, NULL);

static ct_tensor *put_checked(const ct_tensor *t, const ct_tensor *index, const ct_tensor *source,
                              bool accumulate);

/* g with the positions flat zeroed: g.put(flat, 0, false) (the gradient of what a write
 * replaced) */
static ct_tensor *zero_at(ct_tensor *g, ct_tensor *flat) {
  ct_tensor *z = ct_zeros_ex(flat->ndim, flat->shape, (ct_tensor_opts){.dtype = g->dtype});
  return put_checked(g, flat, z, false);
}

/* the gradient of self through a put node: g as it is when values were added, else zeroed
 * where they were written */
static ct_tensor *put_self_grad(ct_node *n, ct_tensor *g, ct_tensor *flat) {
  return CT_ARGS(n, put_args)->accumulate ? g : zero_at(g, flat);
}

/* out = t.put(flat, src, acc): gt = acc ? g : g.put(flat, 0, false);
 * gsrc = g.take(flat) in src's shape */
static void put_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *flat = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = put_self_grad(n, g[0], flat);
  if (ct__needs_grad(n, 1)) gi[1] = ct_reshape(ct_take(g[0], flat), n->in[1].ndim, n->in[1].shape);
}

/* t.put(flat, source, accumulate) with flat already normalised (source: flat's numel) */
static ct_tensor *put_checked(const ct_tensor *t, const ct_tensor *flat, const ct_tensor *source,
                              bool accumulate) {
  if (!t || !flat || !source) return NULL;
  ct_tensor *out = put_copy(t, t->ndim, t->shape, flat, source, accumulate);
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *nd = ct__node_new("PutBackward0", put_backward, 2,
                             (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)source}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, put_args)->accumulate = accumulate;
    ct__save(nd, flat, false);
    ct__set_history(out, nd, 0);
  }
  return out;
}

ct_tensor *ct_put(const ct_tensor *t, const ct_tensor *index, const ct_tensor *source,
                  bool accumulate) {
  ct_dtype h = ct__half_enter(t, source, NULL);
  if ((int)h >= 0) return ct__half_end(ct_put(ct__f32(t), index, ct__f32(source), accumulate), h);
  if (!t || !index || !source) return NULL;
  if (index->dtype != CT_INT64)
    return ct__err("put_(): Expected a long tensor for index, but got %s",
                   ct__dtype_short(index->dtype));
  if (t->dtype != source->dtype)
    return ct__err("put_(): self and source expected to have the same dtype, but got "
                   "self.dtype = %s and source.dtype = %s", ct__dtype_short(t->dtype),
                   ct__dtype_short(source->dtype));
  int64_t k = ct_numel(index), numel = ct_numel(t);
  if (ct_numel(source) != k)
    return ct__err("put_(): Expected source and index to have the same number of elements, "
                   "but got source.numel() = %lld, index.numel() = %lld",
                   (long long)ct_numel(source), (long long)k);
  if (k && !numel) return ct__err("put_(): Tried to put elements into an empty tensor");
  CT_OP_BEGIN();
  ct_tensor *ic = ct__contig_as(index, CT_INT64);
  ct_tensor *flat = ic ? ct__empty(CT_INT64, 1, (int64_t[]){k}) : NULL;
  if (!flat) return ct__op_end(NULL);
  const int64_t *ip = CT_PTR(ic, int64_t);
  int64_t *fp = CT_PTR(flat, int64_t);
  for (int64_t i = 0; i < k; i++) {
    if (ip[i] < -numel || ip[i] >= numel)
      return ct__op_end(ct__err("out of range: tried to access index %lld on a tensor of %lld "
                                "elements.", (long long)ip[i], (long long)numel));
    fp[i] = ip[i] < 0 ? ip[i] + numel : ip[i];
  }
  return ct__op_end(put_checked(t, flat, source, accumulate));
}

/* ---- t[indices] ------------------------------------------------------------------------ */
/* out = t[indices]: gt = zeros_like(t).put(flat, g, accumulate=True) */
static void index_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const ct_in_meta *m = &n->in[0];
  ct_tensor *z = ct_zeros_ex(m->ndim, m->shape, (ct_tensor_opts){.dtype = m->dtype});
  gi[0] = put_checked(z, ct__saved(n, 0), g[0], true);
}

ct_tensor *ct_index(const ct_tensor *t, ct_tensor *const *indices, int n) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_index(ct__f32(t), indices, n), h);
  if (!t) return NULL;
  CT_OP_BEGIN();
  index_plan p;
  if (make_plan(t, indices, n, &p)) return ct__op_end(NULL);
  ct_tensor *out = plan_gather(&p, t);
  if (out && ct_dtype_is_floating(out->dtype)) {
    ct_node *nd = ct__node_new("IndexBackward0", index_backward, 1,
                               (ct_tensor *const[]){(ct_tensor *)t}, 1);
    ct_tensor *flat = nd ? plan_flat(&p) : NULL; /* only a recorded node needs them */
    if (flat) {
      ct__save(nd, flat, false);
      ct__set_history(out, nd, 0);
    } else if (nd) {
      ct__node_abandon(nd);
      out = NULL;
    }
  }
  return ct__op_end(out);
}

/* ---- index_put ------------------------------------------------------------------------- */
/* out = t.index_put(indices, v, acc): gt = acc ? g : g.put(flat, 0, false);
 * gv = g.take(flat) summed to v's shape (v was broadcast to the indexing result) */
static void index_put_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *flat = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = put_self_grad(n, g[0], flat);
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_take(g[0], flat));
}

/* value (vnd, vs) expandable to (nd, shp): no more dims, right-aligned sizes equal or 1 */
static bool expandable(int vnd, const int64_t *vs, int nd, const int64_t *shp) {
  if (vnd > nd) return false;
  for (int i = 1; i <= vnd; i++)
    if (vs[vnd - i] != 1 && vs[vnd - i] != shp[nd - i]) return false;
  return true;
}

ct_tensor *ct_index_put(const ct_tensor *t, ct_tensor *const *indices, int n,
                        const ct_tensor *values, bool accumulate) {
  ct_dtype h = ct__half_enter(t, values, NULL);
  if ((int)h >= 0) return ct__half_end(ct_index_put(ct__f32(t), indices, n, ct__f32(values), accumulate), h);
  if (!t || !values) return NULL;
  CT_OP_BEGIN();
  index_plan p;
  if (make_plan(t, indices, n, &p)) return ct__op_end(NULL);
  if (!expandable(values->ndim, values->shape, p.ndim, p.shape))
    return ct__op_end(ct__err("shape mismatch: value tensor of shape %s cannot be broadcast to "
                              "indexing result of shape %s", SHP(0, values->ndim, values->shape),
                              SHP(1, p.ndim, p.shape)));
  if (values->dtype != t->dtype)
    return ct__op_end(ct__err("Index put requires the source and destination dtypes match, got "
                              "%s for the destination and %s for the source.",
                              ct__dtype_short(t->dtype), ct__dtype_short(values->dtype)));
  ct_tensor *ev = ct__expand_raw(values, p.ndim, p.shape);
  if (!ev) return ct__op_end(NULL);
  bool record = ct_dtype_is_floating(t->dtype) &&
                ct__any_requires_grad(2, (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)values});
  if (!record) /* no node to save the positions for: written run by run */
    return ct__op_end(put_plan_copy(t, &p, ev, accumulate));
  ct_tensor *flat = plan_flat(&p);
  ct_tensor *out = flat ? put_copy(t, t->ndim, t->shape, flat, ev, accumulate) : NULL;
  if (out) {
    ct_node *nd = ct__node_new("IndexPutBackward0", index_put_backward, 2,
                               (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)values}, 1);
    if (nd) {
      CT_NEW_ARGS(nd, put_args)->accumulate = accumulate;
      ct__save(nd, flat, false);
      ct__set_history(out, nd, 0);
    }
  }
  return ct__op_end(out);
}

/* ---- masked_scatter -------------------------------------------------------------------- */
/* out = t.masked_scatter(mask, src), flat the mask's true positions (count):
 * gt = g.put(flat, 0) summed to t's shape; gsrc = cat(g.take(flat), zeros) in src's shape */
static void masked_scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *flat = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, zero_at(g[0], flat));
  if (!ct__needs_grad(n, 1)) return;
  const ct_in_meta *m = &n->in[1];
  int64_t rest = ct__numel_of(m->ndim, m->shape) - flat->shape[0];
  ct_tensor *parts[] = {ct_take(g[0], flat),
                        ct_zeros_ex(1, (int64_t[]){rest}, (ct_tensor_opts){.dtype = g[0]->dtype})};
  gi[1] = ct_reshape(ct_cat(parts, 2, 0), m->ndim, m->shape);
}

/* inplace: the mask is expanded to t's shape (t's shape is the result's) */
static ct_tensor *masked_scatter(const ct_tensor *t, const ct_tensor *mask, const ct_tensor *src,
                                 bool inplace) {
  ct_dtype h = ct__half_enter(t, src, NULL);
  if ((int)h >= 0) return ct__half_end(masked_scatter(ct__f32(t), mask, ct__f32(src), inplace), h);
  if (!t || !mask || !src) return NULL;
  if (mask->dtype != CT_BOOL && mask->dtype != CT_UINT8)
    return ct__err("masked_scatter_ only supports boolean masks, but got mask with dtype %s",
                   ct__dtype_short(mask->dtype));
  int nd = t->ndim;
  int64_t shp[CT_MAX_DIMS];
  memcpy(shp, t->shape, sizeof(int64_t) * (size_t)nd);
  if (inplace && !expandable(mask->ndim, mask->shape, nd, shp)) {
    if (mask->ndim > nd)
      return ct__err("expand(%s{%s}, size=%s): the number of sizes provided (%d) must be "
                     "greater or equal to the number of dimensions in the tensor (%d)",
                     mask->dtype == CT_BOOL ? "CPUBoolType" : "CPUByteType",
                     SHP(0, mask->ndim, mask->shape), SHP(1, nd, shp), nd, mask->ndim);
    int j = mask->ndim - 1;
    while (j > 0 && (mask->shape[j] == 1 || mask->shape[j] == shp[nd - mask->ndim + j])) j--;
    int d = nd - mask->ndim + j;
    return ct__err("The expanded size of the tensor (%lld) must match the existing size (%lld) "
                   "at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                   (long long)shp[d], (long long)mask->shape[j], d, SHP(0, nd, shp),
                   SHP(1, mask->ndim, mask->shape));
  }
  if (!inplace && ct__broadcast_shape(t->ndim, t->shape, mask->ndim, mask->shape, &nd, shp))
    return NULL;
  if (src->dtype != t->dtype)
    return ct__err("masked_scatter: expected self and source to have same dtypes but got%s and %s",
                   ct__dtype_short(t->dtype), ct__dtype_short(src->dtype));
  CT_OP_BEGIN();
  ct_tensor *m = ct__expand_raw(mask, nd, shp), *flat = m ? mask_positions(m) : NULL;
  if (!flat) return ct__op_end(NULL);
  int64_t cnt = flat->shape[0];
  if (cnt > ct_numel(src))
    return ct__op_end(ct__err("Number of elements of source < number of ones in mask"));
  ct_tensor *sc = ct__contig_as(src, src->dtype);
  ct_tensor *s1 = sc ? ct__make_view(sc, 1, (int64_t[]){cnt}, (int64_t[]){1}, sc->offset) : NULL;
  ct_tensor *out = s1 && flat ? put_copy(t, nd, shp, flat, s1, false) : NULL;
  if (out && ct_dtype_is_floating(out->dtype)) {
    ct_node *n = ct__node_new("MaskedScatterBackward0", masked_scatter_backward, 2,
                              (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)src}, 1);
    if (n) {
      ct__save(n, flat, false);
      ct__set_history(out, n, 0);
    }
  }
  return ct__op_end(out);
}

ct_tensor *ct_masked_scatter(const ct_tensor *t, const ct_tensor *mask, const ct_tensor *source) {
  return masked_scatter(t, mask, source, false);
}

/* ---- in place: the out-of-place ops through the one in-place driver -------------------- */
typedef struct {
  int kind; /* 0 index_put, 1 put, 2 masked_scatter */
  ct_tensor *const *indices;
  int n;
  const ct_tensor *index, *src;
  bool accumulate;
} inplace_arg;

static ct_tensor *run_inplace_arg(const ct_tensor *t, const void *arg) {
  const inplace_arg *a = arg;
  if (a->kind == 0) return ct_index_put(t, a->indices, a->n, a->src, a->accumulate);
  if (a->kind == 1) return ct_put(t, a->index, a->src, a->accumulate);
  return masked_scatter(t, a->index, a->src, true);
}

static ct_tensor *inplace(ct_tensor *t, const char *name, inplace_arg a) {
  if (!t || !a.src) return NULL;
  /* what is read must not overlap self at all while self is written (PyTorch's
   * assert_no_overlap: the same tensor too) */
  const ct_tensor *reads[CT_MAX_DIMS + 2];
  int k = 0;
  reads[k++] = a.src;
  if (a.index) reads[k++] = a.index;
  for (int i = 0; i < a.n && i < CT_MAX_DIMS && a.indices; i++)
    if (a.indices[i]) reads[k++] = a.indices[i];
  if (ct__assert_no_internal_overlap(t)) return NULL;
  for (int i = 0; i < k; i++) {
    ct_overlap_status st = ct__overlap_status(t, reads[i]);
    if (st == CT_OVERLAP_FULL || st == CT_OVERLAP_PARTIAL)
      return ct__err("unsupported operation: some elements of the input tensor and the "
                     "written-to tensor refer to a single memory location. Please clone() the "
                     "tensor before performing the operation.");
  }
  return ct__inplace(t, &(ct_inplace_spec){.name = name, .result_type = t->dtype,
                                           .call = run_inplace_arg, .arg = &a});
}

ct_tensor *ct_index_put_(ct_tensor *t, ct_tensor *const *indices, int n, const ct_tensor *values,
                         bool accumulate) {
  return inplace(t, "index_put_", (inplace_arg){0, indices, n, NULL, values, accumulate});
}
ct_tensor *ct_put_(ct_tensor *t, const ct_tensor *index, const ct_tensor *source, bool accumulate) {
  if (!index) return NULL;
  return inplace(t, "put_", (inplace_arg){1, NULL, 0, index, source, accumulate});
}
ct_tensor *ct_masked_scatter_(ct_tensor *t, const ct_tensor *mask, const ct_tensor *source) {
  if (!mask) return NULL;
  return inplace(t, "masked_scatter_", (inplace_arg){2, NULL, 0, mask, source, false});
}

/* t[indices] = value (a number, in t's dtype) */
ct_tensor *ct_index_put_scalar_(ct_tensor *t, ct_tensor *const *indices, int n, double value) {
  if (!t) return NULL;
  if (ct__check_value(value, t->dtype)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *v = ct_scalar_tensor(value, t->dtype);
  ct_tensor *r = v ? ct_index_put_(t, indices, n, v, false) : NULL;
  ct_scope_end();
  return r;
}

/* t[indices] += v as Python runs it: tmp = t[indices]; tmp += v; t[indices] = tmp (an
 * index_put_ without accumulate: a repeated position is written, not summed) */
ct_tensor *ct_index_iadd_(ct_tensor *t, ct_tensor *const *indices, int n, const ct_tensor *v) {
  if (!t || !v) return NULL;
  CT_OP_BEGIN();
  ct_tensor *tmp = ct_index(t, indices, n);
  ct_tensor *r = tmp && ct_add_(tmp, v) ? ct_index_put_(t, indices, n, tmp, false) : NULL;
  ct_scope_end();
  return r;
}
