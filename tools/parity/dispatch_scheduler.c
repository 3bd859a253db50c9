/* The LR scheduler part of "optimizer" cases (PARITY.md): "scheduler" {"name", "kwargs"} is built
 * by class name on the case's optimizer, stepped after every optimizer step (with "metrics"[s]
 * for ReduceLROnPlateau), and each group's lr compared with "lrs"[s]. SequentialLR /
 * ChainedScheduler's "schedulers" are {"name", "kwargs"} objects, passed on as (name, keywords...)
 * tuples; lr_lambda / scale_fn are factor tables (lr_scheduler.h). */
#include <string.h>

#include "parity.h"

#define say parity_say

static const char *err(void) { return ct_last_error() ? ct_last_error() : "(no error message)"; }

static int push(ct_values *out, ct_value v, char *reason, size_t n) {
  if (ct_values_push(out, v) == 0) return 0;
  say(reason, n, "scheduler keywords: %s", err());
  return -1;
}

/* The entries value i spans (a tuple: with its elements, nested). */
static int span(const ct_values *vs, int i) {
  int k = 1;
  if (vs->v[i].type == CT_V_TUPLE)
    for (int e = 0; e < vs->v[i].n && i + k < vs->n; e++) k += span(vs, i + k);
  return k;
}

/* "schedulers": [{"name": "LinearLR", "kwargs": {...}}, ...] as a tuple of (name, keywords...) */
static int sub_schedulers(ct_tensor_map *map, const cJSON *list, ct_values *out, char *reason, size_t n) {
  if (!cJSON_IsArray(list)) {
    say(reason, n, "malformed case: \"schedulers\" is not a list");
    return -1;
  }
  ct_value head = ct_v_tuple(cJSON_GetArraySize(list));
  head.key = "schedulers";
  if (push(out, head, reason, n) != 0) return -1;
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
    ct_values kw;
    if (!cJSON_IsString(name) ||
        parity_json_values(map, NULL, cJSON_GetObjectItemCaseSensitive(e, "kwargs"), &kw, reason, n) != 0) {
      if (!reason[0]) say(reason, n, "malformed case: a sub-scheduler without a name");
      return -1;
    }
    int top = 0; /* the tuple counts the keywords, not their nested entries */
    for (int i = 0; i < kw.n; i += span(&kw, i)) top++;
    if (push(out, ct_v_tuple(1 + top), reason, n) != 0 || push(out, ct_v_str(name->valuestring), reason, n) != 0)
      return -1;
    for (int i = 0; i < kw.n; i++)
      if (push(out, kw.v[i], reason, n) != 0) return -1;
  }
  return 0;
}

ct_lr_scheduler *parity_scheduler_build(ct_tensor_map *map, const cJSON *cs, ct_optim *o, char *reason, size_t n,
                                        parity_status *st) {
  const cJSON *spec = cJSON_GetObjectItemCaseSensitive(cs, "scheduler");
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
  *st = PARITY_FAIL;
  if (!cJSON_IsString(name)) {
    say(reason, n, "malformed case: \"scheduler\" has no name");
    return NULL;
  }
  cJSON *kwargs = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(spec, "kwargs"), true);
  const cJSON *subs = cJSON_GetObjectItemCaseSensitive(kwargs, "schedulers");
  ct_values kw = {0};
  cJSON *rest = cJSON_Duplicate(kwargs, true);
  cJSON_DeleteItemFromObjectCaseSensitive(rest, "schedulers");
  ct_lr_scheduler *s = NULL;
  if (parity_json_values(map, NULL, rest, &kw, reason, n) == 0 && (!subs || sub_schedulers(map, subs, &kw, reason, n) == 0)) {
    s = ct_lr_scheduler_create(name->valuestring, o, &kw);
    if (!s) {
      const char *e = err(); /* a class or keyword ctorch lacks: a skip, never a pass */
      *st = strstr(e, "has no attribute") || strstr(e, "unexpected keyword") ? PARITY_SKIP : PARITY_FAIL;
      say(reason, n, "lr_scheduler.%s: %s", name->valuestring, e);
    }
  }
  cJSON_Delete(rest);
  cJSON_Delete(kwargs);
  return s;
}

parity_status parity_scheduler_step(const cJSON *cs, ct_lr_scheduler *s, ct_optim *o, int step, double rtol,
                                    double atol, char *reason, size_t n) {
  const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(cs, "metrics");
  const cJSON *lrs = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cs, "lrs"), step);
  int rc;
  if (metrics) {
    const cJSON *m = cJSON_GetArrayItem(metrics, step);
    if (!p_is_number(m)) {
      say(reason, n, "malformed case: no metric for step %d", step);
      return PARITY_FAIL;
    }
    rc = ct_lr_scheduler_step_metric(s, p_number(m));
  } else {
    rc = ct_lr_scheduler_step(s);
  }
  if (rc != 0) {
    say(reason, n, "step %d: scheduler.step(): %s", step, err());
    return PARITY_FAIL;
  }
  int ng = ct_optim_num_groups(o);
  if (cJSON_GetArraySize(lrs) != ng) {
    say(reason, n, "malformed case: \"lrs\"[%d] does not list every group", step);
    return PARITY_FAIL;
  }
  for (int g = 0; g < ng; g++) {
    double want = p_number(cJSON_GetArrayItem(lrs, g)), got = ct_optim_get(o, g, "lr");
    if (!(fabs(got - want) <= atol + rtol * fabs(want)) && !(isnan(got) && isnan(want))) {
      say(reason, n, "step %d, group %d: lr %.17g, PyTorch %.17g", step, g, got, want);
      return PARITY_FAIL;
    }
  }
  return PARITY_PASS;
}
