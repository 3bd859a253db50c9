/* Contractions and diagonals (src/ops/einsum.c): einsum, tensordot, kron, trace, diagonal,
 * diag, diag_embed, diagflat, movedim, swapaxes / swapdims. Values from PyTorch 1.13 on the
 * ramp inputs of ct_test.h, PyTorch's error messages, grad_fn names, float64 gradcheck +
 * gradgradcheck (the backward formulas are differentiable ops). */
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
#define R(seed, ...) ramp(SH(__VA_ARGS__), CT_FLOAT64, seed, false)

static void expect_shape(const ct_tensor *t, int nd, const int64_t *s) {
  assert_non_null(t);
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], s[i]);
}

static void test_einsum_values(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *a = ramp(SH(2, 3), (ct_dtype)dt, 1, false), *b = ramp(SH(3, 2), (ct_dtype)dt, 2, false);
    ct_tensor *y = CT_EINSUM("ij,jk->ik", a, b);
    assert_int_equal(ct_dtype_of(y), dt);
    expect_vals(y, ((double[]){0.5625, -1.6875, 0.5625, -1.625}), 4, 1e-6, 1e-7);
    expect_vals(CT_EINSUM("ij,jk", a, b), ((double[]){0.5625, -1.6875, 0.5625, -1.625}), 4, 1e-6, 1e-7);
  }
  expect_vals(CT_EINSUM("bn,anm,bm->ba", R(1, 2, 3), R(2, 2, 3, 2), R(3, 2, 2)),
              ((double[]){-2.390625, 0.375, 1.359375, 0.015625}), 4, 1e-12, 1e-12);
  expect_vals(CT_EINSUM("bii->bi", R(4, 2, 3, 3)), ((double[]){-0.25, 1.25, 0.0, -1.0, 0.5, -0.75}), 6, 0, 0);
  /* ellipsis broadcast (2,1 | 3): result (2, 3, 2, 2), summed over its first dim here */
  ct_tensor *e = CT_EINSUM("...ij,...jk", R(5, 2, 1, 2, 3), R(6, 3, 3, 2));
  expect_shape(e, SH(2, 3, 2, 2));
  expect_vals(ct_sum(e, .dim = CT_DIMS(0)),
              ((double[]){-0.875, 1.125, -1.0, 1.125, 1.5, 0.75, 0.75, 1.5, 1.125, -1.0, 1.125, -0.875}), 12,
              1e-12, 1e-12);
  /* implicit output: labels in order (here "ab"), so "ba" transposes */
  expect_vals(CT_EINSUM("ba", R(1, 2, 3)), ((double[]){-1.0, -1.25, 0.75, 0.5, -0.25, -0.5}), 6, 0, 0);
  expect_shape(CT_EINSUM("aB", R(1, 2, 3)), SH(3, 2)); /* upper case sorts first */
  expect_shape(CT_EINSUM(" i j , j k -> i k ", R(1, 2, 3), R(2, 3, 4)), SH(2, 4));
  /* a size-1 label broadcasts; a size-1 output label stays */
  expect_shape(CT_EINSUM("ij,ij->ij", R(1, 1, 4), R(2, 3, 4)), SH(3, 4));
  expect_shape(CT_EINSUM("ij,jk->ik", R(1, 1, 3), R(2, 3, 1)), SH(1, 1));
  expect_shape(CT_EINSUM("...ij->...", R(1, 2, 3)), 0, NULL);
  /* empty operands */
  ct_tensor *z = CT_EINSUM("ij,jk->ik", R(1, 2, 0), ct_zeros(SH(0, 4), .dtype = CT_FLOAT64));
  expect_shape(z, SH(2, 4));
  expect_vals(z, ((double[]){0, 0, 0, 0, 0, 0, 0, 0}), 8, 0, 0);
  /* grad_fn names as PyTorch's for these */
  ct_tensor *x = ramp(SH(3, 3), CT_FLOAT64, 1, true);
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("ij,jk", x, x)), "ViewBackward0");
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("ij->j", x)), "SumBackward1");
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("ij->ji", x)), "PermuteBackward0");
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("ij", x)), "PermuteBackward0");
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("ii", x)), "SumBackward1");
  assert_string_equal(ct_grad_fn_name(CT_EINSUM("i,j", ct_select(x, 0, 0), ct_select(x, 0, 1))), "MulBackward0");
  ct_scope_end();
}

