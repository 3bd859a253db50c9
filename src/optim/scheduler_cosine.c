/* CosineAnnealingLR (PyTorch 1.13's recursive form under step(), the closed form under
 * step(epoch)) and CosineAnnealingWarmRestarts (its own step, fractional epochs). Expressions
 * keep Python's order of operations so float64 results are PyTorch's exactly. */
#include "scheduler_internal.h"

#include <stddef.h>
#include <stdio.h>

static const double PI = 3.141592653589793; /* math.pi */

/* ---- CosineAnnealingLR ----------------------------------------------------------------- */
typedef struct cosine_p {
  double T_max, eta_min;
} cosine_p;
static const sched_field COSINE_FIELDS[] = {SF(cosine_p, SF_F64, T_max), SF(cosine_p, SF_F64, eta_min)};

static int cosine_get_lr(ct_lr_scheduler *s, double *lrs) {
  const cosine_p *p = s->p;
  double e = (double)s->last_epoch, T = p->T_max, m = p->eta_min;
  for (int g = 0; g < s->ng; g++) {
    double lr = sched_group(s, g, "lr"), base = s->base_lrs[g];
    if (s->last_epoch == 0) lrs[g] = lr;
    else if (s->step_count == 1 && s->last_epoch > 0) /* resumed: the closed form once */
      lrs[g] = m + (base - m) * (1 + cos(e * PI / T)) / 2;
    else if (sched_pymod(e - 1 - T, 2 * T) == 0)
      lrs[g] = lr + (base - m) * (1 - cos(PI / T)) / 2;
    else
      lrs[g] = (1 + cos(PI * e / T)) / (1 + cos(PI * (e - 1) / T)) * (lr - m) + m;
  }
  return 0;
}

static int cosine_closed(ct_lr_scheduler *s, double *lrs) {
  const cosine_p *p = s->p;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = p->eta_min + (s->base_lrs[g] - p->eta_min) * (1 + cos(PI * (double)s->last_epoch / p->T_max)) / 2;
  return 0;
}

