/* A CSV of numbers (numpy.loadtxt's ground): one row per line, fields split at the delimiter,
 * each parsed by strtod in the "C" locale, so a user's setlocale() cannot turn "0.5" into an
 * error. No quoting: the files this reads are tables of numbers, with at most a header row. */
#define _GNU_SOURCE /* strtod_l */
#include "io_common.h"
#include "ctorch/data.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* Growable arrays of the parsed values. */
typedef struct {
  float *x;
  int64_t *y;
  size_t nx, capx, ny, capy;
} columns;

/* buf (of *cap elements of size elem) with room for n + 1, the capacity doubled from first
 * when full: the buffer (moved or not), or NULL with the error (buf still allocated). */
static void *reserve(void *buf, size_t *cap, size_t n, size_t elem, size_t first) {
  if (n < *cap) return buf;
  size_t c = *cap ? *cap * 2 : first;
  void *p = c < SIZE_MAX / 2 / elem ? realloc(buf, c * elem) : NULL;
  if (!p) return ct__err("CPU: out of memory reading a CSV file");
  *cap = c;
  return p;
}

static int push_x(columns *c, float v) {
  float *x = reserve(c->x, &c->capx, c->nx, sizeof *x, 1024);
  if (!x) return -1;
  c->x = x;
  c->x[c->nx++] = v;
  return 0;
}

static int push_y(columns *c, int64_t v) {
  int64_t *y = reserve(c->y, &c->capy, c->ny, sizeof *y, 256);
  if (!y) return -1;
  c->y = y;
  c->y[c->ny++] = v;
  return 0;
}

static bool blank(const char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
  return !*s;
}

/* The field as a number: strtod must take all of it but surrounding blanks; no hex (Python's
 * float() refuses it too). */
static bool parse_number(const char *f, double *v) {
  if (strpbrk(f, "xX")) return false;
  char *end;
  *v = strtod_l(f, &end, c_locale);
  return end != f && blank(end);
}

/* Fields of one line, split in place at delim (the line is modified); returns the count. */
static int64_t split(char *line, char delim, char ***fields, size_t *cap) {
  int64_t n = 0;
  for (char *p = line;; p++) {
    char **f = reserve(*fields, cap, (size_t)n, sizeof *f, 16);
    if (!f) return -1;
    *fields = f;
    (*fields)[n++] = p;
    p = strchr(p, delim);
    if (!p) return n;
    *p = '\0';
  }
}

/* A field quoted in an error message: at most 40 characters, blanks trimmed. */
static const char *shown(const char *f, char *buf, size_t n) {
  while (*f == ' ' || *f == '\t') f++;
  snprintf(buf, n, "%s", f);
  size_t len = strlen(buf);
  while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r')) buf[--len] = 0;
  if (strlen(f) >= n - 1) snprintf(buf + n - 5, 5, "...");
  return buf;
}

/* One data row into c; 0 or -1 with the file and line named. */
static int parse_row(char **f, int64_t nf, int64_t label, columns *c, const char *path, int64_t line) {
  char buf[44];
  for (int64_t k = 0; k < nf; k++) {
    double v;
    if (!parse_number(f[k], &v))
      return ct__errs("%s: line %lld, field %lld: '%s' is not a number", path, (long long)line,
                      (long long)k + 1, shown(f[k], buf, sizeof buf));
    if (k != label) {
      if (push_x(c, (float)v)) return -1;
      continue;
    }
    if (!(v == floor(v) && v >= -9.2233720368547758e18 && v < 9.2233720368547758e18))
      return ct__errs("%s: line %lld, field %lld: the label '%s' is not an integer", path,
                      (long long)line, (long long)k + 1, shown(f[k], buf, sizeof buf));
    if (push_y(c, (int64_t)v)) return -1;
  }
  return 0;
}

/* Every line of the open file f into c; *nfields receives the row width. 0 or -1. */
static int read_rows(FILE *f, const char *path, ct_csv_opts o, columns *c, int64_t *nfields,
                     int64_t *label) {
  char *line = NULL, **fields = NULL;
  size_t cap = 0, fcap = 0;
  ssize_t len;
  int64_t lineno = 0, expected = -1;
  int rc = 0;
  bool header = o.header;
  while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if ((size_t)len != strlen(line)) {
      rc = ct__errs("%s: line %lld holds a NUL byte: not a text file", path, (long long)lineno);
      break;
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (blank(line)) continue;
    int64_t nf = split(line, o.delimiter, &fields, &fcap);
    if (nf < 0) rc = -1;
    else if (expected >= 0 && nf != expected)
      rc = ct__errs("%s: line %lld has %lld fields, expected %lld", path, (long long)lineno,
                    (long long)nf, (long long)expected);
    else if (expected < 0) { /* the first row (header or data) sets the width */
      expected = nf;
      if (o.label_column != CT_CSV_NO_LABEL) {
        if (o.label_column < -nf || o.label_column >= nf)
          rc = ct__errs("%s: label_column %lld is out of range for rows of %lld fields", path,
                        (long long)o.label_column, (long long)nf);
        *label = o.label_column < 0 ? o.label_column + nf : o.label_column;
      }
    }
    if (rc == 0 && header) header = false;
    else if (rc == 0) rc = parse_row(fields, nf, *label, c, path, lineno);
  }
  if (rc == 0 && ferror(f)) rc = ct__errno_err(path);
  if (rc == 0 && expected < 0) rc = ct__errs("%s: empty CSV file", path);
  free(line);
  free(fields);
  *nfields = expected;
  return rc;
}

int ct_csv_load_ex(const char *path, ct_csv_opts o, ct_tensor **features, ct_tensor **labels) {
  if (!path || !features || (!labels && o.label_column != CT_CSV_NO_LABEL))
    return ct__errs("ct_csv_load: path, features and (with a label column) labels must not be NULL");
  if (!o.delimiter || o.delimiter == '\n' || o.delimiter == '\r')
    return ct__errs("ct_csv_load: the delimiter must be a printable character");
  pthread_once(&c_locale_once, make_c_locale);
  if (!c_locale) return ct__errs("ct_csv_load: cannot make the C locale");
  errno = 0;
  FILE *f = fopen(path, "r");
  if (!f) return ct__errno_err(path);
  columns c = {0};
  int64_t nfields = 0, label = -1;
  int rc = read_rows(f, path, o, &c, &nfields, &label);
  fclose(f);
  int64_t width = nfields - (label >= 0), rows = label >= 0 ? (int64_t)c.ny : 0;
  if (rc == 0 && label < 0) rows = width ? (int64_t)c.nx / width : 0;
  if (rc == 0 && rows == 0) rc = ct__errs("%s: no data rows", path);
  ct_tensor *x = NULL, *y = NULL;
  if (rc == 0) x = ct__empty(CT_FLOAT32, 2, (int64_t[]){rows, width});
  if (rc == 0 && label >= 0) y = ct__empty(CT_INT64, 1, (int64_t[]){rows});
  if (rc == 0 && (!x || (label >= 0 && !y))) rc = -1;
  if (rc == 0) {
    if (c.nx) memcpy(ct__ptr(x), c.x, c.nx * sizeof *c.x);
    if (y) memcpy(ct__ptr(y), c.y, c.ny * sizeof *c.y);
    *features = x;
    if (labels) *labels = y;
  }
  free(c.x);
  free(c.y);
  return rc;
}
