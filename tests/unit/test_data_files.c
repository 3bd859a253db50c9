/* Datasets from files and torchvision's transforms: CSV, .npy pairs, images (stb_image vs
 * PIL 9.4's convert('RGB') / convert('L')), ImageFolder's classes and order, ToTensor,
 * Normalize, RandomCrop, RandomHorizontalFlip, Compose and the per-sample seeding of a
 * transformed dataset. Expected values: tests/unit/data/make_data_fixtures.py (PIL, numpy
 * and torch 1.13; torchvision is not installed, so the random transforms are replayed there
 * with torch's draws as torchvision 0.14 makes them). */
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


static const char *data_path(const char *name) {
  static char buf[1024];
  const char *root = getenv("CT_SOURCE_DIR");
  if (root) {
    snprintf(buf, sizeof buf, "%s/tests/unit/data/images/%s", root, name);
  } else { /* run by hand: data/ next to this source file */
    snprintf(buf, sizeof buf, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    snprintf(slash ? slash + 1 : buf, sizeof buf - (size_t)(slash ? slash + 1 - buf : 0),
             "data/images/%s", name);
  }
  return buf;
}


static unsigned char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot read %s", path);
  static unsigned char buf[1 << 16];
  *n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return buf;
}

static void copy_file(const char *from, const char *to) {
  size_t n;
  unsigned char *p = read_file(from, &n);
  write_file(to, p, n);
}

/* the largest |t - want| over the elements; fails on a shape mismatch */
static double max_diff(const ct_tensor *t, const ct_tensor *want, int line) {
  if (!t || !want) fail_msg("line %d: NULL tensor (%s)", line, ct_last_error() ? ct_last_error() : "");
  if (ct_dim(t) != ct_dim(want) || ct_numel(t) != ct_numel(want))
    fail_msg("line %d: %d dims / %lld elements, want %d / %lld", line, ct_dim(t), (long long)ct_numel(t),
             ct_dim(want), (long long)ct_numel(want));
  for (int d = 0; d < ct_dim(t); d++)
    if (ct_size(t, d) != ct_size(want, d)) fail_msg("line %d: size %d differs", line, d);
  static double a[4096], b[4096];
  int64_t n = ct_to_doubles(t, a, 4096);
  ct_to_doubles(want, b, 4096);
  double m = 0;
  for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}
#define EXPECT_SAME(t, want) assert_true(max_diff(t, want, __LINE__) == 0)

/* ---- CSV ----------------------------------------------------------------------------------- */
static void test_csv(void **state) {
  (void)state;
  ct_scope_begin();
  WRITE_TEXT(tmp("a.csv"), "x1,x2,y\n1.5, -2 ,3\r\n\n1e-3,nan,0\n");
  ct_tensor *x, *y;
  assert_int_equal(ct_csv_load(tmp("a.csv"), &x, &y, .header = true, .label_column = -1), 0);
  assert_int_equal(ct_dtype_of(x), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(y), CT_INT64);
  assert_int_equal(ct_size(x, 0), 2);
  assert_int_equal(ct_size(x, 1), 2);
  ct_test_expect_vals(x, CT_DOUBLES(1.5, -2, 0.001f, NAN), 1e-7, 0, "x", __LINE__);
  expect_exact(y, 3, 0);
  /* the label in the first column, no header */
  WRITE_TEXT(tmp("b.csv"), "7;1;2\n8;3;4\n9;5;6\n");
  assert_int_equal(ct_csv_load(tmp("b.csv"), &x, &y, .delimiter = ';', .label_column = 0), 0);
  expect_exact(y, 7, 8, 9);
  expect_exact(x, 1, 2, 3, 4, 5, 6);
  /* no label column: every field is a feature, labels untouched */
  y = NULL;
  assert_int_equal(ct_csv_load(tmp("b.csv"), &x, &y, .delimiter = ';'), 0);
  assert_null(y);
  assert_int_equal(ct_size(x, 1), 3);
  /* a dataset */
  ct_dataset *ds = ct_csv_dataset(tmp("a.csv"), .header = true, .label_column = 2);
  assert_int_equal(ct_dataset_len(ds), 2);
  ct_sample s;
  assert_int_equal(ct_dataset_get(ds, 0, &s), 0);
  assert_int_equal(s.n, 2);
  expect_exact(s.t[1], 3);
  ct_dataset_free(ds);
  ds = ct_csv_dataset(tmp("b.csv"), .delimiter = ';');
  assert_int_equal(ct_dataset_get(ds, -1, &s), 0);
  assert_int_equal(s.n, 1);
  expect_exact(s.t[0], 9, 5, 6);
  ct_dataset_free(ds);
  ct_scope_end();
}

