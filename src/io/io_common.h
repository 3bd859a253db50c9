/* Shared plumbing of the file formats (npy.c, safetensors.c): a bounds-checked byte source
 * over a file or a memory buffer, a byte sink to a file or a pre-sized buffer, and the
 * fix-ups every loaded tensor needs. Internal to src/io/. */
#ifndef CT_IO_COMMON_H
#define CT_IO_COMMON_H

#include "../internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "ctorch's file formats read and write little-endian data on a little-endian host"
#endif

/* Untrusted input: every read names an absolute range that is checked against size. */
typedef struct ct__src {
  FILE *f;                  /* a file, or NULL for memory */
  const unsigned char *mem; /* memory buffer */
  uint64_t size;            /* total bytes available */
} ct__src;

/* 0, or -1 with Python's wording ("[Errno 2] No such file or directory: 'x'"). */
int ct__src_open(ct__src *s, const char *path);
void ct__src_mem(ct__src *s, const void *buf, size_t len);
void ct__src_close(ct__src *s);
/* Copy [off, off + n) into dst; -1 (no message) when out of range or on an I/O error. */
int ct__src_read(ct__src *s, uint64_t off, void *dst, size_t n);

/* The public load / loads entry points: check the argument, open the source, run the
 * format's reader (which returns NULL with an error on failure), close. fn names the
 * public function in the NULL-argument message. */
typedef void *(*ct__reader)(ct__src *s);
void *ct__read_path(const char *path, ct__reader rd, const char *fn);
void *ct__read_mem(const void *buf, size_t len, ct__reader rd, const char *fn);

/* Output: a file, or a malloc'd buffer whose exact final size is known up front. */
typedef struct ct__sink {
  FILE *f;
  unsigned char *buf;
  size_t pos, cap;
} ct__sink;

int ct__sink_open(ct__sink *s, const char *path);
int ct__sink_mem(ct__sink *s, size_t size);
int ct__sink_write(ct__sink *s, const void *p, size_t n);
/* The elements of t in row-major order, whatever its strides. */
int ct__sink_tensor(ct__sink *s, const ct_tensor *t);
/* Close a file sink (0, or -1 with an error naming path); frees a memory sink on error. */
int ct__sink_close(ct__sink *s, const char *path, int status);

/* Record Python's OSError wording for errno and path; returns -1. */
int ct__errno_err(const char *path);
/* After raw bytes land in a new tensor: byteswap big-endian data, and turn every nonzero
 * byte of a bool tensor into 1 (any other bool value is undefined behaviour in C). */
void ct__fix_loaded(ct_tensor *t, bool swap);
bool ct__utf8_valid(const unsigned char *s, size_t n);

#endif
