/* Helpers shared by the elementwise families (unary.c, unary_act.c, binary.c, compare.c,
 * ternary.c): autograd recording of a one-output op, the history copy in-place ops use, and a
 * vectorisable float32 exp. */
#ifndef CTORCH_OPS_ELEMENTWISE_H
#define CTORCH_OPS_ELEMENTWISE_H
#include "../internal.h"
#include <math.h>

/* Apply the float / double / integer form of a function to x. Selecting a function rather
 * than an expression keeps -Wextra quiet about comparisons on unsigned types; integer forms
 * compute in int64 and wrap like PyTorch's kernels when narrowed back. */
#define CT_PICK(x, ff, fd, fi) _Generic((x), float: ff, double: fd, default: fi)(x)
#define CT_PICK_FN(x, ff, fd, fi) _Generic((x), float: ff, double: fd, default: fi)
static inline int64_t ct__i_id(int64_t v) { return v; }
static inline int64_t ct__i_neg(int64_t v) { return (int64_t)(0 - (uint64_t)v); }

/* What a node keeps for its backward. */
enum { CT_SAVE_NONE = 0, CT_SAVE_INPUT = 1, CT_SAVE_OUTPUT = 2 };

/* Record a one-input node on out (a no-op without grad or for non-float results). */
static inline ct_tensor *ct__ew_record1(ct_tensor *out, const ct_tensor *t, const char *name,
                                        ct_backward_fn bw, int save) {
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(name, bw, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    if (save == CT_SAVE_INPUT) ct__save(n, t, false);
    if (save == CT_SAVE_OUTPUT) ct__save(n, out, true);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* A copy of t's values that keeps t's history. In-place ops whose backward reads the input
 * hand this to the out-of-place op, since t's storage is about to be overwritten (PyTorch
 * saves self.clone() for the same reason). */
static inline ct_tensor *ct__history_copy(const ct_tensor *t) {
  ct_tensor *c = ct__empty_like(t);
  if (!c) return NULL;
  ct__copy_into(c, t);
  if (t->grad_fn) ct__set_history(c, t->grad_fn, t->output_nr);
  return c;
}

/* float32 exp, vectorisable (glibc's expf is not without -ffast-math): Cody-Waite reduction
 * x = n ln2 + r, a degree-7 polynomial, and 2^n applied in two halves so results that round
 * to subnormals stay right. Within 1 ulp of the correctly rounded value over every float
 * (checked exhaustively); NaN in, NaN out; overflow to inf, underflow to 0. */
static inline float ct__expf(float x) {
  const float hi = 88.72283935546875f, lo = -103.972084045410156f;
  float xc = x < lo ? lo : x;
  xc = xc > hi ? hi : xc;
  /* round to nearest by the 1.5 * 2^23 trick: vectorises where rintf may not */
  float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = fmaf(n, -0.693359375f, xc);
  r = fmaf(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = fmaf(p, r, 1.3981999507e-3f);
  p = fmaf(p, r, 8.3334519073e-3f);
  p = fmaf(p, r, 4.1665795894e-2f);
  p = fmaf(p, r, 1.6666665459e-1f);
  p = fmaf(p, r, 5.0000001201e-1f);
  float y = fmaf(p, r * r, r) + 1.0f;
  int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
  uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
  float s1, s2;
  memcpy(&s1, &b1, sizeof s1);
  memcpy(&s2, &b2, sizeof s2);
  return y * s1 * s2;
}

/* float32 tanh, vectorisable: an odd polynomial below |x| = 0.625 (Cephes' tanhf
 * coefficients), 1 - 2 / (exp(2|x|) + 1) with ct__expf above, both computed and one
 * selected so the loop has no branch. Saturates to +-1, keeps the sign of +-0, NaN in,
 * NaN out. Max error over a dense sweep: see unary_act.c. */
static inline float ct__tanhf(float x) {
  float ax = fabsf(x), z = x * x;
  float p = -5.70498872745e-3f;
  p = fmaf(p, z, 2.06390887954e-2f);
  p = fmaf(p, z, -5.37397155531e-2f);
  p = fmaf(p, z, 1.33314422036e-1f);
  p = fmaf(p, z, -3.33332819422e-1f);
  float small = copysignf(fmaf(p * z, x, x), x); /* copysign: -0 in, -0 out */
  float big = copysignf(1.0f - 2.0f / (ct__expf(2.0f * ax) + 1.0f), x);
  return ax < 0.625f ? small : big;
}

/* float32 erf, vectorisable: below |x| = 1, x P(x^2) (Cephes' erff coefficients, the
 * leading 2/sqrt(pi) split in two floats); above, 1 - exp(-x^2) g(1/x) with g a degree-10
 * fit of erfc(x) exp(x^2) on [1, 3.93] (erf rounds to 1 past that) and x^2 kept exact to
 * the exp. Both computed, one selected; NaN in, NaN out, +-inf -> +-1. */
static inline float ct__erff(float x) {
  float ax = fabsf(x), z = x * x;
  float q = 7.853861353153693e-5f;
  q = fmaf(q, z, -8.010193625184903e-4f);
  q = fmaf(q, z, 5.188327685732524e-3f);
  q = fmaf(q, z, -2.685381193529856e-2f);
  q = fmaf(q, z, 1.128358514861418e-1f);
  q = fmaf(q, z, -3.761262582423300e-1f);
  /* 2/sqrt(pi) = 1.1283791670955126f (rounded) - 5.8635383e-8 */
  float small = copysignf(fmaf(x, 1.1283791670955126f, x * fmaf(q, z, -5.8635383e-8f)), x);
  float a = ax > 3.93f ? 3.93f : ax; /* NaN passes (the comparison is false) */
  float u = 1.0f / a - 0.6272264631043257f;
  float g = -0.0359346829354763f;
  g = fmaf(g, u, 0.02506236918270588f);
  g = fmaf(g, u, 0.006053506396710873f);
  g = fmaf(g, u, -0.026772961020469666f);
  g = fmaf(g, u, 0.04268833249807358f);
  g = fmaf(g, u, -0.04637429490685463f);
  g = fmaf(g, u, 0.022816957905888557f);
  g = fmaf(g, u, 0.04397260770201683f);
  g = fmaf(g, u, -0.17210184037685394f);
  g = fmaf(g, u, 0.3815167546272278f);
  g = fmaf(g, u, 0.30680328607559204f);
  float h = a * a, l = fmaf(a, a, -h); /* a^2 = h + l exactly */
  float e = ct__expf(-h) * (1.0f - l);
  float big = copysignf(1.0f - e * g, x);
  return ax < 1.0f ? small : big;
}

#endif
