/* Template of the convolution kernels for one float type: included by conv_kernels.c with
 * T (float / double), SFX (f32 / f64) and GEMM (cblas_sgemm / cblas_dgemm) defined.
 * Shapes are those of conv.h; Svol, Ovol, Kvol are the products of S, O, K. */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)

/* col (Cg * Kvol, Ovol) <- the input patches of x (Cg, S); row (c, k), column o. */
static void CAT(im2col, SFX)(T *col, const T *x, int64_t Cg, const conv_geom *g) {
  const int64_t *S = g->S, *O = g->O, *K = g->K, *st = g->stride, *pd = g->pad, *dl = g->dil;
  int64_t Ovol = O[0] * O[1] * O[2], Svol = S[0] * S[1] * S[2];
  for (int64_t c = 0; c < Cg; c++)
    for (int64_t k0 = 0; k0 < K[0]; k0++)
      for (int64_t k1 = 0; k1 < K[1]; k1++)
        for (int64_t k2 = 0; k2 < K[2]; k2++) {
          T *row = col + (((c * K[0] + k0) * K[1] + k1) * K[2] + k2) * Ovol;
          int64_t off = k2 * dl[2] - pd[2], lo, hi;
          conv_valid_range(off, st[2], S[2], O[2], &lo, &hi);
          for (int64_t o0 = 0; o0 < O[0]; o0++) {
            int64_t i0 = o0 * st[0] - pd[0] + k0 * dl[0];
            for (int64_t o1 = 0; o1 < O[1]; o1++) {
              T *r = row + (o0 * O[1] + o1) * O[2];
              int64_t i1 = o1 * st[1] - pd[1] + k1 * dl[1];
              if (i0 < 0 || i0 >= S[0] || i1 < 0 || i1 >= S[1]) {
                memset(r, 0, sizeof(T) * (size_t)O[2]);
                continue;
              }
              const T *xr = x + c * Svol + (i0 * S[1] + i1) * S[2] + off;
              for (int64_t o = 0; o < lo; o++) r[o] = 0;
              if (st[2] == 1) memcpy(r + lo, xr + lo, sizeof(T) * (size_t)(hi - lo));
              else
                for (int64_t o = lo; o < hi; o++) r[o] = xr[o * st[2]];
              for (int64_t o = hi; o < O[2]; o++) r[o] = 0;
            }
          }
        }
}

/* x (Cg, S) += the patches of col (Cg * Kvol, Ovol): im2col's adjoint. */
static void CAT(col2im, SFX)(T *x, const T *col, int64_t Cg, const conv_geom *g) {
  const int64_t *S = g->S, *O = g->O, *K = g->K, *st = g->stride, *pd = g->pad, *dl = g->dil;
  int64_t Ovol = O[0] * O[1] * O[2], Svol = S[0] * S[1] * S[2];
  for (int64_t c = 0; c < Cg; c++)
    for (int64_t k0 = 0; k0 < K[0]; k0++)
      for (int64_t k1 = 0; k1 < K[1]; k1++)
        for (int64_t k2 = 0; k2 < K[2]; k2++) {
          const T *row = col + (((c * K[0] + k0) * K[1] + k1) * K[2] + k2) * Ovol;
          int64_t off = k2 * dl[2] - pd[2], lo, hi;
          conv_valid_range(off, st[2], S[2], O[2], &lo, &hi);
          for (int64_t o0 = 0; o0 < O[0]; o0++) {
            int64_t i0 = o0 * st[0] - pd[0] + k0 * dl[0];
            if (i0 < 0 || i0 >= S[0]) continue;
            for (int64_t o1 = 0; o1 < O[1]; o1++) {
              int64_t i1 = o1 * st[1] - pd[1] + k1 * dl[1];
              if (i1 < 0 || i1 >= S[1]) continue;
              const T *r = row + (o0 * O[1] + o1) * O[2];
              T *xr = x + c * Svol + (i0 * S[1] + i1) * S[2] + off;
              for (int64_t o = lo; o < hi; o++) xr[o * st[2]] += r[o];
            }
          }
        }
}

/* out (N, Ch, vol) += bias (Ch) */
static void CAT(add_bias, SFX)(T *out, const T *bias, int64_t n, int64_t Ch, int64_t vol) {
  for (int64_t c = 0; c < Ch; c++) {
    T b = bias[c], *p = out + (n * Ch + c) * vol;
    for (int64_t i = 0; i < vol; i++) p[i] += b;
  }
}

