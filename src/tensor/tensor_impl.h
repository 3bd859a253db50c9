/* The tensor layer's kit (src/tensor/): the tensor and storage structs, allocation and
 * ownership, errors, dtype helpers, the per-thread free lists and the random engine. The
 * layers above include it through their own headers; it includes nothing of theirs: the
 * only thing it knows of autograd is that a tensor holds counted references to its graph
 * nodes (grad_fn, a leaf's AccumulateGrad), which it drops when the tensor dies. */
#ifndef CTORCH_TENSOR_TENSOR_IMPL_H
#define CTORCH_TENSOR_TENSOR_IMPL_H

#include "ctorch.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* ---- storage and tensor ------------------------------------------------------------ */
typedef struct ct_storage {
  _Atomic int64_t refcount; /* atomic: tensors are shared between threads for reading */
  void *data;
  size_t nbytes;
  bool owns;       /* false for ct_from_blob memory */
  _Atomic int64_t version; /* PyTorch's version counter: shared by every view of the storage */
  void (*release)(void *ctx); /* ct__from_external: called when the storage dies (NULL: none) */
  void *release_ctx;
} ct_storage;

typedef struct ct_node ct_node;

struct ct_tensor {
  /* References: the low 32 bits count plain ones (ct_retain, views' base links, saved
   * tensors, .grad), the high bits scope ones, so releasing a reference nobody holds (a
   * second ct_release, or ct_release of a scope-owned tensor) is caught (tensor.c). */
  _Atomic int64_t refcount;
  /* Held (counted) only by a tensor without a base: a view's base keeps the storage alive,
   * which saves a view two locked operations on the storage's count (tiny ops make views). */
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
  struct ct__sparse *sparse;  /* non-NULL: a sparse COO tensor (see below) */
  int64_t shape[CT_MAX_DIMS];
  int64_t strides[CT_MAX_DIMS];
};
#define CT__LIVE 0x7e5a11feu

/* ---- sparse COO layout (ops: src/ops/sparse.c) ------------------------------------------ *
 * A sparse tensor is a ct_tensor with shape = its size, an empty storage (no elements) and
 * `sparse` set: indices int64 (sparse_dim, nnz), values (nnz, *dense sizes), both contiguous
 * and without history, held (counted) by the struct. The generic entry points (the kernels'
 * iterator, contiguous copies, views, data pointers, in-place checks, printing) refuse it with
 * ct__refuse_sparse, so an op that does not know the layout fails instead of reading the
 * empty storage. */
typedef struct ct__sparse {
  ct_tensor *indices, *values;
  int sparse_dim;
  bool coalesced;
} ct__sparse;
/* Drops the struct's references and frees it (the tensor's destructor). */
void ct__sparse_free(ct__sparse *s);
/* 0, or -1 + PyTorch's "Could not run 'aten::<op>' with arguments from the 'SparseCPU'
 * backend..." when a or b (either may be NULL) is sparse. */
int ct__refuse_sparse(const char *op, const ct_tensor *a, const ct_tensor *b);
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

/* ---- allocation and ownership ------------------------------------------------------ */
/* New contiguous tensor, uninitialised, registered in the innermost scope. */
ct_tensor *ct__empty(ct_dtype dt, int ndim, const int64_t *shape);
ct_tensor *ct__empty_like(const ct_tensor *t);
/* A flat tensor of numel elements over memory someone else owns (a file mapping): release(ctx)
 * runs when its storage dies. NULL + error (release is not called then). */
ct_tensor *ct__from_external(void *data, ct_dtype dt, int64_t numel, void (*release)(void *ctx),
                             void *ctx);
/* New tensor struct viewing base's storage (shape/strides/offset given); it holds base. */
ct_tensor *ct__make_view(const ct_tensor *base, int ndim, const int64_t *shape,
                         const int64_t *strides, int64_t offset);
/* New tensor struct sharing t's storage, shape, strides and offset but with no base link
 * (detach(), a saved output's alias): it holds the storage itself. */
ct_tensor *ct__alias(const ct_tensor *t);
/* Apply ct_tensor_opts.requires_grad to a new tensor. */
ct_tensor *ct__finish_opts(ct_tensor *t, ct_tensor_opts o);
/* Hand a freshly made reference to the innermost scope (or the caller). */
ct_tensor *ct__own(ct_tensor *t);
/* t itself with one more reference, held by the innermost scope (or the caller). */
ct_tensor *ct__share(const ct_tensor *t);
/* t's reference held by the innermost scope (its newest, among the last 16 entries) moved
 * to the caller as a plain one, to drop with ct__tensor_decref: for a result that must
 * outlive the scope it was made in (the engine's gradients), without the locked add and
 * subtract of a retain and the scope's release. t not there: the caller gets a new
 * reference and the scope keeps its own. */
ct_tensor *ct__scope_take(ct_tensor *t);
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
/* float16 / bfloat16 (half.c): round-to-nearest-even conversions, the dtype test, and the
 * copy loop used when either side of a copy is one of them. */
uint16_t ct__f32_to_f16(float f);
float ct__f16_to_f32(uint16_t h);
/* float -> bfloat16, round to nearest even on the dropped 16 bits; NaN is c10::BFloat16's.
 * Inline so that loops over a matrix vectorize. */
static inline uint16_t ct__f32_to_bf16(float f) {
  if (f != f) return 0x7fc0;
  uint32_t x;
  memcpy(&x, &f, 4);
  x += 0x7fff + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}
static inline float ct__bf16_to_f32(uint16_t h) {
  uint32_t x = (uint32_t)h << 16;
  float f;
  memcpy(&f, &x, 4);
  return f;
}
bool ct__is_half(ct_dtype dt);
void ct__half_cast(ct_tensor *dst, ct_tensor *src);

/* o[0..steps) (steps >= 2) = torch.linspace(start, end, steps), bit for bit (linspace.c). */
void ct__linspace_float(float *o, float start, float end, int64_t steps);
void ct__linspace_double(double *o, double start, double end, int64_t steps);

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

/* torch.can_cast(from, to) */
bool ct__can_cast(ct_dtype from, ct_dtype to);

/* ---- the autograd nodes a tensor holds ---------------------------------------------- */
/* A tensor owns references to ct_node objects it never looks into. node.c drops a dying
 * tensor's references (and the nodes' weak links back to it). */
void ct__tensor_drop_nodes(ct_tensor *t);
void ct__node_decref(ct_node *n);
/* node.c's part of the thread-exit cleanup (its node lists and release queue) and of
 * ct_empty_cache (its free lists). */
void ct__node_thread_exit(void);
void ct__node_cache_drain(void);

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

/* ---- random engine (rng.c) ---------------------------------------------------------- */
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
/* torch.empty((), dtype=torch.int64).random_(generator=g).item() (NULL: the default
 * generator), taking the generator's lock: the DataLoader's seed draws. */
int64_t ct__random_int64(ct_generator *g);

#endif
