/* float16 and bfloat16: conversion to and from float with round-to-nearest-even, as
 * c10::Half and c10::BFloat16 do (NaN stays NaN, overflow goes to inf), and the cast loops
 * between them and every other dtype. Other dtypes reach them through float: an int64 or a
 * double becomes float first (c10's constructors take a float, so PyTorch rounds twice too).
 * Bulk float16 loops use F16C when the CPU has it (chosen at run time); the bit code below
 * gives the same bits for every non-NaN value. */
#include "loops.h"

#include <stdatomic.h>
#include <string.h>

static inline uint32_t f32_bits(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  return x;
}
static inline float f32_from(uint32_t x) {
  float f;
  memcpy(&f, &x, 4);
  return f;
}

uint16_t ct__f32_to_f16(float f) {
  uint32_t x = f32_bits(f), sign = (x >> 16) & 0x8000, ax = x & 0x7fffffff;
  if (ax > 0x7f800000) return (uint16_t)(sign | 0x7e00); /* NaN: c10's quiet NaN */
  if (ax >= 0x47800000) return (uint16_t)(sign | 0x7c00); /* >= 2^16 (and inf): inf */
  if (ax <= 0x33000000) return (uint16_t)sign;             /* <= 2^-25: a tie or less, 0 */
  uint32_t r, rem, half;
  if (ax < 0x38800000) { /* below 2^-14: a subnormal, units of 2^-24 */
    uint32_t m = (ax & 0x7fffff) | 0x800000, shift = 126 - (ax >> 23);
    r = m >> shift;
    rem = m & ((1u << shift) - 1);
    half = 1u << (shift - 1);
  } else { /* rebias the exponent (127 -> 15), keep 10 mantissa bits */
    r = (ax - 0x38000000) >> 13;
    rem = ax & 0x1fff;
    half = 0x1000;
  }
  if (rem > half || (rem == half && (r & 1))) r++; /* a carry into the exponent is right */
  return (uint16_t)(sign | r);
}

float ct__f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f) return f32_from(sign | 0x7f800000 | (m << 13));
  if (e) return f32_from(sign | ((e + 112) << 23) | (m << 13));
  float v = (float)m * 0x1p-24f; /* zero or a subnormal: exact in float */
  return sign ? -v : v;
}

/* bfloat16: ct__f32_to_bf16 / ct__bf16_to_f32 are inline in tensor_impl.h (GEMM epilogues
 * round a whole matrix through them). */

/* ---- bulk float16 <-> float32 through F16C ---------------------------------------------- */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("f16c,avx"))) static void f16_to_f32_f16c(float *o, const uint16_t *a, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(o + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))));
  for (; i < n; i++) o[i] = ct__f16_to_f32(a[i]);
}
__attribute__((target("f16c,avx"))) static void f32_to_f16_f16c(uint16_t *o, const float *a, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(a + i);
    /* NaN lanes go through the bit code so NaN gets c10's bits, not F16C's payload */
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q))) {
      for (int k = 0; k < 8; k++) o[i + k] = ct__f32_to_f16(a[i + k]);
      continue;
    }
    _mm_storeu_si128((__m128i *)(o + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; i++) o[i] = ct__f32_to_f16(a[i]);
}
/* F16C came with every AVX2 CPU (Intel from Haswell, AMD from Piledriver), and "avx2" is a
 * name both gcc and clang 14 know for __builtin_cpu_supports ("f16c" is gcc's only). Racing
 * first callers store the same answer; atomic so that ThreadSanitizer agrees. */
static bool have_f16c(void) {
  static _Atomic int has = -1;
  int h = atomic_load_explicit(&has, memory_order_relaxed);
  if (h < 0) {
    h = __builtin_cpu_supports("avx2") ? 1 : 0;
    atomic_store_explicit(&has, h, memory_order_relaxed);
  }
  return h;
}
#else
static bool have_f16c(void) { return false; }
static void f16_to_f32_f16c(float *o, const uint16_t *a, int64_t n) { (void)o, (void)a, (void)n; }
static void f32_to_f16_f16c(uint16_t *o, const float *a, int64_t n) { (void)o, (void)a, (void)n; }
#endif

/* ---- cast loops -------------------------------------------------------------------------
 * d[0] the destination, d[1] the source; contiguous float32 <-> float16 take F16C. */
static inline float load_h(const char *p, bool bf) {
  uint16_t h;
  memcpy(&h, p, 2);
  return bf ? ct__bf16_to_f32(h) : ct__f16_to_f32(h);
}
static inline void store_h(char *p, bool bf, float f) {
  uint16_t h = bf ? ct__f32_to_bf16(f) : ct__f32_to_f16(f);
  memcpy(p, &h, 2);
}

