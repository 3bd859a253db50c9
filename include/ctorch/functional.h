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

/* ---- normalization, dropout, embedding ---- */
/* F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
 * momentum=0.1, eps=1e-5): input (N, C, *) float32/float64; running stats (C) or NULL, updated
 * in place when training (unbiased variance; momentum is the factor of the new value:
 * BatchNorm's momentum=None passes 1 / num_batches_tracked). NativeBatchNormBackward0. */
typedef struct ct_batch_norm_opts {
  const ct_tensor *weight, *bias; /* (C) or NULL */
  bool training;                  /* false */
  double momentum;                /* 0.1 */
  double eps;                     /* 1e-5 */
} ct_batch_norm_opts;
ct_tensor *ct_batch_norm_ex(const ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var,
                            ct_batch_norm_opts o);
#define ct_batch_norm(input, running_mean, running_var, ...)  \
  ct_batch_norm_ex(input, running_mean, running_var,          \
                   CT_OPTS(ct_batch_norm_opts, .momentum = 0.1, .eps = 1e-5, __VA_ARGS__))
/* F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5): over the last
 * normalized_shape.n dims (CT_INTS(768) or CT_INTS(4, 5)). NativeLayerNormBackward0. */
typedef struct ct_layer_norm_opts {
  const ct_tensor *weight, *bias; /* normalized_shape or NULL */
  double eps;                     /* 1e-5 */
} ct_layer_norm_opts;
ct_tensor *ct_layer_norm_ex(const ct_tensor *input, ct_ints normalized_shape, ct_layer_norm_opts o);
#define ct_layer_norm(input, normalized_shape, ...) \
  ct_layer_norm_ex(input, normalized_shape, CT_OPTS(ct_layer_norm_opts, .eps = 1e-5, __VA_ARGS__))
/* F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5): input (N, C, *).
 * NativeGroupNormBackward0. */
typedef struct ct_group_norm_opts {
  const ct_tensor *weight, *bias; /* (C) or NULL */
  double eps;                     /* 1e-5 */
} ct_group_norm_opts;
ct_tensor *ct_group_norm_ex(const ct_tensor *input, int64_t num_groups, ct_group_norm_opts o);
#define ct_group_norm(input, num_groups, ...) \
  ct_group_norm_ex(input, num_groups, CT_OPTS(ct_group_norm_opts, .eps = 1e-5, __VA_ARGS__))
/* F.instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
 * use_input_stats=True, momentum=0.1, eps=1e-5): batch_norm over (1, N*C, *) as PyTorch
 * composes it; running stats (C) updated in place. */
typedef struct ct_instance_norm_opts {
  ct_tensor *running_mean, *running_var; /* (C) or NULL */
  const ct_tensor *weight, *bias;        /* (C) or NULL */
  bool use_input_stats;                  /* true */
  double momentum;                       /* 0.1 */
  double eps;                            /* 1e-5 */
} ct_instance_norm_opts;
ct_tensor *ct_instance_norm_ex(const ct_tensor *input, ct_instance_norm_opts o);
#define ct_instance_norm(input, ...)                                                    \
  ct_instance_norm_ex(input, CT_OPTS(ct_instance_norm_opts, .use_input_stats = true,    \
                                     .momentum = 0.1, .eps = 1e-5, __VA_ARGS__))
/* F.local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0): input (N, C, *). */
typedef struct ct_local_response_norm_opts {
  double alpha, beta, k; /* 1e-4, 0.75, 1.0 */
} ct_local_response_norm_opts;
ct_tensor *ct_local_response_norm_ex(const ct_tensor *input, int64_t size, ct_local_response_norm_opts o);
#define ct_local_response_norm(input, size, ...)                                              \
  ct_local_response_norm_ex(input, size, CT_OPTS(ct_local_response_norm_opts, .alpha = 1e-4, \
                                                 .beta = 0.75, .k = 1.0, __VA_ARGS__))

/* F.dropout(input, p=0.5, training=True, inplace=False) and its family: identity when not
 * training; masks drawn with bernoulli_(1 - p) from the default generator, as PyTorch's CPU
 * kernel draws them (same seed, same mask). inplace: input is written and returned. */
typedef struct ct_dropout_opts {
  double p;      /* 0.5 */
  bool training; /* true (alpha_dropout, feature_alpha_dropout: false) */
  bool inplace;  /* false */
} ct_dropout_opts;
ct_tensor *ct_dropout_ex(ct_tensor *input, ct_dropout_opts o);
/* F.dropout1d / 2d / 3d: one draw per channel (N, C) of (N, C, *); dropout1d takes (C, L)
 * too, dropout3d (C, D, H, W). */
ct_tensor *ct_dropout1d_ex(ct_tensor *input, ct_dropout_opts o);
ct_tensor *ct_dropout2d_ex(ct_tensor *input, ct_dropout_opts o);
ct_tensor *ct_dropout3d_ex(ct_tensor *input, ct_dropout_opts o);
/* F.alpha_dropout / F.feature_alpha_dropout (training=False by default): keeps SELU's
 * mean and variance. */
ct_tensor *ct_alpha_dropout_ex(ct_tensor *input, ct_dropout_opts o);
ct_tensor *ct_feature_alpha_dropout_ex(ct_tensor *input, ct_dropout_opts o);
#define CT_DROPOUT_OPTS(...) CT_OPTS(ct_dropout_opts, .p = 0.5, .training = true, __VA_ARGS__)
#define CT_ALPHA_DROPOUT_OPTS(...) CT_OPTS(ct_dropout_opts, .p = 0.5, .training = false, __VA_ARGS__)
#define ct_dropout(input, ...) ct_dropout_ex(input, CT_DROPOUT_OPTS(__VA_ARGS__))
#define ct_dropout1d(input, ...) ct_dropout1d_ex(input, CT_DROPOUT_OPTS(__VA_ARGS__))
#define ct_dropout2d(input, ...) ct_dropout2d_ex(input, CT_DROPOUT_OPTS(__VA_ARGS__))
#define ct_dropout3d(input, ...) ct_dropout3d_ex(input, CT_DROPOUT_OPTS(__VA_ARGS__))
#define ct_alpha_dropout(input, ...) ct_alpha_dropout_ex(input, CT_ALPHA_DROPOUT_OPTS(__VA_ARGS__))
#define ct_feature_alpha_dropout(input, ...) \
  ct_feature_alpha_dropout_ex(input, CT_ALPHA_DROPOUT_OPTS(__VA_ARGS__))

