/* PyTorch's tensor repr (torch/_tensor_str.py of 1.13, with its print options): one
 * formatter chosen from the elements that will be shown (fixed, integer-valued "1." or
 * scientific), summarization with "..." above 1000 elements, 80-column wrapping, nested
 * brackets, and the dtype / grad suffixes. Elements are read in place through the strides,
 * so printing a huge tensor only touches the edge items it shows. */
#include "../internal.h"

#include <math.h>

/* torch.set_printoptions: process-wide, as PyTorch's PRINT_OPTS. Set them before printing
 * from several threads (a printout racing a change may mix old and new values). */
static ct_printoptions g_opts = {.precision = 4, .threshold = 1000, .edgeitems = 3, .linewidth = 80};
#define PRECISION g_opts.precision
#define EDGEITEMS g_opts.edgeitems
#define LINEWIDTH g_opts.linewidth

int ct_set_printoptions_ex(ct_printoptions o) {
  ct_printoptions n = g_opts;
  if (o.profile) {
    if (!strcmp(o.profile, "default") || !strcmp(o.profile, "full"))
      n = (ct_printoptions){.precision = 4, .threshold = 1000, .edgeitems = 3, .linewidth = 80};
    else if (!strcmp(o.profile, "short"))
      n = (ct_printoptions){.precision = 2, .threshold = 1000, .edgeitems = 2, .linewidth = 80};
    else
      return ct__errs("set_printoptions: profile must be 'default', 'short' or 'full', got '%s'",
                      o.profile);
    if (!strcmp(o.profile, "full")) n.threshold = INFINITY;
  }
  if (o.precision > 30) return ct__errs("set_printoptions: precision %d is above 30", o.precision);
  if (o.precision >= 0) n.precision = o.precision;
  if (!isnan(o.threshold) && o.threshold >= 0) n.threshold = o.threshold;
  if (o.edgeitems >= 0) n.edgeitems = o.edgeitems;
  if (o.linewidth >= 0) n.linewidth = o.linewidth;
  if (o.sci_mode < CT_SCI_AUTO || o.sci_mode > CT_SCI_OFF)
    return ct__errs("set_printoptions: sci_mode must be CT_SCI_AUTO, CT_SCI_ON or CT_SCI_OFF");
  n.sci_mode = o.sci_mode; /* PyTorch sets it every call: None means automatic again */
  n.profile = NULL;
  g_opts = n;
  return 0;
}

ct_printoptions ct_get_printoptions(void) { return g_opts; }

/* ---- which elements are shown ------------------------------------------------------- */
/* Along a dim of size n: all indices, or the first and last EDGEITEMS when summarizing. */
static int64_t shown_count(int64_t n, bool summarize) {
  return summarize && n > 2 * EDGEITEMS ? 2 * EDGEITEMS : n;
}
static int64_t shown_index(int64_t k, int64_t n, bool summarize) {
  return summarize && n > 2 * EDGEITEMS && k >= EDGEITEMS ? n - 2 * EDGEITEMS + k : k;
}

typedef void (*visit_fn)(const char *p, void *ctx);

/* Every element the printout shows (get_summarized_data), in order. */
static void visit_shown(const ct_tensor *t, int d, const char *p, bool summarize, visit_fn fn,
                        void *ctx) {
  if (d == t->ndim) {
    fn(p, ctx);
    return;
  }
  int64_t n = t->shape[d], k = shown_count(n, summarize);
  int64_t step = t->strides[d] * (int64_t)ct_dtype_size(t->dtype);
  for (int64_t i = 0; i < k; i++)
    visit_shown(t, d + 1, p + shown_index(i, n, summarize) * step, summarize, fn, ctx);
}

/* ---- the formatter (_Formatter) ------------------------------------------------------ */
typedef struct formatter {
  ct_dtype dtype;
  bool floating, int_mode, sci_mode;
  int max_width;
  /* scan state */
  bool any;
  double min_abs, max_abs;
} formatter;

static void fmt_value(const formatter *f, const char *p, char *out, size_t len);

