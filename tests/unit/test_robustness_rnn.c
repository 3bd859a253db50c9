/* Robustness sweep over the recurrent modules and packed sequences (src/ops/rnn.c,
 * rnn_pack.c, src/nn/rnn.c): NULL arguments, wrong ranks and shapes, empty batches,
 * non-contiguous inputs and states (the contiguous copy's answer and gradient), hostile sizes,
 * and no leak anywhere, failed calls and backward included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

static ct_tensor *i64(int n, const int64_t *v) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }

static void test_null(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_randn(SH(3, 2, 4)), *w = ct_randn(SH(20, 4)), *wh = ct_randn(SH(20, 5)), *o, *h, *c;
  ct_tensor *len = i64(2, (int64_t[]){3, 2});
  NI(ct_rnn_layer(CT_RNN_LSTM, NULL, NULL, NULL, NULL, (ct_rnn_weights){w, wh}, false, &o, &h, &c));
  NI(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){NULL, wh}, false, &o, &h, &c));
  NI(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){w, NULL}, false, &o, &h, &c));
  NB(ct_pack_padded_sequence(NULL, len, false, true).data);
  NB(ct_pack_padded_sequence(x, NULL, false, true).data);
  NB(ct_pack_sequence(NULL, 2, true).data);
  NP(ct_pad_sequence(NULL, 2, false, 0));
  NP(ct_pad_sequence((ct_tensor *const[]){x, NULL}, 2, false, 0));
  NB(ct_pack_sequence((ct_tensor *const[]){x, NULL}, 2, true).data);
  /* a packed sequence without data, or output pointers missing: a message */
  ct_tensor *pad, *lens;
  expect_fail(ct_pad_packed_sequence((ct_packed_sequence){0}, &pad, &lens), "data and batch_sizes are required");
  expect_fail(ct_pad_packed_sequence(ct_pack_padded_sequence(x, len, false, true), NULL, &lens),
              "padded and lengths are required");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){w, wh}, false, &o, &h, NULL),
              "missing output pointers");
  expect_fail(ct_values_push_packed(NULL, (ct_packed_sequence){x, len}), "no value list");
  ct_values vs = {0};
  expect_fail(ct_values_push_packed(&vs, (ct_packed_sequence){0}), "data and batch_sizes are required");
  expect_fail(ct_values_packed(NULL, 0).data == NULL, "expected a PackedSequence");
  ct_module *l = ct_nn_lstm(4, 5);
  expect_fail(ct_module_call(l, &CT_VALUES(ct_v_none()), &vs), "input must be a Tensor or a PackedSequence");
  expect_fail(ct_module_call(l, &(ct_values){0}, &vs), "missing 1 required positional argument: 'input'");
  expect_fail(ct_module_call(l, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x)), &vs),
              "LSTM: hx must be a tuple (h_0, c_0) of tensors");
  ct_module_free(l);
  expect_error(ct_nn_rnn_cell(4, -1), "hidden_size must be greater than zero");
  expect_error(ct_nn_lstm_cell(4, 0), "hidden_size must be greater than zero");
  expect_error(ct_nn_gru_cell(-1, 4), "input_size must be non-negative");
  ct_module *cell = ct_nn_gru_cell(4, 5);
  expect_fail(ct_module_call(cell, &CT_VALUES(ct_v_none()), &vs), "missing 1 required positional argument: 'input'");
  ct_module_free(cell);
  leak_end(m, "null", __LINE__);
}

