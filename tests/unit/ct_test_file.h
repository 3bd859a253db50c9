/* Reading a whole test fixture file (test_pth*.c). Include after <cmocka.h>. */
#ifndef CT_TEST_FILE_H
#define CT_TEST_FILE_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
