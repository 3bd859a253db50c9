/* torch.linalg.lstsq: LAPACK's least squares drivers (gels, gelsy, gelsd, gelss) on the
 * column-major copies of A and B, the routines PyTorch calls on CPU, so ranks and singular
 * values agree with PyTorch's. Batched over broadcast leading dims. The backward is
 * derivatives.yaml's linalg_lstsq_backward (through pinv(A)), written with differentiable
 * ops, so double backward works. */
#include <float.h>
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

void sgels_(const char *tr, const int *m, const int *n, const int *k, float *a, const int *lda,
            float *b, const int *ldb, float *work, const int *lwork, int *info, size_t tr_len);
void dgels_(const char *tr, const int *m, const int *n, const int *k, double *a, const int *lda,
            double *b, const int *ldb, double *work, const int *lwork, int *info, size_t tr_len);
void sgelsy_(const int *m, const int *n, const int *k, float *a, const int *lda, float *b,
             const int *ldb, int *jpvt, const float *rcond, int *rank, float *work,
             const int *lwork, int *info);
void dgelsy_(const int *m, const int *n, const int *k, double *a, const int *lda, double *b,
             const int *ldb, int *jpvt, const double *rcond, int *rank, double *work,
             const int *lwork, int *info);
void sgelsd_(const int *m, const int *n, const int *k, float *a, const int *lda, float *b,
             const int *ldb, float *s, const float *rcond, int *rank, float *work,
             const int *lwork, int *iwork, int *info);
void dgelsd_(const int *m, const int *n, const int *k, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);
void sgelss_(const int *m, const int *n, const int *k, float *a, const int *lda, float *b,
             const int *ldb, float *s, const float *rcond, int *rank, float *work,
             const int *lwork, int *info);
void dgelss_(const int *m, const int *n, const int *k, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *info);

/* One driver call: a (m x n, lda m), b (ldb x k), s (min(m, n)), jpvt (n, zeroed here),
 * work of lwork elements (lwork -1: a size query into work[0] / iwork[0]). LAPACK's info. */
typedef struct {
  ct_lstsq_driver drv;
  bool f32;
  int m, n, k, lda, ldb;
  double rcond;
} lstsq_call;
static int lstsq_one(const lstsq_call *c, void *a, void *b, void *s, int *jpvt, int *rank,
                     void *work, int lwork, int *iwork) {
  int info = 0;
  float rf = (float)c->rcond;
  if (c->drv == CT_LSTSQ_GELSY) memset(jpvt, 0, sizeof(int) * (size_t)c->n);
  if (c->f32) {
    if (c->drv == CT_LSTSQ_GELS)
      sgels_("N", &c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, work, &lwork, &info, 1);
    else if (c->drv == CT_LSTSQ_GELSY)
      sgelsy_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, jpvt, &rf, rank, work, &lwork, &info);
    else if (c->drv == CT_LSTSQ_GELSD)
      sgelsd_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, s, &rf, rank, work, &lwork, iwork, &info);
    else
      sgelss_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, s, &rf, rank, work, &lwork, &info);
  } else {
    if (c->drv == CT_LSTSQ_GELS)
      dgels_("N", &c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, work, &lwork, &info, 1);
    else if (c->drv == CT_LSTSQ_GELSY)
      dgelsy_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, jpvt, &c->rcond, rank, work, &lwork, &info);
    else if (c->drv == CT_LSTSQ_GELSD)
      dgelsd_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, s, &c->rcond, rank, work, &lwork, iwork, &info);
    else
      dgelss_(&c->m, &c->n, &c->k, a, &c->lda, b, &c->ldb, s, &c->rcond, rank, work, &lwork, &info);
  }
  return info;
}

/* Run the driver on nb matrices: a (nb, n, m) = column-major A, b (nb, k, ldb) = column-major
 * B padded to ldb rows; s (nb, min(m, n)), rank (nb) int64 (NULL where the driver has none).
 * 0 or -1 with PyTorch's message. */
