/* torch.optim.Optimizer's common machinery: building by class name with keyword checks, param
 * groups with the defaults, per-parameter state, zero_grad, step / step(closure), and the
 * kinds' registry. The kinds (sgd.c, adam.c, ...) only supply options, checks and step_group. */
#include <stdint.h>
#include <stdio.h>

#include "optim_impl.h"

/* ---- the kinds --------------------------------------------------------------------------- */
extern const optim_kind optim_kind_sgd, optim_kind_adam, optim_kind_adamw;
/* optim-more */
extern const optim_kind optim_kind_rmsprop, optim_kind_adagrad, optim_kind_adadelta, optim_kind_adamax,
    optim_kind_nadam, optim_kind_radam, optim_kind_rprop, optim_kind_asgd, optim_kind_sparse_adam,
    optim_kind_lbfgs;

static const optim_kind *const kinds[] = {
    &optim_kind_sgd,
    &optim_kind_adam,
    &optim_kind_adamw,
    /* optim-more */
    &optim_kind_rmsprop,
    &optim_kind_adagrad,
    &optim_kind_adadelta,
    &optim_kind_adamax,
    &optim_kind_nadam,
    &optim_kind_radam,
    &optim_kind_rprop,
    &optim_kind_asgd,
    &optim_kind_sparse_adam,
    &optim_kind_lbfgs,
};

const optim_kind *optim_find_kind(const char *name) {
  for (size_t i = 0; name && i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(kinds[i]->name, name) == 0) return kinds[i];
  return NULL;
}

const optim_kind *optim_kind_of(const ct_optim *o) { return o ? o->kind : NULL; }
const char *ct_optim_name(const ct_optim *o) { return o ? o->kind->name : NULL; }

bool optim_fused_enabled(void) {
  const char *e = getenv("CT_OPTIM_FUSED");
  return !(e && e[0] == '0');
}

/* ---- printing values as Python does ------------------------------------------------------ */
/* repr(float): the shortest digits that read back, fixed notation for exponents in [-4, 16). */
static void py_float(double v, char *buf, size_t n) {
  if (isnan(v)) {
    snprintf(buf, n, "nan");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, n, v < 0 ? "-inf" : "inf");
    return;
  }
  char tmp[40];
  for (int p = 0; p < 17; p++) {
    snprintf(tmp, sizeof tmp, "%.*e", p, v);
    if (strtod(tmp, NULL) == v) break;
  }
  char digits[24];
  int nd = 0, exp = atoi(strchr(tmp, 'e') + 1);
  for (const char *c = tmp; *c && *c != 'e'; c++)
    if (*c >= '0' && *c <= '9') digits[nd++] = *c;
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  digits[nd] = 0;
  const char *sign = signbit(v) ? "-" : "";
  if (exp < -4 || exp >= 16) {
    snprintf(buf, n, "%s%c%s%.*se%c%02d", sign, digits[0], nd > 1 ? "." : "", nd - 1, digits + 1,
             exp < 0 ? '-' : '+', abs(exp));
  } else if (exp < 0) {
    snprintf(buf, n, "%s0.%0*d%s", sign, -exp - 1, 0, digits);
    if (exp == -1) snprintf(buf, n, "%s0.%s", sign, digits);
  } else if (nd <= exp + 1) {
    snprintf(buf, n, "%s%s%0*d.0", sign, digits, exp + 1 - nd, 0);
    if (nd == exp + 1) snprintf(buf, n, "%s%s.0", sign, digits);
  } else {
    snprintf(buf, n, "%s%.*s.%s", sign, exp + 1, digits, digits + exp + 1);
  }
}

static void py_num(double v, bool is_int, char *buf, size_t n) {
  if (is_int) snprintf(buf, n, "%lld", (long long)v);
  else py_float(v, buf, n);
}

