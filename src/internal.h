/* Internal kit shared by every source file: the tensor and node structs, allocation,
 * error recording, the elementwise iterator and the autograd recording helpers.
 * Not installed; user code sees only include/ctorch/. */
#ifndef CTORCH_INTERNAL_H
#define CTORCH_INTERNAL_H

#include "ctorch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage and tensor ------------------------------------------------------------ */
typedef struct ct_storage {
  _Atomic int64_t refcount; /* atomic: tensors are shared between threads for reading */
  void *data;
  size_t nbytes;
  bool owns;       /* false for ct_from_blob memory */
  _Atomic int64_t version; /* PyTorch's version counter: shared by every view of the storage */
} ct_storage;

typedef struct ct_node ct_node;

struct ct_tensor {
  /* References: the low 32 bits count plain ones (ct_retain, views' base links, saved
   * tensors, .grad), the high bits scope ones, so releasing a reference nobody holds (a
   * second ct_release, or ct_release of a scope-owned tensor) is caught (tensor.c). */
  _Atomic int64_t refcount;
  ct_storage *storage;
  int64_t offset; /* in elements */
  int ndim;
  ct_dtype dtype;
  bool requires_grad;  /* leaves: the user's flag; non-leaves: grad_fn != NULL */
  bool retains_grad;
  bool wrapped_number; /* a Python scalar operand (lowest promotion priority) */
  bool is_view;        /* shares storage with a tensor it was derived from */
  /* Liveness, past the free-list link at the start: CT__LIVE while the tensor lives. */
  uint32_t magic;
  ct_tensor *base;     /* views: the tensor owning the storage (strong); NULL otherwise */
  int64_t view_version; /* views: storage version when grad_fn was set (stale -> rebuilt) */
  int output_nr;
  ct_node *grad_fn;  /* strong */
  ct_node *grad_acc; /* AccumulateGrad node of a leaf (strong; it points back weakly) */
  ct_tensor *grad;   /* strong */
  struct ct__tensor_dbg *dbg; /* debug mode: where it was made (tensor.c) */
  int64_t shape[CT_MAX_DIMS];
  int64_t strides[CT_MAX_DIMS];
};
#define CT__LIVE 0x7e5a11feu
/* Stops with a message naming t's shape and where it was made when t was freed (the
 * common entry paths call it: a stale handle must not read another tensor's data). */
void ct__dead_tensor(const ct_tensor *t) __attribute__((noreturn, cold));
static inline void ct__check_live(const ct_tensor *t) {
  if (t && __builtin_expect(t->magic != CT__LIVE, 0)) ct__dead_tensor(t);
}
/* Debug mode on or off (CT_DEBUG=1 in the environment sets it at start-up). */
void ct__set_debug(bool on);
/* Apply a ct_set_num_threads made in another thread to this one's OpenMP setting. */
void ct__sync_threads(void);

/* ---- errors ------------------------------------------------------------------------ */
/* Record an error (printf format) unless one is already recorded; returns NULL so an op
 * can `return ct__err(...)`. */