/* F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
 * scale_grad_by_freq=False, sparse=False): weight (num_embeddings, dim), input int64/int32
 * indices of any shape; max_norm renorms the rows used, in place, without autograd.
 * EmbeddingBackward0. sparse=true: the weight gradient is a sparse COO tensor (ctorch/sparse.h). */
typedef struct ct_embedding_opts {
  int64_t padding_idx;     /* CT_NONE */
  double max_norm;         /* NaN: None */
  double norm_type;        /* 2.0 */
  bool scale_grad_by_freq; /* false */
  bool sparse;             /* false */
} ct_embedding_opts;
ct_tensor *ct_embedding_ex(const ct_tensor *input, ct_tensor *weight, ct_embedding_opts o);
#define ct_embedding(input, weight, ...)                                                        \
  ct_embedding_ex(input, weight, CT_OPTS(ct_embedding_opts, .padding_idx = CT_NONE,            \
                                         .max_norm = __builtin_nan(""), .norm_type = 2.0,      \
                                         __VA_ARGS__))
typedef enum ct_bag_mode { CT_BAG_SUM = 0, CT_BAG_MEAN, CT_BAG_MAX } ct_bag_mode;
/* F.embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=
 * False, mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False,
 * padding_idx=None): input 1-D with offsets, or 2-D (fixed bags). EmbeddingBagBackward0. */
typedef struct ct_embedding_bag_opts {
  const ct_tensor *offsets;            /* NULL */
  double max_norm;                     /* NaN: None */
  double norm_type;                    /* 2.0 */
  bool scale_grad_by_freq;             /* false */
  ct_bag_mode mode;                    /* CT_BAG_MEAN */
  bool sparse;                         /* false */
  const ct_tensor *per_sample_weights; /* NULL; CT_BAG_SUM only */
  bool include_last_offset;            /* false */
  int64_t padding_idx;                 /* CT_NONE */
} ct_embedding_bag_opts;
ct_tensor *ct_embedding_bag_ex(const ct_tensor *input, ct_tensor *weight, ct_embedding_bag_opts o);
#define ct_embedding_bag(input, weight, ...)                                                   \
  ct_embedding_bag_ex(input, weight,                                                           \
                      CT_OPTS(ct_embedding_bag_opts, .max_norm = __builtin_nan(""),            \
                              .norm_type = 2.0, .mode = CT_BAG_MEAN, .padding_idx = CT_NONE,   \
                              __VA_ARGS__))

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

/* ---- linear ---- */
/* F.linear(input, weight, bias=None): input @ weight.T + bias. bias may be NULL (None); a NULL
 * input or weight returns NULL. grad_fns as 1.13: AddmmBackward0 for 2-D input with bias,
 * ViewBackward0 for contiguous 3-D input with bias, else the matmul's (+ AddBackward0). */
ct_tensor *ct_linear(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias);
/* F.bilinear(input1, input2, weight, bias=None): y = x1^T A x2 + b over the last dims. */
ct_tensor *ct_bilinear(const ct_tensor *input1, const ct_tensor *input2, const ct_tensor *weight,
                       const ct_tensor *bias);

/* ---- activations ---- */
/* Every F.<activation> of PyTorch 1.13 beyond relu / gelu / silu / sigmoid / tanh / softmax.
 * Options structs carry PyTorch's keyword defaults: ct_leaky_relu(x, .negative_slope = 0.2).
 * A trailing underscore is the in-place form (F.leaky_relu_, F.elu(inplace=True), ...): it
 * returns t, or NULL with nothing changed. Float dtypes only unless a line says otherwise. */
/* F.hardtanh(t, min_val=-1, max_val=1): clamp; integer dtypes too. */
typedef struct ct_hardtanh_opts {
  double min_val, max_val;
} ct_hardtanh_opts;
#define CT_HARDTANH_OPTS(...) CT_OPTS(ct_hardtanh_opts, .min_val = -1, .max_val = 1, __VA_ARGS__)
ct_tensor *ct_hardtanh_ex(const ct_tensor *t, ct_hardtanh_opts o);
ct_tensor *ct_hardtanh__ex(ct_tensor *t, ct_hardtanh_opts o);
#define ct_hardtanh(t, ...) ct_hardtanh_ex(t, CT_HARDTANH_OPTS(__VA_ARGS__))
#define ct_hardtanh_(t, ...) ct_hardtanh__ex(t, CT_HARDTANH_OPTS(__VA_ARGS__))
/* F.relu6(t) = hardtanh(t, 0, 6); integer dtypes too. */
ct_tensor *ct_relu6(const ct_tensor *t);
ct_tensor *ct_relu6_(ct_tensor *t);
/* F.threshold(t, threshold, value): t <= threshold ? value : t; integer dtypes too. */
ct_tensor *ct_threshold(const ct_tensor *t, double threshold, double value);
ct_tensor *ct_threshold_(ct_tensor *t, double threshold, double value);
/* F.leaky_relu(t, negative_slope=0.01). */
typedef struct ct_leaky_relu_opts {
  double negative_slope;
} ct_leaky_relu_opts;
#define CT_LEAKY_RELU_OPTS(...) CT_OPTS(ct_leaky_relu_opts, .negative_slope = 0.01, __VA_ARGS__)
ct_tensor *ct_leaky_relu_ex(const ct_tensor *t, ct_leaky_relu_opts o);
ct_tensor *ct_leaky_relu__ex(ct_tensor *t, ct_leaky_relu_opts o);
#define ct_leaky_relu(t, ...) ct_leaky_relu_ex(t, CT_LEAKY_RELU_OPTS(__VA_ARGS__))
#define ct_leaky_relu_(t, ...) ct_leaky_relu__ex(t, CT_LEAKY_RELU_OPTS(__VA_ARGS__))
/* F.rrelu(t, lower=1/8, upper=1/3, training=False): in training each non-positive element
 * draws its slope from U(lower, upper), the same numbers as PyTorch for the same seed;
 * otherwise the slope is (lower + upper) / 2. generator NULL: the default generator. */
