/* CyclicLR and OneCycleLR: learning rates and the momentum they cycle ("momentum", or
 * betas[0] for OneCycleLR on an optimizer with betas), as PyTorch 1.13 computes them. Every
 * check runs before the optimizer's groups are written, so a refused constructor leaves them as
 * they were. */
#include "scheduler_internal.h"

#include <stddef.h>
#include <stdio.h>

static const double PI = 3.141592653589793; /* math.pi */

static const char *const MOMENTUM_MSG = "optimizer must support momentum with `cycle_momentum` option enabled";

/* ---- CyclicLR -------------------------------------------------------------------------- */
static const char *const CYCLIC_MODES[] = {"triangular", "triangular2", "exp_range", NULL};
static const char *const SCALE_MODES[] = {"cycle", "iterations", NULL};

typedef struct cyclic_p {
  double *max_lrs, *base_momentums, *max_momentums;
  double total_size, step_ratio, gamma;
  int mode, scale_mode;
  bool cycle_momentum;
  ct_lr_scale_fn scale_fn; /* custom; NULL: mode's */
  void *scale_user;
  sched_table *tables; /* by name: owned */
  int ntables;
} cyclic_p;
static const sched_field CYCLIC_FIELDS[] = {
    SF(cyclic_p, SF_LIST, max_lrs),       SF(cyclic_p, SF_LIST, base_momentums),
    SF(cyclic_p, SF_LIST, max_momentums), SF(cyclic_p, SF_F64, total_size),
    SF(cyclic_p, SF_F64, step_ratio),     SF(cyclic_p, SF_F64, gamma),
    {"mode", SF_ENUM, offsetof(cyclic_p, mode), 0, CYCLIC_MODES},
    {"scale_mode", SF_ENUM, offsetof(cyclic_p, scale_mode), 0, SCALE_MODES},
    SF(cyclic_p, SF_BOOL, cycle_momentum)};

static double cyclic_scale(const cyclic_p *p, double x) {
  if (p->scale_fn) return p->scale_fn(x, p->scale_user);
  if (p->mode == CT_CYCLIC_TRIANGULAR2) return 1 / pow(2., x - 1);
  if (p->mode == CT_CYCLIC_EXP_RANGE) return pow(p->gamma, x);
  return 1.;
}

static int cyclic_get_lr(ct_lr_scheduler *s, double *lrs) {
  const cyclic_p *p = s->p;
  double e = (double)s->last_epoch;
  double cycle = floor(1 + e / p->total_size);
  double x = 1. + e / p->total_size - cycle;
  double scale_factor = x <= p->step_ratio ? x / p->step_ratio : (x - 1) / (p->step_ratio - 1);
  double at = p->scale_mode == CT_CYCLIC_SCALE_CYCLE ? cycle : e;
  double scale = cyclic_scale(p, at);
  for (int g = 0; g < s->ng; g++) {
    double base_height = (p->max_lrs[g] - s->base_lrs[g]) * scale_factor;
    lrs[g] = s->base_lrs[g] + base_height * scale;
  }
  if (!p->cycle_momentum) return 0;
  for (int g = 0; g < s->ng; g++) {
    double base_height = (p->max_momentums[g] - p->base_momentums[g]) * scale_factor;
    if (ct_optim_set(s->optim, g, "momentum", p->max_momentums[g] - base_height * scale) != 0) return -1;
  }
  return 0;
}

static void cyclic_destroy(ct_lr_scheduler *s) {
  cyclic_p *p = s->p;
  sched_tables_free(p->tables, p->ntables);
}

