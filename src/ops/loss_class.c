/* F.nll_loss and F.cross_entropy (class indices fused, class probabilities and label smoothing
 * composed as PyTorch 1.13 composes them). The input is seen as (N, C, L): class dim 1 (0 for a
 * 1-D input), L the product of the spatial dims (1 for (N, C)); the target as (N, L).
 *
 * nll_loss is a primitive because PyTorch's grad_fn is NllLossBackward0 / NllLoss2DBackward0.
 * cross_entropy with class indices is one more primitive under the same grad_fn names: forward
 * computes each row's logsumexp and the picked logit in one pass, backward writes
 * (softmax - onehot) * coef in one pass; when the backward itself is recorded (create_graph) it
 * is composed from ct_softmax and ct_mul instead, so second derivatives work as they do through
 * PyTorch's log_softmax + nll_loss. */
#include "loss.h"
#include "elementwise.h"
#include "reduce.h"
#include <math.h>

/* What the checks leave for the kernels. */
typedef struct nll_plan {
  int64_t N, C, L;
  const int64_t *t; /* (N * L) targets, contiguous (tgt's data) */
  ct_tensor *tgt;
  double *w;        /* (N * L) weight[t], 0 where ignored (malloc'd) */
  double total;     /* sum of w: 'mean' divides by it */
  bool two_d;       /* NllLoss2DBackward0 */
  int out_nd;       /* 'none': the node's output shape (N, 1, L for 3-D / >4-D input) */
  int64_t out_shape[CT_MAX_DIMS];
  bool view_out;    /* 'none' on 3-D / >4-D: the node's output viewed to target's shape */
} nll_plan;

static void shape_str(char *buf, size_t n, int nd, const int64_t *s) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < nd && k < n; i++) k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)s[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* nll_loss_nd's checks (PyTorch's messages and order), then the targets read: -1 + error. */
static int nll_shapes(const ct_tensor *x, const ct_tensor *tg, const ct_tensor *w, nll_plan *p) {
  char a[160], b[160];
  if (x->ndim < 1) return ct__errs("Expected 1 or more dimensions (got %d)", x->ndim);
  if (x->ndim != 1 && (tg->ndim == 0 || x->shape[0] != tg->shape[0]))
    return ct__errs("Expected input batch_size (%lld) to match target batch_size (%lld).",
                    (long long)x->shape[0], (long long)(tg->ndim ? tg->shape[0] : 0));
  p->two_d = x->ndim > 2;
  p->out_nd = tg->ndim;
  memcpy(p->out_shape, tg->shape, sizeof(int64_t) * (size_t)tg->ndim);
  if (x->ndim <= 2) {
    if (tg->ndim > 1) return ct__errs("0D or 1D target tensor expected, multi-target not supported");
    bool no_batch = x->ndim == 1 && tg->ndim == 0;
    int64_t batch = tg->ndim == 0 ? 1 : tg->shape[0];
    if (!no_batch && x->shape[0] != batch) {
      shape_str(a, sizeof a, x->ndim, x->shape);
      shape_str(b, sizeof b, tg->ndim, tg->shape);
      return ct__errs("size mismatch (got input: %s, target: %s)", a, b);
    }
    p->N = x->ndim == 1 ? 1 : x->shape[0];
    p->C = x->shape[x->ndim - 1];
    p->L = 1;
    if (w && (w->ndim != 1 || w->shape[0] != p->C)) {
      shape_str(a, sizeof a, w->ndim, w->shape);
      return ct__errs("weight tensor should be defined either for all %lld classes or no classes"
                      " but got weight tensor of shape: %s", (long long)p->C, a);
    }
  } else {
    bool same = tg->ndim == x->ndim - 1;
    for (int i = 1; same && i < tg->ndim; i++) same = tg->shape[i] == x->shape[i + 1];
    if (x->ndim != 4 && !same) {
      int64_t want[CT_MAX_DIMS];
      want[0] = x->shape[0];
      for (int i = 2; i < x->ndim; i++) want[i - 1] = x->shape[i];
      shape_str(a, sizeof a, x->ndim - 1, want);
      shape_str(b, sizeof b, tg->ndim, tg->shape);
      return ct__errs("Expected target size %s, got %s", a, b);
    }
    if (x->ndim == 4 && tg->ndim != 3)
      return ct__errs("only batches of spatial targets supported (3D tensors) but got targets of"
                      " dimension: %d", tg->ndim);
    p->N = x->shape[0];
    p->C = x->shape[1];
    p->L = 1;
    for (int i = 2; i < x->ndim; i++) p->L *= x->shape[i];
    if (w && ct_numel(w) != p->C) return ct__errs("weight tensor should be defined either for all or no classes");
    if (x->ndim == 4 && !same) {
      shape_str(a, sizeof a, x->ndim, x->shape);
      shape_str(b, sizeof b, tg->ndim, tg->shape);
      return ct__errs("size mismatch (got input: %s , target: %s", a, b);
    }
    if (x->ndim != 4) { /* PyTorch runs nll_loss2d on (N, C, 1, L) and views 'none' back */
      p->view_out = true;
      p->out_nd = 3;
      p->out_shape[0] = p->N, p->out_shape[1] = 1, p->out_shape[2] = p->L;
    }
  }
  if (!ct_dtype_is_floating(x->dtype))
    return ct__errs("\"%s\" not implemented for '%s'",
                    p->two_d ? "nll_loss2d_forward_out_frame" : "nll_loss_out_frame",
                    ct__dtype_short(x->dtype));
  if (tg->dtype != CT_INT64)
    return ct__errs("expected scalar type Long but found %s", ct__dtype_short(tg->dtype));
  if (w && w->dtype != x->dtype)
    return ct__errs("expected scalar type %s but found %s", ct__dtype_short(x->dtype),
                    ct__dtype_short(w->dtype));
  return 0;
}

