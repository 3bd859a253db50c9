/* Selection and interpolation: where, masked_fill, lerp, clamp (scalar and tensor bounds),
 * with in-place forms and backward formulas from PyTorch's derivatives.yaml (clamp_backward,
 * clamp_backward_min_max, lerp, where, masked_fill). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math") /* see unary.c: lets the loops vectorise */
#endif
#include "../internal.h"
#include "elementwise.h"
#include <float.h>

/* ---- loops --------------------------------------------------------------------------------
 * Three-input loop: out, x (type TX), y, z (type T) -> out (type T); contiguous and
 * scalar-z fast paths. */
#define TERNARY_LOOP(name, TX, T, tn, EXPR)                                              \
  static void name##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (void)ctx;                                                                          \
    T *o = (T *)d[0];                                                                   \
    const TX *px = (const TX *)d[1];                                                    \
    const T *py = (const T *)d[2], *pz = (const T *)d[3];                               \
    if (s[0] == sizeof(T) && s[1] == sizeof(TX) && s[2] == sizeof(T) && s[3] == sizeof(T)) { \
      for (int64_t i = 0; i < n; i++) {                                                 \
        TX x = px[i];                                                                   \
        T y = py[i], z = pz[i];                                                         \
        o[i] = (T)(EXPR);                                                               \
      }                                                                                 \
    } else if (s[0] == sizeof(T) && s[1] == sizeof(TX) && s[2] == sizeof(T) && s[3] == 0) { \
      const T z = pz[0];                                                                \
      for (int64_t i = 0; i < n; i++) {                                                 \
        TX x = px[i];                                                                   \
        T y = py[i];                                                                    \
        o[i] = (T)(EXPR);                                                               \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        TX x = *(const TX *)(d[1] + i * s[1]);                                          \
        T y = *(const T *)(d[2] + i * s[2]), z = *(const T *)(d[3] + i * s[3]);         \
        *(T *)(d[0] + i * s[0]) = (T)(EXPR);                                            \
      }                                                                                 \
    }                                                                                   \
  }
/* out, cond (bool), a, b -> out; the mask read as bytes (a bool is 0 or 1) since gcc
 * vectorises a select on uint8_t but not on bool */
#define WHERE_LOOP(E, T, tn) TERNARY_LOOP(where_loop, uint8_t, T, tn, x ? y : z)
CT_FOR_DTYPES(WHERE_LOOP)
CT_LOOP_TABLE_ALL(where_loop);

/* start + w (end - start), from the nearer end for accuracy (PyTorch's lerp) */
#define LERP(T, s, e, w) (fabs((double)(w)) < 0.5 ? (s) + (w) * ((e) - (s)) : (e) - ((e) - (s)) * (1 - (w)))
/* out, start, end, weight -> out */
TERNARY_LOOP(lerp_loop, float, float, f32, LERP(float, x, y, z))
TERNARY_LOOP(lerp_loop, double, double, f64, LERP(double, x, y, z))
CT_LOOP_TABLE_FLOAT(lerp_loop);
/* out, start, end -> out; weight: a double in ctx */
CT_BINARY_LOOP(lerp_s_loop, float, float, f32, LERP(float, a, b, (float)*(const double *)ctx))
CT_BINARY_LOOP(lerp_s_loop, double, double, f64, LERP(double, a, b, *(const double *)ctx))
CT_LOOP_TABLE_FLOAT(lerp_s_loop);

/* out, x, mask (bool, read as bytes like where's) -> out; the fill value (a double in ctx)
 * converted once per run */
#define MASKED_FILL_LOOP(E, T, tn)                                                       \
  static void masked_fill_loop_##tn(char **d, const int64_t *s, int64_t n, void *ctx) { \
    const T v = (T) * (const double *)ctx;                                              \
    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == 1) {                          \
      T *o = (T *)d[0];                                                                 \
      const T *x = (const T *)d[1];                                                     \
      const uint8_t *m = (const uint8_t *)d[2];                                         \
      for (int64_t i = 0; i < n; i++) o[i] = m[i] ? v : x[i];                           \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++)                                                   \
        *(T *)(d[0] + i * s[0]) =                                                       \
            *(const bool *)(d[2] + i * s[2]) ? v : *(const T *)(d[1] + i * s[1]);       \
    }                                                                                   \
  }
