/* Binary elementwise ops beyond arith.c: div with rounding modes, floor_divide, remainder,
 * fmod, pow (tensor/scalar exponent, scalar base, integer powers), atan2, minimum, maximum,
 * their scalar and in-place forms, and backward formulas from PyTorch's derivatives.yaml
 * (pow_backward, pow_backward_self, pow_backward_exponent in FunctionsManual.cpp). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math") /* see unary.c: lets the loops vectorise */
#endif
#include "../internal.h"
#include "elementwise.h"
#include <tgmath.h>

/* ---- scalar helpers: integer forms take ctx (an int flag set on division by zero) --------- */
static inline void zero_div(void *ctx) { __atomic_store_n((int *)ctx, 1, __ATOMIC_RELAXED); }

/* b == -1 is special-cased: INT64_MIN / -1 overflows in C, PyTorch's result wraps. */
static inline int64_t i_divtrunc(int64_t a, int64_t b, void *ctx) {
  if (b == 0) return zero_div(ctx), 0;
  return b == -1 ? ct__i_neg(a) : a / b;
}
static inline int64_t i_divfloor(int64_t a, int64_t b, void *ctx) {
  if (b == 0) return zero_div(ctx), 0;
  if (b == -1) return ct__i_neg(a);
  int64_t q = a / b, r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? q - 1 : q;
}
static inline int64_t i_rem(int64_t a, int64_t b, void *ctx) {
  if (b == 0) return zero_div(ctx), 0;
  if (b == -1) return 0;
  int64_t r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}
static inline int64_t i_fmod(int64_t a, int64_t b, void *ctx) {
  if (b == 0) return zero_div(ctx), 0;
  return b == -1 ? 0 : a % b;
}
/* Integer power by squaring, wrapping; negative exponents give 0 except for bases 1 and -1. */
static inline int64_t i_pow(int64_t a, int64_t e, void *ctx) {
  (void)ctx;
  if (e < 0) return a == 1 ? 1 : a == -1 ? (e & 1 ? -1 : 1) : 0;
  uint64_t r = 1, x = (uint64_t)a;
  for (; e; e >>= 1, x *= x)
    if (e & 1) r *= x;
  return (int64_t)r;
}
static inline int64_t i_min(int64_t a, int64_t b, void *ctx) { return (void)ctx, a < b ? a : b; }
static inline int64_t i_max(int64_t a, int64_t b, void *ctx) { return (void)ctx, a > b ? a : b; }

/* Float forms: PyTorch's div_floor_floating (Python's float //) and Python's modulus. */
#define FLOAT_HELPERS(T, p)                                                               \
  static inline T p##_divtrunc(T a, T b, void *ctx) { return (void)ctx, trunc(a / b); }    \
  static inline T p##_divfloor(T a, T b, void *ctx) {                                     \
    (void)ctx;                                                                            \
    if (b == 0) return a / b;                                                             \
    T mod = fmod(a, b), div = (a - mod) / b;                                              \
    if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;                                       \
    if (div == 0) return copysign((T)0, a / b);                                           \
    T fl = floor(div);                                                                    \
    return div - fl > (T)0.5 ? fl + 1 : fl;                                               \
  }                                                                                       \
  static inline T p##_rem(T a, T b, void *ctx) {                                          \
    (void)ctx;                                                                            \
    T mod = fmod(a, b);                                                                   \
    return mod != 0 && (b < 0) != (mod < 0) ? mod + b : mod;                              \
  }                                                                                       \
  static inline T p##_fmod(T a, T b, void *ctx) { return (void)ctx, fmod(a, b); }          \
  static inline T p##_pow(T a, T b, void *ctx) { return (void)ctx, pow(a, b); }            \
  /* NaN propagates, like torch.minimum / maximum */                                      \
  static inline T p##_min(T a, T b, void *ctx) {                                          \
    return (void)ctx, a != a ? a : b != b ? b : a < b ? a : b;                            \
  }                                                                                       \
  static inline T p##_max(T a, T b, void *ctx) {                                          \
    return (void)ctx, a != a ? a : b != b ? b : a > b ? a : b;                            \
  }
FLOAT_HELPERS(float, f)
FLOAT_HELPERS(double, d)

/* ---- loops: out (broadcast shape), a, b -> out --------------------------------------------- */
#define PICK2(fn) CT_PICK_FN(a, f_##fn, d_##fn, i_##fn)(a, b, ctx)
CT_BINARY_NUMERIC(divtrunc_loop, PICK2(divtrunc))
CT_BINARY_NUMERIC(divfloor_loop, PICK2(divfloor))
CT_BINARY_NUMERIC(rem_loop, PICK2(rem))
CT_BINARY_NUMERIC(fmod_loop, PICK2(fmod))
CT_BINARY_NUMERIC(pow_loop, PICK2(pow))
CT_BINARY_FLOAT(atan2_loop, atan2(a, b))
CT_BINARY_LOOP(min_loop, bool, bool, b, a && b)
CT_BINARY_NUMERIC_LOOPS(min_loop, PICK2(min))
CT_LOOP_TABLE_ALL(min_loop);
CT_BINARY_LOOP(max_loop, bool, bool, b, a || b)
CT_BINARY_NUMERIC_LOOPS(max_loop, PICK2(max))
CT_LOOP_TABLE_ALL(max_loop);

