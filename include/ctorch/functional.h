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

/* ---- convolution ---- */
/* padding='same' / 'valid' of F.conv*d; CT_PADDING_EXPLICIT (the default) uses .padding. */
typedef enum ct_padding_kind {
  CT_PADDING_EXPLICIT = 0,
  CT_PADDING_SAME,
  CT_PADDING_VALID
} ct_padding_kind;
/* Keywords of F.conv1d/2d/3d: bias=None, stride=1, padding=0 (or 'same' / 'valid' through
 * .padding_kind), dilation=1, groups=1. */
typedef struct ct_conv_opts {
  const ct_tensor *bias; /* NULL: none */
  ct_ints stride, padding, dilation;
  ct_padding_kind padding_kind;
  int64_t groups; /* 1 */
} ct_conv_opts;
#define CT_CONV_OPTS(...) CT_OPTS(ct_conv_opts, .groups = 1, __VA_ARGS__)
/* F.conv1d(input (N, C, L) or (C, L), weight (O, C/groups, k)): float, double and the integer
 * dtypes (input, weight and bias of one dtype); grad_fn ConvolutionBackward0. */
ct_tensor *ct_conv1d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o);
/* F.conv2d(input (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw)). */
ct_tensor *ct_conv2d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o);
/* F.conv3d(input (N, C, D, H, W) or (C, D, H, W), weight (O, C/groups, kd, kh, kw)). */
ct_tensor *ct_conv3d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o);
/* F.conv1d(x, w, bias=, stride=, padding=, dilation=, groups=):
 * ct_conv1d(x, w, .bias = b, .stride = CT_INTS(2), .padding_kind = CT_PADDING_SAME). */
#define ct_conv1d(x, w, ...) ct_conv1d_ex(x, w, CT_CONV_OPTS(__VA_ARGS__))
/* F.conv2d(x, w, bias=, stride=, padding=, dilation=, groups=). */
#define ct_conv2d(x, w, ...) ct_conv2d_ex(x, w, CT_CONV_OPTS(__VA_ARGS__))
/* F.conv3d(x, w, bias=, stride=, padding=, dilation=, groups=). */
#define ct_conv3d(x, w, ...) ct_conv3d_ex(x, w, CT_CONV_OPTS(__VA_ARGS__))

/* Keywords of F.conv_transpose1d/2d/3d: bias=None, stride=1, padding=0, output_padding=0,
 * groups=1, dilation=1. */
typedef struct ct_conv_transpose_opts {
  const ct_tensor *bias; /* NULL: none */
  ct_ints stride, padding, output_padding;
  int64_t groups; /* 1 */
  ct_ints dilation;
} ct_conv_transpose_opts;
#define CT_CONV_TRANSPOSE_OPTS(...) CT_OPTS(ct_conv_transpose_opts, .groups = 1, __VA_ARGS__)
/* F.conv_transpose1d(input (N, C, L) or (C, L), weight (C, O/groups, k)): the adjoint of
 * conv1d; grad_fn ConvolutionBackward0. */
ct_tensor *ct_conv_transpose1d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o);
/* F.conv_transpose2d(input (N, C, H, W) or (C, H, W), weight (C, O/groups, kh, kw)). */
ct_tensor *ct_conv_transpose2d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o);
/* F.conv_transpose3d(input (N, C, D, H, W) or (C, D, H, W), weight (C, O/groups, kd, kh, kw)). */
ct_tensor *ct_conv_transpose3d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o);
/* F.conv_transpose1d(x, w, bias=, stride=, padding=, output_padding=, groups=, dilation=). */
#define ct_conv_transpose1d(x, w, ...) ct_conv_transpose1d_ex(x, w, CT_CONV_TRANSPOSE_OPTS(__VA_ARGS__))
/* F.conv_transpose2d(x, w, bias=, stride=, padding=, output_padding=, groups=, dilation=). */
#define ct_conv_transpose2d(x, w, ...) ct_conv_transpose2d_ex(x, w, CT_CONV_TRANSPOSE_OPTS(__VA_ARGS__))
/* F.conv_transpose3d(x, w, bias=, stride=, padding=, output_padding=, groups=, dilation=). */
#define ct_conv_transpose3d(x, w, ...) ct_conv_transpose3d_ex(x, w, CT_CONV_TRANSPOSE_OPTS(__VA_ARGS__))

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
