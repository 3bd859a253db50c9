/* Matrix products and (later) torch.linalg: through OpenBLAS. Results as in tensor_ops.h. */
#ifndef CTORCH_LINALG_H
#define CTORCH_LINALG_H

#include "tensor_ops.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* ---- matrix products (OpenBLAS) ---------------------------------------------------- */
/* torch.mm(a, b): 2-D, same dtype (ints too, bool is an error); OpenBLAS for floats. */
ct_tensor *ct_mm(const ct_tensor *a, const ct_tensor *b);
/* torch.bmm(a, b): (b, n, m) @ (b, m, p), same dtype; bool is an error. */
ct_tensor *ct_bmm(const ct_tensor *a, const ct_tensor *b);
/* torch.matmul: 1-D/2-D/batched with broadcasting of batch dims */
ct_tensor *ct_matmul(const ct_tensor *a, const ct_tensor *b);
/* torch.mv(a, v): (n, m) @ (m,) -> (n,); same dtype. */
ct_tensor *ct_mv(const ct_tensor *a, const ct_tensor *v);
/* beta * input + alpha * (m1 @ m2) */
ct_tensor *ct_addmm(const ct_tensor *input, const ct_tensor *m1, const ct_tensor *m2, double beta,
                    double alpha);
/* torch.dot(a, b): 1-D, same length and dtype; a 0-dim result. */
ct_tensor *ct_dot(const ct_tensor *a, const ct_tensor *b);
/* torch.outer(a, b): 1-D a (n,), b (m,) -> (n, m); promoted dtype. */
ct_tensor *ct_outer(const ct_tensor *a, const ct_tensor *b);

/* ---- torch.linalg (LAPACK through OpenBLAS): float32 / float64, batched over leading dims ---- */
/* torch.linalg.inv(A): A (*, n, n); singular input is PyTorch's error ("linalg.inv: The
 * diagonal element 2 is zero, ..."). grad_fn LinalgInvExBackward0. */
ct_tensor *ct_linalg_inv(const ct_tensor *A);
/* torch.linalg.solve(A, B) (left=True): X with A X = B; B (*, n, k), or (*, n) / (n,) vectors
 * by NumPy's rule; batch dims broadcast. grad_fn LinalgSolveExBackward0. */
ct_tensor *ct_linalg_solve(const ct_tensor *A, const ct_tensor *B);
/* torch.linalg.det(A): A (*, n, n) -> (*). grad_fn LinalgDetBackward0. */
ct_tensor *ct_linalg_det(const ct_tensor *A);
/* torch.linalg.slogdet(A) -> (sign, logabsdet), each (*): .values = sign, .indices =
 * logabsdet. grad_fn LinalgSlogdetBackward0 (sign has no gradient for real input). */
ct_tensor_pair ct_linalg_slogdet(const ct_tensor *A);
/* torch.linalg.cholesky(A, upper=False): L (lower) with A = L L^T, or U = L^T when upper;
 * reads A's lower triangle. grad_fn LinalgCholeskyExBackward0. */
ct_tensor *ct_linalg_cholesky(const ct_tensor *A, bool upper);
/* torch.linalg.qr's mode: 'reduced' (default), 'complete', 'r' (Q is an empty tensor) */
typedef enum { CT_QR_REDUCED = 0, CT_QR_COMPLETE, CT_QR_R } ct_qr_mode;
/* torch.linalg.qr(A, mode): A (*, m, n) -> .values = Q (*, m, k), .indices = R (*, k, n), k =
 * min(m, n) (m for 'complete'); LAPACK's signs, as PyTorch. grad_fn LinalgQrBackward0. */
ct_tensor_pair ct_linalg_qr(const ct_tensor *A, ct_qr_mode mode);