void *ct__err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ct__errs(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* returns -1 */
bool ct__has_error(void);
/* Hold back the handler / abort of errors recorded until the matching end (anomaly mode
 * reports the failing node first); nests. */
void ct__error_defer_begin(void);
void ct__error_defer_end(void);
/* PyTorch's type names: "torch.FloatTensor" */
const char *ct__legacy_type_name(ct_dtype dt);
/* "[2, 3]" into buf */
const char *ct__shape_str(int ndim, const int64_t *shape, char *buf, size_t len);
/* "[2, 3]" in one of 4 thread-local slots, for error messages naming several shapes:
 * SHP(0, a->ndim, a->shape), SHP(1, ...) stay valid together. */
const char *ct__shape_slot(int slot, int ndim, const int64_t *shape);
#define SHP(i, nd, s) ct__shape_slot(i, nd, s)

/* ---- allocation and ownership ------------------------------------------------------ */
/* New contiguous tensor, uninitialised, registered in the innermost scope. */
ct_tensor *ct__empty(ct_dtype dt, int ndim, const int64_t *shape);
ct_tensor *ct__empty_like(const ct_tensor *t);
/* New tensor struct viewing base's storage (shape/strides/offset given). */
ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset);
/* Apply ct_tensor_opts.requires_grad to a new tensor. */
ct_tensor *ct__finish_opts(ct_tensor *t, ct_tensor_opts o);
/* Hand a freshly made reference to the innermost scope (or the caller). */
ct_tensor *ct__own(ct_tensor *t);
/* t itself with one more reference, held by the innermost scope (or the caller). */
ct_tensor *ct__share(const ct_tensor *t);
void ct__contig_strides(int ndim, const int64_t *shape, int64_t *strides);
int64_t ct__numel_of(int ndim, const int64_t *shape);
/* numel, or -1 when the product of the sizes overflows int64 (any 0 size makes it 0, as in
 * c10's safe_multiplies_u64). ct__check_numel: 0, or -1 + PyTorch's "numel: integer
 * multiplication overflow". Every shape an op builds goes through one of them. */
int64_t ct__numel_checked(int ndim, const int64_t *shape);
int ct__check_numel(int ndim, const int64_t *shape);
/* Normalise a dim against ndim (allowing ndim==0 as [-1,0]); -1 + error when out of range. */
int64_t ct__wrap_dim(int64_t dim, int ndim);
/* Validate a new tensor's shape (sizes >= 0, numel and contiguous strides fit int64); 0 or -1
 * with PyTorch's error. */
int ct__check_shape(int ndim, const int64_t *shape);

static inline char *ct__ptr(const ct_tensor *t) {
  return (char *)t->storage->data + t->offset * (int64_t)ct_dtype_size(t->dtype);
}
#define CT_PTR(t, T) ((T *)ct__ptr(t))

/* Address of t[index] (ndim entries, negative from the end); NULL + error when out of range. */
char *ct__elem_ptr(const ct_tensor *t, const int64_t *index);
/* Read / write one element at a byte pointer as double (slow paths, printing). */
double ct__load(const void *p, ct_dtype dt);
void ct__store(void *p, ct_dtype dt, double v);
/* c10's checked_convert for a Python scalar stored into dtype dt (full, fill_, masked_fill):
 * 0, or -1 + "value cannot be converted to type int8_t without overflow". */
int ct__check_value(double v, ct_dtype dt);
int64_t ct__load_i64(const void *p, ct_dtype dt);

/* Internal scopes: ops open one so their temporaries die at the op's end. */
#define CT_OP_BEGIN() ct_scope_begin()
/* Keep result (may be NULL) into the caller's scope and close the op's scope. */
ct_tensor *ct__op_end(ct_tensor *result);

/* Copy src (broadcastable to dst) into dst with dtype conversion. No autograd. */
void ct__copy_into(ct_tensor *dst, const ct_tensor *src);

/* ---- dtype helpers ------------------------------------------------------------------ */
/* Float dtype an int input computes in for float-valued ops (exp(int) -> float32). */
ct_dtype ct__float_of(ct_dtype dt);
/* Contiguous tensor of dtype dt holding t's values (t itself, retained, when it already is). */
ct_tensor *ct__contig_as(const ct_tensor *t, ct_dtype dt);
/* Broadcast shapes; -1 + PyTorch's error on mismatch. */
int ct__broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                        int64_t *out);
/* Expanded view (stride 0 on broadcast dims), no autograd. */
ct_tensor *ct__expand_raw(const ct_tensor *t, int ndim, const int64_t *shape);

/* The dtypes, spelled once, in enum order: (enum, C type, short name). Everything that
 * walks the dtypes (X-macro lists, loop tables, the loop generators below) comes from here;
 * src/each_dtype.h, which includes a template once per dtype, must follow it. */
