/* The sparse COO layout's ops (include/ctorch/sparse.h): construction, coalesce, to_dense,
 * addition (sparse + sparse, dense + sparse), multiplication by a number, sparse_mask. The
 * layout itself (struct ct__sparse, the refusal of the generic entry points) is in
 * src/tensor/tensor_impl.h. Values are added row by row with one rounding per operation, as
 * PyTorch's CPU kernels do (no contraction into fused multiply-adds). */
#include "../internal.h"
#include "ctorch/sparse.h"

#define SPARSE_NOFMA __attribute__((optimize("fp-contract=off")))

static const ct__sparse *sp(const ct_tensor *t) { return t->sparse; }
static int64_t nnz_of(const ct_tensor *t) { return sp(t)->values->shape[0]; }

/* Elements of one value row: the product of the dense sizes. */
static int64_t row_len(const ct_tensor *t) {
  const ct_tensor *v = sp(t)->values;
  return ct__numel_of(v->ndim - 1, v->shape + 1);
}

/* x detached and contiguous, a private handle for the struct (NULL on error). */
static ct_tensor *plain(const ct_tensor *x, ct_dtype dt) {
  ct_tensor *c = ct__contig_as(x, dt);
  return c ? ct__alias(c) : NULL;
}

/* A new sparse tensor of (ndim, size) over indices / values (plain: contiguous, no history;
 * the struct takes a reference to each). */
static ct_tensor *make(ct_tensor *ind, ct_tensor *val, int ndim, const int64_t *size, bool coalesced) {
  if (!ind || !val) return NULL;
  ct__sparse *s = malloc(sizeof *s);
  ct_tensor *t = s ? ct__empty(val->dtype, 1, (const int64_t[]){0}) : NULL;
  if (!t) {
    free(s);
    return s ? NULL : ct__err("CPU: out of memory");
  }
  t->ndim = ndim;
  memcpy(t->shape, size, sizeof(int64_t) * (size_t)ndim);
  ct__contig_strides(ndim, t->shape, t->strides);
  ct__tensor_incref(ind);
  ct__tensor_incref(val);
  *s = (ct__sparse){ind, val, (int)ind->shape[0], coalesced || val->shape[0] <= 1};
  t->sparse = s;
  return t;
}

static ct_tensor *not_sparse(const char *what) {
  return ct__err("%s expected sparse coordinate tensor layout but got Strided", what);
}

/* ---- construction ---------------------------------------------------------------------- */
static int check_indices(const ct_tensor *ind, const int64_t *size) {
  const int64_t *ix = CT_PTR(ind, int64_t);
  int64_t n = ind->shape[1];
  for (int64_t d = 0; d < ind->shape[0]; d++)
    for (int64_t k = 0; k < n; k++) {
      int64_t v = ix[d * n + k];
      if (v < 0) return ct__errs("found negative index %lld for dim %lld", (long long)v, (long long)d);
      if (size && v >= size[d])
        return ct__errs("size is inconsistent with indices: for dim %lld, size is %lld but found "
                        "index %lld", (long long)d, (long long)size[d], (long long)v);
    }
  return 0;
}

