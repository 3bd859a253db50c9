/* torch.linalg.solve_triangular (BLAS trsm on row-major copies, batched over broadcast
 * leading dims) and linalg.solve with left=False (a transposed left solve). The backward is
 * derivatives.yaml's linalg_solve_triangular_backward written with differentiable ops. */
#include <cblas.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

typedef struct {
  bool upper, left, unit;
} tri_args;
CT_ARGS_TYPE(tri_args, NULL);

/* X (nb, r, c) in place of B: op(A) X = B (left, r = n) or X op(A) = B (right, c = n); A
 * (nb, n, n) row-major, its upper / lower triangle read */
static void trsm_batches(const ct_tensor *A, ct_tensor *X, int64_t nb, int64_t n, int64_t r,
                         int64_t c, const tri_args *t) {
  if (n == 0 || r == 0 || c == 0) return;
  enum CBLAS_SIDE side = t->left ? CblasLeft : CblasRight;
  enum CBLAS_UPLO uplo = t->upper ? CblasUpper : CblasLower;
  enum CBLAS_DIAG diag = t->unit ? CblasUnit : CblasNonUnit;
  for (int64_t b = 0; b < nb; b++) {
    if (A->dtype == CT_FLOAT32)
      cblas_strsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, (int)r, (int)c, 1.0f,
                  CT_PTR(A, float) + b * n * n, (int)n, CT_PTR(X, float) + b * r * c, (int)c);
    else
      cblas_dtrsm(CblasRowMajor, side, uplo, CblasNoTrans, diag, (int)r, (int)c, 1.0,
                  CT_PTR(A, double) + b * n * n, (int)n, CT_PTR(X, double) + b * r * c, (int)c);
  }
}

/* G_B = solve_triangular(A^T, g, !upper, left, unit); G_A = -G_B X^T (left) or -X^T G_B,
 * kept to A's triangle (strictly, when unitriangular). saved [0] = A, [1] = X (output) */
static void tri_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  const tri_args *t = CT_ARGS(nd, tri_args);
  ct_tensor *A = ct__saved(nd, 0);
  ct_tensor *gB = ct_linalg_solve_triangular(la_mT(A), g[0], !t->upper, t->left, t->unit);
  if (ct__needs_grad(nd, 1)) gi[1] = ct__sum_to_input(nd, 1, gB);
  if (ct__needs_grad(nd, 0)) {
    ct_tensor *Xt = la_mT(ct__saved(nd, 1));
    ct_tensor *gA = ct_neg(t->left ? ct_matmul(gB, Xt) : ct_matmul(Xt, gB));
    gA = t->upper ? ct_triu(gA, t->unit) : ct_tril(gA, -(int64_t)t->unit);
    gi[0] = ct__sum_to_input(nd, 0, gA);
  }
}

/* PyTorch's checkInputsSolver: A (*, n, n), B (*, n, k) (left) or (*, k, n): 0 or -1 */
static int solver_check(const char *api, const ct_tensor *A, const ct_tensor *B, bool left) {
  if (A->ndim < 2) return ct__errs("%s: The input tensor A must have at least 2 dimensions.", api);
  int64_t n = A->shape[A->ndim - 1], r = A->shape[A->ndim - 2];
  if (r != n)
    return ct__errs("%s: A must be batches of square matrices, but they are %lld by %lld matrices",
                    api, (long long)r, (long long)n);
  if (B->ndim < 2) return ct__errs("%s: The input tensor B must have at least 2 dimensions.", api);
  int64_t br = B->shape[B->ndim - 2], bc = B->shape[B->ndim - 1];
  if ((left ? br : bc) != n)
    return ct__errs("%s: Incompatible shapes of A and B for the equation %s (%lldx%lld and %lldx%lld)",
                    api, left ? "AX = B" : "XA = B", (long long)n, (long long)n, (long long)br,
                    (long long)bc);
  if (n > 0x7fffffff || br > 0x7fffffff || bc > 0x7fffffff)
    return ct__errs("%s: matrices larger than LAPACK's int are not supported", api);
  return 0;
}

