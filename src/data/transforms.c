/* torchvision.transforms on tensors (torchvision/transforms/transforms.py and
 * functional_tensor.py, 0.14): ToTensor, Normalize, RandomCrop, RandomHorizontalFlip, Compose,
 * Lambda, and a dataset that applies one to a sample field with a per-sample generator. The
 * random transforms make torch's own draws (randint for the crop offsets, rand(1) < p for
 * the flip) so that the same generator state gives torchvision's result. */
#include "data_internal.h"

#include <stdatomic.h>

struct ct_transform {
  _Atomic int refs;
  ct_transform_fn fn;
  void *user;
  void (*free_user)(void *user);
};

ct_transform *ct_transform_new(ct_transform_fn fn, void *user, void (*free_user)(void *user)) {
  ct_transform *tf = fn ? calloc(1, sizeof *tf) : NULL;
  if (!tf) {
    if (free_user) free_user(user);
    return fn ? ct__err("CPU: out of memory") : ct__err("ct_transform_new: fn is NULL");
  }
  atomic_init(&tf->refs, 1);
  tf->fn = fn;
  tf->user = user;
  tf->free_user = free_user;
  return tf;
}

ct_transform *ct_transform_retain(ct_transform *tf) {
  if (tf) atomic_fetch_add_explicit(&tf->refs, 1, memory_order_relaxed);
  return tf;
}

void ct_transform_free(ct_transform *tf) {
  if (!tf || atomic_fetch_sub_explicit(&tf->refs, 1, memory_order_acq_rel) != 1) return;
  if (tf->free_user) tf->free_user(tf->user);
  free(tf);
}

/* The intermediate tensors of a transform (Compose's steps, a crop's padding) die in a scope
 * of their own; only the result reaches the caller's. */
ct_tensor *ct_transform_apply(ct_transform *tf, const ct_tensor *x, ct_generator *g) {
  if (!tf || !x) return ct__err("ct_transform_apply: transform and tensor must not be NULL");
  ct_scope_begin();
  ct_tensor *r = tf->fn(tf->user, x, g);
  if (r) ct_keep(r);
  ct_scope_end();
  return r;
}

/* ---- ToTensor -------------------------------------------------------------------------- */
/* (H, W, C) or (H, W) -> (C, H, W); uint8 becomes float32 / 255 (to_tensor on an ndarray). */
ct_tensor *ct__to_tensor(const ct_tensor *x) {
  int nd = ct_dim(x);
  if (nd != 2 && nd != 3) return ct__err("pic should be 2/3 dimensional. Got %d dimensions.", nd);
  ct_tensor *chw = ct_contiguous(nd == 2 ? ct_unsqueeze(x, 0) : ct_permute(x, 3, (int64_t[]){2, 0, 1}));
  if (!chw || ct_dtype_of(x) != CT_UINT8) return chw;
  return ct_div_scalar(ct_to(chw, CT_FLOAT32), 255.0);
}

static ct_tensor *to_tensor_fn(void *user, const ct_tensor *x, ct_generator *g) {
  return ct__to_tensor(x);
}

ct_transform *ct_tf_to_tensor(void) { return ct_transform_new(to_tensor_fn, NULL, NULL); }

/* ---- Normalize ------------------------------------------------------------------------- */
typedef struct {
  int n;
  double v[]; /* mean[0..n), then std[0..n) */
} norm;

