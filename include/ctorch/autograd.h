/* ctorch autograd: requires_grad, backward, torch.autograd.grad, grad mode, custom
 * functions and gradcheck. Backward formulas are built from differentiable ops, so
 * create_graph gives higher-order gradients. */
#ifndef CTORCH_AUTOGRAD_H
#define CTORCH_AUTOGRAD_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* Tensor.requires_grad_(flag): only leaves may change it; returns t or NULL. */
ct_tensor *ct_requires_grad_(ct_tensor *t, bool requires_grad);
/* Tensor.requires_grad; false for NULL. */
bool ct_requires_grad(const ct_tensor *t);
/* A leaf has no grad_fn (created by the user, or requires_grad false). */
bool ct_is_leaf(const ct_tensor *t);
/* Tensor.grad: borrowed (owned by t, valid until t's grad changes); NULL when None. */
ct_tensor *ct_grad(const ct_tensor *t);
/* Tensor.grad = g (NULL sets None); g must match t's shape and dtype. */
int ct_set_grad(ct_tensor *t, ct_tensor *g);
/* grad_fn's name ("AddBackward0") or NULL for leaves. */
const char *ct_grad_fn_name(const ct_tensor *t);
/* Tensor.retain_grad(): keep .grad for a non-leaf. */
int ct_retain_grad(ct_tensor *t);
/* Tensor._version */
int64_t ct_version(const ct_tensor *t);
/* torch.autograd.graph.increment_version(t): marks t modified in place, for code that writes
 * its data directly (the fused optimizer kernels); NULL is ignored. */
void ct_increment_version(ct_tensor *t);

typedef struct ct_backward_opts {
  ct_tensor *gradient; /* NULL: implicit 1 for a scalar output */
  bool retain_graph;   /* default: create_graph */
  bool create_graph;
  /* inputs=: accumulate .grad only into these n_inputs tensors (leaves, or non-leaves, which
   * then retain their grad); NULL: every leaf. Pass an array variable: a compound literal
   * written inside the ct_backward(...) call ends with the option macro's block. */
  ct_tensor *const *inputs;
  int n_inputs;
} ct_backward_opts;
/* Tensor.backward(gradient, retain_graph, create_graph, inputs): 0 or -1 */
int ct_backward_ex(ct_tensor *t, ct_backward_opts o);
/* t.backward(gradient=, retain_graph=, create_graph=): ct_backward(loss); 0 or -1. */
#define ct_backward(t, ...) ct_backward_ex(t, CT_OPTS(ct_backward_opts, .gradient = NULL, __VA_ARGS__))

/* torch.autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
 * allow_unused): writes n_in gradients (scope-owned; NULL for unused) into result.
 * grad_outputs may be NULL (all implicit) or hold NULL entries. retain_graph < 0 means
 * "default" (= create_graph). Returns 0 or -1. */
int ct_autograd_grad(ct_tensor *const *outputs, int n_out, ct_tensor *const *inputs, int n_in,
                     ct_tensor *const *grad_outputs, bool create_graph, int retain_graph,
                     bool allow_unused, ct_tensor **result);

/* ---- tensor hooks ------------------------------------------------------------------ */
/* A hook on the gradient of a tensor (Tensor.register_hook(hook)): called during backward
 * with the tensor's complete gradient (borrowed); set *replace to a tensor of the same shape
 * and dtype to change it (what `return new_grad` does in Python; a scope-owned result of an
 * op is fine, the engine keeps its own reference) or leave it NULL (`return None`). Returns
 * 0, or -1 to fail the backward (record a message with ct_set_error). It runs under the
 * backward's grad mode (on with create_graph). As in PyTorch 1.13, hooks run in
 * registration order, retain_grad sees the gradient as changed by the hooks registered
 * before it, and torch.autograd.grad returns the gradient before any hook. */
typedef int (*ct_grad_hook_fn)(ct_tensor *grad, ct_tensor **replace, void *user);
/* RemovableHandle of a tensor hook. */
typedef struct ct_tensor_hook ct_tensor_hook;
/* t.register_hook(fn): 0 or -1 ("cannot register a hook on a tensor that doesn't require
 * gradient"). With handle != NULL, *handle gets the hook's handle, which must be passed to
 * ct_tensor_hook_remove once (the hook then stops; ct_tensor_hook_remove frees the handle);
 * with NULL the hook lives as long as the graph node it hangs on. */
int ct_register_hook(ct_tensor *t, ct_grad_hook_fn fn, void *user, ct_tensor_hook **handle);
/* handle.remove(): the hook no longer runs; frees the handle. NULL is ignored. */
void ct_tensor_hook_remove(ct_tensor_hook *h);
/* Tensor.retains_grad: true for a non-leaf after ct_retain_grad (or backward(inputs=) on it). */
bool ct_retains_grad(const ct_tensor *t);

/* Grad mode (torch.no_grad / enable_grad / set_grad_enabled): returns the previous mode. */
bool ct_set_grad_enabled(bool enabled);
/* torch.is_grad_enabled(). */
bool ct_is_grad_enabled(void);
/* CT_NO_GRAD { ... }  and  CT_ENABLE_GRAD { ... }: scoped grad mode (do not `break` or
 * `return` out of the block, the previous mode would not be restored). */
