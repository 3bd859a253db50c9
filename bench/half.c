/* bfloat16 Linear forward+backward beside the same work in PyTorch 1.13 (bench/half_ref.py):
 * issue 12's "bfloat16 Linear forward+backward no slower". A (256, 1024) bfloat16 batch
 * through Linear(1024, 1024) with bias, backward with a given bfloat16 gradient, the input's
 * and the parameters' gradients computed. Usage: half [threads] (default 1). Each line: name,
 * ms per step. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

static ct_tensor *normal_bf16(int nd, const int64_t *shape, uint64_t seed) {
  ct_tensor *t = ct_empty(nd, shape);
  bench_fill_normal(t, seed);
  return ct_to(t, CT_BFLOAT16);
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  ct_scope_begin();
  ct_set_num_threads(threads);
  ct_tensor *x = ct_requires_grad_(normal_bf16(CT_SHAPE(256, 1024), 1), true);
  ct_tensor *w = ct_requires_grad_(normal_bf16(CT_SHAPE(1024, 1024), 2), true);
  ct_tensor *b = ct_requires_grad_(normal_bf16(CT_SHAPE(1024), 3), true);
  ct_tensor *go = normal_bf16(CT_SHAPE(256, 1024), 4);
  char name[64];
  snprintf(name, sizeof name, "bf16 linear 256x1024->1024 fwd %dt", threads);
  BENCH(name, 3, 30, ct_set_grad_enabled(false); ct_linear(x, w, b); ct_set_grad_enabled(true));
  snprintf(name, sizeof name, "bf16 linear 256x1024->1024 fwd+bwd %dt", threads);
  BENCH(name, 3, 30, ct_set_grad(x, NULL); ct_set_grad(w, NULL); ct_set_grad(b, NULL);
        ct_backward(ct_linear(x, w, b), .gradient = go));
  ct_scope_end();
  return 0;
}
