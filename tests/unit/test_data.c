/* torch.utils.data: datasets, random_split, DataLoader (order, workers, errors) and the IDX /
 * MNIST readers. Expected orders were printed by PyTorch 1.13 with the same seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"

#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

static ct_tensor *arange_i64(int64_t n) { return ct_arange(0, (double)n, 1, .dtype = CT_INT64); }

/* the int64 values of a 1-d tensor */
static void expect_ints(const ct_tensor *t, const int64_t *want, int64_t n, int line) {
  if (!t || ct_numel(t) != n) fail_msg("line %d: %lld elements, want %lld", line, (long long)(t ? ct_numel(t) : -1), (long long)n);
  ct_tensor *c = ct_contiguous(ct_to(t, CT_INT64));
  const int64_t *p = ct_data_ptr(c);
  for (int64_t i = 0; i < n; i++)
    if (p[i] != want[i]) fail_msg("line %d: element %lld is %lld, want %lld", line, (long long)i, (long long)p[i], (long long)want[i]);
}
#define EXPECT_INTS(t, ...) \
  expect_ints(t, (int64_t[]){__VA_ARGS__}, sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), __LINE__)

static void test_tensor_dataset(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_reshape(arange_i64(12), CT_SHAPE(6, 2)), *y = arange_i64(6);
  ct_dataset *ds = ct_tensor_dataset(CT_TENSORS(x, y));
  assert_int_equal(ct_dataset_len(ds), 6);
  ct_sample s;
  assert_int_equal(ct_dataset_get(ds, -1, &s), 0);
  assert_int_equal(s.n, 2);
  EXPECT_INTS(s.t[0], 10, 11);
  EXPECT_INTS(s.t[1], 5);
  expect_fail(ct_dataset_get(ds, 6, &s), "index 6 is out of bounds for dataset of size 6");
  expect_error(ct_tensor_dataset(CT_TENSORS(x, arange_i64(5))), "Size mismatch between tensors");
  /* Subset and ConcatDataset */
  ct_dataset *sub = ct_subset(ds, (int64_t[]){4, 1}, 2);
  assert_int_equal(ct_dataset_len(sub), 2);
  assert_int_equal(ct_dataset_get(sub, 0, &s), 0);
  EXPECT_INTS(s.t[1], 4);
  ct_dataset *cat = ct_concat_dataset((ct_dataset *[]){sub, ds}, 2);
  assert_int_equal(ct_dataset_len(cat), 8);
  assert_int_equal(ct_dataset_get(cat, 2, &s), 0);
  EXPECT_INTS(s.t[1], 0);
  assert_int_equal(ct_dataset_get(cat, 1, &s), 0);
  EXPECT_INTS(s.t[1], 1);
  assert_ptr_equal(ct_dataset_retain(ds), ds);
  ct_dataset_free(ds);
  ct_dataset_free(ds); /* the subset and the concat still hold it */
  assert_int_equal(ct_dataset_get(cat, 7, &s), 0);
  EXPECT_INTS(s.t[1], 5);
  ct_dataset_free(cat);
  ct_dataset_free(sub);
  ct_scope_end();
}

static void test_random_split(void **state) {
  (void)state;
  ct_scope_begin();
  ct_dataset *ds = ct_tensor_dataset(CT_TENSORS(arange_i64(10)));
  ct_generator *g = ct_generator_new(42);
  ct_dataset *parts[3];
  /* random_split(TensorDataset(arange(10)), [0.7, 0.3], Generator().manual_seed(42)) */
  assert_int_equal(ct_random_split(ds, (double[]){0.7, 0.3}, 2, g, parts), 0);
  ct_dataloader *dl = ct_dataloader_new(parts[0], .batch_size = 10);
  ct_sample b;
  assert_int_equal(ct_dataloader_next(dl, &b), 1);
  EXPECT_INTS(b.t[0], 2, 6, 1, 8, 4, 5, 0);
  ct_dataloader_free(dl);
  assert_int_equal(ct_dataset_len(parts[1]), 3);
  ct_dataset_free(parts[0]);
  ct_dataset_free(parts[1]);
  ct_generator_manual_seed(g, 42);
  assert_int_equal(ct_random_split(ds, (double[]){3, 3, 4}, 3, g, parts), 0);
  ct_sample s;
  assert_int_equal(ct_dataset_get(parts[2], 0, &s), 0);
  EXPECT_INTS(s.t[0], 0); /* [0, 9, 3, 7] */
  assert_int_equal(ct_dataset_get(parts[2], 3, &s), 0);
  EXPECT_INTS(s.t[0], 7);
  for (int i = 0; i < 3; i++) ct_dataset_free(parts[i]);
  expect_fail(ct_random_split(ds, (double[]){3, 3}, 2, g, parts),
              "Sum of input lengths does not equal the length of the input dataset!");
  ct_generator_free(g);
  ct_dataset_free(ds);
  ct_scope_end();
}

