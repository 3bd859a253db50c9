/* torch.linalg.eig / eigvals for real spectra (src/ops/linalg_geev.c): values from PyTorch
 * 1.13 (the real parts of its complex results), its error messages, the complex-spectrum
 * error, float64 gradcheck + gradgradcheck. */
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

/* dense (a zero entry can sit where LAPACK's eigenvector sign flips: no gradcheck there) */
static const double A3[] = {4, 1, 2, 0.5, 3, 1, 0.3, 0.2, -1};
static const double B22[] = {1, 2, 3, 4, 5, 0.5, 1, -2};

static void test_eig_values(void **state) {
  (void)state;
  ct_scope_begin();
  const double l3[] = {4.5118606007321205, 2.6329628257443707, -1.1448234264764947};
  const double v3[] = {-0.9342079818789077, -0.5867081934714372, -0.3247152123521124,
                       -0.351016427325585, 0.8097891882141207, -0.1846299616757311,
                       -0.06358391574384845, -0.0038686386491520825, 0.9276161965590837};
  const double lb[] = {-0.3722813232690143, 5.372281323269014, 5.070714214271424, -2.070714214271425};
  const double vb[] = {-0.8245648401323938, -0.4159735579192842, 0.5657674649689923, -0.9093767091321241,
                       0.9901465720510221, -0.07053807138097008, 0.14003487371226586, 0.997509087921435};
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    double tol = dt == CT_FLOAT32 ? 1e-5 : 1e-12;
    ct_tensor *A = ct_to(ct_tensor_from(A3, CT_FLOAT64, SH(3, 3)), (ct_dtype)dt);
    ct_tensor_pair e = ct_linalg_eig(A);
    ct_test_expect_floats(e.values, l3, 3, tol);
    /* float32's sgeev picks other signs for the first two columns, in PyTorch too */
    double v[9];
    for (int i = 0; i < 9; i++) v[i] = dt == CT_FLOAT32 && i % 3 < 2 ? -v3[i] : v3[i];
    ct_test_expect_floats(e.indices, v, 9, tol);
    assert_int_equal(ct_dtype_of(e.values), dt);
    ct_test_expect_floats(ct_linalg_eigvals(A), l3, 3, tol);
    /* batched, and a non-contiguous (transposed) input */
    ct_tensor *B = ct_to(ct_tensor_from(B22, CT_FLOAT64, SH(2, 2, 2)), (ct_dtype)dt);
    e = ct_linalg_eig(B);
    ct_test_expect_floats(e.values, lb, 4, tol);
    ct_test_expect_floats(e.indices, vb, 8, tol);
    e = ct_linalg_eig(ct_transpose(ct_contiguous(ct_transpose(B, -2, -1)), -2, -1));
    ct_test_expect_floats(e.values, lb, 4, tol);
  }
  /* A V = V diag(L) and unit columns */
  ct_tensor *A = ct_tensor_from(A3, CT_FLOAT64, SH(3, 3));
  ct_tensor_pair e = ct_linalg_eig(A);
  assert_true(ct_allclose(ct_matmul(A, e.indices), ct_mul(e.indices, ct_unsqueeze(e.values, -2)), 1e-12, 1e-12));
  /* empty: (0, 0) and a batch of (0, 0) */
  e = ct_linalg_eig(ct_zeros(SH(2, 0, 0)));
  assert_non_null(e.values);
  assert_int_equal(ct_dim(e.values), 2), assert_int_equal(ct_size(e.values, 0), 2);
  assert_int_equal(ct_dim(e.indices), 3), assert_int_equal(ct_numel(e.indices), 0);
  assert_int_equal(ct_numel(ct_linalg_eigvals(ct_zeros(SH(0, 0)))), 0);
  ct_scope_end();
}

