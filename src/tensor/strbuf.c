/* The growable string print.c (tensor repr) and safetensors.c (JSON header) build their text
 * in. Appends after a failed allocation are dropped and remembered in oom, so a writer checks
 * once at the end instead of after every piece. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

void ct__sb_putn(ct__strbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    /* doubling keeps appends amortized O(1); +1 keeps room for the terminator */
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

void ct__sb_puts(ct__strbuf *b, const char *s) { ct__sb_putn(b, s, strlen(s)); }

void ct__sb_spaces(ct__strbuf *b, int n) {
  static const char spaces[] = "                                ";
  while (n > 0) {
    int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;
    ct__sb_putn(b, spaces, (size_t)k);
    n -= k;
  }
}

void ct__sb_u64(ct__strbuf *b, uint64_t v) {
  char tmp[24];
  ct__sb_putn(b, tmp, (size_t)snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v));
}

void ct__sb_printf(ct__strbuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    ct__sb_putn(b, small, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1); /* rare: a long formatted piece */
  if (!big) {
    b->oom = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  ct__sb_putn(b, big, (size_t)n);
  free(big);
}
