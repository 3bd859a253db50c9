/* Test fixture files (test_pth*.c): where they are, and reading one whole. Include after
 * <cmocka.h>. */
#ifndef CT_TEST_FILE_H
#define CT_TEST_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* dir/name under the source tree ("tests/fixtures/pth", "mlp.pth"): below $CT_SOURCE_DIR,
 * which ctest sets, else found from this header's own path. Four rotating buffers, so a call
 * may use a few paths at once. */
static inline const char *ct_test_source_file(const char *dir, const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ & 3];
  const char *root = getenv("CT_SOURCE_DIR");
  if (root) {
    snprintf(b, sizeof buf[0], "%s/%s/%s", root, dir, name);
  } else {
    snprintf(b, sizeof buf[0], "%s", __FILE__);
    char *tail = strstr(b, "tests/unit/ct_test_file.h");
    if (tail) *tail = 0;
    size_t n = strlen(b);
    snprintf(b + n, sizeof buf[0] - n, "%s/%s", dir, name);
  }
  return b;
}

/* /tmp/<name>.<pid>: a scratch file of this process. ctest runs each test twice at once
 * (plain and _debug), so a fixed name would be written by one while the other reads it. */
static inline const char *ct_test_tmp_file(const char *name) {
  static char buf[4][256];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "/tmp/%s.%ld", name, (long)getpid());
  return b;
}

/* The bytes of path (one spare byte after them for a NUL); fails the test when unreadable. */
static inline unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)n + 1);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* The entries "flags" [True, False, None] and "pair" (1, -2.5) of the checkpoint dict r: the
 * fixture test_pth reads and the file test_pth_write writes both hold them. */
static inline void ct_test_expect_flags_pair(const ct_pth_value *r) {
  ct_pth_value *flags = ct_pth_get(r, "flags");
  assert_int_equal(ct_pth_kind_of(flags), CT_PTH_LIST);
  assert_int_equal(ct_pth_len(flags), 3);
  assert_true(ct_pth_bool(ct_pth_item(flags, 0)));
  assert_false(ct_pth_bool(ct_pth_item(flags, 1)));
  assert_int_equal(ct_pth_kind_of(ct_pth_item(flags, 2)), CT_PTH_NONE);
  ct_pth_value *pair = ct_pth_get(r, "pair");
  assert_int_equal(ct_pth_kind_of(pair), CT_PTH_TUPLE);
  assert_int_equal(ct_pth_int(ct_pth_item(pair, 0)), 1);
  assert_true(ct_pth_float(ct_pth_item(pair, 1)) == -2.5);
}

#endif
