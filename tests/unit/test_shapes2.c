/* The rest of the shape functions (src/ops/shape2.c) and the 0-d view fix (src/ops/view.c):
 * values and shapes as PyTorch 1.13 gives them, its error messages, grad_fn names, float64
 * gradcheck + gradgradcheck. */
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

static void expect_shape(const ct_tensor *t, int nd, const int64_t *s) {
  if (!t) fail_msg("NULL: %s", ct_last_error());
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], s[i]);
}

/* regression: scalar.view(1) / view(-1) / view(1, 1) are views in PyTorch; ct_view refused them */
static void test_view_0d(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *s = ct_scalar_tensor(2, CT_FLOAT64);
  ct_tensor *a = ct_view(s, 1, (int64_t[]){1}), *b = ct_view(s, 1, (int64_t[]){-1});
  ct_tensor *c = ct_view(s, 2, (int64_t[]){1, 1}), *d = ct_view(c, 0, NULL);
  expect_shape(a, SH(1));
  expect_shape(b, SH(1));
  expect_shape(c, SH(1, 1));
  expect_shape(d, 0, NULL);
  assert_int_equal(ct_strides(c)[0], 1);
  assert_int_equal(ct_strides(c)[1], 1);
  assert_ptr_equal(ct_data_ptr(a), ct_data_ptr(s)); /* a view, not a copy */
  expect_exact(c, 2);
  expect_error(ct_view(s, 1, (int64_t[]){2}), "shape '[2]' is invalid for input of size 1");
  ct_scope_end();
}


#define D(...) ct_tensor_from((double[]){__VA_ARGS__}, CT_FLOAT64, SH((int64_t)(sizeof((double[]){__VA_ARGS__}) / sizeof(double))))
#define I64(...) ct_tensor_from((int64_t[]){__VA_ARGS__}, CT_INT64, SH((int64_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))))

