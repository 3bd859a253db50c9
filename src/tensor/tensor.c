/* Tensor and storage lifetime, scopes, queries and element access. */
#include "../internal.h"
#include <unistd.h>

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---- live counts -----------------------------------------------------------------------
 * Each thread counts into its own block with plain (relaxed, unlocked) stores: a locked
 * add per allocation and per free was a quarter of a tiny op. Readers sum all blocks.
 * Blocks are never freed, so the counts of a thread that ended still add up; a thread
 * that cannot get a block shares one that is updated with locked adds. */
typedef struct live_counts {
  _Atomic int64_t tensors, bytes;
  struct live_counts *next;
} live_counts;
static live_counts g_shared_counts;
static _Atomic(live_counts *) g_counts_head = &g_shared_counts;
static _Thread_local live_counts *g_my_counts;

static live_counts *register_counts(void) {
  live_counts *c = calloc(1, sizeof *c);
  if (!c) return g_my_counts = &g_shared_counts;
  c->next = atomic_load(&g_counts_head);
  while (!atomic_compare_exchange_weak(&g_counts_head, &c->next, c)) {
  }
  return g_my_counts = c;
}

static inline void count_live(int64_t tensors, int64_t bytes) {
  live_counts *c = g_my_counts ? g_my_counts : register_counts();
  if (c == &g_shared_counts) {
    atomic_fetch_add(&c->tensors, tensors);
    atomic_fetch_add(&c->bytes, bytes);
    return;
  }
  /* only this thread writes c: load + store is a safe increment without a lock */
  atomic_store_explicit(&c->tensors, atomic_load_explicit(&c->tensors, memory_order_relaxed) + tensors,
                        memory_order_relaxed);
  atomic_store_explicit(&c->bytes, atomic_load_explicit(&c->bytes, memory_order_relaxed) + bytes,
                        memory_order_relaxed);
}

static int64_t sum_counts(bool bytes) {
  int64_t n = 0;
  for (live_counts *c = atomic_load(&g_counts_head); c; c = c->next)
    n += atomic_load_explicit(bytes ? &c->bytes : &c->tensors, memory_order_relaxed);
  return n;
}

int64_t ct_live_tensors(void) { return sum_counts(false); }
int64_t ct_live_bytes(void) { return sum_counts(true); }

/* ---- small-object caches (see ct_cache in internal.h) ---------------------------------
 * A tiny op allocates a tensor struct and a small storage and frees both at the scope's
 * end; freed ones wait here to be reused as they are. */
#define SMALL_CLASSES 5 /* storages of up to 4 * 64 data bytes: class = 64-byte blocks */
static _Thread_local ct_cache g_free_tensors, g_free_storages[SMALL_CLASSES];

/* A thread that ends (a data-loading worker) hands its cached blocks and its scope arrays
 * back through a pthread key destructor; the main thread's stay reachable until exit. */
static pthread_key_t g_cache_key;
static pthread_once_t g_cache_once = PTHREAD_ONCE_INIT;
static bool g_cache_key_ok;
static _Thread_local bool g_cache_armed;

static void free_scopes(void);

/* Big storages (>= 256 KB) freed lately wait for a request of about their size. Without it
 * a loop making a few 4 MB results per step hands the memory back to the OS whenever glibc's
 * trim threshold is crossed and page-faults it in again next step: 27% of a where() step was
 * spent in page faults. At most 8 blocks and 128 MB per thread; off under ASan (see ct_cache). */
#define BIG_MIN ((size_t)256 << 10)
#define BIG_SLOTS (CT_CACHE_CAP ? 8 : 0)
#define BIG_BYTES ((size_t)128 << 20)
typedef struct {
  ct_storage *blk[8];
  size_t cap[8];
  int n;
  size_t bytes;
} big_cache;
static _Thread_local big_cache g_big;

static ct_storage *big_pop(size_t need) {
  int best = -1;
  for (int i = 0; i < g_big.n; i++) /* the smallest block that fits, wasting at most half */
    if (g_big.cap[i] >= need && g_big.cap[i] / 2 <= need && (best < 0 || g_big.cap[i] < g_big.cap[best]))
      best = i;
  if (best < 0) return NULL;
  ct_storage *s = g_big.blk[best];
  g_big.bytes -= g_big.cap[best];
  g_big.n--;
  g_big.blk[best] = g_big.blk[g_big.n];
  g_big.cap[best] = g_big.cap[g_big.n];
  return s;
}

