/* The LSTM training step of /work/shared/bench/torch_ref.py's "lstm2x256 seq35 b32":
 *   Embedding(10000, 128) -> LSTM(128, 256, num_layers=2, batch_first=True) -> Linear(256, 5)
 *   on the last step's output, F.cross_entropy, torch.optim.Adam(lr=1e-3); x (32, 35) int64
 *   tokens, y (32,) classes; a step is o.zero_grad(); l = loss(model(x), y); l.backward();
 *   o.step() (zero_grad zeroes, 1.13's set_to_none=False); 2 warm-up steps, the mean of 10.
 * Usage: bench_rnn [threads] (default 2, torch_ref.py's); compare with
 *   /usr/bin/python3 /work/shared/bench/torch_ref.py 2 lstm */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

typedef struct {
  ct_module base;
  ct_module *emb, *lstm, *fc;
} LSTMC;

static int lstmc_forward(ct_module *m, const ct_values *in, ct_values *out) {
  LSTMC *s = (LSTMC *)m;
  ct_values r;
  if (ct_module_call(s->lstm, &CT_VALUES(ct_v_tensor(ct_forward(s->emb, ct_values_tensor(in, 0)))), &r) != 0)
    return -1;
  ct_tensor *o = ct_values_tensor(&r, 0); /* (B, T, 256): o[:, -1, :] */
  ct_tensor *y = ct_forward(s->fc, ct_select(o, 1, -1));
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}
static const ct_module_kind LSTMC_kind = {.name = "LSTMC", .size = sizeof(LSTMC), .forward = lstmc_forward};

static ct_tensor *loss(const ct_tensor *out, const ct_tensor *y) { return ct_cross_entropy(out, y); }

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  ct_set_num_threads(threads);
  ct_manual_seed(0);
  ct_module *m = ct_module_new(&LSTMC_kind);
  LSTMC *s = (LSTMC *)m;
  s->emb = ct_module_register_module(m, "emb", ct_nn_embedding(10000, 128));
  s->lstm = ct_module_register_module(m, "lstm", ct_nn_lstm(128, 256, .num_layers = 2, .batch_first = true));
  s->fc = ct_module_register_module(m, "fc", ct_nn_linear(256, 5));
  ct_tensor *x = ct_keep(ct_randint(0, 10000, CT_SHAPE(32, 35)));
  ct_tensor *y = ct_keep(ct_randint(0, 5, CT_SHAPE(32)));
  return bench_train_adam("lstm2x256 seq35 b32", m, x, y, 1e-3, loss);
}
