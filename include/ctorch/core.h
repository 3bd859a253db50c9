/* ctorch core: dtypes, errors, memory scopes, tensor creation and queries.
 *
 * Memory model: every tensor the API returns belongs to the innermost open scope
 * (ct_scope_begin/ct_scope_end); ending the scope drops those references. With no scope
 * open the caller owns the returned reference and drops it with ct_release().
 * Error model: a failing function returns NULL (or a negative status) and records a
 * PyTorch-worded message readable with ct_last_error(). A NULL tensor argument makes a
 * function return NULL without replacing the first message, so chains are checked once. */
#ifndef CTORCH_CORE_H
#define CTORCH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

#define CT_MAX_DIMS 16

/* Ordered by PyTorch's promotion lattice within each category. */
typedef enum ct_dtype {
  CT_DTYPE_UNSET = -1, /* in options: "use the default" */
  CT_BOOL = 0,
  CT_UINT8,
  CT_INT8,
  CT_INT16,
  CT_INT32,
  CT_INT64,
  CT_FLOAT32,
  CT_FLOAT64,
  CT_FLOAT16,  /* torch.float16 / torch.half: IEEE binary16, computed in float32 */
  CT_BFLOAT16, /* torch.bfloat16: float32's upper 16 bits, computed in float32 */
  CT_NUM_DTYPES
} ct_dtype;

typedef struct ct_tensor ct_tensor;
typedef struct ct_generator ct_generator;

/* ---- options idiom -------------------------------------------------------------------
 * CT_OPTS(type, defaults, user...) builds an options struct whose unset fields keep
 * PyTorch's defaults; later designated initializers override earlier ones. The pragma
 * keeps -Woverride-init (gcc) / -Winitializer-overrides (clang) quiet in user code. */
#if defined(__clang__)
#define CT__OPTS_IGNORE _Pragma("clang diagnostic ignored \"-Winitializer-overrides\"")
#define CT__OPTS_PUSH _Pragma("clang diagnostic push")
#define CT__OPTS_POP _Pragma("clang diagnostic pop")
#else
#define CT__OPTS_IGNORE _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#define CT__OPTS_PUSH _Pragma("GCC diagnostic push")
#define CT__OPTS_POP _Pragma("GCC diagnostic pop")
#endif
#define CT_OPTS(type, ...)                                                                  \
  __extension__({                                                                           \
    CT__OPTS_PUSH CT__OPTS_IGNORE type ct__opts_tmp = {__VA_ARGS__};                        \
    CT__OPTS_POP ct__opts_tmp;                                                              \
  })

/* Shape literal: ct_zeros(CT_SHAPE(2, 3)) expands to ct_zeros(2, (int64_t[]){2, 3}). */
#define CT_SHAPE(...) \
  (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), ((const int64_t[]){__VA_ARGS__})
/* Tensor-list literal: the two arguments `tensors, n` of ct_gradcheck, ct_cat, ct_stack, ...:
 * ct_gradcheck(fn, CT_TENSORS(x, b)). A bare compound literal's commas would split a macro's
 * arguments; CT_TENSORS (or wrapping the literal in parentheses) keeps them together. */
#define CT_TENSORS(...)                      \
  ((ct_tensor *const[]){__VA_ARGS__}), \
      (int)(sizeof((ct_tensor *const[]){__VA_ARGS__}) / sizeof(ct_tensor *))

/* ---- errors ------------------------------------------------------------------------ */
/* The message of the first error since the last ct_clear_error(), or NULL. */
const char *ct_last_error(void);
/* Forget the recorded error. */
void ct_clear_error(void);
/* Record an error from user code (a dataset's get callback, a collate function, a custom
 * Function) as ctorch records its own: printf-style; returns -1 so a callback can
 * `return ct_set_error("item %d is broken", i);`. Like ctorch's, only the first error since
 * ct_clear_error is kept. */
int ct_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What happens on error: return NULL and keep the message (default), or print and abort. */
typedef enum ct_error_mode { CT_ERRORS_RETURN = 0, CT_ERRORS_ABORT = 1 } ct_error_mode;
/* torch has no twin: choose return-NULL (default) or print-and-abort. */
void ct_set_error_mode(ct_error_mode mode);
/* Optional callback run on every recorded error (after the message is stored). */
typedef void (*ct_error_handler)(const char *message, void *user);
/* Install fn (NULL removes it); user is passed through to every call. */
void ct_set_error_handler(ct_error_handler fn, void *user);