static void test_csv_errors(void **state) {
  (void)state;
  ct_tensor *x, *y;
  WRITE_TEXT(tmp("r.csv"), "a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n\n1,2,3,4,5\n1,2,3,4,5\n1,2,3\n");
  expect_fail(ct_csv_load(tmp("r.csv"), &x, &y, .header = true), "r.csv: line 7 has 3 fields, expected 5");
  WRITE_TEXT(tmp("n.csv"), "1,2\n3,4\n5,6\n7,abc\n");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y), "n.csv: line 4, field 2: 'abc' is not a number");
  WRITE_TEXT(tmp("n.csv"), "1,2\n3,\n");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y), "line 2, field 2: '' is not a number");
  WRITE_TEXT(tmp("n.csv"), "0x10,2\n");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y), "'0x10' is not a number");
  WRITE_TEXT(tmp("n.csv"), "1,2.5\n");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y, .label_column = 1), "line 1, field 2: the label '2.5' is not an integer");
  WRITE_TEXT(tmp("n.csv"), "1,1e300\n");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y, .label_column = -1), "not an integer");
  expect_fail(ct_csv_load(tmp("n.csv"), &x, &y, .label_column = 2), "label_column 2 is out of range for rows of 2 fields");
  WRITE_TEXT(tmp("e.csv"), "");
  expect_fail(ct_csv_load(tmp("e.csv"), &x, &y), "e.csv: empty CSV file");
  WRITE_TEXT(tmp("e.csv"), "\n \n");
  expect_fail(ct_csv_load(tmp("e.csv"), &x, &y), "e.csv: empty CSV file");
  WRITE_TEXT(tmp("e.csv"), "a,b\n");
  expect_fail(ct_csv_load(tmp("e.csv"), &x, &y, .header = true), "e.csv: no data rows");
  expect_fail(ct_csv_load(tmp("missing.csv"), &x, &y), "No such file or directory");
  expect_error(ct_csv_dataset(tmp("missing.csv")), "missing.csv");
}

/* ---- .npy ---------------------------------------------------------------------------------- */
static void test_npy_dataset(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_reshape(ct_arange(0, 12, 1, .dtype = CT_FLOAT32), CT_SHAPE(4, 3));
  ct_tensor *y = ct_arange(0, 4, 1, .dtype = CT_INT64);
  assert_int_equal(ct_npy_save(tmp("x.npy"), x), 0);
  assert_int_equal(ct_npy_save(tmp("y.npy"), y), 0);
  assert_int_equal(ct_npy_save(tmp("y3.npy"), ct_arange(0, 3, 1)), 0);
  ct_dataset *ds = ct_npy_dataset(tmp("x.npy"), tmp("y.npy"));
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 4);
  ct_sample b;
  assert_int_equal(ct_dataloader_next(dl, &b), 1);
  EXPECT_SAME(b.t[0], x);
  EXPECT_SAME(b.t[1], y);
  ct_dataloader_free(dl);
  ct_dataset_free(ds);
  ds = ct_npy_dataset(tmp("x.npy"), NULL);
  assert_int_equal(ct_dataset_len(ds), 4);
  ct_dataset_free(ds);
  expect_error(ct_npy_dataset(tmp("x.npy"), tmp("y3.npy")), "has 4 samples");
  expect_error(ct_npy_dataset(tmp("x.npy"), tmp("nope.npy")), "nope.npy");
  ct_scope_end();
}

