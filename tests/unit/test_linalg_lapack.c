/* torch.linalg through LAPACK (src/ops/linalg_solve.c, linalg_det.c): values from PyTorch 1.13,
 * its error messages, grad_fn names, float64 gradcheck + gradgradcheck on well-conditioned
 * inputs (batched and broadcast too). */
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

/* the (3, 3) matrix [[4,1,2],[1,3,0],[2,0,5]] (det 43) */
static ct_tensor *mat_a(ct_dtype dt, bool rg) {
  static const double a[] = {4, 1, 2, 1, 3, 0, 2, 0, 5};
  ct_tensor *t = ct_to(ct_tensor_from(a, CT_FLOAT64, 2, (int64_t[]){3, 3}), dt);
  return rg ? ct_requires_grad_(t, true) : t;
}
/* (*, n, n): ramp values plus n on the diagonal (well conditioned), float64, requires grad */
static ct_tensor *wc(int nd, const int64_t *shape, int seed) {
  int64_t n = shape[nd - 1];
  ct_tensor *r = ct_add(ramp(nd, shape, CT_FLOAT64, seed, false),
                        ct_mul_scalar(ct_eye(n, -1, .dtype = CT_FLOAT64), (double)n));
  return ct_requires_grad_(ct_detach(r), true);
}

static const double inv_a[] = {0.3488372093023256, -0.11627906976744186, -0.13953488372093023,
                               -0.11627906976744186, 0.37209302325581395, 0.04651162790697675,
                               -0.13953488372093023, 0.04651162790697675, 0.2558139534883721};

static void test_inv(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *y = ct_linalg_inv(mat_a((ct_dtype)dt, true));
    assert_non_null(y);
    assert_int_equal(ct_dtype_of(y), dt);
    assert_string_equal(ct_grad_fn_name(y), "LinalgInvExBackward0");
    expect_vals(y, inv_a, 9, 1e-6, 1e-7);
  }
  /* batched: each matrix inverted on its own; a transposed (non-contiguous) input */
  ct_tensor *b = ct_stack((ct_tensor *[]){mat_a(CT_FLOAT64, false), ct_eye(3, -1, .dtype = CT_FLOAT64)}, 2, 0);
  ct_tensor *yb = ct_linalg_inv(b);
  assert_int_equal(ct_dim(yb), 3);
  double want[18];
  memcpy(want, inv_a, sizeof inv_a);
  for (int i = 0; i < 9; i++) want[9 + i] = i % 4 == 0;
  expect_vals(yb, want, 18, 1e-12, 1e-12);
  expect_vals(ct_linalg_inv(ct_t(mat_a(CT_FLOAT64, false))), inv_a, 9, 1e-12, 1e-12); /* symmetric */
  ct_tensor *r = ramp(SH(3, 3), CT_FLOAT64, 3, false);
  ct_tensor *ri = ct_linalg_inv(ct_add(r, ct_mul_scalar(ct_eye(3, -1, .dtype = CT_FLOAT64), 3)));
  ct_tensor *rt = ct_linalg_inv(ct_t(ct_add(r, ct_mul_scalar(ct_eye(3, -1, .dtype = CT_FLOAT64), 3))));
  assert_true(ct_allclose(ct_t(ri), rt, 1e-12, 1e-12));
  ct_scope_end();
}

static void test_inv_errors(void **state) {
  (void)state;
  ct_scope_begin();
  static const double s[] = {1, 2, 3, 2, 4, 6, 1, 1, 1};
  ct_tensor *sing = ct_tensor_from(s, CT_FLOAT64, SH(3, 3));
  expect_error(ct_linalg_inv(sing), "linalg.inv: The diagonal element 2 is zero, the inversion could "
                                    "not be completed because the input matrix is singular.");
  ct_tensor *bs = ct_stack((ct_tensor *[]){ct_eye(3, -1, .dtype = CT_FLOAT64), sing}, 2, 0);
  expect_error(ct_linalg_inv(bs), "linalg.inv: (Batch element 1): The diagonal element 2 is zero, "
                                  "the inversion could not be completed because the input matrix is singular.");
  expect_error(ct_linalg_inv(ct_ones(SH(2, 3))),
               "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_inv(ct_ones(SH(3))), "linalg.inv: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_inv(ct_ones(SH(3, 3), .dtype = CT_INT64)),
               "linalg.inv: Expected a floating point or complex tensor as input. Got Long");
  ct_scope_end();
}

