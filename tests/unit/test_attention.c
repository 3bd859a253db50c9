/* Attention beyond the parity cases (tools/parity/specs_attn.py): F.scaled_dot_product_attention
 * against the explicit softmax(QK^T / sqrt(d))V formula, its gradcheck / gradgradcheck and
 * dropout; MultiheadAttention / Transformer init draws, names and repr against PyTorch 1.13;
 * dropout in training (PyTorch's masks); the encoder's clones; generate_square_subsequent_mask;
 * every error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define F64 CT_FLOAT64
#define VALS(t, rtol, atol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

/* softmax(q k^T / sqrt(E) + bias) v, written out */
static ct_tensor *explicit_attention(ct_tensor *q, ct_tensor *k, ct_tensor *v, ct_tensor *bias) {
  ct_tensor *s = ct_div_scalar(ct_matmul(q, ct_transpose(k, -2, -1)), sqrt((double)ct_size(q, -1)));
  if (bias) s = ct_add(s, bias);
  return ct_matmul(ct_softmax(s, -1), v);
}

static void test_sdpa_formula(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *q = ramp(SH(2, 3, 4), F64, 0, false), *k = ramp(SH(2, 5, 4), F64, 1, false),
            *v = ramp(SH(2, 5, 2), F64, 2, false);
  ct_tensor *y = ct_scaled_dot_product_attention(q, k, v);
  assert_true(ct_allclose(y, explicit_attention(q, k, v, NULL), 1e-12, 1e-12));
  /* a bool mask keeps True; a float mask is added; both broadcast */
  bool keep[15] = {1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0};
  ct_tensor *bm = ct_tensor_from(keep, CT_BOOL, 2, (int64_t[]){3, 5});
  ct_tensor *bias = ct_masked_fill(ct_zeros(SH(3, 5), .dtype = F64), ct_logical_not(bm), -INFINITY);
  assert_true(ct_allclose(ct_scaled_dot_product_attention(q, k, v, .attn_mask = bm),
                          explicit_attention(q, k, v, bias), 1e-12, 1e-12));
  ct_tensor *fm = ramp(SH(1, 3, 5), F64, 3, false);
  assert_true(ct_allclose(ct_scaled_dot_product_attention(q, k, v, .attn_mask = fm),
                          explicit_attention(q, k, v, fm), 1e-12, 1e-12));
  /* is_causal: the lower triangle (diagonal included) of (L, S) */
  ct_tensor *causal = ct_triu(ct_full(SH(3, 5), -INFINITY, .dtype = F64), 1);
  assert_true(ct_allclose(ct_scaled_dot_product_attention(q, k, v, .is_causal = true),
                          explicit_attention(q, k, v, causal), 1e-12, 1e-12));
  /* scale given */
  ct_tensor *ys = ct_scaled_dot_product_attention(q, k, v, .scale = 0.5);
  ct_tensor *want = ct_matmul(ct_softmax(ct_mul_scalar(ct_matmul(q, ct_transpose(k, -2, -1)), 0.5), -1), v);
  assert_true(ct_allclose(ys, want, 1e-12, 1e-12));
  ct_scope_end();
}

typedef struct sdpa_case {
  int mask; /* 0 none, 1 float (an input), 2 causal */
} sdpa_case;
static int run_sdpa(ct_tensor *const *in, int n, ct_tensor **out, int n_out, void *user) {
  (void)n, (void)n_out;
  const sdpa_case *c = user;
  out[0] = ct_scaled_dot_product_attention(in[0], in[1], in[2], .attn_mask = c->mask == 1 ? in[3] : NULL,
                                           .is_causal = c->mask == 2);
  return out[0] ? 0 : -1;
}

static void test_sdpa_gradcheck(void **state) {
  (void)state;
  for (int m = 0; m < 3; m++) {
    ct_scope_begin();
    sdpa_case c = {m};
    ct_tensor *in[4] = {ramp(SH(2, 3, 2), F64, 0, true), ramp(SH(2, 4, 2), F64, 1, true),
                        ramp(SH(2, 4, 3), F64, 2, true), ramp(SH(3, 4), F64, 3, true)};
    int n = m == 1 ? 4 : 3;
    if (!ct_gradcheck(run_sdpa, in, n, .user = &c)) fail_msg("gradcheck: mask %d", m);
    if (!ct_gradgradcheck(run_sdpa, in, n, .user = &c)) fail_msg("gradgradcheck: mask %d", m);
    ct_scope_end();
  }
}

