/* Order statistics and running extremes: median, nanmedian, kthvalue, mode (whole tensor or
 * along a dim, values + int64 indices), cummax, cummin, logcumsumexp. The selections run a
 * typed quickselect (mode a sort) per contiguous row (stats_impl.h); the values' gradient
 * goes to the selected elements by a differentiable scatter_add, so double backward works. */
#include "../internal.h"
#include "reduce.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

enum { SEL_MEDIAN, SEL_NANMEDIAN, SEL_KTH };

#define CT_TEMPLATE "ops/stats_impl.h" /* relative to src/ */
#include "../each_dtype.h"

typedef int (*rows_fn)(const void *, int64_t, int64_t, int, int64_t, void *, int64_t *);
#define SEL_ENTRY(E, T, tn) [E] = select_rows_##tn,
#define MODE_ENTRY(E, T, tn) [E] = mode_rows_##tn,
#define CUM_ENTRY(E, T, tn) [E] = cumext_##tn,
static const rows_fn g_select[CT_NUM_DTYPES] = {CT_FOR_DTYPES(SEL_ENTRY)};
static const rows_fn g_mode[CT_NUM_DTYPES] = {CT_FOR_DTYPES(MODE_ENTRY)};
typedef void (*cum_fn)(const void *, void *, int64_t *, int64_t, int64_t, int64_t, bool);
static const cum_fn g_cumext[CT_NUM_DTYPES] = {CT_FOR_DTYPES(CUM_ENTRY)};

/* ---- backward ------------------------------------------------------------------------------ */
typedef struct {
  int64_t dim; /* wrapped; 0 for a 0-dim input */
  bool keepdim;
} sel_args;
CT_ARGS_TYPE(sel_args, NULL);

/* out = x's elements at idx along dim (median/kthvalue/mode with a dim, cummax, cummin):
 * gx = zeros(x.shape).scatter_add(dim, idx, g) (g unsqueezed at dim unless keepdim).
 * saved: idx, with x's ndim. */
static void select_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const sel_args *a = CT_ARGS(n, sel_args);
  const ct_in_meta *m = &n->in[0];
  ct_tensor *idx = ct__saved(n, 0);
  if (!idx) return;
  if (m->ndim == 0) {
    gi[0] = g[0];
    return;
  }
  ct_tensor *gk = a->keepdim ? g[0] : ct_unsqueeze(g[0], a->dim);
  ct_tensor *z = ct_zeros_ex(m->ndim, m->shape, CT_TENSOR_OPTS(.dtype = m->dtype));
  gi[0] = ct_scatter_add(z, a->dim, idx, gk);
}

/* out = median(x) (nanmedian(x)), one element: the gradient is split evenly among the
 * elements equal to out (the NaNs when out is NaN): gx = g * mask / count(mask). saved: x, out. */
static void evenly_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  double v = ct_item(out);
  ct_tensor *mask = ct_to(isnan(v) ? ct_isnan(x) : ct_eq_scalar(ct_detach(x), v), x->dtype);
  ct_tensor *cnt = ct_sum(mask);
  gi[0] = ct_mul(ct_expand(g[0], x->ndim, x->shape), ct_div(mask, cnt));
}

/* ---- forward ------------------------------------------------------------------------------- */
/* The selection of each row along dim d (all dims when all): values and int64 indices. */
static ct_tensor_pair run_select(const ct_tensor *t, const ct_reduce_info *ri, rows_fn fn, int kind,
                                 int64_t k) {
  ct_tensor_pair r = {0};
  CT_OP_BEGIN();
  ct_tensor *rows = ct__reduce_rows(t, ri, t->dtype);
  ct_tensor *v = ct__empty(t->dtype, ri->out_ndim, ri->out_shape);
  ct_tensor *ix = ct__empty(CT_INT64, ri->out_ndim, ri->out_shape);
  int64_t outer = ct__numel_of(ri->out_ndim, ri->out_shape);
  if (rows && v && ix && ri->count && outer &&
      fn(ct__ptr(rows), outer, ri->count, kind, k, ct__ptr(v), CT_PTR(ix, int64_t)))
    v = ct__err("CPU: out of memory");
  if (rows && v && ix) r = (ct_tensor_pair){ct_keep(v), ct_keep(ix)};
  ct_scope_end();
  return r;
}