typedef struct ct_rrelu_opts {
  double lower, upper;
  bool training;
  ct_generator *generator;
} ct_rrelu_opts;
#define CT_RRELU_OPTS(...) CT_OPTS(ct_rrelu_opts, .lower = 1.0 / 8, .upper = 1.0 / 3, __VA_ARGS__)
ct_tensor *ct_rrelu_ex(const ct_tensor *t, ct_rrelu_opts o);
ct_tensor *ct_rrelu__ex(ct_tensor *t, ct_rrelu_opts o);
#define ct_rrelu(t, ...) ct_rrelu_ex(t, CT_RRELU_OPTS(__VA_ARGS__))
#define ct_rrelu_(t, ...) ct_rrelu__ex(t, CT_RRELU_OPTS(__VA_ARGS__))
/* F.elu(t, alpha=1.0) and F.celu(t, alpha=1.0). */
typedef struct ct_elu_opts {
  double alpha;
} ct_elu_opts;
#define CT_ELU_OPTS(...) CT_OPTS(ct_elu_opts, .alpha = 1.0, __VA_ARGS__)
ct_tensor *ct_elu_ex(const ct_tensor *t, ct_elu_opts o);
ct_tensor *ct_elu__ex(ct_tensor *t, ct_elu_opts o);
#define ct_elu(t, ...) ct_elu_ex(t, CT_ELU_OPTS(__VA_ARGS__))
#define ct_elu_(t, ...) ct_elu__ex(t, CT_ELU_OPTS(__VA_ARGS__))
ct_tensor *ct_celu_ex(const ct_tensor *t, ct_elu_opts o);
ct_tensor *ct_celu__ex(ct_tensor *t, ct_elu_opts o);
#define ct_celu(t, ...) ct_celu_ex(t, CT_ELU_OPTS(__VA_ARGS__))
#define ct_celu_(t, ...) ct_celu__ex(t, CT_ELU_OPTS(__VA_ARGS__))
/* F.selu(t). */
ct_tensor *ct_selu(const ct_tensor *t);
ct_tensor *ct_selu_(ct_tensor *t);
/* F.prelu(t, weight): weight has 1 or t.size(1) entries. */
ct_tensor *ct_prelu(const ct_tensor *t, const ct_tensor *weight);
/* F.softplus(t, beta=1, threshold=20). */
typedef struct ct_softplus_opts {
  double beta, threshold;
} ct_softplus_opts;
#define CT_SOFTPLUS_OPTS(...) CT_OPTS(ct_softplus_opts, .beta = 1, .threshold = 20, __VA_ARGS__)
ct_tensor *ct_softplus_ex(const ct_tensor *t, ct_softplus_opts o);
#define ct_softplus(t, ...) ct_softplus_ex(t, CT_SOFTPLUS_OPTS(__VA_ARGS__))
/* F.softshrink(t, lambd=0.5) and F.hardshrink(t, lambd=0.5). */
typedef struct ct_shrink_opts {
  double lambd;
} ct_shrink_opts;
#define CT_SHRINK_OPTS(...) CT_OPTS(ct_shrink_opts, .lambd = 0.5, __VA_ARGS__)
ct_tensor *ct_softshrink_ex(const ct_tensor *t, ct_shrink_opts o);
ct_tensor *ct_hardshrink_ex(const ct_tensor *t, ct_shrink_opts o);
#define ct_softshrink(t, ...) ct_softshrink_ex(t, CT_SHRINK_OPTS(__VA_ARGS__))
#define ct_hardshrink(t, ...) ct_hardshrink_ex(t, CT_SHRINK_OPTS(__VA_ARGS__))
/* F.logsigmoid(t). */
ct_tensor *ct_logsigmoid(const ct_tensor *t);
/* F.hardsigmoid(t): relu6(t + 3) / 6. */
ct_tensor *ct_hardsigmoid(const ct_tensor *t);
ct_tensor *ct_hardsigmoid_(ct_tensor *t);
/* F.hardswish(t): t * relu6(t + 3) / 6. */
ct_tensor *ct_hardswish(const ct_tensor *t);
ct_tensor *ct_hardswish_(ct_tensor *t);
/* F.mish(t): t * tanh(softplus(t)). */
ct_tensor *ct_mish(const ct_tensor *t);
ct_tensor *ct_mish_(ct_tensor *t);
/* F.silu(t, inplace=True). */
ct_tensor *ct_silu_(ct_tensor *t);
/* F.glu(t, dim=-1): first half * sigmoid(second half) along dim. */
ct_tensor *ct_glu(const ct_tensor *t, int64_t dim);
/* F.softsign(t): t / (1 + |t|); integer inputs give the default float dtype. */
ct_tensor *ct_softsign(const ct_tensor *t);
/* F.tanhshrink(t): t - tanh(t); integer inputs give the default float dtype. */
ct_tensor *ct_tanhshrink(const ct_tensor *t);
/* F.softmin(t, dim): softmax(-t, dim). nn.Softmax2d is ct_softmax(t, -3). */
ct_tensor *ct_softmin(const ct_tensor *t, int64_t dim);

/* ---- shuffle and distance ---- */
/* F.pixel_shuffle(t, upscale_factor): (*, C r^2, H, W) -> (*, C, H r, W r). */
ct_tensor *ct_pixel_shuffle(const ct_tensor *t, int64_t upscale_factor);
/* F.pixel_unshuffle(t, downscale_factor): (*, C, H r, W r) -> (*, C r^2, H, W). */
ct_tensor *ct_pixel_unshuffle(const ct_tensor *t, int64_t downscale_factor);
/* F.channel_shuffle(t, groups) / nn.ChannelShuffle: (N, C, *) with channels regrouped. */
ct_tensor *ct_channel_shuffle(const ct_tensor *t, int64_t groups);
/* F.pairwise_distance(x1, x2, p=2., eps=1e-6, keepdim=False): |x1 - x2 + eps|_p on the last dim. */
typedef struct ct_pairwise_distance_opts {
  double p, eps;
  bool keepdim;
} ct_pairwise_distance_opts;
#define CT_PAIRWISE_DISTANCE_OPTS(...) \
  CT_OPTS(ct_pairwise_distance_opts, .p = 2, .eps = 1e-6, __VA_ARGS__)
