/* The losses PyTorch 1.13 composes from other ops (so their grad_fns are the last op's and
 * every derivative, second ones too, comes from the ops'): kl_div, poisson_nll_loss,
 * gaussian_nll_loss and multilabel_soft_margin_loss, each written as ATen / functional.py
 * write them, in the same order of operations. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

#include "ctorch/functional.h"
#include "loss.h"

static const char kl_mean_warning[] =
    "UserWarning: reduction: 'mean' divides the total loss by both the batch size and the "
    "support size.'batchmean' divides only by the batch size, and aligns with the KL div math "
    "definition.'mean' will be changed to behave the same as 'batchmean' in the next major "
    "release.\n";
static atomic_bool warned_kl_mean;

/* xlogy(t, t) = t log t, 0 where t == 0. The log reads 1 there so no 0 * -inf reaches the
 * backward (PyTorch's XlogyBackward gives NaN for d/dt at t == 0; here 0). */
static ct_tensor *xlogx(ct_tensor *t) {
  ct_tensor *z = ct_eq_scalar(t, 0);
  return ct_mul(t, ct_log(ct_where(z, ct_ones_like(t), t)));
}

/* exp(t) (t - x) (log_target) or xlogy(t, t) - t x, reduced; batchmean: sum / input.size(0) */
ct_tensor *ct_kl_div_ex(const ct_tensor *input, const ct_tensor *target, ct_kl_div_opts o) {
  if (!input || !target) return NULL;
  if (!ct_dtype_is_floating(ct_dtype_of(input)) || !ct_dtype_is_floating(ct_dtype_of(target)))
    return ct__err("kl_div: Integral inputs not supported.");
  if ((unsigned)o.reduction > CT_REDUCTION_BATCHMEAN)
    return ct__err("%d is not a valid value for reduction", (int)o.reduction);
  if (o.reduction == CT_REDUCTION_MEAN && !atomic_exchange(&warned_kl_mean, true))
    fputs(kl_mean_warning, stderr);
  CT_OP_BEGIN();
  ct_tensor *x = (ct_tensor *)input, *t = (ct_tensor *)target;
  ct_tensor *out = o.log_target ? ct_mul(ct_exp(t), ct_sub(t, x)) : ct_sub(xlogx(t), ct_mul(t, x));
  if (o.reduction != CT_REDUCTION_BATCHMEAN)
    return ct__op_end(ct__loss_reduce(out, o.reduction, "kl_div"));
  ct_tensor *s = ct_sum(out);
  return ct__op_end(ct_dim(input) ? ct_div_scalar(s, (double)ct_shape(input)[0]) : s);
}

/* exp(x) - t x (log_input) or x - t log(x + eps); full: + (t log t - t + 0.5 log(2 pi t))
 * masked to 0 where t <= 1 */
ct_tensor *ct_poisson_nll_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                  ct_poisson_nll_loss_opts o) {
  if (!input || !target) return NULL;
  CT_OP_BEGIN();
  ct_tensor *x = (ct_tensor *)input, *t = (ct_tensor *)target;
  ct_tensor *loss = o.log_input ? ct_sub(ct_exp(x), ct_mul(t, x))
                                : ct_sub(x, ct_mul(t, ct_log(ct_add_scalar(x, o.eps))));
  if (o.full) {
    ct_tensor *st = ct_add(ct_sub(ct_mul(t, ct_log(t)), t),
                           ct_mul_scalar(ct_log(ct_mul_scalar(t, 2 * M_PI)), 0.5));
    loss = ct_add(loss, ct_masked_fill(st, ct_le_scalar(t, 1), 0));
  }
  return ct__op_end(ct__loss_reduce(loss, o.reduction, "poisson_nll_loss"));
}

static bool same_dims(int n, const int64_t *a, const int64_t *b) {
  for (int i = 0; i < n; i++)
    if (a[i] != b[i]) return false;
  return true;
}

/* 0.5 (log v + (x - t)^2 / v) (+ 0.5 log(2 pi)), v = var.clone() clamped at eps without grad */
ct_tensor *ct_gaussian_nll_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                   const ct_tensor *var, ct_gaussian_nll_loss_opts o) {
  if (!input || !target || !var) return NULL;
  if ((unsigned)o.reduction > CT_REDUCTION_NONE) /* 'batchmean' among them */
    return ct__loss_reduce((ct_tensor *)input, o.reduction, "gaussian_nll_loss");
  int nx = ct_dim(input), nv = ct_dim(var);
  const int64_t *sx = ct_shape(input), *sv = ct_shape(var);
  bool unsqueeze = false;
  if (nx != nv || !same_dims(nx, sx, sv)) {
    if (nx >= 1 && nv == nx - 1 && same_dims(nv, sx, sv))
      unsqueeze = true; /* homoscedastic: (N, D) with var (N) */
    else if (!(nx >= 1 && nv == nx && same_dims(nx - 1, sx, sv) && sv[nv - 1] == 1))
      return ct__err("var is of incorrect size");
  }
  CT_OP_BEGIN();
  ct_tensor *v = unsqueeze ? ct_unsqueeze(var, -1) : (ct_tensor *)var;
  ct_tensor *neg = ct_any(ct_lt_scalar(v, 0));
  if (!neg) return ct__op_end(NULL);
  if (ct_item(neg) != 0) return ct__op_end(ct__err("var has negative entry/entries"));
  v = ct_clone(v);
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *clamped = v ? ct_clamp_(v, o.eps, NAN) : NULL;
  ct_set_grad_enabled(prev);
  if (!clamped) return ct__op_end(NULL);
  ct_tensor *d = ct_sub((ct_tensor *)input, (ct_tensor *)target);
  ct_tensor *loss = ct_mul_scalar(ct_add(ct_log(v), ct_div(ct_pow_scalar(d, 2), v)), 0.5);
  if (o.full) loss = ct_add_scalar(loss, 0.5 * log(2 * M_PI));
  return ct__op_end(ct__loss_reduce(loss, o.reduction, "gaussian_nll_loss"));
}

/* -(t logsigmoid(x) + (1 - t) logsigmoid(-x)) (* weight), summed over the class dim / C */
ct_tensor *ct_multilabel_soft_margin_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                             ct_multilabel_soft_margin_loss_opts o) {
  if (!input || !target) return NULL;
  int nd = ct_dim(input);
  if (nd == 0) return ct__err("Dimension specified as -1 but tensor has no dimensions");
  if ((unsigned)o.reduction > CT_REDUCTION_NONE)
    return ct__loss_reduce((ct_tensor *)input, o.reduction, "multilabel_soft_margin_loss");
  CT_OP_BEGIN();
  ct_tensor *x = (ct_tensor *)input, *t = (ct_tensor *)target;
  ct_tensor *loss = ct_neg(ct_add(ct_mul(t, ct_logsigmoid(x)),
                                  ct_mul(ct_rsub_scalar(t, 1), ct_logsigmoid(ct_neg(x)))));
  if (o.weight) loss = ct_mul(loss, o.weight);
  loss = ct_div_scalar(ct_sum(loss, .dim = CT_DIMS(nd - 1)), (double)ct_shape(input)[nd - 1]);
  return ct__op_end(ct__loss_reduce(loss, o.reduction, "multilabel_soft_margin_loss"));
}