static void test_solve(void **state) {
  (void)state;
  ct_scope_begin();
  static const double bv[] = {1, 2, 0, 1, -1, 3};
  static const double want[] = {0.48837209302325585, 0.16279069767441862, -0.16279069767441862,
                                0.27906976744186046, -0.3953488372093023, 0.5348837209302325};
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *B = ct_to(ct_tensor_from(bv, CT_FLOAT64, SH(3, 2)), (ct_dtype)dt);
    ct_tensor *X = ct_linalg_solve(mat_a((ct_dtype)dt, true), B);
    assert_non_null(X);
    assert_string_equal(ct_grad_fn_name(X), "LinalgSolveExBackward0");
    expect_vals(X, want, 6, 1e-6, 1e-7);
    /* a vector right-hand side: the first column */
    ct_tensor *x = ct_linalg_solve(mat_a((ct_dtype)dt, false), ct_select(B, 1, 0));
    assert_int_equal(ct_dim(x), 1);
    expect_vals(x, ((double[]){want[0], want[2], want[4]}), 3, 1e-6, 1e-7);
  }
  /* broadcast: A (2, 1, 3, 3) with B (3, 3, 2) -> (2, 3, 3, 2); vectors (3,) against (2, 3, 3) */
  ct_tensor *A = wc(SH(2, 1, 3, 3), 1), *B = ramp(SH(3, 3, 2), CT_FLOAT64, 2, true);
  ct_tensor *X = ct_linalg_solve(A, B);
  assert_int_equal(ct_dim(X), 4);
  assert_int_equal(ct_shape(X)[1], 3);
  assert_true(ct_allclose(ct_matmul(A, X), ct_expand(B, SH(2, 3, 3, 2)), 1e-10, 1e-10));
  ct_tensor *v = ct_linalg_solve(wc(SH(2, 3, 3), 4), ramp(SH(3), CT_FLOAT64, 5, false));
  assert_int_equal(ct_dim(v), 2);
  assert_int_equal(ct_shape(v)[0], 2);
  ct_scope_end();
}

static void test_solve_errors(void **state) {
  (void)state;
  ct_scope_begin();
  static const double s[] = {1, 2, 3, 2, 4, 6, 1, 1, 1};
  ct_tensor *sing = ct_tensor_from(s, CT_FLOAT64, SH(3, 3)), *e = ct_eye(3, -1);
  expect_error(ct_linalg_solve(sing, ct_ones(SH(3), .dtype = CT_FLOAT64)),
               "torch.linalg.solve: The solver failed because the input matrix is singular.");
  expect_error(ct_linalg_solve(e, ct_ones(SH(4))),
               "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x1)");
  expect_error(ct_linalg_solve(e, ct_ones(SH(4, 2))),
               "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)");
  expect_error(ct_linalg_solve(e, ct_ones(SH(3, 2), .dtype = CT_FLOAT64)),
               "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and "
               "B of type Double instead");
  expect_error(ct_linalg_solve(ct_ones(SH(2, 3)), ct_ones(SH(2))),
               "linalg.solve: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_solve(ct_expand(e, SH(2, 3, 3)), ct_ones(SH(3, 3, 2))),
               "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0");
  ct_scope_end();
}

