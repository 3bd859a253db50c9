/* Map-style datasets: the C-callback Dataset, TensorDataset, Subset, ConcatDataset and
 * random_split (torch/utils/data/dataset.py, 1.13). */
#include "data_internal.h"

#include <math.h>
#include <stdatomic.h>

ct_dataset *ct__dataset_new_batched(ct_dataset_len_fn len, ct_dataset_get_fn get,
                                    ct__dataset_batch_fn get_batch, void *user,
                                    void (*free_user)(void *user)) {
  if (!len || !get) {
    if (free_user) free_user(user);
    return ct__err("ct_dataset_new: a dataset needs its len and get callbacks");
  }
  ct_dataset *d = calloc(1, sizeof *d);
  if (!d) {
    if (free_user) free_user(user);
    return ct__err("CPU: out of memory");
  }
  atomic_init(&d->refs, 1);
  d->len = len;
  d->get = get;
  d->get_batch = get_batch;
  d->user = user;
  d->free_user = free_user;
  return d;
}

ct_dataset *ct_dataset_new(ct_dataset_len_fn len, ct_dataset_get_fn get, void *user,
                           void (*free_user)(void *user)) {
  return ct__dataset_new_batched(len, get, NULL, user, free_user);
}

int ct__dataset_set_epoch(ct_dataset *d, int64_t epoch, bool relative) {
  return d && d->set_epoch ? d->set_epoch(d->user, epoch, relative) : 0;
}

int64_t ct_dataset_len(const ct_dataset *d) { return d ? d->len(d->user) : -1; }

ct_dataset *ct_dataset_retain(ct_dataset *d) {
  if (d) atomic_fetch_add_explicit(&d->refs, 1, memory_order_relaxed);
  return d;
}

void ct_dataset_free(ct_dataset *d) {
  if (!d || atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel) != 1) return;
  if (d->free_user) d->free_user(d->user);
  free(d);
}

int64_t ct__dataset_index(const ct_dataset *d, int64_t index) {
  int64_t n = ct_dataset_len(d);
  if (index < -n || index >= n) {
    ct__err("index %lld is out of bounds for dataset of size %lld", (long long)index, (long long)n);
    return -1;
  }
  return index < 0 ? index + n : index;
}

int ct_dataset_get(const ct_dataset *d, int64_t index, ct_sample *s) {
  if (!d || !s) return ct__errs("ct_dataset_get: dataset and sample must not be NULL");
  int64_t i = ct__dataset_index(d, index);
  if (i < 0) return -1;
  memset(s, 0, sizeof *s);
  return d->get(d->user, i, s);
}

/* ---- TensorDataset ------------------------------------------------------------------------- */
typedef struct {
  int n;
  ct_tensor *t[CT_SAMPLE_MAX];
} tensor_ds;

static int64_t tensor_ds_len(void *user) { return ct_size(((tensor_ds *)user)->t[0], 0); }

/* sample i: (t[i] for t in tensors), views of the tensors */
static int tensor_ds_get(void *user, int64_t i, ct_sample *s) {
  tensor_ds *td = user;
  s->n = td->n;
  for (int k = 0; k < td->n; k++)
    if (!(s->t[k] = ct_select(td->t[k], 0, i))) return -1;
  return 0;
}

/* a batch: t.index_select(0, indices) per field, one gather instead of n views and a stack */
static int tensor_ds_batch(void *user, const int64_t *idx, int64_t n, ct_sample *b) {
  tensor_ds *td = user;
  ct_tensor *index = ct_tensor_from(idx, CT_INT64, 1, &n);
  if (!index) return -1;
  b->n = td->n;
  for (int k = 0; k < td->n; k++)
    if (!(b->t[k] = ct_index_select(td->t[k], 0, index))) return -1;
  return 0;
}

static void tensor_ds_free(void *user) {
  tensor_ds *td = user;
  for (int k = 0; k < td->n; k++) ct_release(td->t[k]);
  free(td);
}

