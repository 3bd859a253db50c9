/* F.multi_margin_loss and F.multilabel_margin_loss: PyTorch 1.13's own kernels (their grad_fns
 * are MultiMarginLossBackward0 and MultilabelMarginLossBackward0), over (N, C), (C,) or 0-dim
 * inputs with int64 targets. Forward loops in double; each backward is written with
 * differentiable ops, so it differentiates again (PyTorch 1.13 refuses the double backward of
 * both: "derivative for aten::multi_margin_loss_backward is not implemented"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch/functional.h"
#include "loss.h"

/* multi_margin_loss_shape_check / multilabel_margin_loss_shape_check: (N, C) with C > 0, (C,)
 * with C > 0, or 0-dim (one frame of one class). */
static int frames_of(const ct_tensor *x, int64_t *nframe, int64_t *dim) {
  int nd = x->ndim;
  if (!((nd == 2 && x->shape[1] != 0) || (nd == 1 && x->shape[0] != 0) || nd == 0))
    return ct__errs("Expected non-empty vector or matrix with optional 0-dim batch size, but got: %s",
                    SHP(0, nd, x->shape));
  *nframe = nd == 2 ? x->shape[0] : 1;
  *dim = nd == 0 ? 1 : x->shape[nd - 1];
  return 0;
}

/* ct__loss_reduce's refusals, before the work: batchmean, or a value outside the enum. */
static int check_reduction(ct_reduction r, const char *fn) {
  if (r == CT_REDUCTION_MEAN || r == CT_REDUCTION_SUM || r == CT_REDUCTION_NONE) return 0;
  if (r == CT_REDUCTION_BATCHMEAN)
    return ct__errs("%s: reduction='batchmean' is only valid for kl_div", fn);
  return ct__errs("%d is not a valid value for reduction", (int)r);
}

static int check_long_target(const ct_tensor *target) {
  if (target->dtype != CT_INT64)
    return ct__errs("expected scalar type Long but found %s", ct__dtype_short(target->dtype));
  return 0;
}

/* The loss tensor from per-frame losses l[nframe] (double): 'none' keeps them (shape (nframe,)
 * when per_frame, else the single frame as a 0-dim tensor), 'sum' / 'mean' add them up (mean
 * of no frame: NaN; PyTorch returns an uninitialised value there). */
static ct_tensor *reduce_frames(const double *l, int64_t nframe, ct_reduction r, bool per_frame,
                                ct_dtype dt) {
  bool keep = r == CT_REDUCTION_NONE && per_frame;
  ct_tensor *out = ct_empty_ex(keep ? 1 : 0, (const int64_t[]){nframe},
                               (ct_tensor_opts){.dtype = CT_FLOAT64});
  if (!out) return NULL;
  double *o = CT_PTR(out, double);
  if (keep) {
    for (int64_t i = 0; i < nframe; i++) o[i] = l[i];
  } else {
    double s = 0;
    for (int64_t i = 0; i < nframe; i++) s += l[i];
    o[0] = r == CT_REDUCTION_MEAN ? s / (double)nframe : s;
  }
  return ct_to(out, dt);
}

/* The incoming gradient shaped to multiply (nframe, C) coefficients: 'none' per frame
 * (nframe, 1), 'mean' divided by nframe, 'sum' as is (0-dim). */
static ct_tensor *frame_grad(ct_tensor *g, int64_t nframe, ct_reduction r) {
  if (r == CT_REDUCTION_NONE) return ct_reshape(g, 2, (const int64_t[]){nframe, 1});
  return r == CT_REDUCTION_MEAN ? ct_div_scalar(g, (double)nframe) : g;
}

/* ---- multi_margin_loss --------------------------------------------------------------------- */
typedef struct {
  int64_t nframe, dim, p;
  double margin;
  ct_reduction reduction;
  bool has_weight;
} mm_args;
CT_ARGS_TYPE(mm_args, NULL);

/* x (nframe, dim), t (nframe) in [0, dim), w (dim) or NULL -> l (nframe):
 * l_i = sum_{j != t_i} w[t_i] max(0, margin - x[i, t_i] + x[i, j])^p / dim */
