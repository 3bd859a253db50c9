/* Datasets from files and transforms under bad input: NULL everywhere, corrupt and truncated
 * images, a PNG header asking for 10^10 pixels, truncated and binary CSVs, hostile crop sizes
 * and paddings, a folder whose links loop; errors name the file, nothing leaks (ASan). */
#define _GNU_SOURCE /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"
#include "ct_test_tmpdir.h"

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>



/* a valid 2 x 2 RGB PNG (written by PIL) */
static const unsigned char png_2x2[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x16, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xc0,
    0xf0, 0x9f, 0x81, 0x81, 0x81, 0xe1, 0x3f, 0x27, 0x27, 0x27, 0x00, 0x1a, 0x2a, 0x03, 0x19, 0x7e,
    0x5a, 0xe4, 0x51, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static void test_null_arguments(void **state) {
  (void)state;
  ct_tensor *x = NULL, *y = NULL;
  expect_fail(ct_csv_load(NULL, &x, &y), "must not be NULL");
  expect_fail(ct_csv_load(tmp("a.csv"), NULL, &y), "must not be NULL");
  expect_fail(ct_csv_load(tmp("a.csv"), &x, NULL, .label_column = 0), "must not be NULL");
  expect_fail(ct_csv_load(tmp("a.csv"), &x, &y, .delimiter = '\n'), "delimiter");
  expect_fail(ct_csv_load(tmp("a.csv"), &x, &y, .delimiter = 0), "delimiter");
  expect_error(ct_csv_dataset(NULL), "must not be NULL");
  expect_error(ct_npy_dataset(NULL, NULL), "features path is NULL");
  expect_error(ct_image_load(NULL, 3), "path is NULL");
  expect_error(ct_image_folder(NULL), "root is NULL");
  expect_error(ct_image_folder(tmp("x"), .channels = 2), "channels must be 1 or 3");
  int64_t n;
  expect_error(ct_image_folder_classes(NULL, &n), "not an ImageFolder");
  expect_error(ct_image_folder_path(NULL, 0), "not an ImageFolder");
  expect_error(ct_transform_new(NULL, NULL, NULL), "fn is NULL");
  expect_error(ct_transform_apply(NULL, NULL, NULL), "must not be NULL");
  assert_null(ct_transform_retain(NULL));
  ct_transform_free(NULL);
  expect_error(ct_tf_normalize(NULL, NULL, 1), "Normalize");
  expect_error(ct_tf_normalize((double[]){1}, (double[]){1}, 0), "Normalize");
  expect_error(ct_tf_compose(NULL, 1), "Compose");
  expect_error(ct_tf_compose((ct_transform *[]){NULL}, 1), "Compose: a transform is NULL");
  expect_error(ct_dataset_transform(NULL, 0, NULL), "must not be NULL");
  expect_fail(ct_dataset_transform_set_epoch(NULL, 0), "not a transformed dataset");
  ct_transform *tt = ct_tf_to_tensor();
  expect_error(ct_transform_apply(tt, NULL, NULL), "must not be NULL");
  ct_transform_free(tt);
}

static void test_bad_images(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  write_file(tmp("ok.png"), png_2x2, sizeof png_2x2);
  ct_scope_begin();
  assert_int_equal(ct_numel(ct_image_load(tmp("ok.png"), 3)), 12);
  ct_scope_end();
  /* truncated at every length: an error naming the file, never a crash */
  for (size_t len = 0; len < sizeof png_2x2 - 12; len++) {
    write_file(tmp("cut.png"), png_2x2, len);
    expect_error(ct_image_load(tmp("cut.png"), 3), "cut.png");
  }
  /* a flipped byte in the compressed data */
  unsigned char bad[sizeof png_2x2];
  memcpy(bad, png_2x2, sizeof bad);
  bad[45] ^= 0xFF;
  write_file(tmp("bad.png"), bad, sizeof bad);
  expect_error(ct_image_load(tmp("bad.png"), 3), "bad.png: cannot decode the image");
  /* not an image at all */
  WRITE_TEXT(tmp("text.png"), "hello");
  expect_error(ct_image_load(tmp("text.png"), 3), "cannot identify image file");
  /* a header asking for 15000 x 15000 pixels: refused before any allocation (PIL's limit;
   * stb refuses 2^30 bytes and more by itself) */
  memcpy(bad, png_2x2, sizeof bad);
  memcpy(bad + 16, (unsigned char[]){0, 0, 0x3A, 0x98, 0, 0, 0x3A, 0x98}, 8);
  write_file(tmp("bomb.png"), bad, sizeof bad);
  expect_error(ct_image_load(tmp("bomb.png"), 3), "bomb.png: Image size (225000000 pixels) exceeds limit");
  memcpy(bad + 16, (unsigned char[]){0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0}, 8);
  write_file(tmp("bomb.png"), bad, sizeof bad);
  expect_error(ct_image_load(tmp("bomb.png"), 3), "bomb.png");
  /* PGMs whose maxval is not 255 (stb would keep maxval 100's values unscaled and read
   * 16-bit samples byte-swapped): refused; the fuzzer's truncated 7777 x 777 16-bit header, which
   * made stb read past its buffer, is one of them */
  static const unsigned char pgm16[] = "P5 2 1 65535\n\x12\x34\xAB\xCD";
  write_file(tmp("wide.pgm"), pgm16, sizeof pgm16 - 1);
  expect_error(ct_image_load(tmp("wide.pgm"), 3), "wide.pgm: PNM images with maxval 65535 are not supported");
  static const unsigned char pgm100[] = "P5 # comment\n2 1\n100\n\x32\xCD";
  write_file(tmp("low.pgm"), pgm100, sizeof pgm100 - 1);
  expect_error(ct_image_load(tmp("low.pgm"), 1), "low.pgm: PNM images with maxval 100 are not supported");
  static const unsigned char cut16[] = "P57777\v\v\f\r777\v\v\f\r7777w7777\n2\x03";
  write_file(tmp("cut16.pgm"), cut16, sizeof cut16 - 1);
  expect_error(ct_image_load(tmp("cut16.pgm"), 3), "cut16.pgm: PNM images with maxval 7777");
  /* a 1x1 uncompressed TGA: stb would decode it, but its TGA reader (no signature) is kept
   * away from untrusted bytes */
  static const unsigned char tga[] = {0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 24, 0, 1, 2, 3};
  write_file(tmp("one.tga"), tga, sizeof tga);
  expect_error(ct_image_load(tmp("one.tga"), 3), "cannot identify image file");
  /* maxval 255 decodes */
  static const unsigned char pgm255[] = "P5 2 1 255\n\x32\xCD";
  write_file(tmp("ok.pgm"), pgm255, sizeof pgm255 - 1);
  ct_scope_begin();
  const uint8_t *v = ct_data_ptr(ct_image_load(tmp("ok.pgm"), 3));
  assert_true(v[0] == 0x32 && v[2] == 0x32 && v[3] == 0xCD);
  ct_scope_end();
  /* a folder */
  expect_error(ct_image_load(g_tmp, 3), "cannot identify image file");
  assert_int_equal(ct_live_tensors(), live);
}

static void test_bad_folders(void **state) {
  (void)state;
  ct_scope_begin();
  mkdir(tmp("f"), 0700);
  mkdir(tmp("f/a"), 0700);
  write_file(tmp("f/a/ok.png"), png_2x2, sizeof png_2x2);
  write_file(tmp("f/a/torn.png"), png_2x2, 40);
  /* a link back up: walked once, not forever */
  if (symlink("..", tmp("f/a/loop"))) fail_msg("symlink");
  ct_dataset *ds = ct_image_folder(tmp("f"));
  int64_t n;
  assert_non_null(ct_image_folder_classes(ds, &n));
  assert_int_equal(n, 1);
  assert_true(ct_dataset_len(ds) >= 2);
  expect_error(ct_image_folder_path(ds, 1000), "out of bounds");
  expect_error(ct_image_folder_classes(ds, NULL), "n is NULL");
  /* the bad image fails its read, in a worker too, naming the file */
  ct_sample s;
  expect_fail(ct_dataset_get(ds, 1, &s), "torn.png");
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 1, .num_workers = 2);
  int rc;
  while ((rc = ct_dataloader_next(dl, &s)) > 0) {
  }
  expect_fail(rc < 0, "torn.png");
  ct_dataloader_free(dl);
  ct_dataset_free(ds);
  /* a class folder holding only subfolders of non-images */
  mkdir(tmp("g"), 0700);
  mkdir(tmp("g/c"), 0700);
  mkdir(tmp("g/c/d"), 0700);
  WRITE_TEXT(tmp("g/c/d/x.txt"), "x");
  expect_error(ct_image_folder(tmp("g")), "Found no valid file for the classes c.");
  /* a file as root */
  expect_error(ct_image_folder(tmp("f/a/ok.png")), "Not a directory");
  ct_scope_end();
}

