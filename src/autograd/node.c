/* Graph nodes: creation with edges to the inputs' histories, saved tensors with version
 * checks, grad mode, in-place bookkeeping and the leaf/grad accessors. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "autograd_impl.h"
#include "../tensor/overlap.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static _Thread_local bool g_grad_enabled = true;
static _Thread_local uint64_t g_seq;

bool ct_set_grad_enabled(bool enabled) {
  bool prev = g_grad_enabled;
  g_grad_enabled = enabled;
  return prev;
}
bool ct_is_grad_enabled(void) { return g_grad_enabled; }

/* ---- lifetime: nodes die through a queue, so a long chain (an RNN unrolled over 100k
 * steps) frees without deep recursion ------------------------------------------------ */
static _Thread_local ct_node **g_pending;
static _Thread_local int g_npending, g_cap_pending;
static _Thread_local bool g_draining;

static void release_saved(ct_node *n) {
  for (int i = 0; i < n->n_saved; i++) {
    ct_tensor *t = n->saved[i].t;
    n->saved[i].t = NULL;
    ct__tensor_decref(t);
  }
}

/* Freed nodes of the common small arities wait for reuse (see ct_cache in internal.h):
 * every recorded op allocates one, every backward frees them all. */
#define NODE_CLASSES 4
static _Thread_local ct_cache g_free_nodes[NODE_CLASSES];

void ct__node_cache_drain(void) {
  for (int i = 0; i < NODE_CLASSES; i++) ct__cache_drain(&g_free_nodes[i]);
}

void ct__node_thread_exit(void) {
  ct__node_cache_drain();
  free(g_pending);
  g_pending = NULL;
  g_npending = g_cap_pending = 0;
  ct__anomaly_thread_exit();
}

static void node_destroy(ct_node *n) {
  for (int i = 0; i < n->n_in; i++) ct__node_decref(n->next[i].fn);
  release_saved(n);
  if (n->saved != n->saved_inline) free(n->saved);
  if (n->args_type && n->args_type->destroy) n->args_type->destroy(n->args);
  if (n->args != n->args_inline) free(n->args);
  free(n->anomaly);
  free(n->retained);
  if (n->hooks) ct__hooks_free(n);
  if (n->n_in >= NODE_CLASSES || !ct__cache_push(&g_free_nodes[n->n_in], n)) free(n);
}

/* ---- a node's lock (see ct__node_lock) ------------------------------------------------
 * A word in the node rather than a mutex: nodes are made by the million and most never need
 * it; uncontended it is one compare-and-swap and a store. Held for a node's backward or a
 * gradient accumulation, so a waiter spins a little, then yields. */
static _Thread_local char g_lock_token; /* its address names this thread */

bool ct__node_lock(ct_node *n) {
  uintptr_t me = (uintptr_t)&g_lock_token;
  for (int spins = 0;; spins++) {
    uintptr_t cur = 0;
    if (atomic_compare_exchange_weak_explicit(&n->lock, &cur, me, memory_order_acquire,
                                              memory_order_relaxed))
      return true;
    if (cur == me) return false;
    if (spins < 100) __builtin_ia32_pause();
    else sched_yield();
  }
}

void ct__node_unlock(ct_node *n, bool took) {
  if (took) atomic_store_explicit(&n->lock, 0, memory_order_release);
}

void ct__node_incref(ct_node *n) {
  if (n) atomic_fetch_add_explicit(&n->refcount, 1, memory_order_relaxed);
}

void ct__node_decref(ct_node *n) {
  if (!n) return;
  /* graphs are shared between threads too: the last reference (a load sees 1) needs no
   * locked decrement, others do */
  if (atomic_load_explicit(&n->refcount, memory_order_acquire) != 1 &&
      atomic_fetch_sub_explicit(&n->refcount, 1, memory_order_acq_rel) != 1)
    return;
  if (g_npending == g_cap_pending) {
    ct__cache_arm();
    int cap = g_cap_pending ? g_cap_pending * 2 : 256;
    ct_node **p = realloc(g_pending, sizeof(ct_node *) * (size_t)cap);
    if (!p) abort();
    g_pending = p;
    g_cap_pending = cap;
  }
  g_pending[g_npending++] = n;
  if (g_draining) return;
  g_draining = true;
  while (g_npending > 0) node_destroy(g_pending[--g_npending]);
  g_draining = false;
}

