/* The rest of torch.linalg (src/ops/linalg_norm.c, linalg_prod.c, linalg_tri.c,
 * linalg_svd.c): values from PyTorch 1.13, its error messages, float64 gradcheck +
 * gradgradcheck (batched too). */
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

/* [[4,1,2],[1,3,0],[2,0,6]] and the (2, 3) [[1,-2,0],[3,1,-1]] */
static ct_tensor *mat_a(ct_dtype dt) {
  return ct_to(ct_tensor_from(((double[]){4, 1, 2, 1, 3, 0, 2, 0, 6}), CT_FLOAT64, SH(3, 3)), dt);
}
static ct_tensor *mat_b(ct_dtype dt) {
  return ct_to(ct_tensor_from(((double[]){1, -2, 0, 3, 1, -1}), CT_FLOAT64, SH(2, 3)), dt);
}
static double item(ct_tensor *t) { return t ? ct_item(t) : NAN; }

static void test_norms(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    double tol = dt == CT_FLOAT32 ? 1e-5 : 1e-12;
    ct_tensor *b = mat_b((ct_dtype)dt);
    const double ords[] = {CT_ORD_FRO, CT_ORD_NUC, INFINITY, -INFINITY, 1, -1, 2, -2};
    const double want[] = {4.0, 5.540481789221861, 5, 3, 4, 1, 3.3409995001748176, 2.1994822890470433};
    for (int i = 0; i < 8; i++) {
      ct_tensor *r = ct_linalg_matrix_norm(b, .ord = ords[i]);
      assert_int_equal(ct_dtype_of(r), dt);
      assert_true(fabs(item(r) - want[i]) < tol * 4);
      /* linalg.norm of a 2-D input with an ord is matrix_norm; a batch of one the same */
      assert_true(fabs(item(ct_linalg_norm(b, .ord = ords[i])) - want[i]) < tol * 4);
      ct_tensor *k = ct_linalg_matrix_norm(ct_unsqueeze(ct_t(b), 0), .ord = ords[i], .dim = CT_DIMS(2, 1),
                                           .keepdim = true);
      assert_int_equal(ct_dim(k), 3);
      assert_true(fabs(item(k) - want[i]) < tol * 4);
    }
    const double vords[] = {2, 1, INFINITY, -INFINITY, 0, 3, 0.5};
    const double vwant[] = {4.0, 8.0, 3.0, 0.0, 5.0, 3.361975406798963, 37.7765657052182};
    for (int i = 0; i < 7; i++) assert_true(fabs(item(ct_linalg_vector_norm(b, .ord = vords[i])) - vwant[i]) < tol * 40);
    /* linalg.norm without ord: the 2-norm of the flattened input; dtype casts first */
    assert_true(fabs(item(ct_linalg_norm(ct_unsqueeze(b, 0))) - 4.0) < tol);
    assert_int_equal(ct_dtype_of(ct_linalg_vector_norm(b, .dtype = CT_FLOAT64)), CT_FLOAT64);
  }
  ct_tensor *b = mat_b(CT_FLOAT64);
  expect_error(ct_linalg_vector_norm(ct_ones(SH(3), .dtype = CT_INT64)),
               "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long");
  expect_error(ct_linalg_vector_norm(b, .dtype = CT_INT64),
               "linalg.vector_norm: dtype should be floating point or complex, but got Long");
  expect_error(ct_linalg_vector_norm(ct_ones(SH(0)), .ord = -1),
               "linalg.vector_norm cannot compute the -1 norm on an empty tensor because the operation "
               "does not have an identity");
  expect_error(ct_linalg_vector_norm(ct_ones(SH(0)), .ord = INFINITY, .dim = CT_DIMS(0)),
               "linalg.vector_norm cannot compute the inf norm on the dimension 0because this dimension is "
               "empty and the operation does not have an identity");
  expect_error(ct_linalg_matrix_norm(ct_ones(SH(3))),
               "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_matrix_norm(b, .ord = 3), "linalg.matrix_norm: Order 3 not supported.");
  expect_error(ct_linalg_matrix_norm(b, .dim = CT_DIMS(0)), "linalg.matrix_norm: dim must be a 2-tuple. Got 0");
  expect_error(ct_linalg_matrix_norm(b, .dim = CT_DIMS(0, -2)),
               "linalg.matrix_norm: dims must be different. Got (0, -2)");
  expect_error(ct_linalg_matrix_norm(ct_ones(SH(2, 2), .dtype = CT_INT64)),
               "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got Long");
  expect_error(ct_linalg_norm(ct_ones(SH(2, 2, 2)), .ord = 2),
               "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D.");
  expect_error(ct_linalg_norm(b, .ord = 2, .dim = CT_DIMS(0, 1, 0)),
               "linalg.norm: If dim is specified, it must be of length 1 or 2. Got [0, 1, 0]");
  expect_error(ct_linalg_norm(b, .ord = CT_ORD_FRO, .dim = CT_DIMS(0, 1, 1)),
               "linalg.norm: If dim is specified, it mut be of length 1 or 2. Got [0, 1, 1]");
  expect_error(ct_linalg_norm(ct_ones(SH(3)), .ord = CT_ORD_FRO),
               "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.");
  ct_scope_end();
}

