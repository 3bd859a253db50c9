/* The backward engine: collects the graph reachable from the roots, prunes nodes that
 * lead to no wanted gradient, runs the rest in dependency order (Kahn), accumulates into
 * leaves' .grad (backward) or captures the inputs' gradients (autograd.grad). */
#include "autograd_impl.h"
#include <math.h>


/* One backward pass's view of the graph. Its bookkeeping (dependency counts, which nodes lead
 * to a wanted gradient, the gradients waiting for each node) lives here and not in the nodes,
 * so passes in several threads may run through shared nodes at once: a weight's
 * AccumulateGrad, or a whole graph kept with retain_graph. (It used to live in the nodes,
 * under one engine lock that ran every backward of the process one at a time.) Nodes are
 * found by address in a small open-addressing table; a small graph's pass allocates nothing. */
#define TASK_INLINE 32
typedef struct {
  ct_node *node;
  int deps;   /* incoming edges from nodes not yet run */
  int child;  /* its n_in input edges: task.child[child + i], a position or -1 */
  int slot;   /* its n_out incoming gradients: task.buf[slot + k] */
  bool needed, queued;
} task_node;

typedef struct {
  task_node *nodes;
  int n, cap;
  int *index; /* node address -> position + 1; 0: empty. mask + 1 entries, a power of 2 */
  unsigned mask;
  int *child;
  int n_child, cap_child;
  ct_tensor **buf; /* plain references, owned by the pass */
  int *ready;
  int n_ready;
  task_node nodes_small[TASK_INLINE];
  int index_small[2 * TASK_INLINE], child_small[2 * TASK_INLINE], ready_small[TASK_INLINE];
  ct_tensor *buf_small[2 * TASK_INLINE];
} graph_task;

static void task_init(graph_task *g) {
  g->nodes = g->nodes_small;
  g->cap = TASK_INLINE;
  g->n = g->n_child = 0;
  g->index = g->index_small;
  g->mask = 2 * TASK_INLINE - 1;
  memset(g->index, 0, sizeof g->index_small);
  g->child = g->child_small;
  g->cap_child = 2 * TASK_INLINE;
  g->buf = NULL;
  g->ready = g->ready_small;
  g->n_ready = 0;
}

static void task_free(graph_task *g) {
  if (g->nodes != g->nodes_small) free(g->nodes);
  if (g->index != g->index_small) free(g->index);
  if (g->child != g->child_small) free(g->child);
  if (g->buf != g->buf_small) free(g->buf);
  if (g->ready != g->ready_small) free(g->ready);
}

static inline unsigned task_hash(const ct_node *n) {
  return (unsigned)(((uintptr_t)n * 0x9E3779B97F4A7C15ull) >> 32);
}

static int task_find(const graph_task *g, const ct_node *n) {
  for (unsigned h = task_hash(n) & g->mask;; h = (h + 1) & g->mask) {
    int e = g->index[h];
    if (!e) return -1;
    if (g->nodes[e - 1].node == n) return e - 1;
  }
}

static void task_index(graph_task *g, int pos) {
  unsigned h = task_hash(g->nodes[pos].node) & g->mask;
  while (g->index[h]) h = (h + 1) & g->mask;
  g->index[h] = pos + 1;
}

/* Grow a buffer that starts in the task's inline array: 0, or -1 out of memory. */
static int grow(void **p, const void *small, int *cap, size_t elem) {
  int c = *cap * 2;
  void *q = *p == small ? malloc(elem * (size_t)c) : realloc(*p, elem * (size_t)c);
  if (!q) return ct__errs("CPU: out of memory");
  if (*p == small) memcpy(q, small, elem * (size_t)*cap);
  *p = q;
  *cap = c;
  return 0;
}

