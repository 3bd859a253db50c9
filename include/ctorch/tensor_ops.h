/* ctorch tensor operations, the `torch.*` / `Tensor.*` namespace: torch.X / Tensor.X -> ct_X,
 * in-place ops end in '_'. torch.nn.functional is in functional.h, products in linalg.h.
 * Every op returns a new tensor owned by the innermost scope (see core.h), or NULL with
 * ct_last_error() set. Differentiable ops record their backward when an input requires grad
 * and grad mode is on; backward formulas are themselves differentiable (create_graph). */
#ifndef CTORCH_TENSOR_OPS_H
#define CTORCH_TENSOR_OPS_H

#include "core.h"
#include <math.h>

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* "None" for optional integer arguments (dim=None, end=None, ...). */
#define CT_NONE INT64_MIN

/* A list of dims: CT_DIMS(0, 2). n == 0 means "all dims" (dim=None). */
typedef struct ct_dims {
  int n;
  int64_t d[CT_MAX_DIMS];
} ct_dims;
#define CT_DIMS(...) \
  ((ct_dims){.n = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), .d = {__VA_ARGS__}})

/* Two results (values + indices) of max/min/sort/topk/mode. */
typedef struct ct_tensor_pair {
  ct_tensor *values;
  ct_tensor *indices;
} ct_tensor_pair;

/* ---- views (share storage with their base) ----------------------------------------- */
/* Tensor.view(shape): one -1 is inferred; fails on incompatible strides like PyTorch. */
ct_tensor *ct_view(const ct_tensor *t, int ndim, const int64_t *shape);
/* torch.reshape: a view when possible, otherwise a copy. */
ct_tensor *ct_reshape(const ct_tensor *t, int ndim, const int64_t *shape);
/* Tensor.view_as(other): ct_view with other's shape; a view sharing storage. */
ct_tensor *ct_view_as(const ct_tensor *t, const ct_tensor *other);
/* torch.transpose(t, dim0, dim1): a view (negative dims allowed). */
ct_tensor *ct_transpose(const ct_tensor *t, int64_t dim0, int64_t dim1);
/* Tensor.t(): 2-D transpose (0-D and 1-D returned as is). */
ct_tensor *ct_t(const ct_tensor *t);
/* Tensor.permute(dims): a view; dims must be a permutation of 0..ndim-1. */
ct_tensor *ct_permute(const ct_tensor *t, int ndim, const int64_t *dims);
/* Tensor.squeeze(): a view without every size-1 dim. */
ct_tensor *ct_squeeze(const ct_tensor *t);
/* Tensor.squeeze(dim): a view; unchanged when that dim's size is not 1. */
ct_tensor *ct_squeeze_dim(const ct_tensor *t, int64_t dim);
/* Tensor.unsqueeze(dim): a view with a size-1 dim inserted (dim in [-ndim-1, ndim]). */
ct_tensor *ct_unsqueeze(const ct_tensor *t, int64_t dim);
/* Tensor.expand(sizes): -1 keeps a size; new leading dims allowed. */
ct_tensor *ct_expand(const ct_tensor *t, int ndim, const int64_t *shape);
/* Tensor.expand_as(other): a stride-0 view (do not write through it). */
ct_tensor *ct_expand_as(const ct_tensor *t, const ct_tensor *other);
/* Tensor.narrow(dim, start, length): a view; negative start counts from the end. */
ct_tensor *ct_narrow(const ct_tensor *t, int64_t dim, int64_t start, int64_t length);
/* t[..., start:end:step, ...] on one dim; start/end may be CT_NONE; step > 0. */
ct_tensor *ct_slice(const ct_tensor *t, int64_t dim, int64_t start, int64_t end, int64_t step);
/* t[..., index, ...]: removes dim. */
ct_tensor *ct_select(const ct_tensor *t, int64_t dim, int64_t index);
/* torch.flatten(t, start_dim, end_dim): a view when possible, else a copy. */
ct_tensor *ct_flatten(const ct_tensor *t, int64_t start_dim, int64_t end_dim);
/* Tensor.unflatten(dim, sizes): a view; one size may be -1. */
ct_tensor *ct_unflatten(const ct_tensor *t, int64_t dim, int nsizes, const int64_t *sizes);
/* torch.unbind: writes up to cap views into out; returns their count or -1. */
int ct_unbind(const ct_tensor *t, int64_t dim, ct_tensor **out, int cap);
/* torch.split(t, split_size, dim): views; the last may be smaller. Count or -1. */
int ct_split(const ct_tensor *t, int64_t split_size, int64_t dim, ct_tensor **out, int cap);
/* torch.split(t, [sizes], dim): views whose sizes must sum to size(dim). Count or -1. */
int ct_split_sizes(const ct_tensor *t, int n, const int64_t *sizes, int64_t dim, ct_tensor **out,
                   int cap);
/* torch.chunk(t, chunks, dim): views; may give fewer than chunks. Count or -1. */
int ct_chunk(const ct_tensor *t, int64_t chunks, int64_t dim, ct_tensor **out, int cap);
/* Tensor.diagonal / torch.diag_embed are not yet provided. */

/* ---- copies and conversions -------------------------------------------------------- */
/* Tensor.contiguous(): t itself (a new reference) when already contiguous, else a copy. */
ct_tensor *ct_contiguous(const ct_tensor *t);
/* Tensor.clone(): a contiguous copy; records CloneBackward0. */
ct_tensor *ct_clone(const ct_tensor *t);
/* A view that shares storage but not history (requires_grad false). */
ct_tensor *ct_detach(const ct_tensor *t);
/* Tensor.detach_(): t loses its history and requires_grad in place; returns t. */
ct_tensor *ct_detach_(ct_tensor *t);
/* Tensor.copy_(src): src broadcast to dst's shape, converted to dst's dtype. */
ct_tensor *ct_copy_(ct_tensor *dst, const ct_tensor *src);
/* Tensor.to(dtype): the same tensor (a new reference) when dtype already matches. */
ct_tensor *ct_to(const ct_tensor *t, ct_dtype dtype);
/* Tensor.fill_(value): value converted to t's dtype; returns t. */
ct_tensor *ct_fill_(ct_tensor *t, double value);
/* Tensor.zero_(): returns t. */
ct_tensor *ct_zero_(ct_tensor *t);

