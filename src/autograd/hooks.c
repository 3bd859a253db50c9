/* Tensor hooks (Tensor.register_hook, RemovableHandle) and Tensor.retains_grad.
 *
 * A hook belongs to the graph node that receives the tensor's gradient: a non-leaf's grad_fn
 * (for its output_nr), a leaf's AccumulateGrad. The engine calls it with the gradient once
 * that gradient is complete, before the node runs; what it returns replaces the gradient.
 * Order is PyTorch 1.13's: hooks run in registration order and retain_grad counts as one of
 * them, so .grad holds the gradient as changed by the hooks registered before retain_grad.
 *
 * The handle and the node share each hook (two references): removing it only marks it, so a
 * backward pass in another thread walking the list never sees an entry freed under it; the
 * entry itself goes when the node goes and the handle was removed. */
#include "autograd_impl.h"

#include <stdatomic.h>

struct ct_tensor_hook {
  struct ct_tensor_hook *next;
  _Atomic int refs;         /* the node's, and the handle's while the user holds it */
  _Atomic bool removed;
  int nr;                   /* which output of the node */
  ct_grad_hook_fn fn;       /* NULL: where retain_grad was registered */
  void *user;
};

static void hook_unref(ct_tensor_hook *h) {
  if (atomic_fetch_sub(&h->refs, 1) == 1) free(h);
}

/* Append a hook to n's list for output nr, under n's lock (a pass may be reading it). */
static ct_tensor_hook *hook_add(ct_node *n, int nr, ct_grad_hook_fn fn, void *user, int refs) {
  ct_tensor_hook *h = calloc(1, sizeof *h);
  if (!h) return ct__err("CPU: out of memory");
  atomic_init(&h->refs, refs);
  h->nr = nr;
  h->fn = fn;
  h->user = user;
  bool took = ct__node_lock(n);
  ct_tensor_hook **tail = &n->hooks;
  while (*tail) tail = &(*tail)->next;
  *tail = h;
  ct__node_unlock(n, took);
  return h;
}

int ct_register_hook(ct_tensor *t, ct_grad_hook_fn fn, void *user, ct_tensor_hook **handle) {
  if (handle) *handle = NULL;
  if (!t) return -1;
  if (!fn) return ct__errs("register_hook: the hook must be a function, got NULL");
  if (!t->requires_grad)
    return ct__errs("cannot register a hook on a tensor that doesn't require gradient");
  ct_edge e = ct__edge_of(t); /* a leaf's AccumulateGrad is made here if it has none yet */
  if (!e.fn) return -1;
  ct_tensor_hook *h = hook_add(e.fn, e.nr, fn, user, handle ? 2 : 1);
  if (!h) return -1;
  if (handle) *handle = h;
  return 0;
}

void ct_tensor_hook_remove(ct_tensor_hook *h) {
  if (!h) return;
  atomic_store(&h->removed, true);
  hook_unref(h);
}

int ct__hooks_mark_retain(ct_node *n, int nr) {
  bool hooked = false;
  for (ct_tensor_hook *h = n->hooks; h; h = h->next) {
    if (h->nr != nr) continue;
    if (!h->fn) return 0; /* retain_grad twice: the first place counts */
    hooked = true;
  }
  /* before any hook of nr, retain_grad's place is first, which is where it runs unmarked */
  return !hooked || hook_add(n, nr, NULL, NULL, 1) ? 0 : -1;
}

bool ct_retains_grad(const ct_tensor *t) { return t && t->grad_fn && t->retains_grad; }

void ct__hooks_free(ct_node *n) {
  for (ct_tensor_hook *h = n->hooks, *next; h; h = next) {
    next = h->next;
    hook_unref(h);
  }
  n->hooks = NULL;
}

/* The same checks PyTorch makes of what a hook returns (its check_single_result). */
static int check_result(const ct_tensor *was, const ct_tensor *r) {
  if (r->dtype != was->dtype)
    return ct__errs("hook has changed the type of value (was %s got %s)", ct_dtype_name(was->dtype),
                    ct_dtype_name(r->dtype));
  if (r->ndim != was->ndim || memcmp(r->shape, was->shape, sizeof(int64_t) * (size_t)r->ndim)) {
    char a[256], b[256];
    return ct__errs("hook has changed the size of value (was %s got %s)",
                    ct__shape_str(was->ndim, was->shape, a, sizeof a),
                    ct__shape_str(r->ndim, r->shape, b, sizeof b));
  }
  return 0;
}

int ct__hooks_run(ct_node *n, int nr, ct_tensor **slot, ct__retain_fn retain, void *ctx) {
  bool marked = false; /* retain_grad registered after a hook: it runs in its place */
  for (ct_tensor_hook *h = n->hooks; h; h = h->next) marked |= h->nr == nr && !h->fn;
  if (!marked && retain(ctx)) return -1;
  for (ct_tensor_hook *h = n->hooks; h; h = h->next) {
    if (h->nr != nr || atomic_load(&h->removed)) continue;
    if (!h->fn) {
      if (retain(ctx)) return -1;
      continue;
    }
    ct_tensor *r = NULL;
    if (h->fn(*slot, &r, h->user) != 0) {
      if (!ct__has_error()) ct__errs("a tensor hook failed (it returned -1)");
      return -1;
    }
    if (!r || r == *slot) continue;
    if (check_result(*slot, r)) return -1;
    ct__tensor_incref(r);
    ct__tensor_decref(*slot);
    *slot = r;
  }
  return 0;
}
