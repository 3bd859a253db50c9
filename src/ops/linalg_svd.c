/* torch.linalg.svd and svdvals: LAPACK's gesdd (divide and conquer) on the column-major copy
 * of A, the matrix PyTorch hands the same routine on CPU, so the signs of U and V agree with
 * PyTorch's. Batched over the leading dims. The backward is derivatives.yaml's svd_backward
 * written with differentiable ops (matmul, mul, div), so double backward works. */
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work,
             const int *lwork, int *iwork, int *info, size_t jobz_len);

/* One gesdd call on matrix b of the batch: a (m x n, column-major, destroyed), s (k),
 * u (m x ucols, ldu m), vt (vrows x n, ldvt vrows); work queried when lwork < 0. */
static int gesdd_one(ct_dtype dt, char jobz, int m, int n, void *a, void *s, void *u, void *vt,
                     int vrows, void *work, int lwork, int *iwork) {
  int info = 0, ldu = m > 0 ? m : 1, ldvt = vrows > 0 ? vrows : 1, lda = m > 0 ? m : 1;
  if (dt == CT_FLOAT32)
    sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
  else
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
  return info;
}

/* Fill each (r x r) matrix of the contiguous t (nb of them) with the identity */
static void fill_eye(ct_tensor *t, int64_t nb, int64_t r) {
  size_t es = ct_dtype_size(t->dtype);
  memset(ct__ptr(t), 0, es * (size_t)(nb * r * r));
  for (int64_t b = 0; b < nb; b++)
    for (int64_t i = 0; i < r; i++) ct__store(ct__ptr(t) + es * (size_t)(b * r * r + i * r + i), t->dtype, 1);
}

/* Does the column-major copy a (nb matrices of mn elements) hold a NaN or an infinity?
 * Index of the first such matrix, or -1. */
static int64_t first_nonfinite(const ct_tensor *a, int64_t nb, int64_t mn) {
  for (int64_t b = 0; b < nb; b++)
    for (int64_t i = 0; i < mn; i++) {
      double v = a->dtype == CT_FLOAT32 ? CT_PTR(a, float)[b * mn + i] : CT_PTR(a, double)[b * mn + i];
      if (!isfinite(v)) return b;
    }
  return -1;
}

/* Raw SVD of A (*, m, n), no autograd: S (*, k); when u: U^T (*, ucols, m) and V (*, n, vrows)
 * as LAPACK writes them (column-major U and Vh), ucols = vrows = full ? m|n : k. 0 or -1. */