static void test_products(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *u = ct_to(ct_tensor_from(((double[]){1, 2, 3}), CT_FLOAT64, SH(3)), dt);
    ct_tensor *v = ct_to(ct_tensor_from(((double[]){4, 5, 7}), CT_FLOAT64, SH(3)), dt);
    expect_vals(ct_linalg_cross(u, v, -1), ((double[]){-1, 5, -3}), 3, 0, 0);
    expect_vals(ct_cross(ct_unsqueeze(u, 1), ct_unsqueeze(v, 1), CT_NONE), ((double[]){-1, 5, -3}), 3, 0, 0);
    ct_tensor *x = ct_to(ct_tensor_from(((double[]){1, 2}), CT_FLOAT64, SH(2)), dt);
    ct_tensor *y = ct_to(ct_tensor_from(((double[]){1, 0, -1}), CT_FLOAT64, SH(3)), dt);
    ct_tensor *md = ct_linalg_multi_dot((ct_tensor *[]){x, mat_b((ct_dtype)dt), mat_a((ct_dtype)dt), y}, 4);
    assert_int_equal(ct_dim(md), 0);
    assert_true(fabs(item(md) - 22) < 1e-5);
    expect_vals(ct_linalg_matrix_power(mat_a((ct_dtype)dt), -2),
                ((double[]){0.13580246913580246, -0.0823045267489712, -0.06378600823045268, -0.0823045267489712,
                            0.1508916323731139, 0.033607681755829906, -0.06378600823045266,
                            0.033607681755829906, 0.055212620027434836}), 9, 1e-5, 1e-6);
    expect_vals(ct_linalg_matrix_power(mat_a((ct_dtype)dt), 0), ((double[]){1, 0, 0, 0, 1, 0, 0, 0, 1}), 9, 0, 0);
  }
  /* integer powers of integer matrices stay integer */
  ct_tensor *ia = ct_to(mat_a(CT_FLOAT64), CT_INT64);
  ct_tensor *p3 = ct_linalg_matrix_power(ia, 3);
  assert_int_equal(ct_dtype_of(p3), CT_INT64);
  assert_true(ct_equal(p3, ct_matmul(ia, ct_matmul(ia, ia))));
  ct_tensor *a = mat_a(CT_FLOAT32);
  expect_error(ct_linalg_cross(ct_ones(SH(4)), ct_ones(SH(4)), -1),
               "linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4");
  expect_error(ct_linalg_cross(ct_ones(SH(2, 3)), ct_ones(SH(3)), -1),
               "linalg.cross: inputs must have the same number of dimensions.");
  expect_error(ct_linalg_cross(ct_ones(SH(3)), ct_ones(SH(3), .dtype = CT_FLOAT64), -1),
               "expected scalar type Float but found Double");
  expect_error(ct_cross(ct_ones(SH(2, 4)), ct_ones(SH(2, 4)), CT_NONE), "no dimension of size 3 in input");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){a}, 1), "multi_dot(): expected at least 2 tensors but got 1");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){ct_ones(SH(2, 2, 2)), a}, 2),
               "multi_dot(): the first tensor must be 1D or 2D but got 3D");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){a, ct_ones(SH(3)), a}, 3),
               "multi_dot(): tensor 1 must be 2D but got 1D");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){a, ct_ones(SH(2, 2, 2))}, 2),
               "multi_dot(): the last tensor must be 1D or 2D but got 3D");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){a, ct_ones(SH(4, 2))}, 2),
               "multi_dot(): tensors 0 and 1 with shapes [3, 3] and [4, 2] cannot be multiplied");
  expect_error(ct_linalg_multi_dot((ct_tensor *[]){a, mat_a(CT_FLOAT64)}, 2),
               "multi_dot(): all tensors must have be the same dtype but tensor 0 is float and tensor 1 double");
  expect_error(ct_linalg_matrix_power(ct_ones(SH(3)), 2),
               "linalg.matrix_power: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_matrix_power(ct_ones(SH(2, 3)), 2),
               "linalg.matrix_power: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_matrix_power(ia, -1), "linalg.inv: Expected a floating point or complex tensor as input. Got Long");
  expect_error(ct_linalg_matrix_power(ct_ones(SH(3, 3)), -1),
               "linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the "
               "input matrix is singular.");
  ct_scope_end();
}

