/* torch.save: building ct_pth_value trees in C and writing them as PyTorch 1.13 does, through
 * libzip:
 *   <name>/data.pkl    the pickle (pickle_write.c)
 *   <name>/data/<key>  each storage's bytes, keys in Python's sorted (string) order
 *   <name>/version     "3\n"
 * every entry stored uncompressed with its data 64-byte aligned by an "FB" extra field of
 * 'Z's in its local header, as caffe2's PyTorchStreamWriter pads them (so a reader can map
 * the storages). libzip writes a file through a temporary it renames over path at the end.
 * A built tree is one doc, like a loaded one (pickle.c): adding a root to a container moves
 * its values into the container's doc, so the outermost root frees everything. */
#include "pth_internal.h"

#include <time.h>
#include <zip.h>

#include "../tensor/strbuf.h"

/* ---- building ------------------------------------------------------------------------------ */
static ct_pth_value *new_root(ct_pth_kind kind) {
  ct__pth_doc *doc = calloc(1, sizeof *doc);
  if (!doc) return ct__err("CPU: out of memory");
  ct_pth_value *v = ct__pth_new(doc, kind);
  if (!v) {
    ct__pth_doc_free(doc);
    return NULL;
  }
  doc->root = v;
  return v;
}

ct_pth_value *ct_pth_new_none(void) { return new_root(CT_PTH_NONE); }
ct_pth_value *ct_pth_new_list(void) { return new_root(CT_PTH_LIST); }
ct_pth_value *ct_pth_new_tuple(void) { return new_root(CT_PTH_TUPLE); }
ct_pth_value *ct_pth_new_dict(void) { return new_root(CT_PTH_DICT); }
ct_pth_value *ct_pth_new_ordered_dict(void) {
  ct_pth_value *v = new_root(CT_PTH_DICT);
  if (v) v->other = PV_ODICT;
  return v;
}
ct_pth_value *ct_pth_new_bool(bool b) {
  ct_pth_value *v = new_root(CT_PTH_BOOL);
  if (v) v->b = b, v->i = b;
  return v;
}
ct_pth_value *ct_pth_new_int(int64_t i) {
  ct_pth_value *v = new_root(CT_PTH_INT);
  if (v) v->i = i;
  return v;
}
ct_pth_value *ct_pth_new_float(double f) {
  ct_pth_value *v = new_root(CT_PTH_FLOAT);
  if (v) v->f = f;
  return v;
}

/* A str value in doc (the root's when doc is NULL). */
static ct_pth_value *str_in(ct__pth_doc *doc, const char *s) {
  if (!s) return ct__err("ct_pth_new_str: s is NULL");
  size_t n = strlen(s);
  if (!ct__utf8_valid((const unsigned char *)s, n))
    return ct__err("ct_pth_new_str: the string is not valid UTF-8");
  ct_pth_value *v = doc ? ct__pth_new(doc, CT_PTH_STR) : new_root(CT_PTH_STR);
  if (v && !(v->s = strdup(s))) return ct__err("CPU: out of memory");
  if (v) v->slen = n;
  return v;
}
ct_pth_value *ct_pth_new_str(const char *s) { return str_in(NULL, s); }

ct_pth_value *ct_pth_new_tensor(ct_tensor *t) {
  if (!t) return ct__err("ct_pth_new_tensor: tensor is NULL");
  ct_pth_value *v = new_root(CT_PTH_TENSOR);
  if (v) v->t = ct_retain(t);
  return v;
}

/* Moves child's tree into parent's; consumes child unless it is no root (then -1, untouched). */
static int adopt(ct_pth_value *parent, ct_pth_value *child, bool ok, const char *what) {
  if (!child) /* its constructor failed and said why, or the caller gave NULL */
    return ct_last_error() ? -1 : ct__errs("ct_pth: the value to add is NULL");
  ct__pth_doc *pd = parent ? parent->doc : NULL, *cd = child->doc;
  if (cd->root != child || cd == pd)
    return ct__errs("ct_pth: the value is already inside a tree (only a root can be added)");
  if (!parent || !ok) {
    ct_pth_free(child);
    return parent ? ct__errs("ct_pth: expected %s, got a value of kind %d", what, (int)parent->kind)
                  : ct__errs("ct_pth: container is NULL");
  }
  if (pd->cap < pd->n + cd->n) {
    ct_pth_value **v = realloc(pd->vals, (pd->n + cd->n) * sizeof *v);
    if (!v) {
      ct_pth_free(child);
      return ct__errs("CPU: out of memory");
    }
    pd->vals = v, pd->cap = pd->n + cd->n;
  }
  for (size_t i = 0; i < cd->n; i++) {
    cd->vals[i]->doc = pd;
    pd->vals[pd->n++] = cd->vals[i];
  }
  free(cd->vals);
  free(cd);
  return 0;
}