void optim_val_repr(const optim_val *v, int idx, char *buf, size_t n) {
  switch (v->type) {
    case OPTIM_BOOL:
      snprintf(buf, n, v->v[0] != 0 ? "True" : "False");
      return;
    case OPTIM_STR:
      snprintf(buf, n, "%s", v->s && v->s[0] ? v->s : "None");
      return;
    case OPTIM_PAIR:
      if (idx < 0) {
        char a[40], b[40];
        py_num(v->v[0], v->is_int, a, sizeof a);
        py_num(v->v[1], v->is_int, b, sizeof b);
        snprintf(buf, n, "(%s, %s)", a, b);
        return;
      }
      py_num(v->v[idx & 1], v->is_int, buf, n);
      return;
    case OPTIM_NONE_NUM:
      if (isnan(v->v[0])) {
        snprintf(buf, n, "None");
        return;
      }
      /* fallthrough */
    default:
      py_num(v->v[0], v->is_int, buf, n);
  }
}

/* ---- options ------------------------------------------------------------------------------- */
const optim_group *optim_group_at(const ct_optim *o, int g) {
  if (!o) return NULL;
  if (g == -1) return &o->defaults;
  return g >= 0 && g < o->ng ? &o->groups[g] : NULL;
}

const optim_val *optim_val_find(const optim_group *gr, const char *key) {
  for (int i = 0; gr && key && i < gr->nvals; i++)
    if (strcmp(gr->vals[i].key, key) == 0) return &gr->vals[i];
  return NULL;
}

int optim_invalid(const ct_optim *o, int g, const char *prefix, const char *key, int idx) {
  const optim_val *v = optim_val_find(optim_group_at(o, g), key);
  char buf[96] = "None";
  if (v) optim_val_repr(v, idx, buf, sizeof buf);
  return ct__errs("%s: %s", prefix, buf);
}

double optim_num(const ct_optim *o, int g, const char *key) {
  const optim_val *v = optim_val_find(optim_group_at(o, g), key);
  return v && v->type != OPTIM_STR ? v->v[0] : NAN;
}
double optim_pair(const ct_optim *o, int g, const char *key, int idx) {
  const optim_val *v = optim_val_find(optim_group_at(o, g), key);
  return v && v->type != OPTIM_STR && idx >= 0 && idx < 2 ? v->v[v->type == OPTIM_PAIR ? idx : 0]
                                                          : NAN;
}
bool optim_bool(const ct_optim *o, int g, const char *key) {
  const optim_val *v = optim_val_find(optim_group_at(o, g), key);
  return v && v->type != OPTIM_STR && !isnan(v->v[0]) && v->v[0] != 0;
}
const char *optim_str(const ct_optim *o, int g, const char *key) {
  const optim_val *v = optim_val_find(optim_group_at(o, g), key);
  return v && v->type == OPTIM_STR ? (v->s ? v->s : "") : NULL;
}

void optim_vals_free(optim_group *gr) {
  for (int i = 0; i < gr->nvals; i++) free(gr->vals[i].s);
  free(gr->vals);
  gr->vals = NULL;
  gr->nvals = 0;
}

int optim_vals_copy(optim_group *dst, const optim_group *src) {
  optim_val *v = src->nvals ? malloc((size_t)src->nvals * sizeof *v) : NULL;
  if (src->nvals && !v) return ct__errs("ctorch: out of memory");
  for (int i = 0; i < src->nvals; i++) {
    v[i] = src->vals[i];
    v[i].s = src->vals[i].s ? strdup(src->vals[i].s) : NULL;
  }
  optim_vals_free(dst);
  dst->vals = v;
  dst->nvals = src->nvals;
  return 0;
}

/* The slot for key in gr, added (typed t) when absent; NULL on OOM or a too long key. */
static optim_val *val_slot(optim_group *gr, const char *key, optim_opt_type t) {
  optim_val *v = (optim_val *)optim_val_find(gr, key);
  if (v) return v;
  if (strlen(key) >= OPTIM_KEY) return ct__err("ctorch: optimizer option name '%s' is too long", key);
  optim_val *nv = realloc(gr->vals, (size_t)(gr->nvals + 1) * sizeof *nv);
  if (!nv) return ct__err("ctorch: out of memory");
  gr->vals = nv;
  v = &nv[gr->nvals++];
  *v = (optim_val){.type = t};
  snprintf(v->key, sizeof v->key, "%s", key);
  return v;
}

