/* Module hooks: forward pre-hooks, forward hooks and full backward hooks, each with a
 * removable handle. A full backward hook works as PyTorch's torch.utils.hooks.BackwardHook:
 * the module's tensor inputs and outputs each pass through an identity custom function
 * (grad_fn BackwardHookFunctionBackward); the outputs' one records grad_output, the inputs'
 * one sees grad_input and calls the hooks, whose results replace grad_input. */
#include "nn_internal.h"

static int64_t next_id = 1;

static ct_hook_handle add_hook(ct_module *m, nn_hook_type type, void (*fn)(void), void *user) {
  ct_hook_handle h = {NULL, 0};
  if (!m) return h;
  if (!fn) {
    ct__err("ctorch: a hook function is required");
    return h;
  }
  ct_module_impl *im = m->impl;
  if (im->nhooks == im->caphooks) {
    int c = im->caphooks ? im->caphooks * 2 : 4;
    nn_hook *nh = realloc(im->hooks, sizeof *nh * (size_t)c);
    if (!nh) {
      ct__err("CPU: out of memory");
      return h;
    }
    im->hooks = nh;
    im->caphooks = c;
  }
  int64_t id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
  im->hooks[im->nhooks++] = (nn_hook){.id = id, .type = type, .fn = fn, .user = user};
  return (ct_hook_handle){m, id};
}

ct_hook_handle nn_add_owned_pre_hook(ct_module *m, ct_forward_pre_hook fn, void *user,
                                     void (*user_free)(void *), void *(*user_copy)(const void *)) {
  ct_hook_handle h = add_hook(m, NN_HOOK_PRE, (void (*)(void))fn, user);
  if (!h.module) {
    user_free(user);
    return h;
  }
  m->impl->hooks[m->impl->nhooks - 1].user_free = user_free;
  m->impl->hooks[m->impl->nhooks - 1].user_copy = user_copy;
  return h;
}

ct_hook_handle ct_module_register_forward_pre_hook(ct_module *m, ct_forward_pre_hook fn, void *user) {
  return add_hook(m, NN_HOOK_PRE, (void (*)(void))fn, user);
}

ct_hook_handle ct_module_register_forward_hook(ct_module *m, ct_forward_hook fn, void *user) {
  return add_hook(m, NN_HOOK_FWD, (void (*)(void))fn, user);
}

ct_hook_handle ct_module_register_full_backward_hook(ct_module *m, ct_backward_hook fn, void *user) {
  return add_hook(m, NN_HOOK_BWD, (void (*)(void))fn, user);
}

void ct_hook_remove(ct_hook_handle *h) {
  if (!h || !h->module) return;
  ct_module_impl *im = h->module->impl;
  for (int i = 0; i < im->nhooks; i++)
    if (im->hooks[i].id == h->id) {
      if (im->hooks[i].user_free) im->hooks[i].user_free(im->hooks[i].user);
      memmove(&im->hooks[i], &im->hooks[i + 1], sizeof *im->hooks * (size_t)(im->nhooks - i - 1));
      im->nhooks--;
      break;
    }
  h->module = NULL;
}

/* ---- full backward hooks ------------------------------------------------------------------ */
#define NN_BW_MAX CT_VALUES_MAX

/* One call's shared record, held by the inputs' identity node (ct_ctx_alloc); the outputs'
 * node points at it: that node's graph reaches the inputs' node, so it outlives nothing it
 * points to. grad_output lives in the running backward's scope until the hooks have run. */
typedef struct bw_state {
  ct_module *m;
  int64_t call; /* this call's number: the key of its grad_outputs in the module */
  int n_in, n_out;
  bool have_inputs; /* some input required grad: the inputs' node calls the hooks */
} bw_state;

/* The engine frees a node's incoming gradients once it ran, so the outputs' node keeps a
 * reference to grad_output in the module, under the call's number, until the inputs' node
 * has called the hooks. One that no inputs' node consumes (its gradient was not asked for)
 * waits until the module is freed; at most NN_BW_PENDING wait (the oldest go first). */
