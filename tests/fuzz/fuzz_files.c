/* libFuzzer target: the path-based dataset readers on arbitrary bytes. The first byte picks
 * the reader (0: ct_idx_load, 1: ct_csv_load with a label column, 2: ct_image_load, 3: the
 * same bytes gzip-named for ct_idx_load's zlib path); the rest is written to a scratch file.
 * A bad file must give -1 / NULL with a message naming it, a good one a tensor whose size
 * fits the input, and nothing may leak. */
#include "fuzz_common.h"

#include <unistd.h>

static char path[4][256];

/* The scratch file for reader r, written with the input (one per process). */
static const char *scratch(int r, const uint8_t *data, size_t size) {
  static const char *const ext[4] = {"idx", "csv", "png", "idx.gz"};
  if (!path[r][0])
    snprintf(path[r], sizeof path[r], "%s/ct_fuzz_%d_%d.%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid(), r, ext[r]);
  FILE *f = fopen(path[r], "wb");
  FUZZ_CHECK(f != NULL, "cannot write %s", path[r]);
  FUZZ_CHECK(size == 0 || fwrite(data, 1, size, f) == size, "short write to %s", path[r]);
  fclose(f);
  return path[r];
}

static void check_failed(const char *p) {
  const char *e = ct_last_error();
  FUZZ_CHECK(e != NULL, "a reader of %s failed without an error", p);
  FUZZ_CHECK(strstr(e, strrchr(p, '/') + 1) != NULL, "the error does not name the file: %s", e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int r = data[0] % 4;
  const char *p = scratch(r, data + 1, size - 1);
  ct_clear_error();
  fuzz_live before = fuzz_live_now();
  ct_scope_begin();
  if (r == 1) {
    ct_tensor *x = NULL, *y = NULL;
    int rc = ct_csv_load(p, &x, &y, .header = (size & 1) != 0, .label_column = -1);
    if (rc) check_failed(p);
    else FUZZ_CHECK(x && y && ct_size(x, 0) == ct_size(y, 0), "CSV: features and labels disagree");
  } else {
    ct_tensor *t = r == 2 ? ct_image_load(p, (size & 1) ? 1 : 3) : ct_idx_load(p);
    if (!t) check_failed(p);
    else if (r == 0) /* uncompressed: the data cannot be bigger than the file */
      FUZZ_CHECK((size_t)ct_numel(t) * ct_dtype_size(ct_dtype_of(t)) <= size, "IDX: %lld elements from %zu bytes",
                 (long long)ct_numel(t), size);
  }
  ct_scope_end();
  ct_clear_error();
  fuzz_live_check(before);
  return 0;
}
