/* scatter_reduce(self, dim, index, src, reduce, include_self) and its in-place form.
 * The shape, dtype and bounds checks are scatter's (the same messages as PyTorch, which
 * checks scatter_reduce through scatter's path too); the reduction runs in double on
 * contiguous copies, on one thread (indices may repeat), and is cast back to self's dtype
 * (integer mean divides with floor, as PyTorch). Backward: derivatives.yaml's
 * scatter_reduce_backward, written with differentiable ops. */
#include <math.h>

#include "../internal.h"

typedef struct {
  int64_t dim;
  ct_scatter_reduce_op reduce;
  bool include_self;
} sr_args;
CT_ARGS_TYPE(sr_args, NULL);

static double identity_of(ct_scatter_reduce_op r) {
  switch (r) {
    case CT_SCATTER_PROD: return 1;
    case CT_SCATTER_AMAX: return -INFINITY;
    case CT_SCATTER_AMIN: return INFINITY;
    default: return 0;
  }
}

/* a op b; NaN wins amax / amin as in PyTorch */
static double combine(ct_scatter_reduce_op r, double a, double b) {
  switch (r) {
    case CT_SCATTER_PROD: return a * b;
    case CT_SCATTER_AMAX: return isnan(a) || a > b ? a : b;
    case CT_SCATTER_AMIN: return isnan(a) || a < b ? a : b;
    default: return a + b;
  }
}

/* o (self's shape, contiguous f64) reduced in place with s (src's shape) at ix (index's
 * shape): o[m with m[dim] = ix[m]] op= s[m] for every position m of index. cnt (self's
 * numel) counts the values that reached each position, self included when include_self. */
static void reduce_into(double *o, int64_t *cnt, const double *s, const int64_t *ix,
                        const ct_tensor *self, const ct_tensor *src, const ct_tensor *idx,
                        int64_t dim, ct_scatter_reduce_op r, bool include_self) {
  int nd = idx->ndim;
  int64_t n = ct_numel(idx), m[CT_MAX_DIMS] = {0}, so[CT_MAX_DIMS], ss[CT_MAX_DIMS];
  int64_t no = ct_numel(self);
  for (int64_t i = 0; i < no; i++) cnt[i] = include_self;
  so[nd - 1] = ss[nd - 1] = 1;
  for (int d = nd - 2; d >= 0; d--) {
    so[d] = so[d + 1] * self->shape[d + 1];
    ss[d] = ss[d + 1] * src->shape[d + 1];
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t po = 0, ps = 0;
    for (int d = 0; d < nd; d++) {
      po += (d == dim ? ix[i] : m[d]) * so[d];
      ps += m[d] * ss[d];
    }
    if (cnt[po] == 0) o[po] = identity_of(r); /* the first value here, self left out */
    o[po] = combine(r, o[po], s[ps]);
    cnt[po]++;
    for (int d = nd - 1; d >= 0 && ++m[d] == idx->shape[d]; d--) m[d] = 0;
  }
}

