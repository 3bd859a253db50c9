/* Seed 004, section 4.2: custom autograd functions (torch.autograd.Function) in C, and
 * gradcheck. A ct_function names its grad_fn and gives a forward and a backward; the
 * context saves tensors for backward like ctx.save_for_backward.
 * Prints what examples/pytorch/example_custom_function.py prints. */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

/* ---- CustomSigmoid ------------------------------------------------------------------ */
/* forward(ctx, input): output = 1 / (1 + exp(-input)); saves output */
static int sigmoid_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out,
                           int n_out) {
  (void)n_in, (void)n_out;
  out[0] = ct_reciprocal(ct_add_scalar(ct_exp(ct_neg(in[0])), 1));
  return ct_ctx_save_for_backward(ctx, out[0]);
}

/* backward(ctx, grad_output): grad_output * output * (1 - output), sigmoid's derivative */
static int sigmoid_backward(ct_function_ctx *ctx, ct_tensor *const *grad_out, int n_out,
                            ct_tensor **grad_in, int n_in) {
  (void)n_out, (void)n_in;
  ct_tensor *output = ct_ctx_saved(ctx, 0);
  grad_in[0] = ct_mul(ct_mul(grad_out[0], output), ct_rsub_scalar(output, 1));
  return grad_in[0] ? 0 : -1;
}

static const ct_function CustomSigmoid = {
    .name = "CustomSigmoidBackward", .forward = sigmoid_forward, .backward = sigmoid_backward};

/* ---- FusedBiasActivation: relu(input + bias.unsqueeze(0)) ------------------------------ */
static int fused_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out,
                         int n_out) {
  (void)n_in, (void)n_out;
  /* the seed saves only input, then reads bias in backward; both are needed */
  if (ct_ctx_save_for_backward(ctx, in[0]) || ct_ctx_save_for_backward(ctx, in[1])) return -1;
  out[0] = ct_relu(ct_add(in[0], ct_unsqueeze(in[1], 0)));
  return out[0] ? 0 : -1;
}

/* grad_input = grad_output where input + bias > 0, else 0; grad_bias = grad_input.sum(0) */
static int fused_backward(ct_function_ctx *ctx, ct_tensor *const *grad_out, int n_out,
                          ct_tensor **grad_in, int n_in) {
  (void)n_out, (void)n_in;
  ct_tensor *input = ct_ctx_saved(ctx, 0), *bias = ct_ctx_saved(ctx, 1);
  ct_tensor *grad_input = ct_clone(grad_out[0]);
  ct_tensor *dead = ct_le_scalar(ct_add(input, ct_unsqueeze(bias, 0)), 0); /* ReLU's zero side */
  grad_in[0] = ct_masked_fill_(grad_input, dead, 0);
  grad_in[1] = ct_sum(grad_in[0], .dim = CT_DIMS(0));
  return grad_in[0] && grad_in[1] ? 0 : -1;
}

static const ct_function FusedBiasActivation = {
    .name = "FusedBiasActivationBackward", .forward = fused_forward, .backward = fused_backward};

/* The form gradcheck takes: outputs from inputs. */
static int apply_fn(ct_tensor *const *inputs, int n_in, ct_tensor **outputs, int n_out,
                    void *user) {
  (void)n_out;
  return ct_function_apply((const ct_function *)user, inputs, n_in, outputs);
}

int main(void) {
  ct_scope_begin();
  ct_manual_seed(0);

  /* x = torch.randn(4, requires_grad=True); y = CustomSigmoid.apply(x); y.sum().backward() */
  ct_tensor *x = ct_randn(CT_SHAPE(4), .requires_grad = true);
  ct_tensor *y;
  check(ct_function_apply(&CustomSigmoid, &x, 1, &y) == 0, "CustomSigmoid.apply");
  check(ct_backward(ct_sum(y)) == 0, "backward");
  ct_print(y);
  ct_print(ct_grad(x));
  ct_tensor *s = ct_sigmoid(x);
  printf("%s\n", py_bool(ct_allclose(ct_grad(x), ct_mul(s, ct_rsub_scalar(s, 1)), 1e-5, 1e-8)));

  /* 4.2.2 gradcheck(CustomSigmoid.apply, (input,), eps=1e-6, atol=1e-4) */
  ct_tensor *input = ct_randn(CT_SHAPE(3, 3), .dtype = CT_FLOAT64, .requires_grad = true);
  bool test = ct_gradcheck(apply_fn, &input, 1, .eps = 1e-6, .atol = 1e-4,
                           .user = (void *)&CustomSigmoid);
  printf("梯度检查: %s\n", py_bool(test));

  /* 4.2.3 out = fused_bias_relu(x, b); out.sum().backward() */
  ct_tensor *xb[2] = {ct_randn(CT_SHAPE(2, 3), .requires_grad = true),
                      ct_randn(CT_SHAPE(3), .requires_grad = true)};
  ct_tensor *out;
  check(ct_function_apply(&FusedBiasActivation, xb, 2, &out) == 0, "FusedBiasActivation.apply");
  check(ct_backward(ct_sum(out)) == 0, "backward");
  ct_print(out);
  ct_print(ct_grad(xb[0]));
  ct_print(ct_grad(xb[1]));
  ct_tensor *xbd[2] = {ct_randn(CT_SHAPE(4, 3), .dtype = CT_FLOAT64, .requires_grad = true),
                       ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true)};
  test = ct_gradcheck(apply_fn, xbd, 2, .eps = 1e-6, .atol = 1e-4,
                      .user = (void *)&FusedBiasActivation);
  printf("梯度检查: %s\n", py_bool(test));

  ct_scope_end();
  return 0;
}
