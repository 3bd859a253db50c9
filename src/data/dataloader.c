/* DataLoader: an epoch's index order (sequential, an explicit sampler, or RandomSampler's
 * randperm), cut into batches, each built by the dataset's batch gatherer or by
 * __getitem__ + collate.
 *
 * With num_workers > 0, worker threads build batches ahead of the caller into a ring of
 * num_workers * prefetch_factor slots; batch b always lands in slot b % depth and the caller
 * takes batches in order, so what a run computes never depends on the number of workers
 * (PyTorch's in-order mode). A batch is built inside the worker's own scope and handed over
 * as plain references, which the caller's scope then owns. */
#include "data_internal.h"

#include <pthread.h>

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY, SLOT_FAILED };

typedef struct {
  int state;
  int64_t batch; /* which batch the slot holds or is building */
  ct_sample b;   /* SLOT_READY: plain references */
  char err[512]; /* SLOT_FAILED: the message */
} slot;

struct ct_dataloader {
  ct_dataset *ds;
  ct_dataloader_opts o;
  ct_generator *own_gen; /* RandomSampler's generator when the default one seeds it */
  int64_t *sampler;      /* the loader's copy of o.sampler */
  int64_t *order;        /* this epoch's indices */
  int64_t order_len;
  int64_t n_batches;
  int64_t next;          /* the next batch handed to the caller */
  bool in_epoch;
  /* workers */
  int depth;
  slot *slots;
  pthread_t *threads;
  int n_threads;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  int64_t next_build; /* the next batch a worker claims */
  uint64_t epoch;     /* bumped at every epoch start: stale builds are dropped */
  int64_t epochs_started; /* the dataset's transforms move on one epoch at each start but the first */
  bool stop;
};

/* ---- building one batch ------------------------------------------------------------------ */
/* default_collate: torch.stack of each field along a new dim 0. */
static int default_collate(const ct_sample *s, int n, ct_sample *b) {
  b->n = s[0].n;
  ct_tensor *col[n > 0 ? n : 1];
  for (int k = 0; k < b->n; k++) {
    for (int i = 0; i < n; i++) {
      if (s[i].n != b->n) return ct__errs("each element in list of batch should be of equal size");
      col[i] = s[i].t[k];
    }
    if (!(b->t[k] = ct_stack(col, n, 0))) return -1;
  }
  return 0;
}

/* Batch number bn of this epoch into *out: in the current scope when one is open above
 * (num_workers = 0), as plain references in a worker (no scope above). 0 or -1. */
static int build_batch(ct_dataloader *dl, int64_t bn, ct_sample *out) {
  int64_t lo = bn * dl->o.batch_size;
  int64_t n = dl->order_len - lo < dl->o.batch_size ? dl->order_len - lo : dl->o.batch_size;
  const int64_t *idx = dl->order + lo;
  ct_sample b = {0};
  int rc = 0;
  ct_scope_begin();
  if (!dl->o.collate_fn && dl->ds->get_batch) {
    rc = dl->ds->get_batch(dl->ds->user, idx, n, &b);
  } else {
    ct_sample *s = calloc((size_t)n, sizeof *s);
    if (!s) rc = ct__errs("CPU: out of memory");
    for (int64_t i = 0; rc == 0 && i < n; i++) rc = ct_dataset_get(dl->ds, idx[i], &s[i]);
    if (rc == 0)
      rc = dl->o.collate_fn ? dl->o.collate_fn(s, (int)n, &b, dl->o.collate_user)
                            : default_collate(s, (int)n, &b);
    free(s);
  }
  for (int k = 0; rc == 0 && k < b.n; k++)
    if (!b.t[k]) rc = ct__errs("DataLoader: the collated batch's field %d is NULL", k);
  if (rc == 0) {
    for (int k = 0; k < b.n; k++) ct_keep(b.t[k]);
    *out = b;
  }
  ct_scope_end();
  return rc;
}