static bool value_is_num(const ct_value *v) {
  return v->type == CT_V_INT || v->type == CT_V_FLOAT || v->type == CT_V_BOOL;
}
static double value_num(const ct_value *v) {
  return v->type == CT_V_INT ? (double)v->i : v->type == CT_V_BOOL ? (double)v->b : v->f;
}

/* Stores the value at vs->v[*k] (a tuple takes its elements along) into slot, as type t (the
 * option's declared type; an option unknown to the kind takes the value's own type). */
static int store_value(optim_val *slot, optim_opt_type t, const ct_values *vs, int *k) {
  const ct_value *v = &vs->v[*k];
  *k += 1;
  if (v->type == CT_V_TUPLE) {
    int first = *k;
    *k += v->n; /* pairs hold numbers: no nesting */
    if (v->n != 2 || *k > vs->n || !value_is_num(&vs->v[first]) || !value_is_num(&vs->v[first + 1]) ||
        (t != OPTIM_PAIR && t != OPTIM_NUM))
      return ct__errs("ctorch: optimizer option '%s' must be %s", slot->key,
                      t == OPTIM_PAIR ? "a pair of numbers" : "a number");
    slot->type = OPTIM_PAIR;
    slot->v[0] = value_num(&vs->v[first]);
    slot->v[1] = value_num(&vs->v[first + 1]);
    slot->is_int = vs->v[first].type == CT_V_INT && vs->v[first + 1].type == CT_V_INT;
    return 0;
  }
  if (t == OPTIM_PAIR) return ct__errs("ctorch: optimizer option '%s' must be a pair of numbers", slot->key);
  if (t == OPTIM_STR) {
    if (v->type != CT_V_STR && v->type != CT_V_NONE)
      return ct__errs("ctorch: optimizer option '%s' must be a string or None", slot->key);
    free(slot->s);
    slot->s = strdup(v->type == CT_V_STR && v->s ? v->s : "");
    slot->type = OPTIM_STR;
    return slot->s ? 0 : ct__errs("ctorch: out of memory");
  }
  if (v->type == CT_V_NONE) {
    if (t != OPTIM_NONE_NUM) return ct__errs("ctorch: optimizer option '%s' cannot be None", slot->key);
    slot->type = OPTIM_NONE_NUM;
    slot->v[0] = NAN;
    return 0;
  }
  if (!value_is_num(v)) return ct__errs("ctorch: optimizer option '%s' must be a number", slot->key);
  slot->type = t == OPTIM_REQUIRED ? OPTIM_NUM : t;
  if (v->type == CT_V_BOOL && t == OPTIM_NUM) slot->type = OPTIM_BOOL; /* a bool where a bool goes */
  slot->v[0] = value_num(v);
  slot->is_int = v->type == CT_V_INT;
  return 0;
}

static const optim_option *kind_option(const optim_kind *k, const char *key) {
  for (int i = 0; i < k->n_options; i++)
    if (strcmp(k->options[i].name, key) == 0) return &k->options[i];
  return NULL;
}

/* The constructor's defaults: the kind's, then positional values in keyword order, then
 * keywords (unknown: Python's TypeError message). */
