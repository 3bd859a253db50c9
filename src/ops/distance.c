/* F.pairwise_distance, F.cosine_similarity, F.normalize (composed as PyTorch 1.13 composes them,
 * so the grad_fns are the last op's), F.pdist and torch.cdist (nodes, PdistBackward0 and
 * CdistBackward0, whose backwards are written with differentiable ops). */
#include "../internal.h"
#include "ctorch/functional.h"
#include <math.h>
#include <string.h>

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

/* d dist / d diff for dist = |diff|_p over the last dim (dist keeps that dim), as PyTorch's
 * _pdist_backward / _cdist_backward kernels:
 *   p = 0: 0;  p = 1: sign(diff);  p = inf: sign(diff) where |diff| == dist;
 *   p < 2: sign(diff) |diff|^(p-1) / dist^(p-1), 0 where dist == 0 (or diff == 0 for p < 1);
 *   else:  diff |diff|^(p-2) / dist^(p-1), 0 where dist == 0.
 * Written with differentiable ops so the gradient differentiates again. */
static ct_tensor *dist_weight(ct_tensor *diff, ct_tensor *dist, double p) {
  ct_tensor *zero = ct_scalar_tensor(0, diff->dtype), *ad = ct_abs(diff), *w;
  if (p == 0) {
    w = ct_zeros_like(diff);
  } else if (p == 1) {
    w = ct_sign(diff);
  } else if (isinf(p)) {
    w = ct_mul(ct_sign(diff), ct_to(ct_eq(ad, dist), diff->dtype));
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
  return w;
}

/* out_k = |x_i - x_j|_p over the pairs k = (i, j); saved: x.
 * With diff = x_i - x_j, dist = out_k and d = dist_weight(diff, dist):
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
  ct_tensor *w = dist_weight(diff, dist, p);
  ct_tensor *gd = ct_mul(ct_unsqueeze(g[0], 1), w);
  int64_t m = ct_numel(g[0]), cols = x->shape[1];
  ct_tensor *Ie = ct_expand(ct_unsqueeze(I, 1), 2, (int64_t[]){m, cols});
  ct_tensor *Je = ct_expand(ct_unsqueeze(J, 1), 2, (int64_t[]){m, cols});
  ct_tensor *acc = ct_scatter_add(ct_zeros_like(x), 0, Ie, gd);
  gi[0] = ct_sub(acc, ct_scatter_add(ct_zeros_like(x), 0, Je, gd));
}

ct_tensor *ct_pdist(const ct_tensor *t, double p) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_pdist(ct__f32(t), p), h);
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

/* ---- cdist ---------------------------------------------------------------------------------- */
typedef struct {
  double p;
} cdist_args;
CT_ARGS_TYPE(cdist_args, NULL);

/* x1 (B.., P, M), x2 (B.., R, M) with the batch dims broadcast: diff (B.., P, R, M) */
static ct_tensor *cdist_diff(const ct_tensor *x1, const ct_tensor *x2, int nb, const int64_t *batch) {
  int64_t s1[CT_MAX_DIMS], s2[CT_MAX_DIMS];
  memcpy(s1, batch, sizeof(int64_t) * (size_t)nb);
  memcpy(s2, batch, sizeof(int64_t) * (size_t)nb);
  s1[nb] = x1->shape[x1->ndim - 2], s1[nb + 1] = x1->shape[x1->ndim - 1];
  s2[nb] = x2->shape[x2->ndim - 2], s2[nb + 1] = x2->shape[x2->ndim - 1];
  return ct_sub(ct_unsqueeze(ct_expand(x1, nb + 2, s1), -2), ct_unsqueeze(ct_expand(x2, nb + 2, s2), -3));
}

static int cdist_batch(const ct_tensor *x1, const ct_tensor *x2, int *nb, int64_t *batch) {
  return ct__broadcast_shape(x1->ndim - 2, x1->shape, x2->ndim - 2, x2->shape, nb, batch);
}

/* out = |x1_i - x2_j|_p (B.., P, R); saved: x1, x2. With d = dist_weight(diff, dist):
 * gx1 = sum_j g_ij d_ij, gx2 = -sum_i g_ij d_ij (PyTorch's _cdist_backward for both sides),
 * summed back over broadcast batch dims. */
static void cdist_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double p = CT_ARGS(n, cdist_args)->p;
  ct_tensor *x1 = ct__saved(n, 0), *x2 = ct__saved(n, 1);
  int nb;
  int64_t batch[CT_MAX_DIMS];
  if (!x1 || !x2 || cdist_batch(x1, x2, &nb, batch)) return;
  ct_tensor *diff = cdist_diff(x1, x2, nb, batch);
  ct_tensor *dist = ct_norm(diff, .p = p, .dim = CT_DIMS(-1), .keepdim = true);
  ct_tensor *gd = ct_mul(ct_unsqueeze(g[0], -1), dist_weight(diff, dist, p));
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to(ct_sum(gd, .dim = CT_DIMS(-2)), x1->ndim, x1->shape);
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to(ct_neg(ct_sum(gd, .dim = CT_DIMS(-3))), x2->ndim, x2->shape);
}