ct_tensor *ct_pairwise_distance_ex(const ct_tensor *x1, const ct_tensor *x2,
                                   ct_pairwise_distance_opts o);
#define ct_pairwise_distance(x1, x2, ...) \
  ct_pairwise_distance_ex(x1, x2, CT_PAIRWISE_DISTANCE_OPTS(__VA_ARGS__))
/* F.cosine_similarity(x1, x2, dim=1, eps=1e-8). */
typedef struct ct_cosine_similarity_opts {
  int64_t dim;
  double eps;
} ct_cosine_similarity_opts;
#define CT_COSINE_SIMILARITY_OPTS(...) \
  CT_OPTS(ct_cosine_similarity_opts, .dim = 1, .eps = 1e-8, __VA_ARGS__)
ct_tensor *ct_cosine_similarity_ex(const ct_tensor *x1, const ct_tensor *x2,
                                   ct_cosine_similarity_opts o);
#define ct_cosine_similarity(x1, x2, ...) \
  ct_cosine_similarity_ex(x1, x2, CT_COSINE_SIMILARITY_OPTS(__VA_ARGS__))
/* F.pdist(t, p=2): the p-norm distance of every row pair i < j of a 2-dim t. */
ct_tensor *ct_pdist(const ct_tensor *t, double p);
/* F.normalize(t, p=2., dim=1, eps=1e-12): t / max(|t|_p along dim, eps). */
typedef struct ct_normalize_opts {
  double p;
  int64_t dim;
  double eps;
} ct_normalize_opts;
#define CT_NORMALIZE_OPTS(...) \
  CT_OPTS(ct_normalize_opts, .p = 2, .dim = 1, .eps = 1e-12, __VA_ARGS__)
ct_tensor *ct_normalize_ex(const ct_tensor *t, ct_normalize_opts o);
#define ct_normalize(t, ...) ct_normalize_ex(t, CT_NORMALIZE_OPTS(__VA_ARGS__))
/* F.gumbel_softmax(logits, tau=1, hard=False, dim=-1): PyTorch's exponential draws for the
 * same seed; generator NULL: the default generator. */
typedef struct ct_gumbel_softmax_opts {
  double tau;
  bool hard;
  int64_t dim;
  ct_generator *generator;
} ct_gumbel_softmax_opts;
#define CT_GUMBEL_SOFTMAX_OPTS(...) \
  CT_OPTS(ct_gumbel_softmax_opts, .tau = 1, .dim = -1, __VA_ARGS__)
ct_tensor *ct_gumbel_softmax_ex(const ct_tensor *logits, ct_gumbel_softmax_opts o);
#define ct_gumbel_softmax(logits, ...) \
  ct_gumbel_softmax_ex(logits, CT_GUMBEL_SOFTMAX_OPTS(__VA_ARGS__))

/* ---- resampling ---- */
/* F.interpolate's mode= (PyTorch's strings: 'nearest', 'linear', 'bilinear', 'bicubic',
 * 'trilinear', 'area', 'nearest-exact'). */
typedef enum ct_interp_mode {
  CT_INTERP_NEAREST = 0,
  CT_INTERP_LINEAR,
  CT_INTERP_BILINEAR,
  CT_INTERP_BICUBIC,
  CT_INTERP_TRILINEAR,
  CT_INTERP_AREA,
  CT_INTERP_NEAREST_EXACT
} ct_interp_mode;
/* A float-or-tuple argument (scale_factor=2.0 or (2.0, 1.5)): CT_FLOATS(2.0) or
 * CT_FLOATS(2.0, 1.5); n == 0 (a zeroed field) means None. */
typedef struct ct_floats {
  int n;
  double v[CT_MAX_DIMS];
} ct_floats;
#define CT_FLOATS(...) \
  ((ct_floats){.n = (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), .v = {__VA_ARGS__}})
/* Keywords of F.interpolate: size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None, antialias=False. The two optional bools are -1 for None, 0 or
 * 1; antialias=True: bilinear / bicubic on 4-D input only (PyTorch's _upsample_*2d_aa). */
typedef struct ct_interpolate_opts {
  ct_ints size;           /* n == 0: None; one value applies to every spatial dim */
  ct_floats scale_factor; /* n == 0: None */
  ct_interp_mode mode;    /* CT_INTERP_NEAREST */
  int align_corners;      /* -1: None (False for the interpolating modes) */
  int recompute_scale_factor; /* -1: None */
  bool antialias;         /* false */
} ct_interpolate_opts;
/* F.interpolate(input (N, C, *spatial) with 1-3 spatial dims, ...): float32 / float64 (nearest
 * also uint8). grad_fn Upsample{Nearest,NearestExact,Linear,Bilinear,Bicubic,Trilinear}{1,2,3}D
 * Backward1 as PyTorch 1.13 names them; mode 'area' is adaptive_avg_pool. Double backward works
 * (the backward is linear in the gradient; its gradient is the forward again). */
ct_tensor *ct_interpolate_ex(const ct_tensor *input, ct_interpolate_opts o);
#define CT_INTERPOLATE_OPTS(...) \
  CT_OPTS(ct_interpolate_opts, .align_corners = -1, .recompute_scale_factor = -1, __VA_ARGS__)
/* ct_interpolate(x, .scale_factor = CT_FLOATS(2), .mode = CT_INTERP_BILINEAR, .align_corners = 1) */
#define ct_interpolate(input, ...) ct_interpolate_ex(input, CT_INTERPOLATE_OPTS(__VA_ARGS__))

typedef enum ct_grid_mode { CT_GRID_BILINEAR = 0, CT_GRID_NEAREST, CT_GRID_BICUBIC } ct_grid_mode;
typedef enum ct_grid_padding { CT_GRID_ZEROS = 0, CT_GRID_BORDER, CT_GRID_REFLECTION } ct_grid_padding;
/* Keywords of F.grid_sample: mode='bilinear', padding_mode='zeros', align_corners=None (False). */
typedef struct ct_grid_sample_opts {
  ct_grid_mode mode;
  ct_grid_padding padding_mode;
  bool align_corners;
} ct_grid_sample_opts;
/* F.grid_sample(input (N, C, H, W), grid (N, Ho, Wo, 2)) or 5-D (input (N, C, D, H, W), grid
 * (N, Do, Ho, Wo, 3); bilinear / nearest only): float32 / float64, gradients for input and grid
 * (GridSampler2DBackward0 / GridSampler3DBackward0; no double backward, as in PyTorch). */
