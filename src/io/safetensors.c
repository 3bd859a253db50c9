/* safetensors (huggingface/safetensors) and the named tensor map it loads into.
 * Layout: an 8-byte little-endian header size N, N bytes of JSON
 *   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
 *    "data_offsets": [begin, end]}, ...}
 * padded with spaces to a multiple of 8, then the data section the offsets point into.
 * Reading validates the whole header before allocating anything, and allocates at most
 * the size of the data section (offsets must be in bounds, sizes exact, ranges disjoint). */
#include "io_common.h"

#include <cjson/cJSON.h>

/* The Rust library's MAX_HEADER_SIZE. */
#define ST_MAX_HEADER 100000000ULL
/* Integers above 2^53 do not survive cJSON's doubles; no real file comes near. */
#define ST_MAX_INT 9007199254740992.0

/* rank: position in the Rust Dtype enum, whose order is increasing alignment; the writer
 * sorts by it (descending) and then by name, as safetensors' prepare() does. */
static const struct {
  const char *name;
  int rank;
} st_types[CT_NUM_DTYPES] = {
    [CT_BOOL] = {"BOOL", 0}, [CT_UINT8] = {"U8", 1},    [CT_INT8] = {"I8", 2},
    [CT_INT16] = {"I16", 5}, [CT_INT32] = {"I32", 9},   [CT_INT64] = {"I64", 13},
    [CT_FLOAT32] = {"F32", 11}, [CT_FLOAT64] = {"F64", 12},
};
static const char *const st_other_types[] = {"F8_E5M2", "F8_E4M3", "U16", "F16", "BF16", "U32", "U64"};

/* ---- tensor map ------------------------------------------------------------------------
 * Entries in insertion order; an open-addressing table of entry indices makes lookups
 * (and replacing on set) O(1), so loading a large state_dict stays linear. */
typedef struct {
  int *slots; /* entry index + 1, 0 = empty */
  size_t nslots;
} st_table;

struct ct_tensor_map {
  int n, cap;
  char **names;
  ct_tensor **ts;
  st_table tnames;
  int nmeta, capmeta;
  char **mkeys, **mvals;
  st_table tmeta; /* a file with 100k metadata keys loads in linear time */
};

ct_tensor_map *ct_tensor_map_new(void) {
  ct_tensor_map *m = calloc(1, sizeof *m);
  if (!m) return ct__err("CPU: out of memory");
  return m;
}

void ct_tensor_map_free(ct_tensor_map *m) {
  if (!m) return;
  for (int i = 0; i < m->n; i++) {
    free(m->names[i]);
    ct_release(m->ts[i]);
  }
  for (int i = 0; i < m->nmeta; i++) {
    free(m->mkeys[i]);
    free(m->mvals[i]);
  }
  free(m->names);
  free(m->ts);
  free(m->tnames.slots);
  free(m->tmeta.slots);
  free(m->mkeys);
  free(m->mvals);
  free(m);
}

static uint64_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* The slot of table t (over keys) holding name, or the empty slot where it would go. */
static int *tbl_slot(const st_table *t, char *const *keys, const char *name) {
  size_t mask = t->nslots - 1;
  for (size_t i = str_hash(name) & mask;; i = (i + 1) & mask) {
    int v = t->slots[i];
    if (v == 0 || strcmp(keys[v - 1], name) == 0) return &t->slots[i];
  }
}

/* Room for entry n + 1 in a table kept at most half full. */
static int tbl_reserve(st_table *t, char *const *keys, int n) {
  if ((size_t)(n + 1) * 2 <= t->nslots) return 0;
  size_t ns = t->nslots ? t->nslots * 2 : 32;
  int *slots = calloc(ns, sizeof(int));
  if (!slots) return ct__errs("CPU: out of memory");
  free(t->slots);
  t->slots = slots;
  t->nslots = ns;
  for (int i = 0; i < n; i++) *tbl_slot(t, keys, keys[i]) = i + 1;
  return 0;
}

static int *map_slot(const ct_tensor_map *m, const char *name) {
  return tbl_slot(&m->tnames, m->names, name);
}