/* ---- memory ------------------------------------------------------------------------ */
/* Open a scope: tensors returned from now on belong to it. Scopes nest. */
void ct_scope_begin(void);
/* Close the innermost scope, dropping its references (kept tensors survive). */
void ct_scope_end(void);
/* Move a reference out of the innermost scope into its parent (or to the caller when
 * there is no parent). Returns t. */
ct_tensor *ct_keep(ct_tensor *t);
/* Add a caller-owned reference (dropped with ct_release). Returns t. */
ct_tensor *ct_retain(ct_tensor *t);
/* Drop one caller-owned reference. NULL is ignored. Releasing a tensor twice, or one its
 * scope owns, prints the tensor's shape and dtype and aborts (run with CT_DEBUG=1 to also see
 * where it was made, and to catch a tensor used after its scope ended). Tensors may be shared
 * between threads for reading (docs/design-notes.md, "Threads"). */
void ct_release(ct_tensor *t);
/* Live tensor objects (views included); for leak tests. */
int64_t ct_live_tensors(void);
/* Bytes of live storage ctorch allocated; for leak tests. */
int64_t ct_live_bytes(void);

/* ---- allocator caches ---------------------------------------------------------------
 * Each thread keeps freed tensor structs, small storages, graph nodes and up to 32 big
 * storages (>= 256 KB) for reuse. */
/* Like torch.cuda.empty_cache: hand the calling thread's cached blocks (tensor structs, small
 * and big storages, graph nodes) back to malloc, and malloc's free memory back to the OS.
 * Other threads' caches stay (each is freed when its thread exits); live tensors are kept. */
void ct_empty_cache(void);
/* Bytes the calling thread's tensor and storage caches hold (not live tensors). */
int64_t ct_cached_bytes(void);
/* Most bytes of big storages each thread keeps for reuse (default 128 MB; 0 keeps none). The
 * calling thread's cache is trimmed to it at once, others' as they free. */
void ct_set_cache_limit(int64_t bytes);
int64_t ct_get_cache_limit(void);

/* ---- threads ----------------------------------------------------------------------- */
/* One setting for OpenMP and OpenBLAS, so the two never oversubscribe the cores. */
/* torch.set_num_threads(n): OpenMP and OpenBLAS together. */
void ct_set_num_threads(int n);
/* torch.get_num_threads(). */
int ct_get_num_threads(void);

/* ---- dtypes ------------------------------------------------------------------------ */
/* PyTorch's name: "torch.float32". */
const char *ct_dtype_name(ct_dtype dt);
/* dtype.itemsize in bytes (bool is 1). */
size_t ct_dtype_size(ct_dtype dt);
/* dtype.is_floating_point: true for float32/64, float16 and bfloat16. */
bool ct_dtype_is_floating(ct_dtype dt);
/* torch.promote_types */
ct_dtype ct_promote_types(ct_dtype a, ct_dtype b);
/* torch.result_type(a, b): PyTorch's rules with 0-dim tensors and wrapped scalars. */
ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b);
/* torch.set_default_dtype / get_default_dtype (float32 or float64). */
void ct_set_default_dtype(ct_dtype dt);
/* torch.get_default_dtype(): CT_FLOAT32 unless changed. */
ct_dtype ct_get_default_dtype(void);

/* ---- queries ----------------------------------------------------------------------- */
/* Tensor.dim(); -1 for NULL. */
int ct_dim(const ct_tensor *t);
/* Size of dim (negative dims count from the end); -1 on error. */
int64_t ct_size(const ct_tensor *t, int dim);
/* Tensor.shape: ct_dim(t) entries, borrowed from t; NULL for NULL. */
const int64_t *ct_shape(const ct_tensor *t);
/* Tensor.stride() in elements: ct_dim(t) entries, borrowed; NULL for NULL. */
const int64_t *ct_strides(const ct_tensor *t);
/* Tensor.storage_offset() in elements; -1 for NULL. */
int64_t ct_storage_offset(const ct_tensor *t);
/* Tensor.numel() (1 for a 0-dim tensor). */
int64_t ct_numel(const ct_tensor *t);
/* Tensor.dtype; CT_DTYPE_UNSET for NULL. */
ct_dtype ct_dtype_of(const ct_tensor *t);
/* Tensor.is_contiguous(): row-major strides (size-1 dims ignored); false for NULL. */
bool ct_is_contiguous(const ct_tensor *t);
/* Tensor.is_floating_point(); false for NULL. */
bool ct_is_floating_point(const ct_tensor *t);
/* True when a and b share the same storage (a view relation). */
bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b);
/* Pointer to element 0 (honours the storage offset). Contiguity is the caller's concern. */
void *ct_data_ptr(const ct_tensor *t);

