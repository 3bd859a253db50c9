/* The recurrent layer kernels of rnn.c for one element type: included once per type with ELT
 * (float / double), SFX (f32 / f64), GEMM (cblas_sgemm / cblas_dgemm), EXP and TANH defined.
 * Rows are packed time-major: step t's rows are [off[t], off[t] + bs[t]) of every (N, *)
 * buffer, the batch sizes non-increasing (an unpacked (ELT, B, *) input is bs[t] = B). A state
 * buffer (B, *) holds each sequence's latest value: rows past bs[t] are simply not touched at
 * step t, which freezes a finished sequence (forward) or keeps h0 for one not yet started
 * (reverse), as PyTorch's packed recurrence does. */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(name) CAT(name, SFX)

static inline ELT F(sigm)(ELT v) { return (ELT)1 / ((ELT)1 + EXP(-v)); }

/* C (m, n) = A (m, k) @ B^ELT (B stored (n, k)) + beta C; all row-major, leading dims given. */
static void F(gemm_nt)(int64_t m, int64_t n, int64_t k, const ELT *A, int64_t lda, const ELT *B, int64_t ldb,
                       ELT beta, ELT *C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)n, (int)k, 1, A, (int)lda, B, (int)ldb, beta, C,
       (int)ldc);
}
/* C (m, n) = A (m, k) @ B (k, n) + beta C */
static void F(gemm_nn)(int64_t m, int64_t n, int64_t k, const ELT *A, int64_t lda, const ELT *B, int64_t ldb,
                       ELT beta, ELT *C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1, A, (int)lda, B, (int)ldb, beta,
       C, (int)ldc);
}
/* C (m, n) = A^ELT @ B with A (k, m), B (k, n): a weight gradient summed over all k rows. */
static void F(gemm_tn)(int64_t m, int64_t n, int64_t k, const ELT *A, const ELT *B, ELT *C) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    memset(C, 0, sizeof(ELT) * (size_t)(m * n));
    return;
  }
  GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1, A, (int)m, B, (int)n, 0, C, (int)n);
}