ct_lr_scheduler *ct_lr_cyclic_lr_ex(ct_optim *o, ct_lr_groups base_lr, ct_lr_groups max_lr, ct_cyclic_lr_opts opts) {
  if (base_lr.n == 0 || max_lr.n == 0)
    return ct__err("CyclicLR.__init__() missing 1 required positional argument: '%s'", base_lr.n ? "max_lr" : "base_lr");
  if ((unsigned)opts.mode > CT_CYCLIC_EXP_RANGE && !opts.scale_fn) return ct__err("mode is invalid and scale_fn is None");
  if ((unsigned)opts.scale_mode > CT_CYCLIC_SCALE_ITERATIONS) return ct__err("CyclicLR: scale_mode is invalid");
  ct_lr_scheduler *s = sched_new(&sched_cyclic_lr, o);
  if (!s) return NULL;
  cyclic_p *p = s->p;
  double *base = sched_list(s), *base_m = sched_list(s);
  p->max_lrs = sched_list(s);
  p->base_momentums = sched_list(s);
  p->max_momentums = sched_list(s);
  int rc = base && base_m && p->max_lrs && p->base_momentums && p->max_momentums ? 0 : -1;
  if (rc == 0) rc = sched_groups(s, "base_lr", &base_lr, NAN, base);
  if (rc == 0) rc = sched_groups(s, "max_lr", &max_lr, NAN, p->max_lrs);
  if (rc == 0 && opts.cycle_momentum) {
    if (!sched_optim_has(o, "momentum")) rc = ct__errs("%s", MOMENTUM_MSG);
    if (rc == 0) rc = sched_groups(s, "base_momentum", &opts.base_momentum, 0.8, base_m);
    if (rc == 0) rc = sched_groups(s, "max_momentum", &opts.max_momentum, 0.9, p->max_momentums);
  }
  for (int g = 0; rc == 0 && opts.last_epoch != -1 && g < s->ng; g++)
    if (!ct_optim_has(o, g, "initial_lr"))
      rc = ct__errs("param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer", g);
  if (rc != 0) {
    free(base);
    free(base_m);
    ct_lr_scheduler_free(s);
    return NULL;
  }
  /* checked: now the groups are written, as PyTorch's constructor does */
  double up = opts.step_size_up, down = opts.step_size_down > 0 ? opts.step_size_down : up;
  p->total_size = up + down;
  p->step_ratio = up / p->total_size;
  p->mode = (unsigned)opts.mode > CT_CYCLIC_EXP_RANGE ? CT_CYCLIC_TRIANGULAR : (int)opts.mode; /* scale_fn decides */
  p->gamma = opts.gamma;
  p->scale_fn = opts.scale_fn;
  p->scale_user = opts.scale_user;
  p->scale_mode = opts.scale_fn ? (int)opts.scale_mode
                                : (opts.mode == CT_CYCLIC_EXP_RANGE ? CT_CYCLIC_SCALE_ITERATIONS : CT_CYCLIC_SCALE_CYCLE);
  p->cycle_momentum = opts.cycle_momentum;
  for (int g = 0; opts.last_epoch == -1 && g < s->ng; g++) {
    ct_optim_set(o, g, "lr", base[g]);
    if (opts.cycle_momentum) ct_optim_set(o, g, "momentum", base_m[g]);
  }
  for (int g = 0; opts.cycle_momentum && g < s->ng; g++) p->base_momentums[g] = ct_optim_get(o, g, "momentum");
  free(base_m);
  /* _LRScheduler.__init__ takes base_lrs from "initial_lr" for the initial step; CyclicLR then
   * replaces them with its base_lr (PyTorch's order, kept for an existing "initial_lr"). */
  s = sched_init(s, opts.last_epoch, opts.verbose);
  if (s) memcpy(s->base_lrs, base, (size_t)s->ng * sizeof(double));
  free(base);
  return s;
}

