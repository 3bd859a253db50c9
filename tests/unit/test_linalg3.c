/* The last of torch.linalg (src/ops/linalg_lstsq.c): values from PyTorch 1.13 for every
 * driver, its error messages, float64 gradcheck + gradgradcheck (batched, broadcast, vector). */
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

static ct_tensor *from(const double *v, ct_dtype dt, int nd, const int64_t *sh) {
  return ct_to(ct_tensor_from(v, CT_FLOAT64, nd, sh), dt);
}

static void test_lstsq_values(void **state) {
  (void)state;
  ct_scope_begin();
  const double a[] = {1, 2, 3, 4, 5, 7}, b[] = {1, 0, 2, 1, 4, -1};
  const double x[] = {0.07142857142857141, 0.6428571428571439, 0.5, -0.5000000000000008};
  const double res[] = {0.07142857142857144, 1.785714285714285}, sv[] = {10.191428257097224, 0.36713768594389923};
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    double tol = dt == CT_FLOAT32 ? 1e-5 : 1e-12;
    ct_tensor *A = from(a, (ct_dtype)dt, SH(3, 2)), *B = from(b, (ct_dtype)dt, SH(3, 2));
    for (int d = CT_LSTSQ_DEFAULT; d <= CT_LSTSQ_GELSS; d++) {
      ct_lstsq_result r = ct_linalg_lstsq(A, B, .driver = (ct_lstsq_driver)d);
      ct_test_expect_floats(r.solution, x, 4, tol);
      bool gelsy = d == CT_LSTSQ_DEFAULT || d == CT_LSTSQ_GELSY, svd = d >= CT_LSTSQ_GELSD;
      /* residuals: m > n and not gelsy; rank: not gels; singular values: gelsd / gelss */
      if (gelsy) assert_int_equal(ct_numel(r.residuals), 0);
      else ct_test_expect_floats(r.residuals, res, 2, tol * 10);
      assert_int_equal(ct_dtype_of(r.rank), CT_INT64);
      if (d == CT_LSTSQ_GELS) assert_int_equal(ct_dim(r.rank), 1), assert_int_equal(ct_numel(r.rank), 0);
      else assert_int_equal(ct_dim(r.rank), 0), assert_int_equal((int)ct_item(r.rank), 2);
      if (svd) ct_test_expect_floats(r.singular_values, sv, 2, tol * 10);
      else assert_int_equal(ct_numel(r.singular_values), 0);
    }
  }
  /* rank-deficient (a zero column): the minimum-norm solution, rank 2, no residuals */
  ct_tensor *A = ct_tensor_from(((double[]){1, 2, 0, 3, 4, 0, 5, 7, 0}), CT_FLOAT64, SH(3, 3));
  ct_tensor *B = ct_tensor_from(b, CT_FLOAT64, SH(3, 2));
  ct_lstsq_result r = ct_linalg_lstsq(A, B, .driver = CT_LSTSQ_GELSD);
  ct_test_expect_floats(r.solution, ((double[]){x[0], x[1], x[2], x[3], 0, 0}), 6, 1e-12);
  assert_int_equal((int)ct_item(r.rank), 2);
  assert_int_equal(ct_numel(r.residuals), 0);
  /* rcond cuts the small singular value: rank 1 */
  r = ct_linalg_lstsq(from(a, CT_FLOAT64, SH(3, 2)), B, .rcond = 0.05, .driver = CT_LSTSQ_GELSS);
  assert_int_equal((int)ct_item(r.rank), 1);
  /* under-determined: the minimum-norm solution */
  r = ct_linalg_lstsq(ct_t(from(a, CT_FLOAT64, SH(3, 2))), ct_narrow(B, 0, 0, 2), .driver = CT_LSTSQ_GELSD);
  ct_test_expect_floats(r.solution, ((double[]){0.9285714285714283, 1.5, -0.21428571428571414, -0.5,
                                                0.1428571428571427, 0}), 6, 1e-12);
  /* a vector right-hand side, batched and broadcast: (2, 3, 2) with (3,) is not allowed but
   * (2, 3) is; rank follows A's batch shape, residuals the broadcast one */
  ct_tensor *A2 = ct_stack((ct_tensor *[]){from(a, CT_FLOAT64, SH(3, 2)), from(a, CT_FLOAT64, SH(3, 2))}, 2, 0);
  r = ct_linalg_lstsq(A2, ct_t(ct_narrow(B, 1, 0, 1)) , .driver = CT_LSTSQ_GELSD);
  assert_non_null(r.solution);
  assert_int_equal(ct_dim(r.solution), 2);
  ct_test_expect_floats(r.solution, ((double[]){x[0], x[2], x[0], x[2]}), 4, 1e-12);
  assert_int_equal(ct_size(r.residuals, -1), 1);
  r = ct_linalg_lstsq(ct_unsqueeze(from(a, CT_FLOAT64, SH(3, 2)), 0), ct_expand(ct_unsqueeze(B, 0), SH(4, 3, 2)),
                      .driver = CT_LSTSQ_GELSD);
  assert_int_equal(ct_size(r.solution, 0), 4);
  assert_int_equal(ct_size(r.rank, 0), 1);
  assert_int_equal(ct_size(r.residuals, 0), 4);
  assert_int_equal(ct_dim(r.singular_values), 2);
  /* empty: m == 0 gives zeros, n == 0 residuals = |B|^2 */
  r = ct_linalg_lstsq(ct_zeros(SH(0, 3), .dtype = CT_FLOAT64), ct_zeros(SH(0, 2), .dtype = CT_FLOAT64));
  ct_test_expect_floats(r.solution, ((double[]){0, 0, 0, 0, 0, 0}), 6, 0);
  r = ct_linalg_lstsq(ct_zeros(SH(3, 0), .dtype = CT_FLOAT64), B, .driver = CT_LSTSQ_GELSD);
  ct_test_expect_floats(r.residuals, ((double[]){21, 2}), 2, 1e-12);
  ct_scope_end();
}

