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

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
