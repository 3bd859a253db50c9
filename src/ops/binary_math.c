/* Binary float functions beyond binary.c: logaddexp, logaddexp2, hypot, xlogy,
 * special.xlog1py, copysign, nextafter, heaviside, float_power, isclose; their in-place
 * forms and backward formulas from PyTorch's derivatives.yaml. Promotion as PyTorch:
 * xlogy / xlog1py / copysign take integer inputs to the default float dtype; logaddexp,
 * hypot and nextafter are float-only kernels ("..._cpu" not implemented for 'Long'). */
#include "../internal.h"
#include "elementwise.h"
#include <tgmath.h>

/* ---- scalar functions ------------------------------------------------------------------- */
/* log(e^a + e^b) without overflow; equal infinities give themselves (inf - inf is NaN) */
#define LOGADDEXP(T, p)                                                                  \
  static inline T p##_logaddexp(T a, T b) {                                              \
    if (isinf(a) && a == b) return a;                                                    \
    T m = a > b ? a : b; /* fmax would drop a NaN */                                     \
    if (a != a || b != b) return a + b;                                                  \
    return m + log1p(exp(-fabs(a - b)));                                                 \
  }                                                                                      \
  static inline T p##_logaddexp2(T a, T b) {                                             \
    if (isinf(a) && a == b) return a;                                                    \
    T m = a > b ? a : b;                                                                 \
    if (a != a || b != b) return a + b;                                                  \
    return m + log1p(exp2(-fabs(a - b))) * (T)1.44269504088896340736;                    \
  }                                                                                      \
  /* x log(y), 0 where x == 0 unless y is NaN */                                         \
  static inline T p##_xlogy(T x, T y) {                                                  \
    if (y != y) return y;                                                                \
    return x == 0 ? 0 : x * log(y);                                                      \
  }                                                                                      \
  static inline T p##_xlog1py(T x, T y) {                                                \
    if (y != y) return y;                                                                \
    return x == 0 ? 0 : x * log1p(y);                                                    \
  }                                                                                      \
  /* heaviside: values where x == 0, else x > 0 (NaN x: 0, as PyTorch) */                \
  static inline T p##_heaviside(T x, T v) { return x == 0 ? v : (T)(x > 0); }
LOGADDEXP(float, f)
LOGADDEXP(double, d)
static inline int64_t i_heaviside(int64_t x, int64_t v) { return x == 0 ? v : x > 0; }

/* ---- loops: out (broadcast shape), a, b -> out -------------------------------------------- */
#define PICKF2(fn) CT_PICK_FN(a, f_##fn, d_##fn, d_##fn)(a, b)
CT_BINARY_FLOAT(logaddexp_loop, PICKF2(logaddexp))
CT_BINARY_FLOAT(logaddexp2_loop, PICKF2(logaddexp2))
CT_BINARY_FLOAT(hypot_loop, hypot(a, b))
CT_BINARY_FLOAT(xlogy_loop, PICKF2(xlogy))
CT_BINARY_FLOAT(xlog1py_loop, PICKF2(xlog1py))
CT_BINARY_FLOAT(copysign_loop, copysign(a, b))
/* bfloat16: the next 16-bit pattern toward b, as c10's BFloat16 nextafter (musl's algorithm on
 * the bits); a float32 nextafter rounded back would return a itself. */
static uint16_t bf16_nextafter(uint16_t a, uint16_t b) {
  const uint16_t sign = 0x8000;
  float fa = ct__bf16_to_f32(a), fb = ct__bf16_to_f32(b);
  if (fa != fa || fb != fb) return ct__f32_to_bf16(fa + fb);
  if (a == b) return a;
  uint16_t abs_a = a & ~sign, abs_b = b & ~sign;
  if (abs_a == 0) return abs_b == 0 ? b : (uint16_t)((b & sign) | 1); /* the smallest subnormal */
  return abs_a > abs_b || ((a ^ b) & sign) ? a - 1 : a + 1;
}
CT_FOR_FLOATS_WITH(CT__BINARY_SAME, nextafter_loop, nextafter(a, b), )
CT_BINARY_LOOP(nextafter_loop, uint16_t, uint16_t, bf16, bf16_nextafter(a, b))
static const ct_loop_fn nextafter_loop[CT_NUM_DTYPES] = {
    [CT_FLOAT32] = nextafter_loop_f32, [CT_FLOAT64] = nextafter_loop_f64, [CT_BFLOAT16] = nextafter_loop_bf16};
