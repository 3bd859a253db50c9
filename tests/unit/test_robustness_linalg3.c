/* Robustness sweep over the last of torch.linalg (src/ops/linalg_lstsq.c): NULL arguments,
 * wrong rank and dtype, empty and batched inputs, non-contiguous inputs (the contiguous copy's
 * answer), hostile sizes, no leak anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

/* every output of lstsq with driver d, summed (NULL on error) */
static ct_tensor *lstsq_all(const ct_tensor *A, const ct_tensor *B, ct_lstsq_driver d) {
  ct_lstsq_result r = ct_linalg_lstsq(A, B, .driver = d);
  if (!r.solution) return NULL;
  ct_tensor *s = ct_add(ct_sum(r.solution), ct_sum(r.residuals));
  return ct_add(ct_add(s, ct_sum(ct_to(r.rank, CT_FLOAT64))), ct_sum(r.singular_values));
}

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_eye(3, -1);
  NP(ct_linalg_lstsq(NULL, x).solution);
  NP(ct_linalg_lstsq(x, NULL).solution);
  ct_lstsq_result r = ct_linalg_lstsq(x, NULL);
  assert_null(r.residuals), assert_null(r.rank), assert_null(r.singular_values);
  ct_release(x);
}

static void test_bad_inputs(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *bad[] = {ct_ones(SH(2, 2), .dtype = CT_INT64), ct_ones(SH(2, 2), .dtype = CT_BOOL), ct_ones(SH(3)),
                      ct_full(0, NULL, 1.0)};
  for (int i = 0; i < 4; i++) {
    ct_clear_error();
    assert_null(ct_linalg_lstsq(bad[i], bad[i]).solution);
    if (!ct_last_error()) fail_msg("input %d: no error", i);
  }
  leak_end(m, "bad inputs", __LINE__);
}

/* empty batches, m == 0, n == 0, k == 0 with every driver */
static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int d = CT_LSTSQ_DEFAULT; d <= CT_LSTSQ_GELSS; d++) {
    ct_clear_error();
    const int64_t shA[][3] = {{0, 3, 3}, {2, 0, 3}, {2, 3, 0}, {2, 3, 3}}, shB[][3] = {{0, 3, 2}, {2, 0, 2}, {2, 3, 2}, {2, 3, 0}};
    for (int i = 0; i < 4; i++)
      if (!lstsq_all(ct_zeros(3, shA[i], .dtype = CT_FLOAT64), ct_zeros(3, shB[i], .dtype = CT_FLOAT64),
                     (ct_lstsq_driver)d) && d != CT_LSTSQ_GELS)
        fail_msg("driver %d case %d: %s", d, i, ct_last_error());
  }
  leak_end(m, "empty", __LINE__);
}

/* non-contiguous (transposed, strided, expanded) inputs give the contiguous copy's answer */
static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *views[3], *base = ct_test_solver_batch(false, 1, views);
  for (int d = CT_LSTSQ_DEFAULT; d <= CT_LSTSQ_GELSS; d++)
    for (int v = 0; v < 3; v++) {
      ct_tensor *B = ct_narrow(views[v], -1, 0, 2);
      ct_tensor *a = lstsq_all(views[v], B, (ct_lstsq_driver)d);
      ct_tensor *b = lstsq_all(ct_contiguous(views[v]), ct_contiguous(B), (ct_lstsq_driver)d);
      if (!a || !b) fail_msg("driver %d view %d: %s", d, v, ct_last_error());
      assert_true(ct_allclose(a, b, 1e-10, 1e-10));
    }
  ct_tensor *before = ct_clone(base); /* inputs are left as they were (LAPACK works on copies) */
  lstsq_all(base, base, CT_LSTSQ_GELSD);
  assert_true(ct_equal(before, base));
  leak_end(m, "non-contiguous", __LINE__);
}

/* hostile sizes: a matrix beyond LAPACK's int (an expanded view, nothing allocated) */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  int64_t big = (int64_t)1 << 31;
  ct_tensor *huge = ct_expand(ct_ones(SH(1, 1)), 2, (int64_t[]){big, 2});
  ct_clear_error();
  expect_error(ct_linalg_lstsq(huge, huge).solution, "matrices larger than LAPACK's int");
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_empty),
      cmocka_unit_test(test_noncontiguous), cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