static void test_eig_errors(void **state) {
  (void)state;
  ct_scope_begin();
  expect_error(ct_linalg_eig(ct_ones(SH(2, 3))).values,
               "linalg.eig: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_eigvals(ct_ones(SH(2, 3))),
               "linalg.eigvals: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_eig(ct_ones(SH(3))).values, "linalg.eig: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_eigvals(ct_ones(SH(3))), "linalg.eigvals: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_eig(ct_ones(SH(2, 2), .dtype = CT_INT64)).values, "Unknown Complex ScalarType for Long");
  expect_error(ct_linalg_eigvals(ct_ones(SH(2, 3), .dtype = CT_INT64)), "Unknown Complex ScalarType for Long");
  ct_tensor *nanm = ct_tensor_from(((double[]){1, NAN, 0, 1}), CT_FLOAT64, SH(2, 2));
  expect_error(ct_linalg_eig(nanm).values, "torch.linalg.eig: input tensor should not contain infs or NaNs.");
  /* a rotation: eigenvalues +-i, a complex result ctorch cannot hold */
  ct_tensor *rot = ct_tensor_from(((double[]){0, 1, -1, 0}), CT_FLOAT64, SH(2, 2));
  const char *cx = "linalg.eig: eigenvalue 0 of A is complex (imaginary part 1): the result would be a "
                   "complex tensor and ctorch has no complex dtype";
  expect_error(ct_linalg_eig(rot).values, cx);
  expect_error(ct_linalg_eigvals(ct_to(rot, CT_FLOAT32)), "linalg.eigvals: eigenvalue 0 of A is complex");
  /* in a batch: the element is named */
  ct_tensor *b = ct_stack((ct_tensor *[]){ct_eye(2, -1, .dtype = CT_FLOAT64), rot}, 2, 0);
  expect_error(ct_linalg_eig(b).values, "linalg.eig: (Batch element 1): eigenvalue 0 of A is complex");
  /* eigvals does not check for inf (PyTorch): its nan+nanj eigenvalues have NaN real parts */
  ct_tensor *l = ct_linalg_eigvals(ct_tensor_from(((double[]){INFINITY, 0, 0, 1}), CT_FLOAT64, SH(2, 2)));
  assert_non_null(l);
  assert_true(isnan(ct_item(ct_select(l, 0, 0))) && isnan(ct_item(ct_select(l, 0, 1))));
  assert_null(ct_linalg_eig(NULL).values);
  assert_null(ct_linalg_eigvals(NULL));
  ct_scope_end();
}

/* eigenvalues and eigenvectors of in[0] */
static int run_eig(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  ct_tensor_pair e = ct_linalg_eig(in[0]);
  out[0] = e.values, out[1] = e.indices;
  return out[0] ? 0 : -1;
}
/* the eigenvectors only: the backward without gL */
static int run_eigvecs(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_linalg_eig(in[0]).indices;
  return out[0] ? 0 : -1;
}
static int run_eigvals(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_linalg_eigvals(in[0]);
  return out[0] ? 0 : -1;
}

static void grads_n(ct_fn f, ct_tensor *A, int n_out, const char *what) {
  if (!ct_gradcheck(f, &A, 1, .n_outputs = n_out)) fail_msg("gradcheck failed for %s", what);
  if (!ct_gradgradcheck(f, &A, 1, .n_outputs = n_out)) fail_msg("gradgradcheck failed for %s", what);
  if (ct_last_error()) fail_msg("%s left an error: %s", what, ct_last_error());
}

static void test_eig_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *A = ct_requires_grad_(ct_tensor_from(A3, CT_FLOAT64, SH(3, 3)), true);
  ct_tensor *B = ct_requires_grad_(ct_tensor_from(B22, CT_FLOAT64, SH(2, 2, 2)), true);
  grads_n(run_eig, A, 2, "eig");
  grads_n(run_eig, B, 2, "eig batched");
  grads_n(run_eigvecs, A, 1, "eig vectors only");
  grads_n(run_eigvals, A, 1, "eigvals");
  grads_n(run_eigvals, B, 1, "eigvals batched");
  /* PyTorch 1.13's gradients for sum(L * gL) + sum(V * gV) and for eigvals */
  ct_tensor *gL = ct_tensor_from(((double[]){1, -2, 0.5}), CT_FLOAT64, SH(3));
  ct_tensor *gV = ct_add_scalar(ct_div_scalar(ct_arange(0, 9, 1, .dtype = CT_FLOAT64), 10), -0.3);
  ct_tensor_pair e = ct_linalg_eig(A);
  assert_string_equal(ct_grad_fn_name(e.values), "LinalgEigBackward0");
  assert_string_equal(ct_grad_fn_name(e.indices), "LinalgEigBackward0");
  ct_tensor *loss = ct_add(ct_sum(ct_mul(e.values, gL)), ct_sum(ct_mul(e.indices, ct_reshape(gV, SH(3, 3)))));
  ct_tensor *g = NULL;
  assert_int_equal(ct_autograd_grad(&loss, 1, &A, 1, NULL, false, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){0.3500862117645038, 0.9191166188625135, 0.021879896125696276,
                                       1.659816169015464, -1.346205110907423, -0.037748693238692725,
                                       0.15670414992465892, 0.02932786725980226, 0.49611889914291873}), 9, 1e-12);
  ct_tensor *l = ct_linalg_eigvals(A);
  assert_string_equal(ct_grad_fn_name(l), "LinalgEigBackward0");
  loss = ct_sum(ct_mul(l, gL));
  assert_int_equal(ct_autograd_grad(&loss, 1, &A, 1, NULL, false, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){0.3425297332451845, 0.8892055427339419, 0.022480401590939787,
                                       1.698560628585163, -1.3560308953399751, 0.028295343874414226,
                                       0.28295343874413764, -0.05814942283473755, 0.5135011620947908}), 9, 1e-12);
  ct_scope_end();
}