/* Record out = x[idx] along dim under name (values of a selection along one dim). */
static void record_select(const char *name, const ct_tensor *t, ct_tensor_pair r, int64_t dim,
                          bool keepdim, const ct_reduce_info *ri) {
  if (!ct_dtype_is_floating(t->dtype)) return;
  ct_node *n = ct__node_new(name, select_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (!n) return;
  *CT_NEW_ARGS(n, sel_args) = (sel_args){.dim = dim, .keepdim = keepdim};
  ct_tensor *ik = ri && !keepdim && t->ndim ? ct_reshape(r.indices, t->ndim, ri->keep_shape) : r.indices;
  ct__save(n, ik, false);
  ct__set_history(r.values, n, 0);
}

static ct_tensor_pair select_dim(const char *op, const char *node, const ct_tensor *t, int64_t dim,
                                 bool keepdim, rows_fn fn, int kind, int64_t k) {
  ct_tensor_pair r = {0};
  if (!t) return r;
  ct_reduce_info ri;
  if (ct__reduce_setup_dim(t, dim, keepdim, &ri)) return r;
  int64_t d = t->ndim ? ct__wrap_dim(dim, t->ndim) : 0;
  if (t->dtype == CT_BOOL && fn != g_mode[CT_BOOL])
    return (ct_tensor_pair){ct__err("\"%s\" not implemented for 'Bool'",
                                    kind == SEL_KTH ? "kthvalue_cpu" : "median_out"), NULL};
  if (kind == SEL_KTH && (k < 1 || k > (t->ndim ? t->shape[d] : 1)))
    return (ct_tensor_pair){ct__err("kthvalue(): selected number k out of range for dimension %lld",
                                    (long long)d), NULL};
  if (t->ndim && t->shape[d] == 0)
    return (ct_tensor_pair){ct__err("%s(): Expected reduction dim %lld to have non-zero size.", op,
                                    (long long)d), NULL};
  r = run_select(t, &ri, fn, kind, k - 1);
  if (r.values) record_select(node, t, r, d, keepdim, &ri);
  return r;
}

/* median(x) / nanmedian(x): the lower middle of every element; NaN for an empty input. */
static ct_tensor *median_all(const ct_tensor *t, int kind, const char *node) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(median_all(ct__f32(t), kind, node), h);
  if (!t) return NULL;
  if (t->dtype == CT_BOOL) return ct__err("\"median_cpu\" not implemented for 'Bool'");
  if (ct_numel(t) == 0) return ct_full_ex(0, NULL, NAN, CT_TENSOR_OPTS(.dtype = t->dtype));
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &(ct_dims){0}, false, &ri)) return NULL;
  ct_tensor_pair r = run_select(t, &ri, g_select[t->dtype], kind, 0);
  if (r.values && ct_dtype_is_floating(t->dtype))
    ct__reduce_record(node, evenly_backward, t, r.values, &ri, false, true, &ct_reduce_args_type);
  return r.values;
}

ct_tensor *ct_median(const ct_tensor *t) { return median_all(t, SEL_MEDIAN, "MedianBackward0"); }
ct_tensor *ct_nanmedian(const ct_tensor *t) {
  return median_all(t, SEL_NANMEDIAN, "NanmedianBackward0");
}
ct_tensor_pair ct_median_dim(const ct_tensor *t, int64_t dim, bool keepdim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_median_dim(ct__f32(t), dim, keepdim), h);
  return select_dim("median", "MedianBackward1", t, dim, keepdim, t ? g_select[t->dtype] : NULL,
                    SEL_MEDIAN, 0);
}
ct_tensor_pair ct_nanmedian_dim(const ct_tensor *t, int64_t dim, bool keepdim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_nanmedian_dim(ct__f32(t), dim, keepdim), h);
  return select_dim("nanmedian", "NanmedianBackward1", t, dim, keepdim, t ? g_select[t->dtype] : NULL,
                    SEL_NANMEDIAN, 0);
}
ct_tensor_pair ct_kthvalue(const ct_tensor *t, int64_t k, int64_t dim, bool keepdim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_kthvalue(ct__f32(t), k, dim, keepdim), h);
  return select_dim("kthvalue", "KthvalueBackward0", t, dim, keepdim, t ? g_select[t->dtype] : NULL,
                    SEL_KTH, k);
}
ct_tensor_pair ct_mode(const ct_tensor *t, int64_t dim, bool keepdim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(ct_mode(ct__f32(t), dim, keepdim), h);
  return select_dim("mode", "ModeBackward0", t, dim, keepdim, t ? g_mode[t->dtype] : NULL, 0, 0);
}

/* ---- cummax / cummin ---------------------------------------------------------------------- */
static ct_tensor_pair cum_extreme(const ct_tensor *t, int64_t dim, bool is_max) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(cum_extreme(ct__f32(t), dim, is_max), h);
  ct_tensor_pair r = {0};
  if (!t) return r;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return r;
  if (t->ndim == 0) d = 0;
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, t->dtype);
  ct_tensor *v = x ? ct__empty(t->dtype, t->ndim, t->shape) : NULL;
  ct_tensor *ix = v ? ct__empty(CT_INT64, t->ndim, t->shape) : NULL;
  if (ix) {
    int64_t outer, n, inner;
    ct__dim_split(x, (int)d, &outer, &n, &inner);
    if (ct_numel(x)) g_cumext[t->dtype](ct__ptr(x), ct__ptr(v), CT_PTR(ix, int64_t), outer, n, inner, is_max);
    r = (ct_tensor_pair){ct_keep(v), ct_keep(ix)};
  }
  ct_scope_end();
  if (r.values) record_select(is_max ? "CummaxBackward0" : "CumminBackward0", t, r, d, true, NULL);
  return r;
}

