/* optim-more's shared pieces (more_util.c): the fused PyTorch ops the single-tensor
 * algorithms use (addcmul_, addcdiv_, add_ with alpha) composed from ctorch's ops in the
 * order PyTorch's kernels evaluate them, state created on first use, and the constructors'
 * "Invalid ...: <repr>" messages. Call the op helpers inside a scope: their temporaries
 * belong to it. */
#ifndef CT_OPTIM_MORE_UTIL_H
#define CT_OPTIM_MORE_UTIL_H

#include "optim_internal.h"

/* self.addcmul_(a, b, value=v): self + v * a * b, left to right as PyTorch's kernel. */
ct_tensor *om_addcmul_(ct_tensor *self, const ct_tensor *a, const ct_tensor *b, double v);
/* self.addcdiv_(a, b, value=v): self + v * a / b. */
ct_tensor *om_addcdiv_(ct_tensor *self, const ct_tensor *a, const ct_tensor *b, double v);
/* self.add_(b, alpha=alpha): self + alpha * b. */
ct_tensor *om_add_alpha_(ct_tensor *self, const ct_tensor *b, double alpha);

/* The gradient as the algorithm sees it: -grad under maximize, then grad.add(param,
 * alpha=weight_decay) when weight_decay != 0 (scope-owned or borrowed). */
ct_tensor *om_grad(const ct_tensor *p, bool maximize, double weight_decay);

/* state[p][key]: the existing tensor, or a new zeros_like(p) (full_like(p, fill) for
 * om_state_full) stored first; NULL on error. */
ct_tensor *om_state_zeros(ct_optim *o, const ct_tensor *p, const char *key);
ct_tensor *om_state_full(ct_optim *o, const ct_tensor *p, const char *key, double fill);
/* state[p][key] as a 0-dim tensor of dtype dt starting at v: torch.tensor(0.) is float32, a
 * Python int step (RMSprop, Adadelta, Rprop) int64. */
ct_tensor *om_state_scalar(ct_optim *o, const ct_tensor *p, const char *key, double v, ct_dtype dt);
/* state[p]["step"] += 1 and its new value (a step kept as a 0-dim tensor); NaN on error. */
double om_step_inc(ct_tensor *step);

/* Runs fn(o, p, ctx) for each parameter of group g that has a .grad, in order, each inside its
 * own scope (its temporaries go when it returns); stops at the first -1. */
typedef int (*om_param_fn)(ct_optim *o, ct_tensor *p, const void *ctx);
int om_for_each(ct_optim *o, int g, om_param_fn fn, const void *ctx);

/* Keyword arguments for the typed constructors: key=v, key=True/False, key=(a, b). */
void om_kw_num(ct_values *kw, const char *key, double v);
void om_kw_bool(ct_values *kw, const char *key, bool v);
void om_kw_pair(ct_values *kw, const char *key, const double v[2]);

/* The constructors' checks: -1 + "<prefix>: <value as given>" (optim_invalid) unless ok. */
int om_check(const ct_optim *o, int g, bool ok, const char *prefix, const char *key, int idx);
/* Checks that are all "key >= 0" (1.13's "Invalid <what>: value"): a {key, prefix} table ended
 * by {NULL}, checked in order; 0 or -1 at the first that fails. */
typedef struct om_nonneg {
  const char *key, *prefix;
} om_nonneg;
int om_check_nonneg(const ct_optim *o, int g, const om_nonneg *checks);
/* Adamax / NAdam / RAdam's checks in their order: lr, eps, betas[0], betas[1], weight_decay
 * (adamax.c). */
int om_check_adam_family(const ct_optim *o, int g);
/* repr(float) of v into buf (Rprop's two-value message) (Python's shortest round-trip form: "1.0", "1e-08"). */
const char *om_repr(double v, char *buf, size_t n);

#endif
