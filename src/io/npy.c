/* NumPy .npy (np.load / np.save of one array). The format: "\x93NUMPY", a version byte
 * pair, a little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a Python-literal
 * dict {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces and
 * a newline, then the raw elements. The header is parsed by a small recursive-descent
 * parser that accepts exactly the literals that dict can hold, nothing is evaluated. */
#include "io_common.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* numpy's _MAX_HEADER_SIZE: no real header of a plain dtype comes close. */
#define NPY_MAX_HEADER 10000
/* numpy.lib.format: data starts on a 64-byte boundary; the header leaves room for the
 * first axis to grow to 21 digits so it can be rewritten in place. */
#define NPY_ALIGN 64
#define NPY_GROWTH_DIGITS 21

static const struct {
  const char *code; /* descr without its byte-order mark */
  ct_dtype dt;
  const char *descr; /* what numpy.save writes */
} npy_types[] = {
    {"f4", CT_FLOAT32, "<f4"}, {"f8", CT_FLOAT64, "<f8"}, {"i8", CT_INT64, "<i8"},
    {"i4", CT_INT32, "<i4"},   {"i2", CT_INT16, "<i2"},   {"i1", CT_INT8, "|i1"},
    {"u1", CT_UINT8, "|u1"},   {"b1", CT_BOOL, "|b1"},   {"f2", CT_FLOAT16, "<f2"},
};
#define NPY_NTYPES (int)(sizeof npy_types / sizeof npy_types[0])

typedef struct {
  ct_dtype dt;
  bool swap;    /* big-endian data of a multi-byte dtype */
  bool fortran; /* column-major data */
  int ndim;
  int64_t shape[CT_MAX_DIMS];
} npy_header;

/* Python's repr of a shape tuple: (), (3,), (2, 3). */
static const char *py_tuple(int ndim, const int64_t *shape, char *buf, size_t len) {
  size_t k = (size_t)snprintf(buf, len, "(");
  for (int i = 0; i < ndim && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (k < len) snprintf(buf + k, len - k, ndim == 1 ? ",)" : ")");
  return buf;
}

/* ---- header parser ----------------------------------------------------------------------- */
typedef struct {
  const unsigned char *s;
  size_t n, i;
} lexer;

static int lex_fail(const lexer *L, const char *what) {
  return ct__errs("npy: Cannot parse header at byte %zu: %s", L->i, what);
}

static void lex_ws(lexer *L) {
  while (L->i < L->n && strchr(" \t\n\r\f\v", L->s[L->i]) && L->s[L->i]) L->i++;
}

static bool lex_eat(lexer *L, char c) {
  lex_ws(L);
  if (L->i < L->n && L->s[L->i] == (unsigned char)c) {
    L->i++;
    return true;
  }
  return false;
}

static bool is_ident(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A bare word such as True: the whole identifier must match. */
static bool lex_word(lexer *L, const char *w) {
  lex_ws(L);
  size_t k = strlen(w);
  if (k > L->n - L->i || memcmp(L->s + L->i, w, k) != 0) return false;
  if (L->i + k < L->n && is_ident(L->s[L->i + k])) return false;
  L->i += k;
  return true;
}

/* A '...' or "..." literal. Escapes are copied through (none of the values we accept
 * contains one) but an escaped quote never ends the literal. */
static int lex_string(lexer *L, char *out, size_t cap, const char *what) {
  lex_ws(L);
  if (L->i >= L->n || (L->s[L->i] != '\'' && L->s[L->i] != '"')) return lex_fail(L, what);
  unsigned char q = L->s[L->i++];
  size_t k = 0;
  while (L->i < L->n && L->s[L->i] != q) {
    if (L->s[L->i] == '\\') L->i++;
    if (L->i >= L->n || L->s[L->i] == '\n') break;
    /* Python refuses NUL in source; accepting it would let '<f4\0' read as '<f4' */
    if (L->s[L->i] == 0) return lex_fail(L, "string contains a NUL byte");
    if (k + 1 >= cap) return lex_fail(L, "string too long");
    out[k++] = (char)L->s[L->i++];
  }
  if (L->i >= L->n || L->s[L->i] != q) return lex_fail(L, "unterminated string");
  L->i++;
  out[k] = 0;
  return 0;
}

/* A decimal integer; Python 2 headers may carry an L suffix (numpy filters it too). */
static int lex_int(lexer *L, int64_t *v, bool *neg) {
  lex_ws(L);
  *neg = false;
  if (L->i < L->n && (L->s[L->i] == '-' || L->s[L->i] == '+')) *neg = L->s[L->i++] == '-';
  if (L->i >= L->n || L->s[L->i] < '0' || L->s[L->i] > '9') return lex_fail(L, "expected an integer");
  int64_t x = 0;
  while (L->i < L->n && L->s[L->i] >= '0' && L->s[L->i] <= '9') {
    if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, L->s[L->i] - '0', &x))
      return ct__errs("npy: shape is not valid: dimension too large at byte %zu", L->i);
    L->i++;
  }
  if (L->i < L->n && (L->s[L->i] == 'L' || L->s[L->i] == 'l')) L->i++;
  if (L->i < L->n && is_ident(L->s[L->i])) return lex_fail(L, "expected an integer");
  *v = x;
  return 0;
}

