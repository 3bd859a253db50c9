/* Linear + ReLU forward+backward beside the same work in PyTorch (bench/torch_linear.py, 2
 * threads): the "Linear+ReLU forward+backward on typical shapes no slower". The MLPs
 * are torch_ref.py's "mlp784" and "tiny-mlp16" models as nn modules, each step zero_grad +
 * forward + loss + backward without the optimizer step; the loss is cross entropy written
 * as -(log_softmax(y) * one_hot).sum() / B on both sides (losses are another issue's).
 * Each line: name, ms per step. */
#include <stdio.h>

#include "bench_util.h"

/* -(log_softmax(y, 1) * onehot).sum() / batch */
static ct_tensor *loss(ct_tensor *y, ct_tensor *onehot) {
  return ct_div_scalar(ct_neg(ct_sum(ct_mul(ct_log_softmax(y, 1), onehot))), (double)ct_size(y, 0));
}

static void step(ct_module *m, ct_tensor *x, ct_tensor *onehot) {
  ct_module_zero_grad(m, false);
  ct_backward(loss(ct_forward(m, x), onehot));
}

static ct_tensor *normal(int nd, const int64_t *shape, uint64_t seed) {
  ct_tensor *t = ct_empty(nd, shape);
  bench_fill_normal(t, seed);
  return t;
}

/* one-hot targets i % classes */
static ct_tensor *targets(int64_t batch, int64_t classes) {
  ct_tensor *t = ct_zeros(CT_SHAPE(batch, classes));
  float *p = ct_data_ptr(t);
  for (int64_t i = 0; i < batch; i++) p[i * classes + (i * 7) % classes] = 1;
  return t;
}

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_manual_seed(0);
  /* one layer: relu(linear(x)) on (64, 784) -> 512, backward with a given gradient */
  ct_tensor *x = ct_requires_grad_(normal(CT_SHAPE(64, 784), 1), true), *go = normal(CT_SHAPE(64, 512), 2);
  ct_module *fc = ct_nn_linear(784, 512);
  ct_tensor *w = ct_module_get_parameter(fc, "weight"), *b = ct_module_get_parameter(fc, "bias");
  BENCH("linear+relu 64x784->512 fwd", 5, 200,
        ct_set_grad_enabled(false); ct_relu(ct_linear(x, w, b)); ct_set_grad_enabled(true));
  BENCH("linear+relu 64x784->512 fwd+bwd", 5, 100,
        ct_module_zero_grad(fc, false); ct_set_grad(x, NULL);
        ct_backward(ct_relu(ct_linear(x, w, b)), .gradient = go));
  ct_module_free(fc);
  /* torch_ref.py's mlp784 b64 without the SGD step */
  ct_module *mlp = ct_nn_sequential(ct_nn_linear(784, 512), ct_nn_relu(false), ct_nn_linear(512, 256),
                                    ct_nn_relu(false), ct_nn_linear(256, 128), ct_nn_relu(false),
                                    ct_nn_linear(128, 10));
  ct_tensor *xm = normal(CT_SHAPE(64, 784), 3), *ym = targets(64, 10);
  BENCH("mlp784 b64 fwd+bwd", 5, 100, step(mlp, xm, ym));
  ct_module_free(mlp);
  /* torch_ref.py's tiny-mlp16 b4 (overhead-bound) without the SGD step */
  ct_module *tiny = ct_nn_sequential(ct_nn_linear(16, 64), ct_nn_relu(false), ct_nn_linear(64, 10));
  ct_tensor *xt = normal(CT_SHAPE(4, 16), 4), *yt = targets(4, 10);
  BENCH("tiny-mlp16 b4 fwd+bwd", 50, 2000, step(tiny, xt, yt));
  ct_module_free(tiny);
  ct_scope_end();
  return 0;
}
