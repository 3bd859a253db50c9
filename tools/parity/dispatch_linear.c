/* Parity handlers: F.linear and F.bilinear (include/ctorch/functional.h, src/ops/linear.c). */
#include "parity.h"

/* F.linear(input, weight, bias=None) */
static int h_linear(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  ct_tensor *b = p_tensor_opt(c, 2, "bias");
  P_CHECK(c);
  return p_out(c, ct_linear(x, w, b));
}

/* F.bilinear(input1, input2, weight, bias=None) */
static int h_bilinear(pcall *c) {
  ct_tensor *x1 = p_tensor(c, 0, "input1"), *x2 = p_tensor(c, 1, "input2");
  ct_tensor *w = p_tensor(c, 2, "weight"), *b = p_tensor_opt(c, 3, "bias");
  P_CHECK(c);
  return p_out(c, ct_bilinear(x1, x2, w, b));
}

const parity_handler parity_handlers_linear[] = {
    {"F.linear", h_linear, NULL},
    {"F.bilinear", h_bilinear, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_linear)
