/* Scheduler state_dict / load_state_dict as a tensor map: numbers, bools and names in the
 * metadata (17 significant digits: they read back exactly), per-group lists as float64 tensors,
 * milestones as int64 tensors; a kind's fields come from its field table, so a new field is
 * saved by listing it. Loading checks everything first (nothing changed on failure). */
#include "scheduler_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

typedef struct sd_ctx {
  ct_tensor_map *m;       /* saving */
  const ct_tensor_map *in; /* loading */
  const char *prefix;
  bool apply; /* loading: false checks only */
} sd_ctx;

static const char *key_of(const sd_ctx *c, const char *name, char *buf, size_t n) {
  snprintf(buf, n, "%s%s", c->prefix, name);
  return buf;
}

static int put_meta(sd_ctx *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put_meta(sd_ctx *c, const char *name, const char *fmt, ...) {
  char key[256], val[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(val, sizeof val, fmt, ap);
  va_end(ap);
  return ct_tensor_map_set_meta(c->m, key_of(c, name, key, sizeof key), val);
}

static int put_tensor(sd_ctx *c, const char *name, const void *data, ct_dtype dt, int64_t n) {
  char key[256];
  ct_scope_begin();
  ct_tensor *t = ct_tensor_from(data, dt, 1, &n);
  int rc = t ? ct_tensor_map_set(c->m, key_of(c, name, key, sizeof key), t) : -1;
  ct_scope_end();
  return rc;
}

static int save_field(sd_ctx *c, const ct_lr_scheduler *s, const sched_field *f) {
  const char *at = (const char *)s->p + f->off;
  switch (f->type) {
  case SF_I64: return put_meta(c, f->name, "%lld", (long long)*(const int64_t *)at);
  case SF_F64: return put_meta(c, f->name, "%.17g", *(const double *)at);
  case SF_BOOL: return put_meta(c, f->name, "%s", *(const bool *)at ? "true" : "false");
  case SF_ENUM: return put_meta(c, f->name, "%s", f->names[*(const int *)at]);
  case SF_LIST: return put_tensor(c, f->name, *(double *const *)at, CT_FLOAT64, s->ng);
  case SF_INTS:
    return put_tensor(c, f->name, *(int64_t *const *)at, CT_INT64, *(const int64_t *)((const char *)s->p + f->off_n));
  }
  return -1;
}

static int save(const ct_lr_scheduler *s, ct_tensor_map *m, const char *prefix) {
  sd_ctx c = {.m = m, .prefix = prefix};
  if (put_meta(&c, "scheduler", "%s", s->kind->name) != 0) return -1;
  if (put_meta(&c, "last_epoch", "%lld", (long long)s->last_epoch) != 0) return -1;
  if (put_meta(&c, "verbose", "%s", s->verbose ? "true" : "false") != 0) return -1;
  if (!s->kind->plain && !s->kind->composite) {
    if (put_meta(&c, "_step_count", "%lld", (long long)s->step_count) != 0) return -1;
    if (put_tensor(&c, "base_lrs", s->base_lrs, CT_FLOAT64, s->ng) != 0) return -1;
  }
  if (s->has_last_lr && put_tensor(&c, "_last_lr", s->last_lr, CT_FLOAT64, s->ng) != 0) return -1;
  for (int i = 0; i < s->kind->n_fields; i++)
    if (save_field(&c, s, &s->kind->fields[i]) != 0) return -1;
  for (int i = 0; i < s->nsubs; i++) {
    char sub[256];
    snprintf(sub, sizeof sub, "%s_schedulers.%d.", prefix, i);
    if (save(s->subs[i], m, sub) != 0) return -1;
  }
  return 0;
}

ct_tensor_map *ct_lr_scheduler_state_dict(const ct_lr_scheduler *s) {
  if (!s) return ct__err("state_dict(): scheduler is NULL");
  ct_tensor_map *m = ct_tensor_map_new();
  if (!m) return NULL;
  if (save(s, m, "") != 0) {
    ct_tensor_map_free(m);
    return NULL;
  }
  return m;
}

/* ---- loading ---------------------------------------------------------------------------- */
static const char *get_meta(const sd_ctx *c, const char *name) {
  char key[256];
  const char *v = ct_tensor_map_meta(c->in, key_of(c, name, key, sizeof key));
  if (!v) ct__err("scheduler state_dict: missing \"%s%s\"", c->prefix, name);
  return v;
}

static int read_i64(const sd_ctx *c, const char *name, int64_t *out) {
  const char *v = get_meta(c, name);
  if (!v) return -1;
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || end == v || *end) return ct__errs("scheduler state_dict: \"%s%s\" is not an int: '%s'", c->prefix, name, v);
  if (c->apply) *out = x;
  return 0;
}

static int read_f64(const sd_ctx *c, const char *name, double *out) {
  const char *v = get_meta(c, name);
  if (!v) return -1;
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end) return ct__errs("scheduler state_dict: \"%s%s\" is not a number: '%s'", c->prefix, name, v);
  if (c->apply) *out = x;
  return 0;
}

