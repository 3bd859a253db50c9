/* ReduceLROnPlateau: not an _LRScheduler in PyTorch 1.13 (no initial step, no "initial_lr",
 * no base_lrs); stepped with a metric. */
#include "scheduler_internal.h"

#include <stddef.h>

static const char *const MODES[] = {"min", "max", NULL};
static const char *const THRESHOLD_MODES[] = {"rel", "abs", NULL};

typedef struct plateau_p {
  double factor;
  double *min_lrs;
  int64_t patience, cooldown, cooldown_counter, num_bad_epochs;
  int mode, threshold_mode;
  double threshold, best, mode_worse, eps;
} plateau_p;
static const sched_field PLATEAU_FIELDS[] = {
    SF(plateau_p, SF_F64, factor),
    SF(plateau_p, SF_LIST, min_lrs),
    SF(plateau_p, SF_I64, patience),
    SF(plateau_p, SF_I64, cooldown),
    SF(plateau_p, SF_I64, cooldown_counter),
    {"mode", SF_ENUM, offsetof(plateau_p, mode), 0, MODES},
    SF(plateau_p, SF_F64, threshold),
    {"threshold_mode", SF_ENUM, offsetof(plateau_p, threshold_mode), 0, THRESHOLD_MODES},
    SF(plateau_p, SF_F64, best),
    SF(plateau_p, SF_I64, num_bad_epochs),
    SF(plateau_p, SF_F64, mode_worse),
    SF(plateau_p, SF_F64, eps)};

static bool is_better(const plateau_p *p, double a, double best) {
  if (p->mode == CT_PLATEAU_MIN && p->threshold_mode == CT_THRESHOLD_REL) return a < best * (1. - p->threshold);
  if (p->mode == CT_PLATEAU_MIN) return a < best - p->threshold;
  if (p->threshold_mode == CT_THRESHOLD_REL) return a > best * (p->threshold + 1.);
  return a > best + p->threshold;
}

static int reduce_lr(ct_lr_scheduler *s) {
  const plateau_p *p = s->p;
  for (int g = 0; g < s->ng; g++) {
    double old_lr = ct_optim_get(s->optim, g, "lr");
    double new_lr = old_lr * p->factor;
    if (p->min_lrs[g] > new_lr) new_lr = p->min_lrs[g]; /* max(old_lr * factor, min_lr) */
    if (old_lr - new_lr > p->eps && ct_optim_set(s->optim, g, "lr", new_lr) != 0) return -1;
  }
  return 0;
}

int sched_plateau_step(ct_lr_scheduler *s, double metric) {
  plateau_p *p = s->p;
  s->last_epoch = s->last_epoch + 1;
  if (is_better(p, metric, p->best)) {
    p->best = metric;
    p->num_bad_epochs = 0;
  } else {
    p->num_bad_epochs += 1;
  }
  if (p->cooldown_counter > 0) { /* in_cooldown: ignore any bad epochs */
    p->cooldown_counter -= 1;
    p->num_bad_epochs = 0;
  }
  if (p->num_bad_epochs > p->patience) {
    if (reduce_lr(s) != 0) return -1;
    p->cooldown_counter = p->cooldown;
    p->num_bad_epochs = 0;
  }
  return sched_read_last_lr(s);
}

ct_lr_scheduler *ct_lr_reduce_lr_on_plateau_ex(ct_optim *o, ct_reduce_lr_on_plateau_opts opts) {
  if (opts.factor >= 1.0) return ct__err("Factor should be < 1.0.");
  ct_lr_scheduler *s = sched_new(&sched_reduce_lr_on_plateau, o);
  if (!s) return NULL;
  plateau_p *p = s->p;
  if (!(p->min_lrs = sched_list(s))) {
    ct_lr_scheduler_free(s);
    return NULL;
  }
  if (opts.min_lr.n > 1 && opts.min_lr.n != s->ng) {
    ct__err("expected %d min_lrs, got %d", s->ng, opts.min_lr.n);
    ct_lr_scheduler_free(s);
    return NULL;
  }
  for (int g = 0; g < s->ng; g++) p->min_lrs[g] = opts.min_lr.n == 0 ? 0.0 : opts.min_lr.v[opts.min_lr.n == 1 ? 0 : g];
  if ((unsigned)opts.mode > CT_PLATEAU_MAX || (unsigned)opts.threshold_mode > CT_THRESHOLD_ABS) {
    ct__err((unsigned)opts.mode > CT_PLATEAU_MAX ? "mode %d is unknown!" : "threshold mode %d is unknown!",
            (unsigned)opts.mode > CT_PLATEAU_MAX ? (int)opts.mode : (int)opts.threshold_mode);
    ct_lr_scheduler_free(s);
    return NULL;
  }
  p->factor = opts.factor;
  p->patience = opts.patience;
  p->cooldown = opts.cooldown;
  p->mode = opts.mode;
  p->threshold = opts.threshold;
  p->threshold_mode = opts.threshold_mode;
  p->eps = opts.eps;
  p->mode_worse = opts.mode == CT_PLATEAU_MIN ? INFINITY : -INFINITY;
  p->best = p->mode_worse; /* _reset() */
  s->last_epoch = 0;
  s->verbose = opts.verbose;
  return s;
}

static ct_lr_scheduler *plateau_build(ct_optim *o, sched_args *a) {
  ct_reduce_lr_on_plateau_opts opts = {.factor = 0.1, .patience = 10, .threshold = 1e-4, .eps = 1e-8};
  int mode = 0, tmode = 0;
  if (sarg_num(a, "factor", &opts.factor) || sarg_i64(a, "patience", &opts.patience) ||
      sarg_num(a, "threshold", &opts.threshold) || sarg_i64(a, "cooldown", &opts.cooldown) ||
      sarg_groups(a, "min_lr", -1, &opts.min_lr) || sarg_num(a, "eps", &opts.eps) ||
      sarg_bool(a, "verbose", &opts.verbose))
    return NULL;
  if (opts.factor >= 1.0) return ct__err("Factor should be < 1.0.");
  const ct_value *ml = sarg(a, "min_lr");
  if (ml && ml->type == CT_V_TUPLE && o && ml->n != ct_optim_num_groups(o))
    return ct__err("expected %d min_lrs, got %d", ct_optim_num_groups(o), ml->n);
  const char *bad = NULL, *bad_threshold = NULL;
  if (sarg_enum(a, "mode", MODES, &mode, &bad) || sarg_enum(a, "threshold_mode", THRESHOLD_MODES, &tmode, &bad_threshold))
    return NULL;
  if (bad) return ct__err("mode %s is unknown!", bad);
  if (bad_threshold) return ct__err("threshold mode %s is unknown!", bad_threshold);
  opts.mode = (ct_plateau_mode)mode;
  opts.threshold_mode = (ct_threshold_mode)tmode;
  return ct_lr_reduce_lr_on_plateau_ex(o, opts);
}

const sched_kind sched_reduce_lr_on_plateau = {
    .name = "ReduceLROnPlateau", .size = sizeof(plateau_p), .fields = PLATEAU_FIELDS, .n_fields = 12,
    .plain = true, .build = plateau_build,
    .keywords = (const char *const[]){"mode", "factor", "patience", "threshold", "threshold_mode", "cooldown",
                                      "min_lr", "eps", "verbose", NULL}};