/* n's position, adding it (and growing the table at half full) when new: -1 out of memory. */
static int task_add(graph_task *g, ct_node *n) {
  int k = task_find(g, n);
  if (k >= 0) return k;
  if (g->n == g->cap && grow((void **)&g->nodes, g->nodes_small, &g->cap, sizeof(task_node)))
    return -1;
  if ((unsigned)(g->n + 1) * 2 > g->mask + 1) {
    unsigned size = (g->mask + 1) * 2;
    int *ix = calloc(size, sizeof(int));
    if (!ix) return ct__errs("CPU: out of memory");
    if (g->index != g->index_small) free(g->index);
    g->index = ix;
    g->mask = size - 1;
    for (int i = 0; i < g->n; i++) task_index(g, i);
  }
  k = g->n++;
  g->nodes[k] = (task_node){.node = n};
  task_index(g, k);
  return k;
}

static int task_queue(graph_task *g, int k) {
  if (g->n_ready == TASK_INLINE && g->ready == g->ready_small) {
    int *r = malloc(sizeof(int) * (size_t)g->cap);
    if (!r) return ct__errs("CPU: out of memory");
    memcpy(r, g->ready_small, sizeof g->ready_small);
    g->ready = r;
  } /* at most every node is ready at once: g->cap entries suffice */
  g->ready[g->n_ready++] = k;
  g->nodes[k].queued = true;
  return 0;
}

/* Collect the graph reachable from the roots (breadth first: the node list is the queue) and
 * count each node's incoming edges. */
static int task_collect(graph_task *g, int n_roots, const ct_edge *redges) {
  for (int i = 0; i < n_roots; i++)
    if (task_add(g, redges[i].fn) < 0) return -1;
  for (int k = 0; k < g->n; k++) {
    ct_node *n = g->nodes[k].node;
    while (g->n_child + n->n_in > g->cap_child)
      if (grow((void **)&g->child, g->child_small, &g->cap_child, sizeof(int))) return -1;
    int first = g->n_child;
    g->nodes[k].child = first;
    g->n_child += n->n_in;
    for (int i = 0; i < n->n_in; i++) {
      ct_node *c = n->next[i].fn;
      int j = c ? task_add(g, c) : -1;
      if (c && j < 0) return -1;
      if (j >= 0) g->nodes[j].deps++;
      g->child[first + i] = j;
    }
  }
  return 0;
}

/* Gradient slots, n_out per node, and which nodes are wanted: with targets (autograd.grad)
 * those, else (backward) every leaf accumulator and retained output; then every node with an
 * input edge to a wanted one. */
static int task_plan(graph_task *g, int n_inputs, const int *target_pos) {
  int nslots = 0;
  for (int k = 0; k < g->n; k++) {
    task_node *t = &g->nodes[k];
    t->slot = nslots;
    nslots += t->node->n_out;
    t->needed = n_inputs == 0 && (!t->node->backward || t->node->retained);
  }
  g->buf = nslots <= 2 * TASK_INLINE ? g->buf_small : malloc(sizeof(ct_tensor *) * (size_t)nslots);
  if (!g->buf) return ct__errs("CPU: out of memory");
  memset(g->buf, 0, sizeof(ct_tensor *) * (size_t)nslots);
  for (int i = 0; i < n_inputs; i++)
    if (target_pos[i] >= 0) g->nodes[target_pos[i]].needed = true;
  /* Graphs are DAGs; a few passes over the list reach the fixed point. */
  for (bool changed = true; changed;) {
    changed = false;
    for (int k = g->n - 1; k >= 0; k--) {
      task_node *t = &g->nodes[k];
      if (t->needed) continue;
      for (int i = 0; i < t->node->n_in; i++) {
        int j = g->child[t->child + i];
        if (j >= 0 && g->nodes[j].needed) {
          t->needed = changed = true;
          break;
        }
      }
    }
  }
  return 0;
}

/* Add g, a plain reference handed over by the caller, into *slot (one the pass owns). */
static int accumulate(ct_tensor **slot, ct_tensor *g) {
  if (!*slot) {
    *slot = g;
    return 0;
  }
  /* sparse + dense is an error in PyTorch's add; its InputBuffer swaps the operands */
  ct_tensor *sum = ct_is_sparse(*slot) && !ct_is_sparse(g) ? ct_add(g, *slot) : ct_add(*slot, g);
  ct__tensor_decref(g);
  if (!sum) return -1;
  ct__tensor_decref(*slot);
  *slot = ct__scope_take(sum);
  return 0;
}