static int parse_defaults(ct_optim *o, const ct_values *kw) {
  const optim_kind *k = o->kind;
  for (int i = 0; i < k->n_options; i++) {
    const optim_option *op = &k->options[i];
    optim_val *v = val_slot(&o->defaults, op->name, op->type);
    if (!v) return -1;
    v->v[0] = op->def[0];
    v->v[1] = op->def[1];
    if (op->type == OPTIM_NONE_NUM) v->v[0] = NAN;
    if (op->type == OPTIM_STR && !(v->s = strdup(op->sdef ? op->sdef : "")))
      return ct__errs("ctorch: out of memory");
  }
  bool given[64] = {0};
  int pos = 0;
  for (int i = 0; kw && i < kw->n;) {
    const ct_value *cv = &kw->v[i];
    const optim_option *op;
    if (cv->key) {
      if (!(op = kind_option(k, cv->key)))
        return ct__errs("__init__() got an unexpected keyword argument '%s'", cv->key);
    } else {
      if (pos >= k->n_options)
        return ct__errs("__init__() takes from 2 to %d positional arguments but %d were given",
                        k->n_options + 2, pos + 3);
      op = &k->options[pos++];
    }
    int idx = (int)(op - k->options);
    if (idx < 64 && given[idx])
      return ct__errs("__init__() got multiple values for argument '%s'", op->name);
    if (idx < 64) given[idx] = true;
    if (store_value((optim_val *)optim_val_find(&o->defaults, op->name), op->type, kw, &i) != 0)
      return -1;
  }
  return 0;
}

/* ---- per-parameter state ------------------------------------------------------------------- */
static size_t ptr_hash(const void *p, int cap) {
  return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 20) & (size_t)(cap - 1);
}

static optim_pstate *pstate_find(const ct_optim *o, const ct_tensor *p) {
  if (!o || !o->hash_cap) return NULL;
  for (size_t h = ptr_hash(p, o->hash_cap);; h = (h + 1) & (size_t)(o->hash_cap - 1)) {
    int i = o->hash[h];
    if (i < 0) return NULL;
    if (o->states[i].p == p) return &o->states[i];
  }
}

static int rehash(ct_optim *o, int cap) {
  int *h = malloc((size_t)cap * sizeof *h);
  if (!h) return ct__errs("ctorch: out of memory");
  memset(h, 0xff, (size_t)cap * sizeof *h);
  for (int i = 0; i < o->nstates; i++) {
    size_t k = ptr_hash(o->states[i].p, cap);
    while (h[k] >= 0) k = (k + 1) & (size_t)(cap - 1);
    h[k] = i;
  }
  free(o->hash);
  o->hash = h;
  o->hash_cap = cap;
  return 0;
}

static optim_pstate *pstate_add(ct_optim *o, const ct_tensor *p) {
  optim_pstate *s = pstate_find(o, p);
  if (s) return s;
  if (o->nstates == o->cap_states) {
    int cap = o->cap_states ? o->cap_states * 2 : 16;
    optim_pstate *ns = realloc(o->states, (size_t)cap * sizeof *ns);
    if (!ns) return ct__err("ctorch: out of memory");
    o->states = ns;
    o->cap_states = cap;
  }
  if (2 * (o->nstates + 1) > o->hash_cap && rehash(o, o->hash_cap ? o->hash_cap * 2 : 32) != 0)
    return NULL;
  s = &o->states[o->nstates];
  *s = (optim_pstate){.p = p};
  size_t k = ptr_hash(p, o->hash_cap);
  while (o->hash[k] >= 0) k = (k + 1) & (size_t)(o->hash_cap - 1);
  o->hash[k] = o->nstates++;
  return s;
}

ct_tensor *optim_state_get(const ct_optim *o, const ct_tensor *p, const char *key) {
  const optim_pstate *s = pstate_find(o, p);
  for (int i = 0; s && key && i < s->n; i++)
    if (strcmp(s->e[i].key, key) == 0) return s->e[i].t;
  return NULL;
}

int optim_state_set(ct_optim *o, const ct_tensor *p, const char *key, ct_tensor *t) {
  if (!o || !p || !key || !t) return -1;
  if (strlen(key) >= OPTIM_KEY) return ct__errs("ctorch: optimizer state key '%s' is too long", key);
  optim_pstate *s = pstate_add(o, p);
  if (!s) return -1;
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->e[i].key, key) == 0) {
      ct_retain(t);
      ct_release(s->e[i].t);
      s->e[i].t = t;
      return 0;
    }
  optim_entry *ne = realloc(s->e, (size_t)(s->n + 1) * sizeof *ne);
  if (!ne) return ct__errs("ctorch: out of memory");
  s->e = ne;
  ne[s->n].t = ct_retain(t);
  snprintf(ne[s->n].key, sizeof ne[s->n].key, "%s", key);
  s->n++;
  return 0;
}

