/* torch.nn.functional in C: F.x -> ct_x (ct_relu, ct_softmax, ct_pad, ...). The ops return a
 * new tensor in the innermost scope, or NULL with ct_last_error() set, like tensor_ops.h; the
 * nn layer's modules and losses (nn.h, when it lands) are built on these. */
#ifndef CTORCH_FUNCTIONAL_H
#define CTORCH_FUNCTIONAL_H

#include "tensor_ops.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* An int-or-tuple argument of torch.nn.functional (stride=2 or stride=(2, 1), kernel_size,
 * padding, dilation, output_size ...): CT_INTS(2) or CT_INTS(2, 1). n == 1 applies the one
 * value to every spatial dim, as PyTorch's _pair/_triple do; n == 0 (a zeroed field) means the
 * argument was not given, so the function's PyTorch default applies. */
typedef struct ct_ints {
  int n;
  int64_t v[CT_MAX_DIMS];
} ct_ints;
#define CT_INTS(...) \
  ((ct_ints){.n = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), .v = {__VA_ARGS__}})

/* torch.relu / F.relu: max(t, 0), keeps integer dtypes; bool is an error. */
ct_tensor *ct_relu(const ct_tensor *t);
typedef enum ct_gelu_approx { CT_GELU_NONE = 0, CT_GELU_TANH } ct_gelu_approx;
/* F.gelu(t, approximate='none' | 'tanh'): int inputs give the default float dtype. */
ct_tensor *ct_gelu(const ct_tensor *t, ct_gelu_approx approximate);
/* F.silu: t * sigmoid(t); int inputs give the default float dtype. */
ct_tensor *ct_silu(const ct_tensor *t);
/* Tensor.relu_() / F.relu(t, inplace=True): returns t. */
ct_tensor *ct_relu_(ct_tensor *t);
/* torch.softmax(t, dim) / F.softmax: floating input only (no dtype= argument). */
ct_tensor *ct_softmax(const ct_tensor *t, int64_t dim);
/* torch.log_softmax(t, dim) / F.log_softmax: floating input only. */
ct_tensor *ct_log_softmax(const ct_tensor *t, int64_t dim);
/* F.one_hot(t, num_classes=-1): int64 */
ct_tensor *ct_one_hot(const ct_tensor *t, int64_t num_classes);
typedef enum ct_pad_mode {
  CT_PAD_CONSTANT = 0,
  CT_PAD_REFLECT,
  CT_PAD_REPLICATE,
  CT_PAD_CIRCULAR
} ct_pad_mode;
/* F.pad(t, pad, mode, value): pad lists (left, right) pairs from the last dim backwards */
ct_tensor *ct_pad(const ct_tensor *t, int npad, const int64_t *pad, ct_pad_mode mode,
                  double value);

/* ---- linear ---- */
/* F.linear(input, weight, bias=None): input @ weight.T + bias. bias may be NULL (None); a NULL
 * input or weight returns NULL. grad_fns as 1.13: AddmmBackward0 for 2-D input with bias,
 * ViewBackward0 for contiguous 3-D input with bias, else the matmul's (+ AddBackward0). */
ct_tensor *ct_linear(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias);
/* F.bilinear(input1, input2, weight, bias=None): y = x1^T A x2 + b over the last dims. */
ct_tensor *ct_bilinear(const ct_tensor *input1, const ct_tensor *input2, const ct_tensor *weight,
                       const ct_tensor *bias);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
