/* The pickler of torch.save: a ct_pth_value tree to the protocol 2 pickle PyTorch 1.13 writes
 * into data.pkl, opcode for opcode as Python's pickle.Pickler does it (every str, tuple, list,
 * dict, global and reduced object memoized in order, BINGET for one seen before, items in
 * batches of 1000), so a state_dict pickles to the same bytes as in torch.save. Tensors
 * become torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * OrderedDict()) with the storage as the persistent id ('storage', torch.<T>Storage, key,
 * 'cpu', numel); keys number the storages in the order they are first met. */
#include "pth_internal.h"

#include "../tensor/strbuf.h"

#define MAX_DEPTH 1000 /* Python's default recursion limit */
#define BATCH 1000     /* pickle.Pickler._BATCHSIZE */

/* ---- a key -> index map (open addressing): keys are pointers, or str nodes compared by
 * their content (by_content) ------------------------------------------------------------------ */
typedef struct {
  const void **k;
  uint32_t *v;
  size_t cap, n;
  bool by_content;
} pmap;

static bool same_key(const pmap *m, const void *a, const void *b) {
  if (!m->by_content || a == b) return a == b;
  const ct_pth_value *x = a, *y = b;
  return x->slen == y->slen && !memcmp(x->s, y->s, x->slen);
}
static size_t slot(const pmap *m, const void *k) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over the content, or the address */
  if (m->by_content) {
    const ct_pth_value *v = k;
    for (size_t i = 0; i < v->slen; i++) h = (h ^ (unsigned char)v->s[i]) * 1099511628211ull;
  } else {
    h = ((uintptr_t)k >> 4) * 0x9E3779B97F4A7C15ull;
  }
  size_t mask = m->cap - 1, i = h & mask;
  for (; m->k[i] && !same_key(m, m->k[i], k); i = (i + 1) & mask) {
  }
  return i;
}
static bool pmap_get(const pmap *m, const void *k, uint32_t *out) {
  if (!m->cap) return false;
  size_t h = slot(m, k);
  if (!m->k[h]) return false;
  *out = m->v[h];
  return true;
}
static int pmap_put(pmap *m, const void *k, uint32_t v) {
  if (2 * (m->n + 1) > m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 64;
    pmap g = {calloc(cap, sizeof *g.k), malloc(cap * sizeof *g.v), cap, 0, m->by_content};
    if (!g.k || !g.v) {
      free(g.k);
      free(g.v);
      return ct__errs("CPU: out of memory");
    }
    for (size_t i = 0; i < m->cap; i++)
      if (m->k[i]) {
        size_t h = slot(&g, m->k[i]);
        g.k[h] = m->k[i], g.v[h] = m->v[i], g.n++;
      }
    free(m->k);
    free(m->v);
    *m = g;
  }
  size_t h = slot(m, k);
  if (!m->k[h]) m->n++;
  m->k[h] = k, m->v[h] = v;
  return 0;
}

/* CPython interns the identifier-like string constants of its code ('version', 'step',
 * 'exp_avg', 'lr', ...), so equal ones are one object there, pickled once then fetched from
 * the memo: the same is done here for such strings (others are one object per node). */
static bool interned(const ct_pth_value *v) {
  for (size_t i = 0; i < v->slen; i++) {
    char c = v->s[i];
    if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
      return false;
  }
  return true;
}

/* ---- the pickler -------------------------------------------------------------------------- */
typedef struct {
  ct__strbuf *b;
  pmap names;  /* interned strings' content -> memo index */
  pmap memo;   /* object -> memo index */
  uint32_t nmemo;
  pmap stor;   /* ct_storage -> key */
  ct__pth_wstorages *st;
} pk;

/* Memo keys of the objects that are not nodes: each a distinct address. */
static const char K_ODICT[] = "collections\nOrderedDict\n";
static const char K_REBUILD[] = "torch._utils\n_rebuild_tensor_v2\n";
static const char K_STORAGE[] = "storage", K_CPU[] = "cpu";

static void op(pk *p, unsigned char c) { ct__sb_putn(p->b, (const char *)&c, 1); }
static void le(pk *p, uint64_t x, int n) {
  unsigned char b[8];
  for (int i = 0; i < n; i++) b[i] = (unsigned char)(x >> (8 * i));
  ct__sb_putn(p->b, (const char *)b, (size_t)n);
}

/* BINPUT / LONG_BINPUT the next memo index; key NULL: an object nothing refers to again. */
static int memoize(pk *p, const void *key) {
  uint32_t i = p->nmemo++;
  if (i < 256) op(p, 'q'), le(p, i, 1);
  else op(p, 'r'), le(p, i, 4);
  return key ? pmap_put(&p->memo, key, i) : 0;
}
/* BINGET / LONG_BINGET of key when it was memoized before. */
static bool memo_get(pk *p, const void *key) {
  uint32_t i;
  if (!pmap_get(&p->memo, key, &i)) return false;
  if (i < 256) op(p, 'h'), le(p, i, 1);
  else op(p, 'j'), le(p, i, 4);
  return true;
}

