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

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  ct_set_num_threads(threads);
  ct_manual_seed(0);
  ct_module *m = ct_nn_transformer_encoder(
      ct_nn_transformer_encoder_layer(256, 8, .dim_feedforward = 1024, .batch_first = true), 2, NULL);
  bench_params ps = bench_params_of(m);
  ct_optim *o = m && ps.v ? ct_optim_adam(ps.v, ps.n, .lr = 1e-3) : NULL;
  ct_tensor *x = ct_keep(ct_randn(CT_SHAPE(8, 128, 256)));
  ct_tensor *y = ct_keep(ct_randn(CT_SHAPE(8, 128, 256)));
  if (!o || !x || !y) {
    fprintf(stderr, "setup failed: %s\n", ct_last_error());
    return 1;
  }
  BENCH("transformer-enc2 d256 s128 b8", 2, 10, {
    ct_optim_zero_grad(o, false);
    if (ct_backward(ct_mse_loss(ct_forward(m, x), y)) != 0 || ct_optim_step(o) != 0) {
      fprintf(stderr, "step failed: %s\n", ct_last_error());
      return 1;
    }
  });
  ct_optim_free(o);
  bench_params_free(&ps);
  ct_release(x);
  ct_release(y);
  ct_module_free(m);
  return 0;
}