/* to T from a 16-bit float (bf: bfloat16): T's conversion of the float value */
#define FROM_HALF(E, T, tn)                                                                   \
  static void from_f16_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {             \
    (void)ctx;                                                                              \
    if (E == CT_FLOAT32 && s[0] == 4 && s[1] == 2 && have_f16c()) {                         \
      f16_to_f32_f16c((float *)d[0], (const uint16_t *)d[1], n);                            \
      return;                                                                               \
    }                                                                                       \
    for (int64_t i = 0; i < n; i++) *(T *)(d[0] + i * s[0]) = (T)load_h(d[1] + i * s[1], false); \
  }                                                                                         \
  static void from_bf16_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {            \
    (void)ctx;                                                                              \
    for (int64_t i = 0; i < n; i++) *(T *)(d[0] + i * s[0]) = (T)load_h(d[1] + i * s[1], true); \
  }
/* to a 16-bit float from T: through float */
#define TO_HALF(E, T, tn)                                                                     \
  static void to_f16_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {               \
    (void)ctx;                                                                              \
    if (E == CT_FLOAT32 && s[0] == 2 && s[1] == 4 && have_f16c()) {                         \
      f32_to_f16_f16c((uint16_t *)d[0], (const float *)d[1], n);                            \
      return;                                                                               \
    }                                                                                       \
    for (int64_t i = 0; i < n; i++) store_h(d[0] + i * s[0], false, (float)*(const T *)(d[1] + i * s[1])); \
  }                                                                                         \
  static void to_bf16_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {              \
    (void)ctx;                                                                              \
    for (int64_t i = 0; i < n; i++) store_h(d[0] + i * s[0], true, (float)*(const T *)(d[1] + i * s[1])); \
  }
CT_FOR_DTYPES(FROM_HALF)
CT_FOR_DTYPES(TO_HALF)

/* between the two 16-bit floats (the same one: the bits) */
static void half_to_half(char **d, const int64_t *s, int64_t n, void *ctx) {
  bool to_bf = ((const bool *)ctx)[0], from_bf = ((const bool *)ctx)[1];
  for (int64_t i = 0; i < n; i++) {
    if (to_bf == from_bf) memcpy(d[0] + i * s[0], d[1] + i * s[1], 2);
    else store_h(d[0] + i * s[0], to_bf, load_h(d[1] + i * s[1], from_bf));
  }
}
#define F16_ENTRY(E, T, tn) [E] = from_f16_##tn,
#define BF16_ENTRY(E, T, tn) [E] = from_bf16_##tn,
#define TO_F16_ENTRY(E, T, tn) [E] = to_f16_##tn,
#define TO_BF16_ENTRY(E, T, tn) [E] = to_bf16_##tn,
static const ct_loop_fn from_f16[CT_NUM_DTYPES] = {CT_FOR_DTYPES(F16_ENTRY)};
static const ct_loop_fn from_bf16[CT_NUM_DTYPES] = {CT_FOR_DTYPES(BF16_ENTRY)};
static const ct_loop_fn to_f16[CT_NUM_DTYPES] = {CT_FOR_DTYPES(TO_F16_ENTRY)};
static const ct_loop_fn to_bf16[CT_NUM_DTYPES] = {CT_FOR_DTYPES(TO_BF16_ENTRY)};

bool ct__is_half(ct_dtype dt) { return dt == CT_FLOAT16 || dt == CT_BFLOAT16; }

/* Runs dst = src (same shape, already broadcast) when either side is a 16-bit float. */
void ct__half_cast(ct_tensor *dst, ct_tensor *src) {
  ct_tensor *ops[2] = {dst, src};
  static const bool flags[2][2][2] = {{{false, false}, {false, true}}, {{true, false}, {true, true}}};
  if (ct__is_half(dst->dtype) && ct__is_half(src->dtype)) {
    bool tb = dst->dtype == CT_BFLOAT16, fb = src->dtype == CT_BFLOAT16;
    ct__foreach(2, ops, half_to_half, (void *)flags[tb][fb]);
  } else if (ct__is_half(src->dtype)) {
    ct__foreach(2, ops, (src->dtype == CT_BFLOAT16 ? from_bf16 : from_f16)[dst->dtype], NULL);
  } else {
    ct__foreach(2, ops, (dst->dtype == CT_BFLOAT16 ? to_bf16 : to_f16)[src->dtype], NULL);
  }
}
