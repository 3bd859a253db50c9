/* libFuzzer target: the restricted unpickler alone (ct__unpickle, src/io/pickle.c), which the
 * zip's CRCs keep fuzz_pth's mutations from reaching. Storages named by a persistent id get
 * zeroed data of the declared size (capped), as if the archive held them. Only refusals, no
 * crash, no leak. */
#include "fuzz_pth_walk.h"
#include "io/pth_internal.h"

static ct_pth_value *fake_storage(void *ctx, ct__pth_doc *doc, ct_pth_value *type, const char *key,
                                  int64_t numel) {
  int dt;
  size_t isz;
  bool made;
  ct_pth_value *s = ct__pth_storage_get(ctx, doc, type, key, numel, &made, &dt, &isz);
  if (!s || !made || dt < 0) return s;
  if (numel > (1 << 16)) return ct__err("fuzz: storage of %lld elements", (long long)numel);
  ct_tensor *t = ct_zeros(1, (int64_t[]){numel}, .dtype = (ct_dtype)dt);
  if (!t) return NULL;
  s->t = ct_retain(t);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ct_clear_error();
  fuzz_live before = fuzz_live_now();
  ct__pth_storages tab = {0};
  ct__pth_doc *doc = calloc(1, sizeof *doc);
  FUZZ_CHECK(doc != NULL, "out of memory");
  ct_scope_begin();
  ct_pth_value *r = ct__unpickle(doc, data, size, fake_storage, &tab);
  ct_scope_end();
  if (!r) {
    FUZZ_CHECK(ct_last_error() != NULL, "ct__unpickle returned NULL without an error");
  } else {
    int budget = 100000;
    ct_scope_begin();
    fuzz_pth_walk(r, 0, &budget);
    ct_scope_end();
  }
  ct__pth_doc_free(doc);
  free(tab.v);
  ct_clear_error();
  fuzz_live_check(before);
  return 0;
}