/* (x - mean) / std with mean, std as (n, 1, 1) tensors of x's dtype (F.normalize). */
static ct_tensor *normalize_fn(void *user, const ct_tensor *x, ct_generator *g) {
  norm *nm = user;
  if (!ct_is_floating_point(x))
    return ct__err("Input tensor should be a float tensor. Got %s.", ct_dtype_name(ct_dtype_of(x)));
  if (ct_dim(x) < 3)
    return ct__err("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                   "tensor.size() = torch.Size(%s)", SHP(0, ct_dim(x), ct_shape(x)));
  int64_t shape[3] = {nm->n, 1, 1};
  ct_tensor *mean = ct_to(ct_tensor_from(nm->v, CT_FLOAT64, 3, shape), ct_dtype_of(x));
  ct_tensor *std = ct_to(ct_tensor_from(nm->v + nm->n, CT_FLOAT64, 3, shape), ct_dtype_of(x));
  if (!mean || !std) return NULL;
  for (int c = 0; c < nm->n; c++)
    if (ct_get(std, (int64_t[]){c, 0, 0}) == 0)
      return ct__err("std evaluated to zero after conversion to %s, leading to division by zero.",
                     ct_dtype_name(ct_dtype_of(x)));
  return ct_div(ct_sub(x, mean), std);
}

ct_transform *ct_tf_normalize(const double *mean, const double *std, int n) {
  if (!mean || !std || n < 1) return ct__err("Normalize: give n >= 1 means and stds");
  norm *nm = malloc(sizeof *nm + sizeof(double) * 2 * (size_t)n);
  if (!nm) return ct__err("CPU: out of memory");
  nm->n = n;
  memcpy(nm->v, mean, sizeof(double) * (size_t)n);
  memcpy(nm->v + n, std, sizeof(double) * (size_t)n);
  return ct_transform_new(normalize_fn, nm, free);
}

/* ---- RandomCrop ------------------------------------------------------------------------ */
typedef struct {
  int64_t th, tw;
  int64_t pad[4]; /* left, top, right, bottom */
  bool pad_if_needed;
  double fill;
  ct_crop_padding_mode mode;
} crop;

/* The index along a dim of size n padded by lo before and hi after, mirrored with the edge
 * (symmetric): [lo - 1 .. 0], [0 .. n), [n - 1 .. n - hi]. */
static ct_tensor *symmetric_index(int64_t n, int64_t lo, int64_t hi) {
  if (lo > n || hi > n)
    return ct__err("symmetric padding (%lld, %lld) is larger than the image dimension of size %lld",
                   (long long)lo, (long long)hi, (long long)n);
  int64_t len = lo + n + hi;
  ct_tensor *idx = ct__empty(CT_INT64, 1, &len);
  if (!idx) return NULL;
  int64_t *p = CT_PTR(idx, int64_t);
  for (int64_t k = 0; k < len; k++)
    p[k] = k < lo ? lo - 1 - k : k < lo + n ? k - lo : n - 1 - (k - lo - n);
  return idx;
}

/* F.pad(img, [left, top, right, bottom], fill, padding_mode) on (..., H, W). Edge and reflect
 * run torch's replicate / reflect pad on a float32 (N, H, W) copy, as torchvision casts
 * integer images for them. */
static ct_tensor *pad_image(const ct_tensor *x, const int64_t p[4], const crop *c) {
  if (!p[0] && !p[1] && !p[2] && !p[3]) return ct__share(x);
  int64_t lr_tb[4] = {p[0], p[2], p[1], p[3]};
  if (c->mode == CT_CROP_PAD_CONSTANT) return ct_pad(x, 4, lr_tb, CT_PAD_CONSTANT, c->fill);
  int nd = ct_dim(x);
  int64_t h = ct_size(x, -2), w = ct_size(x, -1);
  if (c->mode == CT_CROP_PAD_SYMMETRIC) {
    ct_tensor *rows = symmetric_index(h, p[1], p[3]), *cols = rows ? symmetric_index(w, p[0], p[2]) : NULL;
    return cols ? ct_index_select(ct_index_select(x, -2, rows), -1, cols) : NULL;
  }
  ct_tensor *f = ct_reshape(ct_to(x, CT_FLOAT32), 3, (int64_t[]){-1, h, w});
  ct_tensor *y = ct_pad(f, 4, lr_tb, c->mode == CT_CROP_PAD_EDGE ? CT_PAD_REPLICATE : CT_PAD_REFLECT, 0);
  if (!y) return NULL;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, ct_shape(x), sizeof(int64_t) * (size_t)nd);
  shape[nd - 2] = ct_size(y, -2), shape[nd - 1] = ct_size(y, -1);
  return ct_to(ct_reshape(y, nd, shape), ct_dtype_of(x));
}

/* torch.randint(0, hi, (1,), generator=g).item() */
static int64_t randint1(int64_t hi, ct_generator *g, bool *ok) {
  ct_tensor *r = ct_randint(0, hi, CT_SHAPE(1), .generator = g);
  *ok = r != NULL;
  return r ? ct_item_int64(r) : 0;
}