CT_FOR_DTYPES(MASKED_FILL_LOOP)
CT_LOOP_TABLE_ALL(masked_fill_loop);

/* out, x -> out clamped to [lo, hi]; an absent bound is the type's extreme. NaN passes
 * through; lo > hi gives hi, like PyTorch. */
typedef struct {
  double lo, hi;
  bool has_lo, has_hi;
} clamp_ctx;
#define CLAMP_LOOP(T, tn, LOWEST, HIGHEST)                                               \
  static void clamp_loop_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {       \
    const clamp_ctx *c = ctx;                                                           \
    const T lo = c->has_lo ? (T)c->lo : LOWEST, hi = c->has_hi ? (T)c->hi : HIGHEST;    \
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {                                       \
      T *o = (T *)d[0];                                                                 \
      const T *x = (const T *)d[1];                                                     \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T y = x[i] < lo ? lo : x[i];                                                    \
        o[i] = y > hi ? hi : y;                                                         \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T x = *(const T *)(d[1] + i * s[1]);                                            \
        T y = x < lo ? lo : x;                                                          \
        *(T *)(d[0] + i * s[0]) = y > hi ? hi : y;                                      \
      }                                                                                 \
    }                                                                                   \
  }
CLAMP_LOOP(uint8_t, u8, 0, UINT8_MAX)
CLAMP_LOOP(int8_t, i8, INT8_MIN, INT8_MAX)
CLAMP_LOOP(int16_t, i16, INT16_MIN, INT16_MAX)
CLAMP_LOOP(int32_t, i32, INT32_MIN, INT32_MAX)
CLAMP_LOOP(int64_t, i64, INT64_MIN, INT64_MAX)
CLAMP_LOOP(float, f32, -INFINITY, INFINITY)
CLAMP_LOOP(double, f64, -INFINITY, INFINITY)
CT_LOOP_TABLE_NUMERIC(clamp_loop);

/* ---- helpers ------------------------------------------------------------------------------ */
static ct_tensor *zero0d(const ct_tensor *like) { return ct_scalar_tensor(0, like->dtype); }

/* C++ type names PyTorch prints in lerp's dtype errors. */
static const char *cpp_type_name(ct_dtype dt) {
  static const char *const n[CT_NUM_DTYPES] = {"bool", "unsigned char", "signed char", "short int",
                                               "int", "long int", "float", "double"};
  return (int)dt >= 0 && dt < CT_NUM_DTYPES ? n[dt] : "?";
}

/* Broadcast shape of up to three tensors (NULL entries skipped), PyTorch's error on mismatch. */
static int broadcast3(const ct_tensor *a, const ct_tensor *b, const ct_tensor *c, int *nd,
                      int64_t *shape) {
  *nd = a->ndim;
  memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->ndim);
  const ct_tensor *rest[2] = {b, c};
  for (int k = 0; k < 2; k++) {
    int64_t tmp[CT_MAX_DIMS];
    if (!rest[k]) continue;
    memcpy(tmp, shape, sizeof tmp);
    if (ct__broadcast_shape(*nd, tmp, rest[k]->ndim, rest[k]->shape, nd, shape)) return -1;
  }
  return 0;
}

/* out (new, dtype dt, shape) = loops[dt](ts[0..n) expanded; ts[i] converted to dts[i]). */
static ct_tensor *run_kernel(ct_dtype dt, int nd, const int64_t *shape, int n,
                             const ct_tensor *const *ts, const ct_dtype *dts,
                             const ct_loop_fn *loops, void *ctx) {
  if (ct__is_half(dt) && !loops[dt]) { /* float16 / bfloat16: in float32, rounded back */
    ct_dtype d32[4];
    for (int i = 0; i < n; i++) d32[i] = dts[i] == dt ? CT_FLOAT32 : dts[i];
    CT_OP_BEGIN();
    ct_tensor *r = run_kernel(CT_FLOAT32, nd, shape, n, ts, d32, loops, ctx);
    return ct__op_end(r ? ct__contig_as(r, dt) : NULL);
  }
  ct_tensor *res = ct__empty(dt, nd, shape);
  if (!res) return NULL;
  ct_tensor *ops[4] = {res};
  bool ok = true;
  CT_OP_BEGIN();
  for (int i = 0; i < n && ok; i++) {
    ct_tensor *c = ts[i]->dtype == dts[i] ? (ct_tensor *)ts[i] : ct__contig_as(ts[i], dts[i]);
    ops[i + 1] = c ? ct__expand_raw(c, nd, shape) : NULL;
    ok = ops[i + 1] != NULL;
  }
  if (ok) ct__foreach(n + 1, ops, loops[dt], ctx);
  ct_scope_end();
  return ok ? res : NULL;
}