/* Room for one more entry: arrays and a table kept at most half full. */
static int map_reserve(ct_tensor_map *m) {
  if (m->n == m->cap) {
    int cap = m->cap ? m->cap * 2 : 16;
    char **nn = realloc(m->names, sizeof(char *) * (size_t)cap);
    if (nn) m->names = nn;
    ct_tensor **nt = nn ? realloc(m->ts, sizeof(ct_tensor *) * (size_t)cap) : NULL;
    if (!nt) return ct__errs("CPU: out of memory");
    m->ts = nt;
    m->cap = cap;
  }
  return tbl_reserve(&m->tnames, m->names, m->n);
}

int ct_tensor_map_set(ct_tensor_map *m, const char *name, ct_tensor *t) {
  if (!m || !name) return ct__errs("tensor_map_set: %s is NULL", m ? "name" : "map");
  if (!t) return -1;
  if (map_reserve(m)) return -1;
  int *slot = map_slot(m, name);
  if (*slot) {
    ct_retain(t); /* before the release: t may be the tensor it replaces */
    ct_release(m->ts[*slot - 1]);
    m->ts[*slot - 1] = t;
    return 0;
  }
  char *copy = strdup(name);
  if (!copy) return ct__errs("CPU: out of memory");
  m->names[m->n] = copy;
  m->ts[m->n] = ct_retain(t);
  *slot = ++m->n;
  return 0;
}

ct_tensor *ct_tensor_map_get(const ct_tensor_map *m, const char *name) {
  if (!m || !name || m->n == 0) return NULL;
  int v = *map_slot(m, name);
  return v ? m->ts[v - 1] : NULL;
}

int ct_tensor_map_size(const ct_tensor_map *m) { return m ? m->n : -1; }

static bool map_index_ok(const ct_tensor_map *m, int i) {
  if (!m) return ct__err("tensor_map: map is NULL"), false;
  if (i < 0 || i >= m->n)
    return ct__err("tensor_map: index %d is out of range for a map of %d entries", i, m->n), false;
  return true;
}

const char *ct_tensor_map_name(const ct_tensor_map *m, int i) {
  return map_index_ok(m, i) ? m->names[i] : NULL;
}

ct_tensor *ct_tensor_map_at(const ct_tensor_map *m, int i) {
  return map_index_ok(m, i) ? m->ts[i] : NULL;
}

int ct_tensor_map_set_meta(ct_tensor_map *m, const char *key, const char *value) {
  if (!m || !key || !value)
    return ct__errs("tensor_map_set_meta: %s is NULL", !m ? "map" : !key ? "key" : "value");
  char *v = strdup(value);
  if (!v) return ct__errs("CPU: out of memory");
  const char *old = ct_tensor_map_meta(m, key);
  if (old) {
    int i = *tbl_slot(&m->tmeta, m->mkeys, key) - 1;
    free(m->mvals[i]);
    m->mvals[i] = v;
    return 0;
  }
  if (tbl_reserve(&m->tmeta, m->mkeys, m->nmeta)) return free(v), -1;
  if (m->nmeta == m->capmeta) {
    int cap = m->capmeta ? m->capmeta * 2 : 8;
    char **nk = realloc(m->mkeys, sizeof(char *) * (size_t)cap);
    if (nk) m->mkeys = nk;
    char **nv = nk ? realloc(m->mvals, sizeof(char *) * (size_t)cap) : NULL;
    if (!nv) return free(v), ct__errs("CPU: out of memory");
    m->mvals = nv;
    m->capmeta = cap;
  }
  char *k = strdup(key);
  if (!k) return free(v), ct__errs("CPU: out of memory");
  m->mkeys[m->nmeta] = k;
  m->mvals[m->nmeta++] = v;
  *tbl_slot(&m->tmeta, m->mkeys, k) = m->nmeta;
  return 0;
}

const char *ct_tensor_map_meta(const ct_tensor_map *m, const char *key) {
  if (!m || !key || m->nmeta == 0) return NULL;
  int v = *tbl_slot(&m->tmeta, m->mkeys, key);
  return v ? m->mvals[v - 1] : NULL;
}

/* ---- reading ------------------------------------------------------------------------------ */
typedef struct {
  const char *name; /* borrowed from the JSON tree */
  ct_dtype dt;
  int ndim;
  int64_t shape[CT_MAX_DIMS];
  uint64_t begin, end;
} st_info;

static bool st_uint(const cJSON *v, uint64_t *out) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (!(d >= 0 && d < ST_MAX_INT) || (double)(uint64_t)d != d) return false;
  *out = (uint64_t)d;
  return true;
}