static void mm_forward(const double *x, const int64_t *t, const double *w, int64_t nframe,
                       int64_t dim, int64_t p, double margin, double *l) {
  for (int64_t i = 0; i < nframe; i++) {
    const double *row = x + i * dim;
    int64_t y = t[i];
    double s = 0;
    for (int64_t j = 0; j < dim; j++) {
      double z = margin - row[y] + row[j];
      if (j == y || !(z > 0)) continue;
      double h = p == 1 ? z : z * z;
      s += w ? h * w[y] : h;
    }
    l[i] = s / (double)dim;
  }
}

/* With z = margin - x[t] + x (per frame, dim C), active = z > 0 off the target class and
 * c = active * (p == 1 ? 1 : 2 z) * w[t] / C (times the frame's incoming gradient):
 *   d x[j] = c_j (j != t),   d x[t] = -sum_j c_j.
 * z stays a function of x, so for p == 2 this differentiates again. */
static void mm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const mm_args *a = CT_ARGS(n, mm_args);
  ct_tensor *x = ct__saved(n, 0), *t = ct__saved(n, 1);
  ct_tensor *w = a->has_weight ? ct__saved(n, 2) : NULL;
  if (!x || !t || (a->has_weight && !w) || !ct__needs_grad(n, 0)) return;
  int64_t N = a->nframe, C = a->dim;
  ct_tensor *x2 = ct_reshape(x, 2, (const int64_t[]){N, C});
  ct_tensor *tf = ct_reshape(t, 1, (const int64_t[]){N});
  ct_tensor *t2 = ct_reshape(tf, 2, (const int64_t[]){N, 1});
  ct_tensor *z = ct_add(x2, ct_rsub_scalar(ct_gather(x2, 1, t2), a->margin));
  ct_tensor *onehot = ct_ne_scalar(ct_one_hot(tf, C), 0);
  ct_tensor *active = ct_to(ct_logical_and(ct_gt_scalar(z, 0), ct_logical_not(onehot)), x->dtype);
  ct_tensor *c = a->p == 1 ? active : ct_mul(ct_mul_scalar(z, 2), active);
  if (w) c = ct_mul(c, ct_reshape(ct_index_select(w, 0, tf), 2, (const int64_t[]){N, 1}));
  c = ct_mul(ct_div_scalar(c, (double)C), frame_grad(g[0], N, a->reduction));
  ct_tensor *back = ct_mul(ct_to(onehot, x->dtype), ct_sum(c, .dim = CT_DIMS(1), .keepdim = true));
  gi[0] = ct_reshape(ct_sub(c, back), x->ndim, x->shape);
}

/* functional.py's checks (p, weight rank), then multi_margin_loss_cpu_out's in its order. */
static int mm_check(const ct_tensor *input, const ct_tensor *target, const ct_multi_margin_loss_opts *o,
                    int64_t *nframe, int64_t *dim) {
  if (o->p != 1 && o->p != 2) return ct__errs("only p == 1 and p == 2 supported");
  if (o->weight && o->weight->ndim != 1) return ct__errs("weight must be one-dimensional");
  if (frames_of(input, nframe, dim) != 0) return -1;
  if (!(target->ndim <= 1 && ct_numel(target) == *nframe))
    return ct__errs("inconsistent target size, got: %s", SHP(0, target->ndim, target->shape));
  if (o->weight && ct_numel(o->weight) != *dim)
    return ct__errs("inconsistent weight size, expected %lld but got %s", (long long)*dim,
                    SHP(0, o->weight->ndim, o->weight->shape));
  if (!ct_dtype_is_floating(input->dtype))
    return ct__errs("\"multi_margin_loss_cpu_kernel\" not implemented for '%s'",
                    ct__dtype_short(input->dtype));
  if (check_long_target(target) != 0) return -1;
  if (o->weight && o->weight->dtype != input->dtype)
    return ct__errs("expected scalar type %s but found %s", ct__dtype_short(input->dtype),
                    ct__dtype_short(o->weight->dtype));
  return 0;
}

