/* torch.optim.lr_scheduler in C: every scheduler of PyTorch 1.13, giving its learning-rate
 * sequence (and momentum / Adam beta1 sequence where it cycles them) value for value.
 *
 *   ct_optim *o = ct_optim_sgd(params, n, .lr = 0.1, .momentum = 0.9);
 *   ct_lr_scheduler *s = ct_lr_step_lr(o, 30, .gamma = 0.1);     // StepLR(o, step_size=30)
 *   for (int epoch = 0; epoch < 100; epoch++) { train(o); ct_lr_scheduler_step(s); }
 *   ct_lr_scheduler_free(s);   // before the optimizer: a scheduler borrows it
 *   ct_optim_free(o);
 *
 * Naming: the typed constructor of torch.optim.lr_scheduler.<Class> is ct_lr_<class in
 * snake_case> (StepLR -> ct_lr_step_lr, CosineAnnealingWarmRestarts ->
 * ct_lr_cosine_annealing_warm_restarts, ReduceLROnPlateau -> ct_lr_reduce_lr_on_plateau); its
 * keywords are an options struct ct_<class>_opts with PyTorch's defaults, the macro filling
 * them and calling ct_lr_<class>_ex. Every scheduler is also built by its class name and
 * keywords (the parity runner, the command line): ct_lr_scheduler_create("StepLR", o, kwargs).
 *
 * Semantics kept from PyTorch 1.13: constructing a scheduler (other than ReduceLROnPlateau)
 * performs its initial step (last_epoch -1 -> 0) and sets param_groups[g]["initial_lr"] when it
 * is absent (PyTorch's setdefault); the chainable (recursive) form is used by step(), the closed
 * form by step(epoch) where PyTorch has one; CyclicLR / OneCycleLR write the groups' "momentum"
 * (or betas[0] for Adam-like optimizers) and OneCycleLR adds "max_lr", "min_lr",
 * "max_momentum", "base_momentum" to each group, as PyTorch does.
 * verbose is accepted and ignored (nothing is printed); PyTorch's warnings (stepping the
 * scheduler before the optimizer, the epoch argument's deprecation) are not emitted.
 *
 * Errors: NULL or -1 with PyTorch's message (ct_last_error), nothing changed. */
#ifndef CTORCH_LR_SCHEDULER_H
#define CTORCH_LR_SCHEDULER_H

#include "optim.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

typedef struct ct_lr_scheduler ct_lr_scheduler;

/* A per-group value (max_lr, base_momentum, min_lr ...): CT_LR_GROUPS(0.1) applies one value to
 * every group (PyTorch's scalar), CT_LR_GROUPS(0.1, 0.01) gives one per group (PyTorch's list:
 * its length must be the number of groups, else "expected 2 values for max_lr, got 3"). A zeroed
 * field (n == 0) means the keyword was not given: PyTorch's default applies. */
#define CT_LR_MAX_GROUPS 32
typedef struct ct_lr_groups {
  int n;
  double v[CT_LR_MAX_GROUPS];
} ct_lr_groups;
#define CT_LR_GROUPS(...) \
  ((ct_lr_groups){.n = (int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), .v = {__VA_ARGS__}})

/* LambdaLR / MultiplicativeLR's lr_lambda: the factor for epoch. */
typedef double (*ct_lr_lambda)(int epoch, void *user);
/* CyclicLR's scale_fn: x is the cycle (scale_mode "cycle") or the iteration ("iterations"). */
typedef double (*ct_lr_scale_fn)(double x, void *user);

/* ---- common -------------------------------------------------------------------------------- */
/* torch.optim.lr_scheduler.<name>(optimizer, **kwargs) by class name. kwargs (ct_values,
 * positional in the constructor's order after optimizer, or keywords; NULL: none) are PyTorch's
 * keywords; a per-group value is a number or a tuple of numbers. Callbacks cannot travel in
 * ct_values, so by name LambdaLR / MultiplicativeLR's lr_lambda and CyclicLR's scale_fn are
 * factor TABLES: a tuple of numbers f (factor(epoch) = f[min(epoch, len - 1)]; CyclicLR:
 * f[min((int)x, len - 1)]), or a tuple of such tuples, one per group. SequentialLR's and
 * ChainedScheduler's "schedulers" is a tuple whose elements are a class name (a string) or a
 * tuple (name, keyword entries...) built on the same optimizer. NULL + PyTorch's message on an
 * unknown name or keyword ("__init__() got an unexpected keyword argument 'foo'") or value. */