static void test_triangular(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *a = mat_a((ct_dtype)dt), *b = mat_b((ct_dtype)dt);
    /* only the named triangle is read: the full a gives triu(a)'s answer */
    ct_tensor *x = ct_linalg_solve_triangular(a, ct_t(b), true, true, false);
    assert_string_equal(ct_grad_fn_name(ct_linalg_solve_triangular(ct_requires_grad_(ct_clone(a), true), b, true,
                                                                   false, false)),
                        "LinalgSolveTriangularBackward0");
    expect_vals(x, ((double[]){0.41666666666666663, 0.75, -0.6666666666666666, 0.3333333333333333, 0.0,
                               -0.16666666666666666}), 6, 1e-6, 1e-7);
    expect_vals(ct_linalg_solve_triangular(a, b, false, false, true), ((double[]){3, -2, 0, 4, 1, -1}), 6, 1e-6, 0);
    expect_vals(ct_linalg_solve_ex(a, b, false),
                ((double[]){0.5555555555555556, -0.8518518518518519, -0.18518518518518517, 1.0, 0.0, -0.5}), 6,
                1e-5, 1e-6);
  }
  ct_tensor *a = mat_a(CT_FLOAT32);
  /* mixed float dtypes promote, as PyTorch */
  assert_int_equal(ct_dtype_of(ct_linalg_solve_triangular(a, ct_ones(SH(3, 2), .dtype = CT_FLOAT64), true, true,
                                                          false)), CT_FLOAT64);
  expect_error(ct_linalg_solve_triangular(a, ct_ones(SH(3)), true, true, false),
               "linalg.solve_triangular: The input tensor B must have at least 2 dimensions.");
  expect_error(ct_linalg_solve_triangular(a, ct_ones(SH(4, 2)), true, true, false),
               "linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B (3x3 and 4x2)");
  expect_error(ct_linalg_solve_triangular(a, ct_ones(SH(2, 4)), true, false, false),
               "linalg.solve_triangular: Incompatible shapes of A and B for the equation XA = B (3x3 and 2x4)");
  expect_error(ct_linalg_solve_triangular(ct_ones(SH(2, 3)), ct_ones(SH(2, 2)), true, true, false),
               "linalg.solve_triangular: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_solve_triangular(ct_ones(SH(3, 3), .dtype = CT_INT64), ct_ones(SH(3, 2), .dtype = CT_INT64),
                                          true, true, false),
               "\"triangular_solve_cpu\" not implemented for 'Long'");
  expect_error(ct_linalg_solve_ex(a, ct_ones(SH(3)), false),
               "linalg.solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 3x1)");
  expect_error(ct_linalg_solve_ex(a, ct_ones(SH(3, 2)), false),
               "linalg.solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 3x2)");
  ct_scope_end();
}

