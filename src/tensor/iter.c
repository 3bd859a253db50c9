/* The elementwise iterator: same-shaped operands (broadcast ones arrive as stride-0
 * views), dims coalesced so contiguous data becomes one long inner loop, big ranges split
 * across OpenMP threads. One call of the typed loop per inner run: no per-element dispatch. */
#include "loops.h"
#ifdef _OPENMP
#include <omp.h>
#endif

#define MAX_OPS 6

typedef struct {
  int nd, nops;
  int64_t shape[CT_MAX_DIMS];          /* innermost first */
  int64_t st[CT_MAX_DIMS][MAX_OPS];    /* byte strides, innermost first */
  char *base[MAX_OPS];
} iter_t;

static void run_range(const iter_t *it, int64_t begin, int64_t end, ct_loop_fn fn, void *ctx) {
  int64_t c[CT_MAX_DIMS];
  char *p[MAX_OPS];
  int64_t rem = begin;
  for (int k = 0; k < it->nops; k++) p[k] = it->base[k];
  for (int d = 0; d < it->nd; d++) {
    c[d] = rem % it->shape[d];
    rem /= it->shape[d];
    for (int k = 0; k < it->nops; k++) p[k] += c[d] * it->st[d][k];
  }
  while (begin < end) {
    int64_t n = it->shape[0] - c[0];
    if (n > end - begin) n = end - begin;
    fn(p, it->st[0], n, ctx);
    begin += n;
    if (begin >= end) break;
    for (int k = 0; k < it->nops; k++) p[k] += n * it->st[0][k];
    c[0] += n;
    for (int d = 0; c[d] == it->shape[d] && d + 1 < it->nd; d++) {
      for (int k = 0; k < it->nops; k++) p[k] += it->st[d + 1][k] - c[d] * it->st[d][k];
      c[d] = 0;
      c[d + 1]++;
    }
  }
}

/* Element sizes by dtype, inlined: this runs once per operand of every op. */
static inline int64_t esize(ct_dtype dt) {
  static const int8_t size[CT_NUM_DTYPES] = {1, 1, 1, 2, 4, 8, 4, 8, 2, 2};
  _Static_assert(CT_NUM_DTYPES == 10, "esize needs a size for every dtype");
  return size[dt];
}

/* All operands contiguous over o's shape (size-1 dims ignored): one inner run. */
static bool all_contiguous(int nops, ct_tensor *const *ops, int64_t *numel) {
  const ct_tensor *o = ops[0];
  int64_t expect = 1;
  bool flat = true;
  for (int i = o->ndim - 1; i >= 0; i--) {
    int64_t sz = o->shape[i];
    if (sz != 1)
      for (int k = 0; k < nops; k++) flat &= ops[k]->strides[i] == expect;
    expect *= sz;
  }
  *numel = expect;
  return flat;
}

void ct__foreach(int nops, ct_tensor *const *ops, ct_loop_fn fn, void *ctx) {
  iter_t it;
  const ct_tensor *o = ops[0];
  it.nops = nops;
  it.nd = 0;
  ct__check_live(o); /* the written tensor; the kernels below check their inputs */
  for (int k = 0; k < nops; k++)
    it.base[k] = (char *)ops[k]->storage->data + ops[k]->offset * esize(ops[k]->dtype);
  int64_t numel;
  /* The usual small case: one call of the loop, no coalescing, no thread decision. */
  if (all_contiguous(nops, ops, &numel) && numel < 2 * CT_GRAIN) {
    int64_t st[MAX_OPS];
    for (int k = 0; k < nops; k++) st[k] = esize(ops[k]->dtype);
    if (numel > 0) fn(it.base, st, numel, ctx);
    return;
  }
  for (int i = o->ndim - 1; i >= 0; i--) {
    int64_t sz = o->shape[i];
    if (sz == 1) continue;
    int64_t st[MAX_OPS];
    for (int k = 0; k < nops; k++) st[k] = ops[k]->strides[i] * esize(ops[k]->dtype);
    if (it.nd > 0) { /* merge into the inner dim when memory is continuous for all */
      int j = it.nd - 1, ok = 1;
      for (int k = 0; k < nops && ok; k++) ok = st[k] == it.st[j][k] * it.shape[j];
      if (ok) {
        it.shape[j] *= sz;
        continue;
      }
    }
    it.shape[it.nd] = sz;
    for (int k = 0; k < nops; k++) it.st[it.nd][k] = st[k];
    it.nd++;
  }
  if (numel == 0) return;
  if (it.nd == 0) { /* a single element */
    it.nd = 1;
    it.shape[0] = 1;
    for (int k = 0; k < nops; k++) it.st[0][k] = 0;
  }
#ifdef _OPENMP
  ct__sync_threads(); /* a ct_set_num_threads made in another thread */
  int nt = numel >= 2 * CT_GRAIN ? omp_get_max_threads() : 1;
  if (nt > 1) {
    int64_t chunks = numel / CT_GRAIN < nt ? numel / CT_GRAIN : nt;
#pragma omp parallel for num_threads((int)chunks) schedule(static)
    for (int64_t ch = 0; ch < chunks; ch++) {
      /* chunk boundaries rounded to 16 elements keep vector loops aligned */
      int64_t b = (numel * ch / chunks) & ~(int64_t)15, e = ch == chunks - 1 ? numel : (numel * (ch + 1) / chunks) & ~(int64_t)15;
      run_range(&it, b, e, fn, ctx);
    }
    return;
  }
#endif
  run_range(&it, 0, numel, fn, ctx);
}

