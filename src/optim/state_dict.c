/* optimizer.state_dict() / load_state_dict() and their safetensors files, in PyTorch's layout:
 * state by parameter index (counted across groups), param_groups with 'params' index lists.
 * Tensors: "state.<i>.<key>"; the groups: JSON in the metadata key "param_groups" (numbers
 * with 17 significant digits, so a resumed run continues bit for bit). */
#include <ctype.h>
#include <stdio.h>

#include "../tensor/strbuf.h"
#include "optim_impl.h"

/* ---- writing ------------------------------------------------------------------------------- */
static void json_num(ct__strbuf *b, double v, bool is_int) {
  if (isnan(v)) ct__sb_puts(b, "NaN"); /* Python's json writes these */
  else if (isinf(v)) ct__sb_puts(b, v < 0 ? "-Infinity" : "Infinity");
  else if (is_int) ct__sb_printf(b, "%lld", (long long)v);
  else ct__sb_printf(b, "%.17g", v);
}

static void json_val(ct__strbuf *b, const optim_val *v) {
  switch (v->type) {
    case OPTIM_BOOL: ct__sb_puts(b, v->v[0] != 0 ? "true" : "false"); break;
    case OPTIM_STR:
      if (v->s && v->s[0]) ct__sb_printf(b, "\"%s\"", v->s); /* option strings are identifiers */
      else ct__sb_puts(b, "null");
      break;
    case OPTIM_PAIR:
      ct__sb_puts(b, "[");
      json_num(b, v->v[0], v->is_int);
      ct__sb_puts(b, ", ");
      json_num(b, v->v[1], v->is_int);
      ct__sb_puts(b, "]");
      break;
    case OPTIM_NONE_NUM:
    case OPTIM_REQUIRED:
      if (isnan(v->v[0])) {
        ct__sb_puts(b, "null");
        break;
      }
      /* fallthrough */
    default: json_num(b, v->v[0], v->is_int);
  }
}

ct_tensor_map *ct_optim_state_dict(const ct_optim *o) {
  if (!o) return ct__err("ctorch: optimizer is NULL");
  ct_tensor_map *m = ct_tensor_map_new();
  ct__strbuf b = {0};
  if (!m) return ct__err("ctorch: out of memory");
  ct__sb_puts(&b, "[");
  int idx = 0, rc = 0;
  for (int g = 0; g < o->ng; g++) {
    const optim_group *gr = &o->groups[g];
    ct__sb_puts(&b, g ? ", {" : "{");
    for (int k = 0; k < gr->nvals; k++) {
      ct__sb_printf(&b, "\"%s\": ", gr->vals[k].key);
      json_val(&b, &gr->vals[k]);
      ct__sb_puts(&b, ", ");
    }
    ct__sb_puts(&b, "\"params\": [");
    for (int i = 0; i < gr->n; i++, idx++) {
      ct__sb_printf(&b, i ? ", %d" : "%d", idx);
      const ct_tensor *p = gr->params[i];
      for (int s = 0; s < o->nstates; s++) {
        if (o->states[s].p != p) continue;
        for (int e = 0; e < o->states[s].n && rc == 0; e++) {
          char name[64 + OPTIM_KEY];
          snprintf(name, sizeof name, "state.%d.%s", idx, o->states[s].e[e].key);
          rc = ct_tensor_map_set(m, name, o->states[s].e[e].t);
        }
      }
    }
    ct__sb_puts(&b, "]}");
  }
  ct__sb_puts(&b, "]");
  if (b.oom || rc != 0 || ct_tensor_map_set_meta(m, "param_groups", b.s) != 0 ||
      ct_tensor_map_set_meta(m, "optimizer", o->kind->name) != 0) {
    free(b.s);
    ct_tensor_map_free(m);
    return b.oom ? ct__err("ctorch: out of memory") : NULL;
  }
  free(b.s);
  return m;
}

/* ---- reading the groups' JSON ---------------------------------------------------------------- */
typedef struct jp {
  const char *s;
  bool bad;
} jp;

static void ws(jp *j) {
  while (isspace((unsigned char)*j->s)) j->s++;
}
static bool eat(jp *j, char c) {
  ws(j);
  if (*j->s != c) return false;
  j->s++;
  return true;
}