static int parse_descr(lexer *L, npy_header *h) {
  lex_ws(L);
  if (L->i < L->n && (L->s[L->i] == '[' || L->s[L->i] == '('))
    return ct__errs("npy: structured dtypes are not supported");
  char d[32];
  if (lex_string(L, d, sizeof d, "descr is not a valid dtype descriptor")) return -1;
  const char *code = d;
  char order = '=';
  if (*code && strchr("<>|=", *code)) order = *code++;
  for (int i = 0; i < NPY_NTYPES; i++)
    if (strcmp(code, npy_types[i].code) == 0) {
      h->dt = npy_types[i].dt;
      h->swap = order == '>' && ct_dtype_size(h->dt) > 1;
      return 0;
    }
  return ct__errs("npy: unsupported dtype '%s' (ctorch reads <f4 <f8 <i8 <i4 <i2 |i1 |u1 |b1)", d);
}

static int parse_shape(lexer *L, npy_header *h) {
  if (!lex_eat(L, '(')) return lex_fail(L, "shape is not a valid tuple");
  bool comma = false;
  h->ndim = 0;
  while (!lex_eat(L, ')')) {
    if (h->ndim == CT_MAX_DIMS)
      return ct__errs("npy: array has more than %d dimensions, which ctorch does not support",
                      CT_MAX_DIMS);
    int64_t v = 0;
    bool neg = false;
    if (lex_int(L, &v, &neg)) return -1;
    if (neg && v != 0)
      return ct__errs("npy: shape is not valid: negative dimension -%lld", (long long)v);
    h->shape[h->ndim++] = v;
    comma = lex_eat(L, ',');
    if (!comma) {
      if (!lex_eat(L, ')')) return lex_fail(L, "expected ',' or ')' in shape");
      break;
    }
  }
  /* (3) is the number 3 in Python, not a tuple. */
  if (h->ndim == 1 && !comma) return lex_fail(L, "shape is not a valid tuple");
  return 0;
}

static int parse_header(const unsigned char *s, size_t n, npy_header *h) {
  lexer L = {s, n, 0};
  bool seen[3] = {false, false, false};
  static const char *keys[3] = {"descr", "fortran_order", "shape"};
  if (!lex_eat(&L, '{')) return lex_fail(&L, "the header is not a dictionary");
  while (!lex_eat(&L, '}')) {
    char key[32];
    if (lex_string(&L, key, sizeof key, "expected a string key")) return -1;
    if (!lex_eat(&L, ':')) return lex_fail(&L, "expected ':'");
    int k = 0;
    while (k < 3 && strcmp(key, keys[k]) != 0) k++;
    if (k == 3 || seen[k])
      return ct__errs("npy: Header does not contain the correct keys: %s key '%s'",
                      k == 3 ? "unexpected" : "duplicate", key);
    seen[k] = true;
    int rc = 0;
    if (k == 0) rc = parse_descr(&L, h);
    else if (k == 2) rc = parse_shape(&L, h);
    else if (lex_word(&L, "True")) h->fortran = true;
    else if (lex_word(&L, "False")) h->fortran = false;
    else rc = lex_fail(&L, "fortran_order is not a valid bool");
    if (rc) return rc;
    if (!lex_eat(&L, ',')) {
      if (!lex_eat(&L, '}')) return lex_fail(&L, "expected ',' or '}'");
      break;
    }
  }
  lex_ws(&L);
  if (L.i != L.n) return lex_fail(&L, "unexpected text after the dictionary");
  for (int k = 0; k < 3; k++)
    if (!seen[k])
      return ct__errs("npy: Header does not contain the correct keys: '%s' is missing", keys[k]);
  return 0;
}