ct_tensor_pair ct_cummax(const ct_tensor *t, int64_t dim) { return cum_extreme(t, dim, true); }
ct_tensor_pair ct_cummin(const ct_tensor *t, int64_t dim) { return cum_extreme(t, dim, false); }

/* ---- logcumsumexp ------------------------------------------------------------------------ */
/* log(exp(a) + exp(b)) without overflow; -inf is the identity, equal infinities stay */
static inline double log_add_exp(double a, double b) {
  if (isnan(a) || isnan(b)) return NAN;
  if (a == b && isinf(a)) return a;
  double m = a > b ? a : b;
  return m + log1p(exp(-fabs(a - b)));
}
#define LCSE_KERNEL(T, tn)                                                                     \
  static void lcse_##tn(const T *x, T *o, int64_t outer, int64_t n, int64_t inner) {           \
    _Pragma("omp parallel for if (CT_REDUCE_PAR(outer * inner, n))")                          \
    for (int64_t l = 0; l < outer * inner; l++) {                                              \
      int64_t a = l / inner, i = l % inner;                                                    \
      double acc = -INFINITY;                                                                  \
      for (int64_t k = 0; k < n; k++) {                                                        \
        int64_t off = (a * n + k) * inner + i;                                                 \
        acc = log_add_exp(acc, (double)x[off]);                                                \
        o[off] = (T)acc;                                                                       \
      }                                                                                        \
    }                                                                                          \
  }
/* x (outer, n, inner) -> out (outer, n, inner): running log(sum(exp)) in double */
LCSE_KERNEL(float, f32)
LCSE_KERNEL(double, f64)

typedef struct {
  int64_t dim;
} lcse_args;
CT_ARGS_TYPE(lcse_args, NULL);

static ct_tensor *rev_lcse(ct_tensor *y, int64_t dim) {
  return ct_flip(ct_logcumsumexp(ct_flip(y, 1, &dim), dim), 1, &dim);
}

/* out = logcumsumexp(x, dim): gx_k = sum_{i>=k} g_i exp(x_k - out_i), computed in log space
 * with g split by sign (PyTorch's formula; the lowest finite number stands for log 0):
 * gx = exp(rlcse(log g+ - out) + x) - exp(rlcse(log g- - out) + x), rlcse the reversed
 * logcumsumexp. saved: x, out. */
static void lcse_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t dim = CT_ARGS(n, lcse_args)->dim;
  ct_tensor *x = ct__saved(n, 0), *out = ct__saved(n, 1);
  if (!x || !out) return;
  if (x->ndim == 0 || ct_numel(x) == 0) {
    gi[0] = g[0];
    return;
  }
  ct_tensor *lowest = ct_full_like(g[0], x->dtype == CT_FLOAT32 ? -FLT_MAX : -DBL_MAX);
  ct_tensor *lg = ct_log(ct_abs(g[0]));
  ct_tensor *pos = ct_where(ct_gt_scalar(g[0], 0), lg, lowest);
  ct_tensor *neg = ct_where(ct_lt_scalar(g[0], 0), lg, lowest);
  ct_tensor *op = ct_exp(ct_add(rev_lcse(ct_sub(pos, out), dim), x));
  ct_tensor *on = ct_exp(ct_add(rev_lcse(ct_sub(neg, out), dim), x));
  gi[0] = ct_sub(op, on);
}

ct_tensor *ct_logcumsumexp(const ct_tensor *t, int64_t dim) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_logcumsumexp(ct__f32(t), dim), h);
  if (!t) return NULL;
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (t->ndim == 0) d = 0;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"logcumsumexp_out_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  CT_OP_BEGIN();
  ct_tensor *x = ct__contig_as(t, t->dtype);
  ct_tensor *out = x ? ct__empty(t->dtype, t->ndim, t->shape) : NULL;
  if (!out) return ct__op_end(NULL);
  int64_t outer, n, inner;
  ct__dim_split(x, (int)d, &outer, &n, &inner);
  if (t->dtype == CT_FLOAT32) lcse_f32(CT_PTR(x, float), CT_PTR(out, float), outer, n, inner);
  else lcse_f64(CT_PTR(x, double), CT_PTR(out, double), outer, n, inner);
  ct_node *nd = ct__node_new("LogcumsumexpBackward0", lcse_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, lcse_args)->dim = d;
    ct__save(nd, t, false);
    ct__save(nd, out, true);
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
