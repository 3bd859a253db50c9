/* Robustness sweep of attention: NULL, wrong rank, empty, non-contiguous inputs and hostile
 * sizes for F.scaled_dot_product_attention, MultiheadAttention and the Transformer family:
 * an error (never a crash) or the same values as the contiguous call; nothing leaked (ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

static void test_sdpa(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *q = ramp(SH(2, 3, 4), CT_FLOAT32, 0, false), *k = ramp(SH(2, 5, 4), CT_FLOAT32, 1, false);
  expect_error(ct_scaled_dot_product_attention(NULL, k, k), "required");
  expect_error(ct_scaled_dot_product_attention(q, NULL, k), "required");
  expect_error(ct_scaled_dot_product_attention(q, k, NULL), "required");
  expect_error(ct_scaled_dot_product_attention(q, k, ct_ones(SH(2, 4, 4))), ""); /* S differs */
  expect_error(ct_scaled_dot_product_attention(q, k, k, .attn_mask = ct_zeros(SH(4, 4))), "");
  expect_error(ct_scaled_dot_product_attention(ct_ones(SH(3, 4), .dtype = CT_INT64), ct_ones(SH(3, 4), .dtype = CT_INT64),
                                               ct_ones(SH(3, 4), .dtype = CT_INT64)),
               "same dtype");
  /* empty sequences: (2, 0, 4) queries give (2, 0, 4); no keys give NaN rows as PyTorch's math */
  ct_tensor *e = ct_scaled_dot_product_attention(ct_zeros(SH(2, 0, 4)), k, k);
  assert_non_null(e);
  assert_int_equal(ct_size(e, 1), 0);
  ct_tensor *nk = ct_scaled_dot_product_attention(q, ct_zeros(SH(2, 0, 4)), ct_zeros(SH(2, 0, 4)));
  assert_non_null(nk);
  assert_int_equal(ct_numel(nk), 24);
  /* non-contiguous inputs: the contiguous call's values */
  ct_tensor *qt = ct_transpose(ramp(SH(2, 4, 3), CT_FLOAT32, 0, false), 1, 2);
  ct_tensor *a = ct_scaled_dot_product_attention(qt, k, k), *b = ct_scaled_dot_product_attention(ct_contiguous(qt), k, k);
  assert_true(ct_allclose(a, b, 1e-6, 1e-7));
  ct_scope_end();
}

static int call3(ct_module *m, ct_tensor *q, ct_tensor *k, ct_tensor *v) {
  ct_values out = {0};
  return ct_module_call(m, &CT_VALUES(q ? ct_v_tensor(q) : ct_v_none(), k ? ct_v_tensor(k) : ct_v_none(),
                                      v ? ct_v_tensor(v) : ct_v_none()),
                        &out);
}

static void test_modules(void **state) {
  (void)state;
  ct_scope_begin();
  expect_error(ct_nn_multihead_attention(4, 0), "num_heads");
  expect_error(ct_nn_multihead_attention(-4, 2), "embed_dim");
  expect_error(ct_nn_multihead_attention(INT64_MAX, 1), "");
  expect_error(ct_nn_transformer_encoder(NULL, 2, NULL), "no layer given");
  expect_error(ct_nn_transformer_decoder(NULL, 2, ct_nn_layer_norm(CT_INTS(4))), "no layer given");
  expect_error(ct_nn_generate_square_subsequent_mask(-3, CT_FLOAT32), "negative dimension");
  assert_int_equal(ct_numel(ct_nn_generate_square_subsequent_mask(0, CT_FLOAT32)), 0);
  expect_error(ct_nn_transformer_encoder(ct_nn_transformer_encoder_layer(4, 2, .dim_feedforward = 4), -1, NULL),
               "num_layers");
  expect_error(ct_nn_transformer_encoder_layer(4, 2, .dropout = 2), "dropout probability");
  ct_module *m = ct_nn_multihead_attention(4, 2);
  ct_tensor *x = ramp(SH(3, 2, 4), CT_FLOAT32, 0, false);
  expect_fail(call3(m, NULL, x, x), "missing required positional arguments");
  expect_fail(call3(m, x, NULL, x), "missing required positional arguments");
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_int(3)), &(ct_values){0}),
              "must be a Tensor or None");
  expect_fail(call3(m, ct_ones(SH(1, 1, 1, 4)), x, x), "received 4-D query tensor");
  /* empty batch and empty sequence */
  assert_int_equal(call3(m, ct_zeros(SH(3, 0, 4)), ct_zeros(SH(5, 0, 4)), ct_zeros(SH(5, 0, 4))), 0);
  assert_int_equal(call3(m, ct_zeros(SH(0, 2, 4)), ct_zeros(SH(5, 2, 4)), ct_zeros(SH(5, 2, 4))), 0);
  /* non-contiguous query: the contiguous call's values */
  ct_tensor *xt = ct_transpose(ramp(SH(2, 3, 4), CT_FLOAT32, 1, false), 0, 1);
  ct_module *el = ct_nn_transformer_encoder_layer(4, 2, .dim_feedforward = 4, .dropout = 0);
  assert_true(ct_allclose(ct_forward(el, xt), ct_forward(el, ct_contiguous(xt)), 1e-6, 1e-7));
  ct_module_free(el);
  ct_values o1 = {0}, o2 = {0};
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(xt), ct_v_tensor(xt), ct_v_tensor(xt)), &o1), 0);
  ct_tensor *xc = ct_contiguous(xt);
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(xc), ct_v_tensor(xc), ct_v_tensor(xc)), &o2), 0);
  assert_true(ct_allclose(ct_values_tensor(&o1, 0), ct_values_tensor(&o2, 0), 1e-6, 1e-7));
  ct_module_free(m);
  ct_module *l = ct_nn_transformer_decoder_layer(4, 2, .dim_feedforward = 4);
  expect_fail(ct_module_call(l, &CT_VALUES(ct_v_tensor(x)), &(ct_values){0}), "'tgt' and 'memory'");
  ct_module_free(l);
  ct_module *t = ct_nn_transformer(.d_model = 4, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1,
                                   .dim_feedforward = 4);
  expect_error(ct_forward(t, x), "'src' and 'tgt'");
  assert_null(ct_forward(t, NULL, x)); /* an earlier failure: NULL passes through */
  ct_module_free(t);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sdpa), cmocka_unit_test(test_modules)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