#define CT__GRAD_MODE(on)                                                                    \
  for (int ct__gm_prev = ct_set_grad_enabled(on), ct__gm_once = 1; ct__gm_once;              \
       ct_set_grad_enabled(ct__gm_prev), ct__gm_once = 0)
#define CT_NO_GRAD CT__GRAD_MODE(false)
#define CT_ENABLE_GRAD CT__GRAD_MODE(true)

/* Anomaly mode (torch.autograd.set_detect_anomaly(mode)): while on, each graph node
 * records where its forward ran (a backtrace), backward checks every gradient a node
 * returns for NaN ("Function 'MulBackward0' returned nan values in its 0th output."), and a
 * node whose backward fails is reported on stderr, "Error detected in MulBackward0.
 * Traceback of forward call that caused the error: ...", before the error returns (or the
 * error handler / abort mode acts). Slows every op: for debugging. Process-wide; returns
 * the previous mode. Frames are named when the program exports its symbols (-rdynamic)
 * or with addr2line on a debug build. */
bool ct_set_detect_anomaly(bool enabled);
/* torch.is_anomaly_enabled() */
bool ct_is_anomaly_enabled(void);
/* The last report of a failed backward under anomaly mode in this thread, or NULL. */
const char *ct_anomaly_report(void);
/* CT_DETECT_ANOMALY { ... }: anomaly mode inside the block (torch.autograd.detect_anomaly);
 * the same rule as CT_NO_GRAD about leaving the block. */
#define CT_DETECT_ANOMALY                                                                     \
  for (int ct__am_prev = ct_set_detect_anomaly(true), ct__am_once = 1; ct__am_once;          \
       ct_set_detect_anomaly(ct__am_prev), ct__am_once = 0)

/* ---- custom functions (torch.autograd.Function) ------------------------------------ */
typedef struct ct_function_ctx ct_function_ctx;
/* forward: compute outputs[0..n_out) from inputs (runs under no-grad); may save tensors. */
typedef int (*ct_function_forward)(ct_function_ctx *ctx, ct_tensor *const *inputs, int n_in,
                                   ct_tensor **outputs, int n_out);
/* backward: grad_inputs[i] for each input (NULL for none) from grad_outputs. */
typedef int (*ct_function_backward)(ct_function_ctx *ctx, ct_tensor *const *grad_outputs,
                                    int n_out, ct_tensor **grad_inputs, int n_in);
typedef struct ct_function {
  const char *name; /* grad_fn name, e.g. "CustomSigmoidBackward" */
  ct_function_forward forward;
  ct_function_backward backward;
  int n_outputs; /* 1 if 0 */
} ct_function;
/* ctx.save_for_backward(t), from forward; call it once per tensor, as many times as needed
 * (ct_ctx_saved(ctx, i) numbers them in call order). 0 or -1. */
int ct_ctx_save_for_backward(ct_function_ctx *ctx, ct_tensor *t);
/* ctx.saved_tensors[i] (borrowed); NULL + message if modified in place since saved. */
ct_tensor *ct_ctx_saved(ct_function_ctx *ctx, int i);
/* Per-call user data (ctx.attr = ...), freed with free() when the graph goes. */
void *ct_ctx_alloc(ct_function_ctx *ctx, size_t bytes);
/* The buffer from ct_ctx_alloc (ctx.attr in backward); NULL when none. */
void *ct_ctx_data(ct_function_ctx *ctx);
/* ctx.needs_input_grad[i]: input i requires grad (and grad mode was on at apply). Valid in
 * forward and backward; false for an index out of range. */
bool ct_ctx_needs_input_grad(const ct_function_ctx *ctx, int i);
/* ctx.mark_non_differentiable(t), from forward (at most 6): output t gets no history (requires_grad
 * false) and backward receives zeros for it. 0 or -1. */
int ct_ctx_mark_non_differentiable(ct_function_ctx *ctx, ct_tensor *t);
/* Function.apply(inputs...): outputs written to outputs[]; returns 0 or -1. */
int ct_function_apply(const ct_function *fn, ct_tensor *const *inputs, int n_in,
                      ct_tensor **outputs);

/* ---- gradcheck --------------------------------------------------------------------- */
/* The function under test: outputs[0..n_out) from inputs; returns 0 or -1. */
typedef int (*ct_fn)(ct_tensor *const *inputs, int n_in, ct_tensor **outputs, int n_out,
                     void *user);
typedef struct ct_gradcheck_opts {
  double eps, atol, rtol; /* 1e-6, 1e-5, 1e-3 */
  int n_outputs;          /* 1 */
  void *user;
  bool quiet;             /* false: print the mismatch like PyTorch's message */
} ct_gradcheck_opts;
#define CT_GRADCHECK_OPTS(...) \
  CT_OPTS(ct_gradcheck_opts, .eps = 1e-6, .atol = 1e-5, .rtol = 1e-3, .n_outputs = 1, __VA_ARGS__)