/* pow with a scalar exponent (a double in ctx): PyTorch's special cases, then pow(). */
CT_UNARY_FLOAT(pow_sq_loop, x * x)
CT_UNARY_FLOAT(pow_cube_loop, x * x * x)
CT_UNARY_FLOAT(pow_sqrt_loop, sqrt(x))
CT_UNARY_FLOAT(pow_rsqrt_loop, 1 / sqrt(x))
CT_UNARY_FLOAT(pow_recip_loop, 1 / x)
CT_UNARY_FLOAT(pow_rsq_loop, 1 / (x * x))
CT_UNARY_LOOP(pow_s_loop, float, float, f32, pow(x, (float)*(const double *)ctx))
CT_UNARY_LOOP(pow_s_loop, double, double, f64, pow(x, *(const double *)ctx))
CT_LOOP_TABLE_FLOAT(pow_s_loop);
CT_UNARY_NUMERIC(pow_si_loop, i_pow(x, (int64_t) * (const double *)ctx, NULL))

static const ct_loop_fn *pow_scalar_loops(double e, ct_dtype dt) {
  if (!ct_dtype_is_floating(dt)) return pow_si_loop;
  return e == 2      ? pow_sq_loop
         : e == 3    ? pow_cube_loop
         : e == 0.5  ? pow_sqrt_loop
         : e == -0.5 ? pow_rsqrt_loop
         : e == -1   ? pow_recip_loop
         : e == -2   ? pow_rsq_loop
                     : pow_s_loop;
}

/* ---- helpers --------------------------------------------------------------------------- */
#define IN2(a, b) ((ct_tensor *const[]){(ct_tensor *)(a), (ct_tensor *)(b)})

static ct_tensor *zero0d(const ct_tensor *like) { return ct_scalar_tensor(0, like->dtype); }

/* Zeros shaped and typed like input i of n. */
static ct_tensor *zeros_of_input(ct_node *n, int i) {
  return ct_zeros_ex(n->in[i].ndim, n->in[i].shape, CT_TENSOR_OPTS(.dtype = n->in[i].dtype));
}

/* Integer kernels that may divide by zero: run, then raise Python's error. */
static ct_tensor *checked_kernel(const char *name, const ct_tensor *a, const ct_tensor *b,
                                 ct_dtype rt, const ct_loop_fn *loops) {
  int zero = 0;
  ct_tensor *out = ct__binary_kernel(name, a, b, rt, rt, loops, &zero);
  return out && zero ? ct__err("ZeroDivisionError") : out;
}

/* ---- backward formulas ---------------------------------------------------------------------- */
/* out = div(a, b, rounding_mode): piecewise constant, ga = gb = 0 */
static void div_mode_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  for (int i = 0; i < 2; i++)
    if (ct__needs_grad(n, i)) gi[i] = zeros_of_input(n, i);
}
static void floor_divide_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct__err("derivative for aten::floor_divide is not implemented");
}
typedef struct {
  ct_rounding mode;
} mod_args;
CT_ARGS_TYPE(mod_args, NULL);

/* out = a - b * div(a, b, mode) (remainder: floor, fmod: trunc): ga = g, gb = -g * div(a, b)
 * (saved a, b) */
static void mod_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, g[0]);
  if (ct__needs_grad(n, 1)) {
    ct_tensor *q = ct_div_mode(ct__saved(n, 0), ct__saved(n, 1), CT_ARGS(n, mod_args)->mode);
    gi[1] = ct__sum_to_input(n, 1, ct_mul(ct_neg(g[0]), q));
  }
}
typedef struct {
  double e;
} pow_scalar_args;
CT_ARGS_TYPE(pow_scalar_args, NULL);

/* out = a^e, e scalar: ga = 0 if e == 0 else g * e * a^(e-1) (saved a) */
static void pow_scalar_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double e = CT_ARGS(n, pow_scalar_args)->e;
  ct_tensor *a = ct__saved(n, 0);
  gi[0] = e == 0 ? ct_zeros_like(a) : ct_mul(g[0], ct_mul_scalar(ct_pow_scalar(a, e - 1), e));
}
/* out = a^b (saved a, b, out):
 *   ga = where(b == 0, 0, g * b * a^(b-1))
 *   gb = g * where(a == 0 & b >= 0, 0, out * log(a))
 * PowBackward2 (a a Python number) uses the same gb. */
