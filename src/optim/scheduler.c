/* The common LR scheduler machinery: PyTorch 1.13's _LRScheduler (initial step, "initial_lr",
 * base_lrs, step / step(epoch), get_last_lr), the kinds' registry and by-name building, and
 * freeing. state_dict / load_state_dict live in scheduler_state.c. */
#include "scheduler_internal.h"

#include <stdio.h>

static const sched_kind *const KINDS[] = {
    &sched_lambda_lr,          &sched_multiplicative_lr,
    &sched_step_lr,            &sched_multi_step_lr,
    &sched_constant_lr,        &sched_linear_lr,
    &sched_exponential_lr,     &sched_sequential_lr,
    &sched_cosine_annealing_lr, &sched_chained_scheduler,
    &sched_reduce_lr_on_plateau, &sched_cyclic_lr,
    &sched_cosine_annealing_warm_restarts, &sched_one_cycle_lr,
    &sched_polynomial_lr,
};
/* torch.optim.lr_scheduler.__all__ has these 15. */
_Static_assert(sizeof(KINDS) / sizeof(KINDS[0]) == 15, "every scheduler of PyTorch 1.13");

double sched_group(const ct_lr_scheduler *s, int g, const char *key) {
  return ct_optim_get(s->optim, g, key);
}

bool sched_optim_has(const ct_optim *o, const char *key) {
  return ct_optim_num_groups(o) > 0 && ct_optim_has(o, 0, key);
}

double *sched_list(const ct_lr_scheduler *s) {
  double *l = calloc((size_t)(s->ng > 0 ? s->ng : 1), sizeof(double));
  if (!l) ct__err("out of memory");
  return l;
}

int sched_groups(const ct_lr_scheduler *s, const char *name, const ct_lr_groups *v, double def, double *out) {
  if (v->n == 0) {
    for (int g = 0; g < s->ng; g++) out[g] = def;
    return 0;
  }
  if (v->n == 1) {
    for (int g = 0; g < s->ng; g++) out[g] = v->v[0];
    return 0;
  }
  if (v->n != s->ng) return ct__errs("expected %d values for %s, got %d", s->ng, name, v->n);
  for (int g = 0; g < s->ng; g++) out[g] = v->v[g];
  return 0;
}