static bool big_push(ct_storage *s, size_t cap) {
  if (g_big.n >= BIG_SLOTS || g_big.bytes + cap > BIG_BYTES) return false;
  g_big.blk[g_big.n] = s;
  g_big.cap[g_big.n++] = cap;
  g_big.bytes += cap;
  return true;
}

static void big_drain(void) {
  while (g_big.n > 0) free(g_big.blk[--g_big.n]);
  g_big.bytes = 0;
}

static void thread_exit(void *unused) {
  (void)unused;
  big_drain();
  ct__cache_drain(&g_free_tensors);
  for (int i = 0; i < SMALL_CLASSES; i++) ct__cache_drain(&g_free_storages[i]);
  free_scopes();
  ct__node_thread_exit();
}

static void make_cache_key(void) {
  g_cache_key_ok = pthread_key_create(&g_cache_key, thread_exit) == 0;
}

void ct__cache_arm(void) {
  if (g_cache_armed) return;
  pthread_once(&g_cache_once, make_cache_key);
  if (g_cache_key_ok) pthread_setspecific(g_cache_key, (void *)1);
  g_cache_armed = true;
}

/* ---- storage ------------------------------------------------------------------------ */
/* Header and data in one plain malloc block: the header at its start, the data after it
 * rounded up to 64 bytes for the vector kernels. (With aligned_alloc a freed block was never
 * big enough for the same request again, so a loop making one big result per step, a @ b
 * or x + y, grew the heap every step and wrote into fresh pages.) */
static ct_storage *storage_new(size_t nbytes) {
  /* More than the machine's memory can never succeed: fail like PyTorch instead of letting an
   * overcommitting malloc hand out pages that kill the process when touched. */
  static size_t phys;
  if (!phys) phys = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
  if (nbytes > phys)
    return ct__err("DefaultCPUAllocator: not enough memory: you tried to allocate %zu bytes.", nbytes);
  size_t blocks = (nbytes + 63) / 64;
  ct_storage *s = blocks < SMALL_CLASSES ? ct__cache_pop(&g_free_storages[blocks]) : NULL;
  if (!s && nbytes >= BIG_MIN) s = big_pop(blocks * 64);
  if (!s) {
    ct__cache_arm(); /* a thread's cached blocks are freed when it exits */
    s = malloc(sizeof(ct_storage) + 63 + blocks * 64);
  }
  if (!s) return ct__err("CPU: out of memory allocating %zu bytes", nbytes);
  s->refcount = 1;
  s->data = (void *)(((uintptr_t)(s + 1) + 63) & ~(uintptr_t)63);
  s->nbytes = nbytes;
  s->owns = true;
  s->version = 0;
  count_live(0, (int64_t)nbytes);
  return s;
}

static void storage_decref(ct_storage *s) {
  if (--s->refcount > 0) return;
  if (s->owns) {
    count_live(0, -(int64_t)s->nbytes);
    size_t blocks = (s->nbytes + 63) / 64;
    if (blocks < SMALL_CLASSES && ct__cache_push(&g_free_storages[blocks], s)) return;
    if (s->nbytes >= BIG_MIN && big_push(s, blocks * 64)) return;
  }
  free(s); /* a ct_from_blob header, or an owning block */
}

/* ---- tensor objects ------------------------------------------------------------------ */
static ct_tensor *tensor_alloc(void) {
  ct_tensor *t = ct__cache_pop(&g_free_tensors);
  if (!t) t = malloc(sizeof *t);
  if (!t) return ct__err("CPU: out of memory");
  memset(t, 0, offsetof(ct_tensor, shape));
  t->refcount = 1;
  count_live(1, 0);
  return t;
}

static void tensor_free(ct_tensor *t) {
  count_live(-1, 0);
  if (!ct__cache_push(&g_free_tensors, t)) free(t);
}

