/* Search and counting: unique, unique_consecutive, searchsorted, bucketize, bincount, histc.
 * None is differentiable (as in PyTorch). unique sorts with ct_sort (radix for float32) and
 * marks where adjacent values differ; searchsorted runs a binary search per value, values in
 * parallel, on the common dtype of the two tensors. */
#include "../internal.h"
#include "reduce.h"

#include <math.h>

/* ---- unique / unique_consecutive --------------------------------------------------------- */
/* v (n, contiguous) -> d[i] = v[i] != v[i-1] (d[0] = 1): where a new run starts. NaNs differ. */
#define ADJ_NE(E, T, tn)                                                                       \
  static void adj_ne_##tn(const void *vv, int64_t n, uint8_t *d) {                             \
    const T *v = vv;                                                                           \
    if (n) d[0] = 1;                                                                           \
    _Pragma("omp parallel for if (n >= (1 << 16))")                                            \
    for (int64_t i = 1; i < n; i++) d[i] = !(v[i] == v[i - 1]);                                \
  }
CT_FOR_DTYPES(ADJ_NE)
#define ADJ_ENTRY(E, T, tn) [E] = adj_ne_##tn,
static void (*const g_adj_ne[CT_NUM_DTYPES])(const void *, int64_t, uint8_t *) = {CT_FOR_DTYPES(ADJ_ENTRY)};

/* rows (n, m) contiguous -> d[i] = row i differs from row i - 1 */
static void rows_ne(const ct_tensor *rows, int64_t n, int64_t m, uint8_t *d) {
  size_t es = ct_dtype_size(rows->dtype);
  const char *p = ct__ptr(rows);
  for (int64_t i = 0; i < n; i++) {
    d[i] = i == 0;
    for (int64_t j = 0; j < m && !d[i]; j++)
      d[i] = ct__load(p + (i * m + j) * (int64_t)es, rows->dtype) !=
             ct__load(p + ((i - 1) * m + j) * (int64_t)es, rows->dtype);
  }
}

/* From the run starts d of n sorted items (perm: the original position of sorted item i, or
 * NULL for the identity): first[k] the sorted position where run k starts, inverse and counts.
 * Returns the run count. */
static int64_t runs(const uint8_t *d, int64_t n, const int64_t *perm, int64_t *first, int64_t *inverse,
                    int64_t *counts) {
  int64_t k = -1;
  for (int64_t i = 0; i < n; i++) {
    if (d[i]) first[++k] = i;
    if (inverse) inverse[perm ? perm[i] : i] = k;
  }
  if (counts)
    for (int64_t r = 0; r <= k; r++) counts[r] = (r < k ? first[r + 1] : n) - first[r];
  return k + 1;
}

/* Sorted unique of integers whose range is at most 4n + 1024 wide: a count per value in the
 * range, no sort (O(n + range)). false (nothing made) when the range is wider. */
static bool unique_by_counting(const ct_tensor *t, ct_unique_opts o, ct_unique_result *r) {
  int64_t n = ct_numel(t);
  ct_tensor *x = ct__contig_as(t, CT_INT64);
  if (!x || n == 0) return false;
  const int64_t *xp = CT_PTR(x, int64_t);
  int64_t lo = xp[0], hi = xp[0];
  for (int64_t i = 1; i < n; i++) lo = xp[i] < lo ? xp[i] : lo, hi = xp[i] > hi ? xp[i] : hi;
  uint64_t range = (uint64_t)hi - (uint64_t)lo + 1;
  if (range == 0 || range > 4 * (uint64_t)n + 1024) return false;
  int64_t *cnt = calloc(range, sizeof *cnt), k = 0;
  if (!cnt) return false;
  for (int64_t i = 0; i < n; i++) cnt[xp[i] - lo]++;
  for (uint64_t v = 0; v < range; v++) k += cnt[v] != 0;
  ct_tensor *vals = ct__empty(CT_INT64, 1, &k), *counts = o.return_counts ? ct__empty(CT_INT64, 1, &k) : NULL;
  ct_tensor *inv = o.return_inverse ? ct__empty(CT_INT64, t->ndim, t->shape) : NULL;
  if (vals && (counts || !o.return_counts) && (inv || !o.return_inverse)) {
    int64_t j = 0;
    for (uint64_t v = 0; v < range; v++) {
      if (!cnt[v]) continue;
      CT_PTR(vals, int64_t)[j] = lo + (int64_t)v;
      if (counts) CT_PTR(counts, int64_t)[j] = cnt[v];
      cnt[v] = j++; /* now the value's position */
    }
    for (int64_t i = 0; inv && i < n; i++) CT_PTR(inv, int64_t)[i] = cnt[xp[i] - lo];
    *r = (ct_unique_result){ct_to(vals, t->dtype), inv, counts};
  }
  free(cnt);
  return r->values != NULL;
}

