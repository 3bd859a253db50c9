/* Running parity cases: load, call through the handler table, compare outputs, run backward
 * with sum_i <output_i, grad_output_i>, compare gradients. Every case runs inside its own
 * scope, so nothing outlives it. */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parity.h"

/* The registered handler tables (PARITY_TABLE in each dispatch_*.c). */
enum { MAX_TABLES = 64 };
static const parity_handler *tables[MAX_TABLES];
static int n_tables;

void parity_register(const parity_handler *table) {
  if (n_tables == MAX_TABLES) {
    fprintf(stderr, "ct-parity: more than %d handler tables; raise MAX_TABLES\n", MAX_TABLES);
    abort();
  }
  tables[n_tables++] = table;
}

const parity_handler *parity_find(const char *name) {
  for (int t = 0; t < n_tables; t++)
    for (const parity_handler *h = tables[t]; h->name; h++)
      if (strcmp(h->name, name) == 0) return h;
  return NULL;
}

#define say parity_say
void parity_say(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
}

static void shape_str(const ct_tensor *t, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < ct_dim(t) && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)ct_shape(t)[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* Flat row-major index -> "[i, j, k]". */
static void index_str(const ct_tensor *t, int64_t flat, char *buf, size_t n) {
  int64_t idx[CT_MAX_DIMS];
  for (int d = ct_dim(t) - 1; d >= 0; d--) {
    int64_t s = ct_shape(t)[d];
    idx[d] = s ? flat % s : 0;
    flat = s ? flat / s : 0;
  }
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int i = 0; i < ct_dim(t) && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", (long long)idx[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

bool parity_compare(const ct_tensor *got, const ct_tensor *exp, double rtol, double atol,
                    char *why, size_t n) {
  char a[128], b[128];
  if (got && ct_is_sparse(got)) got = ct_to_dense(got); /* gen.py stores sparse grads dense */
  if (!got || !exp) {
    say(why, n, "missing tensor");
    return false;
  }
  if (ct_dtype_of(got) != ct_dtype_of(exp)) {
    say(why, n, "dtype %s, expected %s", ct_dtype_name(ct_dtype_of(got)),
        ct_dtype_name(ct_dtype_of(exp)));
    return false;
  }
  bool same = ct_dim(got) == ct_dim(exp);
  for (int i = 0; same && i < ct_dim(got); i++) same = ct_shape(got)[i] == ct_shape(exp)[i];
  if (!same) {
    shape_str(got, a, sizeof a);
    shape_str(exp, b, sizeof b);
    say(why, n, "shape %s, expected %s", a, b);
    return false;
  }
  int64_t cnt = ct_numel(exp);
  double *g = malloc(sizeof(double) * (size_t)(cnt ? cnt : 1));
  double *e = malloc(sizeof(double) * (size_t)(cnt ? cnt : 1));
  bool ok = g && e && ct_to_doubles(got, g, cnt) == cnt && ct_to_doubles(exp, e, cnt) == cnt;
  if (!ok) {
    say(why, n, "cannot read values: %s", ct_last_error() ? ct_last_error() : "out of memory");
  }
  int64_t first = -1, nbad = 0;
  double maxdiff = 0;
  for (int64_t i = 0; ok && i < cnt; i++) {
    double x = g[i], y = e[i];
    /* inf only matches itself: with rtol > 0 the formula would accept anything near inf */
    bool match = (isnan(x) && isnan(y)) || x == y ||
                 (isfinite(x) && isfinite(y) && fabs(x - y) <= atol + rtol * fabs(y));
    if (!match) {
      if (first < 0) first = i;
      nbad++;
      double d = isnan(x) || isnan(y) ? INFINITY : fabs(x - y);
      if (!(d <= maxdiff)) maxdiff = d;
    }
  }
  if (ok && first >= 0) {
    index_str(exp, first, a, sizeof a);
    say(why, n, "%lld of %lld values differ; at %s expected %.9g, got %.9g (max abs diff %.3g)",
        (long long)nbad, (long long)cnt, a, e[first], g[first], maxdiff);
    ok = false;
  }
  free(g);
  free(e);
  return ok;
}

/* The expected tensor under key vs got. In the half mode's reference run (half_mode.c) got is
 * kept as the new expected value; in its 16-bit run the comparison is half_mode.c's. */
static bool compare_key(ct_tensor_map *map, const char *key, const ct_tensor *got,
                        const ct_tensor *exp, double rtol, double atol, char *why, size_t n) {
  if (parity_half_mode.capture) return parity_half_capture(map, key, got, why, n);
  if ((int)parity_half_mode.dtype >= 0)
    return parity_half_compare(got, exp, strncmp(key, "grad", 4) == 0, why, n);
  return parity_compare(got, exp, rtol, atol, why, n);
}

/* Keys of an array of strings, or NULL + reason when malformed. */
static ct_tensor *map_key(ct_tensor_map *map, const cJSON *v, char *reason, size_t n) {
  if (!cJSON_IsString(v)) {
    say(reason, n, "malformed case: expected a tensor key");
    return NULL;
  }
  ct_tensor *t = ct_tensor_map_get(map, v->valuestring);
  if (!t) say(reason, n, "malformed case: tensor '%s' not in the file", v->valuestring);
  return t;
}

static const char *last_error(void) {
  return ct_last_error() ? ct_last_error() : "(no error message)";
}

/* Unread arguments make the call unfaithful: a skip. */
static void check_unread(pcall *c) {
  if (c->max_pos < c->nargs) p_skip(c, "unsupported positional argument #%d", c->max_pos);
  const cJSON *kw;
  cJSON_ArrayForEach(kw, c->kwargs) {
    bool read = false;
    for (int i = 0; i < c->nused && !read; i++) read = strcmp(c->used[i], kw->string) == 0;
    if (!read) p_skip(c, "unsupported keyword '%s'", kw->string);
  }
}

/* m: a module case, whose "grads" may name parameters ("weight", "0.bias") as well as inputs. */
static parity_status backward_and_compare(ct_tensor_map *map, const cJSON *cs, pcall *c,
                                          ct_module *m, double rtol, double atol, char *reason,
                                          size_t n) {
  const cJSON *gos = cJSON_GetObjectItemCaseSensitive(cs, "grad_outputs");
  const cJSON *grads = cJSON_GetObjectItemCaseSensitive(cs, "grads");
  if (!cJSON_IsArray(gos)) return PARITY_PASS;
  if (cJSON_GetArraySize(gos) != c->nout) {
    say(reason, n, "malformed case: %d grad_outputs for %d outputs", cJSON_GetArraySize(gos),
        c->nout);
    return PARITY_FAIL;
  }
  ct_tensor *outs[PARITY_MAX_OUT], *gout[PARITY_MAX_OUT];
  int nd = 0;
  for (int i = 0; i < c->nout; i++) {
    if (!ct_is_floating_point(c->out[i])) continue; /* indices of topk and the like */
    ct_tensor *go = map_key(map, cJSON_GetArrayItem(gos, i), reason, n);
    if (!go) return PARITY_FAIL;
    if (!ct_requires_grad(c->out[i])) continue;
    outs[nd] = c->out[i];
    gout[nd++] = go;
  }
  int ni = cJSON_GetArraySize(grads);
  if (ni == 0) return PARITY_PASS;
  if (nd == 0) {
    say(reason, n, "no output requires grad, but PyTorch computed gradients");
    return PARITY_FAIL;
  }
  ct_tensor **ins = calloc((size_t)ni, sizeof *ins), **res = calloc((size_t)ni, sizeof *res);
  parity_status st = PARITY_FAIL;
  if (!ins || !res) {
    say(reason, n, "out of memory");
    goto done;
  }
  int k = 0;
  const cJSON *g;
  cJSON_ArrayForEach(g, grads) {
    ins[k] = ct_tensor_map_get(map, g->string);
    if (!ins[k] && m) {
      ins[k] = ct_module_get_parameter(m, g->string);
      ct_clear_error();
    }
    if (!ins[k]) {
      say(reason, n, "malformed case: grads names '%s', not in the file", g->string);
      goto done;
    }
    k++;
  }
  if (ct_autograd_grad(outs, nd, ins, ni, gout, false, -1, true, res) != 0) {
    say(reason, n, "backward failed: %s", last_error());
    goto done;
  }
  k = 0;
  cJSON_ArrayForEach(g, grads) {
    ct_tensor *exp = map_key(map, g, reason, n);
    if (!exp) goto done;
    char why[PARITY_MSG];
    if (!res[k]) {
      say(reason, n, "grad of %s: none computed (PyTorch has one)", g->string);
      goto done;
    }
    if (!compare_key(map, g->valuestring, res[k], exp, rtol, atol, why, sizeof why)) {
      say(reason, n, "grad of %s: %s", g->string, why);
      goto done;
    }
    k++;
  }
  st = PARITY_PASS;
done:
  free(ins);
  free(res);
  return st;
}

static parity_status run_function(ct_tensor_map *map, const cJSON *cs, const char *name,
                                  char *reason, size_t n) {
  const parity_handler *h = parity_find(name);
  if (!h) {
    say(reason, n, "unsupported function %s", name);
    return PARITY_SKIP;
  }
  const cJSON *rt = cJSON_GetObjectItemCaseSensitive(cs, "rtol");
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(cs, "atol");
  double rtol = cJSON_IsNumber(rt) ? rt->valuedouble : 1e-5;
  double atol = cJSON_IsNumber(at) ? at->valuedouble : 1e-8;
  const cJSON *rg = cJSON_GetObjectItemCaseSensitive(cs, "requires_grad"), *e;
  cJSON_ArrayForEach(e, rg) {
    ct_tensor *t = map_key(map, e, reason, n);
    if (!t) return PARITY_FAIL;
    if (!ct_requires_grad_(t, true)) {
      say(reason, n, "requires_grad_ on %s failed: %s", e->valuestring, last_error());
      return PARITY_FAIL;
    }
  }
  pcall c = {.args = cJSON_GetObjectItemCaseSensitive(cs, "args"),
             .kwargs = cJSON_GetObjectItemCaseSensitive(cs, "kwargs"), .map = map,
             .data = h->data};
  if (c.args && !cJSON_IsArray(c.args)) c.args = NULL;
  if (c.kwargs && !cJSON_IsObject(c.kwargs)) c.kwargs = NULL;
  c.nargs = c.args ? cJSON_GetArraySize(c.args) : 0;
  h->fn(&c);
  check_unread(&c);
  if (c.skip[0]) {
    say(reason, n, "%s: %s", name, c.skip);
    return PARITY_SKIP;
  }
  if (c.failed) {
    say(reason, n, "%s failed: %s", name, last_error());
    return PARITY_FAIL;
  }
  const cJSON *outs = cJSON_GetObjectItemCaseSensitive(cs, "outputs");
  if (cJSON_GetArraySize(outs) != c.nout) {
    say(reason, n, "%d outputs, expected %d", c.nout, cJSON_GetArraySize(outs));
    return PARITY_FAIL;
  }
  for (int i = 0; i < c.nout; i++) {
    const cJSON *key = cJSON_GetArrayItem(outs, i);
    ct_tensor *exp = map_key(map, key, reason, n);
    if (!exp) return PARITY_FAIL;
    char why[PARITY_MSG];
    if (!compare_key(map, key->valuestring, c.out[i], exp, rtol, atol, why, sizeof why)) {
      say(reason, n, "%s: %s", key->valuestring, why);
      return PARITY_FAIL;
    }
  }
  return backward_and_compare(map, cs, &c, NULL, rtol, atol, reason, n);
}

/* ---- module cases ---------------------------------------------------------------------------- */
/* A JSON argument as a ct_value (tuples flattened after their header); tensors by reference. */
static int json_value(ct_tensor_map *map, const cJSON *v, const char *key, ct_values *out,
                      char *reason, size_t n) {
  ct_value cv = ct_v_none();
  if (cJSON_IsBool(v)) {
    cv = ct_v_bool(cJSON_IsTrue(v));
  } else if (cJSON_IsNumber(v)) {
    double d = v->valuedouble; /* JSON keeps no int / float kind: integral values are ints */
    cv = d == (double)(int64_t)d && fabs(d) < 9e15 ? ct_v_int((int64_t)d) : ct_v_float(d);
  } else if (cJSON_IsString(v)) {
    cv = ct_v_str(v->valuestring);
  } else if (cJSON_IsArray(v)) {
    cv = ct_v_tuple(cJSON_GetArraySize(v));
  } else if (p_is_tensor(v)) {
    ct_tensor *t = map_key(map, cJSON_GetObjectItemCaseSensitive(v, "tensor"), reason, n);
    if (!t) return -1;
    cv = ct_v_tensor(t);
  } else if (p_is_number(v)) {
    cv = ct_v_float(p_number(v));
  } else if (!cJSON_IsNull(v)) {
    say(reason, n, "malformed case: unsupported argument value");
    return -1;
  }
  cv.key = key;
  if (ct_values_push(out, cv) != 0) {
    say(reason, n, "too many argument values: %s", last_error());
    return -1;
  }
  const cJSON *e;
  if (cJSON_IsArray(v)) cJSON_ArrayForEach(e, v) if (json_value(map, e, NULL, out, reason, n) != 0) return -1;
  return 0;
}

static int json_values(ct_tensor_map *map, const cJSON *args, const cJSON *kwargs, ct_values *out,
                       char *reason, size_t n) {
  const cJSON *e;
  *out = (ct_values){0};
  cJSON_ArrayForEach(e, args) if (json_value(map, e, NULL, out, reason, n) != 0) return -1;
  cJSON_ArrayForEach(e, kwargs) if (json_value(map, e, e->string, out, reason, n) != 0) return -1;
  return 0;
}

int parity_json_values(ct_tensor_map *map, const cJSON *args, const cJSON *kwargs, ct_values *out,
                       char *reason, size_t n) {
  return json_values(map, args, kwargs, out, reason, n);
}

/* Build by name, load "state", set the mode, forward, compare outputs, gradients (inputs and
 * parameters) and buffers after the forward. "dtype" (an extension): module.to(dtype); "seed"
 * (an extension): torch.manual_seed(seed) before the constructor. */
static parity_status module_case(ct_tensor_map *map, const cJSON *cs, const char *name,
                                 ct_module **mp, char *reason, size_t n) {
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(cs, "args");
  const cJSON *kwargs = cJSON_GetObjectItemCaseSensitive(cs, "kwargs");
  ct_values ctor;
  if (json_values(map, cJSON_IsArray(args) ? args : NULL, cJSON_IsObject(kwargs) ? kwargs : NULL,
                  &ctor, reason, n) != 0)
    return PARITY_FAIL;
  const cJSON *seed = cJSON_GetObjectItemCaseSensitive(cs, "seed"); /* an extension: */
  if (cJSON_IsNumber(seed)) ct_manual_seed((uint64_t)seed->valuedouble); /* masks as PyTorch's */
  ct_module *m = *mp = ct_nn_create(name, &ctor);
  if (!m) {
    const char *e = last_error();
    bool unsupported = strstr(e, "unknown module") || strstr(e, "unexpected keyword") ||
                       strstr(e, "ctorch:") || strstr(e, "cannot be built");
    say(reason, n, "nn.%s: %s", name, e);
    return unsupported ? PARITY_SKIP : PARITY_FAIL;
  }
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(cs, "dtype");
  if (cJSON_IsString(dt)) {
    ct_dtype d = strcmp(dt->valuestring, "torch.float64") == 0    ? CT_FLOAT64
                 : strcmp(dt->valuestring, "torch.bfloat16") == 0 ? CT_BFLOAT16
                 : strcmp(dt->valuestring, "torch.float16") == 0  ? CT_FLOAT16
                                                                  : CT_FLOAT32;
    if (ct_module_to(m, d) != 0) {
      say(reason, n, "to(%s) failed: %s", dt->valuestring, last_error());
      return PARITY_FAIL;
    }
  }
  if ((int)parity_half_mode.dtype >= 0 && !parity_half_mode.capture &&
      ct_module_to(m, parity_half_mode.dtype) != 0) {
    say(reason, n, "to(%s) failed: %s", ct_dtype_name(parity_half_mode.dtype), last_error());
    return PARITY_FAIL;
  }
  const cJSON *state = cJSON_GetObjectItemCaseSensitive(cs, "state"), *e;
  if (cJSON_IsObject(state) && cJSON_GetArraySize(state) > 0) {
    ct_tensor_map *sd = ct_tensor_map_new();
    bool ok = sd != NULL;
    cJSON_ArrayForEach(e, state) {
      ct_tensor *t = ok ? map_key(map, e, reason, n) : NULL;
      ok = t && ct_tensor_map_set(sd, e->string, t) == 0;
    }
    int rc = ok ? ct_module_load_state_dict(m, sd, true, NULL) : -1;
    ct_tensor_map_free(sd);
    if (rc != 0) {
      if (ok) say(reason, n, "load_state_dict: %s", last_error());
      return PARITY_FAIL;
    }
  }
  ct_module_train(m, !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cs, "training")));
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cs, "requires_grad")) {
    ct_tensor *t = ct_tensor_map_get(map, cJSON_IsString(e) ? e->valuestring : "");
    if (t && !ct_requires_grad_(t, true)) {
      say(reason, n, "requires_grad_ on %s failed: %s", e->valuestring, last_error());
      return PARITY_FAIL;
    }
  }
  ct_values in, out;
  if (json_values(map, cJSON_GetObjectItemCaseSensitive(cs, "inputs"), NULL, &in, reason, n) != 0)
    return PARITY_FAIL;
  if (ct_module_call(m, &in, &out) != 0) {
    const char *e = last_error(); /* a ctorch limitation met only at the forward: a skip */
    say(reason, n, "nn.%s forward failed: %s", name, e);
    return strstr(e, "ctorch:") && strstr(e, "not supported") ? PARITY_SKIP : PARITY_FAIL;
  }
  const cJSON *rt = cJSON_GetObjectItemCaseSensitive(cs, "rtol");
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(cs, "atol");
  double rtol = cJSON_IsNumber(rt) ? rt->valuedouble : 1e-5;
  double atol = cJSON_IsNumber(at) ? at->valuedouble : 1e-8;
  pcall c = {.map = map};
  for (int i = 0; i < ct_values_count_tensors(&out) && c.nout < PARITY_MAX_OUT; i++)
    c.out[c.nout++] = ct_values_tensor(&out, i);
  const cJSON *outs = cJSON_GetObjectItemCaseSensitive(cs, "outputs");
  if (cJSON_GetArraySize(outs) != c.nout) {
    say(reason, n, "%d outputs, expected %d", c.nout, cJSON_GetArraySize(outs));
    return PARITY_FAIL;
  }
  char why[PARITY_MSG];
  for (int i = 0; i < c.nout; i++) {
    const cJSON *key = cJSON_GetArrayItem(outs, i);
    ct_tensor *exp = map_key(map, key, reason, n);
    if (!exp) return PARITY_FAIL;
    if (!compare_key(map, key->valuestring, c.out[i], exp, rtol, atol, why, sizeof why)) {
      say(reason, n, "%s: %s", key->valuestring, why);
      return PARITY_FAIL;
    }
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cs, "state_after")) {
    ct_tensor *exp = map_key(map, e, reason, n), *got = ct_module_get_buffer(m, e->string);
    if (!exp) return PARITY_FAIL;
    if (!compare_key(map, e->valuestring, got, exp, rtol, atol, why, sizeof why)) {
      say(reason, n, "buffer %s after forward: %s", e->string, got ? why : last_error());
      return PARITY_FAIL;
    }
  }
  return backward_and_compare(map, cs, &c, m, rtol, atol, reason, n);
}

