/* Robustness sweep over the contractions and diagonals (src/ops/einsum.c): NULL arguments,
 * non-contiguous inputs (the contiguous copy's answer), empty inputs, hostile equations,
 * offsets and dims, and no leak anywhere; the shape functions (src/ops/shape.c) likewise. */
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
  ct_tensor *x = ct_ones(SH(3, 3));
  NP(CT_EINSUM("ij,jk", x, NULL));      NP(CT_EINSUM("ij", NULL));
  NP(ct_tensordot(NULL, x));            NP(ct_tensordot(x, NULL));
  NP(ct_kron(NULL, x));                 NP(ct_kron(x, NULL));
  NP(ct_trace(NULL));                   NP(ct_diagonal(NULL, 0, 0, 1));
  NP(ct_diag(NULL, 0));                 NP(ct_diag_embed(NULL, 0, -2, -1));
  NP(ct_diagflat(NULL, 0));             NP(ct_movedim(NULL, 1, (int64_t[]){0}, (int64_t[]){1}));
  NP(ct_movedim_list(NULL, 1, (int64_t[]){0}, 1, (int64_t[]){1}));
  NP(ct_swapaxes(NULL, 0, 1));          NP(ct_swapdims(NULL, 0, 1));
  ct_release(x);
}

/* each op on a view and on its contiguous copy: the same values */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
static ct_tensor *f_mm(const ct_tensor *c) {
  ct_tensor *t = (ct_tensor *)c; /* einsum takes ct_cat's operand array type */
  return CT_EINSUM("ij,jk->ik", t, t);
}
static ct_tensor *f_bil(const ct_tensor *c) {
  ct_tensor *t = (ct_tensor *)c;
  return CT_EINSUM("bn,nm,bm->b", t, t, t);
}
static ct_tensor *f_diag_e(const ct_tensor *c) { return CT_EINSUM("ii->i", (ct_tensor *)c); }
static ct_tensor *f_ell(const ct_tensor *c) {
  ct_tensor *t = (ct_tensor *)c;
  return CT_EINSUM("...j,j...->...", t, t);
}
static ct_tensor *f_td(const ct_tensor *t) { return ct_tensordot(t, t, .dims = 1); }
static ct_tensor *f_kron(const ct_tensor *t) { return ct_kron(t, t); }
static ct_tensor *f_trace(const ct_tensor *t) { return ct_trace(t); }
static ct_tensor *f_diagonal(const ct_tensor *t) { return ct_diagonal(t, -1, 1, 0); }
static ct_tensor *f_diag(const ct_tensor *t) { return ct_diag(t, 1); }
static ct_tensor *f_embed(const ct_tensor *t) { return ct_diag_embed(t, 1, 0, 2); }
static ct_tensor *f_flat(const ct_tensor *t) { return ct_diagflat(t, -2); }
static ct_tensor *f_move(const ct_tensor *t) { return ct_movedim(t, 1, (int64_t[]){0}, (int64_t[]){1}); }
static ct_tensor *f_swap(const ct_tensor *t) { return ct_swapaxes(t, 0, 1); }
static ct_tensor *f_swapd(const ct_tensor *t) { return ct_swapdims(t, 1, 0); }
static const un_fn FNS[] = {f_mm, f_bil, f_diag_e, f_ell, f_td, f_kron, f_trace, f_diagonal,
                            f_diag, f_embed, f_flat, f_move, f_swap, f_swapd};
#define NFNS (sizeof FNS / sizeof FNS[0])

/* each function on each view and on its contiguous copy */
static void sweep_views(const un_fn *fns, size_t nfns) {
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *base = ramp(SH(4, 8), CT_FLOAT64, 3, false);
  ct_tensor *views[] = {ct_t(ct_narrow(base, 1, 0, 4)), ct_slice(ct_slice(base, 1, 0, 8, 2), 0, 0, 4, 1),
                        ct_expand(ct_narrow(ct_select(base, 0, 1), 0, 0, 4), SH(4, 4))};
  ct_test_same_on_views(fns, nfns, views, 3, 1e-12);
  ct_scope_end();
  leak_end(m, "non-contiguous", __LINE__);
}

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
static const un_fn SHAPE_FNS[] = {f_tile, f_bc, f_a3, f_rot, f_h, f_v, f_d, f_c, f_bd, f_cp, f_mg};
#define NSHAPE (sizeof SHAPE_FNS / sizeof SHAPE_FNS[0])