/* PyTorch's _euclidean_dist: [-2 x1, |x1|^2, 1] @ [x2, 1, |x2|^2]^T, clamped at 0, sqrt;
 * x1 (B, P, M), x2 (B, R, M) */
static ct_tensor *euclid_mm(const ct_tensor *x1, const ct_tensor *x2) {
  ct_tensor *n1 = ct_sum(ct_pow_scalar(x1, 2), .dim = CT_DIMS(-1), .keepdim = true);
  ct_tensor *n2 = ct_sum(ct_pow_scalar(x2, 2), .dim = CT_DIMS(-1), .keepdim = true);
  ct_tensor *a = ct_cat((ct_tensor *[]){ct_mul_scalar(x1, -2), n1, ct_ones_like(n1)}, 3, -1);
  ct_tensor *b = ct_cat((ct_tensor *[]){(ct_tensor *)x2, ct_ones_like(n2), n2}, 3, -1);
  return ct_sqrt(ct_clamp(ct_matmul(a, ct_transpose(b, -1, -2)), 0, INFINITY));
}

ct_tensor *ct_cdist_ex(const ct_tensor *x1, const ct_tensor *x2, ct_cdist_opts o) {
  if (!x1 || !x2) return NULL;
  if (x1->ndim < 2) return ct__err("cdist only supports at least 2D tensors, X1 got: %dD", x1->ndim);
  if (x2->ndim < 2) return ct__err("cdist only supports at least 2D tensors, X2 got: %dD", x2->ndim);
  int64_t c1 = x1->shape[x1->ndim - 1], c2 = x2->shape[x2->ndim - 1];
  if (c1 != c2)
    return ct__err("X1 and X2 must have the same number of columns. X1: %lld X2: %lld", (long long)c1,
                   (long long)c2);
  if (!ct_dtype_is_floating(x1->dtype))
    return ct__err("cdist only supports floating-point dtypes, X1 got: %s", ct__dtype_short(x1->dtype));
  if (!ct_dtype_is_floating(x2->dtype))
    return ct__err("cdist only supports floating-point dtypes, X2 got: %s", ct__dtype_short(x2->dtype));
  if (!(o.p >= 0)) return ct__err("cdist only supports non-negative p values");
  if ((unsigned)o.compute_mode > CT_CDIST_DONOT_USE_MM)
    return ct__err("%d is not a valid value for compute_mode", (int)o.compute_mode);
  int nb;
  int64_t shp[CT_MAX_DIMS];
  if (cdist_batch(x1, x2, &nb, shp)) return NULL;
  int64_t r1 = x1->shape[x1->ndim - 2], r2 = x2->shape[x2->ndim - 2], nbatch = 1;
  for (int i = 0; i < nb; i++) nbatch *= shp[i];
  shp[nb] = r1, shp[nb + 1] = r2;
  ct_dtype dt = ct_result_type(x1, x2);
  if (r1 == 0 || r2 == 0 || nbatch == 0) return ct_empty_ex(nb + 2, shp, CT_TENSOR_OPTS(.dtype = dt));
  if (c1 == 0) return ct_zeros_ex(nb + 2, shp, CT_TENSOR_OPTS(.dtype = dt));
  CT_OP_BEGIN();
  ct_tensor *a = ct_to(x1, dt), *b = ct_to(x2, dt);
  if (o.p == 2 && (o.compute_mode == CT_CDIST_USE_MM ||
                   (o.compute_mode == CT_CDIST_USE_MM_IF_NECESSARY && (r1 > 25 || r2 > 25)))) {
    int64_t s1[CT_MAX_DIMS], s2[CT_MAX_DIMS];
    memcpy(s1, shp, sizeof s1);
    memcpy(s2, shp, sizeof s2);
    s1[nb + 1] = c1, s2[nb] = r2, s2[nb + 1] = c1;
    ct_tensor *e1 = ct_reshape(ct_expand(a, nb + 2, s1), 3, (int64_t[]){nbatch, r1, c1});
    ct_tensor *e2 = ct_reshape(ct_expand(b, nb + 2, s2), 3, (int64_t[]){nbatch, r2, c1});
    return ct__op_end(ct_view(euclid_mm(e1, e2), nb + 2, shp));
  }
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *out = ct_contiguous(ct_norm(cdist_diff(a, b, nb, shp), .p = o.p, .dim = CT_DIMS(-1)));
  ct_set_grad_enabled(prev);
  if (!out) return ct__op_end(NULL);
  ct_node *nd = ct__node_new("CdistBackward0", cdist_backward, 2, (ct_tensor *const[]){a, b}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, cdist_args)->p = o.p;
    ct__save(nd, a, false);
    ct__save(nd, b, false);
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
