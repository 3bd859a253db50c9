/* A restricted unpickler: the C equivalent of PyTorch's torch._weights_only_unpickler. It
 * builds ct_pth_value trees from the opcodes torch.save's pickles use (protocol 2, plus the
 * few protocol 4 framing opcodes) and knows a fixed list of globals; any other global is
 * refused by name, and nothing is called but the rebuild functions below. Every read is
 * bounds-checked; the memo is bounded by the pickle's length; the stack is an array, so
 * nesting depth costs memory linear in the input, never C recursion. */
#include "pth_internal.h"

#include <float.h>

#define WO_ERR "Weights only load failed. WeightsUnpickler error: "

/* ---- the value store ---------------------------------------------------------------------- */
ct_pth_value *ct__pth_new(ct__pth_doc *doc, ct_pth_kind kind) {
  if (doc->n == doc->cap) {
    size_t cap = doc->cap ? doc->cap * 2 : 64;
    ct_pth_value **v = realloc(doc->vals, cap * sizeof *v);
    if (!v) return ct__err("CPU: out of memory");
    doc->vals = v;
    doc->cap = cap;
  }
  ct_pth_value *v = calloc(1, sizeof *v);
  if (!v) return ct__err("CPU: out of memory");
  v->kind = kind;
  v->doc = doc;
  doc->vals[doc->n++] = v;
  return v;
}

void ct__pth_doc_free(ct__pth_doc *doc) {
  if (!doc) return;
  for (size_t i = 0; i < doc->n; i++) {
    ct_pth_value *v = doc->vals[i];
    free(v->s);
    free(v->items);
    ct_release(v->t);
    free(v);
  }
  free(doc->vals);
  free(doc);
}

static int push_item(ct_pth_value *c, ct_pth_value *x) {
  if (c->n == c->cap) {
    int64_t cap = c->cap ? c->cap * 2 : 4;
    ct_pth_value **it = realloc(c->items, (size_t)cap * sizeof *it);
    if (!it) return ct__errs("CPU: out of memory");
    c->items = it;
    c->cap = cap;
  }
  c->items[c->n++] = x;
  return 0;
}

int ct__pth_push(ct_pth_value *c, ct_pth_value *x) { return push_item(c, x); }

/* ---- the allowed globals ------------------------------------------------------------------ */
enum { G_ODICT, G_REBUILD_V2, G_REBUILD, G_REBUILD_PARAM, G_STORAGE0 };
static const char *const g_funcs[] = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                      "torch._utils._rebuild_tensor",
                                      "torch._utils._rebuild_parameter"};
/* torch.<X>Storage: its dtype, or -1 and the dtype's name for one ctorch lacks */
static const struct {
  const char *cls, *dtname;
  int dt;
  size_t size;
} g_storages[] = {
    {"torch.FloatStorage", "torch.float32", CT_FLOAT32, 4},
    {"torch.DoubleStorage", "torch.float64", CT_FLOAT64, 8},
    {"torch.LongStorage", "torch.int64", CT_INT64, 8},
    {"torch.IntStorage", "torch.int32", CT_INT32, 4},
    {"torch.ShortStorage", "torch.int16", CT_INT16, 2},
    {"torch.CharStorage", "torch.int8", CT_INT8, 1},
    {"torch.ByteStorage", "torch.uint8", CT_UINT8, 1},
    {"torch.BoolStorage", "torch.bool", CT_BOOL, 1},
    {"torch.HalfStorage", "torch.float16", CT_FLOAT16, 2},
    {"torch.BFloat16Storage", "torch.bfloat16", CT_BFLOAT16, 2},
    {"torch.ComplexFloatStorage", "torch.complex64", -1, 8},
    {"torch.ComplexDoubleStorage", "torch.complex128", -1, 16},
};
#define N_FUNCS ((int)(sizeof g_funcs / sizeof *g_funcs))
#define N_STORAGES ((int)(sizeof g_storages / sizeof *g_storages))

