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

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
