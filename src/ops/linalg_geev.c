/* torch.linalg.eig and eigvals for real input whose spectrum is real: LAPACK's geev on the
 * column-major copy of A (jobvl 'N', jobvr 'V': PyTorch's CPU call, so eigenvalue order and
 * eigenvector signs agree), batched over the leading dims. ctorch has no complex dtype, so a
 * matrix with a complex eigenvalue is an error rather than a complex result. Backward:
 * derivatives.yaml's linalg_eig_backward (non-Hermitian case) with differentiable ops, so
 * double backward works. */
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

void sgeev_(const char *jobvl, const char *jobvr, const int *n, float *a, const int *lda, float *wr,
            float *wi, float *vl, const int *ldvl, float *vr, const int *ldvr, float *work,
            const int *lwork, int *info, size_t jl, size_t jr);
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t jl, size_t jr);

/* one geev call (lwork < 0: workspace query into work[0]); vr NULL: eigenvalues only */
static int geev_one(ct_dtype dt, int n, void *a, void *wr, void *wi, void *vr, void *work,
                    int lwork) {
  int info = 0, ld = n > 0 ? n : 1, one = 1;
  char jl = 'N', jr = vr ? 'V' : 'N';
  union {
    double d;
    float f;
  } vl; /* never written: jobvl is 'N' */
  if (dt == CT_FLOAT32)
    sgeev_(&jl, &jr, &n, a, &ld, wr, wi, &vl.f, &one, vr ? vr : &vl.f, vr ? &ld : &one, work,
           &lwork, &info, 1, 1);
  else
    dgeev_(&jl, &jr, &n, a, &ld, wr, wi, &vl.d, &one, vr ? vr : &vl.d, vr ? &ld : &one, work,
           &lwork, &info, 1, 1);
  return info;
}

/* the first eigenvalue of batch element b with a nonzero imaginary part: its index, or -1.
 * A NaN imaginary part (an infinite input: PyTorch's nan+nanj) leaves the real part, NaN. */
static int64_t complex_at(ct_dtype dt, const void *wi, int64_t n, double *im) {
  for (int64_t j = 0; j < n; j++) {
    *im = dt == CT_FLOAT32 ? ((const float *)wi)[j] : ((const double *)wi)[j];
    if (*im != 0 && !isnan(*im)) return j;
  }
  return -1;
}

/* a (*, n, n) column-major, overwritten; L (*, n) real eigenvalues in LAPACK's order; with
 * vr, vr (*, n, n) column-major eigenvectors (column j for L_j, Euclidean norm 1).
 * A complex eigenvalue is an error (ctorch has no complex dtype). */
static int geev_raw(const char *api, ct_tensor *a, ct_tensor *L, ct_tensor *vr, int64_t nb,
                    int64_t n) {
  if (n == 0) return 0;
  union {
    double d;
    float f;
  } q = {0};
  size_t es = ct_dtype_size(a->dtype);
  void *wi = malloc(es * (size_t)n);
  if (!wi) return ct__errs("CPU: out of memory");
  int info = geev_one(a->dtype, (int)n, ct__ptr(a), ct__ptr(L), wi, vr ? ct__ptr(vr) : NULL, &q, -1);
  int lwork = (int)(a->dtype == CT_FLOAT32 ? (double)q.f : q.d) + 1;
  void *work = malloc(es * (size_t)lwork);
  int rc = work ? 0 : ct__errs("CPU: out of memory");
  for (int64_t b = 0; rc == 0 && b < nb; b++) {
    size_t m = es * (size_t)(b * n * n);
    info = geev_one(a->dtype, (int)n, ct__ptr(a) + m, ct__ptr(L) + es * (size_t)(b * n), wi,
                    vr ? ct__ptr(vr) + m : NULL, work, lwork);
    char bs[64];
    la_batch_str(bs, sizeof bs, a, b);
    double im = 0;
    int64_t j = info ? -1 : complex_at(a->dtype, wi, n, &im);
    if (info > 0)
      rc = ct__errs("%s%s: The algorithm failed to converge because the input matrix is "
                    "ill-conditioned or has too many repeated eigenvalues (error code: %d).",
                    api, bs, info);
    else if (info < 0)
      rc = ct__errs("%s%s: Argument %d has illegal value. Most certainly there is a bug in the "
                    "implementation calling the backend library.", api, bs, -info);
    else if (j >= 0)
      rc = ct__errs("%s%s: eigenvalue %lld of A is complex (imaginary part %g): the result "
                    "would be a complex tensor and ctorch has no complex dtype (linalg.eigh "
                    "gives the real eigenvalues of a symmetric matrix)",
                    api, bs, (long long)j, im);
  }
  free(work), free(wi);
  return rc;
}

