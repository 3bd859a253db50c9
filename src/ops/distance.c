/* F.pairwise_distance, F.cosine_similarity, F.normalize (composed as PyTorch 1.13 composes them,
 * so the grad_fns are the last op's) and F.pdist (a node, PdistBackward0, whose backward is
 * written with differentiable ops). */
#include "../internal.h"
#include "ctorch/functional.h"
#include <math.h>

/* norm(x1 - x2 + eps, p, last dim of the broadcast, keepdim) */
ct_tensor *ct_pairwise_distance_ex(const ct_tensor *x1, const ct_tensor *x2,
                                   ct_pairwise_distance_opts o) {
  if (!x1 || !x2) return NULL;
  int nd = x1->ndim > x2->ndim ? x1->ndim : x2->ndim;
  CT_OP_BEGIN();
  ct_tensor *d = ct_add_scalar(ct_sub(x1, x2), o.eps);
  return ct__op_end(ct_norm(d, .p = o.p, .dim = CT_DIMS(nd - 1), .keepdim = o.keepdim));
}

/* sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps), dim), the norms along dim after broadcasting.
 * PyTorch clamps the norms in place under no-grad; the clamp here is differentiable, which
 * only differs where a norm is below eps. */
ct_tensor *ct_cosine_similarity_ex(const ct_tensor *x1, const ct_tensor *x2,
                                   ct_cosine_similarity_opts o) {
  if (!x1 || !x2) return NULL;
  ct_dtype dt = ct_result_type(x1, x2);
  if (!ct_dtype_is_floating(dt))
    return ct__err("expected common dtype to be floating point, yet common dtype is %s",
                   ct__dtype_short(dt));
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shape(x1->ndim, x1->shape, x2->ndim, x2->shape, &nd, shape)) return NULL;
  if (ct__wrap_dim(o.dim, nd) < 0) return NULL;
  CT_OP_BEGIN();
  ct_tensor *a = ct_expand(ct_to(x1, dt), nd, shape), *b = ct_expand(ct_to(x2, dt), nd, shape);
  ct_tensor *na = ct_sqrt(ct_sum(ct_pow_scalar(a, 2), .dim = CT_DIMS(o.dim), .keepdim = true));
  ct_tensor *nb = ct_sqrt(ct_sum(ct_pow_scalar(b, 2), .dim = CT_DIMS(o.dim), .keepdim = true));
  ct_tensor *ua = ct_div(a, ct_clamp(na, o.eps, INFINITY));
  ct_tensor *ub = ct_div(b, ct_clamp(nb, o.eps, INFINITY));
  return ct__op_end(ct_sum(ct_mul(ua, ub), .dim = CT_DIMS(o.dim)));
}

/* t / norm(t, p, dim, keepdim=True).clamp_min(eps).expand_as(t) */
ct_tensor *ct_normalize_ex(const ct_tensor *t, ct_normalize_opts o) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  ct_tensor *n = ct_norm(t, .p = o.p, .dim = CT_DIMS(o.dim), .keepdim = true);
  ct_tensor *d = n ? ct_expand_as(ct_clamp(n, o.eps, INFINITY), t) : NULL;
  return ct__op_end(ct_div(t, d));
}

/* ---- pdist ---------------------------------------------------------------------------------- */
typedef struct {
  double p;
} pdist_args;
CT_ARGS_TYPE(pdist_args, NULL);

/* the row pairs i < j of n rows, in PyTorch's order: (0,1), (0,2), ..., (1,2), ... */
static void pair_index(int64_t n, ct_tensor **I, ct_tensor **J) {
  int64_t m = n * (n - 1) / 2;
  *I = ct_empty(CT_SHAPE(m), .dtype = CT_INT64);
  *J = ct_empty(CT_SHAPE(m), .dtype = CT_INT64);
  if (!*I || !*J) return;
  int64_t *pi = CT_PTR(*I, int64_t), *pj = CT_PTR(*J, int64_t), k = 0;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++) pi[k] = i, pj[k++] = j;
}

/* diff (m, M) of the row pairs, x (N, M) */
static ct_tensor *pair_diff(const ct_tensor *x) {
  ct_tensor *I, *J;
  pair_index(x->shape[0], &I, &J);
  return ct_sub(ct_index_select(x, 0, I), ct_index_select(x, 0, J));
}

