/* The LR schedulers' kit: one struct for every scheduler, a kind table entry per class
 * (scheduler.c: the common _LRScheduler machinery, state_dict by field tables, by-name
 * building; scheduler_<family>.c: the kinds). Works through the public optim API only. */
#ifndef CT_SCHEDULER_INTERNAL_H
#define CT_SCHEDULER_INTERNAL_H

#include "ctorch.h"
#include "ctorch/lr_scheduler.h"
#include "ctorch/optim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tensor/error.h"

/* A field of a kind's private struct, saved by state_dict under PyTorch's attribute name. */
typedef enum sched_field_type {
  SF_I64,   /* int64_t */
  SF_F64,   /* double (inf / nan allowed) */
  SF_BOOL,  /* bool */
  SF_ENUM,  /* int, saved as names[value] ("min", "rel", "triangular2") */
  SF_LIST,  /* double *, one per group (calloc'd; freed by the common code) */
  SF_INTS   /* int64_t *, count in the int64_t at off_n (calloc'd; freed by the common code) */
} sched_field_type;
typedef struct sched_field {
  const char *name;
  sched_field_type type;
  size_t off;
  size_t off_n;              /* SF_INTS: where its count lives */
  const char *const *names;  /* SF_ENUM: value names, NULL-terminated */
} sched_field;
#define SF(T, type, field) {#field, type, offsetof(T, field), 0, NULL}
#define SF_NAMED(T, name, type, field) {name, type, offsetof(T, field), 0, NULL}

typedef struct sched_args sched_args;

typedef struct sched_kind {
  const char *name;
  size_t size; /* the private struct (s->p) */
  const sched_field *fields;
  int n_fields;
  /* _LRScheduler (initial step, base_lrs, "initial_lr") vs ReduceLROnPlateau (none). */
  bool plain;
  /* SequentialLR / ChainedScheduler: no base_lrs or _step_count of their own. */
  bool composite;
  /* The chainable get_lr(): lrs[ng] for last_epoch (already advanced); may write the groups'
   * momentum. 0 or -1 (nothing written to the optimizer on -1). */
  int (*get_lr)(ct_lr_scheduler *s, double *lrs);
  /* _get_closed_form_lr() for step(epoch); NULL: get_lr. */
  int (*closed_form)(ct_lr_scheduler *s, double *lrs);
  /* A step of its own (CosineAnnealingWarmRestarts, SequentialLR, ChainedScheduler), with or
   * without epoch; NULL: the common one. */
  int (*step)(ct_lr_scheduler *s, bool has_epoch, double epoch);
  /* Frees what the fields table does not (owned tables, sub-schedulers); may be NULL. */
  void (*destroy)(ct_lr_scheduler *s);
  /* By-name building from parsed arguments. */
  ct_lr_scheduler *(*build)(ct_optim *o, sched_args *a);
  /* How many leading keywords are required (Python's positional-count message). */
  int n_required;
  /* The constructor's keywords after optimizer, in order (NULL-terminated). */
  const char *const *keywords;
} sched_kind;

struct ct_lr_scheduler {
  const sched_kind *kind;
  ct_optim *optim; /* borrowed */
  int ng;          /* the optimizer's groups when built */
  int64_t last_epoch;
  int64_t step_count; /* _step_count */
  bool verbose;
  bool has_last_lr;
  double *base_lrs; /* ng (plain kinds: unused) */
  double *last_lr;  /* ng: _last_lr */
  void *p;          /* kind->size bytes, zeroed */
  ct_lr_scheduler **subs; /* SequentialLR / ChainedScheduler: owned */
  int nsubs;
};

/* ---- common machinery (scheduler.c) ---- */
/* A scheduler of kind over o: allocates s and s->p, base_lrs / last_lr; no initial step. */
ct_lr_scheduler *sched_new(const sched_kind *kind, ct_optim *o);
/* _LRScheduler.__init__(optimizer, last_epoch): "initial_lr" setdefault (or its check when
 * resuming), base_lrs, then the initial step. Frees s and returns NULL on error. */
