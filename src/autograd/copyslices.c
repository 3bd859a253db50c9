/* In-place ops on views (y = x.clone(); y[0].mul_(w)): PyTorch's CopySlices.
 * The view shares its base's storage, so writing the view changes the base: the base's
 * history becomes CopySlices(base's old history, the op's node), whose backward runs the
 * op's backward on the viewed region of the gradient and passes the rest through. The view
 * itself becomes AsStridedBackward0 of the base. Views taken before the write are rebuilt
 * the same way when next used (ct__refresh_view), as PyTorch regenerates them. */
#include "autograd_impl.h"

#include <stdatomic.h>

/* Where a view sits inside its (contiguous) base: offsets in elements. */
typedef struct {
  int ndim, base_ndim;
  int64_t offset;
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  int64_t base_shape[CT_MAX_DIMS];
} geom_t;

CT_ARGS_TYPE(geom_t, NULL); /* AsStridedBackward0, AsStridedScatterBackward0 */

typedef struct {
  geom_t g;
  ct_node *fn; /* the in-place op's node (strong) */
} copyslices_args;

static void free_copyslices(void *args) { ct__node_decref(((copyslices_args *)args)->fn); }
CT_ARGS_TYPE(copyslices_args, free_copyslices);

static int geom_of(const ct_tensor *view, geom_t *g) {
  const ct_tensor *b = view->base;
  if (!ct_is_contiguous(b))
    return ct__errs("ctorch: in-place operation on a view of a non-contiguous tensor that "
                    "requires grad is not supported; clone() the base first");
  g->ndim = view->ndim;
  g->base_ndim = b->ndim;
  g->offset = view->offset - b->offset;
  memcpy(g->shape, view->shape, sizeof g->shape);
  memcpy(g->strides, view->strides, sizeof g->strides);
  memcpy(g->base_shape, b->shape, sizeof g->base_shape);
  return 0;
}

static ct_tensor *as_strided(ct_tensor *x, const geom_t *g);
static ct_tensor *as_strided_scatter(ct_tensor *src, const geom_t *g);

/* out = as_strided(x, g) (x with the base's shape): gx = as_strided_scatter(g, g) */
static void as_strided_backward(ct_node *n, ct_tensor *const *go, ct_tensor **gi) {
  gi[0] = as_strided_scatter(go[0], CT_ARGS(n, geom_t));
}

/* out = zeros(base) with src written at g: gsrc = as_strided(grad, g) */
static void as_strided_scatter_backward(ct_node *n, ct_tensor *const *go, ct_tensor **gi) {
  gi[0] = as_strided(go[0], CT_ARGS(n, geom_t));
}

static ct_tensor *with_geom_node(ct_tensor *out, ct_tensor *in, const char *name, ct_backward_fn bw,
                                 const geom_t *g) {
  if (!out) return NULL;
  ct_node *n = ct__node_new(name, bw, 1, &in, 1);
  if (n) {
    geom_t *a = CT_NEW_ARGS(n, geom_t);
    if (!a) {
      ct__node_abandon(n);
      return NULL;
    }
    *a = *g;
    ct__set_history(out, n, 0);
  }
  return out;
}

// x (base shape) -> view (g->shape) at g's strides/offset
static ct_tensor *as_strided(ct_tensor *x, const geom_t *g) {
  ct_tensor *xc = ct_contiguous(x);
  if (!xc) return NULL;
  ct_tensor *v = ct__make_view(xc, g->ndim, g->shape, g->strides, xc->offset + g->offset);
  return with_geom_node(v, xc, "AsStridedBackward0", as_strided_backward, g);
}

// src (g->shape) -> zeros (base shape) with src at g
static ct_tensor *as_strided_scatter(ct_tensor *src, const geom_t *g) {
  ct_tensor *z = ct_zeros_ex(g->base_ndim, g->base_shape, CT_TENSOR_OPTS(.dtype = src->dtype));
  if (!z) return NULL;
  ct_tensor *v = ct__make_view(z, g->ndim, g->shape, g->strides, g->offset);
  if (!v) return NULL;
  ct__copy_into(v, src);
  return with_geom_node(z, src, "AsStridedScatterBackward0", as_strided_scatter_backward, g);
}

