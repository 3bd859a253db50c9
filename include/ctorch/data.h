/* torch.utils.data in C: datasets (C callbacks, TensorDataset, Subset, random_split,
 * ConcatDataset), the DataLoader with worker threads, and the dataset readers (IDX for MNIST /
 * Fashion-MNIST).
 *
 * A sample is a short tuple of tensors, (image, label) for most datasets. A DataLoader batches
 * samples by stacking each field along a new dim 0 (default_collate), in the order of its
 * sampler; with num_workers > 0, worker threads build the next batches while the caller trains,
 * and batches still come out in sampler order, so results never depend on the worker count.
 *
 *   ct_dataset *ds = ct_tensor_dataset(CT_TENSORS(x, y));
 *   ct_dataloader *dl = ct_dataloader_new(ds, .batch_size = 64, .shuffle = true, .generator = g);
 *   ct_sample b;
 *   while (ct_dataloader_next(dl, &b) > 0) { ... b.t[0], b.t[1] ... }   // one epoch
 *   ct_dataloader_free(dl); ct_dataset_free(ds); */
#ifndef CTORCH_DATA_H
#define CTORCH_DATA_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif
/* Exported from libctorch.so, which is built with -fvisibility=hidden (CMakeLists.txt). */
#pragma GCC visibility push(default)

/* ---- samples ------------------------------------------------------------------------------- */
#define CT_SAMPLE_MAX 8
/* A sample or a batch: n tensors (input, target, ...). */
typedef struct ct_sample {
  int n;
  ct_tensor *t[CT_SAMPLE_MAX];
} ct_sample;

/* ---- datasets -------------------------------------------------------------------------------
 * Datasets are reference counted: ct_subset, ct_concat_dataset, a DataLoader ... hold the
 * datasets they read; ct_dataset_free drops the caller's reference. */
typedef struct ct_dataset ct_dataset;

/* A map-style Dataset in C: __len__ and __getitem__ as callbacks. get fills s (tensors in the
 * current scope) and returns 0, or -1 with an error recorded (ct_last_error). With
 * num_workers > 0 it is called from worker threads, several at once. free_user (may be NULL)
 * is called on user when the dataset is freed. */
typedef int64_t (*ct_dataset_len_fn)(void *user);
typedef int (*ct_dataset_get_fn)(void *user, int64_t index, ct_sample *s);
ct_dataset *ct_dataset_new(ct_dataset_len_fn len, ct_dataset_get_fn get, void *user,
                           void (*free_user)(void *user));
/* len(dataset); -1 for NULL. */
int64_t ct_dataset_len(const ct_dataset *d);
/* dataset[index] (negative indices count from the end, as Python's); 0 or -1 + error
 * ("index 10 is out of bounds for dataset of size 10"). */
int ct_dataset_get(const ct_dataset *d, int64_t index, ct_sample *s);
/* Another reference to d (returns d); ct_dataset_free drops one; NULL is ignored. */
ct_dataset *ct_dataset_retain(ct_dataset *d);
void ct_dataset_free(ct_dataset *d);

/* TensorDataset(*tensors): sample i is (t[i] for t in tensors); the tensors are retained.
 * NULL + "Size mismatch between tensors" when their first dims differ. */
ct_dataset *ct_tensor_dataset(ct_tensor *const *tensors, int n);
/* Subset(dataset, indices): n indices into d (copied). */
ct_dataset *ct_subset(ct_dataset *d, const int64_t *indices, int64_t n);
/* ConcatDataset(datasets). */
ct_dataset *ct_concat_dataset(ct_dataset *const *ds, int n);
/* random_split(dataset, lengths, generator): n lengths that sum to len(d), or fractions that
 * sum to 1 (1.13's rule: floor each, then hand the remainder out round-robin); out receives n
 * Subsets drawn with torch.randperm(len(d), generator) (NULL: the default generator), so the
 * split equals PyTorch's for the same seed. 0, or -1 + PyTorch's message. */
int ct_random_split(ct_dataset *d, const double *lengths, int n, ct_generator *generator,
                    ct_dataset **out);

/* ---- DataLoader ------------------------------------------------------------------------------ */
typedef struct ct_dataloader ct_dataloader;
/* collate_fn: n samples in, one batch out (tensors in the current scope); 0 or -1. */
typedef int (*ct_collate_fn)(const ct_sample *samples, int n, ct_sample *batch, void *user);
typedef struct ct_dataloader_opts {
  int64_t batch_size;    /* 1 */
  bool shuffle;          /* false: sequential order */
  bool drop_last;        /* false */
  ct_generator *generator; /* NULL: the default generator. Draws as PyTorch's DataLoader does
                          * (each epoch: the iterator's base seed, then RandomSampler's
                          * randperm), so with the same seed the order is PyTorch's */
  const int64_t *sampler; /* optional: explicit indices (a Sampler's order), used every epoch */
  int64_t sampler_len;
  ct_collate_fn collate_fn; /* NULL: default_collate (torch.stack of every field) */
  void *collate_user;
  int num_workers;      /* 0: batches are built in the calling thread */
  int prefetch_factor;  /* batches in flight per worker: 2 */
} ct_dataloader_opts;
/* DataLoader(dataset, ...): retains d. NULL + PyTorch's message for a batch_size < 1,
 * num_workers < 0, or shuffle together with a sampler ("sampler option is mutually exclusive
 * with shuffle"). */
ct_dataloader *ct_dataloader_new_ex(ct_dataset *d, ct_dataloader_opts o);
#define ct_dataloader_new(d, ...) \
  ct_dataloader_new_ex(d, CT_OPTS(ct_dataloader_opts, .batch_size = 1, .prefetch_factor = 2, __VA_ARGS__))
/* len(loader): batches per epoch. */
int64_t ct_dataloader_len(const ct_dataloader *dl);
/* next(iter(loader)): 1 with the next batch in *batch (tensors in the current scope), 0 when
 * the epoch is over (the next call starts a new epoch, reshuffled), -1 + error (a failing
 * __getitem__ or collate: the error names the sample index). */
int ct_dataloader_next(ct_dataloader *dl, ct_sample *batch);
/* Abandon the current epoch (the next call starts a new one). */
void ct_dataloader_reset(ct_dataloader *dl);
/* Stops the workers and frees the loader; NULL is ignored. */
void ct_dataloader_free(ct_dataloader *dl);

/* ---- readers --------------------------------------------------------------------------------- */
/* An IDX file (MNIST's format: magic 0x0000TTDD, big-endian dims, then the data), gzipped or
 * not (zlib): a tensor of its type (ubyte -> uint8, byte -> int8, short -> int16, int ->
 * int32, float -> float32, double -> float64) and shape. NULL + an error naming the file for a
 * missing, truncated or corrupt file. */
ct_tensor *ct_idx_load(const char *path);
/* torchvision.datasets.MNIST / FashionMNIST(root, train): root holds train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may end in
 * .gz). Samples are (image float32 (1, 28, 28) in [0, 1] as ToTensor gives, label int64 0-dim).
 * NULL + an error naming the file (missing, corrupt, image and label counts that differ). */
ct_dataset *ct_mnist(const char *root, bool train);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
