/* The pieces of torch.load (pth.c: the zip archive and the public API; pickle.c: the object
 * tree and the restricted unpickler). Internal to src/io/. */
#ifndef CT_IO_PTH_INTERNAL_H
#define CT_IO_PTH_INTERNAL_H

#include "ctorch/pth.h"
#include "io_common.h"

/* What a CT_PTH_OTHER value is. */
enum { PV_NONE = 0, PV_GLOBAL, PV_STORAGE, PV_ODICT /* a dict that is an OrderedDict */ };

/* Every value of one load lives in its doc and dies with it, so the memo's sharing and even
 * reference cycles a hostile pickle can build never leak or double-free. */
typedef struct ct__pth_doc {
  ct_pth_value **vals;
  size_t n, cap;
  ct_pth_value *root; /* a built tree's root (pth_write.c); NULL for a loaded one */
} ct__pth_doc;

struct ct_pth_value {
  ct_pth_kind kind;
  int other;          /* PV_* of a CT_PTH_OTHER */
  int gid;            /* PV_GLOBAL: which global; PV_STORAGE: its dtype (or -1) */
  bool b;
  int64_t i;          /* int; PV_STORAGE: numel */
  double f;
  char *s;            /* str / bytes / a global's or an unsupported dtype's name */
  size_t slen;
  ct_pth_value **items; /* tuple / list items; dict: key, value, key, value, ... */
  int64_t n, cap;       /* items (a dict holds 2 n) */
  ct_tensor *t;         /* tensor (NULL for a dtype ctorch lacks, named by s); PV_STORAGE: its
                         * flat base tensor, or NULL for a dtype ctorch lacks */
  ct__pth_doc *doc;
  ct_pth_value *state; /* a built OrderedDict's __dict__ ({'_metadata': ...}), pickled by BUILD */
};

/* persistent_load(pid) for a ('storage', type, key, location, numel) tuple (checked by the
 * unpickler): the storage value, the same one for the same key. NULL + error. */
typedef ct_pth_value *(*ct__pth_storage_fn)(void *ctx, ct__pth_doc *doc, ct_pth_value *type,
                                            const char *key, int64_t numel);

/* The storages of one load by key, shared by every tensor naming the key (pth.c). */
typedef struct ct__pth_storages {
  ct_pth_value **v;
  size_t n, cap;
} ct__pth_storages;
/* The storage value called key: the one made before (which must have the same type and
 * numel), or, with *made set, a new one with no tensor yet (the caller checks the bytes the
 * file holds before allocating numel's worth). *dt and *isz get ct__pth_storage_dtype's
 * answers for type. NULL + error. */
ct_pth_value *ct__pth_storage_get(ct__pth_storages *tab, ct__pth_doc *doc, ct_pth_value *type,
                                  const char *key, int64_t numel, bool *made, int *dt, size_t *isz);

ct_pth_value *ct__pth_new(ct__pth_doc *doc, ct_pth_kind kind);
void ct__pth_doc_free(ct__pth_doc *doc);
/* The storage type global's dtype: a ctorch dtype, or -1 with *name (e.g. "torch.float16")
 * and *itemsize set for one ctorch lacks. */
int ct__pth_storage_dtype(const ct_pth_value *type, const char **name, size_t *itemsize);
/* Unpickle len bytes into doc; the root, or NULL + error. */
ct_pth_value *ct__unpickle(ct__pth_doc *doc, const unsigned char *p, size_t len,
                           ct__pth_storage_fn storage, void *ctx);
/* The pickle at the start of p (the legacy format holds several in a row): *used gets the
 * bytes up to and including its STOP. */
ct_pth_value *ct__unpickle_prefix(ct__pth_doc *doc, const unsigned char *p, size_t len, size_t *used,
                                  ct__pth_storage_fn storage, void *ctx);
/* The legacy format (torch.save(..., _use_new_zipfile_serialization=False)) from len bytes
 * that start with its magic number pickle; NULL + error. */
bool ct__pth_is_legacy(const unsigned char *p, size_t len);
ct_pth_value *ct__pth_load_legacy(const unsigned char *p, size_t len);

/* ---- writing (pickle_write.c, pth_write.c) ---- */
/* The storages a pickle names, by key: one tensor on each (borrowed from the tree). */
typedef struct ct__pth_wstorages {
  const ct_tensor **t;
  size_t n, cap;
} ct__pth_wstorages;
/* Pickle root as torch.save (protocol 2) does into out (a ct__strbuf, bytes), collecting the
 * storages its tensors name in st. 0 or -1 + error. */
struct ct__strbuf;
int ct__pickle(const ct_pth_value *root, struct ct__strbuf *out, ct__pth_wstorages *st);
/* Append x to the items of c (a tuple, list, or dict's key / value). 0 or -1. */
int ct__pth_push(ct_pth_value *c, ct_pth_value *x);
/* The storage class's name ("FloatStorage") of a ctorch dtype. */
const char *ct__pth_storage_class(ct_dtype dt);

#endif
