/* optim-more's shared pieces: see more_util.h. */
#include "more_util.h"

#include <stdio.h>

ct_tensor *om_addcmul_(ct_tensor *self, const ct_tensor *a, const ct_tensor *b, double v) {
  return ct_add_(self, ct_mul(ct_mul_scalar(a, v), b));
}

ct_tensor *om_addcdiv_(ct_tensor *self, const ct_tensor *a, const ct_tensor *b, double v) {
  return ct_add_(self, ct_div(ct_mul_scalar(a, v), b));
}

ct_tensor *om_add_alpha_(ct_tensor *self, const ct_tensor *b, double alpha) {
  return ct_add_(self, alpha == 1 ? b : ct_mul_scalar(b, alpha));
}

ct_tensor *om_grad(const ct_tensor *p, bool maximize, double weight_decay) {
  ct_tensor *g = ct_grad(p);
  if (maximize) g = ct_neg(g);
  if (weight_decay != 0) g = ct_add_alpha(g, p, weight_decay);
  return g;
}

int om_for_each(ct_optim *o, int g, om_param_fn fn, const void *ctx) {
  int n = ct_optim_group_size(o, g);
  for (int i = 0; i < n; i++) {
    ct_tensor *p = ct_optim_group_param(o, g, i);
    if (!ct_grad(p)) continue;
    ct_scope_begin();
    int rc = fn(o, p, ctx);
    ct_scope_end();
    if (rc) return -1;
  }
  return 0;
}

static ct_tensor *state_put(ct_optim *o, const ct_tensor *p, const char *key, ct_tensor *t) {
  if (!t || optim_state_set(o, p, key, t) != 0) return NULL;
  return t;
}

ct_tensor *om_state_zeros(ct_optim *o, const ct_tensor *p, const char *key) {
  ct_tensor *t = optim_state_get(o, p, key);
  return t ? t : state_put(o, p, key, ct_zeros_like(p));
}

ct_tensor *om_state_full(ct_optim *o, const ct_tensor *p, const char *key, double fill) {
  ct_tensor *t = optim_state_get(o, p, key);
  return t ? t : state_put(o, p, key, ct_full_like(p, fill));
}

ct_tensor *om_state_scalar(ct_optim *o, const ct_tensor *p, const char *key, double v, ct_dtype dt) {
  ct_tensor *t = optim_state_get(o, p, key);
  return t ? t : state_put(o, p, key, ct_scalar_tensor(v, dt));
}

double om_step_inc(ct_tensor *step) {
  if (!ct_add_scalar_(step, 1)) return NAN;
  return ct_item(step);
}

const char *om_repr(double v, char *buf, size_t n) {
  if (isnan(v) || isinf(v)) {
    snprintf(buf, n, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
    return buf;
  }
  char s[40];
  for (int p = 1; p <= 17; p++) { /* the shortest %e form that reads back as v */
    snprintf(s, sizeof s, "%.*e", p - 1, v);
    if (strtod(s, NULL) == v) break;
  }
  const char *m = s[0] == '-' ? s + 1 : s;
  char d[24];
  int nd = 0;
  for (const char *c = m; *c && *c != 'e' && nd < 23; c++)
    if (*c != '.') d[nd++] = *c;
  while (nd > 1 && d[nd - 1] == '0') nd--;
  d[nd] = 0;
  int e = atoi(strchr(m, 'e') + 1);
  char o[64];
  int k = 0;
  if (v < 0 || (v == 0 && signbit(v))) o[k++] = '-';
  if (e < -4 || e >= 16) { /* Python's repr: exponent form outside [1e-4, 1e16) */
    o[k++] = d[0];
    if (nd > 1) k += sprintf(o + k, ".%s", d + 1);
    k += sprintf(o + k, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  } else if (e < 0) { /* 0.000ddd */
    k += sprintf(o + k, "0.");
    for (int i = 0; i < -e - 1; i++) o[k++] = '0';
    k += sprintf(o + k, "%s", d);
  } else { /* ddd.ddd, at least one digit after the point */
    for (int i = 0; i <= e; i++) o[k++] = i < nd ? d[i] : '0';
    o[k++] = '.';
    k += sprintf(o + k, "%s", nd > e + 1 ? d + e + 1 : "0");
  }
  o[k] = 0;
  snprintf(buf, n, "%s", o);
  return buf;
}

int om_check(const ct_optim *o, int g, bool ok, const char *prefix, const char *key, int idx) {
  return ok ? 0 : optim_invalid(o, g, prefix, key, idx);
}

int om_check_nonneg(const ct_optim *o, int g, const om_nonneg *checks) {
  for (const om_nonneg *c = checks; c->key; c++)
    if (om_check(o, g, 0.0 <= optim_num(o, g, c->key), c->prefix, c->key, 0)) return -1;
  return 0;
}

void om_kw_num(ct_values *kw, const char *key, double v) { ct_values_push(kw, ct_v_kw(key, ct_v_float(v))); }
void om_kw_bool(ct_values *kw, const char *key, bool v) { ct_values_push(kw, ct_v_kw(key, ct_v_bool(v))); }
void om_kw_pair(ct_values *kw, const char *key, const double v[2]) {
  ct_values_push(kw, ct_v_kw(key, ct_v_tuple(2)));
  ct_values_push(kw, ct_v_float(v[0]));
  ct_values_push(kw, ct_v_float(v[1]));
}
