/* torch.load of the zip format (PyTorch >= 1.6) through libzip: an archive
 *   <name>/data.pkl     the pickled object, tensors as persistent ids of storages
 *   <name>/data/<key>   each storage's raw little-endian bytes
 *   <name>/version      (and, in newer versions, byteorder)
 * libzip handles Zip64; entries are only looked up by the names built here, never extracted
 * to disk, so paths with ".." are harmless. A storage is read once, after its size in the
 * archive matches the numel the pickle declares.
 *
 * ct_pth_load maps the file. torch.save stores entries uncompressed and 64-byte aligned, so a
 * storage can be a tensor pointing into the mapping: nothing is copied or even read at load
 * time, and the mapping lives until the last such storage dies. Like torch.load (PyTorch 1.13
 * checks no CRC), no storage's CRC is checked (libzip checks one only when a read runs past
 * the entry's end, which these exact reads never do); bounds are: an entry lies in the file. The mapping is
 * private: writing to a loaded tensor copies the page, never touches the file. Other stored
 * entries (unaligned, or any of ct_pth_loads' caller-owned buffer) are copied straight from
 * memory; deflated ones are inflated by libzip.
 *
 * Memory stays bounded by the file: only the stored and deflate methods are read (torch.load's
 * miniz knows no others), a deflated entry may not claim more than deflate's 1032:1 ratio,
 * and entries may not overlap (the compressed sizes read may not add up to more than the
 * archive), so a zip bomb is refused before anything of its claimed size is allocated. */
#include "pth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

/* ---- the archive's bytes: a libzip source over memory that records where it read ---------- */
typedef struct {
  _Atomic int64_t refs;
  void *base;
  size_t len;
} pth_map; /* a file mapping, alive while the loader or a storage in it holds a reference */

static void map_release(void *ctx) {
  pth_map *m = ctx;
  if (atomic_fetch_sub(&m->refs, 1) != 1) return;
  munmap(m->base, m->len);
  free(m);
}

typedef struct {
  const unsigned char *p;
  uint64_t len, pos;
  uint64_t last_read; /* where the latest read began: a stored entry's data offset */
  zip_error_t err;
} mem_src;

static zip_int64_t mem_src_cb(void *ud, void *data, zip_uint64_t n, zip_source_cmd_t cmd) {
  mem_src *m = ud;
  switch (cmd) {
  case ZIP_SOURCE_OPEN: m->pos = 0; return 0;
  case ZIP_SOURCE_READ: {
    uint64_t k = n < m->len - m->pos ? n : m->len - m->pos;
    m->last_read = m->pos;
    memcpy(data, m->p + m->pos, k);
    m->pos += k;
    return (zip_int64_t)k;
  }
  case ZIP_SOURCE_CLOSE:
  case ZIP_SOURCE_FREE: return 0;
  case ZIP_SOURCE_STAT: {
    zip_stat_t *st = data;
    zip_stat_init(st);
    st->size = m->len;
    st->valid |= ZIP_STAT_SIZE;
    return sizeof *st;
  }
  case ZIP_SOURCE_ERROR: return zip_error_to_data(&m->err, data, n);
  case ZIP_SOURCE_SEEK: {
    zip_int64_t np = zip_source_seek_compute_offset(m->pos, m->len, data, n, &m->err);
    if (np < 0) return -1;
    m->pos = (uint64_t)np;
    return 0;
  }
  case ZIP_SOURCE_TELL: return (zip_int64_t)m->pos;
  case ZIP_SOURCE_SUPPORTS:
    return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                          ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                          ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL, ZIP_SOURCE_SUPPORTS, -1);
  default: zip_error_set(&m->err, ZIP_ER_OPNOTSUPP, 0); return -1;
  }
}

typedef struct {
  zip_t *z;
  mem_src *src;
  pth_map *map;   /* the file's mapping, or NULL (ct_pth_loads) */
  uint64_t comp_read; /* compressed bytes of the entries read so far */
  char prefix[256]; /* "<name>/" */
  ct__pth_storages storages; /* loaded so far, by key */
} pth_ctx;

/* Find entry name and check what it claims before anything of its size is allocated. */
static zip_int64_t locate(pth_ctx *c, const char *name, zip_stat_t *st) {
  zip_int64_t idx = zip_name_locate(c->z, name, 0);
  if (idx < 0 || zip_stat_index(c->z, (zip_uint64_t)idx, 0, st) || !(st->valid & ZIP_STAT_SIZE) ||
      !(st->valid & ZIP_STAT_COMP_SIZE) || !(st->valid & ZIP_STAT_COMP_METHOD))
    return ct__errs("PytorchStreamReader failed locating file %s: file not found", name);
  if (st->comp_method != ZIP_CM_STORE && st->comp_method != ZIP_CM_DEFLATE)
    return ct__errs("torch.load: archive entry %s is compressed with method %d; only stored and "
                    "deflated entries are read", name, (int)st->comp_method);
  uint64_t most = st->comp_method == ZIP_CM_STORE ? st->comp_size : st->comp_size * 1032 + 64;
  if (st->size > most || st->comp_size > c->src->len)
    return ct__errs("torch.load: archive entry %s claims %llu bytes from %llu compressed ones, "
                    "more than its method can produce (a zip bomb?)", name,
                    (unsigned long long)st->size, (unsigned long long)st->comp_size);
  c->comp_read += st->comp_size;
  if (c->comp_read > c->src->len)
    return ct__errs("torch.load: the archive's entries overlap: they hold more compressed bytes "
                    "than the file (a zip bomb?)");
  return idx;
}