#define CT__DT_0 CT_BOOL, bool, b
#define CT__DT_1 CT_UINT8, uint8_t, u8
#define CT__DT_2 CT_INT8, int8_t, i8
#define CT__DT_3 CT_INT16, int16_t, i16
#define CT__DT_4 CT_INT32, int32_t, i32
#define CT__DT_5 CT_INT64, int64_t, i64
#define CT__DT_6 CT_FLOAT32, float, f32
#define CT__DT_7 CT_FLOAT64, double, f64
/* X(..., enum, T, tn) per dtype: every dtype, all but bool, the two floats. The arguments
 * after X go in front of each entry ("name," passes a loop's name through); CT__DT_CALL
 * splits the entry's commas into arguments. */
#define CT__DT_CALL(X, ...) X(__VA_ARGS__)
#define CT_FOR_FLOATS_WITH(X, ...) CT__DT_CALL(X, __VA_ARGS__ CT__DT_6) CT__DT_CALL(X, __VA_ARGS__ CT__DT_7)
#define CT_FOR_NUMERIC_WITH(X, ...)                                                              \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_1) CT__DT_CALL(X, __VA_ARGS__ CT__DT_2)                     \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_3) CT__DT_CALL(X, __VA_ARGS__ CT__DT_4)                     \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_5) CT_FOR_FLOATS_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES_WITH(X, ...) CT__DT_CALL(X, __VA_ARGS__ CT__DT_0) CT_FOR_NUMERIC_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES(X) CT_FOR_DTYPES_WITH(X, )
#define CT_FOR_NUMERIC(X) CT_FOR_NUMERIC_WITH(X, )
#define CT_FOR_FLOATS(X) CT_FOR_FLOATS_WITH(X, )
/* The preprocessor never expands a macro inside its own expansion, so an X that walks the
 * dtypes again (copy.c's cast table: per destination dtype, every source dtype) cannot use
 * CT_FOR_DTYPES; it uses this second walker, over the same entries. */
#define CT__DT_CALL2(X, ...) X(__VA_ARGS__)
#define CT_FOR_DTYPES2_WITH(X, ...)                                                             \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_0) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_1)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_2) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_3)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_4) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_5)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_6) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_7)
#define CT_FOR_DTYPES2(X) CT_FOR_DTYPES2_WITH(X, )

/* ---- elementwise iteration ---------------------------------------------------------
 * A loop gets one byte pointer and one byte stride per operand and n elements.
 * ct__foreach runs it over same-shaped operands (op 0 is the output), coalescing dims
 * and splitting big ranges across OpenMP threads. */
typedef void (*ct_loop_fn)(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__foreach(int nops, ct_tensor *const *ops, ct_loop_fn fn, void *ctx);
/* Smallest element count worth splitting across threads. */
#define CT_GRAIN 32768

/* Binary elementwise helper: broadcast a and b, convert both to the compute dtype, run
 * loops[compute] into a new tensor of dtype out. name is for the "not implemented" error. */
ct_tensor *ct__binary_kernel(const char *name, const ct_tensor *a, const ct_tensor *b,
                             ct_dtype compute, ct_dtype out, const ct_loop_fn *loops, void *ctx);
/* Unary: t converted to the compute dtype, result of dtype out. */
ct_tensor *ct__unary_kernel(const char *name, const ct_tensor *t, ct_dtype compute, ct_dtype out,
                            const ct_loop_fn *loops, void *ctx);
/* In-place: dst (any strides) = loops[dst dtype](dst, b broadcast to dst), b converted. */
int ct__binary_inplace_kernel(const char *name, ct_tensor *dst, const ct_tensor *b,
                              const ct_loop_fn *loops, void *ctx);
int ct__unary_inplace_kernel(const char *name, ct_tensor *dst, const ct_loop_fn *loops, void *ctx);
/* PyTorch's short dtype names for kernel errors: 'Float', 'Long', 'Bool' ... */
const char *ct__dtype_short(ct_dtype dt);

/* Loop generators. EXPR sees a, b (binary) or x (unary) of type T and `ctx`; the result is
 * converted to OT. Contiguous and scalar-operand cases get their own vectorisable loops. */
#define CT_BINARY_LOOP(name, T, OT, tn, EXPR)                                            \
  static void name##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (void)ctx;                                                                          \
    OT *o = (OT *)d[0];                                                                 \
    const T *pa = (const T *)d[1], *pb = (const T *)d[2];                               \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == sizeof(T)) {                 \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = pa[i], b = pb[i];                                                         \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == 0) {                  \
      const T b = pb[0];                                                                \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = pa[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else if (s[0] == sizeof(OT) && s[1] == 0 && s[2] == sizeof(T)) {                  \
      const T a = pa[0];                                                                \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T b = pb[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = *(const T *)(d[1] + i * s[1]), b = *(const T *)(d[2] + i * s[2]);         \
        *(OT *)(d[0] + i * s[0]) = (OT)(EXPR);                                          \
      }                                                                                 \
    }                                                                                   \
  }
#define CT_UNARY_LOOP(name, T, OT, tn, EXPR)                                             \
  static void name##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (void)ctx;                                                                          \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T)) {                                      \
      OT *o = (OT *)d[0];                                                               \
      const T *px = (const T *)d[1];                                                    \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T x = px[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T x = *(const T *)(d[1] + i * s[1]);                                            \
        *(OT *)(d[0] + i * s[0]) = (OT)(EXPR);                                          \
      }                                                                                 \
    }                                                                                   \
  }