ct_lr_scheduler *sched_init(ct_lr_scheduler *s, int64_t last_epoch, bool verbose);
/* The common _LRScheduler.step(epoch): 0 or -1 (state rolled back on -1). */
int sched_step_common(ct_lr_scheduler *s, bool has_epoch, double epoch);
/* Writes lrs into the groups' "lr" and refreshes _last_lr. */
int sched_apply(ct_lr_scheduler *s, const double *lrs);
/* Reads every group's "lr" into _last_lr. */
int sched_read_last_lr(ct_lr_scheduler *s);
/* A group's "lr" etc. through the public API (errors come from ct_optim_get). */
double sched_group(const ct_lr_scheduler *s, int g, const char *key);
/* A per-group value as a list of ng: n == 0 is def, n == 1 broadcasts, else n must be ng
 * ("expected 2 values for max_lr, got 3"). 0 or -1. */
int sched_groups(const ct_lr_scheduler *s, const char *name, const ct_lr_groups *v, double def, double *out);
/* A calloc'd double[ng] (NULL + error on OOM). */
double *sched_list(const ct_lr_scheduler *s);
/* Whether optimizer.defaults has key (every group holds every default). */
bool sched_optim_has(const ct_optim *o, const char *key);

/* ---- by-name arguments (scheduler_args.c) ---- */
#define SCHED_MAX_KW 24
struct sched_args {
  const char *cls;
  const ct_values *vs;
  const char *const *names;
  int nnames;
  const ct_value *slot[SCHED_MAX_KW]; /* NULL: not given */
};
/* Matches positional and keyword values to kind->keywords; PyTorch's TypeError messages. */
int sargs_parse(sched_args *a, const sched_kind *kind, const ct_values *vs);
const ct_value *sarg(const sched_args *a, const char *name);
/* Readers: *out keeps its default when absent; -1 + error on a value of the wrong type. */
/* A required argument: -1 + "__init__() missing 1 required positional argument: 'x'". */
int sarg_required(const sched_args *a, const char *name);
int sarg_num(const sched_args *a, const char *name, double *out);
int sarg_i64(const sched_args *a, const char *name, int64_t *out);
/* An int that may be given as a float (CosineAnnealingWarmRestarts' T_0 = 2.0 fails PyTorch's
 * isinstance check): *is_int tells which. */
int sarg_i64_loose(const sched_args *a, const char *name, double *out, bool *is_int);
int sarg_bool(const sched_args *a, const char *name, bool *out);
int sarg_str(const sched_args *a, const char *name, const char **out);
/* A string among names (NULL-terminated) into its index; one not among them is left in
 * *unknown for the caller's message (NULL otherwise). */
int sarg_enum(const sched_args *a, const char *name, const char *const *names, int *out, const char **unknown);
/* A number or a tuple of numbers (PyTorch's list: ng of them unless ng < 0, else "expected 2
 * values for max_lr, got 3"). */
int sarg_groups(const sched_args *a, const char *name, int ng, ct_lr_groups *out);
/* A tuple of ints (milestones): count, or -1. */
int sarg_ints(const sched_args *a, const char *name, int64_t *out, int cap);
/* The span of entries value i occupies (a tuple: itself and its elements, nested). */
int sargs_span(const ct_values *vs, int i);
/* The common last_epoch / verbose keywords. */
int sarg_common(const sched_args *a, int64_t *last_epoch, bool *verbose);

/* Factor tables standing in for callbacks when built by name. */
typedef struct sched_table {
  int n;
  double *v;
} sched_table;
/* "lr_lambda" / "scale_fn" as tables: a tuple of numbers (one for all, *n_out = 1) or a tuple of
 * tuples (one per group). Allocates tables[*n_out]. 0 / -1. */
int sarg_tables(const sched_args *a, const char *name, sched_table **tables, int *n_out);
void sched_tables_free(sched_table *t, int n);
double sched_table_at(int idx, void *table);
double sched_table_lambda(int epoch, void *table);
double sched_table_scale(double x, void *table);

/* ReduceLROnPlateau.step(metrics) (scheduler_plateau.c). */
int sched_plateau_step(ct_lr_scheduler *s, double metric);
/* Python's float %: the result has the divisor's sign. */
double sched_pymod(double a, double b);

/* The kinds (registry in scheduler.c). */
extern const sched_kind sched_lambda_lr, sched_multiplicative_lr, sched_step_lr, sched_multi_step_lr,
    sched_constant_lr, sched_linear_lr, sched_exponential_lr, sched_polynomial_lr,
    sched_cosine_annealing_lr, sched_cosine_annealing_warm_restarts, sched_cyclic_lr,
    sched_one_cycle_lr, sched_reduce_lr_on_plateau, sched_sequential_lr, sched_chained_scheduler;

#endif
