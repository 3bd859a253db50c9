/* torch.linalg.eigh and eigvalsh: LAPACK's syevd (divide and conquer) on the column-major copy
 * of A with PyTorch's UPLO, the call PyTorch makes on CPU, so eigenvector signs agree. Batched
 * over the leading dims. Backward: derivatives.yaml's linalg_eig_backward, Hermitian case,
 * with differentiable ops (double backward works). */
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t jl,
             size_t ul);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t jl,
             size_t ul);

/* one syevd call (lwork < 0: workspace query into work[0] / iwork[0]) */
static int syevd_one(ct_dtype dt, char jobz, char uplo, int n, void *a, void *w, void *work,
                     int lwork, int *iwork, int liwork) {
  int info = 0, lda = n > 0 ? n : 1;
  if (dt == CT_FLOAT32)
    ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  else
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
  return info;
}

/* L (*, n) ascending and, with vectors, a (*, n, n) column-major eigenvectors in place */
static int eigh_raw(const char *api, ct_tensor *a, ct_tensor *L, bool vectors, char uplo,
                    int64_t nb, int64_t n) {
  if (n == 0) return 0;
  char jobz = vectors ? 'V' : 'N';
  union {
    double d;
    float f;
  } q = {0};
  int iq = 0;
  int info = syevd_one(a->dtype, jobz, uplo, (int)n, ct__ptr(a), ct__ptr(L), &q, -1, &iq, -1);
  int lwork = (int)(a->dtype == CT_FLOAT32 ? (double)q.f : q.d) + 1, liwork = iq + 1;
  size_t es = ct_dtype_size(a->dtype);
  void *work = malloc(es * (size_t)lwork);
  int *iwork = malloc(sizeof(int) * (size_t)liwork);
  for (int64_t b = 0; work && iwork && b < nb && info == 0; b++) {
    info = syevd_one(a->dtype, jobz, uplo, (int)n, ct__ptr(a) + es * (size_t)(b * n * n),
                     ct__ptr(L) + es * (size_t)(b * n), work, lwork, iwork, liwork);
    if (info > 0) {
      char bs[64];
      la_batch_str(bs, sizeof bs, a, b);
      free(work), free(iwork);
      return ct__errs("%s%s: The algorithm failed to converge because the input matrix is "
                      "ill-conditioned or has too many repeated eigenvalues (error code: %d).",
                      api, bs, info);
    }
  }
  free(work), free(iwork);
  if (!work || !iwork) return ct__errs("CPU: out of memory");
  return info ? -1 : 0;
}

/* A = V diag(L) V^T: gA = V (diag(gL) + skew(V^T gV) / 2 / E) V^T, E_ij = L_j - L_i (1 on
 * the diagonal; equal eigenvalues divide by 0, as PyTorch). saved [0] L, [1] V */
static void eigh_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(nd, 0)) return;
  ct_tensor *L = ct__saved(nd, 0), *V = ct__saved(nd, 1), *gL = g[0], *gV = g[1];
  int64_t n = ct_size(L, -1);
  ct_tensor *I = ct_eye(n, -1, .dtype = ct_dtype_of(L)), *gA = NULL;
  if (gV) {
    ct_tensor *VgV = ct_matmul(la_mT(V), gV);
    ct_tensor *E = ct_add(ct_sub(ct_unsqueeze(L, -2), ct_unsqueeze(L, -1)), I);
    gA = ct_div(ct_mul_scalar(ct_sub(VgV, la_mT(VgV)), 0.5), E);
  }
  if (gL) {
    ct_tensor *d = ct_mul(ct_unsqueeze(gL, -2), I);
    gA = gA ? ct_add(gA, d) : d;
  }
  if (gA) gi[0] = ct_matmul(V, ct_matmul(gA, la_mT(V)));
}

/* A (*, n, n) -> L (*, n), V (*, n, n) (V only when vectors or A requires grad) */
static int eigh_full(const char *api, const ct_tensor *A, char uplo, bool vectors, ct_tensor **l,
                     ct_tensor **v) {
  if (!A || la_check_square(api, A)) return -1;
  if (uplo != 'L' && uplo != 'U')
    return ct__errs("Expected UPLO argument to be 'L' or 'U', but got %c", uplo);
  bool grad = ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)A});
  int nd = A->ndim;
  int64_t n = A->shape[nd - 1], nb = ct__numel_of(nd - 2, A->shape);
  CT_OP_BEGIN();
  ct_tensor *a = la_swap_copy(A), *L = ct__empty(A->dtype, nd - 1, A->shape);
  bool vec = vectors || grad;
  if (!a || !L || eigh_raw(api, a, L, vec, uplo, nb, n)) {
    ct__op_end(NULL);
    return -1;
  }
  ct_tensor *V = vec ? la_swap_copy(a) : NULL;
  la_record_eig("LinalgEighBackward0", eigh_backward, A, L, V);
  if (v) *v = ct_keep(V);
  *l = ct__op_end(L);
  return 0;
}

ct_tensor_pair ct_linalg_eigh(const ct_tensor *A, char uplo) {
  ct_tensor *l = NULL, *v = NULL;
  if (eigh_full("linalg.eigh", A, uplo, true, &l, &v)) return (ct_tensor_pair){0};
  return (ct_tensor_pair){l, v};
}

ct_tensor *ct_linalg_eigvalsh(const ct_tensor *A, char uplo) {
  ct_tensor *l = NULL;
  return eigh_full("linalg.eigh", A, uplo, false, &l, NULL) ? NULL : l;
}