/* ---- reading ---------------------------------------------------------------------------- */
static void *npy_read(ct__src *s) {
  unsigned char pre[12];
  size_t got = s->size < 8 ? (size_t)s->size : 8;
  if (ct__src_read(s, 0, pre, got)) return ct__err("npy: I/O error reading the file");
  if (memcmp(pre, NPY_MAGIC, got < NPY_MAGIC_LEN ? got : NPY_MAGIC_LEN) != 0)
    return ct__err("npy: the magic string is not correct; expected b'\\x93NUMPY'");
  if (got < 8)
    return ct__err("npy: file too short to be a .npy file (%llu bytes)",
                   (unsigned long long)s->size);
  int major = pre[6], minor = pre[7];
  if (major < 1 || major > 3 || minor != 0)
    return ct__err("npy: we only support format version (1,0), (2,0), and (3,0), not (%d, %d)",
                   major, minor);
  size_t lensz = major == 1 ? 2 : 4;
  if (ct__src_read(s, 8, pre + 8, lensz)) return ct__err("npy: file ends inside the header length");
  uint64_t hlen = pre[8] | (uint64_t)pre[9] << 8;
  if (lensz == 4) hlen |= (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
  if (hlen > NPY_MAX_HEADER)
    return ct__err("npy: Header info length (%llu) is large and may not be safe to load securely",
                   (unsigned long long)hlen);
  uint64_t start = 8 + lensz;
  unsigned char text[NPY_MAX_HEADER];
  if (ct__src_read(s, start, text, (size_t)hlen))
    return ct__err("npy: header of %llu bytes runs past the end of the file (%llu bytes)",
                   (unsigned long long)hlen, (unsigned long long)s->size);
  if (major == 3 && !ct__utf8_valid(text, (size_t)hlen))
    return ct__err("npy: header is not valid UTF-8");
  npy_header h = {0};
  if (parse_header(text, (size_t)hlen, &h)) return NULL;

  char tup[CT_MAX_DIMS * 24 + 8];
  /* numpy's own check skips zero dims: (0, 2**62, 4) is too big even though it is empty
   * (its strides would overflow). It bounds numel * k too, so neither product below can. */
  size_t k = ct_dtype_size(h.dt);
  int64_t numel = 1, nbytes = (int64_t)k;
  for (int i = 0; i < h.ndim; i++)
    if (h.shape[i] && __builtin_mul_overflow(nbytes, h.shape[i], &nbytes))
      return ct__err("npy: shape %s is too large", py_tuple(h.ndim, h.shape, tup, sizeof tup));
  for (int i = 0; i < h.ndim; i++) numel *= h.shape[i];
  nbytes = numel * (int64_t)k;
  uint64_t off = start + hlen, avail = s->size - off;
  if ((uint64_t)nbytes > avail)
    return ct__err("npy: Failed to read all data for array. Expected %s = %lld elements, could "
                   "only read %llu elements. (file seems not long enough)",
                   py_tuple(h.ndim, h.shape, tup, sizeof tup), (long long)numel,
                   (unsigned long long)(avail / k));

  CT_OP_BEGIN();
  /* Fortran order: the bytes are a C-order array of the reversed shape; a view with the
   * strides reversed back reads it as the logical array, and one copy makes it C order. */
  bool fortran = h.fortran && h.ndim > 1;
  int64_t rshape[CT_MAX_DIMS], rstrides[CT_MAX_DIMS];
  for (int i = 0; i < h.ndim; i++) rshape[i] = fortran ? h.shape[h.ndim - 1 - i] : h.shape[i];
  ct_tensor *raw = ct__empty(h.dt, h.ndim, rshape);
  if (raw && ct__src_read(s, off, ct__ptr(raw), (size_t)nbytes)) {
    ct__err("npy: I/O error reading %lld bytes of array data", (long long)nbytes);
    raw = NULL;
  }
  if (!raw || !fortran) {
    if (raw) ct__fix_loaded(raw, h.swap);
    return ct__op_end(raw);
  }
  ct__fix_loaded(raw, h.swap);
  for (int i = 0; i < h.ndim; i++) rstrides[i] = raw->strides[h.ndim - 1 - i];
  ct_tensor *view = ct__make_view(raw, h.ndim, h.shape, rstrides, 0);
  ct_tensor *out = view ? ct__empty(h.dt, h.ndim, h.shape) : NULL;
  if (out) ct__copy_into(out, view);
  return ct__op_end(out);
}

ct_tensor *ct_npy_load(const char *path) { return ct__read_path(path, npy_read, "npy_load"); }

ct_tensor *ct_npy_loads(const void *buf, size_t len) {
  return ct__read_mem(buf, len, npy_read, "npy_loads");
}

/* ---- writing ----------------------------------------------------------------------------- */
/* Everything before the data, byte for byte what numpy.save writes for a C-order array:
 * version 1.0, keys sorted, the growth padding, then spaces and a newline up to 64. */
static size_t npy_prefix(const ct_tensor *t, char *out) {
  char dict[CT_MAX_DIMS * 24 + 128], tup[CT_MAX_DIMS * 24 + 8];
  const char *descr = "";
  for (int i = 0; i < NPY_NTYPES; i++)
    if (npy_types[i].dt == t->dtype) descr = npy_types[i].descr;
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                   descr, py_tuple(t->ndim, t->shape, tup, sizeof tup));
  if (t->ndim > 0) {
    int digits = snprintf(NULL, 0, "%lld", (long long)t->shape[0]);
    for (int i = digits; i < NPY_GROWTH_DIGITS; i++) dict[n++] = ' ';
  }
  size_t hlen = (size_t)n + 1; /* + the newline */
  size_t pad = NPY_ALIGN - (NPY_MAGIC_LEN + 4 + hlen) % NPY_ALIGN;
  size_t total = hlen + pad;
  memcpy(out, NPY_MAGIC "\x01\x00", 8);
  out[8] = (char)(total & 0xff);
  out[9] = (char)(total >> 8);
  memcpy(out + 10, dict, (size_t)n);
  memset(out + 10 + n, ' ', pad);
  out[10 + total - 1] = '\n';
  return 10 + total;
}

