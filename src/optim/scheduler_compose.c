/* SequentialLR and ChainedScheduler: schedulers over one optimizer, taken over (freed with the
 * composite). By name, "schedulers" is a tuple of class names or (name, keywords...) tuples. */
#include "scheduler_internal.h"

#include <stddef.h>

typedef struct sequential_p {
  int64_t *milestones;
  int64_t n;
} sequential_p;
static const sched_field SEQUENTIAL_FIELDS[] = {
    {"_milestones", SF_INTS, offsetof(sequential_p, milestones), offsetof(sequential_p, n), NULL}};

/* The checks both composites share: non-NULL, not twice, not ReduceLROnPlateau (it needs a
 * metric PyTorch's composites cannot give: its step() would raise a TypeError). */
static int check_subs(const char *cls, ct_lr_scheduler *const *subs, int n) {
  if (n < 0 || (n > 0 && !subs)) return ct__errs("%s: schedulers is NULL or its count negative", cls);
  for (int i = 0; i < n; i++) {
    if (!subs[i]) return ct__errs("%s: schedulers[%d] is NULL", cls, i);
    if (subs[i]->kind->plain)
      return ct__errs("%s: schedulers[%d] is ReduceLROnPlateau, whose step() needs a metric", cls, i);
    for (int j = 0; j < i; j++)
      if (subs[j] == subs[i]) return ct__errs("%s: schedulers[%d] is given twice", cls, i);
  }
  return 0;
}

static int take_subs(ct_lr_scheduler *s, ct_lr_scheduler *const *subs, int n) {
  s->subs = calloc((size_t)(n > 0 ? n : 1), sizeof *s->subs);
  if (!s->subs) return ct__errs("out of memory");
  memcpy(s->subs, subs, (size_t)n * sizeof *subs);
  s->nsubs = n;
  return 0;
}

static void copy_last_lr(ct_lr_scheduler *s, const ct_lr_scheduler *from) {
  for (int g = 0; g < s->ng && g < from->ng; g++) s->last_lr[g] = from->last_lr[g];
  s->has_last_lr = true;
}

