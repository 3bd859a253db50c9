#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_values(...) ct_test_expect_floats(__VA_ARGS__)

/* a and b hold the same values (within tol): compared as doubles */
static bool same(const ct_tensor *a, const ct_tensor *b, double tol) {
  static double x[4096], y[4096];
  if (!a || !b || ct_numel(a) != ct_numel(b) || ct_numel(a) > 4096) return false;
  int64_t n = ct_to_doubles(a, x, 4096);
  if (ct_to_doubles(b, y, 4096) != n) return false;
  for (int64_t i = 0; i < n; i++)
    if (!(x[i] - y[i] <= tol && y[i] - x[i] <= tol)) return false;
  return true;
}

/* ---- torch.matmul: every dispatch case, values, shapes and grad_fn names from PyTorch ---- */
typedef struct {
  int na;
  int64_t a[4];
  int nb;
  int64_t b[4];
  int no;
  int64_t o[4];
  const char *grad_fn;
  double want[24];
} mm_case;

static const mm_case g_cases[] = {
  {1, {3}, 1, {3}, 0, {0}, "DotBackward0", {-0.8125}},
  {2, {2, 3}, 1, {3}, 1, {2}, "MvBackward0", {-0.8125, -0.5625}},
  {1, {3}, 2, {3, 2}, 1, {2}, "SqueezeBackward3", {0.3125, 0.8125}},
  {2, {2, 3}, 2, {3, 2}, 2, {2, 2}, "MmBackward0", {0.3125, 0.8125, -0.0625, 1.1875}},
  {3, {2, 2, 3}, 2, {3, 2}, 3, {2, 2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, -0.0625, 1.1875, -1.125, -1.875, -1.5, -1.5}},
  {2, {2, 3}, 3, {2, 3, 2}, 3, {2, 2, 2}, "CloneBackward0", {0.3125, 0.8125, -0.0625, 1.1875, 0.5625, -1.6875, 0.5625, -1.625}},
  {1, {3}, 3, {2, 3, 2}, 2, {2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, 0.5625, -1.6875}},
  {3, {2, 2, 3}, 1, {3}, 2, {2, 2}, "UnsafeViewBackward0", {-0.8125, -0.5625, -1.0, -0.75}},
  {3, {2, 2, 3}, 3, {2, 3, 2}, 3, {2, 2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, -0.0625, 1.1875, -1.5, 1.1875, -1.5, 1.25}},
  {3, {2, 2, 3}, 3, {1, 3, 2}, 3, {2, 2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, -0.0625, 1.1875, -1.125, -1.875, -1.5, -1.5}},
  {4, {2, 1, 2, 3}, 3, {3, 3, 2}, 4, {2, 3, 2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, -0.0625, 1.1875, 0.5625, -1.6875, 0.5625, -1.625, 0.8125, 0.625, 1.1875, 0.375, -1.125, -1.875, -1.5, -1.5, -1.5, 1.1875, -1.5, 1.25, -1.875, 1.5, -1.5, 1.25}},
  {3, {1, 2, 3}, 4, {2, 1, 3, 2}, 4, {2, 1, 2, 2}, "UnsafeViewBackward0", {0.3125, 0.8125, -0.0625, 1.1875, 0.5625, -1.6875, 0.5625, -1.625}},
};
#define NCASES (int)(sizeof g_cases / sizeof g_cases[0])