ct_lr_scheduler *ct_lr_cosine_annealing_lr_ex(ct_optim *o, double T_max, ct_cosine_annealing_lr_opts opts) {
  /* PyTorch divides by T_max from the first step on (ZeroDivisionError); refused at once. */
  if (T_max == 0) return ct__err("float division by zero");
  ct_lr_scheduler *s = sched_new(&sched_cosine_annealing_lr, o);
  if (!s) return NULL;
  *(cosine_p *)s->p = (cosine_p){T_max, opts.eta_min};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *cosine_build(ct_optim *o, sched_args *a) {
  double T_max = 0;
  ct_cosine_annealing_lr_opts opts = {0};
  if (sarg_required(a, "T_max") || sarg_num(a, "T_max", &T_max) || sarg_num(a, "eta_min", &opts.eta_min) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_cosine_annealing_lr_ex(o, T_max, opts);
}

const sched_kind sched_cosine_annealing_lr = {
    .name = "CosineAnnealingLR", .size = sizeof(cosine_p), .fields = COSINE_FIELDS, .n_fields = 2,
    .get_lr = cosine_get_lr, .closed_form = cosine_closed, .build = cosine_build, .n_required = 1,
    .keywords = (const char *const[]){"T_max", "eta_min", "last_epoch", "verbose", NULL}};

/* ---- CosineAnnealingWarmRestarts ------------------------------------------------------- */
typedef struct warm_p {
  int64_t T_0, T_i, T_mult;
  double eta_min, T_cur;
} warm_p;
static const sched_field WARM_FIELDS[] = {SF(warm_p, SF_I64, T_0), SF(warm_p, SF_I64, T_i), SF(warm_p, SF_I64, T_mult),
                                          SF(warm_p, SF_F64, eta_min), SF(warm_p, SF_F64, T_cur)};

static int64_t ipow(int64_t b, int64_t n) {
  int64_t r = 1;
  while (n-- > 0) r *= b;
  return r;
}

/* T_cur and T_i for an explicit epoch (PyTorch's step(epoch) branch). */
static void warm_at_epoch(warm_p *p, double epoch) {
  if (epoch >= (double)p->T_0) {
    if (p->T_mult == 1) {
      p->T_cur = sched_pymod(epoch, (double)p->T_0);
    } else {
      double tm = (double)p->T_mult;
      int64_t n = (int64_t)(log(epoch / (double)p->T_0 * (tm - 1) + 1) / log(tm));
      p->T_cur = epoch - (double)(p->T_0 * (ipow(p->T_mult, n) - 1)) / (double)(p->T_mult - 1);
      p->T_i = p->T_0 * ipow(p->T_mult, n);
    }
  } else {
    p->T_i = p->T_0;
    p->T_cur = epoch;
  }
}

static int warm_step(ct_lr_scheduler *s, bool has_epoch, double epoch) {
  warm_p *p = s->p, old = *p;
  if (!has_epoch && s->last_epoch < 0) {
    has_epoch = true;
    epoch = 0;
  }
  if (has_epoch && epoch < 0) {
    char buf[64];
    snprintf(buf, sizeof buf, epoch == floor(epoch) ? "%.0f" : "%.17g", epoch);
    return ct__errs("Expected non-negative epoch, but got %s", buf);
  }
  if (!has_epoch) {
    epoch = (double)(s->last_epoch + 1);
    p->T_cur = p->T_cur + 1;
    if (p->T_cur >= (double)p->T_i) {
      p->T_cur = p->T_cur - (double)p->T_i;
      p->T_i = p->T_i * p->T_mult;
    }
  } else {
    warm_at_epoch(p, epoch);
  }
  int64_t old_epoch = s->last_epoch;
  s->last_epoch = (int64_t)floor(epoch);
  double *lrs = sched_list(s);
  int rc = lrs ? 0 : -1;
  for (int g = 0; lrs && g < s->ng; g++)
    lrs[g] = p->eta_min + (s->base_lrs[g] - p->eta_min) * (1 + cos(PI * p->T_cur / (double)p->T_i)) / 2;
  if (rc == 0) rc = sched_apply(s, lrs);
  free(lrs);
  if (rc != 0) {
    *p = old;
    s->last_epoch = old_epoch;
  }
  return rc;
}

ct_lr_scheduler *ct_lr_cosine_annealing_warm_restarts_ex(ct_optim *o, int64_t T_0,
                                                         ct_cosine_annealing_warm_restarts_opts opts) {
  if (T_0 <= 0) return ct__err("Expected positive integer T_0, but got %lld", (long long)T_0);
  if (opts.T_mult < 1) return ct__err("Expected integer T_mult >= 1, but got %lld", (long long)opts.T_mult);
  ct_lr_scheduler *s = sched_new(&sched_cosine_annealing_warm_restarts, o);
  if (!s) return NULL;
  *(warm_p *)s->p = (warm_p){T_0, T_0, opts.T_mult, opts.eta_min, (double)opts.last_epoch};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

/* Python's repr of a number given as a float (2.0) or an int (2). */
static const char *num_repr(double v, bool is_int, char *buf, size_t n) {
  snprintf(buf, n, is_int ? "%.0f" : (v == floor(v) && fabs(v) < 1e16 ? "%.1f" : "%.17g"), v);
  return buf;
}

static ct_lr_scheduler *warm_build(ct_optim *o, sched_args *a) {
  double T_0 = 0, T_mult = 1;
  bool t0_int = true, tm_int = true;
  ct_cosine_annealing_warm_restarts_opts opts = {0};
  if (sarg_required(a, "T_0") || sarg_i64_loose(a, "T_0", &T_0, &t0_int) ||
      sarg_i64_loose(a, "T_mult", &T_mult, &tm_int) || sarg_num(a, "eta_min", &opts.eta_min) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  char buf[64];
  if (T_0 <= 0 || !t0_int) return ct__err("Expected positive integer T_0, but got %s", num_repr(T_0, t0_int, buf, sizeof buf));
  if (T_mult < 1 || !tm_int)
    return ct__err("Expected integer T_mult >= 1, but got %s", num_repr(T_mult, tm_int, buf, sizeof buf));
  opts.T_mult = (int64_t)T_mult;
  return ct_lr_cosine_annealing_warm_restarts_ex(o, (int64_t)T_0, opts);
}

const sched_kind sched_cosine_annealing_warm_restarts = {
    .name = "CosineAnnealingWarmRestarts", .size = sizeof(warm_p), .fields = WARM_FIELDS, .n_fields = 5,
    .step = warm_step, .build = warm_build, .n_required = 1,
    .keywords = (const char *const[]){"T_0", "T_mult", "eta_min", "last_epoch", "verbose", NULL}};