#define NPY_PREFIX_MAX (CT_MAX_DIMS * 24 + 128 + 2 * NPY_ALIGN)

/* numpy has no bfloat16 (PyTorch's .numpy() refuses it the same way): 0 or -1. */
static int npy_writable(const ct_tensor *t) {
  if (t->dtype != CT_BFLOAT16) return 0;
  return ct__errs("Got unsupported ScalarType BFloat16");
}

int ct_npy_save(const char *path, const ct_tensor *t) {
  if (!t) return -1;
  if (!path) return ct__errs("npy_save: path is NULL");
  if (npy_writable(t)) return -1;
  char pre[NPY_PREFIX_MAX];
  size_t np = npy_prefix(t, pre);
  ct__sink s;
  if (ct__sink_open(&s, path)) return -1;
  int rc = ct__sink_write(&s, pre, np);
  if (!rc) rc = ct__sink_tensor(&s, t);
  return ct__sink_close(&s, path, rc);
}

void *ct_npy_dumps(const ct_tensor *t, size_t *len) {
  if (!t) return NULL;
  if (!len) return ct__err("npy_dumps: len is NULL");
  if (npy_writable(t)) return NULL;
  char pre[NPY_PREFIX_MAX];
  size_t np = npy_prefix(t, pre);
  size_t total = np + (size_t)ct_numel(t) * ct_dtype_size(t->dtype);
  ct__sink s;
  if (ct__sink_mem(&s, total)) return NULL;
  int rc = ct__sink_write(&s, pre, np);
  if (!rc) rc = ct__sink_tensor(&s, t);
  if (ct__sink_close(&s, NULL, rc)) return NULL;
  *len = total;
  return s.buf;
}