/* Forward of one layer and direction (rnn_bufs in rnn.c says what each buffer holds). */
static void F(rnn_forward)(const rnn_geom *g, const rnn_bufs *b) {
  const int64_t H = g->H, P = g->P, GH = g->G * H, B = g->B;
  const ELT *x = b->x, *wih = b->wih, *whh = b->whh, *bih = b->bih, *bhh = b->bhh, *whr = b->whr;
  ELT *gates = b->gates, *hprev = b->hprev, *out = b->out, *hs = b->hn, *cs = b->cn;
  bool gru = g->mode == CT_RNN_GRU, lstm = g->mode == CT_RNN_LSTM;
  /* the input projection of every step at once: gates = x @ w_ih^ELT + b_ih (+ b_hh but GRU's) */
  F(gemm_nt)(g->N, GH, g->In, x, g->In, wih, g->In, 0, gates, GH);
  if (bih || bhh)
    for (int64_t r = 0; r < g->N; r++)
      for (int64_t j = 0; j < GH; j++)
        gates[r * GH + j] += (bih ? bih[j] : 0) + (!gru && bhh ? bhh[j] : 0);
  if (b->h0) memcpy(hs, b->h0, sizeof(ELT) * (size_t)(B * P));
  else memset(hs, 0, sizeof(ELT) * (size_t)(B * P));
  if (lstm) {
    if (b->c0) memcpy(cs, b->c0, sizeof(ELT) * (size_t)(B * H));
    else memset(cs, 0, sizeof(ELT) * (size_t)(B * H));
  }
  for (int64_t s = 0; s < g->T; s++) {
    int64_t t = g->reverse ? g->T - 1 - s : s, n = g->bs[t], o = g->off[t];
    ELT *gt = gates + o * GH, *hp = hprev + o * P, *ot = out + o * P;
    memcpy(hp, hs, sizeof(ELT) * (size_t)(n * P));
    if (gru) { /* the hidden side apart: n = tanh(x_n + r * (W_hn h + b_hn)) */
      ELT *hg = b->work;
      F(gemm_nt)(n, GH, P, hs, P, whh, P, 0, hg, GH);
      ELT *hn = (ELT *)b->hng + o * H;
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < H; j++) {
          ELT *a = gt + r * GH, *h = hg + r * GH;
          ELT rr = F(sigm)(a[j] + h[j] + (bhh ? bhh[j] : 0));
          ELT zz = F(sigm)(a[H + j] + h[H + j] + (bhh ? bhh[H + j] : 0));
          ELT hnv = h[2 * H + j] + (bhh ? bhh[2 * H + j] : 0);
          ELT nn = TANH(a[2 * H + j] + rr * hnv);
          a[j] = rr, a[H + j] = zz, a[2 * H + j] = nn, hn[r * H + j] = hnv;
          ELT hv = (1 - zz) * nn + zz * hs[r * P + j];
          ot[r * P + j] = hv;
          hs[r * P + j] = hv;
        }
      continue;
    }
    F(gemm_nt)(n, GH, P, hs, P, whh, P, 1, gt, GH); /* gates += h @ w_hh^ELT */
    if (!lstm) {
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < H; j++) {
          ELT a = gt[r * GH + j];
          ELT hv = g->mode == CT_RNN_TANH ? TANH(a) : (a > 0 ? a : 0);
          ot[r * P + j] = hv, hs[r * P + j] = hv;
        }
      continue;
    }
    ELT *cell = (ELT *)b->cell + o * H, *cprev = (ELT *)b->cprev + o * H;
    ELT *m = g->proj ? (ELT *)b->m + o * H : ot; /* o * tanh(c): h itself without a projection */
    for (int64_t r = 0; r < n; r++) {
      ELT *a = gt + r * GH;
      for (int64_t j = 0; j < H; j++) {
        ELT ig = F(sigm)(a[j]), fg = F(sigm)(a[H + j]), gg = TANH(a[2 * H + j]), og = F(sigm)(a[3 * H + j]);
        a[j] = ig, a[H + j] = fg, a[2 * H + j] = gg, a[3 * H + j] = og;
        ELT cp = cs[r * H + j], c = fg * cp + ig * gg;
        cprev[r * H + j] = cp, cell[r * H + j] = c, cs[r * H + j] = c;
        m[r * H + j] = og * TANH(c);
      }
    }
    if (g->proj) F(gemm_nt)(n, P, H, m, H, whr, H, 0, ot, P); /* h = m @ w_hr^ELT */
    for (int64_t r = 0; r < n; r++) memcpy(hs + r * P, ot + r * P, sizeof(ELT) * (size_t)P);
  }
}

/* Backpropagation through time: the steps in the opposite order, dh / dc carried per
 * sequence; the per-step gate gradients dG (dGh: GRU's hidden side) kept for the weight
 * gradients, which are then one GEMM each over all steps. */
