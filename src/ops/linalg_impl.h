/* Shared pieces of torch.linalg (src/ops/linalg_*.c): LAPACK's Fortran entry points (OpenBLAS
 * ships LAPACK), PyTorch's input checks, and column-major batch copies. */
#ifndef CT_LINALG_IMPL_H
#define CT_LINALG_IMPL_H
#include <stdio.h>
#include <string.h>

#include "../internal.h"

/* LAPACK, column-major, LAPACK's default 32-bit integers. */
void sgetrs_(const char *trans, const int *n, const int *nrhs, const float *a, const int *lda,
             const int *ipiv, float *b, const int *ldb, int *info, size_t trans_len);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t trans_len);
void sgetrf_(const int *m, const int *n, float *a, const int *lda, int *ipiv, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work,
             const int *lwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work,
             const int *lwork, int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau,
             float *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);
void spotrf_(const char *uplo, const int *n, float *a, const int *lda, int *info, size_t uplo_len);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t uplo_len);

/* PyTorch's checks of a (*, n, n) float matrix argument: 0, or -1 with its message. */
static inline int la_check_square(const char *api, const ct_tensor *A) {
  if (A->ndim < 2) {
    ct__err("%s: The input tensor A must have at least 2 dimensions.", api);
    return -1;
  }
  if (!ct_dtype_is_floating(A->dtype)) {
    ct__err("%s: Expected a floating point or complex tensor as input. Got %s", api,
            ct__dtype_short(A->dtype));
    return -1;
  }
  if (ct__is_half(A->dtype)) { /* LAPACK has no 16-bit routines; PyTorch refuses them too */
    ct__err("%s: Low precision dtypes not supported. Got %s", api, ct__dtype_short(A->dtype));
    return -1;
  }
  int64_t r = A->shape[A->ndim - 2], c = A->shape[A->ndim - 1];
  if (r != c) {
    ct__err("%s: A must be batches of square matrices, but they are %lld by %lld matrices", api,
            (long long)r, (long long)c);
    return -1;
  }
  if (c > 0x7fffffff) {
    ct__err("%s: matrices larger than LAPACK's int are not supported", api);
    return -1;
  }
  return 0;
}

/* A new contiguous tensor holding t with its last two dims swapped: t's matrices in
 * column-major order, as LAPACK reads them (and back again). Never aliases t; no autograd. */
static inline ct_tensor *la_swap_copy(const ct_tensor *t) {
  int nd = t->ndim;
  int64_t sh[CT_MAX_DIMS], st[CT_MAX_DIMS];
  memcpy(sh, t->shape, sizeof(int64_t) * (size_t)nd);
  memcpy(st, t->strides, sizeof(int64_t) * (size_t)nd);
  int64_t s = sh[nd - 1], q = st[nd - 1];
  sh[nd - 1] = sh[nd - 2], st[nd - 1] = st[nd - 2];
  sh[nd - 2] = s, st[nd - 2] = q;
  ct_tensor *v = ct__make_view(t, nd, sh, st, t->offset);
  ct_tensor *out = v ? ct__empty(t->dtype, nd, sh) : NULL;
  if (out) ct__copy_into(out, v);
  return out;
}

/* A new contiguous (row-major) copy of t that never aliases it; no autograd. */
static inline ct_tensor *la_copy(const ct_tensor *t) {
  ct_tensor *out = ct__empty(t->dtype, t->ndim, t->shape);
  if (out) ct__copy_into(out, t);
  return out;
}

/* PyTorch's " (Batch element i)" part of a LAPACK error: empty for a single matrix. */
static inline void la_batch_str(char *buf, size_t len, const ct_tensor *A, int64_t b) {
  if (A->ndim > 2)
    snprintf(buf, len, ": (Batch element %lld)", (long long)b);
  else
    buf[0] = 0;
}

/* t.mT without autograd bookkeeping concerns: ct_transpose of the last two dims. */
static inline ct_tensor *la_mT(const ct_tensor *t) { return ct_transpose(t, -2, -1); }

/* An eigendecomposition's node (eigh, eig): L output 0, V output 1, both saved for bw; nothing
 * when V is NULL or A needs no gradient. */
static inline void la_record_eig(const char *name, ct_backward_fn bw, const ct_tensor *A,
                                 ct_tensor *L, ct_tensor *V) {
  ct_node *node = V ? ct__node_new(name, bw, 1, (ct_tensor *const[]){(ct_tensor *)A}, 2) : NULL;
  if (!node) return;
  ct__set_history(L, node, 0); /* first: a saved output keeps its output_nr */
  ct__set_history(V, node, 1);
  ct__save(node, L, true);
  ct__save(node, V, true);
}

/* pinv_backward's formula: the gradient of A for g = the gradient of P = pinv(A), written
 * with differentiable ops (src/ops/linalg_pinv.c) */
ct_tensor *ct__la_pinv_grad(ct_tensor *A, ct_tensor *P, ct_tensor *g);

#endif