static ct_tensor *random_crop_fn(void *user, const ct_tensor *x, ct_generator *g) {
  crop *c = user;
  if (ct_dim(x) < 2) return ct__err("RandomCrop: Tensor is not a torch image (..., H, W); got %d dims", ct_dim(x));
  ct_tensor *img = pad_image(x, c->pad, c);
  if (img && c->pad_if_needed && ct_size(img, -1) < c->tw) {
    int64_t d = c->tw - ct_size(img, -1);
    img = pad_image(img, (int64_t[]){d, 0, d, 0}, c);
  }
  if (img && c->pad_if_needed && ct_size(img, -2) < c->th) {
    int64_t d = c->th - ct_size(img, -2);
    img = pad_image(img, (int64_t[]){0, d, 0, d}, c);
  }
  if (!img) return NULL;
  int64_t h = ct_size(img, -2), w = ct_size(img, -1);
  if (h + 1 < c->th || w + 1 < c->tw)
    return ct__err("Required crop size (%lld, %lld) is larger than input image size (%lld, %lld)",
                   (long long)c->th, (long long)c->tw, (long long)h, (long long)w);
  int64_t i = 0, j = 0;
  bool ok = true;
  if (h != c->th || w != c->tw) {
    i = randint1(h - c->th + 1, g, &ok);
    if (ok) j = randint1(w - c->tw + 1, g, &ok);
  }
  return ok ? ct_narrow(ct_narrow(img, -2, i, c->th), -1, j, c->tw) : NULL;
}

ct_transform *ct_tf_random_crop_ex(ct_ints size, ct_random_crop_opts o) {
  if (size.n < 1 || size.n > 2) return ct__err("Please provide only two dimensions (h, w) for size.");
  int np = o.padding.n;
  if (np != 0 && np != 1 && np != 2 && np != 4)
    return ct__err("Padding must be an int or a 1, 2, or 4 element tuple, not a %d element tuple", np);
  if ((unsigned)o.padding_mode > CT_CROP_PAD_SYMMETRIC)
    return ct__err("Padding mode should be either constant, edge, reflect or symmetric");
  crop *c = calloc(1, sizeof *c);
  if (!c) return ct__err("CPU: out of memory");
  c->th = size.v[0], c->tw = size.v[size.n - 1];
  for (int k = 0; k < 4 && np; k++) /* int: all four; (lr, tb); (left, top, right, bottom) */
    c->pad[k] = o.padding.v[np == 1 ? 0 : np == 2 ? k % 2 : k];
  c->pad_if_needed = o.pad_if_needed;
  c->fill = o.fill;
  c->mode = o.padding_mode;
  bool bad = c->th < 0 || c->tw < 0;
  for (int k = 0; k < 4; k++) bad |= c->pad[k] < 0;
  if (bad) {
    free(c);
    return ct__err("RandomCrop: size and padding must be >= 0 (negative padding is not supported)");
  }
  return ct_transform_new(random_crop_fn, c, free);
}

/* ---- RandomHorizontalFlip --------------------------------------------------------------- */
static ct_tensor *hflip_fn(void *user, const ct_tensor *x, ct_generator *g) {
  double p = *(double *)user;
  if (ct_dim(x) < 2) return ct__err("RandomHorizontalFlip: Tensor is not a torch image (..., H, W); got %d dims", ct_dim(x));
  ct_tensor *r = ct_rand(CT_SHAPE(1), .generator = g);
  if (!r) return NULL;
  /* torch.rand(1) < p compares in float32 (p is a wrapped Python number) */
  return (float)ct_item(r) < (float)p ? ct_flip(x, 1, (int64_t[]){-1}) : ct__share(x);
}

ct_transform *ct_tf_random_horizontal_flip(double p) {
  if (!(p >= 0 && p <= 1)) return ct__err("RandomHorizontalFlip: p should be between 0 and 1, got %g", p);
  double *u = malloc(sizeof *u);
  if (!u) return ct__err("CPU: out of memory");
  *u = p;
  return ct_transform_new(hflip_fn, u, free);
}

/* ---- Compose --------------------------------------------------------------------------- */
typedef struct {
  int n;
  ct_transform *t[];
} compose;

static ct_tensor *compose_fn(void *user, const ct_tensor *x, ct_generator *g) {
  compose *c = user;
  ct_tensor *y = ct__share(x);
  for (int k = 0; y && k < c->n; k++) y = c->t[k]->fn(c->t[k]->user, y, g);
  return y;
}