ct_dataset *ct_tensor_dataset(ct_tensor *const *tensors, int n) {
  if (!tensors || n < 1 || n > CT_SAMPLE_MAX)
    return ct__err("TensorDataset: give 1 to %d tensors", CT_SAMPLE_MAX);
  for (int k = 0; k < n; k++) {
    if (!tensors[k]) return ct__err("TensorDataset: tensor %d is NULL", k);
    if (ct_dim(tensors[k]) < 1) return ct__err("TensorDataset: tensor %d is 0-dim", k);
    if (ct_size(tensors[k], 0) != ct_size(tensors[0], 0)) return ct__err("Size mismatch between tensors");
  }
  tensor_ds *td = calloc(1, sizeof *td);
  if (!td) return ct__err("CPU: out of memory");
  td->n = n;
  for (int k = 0; k < n; k++) td->t[k] = ct_retain(tensors[k]);
  return ct__dataset_new_batched(tensor_ds_len, tensor_ds_get, tensor_ds_batch, td, tensor_ds_free);
}

/* ---- Subset -------------------------------------------------------------------------------- */
typedef struct {
  ct_dataset *parent;
  int64_t n;
  int64_t idx[];
} subset;

static int64_t subset_len(void *user) { return ((subset *)user)->n; }

static int subset_get(void *user, int64_t i, ct_sample *s) {
  subset *ss = user;
  return ct_dataset_get(ss->parent, ss->idx[i], s);
}

static int subset_batch(void *user, const int64_t *idx, int64_t n, ct_sample *b) {
  subset *ss = user;
  int64_t *mapped = malloc(sizeof *mapped * (size_t)(n ? n : 1));
  if (!mapped) return ct__errs("CPU: out of memory");
  int rc = 0;
  for (int64_t i = 0; i < n && rc == 0; i++) {
    mapped[i] = ct__dataset_index(ss->parent, ss->idx[idx[i]]);
    if (mapped[i] < 0) rc = -1;
  }
  if (rc == 0) rc = ss->parent->get_batch(ss->parent->user, mapped, n, b);
  free(mapped);
  return rc;
}

static void subset_free(void *user) {
  subset *ss = user;
  ct_dataset_free(ss->parent);
  free(ss);
}

static int subset_set_epoch(void *user, int64_t epoch, bool relative) {
  return ct__dataset_set_epoch(((subset *)user)->parent, epoch, relative);
}

ct_dataset *ct_subset(ct_dataset *d, const int64_t *indices, int64_t n) {
  if (!d || (!indices && n > 0) || n < 0) return ct__err("Subset: a dataset and n >= 0 indices are needed");
  subset *ss = malloc(sizeof *ss + sizeof(int64_t) * (size_t)n);
  if (!ss) return ct__err("CPU: out of memory");
  ss->parent = ct_dataset_retain(d);
  ss->n = n;
  if (n) memcpy(ss->idx, indices, sizeof(int64_t) * (size_t)n);
  ct_dataset *out = ct__dataset_new_batched(subset_len, subset_get, d->get_batch ? subset_batch : NULL, ss,
                                            subset_free);
  if (out) out->set_epoch = subset_set_epoch;
  return out;
}

/* ---- ConcatDataset ------------------------------------------------------------------------- */
typedef struct {
  int n;
  ct_dataset **ds;
  int64_t *ends; /* cumulative_sizes */
} concat;

static int64_t concat_len(void *user) {
  concat *c = user;
  return c->n ? c->ends[c->n - 1] : 0;
}

static int concat_get(void *user, int64_t i, ct_sample *s) {
  concat *c = user;
  int k = 0; /* bisect_right(cumulative_sizes, i) */
  while (i >= c->ends[k]) k++;
  return ct_dataset_get(c->ds[k], k ? i - c->ends[k - 1] : i, s);
}

static void concat_free(void *user) {
  concat *c = user;
  for (int k = 0; k < c->n; k++) ct_dataset_free(c->ds[k]);
  free(c->ds);
  free(c->ends);
  free(c);
}

