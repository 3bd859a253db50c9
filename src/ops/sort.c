/* sort, argsort, topk: a typed, stable merge sort per slice along dim (slices run in
 * parallel). NaN sorts above every number, as in PyTorch: last ascending, first descending. */
#include "../internal.h"

/* Merge sort of n (key, index) pairs; BEFORE(a, b) true when a must precede b. Ties keep
 * their order, so the sort is stable. */
#define SORT_IMPL(T, tn)                                                                      \
  typedef struct {                                                                            \
    T k;                                                                                      \
    int64_t i;                                                                                \
  } kv_##tn;                                                                                  \
  static inline bool before_##tn(T a, T b, bool desc) {                                       \
    bool an = a != a, bn = b != b; /* NaN tests; always false for integers */                 \
    return desc ? (a > b) || (an && !bn) : (a < b) || (!an && bn);                             \
  }                                                                                           \
  static void msort_##tn(kv_##tn *v, kv_##tn *tmp, int64_t n, bool desc) {                    \
    for (int64_t w = 1; w < n; w *= 2) {                                                      \
      for (int64_t lo = 0; lo < n; lo += 2 * w) {                                             \
        int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;          \
        int64_t a = lo, b = mid, o = lo;                                                      \
        while (a < mid && b < hi) tmp[o++] = before_##tn(v[b].k, v[a].k, desc) ? v[b++] : v[a++]; \
        while (a < mid) tmp[o++] = v[a++];                                                    \
        while (b < hi) tmp[o++] = v[b++];                                                     \
      }                                                                                       \
      memcpy(v, tmp, sizeof(kv_##tn) * (size_t)n);                                            \
    }                                                                                         \
  }                                                                                           \
  /* x slices of length n (stride xs) -> values (vs) + int64 indices (is), k kept */          \
  static int sort_slices_##tn(const char *x, int64_t nslices, const int64_t *xoff, int64_t xs, \
                              char *vals, char *inds, const int64_t *ooff, int64_t os,        \
                              int64_t n, int64_t k, bool desc) {                              \
    int fail = 0;                                                                             \
    _Pragma("omp parallel if (nslices > 1 && nslices * n > CT_GRAIN)")                       \
    {                                                                                         \
      kv_##tn *v = malloc(sizeof(kv_##tn) * (size_t)(2 * n + 1));                             \
      if (!v) fail = 1;                                                                       \
      _Pragma("omp for schedule(static)")                                                     \
      for (int64_t s = 0; s < nslices; s++) {                                                 \
        if (!v) continue;                                                                     \
        const T *px = (const T *)x + xoff[s];                                                 \
        for (int64_t j = 0; j < n; j++) v[j] = (kv_##tn){px[j * xs], j};                      \
        msort_##tn(v, v + n, n, desc);                                                        \
        T *pv = (T *)vals + ooff[s];                                                          \
        int64_t *pi = (int64_t *)inds + ooff[s];                                              \
        for (int64_t j = 0; j < k; j++) {                                                     \
          pv[j * os] = v[j].k;                                                                \
          pi[j * os] = v[j].i;                                                                \
        }                                                                                     \
      }                                                                                       \
      free(v);                                                                                \
    }                                                                                         \
    return fail;                                                                              \
  }
SORT_IMPL(bool, b)
SORT_IMPL(uint8_t, u8)
SORT_IMPL(int8_t, i8)
SORT_IMPL(int16_t, i16)
SORT_IMPL(int32_t, i32)
SORT_IMPL(int64_t, i64)
SORT_IMPL(float, f32)
SORT_IMPL(double, f64)

typedef int (*sort_fn)(const char *, int64_t, const int64_t *, int64_t, char *, char *,
                       const int64_t *, int64_t, int64_t, int64_t, bool);
static const sort_fn g_sorts[CT_NUM_DTYPES] = {sort_slices_b,   sort_slices_u8,  sort_slices_i8,
                                               sort_slices_i16, sort_slices_i32, sort_slices_i64,
                                               sort_slices_f32, sort_slices_f64};

/* Element offsets of every slice start along d (all dims but d), for a tensor of shape. */
static int64_t *slice_offsets(int nd, const int64_t *shape, const int64_t *st, int d, int64_t *count) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++)
    if (i != d) n *= shape[i];
  int64_t *off = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
  if (!off) return ct__err("CPU: out of memory");
  for (int64_t s = 0; s < n; s++) {
    int64_t rem = s, o = 0;
    for (int i = nd - 1; i >= 0; i--) {
      if (i == d) continue;
      o += (rem % shape[i]) * st[i];
      rem /= shape[i];
    }
    off[s] = o;
  }
  *count = n;
  return off;
}

