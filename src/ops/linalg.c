/* Matrix products through OpenBLAS: mm, bmm, mv, dot, addmm, outer and torch.matmul's
 * composite dispatch. Plain transposes reach BLAS as CblasTrans (no copy); other strided
 * operands are copied once. Integer dtypes use a plain loop (BLAS has none). */
#include "../internal.h"
#include <cblas.h>


/* A matrix operand: element pointer and element strides of its two dims. */
typedef struct {
  char *p;
  int64_t s0, s1;
} mat_t;

/* Can (r x c) with strides (s0, s1) go to row-major BLAS as is (NoTrans) or as the
 * transpose of a row-major matrix (Trans)? Size-1 dims may carry any stride. */
static bool blas_layout(int64_t r, int64_t c, int64_t s0, int64_t s1, CBLAS_TRANSPOSE *tr,
                        int64_t *ld) {
  int64_t mr = r > 1 ? r : 1, mc = c > 1 ? c : 1;
  if (s1 == 1 || c == 1) {
    *tr = CblasNoTrans;
    *ld = r == 1 ? mc : s0;
    if (*ld >= mc) return true;
  }
  if (s0 == 1 || r == 1) {
    *tr = CblasTrans;
    *ld = c == 1 ? mr : s1;
    if (*ld >= mr) return true;
  }
  return false;
}

/* Integer GEMM: C (n,p) = alpha * A (n,k) @ B (k,p) + beta * C, any strides (elements). */
#define IGEMM(T, tn)                                                                        \
  static void igemm_##tn(int64_t n, int64_t k, int64_t p, mat_t A, mat_t B, char *Cp,       \
                         int64_t ldc, int64_t alpha, int64_t beta) {                        \
    const T *a = (const T *)A.p, *b = (const T *)B.p;                                       \
    for (int64_t i = 0; i < n; i++) {                                                       \
      T *c = (T *)Cp + i * ldc;                                                             \
      for (int64_t j = 0; j < p; j++) c[j] = beta ? (T)(beta * (int64_t)c[j]) : (T)0;       \
      for (int64_t q = 0; q < k; q++) {                                                     \
        T av = (T)(alpha * (int64_t)a[i * A.s0 + q * A.s1]);                                \
        const T *br = b + q * B.s0;                                                         \
        for (int64_t j = 0; j < p; j++) c[j] = (T)(c[j] + av * br[j * B.s1]);               \
      }                                                                                     \
    }                                                                                       \
  }
IGEMM(uint8_t, u8)
IGEMM(int8_t, i8)
IGEMM(int16_t, i16)
IGEMM(int32_t, i32)
IGEMM(int64_t, i64)

static void gemm(ct_dtype dt, int64_t n, int64_t k, int64_t p, mat_t A, mat_t B, char *C,
                 int64_t ldc, double alpha, double beta);

/* (r,c) bf16 with element strides (s0, s1) -> a contiguous float32 copy in the op's scope. */
static mat_t widen_bf16(mat_t m, int64_t r, int64_t c) {
  ct_tensor *t = ct__empty(CT_FLOAT32, 2, (int64_t[]){r, c});
  if (!t) return (mat_t){NULL, c, 1};
  float *o = (float *)ct__ptr(t);
  const uint16_t *x = (const uint16_t *)m.p;
  for (int64_t i = 0; i < r; i++)
    for (int64_t j = 0; j < c; j++) o[i * c + j] = ct__bf16_to_f32(x[i * m.s0 + j * m.s1]);
  return (mat_t){(char *)o, c, 1};
}

/* C (n,p) bf16, row stride ldc = round(alpha * A (n,k) @ B (k,p) + beta * C), A and B bf16:
 * oneDNN's bf16 matmul (gemm_bf16.c), or without it sgemm on widened copies, rounded once as
 * PyTorch's bf16 addmm rounds. */