void ct__tensor_incref(ct_tensor *t) { t->refcount++; }

void ct__tensor_decref(ct_tensor *t) {
  if (!t || --t->refcount > 0) return;
  if (t->grad_fn) {
    ct_node *n = t->grad_fn;
    if (n->retained && n->retained[t->output_nr] == t) n->retained[t->output_nr] = NULL;
    ct__node_decref(n);
  }
  if (t->grad_acc) {
    t->grad_acc->variable = NULL;
    ct__node_decref(t->grad_acc);
  }
  if (t->grad) ct__tensor_decref(t->grad);
  if (t->base) ct__tensor_decref(t->base);
  storage_decref(t->storage);
  tensor_free(t);
}

/* ---- scopes --------------------------------------------------------------------------- */
typedef struct {
  ct_tensor **v;
  int n, cap;
} scope_t;
static _Thread_local scope_t *g_scopes;
static _Thread_local int g_depth, g_scopes_cap;

/* Thread exit: scopes still open then (a thread that never closed them) keep nothing alive
 * through these arrays; only the arrays themselves are freed. */
static void free_scopes(void) {
  for (int i = 0; i < g_scopes_cap; i++) free(g_scopes[i].v);
  free(g_scopes);
  g_scopes = NULL;
  g_scopes_cap = g_depth = 0;
}

void ct_scope_begin(void) {
  if (g_depth == g_scopes_cap) {
    ct__cache_arm();
    int cap = g_scopes_cap ? g_scopes_cap * 2 : 16;
    scope_t *ns = realloc(g_scopes, sizeof(scope_t) * (size_t)cap);
    if (!ns) abort(); /* cannot even record an error without memory for the scope */
    memset(ns + g_scopes_cap, 0, sizeof(scope_t) * (size_t)(cap - g_scopes_cap));
    g_scopes = ns;
    g_scopes_cap = cap;
  }
  g_scopes[g_depth++].n = 0;
}

void ct_scope_end(void) {
  if (g_depth == 0) return;
  scope_t *s = &g_scopes[g_depth - 1];
  /* Release newest first, so results die before the inputs they were made from. */
  while (s->n > 0) ct__tensor_decref(s->v[--s->n]);
  g_depth--;
  if (g_depth == 0 && s->cap > 4096) { /* do not hold a huge array forever */
    free(s->v);
    s->v = NULL;
    s->cap = 0;
  }
}

static void scope_push(scope_t *s, ct_tensor *t) {
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 64;
    ct_tensor **nv = realloc(s->v, sizeof(ct_tensor *) * (size_t)cap);
    if (!nv) abort();
    s->v = nv;
    s->cap = cap;
  }
  s->v[s->n++] = t;
}

ct_tensor *ct__own(ct_tensor *t) {
  if (t && g_depth > 0) scope_push(&g_scopes[g_depth - 1], t);
  return t;
}

ct_tensor *ct_keep(ct_tensor *t) {
  if (!t || g_depth == 0) return t;
  t->refcount++;
  if (g_depth >= 2) scope_push(&g_scopes[g_depth - 2], t);
  return t;
}

ct_tensor *ct_retain(ct_tensor *t) {
  if (t) t->refcount++;
  return t;
}

void ct_release(ct_tensor *t) { ct__tensor_decref(t); }

ct_tensor *ct__op_end(ct_tensor *result) {
  ct_keep(result);
  ct_scope_end();
  return result;
}

/* ---- threads ------------------------------------------------------------------------ */
extern void openblas_set_num_threads(int);
static int g_threads = 0;
void ct_set_num_threads(int n) {
  if (n < 1) {
    ct__err("set_num_threads expects a positive integer");
    return;
  }
  g_threads = n;
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  openblas_set_num_threads(n);
}
int ct_get_num_threads(void) {
#ifdef _OPENMP
  return g_threads ? g_threads : omp_get_max_threads();
#else
  return 1;
#endif
}

/* ---- shapes ---------------------------------------------------------------------------- */
void ct__contig_strides(int ndim, const int64_t *shape, int64_t *strides) {
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    strides[i] = s;
    if (i > 0) s *= shape[i] > 1 ? shape[i] : 1; /* not past dim 0: numel may overflow */
  }
}