double sched_pymod(double a, double b) {
  double r = fmod(a, b);
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

ct_lr_scheduler *sched_new(const sched_kind *kind, ct_optim *o) {
  if (!o) return ct__err("NoneType is not an Optimizer");
  int ng = ct_optim_num_groups(o);
  ct_lr_scheduler *s = calloc(1, sizeof *s);
  if (!s) return ct__err("out of memory");
  s->kind = kind;
  s->optim = o;
  s->ng = ng;
  s->p = calloc(1, kind->size ? kind->size : 1);
  s->base_lrs = sched_list(s);
  s->last_lr = sched_list(s);
  if (!s->p || !s->base_lrs || !s->last_lr) {
    ct_lr_scheduler_free(s);
    return ct__err("out of memory");
  }
  return s;
}

int sched_read_last_lr(ct_lr_scheduler *s) {
  for (int g = 0; g < s->ng; g++) {
    double lr = sched_group(s, g, "lr");
    if (isnan(lr) && !ct_optim_has(s->optim, g, "lr")) return -1;
    s->last_lr[g] = lr;
  }
  s->has_last_lr = true;
  return 0;
}

int sched_apply(ct_lr_scheduler *s, const double *lrs) {
  for (int g = 0; g < s->ng; g++)
    if (ct_optim_set(s->optim, g, "lr", lrs[g]) != 0) return -1;
  return sched_read_last_lr(s);
}

ct_lr_scheduler *sched_init(ct_lr_scheduler *s, int64_t last_epoch, bool verbose) {
  if (!s) return NULL;
  for (int g = 0; g < s->ng; g++) {
    if (ct_optim_has(s->optim, g, "initial_lr")) continue;
    if (last_epoch != -1) {
      ct_lr_scheduler_free(s);
      return ct__err("param 'initial_lr' is not specified in param_groups[%d] when resuming an optimizer", g);
    }
  }
  for (int g = 0; g < s->ng; g++)
    if (!ct_optim_has(s->optim, g, "initial_lr") &&
        ct_optim_set(s->optim, g, "initial_lr", sched_group(s, g, "lr")) != 0) {
      ct_lr_scheduler_free(s);
      return NULL;
    }
  for (int g = 0; g < s->ng; g++) s->base_lrs[g] = sched_group(s, g, "initial_lr");
  s->last_epoch = last_epoch;
  s->verbose = verbose;
  /* _initial_step(): _step_count = 0, then step() */
  s->step_count = 0;
  int rc = s->kind->step ? s->kind->step(s, false, 0) : sched_step_common(s, false, 0);
  if (rc != 0) {
    ct_lr_scheduler_free(s);
    return NULL;
  }
  return s;
}

int sched_step_common(ct_lr_scheduler *s, bool has_epoch, double epoch) {
  int64_t old_epoch = s->last_epoch, old_count = s->step_count;
  double *lrs = sched_list(s);
  if (!lrs) return -1;
  s->step_count++;
  int rc;
  if (!has_epoch) {
    s->last_epoch++;
    rc = s->kind->get_lr(s, lrs);
  } else {
    s->last_epoch = (int64_t)epoch;
    rc = s->kind->closed_form ? s->kind->closed_form(s, lrs) : s->kind->get_lr(s, lrs);
  }
  if (rc == 0) rc = sched_apply(s, lrs);
  if (rc != 0) {
    s->last_epoch = old_epoch;
    s->step_count = old_count;
  }
  free(lrs);
  return rc;
}

/* ---- public ------------------------------------------------------------------------------- */
void ct_lr_scheduler_free(ct_lr_scheduler *s) {
  if (!s) return;
  if (s->kind->destroy && s->p) s->kind->destroy(s);
  for (int i = 0; s->p && i < s->kind->n_fields; i++) {
    const sched_field *f = &s->kind->fields[i];
    if (f->type == SF_LIST || f->type == SF_INTS) free(*(void **)((char *)s->p + f->off));
  }
  for (int i = 0; i < s->nsubs; i++) ct_lr_scheduler_free(s->subs[i]);
  free(s->subs);
  free(s->p);
  free(s->base_lrs);
  free(s->last_lr);
  free(s);
}

const char *ct_lr_scheduler_name(const ct_lr_scheduler *s) {
  return s ? s->kind->name : NULL;
}

ct_optim *ct_lr_scheduler_optimizer(const ct_lr_scheduler *s) {
  return s ? s->optim : NULL;
}

int ct_lr_scheduler_step(ct_lr_scheduler *s) {
  if (!s) return ct__errs("lr_scheduler.step(): scheduler is NULL");
  if (s->kind->plain) return ct__errs("step() missing 1 required positional argument: 'metrics'");
  return s->kind->step ? s->kind->step(s, false, 0) : sched_step_common(s, false, 0);
}

int ct_lr_scheduler_step_epoch(ct_lr_scheduler *s, double epoch) {
  if (!s) return ct__errs("lr_scheduler.step(): scheduler is NULL");
  if (s->kind->plain || s->kind == &sched_sequential_lr || s->kind == &sched_chained_scheduler)
    return ct__errs("%s.step() takes no epoch argument", s->kind->name);
  if (isnan(epoch) || isinf(epoch)) return ct__errs("step(): epoch must be finite, got %g", epoch);
  if (s->kind->step) return s->kind->step(s, true, epoch);
  if (epoch != floor(epoch) || fabs(epoch) > 9e15)
    return ct__errs("%s.step(epoch): epoch must be an integer, got %g", s->kind->name, epoch);
  return sched_step_common(s, true, epoch);
}

int ct_lr_scheduler_get_last_lr(const ct_lr_scheduler *s, double *out, int cap) {
  if (!s) return ct__errs("get_last_lr(): scheduler is NULL");
  if (!s->has_last_lr) return ct__errs("'%s' object has no attribute '_last_lr'", s->kind->name);
  if (!out) return s->ng;
  if (cap < s->ng) return ct__errs("get_last_lr(): %d groups do not fit in %d", s->ng, cap);
  memcpy(out, s->last_lr, (size_t)s->ng * sizeof(double));
  return s->ng;
}

int ct_lr_scheduler_step_metric(ct_lr_scheduler *s, double metric) {
  if (!s) return ct__errs("lr_scheduler.step(): scheduler is NULL");
  if (!s->kind->plain) return ct__errs("%s.step() takes no metric (ReduceLROnPlateau does)", s->kind->name);
  return sched_plateau_step(s, metric);
}

int64_t ct_lr_scheduler_last_epoch(const ct_lr_scheduler *s) {
  return s ? s->last_epoch : INT64_MIN;
}

ct_lr_scheduler *ct_lr_scheduler_create(const char *name, ct_optim *optim, const ct_values *kwargs) {
  if (!name) return ct__err("ct_lr_scheduler_create: name is NULL");
  const sched_kind *kind = NULL;
  for (size_t i = 0; i < sizeof(KINDS) / sizeof(KINDS[0]); i++)
    if (strcmp(KINDS[i]->name, name) == 0) kind = KINDS[i];
  if (!kind) return ct__err("module 'torch.optim.lr_scheduler' has no attribute '%s'", name);
  sched_args a;
  if (sargs_parse(&a, kind, kwargs) != 0) return NULL;
  if (kind != &sched_chained_scheduler && !optim) return ct__err("NoneType is not an Optimizer");
  return kind->build(optim, &a);
}
