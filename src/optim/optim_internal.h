/* The optim layer's kit: how an optimizer kind plugs into the common machinery (optim.c:
 * param groups, options, per-parameter state, state_dict, zero_grad, by-name building).
 * Like nn, optim works through the public API (plus the error kit); one file per optimizer. */
#ifndef CT_OPTIM_INTERNAL_H
#define CT_OPTIM_INTERNAL_H

#include "ctorch.h"
#include "ctorch/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tensor/error.h" /* ct__err: PyTorch-worded messages */

/* The type of an option in a param group (PyTorch's defaults dict). */
typedef enum optim_opt_type {
  OPTIM_NUM,      /* a float or int: lr, momentum, weight_decay, ... */
  OPTIM_BOOL,     /* nesterov, amsgrad, maximize, ... */
  OPTIM_PAIR,     /* betas, etas, step_sizes */
  OPTIM_STR,      /* LBFGS's line_search_fn ("strong_wolfe"; "" for None) */
  OPTIM_REQUIRED, /* a number with no default (1.13's SGD lr): missing is an error */
  OPTIM_NONE_NUM  /* a number whose default is None (LBFGS's max_eval): NaN until given */
} optim_opt_type;

/* One option of a kind, in the constructor's keyword order (after params). */
typedef struct optim_option {
  const char *name;
  optim_opt_type type;
  double def[2]; /* the default (a pair uses both) */
  const char *sdef; /* OPTIM_STR's default */
} optim_option;

/* An optimizer kind: one static table entry per torch.optim class (registry in optim.c). */
typedef struct optim_kind {
  const char *name; /* PyTorch's class name: "Adam" */
  const optim_option *options;
  int n_options;
  /* The constructor's checks on group g's options, PyTorch's messages ("Invalid learning
   * rate: -1.0", "Invalid beta parameter at index 0: 1.0", "Nesterov momentum requires a
   * momentum and zero dampening"); 0 or -1. Run for the defaults and every added group. */
  int (*validate)(const ct_optim *o, int g);
  /* Updates group g's parameters that have a .grad (called under no-grad, groups in order);
   * 0 or -1 + error. */
  int (*step_group)(ct_optim *o, int g);
  /* Optional: the whole step(closure) for optimizers that re-evaluate (LBFGS); when NULL, the
   * common code calls the closure once (under grad mode) and then step_group per group. */
  ct_tensor *(*step_closure)(ct_optim *o, ct_optim_closure closure, void *user);
} optim_kind;

/* The kinds, by class name (NULL when unknown). */
const optim_kind *optim_find_kind(const char *name);

/* Group g's option key as a number (a pair: element idx), for step code: no error path, the
 * kind's validate has checked it. */
double optim_num(const ct_optim *o, int g, const char *key);
double optim_pair(const ct_optim *o, int g, const char *key, int idx);
bool optim_bool(const ct_optim *o, int g, const char *key);
const char *optim_str(const ct_optim *o, int g, const char *key);

/* Per-parameter state, optimizer.state[p][key]: get (borrowed, NULL when absent) and set
 * (retains t, replacing an old value). A state tensor is what PyTorch 1.13 stores (Adam's
 * "step" is a float32 0-dim tensor, "exp_avg" a zeros_like(p)) so state_dict matches. */
ct_tensor *optim_state_get(const ct_optim *o, const ct_tensor *p, const char *key);
int optim_state_set(ct_optim *o, const ct_tensor *p, const char *key, ct_tensor *t);
/* Optimizer-wide state that is not per parameter (LBFGS keeps its history in
 * state[params[0]] in PyTorch: use the first parameter with the functions above). */

/* The kind behind an optimizer. */
const optim_kind *optim_kind_of(const ct_optim *o);

/* ---- added by optim-core ---- */
/* The readers above also take g = -1: the optimizer's defaults (validate runs on them first). */
/* Records "<prefix>: <value>" with the value as Python prints it (an int as "-1", a float as
 * "-1.0" or "1e-05", a pair element idx alone) and returns -1: PyTorch's constructor checks,
 * e.g. optim_invalid(o, g, "Invalid learning rate", "lr", 0) -> "Invalid learning rate: -1.0". */
int optim_invalid(const ct_optim *o, int g, const char *prefix, const char *key, int idx);
/* Whether the fused single-pass kernels may run (default yes; CT_OPTIM_FUSED=0 in the
 * environment selects the reference path composed of tensor ops, read at every step). */
bool optim_fused_enabled(void);

#endif
