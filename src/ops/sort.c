/* sort, argsort, topk: a typed, stable merge sort per slice along dim (slices run in
 * parallel); float32 slices use a stable radix sort, and topk with k <= n / 8 a bounded heap.
 * All give the stable sort's order (ties by index). NaN sorts above every number, as in
 * PyTorch: last ascending, first descending. */
/* FP exceptions are never inspected: lets GCC vectorise the float compares of the topk scan
 * (under the default -ftrapping-math they stay scalar); results are unchanged. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "../internal.h"

#include <math.h>

/* float32's own paths, defined after its kernels (they use kv_f32); both take v as void *:
 * a stable LSD radix sort (4 byte-wide passes) instead of the merge sort, and topk's heap
 * on packed (key, index) integers. */
static void radix_f32(const float *x, int64_t xs, int64_t n, bool desc, void *vv);
static void topk_f32(const float *x, int64_t xs, int64_t n, int64_t k, bool desc, void *vv);

/* The kernels sort_slices_<dtype>, one inclusion of sort_impl.h per dtype. */
#define CT_TEMPLATE "ops/sort_impl.h" /* relative to src/ */
#include "../each_dtype.h"

/* f's sort key as an unsigned: float order mapped to unsigned order, NaN (any payload) above
 * +inf, -0 equal to +0, as before_f32 orders them; complemented for descending. Branch-free
 * so scans over it vectorise. */
static inline uint32_t f32_key(float f, uint32_t descmask) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  u ^= (uint32_t)-(int32_t)(u >> 31) | 0x80000000u;
  u = f == 0 ? 0x80000000u : u;
  u = f != f ? 0xFFFFFFFFu : u;
  return u ^ descmask;
}

/* topk_heap_f32 with each candidate packed as key << 32 | index: the stable order becomes
 * one integer compare. The heap (root = last) lives in v's second half. */
static void topk_f32(const float *x, int64_t xs, int64_t n, int64_t k, bool desc, void *vv) {
  kv_f32 *v = vv;
  uint64_t *h = (uint64_t *)(v + n);
  uint32_t dm = desc ? 0xFFFFFFFFu : 0;
  for (int64_t j = 0; j < k; j++) h[j] = (uint64_t)f32_key(x[j * xs], dm) << 32 | (uint64_t)j;
#define SIFT_(m, i0)                                                                          \
  do {                                                                                        \
    int64_t i_ = (i0), c_;                                                                    \
    uint64_t e_ = h[i_];                                                                      \
    for (; (c_ = 2 * i_ + 1) < (m); i_ = c_) {                                                \
      if (c_ + 1 < (m) && h[c_ + 1] > h[c_]) c_++;                                            \
      if (e_ >= h[c_]) break;                                                                 \
      h[i_] = h[c_];                                                                          \
    }                                                                                         \
    h[i_] = e_;                                                                               \
  } while (0)
  for (int64_t j = k / 2 - 1; j >= 0; j--) SIFT_(k, j);
  for (int64_t j0 = k; j0 < n; j0 += 16) {
    int64_t j1 = j0 + 16 < n ? j0 + 16 : n;
    uint32_t thr = (uint32_t)(h[0] >> 32);
    int any = 0; /* a later index enters only with a strictly smaller key */
    if (xs == 1)
      for (int64_t j = j0; j < j1; j++) any |= f32_key(x[j], dm) < thr;
    else
      for (int64_t j = j0; j < j1; j++) any |= f32_key(x[j * xs], dm) < thr;
    if (!any) continue;
    for (int64_t j = j0; j < j1; j++) {
      uint32_t key = f32_key(x[j * xs], dm);
      if (key < (uint32_t)(h[0] >> 32)) {
        h[0] = (uint64_t)key << 32 | (uint64_t)j;
        SIFT_(k, 0);
      }
    }
  }
  for (int64_t m = k - 1; m > 0; m--) { /* heap sort: the root goes last */
    uint64_t r = h[0];
    h[0] = h[m];
    h[m] = r;
    SIFT_(m, 0);
  }
#undef SIFT_
  for (int64_t j = 0; j < k; j++) {
    int64_t i = (int64_t)(h[j] & 0xFFFFFFFFu);
    v[j] = (kv_f32){x[i * xs], i};
  }
}

/* x (n, stride xs) -> v[0..n): (value, index) in stable sorted order. Keys are the float
 * bits mapped to unsigned order, with NaN (any payload) above +inf and -0 equal to +0, as
 * before_f32 orders them; descending complements the keys, so ties still keep index order.
 * The keys and 32-bit indices live in v's second half (v holds 2n + 1 pairs). */
static void radix_f32(const float *x, int64_t xs, int64_t n, bool desc, void *vv) {
  kv_f32 *v = vv;
  uint32_t *ka = (uint32_t *)(v + n), *kb = ka + n, *ia = kb + n, *ib = ia + n;
  uint32_t cnt[4][256] = {{0}};
  for (int64_t j = 0; j < n; j++) {
    uint32_t u = f32_key(x[j * xs], desc ? 0xFFFFFFFFu : 0);
    ka[j] = u;
    ia[j] = (uint32_t)j;
    for (int b = 0; b < 4; b++) cnt[b][(u >> (8 * b)) & 255]++;
  }
  for (int b = 0; b < 4; b++) {
    uint32_t *c = cnt[b], sh = 8 * (uint32_t)b;
    if (c[(ka[0] >> sh) & 255] == (uint32_t)n) continue; /* one digit value: order unchanged */
    uint32_t sum = 0;
    for (int d = 0; d < 256; d++) {
      uint32_t t = c[d];
      c[d] = sum;
      sum += t;
    }
    for (int64_t j = 0; j < n; j++) {
      uint32_t o = c[(ka[j] >> sh) & 255]++;
      kb[o] = ka[j];
      ib[o] = ia[j];
    }
    uint32_t *t = ka;
    ka = kb, kb = t, t = ia, ia = ib, ib = t;
  }
  for (int64_t j = 0; j < n; j++) v[j] = (kv_f32){x[(int64_t)ia[j] * xs], ia[j]};
}

typedef int (*sort_fn)(const char *, int64_t, const int64_t *, int64_t, char *, char *,
                       const int64_t *, int64_t, int64_t, int64_t, bool);
#define SORT_ENTRY(E, T, tn) [E] = sort_slices_##tn,
static const sort_fn g_sorts[CT_NUM_DTYPES] = {CT_FOR_DTYPES(SORT_ENTRY)};

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

typedef struct {
  int64_t dim;
} sort_args;
CT_ARGS_TYPE(sort_args, NULL);

/* out = sort/topk(x) with indices: gx = zeros(x.shape).scatter(dim, indices, g) */
static void select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, sort_args)->dim;
  ct_tensor *z = ct_zeros_ex(n->in[0].ndim, n->in[0].shape, CT_TENSOR_OPTS(.dtype = n->in[0].dtype));
  gi[0] = n->in[0].ndim ? ct_scatter(z, dim, ct__saved(n, 0), g[0]) : g[0];
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
      CT_NEW_ARGS(nn, sort_args)->dim = d;
      ct__save(nn, inds, false);
      ct__set_history(vals, nn, 0);
    }
  }
  return (ct_tensor_pair){vals, inds};
}

ct_tensor_pair ct_sort(const ct_tensor *t, int64_t dim, bool descending, bool stable) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_sort(ct__f32(t), dim, descending, stable), h);
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
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_topk(ct__f32(t), k, dim, largest, sorted), h);
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