void optim_state_clear(ct_optim *o) {
  for (int i = 0; i < o->nstates; i++) {
    for (int j = 0; j < o->states[i].n; j++) ct_release(o->states[i].e[j].t);
    free(o->states[i].e);
  }
  o->nstates = 0;
  if (o->hash) memset(o->hash, 0xff, (size_t)o->hash_cap * sizeof *o->hash);
}

ct_tensor *ct_optim_state(const ct_optim *o, const ct_tensor *param, const char *key) {
  return optim_state_get(o, param, key);
}

/* ---- param groups -------------------------------------------------------------------------- */
static bool in_group(const optim_group *gr, const ct_tensor *p) {
  for (int i = 0; i < gr->n; i++)
    if (gr->params[i] == p) return true;
  return false;
}

static void group_free(optim_group *gr) {
  for (int i = 0; i < gr->n; i++) ct_release(gr->params[i]);
  free(gr->params);
  optim_vals_free(gr);
}

/* PyTorch's checks on the parameters of a new group. */
static int check_params(const ct_optim *o, ct_tensor *const *params, int n) {
  if (n < 0 || (n > 0 && !params)) return ct__errs("ctorch: invalid parameter list");
  for (int i = 0; i < n; i++) {
    if (!params[i])
      return ct__errs("optimizer can only optimize Tensors, but one of the params is NoneType");
    if (!ct_is_leaf(params[i])) return ct__errs("can't optimize a non-leaf Tensor");
    for (int j = 0; j < i; j++)
      if (params[j] == params[i])
        return ct__errs("optimizer contains a parameter group with duplicate parameters");
    for (int g = 0; g < o->ng; g++)
      if (in_group(&o->groups[g], params[i]))
        return ct__errs("some parameters appear in more than one parameter group");
  }
  return 0;
}

/* The group's options: the defaults, then the given ones (any key, as a Python dict takes);
 * a required option missing is PyTorch's error. */
static int group_options(const ct_optim *o, optim_group *gr, const ct_values *opts) {
  if (optim_vals_copy(gr, &o->defaults) != 0) return -1;
  for (int i = 0; opts && i < opts->n;) {
    const ct_value *cv = &opts->v[i];
    if (!cv->key) return ct__errs("ctorch: param group options must be keywords");
    if (strcmp(cv->key, "params") == 0) return ct__errs("ctorch: give a group's params as the list argument");
    const optim_option *op = kind_option(o->kind, cv->key);
    optim_opt_type t = op ? op->type : cv->type == CT_V_TUPLE ? OPTIM_PAIR
                                     : cv->type == CT_V_STR    ? OPTIM_STR
                                     : cv->type == CT_V_BOOL   ? OPTIM_BOOL
                                                               : OPTIM_NUM;
    optim_val *slot = val_slot(gr, cv->key, t);
    if (!slot || store_value(slot, t, opts, &i) != 0) return -1;
  }
  for (int i = 0; i < gr->nvals; i++)
    if (gr->vals[i].type == OPTIM_REQUIRED)
      return ct__errs("parameter group didn't specify a value of required optimization parameter %s",
                      gr->vals[i].key);
  return 0;
}