/* Element access for C code: index has ct_dim(t) entries (negative counts from the end).
 * ct_item reads a one-element tensor. Errors return NaN / set the message. */
/* Tensor.item() as a double; NaN + message unless numel is 1. */
double ct_item(const ct_tensor *t);
/* t[index].item(): NaN + message for an out-of-range index. */
double ct_get(const ct_tensor *t, const int64_t *index);
/* ct_item / ct_get as exact int64 (2^53 + 1 stays 2^53 + 1; floats truncate toward zero);
 * errors as theirs, returning 0 (check ct_last_error). */
int64_t ct_item_int64(const ct_tensor *t);
int64_t ct_get_int64(const ct_tensor *t, const int64_t *index);
/* t[index] = value, converted to t's dtype. Like PyTorch's indexed write under autograd: a
 * leaf that requires grad is refused, a tensor with history records CopySlices. 0 or -1. */
int ct_set(ct_tensor *t, const int64_t *index, double value);
/* Tensor.flatten().tolist() as doubles, row-major; -1 if numel > cap. Returns the count. */
int64_t ct_to_doubles(const ct_tensor *t, double *out, int64_t cap);

/* ---- creation ---------------------------------------------------------------------- */
typedef struct ct_tensor_opts {
  ct_dtype dtype;     /* CT_DTYPE_UNSET: PyTorch's choice: the default float dtype, int64 for
                       * randint/randperm/integral arange, the input's for *_like */
  bool requires_grad; /* default false */
  ct_generator *generator; /* random functions: NULL = the default generator */
} ct_tensor_opts;
#define CT_TENSOR_OPTS(...) CT_OPTS(ct_tensor_opts, .dtype = CT_DTYPE_UNSET, __VA_ARGS__)

/* torch.tensor(data): copies ndim/shape elements of dtype from data. */
ct_tensor *ct_tensor_from(const void *data, ct_dtype dtype, int ndim, const int64_t *shape);
/* torch.from_numpy-like: wraps memory the caller keeps alive (not freed by ctorch). */
ct_tensor *ct_from_blob(void *data, ct_dtype dtype, int ndim, const int64_t *shape);
/* 0-dim tensor; ct_scalar_tensor makes a float (default dtype) number. */
ct_tensor *ct_scalar_tensor(double v, ct_dtype dtype);
/* A Python number as an operand: takes part in type promotion as a wrapped scalar
 * (int tensor * 2.5 -> float32, float32 tensor * 2.0 -> float32). */
/* Python float operand (0-dim float64 marked as a wrapped number). */
ct_tensor *ct_wrap_scalar(double v);
/* Python int operand (0-dim int64 marked as a wrapped number). */
ct_tensor *ct_wrap_int(int64_t v);