static ct_tensor *coo_tensor(const ct_tensor *indices, const ct_tensor *values, int ndim,
                             const int64_t *size) {
  if (indices->sparse || values->sparse)
    return ct__err("expected indices and values to be dense tensors, but got layout torch.sparse_coo");
  if (indices->ndim != 2)
    return ct__err("indices must be sparse_dim x nnz, but got: %s", SHP(0, indices->ndim, indices->shape));
  if (ct_dtype_is_floating(indices->dtype) || indices->dtype == CT_BOOL) return ct__err("indices must be an int64 tensor");
  if (values->ndim < 1 || values->shape[0] != indices->shape[1])
    return ct__err("indices and values must have same nnz, but got nnz from indices: %lld, nnz "
                   "from values: %lld", (long long)indices->shape[1],
                   (long long)(values->ndim ? values->shape[0] : 1));
  int64_t sd = indices->shape[0], dd = values->ndim - 1, inferred[CT_MAX_DIMS];
  if (sd + dd > CT_MAX_DIMS) return ct__err("ctorch: too many dimensions");
  ct_tensor *ind = plain(indices, CT_INT64);
  if (!ind || check_indices(ind, size)) return NULL;
  if (!size) { /* max index + 1 per sparse dim, then the dense sizes */
    const int64_t *ix = CT_PTR(ind, int64_t);
    for (int64_t d = 0; d < sd; d++) {
      inferred[d] = 0;
      for (int64_t k = 0; k < ind->shape[1]; k++)
        if (ix[d * ind->shape[1] + k] + 1 > inferred[d]) inferred[d] = ix[d * ind->shape[1] + k] + 1;
    }
    for (int64_t d = 0; d < dd; d++) inferred[sd + d] = values->shape[1 + d];
    ndim = (int)(sd + dd);
    size = inferred;
  }
  if (ndim != sd + dd)
    return ct__err("number of dimensions must be sparse_dim (%lld) + dense_dim (%lld), but got %d",
                   (long long)sd, (long long)dd, ndim);
  if (ct__check_shape(ndim, size)) return NULL;
  if (memcmp(values->shape + 1, size + sd, sizeof(int64_t) * (size_t)dd)) {
    int64_t want[CT_MAX_DIMS];
    want[0] = values->shape[0];
    memcpy(want + 1, size + sd, sizeof(int64_t) * (size_t)dd);
    return ct__err("values has incorrect size, expected %s, got %s", SHP(0, (int)dd + 1, want),
                   SHP(1, values->ndim, values->shape));
  }
  return make(ind, plain(values, values->dtype), ndim, size, false);
}

ct_tensor *ct_sparse_coo_tensor(const ct_tensor *indices, const ct_tensor *values, int ndim,
                                const int64_t *size) {
  if (!indices || !values) return NULL;
  if (size && (ndim < 0 || ndim > CT_MAX_DIMS)) return ct__err("ctorch: invalid size length %d", ndim);
  CT_OP_BEGIN();
  return ct__op_end(coo_tensor(indices, values, ndim, size));
}

/* ---- queries --------------------------------------------------------------------------- */
bool ct_is_sparse(const ct_tensor *t) { return t && t->sparse; }
bool ct_is_coalesced(const ct_tensor *t) { return t && t->sparse && t->sparse->coalesced; }
int64_t ct_sparse_nnz(const ct_tensor *t) {
  if (!t) return -1;
  if (!t->sparse) return not_sparse("_nnz"), -1;
  return nnz_of(t);
}
int ct_sparse_dim(const ct_tensor *t) { return !t ? -1 : t->sparse ? t->sparse->sparse_dim : 0; }
int ct_dense_dim(const ct_tensor *t) { return !t ? -1 : t->sparse ? t->ndim - t->sparse->sparse_dim : t->ndim; }

ct_tensor *ct_sparse_indices_raw(const ct_tensor *t) {
  if (!t) return NULL;
  return t->sparse ? ct__share(t->sparse->indices) : not_sparse("_indices");
}
ct_tensor *ct_sparse_values_raw(const ct_tensor *t) {
  if (!t) return NULL;
  return t->sparse ? ct__share(t->sparse->values) : not_sparse("_values");
}
ct_tensor *ct_sparse_indices(const ct_tensor *t) {
  if (t && t->sparse && !t->sparse->coalesced)
    return ct__err("Cannot get indices on an uncoalesced tensor, please call .coalesce() first");
  return ct_sparse_indices_raw(t);
}
ct_tensor *ct_sparse_values(const ct_tensor *t) {
  if (t && t->sparse && !t->sparse->coalesced)
    return ct__err("Cannot get values on an uncoalesced tensor, please call .coalesce() first");
  return ct_sparse_values_raw(t);
}

