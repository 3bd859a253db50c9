/* libFuzzer target: ct_safetensors_loads on arbitrary bytes. A bad file must give NULL
 * with a message; a good map must survive ct_safetensors_dumps + loads with the same
 * names, dtypes, shapes and bytes; nothing may leak. */
#include "fuzz_common.h"

static void same_maps(const ct_tensor_map *a, const ct_tensor_map *b) {
  int n = ct_tensor_map_size(a);
  FUZZ_CHECK(n == ct_tensor_map_size(b), "%d entries vs %d", n, ct_tensor_map_size(b));
  /* The writer reorders entries (by dtype, then name): match them by name. */
  for (int i = 0; i < n; i++) {
    const char *name = ct_tensor_map_name(a, i);
    FUZZ_CHECK(name != NULL, "entry %d has no name", i);
    ct_tensor *tb = ct_tensor_map_get(b, name);
    FUZZ_CHECK(tb != NULL, "'%s' lost in the round trip", name);
    fuzz_same_tensor(ct_tensor_map_at(a, i), tb, name);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_clear_error();
  fuzz_live before = fuzz_live_now();
  ct_scope_begin();
  ct_tensor_map *m = ct_safetensors_loads(size ? (const void *)data : (const void *)"", size);
  if (!m) {
    FUZZ_CHECK(ct_last_error() != NULL, "ct_safetensors_loads returned NULL without an error");
  } else {
    FUZZ_CHECK(ct_last_error() == NULL, "loads succeeded but set '%s'", ct_last_error());
    size_t len = 0;
    void *buf = ct_safetensors_dumps(m, &len);
    if (!buf) {
      /* The only refusal the writer has for a loaded map: a name it reserves. */
      FUZZ_CHECK(ct_last_error() && strstr(ct_last_error(), "cannot be a tensor name"),
                 "ct_safetensors_dumps failed: %s", ct_last_error());
    } else {
      ct_tensor_map *back = ct_safetensors_loads(buf, len);
      FUZZ_CHECK(back != NULL, "reloading the dump failed: %s", ct_last_error());
      same_maps(m, back);
      same_maps(back, m);
      ct_tensor_map_free(back);
      free(buf);
    }
    ct_tensor_map_free(m);
  }
  ct_scope_end();
  ct_clear_error();
  fuzz_live_check(before);
  return 0;
}
