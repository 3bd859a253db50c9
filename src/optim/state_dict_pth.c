/* optimizer.state_dict() as the tree torch.save writes, and load_state_dict from the tree
 * torch.load gives, so a run moves between PyTorch and ctorch mid-training:
 *   {'state': {0: {'step': tensor(3.), 'exp_avg': ..., ...}, ...},
 *    'param_groups': [{'lr': 0.001, 'betas': (0.9, 0.999), ..., 'params': [0, 1]}]}
 * Loading goes through ct_optim_load_state_dict (its checks, nothing changed on failure): the
 * tree becomes its tensor map ("state.<i>.<key>") and param_groups JSON. The trees are walked
 * and built through pth.h's public API (the optim layer sits above io). */
#include <stdio.h>

#include "../tensor/strbuf.h"
#include "optim_impl.h"

/* ---- ctorch -> tree ------------------------------------------------------------------------ */
static ct_pth_value *num(double v, bool is_int) {
  return is_int && v == (double)(int64_t)v ? ct_pth_new_int((int64_t)v) : ct_pth_new_float(v);
}

/* param_groups[g][key] as Python holds it. */
static ct_pth_value *option_value(const optim_val *v) {
  switch (v->type) {
  case OPTIM_BOOL: return ct_pth_new_bool(v->v[0] != 0);
  case OPTIM_STR: return v->s && v->s[0] ? ct_pth_new_str(v->s) : ct_pth_new_none();
  case OPTIM_PAIR: {
    ct_pth_value *t = ct_pth_new_tuple();
    if (ct_pth_append(t, num(v->v[0], v->is_int)) || ct_pth_append(t, num(v->v[1], v->is_int))) {
      ct_pth_free(t);
      return NULL;
    }
    return t;
  }
  case OPTIM_NONE_NUM:
  case OPTIM_REQUIRED:
    if (isnan(v->v[0])) return ct_pth_new_none();
    /* fallthrough */
  default: return num(v->v[0], v->is_int);
  }
}

/* The parameter's index in PyTorch's numbering (across groups); -1 when absent. */
static int param_index(const ct_optim *o, const ct_tensor *p) {
  for (int g = 0, base = 0; g < o->ng; base += o->groups[g++].n)
    for (int i = 0; i < o->groups[g].n; i++)
      if (o->groups[g].params[i] == p) return base + i;
  return -1;
}

static int build_state(const ct_optim *o, ct_pth_value *state) {
  for (int s = 0; s < o->nstates; s++) { /* in the order the parameters got state, as in PyTorch */
    int idx = param_index(o, o->states[s].p);
    if (idx < 0 || !o->states[s].n) continue;
    ct_pth_value *ps = ct_pth_new_dict();
    if (ct_pth_dict_set_int(state, idx, ps)) return -1;
    for (int e = 0; e < o->states[s].n; e++)
      if (ct_pth_dict_set(ps, o->states[s].e[e].key, ct_pth_new_tensor(o->states[s].e[e].t))) return -1;
  }
  return 0;
}

static int build_groups(const ct_optim *o, ct_pth_value *groups) {
  for (int g = 0, idx = 0; g < o->ng; g++) {
    const optim_group *gr = &o->groups[g];
    ct_pth_value *d = ct_pth_new_dict(), *params = ct_pth_new_list();
    if (ct_pth_append(groups, d)) {
      ct_pth_free(params);
      return -1;
    }
    for (int k = 0; k < gr->nvals; k++)
      if (ct_pth_dict_set(d, gr->vals[k].key, option_value(&gr->vals[k]))) {
        ct_pth_free(params);
        return -1;
      }
    for (int i = 0; i < gr->n; i++)
      if (ct_pth_append(params, ct_pth_new_int(idx++))) {
        ct_pth_free(params);
        return -1;
      }
    if (ct_pth_dict_set(d, "params", params)) return -1;
  }
  return 0;
}