CT_BINARY_ALL(heaviside_loop, CT_PICK_FN(a, f_heaviside, d_heaviside, i_heaviside)(a, b))

#define IN2(a, b) ((ct_tensor *const[]){(ct_tensor *)(a), (ct_tensor *)(b)})
#define SA ct__saved(n, 0)
#define SB ct__saved(n, 1)

/* Record a two-input node saving a, b (and the output when save_out). */
static ct_tensor *record2(ct_tensor *out, const ct_tensor *a, const ct_tensor *b,
                          const char *name, ct_backward_fn bw, bool save_out) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, 2, IN2(a, b), 1);
  if (n) {
    ct__save(n, a, false);
    ct__save(n, b, false);
    if (save_out) ct__save(n, out, true);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* A float-only kernel: integer and bool results raise PyTorch's "not implemented" error. */
static ct_tensor *float_only(const char *kname, const ct_tensor *a, const ct_tensor *b,
                             const ct_loop_fn *loops) {
  ct_dtype rt = ct_result_type(a, b);
  if (!ct_dtype_is_floating(rt))
    return ct__err("\"%s\" not implemented for '%s'", kname, ct__dtype_short(rt));
  return ct__binary_kernel(kname, a, b, rt, rt, loops, NULL);
}
/* A float function: integer inputs compute in the default float dtype. */
static ct_tensor *float_fn(const char *kname, const ct_tensor *a, const ct_tensor *b,
                           const ct_loop_fn *loops) {
  ct_dtype rt = ct__float_of(ct_result_type(a, b));
  return ct__binary_kernel(kname, a, b, rt, rt, loops, NULL);
}

/* Backward<k> of PyTorch's scalar overloads: 0 tensor/tensor, 1 a number, 2 b a number. */
static const char *overload_name(const ct_tensor *a, const ct_tensor *b, const char *const *names) {
  return names[a->wrapped_number ? 1 : b->wrapped_number ? 2 : 0];
}

/* ---- backward formulas ---------------------------------------------------------------------- */
/* out = logaddexp(a, b): ga = g / (1 + exp(b - a)), gb = g / (1 + exp(a - b)) */
static void logaddexp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0))
    gi[0] = ct__sum_to_input(n, 0, ct_div(g[0], ct_add_scalar(ct_exp(ct_sub(SB, SA)), 1)));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_div(g[0], ct_add_scalar(ct_exp(ct_sub(SA, SB)), 1)));
}
/* out = logaddexp2(a, b): ga = g / (1 + 2^(b - a)), gb = g / (1 + 2^(a - b)) */
static void logaddexp2_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0))
    gi[0] = ct__sum_to_input(n, 0, ct_div(g[0], ct_add_scalar(ct_exp2(ct_sub(SB, SA)), 1)));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_div(g[0], ct_add_scalar(ct_exp2(ct_sub(SA, SB)), 1)));
}
/* out = hypot(a, b): ga = g * a / out, gb = g * b / out */
static void hypot_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *r = ct__saved(n, 2);
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul(g[0], ct_div(SA, r)));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_mul(g[0], ct_div(SB, r)));
}
/* out = xlogy(a, b): ga = g * xlogy(a != 0, b), gb = g * a / b */
static void xlogy_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul(g[0], ct_xlogy(ct_ne_scalar(SA, 0), SB)));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_div(ct_mul(g[0], SA), SB));
}
/* out = xlog1py(a, b): ga = g * xlog1py(a != 0, b), gb = g * a / (b + 1) */
static void xlog1py_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0))
    gi[0] = ct__sum_to_input(n, 0, ct_mul(g[0], ct_special_xlog1py(ct_ne_scalar(SA, 0), SB)));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_div(ct_mul(g[0], SA), ct_add_scalar(SB, 1)));
}
/* out = copysign(a, b): ga = g * out / a (0 where a == 0), gb = 0 */
static void copysign_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *a = SA, *r = ct__saved(n, 2);
  if (ct__needs_grad(n, 0)) {
    ct_tensor *d = ct_mul(g[0], ct_div(r, a));
    gi[0] = ct__sum_to_input(n, 0, ct_where(ct_eq_scalar(a, 0), ct_scalar_tensor(0, r->dtype), d));
  }
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_zeros_like(g[0]));
}
/* nextafter and heaviside: PyTorch has no derivative */
static void nextafter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  (void)n, (void)g, (void)gi;
  ct__err("the derivative for 'nextafter' is not implemented.");
}
static void heaviside_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  (void)n, (void)g, (void)gi;
  ct__err("the derivative for 'heaviside' is not implemented.");
}