/* save_long: the shortest of BININT1, BININT2, BININT, LONG1 (minimal two's complement). */
static void save_int(pk *p, int64_t i) {
  if (i >= 0 && i <= 0xff) op(p, 'K'), le(p, (uint64_t)i, 1);
  else if (i >= 0 && i <= 0xffff) op(p, 'M'), le(p, (uint64_t)i, 2);
  else if (i >= INT32_MIN && i <= INT32_MAX) op(p, 'J'), le(p, (uint64_t)i, 4);
  else {
    int n = 8; /* drop top bytes that only repeat the sign of the byte below */
    while (n > 1 && (i >> (8 * (n - 1) - 1)) == (i < 0 ? -1 : 0)) n--;
    op(p, 0x8a), le(p, (uint64_t)n, 1), le(p, (uint64_t)i, n);
  }
}
static void save_float(pk *p, double f) {
  uint64_t x;
  memcpy(&x, &f, sizeof x);
  op(p, 'G');
  for (int i = 7; i >= 0; i--) le(p, x >> (8 * i), 1); /* big-endian */
}
/* BINUNICODE (protocol 2 has no shorter one), memoized under key. */
static int save_str(pk *p, const void *key, const char *s, size_t n) {
  if (key && memo_get(p, key)) return 0;
  op(p, 'X'), le(p, n, 4), ct__sb_putn(p->b, s, n);
  return memoize(p, key);
}
/* GLOBAL "module\nname\n", memoized under its text's address. */
static int save_global(pk *p, const char *text) {
  if (memo_get(p, text)) return 0;
  op(p, 'c'), ct__sb_puts(p->b, text);
  return memoize(p, text);
}
/* A tuple of n ints (a size or a stride): EMPTY_TUPLE, TUPLE1..3, or MARK ... TUPLE. */
static int save_int_tuple(pk *p, int n, const int64_t *v) {
  if (!n) return op(p, ')'), 0;
  if (n > 3) op(p, '(');
  for (int i = 0; i < n; i++) save_int(p, v[i]);
  op(p, n > 3 ? 't' : (unsigned char)(0x84 + n));
  return memoize(p, NULL);
}
/* OrderedDict(): the backward_hooks argument, and the head of an OrderedDict. */
static int save_odict_new(pk *p) {
  if (save_global(p, K_ODICT)) return -1;
  op(p, ')'), op(p, 'R');
  return 0;
}

/* The persistent id of t's storage: ('storage', torch.<T>Storage, key, 'cpu', numel). */
static int save_storage(pk *p, const ct_tensor *t) {
  const char *cls = ct__pth_storage_class(t->dtype);
  if (!cls) return ct__errs("ct_pth_save: a tensor has a dtype torch.save cannot write");
  uint32_t key;
  if (pmap_get(&p->stor, t->storage, &key)) {
    if (p->st->t[key]->dtype != t->dtype)
      return ct__errs("Cannot save multiple tensors or storages that view the same data as "
                      "different types");
  } else {
    ct__pth_wstorages *st = p->st;
    if (st->n == st->cap) {
      size_t cap = st->cap ? 2 * st->cap : 16;
      const ct_tensor **v = realloc(st->t, cap * sizeof *v);
      if (!v) return ct__errs("CPU: out of memory");
      st->t = v, st->cap = cap;
    }
    key = (uint32_t)st->n;
    st->t[st->n++] = t;
    if (pmap_put(&p->stor, t->storage, key)) return -1;
  }
  char gl[64], ks[16];
  snprintf(gl, sizeof gl, "torch\n%s\n", cls);
  int kn = snprintf(ks, sizeof ks, "%u", key);
  op(p, '(');
  if (save_str(p, K_STORAGE, K_STORAGE, 7)) return -1;
  if (memo_get(p, cls)) { /* the class's global, memoized under its name */
  } else {
    op(p, 'c'), ct__sb_puts(p->b, gl);
    if (memoize(p, cls)) return -1;
  }
  /* the key string is one object per storage: memoized under an address inside it */
  if (save_str(p, (const char *)t->storage + 1, ks, (size_t)kn) || save_str(p, K_CPU, K_CPU, 3))
    return -1;
  save_int(p, (int64_t)(t->storage->nbytes / ct_dtype_size(t->dtype)));
  op(p, 't');
  if (memoize(p, NULL)) return -1;
  op(p, 'Q');
  return 0;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()) */
