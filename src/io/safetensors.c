/* safetensors (huggingface/safetensors) and the named tensor map it loads into.
 * Layout: an 8-byte little-endian header size N, N bytes of JSON
 *   {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [2, 3],
 *    "data_offsets": [begin, end]}, ...}
 * padded with spaces to a multiple of 8, then the data section the offsets point into.
 * Reading validates the whole header before allocating anything, and allocates at most
 * the size of the data section (offsets must be in bounds, sizes exact, ranges disjoint). */
#include "io_common.h"

/* rank: position in the Rust Dtype enum, whose order is increasing alignment; the writer
 * sorts by it (descending) and then by name, as safetensors' prepare() does. */
static const struct {
  const char *name;
  int rank;
} st_types[CT_NUM_DTYPES] = {
    [CT_BOOL] = {"BOOL", 0}, [CT_UINT8] = {"U8", 1},    [CT_INT8] = {"I8", 2},
    [CT_INT16] = {"I16", 5}, [CT_INT32] = {"I32", 9},   [CT_INT64] = {"I64", 13},
    [CT_FLOAT32] = {"F32", 11}, [CT_FLOAT64] = {"F64", 12}, [CT_FLOAT16] = {"F16", 7},
    [CT_BFLOAT16] = {"BF16", 8},
};
static const char *const st_other_types[] = {"F8_E5M2", "F8_E4M3", "U16", "U32", "U64"};

/* ---- tensor map ------------------------------------------------------------------------
 * Entries in insertion order; an open-addressing table of entry indices makes lookups
 * (and replacing on set) O(1), so loading a large state_dict stays linear. */
typedef struct {
  uint32_t idx;  /* entry index + 1, 0 = empty */
  uint32_t hash; /* of its name: probes and rehashing touch no strings */
} st_slot;

typedef struct {
  st_slot *slots;
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
  char *arena;    /* the loaded metadata strings, in one block (see st_keep_meta) */
  size_t arena_len;
};

/* Free a metadata string unless it lives in the arena. */
static void meta_free(const ct_tensor_map *m, char *s) {
  if (!m->arena || (uintptr_t)s - (uintptr_t)m->arena >= m->arena_len) free(s);
}

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
    meta_free(m, m->mkeys[i]);
    meta_free(m, m->mvals[i]);
  }
  free(m->arena);
  free(m->names);
  free(m->ts);
  free(m->tnames.slots);
  free(m->tmeta.slots);
  free(m->mkeys);
  free(m->mvals);
  free(m);
}

static uint32_t str_hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  /* The table indexes by the low bits, which FNV's multiplies never feed from the high
   * ones: fold them in (8.3M hex keys loaded 4x slower without). */
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  return (uint32_t)(h ^ h >> 32);
}

/* The slot of table t (over keys) holding name (of hash h), or the empty slot where it
 * would go. */
static st_slot *tbl_slot(const st_table *t, char *const *keys, const char *name, uint32_t h) {
  size_t mask = t->nslots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    st_slot *v = &t->slots[i];
    if (v->idx == 0 || (v->hash == h && strcmp(keys[v->idx - 1], name) == 0)) return v;
  }
}

/* Room for entry n + 1 in a table kept at most half full. */
static int tbl_reserve(st_table *t, int n) {
  if ((size_t)(n + 1) * 2 <= t->nslots) return 0;
  size_t ns = t->nslots ? t->nslots * 2 : 32;
  st_slot *slots = calloc(ns, sizeof *slots);
  if (!slots) return ct__errs("CPU: out of memory");
  for (size_t i = 0; i < t->nslots; i++) {
    if (!t->slots[i].idx) continue;
    size_t j = t->slots[i].hash & (ns - 1);
    while (slots[j].idx) j = (j + 1) & (ns - 1);
    slots[j] = t->slots[i];
  }
  free(t->slots);
  t->slots = slots;
  t->nslots = ns;
  return 0;
}

static st_slot *map_slot(const ct_tensor_map *m, const char *name, uint32_t h) {
  return tbl_slot(&m->tnames, m->names, name, h);
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
  return tbl_reserve(&m->tnames, m->n);
}