/* ---- images -------------------------------------------------------------------------------- */
static void check_image(const char *name, double tol) {
  char want[128];
  ct_scope_begin();
  snprintf(want, sizeof want, "%s.rgb.npy", name);
  ct_tensor *rgb = ct_image_load(data_path(name), 3);
  double d = max_diff(rgb, ct_npy_load(data_path(want)), __LINE__);
  if (d > tol) fail_msg("%s: RGB differs from PIL's by %g", name, d);
  assert_int_equal(ct_dtype_of(rgb), CT_UINT8);
  snprintf(want, sizeof want, "%s.l.npy", name);
  ct_tensor *l = ct_image_load(data_path(name), 1);
  d = max_diff(ct_squeeze_dim(l, -1), ct_npy_load(data_path(want)), __LINE__);
  if (d > tol) fail_msg("%s: L differs from PIL's by %g", name, d);
  ct_scope_end();
}

static void test_image_load(void **state) {
  (void)state;
  /* lossless formats: exactly PIL's convert('RGB') / convert('L') */
  const char *exact[] = {"rgb.png", "gray.png", "rgba.png", "la.png", "palette.png", "rgb.bmp", "palette.gif"};
  for (size_t i = 0; i < sizeof exact / sizeof *exact; i++) check_image(exact[i], 0);
  /* JPEG: stb's decoder vs libjpeg-turbo's (IDCT, chroma upsampling): within a few levels */
  check_image("rgb.jpg", 6);
  expect_error(ct_image_load(data_path("rgb.png"), 4), "channels must be 1");
  expect_error(ct_image_load(tmp("none.png"), 3), "No such file or directory");
}

/* root/cls/(sub/)file copies of the fixtures */
static void make_folder(void) {
  rmdir(tmp("root/empty")); /* test_image_folder's empty classes */
  rmdir(tmp("root/also_empty"));
  mkdir(tmp("root"), 0700);
  mkdir(tmp("root/dog"), 0700);
  mkdir(tmp("root/cat"), 0700);
  mkdir(tmp("root/cat/b"), 0700);
  mkdir(tmp("root/cat/b-x"), 0700);
  copy_file(data_path("rgb.png"), tmp("root/cat/z.png"));
  copy_file(data_path("gray.png"), tmp("root/cat/b/a.PNG"));
  copy_file(data_path("rgba.png"), tmp("root/cat/b-x/a.png"));
  copy_file(data_path("rgb.jpg"), tmp("root/cat/b-x/c.jpeg"));
  copy_file(data_path("palette.gif"), tmp("root/cat/skipped.gif"));
  WRITE_TEXT(tmp("root/cat/notes.txt"), "not an image");
  copy_file(data_path("rgb.bmp"), tmp("root/dog/1.bmp"));
  WRITE_TEXT(tmp("root/stray.png"), "a file at the top is no class");
}