/* ---- row kernels ----------------------------------------------------------------------- */
/* dst[0:n] += alpha * src[0:n] (alpha == 1: a plain add), in dst's dtype; src of dtype sdt. */
SPARSE_NOFMA static void row_axpy(ct_dtype dt, void *dst, ct_dtype sdt, const void *src, int64_t n,
                                  double alpha) {
  if (dt == CT_FLOAT32 && sdt == CT_FLOAT32) {
    float *d = dst, a = (float)alpha;
    const float *s = src;
    for (int64_t j = 0; j < n; j++) d[j] = alpha == 1 ? d[j] + s[j] : d[j] + a * s[j];
  } else if (dt == CT_FLOAT64 && sdt == CT_FLOAT64) {
    double *d = dst;
    const double *s = src;
    for (int64_t j = 0; j < n; j++) d[j] = alpha == 1 ? d[j] + s[j] : d[j] + alpha * s[j];
  } else { /* slow path: any other dtype pair, rounded through dt at each store */
    size_t de = ct_dtype_size(dt), se = ct_dtype_size(sdt);
    for (int64_t j = 0; j < n; j++) {
      char *p = (char *)dst + (size_t)j * de;
      ct__store(p, dt, ct__load(p, dt) + alpha * ct__load((const char *)src + (size_t)j * se, sdt));
    }
  }
}

/* Row-major linear index over the sparse dims of each of t's nnz entries (malloc'd). */
static int64_t *flat_keys(const ct_tensor *t) {
  int64_t n = nnz_of(t), sd = sp(t)->sparse_dim;
  int64_t *k = malloc((size_t)(n ? n : 1) * sizeof *k);
  if (!k) return ct__err("CPU: out of memory");
  const int64_t *ix = CT_PTR(sp(t)->indices, int64_t);
  for (int64_t i = 0; i < n; i++) {
    int64_t key = 0;
    for (int64_t d = 0; d < sd; d++) key = key * t->shape[d] + ix[d * n + i];
    k[i] = key;
  }
  return k;
}

/* ---- coalesce / to_dense --------------------------------------------------------------- */
typedef struct {
  int64_t key, pos;
} keyed;

static int keyed_cmp(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos; /* stable: duplicates sum in their order */
}

static ct_tensor *coalesce(const ct_tensor *t) {
  int64_t n = nnz_of(t), sd = sp(t)->sparse_dim, R = row_len(t);
  int64_t *k = flat_keys(t);
  keyed *o = k ? malloc((size_t)(n ? n : 1) * sizeof *o) : NULL;
  if (!o) {
    free(k);
    return k ? ct__err("CPU: out of memory") : NULL;
  }
  for (int64_t i = 0; i < n; i++) o[i] = (keyed){k[i], i};
  free(k);
  qsort(o, (size_t)n, sizeof *o, keyed_cmp);
  int64_t u = 0;
  for (int64_t i = 0; i < n; i++) u += i == 0 || o[i].key != o[i - 1].key;
  const ct_tensor *v = sp(t)->values;
  int64_t vshape[CT_MAX_DIMS];
  memcpy(vshape, v->shape, sizeof(int64_t) * (size_t)v->ndim);
  vshape[0] = u;
  ct_tensor *ind = ct__empty(CT_INT64, 2, (const int64_t[]){sd, u});
  ct_tensor *val = ct_zeros_ex(v->ndim, vshape, (ct_tensor_opts){.dtype = v->dtype});
  if (!ind || !val) {
    free(o);
    return NULL;
  }
  const int64_t *ix = CT_PTR(sp(t)->indices, int64_t);
  int64_t *oi = CT_PTR(ind, int64_t);
  size_t row = (size_t)R * ct_dtype_size(v->dtype);
  for (int64_t i = 0, j = -1; i < n; i++) {
    if (i == 0 || o[i].key != o[i - 1].key) {
      j++;
      for (int64_t d = 0; d < sd; d++) oi[d * u + j] = ix[d * n + o[i].pos];
    }
    row_axpy(v->dtype, ct__ptr(val) + (size_t)j * row, v->dtype, ct__ptr(v) + (size_t)o[i].pos * row, R, 1);
  }
  free(o);
  return make(ind, val, t->ndim, t->shape, true);
}

