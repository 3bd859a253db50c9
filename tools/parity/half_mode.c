/* The parity runner's half mode (ct-parity --dtype float16|bfloat16; parity.h says what it
 * does): every float32 case rerun on 16-bit inputs, each either refused with a ctorch error or
 * close to what ctorch computes in float32 on the same (rounded) values. The reference is
 * ctorch's own float32 run rather than the file's PyTorch values so that rounding the inputs
 * cannot change a discrete result (argmax, floor, a comparison) under the comparison's feet;
 * the float32 run itself is held to PyTorch by the plain mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

parity_half parity_half_mode = {.dtype = CT_DTYPE_UNSET};

static bool names(const cJSON *list, const char *key, bool values) {
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    const char *k = values || cJSON_IsString(e) ? e->valuestring : NULL;
    if (k && strcmp(k, key) == 0) return true;
  }
  return false;
}

/* An expected value of the case: an output, a gradient, a buffer after the forward. */
static bool is_expected(const cJSON *cs, const char *key) {
  return names(cJSON_GetObjectItemCaseSensitive(cs, "outputs"), key, false) ||
         names(cJSON_GetObjectItemCaseSensitive(cs, "grads"), key, true) ||
         names(cJSON_GetObjectItemCaseSensitive(cs, "state_after"), key, true);
}

/* A function or module case with a float32 input and no float64 tensor. */
static bool eligible(const ct_tensor_map *map, const cJSON *cs) {
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(cs, "kind");
  if (!cJSON_IsString(kind) || (strcmp(kind->valuestring, "function") != 0 &&
                                strcmp(kind->valuestring, "module") != 0))
    return false;
  bool input = false;
  for (int i = 0; i < ct_tensor_map_size(map); i++) {
    ct_dtype d = ct_dtype_of(ct_tensor_map_at(map, i));
    if (d == CT_FLOAT64) return false;
    if (d == CT_FLOAT32 && !is_expected(cs, ct_tensor_map_name(map, i))) input = true;
  }
  return input;
}

/* Every float32 input of map cast to the 16-bit dtype, and back to float32 when back. */
static int cast_inputs(ct_tensor_map *map, const cJSON *cs, bool back) {
  int rc = 0;
  ct_scope_begin();
  for (int i = 0; i < ct_tensor_map_size(map) && rc == 0; i++) {
    const char *key = ct_tensor_map_name(map, i);
    ct_tensor *t = ct_tensor_map_at(map, i);
    if (ct_dtype_of(t) != CT_FLOAT32 || is_expected(cs, key)) continue;
    ct_tensor *h = ct_to(t, parity_half_mode.dtype);
    if (h && back) h = ct_to(h, CT_FLOAT32);
    rc = h ? ct_tensor_map_set(map, key, h) : -1;
  }
  ct_scope_end();
  return rc;
}

bool parity_half_capture(ct_tensor_map *map, const char *key, const ct_tensor *got, char *why,
                         size_t n) {
  ct_tensor *d = got && ct_is_sparse(got) ? ct_to_dense(got) : (ct_tensor *)got;
  ct_tensor *c = d ? ct_clone(ct_detach(d)) : NULL;
  if (!c || ct_tensor_map_set(map, key, c) != 0) {
    parity_say(why, n, "the float32 reference has no value: %s",
               ct_last_error() ? ct_last_error() : "missing tensor");
    return false;
  }
  return true;
}

/* The largest finite |value| of t (0 when none): the scale of the absolute tolerance. */
static double max_abs(const ct_tensor *t) {
  int64_t cnt = ct_numel(t);
  double *v = malloc(sizeof(double) * (size_t)(cnt ? cnt : 1)), m = 0;
  if (v && ct_to_doubles(t, v, cnt) == cnt)
    for (int64_t i = 0; i < cnt; i++)
      if (isfinite(v[i]) && fabs(v[i]) > m) m = fabs(v[i]);
  free(v);
  return m;
}

/* got (16-bit where the reference is float32) vs the reference: rtol = tol, atol = tol times
 * the reference's largest magnitude, as the ops round their intermediate values to the 16-bit
 * dtype (PyTorch does the same) and a cancellation keeps that absolute error. */