ct_tensor *ct_grid_sample_ex(const ct_tensor *input, const ct_tensor *grid, ct_grid_sample_opts o);
#define ct_grid_sample(input, grid, ...) \
  ct_grid_sample_ex(input, grid, CT_OPTS(ct_grid_sample_opts, __VA_ARGS__))
/* F.affine_grid(theta (N, 2, 3) or (N, 3, 4), size (N, C, H, W) or (N, C, D, H, W),
 * align_corners=False): the sampling grid (N, H, W, 2) / (N, D, H, W, 3);
 * AffineGridGeneratorBackward0. */
ct_tensor *ct_affine_grid(const ct_tensor *theta, ct_ints size, bool align_corners);

/* Keywords of F.unfold / F.fold: dilation=1, padding=0, stride=1 (int-or-pair). */
typedef struct ct_fold_opts {
  ct_ints dilation, padding, stride;
} ct_fold_opts;
/* F.unfold(input (N, C, H, W) or (C, H, W), kernel_size, ...): the sliding blocks as columns,
 * (N, C * kh * kw, L) (im2col; Im2ColBackward0). The name is F.unfold's, not Tensor.unfold's. */
ct_tensor *ct_unfold_ex(const ct_tensor *input, ct_ints kernel_size, ct_fold_opts o);
/* F.fold(input (N, C * kh * kw, L) or (C * kh * kw, L), output_size, kernel_size, ...): sums
 * the columns back into (N, C, *output_size) (col2im; Col2ImBackward0). */
ct_tensor *ct_fold_ex(const ct_tensor *input, ct_ints output_size, ct_ints kernel_size,
                      ct_fold_opts o);
#define ct_unfold(input, kernel_size, ...) \
  ct_unfold_ex(input, kernel_size, CT_OPTS(ct_fold_opts, __VA_ARGS__))
#define ct_fold(input, output_size, kernel_size, ...) \
  ct_fold_ex(input, output_size, kernel_size, CT_OPTS(ct_fold_opts, __VA_ARGS__))

/* ---- losses: the shared reduction= keyword ---- */
/* reduction= of every loss: 'mean' (PyTorch's default, so a zeroed options field means it),
 * 'sum', 'none'; 'batchmean' is F.kl_div's only. */
typedef enum ct_reduction {
  CT_REDUCTION_MEAN = 0,
  CT_REDUCTION_SUM,
  CT_REDUCTION_NONE,
  CT_REDUCTION_BATCHMEAN
} ct_reduction;

/* ---- losses: margin ---- */
/* F.margin_ranking_loss(input1, input2, target, margin=0, reduction='mean'):
 * max(0, -target * (input1 - input2) + margin); the three of the same rank (broadcast). */
typedef struct ct_margin_ranking_loss_opts {
  double margin;          /* 0 */
  ct_reduction reduction; /* CT_REDUCTION_MEAN */
} ct_margin_ranking_loss_opts;
ct_tensor *ct_margin_ranking_loss_ex(const ct_tensor *input1, const ct_tensor *input2,
                                     const ct_tensor *target, ct_margin_ranking_loss_opts o);
#define ct_margin_ranking_loss(x1, x2, target, ...) \
  ct_margin_ranking_loss_ex(x1, x2, target, CT_OPTS(ct_margin_ranking_loss_opts, __VA_ARGS__))
/* F.hinge_embedding_loss(input, target, margin=1.0, reduction='mean'): input where target is
 * 1, max(0, margin - input) where it is -1 (both terms where it is neither). */
typedef struct ct_hinge_embedding_loss_opts {
  double margin;          /* 1.0 */
  ct_reduction reduction; /* CT_REDUCTION_MEAN */
} ct_hinge_embedding_loss_opts;
ct_tensor *ct_hinge_embedding_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                      ct_hinge_embedding_loss_opts o);
#define CT_HINGE_EMBEDDING_LOSS_OPTS(...) CT_OPTS(ct_hinge_embedding_loss_opts, .margin = 1.0, __VA_ARGS__)
#define ct_hinge_embedding_loss(input, target, ...) \
  ct_hinge_embedding_loss_ex(input, target, CT_HINGE_EMBEDDING_LOSS_OPTS(__VA_ARGS__))
/* F.cosine_embedding_loss(input1, input2, target, margin=0, reduction='mean'): 1 - cos where
 * target is 1, max(0, cos - margin) where it is -1; (N, D) inputs with (N,) target or (D,)
 * inputs with a 0-dim target. */
typedef struct ct_cosine_embedding_loss_opts {
  double margin;          /* 0 */
  ct_reduction reduction; /* CT_REDUCTION_MEAN */
} ct_cosine_embedding_loss_opts;
ct_tensor *ct_cosine_embedding_loss_ex(const ct_tensor *input1, const ct_tensor *input2,
                                       const ct_tensor *target, ct_cosine_embedding_loss_opts o);
#define ct_cosine_embedding_loss(x1, x2, target, ...) \
  ct_cosine_embedding_loss_ex(x1, x2, target, CT_OPTS(ct_cosine_embedding_loss_opts, __VA_ARGS__))
/* F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
 * reduction='mean'): max(0, margin + d(a, p) - d(a, n)), d = F.pairwise_distance(., ., p, eps)
 * (swap: d(a, n) replaced by min(d(a, n), d(p, n))). */
typedef struct ct_triplet_margin_loss_opts {
  double margin, p, eps;  /* 1.0, 2, 1e-6 */
  bool swap;              /* false */
  ct_reduction reduction; /* CT_REDUCTION_MEAN */
} ct_triplet_margin_loss_opts;
ct_tensor *ct_triplet_margin_loss_ex(const ct_tensor *anchor, const ct_tensor *positive,
                                     const ct_tensor *negative, ct_triplet_margin_loss_opts o);
#define CT_TRIPLET_MARGIN_LOSS_OPTS(...) \
  CT_OPTS(ct_triplet_margin_loss_opts, .margin = 1.0, .p = 2, .eps = 1e-6, __VA_ARGS__)
