/* bfloat16 matrix products through oneDNN's matmul, the library PyTorch 1.13's bfloat16
 * mm / addmm reach through mkldnn: C = round(alpha * A @ B + beta * C) with bf16 operands and
 * result, float32 accumulation and one rounding (alpha an output scale, beta a sum post-op),
 * AVX512-BF16 or AMX kernels where the CPU has them (oneDNN picks at run time, and emulates
 * them with AVX-512 where it has not). Widening to float32 for OpenBLAS's sgemm instead measured 2.2-2.7x
 * slower than PyTorch on a (256, 1024) x (1024, 1024) Linear (bench/half.c).
 *
 * Making a matmul primitive costs more than a small product, so the last few are kept, keyed by
 * shape and strides, behind one lock. */
#include "../internal.h"

#ifndef CT_HAVE_DNNL

int ct__gemm_bf16_dnnl(int64_t n, int64_t k, int64_t p, const uint16_t *A, int64_t as0, int64_t as1,
                       const uint16_t *B, int64_t bs0, int64_t bs1, uint16_t *C, int64_t ldc, float alpha,
                       float beta) {
  return 1;
}

#else

#include <pthread.h>
#include <string.h>

#include "../tensor/cpu.h"
#include "dnnl_engine.h"

enum { CACHE = 8 };
enum { NKEY = 10 };
typedef struct {
  int64_t key[NKEY]; /* n, k, p, as0, as1, bs0, bs1, ldc, alpha's and beta's bits */
  dnnl_primitive_t prim;
  dnnl_memory_desc_t a, b, d;
} entry;
static entry g_cache[CACHE];
static int g_next;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

/* A new matmul primitive for key into e (its descriptors kept for the memory objects). */
static int make(entry *e, const int64_t *key, float alpha, float beta) {
  dnnl_dims_t ad = {key[0], key[1]}, as = {key[3], key[4]};
  dnnl_dims_t bd = {key[1], key[2]}, bs = {key[5], key[6]};
  dnnl_dims_t dd = {key[0], key[2]}, ds = {key[7], 1};
  dnnl_matmul_desc_t md;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t po = NULL;
  dnnl_primitive_desc_t pd = NULL;
  int rc = -1;
  if (!dnnl_memory_desc_init_by_strides(&e->a, 2, ad, dnnl_bf16, as) &&
      !dnnl_memory_desc_init_by_strides(&e->b, 2, bd, dnnl_bf16, bs) &&
      !dnnl_memory_desc_init_by_strides(&e->d, 2, dd, dnnl_bf16, ds) &&
      !dnnl_matmul_desc_init(&md, &e->a, &e->b, NULL, &e->d) && !dnnl_primitive_attr_create(&attr) &&
      (alpha == 1 || !dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha)) &&
      (beta == 0 || (!dnnl_post_ops_create(&po) && !dnnl_post_ops_append_sum(po, beta) &&
                     !dnnl_primitive_attr_set_post_ops(attr, po))) &&
      !dnnl_primitive_desc_create(&pd, &md, attr, ct__dnnl_engine(), NULL) &&
      !dnnl_primitive_create(&e->prim, pd))
    rc = 0;
  if (rc) e->prim = NULL;
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (po) dnnl_post_ops_destroy(po);
  if (attr) dnnl_primitive_attr_destroy(attr);
  memcpy(e->key, key, sizeof e->key);
  return rc;
}

/* The cached primitive for key, made when missing; NULL when oneDNN refuses. Caller holds the
 * lock. */
static entry *lookup(const int64_t *key, float alpha, float beta) {
  for (int i = 0; i < CACHE; i++)
    if (g_cache[i].prim && !memcmp(g_cache[i].key, key, sizeof g_cache[i].key)) return &g_cache[i];
  entry *e = &g_cache[g_next];
  g_next = (g_next + 1) % CACHE;
  if (e->prim) dnnl_primitive_destroy(e->prim);
  e->prim = NULL;
  return make(e, key, alpha, beta) ? NULL : e;
}

/* CT_GEMM_BF16_WIDEN=1 takes the widened float32 path even with oneDNN (its ctest runs
 * test_half that way, so both paths are checked on a machine that has oneDNN). */
static _Atomic int g_widen = -1;
static bool widen_forced(void) { return ct__env_switch(&g_widen, "CT_GEMM_BF16_WIDEN"); }

/* C (n,p) bf16, row stride ldc = round(alpha * A (n,k) @ B (k,p) + beta * C), A and B bf16 with
 * element strides (as0, as1), (bs0, bs1). 0 on success; 1 when oneDNN is missing or refuses
 * (the caller widens to float32 instead). */
int ct__gemm_bf16_dnnl(int64_t n, int64_t k, int64_t p, const uint16_t *A, int64_t as0, int64_t as1,
                       const uint16_t *B, int64_t bs0, int64_t bs1, uint16_t *C, int64_t ldc, float alpha,
                       float beta) {
  if (widen_forced() || !ct__dnnl_engine()) return 1;
  int32_t ab, bb;
  memcpy(&ab, &alpha, 4);
  memcpy(&bb, &beta, 4);
  const int64_t key[NKEY] = {n, k, p, as0, as1, bs0, bs1, ldc, ab, bb};
  /* under the lock throughout: another thread's miss may replace this entry's primitive
   * (oneDNN runs the product on all threads itself) */
  pthread_mutex_lock(&g_lock);
  entry *e = lookup(key, alpha, beta);
  dnnl_memory_t ma = NULL, mb = NULL, md = NULL;
  dnnl_stream_t s = NULL;
  int rc = 1;
  if (e && !dnnl_memory_create(&ma, &e->a, ct__dnnl_engine(), (void *)A) &&
      !dnnl_memory_create(&mb, &e->b, ct__dnnl_engine(), (void *)B) &&
      !dnnl_memory_create(&md, &e->d, ct__dnnl_engine(), C) &&
      !dnnl_stream_create(&s, ct__dnnl_engine(), dnnl_stream_default_flags)) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, md}};
    rc = dnnl_primitive_execute(e->prim, s, 3, args) || dnnl_stream_wait(s) ? 1 : 0;
  }
  if (s) dnnl_stream_destroy(s);
  if (ma) dnnl_memory_destroy(ma);
  if (mb) dnnl_memory_destroy(mb);
  if (md) dnnl_memory_destroy(md);
  pthread_mutex_unlock(&g_lock);
  return rc;
}

#endif