bool parity_half_compare(const ct_tensor *got, const ct_tensor *exp, bool grad, char *why, size_t n) {
  parity_half_mode.mismatch = true;
  if (!got || !exp) return parity_compare(got, exp, 0, 0, why, n);
  ct_dtype want = ct_dtype_of(exp) == CT_FLOAT32 ? parity_half_mode.dtype : ct_dtype_of(exp);
  ct_dtype d = ct_dtype_of(got);
  if (d != want && !(parity_half_mode.allow_f32 && d == CT_FLOAT32)) {
    parity_say(why, n, "dtype %s, expected %s", ct_dtype_name(d), ct_dtype_name(want));
    return false;
  }
  double tol = parity_half_mode.dtype == CT_BFLOAT16 ? 5e-2 : 1e-2, scale = max_abs(exp);
  /* a gradient is often a sum of rounded terms that cancel: its scale is at least 1 */
  if (grad && scale < 1) scale = 1;
  ct_scope_begin();
  ct_tensor *g = ct_is_sparse(got) ? ct_to_dense(got) : (ct_tensor *)got;
  ct_tensor *g32 = g ? ct_to(g, ct_dtype_of(exp)) : NULL, *e = (ct_tensor *)exp;
  if (g32 && ct_dtype_of(exp) == CT_FLOAT32 && d != CT_FLOAT32) {
    /* the best a 16-bit result can be is the reference rounded to its dtype: beyond the
     * dtype's range that is inf, or its largest value where the op clamps (nan_to_num) */
    double big = d == CT_FLOAT16 ? 65504.0 : 0x1.fep127;
    e = ct_to(ct_to(exp, d), CT_FLOAT32);
    ct_tensor *clamped = ct_logical_and(ct_isinf(e), ct_eq_scalar(ct_abs(g32), big));
    g32 = clamped ? ct_where(clamped, e, g32) : NULL;
  }
  bool ok = parity_compare(g32, e, tol, tol * (scale > 0 ? scale : 1), why, n);
  ct_scope_end();
  if (ok) parity_half_mode.mismatch = false;
  return ok;
}

static parity_status half_case(ct_tensor_map *ref, ct_tensor_map *half, const char *js,
                               const cJSON *cs, char *reason, size_t n) {
  if (!eligible(ref, cs)) return PARITY_SKIP;
  parity_half_mode.allow_f32 = strstr(js, "\"torch.float32\"") != NULL;
  parity_half_mode.capture = true;
  parity_status st = cast_inputs(ref, cs, true) ? PARITY_FAIL : parity_run_case(ref, js, reason, n);
  parity_half_mode.capture = false;
  if (st != PARITY_PASS) { /* no float32 reference on the rounded inputs */
    if (st == PARITY_FAIL) {
      char r[PARITY_MSG];
      snprintf(r, sizeof r, "%s", reason);
      parity_say(reason, n, "float32 reference on rounded inputs: %s", r);
    }
    return PARITY_SKIP;
  }
  for (int i = 0; i < ct_tensor_map_size(ref); i++) /* the references, by their keys */
    if (is_expected(cs, ct_tensor_map_name(ref, i)) &&
        ct_tensor_map_set(half, ct_tensor_map_name(ref, i), ct_tensor_map_at(ref, i)) != 0)
      return PARITY_FAIL;
  if (cast_inputs(half, cs, false) != 0) {
    parity_say(reason, n, "cannot cast the inputs: %s", ct_last_error() ? ct_last_error() : "?");
    return PARITY_FAIL;
  }
  parity_half_mode.mismatch = false;
  st = parity_run_case(half, js, reason, n);
  return st == PARITY_FAIL && !parity_half_mode.mismatch ? PARITY_REFUSED : st;
}

parity_status parity_run_file_half(const char *path, char *reason, size_t n) {
  reason[0] = 0;
  ct_clear_error();
  ct_tensor_map *ref = ct_safetensors_load(path), *half = ct_safetensors_load(path);
  const char *js = ref ? ct_tensor_map_meta(ref, "case") : NULL;
  cJSON *cs = js ? cJSON_Parse(js) : NULL;
  parity_status st = PARITY_FAIL;
  if (!half || !cJSON_IsObject(cs))
    parity_say(reason, n, "cannot load: %s", ct_last_error() ? ct_last_error() : "no case");
  else
    st = half_case(ref, half, js, cs, reason, n);
  ct_clear_error();
  cJSON_Delete(cs);
  ct_tensor_map_free(ref);
  ct_tensor_map_free(half);
  return st;
}