/* dropout_p: the weights dropped with the default generator's mask, as ct_dropout draws it */
static void test_sdpa_dropout(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *q = ramp(SH(3, 4), F64, 0, false), *k = ramp(SH(5, 4), F64, 1, false), *v = ramp(SH(5, 2), F64, 2, false);
  ct_manual_seed(11);
  ct_tensor *y = ct_scaled_dot_product_attention(q, k, v, .dropout_p = 0.4);
  ct_manual_seed(11);
  ct_tensor *w = ct_softmax(ct_div_scalar(ct_matmul(q, ct_transpose(k, 0, 1)), 2.0), -1);
  ct_tensor *want = ct_matmul(ct_dropout(w, .p = 0.4), v);
  assert_true(ct_allclose(y, want, 1e-12, 1e-12));
  ct_scope_end();
}

static void test_sdpa_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *q = ramp(SH(3, 4), F64, 0, false), *k = ramp(SH(5, 4), F64, 1, false), *v = ramp(SH(5, 2), F64, 2, false);
  expect_error(ct_scaled_dot_product_attention(q, k, v, .is_causal = true, .attn_mask = q),
               "Explicit attn_mask should not be set when is_causal=True");
  expect_error(ct_scaled_dot_product_attention(q, ct_to(k, CT_FLOAT32), v),
               "Expected query, key, and value to have the same dtype, but got query.dtype: torch.float64 key.dtype: "
               "torch.float32 and value.dtype: torch.float64 instead.");
  expect_error(ct_scaled_dot_product_attention(q, k, v, .attn_mask = ct_zeros(SH(3, 5), .dtype = CT_INT64)),
               "Expected attn_mask dtype to be bool or to match query dtype");
  expect_error(ct_scaled_dot_product_attention(q, k, v, .dropout_p = 1.5), "dropout probability has to be between 0 and 1");
  expect_error(ct_scaled_dot_product_attention(ct_ones(SH(4), .dtype = F64), k, v), "at least 2-D");
  expect_error(ct_scaled_dot_product_attention(q, ramp(SH(5, 3), F64, 1, false), v), "");
  ct_scope_end();
}