static int save_tensor(pk *p, const ct_pth_value *v) {
  const ct_tensor *t = v->t;
  if (!t)
    return ct__errs("ct_pth_save: a tensor has dtype %s, which ctorch does not support",
                    v->s ? v->s : "?");
  if (save_global(p, K_REBUILD)) return -1;
  op(p, '(');
  if (save_storage(p, t)) return -1;
  save_int(p, t->offset);
  if (save_int_tuple(p, t->ndim, t->shape) || save_int_tuple(p, t->ndim, t->strides)) return -1;
  op(p, t->requires_grad ? 0x88 : 0x89);
  if (save_odict_new(p) || memoize(p, NULL)) return -1;
  op(p, 't');
  if (memoize(p, NULL)) return -1;
  op(p, 'R');
  return memoize(p, v);
}

static int save(pk *p, const ct_pth_value *v, int depth);

/* _batch_appends / _batch_setitems: per 1000 items, one APPEND / SETITEM or MARK ... APPENDS
 * / SETITEMS (per is the number of values per item: 1 or 2). */
static int save_batches(pk *p, const ct_pth_value *v, int per, int depth) {
  int64_t n = v->n / per;
  for (int64_t at = 0; at < n; at += BATCH) {
    int64_t k = n - at < BATCH ? n - at : BATCH;
    if (k > 1) op(p, '(');
    for (int64_t i = at * per; i < (at + k) * per; i++)
      if (save(p, v->items[i], depth + 1)) return -1;
    op(p, per == 1 ? (k > 1 ? 'e' : 'a') : (k > 1 ? 'u' : 's'));
  }
  return 0;
}

static int save_tuple(pk *p, const ct_pth_value *v, int depth) {
  if (!v->n) return op(p, ')'), 0;
  if (v->n > 3) op(p, '(');
  for (int64_t i = 0; i < v->n; i++)
    if (save(p, v->items[i], depth + 1)) return -1;
  uint32_t m;
  if (pmap_get(&p->memo, v, &m)) { /* the tuple was reached through its own items */
    if (v->n > 3) op(p, '1');
    else
      for (int64_t i = 0; i < v->n; i++) op(p, '0');
    return memo_get(p, v), 0;
  }
  op(p, v->n > 3 ? 't' : (unsigned char)(0x84 + v->n));
  return memoize(p, v);
}

static int save(pk *p, const ct_pth_value *v, int depth) {
  if (depth > MAX_DEPTH)
    return ct__errs("RecursionError: maximum recursion depth exceeded while pickling an object");
  if (memo_get(p, v)) return 0;
  switch (v->kind) {
  case CT_PTH_NONE: op(p, 'N'); return 0;
  case CT_PTH_BOOL: op(p, v->b ? 0x88 : 0x89); return 0;
  case CT_PTH_INT: save_int(p, v->i); return 0;
  case CT_PTH_FLOAT: save_float(p, v->f); return 0;
  case CT_PTH_STR: {
    uint32_t i;
    if (!interned(v)) return save_str(p, v, v->s, v->slen);
    if (pmap_get(&p->names, v, &i)) {
      if (i < 256) op(p, 'h'), le(p, i, 1);
      else op(p, 'j'), le(p, i, 4);
      return 0;
    }
    return save_str(p, v, v->s, v->slen) || pmap_put(&p->names, v, p->nmemo - 1) ? -1 : 0;
  }
  case CT_PTH_TUPLE: return save_tuple(p, v, depth);
  case CT_PTH_LIST:
    op(p, ']');
    return memoize(p, v) || save_batches(p, v, 1, depth) ? -1 : 0;
  case CT_PTH_DICT:
    if (v->other == PV_ODICT) {
      if (save_odict_new(p)) return -1;
    } else {
      op(p, '}');
    }
    if (memoize(p, v) || save_batches(p, v, 2, depth)) return -1;
    if (!v->state) return 0;
    if (save(p, v->state, depth + 1)) return -1; /* OrderedDict.__reduce__'s state: BUILD */
    op(p, 'b');
    return 0;
  case CT_PTH_TENSOR: return save_tensor(p, v);
  case CT_PTH_BYTES:
    return ct__errs("ct_pth_save: bytes values are not supported (protocol 2 pickles them "
                    "through _codecs.encode, which torch.load(weights_only=True) refuses)");
  default: return ct__errs("ct_pth_save: cannot save a storage or global object");
  }
}

int ct__pickle(const ct_pth_value *root, ct__strbuf *out, ct__pth_wstorages *st) {
  pk p = {.b = out, .st = st, .names.by_content = true};
  op(&p, 0x80), op(&p, 2); /* PROTO 2 */
  int rc = save(&p, root, 0);
  op(&p, '.');
  free(p.memo.k), free(p.memo.v), free(p.stor.k), free(p.stor.v), free(p.names.k), free(p.names.v);
  if (!rc && out->oom) rc = ct__errs("CPU: out of memory");
  return rc;
}