/* wrong dtypes, ranks and shapes reaching the fused layer directly */
static void test_layer_checks(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_randn(SH(3, 2, 4)), *w = ct_randn(SH(20, 4)), *wh = ct_randn(SH(20, 5)), *o, *h, *c;
  ct_rnn_weights ws = {w, wh};
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, ct_ones(SH(3, 2, 4), .dtype = CT_INT64), NULL, NULL, NULL, ws, false, &o, &h,
                           &c), "expected a float32 or float64 input");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, ct_randn(SH(3, 4)), NULL, NULL, NULL, ws, false, &o, &h, &c),
              "input must have 3 dimensions, got 2");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){ct_randn(SH(20, 3)), wh}, false, &o, &h,
                           &c), "w_ih has the wrong shape");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){ct_randn(SH(19, 4)), wh}, false, &o,
                           &h, &c), "w_ih must be 2-D with a multiple of 4 rows");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, x, NULL, NULL, NULL, (ct_rnn_weights){w, ct_randn(SH(20, 5), .dtype = CT_FLOAT64)},
                           false, &o, &h, &c), "w_hh must have the input's dtype");
  expect_fail(ct_rnn_layer(CT_RNN_GRU, x, NULL, NULL, NULL, (ct_rnn_weights){ct_randn(SH(15, 4)), ct_randn(SH(15, 5)),
                           .w_hr = ct_randn(SH(3, 5))}, false, &o, &h, NULL), "w_hr (proj_size) is only supported");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, x, NULL, ct_randn(SH(3, 5)), NULL, ws, false, &o, &h, &c),
              "Expected h0 size [2, 5], got [3, 5]");
  expect_fail(ct_rnn_layer((ct_rnn_mode)9, x, NULL, NULL, NULL, ws, false, &o, &h, &c), "unknown mode 9");
  ct_tensor *data = ct_randn(SH(5, 4));
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, data, i64(2, (int64_t[]){2, 2}), NULL, NULL, ws, false, &o, &h, &c),
              "batch_sizes sum to 4, but the packed data has 5 rows");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, data, i64(2, (int64_t[]){2, 3}), NULL, NULL, ws, false, &o, &h, &c),
              "batch_sizes must be positive and non-increasing");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, data, i64(2, (int64_t[]){5, 0}), NULL, NULL, ws, false, &o, &h, &c),
              "batch_sizes must be positive and non-increasing");
  expect_fail(ct_rnn_layer(CT_RNN_LSTM, data, ct_ones(SH(2), .dtype = CT_FLOAT32), NULL, NULL, ws, false, &o, &h, &c),
              "batch_sizes should be a 1D int64 tensor");
  assert_null(o);
  leak_end(m, "layer checks", __LINE__);
}