/* Tables indexed by dtype. _ALL: every dtype; _FLOAT: float32/float64 only (NULL else);
 * _NUMERIC: all but bool (NULL). */
#define CT__LOOP_ENTRY(name, E, T, tn) [E] = name##_##tn,
#define CT_LOOP_TABLE_ALL(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_DTYPES_WITH(CT__LOOP_ENTRY, name, )}
#define CT_LOOP_TABLE_FLOAT(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_FLOATS_WITH(CT__LOOP_ENTRY, name, )}
#define CT_LOOP_TABLE_NUMERIC(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_NUMERIC_WITH(CT__LOOP_ENTRY, name, )}
/* Loops and table in one: _ALL, _NUMERIC, _FLOAT keep the dtype, _CMP gives bool. */
#define CT__BINARY_SAME(name, EXPR, E, T, tn) CT_BINARY_LOOP(name, T, T, tn, EXPR)
#define CT__BINARY_BOOL(name, EXPR, E, T, tn) CT_BINARY_LOOP(name, T, bool, tn, EXPR)
#define CT__UNARY_SAME(name, EXPR, E, T, tn) CT_UNARY_LOOP(name, T, T, tn, EXPR)
#define CT__UNARY_BOOL(name, EXPR, E, T, tn) CT_UNARY_LOOP(name, T, bool, tn, EXPR)
#define CT_BINARY_ALL(name, EXPR) CT_FOR_DTYPES_WITH(CT__BINARY_SAME, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_BINARY_NUMERIC(name, EXPR) CT_BINARY_NUMERIC_LOOPS(name, EXPR) CT_LOOP_TABLE_NUMERIC(name);
/* The numeric loops without a table (pair with a hand-written bool loop + CT_LOOP_TABLE_ALL). */
#define CT_BINARY_NUMERIC_LOOPS(name, EXPR) CT_FOR_NUMERIC_WITH(CT__BINARY_SAME, name, EXPR, )
#define CT_BINARY_FLOAT(name, EXPR) CT_FOR_FLOATS_WITH(CT__BINARY_SAME, name, EXPR, ) CT_LOOP_TABLE_FLOAT(name);
#define CT_BINARY_CMP(name, EXPR) CT_FOR_DTYPES_WITH(CT__BINARY_BOOL, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_UNARY_ALL(name, EXPR) CT_FOR_DTYPES_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_UNARY_NUMERIC(name, EXPR) \
  CT_FOR_NUMERIC_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_NUMERIC(name);