/* torch.autograd.gradcheck: float64 inputs that require grad; true when analytical and
 * numerical Jacobians agree. */
bool ct_gradcheck_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_gradcheck_opts o);
/* torch.autograd.gradgradcheck: checks the gradients of the gradients. */
bool ct_gradgradcheck_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_gradcheck_opts o);
/* torch.autograd.gradcheck(fn, inputs, eps=, atol=, rtol=, ...) with .user, .quiet:
 * ct_gradcheck(fn, inputs, n_in, ...) or ct_gradcheck(fn, CT_TENSORS(x, b), ...). The
 * indirection lets CT_TENSORS expand to its two arguments before they are counted. */
#define ct_gradcheck(fn, ...) CT__GRADCHECK(ct_gradcheck_ex, fn, __VA_ARGS__)
/* torch.autograd.gradgradcheck(fn, inputs, ...): same arguments and options as ct_gradcheck. */
#define ct_gradgradcheck(fn, ...) CT__GRADCHECK(ct_gradgradcheck_ex, fn, __VA_ARGS__)
#define CT__GRADCHECK(f, fn, inputs, n_in, ...) f(fn, inputs, n_in, CT_GRADCHECK_OPTS(__VA_ARGS__))

/* ---- torch.autograd.functional --------------------------------------------------------
 * fn computes its n_outputs outputs from the inputs (the ct_fn of gradcheck). Results are
 * owned by the caller's scope; without create_graph they carry no graph. Inputs are not
 * changed (the function sees fresh leaves, or views keeping the inputs' graph under
 * create_graph). strict, create_graph and the error messages are PyTorch's. */
typedef struct ct_functional_opts {
  void *user;        /* fn's user pointer */
  int n_outputs;     /* how many tensors fn returns (1); vjp/jvp/jacobian only */
  bool create_graph; /* results differentiable (higher order) */
  bool strict;       /* an output independent of an input is an error, not zeros */
  bool vectorize;    /* accepted; the rows are computed one by one either way (same numbers) */
} ct_functional_opts;
#define CT_FUNCTIONAL_OPTS(...) CT_OPTS(ct_functional_opts, .n_outputs = 1, __VA_ARGS__)
/* jacobian(func, inputs, create_graph, strict, vectorize): jac[i * n_in + j] = d output_i /
 * d input_j, shaped output_i.shape + input_j.shape. 0 or -1. */
int ct_jacobian_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor **jac, ct_functional_opts o);
#define ct_jacobian(fn, inputs, n_in, jac, ...) \
  ct_jacobian_ex(fn, inputs, n_in, jac, CT_FUNCTIONAL_OPTS(__VA_ARGS__))
/* hessian(func, inputs, ...): fn returns one one-element tensor; hess[i * n_in + j] =
 * d2 f / d input_i d input_j, shaped input_i.shape + input_j.shape. */
int ct_hessian_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor **hess, ct_functional_opts o);
#define ct_hessian(fn, inputs, n_in, hess, ...) \
  ct_hessian_ex(fn, inputs, n_in, hess, CT_FUNCTIONAL_OPTS(__VA_ARGS__))
/* vjp(func, inputs, v): outputs[n_outputs] = func(inputs), vjp[n_in] = v^T J. v holds
 * n_outputs tensors shaped like the outputs, or is NULL for one one-element output. */
int ct_vjp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **outputs,
              ct_tensor **vjp, ct_functional_opts o);
#define ct_vjp(fn, inputs, n_in, v, outputs, vjp, ...) \
  ct_vjp_ex(fn, inputs, n_in, v, outputs, vjp, CT_FUNCTIONAL_OPTS(__VA_ARGS__))
/* jvp(func, inputs, v): outputs[n_outputs] = func(inputs), jvp[n_outputs] = J v. v holds
 * n_in tensors shaped like the inputs, or is NULL for one one-element input. */
int ct_jvp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **outputs,
              ct_tensor **jvp, ct_functional_opts o);
#define ct_jvp(fn, inputs, n_in, v, outputs, jvp, ...) \
  ct_jvp_ex(fn, inputs, n_in, v, outputs, jvp, CT_FUNCTIONAL_OPTS(__VA_ARGS__))
/* vhp(func, inputs, v) / hvp(func, inputs, v): fn returns one one-element tensor; *output =
 * func(inputs), result[n_in] = v^T H (vhp) or H v (hvp). */
int ct_vhp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **output,
              ct_tensor **vhp, ct_functional_opts o);
#define ct_vhp(fn, inputs, n_in, v, output, vhp, ...) \
  ct_vhp_ex(fn, inputs, n_in, v, output, vhp, CT_FUNCTIONAL_OPTS(__VA_ARGS__))
int ct_hvp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **output,
              ct_tensor **hvp, ct_functional_opts o);
#define ct_hvp(fn, inputs, n_in, v, output, hvp, ...) \
  ct_hvp_ex(fn, inputs, n_in, v, output, hvp, CT_FUNCTIONAL_OPTS(__VA_ARGS__))

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
