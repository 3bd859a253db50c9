/* pool.c's per-plane kernels for one floating dtype, included once per dtype (T the C
 * type, F(name) the name for it), so a debugger steps through them line by line. */

/* The max of one window of x (D, H, W) (dim j from lo[j] below hi[j] by step[j]), its flat index in
 * *best. A NaN wins (and a later NaN wins over an earlier one), as in PyTorch's CPU kernels;
 * an empty window gives -inf at its first position. */
static inline T F(max_win)(const T *restrict x, int64_t H, int64_t W, const int64_t *lo,
                           const int64_t *hi, const int64_t *step, int64_t *best) {
  T m = -(T)INFINITY;
  *best = (lo[0] * H + lo[1]) * W + lo[2];
  for (int64_t z = lo[0]; z < hi[0]; z += step[0])
    for (int64_t yy = lo[1]; yy < hi[1]; yy += step[1]) {
      const int64_t row = (z * H + yy) * W;
      for (int64_t xx = lo[2]; xx < hi[2]; xx += step[2]) {
        T v = x[row + xx];
        if (v > m || isnan(v)) {
          m = v;
          *best = row + xx;
        }
      }
    }
  return m;
}

/* x (D, H, W) -> y, ind (OD, OH, OW): each window's max and its flat index in the plane */
static void F(max_plane)(const T *restrict x, T *restrict y, int64_t *restrict ind,
                         const pool_win *w) {
  int64_t o = 0;
  for (int64_t od = 0; od < w->out[0]; od++)
    for (int64_t oh = 0; oh < w->out[1]; oh++)
      for (int64_t ow = 0; ow < w->out[2]; ow++, o++) {
        int64_t best, lo[3] = {w->lo[0][od], w->lo[1][oh], w->lo[2][ow]},
                      hi[3] = {w->hi[0][od], w->hi[1][oh], w->hi[2][ow]};
        y[o] = F(max_win)(x, w->in[1], w->in[2], lo, hi, w->step, &best);
        if (ind) ind[o] = best;
      }
}

/* x (H, W) -> y, ind (OW) over [a, b): the row's windows that no edge clips, starting at
 * column ow * s + c0 and rows y0, y0 + dy, ... < y1, k taps dx apart. Vectorised over ow
 * (the per-window loop made MaxPool2d(3, 2) 1.2x slower than PyTorch); each window still
 * visits its taps in max_win's order, rows then columns, so the max, the NaN rule and the
 * first index on ties are max_win's. The winning positions are kept as int32 (the plane
 * has < 2^31 elements) in a chunk: float and int32 lanes blend in one vector, int64 ones
 * made the indexed forward 4x slower than the values alone. Callers pass s as a constant:
 * the compiler then vectorises the strided loads. */
static inline __attribute__((always_inline)) void F(max_row)(
    const T *restrict x, T *restrict y, int64_t *restrict ind, int64_t W, int64_t y0,
    int64_t y1, int64_t dy, int64_t k, int64_t dx, int64_t a, int64_t b, int64_t c0, int s) {
  enum { CHUNK = 64 };
  int32_t pos[CHUNK];
  for (int64_t c = a; c < b; c += CHUNK) {
    const int n = b - c < CHUNK ? (int)(b - c) : CHUNK;
    T *restrict ym = y + c;
    for (int i = 0; i < n; i++) {
      ym[i] = -(T)INFINITY;
      pos[i] = (int32_t)(y0 * W + c * s + c0) + i * s;
    }
    for (int64_t yy = y0; yy < y1; yy += dy)
      for (int64_t kx = 0; kx < k; kx++) {
        const int64_t at = yy * W + kx * dx + c0 + c * s; /* + i * s: the tap of window c + i */
        const T *restrict xr = x + at;
        const int32_t p0 = (int32_t)at;
        if (ind)
          for (int i = 0; i < n; i++) {
            T v = xr[i * s], m = ym[i];
            bool take = (v > m) | (v != v); /* no short cut: a branch mispredicts on random data */
            ym[i] = take ? v : m;
            pos[i] = take ? p0 + i * s : pos[i];
          }
        else
          for (int i = 0; i < n; i++) {
            T v = xr[i * s], m = ym[i];
            ym[i] = ((v > m) | (v != v)) ? v : m;
          }
      }
    if (ind)
      for (int i = 0; i < n; i++) ind[c + i] = pos[i];
  }
}

/* x (H, W) -> y, ind (OH, OW) for sliding windows in 2-D (w->kern set, D = 1): per output
 * row, the edge windows through max_win, the interior ones [a, b) through max_row */
static void F(max_plane_2d)(const T *restrict x, T *restrict y, int64_t *restrict ind,
                            const pool_win *w) {
  const int64_t W = w->in[2], OW = w->out[2], dx = w->step[2];
  const int s = (int)w->stride[2]; /* < 2^31: the plane's positions are int32 here */
  const int64_t span = (w->kern[2] - 1) * dx + 1;
  int64_t a = w->in[1] * W > INT32_MAX ? OW : 0, b; /* max_row's positions are int32 */
  while (a < OW && w->hi[2][a] - w->lo[2][a] != span) a++;
  for (b = a; b < OW && w->hi[2][b] - w->lo[2][b] == span;) b++;
  const int64_t c0 = a < OW ? w->lo[2][a] - a * s : 0; /* -padding */
  for (int64_t oh = 0; oh < w->out[1]; oh++) {
    T *yr = y + oh * OW;
    int64_t *ir = ind ? ind + oh * OW : NULL, y0 = w->lo[1][oh], y1 = w->hi[1][oh];
    for (int edge = 0; edge < 2; edge++) /* [0, a), then [b, OW) */
      for (int64_t ow = edge ? b : 0; ow < (edge ? OW : a); ow++) {
        int64_t best, lo[3] = {0, y0, w->lo[2][ow]}, hi[3] = {1, y1, w->hi[2][ow]};
        yr[ow] = F(max_win)(x, w->in[1], W, lo, hi, w->step, &best);
        if (ir) ir[ow] = best;
      }
    if (s == 2)
      F(max_row)(x, yr, ir, W, y0, y1, w->step[1], w->kern[2], dx, a, b, c0, 2);
    else if (s == 1)
      F(max_row)(x, yr, ir, W, y0, y1, w->step[1], w->kern[2], dx, a, b, c0, 1);
    else
      F(max_row)(x, yr, ir, W, y0, y1, w->step[1], w->kern[2], dx, a, b, c0, s);
  }
}

