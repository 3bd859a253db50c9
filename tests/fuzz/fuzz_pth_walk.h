/* The walk of a loaded .pth tree shared by fuzz_pth and fuzz_pickle: every value is visited
 * through the public accessors (a memo can make the tree a DAG or a cycle, so the walk is
 * bounded), and every tensor's elements are read through its strides, so a view reaching
 * past its storage shows up under AddressSanitizer. */
#ifndef CT_FUZZ_PTH_WALK_H
#define CT_FUZZ_PTH_WALK_H

#include "fuzz_common.h"

static void fuzz_pth_walk(const ct_pth_value *v, int depth, int *budget) {
  if (depth > 32 || --*budget < 0) return;
  switch (ct_pth_kind_of(v)) {
  case CT_PTH_TENSOR: {
    ct_tensor *t = ct_pth_tensor(v);
    FUZZ_CHECK(t != NULL, "a tensor value without a tensor: %s", ct_last_error());
    ct_tensor *c = ct_contiguous(t);
    FUZZ_CHECK(c != NULL, "contiguous() of a loaded tensor failed: %s", ct_last_error());
    size_t nb = (size_t)ct_numel(c) * ct_dtype_size(ct_dtype_of(c));
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < nb; i++) sink ^= ((const unsigned char *)ct_data_ptr(c))[i];
    (void)sink;
    return;
  }
  case CT_PTH_STR:
  case CT_PTH_BYTES: {
    size_t n;
    const char *s = ct_pth_str(v, &n);
    FUZZ_CHECK(s && s[n] == 0, "a str is not NUL-terminated");
    return;
  }
  case CT_PTH_DICT:
    for (int64_t i = 0; i < ct_pth_len(v); i++) {
      fuzz_pth_walk(ct_pth_key(v, i), depth + 1, budget);
      fuzz_pth_walk(ct_pth_item(v, i), depth + 1, budget);
    }
    return;
  case CT_PTH_LIST:
  case CT_PTH_TUPLE:
    for (int64_t i = 0; i < ct_pth_len(v); i++) fuzz_pth_walk(ct_pth_item(v, i), depth + 1, budget);
    return;
  default: (void)ct_pth_float(v); ct_clear_error(); return;
  }
}

#endif
