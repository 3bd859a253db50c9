/* Elementwise work (OpenMP) and GEMM (OpenBLAS) back to back, as a training step mixes them:
 * with both pools on the same OpenMP runtime the pair costs about the sum of its parts; with
 * OpenBLAS's own pthreads beside spinning OpenMP workers it cost several times more. */
#include <stdio.h>

#include "bench_util.h"

static double time_loop(ct_tensor *x, ct_tensor *a, ct_tensor *b, bool ew, bool mm, int n) {
  for (int i = 0; i < 20; i++) { /* warm both pools */
    ct_scope_begin();
    if (ew) ct_exp(x);
    if (mm) ct_matmul(a, b);
    ct_scope_end();
  }
  double t = bench_now();
  for (int i = 0; i < n; i++) {
    ct_scope_begin();
    if (ew) ct_exp(x);
    if (mm) ct_matmul(a, b);
    ct_scope_end();
  }
  return (bench_now() - t) / n;
}

int main(void) {
  ct_set_num_threads(2);
  ct_tensor *x = ct_empty(CT_SHAPE(1 << 21)), *a = ct_empty(CT_SHAPE(256, 256)),
            *b = ct_empty(CT_SHAPE(256, 256));
  bench_fill_normal(x, 1);
  bench_fill_normal(a, 2);
  bench_fill_normal(b, 3);
  double e = time_loop(x, a, b, true, false, 200), m = time_loop(x, a, b, false, true, 200);
  double both = time_loop(x, a, b, true, true, 200);
  printf("exp 2M then mm 256 (2 thr)  %9.3f ms  (exp alone %.3f ms, mm alone %.3f ms)\n",
         both * 1e3, e * 1e3, m * 1e3);
  ct_release(x);
  ct_release(a);
  ct_release(b);
  return 0;
}