static void test_svd(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *u, *s, *vh;
    assert_int_equal(ct_linalg_svd(ct_requires_grad_(mat_b((ct_dtype)dt), true), true, &u, &s, &vh), 0);
    assert_string_equal(ct_grad_fn_name(s), "LinalgSvdBackward0");
    /* gesdd's signs, as PyTorch */
    expect_vals(u, ((double[]){0.16018224300696704, 0.987087457637497, 0.9870874576374967, -0.16018224300696704}),
                4, 1e-5, 1e-6);
    expect_vals(s, ((double[]){3.3409995001748176, 2.1994822890470433}), 2, 1e-6, 1e-7);
    expect_vals(vh, ((double[]){0.9342846701282435, 0.19955793815254294, -0.29544675405843296, 0.2302999806541118,
                                -0.9703907000800177, 0.07282724839597061, 0.2721655269759086, 0.13608276348795437,
                                0.9525793444156804}), 9, 1e-5, 1e-6);
    assert_int_equal(ct_linalg_svd(mat_b((ct_dtype)dt), false, &u, &s, &vh), 0);
    assert_int_equal(ct_shape(vh)[0], 2);
    expect_vals(ct_linalg_svdvals(ct_t(mat_b((ct_dtype)dt))), ((double[]){3.3409995001748176, 2.1994822890470433}), 2,
                1e-6, 1e-7);
  }
  ct_tensor *u, *s, *vh;
  expect_fail(ct_linalg_svd(ct_ones(SH(3)), true, &u, &s, &vh),
              "linalg.svd: The input tensor A must have at least 2 dimensions.");
  expect_fail(ct_linalg_svd(ct_ones(SH(3, 3), .dtype = CT_INT64), true, &u, &s, &vh),
              "linalg.svd: Expected a floating point or complex tensor as input. Got Long");
  expect_error(ct_linalg_svdvals(ct_ones(SH(3))), "linalg.svd: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_svdvals(ct_full(SH(3, 3), NAN)),
               "linalg.svd: The algorithm failed to converge because the input matrix contained non-finite values.");
  expect_error(ct_linalg_svdvals(ct_stack((ct_tensor *[]){ct_eye(3, -1), ct_full(SH(3, 3), INFINITY)}, 2, 0)),
               "linalg.svd: (Batch element 1): The algorithm failed to converge because the input matrix "
               "contained non-finite values.");
  ct_scope_end();
}

static void test_eigh_pinv(void **state) {
  (void)state;
  ct_scope_begin();
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_tensor *a = mat_a((ct_dtype)dt), *b = mat_b((ct_dtype)dt);
    ct_tensor_pair e = ct_linalg_eigh(ct_requires_grad_(ct_clone(a), true), 'L');
    assert_string_equal(ct_grad_fn_name(e.values), "LinalgEighBackward0");
    expect_vals(e.values, ((double[]){2.0, 3.6972243622680054, 7.302775637731995}), 3, 1e-5, 1e-6);
    expect_vals(ct_narrow(e.indices, 1, 0, 1), ((double[]){-2.0 / 3, 2.0 / 3, 1.0 / 3}), 3, 1e-5, 1e-6);
    /* 'U' reads the upper triangle: the lower one may hold anything */
    expect_vals(ct_linalg_eigvalsh(ct_triu(a, 0), 'U'), ((double[]){2.0, 3.6972243622680054, 7.302775637731995}), 3,
                1e-5, 1e-6);
    ct_tensor *p = ct_linalg_pinv(ct_requires_grad_(ct_clone(b), true));
    assert_string_equal(ct_grad_fn_name(p), "LinalgPinvBackward0");
    expect_vals(p, ((double[]){0.1481481481481482, 0.2592592592592591, -0.4259259259259259, 0.1296296296296296,
                               0.018518518518518504, -0.09259259259259256}), 6, 1e-5, 1e-6);
    expect_vals(ct_linalg_pinv(b, .atol = 2.5), ((double[]){0.04479372536881122, 0.2760313731559433, 0.009567687197034101,
                                                              0.05895874507376232, -0.014165019704950939,
                                                              -0.08728878448366416}), 6, 1e-5, 1e-6);
    expect_vals(ct_linalg_pinv(a, .hermitian = true), ((double[]){1.0 / 3, -1.0 / 9, -1.0 / 9, -1.0 / 9, 10.0 / 27,
                                                                    1.0 / 27, -1.0 / 9, 1.0 / 27, 11.0 / 54}), 9, 1e-5, 1e-6);
    ct_tensor *r = ct_linalg_matrix_rank(ct_ones(SH(3, 3), .dtype = (ct_dtype)dt));
    assert_int_equal(ct_dtype_of(r), CT_INT64);
    assert_int_equal((int)ct_item(r), 1);
    assert_int_equal((int)ct_item(ct_linalg_matrix_rank(b)), 2);
    assert_int_equal((int)ct_item(ct_linalg_matrix_rank(a, .hermitian = true, .atol = 3)), 2);
    const double ps[] = {CT_ORD_NONE, CT_ORD_FRO, CT_ORD_NUC, INFINITY, -INFINITY, 1, -1, 2, -2};
    const double cw[] = {3.6513878188659987, 4.927004894363404, 11.7962962962963, 4.444444444444445, 1.4074074074074074,
                         4.444444444444444, 1.4074074074074074, 3.6513878188659987, 0.2738684712791114};
    for (int i = 0; i < 9; i++) assert_true(fabs(item(ct_linalg_cond(a, ps[i])) - cw[i]) < 1e-4 * cw[i]);
  }
  expect_error(ct_linalg_eigh(ct_ones(SH(2, 3)), 'L').values,
               "linalg.eigh: A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_eigh(ct_ones(SH(3, 3)), 'X').values, "Expected UPLO argument to be 'L' or 'U', but got X");
  expect_error(ct_linalg_eigvalsh(ct_ones(SH(3)), 'L'), "linalg.eigh: The input tensor A must have at least 2 dimensions.");
  expect_error(ct_linalg_pinv(ct_ones(SH(3))),
               "linalg.pinv(Float{[3]}): expected a tensor with 2 or more dimensions of float, double, cfloat or "
               "cdouble types");
  expect_error(ct_linalg_matrix_rank(ct_ones(SH(3))),
               "torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.");
  expect_error(ct_linalg_cond(ct_ones(SH(3)), CT_ORD_NONE), "linalg.cond: The input tensor must have at least 2 dimensions.");
  expect_error(ct_linalg_cond(ct_ones(SH(2, 3)), 1),
               "linalg.cond(ord=1): A must be batches of square matrices, but they are 2 by 3 matrices");
  expect_error(ct_linalg_cond(ct_ones(SH(3, 3)), 3), "linalg.cond got an invalid norm type: 3");
  ct_scope_end();
}