static int st_dtype(const char *name, const char *s, ct_dtype *dt) {
  for (int i = 0; i < CT_NUM_DTYPES; i++)
    if (strcmp(s, st_types[i].name) == 0) return *dt = (ct_dtype)i, 0;
  for (size_t i = 0; i < sizeof st_other_types / sizeof *st_other_types; i++)
    if (strcmp(s, st_other_types[i]) == 0)
      return ct__errs("safetensors: tensor '%.200s' has dtype %s, which ctorch does not support",
                      name, s);
  return ct__errs("safetensors: tensor '%.200s' has unknown dtype '%.40s'", name, s);
}

/* One tensor entry, checked against a data section of data_len bytes. */
static int st_parse_entry(const cJSON *e, uint64_t data_len, st_info *info) {
  const char *name = info->name;
  if (!cJSON_IsObject(e))
    return ct__errs("safetensors: tensor '%.200s' is not a JSON object", name);
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
  const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
  if (!cJSON_IsString(dt)) return ct__errs("safetensors: tensor '%.200s' has no \"dtype\" string", name);
  if (st_dtype(name, dt->valuestring, &info->dt)) return -1;
  if (!cJSON_IsArray(shape))
    return ct__errs("safetensors: tensor '%.200s' has no \"shape\" array", name);
  int nd = cJSON_GetArraySize(shape);
  if (nd > CT_MAX_DIMS)
    return ct__errs("safetensors: tensor '%.200s' has %d dimensions; ctorch supports at most %d",
                    name, nd, CT_MAX_DIMS);
  info->ndim = 0;
  uint64_t numel = 1, nbytes, dim, nonzero = 1;
  bool overflow = false;
  for (const cJSON *d = shape->child; d; d = d->next) {
    if (!st_uint(d, &dim)) {
      if (cJSON_IsNumber(d))
        return ct__errs("safetensors: tensor '%.200s' has an invalid shape entry %g (not an integer "
                        "in [0, 2^53))", name, d->valuedouble);
      return ct__errs("safetensors: tensor '%.200s' has a shape entry that is not a number", name);
    }
    overflow |= __builtin_mul_overflow(numel, dim, &numel);
    /* Zero dims aside, the shape must still fit: [0, 2^40, 2^40] is empty but its
     * strides overflow int64. */
    overflow |= dim && __builtin_mul_overflow(nonzero, dim, &nonzero);
    info->shape[info->ndim++] = (int64_t)dim;
  }
  overflow |= __builtin_mul_overflow(numel, (uint64_t)ct_dtype_size(info->dt), &nbytes);
  if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || !st_uint(offs->child, &info->begin) ||
      !st_uint(offs->child->next, &info->end) || info->begin > info->end)
    return ct__errs("safetensors: tensor '%.200s' has invalid data_offsets (expected [begin, end] "
                    "with 0 <= begin <= end)", name);
  char sh[CT_MAX_DIMS * 24 + 8];
  if (info->end > data_len)
    return ct__errs("safetensors: tensor '%.200s' data_offsets [%llu, %llu] out of bounds for a "
                    "data section of %llu bytes", name, (unsigned long long)info->begin,
                    (unsigned long long)info->end, (unsigned long long)data_len);
  if (overflow || nonzero > (uint64_t)INT64_MAX)
    return ct__errs("safetensors: tensor '%.200s' of shape %s has too many elements", name,
                    ct__shape_str(info->ndim, info->shape, sh, sizeof sh));
  if (nbytes != info->end - info->begin)
    return ct__errs("safetensors: tensor '%.200s' of dtype %s and shape %s needs %llu bytes but "
                    "its data_offsets [%llu, %llu] span %llu", name, st_types[info->dt].name,
                    ct__shape_str(info->ndim, info->shape, sh, sizeof sh),
                    (unsigned long long)nbytes, (unsigned long long)info->begin,
                    (unsigned long long)info->end, (unsigned long long)(info->end - info->begin));
  return 0;
}

