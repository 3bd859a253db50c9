/* torch.optim in C: optimizers with param groups, their state and its save / load, the LR
 * schedulers, and gradient clipping.
 *
 * An optimizer holds param groups; each group is a list of parameters (retained) and its
 * options, PyTorch's param_groups[g] dict: "lr", "momentum", "betas" (a pair), ... . A group
 * added later takes the optimizer's defaults for the options it does not give, as in PyTorch.
 * step() runs under no-grad and updates the parameters in place (their version counters move
 * as in PyTorch); a parameter whose .grad is None is skipped.
 *
 *   ct_optim *o = ct_optim_sgd(params, n, .lr = 0.01, .momentum = 0.9);
 *   ct_optim_add_param_group(o, head, nh, &CT_VALUES(ct_v_kw("lr", ct_v_float(1e-3))));
 *   for (...) { ct_optim_zero_grad(o, true); ct_backward(loss(...)); ct_optim_step(o); }
 *   ct_optim_free(o);
 *
 * Every optimizer is also built by its PyTorch class name and keywords (the parity cases, the
 * command line, JSON): ct_optim_create("Adam", params, n, &CT_VALUES(ct_v_kw("lr", ...))). */
#ifndef CTORCH_OPTIM_H
#define CTORCH_OPTIM_H

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

typedef struct ct_optim ct_optim;

/* ---- building ------------------------------------------------------------------------------ */
/* torch.optim.<name>(params, **kwargs): name is PyTorch's class name ("SGD", "Adam", ...),
 * kwargs its keywords (ct_values with keys; a pair such as betas is a 2-tuple; NULL: none).
 * The parameters are retained (the optimizer releases them when freed). NULL + PyTorch's
 * message on an unknown name or keyword, an invalid value ("Invalid learning rate: -1.0"), an
 * empty list ("optimizer got an empty parameter list"), a parameter given twice, or one that
 * is not a leaf ("can't optimize a non-leaf Tensor"). */
ct_optim *ct_optim_create(const char *name, ct_tensor *const *params, int n, const ct_values *kwargs);
/* optimizer.add_param_group({'params': params, **options}): the options not given take the
 * optimizer's defaults. 0, or -1 + PyTorch's message ("some parameters appear in more than
 * one parameter group") with nothing changed. */
int ct_optim_add_param_group(ct_optim *o, ct_tensor *const *params, int n, const ct_values *options);
/* Frees the optimizer, its state, and releases its parameters; NULL is ignored. */
void ct_optim_free(ct_optim *o);
/* The class name ("Adam"). */
const char *ct_optim_name(const ct_optim *o);

/* ---- stepping ------------------------------------------------------------------------------ */
/* optimizer.step(): 0 or -1 (+ error; parameters unchanged on a validation error). */
int ct_optim_step(ct_optim *o);
/* optimizer.step(closure): the closure re-evaluates the model (zero_grad, forward, backward)
 * and returns the loss (a tensor in the current scope, or NULL to fail the step). LBFGS calls
 * it several times; the others once, before updating. Returns the first loss the closure gave
 * (in the current scope), NULL on error. */
typedef ct_tensor *(*ct_optim_closure)(void *user);
ct_tensor *ct_optim_step_closure(ct_optim *o, ct_optim_closure closure, void *user);
/* optimizer.zero_grad(set_to_none): PyTorch 1.13's default is set_to_none=False. 0 or -1. */
int ct_optim_zero_grad(ct_optim *o, bool set_to_none);

/* ---- param groups: optimizer.param_groups[g][key] ------------------------------------------- */
int ct_optim_num_groups(const ct_optim *o);
/* len(param_groups[g]['params']) and its i-th parameter (borrowed); -1 / NULL out of range. */
int ct_optim_group_size(const ct_optim *o, int g);
ct_tensor *ct_optim_group_param(const ct_optim *o, int g, int i);
/* param_groups[g][key] as a number (bool: 0 / 1; a pair: its first element); NaN + error when
 * the group has no such numeric option. */
double ct_optim_get(const ct_optim *o, int g, const char *key);
/* Element idx of a pair option (betas[1]); NaN + error when absent or idx out of range. */
double ct_optim_get_at(const ct_optim *o, int g, const char *key, int idx);
/* Whether param_groups[g] has key. */
bool ct_optim_has(const ct_optim *o, int g, const char *key);
/* param_groups[g][key] = v (a new key is added: the schedulers' "initial_lr"); 0 or -1. */
int ct_optim_set(ct_optim *o, int g, const char *key, double v);
/* param_groups[g][key][idx] = v for a pair option (OneCycleLR cycling betas[0]); 0 or -1. */
int ct_optim_set_at(ct_optim *o, int g, const char *key, int idx, double v);

