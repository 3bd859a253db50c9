/* Integer elementwise ops: bitwise and / or / xor / not, left and right shifts, gcd, lcm,
 * and their in-place forms. Integer dtypes (and bool, where PyTorch takes it) only; float
 * inputs raise PyTorch's "..._cpu" not implemented for 'Float'. Never differentiable. */
#include "../internal.h"
#include "elementwise.h"

/* ---- scalar functions (each in the operands' own type T) ------------------------------------ */
/* Shifts as PyTorch 1.13's CPU kernels compute them: C shifts on x86, so types narrower
 * than int shift as int and the count is taken modulo 32 (64 for int64); left shifts wrap.
 * W is the promoted width's unsigned type. */
#define SHIFTS(T, tn, W, SW)                                                              \
  static inline T lshift_##tn(T a, T b) {                                                 \
    return (T)((W)(SW)a << ((W)(SW)b & (sizeof(W) * 8 - 1)));                             \
  }                                                                                       \
  static inline T rshift_##tn(T a, T b) {                                                 \
    return (T)((SW)a >> ((W)(SW)b & (sizeof(W) * 8 - 1)));                                \
  }
SHIFTS(uint8_t, u8, uint32_t, int32_t)
SHIFTS(int8_t, i8, uint32_t, int32_t)
SHIFTS(int16_t, i16, uint32_t, int32_t)
SHIFTS(int32_t, i32, uint32_t, int32_t)
SHIFTS(int64_t, i64, uint64_t, int64_t)

/* gcd of |a| and |b| by Euclid in T, |T_MIN| wrapping to itself as in PyTorch (so
 * gcd(INT64_MIN, 6) is -2); lcm = |a / gcd * b|, 0 when gcd is 0, the product and its
 * absolute value taken in W (int for the narrow types, as C promotes them), wrapping. */
#define GCD(T, tn, UT, W, UW)                                                                    \
  static inline T abs_##tn(T v) { return v < 0 ? (T)(0 - (UT)v) : v; }                    \
  static inline T gcd_##tn(T a, T b) {                                                    \
    a = abs_##tn(a), b = abs_##tn(b);                                                     \
    while (a != 0) {                                                                      \
      T c = a;                                                                            \
      a = (T)(b % a);                                                                     \
      b = c;                                                                              \
    }                                                                                     \
    return b;                                                                             \
  }                                                                                       \
  static inline T lcm_##tn(T a, T b) {                                                    \
    T g = gcd_##tn(a, b);                                                                 \
    if (g == 0) return 0;                                                                 \
    W p = (W)((UW)(W)(a / g) * (UW)(W)b);                                                 \
    return (T)(p < 0 ? (W)(0 - (UW)p) : p);                                               \
  }
GCD(int8_t, i8, uint8_t, int32_t, uint32_t)
GCD(int16_t, i16, uint16_t, int32_t, uint32_t)
GCD(int32_t, i32, uint32_t, int32_t, uint32_t)
GCD(int64_t, i64, uint64_t, int64_t, uint64_t)
static inline uint8_t gcd_u8(uint8_t a, uint8_t b) {
  while (a != 0) {
    uint8_t c = a;
    a = (uint8_t)(b % a);
    b = c;
  }
  return b;
}
static inline uint8_t lcm_u8(uint8_t a, uint8_t b) {
  uint8_t g = gcd_u8(a, b);
  return g == 0 ? 0 : (uint8_t)(a / g * b);
}

/* ---- loops: out (broadcast shape), a, b -> out; integer and bool tables ----------------------- */
/* GEN (CT_BINARY_LOOP or CT_UNARY_LOOP) once per integer dtype */
#define FOR_INTS(GEN, name, EXPR)                                                        \
  GEN(name, uint8_t, uint8_t, u8, EXPR)                                                  \
  GEN(name, int8_t, int8_t, i8, EXPR)                                                    \
  GEN(name, int16_t, int16_t, i16, EXPR)                                                 \
  GEN(name, int32_t, int32_t, i32, EXPR)                                                 \
  GEN(name, int64_t, int64_t, i64, EXPR)
#define INT_LOOPS(name, EXPR) FOR_INTS(CT_BINARY_LOOP, name, EXPR)
#define INT_ENTRIES(name)                                                                \
  [CT_UINT8] = name##_u8, [CT_INT8] = name##_i8, [CT_INT16] = name##_i16,                \
  [CT_INT32] = name##_i32, [CT_INT64] = name##_i64
