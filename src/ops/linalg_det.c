/* torch.linalg.det and torch.linalg.slogdet: LAPACK's getrf (LU with partial pivoting), then
 * the product of U's diagonal and the sign of the row permutation. Backward formulas use
 * differentiable ops (inv, matmul, mul) and the saved outputs, so double backward works. */
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

/* out = det(A): gA = (g * det) A^-H (linalg_det_backward for invertible A; a singular A
 * fails here with linalg.inv's error, where PyTorch takes an SVD path).
 * saved [0] = A, [1] = out */
static void det_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = scaled_inv_t(ct_mul(g[0], ct__saved(n, 1)), ct__saved(n, 0));
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