#define LSTSQ_ERR(A, B, msg) expect_error(ct_linalg_lstsq(A, B).solution, msg)
static void test_lstsq_errors(void **state) {
  (void)state;
  ct_scope_begin();
  LSTSQ_ERR(ct_ones(SH(5)), ct_ones(SH(5)), "torch.linalg.lstsq: input must have at least 2 dimensions.");
  LSTSQ_ERR(ct_ones(SH(5, 3)), ct_ones(SH(4, 2)), "torch.linalg.lstsq: input.size(-2) should match other.size(-2)");
  LSTSQ_ERR(ct_ones(SH(5, 3)), ct_ones(SH(4)), "torch.linalg.lstsq: input.size(-2) should match other.size(-1)");
  LSTSQ_ERR(ct_ones(SH(5, 3)), ct_ones(SH(5, 2, 2, 2)),
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
            "(input.dim() - other.dim()) <= 1");
  LSTSQ_ERR(ct_ones(SH(5, 3), .dtype = CT_INT64), ct_ones(SH(5, 2), .dtype = CT_INT64),
            "This function doesn't handle types other than float and double");
  LSTSQ_ERR(ct_ones(SH(5, 3)), ct_ones(SH(5, 2), .dtype = CT_FLOAT64),
            "torch.linalg.lstsq: Expected input and other to have the same dtype, but got input's dtype "
            "Float and other's dtype Double");
  expect_error(ct_linalg_lstsq(ct_ones(SH(5, 3)), ct_ones(SH(5, 2)), .driver = (ct_lstsq_driver)9).solution,
               "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)");
  ct_tensor *z = ct_tensor_from(((double[]){1, 2, 0, 3, 4, 0, 5, 7, 0, 1, 1, 0}), CT_FLOAT64, SH(4, 3));
  expect_error(ct_linalg_lstsq(z, ct_ones(SH(4, 2), .dtype = CT_FLOAT64), .driver = CT_LSTSQ_GELS).solution,
               "torch.linalg.lstsq: The least squares solution could not be computed because the input matrix "
               "does not have full rank (error code: 3).");
  assert_null(ct_linalg_lstsq(NULL, z).solution);
  ct_scope_end();
}