static void test_matmul_cases(void **state) {
  (void)state;
  for (int c = 0; c < NCASES; c++) {
    const mm_case *k = &g_cases[c];
    for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
      ct_scope_begin();
      ct_tensor *a = ramp(k->na, k->a, (ct_dtype)dt, 1, true);
      ct_tensor *b = ramp(k->nb, k->b, (ct_dtype)dt, 4, true);
      ct_tensor *y = ct_matmul(a, b);
      assert_non_null(y);
      assert_int_equal(ct_dtype_of(y), dt);
      assert_int_equal(ct_dim(y), k->no);
      for (int i = 0; i < k->no; i++) assert_int_equal(ct_shape(y)[i], k->o[i]);
      assert_string_equal(ct_grad_fn_name(y), k->grad_fn);
      expect_values(y, k->want, ct_numel(y), 1e-5);
      if (dt == CT_FLOAT64) {
        check_grads(run_binary, (ct_tensor *[]){a, b}, 2, &(op_ref){.b = ct_matmul}, "matmul");
      }
      ct_scope_end();
    }
  }
}

/* Plain transposes go to BLAS as CblasTrans; general strides are copied; both agree. */
static void test_mm_strided(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_t(ramp(CT_SHAPE(4, 3), CT_FLOAT32, 1, false));
  ct_tensor *b = ct_t(ramp(CT_SHAPE(2, 4), CT_FLOAT32, 4, false));
  expect_values(ct_mm(a, b), (double[]){1.9375, -1.5, -0.6875, 0.875, 0.8125, -0.875}, 6, 1e-6);
  /* every other column: neither row- nor column-major */
  ct_tensor *wide = ramp(CT_SHAPE(3, 8), CT_FLOAT64, 1, false);
  ct_tensor *ws = ct_slice(wide, 1, 0, 8, 2);
  ct_tensor *wc = ct_contiguous(ws);
  ct_tensor *m = ramp(CT_SHAPE(4, 2), CT_FLOAT64, 3, false);
  assert_true(same(ct_mm(ws, m), ct_mm(wc, m), 1e-12));
  assert_true(same(ct_mv(ct_t(ws), ct_select(wc, 1, 0)),
                          ct_mv(ct_contiguous(ct_t(ws)), ct_contiguous(ct_select(wc, 1, 0))), 1e-12));
  /* an expanded (stride 0) operand */
  ct_tensor *row = ct_expand(ramp(CT_SHAPE(1, 4), CT_FLOAT64, 2, false), CT_SHAPE(3, 4));
  assert_true(same(ct_mm(row, m), ct_mm(ct_contiguous(row), m), 1e-12));
  /* bmm with a transposed batch operand */
  ct_tensor *bb = ct_transpose(ct_contiguous(ct_transpose(ramp(CT_SHAPE(2, 3, 2), CT_FLOAT64, 4, false), 1, 2)), 1, 2);
  expect_values(ct_bmm(ramp(CT_SHAPE(2, 2, 3), CT_FLOAT64, 1, false), bb),
                (double[]){0.3125, 0.8125, -0.0625, 1.1875, -1.5, 1.1875, -1.5, 1.25}, 8, 1e-12);
  /* (B, n, m) with its last two dims transposed goes through bmm, not a folding copy */
  ct_tensor *tb = ct_transpose(ramp(CT_SHAPE(2, 3, 2), CT_FLOAT64, 1, true), 1, 2);
  ct_tensor *y = ct_matmul(tb, ramp(CT_SHAPE(3, 2), CT_FLOAT64, 4, false));
  assert_string_equal(ct_grad_fn_name(y), "UnsafeViewBackward0");
  assert_true(same(y, ct_matmul(ct_contiguous(tb), ramp(CT_SHAPE(3, 2), CT_FLOAT64, 4, false)), 1e-12));
  ct_scope_end();
}