/* ---- elementwise, broadcasting ----------------------------------------------------- */
/* a + b (torch.add): broadcasting, PyTorch promotion; bool + bool is logical or. */
ct_tensor *ct_add(const ct_tensor *a, const ct_tensor *b);
/* torch.add(a, b, alpha=alpha) / torch.sub(a, b, alpha=alpha) */
ct_tensor *ct_add_alpha(const ct_tensor *a, const ct_tensor *b, double alpha);
/* a - b (torch.sub): two bool tensors are an error, as in PyTorch. */
ct_tensor *ct_sub(const ct_tensor *a, const ct_tensor *b);
/* torch.sub(a, b, alpha=alpha): a - alpha * b; integral results need integral alpha. */
ct_tensor *ct_sub_alpha(const ct_tensor *a, const ct_tensor *b, double alpha);
/* a * b (torch.mul): bool * bool is logical and. */
ct_tensor *ct_mul(const ct_tensor *a, const ct_tensor *b);
/* True division: integer inputs give the default float dtype. */
ct_tensor *ct_div(const ct_tensor *a, const ct_tensor *b);
typedef enum ct_rounding { CT_ROUND_NONE = 0, CT_ROUND_TRUNC, CT_ROUND_FLOOR } ct_rounding;
/* torch.div(a, b, rounding_mode=...) */
ct_tensor *ct_div_mode(const ct_tensor *a, const ct_tensor *b, ct_rounding mode);
/* a // b (torch.floor_divide): result dtype promoted; int / 0 is an error. */
ct_tensor *ct_floor_divide(const ct_tensor *a, const ct_tensor *b);
/* Python-style modulus (sign of the divisor) */
ct_tensor *ct_remainder(const ct_tensor *a, const ct_tensor *b);
/* C-style modulus (sign of the dividend) */
ct_tensor *ct_fmod(const ct_tensor *a, const ct_tensor *b);
/* a ** b (torch.pow): int ** negative int is an error, bool ** bool unsupported. */
ct_tensor *ct_pow(const ct_tensor *a, const ct_tensor *b);
/* torch.atan2(a, b): int inputs give the default float dtype. */
ct_tensor *ct_atan2(const ct_tensor *a, const ct_tensor *b);
/* torch.minimum(a, b): promoted dtype; NaN propagates. */
ct_tensor *ct_minimum(const ct_tensor *a, const ct_tensor *b);
/* torch.maximum(a, b): promoted dtype; NaN propagates. */
ct_tensor *ct_maximum(const ct_tensor *a, const ct_tensor *b);
/* Tensor-scalar forms: the scalar takes part in promotion as a Python number. */
/* a + s: an integral s acts as a Python int (int tensor stays int), else a float. */
ct_tensor *ct_add_scalar(const ct_tensor *a, double s);
/* a - s, with s as a Python number. */
ct_tensor *ct_sub_scalar(const ct_tensor *a, double s);
/* s - a (Python's `s - a`) */
ct_tensor *ct_rsub_scalar(const ct_tensor *a, double s);
/* a * s, with s as a Python number (int tensor * 2.5 -> float32). */
ct_tensor *ct_mul_scalar(const ct_tensor *a, double s);
/* a / s: true division; int inputs give the default float dtype. */
ct_tensor *ct_div_scalar(const ct_tensor *a, double s);
/* a ** exponent (PowBackward0): int a with a negative exponent is an error. */
ct_tensor *ct_pow_scalar(const ct_tensor *a, double exponent);
/* s ** a */
ct_tensor *ct_rpow_scalar(double s, const ct_tensor *a);
/* a % s (Python-style remainder); int % 0 is an error. */
ct_tensor *ct_remainder_scalar(const ct_tensor *a, double s);
/* torch.fmod(a, s) (C-style); int fmod 0 is an error. */
ct_tensor *ct_fmod_scalar(const ct_tensor *a, double s);

/* unary */
/* -t (torch.neg): keeps integer dtypes; bool is an error. */
ct_tensor *ct_neg(const ct_tensor *t);
/* torch.abs: keeps the dtype. */
ct_tensor *ct_abs(const ct_tensor *t);
/* torch.sign: keeps the dtype (bool too); zero gradient. */
ct_tensor *ct_sign(const ct_tensor *t);
/* torch.square: t ** 2 (PowBackward0); keeps integer dtypes. */
ct_tensor *ct_square(const ct_tensor *t);
/* torch.reciprocal: 1 / t; int inputs give the default float dtype. */
ct_tensor *ct_reciprocal(const ct_tensor *t);
/* torch.exp: int/bool inputs give the default float dtype. */
ct_tensor *ct_exp(const ct_tensor *t);
/* torch.exp2: 2 ** t; int inputs give the default float dtype. */
ct_tensor *ct_exp2(const ct_tensor *t);
/* torch.log: int inputs give the default float dtype; log(0) = -inf, log(<0) = NaN. */
ct_tensor *ct_log(const ct_tensor *t);
/* torch.log2: int inputs give the default float dtype. */
ct_tensor *ct_log2(const ct_tensor *t);
/* torch.log10: int inputs give the default float dtype. */
ct_tensor *ct_log10(const ct_tensor *t);
/* torch.log1p: log(1 + t), accurate near 0; int inputs give a float. */
ct_tensor *ct_log1p(const ct_tensor *t);
/* torch.expm1: exp(t) - 1, accurate near 0; int inputs give a float. */
ct_tensor *ct_expm1(const ct_tensor *t);
/* torch.sqrt: int inputs give the default float dtype; sqrt(<0) = NaN. */
ct_tensor *ct_sqrt(const ct_tensor *t);
/* torch.rsqrt: 1 / sqrt(t); int inputs give the default float dtype. */
ct_tensor *ct_rsqrt(const ct_tensor *t);
/* torch.sin: int inputs give the default float dtype. */
ct_tensor *ct_sin(const ct_tensor *t);
/* torch.cos: int inputs give the default float dtype. */
ct_tensor *ct_cos(const ct_tensor *t);
/* torch.tan: int inputs give the default float dtype. */
ct_tensor *ct_tan(const ct_tensor *t);
/* torch.tanh: int inputs give the default float dtype. */
ct_tensor *ct_tanh(const ct_tensor *t);
/* torch.sigmoid: 1 / (1 + exp(-t)); int inputs give the default float dtype. */
ct_tensor *ct_sigmoid(const ct_tensor *t);
/* torch.erf: int inputs give the default float dtype. */
ct_tensor *ct_erf(const ct_tensor *t);
/* torch.floor: integer dtypes returned unchanged in value and dtype. */
ct_tensor *ct_floor(const ct_tensor *t);
/* torch.ceil: integer dtypes returned unchanged in value and dtype. */
ct_tensor *ct_ceil(const ct_tensor *t);
/* round half to even, like torch.round */
ct_tensor *ct_round(const ct_tensor *t);
/* torch.trunc: rounds toward zero; integer dtypes unchanged. */
ct_tensor *ct_trunc(const ct_tensor *t);
/* torch.clamp(t, min, max): NAN for an absent bound (None). */
ct_tensor *ct_clamp(const ct_tensor *t, double min, double max);
/* torch.clamp with tensor bounds; either may be NULL (None), not both. */
ct_tensor *ct_clamp_tensor(const ct_tensor *t, const ct_tensor *min, const ct_tensor *max);
/* torch.where(cond, a, b) */
ct_tensor *ct_where(const ct_tensor *cond, const ct_tensor *a, const ct_tensor *b);
/* Tensor.masked_fill(mask, value): bool mask broadcast to t; t's dtype kept. */
ct_tensor *ct_masked_fill(const ct_tensor *t, const ct_tensor *mask, double value);
/* torch.lerp(start, end, weight): start + weight * (end - start) */
ct_tensor *ct_lerp(const ct_tensor *start, const ct_tensor *end, const ct_tensor *weight);
/* torch.lerp(start, end, weight) with a number weight: floating, same dtypes. */
ct_tensor *ct_lerp_scalar(const ct_tensor *start, const ct_tensor *end, double weight);

/* comparisons and logic: results are CT_BOOL, never differentiable */
/* a == b (torch.eq): compared in the promoted dtype; bool result. */
ct_tensor *ct_eq(const ct_tensor *a, const ct_tensor *b);
/* a != b (torch.ne): bool result; NaN != NaN is true. */
ct_tensor *ct_ne(const ct_tensor *a, const ct_tensor *b);
/* a < b (torch.lt): bool result. */
ct_tensor *ct_lt(const ct_tensor *a, const ct_tensor *b);
/* a <= b (torch.le): bool result. */
ct_tensor *ct_le(const ct_tensor *a, const ct_tensor *b);
/* a > b (torch.gt): bool result. */
ct_tensor *ct_gt(const ct_tensor *a, const ct_tensor *b);
/* a >= b (torch.ge): bool result. */
ct_tensor *ct_ge(const ct_tensor *a, const ct_tensor *b);
/* t == s with s a Python number: bool result. */
ct_tensor *ct_eq_scalar(const ct_tensor *a, double s);
/* t != s with s a Python number: bool result. */
ct_tensor *ct_ne_scalar(const ct_tensor *a, double s);
/* t < s with s a Python number: bool result. */
ct_tensor *ct_lt_scalar(const ct_tensor *a, double s);
/* t <= s with s a Python number: bool result. */
ct_tensor *ct_le_scalar(const ct_tensor *a, double s);
/* t > s with s a Python number: bool result. */
ct_tensor *ct_gt_scalar(const ct_tensor *a, double s);
/* t >= s with s a Python number: bool result. */
ct_tensor *ct_ge_scalar(const ct_tensor *a, double s);
/* torch.isnan: bool result (all false for integer dtypes). */
ct_tensor *ct_isnan(const ct_tensor *t);
/* torch.isinf: bool result, true for +inf and -inf (all false for integers). */
ct_tensor *ct_isinf(const ct_tensor *t);
/* torch.logical_and: nonzero is true; bool result. */
ct_tensor *ct_logical_and(const ct_tensor *a, const ct_tensor *b);
/* torch.logical_or: nonzero is true; bool result. */
ct_tensor *ct_logical_or(const ct_tensor *a, const ct_tensor *b);
/* torch.logical_xor: nonzero is true; bool result. */
ct_tensor *ct_logical_xor(const ct_tensor *a, const ct_tensor *b);
/* torch.logical_not: bool result. */
ct_tensor *ct_logical_not(const ct_tensor *t);
/* torch.equal: same shape and values */
bool ct_equal(const ct_tensor *a, const ct_tensor *b);
/* torch.allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False): a and b of one dtype, shapes
 * broadcast. Positional or keyword, as in PyTorch: ct_allclose(a, b), ct_allclose(a, b, 1e-3,
 * 1e-6), ct_allclose(a, b, .equal_nan = true). The defaults end on ct__positional, so
 * positional values fill rtol, atol, equal_nan in order. */