/* solution of lstsq(in[0], in[1]) with the driver in u */
static int run_lstsq(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ct_linalg_lstsq(in[0], in[1], .driver = *(ct_lstsq_driver *)u).solution;
  return out[0] ? 0 : -1;
}
static ct_tensor *r64(int nd, const int64_t *sh, int seed) { return ramp(nd, sh, CT_FLOAT64, seed, true); }
/* a (*, m, n) float64 leaf of full rank: ramp + a diagonal */
static ct_tensor *fr(int nd, const int64_t *sh, int seed) {
  ct_tensor *d = ct_mul_scalar(ct_eye(sh[nd - 2], sh[nd - 1], .dtype = CT_FLOAT64), 3);
  return ct_requires_grad_(ct_detach(ct_add(ramp(nd, sh, CT_FLOAT64, seed, false), d)), true);
}

static void test_lstsq_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_lstsq_driver d[] = {CT_LSTSQ_DEFAULT, CT_LSTSQ_GELS, CT_LSTSQ_GELSD, CT_LSTSQ_GELSS};
  for (int i = 0; i < 4; i++) {
    check_grads(run_lstsq, ((ct_tensor *[]){fr(SH(4, 3), 1), r64(SH(4, 2), 2)}), 2, &d[i], "lstsq tall");
    check_grads(run_lstsq, ((ct_tensor *[]){fr(SH(2, 4), 3), r64(SH(2, 3), 4)}), 2, &d[i], "lstsq wide");
  }
  check_grads(run_lstsq, ((ct_tensor *[]){fr(SH(2, 1, 4, 3), 5), r64(SH(1, 3, 4, 2), 6)}), 2, &d[0],
              "lstsq broadcast");
  /* vector right-hand sides (PyTorch 1.13's own backward fails there; this is the gradient) */
  check_grads(run_lstsq, ((ct_tensor *[]){fr(SH(4, 3), 7), r64(SH(4), 8)}), 2, &d[0], "lstsq vector");
  check_grads(run_lstsq, ((ct_tensor *[]){fr(SH(2, 4, 3), 9), r64(SH(2, 4), 10)}), 2, &d[2], "lstsq vectors");
  ct_lstsq_result r = ct_linalg_lstsq(fr(SH(4, 3), 1), r64(SH(4, 2), 2));
  assert_string_equal(ct_grad_fn_name(r.solution), "LinalgLstsqBackward0");
  assert_false(ct_requires_grad(r.residuals));
  ct_scope_end();
}

/* det's gradient at singular matrices (PyTorch 1.13's values): 0 in a plain backward (det is
 * exactly 0), the cofactor matrix under create_graph (the SVD path), and its double backward */
static void test_det_singular(void **state) {
  (void)state;
  ct_scope_begin();
  const double a[] = {1, 2, 3, 2, 4, 6, 1, 0, 1};
  ct_tensor *A = ct_requires_grad_(ct_tensor_from(a, CT_FLOAT64, SH(3, 3)), true), *g = NULL;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_linalg_det(A)}, 1, &A, 1, NULL, false, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){0, 0, 0, 0, 0, 0, 0, 0, 0}), 9, 0);
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_linalg_det(A)}, 1, &A, 1, NULL, true, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){4, 4, -4, -2, -2, 2, 0, 0, 0}), 9, 1e-12);
  ct_tensor *gg = NULL;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(g)}, 1, &A, 1, NULL, false, -1, false, &gg), 0);
  /* double backward through the SVD (last singular value ~3e-16): PyTorch's values, which are
   * the exact derivative of the cofactor matrix (test_linalg4.c checks more ranks) */
  ct_test_expect_floats(gg, ((double[]){-1, 4, -3, 0, -2, 2, 1, -2, 1}), 9, 1e-10);
  /* a batch of a singular and an invertible matrix: each its own path */
  ct_tensor *B = ct_requires_grad_(ct_tensor_from(((double[]){1, 2, 0, 3, 4, 0, 5, 6, 0, 2, 0, 0, 0, 3, 0, 1, 1, 1}),
                                                  CT_FLOAT64, SH(2, 3, 3)), true);
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(ct_linalg_det(B))}, 1, &B, 1, NULL, true, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){0, 0, -2, 0, 0, 4, 0, 0, -2, 3, 0, -3, 0, 2, -2, 0, 0, 6}), 18, 1e-12);
  ct_scope_end();
}