static void pow_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *a = ct__saved(n, 0), *b = ct__saved(n, 1);
  if (!a || !b) return;
  if (ct__needs_grad(n, 0)) {
    ct_tensor *d = ct_mul(g[0], ct_mul(b, ct_pow(a, ct_sub_scalar(b, 1))));
    gi[0] = ct__sum_to_input(n, 0, ct_where(ct_eq_scalar(b, 0), zero0d(g[0]), d));
  }
  if (ct__needs_grad(n, 1)) {
    ct_tensor *out = ct__saved(n, 2);
    ct_tensor *cond = ct_logical_and(ct_eq_scalar(a, 0), ct_ge_scalar(b, 0));
    /* log in the result's dtype: a Python-number base must not round through float32 */
    ct_tensor *d = out ? ct_where(cond, zero0d(g[0]), ct_mul(out, ct_log(ct_to(a, out->dtype)))) : NULL;
    gi[1] = ct__sum_to_input(n, 1, ct_mul(g[0], d));
  }
}
/* out = atan2(a, b): ga = g * b / (a^2 + b^2), gb = g * -a / (a^2 + b^2) */
static void atan2_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *a = ct__saved(n, 0), *b = ct__saved(n, 1);
  ct_tensor *recip = ct_reciprocal(ct_add(ct_mul(a, a), ct_mul(b, b)));
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul(ct_mul(g[0], b), recip));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_mul(ct_mul(g[0], ct_neg(a)), recip));
}
typedef struct {
  bool max;
} minmax_args;
CT_ARGS_TYPE(minmax_args, NULL);

/* out = minimum(a, b) / maximum(a, b): the gradient goes to the
 * selected input, split in half on ties:
 *   ga = where(a == b, g / 2, g).masked_fill(a loses, 0), gb likewise */
static void minmax_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  bool max = CT_ARGS(n, minmax_args)->max;
  ct_tensor *a = ct__saved(n, 0), *b = ct__saved(n, 1);
  ct_tensor *shared = ct_where(ct_eq(a, b), ct_mul_scalar(g[0], 0.5), g[0]);
  ct_tensor *a_gt = ct_gt(a, b), *a_lt = ct_lt(a, b);
  if (ct__needs_grad(n, 0))
    gi[0] = ct__sum_to_input(n, 0, ct_masked_fill(shared, max ? a_lt : a_gt, 0));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_masked_fill(shared, max ? a_gt : a_lt, 0));
}

/* Record a two-input node saving a and b (and the output when save_out), with a copy of
 * args of type `type` when type is not NULL (inline-sized). */