/* ---- linalg2: norms, products, triangular solve, SVD family --------------------------- */
/* String orders of torch.linalg as numbers: 'fro', 'nuc', and linalg.norm's / cond's None. */
#define CT_ORD_FRO 0x1p1000
#define CT_ORD_NUC 0x1p1001
#define CT_ORD_NONE 0x1p1002
typedef struct ct_linalg_norm_opts {
  double ord;     /* a number (INFINITY, -INFINITY, 0, ...), CT_ORD_FRO, CT_ORD_NUC, CT_ORD_NONE */
  ct_dims dim;    /* empty: vector_norm all dims, matrix_norm (-2, -1), norm PyTorch's rule */
  bool keepdim;
  ct_dtype dtype; /* CT_DTYPE_UNSET; else the input is cast to it first */
} ct_linalg_norm_opts;
/* torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None) */
ct_tensor *ct_linalg_vector_norm_ex(const ct_tensor *x, ct_linalg_norm_opts o);
#define ct_linalg_vector_norm(x, ...) \
  ct_linalg_vector_norm_ex(x, CT_OPTS(ct_linalg_norm_opts, .ord = 2, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* torch.linalg.matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None): 'fro',
 * 'nuc', +-inf, +-1, +-2 ('nuc' and +-2 through svdvals). */
ct_tensor *ct_linalg_matrix_norm_ex(const ct_tensor *A, ct_linalg_norm_opts o);
#define ct_linalg_matrix_norm(A, ...) \
  ct_linalg_matrix_norm_ex(A, CT_OPTS(ct_linalg_norm_opts, .ord = CT_ORD_FRO, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))
/* torch.linalg.norm(A, ord=None, dim=None, keepdim=False, *, dtype=None): matrix_norm when ord
 * is a string, or given with a 2-dim `dim` (or none and a 2-D A); vector_norm otherwise. */
ct_tensor *ct_linalg_norm_ex(const ct_tensor *A, ct_linalg_norm_opts o);
#define ct_linalg_norm(A, ...) \
  ct_linalg_norm_ex(A, CT_OPTS(ct_linalg_norm_opts, .ord = CT_ORD_NONE, .dtype = CT_DTYPE_UNSET, __VA_ARGS__))

/* torch.linalg.cross(a, b, dim=-1): same ndim, size 3 at dim in both, batch dims broadcast. */
ct_tensor *ct_linalg_cross(const ct_tensor *a, const ct_tensor *b, int64_t dim);
/* torch.cross(a, b, dim=None): dim CT_NONE is the first dim of a of size 3 (PyTorch 1.13). */
ct_tensor *ct_cross(const ct_tensor *a, const ct_tensor *b, int64_t dim);
/* torch.linalg.multi_dot(tensors): n >= 2; first / last may be 1-D; the product is formed in
 * the cheapest order (dynamic programming over the chain, as PyTorch). */
ct_tensor *ct_linalg_multi_dot(ct_tensor *const *ts, int n);
/* torch.linalg.matrix_power(A, n): A (*, m, m); n < 0 powers inv(A); n == 0 the identity. */
ct_tensor *ct_linalg_matrix_power(const ct_tensor *A, int64_t n);
/* torch.linalg.solve_triangular(A, B, *, upper, left=True, unitriangular=False): A (*, n, n)
 * triangular (only its upper / lower triangle is read), B (*, n, k) (left) or (*, k, n);
 * batch dims broadcast. grad_fn LinalgSolveTriangularBackward0. */
ct_tensor *ct_linalg_solve_triangular(const ct_tensor *A, const ct_tensor *B, bool upper, bool left,
                                      bool unitriangular);
/* torch.linalg.solve(A, B, left=): left=False solves X A = B (B (*, k, n)). */
ct_tensor *ct_linalg_solve_ex(const ct_tensor *A, const ct_tensor *B, bool left);

/* torch.linalg.svd(A, full_matrices=True) -> U (*, m, m|k), S (*, k), Vh (*, n|k, n), k =
 * min(m, n); LAPACK gesdd as PyTorch on CPU, so the signs of U and V match. grad_fn
 * LinalgSvdBackward0. Returned as three tensors through u, s, vh; 0 or -1. */
int ct_linalg_svd(const ct_tensor *A, bool full_matrices, ct_tensor **u, ct_tensor **s,
                  ct_tensor **vh);
/* torch.linalg.svdvals(A) -> S (*, k), descending. */
ct_tensor *ct_linalg_svdvals(const ct_tensor *A);

/* torch.linalg.eigh(A, UPLO='L') -> .values = eigenvalues (*, n) ascending, .indices =
 * eigenvectors (*, n, n); LAPACK syevd as PyTorch on CPU (same signs); uplo 'L' or 'U' names
 * the triangle read. grad_fn LinalgEighBackward0 (equal eigenvalues give inf / NaN gradients
 * of the eigenvectors, as PyTorch). */
ct_tensor_pair ct_linalg_eigh(const ct_tensor *A, char uplo);
/* torch.linalg.eigvalsh(A, UPLO='L') -> eigenvalues (*, n) ascending */
ct_tensor *ct_linalg_eigvalsh(const ct_tensor *A, char uplo);
/* Tolerances of pinv / matrix_rank: NAN is None (PyTorch's defaults: rtol = eps * max(m, n)
 * unless atol > 0 is given, then 0). */
typedef struct ct_linalg_tol_opts {
  double atol, rtol; /* NAN */
  bool hermitian;    /* false: through svd; true: through eigh (A's lower triangle) */
} ct_linalg_tol_opts;
/* torch.linalg.pinv(A, *, atol=None, rtol=None, hermitian=False): A (*, m, n) -> (*, n, m) */
ct_tensor *ct_linalg_pinv_ex(const ct_tensor *A, ct_linalg_tol_opts o);
#define ct_linalg_pinv(A, ...) \
  ct_linalg_pinv_ex(A, CT_OPTS(ct_linalg_tol_opts, .atol = __builtin_nan(""), .rtol = __builtin_nan(""), __VA_ARGS__))
/* torch.linalg.matrix_rank(A, *, atol=None, rtol=None, hermitian=False) -> int64 (*) */
ct_tensor *ct_linalg_matrix_rank_ex(const ct_tensor *A, ct_linalg_tol_opts o);
#define ct_linalg_matrix_rank(A, ...) \
  ct_linalg_matrix_rank_ex(A, CT_OPTS(ct_linalg_tol_opts, .atol = __builtin_nan(""), .rtol = __builtin_nan(""), __VA_ARGS__))
/* torch.linalg.cond(A, p=None): p CT_ORD_NONE / 2 / -2 through svdvals (any (*, m, n)); 'nuc'
 * as sum(S) * sum(1 / S); 'fro', inf, -inf, 1, -1 as norm(A) * norm(inv(A)) (square A).
 * Singular A: inf (or roundoff's huge number), as PyTorch; 0 x 0 matrices: 0. */
ct_tensor *ct_linalg_cond(const ct_tensor *A, double p);

/* ---- linalg3: lstsq ------------------------------------------------------------------ */
/* torch.linalg.lstsq's driver: CT_LSTSQ_DEFAULT is PyTorch's CPU default, gelsy */
typedef enum { CT_LSTSQ_DEFAULT = 0, CT_LSTSQ_GELS, CT_LSTSQ_GELSY, CT_LSTSQ_GELSD, CT_LSTSQ_GELSS } ct_lstsq_driver;
typedef struct ct_lstsq_opts {
  double rcond; /* NAN: None, eps(dtype) * max(m, n) */
  ct_lstsq_driver driver;
} ct_lstsq_opts;
/* torch.linalg.lstsq's named tuple. residuals (*, k) only when m > n, the driver is not gelsy
 * and every matrix has full rank, else (0,); rank int64 (*) ((0,) for gels); singular_values
 * (*, min(m, n)) for gelsd / gelss, else (0,). */
typedef struct ct_lstsq_result {
  ct_tensor *solution, *residuals, *rank, *singular_values;
} ct_lstsq_result;
/* torch.linalg.lstsq(A, B, rcond=None, *, driver=None): A (*, m, n), B (*, m, k) or (*, m)
 * (one dim fewer than A), batch dims broadcast; solution (*, n, k) | (*, n). All four NULL on
 * error. grad_fn LinalgLstsqBackward0 on the solution (the others have no gradient). */
ct_lstsq_result ct_linalg_lstsq_ex(const ct_tensor *A, const ct_tensor *B, ct_lstsq_opts o);
#define ct_linalg_lstsq(A, B, ...) \
  ct_linalg_lstsq_ex(A, B, CT_OPTS(ct_lstsq_opts, .rcond = __builtin_nan(""), __VA_ARGS__))

/* ---- linalg4: eig / eigvals (real spectra) ------------------------------------------- */
/* torch.linalg.eig(A) for real A whose eigenvalues are all real: .values = eigenvalues (*, n),
 * .indices = eigenvectors (*, n, n) (column j of norm 1 for eigenvalue j), LAPACK geev as
 * PyTorch on CPU (same order and signs: PyTorch's complex results' real parts). ctorch has no
 * complex dtype: a complex eigenvalue is an error. grad_fn LinalgEigBackward0 (equal
 * eigenvalues give inf / NaN gradients of the eigenvectors, as PyTorch). */
ct_tensor_pair ct_linalg_eig(const ct_tensor *A);
/* torch.linalg.eigvals(A) -> eigenvalues (*, n), real as for ct_linalg_eig */
ct_tensor *ct_linalg_eigvals(const ct_tensor *A);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
