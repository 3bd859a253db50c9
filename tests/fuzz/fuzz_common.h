/* Shared checks of the file-format fuzzers: a loaded tensor survives a dumps + loads round
 * trip unchanged, and every run leaves ctorch's live tensor / byte counters where it found
 * them. Any violation aborts, which libFuzzer reports as a crash with the input saved. */
#ifndef CT_FUZZ_COMMON_H
#define CT_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"

#define FUZZ_CHECK(cond, ...)                                 \
  do {                                                        \
    if (!(cond)) {                                            \
      fprintf(stderr, "fuzz check failed: %s: ", #cond);      \
      fprintf(stderr, __VA_ARGS__);                           \
      fprintf(stderr, "\n");                                  \
      abort();                                                \
    }                                                         \
  } while (0)

/* Same dtype, shape and bytes (the loaders return contiguous tensors). */
static inline void fuzz_same_tensor(const ct_tensor *a, const ct_tensor *b, const char *what) {
  FUZZ_CHECK(a && b, "%s: missing tensor", what);
  FUZZ_CHECK(ct_dtype_of(a) == ct_dtype_of(b), "%s: dtype %d vs %d", what, (int)ct_dtype_of(a),
             (int)ct_dtype_of(b));
  FUZZ_CHECK(ct_dim(a) == ct_dim(b), "%s: ndim %d vs %d", what, ct_dim(a), ct_dim(b));
  for (int i = 0; i < ct_dim(a); i++)
    FUZZ_CHECK(ct_shape(a)[i] == ct_shape(b)[i], "%s: dim %d is %lld vs %lld", what, i,
               (long long)ct_shape(a)[i], (long long)ct_shape(b)[i]);
  FUZZ_CHECK(ct_is_contiguous(a) && ct_is_contiguous(b), "%s: loaded tensor not contiguous", what);
  size_t nb = (size_t)ct_numel(a) * ct_dtype_size(ct_dtype_of(a));
  FUZZ_CHECK(nb == 0 || memcmp(ct_data_ptr(a), ct_data_ptr(b), nb) == 0, "%s: bytes differ", what);
}

/* Counters at entry; checked after the scope closed and the results were freed. */
typedef struct {
  int64_t tensors, bytes;
} fuzz_live;

static inline fuzz_live fuzz_live_now(void) {
  return (fuzz_live){ct_live_tensors(), ct_live_bytes()};
}

static inline void fuzz_live_check(fuzz_live before) {
  fuzz_live now = fuzz_live_now();
  FUZZ_CHECK(now.tensors == before.tensors && now.bytes == before.bytes,
             "leak: %lld tensors / %lld bytes live, %lld / %lld before", (long long)now.tensors,
             (long long)now.bytes, (long long)before.tensors, (long long)before.bytes);
}

#endif
