/* torch.load of the zip format (PyTorch >= 1.6) through libzip: an archive
 *   <name>/data.pkl     the pickled object, tensors as persistent ids of storages
 *   <name>/data/<key>   each storage's raw little-endian bytes
 *   <name>/version      (and, in newer versions, byteorder)
 * libzip handles Zip64 and checks each entry's CRC. Entries are only looked up by the names
 * built here, never extracted to disk, so paths with ".." are harmless. A storage is read
 * once, after its size in the archive matches the numel the pickle declares. */
#include "pth_internal.h"

#include <zip.h>

typedef struct {
  zip_t *z;
  char prefix[256]; /* "<name>/" */
  ct_pth_value **storages; /* loaded so far, by key: shared by every tensor naming the key */
  size_t ns, caps;
} pth_ctx;

/* The whole entry called name, checked against its declared size (max_size caps it). */
static unsigned char *read_entry(pth_ctx *c, const char *name, uint64_t want, bool exact,
                                 size_t *len) {
  zip_stat_t st;
  zip_int64_t idx = zip_name_locate(c->z, name, 0);
  if (idx < 0 || zip_stat_index(c->z, (zip_uint64_t)idx, 0, &st) || !(st.valid & ZIP_STAT_SIZE))
    return ct__err("PytorchStreamReader failed locating file %s: file not found", name);
  if (exact ? st.size != want : st.size > want)
    return ct__err("torch.load: archive entry %s holds %llu bytes, expected %s%llu", name,
                   (unsigned long long)st.size, exact ? "" : "at most ",
                   (unsigned long long)want);
  unsigned char *buf = malloc(st.size ? st.size : 1);
  if (!buf) return ct__err("CPU: out of memory");
  zip_file_t *f = zip_fopen_index(c->z, (zip_uint64_t)idx, 0);
  zip_int64_t got = f ? zip_fread(f, buf, st.size) : -1;
  const char *why = f ? zip_file_strerror(f) : zip_strerror(c->z);
  if (f && got == (zip_int64_t)st.size && zip_fclose(f) == 0) {
    *len = st.size;
    return buf;
  }
  ct__err("PytorchStreamReader failed reading file %s: %s", name, why);
  if (f) zip_fclose(f);
  free(buf);
  return NULL;
}

