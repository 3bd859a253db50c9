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
 * EmbeddingBackward0. Dense gradients only (sparse=true is an error). */
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

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
