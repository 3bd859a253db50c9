/* The autograd layer's kit (src/autograd/ and every op that records): the node struct, typed
 * node arguments, saved tensors, edges, and the recording helpers. Built on the tensor layer. */
#ifndef CTORCH_AUTOGRAD_AUTOGRAD_IMPL_H
#define CTORCH_AUTOGRAD_AUTOGRAD_IMPL_H

#include "../tensor/loops.h"

/* ---- autograd recording ------------------------------------------------------------ */
typedef void (*ct_backward_fn)(ct_node *n, ct_tensor *const *grad_out, ct_tensor **grad_in);

typedef struct ct_edge {
  ct_node *fn; /* NULL: this input needs no gradient */
  int nr;      /* which output of fn */
} ct_edge;

typedef struct ct_saved {
  ct_tensor *t;     /* detached alias when is_output (avoids a node<->tensor cycle) */
  int64_t version;  /* storage version at save time */
  bool is_output;
  int output_nr;
} ct_saved;

typedef struct ct_in_meta {
  int ndim;
  ct_dtype dtype;
  int64_t shape[CT_MAX_DIMS];
} ct_in_meta;

/* Saved tensors up to this many live in the node itself; more grow an array on the heap. */
#define CT_NODE_SAVED_INLINE 4
/* Argument structs up to this size live in the node itself (a ct_dims fits); bigger ones, or
 * ones with a trailing flexible array, go to the heap. */
#define CT_NODE_ARGS_INLINE 144

/* The type of an op's backward arguments. Each op that needs arguments declares, beside its
 * forward and backward,
 *   typedef struct { int64_t dim; bool keepdim; } sum_args;
 *   CT_ARGS_TYPE(sum_args, NULL);
 * fills them when recording, `sum_args *a = CT_NEW_ARGS(n, sum_args);`, and reads them in
 * backward with `const sum_args *a = CT_ARGS(n, sum_args);`. The node records the type and
 * CT_ARGS checks it, so a backward never reads another op's arguments by position. */
typedef struct ct_args_type {
  const char *name;            /* the struct's name, for the mismatch message */
  size_t size;                 /* sizeof the struct (its fixed part when it ends in T x[]) */
  void (*destroy)(void *args); /* frees what the arguments own (tensors, nodes); may be NULL */
} ct_args_type;
#define CT_ARGS_TYPE(T, destroy_fn) static const ct_args_type T##_type = {#T, sizeof(T), destroy_fn}

struct ct_node {
  _Atomic int64_t refcount;
  const char *name;
  ct_backward_fn backward;
  int n_in, n_out;
  uint64_t seq;
  bool released; /* saved tensors freed by a backward without retain_graph */
  /* Held by the thread (its token) running this node in a backward pass while another pass
   * may too (ct__node_lock); 0 when free. */
  _Atomic uintptr_t lock;
  ct_edge *next;     /* n_in */
  ct_in_meta *in;    /* n_in: shapes/dtypes of the inputs */
  ct_tensor **retained; /* n_out weak pointers (retain_grad) or NULL */
  ct_tensor *variable;  /* AccumulateGrad: the leaf (weak) */
  int n_saved, cap_saved;
  ct_saved *saved; /* saved_inline, or a heap array once more are saved */
  ct_saved saved_inline[CT_NODE_SAVED_INLINE];
  struct ct_anomaly_meta *anomaly; /* anomaly mode: where the forward ran (anomaly.c) */
  ct_tensor_hook *hooks;           /* Tensor.register_hook on its outputs (hooks.c) */
  /* The op's arguments (CT_NEW_ARGS / CT_ARGS); last, so allocation need not clear them. */
  const ct_args_type *args_type; /* NULL: none */
  void *args;                    /* args_inline or the heap */
  _Alignas(16) unsigned char args_inline[CT_NODE_ARGS_INLINE];
};

/* ---- tensor hooks (hooks.c) ---- */
/* Stores the gradient into a retain_grad tensor's .grad when hooks.c says it is its turn. */
typedef int (*ct__retain_fn)(void *ctx);
/* Run the hooks of n's output nr on its complete gradient *slot (replaced by what a hook
 * returns), calling retain(ctx) at retain_grad's place among them. 0 or -1. */
int ct__hooks_run(ct_node *n, int nr, ct_tensor **slot, ct__retain_fn retain, void *ctx);
/* retain_grad on n's output nr: remember its place after the hooks registered so far. */
int ct__hooks_mark_retain(ct_node *n, int nr);
/* Drop n's references to its hooks (node destruction). */
void ct__hooks_free(ct_node *n);

/* Give n zeroed arguments of type `type` (plus `extra` bytes for a trailing flexible array):
 * NULL when n is NULL, or with "out of memory" recorded when a heap block cannot be had (an
 * inline-sized struct never fails). Once per node. */
