/* Shared by the pooling family (pool.c, pool_max.c, pool_avg.c): window tables, the typed
 * per-plane kernels and the index scatter / gather that every max-like pool's gradient is.
 * Every pool sees its input as (planes, D, H, W), planes = N * C, contiguous; a 2d pool has
 * D = 1 and a 1d pool runs as a 2d pool over an unsqueezed input, as PyTorch 1.13 does. */
#ifndef CT_OPS_POOL_H
#define CT_OPS_POOL_H

#include "../internal.h"
#include "ctorch/functional.h"

/* The windows of one plane: output position o of spatial dim j reads inputs lo[j][o],
 * lo[j][o] + step[j], ... below hi[j][o]; cnt[j][o] is that dim's factor of an average's
 * divisor (NULL for max pools). Dims are (D, H, W). */
typedef struct pool_win {
  int64_t in[3], out[3];
  int64_t step[3];
  int64_t kern[3], stride[3]; /* sliding windows' kernel and stride (0: not sliding) */
  int64_t *lo[3], *hi[3], *cnt[3];
  int64_t *mem;
} pool_win;

/* Allocates the tables for in/out sizes (cnt too when with_cnt); -1 + "out of memory". */
int ct__pool_win_alloc(pool_win *w, const int64_t *in, const int64_t *out, bool with_cnt);
void ct__pool_win_free(pool_win *w);
/* Sliding windows (kernel k, stride s, padding p, dilation d) of dim j, as PyTorch's CPU
 * kernels clip them; cnt (when allocated) gets the padded size (count_include_pad) or the
 * clipped one. */
void ct__pool_win_sliding(pool_win *w, int j, int64_t k, int64_t s, int64_t p, int64_t d,
                          bool count_pad);
/* Adaptive windows of dim j: [floor(o * I / O), ceil((o + 1) * I / O)). */
void ct__pool_win_adaptive(pool_win *w, int j);

/* Typed kernels (float32 / float64 by x's dtype), over `planes` planes, OpenMP across them.
 * max: y, ind (ind may be NULL) from x through w. avg: y = window sums / divisor, where the
 * divisor is `divisor` when not 0, else the product of cnt (one division, avg_pool) or the
 * successive division by each cnt (seq, adaptive_avg_pool). avg_back: gx from g likewise. */
void ct__pool_max_kernel(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t planes,
                         const pool_win *w);
void ct__pool_avg_kernel(const ct_tensor *x, ct_tensor *y, int64_t planes, const pool_win *w,
                         int64_t divisor, bool seq);
void ct__pool_avg_back_kernel(const ct_tensor *g, ct_tensor *gx, int64_t planes,
                              const pool_win *w, int64_t divisor, bool seq);
/* One plane of a max pool (fractional_max_pool builds windows per plane). */
void ct__pool_max_plane(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t plane,
                        const pool_win *w);

/* gx (lead..., in spatial) = 0 with gx[plane][ind[plane][j]] += g[plane][j]: the gradient
 * of every max-like pool. Differentiable: its node, named bw_name (PyTorch's
 * MaxPool2DWithIndicesBackwardBackward0 ...), has a gather by ind as its gradient. nsp: the
 * number of trailing spatial dims the flat indices run over. */
ct_tensor *ct__pool_index_scatter(const ct_tensor *g, const ct_tensor *ind, int ndim,
                                  const int64_t *in_shape, int nsp, const char *bw_name);
/* out (ind's shape) = gg[plane][ind[plane][j]], differentiable (ct_gather). */
ct_tensor *ct__pool_index_gather(const ct_tensor *gg, const ct_tensor *ind, int nsp);

/* An int-or-tuple argument for nsp spatial dims: n == 0 gives def (def < 0 -> the error
 * ok = false), n == 1 repeats, n == nsp copies. false when the count is wrong. */
bool ct__pool_ints(ct_ints v, int nsp, const int64_t *def, int64_t *out);
/* PyTorch's check1d for the 1d composites: v has one value (or none, may_omit); 0 or -1 */
int ct__pool_check1d(const char *op, const char *arg, ct_ints v, bool may_omit);
/* PyTorch's safe_downcast<int>: every value fits int32, else "integer out of range". */
int ct__pool_int32(int n, const int64_t *v);
/* PyTorch's pooling_output_shape with its checks (stride, pad); -1 + error. */
int ct__pool_out_size(int64_t in, int64_t k, int64_t p, int64_t s, int64_t d, bool ceil,
                      int64_t *out);
/* The checked geometry of a sliding-window pool, dims (D, H, W) (D = 1 for 2d). */
typedef struct pool_geom {
  int64_t k[3], s[3], p[3], d[3], in[3], out[3], planes;
} pool_geom;
/* PyTorch's argument, rank and shape checks of max_pool2d/3d (avg: avg_pool2d/3d, whose
 * divisor_override is divisor, CT_NONE for None); 0 or -1 + error. op names the function in
 * messages ("max_pool2d"). x (N?, C, H, W) or (N?, C, D, H, W). */
int ct__pool_sliding_geom(const char *op, int nsp, const ct_tensor *x, ct_ints kernel,
                          ct_ints stride, ct_ints pad, ct_ints dil, bool ceil, bool avg,
                          int64_t divisor, pool_geom *g);
/* floating x, else PyTorch's "\"kernel\" not implemented for 'Long'" */
int ct__pool_check_float(const char *kernel, const ct_tensor *x);
/* "(3x2x2)" into buf: planes then sizes */
const char *ct__pool_sizes_str(char *buf, size_t n, int64_t planes, int nsp, const int64_t *s);

/* The trailing nsp sizes of shape, padded in front with 1s to (D, H, W). */
static inline void ct__spatial3(int ndim, const int64_t *shape, int nsp, int64_t *s3) {
  for (int j = 0; j < 3; j++) s3[j] = j < 3 - nsp ? 1 : shape[ndim - 3 + j];
}

/* A resampling op's output shape: x's shape with its last nsp sizes taken from out3 (the
 * (D, H, W) of the output), and x's own (D, H, W) in in3. 0, or -1 with PyTorch's error
 * when the shape cannot exist. Shared by the average pools and interpolate. */
static inline int ct__resampled_shape(const ct_tensor *x, int nsp, const int64_t *out3,
                                      int64_t *shape, int64_t *in3) {
  memcpy(shape, x->shape, sizeof(int64_t) * CT_MAX_DIMS);
  memcpy(shape + x->ndim - nsp, out3 + 3 - nsp, sizeof(int64_t) * (size_t)nsp);
  ct__spatial3(x->ndim, x->shape, nsp, in3);
  return ct__check_shape(x->ndim, shape);
}

#endif