static void test_einsum_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = R(1, 2, 3), *b = R(2, 3, 4);
  expect_error(CT_EINSUM("ij,jk", a), "einsum(): fewer operands were provided than specified in the equation");
  expect_error(CT_EINSUM("ij", a, b), "einsum(): more operands were provided than specified in the equation");
  expect_error(CT_EINSUM("i1,jk", a, b), "einsum(): invalid subscript given at index 1 in the equation "
                                         "string, subscripts must be in [a-zA-Z]");
  expect_error(CT_EINSUM("ij-jk", a), "einsum(): invalid subscript given at index 2");
  expect_error(CT_EINSUM("ij->i->j", a), "einsum(): invalid subscript given at index 5");
  expect_error(CT_EINSUM("ij.,jk", a, b), "einsum(): found '.' for operand 0 that is not part of any ellipsis");
  expect_error(CT_EINSUM("...i...,jk", a, b), "einsum(): found '.' for operand 0 for which an ellipsis was already found");
  expect_error(CT_EINSUM("ijk,jk", a, b), "einsum(): the number of subscripts in the equation (3) does not "
                                          "match the number of dimensions (2) for operand 0 and no ellipsis was given");
  expect_error(CT_EINSUM("ijk...,jk", a, b), "einsum(): the number of subscripts in the equation (3) is more "
                                             "than the number of dimensions (2) for operand 0");
  expect_error(CT_EINSUM("ij,jk->ii", a, b), "einsum(): output subscript i appears more than once in the output");
  expect_error(CT_EINSUM("ij,jk->iz", a, b), "einsum(): output subscript z does not appear in the equation "
                                             "for any input operand");
  expect_error(CT_EINSUM("ij,jk->i.", a, b), "einsum(): found '.' for output that is not part of any ellipsis (...)");
  expect_error(CT_EINSUM("ij->...i...", a), "einsum(): found '.' for output but an ellipsis (...) was already found");
  expect_error(CT_EINSUM("ii", a), "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2");
  expect_error(CT_EINSUM("ij,ij", a, b), "einsum(): subscript i has size 3 for operand 1 which does not "
                                         "broadcast with previously seen size 2");
  expect_error(CT_EINSUM("...i,...i", R(1, 2, 3), R(2, 4, 3)),
               "einsum(): dimension 0 covered by ellipsis in operand 1has size 4 which does not broadcast "
               "with previously seen ellipsis with size 2 for the respective dimension");
  expect_error(CT_EINSUM("ij,jk", a, ct_to(b, CT_FLOAT32)), "expected scalar type Double but found Float");
  expect_error(ct_einsum("ij", NULL, 0), "einsum(): must provide at least one operand");
  expect_error(ct_einsum(NULL, &a, 1), "einsum(): equation is NULL");
  ct_scope_end();
}