static void scan_stats(const char *p, void *ctx) {
  formatter *f = ctx;
  double v = ct__load(p, f->dtype);
  if (!isfinite(v) || v == 0) return;
  double a = fabs(v);
  if (!f->any || a < f->min_abs) f->min_abs = a;
  if (!f->any || a > f->max_abs) f->max_abs = a;
  f->any = true;
  if (v != ceil(v)) f->int_mode = false; /* exact for float32 values held in a double */
}

/* Widths come from the nonzero finite values only (floats) or every value (others). */
static void scan_width(const char *p, void *ctx) {
  formatter *f = ctx;
  if (f->floating) {
    double v = ct__load(p, f->dtype);
    if (!isfinite(v) || v == 0) return;
  }
  char buf[64];
  fmt_value(f, p, buf, sizeof buf);
  int w = (int)strlen(buf) + (f->floating && f->int_mode && !f->sci_mode ? 1 : 0);
  if (w > f->max_width) f->max_width = w;
}

static void formatter_init(formatter *f, const ct_tensor *t, bool summarize) {
  *f = (formatter){.dtype = t->dtype, .floating = ct_dtype_is_floating(t->dtype),
                   .int_mode = true, .max_width = 1};
  const char *p = ct__ptr(t);
  if (f->floating) {
    visit_shown(t, 0, p, summarize, scan_stats, f);
    if (!f->any) return;
    double ratio = f->max_abs / f->min_abs;
    f->sci_mode = ratio > 1000.0 || f->max_abs > 1.0e8 || (!f->int_mode && f->min_abs < 1.0e-4);
  }
  /* width pass: format without padding, then the widest decides */
  int saved = f->max_width;
  f->max_width = 0;
  visit_shown(t, 0, p, summarize, scan_width, f);
  if (f->max_width < saved) f->max_width = saved;
  /* a forced sci_mode changes the format, not the width found in the automatic one
   * (PyTorch's _Formatter: a wider element is printed unpadded) */
  if (f->floating && f->any && g_opts.sci_mode != CT_SCI_AUTO) f->sci_mode = g_opts.sci_mode == CT_SCI_ON;
}

/* One element without padding ("{:.4f}", "{:.0f}", "{:.4e}", "{}", True/False). Width
 * scanning appends the "." of integer mode itself, so it is left off there. */
static void fmt_raw(const formatter *f, const char *p, char *out, size_t len, bool dot) {
  if (f->dtype == CT_BOOL) {
    snprintf(out, len, "%s", *(const bool *)p ? "True" : "False");
  } else if (!f->floating) {
    snprintf(out, len, "%lld", (long long)ct__load_i64(p, f->dtype));
  } else {
    double v = ct__load(p, f->dtype);
    if (isnan(v)) {
      snprintf(out, len, "nan"); /* Python never prints "-nan" */
    } else if (isinf(v)) {
      snprintf(out, len, v > 0 ? "inf" : "-inf");
    } else if (f->sci_mode) {
      snprintf(out, len, "%.*e", PRECISION, v);
    } else if (f->int_mode) {
      snprintf(out, len, dot ? "%.0f." : "%.0f", v);
    } else {
      snprintf(out, len, "%.*f", PRECISION, v);
    }
  }
}

static void fmt_value(const formatter *f, const char *p, char *out, size_t len) {
  fmt_raw(f, p, out, len, false);
}

/* Formatter.format: the element right-aligned to max_width. */
static void put_elem(ct__strbuf *b, const formatter *f, const char *p) {
  char buf[64];
  fmt_raw(f, p, buf, sizeof buf, true);
  ct__sb_spaces(b, f->max_width - (int)strlen(buf));
  ct__sb_puts(b, buf);
}