#define NN_BW_PENDING 64
struct nn_bw_pending {
  int64_t call;
  int n;
  ct_tensor *g[NN_BW_MAX];
};

static void pending_drop(ct_module_impl *im, int i) {
  for (int k = 0; k < im->pending[i].n; k++) ct_release(im->pending[i].g[k]);
  memmove(&im->pending[i], &im->pending[i + 1], sizeof *im->pending * (size_t)(im->npending - i - 1));
  im->npending--;
}

void nn_bw_release_all(ct_module *m) {
  while (m->impl->npending) pending_drop(m->impl, m->impl->npending - 1);
  free(m->impl->pending);
}

static int pending_find(const ct_module_impl *im, int64_t call) {
  for (int i = 0; i < im->npending; i++)
    if (im->pending[i].call == call) return i;
  return -1;
}

static int pending_put(ct_module_impl *im, int64_t call, ct_tensor *const *g, int n) {
  int i = pending_find(im, call);
  if (i >= 0) pending_drop(im, i);
  if (im->npending == NN_BW_PENDING) pending_drop(im, 0);
  if (im->npending == im->cappending) {
    int c = im->cappending ? im->cappending * 2 : 4;
    nn_bw_pending *np = realloc(im->pending, sizeof *np * (size_t)c);
    if (!np) return ct__errs("CPU: out of memory");
    im->pending = np;
    im->cappending = c;
  }
  nn_bw_pending *p = &im->pending[im->npending++];
  p->call = call;
  p->n = n < NN_BW_MAX ? n : NN_BW_MAX;
  for (int k = 0; k < p->n; k++) p->g[k] = ct_retain(g[k]);
  return 0;
}

typedef struct bw_link {
  bw_state *st;
  bw_state own; /* the record itself when no input node holds it */
} bw_link;

/* The record being handed to a node's forward, only during one ct_function_apply. */
static _Thread_local bw_state *pending_state;

static int call_hooks(bw_state *st, ct_tensor *const *grad_in, ct_tensor **result) {
  ct_module_impl *im = st->m->impl;
  int pi = pending_find(im, st->call);
  if (pi < 0) { /* no grad_output recorded (no output needed a gradient): pass through */
    for (int i = 0; result && i < st->n_in; i++) result[i] = grad_in[i];
    return 0;
  }
  ct_tensor *go[NN_BW_MAX] = {0}, *cur[NN_BW_MAX];
  for (int k = 0; k < im->pending[pi].n; k++) go[k] = im->pending[pi].g[k];
  for (int i = 0; i < st->n_in; i++) cur[i] = grad_in ? grad_in[i] : NULL;
  for (int h = 0; h < im->nhooks; h++) {
    if (im->hooks[h].type != NN_HOOK_BWD) continue;
    ct_tensor *repl[NN_BW_MAX] = {0};
    if (((ct_backward_hook)im->hooks[h].fn)(st->m, cur, st->n_in, go, st->n_out, repl,
                                            im->hooks[h].user) != 0) {
      pending_drop(im, pending_find(im, st->call));
      return -1;
    }
    for (int i = 0; i < st->n_in; i++)
      if (repl[i]) cur[i] = repl[i];
  }
  for (int i = 0; result && i < st->n_in; i++) result[i] = cur[i];
  /* the engine holds what we return; our references to grad_output can go */
  pending_drop(im, pending_find(im, st->call));
  return 0;
}

/* outputs[i] = inputs[i] for i < n_out (the outputs' node has one more input: a wrapped
 * module input whose edge keeps the inputs' node, holding the record, alive). */
static int identity_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in;
  for (int i = 0; i < n_out; i++) {
    out[i] = ct_detach(in[i]);
    if (!out[i]) return -1;
    if (!ct_requires_grad(in[i]) && ct_ctx_mark_non_differentiable(ctx, out[i]) != 0) return -1;
  }
  return 0;
}