/* ---- gradients: gradcheck + gradgradcheck in float64 ------------------------------------ */
typedef ct_tensor *(*fn1)(const ct_tensor *);
static int run1(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = (*(fn1 *)u)(in[0]);
  return out[0] ? 0 : -1;
}
typedef ct_tensor *(*fn2)(const ct_tensor *, const ct_tensor *);
static int run2(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = (*(fn2 *)u)(in[0], in[1]);
  return out[0] ? 0 : -1;
}
/* U, S, Vh together (every output's gradient); user: full_matrices. Each singular vector is
 * scaled by its own first entry: invariant to the sign LAPACK picks (which a perturbation of
 * gradcheck may flip), as PyTorch's gradcheck of svd does with its gauge-invariant wrappers */
static int run_svd(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  ct_tensor *U, *S, *Vh;
  if (ct_linalg_svd(in[0], *(bool *)u, &U, &S, &Vh)) return -1;
  out[0] = ct_mul(U, ct_narrow(U, -2, 0, 1));
  out[1] = S;
  out[2] = ct_mul(Vh, ct_narrow(Vh, -1, 0, 1));
  return out[0] && out[2] ? 0 : -1;
}
static void grads(ct_fn f, ct_tensor *const *in, int n, void *u, int nout, const char *what) {
  if (!ct_gradcheck(f, in, n, .user = u, .n_outputs = nout))
    fail_msg("%s gradcheck: %s", what, ct_last_error() ? ct_last_error() : "");
  if (!ct_gradgradcheck(f, in, n, .user = u, .n_outputs = nout))
    fail_msg("%s gradgradcheck: %s", what, ct_last_error() ? ct_last_error() : "");
}
static ct_tensor *r64(int nd, const int64_t *sh, int seed) { return ramp(nd, sh, CT_FLOAT64, seed, true); }
/* ramp + shift I: well conditioned, distinct singular values */
static ct_tensor *wc(int nd, const int64_t *sh, int seed, double shift) {
  int64_t n = sh[nd - 1];
  ct_tensor *r = ct_add(ramp(nd, sh, CT_FLOAT64, seed, false), ct_mul_scalar(ct_eye(n, -1, .dtype = CT_FLOAT64), shift));
  return ct_requires_grad_(ct_detach(r), true);
}
/* a (m, n) float64 leaf with well separated singular values: diag-dominant ramp */
static ct_tensor *sep(int nd, const int64_t *sh, int seed) {
  int64_t m = sh[nd - 2], n = sh[nd - 1];
  ct_tensor *d = ct_mul(ct_eye(m, n, .dtype = CT_FLOAT64),
                        ct_add_scalar(ct_mul_scalar(ct_arange(0, (double)n, 1, .dtype = CT_FLOAT64), 1.5), 1));
  ct_tensor *r = ct_add(ramp(nd, sh, CT_FLOAT64, seed, false), d);
  /* + a small ramp of its own: no ties among sums or maxima either */
  int64_t k = 1;
  for (int i = 0; i < nd; i++) k *= sh[i];
  r = ct_add(r, ct_reshape(ct_mul_scalar(ct_arange(0, (double)k, 1, .dtype = CT_FLOAT64), 0.037), nd, sh));
  return ct_requires_grad_(ct_detach(r), true);
}

