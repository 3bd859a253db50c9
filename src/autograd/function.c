/* Custom autograd functions (torch.autograd.Function): the user's forward runs under
 * no-grad, its outputs get one node named fn->name whose backward calls the user's
 * backward. That backward runs in the engine's grad mode (create_graph), so when it is
 * written with differentiable ops, higher-order gradients flow through it. */
#include "autograd_impl.h"

struct ct_function_ctx {
  ct_function fn; /* a copy: the caller's struct need not outlive the graph */
  ct_node *node;  /* NULL during forward and when nothing is recorded */
  int n_in, n_out;
  int n_pending, cap_pending; /* tensors saved during forward, moved into the node afterwards */
  ct_tensor **pending;
  void *data;       /* ct_ctx_alloc */
  ct_in_meta *outs; /* n_out: to materialize zero gradients for unused outputs */
  bool *needs_grad; /* n_in: ctx.needs_input_grad */
  int n_nondiff, cap_nondiff; /* outputs marked non-differentiable during forward */
  ct_tensor **nondiff;
};

static void ctx_free(ct_function_ctx *ctx) {
  if (!ctx) return;
  for (int i = 0; i < ctx->n_pending; i++) ct__tensor_decref(ctx->pending[i]);
  free(ctx->pending);
  free(ctx->nondiff);
  free(ctx->data);
  free(ctx->outs);
  free(ctx->needs_grad);
  free(ctx);
}

/* The custom function node's argument: the ctx, which the node owns once recorded. */
typedef struct {
  ct_function_ctx *ctx;
} custom_args;
static void custom_args_free(void *a) { ctx_free(((custom_args *)a)->ctx); }
CT_ARGS_TYPE(custom_args, custom_args_free);

/* Room for one more tensor in a list that grows by doubling. 0 or -1 (out of memory). */
static int grow_list(ct_tensor ***list, int n, int *cap) {
  if (n < *cap) return 0;
  int c = *cap ? *cap * 2 : 8;
  ct_tensor **p = realloc(*list, sizeof(ct_tensor *) * (size_t)c);
  if (!p) return ct__errs("CPU: out of memory");
  *list = p;
  *cap = c;
  return 0;
}

int ct_ctx_save_for_backward(ct_function_ctx *ctx, ct_tensor *t) {
  if (!ctx || !t) return -1;
  if (ctx->node) return ct__errs("save_for_backward can only be called from forward");
  if (grow_list(&ctx->pending, ctx->n_pending, &ctx->cap_pending)) return -1;
  ct__tensor_incref(t);
  ctx->pending[ctx->n_pending++] = t;
  return 0;
}

ct_tensor *ct_ctx_saved(ct_function_ctx *ctx, int i) {
  if (!ctx) return NULL;
  int n = ctx->node ? ctx->node->n_saved : ctx->n_pending;
  if (i < 0 || i >= n)
    return ct__err("saved_tensors: index %d out of range (%d saved)", i, n);
  /* During forward the tensor itself; in backward the version-checked unpacking. */
  return ctx->node ? ct__saved(ctx->node, i) : ctx->pending[i];
}

void *ct_ctx_alloc(ct_function_ctx *ctx, size_t bytes) {
  if (!ctx) return NULL;
  void *p = calloc(1, bytes ? bytes : 1);
  if (!p) return ct__err("CPU: out of memory");
  free(ctx->data);
  ctx->data = p;
  return p;
}

void *ct_ctx_data(ct_function_ctx *ctx) { return ctx ? ctx->data : NULL; }

bool ct_ctx_needs_input_grad(const ct_function_ctx *ctx, int i) {
  return ctx && i >= 0 && i < ctx->n_in && ctx->needs_grad[i];
}

int ct_ctx_mark_non_differentiable(ct_function_ctx *ctx, ct_tensor *t) {
  if (!ctx || !t) return -1;
  if (ctx->node) return ct__errs("mark_non_differentiable can only be called from forward");
  if (grow_list(&ctx->nondiff, ctx->n_nondiff, &ctx->cap_nondiff)) return -1;
  ctx->nondiff[ctx->n_nondiff++] = t; /* compared by address with the outputs: no reference */
  return 0;
}

static bool same_shape(const ct_tensor *g, const ct_in_meta *m) {
  return g->ndim == m->ndim && !memcmp(g->shape, m->shape, sizeof(int64_t) * (size_t)m->ndim);
}

/* Whether a gradient of shape g can be summed down to m (PyTorch's is_expandable_to). */
static bool expandable_to(const ct_in_meta *m, const ct_tensor *g) {
  if (m->ndim > g->ndim) return false;
  for (int i = 1; i <= m->ndim; i++) {
    int64_t a = m->shape[m->ndim - i], b = g->shape[g->ndim - i];
    if (a != b && a != 1) return false;
  }
  return true;
}

/* Forward: outputs = fn.forward(inputs). Backward: grad_inputs = fn.backward(grads), each
 * checked against its input's shape (summed down when it broadcasts) and cast to its dtype. */