/* Read entry idx (size bytes) into dst. 0 or -1. */
static int read_into(pth_ctx *c, zip_int64_t idx, const char *name, void *dst, uint64_t size) {
  zip_file_t *f = zip_fopen_index(c->z, (zip_uint64_t)idx, 0);
  zip_int64_t got = f ? zip_fread(f, dst, size) : -1;
  const char *why = f ? zip_file_strerror(f) : zip_strerror(c->z);
  if (f && got == (zip_int64_t)size && zip_fclose(f) == 0) return 0;
  ct__errs("PytorchStreamReader failed reading file %s: %s", name, why);
  if (f) zip_fclose(f);
  return -1;
}

/* The whole entry called name, at most max bytes. */
static unsigned char *read_entry(pth_ctx *c, const char *name, uint64_t max, size_t *len) {
  zip_stat_t st;
  zip_int64_t idx = locate(c, name, &st);
  if (idx < 0) return NULL;
  if (st.size > max)
    return ct__err("torch.load: archive entry %s holds %llu bytes, expected at most %llu", name,
                   (unsigned long long)st.size, (unsigned long long)max);
  unsigned char *buf = malloc(st.size ? st.size : 1);
  if (!buf) return ct__err("CPU: out of memory");
  if (read_into(c, idx, name, buf, st.size)) {
    free(buf);
    return NULL;
  }
  *len = st.size;
  return buf;
}

/* Where the bytes of a stored entry lie in the archive's memory (found by reading its first
 * byte through libzip and noting where that read landed); NULL for any other entry. */
static const unsigned char *stored_data(pth_ctx *c, zip_int64_t idx, const zip_stat_t *st) {
  if (st->comp_method != ZIP_CM_STORE || !st->size) return NULL;
  unsigned char probe;
  zip_file_t *f = zip_fopen_index(c->z, (zip_uint64_t)idx, 0);
  bool ok = f && zip_fread(f, &probe, 1) == 1;
  uint64_t off = c->src->last_read;
  if (f) zip_fclose(f);
  if (!ok || off > c->src->len || st->size > c->src->len - off || c->src->p[off] != probe) return NULL;
  return c->src->p + off;
}

/* A storage's flat tensor: over the mapping for a stored, 64-byte aligned entry of a mapped
 * file; copied from memory for another stored entry; read through libzip (inflated) else. */
static ct_tensor *storage_tensor(pth_ctx *c, zip_int64_t idx, const zip_stat_t *st, const char *name,
                                 ct_dtype dt, int64_t numel) {
  const unsigned char *data = stored_data(c, idx, st);
  if (data && c->map && (uintptr_t)data % 64 == 0) {
    atomic_fetch_add(&c->map->refs, 1);
    ct_tensor *t = ct__from_external((void *)data, dt, numel, map_release, c->map);
    if (!t) map_release(c->map);
    return t;
  }
  ct_tensor *t = ct__empty(dt, 1, &numel);
  if (!t) return NULL;
  if (data) memcpy(ct__ptr(t), data, st->size);
  else if (read_into(c, idx, name, ct__ptr(t), st->size)) return NULL; /* the scope frees t */
  return t;
}