ct_pth_value *ct_optim_state_dict_pth(const ct_optim *o) {
  if (!o) return ct__err("ctorch: optimizer is NULL");
  ct_pth_value *root = ct_pth_new_dict(), *state = ct_pth_new_dict(), *groups = ct_pth_new_list();
  int rc = ct_pth_dict_set(root, "state", state);
  rc = rc || ct_pth_dict_set(root, "param_groups", groups);
  if (!rc) rc = build_state(o, state) || build_groups(o, groups);
  if (rc) ct_pth_free(root);
  return rc ? NULL : root;
}

/* ---- tree -> ctorch ------------------------------------------------------------------------ */
/* A number as the JSON ct_optim_load_state_dict reads: a float keeps a '.' or an exponent. */
static int json_num(ct__strbuf *b, const ct_pth_value *v) {
  ct_pth_kind k = ct_pth_kind_of(v);
  if (k == CT_PTH_INT) return ct__sb_printf(b, "%lld", (long long)ct_pth_int(v)), 0;
  if (k != CT_PTH_FLOAT) return -1;
  double f = ct_pth_float(v);
  if (isnan(f)) return ct__sb_puts(b, "NaN"), 0;
  if (isinf(f)) return ct__sb_puts(b, f < 0 ? "-Infinity" : "Infinity"), 0;
  char s[40];
  snprintf(s, sizeof s, "%.17g", f);
  ct__sb_puts(b, s);
  if (!strpbrk(s, ".e")) ct__sb_puts(b, ".0");
  return 0;
}

