/* Argument access for parity handlers: PyTorch's positional / keyword calling convention over
 * the case's JSON, with every read recorded so unread arguments turn the case into a skip. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "parity.h"

void p_skip(pcall *c, const char *fmt, ...) {
  if (c->skip[0]) return; /* keep the first reason */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->skip, sizeof c->skip, fmt, ap);
  va_end(ap);
}

static void mark_kw(pcall *c, const char *kw) {
  for (int i = 0; i < c->nused; i++)
    if (strcmp(c->used[i], kw) == 0) return;
  if (c->nused < PARITY_MAX_KW) c->used[c->nused++] = kw;
}

const cJSON *p_arg(pcall *c, int pos, const char *kw) {
  const cJSON *k = kw && c->kwargs ? cJSON_GetObjectItemCaseSensitive(c->kwargs, kw) : NULL;
  if (pos >= 0 && pos < c->nargs) {
    if (pos + 1 > c->max_pos) c->max_pos = pos + 1;
    if (k) p_skip(c, "argument '%s' given by position and by keyword", kw);
    return cJSON_GetArrayItem(c->args, pos);
  }
  if (k) mark_kw(c, kw);
  return k;
}

bool p_is_tensor(const cJSON *v) {
  return cJSON_IsObject(v) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "tensor"));
}

bool p_is_number(const cJSON *v) {
  if (cJSON_IsNumber(v)) return true;
  const cJSON *f = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, "float") : NULL;
  return cJSON_IsString(f);
}

double p_number(const cJSON *v) {
  if (cJSON_IsNumber(v)) return v->valuedouble;
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "float");
  const char *s = cJSON_IsString(f) ? f->valuestring : "";
  if (strcmp(s, "inf") == 0) return INFINITY;
  if (strcmp(s, "-inf") == 0) return -INFINITY;
  return NAN;
}

static const char *name_of(int pos, const char *kw, char *buf, size_t n) {
  if (kw) return kw;
  snprintf(buf, n, "#%d", pos);
  return buf;
}

ct_tensor *p_tensor_of(pcall *c, const cJSON *v, const char *what) {
  if (!p_is_tensor(v)) {
    p_skip(c, "argument '%s': expected a tensor", what);
    return NULL;
  }
  const char *key = cJSON_GetObjectItemCaseSensitive(v, "tensor")->valuestring;
  ct_tensor *t = ct_tensor_map_get(c->map, key);
  if (!t) p_skip(c, "argument '%s': tensor '%s' is not in the file", what, key);
  return t;
}

ct_tensor *p_tensor(pcall *c, int pos, const char *kw) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v) {
    p_skip(c, "missing argument '%s'", name_of(pos, kw, buf, sizeof buf));
    return NULL;
  }
  return p_tensor_of(c, v, name_of(pos, kw, buf, sizeof buf));
}

ct_tensor *p_tensor_opt(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  return v && !cJSON_IsNull(v) ? p_tensor_of(c, v, kw) : NULL;
}

/* A Python number as an operand: integral values act as Python ints (JSON loses 2 vs 2.0,
 * and PyTorch promotes them differently only for integer tensors). */
static ct_tensor *wrap_number(double v) {
  return (isfinite(v) && v == floor(v) && fabs(v) < 9e15) ? ct_wrap_int((int64_t)v)
                                                          : ct_wrap_scalar(v);
}

ct_tensor *p_operand(pcall *c, int pos, const char *kw) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (v && p_is_number(v)) return wrap_number(p_number(v));
  if (v && cJSON_IsBool(v)) return ct_wrap_int(cJSON_IsTrue(v));
  if (!v) {
    p_skip(c, "missing argument '%s'", name_of(pos, kw, buf, sizeof buf));
    return NULL;
  }
  return p_tensor_of(c, v, name_of(pos, kw, buf, sizeof buf));
}

double p_num(pcall *c, int pos, const char *kw, double def) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v) return def;
  if (p_is_number(v)) return p_number(v);
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
  p_skip(c, "argument '%s': expected a number", name_of(pos, kw, buf, sizeof buf));
  return def;
}

static bool is_int(const cJSON *v) {
  return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
         fabs(v->valuedouble) < 9e18;
}

int64_t p_int(pcall *c, int pos, const char *kw, int64_t def) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v) return def;
  if (is_int(v)) return (int64_t)v->valuedouble;
  p_skip(c, "argument '%s': expected an int", name_of(pos, kw, buf, sizeof buf));
  return def;
}

int64_t p_int_req(pcall *c, int pos, const char *kw) {
  char buf[16];
  if (!p_arg(c, pos, kw)) {
    p_skip(c, "missing argument '%s'", name_of(pos, kw, buf, sizeof buf));
    return 0;
  }
  return p_int(c, pos, kw, 0);
}

int64_t p_int_opt(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  if (!v || cJSON_IsNull(v)) return CT_NONE;
  return p_int(c, pos, kw, CT_NONE);
}

bool p_bool(pcall *c, int pos, const char *kw, bool def) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v) return def;
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
  if (is_int(v) && (v->valuedouble == 0 || v->valuedouble == 1)) return v->valuedouble != 0;
  p_skip(c, "argument '%s': expected a bool", name_of(pos, kw, buf, sizeof buf));
  return def;
}

const char *p_str(pcall *c, int pos, const char *kw, const char *def) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v || cJSON_IsNull(v)) return def;
  if (cJSON_IsString(v)) return v->valuestring;
  p_skip(c, "argument '%s': expected a string", name_of(pos, kw, buf, sizeof buf));
  return def;
}