int ct_tensor_map_set(ct_tensor_map *m, const char *name, ct_tensor *t) {
  if (!m || !name) return ct__errs("tensor_map_set: %s is NULL", m ? "name" : "map");
  if (!t) return -1;
  if (map_reserve(m)) return -1;
  uint32_t h = str_hash(name);
  st_slot *slot = map_slot(m, name, h);
  if (slot->idx) {
    ct_retain(t); /* before the release: t may be the tensor it replaces */
    ct_release(m->ts[slot->idx - 1]);
    m->ts[slot->idx - 1] = t;
    return 0;
  }
  char *copy = strdup(name);
  if (!copy) return ct__errs("CPU: out of memory");
  m->names[m->n] = copy;
  m->ts[m->n] = ct_retain(t);
  *slot = (st_slot){(uint32_t)++m->n, h};
  return 0;
}

ct_tensor *ct_tensor_map_get(const ct_tensor_map *m, const char *name) {
  if (!m || !name || m->n == 0) return NULL;
  uint32_t v = map_slot(m, name, str_hash(name))->idx;
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

/* Add key -> value, which the map then owns (or, while a file loads, borrows from its header);
 * 1 when key is already there (nothing added), -1 out of memory. */
static int meta_add(ct_tensor_map *m, char *key, char *value) {
  if (tbl_reserve(&m->tmeta, m->nmeta)) return -1;
  uint32_t h = str_hash(key);
  st_slot *slot = tbl_slot(&m->tmeta, m->mkeys, key, h);
  if (slot->idx) return 1;
  if (m->nmeta == m->capmeta) {
    int cap = m->capmeta ? m->capmeta * 2 : 8;
    char **nk = realloc(m->mkeys, sizeof(char *) * (size_t)cap);
    if (nk) m->mkeys = nk;
    char **nv = nk ? realloc(m->mvals, sizeof(char *) * (size_t)cap) : NULL;
    if (!nv) return ct__errs("CPU: out of memory");
    m->mvals = nv;
    m->capmeta = cap;
  }
  m->mkeys[m->nmeta] = key;
  m->mvals[m->nmeta++] = value;
  *slot = (st_slot){(uint32_t)m->nmeta, h};
  return 0;
}

int ct_tensor_map_set_meta(ct_tensor_map *m, const char *key, const char *value) {
  if (!m || !key || !value)
    return ct__errs("tensor_map_set_meta: %s is NULL", !m ? "map" : !key ? "key" : "value");
  char *v = strdup(value);
  if (!v) return ct__errs("CPU: out of memory");
  if (ct_tensor_map_meta(m, key)) {
    uint32_t i = tbl_slot(&m->tmeta, m->mkeys, key, str_hash(key))->idx - 1;
    meta_free(m, m->mvals[i]);
    m->mvals[i] = v;
    return 0;
  }
  char *k = strdup(key);
  if (!k) return free(v), ct__errs("CPU: out of memory");
  if (meta_add(m, k, v)) return free(k), free(v), -1;
  return 0;
}

const char *ct_tensor_map_meta(const ct_tensor_map *m, const char *key) {
  if (!m || !key || m->nmeta == 0) return NULL;
  uint32_t v = tbl_slot(&m->tmeta, m->mkeys, key, str_hash(key))->idx;
  return v ? m->mvals[v - 1] : NULL;
}

/* ---- reading ------------------------------------------------------------------------------
 * A scanner for the one JSON shape a header has, instead of a general JSON tree. Measured on
 * a 99 MB header of 8.3M tiny __metadata__ pairs: cJSON's tree (a node and a malloc'd key per
 * value) plus a strdup per metadata key and value peaked at 2040 MB RSS and took 23 s; a
 * header of 1.76M empty tensors 2557 MB. (cJSON_InitHooks could give cJSON an arena, but the
 * hooks are process-global, which a library must not change.) Here strings are decoded in
 * place in the header copy; metadata keeps two pointers per pair into it, and the strings are
 * compacted at the end into the block the map keeps; a tensor entry costs a 40-byte record and
 * its dims until its ct_tensor is made. After: the 8.3M pairs peak at 351 MB over the file
 * (3.5x its size: pointers and the hash table), 2.1 s of CPU; the 1.76M empty tensors at
 * 1081 MB, of which their ct_tensors (472 bytes each, the same made by ct_empty) are 791 MB
 * and the reader 2.9x the file. */

/* The Rust library's MAX_HEADER_SIZE. */
#define ST_MAX_HEADER 100000000ULL
/* Sizes and offsets: JSON integers below 2^53, which every JSON reader holds exactly. */
#define ST_MAX_INT ((uint64_t)1 << 53)
/* Nesting inside ignored values, as cJSON's limit: deeper is refused, not a stack overflow. */
#define ST_MAX_DEPTH 1000

typedef struct {
  const char *name; /* in the header copy */
  uint64_t begin, end;
  size_t dims; /* index of its first dim in st_list.dims */
  int ndim;
  ct_dtype dt;
} st_info;

typedef struct {
  st_info *v;
  size_t n, cap;
  int64_t *dims;
  size_t ndims, capdims;
} st_list;

typedef struct {
  char *text; /* the header copy, NUL-terminated */
  char *p;    /* the cursor */
} st_scan;

/* Room for n + 1 elements of size elem in *v (capacity *cap, doubled). */
/* The dims of entry in (NULL when no entry has any: no arithmetic on a null pointer). */
static const int64_t *st_dims(const st_list *L, const st_info *in) {
  return L->dims ? L->dims + in->dims : NULL;
}

static int st_grow(void **v, size_t *cap, size_t n, size_t elem) {
  if (n < *cap) return 0;
  size_t c = *cap ? *cap * 2 : 64;
  void *nv = realloc(*v, c * elem);
  if (!nv) return ct__errs("CPU: out of memory");
  *v = nv;
  *cap = c;
  return 0;
}

static int sc_syntax(const st_scan *s) {
  return ct__errs("safetensors: header is not valid JSON (error at byte %lld)",
                  (long long)(s->p - s->text));
}

static void sc_ws(st_scan *s) {
  while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r') s->p++;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i]; /* stops at the terminating NUL: no read past it */
    int d = is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v << 4 | (unsigned)d;
  }
  *out = v;
  return 0;
}