/* ---- layout (_vector_str / _tensor_str_with_formatter) ------------------------------- */
static void put_vector(ct__strbuf *b, const ct_tensor *t, const char *p, int indent, bool summarize,
                       const formatter *f) {
  int d = t->ndim - 1;
  int64_t n = t->shape[d], k = shown_count(n, summarize);
  int64_t step = t->strides[d] * (int64_t)ct_dtype_size(t->dtype);
  int elem_len = f->max_width + 2;
  int per_line = (LINEWIDTH - indent) / elem_len;
  if (per_line < 1) per_line = 1;
  bool dots = k < n;
  int64_t items = k + (dots ? 1 : 0);
  ct__sb_puts(b, "[");
  for (int64_t j = 0; j < items; j++) {
    if (j > 0) {
      if (j % per_line == 0) {
        ct__sb_puts(b, ",\n");
        ct__sb_spaces(b, indent + 1);
      } else {
        ct__sb_puts(b, ", ");
      }
    }
    if (dots && j == EDGEITEMS) {
      ct__sb_puts(b, " ...");
      continue;
    }
    int64_t i = dots && j > EDGEITEMS ? j - 1 : j;
    put_elem(b, f, p + shown_index(i, n, summarize) * step);
  }
  ct__sb_puts(b, "]");
}

static void put_tensor(ct__strbuf *b, const ct_tensor *t, int d, const char *p, int indent,
                       bool summarize, const formatter *f) {
  int rest = t->ndim - d;
  if (rest == 0) {
    put_elem(b, f, p);
    return;
  }
  if (rest == 1) {
    put_vector(b, t, p, indent, summarize, f);
    return;
  }
  int64_t n = t->shape[d], k = shown_count(n, summarize);
  int64_t step = t->strides[d] * (int64_t)ct_dtype_size(t->dtype);
  bool dots = k < n;
  int64_t items = k + (dots ? 1 : 0);
  ct__sb_puts(b, "[");
  for (int64_t j = 0; j < items; j++) {
    if (j > 0) { /* "," + "\n" * (dim - 1) + " " * (indent + 1) */
      ct__sb_puts(b, ",");
      for (int r = 0; r < rest - 1; r++) ct__sb_puts(b, "\n");
      ct__sb_spaces(b, indent + 1);
    }
    if (dots && j == EDGEITEMS) {
      ct__sb_puts(b, "...");
      continue;
    }
    int64_t i = dots && j > EDGEITEMS ? j - 1 : j;
    put_tensor(b, t, d + 1, p + shown_index(i, n, summarize) * step, indent + 1, summarize, f);
  }
  ct__sb_puts(b, "]");
}

/* ---- suffixes (_add_suffixes) -------------------------------------------------------- */
static void add_suffixes(ct__strbuf *b, char suffixes[][160], int n, int indent) {
  const char *nl = strrchr(b->s ? b->s : "", '\n');
  /* Python: len(s) - s.rfind("\n") + 1, with rfind = -1 when there is no newline */
  int64_t last = nl ? (int64_t)(b->len - (size_t)(nl - b->s)) + 1 : (int64_t)b->len + 2;
  for (int i = 0; i < n; i++) {
    int64_t sl = (int64_t)strlen(suffixes[i]);
    if (last + sl + 2 > LINEWIDTH) {
      ct__sb_puts(b, ",\n");
      ct__sb_spaces(b, indent);
      last = indent + sl;
    } else {
      ct__sb_puts(b, ", ");
      last += sl + 2;
    }
    ct__sb_puts(b, suffixes[i]);
  }
  ct__sb_puts(b, ")");
}

/* s with every line after the first indented by n more spaces. */
static void put_indented(ct__strbuf *b, const char *s, int n) {
  for (; *s; s++) {
    char c[2] = {*s, 0};
    ct__sb_puts(b, c);
    for (int i = 0; *s == '\n' && i < n; i++) ct__sb_puts(b, " ");
  }
}

/* s (a tensor's string) without its dtype suffix: PyTorch prints a sparse tensor's parts
 * bare and the dtype once, on the whole. */
static void drop_dtype_suffix(char *s) {
  char *d = NULL;
  for (char *q = s; (q = strstr(q, "dtype=torch.")); q++) d = q;
  if (!d) return;
  while (d > s && d[-1] != ',') d--;
  if (d > s) strcpy(d - 1, ")");
}

