/* Parity handlers: attention (src/ops/attention.c). */
#include "parity.h"

/* F.scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
 * is_causal=False, scale=None) */
static int h_sdpa(pcall *c) {
  ct_tensor *q = p_tensor(c, 0, "query"), *k = p_tensor(c, 1, "key"), *v = p_tensor(c, 2, "value");
  ct_tensor *mask = p_tensor_opt(c, 3, "attn_mask");
  double p = p_num(c, 4, "dropout_p", 0), scale = p_num(c, 6, "scale", 0);
  bool causal = p_bool(c, 5, "is_causal", false);
  P_CHECK(c);
  return p_out(c, ct_scaled_dot_product_attention(q, k, v, .attn_mask = mask, .dropout_p = p, .is_causal = causal,
                                                  .scale = scale));
}

const parity_handler parity_handlers_attention[] = {
    {"F.scaled_dot_product_attention", h_sdpa, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_attention)