/* ---- where ---------------------------------------------------------------------------------- */
/* out = where(c, a, b): ga = where(c, g, 0), gb = where(c, 0, g) (saved c) */
static void where_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *c = ct__saved(n, 0);
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_where(c, g[0], zero0d(g[0])));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_where(c, zero0d(g[0]), g[0]));
}

ct_tensor *ct_where(const ct_tensor *cond, const ct_tensor *a, const ct_tensor *b) {
  if (!cond || !a || !b) return NULL;
  if (cond->dtype != CT_BOOL)
    return ct__err("where expected condition to be a boolean tensor, but got a tensor with dtype %s",
                   ct__dtype_short(cond->dtype));
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (broadcast3(cond, a, b, &nd, shape)) return NULL;
  ct_dtype rt = ct_result_type(a, b);
  ct_tensor *out = run_kernel(rt, nd, shape, 3, (const ct_tensor *[]){cond, a, b},
                              (ct_dtype[]){CT_BOOL, rt, rt}, where_loop, NULL);
  if (!out || !ct_dtype_is_floating(rt)) return out;
  ct_node *n = ct__node_new("WhereBackward0", where_backward, 2,
                            (ct_tensor *const[]){(ct_tensor *)a, (ct_tensor *)b}, 1);
  if (n) {
    ct__save(n, cond, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- masked_fill ---------------------------------------------------------------------------- */
static int check_mask(const ct_tensor *mask) {
  if (mask->dtype == CT_BOOL) return 0;
  return ct__errs("masked_fill_ only supports boolean masks, but got mask with dtype %s",
                  ct__dtype_short(mask->dtype));
}

/* out = t.masked_fill(mask, v): gt = g.masked_fill(mask, 0) (saved mask) */
static void masked_fill_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct__sum_to_input(n, 0, ct_masked_fill(g[0], ct__saved(n, 0), 0));
}

ct_tensor *ct_masked_fill(const ct_tensor *t, const ct_tensor *mask, double value) {
  if (!t || !mask) return NULL;
  if (check_mask(mask) || ct__check_value(value, t->dtype)) return NULL;
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (broadcast3(t, mask, NULL, &nd, shape)) return NULL;
  ct_tensor *out = run_kernel(t->dtype, nd, shape, 2, (const ct_tensor *[]){t, mask},
                              (ct_dtype[]){t->dtype, CT_BOOL}, masked_fill_loop, &value);
  if (!out || !ct_dtype_is_floating(t->dtype)) return out;
  ct_node *n = ct__node_new("MaskedFillBackward0", masked_fill_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    ct__save(n, mask, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

static ct_tensor *masked_fill_call(const ct_tensor *t, const void *arg) {
  const struct { const ct_tensor *mask; double value; } *a = arg;
  return ct_masked_fill(t, a->mask, a->value);
}

ct_tensor *ct_masked_fill_(ct_tensor *t, const ct_tensor *mask, double value) {
  if (!t || !mask) return NULL;
  if (check_mask(mask) || ct__check_value(value, t->dtype)) return NULL;
  struct { const ct_tensor *mask; double value; } arg = {mask, value};
  return ct__inplace(t, &(ct_inplace_spec){.name = "masked_fill", .result_type = t->dtype,
                                           .other = mask, .other_raw = true,
                                           .loops = masked_fill_loop, .ctx = &value,
                                           .call = masked_fill_call, .arg = &arg});
}

/* ---- lerp ----------------------------------------------------------------------------------- */
typedef struct {
  double w;
} lerp_scalar_args;
CT_ARGS_TYPE(lerp_scalar_args, NULL);

/* out = s + w (e - s), w a number: gs = g (1 - w), ge = g w */
static void lerp_scalar_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double w = CT_ARGS(n, lerp_scalar_args)->w;
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul_scalar(g[0], 1 - w));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_mul_scalar(g[0], w));
}
/* out = s + w (e - s): gs = g (1 - w), ge = g w, gw = g (e - s) (saved s, e, w) */
static void lerp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *w = ct__saved(n, 2);
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul(g[0], ct_rsub_scalar(w, 1)));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_mul(g[0], w));
  if (ct__needs_grad(n, 2))
    gi[2] = ct__sum_to_input(n, 2, ct_mul(g[0], ct_sub(ct__saved(n, 1), ct__saved(n, 0))));
}

