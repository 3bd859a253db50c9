/* Robustness sweep over the rest of torch.linalg (src/ops/linalg_norm.c, linalg_prod.c,
 * linalg_tri.c, linalg_svd.c): NULL arguments, wrong rank and dtype, empty and batched inputs,
 * non-contiguous inputs (the contiguous copy's answer), hostile sizes, no leak anywhere. */
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

static ct_tensor *f_vn(const ct_tensor *t) { return ct_linalg_vector_norm(t, .ord = 3); }
static ct_tensor *f_mn(const ct_tensor *t) { return ct_linalg_matrix_norm(t, .ord = 1); }
static ct_tensor *f_mnuc(const ct_tensor *t) { return ct_linalg_matrix_norm(t, .ord = CT_ORD_NUC); }
static ct_tensor *f_norm(const ct_tensor *t) { return ct_linalg_norm(t, .ord = CT_ORD_FRO); }
static ct_tensor *f_pow(const ct_tensor *t) { return ct_linalg_matrix_power(t, -3); }
static ct_tensor *f_md(const ct_tensor *t) { return ct_linalg_multi_dot((ct_tensor *[]){(ct_tensor *)t, (ct_tensor *)t, (ct_tensor *)t}, 3); }
static ct_tensor *f_tri(const ct_tensor *t) { return ct_linalg_solve_triangular(t, t, true, true, false); }
static ct_tensor *f_solr(const ct_tensor *t) { return ct_linalg_solve_ex(t, t, false); }
static ct_tensor *f_svd(const ct_tensor *t) {
  ct_tensor *u, *s, *vh;
  if (ct_linalg_svd(t, true, &u, &s, &vh)) return NULL;
  return ct_add(ct_sum(ct_abs(u)), ct_add(ct_sum(s), ct_sum(ct_abs(vh)))); /* |.|: LAPACK's signs */
}
static ct_tensor *f_svdvals(const ct_tensor *t) { return ct_linalg_svdvals(t); }
static ct_tensor *f_eigh(const ct_tensor *t) {
  ct_tensor_pair e = ct_linalg_eigh(t, 'U');
  return e.values ? ct_add(ct_sum(e.values), ct_sum(ct_abs(e.indices))) : NULL;
}
static ct_tensor *f_eigvalsh(const ct_tensor *t) { return ct_linalg_eigvalsh(t, 'L'); }
static ct_tensor *f_pinv(const ct_tensor *t) { return ct_linalg_pinv(t, .rtol = 0.01); }
static ct_tensor *f_pinvh(const ct_tensor *t) { return ct_linalg_pinv(t, .hermitian = true); }
static ct_tensor *f_rank(const ct_tensor *t) { return ct_linalg_matrix_rank(t); }
static ct_tensor *f_cond(const ct_tensor *t) { return ct_linalg_cond(t, -INFINITY); }
static ct_tensor *(*const g_fns[])(const ct_tensor *) = {
    f_mn, f_mnuc, f_norm, f_pow, f_md, f_tri, f_solr, f_svd, f_svdvals, f_eigh, f_eigvalsh, f_pinv, f_pinvh,
    f_rank, f_cond, f_vn};
#define NFNS 16
#define NFNS_MATRIX 15 /* all but vector_norm (last) need a matrix */

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_eye(3, -1);
  NP(ct_linalg_vector_norm(NULL));
  NP(ct_linalg_matrix_norm(NULL));
  NP(ct_linalg_norm(NULL));
  NP(ct_linalg_cross(NULL, x, -1));
  NP(ct_linalg_cross(x, NULL, -1));
  NP(ct_cross(NULL, x, CT_NONE));
  NP(ct_linalg_multi_dot(NULL, 2));
  NP(ct_linalg_multi_dot((ct_tensor *[]){x, NULL}, 2));
  NP(ct_linalg_matrix_power(NULL, 2));
  NP(ct_linalg_solve_triangular(NULL, x, true, true, false));
  NP(ct_linalg_solve_triangular(x, NULL, true, true, false));
  NP(ct_linalg_solve_ex(NULL, x, false));
  NP(ct_linalg_solve_ex(x, NULL, false));
  NP(ct_linalg_svdvals(NULL));
  NP(ct_linalg_eigh(NULL, 'L').values);
  NP(ct_linalg_eigvalsh(NULL, 'L'));
  NP(ct_linalg_pinv(NULL));
  NP(ct_linalg_matrix_rank(NULL));
  NP(ct_linalg_cond(NULL, 2));
  ct_tensor *u, *s, *vh;
  assert_int_equal(ct_linalg_svd(NULL, true, &u, &s, &vh), -1);
  assert_int_equal(ct_linalg_svd(x, true, NULL, &s, &vh), -1);
  ct_release(x);
}