INT_LOOPS(and_loop, a & b)
INT_LOOPS(or_loop, a | b)
INT_LOOPS(xor_loop, a ^ b)
CT_BINARY_LOOP(and_loop, bool, bool, b, a && b)
CT_BINARY_LOOP(or_loop, bool, bool, b, a || b)
CT_BINARY_LOOP(xor_loop, bool, bool, b, a != b)
static const ct_loop_fn and_loops[CT_NUM_DTYPES] = {INT_ENTRIES(and_loop), [CT_BOOL] = and_loop_b};
static const ct_loop_fn or_loops[CT_NUM_DTYPES] = {INT_ENTRIES(or_loop), [CT_BOOL] = or_loop_b};
static const ct_loop_fn xor_loops[CT_NUM_DTYPES] = {INT_ENTRIES(xor_loop), [CT_BOOL] = xor_loop_b};
/* the function of a's type: _Generic on a picks lshift_<tn>, gcd_<tn> ... */
#define SHIFT_OF(dir, a, b)                                                              \
  _Generic((a), uint8_t: dir##_u8, int8_t: dir##_i8, int16_t: dir##_i16,                 \
           int32_t: dir##_i32, default: dir##_i64)(a, b)
INT_LOOPS(lshift_loop, SHIFT_OF(lshift, a, b))
INT_LOOPS(rshift_loop, SHIFT_OF(rshift, a, b))
static const ct_loop_fn lshift_loops[CT_NUM_DTYPES] = {INT_ENTRIES(lshift_loop)};
static const ct_loop_fn rshift_loops[CT_NUM_DTYPES] = {INT_ENTRIES(rshift_loop)};
INT_LOOPS(gcd_loop, SHIFT_OF(gcd, a, b))
INT_LOOPS(lcm_loop, SHIFT_OF(lcm, a, b))
static const ct_loop_fn gcd_loops[CT_NUM_DTYPES] = {INT_ENTRIES(gcd_loop)};
static const ct_loop_fn lcm_loops[CT_NUM_DTYPES] = {INT_ENTRIES(lcm_loop)};
/* out (shape of x), x -> out */
FOR_INTS(CT_UNARY_LOOP, not_loop, ~x)
CT_UNARY_LOOP(not_loop, bool, bool, b, !x)
static const ct_loop_fn not_loops[CT_NUM_DTYPES] = {INT_ENTRIES(not_loop), [CT_BOOL] = not_loop_b};

/* ---- forward ---------------------------------------------------------------------------------- */
/* loops[result type] over a and b: a missing loop raises "<kname>" not implemented for '<T>' */
static ct_tensor *int_op(const char *kname, const ct_tensor *a, const ct_tensor *b,
                         const ct_loop_fn *loops) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct_result_type(a, b);
  return ct__binary_kernel(kname, a, b, rt, rt, loops, NULL);
}
ct_tensor *ct_bitwise_and(const ct_tensor *a, const ct_tensor *b) {
  return int_op("bitwise_and_cpu", a, b, and_loops);
}
ct_tensor *ct_bitwise_or(const ct_tensor *a, const ct_tensor *b) {
  return int_op("bitwise_or_cpu", a, b, or_loops);
}
ct_tensor *ct_bitwise_xor(const ct_tensor *a, const ct_tensor *b) {
  return int_op("bitwise_xor_cpu", a, b, xor_loops);
}
ct_tensor *ct_bitwise_left_shift(const ct_tensor *a, const ct_tensor *b) {
  return int_op("lshift_cpu", a, b, lshift_loops);
}
ct_tensor *ct_bitwise_right_shift(const ct_tensor *a, const ct_tensor *b) {
  return int_op("rshift_cpu", a, b, rshift_loops);
}
ct_tensor *ct_gcd(const ct_tensor *a, const ct_tensor *b) { return int_op("gcd_cpu", a, b, gcd_loops); }
ct_tensor *ct_lcm(const ct_tensor *a, const ct_tensor *b) { return int_op("lcm_cpu", a, b, lcm_loops); }
ct_tensor *ct_bitwise_not(const ct_tensor *t) {
  return t ? ct__unary_kernel("bitwise_not_cpu", t, t->dtype, t->dtype, not_loops, NULL) : NULL;
}

/* ---- in-place forms ------------------------------------------------------------------------ */
#define INT_INPLACE(fn, kname, tbl)                                                    \
  ct_tensor *ct_##fn##_(ct_tensor *a, const ct_tensor *b) {                              \
    if (!a || !b) return NULL;                                                           \
    return ct__inplace(a, &(ct_inplace_spec){.name = kname, .result_type = ct_result_type(a, b), \
                                             .other = b, .loops = tbl, .binary = ct_##fn}); \
  }
INT_INPLACE(bitwise_and, "bitwise_and_cpu", and_loops)
INT_INPLACE(bitwise_or, "bitwise_or_cpu", or_loops)
INT_INPLACE(bitwise_xor, "bitwise_xor_cpu", xor_loops)
INT_INPLACE(bitwise_left_shift, "lshift_cpu", lshift_loops)
INT_INPLACE(bitwise_right_shift, "rshift_cpu", rshift_loops)
INT_INPLACE(gcd, "gcd_cpu", gcd_loops)
INT_INPLACE(lcm, "lcm_cpu", lcm_loops)
ct_tensor *ct_bitwise_not_(ct_tensor *t) {
  if (!t) return NULL;
  return ct__inplace(t, &(ct_inplace_spec){.name = "bitwise_not_cpu", .result_type = t->dtype,
                                           .loops = not_loops, .unary = ct_bitwise_not});
}