#define CT_UNARY_FLOAT(name, EXPR) CT_FOR_FLOATS_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_FLOAT(name);
#define CT_UNARY_CMP(name, EXPR) CT_FOR_DTYPES_WITH(CT__UNARY_BOOL, name, EXPR, ) CT_LOOP_TABLE_ALL(name);

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
  ct_edge *next;     /* n_in */
  ct_in_meta *in;    /* n_in: shapes/dtypes of the inputs */
  ct_tensor **retained; /* n_out weak pointers (retain_grad) or NULL */
  ct_tensor *variable;  /* AccumulateGrad: the leaf (weak) */
  int n_saved, cap_saved;
  ct_saved *saved; /* saved_inline, or a heap array once more are saved */
  ct_saved saved_inline[CT_NODE_SAVED_INLINE];
  struct ct_anomaly_meta *anomaly; /* anomaly mode: where the forward ran (anomaly.c) */
  /* Engine scratch. */
  int deps;
  bool needed, visited;
  ct_tensor **buf; /* n_out incoming gradients while running */
  /* The op's arguments (CT_NEW_ARGS / CT_ARGS); last, so allocation need not clear them. */
  const ct_args_type *args_type; /* NULL: none */
  void *args;                    /* args_inline or the heap */
  _Alignas(16) unsigned char args_inline[CT_NODE_ARGS_INLINE];
};

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

/* Memory overlap (overlap.c), ATen's MemoryOverlap rules. */
typedef enum { CT_OVERLAP_NO, CT_OVERLAP_YES, CT_OVERLAP_TOO_HARD } ct_mem_overlap;
typedef enum {
  CT_OVERLAP_NONE, CT_OVERLAP_FULL, CT_OVERLAP_PARTIAL, CT_OVERLAP_UNKNOWN /* too hard */
} ct_overlap_status;
/* Tensor.is_non_overlapping_and_dense(): a permutation of a contiguous layout. */
bool ct__non_overlapping_and_dense(const ct_tensor *t);
/* has_internal_overlap: YES when some element sits where another does (a stride-0 dim). */
ct_mem_overlap ct__internal_overlap(const ct_tensor *t);
/* get_overlap_status(a, b): FULL for the same memory laid out alike. */
ct_overlap_status ct__overlap_status(const ct_tensor *a, const ct_tensor *b);
/* PyTorch's errors, 0 or -1: assert_no_internal_overlap(out), assert_no_partial_overlap. */
int ct__assert_no_internal_overlap(const ct_tensor *t);
int ct__assert_no_partial_overlap(const ct_tensor *out, const ct_tensor *in);
/* What TensorIterator checks for an op writing out: no internal overlap in out, and no
 * input (other than out itself) partially overlapping it. For in-place, copy_ and out=. */
int ct__check_overlaps(const ct_tensor *out, int n, const ct_tensor *const *inputs);

/* One driver for every in-place op t.op_(...) (arith.c). PyTorch's checks (leaf, overlap,
 * shape, castable result); then without autograd the kernel writes t directly, and with
 * autograd (or when t's dtype has no in-place loop, so the op raises its own error) the
 * out-of-place op runs and its values and history move into t. */
typedef struct ct_inplace_spec {
  const char *name;        /* kernel name for "not implemented for" errors */
  ct_dtype result_type;    /* the out-of-place result's dtype: must cast to t's */
  const ct_tensor *other;  /* a tensor operand broadcast to t, or NULL */
  const ct_loop_fn *loops; /* in-place loops by t's dtype, or NULL: always out of place */
  void *ctx;               /* the loops' ctx */
  bool other_raw;          /* other reaches the loop unconverted (masked_fill's bool mask) */
  bool needs_input;        /* the backward reads t's old value: the graph gets a copy */
  /* the out-of-place op, one of: */
  ct_tensor *(*unary)(const ct_tensor *t);
  ct_tensor *(*binary)(const ct_tensor *t, const ct_tensor *other);
  ct_tensor *(*call)(const ct_tensor *t, const void *arg); /* extra arguments in arg */
  const void *arg;
} ct_inplace_spec;
ct_tensor *ct__inplace(ct_tensor *t, const ct_inplace_spec *s);
/* The checks alone (for ops with their own in-place path), 0 or -1; b may be NULL. */
int ct__inplace_check(ct_tensor *a, const ct_tensor *b, ct_dtype result_type);
/* A Python number operand: integral values act as ints, others as floats. */
ct_tensor *ct__wrap_number(double s);
/* torch.can_cast(from, to) */
bool ct__can_cast(ct_dtype from, ct_dtype to);