static char *utf8_put(char *w, unsigned cp) {
  if (cp < 0x80) {
    *w++ = (char)cp;
  } else if (cp < 0x800) {
    *w++ = (char)(0xC0 | cp >> 6);
    *w++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *w++ = (char)(0xE0 | cp >> 12);
    *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *w++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *w++ = (char)(0xF0 | cp >> 18);
    *w++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *w++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *w++ = (char)(0x80 | (cp & 0x3F));
  }
  return w;
}

/* The code point of the \u escape at r (a surrogate pair takes two); advances r. */
static int sc_unicode(st_scan *s, char **r, unsigned *cp) {
  s->p = *r; /* where a syntax error is reported */
  if (hex4(*r + 2, cp)) return sc_syntax(s);
  if (*cp == 0)
    return ct__errs("safetensors: the header holds a string with a NUL character (\\u0000 at "
                    "byte %zu); ctorch cannot represent it in a tensor name or metadata",
                    (size_t)(*r - s->text));
  *r += 6;
  if (*cp >= 0xDC00 && *cp < 0xE000) return sc_syntax(s); /* a lone low surrogate */
  if (*cp < 0xD800 || *cp >= 0xDC00) return 0;
  unsigned lo;
  if ((*r)[0] != '\\' || (*r)[1] != 'u' || hex4(*r + 2, &lo) || lo < 0xDC00 || lo >= 0xE000)
    return sc_syntax(s);
  *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
  *r += 6;
  return 0;
}

/* The JSON string at the cursor, decoded in place (never longer than its text) and
 * NUL-terminated; *out points at it. The header is valid UTF-8 already. */
