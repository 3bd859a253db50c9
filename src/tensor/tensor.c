/* Tensor and storage lifetime, scopes, queries and element access. */
#include "loops.h"
#include <execinfo.h>
#include <malloc.h>
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
  unsigned threads_gen; /* the ct_set_num_threads this thread applied (see threads below) */
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

static inline live_counts *my_counts(void) {
  return g_my_counts ? g_my_counts : register_counts();
}

static inline void count_live(int64_t tensors, int64_t bytes) {
  live_counts *c = my_counts();
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
 * spent in page faults. At most 32 blocks and 128 MB per thread (ct_set_cache_limit); off
 * under ASan (see ct_cache). 32, not 8: a CNN training step frees a few dozen (activations,
 * their gradients, im2col columns), and with 8 slots Fashion-MNIST's CNN faulted 13 MB of
 * fresh pages in every step. */
#define BIG_MIN ((size_t)256 << 10)
#define BIG_SLOTS (CT_CACHE_CAP ? 32 : 0)
static _Atomic size_t g_big_limit = (size_t)128 << 20;
typedef struct {
  ct_storage *blk[32];
  size_t cap[32];
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
  if (g_big.n >= BIG_SLOTS ||
      g_big.bytes + cap > atomic_load_explicit(&g_big_limit, memory_order_relaxed))
    return false;
  g_big.blk[g_big.n] = s;
  g_big.cap[g_big.n++] = cap;
  g_big.bytes += cap;
  return true;
}

static void big_drain(void) {
  while (g_big.n > 0) free(g_big.blk[--g_big.n]);
  g_big.bytes = 0;
}

/* Bytes of one small storage block of class c, as malloc'd. */
static size_t small_block_bytes(int c) { return sizeof(ct_storage) + 63 + (size_t)c * 64; }

int64_t ct_cached_bytes(void) {
  size_t n = g_big.bytes + (size_t)g_free_tensors.n * sizeof(ct_tensor);
  for (int c = 0; c < SMALL_CLASSES; c++) n += (size_t)g_free_storages[c].n * small_block_bytes(c);
  return (int64_t)n;
}

void ct_empty_cache(void) {
  big_drain();
  ct__cache_drain(&g_free_tensors);
  for (int i = 0; i < SMALL_CLASSES; i++) ct__cache_drain(&g_free_storages[i]);
  ct__node_cache_drain();
  malloc_trim(0); /* and glibc hands its free pages back to the OS */
}

void ct_set_cache_limit(int64_t bytes) {
  if (bytes < 0) {
    ct__err("set_cache_limit expects a non-negative number of bytes, got %lld", (long long)bytes);
    return;
  }
  atomic_store_explicit(&g_big_limit, (size_t)bytes, memory_order_relaxed);
  while (g_big.n > 0 && g_big.bytes > (size_t)bytes) { /* this thread's cache obeys at once */
    g_big.n--;
    g_big.bytes -= g_big.cap[g_big.n];
    free(g_big.blk[g_big.n]);
  }
}

int64_t ct_get_cache_limit(void) {
  return (int64_t)atomic_load_explicit(&g_big_limit, memory_order_relaxed);
}

static void thread_exit(void *unused) {
  (void)unused;
  free_scopes(); /* first: ending them fills the caches drained below */
  big_drain();
  ct__cache_drain(&g_free_tensors);
  for (int i = 0; i < SMALL_CLASSES; i++) ct__cache_drain(&g_free_storages[i]);
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
  static size_t phys_;
  size_t phys = __atomic_load_n(&phys_, __ATOMIC_RELAXED);
  if (!phys) {
    phys = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
    __atomic_store_n(&phys_, phys, __ATOMIC_RELAXED);
  }
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
  atomic_init(&s->refcount, 1);
  s->data = (void *)(((uintptr_t)(s + 1) + 63) & ~(uintptr_t)63);
  s->nbytes = nbytes;
  s->owns = true;
  s->release = NULL;
  atomic_init(&s->version, 0);
  count_live(0, (int64_t)nbytes);
  return s;
}

/* The last reference (a load sees 1) needs no locked decrement: nobody else can hold one. */
static inline bool last_ref(_Atomic int64_t *rc, int64_t k) {
  int64_t old = atomic_load_explicit(rc, memory_order_acquire);
  return old == k || atomic_fetch_sub_explicit(rc, k, memory_order_acq_rel) == k;
}

static void storage_decref(ct_storage *s) {
  if (!last_ref(&s->refcount, 1)) return;
  if (s->owns) {
    count_live(0, -(int64_t)s->nbytes);
    size_t blocks = (s->nbytes + 63) / 64;
    if (blocks < SMALL_CLASSES && ct__cache_push(&g_free_storages[blocks], s)) return;
    if (s->nbytes >= BIG_MIN && big_push(s, blocks * 64)) return;
  }
  if (s->release) s->release(s->release_ctx);
  free(s); /* a ct_from_blob / ct__from_external header, or an owning block */
}

/* ---- debug mode and misuse --------------------------------------------------------------
 * CT_DEBUG=1 in the environment (or a -DCT_DEBUG=ON build): freed tensor structs are never
 * reused (quarantined, poisoned), and each tensor records the call stack that made it, so a
 * stale handle, a second release or the release of a scope-owned tensor is reported with
 * where the tensor came from. The misuse checks themselves run in every build. */
#ifndef CT_DEBUG_DEFAULT
#define CT_DEBUG_DEFAULT 0
#endif
#define CT__DEAD 0xdeadf7eeu
#define DBG_FRAMES 16
struct ct__tensor_dbg {
  int n;
  void *frames[DBG_FRAMES];
};
static bool g_debug = CT_DEBUG_DEFAULT;
static ct_tensor *g_quarantine; /* freed structs in debug mode, linked through ->grad */
static pthread_mutex_t g_quarantine_lock = PTHREAD_MUTEX_INITIALIZER;

void ct__set_debug(bool on) {
  if (on) {
    void *f[2];
    backtrace(f, 2); /* loads the unwinder now, not inside an allocation */
  }
  g_debug = on;
}

__attribute__((constructor)) static void debug_from_env(void) {
  const char *e = getenv("CT_DEBUG");
  if (e && *e) ct__set_debug(strcmp(e, "0") != 0);
  else if (g_debug) ct__set_debug(true);
}

static struct ct__tensor_dbg *record_origin(void) {
  struct ct__tensor_dbg *d = malloc(sizeof *d);
  if (d) d->n = backtrace(d->frames, DBG_FRAMES);
  return d;
}

static __attribute__((noreturn)) void report(const ct_tensor *t, const char *msg) {
  int nd = t->ndim < 0 || t->ndim > CT_MAX_DIMS ? 0 : t->ndim;
  bool dt_ok = (int)t->dtype >= 0 && t->dtype < CT_NUM_DTYPES;
  fprintf(stderr, "ctorch: %s: tensor of shape %s and dtype %s", msg,
          ct__shape_str(nd, t->shape, (char[256]){0}, 256),
          dt_ok ? ct_dtype_name(t->dtype) : "(unknown)");
  if (t->dbg && t->dbg->n > 2) {
    fprintf(stderr, ", made at:\n");
    fflush(stderr);
    /* frames 0-1 are record_origin and tensor_alloc */
    backtrace_symbols_fd(t->dbg->frames + 2, t->dbg->n - 2, 2);
    fprintf(stderr, "(symbolise +0x offsets with addr2line -f -e <binary>)\n");
  } else {
    fprintf(stderr, " (run with CT_DEBUG=1 to see where it was made)\n");
  }
  fflush(stderr);
  abort(); /* going on would corrupt memory */
}

void ct__dead_tensor(const ct_tensor *t) {
  report(t, "use of a freed tensor (its scope ended or it was released)");
}

/* ---- tensor objects ------------------------------------------------------------------ */
static void sync_threads(void);

static ct_tensor *tensor_alloc(void) {
  ct_tensor *t = ct__cache_pop(&g_free_tensors);
  if (!t) t = malloc(sizeof *t);
  if (!t) return ct__err("CPU: out of memory");
  /* Field by field, not memset(t, 0, offsetof(ct_tensor, shape)): for these 104 bytes gcc
   * -mtune emitted `rep stosq`, half of tensor_alloc's time (perf annotate), and a tiny
   * op makes three tensors. The stores below become a few vector stores. */
  atomic_init(&t->refcount, 1);
  t->storage = NULL;
  t->offset = 0;
  t->ndim = 0;
  t->dtype = 0;
  t->requires_grad = t->retains_grad = t->wrapped_number = t->is_view = false;
  t->magic = CT__LIVE;
  t->base = NULL;
  t->view_version = 0;
  t->output_nr = 0;
  t->grad_fn = t->grad_acc = NULL;
  t->grad = NULL;
  t->dbg = NULL;
  t->sparse = NULL;
  if (__builtin_expect(g_debug, 0)) t->dbg = record_origin();
  sync_threads();
  count_live(1, 0);
  return t;
}

static void quarantine(ct_tensor *t) {
  int nd = t->ndim;
  ct_dtype dt = t->dtype;
  struct ct__tensor_dbg *dbg = t->dbg;
  memset(t, 0xdb, offsetof(ct_tensor, shape)); /* a stale handle's data pointer is poison */
  t->magic = CT__DEAD;
  t->dbg = dbg;
  t->ndim = nd;
  t->dtype = dt;
  t->requires_grad = t->retains_grad = t->wrapped_number = t->is_view = false; /* valid bools */
  t->sparse = NULL; /* the layout checks run before the liveness ones in some ops */
  pthread_mutex_lock(&g_quarantine_lock);
  t->grad = g_quarantine;
  g_quarantine = t;
  pthread_mutex_unlock(&g_quarantine_lock);
}

static void tensor_free(ct_tensor *t) {
  count_live(-1, 0);
  t->magic = CT__DEAD;
  if (g_debug) {
    quarantine(t);
    return;
  }
  if (t->dbg) { /* debug mode was switched off since t was made */
    free(t->dbg);
    t->dbg = NULL;
  }
  if (!ct__cache_push(&g_free_tensors, t)) free(t);
}

/* A tensor's references (see struct ct_tensor): plain ones count 1, scope ones SCOPE_REF. */
#define SCOPE_REF ((int64_t)1 << 32)
#define PLAIN_MASK (SCOPE_REF - 1)

static inline void ref_add(ct_tensor *t, int64_t k) {
  atomic_fetch_add_explicit(&t->refcount, k, memory_order_relaxed);
}

void ct__tensor_incref(ct_tensor *t) { ref_add(t, 1); }

void ct__sparse_free(ct__sparse *s) {
  ct__tensor_decref(s->indices);
  ct__tensor_decref(s->values);
  free(s);
}

int ct__refuse_sparse(const char *op, const ct_tensor *a, const ct_tensor *b) {
  if (!(a && a->sparse) && !(b && b->sparse)) return 0;
  return ct__errs("Could not run 'aten::%s' with arguments from the 'SparseCPU' backend. "
                  "ctorch's sparse COO tensors support only coalesce, to_dense, to(dtype), add, mul by a "
                  "number and the sparse optimizer steps; call to_dense() first", op);
}

static void tensor_destroy(ct_tensor *t) {
  if (t->grad_fn || t->grad_acc) ct__tensor_drop_nodes(t);
  if (t->grad) ct__tensor_decref(t->grad);
  if (t->sparse) ct__sparse_free(t->sparse);
  if (t->base) ct__tensor_decref(t->base); /* which holds the storage */
  else storage_decref(t->storage);
  tensor_free(t);
}

/* Drop one reference of kind k; a kind nobody holds is a release too many. */
static void tensor_unref(ct_tensor *t, int64_t k, bool by_user) {
  if (__builtin_expect(t->magic != CT__LIVE, 0))
    report(t, by_user ? "ct_release of a tensor already freed (released twice, or after its "
                        "scope ended)"
                      : "release of a freed tensor (released more often than retained)");
  int64_t old = atomic_load_explicit(&t->refcount, memory_order_acquire);
  if (old != k) old = atomic_fetch_sub_explicit(&t->refcount, k, memory_order_acq_rel);
  if (old == k) {
    tensor_destroy(t);
    return;
  }
  if (__builtin_expect((k == 1 ? old & PLAIN_MASK : old >> 32) == 0, 0)) {
    atomic_fetch_add_explicit(&t->refcount, k, memory_order_relaxed); /* for the report */
    report(t, by_user ? "ct_release of a tensor its scope owns (the scope releases it when "
                        "it ends; ct_retain it first to hold a reference of your own)"
                      : "release of a reference nobody holds (a tensor its scope owns was "
                        "ct_release'd)");
  }
}

void ct__tensor_decref(ct_tensor *t) {
  if (t) tensor_unref(t, 1, false);
}

/* ---- scopes --------------------------------------------------------------------------- */
typedef struct {
  ct_tensor **v;
  int n, cap;
} scope_t;
static _Thread_local scope_t *g_scopes;
static _Thread_local int g_depth, g_scopes_cap;

/* Thread exit: scopes still open then (a thread that never closed them) release their
 * tensors, and the arrays are freed. */
static void free_scopes(void) {
  while (g_depth > 0) ct_scope_end();
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
  sync_threads();
}

void ct_scope_end(void) {
  if (g_depth == 0) return;
  scope_t *s = &g_scopes[g_depth - 1];
  /* Release newest first, so results die before the inputs they were made from. */
  while (s->n > 0) tensor_unref(s->v[--s->n], SCOPE_REF, false);
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
  if (t && g_depth > 0) {
    ref_add(t, SCOPE_REF - 1); /* the caller's plain reference becomes the scope's */
    scope_push(&g_scopes[g_depth - 1], t);
  }
  return t;
}

ct_tensor *ct__share(const ct_tensor *t) {
  ct_tensor *m = (ct_tensor *)t;
  ref_add(m, g_depth > 0 ? SCOPE_REF : 1); /* one locked add, not an incref and an own */
  if (g_depth > 0) scope_push(&g_scopes[g_depth - 1], m);
  return m;
}

/* ct__own of a tensor just made: no other thread can see it yet, so a plain store. */
static ct_tensor *own_new(ct_tensor *t) {
  if (g_depth > 0) {
    atomic_store_explicit(&t->refcount, SCOPE_REF, memory_order_relaxed);
    scope_push(&g_scopes[g_depth - 1], t);
  }
  return t;
}

ct_tensor *ct__scope_take(ct_tensor *t) {
  scope_t *s = g_depth > 0 ? &g_scopes[g_depth - 1] : NULL;
  for (int i = s ? s->n - 1 : -1, stop = i - 16; i >= 0 && i > stop; i--) {
    if (s->v[i] != t) continue;
    for (int j = i + 1; j < s->n; j++) s->v[j - 1] = s->v[j]; /* a few: no memmove call */
    s->n--;
    /* the scope's the only reference: nobody else can be counting */
    if (atomic_load_explicit(&t->refcount, memory_order_acquire) == SCOPE_REF)
      atomic_store_explicit(&t->refcount, 1, memory_order_relaxed);
    else
      ref_add(t, 1 - SCOPE_REF);
    return t;
  }
  ref_add(t, 1);
  return t;
}

ct_tensor *ct_keep(ct_tensor *t) {
  if (!t || g_depth == 0) return t;
  ct__check_live(t);
  if (g_depth >= 2) {
    ref_add(t, SCOPE_REF);
    scope_push(&g_scopes[g_depth - 2], t);
  } else {
    ref_add(t, 1); /* the caller's */
  }
  return t;
}

ct_tensor *ct_retain(ct_tensor *t) {
  ct__check_live(t);
  if (t) ref_add(t, 1);
  return t;
}

void ct_release(ct_tensor *t) {
  if (t) tensor_unref(t, 1, true);
}

ct_tensor *ct__op_end(ct_tensor *result) {
  /* The usual case: the result is the op scope's newest tensor; its scope reference moves
   * to the parent without touching the count twice. */
  scope_t *s = g_depth > 0 ? &g_scopes[g_depth - 1] : NULL;
  if (result && s && s->n > 0 && s->v[s->n - 1] == result) {
    s->n--;
    if (g_depth >= 2) scope_push(&g_scopes[g_depth - 2], result);
    else ref_add(result, 1 - SCOPE_REF);
    ct_scope_end();
    return result;
  }
  ct_keep(result);
  ct_scope_end();
  return result;
}

/* ---- threads ------------------------------------------------------------------------
 * OpenMP's thread count is a per-thread setting: ct_set_num_threads stores it globally with
 * a generation number, and each thread applies a newer generation to itself when it next
 * allocates a tensor, opens a scope or runs the elementwise iterator (ct__sync_threads). */
extern void openblas_set_num_threads(int);
static _Atomic int g_threads;          /* 0: OpenMP's default */
static _Atomic unsigned g_threads_gen; /* bumped by every ct_set_num_threads */

/* The generation this thread applied sits in its live-count block: tensor_alloc reaches that
 * block anyway, and a second thread-local variable would cost a __tls_get_addr call. */
static __attribute__((noinline)) void apply_threads(unsigned gen) {
  live_counts *c = my_counts();
  if (c != &g_shared_counts) c->threads_gen = gen; /* the shared fallback applies it each time */
#ifdef _OPENMP
  omp_set_num_threads(atomic_load_explicit(&g_threads, memory_order_relaxed));
#endif
}

static inline void sync_threads(void) {
  unsigned gen = atomic_load_explicit(&g_threads_gen, memory_order_acquire);
  if (__builtin_expect(gen != my_counts()->threads_gen, 0)) apply_threads(gen);
}

void ct__sync_threads(void) { sync_threads(); }

void ct_set_num_threads(int n) {
  if (n < 1) {
    ct__err("set_num_threads expects a positive integer");
    return;
  }
  atomic_store_explicit(&g_threads, n, memory_order_relaxed);
  apply_threads(atomic_fetch_add_explicit(&g_threads_gen, 1, memory_order_acq_rel) + 1);
  openblas_set_num_threads(n);
}
int ct_get_num_threads(void) {
#ifdef _OPENMP
  int n = atomic_load_explicit(&g_threads, memory_order_relaxed);
  return n ? n : omp_get_max_threads();
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
  return own_new(t);
}

ct_tensor *ct__empty_like(const ct_tensor *t) { return ct__empty(t->dtype, t->ndim, t->shape); }

ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset) {
  ct__check_live(base);
  if (ct__refuse_sparse("as_strided", base, NULL)) return NULL;
  if (ct__check_numel(ndim, shape)) return NULL; /* expand((2^32, 2^32)) */
  ct_tensor *t = tensor_alloc();
  if (!t) return NULL;
  t->storage = base->storage; /* held through t->base */
  t->dtype = base->dtype;
  t->ndim = ndim;
  t->offset = offset;
  t->is_view = true;
  t->base = base->base ? base->base : (ct_tensor *)base;
  ref_add(t->base, 1);
  for (int i = 0; i < ndim; i++) {
    t->shape[i] = shape[i];
    t->strides[i] = strides[i];
  }
  return own_new(t);
}