static void F(rnn_backward)(const rnn_geom *g, const rnn_bufs *b, const rnn_grads *d) {
  const int64_t H = g->H, P = g->P, GH = g->G * H, B = g->B, N = g->N;
  const ELT *whh = b->whh, *gates = b->gates, *out = b->out, *hprev = b->hprev;
  ELT *dh = d->dh, *dc = d->dc, *dG = d->dG, *dGh = g->mode == CT_RNN_GRU ? d->dGh : d->dG;
  bool gru = g->mode == CT_RNN_GRU, lstm = g->mode == CT_RNN_LSTM;
  if (d->ghn) memcpy(dh, d->ghn, sizeof(ELT) * (size_t)(B * P));
  else memset(dh, 0, sizeof(ELT) * (size_t)(B * P));
  if (lstm) {
    if (d->gcn) memcpy(dc, d->gcn, sizeof(ELT) * (size_t)(B * H));
    else memset(dc, 0, sizeof(ELT) * (size_t)(B * H));
  }
  const ELT *gout = d->gout;
  for (int64_t s = g->T - 1; s >= 0; s--) {
    int64_t t = g->reverse ? g->T - 1 - s : s, n = g->bs[t], o = g->off[t];
    if (gout)
      for (int64_t i = 0; i < n * P; i++) dh[i] += gout[o * P + i];
    const ELT *a = gates + o * GH;
    ELT *da = dG + o * GH, *dah = dGh + o * GH;
    if (lstm) {
      const ELT *cell = (const ELT *)b->cell + o * H, *cprev = (const ELT *)b->cprev + o * H;
      const ELT *dm = dh;
      if (g->proj) { /* h = m @ w_hr^ELT: dm = dh @ w_hr; dh kept for w_hr's gradient */
        memcpy((ELT *)d->dHs + o * P, dh, sizeof(ELT) * (size_t)(n * P));
        F(gemm_nn)(n, H, P, dh, P, b->whr, H, 0, d->dm, H);
        dm = d->dm;
      }
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < H; j++) {
          const ELT *ar = a + r * GH;
          ELT ig = ar[j], fg = ar[H + j], gg = ar[2 * H + j], og = ar[3 * H + j];
          ELT tc = TANH(cell[r * H + j]), dmv = dm[r * H + j];
          ELT dcv = dc[r * H + j] + dmv * og * (1 - tc * tc);
          ELT *dr = da + r * GH;
          dr[j] = dcv * gg * ig * (1 - ig);
          dr[H + j] = dcv * cprev[r * H + j] * fg * (1 - fg);
          dr[2 * H + j] = dcv * ig * (1 - gg * gg);
          dr[3 * H + j] = dmv * tc * og * (1 - og);
          dc[r * H + j] = dcv * fg;
        }
      F(gemm_nn)(n, P, GH, da, GH, whh, P, 0, dh, P); /* dh_prev = dG @ w_hh */
    } else if (gru) {
      const ELT *hn = (const ELT *)b->hng + o * H, *hp = hprev + o * P;
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < H; j++) {
          const ELT *ar = a + r * GH;
          ELT rr = ar[j], zz = ar[H + j], nn = ar[2 * H + j], dhv = dh[r * P + j];
          ELT dan = dhv * (1 - zz) * (1 - nn * nn);
          ELT dar = dan * hn[r * H + j] * rr * (1 - rr);
          ELT daz = dhv * (hp[r * P + j] - nn) * zz * (1 - zz);
          ELT *dr = da + r * GH, *dhr = dah + r * GH;
          dr[j] = dhr[j] = dar;
          dr[H + j] = dhr[H + j] = daz;
          dr[2 * H + j] = dan, dhr[2 * H + j] = dan * rr;
          dh[r * P + j] = dhv * zz;
        }
      F(gemm_nn)(n, P, GH, dah, GH, whh, P, 1, dh, P); /* dh_prev += dGh @ w_hh */
    } else {
      const ELT *ot = out + o * P;
      for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < H; j++) {
          ELT h = ot[r * P + j], dv = dh[r * P + j];
          da[r * GH + j] = g->mode == CT_RNN_TANH ? dv * (1 - h * h) : (h > 0 ? dv : 0);
        }
      F(gemm_nn)(n, P, GH, da, GH, whh, P, 0, dh, P);
    }
  }
  if (d->dx) F(gemm_nn)(N, g->In, GH, dG, GH, b->wih, g->In, 0, d->dx, g->In);
  if (d->dwih) F(gemm_tn)(GH, g->In, N, dG, b->x, d->dwih);
  if (d->dwhh) F(gemm_tn)(GH, P, N, dGh, hprev, d->dwhh);
  if (d->dwhr) F(gemm_tn)(P, H, N, d->dHs, b->m, d->dwhr);
  ELT *sums[2] = {d->dbih, d->dbhh};
  const ELT *src[2] = {dG, dGh};
  for (int k = 0; k < 2; k++) {
    if (!sums[k]) continue;
    memset(sums[k], 0, sizeof(ELT) * (size_t)GH);
    for (int64_t r = 0; r < N; r++)
      for (int64_t j = 0; j < GH; j++) sums[k][j] += src[k][r * GH + j];
  }
}

#undef F
#undef CAT
#undef CAT_
