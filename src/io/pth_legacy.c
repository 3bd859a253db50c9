/* torch.load of the legacy format, torch.save(..., _use_new_zipfile_serialization=False) and
 * every PyTorch < 1.6: one stream of
 *   pickle  the magic number 0x1950a86a20f9469cfc6c
 *   pickle  the protocol version, 1001
 *   pickle  sys_info {'protocol_version', 'little_endian', 'type_sizes'} (torch.load ignores it)
 *   pickle  the object; each storage a persistent id ('storage', type, key, location, numel,
 *           view_metadata)
 *   pickle  the storage keys, in the order their data follows
 *   per key an int64 element count (little-endian), then count * itemsize raw bytes.
 * The same restricted unpickler reads every pickle. A storage is allocated only when the
 * bytes left in the file can hold it, so a declared size never costs more memory than the
 * file's length; its bytes are copied in once the keys list says where they are. */
#include "pth_internal.h"

#define LEGACY_PROTOCOL 1001

bool ct__pth_is_legacy(const unsigned char *p, size_t len) {
  return len >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5; /* PROTO 2..5; a zip starts "PK" */
}

/* The magic number pickle: PROTO, an optional FRAME, LONG1 of 10 bytes, STOP. */
static size_t magic_len(const unsigned char *p, size_t len) {
  static const unsigned char magic[] = {0x8a, 10,   0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                        0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};
  size_t pos = 2;
  if (len > pos && p[pos] == 0x95) pos += 9;
  if (len < pos + sizeof magic || memcmp(p + pos, magic, sizeof magic)) return 0;
  return pos + sizeof magic;
}

typedef struct {
  ct__pth_storages storages;
  uint64_t budget; /* bytes of the file not yet promised to a storage */
} legacy_ctx;

/* No persistent ids outside the object's pickle. */
static ct_pth_value *no_storage(void *ctx, ct__pth_doc *doc, ct_pth_value *type, const char *key,
                                int64_t numel) {
  (void)ctx, (void)doc, (void)type, (void)numel;
  return ct__err("torch.load: storage %s outside the pickled object", key);
}

static ct_pth_value *declare_storage(void *ctx, ct__pth_doc *doc, ct_pth_value *type,
                                     const char *key, int64_t numel) {
  legacy_ctx *c = ctx;
  int dt;
  size_t isz;
  bool made;
  ct_pth_value *s = ct__pth_storage_get(&c->storages, doc, type, key, numel, &made, &dt, &isz);
  if (!s || !made) return s;
  uint64_t nbytes = (uint64_t)numel * isz; /* checked by ct__pth_storage_get */
  if (nbytes + 8 > c->budget)
    return ct__err("torch.load: storage %s declares %lld elements of %zu bytes, more than the "
                   "file holds", key, (long long)numel, isz);
  c->budget -= nbytes + 8;
  if (dt < 0) return s; /* a dtype ctorch lacks: its bytes are skipped, its tensors named */
  ct_tensor *t = ct__empty((ct_dtype)dt, 1, &numel);
  if (!t) return NULL;
  s->t = ct_retain(t);
  return s;
}

/* One small pickle of the header (no storages) into a throwaway doc; its root, or NULL. */
static ct_pth_value *header(ct__pth_doc *tmp, const unsigned char *p, size_t len, size_t *pos) {
  size_t used;
  ct_pth_value *v = ct__unpickle_prefix(tmp, p + *pos, len - *pos, &used, no_storage, NULL);
  *pos += used;
  return v;
}

/* The storage bytes after the keys list, in its order. */
static int read_storages(legacy_ctx *c, const ct_pth_value *keys, const unsigned char *p,
                         size_t len, size_t pos) {
  if (keys->kind != CT_PTH_LIST)
    return ct__errs("torch.load: the storage keys are not a list");
  for (int64_t i = 0; i < keys->n; i++) {
    const ct_pth_value *k = keys->items[i];
    ct_pth_value *s = NULL;
    for (size_t j = 0; k->kind == CT_PTH_STR && j < c->storages.n; j++)
      if (!strcmp(c->storages.v[j]->s, k->s)) s = c->storages.v[j];
    if (!s) return ct__errs("torch.load: storage key %lld is not a storage of the pickle", (long long)i);
    const char *dtname;
    size_t isz;
    ct__pth_storage_dtype(s, &dtname, &isz);
    if (len - pos < 8) return ct__errs("torch.load: storage %s: the file ends early", s->s);
    int64_t count;
    memcpy(&count, p + pos, 8);
    pos += 8;
    if (count != s->i)
      return ct__errs("storage has wrong size: expected %lld got %lld", (long long)s->i, (long long)count);
    size_t nbytes = (size_t)count * isz;
    if (len - pos < nbytes) return ct__errs("torch.load: storage %s: the file ends early", s->s);
    if (s->t) {
      memcpy(ct__ptr(s->t), p + pos, nbytes);
      ct__fix_loaded(s->t, false);
    }
    s->b = true; /* filled */
    pos += nbytes;
  }
  for (size_t j = 0; j < c->storages.n; j++)
    if (!c->storages.v[j]->b)
      return ct__errs("torch.load: storage %s has no data in the file", c->storages.v[j]->s);
  return 0;
}

ct_pth_value *ct__pth_load_legacy(const unsigned char *p, size_t len) {
  size_t pos = magic_len(p, len);
  if (!pos) return ct__err("Invalid magic number; corrupt file?");
  ct__pth_doc *tmp = calloc(1, sizeof *tmp), *doc = calloc(1, sizeof *doc);
  legacy_ctx c = {0};
  ct_pth_value *root = NULL, *v = NULL;
  if (!tmp || !doc) {
    ct__err("CPU: out of memory");
    goto done;
  }
  if (!(v = header(tmp, p, len, &pos))) goto done;
  if (v->kind != CT_PTH_INT || v->i != LEGACY_PROTOCOL) {
    ct__err("Invalid protocol version: %lld", v->kind == CT_PTH_INT ? (long long)v->i : -1LL);
    goto done;
  }
  if (!header(tmp, p, len, &pos)) goto done; /* sys_info */
  ct_scope_begin(); /* the tensors made here are the doc's (retained) */
  size_t used;
  c.budget = len - pos;
  root = ct__unpickle_prefix(doc, p + pos, len - pos, &used, declare_storage, &c);
  ct_scope_end();
  if (!root) goto done;
  pos += used;
  if (!(v = header(tmp, p, len, &pos)) || read_storages(&c, v, p, len, pos)) root = NULL;
  doc->root = root; /* as the zip loader: the tree can be moved into a built one (pth_write.c) */
done:
  free(c.storages.v);
  ct__pth_doc_free(tmp);
  if (!root) ct__pth_doc_free(doc);
  return root;
}