#define ct_triplet_margin_loss(a, pos, neg, ...) \
  ct_triplet_margin_loss_ex(a, pos, neg, CT_TRIPLET_MARGIN_LOSS_OPTS(__VA_ARGS__))
/* distance_function= of F.triplet_margin_with_distance_loss / nn.TripletMarginWithDistanceLoss:
 * a new tensor (in the current scope) of distances between x1 and x2, or NULL + error; user is
 * the options' distance_user. Differentiable ops in it carry the gradients. */
typedef ct_tensor *(*ct_distance_fn)(const ct_tensor *x1, const ct_tensor *x2, void *user);
/* F.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
 * margin=1.0, swap=False, reduction='mean'): clamp(d(a, p) - d(a, n) + margin, min=0) with
 * d the callback (NULL: F.pairwise_distance). */
typedef struct ct_triplet_margin_with_distance_loss_opts {
  ct_distance_fn distance_function; /* NULL: pairwise_distance */
  void *distance_user;              /* passed to distance_function */
  double margin;                    /* 1.0 */
  bool swap;                        /* false */
  ct_reduction reduction;           /* CT_REDUCTION_MEAN */
} ct_triplet_margin_with_distance_loss_opts;
ct_tensor *ct_triplet_margin_with_distance_loss_ex(const ct_tensor *anchor, const ct_tensor *positive,
                                                   const ct_tensor *negative,
                                                   ct_triplet_margin_with_distance_loss_opts o);
#define CT_TRIPLET_MARGIN_WITH_DISTANCE_LOSS_OPTS(...) \
  CT_OPTS(ct_triplet_margin_with_distance_loss_opts, .margin = 1.0, __VA_ARGS__)
#define ct_triplet_margin_with_distance_loss(a, pos, neg, ...) \
  ct_triplet_margin_with_distance_loss_ex(a, pos, neg, CT_TRIPLET_MARGIN_WITH_DISTANCE_LOSS_OPTS(__VA_ARGS__))
/* F.multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction='mean'):
 * sum over j != y of weight[y] * max(0, margin - x[y] + x[j])^p / C per row of the (N, C) or
 * (C,) input, int64 class targets; p is 1 or 2. MultiMarginLossBackward0. */
typedef struct ct_multi_margin_loss_opts {
  int64_t p;                /* 1 */
  double margin;            /* 1.0 */
  const ct_tensor *weight;  /* NULL: None; else (C,) of the input's dtype */
  ct_reduction reduction;   /* CT_REDUCTION_MEAN */
} ct_multi_margin_loss_opts;
ct_tensor *ct_multi_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                   ct_multi_margin_loss_opts o);
#define CT_MULTI_MARGIN_LOSS_OPTS(...) CT_OPTS(ct_multi_margin_loss_opts, .p = 1, .margin = 1.0, __VA_ARGS__)
#define ct_multi_margin_loss(input, target, ...) \
  ct_multi_margin_loss_ex(input, target, CT_MULTI_MARGIN_LOSS_OPTS(__VA_ARGS__))
/* F.multilabel_margin_loss(input, target, reduction='mean'): per row, the sum over target
 * classes j (the int64 target row up to its first -1) and non-target classes k of
 * max(0, 1 - (x[j] - x[k])) / C. MultilabelMarginLossBackward0. */
typedef struct ct_multilabel_margin_loss_opts {
  ct_reduction reduction; /* CT_REDUCTION_MEAN */
} ct_multilabel_margin_loss_opts;
ct_tensor *ct_multilabel_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                        ct_multilabel_margin_loss_opts o);
#define ct_multilabel_margin_loss(input, target, ...) \
  ct_multilabel_margin_loss_ex(input, target, CT_OPTS(ct_multilabel_margin_loss_opts, __VA_ARGS__))
/* ---- losses: regression and binary ---- */
/* The elementwise losses of torch.nn.functional (PyTorch 1.13). Each takes reduction= (mean,
 * sum, none; ct_reduction above) and PyTorch's other keywords; the legacy size_average /
 * reduce flags are the module builders' (nn_arg_reduction). l1 / mse / smooth_l1 / huber
 * broadcast input and target and, when their sizes differ, warn on stderr as PyTorch does
 * ("UserWarning: Using a target size (...) that is different to the input size (...). This
 * will likely lead to incorrect results due to broadcasting. ..."), once per function. */
typedef struct ct_l1_loss_opts {
  ct_reduction reduction;
} ct_l1_loss_opts;
/* F.l1_loss(input, target, reduction='mean'): |input - target| (composed: AbsBackward0). */
ct_tensor *ct_l1_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_l1_loss_opts o);
#define ct_l1_loss(input, target, ...) \
  ct_l1_loss_ex(input, target, CT_OPTS(ct_l1_loss_opts, __VA_ARGS__))
typedef struct ct_mse_loss_opts {
  ct_reduction reduction;
} ct_mse_loss_opts;
/* F.mse_loss(input, target, reduction='mean'): (input - target)^2 (MseLossBackward0). */
ct_tensor *ct_mse_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_mse_loss_opts o);
#define ct_mse_loss(input, target, ...) \
  ct_mse_loss_ex(input, target, CT_OPTS(ct_mse_loss_opts, __VA_ARGS__))
typedef struct ct_smooth_l1_loss_opts {
  ct_reduction reduction;
  double beta;
} ct_smooth_l1_loss_opts;
/* F.smooth_l1_loss(input, target, reduction='mean', beta=1.0): d = |input - target|,
 * d < beta ? 0.5 d^2 / beta : d - 0.5 beta; beta = 0 is l1 (SmoothL1LossBackward0). A negative
 * beta is PyTorch's "smooth_l1_loss does not support negative values for beta.". */
ct_tensor *ct_smooth_l1_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                ct_smooth_l1_loss_opts o);
#define CT_SMOOTH_L1_LOSS_OPTS(...) CT_OPTS(ct_smooth_l1_loss_opts, .beta = 1, __VA_ARGS__)
#define ct_smooth_l1_loss(input, target, ...) \
  ct_smooth_l1_loss_ex(input, target, CT_SMOOTH_L1_LOSS_OPTS(__VA_ARGS__))
typedef struct ct_huber_loss_opts {
  ct_reduction reduction;
  double delta;
} ct_huber_loss_opts;
/* F.huber_loss(input, target, reduction='mean', delta=1.0): d < delta ? 0.5 d^2 :
 * delta (d - 0.5 delta) (HuberLossBackward0); delta must be positive. */