/* ---- SequentialLR ---------------------------------------------------------------------- */
static int64_t bisect_right(const int64_t *a, int64_t n, int64_t x) {
  int64_t lo = 0, hi = n; /* Python's bisect.bisect_right, also on an unsorted list */
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (x < a[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static int sequential_step(ct_lr_scheduler *s, bool has_epoch, double epoch) {
  (void)has_epoch, (void)epoch;
  const sequential_p *p = s->p;
  s->last_epoch += 1;
  int64_t idx = bisect_right(p->milestones, p->n, s->last_epoch);
  ct_lr_scheduler *sub = s->subs[idx];
  int rc = idx > 0 && p->milestones[idx - 1] == s->last_epoch ? ct_lr_scheduler_step_epoch(sub, 0)
                                                              : ct_lr_scheduler_step(sub);
  if (rc != 0) {
    s->last_epoch -= 1;
    return -1;
  }
  copy_last_lr(s, sub);
  return 0;
}

static ct_lr_scheduler *sequential_new(ct_optim *o, ct_lr_scheduler *const *subs, int n, const int64_t *milestones,
                                       int nm, int64_t last_epoch) {
  if (check_subs("SequentialLR", subs, n) != 0) return NULL;
  for (int i = 0; i < n; i++)
    if (subs[i]->optim != o)
      return ct__err("Sequential Schedulers expects all schedulers to belong to the same optimizer, but got "
                     "schedulers at index %d to be different than the optimizer passed in.", i);
  if (nm != n - 1)
    return ct__err("Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                   "milestone points, but got number of schedulers %d and the number of milestones to be equal to %d",
                   n, nm);
  if (nm > 0 && !milestones) return ct__err("SequentialLR: milestones is NULL");
  ct_lr_scheduler *s = sched_new(&sched_sequential_lr, o);
  if (!s) return NULL;
  sequential_p *p = s->p;
  p->milestones = calloc((size_t)(nm > 0 ? nm : 1), sizeof(int64_t));
  if (!p->milestones || take_subs(s, subs, n) != 0) {
    s->nsubs = 0; /* the caller keeps them */
    ct_lr_scheduler_free(s);
    return ct__err("out of memory");
  }
  if (nm) memcpy(p->milestones, milestones, (size_t)nm * sizeof(int64_t));
  p->n = nm;
  s->last_epoch = last_epoch + 1;
  /* reset the learning rates to their initial values; "undo" the subs' initial steps */
  for (int g = 0; g < s->ng; g++) ct_optim_set(o, g, "lr", ct_optim_get(o, g, "initial_lr"));
  for (int i = 0; i < n; i++) subs[i]->last_epoch -= 1;
  /* _initial_step() of the first: _step_count = 0, then step() */
  ct_lr_scheduler *first = subs[0];
  first->step_count = 0;
  if ((first->kind->step ? first->kind->step(first, false, 0) : sched_step_common(first, false, 0)) != 0) {
    s->nsubs = 0;
    ct_lr_scheduler_free(s);
    return NULL;
  }
  copy_last_lr(s, first);
  return s;
}

ct_lr_scheduler *ct_lr_sequential_lr(ct_optim *o, ct_lr_scheduler *const *schedulers, int n,
                                     const int64_t *milestones, int n_milestones) {
  if (!o) return ct__err("NoneType is not an Optimizer");
  return sequential_new(o, schedulers, n, milestones, n_milestones, -1);
}

/* ---- ChainedScheduler ------------------------------------------------------------------ */
static int chained_step(ct_lr_scheduler *s, bool has_epoch, double epoch) {
  (void)has_epoch, (void)epoch;
  for (int i = 0; i < s->nsubs; i++)
    if (ct_lr_scheduler_step(s->subs[i]) != 0) return -1;
  s->last_epoch += 1;
  return sched_read_last_lr(s);
}

ct_lr_scheduler *ct_lr_chained_scheduler(ct_lr_scheduler *const *schedulers, int n) {
  if (check_subs("ChainedScheduler", schedulers, n) != 0) return NULL;
  if (n == 0) return ct__err("list index out of range");
  for (int i = 1; i < n; i++)
    if (schedulers[i]->optim != schedulers[0]->optim)
      return ct__err("ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers "
                     "at index 0 and %d to be different", i);
  ct_lr_scheduler *s = sched_new(&sched_chained_scheduler, schedulers[0]->optim);
  if (!s) return NULL;
  if (take_subs(s, schedulers, n) != 0 || sched_read_last_lr(s) != 0) {
    s->nsubs = 0;
    ct_lr_scheduler_free(s);
    return NULL;
  }
  return s;
}

/* ---- by name ----------------------------------------------------------------------------- */
/* Builds the "schedulers" tuple's elements on o into subs; returns the count or -1 (the built
 * ones freed). */
static int build_subs(ct_optim *o, const sched_args *a, ct_lr_scheduler **subs, int cap) {
  const ct_value *v = sarg(a, "schedulers");
  if (!v) return ct__errs("%s.__init__() missing 1 required positional argument: 'schedulers'", a->cls);
  if (v->type != CT_V_TUPLE) return ct__errs("%s(): schedulers must be a tuple", a->cls);
  if (v->n > cap) return ct__errs("%s(): more than %d schedulers", a->cls, cap);
  int at = (int)(v - a->vs->v) + 1, n = 0;
  for (int k = 0; k < v->n; k++, at += sargs_span(a->vs, at)) {
    if (at >= a->vs->n) {
      for (int i = 0; i < n; i++) ct_lr_scheduler_free(subs[i]);
      return ct__errs("%s(): schedulers holds fewer entries than its tuple says", a->cls);
    }
    const ct_value *e = &a->vs->v[at];
    ct_values kw = {0};
    const char *name = e->type == CT_V_STR ? e->s : NULL;
    if (e->type == CT_V_TUPLE && e->n >= 1 && at + 1 < a->vs->n && e[1].type == CT_V_STR) {
      name = e[1].s;
      int end = at + sargs_span(a->vs, at);
      if (end > a->vs->n) end = a->vs->n;
      for (int j = at + 2; j < end; j++) kw.v[kw.n++] = a->vs->v[j];
    }
    ct_lr_scheduler *sub = name ? ct_lr_scheduler_create(name, o, &kw) : NULL;
    if (!name) ct__err("%s(): schedulers[%d] must be a class name or a (name, keywords...) tuple", a->cls, k);
    if (!sub) {
      for (int i = 0; i < n; i++) ct_lr_scheduler_free(subs[i]);
      return -1;
    }
    subs[n++] = sub;
  }
  return n;
}

static ct_lr_scheduler *composite_build(ct_optim *o, sched_args *a, bool sequential) {
  ct_lr_scheduler *subs[CT_VALUES_MAX];
  int64_t ms[CT_VALUES_MAX], last_epoch = -1;
  bool verbose = false;
  int nm = 0;
  if (sequential) {
    if (sarg_required(a, "milestones")) return NULL;
    nm = sarg_ints(a, "milestones", ms, CT_VALUES_MAX);
    if (nm < 0 || sarg_common(a, &last_epoch, &verbose)) return NULL;
  }
  int n = build_subs(o, a, subs, CT_VALUES_MAX);
  if (n < 0) return NULL;
  ct_lr_scheduler *s = sequential ? sequential_new(o, subs, n, ms, nm, last_epoch) : ct_lr_chained_scheduler(subs, n);
  if (!s)
    for (int i = 0; i < n; i++) ct_lr_scheduler_free(subs[i]);
  return s;
}

static ct_lr_scheduler *sequential_build(ct_optim *o, sched_args *a) {
  return composite_build(o, a, true);
}

static ct_lr_scheduler *chained_build(ct_optim *o, sched_args *a) {
  return composite_build(o, a, false);
}

const sched_kind sched_sequential_lr = {
    .name = "SequentialLR", .size = sizeof(sequential_p), .fields = SEQUENTIAL_FIELDS, .n_fields = 1,
    .composite = true, .step = sequential_step, .build = sequential_build, .n_required = 2,
    .keywords = (const char *const[]){"schedulers", "milestones", "last_epoch", "verbose", NULL}};

const sched_kind sched_chained_scheduler = {.name = "ChainedScheduler", .composite = true, .step = chained_step,
                                            .build = chained_build, .n_required = 1,
                                            .keywords = (const char *const[]){"schedulers", NULL}};