static void gemm_bf16(int64_t n, int64_t k, int64_t p, mat_t A, mat_t B, char *C, int64_t ldc,
                      double alpha, double beta) {
  uint16_t *c = (uint16_t *)C;
  if (k > 0 && !ct__gemm_bf16_dnnl(n, k, p, (const uint16_t *)A.p, A.s0, A.s1, (const uint16_t *)B.p, B.s0,
                                   B.s1, c, ldc, (float)alpha, (float)beta))
    return;
  CT_OP_BEGIN();
  ct_tensor *dt = ct__empty(CT_FLOAT32, 2, (int64_t[]){n, p});
  mat_t a = widen_bf16(A, n, k), b = widen_bf16(B, k, p);
  float *d = dt && a.p && b.p ? (float *)ct__ptr(dt) : NULL;
  if (d) gemm(CT_FLOAT32, n, k, p, a, b, (char *)d, p, 1, 0);
  for (int64_t i = 0; d && i < n; i++)
    for (int64_t j = 0; j < p; j++) {
      float v = (float)alpha * d[i * p + j];
      if (beta != 0) v += (float)beta * ct__bf16_to_f32(c[i * ldc + j]);
      c[i * ldc + j] = ct__f32_to_bf16(v);
    }
  ct_scope_end();
}

/* C (n,p), row stride ldc = alpha * A (n,k) @ B (k,p) + beta * C. Float operands must pass
 * blas_layout (callers make them ready). beta == 0 never reads C, as BLAS promises. */
static void gemm(ct_dtype dt, int64_t n, int64_t k, int64_t p, mat_t A, mat_t B, char *C,
                 int64_t ldc, double alpha, double beta) {
  if (n == 0 || p == 0) return;
  if (dt == CT_BFLOAT16) {
    gemm_bf16(n, k, p, A, B, C, ldc, alpha, beta);
    return;
  }
  if (!ct_dtype_is_floating(dt)) {
    int64_t al = (int64_t)alpha, be = (int64_t)beta;
    switch (dt) {
      case CT_UINT8: igemm_u8(n, k, p, A, B, C, ldc, al, be); break;
      case CT_INT8: igemm_i8(n, k, p, A, B, C, ldc, al, be); break;
      case CT_INT16: igemm_i16(n, k, p, A, B, C, ldc, al, be); break;
      case CT_INT32: igemm_i32(n, k, p, A, B, C, ldc, al, be); break;
      default: igemm_i64(n, k, p, A, B, C, ldc, al, be); break;
    }
    return;
  }
  bool f32 = dt == CT_FLOAT32;
  if (k == 0) { /* BLAS may skip the beta pass for an empty sum; do it here */
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < p; j++) {
        char *e = C + (i * ldc + j) * (f32 ? 4 : 8);
        ct__store(e, dt, beta == 0 ? 0 : beta * ct__load(e, dt));
      }
    return;
  }
  CBLAS_TRANSPOSE ta, tb;
  int64_t lda = 0, ldb = 0;
  blas_layout(n, k, A.s0, A.s1, &ta, &lda);
  blas_layout(k, p, B.s0, B.s1, &tb, &ldb);
  if (p == 1) { /* matrix @ vector: gemv, y = C's column (stride ldc) */
    CBLAS_TRANSPOSE tv = ta;
    int64_t incx = B.s0 ? B.s0 : 1;
    if (f32)
      cblas_sgemv(CblasRowMajor, tv, tv == CblasNoTrans ? (int)n : (int)k,
                  tv == CblasNoTrans ? (int)k : (int)n, (float)alpha, (const float *)A.p, (int)lda,
                  (const float *)B.p, (int)incx, (float)beta, (float *)C, (int)ldc);
    else
      cblas_dgemv(CblasRowMajor, tv, tv == CblasNoTrans ? (int)n : (int)k,
                  tv == CblasNoTrans ? (int)k : (int)n, alpha, (const double *)A.p, (int)lda,
                  (const double *)B.p, (int)incx, beta, (double *)C, (int)ldc);
    return;
  }
  if (f32)
    cblas_sgemm(CblasRowMajor, ta, tb, (int)n, (int)p, (int)k, (float)alpha, (const float *)A.p,
                (int)lda, (const float *)B.p, (int)ldb, (float)beta, (float *)C, (int)ldc);
  else
    cblas_dgemm(CblasRowMajor, ta, tb, (int)n, (int)p, (int)k, alpha, (const double *)A.p,
                (int)lda, (const double *)B.p, (int)ldb, beta, (double *)C, (int)ldc);
}

/* t itself when its last two dims suit BLAS (or it is an integer tensor), else a
 * contiguous copy in the caller's scope. */