static void test_others(void **state) {
  (void)state;
  ct_scope_begin();
  expect_vals(ct_kron(R(1, 2, 2), R(2, 2)), ((double[]){0.75, -1.0, -0.5625, 0.75, 0.1875, -0.25, 0.9375, -1.25}), 8, 0, 0);
  expect_vals(ct_tensordot(R(1, 2, 3, 2), R(2, 2, 3), .dims_a = CT_DIMS(1, 0), .dims_b = CT_DIMS(1, 0)),
              ((double[]){-1.3125, -1.0625}), 2, 1e-12, 1e-12);
  expect_shape(ct_tensordot(R(1, 2, 3, 4), R(2, 3, 4, 5)), SH(2, 5)); /* dims=2 by default */
  expect_vals(ct_trace(R(1, 3, 4)), ((double[]){-1.5}), 1, 0, 0);
  expect_vals(ct_diag_embed(R(1, 2, 2), 1, -2, -1),
              ((double[]){0, -1, 0, 0, 0, 0.75, 0, 0, 0, 0, -0.25, 0, 0, 0, -1.25, 0, 0, 0}), 18, 0, 0);
  ct_tensor *x = R(1, 3, 4);
  ct_tensor *d = ct_diagonal(x, 1, 0, 1);
  assert_int_equal(ct_storage_offset(d), 1); /* a view: x's storage from element 1 */
  expect_vals(d, ((double[]){0.75, 1.25, -1.0}), 3, 0, 0);
  expect_shape(ct_diagonal(x, 5, 0, 1), SH(0));
  expect_shape(ct_diag(R(1, 3), 2), SH(5, 5));
  expect_shape(ct_diagflat(R(1, 2, 2), -1), SH(5, 5));
  expect_shape(ct_movedim(R(1, 2, 3, 4), 1, (int64_t[]){0}, (int64_t[]){2}), SH(3, 4, 2));
  expect_shape(ct_movedim(R(1, 2, 3, 4, 5), 2, (int64_t[]){0, 3}, (int64_t[]){2, 0}), SH(5, 3, 2, 4));
  expect_shape(ct_swapaxes(R(1, 2, 3, 4), 0, 2), SH(4, 3, 2));
  expect_shape(ct_swapdims(R(1, 2, 3, 4), -1, 1), SH(2, 4, 3));
  ct_tensor *g = ramp(SH(3, 3), CT_FLOAT64, 1, true);
  assert_string_equal(ct_grad_fn_name(ct_trace(g)), "TraceBackward0");
  assert_string_equal(ct_grad_fn_name(ct_diagonal(g, 0, 0, 1)), "DiagonalBackward0");
  assert_string_equal(ct_grad_fn_name(ct_diag(g, 0)), "DiagBackward0");
  assert_string_equal(ct_grad_fn_name(ct_diag_embed(g, 0, -2, -1)), "DiagEmbedBackward0");
  assert_string_equal(ct_grad_fn_name(ct_diagflat(g, 0)), "DiagBackward0");
  assert_string_equal(ct_grad_fn_name(ct_movedim(g, 1, (int64_t[]){0}, (int64_t[]){1})), "PermuteBackward0");
  assert_string_equal(ct_grad_fn_name(ct_swapaxes(g, 0, 1)), "TransposeBackward0");
  assert_string_equal(ct_grad_fn_name(ct_kron(g, g)), "UnsafeViewBackward0");
  ct_scope_end();
}