int ct_pth_append(ct_pth_value *seq, ct_pth_value *item) {
  bool ok = seq && (seq->kind == CT_PTH_LIST || seq->kind == CT_PTH_TUPLE);
  return adopt(seq, item, ok, "a list or tuple") ? -1 : ct__pth_push(seq, item);
}

/* d[key] = v with key already a value of d's doc. */
static int dict_put(ct_pth_value *d, ct_pth_value *key, ct_pth_value *v) {
  for (int64_t i = 0; i < d->n; i += 2) {
    const ct_pth_value *k = d->items[i];
    if (k->kind == key->kind &&
        (key->kind == CT_PTH_STR ? !strcmp(k->s, key->s) : k->i == key->i)) {
      d->items[i + 1] = v; /* the old value stays in the doc until the root is freed */
      return 0;
    }
  }
  return ct__pth_push(d, key) || ct__pth_push(d, v) ? -1 : 0;
}

int ct_pth_dict_set(ct_pth_value *d, const char *key, ct_pth_value *v) {
  if (!key) {
    if (v && v->doc->root == v) ct_pth_free(v);
    return ct__errs("ct_pth_dict_set: key is NULL");
  }
  if (adopt(d, v, d && d->kind == CT_PTH_DICT, "a dict")) return -1;
  ct_pth_value *k = str_in(d->doc, key);
  return k ? dict_put(d, k, v) : -1;
}

int ct_pth_dict_set_int(ct_pth_value *d, int64_t key, ct_pth_value *v) {
  if (adopt(d, v, d && d->kind == CT_PTH_DICT, "a dict")) return -1;
  ct_pth_value *k = ct__pth_new(d->doc, CT_PTH_INT);
  if (!k) return -1;
  k->i = key;
  return dict_put(d, k, v);
}

int ct_pth_set_metadata(ct_pth_value *od, ct_pth_value *metadata) {
  bool ok = od && od->kind == CT_PTH_DICT && od->other == PV_ODICT && !od->state;
  if (adopt(od, metadata, ok, "an OrderedDict without _metadata")) return -1;
  ct_pth_value *st = ct__pth_new(od->doc, CT_PTH_DICT), *k = st ? str_in(od->doc, "_metadata") : NULL;
  if (!k || dict_put(st, k, metadata)) return -1;
  od->state = st;
  return 0;
}

ct_pth_value *ct_pth_from_tensor_map(const ct_tensor_map *sd) {
  if (!sd) return ct__err("ct_pth_from_tensor_map: state_dict is NULL");
  ct_pth_value *d = ct_pth_new_ordered_dict();
  int n = ct_tensor_map_size(sd), rc = d ? 0 : -1;
  ct_scope_begin();
  for (int i = 0; i < n && !rc; i++) /* state_dict() holds detached tensors */
    rc = ct_pth_dict_set(d, ct_tensor_map_name(sd, i), ct_pth_new_tensor(ct_detach(ct_tensor_map_at(sd, i))));
  ct_scope_end();
  if (rc) ct_pth_free(d);
  return rc ? NULL : d;
}

/* ---- the archive --------------------------------------------------------------------------- */
#define ALIGN 64        /* caffe2::serialize::kFieldAlignment */
#define FB_ID 0x4246    /* the padding field's id: the bytes "FB" */
#define ZIP_LOCAL_HDR 30

typedef struct {
  zip_t *z;
  const char *arch;
  uint64_t off; /* where the next local header starts */
  time_t mtime;
} zw;

static int zip_fail(zip_t *z, const char *what) {
  return ct__errs("PytorchStreamWriter failed writing %s: %s", what, zip_strerror(z));
}

/* One stored entry "<arch>/<rel>" of n bytes at data (which must live until zip_close). */
static int add_entry(zw *w, const char *rel, const void *data, uint64_t n) {
  char name[1024];
  snprintf(name, sizeof name, "%s/%s", w->arch, rel);
  zip_source_t *src = zip_source_buffer(w->z, data, n, 0);
  zip_int64_t idx = src ? zip_file_add(w->z, name, src, 0) : -1;
  if (idx < 0) {
    if (src) zip_source_free(src);
    return zip_fail(w->z, name);
  }
  /* pad the local header so the data starts on a multiple of 64, as torch.save does; a
   * field is at least its 4-byte head, and libzip adds a Zip64 field of 20 past 4 GB */
  uint64_t hdr = ZIP_LOCAL_HDR + strlen(name) + (n >= 0xFFFFFFFFull ? 20 : 0);
  uint64_t pad = (ALIGN - (w->off + hdr) % ALIGN) % ALIGN;
  if (pad && pad < 4) pad += ALIGN;
  static const char zs[ALIGN + 4] = "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
  if (zip_set_file_compression(w->z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) ||
      zip_file_set_mtime(w->z, (zip_uint64_t)idx, w->mtime, 0) ||
      (pad && zip_file_extra_field_set(w->z, (zip_uint64_t)idx, FB_ID, ZIP_EXTRA_FIELD_NEW,
                                       (const zip_uint8_t *)zs, (zip_uint16_t)(pad - 4), ZIP_FL_LOCAL)))
    return zip_fail(w->z, name);
  w->off += hdr + pad + n;
  return 0;
}

