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
#include "functional.h" /* ct_ints */

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

/* ---- files, images, transforms (torchvision.datasets / transforms on tensors) ---------------
 * CSV of numbers, a folder of images per class (ImageFolder, decoded by stb_image), a pair of
 * .npy files, and torchvision.transforms on tensors applied to a dataset's field. */

/* A CSV of numbers: numpy.loadtxt(path, delimiter=',', skiprows=header) split into
 * features float32 (N, F) and labels int64 (N,) taken from one column. Fields are parsed by the
 * C library's strtod in the "C" locale (so "1e-3", "nan", "inf" are numbers; hex is not);
 * blank lines are skipped, "\r\n" endings accepted, no quoting. Errors name the file and line:
 * "data.csv: line 7 has 3 fields, expected 5", "data.csv: line 4, field 2: 'abc' is not a
 * number" (fields count from 1, lines from 1 with the header), an empty file, a label that is
 * not an integer. */
#define CT_CSV_NO_LABEL INT64_MIN
typedef struct ct_csv_opts {
  bool header;          /* false: the first line is data; true: it is skipped (names) */
  char delimiter;       /* ',' */
  int64_t label_column; /* CT_CSV_NO_LABEL: no labels (*labels gets NULL); else the label
                         * field's index from 0, negative from the end (-1: the last) */
} ct_csv_opts;
/* 0 with *features (and *labels unless CT_CSV_NO_LABEL) in the current scope, or -1. */
int ct_csv_load_ex(const char *path, ct_csv_opts o, ct_tensor **features, ct_tensor **labels);
#define ct_csv_load(path, features, labels, ...)                                                \
  ct_csv_load_ex(path, CT_OPTS(ct_csv_opts, .delimiter = ',', .label_column = CT_CSV_NO_LABEL, \
                               __VA_ARGS__), features, labels)
/* TensorDataset(features, labels) (or (features,) without a label column) of a CSV file. */
ct_dataset *ct_csv_dataset_ex(const char *path, ct_csv_opts o);
#define ct_csv_dataset(path, ...) \
  ct_csv_dataset_ex(path, CT_OPTS(ct_csv_opts, .delimiter = ',', .label_column = CT_CSV_NO_LABEL, __VA_ARGS__))

/* TensorDataset(torch.from_numpy(np.load(features)), torch.from_numpy(np.load(labels))): the
 * dtypes as stored; labels may be NULL (a one-field dataset). NULL + an error naming the
 * files when their first dims differ. */
ct_dataset *ct_npy_dataset(const char *features, const char *labels);

/* An image file as uint8 (H, W, channels), decoded by stb_image (PNG, JPEG, BMP, GIF's first
 * frame, binary PPM/PGM with maxval 255), converted as PIL's Image.convert does:
 *   channels 3 = convert('RGB'): gray replicated, alpha dropped (not composited), palette
 *     expanded; channels 1 = convert('L'): L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
 * Differences from PIL: JPEG goes through stb's decoder, not libjpeg, so pixels may differ by
 * a few levels (PNG, BMP, GIF, PPM are exact); 16-bit PNGs keep the high byte (PIL does the
 * same for RGB, but clips 16-bit grayscale to 255). More than 178956970 pixels is refused, as
 * PIL's decompression-bomb check does. Refused with "cannot identify image file": formats
 * without one of those signatures (TGA, PSD, HDR, PIC: stb's other decoders are kept away from
 * untrusted bytes); refused by name: PPM/PGM whose maxval is not 255 (stb reads 16-bit samples
 * byte-swapped and leaves smaller maxvals unscaled where PIL stretches them). NULL + an error
 * naming the file. */
ct_tensor *ct_image_load(const char *path, int channels);

/* torchvision.datasets.ImageFolder(root, transform=ToTensor()): classes are root's
 * subfolder names sorted (label = position), samples every file under a class folder (walked
 * recursively, following links, but never into a folder already on the path, where os.walk
 * would loop) whose lowercased name ends with one of the extensions, sorted
 * by folder path and then file name as torchvision's sorted(os.walk(...)) does. Samples are
 * (float32 (C, H, W) in [0, 1], int64 0-dim label), or with .raw the uint8 (H, W, C) image.
 * Images are decoded when read (by the loader's workers); a bad image fails that read with an
 * error naming the file. NULL + torchvision's message: "Couldn't find any class folder in
 * root.", "Found no valid file for the classes a, b. Supported extensions are: ...". */
typedef struct ct_image_folder_opts {
  int channels; /* 3: convert('RGB') (torchvision's default_loader); 1: convert('L') */
  bool raw;     /* false: ToTensor applied; true: uint8 (H, W, C) as decoded */
  const char *const *extensions; /* NULL: torchvision's IMG_EXTENSIONS (.jpg .jpeg .png .ppm
                                  * .bmp .pgm .tif .tiff .webp; stb cannot decode the last
                                  * three); else a NULL-terminated list such as {".gif", NULL},
                                  * a named array (a compound literal written inside the
                                  * macro's arguments ends with the macro's block) */
} ct_image_folder_opts;
ct_dataset *ct_image_folder_ex(const char *root, ct_image_folder_opts o);
#define ct_image_folder(root, ...) \
  ct_image_folder_ex(root, CT_OPTS(ct_image_folder_opts, .channels = 3, __VA_ARGS__))
/* dataset.classes: *n class names (owned by the dataset); NULL + error for another dataset. */
const char *const *ct_image_folder_classes(const ct_dataset *d, int64_t *n);
/* dataset.samples[i][0]: the file of sample i (owned by the dataset); NULL + error. */
const char *ct_image_folder_path(const ct_dataset *d, int64_t i);

