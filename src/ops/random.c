/* The random in-place fills and torch.bernoulli as autograd sees them: PyTorch's argument
 * checks, the version bump and the zero-gradient node. The draws themselves are the tensor
 * layer's (src/tensor/rng.c), which records nothing: data flows down only. */
#include "../internal.h"

/* d/dself of an in-place random fill: the old values are overwritten, so no gradient. */
static void zero_backward(ct_node *n, ct_tensor *const *go, ct_tensor **gi) {
  (void)n;
  gi[0] = ct_zeros_like(go[0]);
}

/* After the fill: bump the version and, for a non-leaf needing grad, record the fill. */
static ct_tensor *inplace_done(ct_tensor *t, const char *grad_fn) {
  ct__bump_version(t);
  ct_node *node = ct__node_new(grad_fn, zero_backward, 1, &t, 1);
  if (node) ct__rebase_history(t, node); /* takes the creator's reference */
  return t;
}

ct_tensor *ct_uniform_(ct_tensor *t, double from, double to, ct_generator *gen) {
  if (!t) return NULL;
  if (ct__check_inplace(t) || ct__fill_uniform(t, from, to, gen)) return NULL;
  return inplace_done(t, "UniformBackward0");
}

ct_tensor *ct_normal_(ct_tensor *t, double mean, double std, ct_generator *gen) {
  if (!t) return NULL;
  if (ct__check_inplace(t) || ct__fill_normal(t, mean, std, gen)) return NULL;
  return inplace_done(t, "NormalBackward0");
}

ct_tensor *ct_bernoulli_(ct_tensor *t, double p, ct_generator *gen) {
  if (!t) return NULL;
  if (!(p >= 0 && p <= 1))
    return ct__err("bernoulli_ expects p to be in [0, 1], but got p=%g", p);
  if (ct__check_inplace(t)) return NULL;
  if (ct__fill_bernoulli(t, p, gen)) return NULL;
  return inplace_done(t, "BernoulliBackward2");
}

ct_tensor *ct_bernoulli(const ct_tensor *probs, ct_generator *gen) {
  if (!probs) return NULL;
  if (probs->dtype != CT_FLOAT32 && probs->dtype != CT_FLOAT64)
    return ct__err("\"bernoulli_tensor_cpu_p_\" not implemented for '%s'",
                   ct__dtype_short(probs->dtype));
  CT_OP_BEGIN();
  ct_tensor *pc = ct_contiguous(probs);
  ct_tensor *r = pc ? ct__empty_like(pc) : NULL;
  if (!r || ct__bernoulli_draw(pc, r, gen)) return ct__op_end(NULL);
  /* bernoulli(p) is constant in p: a zero gradient, under PyTorch's name */
  ct_node *node = ct__node_new("BernoulliBackward0", zero_backward, 1,
                               (ct_tensor *const[]){(ct_tensor *)probs}, 1);
  if (node) ct__set_history(r, node, 0);
  return ct__op_end(r);
}
