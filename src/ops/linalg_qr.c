/* torch.linalg.qr: LAPACK's geqrf (Householder QR) and orgqr (Q from the reflectors) on
 * column-major copies, batched. The backward is written with differentiable ops (matmul,
 * tril, solve, cat), so double backward works. */
#include "linalg_impl.h"

#include "ctorch/linalg.h"

typedef struct {
  ct_qr_mode mode;
} qr_args;
CT_ARGS_TYPE(qr_args, NULL);

/* tril(M) + tril(M, -1)^T: the symmetric matrix with M's lower triangle */
static ct_tensor *copyltu(ct_tensor *M) { return ct_add(ct_tril(M, 0), la_mT(ct_tril(M, -1))); }

/* A (m, n) = Q R with m >= n, R (n, n): gA = (gQ + Q copyltu(M)) R^-T, M = R gR^T - gQ^T Q
 * (the gradient is unique, so this equals linalg_qr_backward's). gQ / gR may be NULL. */
static ct_tensor *qr_back_tall(ct_tensor *Q, ct_tensor *R, ct_tensor *gQ, ct_tensor *gR) {
  ct_tensor *M = gR ? ct_matmul(R, la_mT(gR)) : NULL;
  if (gQ) M = M ? ct_sub(M, ct_matmul(la_mT(gQ), Q)) : ct_neg(ct_matmul(la_mT(gQ), Q));
  ct_tensor *B = ct_matmul(Q, copyltu(M));
  if (gQ) B = ct_add(gQ, B);
  return la_mT(ct_linalg_solve(R, la_mT(B))); /* B R^-T = (R^-1 B^T)^T */
}

/* outputs (Q, R), saved [0] = Q, [1] = R (outputs). m < n: A = [X | Y], R = [U | V];
 * gX = back_tall(Q, U, gQ + Y gV^T, gU) with Y = Q V, gY = Q gV. */