int ct__pth_storage_dtype(const ct_pth_value *type, const char **name, size_t *itemsize) {
  int k = type->gid - G_STORAGE0;
  *name = g_storages[k].dtname;
  *itemsize = g_storages[k].size;
  return g_storages[k].dt;
}

const char *ct__pth_storage_class(ct_dtype dt) {
  for (int i = 0; i < N_STORAGES; i++)
    if (g_storages[i].dt == (int)dt) return g_storages[i].cls + 6; /* past "torch." */
  return NULL;
}

static int find_global(const char *full) {
  for (int i = 0; i < N_FUNCS; i++)
    if (!strcmp(full, g_funcs[i])) return i;
  for (int i = 0; i < N_STORAGES; i++)
    if (!strcmp(full, g_storages[i].cls)) return G_STORAGE0 + i;
  return -1;
}

/* ---- the machine -------------------------------------------------------------------------- */
typedef struct {
  ct__pth_doc *doc;
  const unsigned char *p;
  size_t len, pos;
  ct_pth_value **stack;
  size_t sn, scap;
  size_t *marks;
  size_t mn, mcap;
  ct_pth_value **memo; /* index < len: each BINPUT takes 2 bytes or more */
  size_t memocap;
  ct__pth_storage_fn storage;
  void *ctx;
} upk;