ct_tensor *ct__alias(const ct_tensor *t) {
  ct__check_live(t);
  if (ct__refuse_sparse("alias", t, NULL)) return NULL;
  ct_tensor *a = tensor_alloc();
  if (!a) return NULL;
  a->storage = t->storage;
  atomic_fetch_add_explicit(&t->storage->refcount, 1, memory_order_relaxed);
  a->dtype = t->dtype;
  a->ndim = t->ndim;
  a->offset = t->offset;
  a->is_view = true;
  for (int i = 0; i < t->ndim; i++) {
    a->shape[i] = t->shape[i];
    a->strides[i] = t->strides[i];
  }
  return own_new(a);
}

/* ---- queries ------------------------------------------------------------------------------ */
int ct_dim(const ct_tensor *t) {
  ct__check_live(t);
  return t ? t->ndim : -1;
}
int64_t ct_size(const ct_tensor *t, int dim) {
  if (!t) return -1;
  ct__check_live(t);
  if (t->ndim == 0) {
    ct__err("dimension specified as %d but tensor has no dimensions", dim);
    return -1;
  }
  int64_t d = ct__wrap_dim(dim, t->ndim);
  return d < 0 ? -1 : t->shape[d];
}
const int64_t *ct_shape(const ct_tensor *t) {
  ct__check_live(t);
  return t ? t->shape : NULL;
}
const int64_t *ct_strides(const ct_tensor *t) { return t ? t->strides : NULL; }
int64_t ct_storage_offset(const ct_tensor *t) { return t ? t->offset : -1; }
int64_t ct_numel(const ct_tensor *t) {
  ct__check_live(t);
  return t ? ct__numel_of(t->ndim, t->shape) : -1;
}
ct_dtype ct_dtype_of(const ct_tensor *t) {
  ct__check_live(t);
  return t ? t->dtype : CT_DTYPE_UNSET;
}
bool ct_is_floating_point(const ct_tensor *t) { return t && ct_dtype_is_floating(t->dtype); }
bool ct_shares_storage(const ct_tensor *a, const ct_tensor *b) {
  return a && b && a->storage == b->storage;
}
void *ct_data_ptr(const ct_tensor *t) {
  ct__check_live(t);
  if (t && ct__refuse_sparse("data_ptr", t, NULL)) return NULL;
  return t ? ct__ptr(t) : NULL;
}

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
  if (ct__refuse_sparse("item", t, NULL)) return NULL;
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

