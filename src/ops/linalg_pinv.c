/* torch.linalg.pinv, matrix_rank and cond: PyTorch 1.13's compositions of svd / eigh /
 * svdvals / eigvalsh, matrix_norm and inv, so the gradients are those of the parts. */
#include <float.h>
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

/* PyTorch's get_atol_rtol: atol None -> 0; rtol None -> 0 when atol > 0 was given, else
 * eps(dtype) * max(m, n) */
static void tolerances(const ct_tensor *A, ct_linalg_tol_opts *o) {
  int64_t m = A->shape[A->ndim - 2], n = A->shape[A->ndim - 1];
  double eps = A->dtype == CT_FLOAT32 ? FLT_EPSILON : DBL_EPSILON;
  if (isnan(o->rtol)) o->rtol = !isnan(o->atol) && o->atol > 0 ? 0 : eps * (double)(m > n ? m : n);
  if (isnan(o->atol)) o->atol = 0;
}

/* (*, k) singular values (or |eigenvalues|) -> the (*, 1) cut-off max(atol, rtol * max) */
static ct_tensor *cutoff(ct_tensor *s_abs, const ct_linalg_tol_opts *o) {
  ct_tensor *mx = ct_amax(s_abs, .dim = CT_DIMS(-1), .keepdim = true);
  return ct_clamp(ct_mul_scalar(mx, o->rtol), o->atol, INFINITY);
}

/* pinv_backward (FunctionsManual.cpp), P = pinv(A) (*, n, m), g like P:
 *   m <= n: K = g^T P;  gA = -(P K)^T + K P^T - A P K P^T + P^T P (g^T - K A)
 *   m > n:  K = P g^T;  gA = -(K P)^T + (g^T - A K) P P^T + P^T K - P^T K P A
 * (also linalg_lstsq_backward's, src/ops/linalg_lstsq.c) */
ct_tensor *ct__la_pinv_grad(ct_tensor *A, ct_tensor *P, ct_tensor *g) {
  ct_tensor *Pt = la_mT(P), *gt = la_mT(g);
  if (ct_size(A, -2) <= ct_size(A, -1)) {
    ct_tensor *K = ct_matmul(gt, P), *KPt = ct_matmul(K, Pt);
    ct_tensor *r = ct_sub(KPt, la_mT(ct_matmul(P, K)));
    r = ct_sub(r, ct_matmul(ct_matmul(A, P), KPt));
    return ct_add(r, ct_matmul(ct_matmul(Pt, P), ct_sub(gt, ct_matmul(K, A))));
  }
  ct_tensor *K = ct_matmul(P, gt), *PtK = ct_matmul(Pt, K);
  ct_tensor *r = ct_sub(ct_matmul(ct_matmul(ct_sub(gt, ct_matmul(A, K)), P), Pt), la_mT(ct_matmul(K, P)));
  r = ct_add(r, PtK);
  return ct_sub(r, ct_matmul(ct_matmul(PtK, P), A));
}

/* saved [0] = A, [1] = P (output) */
static void pinv_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(nd, 0)) gi[0] = ct__la_pinv_grad(ct__saved(nd, 0), ct__saved(nd, 1), g[0]);
}

/* the value of pinv (no autograd): V diag(1/s, s > tol) U^T (hermitian: U diag(1/l) U^T) */
static ct_tensor *pinv_value(const ct_tensor *A, const ct_linalg_tol_opts *o) {
  if (ct_numel(A) == 0) /* (*, n, m) of zeros */
    return ct_contiguous(ct_zeros_like(la_mT(A)));
  ct_tensor *zero = ct_zeros(0, NULL, .dtype = A->dtype);
  if (o->hermitian) {
    ct_tensor_pair e = ct_linalg_eigh(A, 'L');
    if (!e.values) return NULL;
    ct_tensor *la = ct_abs(e.values);
    ct_tensor *inv = ct_where(ct_gt(la, cutoff(la, o)), ct_reciprocal(e.values), zero);
    return ct_matmul(ct_mul(e.indices, ct_unsqueeze(inv, -2)), la_mT(e.indices));
  }
  ct_tensor *U, *S, *Vh;
  if (ct_linalg_svd(A, false, &U, &S, &Vh)) return NULL;
  ct_tensor *inv = ct_where(ct_gt(S, cutoff(S, o)), ct_reciprocal(S), zero);
  return ct_matmul(ct_mul(la_mT(Vh), ct_unsqueeze(inv, -2)), la_mT(U));
}

/* A (*, m, n) -> A^+ (*, n, m); grad_fn LinalgPinvBackward0 */
ct_tensor *ct_linalg_pinv_ex(const ct_tensor *A, ct_linalg_tol_opts o) {
  if (!A) return NULL;
  if (A->ndim < 2 || !ct_dtype_is_floating(A->dtype)) {
    char sh[256];
    int k = 0;
    sh[0] = 0;
    for (int i = 0; i < A->ndim && k < 200; i++)
      k += snprintf(sh + k, sizeof sh - (size_t)k, "%s%lld", i ? ", " : "", (long long)A->shape[i]);
    return ct__err("linalg.pinv(%s{[%s]}): expected a tensor with 2 or more dimensions of float, "
                   "double, cfloat or cdouble types", ct__dtype_short(A->dtype), sh);
  }
  tolerances(A, &o);
  CT_OP_BEGIN();
  bool was = ct_set_grad_enabled(false);
  ct_tensor *P = pinv_value(A, &o);
  ct_set_grad_enabled(was);
  ct_node *nd = P ? ct__node_new("LinalgPinvBackward0", pinv_backward, 1,
                                 (ct_tensor *const[]){(ct_tensor *)A}, 1) : NULL;
  if (nd) {
    ct__set_history(P, nd, 0);
    ct__save(nd, A, false);
    ct__save(nd, P, true);
  }
  return ct__op_end(P);
}