/* One option value: a number, bool, None, identifier str, or a pair of numbers. */
static int json_value(ct__strbuf *b, const ct_pth_value *v, const char *key) {
  size_t n;
  const char *str;
  switch (ct_pth_kind_of(v)) {
  case CT_PTH_NONE: ct__sb_puts(b, "null"); return 0;
  case CT_PTH_BOOL: ct__sb_puts(b, ct_pth_bool(v) ? "true" : "false"); return 0;
  case CT_PTH_STR:
    str = ct_pth_str(v, &n);
    if (!n || strspn(str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) break;
    ct__sb_printf(b, "\"%s\"", str);
    return 0;
  case CT_PTH_TUPLE:
  case CT_PTH_LIST:
    if (ct_pth_len(v) != 2) break;
    ct__sb_puts(b, "[");
    if (json_num(b, ct_pth_item(v, 0))) break;
    ct__sb_puts(b, ", ");
    if (json_num(b, ct_pth_item(v, 1))) break;
    ct__sb_puts(b, "]");
    return 0;
  default:
    if (!json_num(b, v)) return 0;
  }
  return ct__errs("ctorch: param_groups option '%s' has a value ctorch's optimizers do not hold", key);
}

/* 'params': a list of ints. */
static int json_params(ct__strbuf *b, const ct_pth_value *v) {
  if (ct_pth_kind_of(v) != CT_PTH_LIST) return ct__errs("ctorch: a parameter group's 'params' is not a list");
  ct__sb_puts(b, "[");
  for (int64_t j = 0; j < ct_pth_len(v); j++) {
    const ct_pth_value *x = ct_pth_item(v, j);
    if (ct_pth_kind_of(x) != CT_PTH_INT) return ct__errs("ctorch: a parameter index is not an int");
    ct__sb_printf(b, "%s%lld", j ? ", " : "", (long long)ct_pth_int(x));
  }
  ct__sb_puts(b, "]");
  return 0;
}

static int groups_json(const ct_pth_value *groups, ct__strbuf *b) {
  if (ct_pth_kind_of(groups) != CT_PTH_LIST)
    return ct__errs("ctorch: the optimizer state_dict's 'param_groups' is not a list");
  ct__sb_puts(b, "[");
  for (int64_t g = 0; g < ct_pth_len(groups); g++) {
    const ct_pth_value *d = ct_pth_item(groups, g);
    if (ct_pth_kind_of(d) != CT_PTH_DICT) return ct__errs("ctorch: a parameter group is not a dict");
    ct__sb_puts(b, g ? ", {" : "{");
    bool has_params = false;
    for (int64_t i = 0; i < ct_pth_len(d); i++) {
      const ct_pth_value *k = ct_pth_key(d, i), *v = ct_pth_item(d, i);
      size_t n = 0;
      const char *key = ct_pth_kind_of(k) == CT_PTH_STR ? ct_pth_str(k, &n) : NULL;
      if (!key || n >= OPTIM_KEY || strpbrk(key, "\"\\"))
        return ct__errs("ctorch: a parameter group has a key ctorch's optimizers do not hold");
      ct__sb_printf(b, "%s\"%s\": ", i ? ", " : "", key);
      has_params |= !strcmp(key, "params");
      if (strcmp(key, "params") ? json_value(b, v, key) : json_params(b, v)) return -1;
    }
    if (!has_params) return ct__errs("ctorch: a parameter group has no 'params'");
    ct__sb_puts(b, "}");
  }
  ct__sb_puts(b, "]");
  return b->oom ? ct__errs("CPU: out of memory") : 0;
}

/* state[i][key] into m as "state.<i>.<key>"; None skipped, a number 'step' made a float32
 * tensor (Adam's load_state_dict turns an old int step into tensor(float(step))). */
static int state_map(const ct_pth_value *state, ct_tensor_map *m) {
  if (ct_pth_kind_of(state) != CT_PTH_DICT)
    return ct__errs("ctorch: the optimizer state_dict's 'state' is not a dict");
  for (int64_t i = 0; i < ct_pth_len(state); i++) {
    const ct_pth_value *k = ct_pth_key(state, i), *ps = ct_pth_item(state, i);
    if (ct_pth_kind_of(k) != CT_PTH_INT || ct_pth_kind_of(ps) != CT_PTH_DICT)
      return ct__errs("ctorch: the optimizer state must map parameter indices to dicts");
    long long idx = (long long)ct_pth_int(k);
    for (int64_t e = 0; e < ct_pth_len(ps); e++) {
      const ct_pth_value *ek = ct_pth_key(ps, e), *ev = ct_pth_item(ps, e);
      if (ct_pth_kind_of(ek) != CT_PTH_STR) return ct__errs("ctorch: an optimizer state key is not a str");
      const char *key = ct_pth_str(ek, NULL);
      ct_pth_kind kind = ct_pth_kind_of(ev);
      if (kind == CT_PTH_NONE) continue;
      bool step_num = !strcmp(key, "step") && (kind == CT_PTH_INT || kind == CT_PTH_FLOAT);
      if (kind != CT_PTH_TENSOR && !step_num)
        return ct__errs("ctorch: optimizer state '%s' of parameter %lld is no tensor", key, idx);
      char name[64 + OPTIM_KEY];
      snprintf(name, sizeof name, "state.%lld.%s", idx, key);
      ct_scope_begin();
      ct_tensor *t = step_num ? ct_scalar_tensor(ct_pth_float(ev), CT_FLOAT32) : ct_pth_tensor(ev);
      int rc = t ? ct_tensor_map_set(m, name, t) : -1;
      ct_scope_end();
      if (rc) return -1;
    }
  }
  return 0;
}

int ct_optim_load_state_dict_pth(ct_optim *o, const ct_pth_value *sd) {
  if (!o) return ct__errs("ctorch: optimizer is NULL");
  if (ct_pth_kind_of(sd) != CT_PTH_DICT)
    return ct__errs("ctorch: an optimizer state_dict must be a dict with 'state' and 'param_groups'");
  ct_tensor_map *m = ct_tensor_map_new();
  ct__strbuf b = {0};
  int rc = m ? 0 : ct__errs("CPU: out of memory");
  if (!rc) rc = groups_json(ct_pth_get(sd, "param_groups"), &b);
  if (!rc) rc = state_map(ct_pth_get(sd, "state"), m);
  if (!rc) rc = ct_tensor_map_set_meta(m, "param_groups", b.s);
  if (!rc) rc = ct_optim_load_state_dict(o, m);
  free(b.s);
  ct_tensor_map_free(m);
  return rc;
}
