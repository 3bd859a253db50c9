/* repr(module) exactly as PyTorch's Module.__repr__: the class name, extra_repr's lines,
 * then "(name): child" lines with the child's own repr indented by two spaces (_addindent);
 * a lone one-line extra_repr stays on the first line: "Linear(in_features=2, ...)". */
#include "nn_internal.h"

#include <stdarg.h>

void nn_shape(ct__strbuf *b, const ct_tensor *t) {
  ct__sb_puts(b, "[");
  for (int d = 0; d < ct_dim(t); d++) ct__sb_printf(b, "%s%lld", d ? ", " : "", (long long)ct_shape(t)[d]);
  ct__sb_puts(b, "]");
}

/* _addindent(s, 2): every line after the first gets two more spaces. */
static void put_indented(ct__strbuf *b, const char *s) {
  for (; *s; s++) {
    char c[2] = {*s, 0};
    ct__sb_puts(b, c);
    if (*s == '\n') ct__sb_puts(b, "  ");
  }
}

#define NN_EXTRA_MAX 65536

static void repr_into(const ct_module *m, ct__strbuf *b) {
  char *extra = calloc(1, NN_EXTRA_MAX);
  if (!extra) {
    b->oom = true;
    return;
  }
  if (m->kind->extra_repr) m->kind->extra_repr(m, extra, NN_EXTRA_MAX);
  const nn_list *c = &m->impl->children;
  ct__sb_puts(b, m->kind->name);
  ct__sb_puts(b, "(");
  bool one_line = *extra && !strchr(extra, '\n') && c->n == 0;
  if (one_line) {
    ct__sb_puts(b, extra);
  } else if (*extra || c->n) {
    if (*extra) {
      ct__sb_puts(b, "\n  ");
      put_indented(b, extra);
    }
    for (int i = 0; i < c->n; i++) {
      ct__strbuf sub = {0};
      repr_into(c->e[i].m, &sub);
      ct__sb_printf(b, "\n  (%s): ", c->e[i].name);
      if (sub.s) put_indented(b, sub.s);
      b->oom |= sub.oom;
      free(sub.s);
    }
    ct__sb_puts(b, "\n");
  }
  ct__sb_puts(b, ")");
  free(extra);
}

char *ct_module_repr(const ct_module *m) {
  if (!m) return NULL;
  ct__strbuf b = {0};
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