static void test_image_folder(void **state) {
  (void)state;
  ct_scope_begin();
  make_folder();
  ct_dataset *ds = ct_image_folder(tmp("root"));
  assert_non_null(ds);
  int64_t nc;
  const char *const *cls = ct_image_folder_classes(ds, &nc);
  assert_int_equal(nc, 2);
  assert_string_equal(cls[0], "cat");
  assert_string_equal(cls[1], "dog");
  /* sorted(os.walk): root/cat < root/cat/b < root/cat/b-x ('-' < '/': "b-x" sorts after "b"
   * as a path only because the walk's roots compare "root/cat/b" < "root/cat/b-x") */
  const char *order[] = {"cat/z.png", "cat/b/a.PNG", "cat/b-x/a.png", "cat/b-x/c.jpeg", "dog/1.bmp"};
  assert_int_equal(ct_dataset_len(ds), 5);
  for (int i = 0; i < 5; i++) {
    const char *p = ct_image_folder_path(ds, i);
    if (!p || !strstr(p, order[i])) fail_msg("sample %d is %s, want %s", i, p ? p : "NULL", order[i]);
  }
  ct_sample s;
  assert_int_equal(ct_dataset_get(ds, 1, &s), 0);
  assert_int_equal(ct_dtype_of(s.t[0]), CT_FLOAT32);
  assert_int_equal(ct_size(s.t[0], 0), 3); /* gray as RGB */
  assert_int_equal(ct_size(s.t[0], 1), 4);
  assert_int_equal(ct_size(s.t[0], 2), 5);
  expect_exact(s.t[1], 0);
  /* ToTensor of PIL's convert('RGB') */
  ct_tensor *want = ct_div_scalar(ct_to(ct_permute(ct_npy_load(data_path("gray.png.rgb.npy")), 3, (int64_t[]){2, 0, 1}), CT_FLOAT32), 255);
  EXPECT_SAME(s.t[0], want);
  assert_int_equal(ct_dataset_get(ds, -1, &s), 0);
  expect_exact(s.t[1], 1);
  ct_dataset_free(ds);
  /* raw uint8 HWC, one channel, other extensions (a named array: a compound literal inside
   * the options macro would end with the macro's block) */
  static const char *const gif_bmp[] = {".gif", ".bmp", NULL};
  ds = ct_image_folder(tmp("root"), .raw = true, .channels = 1, .extensions = gif_bmp);
  assert_int_equal(ct_dataset_len(ds), 2);
  assert_int_equal(ct_dataset_get(ds, 0, &s), 0);
  EXPECT_SAME(ct_squeeze_dim(s.t[0], -1), ct_npy_load(data_path("palette.gif.l.npy")));
  ct_dataset_free(ds);
  /* torchvision's errors */
  mkdir(tmp("root/empty"), 0700);
  mkdir(tmp("root/also_empty"), 0700);
  expect_error(ct_image_folder(tmp("root")), "Found no valid file for the classes also_empty, empty. "
                                           "Supported extensions are: .jpg, .jpeg, .png, .ppm, .bmp, .pgm, .tif, .tiff, .webp");
  mkdir(tmp("noclass"), 0700);
  expect_error(ct_image_folder(tmp("noclass")), "Couldn't find any class folder in");
  expect_error(ct_image_folder(tmp("nope")), "No such file or directory");
  ct_dataset *other = ct_tensor_dataset(CT_TENSORS(ct_zeros(CT_SHAPE(2))));
  expect_error(ct_image_folder_classes(other, &nc), "not an ImageFolder dataset");
  ct_dataset_free(other);
  ct_scope_end();
}

/* ---- transforms ---------------------------------------------------------------------------- */
static void test_to_tensor_normalize(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *u = ct_reshape(ct_arange(0, 256, 1, .dtype = CT_UINT8), CT_SHAPE(16, 16, 1));
  ct_transform *tt = ct_tf_to_tensor();
  ct_tensor *t = ct_transform_apply(tt, u, NULL);
  EXPECT_SAME(t, ct_npy_load(data_path("to_tensor.npy")));
  EXPECT_SAME(ct_transform_apply(tt, ct_reshape(u, CT_SHAPE(16, 16)), NULL), t); /* HW */
  /* other dtypes: moved to CHW, not scaled */
  ct_tensor *f = ct_transform_apply(tt, ct_full(CT_SHAPE(2, 3, 4), 7.0), NULL);
  assert_int_equal(ct_size(f, 0), 4);
  expect_exact(ct_max(f), 7);
  expect_error(ct_transform_apply(tt, ct_zeros(CT_SHAPE(1, 2, 3, 4)), NULL), "pic should be 2/3 dimensional. Got 4 dimensions.");
  ct_transform *nm = ct_tf_normalize((double[]){0.5}, (double[]){0.25}, 1);
  EXPECT_SAME(ct_transform_apply(nm, t, NULL), ct_npy_load(data_path("normalized.npy")));
  /* per channel, batched (..., C, H, W) */
  ct_transform *n3 = ct_tf_normalize((double[]){1, 2, 3}, (double[]){1, 2, 4}, 3);
  ct_tensor *y = ct_transform_apply(n3, ct_full(CT_SHAPE(2, 3, 1, 1), 5.0), NULL);
  expect_exact(y, 4, 1.5, 0.5, 4, 1.5, 0.5);
  expect_error(ct_transform_apply(n3, u, NULL), "Input tensor should be a float tensor. Got torch.uint8.");
  expect_error(ct_transform_apply(n3, ct_zeros(CT_SHAPE(3, 4)), NULL),
               "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = torch.Size([3, 4])");
  expect_error(ct_transform_apply(n3, ct_zeros(CT_SHAPE(2, 4, 4)), NULL), "must match");
  ct_transform *z = ct_tf_normalize((double[]){0}, (double[]){1e-50}, 1);
  expect_error(ct_transform_apply(z, t, NULL),
               "std evaluated to zero after conversion to torch.float32, leading to division by zero.");
  assert_non_null(ct_transform_apply(z, ct_to(t, CT_FLOAT64), NULL)); /* 1e-50 is not 0 in float64 */
  ct_transform_free(tt);
  ct_transform_free(nm);
  ct_transform_free(n3);
  ct_transform_free(z);
  ct_scope_end();
}

