/* float32 convolutions through oneDNN (the library PyTorch 1.13 runs its CPU convolutions
 * on): the three maps of conv.h as oneDNN forward, backward-data and backward-weights
 * primitives. Our tensors are plain (N, C, spatial) row-major; the primitive picks its own
 * blocked layouts (format "any") and we reorder into and out of them, as PyTorch does.
 *
 * Which algorithm (measured on the 2-core AVX-512 machine, conv3x3 16x32x32 fwd + both
 * backward maps): oneDNN's direct kernels beat im2col + OpenBLAS by 1.1-1.5x once both
 * channel counts are 16 or more (below that its 16-channel blocks are mostly padding, and
 * for small problems its set-up costs more than the work). A 3x3, stride-1 2-d convolution
 * of at least 8x8 outputs takes oneDNN's Winograd F(4x4, 3x3) kernels instead (PyTorch
 * asks for direct ones): 2-3x fewer multiplies, results within float32 rounding of the
 * direct sum (relative error ~1e-5 of the output's scale against ~3e-6). Winograd runs one
 * single-threaded primitive per thread on its share of the batch: over the whole batch
 * with 2 threads, oneDNN picks a schedule whose transformed tensors spill the cache (at 128
 * channels slower than direct); per share it is 2x faster than direct.
 *
 * Returns 1 ("use the im2col path") whenever oneDNN is absent, declines the problem, or
 * the im2col path is forced: CT_CONV_IM2COL=1 in the environment or ct__conv_force_im2col
 * (the tests reach the exact fallback that way). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "conv.h"

#ifndef CT_HAVE_DNNL

int ct__conv_dnnl(conv_map map, const conv_dnnl_io *io, int64_t N, int64_t C, int64_t Co,
                  const conv_geom *g) {
  return 1;
}

void ct__conv_force_im2col(int on) {}

#else

#include "../tensor/cpu.h"
#include "dnnl_engine.h"
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static dnnl_engine_t g_engine;
static pthread_once_t g_engine_once = PTHREAD_ONCE_INIT;
static void engine_init(void) {
  if (dnnl_engine_create(&g_engine, dnnl_cpu, 0) != dnnl_success) g_engine = NULL;
}
dnnl_engine_t ct__dnnl_engine(void) {
  pthread_once(&g_engine_once, engine_init);
  return g_engine;
}

/* -1: not read yet; 0: use oneDNN; 1: the im2col path is forced (CT_CONV_IM2COL=1) */
static atomic_int g_force_im2col = -1;
void ct__conv_force_im2col(int on) {
  atomic_store_explicit(&g_force_im2col, on ? 1 : 0, memory_order_relaxed);
}
static bool im2col_forced(void) { return ct__env_switch(&g_force_im2col, "CT_CONV_IM2COL"); }

/* The row-major tag of an n-d tensor: dnnl_a, dnnl_ab, ... */
static dnnl_format_tag_t plain_tag(int n) {
  static const dnnl_format_tag_t t[] = {dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde, dnnl_abcdef};
  return t[n - 1];
}

/* One operand of the primitive: the caller's buffer (plain layout) and, when the primitive
 * wants another layout, its own copy in that layout. */
typedef struct {
  dnnl_memory_t user, prim;
} operand;

/* Wraps buf (plain, dims d of n) for a primitive that wants layout `want`, with a copy in
 * that layout when it differs. 0 or -1. */
static int operand_init(operand *o, int n, const dnnl_dims_t d, const dnnl_memory_desc_t *want,
                        void *buf) {
  dnnl_memory_desc_t md;
  o->user = o->prim = NULL;
  if (dnnl_memory_desc_init_by_tag(&md, n, d, dnnl_f32, plain_tag(n)) != dnnl_success ||
      dnnl_memory_create(&o->user, &md, g_engine, buf) != dnnl_success)
    return -1;
  if (dnnl_memory_desc_equal(&md, want)) return 0;
  return dnnl_memory_create(&o->prim, want, g_engine, DNNL_MEMORY_ALLOCATE) == dnnl_success ? 0 : -1;
}