/* Targets and their weights: w[i] = weight[t] (1 without weight), 0 where t == ignore_index;
 * "Target 5 is out of bounds." for any other t outside [0, C). */
static int nll_targets(const ct_tensor *tg, const ct_tensor *weight, int64_t ignore, nll_plan *p) {
  p->tgt = ct__contig_as(tg, CT_INT64);
  ct_tensor *wc = weight ? ct__contig_as(weight, CT_FLOAT64) : NULL;
  int64_t m = p->N * p->L;
  p->w = malloc(sizeof(double) * (size_t)(m ? m : 1));
  if (!p->tgt || (weight && !wc) || !p->w) return p->w ? -1 : ct__errs("out of memory");
  p->t = CT_PTR(p->tgt, int64_t);
  const double *wv = wc ? CT_PTR(wc, double) : NULL;
  double total = 0;
  for (int64_t i = 0; i < m; i++) {
    int64_t t = p->t[i];
    if (t == ignore) {
      p->w[i] = 0;
      continue;
    }
    if (t < 0 || t >= p->C) return ct__errs("Target %lld is out of bounds.", (long long)t);
    p->w[i] = wv ? wv[t] : 1;
    total += p->w[i];
  }
  p->total = total;
  return 0;
}

static int nll_plan_make(const ct_tensor *x, const ct_tensor *tg, const ct_tensor *weight,
                         int64_t ignore, nll_plan *p) {
  *p = (nll_plan){0};
  if (nll_shapes(x, tg, weight, p) != 0) return -1;
  return nll_targets(tg, weight, ignore, p);
}

/* The loss tensor from per-element losses l (N * L, doubles): 'none' keeps them (0 where
 * ignored), 'sum' adds them, 'mean' divides the sum by the summed weights (0 / 0 = nan). */
static ct_tensor *nll_result(const nll_plan *p, const double *l, ct_dtype dt, ct_reduction red) {
  if (red == CT_REDUCTION_NONE) {
    ct_tensor *out = ct__empty(dt, p->out_nd, p->out_shape);
    if (!out) return NULL;
    for (int64_t i = 0; i < p->N * p->L; i++) ct__store(CT_PTR(out, char) + i * ct_dtype_size(dt), dt, l[i]);
    return out;
  }
  double s = 0;
  for (int64_t i = 0; i < p->N * p->L; i++) s += l[i];
  if (red == CT_REDUCTION_MEAN) s /= p->total;
  ct_tensor *out = ct__empty(dt, 0, NULL);
  if (out) ct__store(CT_PTR(out, char), dt, s);
  return out;
}