/* AccumulateGrad with a sparse gradient g or a sparse .grad, as PyTorch's: the first is
 * cloned; a dense .grad takes the sparse one in place; a sparse .grad and a dense g become
 * g + grad; two sparse ones concatenate in place (no graph either way: sparse tensors carry
 * no history in ctorch). */
static int accumulate_sparse(ct_tensor *v, ct_tensor *g) {
  if (v->grad && ct_is_sparse(g)) return ct_add_(v->grad, g) ? 0 : -1;
  ct_tensor *r = v->grad ? ct_add(g, v->grad) : ct_clone(g);
  if (!r) return -1;
  ct__tensor_incref(r);
  if (v->grad) ct__tensor_decref(v->grad);
  v->grad = r;
  return 0;
}

/* Store *slot into a tensor's .grad as PyTorch's AccumulateGrad does: the first gradient is
 * moved out of the pass's slot when nobody else can see it (and `steal`: the node does
 * nothing else with it; a retained output's node still runs its backward), else copied (under create_graph
 * by a differentiable copy_, so .grad's grad_fn is CopyBackwards); later ones are added, out
 * of place with a graph under create_graph, in place otherwise. The caller holds the lock of
 * the node that owns v's gradient. */
static int accumulate_grad(ct_tensor *v, ct_tensor **slot, bool steal, bool create_graph) {
  ct_tensor *g = *slot;
  if (ct_is_sparse(g) || (v->grad && ct_is_sparse(v->grad))) return accumulate_sparse(v, g);
  if (g->dtype != v->dtype) g = ct_to(g, v->dtype);
  if (!g) return -1;
  if (!v->grad) {
    /* private: only the pass's slot holds it, no views, no history. Anything shared is
     * copied so later in-place accumulation into .grad cannot change another tensor. */
    if (!create_graph && g == *slot && g->refcount == 1 && !g->base &&
        g->storage->refcount == 1 && !g->grad_fn && ct_is_contiguous(g) && g->storage->owns) {
      if (steal) *slot = NULL;
      else ct__tensor_incref(g);
      v->grad = g;
      return 0;
    }
    ct_tensor *c = create_graph ? ct_copy_(ct_empty_like(g), g) : ct_clone(g);
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

/* A node whose run must exclude other passes through it (PyTorch locks these nodes' mutex):
 * an AccumulateGrad (its leaf's .grad), a node with retained outputs (their .grad), and a
 * node whose saved state a pass without retain_graph frees while another may be reading it.
 * A node that saved nothing runs unlocked. */
static bool needs_lock(const ct_node *n) {
  return !n->backward || n->n_saved > 0 || n->retained || n->hooks ||
         (n->args_type && n->args_type->destroy);
}

/* A retain_grad tensor's turn among its node's hooks (hooks.c): its .grad gets the gradient
 * as it stands then. */
typedef struct {
  ct_tensor *v;
  ct_tensor **slot;
  bool create_graph;
} retain_ctx;

static int retain_now(void *ctx) {
  retain_ctx *r = ctx;
  return r->v ? accumulate_grad(r->v, r->slot, false, r->create_graph) : 0;
}

/* Output j's complete gradient *slot, before n runs: its tensor hooks and retain_grad. */
static int output_hooks(ct_node *n, int j, ct_tensor **slot, bool create_graph) {
  retain_ctx r = {n->retained ? n->retained[j] : NULL, slot, create_graph};
  if (!n->hooks) return retain_now(&r);
  return ct__hooks_run(n, j, slot, retain_now, &r);
}

/* Whether the gradients n's backward would make go anywhere (a target of autograd.grad or
 * backward(inputs=) whose children are not wanted need not run). */
static bool feeds_needed(const graph_task *g, int k) {
  const task_node *t = &g->nodes[k];
  for (int i = 0; i < t->node->n_in; i++) {
    int c = g->child[t->child + i];
    if (c >= 0 && g->nodes[c].needed) return true;
  }
  return false;
}

/* Run node k's backward: its input gradients go into the children's slots. */
static int run_backward(graph_task *g, int k, bool anomaly) {
  ct_node *n = g->nodes[k].node;
  ct_tensor **b = g->buf + g->nodes[k].slot;
  ct_tensor *gin_small[8] = {0};
  ct_tensor **gin = n->n_in <= 8 ? gin_small : calloc((size_t)n->n_in, sizeof(ct_tensor *));
  if (!gin) return ct__errs("CPU: out of memory");
  ct_scope_begin();
  if (anomaly) ct__error_defer_begin();
  n->backward(n, b, gin);
  int bad = ct__has_error() || (anomaly && check_nan(n, gin));
  if (anomaly) {
    if (bad) ct__anomaly_report(n);
    ct__error_defer_end();
  }
  for (int i = 0; i < n->n_in && !bad; i++) {
    int c = g->child[g->nodes[k].child + i];
    if (c >= 0 && gin[i] && g->nodes[c].needed &&
        accumulate(&g->buf[g->nodes[c].slot + n->next[i].nr], ct__scope_take(gin[i])))
      bad = 1;
  }
  ct_scope_end();
  if (gin != gin_small) free(gin);
  return bad ? -1 : 0;
}

static int run_graph(int n_roots, ct_tensor *const *roots, ct_tensor *const *root_grads,
                     bool keep_graph, bool create_graph, int n_inputs, ct_tensor *const *inputs,
                     ct_tensor **captured) {
  graph_task g;
  task_init(&g);
  int rc = -1;
  int *target_pos = NULL, *target_nr = NULL;
  ct_edge redges_small[4], *tedges = NULL;
  bool prev_mode = ct_set_grad_enabled(create_graph);
  ct_scope_begin();

  /* Root edges and their seed gradients. */
  ct_edge *redges = n_roots <= 4 ? redges_small : calloc((size_t)n_roots, sizeof(ct_edge));
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
    tedges = calloc((size_t)n_inputs, sizeof(ct_edge) + 2 * sizeof(int));
    if (!tedges) goto done;
    target_pos = (int *)(tedges + n_inputs);
    target_nr = target_pos + n_inputs;
    for (int i = 0; i < n_inputs; i++) {
      if (!inputs[i]) goto done;
      if (!inputs[i]->requires_grad) {
        ct__err("One of the differentiated Tensors does not require grad");
        goto done;
      }
      tedges[i] = ct__edge_of(inputs[i]);
    }
  }
  if (task_collect(&g, n_roots, redges)) goto done;
  for (int i = 0; i < n_inputs; i++) { /* -1: not in the graph, its gradient stays NULL */
    target_pos[i] = tedges[i].fn ? task_find(&g, tedges[i].fn) : -1;
    target_nr[i] = tedges[i].nr;
  }
  if (task_plan(&g, n_inputs, target_pos)) goto done;

  /* Seed the roots. */
  for (int i = 0; i < n_roots; i++) {
    ct_tensor *r = roots[i];
    ct_tensor *gr = root_grads ? root_grads[i] : NULL;
    if (!gr) {
      if (ct__numel_of(r->ndim, r->shape) != 1) {
        ct__err("grad can be implicitly created only for scalar outputs");
        goto done;
      }
      gr = ct_ones_like(r);
    } else if (gr->ndim != r->ndim || memcmp(gr->shape, r->shape, sizeof(int64_t) * (size_t)r->ndim)) {
      char a[256], b[256];
      ct__err("Mismatch in shape: grad_output[%d] has a shape of torch.Size(%s) and output[%d] has "
              "a shape of torch.Size(%s).",
              i, ct__shape_str(gr->ndim, gr->shape, a, sizeof a), i,
              ct__shape_str(r->ndim, r->shape, b, sizeof b));
      goto done;
    }
    int k = task_find(&g, redges[i].fn);
    if (!gr || accumulate(&g.buf[g.nodes[k].slot + redges[i].nr], ct__scope_take(gr))) goto done;
  }
  for (int i = 0; i < n_roots; i++) {
    int k = task_find(&g, redges[i].fn);
    if (g.nodes[k].deps == 0 && !g.nodes[k].queued && task_queue(&g, k)) goto done;
  }

  bool anomaly = ct_is_anomaly_enabled();
  while (g.n_ready > 0) {
    int k = g.ready[--g.n_ready];
    task_node *t = &g.nodes[k];
    ct_node *n = t->node;
    ct_tensor **b = g.buf + t->slot;
    if (t->needed) {
      /* autograd.grad captures before the hooks run, as PyTorch 1.13 does */
      for (int i = 0; captured && i < n_inputs; i++)
        if (target_pos[i] == k && b[target_nr[i]] && !captured[i]) {
          captured[i] = b[target_nr[i]];
          ct__tensor_incref(captured[i]);
        }
      bool took = needs_lock(n) && ct__node_lock(n);
      int bad = 0;
      /* autograd.grad does not run a leaf's AccumulateGrad, so not its hooks either */
      if ((n->retained || n->hooks) && (n->backward || !captured))
        for (int j = 0; j < n->n_out && !bad; j++)
          if (b[j]) bad = output_hooks(n, j, &b[j], create_graph);
      if (!bad && !n->backward) { /* AccumulateGrad: its leaf, unless the leaf has died */
        ct_tensor *v = n->variable;
        if (!captured && v && b[0]) bad = accumulate_grad(v, &b[0], true, create_graph);
      } else if (!bad) {
        bool any = false;
        for (int j = 0; j < n->n_out; j++) any |= b[j] != NULL;
        if (any && feeds_needed(&g, k)) bad = run_backward(&g, k, anomaly);
        if (!keep_graph && n->n_saved > 0) ct__release_saved(n); /* under n's lock */
      }
      ct__node_unlock(n, took);
      if (bad) goto done;
    }
    for (int j = 0; j < n->n_out; j++) {
      ct__tensor_decref(b[j]);
      b[j] = NULL;
    }
    for (int i = 0; i < n->n_in; i++) {
      int c = g.child[g.nodes[k].child + i];
      if (c >= 0 && --g.nodes[c].deps == 0 && task_queue(&g, c)) goto done;
    }
  }
  rc = 0;

done:
  if (g.buf) /* gradients of nodes an error left unrun */
    for (int k = 0; k < g.n; k++)
      for (int j = 0; j < g.nodes[k].node->n_out; j++) ct__tensor_decref(g.buf[g.nodes[k].slot + j]);
  if (rc != 0 && captured)
    for (int i = 0; i < n_inputs; i++) {
      ct__tensor_decref(captured[i]);
      captured[i] = NULL;
    }
  task_free(&g);
  if (redges != redges_small) free(redges);
  free(tedges);
  ct_scope_end();
  ct_set_grad_enabled(prev_mode);
  return rc;
}

int ct_backward_ex(ct_tensor *t, ct_backward_opts o) {
  if (!t) return -1;
  ct_tensor *g[1] = {o.gradient};
  if (o.inputs && o.n_inputs <= 0)
    return ct__errs("'inputs' argument to backward() cannot be empty.");
  if (o.n_inputs > 0 && !o.inputs) return ct__errs("backward: inputs is NULL but n_inputs is %d", o.n_inputs);
  for (int i = 0; i < o.n_inputs; i++) { /* PyTorch retains the grad of non-leaf inputs */
    if (!o.inputs[i]) return -1;
    if (o.inputs[i]->requires_grad && o.inputs[i]->grad_fn && ct_retain_grad(o.inputs[i]))
      return -1;
  }
  return run_graph(1, &t, g, o.retain_graph || o.create_graph, o.create_graph, o.n_inputs,
                   o.inputs, NULL);
}

int ct_autograd_grad(ct_tensor *const *outputs, int n_out, ct_tensor *const *inputs, int n_in,
                     ct_tensor *const *grad_outputs, bool create_graph, int retain_graph,
                     bool allow_unused, ct_tensor **result) {
  if (!outputs || !inputs || !result) return ct__errs("autograd.grad: NULL argument");
  if (n_out < 1 || n_in < 1) return ct__errs("grad requires at least one output and one input");
  for (int i = 0; i < n_in; i++) result[i] = NULL;
  bool keep = retain_graph < 0 ? create_graph : retain_graph != 0;
  if (run_graph(n_out, outputs, grad_outputs, keep, create_graph, n_in, inputs, result)) return -1;
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