static parity_status run_module(ct_tensor_map *map, const cJSON *cs, const char *name, char *reason,
                                size_t n) {
  ct_module *m = NULL;
  parity_status st = module_case(map, cs, name, &m, reason, n);
  ct_module_free(m);
  return st;
}

parity_status parity_run_case(ct_tensor_map *map, const char *case_json, char *reason, size_t n) {
  reason[0] = 0;
  cJSON *cs = case_json ? cJSON_Parse(case_json) : NULL;
  if (!cJSON_IsObject(cs)) {
    cJSON_Delete(cs);
    say(reason, n, "malformed case: no \"case\" JSON object in the metadata");
    return PARITY_FAIL;
  }
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(cs, "kind");
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(cs, "name");
  parity_status st;
  if (!cJSON_IsString(kind) || !cJSON_IsString(name)) {
    say(reason, n, "malformed case: \"kind\" and \"name\" must be strings");
    st = PARITY_FAIL;
  } else if (strcmp(kind->valuestring, "module") == 0) {
    ct_clear_error();
    ct_scope_begin();
    st = run_module(map, cs, name->valuestring, reason, n);
    ct_scope_end();
  } else if (strcmp(kind->valuestring, "optimizer") == 0) {
    ct_clear_error();
    ct_scope_begin();
    st = parity_run_optimizer(map, cs, name->valuestring, reason, n);
    ct_scope_end();
  } else if (strcmp(kind->valuestring, "function") != 0) {
    say(reason, n, "unsupported case kind \"%s\"", kind->valuestring);
    st = PARITY_SKIP;
  } else {
    ct_clear_error();
    ct_scope_begin();
    st = run_function(map, cs, name->valuestring, reason, n);
    ct_scope_end();
  }
  ct_clear_error();
  cJSON_Delete(cs);
  return st;
}