static int st_parse_meta(ct_tensor_map *m, const cJSON *e) {
  if (!cJSON_IsObject(e)) return ct__errs("safetensors: __metadata__ is not a JSON object");
  for (const cJSON *kv = e->child; kv; kv = kv->next) {
    if (!cJSON_IsString(kv))
      return ct__errs("safetensors: __metadata__ value for '%.200s' is not a string", kv->string);
    if (ct_tensor_map_meta(m, kv->string))
      return ct__errs("safetensors: duplicate __metadata__ key '%.200s'", kv->string);
    if (ct_tensor_map_set_meta(m, kv->string, kv->valuestring)) return -1;
  }
  return 0;
}

static int cmp_offsets(const void *a, const void *b) {
  const st_info *x = *(const st_info *const *)a, *y = *(const st_info *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* The safetensors crate's validate(): sorted by data_offsets, each tensor begins where the
 * previous one ends (no gap, no overlap) and the last ends at the end of the file. Disjoint
 * ranges also bound what a header can make us allocate by the data size. */
static int st_check_coverage(st_info *infos, int n, uint64_t data_len) {
  st_info **by = malloc(sizeof(st_info *) * (size_t)(n ? n : 1));
  if (!by) return ct__errs("CPU: out of memory");
  for (int i = 0; i < n; i++) by[i] = &infos[i];
  qsort(by, (size_t)n, sizeof *by, cmp_offsets);
  uint64_t at = 0;
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    if (by[i]->begin != at)
      rc = ct__errs("safetensors: invalid offset for tensor '%.200s': data_offsets [%llu, %llu] "
                    "should begin at %llu (tensors must cover the data section in order, without "
                    "gaps or overlaps)", by[i]->name, (unsigned long long)by[i]->begin,
                    (unsigned long long)by[i]->end, (unsigned long long)at);
    at = by[i]->end;
  }
  if (!rc && at != data_len)
    rc = ct__errs("safetensors: incomplete metadata, file not fully covered: the tensors end at "
                  "byte %llu of a data section of %llu bytes", (unsigned long long)at,
                  (unsigned long long)data_len);
  free(by);
  return rc;
}

/* cJSON decodes \u0000 into a NUL that ends its C string, so a name would load truncated
 * (and two names could collide): find the escape in the raw text (a backslash that is not
 * itself escaped) and refuse the file. */
static int st_check_nul(const char *text, size_t n) {
  for (size_t i = 0; i + 6 <= n; i++) {
    if (text[i] != '\\') continue;
    if (strncmp(text + i + 1, "u0000", 5) == 0)
      return ct__errs("safetensors: the header holds a string with a NUL character (\\u0000 at "
                      "byte %zu); ctorch cannot represent it in a tensor name or metadata",
                      i);
    i++; /* skip the escaped character: "\\\\u0000" is a backslash and text */
  }
  return 0;
}

/* Validate every entry of the parsed header, then copy each tensor out of the source. */
static ct_tensor_map *st_build(ct__src *s, const cJSON *root, uint64_t data_start) {
  uint64_t data_len = s->size - data_start;
  int n = cJSON_GetArraySize(root);
  st_info *infos = calloc((size_t)(n ? n : 1), sizeof *infos);
  ct_tensor_map *m = ct_tensor_map_new();
  int nt = 0, rc = 0;
  if (!infos || !m) rc = ct__errs("CPU: out of memory");
  bool seen_meta = false;
  for (const cJSON *e = root->child; e && !rc; e = e->next) {
    if (strcmp(e->string, "__metadata__") == 0) {
      rc = seen_meta ? ct__errs("safetensors: duplicate __metadata__") : st_parse_meta(m, e);
      seen_meta = true;
      continue;
    }
    infos[nt].name = e->string;
    rc = st_parse_entry(e, data_len, &infos[nt++]);
  }
  if (!rc) rc = st_check_coverage(infos, nt, data_len);
  CT_OP_BEGIN();
  for (int i = 0; i < nt && !rc; i++) {
    if (ct_tensor_map_get(m, infos[i].name)) {
      rc = ct__errs("safetensors: duplicate tensor name '%.200s'", infos[i].name);
      break;
    }
    ct_tensor *t = ct__empty(infos[i].dt, infos[i].ndim, infos[i].shape);
    if (!t) rc = -1;
    else if (ct__src_read(s, data_start + infos[i].begin, ct__ptr(t), infos[i].end - infos[i].begin))
      rc = ct__errs("safetensors: I/O error reading tensor '%.200s'", infos[i].name);
    else {
      ct__fix_loaded(t, false);
      rc = ct_tensor_map_set(m, infos[i].name, t); /* the map's reference; the scope's dies */
    }
  }
  ct_scope_end();
  free(infos);
  if (rc) {
    ct_tensor_map_free(m);
    return NULL;
  }
  return m;
}

static void *st_read(ct__src *s) {
  unsigned char pre[8];
  if (s->size < 8)
    return ct__err("safetensors: file too small (%llu bytes) to hold the 8-byte header size",
                   (unsigned long long)s->size);
  if (ct__src_read(s, 0, pre, 8)) return ct__err("safetensors: I/O error reading the header size");
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | pre[i];
  if (n > ST_MAX_HEADER)
    return ct__err("safetensors: header too large (%llu bytes; the limit is %llu)",
                   (unsigned long long)n, ST_MAX_HEADER);
  if (n > s->size - 8)
    return ct__err("safetensors: header size %llu runs past the end of the file (%llu bytes)",
                   (unsigned long long)n, (unsigned long long)s->size);
  char *text = malloc((size_t)n + 1);
  if (!text) return ct__err("CPU: out of memory allocating %llu bytes", (unsigned long long)n);
  ct_tensor_map *m = NULL;
  cJSON *root = NULL;
  if (ct__src_read(s, 8, text, (size_t)n)) {
    ct__err("safetensors: I/O error reading the header");
    goto done;
  }
  text[n] = 0;
  if (!ct__utf8_valid((const unsigned char *)text, (size_t)n)) {
    ct__err("safetensors: header is not valid UTF-8");
    goto done;
  }
  if (st_check_nul(text, (size_t)n)) goto done;
  const char *end = NULL;
  root = cJSON_ParseWithLengthOpts(text, (size_t)n, &end, false);
  if (!root) {
    ct__err("safetensors: header is not valid JSON (error at byte %lld)",
            end ? (long long)(end - text) : -1LL);
    goto done;
  }
  /* The writer pads with spaces; anything else after the object is corruption. */
  for (const char *p = end; p < text + n; p++)
    if (!strchr(" \t\r\n", *p) || !*p) {
      ct__err("safetensors: unexpected byte after the header's JSON object at byte %lld",
              (long long)(p - text));
      goto done;
    }
  if (!cJSON_IsObject(root)) {
    ct__err("safetensors: header is not a JSON object");
    goto done;
  }
  m = st_build(s, root, 8 + n);
done:
  cJSON_Delete(root);
  free(text);
  return m;
}

ct_tensor_map *ct_safetensors_load(const char *path) {
  return ct__read_path(path, st_read, "safetensors_load");
}

ct_tensor_map *ct_safetensors_loads(const void *buf, size_t len) {
  return ct__read_mem(buf, len, st_read, "safetensors_loads");
}

/* ---- writing ------------------------------------------------------------------------------ */
/* A JSON string escaped as serde_json escapes it (raw UTF-8, \u00xx for other controls). */
static void sb_json(ct__strbuf *b, const char *s) {
  ct__sb_putn(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    const char *esc = NULL;
    char u[8];
    switch (*p) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    default:
      if (*p < 0x20) snprintf(u, sizeof u, "\\u%04x", *p), esc = u;
    }
    if (esc) ct__sb_puts(b, esc);
    else ct__sb_putn(b, (const char *)p, 1);
  }
  ct__sb_putn(b, "\"", 1);
}

