/* torch.linalg.det and torch.linalg.slogdet: LAPACK's getrf (LU with partial pivoting), then
 * the product of U's diagonal and the sign of the row permutation. Backward formulas use
 * differentiable ops (inv, matmul, mul) and the saved outputs, so double backward works. */
#include <float.h>
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

/* sign, log|det| and det of the nb (n x n) matrices of lu (overwritten by their LU; any
 * layout: det(A^T) = det(A)), each into out[0..2][b]. A singular matrix gets sign 0,
 * log|det| -inf and det 0. */
static int lu_dets(ct_tensor *lu, int64_t nb, int64_t n, double *out[3]) {
  int in = (int)n, info = 0;
  int *piv = malloc(sizeof(int) * (size_t)(n ? n : 1));
  if (!piv) {
    ct__err("CPU: out of memory");
    return -1;
  }
  bool f32 = lu->dtype == CT_FLOAT32;
  for (int64_t b = 0; b < nb; b++) {
    if (n > 0) {
      if (f32)
        sgetrf_(&in, &in, CT_PTR(lu, float) + b * n * n, &in, piv, &info);
      else
        dgetrf_(&in, &in, CT_PTR(lu, double) + b * n * n, &in, piv, &info);
    }
    double s = 1, la = 0, d = 1;
    for (int64_t i = 0; i < n; i++) {
      int64_t e = b * n * n + i * n + i;
      double u = f32 ? CT_PTR(lu, float)[e] : CT_PTR(lu, double)[e];
      if (piv[i] != i + 1) s = -s, d = -d;
      s = u < 0 ? -s : u > 0 ? s : 0; /* 0 or NaN: sgn gives 0 */
      la += log(fabs(u));
      d *= u;
    }
    out[0][b] = s, out[1][b] = la, out[2][b] = d;
  }
  free(piv);
  return 0;
}

/* Fill the non-NULL of sign / logabsdet / det (batch-shaped, A's dtype) from A (*, n, n). */
static int det_values(const ct_tensor *A, ct_tensor *const res[3]) {
  int64_t n = A->shape[A->ndim - 1], nb = ct__numel_of(A->ndim - 2, A->shape);
  CT_OP_BEGIN();
  ct_tensor *lu = la_copy(A);
  double *s = malloc(sizeof(double) * (size_t)(3 * nb + 1));
  int rc = -1;
  if (lu && !s) ct__err("CPU: out of memory");
  if (lu && s) rc = lu_dets(lu, nb, n, (double *[]){s, s + nb, s + 2 * nb});
  size_t es = ct_dtype_size(A->dtype);
  for (int r = 0; rc == 0 && r < 3; r++)
    for (int64_t b = 0; res[r] && b < nb; b++)
      ct__store(ct__ptr(res[r]) + es * (size_t)b, A->dtype, s[r * nb + b]);
  free(s);
  ct_scope_end();
  return rc;
}

/* g (*) -> g[..., None, None] * inv(A)^T: the gradient of a function of det(A) whose
 * derivative with respect to det(A) is g / det(A) times det's own factor */
static ct_tensor *scaled_inv_t(ct_tensor *g, ct_tensor *A) {
  return ct_mul(ct_unsqueeze(ct_unsqueeze(g, -1), -1), la_mT(ct_linalg_inv(A)));
}

/* prod_safe_zeros_backward of S (*, n) along its last dim: (*, n), entry j the product of the
 * other entries (exclusive cumulative products both ways; no division, zeros are fine) */
static ct_tensor *prod_others(ct_tensor *S) {
  int64_t n = ct_size(S, -1), d = -1;
  if (n == 1) return ct_ones_like(S);
  ct_tensor *one = ct_ones_like(ct_narrow(S, -1, 0, 1));
  ct_tensor *fwd = ct_cumprod(ct_cat((ct_tensor *[]){one, ct_narrow(S, -1, 0, n - 1)}, 2, -1), -1);
  ct_tensor *rev = ct_flip(ct_narrow(S, -1, 1, n - 1), 1, &d);
  rev = ct_flip(ct_cumprod(ct_cat((ct_tensor *[]){one, rev}, 2, -1), -1), 1, &d);
  return ct_mul(fwd, rev);
}

/* linalg_det_backward at singular A (PyTorch's SVD path): A = U S Vh, det A = det U det Vh
 * prod S, so gA = U diag(g det(U) det(Vh) prod_{k != j} S_k) Vh; differentiable */