static void test_random_crop_flip(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_reshape(ct_arange(0, 60, 1, .dtype = CT_UINT8), CT_SHAPE(2, 5, 6));
  const char *names[] = {"crop_constant.npy", "crop_edge.npy", "crop_reflect.npy", "crop_symmetric.npy"};
  for (int k = 0; k < 4; k++) {
    ct_transform *c = ct_tf_random_crop(CT_INTS(4, 5), .padding = CT_INTS(1, 2, 3, 1), .fill = 7,
                                        .padding_mode = (ct_crop_padding_mode)k);
    ct_manual_seed(10 + k);
    ct_tensor *y = ct_transform_apply(c, x, NULL);
    assert_int_equal(ct_dtype_of(y), CT_UINT8);
    EXPECT_SAME(y, ct_npy_load(data_path(names[k])));
    ct_transform_free(c);
  }
  ct_transform *c = ct_tf_random_crop(CT_INTS(4), .pad_if_needed = true);
  ct_manual_seed(3);
  EXPECT_SAME(ct_transform_apply(c, ct_reshape(ct_arange(0, 12, 1, .dtype = CT_FLOAT32), CT_SHAPE(2, 3, 2)), NULL),
              ct_npy_load(data_path("crop_pad_if_needed.npy")));
  ct_transform_free(c);
  c = ct_tf_random_crop(CT_INTS(4));
  expect_error(ct_transform_apply(c, ct_zeros(CT_SHAPE(3, 2, 9)), NULL),
               "Required crop size (4, 4) is larger than input image size (2, 9)");
  ct_transform_free(c);
  /* the same size: no draw, the image itself */
  c = ct_tf_random_crop(CT_INTS(5, 6));
  ct_manual_seed(1);
  ct_tensor *r0 = ct_rand(CT_SHAPE(1));
  ct_manual_seed(1);
  EXPECT_SAME(ct_transform_apply(c, x, NULL), x);
  EXPECT_SAME(ct_rand(CT_SHAPE(1)), r0);
  ct_transform_free(c);
  /* flips: torch.rand(1) < 0.5 after torch.manual_seed(5) */
  ct_transform *fl = ct_tf_random_horizontal_flip(0.5);
  ct_tensor *want = ct_npy_load(data_path("flips.npy"));
  ct_manual_seed(5);
  for (int i = 0; i < 8; i++) {
    ct_tensor *y = ct_transform_apply(fl, x, NULL);
    bool flipped = ct_get(y, (int64_t[]){0, 0, 0}) == 5;
    assert_int_equal(flipped, ct_get_int64(want, (int64_t[]){i}));
    EXPECT_SAME(y, flipped ? ct_flip(x, 1, (int64_t[]){-1}) : x);
  }
  ct_transform_free(fl);
  ct_scope_end();
}

/* a user transform: x * 2 */
static ct_tensor *twice(void *user, const ct_tensor *x, ct_generator *g) {
  (void)g;
  ++*(int *)user;
  return ct_mul_scalar(x, 2);
}