/* The gradient's per-element factor, input dtype, (N, 1, L): w / total for 'mean', w else. */
static ct_tensor *nll_coef(const nll_plan *p, ct_dtype dt, ct_reduction red) {
  ct_tensor *c = ct__empty(dt, 3, (int64_t[]){p->N, 1, p->L});
  if (!c) return NULL;
  for (int64_t i = 0; i < p->N * p->L; i++)
    ct__store(CT_PTR(c, char) + i * ct_dtype_size(dt), dt,
              red == CT_REDUCTION_MEAN ? (p->w[i] ? p->w[i] / p->total : 0) : p->w[i]);
  return c;
}

/* The one-hot of the targets, (N, C, L) of dt; rows of ignored targets all 0. */
static ct_tensor *nll_onehot(int64_t N, int64_t C, int64_t L, const int64_t *t, ct_dtype dt) {
  int64_t shape[3] = {N, C, L};
  ct_tensor *oh = ct_zeros(3, shape, .dtype = dt);
  if (!oh) return NULL;
  size_t es = ct_dtype_size(dt);
  for (int64_t n = 0; n < N; n++)
    for (int64_t l = 0; l < L; l++)
      if (t[n * L + l] >= 0 && t[n * L + l] < C)
        ct__store(CT_PTR(oh, char) + ((n * C + t[n * L + l]) * L + l) * es, dt, 1);
  return oh;
}

/* Node arguments shared by nll_loss and the fused cross_entropy. */
typedef struct {
  int64_t N, C, L;
  ct_reduction red;
} nll_args;
CT_ARGS_TYPE(nll_args, NULL);

/* g as (N, 1, L) (reduced: the 0-D g broadcasts) times coef: the per-row factor of the
 * gradient, differentiable in g. */
static ct_tensor *grad_factor(const nll_args *a, ct_tensor *g, ct_tensor *coef) {
  if (a->red != CT_REDUCTION_NONE) return ct_mul(g, coef);
  return ct_mul(ct_reshape(g, 3, (int64_t[]){a->N, 1, a->L}), coef);
}

/* out = -coef * x[t] (reduced as asked): gx = onehot * (-g * coef), linear in g so its own
 * derivative is recorded through ct_mul. saved: target, coef. */
static void nll_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const nll_args *a = CT_ARGS(n, nll_args);
  ct_tensor *tg = ct__saved(n, 0), *coef = ct__saved(n, 1);
  if (!tg || !coef) return;
  ct_tensor *oh = nll_onehot(a->N, a->C, a->L, CT_PTR(tg, int64_t), coef->dtype);
  ct_tensor *gx = ct_mul(oh, ct_neg(grad_factor(a, g[0], coef)));
  gi[0] = gx ? ct_reshape(gx, n->in[0].ndim, n->in[0].shape) : NULL;
}

/* Record the node (name by the input's rank) on out; the node's output is what the caller
 * views to target's shape for 'none' on 3-D / >4-D input. */
static ct_tensor *nll_record(ct_tensor *out, const ct_tensor *x, const nll_plan *p,
                             ct_reduction red, ct_backward_fn bw, const ct_tensor *save_x,
                             const ct_tensor *save_lse) {
  ct_node *nd = ct__node_new(p->two_d ? "NllLoss2DBackward0" : "NllLossBackward0", bw, 1,
                             (ct_tensor *const[]){(ct_tensor *)x}, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, nll_args) = (nll_args){p->N, p->C, p->L, red};
    ct_tensor *coef = nll_coef(p, x->dtype, red);
    if (!coef) {
      ct__node_abandon(nd);
      return NULL;
    }
    ct__save(nd, p->tgt, false);
    ct__save(nd, coef, false);
    if (save_x) {
      ct__save(nd, save_x, false);
      ct__save(nd, save_lse, false);
    }
    ct__set_history(out, nd, 0);
  }
  if (red == CT_REDUCTION_NONE && p->view_out) return ct_view(out, p->tgt->ndim, p->tgt->shape);
  return out;
}