/* every batch of one epoch, concatenated, as int64 */
static ct_tensor *epoch_of(ct_dataloader *dl, int64_t *nbatches) {
  ct_tensor *parts[64];
  int n = 0;
  ct_sample b;
  int rc;
  while ((rc = ct_dataloader_next(dl, &b)) > 0) parts[n++] = b.t[0];
  if (rc) fail_msg("epoch: %s", ct_last_error());
  if (nbatches) *nbatches = n;
  return ct_cat(parts, n, 0);
}

static void test_loader_order(void **state) {
  (void)state;
  ct_scope_begin();
  ct_dataset *ds = ct_tensor_dataset(CT_TENSORS(arange_i64(10)));
  /* DataLoader(ds, batch_size=10, shuffle=True, generator=Generator().manual_seed(5)): two epochs */
  ct_generator *g = ct_generator_new(5);
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 10, .shuffle = true, .generator = g);
  EXPECT_INTS(epoch_of(dl, NULL), 7, 4, 8, 1, 2, 3, 6, 5, 9, 0);
  EXPECT_INTS(epoch_of(dl, NULL), 2, 1, 6, 3, 5, 9, 4, 7, 8, 0);
  ct_dataloader_free(dl);
  /* without a generator: torch.manual_seed(3); DataLoader(TensorDataset(arange(7)), 3, shuffle=True) */
  ct_dataset *d7 = ct_tensor_dataset(CT_TENSORS(arange_i64(7)));
  ct_manual_seed(3);
  dl = ct_dataloader_new(d7, .batch_size = 3, .shuffle = true);
  assert_int_equal(ct_dataloader_len(dl), 3);
  int64_t nb;
  EXPECT_INTS(epoch_of(dl, &nb), 3, 2, 5, 4, 1, 0, 6);
  assert_int_equal(nb, 3);
  EXPECT_INTS(epoch_of(dl, NULL), 3, 1, 6, 0, 2, 4, 5);
  ct_dataloader_free(dl);
  /* sequential, drop_last, an explicit sampler */
  dl = ct_dataloader_new(d7, .batch_size = 3, .drop_last = true);
  assert_int_equal(ct_dataloader_len(dl), 2);
  EXPECT_INTS(epoch_of(dl, &nb), 0, 1, 2, 3, 4, 5);
  ct_dataloader_free(dl);
  /* a named array: a compound literal inside the options macro would not outlive it */
  static const int64_t order[] = {6, -7, 3};
  dl = ct_dataloader_new(d7, .batch_size = 2, .sampler = order, .sampler_len = 3);
  EXPECT_INTS(epoch_of(dl, &nb), 6, 0, 3);
  assert_int_equal(nb, 2);
  ct_dataloader_free(dl);
  ct_generator_free(g);
  ct_dataset_free(ds);
  ct_dataset_free(d7);
  ct_scope_end();
}

