/* By-name scheduler arguments: ct_values (positional in the constructor's order, or keywords)
 * matched to a kind's keywords with Python's TypeError messages, and typed readers. Callbacks
 * travel as factor tables (sched_table). */
#include "scheduler_internal.h"

int sargs_span(const ct_values *vs, int i) {
  int span = 1;
  if (vs->v[i].type == CT_V_TUPLE)
    for (int k = 0; k < vs->v[i].n && i + span < vs->n; k++) span += sargs_span(vs, i + span);
  return span;
}

/* Python's "StepLR.__init__() takes from 3 to 6 positional arguments but 7 were given" (self
 * and the optimizer counted; ChainedScheduler takes no optimizer). */
static int too_many(const sched_kind *kind, int nnames, int given) {
  int extra = kind == &sched_chained_scheduler ? 1 : 2;
  int lo = kind->n_required + extra, hi = nnames + extra;
  if (lo == hi) return ct__errs("%s.__init__() takes %d positional arguments but %d were given", kind->name, hi, given + extra);
  return ct__errs("%s.__init__() takes from %d to %d positional arguments but %d were given", kind->name, lo, hi,
                  given + extra);
}

int sargs_parse(sched_args *a, const sched_kind *kind, const ct_values *vs) {
  memset(a, 0, sizeof *a);
  a->cls = kind->name;
  a->vs = vs;
  a->names = kind->keywords;
  while (a->names[a->nnames]) a->nnames++;
  int npos = 0;
  for (int i = 0; vs && i < vs->n; i += sargs_span(vs, i)) {
    const ct_value *v = &vs->v[i];
    int k = -1;
    if (v->key) {
      for (int j = 0; j < a->nnames; j++)
        if (strcmp(a->names[j], v->key) == 0) k = j;
      if (k < 0) return ct__errs("%s.__init__() got an unexpected keyword argument '%s'", a->cls, v->key);
      if (a->slot[k]) return ct__errs("%s.__init__() got multiple values for argument '%s'", a->cls, v->key);
    } else {
      k = npos++;
      if (k >= a->nnames) {
        int given = npos;
        for (int j = i + sargs_span(vs, i); j < vs->n; j += sargs_span(vs, j)) given += !vs->v[j].key;
        return too_many(kind, a->nnames, given);
      }
    }
    a->slot[k] = v;
  }
  return 0;
}

const ct_value *sarg(const sched_args *a, const char *name) {
  for (int j = 0; j < a->nnames; j++)
    if (strcmp(a->names[j], name) == 0)
      return a->slot[j] && a->slot[j]->type != CT_V_NONE ? a->slot[j] : NULL;
  return NULL;
}

int sarg_required(const sched_args *a, const char *name) {
  if (sarg(a, name)) return 0;
  return ct__errs("%s.__init__() missing 1 required positional argument: '%s'", a->cls, name);
}

static int wrong(const sched_args *a, const char *name, const char *want) {
  return ct__errs("%s(): %s must be %s", a->cls, name, want);
}

static bool is_num(const ct_value *v) {
  return v->type == CT_V_INT || v->type == CT_V_FLOAT || v->type == CT_V_BOOL;
}

static double num_of(const ct_value *v) {
  return v->type == CT_V_FLOAT ? v->f : v->type == CT_V_INT ? (double)v->i : (double)v->b;
}

int sarg_num(const sched_args *a, const char *name, double *out) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (!is_num(v)) return wrong(a, name, "a number");
  *out = num_of(v);
  return 0;
}

int sarg_i64(const sched_args *a, const char *name, int64_t *out) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (v->type != CT_V_INT && v->type != CT_V_BOOL) return wrong(a, name, "an int");
  *out = v->type == CT_V_INT ? v->i : v->b;
  return 0;
}

int sarg_i64_loose(const sched_args *a, const char *name, double *out, bool *is_int) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (!is_num(v)) return wrong(a, name, "a number");
  *is_int = v->type != CT_V_FLOAT;
  *out = num_of(v);
  return 0;
}

int sarg_bool(const sched_args *a, const char *name, bool *out) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (!is_num(v)) return wrong(a, name, "a bool");
  *out = num_of(v) != 0;
  return 0;
}

int sarg_str(const sched_args *a, const char *name, const char **out) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (v->type != CT_V_STR || !v->s) return wrong(a, name, "a string");
  *out = v->s;
  return 0;
}

