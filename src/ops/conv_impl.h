/* Template of the convolution kernels for one float type: included by conv_kernels.c through
 * each_dtype.h (CT_FLOATS_ONLY: T float / double, F(name) name_f32 / name_f64).
 * Shapes are those of conv.h; Svol, Ovol, Kvol are the products of S, O, K. */
#define GEMM _Generic((T)0, float: cblas_sgemm, double: cblas_dgemm)

/* The patch walk of im2col and its adjoint: row (c, k) of col (Cg * Kvol, Ovol) holds, at
 * column o, x (Cg, S) at the input position that output position o reads through kernel
 * offset k (zero outside S). to_col: col <- those values; else x += col's values there. One
 * walk serves both so the two maps stay each other's adjoint. */
static void F(patch_walk)(T *col, T *x, int64_t Cg, const conv_geom *g, bool to_col) {
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
                if (to_col) memset(r, 0, sizeof(T) * (size_t)O[2]);
                continue;
              }
              T *xr = x + c * Svol + (i0 * S[1] + i1) * S[2] + off;
              if (!to_col) {
                for (int64_t o = lo; o < hi; o++) xr[o * st[2]] += r[o];
                continue;
              }
              for (int64_t o = 0; o < lo; o++) r[o] = 0;
              if (st[2] == 1) memcpy(r + lo, xr + lo, sizeof(T) * (size_t)(hi - lo));
              else
                for (int64_t o = lo; o < hi; o++) r[o] = xr[o * st[2]];
              for (int64_t o = hi; o < O[2]; o++) r[o] = 0;
            }
          }
        }
}

/* col (Cg * Kvol, Ovol) <- the input patches of x (Cg, S); row (c, k), column o. The walk
 * only reads x here. */
static void F(im2col)(T *col, const T *x, int64_t Cg, const conv_geom *g) {
  F(patch_walk)(col, (T *)x, Cg, g, true);
}

/* x (Cg, S) += the patches of col (Cg * Kvol, Ovol): im2col's adjoint. The walk only reads col
 * here. */
static void F(col2im)(T *x, const T *col, int64_t Cg, const conv_geom *g) {
  F(patch_walk)((T *)col, x, Cg, g, false);
}

/* out (N, Ch, vol) += bias (Ch) */
static void F(add_bias)(T *out, const T *bias, int64_t n, int64_t Ch, int64_t vol) {
  for (int64_t c = 0; c < Ch; c++) {
    T b = bias[c], *p = out + (n * Ch + c) * vol;
    for (int64_t i = 0; i < vol; i++) p[i] += b;
  }
}

/* One call of a map: the buffers of x, w, y (the map's output among them, as conv_dnnl_io),
 * the bias or NULL, the sizes; acc: per thread, where a weight gradient sums. */
typedef struct {
  T *x, *w, *y;
  const T *bias;
  int64_t C, Co;
  const conv_geom *g;
  conv_dims d;
  T **acc;
} F(conv_job);
typedef void (*F(conv_sample_fn))(const F(conv_job) *j, T *col, int64_t n);

/* Runs sample(j, col, n) for n in [0, N), the batch split statically over j->d.nt threads,
 * each with its own column buffer (none when the map is direct). -1: out of memory. */
static int F(conv_over_batch)(const F(conv_job) *j, int64_t N, F(conv_sample_fn) sample) {
  const conv_dims *d = &j->d;
  bool oom = false;
#pragma omp parallel num_threads(d->nt) if (d->nt > 1)
  {
    T *col = d->direct ? NULL : malloc(sizeof(T) * (size_t)(d->Kc * d->L > 0 ? d->Kc * d->L : 1));
    if (!d->direct && !col) oom = true;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < N; n++)
      if (d->direct || col) sample(j, col, n);
    free(col);
  }
  return oom ? -1 : 0;
}

/* y[n, grp] (Cog, Ovol) = w[grp] (Cog, Kc) @ col (Kc, Ovol), per group. */
static void F(fwd_sample)(const F(conv_job) *j, T *col, int64_t n) {
  const conv_dims *d = &j->d;
  int64_t Cg = d->Cg, Cog = d->Cog, Kc = d->Kc, L = d->L;
  for (int64_t grp = 0; grp < d->G; grp++) {
    const T *xg = j->x + (n * j->C + grp * Cg) * d->Svol;
    T *yg = j->y + (n * j->Co + grp * Cog) * L;
    if (!d->direct) F(im2col)(col, xg, Cg, j->g);
    if (Kc == 0) memset(yg, 0, sizeof(T) * (size_t)(Cog * L));
    else
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Cog, (int)L, (int)Kc, 1,
           j->w + grp * Cog * Kc, (int)Kc, d->direct ? xg : col, (int)L, 0, yg, (int)L);
  }
  if (j->bias) F(add_bias)(j->y, j->bias, n, j->Co, L);
}