void *ct__node_new_args(ct_node *n, const ct_args_type *type, size_t extra);
#define CT_NEW_ARGS(n, T) ((T *)ct__node_new_args((n), &T##_type, 0))
/* n's arguments, which must be of `type`: anything else is a bug in ctorch, and it stops
 * with a message naming both types rather than read one op's arguments as another's. */
_Noreturn void ct__node_args_mismatch(const ct_node *n, const ct_args_type *type);
static inline void *ct__node_args(const ct_node *n, const ct_args_type *type) {
  if (__builtin_expect(n->args_type != type, 0)) ct__node_args_mismatch(n, type);
  return n->args;
}
#define CT_ARGS(n, T) ((T *)ct__node_args((n), &T##_type))
/* Free a node from ct__node_new that no output was attached to (the op failed after it). */
void ct__node_abandon(ct_node *n);
/* A composite op (select = slice + squeeze, stack = cat of unsqueezes, matmul's _unsafe_view
 * = reshape) gets the node of its last step, where PyTorch records one node named after the
 * composite: name t's grad_fn as PyTorch does. Only for a node that last step just made for
 * t, never one t shares with an input. Does nothing when t has no grad_fn. */
void ct__set_grad_fn_name(ct_tensor *t, const char *name);

/* Does recording apply: grad mode on and some input requires grad? */
bool ct__any_requires_grad(int n, ct_tensor *const *inputs);
/* Create a node with edges to inputs (NULL entries allowed). Returns NULL when no input
 * requires grad or grad mode is off: then nothing is recorded. */
ct_node *ct__node_new(const char *name, ct_backward_fn bw, int n_in, ct_tensor *const *inputs,
                      int n_out);
/* Attach node as out's history (output_nr nr); makes out require grad. */
void ct__set_history(ct_tensor *out, ct_node *n, int nr);
/* Save an input (or, is_output, an output of this node) for backward; NULL saves an empty
 * slot. As many as the op needs. 0, or -1 with an error when out of memory. */
int ct__save(ct_node *n, const ct_tensor *t, bool is_output);
/* In-place ops computed out of place: what n saved of its output `from` becomes an alias
 * of `to` (the tensor written), at to's current version. */
void ct__resave_output(ct_node *n, const ct_tensor *from, const ct_tensor *to);
/* Unpack saved tensor i: error (NULL) if freed or modified in place since. */
ct_tensor *ct__saved(ct_node *n, int i);
/* The edge a gradient for t flows along (grad_fn or the leaf's AccumulateGrad). */
ct_edge ct__edge_of(ct_tensor *t);
/* Free saved tensors after a backward without retain_graph. */
void ct__release_saved(ct_node *n);
/* A node with n_in empty edges (for nodes whose edges are not the inputs' histories). */
ct_node *ct__node_alloc(const char *name, ct_backward_fn bw, int n_in, int n_out);
/* In-place on a view: base's history becomes CopySlices(base's old history, n) and the
 * view's becomes AsStridedBackward0 of the base (copyslices.c). -1 with an error when the
 * view cannot be expressed over its base. */
int ct__copy_slices(ct_tensor *view, ct_node *n);
/* A view whose base was modified in place since its grad_fn was set gets a fresh
 * AsStridedBackward0 of the base, as PyTorch regenerates it. */
void ct__refresh_view(ct_tensor *t);
/* Anomaly mode (anomaly.c): record where n is made; report a failed backward of n. */
typedef struct ct_anomaly_meta ct_anomaly_meta;
void ct__anomaly_record(ct_node *n);
void ct__anomaly_report(const ct_node *n);
void ct__anomaly_thread_exit(void);
/* Exclude other threads' backward passes from n (PyTorch's per-node mutex): spins, then
 * yields. Recursive: true when this call took the lock, false when this thread held it
 * already (a custom backward running a backward of its own); pass that to ct__node_unlock. */
bool ct__node_lock(ct_node *n);
void ct__node_unlock(ct_node *n, bool took);
/* Drop the node reference held by the creator after attaching it. */
void ct__node_decref(ct_node *n);
void ct__node_incref(ct_node *n);
/* Whether gradient for input i is wanted. */
static inline bool ct__needs_grad(const ct_node *n, int i) { return n->next[i].fn != NULL; }
/* Sum grad down to the shape of input i (undoes broadcasting); cast to its dtype. */
ct_tensor *ct__sum_to_input(ct_node *n, int i, ct_tensor *grad);
ct_tensor *ct__sum_to(const ct_tensor *grad, int ndim, const int64_t *shape);
/* Before an in-place op on t: PyTorch's leaf check. 0 or -1. */
int ct__check_inplace(ct_tensor *t);
/* After an in-place op: bump the version counter; record node as t's new history. */
void ct__bump_version(ct_tensor *t);
void ct__rebase_history(ct_tensor *t, ct_node *n);

#endif