/* rank < 2 (vector_norm: none), integer / bool dtypes: an error each, nothing leaked */
static void test_bad_inputs(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *bad[] = {ct_ones(SH(2, 2), .dtype = CT_INT64), ct_ones(SH(2, 2), .dtype = CT_BOOL), ct_ones(SH(3)),
                      ct_full(0, NULL, 1.0)};
  for (int f = 0; f < NFNS; f++)
    for (int i = 0; i < (f < NFNS_MATRIX ? 4 : 2); i++) {
      if (g_fns[f] == f_md && i < 2) continue; /* integer chains multiply fine, as PyTorch */
      ct_clear_error();
      assert_null(g_fns[f](bad[i]));
      if (!ct_last_error()) fail_msg("fn %d input %d: no error", f, i);
    }
  assert_null(ct_linalg_cross(ct_ones(SH(3), .dtype = CT_BOOL), ct_ones(SH(3)), 5));
  leak_end(m, "bad inputs", __LINE__);
}

/* empty batches and 0 x 0 matrices: empty results, no LAPACK call on nothing */
static void test_empty(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int f = 0; f < NFNS; f++) {
    if (g_fns[f] == f_md) continue; /* 2-D only */
    ct_clear_error();
    if (!g_fns[f](ct_zeros(SH(0, 3, 3)))) fail_msg("fn %d (0, 3, 3): %s", f, ct_last_error());
    if (g_fns[f] != f_mn && g_fns[f] != f_cond && !g_fns[f](ct_zeros(SH(2, 0, 0)))) fail_msg("fn %d (2, 0, 0): %s", f, ct_last_error());
  }
  ct_tensor *u, *s, *vh; /* full_matrices of a (3, 0): U the identity, S and Vh empty */
  assert_int_equal(ct_linalg_svd(ct_zeros(SH(3, 0)), true, &u, &s, &vh), 0);
  expect_vals(u, ((double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}), 9, 0, 0);
  assert_int_equal(ct_numel(s), 0);
  assert_int_equal(ct_numel(ct_linalg_multi_dot((ct_tensor *[]){ct_zeros(SH(0, 2)), ct_zeros(SH(2, 0))}, 2)), 0);
  expect_vals(ct_linalg_multi_dot((ct_tensor *[]){ct_zeros(SH(2, 0)), ct_zeros(SH(0, 2))}, 2),
              ((double[]){0, 0, 0, 0}), 4, 0, 0);
  leak_end(m, "empty", __LINE__);
}

/* non-contiguous (transposed, strided, expanded) inputs give the contiguous copy's answer */
static void test_noncontiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *views[3], *base = ct_test_solver_batch(false, 2, views);
  for (int f = 0; f < NFNS; f++)
    for (int v = 0; v < 3; v++) {
      const ct_tensor *in = g_fns[f] == f_md ? ct_select(views[v], 0, 1) : views[v];
      ct_tensor *a = g_fns[f](in), *b = g_fns[f](ct_contiguous(in));
      if (!a || !b) fail_msg("fn %d view %d: %s", f, v, ct_last_error());
      assert_true(ct_allclose(a, b, 1e-10, 1e-10));
    }
  ct_tensor *x = ct_transpose(ramp(SH(3, 4), CT_FLOAT64, 1, false), 0, 1), *y = ct_flip(x, 1, (int64_t[]){0});
  assert_true(ct_allclose(ct_linalg_cross(x, y, 1), ct_linalg_cross(ct_contiguous(x), ct_contiguous(y), 1), 0, 0));
  ct_tensor *before = ct_clone(base); /* inputs are left as they were (LAPACK works on copies) */
  for (int f = 0; f < NFNS; f++) g_fns[f](g_fns[f] == f_md ? ct_select(base, 0, 0) : base);
  assert_true(ct_equal(before, base));
  leak_end(m, "non-contiguous", __LINE__);
}

/* hostile sizes: a matrix beyond LAPACK's int (an expanded view, nothing allocated) fails with
 * a message; an out-of-range dim is an error */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  int64_t big = (int64_t)1 << 31;
  ct_tensor *huge = ct_expand(ct_ones(SH(1, 1)), 2, (int64_t[]){big, big});
  ct_tensor *fns[] = {ct_linalg_svdvals(huge), ct_linalg_solve_triangular(huge, huge, true, true, false),
                      ct_linalg_matrix_power(huge, -1)};
  for (int i = 0; i < 3; i++) assert_null(fns[i]);
  ct_tensor *x = ct_ones(SH(3, 3));
  ct_clear_error();
  expect_error(ct_linalg_cross(x, x, 7), "Dimension out of range (expected to be in range of [-2, 1], but got 7)");
  ct_clear_error();
  expect_error(ct_linalg_matrix_norm(x, .dim = CT_DIMS(0, 9)),
               "Dimension out of range (expected to be in range of [-2, 1], but got 9)");
  ct_clear_error();
  expect_error(ct_linalg_vector_norm(x, .dim = CT_DIMS(-3)),
               "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_empty),
      cmocka_unit_test(test_noncontiguous), cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