/* out = sort/topk(x) with indices: gx = zeros(x.shape).scatter(dim, indices, g) */
static void select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *z = ct_zeros_(n->in[0].ndim, n->in[0].shape, CT_TENSOR_OPTS(.dtype = n->in[0].dtype));
  gi[0] = n->in[0].ndim ? ct_scatter(z, n->i[0], ct__saved(n, 0), g[0]) : g[0];
}

/* x (..., S, ...) -> values, indices (..., k, ...): the first k of the sorted slice */
static ct_tensor_pair sort_k(const ct_tensor *t, int64_t d, int64_t k, bool desc, const char *name) {
  ct_tensor_pair r = {0};
  int nd = t->ndim ? t->ndim : 1; /* a 0-dim tensor sorts as one slice of one element */
  int64_t xshape[CT_MAX_DIMS], shp[CT_MAX_DIMS], ist[CT_MAX_DIMS], ost[CT_MAX_DIMS];
  memcpy(xshape, t->shape, sizeof xshape);
  memcpy(ist, t->strides, sizeof ist);
  if (!t->ndim) xshape[0] = 1, ist[0] = 1;
  memcpy(shp, xshape, sizeof shp);
  int64_t n = xshape[d], nsl, nsl2;
  shp[d] = k;
  ct_tensor *vals = ct__empty(t->dtype, t->ndim, shp);
  ct_tensor *inds = ct__empty(CT_INT64, t->ndim, shp);
  if (!vals || !inds) return r;
  ct__contig_strides(nd, shp, ost);
  int64_t *xoff = slice_offsets(nd, xshape, ist, (int)d, &nsl);
  int64_t *ooff = xoff ? slice_offsets(nd, shp, ost, (int)d, &nsl2) : NULL;
  int fail = !xoff || !ooff;
  if (!fail && n > 0 && ct_numel(t) > 0)
    fail = g_sorts[t->dtype](ct__ptr(t), nsl, xoff, ist[d], ct__ptr(vals), ct__ptr(inds), ooff,
                             ost[d], n, k, desc);
  free(xoff);
  free(ooff);
  if (fail) return (ct_tensor_pair){ct__err("CPU: out of memory"), NULL};
  if (ct_dtype_is_floating(t->dtype)) {
    ct_node *nn = ct__node_new(name, select_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (nn) {
      nn->i[0] = d;
      ct__save(nn, inds, false);
      ct__set_history(vals, nn, 0);
    }
  }
  return (ct_tensor_pair){vals, inds};
}

ct_tensor_pair ct_sort(const ct_tensor *t, int64_t dim, bool descending, bool stable) {
  (void)stable; /* the merge sort is always stable */
  if (!t) return (ct_tensor_pair){0};
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return (ct_tensor_pair){0};
  return sort_k(t, d, t->ndim ? t->shape[d] : 1, descending, "SortBackward0");
}

ct_tensor *ct_argsort(const ct_tensor *t, int64_t dim, bool descending) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  ct_tensor_pair p = ct_sort(t, dim, descending, false);
  return ct__op_end(p.indices);
}

ct_tensor_pair ct_topk(const ct_tensor *t, int64_t k, int64_t dim, bool largest, bool sorted) {
  (void)sorted; /* results always come sorted, which PyTorch allows for sorted=False */
  if (!t) return (ct_tensor_pair){0};
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return (ct_tensor_pair){0};
  int64_t size = t->ndim ? t->shape[d] : 1;
  if (k < 0 || k > size) return (ct_tensor_pair){ct__err("selected index k out of range"), NULL};
  /* a 0-dim result always holds its one element: PyTorch's topk(0) of a 0-dim tensor is the
   * element itself (k = 0 would leave it unwritten) */
  if (t->ndim == 0) k = 1;
  return sort_k(t, d, k, largest, "TopkBackward0");
}