/* MultiheadAttention(4, 2, add_bias_kv=True) after manual_seed(0): PyTorch 1.13's values */
static void test_mha_init(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_multihead_attention(4, 2, .add_bias_kv = true);
  assert_non_null(m);
  ct_tensor_map *ps = ct_module_named_parameters(m, true);
  static const char *names[] = {"in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                "out_proj.bias"};
  assert_int_equal(ct_tensor_map_size(ps), 6);
  for (int i = 0; i < 6; i++) assert_string_equal(ct_tensor_map_name(ps, i), names[i]);
  ct_tensor_map_free(ps);
  VALS(ct_narrow(ct_flatten(ct_module_get_parameter(m, "in_proj_weight"), 0, -1), 0, 0, 4), 1e-6, 1e-7, 0.2224241644,
       0.5085067153, -0.1260263622, 0.4582455158);
  VALS(ct_narrow(ct_flatten(ct_module_get_parameter(m, "out_proj.weight"), 0, -1), 0, 0, 4), 1e-6, 1e-7, -0.00374341011,
       0.2682217956, -0.4115225673, -0.3679695129);
  VALS(ct_module_get_parameter(m, "out_proj.bias"), 0, 0, 0, 0, 0, 0);
  VALS(ct_module_get_parameter(m, "bias_k"), 1e-6, 1e-7, -1.109389663, 0.129492268, -0.5148510933, -0.2503792048);
  VALS(ct_module_get_parameter(m, "bias_v"), 1e-6, 1e-7, 0.1366838664, -0.4590499997, -0.02021054365, 0.1440584064);
  char *r = ct_module_repr(m);
  assert_string_equal(r, "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, "
                         "out_features=4, bias=True)\n)");
  free(r);
  ct_module_free(m);
  /* kdim / vdim: separate projections, no bias */
  ct_manual_seed(0);
  m = ct_nn_multihead_attention(4, 2, .kdim = 3, .vdim = 5, .bias = false);
  ps = ct_module_named_parameters(m, true);
  static const char *sep[] = {"q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"};
  assert_int_equal(ct_tensor_map_size(ps), 4);
  for (int i = 0; i < 4; i++) assert_string_equal(ct_tensor_map_name(ps, i), sep[i]);
  ct_tensor_map_free(ps);
  VALS(ct_narrow(ct_flatten(ct_module_get_parameter(m, "v_proj_weight"), 0, -1), 0, 0, 4), 1e-6, 1e-7, -0.5899729133,
       -0.4209284782, 0.5151587129, 0.4787293077);
  ct_module_free(m);
  ct_scope_end();
}

/* nn.Transformer(4, 2, 1, 1, 6, 0.0) after manual_seed(0): the xavier redraws, names, repr */
static void test_transformer_init(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *t = ct_nn_transformer(.d_model = 4, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1,
                                   .dim_feedforward = 6, .dropout = 0.0);
  assert_non_null(t);
  VALS(ct_narrow(ct_flatten(ct_module_get_parameter(t, "encoder.layers.0.linear1.weight"), 0, -1), 0, 0, 4), 1e-6, 1e-7,
       0.2562511265, 0.774345994, 0.4017545879, 0.4815267324);
  VALS(ct_narrow(ct_flatten(ct_module_get_parameter(t, "decoder.layers.0.multihead_attn.in_proj_weight"), 0, -1), 0, 0, 4),
       1e-6, 1e-7, -0.5131347775, -0.3313288987, 0.5418379903, 0.5600312352);
  VALS(ct_narrow(ct_module_get_parameter(t, "decoder.layers.0.linear2.bias"), 0, 0, 4), 1e-6, 1e-7, -0.2131675035,
       0.004026073962, 0.1688102633, 0.03199762106);
  ct_tensor_map *sd = ct_module_state_dict(t);
  assert_int_equal(ct_tensor_map_size(sd), 34);
  ct_tensor_map_free(sd);
  char *r = ct_module_repr(t);
  assert_non_null(strstr(r, "Transformer(\n  (encoder): TransformerEncoder(\n    (layers): ModuleList(\n      (0): "
                            "TransformerEncoderLayer(\n        (self_attn): MultiheadAttention("));
  assert_non_null(strstr(r, "        (norm3): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n        "
                            "(dropout1): Dropout(p=0.0, inplace=False)\n"));
  assert_non_null(strstr(r, "    (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n  )\n)"));
  free(r);
  ct_module_free(t);
  ct_module *l = ct_nn_transformer_encoder_layer(4, 2, .dim_feedforward = 6);
  r = ct_module_repr(l);
  assert_string_equal(r, "TransformerEncoderLayer(\n  (self_attn): MultiheadAttention(\n    (out_proj): "
                         "NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n  )\n  "
                         "(linear1): Linear(in_features=4, out_features=6, bias=True)\n  (dropout): "
                         "Dropout(p=0.1, inplace=False)\n  (linear2): Linear(in_features=6, out_features=4, "
                         "bias=True)\n  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n  (norm2): "
                         "LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n  (dropout1): Dropout(p=0.1, "
                         "inplace=False)\n  (dropout2): Dropout(p=0.1, inplace=False)\n)");
  free(r);
  ct_module_free(l);
  ct_scope_end();
}

/* dropout in training: PyTorch's masks (manual_seed(3) .double(), manual_seed(5), ramp input) */
static void test_mha_dropout_train(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(3);
  ct_module *m = ct_nn_multihead_attention(4, 2, .dropout = 0.5);
  assert_int_equal(ct_module_to(m, F64), 0);
  ct_manual_seed(5);
  ct_tensor *x = ramp(SH(3, 2, 4), F64, 0, false);
  ct_values out = {0};
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x)), &out), 0);
  VALS(ct_narrow(ct_flatten(ct_values_tensor(&out, 0), 0, -1), 0, 0, 6), 1e-9, 1e-10, -1.050105431, -0.632762439,
       0.8077967821, -0.2230245103, -0.034202891, -0.02238967377);
  VALS(ct_narrow(ct_flatten(ct_values_tensor(&out, 1), 0, -1), 0, 0, 6), 1e-9, 1e-10, 0.2747243172, 0.7369302228,
       0.8063189162, 0.3422356487, 0.6845071017, 0.3768424502);
  ct_module_free(m);
  /* TransformerEncoder(layer, 2, LayerNorm): clones share the initial weights; dropout 0.25 */
  ct_manual_seed(7);
  ct_module *l = ct_nn_transformer_encoder_layer(4, 2, .dim_feedforward = 6, .dropout = 0.25);
  ct_module *e = ct_nn_transformer_encoder(l, 2, ct_nn_layer_norm(CT_INTS(4)));
  assert_non_null(e);
  assert_int_equal(ct_module_to(e, F64), 0);
  assert_true(ct_equal(ct_module_get_parameter(e, "layers.0.linear1.weight"),
                       ct_module_get_parameter(e, "layers.1.linear1.weight")));
  ct_manual_seed(9);
  ct_tensor *y = ct_forward(e, ramp(SH(3, 2, 4), F64, 1, false));
  VALS(ct_narrow(ct_flatten(y, 0, -1), 0, 0, 6), 1e-9, 1e-10, 0.2976906305, 0.7428801018, 0.6667436391, -1.707314371,
       0.7575455457, -1.631400524);
  ct_module_free(e);
  ct_scope_end();
}