ct_lr_scheduler *ct_lr_scheduler_create(const char *name, ct_optim *optim, const ct_values *kwargs);
/* Frees the scheduler (and the schedulers a SequentialLR / ChainedScheduler took); the
 * optimizer is borrowed and stays. NULL is ignored. */
void ct_lr_scheduler_free(ct_lr_scheduler *s);
/* The class name ("StepLR"). */
const char *ct_lr_scheduler_name(const ct_lr_scheduler *s);
/* The optimizer it drives (borrowed). */
ct_optim *ct_lr_scheduler_optimizer(const ct_lr_scheduler *s);

/* scheduler.step(): 0 or -1 (OneCycleLR past total_steps: "Tried to step 12 times. The
 * specified number of total steps is 10"; the scheduler is left as it was). ReduceLROnPlateau
 * needs its metric: use ct_lr_scheduler_step_metric. */
int ct_lr_scheduler_step(ct_lr_scheduler *s);
/* scheduler.step(epoch), the deprecated explicit-epoch form: last_epoch = epoch and the closed
 * form where PyTorch has one (CosineAnnealingWarmRestarts takes fractional epochs; the others
 * need an integral epoch). 0 or -1. */
int ct_lr_scheduler_step_epoch(ct_lr_scheduler *s, double epoch);
/* ReduceLROnPlateau.step(metrics): 0 or -1 (any other scheduler: error). */
int ct_lr_scheduler_step_metric(ct_lr_scheduler *s, double metric);

/* scheduler.get_last_lr() into out[cap]: returns the number of groups (out may be NULL to ask),
 * -1 + error when cap is too small or, for ReduceLROnPlateau, before its first step (PyTorch:
 * AttributeError). */
int ct_lr_scheduler_get_last_lr(const ct_lr_scheduler *s, double *out, int cap);
/* scheduler.last_epoch (ReduceLROnPlateau: the number of step(metric) calls; INT64_MIN for
 * NULL). */
int64_t ct_lr_scheduler_last_epoch(const ct_lr_scheduler *s);

/* scheduler.state_dict() as a tensor map (free with ct_tensor_map_free): every attribute
 * PyTorch's state_dict holds except callbacks, under PyTorch's names. Numbers, booleans and
 * strings are metadata ("last_epoch" -> "3", "best" -> "inf", "mode" -> "min", numbers
 * printed with 17 significant digits so they read back exactly); per-group lists are float64
 * tensors ("base_lrs", "_last_lr", "min_lrs", ...), milestones int64 tensors. The metadata key
 * "scheduler" holds the class name. SequentialLR / ChainedScheduler store their schedulers'
 * entries under "_schedulers.<i>.". Save it with ct_safetensors_save. NULL on error. */
ct_tensor_map *ct_lr_scheduler_state_dict(const ct_lr_scheduler *s);
/* scheduler.load_state_dict(sd): restores every attribute (hyperparameters too, as PyTorch's
 * __dict__.update does); the groups' lrs are NOT touched (as in PyTorch: they live in the
 * optimizer's state_dict). Checked first, nothing changed on failure: "scheduler state is for
 * StepLR, not CosineAnnealingLR", a missing or malformed entry. 0 or -1. */
int ct_lr_scheduler_load_state_dict(ct_lr_scheduler *s, const ct_tensor_map *sd);

/* ---- typed constructors: ct_lr_<class>(optimizer, required..., .keyword = value) ----------- */
/* Every options struct ends with these two: last_epoch (-1: a fresh run; otherwise resuming,
 * which needs param_groups[g]["initial_lr"]) and verbose (accepted, ignored). */
