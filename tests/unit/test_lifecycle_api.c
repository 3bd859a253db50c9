/* Exact int64 element access, and the allocator's caches handed back (ct_empty_cache) and
 * capped (ct_set_cache_limit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"
#include "internal.h" /* CT_CACHE_CAP: no caching under ASan */

/* ct_item / ct_get return double: 2^53 + 1 read as 2^53. */
static void test_int64_elements_read_exactly(void **s) {
  (void)s;
  ct_scope_begin();
  int64_t big = (INT64_C(1) << 53) + 1, v[3] = {big, -big, INT64_MAX};
  ct_tensor *t = ct_tensor_from(v, CT_INT64, 1, (int64_t[]){3});
  for (int64_t i = 0; i < 3; i++) assert_true(ct_get_int64(t, &i) == v[i]);
  assert_true(ct_get_int64(t, (int64_t[]){-1}) == INT64_MAX);
  assert_true(ct_item_int64(ct_select(t, 0, 1)) == -big);
  assert_true(ct_item_int64(ct_scalar_tensor(-7.9, CT_FLOAT64)) == -7); /* toward zero */
  assert_true(ct_item_int64(ct_scalar_tensor(200, CT_UINT8)) == 200);
  /* errors as ct_item's / ct_get's, returning 0 */
  expect_fail(ct_item_int64(t) == 0, "a Tensor with 3 elements cannot be converted to Scalar");
  expect_fail(ct_get_int64(t, (int64_t[]){3}) == 0, "index 3 is out of bounds for dimension 0 with size 3");
  expect_fail(ct_get_int64(t, NULL) == 0, "index is NULL");
  expect_fail(ct_item_int64(ct_scalar_tensor(NAN, CT_FLOAT32)) == 0, "cannot convert float NaN to integer");
  expect_fail(ct_item_int64(ct_scalar_tensor(1e19, CT_FLOAT64)) == 0, "without overflow");
  ct_scope_end();
}

static void test_empty_cache_hands_blocks_back(void **s) {
  (void)s;
  ct_empty_cache();
  assert_int_equal(ct_cached_bytes(), 0);
  ct_scope_begin();
  ct_zeros(CT_SHAPE(1 << 20)); /* 4 MB */
  for (int i = 0; i < 10; i++) ct_add_scalar(ct_ones(CT_SHAPE(3)), 1);
  ct_scope_end();
  if (CT_CACHE_CAP) assert_true(ct_cached_bytes() >= (4 << 20));
  ct_empty_cache();
  assert_int_equal(ct_cached_bytes(), 0);
  assert_int_equal(ct_live_tensors(), 0);
}

static void test_cache_limit(void **s) {
  (void)s;
  assert_int_equal(ct_get_cache_limit(), 128 << 20);
  ct_scope_begin();
  ct_zeros(CT_SHAPE(1 << 20));
  ct_scope_end();
  ct_set_cache_limit(1 << 20); /* the 4 MB block already cached goes at once */
  assert_int_equal(ct_get_cache_limit(), 1 << 20);
  assert_true(ct_cached_bytes() < (1 << 20));
  ct_scope_begin();
  ct_zeros(CT_SHAPE(1 << 20));
  ct_scope_end();
  assert_true(ct_cached_bytes() < (1 << 20)); /* and a new one is not kept */
  ct_set_cache_limit(-1);
  expect_fail(ct_last_error() != NULL, "non-negative");
  assert_int_equal(ct_get_cache_limit(), 1 << 20);
  ct_set_cache_limit(128 << 20);
  ct_empty_cache();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_int64_elements_read_exactly),
      cmocka_unit_test(test_empty_cache_hands_blocks_back),
      cmocka_unit_test(test_cache_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