static void test_noncontiguous(void **state) {
  (void)state;
  sweep_views(FNS, NFNS);
  sweep_views(SHAPE_FNS, NSHAPE);
}

/* 0 x 0 matrices: empty (or zero) results, no error */
static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *z = ct_zeros(SH(0, 0), .dtype = CT_FLOAT64);
  for (size_t f = 0; f < NFNS; f++) {
    ct_tensor *r = FNS[f](z);
    if (!r) fail_msg("fn %zu: %s", f, ct_last_error());
    assert_true(ct_numel(r) == 0 || ct_item(ct_sum(r)) == 0);
  }
  for (size_t f = 0; f < NSHAPE; f++) {
    if (SHAPE_FNS[f] == f_bc) continue; /* (0, 0) does not broadcast to (2, 4, 4) */
    ct_tensor *r = SHAPE_FNS[f](z);
    if (!r) fail_msg("shape fn %zu: %s", f, ct_last_error());
  }
  ct_scope_end();
  leak_end(m, "empty", __LINE__);
}

/* hostile equations, offsets and dims: errors (or empty results), nothing leaked */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_scope_begin();
  ct_tensor *x = ct_ones(SH(2, 2), .dtype = CT_FLOAT64), *v = ct_ones(SH(2), .dtype = CT_FLOAT64);
  /* 20 labels on a 2-D operand; an ellipsis; a trailing '.'; a lone '-' and '>' */
  expect_error(CT_EINSUM("abcdefghijklmnopqrst", x), "the number of subscripts in the equation (20)");
  expect_error(CT_EINSUM("...abcdefghijklmnopqrst", x), "is more than the number of dimensions (2)");
  expect_error(CT_EINSUM("ij..", x), "not part of any ellipsis");
  expect_error(CT_EINSUM("ij-", x), "invalid subscript given at index 2");
  expect_error(CT_EINSUM("ij->ij-", x), "invalid subscript given at index 6");
  expect_error(CT_EINSUM("\xff\xfe", v), "invalid subscript given at index 0");
  expect_error(CT_EINSUM(",,", x, x), "fewer operands");
  /* outer products of many operands: more dims than CT_MAX_DIMS is an error, not a crash */
  ct_tensor *ops[17];
  char eq[64] = {0};
  for (int i = 0; i < 17; i++) {
    ops[i] = v;
    eq[2 * i] = (char)('a' + i);
    eq[2 * i + 1] = i < 16 ? ',' : 0;
  }
  assert_null(ct_einsum(eq, ops, 17));
  assert_non_null(ct_last_error());
  ct_clear_error();
  /* offsets far past the matrix: empty diagonals; a diag_embed that cannot be sized fails */
  assert_int_equal(ct_numel(ct_diagonal(x, INT64_MAX, 0, 1)), 0);
  assert_int_equal(ct_numel(ct_diagonal(x, INT64_MIN, 0, 1)), 0);
  assert_int_equal(ct_numel(ct_diag(x, INT64_MAX)), 0);
  expect_error(ct_diag_embed(v, INT64_MAX, -2, -1), "diag_embed: offset");
  expect_error(ct_diag_embed(v, INT64_MIN, -2, -1), "diag_embed: offset");
  expect_error(ct_tensordot(x, x, .dims = INT64_MAX), "tensordot");
  expect_error(ct_movedim(x, -1, NULL, NULL), "movedim");
  expect_error(ct_movedim(x, 1, (int64_t[]){INT64_MIN}, (int64_t[]){0}), "Dimension out of range");
  expect_error(ct_kron(ct_ones(SH(1, 1, 1, 1, 1, 1, 1, 1, 1)), ct_ones(SH(1))), "kron: too many dims");
  ct_scope_end();
  leak_end(m, "hostile", __LINE__);
}

static void test_null_shape(void **state) {
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

static void test_hostile_shape(void **state) {
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
      cmocka_unit_test(test_null_shape), cmocka_unit_test(test_hostile_shape),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