const char *ct__dtype_short(ct_dtype dt) {
  static const char *const n[CT_NUM_DTYPES] = {"Bool", "Byte", "Char", "Short",
                                               "Int", "Long", "Float", "Double", "Half", "BFloat16"};
  return (int)dt >= 0 && dt < CT_NUM_DTYPES ? n[dt] : "?";
}

static void *not_impl(const char *name, ct_dtype dt) {
  return ct__err("\"%s\" not implemented for '%s'", name, ct__dtype_short(dt));
}

/* A 16-bit float computes in float32, as PyTorch's CPU kernels do: the float32 result (of
 * out, or float32 where out is the 16-bit float) rounded back to out. r is that result. */
static bool up16(ct_dtype compute, const ct_loop_fn *loops) {
  return ct__is_half(compute) && !loops[compute] && loops[CT_FLOAT32];
}
static ct_tensor *down16(ct_tensor *r, ct_dtype out) {
  return ct__op_end(r && r->dtype != out ? ct__contig_as(r, out) : r);
}

/* Stack alias of t broadcast to (nd, shape) for the iterator: stride 0 on broadcast dims.
 * It is what ct__expand_raw builds, minus the heap struct and the scope entry that made up
 * most of a tiny op's cost. -1 when t does not expand (callers then take the checked path). */
static int bcast_alias(ct_tensor *dst, const ct_tensor *t, int nd, const int64_t *shape) {
  if (nd < t->ndim) return -1;
  for (int i = 0; i < nd; i++) {
    int j = t->ndim - nd + i;
    if (j >= 0 && t->shape[j] != shape[i] && t->shape[j] != 1) return -1;
    dst->shape[i] = shape[i];
    dst->strides[i] = j >= 0 && t->shape[j] == shape[i] ? t->strides[j] : 0;
  }
  dst->storage = t->storage;
  dst->offset = t->offset;
  dst->dtype = t->dtype;
  dst->ndim = nd;
  return 0;
}

ct_tensor *ct__binary_kernel(const char *name, const ct_tensor *a, const ct_tensor *b,
                             ct_dtype compute, ct_dtype out, const ct_loop_fn *loops, void *ctx) {
  ct__check_live(a);
  ct__check_live(b);
  if (ct__refuse_sparse(name, a, b)) return NULL;
  if (up16(compute, loops)) {
    CT_OP_BEGIN();
    return down16(ct__binary_kernel(name, a, b, CT_FLOAT32, ct__is_half(out) ? CT_FLOAT32 : out, loops, ctx), out);
  }
  if (!loops[compute]) return not_impl(name, compute);
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shape(a->ndim, a->shape, b->ndim, b->shape, &nd, shape)) return NULL;
  ct_tensor *res = ct__empty(out, nd, shape);
  if (!res) return NULL;
  ct_tensor ea, eb;
  if (a->dtype == compute && b->dtype == compute && !bcast_alias(&ea, a, nd, shape) &&
      !bcast_alias(&eb, b, nd, shape)) { /* no conversion: no temporaries, no op scope */
    ct__foreach(3, (ct_tensor *const[]){res, &ea, &eb}, loops[compute], ctx);
    return res;
  }
  CT_OP_BEGIN();
  ct_tensor *ca = a->dtype == compute ? (ct_tensor *)a : ct__contig_as(a, compute);
  ct_tensor *cb = b->dtype == compute ? (ct_tensor *)b : ct__contig_as(b, compute);
  ct_tensor *pa = ca ? ct__expand_raw(ca, nd, shape) : NULL;
  ct_tensor *pb = cb ? ct__expand_raw(cb, nd, shape) : NULL;
  if (pa && pb) ct__foreach(3, (ct_tensor *const[]){res, pa, pb}, loops[compute], ctx);
  ct_scope_end();
  return pa && pb ? res : NULL;
}

