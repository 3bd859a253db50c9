/* sort.c's kernels for one dtype, included once per dtype by each_dtype.h (T the C type,
 * F(name) the name for this dtype): kv_<TN>, sort_slices_<TN> and their helpers as ordinary
 * functions, so a debugger steps through them line by line. */

typedef struct {
  T k;
  int64_t i;
} F(kv);

/* true when a must precede b: NaN after every number ascending, before it descending */
static inline bool F(before)(T a, T b, bool desc) {
  bool an = isnan((double)a), bn = isnan((double)b); /* always false for integers */
  return desc ? (a > b) | (an & !bn) : (a < b) | (!an & bn); /* branch-free: vectorises */
}

/* Merge sort of n (key, index) pairs; ties keep their order, so the sort is stable. */
static void F(msort)(F(kv) *v, F(kv) *tmp, int64_t n, bool desc) {
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t a = lo, b = mid, o = lo;
      while (a < mid && b < hi) tmp[o++] = F(before)(v[b].k, v[a].k, desc) ? v[b++] : v[a++];
      while (a < mid) tmp[o++] = v[a++];
      while (b < hi) tmp[o++] = v[b++];
    }
    memcpy(v, tmp, sizeof(F(kv)) * (size_t)n);
  }
}

/* (key, index) total order of the stable sort: a precedes b */
static inline bool F(prec)(F(kv) a, F(kv) b, bool desc) {
  return F(before)(a.k, b.k, desc) || (!F(before)(b.k, a.k, desc) && a.i < b.i);
}

/* h[0..m) a heap with the last (in prec order) element at the root: restore from i down */
static inline void F(sift)(F(kv) *h, int64_t m, int64_t i, bool desc) {
  F(kv) e = h[i];
  for (int64_t c; (c = 2 * i + 1) < m; i = c) {
    if (c + 1 < m && F(prec)(h[c], h[c + 1], desc)) c++;
    if (!F(prec)(e, h[c], desc)) break;
    h[i] = h[c];
  }
  h[i] = e;
}

/* x (n, stride xs) -> out[0..k): the first k of the stable sort, in order, by keeping the
 * k best seen in a bounded heap (O(n + k log k log n)); a later element only enters when
 * strictly before the root, since on a tie its larger index loses. */
static void F(topk_heap)(const T *x, int64_t xs, int64_t n, int64_t k, bool desc, F(kv) *out) {
  for (int64_t j = 0; j < k; j++) out[j] = (F(kv)){x[j * xs], j};
  for (int64_t j = k / 2 - 1; j >= 0; j--) F(sift)(out, k, j, desc);
  for (int64_t j0 = k; j0 < n; j0 += 16) {
    int64_t j1 = j0 + 16 < n ? j0 + 16 : n;
    T thr = out[0].k;
    int any = 0; /* most blocks hold no candidate: one vector test skips them */
    if (xs != 1) /* separate loops for desc and stride 1 so the common case vectorises */
      for (int64_t j = j0; j < j1; j++) any |= F(before)(x[j * xs], thr, desc);
    else if (desc)
      for (int64_t j = j0; j < j1; j++) any |= F(before)(x[j], thr, true);
    else
      for (int64_t j = j0; j < j1; j++) any |= F(before)(x[j], thr, false);
    if (!any) continue;
    for (int64_t j = j0; j < j1; j++) {
      T e = x[j * xs];
      if (F(before)(e, out[0].k, desc)) {
        out[0] = (F(kv)){e, j};
        F(sift)(out, k, 0, desc);
      }
    }
  }
  for (int64_t m = k - 1; m > 0; m--) { /* heap sort: the root goes last */
    F(kv) r = out[0];
    out[0] = out[m];
    out[m] = r;
    F(sift)(out, m, 0, desc);
  }
}

/* One slice px (n, stride xs) -> v[0..k): the first k of its stable sort. v holds 2n + 1
 * pairs. float32 takes the packed-key heap (topk_f32) and the radix sort (radix_f32); the
 * test is a constant, so other dtypes compile to the heap and the merge sort alone. */
static inline void F(sort_one)(const T *px, int64_t xs, int64_t n, int64_t k, bool desc, F(kv) *v) {
  const bool f32 = _Generic((T)0, float: true, default: false);
  if (k > 0 && k <= n / 8) {
    if (f32 && n <= INT32_MAX)
      topk_f32((const float *)px, xs, n, k, desc, v);
    else
      F(topk_heap)(px, xs, n, k, desc, v);
  } else if (f32 && n >= 64 && n <= INT32_MAX) {
    radix_f32((const float *)px, xs, n, desc, v);
  } else {
    for (int64_t j = 0; j < n; j++) v[j] = (F(kv)){px[j * xs], j};
    F(msort)(v, v + n, n, desc);
  }
}

/* x slices of length n (stride xs) -> values (vs) + int64 indices (is), k kept */
static int F(sort_slices)(const char *x, int64_t nslices, const int64_t *xoff, int64_t xs,
                          char *vals, char *inds, const int64_t *ooff, int64_t os, int64_t n,
                          int64_t k, bool desc) {
  int fail = 0;
#pragma omp parallel if (nslices > 1 && nslices * n > CT_GRAIN)
  {
    F(kv) *v = malloc(sizeof(F(kv)) * (size_t)(2 * n + 1));
    if (!v) fail = 1;
#pragma omp for schedule(static)
    for (int64_t s = 0; s < nslices; s++) {
      if (!v) continue;
      F(sort_one)((const T *)x + xoff[s], xs, n, k, desc, v);
      T *pv = (T *)vals + ooff[s];
      int64_t *pi = (int64_t *)inds + ooff[s];
      for (int64_t j = 0; j < k; j++) {
        pv[j * os] = v[j].k;
        pi[j * os] = v[j].i;
      }
    }
    free(v);
  }
  return fail;
}
