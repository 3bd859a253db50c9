/* grid.c's kernels for one floating dtype, included once per dtype (T the C type, F(name)
 * the name for it). The arithmetic is PyTorch 1.13's GridSampler.h, in the dtype. */

/* grid_sampler_unnormalize_set_grad: [-1, 1] -> pixel coordinates; *g = d out / d coord */
static inline T F(unnormalize)(T c, int64_t size, bool align, T *g) {
  if (align) {
    *g = (T)(size - 1) / 2;
    return ((c + 1) / 2) * (T)(size - 1);
  }
  *g = (T)size / 2;
  return ((c + 1) * (T)size - 1) / 2;
}

/* clip_coordinates_set_grad */
static inline T F(clip)(T in, int64_t lim, T *g) {
  if (in <= 0) {
    *g = 0;
    return 0;
  }
  T max = (T)(lim - 1);
  if (in >= max) {
    *g = 0;
    return max;
  }
  *g = 1;
  return in;
}

/* reflect_coordinates_set_grad: in reflected into [twice_low / 2, twice_high / 2] */
static inline T F(reflect)(T in, int64_t twice_low, int64_t twice_high, T *g) {
  if (twice_low == twice_high) {
    *g = 0;
    return 0;
  }
  T min = (T)twice_low / 2, span = (T)(twice_high - twice_low) / 2;
  int mult = 1;
  in = in - min;
  if (in < 0) mult = -1, in = -in;
  T extra = (T)fmod(in, span);
  if (fmod(floor(in / span), 2) == 0) { /* an even number of flips */
    *g = (T)mult;
    return extra + min;
  }
  *g = (T)-mult;
  return span - extra + min;
}

/* compute_coordinates (border / reflection padding) with its derivative */
static inline T F(pad_coord)(T c, int64_t size, ct_grid_padding pad, bool align, T *g) {
  T gc = 1, gr = 1;
  if (pad == CT_GRID_BORDER) {
    c = F(clip)(c, size, &gc);
  } else if (pad == CT_GRID_REFLECTION) {
    c = align ? F(reflect)(c, 0, 2 * (size - 1), &gr) : F(reflect)(c, -1, 2 * size - 1, &gr);
    c = F(clip)(c, size, &gc);
  }
  *g = gr * gc;
  return c;
}

/* cubic_convolution1 / 2 (A = -0.75) and their derivatives in x */
static inline T F(cc1)(T x) { return (((T)-0.75 + 2) * x - ((T)-0.75 + 3)) * x * x + 1; }
static inline T F(cc2)(T x) {
  const T A = (T)-0.75;
  return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}
static inline T F(dcc1)(T x) { return 3 * ((T)-0.75 + 2) * x * x - 2 * ((T)-0.75 + 3) * x; }
static inline T F(dcc2)(T x) {
  const T A = (T)-0.75;
  return 3 * A * x * x - 10 * A * x + 8 * A;
}

/* The taps of one grid coordinate c along a dim of `size`: up to 4 input positions (idx -1 when
 * outside: it reads and receives 0), their weights and d weight / d c. */
static inline int F(taps)(T c, int64_t size, const gs_args *a, int64_t *idx, T *w, T *dw) {
  T gm, gp;
  if (a->mode == CT_GRID_BICUBIC) {
    T x = F(unnormalize)(c, size, a->align, &gm), x0 = (T)floor(x), t = x - x0;
    w[0] = F(cc2)(t + 1), w[1] = F(cc1)(t), w[2] = F(cc1)(1 - t), w[3] = F(cc2)(2 - t);
    dw[0] = F(dcc2)(t + 1) * gm, dw[1] = F(dcc1)(t) * gm;
    dw[2] = -F(dcc1)(1 - t) * gm, dw[3] = -F(dcc2)(2 - t) * gm;
    for (int i = 0; i < 4; i++) { /* get_value_bounded: padding applied to each tap */
      T p = F(pad_coord)(x0 - 1 + (T)i, size, a->padding, a->align, &gp);
      int64_t k = (int64_t)p;
      idx[i] = k >= 0 && k < size && isfinite(p) ? k : -1;
    }
    return 4;
  }
  T x = F(unnormalize)(c, size, a->align, &gm);
  x = F(pad_coord)(x, size, a->padding, a->align, &gp);
  gm *= gp;
  if (a->mode == CT_GRID_NEAREST) {
    T r = (T)nearbyint(x);
    int64_t k = isfinite(r) ? (int64_t)r : -1;
    idx[0] = k >= 0 && k < size ? k : -1;
    w[0] = 1, dw[0] = 0;
    return 1;
  }
  T x0 = (T)floor(x), t = x - x0;
  int64_t k = isfinite(x0) && fabs((double)x0) < 9e18 ? (int64_t)x0 : -2;
  idx[0] = k >= 0 && k < size ? k : -1;
  idx[1] = k + 1 >= 0 && k + 1 < size ? k + 1 : -1;
  w[0] = 1 - t, w[1] = t;
  dw[0] = -gm, dw[1] = gm;
  return 2;
}

