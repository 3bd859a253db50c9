/* StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR: PyTorch 1.13's
 * chainable get_lr (used by step()) and closed form (step(epoch)), operation for operation so
 * the float64 sequences are PyTorch's bit for bit. */
#include "scheduler_internal.h"

#include <stddef.h>

/* Python's a // b for ints. */
static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ---- StepLR ---------------------------------------------------------------------------- */
typedef struct step_p {
  int64_t step_size;
  double gamma;
} step_p;
static const sched_field STEP_FIELDS[] = {SF(step_p, SF_I64, step_size), SF(step_p, SF_F64, gamma)};

static int step_get_lr(ct_lr_scheduler *s, double *lrs) {
  const step_p *p = s->p;
  bool keep = s->last_epoch == 0 || s->last_epoch % p->step_size != 0;
  for (int g = 0; g < s->ng; g++) lrs[g] = keep ? sched_group(s, g, "lr") : sched_group(s, g, "lr") * p->gamma;
  return 0;
}

static int step_closed(ct_lr_scheduler *s, double *lrs) {
  const step_p *p = s->p;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->base_lrs[g] * pow(p->gamma, (double)floordiv(s->last_epoch, p->step_size));
  return 0;
}

ct_lr_scheduler *ct_lr_step_lr_ex(ct_optim *o, int64_t step_size, ct_step_lr_opts opts) {
  /* PyTorch fails at the first step with a ZeroDivisionError; refused here at once. */
  if (step_size == 0) return ct__err("integer division or modulo by zero");
  ct_lr_scheduler *s = sched_new(&sched_step_lr, o);
  if (!s) return NULL;
  *(step_p *)s->p = (step_p){step_size, opts.gamma};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *step_build(ct_optim *o, sched_args *a) {
  int64_t step_size = 0;
  ct_step_lr_opts opts = {.gamma = 0.1};
  if (sarg_required(a, "step_size") || sarg_i64(a, "step_size", &step_size) || sarg_num(a, "gamma", &opts.gamma) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_step_lr_ex(o, step_size, opts);
}

const sched_kind sched_step_lr = {
    .name = "StepLR", .size = sizeof(step_p), .fields = STEP_FIELDS, .n_fields = 2,
    .get_lr = step_get_lr, .closed_form = step_closed, .build = step_build, .n_required = 1,
    .keywords = (const char *const[]){"step_size", "gamma", "last_epoch", "verbose", NULL}};

/* ---- MultiStepLR ----------------------------------------------------------------------- */
typedef struct multi_step_p {
  int64_t *milestones; /* sorted; repeats count (PyTorch's Counter) */
  int64_t n;
  double gamma;
} multi_step_p;
static const sched_field MULTI_FIELDS[] = {
    {"milestones", SF_INTS, offsetof(multi_step_p, milestones), offsetof(multi_step_p, n), NULL},
    SF(multi_step_p, SF_F64, gamma)};

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int multi_get_lr(ct_lr_scheduler *s, double *lrs) {
  const multi_step_p *p = s->p;
  int count = 0;
  for (int64_t k = 0; k < p->n; k++) count += p->milestones[k] == s->last_epoch;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = count == 0 ? sched_group(s, g, "lr") : sched_group(s, g, "lr") * pow(p->gamma, count);
  return 0;
}

static int multi_closed(ct_lr_scheduler *s, double *lrs) {
  const multi_step_p *p = s->p;
  int64_t below = 0; /* bisect_right(sorted milestones, last_epoch) */
  while (below < p->n && p->milestones[below] <= s->last_epoch) below++;
  for (int g = 0; g < s->ng; g++) lrs[g] = s->base_lrs[g] * pow(p->gamma, (double)below);
  return 0;
}

ct_lr_scheduler *ct_lr_multi_step_lr_ex(ct_optim *o, int n_milestones, const int64_t *milestones,
                                        ct_multi_step_lr_opts opts) {
  if (n_milestones < 0 || (n_milestones > 0 && !milestones))
    return ct__err("MultiStepLR: milestones is NULL or its count negative");
  ct_lr_scheduler *s = sched_new(&sched_multi_step_lr, o);
  if (!s) return NULL;
  multi_step_p *p = s->p;
  p->milestones = calloc((size_t)(n_milestones > 0 ? n_milestones : 1), sizeof(int64_t));
  if (!p->milestones) {
    ct_lr_scheduler_free(s);
    return ct__err("out of memory");
  }
  if (n_milestones) memcpy(p->milestones, milestones, (size_t)n_milestones * sizeof(int64_t));
  qsort(p->milestones, (size_t)n_milestones, sizeof(int64_t), cmp_i64);
  p->n = n_milestones;
  p->gamma = opts.gamma;
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *multi_build(ct_optim *o, sched_args *a) {
  int64_t ms[CT_VALUES_MAX];
  ct_multi_step_lr_opts opts = {.gamma = 0.1};
  if (sarg_required(a, "milestones")) return NULL;
  int n = sarg_ints(a, "milestones", ms, CT_VALUES_MAX);
  if (n < 0 || sarg_num(a, "gamma", &opts.gamma) || sarg_common(a, &opts.last_epoch, &opts.verbose)) return NULL;
  return ct_lr_multi_step_lr_ex(o, n, ms, opts);
}

const sched_kind sched_multi_step_lr = {
    .name = "MultiStepLR", .size = sizeof(multi_step_p), .fields = MULTI_FIELDS, .n_fields = 2,
    .get_lr = multi_get_lr, .closed_form = multi_closed, .build = multi_build, .n_required = 1,
    .keywords = (const char *const[]){"milestones", "gamma", "last_epoch", "verbose", NULL}};

/* ---- ConstantLR ------------------------------------------------------------------------ */
typedef struct constant_p {
  double factor;
  int64_t total_iters;
} constant_p;
static const sched_field CONSTANT_FIELDS[] = {SF(constant_p, SF_F64, factor), SF(constant_p, SF_I64, total_iters)};

static int constant_get_lr(ct_lr_scheduler *s, double *lrs) {
  const constant_p *p = s->p;
  if (s->last_epoch == p->total_iters && s->last_epoch != 0 && p->factor == 0)
    return ct__errs("float division by zero");
  for (int g = 0; g < s->ng; g++) {
    double lr = sched_group(s, g, "lr");
    if (s->last_epoch == 0) lrs[g] = lr * p->factor;
    else if (s->last_epoch != p->total_iters) lrs[g] = lr;
    else lrs[g] = lr * (1.0 / p->factor);
  }
  return 0;
}

static int constant_closed(ct_lr_scheduler *s, double *lrs) {
  const constant_p *p = s->p;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->base_lrs[g] * (p->factor + (double)(s->last_epoch >= p->total_iters) * (1 - p->factor));
  return 0;
}

ct_lr_scheduler *ct_lr_constant_lr_ex(ct_optim *o, ct_constant_lr_opts opts) {
  if (opts.factor > 1.0 || opts.factor < 0)
    return ct__err("Constant multiplicative factor expected to be between 0 and 1.");
  ct_lr_scheduler *s = sched_new(&sched_constant_lr, o);
  if (!s) return NULL;
  *(constant_p *)s->p = (constant_p){opts.factor, opts.total_iters};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *constant_build(ct_optim *o, sched_args *a) {
  ct_constant_lr_opts opts = {.factor = 1.0 / 3, .total_iters = 5};
  if (sarg_num(a, "factor", &opts.factor) || sarg_i64(a, "total_iters", &opts.total_iters) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_constant_lr_ex(o, opts);
}

const sched_kind sched_constant_lr = {
    .name = "ConstantLR", .size = sizeof(constant_p), .fields = CONSTANT_FIELDS, .n_fields = 2,
    .get_lr = constant_get_lr, .closed_form = constant_closed, .build = constant_build,
    .keywords = (const char *const[]){"factor", "total_iters", "last_epoch", "verbose", NULL}};

/* ---- LinearLR -------------------------------------------------------------------------- */
typedef struct linear_p {
  double start_factor, end_factor;
  int64_t total_iters;
} linear_p;
static const sched_field LINEAR_FIELDS[] = {SF(linear_p, SF_F64, start_factor), SF(linear_p, SF_F64, end_factor),
                                            SF(linear_p, SF_I64, total_iters)};

static int linear_get_lr(ct_lr_scheduler *s, double *lrs) {
  const linear_p *p = s->p;
  double span = p->end_factor - p->start_factor;
  for (int g = 0; g < s->ng; g++) {
    double lr = sched_group(s, g, "lr");
    if (s->last_epoch == 0) lrs[g] = lr * p->start_factor;
    else if (s->last_epoch > p->total_iters) lrs[g] = lr;
    else
      lrs[g] = lr * (1. + span / ((double)p->total_iters * p->start_factor + (double)(s->last_epoch - 1) * span));
  }
  return 0;
}

static int linear_closed(ct_lr_scheduler *s, double *lrs) {
  const linear_p *p = s->p;
  int64_t k = p->total_iters < s->last_epoch ? p->total_iters : s->last_epoch;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->base_lrs[g] *
             (p->start_factor + (p->end_factor - p->start_factor) * (double)k / (double)p->total_iters);
  return 0;
}

ct_lr_scheduler *ct_lr_linear_lr_ex(ct_optim *o, ct_linear_lr_opts opts) {
  if (opts.start_factor > 1.0 || opts.start_factor < 0)
    return ct__err("Starting multiplicative factor expected to be between 0 and 1.");
  if (opts.end_factor > 1.0 || opts.end_factor < 0)
    return ct__err("Ending multiplicative factor expected to be between 0 and 1.");
  ct_lr_scheduler *s = sched_new(&sched_linear_lr, o);
  if (!s) return NULL;
  *(linear_p *)s->p = (linear_p){opts.start_factor, opts.end_factor, opts.total_iters};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *linear_build(ct_optim *o, sched_args *a) {
  ct_linear_lr_opts opts = {.start_factor = 1.0 / 3, .end_factor = 1.0, .total_iters = 5};
  if (sarg_num(a, "start_factor", &opts.start_factor) || sarg_num(a, "end_factor", &opts.end_factor) ||
      sarg_i64(a, "total_iters", &opts.total_iters) || sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_linear_lr_ex(o, opts);
}

const sched_kind sched_linear_lr = {
    .name = "LinearLR", .size = sizeof(linear_p), .fields = LINEAR_FIELDS, .n_fields = 3,
    .get_lr = linear_get_lr, .closed_form = linear_closed, .build = linear_build,
    .keywords = (const char *const[]){"start_factor", "end_factor", "total_iters", "last_epoch", "verbose", NULL}};

/* ---- ExponentialLR --------------------------------------------------------------------- */
typedef struct exponential_p {
  double gamma;
} exponential_p;
static const sched_field EXPONENTIAL_FIELDS[] = {SF(exponential_p, SF_F64, gamma)};

static int exponential_get_lr(ct_lr_scheduler *s, double *lrs) {
  const exponential_p *p = s->p;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->last_epoch == 0 ? sched_group(s, g, "lr") : sched_group(s, g, "lr") * p->gamma;
  return 0;
}

static int exponential_closed(ct_lr_scheduler *s, double *lrs) {
  const exponential_p *p = s->p;
  for (int g = 0; g < s->ng; g++) lrs[g] = s->base_lrs[g] * pow(p->gamma, (double)s->last_epoch);
  return 0;
}

ct_lr_scheduler *ct_lr_exponential_lr_ex(ct_optim *o, double gamma, ct_exponential_lr_opts opts) {
  ct_lr_scheduler *s = sched_new(&sched_exponential_lr, o);
  if (!s) return NULL;
  ((exponential_p *)s->p)->gamma = gamma;
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *exponential_build(ct_optim *o, sched_args *a) {
  double gamma = 0;
  ct_exponential_lr_opts opts = {0};
  if (sarg_required(a, "gamma") || sarg_num(a, "gamma", &gamma) || sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_exponential_lr_ex(o, gamma, opts);
}

const sched_kind sched_exponential_lr = {
    .name = "ExponentialLR", .size = sizeof(exponential_p), .fields = EXPONENTIAL_FIELDS, .n_fields = 1,
    .get_lr = exponential_get_lr, .closed_form = exponential_closed, .build = exponential_build, .n_required = 1,
    .keywords = (const char *const[]){"gamma", "last_epoch", "verbose", NULL}};

/* ---- PolynomialLR ---------------------------------------------------------------------- */
typedef struct polynomial_p {
  int64_t total_iters;
  double power;
} polynomial_p;
static const sched_field POLY_FIELDS[] = {SF(polynomial_p, SF_I64, total_iters), SF(polynomial_p, SF_F64, power)};

static int poly_get_lr(ct_lr_scheduler *s, double *lrs) {
  const polynomial_p *p = s->p;
  double T = (double)p->total_iters, e = (double)s->last_epoch;
  bool keep = s->last_epoch == 0 || s->last_epoch > p->total_iters;
  double decay = keep ? 1 : pow((1.0 - e / T) / (1.0 - (e - 1) / T), p->power);
  for (int g = 0; g < s->ng; g++) lrs[g] = keep ? sched_group(s, g, "lr") : sched_group(s, g, "lr") * decay;
  return 0;
}

static int poly_closed(ct_lr_scheduler *s, double *lrs) {
  const polynomial_p *p = s->p;
  int64_t k = p->total_iters < s->last_epoch ? p->total_iters : s->last_epoch;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->base_lrs[g] * pow(1.0 - (double)k / (double)p->total_iters, p->power);
  return 0;
}

ct_lr_scheduler *ct_lr_polynomial_lr_ex(ct_optim *o, ct_polynomial_lr_opts opts) {
  /* PyTorch divides by total_iters at the first step (ZeroDivisionError); refused at once. */
  if (opts.total_iters == 0) return ct__err("division by zero");
  ct_lr_scheduler *s = sched_new(&sched_polynomial_lr, o);
  if (!s) return NULL;
  *(polynomial_p *)s->p = (polynomial_p){opts.total_iters, opts.power};
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *poly_build(ct_optim *o, sched_args *a) {
  ct_polynomial_lr_opts opts = {.total_iters = 5, .power = 1.0};
  if (sarg_i64(a, "total_iters", &opts.total_iters) || sarg_num(a, "power", &opts.power) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose))
    return NULL;
  return ct_lr_polynomial_lr_ex(o, opts);
}

const sched_kind sched_polynomial_lr = {
    .name = "PolynomialLR", .size = sizeof(polynomial_p), .fields = POLY_FIELDS, .n_fields = 2,
    .get_lr = poly_get_lr, .closed_form = poly_closed, .build = poly_build,
    .keywords = (const char *const[]){"total_iters", "power", "last_epoch", "verbose", NULL}};