/* the forward without history: out in self's dtype */
static ct_tensor *forward(const ct_tensor *t, int64_t d, const ct_tensor *index,
                          const ct_tensor *src, ct_scatter_reduce_op r, bool include_self) {
  CT_OP_BEGIN();
  const ct_tensor *t1 = t->ndim ? t : ct_reshape(t, 1, (int64_t[]){1});
  const ct_tensor *s1 = src->ndim ? src : ct_reshape(src, 1, (int64_t[]){1});
  ct_tensor *i1 = ct__contig_as(index->ndim ? index : ct_reshape(index, 1, (int64_t[]){1}), CT_INT64);
  ct_tensor *o = t1 ? ct__contig_as(ct_to(t1, CT_FLOAT64), CT_FLOAT64) : NULL;
  ct_tensor *s = s1 ? ct__contig_as(s1, CT_FLOAT64) : NULL;
  ct_tensor *cnt = t1 ? ct__empty(CT_INT64, t1->ndim, t1->shape) : NULL;
  if (!i1 || !o || !s || !cnt) return ct__op_end(NULL);
  if (o == t1) o = ct_clone(o); /* never write self */
  if (!o) return ct__op_end(NULL);
  double *op = CT_PTR(o, double);
  int64_t *cp = CT_PTR(cnt, int64_t);
  if (ct_numel(i1))
    reduce_into(op, cp, CT_PTR(s, const double), CT_PTR(i1, const int64_t), t1, s1, i1, d, r,
                include_self);
  if (r == CT_SCATTER_MEAN) {
    bool integral = !ct_dtype_is_floating(t->dtype);
    for (int64_t i = 0, n = ct_numel(o); i < n; i++)
      if (cp[i] > 1) op[i] = integral ? floor(op[i] / (double)cp[i]) : op[i] / (double)cp[i];
  }
  ct_tensor *out = ct_reshape(ct_to(o, t->dtype), t->ndim, t->shape);
  return ct__op_end(out ? ct_contiguous(out) : NULL);
}

/* src cut to index's shape (the part that takes part) */
static ct_tensor *src_part(ct_tensor *src, const ct_tensor *idx) {
  for (int d = 0; d < idx->ndim; d++)
    if (src->shape[d] != idx->shape[d]) src = ct_slice(src, d, 0, idx->shape[d], 1);
  return src;
}

/* out = x.scatter_reduce(dim, idx, src, reduce, include_self), saved x, src, idx, out.
 *   sum:  gx = g, gsrc = g.gather(idx)
 *   mean: N = (include_self ? 1 : 0) + count of idx hits (0 -> 1); gx = g / N,
 *         gsrc = (g / N).gather(idx)
 *   prod: gx = g * x'.scatter_reduce(...) / x' with x' = x (0 -> 1); gsrc = where(src is the
 *         only zero of its group, (g * x.scatter_reduce(.., src (0 -> 1), ..)).gather(idx),
 *         (g * out).gather(idx) / src (0 -> 1))
 *   amax, amin: the gradient is shared evenly by every value equal to the result:
 *         k = (x == out) + count of (src == out.gather(idx)) hits; gx = (x == out) * g / k,
 *         gsrc = (src == out.gather(idx)) * (g / k).gather(idx)
 *   without include_self, gx = gx.scatter(idx, 0) */
static void scatter_reduce_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const sr_args *a = CT_ARGS(n, sr_args);
  int64_t dim = a->dim;
  ct_tensor *x = ct__saved(n, 0), *src = src_part(ct__saved(n, 1), ct__saved(n, 2));
  ct_tensor *idx = ct__saved(n, 2), *out = ct__saved(n, 3), *gx = NULL, *gs = NULL;
  ct_tensor *gg = g[0];
  switch (a->reduce) {
    case CT_SCATTER_SUM:
      gx = gg;
      gs = ct_gather(gg, dim, idx);
      break;
    case CT_SCATTER_MEAN: {
      ct_tensor *N = a->include_self ? ct_ones_like(gg) : ct_zeros_like(gg);
      N = ct_scatter_add(N, dim, idx, ct_ones_like(src));
      N = ct_masked_fill(N, ct_eq_scalar(N, 0), 1);
      gx = ct_div(gg, N);
      gs = ct_gather(gx, dim, idx);
      break;
    }
    case CT_SCATTER_PROD: {
      ct_tensor *mx = ct_masked_fill(x, ct_eq_scalar(x, 0), 1);
      gx = ct_div(ct_mul(gg, ct_scatter_reduce(mx, dim, idx, src, CT_SCATTER_PROD, a->include_self)), mx);
      ct_tensor *zero = ct_eq_scalar(src, 0);
      ct_tensor *nz = ct_gather(ct_scatter_add(ct_zeros_like(x), dim, idx, ct_to(zero, x->dtype)), dim, idx);
      ct_tensor *single = ct_logical_and(zero, ct_eq_scalar(nz, 1));
      ct_tensor *msr = ct_scatter_reduce(x, dim, idx, ct_masked_fill(src, single, 1), CT_SCATTER_PROD,
                                         a->include_self);
      gs = ct_where(single, ct_gather(ct_mul(gg, msr), dim, idx),
                    ct_div(ct_gather(ct_mul(gg, out), dim, idx), ct_masked_fill(src, zero, 1)));
      break;
    }
    default: { /* amax, amin */
      ct_tensor *xr = ct_to(ct_eq(x, out), x->dtype);
      ct_tensor *sr = ct_to(ct_eq(src, ct_gather(out, dim, idx)), x->dtype);
      ct_tensor *share = ct_div(gg, ct_scatter_add(xr, dim, idx, sr));
      gx = ct_mul(xr, share);
      gs = ct_mul(sr, ct_gather(share, dim, idx));
      break;
    }
  }
  if (gx && !a->include_self) gx = ct_scatter_value(gx, dim, idx, 0);
  if (ct__needs_grad(n, 0)) gi[0] = gx;
  if (ct__needs_grad(n, 1)) gi[1] = ct__pad_to_input(n, 1, gs);
}

