/* Helpers shared by the elementwise families (unary.c, unary_act.c, binary.c, compare.c,
 * ternary.c): autograd recording of a one-output op, the in-place driver, and a
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

/* t.op_(): PyTorch's checks (leaf, castable result), then without autograd the kernel runs
 * in place (loops indexed by t's dtype); with autograd, or when t's dtype has no loop (so the
 * op reports its own error), the out-of-place op runs and its values and history move into t.
 * needs_input: the op's backward reads its input (see ct__history_copy). */
static inline ct_tensor *ct__ew_inplace1(ct_tensor *t, ct_dtype result_type, const char *name,
                                         const ct_loop_fn *loops, void *ctx,
                                         ct_tensor *(*op)(const ct_tensor *), bool needs_input) {
  if (!t) return NULL;
  if (ct__inplace_check(t, NULL, result_type)) return NULL;
  bool grad = ct__any_requires_grad(1, (ct_tensor *const[]){t});
  if (grad || !loops[t->dtype]) {
    CT_OP_BEGIN();
    ct_tensor *src = grad && needs_input ? ct__history_copy(t) : t;
    ct_tensor *r = src ? ct__inplace_finish(t, op(src)) : NULL;
    ct_scope_end();
    return r;
  }
  if (ct__unary_inplace_kernel(name, t, loops, ctx)) return NULL;
  ct__bump_version(t);
  return t;
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

#endif
