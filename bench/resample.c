/* Resampling beside the same calls in PyTorch (bench/torch_resample.py, 2 threads):
 * F.interpolate bilinear x2 and F.grid_sample bilinear on a (8, 32, 64, 64) float32 batch,
 * forward (no grad) and forward+backward with a given gradient. Each line: name, ms per call. */
#include <stdio.h>

#include "bench_util.h"

#define T(name, n, expr) BENCH(name, 3, n, expr)

static ct_tensor *normal(int nd, const int64_t *shape, uint64_t seed) {
  ct_tensor *t = ct_empty(nd, shape);
  bench_fill_normal(t, seed);
  return t;
}

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_tensor *x = ct_requires_grad_(normal(CT_SHAPE(8, 32, 64, 64), 1), true);
  ct_tensor *gu = normal(CT_SHAPE(8, 32, 128, 128), 2);
  T("bilinear x2 8x32x64x64 fwd", 20,
    ct_set_grad_enabled(false);
    ct_interpolate(x, .scale_factor = CT_FLOATS(2), .mode = CT_INTERP_BILINEAR);
    ct_set_grad_enabled(true));
  T("bilinear x2 8x32x64x64 fwd+bwd", 10,
    ct_backward(ct_interpolate(x, .scale_factor = CT_FLOATS(2), .mode = CT_INTERP_BILINEAR), .gradient = gu);
    ct_set_grad(x, NULL));
  /* a grid of points in (-1.1, 1.1): a few fall outside (zeros padding) */
  ct_tensor *grid = ct_requires_grad_(ct_mul_scalar(ct_tanh(normal(CT_SHAPE(8, 64, 64, 2), 3)), 1.1), true);
  ct_tensor *gg = normal(CT_SHAPE(8, 32, 64, 64), 4);
  T("grid_sample 8x32x64x64 fwd", 20,
    ct_set_grad_enabled(false); ct_grid_sample(x, grid); ct_set_grad_enabled(true));
  T("grid_sample 8x32x64x64 fwd+bwd", 10,
    ct_backward(ct_grid_sample(x, grid), .gradient = gg); ct_set_grad(x, NULL); ct_set_grad(grid, NULL));
  ct_scope_end();
  return 0;
}
