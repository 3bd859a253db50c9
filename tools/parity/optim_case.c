/* "optimizer" cases (PARITY.md): build torch.optim.<name> by class name over copies of the
 * file's parameters (param groups by index, each with its own options), then per step set each
 * .grad from the file (null: None), step(), and compare every parameter with PyTorch's. */
#include <string.h>

#include "parity.h"

#define OPT_MAX_PARAMS 64

#define say parity_say

static const char *err(void) { return ct_last_error() ? ct_last_error() : "(no error message)"; }

static ct_tensor *file_tensor(ct_tensor_map *map, const cJSON *key, char *reason, size_t n) {
  ct_tensor *t = cJSON_IsString(key) ? ct_tensor_map_get(map, key->valuestring) : NULL;
  if (!t) say(reason, n, "malformed case: tensor %s not in the file", cJSON_IsString(key) ? key->valuestring : "?");
  return t;
}

/* A group's options (its object less "params", returned: the values' keys point into it; free
 * it after use) as keyword values. */
static cJSON *group_values(ct_tensor_map *map, const cJSON *group, ct_values *out, char *reason,
                           size_t n) {
  cJSON *opts = cJSON_Duplicate(group, true);
  cJSON_DeleteItemFromObjectCaseSensitive(opts, "params");
  if (opts && parity_json_values(map, NULL, opts, out, reason, n) == 0) return opts;
  cJSON_Delete(opts);
  return NULL;
}

/* The group's parameters from the case's indices. */
static int group_params(const cJSON *group, ct_tensor **params, int np, ct_tensor **out, char *reason,
                        size_t n) {
  const cJSON *idx = cJSON_GetObjectItemCaseSensitive(group, "params"), *e;
  int k = 0;
  cJSON_ArrayForEach(e, idx) {
    int i = cJSON_IsNumber(e) ? e->valueint : -1;
    if (i < 0 || i >= np || k >= OPT_MAX_PARAMS) {
      say(reason, n, "malformed case: bad parameter index in a group");
      return -1;
    }
    out[k++] = params[i];
  }
  return k;
}

/* Group 0 is the constructor's: its own options are set on it afterwards. */
static int set_group0(ct_optim *o, const cJSON *group, char *reason, size_t n) {
  const cJSON *e;
  cJSON_ArrayForEach(e, group) {
    if (strcmp(e->string, "params") == 0) continue;
    int rc = 0;
    if (cJSON_IsNumber(e)) rc = ct_optim_set(o, 0, e->string, e->valuedouble);
    else if (cJSON_IsBool(e)) rc = ct_optim_set(o, 0, e->string, cJSON_IsTrue(e));
    else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2)
      for (int i = 0; i < 2 && rc == 0; i++)
        rc = ct_optim_set_at(o, 0, e->string, i, cJSON_GetArrayItem(e, i)->valuedouble);
    else rc = -1;
    if (rc != 0) {
      say(reason, n, "group 0 option %s: %s", e->string, err());
      return -1;
    }
  }
  return 0;
}

static ct_optim *build(ct_tensor_map *map, const cJSON *cs, const char *name, ct_tensor **params,
                       int np, char *reason, size_t n, parity_status *st) {
  ct_values kw;
  *st = PARITY_FAIL;
  if (parity_json_values(map, NULL, cJSON_GetObjectItemCaseSensitive(cs, "kwargs"), &kw, reason, n) != 0)
    return NULL;
  const cJSON *groups = cJSON_GetObjectItemCaseSensitive(cs, "groups");
  int ng = cJSON_IsArray(groups) ? cJSON_GetArraySize(groups) : 0;
  ct_tensor *gp[OPT_MAX_PARAMS];
  int k = ng ? group_params(cJSON_GetArrayItem(groups, 0), params, np, gp, reason, n) : np;
  if (k < 0) return NULL;
  ct_optim *o = ct_optim_create(name, ng ? gp : params, k, &kw);
  if (!o) {
    const char *e = err(); /* a class or keyword ctorch lacks: a skip, never a pass */
    *st = strstr(e, "ctorch:") || strstr(e, "unexpected keyword") ? PARITY_SKIP : PARITY_FAIL;
    say(reason, n, "optim.%s: %s", name, e);
    return NULL;
  }
  if (ng && set_group0(o, cJSON_GetArrayItem(groups, 0), reason, n) != 0) {
    ct_optim_free(o);
    return NULL;
  }
  for (int g = 1; g < ng; g++) {
    const cJSON *group = cJSON_GetArrayItem(groups, g);
    ct_values opts;
    k = group_params(group, params, np, gp, reason, n);
    cJSON *keys = k < 0 ? NULL : group_values(map, group, &opts, reason, n);
    if (!keys) {
      ct_optim_free(o);
      return NULL;
    }
    int rc = ct_optim_add_param_group(o, gp, k, &opts);
    cJSON_Delete(keys);
    if (rc != 0) {
      say(reason, n, "add_param_group %d: %s", g, err());
      ct_optim_free(o);
      return NULL;
    }
  }
  *st = PARITY_PASS;
  return o;
}