/* A transform: torchvision.transforms.X on tensors is ct_tf_x (ct_normalize is F.normalize).
 * Reference counted like datasets. apply returns a new tensor in the current scope (x is not
 * modified) or NULL + error; random transforms draw from g (NULL: the default generator) with torch's calls, so after
 * torch.manual_seed(s) / ct_manual_seed(s) both draw the same crops and flips. */
typedef struct ct_transform ct_transform;
typedef ct_tensor *(*ct_transform_fn)(void *user, const ct_tensor *x, ct_generator *g);
/* transforms.Lambda: fn(user, x, g); free_user (may be NULL) runs when it is freed. */
ct_transform *ct_transform_new(ct_transform_fn fn, void *user, void (*free_user)(void *user));
ct_tensor *ct_transform_apply(ct_transform *tf, const ct_tensor *x, ct_generator *g);
ct_transform *ct_transform_retain(ct_transform *tf);
void ct_transform_free(ct_transform *tf);
/* ToTensor on an array: uint8 (H, W, C) or (H, W) -> float32 (C, H, W) / 255; other dtypes
 * are only moved to (C, H, W), unscaled, as torchvision does for non-uint8 arrays. */
ct_transform *ct_tf_to_tensor(void);
/* Normalize(mean, std): (x - mean[c]) / std[c] per channel of a float (..., C, H, W) tensor,
 * in x's dtype (mean, std converted first); n == 1 broadcasts. NULL for n < 1; std that is 0
 * in x's dtype fails when applied: "std evaluated to zero after conversion to ..." */
ct_transform *ct_tf_normalize(const double *mean, const double *std, int n);
/* RandomCrop's padding_mode. */
typedef enum ct_crop_padding_mode {
  CT_CROP_PAD_CONSTANT = 0, /* fill */
  CT_CROP_PAD_EDGE,         /* the last value repeated */
  CT_CROP_PAD_REFLECT,      /* mirrored without the edge: [3, 2, 1, 2, 3, 4] */
  CT_CROP_PAD_SYMMETRIC     /* mirrored with the edge:    [2, 1, 1, 2, 3, 4] */
} ct_crop_padding_mode;
typedef struct ct_random_crop_opts {
  ct_ints padding;  /* none (default), CT_INTS(p), CT_INTS(lr, tb) or (left, top, right, bottom) */
  bool pad_if_needed; /* pad (both sides) an image smaller than size */
  double fill;        /* CT_CROP_PAD_CONSTANT's value */
  ct_crop_padding_mode padding_mode;
} ct_random_crop_opts;
/* RandomCrop(size, padding=None, pad_if_needed=False, fill=0, padding_mode='constant') on
 * (..., H, W): size CT_INTS(s) or CT_INTS(h, w). Draws i = randint(0, H - h + 1) then j as
 * torchvision does (nothing when the image is exactly the size). */
ct_transform *ct_tf_random_crop_ex(ct_ints size, ct_random_crop_opts o);
#define ct_tf_random_crop(size, ...) ct_tf_random_crop_ex(size, CT_OPTS(ct_random_crop_opts, .fill = 0, __VA_ARGS__))
/* RandomHorizontalFlip(p): flips the last dim when torch.rand(1) < p. */
ct_transform *ct_tf_random_horizontal_flip(double p);
/* Compose(transforms): applied in order. Takes over the n references (also on failure), so
 * ct_tf_compose(CT_TRANSFORMS(ct_tf_to_tensor(), ct_tf_normalize(...))) leaks nothing; a NULL entry
 * (a constructor that failed) makes it fail, keeping that error. */
ct_transform *ct_tf_compose(ct_transform *const *tfs, int n);
#define CT_TRANSFORMS(...)                      \
  ((ct_transform *const[]){__VA_ARGS__}), \
      (int)(sizeof((ct_transform *const[]){__VA_ARGS__}) / sizeof(ct_transform *))

/* A dataset whose sample field `field` goes through tf (ImageFolder(root, transform=tf) is
 * ct_dataset_transform(ct_image_folder(root, .raw = true), 0, tf)). Retains d and tf.
 * Random transforms draw from a generator seeded per sample with
 *   seed = mix(base_seed, epoch, index)   (splitmix64 of each in turn)
 * so a sample's augmentation depends only on (base seed, epoch, index): never on the
 * DataLoader's worker count or the order samples are read in. base_seed is one int64 draw
 * from .generator (NULL: the default generator) when the dataset is made; epoch is 0 until
 * ct_dataset_transform_set_epoch, and a DataLoader moves it on by one at the start of each
 * of its epochs after its first (so augmentations change per epoch with no call; set it
 * yourself to resume at an epoch, as DistributedSampler's set_epoch). PyTorch seeds each worker process's torch generator with base_seed + worker id,
 * so its draws depend on the worker count and cannot be matched bit for bit. */
typedef struct ct_dataset_transform_opts {
  ct_generator *generator; /* NULL: the default generator (torch.manual_seed) */
} ct_dataset_transform_opts;
ct_dataset *ct_dataset_transform_ex(ct_dataset *d, int field, ct_transform *tf,
                                    ct_dataset_transform_opts o);
#define ct_dataset_transform(d, field, tf, ...) \
  ct_dataset_transform_ex(d, field, tf, CT_OPTS(ct_dataset_transform_opts, .generator = NULL, __VA_ARGS__))
/* The epoch a transformed dataset seeds its draws with, reaching the transformed datasets
 * inside a Subset (random_split's parts) or ConcatDataset too; 0, or -1 when d holds none. */
int ct_dataset_transform_set_epoch(ct_dataset *d, int64_t epoch);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