static void test_det_slogdet(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *d = ct_linalg_det(mat_a((ct_dtype)dt, true));
    assert_string_equal(ct_grad_fn_name(d), "LinalgDetBackward0");
    assert_int_equal(ct_dim(d), 0);
    expect_vals(d, ((double[]){43}), 1, 1e-6, 1e-6);
    ct_tensor_pair sl = ct_linalg_slogdet(ct_neg(mat_a((ct_dtype)dt, true)));
    assert_string_equal(ct_grad_fn_name(sl.indices), "LinalgSlogdetBackward0");
    assert_string_equal(ct_grad_fn_name(sl.values), "LinalgSlogdetBackward0");
    expect_vals(sl.values, ((double[]){-1}), 1, 0, 0);
    expect_vals(sl.indices, ((double[]){3.76120011569356283}), 1, 1e-6, 1e-7);
  }
  /* a permutation (det -1), a singular matrix (-0 / sign 0, -inf), empty matrices (1 / (1, 0)), NaN */
  expect_vals(ct_linalg_det(ct_tensor_from((double[]){0, 1, 1, 0}, CT_FLOAT64, SH(2, 2))),
              ((double[]){-1}), 1, 0, 0);
  ct_tensor *sing = ct_tensor_from((float[]){1, 2, 2, 4}, CT_FLOAT32, SH(2, 2));
  expect_vals(ct_linalg_det(sing), ((double[]){0}), 1, 0, 0);
  ct_tensor_pair z = ct_linalg_slogdet(sing);
  expect_vals(z.values, ((double[]){0}), 1, 0, 0);
  expect_vals(z.indices, ((double[]){-INFINITY}), 1, 0, 0);
  ct_tensor *e = ct_zeros(SH(2, 0, 0));
  expect_vals(ct_linalg_det(e), ((double[]){1, 1}), 2, 0, 0);
  ct_tensor_pair ze = ct_linalg_slogdet(e);
  expect_vals(ze.values, ((double[]){1, 1}), 2, 0, 0);
  expect_vals(ze.indices, ((double[]){0, 0}), 2, 0, 0);
  ct_tensor *nan = ct_tensor_from((float[]){NAN, 1, 1, 1}, CT_FLOAT32, SH(2, 2));
  assert_true(isnan(ct_item(ct_linalg_det(nan))));
  ct_tensor_pair zn = ct_linalg_slogdet(nan);
  expect_vals(zn.values, ((double[]){0}), 1, 0, 0);
  assert_true(isnan(ct_item(zn.indices)));
  /* batched: det of each, as the 2-D call gives */
  ct_tensor *A = wc(SH(3, 4, 4), 7);
  ct_tensor *db = ct_linalg_det(A);
  for (int64_t i = 0; i < 3; i++)
    expect_vals(ct_linalg_det(ct_select(A, 0, i)), ((double[]){ct_item(ct_select(db, 0, i))}), 1, 1e-12, 0);
  expect_error(ct_linalg_det(ct_ones(SH(2, 3))),
               "linalg.det: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_slogdet(ct_ones(SH(2, 3))).values,
               "linalg.slogdet: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_det(ct_ones(SH(2, 2), .dtype = CT_INT32)),
               "linalg.det: Expected a floating point or complex tensor as input. Got Int");
  ct_scope_end();
}

static void test_cholesky(void **state) {
  (void)state;
  ct_scope_begin();
  static const double L[] = {2.0, 0.0, 0.0, 0.5, 1.6583123951777, 0.0, 1.0, -0.30151134457776363,
                             1.9771421064483223};
  static const double U[] = {2.0, 0.5, 1.0, 0.0, 1.6583123951777, -0.30151134457776363, 0.0, 0.0,
                             1.9771421064483223};
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *l = ct_linalg_cholesky(mat_a((ct_dtype)dt, true), false);
    assert_string_equal(ct_grad_fn_name(l), "LinalgCholeskyExBackward0");
    expect_vals(l, L, 9, 1e-6, 1e-7);
    expect_vals(ct_linalg_cholesky(mat_a((ct_dtype)dt, true), true), U, 9, 1e-6, 1e-7);
  }
  /* only the lower triangle is read */
  ct_tensor *b = ct_clone(mat_a(CT_FLOAT64, false));
  ct_fill_(ct_select(ct_select(b, 0, 0), 0, 2), 100);
  expect_vals(ct_linalg_cholesky(b, false), L, 9, 1e-12, 1e-12);
  /* PyTorch's gradient for grad_output arange(9) */
  ct_tensor *a = mat_a(CT_FLOAT64, true);
  ct_tensor *go = ct_reshape(ct_arange(0, 9, 1, .dtype = CT_FLOAT64), SH(3, 3));
  assert_int_equal(ct_backward(ct_linalg_cholesky(a, false), .gradient = go), 0);
  expect_vals(ct_grad(a), ((double[]){0.29142718739716955, -0.9033766921823315, -0.13116602870317337,
                                      -0.9033766921823316, 1.6566671608459105, 2.478419803941708,
                                      -0.1311660287031734, 2.478419803941708, 2.023122155435493}),
              9, 1e-10, 1e-12);
  ct_tensor *bad = ct_stack((ct_tensor *[]){mat_a(CT_FLOAT64, false), ct_neg(mat_a(CT_FLOAT64, false))}, 2, 0);
  expect_error(ct_linalg_cholesky(bad, false),
               "linalg.cholesky: (Batch element 1): The factorization could not be completed because the "
               "input is not positive-definite (the leading minor of order 1 is not positive-definite).");
  expect_error(ct_linalg_cholesky(ct_tensor_from((double[]){1, 2, 2, 1}, CT_FLOAT64, SH(2, 2)), false),
               "linalg.cholesky: The factorization could not be completed because the input is not "
               "positive-definite (the leading minor of order 2 is not positive-definite).");
  expect_error(ct_linalg_cholesky(ct_ones(SH(2, 3)), false),
               "linalg.cholesky: A must be batches of square matrices, but they are 2 by 3 matrices");
  ct_scope_end();
}