int64_t ct__numel_of(int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  return n;
}

int64_t ct__numel_checked(int ndim, const int64_t *shape) {
  int64_t n = 1;
  bool over = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] == 0) return 0;
    over |= __builtin_mul_overflow(n, shape[i], &n);
  }
  return over ? -1 : n;
}

int ct__check_numel(int ndim, const int64_t *shape) {
  return ct__numel_checked(ndim, shape) < 0 ? ct__errs("numel: integer multiplication overflow") : 0;
}

/* PyTorch's order (empty_generic): the storage size first, then the contiguous strides, which
 * an empty tensor still has and which must fit int64 ((0, 2^40, 2^40) has none that do). */
int ct__check_shape(int ndim, const int64_t *shape) {
  if (ndim < 0 || ndim > CT_MAX_DIMS)
    return ct__errs("number of dimensions %d is out of range [0, %d]", ndim, CT_MAX_DIMS);
  if (ndim > 0 && !shape) return ct__errs("shape is NULL");
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0)
      return ct__errs("Trying to create tensor with negative dimension %lld: %s",
                      (long long)shape[i], SHP(0, ndim, shape));
  if (ct__numel_checked(ndim, shape) < 0)
    return ct__errs("Storage size calculation overflowed with sizes=%s", SHP(0, ndim, shape));
  int64_t st = 1;
  for (int i = ndim - 1; i > 0; i--)
    if (__builtin_mul_overflow(st, shape[i] > 1 ? shape[i] : 1, &st))
      return ct__errs("Stride calculation overflowed");
  return 0;
}

int64_t ct__wrap_dim(int64_t dim, int ndim) {
  int64_t n = ndim > 0 ? ndim : 1;
  if (dim < -n || dim >= n) {
    ct__err("Dimension out of range (expected to be in range of [%lld, %lld], but got %lld)",
            (long long)-n, (long long)(n - 1), (long long)dim);
    return -1;
  }
  return dim < 0 ? dim + n : dim;
}

/* ---- construction ------------------------------------------------------------------------ */
ct_tensor *ct__empty(ct_dtype dt, int ndim, const int64_t *shape) {
  if ((int)dt < 0 || dt >= CT_NUM_DTYPES) return ct__err("invalid dtype %d", (int)dt);
  if (ct__check_shape(ndim, shape)) return NULL;
  int64_t n = ct__numel_of(ndim, shape), nbytes;
  if (__builtin_mul_overflow(n, (int64_t)ct_dtype_size(dt), &nbytes))
    return ct__err("Storage size calculation overflowed with sizes=%s", SHP(0, ndim, shape));
  ct_storage *s = storage_new((size_t)nbytes);
  if (!s) return NULL;
  ct_tensor *t = tensor_alloc();
  if (!t) {
    storage_decref(s);
    return NULL;
  }
  t->storage = s;
  t->dtype = dt;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  ct__contig_strides(ndim, shape, t->strides);
  return ct__own(t);
}

ct_tensor *ct__empty_like(const ct_tensor *t) { return ct__empty(t->dtype, t->ndim, t->shape); }

ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset) {
  if (ct__check_numel(ndim, shape)) return NULL; /* expand((2^32, 2^32)) */
  ct_tensor *t = tensor_alloc();
  if (!t) return NULL;
  t->storage = base->storage;
  base->storage->refcount++;
  t->dtype = base->dtype;
  t->ndim = ndim;
  t->offset = offset;
  t->is_view = true;
  t->base = base->base ? base->base : (ct_tensor *)base;
  t->base->refcount++;
  for (int i = 0; i < ndim; i++) {
    t->shape[i] = shape[i];
    t->strides[i] = strides[i];
  }
  return ct__own(t);
}