#define CT_LR__COMMON \
  int64_t last_epoch; \
  bool verbose

/* LambdaLR(optimizer, lr_lambda): lr = base_lr * lr_lambda(epoch). Give one function for every
 * group (.lr_lambda, .user) or one per group (.lr_lambdas / .users, n_lambdas of them: PyTorch's
 * list, "Expected 2 lr_lambdas, but got 1"). The arrays are copied; they must be named arrays
 * (a compound literal written inside the macro's arguments ends with the options block). */
typedef struct ct_lambda_lr_opts {
  ct_lr_lambda lr_lambda;
  void *user;
  int n_lambdas;
  const ct_lr_lambda *lr_lambdas;
  void *const *users; /* may be NULL */
  CT_LR__COMMON;
} ct_lambda_lr_opts;
ct_lr_scheduler *ct_lr_lambda_lr_ex(ct_optim *o, ct_lambda_lr_opts opts);
#define ct_lr_lambda_lr(o, ...) ct_lr_lambda_lr_ex(o, CT_OPTS(ct_lambda_lr_opts, .last_epoch = -1, __VA_ARGS__))
/* MultiplicativeLR(optimizer, lr_lambda): lr *= lr_lambda(epoch) from epoch 1 on. */
typedef ct_lambda_lr_opts ct_multiplicative_lr_opts;
ct_lr_scheduler *ct_lr_multiplicative_lr_ex(ct_optim *o, ct_multiplicative_lr_opts opts);
#define ct_lr_multiplicative_lr(o, ...) \
  ct_lr_multiplicative_lr_ex(o, CT_OPTS(ct_multiplicative_lr_opts, .last_epoch = -1, __VA_ARGS__))

/* StepLR(optimizer, step_size, gamma=0.1) */
typedef struct ct_step_lr_opts {
  double gamma;
  CT_LR__COMMON;
} ct_step_lr_opts;
ct_lr_scheduler *ct_lr_step_lr_ex(ct_optim *o, int64_t step_size, ct_step_lr_opts opts);
#define ct_lr_step_lr(o, step_size, ...) \
  ct_lr_step_lr_ex(o, step_size, CT_OPTS(ct_step_lr_opts, .gamma = 0.1, .last_epoch = -1, __VA_ARGS__))

/* MultiStepLR(optimizer, milestones, gamma=0.1): milestones may repeat (gamma ** count). */
typedef ct_step_lr_opts ct_multi_step_lr_opts;
ct_lr_scheduler *ct_lr_multi_step_lr_ex(ct_optim *o, int n_milestones, const int64_t *milestones,
                                        ct_multi_step_lr_opts opts);
#define ct_lr_multi_step_lr(o, n_milestones, milestones, ...)                                     \
  ct_lr_multi_step_lr_ex(o, n_milestones, milestones,                                          \
                         CT_OPTS(ct_multi_step_lr_opts, .gamma = 0.1, .last_epoch = -1, __VA_ARGS__))

/* ConstantLR(optimizer, factor=1/3, total_iters=5) */
typedef struct ct_constant_lr_opts {
  double factor;
  int64_t total_iters;
  CT_LR__COMMON;
} ct_constant_lr_opts;
ct_lr_scheduler *ct_lr_constant_lr_ex(ct_optim *o, ct_constant_lr_opts opts);
#define ct_lr_constant_lr(o, ...)                                                           \
  ct_lr_constant_lr_ex(o, CT_OPTS(ct_constant_lr_opts, .factor = 1.0 / 3, .total_iters = 5, \
                                  .last_epoch = -1, __VA_ARGS__))

/* LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5) */
typedef struct ct_linear_lr_opts {
  double start_factor, end_factor;
  int64_t total_iters;
  CT_LR__COMMON;
} ct_linear_lr_opts;
ct_lr_scheduler *ct_lr_linear_lr_ex(ct_optim *o, ct_linear_lr_opts opts);
#define ct_lr_linear_lr(o, ...)                                                              \
  ct_lr_linear_lr_ex(o, CT_OPTS(ct_linear_lr_opts, .start_factor = 1.0 / 3, .end_factor = 1.0, \
                                .total_iters = 5, .last_epoch = -1, __VA_ARGS__))

