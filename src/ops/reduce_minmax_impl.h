/* reduce_minmax.c's row kernels for one dtype, included once per dtype by each_dtype.h
 * (T the C type, F(name) the name for this dtype): minmax_rows_<TN> and its helpers as
 * ordinary functions, so a debugger steps through them line by line. */

/* ---- kernel: x rows (outer, count) -> vals (outer), idx (outer); either may be NULL ------ */
/* One row, the reference order: NaN wins (its first index), ties keep the first index. */
static T F(minmax_one)(const T *r, int64_t count, bool is_max, int64_t *bi_out) {
  T best = r[0];
  int64_t bi = 0;
  if (!isnan((double)best))
    for (int64_t i = 1; i < count; i++) {
      T v = r[i];
      if (isnan((double)v)) {
        best = v;
        bi = i;
        break;
      }
      if (is_max ? v > best : v < best) {
        best = v;
        bi = i;
      }
    }
  *bi_out = bi;
  return best;
}

/* The extreme of one row in 32 branch-free lanes (max/min instructions), NaNs skipped but
 * flagged in *nan (a sum of v - v turns NaN on a NaN, or on an inf: a spare rerun). The
 * extreme's value is then exact; only which of several equal candidates (+0 / -0) comes
 * first is lane-order dependent, so a NaN or a zero result reruns the reference loop.
 * Always inlined with a constant is_max, so each direction compiles to its own loop. */
static inline __attribute__((always_inline)) T F(minmax_lanes)(const T *r, int64_t n,
                                                              bool is_max, bool *nan) {
  enum { L = 32 };
  T m[L];
  T bad[L];
  for (int j = 0; j < L; j++) m[j] = r[0], bad[j] = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; j++) {
      T v = r[i + j];
      m[j] = (is_max ? v > m[j] : v < m[j]) ? v : m[j];
      bad[j] += v - v;
    }
  for (; i < n; i++) {
    m[0] = (is_max ? r[i] > m[0] : r[i] < m[0]) ? r[i] : m[0];
    bad[0] += r[i] - r[i];
  }
  T b = m[0];
  bool any = isnan((double)r[0]);
  for (int j = 0; j < L; j++) {
    b = (is_max ? m[j] > b : m[j] < b) ? m[j] : b;
    any |= isnan((double)bad[j]);
  }
  *nan = any;
  return b;
}

static inline __attribute__((always_inline)) void F(minmax_body)(const T *x, int64_t outer,
                                                                int64_t count, bool is_max,
                                                                void *vals, int64_t *idx) {
  const bool floating = _Generic((T)0, float: true, double: true, default: false);
#pragma omp parallel for if (CT_REDUCE_PAR(outer, count))
  for (int64_t o = 0; o < outer; o++) {
    const T *r = x + o * count;
    int64_t bi = 0;
    bool nan = false;
    T best = is_max ? F(minmax_lanes)(r, count, true, &nan) : F(minmax_lanes)(r, count, false, &nan);
    if (floating && (best == 0 || nan)) {
      best = F(minmax_one)(r, count, is_max, &bi);
    } else if (idx) { /* the first element equal to the (non-NaN) extreme */
      while (r[bi] != best) bi++;
    }
    if (vals) ((T *)vals)[o] = best;
    if (idx) idx[o] = bi;
  }
}

/* The same rows built for AVX-512 (the library targets x86-64-v3), chosen at run time:
 * twice the lanes per blend on a memory-speed pass. */
#if MM_WIDE
__attribute__((target("avx512f,avx512bw"))) static void F(minmax_v4)(const void *xv, int64_t outer,
                                                                    int64_t count, bool is_max,
                                                                    void *vals, int64_t *idx) {
  F(minmax_body)(xv, outer, count, is_max, vals, idx);
}
#endif

static void F(minmax_rows)(const void *xv, int64_t outer, int64_t count, bool is_max, void *vals,
                           int64_t *idx) {
#if MM_WIDE
  if (ct__cpu_level() >= CT_CPU_AVX512) {
    F(minmax_v4)(xv, outer, count, is_max, vals, idx);
    return;
  }
#endif
  F(minmax_body)(xv, outer, count, is_max, vals, idx);
}
