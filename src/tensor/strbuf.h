/* A growable string for printing and file writers (strbuf.c). */
#ifndef CTORCH_TENSOR_STRBUF_H
#define CTORCH_TENSOR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Growable string (strbuf.c) for print.c and safetensors.c. Start from {0}; s is
 * NUL-terminated once anything was appended; a failed allocation sets oom and later appends
 * do nothing, so check oom once at the end; the owner frees s. */
typedef struct ct__strbuf {
  char *s;
  size_t len, cap;
  bool oom;
} ct__strbuf;
void ct__sb_putn(ct__strbuf *b, const char *s, size_t n);
void ct__sb_puts(ct__strbuf *b, const char *s);
void ct__sb_spaces(ct__strbuf *b, int n); /* n spaces; nothing for n <= 0 */
void ct__sb_u64(ct__strbuf *b, uint64_t v); /* decimal */
void ct__sb_printf(ct__strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
