/* nn.RNN / LSTM / GRU beyond the module parity cases (tools/parity/specs_rnn.py): packed
 * sequences (pack_padded_sequence with unsorted lengths, pad_packed_sequence's options,
 * pack_sequence, pad_sequence) and recurrent modules on packed input, against PyTorch 1.13's
 * values (float64; the script's inputs are ct_test.h's ramp); initialisation draw for draw;
 * dropout between layers in training; gradcheck / gradgradcheck of ct_rnn_layer (the BPTT
 * node and its create_graph path); repr; every error message. */
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
/* the values of t are PyTorch's (the list literal's length checked too) */
#define VALS(t, rtol, atol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

static ct_tensor *i64(int n, const int64_t *v) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }

static void test_init_draws(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_lstm(2, 3, .num_layers = 2, .bidirectional = true, .proj_size = 2);
  assert_non_null(m);
  ct_tensor_map *ps = ct_module_named_parameters(m, true);
  static const char *names[] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
                                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                                "bias_hh_l0_reverse", "weight_hr_l0_reverse", "weight_ih_l1", "weight_hh_l1",
                                "bias_ih_l1", "bias_hh_l1", "weight_hr_l1", "weight_ih_l1_reverse",
                                "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
                                "weight_hr_l1_reverse"};
  assert_int_equal(ct_tensor_map_size(ps), 20);
  for (int i = 0; i < 20; i++) assert_string_equal(ct_tensor_map_name(ps, i), names[i]);
  ct_tensor_map_free(ps);
  VALS(ct_narrow(ct_module_get_parameter(m, "weight_ih_l0"), 0, 0, 2), 1e-6, 1e-7, -0.004322517663, 0.3097158372, -0.4751853347, -0.4248946011);
  VALS(ct_module_get_parameter(m, "weight_hr_l1_reverse"), 1e-6, 1e-7, 0.1025500149, 0.245644182, -0.1961995214, 0.2814994454, -0.4032623768, 0.130397439);
  ct_module_free(m);
  ct_scope_end();
}

/* LSTM(2, 3, bidirectional) on pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False), then
 * pad_packed_sequence(batch_first, padding_value=-1, total_length=4) and a backward */