static int check_lerp_dtype(const ct_tensor *start, const ct_tensor *t, const char *what) {
  if (t->dtype == start->dtype) return 0;
  return ct__errs("expected dtype %s for `%s` but got dtype %s", cpp_type_name(start->dtype),
                  what, cpp_type_name(t->dtype));
}

/* weight NULL: the number w. */
static ct_tensor *lerp(const ct_tensor *start, const ct_tensor *end, const ct_tensor *weight,
                       double w) {
  if (!start || !end) return NULL;
  if (check_lerp_dtype(start, end, "end") || (weight && check_lerp_dtype(start, weight, "weight")))
    return NULL;
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (broadcast3(start, end, weight, &nd, shape)) return NULL;
  ct_dtype dt = start->dtype;
  if (!ct_dtype_is_floating(dt))
    return ct__err("\"%s\" not implemented for '%s'",
                   weight ? "lerp_kernel_tensor" : "lerp_kernel_scalar", ct__dtype_short(dt));
  ct_tensor *ins[3] = {(ct_tensor *)start, (ct_tensor *)end, (ct_tensor *)weight};
  ct_tensor *out = run_kernel(dt, nd, shape, weight ? 3 : 2, (const ct_tensor *const *)ins,
                              (ct_dtype[]){dt, dt, dt}, weight ? lerp_loop : lerp_s_loop, &w);
  if (!out) return NULL;
  ct_node *n = ct__node_new(weight ? "LerpBackward1" : "LerpBackward0",
                            weight ? lerp_backward : lerp_scalar_backward, weight ? 3 : 2, ins, 1);
  if (n) {
    if (!weight) CT_NEW_ARGS(n, lerp_scalar_args)->w = w;
    if (weight) {
      bool gw = ct__needs_grad(n, 2);
      ct__save(n, gw ? start : NULL, false);
      ct__save(n, gw ? end : NULL, false);
      ct__save(n, weight, false);
    }
    ct__set_history(out, n, 0);
  }
  return out;
}
ct_tensor *ct_lerp(const ct_tensor *start, const ct_tensor *end, const ct_tensor *weight) {
  return weight ? lerp(start, end, weight, 0) : NULL;
}
ct_tensor *ct_lerp_scalar(const ct_tensor *start, const ct_tensor *end, double weight) {
  return lerp(start, end, NULL, weight);
}

/* ---- clamp ---------------------------------------------------------------------------------- */
static void *no_bounds(void) {
  return ct__err("torch.clamp: At least one of 'min' or 'max' must not be None");
}

/* where(mask, g, 0) summed to input i's shape */
static ct_tensor *grad_where(ct_node *n, int i, ct_tensor *mask, ct_tensor *g) {
  return mask ? ct__sum_to_input(n, i, ct_where(mask, g, zero0d(g))) : NULL;
}
static ct_tensor *and_opt(ct_tensor *a, ct_tensor *b) { return !a ? b : !b ? a : ct_logical_and(a, b); }

typedef struct {
  double min, max; /* NaN: none */
} clamp_args;
CT_ARGS_TYPE(clamp_args, NULL);

/* out = clamp(x, lo, hi), lo/hi numbers:
 * gx = g where lo <= x <= hi (the subgradient 1 at the bounds), 0 elsewhere (saved x) */
static void clamp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const clamp_args *a = CT_ARGS(n, clamp_args);
  ct_tensor *x = ct__saved(n, 0);
  if (!x) return;
  ct_tensor *ge = isnan(a->min) ? NULL : ct_ge_scalar(x, a->min);
  ct_tensor *le = isnan(a->max) ? NULL : ct_le_scalar(x, a->max);
  gi[0] = grad_where(n, 0, and_opt(ge, le), g[0]);
}
typedef struct {
  bool has_min, has_max;
} clamp_tensor_args;
CT_ARGS_TYPE(clamp_tensor_args, NULL);