/* Copies src into dst (different layouts of one tensor). 0 or -1. */
static int reorder(dnnl_memory_t src, dnnl_memory_t dst, dnnl_stream_t s) {
  const dnnl_memory_desc_t *smd, *dmd;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_t p = NULL;
  int rc = -1;
  if (dnnl_memory_get_memory_desc(src, &smd) == dnnl_success &&
      dnnl_memory_get_memory_desc(dst, &dmd) == dnnl_success &&
      dnnl_reorder_primitive_desc_create(&pd, smd, g_engine, dmd, g_engine, NULL) == dnnl_success &&
      dnnl_primitive_create(&p, pd) == dnnl_success) {
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}};
    rc = dnnl_primitive_execute(p, s, 2, args) == dnnl_success ? 0 : -1;
  }
  if (p) dnnl_primitive_destroy(p);
  if (pd) dnnl_primitive_desc_destroy(pd);
  return rc;
}

static dnnl_memory_t operand_mem(const operand *o) { return o->prim ? o->prim : o->user; }

static void operand_free(operand *o) {
  if (o->prim) dnnl_memory_destroy(o->prim);
  if (o->user) dnnl_memory_destroy(o->user);
}

/* The oneDNN sizes of one geometry: dims of x (N, C, S), w ([G,] Co/G, C/G, K), y (N, Co,
 * O), strides, dilations (oneDNN counts them from 0), left and right paddings. False when
 * oneDNN cannot express it (a right padding below zero: a transposed convolution's
 * output_padding beyond the last tap). */
typedef struct {
  int nd, wnd; /* ranks of x / y and of w */
  dnnl_dims_t x, w, y, st, dl, pl, pr;
} dn_sizes;
static bool dn_sizes_of(dn_sizes *z, int64_t N, int64_t C, int64_t Co, const conv_geom *g) {
  int nsp = g->nsp, off = 3 - nsp;
  int64_t G = g->groups;
  z->nd = nsp + 2;
  z->wnd = nsp + 2 + (G > 1);
  z->x[0] = z->y[0] = N, z->x[1] = C, z->y[1] = Co;
  int k = 0;
  if (G > 1) z->w[k++] = G;
  z->w[k++] = Co / G, z->w[k++] = C / G;
  for (int i = 0; i < nsp; i++) {
    int d = off + i;
    z->x[2 + i] = g->S[d], z->y[2 + i] = g->O[d], z->w[k + i] = g->K[d];
    z->st[i] = g->stride[d], z->dl[i] = g->dil[d] - 1, z->pl[i] = g->pad[d];
    z->pr[i] = (g->O[d] - 1) * g->stride[d] + (g->K[d] - 1) * g->dil[d] + 1 - g->S[d] - g->pad[d];
    if (z->pr[i] < 0) return false;
  }
  return true;
}

/* dst (N, Ch, vol) += bias (Ch) */
static void add_bias(float *dst, const float *bias, int64_t N, int64_t Ch, int64_t vol) {
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < Ch; c++) {
      float b = bias[c], *p = dst + (n * Ch + c) * vol;
      for (int64_t i = 0; i < vol; i++) p[i] += b;
    }
}

/* The primitive descriptor of `map` over sizes z (layouts left to oneDNN); NULL when
 * oneDNN has no implementation. */