typedef struct {
  const char *name;
  const ct_tensor *t;
} st_entry;

static int cmp_entry(const void *a, const void *b) {
  const st_entry *x = a, *y = b;
  int rx = st_types[x->t->dtype].rank, ry = st_types[y->t->dtype].rank;
  if (rx != ry) return ry - rx;
  return strcmp(x->name, y->name);
}

static bool st_text_ok(const char *s) {
  return ct__utf8_valid((const unsigned char *)s, strlen(s));
}

/* The header (padded) and the tensors in file order; 0 or -1 with an error. */
static int st_plan(const ct_tensor_map *m, ct__strbuf *hdr, st_entry **out, uint64_t *data_bytes) {
  *out = NULL;
  for (int i = 0; i < m->nmeta; i++)
    if (!st_text_ok(m->mkeys[i]) || !st_text_ok(m->mvals[i]))
      return ct__errs("safetensors: __metadata__ entry '%.200s' is not valid UTF-8", m->mkeys[i]);
  st_entry *e = malloc(sizeof *e * (size_t)(m->n ? m->n : 1));
  if (!e) return ct__errs("CPU: out of memory");
  for (int i = 0; i < m->n; i++) {
    if (strcmp(m->names[i], "__metadata__") == 0 || !st_text_ok(m->names[i])) {
      free(e);
      return ct__errs("safetensors: '%.200s' cannot be a tensor name (reserved or not UTF-8)",
                      m->names[i]);
    }
    e[i] = (st_entry){m->names[i], m->ts[i]};
  }
  qsort(e, (size_t)m->n, sizeof *e, cmp_entry);
  ct__sb_puts(hdr, "{");
  if (m->nmeta > 0) {
    ct__sb_puts(hdr, "\"__metadata__\":{");
    for (int i = 0; i < m->nmeta; i++) {
      if (i) ct__sb_puts(hdr, ",");
      sb_json(hdr, m->mkeys[i]);
      ct__sb_puts(hdr, ":");
      sb_json(hdr, m->mvals[i]);
    }
    ct__sb_puts(hdr, m->n ? "}," : "}");
  }
  uint64_t off = 0;
  for (int i = 0; i < m->n; i++) {
    const ct_tensor *t = e[i].t;
    uint64_t nb = (uint64_t)ct_numel(t) * ct_dtype_size(t->dtype);
    if (i) ct__sb_puts(hdr, ",");
    sb_json(hdr, e[i].name);
    ct__sb_puts(hdr, ":{\"dtype\":\"");
    ct__sb_puts(hdr, st_types[t->dtype].name);
    ct__sb_puts(hdr, "\",\"shape\":[");
    for (int d = 0; d < t->ndim; d++) {
      if (d) ct__sb_puts(hdr, ",");
      ct__sb_u64(hdr, (uint64_t)t->shape[d]);
    }
    ct__sb_puts(hdr, "],\"data_offsets\":[");
    ct__sb_u64(hdr, off);
    ct__sb_puts(hdr, ",");
    ct__sb_u64(hdr, off + nb);
    ct__sb_puts(hdr, "]}");
    off += nb;
  }
  ct__sb_puts(hdr, "}");
  ct__sb_spaces(hdr, (int)((8 - hdr->len % 8) % 8)); /* data starts 8-byte aligned */
  if (hdr->oom) {
    free(e);
    return ct__errs("CPU: out of memory");
  }
  *out = e;
  *data_bytes = off;
  return 0;
}