/* PyTorch's _Reduction.get_enum: mean, sum or none ('batchmean' is kl_div's alone). */
static int check_reduction(ct_reduction r) {
  if (r == CT_REDUCTION_MEAN || r == CT_REDUCTION_SUM || r == CT_REDUCTION_NONE) return 0;
  if (r == CT_REDUCTION_BATCHMEAN) return ct__errs("batchmean is not a valid value for reduction");
  return ct__errs("%d is not a valid value for reduction", (int)r);
}

/* ---- nll_loss ------------------------------------------------------------------------ */
/* x (N, C, L), t (N, L) -> l (N, L): -w * x[n, t, l], 0 where ignored */
#define NLL_KERNEL(T, tn)                                                                     \
  static void nll_fwd_##tn(const T *x, const nll_plan *p, double *l) {                        \
    for (int64_t n = 0; n < p->N; n++)                                                        \
      for (int64_t j = 0; j < p->L; j++) {                                                    \
        int64_t i = n * p->L + j;                                                             \
        l[i] = p->w[i] ? -p->w[i] * (double)x[(n * p->C + p->t[i]) * p->L + j] : 0;           \
      }                                                                                       \
  }
NLL_KERNEL(float, f32)
NLL_KERNEL(double, f64)

ct_tensor *ct_nll_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_nll_loss_opts o) {
  ct_dtype h = ct__half_enter(input, o.weight, NULL); /* float16 / bfloat16: in float32 */
  if ((int)h >= 0) {
    o.weight = ct__f32(o.weight);
    return ct__half_end(ct_nll_loss_ex(ct__f32(input), target, o), h);
  }
  if (!input || !target) return NULL;
  if (check_reduction(o.reduction) != 0) return NULL;
  CT_OP_BEGIN();
  nll_plan p;
  ct_tensor *out = NULL;
  double *l = NULL;
  if (nll_plan_make(input, target, o.weight, o.ignore_index, &p) != 0) goto done;
  ct_tensor *x = ct__contig_as(input, input->dtype);
  l = malloc(sizeof(double) * (size_t)(p.N * p.L > 0 ? p.N * p.L : 1));
  if (!x || !l) goto done;
  if (input->dtype == CT_FLOAT32) nll_fwd_f32(CT_PTR(x, float), &p, l);
  else nll_fwd_f64(CT_PTR(x, double), &p, l);
  out = nll_result(&p, l, input->dtype, o.reduction);
  if (out) out = nll_record(out, input, &p, o.reduction, nll_backward, NULL, NULL);
done:
  free(l);
  free(p.w);
  return ct__op_end(out);
}

/* ---- cross_entropy with class indices: fused log_softmax + nll ----------------------- */
/* float32 row x (C) -> logsumexp(x), the max exact in float and the ct__expf terms summed in
 * double lanes, so every pass vectorises. All -inf: no shift (the result is nan like PyTorch). */
static inline __attribute__((always_inline)) double lse_row_f32(const float *x, int64_t C) {
  enum { V = 16 };
  float mx[V];
  for (int j = 0; j < V; j++) mx[j] = -INFINITY;
  int64_t k = 0;
  for (; k + V <= C; k += V)
    for (int j = 0; j < V; j++) mx[j] = x[k + j] > mx[j] ? x[k + j] : mx[j];
  for (; k < C; k++) mx[0] = x[k] > mx[0] ? x[k] : mx[0];
  float m = mx[0];
  for (int j = 1; j < V; j++) m = mx[j] > m ? mx[j] : m;
  if (isinf(m) && m < 0) m = 0;
  double acc[V] = {0};
  for (k = 0; k + V <= C; k += V)
    for (int j = 0; j < V; j++) acc[j] += ct__expf(x[k + j] - m);
  for (; k < C; k++) acc[0] += ct__expf(x[k] - m);
  for (int w = V / 2; w > 0; w /= 2)
    for (int j = 0; j < w; j++) acc[j] += acc[j + w];
  return (double)m + log(acc[0]);
}

