/* F.ctc_loss (Graves et al. 2006): the per-sample negative log-likelihood of the targets
 * under every alignment, by the forward (alpha) recursion over the extended target
 * l' = (blank, l1, blank, l2, ..., blank) of length 2 S + 1; its gradient by the backward
 * (beta) recursion, eq. (16) of the paper. Primitive CtcLossBackward0 on the per-sample losses,
 * then PyTorch's composition (where for zero_infinity, division by the target lengths and
 * mean, or sum).
 *
 * PyTorch's CPU kernel runs the recursions in log space (three exp and a log per cell); here
 * they run on probabilities rescaled at every frame (the paper's section 4.2), in double:
 * alpha_t / C_t with nll = -sum log C_t, so a cell costs a few multiply-adds and nothing
 * underflows that matters. Samples run in parallel. */
#include "loss.h"
#include "reduce.h"
#include <math.h>

/* Cells (frames x extended-target positions x samples) above which samples run in parallel:
 * a cell is a few ns, so smaller batches (T50 N16 S30: 49K cells, about a millisecond) lose
 * more to waking and joining threads than they gain, on a busy machine most of all. */
#define CTC_PAR_CELLS (1 << 20)

/* Node arguments: sizes and per-sample input lengths, target lengths and target offsets. */
typedef struct {
  int64_t T, N, C, S, blank; /* S: the longest target, alpha is (N, T, 2 S + 1) */
  bool zero_inf;
  int64_t v[]; /* il[N], tl[N], off[N] */
} ctc_args;
CT_ARGS_TYPE(ctc_args, NULL);

/* l'[s] of sample b: blank at even s, the target's (s - 1) / 2-th label at odd s */
static inline int64_t prime(const int64_t *tg, int64_t off, int64_t s, int64_t blank) {
  return s % 2 == 0 ? blank : tg[off + s / 2];
}

/* Divide row (n) by its sum; returns the sum (0: the row is all 0 and left so). */
static inline double rescale(double *row, int64_t n) {
  double z = 0;
  for (int64_t s = 0; s < n; s++) z += row[s];
  if (z > 0)
    for (int64_t s = 0; s < n; s++) row[s] /= z;
  return z;
}

/* pe[c] = exp(lt[c] - m) for the labels of l' (blank and the targets), m their largest log-prob
 * (returned): a frame whose labels all lie far below 0 (log-probs of -800) does not underflow. */
#define CTC_FRAME(TY, tn)                                                                     \
  static double frame_exp_##tn(const TY *lt, const int64_t *tg, int64_t off, int64_t tl,       \
                               int64_t blank, double *pe) {                                   \
    double m = (double)lt[blank];                                                             \
    for (int64_t k = 0; k < tl; k++) m = (double)lt[tg[off + k]] > m ? (double)lt[tg[off + k]] : m; \
    if (!isfinite(m)) m = 0;                                                                  \
    pe[blank] = exp((double)lt[blank] - m);                                                   \
    for (int64_t k = 0; k < tl; k++) pe[tg[off + k]] = exp((double)lt[tg[off + k]] - m);      \
    return m;                                                                                 \
  }
CTC_FRAME(float, f32)
CTC_FRAME(double, f64)

/* lp (T, N, C) sample b -> al (T, W): alpha_t rescaled to sum 1 per frame; returns the nll
 * (inf when no alignment exists). */
