/* torch.linalg.inv and torch.linalg.solve: LAPACK's getrf (LU with partial pivoting) of A's
 * row-major copy, which LAPACK sees as A^T (PyTorch factors the same matrix, so a singular
 * input reports the same zero pivot), then getrs('T') solves A X = B on column-major B.
 * Batched over the leading dims. Backward formulas
 * are written with differentiable ops (solve, matmul), so double backward works. */
#include "linalg_impl.h"

#include "ctorch/linalg.h"

/* X (nb, k, n) column-major n x k solutions of A X = B in place of B, A (nb, n, n)
 * row-major (overwritten by the LU of A^T). 0, or getrf's info > 0 of the first failing
 * matrix (U[info-1][info-1] == 0) with its index in *bad. */
static int lu_solve_batches(ct_tensor *A, ct_tensor *B, int64_t nb, int64_t n, int64_t k,
                        int64_t *bad) {
  if (n == 0 || k == 0) return 0;
  int in = (int)n, ik = (int)k, info = 0;
  int *piv = malloc(sizeof(int) * (size_t)n);
  if (!piv) {
    ct__err("CPU: out of memory");
    return -1;
  }
  for (int64_t b = 0; b < nb && info == 0; b++) {
    *bad = b;
    if (A->dtype == CT_FLOAT32) {
      float *a = CT_PTR(A, float) + b * n * n;
      sgetrf_(&in, &in, a, &in, piv, &info);
      if (info == 0) sgetrs_("T", &in, &ik, a, &in, piv, CT_PTR(B, float) + b * n * k, &in, &info, 1);
    } else {
      double *a = CT_PTR(A, double) + b * n * n;
      dgetrf_(&in, &in, a, &in, piv, &info);
      if (info == 0) dgetrs_("T", &in, &ik, a, &in, piv, CT_PTR(B, double) + b * n * k, &in, &info, 1);
    }
  }
  free(piv);
  return info;
}

/* ---- inv ------------------------------------------------------------------------------ */
/* out = A^-1: gA = -A^-H @ g @ A^-H (derivatives.yaml, linalg_inv_ex); saved [0] = out */
static void inv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *ih = la_mT(ct__saved(n, 0));
  if (ct__needs_grad(n, 0)) gi[0] = ct_neg(ct_matmul(ih, ct_matmul(g[0], ih)));
}

/* (nb, n, n) identity matrices of dtype dt */
static ct_tensor *eye_batches(ct_dtype dt, int nd, const int64_t *shape, int64_t nb, int64_t n) {
  ct_tensor *e = ct__empty(dt, nd, shape);
  if (!e) return NULL;
  size_t es = ct_dtype_size(dt);
  memset(ct__ptr(e), 0, es * (size_t)(nb * n * n));
  for (int64_t b = 0; b < nb; b++)
    for (int64_t i = 0; i < n; i++) ct__store(ct__ptr(e) + es * (size_t)(b * n * n + i * n + i), dt, 1);
  return e;
}

/* A (*, n, n) -> A^-1 (*, n, n) */
ct_tensor *ct_linalg_inv(const ct_tensor *A) {
  if (!A) return NULL;
  if (la_check_square("linalg.inv", A)) return NULL;
  int nd = A->ndim;
  int64_t n = A->shape[nd - 1], nb = n ? ct_numel(A) / (n * n) : 0, bad = 0;
  CT_OP_BEGIN();
  ct_tensor *lu = la_copy(A), *X = eye_batches(A->dtype, nd, A->shape, nb, n);
  if (!lu || !X) return ct__op_end(NULL);
  int info = lu_solve_batches(lu, X, nb, n, n, &bad);
  if (info < 0) return ct__op_end(NULL);
  if (info > 0) {
    char bs[64];
    la_batch_str(bs, sizeof bs, A, bad);
    return ct__op_end(ct__err("linalg.inv%s: The diagonal element %d is zero, the inversion could "
                              "not be completed because the input matrix is singular.", bs, info));
  }
  ct_tensor *out = la_swap_copy(X);
  ct_node *nd_ = out ? ct__node_new("LinalgInvExBackward0", inv_backward, 1,
                                    (ct_tensor *const[]){(ct_tensor *)A}, 1) : NULL;
  if (nd_) {
    ct__save(nd_, out, true);
    ct__set_history(out, nd_, 0);
  }
  return ct__op_end(out);
}

/* ---- solve ---------------------------------------------------------------------------- */
typedef struct {
  bool vector; /* B was a batch of vectors (NumPy's rule), X too */
} solve_args;
CT_ARGS_TYPE(solve_args, NULL);

/* X = A^-1 B (linalg_solve_backward): gB = solve(A^H, g), gA = -gB X^H (outer products of
 * the vectors in the vector case); both summed back over broadcast batch dims.
 * saved [0] = A, [1] = X (output) */