ct_tensor *ct_multi_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                   ct_multi_margin_loss_opts o) {
  if (!input || !target) return NULL;
  int64_t N = 0, C = 0;
  if (mm_check(input, target, &o, &N, &C) != 0) return NULL;
  if (check_reduction(o.reduction, "multi_margin_loss") != 0) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xd = ct__contig_as(input, CT_FLOAT64), *td = ct__contig_as(target, CT_INT64);
  ct_tensor *wd = o.weight ? ct__contig_as(o.weight, CT_FLOAT64) : NULL;
  double *l = malloc(sizeof(double) * (size_t)(N ? N : 1));
  if (!xd || !td || (o.weight && !wd) || !l) {
    free(l);
    return ct__op_end(xd && td && l ? NULL : ct__err("out of memory"));
  }
  const int64_t *t = CT_PTR(td, int64_t);
  for (int64_t i = 0; i < N; i++)
    if (t[i] < 0 || t[i] >= C) {
      free(l);
      return ct__op_end(ct__err("target out of range"));
    }
  mm_forward(CT_PTR(xd, double), t, wd ? CT_PTR(wd, double) : NULL, N, C, o.p, o.margin, l);
  ct_tensor *out = reduce_frames(l, N, o.reduction, target->ndim > 0, input->dtype);
  free(l);
  if (!out) return ct__op_end(NULL);
  ct_node *nd = ct__node_new("MultiMarginLossBackward0", mm_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)input}, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, mm_args) = (mm_args){N, C, o.p, o.margin, o.reduction, o.weight != NULL};
    if (ct__save(nd, input, false) || ct__save(nd, target, false) ||
        (o.weight && ct__save(nd, o.weight, false))) {
      ct__node_abandon(nd);
      return ct__op_end(NULL);
    }
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}

/* ---- multilabel_margin_loss ------------------------------------------------------------------ */
typedef struct {
  int64_t nframe, dim;
  ct_reduction reduction;
} mlm_args;
CT_ARGS_TYPE(mlm_args, NULL);

/* Frame i's targets: t[i, 0..] up to the first -1, flagged in is_t (dim). */
static void mark_targets(const int64_t *t, int64_t dim, unsigned char *is_t) {
  memset(is_t, 0, (size_t)dim);
  for (int64_t j = 0; j < dim && t[j] >= 0; j++) is_t[t[j]] = 1;
}

/* x, t (nframe, dim) -> l (nframe) when l, else the gradient coefficients c (nframe, dim):
 *   l_i = sum_{targets j} sum_{k not a target} max(0, 1 - x[t_j] + x[k]) / dim
 *   c: each active pair adds -1/dim at t_j and +1/dim at k (the loss is piecewise linear, so
 *   c is constant where it is differentiable). is_t: dim bytes of scratch. */
static void mlm_frames(const double *x, const int64_t *t, int64_t nframe, int64_t dim, double *l,
                       double *c, unsigned char *is_t) {
  for (int64_t i = 0; i < nframe; i++) {
    const double *row = x + i * dim;
    const int64_t *ti = t + i * dim;
    double s = 0, *ci = c ? c + i * dim : NULL;
    if (ci) memset(ci, 0, sizeof(double) * (size_t)dim);
    mark_targets(ti, dim, is_t);
    for (int64_t j = 0; j < dim && ti[j] >= 0; j++) {
      double xj = row[ti[j]];
      for (int64_t k = 0; k < dim; k++) {
        double z = 1 - xj + row[k];
        if (is_t[k] || !(z > 0)) continue;
        s += z;
        if (ci) ci[ti[j]] -= 1.0 / (double)dim, ci[k] += 1.0 / (double)dim;
      }
    }
    if (l) l[i] = s / (double)dim;
  }
}