static ct_lr_scheduler *cyclic_build(ct_optim *o, sched_args *a) {
  int ng = ct_optim_num_groups(o);
  ct_lr_groups base_lr = {0}, max_lr = {0};
  ct_cyclic_lr_opts opts = {.step_size_up = 2000, .gamma = 1.0, .cycle_momentum = true};
  int mode = 0, scale_mode = 0;
  const char *bad_mode = NULL, *bad_scale = NULL;
  sched_table *tables = NULL;
  int nt = 0;
  if (sarg_required(a, "base_lr") || sarg_required(a, "max_lr") || sarg_groups(a, "base_lr", ng, &base_lr) ||
      sarg_groups(a, "max_lr", ng, &max_lr) || sarg_num(a, "step_size_up", &opts.step_size_up) ||
      sarg_num(a, "step_size_down", &opts.step_size_down) || sarg_enum(a, "mode", CYCLIC_MODES, &mode, &bad_mode) ||
      sarg_num(a, "gamma", &opts.gamma) || sarg_enum(a, "scale_mode", SCALE_MODES, &scale_mode, &bad_scale) ||
      sarg_bool(a, "cycle_momentum", &opts.cycle_momentum) || sarg_groups(a, "base_momentum", ng, &opts.base_momentum) ||
      sarg_groups(a, "max_momentum", ng, &opts.max_momentum) || sarg_common(a, &opts.last_epoch, &opts.verbose) ||
      sarg_tables(a, "scale_fn", &tables, &nt)) {
    sched_tables_free(tables, nt);
    return NULL;
  }
  if (nt > 1) {
    sched_tables_free(tables, nt);
    return ct__err("CyclicLR(): scale_fn must be one table");
  }
  opts.mode = bad_mode ? (ct_cyclic_mode)99 : (ct_cyclic_mode)mode;
  opts.scale_mode = (ct_cyclic_scale_mode)scale_mode;
  if (nt == 1) {
    opts.scale_fn = sched_table_scale;
    opts.scale_user = &tables[0];
  }
  if (bad_scale) opts.scale_mode = CT_CYCLIC_SCALE_ITERATIONS; /* 1.13: anything but 'cycle' */
  ct_lr_scheduler *s = ct_lr_cyclic_lr_ex(o, base_lr, max_lr, opts);
  if (!s) {
    sched_tables_free(tables, nt);
    return NULL;
  }
  ((cyclic_p *)s->p)->tables = tables;
  ((cyclic_p *)s->p)->ntables = nt;
  return s;
}

const sched_kind sched_cyclic_lr = {
    .name = "CyclicLR", .size = sizeof(cyclic_p), .fields = CYCLIC_FIELDS, .n_fields = 9,
    .get_lr = cyclic_get_lr, .destroy = cyclic_destroy, .build = cyclic_build, .n_required = 2,
    .keywords = (const char *const[]){"base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma",
                                      "scale_fn", "scale_mode", "cycle_momentum", "base_momentum",
                                      "max_momentum", "last_epoch", "verbose", NULL}};

/* ---- OneCycleLR ------------------------------------------------------------------------ */
static const char *const ANNEAL[] = {"cos", "linear", NULL};

typedef struct one_cycle_p {
  int64_t total_steps;
  double end_step[3]; /* the phases' end steps (two phases: [0], [1]) */
  bool three_phase, cycle_momentum, use_beta1;
  int anneal;
} one_cycle_p;
static const sched_field ONE_CYCLE_FIELDS[] = {
    SF(one_cycle_p, SF_I64, total_steps),
    SF_NAMED(one_cycle_p, "_schedule_phases.0.end_step", SF_F64, end_step[0]),
    SF_NAMED(one_cycle_p, "_schedule_phases.1.end_step", SF_F64, end_step[1]),
    SF_NAMED(one_cycle_p, "_schedule_phases.2.end_step", SF_F64, end_step[2]),
    SF(one_cycle_p, SF_BOOL, three_phase),
    SF(one_cycle_p, SF_BOOL, cycle_momentum),
    SF(one_cycle_p, SF_BOOL, use_beta1),
    {"anneal_strategy", SF_ENUM, offsetof(one_cycle_p, anneal), 0, ANNEAL}};