parity_status parity_run_file(const char *path, char *reason, size_t n) {
  ct_clear_error();
  ct_tensor_map *map = ct_safetensors_load(path);
  if (!map) {
    say(reason, n, "cannot load: %s", last_error());
    ct_clear_error();
    return PARITY_FAIL;
  }
  parity_status st = parity_run_case(map, ct_tensor_map_meta(map, "case"), reason, n);
  ct_tensor_map_free(map);
  return st;
}

static void run_one(const char *path, parity_totals *tot, FILE *out) {
  char reason[1024];
  parity_status st = (int)parity_half_mode.dtype >= 0 ? parity_run_file_half(path, reason, sizeof reason)
                                                       : parity_run_file(path, reason, sizeof reason);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  if (st == PARITY_PASS) {
    tot->passed++;
  } else if (st == PARITY_FAIL) {
    tot->failed++;
    fprintf(out, "FAIL %s: %s\n", base, reason);
  } else if (st == PARITY_REFUSED) {
    tot->refused++;
    fprintf(out, "REFUSED %s: %s\n", base, reason);
  } else {
    tot->skipped++;
    if (reason[0]) fprintf(out, "SKIP %s: %s\n", base, reason);
  }
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

int parity_run_path(const char *path, parity_totals *tot, FILE *out) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(out, "ERROR %s: no such file or folder\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    run_one(path, tot, out);
    return 0;
  }
  DIR *d = opendir(path);
  if (!d) {
    fprintf(out, "ERROR %s: cannot open folder\n", path);
    return -1;
  }
  char **names = NULL;
  size_t nn = 0, cap = 0;
  int rc = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    if (nn == cap) {
      cap = cap ? cap * 2 : 256;
      char **nv = realloc(names, cap * sizeof *names);
      if (!nv) break;
      names = nv;
    }
    size_t len = strlen(path) + strlen(de->d_name) + 2;
    names[nn] = malloc(len);
    if (!names[nn]) break;
    snprintf(names[nn], len, "%s/%s", path, de->d_name);
    nn++;
  }
  closedir(d);
  if (nn) qsort(names, nn, sizeof *names, cmp_str);
  for (size_t i = 0; i < nn; i++) {
    struct stat s2;
    if (stat(names[i], &s2) == 0 && S_ISDIR(s2.st_mode)) {
      if (parity_run_path(names[i], tot, out) != 0) rc = -1;
    } else if (has_suffix(names[i], ".safetensors")) {
      run_one(names[i], tot, out);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}
