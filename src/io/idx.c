/* IDX (the MNIST format, http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte, a
 * dims byte, the dims as big-endian uint32, then the elements big-endian. The Debian package
 * ships the files gzipped; zlib's gzread reads gzipped and plain files alike, so the whole
 * file is inflated into memory and parsed from there with the bounds-checked byte source. */
#include "io_common.h"

#include <errno.h>
#include <zlib.h>

static const struct {
  unsigned char code;
  ct_dtype dt;
} idx_types[] = {{0x08, CT_UINT8}, {0x09, CT_INT8},    {0x0B, CT_INT16},
                 {0x0C, CT_INT32}, {0x0D, CT_FLOAT32}, {0x0E, CT_FLOAT64}};

/* The whole (inflated) file in a malloc'd buffer; NULL + an error naming path. A corrupt gzip
 * stream is an error, not a short file. */
static unsigned char *inflate_file(const char *path, size_t *len) {
  errno = 0;
  gzFile f = gzopen(path, "rb");
  if (!f) {
    if (errno) ct__errno_err(path);
    else ct__err("%s: cannot open", path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (n == cap) {
      unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
    int got = gzread(f, buf + n, (unsigned)want);
    if (got < 0) {
      int zerr;
      const char *msg = gzerror(f, &zerr);
      ct__err("%s: not a valid gzip or IDX file (%s)", path, msg ? msg : "read error");
      free(buf);
      gzclose(f);
      return NULL;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  gzclose(f);
  if (!buf) {
    ct__err("%s: out of memory reading the file", path);
    return NULL;
  }
  *len = n;
  return buf;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* buf (len bytes) -> a new tensor; errors name path. */
static ct_tensor *parse_idx(const unsigned char *buf, size_t len, const char *path) {
  if (len < 4 || buf[0] || buf[1])
    return ct__err("%s: not an IDX file (bad magic number)", path);
  ct_dtype dt = CT_NUM_DTYPES;
  for (size_t i = 0; i < sizeof idx_types / sizeof *idx_types; i++)
    if (idx_types[i].code == buf[2]) dt = idx_types[i].dt;
  if (dt == CT_NUM_DTYPES) return ct__err("%s: unknown IDX element type 0x%02X", path, buf[2]);
  int ndim = buf[3];
  if (ndim > CT_MAX_DIMS) return ct__err("%s: IDX file with %d dims (at most %d)", path, ndim, CT_MAX_DIMS);
  if (len < 4 + 4 * (size_t)ndim) return ct__err("%s: truncated IDX header", path);
  int64_t shape[CT_MAX_DIMS];
  uint64_t numel = 1, span = 1; /* span: the nonzero dims' product, which the strides need even
                                 * when a zero dim makes the tensor empty */
  for (int i = 0; i < ndim; i++) {
    shape[i] = be32(buf + 4 + 4 * i);
    uint64_t d = shape[i] ? (uint64_t)shape[i] : 1;
    if (span > (uint64_t)INT64_MAX / d) return ct__err("%s: IDX dims overflow", path);
    span *= d;
    numel *= (uint64_t)shape[i];
  }
  size_t esize = ct_dtype_size(dt), off = 4 + 4 * (size_t)ndim;
  if (numel > (len - off) / esize)
    return ct__err("%s: truncated IDX file: the header promises %llu elements of %zu bytes, "
                   "the file holds %zu bytes of data", path, (unsigned long long)numel, esize, len - off);
  ct_tensor *t = ct__empty(dt, ndim, shape);
  if (!t) return NULL;
  memcpy(ct__ptr(t), buf + off, numel * esize);
  ct__fix_loaded(t, true); /* IDX data is big-endian */
  return t;
}

ct_tensor *ct_idx_load(const char *path) {
  if (!path) return ct__err("ct_idx_load: path is NULL");
  size_t len = 0;
  unsigned char *buf = inflate_file(path, &len);
  if (!buf) return NULL;
  ct_tensor *t = parse_idx(buf, len, path);
  free(buf);
  return t;
}
