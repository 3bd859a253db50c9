/* einsum on issue 12's two shapes beside bench/einsum_ref.py (PyTorch, 2 threads): a batched
 * attention-shaped contraction 'bhqd,bhkd->bhqk' (8 x 8 heads, 128 x 128, d 64) and a
 * bilinear form 'bn,anm,bm->ba' (64 x 64 inputs, 32 outputs), forward alone and forward +
 * backward with a given gradient. Each line: name, ms per run. */
#include <stdio.h>

#include "bench_util.h"

static ct_tensor *normal(int nd, const int64_t *shape, uint64_t seed, bool rg) {
  ct_tensor *t = ct_empty(nd, shape);
  bench_fill_normal(t, seed);
  return ct_requires_grad_(t, rg);
}

static void clear(ct_tensor *const *ts, int n) {
  for (int i = 0; i < n; i++) ct_set_grad(ts[i], NULL);
}

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2);
  ct_tensor *q = normal(CT_SHAPE(8, 8, 128, 64), 1, true), *k = normal(CT_SHAPE(8, 8, 128, 64), 2, true);
  ct_tensor *go = normal(CT_SHAPE(8, 8, 128, 128), 3, false);
  BENCH("attn bhqd,bhkd->bhqk fwd", 3, 50,
        ct_set_grad_enabled(false); CT_EINSUM("bhqd,bhkd->bhqk", q, k); ct_set_grad_enabled(true));
  BENCH("attn bhqd,bhkd->bhqk fwd+bwd", 3, 30,
        clear((ct_tensor *[]){q, k}, 2); ct_backward(CT_EINSUM("bhqd,bhkd->bhqk", q, k), .gradient = go));
  ct_tensor *x = normal(CT_SHAPE(64, 64), 4, true), *A = normal(CT_SHAPE(32, 64, 64), 5, true),
            *y = normal(CT_SHAPE(64, 64), 6, true), *gb = normal(CT_SHAPE(64, 32), 7, false);
  BENCH("bilinear bn,anm,bm->ba fwd", 5, 200,
        ct_set_grad_enabled(false); CT_EINSUM("bn,anm,bm->ba", x, A, y); ct_set_grad_enabled(true));
  BENCH("bilinear bn,anm,bm->ba fwd+bwd", 5, 100,
        clear((ct_tensor *[]){x, A, y}, 3); ct_backward(CT_EINSUM("bn,anm,bm->ba", x, A, y), .gradient = gb));
  ct_scope_end();
  return 0;
}
