/* F.binary_cross_entropy_with_logits forward + backward on 1M float32 logits beside PyTorch:
 * /work/shared/bench/torch_ref.py's "loss-bcelogits 1M fwd+bwd" workload (2 threads; logits
 * randn(2^20) requiring grad, targets rand(2^20), reduction 'mean'; .grad reset each step;
 * 2 warm-up steps, 20 timed). Line: name, ms per step. */
#include <stdio.h>

#include "bench_util.h"

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_tensor *bl = ct_empty(CT_SHAPE(1 << 20)), *bt = ct_empty(CT_SHAPE(1 << 20));
  bench_fill_normal(bl, 1);
  bench_fill_normal(bt, 2);
  bt = ct_sigmoid(bt); /* in (0, 1), as rand's values */
  ct_requires_grad_(bl, true);
  BENCH("loss-bcelogits 1M fwd+bwd", 2, 20,
        ct_set_grad(bl, NULL); ct_backward(ct_binary_cross_entropy_with_logits(bl, bt)));
  ct_scope_end();
  return 0;
}