static ct_tensor *vn3(const ct_tensor *x) { return ct_linalg_vector_norm(x, .ord = 3, .dim = CT_DIMS(-1)); }
static ct_tensor *vninf(const ct_tensor *x) { return ct_linalg_vector_norm(x, .ord = INFINITY, .keepdim = true); }
static ct_tensor *mnfro(const ct_tensor *x) { return ct_linalg_matrix_norm(x); }
static ct_tensor *mnnuc(const ct_tensor *x) { return ct_linalg_matrix_norm(x, .ord = CT_ORD_NUC); }
static ct_tensor *mn1(const ct_tensor *x) { return ct_linalg_matrix_norm(x, .ord = 1); }
static ct_tensor *mnninf(const ct_tensor *x) { return ct_linalg_matrix_norm(x, .ord = -INFINITY, .dim = CT_DIMS(0, -1)); }
static ct_tensor *mn2(const ct_tensor *x) { return ct_linalg_matrix_norm(x, .ord = 2); }
static ct_tensor *mnm2(const ct_tensor *x) { return ct_linalg_norm(x, .ord = -2, .dim = CT_DIMS(-1, -2)); }
static ct_tensor *cross(const ct_tensor *a, const ct_tensor *b) { return ct_linalg_cross(a, b, 1); }
static ct_tensor *mdot(const ct_tensor *a, const ct_tensor *b) {
  return ct_linalg_multi_dot((ct_tensor *[]){(ct_tensor *)a, (ct_tensor *)b, ct_t(a), ct_sum(a, .dim = CT_DIMS(1))}, 4);
}
static ct_tensor *pw3(const ct_tensor *a) { return ct_linalg_matrix_power(a, 3); }
static ct_tensor *pwm2(const ct_tensor *a) { return ct_linalg_matrix_power(a, -2); }
static ct_tensor *triu_l(const ct_tensor *a, const ct_tensor *b) { return ct_linalg_solve_triangular(a, b, true, true, false); }
static ct_tensor *tril_r(const ct_tensor *a, const ct_tensor *b) { return ct_linalg_solve_triangular(a, b, false, false, false); }
static ct_tensor *triu_unit(const ct_tensor *a, const ct_tensor *b) { return ct_linalg_solve_triangular(a, b, true, false, true); }
static ct_tensor *solve_r(const ct_tensor *a, const ct_tensor *b) { return ct_linalg_solve_ex(a, b, false); }

