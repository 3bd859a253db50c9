/* Small printing helpers shared by the examples: they reproduce what Python's print()
 * shows for the values the seeds print (torch.Size, bool, float), so each example's
 * output can be compared line by line with its PyTorch twin. */
#ifndef CTORCH_EXAMPLE_COMMON_H
#define CTORCH_EXAMPLE_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "ctorch.h"

/* Python's print(True) / print(False). */
static inline const char *py_bool(bool b) { return b ? "True" : "False"; }

/* Python's repr of a float: the shortest digits that read back to the same double,
 * with ".0" for integral values (12.0, 0.5, 3.140000104904175). */
static inline const char *py_float(double v, char buf[32]) {
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, 32, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  int exp10;
  if (sscanf(buf, "%*[-0-9.]e%d", &exp10) == 1 && exp10 >= -4 && exp10 < 16) {
    int digits = 0; /* significant digits kept in the exponent form */
    for (const char *p = buf; *p && *p != 'e'; p++) digits += *p >= '0' && *p <= '9';
    int frac = digits - 1 - exp10;
    snprintf(buf, 32, "%.*f", frac > 0 ? frac : 0, v); /* Python writes 1e10 as 10000000000.0 */
  }
  bool plain = true; /* no '.', 'e', "inf" or "nan": add ".0" like Python */
  for (const char *p = buf; *p; p++)
    if (*p == '.' || *p == 'e' || *p == 'n') plain = false;
  if (plain) {
    size_t k = 0;
    while (buf[k]) k++;
    snprintf(buf + k, 32 - k, ".0");
  }
  return buf;
}

/* print(t.shape): torch.Size([5, 3, 4]). */
static inline void print_size(const ct_tensor *t) {
  printf("torch.Size([");
  for (int i = 0; i < ct_dim(t); i++) printf(i ? ", %lld" : "%lld", (long long)ct_size(t, i));
  printf("])\n");
}

/* print(f"{label}{t}"): an f-string formats a 0-dim tensor as its Python number
 * (Tensor.__format__ uses .item()), any other tensor as its repr; None for NULL. */
static inline void print_f(const char *label, const ct_tensor *t) {
  char num[32];
  if (t && ct_dim(t) == 0) {
    double v = ct_item(t);
    ct_dtype dt = ct_dtype_of(t);
    if (dt == CT_BOOL) printf("%s%s\n", label, py_bool(v != 0));
    else if (ct_dtype_is_floating(dt)) printf("%s%s\n", label, py_float(v, num));
    else printf("%s%lld\n", label, (long long)v);
    return;
  }
  char *s = t ? ct_to_string(t) : NULL;
  printf("%s%s\n", label, s ? s : "None");
  free(s);
}

/* Scripts stop at the first error, like an uncaught Python exception. */
static inline void check(bool ok, const char *what) {
  if (ok) return;
  fprintf(stderr, "%s failed: %s\n", what, ct_last_error() ? ct_last_error() : "(no message)");
  exit(1);
}

#endif