/* ExponentialLR(optimizer, gamma) */
typedef struct ct_exponential_lr_opts {
  CT_LR__COMMON;
} ct_exponential_lr_opts;
ct_lr_scheduler *ct_lr_exponential_lr_ex(ct_optim *o, double gamma, ct_exponential_lr_opts opts);
#define ct_lr_exponential_lr(o, gamma, ...) \
  ct_lr_exponential_lr_ex(o, gamma, CT_OPTS(ct_exponential_lr_opts, .last_epoch = -1, __VA_ARGS__))

/* PolynomialLR(optimizer, total_iters=5, power=1.0) */
typedef struct ct_polynomial_lr_opts {
  int64_t total_iters;
  double power;
  CT_LR__COMMON;
} ct_polynomial_lr_opts;
ct_lr_scheduler *ct_lr_polynomial_lr_ex(ct_optim *o, ct_polynomial_lr_opts opts);
#define ct_lr_polynomial_lr(o, ...)                                                      \
  ct_lr_polynomial_lr_ex(o, CT_OPTS(ct_polynomial_lr_opts, .total_iters = 5, .power = 1.0, \
                                    .last_epoch = -1, __VA_ARGS__))

/* CosineAnnealingLR(optimizer, T_max, eta_min=0): PyTorch's recursive form under step(). */
typedef struct ct_cosine_annealing_lr_opts {
  double eta_min;
  CT_LR__COMMON;
} ct_cosine_annealing_lr_opts;
ct_lr_scheduler *ct_lr_cosine_annealing_lr_ex(ct_optim *o, double T_max, ct_cosine_annealing_lr_opts opts);
#define ct_lr_cosine_annealing_lr(o, T_max, ...) \
  ct_lr_cosine_annealing_lr_ex(o, T_max, CT_OPTS(ct_cosine_annealing_lr_opts, .last_epoch = -1, __VA_ARGS__))

/* CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0); step_epoch takes
 * fractional epochs (epoch + i / iters). */
typedef struct ct_cosine_annealing_warm_restarts_opts {
  int64_t T_mult;
  double eta_min;
  CT_LR__COMMON;
} ct_cosine_annealing_warm_restarts_opts;
ct_lr_scheduler *ct_lr_cosine_annealing_warm_restarts_ex(ct_optim *o, int64_t T_0,
                                                         ct_cosine_annealing_warm_restarts_opts opts);
#define ct_lr_cosine_annealing_warm_restarts(o, T_0, ...)                                  \
  ct_lr_cosine_annealing_warm_restarts_ex(o, T_0, CT_OPTS(ct_cosine_annealing_warm_restarts_opts, \
                                                          .T_mult = 1, .last_epoch = -1, __VA_ARGS__))

/* CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
 * mode='triangular', gamma=1.0, scale_fn=None, scale_mode='cycle', cycle_momentum=True,
 * base_momentum=0.8, max_momentum=0.9). step_size_down <= 0 means None (= step_size_up). With
 * cycle_momentum the optimizer needs a "momentum" option ("optimizer must support momentum with
 * `cycle_momentum` option enabled"). */
typedef enum ct_cyclic_mode { CT_CYCLIC_TRIANGULAR = 0, CT_CYCLIC_TRIANGULAR2, CT_CYCLIC_EXP_RANGE } ct_cyclic_mode;
typedef enum ct_cyclic_scale_mode { CT_CYCLIC_SCALE_CYCLE = 0, CT_CYCLIC_SCALE_ITERATIONS } ct_cyclic_scale_mode;
typedef struct ct_cyclic_lr_opts {
  double step_size_up, step_size_down;
  ct_cyclic_mode mode;
  double gamma;
  ct_lr_scale_fn scale_fn; /* non-NULL: replaces mode's function, with scale_mode */
  void *scale_user;
  ct_cyclic_scale_mode scale_mode;
  bool cycle_momentum;
  ct_lr_groups base_momentum, max_momentum;
  CT_LR__COMMON;
} ct_cyclic_lr_opts;
ct_lr_scheduler *ct_lr_cyclic_lr_ex(ct_optim *o, ct_lr_groups base_lr, ct_lr_groups max_lr, ct_cyclic_lr_opts opts);
#define ct_lr_cyclic_lr(o, base_lr, max_lr, ...)                                                  \
  ct_lr_cyclic_lr_ex(o, base_lr, max_lr,                                                         \
                     CT_OPTS(ct_cyclic_lr_opts, .step_size_up = 2000, .gamma = 1.0,               \
                             .cycle_momentum = true, .last_epoch = -1, __VA_ARGS__))