static void test_packed_lstm(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(1);
  ct_module *m = ct_nn_lstm(2, 3, .bidirectional = true); /* .double() after the float32 draws */
  assert_int_equal(ct_module_to(m, F64), 0);
  ct_tensor *x = ramp(SH(3, 3, 2), F64, 0, true);
  ct_packed_sequence p = ct_pack_padded_sequence(x, i64(3, (int64_t[]){2, 3, 1}), false, false);
  assert_non_null(p.data);
  expect_exact(p.batch_sizes, 3, 2, 1);
  expect_exact(p.sorted_indices, 1, 0, 2);
  expect_exact(p.unsorted_indices, 1, 0, 2);
  VALS(p.data, 0, 0, -0.5, 1.25, -1.25, 0.5, 0.25, -0.75, -1, 0.75, 1, 0, 1.25, 0.25);
  assert_string_equal(ct_grad_fn_name(p.data), "PackPaddedSequenceBackward0");
  ct_values in = {0}, out;
  assert_int_equal(ct_values_push_packed(&in, p), 0);
  if (ct_module_call(m, &in, &out) != 0) fail_msg("%s", ct_last_error());
  ct_packed_sequence o = ct_values_packed(&out, 0);
  assert_non_null(o.data);
  VALS(o.data, 1e-9, 1e-10, -0.07665083819, 0.1096644853, -0.1898849238, -0.005808301233, 0.1350870796, -0.1907360685, -0.05069405081, 0.1511057457, -0.2344560476, -0.01612617887, 0.1904681308, -0.1042406655, -0.05038955459, 0.1305406831, -0.1674449688, -0.01060413695, 0.08771965063, -0.03626145605, -0.101669574, 0.1531120894, -0.2919297909, 0.0007839393771, 0.1561375819, -0.1013068456, -0.1323162291, 0.1276039191, -0.2423943784, 0.06059685195, 0.04221267643, 0.05242517634, -0.2016839786, 0.108821228, -0.2656895634, 0.08856448722, 0.03100597537, 0.0924654318);
  ct_tensor *h = ct_values_tensor(&out, 4), *c = ct_values_tensor(&out, 5);
  VALS(h, 1e-9, 1e-10, -0.1323162291, 0.1276039191, -0.2423943784, -0.2016839786, 0.108821228, -0.2656895634, -0.05038955459, 0.1305406831, -0.1674449688, -0.01612617887, 0.1904681308, -0.1042406655, -0.005808301233, 0.1350870796, -0.1907360685, -0.01060413695, 0.08771965063, -0.03626145605);
  VALS(c, 1e-9, 1e-10, -0.31128555, 0.2384690203, -0.6468662694, -0.4407434612, 0.2196440397, -0.7801011571, -0.1703724488, 0.2082945198, -0.3623066289, -0.03447626996, 0.596972322, -0.4794863658, -0.01012310639, 0.689932239, -0.7293853078, -0.02121969893, 0.2336698512, -0.08981226488);
  ct_tensor *pad, *lens;
  assert_int_equal(ct_pad_packed_sequence(o, &pad, &lens, .batch_first = true, .padding_value = -1,
                                          .total_length = 4), 0);
  assert_int_equal(ct_dim(pad), 3);
  assert_int_equal(ct_size(pad, 0), 3);
  assert_int_equal(ct_size(pad, 1), 4);
  assert_int_equal(ct_size(pad, 2), 6);
  expect_exact(lens, 2, 3, 1);
  VALS(pad, 1e-9, 1e-10, -0.05069405081, 0.1511057457, -0.2344560476, -0.01612617887, 0.1904681308, -0.1042406655, -0.1323162291, 0.1276039191, -0.2423943784, 0.06059685195, 0.04221267643, 0.05242517634, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -0.07665083819, 0.1096644853, -0.1898849238, -0.005808301233, 0.1350870796, -0.1907360685, -0.101669574, 0.1531120894, -0.2919297909, 0.0007839393771, 0.1561375819, -0.1013068456, -0.2016839786, 0.108821228, -0.2656895634, 0.08856448722, 0.03100597537, 0.0924654318, -1, -1, -1, -1, -1, -1, -0.05038955459, 0.1305406831, -0.1674449688, -0.01060413695, 0.08771965063, -0.03626145605, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  ct_tensor *loss = ct_add(ct_sum(ct_mul(pad, ramp(SH(3, 4, 6), F64, 3, false))), ct_sum(ct_mul(h, h)));
  assert_int_equal(ct_backward(loss), 0);
  VALS(ct_grad(x), 1e-8, 1e-10, -0.1511483713, -0.08902935784, 0.1053074834, 0.06312066453, -0.186161393, 0.03247952565, -0.308415393, 0.005019523633, -0.03614344333, -0.008607610969, 0, 0, 0, 0, -0.1925019391, -0.00177699037, 0, 0);
  VALS(ct_narrow(ct_grad(ct_module_get_parameter(m, "weight_hh_l0_reverse")), 0, 0, 4), 1e-7, 1e-10, 0.001796942414, 0.001012943852, 0.001676879898, 0.008199775276, 0.001802594041, 0.009459924104, -0.0008923509354, -0.001451302848, -0.0001678012765, -0.001218855475, -0.000609430503, -0.001178160187);
  ct_module_free(m);
  ct_scope_end();
}

/* GRU(2, 3, 2) on pack_padded_sequence(x, [3, 2]) (sorted: no indices) with h0 */
static void test_packed_gru_h0(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(2);
  ct_module *m = ct_nn_gru(2, 3, .num_layers = 2);
  assert_int_equal(ct_module_to(m, F64), 0);
  ct_packed_sequence p = ct_pack_padded_sequence(ramp(SH(3, 2, 2), F64, 1, false), i64(2, (int64_t[]){3, 2}),
                                                 false, true);
  assert_null(p.sorted_indices);
  ct_values in = {0}, out;
  assert_int_equal(ct_values_push_packed(&in, p), 0);
  assert_int_equal(ct_values_push(&in, ct_v_tensor(ramp(SH(2, 2, 3), F64, 5, false))), 0);
  assert_int_equal(ct_module_call(m, &in, &out), 0);
  assert_int_equal(out.v[3].type, CT_V_NONE); /* sorted_indices None */
  VALS(ct_values_packed(&out, 0).data, 1e-9, 1e-10, 0.2455029115, 0.7576835489, 0.08864904234, 0.1527981662, 0.6430417354, -0.006069025781, 0.3988221803, 0.2954432965, -0.08305832708, 0.4407121183, 0.268747705, -0.1110102637, 0.2492032996, 0.140931835, -0.2070377436);
  VALS(ct_values_tensor(&out, 2), 1e-9, 1e-10, 0.5692819869, -0.02072533079, 0.3046312361, 0.05432867308, -0.6365091299, 0.5134570803, 0.2492032996, 0.140931835, -0.2070377436, 0.4407121183, 0.268747705, -0.1110102637);
  ct_module_free(m);
  ct_scope_end();
}

static void test_pad_pack_sequence(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ramp(SH(2, 2), F64, 0, false), *b = ramp(SH(3, 2), F64, 2, false);
  ct_tensor *c = ramp(SH(1, 2), F64, 4, false);
  ct_tensor *ps = ct_pad_sequence(CT_TENSORS(a, b, c), true, 9);
  VALS(ps, 0, 0, -1.25, 0.5, -0.5, 1.25, 9, 9, -0.75, 1, 0, -1, 0.75, -0.25, -0.25, -1.25, 9, 9, 9, 9);
  ct_tensor *pt = ct_pad_sequence(CT_TENSORS(a, b, c), false, 0);
  assert_int_equal(ct_size(pt, 0), 3);
  assert_int_equal(ct_size(pt, 1), 3);
  ct_packed_sequence p = ct_pack_sequence(CT_TENSORS(a, b, c), false);
  expect_exact(p.batch_sizes, 3, 2, 1);
  VALS(p.data, 0, 0, -0.75, 1, -1.25, 0.5, -0.25, -1.25, 0, -1, -0.5, 1.25, 0.75, -0.25);
  expect_exact(p.sorted_indices, 1, 0, 2);
  /* round trip: pad_packed_sequence gives the padded batch back, in the original order */
  ct_tensor *pad, *lens;
  assert_int_equal(ct_pad_packed_sequence(p, &pad, &lens), 0);
  assert_true(ct_equal(pad, pt));
  expect_exact(lens, 2, 3, 1);
  ct_scope_end();
}

/* GRU(2, 3, 2, dropout=0.5) in training: PyTorch's dropout draws after its init draws */
static void test_dropout_between_layers(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(3);
  ct_module *m = ct_nn_gru(2, 3, .num_layers = 2, .dropout = 0.5);
  ct_values out;
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(ramp(SH(2, 2, 2), CT_FLOAT32, 0, false))), &out), 0);
  VALS(ct_values_tensor(&out, 0), 1e-5, 1e-6, -0.09643565118, -0.2386752367, -0.4546821713, -0.05025591701, -0.2066670656, -0.4250646532, -0.1284302175, -0.3398743272, -0.5142859221, -0.0733358115, -0.3107460141, -0.5205668211);
  ct_module_free(m);
  ct_scope_end();
}