/* unique of the flattened t (sorted, or consecutive runs only) */
static ct_unique_result unique_flat(const ct_tensor *t, ct_unique_opts o, bool consecutive) {
  ct_unique_result r = {0};
  if (!consecutive && !ct_dtype_is_floating(t->dtype) && unique_by_counting(t, o, &r)) return r;
  int64_t n = ct_numel(t);
  ct_tensor *flat = ct_contiguous(ct_reshape(ct_detach(t), 1, &n)), *sv = flat, *si = NULL;
  if (!flat) return r;
  if (!consecutive) {
    ct_tensor_pair p = ct_sort(flat, 0, false, true);
    sv = p.values, si = p.indices;
    if (!si) return r;
  }
  uint8_t *d = malloc((size_t)(n ? n : 1));
  ct_tensor *first = ct__empty(CT_INT64, 1, &n);
  ct_tensor *inv = o.return_inverse ? ct__empty(CT_INT64, t->ndim, t->shape) : NULL;
  ct_tensor *cnt = o.return_counts ? ct__empty(CT_INT64, 1, &n) : NULL;
  if (!d || !first || (o.return_inverse && !inv) || (o.return_counts && !cnt)) {
    free(d);
    r.values = ct__err("CPU: out of memory");
    return r;
  }
  g_adj_ne[t->dtype](ct__ptr(sv), n, d);
  int64_t k = runs(d, n, si ? CT_PTR(si, int64_t) : NULL, CT_PTR(first, int64_t),
                   inv ? CT_PTR(inv, int64_t) : NULL, cnt ? CT_PTR(cnt, int64_t) : NULL);
  free(d);
  r.values = ct_index_select(sv, 0, ct_narrow(first, 0, 0, k));
  r.inverse = inv;
  r.counts = cnt ? ct_narrow(cnt, 0, 0, k) : NULL;
  return r;
}

/* t with dim d moved first (a view) */
static ct_tensor *dim_first(const ct_tensor *t, int64_t d) {
  int64_t perm[CT_MAX_DIMS];
  perm[0] = d;
  for (int i = 0, j = 1; i < t->ndim; i++)
    if (i != d) perm[j++] = i;
  return ct_permute(t, t->ndim, perm);
}

/* unique slices of t along dim: the slices as rows, sorted lexicographically (a stable
 * argsort per column, last column first), then runs of equal rows. */
static ct_unique_result unique_dim(const ct_tensor *t, int64_t dim, ct_unique_opts o, bool consecutive) {
  ct_unique_result r = {0};
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return r;
  int64_t n = t->shape[d], m = n ? ct_numel(t) / n : 0, shp[2] = {n, m};
  ct_tensor *rows = ct_contiguous(ct_reshape(ct_contiguous(dim_first(ct_detach(t), d)), 2, shp));
  if (!rows) return r;
  ct_tensor *perm = ct_arange(0, (double)n, 1, .dtype = CT_INT64);
  if (!consecutive) /* LSD: stable sorts by each column from the last make the order lexicographic */
    for (int64_t j = m - 1; j >= 0 && perm; j--) {
      ct_tensor *col = ct_index_select(ct_select(rows, 1, j), 0, perm);
      perm = ct_index_select(perm, 0, ct_sort(col, 0, false, true).indices);
    }
  ct_tensor *sorted = perm ? ct_contiguous(ct_index_select(rows, 0, perm)) : NULL;
  uint8_t *dd = malloc((size_t)(n ? n : 1));
  ct_tensor *first = ct__empty(CT_INT64, 1, &n);
  ct_tensor *inv = o.return_inverse ? ct__empty(CT_INT64, 1, &n) : NULL;
  ct_tensor *cnt = o.return_counts ? ct__empty(CT_INT64, 1, &n) : NULL;
  if (!sorted || !dd || !first || (o.return_inverse && !inv) || (o.return_counts && !cnt)) {
    free(dd);
    if (!ct_last_error()) ct__errs("CPU: out of memory");
    return r;
  }
  rows_ne(sorted, n, m, dd);
  int64_t k = runs(dd, n, CT_PTR(perm, int64_t), CT_PTR(first, int64_t), inv ? CT_PTR(inv, int64_t) : NULL,
                   cnt ? CT_PTR(cnt, int64_t) : NULL);
  free(dd);
  r.values = ct_index_select(t, d, ct_index_select(perm, 0, ct_narrow(first, 0, 0, k)));
  r.inverse = inv;
  r.counts = cnt ? ct_narrow(cnt, 0, 0, k) : NULL;
  return r;
}

