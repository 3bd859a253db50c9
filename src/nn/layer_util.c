/* What the conv, norm, pool, dropout and embedding layers share: Python's repr of the values
 * their extra_repr prints, int-or-tuple arguments (as the constructor got them, expanded as
 * _single / _pair / _triple expand them), and the registry builders' reading of them. */
#include "nn_internal.h"

#include <math.h>

/* repr(float): the shortest digits that read back to v; fixed notation for exponents in
 * [-4, 16), else d.ddde-05 (at least two exponent digits); "1.0" keeps its ".0". */
void nn_py_float(ct__strbuf *b, double v) {
  if (isnan(v)) {
    ct__sb_puts(b, "nan");
    return;
  }
  if (isinf(v)) {
    ct__sb_puts(b, v > 0 ? "inf" : "-inf");
    return;
  }
  char s[40];
  for (int p = 1; p <= 17; p++) {
    snprintf(s, sizeof s, "%.*e", p - 1, v);
    if (strtod(s, NULL) == v) break;
  }
  const char *m = s[0] == '-' ? s + 1 : s;
  char digits[24];
  int nd = 0;
  for (const char *c = m; *c && *c != 'e'; c++)
    if (*c != '.') digits[nd++] = *c;
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  digits[nd] = 0;
  int e = atoi(strchr(m, 'e') + 1);
  if (v < 0 || (v == 0 && signbit(v))) ct__sb_puts(b, "-");
  if (e < -4 || e >= 16) {
    ct__sb_printf(b, "%c", digits[0]);
    if (nd > 1) ct__sb_printf(b, ".%s", digits + 1);
    ct__sb_printf(b, "e%c%02d", e < 0 ? '-' : '+', abs(e));
  } else if (e < 0) {
    ct__sb_puts(b, "0.");
    for (int i = 0; i < -e - 1; i++) ct__sb_puts(b, "0");
    ct__sb_puts(b, digits);
  } else {
    for (int i = 0; i <= e; i++) ct__sb_printf(b, "%c", i < nd ? digits[i] : '0');
    ct__sb_puts(b, ".");
    ct__sb_puts(b, nd > e + 1 ? digits + e + 1 : "0");
  }
}

static void py_int(ct__strbuf *b, int64_t v) {
  if (v == CT_NONE)
    ct__sb_puts(b, "None");
  else
    ct__sb_printf(b, "%lld", (long long)v);
}

void nn_py_ints(ct__strbuf *b, const ct_ints *v) {
  if (v->n == 1) {
    py_int(b, v->v[0]);
    return;
  }
  nn_py_tuple(b, v, v->n);
}

void nn_py_tuple(ct__strbuf *b, const ct_ints *v, int nd) {
  ct__sb_puts(b, "(");
  for (int i = 0; i < nd; i++) {
    if (i) ct__sb_puts(b, ", ");
    py_int(b, v->v[v->n == 1 ? 0 : i]);
  }
  ct__sb_puts(b, nd == 1 ? ",)" : ")");
}

int nn_expand(const ct_ints *v, int nd, int64_t def, int64_t *out, const char *cls, const char *what) {
  if (v->n != 0 && v->n != 1 && v->n != nd)
    return ct__errs("%s: %s must be an int or a tuple of %d ints (got %d values)", cls, what, nd, v->n);
  for (int i = 0; i < nd; i++) out[i] = v->n == 0 ? def : v->v[v->n == 1 ? 0 : i];
  return 0;
}

ct_ints nn_arg_ct_ints(nn_args *a, int pos, const char *key) {
  ct_ints r = {0};
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return r;
  if (v->type == CT_V_INT) {
    r.n = 1;
    r.v[0] = v->i;
    return r;
  }
  bool ok = v->type == CT_V_TUPLE && v->n <= CT_MAX_DIMS;
  for (int i = 0; ok && i < v->n; i++) { /* None entries: AdaptiveAvgPool2d((None, 7)) */
    ok = v[1 + i].type == CT_V_INT || v[1 + i].type == CT_V_NONE;
    r.v[i] = v[1 + i].type == CT_V_INT ? v[1 + i].i : CT_NONE;
    a->used[(int)(v - a->v->v) + 1 + i] = true;
  }
  if (!ok) {
    if (!a->bad) ct__err("%s: argument '%s' must be an int or a tuple of ints", a->cls, key);
    a->bad = true;
    return (ct_ints){0};
  }
  r.n = v->n;
  return r;
}

void nn_repr_out(ct__strbuf *b, char *buf, size_t n) {
  snprintf(buf, n, "%s", b->s ? b->s : "");
  free(b->s);
}

/* _Loss.__init__(size_average=None, reduce=None, reduction='mean'): either legacy flag given
 * wins through _Reduction.legacy_get_string (None counts as True: both -> 'mean', reduce
 * alone -> 'sum', else 'none'); otherwise the reduction string. */
ct_reduction nn_arg_reduction(nn_args *a, int pos_size_average, int pos_reduce, int pos_reduction,
                              bool allow_batchmean) {
  const ct_value *sa = nn_arg(a, pos_size_average, "size_average");
  const ct_value *rd = nn_arg(a, pos_reduce, "reduce");
  const char *s = nn_arg_str(a, pos_reduction, "reduction", "mean");
  bool sa_given = sa && sa->type != CT_V_NONE, rd_given = rd && rd->type != CT_V_NONE;
  if (sa_given || rd_given) {
    bool size_average = !sa_given || sa->type != CT_V_BOOL || sa->b;
    bool reduce = !rd_given || rd->type != CT_V_BOOL || rd->b;
    if (size_average && reduce) return CT_REDUCTION_MEAN;
    return reduce ? CT_REDUCTION_SUM : CT_REDUCTION_NONE;
  }
  static const char *const names[] = {"mean", "sum", "none", "batchmean"}; /* ct_reduction's order */
  for (int r = CT_REDUCTION_MEAN; r <= CT_REDUCTION_BATCHMEAN; r++)
    if (strcmp(s, names[r]) == 0 &&
        (r != CT_REDUCTION_BATCHMEAN || allow_batchmean))
      return (ct_reduction)r;
  if (!a->bad) ct__err("%s is not a valid value for reduction", s);
  a->bad = true;
  return CT_REDUCTION_MEAN;
}