/* ---- gradcheck of the fused layer --------------------------------------------------------- */
typedef struct {
  ct_rnn_mode mode;
  bool reverse, packed;
} layer_case;

static int run_layer(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  const layer_case *c = u;
  bool lstm = c->mode == CT_RNN_LSTM;
  ct_tensor *bs = c->packed ? i64(3, (int64_t[]){3, 2, 1}) : NULL;
  ct_tensor *const *w = in + (lstm ? 3 : 2); /* LSTM: c0 and w_hr too */
  return ct_rnn_layer(c->mode, in[0], bs, in[1], lstm ? in[2] : NULL,
                      (ct_rnn_weights){w[0], w[1], w[2], w[3], lstm ? w[4] : NULL}, c->reverse, &out[0], &out[1],
                      lstm ? &out[2] : NULL);
}

static ct_tensor *scaled(int nd, const int64_t *shape, int seed) {
  return ct_requires_grad_(ct_mul_scalar(ramp(nd, shape, F64, seed, false), 0.6), true);
}

static void test_layer_gradcheck(void **state) {
  (void)state;
  static const layer_case cases[] = {{CT_RNN_LSTM, false, false}, {CT_RNN_LSTM, true, true},
                                     {CT_RNN_GRU, false, true},   {CT_RNN_GRU, true, false},
                                     {CT_RNN_TANH, true, true}};
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    ct_scope_begin();
    const layer_case *c = &cases[k];
    bool lstm = c->mode == CT_RNN_LSTM;
    int64_t G = lstm ? 4 : c->mode == CT_RNN_GRU ? 3 : 1, H = 3, P = lstm ? 2 : 3, I = 2, B = c->packed ? 3 : 2;
    ct_tensor *x = c->packed ? ramp(SH(6, I), F64, 1, true) : ramp(SH(3, 2, I), F64, 1, true);
    ct_tensor *in[8] = {x, ramp(SH(B, P), F64, 2, true), ramp(SH(B, H), F64, 3, true),
                        scaled(SH(G * H, I), 4), scaled(SH(G * H, P), 5), ramp(SH(G * H), F64, 6, true),
                        ramp(SH(G * H), F64, 7, true), scaled(SH(P, H), 8)};
    if (!lstm) in[2] = in[3], in[3] = in[4], in[4] = in[5], in[5] = in[6], in[6] = NULL;
    int n = lstm ? 8 : 6, no = lstm ? 3 : 2;
    if (!ct_gradcheck(run_layer, in, n, .user = (void *)c, .n_outputs = no)) fail_msg("gradcheck: case %zu", k);
    if (!ct_gradgradcheck(run_layer, in, n, .user = (void *)c, .n_outputs = no))
      fail_msg("gradgradcheck: case %zu", k);
    assert_null(ct_last_error());
    ct_scope_end();
  }
}