static int F(conv_fwd)(T *y, const T *x, const T *w, const T *bias, int64_t N, int64_t C,
                       int64_t Co, const conv_geom *g) {
  F(conv_job) j = {(T *)x, (T *)w, y, bias, C, Co, g, conv_dims_of(N, C, Co, g), NULL};
  return F(conv_over_batch)(&j, N, F(fwd_sample));
}

/* col (Kc, Ovol) = w[grp]^T (Kc, Cog) @ gy[n, grp] (Cog, Ovol); gx[n, grp] = col2im(col). */
static void F(data_sample)(const F(conv_job) *j, T *col, int64_t n) {
  const conv_dims *d = &j->d;
  int64_t Cg = d->Cg, Cog = d->Cog, Kc = d->Kc, L = d->L, Svol = d->Svol;
  for (int64_t grp = 0; grp < d->G; grp++) {
    T *xg = j->x + (n * j->C + grp * Cg) * Svol;
    if (!d->direct) memset(xg, 0, sizeof(T) * (size_t)(Cg * Svol));
    if (Cog == 0 || Kc == 0 || L == 0) {
      if (d->direct) memset(xg, 0, sizeof(T) * (size_t)(Cg * Svol));
      continue;
    }
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)Kc, (int)L, (int)Cog, 1,
         j->w + grp * Cog * Kc, (int)Kc, j->y + (n * j->Co + grp * Cog) * L, (int)L, 0,
         d->direct ? xg : col, (int)L);
    if (!d->direct) F(col2im)(xg, col, Cg, j->g);
  }
  if (j->bias) F(add_bias)(j->x, j->bias, n, j->C, Svol);
}

static int F(conv_bwd_data)(T *gx, const T *gy, const T *w, const T *bias, int64_t N,
                            int64_t C, int64_t Co, const conv_geom *g) {
  F(conv_job) j = {gx, (T *)w, (T *)gy, bias, C, Co, g, conv_dims_of(N, C, Co, g), NULL};
  return F(conv_over_batch)(&j, N, F(data_sample));
}

/* acc[thread][grp] (Cog, Kc) += gy[n, grp] (Cog, Ovol) @ col_n^T (Ovol, Kc). */
static void F(weight_sample)(const F(conv_job) *j, T *col, int64_t n) {
  const conv_dims *d = &j->d;
  int64_t Cg = d->Cg, Cog = d->Cog, Kc = d->Kc, L = d->L;
  T *acc = j->acc[omp_get_thread_num()];
  for (int64_t grp = 0; grp < d->G; grp++) {
    const T *xg = j->x + (n * j->C + grp * Cg) * d->Svol;
    if (!d->direct) F(im2col)(col, xg, Cg, j->g);
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)Cog, (int)Kc, (int)L, 1,
         j->y + (n * j->Co + grp * Cog) * L, (int)L, d->direct ? xg : col, (int)L, 1,
         acc + grp * Cog * Kc, (int)Kc);
  }
}

/* gw[grp] (Cog, Kc) = sum_n gy[n, grp] (Cog, Ovol) @ col_n^T (Ovol, Kc). Threads split the
 * batch statically, each summing into its own buffer (thread 0 into gw); the buffers are added
 * in thread order, so a result does not depend on timing. */
static int F(conv_bwd_weight)(T *gw, const T *x, const T *gy, int64_t N, int64_t C,
                              int64_t Co, const conv_geom *g) {
  F(conv_job) j = {(T *)x, gw, (T *)gy, NULL, C, Co, g, conv_dims_of(N, C, Co, g), NULL};
  int64_t wn = Co * j.d.Kc;
  int nt = j.d.nt;
  memset(gw, 0, sizeof(T) * (size_t)wn);
  if (j.d.L == 0 || wn == 0) return 0;
  T *bufs = nt > 1 ? calloc((size_t)(nt - 1) * (size_t)wn, sizeof(T)) : NULL;
  T **acc = malloc(sizeof(T *) * (size_t)nt);
  if ((nt > 1 && !bufs) || !acc) {
    free(bufs);
    free(acc);
    return -1;
  }
  acc[0] = gw;
  for (int t = 1; t < nt; t++) acc[t] = bufs + (size_t)(t - 1) * (size_t)wn;
  j.acc = acc;
  int rc = F(conv_over_batch)(&j, N, F(weight_sample));
  for (int t = 1; t < nt; t++)
    for (int64_t i = 0; i < wn; i++) gw[i] += acc[t][i];
  free(acc);
  free(bufs);
  return rc;
}

#undef GEMM