ct_tensor *ct__unary_kernel(const char *name, const ct_tensor *t, ct_dtype compute, ct_dtype out,
                            const ct_loop_fn *loops, void *ctx) {
  ct__check_live(t);
  if (ct__refuse_sparse(name, t, NULL)) return NULL;
  if (up16(compute, loops)) {
    CT_OP_BEGIN();
    return down16(ct__unary_kernel(name, t, CT_FLOAT32, ct__is_half(out) ? CT_FLOAT32 : out, loops, ctx), out);
  }
  if (!loops[compute]) return not_impl(name, compute);
  ct_tensor *res = ct__empty(out, t->ndim, t->shape);
  if (!res) return NULL;
  CT_OP_BEGIN();
  ct_tensor *c = t->dtype == compute ? (ct_tensor *)t : ct__contig_as(t, compute);
  if (c) ct__foreach(2, (ct_tensor *const[]){res, c}, loops[compute], ctx);
  ct_scope_end();
  return c ? res : NULL;
}

int ct__binary_inplace_kernel(const char *name, ct_tensor *dst, const ct_tensor *b,
                              const ct_loop_fn *loops, void *ctx) {
  ct__check_live(b);
  if (ct__refuse_sparse(name, dst, b)) return -1;
  if (up16(dst->dtype, loops)) { /* dst = round(f32(dst) op f32(b)) */
    CT_OP_BEGIN();
    ct_tensor *d32 = ct__contig_as(dst, CT_FLOAT32);
    int rc = d32 ? ct__binary_inplace_kernel(name, d32, b, loops, ctx) : -1;
    if (!rc) ct__copy_into(dst, d32);
    ct_scope_end();
    return rc;
  }
  if (!loops[dst->dtype]) return not_impl(name, dst->dtype), -1;
  ct_tensor eb;
  if (b->dtype == dst->dtype && !bcast_alias(&eb, b, dst->ndim, dst->shape)) {
    ct__foreach(3, (ct_tensor *const[]){dst, dst, &eb}, loops[dst->dtype], ctx);
    return 0;
  }
  CT_OP_BEGIN();
  ct_tensor *cb = b->dtype == dst->dtype ? (ct_tensor *)b : ct__contig_as(b, dst->dtype);
  ct_tensor *pb = cb ? ct__expand_raw(cb, dst->ndim, dst->shape) : NULL;
  if (pb) ct__foreach(3, (ct_tensor *const[]){dst, dst, pb}, loops[dst->dtype], ctx);
  ct_scope_end();
  return pb ? 0 : -1;
}

int ct__unary_inplace_kernel(const char *name, ct_tensor *dst, const ct_loop_fn *loops, void *ctx) {
  if (ct__refuse_sparse(name, dst, NULL)) return -1;
  if (up16(dst->dtype, loops)) {
    CT_OP_BEGIN();
    ct_tensor *d32 = ct__contig_as(dst, CT_FLOAT32);
    int rc = d32 ? ct__unary_inplace_kernel(name, d32, loops, ctx) : -1;
    if (!rc) ct__copy_into(dst, d32);
    ct_scope_end();
    return rc;
  }
  if (!loops[dst->dtype]) return not_impl(name, dst->dtype), -1;
  ct__foreach(2, (ct_tensor *const[]){dst, dst}, loops[dst->dtype], ctx);
  return 0;
}
