/* Statistics composed of differentiable ops (PyTorch's composite forms, so gradients of
 * every order come from the parts): quantile / nanquantile, var_mean, std_mean,
 * count_nonzero, nansum, nanmean, aminmax, diff. */
#include "../internal.h"
#include "reduce.h"

#include <math.h>

/* ---- quantile / nanquantile ------------------------------------------------------------ */
static const char *interp_name(ct_quantile_interp i) {
  static const char *names[] = {"linear", "lower", "higher", "midpoint", "nearest"};
  return (unsigned)i < 5 ? names[i] : NULL;
}

/* PyTorch's quantile_checks, in its order; q values when q is a tensor (nq of them) */
static int quantile_checks(const ct_tensor *t, const ct_tensor *q, double qs, ct_quantile_opts o) {
  if (!interp_name(o.interpolation))
    return ct__errs("quantile() interpolation must be one of linear, lower, higher, midpoint or "
                    "nearest, but got %d", (int)o.interpolation);
  if (ct_numel(t) == 0) return ct__errs("quantile() input tensor must be non-empty");
  if (!ct_dtype_is_floating(t->dtype))
    return ct__errs("quantile() input tensor must be either float or double dtype");
  if (o.dim != CT_NONE && ct__wrap_dim(o.dim, t->ndim) < 0) return -1;
  if (!q) {
    if (!(qs >= 0 && qs <= 1)) return ct__errs("quantile() q must be in the range [0, 1] but got %g", qs);
    return 0;
  }
  if (q->ndim > 1) return ct__errs("quantile() q must be a scalar or 1D tensor");
  if (q->dtype != t->dtype) return ct__errs("quantile() q tensor must be same dtype as the input tensor");
  return 0;
}

/* One quantile of every slice of the sorted s along d: index tensors below / above and the
 * weight (keep shape, size 1 at d), then gather + lerp. nn[r] is the NaN count of slice r. */
static ct_tensor *one_quantile(ct_tensor *s, int64_t d, const int64_t *nn, double qv, bool ignore_nan,
                               ct_quantile_interp how) {
  int64_t ks[CT_MAX_DIMS];
  memcpy(ks, s->shape, sizeof ks);
  int64_t n = ks[d];
  ks[d] = 1;
  ct_tensor *lo = ct__empty(CT_INT64, s->ndim, ks), *hi = ct__empty(CT_INT64, s->ndim, ks);
  ct_tensor *w = ct__empty(s->dtype, s->ndim, ks);
  if (!lo || !hi || !w) return NULL;
  int64_t rows = ct_numel(lo);
  bool f32 = s->dtype == CT_FLOAT32;
  for (int64_t r = 0; r < rows; r++) {
    int64_t valid = ignore_nan ? n - nn[r] : n;
    double rank;
    if ((!ignore_nan && nn[r]) || valid == 0) rank = (double)(n - 1); /* the last: a NaN */
    else rank = f32 ? (double)((float)qv * (float)(valid - 1)) : qv * (double)(valid - 1);
    double b = floor(rank), a = ceil(rank), wt = rank - b;
    if (how == CT_QUANTILE_LOWER) a = b;
    if (how == CT_QUANTILE_HIGHER) b = a;
    if (how == CT_QUANTILE_NEAREST) a = b = nearbyint(rank); /* half to even, as round() */
    if (how == CT_QUANTILE_MIDPOINT) wt = 0.5;
    CT_PTR(lo, int64_t)[r] = (int64_t)b;
    CT_PTR(hi, int64_t)[r] = (int64_t)a;
    ct__store(ct__ptr(w) + r * (int64_t)ct_dtype_size(s->dtype), s->dtype, wt);
  }
  ct_tensor *vb = ct_gather(s, d, lo);
  if (how != CT_QUANTILE_LINEAR && how != CT_QUANTILE_MIDPOINT) return vb;
  return ct_lerp(vb, ct_gather(s, d, hi), w);
}