/* The taps of one output position, all dims combined (x fastest): up to 16 (bicubic 4x4,
 * trilinear 2x2x2) flat input offsets (-1: outside, reads and receives 0), the weight
 * products and, for the grid's gradient, each dim's product with that dim's weight
 * replaced by its derivative. */
typedef struct {
  int64_t off[16];
  T w[16], dw[3][16];
} F(gs_point);

/* fills p from the grid point g (nsp components, along W, H, D); returns the tap count */
static inline int F(gs_taps)(const T *g, const gs_args *a, F(gs_point) *p) {
  int64_t idx[3][4] = {{0}, {0}, {0}};
  T w[3][4] = {{1}, {1}, {1}}, dw[3][4] = {{0}, {0}, {0}};
  int K[3] = {1, 1, 1}, t = 0;
  for (int j = 0; j < a->nsp; j++)
    K[j] = F(taps)(g[j], a->in[2 - j], a, idx[j], w[j], dw[j]);
  for (int tz = 0; tz < K[2]; tz++)
    for (int ty = 0; ty < K[1]; ty++)
      for (int tx = 0; tx < K[0]; tx++, t++) {
        bool in = idx[2][tz] >= 0 && idx[1][ty] >= 0 && idx[0][tx] >= 0;
        p->off[t] = in ? (idx[2][tz] * a->in[1] + idx[1][ty]) * a->in[2] + idx[0][tx] : -1;
        p->w[t] = w[2][tz] * w[1][ty] * w[0][tx];
        p->dw[0][t] = dw[0][tx] * w[1][ty] * w[2][tz];
        p->dw[1][t] = w[0][tx] * dw[1][ty] * w[2][tz];
        p->dw[2][t] = w[0][tx] * w[1][ty] * dw[2][tz];
      }
  return t;
}

/* sum over the nt taps of p of xp[off] * w, outside taps skipped (a 0 weight must not meet
 * an inf); inline with nt constant for bilinear (4) so the loop unrolls */
static inline __attribute__((always_inline)) T F(gs_dot)(const T *xp, const F(gs_point) *p, int nt) {
  T acc = 0;
  for (int t = 0; t < nt; t++) {
    int64_t k = p->off[t];
    T v = xp[k < 0 ? 0 : k]; /* a load that cannot fault, then a select: no branch */
    acc += k < 0 ? 0 : v * p->w[t];
  }
  return acc;
}

/* input (N, C, S_in), grid (N, S_out, nsp) -> y (N, C, S_out), by blocks of output
 * positions: the taps of a block once, then channel by channel y[c][o] = sum of x[c][taps] *
 * weights (x fastest). The earlier loop (taps per position, then every channel) read C
 * planes per position and wrote y C planes apart: 2x slower than PyTorch. OpenMP across
 * (n, block). */