/* float32 row: gx (C) = f * (exp(x - lse) - onehot(t)) */
static inline __attribute__((always_inline)) void ce_grad_row_f32(const float *x, float *gx,
                                                                 int64_t C, float lse, float f,
                                                                 int64_t t) {
  for (int64_t c = 0; c < C; c++) gx[c] = f * ct__expf(x[c] - lse);
  if (t >= 0 && t < C) gx[t] -= f;
}

/* x (N, C, L) -> lse (N, L) and l (N, L) = w * (lse - x[t]) (0 where ignored) */
#define CE_FWD(T, tn)                                                                         \
  static void ce_fwd_##tn(const T *x, const nll_plan *p, T *lse, double *l) {                 \
    int64_t C = p->C, L = p->L;                                                               \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(p->N, C * L))")                               \
    for (int64_t n = 0; n < p->N; n++)                                                        \
      for (int64_t j = 0; j < L; j++) {                                                       \
        const T *xr = x + n * C * L + j;                                                      \
        double ls;                                                                            \
        if (sizeof(T) == sizeof(float) && L == 1) {                                           \
          ls = lse_row_f32((const float *)xr, C);                                             \
        } else {                                                                              \
          double m = -INFINITY, s = 0;                                                        \
          for (int64_t c = 0; c < C; c++) m = (double)xr[c * L] > m ? (double)xr[c * L] : m;  \
          if (isinf(m) && m < 0) m = 0;                                                       \
          for (int64_t c = 0; c < C; c++) s += exp((double)xr[c * L] - m);                    \
          ls = m + log(s);                                                                    \
        }                                                                                     \
        int64_t i = n * L + j;                                                                \
        lse[i] = (T)ls;                                                                       \
        l[i] = p->w[i] ? p->w[i] * (ls - (double)xr[p->t[i] * L]) : 0;                        \
      }                                                                                       \
  }
CE_FWD(float, f32)
CE_FWD(double, f64)

/* gx (N, C, L) = f (N, L) * (exp(x - lse) - onehot(t)) */
#define CE_BWD(T, tn)                                                                         \
  static void ce_bwd_##tn(const T *x, const T *lse, const int64_t *t, const double *f,        \
                          T *gx, int64_t N, int64_t C, int64_t L) {                           \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(N, C * L))")                                  \
    for (int64_t n = 0; n < N; n++) {                                                         \
      if (sizeof(T) == sizeof(float) && L == 1) {                                             \
        ce_grad_row_f32((const float *)x + n * C, (float *)gx + n * C, C, (float)lse[n],      \
                        (float)f[n], f[n] ? t[n] : -1);                                       \
        continue;                                                                             \
      }                                                                                       \
      for (int64_t j = 0; j < L; j++) {                                                       \
        int64_t i = n * L + j, o = n * C * L + j;                                             \
        for (int64_t c = 0; c < C; c++)                                                       \
          gx[o + c * L] = (T)(f[i] * exp((double)x[o + c * L] - (double)lse[i]));              \
        if (f[i] && t[i] >= 0 && t[i] < C) gx[o + t[i] * L] -= (T)f[i];                       \
      }                                                                                       \
    }                                                                                         \
  }
CE_BWD(float, f32)
CE_BWD(double, f64)

/* out = nll(log_softmax(x)) with coef as nll_loss's: gx = (softmax(x) - onehot) * g * coef.
 * saved: target, coef, x, lse. Recorded (create_graph): composed from ct_softmax, so the
 * gradient's own derivative exists; else one fused pass. */