/* out = clamp(x, lo, hi), lo/hi tensors (either absent; saved x, lo, hi):
 *   gx  = g where lo <= x <= hi
 *   glo = g where x < lo (and lo < hi when hi is given)
 *   ghi = g where x > hi (or hi < lo when lo is given) */
static void clamp_tensor_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const clamp_tensor_args *a = CT_ARGS(n, clamp_tensor_args);
  ct_tensor *x = ct__saved(n, 0);
  ct_tensor *lo = a->has_min ? ct__saved(n, 1) : NULL, *hi = a->has_max ? ct__saved(n, 2) : NULL;
  if (!x || (a->has_min && !lo) || (a->has_max && !hi)) return;
  if (ct__needs_grad(n, 0))
    gi[0] = grad_where(n, 0, and_opt(lo ? ct_ge(x, lo) : NULL, hi ? ct_le(x, hi) : NULL), g[0]);
  if (lo && ct__needs_grad(n, 1))
    gi[1] = grad_where(n, 1, and_opt(ct_lt(x, lo), hi ? ct_lt(lo, hi) : NULL), g[0]);
  if (hi && ct__needs_grad(n, 2)) {
    ct_tensor *m = ct_gt(x, hi);
    gi[2] = grad_where(n, 2, lo ? ct_logical_or(m, ct_lt(hi, lo)) : m, g[0]);
  }
}

/* Result dtype of clamp(t, lo, hi) with number bounds: the bounds promote as Python numbers. */
static ct_dtype clamp_result_type(const ct_tensor *t, double lo, double hi) {
  bool fl = (!isnan(lo) && lo != floor(lo)) || (!isnan(hi) && hi != floor(hi));
  CT_OP_BEGIN();
  ct_dtype rt = ct_result_type(t, fl ? ct_wrap_scalar(0.5) : ct_wrap_int(0));
  ct_scope_end();
  return rt;
}

ct_tensor *ct_clamp(const ct_tensor *t, double min, double max) {
  if (!t) return NULL;
  if (isnan(min) && isnan(max)) return no_bounds();
  ct_dtype rt = clamp_result_type(t, min, max);
  clamp_ctx c = {min, max, !isnan(min), !isnan(max)};
  ct_tensor *out = ct__unary_kernel("clamp", t, rt, rt, clamp_loop, &c);
  if (!out || !ct_dtype_is_floating(rt)) return out;
  ct_node *n = ct__node_new("ClampBackward1", clamp_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, clamp_args) = (clamp_args){min, max};
    ct__save(n, t, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

static ct_tensor *clamp_call(const ct_tensor *t, const void *arg) {
  const clamp_ctx *c = arg; /* an absent bound is NaN in lo / hi too */
  return ct_clamp(t, c->lo, c->hi);
}

ct_tensor *ct_clamp_(ct_tensor *t, double min, double max) {
  if (!t) return NULL;
  if (isnan(min) && isnan(max)) return no_bounds();
  clamp_ctx c = {min, max, !isnan(min), !isnan(max)};
  return ct__inplace(t, &(ct_inplace_spec){.name = "clamp",
                                           .result_type = clamp_result_type(t, min, max),
                                           .loops = clamp_loop, .ctx = &c, .needs_input = true,
                                           .call = clamp_call, .arg = &c});
}

ct_tensor *ct_clamp_tensor(const ct_tensor *t, const ct_tensor *min, const ct_tensor *max) {
  if (!t) return NULL;
  if (!min && !max) return no_bounds();
  /* min(max(t, lo), hi): maximum/minimum propagate NaN like PyTorch's clamp kernel */
  bool prev = ct_set_grad_enabled(false);
  CT_OP_BEGIN();
  ct_tensor *out = min ? ct_maximum(t, min) : (ct_tensor *)t;
  if (out && max) out = ct_minimum(out, max);
  out = ct__op_end(out);
  ct_set_grad_enabled(prev);
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_tensor *ins[3] = {(ct_tensor *)t, (ct_tensor *)min, (ct_tensor *)max};
  ct_node *n = ct__node_new("ClampBackward0", clamp_tensor_backward, 3, ins, 1);
  if (n) {
    *CT_NEW_ARGS(n, clamp_tensor_args) = (clamp_tensor_args){min != NULL, max != NULL};
    for (int i = 0; i < 3; i++) ct__save(n, ins[i], false);
    ct__set_history(out, n, 0);
  }
  return out;
}