#define CTC_ALPHA(TY, tn)                                                                     \
  static double ctc_alpha_##tn(const TY *lp, const int64_t *tg, const ctc_args *a, int64_t b,  \
                               double *al, double *pe) {                                      \
    int64_t W = 2 * a->S + 1, il = a->v[b], tl = a->v[a->N + b], off = a->v[2 * a->N + b];     \
    int64_t NC = a->N * a->C, L = 2 * tl + 1;                                                 \
    for (int64_t i = 0; i < a->T * W; i++) al[i] = 0;                                         \
    if (il == 0) return tl == 0 ? 0 : INFINITY; /* no frame: only the empty target fits */   \
    const TY *l0 = lp + b * a->C;                                                             \
    double m = frame_exp_##tn(l0, tg, off, tl, a->blank, pe);                                 \
    al[0] = pe[a->blank];                                                                     \
    if (tl > 0) al[1] = pe[prime(tg, off, 1, a->blank)];                                      \
    double z = rescale(al, L), logp = m + log(z);                                             \
    for (int64_t t = 1; t < il && z > 0; t++) {                                               \
      const TY *lt = lp + t * NC + b * a->C;                                                  \
      const double *prev = al + (t - 1) * W;                                                  \
      double *cur = al + t * W;                                                               \
      m = frame_exp_##tn(lt, tg, off, tl, a->blank, pe);                                      \
      for (int64_t s = 0; s < L; s++) {                                                       \
        int64_t c = prime(tg, off, s, a->blank);                                              \
        double v = prev[s] + (s > 0 ? prev[s - 1] : 0);                                       \
        if (s > 1 && prime(tg, off, s - 2, a->blank) != c) v += prev[s - 2];                  \
        cur[s] = v * pe[c];                                                                   \
      }                                                                                       \
      z = rescale(cur, L);                                                                    \
      logp += m + log(z);                                                                     \
    }                                                                                         \
    if (!(z > 0)) return INFINITY;                                                            \
    const double *last = al + (il - 1) * W;                                                   \
    return -(logp + log(last[L - 1] + (tl > 0 ? last[L - 2] : 0)));                           \
  }
CTC_ALPHA(float, f32)
CTC_ALPHA(double, f64)

/* Sample b's gradient, PyTorch's formula grad[t][c] = (exp(lp) - exp(lcab + nll - lp)) * gr,
 * where exp(lcab + nll - lp) is the occupation probability of label c at frame t:
 * gamma_t(s) = alpha_t(s) beta_t(s) / p_t(l'[s]) normalised over s (both recursions include
 * p_t), summed over the s with l'[s] = c. The formula assumes lp is a log_softmax output (it is
 * the gradient with respect to the logits). Frames past the input length get 0; so does every
 * frame when zero_infinity meets an infinite loss, which otherwise gives nan as in PyTorch.
 * scratch: 2 W + 2 C doubles. */
#define CTC_GRAD(TY, tn)                                                                      \
  static void ctc_grad_##tn(const TY *lp, const int64_t *tg, const ctc_args *a, int64_t b,    \
                            const double *al, double nll, double gr, double *scratch,          \
                            TY *grad) {                                                       \
    int64_t W = 2 * a->S + 1, il = a->v[b], tl = a->v[a->N + b], off = a->v[2 * a->N + b];     \
    int64_t NC = a->N * a->C, C = a->C, L = 2 * tl + 1;                                       \
    bool dead = il == 0 || (a->zero_inf && nll == INFINITY);                                  \
    for (int64_t t = 0; t < a->T; t++)                                                        \
      for (int64_t c = 0; c < C; c++)                                                         \
        grad[t * NC + b * C + c] = t < il && !dead && nll == INFINITY ? (TY)NAN : 0;          \
    if (dead || nll == INFINITY) return;                                                      \
    double *beta = scratch, *next = scratch + W, *occ = scratch + 2 * W, *pe = occ + C;       \
    for (int64_t t = il - 1; t >= 0; t--) {                                                   \
      const TY *lt = lp + t * NC + b * C;                                                     \
      frame_exp_##tn(lt, tg, off, tl, a->blank, pe);                                          \
      for (int64_t s = 0; s < L; s++) {                                                       \
        int64_t c = prime(tg, off, s, a->blank);                                              \
        double v;                                                                             \
        if (t == il - 1) {                                                                    \
          v = s >= L - 2 ? 1 : 0;                                                             \
        } else {                                                                              \
          v = next[s] + (s < L - 1 ? next[s + 1] : 0);                                        \
          if (s < L - 2 && prime(tg, off, s + 2, a->blank) != c) v += next[s + 2];            \
        }                                                                                     \
        beta[s] = v * pe[c];                                                                  \
      }                                                                                       \
      rescale(beta, L);                                                                       \
      for (int64_t c = 0; c < C; c++) occ[c] = 0;                                             \
      const double *at = al + t * W;                                                          \
      double z = 0;                                                                           \
      for (int64_t s = 0; s < L; s++) { /* alpha beta / p = alpha * (beta before * p) / p */  \
        int64_t c = prime(tg, off, s, a->blank);                                              \
        double g = pe[c] > 0 ? at[s] * beta[s] / pe[c] : 0;                                   \
        occ[c] += g;                                                                          \
        z += g;                                                                               \
      }                                                                                       \
      TY *gt = grad + t * NC + b * C;                                                         \
      for (int64_t c = 0; c < C; c++)                                                         \
        gt[c] = (TY)((exp((double)lt[c]) - occ[c] / z) * gr);                                 \
      double *sw = beta;                                                                      \
      beta = next, next = sw;                                                                 \
    }                                                                                         \
  }
