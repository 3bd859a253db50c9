/* Unary elementwise math ops (neg, abs, sign, exp/log families, sqrt, trig, erf, rounding)
 * and their in-place forms, with backward formulas from PyTorch's derivatives.yaml.
 * Activations (relu, sigmoid, tanh, gelu, silu) live in unary_act.c.
 * Float-valued ops compute int/bool inputs in the default float dtype (exp(int64) -> float32);
 * neg/abs/sign and the rounding ops keep integer dtypes. */
#if defined(__GNUC__) && !defined(__clang__)
/* Without it gcc refuses to if-convert the clamps in ct__expf and friends, so nothing
 * vectorises; we never rely on floating-point traps. */
#pragma GCC optimize("no-trapping-math")
#endif
#include "../internal.h"
#include "../tensor/cpu.h"
#include "elementwise.h"
#include <tgmath.h>

static inline float f_neg(float v) { return -v; }
static inline double d_neg(double v) { return -v; }
static inline int64_t i_abs(int64_t v) { return v < 0 ? ct__i_neg(v) : v; }
static inline int64_t i_sign(int64_t v) { return (v > 0) - (v < 0); }
static inline float f_sign(float v) { return (float)((v > 0) - (v < 0)); }
static inline double d_sign(double v) { return (v > 0) - (v < 0); }

/* ---- loops: out (shape of x), x -> out ---------------------------------------------------- */
CT_UNARY_NUMERIC(neg_loop, CT_PICK(x, f_neg, d_neg, ct__i_neg))
CT_UNARY_NUMERIC(abs_loop, CT_PICK(x, fabsf, fabs, i_abs))
CT_UNARY_ALL(sign_loop, CT_PICK(x, f_sign, d_sign, i_sign))
CT_UNARY_NUMERIC(floor_loop, CT_PICK(x, floorf, floor, ct__i_id))
CT_UNARY_NUMERIC(ceil_loop, CT_PICK(x, ceilf, ceil, ct__i_id))
/* rint rounds half to even in the default rounding mode, like torch.round */
CT_UNARY_NUMERIC(round_loop, CT_PICK(x, rintf, rint, ct__i_id))
CT_UNARY_NUMERIC(trunc_loop, CT_PICK(x, truncf, trunc, ct__i_id))
CT_UNARY_FLOAT(reciprocal_loop, 1 / x)
/* exp is compute-bound: the float32 loop is also built for AVX-512 (the library targets
 * x86-64-v3) and the wider one is chosen at run time where the CPU has it. */
CT_UNARY_LOOP(exp_v3, float, float, f32, ct__expf(x))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("avx512f"))) CT_UNARY_LOOP(exp_v4, float, float, f32, ct__expf(x))
static void exp_loop_f32(char **d, const int64_t *s, int64_t n, void *ctx) {
  (ct__cpu_level() >= CT_CPU_AVX512 ? exp_v4_f32 : exp_v3_f32)(d, s, n, ctx);
}
#else
#define exp_loop_f32 exp_v3_f32
#endif
CT_UNARY_LOOP(exp_loop, double, double, f64, exp(x))
CT_LOOP_TABLE_FLOAT(exp_loop);
CT_UNARY_FLOAT(exp2_loop, exp2(x))
CT_UNARY_FLOAT(expm1_loop, expm1(x))
CT_UNARY_FLOAT(log_loop, log(x))
CT_UNARY_FLOAT(log2_loop, log2(x))
CT_UNARY_FLOAT(log10_loop, log10(x))
CT_UNARY_FLOAT(log1p_loop, log1p(x))
CT_UNARY_FLOAT(sqrt_loop, sqrt(x))
CT_UNARY_FLOAT(rsqrt_loop, 1 / sqrt(x))
CT_UNARY_FLOAT(sin_loop, sin(x))
CT_UNARY_FLOAT(cos_loop, cos(x))
CT_UNARY_FLOAT(tan_loop, tan(x))
CT_UNARY_FLOAT(erf_loop, erf(x))

/* Run loops over t (in the default float dtype when float_valued) and record the node. */
static ct_tensor *unary(const ct_tensor *t, bool float_valued, const char *kname,
                        const ct_loop_fn *loops, const char *bwname, ct_backward_fn bw, int save) {
  if (!t) return NULL;
  ct_dtype dt = float_valued ? ct__float_of(t->dtype) : t->dtype;
  return ct__ew_record1(ct__unary_kernel(kname, t, dt, dt, loops, NULL), t, bwname, bw, save);
}

/* Saved tensor 0 of the node (the input or the output, per the op). */
#define S0 ct__saved(n, 0)

