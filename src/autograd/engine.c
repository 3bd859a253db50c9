/* The backward engine: collects the graph reachable from the roots, prunes nodes that
 * lead to no wanted gradient, runs the rest in dependency order (Kahn), accumulates into
 * leaves' .grad (backward) or captures the inputs' gradients (autograd.grad). */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include "autograd_impl.h"
#include <math.h>

#include <pthread.h>

/* A node list that lives in its inline array until the graph outgrows it: a small graph's
 * backward then allocates nothing for its bookkeeping. */
#define VEC_INLINE 32
typedef struct {
  ct_node **v;
  int n, cap;
  ct_node *small[VEC_INLINE];
} node_vec;

static int vec_push(node_vec *s, ct_node *n) {
  if (!s->v) {
    s->v = s->small;
    s->cap = VEC_INLINE;
  }
  if (s->n == s->cap) {
    int cap = s->cap * 2;
    ct_node **nv = s->v == s->small ? malloc(sizeof(ct_node *) * (size_t)cap)
                                    : realloc(s->v, sizeof(ct_node *) * (size_t)cap);
    if (!nv) return ct__errs("CPU: out of memory");
    if (s->v == s->small) memcpy(nv, s->small, sizeof s->small);
    s->v = nv;
    s->cap = cap;
  }
  s->v[s->n++] = n;
  return 0;
}

static void vec_free(node_vec *s) {
  if (s->v != s->small) free(s->v);
}

/* Add g into *slot (a strong reference): differentiable when grad mode is on. */
static int accumulate(ct_tensor **slot, ct_tensor *g) {
  if (!*slot) {
    ct__tensor_incref(g);
    *slot = g;
    return 0;
  }
  ct_tensor *sum = ct_add(*slot, g);
  if (!sum) return -1;
  ct__tensor_incref(sum);
  ct__tensor_decref(*slot);
  *slot = sum;
  return 0;
}

/* Store into a tensor's .grad as PyTorch's AccumulateGrad does: the first gradient is
 * stolen when nobody else can see it, else copied (under create_graph by a differentiable
 * copy_, so .grad's grad_fn is CopyBackwards); later ones are added, out of place with a
 * graph under create_graph, in place otherwise. */
static int accumulate_grad(ct_tensor *v, ct_tensor *g, bool create_graph) {
  if (g->dtype != v->dtype) g = ct_to(g, v->dtype);
  if (!g) return -1;
  if (!v->grad) {
    /* private: only the engine's buffer holds it, no views, no history. Anything shared
     * is copied so later in-place accumulation into .grad cannot change another tensor. */
    bool private_ = g->refcount == 1 && g->storage->refcount == 1 && !g->grad_fn &&
                    ct_is_contiguous(g) && g->storage->owns;
    ct_tensor *c = create_graph ? ct_copy_(ct_empty_like(g), g) : private_ ? g : ct_clone(g);
    if (!c) return -1;
    ct__tensor_incref(c);
    v->grad = c;
    return 0;
  }
  if (create_graph) {
    ct_tensor *sum = ct_add(v->grad, g);
    if (!sum) return -1;
    ct__tensor_incref(sum);
    ct__tensor_decref(v->grad);
    v->grad = sum;
    return 0;
  }
  return ct_add_(v->grad, g) ? 0 : -1;
}

/* Anomaly mode's check of what n's backward returned: PyTorch's error for a NaN. */
static int check_nan(const ct_node *n, ct_tensor *const *gin) {
  for (int i = 0; i < n->n_in; i++) {
    ct_tensor *g = gin[i];
    if (!g || !ct_dtype_is_floating(g->dtype)) continue;
    ct_tensor *c = ct__contig_as(g, CT_FLOAT64);
    if (!c) return -1;
    const double *p = CT_PTR(c, double);
    for (int64_t k = 0, m = ct_numel(c); k < m; k++)
      if (isnan(p[k]))
        return ct__errs("Function '%s' returned nan values in its %dth output.", n->name, i);
  }
  return 0;
}

typedef struct {
  ct_node *node;
  int nr;
} target;

/* The engine keeps its bookkeeping in the nodes (deps, buf, ...), and threads that share a
 * weight share its AccumulateGrad node, so backward passes run one at a time; the lock also
 * makes the accumulation into a shared leaf's .grad race-free (PyTorch locks each
 * AccumulateGrad). Recursive: a custom backward may itself call backward. */
static pthread_mutex_t g_engine_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static int run_graph(int n_roots, ct_tensor *const *roots, ct_tensor *const *root_grads,
                     bool keep_graph, bool create_graph, int n_inputs, ct_tensor *const *inputs,
                     ct_tensor **captured);

static int run(int n_roots, ct_tensor *const *roots, ct_tensor *const *root_grads, bool keep_graph,
               bool create_graph, int n_inputs, ct_tensor *const *inputs, ct_tensor **captured) {
  pthread_mutex_lock(&g_engine_lock);
  int rc = run_graph(n_roots, roots, root_grads, keep_graph, create_graph, n_inputs, inputs,
                     captured);
  pthread_mutex_unlock(&g_engine_lock);
  return rc;
}

