/* The activation, shuffle, distance and padding modules against PyTorch 1.13: repr() strings
 * (C constructors and the registry, Python's int / float printing), in-place forwards, PReLU's
 * parameter gradient, RReLU's draws, constructor and forward messages. Values come from
 * running the code in the comments with /usr/bin/python3 (torch 1.13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

/* repr(m) is want; m is freed */
static void expect_repr_free(ct_module *m, const char *want, int line) {
  if (!m) fail_msg("line %d: constructor failed: %s", line, ct_last_error());
  char *s = ct_module_repr(m);
  if (!s || strcmp(s, want) != 0) fail_msg("line %d: repr %s, PyTorch %s", line, s ? s : "NULL", want);
  free(s);
  ct_module_free(m);
}
#define REPR(m, want) expect_repr_free(m, want, __LINE__)

/* print(nn.X(...)) for the C constructors */
static void test_repr_c(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  REPR(ct_nn_relu6(false), "ReLU6()");
  REPR(ct_nn_relu6(true), "ReLU6(inplace=True)");
  REPR(ct_nn_rrelu(), "RReLU(lower=0.125, upper=0.3333333333333333)");
  REPR(ct_nn_rrelu(.lower = 0.1, .upper = 0.3, .inplace = true), "RReLU(lower=0.1, upper=0.3, inplace=True)");
  REPR(ct_nn_leaky_relu(), "LeakyReLU(negative_slope=0.01)");
  REPR(ct_nn_leaky_relu(.negative_slope = 0.2, .inplace = true), "LeakyReLU(negative_slope=0.2, inplace=True)");
  REPR(ct_nn_prelu(), "PReLU(num_parameters=1)");
  REPR(ct_nn_prelu(.num_parameters = 3, .init = 0.1), "PReLU(num_parameters=3)");
  REPR(ct_nn_elu(), "ELU(alpha=1.0)");
  REPR(ct_nn_elu(.alpha = 0.5, .inplace = true), "ELU(alpha=0.5, inplace=True)");
  REPR(ct_nn_celu(), "CELU(alpha=1.0)");
  REPR(ct_nn_celu(.alpha = 2, .inplace = true), "CELU(alpha=2.0, inplace=True)");
  REPR(ct_nn_selu(false), "SELU()");
  REPR(ct_nn_selu(true), "SELU(inplace=True)");
  REPR(ct_nn_mish(true), "Mish(inplace=True)");
  REPR(ct_nn_hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)");
  REPR(ct_nn_hardtanh(.min_val = -2.5, .max_val = 3.5, .inplace = true),
       "Hardtanh(min_val=-2.5, max_val=3.5, inplace=True)");
  /* Hardsigmoid / Hardswish print nothing, inplace or not */
  REPR(ct_nn_hardsigmoid(true), "Hardsigmoid()");
  REPR(ct_nn_hardswish(true), "Hardswish()");
  REPR(ct_nn_softplus(), "Softplus(beta=1, threshold=20)");
  REPR(ct_nn_softplus(.beta = 0.5, .threshold = 3.5), "Softplus(beta=0.5, threshold=3.5)");
  REPR(ct_nn_softsign(), "Softsign()");
  REPR(ct_nn_softshrink(0.5), "Softshrink(0.5)");
  REPR(ct_nn_hardshrink(2), "Hardshrink(2.0)");
  REPR(ct_nn_tanhshrink(), "Tanhshrink()");
  REPR(ct_nn_threshold(0.1, 20, false), "Threshold(threshold=0.1, value=20.0)");
  REPR(ct_nn_threshold(1, 2, true), "Threshold(threshold=1.0, value=2.0, inplace=True)");
  REPR(ct_nn_logsigmoid(), "LogSigmoid()");
  REPR(ct_nn_glu(-1), "GLU(dim=-1)");
  REPR(ct_nn_softmin(CT_NONE), "Softmin(dim=None)");
  REPR(ct_nn_softmin(1), "Softmin(dim=1)");
  REPR(ct_nn_softmax2d(), "Softmax2d()");
  REPR(ct_nn_pixel_shuffle(2), "PixelShuffle(upscale_factor=2)");
  REPR(ct_nn_pixel_unshuffle(3), "PixelUnshuffle(downscale_factor=3)");
  REPR(ct_nn_channel_shuffle(2), "ChannelShuffle(groups=2)");
  REPR(ct_nn_pairwise_distance(.p = 1, .keepdim = true), "PairwiseDistance()");
  REPR(ct_nn_cosine_similarity(.dim = 0), "CosineSimilarity()");
  REPR(ct_nn_constant_pad1d(CT_INTS(2), 3.5), "ConstantPad1d(padding=(2, 2), value=3.5)");
  REPR(ct_nn_constant_pad2d(CT_INTS(1), 0), "ConstantPad2d(padding=(1, 1, 1, 1), value=0.0)");
  REPR(ct_nn_constant_pad3d(CT_INTS(1, 2, 3, 4, 5, 6), 1),
       "ConstantPad3d(padding=(1, 2, 3, 4, 5, 6), value=1.0)");
  REPR(ct_nn_reflection_pad1d(CT_INTS(2)), "ReflectionPad1d((2, 2))");
  REPR(ct_nn_reflection_pad2d(CT_INTS(1, 2, 3, 4)), "ReflectionPad2d((1, 2, 3, 4))");
  REPR(ct_nn_reflection_pad3d(CT_INTS(1)), "ReflectionPad3d((1, 1, 1, 1, 1, 1))");
  REPR(ct_nn_replication_pad1d(CT_INTS(2)), "ReplicationPad1d((2, 2))");
  REPR(ct_nn_replication_pad2d(CT_INTS(1)), "ReplicationPad2d((1, 1, 1, 1))");
  REPR(ct_nn_replication_pad3d(CT_INTS(1, 1, 1, 1, 1, 2)), "ReplicationPad3d((1, 1, 1, 1, 1, 2))");
  REPR(ct_nn_zero_pad2d(CT_INTS(2)), "ZeroPad2d((2, 2, 2, 2))");
  /* inside a container, as print(model) shows it */
  REPR(ct_nn_sequential(ct_nn_leaky_relu(.negative_slope = 0.2), ct_nn_zero_pad2d(CT_INTS(1, 2, 3, 4))),
       "Sequential(\n  (0): LeakyReLU(negative_slope=0.2)\n  (1): ZeroPad2d((1, 2, 3, 4))\n)");
  leak_end(lm, "repr", __LINE__);
}

