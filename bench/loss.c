/* The classification losses beside /work/shared/bench/torch_ref.py's loss workloads (2
 * threads, the same calls, warm-up and step counts):
 *   loss-ce:  F.cross_entropy(logits (1024, 1000), randint(0, 1000, (1024,))).backward()
 *   loss-ctc: F.ctc_loss(randn(50, 16, 20).log_softmax(2) leaf, randint(1, 20, (16, 30)),
 *             full((16,), 50), randint(10, 31, (16,))).backward(), the target lengths drawn
 *             anew each step as there.
 * Each line: name, ms per step (torch_ref.py's "timed"). */
#include <stdio.h>

#include "bench_util.h"

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_manual_seed(0);
  ct_tensor *logits = ct_empty(CT_SHAPE(1024, 1000));
  bench_fill_normal(logits, 1);
  ct_requires_grad_(logits, true);
  ct_tensor *tgt = ct_randint(0, 1000, CT_SHAPE(1024));
  BENCH("loss-ce 1024x1000 fwd+bwd", 2, 20,
        ct_set_grad(logits, NULL); ct_backward(ct_cross_entropy(logits, tgt)));
  ct_tensor *x = ct_empty(CT_SHAPE(50, 16, 20));
  bench_fill_normal(x, 2);
  ct_tensor *lp = ct_requires_grad_(ct_detach(ct_log_softmax(x, 2)), true);
  ct_tensor *ctgt = ct_randint(1, 20, CT_SHAPE(16, 30));
  ct_tensor *il = ct_full(CT_SHAPE(16), 50, .dtype = CT_INT64);
  BENCH("loss-ctc T50 N16 C20 S30 fwd+bwd", 2, 20,
        ct_set_grad(lp, NULL);
        ct_backward(ct_ctc_loss(lp, ctgt, il, ct_randint(10, 31, CT_SHAPE(16)))));
  ct_scope_end();
  return 0;
}
