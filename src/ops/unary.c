/* Unary elementwise ops with their backward formulas. */
#include "../internal.h"
#include <tgmath.h>

CT_UNARY_NUMERIC(neg_loop, -x)
CT_UNARY_FLOAT(exp_loop, exp(x))

/* out = -x: gx = -g */
static void neg_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) { gi[0] = ct_neg(g[0]); }

ct_tensor *ct_neg(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->dtype == CT_BOOL)
    return ct__err("Negation, the `-` operator, on a bool tensor is not supported. If you are "
                   "trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  ct_tensor *out = ct__unary_kernel("neg", t, t->dtype, t->dtype, neg_loop, NULL);
  if (out && ct_dtype_is_floating(t->dtype)) {
    ct_node *n = ct__node_new("NegBackward0", neg_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (n) ct__set_history(out, n, 0);
  }
  return out;
}

/* out = exp(x): gx = g * out */
static void exp_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct__saved(n, 0));
}

ct_tensor *ct_exp(const ct_tensor *t) {
  if (!t) return NULL;
  ct_dtype dt = ct__float_of(t->dtype);
  ct_tensor *out = ct__unary_kernel("exp", t, dt, dt, exp_loop, NULL);
  if (out) {
    ct_node *n = ct__node_new("ExpBackward0", exp_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (n) {
      ct__save(n, out, true);
      ct__set_history(out, n, 0);
    }
  }
  return out;
}