static ct_module *json(const char *text) {
  ct_module *m = ct_nn_from_json(text);
  if (!m) fail_msg("%s: %s", text, ct_last_error());
  return m;
}

/* The registry keeps Python's int / float: nn.Softplus(2, 10), nn.Hardtanh(-2, 3, True), ... */
static void test_repr_registry(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  REPR(json("{\"type\": \"Softplus\", \"args\": [2, 10]}"), "Softplus(beta=2, threshold=10)");
  REPR(json("{\"type\": \"Hardtanh\", \"args\": [-2, 3, true]}"), "Hardtanh(min_val=-2, max_val=3, inplace=True)");
  REPR(json("{\"type\": \"Threshold\", \"args\": [0.1, 20]}"), "Threshold(threshold=0.1, value=20)");
  REPR(json("{\"type\": \"Softshrink\", \"args\": [1]}"), "Softshrink(1)");
  REPR(json("{\"type\": \"ELU\", \"kwargs\": {\"alpha\": 2, \"inplace\": true}}"), "ELU(alpha=2, inplace=True)");
  REPR(json("{\"type\": \"Hardtanh\", \"kwargs\": {\"min_value\": -3.0}}"), "Hardtanh(min_val=-3.0, max_val=1.0)");
  /* a tuple is one positional argument: value is the next one (nn.ConstantPad1d((1, 2), 3)) */
  REPR(json("{\"type\": \"ConstantPad1d\", \"args\": [[1, 2], 3]}"), "ConstantPad1d(padding=(1, 2), value=3)");
  REPR(json("{\"type\": \"ReflectionPad1d\", \"args\": [[3]]}"), "ReflectionPad1d((3,))");
  REPR(json("{\"type\": \"PReLU\", \"kwargs\": {\"num_parameters\": 4, \"dtype\": \"torch.float64\"}}"),
       "PReLU(num_parameters=4)");
  /* repr(float) of odd values: nn.LeakyReLU(x) for x in (1e-06, 1e16, 123456789012345.0, -0.0, ...) */
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [1e-06]}"), "LeakyReLU(negative_slope=1e-06)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [0.0001]}"), "LeakyReLU(negative_slope=0.0001)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [1e16]}"), "LeakyReLU(negative_slope=1e+16)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [123456789012345.0]}"),
       "LeakyReLU(negative_slope=123456789012345.0)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [-0.0]}"), "LeakyReLU(negative_slope=-0.0)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [0.30000000000000004]}"),
       "LeakyReLU(negative_slope=0.30000000000000004)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [1.7976931348623157e308]}"),
       "LeakyReLU(negative_slope=1.7976931348623157e+308)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [2.5e-300]}"), "LeakyReLU(negative_slope=2.5e-300)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [100.0]}"), "LeakyReLU(negative_slope=100.0)");
  REPR(json("{\"type\": \"LeakyReLU\", \"args\": [{\"float\": \"-inf\"}]}"), "LeakyReLU(negative_slope=-inf)");
  leak_end(lm, "registry repr", __LINE__);
}

