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

/* One row r (n elements, copied into buf) -> vals[r], idx[r]. */
typedef void (*F(row_fn))(const T *row, int64_t n, int kind, int64_t k, F(skv) *buf, T *val, int64_t *idx);

/* v[0..n) (no NaN) rearranged so that v[k] is the k-th smallest: quickselect on the bare
 * values, four or eight bytes a move (the index is recovered after). */
static void F(nth_plain)(T *v, int64_t n, int64_t k) {
  int64_t lo = 0, hi = n - 1;
  T t;
#define SWAP_(a, b) (t = v[a], v[a] = v[b], v[b] = t)
  while (hi > lo) {
    int64_t mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) SWAP_(mid, lo);
    if (v[hi] < v[lo]) SWAP_(hi, lo);
    if (v[hi] < v[mid]) SWAP_(hi, mid);
    T p = v[mid];
    int64_t i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) i++;
      while (p < v[j]) j--;
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

/* The element of rank k of a row in the (value, index) order of F(slt) (NaN last): the value
 * by quickselect over the non-NaN values, then its index, the (k - #smaller)-th occurrence.
 * Kinds as stats.c's SEL_*; k is kthvalue's 0-based rank. */
static void F(select_row)(const T *row, int64_t n, int kind, int64_t k, F(skv) *buf, T *val, int64_t *idx) {
  T *v = (T *)buf;
  int64_t m = 0, first_nan = -1;
  for (int64_t j = 0; j < n; j++) {
    if (isnan((double)row[j])) {
      if (first_nan < 0) first_nan = j;
    } else {
      v[m++] = row[j];
    }
  }
  if (kind == SEL_MEDIAN) k = m < n ? n : (n - 1) / 2; /* any NaN: the first NaN */
  if (kind == SEL_NANMEDIAN) k = m ? (m - 1) / 2 : n;  /* all NaN: the first NaN */
  if (k >= m) { /* a NaN: the (k - m)-th one in index order (the first for the medians) */
    int64_t want = k >= n ? 0 : k - m, j = first_nan;
    for (int64_t seen = 0; j < n; j++)
      if (isnan((double)row[j]) && seen++ == want) break;
    *val = row[j], *idx = j;
    return;
  }
  F(nth_plain)(v, m, k);
  T x = v[k];
  int64_t before = 0, j = 0;
  for (int64_t i = 0; i < n; i++) before += row[i] < x;
  for (int64_t seen = before; j < n; j++)
    if (row[j] == x && seen++ == k) break;
  *val = x, *idx = j;
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