static int read_enum(const sd_ctx *c, const char *name, const char *const *names, int *out) {
  const char *v = get_meta(c, name);
  if (!v) return -1;
  for (int k = 0; names[k]; k++)
    if (strcmp(names[k], v) == 0) {
      if (c->apply) *out = k;
      return 0;
    }
  return ct__errs("scheduler state_dict: \"%s%s\" has an unknown value '%s'", c->prefix, name, v);
}

static const char *const BOOLS[] = {"false", "true", NULL};

static int read_bool(const sd_ctx *c, const char *name, bool *out) {
  int k = 0;
  if (read_enum(c, name, BOOLS, &k) != 0) return -1;
  if (c->apply) *out = k;
  return 0;
}

/* A 1-D tensor of n (n < 0: any length) into a double[] (malloc'd when *out is NULL). */
static int read_list(const sd_ctx *c, const char *name, int64_t n, double **out, int64_t *got) {
  char key[256];
  ct_tensor *t = ct_tensor_map_get(c->in, key_of(c, name, key, sizeof key));
  if (!t) return ct__errs("scheduler state_dict: missing \"%s\"", key);
  int64_t k = ct_numel(t);
  if (ct_dim(t) != 1 || (n >= 0 && k != n))
    return ct__errs("scheduler state_dict: \"%s\" should hold %lld values, got shape of %lld", key, (long long)n,
                    (long long)k);
  if (!c->apply) return 0;
  if (!*out && !(*out = calloc((size_t)(k > 0 ? k : 1), sizeof(double)))) return ct__errs("out of memory");
  if (got) *got = k;
  return ct_to_doubles(t, *out, k) == k ? 0 : -1;
}

static int load_field(const sd_ctx *c, ct_lr_scheduler *s, const sched_field *f) {
  char *at = (char *)s->p + f->off;
  switch (f->type) {
  case SF_I64: return read_i64(c, f->name, (int64_t *)at);
  case SF_F64: return read_f64(c, f->name, (double *)at);
  case SF_BOOL: return read_bool(c, f->name, (bool *)at);
  case SF_ENUM: return read_enum(c, f->name, f->names, (int *)at);
  case SF_LIST: return read_list(c, f->name, s->ng, (double **)at, NULL);
  case SF_INTS: {
    double *v = NULL;
    int64_t n = 0;
    if (read_list(c, f->name, -1, &v, &n) != 0) return -1;
    if (!c->apply) return 0;
    int64_t *ints = calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
    if (!ints) {
      free(v);
      return ct__errs("out of memory");
    }
    for (int64_t k = 0; k < n; k++) ints[k] = (int64_t)v[k];
    free(v);
    free(*(int64_t **)at);
    *(int64_t **)at = ints;
    *(int64_t *)((char *)s->p + f->off_n) = n;
    return 0;
  }
  }
  return -1;
}

static int load(ct_lr_scheduler *s, const sd_ctx *c) {
  const char *name = get_meta(c, "scheduler");
  if (!name) return -1;
  if (strcmp(name, s->kind->name) != 0)
    return ct__errs("scheduler state is for %s, not %s", name, s->kind->name);
  if (read_i64(c, "last_epoch", &s->last_epoch) != 0 || read_bool(c, "verbose", &s->verbose) != 0) return -1;
  if (!s->kind->plain && !s->kind->composite) {
    if (read_i64(c, "_step_count", &s->step_count) != 0) return -1;
    if (read_list(c, "base_lrs", s->ng, &s->base_lrs, NULL) != 0) return -1;
  }
  char key[256];
  if (ct_tensor_map_get(c->in, key_of(c, "_last_lr", key, sizeof key))) {
    if (read_list(c, "_last_lr", s->ng, &s->last_lr, NULL) != 0) return -1;
    if (c->apply) s->has_last_lr = true;
  } else if (c->apply) {
    s->has_last_lr = false;
  }
  for (int i = 0; i < s->kind->n_fields; i++)
    if (load_field(c, s, &s->kind->fields[i]) != 0) return -1;
  for (int i = 0; i < s->nsubs; i++) {
    char sub[256];
    snprintf(sub, sizeof sub, "%s_schedulers.%d.", c->prefix, i);
    sd_ctx cs = *c;
    cs.prefix = sub;
    if (load(s->subs[i], &cs) != 0) return -1;
  }
  return 0;
}

int ct_lr_scheduler_load_state_dict(ct_lr_scheduler *s, const ct_tensor_map *sd) {
  if (!s || !sd) return ct__errs("load_state_dict(): scheduler or state_dict is NULL");
  sd_ctx c = {.in = sd, .prefix = "", .apply = false};
  if (load(s, &c) != 0) return -1;
  c.apply = true;
  return load(s, &c);
}