/* the fused node agrees with LSTMCell stepped by hand */
static void test_layer_vs_cell(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(4);
  ct_module *cell = ct_nn_lstm_cell(2, 3, .dtype = F64); /* any weights do */
  ct_tensor *x = ramp(SH(3, 2, 2), F64, 0, false), *h = ramp(SH(2, 3), F64, 1, false);
  ct_tensor *c = ramp(SH(2, 3), F64, 2, false), *o, *hn, *cn;
  ct_rnn_weights w = {ct_module_get_parameter(cell, "weight_ih"), ct_module_get_parameter(cell, "weight_hh"),
                      ct_module_get_parameter(cell, "bias_ih"), ct_module_get_parameter(cell, "bias_hh"), NULL};
  assert_int_equal(ct_rnn_layer(CT_RNN_LSTM, x, NULL, h, c, w, false, &o, &hn, &cn), 0);
  assert_string_equal(ct_grad_fn_name(o), "StackBackward0");
  for (int t = 0; t < 3; t++) {
    ct_values out;
    assert_int_equal(ct_module_call(cell, &CT_VALUES(ct_v_tensor(ct_select(x, 0, t)), ct_v_tuple(2), ct_v_tensor(h),
                                                     ct_v_tensor(c)), &out), 0);
    h = ct_values_tensor(&out, 0), c = ct_values_tensor(&out, 1);
    assert_true(ct_allclose(ct_select(o, 0, t), h, 1e-12, 1e-12));
  }
  assert_true(ct_allclose(hn, h, 1e-12, 1e-12));
  assert_true(ct_allclose(cn, c, 1e-12, 1e-12));
  ct_module_free(cell);
  ct_scope_end();
}

static void test_grad_fn_names(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_randn(SH(3, 2, 4)), true);
  ct_module *m = ct_nn_lstm(4, 5, .num_layers = 2);
  ct_values out;
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), "StackBackward0");
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 1)), "StackBackward0");
  ct_module_free(m);
  m = ct_nn_gru(4, 5, .bidirectional = true, .batch_first = true);
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), "TransposeBackward0");
  ct_module_free(m);
  m = ct_nn_rnn(4, 5, .bidirectional = true);
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  assert_string_equal(ct_grad_fn_name(ct_values_tensor(&out, 0)), "CatBackward0");
  ct_module_free(m);
  ct_scope_end();
}