static ct_tensor *quantile_impl(const ct_tensor *t, const ct_tensor *q, double qs, ct_quantile_opts o,
                                bool ignore_nan) {
  ct_dtype h = ct__half_enter(t, q, NULL);
  if ((int)h >= 0) return ct__half_end(quantile_impl(ct__f32(t), ct__f32(q), qs, o, ignore_nan), h);
  if (!t) return NULL;
  if (quantile_checks(t, q, qs, o)) return NULL;
  CT_OP_BEGIN();
  int nq = 1;
  double qv[64], *qp = qv;
  ct_tensor *qd = q ? ct__contig_as(q, CT_FLOAT64) : NULL;
  if (q) {
    if (!qd) return ct__op_end(NULL);
    nq = (int)ct_numel(qd), qp = CT_PTR(qd, double);
    for (int i = 0; i < nq; i++)
      if (!(qp[i] >= 0 && qp[i] <= 1))
        return ct__op_end(ct__err("quantile() q values must be in the range [0, 1]"));
  } else {
    qv[0] = qs;
  }
  bool all = o.dim == CT_NONE;
  int64_t numel = ct_numel(t), one = 1;
  ct_tensor *x = all ? ct_reshape(t, 1, &numel) : t->ndim == 0 ? ct_reshape(t, 1, &one) : (ct_tensor *)t;
  int64_t d = all || t->ndim == 0 ? 0 : ct__wrap_dim(o.dim, t->ndim);
  ct_tensor *s = x ? ct_sort(x, d, false, false).values : NULL;
  ct_tensor *nan = s ? ct_contiguous(ct_sum(ct_isnan(x), .dim = CT_DIMS(d), .keepdim = true)) : NULL;
  if (!nan) return ct__op_end(NULL);
  /* the result of one q: t's shape without d (keepdim: with d as 1; all dims: t's ndim of 1s) */
  int64_t os[CT_MAX_DIMS];
  int ond = 0;
  for (int i = 0; i < t->ndim; i++)
    if (!(all || i == d) || o.keepdim) os[ond++] = all || i == d ? 1 : t->shape[i];
  ct_tensor *outs[64];
  ct_tensor **op = nq <= 64 ? outs : calloc((size_t)nq, sizeof *op);
  if (!op) return ct__op_end(ct__err("CPU: out of memory"));
  ct_tensor *res = NULL;
  int i = 0;
  for (; i < nq; i++) {
    op[i] = ct_reshape(one_quantile(s, d, CT_PTR(nan, int64_t), qp[i], ignore_nan, o.interpolation), ond, os);
    if (!op[i]) break;
  }
  if (i == nq) res = q && q->ndim ? ct_stack(op, nq, 0) : op[0];
  if (op != outs) free(op);
  return ct__op_end(res);
}

ct_tensor *ct_quantile_ex(const ct_tensor *t, const ct_tensor *q, ct_quantile_opts o) {
  return q ? quantile_impl(t, q, 0, o, false) : NULL;
}
ct_tensor *ct_nanquantile_ex(const ct_tensor *t, const ct_tensor *q, ct_quantile_opts o) {
  return q ? quantile_impl(t, q, 0, o, true) : NULL;
}
ct_tensor *ct_quantile_scalar_ex(const ct_tensor *t, double q, ct_quantile_opts o) {
  return quantile_impl(t, NULL, q, o, false);
}
ct_tensor *ct_nanquantile_scalar_ex(const ct_tensor *t, double q, ct_quantile_opts o) {
  return quantile_impl(t, NULL, q, o, true);
}

/* ---- var_mean / std_mean --------------------------------------------------------------- */
/* (var or std, mean) over the same dims; both results named as PyTorch's one node */
static ct_tensor_pair var_std_mean(const ct_tensor *t, ct_var_opts o, bool is_std) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(var_std_mean(ct__f32(t), o, is_std), h);
  ct_tensor_pair r = {0};
  if (!t) return r;
  if (!ct_dtype_is_floating(t->dtype)) {
    ct__errs("%s only support floating point and complex dtypes", is_std ? "std_mean" : "var_mean");
    return r;
  }
  ct_tensor *v = is_std ? ct_std_ex(t, o) : ct_var_ex(t, o);
  ct_tensor *m = v ? ct_mean(t, .dim = o.dim, .keepdim = o.keepdim) : NULL;
  if (!m) return r;
  const char *name = is_std ? "StdMeanBackward0" : "VarMeanBackward0";
  ct__set_grad_fn_name(v, name);
  ct__set_grad_fn_name(m, name);
  return (ct_tensor_pair){v, m};
}
ct_tensor_pair ct_var_mean_ex(const ct_tensor *t, ct_var_opts o) { return var_std_mean(t, o, false); }
ct_tensor_pair ct_std_mean_ex(const ct_tensor *t, ct_var_opts o) { return var_std_mean(t, o, true); }

/* ---- count_nonzero / nansum / nanmean ---------------------------------------------------- */
ct_tensor *ct_count_nonzero(const ct_tensor *t, ct_dims dim) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  return ct__op_end(ct_sum(ct_ne_scalar(t, 0), .dim = dim));
}