static int svd_raw(const char *api, const ct_tensor *A, bool full, ct_tensor **s, ct_tensor **ut,
                   ct_tensor **v) {
  int nd = A->ndim;
  int64_t m = A->shape[nd - 2], n = A->shape[nd - 1], k = m < n ? m : n;
  int64_t nb = ct__numel_of(nd - 2, A->shape), ucols = full ? m : k, vrows = full ? n : k;
  int64_t sh[CT_MAX_DIMS];
  memcpy(sh, A->shape, sizeof(int64_t) * (size_t)nd);
  sh[nd - 2] = k;
  *s = ct__empty(A->dtype, nd - 1, sh);
  if (ut) {
    sh[nd - 2] = ucols, sh[nd - 1] = m;
    *ut = ct__empty(A->dtype, nd, sh);
    sh[nd - 2] = n, sh[nd - 1] = vrows;
    *v = ct__empty(A->dtype, nd, sh);
    if (!*ut || !*v) return -1;
    if (k == 0) { /* no singular values: full_matrices gives identities, as PyTorch */
      fill_eye(*ut, nb, m == ucols ? m : 0);
      fill_eye(*v, nb, n == vrows ? n : 0);
    }
  }
  ct_tensor *a = la_swap_copy(A);
  if (!*s || !a) return -1;
  if (k == 0) return 0;
  int64_t bad = first_nonfinite(a, nb, m * n);
  if (bad >= 0) {
    char bs[64];
    la_batch_str(bs, sizeof bs, A, bad);
    return ct__errs("%s%s: The algorithm failed to converge because the input matrix contained "
                    "non-finite values.", api, bs);
  }
  char jobz = !ut ? 'N' : full ? 'A' : 'S';
  size_t es = ct_dtype_size(A->dtype);
  union {
    double d;
    float f;
  } q = {0}; /* the workspace query's answer, in A's dtype */
  int *iwork = malloc(sizeof(int) * (size_t)(8 * k));
  int info = iwork ? gesdd_one(A->dtype, jobz, (int)m, (int)n, ct__ptr(a), ct__ptr(*s), NULL,
                               NULL, (int)vrows, &q, -1, iwork) : -1;
  double wq = A->dtype == CT_FLOAT32 ? (double)q.f : q.d;
  int lwork = (int)wq + 1;
  void *work = info == 0 ? malloc(es * (size_t)lwork) : NULL;
  for (int64_t b = 0; work && b < nb && info == 0; b++)
    info = gesdd_one(A->dtype, jobz, (int)m, (int)n, ct__ptr(a) + es * (size_t)(b * m * n),
                     ct__ptr(*s) + es * (size_t)(b * k),
                     ut ? ct__ptr(*ut) + es * (size_t)(b * m * ucols) : NULL,
                     ut ? ct__ptr(*v) + es * (size_t)(b * n * vrows) : NULL, (int)vrows, work,
                     lwork, iwork);
  free(work);
  free(iwork);
  if (!work) return ct__errs("CPU: out of memory");
  if (info != 0)
    return ct__errs("%s: The algorithm failed to converge because the input matrix is "
                    "ill-conditioned or has too many repeated singular values (error code: %d).",
                    api, info);
  return 0;
}

/* skew(X) = X - X^T */
static ct_tensor *skew(ct_tensor *x) { return ct_sub(x, la_mT(x)); }

/* svd_backward (FunctionsManual.cpp), real case, U Vh narrowed to k = min(m, n) columns/rows:
 *   J = (skew(U^T gU) * S_j + S_i * skew(Vh gV)) / E, E_ij = S_j^2 - S_i^2 (1 on the diagonal)
 *   gA = U (J + diag(gS)) Vh, plus for m > n (I - U U^T) gU S^-1 Vh, for m < n
 *   U S^-1 gV^T (I - V Vh). Terms of missing gradients drop. saved [0] U, [1] S, [2] Vh */
static void svd_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(nd, 0)) return;
  ct_tensor *U = ct__saved(nd, 0), *S = ct__saved(nd, 1), *Vh = ct__saved(nd, 2);
  ct_tensor *gU = g[0], *gS = g[1], *gVh = g[2];
  int64_t m = ct_size(U, -2), n = ct_size(Vh, -1), k = ct_size(S, -1);
  U = ct_narrow(U, -1, 0, k), Vh = ct_narrow(Vh, -2, 0, k);
  if (gU) gU = ct_narrow(gU, -1, 0, k);
  ct_tensor *gV = gVh ? la_mT(ct_narrow(gVh, -2, 0, k)) : NULL;
  ct_tensor *Sr = ct_unsqueeze(S, -2), *Sc = ct_unsqueeze(S, -1);
  ct_tensor *I = ct_eye(k, -1, .dtype = ct_dtype_of(S));
  ct_tensor *gA = NULL;
  if (gU || gV) {
    ct_tensor *S2 = ct_mul(S, S);
    ct_tensor *E = ct_add(ct_sub(ct_unsqueeze(S2, -2), ct_unsqueeze(S2, -1)), I);
    ct_tensor *ju = gU ? ct_mul(skew(ct_matmul(la_mT(U), gU)), Sr) : NULL;
    ct_tensor *jv = gV ? ct_mul(Sc, skew(ct_matmul(Vh, gV))) : NULL;
    gA = ct_div(ju && jv ? ct_add(ju, jv) : ju ? ju : jv, E);
  }
  if (gS) {
    ct_tensor *d = ct_mul(ct_unsqueeze(gS, -2), I);
    gA = gA ? ct_add(gA, d) : d;
  }
  if (!gA) return;
  if (m > n && gU) {
    ct_tensor *gUS = ct_div(gU, Sr);
    gA = ct_add(ct_matmul(U, gA), ct_sub(gUS, ct_matmul(U, ct_matmul(la_mT(U), gUS))));
    gA = ct_matmul(gA, Vh);
  } else if (m < n && gV) {
    ct_tensor *gVS = la_mT(ct_div(gV, Sr));
    gA = ct_add(ct_matmul(gA, Vh), ct_sub(gVS, ct_matmul(ct_matmul(gVS, la_mT(Vh)), Vh)));
    gA = ct_matmul(U, gA);
  } else {
    gA = ct_matmul(U, ct_matmul(gA, Vh));
  }
  gi[0] = gA;
}

