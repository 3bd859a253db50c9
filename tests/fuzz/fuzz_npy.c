/* libFuzzer target: ct_npy_loads on arbitrary bytes. A bad file must give NULL with a
 * message, a good one must survive ct_npy_dumps + ct_npy_loads unchanged, and nothing may
 * leak (ASan catches malloc leaks at exit; the live counters catch tensors kept alive). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_clear_error();
  fuzz_live before = fuzz_live_now();
  ct_scope_begin();
  ct_tensor *t = ct_npy_loads(size ? (const void *)data : (const void *)"", size);
  if (!t) {
    FUZZ_CHECK(ct_last_error() != NULL, "ct_npy_loads returned NULL without an error");
  } else {
    FUZZ_CHECK(ct_last_error() == NULL, "ct_npy_loads succeeded but set '%s'", ct_last_error());
    size_t len = 0;
    void *buf = ct_npy_dumps(t, &len);
    FUZZ_CHECK(buf != NULL, "ct_npy_dumps failed: %s", ct_last_error());
    ct_tensor *back = ct_npy_loads(buf, len);
    FUZZ_CHECK(back != NULL, "reloading the dump failed: %s", ct_last_error());
    fuzz_same_tensor(t, back, "npy round trip");
    free(buf);
  }
  ct_scope_end();
  ct_clear_error();
  fuzz_live_check(before);
  return 0;
}
