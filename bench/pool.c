/* MaxPool2d / AvgPool2d / AdaptiveAvgPool2d forward and forward+backward beside the same calls
 * in PyTorch (bench/torch_pool.py, 2 threads), on BasicCNN / ResNet-like shapes. Each line:
 * name, ms per call; a fwd+bwd line is y = pool(x); y.backward(g); x.grad = None. */
#include <stdio.h>

#include "bench_util.h"

#define T(name, n, expr) BENCH(name, 3, n, expr)

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_tensor *x = ct_empty(CT_SHAPE(32, 64, 32, 32));
  bench_fill_normal(x, 1);
  ct_tensor *xg = ct_detach(x);
  ct_requires_grad_(xg, true);
  ct_tensor *g2 = ct_ones(CT_SHAPE(32, 64, 16, 16)), *g3 = ct_ones(CT_SHAPE(32, 64, 15, 15));
  ct_tensor *g3p = ct_ones(CT_SHAPE(32, 64, 16, 16)), *g1 = ct_ones(CT_SHAPE(32, 64, 1, 1));
  T("maxpool2d k2 32x64x32x32 fwd", 50, ct_max_pool2d(x, CT_INTS(2)));
  T("maxpool2d k2 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_max_pool2d(xg, CT_INTS(2)), .gradient = g2); ct_set_grad(xg, NULL));
  T("maxpool2d k3s2 32x64x32x32 fwd", 50, ct_max_pool2d(x, CT_INTS(3), .stride = CT_INTS(2)));
  T("maxpool2d k3s2 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_max_pool2d(xg, CT_INTS(3), .stride = CT_INTS(2)), .gradient = g3); ct_set_grad(xg, NULL));
  T("maxpool2d k3s2p1 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_max_pool2d(xg, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)), .gradient = g3p);
    ct_set_grad(xg, NULL));
  T("avgpool2d k2 32x64x32x32 fwd", 50, ct_avg_pool2d(x, CT_INTS(2)));
  T("avgpool2d k2 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_avg_pool2d(xg, CT_INTS(2)), .gradient = g2); ct_set_grad(xg, NULL));
  T("avgpool2d k3s2 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_avg_pool2d(xg, CT_INTS(3), .stride = CT_INTS(2)), .gradient = g3); ct_set_grad(xg, NULL));
  T("adaptiveavg 1 32x64x32x32 fwd+bwd", 30,
    ct_backward(ct_adaptive_avg_pool2d(xg, CT_INTS(1)), .gradient = g1); ct_set_grad(xg, NULL));
  ct_scope_end();
  return 0;
}