static const unsigned char *take(upk *u, size_t n) {
  if (n > u->len - u->pos) return ct__err("pickle data was truncated");
  const unsigned char *r = u->p + u->pos;
  u->pos += n;
  return r;
}
static uint64_t le(const unsigned char *b, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static int push(upk *u, ct_pth_value *v) {
  if (!v) return -1;
  if (u->sn == u->scap) {
    size_t cap = u->scap ? u->scap * 2 : 64;
    ct_pth_value **s = realloc(u->stack, cap * sizeof *s);
    if (!s) return ct__errs("CPU: out of memory");
    u->stack = s;
    u->scap = cap;
  }
  u->stack[u->sn++] = v;
  return 0;
}
static size_t base_of(const upk *u) { return u->mn ? u->marks[u->mn - 1] : 0; }
static ct_pth_value *pop(upk *u) {
  if (u->sn <= base_of(u)) return ct__err("unpickling stack underflow");
  return u->stack[--u->sn];
}
static ct_pth_value *top(upk *u) {
  if (u->sn <= base_of(u)) return ct__err("unpickling stack underflow");
  return u->stack[u->sn - 1];
}
/* pop_mark: the items pushed since the last MARK stay at stack[*from .. sn). */
static int pop_mark(upk *u, size_t *from) {
  if (!u->mn) return ct__errs("could not find MARK");
  *from = u->marks[--u->mn];
  return 0;
}

static const char *kind_name(const ct_pth_value *v) {
  static const char *const names[] = {"NoneType", "bool",  "int",  "float",         "str", "bytes",
                                      "tuple",    "list",  "dict", "torch.Tensor", "object"};
  if (v->kind == CT_PTH_OTHER && v->other == PV_GLOBAL) return v->s;
  if (v->kind == CT_PTH_OTHER) return "torch.storage.TypedStorage";
  return names[v->kind];
}

/* A tensor of a dtype ctorch lacks may sit in a tuple (the arguments of _rebuild_parameter)
 * but stops the load once it lands anywhere a program would see it. */
static int check_placeable(const ct_pth_value *v, const ct_pth_value *key) {
  if (v->kind != CT_PTH_TENSOR || v->t) return 0;
  if (key && key->kind == CT_PTH_STR)
    return ct__errs("torch.load: tensor '%s' has dtype %s, which ctorch does not support", key->s,
                    v->s);
  if (key && key->kind == CT_PTH_INT)
    return ct__errs("torch.load: tensor %lld has dtype %s, which ctorch does not support",
                    (long long)key->i, v->s);
  return ct__errs("torch.load: a tensor has dtype %s, which ctorch does not support", v->s);
}

static bool key_eq(const ct_pth_value *a, const ct_pth_value *b) {
  if (a->kind != b->kind) return a == b;
  switch (a->kind) {
  case CT_PTH_STR:
  case CT_PTH_BYTES: return a->slen == b->slen && !memcmp(a->s, b->s, a->slen);
  case CT_PTH_INT:
  case CT_PTH_BOOL: return a->i == b->i;
  case CT_PTH_NONE: return true;
  default: return a == b;
  }
}

static int dict_set(ct_pth_value *d, ct_pth_value *k, ct_pth_value *v) {
  if (d->kind != CT_PTH_DICT)
    return ct__errs(WO_ERR "'%s' object does not support item assignment", kind_name(d));
  if (k->kind == CT_PTH_LIST || k->kind == CT_PTH_DICT || k->kind == CT_PTH_TENSOR)
    return ct__errs("unhashable type: '%s'", kind_name(k));
  if (check_placeable(v, k)) return -1;
  for (int64_t i = 0; i < d->n; i += 2)
    if (key_eq(d->items[i], k)) {
      d->items[i + 1] = v;
      return 0;
    }
  return push_item(d, k) || push_item(d, v) ? -1 : 0;
}

static ct_pth_value *new_scalar(upk *u, ct_pth_kind kind, int64_t i, double f) {
  ct_pth_value *v = ct__pth_new(u->doc, kind);
  if (v) v->i = i, v->b = i != 0, v->f = f;
  return v;
}
static ct_pth_value *new_str(upk *u, ct_pth_kind kind, const unsigned char *s, size_t n) {
  if (kind == CT_PTH_STR && !ct__utf8_valid(s, n))
    return ct__err("'utf-8' codec can't decode the pickled string");
  ct_pth_value *v = ct__pth_new(u->doc, kind);
  if (!v) return NULL;
  v->s = malloc(n + 1);
  if (!v->s) return ct__err("CPU: out of memory");
  memcpy(v->s, s, n);
  v->s[n] = 0;
  v->slen = n;
  return v;
}
static ct_pth_value *new_tuple(upk *u, size_t from) {
  ct_pth_value *t = ct__pth_new(u->doc, CT_PTH_TUPLE);
  if (!t) return NULL;
  for (size_t i = from; i < u->sn; i++)
    if (push_item(t, u->stack[i])) return NULL;
  u->sn = from;
  return t;
}

/* GLOBAL: "module\nname\n" */
static int op_global(upk *u) {
  size_t start = u->pos, lines = 0;
  while (lines < 2) {
    const unsigned char *c = take(u, 1);
    if (!c) return -1;
    if (*c == '\n') lines++;
  }
  size_t n = u->pos - start - 1;
  char *full = malloc(n + 1);
  if (!full) return ct__errs("CPU: out of memory");
  memcpy(full, u->p + start, n);
  full[n] = 0;
  char *nl = memchr(full, '\n', n);
  *nl = '.'; /* "module.name", as the weights-only unpickler names it */
  int g = find_global(full);
  if (g < 0) {
    ct__errs(WO_ERR "Unsupported class %s", full);
    free(full);
    return -1;
  }
  ct_pth_value *v = ct__pth_new(u->doc, CT_PTH_OTHER);
  if (!v) {
    free(full);
    return -1;
  }
  v->other = PV_GLOBAL;
  v->gid = g;
  v->s = full;
  v->slen = n;
  return push(u, v);
}

static bool is_int(const ct_pth_value *v) { return v->kind == CT_PTH_INT; }

/* A tuple of ndim non-negative ints into out. */
static int int_tuple(const ct_pth_value *v, int64_t *out, const char *what) {
  if (v->kind != CT_PTH_TUPLE || v->n > CT_MAX_DIMS)
    return ct__errs(WO_ERR "_rebuild_tensor_v2: %s must be a tuple of at most %d ints", what,
                    CT_MAX_DIMS);
  for (int64_t i = 0; i < v->n; i++) {
    if (!is_int(v->items[i]) || v->items[i]->i < 0)
      return ct__errs(WO_ERR "_rebuild_tensor_v2: %s must be a tuple of non-negative ints", what);
    out[i] = v->items[i]->i;
  }
  return 0;
}

/* The elements a tensor of these sizes / strides at offset reaches (0 for an empty one),
 * or -1 when that overflows. */
static int64_t storage_needed(int nd, const int64_t *size, const int64_t *stride, int64_t off) {
  int64_t last = off;
  for (int i = 0; i < nd; i++) {
    if (!size[i]) return 0;
    int64_t r;
    if (__builtin_mul_overflow(size[i] - 1, stride[i], &r) || __builtin_add_overflow(last, r, &last))
      return -1;
  }
  return last + 1;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, meta]) and
 * _rebuild_tensor(storage, storage_offset, size, stride): a view of the storage's flat tensor,
 * so tensors sharing a storage share it here too. */
