/* Robustness sweep over the rest of the shape functions (src/ops/shape2.c) and cdist: NULL
 * arguments, non-contiguous inputs (the contiguous copy's answer), empty inputs, hostile sizes,
 * and no leak anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_ones(SH(3, 3)), *r = ct_ones(SH(3), .dtype = CT_INT64), *o[4];
  NP(ct_repeat_interleave(NULL, 2));          NP(ct_repeat_interleave_tensor(NULL, r));
  NP(ct_repeat_interleave_tensor(x, NULL));   NP(ct_repeat_interleave_indices(NULL, CT_NONE));
  NI(ct_tensor_split(NULL, 2, 0, o, 4));      NI(ct_tensor_split_indices(NULL, 1, (int64_t[]){1}, 0, o, 4));
  NI(ct_hsplit(NULL, 1, o, 4));               NI(ct_vsplit(NULL, 1, o, 4));
  NI(ct_dsplit(NULL, 1, o, 4));               NI(ct_hsplit_indices(NULL, 1, (int64_t[]){1}, o, 4));
  NI(ct_vsplit_indices(NULL, 1, (int64_t[]){1}, o, 4));
  NI(ct_dsplit_indices(NULL, 1, (int64_t[]){1}, o, 4));
  NI(ct_broadcast_tensors((ct_tensor *[]){x, NULL}, 2, o, 4));
  NP(ct_as_strided(NULL, 1, (int64_t[]){1}, (int64_t[]){1}, 0));
  NP(ct_einsum_sublist((ct_tensor *[]){NULL}, 1, (const int64_t *[]){(int64_t[]){0}}, (int[]){1}, NULL, -1));
  NP(ct_cdist(NULL, x));                      NP(ct_cdist(x, NULL));
  expect_fail(ct_broadcast_shapes(1, NULL, NULL, (int64_t[CT_MAX_DIMS]){0}) < 0, "broadcast_shapes: NULL argument");
  ct_release(x);
  ct_release(r);
}

/* each op on a view and on its contiguous copy: the same values */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
static ct_tensor *first_of(int r, ct_tensor **o, int k) { return r > k ? o[k] : NULL; }
static ct_tensor *f_ri(const ct_tensor *t) { return ct_repeat_interleave(t, 2, .dim = 1); }
static ct_tensor *f_ts(const ct_tensor *t) { ct_tensor *o[4]; return first_of(ct_tensor_split(t, 3, 1, o, 4), o, 2); }
static ct_tensor *f_hs(const ct_tensor *t) { ct_tensor *o[4]; return first_of(ct_hsplit_indices(t, 1, (int64_t[]){1}, o, 4), o, 1); }
static ct_tensor *f_vs(const ct_tensor *t) { ct_tensor *o[4]; return first_of(ct_vsplit(t, 2, o, 4), o, 1); }
static ct_tensor *f_bt(const ct_tensor *t) { ct_tensor *o[4]; return first_of(ct_broadcast_tensors((ct_tensor *[]){(ct_tensor *)t, ct_ones(SH(2, 1, 1), .dtype = CT_FLOAT64)}, 2, o, 4), o, 0); }
static ct_tensor *f_cd(const ct_tensor *t) { return ct_cdist(t, t, .p = 1.5); }
static ct_tensor *f_cdm(const ct_tensor *t) { return ct_cdist(t, t, .compute_mode = CT_CDIST_USE_MM); }
static const un_fn FNS[] = {f_ri, f_ts, f_hs, f_vs, f_bt, f_cd, f_cdm};
#define NFNS (sizeof FNS / sizeof FNS[0])

static void test_views(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *base = ramp(SH(4, 8), CT_FLOAT64, 3, false);
  ct_tensor *views[] = {ct_t(ct_narrow(base, 1, 0, 4)), ct_slice(ct_slice(base, 1, 0, 8, 2), 0, 0, 4, 1),
                        ct_expand(ct_narrow(ct_select(base, 0, 1), 0, 0, 4), SH(4, 4))};
  ct_test_same_on_views(FNS, NFNS, views, 3, 1e-12);
  /* as_strided of a view reads the storage, not the view: offsets are the storage's */
  ct_tensor *as = ct_as_strided(views[0], 2, (int64_t[]){2, 2}, (int64_t[]){1, 8}, 2);
  if (!ct_allclose(as, ct_as_strided(base, 2, (int64_t[]){2, 2}, (int64_t[]){1, 8}, 2), 0, 0)) fail_msg("as_strided of a view");
  leak_end(m, "views", __LINE__);
}

static void test_empty_and_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *e = ct_zeros(SH(0, 3), .dtype = CT_FLOAT64), *x = ct_ones(SH(2, 3), .dtype = CT_FLOAT64), *o[4];
  if (!ct_repeat_interleave(e, 3, .dim = 0) || !ct_repeat_interleave(e, 3)) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_tensor_split(e, 3, 0, o, 4), 3);
  if (!ct_cdist(e, x) || !ct_cdist(x, e)) fail_msg("%s", ct_last_error());
  if (!ct_as_strided(x, 2, (int64_t[]){0, 5}, (int64_t[]){100, 100}, 6)) fail_msg("%s", ct_last_error());
  expect_error(ct_as_strided(x, 2, (int64_t[]){INT64_MAX, 2}, (int64_t[]){INT64_MAX, 1}, 0), "Storage size calculation overflowed");
  expect_error(ct_as_strided(x, 2, (int64_t[]){3, 2}, (int64_t[]){INT64_MAX / 2, 1}, 0), "out of bounds for storage of size 48");
  expect_error(ct_as_strided(x, 1, (int64_t[]){-1}, (int64_t[]){1}, 0), "negative dimension -1");
  expect_error(ct_repeat_interleave(x, INT64_MAX), "repeat_interleave: sum of repeats overflows");
  expect_fail(ct_tensor_split(x, 1000, 0, o, 4) < 0, "tensor_split: output array holds 4 tensors, 1000 needed");
  expect_fail(ct_tensor_split_indices(x, 1, (int64_t[]){1}, 5, o, 4) < 0, "Dimension out of range");
  assert_int_equal(ct_tensor_split_indices(x, 2, (int64_t[]){INT64_MAX, INT64_MIN}, 0, o, 4), 3);
  expect_error(ct_tril_indices(INT64_MAX, INT64_MAX, 0), "tril_indices: 9223372036854775807 x 9223372036854775807 gives too many indices");
  expect_error(ct_triu_indices(INT64_MAX, INT64_MAX, INT64_MIN), "triu_indices:");
  assert_int_equal(ct_shape(ct_tril_indices(INT64_MAX, 3, INT64_MIN))[1], 0);
  expect_error(ct_tril_indices(INT64_MAX, 1, 0), "tril_indices: 9223372036854775807 x 1 gives too many indices");
  assert_int_equal(ct_shape(ct_triu_indices(3, INT64_MAX, INT64_MAX))[1], 0);
  expect_fail(ct_broadcast_shapes(1, (int[]){CT_MAX_DIMS + 1}, (const int64_t *[]){(int64_t[CT_MAX_DIMS + 1]){0}}, (int64_t[CT_MAX_DIMS]){0}) < 0,
              "broadcast_shapes: invalid shape 0");
  expect_error(ct_cdist(x, x, .p = NAN), "cdist only supports non-negative p values");
  leak_end(m, "empty and hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_views),
      cmocka_unit_test(test_empty_and_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