static int lstsq_run(const lstsq_call *c, int64_t nb, ct_tensor *a, ct_tensor *b, ct_tensor *s,
                     ct_tensor *rank, const ct_tensor *A) {
  int64_t mn = c->m < c->n ? c->m : c->n;
  size_t es = c->f32 ? sizeof(float) : sizeof(double);
  if (mn == 0) return 0; /* nothing to factor: rank 0, the solution stays 0 */
  union {
    double d;
    float f;
  } q = {0};
  int iq = 1, r = 0, info = 0;
  int *jpvt = malloc(sizeof(int) * (size_t)c->n);
  if (jpvt) info = lstsq_one(c, ct__ptr(a), ct__ptr(b), s ? ct__ptr(s) : NULL, jpvt, &r, &q, -1, &iq);
  int lwork = (int)(c->f32 ? (double)q.f : q.d) + 1;
  void *work = jpvt && info == 0 ? malloc(es * (size_t)lwork) : NULL;
  int *iwork = work ? malloc(sizeof(int) * (size_t)(iq > 1 ? iq : 1)) : NULL;
  int64_t bi = 0;
  for (; iwork && bi < nb && info == 0; bi++) {
    info = lstsq_one(c, ct__ptr(a) + es * (size_t)(bi * c->m * c->n),
                     ct__ptr(b) + es * (size_t)(bi * c->k * c->ldb),
                     s ? ct__ptr(s) + es * (size_t)(bi * mn) : NULL, jpvt, &r, work, lwork, iwork);
    if (rank) CT_PTR(rank, int64_t)[bi] = r;
  }
  free(jpvt);
  free(work);
  free(iwork);
  if (!iwork) return ct__errs("CPU: out of memory");
  if (info == 0) return 0;
  char bs[64];
  la_batch_str(bs, sizeof bs, A, bi - 1);
  if (c->drv == CT_LSTSQ_GELS)
    return ct__errs("torch.linalg.lstsq%s: The least squares solution could not be computed because "
                    "the input matrix does not have full rank (error code: %d).", bs, info);
  return ct__errs("torch.linalg.lstsq%s: The algorithm failed to converge because the input matrix "
                  "is ill-conditioned or has too many repeated singular values (error code: %d).",
                  bs, info);
}

/* ---- backward ------------------------------------------------------------------------- */
typedef struct {
  bool vector; /* B was a batch of vectors, X too */
} lstsq_args;
CT_ARGS_TYPE(lstsq_args, NULL);

/* X = pinv(A) B (linalg_lstsq_backward): gA = pinv_backward(gX B^T, pinv(A), A),
 * gB = pinv(A)^T gX; both summed back over broadcast batch dims. saved [0] = A, [1] = B */
static void lstsq_backward(ct_node *nd, ct_tensor *const *g, ct_tensor **gi) {
  bool vec = CT_ARGS(nd, lstsq_args)->vector;
  ct_tensor *A = ct__saved(nd, 0), *B = ct__saved(nd, 1), *gX = g[0];
  if (vec) gX = ct_unsqueeze(gX, -1), B = ct_unsqueeze(B, -1);
  ct_tensor *P = ct_linalg_pinv(A);
  if (ct__needs_grad(nd, 0)) gi[0] = ct__sum_to_input(nd, 0, ct__la_pinv_grad(A, P, ct_matmul(gX, la_mT(B))));
  if (ct__needs_grad(nd, 1)) {
    ct_tensor *gB = ct_matmul(la_mT(P), gX);
    gi[1] = ct__sum_to_input(nd, 1, vec ? ct_squeeze_dim(gB, -1) : gB);
  }
}