/* ---- tensor free (used by scopes and ct_release) ----------------------------------- */
void ct__tensor_decref(ct_tensor *t);
void ct__tensor_incref(ct_tensor *t);

/* Per-thread free lists of small fixed-size blocks (tensor structs, small storages, graph
 * nodes): a tiny op's malloc/free pairs cost more than its arithmetic. Bounded by
 * CT_CACHE_CAP blocks per list; off under AddressSanitizer so it still sees every use
 * after free. A list is a thread-local `ct_cache` variable, zero-initialised. */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define CT_CACHE_CAP 0
#else
#define CT_CACHE_CAP 64
#endif
typedef struct ct_cache_block { struct ct_cache_block *next; } ct_cache_block;
typedef struct ct_cache { ct_cache_block *head; int n; } ct_cache;
static inline void *ct__cache_pop(ct_cache *c) {
  ct_cache_block *b = c->head;
  if (b) {
    c->head = b->next;
    c->n--;
  }
  return b;
}
/* Make this thread give its cached blocks and scratch arrays back to malloc when it exits
 * (tensor.c; a pthread key destructor). Cheap to call again. */
void ct__cache_arm(void);
static inline void ct__cache_drain(ct_cache *c) {
  void *p;
  while ((p = ct__cache_pop(c))) free(p);
}
/* node.c's part of the thread-exit cleanup: its node lists and release queue. */
void ct__node_thread_exit(void);
void ct__node_cache_drain(void); /* node.c's free lists, for ct_empty_cache */
/* false when the list is full: the caller frees p itself */
static inline bool ct__cache_push(ct_cache *c, void *p) {
  if (c->n >= CT_CACHE_CAP) return false;
  if (!c->head) ct__cache_arm();
  ct_cache_block *b = p;
  b->next = c->head;
  c->head = b;
  c->n++;
  return true;
}

/* Random engine shared by rng.c users. */
/* Raw fills of t in PyTorch's draw order (rng.c; PyTorch's dtype and range checks, no
 * autograd): 0, or -1 with an error. ct__bernoulli_draw fills out (contiguous, probs' shape and dtype)
 * from contiguous probs, refusing a probability outside [0, 1]. */
int ct__fill_uniform(ct_tensor *t, double from, double to, ct_generator *gen);
int ct__fill_normal(ct_tensor *t, double mean, double std, ct_generator *gen);
int ct__fill_bernoulli(ct_tensor *t, double p, ct_generator *gen);
int ct__bernoulli_draw(const ct_tensor *probs, ct_tensor *out, ct_generator *gen);
ct_generator *ct__default_generator(void);
uint32_t ct__gen_u32(ct_generator *g);
uint64_t ct__gen_u64(ct_generator *g);

/* Growable string (strbuf.c) for print.c and safetensors.c. Start from {0}; s is
 * NUL-terminated once anything was appended; a failed allocation sets oom and later appends
 * do nothing, so check oom once at the end; the owner frees s. */
typedef struct ct__strbuf {
  char *s;
  size_t len, cap;
  bool oom;
} ct__strbuf;
void ct__sb_putn(ct__strbuf *b, const char *s, size_t n);
void ct__sb_puts(ct__strbuf *b, const char *s);
void ct__sb_spaces(ct__strbuf *b, int n); /* n spaces; nothing for n <= 0 */
void ct__sb_u64(ct__strbuf *b, uint64_t v); /* decimal */

#endif