ct_node *ct__node_alloc(const char *name, ct_backward_fn bw, int n_in, int n_out) {
  size_t tail = sizeof(ct_edge) * (size_t)n_in + sizeof(ct_in_meta) * (size_t)n_in;
  ct_node *n = n_in < NODE_CLASSES ? ct__cache_pop(&g_free_nodes[n_in]) : NULL;
  if (n) { /* the argument buffer is cleared by ct__node_new_args, for its size only */
    memset(n, 0, offsetof(ct_node, args_inline));
    memset(n + 1, 0, tail);
  } else {
    n = calloc(1, sizeof(ct_node) + tail);
  }
  if (!n) return ct__err("CPU: out of memory");
  n->saved = n->saved_inline;
  n->cap_saved = CT_NODE_SAVED_INLINE;
  atomic_store_explicit(&n->refcount, 1, memory_order_relaxed); /* not shared yet: no xchg */
  n->name = name;
  n->backward = bw;
  n->n_in = n_in;
  n->n_out = n_out;
  n->seq = g_seq++;
  n->next = (ct_edge *)(n + 1);
  n->in = (ct_in_meta *)(n->next + n_in);
  if (ct_is_anomaly_enabled()) ct__anomaly_record(n);
  return n;
}

void ct__node_abandon(ct_node *n) {
  ct__node_incref(n);
  ct__node_decref(n);
}

void *ct__node_new_args(ct_node *n, const ct_args_type *type, size_t extra) {
  if (!n) return NULL;
  if (n->args_type) ct__node_args_mismatch(n, type); /* a second set: a bug */
  size_t sz = type->size + extra;
  void *a = sz <= CT_NODE_ARGS_INLINE ? n->args_inline : malloc(sz);
  if (!a) return ct__err("CPU: out of memory");
  memset(a, 0, sz);
  n->args = a;
  n->args_type = type;
  return a;
}

void ct__node_args_mismatch(const ct_node *n, const ct_args_type *type) {
  fprintf(stderr, "ctorch internal error: node %s holds %s arguments, used as %s\n", n->name,
          n->args_type ? n->args_type->name : "no", type->name);
  abort();
}

void ct__set_grad_fn_name(ct_tensor *t, const char *name) {
  if (t && t->grad_fn) t->grad_fn->name = name;
}


/* Lazily made autograd state of tensors shared between threads (a leaf's AccumulateGrad, a
 * view's regenerated grad_fn) is made under this lock; recursive because making one can
 * need another (a view's node takes its base's edge). */
static pthread_mutex_t g_lazy_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* The AccumulateGrad node of a leaf: the leaf holds it strongly, it points back weakly.
 * Threads sharing a weight all make their edges to the one node. */