typedef struct ct_allclose_opts {
  int ct__positional;
  double rtol, atol;
  bool equal_nan;
} ct_allclose_opts;
bool ct_allclose_ex(const ct_tensor *a, const ct_tensor *b, ct_allclose_opts o);
#define ct_allclose(a, b, ...) \
  ct_allclose_ex(a, b, CT_OPTS(ct_allclose_opts, .rtol = 1e-05, .atol = 1e-08, .ct__positional = 0, __VA_ARGS__))

/* in-place variants: the result is written into (and returned as) the first argument;
 * the result dtype must be castable to it, as in PyTorch */
/* Tensor.add_(b): returns a; the promoted type must cast to a's dtype. */
ct_tensor *ct_add_(ct_tensor *a, const ct_tensor *b);
/* Tensor.sub_(b): returns a. */
ct_tensor *ct_sub_(ct_tensor *a, const ct_tensor *b);
/* Tensor.mul_(b): returns a. */
ct_tensor *ct_mul_(ct_tensor *a, const ct_tensor *b);
/* Tensor.div_(b): true division, so an integer a is an error (float can't cast). */
ct_tensor *ct_div_(ct_tensor *a, const ct_tensor *b);
/* Tensor.pow_(b): returns a. */
ct_tensor *ct_pow_(ct_tensor *a, const ct_tensor *b);
/* Tensor.add_(s) with s a Python number: returns a. */
ct_tensor *ct_add_scalar_(ct_tensor *a, double s);
/* Tensor.sub_(s) with s a Python number: returns a. */
ct_tensor *ct_sub_scalar_(ct_tensor *a, double s);
/* Tensor.mul_(s): returns a; int a with a non-integral s is an error. */
ct_tensor *ct_mul_scalar_(ct_tensor *a, double s);
/* Tensor.div_(s): returns a; an integer a is an error. */
ct_tensor *ct_div_scalar_(ct_tensor *a, double s);
/* Tensor.pow_(s) with s a Python number: returns a. */
ct_tensor *ct_pow_scalar_(ct_tensor *a, double s);
/* Tensor.neg_(): returns t. */
ct_tensor *ct_neg_(ct_tensor *t);
/* Tensor.abs_(): returns t. */
ct_tensor *ct_abs_(ct_tensor *t);
/* Tensor.exp_(): returns t; an integer t is an error (float result can't cast). */
ct_tensor *ct_exp_(ct_tensor *t);
/* Tensor.log_(): returns t; floating t only. */
ct_tensor *ct_log_(ct_tensor *t);
/* Tensor.sqrt_(): returns t; floating t only. */
ct_tensor *ct_sqrt_(ct_tensor *t);
/* Tensor.sin_(): returns t; floating t only. */
ct_tensor *ct_sin_(ct_tensor *t);
/* Tensor.cos_(): returns t; floating t only. */
ct_tensor *ct_cos_(ct_tensor *t);
/* Tensor.tanh_(): returns t; floating t only. */
ct_tensor *ct_tanh_(ct_tensor *t);
/* Tensor.sigmoid_(): returns t; floating t only. */
ct_tensor *ct_sigmoid_(ct_tensor *t);
/* Tensor.floor_(): returns t. */
ct_tensor *ct_floor_(ct_tensor *t);
/* Tensor.ceil_(): returns t. */
ct_tensor *ct_ceil_(ct_tensor *t);
/* Tensor.round_() (half to even): returns t. */
ct_tensor *ct_round_(ct_tensor *t);
/* Tensor.trunc_(): returns t. */
ct_tensor *ct_trunc_(ct_tensor *t);
/* Tensor.clamp_(min, max): NAN for an absent bound; returns t. */
ct_tensor *ct_clamp_(ct_tensor *t, double min, double max);
/* Tensor.masked_fill_(mask, value): mask must broadcast to t; returns t. */
ct_tensor *ct_masked_fill_(ct_tensor *t, const ct_tensor *mask, double value);

/* ---- reductions -------------------------------------------------------------------- */
typedef struct ct_reduce_opts {
  ct_dims dim;    /* CT_DIMS(...); empty = all dims */
  bool keepdim;   /* false */
  ct_dtype dtype; /* sum and mean only; CT_DTYPE_UNSET: PyTorch's (sum of ints -> int64) */
} ct_reduce_opts;
#define CT_REDUCE_OPTS(...) CT_OPTS(ct_reduce_opts, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)
/* torch.sum: ints and bool give int64 unless .dtype asks otherwise; SumBackward0/1. */
ct_tensor *ct_sum_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.mean: floating input or .dtype only (int input is an error, as in PyTorch). */
ct_tensor *ct_mean_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.amax: t's dtype; NaN propagates; grad split evenly among ties. */
ct_tensor *ct_amax_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.amin: t's dtype; NaN propagates; grad split evenly among ties. */
ct_tensor *ct_amin_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.logsumexp: log(sum(exp(t))) computed stably; ints give the default float. */
ct_tensor *ct_logsumexp_ex(const ct_tensor *t, ct_reduce_opts o);
/* all/any: bool results */
/* torch.all: bool result (true where every element is nonzero). */
ct_tensor *ct_all_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.any: bool result (true where some element is nonzero). */
ct_tensor *ct_any_ex(const ct_tensor *t, ct_reduce_opts o);
/* t.sum(dim=, keepdim=, dtype=): ct_sum(t, .dim = CT_DIMS(0), .keepdim = true). */
#define ct_sum(t, ...) ct_sum_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.mean(dim=, keepdim=, dtype=). */
#define ct_mean(t, ...) ct_mean_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.amax(dim=, keepdim=). */
#define ct_amax(t, ...) ct_amax_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.amin(dim=, keepdim=). */
#define ct_amin(t, ...) ct_amin_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* torch.logsumexp(t, dim=, keepdim=); no dim means all dims. */
#define ct_logsumexp(t, ...) ct_logsumexp_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.all(dim=, keepdim=): bool result. */
#define ct_all(t, ...) ct_all_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.any(dim=, keepdim=): bool result. */
#define ct_any(t, ...) ct_any_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))

/* torch.prod(t) / torch.prod(t, dim, keepdim) (dim CT_NONE = all) */
ct_tensor *ct_prod(const ct_tensor *t, int64_t dim, bool keepdim);

typedef struct ct_var_opts {
  ct_dims dim;
  double correction; /* 1 (Bessel) */
  bool keepdim;
} ct_var_opts;
#define CT_VAR_OPTS(...) CT_OPTS(ct_var_opts, .correction = 1, __VA_ARGS__)
/* torch.var(t, dim, correction, keepdim): floating only; NaN when n <= correction. */
ct_tensor *ct_var_ex(const ct_tensor *t, ct_var_opts o);
/* torch.std(t, dim, correction, keepdim): sqrt of ct_var_ex; floating only. */
ct_tensor *ct_std_ex(const ct_tensor *t, ct_var_opts o);
/* t.var(dim=, correction=1, keepdim=). */
#define ct_var(t, ...) ct_var_ex(t, CT_VAR_OPTS(__VA_ARGS__))
/* t.std(dim=, correction=1, keepdim=). */
#define ct_std(t, ...) ct_std_ex(t, CT_VAR_OPTS(__VA_ARGS__))