static parity_status run_steps(ct_tensor_map *map, const cJSON *cs, ct_optim *o, ct_lr_scheduler *sch,
                               ct_tensor **params, int np, char *reason, size_t n) {
  const cJSON *rt = cJSON_GetObjectItemCaseSensitive(cs, "rtol");
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(cs, "atol");
  double rtol = cJSON_IsNumber(rt) ? rt->valuedouble : 1e-7;
  double atol = cJSON_IsNumber(at) ? at->valuedouble : 1e-9;
  const cJSON *grads = cJSON_GetObjectItemCaseSensitive(cs, "grads");
  const cJSON *expected = cJSON_GetObjectItemCaseSensitive(cs, "expected");
  if (cJSON_GetArraySize(grads) != cJSON_GetArraySize(expected)) {
    say(reason, n, "malformed case: \"grads\" and \"expected\" differ in length");
    return PARITY_FAIL;
  }
  for (int s = 0; s < cJSON_GetArraySize(grads); s++) {
    const cJSON *gs = cJSON_GetArrayItem(grads, s), *es = cJSON_GetArrayItem(expected, s);
    if (cJSON_GetArraySize(gs) != np || cJSON_GetArraySize(es) != np) {
      say(reason, n, "malformed case: step %d does not list every parameter", s);
      return PARITY_FAIL;
    }
    for (int i = 0; i < np; i++) {
      const cJSON *gk = cJSON_GetArrayItem(gs, i);
      ct_tensor *g = cJSON_IsNull(gk) ? NULL : file_tensor(map, gk, reason, n);
      if (!cJSON_IsNull(gk) && !g) return PARITY_FAIL;
      if (ct_set_grad(params[i], g ? ct_clone(g) : NULL) != 0) {
        say(reason, n, "step %d: setting .grad of parameter %d: %s", s, i, err());
        return PARITY_FAIL;
      }
    }
    if (ct_optim_step(o) != 0) {
      say(reason, n, "step %d: %s", s, err());
      return PARITY_FAIL;
    }
    for (int i = 0; i < np; i++) {
      ct_tensor *exp = file_tensor(map, cJSON_GetArrayItem(es, i), reason, n);
      char why[PARITY_MSG];
      if (!exp) return PARITY_FAIL;
      if (!parity_compare(params[i], exp, rtol, atol, why, sizeof why)) {
        say(reason, n, "step %d, parameter %d: %s", s, i, why);
        return PARITY_FAIL;
      }
    }
    if (sch && parity_scheduler_step(cs, sch, o, s, rtol, atol, reason, n) != PARITY_PASS) return PARITY_FAIL;
  }
  return PARITY_PASS;
}

parity_status parity_run_optimizer(ct_tensor_map *map, const cJSON *cs, const char *name, char *reason,
                                   size_t n) {
  const cJSON *keys = cJSON_GetObjectItemCaseSensitive(cs, "params"), *e;
  ct_tensor *params[OPT_MAX_PARAMS];
  int np = 0;
  cJSON_ArrayForEach(e, keys) {
    ct_tensor *t = np < OPT_MAX_PARAMS ? file_tensor(map, e, reason, n) : NULL;
    if (!t) return PARITY_FAIL;
    params[np] = ct_requires_grad_(ct_clone(t), true); /* a fresh leaf: the file's stays */
    if (!params[np++]) {
      say(reason, n, "parameter copy: %s", err());
      return PARITY_FAIL;
    }
  }
  parity_status st;
  ct_optim *o = build(map, cs, name, params, np, reason, n, &st);
  if (!o) return st;
  ct_lr_scheduler *sch = NULL;
  if (cJSON_GetObjectItemCaseSensitive(cs, "scheduler") && !(sch = parity_scheduler_build(map, cs, o, reason, n, &st))) {
    ct_optim_free(o);
    return st;
  }
  st = run_steps(map, cs, o, sch, params, np, reason, n);
  ct_lr_scheduler_free(sch);
  ct_optim_free(o);
  return st;
}