static void test_repr(void **state) {
  (void)state;
  ct_test_expect_repr(ct_nn_lstm(4, 5, .num_layers = 2, .bias = false, .batch_first = true, .dropout = 0.5,
                                 .bidirectional = true, .proj_size = 3),
                      "LSTM(4, 5, proj_size=3, num_layers=2, bias=False, batch_first=True, dropout=0.5, "
                      "bidirectional=True)", __LINE__);
  ct_test_expect_repr(ct_nn_rnn(4, 5, .relu = true), "RNN(4, 5)", __LINE__);
  ct_test_expect_repr(ct_nn_gru(4, 5), "GRU(4, 5)", __LINE__);
  ct_test_expect_repr(ct_nn_rnn_cell(3, 4, .relu = true), "RNNCell(3, 4, nonlinearity=relu)", __LINE__);
  ct_test_expect_repr(ct_nn_lstm_cell(3, 4, .bias = false), "LSTMCell(3, 4, bias=False)", __LINE__);
  ct_test_expect_repr(ct_nn_gru_cell(3, 4), "GRUCell(3, 4)", __LINE__);
}

static int call_err(ct_module *m, ct_values in) {
  ct_values out;
  return ct_module_call(m, &in, &out);
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  expect_error(ct_nn_lstm(4, 5, .dropout = 1.5), "dropout should be a number in range [0, 1] representing");
  expect_error(ct_nn_lstm(4, 5, .proj_size = -1), "proj_size should be a positive integer or zero to disable");
  expect_error(ct_nn_lstm(4, 5, .proj_size = 5), "proj_size has to be smaller than hidden_size");
  expect_error(ct_nn_gru(4, 5, .proj_size = 2), "proj_size argument is only supported for LSTM, not RNN or GRU");
  expect_error(ct_nn_lstm(4, 0), "hidden_size must be greater than zero");
  expect_error(ct_nn_lstm(4, 5, .num_layers = 0), "num_layers must be greater than zero");
  expect_error(ct_nn_create("RNN", &CT_VALUES(ct_v_int(4), ct_v_int(5), ct_v_kw("nonlinearity", ct_v_str("sig")))),
               "Unknown nonlinearity 'sig'");
  ct_module *l = ct_nn_lstm(4, 5, .num_layers = 2);
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 3))))),
              "input.size(-1) must be equal to input_size. Expected 4, got 3");
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 3, 4))))), "input must have 3 dimensions, got 5");
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4))), ct_v_tuple(2),
                                    ct_v_tensor(ct_randn(SH(1, 3, 5))), ct_v_tensor(ct_randn(SH(2, 3, 5))))),
              "Expected hidden[0] size (2, 3, 5), got [1, 3, 5]");
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4))), ct_v_tuple(2),
                                    ct_v_tensor(ct_randn(SH(2, 3, 5))), ct_v_tensor(ct_randn(SH(2, 2, 5))))),
              "Expected hidden[1] size (2, 3, 5), got [2, 2, 5]");
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4))), ct_v_tuple(2),
                                    ct_v_tensor(ct_randn(SH(2, 5))), ct_v_tensor(ct_randn(SH(2, 5))))),
              "For batched 3-D input, hx and cx should also be 3-D but got (2-D, 2-D) tensors");
  expect_fail(call_err(l, CT_VALUES(ct_v_tensor(ct_randn(SH(3, 4))), ct_v_tuple(2),
                                    ct_v_tensor(ct_randn(SH(2, 1, 5))), ct_v_tensor(ct_randn(SH(2, 1, 5))))),
              "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors");
  ct_module_free(l);
  ct_module *g = ct_nn_gru(4, 5, .num_layers = 2);
  expect_fail(call_err(g, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4))), ct_v_tensor(ct_randn(SH(1, 3, 5))))),
              "Expected hidden size (2, 3, 5), got [1, 3, 5]");
  expect_fail(call_err(g, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4))), ct_v_tensor(ct_randn(SH(3, 5))))),
              "For batched 3-D input, hx should also be 3-D but got 2-D tensor");
  expect_fail(call_err(g, CT_VALUES(ct_v_tensor(ct_randn(SH(3, 4))), ct_v_tensor(ct_randn(SH(2, 1, 5))))),
              "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor");
  expect_fail(call_err(g, CT_VALUES(ct_v_tensor(ct_randn(SH(2, 3, 4, 1))))),
              "GRU: Expected input to be 2-D or 3-D but received 4-D tensor");
  expect_fail(call_err(g, CT_VALUES(ct_v_tensor(ct_randn(SH(0, 3, 4))))),
              "Expected sequence length to be larger than 0 in RNN");
  ct_module_free(g);
  ct_module *c = ct_nn_lstm_cell(4, 5);
  expect_fail(call_err(c, CT_VALUES(ct_v_tensor(ct_randn(SH(3, 3))))),
              "input has inconsistent input_size: got 3 expected 4");
  expect_fail(call_err(c, CT_VALUES(ct_v_tensor(ct_randn(SH(3, 2, 4))))),
              "LSTMCell: Expected input to be 1-D or 2-D but received 3-D tensor");
  expect_fail(call_err(c, CT_VALUES(ct_v_tensor(ct_randn(SH(3, 4))), ct_v_tuple(2), ct_v_tensor(ct_randn(SH(2, 5))),
                                    ct_v_tensor(ct_randn(SH(3, 5))))),
              "Input batch size 3 doesn't match hidden0 batch size 2");
  ct_module_free(c);
  c = ct_nn_rnn_cell(4, 5);
  expect_fail(call_err(c, CT_VALUES(ct_v_tensor(ct_randn(SH(4))), ct_v_tensor(ct_randn(SH(2, 5))))),
              "hidden0 has inconsistent hidden_size: got 2, expected 5");
  ct_module_free(c);
  /* packing */
  ct_tensor *x = ct_randn(SH(3, 2, 4));
  expect_error(ct_pack_padded_sequence(x, i64(2, (int64_t[]){2, 3}), false, true).data,
               "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True");
  expect_error(ct_pack_padded_sequence(x, i64(2, (int64_t[]){3, 0}), false, false).data,
               "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
  expect_error(ct_pack_padded_sequence(x, i64(2, (int64_t[]){4, 2}), false, true).data,
               "Expected all lengths to be at most the sequence length 3, but got 4");
  expect_error(ct_pack_padded_sequence(x, i64(3, (int64_t[]){3, 2, 1}), false, true).data,
               "Expected `len(lengths)` to be equal to batch_size, but got 3 (batch_size=2)");
  expect_error(ct_pack_padded_sequence(x, ct_ones(SH(1, 2), .dtype = CT_INT64), false, true).data,
               "'lengths' argument should be a 1D CPU int64 tensor, but got 2D");
  expect_error(ct_pack_padded_sequence(ct_zeros(SH(3, 0, 4)), i64(0, NULL), false, true).data,
               "Cannot pack empty tensors.");
  ct_packed_sequence p = ct_pack_padded_sequence(x, i64(2, (int64_t[]){3, 2}), false, true);
  ct_tensor *pad, *lens;
  expect_fail(ct_pad_packed_sequence(p, &pad, &lens, .total_length = 2),
              "Expected total_length to be at least the length of the longest sequence in input, but got "
              "total_length=2 and max sequence length being 3");
  expect_error(ct_pad_sequence(CT_TENSORS(ct_randn(SH(2, 3)), ct_randn(SH(2, 4))), false, 0),
               "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
  expect_error(ct_pad_sequence((ct_tensor *const[]){NULL}, 0, false, 0), "received an empty list of sequences");
  ct_module *l1 = ct_nn_lstm(4, 5);
  ct_values in = {0};
  ct_values_push_packed(&in, p);
  ct_values_push(&in, ct_v_tuple(2));
  ct_values_push(&in, ct_v_tensor(ct_randn(SH(1, 3, 5))));
  ct_values_push(&in, ct_v_tensor(ct_randn(SH(1, 3, 5))));
  expect_fail(call_err(l1, in), "Expected hidden[0] size (1, 2, 5), got [1, 3, 5]");
  ct_module_free(l1);
  expect_fail(ct_values_packed(&CT_VALUES(ct_v_tensor(x)), 0).data == NULL, "expected a PackedSequence");
  ct_scope_end();
}

static void count_error(const char *message, void *user) {
  (void)message;
  ++*(int *)user;
}

/* A forward records no error for the parameters a layer lacks (no projection, bias=False):
 * such a lookup used to record one and clear it, which CT_ERRORS_ABORT turned into an abort */
static void test_forward_records_no_error(void **state) {
  (void)state;
  ct_scope_begin();
  int errors = 0;
  ct_module *lstm = ct_nn_lstm(2, 3, .bias = false), *rnn = ct_nn_rnn(2, 3);
  ct_set_error_handler(count_error, &errors);
  ct_values out;
  ct_tensor *x = ct_randn(CT_SHAPE(4, 1, 2));
  int rc = ct_module_call(lstm, &CT_VALUES(ct_v_tensor(x)), &out);
  rc |= ct_module_call(rnn, &CT_VALUES(ct_v_tensor(x)), &out);
  ct_set_error_handler(NULL, NULL);
  assert_int_equal(rc, 0);
  assert_int_equal(errors, 0);
  ct_module_free(lstm);
  ct_module_free(rnn);
  ct_scope_end();
}

/* The float32 kernels' own tanh: an RNN step with w_ih = 1, w_hh = 0, no bias is tanh(x),
 * within 3 ulp of float64's tanh over the whole range (tiny, near the 0.5 seam, saturated),
 * odd, and NaN in NaN out */
static void test_f32_tanh(void **state) {
  (void)state;
  ct_scope_begin();
  enum { N = 4001 };
  float *v = malloc(sizeof(float) * N);
  for (int i = 0; i < N; i++) v[i] = (float)((i - N / 2) * 0.0075); /* -15 .. 15 */
  v[0] = 1e-30f, v[1] = -3e-6f, v[2] = 0.49999997f, v[3] = 0.5f, v[4] = -0.50000006f, v[5] = 90.0f;
  ct_tensor *x = ct_tensor_from(v, CT_FLOAT32, 3, (int64_t[]){1, N, 1}), *o, *hn;
  ct_rnn_weights w = {ct_ones(SH(1, 1)), ct_zeros(SH(1, 1)), NULL, NULL, NULL};
  assert_int_equal(ct_rnn_layer(CT_RNN_TANH, x, NULL, NULL, NULL, w, false, &o, &hn, NULL), 0);
  const float *got = ct_data_ptr(ct_contiguous(o));
  for (int i = 0; i < N; i++) {
    double want = tanh((double)v[i]), ulp = nextafterf((float)fabs(want), INFINITY) - (float)fabs(want);
    if (fabs(got[i] - want) > 3 * ulp) fail_msg("tanh(%.9g) = %.9g, want %.9g", v[i], got[i], want);
  }
  v[0] = NAN, v[1] = -2.0f;
  x = ct_tensor_from(v, CT_FLOAT32, 3, (int64_t[]){1, 2, 1});
  assert_int_equal(ct_rnn_layer(CT_RNN_TANH, x, NULL, NULL, NULL, w, false, &o, &hn, NULL), 0);
  got = ct_data_ptr(ct_contiguous(o));
  assert_true(isnan(got[0]));
  assert_true(got[1] == -(float)tanh(2.0) || fabs(got[1] + tanh(2.0)) < 3e-7);
  free(v);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_f32_tanh),
      cmocka_unit_test(test_forward_records_no_error),
      cmocka_unit_test(test_init_draws),
      cmocka_unit_test(test_packed_lstm),
      cmocka_unit_test(test_packed_gru_h0),
      cmocka_unit_test(test_pad_pack_sequence),
      cmocka_unit_test(test_dropout_between_layers),
      cmocka_unit_test(test_layer_gradcheck),
      cmocka_unit_test(test_layer_vs_cell),
      cmocka_unit_test(test_grad_fn_names),
      cmocka_unit_test(test_repr),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
