/* Bounds-checked byte sources and sinks shared by the file formats. A source never hands
 * out a pointer into the input: every read is a copy of a range checked against the size,
 * so a lying header can at worst produce an error. */
#define _FILE_OFFSET_BITS 64
#include "io_common.h"

#include <errno.h>
#include <sys/stat.h>

int ct__errno_err(const char *path) {
  int e = errno ? errno : EIO;
  return ct__errs("[Errno %d] %s: '%s'", e, strerror(e), path);
}

/* ---- source ------------------------------------------------------------------------- */
int ct__src_open(ct__src *s, const char *path) {
  *s = (ct__src){0};
  errno = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return ct__errno_err(path);
  struct stat st;
  /* fopen happily opens a directory; reading it fails later with a vaguer error. */
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    errno = EISDIR;
    return ct__errno_err(path);
  }
  off_t end;
  if (fseeko(f, 0, SEEK_END) != 0 || (end = ftello(f)) < 0) {
    int e = errno;
    fclose(f);
    errno = e;
    return ct__errno_err(path);
  }
  s->f = f;
  s->size = (uint64_t)end;
  return 0;
}

void ct__src_mem(ct__src *s, const void *buf, size_t len) {
  *s = (ct__src){.mem = buf, .size = len};
}

void ct__src_close(ct__src *s) {
  if (s->f) fclose(s->f);
  s->f = NULL;
}

int ct__src_read(ct__src *s, uint64_t off, void *dst, size_t n) {
  if (off > s->size || n > s->size - off) return -1;
  if (n == 0) return 0;
  if (!s->f) {
    memcpy(dst, s->mem + off, n);
    return 0;
  }
  if (off > (uint64_t)INT64_MAX || fseeko(s->f, (off_t)off, SEEK_SET) != 0) return -1;
  return fread(dst, 1, n, s->f) == n ? 0 : -1;
}

void *ct__read_path(const char *path, ct__reader rd, const char *fn) {
  if (!path) return ct__err("%s: path is NULL", fn);
  ct__src s;
  if (ct__src_open(&s, path)) return NULL;
  void *r = rd(&s);
  ct__src_close(&s);
  return r;
}

void *ct__read_mem(const void *buf, size_t len, ct__reader rd, const char *fn) {
  if (!buf) return ct__err("%s: buffer is NULL", fn);
  ct__src s;
  ct__src_mem(&s, buf, len);
  return rd(&s);
}

/* ---- sink --------------------------------------------------------------------------- */
int ct__sink_open(ct__sink *s, const char *path) {
  *s = (ct__sink){0};
  errno = 0;
  s->f = fopen(path, "wb");
  return s->f ? 0 : ct__errno_err(path);
}

int ct__sink_mem(ct__sink *s, size_t size) {
  *s = (ct__sink){0};
  s->buf = malloc(size ? size : 1);
  if (!s->buf) return ct__errs("CPU: out of memory allocating %zu bytes", size);
  s->cap = size;
  return 0;
}

int ct__sink_write(ct__sink *s, const void *p, size_t n) {
  if (n == 0) return 0;
  if (s->f) {
    errno = 0;
    return fwrite(p, 1, n, s->f) == n ? 0 : -1;
  }
  if (n > s->cap - s->pos) return ct__errs("internal error: %zu bytes overflow the output", n);
  memcpy(s->buf + s->pos, p, n);
  s->pos += n;
  return 0;
}

int ct__sink_tensor(ct__sink *s, const ct_tensor *t) {
  size_t nbytes = (size_t)ct_numel(t) * ct_dtype_size(t->dtype);
  if (ct_is_contiguous(t)) return ct__sink_write(s, ct__ptr(t), nbytes);
  CT_OP_BEGIN();
  ct_tensor *c = ct__contig_as(t, t->dtype);
  int rc = c ? ct__sink_write(s, ct__ptr(c), nbytes) : -1;
  ct_scope_end();
  return rc;
}

int ct__sink_close(ct__sink *s, const char *path, int status) {
  if (s->f) {
    /* A failed fwrite left errno set: report it before fclose can overwrite it. */
    if (status != 0 && !ct__has_error()) ct__errno_err(path);
    errno = 0;
    if (fclose(s->f) != 0 && status == 0) status = ct__errno_err(path);
    s->f = NULL;
  } else if (status != 0) {
    free(s->buf);
    s->buf = NULL;
  }
  return status;
}

/* ---- fix-ups -------------------------------------------------------------------------- */
void ct__fix_loaded(ct_tensor *t, bool swap) {
  int64_t n = ct_numel(t);
  size_t k = ct_dtype_size(t->dtype);
  unsigned char *p = (unsigned char *)ct__ptr(t);
  if (t->dtype == CT_BOOL) {
    for (int64_t i = 0; i < n; i++) p[i] = p[i] != 0;
  } else if (swap && k > 1) {
    for (int64_t i = 0; i < n; i++, p += k)
      for (size_t a = 0, b = k - 1; a < b; a++, b--) {
        unsigned char c = p[a];
        p[a] = p[b];
        p[b] = c;
      }
  }
}

bool ct__utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else return false;
    if (len > n - i) return false;
    for (size_t j = 1; j < len; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    /* Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid. */
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}