static ct_pth_value *load_storage(void *ctx, ct__pth_doc *doc, ct_pth_value *type,
                                  const char *key, int64_t numel) {
  pth_ctx *c = ctx;
  const char *dtname;
  size_t isz;
  int dt = ct__pth_storage_dtype(type, &dtname, &isz);
  for (size_t i = 0; i < c->ns; i++) {
    ct_pth_value *s = c->storages[i];
    if (strcmp(s->s, key)) continue;
    if (s->gid != type->gid || s->i != numel)
      return ct__err("torch.load: storage %s is named with two different types or sizes", key);
    return s;
  }
  if (strlen(key) > 64 || strspn(key, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(key))
    return ct__err("torch.load: bad storage key '%s'", key);
  int64_t nbytes;
  if (__builtin_mul_overflow(numel, (int64_t)isz, &nbytes))
    return ct__err("torch.load: storage %s of %lld elements is too large", key, (long long)numel);
  ct_pth_value *s = ct__pth_new(doc, CT_PTH_OTHER);
  if (!s) return NULL;
  s->other = PV_STORAGE;
  s->gid = type->gid; /* the storage type's global: ct__pth_storage_dtype reads it */
  s->i = numel;
  if (!(s->s = strdup(key))) return ct__err("CPU: out of memory");
  if (c->ns == c->caps) {
    size_t cap = c->caps ? c->caps * 2 : 16;
    ct_pth_value **v = realloc(c->storages, cap * sizeof *v);
    if (!v) return ct__err("CPU: out of memory");
    c->storages = v;
    c->caps = cap;
  }
  c->storages[c->ns++] = s;
  if (dt < 0) return s; /* a dtype ctorch lacks: the tensors name it (pickle.c) */
  char name[512];
  snprintf(name, sizeof name, "%sdata/%s", c->prefix, key);
  /* the entry's size is checked before anything of numel's size is allocated */
  zip_stat_t st;
  zip_int64_t idx = zip_name_locate(c->z, name, 0);
  if (idx < 0 || zip_stat_index(c->z, (zip_uint64_t)idx, 0, &st))
    return ct__err("PytorchStreamReader failed locating file %s: file not found", name);
  if (st.size != (uint64_t)nbytes)
    return ct__err("torch.load: storage %s holds %llu bytes, but the pickle declares %lld "
                   "elements of %zu bytes", key, (unsigned long long)st.size, (long long)numel, isz);
  ct_tensor *t = ct__empty((ct_dtype)dt, 1, &numel);
  if (!t) return NULL;
  s->t = ct_retain(t);
  zip_file_t *f = zip_fopen_index(c->z, (zip_uint64_t)idx, 0);
  zip_int64_t got = f ? zip_fread(f, ct__ptr(t), (zip_uint64_t)nbytes) : -1;
  int bad = !f || got != nbytes;
  const char *why = f ? zip_file_strerror(f) : zip_strerror(c->z);
  if (!bad) bad = zip_fclose(f) != 0;
  else if (f) zip_fclose(f);
  if (bad) return ct__err("PytorchStreamReader failed reading file %s: %s", name, why);
  ct__fix_loaded(t, false);
  return s;
}

/* The archive's record prefix: the directory holding data.pkl (torch.save names it after the
 * file; PyTorchStreamReader takes whatever the first entry's directory is). */
static int find_prefix(pth_ctx *c) {
  zip_int64_t n = zip_get_num_entries(c->z, 0);
  for (zip_int64_t i = 0; i < n; i++) {
    const char *nm = zip_get_name(c->z, (zip_uint64_t)i, 0);
    const char *sl = nm ? strchr(nm, '/') : NULL;
    if (sl && !strcmp(sl, "/data.pkl") && (size_t)(sl - nm) + 1 < sizeof c->prefix) {
      memcpy(c->prefix, nm, (size_t)(sl - nm) + 1);
      c->prefix[sl - nm + 1] = 0;
      return 0;
    }
  }
  return ct__errs("PytorchStreamReader failed locating file data.pkl: file not found");
}

#define PKL_MAX ((uint64_t)1 << 31) /* data.pkl holds no tensor data: 2 GB is plenty */

static ct_pth_value *load_zip(zip_t *z) {
  pth_ctx c = {.z = z};
  ct__pth_doc *doc = calloc(1, sizeof *doc);
  if (!doc) return ct__err("CPU: out of memory");
  ct_pth_value *root = NULL;
  ct_scope_begin(); /* the tensors made here are the doc's (retained) */
  char name[300];
  size_t len = 0;
  unsigned char *pkl = NULL;
  if (!find_prefix(&c)) {
    snprintf(name, sizeof name, "%sdata.pkl", c.prefix);
    pkl = read_entry(&c, name, PKL_MAX, false, &len);
  }
  if (pkl) root = ct__unpickle(doc, pkl, len, load_storage, &c);
  doc->root = root; /* so the tree can be moved into a built one (pth_write.c) */
  ct_scope_end();
  free(pkl);
  free(c.storages);
  zip_discard(z);
  if (!root) ct__pth_doc_free(doc);
  return root;
}

static ct_pth_value *open_err(int code, const char *what) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  ct__err("PytorchStreamReader failed reading zip archive%s%s: %s", what ? " " : "", what ? what : "",
          zip_error_strerror(&e));
  zip_error_fini(&e);
  return NULL;
}

/* The legacy format (torch.save(..., _use_new_zipfile_serialization=False)) starts with a
 * pickled magic number. */
static bool legacy_magic(const unsigned char *b, size_t n) {
  return n >= 2 && b[0] == 0x80 && b[1] == 0x02;
}
static void *legacy_err(void) {
  return ct__err("torch.load: this file is in the legacy (PyTorch < 1.6) format, which ctorch does "
                 "not read; re-save it with torch.save in PyTorch >= 1.6");
}

ct_pth_value *ct_pth_load(const char *path) {
  if (!path) return ct__err("ct_pth_load: path is NULL");
  FILE *f = fopen(path, "rb");
  if (!f) return ct__errno_err(path), NULL;
  unsigned char head[2];
  size_t n = fread(head, 1, 2, f);
  fclose(f);
  if (legacy_magic(head, n)) return legacy_err();
  int code = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
  if (!z) return open_err(code, path);
  return load_zip(z);
}

ct_pth_value *ct_pth_loads(const void *buf, size_t len) {
  if (!buf && len) return ct__err("ct_pth_loads: buf is NULL");
  if (legacy_magic(buf, len)) return legacy_err();
  zip_error_t e;
  zip_error_init(&e);
  zip_source_t *src = zip_source_buffer_create(buf, len, 0, &e);
  zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &e) : NULL;
  if (!z) {
    int code = zip_error_code_zip(&e);
    zip_error_fini(&e);
    if (src) zip_source_free(src);
    return open_err(code, NULL);
  }
  zip_error_fini(&e);
  return load_zip(z);
}

void ct_pth_free(ct_pth_value *root) {
  /* a built tree's inner value (pth_write.c) is freed with its root only */
  if (root && (!root->doc->root || root->doc->root == root)) ct__pth_doc_free(root->doc);
}

/* ---- accessors ---------------------------------------------------------------------------- */
ct_pth_kind ct_pth_kind_of(const ct_pth_value *v) { return v ? v->kind : CT_PTH_NONE; }