ct_pth_value *ct__pth_storage_get(ct__pth_storages *tab, ct__pth_doc *doc, ct_pth_value *type,
                                  const char *key, int64_t numel, bool *made, int *dt, size_t *isz) {
  const char *dtname;
  *dt = ct__pth_storage_dtype(type, &dtname, isz);
  *made = false;
  for (size_t i = 0; i < tab->n; i++) {
    ct_pth_value *s = tab->v[i];
    if (strcmp(s->s, key)) continue;
    if (s->gid != type->gid || s->i != numel)
      return ct__err("torch.load: storage %s is named with two different types or sizes", key);
    return s;
  }
  if (strlen(key) > 64 || strspn(key, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(key))
    return ct__err("torch.load: bad storage key '%s'", key);
  int64_t nbytes;
  if (__builtin_mul_overflow(numel, (int64_t)*isz, &nbytes))
    return ct__err("torch.load: storage %s of %lld elements is too large", key, (long long)numel);
  ct_pth_value *s = ct__pth_new(doc, CT_PTH_OTHER);
  if (!s) return NULL;
  s->other = PV_STORAGE;
  s->gid = type->gid; /* the storage type's global: ct__pth_storage_dtype reads it */
  s->i = numel;
  if (!(s->s = strdup(key))) return ct__err("CPU: out of memory");
  if (tab->n == tab->cap) {
    size_t cap = tab->cap ? tab->cap * 2 : 16;
    ct_pth_value **v = realloc(tab->v, cap * sizeof *v);
    if (!v) return ct__err("CPU: out of memory");
    tab->v = v;
    tab->cap = cap;
  }
  tab->v[tab->n++] = s;
  *made = true;
  return s;
}

static ct_pth_value *load_storage(void *ctx, ct__pth_doc *doc, ct_pth_value *type,
                                  const char *key, int64_t numel) {
  pth_ctx *c = ctx;
  int dt;
  size_t isz;
  bool made;
  ct_pth_value *s = ct__pth_storage_get(&c->storages, doc, type, key, numel, &made, &dt, &isz);
  if (!s || !made) return s;
  int64_t nbytes = numel * (int64_t)isz; /* checked by ct__pth_storage_get */
  if (dt < 0) return s; /* a dtype ctorch lacks: the tensors name it (pickle.c) */
  char name[512];
  snprintf(name, sizeof name, "%sdata/%s", c->prefix, key);
  zip_stat_t st;
  zip_int64_t idx = locate(c, name, &st);
  if (idx < 0) return NULL;
  if (st.size != (uint64_t)nbytes)
    return ct__err("torch.load: storage %s holds %llu bytes, but the pickle declares %lld "
                   "elements of %zu bytes", key, (unsigned long long)st.size, (long long)numel, isz);
  ct_tensor *t = storage_tensor(c, idx, &st, name, (ct_dtype)dt, numel);
  if (!t) return NULL;
  s->t = ct_retain(t);
  if ((ct_dtype)dt == CT_BOOL) ct__fix_loaded(t, false); /* mapped, the page is copied */
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

/* The zip archive in len bytes at p (map: its file mapping, or NULL). */
static ct_pth_value *load_zip(const unsigned char *p, size_t len, pth_map *map, const char *path) {
  mem_src src = {.p = p, .len = len};
  zip_error_init(&src.err);
  zip_error_t e;
  zip_error_init(&e);
  zip_source_t *zs = zip_source_function_create(mem_src_cb, &src, &e);
  zip_t *z = zs ? zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, &e) : NULL;
  if (!z) {
    zip_error_t *why = zs ? &e : &src.err;
    ct__err("PytorchStreamReader failed reading zip archive%s%s: %s", path ? " " : "",
            path ? path : "", zip_error_strerror(why));
    if (zs) zip_source_free(zs);
    zip_error_fini(&e);
    zip_error_fini(&src.err);
    return NULL;
  }
  zip_error_fini(&e);
  pth_ctx c = {.z = z, .src = &src, .map = map};
  ct__pth_doc *doc = calloc(1, sizeof *doc);
  ct_pth_value *root = NULL;
  ct_scope_begin(); /* the tensors made here are the doc's (retained) */
  char name[300];
  size_t plen = 0;
  unsigned char *pkl = NULL;
  if (!doc) ct__err("CPU: out of memory");
  else if (!find_prefix(&c)) {
    snprintf(name, sizeof name, "%sdata.pkl", c.prefix);
    pkl = read_entry(&c, name, PKL_MAX, &plen);
  }
  if (pkl) root = ct__unpickle(doc, pkl, plen, load_storage, &c);
  if (doc) doc->root = root; /* so the tree can be moved into a built one (pth_write.c) */
  ct_scope_end();
  free(pkl);
  free(c.storages.v);
  zip_discard(z);
  zip_error_fini(&src.err);
  if (!root) ct__pth_doc_free(doc);
  return root;
}

ct_pth_value *ct_pth_load(const char *path) {
  if (!path) return ct__err("ct_pth_load: path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb)) {
    ct__errno_err(path);
    if (fd >= 0) close(fd);
    return NULL;
  }
  if (S_ISDIR(sb.st_mode)) {
    close(fd);
    errno = EISDIR;
    return ct__errno_err(path), NULL;
  }
  size_t len = (size_t)sb.st_size;
  pth_map *map = calloc(1, sizeof *map);
  void *base = len && map ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : NULL;
  close(fd);
  if (!map || base == MAP_FAILED) {
    free(map);
    return ct__err("torch.load: cannot map %s: %s", path, map ? strerror(errno) : "out of memory");
  }
  *map = (pth_map){.base = base, .len = len};
  atomic_init(&map->refs, 1);
  ct_pth_value *r;
  if (ct__pth_is_legacy(base, len)) r = ct__pth_load_legacy(base, len);
  else r = load_zip(len ? base : (const unsigned char *)"", len, len ? map : NULL, path);
  if (len) map_release(map); /* the storages in the mapping hold their own references */
  else free(map);
  return r;
}

ct_pth_value *ct_pth_loads(const void *buf, size_t len) {
  if (!buf && len) return ct__err("ct_pth_loads: buf is NULL");
  if (!buf) buf = "";
  if (ct__pth_is_legacy(buf, len)) return ct__pth_load_legacy(buf, len);
  return load_zip(buf, len, NULL, NULL);
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