static ct_node *grad_accumulator(ct_tensor *leaf) {
  ct_node *n = __atomic_load_n(&leaf->grad_acc, __ATOMIC_ACQUIRE);
  if (n) return n;
  pthread_mutex_lock(&g_lazy_lock);
  n = leaf->grad_acc;
  if (!n && (n = ct__node_alloc("AccumulateGrad", NULL, 0, 1))) {
    n->variable = leaf;
    __atomic_store_n(&leaf->grad_acc, n, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&g_lazy_lock);
  return n;
}

static void refresh_view(ct_tensor *t) {
  pthread_mutex_lock(&g_lazy_lock);
  ct__refresh_view(t);
  pthread_mutex_unlock(&g_lazy_lock);
}

/* Only a view whose storage changed since its grad_fn was set needs the lock. */
static inline bool view_stale(const ct_tensor *t) {
  return t->base && t->grad_fn && t->view_version != t->storage->version;
}

ct_edge ct__edge_of(ct_tensor *t) {
  if (!t || !t->requires_grad) return (ct_edge){NULL, 0};
  if (view_stale(t)) refresh_view(t);
  if (t->grad_fn) return (ct_edge){t->grad_fn, t->output_nr};
  return (ct_edge){grad_accumulator(t), 0};
}

bool ct__any_requires_grad(int n, ct_tensor *const *inputs) {
  if (!g_grad_enabled) return false;
  for (int i = 0; i < n; i++)
    if (inputs[i] && inputs[i]->requires_grad) return true;
  return false;
}

ct_node *ct__node_new(const char *name, ct_backward_fn bw, int n_in, ct_tensor *const *inputs,
                      int n_out) {
  if (!ct__any_requires_grad(n_in, inputs)) return NULL;
  ct_node *n = ct__node_alloc(name, bw, n_in, n_out);
  if (!n) return NULL;
  for (int i = 0; i < n_in; i++) {
    ct_tensor *t = inputs[i];
    if (!t) continue;
    ct__check_live(t);
    n->next[i] = ct__edge_of(t);
    ct__node_incref(n->next[i].fn);
    n->in[i].ndim = t->ndim;
    n->in[i].dtype = t->dtype;
    memcpy(n->in[i].shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
  }
  /* the first ct__set_history takes the creator's reference. A plain `= 0` on an _Atomic is
   * a seq_cst store (xchg, a full barrier) on a node no other thread can see yet. */
  atomic_store_explicit(&n->refcount, 0, memory_order_relaxed);
  return n;
}

void ct__set_history(ct_tensor *out, ct_node *n, int nr) {
  if (!out || !n) return;
  /* a node no tensor holds yet is not shared with any thread: no locked add */
  if (atomic_load_explicit(&n->refcount, memory_order_relaxed) == 0)
    atomic_store_explicit(&n->refcount, 1, memory_order_relaxed);
  else
    atomic_fetch_add_explicit(&n->refcount, 1, memory_order_relaxed);
  if (out->grad_fn) ct__node_decref(out->grad_fn);
  out->grad_fn = n;
  out->output_nr = nr;
  out->requires_grad = true;
  out->view_version = out->storage->version;
}

/* Room for one more saved tensor: the inline slots first, then a doubling heap array. */
static int grow_saved(ct_node *n) {
  if (n->n_saved < n->cap_saved) return 0;
  int cap = n->cap_saved * 2;
  ct_saved *p = malloc(sizeof(ct_saved) * (size_t)cap);
  if (!p) return ct__errs("CPU: out of memory");
  memcpy(p, n->saved, sizeof(ct_saved) * (size_t)n->n_saved);
  if (n->saved != n->saved_inline) free(n->saved);
  n->saved = p;
  n->cap_saved = cap;
  return 0;
}

/* Fill slot s with t (see ct__save): 0, or -1 when the output's alias cannot be made. */
static int save_into(ct_saved *s, const ct_tensor *t, bool is_output) {
  s->version = t->storage->version;
  s->is_output = is_output;
  s->output_nr = t->output_nr;
  if (is_output) { /* a history-free alias: the output's grad_fn is this node */
    /* no base link: one to the output would close a cycle */
    ct_tensor *alias = ct__alias(t);
    if (!alias) return -1;
    alias->is_view = t->is_view;
    ct__tensor_incref(alias);
    s->t = alias;
  } else {
    ct__tensor_incref((ct_tensor *)t);
    s->t = (ct_tensor *)t;
  }
  return 0;
}

int ct__save(ct_node *n, const ct_tensor *t, bool is_output) {
  if (!n) return 0;
  if (grow_saved(n)) return -1;
  ct_saved *s = &n->saved[n->n_saved++];
  *s = (ct_saved){0};
  return t ? save_into(s, t, is_output) : 0; /* an empty slot keeps the others' numbering */
}

void ct__resave_output(ct_node *n, const ct_tensor *from, const ct_tensor *to) {
  for (int i = 0; i < n->n_saved; i++) {
    ct_saved *s = &n->saved[i];
    if (!s->is_output || !s->t || s->t->storage != from->storage) continue;
    int nr = s->output_nr;
    ct__tensor_decref(s->t);
    s->t = NULL;
    (void)save_into(s, to, true); /* on failure s->t stays NULL: backward reports it freed */
    s->output_nr = nr;
  }
}

/* The end of the modified-by-an-inplace-operation message, as PyTorch words it with anomaly
 * mode off and on. */
static const char *anomaly_hint(void) {
  return ct_is_anomaly_enabled()
             ? "Hint: the backtrace further above shows the operation that failed to compute "
               "its gradient. The variable in question was changed in there or anywhere later. "
               "Good luck!"
             : "Hint: enable anomaly detection to find the operation that failed to compute its "
               "gradient, with ct_set_detect_anomaly(true).";
}

ct_tensor *ct__saved(ct_node *n, int i) {
  if (i < 0 || i >= n->n_saved) /* a backward reading a slot its forward never saved: a bug */
    return ct__err("ctorch internal error: %s has %d saved tensors, asked for %d", n->name,
                   n->n_saved, i);
  ct_saved *s = &n->saved[i];
  if (n->released || !s->t)
    return ct__err("Trying to backward through the graph a second time (or directly access saved "
                   "tensors after they have already been freed). Saved intermediate values of the "
                   "graph are freed when you call .backward() or autograd.grad(). Specify "
                   "retain_graph=True if you need to backward through the graph a second time or "
                   "if you need to access saved tensors after calling backward.");
  ct_tensor *t = s->t;
  if (t->storage->version != s->version) {
    char shp[256];
    ct__shape_str(t->ndim, t->shape, shp, sizeof shp);
    if (s->is_output)
      return ct__err("one of the variables needed for gradient computation has been modified by "
                     "an inplace operation: [%s %s], which is output %d of %s, is at version "
                     "%lld; expected version %lld instead. %s",
                     ct__legacy_type_name(t->dtype), shp, s->output_nr, n->name,
                     (long long)t->storage->version, (long long)s->version, anomaly_hint());
    if (t->grad_fn) /* PyTorch names the tensor's current grad_fn */
      return ct__err("one of the variables needed for gradient computation has been modified by "
                     "an inplace operation: [%s %s], which is output %d of %s, is at version "
                     "%lld; expected version %lld instead. %s",
                     ct__legacy_type_name(t->dtype), shp, t->output_nr, t->grad_fn->name,
                     (long long)t->storage->version, (long long)s->version, anomaly_hint());
    return ct__err("one of the variables needed for gradient computation has been modified by an "
                   "inplace operation: [%s %s] is at version %lld; expected version %lld instead. %s",
                   ct__legacy_type_name(t->dtype), shp, (long long)t->storage->version,
                   (long long)s->version, anomaly_hint());
  }
  if (s->is_output && g_grad_enabled) { /* double backward needs the output's history */
    ct_tensor *v = ct__make_view(t, t->ndim, t->shape, t->strides, t->offset);
    if (v) ct__set_history(v, n, s->output_nr);
    return v;
  }
  return t;
}

void ct__release_saved(ct_node *n) {
  release_saved(n);
  n->released = true;
}

/* ---- in-place bookkeeping ----------------------------------------------------------- */
int ct__check_inplace(ct_tensor *t) {
  if (ct__refuse_sparse("inplace", t, NULL)) return -1;
  if (g_grad_enabled && t->requires_grad && !t->grad_fn)
    return ct__errs("a leaf Variable that requires grad is being used in an in-place operation.");
  if (t->base && g_grad_enabled && t->base->requires_grad) {
    if (!t->base->grad_fn)
      return ct__errs("a view of a leaf Variable that requires grad is being used in an in-place "
                      "operation.");
    if (!ct_is_contiguous(t->base))
      return ct__errs("ctorch: in-place operation on a view of a non-contiguous tensor that "
                      "requires grad is not supported; clone() the base first");
  }
  /* the kernel's check, after autograd's as in PyTorch: an expanded tensor */
  return ct__assert_no_internal_overlap(t);
}

/* A load and a store, not a locked increment: writing a storage from two threads at once is
 * a race in PyTorch too, so only one thread bumps a given counter at a time; readers on other
 * threads still see a whole value (the field is atomic). */
void ct__bump_version(ct_tensor *t) {
  _Atomic int64_t *v = &t->storage->version;
  atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + 1, memory_order_release);
}

void ct__rebase_history(ct_tensor *t, ct_node *n) {
  if (t->base && ct__copy_slices(t, n) == 0) return; /* the base's history changes too */
  ct__set_history(t, n, 0);
}

/* ---- gradient shape helpers ----------------------------------------------------------- */
ct_tensor *ct__sum_to(const ct_tensor *grad, int ndim, const int64_t *shape) {
  if (!grad) return NULL;
  if (grad->ndim == ndim && !memcmp(grad->shape, shape, sizeof(int64_t) * (size_t)ndim)) {
    return ct__share(grad);
  }
  ct_dims dims = {0};
  int lead = grad->ndim - ndim;
  for (int i = 0; i < grad->ndim; i++) {
    if (i < lead || (shape[i - lead] == 1 && grad->shape[i] != 1)) dims.d[dims.n++] = i;
  }
  if (dims.n == 0) return ct_reshape(grad, ndim, shape);
  ct_tensor *s = ct_sum(grad, .dim = dims, .keepdim = true);
  return ct_reshape(s, ndim, shape);
}

ct_tensor *ct__sum_to_input(ct_node *n, int i, ct_tensor *grad) {
  ct_tensor *g = ct__sum_to(grad, n->in[i].ndim, n->in[i].shape);
  if (g && g->dtype != n->in[i].dtype && ct_dtype_is_floating(n->in[i].dtype))
    g = ct_to(g, n->in[i].dtype);
  return g;
}

/* ---- public accessors ------------------------------------------------------------------- */

bool ct_requires_grad(const ct_tensor *t) { return t && t->requires_grad; }
bool ct_is_leaf(const ct_tensor *t) { return t && !t->grad_fn; }
ct_tensor *ct_grad(const ct_tensor *t) { return t ? t->grad : NULL; }
const char *ct_grad_fn_name(const ct_tensor *t) {
  if (t && view_stale(t)) refresh_view((ct_tensor *)t);
  return t && t->grad_fn ? t->grad_fn->name : NULL;
}
int64_t ct_version(const ct_tensor *t) { return t ? t->storage->version : -1; }
void ct_increment_version(ct_tensor *t) {
  if (t) ct__bump_version(t);
}

int ct_set_grad(ct_tensor *t, ct_tensor *g) {
  if (!t) return -1;
  if (g) {
    if (g->dtype != t->dtype)
      return ct__errs("assigned grad has data of a different type");
    if (g->ndim != t->ndim || memcmp(g->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim))
      return ct__errs("assigned grad has data of a different size");
    ct__tensor_incref(g);
  }
  if (t->grad) ct__tensor_decref(t->grad);
  t->grad = g;
  return 0;
}

int ct_retain_grad(ct_tensor *t) {
  if (!t) return -1;
  if (!t->requires_grad)
    return ct__errs("can't retain_grad on Tensor that has requires_grad=False");
  if (!t->grad_fn) return 0; /* leaves keep their grad anyway */
  ct_node *n = t->grad_fn;
  if (!n->retained) {
    n->retained = calloc((size_t)n->n_out, sizeof(ct_tensor *));
    if (!n->retained) return ct__errs("CPU: out of memory");
  }
  if (!t->retains_grad && n->hooks && ct__hooks_mark_retain(n, t->output_nr)) return -1;
  n->retained[t->output_nr] = t; /* weak: cleared when t dies */
  t->retains_grad = true;
  return 0;
}

void ct__tensor_drop_nodes(ct_tensor *t) {
  /* The weak links back to t are cleared under the node's lock: a backward pass in another
   * thread may be accumulating into t's .grad through them. */
  if (t->grad_fn) {
    ct_node *n = t->grad_fn;
    if (n->retained) {
      bool took = ct__node_lock(n);
      if (n->retained[t->output_nr] == t) n->retained[t->output_nr] = NULL;
      ct__node_unlock(n, took);
    }
    ct__node_decref(n);
  }
  if (t->grad_acc) {
    bool took = ct__node_lock(t->grad_acc);
    t->grad_acc->variable = NULL;
    ct__node_unlock(t->grad_acc, took);
    ct__node_decref(t->grad_acc);
  }
}