/* Constructor messages: PyTorch's argument errors, Hardtanh's assert. */
static void test_ctor_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  expect_error(ct_nn_create("Threshold", &CT_VALUES(ct_v_float(0.1))),
               "Threshold.__init__() missing 1 required positional argument: 'value'");
  expect_error(ct_nn_create("PixelShuffle", NULL),
               "PixelShuffle.__init__() missing 1 required positional argument: 'upscale_factor'");
  expect_error(ct_nn_create("ConstantPad2d", &CT_VALUES(ct_v_int(1))),
               "ConstantPad2d.__init__() missing 1 required positional argument: 'value'");
  expect_error(ct_nn_create("ReflectionPad2d", NULL),
               "ReflectionPad2d.__init__() missing 1 required positional argument: 'padding'");
  expect_error(ct_nn_create("ELU", &CT_VALUES(ct_v_float(1), ct_v_bool(true), ct_v_int(3))),
               "ELU.__init__() takes 2 positional arguments but 3 were given");
  expect_error(ct_nn_create("LeakyReLU", &CT_VALUES(ct_v_kw("slope", ct_v_float(1)))),
               "LeakyReLU.__init__() got an unexpected keyword argument 'slope'");
  expect_error(ct_nn_create("ELU", &CT_VALUES(ct_v_str("x"))), "ELU: argument 'alpha' must be float, not str");
  expect_error(ct_nn_create("GLU", &CT_VALUES(ct_v_float(1.5))), "GLU: argument 'dim' must be int, not float");
  expect_error(ct_nn_hardtanh(.min_val = 1, .max_val = 1), "Hardtanh: max_val (1) must be greater than min_val (1)");
  expect_error(ct_nn_create("Hardtanh", &CT_VALUES(ct_v_int(2), ct_v_int(1))), "must be greater than min_val");
  /* torch.empty(-1) */
  expect_error(ct_nn_prelu(.num_parameters = -1), "Trying to create tensor with negative dimension -1: [-1]");
  expect_error(ct_nn_constant_pad2d((ct_ints){0}, 0), "ConstantPad2d: padding must be an int or a tuple");
  leak_end(lm, "ctor errors", __LINE__);
}