/* y[n, grp] (Cog, Ovol) = w[grp] (Cog, Kc) @ col (Kc, Ovol), per sample and group. */
static int CAT(conv_fwd, SFX)(T *y, const T *x, const T *w, const T *bias, int64_t N, int64_t C,
                              int64_t Co, const conv_geom *g) {
  conv_dims d = conv_dims_of(N, C, Co, g);
  int64_t G = d.G, Cg = d.Cg, Cog = d.Cog, Kc = d.Kc, L = d.L, Svol = d.Svol;
  bool direct = d.direct;
  int nt = d.nt;
  bool oom = false;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    T *col = direct ? NULL : malloc(sizeof(T) * (size_t)(Kc * L > 0 ? Kc * L : 1));
    if (!direct && !col) oom = true;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; n++) {
      if (!direct && !col) continue;
      for (int64_t grp = 0; grp < G; grp++) {
        const T *xg = x + (n * C + grp * Cg) * Svol;
        T *yg = y + (n * Co + grp * Cog) * L;
        if (!direct) CAT(im2col, SFX)(col, xg, Cg, g);
        if (Kc == 0) memset(yg, 0, sizeof(T) * (size_t)(Cog * L));
        else
          GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Cog, (int)L, (int)Kc, 1,
               w + grp * Cog * Kc, (int)Kc, direct ? xg : col, (int)L, 0, yg, (int)L);
      }
      if (bias) CAT(add_bias, SFX)(y, bias, n, Co, L);
    }
    free(col);
  }
  return oom ? -1 : 0;
}

/* col (Kc, Ovol) = w[grp]^T (Kc, Cog) @ gy[n, grp] (Cog, Ovol); gx[n, grp] = col2im(col). */
static int CAT(conv_bwd_data, SFX)(T *gx, const T *gy, const T *w, const T *bias, int64_t N,
                                   int64_t C, int64_t Co, const conv_geom *g) {
  conv_dims d = conv_dims_of(N, C, Co, g);
  int64_t G = d.G, Cg = d.Cg, Cog = d.Cog, Kc = d.Kc, L = d.L, Svol = d.Svol;
  bool direct = d.direct;
  int nt = d.nt;
  bool oom = false;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    T *col = direct ? NULL : malloc(sizeof(T) * (size_t)(Kc * L > 0 ? Kc * L : 1));
    if (!direct && !col) oom = true;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; n++) {
      if (!direct && !col) continue;
      for (int64_t grp = 0; grp < G; grp++) {
        T *xg = gx + (n * C + grp * Cg) * Svol;
        if (!direct) memset(xg, 0, sizeof(T) * (size_t)(Cg * Svol));
        if (Cog == 0 || Kc == 0 || L == 0) {
          if (direct) memset(xg, 0, sizeof(T) * (size_t)(Cg * Svol));
          continue;
        }
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)Kc, (int)L, (int)Cog, 1,
             w + grp * Cog * Kc, (int)Kc, gy + (n * Co + grp * Cog) * L, (int)L, 0,
             direct ? xg : col, (int)L);
        if (!direct) CAT(col2im, SFX)(xg, col, Cg, g);
      }
      if (bias) CAT(add_bias, SFX)(gx, bias, n, C, Svol);
    }
    free(col);
  }
  return oom ? -1 : 0;
}

/* gw[grp] (Cog, Kc) = sum_n gy[n, grp] (Cog, Ovol) @ col_n^T (Ovol, Kc). Threads split the
 * batch statically, each summing into its own buffer; the buffers are added in thread order,
 * so a result does not depend on timing. */
static int CAT(conv_bwd_weight, SFX)(T *gw, const T *x, const T *gy, int64_t N, int64_t C,
                                     int64_t Co, const conv_geom *g) {
  conv_dims d = conv_dims_of(N, C, Co, g);
  int64_t G = d.G, Cg = d.Cg, Cog = d.Cog, Kc = d.Kc, L = d.L, Svol = d.Svol;
  int64_t wn = Co * Kc;
  bool direct = d.direct;
  int nt = d.nt;
  bool oom = false;
  memset(gw, 0, sizeof(T) * (size_t)wn);
  if (L == 0 || wn == 0) return 0;
  T *bufs = nt > 1 ? calloc((size_t)(nt - 1) * (size_t)wn, sizeof(T)) : NULL;
  if (nt > 1 && !bufs) return -1;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    int tid = nt > 1 ? omp_get_thread_num() : 0;
    T *col = direct ? NULL : malloc(sizeof(T) * (size_t)(Kc * L));
    T *acc = tid == 0 ? gw : bufs + (size_t)(tid - 1) * (size_t)wn;
    if (!direct && !col) oom = true;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; n++) {
      if (!direct && !col) continue;
      for (int64_t grp = 0; grp < G; grp++) {
        const T *xg = x + (n * C + grp * Cg) * Svol;
        if (!direct) CAT(im2col, SFX)(col, xg, Cg, g);
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Cog, (int)Kc, (int)L, 1,
             gy + (n * Co + grp * Cog) * L, (int)L, direct ? xg : col, (int)L, 1,
             acc + grp * Cog * Kc, (int)Kc);
      }
    }
    free(col);
  }
  for (int t = 1; t < nt; t++) {
    const T *b = bufs + (size_t)(t - 1) * (size_t)wn;
    for (int64_t i = 0; i < wn; i++) gw[i] += b[i];
  }
  free(bufs);
  return oom ? -1 : 0;
}

#undef CAT
#undef CAT_
