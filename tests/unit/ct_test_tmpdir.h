/* A private temporary folder for a test program's files: created by the group setup, removed
 * with its contents by the group teardown; every test starts with no recorded error.
 *   return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);  with T(test_x)
 * Include after <cmocka.h>, "ctorch.h" and "ct_test.h". */
#ifndef CT_TEST_TMPDIR_H
#define CT_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char g_tmp[256];

static int tmpdir_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

static int tmpdir_setup(void **state) {
  (void)state;
  const char *base = getenv("TMPDIR");
  snprintf(g_tmp, sizeof g_tmp, "%s/ct_test_XXXXXX", base ? base : "/tmp");
  return mkdtemp(g_tmp) ? 0 : -1;
}

static int tmpdir_teardown(void **state) {
  (void)state;
  return nftw(g_tmp, tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int tmpdir_clear_error(void **state) {
  (void)state;
  ct_clear_error();
  return 0;
}
#define T(f) cmocka_unit_test_setup(f, tmpdir_clear_error)

/* g_tmp/name, in one of two static buffers (two paths may be live at once) */
static const char *tmp(const char *name) {
  static char buf[2][512];
  static int k;
  k ^= 1;
  snprintf(buf[k], sizeof buf[k], "%s/%s", g_tmp, name);
  return buf[k];
}

/* path gets n bytes of data (the test fails when it cannot) */
static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n) fail_msg("cannot write %s", path);
  fclose(f);
}
#define WRITE_TEXT(path, s) write_file(path, s, strlen(s))

#endif