/* ---- state --------------------------------------------------------------------------------- */
/* optimizer.state[param][key] (borrowed; "exp_avg", "momentum_buffer", "step" ...): NULL when
 * absent (no error recorded). */
ct_tensor *ct_optim_state(const ct_optim *o, const ct_tensor *param, const char *key);
/* optimizer.state_dict() as a tensor map: tensors under "state.<i>.<key>" (i: the parameter's
 * index counted across groups, as PyTorch numbers them), the param_groups (options and
 * parameter indices) as JSON in the metadata key "param_groups", non-tensor state as metadata.
 * Free it with ct_tensor_map_free; NULL on error. */
ct_tensor_map *ct_optim_state_dict(const ct_optim *o);
/* optimizer.load_state_dict(sd): PyTorch's checks ("loaded state dict contains a parameter
 * group that doesn't match the size of optimizer's group", ...), nothing changed on failure;
 * state tensors are copied (cast to each parameter's dtype as PyTorch does). 0 or -1. */
int ct_optim_load_state_dict(ct_optim *o, const ct_tensor_map *sd);
/* The state_dict to / from a safetensors file (the metadata carries the groups). 0 or -1. */
int ct_optim_save(const ct_optim *o, const char *path);
int ct_optim_load(ct_optim *o, const char *path);

/* ---- optim-core: typed constructors (SGD, Adam, AdamW) -------------------------------------
 * The class's keywords as an options struct with PyTorch 1.13's defaults:
 *   ct_optim *o = ct_optim_adam(params, n, .lr = 1e-2, .betas = {0.9, 0.99}, .amsgrad = true);
 * SGD's lr has no default (1.13): leaving it out is PyTorch's error. Same errors as
 * ct_optim_create. */
typedef struct ct_sgd_opts {
  double lr; /* required: NaN (the default) is "not given" */
  double momentum, dampening, weight_decay;
  bool nesterov, maximize;
} ct_sgd_opts;
ct_optim *ct_optim_sgd_ex(ct_tensor *const *params, int n, ct_sgd_opts o);
#define ct_optim_sgd(params, n, ...) \
  ct_optim_sgd_ex(params, n, CT_OPTS(ct_sgd_opts, .lr = __builtin_nan(""), __VA_ARGS__))
typedef struct ct_adam_opts {
  double lr;
  double betas[2];
  double eps, weight_decay;
  bool amsgrad, maximize;
} ct_adam_opts;
/* torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
 * maximize=False) */
ct_optim *ct_optim_adam_ex(ct_tensor *const *params, int n, ct_adam_opts o);
#define ct_optim_adam(params, n, ...)                                                            \
  ct_optim_adam_ex(params, n, CT_OPTS(ct_adam_opts, .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, \
                                      __VA_ARGS__))
/* torch.optim.AdamW: Adam's keywords, weight_decay=1e-2 (decoupled). */
ct_optim *ct_optim_adamw_ex(ct_tensor *const *params, int n, ct_adam_opts o);
#define ct_optim_adamw(params, n, ...)                                                            \
  ct_optim_adamw_ex(params, n, CT_OPTS(ct_adam_opts, .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, \
                                       .weight_decay = 1e-2, __VA_ARGS__))

/* ---- optim-more: RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD, SparseAdam,
 * LBFGS as typed constructors: ct_optim_rmsprop(params, n, .lr = 0.01, .centered = true). Each
 * is ct_optim_create(<class name>, params, n, keywords) with PyTorch 1.13's defaults; NULL +
 * PyTorch's message on an invalid value. ---- */
typedef struct ct_rmsprop_opts {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
} ct_rmsprop_opts;
ct_optim *ct_optim_rmsprop_ex(ct_tensor *const *params, int n, ct_rmsprop_opts o);
#define ct_optim_rmsprop(params, n, ...)                                                   \
  ct_optim_rmsprop_ex(params, n, CT_OPTS(ct_rmsprop_opts, .lr = 1e-2, .alpha = 0.99, .eps = 1e-8, __VA_ARGS__))

typedef struct ct_adagrad_opts {
  double lr, lr_decay, weight_decay, initial_accumulator_value, eps;
  bool maximize;
} ct_adagrad_opts;
ct_optim *ct_optim_adagrad_ex(ct_tensor *const *params, int n, ct_adagrad_opts o);
#define ct_optim_adagrad(params, n, ...) \
  ct_optim_adagrad_ex(params, n, CT_OPTS(ct_adagrad_opts, .lr = 1e-2, .eps = 1e-10, __VA_ARGS__))

typedef struct ct_adadelta_opts {
  double lr, rho, eps, weight_decay;
  bool maximize;
} ct_adadelta_opts;
ct_optim *ct_optim_adadelta_ex(ct_tensor *const *params, int n, ct_adadelta_opts o);
#define ct_optim_adadelta(params, n, ...) \
  ct_optim_adadelta_ex(params, n, CT_OPTS(ct_adadelta_opts, .lr = 1.0, .rho = 0.9, .eps = 1e-6, __VA_ARGS__))