ct_tensor *ct_coalesce(const ct_tensor *t) {
  if (!t) return NULL;
  if (!t->sparse) return not_sparse("coalesce");
  if (t->sparse->coalesced) return ct__share(t);
  CT_OP_BEGIN();
  return ct__op_end(coalesce(t));
}

/* dense[key] += alpha * values[i] for each entry, dense viewed as (prod sparse sizes, R). */
static int scatter_rows(ct_tensor *dense, const ct_tensor *t, double alpha) {
  int64_t n = nnz_of(t), R = row_len(t);
  int64_t *k = flat_keys(t);
  if (!k) return -1;
  const ct_tensor *v = sp(t)->values;
  size_t drow = (size_t)R * ct_dtype_size(dense->dtype), vrow = (size_t)R * ct_dtype_size(v->dtype);
  for (int64_t i = 0; i < n; i++)
    row_axpy(dense->dtype, ct__ptr(dense) + (size_t)k[i] * drow, v->dtype, ct__ptr(v) + (size_t)i * vrow, R, alpha);
  free(k);
  return 0;
}

ct_tensor *ct_to_dense(const ct_tensor *t) {
  if (!t) return NULL;
  if (!t->sparse) return ct__share(t);
  CT_OP_BEGIN();
  ct_tensor *d = ct_zeros_ex(t->ndim, t->shape, (ct_tensor_opts){.dtype = t->dtype});
  return ct__op_end(d && !scatter_rows(d, t, 1) ? d : NULL);
}

/* ---- clone, detach, zero_, mul by a number ----------------------------------------------- */
ct_tensor *ct__sparse_clone(const ct_tensor *t) {
  CT_OP_BEGIN();
  ct_tensor *r = make(plain(ct_clone(sp(t)->indices), CT_INT64), plain(ct_clone(sp(t)->values), t->dtype),
                      t->ndim, t->shape, sp(t)->coalesced);
  return ct__op_end(r);
}

/* to(dtype): the values converted (plain(): rounded as ct_to rounds), the indices shared. No
 * autograd node: the sparse tensors that reach it are gradients (a 16-bit sparse Embedding's
 * float32 detour rounds its sparse gradient back through here). */
ct_tensor *ct__sparse_to(const ct_tensor *t, ct_dtype dt) {
  if (ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)t}))
    return ct__err("ctorch: to(%s) of a sparse tensor that requires grad is not differentiable here "
                   "(detach() it, or convert under no_grad)", ct_dtype_name(dt));
  CT_OP_BEGIN();
  return ct__op_end(make(sp(t)->indices, plain(sp(t)->values, dt), t->ndim, t->shape, sp(t)->coalesced));
}

ct_tensor *ct__sparse_detach(const ct_tensor *t) {
  return make(sp(t)->indices, sp(t)->values, t->ndim, t->shape, sp(t)->coalesced);
}

/* Replace t's indices and values by r's (in-place sparse ops: t keeps its identity). */
static ct_tensor *assign(ct_tensor *t, const ct_tensor *r) {
  if (!r) return NULL;
  ct__sparse *s = t->sparse, *q = r->sparse;
  ct__tensor_incref(q->indices);
  ct__tensor_incref(q->values);
  ct__tensor_decref(s->indices);
  ct__tensor_decref(s->values);
  *s = *q;
  t->dtype = r->dtype;
  ct__bump_version(t);
  return t;
}

/* zero_(): PyTorch resizes to sparse_dim = ndim, dense_dim = 0, nnz = 0. */
ct_tensor *ct__sparse_zero_(ct_tensor *t) {
  CT_OP_BEGIN();
  ct_tensor *ind = ct__empty(CT_INT64, 2, (const int64_t[]){t->ndim, 0});
  ct_tensor *val = ct__empty(t->dtype, 1, (const int64_t[]){0});
  ct_tensor *r = assign(t, make(ind, val, t->ndim, t->shape, true));
  ct_scope_end();
  return r;
}