/* inplace=True writes into the input and returns it; the default leaves it alone. */
static void test_inplace(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_scope_begin();
  ct_module *mods[] = {ct_nn_relu(true), ct_nn_relu6(true), ct_nn_leaky_relu(.inplace = true),
                       ct_nn_rrelu(.inplace = true), ct_nn_elu(.inplace = true), ct_nn_celu(.inplace = true),
                       ct_nn_selu(true), ct_nn_mish(true), ct_nn_hardtanh(.inplace = true),
                       ct_nn_hardsigmoid(true), ct_nn_hardswish(true), ct_nn_threshold(0.1, 20, true)};
  for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) {
    ct_module_eval(mods[i]); /* RReLU: the mean slope */
    ct_tensor *x = ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, false);
    ct_tensor *ref = ct_forward(mods[i], ct_clone(x));
    ct_tensor *y = ct_forward(mods[i], x);
    if (y != x) fail_msg("%s(inplace=True) did not return its input", ct_module_name(mods[i]));
    assert_true(ct_test_same(x, ref));
  }
  /* not in place: the input is unchanged */
  ct_module *elu = ct_nn_elu();
  ct_tensor *x = ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, false), *x0 = ct_clone(x);
  assert_true(ct_forward(elu, x) != x);
  assert_true(ct_test_same(x, x0));
  /* an in-place module on a leaf that requires grad: PyTorch's refusal */
  ct_tensor *leaf = ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, true);
  expect_error(ct_forward(mods[4], leaf),
               "a leaf Variable that requires grad is being used in an in-place operation.");
  /* on a non-leaf the gradient flows through the in-place node:
   * a = ramp((2,3), 1).requires_grad_(); b = a * 2; nn.ELU(inplace=True)(b); b.sum().backward() */
  ct_tensor *a = ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 1, true), *b = ct_mul_scalar(a, 2);
  assert_true(ct_forward(mods[4], b) == b);
  assert_string_equal(ct_grad_fn_name(b), "EluBackward1");
  assert_int_equal(ct_backward(ct_sum(b)), 0);
  expect_list(ct_grad(a), 1e-6, 0, 0.2706705331802368, 2.0, 1.2130613327026367, 0.1641700267791748, 2.0,
              0.735758900642395);
  for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) ct_module_free(mods[i]);
  ct_module_free(elu);
  ct_scope_end();
  leak_end(lm, "inplace", __LINE__);
}

/* m = nn.PReLU(3, 0.1); x = ramp((2,3,2)).requires_grad_(); (m(x) * ramp((2,3,2), 3)).sum().backward() */
static void test_prelu(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_scope_begin();
  ct_module *m = ct_nn_prelu(.num_parameters = 3, .init = 0.1);
  ct_tensor *w = ct_module_get_parameter(m, "weight");
  assert_true(ct_requires_grad(w) && ct_is_leaf(w));
  expect_list(w, 0, 0, 0.1f, 0.1f, 0.1f);
  ct_tensor *x = ramp(3, (int64_t[]){2, 3, 2}, CT_FLOAT32, 0, true);
  ct_tensor *y = ct_forward(m, x);
  expect_list(y, 1e-7, 0, -0.125, 0.5, -0.05000000074505806, 1.25, 0.25, -0.07500000298023224, 1.0, 0.0,
              -0.10000000149011612, 0.75, -0.02500000037252903, -0.125);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, ramp(3, (int64_t[]){2, 3, 2}, CT_FLOAT32, 3, false)))), 0);
  expect_list(ct_grad(w), 1e-6, 0, 0.625, 0.125, 0.5);
  expect_list(ct_grad(x), 1e-6, 0, -0.05000000074505806, 1.25, 0.02500000037252903, -0.75, 1.0, 0.0, -1.0,
              0.07500000298023224, -0.02500000037252903, -1.25, 0.05000000074505806, -0.05000000074505806);
  /* state_dict holds the weight; dtype= and to() */
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_int_equal(ct_tensor_map_size(sd), 1);
  assert_string_equal(ct_tensor_map_name(sd, 0), "weight");
  ct_tensor_map_free(sd);
  ct_module *m64 = ct_nn_prelu(.dtype = CT_FLOAT64);
  assert_int_equal(ct_dtype_of(ct_module_get_parameter(m64, "weight")), CT_FLOAT64);
  expect_list(ct_module_get_parameter(m64, "weight"), 0, 0, 0.25);
  ct_module_free(m64);
  ct_module_free(m);
  ct_scope_end();
  leak_end(lm, "prelu", __LINE__);
}

/* torch.manual_seed(5); nn.RReLU(0.1, 0.6)(ramp((2, 4))) in train mode: PyTorch's draws */
static void test_rrelu_draws(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_scope_begin();
  ct_manual_seed(5);
  ct_module *r = ct_nn_create("RReLU", &CT_VALUES(ct_v_float(0.1), ct_v_float(0.6)));
  expect_list(ct_forward(r, ramp(2, (int64_t[]){2, 4}, CT_FLOAT32, 0, false)), 1e-7, 0, -0.5262594223022461,
              0.5, -0.11493948101997375, 1.25, 0.25, -0.21031035482883453, 1.0, 0.0);
  ct_module_eval(r); /* eval: the mean slope 0.35 */
  expect_list(ct_forward(r, ramp(1, (int64_t[]){2}, CT_FLOAT32, 0, false)), 1e-7, 0, -1.25 * 0.35, 0.5);
  ct_module_free(r);
  ct_scope_end();
  leak_end(lm, "rrelu", __LINE__);
}

