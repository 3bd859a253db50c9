/* The kit for op families (src/ops/) and the layers above them (io, nn, optim): every lower
 * layer's internal header plus the one in-place driver. Lower layers include only their own
 * headers (src/tensor/, src/autograd/autograd_impl.h); the layers ctest checks that data
 * flows down. Not installed; user code sees only include/ctorch/. */
#ifndef CTORCH_INTERNAL_H
#define CTORCH_INTERNAL_H

#include "tensor/tensor_impl.h"
#include "tensor/dtype_list.h"
#include "tensor/loops.h"
#include "tensor/overlap.h"
#include "tensor/strbuf.h"
#include "autograd/autograd_impl.h"

/* ---- in-place ops (arith.c) --------------------------------------------------------- */
/* One driver for every in-place op t.op_(...) (arith.c). PyTorch's checks (leaf, overlap,
 * shape, castable result); then without autograd the kernel writes t directly, and with
 * autograd (or when t's dtype has no in-place loop, so the op raises its own error) the
 * out-of-place op runs and its values and history move into t. */
typedef struct ct_inplace_spec {
  const char *name;        /* kernel name for "not implemented for" errors */
  ct_dtype result_type;    /* the out-of-place result's dtype: must cast to t's */
  const ct_tensor *other;  /* a tensor operand broadcast to t, or NULL */
  const ct_loop_fn *loops; /* in-place loops by t's dtype, or NULL: always out of place */
  void *ctx;               /* the loops' ctx */
  bool other_raw;          /* other reaches the loop unconverted (masked_fill's bool mask) */
  bool needs_input;        /* the backward reads t's old value: the graph gets a copy */
  /* the out-of-place op, one of: */
  ct_tensor *(*unary)(const ct_tensor *t);
  ct_tensor *(*binary)(const ct_tensor *t, const ct_tensor *other);
  ct_tensor *(*call)(const ct_tensor *t, const void *arg); /* extra arguments in arg */
  const void *arg;
} ct_inplace_spec;
ct_tensor *ct__inplace(ct_tensor *t, const ct_inplace_spec *s);
/* The checks alone (for ops with their own in-place path), 0 or -1; b may be NULL. */
int ct__inplace_check(ct_tensor *a, const ct_tensor *b, ct_dtype result_type);
/* A Python number operand: integral values act as ints, others as floats. */
ct_tensor *ct__wrap_number(double s);

/* ---- sparse COO (sparse.c): the layout's ops reached from the generic ones ------------ */
/* a + alpha * b with a or b sparse (in place into a when inplace): sparse + sparse is
 * sparse (indices concatenated; merged when both are coalesced), dense + sparse dense,
 * sparse + dense PyTorch's error. */
ct_tensor *ct__sparse_add(const ct_tensor *a, const ct_tensor *b, double alpha, bool inplace);
ct_tensor *ct__sparse_clone(const ct_tensor *t);  /* indices and values copied */
ct_tensor *ct__sparse_detach(const ct_tensor *t); /* a new tensor sharing them */
ct_tensor *ct__sparse_zero_(ct_tensor *t);        /* nnz = 0, as PyTorch's zero_ */
/* to(dtype) of a sparse tensor: values converted, indices shared, no autograd node. */
ct_tensor *ct__sparse_to(const ct_tensor *t, ct_dtype dt);
/* sparse * a 0-dim dense tensor (either side; in place into a sparse a): values scaled. */
ct_tensor *ct__sparse_mul(const ct_tensor *a, const ct_tensor *b, bool inplace);

/* float16 / bfloat16 ops without a 16-bit kernel (ops/half_ops.c): op(float32(a), float32(b))
 * rounded back; a and b must share the dtype. */
ct_tensor *ct__half_up2(ct_tensor *(*op)(const ct_tensor *, const ct_tensor *), const ct_tensor *a,
                        const ct_tensor *b);
ct_tensor *ct__half_reduce(ct_tensor *(*fn)(const ct_tensor *, ct_reduce_opts), const ct_tensor *t,
                           ct_reduce_opts o);
/* The float32 detour (half_ops.c says how to use them). */
ct_dtype ct__half_enter(const ct_tensor *a, const ct_tensor *b, const ct_tensor *c);
ct_tensor *ct__f32(const ct_tensor *t);
ct_tensor *ct__half_end(ct_tensor *r, ct_dtype h);
ct_tensor_pair ct__half_end_pair(ct_tensor_pair p, ct_dtype h);
int ct__half_end_into(ct_tensor *dst, ct_tensor *r);
ct_tensor *ct__half_refuse(const char *op, ct_dtype dt);
#define CT__HALF_REDUCE(t, o) (ct__is_half((t)->dtype) || ct__is_half((o).dtype))
#define CT__ANY_HALF(a, b) (ct__is_half((a)->dtype) || ct__is_half((b)->dtype))

/* ---- indexing (index.c) ---- */
/* A gradient gathered with an index's shape, padded with zeros up to input i's shape (the
 * source of scatter / scatter_reduce may be larger than the index). */
ct_tensor *ct__pad_to_input(ct_node *n, int i, ct_tensor *gs);

/* All the given (non-NULL) tensors are bfloat16 (ops/half_ops.c). */
bool ct__all_bf16(const ct_tensor *a, const ct_tensor *b, const ct_tensor *c);
/* C (n,p) bf16 (row stride ldc) = round(alpha * A (n,k) @ B (k,p) + beta * C), A and B bf16
 * with element strides, through oneDNN (ops/gemm_bf16.c). 0 on success; 1 when oneDNN is
 * missing or refuses. */
int ct__gemm_bf16_dnnl(int64_t n, int64_t k, int64_t p, const uint16_t *A, int64_t as0, int64_t as1,
                       const uint16_t *B, int64_t bs0, int64_t bs1, uint16_t *C, int64_t ldc, float alpha,
                       float beta);

#endif
