/* repr(module) exactly as PyTorch's Module.__repr__: the class name, extra_repr's lines,
 * then "(name): child" lines with the child's own repr indented by two spaces (_addindent);
 * a lone one-line extra_repr stays on the first line: "Linear(in_features=2, ...)". */
#include "nn_internal.h"

#include <stdarg.h>

void nn_puts(nn_str *b, const char *s) {
  size_t n = strlen(s);
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1) cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->oom = true;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n + 1);
  b->len += n;
}

void nn_printf(nn_str *b, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < (int)sizeof buf) {
    nn_puts(b, buf);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) {
    b->oom = true;
    return;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  nn_puts(b, big);
  free(big);
}

void nn_shape(nn_str *b, const ct_tensor *t) {
  nn_puts(b, "[");
  for (int d = 0; d < ct_dim(t); d++) nn_printf(b, "%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
  nn_puts(b, "]");
}

/* _addindent(s, 2): every line after the first gets two more spaces. */
static void put_indented(nn_str *b, const char *s) {
  for (; *s; s++) {
    char c[2] = {*s, 0};
    nn_puts(b, c);
    if (*s == '\n') nn_puts(b, "  ");
  }
}

#define NN_EXTRA_MAX 65536

static void repr_into(const ct_module *m, nn_str *b) {
  char *extra = calloc(1, NN_EXTRA_MAX);
  if (!extra) {
    b->oom = true;
    return;
  }
  if (m->kind->extra_repr) m->kind->extra_repr(m, extra, NN_EXTRA_MAX);
  const nn_list *c = &m->impl->children;
  nn_puts(b, m->kind->name);
  nn_puts(b, "(");
  bool one_line = *extra && !strchr(extra, '\n') && c->n == 0;
  if (one_line) {
    nn_puts(b, extra);
  } else if (*extra || c->n) {
    if (*extra) {
      nn_puts(b, "\n  ");
      put_indented(b, extra);
    }
    for (int i = 0; i < c->n; i++) {
      nn_str sub = {0};
      repr_into(c->e[i].m, &sub);
      nn_printf(b, "\n  (%s): ", c->e[i].name);
      if (sub.s) put_indented(b, sub.s);
      b->oom |= sub.oom;
      free(sub.s);
    }
    nn_puts(b, "\n");
  }
  nn_puts(b, ")");
  free(extra);
}

char *ct_module_repr(const ct_module *m) {
  if (!m) return NULL;
  nn_str b = {0};
  repr_into(m, &b);
  if (b.oom) {
    free(b.s);
    return ct__err("CPU: out of memory");
  }
  return b.s;
}

void ct_module_print(const ct_module *m) {
  char *s = ct_module_repr(m);
  if (s) puts(s);
  free(s);
}