/* gA = V^-T (diag(gL) + offdiag(V^T gV - V^T V diag(V^T gV)) / E) V^T, E_ij = L_j - L_i
 * (linalg_eig_backward for real V; its gauge check, Im(diag(V^H gV)) ~ 0, holds trivially for
 * real eigenvectors: their only freedom is a sign). Without gV (eigvals): V^-T diag(gL) V^T.
 * Equal eigenvalues divide by 0, as PyTorch. saved [0] L, [1] V */
static void eig_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(nd, 0)) return;
  ct_tensor *L = ct__saved(nd, 0), *V = ct__saved(nd, 1), *gL = g[0], *gV = g[1];
  if (!gL && !gV) return;
  ct_tensor *Vt = la_mT(V);
  if (!gV) {
    gi[0] = ct_linalg_solve(Vt, ct_mul(ct_unsqueeze(gL, -1), Vt));
    return;
  }
  int64_t n = ct_size(L, -1);
  ct_tensor *I = ct_eye(n, -1, .dtype = ct_dtype_of(L));
  ct_tensor *VtgV = ct_matmul(Vt, gV);
  ct_tensor *d = ct_unsqueeze(ct_diagonal(VtgV, 0, -2, -1), -2);
  ct_tensor *E = ct_add(ct_sub(ct_unsqueeze(L, -2), ct_unsqueeze(L, -1)), I);
  ct_tensor *R = ct_div(ct_sub(VtgV, ct_matmul(Vt, ct_mul(V, d))), E);
  R = ct_mul(R, ct_rsub_scalar(I, 1)); /* the diagonal is gL's */
  if (gL) R = ct_add(R, ct_diag_embed(gL, 0, -2, -1));
  gi[0] = ct_linalg_solve(Vt, ct_matmul(R, Vt));
}

/* A (*, n, n) -> L (*, n), V (*, n, n) (V only when vectors or A requires grad) */
static int eig_full(const char *api, const ct_tensor *A, bool vectors, ct_tensor **l,
                    ct_tensor **v) {
  if (!A) return -1;
  if (!ct_dtype_is_floating(A->dtype)) /* PyTorch's complex result type fails first */
    return ct__errs("Unknown Complex ScalarType for %s", ct__dtype_short(A->dtype));
  if (la_check_square(api, A)) return -1;
  bool grad = ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)A});
  bool vec = vectors || grad;
  int nd = A->ndim;
  int64_t n = A->shape[nd - 1], nb = ct__numel_of(nd - 2, A->shape);
  CT_OP_BEGIN();
  if (vec && !ct_item(ct_all(ct_isfinite(A)))) { /* PyTorch checks where it computes vectors */
    ct__errs("torch.linalg.eig: input tensor should not contain infs or NaNs.");
    ct__op_end(NULL);
    return -1;
  }
  ct_tensor *a = la_swap_copy(A), *L = ct__empty(A->dtype, nd - 1, A->shape);
  ct_tensor *vr = vec && a ? ct__empty(A->dtype, nd, A->shape) : NULL;
  if (!a || !L || (vec && !vr) || geev_raw(api, a, L, vr, nb, n)) {
    ct__op_end(NULL);
    return -1;
  }
  ct_tensor *V = vr ? la_swap_copy(vr) : NULL;
  la_record_eig("LinalgEigBackward0", eig_backward, A, L, V);
  if (v) *v = ct_keep(V);
  *l = ct__op_end(L);
  return 0;
}

ct_tensor_pair ct_linalg_eig(const ct_tensor *A) {
  ct_tensor *l = NULL, *v = NULL;
  if (eig_full("linalg.eig", A, true, &l, &v)) return (ct_tensor_pair){0};
  return (ct_tensor_pair){l, v};
}

ct_tensor *ct_linalg_eigvals(const ct_tensor *A) {
  ct_tensor *l = NULL;
  return eig_full("linalg.eigvals", A, false, &l, NULL) ? NULL : l;
}