/* x with its NaNs replaced by 0 (differentiable: the gradient is 0 there) */
static ct_tensor *zero_nans(const ct_tensor *t) { return ct_masked_fill(t, ct_isnan(t), 0); }

ct_tensor *ct_nansum_ex(const ct_tensor *t, ct_reduce_opts o) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_nansum_ex(ct__f32(t), o), h);
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype)) return ct_sum_ex(t, o);
  CT_OP_BEGIN();
  ct_tensor *r = ct_sum_ex(zero_nans(t), o);
  if (r) ct__set_grad_fn_name(r, "NansumBackward0");
  return ct__op_end(r);
}

ct_tensor *ct_nanmean_ex(const ct_tensor *t, ct_reduce_opts o) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_nanmean_ex(ct__f32(t), o), h);
  if (!t) return NULL;
  if (!ct_dtype_is_floating(o.dtype == CT_DTYPE_UNSET ? t->dtype : o.dtype))
    return ct__err("nanmean(): expected input to have floating point dtype but got %s",
                   ct__dtype_short(t->dtype));
  CT_OP_BEGIN();
  ct_tensor *valid = ct_sum(ct_logical_not(ct_isnan(t)), .dim = o.dim, .keepdim = o.keepdim);
  return ct__op_end(ct_div(ct_nansum_ex(t, o), valid));
}

/* ---- aminmax ----------------------------------------------------------------------------- */
ct_tensor_pair ct_aminmax(const ct_tensor *t, int64_t dim, bool keepdim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_aminmax(ct__f32(t), dim, keepdim), h);
  ct_tensor_pair r = {0};
  if (!t) return r;
  bool all = dim == CT_NONE;
  if (all && ct_numel(t) == 0) {
    ct__errs("aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
    return r;
  }
  int64_t d = all ? 0 : ct__wrap_dim(dim, t->ndim);
  if (d < 0) return r;
  if (!all && t->ndim && t->shape[d] == 0) {
    ct__errs("aminmax: Expected reduction dim %lld to have non-zero size.", (long long)d);
    return r;
  }
  ct_dims dims = all || !t->ndim ? (ct_dims){0} : CT_DIMS(d);
  /* PyTorch 1.13 has no derivative for aminmax: the results never require grad */
  bool prev = ct_set_grad_enabled(false);
  r.values = ct_amin(t, .dim = dims, .keepdim = keepdim);
  r.indices = r.values ? ct_amax(t, .dim = dims, .keepdim = keepdim) : NULL;
  ct_set_grad_enabled(prev);
  if (!r.indices) r.values = NULL;
  return r;
}

/* ---- diff -------------------------------------------------------------------------------- */
static int diff_operand(const ct_tensor *t, const ct_tensor *o, int64_t d) {
  if (!o) return 0;
  if (o->ndim != t->ndim) return ct__errs("diff expects prepend or append to be the same dimension as input");
  for (int i = 0; i < t->ndim; i++)
    if (i != d && o->shape[i] != t->shape[i])
      return ct__errs("diff expects the shape of tensor to prepend or append to match that of input "
                      "except along the differencing dimension; input.size(%d) = %lld, but got "
                      "tensor.size(%d) = %lld", i, (long long)t->shape[i], i, (long long)o->shape[i]);
  return 0;
}

ct_tensor *ct_diff_ex(const ct_tensor *t, ct_diff_opts o) {
  if (!t) return NULL;
  if (t->ndim == 0) return ct__err("diff expects input to be at least one-dimensional");
  int64_t d = ct__wrap_dim(o.dim, t->ndim);
  if (d < 0 || diff_operand(t, o.prepend, d) || diff_operand(t, o.append, d)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *parts[3], *x = (ct_tensor *)t;
  int np = 0;
  if (o.prepend) parts[np++] = (ct_tensor *)o.prepend;
  parts[np++] = x;
  if (o.append) parts[np++] = (ct_tensor *)o.append;
  if (np > 1) x = ct_cat(parts, np, d);
  if (o.n <= 0 && x == t) x = ct_view_as(t, t); /* PyTorch returns the input itself */
  for (int64_t i = 0; i < o.n && x && x->shape[d] > 0; i++) {
    int64_t len = x->shape[d] - 1;
    ct_tensor *a = ct_narrow(x, d, 1, len), *b = ct_narrow(x, d, 0, len);
    x = x->dtype == CT_BOOL ? ct_logical_xor(a, b) : ct_sub(a, b);
  }
  return ct__op_end(x);
}
