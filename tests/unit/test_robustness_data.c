/* torch.utils.data under bad input: NULL everywhere, hostile sizes and indices, a dataset
 * whose callbacks fail or lie, a loader freed mid-epoch with workers busy; nothing leaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"

static void test_null_arguments(void **state) {
  (void)state;
  ct_sample s;
  expect_fail(ct_dataset_get(NULL, 0, &s), "must not be NULL");
  assert_int_equal(ct_dataset_len(NULL), -1);
  ct_dataset_free(NULL);
  assert_null(ct_dataset_retain(NULL));
  expect_error(ct_dataset_new(NULL, NULL, NULL, NULL), "needs its len and get callbacks");
  expect_error(ct_tensor_dataset(NULL, 0), "give 1 to 8 tensors");
  expect_error(ct_subset(NULL, NULL, 0), "Subset");
  expect_error(ct_concat_dataset(NULL, 0), "datasets should not be an empty iterable");
  expect_fail(ct_random_split(NULL, NULL, 0, NULL, NULL), "random_split");
  expect_error(ct_dataloader_new(NULL), "dataset is NULL");
  expect_fail(ct_dataloader_next(NULL, &s), "must not be NULL");
  assert_int_equal(ct_dataloader_len(NULL), -1);
  ct_dataloader_reset(NULL);
  ct_dataloader_free(NULL);
  expect_error(ct_idx_load(NULL), "path is NULL");
  expect_error(ct_mnist(NULL, true), "root is NULL");
  assert_int_equal(ct_set_error("user %d", 7), -1);
  assert_string_equal(ct_last_error(), "user 7");
  ct_clear_error();
}

static void test_hostile_sizes(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(4, 2));
  expect_error(ct_tensor_dataset(CT_TENSORS(ct_scalar_tensor(1, CT_FLOAT32))), "0-dim");
  ct_dataset *ds = ct_tensor_dataset(CT_TENSORS(x));
  ct_sample s;
  expect_fail(ct_dataset_get(ds, INT64_MIN, &s), "out of bounds");
  expect_fail(ct_dataset_get(ds, INT64_MAX, &s), "out of bounds");
  expect_error(ct_subset(ds, NULL, -1), "Subset");
  /* a Subset index out of range fails when read, not when made (PyTorch indexes lazily) */
  int64_t bad[] = {1, 99};
  ct_dataset *sub = ct_subset(ds, bad, 2);
  expect_fail(ct_dataset_get(sub, 1, &s), "index 99 is out of bounds for dataset of size 4");
  ct_dataloader *dl = ct_dataloader_new(sub, .batch_size = 2);
  expect_fail(ct_dataloader_next(dl, &s) < 0, "index 99 is out of bounds");
  ct_dataloader_free(dl);
  ct_dataset_free(sub);
  ct_dataset *parts[2];
  expect_fail(ct_random_split(ds, (double[]){-1, 5}, 2, NULL, parts), "random_split");
  expect_fail(ct_random_split(ds, (double[]){1.5, -0.5}, 2, NULL, parts), "Fraction at index 0 is not between 0 and 1");
  expect_error(ct_dataloader_new(ds, .batch_size = -5), "batch_size should be a positive integer");
  expect_error(ct_dataloader_new(ds, .num_workers = 2, .prefetch_factor = 0), "prefetch_factor");
  static const int64_t oob[] = {0, 4};
  expect_error(ct_dataloader_new(ds, .sampler = oob, .sampler_len = 2), "sampler index 4 is out of bounds");
  expect_error(ct_dataloader_new(ds, .sampler_len = 3), "sampler_len without a sampler");
  /* an empty dataset: no batches, the epoch ends at once */
  ct_dataset *empty = ct_tensor_dataset(CT_TENSORS(ct_zeros(CT_SHAPE(0, 3))));
  dl = ct_dataloader_new(empty, .batch_size = 3, .shuffle = true, .num_workers = 1);
  assert_int_equal(ct_dataloader_len(dl), 0);
  assert_int_equal(ct_dataloader_next(dl, &s), 0);
  ct_dataloader_free(dl);
  ct_dataset_free(empty);
  ct_dataset_free(ds);
  ct_scope_end();
}

/* a dataset whose items have different field counts: collate refuses it */
static int64_t ragged_len(void *u) { (void)u; return 4; }
static int ragged_get(void *u, int64_t i, ct_sample *s) {
  (void)u;
  s->n = i == 2 ? 1 : 2;
  for (int k = 0; k < s->n; k++) s->t[k] = ct_zeros(CT_SHAPE(2));
  return 0;
}
/* a dataset whose item shapes differ: torch.stack's message */
static int shapes_get(void *u, int64_t i, ct_sample *s) {
  (void)u;
  s->n = 1;
  s->t[0] = ct_zeros(CT_SHAPE(i + 1));
  return 0;
}

static void test_lying_datasets(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_dataset *r = ct_dataset_new(ragged_len, ragged_get, NULL, NULL);
  ct_dataloader *dl = ct_dataloader_new(r, .batch_size = 4);
  ct_sample b;
  expect_fail(ct_dataloader_next(dl, &b) < 0, "each element in list of batch should be of equal size");
  ct_dataloader_free(dl);
  ct_dataset *sh = ct_dataset_new(ragged_len, shapes_get, NULL, NULL);
  dl = ct_dataloader_new(sh, .batch_size = 2, .num_workers = 2);
  expect_fail(ct_dataloader_next(dl, &b) < 0, "stack expects each tensor to be equal size");
  /* freed with workers possibly still building */
  ct_dataloader_free(dl);
  ct_dataset_free(r);
  ct_dataset_free(sh);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_hostile_sizes),
      cmocka_unit_test(test_lying_datasets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