static ct_pth_value *rebuild_tensor(upk *u, const ct_pth_value *a, bool v2) {
  if (a->n < (v2 ? 6 : 4) || a->items[0]->kind != CT_PTH_OTHER || a->items[0]->other != PV_STORAGE ||
      !is_int(a->items[1]) || a->items[1]->i < 0)
    return ct__err(WO_ERR "_rebuild_tensor_v2 expects (storage, offset, size, stride, ...)");
  const ct_pth_value *st = a->items[0];
  int64_t size[CT_MAX_DIMS], stride[CT_MAX_DIMS], off = a->items[1]->i;
  if (int_tuple(a->items[2], size, "size") || int_tuple(a->items[3], stride, "stride")) return NULL;
  int nd = (int)a->items[2]->n;
  if (a->items[3]->n != nd)
    return ct__err(WO_ERR "_rebuild_tensor_v2: size and stride differ in length");
  int64_t need = storage_needed(nd, size, stride, off);
  const char *dtname;
  size_t isz;
  int dt = ct__pth_storage_dtype(st, &dtname, &isz);
  if (need < 0 || need > st->i || (need == 0 && off > st->i))
    return ct__err("setStorage: sizes %s, strides %s, storage offset %lld, and itemsize %zu "
                   "requiring a storage size of %lld are out of bounds for storage of size %lld",
                   SHP(0, nd, size), SHP(1, nd, stride), (long long)off, isz,
                   need < 0 ? -1LL : (long long)need * (long long)isz, (long long)st->i * (long long)isz);
  ct_pth_value *v = ct__pth_new(u->doc, CT_PTH_TENSOR);
  if (!v) return NULL;
  if (dt < 0) { /* a placeholder naming the dtype; see check_placeable */
    v->s = strdup(dtname);
    return v->s ? v : ct__err("CPU: out of memory");
  }
  v->t = ct__make_view(st->t, nd, size, stride, off);
  if (!v->t) return NULL;
  ct_retain(v->t);
  if (v2 && a->items[4]->kind == CT_PTH_BOOL && a->items[4]->b && !ct_requires_grad_(v->t, true))
    return NULL;
  return v;
}

/* _rebuild_parameter(data, requires_grad, backward_hooks) */
static ct_pth_value *rebuild_parameter(upk *u, const ct_pth_value *a) {
  if (a->n != 3 || a->items[0]->kind != CT_PTH_TENSOR || a->items[1]->kind != CT_PTH_BOOL)
    return ct__err(WO_ERR "_rebuild_parameter expects (tensor, requires_grad, hooks)");
  ct_pth_value *v = ct__pth_new(u->doc, CT_PTH_TENSOR);
  if (!v) return NULL;
  const ct_pth_value *d = a->items[0];
  if (!d->t) {
    v->s = strdup(d->s);
    return v->s ? v : ct__err("CPU: out of memory");
  }
  v->t = ct_retain(ct_detach(d->t));
  if (!v->t || !ct_requires_grad_(v->t, a->items[1]->b)) return NULL;
  return v;
}