static void qr_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (!ct__needs_grad(n, 0)) return;
  ct_qr_mode mode = CT_ARGS(n, qr_args)->mode;
  if (mode == CT_QR_R) {
    ct__err("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
            "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
    return;
  }
  ct_tensor *Q = ct__saved(n, 0), *R = ct__saved(n, 1);
  int64_t m = ct_shape(Q)[ct_dim(Q) - 2], nc = ct_shape(R)[ct_dim(R) - 1];
  if (mode == CT_QR_COMPLETE && m > nc) {
    ct__err("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
    return;
  }
  if (!g[0] && !g[1]) return;
  if (m >= nc) {
    gi[0] = qr_back_tall(Q, R, g[0], g[1]);
    return;
  }
  ct_tensor *U = ct_slice(R, -1, 0, m, 1), *V = ct_slice(R, -1, m, nc, 1);
  ct_tensor *gU = g[1] ? ct_slice(g[1], -1, 0, m, 1) : NULL;
  ct_tensor *gV = g[1] ? ct_slice(g[1], -1, m, nc, 1) : NULL;
  ct_tensor *gQ = g[0];
  if (gV) {
    ct_tensor *t = ct_matmul(ct_matmul(Q, V), la_mT(gV));
    gQ = gQ ? ct_add(gQ, t) : t;
  }
  ct_tensor *gX = qr_back_tall(Q, U, gQ, gU);
  ct_tensor *gY = gV ? ct_matmul(Q, gV) : ct_zeros_like(V);
  gi[0] = ct_cat((ct_tensor *[]){gX, gY}, 2, -1);
}

/* One matrix: a (n columns of m, column-major) -> R (rows, n) and Q (m, qc) row-major. */
typedef struct {
  int64_t m, n, k, rows, qc;
  int lwork;
} qr_dims;

/* geqrf + orgqr of the column-major a (overwritten); q (m, qc) column-major scratch; tau (k) */
static int qr_one(ct_dtype dt, const qr_dims *d, char *a, char *q, char *tau, char *work,
                  char *R, char *Q) {
  int m = (int)d->m, n = (int)d->n, k = (int)d->k, qc = (int)d->qc, lw = d->lwork, info = 0;
  bool f32 = dt == CT_FLOAT32;
  size_t es = f32 ? 4 : 8;
  if (k > 0) {
    if (f32)
      sgeqrf_(&m, &n, (float *)a, &m, (float *)tau, (float *)work, &lw, &info);
    else
      dgeqrf_(&m, &n, (double *)a, &m, (double *)tau, (double *)work, &lw, &info);
  }
  for (int64_t i = 0; i < d->rows; i++) /* R: the upper triangle of a's top rows */
    for (int64_t j = 0; j < d->n; j++)
      ct__store(R + es * (size_t)(i * d->n + j), dt, i <= j ? ct__load(a + es * (size_t)(j * d->m + i), dt) : 0);
  if (!Q) return info;
  memset(q, 0, es * (size_t)(d->m * d->qc));
  int64_t cp = d->n < d->qc ? d->n : d->qc;
  memcpy(q, a, es * (size_t)(d->m * cp));
  if (k > 0) {
    if (f32)
      sorgqr_(&m, &qc, &k, (float *)q, &m, (float *)tau, (float *)work, &lw, &info);
    else
      dorgqr_(&m, &qc, &k, (double *)q, &m, (double *)tau, (double *)work, &lw, &info);
  } else {
    for (int64_t i = 0; i < d->qc && i < d->m; i++) ct__store(q + es * (size_t)(i * d->m + i), dt, 1);
  }
  for (int64_t i = 0; i < d->m; i++)
    for (int64_t j = 0; j < d->qc; j++)
      ct__store(Q + es * (size_t)(i * d->qc + j), dt, ct__load(q + es * (size_t)(j * d->m + i), dt));
  return info;
}

/* LAPACK's preferred workspace for geqrf and orgqr of these sizes */
static int qr_lwork(ct_dtype dt, const qr_dims *d) {
  int m = (int)d->m, n = (int)d->n, k = (int)d->k, qc = (int)d->qc, q1 = -1, info = 0;
  double w1 = 1, w2 = 1;
  float f1 = 1, f2 = 1;
  if (d->k == 0) return 1;
  if (dt == CT_FLOAT32) {
    sgeqrf_(&m, &n, NULL, &m, NULL, &f1, &q1, &info);
    sorgqr_(&m, &qc, &k, NULL, &m, NULL, &f2, &q1, &info);
    w1 = f1, w2 = f2;
  } else {
    dgeqrf_(&m, &n, NULL, &m, NULL, &w1, &q1, &info);
    dorgqr_(&m, &qc, &k, NULL, &m, NULL, &w2, &q1, &info);
  }
  double w = w1 > w2 ? w1 : w2;
  return w < d->n + 1 ? (int)d->n + 1 : (int)w;
}

/* A (*, m, n) -> (Q (*, m, qc) or an empty tensor, R (*, rows, n)) */
ct_tensor_pair ct_linalg_qr(const ct_tensor *A, ct_qr_mode mode) {
  ct_tensor_pair none = {0};
  if (!A) return none;
  if (mode != CT_QR_REDUCED && mode != CT_QR_COMPLETE && mode != CT_QR_R) {
    ct__err("qr received unrecognized mode %d but expected one of 'reduced' (default), 'r', or "
            "'complete'", (int)mode);
    return none;
  }
  if (A->ndim < 2) {
    ct__err("linalg.qr: The input tensor A must have at least 2 dimensions.");
    return none;
  }
  if (!ct_dtype_is_floating(A->dtype)) {
    ct__err("linalg.qr: Expected a floating point or complex tensor as input. Got %s",
            ct__dtype_short(A->dtype));
    return none;
  }
  if (ct__is_half(A->dtype)) {
    ct__err("linalg.qr: Low precision dtypes not supported. Got %s", ct__dtype_short(A->dtype));
    return none;
  }
  int nd = A->ndim;
  qr_dims d = {.m = A->shape[nd - 2], .n = A->shape[nd - 1]};
  if (d.m > 0x7fffffff || d.n > 0x7fffffff) {
    ct__err("linalg.qr: matrices larger than LAPACK's int are not supported");
    return none;
  }
  d.k = d.m < d.n ? d.m : d.n;
  d.rows = mode == CT_QR_COMPLETE ? d.m : d.k;
  d.qc = mode == CT_QR_COMPLETE ? d.m : d.k;
  int64_t nb = ct__numel_of(nd - 2, A->shape), shp[CT_MAX_DIMS];
  memcpy(shp, A->shape, sizeof(int64_t) * (size_t)nd);
  shp[nd - 2] = d.rows;
  ct_tensor *R = ct__empty(A->dtype, nd, shp);
  shp[nd - 2] = d.m, shp[nd - 1] = d.qc;
  ct_tensor *Q = mode == CT_QR_R ? ct__empty(A->dtype, 1, (int64_t[]){0}) : ct__empty(A->dtype, nd, shp);
  if (!R || !Q) return none;
  CT_OP_BEGIN();
  ct_tensor *a = la_swap_copy(A);
  d.lwork = qr_lwork(A->dtype, &d);
  size_t es = ct_dtype_size(A->dtype);
  char *buf = malloc(es * (size_t)(d.m * d.qc + d.k + d.lwork + 1));
  if (!a || !buf) {
    free(buf);
    if (a) ct__err("CPU: out of memory");
    ct_scope_end();
    return none;
  }
  for (int64_t b = 0; b < nb; b++)
    qr_one(A->dtype, &d, ct__ptr(a) + es * (size_t)(b * d.m * d.n), buf, buf + es * (size_t)(d.m * d.qc),
           buf + es * (size_t)(d.m * d.qc + d.k), ct__ptr(R) + es * (size_t)(b * d.rows * d.n),
           mode == CT_QR_R ? NULL : ct__ptr(Q) + es * (size_t)(b * d.m * d.qc));
  free(buf);
  ct_scope_end();
  ct_node *n = ct__node_new("LinalgQrBackward0", qr_backward, 1, (ct_tensor *const[]){(ct_tensor *)A}, 2);
  if (n) {
    CT_NEW_ARGS(n, qr_args)->mode = mode;
    /* histories first: a saved output records its output_nr (R is output 1) */
    ct__set_history(Q, n, 0);
    ct__set_history(R, n, 1);
    ct__save(n, mode == CT_QR_R ? NULL : Q, true);
    ct__save(n, R, true);
  }
  return (ct_tensor_pair){Q, R};
}
