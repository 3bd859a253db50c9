/* The seeds' printed tensor and autograd results as assertions (seed 004 sections 2.1,
 * 4.1, 4.2; seed 000's activations). The examples print them; these tests check them.
 * Expected numbers come from PyTorch 1.13 (the twins in examples/pytorch/ print the same). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *leaf(double v) { return scalar(v, true); }
#define assert_values(...) ct_test_expect_floats(__VA_ARGS__)

/* ---- seed 004, 2.1 ---------------------------------------------------------------------- */
static void test_dtypes(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *scalar = ct_scalar_tensor(3.14, CT_DTYPE_UNSET);
  ct_tensor *vector = ct_tensor_from((double[]){1, 2, 3}, CT_FLOAT64, CT_SHAPE(3));
  assert_int_equal(ct_dim(scalar), 0);
  assert_int_equal(ct_dtype_of(scalar), CT_FLOAT32);
  assert_string_equal(ct_dtype_name(ct_dtype_of(vector)), "torch.float64");
  char *s = ct_to_string(scalar);
  assert_string_equal(s, "tensor(3.1400)");
  free(s);
  s = ct_to_string(vector);
  assert_string_equal(s, "tensor([1., 2., 3.], dtype=torch.float64)");
  free(s);
  ct_scope_end();
}

static void test_broadcasting(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *c = ct_add_scalar(ct_ones(CT_SHAPE(3, 3)), 1.0);
  assert_true(ct_equal(c, ct_full(CT_SHAPE(3, 3), 2.0)));
  ct_tensor *z = ct_add(ct_ones(CT_SHAPE(5, 3, 4)), ct_ones(CT_SHAPE(3, 1)));
  assert_non_null(z);
  assert_int_equal(ct_dim(z), 3);
  assert_int_equal(ct_size(z, 0), 5);
  assert_int_equal(ct_size(z, 1), 3);
  assert_int_equal(ct_size(z, 2), 4);
  assert_true(ct_equal(z, ct_full(CT_SHAPE(5, 3, 4), 2.0)));
  ct_scope_end();
}

static void test_view_shares_clone_copies(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *a = ct_randn(CT_SHAPE(3, 3));
  ct_tensor *b = ct_view(a, CT_SHAPE(9));
  ct_tensor *c = ct_clone(a);
  double before = ct_get(a, (int64_t[]){0, 0});
  assert_int_equal(ct_set(a, (int64_t[]){0, 0}, 10), 0);
  assert_true(ct_shares_storage(a, b));
  assert_false(ct_shares_storage(a, c));
  assert_float_equal(ct_item(ct_select(b, 0, 0)), 10.0, 0); /* print(b[0]) -> tensor(10.) */
  assert_float_equal(ct_get(c, (int64_t[]){0, 0}), before, 0);
  ct_scope_end();
}

static void test_contiguous(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *t = ct_t(ct_ones(CT_SHAPE(3, 3)));
  assert_false(ct_is_contiguous(t));
  assert_null(ct_view(t, CT_SHAPE(9)));
  assert_non_null(strstr(ct_last_error(), "view size is not compatible with input tensor's size"));
  ct_clear_error();
  ct_tensor *c = ct_contiguous(t);
  assert_true(ct_is_contiguous(c));
  assert_non_null(ct_view(c, CT_SHAPE(9)));
  ct_scope_end();
}

static void test_numpy_interop(void **state) {
  (void)state;
  ct_scope_begin();
  double np_array[4] = {0, 1, 2, 3};
  ct_tensor *t = ct_from_blob(np_array, CT_FLOAT64, CT_SHAPE(2, 2));
  np_array[0] = 100; /* torch.from_numpy shares the array's memory */
  assert_float_equal(ct_get(t, (int64_t[]){0, 0}), 100, 0);
  size_t len = 0;
  void *buf = ct_npy_dumps(t, &len);
  assert_non_null(buf);
  ct_tensor *back = ct_npy_loads(buf, len);
  free(buf);
  assert_non_null(back);
  assert_int_equal(ct_dtype_of(back), CT_FLOAT64);
  assert_true(ct_equal(back, t));
  ct_scope_end();
}

/* ---- seed 004, 4.1 ---------------------------------------------------------------------- */
static void test_backward_grads(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = leaf(2.0), *w = leaf(3.0), *b = leaf(1.0);
  ct_tensor *y = ct_add(ct_mul(w, x), b);
  assert_string_equal(ct_grad_fn_name(y), "AddBackward0");
  assert_int_equal(ct_backward(y), 0);
  assert_float_equal(ct_item(ct_grad(x)), 3.0, 0); /* ∂y/∂x = 3.0 */
  assert_float_equal(ct_item(ct_grad(w)), 2.0, 0); /* ∂y/∂w = 2.0 */
  assert_float_equal(ct_item(ct_grad(b)), 1.0, 0); /* ∂y/∂b = 1.0 */
  /* a second backward accumulates; zero_grad() sets None */
  assert_int_equal(ct_backward(ct_add(ct_mul(w, x), b)), 0);
  assert_float_equal(ct_item(ct_grad(x)), 6.0, 0);
  assert_int_equal(ct_set_grad(x, NULL), 0);
  assert_null(ct_grad(x));
  ct_scope_end();
}