static void test_compose(void **state) {
  (void)state;
  ct_scope_begin();
  int calls = 0;
  ct_transform *tf = ct_tf_compose(CT_TRANSFORMS(ct_tf_to_tensor(), ct_transform_new(twice, &calls, NULL),
                                                 ct_tf_normalize((double[]){1}, (double[]){0.5}, 1)));
  ct_tensor *y = ct_transform_apply(tf, ct_full(CT_SHAPE(1, 2, 1), 255, .dtype = CT_UINT8), NULL);
  expect_exact(y, 2, 2); /* (255 / 255 * 2 - 1) / 0.5 */
  assert_int_equal(calls, 1);
  assert_ptr_equal(ct_transform_retain(tf), tf);
  ct_transform_free(tf);
  ct_transform_free(tf);
  /* an inline constructor that failed: its error survives, the others are freed */
  expect_error(ct_tf_compose(CT_TRANSFORMS(ct_tf_to_tensor(), ct_tf_random_crop(CT_INTS(1, 2, 3)))),
               "Please provide only two dimensions (h, w) for size.");
  ct_scope_end();
}

/* the transformed dataset: a sample's augmentation depends on (base seed, epoch, index) only */
static ct_tensor *epoch_batch(ct_dataset *ds, int workers, bool shuffle) {
  ct_generator *g = ct_generator_new(1);
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 16, .num_workers = workers, .shuffle = shuffle, .generator = g);
  ct_sample b;
  if (ct_dataloader_next(dl, &b) != 1) fail_msg("loader: %s", ct_last_error());
  ct_dataloader_free(dl);
  ct_generator_free(g);
  return b.t[0];
}

static void test_dataset_transform(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *imgs = ct_reshape(ct_arange(0, 16 * 2 * 6 * 6, 1, .dtype = CT_FLOAT32), CT_SHAPE(16, 2, 6, 6));
  ct_dataset *base = ct_tensor_dataset(CT_TENSORS(imgs, ct_arange(0, 16, 1)));
  ct_transform *tf = ct_tf_compose(CT_TRANSFORMS(ct_tf_random_crop(CT_INTS(4), .padding = CT_INTS(1)),
                                                 ct_tf_random_horizontal_flip(0.5)));
  ct_generator *g = ct_generator_new(42);
  ct_dataset *ds = ct_dataset_transform(base, 0, tf, .generator = g);
  ct_tensor *a = epoch_batch(ds, 0, false);
  assert_int_equal(ct_size(a, 2), 4);
  EXPECT_SAME(epoch_batch(ds, 3, false), a); /* worker count: no effect */
  /* read order: no effect (sample k of a shuffled epoch is sample order[k]) */
  ct_sample s;
  assert_int_equal(ct_dataset_get(ds, 9, &s), 0);
  EXPECT_SAME(s.t[0], ct_select(a, 0, 9));
  expect_exact(s.t[1], 9);
  /* another epoch draws again; going back repeats */
  assert_int_equal(ct_dataset_transform_set_epoch(ds, 1), 0);
  ct_tensor *b = epoch_batch(ds, 2, false);
  assert_true(max_diff(b, a, __LINE__) > 0);
  assert_int_equal(ct_dataset_transform_set_epoch(ds, 0), 0);
  EXPECT_SAME(epoch_batch(ds, 2, false), a);
  /* the same generator seed gives the same base seed */
  ct_generator_manual_seed(g, 42);
  ct_dataset *ds2 = ct_dataset_transform(base, 0, tf, .generator = g);
  EXPECT_SAME(epoch_batch(ds2, 1, false), a);
  expect_fail(ct_dataset_transform_set_epoch(base, 1), "not a transformed dataset");
  ct_dataset *bad = ct_dataset_transform(base, 5, tf);
  expect_fail(ct_dataset_get(bad, 0, &s), "field 5 is out of range for a sample of 2 tensors");
  ct_dataset_free(bad);
  ct_dataset_free(ds2);
  ct_dataset_free(ds);
  ct_dataset_free(base);
  ct_transform_free(tf);
  ct_generator_free(g);
  ct_scope_end();
}