int ct_optim_add_param_group(ct_optim *o, ct_tensor *const *params, int n, const ct_values *options) {
  if (!o) return ct__errs("ctorch: optimizer is NULL");
  if (check_params(o, params, n) != 0) return -1;
  optim_group gr = {0};
  if (group_options(o, &gr, options) != 0) {
    optim_vals_free(&gr);
    return -1;
  }
  optim_group *ng = realloc(o->groups, (size_t)(o->ng + 1) * sizeof *ng);
  if (!ng || (n && !(gr.params = malloc((size_t)n * sizeof *gr.params)))) {
    if (ng) o->groups = ng;
    optim_vals_free(&gr);
    return ct__errs("ctorch: out of memory");
  }
  o->groups = ng;
  ng[o->ng++] = gr;
  if (o->kind->validate && o->kind->validate(o, o->ng - 1) != 0) {
    optim_vals_free(&ng[--o->ng]);
    free(gr.params);
    return -1;
  }
  for (int i = 0; i < n; i++) ng[o->ng - 1].params[i] = ct_retain(params[i]);
  ng[o->ng - 1].n = n;
  return 0;
}

ct_optim *ct_optim_create(const char *name, ct_tensor *const *params, int n, const ct_values *kwargs) {
  if (!name) return ct__err("ctorch: optimizer name is NULL");
  const optim_kind *k = optim_find_kind(name);
  if (!k) return ct__err("ctorch: unknown optimizer '%s' (torch.optim has no such class in ctorch)", name);
  if (n == 0) return ct__err("optimizer got an empty parameter list");
  ct_optim *o = calloc(1, sizeof *o);
  if (!o) return ct__err("ctorch: out of memory");
  o->kind = k;
  if (parse_defaults(o, kwargs) != 0 || (k->validate && k->validate(o, -1) != 0) ||
      ct_optim_add_param_group(o, params, n, NULL) != 0) {
    ct_optim_free(o);
    return NULL;
  }
  return o;
}

void ct_optim_free(ct_optim *o) {
  if (!o) return;
  optim_state_clear(o);
  free(o->states);
  free(o->hash);
  for (int g = 0; g < o->ng; g++) group_free(&o->groups[g]);
  free(o->groups);
  optim_vals_free(&o->defaults);
  free(o);
}

int ct_optim_num_groups(const ct_optim *o) { return o ? o->ng : -1; }

int ct_optim_group_size(const ct_optim *o, int g) {
  const optim_group *gr = g >= 0 ? optim_group_at(o, g) : NULL;
  return gr ? gr->n : -1;
}

ct_tensor *ct_optim_group_param(const ct_optim *o, int g, int i) {
  const optim_group *gr = g >= 0 ? optim_group_at(o, g) : NULL;
  return gr && i >= 0 && i < gr->n ? gr->params[i] : NULL;
}

static const optim_val *public_val(const ct_optim *o, int g, const char *key) {
  const optim_group *gr = g >= 0 ? optim_group_at(o, g) : NULL;
  if (!gr) {
    ct__errs("ctorch: param group %d out of range (the optimizer has %d)", g, o ? o->ng : 0);
    return NULL;
  }
  const optim_val *v = optim_val_find(gr, key);
  if (!v) ct__errs("KeyError: '%s'", key ? key : "(null)");
  return v;
}

double ct_optim_get(const ct_optim *o, int g, const char *key) {
  return ct_optim_get_at(o, g, key, 0);
}

double ct_optim_get_at(const ct_optim *o, int g, const char *key, int idx) {
  const optim_val *v = public_val(o, g, key);
  if (!v) return NAN;
  if (v->type == OPTIM_STR) {
    ct__errs("ctorch: param_groups[%d]['%s'] is a string, not a number", g, key);
    return NAN;
  }
  if (idx < 0 || idx > (v->type == OPTIM_PAIR ? 1 : 0)) {
    ct__errs("IndexError: param_groups[%d]['%s'] has no element %d", g, key, idx);
    return NAN;
  }
  return v->v[idx];
}

bool ct_optim_has(const ct_optim *o, int g, const char *key) {
  const optim_group *gr = g >= 0 ? optim_group_at(o, g) : NULL;
  return optim_val_find(gr, key) != NULL;
}