/* A (*, m, n) -> the number of singular values (|eigenvalues|) above the cut-off, int64 */
ct_tensor *ct_linalg_matrix_rank_ex(const ct_tensor *A, ct_linalg_tol_opts o) {
  if (!A) return NULL;
  if (A->ndim < 2)
    return ct__err("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.");
  if (!ct_dtype_is_floating(A->dtype))
    return ct__err("torch.linalg.matrix_rank: Expected a floating point or complex tensor as "
                   "input. Got %s", ct__dtype_short(A->dtype));
  if (ct__is_half(A->dtype))
    return ct__err("torch.linalg.matrix_rank: Low precision dtypes not supported. Got %s",
                   ct__dtype_short(A->dtype));
  tolerances(A, &o);
  CT_OP_BEGIN();
  ct_tensor *s = o.hermitian ? ct_abs(ct_linalg_eigvalsh(A, 'L')) : ct_linalg_svdvals(A);
  if (!s) return ct__op_end(NULL);
  if (ct_size(s, -1) == 0) /* no singular values: rank 0 */
    return ct__op_end(ct_sum(ct_to(s, CT_INT64), .dim = CT_DIMS(-1)));
  return ct__op_end(ct_sum(ct_gt(s, cutoff(s, &o)), .dim = CT_DIMS(-1), .dtype = CT_INT64));
}

/* A (*, m, n) -> its condition number in the p-norm */
ct_tensor *ct_linalg_cond(const ct_tensor *A, double p) {
  if (!A) return NULL;
  if (A->ndim < 2) return ct__err("linalg.cond: The input tensor must have at least 2 dimensions.");
  double a = fabs(p);
  bool svd = p == CT_ORD_NONE || a == 2;
  if (!svd && p != CT_ORD_FRO && p != CT_ORD_NUC && a != 1 && !isinf(a)) {
    if (p == floor(p) && fabs(p) < 1e15) return ct__err("linalg.cond got an invalid norm type: %.0f", p);
    return ct__err("linalg.cond got an invalid norm type: %g", p);
  }
  if (!ct_dtype_is_floating(A->dtype))
    return ct__err("linalg.cond: Expected a floating point or complex tensor as input. Got %s",
                   ct__dtype_short(A->dtype));
  if (ct__is_half(A->dtype))
    return ct__err("linalg.cond: Low precision dtypes not supported. Got %s", ct__dtype_short(A->dtype));
  /* no matrix entries: 0 per matrix (PyTorch, which checks squareness first for 'fro' / 'nuc') */
  bool empty = ct_numel(A) == 0 && (A->shape[A->ndim - 2] == A->shape[A->ndim - 1] ||
                                    (p != CT_ORD_FRO && p != CT_ORD_NUC));
  if (empty) return ct_zeros(A->ndim - 2, A->shape, .dtype = A->dtype);
  CT_OP_BEGIN();
  if (svd) { /* s_max / s_min (p = -2: s_min / s_max) */
    ct_tensor *s = ct_linalg_svdvals(A);
    if (!s) return ct__op_end(NULL);
    int64_t k = ct_size(s, -1);
    ct_tensor *hi = ct_select(s, -1, 0), *lo = ct_select(s, -1, k - 1);
    return ct__op_end(p == -2 ? ct_div(lo, hi) : ct_div(hi, lo));
  }
  int64_t r = A->shape[A->ndim - 2], c = A->shape[A->ndim - 1];
  if (r != c) {
    char b[32];
    snprintf(b, sizeof b, "%g", p);
    return ct__op_end(ct__err("linalg.cond(ord=%s): A must be batches of square matrices, but "
                              "they are %lld by %lld matrices",
                              p == CT_ORD_FRO ? "fro" : p == CT_ORD_NUC ? "nuc" : isinf(p) ? (p > 0 ? "inf" : "-inf") : b,
                              (long long)r, (long long)c));
  }
  if (p == CT_ORD_NUC) { /* PyTorch 1.13: sum(S) * sum(1 / S) of svdvals, so a singular A
                          * gives inf (a zero singular value) or roundoff's huge number */
    ct_tensor *s = ct_linalg_svdvals(A);
    return ct__op_end(ct_mul(ct_sum(s, .dim = CT_DIMS(-1)), ct_sum(ct_reciprocal(s), .dim = CT_DIMS(-1))));
  }
  ct_linalg_norm_opts no = {.ord = p, .dtype = CT_DTYPE_UNSET};
  /* a singular matrix (a zero pivot: det exactly 0) gets inf, as PyTorch fills the failed
   * inverse with inf */
  ct_tensor *sing = ct_eq_scalar(ct_detach(ct_linalg_det(A)), 0);
  ct_tensor *mask = sing ? ct_unsqueeze(ct_unsqueeze(sing, -1), -1) : NULL;
  const ct_tensor *Ai = mask ? ct_where(mask, ct_eye(r, -1, .dtype = A->dtype), A) : A;
  ct_tensor *cn = ct_mul(ct_linalg_matrix_norm_ex(A, no), ct_linalg_matrix_norm_ex(ct_linalg_inv(Ai), no));
  return ct__op_end(sing ? ct_masked_fill(cn, sing, INFINITY) : cn);
}