static int run_graph(int n_roots, ct_tensor *const *roots, ct_tensor *const *root_grads,
                     bool keep_graph, bool create_graph, int n_inputs, ct_tensor *const *inputs,
                     ct_tensor **captured) {
  node_vec all = {0}, stack = {0}, ready = {0};
  int rc = -1;
  target *targets = NULL;
  /* Gradient slots of every node (n->buf) are slices of one block; small graphs use the
   * stack one, as do the root edges of a plain backward. */
  ct_tensor *slots_small[64], **slots = NULL;
  ct_edge redges_small[4];
  bool prev_mode = ct_set_grad_enabled(create_graph);
  ct_scope_begin();

  /* Root edges and their seed gradients. */
  ct_edge *redges = n_roots <= 4 ? memset(redges_small, 0, sizeof redges_small)
                                 : calloc((size_t)n_roots, sizeof(ct_edge));
  if (!redges) {
    ct__err("CPU: out of memory");
    goto done;
  }
  for (int i = 0; i < n_roots; i++) {
    ct_tensor *r = roots[i];
    if (!r) goto done;
    if (!r->requires_grad) {
      ct__err("element %d of tensors does not require grad and does not have a grad_fn", i);
      goto done;
    }
    redges[i] = ct__edge_of(r);
    if (!redges[i].fn) goto done;
  }
  if (n_inputs > 0) {
    targets = calloc((size_t)n_inputs, sizeof(target));
    if (!targets) goto done;
    for (int i = 0; i < n_inputs; i++) {
      if (!inputs[i]) goto done;
      if (!inputs[i]->requires_grad) {
        ct__err("One of the differentiated Tensors does not require grad");
        goto done;
      }
      ct_edge e = ct__edge_of(inputs[i]);
      targets[i] = (target){e.fn, e.nr};
    }
  }

  /* Collect the graph (iterative DFS) and count each node's incoming edges. */
  for (int i = 0; i < n_roots; i++) {
    ct_node *n = redges[i].fn;
    if (!n->visited) {
      n->visited = true;
      if (vec_push(&all, n) || vec_push(&stack, n)) goto done;
    }
  }
  while (stack.n > 0) {
    ct_node *n = stack.v[--stack.n];
    for (int i = 0; i < n->n_in; i++) {
      ct_node *c = n->next[i].fn;
      if (!c) continue;
      c->deps++;
      if (!c->visited) {
        c->visited = true;
        if (vec_push(&all, c) || vec_push(&stack, c)) goto done;
      }
    }
  }
  /* Wanted: targets, or (backward) every leaf accumulator and retained output. */
  size_t nslots = 0;
  for (int k = 0; k < all.n; k++)
    if (!all.v[k]->buf) nslots += (size_t)all.v[k]->n_out;
  slots = nslots <= 64 ? memset(slots_small, 0, sizeof slots_small)
                       : calloc(nslots, sizeof(ct_tensor *));
  if (!slots) {
    ct__err("CPU: out of memory");
    goto done;
  }
  nslots = 0;
  for (int k = 0; k < all.n; k++) {
    ct_node *n = all.v[k];
    n->needed = n_inputs == 0 && (n->variable || n->retained);
    if (n->n_out > 0 && !n->buf) {
      n->buf = slots + nslots;
      nslots += (size_t)n->n_out;
    }
  }
  for (int i = 0; i < n_inputs; i++) targets[i].node->needed = true;
  /* Propagate "needed" up: a node is needed when any input edge leads to a needed node.
   * Iterate to a fixed point over the collected list (graphs are DAGs; a few passes). */
  for (bool changed = true; changed;) {
    changed = false;
    for (int k = all.n - 1; k >= 0; k--) {
      ct_node *n = all.v[k];
      if (n->needed) continue;
      for (int i = 0; i < n->n_in; i++)
        if (n->next[i].fn && n->next[i].fn->needed) {
          n->needed = changed = true;
          break;
        }
    }
  }

  /* Seed the roots. */
  for (int i = 0; i < n_roots; i++) {
    ct_tensor *r = roots[i];
    ct_tensor *g = root_grads ? root_grads[i] : NULL;
    if (!g) {
      if (ct__numel_of(r->ndim, r->shape) != 1) {
        ct__err("grad can be implicitly created only for scalar outputs");
        goto done;
      }
      g = ct_ones_like(r);
    } else if (g->ndim != r->ndim || memcmp(g->shape, r->shape, sizeof(int64_t) * (size_t)r->ndim)) {
      char a[256], b[256];
      ct__err("Mismatch in shape: grad_output[%d] has a shape of torch.Size(%s) and output[%d] has "
              "a shape of torch.Size(%s).",
              i, ct__shape_str(g->ndim, g->shape, a, sizeof a), i,
              ct__shape_str(r->ndim, r->shape, b, sizeof b));
      goto done;
    }
    if (!g || accumulate(&redges[i].fn->buf[redges[i].nr], g)) goto done;
  }
  for (int i = 0; i < n_roots; i++) {
    ct_node *n = redges[i].fn;
    if (n->deps == 0 && n->visited) {
      n->visited = false; /* reuse the flag as "queued" */
      if (vec_push(&ready, n)) goto done;
    }
  }

  while (ready.n > 0) {
    ct_node *n = ready.v[--ready.n];
    if (n->needed) {
      for (int i = 0; i < n_inputs; i++)
        if (targets[i].node == n && n->buf[targets[i].nr] && !captured[i]) {
          captured[i] = n->buf[targets[i].nr];
          ct__tensor_incref(captured[i]);
        }
      if (n->retained)
        for (int k = 0; k < n->n_out; k++)
          if (n->retained[k] && n->buf[k] && accumulate_grad(n->retained[k], n->buf[k], create_graph))
            goto done;
      if (n->variable) {
        if (n_inputs == 0 && n->buf[0] && accumulate_grad(n->variable, n->buf[0], create_graph))
          goto done;
      } else if (n->backward) {
        bool any = false;
        for (int k = 0; k < n->n_out; k++) any |= n->buf[k] != NULL;
        if (any) {
          ct_tensor *gin_small[8] = {0};
          ct_tensor **gin = n->n_in <= 8 ? gin_small : calloc((size_t)n->n_in, sizeof(ct_tensor *));
          if (!gin) goto done;
          ct_scope_begin();
          bool anomaly = ct_is_anomaly_enabled();
          if (anomaly) ct__error_defer_begin();
          n->backward(n, n->buf, gin);
          int bad = ct__has_error() || (anomaly && check_nan(n, gin));
          if (anomaly) {
            if (bad) ct__anomaly_report(n);
            ct__error_defer_end();
          }
          for (int i = 0; i < n->n_in && !bad; i++) {
            ct_node *c = n->next[i].fn;
            if (c && gin[i] && c->needed && accumulate(&c->buf[n->next[i].nr], gin[i])) bad = 1;
          }
          ct_scope_end();
          if (gin != gin_small) free(gin);
          if (bad) goto done;
        }
      }
    }
    for (int k = 0; k < n->n_out; k++) {
      ct__tensor_decref(n->buf[k]);
      n->buf[k] = NULL;
    }
    if (!keep_graph && n->needed && !n->variable) ct__release_saved(n);
    for (int i = 0; i < n->n_in; i++) {
      ct_node *c = n->next[i].fn;
      if (c && --c->deps == 0 && vec_push(&ready, c)) goto done;
    }
  }
  rc = 0;

done:
  for (int k = 0; k < all.n; k++) { /* reset engine scratch */
    ct_node *n = all.v[k];
    if (n->buf) {
      for (int j = 0; j < n->n_out; j++) ct__tensor_decref(n->buf[j]);
      n->buf = NULL;
    }
    n->deps = 0;
    n->visited = n->needed = false;
  }
  if (rc != 0 && captured)
    for (int i = 0; i < n_inputs; i++) {
      ct__tensor_decref(captured[i]);
      captured[i] = NULL;
    }
  vec_free(&all);
  vec_free(&stack);
  vec_free(&ready);
  if (slots != slots_small) free(slots);
  if (redges != redges_small) free(redges);
  free(targets);
  ct_scope_end();
  ct_set_grad_enabled(prev_mode);
  return rc;
}

