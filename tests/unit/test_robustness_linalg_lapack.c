/* Robustness sweep over torch.linalg through LAPACK (src/ops/linalg_solve.c, linalg_det.c):
 * NULL arguments, wrong rank and dtype, empty and batched inputs, non-contiguous inputs (the
 * contiguous copy's answer), NaN input (NaN out, no error, as PyTorch), hostile sizes, and no
 * leak anywhere. */
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

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_eye(2, -1);
  NP(ct_linalg_inv(NULL));
  NP(ct_linalg_det(NULL));
  NP(ct_linalg_slogdet(NULL).values);
  NP(ct_linalg_slogdet(NULL).indices);
  NP(ct_linalg_solve(NULL, x));
  NP(ct_linalg_solve(x, NULL));
  NP(ct_linalg_cholesky(NULL, false));
  NP(ct_linalg_qr(NULL, CT_QR_REDUCED).values);
  NP(ct_linalg_qr(NULL, CT_QR_REDUCED).indices);
  ct_release(x);
}

static ct_tensor *f_slog(const ct_tensor *t) { return ct_linalg_slogdet(t).indices; }
static ct_tensor *f_solve(const ct_tensor *t) { return ct_linalg_solve(t, t); }
static ct_tensor *f_chol(const ct_tensor *t) { return ct_linalg_cholesky(t, false); }
static ct_tensor *f_cholu(const ct_tensor *t) { return ct_linalg_cholesky(t, true); }
static ct_tensor *f_qr(const ct_tensor *t) {
  ct_tensor_pair p = ct_linalg_qr(t, CT_QR_REDUCED);
  return p.values ? ct_add(ct_sum(p.values), ct_sum(p.indices)) : NULL;
}
static ct_tensor *f_qrc(const ct_tensor *t) { return ct_linalg_qr(t, CT_QR_COMPLETE).values; }
static ct_tensor *f_qrr(const ct_tensor *t) { return ct_linalg_qr(t, CT_QR_R).indices; }
static ct_tensor *(*const g_fns[])(const ct_tensor *) = {ct_linalg_inv, ct_linalg_det, f_slog, f_solve,
                                                         f_chol, f_cholu, f_qr, f_qrc, f_qrr};
#define NFNS 9
#define NFNS_SQUARE 6 /* the first six need square matrices; qr takes any */

/* rank < 2, integer / bool dtypes: an error each, nothing leaked */
static void test_bad_inputs(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *bad[] = {ct_ones(SH(3)), ct_full(0, NULL, 1.0), ct_ones(SH(2, 2), .dtype = CT_INT64),
                      ct_ones(SH(2, 2), .dtype = CT_BOOL), ct_ones(SH(2, 3)), ct_ones(SH(4, 3, 2))};
  for (int f = 0; f < NFNS; f++)
    for (size_t i = 0; i < sizeof bad / sizeof bad[0] - (f < NFNS_SQUARE ? 0 : 2); i++) {
      ct_clear_error();
      assert_null(g_fns[f](bad[i]));
      if (!ct_last_error()) fail_msg("fn %d input %zu: no error", f, i);
      if (!strstr(ct_last_error(), "linalg.")) fail_msg("fn %d input %zu: %s", f, i, ct_last_error());
    }
  leak_end(m, "bad inputs", __LINE__);
}

/* empty batches and 0 x 0 matrices: empty results (det 1 of a 0 x 0 matrix) */
static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int f = 0; f < NFNS; f++) {
    ct_tensor *r = g_fns[f](ct_zeros(SH(0, 3, 3)));
    assert_non_null(r);
    if (g_fns[f] != f_qr) assert_int_equal(ct_numel(r), 0); /* f_qr sums */
    r = g_fns[f](ct_zeros(SH(2, 0, 0)));
    assert_non_null(r);
  }
  expect_vals(ct_linalg_det(ct_zeros(SH(0, 0))), ((double[]){1}), 1, 0, 0);
  ct_tensor_pair q = ct_linalg_qr(ct_zeros(SH(2, 0, 3)), CT_QR_REDUCED); /* Q (2, 0, 0), R (2, 0, 3) */
  assert_int_equal(ct_shape(q.values)[2], 0);
  assert_int_equal(ct_shape(q.indices)[2], 3);
  assert_int_equal(ct_numel(ct_linalg_inv(ct_zeros(SH(0, 0)))), 0);
  assert_int_equal(ct_numel(ct_linalg_solve(ct_zeros(SH(0, 0)), ct_zeros(SH(0, 4)))), 0);
  leak_end(m, "empty", __LINE__);
}

/* non-contiguous (transposed, strided, expanded) inputs give the contiguous copy's answer */
static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  /* symmetric and diagonally dominant: invertible and positive definite, views too */
  ct_tensor *views[3], *base = ct_test_solver_batch(true, 2, views);
  ct_test_same_on_views(g_fns, NFNS, views, 3, 1e-12);
  /* the input is left as it was (LAPACK works on a copy) */
  ct_tensor *before = ct_clone(base);
  for (int f = 0; f < NFNS; f++) g_fns[f](base);
  assert_true(ct_equal(before, base));
  leak_end(m, "non-contiguous", __LINE__);
}

/* NaN input: NaN results, no error (PyTorch: inv / solve NaN, det NaN, slogdet (0, NaN),
 * cholesky a factor holding NaN) */
static void test_nan(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_tensor_from((double[]){NAN, 1, 1, 1}, CT_FLOAT64, SH(2, 2));
  for (int f = 0; f < NFNS; f++) {
    ct_clear_error();
    ct_tensor *r = g_fns[f](x);
    assert_non_null(r);
    assert_true(isnan(ct_item(ct_sum(r))));
  }
  leak_end(m, "nan", __LINE__);
}

/* hostile sizes: a matrix beyond LAPACK's int (an expanded view, nothing allocated) fails
 * with a message; huge batches of expanded 0 x 0 matrices are fine */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  int64_t big = (int64_t)1 << 31;
  ct_tensor *huge = ct_expand(ct_ones(SH(1, 1)), 2, (int64_t[]){big, big});
  for (int f = 0; f < NFNS; f++) {
    ct_clear_error();
    assert_null(g_fns[f](huge));
    assert_non_null(ct_last_error());
  }
  ct_tensor *many = ct_expand(ct_zeros(SH(1, 0, 0)), 3, (int64_t[]){(int64_t)1 << 40, 0, 0});
  assert_non_null(ct_linalg_inv(many));
  leak_end(m, "hostile", __LINE__);
}

/* backward at a singular matrix works as PyTorch's (a zero gradient without create_graph:
 * linalg_det_backward's nudged LU times det = 0), and leaks nothing */
static void test_singular_det_backward(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from((double[]){1, 2, 2, 4}, CT_FLOAT64, SH(2, 2)), true);
  ct_tensor *d = ct_linalg_det(x);
  assert_non_null(d);
  ct_clear_error();
  assert_int_equal(ct_backward(d), 0);
  expect_vals(ct_grad(x), ((double[]){0, 0, 0, 0}), 4, 0, 0);
  leak_end(m, "singular det backward", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),     cmocka_unit_test(test_bad_inputs),
      cmocka_unit_test(test_empty),    cmocka_unit_test(test_noncontiguous),
      cmocka_unit_test(test_nan),      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_singular_det_backward),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
