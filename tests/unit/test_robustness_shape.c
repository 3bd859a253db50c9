/* Robustness sweep over the shape functions (src/ops/shape.c): NULL arguments, non-contiguous
 * inputs (the contiguous copy's answer), empty inputs, hostile dims and sizes, and no leak. */
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
  ct_tensor *x = ct_ones(SH(3, 3)), *g[2];
  NP(ct_tile(NULL, 1, (int64_t[]){2}));      NP(ct_broadcast_to(NULL, 1, (int64_t[]){2}));
  NP(ct_atleast_1d(NULL));                   NP(ct_atleast_2d(NULL));
  NP(ct_atleast_3d(NULL));                   NP(ct_rot90(NULL, 1, 2, (int64_t[]){0, 1}));
  NP(ct_hstack((ct_tensor *[]){x, NULL}, 2)); NP(ct_vstack((ct_tensor *[]){NULL}, 1));
  NP(ct_dstack((ct_tensor *[]){NULL}, 1));    NP(ct_column_stack((ct_tensor *[]){NULL}, 1));
  NP(ct_block_diag((ct_tensor *[]){x, NULL}, 2));
  NP(ct_cartesian_prod((ct_tensor *[]){NULL}, 1));
  NI(ct_meshgrid((ct_tensor *[]){NULL}, 1, CT_MESHGRID_IJ, g, 2));
  ct_release(x);
}

typedef ct_tensor *(*un_fn)(const ct_tensor *);
static ct_tensor *f_tile(const ct_tensor *t) { return ct_tile(t, 3, (int64_t[]){2, 1, 3}); }
static ct_tensor *f_bc(const ct_tensor *t) { return ct_broadcast_to(t, 3, (int64_t[]){2, 4, 4}); }
static ct_tensor *f_a3(const ct_tensor *t) { return ct_atleast_3d(t); }
static ct_tensor *f_rot(const ct_tensor *t) { return ct_rot90(t, 3, 2, (int64_t[]){1, 0}); }
#define PAIR(name, f) \
  static ct_tensor *name(const ct_tensor *t) { return f((ct_tensor *[]){(ct_tensor *)t, (ct_tensor *)t}, 2); }
PAIR(f_h, ct_hstack)
PAIR(f_v, ct_vstack)
PAIR(f_d, ct_dstack)
PAIR(f_c, ct_column_stack)
PAIR(f_bd, ct_block_diag)
static ct_tensor *f_cp(const ct_tensor *t) {
  ct_tensor *r = ct_flatten(t, 0, -1);
  return ct_cartesian_prod((ct_tensor *[]){r, r}, 2);
}
static ct_tensor *f_mg(const ct_tensor *t) {
  ct_tensor *r = ct_flatten(t, 0, -1), *g[2];
  return ct_meshgrid((ct_tensor *[]){r, r}, 2, CT_MESHGRID_XY, g, 2) < 0 ? NULL : ct_add(g[0], g[1]);
}
static const un_fn FNS[] = {f_tile, f_bc, f_a3, f_rot, f_h, f_v, f_d, f_c, f_bd, f_cp, f_mg};
#define NFNS (sizeof FNS / sizeof FNS[0])

static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *base = ramp(SH(4, 8), CT_FLOAT64, 3, false);
  ct_tensor *views[] = {ct_t(ct_narrow(base, 1, 0, 4)), ct_slice(ct_slice(base, 1, 0, 8, 2), 0, 0, 4, 1),
                        ct_expand(ct_narrow(ct_select(base, 0, 1), 0, 0, 4), SH(4, 4))};
  for (size_t f = 0; f < NFNS; f++)
    for (int v = 0; v < 3; v++) {
      ct_tensor *a = FNS[f](views[v]), *b = FNS[f](ct_contiguous(views[v]));
      if (!a || !b) fail_msg("fn %zu view %d: %s", f, v, ct_last_error());
      assert_true(ct_equal(a, b));
    }
  ct_scope_end();
  leak_end(m, "non-contiguous", __LINE__);
}

static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *z = ct_zeros(SH(0, 4), .dtype = CT_FLOAT64);
  for (size_t f = 0; f < NFNS; f++) {
    if (FNS[f] == f_bc) continue; /* (0, 4) does not broadcast to (2, 4, 4) */
    ct_tensor *r = FNS[f](z);
    if (!r) fail_msg("fn %zu: %s", f, ct_last_error());
  }
  ct_scope_end();
  leak_end(m, "empty", __LINE__);
}

static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *x = ct_ones(SH(2, 2)), *v = ct_ones(SH(2)), *g[1];
  assert_non_null(ct_rot90(x, INT64_MIN, 2, (int64_t[]){0, 1}));
  assert_non_null(ct_rot90(x, INT64_MAX, 2, (int64_t[]){0, 1}));
  expect_error(ct_rot90(x, 1, 2, (int64_t[]){INT64_MIN, INT64_MAX}), "Rotation dim0 out of range");
  expect_error(ct_rot90(x, 1, -1, NULL), "expected total rotation dims == 2");
  expect_error(ct_tile(x, 2, (int64_t[]){INT64_MAX, INT64_MAX}), "");
  expect_error(ct_tile(x, -1, NULL), "tile: invalid dims");
  expect_error(ct_broadcast_to(x, 2, (int64_t[]){-5, 2}), "");
  expect_fail(ct_meshgrid((ct_tensor *[]){v, v}, 2, CT_MESHGRID_IJ, g, 1) < 0, "output array holds 1");
  ct_tensor *many[17];
  for (int i = 0; i < 17; i++) many[i] = v;
  expect_error(ct_cartesian_prod(many, 17), "more than");
  ct_scope_end();
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null), cmocka_unit_test(test_noncontiguous),
      cmocka_unit_test(test_empty), cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
