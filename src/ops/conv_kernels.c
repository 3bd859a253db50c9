/* Convolution kernels: im2col + BLAS GEMM per sample and group (a 1x1, stride-1, unpadded
 * convolution is a plain GEMM on the input), float and double. Samples are split across
 * OpenMP threads; OpenBLAS (the OpenMP build) runs single-threaded inside a parallel region,
 * so the two never oversubscribe; a batch of one leaves the threads to BLAS instead. */
#include <cblas.h>
#include <omp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"

/* Output positions o in [lo, hi) whose input position o * st + off lies in [0, S). */
static void conv_valid_range(int64_t off, int64_t st, int64_t S, int64_t O, int64_t *lo,
                             int64_t *hi) {
  int64_t l = off >= 0 ? 0 : (-off + st - 1) / st;
  int64_t h = S - 1 - off < 0 ? 0 : (S - 1 - off) / st + 1;
  if (h > O) h = O;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

/* A 1x1 kernel, stride 1, no padding, same size: the input is its own column matrix. */
static bool conv_is_pointwise(const conv_geom *g) {
  for (int d = 0; d < 3; d++)
    if (g->K[d] != 1 || g->stride[d] != 1 || g->pad[d] != 0 || g->S[d] != g->O[d]) return false;
  return true;
}

/* Threads for a batch of N samples of `work` multiply-adds each: one sample per thread at
 * most, and none for work too small to pay for a parallel region. */
static int conv_threads(int64_t N, int64_t work) {
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (N < nt) nt = (int)N;
  if (N * work < 200000) nt = 1;
  return nt < 1 ? 1 : nt;
}

/* The GEMM sizes of one convolution: per group Cg input and Cog output channels, Kc = Cg *
 * kernel volume rows of the column matrix, L output positions, Svol input positions. */
typedef struct {
  int64_t G, Cg, Cog, Kc, L, Svol;
  bool direct; /* pointwise: no column matrix */
  int nt;      /* threads over the batch */
} conv_dims;
static conv_dims conv_dims_of(int64_t N, int64_t C, int64_t Co, const conv_geom *g) {
  conv_dims d = {.G = g->groups, .Cg = C / g->groups, .Cog = Co / g->groups};
  d.Kc = d.Cg * g->K[0] * g->K[1] * g->K[2];
  d.L = g->O[0] * g->O[1] * g->O[2];
  d.Svol = g->S[0] * g->S[1] * g->S[2];
  d.direct = conv_is_pointwise(g);
  d.nt = conv_threads(N, Co * d.L * d.Kc);
  return d;
}

#define CT_TEMPLATE "ops/conv_impl.h"
#define CT_FLOATS_ONLY
#include "../each_dtype.h"

int ct__conv_fwd(bool f64, void *y, const void *x, const void *w, const void *bias, int64_t N,
                 int64_t C, int64_t Co, const conv_geom *g) {
  if (!f64 && !ct__conv_dnnl(CONV_MAP_FWD, &(conv_dnnl_io){(void *)x, (void *)w, y, bias}, N, C, Co, g))
    return 0;
  return f64 ? conv_fwd_f64(y, x, w, bias, N, C, Co, g) : conv_fwd_f32(y, x, w, bias, N, C, Co, g);
}

int ct__conv_bwd_data(bool f64, void *gx, const void *gy, const void *w, const void *bias,
                      int64_t N, int64_t C, int64_t Co, const conv_geom *g) {
  if (!f64 && !ct__conv_dnnl(CONV_MAP_DATA, &(conv_dnnl_io){gx, (void *)w, (void *)gy, bias}, N, C, Co, g))
    return 0;
  return f64 ? conv_bwd_data_f64(gx, gy, w, bias, N, C, Co, g)
             : conv_bwd_data_f32(gx, gy, w, bias, N, C, Co, g);
}

int ct__conv_bwd_weight(bool f64, void *gw, const void *x, const void *gy, int64_t N, int64_t C,
                        int64_t Co, const conv_geom *g) {
  if (!f64 && !ct__conv_dnnl(CONV_MAP_WEIGHT, &(conv_dnnl_io){(void *)x, gw, (void *)gy, NULL}, N, C, Co, g))
    return 0;
  return f64 ? conv_bwd_weight_f64(gw, x, gy, N, C, Co, g)
             : conv_bwd_weight_f32(gw, x, gy, N, C, Co, g);
}