/* ---- forward -------------------------------------------------------------------------- */
/* PyTorch's argument checks; *vec: B is a (batch of) vector(s). 0 or -1. */
static int lstsq_check(const ct_tensor *A, const ct_tensor *B, ct_lstsq_driver drv, bool *vec) {
  if (A->ndim < 2) return ct__errs("torch.linalg.lstsq: input must have at least 2 dimensions.");
  if (B->ndim < 1) return ct__errs("torch.linalg.lstsq: other must have at least 1 dimension.");
  if (A->dtype != B->dtype)
    return ct__errs("torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                    "input's dtype %s and other's dtype %s", ct__dtype_short(A->dtype), ct__dtype_short(B->dtype));
  int diff = A->ndim - B->ndim;
  if (diff < 0 || diff > 1)
    return ct__errs("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                    "(input.dim() - other.dim()) <= 1");
  *vec = diff == 1;
  if (A->shape[A->ndim - 2] != B->shape[B->ndim - (*vec ? 1 : 2)])
    return ct__errs("torch.linalg.lstsq: input.size(-2) should match other.size(%d)", *vec ? -1 : -2);
  if ((unsigned)drv > CT_LSTSQ_GELSS)
    return ct__errs("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)");
  if (A->dtype != CT_FLOAT32 && A->dtype != CT_FLOAT64)
    return ct__errs("This function doesn't handle types other than float and double");
  if (A->shape[A->ndim - 2] > 0x7fffffff || A->shape[A->ndim - 1] > 0x7fffffff ||
      B->shape[B->ndim - 1] > 0x7fffffff)
    return ct__errs("torch.linalg.lstsq: matrices larger than LAPACK's int are not supported");
  return 0;
}

/* b (nb, k, ldb) column-major B padded with zero rows up to ldb: from bt (nb, k, m) */
static ct_tensor *pad_rows(ct_tensor *bt, int64_t nb, int64_t k, int64_t m, int64_t ldb) {
  ct_tensor *b = ct__empty(bt->dtype, 3, (int64_t[]){nb, k, ldb});
  if (!b) return NULL;
  size_t es = ct_dtype_size(bt->dtype);
  memset(ct__ptr(b), 0, es * (size_t)(nb * k * ldb));
  for (int64_t j = 0; j < nb * k; j++)
    memcpy(ct__ptr(b) + es * (size_t)(j * ldb), ct__ptr(bt) + es * (size_t)(j * m), es * (size_t)m);
  return b;
}

/* residuals (batch, k): sum over rows n..m-1 of b (nb, k, ldb) of their squares */
static ct_tensor *residuals(ct_tensor *b, int nbd, int64_t *bsh, int64_t n, int64_t m, int64_t k) {
  bsh[nbd] = k;
  ct_tensor *r = ct__empty(b->dtype, nbd + 1, bsh);
  int64_t nk = r ? ct_numel(r) : 0, ldb = m > n ? m : n;
  for (int64_t j = 0; j < nk; j++) {
    double acc = 0;
    for (int64_t i = n; i < m; i++) {
      double v = ct__load(ct__ptr(b) + ct_dtype_size(b->dtype) * (size_t)(j * ldb + i), b->dtype);
      acc += v * v;
    }
    ct__store(ct__ptr(r) + ct_dtype_size(b->dtype) * (size_t)j, b->dtype, acc);
  }
  return r;
}

/* t (bcast batch, extra dims) -> a contiguous copy over A's own batch dims: rank and S
 * follow A's batch shape in PyTorch (a broadcast copy of A has the same ones) */
static ct_tensor *to_a_batch(ct_tensor *t, const ct_tensor *A, int nbd, int extra) {
  int na = A->ndim - 2, off = nbd - na;
  int64_t sh[CT_MAX_DIMS + 2], st[CT_MAX_DIMS + 2];
  for (int i = 0; i < na + extra; i++)
    sh[i] = i < na ? A->shape[i] : t->shape[off + i], st[i] = t->strides[off + i];
  ct_tensor *v = ct__make_view(t, na + extra, sh, st, t->offset);
  return v ? la_copy(v) : NULL;
}

/* A (*, m, n), B (*, m, k) or (*, m) -> solution (*, n, k) | (*, n), residuals, rank, S */
ct_lstsq_result ct_linalg_lstsq_ex(const ct_tensor *A, const ct_tensor *B, ct_lstsq_opts o) {
  ct_lstsq_result res = {0};
  bool vec = false;
  if (!A || !B || lstsq_check(A, B, o.driver, &vec)) return res;
  ct_lstsq_driver drv = o.driver == CT_LSTSQ_DEFAULT ? CT_LSTSQ_GELSY : o.driver;
  int64_t m = A->shape[A->ndim - 2], n = A->shape[A->ndim - 1], mn = m < n ? m : n;
  CT_OP_BEGIN();
  const ct_tensor *Bm = vec ? ct_unsqueeze(B, -1) : B;
  int64_t k = Bm ? Bm->shape[Bm->ndim - 1] : 0, bsh[CT_MAX_DIMS + 2], ldb = m > n ? m : n;
  int nbd = 0;
  if (!Bm || ct__broadcast_shape(A->ndim - 2, A->shape, Bm->ndim - 2, Bm->shape, &nbd, bsh))
    return ct__op_end(NULL), res;
  int64_t nb = ct__numel_of(nbd, bsh);
  double eps = A->dtype == CT_FLOAT32 ? FLT_EPSILON : DBL_EPSILON;
  lstsq_call c = {drv, A->dtype == CT_FLOAT32, (int)m, (int)n, (int)k, m > 1 ? (int)m : 1,
                  ldb > 1 ? (int)ldb : 1, isnan(o.rcond) ? eps * (double)ldb : o.rcond};
  bsh[nbd] = m, bsh[nbd + 1] = n;
  ct_tensor *a = la_swap_copy(ct__expand_raw(A, nbd + 2, bsh));
  bsh[nbd + 1] = k;
  ct_tensor *bt = a ? la_swap_copy(ct__expand_raw(Bm, nbd + 2, bsh)) : NULL;
  ct_tensor *b = bt ? pad_rows(bt, nb, k, m, ldb) : NULL;
  bool has_s = drv == CT_LSTSQ_GELSD || drv == CT_LSTSQ_GELSS, has_rank = drv != CT_LSTSQ_GELS;
  bsh[nbd] = mn;
  ct_tensor *s = has_s ? ct__empty(A->dtype, nbd + 1, bsh) : ct__empty(A->dtype, 1, (int64_t[]){0});
  ct_tensor *rank = has_rank ? ct__empty(CT_INT64, nbd, bsh) : ct__empty(CT_INT64, 1, (int64_t[]){0});
  if (rank && has_rank) memset(ct__ptr(rank), 0, sizeof(int64_t) * (size_t)nb);
  if (!b || !s || !rank || lstsq_run(&c, nb, a, b, has_s ? s : NULL, has_rank ? rank : NULL, A))
    return ct__op_end(NULL), res;
  bool full = drv == CT_LSTSQ_GELS;
  for (int64_t i = 0; !full && i < nb && CT_PTR(rank, int64_t)[i] == n; i++) full = i == nb - 1;
  if (nb == 0) full = true;
  ct_tensor *r = m > n && drv != CT_LSTSQ_GELSY && full ? residuals(b, nbd, bsh, n, m, k)
                                                        : ct__empty(A->dtype, 1, (int64_t[]){0});
  /* the solution: b's first n rows, back to row-major (batch, n, k) */
  ct_tensor *X = r ? ct__empty(A->dtype, nbd + 2, bsh) : NULL;
  if (X) { /* b (nb, k, ldb) viewed as (batch, n, k) */
    int64_t sh[CT_MAX_DIMS + 2], st[CT_MAX_DIMS + 2], acc = k * ldb;
    for (int i = nbd - 1; i >= 0; i--) st[i] = acc, sh[i] = bsh[i], acc *= bsh[i];
    sh[nbd] = n, st[nbd] = 1, sh[nbd + 1] = k, st[nbd + 1] = ldb;
    ct_tensor *v = ct__make_view(b, nbd + 2, sh, st, 0);
    X = v ? ct__empty(A->dtype, nbd + 2 - vec, sh) : NULL; /* vec: (batch, n) */
    if (X && vec) v = ct__make_view(b, nbd + 1, sh, st, 0);
    if (X && v) ct__copy_into(X, v);
  }
  ct_node *nd = X ? ct__node_new("LinalgLstsqBackward0", lstsq_backward, 2,
                                 (ct_tensor *const[]){(ct_tensor *)A, (ct_tensor *)B}, 1) : NULL;
  if (nd) {
    CT_NEW_ARGS(nd, lstsq_args)->vector = vec;
    ct__save(nd, A, false);
    ct__save(nd, B, false);
    ct__set_history(X, nd, 0);
  }
  if (!X) return ct__op_end(NULL), res;
  if (has_rank) rank = to_a_batch(rank, A, nbd, 0);
  if (has_s) s = to_a_batch(s, A, nbd, 1);
  if (!rank || !s) return ct__op_end(NULL), res;
  ct_keep(r), ct_keep(rank), ct_keep(s);
  return (ct_lstsq_result){ct__op_end(X), r, rank, s};
}
