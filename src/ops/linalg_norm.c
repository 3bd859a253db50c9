/* torch.linalg.vector_norm, matrix_norm and norm: compositions of differentiable ops (norm,
 * abs, sum, amax / amin, svdvals), so their gradients and double backward follow; the checks
 * and the dispatch of linalg.norm are PyTorch 1.13's (LinearAlgebra.cpp). */
#include <math.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

/* ord as PyTorch prints it in its messages: "fro", "nuc", "inf", "2", "0.5" */
static const char *ord_str(double ord, char *buf, size_t len) {
  if (ord == CT_ORD_FRO) return "fro";
  if (ord == CT_ORD_NUC) return "nuc";
  if (isinf(ord)) return ord > 0 ? "inf" : "-inf";
  snprintf(buf, len, "%g", ord);
  return buf;
}

/* x cast to dtype (when set, floating only), checked to be floating: x, or NULL with api's error */
static const ct_tensor *norm_input(const char *api, const ct_tensor *x, ct_dtype dtype) {
  if (!ct_dtype_is_floating(x->dtype))
    return ct__err("%s: Expected a floating point or complex tensor as input. Got %s", api,
                   ct__dtype_short(x->dtype));
  /* float16 / bfloat16 go on: the norms are sums, maxima and svdvals, which compute them in
   * float32 or refuse them (LAPACK) as PyTorch does */
  if (dtype == CT_DTYPE_UNSET) return x;
  if (!ct_dtype_is_floating(dtype))
    return ct__err("%s: dtype should be floating point or complex, but got %s", api,
                   ct__dtype_short(dtype));
  return ct_to(x, dtype);
}

/* x (any shape) -> ||x||_ord over o.dim (all when empty) */
ct_tensor *ct_linalg_vector_norm_ex(const ct_tensor *x, ct_linalg_norm_opts o) {
  if (!x) return NULL;
  if (o.ord == CT_ORD_FRO || o.ord == CT_ORD_NUC || o.ord == CT_ORD_NONE) o.ord = 2;
  const ct_tensor *v = norm_input("linalg.vector_norm", x, o.dtype);
  if (!v) return NULL;
  if ((o.ord < 0 || isinf(o.ord)) && ct_numel(v) == 0) {
    char b[32];
    if (o.dim.n == 0)
      return ct__err("linalg.vector_norm cannot compute the %s norm on an empty tensor because "
                     "the operation does not have an identity", ord_str(o.ord, b, sizeof b));
    for (int i = 0; i < o.dim.n; i++) {
      int64_t d = ct__wrap_dim(o.dim.d[i], v->ndim);
      if (d < 0) return NULL;
      if (v->shape[d] == 0)
        return ct__err("linalg.vector_norm cannot compute the %s norm on the dimension %lld"
                       "because this dimension is empty and the operation does not have an "
                       "identity", ord_str(o.ord, b, sizeof b), (long long)o.dim.d[i]);
    }
  }
  ct_tensor *r = ct_norm_ex(v, (ct_norm_opts){.p = o.ord, .dim = o.dim, .keepdim = o.keepdim});
  if (r) ct__set_grad_fn_name(r, "LinalgVectorNormBackward0"); /* PyTorch's own node */
  return r;
}

/* "0, 1, 1": a dims list as PyTorch prints it, into b (256 bytes) */
static const char *dims_str(const ct_dims *dim, char *b) {
  int k = 0;
  b[0] = 0;
  for (int i = 0; i < dim->n && k < 200; i++)
    k += snprintf(b + k, 256 - (size_t)k, "%s%lld", i ? ", " : "", (long long)dim->d[i]);
  return b;
}

/* (d0, d1) of A's matrix dims from o.dim ((-2, -1) when empty), wrapped: 0 or -1 */
static int matrix_dims(const ct_tensor *A, const ct_dims *dim, int64_t *d0, int64_t *d1) {
  if (dim->n == 0) {
    *d0 = A->ndim - 2, *d1 = A->ndim - 1;
    return 0;
  }
  if (dim->n != 2) {
    char b[256];
    return ct__errs("linalg.matrix_norm: dim must be a 2-tuple. Got %s", dims_str(dim, b));
  }
  *d0 = ct__wrap_dim(dim->d[0], A->ndim), *d1 = ct__wrap_dim(dim->d[1], A->ndim);
  if (*d0 < 0 || *d1 < 0) return -1;
  if (*d0 == *d1)
    return ct__errs("linalg.matrix_norm: dims must be different. Got (%lld, %lld)",
                    (long long)dim->d[0], (long long)dim->d[1]);
  return 0;
}