static void ce_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const nll_args *a = CT_ARGS(n, nll_args);
  ct_tensor *tg = ct__saved(n, 0), *coef = ct__saved(n, 1), *x = ct__saved(n, 2);
  ct_tensor *lse = ct__saved(n, 3);
  if (!tg || !coef || !x || !lse) return;
  int64_t shape3[3] = {a->N, a->C, a->L};
  if (ct_is_grad_enabled()) {
    ct_tensor *d = ct_sub(ct_softmax(ct_reshape(x, 3, shape3), 1),
                          nll_onehot(a->N, a->C, a->L, CT_PTR(tg, int64_t), x->dtype));
    ct_tensor *gx = ct_mul(d, grad_factor(a, g[0], coef));
    gi[0] = gx ? ct_reshape(gx, x->ndim, x->shape) : NULL;
    return;
  }
  int64_t m = a->N * a->L;
  ct_tensor *gd = ct__contig_as(g[0], CT_FLOAT64), *cd = ct__contig_as(coef, CT_FLOAT64);
  ct_tensor *xc = ct__contig_as(x, x->dtype), *gx = ct__empty(x->dtype, x->ndim, x->shape);
  double *f = malloc(sizeof(double) * (size_t)(m ? m : 1));
  if (!gd || !cd || !xc || !gx || !f) {
    free(f);
    if (gd && cd && xc && gx) ct__err("out of memory");
    return;
  }
  const double *gv = CT_PTR(gd, double), *cv = CT_PTR(cd, double);
  for (int64_t i = 0; i < m; i++) f[i] = (a->red == CT_REDUCTION_NONE ? gv[i] : gv[0]) * cv[i];
  if (x->dtype == CT_FLOAT32)
    ce_bwd_f32(CT_PTR(xc, float), CT_PTR(lse, float), CT_PTR(tg, int64_t), f, CT_PTR(gx, float),
               a->N, a->C, a->L);
  else
    ce_bwd_f64(CT_PTR(xc, double), CT_PTR(lse, double), CT_PTR(tg, int64_t), f,
               CT_PTR(gx, double), a->N, a->C, a->L);
  free(f);
  gi[0] = gx;
}

static ct_tensor *ce_fused(const ct_tensor *input, const ct_tensor *target, ct_cross_entropy_opts o) {
  nll_plan p;
  ct_tensor *out = NULL;
  double *l = NULL;
  if (nll_plan_make(input, target, o.weight, o.ignore_index, &p) != 0) goto done;
  ct_tensor *x = ct__contig_as(input, input->dtype);
  ct_tensor *lse = ct__empty(input->dtype, 1, (int64_t[]){p.N * p.L});
  l = malloc(sizeof(double) * (size_t)(p.N * p.L > 0 ? p.N * p.L : 1));
  if (!x || !lse || !l) goto done;
  if (input->dtype == CT_FLOAT32) ce_fwd_f32(CT_PTR(x, float), &p, CT_PTR(lse, float), l);
  else ce_fwd_f64(CT_PTR(x, double), &p, CT_PTR(lse, double), l);
  out = nll_result(&p, l, input->dtype, o.reduction);
  if (out) out = nll_record(out, input, &p, o.reduction, ce_backward, input, lse);
done:
  free(l);
  free(p.w);
  return out;
}

/* ---- cross_entropy composed: label smoothing, class probabilities -------------------- */
/* weight viewed to broadcast along the class dim of an nd-dim input */
static ct_tensor *class_view(const ct_tensor *w, int nd, int cdim) {
  int64_t s[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++) s[i] = i == cdim ? w->shape[0] : 1;
  return ct_reshape(w, nd, s);
}

/* -(lsm * weight).sum(class dim) per element, ignored targets 0, reduced as nll_loss reduces
 * (mean: by the summed weights of the targets kept), then (1 - ls) * nll + ls / C * that. */
static ct_tensor *ce_smoothing(const ct_tensor *input, const ct_tensor *target, int cdim,
                               ct_cross_entropy_opts o) {
  ct_tensor *lsm = ct_log_softmax(input, cdim);
  if (!lsm) return NULL;
  ct_tensor *nll = ct_nll_loss_ex(lsm, target, (ct_nll_loss_opts){o.weight, o.ignore_index, o.reduction});
  if (!nll) return NULL;
  int64_t C = input->shape[cdim];
  ct_tensor *prod = o.weight ? ct_mul(lsm, class_view(o.weight, input->ndim, cdim)) : lsm;
  ct_tensor *smooth = ct_masked_fill(ct_neg(ct_sum(prod, .dim = CT_DIMS(cdim))),
                                     ct_eq_scalar(target, (double)o.ignore_index), 0.0);
  ct_tensor *ret = smooth;
  if (o.reduction == CT_REDUCTION_SUM) ret = ct_sum(smooth);
  if (o.reduction == CT_REDUCTION_MEAN) {
    ct_tensor *tc = ct__contig_as(target, CT_INT64);
    ct_tensor *wc = o.weight ? ct__contig_as(o.weight, CT_FLOAT64) : NULL;
    if (!tc || (o.weight && !wc)) return NULL;
    double total = 0;
    for (int64_t i = 0; i < ct_numel(tc); i++) {
      int64_t t = CT_PTR(tc, int64_t)[i];
      if (t != o.ignore_index) total += wc ? CT_PTR(wc, double)[t] : 1;
    }
    ret = ct_div_scalar(ct_sum(smooth), total);
  }
  return ct_add(ct_mul_scalar(nll, 1 - o.label_smoothing),
                ct_mul_scalar(ret, o.label_smoothing / (double)C));
}

