/* libFuzzer target: ct_pth_loads on arbitrary bytes (the zip reader through libzip, and the
 * legacy format). A bad file must give NULL with a message; a loaded tree is walked to every
 * tensor element; freeing it must leave ctorch's live counters where they were. */
#include "fuzz_pth_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_clear_error();
  fuzz_live before = fuzz_live_now();
  ct_scope_begin();
  ct_pth_value *r = ct_pth_loads(size ? (const void *)data : (const void *)"", size);
  if (!r) {
    FUZZ_CHECK(ct_last_error() != NULL, "ct_pth_loads returned NULL without an error");
  } else {
    FUZZ_CHECK(ct_last_error() == NULL, "loads succeeded but set '%s'", ct_last_error());
    int budget = 100000;
    fuzz_pth_walk(r, 0, &budget);
    ct_pth_free(r);
  }
  ct_scope_end();
  ct_clear_error();
  fuzz_live_check(before);
  return 0;
}