static void test_products_values(void **state) {
  (void)state;
  ct_scope_begin();
  expect_values(ct_addmm(ramp(CT_SHAPE(1, 2), CT_FLOAT64, 2, false), ramp(CT_SHAPE(2, 3), CT_FLOAT64, 1, false),
                         ramp(CT_SHAPE(3, 2), CT_FLOAT64, 4, false), 0.5, 2),
                (double[]){0.25, 2.125, -0.5, 2.875}, 4, 1e-12);
  /* beta = 0 ignores the input, NaN included */
  ct_tensor *nan = ct_full(CT_SHAPE(2, 2), NAN);
  ct_tensor *eye = ct_eye(2, 2);
  expect_values(ct_addmm(nan, eye, eye, 0, 1), (double[]){1, 0, 0, 1}, 4, 0);
  expect_values(ct_mv(ramp(CT_SHAPE(2, 3), CT_FLOAT64, 1, false), ramp(CT_SHAPE(3), CT_FLOAT64, 4, false)),
                (double[]){-0.8125, -0.5625}, 2, 1e-12);
  ct_tensor *d = ct_dot(ramp(CT_SHAPE(5), CT_FLOAT32, 1, false), ramp(CT_SHAPE(5), CT_FLOAT32, 4, false));
  assert_int_equal(ct_dim(d), 0);
  expect_values(d, (double[]){0.4375}, 1, 1e-6);
  ct_tensor *o = ct_outer(ramp(CT_SHAPE(2), CT_FLOAT64, 1, true), ramp(CT_SHAPE(3), CT_FLOAT64, 4, false));
  assert_string_equal(ct_grad_fn_name(o), "MulBackward0");
  expect_values(o, (double[]){0.25, 1.25, -0.5, -0.1875, -0.9375, 0.375}, 6, 1e-12);
  /* empty products */
  ct_tensor *z = ct_mm(ct_ones(CT_SHAPE(2, 0)), ct_ones(CT_SHAPE(0, 3)));
  expect_values(z, (double[]){0, 0, 0, 0, 0, 0}, 6, 0);
  assert_int_equal(ct_numel(ct_mm(ct_ones(CT_SHAPE(0, 3)), ct_ones(CT_SHAPE(3, 2)))), 0);
  expect_values(ct_dot(ct_ones(CT_SHAPE(0)), ct_ones(CT_SHAPE(0))), (double[]){0}, 1, 0);
  ct_scope_end();
}