/* cross_entropy_loss_prob_target: -(log_softmax(x) * target' [* weight]), target' smoothed as
 * target (1 - ls) + ls / C; 'mean' divides by the number of rows (numel / C). */
static ct_tensor *ce_probs(const ct_tensor *input, const ct_tensor *target, int cdim,
                           ct_cross_entropy_opts o) {
  if (!ct_dtype_is_floating(target->dtype))
    return ct__err("Expected floating point type for target with class probabilities, got %s",
                   ct__dtype_short(target->dtype));
  if (o.ignore_index >= 0) return ct__err("ignore_index is not supported for floating point target");
  int64_t C = input->shape[cdim];
  if (o.weight && (o.weight->ndim != 1 || ct_numel(o.weight) != C)) {
    char a[160];
    shape_str(a, sizeof a, o.weight->ndim, o.weight->shape);
    return ct__err("cross_entropy: weight tensor should be defined either for all %lld classes or"
                   " no classes but got weight tensor of shape: %s", (long long)C, a);
  }
  ct_tensor *lsm = ct_log_softmax(input, cdim);
  if (!lsm) return NULL;
  const ct_tensor *tgt = target;
  if (o.label_smoothing > 0)
    tgt = ct_add_scalar(ct_mul_scalar(target, 1 - o.label_smoothing), o.label_smoothing / (double)C);
  ct_tensor *prod = ct_mul(lsm, tgt);
  if (o.weight) prod = ct_mul(prod, class_view(o.weight, input->ndim, cdim));
  if (o.reduction == CT_REDUCTION_NONE) return ct_neg(ct_sum(prod, .dim = CT_DIMS(cdim)));
  ct_tensor *s = ct_neg(ct_sum(prod));
  if (o.reduction == CT_REDUCTION_SUM) return s;
  /* empty: PyTorch's -(...).sum().fill_(NAN), which keeps NegBackward0 */
  if (ct_numel(input) == 0) return ct_neg(ct_mul_scalar(ct_sum(prod), NAN));
  /* a Python number divisor: PyTorch records DivBackward1 */
  ct_tensor *r = ct_div_scalar(s, (double)(ct_numel(input) / C));
  if (r) ct__set_grad_fn_name(r, "DivBackward1");
  return r;
}

ct_tensor *ct_cross_entropy_ex(const ct_tensor *input, const ct_tensor *target,
                               ct_cross_entropy_opts o) {
  ct_dtype h = ct__half_enter(input, target, o.weight);
  if ((int)h >= 0) {
    o.weight = ct__f32(o.weight);
    return ct__half_end(ct_cross_entropy_ex(ct__f32(input), ct__f32(target), o), h);
  }
  if (!input || !target) return NULL;
  if (check_reduction(o.reduction) != 0) return NULL;
  int cdim = input->ndim == 1 ? 0 : 1;
  if (input->ndim == 0 || !ct_dtype_is_floating(input->dtype)) return ct_log_softmax(input, cdim);
  bool same = input->ndim == target->ndim;
  for (int i = 0; same && i < input->ndim; i++) same = input->shape[i] == target->shape[i];
  if (o.label_smoothing > 1.0)
    return ct__err("label_smoothing must be between 0.0 and 1.0. Got: %g", o.label_smoothing);
  CT_OP_BEGIN();
  ct_tensor *r = same ? ce_probs(input, target, cdim, o)
                 : o.label_smoothing > 0 ? ce_smoothing(input, target, cdim, o)
                                         : ce_fused(input, target, o);
  return ct__op_end(r);
}