/* base' = base with fn(view) written at g.
 * gbase = grad outside the region + fn's gradient for its self input inside it;
 * gother_i = fn's gradient for its other inputs, from the region of grad. */
static void copyslices_backward(ct_node *n, ct_tensor *const *go, ct_tensor **gi) {
  const copyslices_args *c = CT_ARGS(n, copyslices_args);
  ct_node *fn = c->fn;
  ct_tensor *region = as_strided(go[0], &c->g);
  if (!region) return;
  ct_tensor *fgi_small[8] = {0};
  ct_tensor **fgi = fn->n_in <= 8 ? fgi_small : calloc((size_t)fn->n_in, sizeof(ct_tensor *));
  if (!fgi) {
    ct__err("CPU: out of memory");
    return;
  }
  fn->backward(fn, (ct_tensor *const[]){region}, fgi);
  if (ct__needs_grad(n, 0)) {
    ct_tensor *outside = ct_sub(go[0], as_strided_scatter(region, &c->g));
    gi[0] = fgi[0] ? ct_add(outside, as_strided_scatter(fgi[0], &c->g)) : outside;
  }
  for (int i = 1; i < n->n_in; i++) gi[i] = fgi[i];
  if (fgi != fgi_small) free(fgi);
}

/* A node "AsStridedBackward0" from base's current history, owned by view. */
static int attach_view_node(ct_tensor *view, const geom_t *g) {
  ct_tensor *base = view->base;
  ct_node *a = ct__node_alloc("AsStridedBackward0", as_strided_backward, 1, 1);
  if (!a) return -1;
  geom_t *ga = CT_NEW_ARGS(a, geom_t);
  if (ga) *ga = *g;
  a->next[0] = ct__edge_of(base);
  ct__node_incref(a->next[0].fn);
  a->in[0].ndim = base->ndim;
  a->in[0].dtype = base->dtype;
  memcpy(a->in[0].shape, base->shape, sizeof a->in[0].shape);
  if (!ga) {
    ct__node_decref(a);
    return -1;
  }
  atomic_store_explicit(&a->refcount, 0, memory_order_relaxed); /* ct__set_history takes it */
  ct__set_history(view, a, 0);
  return 0;
}

int ct__copy_slices(ct_tensor *view, ct_node *fn) {
  ct_tensor *base = view->base;
  geom_t g;
  if (geom_of(view, &g)) return -1;
  ct_node *c = ct__node_alloc("CopySlices", copyslices_backward, fn->n_in, 1);
  if (!c) return -1;
  copyslices_args *cx = CT_NEW_ARGS(c, copyslices_args);
  if (!cx) {
    ct__node_decref(c);
    return -1;
  }
  cx->g = g;
  cx->fn = fn;
  ct__node_incref(fn);
  c->next[0] = ct__edge_of(base); /* the base's history before the write */
  ct__node_incref(c->next[0].fn);
  c->in[0].ndim = base->ndim;
  c->in[0].dtype = base->dtype;
  memcpy(c->in[0].shape, base->shape, sizeof c->in[0].shape);
  for (int i = 1; i < fn->n_in; i++) { /* the op's other inputs */
    c->next[i] = fn->next[i];
    ct__node_incref(c->next[i].fn);
    c->in[i] = fn->in[i];
  }
  atomic_store_explicit(&c->refcount, 0, memory_order_relaxed); /* not shared yet */
  ct__set_history(base, c, 0);
  return attach_view_node(view, &g);
}

void ct__refresh_view(ct_tensor *t) {
  ct_tensor *b = t->base;
  if (!b->requires_grad || !t->grad_fn || t->view_version == t->storage->version) return;
  geom_t g;
  if (!ct_is_contiguous(b) || geom_of(t, &g)) return;
  attach_view_node(t, &g);
}