ct_tensor *ct_scatter_reduce(const ct_tensor *t, int64_t dim, const ct_tensor *index,
                             const ct_tensor *src, ct_scatter_reduce_op reduce, bool include_self) {
  ct_dtype h = ct__half_enter(t, src, NULL);
  if ((int)h >= 0) return ct__half_end(ct_scatter_reduce(ct__f32(t), dim, index, ct__f32(src), reduce, include_self), h);
  if (!t || !index || !src) return NULL;
  if ((unsigned)reduce > CT_SCATTER_AMIN)
    return ct__err("reduce argument must be either sum, prod, mean, amax or amin.");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  /* scatter's checks and messages (shape, dtype, bounds): a scatter into a throwaway */
  bool ok = false;
  CT_OP_BEGIN();
  CT_NO_GRAD { ok = ct_scatter(t, d, index, src) != NULL; }
  ct_scope_end();
  if (!ok) return NULL;
  ct_tensor *out = NULL;
  CT_NO_GRAD { out = forward(t, d, index, src, reduce, include_self); }
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new("ScatterReduceBackward0", scatter_reduce_backward, 2,
                            (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)src}, 1);
  if (n) {
    sr_args *a = CT_NEW_ARGS(n, sr_args);
    a->dim = d;
    a->reduce = reduce;
    a->include_self = include_self;
    ct__save(n, t, false);
    ct__save(n, src, false);
    ct__save(n, index, false);
    ct__save(n, out, true);
    ct__set_history(out, n, 0);
  }
  return out;
}

typedef struct {
  int64_t dim;
  const ct_tensor *index, *src;
  ct_scatter_reduce_op reduce;
  bool include_self;
} sr_inplace;

static ct_tensor *run_inplace(const ct_tensor *t, const void *arg) {
  const sr_inplace *a = arg;
  return ct_scatter_reduce(t, a->dim, a->index, a->src, a->reduce, a->include_self);
}

ct_tensor *ct_scatter_reduce_(ct_tensor *t, int64_t dim, const ct_tensor *index,
                              const ct_tensor *src, ct_scatter_reduce_op reduce,
                              bool include_self) {
  if (!t || !index || !src) return NULL;
  if (ct__check_overlaps(t, 1, &src)) return NULL;
  sr_inplace a = {dim, index, src, reduce, include_self};
  /* the backward reads self's old value: the driver keeps a copy for the graph */
  return ct__inplace(t, &(ct_inplace_spec){.name = "scatter_reduce_", .result_type = t->dtype,
                                           .needs_input = true, .call = run_inplace, .arg = &a});
}