static int sc_string(st_scan *s, char **out) {
  if (*s->p != '"') return sc_syntax(s);
  char *r = s->p + 1, *w = r;
  *out = w;
  while (*r != '"') {
    unsigned char c = (unsigned char)*r;
    if (c < 0x20) { /* raw control characters (and the terminating NUL) are not JSON */
      s->p = r;
      return sc_syntax(s);
    }
    if (c != '\\') {
      *w++ = *r++;
      continue;
    }
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *e = r[1] ? strchr(from, r[1]) : NULL;
    if (e) {
      *w++ = to[e - from];
      r += 2;
    } else if (r[1] == 'u') {
      unsigned cp = 0;
      if (sc_unicode(s, &r, &cp)) return -1;
      w = utf8_put(w, cp);
    } else {
      s->p = r;
      return sc_syntax(s);
    }
  }
  *w = 0;
  s->p = r + 1;
  return 0;
}

/* A JSON number at the cursor: 0 with *v set when it is digits only below ST_MAX_INT, 1 for
 * any other number (its text at *tok, *len chars), -1 for text that is no JSON number. */
static int sc_uint(st_scan *s, uint64_t *v, const char **tok, int *len) {
  char *p = s->p;
  bool plain = *p != '-';
  uint64_t x = 0;
  if (*p == '-') p++;
  if (!is_digit(*p)) return sc_syntax(s);
  if (*p == '0') p++; /* no leading zeros: "01" stops after the 0 */
  else
    for (; is_digit(*p); p++)
      if (x < ST_MAX_INT) x = x * 10 + (uint64_t)(*p - '0'); /* saturates, cannot wrap */
  if (*p == '.') {
    plain = false;
    if (!is_digit(*++p)) return s->p = p, sc_syntax(s);
    while (is_digit(*p)) p++;
  }
  if (*p == 'e' || *p == 'E') {
    plain = false;
    p += p[1] == '+' || p[1] == '-' ? 2 : 1;
    if (!is_digit(*p)) return s->p = p, sc_syntax(s);
    while (is_digit(*p)) p++;
  }
  *tok = s->p;
  *len = (int)(p - s->p);
  s->p = p;
  *v = x;
  return plain && x < ST_MAX_INT ? 0 : 1;
}

/* At a container's start, or after one of its elements: 0 at the closing bracket (consumed),
 * 1 when another element follows (the cursor on it), -1 on a syntax error. */
static int sc_next(st_scan *s, bool *first, char close) {
  sc_ws(s);
  if (*s->p == close) return s->p++, 0;
  if (!*first) {
    if (*s->p != ',') return sc_syntax(s);
    s->p++;
    sc_ws(s);
  }
  *first = false;
  return 1;
}

/* An object member's key and the colon after it; the cursor ends on the value. */
static int sc_key(st_scan *s, char **key) {
  if (sc_string(s, key)) return -1;
  sc_ws(s);
  if (*s->p != ':') return sc_syntax(s);
  s->p++;
  sc_ws(s);
  return 0;
}

