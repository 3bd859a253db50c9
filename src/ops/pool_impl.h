/* pool.c's per-plane kernels for one floating dtype, included once per dtype (T the C
 * type, F(name) the name for it), so a debugger steps through them line by line. */

/* x (D, H, W) -> y, ind (OD, OH, OW): each window's max and its flat index in the plane.
 * A NaN wins (and a later NaN wins over an earlier one), as in PyTorch's CPU kernels; an
 * empty window gives -inf at its first position. */
static void F(max_plane)(const T *restrict x, T *restrict y, int64_t *restrict ind,
                         const pool_win *w) {
  const int64_t H = w->in[1], W = w->in[2], sz = w->step[0], sy = w->step[1], sx = w->step[2];
  int64_t o = 0;
  for (int64_t od = 0; od < w->out[0]; od++)
    for (int64_t oh = 0; oh < w->out[1]; oh++) {
      const int64_t z0 = w->lo[0][od], z1 = w->hi[0][od], y0 = w->lo[1][oh], y1 = w->hi[1][oh];
      for (int64_t ow = 0; ow < w->out[2]; ow++, o++) {
        const int64_t x0 = w->lo[2][ow], x1 = w->hi[2][ow];
        int64_t best = (z0 * H + y0) * W + x0;
        T m = -(T)INFINITY;
        for (int64_t z = z0; z < z1; z += sz)
          for (int64_t yy = y0; yy < y1; yy += sy) {
            const int64_t row = (z * H + yy) * W;
            for (int64_t xx = x0; xx < x1; xx += sx) {
              T v = x[row + xx];
              if (v > m || isnan(v)) {
                m = v;
                best = row + xx;
              }
            }
          }
        y[o] = m;
        if (ind) ind[o] = best;
      }
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

/* x (D, H, W) -> y (OD, OH, OW): window sums over the divisor; an empty window gives 0 */
static void F(avg_plane)(const T *restrict x, T *restrict y, const pool_win *w, int64_t div,
                         bool seq) {
  const int64_t H = w->in[1], W = w->in[2];
  int64_t o = 0;
  for (int64_t od = 0; od < w->out[0]; od++)
    for (int64_t oh = 0; oh < w->out[1]; oh++)
      for (int64_t ow = 0; ow < w->out[2]; ow++, o++) {
        const int64_t z0 = w->lo[0][od], z1 = w->hi[0][od], y0 = w->lo[1][oh],
                      y1 = w->hi[1][oh], x0 = w->lo[2][ow], x1 = w->hi[2][ow];
        if (z0 >= z1 || y0 >= y1 || x0 >= x1) {
          y[o] = 0;
          continue;
        }
        T s = 0;
        for (int64_t z = z0; z < z1; z++)
          for (int64_t yy = y0; yy < y1; yy++)
            for (int64_t xx = x0; xx < x1; xx++) s += x[(z * H + yy) * W + xx];
        y[o] = F(avg_div)(w, od, oh, ow, div, seq, s);
      }
}

/* g (OD, OH, OW) -> gx (D, H, W), zeroed first: each window gets g / divisor */
static void F(avg_back_plane)(const T *restrict g, T *restrict gx, const pool_win *w,
                              int64_t div, bool seq) {
  const int64_t H = w->in[1], W = w->in[2];
  memset(gx, 0, sizeof(T) * (size_t)(w->in[0] * H * W));
  int64_t o = 0;
  for (int64_t od = 0; od < w->out[0]; od++)
    for (int64_t oh = 0; oh < w->out[1]; oh++)
      for (int64_t ow = 0; ow < w->out[2]; ow++, o++) {
        const int64_t z0 = w->lo[0][od], z1 = w->hi[0][od], y0 = w->lo[1][oh],
                      y1 = w->hi[1][oh], x0 = w->lo[2][ow], x1 = w->hi[2][ow];
        if (z0 >= z1 || y0 >= y1 || x0 >= x1) continue;
        T v = F(avg_div)(w, od, oh, ow, div, seq, g[o]);
        for (int64_t z = z0; z < z1; z++)
          for (int64_t yy = y0; yy < y1; yy++)
            for (int64_t xx = x0; xx < x1; xx++) gx[(z * H + yy) * W + xx] += v;
      }
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