/* det's second derivative at singular matrices: PyTorch 1.13's values (its SVD path under
 * create_graph), which are the exact derivative of the cofactor matrix where the singular
 * values are distinct (here up to roundoff); NaN where PyTorch gives NaN (exactly repeated
 * zero singular values: the SVD's backward divides by 0) */
static int run_det(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = ct_linalg_det(in[0]);
  return out[0] ? 0 : -1;
}
static ct_tensor *det_hess_sum(ct_tensor *A) { /* d/dA sum(d det / dA) */
  ct_tensor *g = NULL, *gg = NULL;
  if (ct_autograd_grad((ct_tensor *[]){ct_sum(ct_linalg_det(A))}, 1, &A, 1, NULL, true, -1, false, &g)) return NULL;
  if (ct_autograd_grad((ct_tensor *[]){ct_sum(g)}, 1, &A, 1, NULL, false, -1, false, &gg)) return NULL;
  return gg;
}
static void test_det_singular_double(void **state) {
  (void)state;
  ct_scope_begin();
  static const struct {
    int n;
    double a[9], gg[9];
  } c[] = {
      {3, {1, 2, 3, 2, 4, 6, 1, 0, 1}, {-1, 4, -3, 0, -2, 2, 1, -2, 1}},  /* rank n-1 */
      {3, {1, 2, 3, 2, 4, 6, 3, 6, 9}, {1, -2, 1, -2, 4, -2, 1, -2, 1}},  /* rank n-2 */
      {3, {2, 0, 0, 0, 3, 0, 0, 0, 0}, {3, 0, -3, 0, 2, -2, -3, -2, 5}},  /* rank n-1, exact zero */
      {2, {1, 2, 2, 4}, {1, -1, -1, 1}},                                  /* rank n-1 */
  };
  for (int i = 0; i < 4; i++) {
    int64_t n = c[i].n;
    ct_tensor *A = ct_requires_grad_(ct_tensor_from(c[i].a, CT_FLOAT64, SH(n, n)), true);
    ct_test_expect_floats(det_hess_sum(A), c[i].gg, n * n, 1e-10);
    if (!ct_gradgradcheck(run_det, &A, 1)) fail_msg("det gradgradcheck at singular matrix %d", i);
  }
  /* two exactly zero singular values (rank n-2 of a diagonal, the zero matrix): NaN, as PyTorch */
  ct_tensor *Z = ct_requires_grad_(ct_zeros(SH(2, 2), .dtype = CT_FLOAT64), true);
  ct_tensor *gg = det_hess_sum(Z);
  assert_non_null(gg);
  assert_true(isnan(ct_item(ct_select(ct_flatten(gg, 0, -1), 0, 0))));
  /* a batch mixing singular and invertible matrices: each its own path */
  ct_tensor *B = ct_requires_grad_(ct_tensor_from(((double[]){1, 2, 2, 4, 2, 1, 1, 3}), CT_FLOAT64, SH(2, 2, 2)), true);
  ct_test_expect_floats(det_hess_sum(B), ((double[]){1, -1, -1, 1, 1, -1, -1, 1}), 8, 1e-10);
  ct_scope_end();
}

/* cumprod's gradient at a roundoff-sized entry: PyTorch's reversed cumsum (flip, cumsum, flip)
 * keeps the tiny tail sums that sum - cumsum + g cancelled (4.467 instead of 4.7) */