static void test_integer_products(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_reshape(ct_arange(0, 6, 1, .dtype = CT_INT32), CT_SHAPE(2, 3));
  ct_tensor *b = ct_reshape(ct_arange(0, 6, 1, .dtype = CT_INT32), CT_SHAPE(3, 2));
  ct_tensor *y = ct_mm(a, b);
  assert_int_equal(ct_dtype_of(y), CT_INT32);
  expect_values(y, (double[]){10, 13, 28, 40}, 4, 0);
  expect_values(ct_matmul(ct_t(b), ct_t(a)), (double[]){10, 28, 13, 40}, 4, 0);
  ct_tensor *m = ct_reshape(ct_arange(0, 4, 1), CT_SHAPE(2, 2));
  expect_values(ct_addmm(ct_ones(CT_SHAPE(2, 2), .dtype = CT_INT64), m, m, 3, 2), (double[]){7, 9, 15, 25}, 4, 0);
  expect_values(ct_dot(ct_ones(CT_SHAPE(3), .dtype = CT_INT64), ct_ones(CT_SHAPE(3), .dtype = CT_INT64)),
                (double[]){3}, 1, 0);
  expect_values(ct_matmul(ct_ones(CT_SHAPE(2, 2, 3), .dtype = CT_INT64), ct_ones(CT_SHAPE(3), .dtype = CT_INT64)),
                (double[]){3, 3, 3, 3}, 4, 0);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *m34 = ct_ones(CT_SHAPE(3, 4)), *m52 = ct_ones(CT_SHAPE(5, 2)), *v3 = ct_ones(CT_SHAPE(3));
  ct_clear_error();
  expect_error(ct_mm(m34, m52), "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)");
  expect_error(ct_matmul(m34, m52), "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)");
  expect_error(ct_mm(v3, m34), "self must be a matrix");
  expect_error(ct_mm(m34, v3), "mat2 must be a matrix");
  expect_error(ct_mm(ct_ones(CT_SHAPE(3, 3)), ct_ones(CT_SHAPE(3, 3), .dtype = CT_FLOAT64)),
               "expected scalar type Float but found Double");
  expect_error(ct_mm(ct_ones(CT_SHAPE(2, 2), .dtype = CT_BOOL), ct_ones(CT_SHAPE(2, 2), .dtype = CT_BOOL)),
               "\"addmm_impl_cpu_\" not implemented for 'Bool'");
  expect_error(ct_bmm(ct_ones(CT_SHAPE(2, 3, 4)), ct_ones(CT_SHAPE(2, 5, 2))),
               "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5].");
  expect_error(ct_bmm(m34, ct_ones(CT_SHAPE(3, 4, 2))), "batch1 must be a 3D tensor");
  expect_error(ct_bmm(ct_ones(CT_SHAPE(2, 3, 4)), m34), "batch2 must be a 3D tensor");
  expect_error(ct_matmul(ct_ones(CT_SHAPE(2, 2, 3)), ct_ones(CT_SHAPE(2, 4, 2))),
               "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4].");
  expect_error(ct_matmul(ct_ones(CT_SHAPE(5, 2, 3)), ct_ones(CT_SHAPE(4, 3, 2))),
               "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
  expect_error(ct_matmul(v3, ct_ones(CT_SHAPE(4))), "inconsistent tensor size, expected tensor [3] and src [4]");
  expect_error(ct_matmul(ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(4))), "size mismatch, got 2, 2x3,4");
  expect_error(ct_matmul(v3, ct_ones(CT_SHAPE(4, 2))), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)");
  expect_error(ct_matmul(ct_ones(CT_SHAPE(5, 2, 3)), ct_ones(CT_SHAPE(4, 2))),
               "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x2)");
  expect_error(ct_matmul(ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(5, 4, 2))),
               "mat1 and mat2 shapes cannot be multiplied (10x4 and 3x2)");
  expect_error(ct_matmul(ct_scalar_tensor(1, CT_FLOAT32), v3),
               "both arguments to matmul need to be at least 1D, but they are 0D and 1D");
  expect_error(ct_dot(v3, ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64)),
               "dot : expected both vectors to have same dtype, but found Float and Double");
  expect_error(ct_dot(ct_ones(CT_SHAPE(3, 1)), v3), "1D tensors expected, but got 2D and 1D tensors");
  expect_error(ct_mv(v3, ct_ones(CT_SHAPE(4))), "vector + matrix @ vector expected, got 1, 1, 1");
  expect_error(ct_outer(v3, m34), "outer: Expected 1-D argument vec2, but got 2-D");
  expect_error(ct_addmm(ct_ones(CT_SHAPE(3, 4)), ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(3, 4)), 1, 1),
               "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0");
  expect_error(ct_addmm(ct_ones(CT_SHAPE(2, 4), .dtype = CT_FLOAT64), ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(3, 4)), 1, 1),
               "self and mat2 must have the same dtype");
  expect_error(ct_addmm(ct_ones(CT_SHAPE(2, 4)), v3, ct_ones(CT_SHAPE(3, 4)), 1, 1),
               "mat1 must be a matrix, got 1-D tensor");
  /* NULL arguments: NULL back, no new message */
  assert_null(ct_mm(NULL, m34));
  assert_null(ct_matmul(m34, NULL));
  assert_null(ct_bmm(NULL, NULL));
  assert_null(ct_mv(NULL, v3));
  assert_null(ct_dot(v3, NULL));
  assert_null(ct_outer(NULL, v3));
  assert_null(ct_addmm(m34, NULL, m34, 1, 1));
  assert_null(ct_last_error());
  ct_scope_end();
}

/* ---- gradients: first and second order in float64 --------------------------------------------- */
static int f_addmm(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  return (out[0] = ct_addmm(in[0], in[1], in[2], 0.5, -1.5)) ? 0 : -1;
}
/* transposed operands reach BLAS as CblasTrans: their gradients too */
static int f_mm_t(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  return (out[0] = ct_mm(ct_t(in[0]), ct_t(in[1]))) ? 0 : -1;
}