/* an empty batch: (T, 0, I) gives (T, 0, H) outputs and zero gradients, as PyTorch does */
static void test_empty_batch(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_module *l = ct_nn_lstm(4, 5, .bidirectional = true);
  ct_tensor *x = ct_requires_grad_(ct_randn(SH(3, 0, 4)), true);
  ct_values out;
  assert_int_equal(ct_module_call(l, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  ct_tensor *o = ct_values_tensor(&out, 0);
  assert_int_equal(ct_size(o, 0), 3);
  assert_int_equal(ct_size(o, 1), 0);
  assert_int_equal(ct_size(o, 2), 10);
  assert_int_equal(ct_backward(ct_add(ct_sum(o), ct_sum(ct_values_tensor(&out, 2)))), 0);
  expect_exact(ct_sum(ct_grad(ct_module_get_parameter(l, "weight_hh_l0"))), 0);
  ct_module_free(l);
  leak_end(m, "empty", __LINE__);
}

/* a transposed (non-contiguous) input and h0: the contiguous copies' outputs and gradients */
static void test_non_contiguous(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_manual_seed(5);
  ct_module *g = ct_nn_gru(4, 3, .num_layers = 2, .dtype = CT_FLOAT64);
  ct_tensor *xt = ct_requires_grad_(ct_transpose(ct_randn(SH(2, 5, 4), .dtype = CT_FLOAT64), 0, 1), true);
  ct_tensor *xc = ct_requires_grad_(ct_contiguous(ct_detach(xt)), true);
  ct_tensor *h = ct_transpose(ct_randn(SH(2, 2, 3), .dtype = CT_FLOAT64), 0, 1), *hc = ct_contiguous(h);
  assert_false(ct_is_contiguous(ct_detach(xt)));
  ct_values a, b;
  assert_int_equal(ct_module_call(g, &CT_VALUES(ct_v_tensor(xt), ct_v_tensor(h)), &a), 0);
  assert_int_equal(ct_module_call(g, &CT_VALUES(ct_v_tensor(xc), ct_v_tensor(hc)), &b), 0);
  assert_true(ct_equal(ct_values_tensor(&a, 0), ct_values_tensor(&b, 0)));
  assert_true(ct_equal(ct_values_tensor(&a, 1), ct_values_tensor(&b, 1)));
  assert_int_equal(ct_backward(ct_sum(ct_values_tensor(&a, 0))), 0);
  assert_int_equal(ct_backward(ct_sum(ct_values_tensor(&b, 0))), 0);
  assert_true(ct_allclose(ct_grad(xt), ct_grad(xc), 1e-12, 1e-12));
  ct_module_free(g);
  leak_end(m, "non-contiguous", __LINE__);
}

/* sizes no allocation can hold fail with a message, nothing leaked */
static void test_hostile_sizes(void **state) {
  (void)state;
  live_mark m = leak_begin();
  expect_error(ct_nn_lstm(4, (int64_t)1 << 40), "");
  expect_error(ct_nn_gru((int64_t)1 << 62, 4), "");
  expect_error(ct_nn_rnn(-3, 4), "input_size must be non-negative");
  ct_tensor *x = ct_randn(SH(3, 2, 4));
  ct_tensor *huge = ct_expand(ct_ones(SH(1), .dtype = CT_INT64), 1, (int64_t[]){2});
  expect_error(ct_pack_padded_sequence(x, ct_mul_scalar(huge, (double)((int64_t)1 << 40)), false, true).data,
               "Expected all lengths to be at most the sequence length 3");
  ct_tensor *pad, *lens;
  ct_packed_sequence p = ct_pack_padded_sequence(x, i64(2, (int64_t[]){3, 3}), false, true);
  expect_fail(ct_pad_packed_sequence(p, &pad, &lens, .total_length = 1), "total_length=1");
  p.batch_sizes = i64(2, (int64_t[]){2, -4});
  expect_fail(ct_pad_packed_sequence(p, &pad, &lens), "batch_sizes do not describe the packed data");
  leak_end(m, "hostile", __LINE__);
}

/* a failed backward-carrying call leaks nothing: forward, backward, create_graph, released graph */
static void test_backward_leaks(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_module *l = ct_nn_lstm(3, 4, .proj_size = 2, .num_layers = 2, .dtype = CT_FLOAT64);
  ct_tensor *x = ct_requires_grad_(ct_randn(SH(4, 2, 3), .dtype = CT_FLOAT64), true);
  ct_values out;
  assert_int_equal(ct_module_call(l, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  ct_tensor *loss = ct_sum(ct_values_tensor(&out, 0));
  ct_tensor *gx;
  if (ct_autograd_grad(&loss, 1, &x, 1, NULL, true, 1, false, &gx) != 0) fail_msg("%s", ct_last_error());
  /* double backward through the BPTT nodes (the second layer's input is the first's output) */
  assert_int_equal(ct_backward(ct_sum(ct_mul(gx, gx)), .retain_graph = true), 0);
  assert_non_null(ct_grad(ct_module_get_parameter(l, "weight_hr_l1")));
  if (ct_backward(loss) != 0) fail_msg("%s", ct_last_error());
  expect_fail(ct_backward(loss), "Trying to backward through the graph a second time");
  ct_module_free(l);
  leak_end(m, "backward", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_layer_checks),
      cmocka_unit_test(test_empty_batch),   cmocka_unit_test(test_non_contiguous),
      cmocka_unit_test(test_hostile_sizes), cmocka_unit_test(test_backward_leaks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