/* out_k = |x_i - x_j|_p over the pairs k = (i, j); saved: x.
 * With diff = x_i - x_j and dist = out_k, d dist / d diff is (PyTorch's _pdist_backward):
 *   p = 0: 0;  p = 1: sign(diff);  p = inf: sign(diff) where |diff| == dist;
 *   p < 2: sign(diff) |diff|^(p-1) / dist^(p-1), 0 where dist == 0 (or diff == 0 for p < 1);
 *   else:  diff |diff|^(p-2) / dist^(p-1), 0 where dist == 0.
 * gx_i += g_k d, gx_j -= g_k d. dist is recomputed from x so the formula differentiates again. */
static void pdist_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double p = CT_ARGS(n, pdist_args)->p;
  ct_tensor *x = ct__saved(n, 0);
  if (!x) return;
  int64_t rows = x->shape[0];
  ct_tensor *I, *J;
  pair_index(rows, &I, &J);
  ct_tensor *diff = ct_sub(ct_index_select(x, 0, I), ct_index_select(x, 0, J));
  ct_tensor *dist = ct_norm(diff, .p = p, .dim = CT_DIMS(1), .keepdim = true);
  ct_tensor *zero = ct_scalar_tensor(0, x->dtype), *ad = ct_abs(diff), *w;
  if (p == 0) {
    w = ct_zeros_like(diff);
  } else if (p == 1) {
    w = ct_sign(diff);
  } else if (isinf(p)) {
    w = ct_mul(ct_sign(diff), ct_to(ct_eq(ad, dist), x->dtype));
  } else {
    /* dist == 0 would divide by 0: those rows take dist = 1 and are zeroed after */
    ct_tensor *dz = ct_eq_scalar(dist, 0);
    ct_tensor *safe = ct_where(dz, ct_ones_like(dist), dist);
    ct_tensor *num = p < 2 ? ct_mul(ct_sign(diff), ct_pow_scalar(ad, p - 1))
                           : ct_mul(diff, ct_pow_scalar(ad, p - 2));
    w = ct_div(num, ct_pow_scalar(safe, p - 1));
    ct_tensor *mask = p < 1 ? ct_logical_or(ct_expand_as(dz, diff), ct_eq_scalar(diff, 0)) : dz;
    w = ct_where(mask, zero, w);
  }
  ct_tensor *gd = ct_mul(ct_unsqueeze(g[0], 1), w);
  int64_t m = ct_numel(g[0]), cols = x->shape[1];
  ct_tensor *Ie = ct_expand(ct_unsqueeze(I, 1), 2, (int64_t[]){m, cols});
  ct_tensor *Je = ct_expand(ct_unsqueeze(J, 1), 2, (int64_t[]){m, cols});
  ct_tensor *acc = ct_scatter_add(ct_zeros_like(x), 0, Ie, gd);
  gi[0] = ct_sub(acc, ct_scatter_add(ct_zeros_like(x), 0, Je, gd));
}

ct_tensor *ct_pdist(const ct_tensor *t, double p) {
  if (!t) return NULL;
  if (t->ndim != 2) return ct__err("pdist only supports 2D tensors, got: %dD", t->ndim);
  if (!ct_dtype_is_floating(t->dtype)) return ct__err("pdist only supports floating-point dtypes");
  if (!(p >= 0)) return ct__err("pdist only supports non-negative p values");
  int64_t n = t->shape[0];
  if (n > 3037000499LL) return ct__err("pdist: %lld rows give too many pairs", (long long)n);
  CT_OP_BEGIN();
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *out = n < 2 ? ct_empty(CT_SHAPE(0), .dtype = t->dtype)
                   : t->shape[1] == 0 ? ct_zeros(CT_SHAPE(n * (n - 1) / 2), .dtype = t->dtype)
                                      : ct_norm(pair_diff(t), .p = p, .dim = CT_DIMS(1));
  ct_set_grad_enabled(prev);
  if (!out) return ct__op_end(NULL);
  ct_node *nd = ct__node_new("PdistBackward0", pdist_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, pdist_args)->p = p;
    ct__save(nd, t, false);
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