static void test_no_grad_detach_retain_grad(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = leaf(2.0), *w = leaf(3.0), *b = leaf(1.0);
  ct_tensor *y = NULL;
  CT_NO_GRAD { y = ct_add(ct_mul(w, x), b); }
  assert_true(ct_is_grad_enabled());
  assert_false(ct_requires_grad(y));
  assert_null(ct_grad_fn_name(y));

  y = ct_add(ct_mul(w, x), b);
  ct_tensor *z = ct_detach(y);
  assert_false(ct_requires_grad(z));
  assert_true(ct_shares_storage(y, z));
  assert_float_equal(ct_item(z), 7.0, 0);

  assert_int_equal(ct_retain_grad(y), 0);
  assert_int_equal(ct_backward(ct_mul(y, y)), 0);
  assert_float_equal(ct_item(ct_grad(y)), 14.0, 0); /* d(y*y)/dy = 2y */
  assert_float_equal(ct_item(ct_grad(x)), 42.0, 0); /* 2y * w */
  ct_scope_end();
}

static void test_higher_order(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = leaf(2.0);
  ct_tensor *y = ct_pow_scalar(x, 3);
  ct_tensor *dy_dx = NULL, *d2y_dx2 = NULL;
  assert_int_equal(ct_autograd_grad(&y, 1, &x, 1, NULL, true, -1, false, &dy_dx), 0);
  assert_true(ct_requires_grad(dy_dx));
  assert_int_equal(ct_autograd_grad(&dy_dx, 1, &x, 1, NULL, false, -1, false, &d2y_dx2), 0);
  assert_float_equal(ct_item(dy_dx), 12.0, 0);   /* 一阶导数: 12.0 */
  assert_float_equal(ct_item(d2y_dx2), 12.0, 0); /* 二阶导数: 12.0 */
  assert_null(ct_grad(x)); /* autograd.grad does not touch .grad */
  ct_scope_end();
}

/* ---- seed 004, 4.2: custom functions ---------------------------------------------------- */
/* output = 1 / (1 + exp(-input)), saved for backward */
static int sigmoid_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out,
                           int n_out) {
  (void)n_in, (void)n_out;
  out[0] = ct_reciprocal(ct_add_scalar(ct_exp(ct_neg(in[0])), 1));
  return ct_ctx_save_for_backward(ctx, out[0]);
}
/* grad_input = grad_output * output * (1 - output) */
static int sigmoid_backward(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi,
                            int n_in) {
  (void)n_out, (void)n_in;
  ct_tensor *output = ct_ctx_saved(ctx, 0);
  gi[0] = ct_mul(ct_mul(g[0], output), ct_rsub_scalar(output, 1));
  return gi[0] ? 0 : -1;
}
static const ct_function CustomSigmoid = {"CustomSigmoidBackward", sigmoid_forward,
                                          sigmoid_backward, 1};

/* output = relu(input + bias.unsqueeze(0)); saves input and bias */
static int fused_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out,
                         int n_out) {
  (void)n_in, (void)n_out;
  if (ct_ctx_save_for_backward(ctx, in[0]) || ct_ctx_save_for_backward(ctx, in[1])) return -1;
  out[0] = ct_relu(ct_add(in[0], ct_unsqueeze(in[1], 0)));
  return out[0] ? 0 : -1;
}
static int fused_backward(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi,
                          int n_in) {
  (void)n_out, (void)n_in;
  ct_tensor *input = ct_ctx_saved(ctx, 0), *bias = ct_ctx_saved(ctx, 1);
  ct_tensor *dead = ct_le_scalar(ct_add(input, ct_unsqueeze(bias, 0)), 0);
  gi[0] = ct_masked_fill(g[0], dead, 0);
  gi[1] = ct_sum(gi[0], .dim = CT_DIMS(0));
  return gi[0] && gi[1] ? 0 : -1;
}
static const ct_function FusedBiasActivation = {"FusedBiasActivationBackward", fused_forward,
                                                fused_backward, 1};

static int apply_fn(ct_tensor *const *inputs, int n_in, ct_tensor **outputs, int n_out,
                    void *user) {
  (void)n_out;
  return ct_function_apply((const ct_function *)user, inputs, n_in, outputs);
}