/* PyTorch's checks of svd's A (*, m, n): 0 or -1 */
static int svd_check(const char *api, const ct_tensor *A) {
  if (A->ndim < 2) return ct__errs("%s: The input tensor A must have at least 2 dimensions.", api);
  if (!ct_dtype_is_floating(A->dtype))
    return ct__errs("%s: Expected a floating point or complex tensor as input. Got %s", api,
                    ct__dtype_short(A->dtype));
  if (ct__is_half(A->dtype))
    return ct__errs("%s: Low precision dtypes not supported. Got %s", api, ct__dtype_short(A->dtype));
  if (A->shape[A->ndim - 1] > 0x7fffffff || A->shape[A->ndim - 2] > 0x7fffffff)
    return ct__errs("%s: matrices larger than LAPACK's int are not supported", api);
  return 0;
}

/* A (*, m, n) -> U, S, Vh with their autograd node; vals_only returns S alone, but U and Vh
 * are made (and recorded as the node's outputs, so double backward reaches them) whenever A
 * requires grad, as PyTorch's svdvals does */
static int svd_full(const ct_tensor *A, bool full, bool vals_only, ct_tensor **u, ct_tensor **s,
                    ct_tensor **vh) {
  const char *api = "linalg.svd";
  if (!A || svd_check(api, A)) return -1;
  bool grad = ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)A});
  ct_tensor *S = NULL, *Ut = NULL, *V = NULL;
  CT_OP_BEGIN();
  bool uv = !vals_only || grad;
  if (svd_raw(api, A, full && !vals_only, &S, uv ? &Ut : NULL, uv ? &V : NULL)) {
    ct__op_end(NULL);
    return -1;
  }
  ct_tensor *U = uv ? la_swap_copy(Ut) : NULL, *Vh = uv ? la_swap_copy(V) : NULL;
  if (uv && (!U || !Vh)) {
    ct__op_end(NULL);
    return -1;
  }
  ct_node *nd = ct__node_new("LinalgSvdBackward0", svd_backward, 1,
                             (ct_tensor *const[]){(ct_tensor *)A}, 3);
  if (nd) {
    ct__set_history(U, nd, 0); /* first: a saved output keeps its output_nr */
    ct__set_history(S, nd, 1);
    ct__set_history(Vh, nd, 2);
    ct__save(nd, U, true);
    ct__save(nd, S, true);
    ct__save(nd, Vh, true);
  }
  if (u) *u = ct_keep(U);
  if (vh) *vh = ct_keep(Vh);
  *s = ct__op_end(S);
  return 0;
}

int ct_linalg_svd(const ct_tensor *A, bool full_matrices, ct_tensor **u, ct_tensor **s,
                  ct_tensor **vh) {
  if (!u || !s || !vh) return ct__errs("linalg.svd: NULL output pointer");
  *u = *s = *vh = NULL;
  return svd_full(A, full_matrices, false, u, s, vh);
}

ct_tensor *ct_linalg_svdvals(const ct_tensor *A) {
  ct_tensor *s = NULL;
  return svd_full(A, false, true, NULL, &s, NULL) ? NULL : s;
}
