/* torch.linalg.cholesky: LAPACK's potrf, batched. Only A's lower triangle is read, as
 * PyTorch. The backward is cholesky_backward of FunctionsManual.cpp with linalg.solve in place
 * of solve_triangular (same values; differentiable, so double backward works). */
#include "linalg_impl.h"

#include "ctorch/linalg.h"

typedef struct {
  bool upper;
} cholesky_args;
CT_ARGS_TYPE(cholesky_args, NULL);

/* L = cholesky(A), A = L L^H: with P = tril(L^H gL) and phi = (P + tril(P, -1)^H) / 2,
 * gA = L^-H phi L^-1, computed as Y = solve(L^H, phi), gA = solve(L^H, Y^H)^H.
 * upper: the output is U = L^H and its gradient gU gives gL = gU^H. saved [0] = output */
static void cholesky_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(n, 0)) return;
  bool up = CT_ARGS(n, cholesky_args)->upper;
  ct_tensor *out = ct__saved(n, 0);
  ct_tensor *L = up ? la_mT(out) : out, *gL = up ? la_mT(g[0]) : g[0], *Lh = la_mT(L);
  ct_tensor *P = ct_tril(ct_matmul(Lh, gL), 0);
  ct_tensor *phi = ct_mul_scalar(ct_add(P, la_mT(ct_tril(P, -1))), 0.5);
  ct_tensor *Y = ct_linalg_solve(Lh, phi);
  gi[0] = la_mT(ct_linalg_solve(Lh, la_mT(Y)));
}

/* In place on row-major matrices m (nb, n, n): each becomes its Cholesky factor L (lower,
 * strict upper zeroed). Row-major A is column-major A^T, whose upper triangle potrf('U')
 * reads: A's lower triangle; U^T U = A then gives U read row-major = U^T = L.
 * 0, or potrf's info > 0 (the order of the first leading minor that is not positive
 * definite) of the first failing matrix with its index in *bad. */
static int potrf_batches(ct_tensor *m, int64_t nb, int64_t n, int64_t *bad) {
  int in = (int)n, info = 0;
  bool f32 = m->dtype == CT_FLOAT32;
  for (int64_t b = 0; b < nb && info == 0 && n > 0; b++) {
    *bad = b;
    if (f32)
      spotrf_("U", &in, CT_PTR(m, float) + b * n * n, &in, &info, 1);
    else
      dpotrf_("U", &in, CT_PTR(m, double) + b * n * n, &in, &info, 1);
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = i + 1; j < n; j++) {
        if (f32)
          CT_PTR(m, float)[b * n * n + i * n + j] = 0;
        else
          CT_PTR(m, double)[b * n * n + i * n + j] = 0;
      }
  }
  return info;
}

/* A (*, n, n) symmetric positive definite -> L (*, n, n) lower (or U = L^H when upper) */
ct_tensor *ct_linalg_cholesky(const ct_tensor *A, bool upper) {
  if (!A) return NULL;
  if (la_check_square("linalg.cholesky", A)) return NULL;
  int64_t n = A->shape[A->ndim - 1], nb = ct__numel_of(A->ndim - 2, A->shape), bad = 0;
  CT_OP_BEGIN();
  ct_tensor *out = ct__empty(A->dtype, A->ndim, A->shape);
  if (!out) return ct__op_end(NULL);
  ct__copy_into(out, A);
  int info = potrf_batches(out, nb, n, &bad);
  if (info > 0) {
    char bs[64];
    la_batch_str(bs, sizeof bs, A, bad);
    return ct__op_end(ct__err("linalg.cholesky%s: The factorization could not be completed because the input "
                   "is not positive-definite (the leading minor of order %d is not "
                   "positive-definite).", bs, info));
  }
  if (upper) out = la_swap_copy(out); /* U = L^T as a tensor of its own */
  if (!out) return ct__op_end(NULL);
  ct_node *nd = ct__node_new("LinalgCholeskyExBackward0", cholesky_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)A}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, cholesky_args)->upper = upper;
    ct__save(nd, out, true);
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