static int op_reduce(upk *u) {
  ct_pth_value *args = pop(u), *fn = args ? top(u) : NULL;
  if (!fn) return -1;
  if (args->kind != CT_PTH_TUPLE) return ct__errs("argument list must be a tuple");
  if (fn->kind != CT_PTH_OTHER || fn->other != PV_GLOBAL || fn->gid >= G_STORAGE0)
    return ct__errs(WO_ERR "Trying to call reduce for unrecognized function %s", kind_name(fn));
  ct_pth_value *r;
  switch (fn->gid) {
  case G_ODICT:
    if (args->n) return ct__errs(WO_ERR "OrderedDict(...) with arguments is not supported");
    r = ct__pth_new(u->doc, CT_PTH_DICT);
    if (r) r->other = PV_ODICT; /* saved back as an OrderedDict (pth_write.c) */
    break;
  case G_REBUILD_V2: r = rebuild_tensor(u, args, true); break;
  case G_REBUILD: r = rebuild_tensor(u, args, false); break;
  default: r = rebuild_parameter(u, args); break;
  }
  if (!r) return -1;
  u->stack[u->sn - 1] = r;
  return 0;
}

/* BINPERSID: ('storage', storage_type, key, location, numel) */
static int op_persid(upk *u) {
  ct_pth_value *pid = pop(u);
  if (!pid) return -1;
  /* the legacy format adds a sixth item, view_metadata: None since PyTorch 0.4 */
  if (pid->kind != CT_PTH_TUPLE || pid->n < 5 || pid->n > 6)
    return ct__errs(WO_ERR "persistent_load id must be a ('storage', type, key, location, numel) tuple");
  if (pid->n == 6 && pid->items[5]->kind != CT_PTH_NONE)
    return ct__errs("torch.load: storage views (files of PyTorch < 0.4) are not supported");
  ct_pth_value **it = pid->items;
  if (it[0]->kind != CT_PTH_STR || strcmp(it[0]->s, "storage"))
    return ct__errs(WO_ERR "Only persistent_load of storage is allowed, but got %s",
                    it[0]->kind == CT_PTH_STR ? it[0]->s : kind_name(it[0]));
  if (it[1]->kind != CT_PTH_OTHER || it[1]->other != PV_GLOBAL || it[1]->gid < G_STORAGE0 ||
      it[2]->kind != CT_PTH_STR || !is_int(it[4]) || it[4]->i < 0)
    return ct__errs(WO_ERR "persistent_load id must be a ('storage', type, key, location, numel) tuple");
  return push(u, u->storage(u->ctx, u->doc, it[1], it[2]->s, it[4]->i));
}

static int memo_put(upk *u, uint64_t idx) {
  ct_pth_value *v = top(u);
  if (!v) return -1;
  if (idx >= u->len) return ct__errs("memo index %llu out of range", (unsigned long long)idx);
  if (idx >= u->memocap) {
    size_t cap = u->memocap ? u->memocap : 64;
    while (cap <= idx) cap *= 2;
    if (cap > u->len) cap = u->len;
    ct_pth_value **m = realloc(u->memo, cap * sizeof *m);
    if (!m) return ct__errs("CPU: out of memory");
    memset(m + u->memocap, 0, (cap - u->memocap) * sizeof *m);
    u->memo = m;
    u->memocap = cap;
  }
  u->memo[idx] = v;
  return 0;
}
static int memo_get(upk *u, uint64_t idx) {
  if (idx >= u->memocap || !u->memo[idx])
    return ct__errs("Memo value not found at index %llu", (unsigned long long)idx);
  return push(u, u->memo[idx]);
}

/* The container below the items at stack[from .. sn) (APPENDS, SETITEMS, APPEND). */
static ct_pth_value *below(upk *u, size_t from) {
  if (from <= base_of(u)) return ct__err("unpickling stack underflow");
  return u->stack[from - 1];
}