/* eigenvalues and sign-invariant eigenvectors (each scaled by its first entry) of sym(X) */
static int run_eigh(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  ct_tensor_pair e = ct_linalg_eigh(ct_add(in[0], ct_transpose(in[0], -2, -1)), 'L');
  out[0] = e.values;
  out[1] = e.indices ? ct_mul(e.indices, ct_narrow(e.indices, -2, 0, 1)) : NULL;
  return out[0] && out[1] ? 0 : -1;
}
static ct_tensor *eigvals_sym(const ct_tensor *x) { return ct_linalg_eigvalsh(ct_add(x, ct_transpose(x, -2, -1)), 'U'); }
static ct_tensor *pinv_d(const ct_tensor *x) { return ct_linalg_pinv(x); }
static ct_tensor *pinv_h(const ct_tensor *x) { return ct_linalg_pinv(ct_add(x, ct_transpose(x, -2, -1)), .hermitian = true); }
static ct_tensor *cond2(const ct_tensor *x) { return ct_linalg_cond(x, CT_ORD_NONE); }
static ct_tensor *cond1(const ct_tensor *x) { return ct_linalg_cond(x, 1); }

static void test_grads2(void **state) {
  (void)state;
  ct_scope_begin();
  grads(run_eigh, (ct_tensor *[]){sep(SH(3, 3), 1)}, 1, NULL, 2, "eigh");
  grads(run_eigh, (ct_tensor *[]){sep(SH(2, 3, 3), 2)}, 1, NULL, 2, "eigh batched");
  fn1 f[] = {eigvals_sym, pinv_d, pinv_d, pinv_h, cond2, cond1};
  const char *names[] = {"eigvalsh", "pinv tall", "pinv wide", "pinv hermitian", "cond", "cond 1"};
  ct_tensor *ins[] = {sep(SH(2, 3, 3), 3), sep(SH(2, 4, 3), 4), ct_requires_grad_(ct_detach(ct_t(sep(SH(4, 3), 5))), true),
                      sep(SH(3, 3), 6), sep(SH(2, 4, 3), 7), wc(SH(3, 3), 8, 3)};
  for (int i = 0; i < 6; i++) grads(run1, &ins[i], 1, &f[i], 1, names[i]);
  ct_scope_end();
}

static void test_grads(void **state) {
  (void)state;
  ct_scope_begin();
  fn1 f[] = {vn3, vninf, mnfro, mnnuc, mn1, mnninf, mn2, mnm2, pw3, pwm2, ct_linalg_svdvals};
  const char *names[] = {"vector_norm 3", "vector_norm inf", "fro", "nuc", "ord 1", "ord -inf", "ord 2", "ord -2",
                         "power 3", "power -2", "svdvals"};
  for (int i = 0; i < 11; i++) {
    ct_tensor *x = i >= 8 && i <= 9 ? wc(SH(2, 3, 3), i, 3) : sep(SH(2, 4, 3), i);
    grads(run1, (ct_tensor *[]){x}, 1, &f[i], 1, names[i]);
  }
  fn2 g[] = {cross, mdot, triu_l, tril_r, triu_unit, solve_r};
  const char *gn[] = {"cross", "multi_dot", "solve_triangular upper", "solve_triangular right",
                      "solve_triangular unit", "solve left=False"};
  ct_tensor *ins[][2] = {{r64(SH(2, 3, 2), 1), r64(SH(1, 3, 2), 2)},
                         {r64(SH(2, 3), 3), r64(SH(3, 3), 4)},
                         {wc(SH(2, 3, 3), 5, 3), r64(SH(3, 2), 6)},
                         {wc(SH(3, 3), 7, 3), r64(SH(2, 2, 3), 8)},
                         {r64(SH(3, 3), 9), r64(SH(2, 3), 10)},
                         {wc(SH(2, 3, 3), 11, 3), r64(SH(2, 4, 3), 12)}};
  for (int i = 0; i < 6; i++) grads(run2, ins[i], 2, &g[i], 1, gn[i]);
  bool red = false; /* full_matrices: the extra columns are not unique, so no gradcheck */
  grads(run_svd, (ct_tensor *[]){sep(SH(3, 3), 1)}, 1, &red, 3, "svd square");
  grads(run_svd, (ct_tensor *[]){sep(SH(2, 4, 3), 2)}, 1, &red, 3, "svd tall batched");
  grads(run_svd, (ct_tensor *[]){ct_requires_grad_(ct_detach(ct_t(sep(SH(4, 3), 3))), true)}, 1, &red, 3, "svd wide");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_norms), cmocka_unit_test(test_products), cmocka_unit_test(test_triangular),
      cmocka_unit_test(test_svd),   cmocka_unit_test(test_eigh_pinv), cmocka_unit_test(test_grads),
      cmocka_unit_test(test_grads2),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