/* cond of a singular matrix with p not in {None, 2, -2}: inf, as PyTorch (was linalg.inv's error) */
static void test_cond_singular(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *A = ct_tensor_from(((double[]){1, 2, 2, 4, 2, 1, 1, 3}), CT_FLOAT64, SH(2, 2, 2));
  const double ps[] = {CT_ORD_FRO, 1, -1, INFINITY, -INFINITY}, second[] = {3, 3.2, 1.8, 3.2, 1.8};
  for (int i = 0; i < 5; i++)
    expect_vals(ct_linalg_cond(A, ps[i]), ((double[]){INFINITY, second[i]}), 2, 1e-12, 1e-12);
  ct_scope_end();
}

/* solve(left=False) with a vector B and n == 1: PyTorch's own message; a matrix B works */
static void test_solve_right_n1(void **state) {
  (void)state;
  ct_scope_begin();
  const char *msg = "linalg.solve: Vector broadcasting of the left hand side is not supported for left=False. "
                    "In this case linalg.solve is equivalent to B / A.squeeze(-1)";
  ct_tensor *A = ct_full(SH(1, 1), 2.0, .dtype = CT_FLOAT64);
  expect_error(ct_linalg_solve_ex(A, ct_ones(SH(1), .dtype = CT_FLOAT64), false), msg);
  expect_error(ct_linalg_solve_ex(A, ct_ones(SH(2), .dtype = CT_FLOAT64), false), msg);
  expect_error(ct_linalg_solve_ex(ct_ones(SH(2, 1, 1), .dtype = CT_FLOAT64), ct_ones(SH(2, 1), .dtype = CT_FLOAT64),
                                  false), msg);
  expect_vals(ct_linalg_solve_ex(A, ct_tensor_from(((double[]){3, 4}), CT_FLOAT64, SH(2, 1)), false),
              ((double[]){1.5, 2}), 2, 0, 0);
  ct_scope_end();
}

/* the composed linalg ops carry PyTorch 1.13's grad_fn names */
static void test_grad_fn_names(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_ones(SH(3, 4)), true), *a = ct_requires_grad_(ct_ones(SH(3)), true);
  const char *vn = "LinalgVectorNormBackward0";
  assert_string_equal(ct_grad_fn_name(ct_linalg_vector_norm(x)), vn);
  assert_string_equal(ct_grad_fn_name(ct_linalg_vector_norm(x, .ord = INFINITY)), vn);
  assert_string_equal(ct_grad_fn_name(ct_linalg_vector_norm(x, .dtype = CT_FLOAT64)), vn);
  assert_string_equal(ct_grad_fn_name(ct_linalg_matrix_norm(x)), vn);
  assert_string_equal(ct_grad_fn_name(ct_linalg_norm(x)), vn);
  assert_string_equal(ct_grad_fn_name(ct_linalg_cross(a, ct_ones(SH(3)), -1)), "LinalgCrossBackward0");
  assert_string_equal(ct_grad_fn_name(ct_cross(a, ct_ones(SH(3)), CT_NONE)), "LinalgCrossBackward0");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lstsq_values),
      cmocka_unit_test(test_lstsq_errors),
      cmocka_unit_test(test_lstsq_grads),
      cmocka_unit_test(test_det_singular),
      cmocka_unit_test(test_cond_singular),
      cmocka_unit_test(test_solve_right_n1),
      cmocka_unit_test(test_grad_fn_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