int ct_backward_ex(ct_tensor *t, ct_backward_opts o) {
  if (!t) return -1;
  ct_tensor *g[1] = {o.gradient};
  return run(1, &t, g, o.retain_graph || o.create_graph, o.create_graph, 0, NULL, NULL);
}

int ct_autograd_grad(ct_tensor *const *outputs, int n_out, ct_tensor *const *inputs, int n_in,
                     ct_tensor *const *grad_outputs, bool create_graph, int retain_graph,
                     bool allow_unused, ct_tensor **result) {
  if (!outputs || !inputs || !result) return ct__errs("autograd.grad: NULL argument");
  if (n_out < 1 || n_in < 1) return ct__errs("grad requires at least one output and one input");
  for (int i = 0; i < n_in; i++) result[i] = NULL;
  bool keep = retain_graph < 0 ? create_graph : retain_graph != 0;
  if (run(n_out, outputs, grad_outputs, keep, create_graph, n_in, inputs, result)) return -1;
  int rc = 0;
  for (int i = 0; i < n_in; i++)
    if (!result[i] && !allow_unused)
      rc = ct__errs("One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.");
  for (int i = 0; i < n_in; i++) {
    if (rc) {
      ct__tensor_decref(result[i]);
      result[i] = NULL;
    } else {
      ct__own(result[i]); /* the engine's reference now belongs to the caller's scope */
    }
  }
  return rc;
}