/* ---- queries ------------------------------------------------------------------------------ */
int ct_dim(const ct_tensor *t) { return t ? t->ndim : -1; }
int64_t ct_size(const ct_tensor *t, int dim) {
  if (!t) return -1;
  if (t->ndim == 0) {
    ct__err("dimension specified as %d but tensor has no dimensions", dim);
    return -1;
  }
  int64_t d = ct__wrap_dim(dim, t->ndim);
  return d < 0 ? -1 : t->shape[d];
}
const int64_t *ct_shape(const ct_tensor *t) { return t ? t->shape : NULL; }
const int64_t *ct_strides(const ct_tensor *t) { return t ? t->strides : NULL; }
int64_t ct_storage_offset(const ct_tensor *t) { return t ? t->offset : -1; }
int64_t ct_numel(const ct_tensor *t) { return t ? ct__numel_of(t->ndim, t->shape) : -1; }
ct_dtype ct_dtype_of(const ct_tensor *t) { return t ? t->dtype : CT_DTYPE_UNSET; }
bool ct_is_floating_point(const ct_tensor *t) { return t && ct_dtype_is_floating(t->dtype); }
bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b) {
  return a && b && a->storage == b->storage;
}
void *ct_data_ptr(const ct_tensor *t) { return t ? ct__ptr(t) : NULL; }

bool ct_is_contiguous(const ct_tensor *t) {
  if (!t) return false;
  int64_t expect = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] == 0) return true;
    if (t->shape[i] != 1 && t->strides[i] != expect) return false;
    expect *= t->shape[i];
  }
  return true;
}

/* ---- element access ------------------------------------------------------------------------- */
char *ct__elem_ptr(const ct_tensor *t, const int64_t *index) {
  int64_t off = 0;
  for (int i = 0; i < t->ndim; i++) {
    int64_t ix = index[i] < 0 ? index[i] + t->shape[i] : index[i];
    if (ix < 0 || ix >= t->shape[i]) {
      ct__err("index %lld is out of bounds for dimension %d with size %lld", (long long)index[i],
              i, (long long)t->shape[i]);
      return NULL;
    }
    off += ix * t->strides[i];
  }
  return ct__ptr(t) + off * (int64_t)ct_dtype_size(t->dtype);
}

double ct_item(const ct_tensor *t) {
  if (!t) return NAN;
  int64_t n = ct_numel(t);
  if (n != 1) {
    ct__err("a Tensor with %lld elements cannot be converted to Scalar", (long long)n);
    return NAN;
  }
  return ct__load(ct__ptr(t), t->dtype); /* the only element sits at the storage offset */
}

double ct_get(const ct_tensor *t, const int64_t *index) {
  if (!t) return NAN;
  if (t->ndim > 0 && !index) {
    ct__err("index is NULL");
    return NAN;
  }
  char *p = ct__elem_ptr(t, index);
  return p ? ct__load(p, t->dtype) : NAN;
}

int64_t ct_to_doubles(const ct_tensor *t, double *out, int64_t cap) {
  if (!t) return -1;
  if (!out) return ct__errs("out is NULL");
  int64_t n = ct_numel(t);
  if (n > cap) return ct__errs("buffer of %lld doubles is too small for %lld elements",
                               (long long)cap, (long long)n);
  CT_OP_BEGIN();
  ct_tensor *c = ct__contig_as(t, CT_FLOAT64);
  if (c) memcpy(out, ct__ptr(c), (size_t)n * sizeof(double));
  ct_scope_end();
  return c ? n : -1;
}

ct_tensor *ct_from_blob(void *data, ct_dtype dtype, int ndim, const int64_t *shape) {
  if ((int)dtype < 0 || dtype >= CT_NUM_DTYPES) return ct__err("invalid dtype %d", (int)dtype);
  if (ct__check_shape(ndim, shape)) return NULL;
  if (!data && ct__numel_of(ndim, shape) > 0) return ct__err("from_blob: data is NULL");
  ct_storage *s = malloc(sizeof *s);
  if (!s) return ct__err("CPU: out of memory");
  *s = (ct_storage){.refcount = 1, .data = data,
                    .nbytes = (size_t)ct__numel_of(ndim, shape) * ct_dtype_size(dtype)};
  ct_tensor *t = tensor_alloc();
  if (!t) {
    free(s);
    return NULL;
  }
  t->storage = s;
  t->dtype = dtype;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
  ct__contig_strides(ndim, shape, t->strides);
  return ct__own(t);
}
