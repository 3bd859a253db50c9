/* Convolution kernels shared by conv.c (autograd and checks) and conv_kernels.c (im2col +
 * BLAS). Internal. */
#ifndef CT_OPS_CONV_H
#define CT_OPS_CONV_H

#include <stdint.h>

/* One convolution's geometry, always in three spatial dims: a 1-d or 2-d convolution gets
 * leading dims of size 1 (S = O = K = stride = dilation = 1, pad 0). The convolution maps
 * x (N, C, S) with weight (Co, C/groups, K) to y (N, Co, O): output position o reads input
 * position o * stride - pad + k * dilation, zero outside [0, S). O is given, not derived, so
 * the adjoint maps (a transposed convolution's output_padding, gradients) use the same map. */
typedef struct conv_geom {
  int nsp; /* spatial dims of the tensors: 1, 2 or 3 */
  int64_t groups;
  int64_t S[3], O[3], K[3], stride[3], pad[3], dil[3];
} conv_geom;

/* y (N, Co, O) = conv(x (N, C, S), w (Co, C/G, K)), + bias (Co) when not NULL. */
int ct__conv_fwd(bool f64, void *y, const void *x, const void *w, const void *bias, int64_t N,
                 int64_t C, int64_t Co, const conv_geom *g);
/* gx (N, C, S) = conv^T(gy (N, Co, O), w (Co, C/G, K)), + bias (C) when not NULL: the
 * gradient of conv's input and the transposed convolution's forward. */
int ct__conv_bwd_data(bool f64, void *gx, const void *gy, const void *w, const void *bias,
                      int64_t N, int64_t C, int64_t Co, const conv_geom *g);
/* gw (Co, C/G, K) = sum over n, o of gy (N, Co, O) times x (N, C, S) at the mapped position. */
int ct__conv_bwd_weight(bool f64, void *gw, const void *x, const void *gy, int64_t N, int64_t C,
                        int64_t Co, const conv_geom *g);

/* The three maps of a convolution: CONV_MAP_FWD y = conv(x, w) (+ bias per y channel),
 * CONV_MAP_DATA x = conv^T(y, w) (+ bias per x channel), CONV_MAP_WEIGHT w = dconv/dw(x, y).
 * io holds the buffers of x, w, y (the map's output among them) and the bias or NULL. */
typedef enum { CONV_MAP_FWD, CONV_MAP_DATA, CONV_MAP_WEIGHT } conv_map;
typedef struct {
  void *x, *w, *y;
  const void *bias;
} conv_dnnl_io;
/* float32 `map` through oneDNN: 0 done, 1 not taken (no oneDNN, a geometry it declines, a
 * failure, or CT_CONV_IM2COL=1 in the environment): the caller runs the im2col path. */
int ct__conv_dnnl(conv_map map, const conv_dnnl_io *io, int64_t N, int64_t C, int64_t Co,
                  const conv_geom *g);
/* Forces (on != 0) or releases the im2col path for every convolution: tests compare the two. */
void ct__conv_force_im2col(int on);

#endif