static int st_write(const ct_tensor_map *m, ct__sink *s, const ct__strbuf *hdr, const st_entry *e) {
  unsigned char pre[8];
  for (int i = 0; i < 8; i++) pre[i] = (unsigned char)((uint64_t)hdr->len >> (8 * i));
  int rc = ct__sink_write(s, pre, 8);
  if (!rc) rc = ct__sink_write(s, hdr->s, hdr->len);
  for (int i = 0; i < m->n && !rc; i++) rc = ct__sink_tensor(s, e[i].t);
  return rc;
}

int ct_safetensors_save(const char *path, const ct_tensor_map *m) {
  if (!path || !m) return ct__errs("safetensors_save: %s is NULL", path ? "map" : "path");
  ct__strbuf hdr = {0};
  st_entry *e;
  uint64_t data_bytes;
  int rc = st_plan(m, &hdr, &e, &data_bytes);
  ct__sink s;
  if (!rc) rc = ct__sink_open(&s, path);
  if (!rc) rc = ct__sink_close(&s, path, st_write(m, &s, &hdr, e));
  free(hdr.s);
  free(e);
  return rc;
}

void *ct_safetensors_dumps(const ct_tensor_map *m, size_t *len) {
  if (!m || !len) return ct__err("safetensors_dumps: %s is NULL", m ? "len" : "map");
  ct__strbuf hdr = {0};
  st_entry *e;
  uint64_t data_bytes;
  ct__sink s = {0};
  int rc = st_plan(m, &hdr, &e, &data_bytes);
  size_t total = 8 + hdr.len + (size_t)data_bytes;
  if (!rc) rc = ct__sink_mem(&s, total);
  if (!rc) rc = ct__sink_close(&s, NULL, st_write(m, &s, &hdr, e));
  free(hdr.s);
  free(e);
  if (rc) return NULL;
  *len = total;
  return s.buf;
}
