/* Advanced indexing beside bench/indexing_ref.py (PyTorch, 2 threads): x[idx] (100000 random
 * rows of a (100000, 64) float32 x), x.index_put((idx,), v, accumulate=True), x[x > 0],
 * and torch.histogram of 1M values into 100 bins. Each line: name, ms per run. */
#include <stdio.h>

#include "bench_util.h"

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_manual_seed(0);
  ct_tensor *x = ct_empty(CT_SHAPE(100000, 64)), *v = ct_empty(CT_SHAPE(100000, 64));
  bench_fill_normal(x, 1);
  bench_fill_normal(v, 2);
  ct_tensor *idx = ct_randint(0, 100000, CT_SHAPE(100000));
  ct_tensor *mask = ct_gt_scalar(x, 0), *h = ct_empty(CT_SHAPE(1 << 20));
  bench_fill_normal(h, 3);
  BENCH("x[idx] (1e5 rows of 64)", 2, 20, ct_index(x, CT_TENSORS(idx)));
  BENCH("index_put accumulate", 2, 10, ct_index_put(x, CT_TENSORS(idx), v, true));
  BENCH("x[x > 0]", 2, 10, ct_index(x, CT_TENSORS(mask)));
  BENCH("histogram 1M, 100 bins", 2, 10, ct_histogram(h, 100));
  ct_scope_end();
  return 0;
}