/* a C-callback dataset: item i is (i * 10 as float, i % 3), failing at fail_at */
typedef struct {
  int64_t n, fail_at;
} cb_ds;
static int64_t cb_len(void *u) { return ((cb_ds *)u)->n; }
static int cb_get(void *u, int64_t i, ct_sample *s) {
  cb_ds *d = u;
  if (i == d->fail_at) return ct_set_error("item %lld is broken", (long long)i);
  s->n = 2;
  s->t[0] = ct_scalar_tensor((double)i * 10, CT_FLOAT32);
  s->t[1] = ct_full(CT_SHAPE(1), (double)(i % 3), .dtype = CT_INT64);
  return 0;
}

static void test_loader_workers(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  cb_ds spec = {50, -1};
  ct_dataset *ds = ct_dataset_new(cb_len, cb_get, &spec, NULL);
  ct_tensor *want = NULL;
  for (int workers = 0; workers <= 3; workers++) {
    ct_generator *g = ct_generator_new(11);
    ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 4, .shuffle = true, .generator = g,
                                          .num_workers = workers);
    for (int e = 0; e < 2; e++) {
      ct_tensor *got = epoch_of(dl, NULL);
      if (e == 1 && !want) want = got;
      if (e == 1) assert_true(ct_equal(got, want)); /* the same order whatever the workers */
    }
    /* abandon an epoch halfway, then a full one */
    ct_sample b;
    assert_int_equal(ct_dataloader_next(dl, &b), 1);
    assert_int_equal(ct_size(b.t[1], 0), 4);
    assert_int_equal(ct_size(b.t[1], 1), 1);
    ct_dataloader_reset(dl);
    int64_t nb;
    epoch_of(dl, &nb);
    assert_int_equal(nb, 13);
    ct_dataloader_free(dl);
    ct_generator_free(g);
  }
  /* a failing __getitem__ names the batch and the item, then the next epoch starts cleanly */
  spec.fail_at = 9;
  for (int workers = 0; workers <= 2; workers += 2) {
    ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 4, .num_workers = workers);
    ct_sample b;
    int rc = 0, k = 0;
    while ((rc = ct_dataloader_next(dl, &b)) > 0) k++;
    assert_int_equal(k, 2);
    expect_fail(rc < 0, "item 9 is broken");
    ct_dataloader_free(dl);
  }
  ct_dataset_free(ds);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static int sum_collate(const ct_sample *s, int n, ct_sample *b, void *user) {
  (void)user;
  ct_tensor *xs[16];
  for (int i = 0; i < n; i++) xs[i] = s[i].t[0];
  b->n = 1;
  b->t[0] = ct_sum(ct_stack(xs, n, 0));
  return b->t[0] ? 0 : -1;
}

static void test_loader_collate_and_errors(void **state) {
  (void)state;
  ct_scope_begin();
  cb_ds spec = {5, -1};
  ct_dataset *ds = ct_dataset_new(cb_len, cb_get, &spec, NULL);
  ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 2, .collate_fn = sum_collate);
  ct_sample b;
  assert_int_equal(ct_dataloader_next(dl, &b), 1);
  assert_int_equal(b.n, 1);
  assert_true(ct_item(b.t[0]) == 10.0); /* 0 + 10 */
  ct_dataloader_free(dl);
  expect_error(ct_dataloader_new(ds, .batch_size = 0),
               "batch_size should be a positive integer value, but got batch_size=0");
  expect_error(ct_dataloader_new(ds, .num_workers = -1), "num_workers option should be non-negative");
  static const int64_t zero[] = {0};
  expect_error(ct_dataloader_new(ds, .shuffle = true, .sampler = zero, .sampler_len = 1),
               "sampler option is mutually exclusive with shuffle");
  expect_error(ct_dataloader_new(NULL), "dataset is NULL");
  ct_dataset_free(ds);
  ct_scope_end();
}

/* ---- IDX ----------------------------------------------------------------------------------- */
static void write_file(const char *path, const unsigned char *p, size_t n, bool gz) {
  if (gz) {
    gzFile f = gzopen(path, "wb");
    gzwrite(f, p, (unsigned)n);
    gzclose(f);
  } else {
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
  }
}