static dnnl_primitive_desc_t make_pd(conv_map map, const dn_sizes *z, bool with_bias,
                                     dnnl_alg_kind_t alg) {
  dnnl_memory_desc_t x, w, y, b;
  dnnl_dims_t bd = {z->y[1]};
  if (dnnl_memory_desc_init_by_tag(&x, z->nd, z->x, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&w, z->wnd, z->w, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&y, z->nd, z->y, dnnl_f32, dnnl_format_tag_any) ||
      dnnl_memory_desc_init_by_tag(&b, 1, bd, dnnl_f32, dnnl_a))
    return NULL;
  dnnl_convolution_desc_t fd, bdsc;
  dnnl_primitive_desc_t fpd = NULL, pd = NULL;
  if (dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training, alg, &x, &w,
                                                 with_bias ? &b : NULL, &y, z->st, z->dl, z->pl,
                                                 z->pr) ||
      dnnl_primitive_desc_create(&fpd, &fd, NULL, g_engine, NULL))
    return NULL;
  if (map == CONV_MAP_FWD) return fpd;
  dnnl_status_t st =
      map == CONV_MAP_DATA
          ? dnnl_dilated_convolution_backward_data_desc_init(&bdsc, alg, &x, &w, &y, z->st, z->dl,
                                                             z->pl, z->pr)
          : dnnl_dilated_convolution_backward_weights_desc_init(&bdsc, alg, &x, &w, NULL, &y, z->st,
                                                                z->dl, z->pl, z->pr);
  if (st == dnnl_success) st = dnnl_primitive_desc_create(&pd, &bdsc, NULL, g_engine, fpd);
  dnnl_primitive_desc_destroy(fpd);
  return st == dnnl_success ? pd : NULL;
}

/* `map` over the batch of z with algorithm alg, on oneDNN's threads (the calling thread's
 * OpenMP count). 0, or 1 when oneDNN declines or fails. */
static int run(conv_map map, const conv_dnnl_io *io, const dn_sizes *zp, dnnl_alg_kind_t alg,
               const conv_geom *g) {
  const dn_sizes z = *zp;
  int64_t N = z.x[0], C = z.x[1], Co = z.y[1];
  bool fwd_bias = map == CONV_MAP_FWD && io->bias;
  dnnl_primitive_desc_t pd = make_pd(map, &z, fwd_bias, alg);
  if (!pd) return 1;
  /* the operands: x, w, y in the roles of the map (the output one last) */
  static const dnnl_query_t q[3][3] = {
      {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md},
      {dnnl_query_diff_src_md, dnnl_query_weights_md, dnnl_query_diff_dst_md},
      {dnnl_query_src_md, dnnl_query_diff_weights_md, dnnl_query_diff_dst_md}};
  static const int arg[3][3] = {
      {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST},
      {DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST},
      {DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_DST}};
  int out = map == CONV_MAP_FWD ? 2 : map == CONV_MAP_DATA ? 0 : 1; /* the output's slot */
  void *buf[3] = {(void *)io->x, (void *)io->w, (void *)io->y};
  const int64_t *dims[3] = {z.x, z.w, z.y};
  int nd[3] = {z.nd, z.wnd, z.nd};
  operand op[3] = {{0}}, bias = {0};
  dnnl_stream_t s = NULL;
  dnnl_primitive_t p = NULL;
  int rc = 1;
  if (dnnl_stream_create(&s, g_engine, dnnl_stream_default_flags)) goto done;
  for (int i = 0; i < 3; i++) {
    if (operand_init(&op[i], nd[i], dims[i], dnnl_primitive_desc_query_md(pd, q[map][i], 0),
                     buf[i]))
      goto done;
    if (i != out && op[i].prim && reorder(op[i].user, op[i].prim, s)) goto done;
  }
  dnnl_dims_t bd = {Co};
  if (fwd_bias && operand_init(&bias, 1, bd,
                               dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1),
                               (void *)io->bias))
    goto done;
  if (dnnl_primitive_create(&p, pd)) goto done;
  dnnl_exec_arg_t args[4];
  int na = 0;
  for (int i = 0; i < 3; i++) args[na++] = (dnnl_exec_arg_t){arg[map][i], operand_mem(&op[i])};
  if (fwd_bias) args[na++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, operand_mem(&bias)};
  if (dnnl_primitive_execute(p, s, na, args)) goto done;
  if (op[out].prim && reorder(op[out].prim, op[out].user, s)) goto done;
  if (dnnl_stream_wait(s)) goto done;
  if (map == CONV_MAP_DATA && io->bias) add_bias(io->x, io->bias, N, C, g->S[0] * g->S[1] * g->S[2]);
  rc = 0;