/* Adamax (maximize), NAdam (momentum_decay), RAdam: Adam's betas / eps / weight_decay. */
typedef struct ct_adamax_opts {
  double lr, betas[2], eps, weight_decay;
  bool maximize;
} ct_adamax_opts;
ct_optim *ct_optim_adamax_ex(ct_tensor *const *params, int n, ct_adamax_opts o);
#define ct_optim_adamax(params, n, ...)                                                       \
  ct_optim_adamax_ex(params, n, CT_OPTS(ct_adamax_opts, .lr = 2e-3, .betas = {0.9, 0.999}, .eps = 1e-8, \
                                        __VA_ARGS__))
typedef struct ct_nadam_opts {
  double lr, betas[2], eps, weight_decay, momentum_decay;
} ct_nadam_opts;
ct_optim *ct_optim_nadam_ex(ct_tensor *const *params, int n, ct_nadam_opts o);
#define ct_optim_nadam(params, n, ...)                                                        \
  ct_optim_nadam_ex(params, n, CT_OPTS(ct_nadam_opts, .lr = 2e-3, .betas = {0.9, 0.999}, .eps = 1e-8, \
                                       .momentum_decay = 4e-3, __VA_ARGS__))
typedef struct ct_radam_opts {
  double lr, betas[2], eps, weight_decay;
} ct_radam_opts;
ct_optim *ct_optim_radam_ex(ct_tensor *const *params, int n, ct_radam_opts o);
#define ct_optim_radam(params, n, ...)                                                        \
  ct_optim_radam_ex(params, n, CT_OPTS(ct_radam_opts, .lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, \
                                       __VA_ARGS__))

typedef struct ct_rprop_opts {
  double lr, etas[2], step_sizes[2];
  bool maximize;
} ct_rprop_opts;
ct_optim *ct_optim_rprop_ex(ct_tensor *const *params, int n, ct_rprop_opts o);
#define ct_optim_rprop(params, n, ...)                                                        \
  ct_optim_rprop_ex(params, n, CT_OPTS(ct_rprop_opts, .lr = 1e-2, .etas = {0.5, 1.2},         \
                                       .step_sizes = {1e-6, 50}, __VA_ARGS__))

typedef struct ct_asgd_opts {
  double lr, lambd, alpha, t0, weight_decay;
  bool maximize;
} ct_asgd_opts;
ct_optim *ct_optim_asgd_ex(ct_tensor *const *params, int n, ct_asgd_opts o);
#define ct_optim_asgd(params, n, ...)                                                         \
  ct_optim_asgd_ex(params, n, CT_OPTS(ct_asgd_opts, .lr = 1e-2, .lambd = 1e-4, .alpha = 0.75, \
                                      .t0 = 1e6, __VA_ARGS__))

/* SparseAdam: steps on sparse gradients (Embedding(sparse=True)); a dense one raises
 * PyTorch 1.13's "SparseAdam does not support dense gradients, please consider Adam instead".
 * SGD and Adagrad take sparse gradients too; the other optimizers raise "<Name> does not
 * support sparse gradients". */
typedef struct ct_sparse_adam_opts {
  double lr, betas[2], eps;
  bool maximize;
} ct_sparse_adam_opts;
ct_optim *ct_optim_sparse_adam_ex(ct_tensor *const *params, int n, ct_sparse_adam_opts o);
#define ct_optim_sparse_adam(params, n, ...)                                                  \
  ct_optim_sparse_adam_ex(params, n, CT_OPTS(ct_sparse_adam_opts, .lr = 1e-3, .betas = {0.9, 0.999}, \
                                             .eps = 1e-8, __VA_ARGS__))

/* LBFGS: step with ct_optim_step_closure (the closure re-evaluates the loss and its gradients);
 * max_eval -1 means None (max_iter * 5 // 4), line_search_fn NULL None or "strong_wolfe". One
 * param group only, as in PyTorch. */
typedef struct ct_lbfgs_opts {
  double lr;
  int64_t max_iter, max_eval;
  double tolerance_grad, tolerance_change;
  int64_t history_size;
  const char *line_search_fn;
} ct_lbfgs_opts;
ct_optim *ct_optim_lbfgs_ex(ct_tensor *const *params, int n, ct_lbfgs_opts o);
#define ct_optim_lbfgs(params, n, ...)                                                        \
  ct_optim_lbfgs_ex(params, n, CT_OPTS(ct_lbfgs_opts, .lr = 1, .max_iter = 20, .max_eval = -1,   \
                                       .tolerance_grad = 1e-7, .tolerance_change = 1e-9,      \
                                       .history_size = 100, __VA_ARGS__))

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
