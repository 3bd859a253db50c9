/* Conv2d 3x3 forward + backward, as /work/shared/bench/torch_ref.py's "conv3x3 c{64,128}
 * 16x32x32 fwd+bwd": Conv2d(c, c, 3, padding=1) with bias on x (16, c, 32, 32) that requires
 * grad; each step clears the grads and runs conv(x).sum().backward(); 2 warm-up steps, the
 * mean of 10. Threads: argv[1] (default 2), as torch_ref.py's. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

static void step(ct_tensor *x, ct_tensor *w, ct_tensor *b) {
  ct_scope_begin();
  ct_set_grad(x, NULL);
  ct_set_grad(w, NULL);
  ct_set_grad(b, NULL);
  ct_backward(ct_sum(ct_conv2d(x, w, .bias = b, .padding = CT_INTS(1))));
  ct_scope_end();
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  ct_set_num_threads(threads);
  for (int c = 64; c <= 128; c *= 2) {
    ct_tensor *x = ct_empty(CT_SHAPE(16, c, 32, 32)), *w = ct_empty(CT_SHAPE(c, c, 3, 3)),
              *b = ct_empty(CT_SHAPE(c));
    bench_fill_normal(x, 1);
    bench_fill_normal(w, 2);
    bench_fill_normal(b, 3);
    ct_requires_grad_(x, true);
    ct_requires_grad_(w, true);
    ct_requires_grad_(b, true);
    for (int i = 0; i < 2; i++) step(x, w, b);
    double t = bench_now();
    for (int i = 0; i < 10; i++) step(x, w, b);
    printf("conv3x3 c%d 16x32x32 fwd+bwd   %9.3f ms  (%d threads)\n", c, (bench_now() - t) / 10 * 1e3, threads);
    ct_release(x);
    ct_release(w);
    ct_release(b);
  }
  return 0;
}