static int ints_of(pcall *c, const cJSON *v, const char *what, int64_t *out, int cap) {
  if (is_int(v)) {
    out[0] = (int64_t)v->valuedouble;
    return 1;
  }
  if (!cJSON_IsArray(v)) {
    p_skip(c, "argument '%s': expected an int or a list of ints", what);
    return -1;
  }
  int n = cJSON_GetArraySize(v);
  if (n > cap) {
    p_skip(c, "argument '%s': more than %d values", what, cap);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    const cJSON *e = cJSON_GetArrayItem(v, i);
    if (!is_int(e)) {
      p_skip(c, "argument '%s': expected a list of ints", what);
      return -1;
    }
    out[i] = (int64_t)e->valuedouble;
  }
  return n;
}

int p_ints(pcall *c, int pos, const char *kw, int64_t *out, int cap) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!v || cJSON_IsNull(v)) return -1;
  return ints_of(c, v, name_of(pos, kw, buf, sizeof buf), out, cap);
}

ct_dims p_dims(pcall *c, int pos, const char *kw) {
  ct_dims d = {0};
  int n = p_ints(c, pos, kw, d.d, CT_MAX_DIMS);
  d.n = n < 0 ? 0 : n;
  return d;
}

int p_varargs(pcall *c, int from, const char *kw, int64_t *out, int cap) {
  if (from < c->nargs) {
    const cJSON *first = p_arg(c, from, NULL);
    if (cJSON_IsArray(first)) return ints_of(c, first, "size", out, cap);
    int n = 0;
    for (int i = from; i < c->nargs; i++) {
      const cJSON *v = p_arg(c, i, NULL);
      if (!is_int(v) || n >= cap) {
        p_skip(c, "argument #%d: expected an int", i);
        return -1;
      }
      out[n++] = (int64_t)v->valuedouble;
    }
    return n;
  }
  return p_ints(c, -1, kw, out, cap);
}

ct_dtype p_dtype(pcall *c, int pos, const char *kw) {
  static const char *names[CT_NUM_DTYPES] = {"torch.bool",  "torch.uint8", "torch.int8",
                                             "torch.int16", "torch.int32", "torch.int64",
                                             "torch.float32", "torch.float64", "torch.float16",
                                             "torch.bfloat16"};
  const char *s = p_str(c, pos, kw, NULL);
  if (!s) return CT_DTYPE_UNSET;
  for (int i = 0; i < CT_NUM_DTYPES; i++)
    if (strcmp(s, names[i]) == 0) return (ct_dtype)i;
  if (strcmp(s, "torch.float") == 0) return CT_FLOAT32;
  if (strcmp(s, "torch.double") == 0) return CT_FLOAT64;
  if (strcmp(s, "torch.half") == 0) return CT_FLOAT16;
  if (strcmp(s, "torch.long") == 0) return CT_INT64;
  if (strcmp(s, "torch.int") == 0) return CT_INT32;
  p_skip(c, "unsupported dtype %s", s);
  return CT_DTYPE_UNSET;
}

int p_tensors(pcall *c, int pos, const char *kw, ct_tensor **out, int cap) {
  char buf[16];
  const cJSON *v = p_arg(c, pos, kw);
  if (!cJSON_IsArray(v)) {
    p_skip(c, "argument '%s': expected a list of tensors", name_of(pos, kw, buf, sizeof buf));
    return 0;
  }
  int n = cJSON_GetArraySize(v);
  if (n > cap) {
    p_skip(c, "argument '%s': more than %d tensors", name_of(pos, kw, buf, sizeof buf), cap);
    return 0;
  }
  for (int i = 0; i < n; i++) out[i] = p_tensor_of(c, cJSON_GetArrayItem(v, i), "tensors");
  return n;
}

int p_out(pcall *c, ct_tensor *t) {
  if (!t) c->failed = true;
  if (c->nout < PARITY_MAX_OUT) c->out[c->nout++] = t;
  return 0;
}

int p_pair(pcall *c, ct_tensor_pair p) {
  p_out(c, p.values);
  return p_out(c, p.indices);
}

void p_expect_bool(pcall *c, int pos, const char *kw, bool value) {
  if (p_bool(c, pos, kw, value) != value)
    p_skip(c, "unsupported value %s=%s", kw, value ? "False" : "True");
}

void p_expect_null(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  if (v && !cJSON_IsNull(v)) p_skip(c, "unsupported keyword %s (only None)", kw);
}

ct_reduction p_reduction(pcall *c, int pos_sa, int pos_reduce, int pos_red) {
  const cJSON *sa = pos_sa >= -1 ? p_arg(c, pos_sa, "size_average") : NULL;
  const cJSON *rd = pos_reduce >= -1 ? p_arg(c, pos_reduce, "reduce") : NULL;
  const char *s = p_str(c, pos_red, "reduction", "mean"); /* read even when the flags win */
  bool sa_given = sa && !cJSON_IsNull(sa), rd_given = rd && !cJSON_IsNull(rd);
  if (sa_given || rd_given) { /* None counts as True */
    bool avg = !sa_given || !cJSON_IsFalse(sa), red = !rd_given || !cJSON_IsFalse(rd);
    return avg && red ? CT_REDUCTION_MEAN : red ? CT_REDUCTION_SUM : CT_REDUCTION_NONE;
  }
  static const struct {
    const char *name;
    ct_reduction r;
  } names[] = {{"mean", CT_REDUCTION_MEAN}, {"sum", CT_REDUCTION_SUM}, {"none", CT_REDUCTION_NONE},
               {"batchmean", CT_REDUCTION_BATCHMEAN}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i].name) == 0) return names[i].r;
  p_skip(c, "reduction '%s'", s);
  return CT_REDUCTION_MEAN;
}