ct_tensor *ct_huber_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_huber_loss_opts o);
#define CT_HUBER_LOSS_OPTS(...) CT_OPTS(ct_huber_loss_opts, .delta = 1, __VA_ARGS__)
#define ct_huber_loss(input, target, ...) ct_huber_loss_ex(input, target, CT_HUBER_LOSS_OPTS(__VA_ARGS__))
typedef struct ct_soft_margin_loss_opts {
  ct_reduction reduction;
} ct_soft_margin_loss_opts;
/* F.soft_margin_loss(input, target, reduction='mean'): log(1 + exp(-target input))
 * (SoftMarginLossBackward0; not differentiable in target, as in PyTorch). */
ct_tensor *ct_soft_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                  ct_soft_margin_loss_opts o);
#define ct_soft_margin_loss(input, target, ...) \
  ct_soft_margin_loss_ex(input, target, CT_OPTS(ct_soft_margin_loss_opts, __VA_ARGS__))
typedef struct ct_binary_cross_entropy_opts {
  const ct_tensor *weight; /* broadcast to the target's shape; not differentiable */
  ct_reduction reduction;
} ct_binary_cross_entropy_opts;
/* F.binary_cross_entropy(input, target, weight=None, reduction='mean'): input in [0, 1],
 * -w (t max(log x, -100) + (1 - t) max(log(1 - x), -100)) (BinaryCrossEntropyBackward0);
 * target must have input's size and dtype. */
ct_tensor *ct_binary_cross_entropy_ex(const ct_tensor *input, const ct_tensor *target,
                                      ct_binary_cross_entropy_opts o);
#define ct_binary_cross_entropy(input, target, ...) \
  ct_binary_cross_entropy_ex(input, target, CT_OPTS(ct_binary_cross_entropy_opts, __VA_ARGS__))
typedef struct ct_binary_cross_entropy_with_logits_opts {
  const ct_tensor *weight; /* broadcast to the loss; not differentiable */
  ct_reduction reduction;
  const ct_tensor *pos_weight; /* per class (the last dim), broadcast; not differentiable */
} ct_binary_cross_entropy_with_logits_opts;
/* F.binary_cross_entropy_with_logits(input, target, weight=None, reduction='mean',
 * pos_weight=None): w ((1 - t) x + (1 + (pw - 1) t) log(1 + exp(-x))) in the stable form,
 * forward and backward each one fused pass (BinaryCrossEntropyWithLogitsBackward0). */
ct_tensor *ct_binary_cross_entropy_with_logits_ex(const ct_tensor *input, const ct_tensor *target,
                                                  ct_binary_cross_entropy_with_logits_opts o);
#define ct_binary_cross_entropy_with_logits(input, target, ...) \
  ct_binary_cross_entropy_with_logits_ex(                       \
      input, target, CT_OPTS(ct_binary_cross_entropy_with_logits_opts, __VA_ARGS__))
typedef struct ct_kl_div_opts {
  ct_reduction reduction; /* also CT_REDUCTION_BATCHMEAN: the sum over the batch size */
  bool log_target;
} ct_kl_div_opts;
/* F.kl_div(input, target, reduction='mean', log_target=False): input is log-probabilities;
 * target (log_target: exp(t) (t - x)) xlogy(t, t) - t x. 'mean' prints PyTorch's warning
 * ("reduction: 'mean' divides the total loss by both the batch size and the support size.
 * ..."), once. */
ct_tensor *ct_kl_div_ex(const ct_tensor *input, const ct_tensor *target, ct_kl_div_opts o);
#define ct_kl_div(input, target, ...) ct_kl_div_ex(input, target, CT_OPTS(ct_kl_div_opts, __VA_ARGS__))
typedef struct ct_poisson_nll_loss_opts {
  bool log_input, full;
  double eps;
  ct_reduction reduction;
} ct_poisson_nll_loss_opts;
/* F.poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction='mean'):
 * exp(x) - t x (log_input) or x - t log(x + eps); full adds the Stirling term
 * t log t - t + 0.5 log(2 pi t) where t > 1. */
ct_tensor *ct_poisson_nll_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                  ct_poisson_nll_loss_opts o);
#define CT_POISSON_NLL_LOSS_OPTS(...) \
  CT_OPTS(ct_poisson_nll_loss_opts, .log_input = true, .eps = 1e-8, __VA_ARGS__)
#define ct_poisson_nll_loss(input, target, ...) \
  ct_poisson_nll_loss_ex(input, target, CT_POISSON_NLL_LOSS_OPTS(__VA_ARGS__))
typedef struct ct_gaussian_nll_loss_opts {
  bool full;
  double eps;
  ct_reduction reduction;
} ct_gaussian_nll_loss_opts;
/* F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
 * 0.5 (log v + (x - t)^2 / v) (+ 0.5 log(2 pi) with full), v = var clamped at eps (the clamp
 * passes var's gradient straight through, as PyTorch's no-grad clamp_ does). var is input's
 * shape (heteroscedastic), or input's without the last dim, or with it 1 (homoscedastic). */
ct_tensor *ct_gaussian_nll_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                   const ct_tensor *var, ct_gaussian_nll_loss_opts o);
#define CT_GAUSSIAN_NLL_LOSS_OPTS(...) CT_OPTS(ct_gaussian_nll_loss_opts, .eps = 1e-6, __VA_ARGS__)
#define ct_gaussian_nll_loss(input, target, var, ...) \
  ct_gaussian_nll_loss_ex(input, target, var, CT_GAUSSIAN_NLL_LOSS_OPTS(__VA_ARGS__))
typedef struct ct_multilabel_soft_margin_loss_opts {
  const ct_tensor *weight; /* per class, broadcast */
  ct_reduction reduction;
} ct_multilabel_soft_margin_loss_opts;
/* F.multilabel_soft_margin_loss(input, target, weight=None, reduction='mean'): input (N, C)
 * (or (C)), -(t logsigmoid(x) + (1 - t) logsigmoid(-x)) w averaged over the classes. */