static void test_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *m = ct_reshape(D(0, 1, 2, 3, 4, 5), 2, (int64_t[]){2, 3});
  expect_exact(ct_repeat_interleave_indices(I64(1, 2, 0, 3), CT_NONE), 0, 1, 1, 3, 3, 3);
  expect_exact(ct_repeat_interleave(m, 2), 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
  expect_exact(ct_repeat_interleave(m, 2, .dim = 1), 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
  expect_exact(ct_repeat_interleave_tensor(m, I64(1, 2), .dim = 0, .output_size = 3), 0, 1, 2, 3, 4, 5, 3, 4, 5);
  expect_exact(ct_repeat_interleave_tensor(m, I64(2), .dim = -1), 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
  expect_shape(ct_repeat_interleave(m, 0, .dim = 0), SH(0, 3));
  ct_tensor *o[8];
  assert_int_equal(ct_tensor_split(ct_arange(0, 7, 1), 3, 0, o, 8), 3);
  expect_exact(o[0], 0, 1, 2);
  expect_exact(o[1], 3, 4);
  expect_exact(o[2], 5, 6);
  assert_int_equal(ct_tensor_split_indices(ct_arange(0, 7, 1), 3, (int64_t[]){1, 6, 3}, 0, o, 8), 4);
  expect_exact(o[0], 0);
  expect_exact(o[1], 1, 2, 3, 4, 5);
  expect_shape(o[2], SH(0));
  expect_exact(o[3], 3, 4, 5, 6);
  assert_int_equal(ct_tensor_split_indices(m, 1, (int64_t[]){-1}, 1, o, 8), 2);
  expect_exact(o[1], 2, 5);
  assert_int_equal(ct_hsplit(m, 3, o, 8), 3);
  expect_exact(o[2], 2, 5);
  assert_int_equal(ct_hsplit(D(1, 2, 3, 4), 2, o, 8), 2);
  expect_exact(o[1], 3, 4);
  assert_int_equal(ct_vsplit_indices(m, 1, (int64_t[]){1}, o, 8), 2);
  expect_exact(o[1], 3, 4, 5);
  ct_tensor *m3 = ct_reshape(m, 3, (int64_t[]){1, 2, 3});
  assert_int_equal(ct_dsplit_indices(m3, 2, (int64_t[]){1, 2}, o, 8), 3);
  expect_exact(o[1], 1, 4);
  assert_int_equal(ct_dsplit(m3, 1, o, 8), 1);
  assert_int_equal(ct_vsplit(m, 2, o, 8), 2);
  assert_int_equal(ct_hsplit_indices(m, 1, (int64_t[]){2}, o, 8), 2);
  expect_exact(o[0], 0, 1, 3, 4);
  int64_t bs[CT_MAX_DIMS];
  assert_int_equal(ct_broadcast_shapes(3, (int[]){2, 1, 0}, (const int64_t *[]){(int64_t[]){2, 1}, (int64_t[]){4}, NULL}, bs), 2);
  assert_int_equal(bs[0], 2);
  assert_int_equal(bs[1], 4);
  assert_int_equal(ct_broadcast_tensors((ct_tensor *[]){m, D(7, 8, 9), ct_scalar_tensor(1, CT_FLOAT64)}, 3, o, 8), 3);
  expect_exact(o[1], 7, 8, 9, 7, 8, 9);
  expect_shape(o[2], SH(2, 3));
  ct_tensor *as = ct_as_strided(m, 2, (int64_t[]){2, 2}, (int64_t[]){1, 2}, 1);
  expect_exact(as, 1, 3, 2, 4);
  assert_ptr_equal((char *)ct_data_ptr(as), (char *)ct_data_ptr(m) + sizeof(double));
  expect_exact(ct_as_strided(ct_select(m, 0, 1), 1, (int64_t[]){2}, (int64_t[]){1}, CT_NONE), 3, 4);
  expect_exact(ct_tril_indices(3, 4, 1), 0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 1, 0, 1, 2, 0, 1, 2, 3);
  expect_exact(ct_triu_indices(3, 4, -1), 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3);
  expect_exact(ct_tril_indices(4, 3, -2), 2, 3, 3, 0, 0, 1);
  expect_exact(ct_triu_indices(2, 5, 3), 0, 0, 1, 3, 4, 4);
  expect_shape(ct_tril_indices(0, 3, 0), SH(2, 0));
  expect_shape(ct_triu_indices(INT64_MAX, 0, 0), SH(2, 0));
  expect_shape(ct_tril_indices(3, 3, INT64_MIN), SH(2, 0));
  ct_scope_end();
}

static void test_cdist_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_reshape(D(0, 1, 3, 4), 2, (int64_t[]){2, 2}), *b = ct_reshape(D(1, 1, 0, 0, 3, 4), 2, (int64_t[]){3, 2});
  expect_exact(ct_cdist(a, b, .p = 0), 1, 1, 2, 2, 2, 0);
  expect_exact(ct_cdist(a, b, .p = 1), 1, 1, 6, 5, 7, 0);
  expect_vals(ct_cdist(a, b), ((double[]){1, 1, 4.242640687119285, 3.605551275463989, 5, 0}), 6, 1e-12, 0);
  expect_vals(ct_cdist(a, b, .compute_mode = CT_CDIST_USE_MM), ((double[]){1, 1, 4.242640687119285, 3.605551275463989, 5, 0}), 6, 1e-12, 1e-7);
  expect_vals(ct_cdist(a, b, .p = 3), ((double[]){1, 1, 3.7797631496846193, 3.2710663101885897, 4.497941445275415, 0}), 6, 1e-12, 0);
  expect_exact(ct_cdist(a, b, .p = INFINITY), 1, 1, 3, 3, 4, 0);
  expect_vals(ct_cdist(a, b, .p = 0.5), ((double[]){1, 1, 12, 9.898979485566356, 13.928203230275509, 0}), 6, 1e-12, 0);
  ct_tensor *x = ramp(SH(2, 1, 3, 4), CT_FLOAT64, 1, false), *y = ramp(SH(2, 28, 4), CT_FLOAT64, 2, false);
  expect_shape(ct_cdist(x, y), SH(2, 2, 3, 28));
  ct_tensor *mm = ct_cdist(x, y), *direct = ct_cdist(x, y, .compute_mode = CT_CDIST_DONOT_USE_MM);
  assert_true(ct_allclose(mm, direct, 1e-9, 1e-7));
  expect_shape(ct_cdist(ct_zeros(SH(0, 2), .dtype = CT_FLOAT64), b), SH(0, 3));
  expect_exact(ct_cdist(ct_zeros(SH(2, 0), .dtype = CT_FLOAT64), ct_zeros(SH(1, 0), .dtype = CT_FLOAT64)), 0, 0);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *m = ramp(SH(2, 3), CT_FLOAT64, 1, false), *o[8];
  expect_error(ct_repeat_interleave_tensor(m, I64(1, 2, 3), .dim = 0), "repeats must have the same size as input along dim");
  expect_error(ct_repeat_interleave(m, -1), "repeats can not be negative");
  expect_error(ct_repeat_interleave_tensor(m, ct_zeros(SH(1, 1), .dtype = CT_INT64), .dim = 0), "repeats must be 0-dim or 1-dim tensor");
  expect_error(ct_repeat_interleave_indices(D(1, 2), CT_NONE), "\"repeat_interleave_cpu\" not implemented for 'Double'");
  expect_error(ct_repeat_interleave_indices(I64(1, -2), CT_NONE), "repeats can not be negative");
  expect_error(ct_repeat_interleave_tensor(m, I64(1, 2), .dim = 0, .output_size = 4), "allocated size does not match required size");
  expect_error(ct_repeat_interleave_tensor(m, I64(1, 2), .dim = 3), "Dimension out of range (expected to be in range of [-2, 1], but got 3)");
  expect_fail(ct_tensor_split(m, 0, 0, o, 8) < 0, "number of sections must be larger than 0, got 0");
  expect_fail(ct_tensor_split(ct_scalar_tensor(1, CT_FLOAT64), 1, 0, o, 8) < 0,
              "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims");
  expect_fail(ct_hsplit(m, 2, o, 8) < 0, "torch.hsplit attempted to split along dimension 1, but the size of the dimension 3 is not divisible by the split_size 2!");
  expect_fail(ct_vsplit(D(1, 2, 3), 1, o, 8) < 0, "torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with 1 dimensions!");
  expect_fail(ct_dsplit(m, 1, o, 8) < 0, "torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with 2 dimensions!");
  expect_fail(ct_broadcast_shapes(2, (int[]){2, 2}, (const int64_t *[]){(int64_t[]){2, 3}, (int64_t[]){3, 2}}, (int64_t[CT_MAX_DIMS]){0}) < 0,
              "Shape mismatch: objects cannot be broadcast to a single shape");
  expect_fail(ct_broadcast_tensors((ct_tensor *[]){m, ct_zeros(SH(3, 2))}, 2, o, 8) < 0,
              "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1");
  expect_error(ct_as_strided(m, 2, (int64_t[]){3, 3}, (int64_t[]){2, 2}, 0),
               "setStorage: sizes [3, 3], strides [2, 2], storage offset 0, and itemsize 8 requiring a storage size of 72 are out of bounds for storage of size 48");
  expect_error(ct_as_strided(m, 1, (int64_t[]){2}, (int64_t[]){-1}, 0), "as_strided: Negative strides are not supported at the moment, got strides: [-1]");
  expect_error(ct_as_strided(m, 1, (int64_t[]){2}, (int64_t[]){1}, -1), "Tensor: invalid storage offset -1");
  expect_error(ct_tril_indices(-1, 2, 0), "row must be non-negative, got-1");
  expect_error(ct_triu_indices(2, -1, 0), "col must be non-negative, got-1");
  expect_error(ct_cdist(D(1, 2), m), "cdist only supports at least 2D tensors, X1 got: 1D");
  expect_error(ct_cdist(m, D(1, 2)), "cdist only supports at least 2D tensors, X2 got: 1D");
  expect_error(ct_cdist(m, ct_zeros(SH(2, 4))), "X1 and X2 must have the same number of columns. X1: 3 X2: 4");
  expect_error(ct_cdist(ct_zeros(SH(2, 3), .dtype = CT_INT64), m), "cdist only supports floating-point dtypes, X1 got: Long");
  expect_error(ct_cdist(m, m, .p = -1), "cdist only supports non-negative p values");
  ct_scope_end();
}

static const char *grad_fn_name(const ct_tensor *t) { return ct_grad_fn_name(t); }

static ct_tensor *f_ri(const ct_tensor *t) {
  return ct_add(ct_sum(ct_repeat_interleave(t, 2, .dim = 1)), ct_sum(ct_pow_scalar(ct_repeat_interleave_tensor(t, I64(0, 3), .dim = 0), 2)));
}
static ct_tensor *f_split(const ct_tensor *t) {
  ct_tensor *o[4];
  if (ct_tensor_split_indices(t, 1, (int64_t[]){1}, 1, o, 4) != 2) return NULL;
  return ct_mul(ct_sum(ct_pow_scalar(o[0], 2)), ct_sum(o[1]));
}
static ct_tensor *f_as(const ct_tensor *t) { /* overlapping windows of a (2, 3) tensor's storage */
  return ct_pow_scalar(ct_as_strided(t, 2, (int64_t[]){3, 2}, (int64_t[]){1, 1}, 1), 2);
}
static ct_tensor *f_as_view(const ct_tensor *t) { /* input itself a non-contiguous view */
  return ct_pow_scalar(ct_as_strided(ct_t(t), 1, (int64_t[]){4}, (int64_t[]){1}, 1), 3);
}
static ct_tensor *f_bt(const ct_tensor *a, const ct_tensor *b) {
  ct_tensor *o[2];
  if (ct_broadcast_tensors((ct_tensor *[]){(ct_tensor *)a, ct_select(b, 0, 0)}, 2, o, 2) != 2) return NULL;
  return ct_mul(o[0], ct_pow_scalar(o[1], 2));
}
static double cd_p;
static ct_cdist_mode cd_mode;
static ct_tensor *f_cdist(const ct_tensor *a, const ct_tensor *b) { return ct_cdist(a, b, .p = cd_p, .compute_mode = cd_mode); }

static void test_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(SH(2, 3), CT_FLOAT64, 1, true), *y = ramp(SH(2, 3), CT_FLOAT64, 2, true);
  const op_ref ri = {.u = f_ri}, sp = {.u = f_split}, as = {.u = f_as}, av = {.u = f_as_view}, bt = {.b = f_bt},
               cd = {.b = f_cdist};
  check_grads(run_unary, &x, 1, (void *)&ri, "repeat_interleave");
  check_grads(run_unary, &x, 1, (void *)&sp, "tensor_split");
  check_grads(run_unary, &x, 1, (void *)&as, "as_strided");
  check_grads(run_unary, &x, 1, (void *)&av, "as_strided of a view");
  check_grads(run_binary, (ct_tensor *[]){x, y}, 2, (void *)&bt, "broadcast_tensors");
  assert_string_equal(grad_fn_name(ct_repeat_interleave(x, 2)), "IndexSelectBackward0");
  assert_string_equal(grad_fn_name(ct_as_strided(x, 1, (int64_t[]){2}, (int64_t[]){1}, 0)), "AsStridedBackward0");
  /* distinct rows: no zero distance, where the p < 1 gradient is undefined */
  ct_tensor *a = ct_detach(ramp(SH(2, 3, 2), CT_FLOAT64, 3, false)), *b = ct_mul_scalar(ramp(SH(1, 4, 2), CT_FLOAT64, 4, false), 1.3);
  ct_tensor *c = ct_mul_scalar(ramp(SH(2, 30, 2), CT_FLOAT64, 5, false), 0.7);
  ct_requires_grad_(a, true);
  ct_requires_grad_(b, true);
  ct_requires_grad_(c, true);
  const double ps[] = {0, 1, 2, 3, 1.5};
  for (int i = 0; i < 5; i++) {
    cd_p = ps[i], cd_mode = CT_CDIST_DONOT_USE_MM;
    check_grads(run_binary, (ct_tensor *[]){a, b}, 2, (void *)&cd, "cdist");
  }
  /* p = inf away from ties between the two coordinates (not differentiable there) */
  ct_tensor *ai = ct_detach(ct_mul(a, D(1, 1.37))), *bi = ct_detach(ct_mul(b, D(1.11, 1)));
  ct_requires_grad_(ai, true);
  ct_requires_grad_(bi, true);
  cd_p = INFINITY;
  check_grads(run_binary, (ct_tensor *[]){ai, bi}, 2, (void *)&cd, "cdist inf");
  cd_p = 2, cd_mode = CT_CDIST_USE_MM_IF_NECESSARY;
  check_grads(run_binary, (ct_tensor *[]){a, c}, 2, (void *)&cd, "cdist mm");
  assert_string_equal(grad_fn_name(ct_cdist(a, b)), "CdistBackward0");
  assert_string_equal(grad_fn_name(ct_cdist(a, c)), "ViewBackward0");
  /* zero distances (the diagonal) contribute 0, not NaN, as in PyTorch */
  ct_tensor *z = ct_detach(ramp(SH(2, 2), CT_FLOAT64, 6, false));
  ct_requires_grad_(z, true);
  assert_int_equal(ct_backward(ct_sum(ct_cdist(z, z, .compute_mode = CT_CDIST_DONOT_USE_MM))), 0);
  expect_vals(ct_grad(z), ((double[]){-M_SQRT2, -M_SQRT2, M_SQRT2, M_SQRT2}), 4, 1e-12, 0);
  ct_scope_end();
}