static ct_tensor *record2(ct_tensor *out, const ct_tensor *a, const ct_tensor *b,
                          const char *name, ct_backward_fn bw, bool save_ab, bool save_out,
                          const ct_args_type *type, const void *args) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, 2, IN2(a, b), 1);
  if (n) {
    if (type) memcpy(ct__node_new_args(n, type, 0), args, type->size);
    if (save_ab) {
      ct__save(n, a, false);
      ct__save(n, b, false);
    }
    if (save_out) ct__save(n, out, true);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- forward ---------------------------------------------------------------------------- */
ct_tensor *ct_div_mode(const ct_tensor *a, const ct_tensor *b, ct_rounding mode) {
  if (mode == CT_ROUND_NONE) return ct_div(a, b);
  if (!a || !b) return NULL;
  if (mode != CT_ROUND_TRUNC && mode != CT_ROUND_FLOOR)
    return ct__err("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                   "found '%d'", (int)mode);
  bool trunc_mode = mode == CT_ROUND_TRUNC;
  ct_tensor *out = checked_kernel(trunc_mode ? "div_trunc_cpu" : "div_floor_cpu", a, b,
                                  ct_result_type(a, b), trunc_mode ? divtrunc_loop : divfloor_loop);
  return record2(out, a, b, "DivBackward2", div_mode_backward, false, false, NULL, NULL);
}

ct_tensor *ct_floor_divide(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  ct_tensor *out = checked_kernel("div_floor_cpu", a, b, ct_result_type(a, b), divfloor_loop);
  return record2(out, a, b, "torch::autograd::NotImplemented", floor_divide_backward, false,
                 false, NULL, NULL);
}

/* remainder (floor) and fmod (trunc): a Python-number divisor gives the Backward0 node. */
static ct_tensor *modulo(const ct_tensor *a, const ct_tensor *b, bool fmod_mode) {
  if (!a || !b) return NULL;
  ct_tensor *out = checked_kernel(fmod_mode ? "fmod_cpu" : "remainder_cpu", a, b,
                                  ct_result_type(a, b), fmod_mode ? fmod_loop : rem_loop);
  const char *name = fmod_mode ? (b->wrapped_number ? "FmodBackward0" : "FmodBackward1")
                               : (b->wrapped_number ? "RemainderBackward0" : "RemainderBackward1");
  return record2(out, a, b, name, mod_backward, b->requires_grad, false, &mod_args_type,
                 &(mod_args){fmod_mode ? CT_ROUND_TRUNC : CT_ROUND_FLOOR});
}
ct_tensor *ct_remainder(const ct_tensor *a, const ct_tensor *b) { return modulo(a, b, false); }
ct_tensor *ct_fmod(const ct_tensor *a, const ct_tensor *b) { return modulo(a, b, true); }

/* a ** e for a Python-number exponent e. */
static ct_tensor *pow_scalar_exp(const ct_tensor *a, double e, ct_dtype rt) {
  if (!ct_dtype_is_floating(rt) && e < 0)
    return ct__err("Integers to negative integer powers are not allowed.");
  ct_tensor *out;
  if (e == 0) {
    out = ct_ones_ex(a->ndim, a->shape, CT_TENSOR_OPTS(.dtype = rt));
  } else if (e == 1) {
    out = ct__empty(rt, a->ndim, a->shape);
    if (out) ct__copy_into(out, a);
  } else {
    out = ct__unary_kernel("pow", a, rt, rt, pow_scalar_loops(e, rt), &e);
  }
  if (!out || !ct_dtype_is_floating(rt)) return out;
  ct_node *n = ct__node_new("PowBackward0", pow_scalar_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)a}, 1);
  if (n) {
    CT_NEW_ARGS(n, pow_scalar_args)->e = e;
    ct__save(n, a, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_pow(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct_result_type(a, b);
  if (rt == CT_BOOL) return ct__err("\"pow\" not implemented for 'Bool'");
  if (b->wrapped_number && !a->wrapped_number) return pow_scalar_exp(a, ct_item(b), rt);
  ct_tensor *out = ct__binary_kernel("pow", a, b, rt, rt, pow_loop, NULL);
  return record2(out, a, b, a->wrapped_number ? "PowBackward2" : "PowBackward1", pow_backward,
                 true, true, NULL, NULL);
}

ct_tensor *ct_atan2(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct__float_of(ct_result_type(a, b));
  ct_tensor *out = ct__binary_kernel("atan2", a, b, rt, rt, atan2_loop, NULL);
  return record2(out, a, b, "Atan2Backward0", atan2_backward, true, false, NULL, NULL);
}

static ct_tensor *minmax(const ct_tensor *a, const ct_tensor *b, bool max) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct_result_type(a, b);
  ct_tensor *out = ct__binary_kernel(max ? "maximum_cpu" : "minimum_cpu", a, b, rt, rt,
                                     max ? max_loop : min_loop, NULL);
  return record2(out, a, b, max ? "MaximumBackward0" : "MinimumBackward0", minmax_backward, true,
                 false, &minmax_args_type, &(minmax_args){max});
}
ct_tensor *ct_minimum(const ct_tensor *a, const ct_tensor *b) { return minmax(a, b, false); }
ct_tensor *ct_maximum(const ct_tensor *a, const ct_tensor *b) { return minmax(a, b, true); }

/* ---- scalar forms: the scalar is a wrapped Python number --------------------------------- */
#define SCALAR_FORM(fn, expr)                                                   \
  ct_tensor *fn {                                                               \
    if (!a) return NULL;                                                        \
    CT_OP_BEGIN();                                                              \
    ct_tensor *w = ct__wrap_number(s);                                          \
    return ct__op_end(expr);                                                    \
  }
SCALAR_FORM(ct_pow_scalar(const ct_tensor *a, double s), ct_pow(a, w))
SCALAR_FORM(ct_rpow_scalar(double s, const ct_tensor *a), ct_pow(w, a))
SCALAR_FORM(ct_remainder_scalar(const ct_tensor *a, double s), ct_remainder(a, w))
SCALAR_FORM(ct_fmod_scalar(const ct_tensor *a, double s), ct_fmod(a, w))

/* ---- in-place forms -------------------------------------------------------------------------- */
ct_tensor *ct_pow_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct_result_type(a, b);
  if (rt == CT_BOOL) return ct__err("\"pow\" not implemented for 'Bool'");
  return ct__inplace(a, &(ct_inplace_spec){.result_type = rt, .other = b, .needs_input = true,
                                           .binary = ct_pow});
}
ct_tensor *ct_pow_scalar_(ct_tensor *a, double s) {
  if (!a) return NULL;
  CT_OP_BEGIN();
  ct_tensor *r = ct_pow_(a, ct__wrap_number(s));
  ct_scope_end();
  return r;
}