static void solve_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const solve_args *a = CT_ARGS(n, solve_args);
  ct_tensor *A = ct__saved(n, 0);
  ct_tensor *gB = ct_linalg_solve(la_mT(A), g[0]);
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, gB);
  if (ct__needs_grad(n, 0)) {
    ct_tensor *X = ct__saved(n, 1);
    ct_tensor *gA = a->vector ? ct_matmul(ct_unsqueeze(gB, -1), ct_unsqueeze(X, -2))
                              : ct_matmul(gB, la_mT(X));
    gi[0] = ct__sum_to_input(n, 0, ct_neg(gA));
  }
}

/* NumPy's rule for B: a vector (or a batch of them) when B is 1-D or A without its last dim */
static bool solve_vector_rhs(const ct_tensor *A, const ct_tensor *B) {
  if (B->ndim == 1) return true;
  if (B->ndim != A->ndim - 1) return false;
  return memcmp(B->shape, A->shape, sizeof(int64_t) * (size_t)B->ndim) == 0;
}

/* X (batch, n, k) of A X = B: A (*A, n, n), B (*B, n, k) broadcast over the batch dims */
static ct_tensor *solve_matrix(const ct_tensor *A, const ct_tensor *B) {
  int64_t n = A->shape[A->ndim - 1], k = B->shape[B->ndim - 1], bsh[CT_MAX_DIMS + 2];
  int nbd;
  if (ct__broadcast_shape(A->ndim - 2, A->shape, B->ndim - 2, B->shape, &nbd, bsh)) return NULL;
  int64_t nb = ct__numel_of(nbd, bsh), bad = 0;
  bsh[nbd] = n, bsh[nbd + 1] = n;
  ct_tensor *lu = la_copy(ct__expand_raw(A, nbd + 2, bsh));
  bsh[nbd + 1] = k;
  ct_tensor *X = la_swap_copy(ct__expand_raw(B, nbd + 2, bsh));
  if (!lu || !X) return NULL;
  int info = lu_solve_batches(lu, X, nb, n, k, &bad);
  if (info < 0) return NULL;
  if (info > 0) {
    char bs[64];
    la_batch_str(bs, sizeof bs, lu, bad);
    return ct__err("torch.linalg.solve%s: The solver failed because the input matrix is singular.",
                   bs);
  }
  return la_swap_copy(X);
}

/* A (*, n, n), B (*, n, k) or (*, n) -> X with A X = B */
ct_tensor *ct_linalg_solve(const ct_tensor *A, const ct_tensor *B) {
  if (!A || !B) return NULL;
  if (la_check_square("linalg.solve", A)) return NULL;
  if (A->dtype != B->dtype)
    return ct__err("linalg.solve: Expected A and B to have the same dtype, but found A of type %s "
                   "and B of type %s instead", ct__dtype_short(A->dtype), ct__dtype_short(B->dtype));
  bool vec = solve_vector_rhs(A, B);
  int64_t n = A->shape[A->ndim - 1];
  if (!vec && B->ndim < 2) return ct__err("linalg.solve: The input tensor B must have at least 2 dimensions.");
  int64_t bn = vec ? B->shape[B->ndim - 1] : B->shape[B->ndim - 2], bk = vec ? 1 : B->shape[B->ndim - 1];
  if (bn != n)
    return ct__err("linalg.solve: Incompatible shapes of A and B for the equation AX = B (%lldx%lld "
                   "and %lldx%lld)", (long long)n, (long long)n, (long long)bn, (long long)bk);
  CT_OP_BEGIN();
  const ct_tensor *Bm = B;
  if (vec) { /* (*, n) -> (*, n, 1) */
    int64_t sh[CT_MAX_DIMS], st[CT_MAX_DIMS];
    memcpy(sh, B->shape, sizeof(int64_t) * (size_t)B->ndim);
    memcpy(st, B->strides, sizeof(int64_t) * (size_t)B->ndim);
    sh[B->ndim] = 1, st[B->ndim] = 1;
    Bm = ct__make_view(B, B->ndim + 1, sh, st, B->offset);
  }
  ct_tensor *X = Bm ? solve_matrix(A, Bm) : NULL;
  if (X && vec) { /* (*, n, 1) -> a tensor of its own of shape (*, n), not a view */
    ct_tensor *v = ct__make_view(X, X->ndim - 1, X->shape, X->strides, X->offset);
    X = v ? ct__empty(X->dtype, v->ndim, v->shape) : NULL;
    if (X) ct__copy_into(X, v);
  }
  ct_node *nd = X ? ct__node_new("LinalgSolveExBackward0", solve_backward, 2,
                                 (ct_tensor *const[]){(ct_tensor *)A, (ct_tensor *)B}, 1) : NULL;
  if (nd) {
    CT_NEW_ARGS(nd, solve_args)->vector = vec;
    ct__save(nd, A, false);
    ct__save(nd, X, true);
    ct__set_history(X, nd, 0);
  }
  return ct__op_end(X);
}