static void test_gradients(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ramp(CT_SHAPE(2, 3), CT_FLOAT64, 1, true), *b = ramp(CT_SHAPE(3, 4), CT_FLOAT64, 4, true);
  assert_string_equal(ct_grad_fn_name(ct_mm(a, b)), "MmBackward0");
  check_grads(run_binary, (ct_tensor *[]){a, b}, 2, &(op_ref){.b = ct_mm}, "mm");
  ct_tensor *at = ramp(CT_SHAPE(3, 2), CT_FLOAT64, 2, true), *bt = ramp(CT_SHAPE(4, 3), CT_FLOAT64, 5, true);
  check_grads(f_mm_t, (ct_tensor *[]){at, bt}, 2, NULL, "mm_t");
  ct_tensor *ba = ramp(CT_SHAPE(2, 2, 3), CT_FLOAT64, 1, true), *bb = ramp(CT_SHAPE(2, 3, 2), CT_FLOAT64, 4, true);
  assert_string_equal(ct_grad_fn_name(ct_bmm(ba, bb)), "BmmBackward0");
  check_grads(run_binary, (ct_tensor *[]){ba, bb}, 2, &(op_ref){.b = ct_bmm}, "bmm");
  ct_tensor *v = ramp(CT_SHAPE(3), CT_FLOAT64, 3, true), *w = ramp(CT_SHAPE(3), CT_FLOAT64, 6, true);
  assert_string_equal(ct_grad_fn_name(ct_mv(a, v)), "MvBackward0");
  check_grads(run_binary, (ct_tensor *[]){a, v}, 2, &(op_ref){.b = ct_mv}, "mv");
  assert_string_equal(ct_grad_fn_name(ct_dot(v, w)), "DotBackward0");
  check_grads(run_binary, (ct_tensor *[]){v, w}, 2, &(op_ref){.b = ct_dot}, "dot");
  check_grads(run_binary, (ct_tensor *[]){v, w}, 2, &(op_ref){.b = ct_outer}, "outer");
  /* addmm with a broadcast input row */
  ct_tensor *in = ramp(CT_SHAPE(1, 4), CT_FLOAT64, 7, true);
  assert_string_equal(ct_grad_fn_name(ct_addmm(in, a, b, 0.5, -1.5)), "AddmmBackward0");
  check_grads(f_addmm, (ct_tensor *[]){in, a, b}, 3, NULL, "addmm");
  /* backward of y = sum(a @ b) by hand: ga = rowsum(b) broadcast */
  ct_tensor *y = ct_sum(ct_mm(a, b));
  assert_int_equal(ct_backward(y), 0);
  ct_tensor *ga = ct_grad(a);
  assert_true(same(ga, ct_expand(ct_reshape(ct_sum(b, .dim = CT_DIMS(1)), CT_SHAPE(1, 3)), CT_SHAPE(2, 3)), 1e-12));
  ct_scope_end();
}

static void test_no_leaks(void **state) {
  (void)state;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *a = ramp(CT_SHAPE(2, 2, 3), CT_FLOAT64, 1, true), *b = ramp(CT_SHAPE(3, 2), CT_FLOAT64, 4, true);
  for (int i = 0; i < 3; i++) {
    ct_scope_begin();
    ct_tensor *y = ct_sum(ct_matmul(ct_transpose(ct_matmul(a, b), 1, 2), a));
    assert_int_equal(ct_backward(y), 0);
    ct_scope_end();
  }
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_matmul_cases),   cmocka_unit_test(test_mm_strided),
      cmocka_unit_test(test_products_values), cmocka_unit_test(test_integer_products),
      cmocka_unit_test(test_errors),          cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_no_leaks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