typedef struct ct_norm_opts {
  double p; /* 2; INFINITY, -INFINITY, 0, 1, any real */
  ct_dims dim;
  bool keepdim;
} ct_norm_opts;
#define CT_NORM_OPTS(...) CT_OPTS(ct_norm_opts, .p = 2, __VA_ARGS__)
/* torch.norm / torch.linalg.vector_norm; p='fro' is p = 2. */
ct_tensor *ct_norm_ex(const ct_tensor *t, ct_norm_opts o);
/* torch.norm(t, p=2, dim=, keepdim=) / linalg.vector_norm; floating input only. */
#define ct_norm(t, ...) ct_norm_ex(t, CT_NORM_OPTS(__VA_ARGS__))

/* torch.max(t) / torch.min(t): the single largest element */
ct_tensor *ct_max(const ct_tensor *t);
/* torch.min(t): the smallest element as a 0-dim tensor; NaN if any; empty is an error. */
ct_tensor *ct_min(const ct_tensor *t);
/* torch.max(t, dim, keepdim): (values, indices) */
ct_tensor_pair ct_max_dim(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.min(t, dim, keepdim): (values, int64 indices); NaN wins. */
ct_tensor_pair ct_min_dim(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.argmax(t, dim=None|d, keepdim) */
ct_tensor *ct_argmax(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.argmin(t, dim=None|d, keepdim): int64 index of the first minimum (NaN wins). */
ct_tensor *ct_argmin(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.cumsum(t, dim): ints and bool give int64. */
ct_tensor *ct_cumsum(const ct_tensor *t, int64_t dim);
/* torch.cumprod(t, dim): ints and bool give int64. */
ct_tensor *ct_cumprod(const ct_tensor *t, int64_t dim);

/* ---- indexing and joining ---------------------------------------------------------- */
/* torch.index_select(t, dim, index): 1-D int64/int32 index; a copy. */
ct_tensor *ct_index_select(const ct_tensor *t, int64_t dim, const ct_tensor *index);
/* torch.gather(t, dim, index): int64 index with t's ndim; out has index's shape. */
ct_tensor *ct_gather(const ct_tensor *t, int64_t dim, const ct_tensor *index);
/* torch.scatter(t, dim, index, src): a copy of t with src written at index. */
ct_tensor *ct_scatter(const ct_tensor *t, int64_t dim, const ct_tensor *index, const ct_tensor *src);
/* torch.scatter(t, dim, index, value=v): a copy of t with v written at index. */
ct_tensor *ct_scatter_value(const ct_tensor *t, int64_t dim, const ct_tensor *index, double value);
/* torch.scatter_add(t, dim, index, src): a copy of t with src added at index. */
ct_tensor *ct_scatter_add(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                          const ct_tensor *src);
/* torch.take: index into the flattened tensor */
ct_tensor *ct_take(const ct_tensor *t, const ct_tensor *index);
/* torch.masked_select(t, mask) / t[mask]: a 1-D copy; mask broadcasts. */
ct_tensor *ct_masked_select(const ct_tensor *t, const ct_tensor *mask);
/* torch.nonzero: (n, ndim) int64 */
ct_tensor *ct_nonzero(const ct_tensor *t);
/* torch.cat(ts, dim): n >= 1 tensors with equal sizes except in dim; promoted dtype. */
ct_tensor *ct_cat(ct_tensor *const *ts, int n, int64_t dim);
/* torch.stack(ts, dim): n >= 1 tensors of the same shape, joined on a new dim. */
ct_tensor *ct_stack(ct_tensor *const *ts, int n, int64_t dim);
/* torch.tril(t, diagonal): keeps the lower triangle of the last two dims. */
ct_tensor *ct_tril(const ct_tensor *t, int64_t diagonal);
/* torch.triu(t, diagonal): keeps the upper triangle of the last two dims. */
ct_tensor *ct_triu(const ct_tensor *t, int64_t diagonal);
/* Tensor.repeat(*repeats): a copy tiled n times per dim (n >= ndim). */
ct_tensor *ct_repeat(const ct_tensor *t, int n, const int64_t *repeats);
/* torch.flip(t, dims): a copy with the n listed dims reversed. */
ct_tensor *ct_flip(const ct_tensor *t, int n, const int64_t *dims);
/* torch.roll(t, shifts, dims): ndims == 0 rolls the flattened tensor by shifts[0] */
ct_tensor *ct_roll(const ct_tensor *t, int nshifts, const int64_t *shifts, int ndims,
                   const int64_t *dims);
/* torch.sort(t, dim, descending, stable): stable sorts keep ties in order */
ct_tensor_pair ct_sort(const ct_tensor *t, int64_t dim, bool descending, bool stable);
/* torch.argsort(t, dim, descending): int64 indices of ct_sort (stable order). */
ct_tensor *ct_argsort(const ct_tensor *t, int64_t dim, bool descending);
/* torch.topk(t, k, dim, largest, sorted): (values, int64 indices); k <= size(dim). */
ct_tensor_pair ct_topk(const ct_tensor *t, int64_t k, int64_t dim, bool largest, bool sorted);

/* ---- elementwise (issue 12): src/ops/unary_special.c, binary_math.c, bitwise.c ---- */
/* torch.sinh ... torch.atan: int/bool inputs give the default float dtype */
ct_tensor *ct_sinh(const ct_tensor *t);
ct_tensor *ct_cosh(const ct_tensor *t);
ct_tensor *ct_asinh(const ct_tensor *t);
ct_tensor *ct_acosh(const ct_tensor *t);
ct_tensor *ct_atanh(const ct_tensor *t);
ct_tensor *ct_asin(const ct_tensor *t);
ct_tensor *ct_acos(const ct_tensor *t);
ct_tensor *ct_atan(const ct_tensor *t);
/* torch.lgamma, torch.digamma, torch.polygamma(n, t) (n >= 0), torch.mvlgamma(t, p) (p >= 1) */
ct_tensor *ct_lgamma(const ct_tensor *t);
ct_tensor *ct_digamma(const ct_tensor *t);
ct_tensor *ct_polygamma(int64_t n, const ct_tensor *t);
ct_tensor *ct_mvlgamma(const ct_tensor *t, int64_t p);
/* torch.erfc, torch.erfinv, torch.i0, torch.sinc */
ct_tensor *ct_erfc(const ct_tensor *t);
ct_tensor *ct_erfinv(const ct_tensor *t);
ct_tensor *ct_i0(const ct_tensor *t);
ct_tensor *ct_sinc(const ct_tensor *t);
/* torch.logit(t, eps): eps < 0 or NAN for None (no clamping) */
ct_tensor *ct_logit(const ct_tensor *t, double eps);
/* torch.special.expit: sigmoid */
ct_tensor *ct_special_expit(const ct_tensor *t);
/* torch.frac (floating t only), torch.deg2rad, torch.rad2deg */
ct_tensor *ct_frac(const ct_tensor *t);
ct_tensor *ct_deg2rad(const ct_tensor *t);
ct_tensor *ct_rad2deg(const ct_tensor *t);
/* torch.nan_to_num(t, nan, posinf, neginf): NAN for posinf / neginf means None (the
 * dtype's largest / lowest finite value); integer t is copied unchanged */
ct_tensor *ct_nan_to_num(const ct_tensor *t, double nan, double posinf, double neginf);
/* bool tests: torch.isfinite, isposinf, isneginf, isreal (true for every real dtype), signbit */
ct_tensor *ct_isfinite(const ct_tensor *t);
ct_tensor *ct_isposinf(const ct_tensor *t);
ct_tensor *ct_isneginf(const ct_tensor *t);
ct_tensor *ct_isreal(const ct_tensor *t);
ct_tensor *ct_signbit(const ct_tensor *t);
/* in-place forms (Tensor.sinh_() ...): return t */
ct_tensor *ct_sinh_(ct_tensor *t);
ct_tensor *ct_cosh_(ct_tensor *t);
ct_tensor *ct_asinh_(ct_tensor *t);
ct_tensor *ct_acosh_(ct_tensor *t);
ct_tensor *ct_atanh_(ct_tensor *t);
ct_tensor *ct_asin_(ct_tensor *t);
ct_tensor *ct_acos_(ct_tensor *t);
ct_tensor *ct_atan_(ct_tensor *t);
ct_tensor *ct_lgamma_(ct_tensor *t);
ct_tensor *ct_digamma_(ct_tensor *t);
ct_tensor *ct_polygamma_(ct_tensor *t, int64_t n);
ct_tensor *ct_mvlgamma_(ct_tensor *t, int64_t p);
ct_tensor *ct_erfc_(ct_tensor *t);
ct_tensor *ct_erfinv_(ct_tensor *t);
ct_tensor *ct_i0_(ct_tensor *t);
ct_tensor *ct_sinc_(ct_tensor *t);
ct_tensor *ct_logit_(ct_tensor *t, double eps);
ct_tensor *ct_frac_(ct_tensor *t);
ct_tensor *ct_deg2rad_(ct_tensor *t);
ct_tensor *ct_rad2deg_(ct_tensor *t);
ct_tensor *ct_nan_to_num_(ct_tensor *t, double nan, double posinf, double neginf);
/* torch.logaddexp, logaddexp2, hypot, nextafter: floating inputs only */
ct_tensor *ct_logaddexp(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_logaddexp2(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_hypot(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_nextafter(const ct_tensor *a, const ct_tensor *b);
/* torch.xlogy, torch.special.xlog1py, torch.copysign: int inputs give the default float dtype */
ct_tensor *ct_xlogy(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_special_xlog1py(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_copysign(const ct_tensor *a, const ct_tensor *b);
/* torch.heaviside(t, values): same dtypes required */
ct_tensor *ct_heaviside(const ct_tensor *t, const ct_tensor *values);
/* torch.float_power: always float64 */
ct_tensor *ct_float_power(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_float_power_scalar(const ct_tensor *a, double exponent);
/* Tensor.clamp_(min, max) with tensor bounds (ct_clamp_tensor in place); either may be NULL */
ct_tensor *ct_clamp_tensor_(ct_tensor *t, const ct_tensor *min, const ct_tensor *max);
/* torch.isclose(a, b, rtol, atol, equal_nan): bool; a and b of one dtype */
ct_tensor *ct_isclose(const ct_tensor *a, const ct_tensor *b, double rtol, double atol,
                      bool equal_nan);
ct_tensor *ct_hypot_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_nextafter_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_xlogy_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_copysign_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_heaviside_(ct_tensor *t, const ct_tensor *values);
/* Tensor.float_power_: a must be float64 */
ct_tensor *ct_float_power_(ct_tensor *a, const ct_tensor *b);
/* torch.bitwise_and / or / xor / not, bitwise_left_shift / right_shift, gcd, lcm: integer
 * dtypes (and bool, except shifts, gcd and lcm); shifts past the width give 0 (right shifts
 * of negatives: -1) */
ct_tensor *ct_bitwise_and(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_or(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_xor(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_not(const ct_tensor *t);
ct_tensor *ct_bitwise_left_shift(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_right_shift(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_gcd(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_lcm(const ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_and_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_or_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_xor_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_not_(ct_tensor *t);
ct_tensor *ct_bitwise_left_shift_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_bitwise_right_shift_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_gcd_(ct_tensor *a, const ct_tensor *b);
ct_tensor *ct_lcm_(ct_tensor *a, const ct_tensor *b);
/* ---- contractions and diagonals (src/ops/einsum.c) ---- */
/* torch.einsum(equation, *operands): PyTorch's syntax (letters a-zA-Z, '...', repeated
 * letters in one operand for diagonals, '->' optional: the implicit output is the ellipsis
 * dims then the letters named once, A-Z before a-z). Contracted pairwise left to right, each
 * pair through one bmm. CT_EINSUM("ij,jk->ik", a, b) passes the operands inline. */
ct_tensor *ct_einsum(const char *equation, ct_tensor *const *operands, int n);
#define CT_EINSUM(equation, ...)                                \
  ct_einsum(equation, (ct_tensor *const[]){__VA_ARGS__},       \
            (int)(sizeof((ct_tensor *[]){__VA_ARGS__}) / sizeof(ct_tensor *)))
/* torch.tensordot(a, b, dims=2): .dims contracts a's last dims with b's first ones; or the
 * lists .dims_a / .dims_b (PyTorch's dims=([...], [...])). */
typedef struct ct_tensordot_opts {
  int64_t dims;  /* 2 */
  ct_dims dims_a, dims_b; /* both empty: use .dims */
} ct_tensordot_opts;
ct_tensor *ct_tensordot_ex(const ct_tensor *a, const ct_tensor *b, ct_tensordot_opts o);
#define ct_tensordot(a, b, ...) ct_tensordot_ex(a, b, CT_OPTS(ct_tensordot_opts, .dims = 2, __VA_ARGS__))
/* torch.kron(a, b): the Kronecker product (the shorter shape padded with leading 1s). */
ct_tensor *ct_kron(const ct_tensor *a, const ct_tensor *b);
/* torch.trace(t): the sum of a matrix's diagonal (TraceBackward0). */
ct_tensor *ct_trace(const ct_tensor *t);
/* torch.diagonal(t, offset=0, dim1=0, dim2=1): a view; the diagonal becomes the last dim. */
ct_tensor *ct_diagonal(const ct_tensor *t, int64_t offset, int64_t dim1, int64_t dim2);
/* torch.diag(t, diagonal=0): a vector -> a square matrix with it on that diagonal; a matrix
 * -> a copy of that diagonal. */
ct_tensor *ct_diag(const ct_tensor *t, int64_t diagonal);
/* torch.diag_embed(t, offset=0, dim1=-2, dim2=-1): t's last dim on the diagonals of new
 * (dim1, dim2) planes. */
ct_tensor *ct_diag_embed(const ct_tensor *t, int64_t offset, int64_t dim1, int64_t dim2);
/* torch.diagflat(t, offset=0): diag of t flattened. */
ct_tensor *ct_diagflat(const ct_tensor *t, int64_t offset);
/* torch.movedim(t, source, destination) with n dims each (ints: n = 1); a permute view.
 * ct_movedim_list takes lists of different lengths to report PyTorch's error. */
ct_tensor *ct_movedim(const ct_tensor *t, int n, const int64_t *source, const int64_t *destination);
ct_tensor *ct_movedim_list(const ct_tensor *t, int nsrc, const int64_t *source, int ndst,
                           const int64_t *destination);
/* torch.swapaxes / torch.swapdims: ct_transpose under NumPy's names (TransposeBackward0). */
ct_tensor *ct_swapaxes(const ct_tensor *t, int64_t axis0, int64_t axis1);
ct_tensor *ct_swapdims(const ct_tensor *t, int64_t dim0, int64_t dim1);

/* ---- shape functions (src/ops/shape.c) ---- */
/* torch.tile(t, dims): repeat, dims padded with leading 1s to t's rank (RepeatBackward0). */
ct_tensor *ct_tile(const ct_tensor *t, int n, const int64_t *dims);
/* torch.broadcast_to(t, shape): ct_expand (ExpandBackward0). */
ct_tensor *ct_broadcast_to(const ct_tensor *t, int n, const int64_t *shape);
/* torch.atleast_1d / 2d / 3d: a view with 1s added (0-d -> all 1s, 1-d (n) -> (1, n) / (1, n, 1),
 * 2-d -> (a, b, 1)); a tensor with enough dims gives a view of itself. */
ct_tensor *ct_atleast_1d(const ct_tensor *t);
ct_tensor *ct_atleast_2d(const ct_tensor *t);
ct_tensor *ct_atleast_3d(const ct_tensor *t);
/* torch.hstack / vstack / dstack / column_stack(tensors): cat after atleast_1d (dim 0 for 1-d,
 * else 1) / atleast_2d (dim 0) / atleast_3d (dim 2) / 0-d and 1-d as columns (dim 1). */
ct_tensor *ct_hstack(ct_tensor *const *ts, int n);
ct_tensor *ct_vstack(ct_tensor *const *ts, int n);
ct_tensor *ct_dstack(ct_tensor *const *ts, int n);
ct_tensor *ct_column_stack(ct_tensor *const *ts, int n);
/* torch.rot90(t, k=1, dims=[0, 1]): n must be 2 (PyTorch's error otherwise). */
ct_tensor *ct_rot90(const ct_tensor *t, int64_t k, int n, const int64_t *dims);
/* torch.block_diag(*tensors): 0-d as 1x1, 1-d as a row; dtypes promoted; none: a (1, 0) tensor. */
ct_tensor *ct_block_diag(ct_tensor *const *ts, int n);
/* torch.meshgrid(*tensors, indexing=): n 0-d / 1-d tensors -> n expanded views into out;
 * returns n or -1. */
typedef enum { CT_MESHGRID_IJ, CT_MESHGRID_XY } ct_meshgrid_indexing;
int ct_meshgrid(ct_tensor *const *ts, int n, ct_meshgrid_indexing indexing, ct_tensor **out, int cap);
/* torch.cartesian_prod(*tensors): 1-d inputs -> (prod of sizes, n) rows (one input: itself). */
ct_tensor *ct_cartesian_prod(ct_tensor *const *ts, int n);
/* ---- statistics and search (stats.c, stats_reduce.c, search.c) ---------------------- */
/* torch.median(t): the lower of the two middle elements of all of t; NaN if any is NaN (or t
 * is empty); MedianBackward0 splits the gradient among equal elements. */
ct_tensor *ct_median(const ct_tensor *t);
/* torch.median(t, dim, keepdim): (values, int64 indices); the lower middle of each slice. */
ct_tensor_pair ct_median_dim(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.nanmedian(t): ct_median ignoring NaNs (NaN only when all are). */
ct_tensor *ct_nanmedian(const ct_tensor *t);
/* torch.nanmedian(t, dim, keepdim): (values, indices) ignoring NaNs. */
ct_tensor_pair ct_nanmedian_dim(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.kthvalue(t, k, dim=-1, keepdim): the k-th smallest (1-based) of each slice. */
ct_tensor_pair ct_kthvalue(const ct_tensor *t, int64_t k, int64_t dim, bool keepdim);
/* torch.mode(t, dim=-1, keepdim): the most frequent value (smallest on ties), last index. */
ct_tensor_pair ct_mode(const ct_tensor *t, int64_t dim, bool keepdim);
/* torch.cummax(t, dim): (running max, int64 index where it was last reached). */
ct_tensor_pair ct_cummax(const ct_tensor *t, int64_t dim);
/* torch.cummin(t, dim): (running min, int64 index where it was last reached). */
ct_tensor_pair ct_cummin(const ct_tensor *t, int64_t dim);
/* torch.logcumsumexp(t, dim): log(cumsum(exp(t))) computed stably; floating only. */
ct_tensor *ct_logcumsumexp(const ct_tensor *t, int64_t dim);

/* torch.quantile's interpolation= */
typedef enum ct_quantile_interp {
  CT_QUANTILE_LINEAR,
  CT_QUANTILE_LOWER,
  CT_QUANTILE_HIGHER,
  CT_QUANTILE_MIDPOINT,
  CT_QUANTILE_NEAREST,
} ct_quantile_interp;
typedef struct ct_quantile_opts {
  int64_t dim;                      /* CT_NONE: of all elements */
  bool keepdim;                     /* false */
  ct_quantile_interp interpolation; /* CT_QUANTILE_LINEAR */
} ct_quantile_opts;
#define CT_QUANTILE_OPTS(...) CT_OPTS(ct_quantile_opts, .dim = CT_NONE, __VA_ARGS__)
/* torch.quantile(t, q): q a 0-dim or 1-D tensor of t's dtype (a 1-D q leads the result's
 * dims); a NaN in a slice gives NaN. Floating only. */
ct_tensor *ct_quantile_ex(const ct_tensor *t, const ct_tensor *q, ct_quantile_opts o);
/* torch.nanquantile(t, q): ct_quantile_ex ignoring NaNs (NaN where a slice is all NaN). */
ct_tensor *ct_nanquantile_ex(const ct_tensor *t, const ct_tensor *q, ct_quantile_opts o);
/* torch.quantile(t, q) with a float q: no q dim in the result. */
ct_tensor *ct_quantile_scalar_ex(const ct_tensor *t, double q, ct_quantile_opts o);
/* torch.nanquantile(t, q) with a float q. */
ct_tensor *ct_nanquantile_scalar_ex(const ct_tensor *t, double q, ct_quantile_opts o);
/* torch.quantile(t, q, dim=, keepdim=, interpolation=) with a tensor q. */
#define ct_quantile(t, q, ...) ct_quantile_ex(t, q, CT_QUANTILE_OPTS(__VA_ARGS__))
/* torch.nanquantile(t, q, dim=, keepdim=, interpolation=) with a tensor q. */
#define ct_nanquantile(t, q, ...) ct_nanquantile_ex(t, q, CT_QUANTILE_OPTS(__VA_ARGS__))
/* torch.quantile(t, 0.25, dim=, ...) with a float q. */
#define ct_quantile_scalar(t, q, ...) ct_quantile_scalar_ex(t, q, CT_QUANTILE_OPTS(__VA_ARGS__))
/* torch.nanquantile(t, 0.25, dim=, ...) with a float q. */
#define ct_nanquantile_scalar(t, q, ...) ct_nanquantile_scalar_ex(t, q, CT_QUANTILE_OPTS(__VA_ARGS__))
/* torch.var_mean(t, dim, correction, keepdim): (var, mean) as (.values, .indices). */
ct_tensor_pair ct_var_mean_ex(const ct_tensor *t, ct_var_opts o);
/* torch.std_mean(t, dim, correction, keepdim): (std, mean) as (.values, .indices). */
ct_tensor_pair ct_std_mean_ex(const ct_tensor *t, ct_var_opts o);
/* t.var_mean(dim=, correction=1, keepdim=). */
#define ct_var_mean(t, ...) ct_var_mean_ex(t, CT_VAR_OPTS(__VA_ARGS__))
/* t.std_mean(dim=, correction=1, keepdim=). */
#define ct_std_mean(t, ...) ct_std_mean_ex(t, CT_VAR_OPTS(__VA_ARGS__))
/* torch.count_nonzero(t, dim): int64 counts over dim (empty list: all dims). */
ct_tensor *ct_count_nonzero(const ct_tensor *t, ct_dims dim);
/* torch.nansum(t, dim=, keepdim=, dtype=): sum with NaNs counted as 0. */
ct_tensor *ct_nansum_ex(const ct_tensor *t, ct_reduce_opts o);
/* torch.nanmean(t, dim=, keepdim=, dtype=): mean of the non-NaN elements; floating only. */
ct_tensor *ct_nanmean_ex(const ct_tensor *t, ct_reduce_opts o);
/* t.nansum(dim=, keepdim=, dtype=). */
#define ct_nansum(t, ...) ct_nansum_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* t.nanmean(dim=, keepdim=, dtype=). */
#define ct_nanmean(t, ...) ct_nanmean_ex(t, CT_REDUCE_OPTS(__VA_ARGS__))
/* torch.aminmax(t, dim=None|d, keepdim): (min, max) as (.values, .indices); no gradient
 * (PyTorch 1.13 has no derivative for it). */
ct_tensor_pair ct_aminmax(const ct_tensor *t, int64_t dim, bool keepdim);
typedef struct ct_diff_opts {
  int64_t n;               /* 1 */
  int64_t dim;             /* -1 */
  const ct_tensor *prepend; /* NULL */
  const ct_tensor *append;  /* NULL */
} ct_diff_opts;
#define CT_DIFF_OPTS(...) CT_OPTS(ct_diff_opts, .n = 1, .dim = -1, __VA_ARGS__)
/* torch.diff(t, n=1, dim=-1, prepend=, append=): bool inputs give xor. */
ct_tensor *ct_diff_ex(const ct_tensor *t, ct_diff_opts o);
/* torch.diff(t, n=, dim=, prepend=, append=). */
#define ct_diff(t, ...) ct_diff_ex(t, CT_DIFF_OPTS(__VA_ARGS__))

/* torch.unique's results: inverse and counts are NULL unless asked for. */
typedef struct ct_unique_result {
  ct_tensor *values;
  ct_tensor *inverse; /* int64, t's shape (with .dim: size(dim)) */
  ct_tensor *counts;  /* int64, one per value */
} ct_unique_result;
typedef struct ct_unique_opts {
  bool sorted;         /* true; false still sorts (PyTorch's CPU order for false is a hash order) */
  bool return_inverse; /* false */
  bool return_counts;  /* false */
  int64_t dim;         /* CT_NONE: of the flattened tensor */
} ct_unique_opts;
#define CT_UNIQUE_OPTS(...) CT_OPTS(ct_unique_opts, .sorted = true, .dim = CT_NONE, __VA_ARGS__)
/* torch.unique(t, sorted, return_inverse, return_counts, dim): sorted unique values (or
 * slices along dim). Not differentiable. */
ct_unique_result ct_unique_ex(const ct_tensor *t, ct_unique_opts o);
/* torch.unique_consecutive(t, return_inverse, return_counts, dim): runs of equal neighbours. */
ct_unique_result ct_unique_consecutive_ex(const ct_tensor *t, ct_unique_opts o);
/* torch.unique(t, return_inverse=, return_counts=, dim=). */
#define ct_unique(t, ...) ct_unique_ex(t, CT_UNIQUE_OPTS(__VA_ARGS__))
/* torch.unique_consecutive(t, return_inverse=, return_counts=, dim=). */
#define ct_unique_consecutive(t, ...) ct_unique_consecutive_ex(t, CT_UNIQUE_OPTS(__VA_ARGS__))
typedef struct ct_search_opts {
  bool out_int32;          /* false: int64 results */
  bool right;              /* false; side='right' is right = true */
  const ct_tensor *sorter; /* NULL; int64 indices that sort sorted_sequence */
} ct_search_opts;
#define CT_SEARCH_OPTS(...) CT_OPTS(ct_search_opts, .right = false, __VA_ARGS__)
/* torch.searchsorted(sorted_sequence, t, out_int32=, right=, sorter=): sorted_sequence 1-D or
 * with t's leading dims; compares in the common dtype. */
ct_tensor *ct_searchsorted_ex(const ct_tensor *sorted_sequence, const ct_tensor *t, ct_search_opts o);
/* torch.searchsorted(seq, t, right=, out_int32=, sorter=). */
#define ct_searchsorted(seq, t, ...) ct_searchsorted_ex(seq, t, CT_SEARCH_OPTS(__VA_ARGS__))
/* torch.bucketize(t, boundaries, out_int32, right): boundaries 1-D. */
ct_tensor *ct_bucketize(const ct_tensor *t, const ct_tensor *boundaries, bool out_int32, bool right);
/* torch.bincount(t, weights=NULL, minlength=0): t 1-D non-negative ints; int64 counts, or
 * sums of weights (float weights keep their dtype, integer ones give float64). */
ct_tensor *ct_bincount(const ct_tensor *t, const ct_tensor *weights, int64_t minlength);
/* torch.histc(t, bins=100, min=0, max=0): min == max takes the data's range; floating only. */
ct_tensor *ct_histc(const ct_tensor *t, int64_t bins, double min, double max);

/* torch.take_along_dim(t, indices, dim=None|d): int64 indices; t and indices broadcast
 * except along dim; CT_NONE gathers from the flattened t. */
ct_tensor *ct_take_along_dim(const ct_tensor *t, const ct_tensor *indices, int64_t dim);

/* ---- indexing (index_add / index_copy / index_fill) ---- */
/* Tensor.index_add(dim, index, source, alpha=1): self[..., index[i], ...] += alpha *
 * source[..., i, ...]; index 1-D int64/int32, repeated indices sum. */
ct_tensor *ct_index_add(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                        const ct_tensor *source, double alpha);
/* Tensor.index_add_(dim, index, source, alpha=1): in place; returns t. */
ct_tensor *ct_index_add_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                         const ct_tensor *source, double alpha);
/* Tensor.index_copy(dim, index, source): slices of source written at index (int64; with
 * repeated indices the last write wins, as on PyTorch's CPU). */
ct_tensor *ct_index_copy(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                         const ct_tensor *source);
/* Tensor.index_copy_(dim, index, source): in place; returns t. */
ct_tensor *ct_index_copy_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                          const ct_tensor *source);
/* Tensor.index_fill(dim, index, value): slices at index (int64, negatives wrap) set to value. */
ct_tensor *ct_index_fill(const ct_tensor *t, int64_t dim, const ct_tensor *index, double value);
/* Tensor.index_fill_(dim, index, value): in place; returns t. */
ct_tensor *ct_index_fill_(ct_tensor *t, int64_t dim, const ct_tensor *index, double value);
/* Tensor.index_fill(dim, index, value) with a 0-dim value tensor (differentiable in value). */
ct_tensor *ct_index_fill_tensor(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                                const ct_tensor *value);
/* Tensor.index_fill_(dim, index, value) with a 0-dim value tensor: in place; returns t. */
ct_tensor *ct_index_fill_tensor_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                                 const ct_tensor *value);

/* ---- indexing (scatter_reduce) ---- */
/* scatter_reduce's reduce argument ("sum", "prod", "mean", "amax", "amin") */
typedef enum {
  CT_SCATTER_SUM,
  CT_SCATTER_PROD,
  CT_SCATTER_MEAN,
  CT_SCATTER_AMAX,
  CT_SCATTER_AMIN
} ct_scatter_reduce_op;
/* torch.scatter_reduce(t, dim, index, src, reduce, include_self=True): a copy of t with src
 * reduced into the positions index names (scatter's shape rules); include_self false leaves
 * t's value out wherever some src reaches; integer mean divides with floor. */
ct_tensor *ct_scatter_reduce(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                             const ct_tensor *src, ct_scatter_reduce_op reduce, bool include_self);
/* Tensor.scatter_reduce_(dim, index, src, reduce, include_self=True): in place; returns t. */
ct_tensor *ct_scatter_reduce_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                              const ct_tensor *src, ct_scatter_reduce_op reduce, bool include_self);
/* ---- shapes2: more shape functions (src/ops/shape2.c) and cdist (src/ops/distance.c) ---- */
/* torch.repeat_interleave(t, repeats, dim=None, output_size=None): .dim CT_NONE flattens t;
 * .output_size CT_NONE or the sum of the repeats. Composed: index_select (IndexSelectBackward0). */
typedef struct ct_repeat_interleave_opts {
  int64_t dim;         /* CT_NONE */
  int64_t output_size; /* CT_NONE */
} ct_repeat_interleave_opts;
#define CT_REPEAT_INTERLEAVE_OPTS(...) \
  CT_OPTS(ct_repeat_interleave_opts, .dim = CT_NONE, .output_size = CT_NONE, __VA_ARGS__)
ct_tensor *ct_repeat_interleave_ex(const ct_tensor *t, int64_t repeats, ct_repeat_interleave_opts o);
#define ct_repeat_interleave(t, repeats, ...) \
  ct_repeat_interleave_ex(t, repeats, CT_REPEAT_INTERLEAVE_OPTS(__VA_ARGS__))
/* the same with an integer tensor of repeats (0-d / one element: for every slice; else size(dim)) */
ct_tensor *ct_repeat_interleave_tensor_ex(const ct_tensor *t, const ct_tensor *repeats,
                                          ct_repeat_interleave_opts o);
#define ct_repeat_interleave_tensor(t, repeats, ...) \
  ct_repeat_interleave_tensor_ex(t, repeats, CT_REPEAT_INTERLEAVE_OPTS(__VA_ARGS__))
/* torch.repeat_interleave(repeats, output_size=None): int64 (sum(repeats)), i repeats[i] times */
ct_tensor *ct_repeat_interleave_indices(const ct_tensor *repeats, int64_t output_size);
/* torch.tensor_split(t, sections, dim=0): views (SliceBackward0), the first size % sections one
 * longer; ..._indices: split before each index (Python slice clamping). Count or -1. */
int ct_tensor_split(const ct_tensor *t, int64_t sections, int64_t dim, ct_tensor **out, int cap);
int ct_tensor_split_indices(const ct_tensor *t, int n, const int64_t *indices, int64_t dim,
                            ct_tensor **out, int cap);
/* torch.hsplit / vsplit / dsplit(t, sections | indices): tensor_split on dim 1 (0 for 1-D) / 0 /
 * 2; sections must divide the size. Count or -1. */
int ct_hsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap);
int ct_vsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap);
int ct_dsplit(const ct_tensor *t, int64_t sections, ct_tensor **out, int cap);
int ct_hsplit_indices(const ct_tensor *t, int n, const int64_t *indices, ct_tensor **out, int cap);
int ct_vsplit_indices(const ct_tensor *t, int n, const int64_t *indices, ct_tensor **out, int cap);
int ct_dsplit_indices(const ct_tensor *t, int n, const int64_t *indices, ct_tensor **out, int cap);
/* torch.broadcast_shapes(*shapes): writes the shape to out (CT_MAX_DIMS); its ndim or -1. */
int ct_broadcast_shapes(int n, const int *ndims, const int64_t *const *shapes, int64_t *out);
/* torch.broadcast_tensors(*ts): expanded views (ExpandBackward0). Count or -1. */
int ct_broadcast_tensors(ct_tensor *const *ts, int n, ct_tensor **out, int cap);
/* torch.as_strided(t, size, stride, storage_offset=None): a view of t's storage (offsets in
 * elements from the storage start; CT_NONE keeps t's); AsStridedBackward0. */
ct_tensor *ct_as_strided(const ct_tensor *t, int ndim, const int64_t *size, const int64_t *stride,
                         int64_t storage_offset);
/* torch.tril_indices / triu_indices(row, col, offset=0): int64 (2, N), row by row. */
ct_tensor *ct_tril_indices(int64_t row, int64_t col, int64_t offset);
ct_tensor *ct_triu_indices(int64_t row, int64_t col, int64_t offset);

/* torch.cdist(x1 (B.., P, M), x2 (B.., R, M), p=2, compute_mode=...): (B.., P, R) distances,
 * batch dims broadcast. p = 2 goes through a matrix product (PyTorch's _euclidean_dist, its
 * grad_fn ViewBackward0) with CT_CDIST_USE_MM, or with the default when P or R > 25; otherwise
 * CdistBackward0. */
typedef enum {
  CT_CDIST_USE_MM_IF_NECESSARY, /* 'use_mm_for_euclid_dist_if_necessary' (default) */
  CT_CDIST_USE_MM,              /* 'use_mm_for_euclid_dist' */
  CT_CDIST_DONOT_USE_MM,        /* 'donot_use_mm_for_euclid_dist' */
} ct_cdist_mode;
typedef struct ct_cdist_opts {
  double p; /* 2; 0, inf and any p >= 0 */
  ct_cdist_mode compute_mode;
} ct_cdist_opts;
ct_tensor *ct_cdist_ex(const ct_tensor *x1, const ct_tensor *x2, ct_cdist_opts o);
#define ct_cdist(x1, x2, ...) ct_cdist_ex(x1, x2, CT_OPTS(ct_cdist_opts, .p = 2, __VA_ARGS__))

/* torch.einsum(op1, sublist1, op2, sublist2, ..., [out_sublist]): subscripts 0..51 (0..25 are
 * 'A'..'Z', 26..51 'a'..'z' of the equation form), CT_EINSUM_ELLIPSIS for Ellipsis; out_len < 0
 * leaves the output implicit. */
#define CT_EINSUM_ELLIPSIS (-1)
ct_tensor *ct_einsum_sublist(ct_tensor *const *operands, int n, const int64_t *const *sublists,
                             const int *lens, const int64_t *out, int out_len);

/* ---- indexing (index_put, t[idx], masked_scatter, put: src/ops/index_put.c) ---- */
/* t[indices] (aten::index): indices[0..n) are int64 tensors (negatives count from the end),
 * bool / uint8 masks (each covers as many dims as it has) or NULL for a full slice ':';
 * the index tensors broadcast together; their dims go where the indexed dims were when
 * those are adjacent, else first (PyTorch's advanced indexing). A copy; IndexBackward0. */
ct_tensor *ct_index(const ct_tensor *t, ct_tensor *const *indices, int n);
/* Tensor.index_put(indices, values, accumulate=False): a copy of t with values (t's dtype,
 * broadcast to the indexing result) written at t[indices]; repeated positions: the last
 * write wins, or every value adds with accumulate. IndexPutBackward0. */
ct_tensor *ct_index_put(const ct_tensor *t, ct_tensor *const *indices, int n,
                        const ct_tensor *values, bool accumulate);
/* Tensor.index_put_(indices, values, accumulate=False), and t[indices] = values: in place;
 * returns t. */
ct_tensor *ct_index_put_(ct_tensor *t, ct_tensor *const *indices, int n, const ct_tensor *values,
                         bool accumulate);
/* t[indices] = value for a Python number: in place; returns t. */
ct_tensor *ct_index_put_scalar_(ct_tensor *t, ct_tensor *const *indices, int n, double value);
/* t[indices] += v as Python runs it (tmp = t[indices]; tmp += v; t[indices] = tmp): a
 * repeated position gets v once, not once per repeat. In place; returns t. */
ct_tensor *ct_index_iadd_(ct_tensor *t, ct_tensor *const *indices, int n, const ct_tensor *v);
/* Tensor.put(index, source, accumulate=False): source's elements written (or added) at the
 * flat positions index names (int64, any shape, negatives wrap); PutBackward0. */
ct_tensor *ct_put(const ct_tensor *t, const ct_tensor *index, const ct_tensor *source,
                  bool accumulate);
/* Tensor.put_(index, source, accumulate=False): in place; returns t. */
ct_tensor *ct_put_(ct_tensor *t, const ct_tensor *index, const ct_tensor *source, bool accumulate);
/* Tensor.masked_scatter(mask, source): t and the bool mask broadcast; the true positions,
 * in order, take source's leading elements. MaskedScatterBackward0. */
ct_tensor *ct_masked_scatter(const ct_tensor *t, const ct_tensor *mask, const ct_tensor *source);
/* Tensor.masked_scatter_(mask, source): mask broadcast to t; in place; returns t. */
ct_tensor *ct_masked_scatter_(ct_tensor *t, const ct_tensor *mask, const ct_tensor *source);
/* ---- histogram (src/ops/histogram.c) ---- */
/* torch.histogram's keywords: range=(lo, hi) (NAN, NAN: None), weight= (input's shape and
 * dtype, or NULL), density= */
typedef struct ct_histogram_opts {
  double range[2];
  const ct_tensor *weight;
  bool density;
} ct_histogram_opts;
#define CT_HISTOGRAM_OPTS(...) \
  CT_OPTS(ct_histogram_opts, .range = {__builtin_nan(""), __builtin_nan("")}, __VA_ARGS__)
/* hist, bin_edges = torch.histogram(...): both NULL on error */
typedef struct ct_histogram_result {
  ct_tensor *hist, *bin_edges;
} ct_histogram_result;
/* torch.histogram(t, bins, range=, weight=, density=): bins equal-width bins (float32 /
 * float64 t, computed in its dtype); no gradient. */
ct_histogram_result ct_histogram_ex(const ct_tensor *t, int64_t bins, ct_histogram_opts o);
#define ct_histogram(t, bins, ...) ct_histogram_ex(t, bins, CT_HISTOGRAM_OPTS(__VA_ARGS__))
/* torch.histogram(t, bins_tensor, weight=, density=): the bin edges given (1-D, t's dtype;
 * o.range is not read). */
ct_histogram_result ct_histogram_bins_ex(const ct_tensor *t, const ct_tensor *bins,
                                         ct_histogram_opts o);
#define ct_histogram_bins(t, bins, ...) \
  ct_histogram_bins_ex(t, bins, CT_HISTOGRAM_OPTS(__VA_ARGS__))
#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