static ct_unique_result unique_impl(const ct_tensor *t, ct_unique_opts o, bool consecutive) {
  ct_unique_result r = {0};
  if (!t) return r;
  CT_OP_BEGIN();
  const ct_tensor *t32 = ct__f32(t); /* float16 / bfloat16: sorted in float32, values exact */
  r = o.dim == CT_NONE ? unique_flat(t32, o, consecutive) : unique_dim(t32, o.dim, o, consecutive);
  if (r.values && t32 != t) r.values = ct_to(r.values, t->dtype);
  if (!r.values) {
    ct_scope_end();
    return (ct_unique_result){0};
  }
  ct_keep(r.values);
  if (r.inverse) ct_keep(r.inverse);
  if (r.counts) ct_keep(r.counts);
  ct_scope_end();
  return r;
}

ct_unique_result ct_unique_ex(const ct_tensor *t, ct_unique_opts o) { return unique_impl(t, o, false); }
ct_unique_result ct_unique_consecutive_ex(const ct_tensor *t, ct_unique_opts o) {
  return unique_impl(t, o, true);
}

/* ---- searchsorted / bucketize -------------------------------------------------------------- */
/* bd (rows, m) sorted boundaries, v (rows, k) values -> out (rows, k): per value the first
 * position i with bd[i] >= v (right: bd[i] > v), as PyTorch's cus_lower/upper_bound, so a NaN
 * value goes last. bd_rows == 1: every value row searches the one boundary row. sorter
 * (same shape as bd) gives bd's order. */
#define SEARCH_KERNEL(T, tn)                                                                   \
  static void search_##tn(const T *bd, int64_t bd_rows, int64_t m, const T *v, int64_t rows,  \
                          int64_t k, const int64_t *sorter, bool right, int64_t *out) {        \
    _Pragma("omp parallel for if (rows * k >= (1 << 14))")                                     \
    for (int64_t q = 0; q < rows * k; q++) {                                                   \
      int64_t r = bd_rows == 1 ? 0 : q / k;                                                    \
      const T *b = bd + r * m;                                                                 \
      const int64_t *s = sorter ? sorter + r * m : NULL;                                       \
      T x = v[q];                                                                              \
      int64_t lo = 0, hi = m;                                                                  \
      while (lo < hi) {                                                                        \
        int64_t mid = lo + (hi - lo) / 2;                                                      \
        T bv = s ? b[s[mid]] : b[mid];                                                         \
        if (right ? !(bv > x) : !(bv >= x)) lo = mid + 1;                                      \
        else hi = mid;                                                                         \
      }                                                                                        \
      out[q] = lo;                                                                             \
    }                                                                                          \
  }
SEARCH_KERNEL(float, f32)
SEARCH_KERNEL(double, f64)
SEARCH_KERNEL(int64_t, i64)

static void fmt_shape(char *buf, size_t n, const ct_tensor *t) {
  size_t o = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < t->ndim && o < n; i++)
    o += (size_t)snprintf(buf + o, n - o, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
  if (o < n) snprintf(buf + o, n - o, "]");
}

static int search_checks(const ct_tensor *bd, const ct_tensor *v, const ct_tensor *sorter) {
  char a[256], b[256];
  bool ok = bd->ndim == 1;
  if (!ok && bd->ndim == v->ndim) {
    ok = true;
    for (int i = 0; i < bd->ndim - 1; i++) ok &= bd->shape[i] == v->shape[i];
  }
  if (!ok) {
    fmt_shape(a, sizeof a, bd), fmt_shape(b, sizeof b, v);
    return ct__errs("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                    "dimensions of boundaries tensor and input value tensor must match, but we got "
                    "boundaries tensor %s and input value tensor %s", a, b);
  }
  if (sorter) {
    if (sorter->dtype != CT_INT64)
      return ct__errs("torch.searchsorted(): sorter must be a tensor of long dtype but got dtype %s",
                      ct__dtype_short(sorter->dtype));
    bool same = sorter->ndim == bd->ndim;
    for (int i = 0; same && i < bd->ndim; i++) same = sorter->shape[i] == bd->shape[i];
    if (!same) {
      fmt_shape(a, sizeof a, bd), fmt_shape(b, sizeof b, sorter);
      return ct__errs("torch.searchsorted(): boundary and sorter must have the same size, but got "
                      "boundary tensor %sand got sorter tensor %s", a, b);
    }
  }
  return 0;
}