CTC_GRAD(float, f32)
CTC_GRAD(double, f64)

/* nll (N) = ctc(log_probs): grad = per-sample formula above times g[b]. saved: log_probs,
 * targets (int64, contiguous), alpha (N, T, W, rescaled per frame), nll. No double backward (PyTorch has
 * none: its _ctc_loss_backward is not differentiable). */
static void ctc_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const ctc_args *a = CT_ARGS(n, ctc_args);
  ct_tensor *lp = ct__saved(n, 0), *tg = ct__saved(n, 1), *la = ct__saved(n, 2);
  ct_tensor *nll = ct__saved(n, 3);
  if (!lp || !tg || !la || !nll) return;
  ct_tensor *lpc = ct__contig_as(lp, lp->dtype), *gd = ct__contig_as(g[0], CT_FLOAT64);
  ct_tensor *nd = ct__contig_as(nll, CT_FLOAT64);
  ct_tensor *grad = ct__empty(lp->dtype, lp->ndim, lp->shape);
  int64_t W = 2 * a->S + 1;
  double *scratch = malloc(sizeof(double) * (size_t)(a->N * (2 * W + 2 * a->C) + 1));
  if (!lpc || !gd || !nd || !grad || !scratch) {
    free(scratch);
    if (lpc && gd && nd && grad) ct__err("out of memory");
    return;
  }
  const double *gv = CT_PTR(gd, double), *nv = CT_PTR(nd, double), *lav = CT_PTR(la, double);
  const int64_t *tv = CT_PTR(tg, int64_t);
#pragma omp parallel for if (a->N > 1 && a->T * W * a->N >= CTC_PAR_CELLS) schedule(static)
  for (int64_t b = 0; b < a->N; b++) {
    double *sb = scratch + b * (2 * W + 2 * a->C);
    if (lp->dtype == CT_FLOAT32)
      ctc_grad_f32(CT_PTR(lpc, float), tv, a, b, lav + b * a->T * W, nv[b], gv[b], sb,
                   CT_PTR(grad, float));
    else
      ctc_grad_f64(CT_PTR(lpc, double), tv, a, b, lav + b * a->T * W, nv[b], gv[b], sb,
                   CT_PTR(grad, double));
  }
  free(scratch);
  gi[0] = grad;
}

/* ctc_loss_cpu_template's checks, PyTorch's messages. lp is (T, N, C) here. */
static int ctc_check(const ct_tensor *lp, const ct_tensor *tg, int64_t blank, int64_t nil,
                     const int64_t *il, int64_t ntl, const int64_t *tl, int64_t *S) {
  const char *from = "(while checking arguments for ctc_loss_cpu)";
  if (!ct_dtype_is_floating(lp->dtype))
    return ct__errs("\"ctc_loss_cpu\" not implemented for '%s'", ct__dtype_short(lp->dtype));
  if (lp->ndim != 3)
    return ct__errs("Expected 3-dimensional tensor, but got %d-dimensional tensor for argument #1"
                    " 'log_probs' %s", lp->ndim, from);
  if (tg->ndim < 1 || tg->ndim > 2)
    return ct__errs("Expected 1 to 2 dimensions, but got %d-dimensional tensor for argument #2"
                    " 'targets' %s", tg->ndim, from);
  int64_t N = lp->shape[1], C = lp->shape[2], T = lp->shape[0];
  if (blank < 0 || blank >= C) return ct__errs("blank must be in label range");
  if (nil != N) return ct__errs("input_lengths must be of size batch_size");
  if (ntl != N) return ct__errs("target_lengths must be of size batch_size");
  int64_t pos = 0, mx = 0;
  for (int64_t b = 0; b < N; b++) {
    if (tl[b] < 0) return ct__errs("ctorch: ctc_loss: target_lengths must be non-negative, got %lld", (long long)tl[b]);
    if (__builtin_add_overflow(pos, tl[b], &pos)) pos = INT64_MAX; /* no target is that long */
    mx = tl[b] > mx ? tl[b] : mx;
  }
  if (tg->ndim == 1 && tg->shape[0] != pos)
    return ct__errs("Expected tensor to have size %lld at dimension 0, but got size %lld for"
                    " argument #2 'targets' %s", (long long)pos, (long long)tg->shape[0], from);
  if (tg->ndim == 2 && tg->shape[0] != N)
    return ct__errs("Expected tensor to have size %lld at dimension 0, but got size %lld for"
                    " argument #2 'targets' %s", (long long)N, (long long)tg->shape[0], from);
  if (tg->ndim == 2 && tg->shape[1] < mx)
    return ct__errs("Expected tensor to have size at least %lld at dimension 1, but got size %lld"
                    " for argument #2 'targets' %s", (long long)mx, (long long)tg->shape[1], from);
  for (int64_t b = 0; b < N; b++) {
    if (il[b] > T)
      return ct__errs("Expected input_lengths to have value at most %lld, but got value %lld %s",
                      (long long)T, (long long)il[b], from);
    if (il[b] < 0) return ct__errs("ctorch: ctc_loss: input_lengths must be non-negative, got %lld", (long long)il[b]);
  }
  *S = mx;
  return 0;
}