static void test_cumprod_grad_tiny(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from(((double[]){1, 2.7e-16, 0.9}), CT_FLOAT64, SH(3)), true), *g = NULL;
  ct_tensor *y = ct_sum(ct_mul(ct_cumprod(x, 0), ct_tensor_from(((double[]){1, 2, 3}), CT_FLOAT64, SH(3))));
  if (ct_autograd_grad(&y, 1, &x, 1, NULL, false, -1, false, &g)) fail_msg("%s", ct_last_error());
  expect_vals(g, ((double[]){1, 4.7, 8.1e-16}), 3, 1e-14, 0);
  /* cumsum's gradient goes through the same reversed sum */
  ct_tensor *s = ct_sum(ct_mul(ct_cumsum(x, 0), ct_tensor_from(((double[]){1, 1e-17, 1e-17}), CT_FLOAT64, SH(3))));
  assert_int_equal(ct_autograd_grad(&s, 1, &x, 1, NULL, false, -1, false, &g), 0);
  expect_vals(g, ((double[]){1.00000000000000002, 2e-17, 1e-17}), 3, 1e-14, 0);
  ct_scope_end();
}

/* cond at singular input, every p (PyTorch 1.13): 'nuc' is sum(S) * sum(1 / S) of svdvals
 * (inf at an exactly zero singular value, NaN for the zero matrix; was linalg.inv's error),
 * the others inf; 0 x 0 matrices give 0 */
static ct_tensor *cond_nuc(const ct_tensor *A) { return ct_linalg_cond(A, CT_ORD_NUC); }
static void test_cond_singular_all(void **state) {
  (void)state;
  ct_scope_begin();
  const double a[] = {1, 0, 0, 0, 2, 1, 1, 3, 0, 0, 0, 0};
  const double ps[] = {CT_ORD_NONE, CT_ORD_FRO, CT_ORD_NUC, 1, -1, INFINITY, -INFINITY, 2, -2};
  const double regular[] = {2.6180339887498953, 3, 5, 3.2, 1.8, 3.2, 1.8, 2.6180339887498953, 0.3819660112501051};
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *A = ct_to(ct_tensor_from(a, CT_FLOAT64, SH(3, 2, 2)), (ct_dtype)dt);
    for (int i = 0; i < 9; i++) {
      ct_tensor *c = ct_linalg_cond(A, ps[i]);
      double first = ps[i] == -2 ? 0 : INFINITY;
      expect_vals(ct_narrow(c, 0, 0, 2), ((double[]){first, regular[i]}), 2, 1e-6, 0);
      if (ps[i] == CT_ORD_NUC) assert_true(isnan(ct_item(ct_select(c, 0, 2))));
    }
  }
  /* roundoff-singular: 'nuc' is huge and finite, as PyTorch's 4.8049e+16 */
  double big = ct_item(cond_nuc(ct_tensor_from(((double[]){1, 2, 2, 4}), CT_FLOAT64, SH(2, 2))));
  assert_true(big > 1e15 && isfinite(big));
  /* 0 x 0 matrices: 0 for every p; a non-square empty matrix only for the numeric p's */
  for (int i = 0; i < 9; i++) expect_vals(ct_linalg_cond(ct_zeros(SH(2, 0, 0)), ps[i]), ((double[]){0, 0}), 2, 0, 0);
  expect_vals(ct_linalg_cond(ct_zeros(SH(2, 0, 3)), 1), ((double[]){0, 0}), 2, 0, 0);
  expect_error(ct_linalg_cond(ct_zeros(SH(2, 0, 3)), CT_ORD_NUC),
               "linalg.cond(ord=nuc): A must be batches of square matrices, but they are 0 by 3 matrices");
  /* 'nuc' has PyTorch's gradient (MulBackward0 of the svdvals sums) */
  ct_tensor *R = ct_requires_grad_(ct_tensor_from(B22, CT_FLOAT64, SH(2, 2, 2)), true);
  assert_string_equal(ct_grad_fn_name(cond_nuc(R)), "MulBackward0");
  check_grads(run_unary, &R, 1, &(op_ref){.u = cond_nuc}, "cond nuc");
  ct_tensor *g = NULL, *x = ct_requires_grad_(ct_tensor_from(((double[]){2, 1, 1, 3}), CT_FLOAT64, SH(2, 2)), true);
  ct_tensor *y = cond_nuc(x);
  assert_int_equal(ct_autograd_grad(&y, 1, &x, 1, NULL, false, -1, false, &g), 0);
  ct_test_expect_floats(g, ((double[]){-1, 1, 1, 0}), 4, 1e-12);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_eig_values),
      cmocka_unit_test(test_eig_errors),
      cmocka_unit_test(test_eig_grads),
      cmocka_unit_test(test_det_singular_double),
      cmocka_unit_test(test_cumprod_grad_tiny),
      cmocka_unit_test(test_cond_singular_all),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