/* Any JSON value (fields the format does not define are ignored, as the Rust crate does). */
static int sc_skip(st_scan *s, int depth) {
  char c = *s->p, *str;
  if (c == '"') return sc_string(s, &str);
  if (c == '{' || c == '[') {
    if (depth >= ST_MAX_DEPTH) return sc_syntax(s);
    s->p++;
    bool first = true;
    int r;
    while ((r = sc_next(s, &first, c == '{' ? '}' : ']')) == 1)
      if ((c == '{' && sc_key(s, &str)) || sc_skip(s, depth + 1)) return -1;
    return r;
  }
  if (c == '-' || is_digit(c)) {
    uint64_t v;
    const char *tok;
    int len;
    return sc_uint(s, &v, &tok, &len) < 0 ? -1 : 0;
  }
  static const char *const lit[] = {"true", "false", "null"};
  for (int i = 0; i < 3; i++)
    if (strncmp(s->p, lit[i], strlen(lit[i])) == 0) return s->p += strlen(lit[i]), 0;
  return sc_syntax(s);
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

/* "shape": [d0, d1, ...], the dims appended to L->dims */
static int st_shape(st_scan *s, st_list *L, st_info *info) {
  const char *name = info->name;
  if (*s->p != '[') return ct__errs("safetensors: tensor '%.200s' has no \"shape\" array", name);
  s->p++;
  bool first = true;
  int r, nd = 0;
  while ((r = sc_next(s, &first, ']')) == 1) {
    if (*s->p != '-' && !is_digit(*s->p))
      return ct__errs("safetensors: tensor '%.200s' has a shape entry that is not a number", name);
    uint64_t dim;
    const char *tok;
    int len, u = sc_uint(s, &dim, &tok, &len);
    if (u < 0) return -1;
    if (u > 0 && (tok[0] == '-' || memchr(tok, '.', (size_t)len) || strpbrk(tok, "eE") < tok + len))
      return ct__errs("safetensors: tensor '%.200s' has an invalid shape entry %.*s (not an "
                      "integer in [0, 2^53))", name, len < 40 ? len : 40, tok);
    if (u > 0)
      return ct__errs("safetensors: tensor '%.200s' has an invalid shape entry %g (not an integer "
                      "in [0, 2^53))", name, strtod(tok, NULL));
    if (nd++ >= CT_MAX_DIMS) continue; /* counted for the message below */
    if (st_grow((void **)&L->dims, &L->capdims, L->ndims, sizeof *L->dims)) return -1;
    L->dims[L->ndims++] = (int64_t)dim;
  }
  if (r < 0) return -1;
  if (nd > CT_MAX_DIMS)
    return ct__errs("safetensors: tensor '%.200s' has %d dimensions; ctorch supports at most %d",
                    name, nd, CT_MAX_DIMS);
  info->ndim = nd;
  return 0;
}

/* "data_offsets": [begin, end] */
static int st_offsets(st_scan *s, st_info *info) {
  uint64_t v[2];
  int n = 0, r = 0;
  bool first = true;
  if (*s->p == '[') {
    s->p++;
    while (n < 3 && (r = sc_next(s, &first, ']')) == 1) {
      const char *tok;
      int len;
      if (*s->p != '-' && !is_digit(*s->p)) break;
      if ((r = sc_uint(s, &v[n < 2 ? n : 0], &tok, &len)) != 0) break;
      n++;
    }
  }
  if (r < 0) return -1;
  if (r != 0 || n != 2 || v[0] > v[1])
    return ct__errs("safetensors: tensor '%.200s' has invalid data_offsets (expected [begin, end] "
                    "with 0 <= begin <= end)", info->name);
  info->begin = v[0];
  info->end = v[1];
  return 0;
}

/* The size checks of one entry, against a data section of data_len bytes. */
static int st_check_entry(const st_info *info, const int64_t *shape, uint64_t data_len) {
  const char *name = info->name;
  uint64_t numel = 1, nbytes, nonzero = 1;
  bool overflow = false;
  for (int d = 0; d < info->ndim; d++) {
    uint64_t dim = (uint64_t)shape[d];
    overflow |= __builtin_mul_overflow(numel, dim, &numel);
    /* Zero dims aside, the shape must still fit: [0, 2^40, 2^40] is empty but its
     * strides overflow int64. */
    overflow |= dim && __builtin_mul_overflow(nonzero, dim, &nonzero);
  }
  overflow |= __builtin_mul_overflow(numel, (uint64_t)ct_dtype_size(info->dt), &nbytes);
  char sh[CT_MAX_DIMS * 24 + 8];
  if (info->end > data_len)
    return ct__errs("safetensors: tensor '%.200s' data_offsets [%llu, %llu] out of bounds for a "
                    "data section of %llu bytes", name, (unsigned long long)info->begin,
                    (unsigned long long)info->end, (unsigned long long)data_len);
  if (overflow || nonzero > (uint64_t)INT64_MAX)
    return ct__errs("safetensors: tensor '%.200s' of shape %s has too many elements", name,
                    ct__shape_str(info->ndim, shape, sh, sizeof sh));
  if (nbytes != info->end - info->begin)
    return ct__errs("safetensors: tensor '%.200s' of dtype %s and shape %s needs %llu bytes but "
                    "its data_offsets [%llu, %llu] span %llu", name, st_types[info->dt].name,
                    ct__shape_str(info->ndim, shape, sh, sizeof sh),
                    (unsigned long long)nbytes, (unsigned long long)info->begin,
                    (unsigned long long)info->end, (unsigned long long)(info->end - info->begin));
  return 0;
}

/* One tensor entry {"dtype": ..., "shape": [...], "data_offsets": [b, e]}, fields in any
 * order, each at most once (serde's derive refuses a duplicate field), others ignored. */
static int st_tensor_entry(st_scan *s, st_list *L, const char *name, uint64_t data_len) {
  if (*s->p != '{') return ct__errs("safetensors: tensor '%.200s' is not a JSON object", name);
  s->p++;
  if (st_grow((void **)&L->v, &L->cap, L->n, sizeof *L->v)) return -1;
  st_info *info = &L->v[L->n++];
  *info = (st_info){.name = name, .dims = L->ndims};
  static const char *const fields[] = {"dtype", "shape", "data_offsets"};
  bool seen[3] = {false}, first = true;
  char *key, *dt;
  int r;
  while ((r = sc_next(s, &first, '}')) == 1) {
    if (sc_key(s, &key)) return -1;
    int f = 0;
    while (f < 3 && strcmp(key, fields[f]) != 0) f++;
    if (f == 3) {
      if (sc_skip(s, 0)) return -1;
      continue;
    }
    if (seen[f])
      return ct__errs("safetensors: tensor '%.200s' has a duplicate field \"%s\"", name, key);
    seen[f] = true;
    if (f == 0 && (*s->p != '"' || sc_string(s, &dt)))
      return ct__errs("safetensors: tensor '%.200s' has no \"dtype\" string", name);
    if ((f == 0 && st_dtype(name, dt, &info->dt)) || (f == 1 && st_shape(s, L, info)) ||
        (f == 2 && st_offsets(s, info)))
      return -1;
  }
  if (r < 0) return -1;
  if (!seen[0]) return ct__errs("safetensors: tensor '%.200s' has no \"dtype\" string", name);
  if (!seen[1]) return ct__errs("safetensors: tensor '%.200s' has no \"shape\" array", name);
  if (!seen[2])
    return ct__errs("safetensors: tensor '%.200s' has invalid data_offsets (expected [begin, end] "
                    "with 0 <= begin <= end)", name);
  return st_check_entry(info, st_dims(L, info), data_len);
}

/* "__metadata__": {"key": "value", ...} into m, the strings borrowed from the header copy;
 * null is no metadata (the crate's Option). */
static int st_meta(st_scan *s, ct_tensor_map *m) {
  if (strncmp(s->p, "null", 4) == 0) return s->p += 4, 0;
  if (*s->p != '{') return ct__errs("safetensors: __metadata__ is not a JSON object");
  s->p++;
  bool first = true;
  int r;
  while ((r = sc_next(s, &first, '}')) == 1) {
    char *k, *v;
    if (sc_key(s, &k)) return -1;
    if (*s->p != '"')
      return ct__errs("safetensors: __metadata__ value for '%.200s' is not a string", k);
    if (sc_string(s, &v)) return -1;
    int dup = meta_add(m, k, v);
    if (dup > 0) return ct__errs("safetensors: duplicate __metadata__ key '%.200s'", k);
    if (dup < 0) return -1;
  }
  return r;
}

/* Only the writer's space padding (or other whitespace) may follow the header's value. */
static int sc_end(st_scan *s, const char *end) {
  sc_ws(s);
  if (s->p == end) return 0;
  return ct__errs("safetensors: unexpected byte after the header's JSON object at byte %lld",
                  (long long)(s->p - s->text));
}

/* The whole header: metadata into m, tensor entries into L, each checked against the data
 * section; nothing is allocated for the data yet. */
static int st_scan_header(st_scan *s, const char *end, ct_tensor_map *m, st_list *L,
                          uint64_t data_len) {
  sc_ws(s);
  if (*s->p != '{') {
    if (sc_skip(s, 0) || sc_end(s, end)) return -1;
    return ct__errs("safetensors: header is not a JSON object");
  }
  s->p++;
  bool first = true, seen_meta = false;
  char *key;
  int r;
  while ((r = sc_next(s, &first, '}')) == 1) {
    if (sc_key(s, &key)) return -1;
    if (strcmp(key, "__metadata__") != 0) {
      if (st_tensor_entry(s, L, key, data_len)) return -1;
      continue;
    }
    if (seen_meta) return ct__errs("safetensors: duplicate __metadata__");
    seen_meta = true;
    if (st_meta(s, m)) return -1;
  }
  return r < 0 ? -1 : sc_end(s, end);
}

static int cmp_offsets(const void *a, const void *b) {
  const st_info *x = *(const st_info *const *)a, *y = *(const st_info *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* The safetensors crate's validate(): sorted by data_offsets, each tensor begins where the
 * previous one ends (no gap, no overlap) and the last ends at the end of the file. Disjoint
 * ranges also bound what a header can make us allocate by the data size. */
static int st_check_coverage(st_info *infos, size_t n, uint64_t data_len) {
  st_info **by = malloc(sizeof(st_info *) * (n ? n : 1));
  if (!by) return ct__errs("CPU: out of memory");
  for (size_t i = 0; i < n; i++) by[i] = &infos[i];
  qsort(by, n, sizeof *by, cmp_offsets);
  uint64_t at = 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
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

/* Copy each validated tensor out of the source into m. */
static int st_build(ct__src *s, ct_tensor_map *m, const st_list *L, uint64_t data_start) {
  int rc = 0;
  CT_OP_BEGIN();
  for (size_t i = 0; i < L->n && !rc; i++) {
    const st_info *in = &L->v[i];
    if (ct_tensor_map_get(m, in->name)) {
      rc = ct__errs("safetensors: duplicate tensor name '%.200s'", in->name);
      break;
    }
    ct_tensor *t = ct__empty(in->dt, in->ndim, st_dims(L, in));
    if (!t) rc = -1;
    else if (ct__src_read(s, data_start + in->begin, ct__ptr(t), in->end - in->begin))
      rc = ct__errs("safetensors: I/O error reading tensor '%.200s'", in->name);
    else {
      ct__fix_loaded(t, false);
      rc = ct_tensor_map_set(m, in->name, t); /* the map's reference; the scope's dies */
    }
  }
  ct_scope_end();
  return rc;
}

/* Move the metadata strings to the front of the header copy, which the map keeps (shrunk)
 * as their arena. They lie in text order (key, value, next key, ...), so each only moves
 * back and never over one not yet moved. Takes text. */
static void st_keep_meta(ct_tensor_map *m, char *text) {
  if (m->nmeta == 0) {
    free(text);
    return;
  }
  size_t w = 0;
  for (int i = 0; i < 2 * m->nmeta; i++) {
    char **p = i & 1 ? &m->mvals[i / 2] : &m->mkeys[i / 2];
    size_t n = strlen(*p) + 1;
    memmove(text + w, *p, n);
    *p = (char *)(uintptr_t)w; /* an offset until the block settles */
    w += n;
  }
  char *a = realloc(text, w);
  if (!a) a = text; /* a failed shrink keeps the larger block */
  for (int i = 0; i < m->nmeta; i++) {
    m->mkeys[i] = a + (uintptr_t)m->mkeys[i];
    m->mvals[i] = a + (uintptr_t)m->mvals[i];
  }
  m->arena = a;
  m->arena_len = w;
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
  ct_tensor_map *m = text ? ct_tensor_map_new() : NULL;
  if (!m) {
    free(text);
    return ct__err("CPU: out of memory allocating %llu bytes", (unsigned long long)n);
  }
  st_list L = {0};
  st_scan sc = {text, text};
  int rc = 0;
  if (ct__src_read(s, 8, text, (size_t)n)) rc = ct__errs("safetensors: I/O error reading the header");
  text[n] = 0;
  if (!rc && !ct__utf8_valid((const unsigned char *)text, (size_t)n))
    rc = ct__errs("safetensors: header is not valid UTF-8");
  if (!rc) rc = st_scan_header(&sc, text + n, m, &L, s->size - 8 - n);
  if (!rc) rc = st_check_coverage(L.v, L.n, s->size - 8 - n);
  if (!rc) rc = st_build(s, m, &L, 8 + n);
  free(L.v);
  free(L.dims);
  if (rc) {
    m->nmeta = 0; /* its strings are borrowed from text */
    ct_tensor_map_free(m);
    free(text);
    return NULL;
  }
  st_keep_meta(m, text);
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