static const ct_tensor *blas_ready(const ct_tensor *t) {
  if (!ct_dtype_is_floating(t->dtype)) return t;
  int nd = t->ndim;
  int64_t r = t->shape[nd - 2], c = t->shape[nd - 1], ld;
  CBLAS_TRANSPOSE tr;
  if (blas_layout(r, c, t->strides[nd - 2], t->strides[nd - 1], &tr, &ld)) return t;
  return ct__contig_as(t, t->dtype);
}

static mat_t mat_of(const ct_tensor *t, int64_t batch) {
  int nd = t->ndim;
  int64_t bs = nd == 3 ? t->strides[0] : 0;
  return (mat_t){ct__ptr(t) + batch * bs * (int64_t)ct_dtype_size(t->dtype), t->strides[nd - 2],
                 t->strides[nd - 1]};
}

/* out (B?,n,p) = alpha * a @ b + beta * out, a and b 2-D or 3-D of out's dtype. */
static void matmul_into(ct_tensor *out, const ct_tensor *a, const ct_tensor *b, double alpha,
                        double beta) {
  CT_OP_BEGIN();
  const ct_tensor *ra = blas_ready(a), *rb = blas_ready(b);
  if (ra && rb) {
    int nd = out->ndim;
    int64_t nb = nd == 3 ? out->shape[0] : 1, n = out->shape[nd - 2], p = out->shape[nd - 1];
    int64_t k = a->shape[a->ndim - 1];
    for (int64_t i = 0; i < nb; i++) {
      mat_t C = mat_of(out, i);
      gemm(out->dtype, n, k, p, mat_of(ra, i), mat_of(rb, i), C.p, C.s0, alpha, beta);
    }
  }
  ct_scope_end();
}

static void *dtype_mismatch(ct_dtype want, ct_dtype got) {
  return ct__err("expected scalar type %s but found %s", ct__dtype_short(want),
                 ct__dtype_short(got));
}

/* ---- backward formulas ---------------------------------------------------------------------- */
/* Is the (r x c) matrix t stored column-major (a transposed contiguous matrix, as the weight
 * W.t() that F.linear multiplies by)? Its gradient is then made column-major too, as
 * PyTorch's mm_mat1_backward / mm_mat2_backward do: the transposed product of the other
 * order, so that W's gradient arrives contiguous and accumulates without a strided pass. */
static bool col_major(const ct_tensor *t) {
  return t->shape[0] > 1 && t->strides[0] == 1 && t->strides[1] == t->shape[0];
}
typedef struct {
  bool m1_cm, m2_cm; /* col_major(m1), col_major(m2) at the forward */
} mm_args;
CT_ARGS_TYPE(mm_args, NULL);

/* g (n,p), m2 (k,p) -> g @ m2^T (n,k), or (m2 @ g^T)^T when m1 was column-major */
static ct_tensor *mat1_grad(ct_tensor *g, ct_tensor *m2, bool m1_cm) {
  return m1_cm ? ct_t(ct_mm(m2, ct_t(g))) : ct_mm(g, ct_t(m2));
}
/* m1 (n,k), g (n,p) -> m1^T @ g (k,p), or (g^T @ m1)^T when m2 was column-major */
static ct_tensor *mat2_grad(ct_tensor *m1, ct_tensor *g, bool m2_cm) {
  return m2_cm ? ct_t(ct_mm(ct_t(g), m1)) : ct_mm(ct_t(m1), g);
}

/* out = a @ b: ga = g @ b^T, gb = a^T @ g (saved [0] = a, [1] = b, each only when needed) */
static void mm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const mm_args *a = CT_ARGS(n, mm_args);
  if (ct__needs_grad(n, 0)) gi[0] = mat1_grad(g[0], ct__saved(n, 1), a->m1_cm);
  if (ct__needs_grad(n, 1)) gi[1] = mat2_grad(ct__saved(n, 0), g[0], a->m2_cm);
}

/* out = bmm(a, b): ga = bmm(g, b^T), gb = bmm(a^T, g) over the last two dims */
static void bmm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct_bmm(g[0], ct_transpose(ct__saved(n, 1), 1, 2));
  if (ct__needs_grad(n, 1)) gi[1] = ct_bmm(ct_transpose(ct__saved(n, 0), 1, 2), g[0]);
}

typedef struct {
  double beta, alpha;
  bool m1_cm, m2_cm;
} addmm_args;
CT_ARGS_TYPE(addmm_args, NULL);