static void test_qr(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_tensor_from((double[]){4, 1, 1, 3, 2, 0}, CT_FLOAT64, SH(3, 2)); /* (3, 2) */
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *x = ct_requires_grad_(ct_to(a, (ct_dtype)dt), true);
    ct_tensor_pair r = ct_linalg_qr(x, CT_QR_REDUCED);
    assert_string_equal(ct_grad_fn_name(r.values), "LinalgQrBackward0");
    assert_string_equal(ct_grad_fn_name(r.indices), "LinalgQrBackward0");
    expect_vals(r.values, ((double[]){-0.8728715609439694, 0.12038585308576917, -0.2182178902359924,
                                      -0.9630868246861535, -0.4364357804719848, 0.2407717061715384}),
                6, 1e-6, 1e-7);
    expect_vals(r.indices, ((double[]){-4.58257569495584, -1.5275252316519468, 0.0, -2.7688746209726918}),
                4, 1e-6, 1e-7);
    ct_tensor_pair c = ct_linalg_qr(x, CT_QR_COMPLETE);
    assert_int_equal(ct_shape(c.values)[1], 3);
    assert_int_equal(ct_shape(c.indices)[0], 3);
    expect_vals(c.values, ((double[]){-0.8728715609439694, 0.12038585308576917, -0.4728662437434604,
                                      -0.2182178902359924, -0.9630868246861535, 0.15762208124782012,
                                      -0.4364357804719848, 0.2407717061715384, 0.8669214468630108}),
                9, 1e-6, 1e-7);
    ct_tensor_pair rr = ct_linalg_qr(ct_t(x), CT_QR_R);
    assert_int_equal(ct_dim(rr.values), 1);
    assert_int_equal(ct_numel(rr.values), 0);
    expect_vals(rr.indices, ((double[]){-4.123105625617661, -1.6977493752543307, -1.9402850002906642, 0.0,
                                        2.667891875399663, -0.48507125007266594}), 6, 1e-6, 1e-7);
  }
  /* no Q in mode 'r', a tall complete Q: the backward fails with PyTorch's message */
  ct_tensor *x = ct_requires_grad_(ct_clone(a), true);
  assert_true(ct_backward(ct_sum(ct_linalg_qr(x, CT_QR_R).indices)) < 0);
  expect_fail(1, "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                 "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.");
  assert_true(ct_backward(ct_sum(ct_linalg_qr(x, CT_QR_COMPLETE).values)) < 0);
  expect_fail(1, "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
  /* 0 columns: Q (3, 0) / the identity in complete mode, R empty */
  ct_tensor_pair e = ct_linalg_qr(ct_zeros(SH(3, 0)), CT_QR_COMPLETE);
  expect_vals(e.values, ((double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}), 9, 0, 0);
  assert_int_equal(ct_numel(e.indices), 0);
  expect_error(ct_linalg_qr(ct_ones(SH(3)), CT_QR_REDUCED).values,
               "linalg.qr: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_qr(ct_ones(SH(3, 3), .dtype = CT_INT64), CT_QR_REDUCED).values,
               "linalg.qr: Expected a floating point or complex tensor as input. Got Long");
  expect_error(ct_linalg_qr(ct_ones(SH(3, 3)), (ct_qr_mode)7).values, "qr received unrecognized mode");
  ct_scope_end();
}

/* ---- gradients: gradcheck + gradgradcheck in float64 ------------------------------------ */
static ct_tensor *logabsdet(const ct_tensor *A) { return ct_linalg_slogdet(A).indices; }
static ct_tensor *sign_plus_logabsdet(const ct_tensor *A) {
  ct_tensor_pair p = ct_linalg_slogdet(A);
  return ct_add(p.values, p.indices);
}

/* X X^T + n I: symmetric positive definite whatever gradcheck perturbs, for cholesky */
static ct_tensor *spd(const ct_tensor *X) {
  int64_t n = ct_shape(X)[ct_dim(X) - 1];
  return ct_add(ct_matmul(X, ct_transpose(X, -2, -1)),
                ct_mul_scalar(ct_eye(n, -1, .dtype = CT_FLOAT64), (double)n));
}
static ct_tensor *chol_spd(const ct_tensor *X) { return ct_linalg_cholesky(spd(X), false); }
static ct_tensor *chol_spd_upper(const ct_tensor *X) { return ct_linalg_cholesky(spd(X), true); }

/* t as a float64 leaf that requires grad */
static ct_tensor *lead(const ct_tensor *t) { return ct_requires_grad_(ct_contiguous(ct_detach(t)), true); }

/* Q and R of linalg.qr together (both outputs' gradients) */
static int run_qr(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  ct_tensor_pair p = ct_linalg_qr(in[0], *(const ct_qr_mode *)u);
  out[0] = p.values, out[1] = p.indices;
  return p.values && p.indices ? 0 : -1;
}

static void test_qr_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_qr_mode red = CT_QR_REDUCED, comp = CT_QR_COMPLETE;
  ct_tensor *ins[] = {lead(ct_slice(wc(SH(4, 4), 1), 1, 0, 3, 1)), lead(ct_slice(wc(SH(4, 4), 2), 0, 0, 2, 1)),
                      wc(SH(2, 3, 3), 3), lead(ct_slice(wc(SH(2, 3, 3), 4), 2, 0, 2, 1))};
  for (int i = 0; i < 4; i++) {
    if (!ct_gradcheck(run_qr, &ins[i], 1, .user = &red, .n_outputs = 2)) fail_msg("qr gradcheck %d", i);
    if (!ct_gradgradcheck(run_qr, &ins[i], 1, .user = &red, .n_outputs = 2)) fail_msg("qr gradgradcheck %d: %s", i, ct_last_error() ? ct_last_error() : "");
  }
  ct_tensor *w = lead(ct_slice(wc(SH(3, 3), 5), 0, 0, 2, 1));
  assert_true(ct_gradcheck(run_qr, &w, 1, .user = &comp, .n_outputs = 2));
  assert_true(ct_gradgradcheck(run_qr, &w, 1, .user = &comp, .n_outputs = 2));
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_grads(void **state) {
  (void)state;
  ct_scope_begin();
  const op_ref inv = {.u = ct_linalg_inv}, det = {.u = ct_linalg_det}, lad = {.u = logabsdet},
               spl = {.u = sign_plus_logabsdet}, sol = {.b = ct_linalg_solve},
               chl = {.u = chol_spd}, chu = {.u = chol_spd_upper};
  check_grads(run_unary, (ct_tensor *[]){ramp(SH(3, 3), CT_FLOAT64, 13, true)}, 1, (void *)&chl, "cholesky");
  check_grads(run_unary, (ct_tensor *[]){ramp(SH(2, 3, 3), CT_FLOAT64, 14, true)}, 1, (void *)&chu,
              "cholesky upper batched");
  check_grads(run_unary, (ct_tensor *[]){wc(SH(3, 3), 1)}, 1, (void *)&inv, "inv");
  check_grads(run_unary, (ct_tensor *[]){wc(SH(2, 3, 3), 2)}, 1, (void *)&inv, "inv batched");
  check_grads(run_unary, (ct_tensor *[]){wc(SH(3, 3), 3)}, 1, (void *)&det, "det");
  check_grads(run_unary, (ct_tensor *[]){wc(SH(2, 4, 4), 4)}, 1, (void *)&det, "det batched");
  check_grads(run_unary, (ct_tensor *[]){ct_requires_grad_(ct_neg(ct_detach(wc(SH(3, 3), 5))), true)}, 1,
              (void *)&lad, "slogdet negative det");
  check_grads(run_unary, (ct_tensor *[]){wc(SH(2, 3, 3), 6)}, 1, (void *)&spl, "slogdet both outputs");
  check_grads(run_binary, (ct_tensor *[]){wc(SH(3, 3), 7), ramp(SH(3, 2), CT_FLOAT64, 8, true)}, 2,
              (void *)&sol, "solve");
  check_grads(run_binary, (ct_tensor *[]){wc(SH(2, 3, 3), 9), ramp(SH(3), CT_FLOAT64, 10, true)}, 2,
              (void *)&sol, "solve broadcast vector");
  check_grads(run_binary, (ct_tensor *[]){wc(SH(3, 3), 11), ramp(SH(2, 3, 2), CT_FLOAT64, 12, true)}, 2,
              (void *)&sol, "solve broadcast A");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inv),        cmocka_unit_test(test_inv_errors),
      cmocka_unit_test(test_solve),      cmocka_unit_test(test_solve_errors),
      cmocka_unit_test(test_det_slogdet), cmocka_unit_test(test_cholesky),
      cmocka_unit_test(test_qr),         cmocka_unit_test(test_qr_grads),
      cmocka_unit_test(test_grads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