static int concat_set_epoch(void *user, int64_t epoch, bool relative) {
  concat *c = user;
  int reached = 0;
  for (int k = 0; k < c->n; k++) reached += ct__dataset_set_epoch(c->ds[k], epoch, relative);
  return reached;
}

ct_dataset *ct_concat_dataset(ct_dataset *const *ds, int n) {
  if (!ds || n < 1) return ct__err("datasets should not be an empty iterable");
  for (int k = 0; k < n; k++)
    if (!ds[k]) return ct__err("ConcatDataset: dataset %d is NULL", k);
  concat *c = calloc(1, sizeof *c);
  if (c) c->ds = calloc((size_t)n, sizeof *c->ds);
  if (c) c->ends = calloc((size_t)n, sizeof *c->ends);
  if (!c || !c->ds || !c->ends) {
    if (c) free(c->ds), free(c->ends);
    free(c);
    return ct__err("CPU: out of memory");
  }
  for (int k = 0; k < n; k++) {
    c->ds[k] = ct_dataset_retain(ds[k]);
    c->ends[k] = (k ? c->ends[k - 1] : 0) + ct_dataset_len(ds[k]);
    c->n = k + 1;
  }
  ct_dataset *out = ct_dataset_new(concat_len, concat_get, c, concat_free);
  if (out) out->set_epoch = concat_set_epoch;
  return out;
}

/* ---- random_split -------------------------------------------------------------------------- */
/* lengths as fractions when they sum to 1 (math.isclose, and <= 1): floor each share, then
 * hand the remainder out round-robin, as 1.13 does. counts[] receives the lengths. */
static int split_lengths(int64_t len, const double *lengths, int n, int64_t *counts) {
  double sum = 0;
  for (int i = 0; i < n; i++) sum += lengths[i];
  if (fabs(sum - 1) <= 1e-9 * fmax(1, fabs(sum)) && sum <= 1) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
      if (lengths[i] < 0 || lengths[i] > 1)
        return ct__errs("Fraction at index %d is not between 0 and 1", i);
      counts[i] = (int64_t)floor((double)len * lengths[i]);
      total += counts[i];
    }
    for (int64_t i = 0; i < len - total; i++) counts[i % n]++;
    for (int i = 0; i < n; i++)
      if (counts[i] == 0)
        fprintf(stderr, "UserWarning: Length of split at index %d is 0. This might result in "
                        "an empty dataset.\n", i);
    return 0;
  }
  int64_t total = 0;
  for (int i = 0; i < n; i++) {
    if (lengths[i] != floor(lengths[i]) || lengths[i] < 0)
      return ct__errs("random_split: lengths must be non-negative integers or fractions "
                      "summing to 1 (got %g at index %d)", lengths[i], i);
    counts[i] = (int64_t)lengths[i];
    total += counts[i];
  }
  if (total != len)
    return ct__errs("Sum of input lengths does not equal the length of the input dataset!");
  return 0;
}

int ct_random_split(ct_dataset *d, const double *lengths, int n, ct_generator *generator,
                    ct_dataset **out) {
  if (!d || !lengths || n < 1 || !out)
    return ct__errs("random_split: a dataset, n >= 1 lengths and an output array are needed");
  int64_t *counts = calloc((size_t)n, sizeof *counts);
  if (!counts) return ct__errs("CPU: out of memory");
  int rc = split_lengths(ct_dataset_len(d), lengths, n, counts);
  ct_scope_begin();
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += counts[i];
  ct_tensor *perm = rc ? NULL : ct_randperm(total, .generator = generator);
  if (!rc && !perm) rc = -1;
  const int64_t *p = perm ? ct_data_ptr(perm) : NULL;
  int made = 0;
  for (int64_t off = 0; rc == 0 && made < n; off += counts[made++])
    if (!(out[made] = ct_subset(d, p + off, counts[made]))) rc = -1;
  if (rc)
    while (made > 0) ct_dataset_free(out[--made]);
  ct_scope_end();
  free(counts);
  return rc;
}