/* out = beta * input + alpha * (m1 @ m2):
 * ginput = sum_to(beta * g), gm1 = alpha * g @ m2^T, gm2 = alpha * m1^T @ g */
static void addmm_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const addmm_args *a = CT_ARGS(n, addmm_args);
  double beta = a->beta, alpha = a->alpha;
  if (ct__needs_grad(n, 0))
    gi[0] = ct__sum_to_input(n, 0, beta == 1 ? g[0] : ct_mul_scalar(g[0], beta));
  ct_tensor *ga = alpha == 1 ? g[0] : ct_mul_scalar(g[0], alpha);
  if (ct__needs_grad(n, 1)) gi[1] = mat1_grad(ga, ct__saved(n, 2), a->m1_cm);
  if (ct__needs_grad(n, 2)) gi[2] = mat2_grad(ct__saved(n, 1), ga, a->m2_cm);
}

/* out = dot(a, b): ga = g * b, gb = g * a (g is 0-dim) */
static void dot_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct_mul(g[0], ct__saved(n, 1));
  if (ct__needs_grad(n, 1)) gi[1] = ct_mul(g[0], ct__saved(n, 0));
}

/* out = mv(m, v): gm = outer(g, v), gv = mv(m^T, g) */
static void mv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct_outer(g[0], ct__saved(n, 1));
  if (ct__needs_grad(n, 1)) gi[1] = ct_mv(ct_t(ct__saved(n, 0)), g[0]);
}