int ct_optim_set(ct_optim *o, int g, const char *key, double v) {
  if (!key) return ct__errs("ctorch: option name is NULL");
  optim_group *gr = g >= 0 ? (optim_group *)optim_group_at(o, g) : NULL;
  if (!gr) return ct__errs("ctorch: param group %d out of range (the optimizer has %d)", g, o ? o->ng : 0);
  optim_val *s = (optim_val *)optim_val_find(gr, key);
  if (s && (s->type == OPTIM_PAIR || s->type == OPTIM_STR))
    return ct__errs("ctorch: param_groups[%d]['%s'] is a %s: set it with ct_optim_set_at", g, key,
                    s->type == OPTIM_PAIR ? "pair" : "string");
  if (!s && !(s = val_slot(gr, key, OPTIM_NUM))) return -1;
  if (s->type == OPTIM_REQUIRED || s->type == OPTIM_NONE_NUM) s->type = OPTIM_NUM;
  s->v[0] = s->type == OPTIM_BOOL ? (double)(v != 0) : v;
  s->is_int = false;
  return 0;
}

int ct_optim_set_at(ct_optim *o, int g, const char *key, int idx, double v) {
  const optim_val *cv = public_val(o, g, key);
  if (!cv) return -1;
  if (cv->type != OPTIM_PAIR || idx < 0 || idx > 1)
    return ct__errs("IndexError: param_groups[%d]['%s'] has no element %d", g, key, idx);
  optim_val *s = (optim_val *)cv;
  s->v[idx] = v;
  s->is_int = false;
  return 0;
}

/* ---- stepping ------------------------------------------------------------------------------ */
int ct_optim_zero_grad(ct_optim *o, bool set_to_none) {
  if (!o) return ct__errs("ctorch: optimizer is NULL");
  for (int g = 0; g < o->ng; g++)
    for (int i = 0; i < o->groups[g].n; i++) {
      ct_tensor *p = o->groups[g].params[i], *gr = ct_grad(p);
      if (!gr) continue;
      if (set_to_none) {
        if (ct_set_grad(p, NULL) != 0) return -1;
        continue;
      }
      if (!ct_is_leaf(gr) ? !ct_detach_(gr) : !ct_requires_grad_(gr, false)) return -1;
      if (!ct_zero_(gr)) return -1;
    }
  return 0;
}

/* Sparse gradients reach only the optimizers that take them (SGD, Adagrad, SparseAdam); the
 * others raise PyTorch's "<Name> does not support sparse gradients" when they meet one,
 * group by group as they collect their parameters. */
static int refuse_sparse_grads(const ct_optim *o, int g) {
  const char *k = o->kind->name;
  if (!strcmp(k, "SGD") || !strcmp(k, "Adagrad") || !strcmp(k, "SparseAdam")) return 0;
  for (int i = 0; i < o->groups[g].n; i++)
    if (ct_is_sparse(ct_grad(o->groups[g].params[i])))
      return ct__errs("%s does not support sparse gradients%s", k,
                      strcmp(k, "Adam") ? "" : ", please consider SparseAdam instead");
  return 0;
}

int ct_optim_step(ct_optim *o) {
  if (!o) return ct__errs("ctorch: optimizer is NULL");
  bool prev = ct_set_grad_enabled(false);
  int rc = 0;
  for (int g = 0; g < o->ng && rc == 0; g++) {
    ct_scope_begin();
    rc = refuse_sparse_grads(o, g) ? -1 : o->kind->step_group(o, g);
    ct_scope_end();
  }
  ct_set_grad_enabled(prev);
  return rc;
}

ct_tensor *ct_optim_step_closure(ct_optim *o, ct_optim_closure closure, void *user) {
  if (!o) return ct__err("ctorch: optimizer is NULL");
  if (!closure) return ct__err("ctorch: the closure is NULL");
  if (o->kind->step_closure) return o->kind->step_closure(o, closure, user);
  bool prev = ct_set_grad_enabled(true); /* torch.enable_grad() around the closure */
  ct_tensor *loss = closure(user);
  ct_set_grad_enabled(prev);
  if (!loss) return NULL;
  return ct_optim_step(o) == 0 ? loss : NULL;
}
