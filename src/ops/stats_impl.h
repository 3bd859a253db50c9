/* stats.c's kernels for one dtype, included once per dtype by each_dtype.h (T the C type,
 * F(name) the name for this dtype): the order statistics (median, nanmedian, kthvalue by
 * quickselect, mode by a sort of the row) and the running extremes of cummax / cummin. */

typedef struct {
  T k;
  int64_t i;
} F(skv);

/* The total order of the selections: NaN after every number (as sort puts it), ties by
 * index, so the element of rank k is always the same one. */
static inline bool F(slt)(F(skv) a, F(skv) b) {
  bool an = isnan((double)a.k), bn = isnan((double)b.k); /* always false for integers */
  if (an | bn) return an != bn ? bn : a.i < b.i;
  return a.k < b.k || (a.k == b.k && a.i < b.i);
}

static int F(scmp)(const void *a, const void *b) {
  return F(slt)(*(const F(skv) *)a, *(const F(skv) *)b) ? -1 : 1;
}

/* v[0..n) rearranged so that v[k] is the element of rank k (Hoare quickselect, median of
 * three pivots): O(n) on average. */
static void F(nth)(F(skv) *v, int64_t n, int64_t k) {
  int64_t lo = 0, hi = n - 1;
  F(skv) t;
#define SWAP_(a, b) (t = v[a], v[a] = v[b], v[b] = t)
  while (hi > lo) {
    int64_t mid = lo + (hi - lo) / 2;
    if (F(slt)(v[mid], v[lo])) SWAP_(mid, lo);
    if (F(slt)(v[hi], v[lo])) SWAP_(hi, lo);
    if (F(slt)(v[hi], v[mid])) SWAP_(hi, mid);
    F(skv) p = v[mid];
    int64_t i = lo, j = hi;
    while (i <= j) {
      while (F(slt)(v[i], p)) i++;
      while (F(slt)(p, v[j])) j--;
      if (i <= j) {
        SWAP_(i, j);
        i++, j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
#undef SWAP_
}

/* One row r (n elements, copied into buf) -> vals[r], idx[r]. */
typedef void (*F(row_fn))(const T *row, int64_t n, int kind, int64_t k, F(skv) *buf, T *val, int64_t *idx);

/* The selected element of a row (see stats.c's SEL_* kinds); k is kthvalue's 0-based rank. */
static void F(select_row)(const T *row, int64_t n, int kind, int64_t k, F(skv) *buf, T *val, int64_t *idx) {
  int64_t nnan = 0, first_nan = -1;
  for (int64_t j = 0; j < n; j++) {
    buf[j] = (F(skv)){row[j], j};
    if (isnan((double)row[j]) && nnan++ == 0) first_nan = j;
  }
  if (kind == SEL_MEDIAN) k = (n - 1) / 2;
  if (kind == SEL_NANMEDIAN) k = (n - nnan - 1) / 2;
  if ((kind == SEL_MEDIAN && nnan) || (kind == SEL_NANMEDIAN && nnan == n)) {
    *val = row[first_nan], *idx = first_nan; /* NaN wins (or is all there is) */
    return;
  }
  F(nth)(buf, n, k);
  *val = buf[k].k, *idx = buf[k].i;
}

/* The most frequent value of a row (the smallest of equally frequent ones) and the last index
 * where it occurs, as PyTorch's CPU mode. */
static void F(mode_row)(const T *row, int64_t n, int kind, int64_t k, F(skv) *buf, T *val, int64_t *idx) {
  (void)kind, (void)k;
  for (int64_t j = 0; j < n; j++) buf[j] = (F(skv)){row[j], j};
  qsort(buf, (size_t)n, sizeof *buf, F(scmp));
  int64_t best = 0, best_len = 0;
  for (int64_t s = 0, e; s < n; s = e) { /* runs of equal values; NaNs form one run */
    bool sn = isnan((double)buf[s].k);
    for (e = s + 1; e < n && (sn ? isnan((double)buf[e].k) : buf[e].k == buf[s].k); e++) {}
    if (e - s > best_len) best = e - 1, best_len = e - s;
  }
  *val = buf[best].k, *idx = buf[best].i; /* a run ends with its largest index */
}

/* x (outer, n) rows -> vals, idx (outer): fn on each row (rows in parallel, one buffer per
 * thread). n >= 1. Returns -1 when out of memory. */
static int F(each_row)(const void *xv, int64_t outer, int64_t n, int kind, int64_t k, void *vv,
                       int64_t *idx, F(row_fn) fn) {
  const T *x = xv;
  T *vals = vv;
  int fail = 0;
#pragma omp parallel if (CT_REDUCE_PAR(outer, n)) reduction(| : fail)
  {
    F(skv) *buf = malloc(sizeof(F(skv)) * (size_t)n);
    fail |= !buf;
#pragma omp for
    for (int64_t r = 0; r < outer; r++)
      if (buf) fn(x + r * n, n, kind, k, buf, vals + r, idx + r);
    free(buf);
  }
  return fail ? -1 : 0;
}
static int F(select_rows)(const void *x, int64_t outer, int64_t n, int kind, int64_t k, void *v, int64_t *idx) {
  return F(each_row)(x, outer, n, kind, k, v, idx, F(select_row));
}
static int F(mode_rows)(const void *x, int64_t outer, int64_t n, int kind, int64_t k, void *v, int64_t *idx) {
  return F(each_row)(x, outer, n, kind, k, v, idx, F(mode_row));
}

/* x (outer, n, inner) -> vals, idx (outer, n, inner): the running max (min) along n and the
 * index where it was last reached; a NaN takes over and every later NaN moves the index. */
static void F(cumext)(const void *xv, void *vv, int64_t *idx, int64_t outer, int64_t n,
                      int64_t inner, bool is_max) {
  const T *x = xv;
  T *vals = vv;
#pragma omp parallel for if (CT_REDUCE_PAR(outer * inner, n))
  for (int64_t l = 0; l < outer * inner; l++) {
    int64_t a = l / inner, i = l % inner, bi = 0;
    T best = x[a * n * inner + i];
    for (int64_t k = 0; k < n; k++) {
      int64_t o = (a * n + k) * inner + i;
      T v = x[o];
      if (isnan((double)v) || (!isnan((double)best) && (is_max ? v >= best : v <= best)))
        best = v, bi = k;
      vals[o] = best, idx[o] = bi;
    }
  }
}