/* Python's sorted() of the keys "0", "1", ...: as strings ("10" before "2"). */
static int key_cmp(const void *a, const void *b) {
  char x[16], y[16];
  snprintf(x, sizeof x, "%zu", *(const size_t *)a);
  snprintf(y, sizeof y, "%zu", *(const size_t *)b);
  return strcmp(x, y);
}

/* Pickles root and writes the archive into z, closing it (discarding it on failure). */
static int write_archive(zip_t *z, const char *arch, const ct_pth_value *root) {
  struct tm tm = {.tm_year = 80, .tm_mday = 1, .tm_isdst = -1}; /* 1980-01-01: reproducible */
  zw w = {.z = z, .arch = arch, .mtime = mktime(&tm)};
  ct__strbuf pkl = {0};
  ct__pth_wstorages st = {0};
  size_t *order = NULL;
  int rc = ct__pickle(root, &pkl, &st);
  if (!rc) rc = add_entry(&w, "data.pkl", pkl.s, pkl.len);
  if (!rc && st.n && !(order = malloc(st.n * sizeof *order))) rc = ct__errs("CPU: out of memory");
  for (size_t i = 0; !rc && i < st.n; i++) order[i] = i;
  if (!rc && st.n) qsort(order, st.n, sizeof *order, key_cmp);
  for (size_t i = 0; !rc && i < st.n; i++) {
    char rel[32];
    snprintf(rel, sizeof rel, "data/%zu", order[i]);
    const ct_storage *s = st.t[order[i]]->storage;
    rc = add_entry(&w, rel, s->data, s->nbytes);
  }
  if (!rc) rc = add_entry(&w, "version", "3\n", 2);
  if (!rc && zip_close(z)) rc = zip_fail(z, "the archive");
  if (rc) zip_discard(z);
  free(pkl.s);
  free(st.t);
  free(order);
  return rc;
}

/* caffe2's basename(): the file's name past the last '/', without its extension. */
static void archive_name(const char *path, char *out, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t n = dot ? (size_t)(dot - b) : strlen(b);
  if (n >= cap) n = cap - 1;
  memcpy(out, b, n);
  out[n] = 0;
  if (!n) snprintf(out, cap, "archive");
}

int ct_pth_save(const char *path, const ct_pth_value *root) {
  if (!path || !root) return ct__errs("ct_pth_save: path or value is NULL");
  char arch[200];
  archive_name(path, arch, sizeof arch);
  int code = 0;
  zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!z) {
    zip_error_t e;
    zip_error_init_with_code(&e, code);
    ct__errs("PytorchStreamWriter failed opening %s: %s", path, zip_error_strerror(&e));
    zip_error_fini(&e);
    return -1;
  }
  return write_archive(z, arch, root);
}

/* The bytes a zip source holds (malloc'd). */
static void *source_bytes(zip_source_t *src, size_t *len) {
  zip_stat_t st;
  void *buf = NULL;
  if (zip_source_stat(src, &st) || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src))
    return ct__err("ct_pth_dumps: cannot read the archive back: %s",
                   zip_error_strerror(zip_source_error(src)));
  if (!(buf = malloc(st.size ? st.size : 1))) ct__err("CPU: out of memory");
  else if (zip_source_read(src, buf, st.size) != (zip_int64_t)st.size) {
    free(buf);
    buf = ct__err("ct_pth_dumps: cannot read the archive back");
  }
  zip_source_close(src);
  if (buf) *len = st.size;
  return buf;
}

void *ct_pth_dumps(const ct_pth_value *root, size_t *len) {
  if (!root || !len) return ct__err("ct_pth_dumps: value or len is NULL");
  zip_error_t e;
  zip_error_init(&e);
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &e);
  zip_t *z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &e) : NULL;
  if (!z) {
    ct__err("ct_pth_dumps: %s", zip_error_strerror(&e));
    zip_error_fini(&e);
    if (src) zip_source_free(src);
    return NULL;
  }
  zip_error_fini(&e);
  zip_source_keep(src); /* zip_close drops the archive's reference: the bytes stay here */
  void *buf = write_archive(z, "archive", root) ? NULL : source_bytes(src, len);
  zip_source_free(src);
  return buf;
}

int ct_pth_save_state_dict(const char *path, const ct_tensor_map *sd) {
  ct_pth_value *d = ct_pth_from_tensor_map(sd);
  int rc = d ? ct_pth_save(path, d) : -1;
  ct_pth_free(d);
  return rc;
}