ct_tensor *ct_searchsorted_ex(const ct_tensor *sorted_sequence, const ct_tensor *t, ct_search_opts o) {
  const ct_tensor *bd = sorted_sequence;
  if (!bd || !t) return NULL;
  if (search_checks(bd, t, o.sorter)) return NULL;
  if (bd->ndim == 0) return ct__err("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor [] and input value tensor []");
  CT_OP_BEGIN();
  bool fl = ct_dtype_is_floating(bd->dtype) || ct_dtype_is_floating(t->dtype);
  ct_dtype dt = !fl ? CT_INT64
                    : bd->dtype == CT_FLOAT64 || t->dtype == CT_FLOAT64 ? CT_FLOAT64 : CT_FLOAT32;
  ct_tensor *b = ct__contig_as(bd, dt), *v = ct__contig_as(t, dt);
  ct_tensor *s = o.sorter ? ct__contig_as(o.sorter, CT_INT64) : NULL;
  ct_tensor *out = v ? ct__empty(CT_INT64, t->ndim, t->shape) : NULL;
  if (!b || !out || (o.sorter && !s)) return ct__op_end(NULL);
  int64_t m = bd->shape[bd->ndim - 1], bd_rows = m ? ct_numel(bd) / m : 1;
  int64_t k = t->ndim ? t->shape[t->ndim - 1] : 1, rows = k ? ct_numel(t) / k : 0;
  if (bd->ndim == 1) k = ct_numel(t), rows = 1;
  const int64_t *sp = s ? CT_PTR(s, int64_t) : NULL;
  int64_t *op = CT_PTR(out, int64_t);
  if (dt == CT_FLOAT32) search_f32(CT_PTR(b, float), bd_rows, m, CT_PTR(v, float), rows, k, sp, o.right, op);
  else if (dt == CT_FLOAT64) search_f64(CT_PTR(b, double), bd_rows, m, CT_PTR(v, double), rows, k, sp, o.right, op);
  else search_i64(CT_PTR(b, int64_t), bd_rows, m, CT_PTR(v, int64_t), rows, k, sp, o.right, op);
  return ct__op_end(o.out_int32 ? ct_to(out, CT_INT32) : out);
}

ct_tensor *ct_bucketize(const ct_tensor *t, const ct_tensor *boundaries, bool out_int32, bool right) {
  if (!t || !boundaries) return NULL;
  if (boundaries->ndim != 1)
    return ct__err("boundaries tensor must be 1 dimension, but got dim(%d)", boundaries->ndim);
  return ct_searchsorted_ex(boundaries, t, (ct_search_opts){.out_int32 = out_int32, .right = right});
}

/* ---- bincount / histc ---------------------------------------------------------------------- */
ct_tensor *ct_bincount(const ct_tensor *t, const ct_tensor *weights, int64_t minlength) {
  if (!t) return NULL;
  if (ct_dtype_is_floating(t->dtype) || t->dtype == CT_BOOL)
    return ct__err("\"bincount_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  if (minlength < 0) return ct__err("minlength should be >= 0");
  if (t->ndim != 1) return ct__err("bincount only supports 1-d non-negative integral inputs.");
  if (weights && (weights->ndim != 1 || weights->shape[0] != t->shape[0]))
    return ct__err("weights should be 1-d and have the same length as input");
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, CT_INT64);
  if (!x) return ct__op_end(NULL);
  int64_t n = t->shape[0], len = minlength, *xp = CT_PTR(x, int64_t);
  for (int64_t i = 0; i < n; i++) {
    if (xp[i] < 0) return ct__op_end(ct__err("bincount only supports 1-d non-negative integral inputs."));
    if (xp[i] >= len) len = xp[i] + 1;
  }
  /* float weights keep their dtype; integer ones count in double, as PyTorch */
  ct_dtype wdt = !weights ? CT_INT64 : ct_dtype_is_floating(weights->dtype) ? weights->dtype : CT_FLOAT64;
  ct_tensor *w = weights ? ct__contig_as(weights, CT_FLOAT64) : NULL;
  ct_tensor *acc = ct_zeros_ex(1, &len, CT_TENSOR_OPTS(.dtype = weights ? CT_FLOAT64 : CT_INT64));
  if (!acc || (weights && !w)) return ct__op_end(NULL);
  for (int64_t i = 0; i < n; i++) {
    if (w) CT_PTR(acc, double)[xp[i]] += CT_PTR(w, double)[i];
    else CT_PTR(acc, int64_t)[xp[i]]++;
  }
  return ct__op_end(ct_to(acc, wdt));
}

