/* F.scaled_dot_product_attention as PyTorch 2.x defines it (its math reference): composed from
 * differentiable ops (matmul, add, softmax, dropout), so the gradients of every order are those
 * of the composition and the grad_fn is the last matmul's. */
#include "../internal.h"
#include "ctorch/functional.h"
#include <math.h>

/* attn_mask's additive form: a bool mask (True: take part) becomes 0 / -inf in q's dtype, a
 * float mask is used as is. */
static ct_tensor *additive_mask(const ct_tensor *mask, ct_dtype dt) {
  if (mask->dtype != CT_BOOL) return (ct_tensor *)mask;
  ct_tensor *z = ct_zeros_like(mask, .dtype = dt);
  return ct_masked_fill(z, ct_logical_not(mask), -INFINITY);
}

/* q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev):
 * softmax(q @ k^T * scale + bias) @ v, dropout on the weights when dropout_p > 0. */
ct_tensor *ct_scaled_dot_product_attention_ex(const ct_tensor *q, const ct_tensor *k, const ct_tensor *v,
                                              ct_sdpa_opts o) {
  if (!q || !k || !v) return ct__err("scaled_dot_product_attention: query, key and value are required");
  if (q->ndim < 2 || k->ndim < 2 || v->ndim < 2)
    return ct__err("scaled_dot_product_attention: expected query, key and value to be at least 2-D, got %d-D, "
                   "%d-D and %d-D",
                   q->ndim, k->ndim, v->ndim);
  if (!ct_dtype_is_floating(q->dtype) || q->dtype != k->dtype || q->dtype != v->dtype)
    return ct__err("Expected query, key, and value to have the same dtype, but got query.dtype: %s key.dtype: %s "
                   "and value.dtype: %s instead.",
                   ct_dtype_name(q->dtype), ct_dtype_name(k->dtype), ct_dtype_name(v->dtype));
  if (o.dropout_p < 0 || o.dropout_p > 1 || isnan(o.dropout_p))
    return ct__err("dropout probability has to be between 0 and 1, but got %g", o.dropout_p);
  if (o.is_causal && o.attn_mask)
    return ct__err("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True");
  const ct_tensor *m = o.attn_mask;
  if (m && m->dtype != CT_BOOL && m->dtype != q->dtype)
    return ct__err("Expected attn_mask dtype to be bool or to match query dtype, but got attn_mask.dtype: %s and "
                   "query.dtype: %s instead.",
                   ct_dtype_name(m->dtype), ct_dtype_name(q->dtype));
  int64_t L = q->shape[q->ndim - 2], S = k->shape[k->ndim - 2], E = q->shape[q->ndim - 1];
  double scale = o.scale > 0 ? o.scale : 1 / sqrt((double)(E > 0 ? E : 1));
  CT_OP_BEGIN();
  ct_tensor *w = ct_mul_scalar(ct_matmul(q, ct_transpose(k, -2, -1)), scale);
  if (o.is_causal) {
    ct_tensor *keep = ct_tril(ct_ones(CT_SHAPE(L, S), .dtype = CT_BOOL), 0);
    w = w ? ct_add(w, additive_mask(keep, q->dtype)) : NULL;
  } else if (m) {
    w = w ? ct_add(w, additive_mask(m, q->dtype)) : NULL;
  }
  w = ct_softmax(w, -1);
  if (w && o.dropout_p > 0) w = ct_dropout(w, .p = o.dropout_p, .training = true);
  return ct__op_end(ct_matmul(w, v));
}
