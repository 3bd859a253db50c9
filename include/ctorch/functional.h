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

/* ---- pooling ---- */
/* F.max_pool1d/2d/3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
 * ct_max_pool2d(x, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)). A zeroed stride
 * means None (= kernel_size). Inputs (N, C, *spatial) or unbatched (C, *spatial), float32 or
 * float64. return_indices=True is the _with_indices form (F.max_pool2d_with_indices): values
 * and the int64 flat index of each max within its (spatial) plane. */
typedef struct ct_max_pool_opts {
  ct_ints stride;   /* default (n == 0): kernel_size */
  ct_ints padding;  /* default (n == 0): 0 */
  ct_ints dilation; /* default (n == 0): 1 */
  bool ceil_mode;
} ct_max_pool_opts;
#define CT_MAX_POOL_OPTS(...) CT_OPTS(ct_max_pool_opts, __VA_ARGS__)
ct_tensor *ct_max_pool1d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o);
ct_tensor *ct_max_pool2d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o);
ct_tensor *ct_max_pool3d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o);
ct_tensor_pair ct_max_pool1d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o);
ct_tensor_pair ct_max_pool2d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o);
ct_tensor_pair ct_max_pool3d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o);
#define ct_max_pool1d(x, kernel_size, ...) ct_max_pool1d_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_max_pool2d(x, kernel_size, ...) ct_max_pool2d_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_max_pool3d(x, kernel_size, ...) ct_max_pool3d_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_max_pool1d_with_indices(x, kernel_size, ...) \
  ct_max_pool1d_with_indices_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_max_pool2d_with_indices(x, kernel_size, ...) \
  ct_max_pool2d_with_indices_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_max_pool3d_with_indices(x, kernel_size, ...) \
  ct_max_pool3d_with_indices_ex(x, kernel_size, CT_MAX_POOL_OPTS(__VA_ARGS__))

/* F.max_unpool1d/2d/3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
 * output_size has 1/2/3 entries, or 2 more (N, C first, ignored), as PyTorch takes it. */
typedef struct ct_max_unpool_opts {
  ct_ints stride;      /* default (n == 0): kernel_size */
  ct_ints padding;     /* default (n == 0): 0 */
  ct_ints output_size; /* default (n == 0): (in - 1) * stride + kernel_size - 2 * padding */
} ct_max_unpool_opts;
#define CT_MAX_UNPOOL_OPTS(...) CT_OPTS(ct_max_unpool_opts, __VA_ARGS__)
ct_tensor *ct_max_unpool1d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o);
ct_tensor *ct_max_unpool2d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o);
ct_tensor *ct_max_unpool3d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o);
#define ct_max_unpool1d(x, indices, kernel_size, ...) \
  ct_max_unpool1d_ex(x, indices, kernel_size, CT_MAX_UNPOOL_OPTS(__VA_ARGS__))
#define ct_max_unpool2d(x, indices, kernel_size, ...) \
  ct_max_unpool2d_ex(x, indices, kernel_size, CT_MAX_UNPOOL_OPTS(__VA_ARGS__))
#define ct_max_unpool3d(x, indices, kernel_size, ...) \
  ct_max_unpool3d_ex(x, indices, kernel_size, CT_MAX_UNPOOL_OPTS(__VA_ARGS__))

/* F.avg_pool1d/2d/3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None); avg_pool1d has no divisor_override. */
typedef struct ct_avg_pool_opts {
  ct_ints stride;  /* default (n == 0): kernel_size */
  ct_ints padding; /* default (n == 0): 0 */
  bool ceil_mode;
  bool count_include_pad;   /* default true */
  int64_t divisor_override; /* default CT_NONE (None) */
} ct_avg_pool_opts;
#define CT_AVG_POOL_OPTS(...)                                                             \
  CT_OPTS(ct_avg_pool_opts, .count_include_pad = true, .divisor_override = CT_NONE, __VA_ARGS__)
ct_tensor *ct_avg_pool1d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o);
ct_tensor *ct_avg_pool2d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o);
ct_tensor *ct_avg_pool3d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o);
#define ct_avg_pool1d(x, kernel_size, ...) ct_avg_pool1d_ex(x, kernel_size, CT_AVG_POOL_OPTS(__VA_ARGS__))
#define ct_avg_pool2d(x, kernel_size, ...) ct_avg_pool2d_ex(x, kernel_size, CT_AVG_POOL_OPTS(__VA_ARGS__))
#define ct_avg_pool3d(x, kernel_size, ...) ct_avg_pool3d_ex(x, kernel_size, CT_AVG_POOL_OPTS(__VA_ARGS__))