static void test_bad_csv(void **state) {
  (void)state;
  ct_tensor *x, *y;
  int64_t live = ct_live_tensors();
  /* truncated mid-row */
  WRITE_TEXT(tmp("t.csv"), "1,2,3\n4,5,6\n7,8");
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y), "t.csv: line 3 has 2 fields, expected 3");
  WRITE_TEXT(tmp("t.csv"), "1,2,3\n4,5,6\n7,8,");
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y), "line 3, field 3: '' is not a number");
  /* binary */
  write_file(tmp("t.csv"), "1,2\n3,\0\n", 8);
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y), "line 2 holds a NUL byte");
  /* a long field is shown shortened */
  char big[5000];
  memset(big, 'z', sizeof big - 2);
  big[sizeof big - 2] = '\n', big[sizeof big - 1] = 0;
  WRITE_TEXT(tmp("t.csv"), big);
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y), "zzzzzzzzzzzz...' is not a number");
  /* a label column far out of range, and the most negative one */
  WRITE_TEXT(tmp("t.csv"), "1,2\n");
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y, .label_column = INT64_MAX), "out of range");
  expect_fail(ct_csv_load(tmp("t.csv"), &x, &y, .label_column = INT64_MIN + 1), "out of range");
  /* a directory */
  expect_fail(ct_csv_load(g_tmp, &x, &y), g_tmp);
  /* a single column that is the label: features (N, 0) */
  ct_scope_begin();
  WRITE_TEXT(tmp("t.csv"), "1\n2\n");
  assert_int_equal(ct_csv_load(tmp("t.csv"), &x, &y, .label_column = 0), 0);
  assert_int_equal(ct_size(x, 0), 2);
  assert_int_equal(ct_size(x, 1), 0);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_bad_transforms(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *img = ct_zeros(CT_SHAPE(1, 3, 3));
  expect_error(ct_tf_random_crop((ct_ints){0}), "Please provide only two dimensions");
  expect_error(ct_tf_random_crop(CT_INTS(2), .padding = CT_INTS(1, 2, 3)), "not a 3 element tuple");
  expect_error(ct_tf_random_crop(CT_INTS(2), .padding = CT_INTS(-1)), "negative padding");
  expect_error(ct_tf_random_crop(CT_INTS(-2)), "must be >= 0");
  expect_error(ct_tf_random_crop(CT_INTS(2), .padding_mode = (ct_crop_padding_mode)9), "Padding mode should be either");
  expect_error(ct_tf_random_horizontal_flip(1.5), "p should be between 0 and 1");
  expect_error(ct_tf_random_horizontal_flip(NAN), "p should be between 0 and 1");
  ct_transform *c = ct_tf_random_crop(CT_INTS(INT64_MAX, 1));
  expect_error(ct_transform_apply(c, img, NULL), "is larger than input image size");
  ct_transform_free(c);
  c = ct_tf_random_crop(CT_INTS(2), .padding = CT_INTS(4), .padding_mode = CT_CROP_PAD_SYMMETRIC);
  expect_error(ct_transform_apply(c, img, NULL), "symmetric padding (4, 4) is larger than the image");
  ct_transform_free(c);
  c = ct_tf_random_crop(CT_INTS(2), .padding = CT_INTS(3), .padding_mode = CT_CROP_PAD_REFLECT);
  expect_error(ct_transform_apply(c, img, NULL), "Padding size should be less than");
  ct_transform_free(c);
  c = ct_tf_random_crop(CT_INTS(2), .padding = CT_INTS(INT64_MAX / 4));
  assert_null(ct_transform_apply(c, img, NULL));
  ct_clear_error();
  expect_error(ct_transform_apply(c, ct_zeros(CT_SHAPE(3)), NULL), "not a torch image");
  ct_transform_free(c);
  ct_transform *f = ct_tf_random_horizontal_flip(1);
  expect_error(ct_transform_apply(f, ct_zeros(CT_SHAPE(3)), NULL), "not a torch image");
  ct_transform_free(f);
  /* empty images pass through */
  ct_transform *tt = ct_tf_to_tensor();
  ct_tensor *e = ct_transform_apply(tt, ct_zeros(CT_SHAPE(0, 4, 3), .dtype = CT_UINT8), NULL);
  assert_int_equal(ct_size(e, 1), 0);
  ct_transform_free(tt);
  ct_scope_end();
}


int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_null_arguments), T(test_bad_images), T(test_bad_folders), T(test_bad_csv),
      T(test_bad_transforms),
  };
  return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