static void test_square_mask(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *m = ct_nn_generate_square_subsequent_mask(3, CT_DTYPE_UNSET);
  assert_int_equal(ct_dtype_of(m), CT_FLOAT32);
  expect_exact(m, 0, -INFINITY, -INFINITY, 0, 0, -INFINITY, 0, 0, 0);
  assert_int_equal(ct_dtype_of(ct_nn_generate_square_subsequent_mask(2, F64)), F64);
  expect_error(ct_nn_generate_square_subsequent_mask(-1, F64), "negative dimension");
  ct_scope_end();
}

/* MHA call with up to three tensors and keyword masks; returns the call's rc */
static int mha(ct_module *m, ct_tensor *q, ct_tensor *k, ct_tensor *v, ct_tensor *kpm, ct_tensor *am) {
  ct_values out = {0};
  ct_values in = CT_VALUES(ct_v_tensor(q), ct_v_tensor(k), ct_v_tensor(v),
                           ct_v_kw("key_padding_mask", kpm ? ct_v_tensor(kpm) : ct_v_none()),
                           ct_v_kw("attn_mask", am ? ct_v_tensor(am) : ct_v_none()));
  return ct_module_call(m, &in, &out);
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  expect_error(ct_nn_multihead_attention(5, 2), "embed_dim must be divisible by num_heads");
  expect_error(ct_nn_multihead_attention(4, 2, .dropout = -1), "dropout probability has to be between 0 and 1");
  expect_error(ct_nn_create("TransformerEncoderLayer", &CT_VALUES(ct_v_int(4), ct_v_int(2),
                                                                 ct_v_kw("activation", ct_v_str("tanh")))),
               "activation should be relu/gelu, not tanh");
  expect_error(ct_nn_create("TransformerEncoder", &CT_VALUES(ct_v_int(4))), "cannot be built");
  ct_module *m = ct_nn_multihead_attention(4, 2);
  ct_tensor *x = ramp(SH(3, 2, 4), CT_FLOAT32, 0, false), *k = ramp(SH(5, 2, 4), CT_FLOAT32, 1, false);
  expect_fail(mha(m, ct_ones(SH(4)), k, k, NULL, NULL),
              "query should be unbatched 2D or batched 3D tensor but received 1-D query tensor");
  expect_fail(mha(m, x, ct_ones(SH(5, 4)), k, NULL, NULL),
              "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 3-D tensors "
              "respectively");
  expect_fail(mha(m, x, k, k, ct_zeros(SH(5), .dtype = CT_BOOL), NULL),
              "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 1-D tensor "
              "instead");
  expect_fail(mha(m, x, k, k, NULL, ct_zeros(SH(5))),
              "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D tensor "
              "instead");
  expect_fail(mha(m, ct_ones(SH(3, 4)), ct_ones(SH(5, 4)), ct_ones(SH(5, 4)), NULL, ct_zeros(SH(3, 3, 5))),
              "Expected `attn_mask` shape to be (2, 3, 5) but got torch.Size([3, 3, 5])");
  expect_fail(mha(m, x, k, k, ct_zeros(SH(2, 5), .dtype = CT_INT64), NULL),
              "only bool and floating types of key_padding_mask are supported");
  expect_fail(mha(m, ct_ones(SH(3, 2, 6)), k, k, NULL, NULL), "was expecting embedding dimension of 4, but got 6");
  expect_fail(mha(m, x, k, ct_ones(SH(4, 2, 4)), NULL, NULL),
              "key shape torch.Size([5, 2, 4]) does not match value shape torch.Size([4, 2, 4])");
  expect_fail(mha(m, x, k, k, NULL, ct_zeros(SH(3, 5), .dtype = CT_INT64)),
              "Only float, byte, and bool types are supported for attn_mask, not torch.int64");
  expect_fail(mha(m, x, k, k, NULL, ct_zeros(SH(2, 5))),
              "The shape of the 2D attn_mask is torch.Size([2, 5]), but should be (3, 5).");
  expect_fail(mha(m, x, k, k, NULL, ct_zeros(SH(3, 3, 5))),
              "The shape of the 3D attn_mask is torch.Size([3, 3, 5]), but should be (4, 3, 5).");
  expect_fail(mha(m, x, k, k, ct_zeros(SH(2, 4), .dtype = CT_BOOL), NULL),
              "expecting key_padding_mask shape of (2, 5), but got torch.Size([2, 4])");
  ct_module_free(m);
  m = ct_nn_multihead_attention(4, 2, .kdim = 3, .vdim = 2);
  expect_fail(mha(m, x, ct_ones(SH(5, 2, 3)), ct_ones(SH(4, 2, 2)), NULL, NULL),
              "key's sequence and batch dims torch.Size([5, 2]) do not match value's torch.Size([4, 2])");
  ct_module_free(m);
  ct_module *t = ct_nn_transformer(.d_model = 4, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1,
                                   .dim_feedforward = 4);
  expect_error(ct_forward(t, ct_ones(SH(3, 2, 4)), ct_ones(SH(3, 3, 4))), "the batch number of src and tgt must be equal");
  expect_error(ct_forward(t, ct_ones(SH(3, 2, 4)), ct_ones(SH(3, 2, 5))),
               "the feature number of src and tgt must be equal to d_model");
  ct_module_free(t);
  ct_scope_end();
}