/* _ctc_loss: per-sample nll (N) with CtcLossBackward0. */
static ct_tensor *ctc_core(const ct_tensor *lp, const ct_tensor *targets, const int64_t *il,
                           const int64_t *tl, int64_t S, int64_t blank, bool zero_inf) {
  int64_t T = lp->shape[0], N = lp->shape[1], C = lp->shape[2], W = 2 * S + 1;
  ct_tensor *tg = ct__contig_as(targets, CT_INT64), *lpc = ct__contig_as(lp, lp->dtype);
  ct_tensor *la = ct__empty(CT_FLOAT64, 3, (int64_t[]){N, T, W});
  ct_tensor *out = ct__empty(lp->dtype, 1, (int64_t[]){N});
  ctc_args *a = malloc(sizeof(ctc_args) + sizeof(int64_t) * 3 * (size_t)N);
  if (!tg || !lpc || !la || !out || !a) {
    free(a);
    return tg && lpc && la && out ? ct__err("out of memory") : NULL;
  }
  *a = (ctc_args){T, N, C, S, blank, zero_inf};
  const int64_t *tv = CT_PTR(tg, int64_t);
  for (int64_t b = 0, pos = 0; b < N; b++) {
    a->v[b] = il[b], a->v[N + b] = tl[b];
    a->v[2 * N + b] = tg->ndim == 1 ? pos : b * tg->shape[1];
    pos += tl[b];
  }
  for (int64_t b = 0; b < N; b++) /* PyTorch reads any label; ctorch refuses one outside [0, C) */
    for (int64_t k = 0; k < tl[b]; k++) {
      int64_t c = tv[a->v[2 * N + b] + k];
      if (c < 0 || c >= C) {
        free(a);
        return ct__err("ctorch: ctc_loss: target %lld is out of the label range [0, %lld)", (long long)c, (long long)C);
      }
    }
  double *nll = malloc(sizeof(double) * (size_t)(N * (C + 1) + 1));
  if (!nll) {
    free(a);
    return ct__err("out of memory");
  }
#pragma omp parallel for if (N > 1 && T * W * N >= CTC_PAR_CELLS) schedule(static)
  for (int64_t b = 0; b < N; b++) {
    double *lab = CT_PTR(la, double) + b * T * W;
    double *pe = nll + N + b * C; /* exp of one frame */
    nll[b] = lp->dtype == CT_FLOAT32 ? ctc_alpha_f32(CT_PTR(lpc, float), tv, a, b, lab, pe)
                                     : ctc_alpha_f64(CT_PTR(lpc, double), tv, a, b, lab, pe);
  }
  for (int64_t b = 0; b < N; b++) ct__store(CT_PTR(out, char) + b * ct_dtype_size(lp->dtype), lp->dtype, nll[b]);
  free(nll);
  ct_node *nd = ct__node_new("CtcLossBackward0", ctc_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)lp}, 1);
  if (nd) {
    ctc_args *na = ct__node_new_args(nd, &ctc_args_type, sizeof(int64_t) * 3 * (size_t)N);
    if (!na) {
      ct__node_abandon(nd);
      free(a);
      return NULL;
    }
    memcpy(na, a, sizeof(ctc_args) + sizeof(int64_t) * 3 * (size_t)N);
    ct__save(nd, lp, false);
    ct__save(nd, tg, false);
    ct__save(nd, la, false);
    ct__save(nd, out, true);
    ct__set_history(out, nd, 0);
  }
  free(a);
  return out;
}

