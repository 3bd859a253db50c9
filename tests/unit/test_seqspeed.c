/* The fast paths of the sequence-model training step (issue 10) against the plain paths and
 * PyTorch 1.13: the bulk Bernoulli fill draws what the one-draw-per-element path draws. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include "ct_test.h"

/* torch.manual_seed(3); torch.rand(7); m = torch.empty(1500, dtype=dt).bernoulli_(0.9):
 * m.sum() = 1349, (m * arange(1500)).sum() = 1011806 for float32 and float64 alike; the 7
 * draws before put the fill off the generator's 624-word boundary, 1500 elements (3000 words)
 * cross it several times. */
static void test_bernoulli_bulk(void **state) {
  (void)state;
  ct_dtype dts[] = {CT_FLOAT32, CT_FLOAT64};
  for (int d = 0; d < 2; d++) {
    ct_scope_begin();
    ct_manual_seed(3);
    ct_rand(CT_SHAPE(7));
    ct_tensor *m = ct_bernoulli_(ct_empty(CT_SHAPE(1500), .dtype = dts[d]), 0.9, NULL);
    assert_non_null(m);
    assert_int_equal(ct_item_int64(ct_sum(m)), 1349);
    ct_tensor *idx = ct_arange(0, 1500, 1, .dtype = dts[d]);
    assert_int_equal(ct_item_int64(ct_sum(ct_mul(m, idx))), 1011806);
    /* the same draws as the per-element path (int64 takes it) */
    ct_manual_seed(3);
    ct_rand(CT_SHAPE(7));
    ct_tensor *r = ct_bernoulli_(ct_empty(CT_SHAPE(1500), .dtype = CT_INT64), 0.9, NULL);
    assert_true(ct_equal(ct_to(m, CT_INT64), r));
    ct_scope_end();
  }
  /* p = 0 and p = 1 are exact: no element drawn below 0, every one below 1 */
  ct_scope_begin();
  assert_int_equal(ct_item_int64(ct_sum(ct_bernoulli_(ct_empty(CT_SHAPE(999)), 0, NULL))), 0);
  assert_int_equal(ct_item_int64(ct_sum(ct_bernoulli_(ct_empty(CT_SHAPE(999)), 1, NULL))), 999);
  ct_scope_end();
}

/* MultiheadAttention(16, 4) on x (5, 2, 16) with the given extra arguments: the grad_fn names
 * of attn_output and attn_weights ("None" for no weights). */
static void mha_names(ct_module *m, ct_values in, const char *out_name, const char *w_name) {
  ct_values out = {0};
  assert_int_equal(ct_module_call(m, &in, &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), out_name);
  ct_tensor *w = ct_values_tensor(&out, 1);
  assert_string_equal(w ? ct_grad_fn_name(w) : "None", w_name);
}

/* What PyTorch 1.13 prints for .grad_fn.name() on the same forwards (training mode):
 *   MultiheadAttention: out ViewBackward0, weights DivBackward0 (sum(dim=1) / num_heads);
 *   average_attn_weights=False: weights ViewBackward0; need_weights=False: None;
 *   batch_first: out TransposeBackward0; dropout 0.1: the same as without;
 *   TransformerEncoderLayer / TransformerEncoder / TransformerDecoderLayer / Transformer:
 *   NativeLayerNormBackward0; norm_first=True: AddBackward0. */
static void test_attention_grad_fn_names(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *x = ct_randn(CT_SHAPE(5, 2, 16));
  ct_module *m = ct_nn_multihead_attention(16, 4);
  mha_names(m, CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x)), "ViewBackward0", "DivBackward0");
  mha_names(m,
            CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x),
                      ct_v_kw("average_attn_weights", ct_v_bool(false))),
            "ViewBackward0", "ViewBackward0");
  mha_names(m, CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x), ct_v_kw("need_weights", ct_v_bool(false))),
            "ViewBackward0", "None");
  ct_module_free(m);
  m = ct_nn_multihead_attention(16, 4, .batch_first = true);
  mha_names(m, CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x)), "TransposeBackward0", "DivBackward0");
  ct_module_free(m);
  m = ct_nn_multihead_attention(16, 4, .dropout = 0.1);
  mha_names(m, CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x)), "ViewBackward0", "DivBackward0");
  ct_module_free(m);
  m = ct_nn_transformer_encoder_layer(16, 4, .dim_feedforward = 32);
  assert_string_equal(ct_grad_fn_name(ct_forward(m, x)), "NativeLayerNormBackward0");
  ct_module_free(m);
  m = ct_nn_transformer_encoder_layer(16, 4, .dim_feedforward = 32, .norm_first = true);
  assert_string_equal(ct_grad_fn_name(ct_forward(m, x)), "AddBackward0");
  ct_module_free(m);
  m = ct_nn_transformer_encoder(ct_nn_transformer_encoder_layer(16, 4, .dim_feedforward = 32), 2, NULL);
  assert_string_equal(ct_grad_fn_name(ct_forward(m, x)), "NativeLayerNormBackward0");
  ct_module_free(m);
  m = ct_nn_transformer_decoder_layer(16, 4, .dim_feedforward = 32);
  ct_values out = {0};
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x)), &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), "NativeLayerNormBackward0");
  ct_module_free(m);
  m = ct_nn_transformer(.d_model = 16, .nhead = 4, .num_encoder_layers = 1, .num_decoder_layers = 1,
                        .dim_feedforward = 32);
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x)), &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), "NativeLayerNormBackward0");
  ct_module_free(m);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bernoulli_bulk),
      cmocka_unit_test(test_attention_grad_fn_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