/* The 2x2 stride-2 case without padding (MaxPool2d(2)), the commonest: no tables. */
static void F(max_plane_2x2)(const T *restrict x, T *restrict y, int64_t *restrict ind,
                             int64_t W, int64_t OH, int64_t OW) {
  for (int64_t oh = 0; oh < OH; oh++) {
    const T *r0 = x + 2 * oh * W, *r1 = r0 + W;
    for (int64_t ow = 0; ow < OW; ow++) {
      int64_t c = 2 * ow, best = 2 * oh * W + c;
      T m = r0[c]; /* the general kernel takes the first element too (or keeps -inf at it) */
      T v = r0[c + 1];
      if (v > m || isnan(v)) m = v, best = 2 * oh * W + c + 1;
      v = r1[c];
      if (v > m || isnan(v)) m = v, best = (2 * oh + 1) * W + c;
      v = r1[c + 1];
      if (v > m || isnan(v)) m = v, best = (2 * oh + 1) * W + c + 1;
      y[oh * OW + ow] = m;
      if (ind) ind[oh * OW + ow] = best;
    }
  }
}

/* the divisor of output (od, oh, ow): fixed, or the product of the dims' counts */
static inline T F(avg_div)(const pool_win *w, int64_t od, int64_t oh, int64_t ow, int64_t div,
                           bool seq, T sum) {
  if (div != 0) return sum / (T)div;
  if (seq) return sum / (T)w->cnt[0][od] / (T)w->cnt[1][oh] / (T)w->cnt[2][ow];
  return sum / (T)(w->cnt[0][od] * w->cnt[1][oh] * w->cnt[2][ow]);
}

/* One window walk serves the average pool and its adjoint, x (D, H, W), y (OD, OH, OW):
 * back false: y = each window's sum of x over the divisor (an empty window gives 0);
 * back true: x zeroed, then each window of x += y / divisor. */
static void F(avg_walk)(T *restrict x, T *restrict y, const pool_win *w, int64_t div, bool seq,
                        bool back) {
  const int64_t H = w->in[1], W = w->in[2];
  if (back) memset(x, 0, sizeof(T) * (size_t)(w->in[0] * H * W));
  int64_t o = 0;
  for (int64_t od = 0; od < w->out[0]; od++)
    for (int64_t oh = 0; oh < w->out[1]; oh++)
      for (int64_t ow = 0; ow < w->out[2]; ow++, o++) {
        const int64_t z0 = w->lo[0][od], z1 = w->hi[0][od], y0 = w->lo[1][oh],
                      y1 = w->hi[1][oh], x0 = w->lo[2][ow], x1 = w->hi[2][ow];
        if (z0 >= z1 || y0 >= y1 || x0 >= x1) {
          if (!back) y[o] = 0;
          continue;
        }
        if (back) {
          T v = F(avg_div)(w, od, oh, ow, div, seq, y[o]);
          for (int64_t z = z0; z < z1; z++)
            for (int64_t yy = y0; yy < y1; yy++)
              for (int64_t xx = x0; xx < x1; xx++) x[(z * H + yy) * W + xx] += v;
          continue;
        }
        T s = 0;
        for (int64_t z = z0; z < z1; z++)
          for (int64_t yy = y0; yy < y1; yy++)
            for (int64_t xx = x0; xx < x1; xx++) s += x[(z * H + yy) * W + xx];
        y[o] = F(avg_div)(w, od, oh, ow, div, seq, s);
      }
}

/* x (D, H, W) -> y (OD, OH, OW); the walk only reads x here */
static void F(avg_plane)(const T *restrict x, T *restrict y, const pool_win *w, int64_t div,
                         bool seq) {
  F(avg_walk)((T *)x, y, w, div, seq, false);
}

/* g (OD, OH, OW) -> gx (D, H, W), zeroed first; the walk only reads g here */
static void F(avg_back_plane)(const T *restrict g, T *restrict gx, const pool_win *w,
                              int64_t div, bool seq) {
  F(avg_walk)(gx, (T *)g, w, div, seq, true);
}

/* g (m) -> gx (n), zeroed first: gx[ind[j]] += g[j] (set instead of add: max_unpool) */
static void F(scatter_plane)(const T *restrict g, const int64_t *restrict ind, T *restrict gx,
                             int64_t m, int64_t n, bool set) {
  memset(gx, 0, sizeof(T) * (size_t)n);
  if (set)
    for (int64_t j = 0; j < m; j++) gx[ind[j]] = g[j];
  else
    for (int64_t j = 0; j < m; j++) gx[ind[j]] += g[j];
}