static void custom_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_function_ctx *ctx = CT_ARGS(n, custom_args)->ctx;
  ct_tensor *go_small[8], *gin_small[8];
  ct_tensor **go = n->n_out <= 8 ? go_small : calloc((size_t)n->n_out, sizeof(ct_tensor *));
  ct_tensor **gin = n->n_in <= 8 ? gin_small : calloc((size_t)n->n_in, sizeof(ct_tensor *));
  if (!go || !gin) {
    ct__err("CPU: out of memory");
    goto out;
  }
  /* ctx.set_materialize_grads(True): an output that got no gradient gets zeros */
  for (int k = 0; k < n->n_out; k++) {
    go[k] = g[k] ? g[k]
                 : ct_zeros_ex(ctx->outs[k].ndim, ctx->outs[k].shape,
                             CT_TENSOR_OPTS(.dtype = ctx->outs[k].dtype));
    if (!go[k]) goto out;
  }
  for (int i = 0; i < n->n_in; i++) gin[i] = NULL;
  if (ctx->fn.backward(ctx, go, n->n_out, gin, n->n_in)) {
    ct__err("%s: backward failed", n->name);
    goto out;
  }
  for (int i = 0; i < n->n_in; i++) {
    ct_tensor *t = gin[i];
    if (!t || !ct__needs_grad(n, i)) continue;
    const ct_in_meta *m = &n->in[i];
    if (!same_shape(t, m)) {
      if (!expandable_to(m, t)) {
        char a[256], b[256];
        ct__err("Function %s returned an invalid gradient at index %d - got %s but expected shape "
                "compatible with %s",
                n->name, i, ct__shape_str(t->ndim, t->shape, a, sizeof a),
                ct__shape_str(m->ndim, m->shape, b, sizeof b));
        goto out;
      }
      t = ct__sum_to(t, m->ndim, m->shape);
    }
    if (t && t->dtype != m->dtype) t = ct_to(t, m->dtype);
    if (!t) goto out;
    gi[i] = t;
  }
out:
  if (go && go != go_small) free(go);
  if (gin && gin != gin_small) free(gin);
}

int ct_function_apply(const ct_function *fn, ct_tensor *const *inputs, int n_in,
                      ct_tensor **outputs) {
  if (!fn || !fn->forward || !fn->backward || !outputs || n_in < 0 || (n_in > 0 && !inputs))
    return ct__errs("Function.apply: needs a function with forward and backward");
  int n_out = fn->n_outputs > 0 ? fn->n_outputs : 1;
  for (int k = 0; k < n_out; k++) outputs[k] = NULL;
  for (int i = 0; i < n_in; i++)
    if (!inputs[i]) return -1;
  ct_function_ctx *ctx = calloc(1, sizeof *ctx);
  ct_in_meta *outs = calloc((size_t)n_out, sizeof(ct_in_meta));
  bool *needs = calloc((size_t)n_in + 1, sizeof(bool));
  if (!ctx || !outs || !needs) {
    free(ctx);
    free(outs);
    free(needs);
    return ct__errs("CPU: out of memory");
  }
  for (int i = 0; i < n_in; i++) needs[i] = ct__any_requires_grad(1, &inputs[i]);
  ctx->needs_grad = needs;
  ctx->fn = *fn;
  if (!ctx->fn.name) ctx->fn.name = "CustomFunctionBackward";
  ctx->n_in = n_in;
  ctx->n_out = n_out;
  ctx->outs = outs;

  CT_OP_BEGIN();
  bool prev = ct_set_grad_enabled(false);
  int rc = fn->forward(ctx, inputs, n_in, outputs, n_out);
  ct_set_grad_enabled(prev);
  for (int k = 0; k < n_out && !rc; k++)
    if (!outputs[k]) rc = -1;
  if (rc) {
    ct__errs("%s: forward failed", ctx->fn.name);
    goto fail;
  }
  ct_node *node = ct__node_new(ctx->fn.name, custom_backward, n_in, inputs, n_out);
  bool attached = false;
  for (int k = 0; node && k < n_out; k++) {
    ct_tensor *o = outputs[k];
    outs[k].ndim = o->ndim;
    outs[k].dtype = o->dtype;
    memcpy(outs[k].shape, o->shape, sizeof(int64_t) * (size_t)o->ndim);
    if (!ct_dtype_is_floating(o->dtype)) continue; /* integer outputs are non-differentiable */
    bool nondiff = false; /* ctx.mark_non_differentiable(o) */
    for (int j = 0; j < ctx->n_nondiff; j++) nondiff |= ctx->nondiff[j] == o;
    if (nondiff) continue;
    /* An input (or a tensor with history) returned as is: give the output its own alias,
     * as PyTorch does, so the input keeps its history. */
    bool is_input = false;
    for (int i = 0; i < n_in; i++) is_input |= inputs[i] == o;
    if (is_input || o->grad_fn || o->requires_grad) {
      o = ct__make_view(o, o->ndim, o->shape, o->strides, o->offset);
      if (!o) goto fail_node;
      outputs[k] = o;
    }
    ct__set_history(o, node, k);
    attached = true;
  }
  if (node) {
    CT_NEW_ARGS(node, custom_args)->ctx = ctx;
    if (!attached) { /* no differentiable output: the node (and with it ctx) is not needed */
      ct__node_abandon(node);
    } else {
      for (int j = 0; j < ctx->n_pending; j++) {
        ct_tensor *t = ctx->pending[j];
        bool is_out = false;
        for (int k = 0; k < n_out; k++) is_out |= outputs[k] == t;
        ct__save(node, t, is_out);
      }
      for (int j = 0; j < ctx->n_pending; j++) ct__tensor_decref(ctx->pending[j]);
      ctx->n_pending = 0;
      ctx->node = node;
    }
  } else {
    ctx_free(ctx);
  }
  for (int k = 0; k < n_out; k++) ct_keep(outputs[k]);
  ct_scope_end();
  return 0;

fail_node:
  ct__node_abandon(node); /* it holds no ctx yet */
fail:
  ctx_free(ctx);
  for (int k = 0; k < n_out; k++) outputs[k] = NULL;
  ct_scope_end();
  return -1;
}