/* ---- workers ----------------------------------------------------------------------------- */
static void release_sample(ct_sample *b) {
  for (int k = 0; k < b->n; k++) ct_release(b->t[k]);
  b->n = 0;
}

static void *worker(void *arg) {
  ct_dataloader *dl = arg;
  pthread_mutex_lock(&dl->mu);
  for (;;) {
    while (!dl->stop && !(dl->in_epoch && dl->next_build < dl->n_batches &&
                          dl->next_build < dl->next + dl->depth))
      pthread_cond_wait(&dl->work, &dl->mu);
    if (dl->stop) break;
    int64_t bn = dl->next_build++;
    uint64_t epoch = dl->epoch;
    slot *s = &dl->slots[bn % dl->depth];
    s->state = SLOT_BUSY;
    s->batch = bn;
    pthread_mutex_unlock(&dl->mu);
    ct_sample b = {0};
    ct_clear_error();
    int rc = build_batch(dl, bn, &b);
    pthread_mutex_lock(&dl->mu);
    if (epoch != dl->epoch) { /* reset while building: nobody wants it */
      release_sample(&b);
      s->state = SLOT_FREE;
      pthread_cond_broadcast(&dl->done); /* start_epoch waits for builds in flight */
      continue;
    }
    s->state = rc ? SLOT_FAILED : SLOT_READY;
    s->b = b;
    if (rc) snprintf(s->err, sizeof s->err, "%s", ct_last_error() ? ct_last_error() : "error");
    pthread_cond_broadcast(&dl->done);
  }
  pthread_mutex_unlock(&dl->mu);
  return NULL;
}

static int start_workers(ct_dataloader *dl) {
  dl->depth = dl->o.num_workers * dl->o.prefetch_factor;
  dl->slots = calloc((size_t)dl->depth, sizeof *dl->slots);
  dl->threads = calloc((size_t)dl->o.num_workers, sizeof *dl->threads);
  if (!dl->slots || !dl->threads) return ct__errs("CPU: out of memory");
  pthread_mutex_init(&dl->mu, NULL);
  pthread_cond_init(&dl->work, NULL);
  pthread_cond_init(&dl->done, NULL);
  for (; dl->n_threads < dl->o.num_workers; dl->n_threads++)
    if (pthread_create(&dl->threads[dl->n_threads], NULL, worker, dl))
      return ct__errs("DataLoader: could not start worker %d", dl->n_threads);
  return 0;
}

/* Drop every batch built for the epoch being abandoned (the lock is held); a build in flight
 * frees its own slot when it sees the epoch changed. */
static void drop_slots(ct_dataloader *dl) {
  for (int i = 0; i < dl->depth; i++) {
    if (dl->slots[i].state == SLOT_READY) release_sample(&dl->slots[i].b);
    if (dl->slots[i].state != SLOT_BUSY) dl->slots[i].state = SLOT_FREE;
  }
}

static bool builds_in_flight(const ct_dataloader *dl) {
  for (int i = 0; i < dl->depth; i++)
    if (dl->slots[i].state == SLOT_BUSY) return true;
  return false;
}

/* ---- epochs -------------------------------------------------------------------------------- */
/* One epoch's order. Shuffling draws as 1.13 does: the iterator's _base_seed (one int64
 * random_() from the loader's generator), then RandomSampler's randperm (from the loader's
 * generator, or without one from a Generator seeded by a draw of the default generator). */