static ct_tensor *scaled(const ct_tensor *t, const ct_tensor *s) {
  ct_tensor *v = ct_mul(sp(t)->values, s);
  return make(sp(t)->indices, v ? plain(v, v->dtype) : NULL, t->ndim, t->shape, sp(t)->coalesced);
}

/* sparse * number (a 0-dim dense tensor, either side): the values scaled, same indices. */
ct_tensor *ct__sparse_mul(const ct_tensor *a, const ct_tensor *b, bool inplace) {
  const ct_tensor *s = a->sparse ? a : b, *x = a->sparse ? b : a;
  if (x->sparse || x->ndim != 0 || (inplace && !a->sparse)) {
    ct__refuse_sparse("mul", a, b);
    return NULL;
  }
  CT_OP_BEGIN();
  ct_tensor *r = scaled(s, x);
  if (inplace) r = assign((ct_tensor *)a, r);
  return ct__op_end(r);
}

/* ---- addition ------------------------------------------------------------------------- */
static int same_size(const ct_tensor *a, const ct_tensor *b, bool dense_sparse) {
  if (a->ndim == b->ndim && !memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim)) return 0;
  if (dense_sparse)
    return ct__errs("add: expected 'self' and 'other' to have same size, but self has size %s "
                    "while other has size %s (FYI: dense-sparse addition does not currently "
                    "support broadcasting)", SHP(0, a->ndim, a->shape), SHP(1, b->ndim, b->shape));
  return ct__errs("add: expected sizes of 'self' and 'other' to match, but %s != %s",
                  SHP(0, a->ndim, a->shape), SHP(1, b->ndim, b->shape));
}

/* a + alpha * b, both sparse: b empty -> a; a empty -> alpha * b; both coalesced -> merged
 * (coalesced); else the entries of a then b (uncoalesced), as PyTorch's add_out_sparse_cpu. */
static ct_tensor *sparse_sparse(const ct_tensor *a, const ct_tensor *b, double alpha) {
  if (same_size(a, b, false)) return NULL;
  if (sp(a)->sparse_dim != sp(b)->sparse_dim)
    return ct__err("ctorch: add of sparse tensors with different sparse_dim (%d and %d) is not "
                   "supported", sp(a)->sparse_dim, sp(b)->sparse_dim);
  ct_dtype rt = ct_promote_types(a->dtype, b->dtype);
  ct_tensor *al = ct_scalar_tensor(alpha, rt);
  if (nnz_of(b) == 0 && a->dtype == rt) return ct__sparse_clone(a);
  if (nnz_of(a) == 0 && b->dtype == rt) return ct__sparse_clone(scaled(b, al));
  ct_tensor *bv = alpha == 1 ? sp(b)->values : ct_mul(sp(b)->values, al);
  ct_tensor *av = ct_to(sp(a)->values, rt);
  ct_tensor *ind = ct_cat((ct_tensor *const[]){sp(a)->indices, sp(b)->indices}, 2, 1);
  ct_tensor *val = bv && av ? ct_cat((ct_tensor *const[]){av, ct_to(bv, rt)}, 2, 0) : NULL;
  ct_tensor *r = make(ind ? plain(ind, CT_INT64) : NULL, val ? plain(val, rt) : NULL, a->ndim, a->shape, false);
  return r && sp(a)->coalesced && sp(b)->coalesced ? coalesce(r) : r;
}