/* OneCycleLR(optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
 * pct_start=0.3, anneal_strategy='cos', cycle_momentum=True, base_momentum=0.85,
 * max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False). total_steps,
 * epochs, steps_per_epoch: 0 means None. Cycles "momentum", or betas[0] when the optimizer has
 * betas (Adam). */
typedef enum ct_anneal_strategy { CT_ANNEAL_COS = 0, CT_ANNEAL_LINEAR } ct_anneal_strategy;
typedef struct ct_one_cycle_lr_opts {
  int64_t total_steps, epochs, steps_per_epoch;
  double pct_start;
  ct_anneal_strategy anneal_strategy;
  bool cycle_momentum;
  ct_lr_groups base_momentum, max_momentum;
  double div_factor, final_div_factor;
  bool three_phase;
  CT_LR__COMMON;
} ct_one_cycle_lr_opts;
ct_lr_scheduler *ct_lr_one_cycle_lr_ex(ct_optim *o, ct_lr_groups max_lr, ct_one_cycle_lr_opts opts);
#define ct_lr_one_cycle_lr(o, max_lr, ...)                                                         \
  ct_lr_one_cycle_lr_ex(o, max_lr,                                                                \
                        CT_OPTS(ct_one_cycle_lr_opts, .pct_start = 0.3, .cycle_momentum = true,   \
                                .div_factor = 25.0, .final_div_factor = 1e4, .last_epoch = -1,    \
                                __VA_ARGS__))

/* ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
 * threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8); stepped with
 * ct_lr_scheduler_step_metric. */
typedef enum ct_plateau_mode { CT_PLATEAU_MIN = 0, CT_PLATEAU_MAX } ct_plateau_mode;
typedef enum ct_threshold_mode { CT_THRESHOLD_REL = 0, CT_THRESHOLD_ABS } ct_threshold_mode;
typedef struct ct_reduce_lr_on_plateau_opts {
  ct_plateau_mode mode;
  double factor;
  int64_t patience;
  double threshold;
  ct_threshold_mode threshold_mode;
  int64_t cooldown;
  ct_lr_groups min_lr;
  double eps;
  bool verbose;
} ct_reduce_lr_on_plateau_opts;
ct_lr_scheduler *ct_lr_reduce_lr_on_plateau_ex(ct_optim *o, ct_reduce_lr_on_plateau_opts opts);
#define ct_lr_reduce_lr_on_plateau(o, ...)                                                          \
  ct_lr_reduce_lr_on_plateau_ex(o, CT_OPTS(ct_reduce_lr_on_plateau_opts, .factor = 0.1,            \
                                           .patience = 10, .threshold = 1e-4, .eps = 1e-8, __VA_ARGS__))

/* SequentialLR(optimizer, schedulers, milestones): n schedulers built on o, n - 1 milestones.
 * On success it TAKES the schedulers (frees them with itself; do not step or free them
 * yourself); on failure they stay the caller's, untouched. */
ct_lr_scheduler *ct_lr_sequential_lr(ct_optim *o, ct_lr_scheduler *const *schedulers, int n,
                                     const int64_t *milestones, int n_milestones);
/* ChainedScheduler(schedulers): steps each in turn; takes them as SequentialLR does. */
ct_lr_scheduler *ct_lr_chained_scheduler(ct_lr_scheduler *const *schedulers, int n);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
