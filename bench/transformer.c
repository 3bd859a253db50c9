/* The Transformer training step of /work/shared/bench/torch_ref.py's
 * "transformer-enc2 d256 s128 b8":
 *   TransformerEncoder(TransformerEncoderLayer(256, 8, 1024, batch_first=True), 2) (dropout
 *   0.1, training mode), F.mse_loss against a randn target, torch.optim.Adam(lr=1e-3); x and y
 *   (8, 128, 256) randn; a step is o.zero_grad(); l = loss(model(x), y); l.backward();
 *   o.step(); 2 warm-up steps, the mean of 10.
 * Usage: bench_transformer [threads] (default 2, torch_ref.py's); compare with
 *   /usr/bin/python3 /work/shared/bench/torch_ref.py 2 transformer */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

static ct_tensor *loss(const ct_tensor *out, const ct_tensor *y) { return ct_mse_loss(out, y); }

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  ct_set_num_threads(threads);
  ct_manual_seed(0);
  ct_module *m = ct_nn_transformer_encoder(
      ct_nn_transformer_encoder_layer(256, 8, .dim_feedforward = 1024, .batch_first = true), 2, NULL);
  ct_tensor *x = ct_keep(ct_randn(CT_SHAPE(8, 128, 256)));
  ct_tensor *y = ct_keep(ct_randn(CT_SHAPE(8, 128, 256)));
  return bench_train_adam("transformer-enc2 d256 s128 b8", m, x, y, 1e-3, loss);
}