static void compose_free(void *user) {
  compose *c = user;
  for (int k = 0; k < c->n; k++) ct_transform_free(c->t[k]);
  free(c);
}

ct_transform *ct_tf_compose(ct_transform *const *tfs, int n) {
  bool null = !tfs || n < 0;
  for (int k = 0; !null && k < n; k++) null |= !tfs[k];
  compose *c = null ? NULL : malloc(sizeof *c + sizeof(ct_transform *) * (size_t)n);
  if (!c) {
    for (int k = 0; tfs && k < n; k++) ct_transform_free(tfs[k]);
    if (!null) return ct__err("CPU: out of memory");
    return ct_last_error() ? NULL : ct__err("Compose: a transform is NULL");
  }
  c->n = n;
  if (n) memcpy(c->t, tfs, sizeof(ct_transform *) * (size_t)n);
  return ct_transform_new(compose_fn, c, compose_free);
}

/* ---- a transformed dataset ------------------------------------------------------------- */
typedef struct {
  ct_dataset *parent;
  ct_transform *tf;
  int field;
  uint64_t base_seed;
  _Atomic int64_t epoch;
} tfds;

static uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The documented rule: seed = splitmix64(splitmix64(splitmix64(base) ^ epoch) ^ index). */
static uint64_t sample_seed(uint64_t base, int64_t epoch, int64_t index) {
  return splitmix64(splitmix64(splitmix64(base) ^ (uint64_t)epoch) ^ (uint64_t)index);
}

static int64_t tfds_len(void *user) { return ct_dataset_len(((tfds *)user)->parent); }

static int tfds_get(void *user, int64_t i, ct_sample *s) {
  tfds *t = user;
  if (ct_dataset_get(t->parent, i, s)) return -1;
  if (t->field >= s->n)
    return ct__errs("dataset transform: field %d is out of range for a sample of %d tensors", t->field, s->n);
  ct_generator *g = ct_generator_new(sample_seed(t->base_seed, atomic_load(&t->epoch), i));
  if (!g) return ct__errs("CPU: out of memory");
  s->t[t->field] = ct_transform_apply(t->tf, s->t[t->field], g);
  ct_generator_free(g);
  return s->t[t->field] ? 0 : -1;
}

static void tfds_free(void *user) {
  tfds *t = user;
  ct_dataset_free(t->parent);
  ct_transform_free(t->tf);
  free(t);
}

/* This dataset's epoch and its parent's (a transform of a transform). */
static int tfds_set_epoch(void *user, int64_t epoch, bool relative) {
  tfds *t = user;
  if (relative) atomic_fetch_add(&t->epoch, epoch);
  else atomic_store(&t->epoch, epoch);
  return 1 + ct__dataset_set_epoch(t->parent, epoch, relative);
}

ct_dataset *ct_dataset_transform_ex(ct_dataset *d, int field, ct_transform *tf,
                                    ct_dataset_transform_opts o) {
  if (!d || !tf) return ct__err("ct_dataset_transform: dataset and transform must not be NULL");
  if (field < 0 || field >= CT_SAMPLE_MAX)
    return ct__err("ct_dataset_transform: field %d is not in [0, %d)", field, CT_SAMPLE_MAX);
  tfds *t = calloc(1, sizeof *t);
  if (!t) return ct__err("CPU: out of memory");
  t->parent = ct_dataset_retain(d);
  t->tf = ct_transform_retain(tf);
  t->field = field;
  t->base_seed = (uint64_t)ct__random_int64(o.generator);
  atomic_init(&t->epoch, 0);
  ct_dataset *out = ct_dataset_new(tfds_len, tfds_get, t, tfds_free);
  if (out) out->set_epoch = tfds_set_epoch;
  return out;
}

/* Reaches transformed datasets through Subset, ConcatDataset and other transforms, so a
 * random_split part of an augmented dataset takes the epoch too. */
int ct_dataset_transform_set_epoch(ct_dataset *d, int64_t epoch) {
  if (ct__dataset_set_epoch(d, epoch, false) < 1)
    return ct__errs("ct_dataset_transform_set_epoch: not a transformed dataset (ct_dataset_transform)");
  return 0;
}