/* dense + alpha * sparse, into d when inplace (d's dtype must hold the result). */
static ct_tensor *dense_sparse(ct_tensor *d, const ct_tensor *s, double alpha, bool inplace) {
  if (same_size(d, s, true)) return NULL;
  ct_dtype rt = ct_promote_types(d->dtype, s->dtype);
  if (inplace && rt != d->dtype)
    return ct__err("result type %s can't be cast to the desired output type %s",
                   ct__dtype_short(rt), ct__dtype_short(d->dtype));
  if (inplace && ct__inplace_check(d, NULL, rt)) return NULL;
  ct_tensor *out = inplace ? d : ct__contig_as(d, rt);
  if (!inplace && out == d) out = ct_clone(d);
  if (!out || !ct_is_contiguous(out)) /* an in-place add into a strided view */
    out = out ? ct__contig_as(out, rt) : NULL;
  if (!out || scatter_rows(out, s, alpha)) return NULL;
  if (out != d && inplace) ct__copy_into(d, out);
  if (inplace) ct__bump_version(d);
  return inplace ? d : out;
}

ct_tensor *ct__sparse_add(const ct_tensor *a, const ct_tensor *b, double alpha, bool inplace) {
  if (a->sparse && !b->sparse)
    return ct__err("add(sparse, dense) is not supported. Use add(dense, sparse) instead.");
  CT_OP_BEGIN();
  ct_tensor *r = !a->sparse ? dense_sparse((ct_tensor *)a, b, alpha, inplace) : sparse_sparse(a, b, alpha);
  if (inplace && a->sparse) r = assign((ct_tensor *)a, r);
  return ct__op_end(r);
}

/* ---- sparse_mask, to_sparse ------------------------------------------------------------- */
ct_tensor *ct_sparse_mask(const ct_tensor *dense, const ct_tensor *mask) {
  if (!dense || !mask) return NULL;
  if (!mask->sparse) return not_sparse("sparse_mask");
  if (dense->sparse) return ct__err("sparse_mask: expected self to be a strided tensor");
  if (same_size(dense, mask, false)) return NULL;
  CT_OP_BEGIN();
  int64_t n = nnz_of(mask), R = row_len(mask);
  int64_t *k = flat_keys(mask);
  ct_tensor *d = ct__contig_as(dense, dense->dtype);
  int64_t vshape[CT_MAX_DIMS];
  memcpy(vshape, sp(mask)->values->shape, sizeof(int64_t) * (size_t)sp(mask)->values->ndim);
  ct_tensor *val = d && k ? ct__empty(dense->dtype, sp(mask)->values->ndim, vshape) : NULL;
  if (val) {
    size_t row = (size_t)R * ct_dtype_size(dense->dtype);
    for (int64_t i = 0; i < n; i++) memcpy(ct__ptr(val) + (size_t)i * row, ct__ptr(d) + (size_t)k[i] * row, row);
  }
  free(k);
  return ct__op_end(make(val ? sp(mask)->indices : NULL, val, mask->ndim, mask->shape, sp(mask)->coalesced));
}

ct_tensor *ct_to_sparse(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->sparse) return ct__share(t);
  CT_OP_BEGIN();
  ct_tensor *c = ct__contig_as(t, CT_FLOAT64), *src = ct__contig_as(t, t->dtype);
  if (!c || !src) return ct__op_end(NULL);
  int64_t N = ct_numel(t), n = 0, nd = t->ndim;
  const double *p = CT_PTR(c, double);
  for (int64_t i = 0; i < N; i++) n += p[i] != 0;
  ct_tensor *ind = ct__empty(CT_INT64, 2, (const int64_t[]){nd, n});
  ct_tensor *val = ct__empty(t->dtype, 1, &n);
  if (!ind || !val) return ct__op_end(NULL);
  int64_t *ix = CT_PTR(ind, int64_t);
  size_t es = ct_dtype_size(t->dtype);
  for (int64_t i = 0, j = 0; i < N; i++) {
    if (p[i] == 0) continue;
    for (int64_t d = nd - 1, r = i; d >= 0; d--) {
      ix[d * n + j] = r % t->shape[d];
      r /= t->shape[d];
    }
    memcpy(ct__ptr(val) + (size_t)j * es, ct__ptr(src) + (size_t)i * es, es);
    j++;
  }
  return ct__op_end(make(ind, val, t->ndim, t->shape, true));
}
