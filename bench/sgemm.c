/* sgemm 1024^3: the sgemm line of ../shared/bench/torch_ref.py (2 threads by default, 3
 * warm-up products, mean of 20), through ct_matmul and through cblas_sgemm called directly
 * on the same buffers, so the ctorch line reads as a fraction of what OpenBLAS gives. */
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

#include "bench_util.h"
#include "ctorch.h"

#define N 1024
#define REPS 20

static void report(const char *name, double dt) {
  printf("%-28s %9.3f ms  %.1f GFLOP/s\n", name, dt * 1e3, 2.0 * N * N * N / dt / 1e9);
}

/* c = a @ b straight through OpenBLAS: 3 warm-up products, mean of REPS (s). */
static double time_cblas(const ct_tensor *a, const ct_tensor *b, ct_tensor *c) {
  const float *pa = ct_data_ptr(a), *pb = ct_data_ptr(b);
  float *pc = ct_data_ptr(c);
  for (int i = 0; i < 3; i++)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, pa, N, pb, N, 0.0f, pc, N);
  double t0 = bench_now();
  for (int i = 0; i < REPS; i++)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, pa, N, pb, N, 0.0f, pc, N);
  return (bench_now() - t0) / REPS;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  ct_set_num_threads(threads);
  ct_scope_begin();
  ct_tensor *a = ct_empty(CT_SHAPE(N, N));
  ct_tensor *b = ct_empty(CT_SHAPE(N, N));
  ct_tensor *c = ct_empty(CT_SHAPE(N, N));
  if (!a || !b || !c) {
    fprintf(stderr, "bench_sgemm: setup failed: %s\n", ct_last_error());
    return 1;
  }
  bench_fill_normal(a, 1);
  bench_fill_normal(b, 2);

  /* cblas is timed before and after ct_matmul and the faster mean kept, so a load spike
   * during one pass cannot flatter the percentage */
  double dt_blas = time_cblas(a, b, c);

  /* a @ b, allocating its result each time like the Python */
  for (int i = 0; i < 3; i++) {
    ct_scope_begin();
    ct_matmul(a, b);
    ct_scope_end();
  }
  double t0 = bench_now();
  for (int i = 0; i < REPS; i++) {
    ct_scope_begin();
    ct_matmul(a, b);
    ct_scope_end();
  }
  double dt_ct = (bench_now() - t0) / REPS;

  double again = time_cblas(a, b, c);
  if (again < dt_blas) dt_blas = again;

  int rc = ct_last_error() ? 1 : 0;
  if (rc) {
    fprintf(stderr, "bench_sgemm: %s\n", ct_last_error());
  } else {
    report("sgemm 1024^3", dt_ct);
    report("cblas_sgemm 1024^3", dt_blas);
    printf("ct_matmul / cblas_sgemm      %.1f %% of cblas throughput\n", 100.0 * dt_blas / dt_ct);
  }
  ct_scope_end();
  return rc;
}