/* Record a two-input product node saving each input for the other's gradient. */
static ct_tensor *record2(ct_tensor *out, const char *name, ct_backward_fn bw, const ct_tensor *a,
                          const ct_tensor *b) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, 2, (ct_tensor *const[]){(ct_tensor *)a, (ct_tensor *)b}, 1);
  if (n) {
    ct__save(n, ct__needs_grad(n, 1) ? a : NULL, false);
    ct__save(n, ct__needs_grad(n, 0) ? b : NULL, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- forward -------------------------------------------------------------------------------- */
/* a (n,k), b (k,p) -> (n,p) */
ct_tensor *ct_mm(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (CT__ANY_HALF(a, b) && !ct__all_bf16(a, b, NULL)) return ct__half_up2(ct_mm, a, b);
  if (a->ndim != 2) return ct__err("self must be a matrix");
  if (b->ndim != 2) return ct__err("mat2 must be a matrix");
  if (a->shape[1] != b->shape[0])
    return ct__err("mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
                   (long long)a->shape[0], (long long)a->shape[1], (long long)b->shape[0],
                   (long long)b->shape[1]);
  if (a->dtype != b->dtype) return dtype_mismatch(a->dtype, b->dtype);
  if (a->dtype == CT_BOOL) return ct__err("\"addmm_impl_cpu_\" not implemented for 'Bool'");
  ct_tensor *out = ct__empty(a->dtype, 2, (int64_t[]){a->shape[0], b->shape[1]});
  if (!out) return NULL;
  matmul_into(out, a, b, 1, 0);
  out = record2(out, "MmBackward0", mm_backward, a, b);
  if (out && out->grad_fn) /* the node record2 just made */
    *CT_NEW_ARGS(out->grad_fn, mm_args) = (mm_args){.m1_cm = col_major(a), .m2_cm = col_major(b)};
  return out;
}

/* a (B,n,k), b (B,k,p) -> (B,n,p) */
ct_tensor *ct_bmm(const ct_tensor *a, const ct_tensor *b) {
  ct_dtype h = ct__all_bf16(a, b, NULL) ? CT_DTYPE_UNSET : ct__half_enter(a, b, NULL);
  if ((int)h >= 0) return ct__half_end(ct_bmm(ct__f32(a), ct__f32(b)), h);
  if (!a || !b) return NULL;
  if (a->ndim != 3) return ct__err("batch1 must be a 3D tensor");
  if (b->ndim != 3) return ct__err("batch2 must be a 3D tensor");
  if (b->shape[0] != a->shape[0] || b->shape[1] != a->shape[2])
    return ct__err("Expected size for first two dimensions of batch2 tensor to be: [%lld, %lld] "
                   "but got: [%lld, %lld].", (long long)a->shape[0], (long long)a->shape[2],
                   (long long)b->shape[0], (long long)b->shape[1]);
  if (a->dtype != b->dtype) return dtype_mismatch(a->dtype, b->dtype);
  if (a->dtype == CT_BOOL) return ct__err("\"bmm\" not implemented for 'Bool'");
  ct_tensor *out = ct__empty(a->dtype, 3, (int64_t[]){a->shape[0], a->shape[1], b->shape[2]});
  if (!out) return NULL;
  matmul_into(out, a, b, 1, 0);
  return record2(out, "BmmBackward0", bmm_backward, a, b);
}

/* m (n,k), v (k) -> (n) */
ct_tensor *ct_mv(const ct_tensor *m, const ct_tensor *v) {
  ct_dtype h = ct__half_enter(m, v, NULL);
  if ((int)h >= 0) return ct__half_end(ct_mv(ct__f32(m), ct__f32(v)), h);
  if (!m || !v) return NULL;
  if (m->ndim != 2 || v->ndim != 1)
    return ct__err("vector + matrix @ vector expected, got 1, %d, %d", m->ndim, v->ndim);
  if (m->shape[1] != v->shape[0])
    return ct__err("size mismatch, got %lld, %lldx%lld,%lld", (long long)m->shape[0],
                   (long long)m->shape[0], (long long)m->shape[1], (long long)v->shape[0]);
  if (m->dtype != v->dtype) return dtype_mismatch(m->dtype, v->dtype);
  if (m->dtype == CT_BOOL) return ct__err("\"addmv_impl_cpu\" not implemented for 'Bool'");
  ct_tensor *out = ct__empty(m->dtype, 1, m->shape);
  if (!out) return NULL;
  CT_OP_BEGIN();
  /* v as a (k,1) column and out as an (n,1) column: the GEMM path picks gemv */
  ct_tensor *vc = ct__make_view(v, 2, (int64_t[]){v->shape[0], 1}, (int64_t[]){v->strides[0], 1},
                                v->offset);
  ct_tensor *oc = ct__make_view(out, 2, (int64_t[]){out->shape[0], 1}, (int64_t[]){1, 1}, 0);
  if (vc && oc) matmul_into(oc, m, vc, 1, 0);
  ct_scope_end();
  return record2(out, "MvBackward0", mv_backward, m, v);
}

/* a (k), b (k) -> () */
ct_tensor *ct_dot(const ct_tensor *a, const ct_tensor *b) {
  ct_dtype h = ct__half_enter(a, b, NULL);
  if ((int)h >= 0) return ct__half_end(ct_dot(ct__f32(a), ct__f32(b)), h);
  if (!a || !b) return NULL;
  if (a->ndim != 1 || b->ndim != 1)
    return ct__err("1D tensors expected, but got %dD and %dD tensors", a->ndim, b->ndim);
  if (a->dtype != b->dtype)
    return ct__err("dot : expected both vectors to have same dtype, but found %s and %s",
                   ct__dtype_short(a->dtype), ct__dtype_short(b->dtype));
  if (a->shape[0] != b->shape[0])
    return ct__err("inconsistent tensor size, expected tensor [%lld] and src [%lld] to have the "
                   "same number of elements, but got %lld and %lld elements respectively",
                   (long long)a->shape[0], (long long)b->shape[0], (long long)a->shape[0],
                   (long long)b->shape[0]);
  if (a->dtype == CT_BOOL) return ct__err("\"dot\" not implemented for 'Bool'");
  ct_tensor *out = ct__empty(a->dtype, 0, NULL);
  if (!out) return NULL;
  CT_OP_BEGIN();
  int64_t k = a->shape[0];
  ct_tensor *ar = ct__make_view(a, 2, (int64_t[]){1, k}, (int64_t[]){k, a->strides[0]}, a->offset);
  ct_tensor *bc = ct__make_view(b, 2, (int64_t[]){k, 1}, (int64_t[]){b->strides[0], 1}, b->offset);
  ct_tensor *oc = ct__make_view(out, 2, (int64_t[]){1, 1}, (int64_t[]){1, 1}, 0);
  if (ar && bc && oc) matmul_into(oc, ar, bc, 1, 0);
  ct_scope_end();
  return record2(out, "DotBackward0", dot_backward, a, b);
}

/* a (n), b (p) -> (n,p): PyTorch composes it as a.unsqueeze(1) * b (MulBackward0) */
ct_tensor *ct_outer(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (a->ndim != 1) return ct__err("outer: Expected 1-D argument self, but got %d-D", a->ndim);
  if (b->ndim != 1) return ct__err("outer: Expected 1-D argument vec2, but got %d-D", b->ndim);
  CT_OP_BEGIN();
  return ct__op_end(ct_mul(ct_unsqueeze(a, 1), b));
}

/* input (broadcast to (n,p)), m1 (n,k), m2 (k,p) -> beta * input + alpha * m1 @ m2 */
ct_tensor *ct_addmm(const ct_tensor *input, const ct_tensor *m1, const ct_tensor *m2, double beta,
                    double alpha) {
  ct_dtype h = ct__all_bf16(input, m1, m2) ? CT_DTYPE_UNSET : ct__half_enter(input, m1, m2);
  if ((int)h >= 0) return ct__half_end(ct_addmm(ct__f32(input), ct__f32(m1), ct__f32(m2), beta, alpha), h);
  if (!input || !m1 || !m2) return NULL;
  if (m1->ndim != 2) return ct__err("mat1 must be a matrix, got %d-D tensor", m1->ndim);
  if (m2->ndim != 2) return ct__err("mat2 must be a matrix, got %d-D tensor", m2->ndim);
  if (m1->shape[1] != m2->shape[0])
    return ct__err("mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
                   (long long)m1->shape[0], (long long)m1->shape[1], (long long)m2->shape[0],
                   (long long)m2->shape[1]);
  int64_t shp[2] = {m1->shape[0], m2->shape[1]};
  CT_OP_BEGIN();
  ct_tensor *ein = ct__expand_raw(input, 2, shp);
  if (!ein) return ct__op_end(NULL);
  if (m1->dtype != m2->dtype) return ct__op_end(ct__err("mat1 and mat2 must have the same dtype"));
  if (input->dtype != m2->dtype) return ct__op_end(ct__err("self and mat2 must have the same dtype"));
  if (m1->dtype == CT_BOOL) return ct__op_end(ct__err("\"addmm_impl_cpu_\" not implemented for 'Bool'"));
  ct_tensor *out = ct__empty(m1->dtype, 2, shp);
  if (!out) return ct__op_end(NULL);
  if (beta != 0) ct__copy_into(out, ein); /* beta == 0 ignores input (even NaN), like PyTorch */
  matmul_into(out, m1, m2, alpha, beta);
  if (ct_dtype_is_floating(out->dtype)) {
    ct_node *n = ct__node_new("AddmmBackward0", addmm_backward, 3,
                              (ct_tensor *const[]){(ct_tensor *)input, (ct_tensor *)m1,
                                                   (ct_tensor *)m2}, 1);
    if (n) {
      *CT_NEW_ARGS(n, addmm_args) = (addmm_args){.beta = beta, .alpha = alpha, .m1_cm = col_major(m1),
                                                     .m2_cm = col_major(m2)};
      ct__save(n, NULL, false);
      ct__save(n, ct__needs_grad(n, 2) ? m1 : NULL, false);
      ct__save(n, ct__needs_grad(n, 1) ? m2 : NULL, false);
      ct__set_history(out, n, 0);
    }
  }
  return ct__op_end(out);
}

/* ---- torch.matmul: PyTorch 1.13's composite, so grad_fn names and errors agree ------------ */
/* Reshape with the name PyTorch's _unsafe_view gives the result. */
static ct_tensor *unsafe_view(const ct_tensor *t, int nd, const int64_t *shape) {
  ct_tensor *r = ct_reshape(t, nd, shape);
  ct__set_grad_fn_name(r, "UnsafeViewBackward0");
  return r;
}

/* Folding a (..., n, m) into one (N, m) GEMM pays unless a is 3-D with its last two dims
 * transposed (then bmm with CblasTrans avoids the copy reshape would need). */
static bool should_fold(const ct_tensor *t1, int dim2) {
  if (t1->ndim < 3 || (dim2 != 1 && dim2 != 2)) return false;
  if (t1->ndim == 3 && dim2 == 2 && t1->strides[2] != 1 &&
      t1->strides[0] == t1->shape[1] * t1->shape[2])
    return false;
  return true;
}

/* a (..., n, m) @ b (m, p) or (m): one mm/mv over the folded leading dims */
static ct_tensor *matmul_fold(const ct_tensor *a, const ct_tensor *b) {
  int64_t m = a->shape[a->ndim - 1], rows = 1, shp[CT_MAX_DIMS];
  int nd = 0;
  for (int i = 0; i < a->ndim - 1; i++) rows *= shp[nd++] = a->shape[i];
  if (b->ndim == 2) shp[nd++] = b->shape[1];
  /* rows spelled out: -1 is ambiguous when m == 0 */
  ct_tensor *fa = ct_reshape(a, 2, (int64_t[]){rows, m});
  ct_tensor *r = b->ndim == 2 ? ct_mm(fa, b) : ct_mv(fa, b);
  return r ? unsafe_view(r, nd, shp) : NULL;
}

/* a (..., n, m) @ b (..., m, p) with broadcast batch dims: one bmm */
static ct_tensor *matmul_batched(const ct_tensor *a, const ct_tensor *b) {
  int d1 = a->ndim, d2 = b->ndim;
  int64_t n = d1 > 1 ? a->shape[d1 - 2] : 1, m1 = a->shape[d1 - 1];
  int64_t m2 = d2 > 1 ? b->shape[d2 - 2] : b->shape[0], p = d2 > 1 ? b->shape[d2 - 1] : 1;
  int nb1 = d1 > 2 ? d1 - 2 : 0, nb2 = d2 > 2 ? d2 - 2 : 0, nbo;
  int64_t bshape[CT_MAX_DIMS + 2];
  if (ct__broadcast_shape(nb1, a->shape, nb2, b->shape, &nbo, bshape)) return NULL;
  int64_t nbatch = ct__numel_of(nbo, bshape), ea[CT_MAX_DIMS + 2], eb[CT_MAX_DIMS + 2],
          oshape[CT_MAX_DIMS + 2];
  if (nbo + 2 > CT_MAX_DIMS) return ct__err("matmul: too many dims");
  memcpy(ea, bshape, sizeof(int64_t) * (size_t)nbo);
  memcpy(eb, bshape, sizeof(int64_t) * (size_t)nbo);
  memcpy(oshape, bshape, sizeof(int64_t) * (size_t)nbo);
  int no = nbo;
  ea[nbo] = n, ea[nbo + 1] = m1, eb[nbo] = m2, eb[nbo + 1] = p;
  if (d1 > 1) oshape[no++] = n;
  if (d2 > 1) oshape[no++] = p;
  ct_tensor *ta = ct_reshape(ct_expand(a, nbo + 2, ea), 3, (int64_t[]){nbatch, n, m1});
  ct_tensor *tb = ct_reshape(ct_expand(b, nbo + 2, eb), 3, (int64_t[]){nbatch, m2, p});
  ct_tensor *r = ct_bmm(ta, tb);
  return r ? unsafe_view(r, no, oshape) : NULL;
}

ct_tensor *ct_matmul(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b || ct__refuse_sparse("matmul", a, b)) return NULL;
  if (CT__ANY_HALF(a, b) && !ct__all_bf16(a, b, NULL)) return ct__half_up2(ct_matmul, a, b);
  int d1 = a->ndim, d2 = b->ndim;
  if (d1 == 0 || d2 == 0)
    return ct__err("both arguments to matmul need to be at least 1D, but they are %dD and %dD",
                   d1, d2);
  if (d1 == 1 && d2 == 1) return ct_dot(a, b);
  if (d1 == 2 && d2 == 1) return ct_mv(a, b);
  if (d1 == 2 && d2 == 2) return ct_mm(a, b);
  CT_OP_BEGIN();
  ct_tensor *r;
  if (d1 == 1 && d2 == 2) {
    r = ct_squeeze_dim(ct_mm(ct_unsqueeze(a, 0), b), 0);
    ct__set_grad_fn_name(r, "SqueezeBackward3");
  } else if (should_fold(a, d2)) {
    r = matmul_fold(a, b);
  } else if (should_fold(b, d1)) {
    /* a (n?, m) @ b (..., m, p) = (b^T (..., p, m) @ a^T)^T: the fold on the transposes */
    ct_tensor *bt = ct_transpose(b, -1, -2);
    if (d1 == 1) {
      r = matmul_fold(bt, a);
    } else {
      r = ct_contiguous(ct_transpose(matmul_fold(bt, ct_t(a)), -1, -2));
    }
  } else {
    r = matmul_batched(a, b);
  }
  return ct__op_end(r);
}