/* One epoch of ds through loader dl, concatenated (the first field). */
static ct_tensor *whole_epoch(ct_dataloader *dl) {
  ct_tensor *parts[8];
  int n = 0;
  ct_sample b;
  while (ct_dataloader_next(dl, &b) == 1) parts[n++] = b.t[0];
  return ct_cat(parts, n, 0);
}

/* The loader moves the transforms on per epoch by itself, through Subset and ConcatDataset,
 * with or without workers; an explicit set_epoch still picks the epoch (resuming). */
static void test_loader_sets_epoch(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *imgs = ct_reshape(ct_arange(0, 8 * 6 * 6, 1, .dtype = CT_FLOAT32), CT_SHAPE(8, 1, 6, 6));
  ct_dataset *base = ct_tensor_dataset(CT_TENSORS(imgs));
  ct_transform *tf = ct_tf_random_crop(CT_INTS(4), .padding = CT_INTS(2));
  ct_generator *g = ct_generator_new(3);
  ct_dataset *aug = ct_dataset_transform(base, 0, tf, .generator = g);
  ct_dataset *sub = ct_subset(aug, (int64_t[]){0, 1, 2, 3, 4, 5, 6, 7}, 8);
  ct_dataset *cat = ct_concat_dataset((ct_dataset *[]){sub}, 1);
  for (int workers = 0; workers <= 2; workers += 2) {
    assert_int_equal(ct_dataset_transform_set_epoch(cat, 0), 0);
    ct_dataloader *dl = ct_dataloader_new(cat, .batch_size = 4, .num_workers = workers);
    ct_tensor *e0 = whole_epoch(dl), *e1 = whole_epoch(dl), *e2 = whole_epoch(dl);
    assert_true(max_diff(e1, e0, __LINE__) > 0); /* a new epoch draws new crops */
    assert_true(max_diff(e2, e1, __LINE__) > 0);
    ct_dataloader_free(dl);
    /* a fresh loader resumed at epoch 2 (set_epoch through Subset and Concat) repeats it */
    assert_int_equal(ct_dataset_transform_set_epoch(cat, 2), 0);
    dl = ct_dataloader_new(cat, .batch_size = 4, .num_workers = workers);
    EXPECT_SAME(whole_epoch(dl), e2);
    ct_dataloader_free(dl);
  }
  ct_dataset *plain = ct_subset(base, NULL, 0);
  expect_fail(ct_dataset_transform_set_epoch(plain, 1), "not a transformed dataset");
  ct_dataset_free(plain);
  ct_dataset_free(cat);
  ct_dataset_free(sub);
  ct_dataset_free(aug);
  ct_dataset_free(base);
  ct_transform_free(tf);
  ct_generator_free(g);
  ct_scope_end();
}

/* ImageFolder(root, transform=Compose([RandomCrop, ToTensor])) through a loader with workers */
static void test_image_folder_loader(void **state) {
  (void)state;
  ct_scope_begin();
  make_folder();
  ct_dataset *raw = ct_image_folder(tmp("root"), .raw = true);
  ct_transform *tf = ct_tf_compose(CT_TRANSFORMS(ct_tf_to_tensor(), ct_tf_random_crop(CT_INTS(3))));
  ct_dataset *ds = ct_dataset_transform(raw, 0, tf);
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 2, .num_workers = 2);
  ct_sample b;
  int64_t seen = 0;
  int rc;
  while ((rc = ct_dataloader_next(dl, &b)) > 0) {
    assert_int_equal(ct_size(b.t[0], 1), 3);
    assert_int_equal(ct_size(b.t[0], 2), 3);
    seen += ct_size(b.t[0], 0);
  }
  assert_int_equal(rc, 0);
  assert_int_equal(seen, 5);
  ct_dataloader_free(dl);
  ct_dataset_free(ds);
  ct_dataset_free(raw);
  ct_transform_free(tf);
  ct_scope_end();
}


int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_csv), T(test_csv_errors), T(test_npy_dataset), T(test_image_load),
      T(test_image_folder), T(test_to_tensor_normalize), T(test_random_crop_flip),
      T(test_compose), T(test_dataset_transform), T(test_loader_sets_epoch), T(test_image_folder_loader),
  };
  return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