done:
  if (p) dnnl_primitive_destroy(p);
  for (int i = 0; i < 3; i++) operand_free(&op[i]);
  operand_free(&bias);
  if (s) dnnl_stream_destroy(s);
  dnnl_primitive_desc_destroy(pd);
  return rc;
}

/* Winograd over the batch split in contiguous shares, one single-threaded primitive per
 * thread; the weight gradient is summed from per-thread buffers in thread order (the result
 * does not depend on timing). 0, or 1 when oneDNN declines any share. */
static int run_winograd_split(conv_map map, const conv_dnnl_io *io, const dn_sizes *z,
                              const conv_geom *g) {
  int64_t N = z->x[0];
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (nt > N) nt = (int)N;
  if (nt < 1) nt = 1;
  size_t sx = 1, sy = 1, wn = 1; /* floats per sample of x and y, of w */
  for (int i = 1; i < z->nd; i++) sx *= (size_t)z->x[i], sy *= (size_t)z->y[i];
  for (int i = 0; i < z->wnd; i++) wn *= (size_t)z->w[i];
  float *bufs = NULL;
  if (map == CONV_MAP_WEIGHT && nt > 1 && !(bufs = malloc((size_t)(nt - 1) * wn * sizeof(float))))
    return 1;
  int failed = 0;
#pragma omp parallel num_threads(nt) if (nt > 1) reduction(| : failed)
  {
    int t = nt > 1 ? omp_get_thread_num() : 0;
    int64_t n0 = N * t / nt, n1 = N * (t + 1) / nt;
    if (nt > 1) omp_set_num_threads(1); /* this share runs (and is planned) on one thread */
    dn_sizes zt = *z;
    zt.x[0] = zt.y[0] = n1 - n0;
    conv_dnnl_io part = {(float *)io->x + (size_t)n0 * sx, io->w, (float *)io->y + (size_t)n0 * sy,
                         io->bias};
    if (map == CONV_MAP_WEIGHT && t > 0) part.w = bufs + (size_t)(t - 1) * wn;
    if (n1 > n0) failed |= run(map, &part, &zt, dnnl_convolution_winograd, g);
  }
  if (!failed && bufs) {
    float *gw = io->w;
    for (int t = 1; t < nt; t++) {
      const float *b = bufs + (size_t)(t - 1) * wn;
      for (size_t i = 0; i < wn; i++) gw[i] += b[i];
    }
  }
  free(bufs);
  return failed ? 1 : 0;
}

/* A 3x3, stride-1, undilated 2-d convolution of at least 8x8 outputs, ungrouped: where
 * Winograd pays (below 8x8 its tiles are mostly padding). */
static bool winograd_shape(const conv_geom *g) {
  return g->nsp == 2 && g->groups == 1 && g->K[1] == 3 && g->K[2] == 3 && g->stride[1] == 1 &&
         g->stride[2] == 1 && g->dil[1] == 1 && g->dil[2] == 1 && g->O[1] >= 8 && g->O[2] >= 8;
}

int ct__conv_dnnl(conv_map map, const conv_dnnl_io *io, int64_t N, int64_t C, int64_t Co,
                  const conv_geom *g) {
  int64_t G = g->groups, L = g->O[0] * g->O[1] * g->O[2], Kvol = g->K[0] * g->K[1] * g->K[2];
  if (im2col_forced() || N < 1 || C / G < 16 || Co / G < 16) return 1;
  if ((double)N * (double)Co * (double)L * (double)(C / G) * (double)Kvol < 4e6) return 1;
  dn_sizes z;
  if (!dn_sizes_of(&z, N, C, Co, g)) return 1;
  if (!ct__dnnl_engine()) return 1;
  if (winograd_shape(g) && !run_winograd_split(map, io, &z, g)) return 0;
  return run(map, io, &z, dnnl_convolution_direct, g);
}

#endif /* CT_HAVE_DNNL */