static int64_t *make_order(ct_dataloader *dl, int64_t *len) {
  int64_t n = dl->o.sampler ? dl->o.sampler_len : ct_dataset_len(dl->ds);
  int64_t *order = malloc(sizeof *order * (size_t)(n ? n : 1));
  if (!order) return ct__err("CPU: out of memory");
  int rc = 0;
  ct_scope_begin();
  if (dl->o.sampler) {
    memcpy(order, dl->o.sampler, sizeof *order * (size_t)n);
  } else if (!dl->o.shuffle) {
    for (int64_t i = 0; i < n; i++) order[i] = i;
  } else {
    ct_generator *g = dl->o.generator;
    ct__random_int64(g); /* the iterator's _base_seed: drawn, unused without worker processes */
    if (!g) { /* RandomSampler: seed = int(torch.empty((), dtype=torch.int64).random_()) */
      int64_t seed = ct__random_int64(NULL);
      if (!dl->own_gen) dl->own_gen = ct_generator_new(0);
      if (dl->own_gen) ct_generator_manual_seed(dl->own_gen, (uint64_t)seed);
      g = dl->own_gen;
    }
    ct_tensor *perm = g ? ct_randperm(n, .generator = g) : NULL;
    if (perm) memcpy(order, ct_data_ptr(perm), sizeof *order * (size_t)n);
    else rc = -1;
  }
  ct_scope_end();
  if (rc) {
    free(order);
    return NULL;
  }
  *len = n;
  return order;
}

/* RandomSampler.__iter__ ends with a second randperm whose slice is empty when len(dataset)
 * divides num_samples: it is drawn (and dropped) when the sampler is exhausted. */
static void finish_order(ct_dataloader *dl) {
  if (!dl->o.shuffle || dl->o.sampler) return;
  ct_scope_begin();
  ct_randperm(dl->order_len, .generator = dl->o.generator ? dl->o.generator : dl->own_gen);
  ct_scope_end();
}

static int64_t batches_of(const ct_dataloader *dl, int64_t n) {
  return dl->o.drop_last ? n / dl->o.batch_size : (n + dl->o.batch_size - 1) / dl->o.batch_size;
}

static int start_epoch(ct_dataloader *dl) {
  int64_t n = 0;
  int64_t *order = make_order(dl, &n);
  if (!order) return -1;
  if (dl->n_threads) {
    pthread_mutex_lock(&dl->mu);
    while (builds_in_flight(dl)) pthread_cond_wait(&dl->done, &dl->mu); /* they read the order */
  }
  /* no build is in flight: the workers see the new epoch's augmentation only */
  if (dl->epochs_started++ > 0) ct__dataset_set_epoch(dl->ds, 1, true);
  free(dl->order);
  dl->order = order;
  dl->order_len = n;
  dl->n_batches = batches_of(dl, dl->order_len);
  dl->next = dl->next_build = 0;
  dl->epoch++;
  dl->in_epoch = true;
  if (dl->n_threads) {
    drop_slots(dl);
    pthread_cond_broadcast(&dl->work);
    pthread_mutex_unlock(&dl->mu);
  }
  return 0;
}

void ct_dataloader_reset(ct_dataloader *dl) {
  if (!dl) return;
  if (dl->n_threads) pthread_mutex_lock(&dl->mu);
  dl->in_epoch = false;
  dl->epoch++;
  if (dl->n_threads) {
    drop_slots(dl);
    pthread_mutex_unlock(&dl->mu);
  }
}

/* The caller's copy of a worker's batch: its scope takes the plain references. */
static void adopt(ct_sample *dst, const ct_sample *src) {
  *dst = *src;
  for (int k = 0; k < src->n; k++) ct__own(dst->t[k]);
}

int ct_dataloader_next(ct_dataloader *dl, ct_sample *batch) {
  if (!dl || !batch) return ct__errs("ct_dataloader_next: loader and batch must not be NULL");
  if (!dl->in_epoch && start_epoch(dl)) return -1;
  if (dl->next == dl->n_batches) {
    finish_order(dl);
    ct_dataloader_reset(dl);
    return 0;
  }
  int64_t bn = dl->next;
  if (!dl->n_threads) {
    if (build_batch(dl, bn, batch)) return -1;
    dl->next++;
    return 1;
  }
  pthread_mutex_lock(&dl->mu);
  slot *s = &dl->slots[bn % dl->depth];
  while (!(s->batch == bn && (s->state == SLOT_READY || s->state == SLOT_FAILED)))
    pthread_cond_wait(&dl->done, &dl->mu);
  int rc = 0;
  if (s->state == SLOT_FAILED) rc = ct__errs("DataLoader worker (batch %lld): %s", (long long)bn, s->err);
  else adopt(batch, &s->b);
  s->state = SLOT_FREE;
  s->b.n = 0;
  if (rc == 0) dl->next++;
  pthread_cond_broadcast(&dl->work); /* a slot is free again */
  pthread_mutex_unlock(&dl->mu);
  if (rc) ct_dataloader_reset(dl);
  return rc ? -1 : 1;
}