/* A, B of one floating dtype, checked -> X */
static ct_tensor *solve_tri(const ct_tensor *A, const ct_tensor *B, tri_args t) {
  int64_t n = A->shape[A->ndim - 1], r = B->shape[B->ndim - 2], c = B->shape[B->ndim - 1];
  int64_t bsh[CT_MAX_DIMS + 2];
  int nbd;
  if (ct__broadcast_shape(A->ndim - 2, A->shape, B->ndim - 2, B->shape, &nbd, bsh)) return NULL;
  int64_t nb = ct__numel_of(nbd, bsh);
  CT_OP_BEGIN();
  bsh[nbd] = n, bsh[nbd + 1] = n;
  const ct_tensor *Ae = ct__expand_raw(A, nbd + 2, bsh);
  ct_tensor *Ac = Ae ? (ct_is_contiguous(Ae) ? (ct_tensor *)Ae : la_copy(Ae)) : NULL;
  bsh[nbd] = r, bsh[nbd + 1] = c;
  ct_tensor *X = Ac ? la_copy(ct__expand_raw(B, nbd + 2, bsh)) : NULL;
  if (!X) return ct__op_end(NULL);
  trsm_batches(Ac, X, nb, n, r, c, &t);
  ct_node *nd = ct__node_new("LinalgSolveTriangularBackward0", tri_backward, 2,
                             (ct_tensor *const[]){(ct_tensor *)A, (ct_tensor *)B}, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, tri_args) = t;
    ct__save(nd, A, false);
    ct__save(nd, X, true);
    ct__set_history(X, nd, 0);
  }
  return ct__op_end(X);
}

ct_tensor *ct_linalg_solve_triangular(const ct_tensor *A, const ct_tensor *B, bool upper, bool left,
                                      bool unitriangular) {
  if (!A || !B) return NULL;
  if (solver_check("linalg.solve_triangular", A, B, left)) return NULL;
  ct_dtype dt = ct_promote_types(A->dtype, B->dtype);
  if (dt != CT_FLOAT32 && dt != CT_FLOAT64)
    return ct__err("\"triangular_solve_cpu\" not implemented for '%s'", ct__dtype_short(dt));
  CT_OP_BEGIN();
  const ct_tensor *a = A->dtype == dt ? A : ct_to(A, dt), *b = B->dtype == dt ? B : ct_to(B, dt);
  ct_tensor *X = a && b ? solve_tri(a, b, (tri_args){upper, left, unitriangular}) : NULL;
  return ct__op_end(X);
}

/* left=False: X A = B is A^T X^T = B^T; a vector B is a column (n, 1) there, as PyTorch */
ct_tensor *ct_linalg_solve_ex(const ct_tensor *A, const ct_tensor *B, bool left) {
  if (left || !A || !B) return ct_linalg_solve(A, B);
  if (la_check_square("linalg.solve", A)) return NULL;
  int64_t n = A->shape[A->ndim - 1];
  bool vec = B->ndim == 1 || (B->ndim == A->ndim - 1 &&
                              memcmp(B->shape, A->shape, sizeof(int64_t) * (size_t)B->ndim) == 0);
  int64_t br = vec ? B->shape[B->ndim - 1] : B->ndim >= 2 ? B->shape[B->ndim - 2] : 0;
  int64_t bc = vec ? 1 : B->ndim >= 2 ? B->shape[B->ndim - 1] : 0;
  if (!vec && B->ndim < 2) return ct__err("linalg.solve: The input tensor B must have at least 2 dimensions.");
  if (vec && n == 1) /* PyTorch's own case: B / A.squeeze(-1) would "broadcast" there */
    return ct__err("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                   "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)");
  if (bc != n || vec)
    return ct__err("linalg.solve: Incompatible shapes of A and B for the equation XA = B (%lldx%lld "
                   "and %lldx%lld)", (long long)n, (long long)n, (long long)br, (long long)bc);
  CT_OP_BEGIN();
  return ct__op_end(la_mT(ct_linalg_solve(la_mT(A), la_mT(B))));
}
