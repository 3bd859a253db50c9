/* Robustness sweep over torch.linalg.eig / eigvals (src/ops/linalg_geev.c): NULL arguments,
 * wrong rank and dtype, empty and batched inputs, non-contiguous inputs (the contiguous copy's
 * answer), a complex spectrum, hostile sizes, no leak anywhere. */
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

static ct_tensor *f_eig(const ct_tensor *t) {
  ct_tensor_pair e = ct_linalg_eig(t);
  return e.values ? ct_add(ct_sum(e.values), ct_sum(e.indices)) : NULL;
}
static ct_tensor *f_eigvals(const ct_tensor *t) { return ct_linalg_eigvals(t); }
static ct_tensor *(*const g_fns[])(const ct_tensor *) = {f_eig, f_eigvals};
#define NFNS 2

/* (*, 6, 6) upper triangular with diagonal 3, 6, ..., 18 plus a ramp: distinct real eigenvalues */
static ct_tensor *tri(int seed, bool rg) {
  ct_tensor *r = ct_triu(ramp(SH(2, 6, 6), CT_FLOAT64, seed, false), 1);
  ct_tensor *d = ct_diag_embed(ct_arange(3, 19, 3, .dtype = CT_FLOAT64), 0, -2, -1);
  return ct_requires_grad_(ct_add(r, d), rg);
}

static void test_null(void **state) {
  (void)state;
  NP(ct_linalg_eig(NULL).values);
  NP(ct_linalg_eig(NULL).indices);
  NP(ct_linalg_eigvals(NULL));
}

/* rank < 2, integer / bool dtypes, non-square, NaN, a complex spectrum (also with grad): an
 * error each, nothing leaked */
static void test_bad_inputs(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *rot = ct_tensor_from(((double[]){0, 1, -1, 0}), CT_FLOAT64, SH(2, 2));
  ct_tensor *bad[] = {ct_ones(SH(2, 2), .dtype = CT_INT64), ct_ones(SH(2, 2), .dtype = CT_BOOL), ct_ones(SH(3)),
                      ct_full(0, NULL, 1.0), ct_ones(SH(2, 3)), rot, ct_requires_grad_(ct_clone(rot), true),
                      ct_full(SH(2, 2), INFINITY, .dtype = CT_FLOAT64)};
  for (int f = 0; f < NFNS; f++)
    for (int i = 0; i < 8; i++) {
      if (i == 7 && g_fns[f] == f_eigvals) continue; /* eigvals does not check (PyTorch) */
      ct_clear_error();
      assert_null(g_fns[f](bad[i]));
      if (!ct_last_error()) fail_msg("fn %d input %d: no error", f, i);
    }
  leak_end(m, "bad inputs", __LINE__);
}

/* empty batches and 0 x 0 matrices: empty results, no LAPACK call on nothing */
static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int f = 0; f < NFNS; f++) {
    ct_clear_error();
    if (!g_fns[f](ct_zeros(SH(0, 3, 3)))) fail_msg("fn %d (0, 3, 3): %s", f, ct_last_error());
    if (!g_fns[f](ct_zeros(SH(2, 0, 0)))) fail_msg("fn %d (2, 0, 0): %s", f, ct_last_error());
    if (!g_fns[f](ct_requires_grad_(ct_zeros(SH(0, 0)), true))) fail_msg("fn %d (0, 0): %s", f, ct_last_error());
  }
  ct_tensor_pair e = ct_linalg_eig(ct_zeros(SH(0, 3, 3)));
  assert_int_equal(ct_dim(e.values), 2), assert_int_equal(ct_size(e.values, 1), 3);
  assert_int_equal(ct_dim(e.indices), 3);
  leak_end(m, "empty", __LINE__);
}

/* non-contiguous (transposed, strided, expanded) inputs give the contiguous copy's answer, and
 * the input is left as it was (LAPACK works on a copy) */
static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *base = tri(3, false);
  ct_tensor *views[] = {ct_transpose(base, 1, 2), ct_slice(ct_slice(base, 1, 0, 6, 2), 2, 0, 6, 2),
                        ct_expand(ct_select(base, 0, 1), SH(3, 6, 6))};
  for (int f = 0; f < NFNS; f++)
    for (int v = 0; v < 3; v++) {
      ct_tensor *a = g_fns[f](views[v]), *b = g_fns[f](ct_contiguous(views[v]));
      if (!a || !b) fail_msg("fn %d view %d: %s", f, v, ct_last_error());
      assert_true(ct_allclose(a, b, 1e-10, 1e-10));
    }
  ct_tensor *before = ct_clone(base);
  for (int f = 0; f < NFNS; f++) g_fns[f](base);
  assert_true(ct_equal(before, base));
  /* with grad: a backward through a batch, nothing leaked */
  ct_tensor *x = tri(4, true), *g = NULL, *y = f_eig(x);
  assert_int_equal(ct_autograd_grad(&y, 1, &x, 1, NULL, false, -1, false, &g), 0);
  assert_non_null(g);
  leak_end(m, "non-contiguous", __LINE__);
}

/* hostile sizes: a matrix beyond LAPACK's int (an expanded view, nothing allocated) fails with
 * a message before anything is allocated; so does a huge batch of non-square matrices */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  int64_t big = (int64_t)1 << 31;
  ct_tensor *huge = ct_expand(ct_ones(SH(1, 1)), 2, (int64_t[]){big, big});
  expect_error(ct_linalg_eig(huge).values, "linalg.eig: matrices larger than LAPACK's int are not supported");
  expect_error(ct_linalg_eigvals(huge), "linalg.eigvals: matrices larger than LAPACK's int are not supported");
  ct_tensor *wide = ct_expand(ct_ones(SH(1, 1, 2)), 3, (int64_t[]){big, 1, 2});
  expect_error(ct_linalg_eigvals(wide), "but they are 1 by 2 matrices");
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_empty),
      cmocka_unit_test(test_noncontiguous), cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