static int inputs_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  bw_state *st = ct_ctx_alloc(ctx, sizeof *st);
  if (!st) return -1;
  *st = *pending_state;
  pending_state = st; /* the outputs' node links to this copy */
  return identity_forward(ctx, in, n_in, out, n_out);
}

static int outputs_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  bw_link *l = ct_ctx_alloc(ctx, sizeof *l);
  if (!l) return -1;
  if (pending_state->have_inputs) {
    l->st = pending_state;
  } else {
    l->own = *pending_state;
    l->st = &l->own;
  }
  return identity_forward(ctx, in, n_in, out, n_out);
}

/* d(identity)/dx: the gradients pass through; the hooks may replace them. */
static int inputs_backward(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out;
  (void)n_in;
  return call_hooks(ct_ctx_data(ctx), g, gi);
}

static int outputs_backward(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  bw_link *l = ct_ctx_data(ctx);
  bw_state *st = l->st;
  if (pending_put(st->m->impl, st->call, g, n_out) != 0) return -1;
  for (int i = 0; i < n_out; i++) gi[i] = g[i];
  (void)n_in; /* the extra input gets no gradient */
  /* no input requires grad: PyTorch calls the hooks here, with grad_input all None */
  return st->have_inputs ? 0 : call_hooks(st, NULL, NULL);
}

/* Route the tensors of vs through an identity function named as PyTorch's. */
static int wrap(ct_values *vs, bool inputs, ct_tensor *extra) {
  ct_tensor *ts[NN_BW_MAX + 1], *outs[NN_BW_MAX];
  int idx[NN_BW_MAX], n = 0;
  for (int i = 0; i < vs->n; i++)
    if (vs->v[i].type == CT_V_TENSOR) {
      idx[n] = i;
      ts[n++] = vs->v[i].t;
    }
  if (n == 0) return 0;
  ct_function fn = {"BackwardHookFunctionBackward", inputs ? inputs_forward : outputs_forward,
                    inputs ? inputs_backward : outputs_backward, n};
  ts[n] = extra;
  if (ct_function_apply(&fn, ts, n + (extra != NULL), outs) != 0) return -1;
  for (int k = 0; k < n; k++) vs->v[idx[k]].t = outs[k];
  return 0;
}

/* One call's token (module.c): the record until a node owns it. */
struct nn_bw {
  bw_state *st; /* the inputs' node's copy, or &local */
  bw_state local;
  ct_tensor *anchor; /* a wrapped input: its grad_fn is the inputs' node */
};

nn_bw *nn_bw_begin(ct_module *m, ct_values *args) {
  nn_bw *b = calloc(1, sizeof *b);
  if (!b) return ct__err("CPU: out of memory");
  static int64_t calls;
  b->local = (bw_state){.m = m, .n_in = ct_values_count_tensors(args),
                        .call = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED)};
  for (int i = 0; i < args->n; i++)
    b->local.have_inputs |= args->v[i].type == CT_V_TENSOR && ct_requires_grad(args->v[i].t);
  b->st = &b->local;
  if (!b->local.have_inputs) return b;
  pending_state = &b->local;
  int rc = wrap(args, true, NULL);
  for (int i = 0; rc == 0 && i < args->n && !b->anchor; i++)
    if (args->v[i].type == CT_V_TENSOR && ct_grad_fn_name(args->v[i].t)) b->anchor = args->v[i].t;
  b->st = pending_state; /* inputs_forward's copy, owned by that node */
  pending_state = NULL;
  if (rc != 0) {
    free(b);
    return NULL;
  }
  return b;
}

int nn_bw_end(nn_bw *b, ct_values *out) {
  int rc = 0;
  if (b && out) {
    b->st->n_out = ct_values_count_tensors(out);
    pending_state = b->st;
    rc = wrap(out, false, b->anchor);
    pending_state = NULL;
  }
  free(b);
  return rc;
}