/* torch.empty(shape): uninitialised; default dtype unless .dtype is set. */
ct_tensor *ct_empty_ex(int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.zeros(shape); default dtype unless .dtype is set. */
ct_tensor *ct_zeros_ex(int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.ones(shape); default dtype unless .dtype is set. */
ct_tensor *ct_ones_ex(int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.full(shape, value): default dtype even for integral values (PyTorch infers). */
ct_tensor *ct_full_ex(int ndim, const int64_t *shape, double value, ct_tensor_opts o);
/* torch.rand(shape): uniform [0, 1), default dtype; bit-exact with PyTorch's CPU mt19937. */
ct_tensor *ct_rand_ex(int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.randn(shape): standard normal, default dtype; same numbers as PyTorch. */
ct_tensor *ct_randn_ex(int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.randint(low, high, shape): default dtype int64. */
ct_tensor *ct_randint_ex(int64_t low, int64_t high, int ndim, const int64_t *shape, ct_tensor_opts o);
/* torch.randperm(n): default dtype int64. */
ct_tensor *ct_randperm_ex(int64_t n, ct_tensor_opts o);
/* torch.arange(start, end, step): int64 when all three are integral, else default float. */
ct_tensor *ct_arange_ex(double start, double end, double step, ct_tensor_opts o);
/* torch.linspace(start, end, steps): default dtype; steps < 0 is an error. */
ct_tensor *ct_linspace_ex(double start, double end, int64_t steps, ct_tensor_opts o);
/* torch.eye(n, m): m < 0 means m = n (torch.eye(n)); default dtype. */
ct_tensor *ct_eye_ex(int64_t n, int64_t m, ct_tensor_opts o);
/* Each shaped macro takes CT_SHAPE(...) or "ndim, shape" then optional keyword options:
 * ct_zeros(CT_SHAPE(2, 3), .dtype = CT_FLOAT64, .requires_grad = true). The indirection
 * lets CT_SHAPE expand to its two arguments before they are counted. */
#define CT__SHAPED(fn, ndim, shape, ...) fn(ndim, shape, CT_TENSOR_OPTS(__VA_ARGS__))
#define CT__SHAPED_V(fn, ndim, shape, v, ...) fn(ndim, shape, v, CT_TENSOR_OPTS(__VA_ARGS__))
#define CT__RANDINT(lo, hi, ndim, shape, ...) ct_randint_ex(lo, hi, ndim, shape, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.empty(*shape, dtype=, requires_grad=). */
#define ct_empty(...) CT__SHAPED(ct_empty_ex, __VA_ARGS__)
/* torch.zeros(*shape, dtype=, requires_grad=). */
#define ct_zeros(...) CT__SHAPED(ct_zeros_ex, __VA_ARGS__)
/* torch.ones(*shape, dtype=, requires_grad=). */
#define ct_ones(...) CT__SHAPED(ct_ones_ex, __VA_ARGS__)
/* torch.full(shape, value, dtype=, requires_grad=): ct_full(CT_SHAPE(2, 3), 7.0). */
#define ct_full(...) CT__SHAPED_V(ct_full_ex, __VA_ARGS__)
/* torch.rand(*shape, dtype=, requires_grad=, generator=). */
#define ct_rand(...) CT__SHAPED(ct_rand_ex, __VA_ARGS__)
/* torch.randn(*shape, dtype=, requires_grad=, generator=). */
#define ct_randn(...) CT__SHAPED(ct_randn_ex, __VA_ARGS__)
/* torch.randint(low, high, shape, ...): ct_randint(0, 10, CT_SHAPE(3)); int64. */
#define ct_randint(...) CT__RANDINT(__VA_ARGS__)
/* torch.randperm(n, ...): int64 unless .dtype is set. */
#define ct_randperm(n, ...) ct_randperm_ex(n, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.arange(start, end, step, ...): all three arguments are required. */
#define ct_arange(start, end, step, ...) ct_arange_ex(start, end, step, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.linspace(start, end, steps, ...). */
#define ct_linspace(start, end, steps, ...) \
  ct_linspace_ex(start, end, steps, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.eye(n, m, ...): pass m = -1 for torch.eye(n). */
#define ct_eye(n, m, ...) ct_eye_ex(n, m, CT_TENSOR_OPTS(__VA_ARGS__))

/* *_like: same shape (and dtype unless .dtype is set). */
/* torch.empty_like(t): uninitialised. */
ct_tensor *ct_empty_like_ex(const ct_tensor *t, ct_tensor_opts o);
/* torch.zeros_like(t). */
ct_tensor *ct_zeros_like_ex(const ct_tensor *t, ct_tensor_opts o);
/* torch.ones_like(t). */
ct_tensor *ct_ones_like_ex(const ct_tensor *t, ct_tensor_opts o);
/* torch.full_like(t, v): v converted to the result dtype. */
ct_tensor *ct_full_like_ex(const ct_tensor *t, double v, ct_tensor_opts o);
/* torch.rand_like(t): floating dtypes only. */
ct_tensor *ct_rand_like_ex(const ct_tensor *t, ct_tensor_opts o);
/* torch.randn_like(t): floating dtypes only. */
ct_tensor *ct_randn_like_ex(const ct_tensor *t, ct_tensor_opts o);
/* torch.empty_like(t, ...). */
#define ct_empty_like(t, ...) ct_empty_like_ex(t, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.zeros_like(t, ...). */
#define ct_zeros_like(t, ...) ct_zeros_like_ex(t, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.ones_like(t, ...). */
#define ct_ones_like(t, ...) ct_ones_like_ex(t, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.full_like(t, v, ...). */
#define ct_full_like(t, v, ...) ct_full_like_ex(t, v, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.rand_like(t, ...). */
#define ct_rand_like(t, ...) ct_rand_like_ex(t, CT_TENSOR_OPTS(__VA_ARGS__))
/* torch.randn_like(t, ...). */
#define ct_randn_like(t, ...) ct_randn_like_ex(t, CT_TENSOR_OPTS(__VA_ARGS__))

/* ---- random -------------------------------------------------------------------------
 * The generator is PyTorch's CPU mt19937, so ct_manual_seed(s) + ct_rand/ct_randn give
 * the numbers torch.manual_seed(s) + torch.rand/torch.randn give. */
/* torch.manual_seed(seed): reseeds the default generator. */
void ct_manual_seed(uint64_t seed);
/* torch.Generator().manual_seed(seed); free with ct_generator_free. NULL on OOM. */
ct_generator *ct_generator_new(uint64_t seed);
/* Free a generator from ct_generator_new; NULL is ignored. */
void ct_generator_free(ct_generator *g);
/* Generator.manual_seed(seed). */
void ct_generator_manual_seed(ct_generator *g, uint64_t seed);
/* In-place fills (Tensor.uniform_ / normal_ / bernoulli_ / random_); gen NULL = default. */
/* Tensor.uniform_(from, to): floating dtypes; returns t (version bumped). */
ct_tensor *ct_uniform_(ct_tensor *t, double from, double to, ct_generator *gen);
/* Tensor.normal_(mean, std): floating dtypes, std >= 0; returns t. */
ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *gen);
/* Tensor.bernoulli_(p): p in [0, 1]; fills 0/1 in t's dtype; returns t. */
ct_tensor *ct_bernoulli_(ct_tensor *t, double p, ct_generator *gen);
/* torch.bernoulli(probs): floating probs in [0, 1]; same dtype, no grad. */
ct_tensor *ct_bernoulli(const ct_tensor *probs, ct_generator *gen);

/* ---- printing ---------------------------------------------------------------------- */
/* PyTorch's repr: "tensor([[ 0.1399, -0.7069]], grad_fn=<AddBackward0>)". The returned
 * string is malloc'd; free() it. */
char *ct_to_string(const ct_tensor *t);
/* torch.set_printoptions(precision, threshold, edgeitems, linewidth, profile, sci_mode):
 * process-wide, like PyTorch's. Options left out keep their value; a profile ("default",
 * "short", "full") is applied first; sci_mode is set on every call, as in PyTorch, where
 * leaving it out (None) means automatic. 0 or -1 (a negative precision is "unchanged").
 *   ct_set_printoptions(.precision = 2);  ct_set_printoptions(.profile = "default"); */
typedef enum ct_sci_mode { CT_SCI_AUTO = 0, CT_SCI_ON, CT_SCI_OFF } ct_sci_mode;
typedef struct ct_printoptions {
  int precision;        /* digits after the point (4) */
  double threshold;     /* more elements than this are summarized with "..." (1000; INFINITY: never) */
  int edgeitems;        /* items shown at each end of a summarized dim (3) */
  int linewidth;        /* characters per line (80) */
  const char *profile;  /* NULL, "default", "short" or "full" */
  ct_sci_mode sci_mode; /* scientific notation: automatic, always or never */
} ct_printoptions;
int ct_set_printoptions_ex(ct_printoptions o);
#define ct_set_printoptions(...)                                                               \
  ct_set_printoptions_ex(CT_OPTS(ct_printoptions, .precision = -1, .threshold = -1,             \
                                 .edgeitems = -1, .linewidth = -1, __VA_ARGS__))
/* The current print options (profile NULL). */
ct_printoptions ct_get_printoptions(void);
/* print(t) followed by a newline, to stdout. */
void ct_print(const ct_tensor *t);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