/* A few forwards and messages through the modules (parity cases check every module's values). */
static void test_forwards(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_scope_begin();
  ct_module *th = ct_nn_threshold(0.1, 20, false);
  expect_list(ct_forward(th, ramp(1, (int64_t[]){5}, CT_FLOAT32, 0, false)), 0, 0, 20, 0.5, 20, 1.25, 0.25);
  ct_module *s2 = ct_nn_softmax2d();
  expect_error(ct_forward(s2, ct_ones(CT_SHAPE(2, 3))), "Softmax2d requires a 3D or 4D tensor as input");
  ct_tensor *p = ct_forward(s2, ct_zeros(CT_SHAPE(4, 1, 1)));
  expect_list(p, 0, 0, 0.25, 0.25, 0.25, 0.25);
  /* nn.Softmin() on 3-D input: dim 0 */
  ct_module *smin = ct_nn_softmin(CT_NONE);
  expect_list(ct_forward(smin, ct_zeros(CT_SHAPE(2, 1, 1))), 0, 0, 0.5, 0.5);
  ct_module *glu = ct_nn_glu(-1);
  expect_error(ct_forward(glu, ct_ones(CT_SHAPE(2, 3))), "Halving dimension must be even, but dimension 1 is size 3");
  ct_module *pad = ct_nn_constant_pad1d(CT_INTS(1, 0), -1);
  expect_list(ct_forward(pad, ct_ones(CT_SHAPE(1, 2))), 0, 0, -1, 1, 1);
  ct_module *zp = ct_nn_zero_pad2d(CT_INTS(1, 0, 0, 0));
  expect_list(ct_forward(zp, ct_ones(CT_SHAPE(1, 1, 2))), 0, 0, 0, 1, 1);
  ct_module *rp = ct_nn_reflection_pad1d(CT_INTS(2));
  ct_tensor *r3 = ct_reshape(ct_arange(0, 3, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 3));
  expect_list(ct_forward(rp, r3), 0, 0, 2, 1, 0, 1, 2, 1, 0);
  /* F.pad's own message for a 1-D input */
  expect_error(ct_forward(rp, ct_ones(CT_SHAPE(3))),
               "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  ct_module *rep = ct_nn_replication_pad1d(CT_INTS(1, 2));
  expect_list(ct_forward(rep, ct_reshape(ct_arange(0, 2, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 2))), 0, 0, 0, 0,
              1, 1, 1);
  /* distances take two tensors */
  ct_module *pd = ct_nn_pairwise_distance(.p = 1, .eps = 0);
  expect_list(ct_forward(pd, ct_ones(CT_SHAPE(1, 3)), ct_zeros(CT_SHAPE(1, 3))), 0, 0, 3);
  expect_error(ct_forward(pd, ct_ones(CT_SHAPE(1, 3))),
               "PairwiseDistance.forward() takes 2 tensor arguments (x1, x2) but 1 values were given");
  ct_module *cs = ct_nn_cosine_similarity();
  expect_list(ct_forward(cs, ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(2, 3))), 1e-6, 0, 1, 1);
  ct_module *ps = ct_nn_pixel_shuffle(2), *pu = ct_nn_pixel_unshuffle(2), *chs = ct_nn_channel_shuffle(2);
  ct_tensor *x = ct_reshape(ct_arange(0, 8, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 4, 1, 2));
  ct_tensor *up = ct_forward(ps, x);
  assert_int_equal(ct_shape(up)[2], 2);
  assert_true(ct_test_same(ct_forward(pu, up), x));
  expect_list(ct_forward(chs, x), 0, 0, 0, 1, 4, 5, 2, 3, 6, 7);
  ct_module *all[] = {th, s2, smin, glu, pad, zp, rp, rep, pd, cs, ps, pu, chs};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) ct_module_free(all[i]);
  ct_scope_end();
  leak_end(lm, "forwards", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repr_c),     cmocka_unit_test(test_repr_registry),
      cmocka_unit_test(test_ctor_errors), cmocka_unit_test(test_inplace),
      cmocka_unit_test(test_prelu),       cmocka_unit_test(test_rrelu_draws),
      cmocka_unit_test(test_forwards),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
