/* LambdaLR and MultiplicativeLR: a C callback per group (or one for all). Built by name, the
 * callbacks are factor tables (sched_table). The callbacks hold no state, so state_dict saves
 * none for them (PyTorch saves None for a plain function). */
#include "scheduler_internal.h"

typedef struct lambda_p {
  ct_lr_lambda *fn; /* ng */
  void **user;      /* ng */
  sched_table *tables; /* by name: owned */
  int ntables;
} lambda_p;

static int lambda_get_lr(ct_lr_scheduler *s, double *lrs) {
  const lambda_p *p = s->p;
  for (int g = 0; g < s->ng; g++) lrs[g] = s->base_lrs[g] * p->fn[g]((int)s->last_epoch, p->user[g]);
  return 0;
}

static int multiplicative_get_lr(ct_lr_scheduler *s, double *lrs) {
  const lambda_p *p = s->p;
  for (int g = 0; g < s->ng; g++)
    lrs[g] = s->last_epoch > 0 ? sched_group(s, g, "lr") * p->fn[g]((int)s->last_epoch, p->user[g])
                               : sched_group(s, g, "lr");
  return 0;
}

static void lambda_destroy(ct_lr_scheduler *s) {
  lambda_p *p = s->p;
  free(p->fn);
  free(p->user);
  sched_tables_free(p->tables, p->ntables);
}

/* The per-group callbacks from the options (PyTorch: one function, or a list of one per
 * group). */
static ct_lr_scheduler *lambda_new(const sched_kind *kind, ct_optim *o, const ct_lambda_lr_opts *opts) {
  if (!opts->lr_lambda && opts->n_lambdas == 0)
    return ct__err("%s.__init__() missing 1 required positional argument: 'lr_lambda'", kind->name);
  if (opts->n_lambdas && !opts->lr_lambdas) return ct__err("%s: lr_lambdas is NULL", kind->name);
  ct_lr_scheduler *s = sched_new(kind, o);
  if (!s) return NULL;
  if (opts->n_lambdas && opts->n_lambdas != s->ng) {
    int ng = s->ng;
    ct_lr_scheduler_free(s);
    return ct__err("Expected %d lr_lambdas, but got %d", ng, opts->n_lambdas);
  }
  lambda_p *p = s->p;
  p->fn = calloc((size_t)s->ng + 1, sizeof *p->fn);
  p->user = calloc((size_t)s->ng + 1, sizeof *p->user);
  if (!p->fn || !p->user) {
    ct_lr_scheduler_free(s);
    return ct__err("out of memory");
  }
  for (int g = 0; g < s->ng; g++) {
    p->fn[g] = opts->n_lambdas ? opts->lr_lambdas[g] : opts->lr_lambda;
    p->user[g] = opts->n_lambdas ? (opts->users ? opts->users[g] : NULL) : opts->user;
    if (!p->fn[g]) {
      ct_lr_scheduler_free(s);
      return ct__err("%s: lr_lambdas[%d] is NULL", kind->name, g);
    }
  }
  return s;
}

ct_lr_scheduler *ct_lr_lambda_lr_ex(ct_optim *o, ct_lambda_lr_opts opts) {
  return sched_init(lambda_new(&sched_lambda_lr, o, &opts), opts.last_epoch, opts.verbose);
}

ct_lr_scheduler *ct_lr_multiplicative_lr_ex(ct_optim *o, ct_multiplicative_lr_opts opts) {
  return sched_init(lambda_new(&sched_multiplicative_lr, o, &opts), opts.last_epoch, opts.verbose);
}

/* By name: lr_lambda is a table (or a tuple of tables, one per group). The tables move into
 * the scheduler, which frees them. */
static ct_lr_scheduler *lambda_build_kind(const sched_kind *kind, ct_optim *o, sched_args *a) {
  sched_table *tables = NULL;
  int nt = 0;
  ct_lambda_lr_opts opts = {0};
  if (sarg_required(a, "lr_lambda") || sarg_tables(a, "lr_lambda", &tables, &nt) ||
      sarg_common(a, &opts.last_epoch, &opts.verbose)) {
    sched_tables_free(tables, nt);
    return NULL;
  }
  ct_lr_lambda fns[CT_VALUES_MAX];
  void *users[CT_VALUES_MAX];
  for (int k = 0; k < nt && k < CT_VALUES_MAX; k++) {
    fns[k] = sched_table_lambda;
    users[k] = &tables[k];
  }
  bool nested = sarg(a, "lr_lambda")[1].type == CT_V_TUPLE;
  if (nested) {
    opts.n_lambdas = nt;
    opts.lr_lambdas = fns;
    opts.users = users;
  } else {
    opts.lr_lambda = sched_table_lambda;
    opts.user = &tables[0];
  }
  ct_lr_scheduler *s = lambda_new(kind, o, &opts);
  if (!s) {
    sched_tables_free(tables, nt);
    return NULL;
  }
  ((lambda_p *)s->p)->tables = tables;
  ((lambda_p *)s->p)->ntables = nt;
  return sched_init(s, opts.last_epoch, opts.verbose);
}

static ct_lr_scheduler *lambda_build(ct_optim *o, sched_args *a) {
  return lambda_build_kind(&sched_lambda_lr, o, a);
}

static ct_lr_scheduler *multiplicative_build(ct_optim *o, sched_args *a) {
  return lambda_build_kind(&sched_multiplicative_lr, o, a);
}

static const char *const LAMBDA_KW[] = {"lr_lambda", "last_epoch", "verbose", NULL};

const sched_kind sched_lambda_lr = {.name = "LambdaLR", .size = sizeof(lambda_p), .get_lr = lambda_get_lr,
                                    .destroy = lambda_destroy, .build = lambda_build, .n_required = 1, .keywords = LAMBDA_KW};

const sched_kind sched_multiplicative_lr = {.name = "MultiplicativeLR", .size = sizeof(lambda_p),
                                            .get_lr = multiplicative_get_lr, .destroy = lambda_destroy,
                                            .build = multiplicative_build, .n_required = 1, .keywords = LAMBDA_KW};