static double anneal(const one_cycle_p *p, double start, double end, double pct) {
  if (p->anneal == CT_ANNEAL_LINEAR) return (end - start) * pct + start;
  double cos_out = cos(PI * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

/* The phases: (end_step, start lr key, end lr key, start momentum key, end momentum key). */
typedef struct phase {
  const char *lr0, *lr1, *m0, *m1;
} phase;
static const phase TWO[] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                            {"max_lr", "min_lr", "base_momentum", "max_momentum"}};
static const phase THREE[] = {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                              {"max_lr", "initial_lr", "base_momentum", "max_momentum"},
                              {"initial_lr", "min_lr", "max_momentum", "max_momentum"}};

static int one_cycle_get_lr(ct_lr_scheduler *s, double *lrs) {
  const one_cycle_p *p = s->p;
  int64_t step_num = s->last_epoch;
  if (step_num > p->total_steps)
    return ct__errs("Tried to step %lld times. The specified number of total steps is %lld", (long long)step_num + 1,
                    (long long)p->total_steps);
  const phase *ph = p->three_phase ? THREE : TWO;
  int nph = p->three_phase ? 3 : 2;
  double *mom = sched_list(s);
  if (!mom) return -1;
  for (int g = 0; g < s->ng; g++) {
    double start_step = 0;
    for (int i = 0; i < nph; i++) {
      double end_step = p->end_step[i];
      if ((double)step_num <= end_step || i == nph - 1) {
        if (end_step - start_step == 0) {
          free(mom);
          return ct__errs("float division by zero");
        }
        double pct = ((double)step_num - start_step) / (end_step - start_step);
        lrs[g] = anneal(p, ct_optim_get(s->optim, g, ph[i].lr0), ct_optim_get(s->optim, g, ph[i].lr1), pct);
        if (p->cycle_momentum)
          mom[g] = anneal(p, ct_optim_get(s->optim, g, ph[i].m0), ct_optim_get(s->optim, g, ph[i].m1), pct);
        break;
      }
      start_step = end_step;
    }
  }
  int rc = 0;
  for (int g = 0; rc == 0 && p->cycle_momentum && g < s->ng; g++)
    rc = p->use_beta1 ? ct_optim_set_at(s->optim, g, "betas", 0, mom[g]) : ct_optim_set(s->optim, g, "momentum", mom[g]);
  free(mom);
  return rc;
}

static int one_cycle_check(const ct_optim *o, const ct_lr_groups *max_lr, const ct_one_cycle_lr_opts *opts,
                           int64_t *total) {
  if (opts->total_steps == 0 && opts->epochs == 0 && opts->steps_per_epoch == 0)
    return ct__errs("You must define either total_steps OR (epochs AND steps_per_epoch)");
  if (opts->total_steps != 0) {
    if (opts->total_steps < 0)
      return ct__errs("Expected positive integer total_steps, but got %lld", (long long)opts->total_steps);
    *total = opts->total_steps;
  } else {
    if (opts->epochs <= 0) return ct__errs("Expected positive integer epochs, but got %lld", (long long)opts->epochs);
    if (opts->steps_per_epoch <= 0)
      return ct__errs("Expected positive integer steps_per_epoch, but got %lld", (long long)opts->steps_per_epoch);
    *total = opts->epochs * opts->steps_per_epoch;
  }
  if (opts->pct_start < 0 || opts->pct_start > 1 || isnan(opts->pct_start))
    return ct__errs("Expected float between 0 and 1 pct_start, but got %.17g", opts->pct_start);
  if ((unsigned)opts->anneal_strategy > CT_ANNEAL_LINEAR)
    return ct__errs("anneal_strategy must by one of 'cos' or 'linear', instead got %d", (int)opts->anneal_strategy);
  (void)max_lr;
  /* a first phase ending at step 0: PyTorch's initial step divides by zero (after writing the
   * groups); refused before anything is written */
  if (opts->pct_start * (double)*total - 1 == 0) return ct__errs("float division by zero");
  if (opts->cycle_momentum && !sched_optim_has(o, "momentum") && !sched_optim_has(o, "betas"))
    return ct__errs("%s", MOMENTUM_MSG);
  return 0;
}

ct_lr_scheduler *ct_lr_one_cycle_lr_ex(ct_optim *o, ct_lr_groups max_lr, ct_one_cycle_lr_opts opts) {
  int64_t total = 0;
  if (!o) return ct__err("NoneType is not an Optimizer");
  if (max_lr.n == 0) return ct__err("OneCycleLR.__init__() missing 1 required positional argument: 'max_lr'");
  if (one_cycle_check(o, &max_lr, &opts, &total) != 0) return NULL;
  ct_lr_scheduler *s = sched_new(&sched_one_cycle_lr, o);
  if (!s) return NULL;
  double *mx = sched_list(s), *bm = sched_list(s), *mm = sched_list(s);
  int rc = mx && bm && mm ? sched_groups(s, "max_lr", &max_lr, NAN, mx) : -1;
  if (rc == 0 && opts.cycle_momentum) {
    rc = sched_groups(s, "max_momentum", &opts.max_momentum, 0.95, mm);
    if (rc == 0) rc = sched_groups(s, "base_momentum", &opts.base_momentum, 0.85, bm);
  }
  for (int g = 0; rc == 0 && opts.last_epoch != -1 && g < s->ng; g++)
    if (!ct_optim_has(o, g, "initial_lr"))
      rc = ct__errs("param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer", g);
  one_cycle_p *p = s->p;
  p->total_steps = total;
  p->three_phase = opts.three_phase;
  p->anneal = opts.anneal_strategy;
  p->cycle_momentum = opts.cycle_momentum;
  p->use_beta1 = sched_optim_has(o, "betas");
  double t = (double)total, pct = opts.pct_start;
  p->end_step[0] = pct * t - 1;
  p->end_step[1] = opts.three_phase ? 2 * pct * t - 2 : t - 1;
  p->end_step[2] = t - 1;
  for (int g = 0; rc == 0 && opts.last_epoch == -1 && g < s->ng; g++) {
    double initial = mx[g] / opts.div_factor;
    rc = ct_optim_set(o, g, "initial_lr", initial) || ct_optim_set(o, g, "max_lr", mx[g]) ||
         ct_optim_set(o, g, "min_lr", initial / opts.final_div_factor);
    if (rc == 0 && opts.cycle_momentum)
      rc = (p->use_beta1 ? ct_optim_set_at(o, g, "betas", 0, mm[g]) : ct_optim_set(o, g, "momentum", mm[g])) ||
           ct_optim_set(o, g, "max_momentum", mm[g]) || ct_optim_set(o, g, "base_momentum", bm[g]);
  }
  free(mx);
  free(bm);
  free(mm);
  if (rc != 0) {
    ct_lr_scheduler_free(s);
    return NULL;
  }
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *one_cycle_build(ct_optim *o, sched_args *a) {
  int ng = ct_optim_num_groups(o);
  ct_lr_groups max_lr = {0};
  ct_one_cycle_lr_opts opts = {.pct_start = 0.3, .cycle_momentum = true, .div_factor = 25.0, .final_div_factor = 1e4};
  const char *strategy = NULL;
  if (sarg_required(a, "max_lr") || sarg_groups(a, "max_lr", ng, &max_lr) || sarg_i64(a, "total_steps", &opts.total_steps) ||
      sarg_i64(a, "epochs", &opts.epochs) || sarg_i64(a, "steps_per_epoch", &opts.steps_per_epoch) ||
      sarg_num(a, "pct_start", &opts.pct_start) || sarg_str(a, "anneal_strategy", &strategy) ||
      sarg_bool(a, "cycle_momentum", &opts.cycle_momentum) || sarg_groups(a, "base_momentum", ng, &opts.base_momentum) ||
      sarg_groups(a, "max_momentum", ng, &opts.max_momentum) || sarg_num(a, "div_factor", &opts.div_factor) ||
      sarg_num(a, "final_div_factor", &opts.final_div_factor) || sarg_bool(a, "three_phase", &opts.three_phase) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  /* PyTorch's checks that ints are ints: total_steps=0 given is "Expected positive integer" */
  if (sarg(a, "total_steps") && opts.total_steps <= 0)
    return ct__err("Expected positive integer total_steps, but got %lld", (long long)opts.total_steps);
  if (strategy) {
    if (strcmp(strategy, "cos") != 0 && strcmp(strategy, "linear") != 0)
      return ct__err("anneal_strategy must by one of 'cos' or 'linear', instead got %s", strategy);
    opts.anneal_strategy = strcmp(strategy, "linear") == 0 ? CT_ANNEAL_LINEAR : CT_ANNEAL_COS;
  }
  return ct_lr_one_cycle_lr_ex(o, max_lr, opts);
}

const sched_kind sched_one_cycle_lr = {
    .name = "OneCycleLR", .size = sizeof(one_cycle_p), .fields = ONE_CYCLE_FIELDS, .n_fields = 8,
    .get_lr = one_cycle_get_lr, .build = one_cycle_build, .n_required = 1,
    .keywords = (const char *const[]){"max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start",
                                      "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
                                      "div_factor", "final_div_factor", "three_phase", "last_epoch", "verbose",
                                      NULL}};