/* ---- life -------------------------------------------------------------------------------- */
int64_t ct_dataloader_len(const ct_dataloader *dl) {
  if (!dl) return -1;
  return batches_of(dl, dl->o.sampler ? dl->o.sampler_len : ct_dataset_len(dl->ds));
}

void ct_dataloader_free(ct_dataloader *dl) {
  if (!dl) return;
  if (dl->n_threads) {
    pthread_mutex_lock(&dl->mu);
    dl->stop = true;
    pthread_cond_broadcast(&dl->work);
    pthread_mutex_unlock(&dl->mu);
    for (int i = 0; i < dl->n_threads; i++) pthread_join(dl->threads[i], NULL);
    drop_slots(dl);
  }
  if (dl->slots) { /* the sync objects exist once the slots do */
    pthread_mutex_destroy(&dl->mu);
    pthread_cond_destroy(&dl->work);
    pthread_cond_destroy(&dl->done);
  }
  free(dl->slots);
  free(dl->threads);
  free(dl->order);
  free(dl->sampler);
  ct_generator_free(dl->own_gen);
  ct_dataset_free(dl->ds);
  free(dl);
}

ct_dataloader *ct_dataloader_new_ex(ct_dataset *d, ct_dataloader_opts o) {
  if (!d) return ct__err("DataLoader: dataset is NULL");
  if (o.batch_size < 1)
    return ct__err("batch_size should be a positive integer value, but got batch_size=%lld",
                   (long long)o.batch_size);
  if (o.num_workers < 0)
    return ct__err("num_workers option should be non-negative; use num_workers=0 to disable "
                   "multiprocessing.");
  if (o.num_workers > 0 && o.prefetch_factor < 1)
    return ct__err("prefetch_factor option should be a positive integer, but got %d", o.prefetch_factor);
  if (o.sampler && o.shuffle) return ct__err("sampler option is mutually exclusive with shuffle");
  if (!o.sampler && o.sampler_len) return ct__err("DataLoader: sampler_len without a sampler");
  if (o.sampler && o.sampler_len < 0) return ct__err("DataLoader: sampler_len < 0");
  int64_t n = ct_dataset_len(d);
  for (int64_t i = 0; o.sampler && i < o.sampler_len; i++)
    if (o.sampler[i] < -n || o.sampler[i] >= n)
      return ct__err("DataLoader: sampler index %lld is out of bounds for dataset of size %lld",
                     (long long)o.sampler[i], (long long)n);
  ct_dataloader *dl = calloc(1, sizeof *dl);
  if (!dl) return ct__err("CPU: out of memory");
  dl->ds = ct_dataset_retain(d);
  dl->o = o;
  if (o.sampler) { /* copied: the caller's array need not outlive the loader */
    int64_t *s = malloc(sizeof *s * (size_t)(o.sampler_len ? o.sampler_len : 1));
    if (!s) {
      ct_dataloader_free(dl);
      return ct__err("CPU: out of memory");
    }
    for (int64_t i = 0; i < o.sampler_len; i++) s[i] = o.sampler[i] < 0 ? o.sampler[i] + n : o.sampler[i];
    dl->sampler = s;
    dl->o.sampler = s;
  }
  if (o.num_workers > 0 && start_workers(dl)) {
    ct_dataloader_free(dl);
    return NULL;
  }
  return dl;
}