static bool want(const ct_pth_value *v, bool ok, const char *what) {
  if (!v) return ct__err("ct_pth: value is NULL"), false;
  if (!ok) ct__err("ct_pth: expected %s, got a value of kind %d", what, (int)v->kind);
  return ok;
}

bool ct_pth_bool(const ct_pth_value *v) {
  return want(v, v && v->kind == CT_PTH_BOOL, "a bool") && v->b;
}
int64_t ct_pth_int(const ct_pth_value *v) {
  return want(v, v && (v->kind == CT_PTH_INT || v->kind == CT_PTH_BOOL), "an int") ? v->i : 0;
}
double ct_pth_float(const ct_pth_value *v) {
  if (!want(v, v && (v->kind == CT_PTH_FLOAT || v->kind == CT_PTH_INT || v->kind == CT_PTH_BOOL),
            "a float"))
    return 0;
  return v->kind == CT_PTH_FLOAT ? v->f : (double)v->i;
}
const char *ct_pth_str(const ct_pth_value *v, size_t *len) {
  if (!want(v, v && (v->kind == CT_PTH_STR || v->kind == CT_PTH_BYTES), "a str")) return NULL;
  if (len) *len = v->slen;
  return v->s;
}
ct_tensor *ct_pth_tensor(const ct_pth_value *v) {
  if (!want(v, v && v->kind == CT_PTH_TENSOR, "a tensor")) return NULL;
  if (!v->t) return ct__err("torch.load: a tensor has dtype %s, which ctorch does not support", v->s);
  return v->t;
}
static bool is_seq(const ct_pth_value *v) {
  return v->kind == CT_PTH_TUPLE || v->kind == CT_PTH_LIST || v->kind == CT_PTH_DICT;
}
int64_t ct_pth_len(const ct_pth_value *v) {
  if (!want(v, v && (is_seq(v) || v->kind == CT_PTH_STR || v->kind == CT_PTH_BYTES),
            "a tuple, list, dict or str"))
    return -1;
  if (!is_seq(v)) return (int64_t)v->slen;
  return v->kind == CT_PTH_DICT ? v->n / 2 : v->n;
}
static ct_pth_value *entry(const ct_pth_value *v, int64_t i, bool key) {
  int64_t n = ct_pth_len(v);
  if (n < 0) return NULL;
  if (!is_seq(v) || (key && v->kind != CT_PTH_DICT))
    return want(v, false, key ? "a dict" : "a tuple, list or dict"), NULL;
  if (i < 0 || i >= n) return ct__err("index %lld is out of range for a length of %lld", (long long)i, (long long)n);
  return v->kind == CT_PTH_DICT ? v->items[2 * i + !key] : v->items[i];
}
ct_pth_value *ct_pth_item(const ct_pth_value *v, int64_t i) { return entry(v, i, false); }
ct_pth_value *ct_pth_key(const ct_pth_value *v, int64_t i) { return entry(v, i, true); }

static ct_pth_value *lookup(const ct_pth_value *d, const char *s, int64_t k) {
  if (!want(d, d && d->kind == CT_PTH_DICT, "a dict")) return NULL;
  for (int64_t i = 0; i < d->n; i += 2) {
    const ct_pth_value *key = d->items[i];
    if (s ? key->kind == CT_PTH_STR && !strcmp(key->s, s) : key->kind == CT_PTH_INT && key->i == k)
      return d->items[i + 1];
  }
  return NULL;
}
ct_pth_value *ct_pth_get(const ct_pth_value *d, const char *key) {
  if (!key) return ct__err("ct_pth_get: key is NULL");
  return lookup(d, key, 0);
}
ct_pth_value *ct_pth_get_int(const ct_pth_value *d, int64_t key) { return lookup(d, NULL, key); }

ct_tensor_map *ct_pth_to_tensor_map(const ct_pth_value *d) {
  if (!want(d, d && d->kind == CT_PTH_DICT, "a dict (a state_dict)")) return NULL;
  for (int64_t i = 0; i < d->n; i += 2) {
    const ct_pth_value *k = d->items[i], *v = d->items[i + 1];
    if (k->kind != CT_PTH_STR) return ct__err("torch.load: a state_dict key is not a str");
    if (v->kind != CT_PTH_TENSOR)
      return ct__err("torch.load: state_dict entry '%s' is not a tensor", k->s);
  }
  ct_tensor_map *m = ct_tensor_map_new();
  for (int64_t i = 0; m && i < d->n; i += 2)
    if (ct_tensor_map_set(m, d->items[i]->s, d->items[i + 1]->t)) {
      ct_tensor_map_free(m);
      return NULL;
    }
  return m;
}

ct_tensor_map *ct_pth_load_state_dict(const char *path) {
  ct_pth_value *root = ct_pth_load(path);
  ct_tensor_map *m = root ? ct_pth_to_tensor_map(root) : NULL;
  ct_pth_free(root);
  return m;
}