static void test_idx(void **state) {
  (void)state;
  ct_scope_begin();
  char path[64];
  snprintf(path, sizeof path, "/tmp/ct_idx_%d", (int)getpid());
  /* ubyte (2, 3) and big-endian int32 (2,) */
  const unsigned char u8[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 5, 6};
  const unsigned char i32[] = {0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE};
  for (int gz = 0; gz < 2; gz++) {
    write_file(path, u8, sizeof u8, gz);
    ct_tensor *t = ct_idx_load(path);
    assert_non_null(t);
    assert_int_equal(ct_dtype_of(t), CT_UINT8);
    assert_int_equal(ct_size(t, 1), 3);
    EXPECT_INTS(ct_flatten(t, 0, -1), 1, 2, 3, 250, 5, 6);
    write_file(path, i32, sizeof i32, gz);
    EXPECT_INTS(ct_idx_load(path), 256, -2);
    write_file(path, u8, sizeof u8 - 1, gz);
    expect_error(ct_idx_load(path), "truncated IDX file");
  }
  const unsigned char bad[] = {1, 0, 8, 1, 0, 0, 0, 1, 7};
  write_file(path, bad, sizeof bad, false);
  expect_error(ct_idx_load(path), "not an IDX file (bad magic number)");
  const unsigned char badtype[] = {0, 0, 7, 1, 0, 0, 0, 1, 7};
  write_file(path, badtype, sizeof badtype, false);
  expect_error(ct_idx_load(path), "unknown IDX element type 0x07");
  /* an empty tensor (a zero dim) whose other dims overflow the strides: named, found by fuzz_files */
  const unsigned char huge[] = {0, 0, 8, 4, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff};
  write_file(path, huge, sizeof huge, false);
  expect_error(ct_idx_load(path), "IDX dims overflow");
  /* a gzip header followed by garbage */
  const unsigned char badgz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3};
  write_file(path, badgz, sizeof badgz, false);
  expect_error(ct_idx_load(path), path);
  unlink(path);
  expect_error(ct_idx_load(path), "No such file or directory");
  expect_error(ct_mnist("/nonexistent", true), "Dataset not found");
  ct_scope_end();
}

#define FMNIST "/usr/share/datasets/fashion-mnist"

static void test_fashion_mnist(void **state) {
  (void)state;
  if (access(FMNIST "/train-labels-idx1-ubyte.gz", R_OK) != 0) skip(); /* make deps installs it */
  ct_scope_begin();
  ct_dataset *train = ct_mnist(FMNIST, true), *test = ct_mnist(FMNIST, false);
  assert_non_null(train);
  assert_non_null(test);
  assert_int_equal(ct_dataset_len(train), 60000);
  assert_int_equal(ct_dataset_len(test), 10000);
  ct_sample s;
  assert_int_equal(ct_dataset_get(train, 0, &s), 0);
  assert_int_equal(ct_dim(s.t[0]), 3);
  assert_int_equal(ct_size(s.t[0], 0), 1);
  assert_int_equal(ct_dtype_of(s.t[0]), CT_FLOAT32);
  EXPECT_INTS(s.t[1], 9); /* an ankle boot */
  assert_true(fabs(ct_item(ct_sum(s.t[0])) - 299.0078431372549) < 1e-3);
  /* a batch through the loader equals the samples */
  ct_dataloader *dl = ct_dataloader_new(test, .batch_size = 5, .num_workers = 1);
  ct_sample b;
  assert_int_equal(ct_dataloader_next(dl, &b), 1);
  EXPECT_INTS(b.t[1], 9, 2, 1, 1, 6);
  assert_int_equal(ct_size(b.t[0], 1), 1);
  assert_int_equal(ct_size(b.t[0], 3), 28);
  ct_dataloader_free(dl);
  ct_dataset_free(train);
  ct_dataset_free(test);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tensor_dataset),  cmocka_unit_test(test_random_split),
      cmocka_unit_test(test_loader_order),    cmocka_unit_test(test_loader_workers),
      cmocka_unit_test(test_loader_collate_and_errors), cmocka_unit_test(test_idx),
      cmocka_unit_test(test_fashion_mnist),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
