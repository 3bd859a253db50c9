/* BatchNorm2d, LayerNorm and GroupNorm forward (+ backward) beside the same calls in PyTorch
 * (bench/torch_norm.py, 2 threads): the "BatchNorm2d, LayerNorm forward+backward on
 * typical shapes". Each line: name, ms per call. */
#include <stdio.h>

#include "bench_util.h"

#define T(name, n, expr) BENCH(name, 3, n, expr)

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  /* BatchNorm2d(64) in training mode on (32, 64, 32, 32) */
  ct_tensor *x = ct_empty(CT_SHAPE(32, 64, 32, 32)), *go = ct_empty(CT_SHAPE(32, 64, 32, 32));
  bench_fill_normal(x, 1);
  bench_fill_normal(go, 2);
  ct_requires_grad_(x, true);
  ct_tensor *w = ct_ones(CT_SHAPE(64), .requires_grad = true), *b = ct_zeros(CT_SHAPE(64), .requires_grad = true);
  ct_tensor *rm = ct_zeros(CT_SHAPE(64)), *rv = ct_ones(CT_SHAPE(64));
  T("batch_norm2d 32x64x32x32 fwd", 30,
    ct_set_grad_enabled(false); ct_batch_norm(x, rm, rv, .weight = w, .bias = b, .training = true);
    ct_set_grad_enabled(true));
  T("batch_norm2d 32x64x32x32 fwd+bwd", 20,
    ct_backward(ct_batch_norm(x, rm, rv, .weight = w, .bias = b, .training = true), .gradient = go);
    ct_set_grad(x, NULL); ct_set_grad(w, NULL); ct_set_grad(b, NULL));
  /* LayerNorm(768) on (32, 128, 768) */
  ct_tensor *h = ct_empty(CT_SHAPE(32, 128, 768)), *gh = ct_empty(CT_SHAPE(32, 128, 768));
  bench_fill_normal(h, 3);
  bench_fill_normal(gh, 4);
  ct_requires_grad_(h, true);
  ct_tensor *lw = ct_ones(CT_SHAPE(768), .requires_grad = true), *lb = ct_zeros(CT_SHAPE(768), .requires_grad = true);
  T("layer_norm 32x128x768 fwd", 30,
    ct_set_grad_enabled(false); ct_layer_norm(h, CT_INTS(768), .weight = lw, .bias = lb);
    ct_set_grad_enabled(true));
  T("layer_norm 32x128x768 fwd+bwd", 20,
    ct_backward(ct_layer_norm(h, CT_INTS(768), .weight = lw, .bias = lb), .gradient = gh);
    ct_set_grad(h, NULL); ct_set_grad(lw, NULL); ct_set_grad(lb, NULL));
  /* GroupNorm(32, 64) on the BatchNorm input */
  T("group_norm32 32x64x32x32 fwd", 30,
    ct_set_grad_enabled(false); ct_group_norm(x, 32, .weight = w, .bias = b); ct_set_grad_enabled(true));
  T("group_norm32 32x64x32x32 fwd+bwd", 20,
    ct_backward(ct_group_norm(x, 32, .weight = w, .bias = b), .gradient = go);
    ct_set_grad(x, NULL); ct_set_grad(w, NULL); ct_set_grad(b, NULL));
  ct_scope_end();
  return 0;
}