ct_tensor *ct_histc(const ct_tensor *t, int64_t bins, double min, double max) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"histogram_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  if (bins <= 0)
    return ct__err("torch.histogram(): bins must be > 0, but got %lld for dimension 0", (long long)bins);
  if (min > max) return ct__err("torch.histc: max must be larger than min");
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, CT_FLOAT64);
  if (!x) return ct__op_end(NULL);
  int64_t n = ct_numel(x);
  const double *xp = CT_PTR(x, double);
  if (min == max && n) { /* the data's range */
    min = INFINITY, max = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      if (isnan(xp[i])) min = max = NAN;
      if (isnan(min)) break;
      min = fmin(min, xp[i]), max = fmax(max, xp[i]);
    }
  }
  if (!isfinite(min) || !isfinite(max))
    return ct__op_end(ct__err("torch.histc: range of [%s%g, %s%g] is not finite", isnan(min) ? "-" : "",
                              min, isnan(max) ? "-" : "", max));
  if (min == max) min -= 1, max += 1;
  /* edges are computed in t's dtype, as PyTorch's linspace of bin edges */
  bool f32 = t->dtype == CT_FLOAT32;
  if (f32) min = (float)min, max = (float)max;
  ct_tensor *h = ct_zeros_ex(1, &bins, CT_TENSOR_OPTS(.dtype = CT_FLOAT64));
  if (!h) return ct__op_end(NULL);
  for (int64_t i = 0; i < n; i++) {
    double v = xp[i];
    if (!(v >= min && v <= max)) continue;
    int64_t b = (int64_t)((v - min) * (double)bins / (max - min));
    if (b >= bins) b = bins - 1; /* the right edge belongs to the last bin */
    CT_PTR(h, double)[b] += 1;
  }
  return ct__op_end(ct_to(h, t->dtype));
}

/* ---- take_along_dim ------------------------------------------------------------------------ */
/* gather(t, dim, idx) after broadcasting t and idx against each other except along dim; no
 * dim: gather from the flattened t. Differentiable through gather (GatherBackward0). */
ct_tensor *ct_take_along_dim(const ct_tensor *t, const ct_tensor *indices, int64_t dim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_take_along_dim(ct__f32(t), indices, dim), h);
  if (!t || !indices) return NULL;
  if (indices->dtype != CT_INT64)
    return ct__err("torch.take_along_dim(): dtype of indices should be Long but got %s",
                   ct__dtype_short(indices->dtype));
  CT_OP_BEGIN();
  if (dim == CT_NONE) {
    int64_t n = ct_numel(t), k = ct_numel(indices);
    return ct__op_end(ct_gather(ct_reshape(t, 1, &n), 0, ct_reshape(indices, 1, &k)));
  }
  if (t->ndim != indices->ndim)
    return ct__op_end(ct__err("torch.take_along_dim(): input and indices should have the same number of "
                              "dimensions, but got %d dimensions for input, and %d dimensions for indices",
                              t->ndim, indices->ndim));
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return ct__op_end(NULL);
  int64_t ts[CT_MAX_DIMS], bs[CT_MAX_DIMS];
  int nb;
  memcpy(ts, t->shape, sizeof ts);
  ts[d] = indices->shape[d];
  if (ct__broadcast_shape(t->ndim, ts, indices->ndim, indices->shape, &nb, bs)) return ct__op_end(NULL);
  ct_tensor *ib = ct_expand(indices, nb, bs);
  bs[d] = t->shape[d];
  return ct__op_end(ct_gather(ct_expand(t, nb, bs), d, ib));
}