/* An element as int64, exactly; a float that has no int64 value is an error (Python's
 * int(float('nan')) and c10's checked conversion). */
static int64_t load_exact_i64(const char *p, ct_dtype dt) {
  if (!ct_dtype_is_floating(dt)) return ct__load_i64(p, dt);
  double v = ct__load(p, dt);
  if (isnan(v)) {
    ct__err("cannot convert float NaN to integer");
    return 0;
  }
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) {
    ct__err("value cannot be converted to type int64_t without overflow");
    return 0;
  }
  return (int64_t)v;
}

int64_t ct_item_int64(const ct_tensor *t) {
  if (!t) return 0;
  int64_t n = ct_numel(t);
  if (n != 1) {
    ct__err("a Tensor with %lld elements cannot be converted to Scalar", (long long)n);
    return 0;
  }
  return load_exact_i64(ct__ptr(t), t->dtype);
}

int64_t ct_get_int64(const ct_tensor *t, const int64_t *index) {
  if (!t) return 0;
  ct__check_live(t);
  if (t->ndim > 0 && !index) {
    ct__err("index is NULL");
    return 0;
  }
  char *p = ct__elem_ptr(t, index);
  return p ? load_exact_i64(p, t->dtype) : 0;
}

double ct_get(const ct_tensor *t, const int64_t *index) {
  if (!t) return NAN;
  ct__check_live(t);
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
  *s = (ct_storage){.data = data,
                    .nbytes = (size_t)ct__numel_of(ndim, shape) * ct_dtype_size(dtype)};
  atomic_init(&s->refcount, 1);
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
  return own_new(t);
}

ct_tensor *ct__from_external(void *data, ct_dtype dt, int64_t numel, void (*release)(void *ctx),
                             void *ctx) {
  ct_tensor *t = ct_from_blob(data, dt, 1, &numel);
  if (t) t->storage->release = release, t->storage->release_ctx = ctx;
  return t;
}

/* Tensor.requires_grad_(): a flag of the tensor itself, so the tensor layer sets it (creation
 * applies .requires_grad through it); only a leaf may turn it off. */
ct_tensor *ct_requires_grad_(ct_tensor *t, bool requires_grad) {
  if (!t) return NULL;
  if (t->grad_fn) {
    if (requires_grad) return t;
    return ct__err("you can only change requires_grad flags of leaf variables. If you want to use "
                   "a computed variable in a subgraph that doesn't require differentiation use "
                   "var_no_grad = var.detach().");
  }
  if (requires_grad && !ct_dtype_is_floating(t->dtype))
    return ct__err("only Tensors of floating point dtype can require gradients");
  t->requires_grad = requires_grad;
  return t;
}
