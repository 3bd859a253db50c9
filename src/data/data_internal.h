/* The data layer's kit: what a dataset is inside, for the built-in datasets and the loader. */
#ifndef CT_DATA_INTERNAL_H
#define CT_DATA_INTERNAL_H

#include "../internal.h"
#include "ctorch/data.h"

/* dataset[indices]: a whole batch at once, already collated (each field stacked along a new
 * dim 0), tensors in the current scope; 0 or -1. Datasets backed by tensors gather a batch
 * with one index_select per field instead of n selects and a stack (the loader's hot path). */
typedef int (*ct__dataset_batch_fn)(void *user, const int64_t *indices, int64_t n, ct_sample *batch);

struct ct_dataset {
  _Atomic int refs;
  ct_dataset_len_fn len;
  ct_dataset_get_fn get;
  ct__dataset_batch_fn get_batch; /* optional */
  void *user;
  void (*free_user)(void *user);
  /* optional: move the transformed datasets inside to epoch (or on by epoch when relative);
   * how many were reached. Subset, ConcatDataset and transformed datasets forward it. */
  int (*set_epoch)(void *user, int64_t epoch, bool relative);
};

/* d's set_epoch hook, if any: the number of transformed datasets it reached (0 for none). */
int ct__dataset_set_epoch(ct_dataset *d, int64_t epoch, bool relative);

/* A dataset with a batch gatherer (the built-in tensor-backed datasets). */
ct_dataset *ct__dataset_new_batched(ct_dataset_len_fn len, ct_dataset_get_fn get,
                                    ct__dataset_batch_fn get_batch, void *user,
                                    void (*free_user)(void *user));
/* Check index against len (negative counts from the end); the normalised index or -1 + error. */
int64_t ct__dataset_index(const ct_dataset *d, int64_t index);
/* torchvision's to_tensor on an array: (H, W, C) or (H, W) -> (C, H, W), uint8 scaled to
 * float32 / 255 (transforms.c). */
ct_tensor *ct__to_tensor(const ct_tensor *x);

#endif