/* F.adaptive_{avg,max}_pool1d/2d/3d(input, output_size): an entry CT_NONE keeps that input
 * size (PyTorch's None). adaptive_max_poolNd_with_indices: return_indices=True. */
ct_tensor *ct_adaptive_avg_pool1d(const ct_tensor *x, ct_ints output_size);
ct_tensor *ct_adaptive_avg_pool2d(const ct_tensor *x, ct_ints output_size);
ct_tensor *ct_adaptive_avg_pool3d(const ct_tensor *x, ct_ints output_size);
ct_tensor *ct_adaptive_max_pool1d(const ct_tensor *x, ct_ints output_size);
ct_tensor *ct_adaptive_max_pool2d(const ct_tensor *x, ct_ints output_size);
ct_tensor *ct_adaptive_max_pool3d(const ct_tensor *x, ct_ints output_size);
ct_tensor_pair ct_adaptive_max_pool1d_with_indices(const ct_tensor *x, ct_ints output_size);
ct_tensor_pair ct_adaptive_max_pool2d_with_indices(const ct_tensor *x, ct_ints output_size);
ct_tensor_pair ct_adaptive_max_pool3d_with_indices(const ct_tensor *x, ct_ints output_size);

/* F.lp_pool1d/2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
 * (sum over the window of x^p)^(1/p), composed as PyTorch 1.13 composes it. */
typedef struct ct_lp_pool_opts {
  ct_ints stride; /* default (n == 0): kernel_size */
  bool ceil_mode;
} ct_lp_pool_opts;
#define CT_LP_POOL_OPTS(...) CT_OPTS(ct_lp_pool_opts, __VA_ARGS__)
ct_tensor *ct_lp_pool1d_ex(const ct_tensor *x, double norm_type, ct_ints kernel_size,
                           ct_lp_pool_opts o);
ct_tensor *ct_lp_pool2d_ex(const ct_tensor *x, double norm_type, ct_ints kernel_size,
                           ct_lp_pool_opts o);
#define ct_lp_pool1d(x, norm_type, kernel_size, ...) \
  ct_lp_pool1d_ex(x, norm_type, kernel_size, CT_LP_POOL_OPTS(__VA_ARGS__))
#define ct_lp_pool2d(x, norm_type, kernel_size, ...) \
  ct_lp_pool2d_ex(x, norm_type, kernel_size, CT_LP_POOL_OPTS(__VA_ARGS__))

/* F.fractional_max_pool2d/3d(input, kernel_size, output_size=None, output_ratio=None,
 * return_indices=False, _random_samples=None): give output_size or output_ratio (a zero
 * output_ratio[j], j > 0, repeats output_ratio[0]); random_samples (N, C, 2|3) of x's dtype in
 * [0, 1) makes the windows deterministic, NULL draws them from the default generator as
 * torch.rand(N, C, 2|3) does. */
typedef struct ct_fractional_max_pool_opts {
  ct_ints output_size;
  double output_ratio[3];
  const ct_tensor *random_samples;
} ct_fractional_max_pool_opts;
#define CT_FRACTIONAL_MAX_POOL_OPTS(...) CT_OPTS(ct_fractional_max_pool_opts, __VA_ARGS__)
ct_tensor *ct_fractional_max_pool2d_ex(const ct_tensor *x, ct_ints kernel_size,
                                       ct_fractional_max_pool_opts o);
ct_tensor *ct_fractional_max_pool3d_ex(const ct_tensor *x, ct_ints kernel_size,
                                       ct_fractional_max_pool_opts o);
ct_tensor_pair ct_fractional_max_pool2d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                                        ct_fractional_max_pool_opts o);
ct_tensor_pair ct_fractional_max_pool3d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                                        ct_fractional_max_pool_opts o);
#define ct_fractional_max_pool2d(x, kernel_size, ...) \
  ct_fractional_max_pool2d_ex(x, kernel_size, CT_FRACTIONAL_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_fractional_max_pool3d(x, kernel_size, ...) \
  ct_fractional_max_pool3d_ex(x, kernel_size, CT_FRACTIONAL_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_fractional_max_pool2d_with_indices(x, kernel_size, ...) \
  ct_fractional_max_pool2d_with_indices_ex(x, kernel_size, CT_FRACTIONAL_MAX_POOL_OPTS(__VA_ARGS__))
#define ct_fractional_max_pool3d_with_indices(x, kernel_size, ...) \
  ct_fractional_max_pool3d_with_indices_ex(x, kernel_size, CT_FRACTIONAL_MAX_POOL_OPTS(__VA_ARGS__))

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