/* ---- backward formulas ------------------------------------------------------------------ */
/* out = -x: gx = -g */
static void neg_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) { gi[0] = ct_neg(g[0]); }
/* out = |x|: gx = g * sgn(x) */
static void abs_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_sign(S0));
}
/* out = sign(x), floor, ceil, round, trunc: piecewise constant, gx = 0 */
static void zero_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_zeros_like(g[0]);
}
/* out = 1 / x: gx = -g * out^2 */
static void reciprocal_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = S0;
  gi[0] = ct_mul(ct_neg(g[0]), ct_mul(y, y));
}
/* out = exp(x): gx = g * out */
static void exp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) { gi[0] = ct_mul(g[0], S0); }
/* out = 2^x: gx = g * out * ln 2 */
static void exp2_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul_scalar(ct_mul(g[0], S0), M_LN2);
}
/* out = exp(x) - 1: gx = g * (out + 1) */
static void expm1_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_add_scalar(S0, 1));
}
/* out = log(x): gx = g / x */
static void log_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) { gi[0] = ct_div(g[0], S0); }
/* out = log2(x): gx = g / (x * ln 2) */
static void log2_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_mul_scalar(S0, 0.6931471805599453));
}
/* out = log10(x): gx = g / (x * ln 10) */
static void log10_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_mul_scalar(S0, 2.3025850929940456));
}
/* out = log(1 + x): gx = g / (x + 1) */
static void log1p_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_add_scalar(S0, 1));
}
/* out = sqrt(x): gx = g / (2 * out) */
static void sqrt_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_mul_scalar(S0, 2));
}
/* out = x^-1/2: gx = -0.5 * g * out^3 */
static void rsqrt_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(ct_mul_scalar(g[0], -0.5), ct_pow_scalar(S0, 3));
}
/* out = sin(x): gx = g * cos(x) */
static void sin_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_cos(S0));
}
/* out = cos(x): gx = g * -sin(x) */
static void cos_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_neg(ct_sin(S0)));
}
/* out = tan(x): gx = g * (1 + out^2) */
static void tan_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = S0;
  gi[0] = ct_mul(g[0], ct_add_scalar(ct_mul(y, y), 1));
}
/* out = erf(x): gx = 2 / sqrt(pi) * exp(-x^2) * g */
static void erf_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = S0;
  gi[0] = ct_mul(ct_mul_scalar(ct_exp(ct_neg(ct_mul(x, x))), M_2_SQRTPI), g[0]);
}

/* ---- forward ------------------------------------------------------------------------------ */
#define FLOAT_OP(fn, name, save)                                                        \
  ct_tensor *ct_##fn(const ct_tensor *t) {                                              \
    return unary(t, true, #fn, fn##_loop, name, fn##_backward, save);                   \
  }
FLOAT_OP(reciprocal, "ReciprocalBackward0", CT_SAVE_OUTPUT)
FLOAT_OP(exp, "ExpBackward0", CT_SAVE_OUTPUT)
FLOAT_OP(exp2, "Exp2Backward0", CT_SAVE_OUTPUT)
FLOAT_OP(expm1, "Expm1Backward0", CT_SAVE_OUTPUT)
FLOAT_OP(log, "LogBackward0", CT_SAVE_INPUT)
FLOAT_OP(log2, "Log2Backward0", CT_SAVE_INPUT)
FLOAT_OP(log10, "Log10Backward0", CT_SAVE_INPUT)
FLOAT_OP(log1p, "Log1PBackward0", CT_SAVE_INPUT)
FLOAT_OP(sqrt, "SqrtBackward0", CT_SAVE_OUTPUT)
FLOAT_OP(rsqrt, "RsqrtBackward0", CT_SAVE_OUTPUT)
FLOAT_OP(sin, "SinBackward0", CT_SAVE_INPUT)
FLOAT_OP(cos, "CosBackward0", CT_SAVE_INPUT)
FLOAT_OP(tan, "TanBackward0", CT_SAVE_OUTPUT)
FLOAT_OP(erf, "ErfBackward0", CT_SAVE_INPUT)

ct_tensor *ct_neg(const ct_tensor *t) {
  if (t && t->dtype == CT_BOOL)
    return ct__err("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                   "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  return unary(t, false, "neg", neg_loop, "NegBackward0", neg_backward, CT_SAVE_NONE);
}
ct_tensor *ct_abs(const ct_tensor *t) {
  return unary(t, false, "abs_cpu", abs_loop, "AbsBackward0", abs_backward, CT_SAVE_INPUT);
}
ct_tensor *ct_sign(const ct_tensor *t) {
  return unary(t, false, "sign_cpu", sign_loop, "SignBackward0", zero_backward, CT_SAVE_NONE);
}
ct_tensor *ct_square(const ct_tensor *t) { return ct_pow_scalar(t, 2); }

#define ROUND_OP(fn, name)                                                              \
  ct_tensor *ct_##fn(const ct_tensor *t) {                                              \
    return unary(t, false, #fn "_vml_cpu", fn##_loop, name, zero_backward, CT_SAVE_NONE); \
  }
ROUND_OP(floor, "FloorBackward0")
ROUND_OP(ceil, "CeilBackward0")
ROUND_OP(round, "RoundBackward0")
ROUND_OP(trunc, "TruncBackward0")

/* ---- in-place forms ------------------------------------------------------------------------ */
#define INPLACE_OP(fn, float_valued, reads_input)                                        \
  ct_tensor *ct_##fn##_(ct_tensor *t) {                                                  \
    if (!t) return NULL;                                                                 \
    ct_dtype rt = float_valued ? ct__float_of(t->dtype) : t->dtype;                      \
    return ct__inplace(t, &(ct_inplace_spec){.name = #fn, .result_type = rt,            \
                                             .loops = fn##_loop, .needs_input = reads_input, \
                                             .unary = ct_##fn});                         \
  }
INPLACE_OP(neg, false, false)
INPLACE_OP(abs, false, true)
INPLACE_OP(exp, true, false)
INPLACE_OP(log, true, true)
INPLACE_OP(sqrt, true, false)
INPLACE_OP(sin, true, true)
INPLACE_OP(cos, true, true)
INPLACE_OP(floor, false, false)
INPLACE_OP(ceil, false, false)
INPLACE_OP(round, false, false)
INPLACE_OP(trunc, false, false)
