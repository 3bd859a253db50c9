/* Statistics and search, as bench/stats_ref.py (its PyTorch twin) times them: unique and
 * searchsorted on 1M elements, median along a dim of 1024x1024 (issue 12's Speed list).
 *   - unique i64 1M: 1M int64 in [0, 100000), torch.unique (sorted);
 *   - unique i64 1M inv+counts: the same with return_inverse and return_counts;
 *   - unique f32 1M: 1M normal floats (all distinct);
 *   - searchsorted f32 1M in 1M: 1M normal floats searched in 1M sorted ones;
 *   - median f32 1024x1024 dim1: torch.median(x, dim=1), values and indices.
 * Usage: bench_stats [threads] (default 2, as stats_ref.py). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

int main(int argc, char **argv) {
  ct_set_num_threads(argc > 1 ? atoi(argv[1]) : 2);
  int64_t n = 1 << 20;
  ct_tensor *xi = ct_empty(CT_SHAPE(n), .dtype = CT_INT64);
  uint64_t s = 12345;
  for (int64_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    ((int64_t *)ct_data_ptr(xi))[i] = (int64_t)((s >> 33) % 100000);
  }
  ct_tensor *xf = ct_empty(CT_SHAPE(n));
  bench_fill_normal(xf, 1);
  ct_tensor *q = ct_empty(CT_SHAPE(n));
  bench_fill_normal(q, 2);
  ct_tensor *bd = ct_sort(xf, 0, false, false).values;
  ct_tensor *m = ct_empty(CT_SHAPE(1024, 1024));
  bench_fill_normal(m, 3);
  BENCH("unique i64 1M", 2, 10, ct_unique(xi));
  BENCH("unique i64 1M inv+counts", 2, 10, ct_unique(xi, .return_inverse = true, .return_counts = true));
  BENCH("unique f32 1M", 2, 10, ct_unique(xf));
  BENCH("searchsorted f32 1M in 1M", 2, 10, ct_searchsorted(bd, q));
  BENCH("median f32 1024x1024 dim1", 2, 10, ct_median_dim(m, 1, false));
  return 0;
}