ct_tensor *ct_multilabel_soft_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                             ct_multilabel_soft_margin_loss_opts o);
#define ct_multilabel_soft_margin_loss(input, target, ...) \
  ct_multilabel_soft_margin_loss_ex(                      \
      input, target, CT_OPTS(ct_multilabel_soft_margin_loss_opts, __VA_ARGS__))
/* ---- losses: classification (cross_entropy, nll_loss, ctc_loss) ---- */
/* Keywords of F.nll_loss: weight=None (C,) of the input's dtype, ignore_index=-100,
 * reduction='mean' (the legacy size_average / reduce live on the modules). */
typedef struct ct_nll_loss_opts {
  const ct_tensor *weight;
  int64_t ignore_index;
  ct_reduction reduction;
} ct_nll_loss_opts;
/* F.nll_loss(input, target, ...): input (C,), (N, C) or (N, C, d1, ...) log-probabilities,
 * target int64 class indices () / (N,) / (N, d1, ...). 'mean' divides by the summed weights of
 * the targets not ignored. NllLossBackward0 (1-D / 2-D input) or NllLoss2DBackward0 (more dims;
 * 'none' on 3-D and >4-D ends in ViewBackward0, as PyTorch); double backward works, weight gets
 * no gradient (PyTorch: not implemented). */
ct_tensor *ct_nll_loss_ex(const ct_tensor *input, const ct_tensor *target, ct_nll_loss_opts o);
#define ct_nll_loss(input, target, ...) \
  ct_nll_loss_ex(input, target, CT_OPTS(ct_nll_loss_opts, .ignore_index = -100, __VA_ARGS__))

/* Keywords of F.cross_entropy: weight=None, ignore_index=-100, reduction='mean',
 * label_smoothing=0.0. */
typedef struct ct_cross_entropy_opts {
  const ct_tensor *weight;
  int64_t ignore_index;
  ct_reduction reduction;
  double label_smoothing;
} ct_cross_entropy_opts;
/* F.cross_entropy(input, target, ...): input logits (C,), (N, C) or (N, C, d1, ...); target
 * int64 class indices shaped like nll_loss's, or class probabilities shaped like input.
 * Class indices without label smoothing run fused (log_softmax and nll in one pass forward and
 * backward, grad_fn NllLossBackward0 / NllLoss2DBackward0 as PyTorch's log_softmax + nll_loss);
 * under create_graph its backward is composed from differentiable ops, so double backward
 * works. Label smoothing and probabilities compose as PyTorch does (AddBackward0,
 * DivBackward1 / NegBackward0 / SumBackward0). */
ct_tensor *ct_cross_entropy_ex(const ct_tensor *input, const ct_tensor *target,
                               ct_cross_entropy_opts o);
#define ct_cross_entropy(input, target, ...)                                               \
  ct_cross_entropy_ex(input, target,                                                       \
                      CT_OPTS(ct_cross_entropy_opts, .ignore_index = -100, __VA_ARGS__))

/* Keywords of F.ctc_loss: blank=0, reduction='mean', zero_infinity=False. */
typedef struct ct_ctc_loss_opts {
  int64_t blank;
  ct_reduction reduction;
  bool zero_infinity;
} ct_ctc_loss_opts;
/* F.ctc_loss(log_probs, targets, input_lengths, target_lengths, ...): log_probs (T, N, C) or
 * unbatched (T, C), float32 / float64; targets padded (N, S) or concatenated (sum of
 * target_lengths,) (unbatched: (S,)); the lengths integer tensors of N values (0-D or (1,)
 * unbatched). 'mean' divides each loss by its target length (at least 1), then averages;
 * zero_infinity replaces infinite losses (and their gradients) by 0. CtcLossBackward0 (no
 * double backward, as PyTorch); its gradient is PyTorch's, which assumes log_probs came from
 * log_softmax. */
ct_tensor *ct_ctc_loss_ex(const ct_tensor *log_probs, const ct_tensor *targets,
                          const ct_tensor *input_lengths, const ct_tensor *target_lengths,
                          ct_ctc_loss_opts o);
#define ct_ctc_loss(log_probs, targets, input_lengths, target_lengths, ...)                   \
  ct_ctc_loss_ex(log_probs, targets, input_lengths, target_lengths,                         \
                 CT_OPTS(ct_ctc_loss_opts, __VA_ARGS__))
/* F.ctc_loss with the lengths as int lists (Python's list / tuple form): n_input values of
 * input_lengths, n_target of target_lengths. */
ct_tensor *ct_ctc_loss_lengths_ex(const ct_tensor *log_probs, const ct_tensor *targets,
                                  int64_t n_input, const int64_t *input_lengths,
                                  int64_t n_target, const int64_t *target_lengths,
                                  ct_ctc_loss_opts o);
#define ct_ctc_loss_lengths(log_probs, targets, n_input, input_lengths, n_target,             \
                            target_lengths, ...)                                           \
  ct_ctc_loss_lengths_ex(log_probs, targets, n_input, input_lengths, n_target, target_lengths, \
                         CT_OPTS(ct_ctc_loss_opts, __VA_ARGS__))

/* ---- attention ---- */
/* F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
 * is_causal=False, scale=None) as PyTorch 2.x defines it (1.13 lacks it): query (..., L, E),
 * key (..., S, E), value (..., S, Ev) -> (..., L, Ev), softmax(q @ k^T * scale + bias) @ v with
 * scale 1/sqrt(E) unless given. attn_mask broadcasts to (..., L, S): bool (True: takes part)
 * or float added (query's dtype); is_causal masks the upper triangle (no attn_mask then);
 * dropout_p > 0 drops attention weights (always, as PyTorch's function does). Composed from
 * differentiable ops: double backward works. */
typedef struct ct_sdpa_opts {
  const ct_tensor *attn_mask; /* NULL */
  double dropout_p;           /* 0 */
  bool is_causal;             /* false */
  double scale;               /* 0: 1/sqrt(query.size(-1)) */
} ct_sdpa_opts;
ct_tensor *ct_scaled_dot_product_attention_ex(const ct_tensor *query, const ct_tensor *key, const ct_tensor *value,
                                              ct_sdpa_opts o);
#define ct_scaled_dot_product_attention(q, k, v, ...) \
  ct_scaled_dot_product_attention_ex(q, k, v, CT_OPTS(ct_sdpa_opts, __VA_ARGS__))

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