/* A sparse COO tensor as PyTorch prints it: tensor(indices=tensor(...),\n values=...,
 * size=(..), nnz=.., [dtype=..., ]layout=torch.sparse_coo). */
static char *sparse_to_string(const ct_tensor *t) {
  ct_scope_begin();
  char *is = ct_to_string(ct_sparse_indices_raw(t)), *vs = ct_to_string(ct_sparse_values_raw(t));
  ct_scope_end();
  if (vs) drop_dtype_suffix(vs);
  ct__strbuf b = {0};
  ct__sb_puts(&b, "tensor(indices=");
  put_indented(&b, is ? is : "", 15);
  ct__sb_puts(&b, ",\n       values=");
  put_indented(&b, vs ? vs : "", 14);
  ct__sb_puts(&b, ",\n       size=(");
  char num[48];
  for (int i = 0; i < t->ndim; i++) {
    snprintf(num, sizeof num, i ? ", %lld" : "%lld", (long long)t->shape[i]);
    ct__sb_puts(&b, num);
  }
  snprintf(num, sizeof num, "%s), nnz=%lld, ", t->ndim == 1 ? "," : "", (long long)ct_sparse_nnz(t));
  ct__sb_puts(&b, num);
  if (t->dtype != ct_get_default_dtype()) {
    ct__sb_puts(&b, "dtype=");
    ct__sb_puts(&b, ct_dtype_name(t->dtype));
    ct__sb_puts(&b, ", ");
  }
  ct__sb_puts(&b, "layout=torch.sparse_coo)");
  bool bad = !is || !vs || b.oom;
  free(is);
  free(vs);
  if (bad) {
    free(b.s);
    return ct__err("ct_to_string: out of memory");
  }
  return b.s;
}

char *ct_to_string(const ct_tensor *t) {
  if (!t) return NULL;
  if (ct_is_sparse(t)) return sparse_to_string(t);
  const char *prefix = "tensor(";
  const int indent = (int)strlen(prefix);
  ct__strbuf b = {0};
  ct__sb_puts(&b, prefix);
  char suffixes[4][160];
  int ns = 0;
  int64_t numel = ct_numel(t);
  ct_dtype def = ct_get_default_dtype();
  if (numel == 0) {
    ct__sb_puts(&b, "[]");
    if (t->ndim != 1) { /* str(tuple(shape)) */
      int k = snprintf(suffixes[ns], 160, "size=(");
      for (int i = 0; i < t->ndim && k < 140; i++)
        k += snprintf(suffixes[ns] + k, (size_t)(160 - k), i ? ", %lld" : "%lld",
                      (long long)t->shape[i]);
      snprintf(suffixes[ns] + k, (size_t)(160 - k), "%s", t->ndim == 1 ? ",)" : ")");
      ns++;
    }
    if (t->dtype != def) snprintf(suffixes[ns++], 160, "dtype=%s", ct_dtype_name(t->dtype));
  } else {
    bool summarize = (double)numel > g_opts.threshold;
    formatter f;
    formatter_init(&f, t, summarize);
    put_tensor(&b, t, 0, ct__ptr(t), indent, summarize, &f);
    if (t->dtype != def && t->dtype != CT_INT64 && t->dtype != CT_BOOL)
      snprintf(suffixes[ns++], 160, "dtype=%s", ct_dtype_name(t->dtype));
  }
  const char *fn = ct_grad_fn_name(t);
  if (fn)
    snprintf(suffixes[ns++], 160, "grad_fn=<%s>", fn);
  else if (t->requires_grad)
    snprintf(suffixes[ns++], 160, "requires_grad=True");
  add_suffixes(&b, suffixes, ns, indent);
  if (b.oom) {
    free(b.s);
    return ct__err("ct_to_string: out of memory");
  }
  return b.s;
}

void ct_print(const ct_tensor *t) {
  char *s = ct_to_string(t);
  puts(s ? s : "None");
  free(s);
}