/* TransformerDecoder(TransformerDecoderLayer(4, 2, 6, 0.0), 2) after manual_seed(2), .double(),
 * with tgt_mask = generate_square_subsequent_mask(3) and a bool memory_key_padding_mask */
static void test_decoder_masks(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(2);
  ct_module *d = ct_nn_transformer_decoder(ct_nn_transformer_decoder_layer(4, 2, .dim_feedforward = 6, .dropout = 0),
                                           2, NULL);
  assert_non_null(d);
  assert_int_equal(ct_module_to(d, F64), 0);
  bool pad[10] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0};
  ct_tensor *mk = ct_tensor_from(pad, CT_BOOL, 2, (int64_t[]){2, 5});
  ct_values out = {0};
  ct_values in = CT_VALUES(ct_v_tensor(ramp(SH(3, 2, 4), F64, 0, false)), ct_v_tensor(ramp(SH(5, 2, 4), F64, 1, false)),
                           ct_v_kw("tgt_mask", ct_v_tensor(ct_nn_generate_square_subsequent_mask(3, F64))),
                           ct_v_kw("memory_key_padding_mask", ct_v_tensor(mk)));
  assert_int_equal(ct_module_call(d, &in, &out), 0);
  VALS(ct_narrow(ct_flatten(ct_values_tensor(&out, 0), 0, -1), 0, 0, 6), 1e-9, 1e-10, -1.625756874, 0.3822420299,
       0.1540024492, 1.089512395, -0.1006416608, -1.378310871);
  ct_module_free(d);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sdpa_formula),     cmocka_unit_test(test_sdpa_gradcheck),
      cmocka_unit_test(test_sdpa_dropout),     cmocka_unit_test(test_sdpa_errors),
      cmocka_unit_test(test_mha_init),         cmocka_unit_test(test_transformer_init),
      cmocka_unit_test(test_mha_dropout_train), cmocka_unit_test(test_square_mask),
      cmocka_unit_test(test_errors),           cmocka_unit_test(test_decoder_masks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