/* ---- forward -------------------------------------------------------------------------------- */
ct_tensor *ct_logaddexp(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  return record2(float_only("logaddexp_cpu", a, b, logaddexp_loop), a, b, "LogaddexpBackward0",
                 logaddexp_backward, false);
}
ct_tensor *ct_logaddexp2(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  return record2(float_only("logaddexp2_cpu", a, b, logaddexp2_loop), a, b, "Logaddexp2Backward0",
                 logaddexp2_backward, false);
}
ct_tensor *ct_hypot(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  return record2(float_only("hypot_cpu", a, b, hypot_loop), a, b, "HypotBackward0",
                 hypot_backward, true);
}
ct_tensor *ct_nextafter(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (ct_result_type(a, b) == CT_FLOAT16) return ct__half_refuse("nextafter_cpu", CT_FLOAT16); /* as 1.13 */
  return record2(float_only("nextafter_cpu", a, b, nextafter_loop), a, b, "NextafterBackward0",
                 nextafter_backward, false);
}
ct_tensor *ct_xlogy(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  static const char *const names[] = {"XlogyBackward0", "XlogyBackward1", "XlogyBackward2"};
  return record2(float_fn("xlogy_cpu", a, b, xlogy_loop), a, b, overload_name(a, b, names),
                 xlogy_backward, false);
}
ct_tensor *ct_special_xlog1py(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  static const char *const names[] = {"SpecialXlog1PyBackward0", "SpecialXlog1PyBackward1",
                                      "SpecialXlog1PyBackward2"};
  return record2(float_fn("xlog1py_cpu", a, b, xlog1py_loop), a, b, overload_name(a, b, names),
                 xlog1py_backward, false);
}
ct_tensor *ct_copysign(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  const char *name = b->wrapped_number ? "CopysignBackward1" : "CopysignBackward0";
  return record2(float_fn("copysign_cpu", a, b, copysign_loop), a, b, name, copysign_backward,
                 true);
}
ct_tensor *ct_heaviside(const ct_tensor *a, const ct_tensor *values) {
  if (!a || !values) return NULL;
  if (a->dtype != values->dtype)
    return ct__err("heaviside is not yet implemented for tensors with different dtypes.");
  ct_tensor *out = ct__binary_kernel("heaviside_cpu", a, values, a->dtype, a->dtype,
                                     heaviside_loop, NULL);
  return record2(out, a, values, "torch::autograd::NotImplemented", heaviside_backward, false);
}

/* float_power: both operands in float64, then pow (PowBackward0 / PowBackward1 / 2) */
ct_tensor *ct_float_power(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  CT_OP_BEGIN();
  ct_tensor *a64 = a->dtype == CT_FLOAT64 ? (ct_tensor *)a : ct_to(a, CT_FLOAT64);
  ct_tensor *b64 = (ct_tensor *)b;
  if (b->dtype != CT_FLOAT64 && !b->wrapped_number) b64 = ct_to(b, CT_FLOAT64);
  return ct__op_end(a64 && b64 ? ct_pow(a64, b64) : NULL);
}
ct_tensor *ct_float_power_scalar(const ct_tensor *a, double e) {
  if (!a) return NULL;
  CT_OP_BEGIN();
  return ct__op_end(ct_float_power(a, ct_wrap_scalar(e)));
}

/* isclose: a == b, or both NaN with equal_nan, or |a - b| finite and <= atol + rtol |b|
 * (computed in double). */
typedef struct {
  double rtol, atol;
  bool equal_nan;
} isclose_ctx;
static inline bool isclose1(double a, double b, const isclose_ctx *c) {
  if (a == b) return true;
  if (c->equal_nan && a != a && b != b) return true;
  double d = fabs(a - b);
  return isfinite(d) && d <= c->atol + fabs(c->rtol * b);
}
CT_BINARY_LOOP(isclose_loop, double, bool, f64, isclose1(a, b, ctx))
static const ct_loop_fn isclose_loops[CT_NUM_DTYPES] = {[CT_FLOAT64] = isclose_loop_f64};