static double jnum(jp *j, bool *is_int) {
  ws(j);
  static const struct {
    const char *w;
    double v;
  } words[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
  for (size_t i = 0; i < 3; i++)
    if (strncmp(j->s, words[i].w, strlen(words[i].w)) == 0) {
      j->s += strlen(words[i].w);
      *is_int = false;
      return words[i].v;
    }
  char *end;
  double v = strtod(j->s, &end);
  if (end == j->s) j->bad = true;
  *is_int = strcspn(j->s, ".eE,]} ") >= (size_t)(end - j->s);
  j->s = end;
  return v;
}

/* One option value into v (key already set). */
static void jvalue(jp *j, optim_val *v) {
  ws(j);
  if (strncmp(j->s, "true", 4) == 0 || strncmp(j->s, "false", 5) == 0) {
    v->type = OPTIM_BOOL;
    v->v[0] = j->s[0] == 't';
    j->s += j->s[0] == 't' ? 4 : 5;
  } else if (strncmp(j->s, "null", 4) == 0) {
    v->type = OPTIM_NONE_NUM;
    v->v[0] = NAN;
    j->s += 4;
  } else if (*j->s == '"') {
    const char *e = strchr(j->s + 1, '"');
    if (!e) {
      j->bad = true;
      return;
    }
    v->type = OPTIM_STR;
    v->s = strndup(j->s + 1, (size_t)(e - j->s - 1));
    j->bad |= !v->s;
    j->s = e + 1;
  } else if (eat(j, '[')) {
    bool a, b;
    v->type = OPTIM_PAIR;
    v->v[0] = jnum(j, &a);
    j->bad |= !eat(j, ',');
    v->v[1] = jnum(j, &b);
    j->bad |= !eat(j, ']');
    v->is_int = a && b;
  } else {
    v->type = OPTIM_NUM;
    v->v[0] = jnum(j, &v->is_int);
  }
}

/* A group object: its options into gr->vals, its parameter indices into *idx (malloc'd). */
static void jgroup(jp *j, optim_group *gr, int **idx, int *nidx) {
  j->bad |= !eat(j, '{');
  while (!j->bad && !eat(j, '}')) {
    if (gr->nvals || *nidx >= 0) j->bad |= !eat(j, ',');
    ws(j);
    const char *k0 = j->s + 1, *k1 = *j->s == '"' ? strchr(k0, '"') : NULL;
    if (!k1 || k1 - k0 >= OPTIM_KEY) {
      j->bad = true;
      return;
    }
    j->s = k1 + 1;
    j->bad |= !eat(j, ':');
    if ((size_t)(k1 - k0) == 6 && strncmp(k0, "params", 6) == 0) {
      j->bad |= !eat(j, '[');
      *nidx = 0;
      while (!j->bad && !eat(j, ']')) {
        if (*nidx) j->bad |= !eat(j, ',');
        bool is_int;
        double d = jnum(j, &is_int);
        int *ni = realloc(*idx, (size_t)(*nidx + 1) * sizeof *ni);
        if (!ni || !is_int || d < 0 || d > 1e9) {
          if (ni) *idx = ni;
          j->bad = true;
          return;
        }
        *idx = ni;
        ni[(*nidx)++] = (int)d;
      }
      continue;
    }
    optim_val *nv = realloc(gr->vals, (size_t)(gr->nvals + 1) * sizeof *nv);
    if (!nv) {
      j->bad = true;
      return;
    }
    gr->vals = nv;
    optim_val *v = &nv[gr->nvals++];
    *v = (optim_val){0};
    memcpy(v->key, k0, (size_t)(k1 - k0));
    jvalue(j, v);
  }
}

/* ---- loading --------------------------------------------------------------------------------- */
typedef struct loaded {
  optim_group *groups; /* options only */
  int ng;
  ct_tensor **state; /* per state entry of the map: the cast copy, or NULL (skipped) */
  const ct_tensor **owner;
  const char **key;
  int ns;
} loaded;

static void loaded_free(loaded *l) {
  for (int g = 0; g < l->ng; g++) optim_vals_free(&l->groups[g]);
  free(l->groups);
  for (int i = 0; i < l->ns; i++) ct_release(l->state[i]);
  free(l->state);
  free(l->owner);
  free(l->key);
}

/* The saved groups against the optimizer's: PyTorch's two checks. Fills l->groups. */
static int load_groups(const ct_optim *o, const char *json, loaded *l) {
  if (!json) return ct__errs("ctorch: the optimizer state_dict has no \"param_groups\" metadata");
  jp j = {json, false};
  int saved_n[1024], ns = 0;
  j.bad |= !eat(&j, '[');
  while (!j.bad && !eat(&j, ']')) {
    if (ns) j.bad |= !eat(&j, ',');
    optim_group *ng = realloc(l->groups, (size_t)(l->ng + 1) * sizeof *ng);
    if (!ng || ns >= 1024) {
      if (ng) l->groups = ng;
      return ct__errs("ctorch: out of memory");
    }
    l->groups = ng;
    ng[l->ng] = (optim_group){0};
    int *idx = NULL, nidx = -1;
    jgroup(&j, &ng[l->ng++], &idx, &nidx);
    free(idx); /* the saved indices are consecutive in PyTorch's numbering */
    saved_n[ns++] = nidx;
    j.bad |= nidx < 0;
  }
  if (j.bad) return ct__errs("ctorch: malformed \"param_groups\" metadata in the optimizer state_dict");
  if (ns != o->ng) return ct__errs("loaded state dict has a different number of parameter groups");
  for (int g = 0; g < ns; g++)
    if (saved_n[g] != o->groups[g].n)
      return ct__errs("loaded state dict contains a parameter group that doesn't match the size of "
                      "optimizer's group");
  /* Another optimizer's groups (SGD's into Adam) lack this kind's options: PyTorch 1.13 takes
   * them and fails later (KeyError at __setstate__ or step, the optimizer already replaced);
   * refused here, nothing changed, so a step never reads a missing option as NaN. */
  for (int g = 0; g < ns; g++)
    for (int k = 0; k < o->kind->n_options; k++)
      if (!optim_val_find(&l->groups[g], o->kind->options[k].name))
        return ct__errs("KeyError: '%s' (the loaded state dict's parameter group %d has no %s option "
                        "'%s': a state_dict of another optimizer?)",
                        o->kind->options[k].name, g, o->kind->name, o->kind->options[k].name);
  return 0;
}

/* The parameter with index idx in PyTorch's numbering; NULL past the end. */
static const ct_tensor *param_at(const ct_optim *o, long idx) {
  for (int g = 0; g < o->ng; g++) {
    if (idx < o->groups[g].n) return o->groups[g].params[idx];
    idx -= o->groups[g].n;
  }
  return NULL;
}

/* Each "state.<i>.<key>" tensor, deep-copied and cast to its parameter's dtype ("step" kept). */
static int load_state(const ct_optim *o, const ct_tensor_map *sd, loaded *l) {
  int n = ct_tensor_map_size(sd);
  l->state = calloc((size_t)n + 1, sizeof *l->state);
  l->owner = calloc((size_t)n + 1, sizeof *l->owner);
  l->key = calloc((size_t)n + 1, sizeof *l->key);
  if (!l->state || !l->owner || !l->key) return ct__errs("ctorch: out of memory");
  for (int i = 0; i < n; i++) {
    const char *name = ct_tensor_map_name(sd, i);
    char *end;
    if (strncmp(name, "state.", 6) != 0) continue;
    long idx = strtol(name + 6, &end, 10);
    const ct_tensor *p = end != name + 6 && *end == '.' && idx >= 0 ? param_at(o, idx) : NULL;
    if (!p) continue; /* PyTorch keeps it under its number: no parameter here to key it by */
    const char *key = end + 1;
    if (strlen(key) >= OPTIM_KEY) return ct__errs("ctorch: optimizer state key '%s' is too long", key);
    ct_tensor *t = ct_tensor_map_at(sd, i);
    bool step = strcmp(key, "step") == 0;
    /* LBFGS (the kind with its own step_closure) keeps flat [numel] / [k, numel] state */
    bool flat = optim_kind_of(o)->step_closure != NULL;
    if (!step && !flat && ct_dim(t) > 0 && (ct_dim(t) != ct_dim(p) || memcmp(ct_shape(t), ct_shape(p), (size_t)ct_dim(p) * sizeof(int64_t))))
      return ct__errs("ctorch: loaded optimizer state '%s' of parameter %ld does not match the "
                      "parameter's shape (a state_dict from another model?)", key, idx);
    ct_scope_begin();
    ct_tensor *c = !step && ct_is_floating_point(p) ? ct_to(t, ct_dtype_of(p)) : t;
    c = c == t ? ct_clone(t) : c;
    if (c) ct_retain(c);
    ct_scope_end();
    if (!c) return -1;
    l->state[l->ns] = c;
    l->owner[l->ns] = p;
    l->key[l->ns++] = key;
  }
  return 0;
}

int ct_optim_load_state_dict(ct_optim *o, const ct_tensor_map *sd) {
  if (!o || !sd) return ct__errs("ctorch: optimizer or state_dict is NULL");
  loaded l = {0};
  int rc = load_groups(o, ct_tensor_map_meta(sd, "param_groups"), &l);
  if (rc == 0) {
    bool prev = ct_set_grad_enabled(false);
    rc = load_state(o, sd, &l);
    ct_set_grad_enabled(prev);
  }
  if (rc == 0) { /* everything read: now replace, so a failure above changed nothing */
    optim_state_clear(o);
    for (int i = 0; i < l.ns && rc == 0; i++) rc = optim_state_set(o, l.owner[i], l.key[i], l.state[i]);
    for (int g = 0; g < o->ng; g++) {
      optim_vals_free(&o->groups[g]);
      o->groups[g].vals = l.groups[g].vals;
      o->groups[g].nvals = l.groups[g].nvals;
      l.groups[g] = (optim_group){0};
    }
  }
  loaded_free(&l);
  return rc;
}

int ct_optim_save(const ct_optim *o, const char *path) {
  if (!path) return ct__errs("ctorch: path is NULL");
  ct_tensor_map *sd = ct_optim_state_dict(o);
  int rc = sd ? ct_safetensors_save(path, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}

int ct_optim_load(ct_optim *o, const char *path) {
  if (!o || !path) return ct__errs("ctorch: optimizer or path is NULL");
  ct_tensor_map *sd = ct_safetensors_load(path);
  int rc = sd ? ct_optim_load_state_dict(o, sd) : -1;
  ct_tensor_map_free(sd);
  return rc;
}