static ct_tensor *det_grad_svd(ct_tensor *g, ct_tensor *A) {
  ct_tensor *U, *S, *Vh;
  if (ct_linalg_svd(A, false, &U, &S, &Vh)) return NULL;
  ct_tensor *alpha = ct_mul(g, ct_mul(ct_linalg_det(U), ct_linalg_det(Vh)));
  ct_tensor *D = ct_mul(ct_unsqueeze(alpha, -1), prod_others(S));
  return ct_matmul(ct_mul(U, ct_unsqueeze(D, -2)), Vh);
}

/* out = det(A): gA = (g * det) A^-H (linalg_det_backward). A singular matrix (|det| < eps):
 * without create_graph PyTorch solves with LU's zero pivots nudged to eps, which gives
 * (g * 0) A'^-H = 0 where det is exactly 0; under create_graph it takes the SVD path for those
 * matrices (det_grad_svd) and the solve for the others, as here. saved [0] = A, [1] = out */
static void det_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(n, 0)) return;
  ct_tensor *A = ct__saved(n, 0), *det = ct__saved(n, 1), *ad = ct_abs(ct_detach(det));
  bool graph = ct_is_grad_enabled();
  double eps = A->dtype == CT_FLOAT32 ? FLT_EPSILON : DBL_EPSILON;
  ct_tensor *sing = graph ? ct_lt_scalar(ad, eps) : ct_eq_scalar(ad, 0);
  if (!sing || !ct_item(ct_any(sing))) {
    gi[0] = scaled_inv_t(ct_mul(g[0], det), A);
    return;
  }
  ct_tensor *mask = ct_unsqueeze(ct_unsqueeze(sing, -1), -1);
  int64_t m = ct_size(A, -1);
  ct_tensor *eye = ct_eye(m, -1, .dtype = A->dtype);
  /* each path gets a harmless stand-in (the identity, distinct singular values) elsewhere */
  ct_tensor *ns = scaled_inv_t(ct_mul(g[0], det), ct_where(mask, eye, A));
  if (!graph) { /* det == 0: 0 times the nudged inverse */
    gi[0] = ct_where(mask, ct_zeros_like(ns), ns);
    return;
  }
  ct_tensor *dist = ct_diag_embed(ct_arange(1, (double)m + 1, 1, .dtype = A->dtype), 0, -2, -1);
  gi[0] = ct_where(mask, det_grad_svd(g[0], ct_where(mask, A, dist)), ns);
}

/* (sign, logabsdet): gA = g_logabsdet A^-H (slogdet_backward, real input: sign has no
 * gradient). saved [0] = A */
static void slogdet_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0) && g[1]) gi[0] = scaled_inv_t(g[1], ct__saved(n, 0));
}

/* A (*, n, n) -> det (*) */
ct_tensor *ct_linalg_det(const ct_tensor *A) {
  if (!A) return NULL;
  if (la_check_square("linalg.det", A)) return NULL;
  ct_tensor *out = ct__empty(A->dtype, A->ndim - 2, A->shape);
  if (!out || det_values(A, (ct_tensor *const[]){NULL, NULL, out})) return NULL;
  ct_node *nd = ct__node_new("LinalgDetBackward0", det_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)A}, 1);
  if (nd) {
    ct__save(nd, A, false);
    ct__save(nd, out, true);
    ct__set_history(out, nd, 0);
  }
  return out;
}

/* A (*, n, n) -> (sign (*), logabsdet (*)) */
ct_tensor_pair ct_linalg_slogdet(const ct_tensor *A) {
  if (!A || la_check_square("linalg.slogdet", A)) return (ct_tensor_pair){0};
  ct_tensor *s = ct__empty(A->dtype, A->ndim - 2, A->shape);
  ct_tensor *la = s ? ct__empty(A->dtype, A->ndim - 2, A->shape) : NULL;
  if (!la || det_values(A, (ct_tensor *const[]){s, la, NULL})) return (ct_tensor_pair){0};
  ct_node *nd = ct__node_new("LinalgSlogdetBackward0", slogdet_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)A}, 2);
  if (nd) {
    ct__save(nd, A, false);
    ct__set_history(s, nd, 0); /* sign is recorded too (PyTorch), its gradient is ignored */
    ct__set_history(la, nd, 1);
  }
  return (ct_tensor_pair){s, la};
}