ct_tensor *ct_ctc_loss_lengths_ex(const ct_tensor *log_probs, const ct_tensor *targets,
                                  int64_t n_input, const int64_t *input_lengths,
                                  int64_t n_target, const int64_t *target_lengths,
                                  ct_ctc_loss_opts o) {
  ct_dtype h = ct__half_enter(log_probs, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_ctc_loss_lengths_ex(ct__f32(log_probs), targets, n_input, input_lengths, n_target, target_lengths, o), h);
  if (!log_probs || !targets || (n_input && !input_lengths) || (n_target && !target_lengths))
    return NULL;
  if (o.reduction != CT_REDUCTION_MEAN && o.reduction != CT_REDUCTION_SUM &&
      o.reduction != CT_REDUCTION_NONE)
    return ct__err("%s is not a valid value for reduction",
                   ct__reduction_name(o.reduction) ? ct__reduction_name(o.reduction) : "?");
  CT_OP_BEGIN();
  bool batched = log_probs->ndim == 3;
  ct_tensor *lp = batched ? (ct_tensor *)log_probs : ct_unsqueeze(log_probs, 1);
  const ct_tensor *tg = targets; /* unbatched targets (S,) read as one concatenated sample */
  int64_t S = 0;
  if (!lp || ctc_check(lp, tg, o.blank, n_input, input_lengths, n_target, target_lengths, &S) != 0)
    return ct__op_end(NULL);
  ct_tensor *res = ctc_core(lp, tg, input_lengths, target_lengths, S, o.blank, o.zero_infinity);
  if (res && o.zero_infinity)
    res = ct_where(ct_eq_scalar(res, INFINITY), ct_zeros_ex(0, NULL, (ct_tensor_opts){.dtype = res->dtype}), res);
  if (res && o.reduction == CT_REDUCTION_MEAN) {
    ct_tensor *len = ct__empty(res->dtype, 1, (int64_t[]){n_target});
    if (!len) return ct__op_end(NULL);
    for (int64_t b = 0; b < n_target; b++)
      ct__store(CT_PTR(len, char) + b * ct_dtype_size(res->dtype), res->dtype,
                (double)(target_lengths[b] > 1 ? target_lengths[b] : 1));
    res = ct_mean(ct_div(res, len));
  } else if (res && o.reduction == CT_REDUCTION_SUM) {
    res = ct_sum(res);
  } else if (res && !batched) {
    res = ct_squeeze_dim(res, 0);
  }
  return ct__op_end(res);
}

/* The lengths tensor as int64 values: integral dtypes only (PyTorch: "... must be integral"). */
static ct_tensor *lengths_of(const ct_tensor *t, const char *what) {
  if (ct_dtype_is_floating(t->dtype) || t->dtype == CT_BOOL) return ct__err("%s must be integral", what);
  return ct__contig_as(t, CT_INT64);
}

ct_tensor *ct_ctc_loss_ex(const ct_tensor *log_probs, const ct_tensor *targets,
                          const ct_tensor *input_lengths, const ct_tensor *target_lengths,
                          ct_ctc_loss_opts o) {
  ct_dtype h = ct__half_enter(log_probs, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_ctc_loss_ex(ct__f32(log_probs), targets, input_lengths, target_lengths, o), h);
  if (!log_probs || !targets || !input_lengths || !target_lengths) return NULL;
  CT_OP_BEGIN();
  ct_tensor *il = lengths_of(input_lengths, "input_lengths");
  ct_tensor *tl = il ? lengths_of(target_lengths, "target_lengths") : NULL;
  if (!tl) return ct__op_end(NULL);
  return ct__op_end(ct_ctc_loss_lengths_ex(log_probs, targets, ct_numel(il), CT_PTR(il, int64_t),
                                           ct_numel(tl), CT_PTR(tl, int64_t), o));
}