/* Input and target as contiguous double / int64 and a dim-byte scratch; -1 + error. */
static int mlm_unpack(const ct_tensor *x, const ct_tensor *t, ct_tensor **xd, ct_tensor **td,
                      unsigned char **is_t, int64_t dim) {
  *xd = ct__contig_as(x, CT_FLOAT64);
  *td = ct__contig_as(t, CT_INT64);
  *is_t = malloc((size_t)dim);
  if (*xd && *td && *is_t) return 0;
  free(*is_t);
  *is_t = NULL;
  return *xd && *td ? ct__errs("out of memory") : -1;
}

/* grad x = c * g (per frame), c from the saved input and target. */
static void mlm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const mlm_args *a = CT_ARGS(n, mlm_args);
  ct_tensor *x = ct__saved(n, 0), *t = ct__saved(n, 1), *xd, *td;
  unsigned char *is_t;
  if (!x || !t || !ct__needs_grad(n, 0)) return;
  int64_t N = a->nframe, C = a->dim;
  ct_tensor *c = ct_empty(CT_SHAPE(N, C), .dtype = CT_FLOAT64);
  if (!c || mlm_unpack(x, t, &xd, &td, &is_t, C) != 0) return;
  mlm_frames(CT_PTR(xd, double), CT_PTR(td, int64_t), N, C, NULL, CT_PTR(c, double), is_t);
  free(is_t);
  ct_tensor *gx = ct_mul(ct_to(c, x->dtype), frame_grad(g[0], N, a->reduction));
  gi[0] = ct_reshape(gx, x->ndim, x->shape);
}

/* multilabel_margin_loss_forward_out_cpu_template's checks, in its order. */
static int mlm_check(const ct_tensor *input, const ct_tensor *target, int64_t *nframe, int64_t *dim) {
  if (frames_of(input, nframe, dim) != 0) return -1;
  bool ok = input->ndim <= 1 ? target->ndim <= 1 && ct_numel(target) == *dim
                             : target->ndim == 2 && target->shape[0] == *nframe &&
                                   target->shape[1] == *dim;
  if (!ok)
    return ct__errs("inconsistent size %s for argument #2 'target'", SHP(0, target->ndim, target->shape));
  return 0;
}

ct_tensor *ct_multilabel_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                        ct_multilabel_margin_loss_opts o) {
  if (!input || !target) return NULL;
  int64_t N = 0, C = 0;
  if (mlm_check(input, target, &N, &C) != 0) return NULL;
  if (check_reduction(o.reduction, "multilabel_margin_loss") != 0) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xd, *td;
  unsigned char *is_t;
  if (N > 0) { /* PyTorch checks the range and dtypes only for a non-empty input */
    td = ct__contig_as(target, CT_INT64);
    if (!td) return ct__op_end(NULL);
    const int64_t *t = CT_PTR(td, int64_t);
    for (int64_t i = 0; i < N * C; i++)
      if (t[i] < -1 || t[i] >= C) return ct__op_end(ct__err("argument #2 'target' is out of range"));
    if (!ct_dtype_is_floating(input->dtype))
      return ct__op_end(ct__err("\"multilabel_margin_loss_forward_out_frame\" not implemented for '%s'",
                                ct__dtype_short(input->dtype)));
    if (check_long_target(target) != 0) return ct__op_end(NULL);
  }
  double *l = malloc(sizeof(double) * (size_t)(N ? N : 1));
  if (!l || mlm_unpack(input, target, &xd, &td, &is_t, C) != 0) {
    free(l);
    return ct__op_end(l ? NULL : ct__err("out of memory"));
  }
  mlm_frames(CT_PTR(xd, double), CT_PTR(td, int64_t), N, C, l, NULL, is_t);
  free(is_t);
  ct_tensor *out = reduce_frames(l, N, o.reduction, target->ndim > 1, input->dtype);
  free(l);
  if (!out) return ct__op_end(NULL);
  ct_node *nd = ct__node_new("MultilabelMarginLossBackward0", mlm_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)input}, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, mlm_args) = (mlm_args){N, C, o.reduction};
    if (ct__save(nd, input, false) || ct__save(nd, target, false)) {
      ct__node_abandon(nd);
      return ct__op_end(NULL);
    }
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
