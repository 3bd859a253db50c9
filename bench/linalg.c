/* torch.linalg at 256x256 (issue 12's speed list), twin of bench/linalg_ref.py (2 threads):
 * linalg.solve(A, B) with A (256, 256) well conditioned (randn + 16 I) and B (256, 256),
 * linalg.svd(A) (full_matrices=True, gesdd) and linalg.svdvals(A). Float32, 3 warm-up runs,
 * the mean of 20. */
#include "bench_util.h"

int main(void) {
  ct_set_num_threads(2);
  ct_tensor *A = ct_empty(CT_SHAPE(256, 256)), *B = ct_empty(CT_SHAPE(256, 256));
  bench_fill_normal(A, 1);
  bench_fill_normal(B, 2);
  A = ct_keep(ct_add(A, ct_mul_scalar(ct_eye(256, -1), 16)));
  ct_tensor *u, *s, *vh;
  BENCH("linalg.solve 256x256 @ 256x256", 3, 20, ct_linalg_solve(A, B));
  BENCH("linalg.svd 256x256", 3, 20, ct_linalg_svd(A, true, &u, &s, &vh));
  BENCH("linalg.svdvals 256x256", 3, 20, ct_linalg_svdvals(A));
  return 0;
}