int sarg_enum(const sched_args *a, const char *name, const char *const *names, int *out, const char **unknown) {
  const char *v = NULL;
  *unknown = NULL;
  if (sarg_str(a, name, &v) != 0) return -1;
  if (!v) return 0;
  for (int k = 0; names[k]; k++)
    if (strcmp(names[k], v) == 0) {
      *out = k;
      return 0;
    }
  *unknown = v;
  return 0;
}

int sarg_groups(const sched_args *a, const char *name, int ng, ct_lr_groups *out) {
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  if (is_num(v)) {
    out->n = 1;
    out->v[0] = num_of(v);
    return 0;
  }
  if (v->type != CT_V_TUPLE) return wrong(a, name, "a number or a tuple of numbers");
  if (ng >= 0 && v->n != ng) return ct__errs("expected %d values for %s, got %d", ng, name, v->n);
  if (v->n > CT_LR_MAX_GROUPS) return ct__errs("%s(): more than %d values for %s", a->cls, CT_LR_MAX_GROUPS, name);
  for (int k = 0; k < v->n; k++) {
    if (v + 1 + k >= a->vs->v + a->vs->n || !is_num(&v[1 + k])) return wrong(a, name, "a tuple of numbers");
    out->v[k] = num_of(&v[1 + k]);
  }
  out->n = v->n;
  return 0;
}

int sarg_ints(const sched_args *a, const char *name, int64_t *out, int cap) {
  const ct_value *v = sarg(a, name);
  if (!v) return -1;
  if (v->type == CT_V_INT && cap >= 1) {
    out[0] = v->i;
    return 1;
  }
  if (v->type != CT_V_TUPLE) return wrong(a, name, "a tuple of ints");
  if (v->n > cap) return ct__errs("%s(): more than %d values for %s", a->cls, cap, name);
  for (int k = 0; k < v->n; k++) {
    if (v + 1 + k >= a->vs->v + a->vs->n || v[1 + k].type != CT_V_INT) return wrong(a, name, "a tuple of ints");
    out[k] = v[1 + k].i;
  }
  return v->n;
}

int sarg_common(const sched_args *a, int64_t *last_epoch, bool *verbose) {
  *last_epoch = -1;
  *verbose = false;
  if (sarg_i64(a, "last_epoch", last_epoch) != 0) return -1;
  return sarg_bool(a, "verbose", verbose);
}

/* ---- factor tables ---------------------------------------------------------------------- */
static int read_table(const sched_args *a, const char *name, const ct_value *v, sched_table *t) {
  if (v->type != CT_V_TUPLE || v->n < 1) return wrong(a, name, "a non-empty tuple of factors (a table)");
  t->v = malloc((size_t)v->n * sizeof(double));
  if (!t->v) return ct__errs("out of memory");
  t->n = v->n;
  for (int k = 0; k < v->n; k++) {
    if (v + 1 + k >= a->vs->v + a->vs->n || !is_num(&v[1 + k])) return wrong(a, name, "a tuple of factors");
    t->v[k] = num_of(&v[1 + k]);
  }
  return 0;
}

int sarg_tables(const sched_args *a, const char *name, sched_table **tables, int *n_out) {
  *tables = NULL;
  *n_out = 0;
  const ct_value *v = sarg(a, name);
  if (!v) return 0;
  const ct_value *end = a->vs->v + a->vs->n;
  if (v->type != CT_V_TUPLE || v->n < 1 || v + 1 >= end) return wrong(a, name, "a tuple of factors (a table)");
  bool nested = v[1].type == CT_V_TUPLE;
  int n = nested ? v->n : 1;
  *tables = calloc((size_t)n, sizeof(sched_table));
  if (!*tables) return ct__errs("out of memory");
  *n_out = n;
  const ct_value *e = v;
  for (int k = 0; k < n; k++) {
    if (nested) e = (k == 0 ? v + 1 : e + sargs_span(a->vs, (int)(e - a->vs->v)));
    if (e >= end) return wrong(a, name, "a tuple of factor tables");
    if (read_table(a, name, e, &(*tables)[k]) != 0) return -1;
  }
  return 0;
}

void sched_tables_free(sched_table *t, int n) {
  for (int k = 0; t && k < n; k++) free(t[k].v);
  free(t);
}

double sched_table_at(int idx, void *table) {
  const sched_table *t = table;
  if (idx < 0) idx = 0;
  return t->v[idx < t->n ? idx : t->n - 1];
}

double sched_table_lambda(int epoch, void *table) {
  return sched_table_at(epoch, table);
}

double sched_table_scale(double x, void *table) {
  return sched_table_at((int)x, table);
}
