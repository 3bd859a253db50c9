/* The dropout family of torch.nn.functional, composed as ATen's CPU `_dropout_impl` composes
 * it (no node of its own: the grad_fn is MulBackward0, AddBackward0 for the alpha forms):
 *   noise = empty(input.shape, or (N, C, 1, ...) for the feature forms).bernoulli_(1 - p)
 *   dropout:        out = input * noise / (1 - p)
 *   alpha dropout:  a = 1 / sqrt((alpha^2 p + 1)(1 - p)), b = (noise - 1) * alpha a + alpha a p,
 *                   out = input * (noise * a) + b                (alpha = SELU's 1.7580993...)
 * The mask comes from ct_bernoulli_ on the default generator, which draws as PyTorch's CPU
 * bernoulli_(float p) does, so a seed gives PyTorch's mask. */
#include "../internal.h"
#include "ctorch/functional.h"
#include <math.h>

static ct_tensor *same(ct_tensor *t) {
  ct__tensor_incref(t);
  return ct__own(t);
}

static bool p_ok(double p) {
  if (p >= 0 && p <= 1) return true;
  ct__err("dropout probability has to be between 0 and 1, but got %g", p);
  return false;
}

static ct_tensor *dropout_impl(ct_tensor *x, ct_dropout_opts o, bool feature, bool alpha) {
  if (!x || !p_ok(o.p)) return NULL;
  if (feature && x->ndim < 2) return ct__err("Feature dropout requires at least 2 dimensions in the input");
  double p = o.p;
  if (p == 0 || !o.training || ct_numel(x) == 0) return same(x);
  if (!ct_dtype_is_floating(x->dtype) && !(p == 1 && !alpha))
    return ct__err("result type Float can't be cast to the desired output type %s",
                   ct__dtype_short(x->dtype));
  CT_OP_BEGIN();
  ct_tensor *r;
  if (p == 1 && !alpha) { /* input * 0, keeping the graph */
    ct_tensor *z = ct_zeros_ex(0, NULL, (ct_tensor_opts){.dtype = x->dtype});
    r = o.inplace ? ct_mul_(x, z) : ct_mul(x, z);
    return ct__op_end(r);
  }
  int64_t shp[CT_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) shp[i] = feature && i >= 2 ? 1 : x->shape[i];
  ct_tensor *noise = ct_empty_ex(x->ndim, shp, (ct_tensor_opts){.dtype = x->dtype});
  if (!ct_bernoulli_(noise, 1 - p, NULL)) return ct__op_end(NULL);
  if (!alpha) {
    ct_div_scalar_(noise, 1 - p);
    return ct__op_end(o.inplace ? ct_mul_(x, noise) : ct_mul(x, noise));
  }
  const double al = 1.7580993408473766;
  double a = 1 / sqrt((al * al * p + 1) * (1 - p));
  ct_tensor *b = ct_add_scalar_(ct_mul_scalar_(ct_add_scalar(noise, -1), al * a), al * a * p);
  ct_mul_scalar_(noise, a);
  r = o.inplace ? ct_mul_(x, noise) : ct_mul(x, noise);
  return ct__op_end(o.inplace ? ct_add_(r, b) : ct_add(r, b));
}

ct_tensor *ct_dropout_ex(ct_tensor *input, ct_dropout_opts o) {
  return dropout_impl(input, o, false, false);
}
ct_tensor *ct_alpha_dropout_ex(ct_tensor *input, ct_dropout_opts o) {
  return dropout_impl(input, o, false, true);
}
ct_tensor *ct_feature_alpha_dropout_ex(ct_tensor *input, ct_dropout_opts o) {
  return dropout_impl(input, o, true, true);
}

/* dropout1d / dropout3d: an unbatched input gets a batch dim of 1 for the draw. */
static ct_tensor *feature_unbatched(ct_tensor *x, ct_dropout_opts o, int batched_ndim) {
  if (!x || !p_ok(o.p)) return NULL;
  if (x->ndim == batched_ndim) return dropout_impl(x, o, true, false);
  if (o.inplace) { /* unsqueeze_ / squeeze_ in PyTorch: draw on a view, write x */
    CT_OP_BEGIN();
    ct_tensor *r = dropout_impl(ct_unsqueeze(x, 0), o, true, false);
    return ct__op_end(r ? same(x) : NULL);
  }
  CT_OP_BEGIN();
  return ct__op_end(ct_squeeze_dim(dropout_impl(ct_unsqueeze(x, 0), o, true, false), 0));
}

ct_tensor *ct_dropout1d_ex(ct_tensor *input, ct_dropout_opts o) {
  if (input && p_ok(o.p) && input->ndim != 2 && input->ndim != 3)
    return ct__err("dropout1d: Expected 2D or 3D input, but received a %dD input. Note that "
                   "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                   "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or "
                   "3D inputs).", input->ndim);
  return feature_unbatched(input, o, 3);
}
/* dropout2d: a 3-D input is (N, C, L), as PyTorch 1.13 still reads it (with a warning). */
ct_tensor *ct_dropout2d_ex(ct_tensor *input, ct_dropout_opts o) {
  return dropout_impl(input, o, true, false);
}
ct_tensor *ct_dropout3d_ex(ct_tensor *input, ct_dropout_opts o) {
  return feature_unbatched(input, o, 5);
}