static int op_append(upk *u, size_t from) {
  ct_pth_value *l = below(u, from);
  if (!l) return -1;
  if (l->kind != CT_PTH_LIST)
    return ct__errs(WO_ERR "Can only append to lists, but got %s", kind_name(l));
  for (size_t i = from; i < u->sn; i++)
    if (check_placeable(u->stack[i], NULL) || push_item(l, u->stack[i])) return -1;
  u->sn = from;
  return 0;
}

/* A length-prefixed str / bytes with an n-byte little-endian length. */
static int op_string(upk *u, ct_pth_kind kind, int n) {
  const unsigned char *b = take(u, (size_t)n), *s;
  if (!b) return -1;
  uint64_t len = le(b, n);
  if (len > u->len - u->pos) return ct__errs("pickle data was truncated");
  s = take(u, (size_t)len);
  return push(u, new_str(u, kind, s, (size_t)len));
}

/* One opcode; 1 at STOP, 0 to go on, -1 on error. */
static int step(upk *u, ct_pth_value **root) {
  const unsigned char *b = take(u, 1);
  if (!b) return -1;
  unsigned op = *b;
  size_t from = 0;
  switch (op) {
  case 0x80: return take(u, 1) ? 0 : -1; /* PROTO */
  case 0x95: return take(u, 8) ? 0 : -1; /* FRAME: the frames are contiguous here */
  case '.':                              /* STOP */
    if (!(*root = pop(u))) return -1;
    if (u->mn || u->sn) return ct__errs("unpickling stack not empty at STOP");
    return check_placeable(*root, NULL) ? -1 : 1;
  case '(':
    if (u->mn == u->mcap) {
      size_t cap = u->mcap ? u->mcap * 2 : 16;
      size_t *m = realloc(u->marks, cap * sizeof *m);
      if (!m) return ct__errs("CPU: out of memory");
      u->marks = m;
      u->mcap = cap;
    }
    u->marks[u->mn++] = u->sn;
    return 0;
  case '0': return pop(u) ? 0 : -1; /* POP */
  case '1': return pop_mark(u, &from) ? -1 : (u->sn = from, 0); /* POP_MARK */
  case 'c': return op_global(u);
  case 'R': return op_reduce(u);
  case 'Q': return op_persid(u);
  case 'b': { /* BUILD: an OrderedDict's __dict__ (state_dict._metadata) and a Parameter's
               * state change nothing a C program sees */
    ct_pth_value *state = pop(u), *inst = state ? top(u) : NULL;
    if (!inst) return -1;
    if (inst->kind != CT_PTH_DICT && inst->kind != CT_PTH_TENSOR)
      return ct__errs(WO_ERR "Can only build Tensor, parameter or dict objects, but got %s",
                      kind_name(inst));
    return 0;
  }
  case 'a': return u->sn - base_of(u) < 2 ? ct__errs("unpickling stack underflow") : op_append(u, u->sn - 1);
  case 'e': return pop_mark(u, &from) ? -1 : op_append(u, from);
  case 's': {
    ct_pth_value *v = pop(u), *k = v ? pop(u) : NULL, *d = k ? top(u) : NULL;
    return d ? dict_set(d, k, v) : -1;
  }
  case 'u': {
    if (pop_mark(u, &from)) return -1;
    ct_pth_value *d = below(u, from);
    if (!d || (u->sn - from) % 2) return d ? ct__errs("odd number of items for SETITEMS") : -1;
    for (size_t i = from; i < u->sn; i += 2)
      if (dict_set(d, u->stack[i], u->stack[i + 1])) return -1;
    u->sn = from;
    return 0;
  }
  case 't': return pop_mark(u, &from) ? -1 : push(u, new_tuple(u, from));
  case 0x85: case 0x86: case 0x87: { /* TUPLE1..3 */
    size_t k = op - 0x84;
    if (u->sn - base_of(u) < k) return ct__errs("unpickling stack underflow");
    return push(u, new_tuple(u, u->sn - k));
  }
  case ')': return push(u, ct__pth_new(u->doc, CT_PTH_TUPLE));
  case ']': return push(u, ct__pth_new(u->doc, CT_PTH_LIST));
  case '}': return push(u, ct__pth_new(u->doc, CT_PTH_DICT));
  case 'N': return push(u, ct__pth_new(u->doc, CT_PTH_NONE));
  case 0x88: return push(u, new_scalar(u, CT_PTH_BOOL, 1, 1));
  case 0x89: return push(u, new_scalar(u, CT_PTH_BOOL, 0, 0));
  case 'J': return (b = take(u, 4)) ? push(u, new_scalar(u, CT_PTH_INT, (int32_t)le(b, 4), 0)) : -1;
  case 'K': return (b = take(u, 1)) ? push(u, new_scalar(u, CT_PTH_INT, b[0], 0)) : -1;
  case 'M': return (b = take(u, 2)) ? push(u, new_scalar(u, CT_PTH_INT, (int64_t)le(b, 2), 0)) : -1;
  case 0x8a: { /* LONG1: n-byte little-endian two's complement */
    if (!(b = take(u, 1))) return -1;
    size_t n = b[0];
    if (!(b = take(u, n))) return -1;
    if (n > 8) return ct__errs("torch.load: int of %zu bytes does not fit in int64", n);
    uint64_t x = n ? le(b, (int)n) : 0;
    if (n && n < 8 && (b[n - 1] & 0x80)) x |= ~0ULL << (8 * n); /* sign-extend */
    return push(u, new_scalar(u, CT_PTH_INT, (int64_t)x, 0));
  }
  case 'G': { /* BINFLOAT: big-endian double */
    if (!(b = take(u, 8))) return -1;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x = x << 8 | b[i];
    double d;
    memcpy(&d, &x, sizeof d);
    return push(u, new_scalar(u, CT_PTH_FLOAT, 0, d));
  }
  case 'X': return op_string(u, CT_PTH_STR, 4);        /* BINUNICODE */
  case 0x8c: return op_string(u, CT_PTH_STR, 1);       /* SHORT_BINUNICODE */
  case 0x8d: return op_string(u, CT_PTH_STR, 8);       /* BINUNICODE8 */
  case 'U': return op_string(u, CT_PTH_BYTES, 1);      /* SHORT_BINSTRING */
  case 'C': return op_string(u, CT_PTH_BYTES, 1);      /* SHORT_BINBYTES */
  case 'B': return op_string(u, CT_PTH_BYTES, 4);      /* BINBYTES */
  case 'h': return (b = take(u, 1)) ? memo_get(u, b[0]) : -1;
  case 'j': return (b = take(u, 4)) ? memo_get(u, le(b, 4)) : -1;
  case 'q': return (b = take(u, 1)) ? memo_put(u, b[0]) : -1;
  case 'r': return (b = take(u, 4)) ? memo_put(u, le(b, 4)) : -1;
  default: return ct__errs(WO_ERR "Unsupported operand %u", op);
  }
}

ct_pth_value *ct__unpickle(ct__pth_doc *doc, const unsigned char *p, size_t len,
                           ct__pth_storage_fn storage, void *ctx) {
  size_t used; /* bytes after STOP are ignored, as pickle.loads does */
  return ct__unpickle_prefix(doc, p, len, &used, storage, ctx);
}

ct_pth_value *ct__unpickle_prefix(ct__pth_doc *doc, const unsigned char *p, size_t len, size_t *used,
                                  ct__pth_storage_fn storage, void *ctx) {
  upk u = {.doc = doc, .p = p, .len = len, .storage = storage, .ctx = ctx};
  ct_pth_value *root = NULL;
  int rc;
  while (!(rc = step(&u, &root))) {
  }
  free(u.stack);
  free(u.marks);
  free(u.memo);
  *used = u.pos;
  return rc > 0 ? root : NULL;
}