ct_tensor *ct_isclose(const ct_tensor *a, const ct_tensor *b, double rtol, double atol,
                      bool equal_nan) {
  if (!a || !b) return NULL;
  if (a->dtype != b->dtype)
    return ct__err("%s did not match %s", ct__dtype_short(a->dtype), ct__dtype_short(b->dtype));
  if (!(rtol >= 0)) return ct__err("rtol must be greater than or equal to zero, but got %g", rtol);
  if (!(atol >= 0)) return ct__err("atol must be greater than or equal to zero, but got %g", atol);
  return ct__binary_kernel("isclose", a, b, CT_FLOAT64, CT_BOOL, isclose_loops,
                           &(isclose_ctx){rtol, atol, equal_nan});
}

/* ---- in-place forms -------------------------------------------------------------------------- */
static ct_tensor *inplace2(ct_tensor *a, const ct_tensor *b, const char *name,
                           const ct_loop_fn *loops, ct_dtype rt,
                           ct_tensor *(*op)(const ct_tensor *, const ct_tensor *)) {
  return ct__inplace(a, &(ct_inplace_spec){.name = name, .result_type = rt, .other = b,
                                           .loops = loops, .needs_input = true, .binary = op});
}
#define FLOAT_ONLY_INPLACE(fn)                                                           \
  ct_tensor *ct_##fn##_(ct_tensor *a, const ct_tensor *b) {                              \
    if (!a || !b) return NULL;                                                           \
    return inplace2(a, b, #fn "_cpu", fn##_loop, ct_result_type(a, b), ct_##fn);          \
  }
FLOAT_ONLY_INPLACE(hypot)
FLOAT_ONLY_INPLACE(nextafter)
#define FLOAT_FN_INPLACE(fn, op)                                                         \
  ct_tensor *ct_##fn##_(ct_tensor *a, const ct_tensor *b) {                              \
    if (!a || !b) return NULL;                                                           \
    return inplace2(a, b, #fn "_cpu", fn##_loop, ct__float_of(ct_result_type(a, b)), op); \
  }
FLOAT_FN_INPLACE(xlogy, ct_xlogy)
FLOAT_FN_INPLACE(copysign, ct_copysign)
ct_tensor *ct_heaviside_(ct_tensor *a, const ct_tensor *values) {
  if (!a || !values) return NULL;
  if (a->dtype != values->dtype)
    return ct__err("heaviside is not yet implemented for tensors with different dtypes.");
  return inplace2(a, values, "heaviside_cpu", heaviside_loop, a->dtype, ct_heaviside);
}
ct_tensor *ct_float_power_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (a->dtype != CT_FLOAT64)
    return ct__err("the base given to float_power_ has dtype %s but the operation's result "
                    "requires dtype Double", ct__dtype_short(a->dtype));
  return inplace2(a, b, "pow", NULL, CT_FLOAT64, ct_float_power);
}

/* Tensor.clamp_(min, max) with tensor bounds (either NULL, not both): each bound must
 * broadcast to t and its promotion cast to t's dtype; the values come from ct_clamp_tensor. */
typedef struct {
  const ct_tensor *min, *max;
} clamp_bounds;
static ct_tensor *clamp_bounds_call(const ct_tensor *t, const void *arg) {
  const clamp_bounds *c = arg;
  return ct_clamp_tensor(t, c->min, c->max);
}
ct_tensor *ct_clamp_tensor_(ct_tensor *t, const ct_tensor *min, const ct_tensor *max) {
  if (!t) return NULL;
  if (!min && !max) return ct_clamp_tensor(t, NULL, NULL); /* its error */
  const ct_tensor *first = min ? min : max, *second = min ? max : NULL;
  if (second && ct__inplace_check(t, second, ct_result_type(t, second))) return NULL;
  return ct__inplace(t, &(ct_inplace_spec){.name = "clamp", .result_type = ct_result_type(t, first),
                                           .other = first, .needs_input = true,
                                           .call = clamp_bounds_call,
                                           .arg = &(clamp_bounds){min, max}});
}