/* torch.einsum(a, [0, 1], b, [1, 2], [0, 2]) and the implicit / ellipsis forms */
static void test_einsum_sublist(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_reshape(ct_arange(0, 6, 1, .dtype = CT_FLOAT64), 2, (int64_t[]){2, 3});
  ct_tensor *b = ct_reshape(ct_arange(0, 12, 1, .dtype = CT_FLOAT64), 2, (int64_t[]){3, 4});
  ct_tensor *ab[2] = {a, b};
  expect_exact(ct_einsum_sublist(ab, 2, (const int64_t *[]){(int64_t[]){0, 1}, (int64_t[]){1, 2}}, (int[]){2, 2}, (int64_t[]){0, 2}, 2),
               20, 23, 26, 29, 56, 68, 80, 92);
  /* implicit: labels 27 ('b') and 30 ('e') sorted, 0 ('A') summed */
  expect_exact(ct_einsum_sublist(ab, 2, (const int64_t *[]){(int64_t[]){27, 0}, (int64_t[]){0, 30}}, (int[]){2, 2}, NULL, -1),
               20, 23, 26, 29, 56, 68, 80, 92);
  ct_tensor *c = ct_reshape(ct_arange(0, 24, 1, .dtype = CT_FLOAT64), 3, (int64_t[]){2, 3, 4});
  expect_exact(ct_einsum_sublist(&c, 1, (const int64_t *[]){(int64_t[]){CT_EINSUM_ELLIPSIS, 1}}, (int[]){2}, (int64_t[]){CT_EINSUM_ELLIPSIS}, 1),
               6, 22, 38, 54, 70, 86);
  expect_error(ct_einsum_sublist(&a, 1, (const int64_t *[]){(int64_t[]){52, 1}}, (int[]){2}, NULL, -1),
               "einsum(): subscript in subscript list is not within the valid range [0, 52)");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_view_0d),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_cdist_values),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_grads),
      cmocka_unit_test(test_einsum_sublist),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