static void test_other_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = R(1, 3, 4), *v = R(1, 3);
  expect_error(ct_trace(v), "trace: expected a matrix, but got tensor with dim 1");
  expect_error(ct_diagonal(x, 0, 1, 1), "diagonal dimensions cannot be identical 1, 1");
  expect_error(ct_diagonal(x, 0, 0, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_diag(R(1, 2, 2, 2), 0), "matrix or a vector expected");
  expect_error(ct_diag_embed(v, 0, 0, 0), "diagonal dimensions cannot be identical 0, 0");
  expect_error(ct_movedim_list(x, 2, (int64_t[]){0, 1}, 1, (int64_t[]){1}),
               "movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the same "
               "number of dims as destination ([1] dims)");
  expect_error(ct_movedim(x, 2, (int64_t[]){0, 0}, (int64_t[]){1, 0}), "movedim: repeated dim in `source` ([0, 0])");
  expect_error(ct_movedim(x, 2, (int64_t[]){0, 1}, (int64_t[]){1, 1}), "movedim: repeated dim in `destination` ([1, 1])");
  expect_error(ct_movedim(x, 1, (int64_t[]){2}, (int64_t[]){0}), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_tensordot(x, x, .dims = -1), "tensordot expects dims >= 0, but got dims=-1");
  expect_error(ct_tensordot(x, ct_t(x)), "contracted dimensions need to match, but first has size 3 in dim -2 and "
                                         "second has size 4 in dim 0");
  expect_error(ct_tensordot(x, x, .dims_a = CT_DIMS(0), .dims_b = CT_DIMS(0, 1)), "both dimension lists should have same length");
  expect_error(ct_tensordot(x, x, .dims = 3), "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
  ct_scope_end();
}

/* ---- gradients: float64 gradcheck + gradgradcheck ----------------------------------------- */
typedef struct {
  const char *eq;
} ein_ref;
static int run_einsum(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out;
  out[0] = ct_einsum(((const ein_ref *)u)->eq, in, n_in);
  return out[0] ? 0 : -1;
}

static void test_einsum_grads(void **state) {
  (void)state;
  ct_scope_begin();
  struct {
    const char *eq;
    int n;
    int nd[3];
    int64_t s[3][4];
  } cases[] = {
      {"ij,jk->ik", 2, {2, 2}, {{2, 3}, {3, 2}}},
      {"bhqd,bhkd->bhqk", 2, {4, 4}, {{1, 2, 3, 2}, {1, 2, 2, 2}}},
      {"bn,anm,bm->ba", 3, {2, 3, 2}, {{2, 3}, {2, 3, 2}, {2, 2}}},
      {"bii->bi", 1, {3}, {{2, 3, 3}}},
      {"ii", 1, {2}, {{3, 3}}},
      {"iij,jk->ik", 2, {3, 2}, {{2, 2, 3}, {3, 2}}},
      {"...ij,...jk", 2, {3, 3}, {{2, 2, 3}, {1, 3, 2}}},
      {"i,j->ij", 2, {1, 1}, {{3}, {2}}},
      {"ij,ij->", 2, {2, 2}, {{1, 3}, {2, 3}}},
      {"ij,k->ik", 2, {2, 1}, {{2, 3}, {2}}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    ct_tensor *in[3];
    for (int i = 0; i < cases[c].n; i++) in[i] = ramp(cases[c].nd[i], cases[c].s[i], CT_FLOAT64, (int)(c + i), true);
    ein_ref r = {cases[c].eq};
    check_grads(run_einsum, in, cases[c].n, &r, cases[c].eq);
  }
  ct_scope_end();
}

static ct_tensor *f_trace(const ct_tensor *t) { return ct_trace(t); }
static ct_tensor *f_diagonal(const ct_tensor *t) { return ct_diagonal(t, 1, 2, 0); }
static ct_tensor *f_diag_v(const ct_tensor *t) { return ct_diag(ct_flatten(t, 0, -1), -1); }
static ct_tensor *f_diag_m(const ct_tensor *t) { return ct_diag(t, 1); }
static ct_tensor *f_diag_embed(const ct_tensor *t) { return ct_diag_embed(t, 1, 0, 2); }
static ct_tensor *f_diagflat(const ct_tensor *t) { return ct_diagflat(t, 0); }
static ct_tensor *f_movedim(const ct_tensor *t) { return ct_movedim(t, 1, (int64_t[]){0}, (int64_t[]){-1}); }
static ct_tensor *f_tdot(const ct_tensor *a, const ct_tensor *b) { return ct_tensordot(a, b, .dims = 1); }
static ct_tensor *f_tdot_l(const ct_tensor *a, const ct_tensor *b) {
  return ct_tensordot(a, b, .dims_a = CT_DIMS(0, 2), .dims_b = CT_DIMS(1, 0));
}

static void test_other_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *m = ramp(SH(3, 3), CT_FLOAT64, 1, true), *t3 = ramp(SH(2, 3, 3), CT_FLOAT64, 2, true);
  const op_ref tr = {.u = f_trace}, dg = {.u = f_diagonal}, dv = {.u = f_diag_v}, dm = {.u = f_diag_m},
               de = {.u = f_diag_embed}, df = {.u = f_diagflat}, mv = {.u = f_movedim},
               kr = {.b = ct_kron}, td = {.b = f_tdot}, tl = {.b = f_tdot_l};
  check_grads(run_unary, &m, 1, (void *)&tr, "trace");
  check_grads(run_unary, &t3, 1, (void *)&dg, "diagonal");
  check_grads(run_unary, &m, 1, (void *)&dv, "diag vector");
  check_grads(run_unary, &m, 1, (void *)&dm, "diag matrix");
  check_grads(run_unary, &m, 1, (void *)&de, "diag_embed");
  check_grads(run_unary, &m, 1, (void *)&df, "diagflat");
  check_grads(run_unary, &t3, 1, (void *)&mv, "movedim");
  check_grads(run_binary, (ct_tensor *[]){m, ramp(SH(2), CT_FLOAT64, 3, true)}, 2, (void *)&kr, "kron");
  check_grads(run_binary, (ct_tensor *[]){m, ramp(SH(3, 2), CT_FLOAT64, 4, true)}, 2, (void *)&td, "tensordot");
  check_grads(run_binary, (ct_tensor *[]){t3, ramp(SH(3, 2, 2), CT_FLOAT64, 5, true)}, 2, (void *)&tl, "tensordot lists");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_einsum_values), cmocka_unit_test(test_einsum_errors),
      cmocka_unit_test(test_others),        cmocka_unit_test(test_other_errors),
      cmocka_unit_test(test_einsum_grads),  cmocka_unit_test(test_other_grads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
