/* The fast paths of the sequence-model training step (issue 10) against the plain paths and
 * PyTorch 1.13: the bulk Bernoulli fill draws what the one-draw-per-element path draws. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include "ct_test.h"

/* torch.manual_seed(3); torch.rand(7); m = torch.empty(1500, dtype=dt).bernoulli_(0.9):
 * m.sum() = 1349, (m * arange(1500)).sum() = 1011806 for float32 and float64 alike; the 7
 * draws before put the fill off the generator's 624-word boundary, 1500 elements (3000 words)
 * cross it several times. */
static void test_bernoulli_bulk(void **state) {
  (void)state;
  ct_dtype dts[] = {CT_FLOAT32, CT_FLOAT64};
  for (int d = 0; d < 2; d++) {
    ct_scope_begin();
    ct_manual_seed(3);
    ct_rand(CT_SHAPE(7));
    ct_tensor *m = ct_bernoulli_(ct_empty(CT_SHAPE(1500), .dtype = dts[d]), 0.9, NULL);
    assert_non_null(m);
    assert_int_equal(ct_item_int64(ct_sum(m)), 1349);
    ct_tensor *idx = ct_arange(0, 1500, 1, .dtype = dts[d]);
    assert_int_equal(ct_item_int64(ct_sum(ct_mul(m, idx))), 1011806);
    /* the same draws as the per-element path (int64 takes it) */
    ct_manual_seed(3);
    ct_rand(CT_SHAPE(7));
    ct_tensor *r = ct_bernoulli_(ct_empty(CT_SHAPE(1500), .dtype = CT_INT64), 0.9, NULL);
    assert_true(ct_equal(ct_to(m, CT_INT64), r));
    ct_scope_end();
  }
  /* p = 0 and p = 1 are exact: no element drawn below 0, every one below 1 */
  ct_scope_begin();
  assert_int_equal(ct_item_int64(ct_sum(ct_bernoulli_(ct_empty(CT_SHAPE(999)), 0, NULL))), 0);
  assert_int_equal(ct_item_int64(ct_sum(ct_bernoulli_(ct_empty(CT_SHAPE(999)), 1, NULL))), 999);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bernoulli_bulk),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