static void F(gs_fwd)(const T *restrict x, const T *restrict grid, T *restrict y, const gs_args *a) {
  const int nsp = a->nsp;
  const int64_t N = a->n, C = a->c, Sin = a->in[0] * a->in[1] * a->in[2], Sout = a->sout;
  const int64_t nb = (Sout + GS_BLOCK - 1) / GS_BLOCK;
  _Pragma("omp parallel for if (N * Sout * C >= CT_GRAIN / 16)")
  for (int64_t r = 0; r < N * nb; r++) {
    const int64_t n = r / nb, o0 = r % nb * GS_BLOCK;
    const int m = (int)(Sout - o0 < GS_BLOCK ? Sout - o0 : GS_BLOCK);
    F(gs_point) p[GS_BLOCK];
    int nt = 0;
    for (int i = 0; i < m; i++) nt = F(gs_taps)(grid + (n * Sout + o0 + i) * nsp, a, &p[i]);
    for (int64_t c = 0; c < C; c++) {
      const T *xp = x + (n * C + c) * Sin;
      T *yp = y + (n * C + c) * Sout + o0;
      if (nt == 4)
        for (int i = 0; i < m; i++) yp[i] = F(gs_dot)(xp, &p[i], 4);
      else
        for (int i = 0; i < m; i++) yp[i] = F(gs_dot)(xp, &p[i], nt);
    }
  }
}

/* One position's share of gs_back for one channel: gp[taps] += go * w (gp NULL: not
 * wanted), gg[j] += x[taps] * go * dw_j (gg NULL: not wanted). Inline with nt, nsp constant
 * for bilinear 2-D (the loops unroll). */
static inline __attribute__((always_inline)) void F(gs_back_point)(
    const T *restrict xp, T *restrict gp, T go, const F(gs_point) *p, T *restrict gg, int nt, int nsp) {
  for (int t = 0; t < nt; t++) {
    const int64_t at = p->off[t];
    if (at < 0) continue;
    if (gp) gp[at] += go * p->w[t];
    if (!gg) continue;
    T v = xp[at] * go;
    for (int j = 0; j < nsp; j++) gg[j] += v * p->dw[j][t];
  }
}

/* g (N, C, S_out) -> gx (N, C, S_in) (zeroed first; NULL: not wanted) and ggrid (N, S_out,
 * nsp) (NULL: not wanted): gx[taps] += g * weight product; ggrid_j = sum_c g * x[taps] *
 * (d w_j) * (the other weights). By blocks of positions as gs_fwd, channel by channel (each
 * position still sums its channels in order). OpenMP across samples n (their scatters are
 * disjoint). */
static void F(gs_back)(const T *restrict x, const T *restrict grid, const T *restrict g,
                       T *restrict gx, T *restrict ggrid, const gs_args *a) {
  const int nsp = a->nsp;
  const int64_t N = a->n, C = a->c, Sin = a->in[0] * a->in[1] * a->in[2], Sout = a->sout;
  if (gx) memset(gx, 0, sizeof(T) * (size_t)(N * C * Sin));
  _Pragma("omp parallel for if (N > 1 && N * Sout * C >= CT_GRAIN / 16)")
  for (int64_t n = 0; n < N; n++)
    for (int64_t o0 = 0; o0 < Sout; o0 += GS_BLOCK) {
      const int m = (int)(Sout - o0 < GS_BLOCK ? Sout - o0 : GS_BLOCK);
      F(gs_point) p[GS_BLOCK];
      T gg[GS_BLOCK][3] = {{0}};
      int nt = 0;
      for (int i = 0; i < m; i++) nt = F(gs_taps)(grid + (n * Sout + o0 + i) * nsp, a, &p[i]);
      for (int64_t c = 0; c < C; c++) {
        const T *go = g + (n * C + c) * Sout + o0, *xp = x + (n * C + c) * Sin;
        T *gp = gx ? gx + (n * C + c) * Sin : NULL;
        if (nt == 4 && nsp == 2)
          for (int i = 0; i < m; i++) F(gs_back_point)(xp, gp, go[i], &p[i], ggrid ? gg[i] : NULL, 4, 2);
        else
          for (int i = 0; i < m; i++) F(gs_back_point)(xp, gp, go[i], &p[i], ggrid ? gg[i] : NULL, nt, nsp);
      }
      if (ggrid)
        for (int i = 0; i < m; i++)
          for (int j = 0; j < nsp; j++) ggrid[(n * Sout + o0 + i) * nsp + j] = gg[i][j];
    }
}