static void test_custom_sigmoid(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *x = ct_randn(CT_SHAPE(4), .requires_grad = true);
  ct_tensor *y = NULL;
  assert_int_equal(ct_function_apply(&CustomSigmoid, &x, 1, &y), 0);
  assert_string_equal(ct_grad_fn_name(y), "CustomSigmoidBackward");
  assert_true(ct_allclose(y, ct_sigmoid(x), 1e-5, 1e-7));
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  ct_tensor *s = ct_sigmoid(x);
  assert_true(ct_allclose(ct_grad(x), ct_mul(s, ct_rsub_scalar(s, 1)), 1e-5, 1e-7));
  /* PyTorch: y = tensor([0.8236, 0.4272, 0.1017, 0.6384]), x.grad = [0.1453, 0.2447, 0.0913, 0.2308] */
  assert_values(y, (double[]){0.8236, 0.4272, 0.1017, 0.6384}, 4, 1e-4);
  assert_values(ct_grad(x), (double[]){0.1453, 0.2447, 0.0913, 0.2308}, 4, 1e-4);

  ct_tensor *input = ct_randn(CT_SHAPE(3, 3), .dtype = CT_FLOAT64, .requires_grad = true);
  assert_true(ct_gradcheck(apply_fn, &input, 1, .eps = 1e-6, .atol = 1e-4,
                           .user = (void *)&CustomSigmoid)); /* 梯度检查: True */
  assert_true(ct_gradgradcheck(apply_fn, &input, 1, .user = (void *)&CustomSigmoid));
  ct_scope_end();
}

static int wrong_backward(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi,
                          int n_in) {
  (void)ctx, (void)n_out, (void)n_in;
  gi[0] = ct_mul_scalar(g[0], 2); /* claims d sigmoid/dx = 2: gradcheck must catch it */
  return 0;
}

static void test_gradcheck_catches_a_wrong_backward(void **state) {
  (void)state;
  ct_scope_begin();
  const ct_function wrong = {"WrongBackward", sigmoid_forward, wrong_backward, 1};
  ct_tensor *input = ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  assert_false(ct_gradcheck(apply_fn, &input, 1, .user = (void *)&wrong, .quiet = true));
  ct_clear_error();
  ct_scope_end();
}

static void test_fused_bias_activation(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_tensor_from((float[]){-1, 0.5, 2, 1, -3, 0.25}, CT_FLOAT32, CT_SHAPE(2, 3));
  ct_tensor *b = ct_tensor_from((float[]){0.5, -1, 0}, CT_FLOAT32, CT_SHAPE(3));
  ct_requires_grad_(x, true);
  ct_requires_grad_(b, true);
  ct_tensor *out = NULL;
  assert_int_equal(ct_function_apply(&FusedBiasActivation, (ct_tensor *[]){x, b}, 2, &out), 0);
  assert_string_equal(ct_grad_fn_name(out), "FusedBiasActivationBackward");
  assert_int_equal(ct_backward(ct_sum(out)), 0);
  /* relu(x + b): [[0, 0, 2], [1.5, 0, 0.25]] */
  assert_values(out, (double[]){0, 0, 2, 1.5, 0, 0.25}, 6, 0);
  assert_values(ct_grad(x), (double[]){0, 0, 1, 1, 0, 1}, 6, 0);
  assert_values(ct_grad(b), (double[]){1, 0, 2}, 3, 0);

  ct_manual_seed(1);
  ct_tensor *in[2] = {ct_randn(CT_SHAPE(4, 3), .dtype = CT_FLOAT64, .requires_grad = true),
                      ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true)};
  assert_true(ct_gradcheck(apply_fn, in, 2, .eps = 1e-6, .atol = 1e-4,
                           .user = (void *)&FusedBiasActivation));
  ct_scope_end();
}

/* ---- seed 000: activations ---------------------------------------------------------------- */
static void test_activations(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_tensor_from((float[]){-2, -1, 0, 1, 2}, CT_FLOAT32, CT_SHAPE(5));
  assert_values(ct_relu(x), (double[]){0, 0, 0, 1, 2}, 5, 0);
  assert_values(ct_sigmoid(x), (double[]){0.1192, 0.2689, 0.5, 0.7311, 0.8808}, 5, 1e-4);
  assert_values(ct_tanh(x), (double[]){-0.9640, -0.7616, 0, 0.7616, 0.9640}, 5, 1e-4);
  char *s = ct_to_string(ct_relu(x));
  assert_string_equal(s, "tensor([0., 0., 0., 1., 2.])");
  free(s);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dtypes),
      cmocka_unit_test(test_broadcasting),
      cmocka_unit_test(test_view_shares_clone_copies),
      cmocka_unit_test(test_contiguous),
      cmocka_unit_test(test_numpy_interop),
      cmocka_unit_test(test_backward_grads),
      cmocka_unit_test(test_no_grad_detach_retain_grad),
      cmocka_unit_test(test_higher_order),
      cmocka_unit_test(test_custom_sigmoid),
      cmocka_unit_test(test_gradcheck_catches_a_wrong_backward),
      cmocka_unit_test(test_fused_bias_activation),
      cmocka_unit_test(test_activations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