/* t with dims d0 < d1 removed (size 1 after a keepdim reduction) */
static ct_tensor *squeeze2(ct_tensor *t, int64_t d0, int64_t d1) {
  int64_t lo = d0 < d1 ? d0 : d1, hi = d0 < d1 ? d1 : d0;
  return ct_squeeze_dim(ct_squeeze_dim(t, hi), lo);
}

/* ord in {'nuc', 2, -2}: sum / max / min of the singular values of the (d0, d1) matrices */
static ct_tensor *svd_norm(const ct_tensor *A, double ord, int64_t d0, int64_t d1, bool keepdim) {
  int nd = A->ndim, k = 0;
  int64_t perm[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++)
    if (i != d0 && i != d1) perm[k++] = i;
  perm[k++] = d0, perm[k] = d1;
  ct_tensor *s = ct_linalg_svdvals(ct_permute(A, nd, perm));
  ct_reduce_opts r = {.dim = CT_DIMS(-1), .dtype = CT_DTYPE_UNSET};
  ct_tensor *v = ord == CT_ORD_NUC ? ct_sum_ex(s, r) : ord > 0 ? ct_amax_ex(s, r) : ct_amin_ex(s, r);
  if (!v || !keepdim) return v;
  int64_t lo = d0 < d1 ? d0 : d1, hi = d0 < d1 ? d1 : d0;
  return ct_unsqueeze(ct_unsqueeze(v, lo), hi);
}

/* A (*, m, n) over dims (d0, d1) -> its ord-norm */
ct_tensor *ct_linalg_matrix_norm_ex(const ct_tensor *A, ct_linalg_norm_opts o) {
  if (!A) return NULL;
  if (A->ndim < 2) return ct__err("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  const ct_tensor *v = norm_input("linalg.matrix_norm", A, o.dtype);
  int64_t d0 = 0, d1 = 0;
  if (!v || matrix_dims(v, &o.dim, &d0, &d1)) return NULL;
  double a = fabs(o.ord);
  if (o.ord != CT_ORD_FRO && o.ord != CT_ORD_NUC && a != 1 && a != 2 && !isinf(a)) {
    char b[32];
    return ct__err("linalg.matrix_norm: Order %s not supported.", ord_str(o.ord, b, sizeof b));
  }
  if (o.ord == CT_ORD_FRO) { /* PyTorch: vector_norm over the two dims */
    ct_tensor *r = ct_norm_ex(v, (ct_norm_opts){.p = 2, .dim = CT_DIMS(d0, d1), .keepdim = o.keepdim});
    if (r) ct__set_grad_fn_name(r, "LinalgVectorNormBackward0");
    return r;
  }
  if (o.ord == CT_ORD_NUC || a == 2) return svd_norm(v, o.ord, d0, d1, o.keepdim);
  /* +-1: max / min over columns (d1) of the column sums (over d0); +-inf: the rows' */
  int64_t sd = a == 1 ? d0 : d1, md = a == 1 ? d1 : d0;
  ct_tensor *s = ct_sum_ex(ct_abs(v), (ct_reduce_opts){.dim = CT_DIMS(sd), .keepdim = true,
                                                      .dtype = CT_DTYPE_UNSET});
  ct_reduce_opts r = {.dim = CT_DIMS(md), .keepdim = true, .dtype = CT_DTYPE_UNSET};
  ct_tensor *m = o.ord > 0 ? ct_amax_ex(s, r) : ct_amin_ex(s, r);
  return m && !o.keepdim ? squeeze2(m, d0, d1) : m;
}

/* PyTorch's linalg.norm dispatch between matrix_norm and vector_norm */
ct_tensor *ct_linalg_norm_ex(const ct_tensor *A, ct_linalg_norm_opts o) {
  if (!A) return NULL;
  bool str = o.ord == CT_ORD_FRO || o.ord == CT_ORD_NUC, none = o.ord == CT_ORD_NONE;
  if (o.dim.n != 0 && o.dim.n != 1 && o.dim.n != 2) {
    char b[256]; /* PyTorch's string-ord overload spells it "mut" */
    return ct__err("linalg.norm: If dim is specified, it m%st be of length 1 or 2. Got [%s]",
                   str ? "u" : "us", dims_str(&o.dim, b));
  }
  if (str) return ct_linalg_matrix_norm_ex(A, o);
  if (!none && o.dim.n == 0 && A->ndim != 1 && A->ndim != 2)
    return ct__err("linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                   "Got %dD.", A->ndim);
  if (!none && (o.dim.n == 2 || (o.dim.n == 0 && A->ndim == 2)))
    return ct_linalg_matrix_norm_ex(A, o);
  return ct_linalg_vector_norm_ex(A, o);
}
