/* The Lazy layers against PyTorch 1.13: LazyLinear and LazyConv1d/2d/3d print as PyTorch's
 * before and after the first forward, take their input size from it, initialise their
 * parameters then (Linear's / _ConvNd's draws, from the generator's state at that moment),
 * become Linear / Conv*d, keep the dtype they were moved to and the parameters'
 * requires_grad, and fail with PyTorch's messages. Expected values come from torch 1.13 (the
 * comments give the Python). */
#include <math.h>
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

static void expect_repr(const ct_module *m, const char *want) {
  char *s = ct_module_repr(m);
  if (!s || strcmp(s, want) != 0) fail_msg("repr:\n%s\nPyTorch:\n%s", s ? s : ct_last_error(), want);
  free(s);
}

#define expect_f32(t, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 1e-6, 1e-7, #t, __LINE__)
#define expect_f64(t, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 1e-12, 1e-14, #t, __LINE__)

/* torch.manual_seed(0); m = nn.LazyLinear(3); y = m(torch.arange(8.).reshape(2, 4) / 4) */
static void test_lazy_linear(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_lazy_linear(3);
  assert_non_null(m);
  assert_string_equal(ct_module_name(m), "LazyLinear");
  expect_repr(m, "LazyLinear(in_features=0, out_features=3, bias=True)");
  assert_int_equal(ct_numel(ct_module_get_parameter(m, "weight")), 0); /* uninitialized */
  double xv[8];
  for (int i = 0; i < 8; i++) xv[i] = i / 4.0;
  ct_tensor *x = ct_to(ct_tensor_from(xv, CT_FLOAT64, 2, (int64_t[]){2, 4}), CT_FLOAT32);
  ct_tensor *y = ct_forward(m, x);
  if (!y) fail_msg("forward: %s", ct_last_error());
  assert_string_equal(ct_module_name(m), "Linear");
  expect_repr(m, "Linear(in_features=4, out_features=3, bias=True)");
  ct_tensor *w = ct_module_get_parameter(m, "weight");
  assert_int_equal(ct_size(w, 0), 3);
  assert_int_equal(ct_size(w, 1), 4);
  assert_true(ct_requires_grad(w));
  expect_f32(w, -0.003743410110473633, 0.26822179555892944, -0.4115225672721863,
             -0.3679695129394531, -0.19257718324661255, 0.13407868146896362,
             -0.009906589984893799, 0.39644473791122437, -0.04437202215194702,
             0.1323062777519226, -0.15110653638839722, -0.09828269481658936);
  expect_f32(ct_module_get_parameter(m, "bias"), -0.4776742458343506, -0.33114105463027954,
             -0.20611155033111572);
  expect_f32(y, -0.8923572301864624, -0.005241125822067261, -0.3223002552986145,
             -1.407370924949646, 0.32279855012893677, -0.4837552309036255);
  /* a second forward is a plain Linear's */
  assert_non_null(ct_forward(m, x));
  ct_module_free(m);
  /* bias=False prints so; parameters keep requires_grad=False through the materialisation */
  m = ct_nn_lazy_linear(2, .bias = false);
  expect_repr(m, "LazyLinear(in_features=0, out_features=2, bias=False)");
  assert_non_null(ct_requires_grad_(ct_module_get_parameter(m, "weight"), false));
  assert_non_null(ct_forward(m, x));
  assert_false(ct_requires_grad(ct_module_get_parameter(m, "weight")));
  assert_null(ct_module_get_parameter(m, "bias"));
  ct_clear_error();
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* torch.manual_seed(0); m = nn.LazyConv1d(4, 2, groups=2, bias=False).double()
 * y = m(torch.arange(12.).reshape(6, 2).double())   (unbatched: in_channels = size(0)) */
static void test_lazy_conv1d_f64_unbatched(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_create("LazyConv1d", &CT_VALUES(ct_v_int(4), ct_v_int(2), ct_v_kw("groups", ct_v_int(2)),
                                                       ct_v_kw("bias", ct_v_bool(false))));
  if (!m) fail_msg("LazyConv1d: %s", ct_last_error());
  expect_repr(m, "LazyConv1d(0, 4, kernel_size=(2,), stride=(1,), groups=2, bias=False)");
  ct_module *c = ct_nn_lazy_conv1d(4, CT_INTS(2), .groups = 2, .bias = false); /* the same in C */
  expect_repr(c, "LazyConv1d(0, 4, kernel_size=(2,), stride=(1,), groups=2, bias=False)");
  ct_module_free(c);
  assert_int_equal(ct_module_to(m, CT_FLOAT64), 0);
  double xv[12];
  for (int i = 0; i < 12; i++) xv[i] = i;
  ct_tensor *y = ct_forward(m, ct_tensor_from(xv, CT_FLOAT64, 2, (int64_t[]){6, 2}));
  if (!y) fail_msg("forward: %s", ct_last_error());
  expect_repr(m, "Conv1d(6, 4, kernel_size=(2,), stride=(1,), groups=2, bias=False)");
  ct_tensor *w = ct_module_get_parameter(m, "weight");
  assert_int_equal(ct_dtype_of(w), CT_FLOAT64);
  expect_f64(w, 0.38379666882986474, 0.16968420873129048, -0.03316368806378336,
             0.3435390455188394, 0.11841169823228925, 0.23772125850953216, -0.2624169590798714,
             -0.1215701156085642, 0.06641458291240093, -0.17290467003404353,
             -0.038482423743758196, -0.2638920818088885, -0.1181741969625426,
             0.09953521874397853, -0.01482071870010536, -0.048336190122908136,
             -0.07570427752043507, -0.24050838131187602, 0.13475310622254616, 0.232598565717149,
             -0.23648478295118375, 0.14430688794545687, -0.318649825672774,
             0.019393475291924023);
  expect_f64(y, 2.79622705463706, -1.9808450639053683, -3.968525080909409, -1.129577703261614);
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* torch.manual_seed(5); m = nn.LazyConv3d(2, (1, 2, 1), padding='same', padding_mode='reflect')
 * m(torch.ones(1, 1, 2, 2, 2)); and LazyConv2d's printing */
static void test_lazy_conv3d_and_2d(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(5);
  ct_module *m = ct_nn_lazy_conv3d(2, CT_INTS(1, 2, 1), .padding_kind = CT_PADDING_SAME,
                                   .padding_mode = CT_PAD_REFLECT);
  assert_non_null(m);
  expect_repr(m, "LazyConv3d(0, 2, kernel_size=(1, 2, 1), stride=(1, 1, 1), padding=same, "
                 "padding_mode=reflect)");
  assert_non_null(ct_forward(m, ct_ones(CT_SHAPE(1, 1, 2, 2, 2))));
  expect_repr(m, "Conv3d(1, 2, kernel_size=(1, 2, 1), stride=(1, 1, 1), padding=same, "
                 "padding_mode=reflect)");
  expect_f32(ct_module_get_parameter(m, "weight"), 0.46704667806625366, -0.5287590026855469,
             0.5762491226196289, 0.4524451494216919);
  expect_f32(ct_module_get_parameter(m, "bias"), 0.5941159725189209, -0.5421455502510071);
  ct_module_free(m);
  m = ct_nn_lazy_conv2d(4, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1));
  expect_repr(m, "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))");
  ct_tensor *y = ct_forward(m, ct_zeros(CT_SHAPE(1, 2, 5, 5)));
  assert_non_null(y);
  assert_int_equal(ct_size(y, 1), 4);
  expect_repr(m, "Conv2d(2, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))");
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* The first forward's errors, PyTorch's words; the module stays lazy (and keeps the
 * in_channels it read before the groups check, as PyTorch's does). */
/* load_state_dict before the first forward materialises the placeholders to the loaded
 * shapes (LazyModuleMixin._lazy_load_hook); the module stays Lazy with in_features 0 until
 * its forward, which then only changes the class:
 *   src = nn.Linear(4, 3); m = nn.LazyLinear(3); m.load_state_dict(src.state_dict())
 *   -> LazyLinear(in_features=0, ...), m.weight.shape (3, 4); m(x) -> Linear(in_features=0, ...)
 *   c = nn.LazyConv2d(5, 3); c.load_state_dict(nn.Conv2d(2, 5, 3).state_dict()); c(x)
 *   -> Conv2d(0, 5, kernel_size=(3, 3), stride=(1, 1)) */
static void test_lazy_load_state_dict(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *src = ct_nn_linear(4, 3), *m = ct_nn_lazy_linear(3);
  ct_tensor_map *sd = ct_module_state_dict(src);
  assert_int_equal(ct_module_load_state_dict(m, sd, true, NULL), 0);
  expect_repr(m, "LazyLinear(in_features=0, out_features=3, bias=True)");
  ct_tensor *w = ct_module_get_parameter(m, "weight");
  assert_int_equal(ct_dim(w), 2);
  assert_true(ct_equal(w, ct_module_get_parameter(src, "weight")));
  assert_true(ct_equal(ct_module_get_parameter(m, "bias"), ct_module_get_parameter(src, "bias")));
  assert_true(ct_is_leaf(w) && ct_requires_grad(w));
  ct_tensor *x = ct_ones(CT_SHAPE(2, 4));
  assert_true(ct_equal(ct_forward(m, x), ct_forward(src, x))); /* no reset at the forward */
  expect_repr(m, "Linear(in_features=0, out_features=3, bias=True)");
  ct_module_free(m);
  /* nothing changes when the load fails (strict, a missing key): still a placeholder */
  m = ct_nn_lazy_linear(3);
  ct_tensor_map *partial = ct_tensor_map_new();
  ct_tensor_map_set(partial, "weight", ct_ones(CT_SHAPE(5, 4)));
  expect_fail(ct_module_load_state_dict(m, partial, true, NULL) != 0, "Missing key(s) in state_dict: \"bias\"");
  assert_int_equal(ct_numel(ct_module_get_parameter(m, "weight")), 0);
  /* any shape is taken, as PyTorch does */
  ct_tensor_map_set(partial, "bias", ct_ones(CT_SHAPE(5)));
  assert_int_equal(ct_module_load_state_dict(m, partial, true, NULL), 0);
  assert_int_equal(ct_shape(ct_module_get_parameter(m, "weight"))[0], 5);
  assert_int_equal(ct_shape(ct_forward(m, x))[1], 5);
  ct_module_free(m);
  ct_tensor_map_free(partial);
  /* LazyConv2d */
  ct_module *conv = ct_nn_conv2d(2, 5, CT_INTS(3)), *c = ct_nn_lazy_conv2d(5, CT_INTS(3));
  ct_tensor_map *csd = ct_module_state_dict(conv);
  assert_int_equal(ct_module_load_state_dict(c, csd, true, NULL), 0);
  expect_repr(c, "LazyConv2d(0, 5, kernel_size=(3, 3), stride=(1, 1))");
  ct_tensor *xc = ct_ones(CT_SHAPE(1, 2, 5, 5));
  assert_true(ct_equal(ct_forward(c, xc), ct_forward(conv, xc)));
  expect_repr(c, "Conv2d(0, 5, kernel_size=(3, 3), stride=(1, 1))");
  ct_module_free(c);
  ct_module_free(conv);
  ct_tensor_map_free(csd);
  ct_tensor_map_free(sd);
  ct_module_free(src);
  leak_end(lm, "lazy load_state_dict", __LINE__);
}

static void test_lazy_errors(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_module *m = ct_nn_lazy_conv2d(4, CT_INTS(3), .groups = 2);
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(3, 5))),
               "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got input of "
               "size: torch.Size([3, 5])");
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(1, 3, 5, 5))), "in_channels must be divisible by groups");
  expect_repr(m, "LazyConv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  assert_non_null(ct_forward(m, ct_zeros(CT_SHAPE(1, 4, 5, 5))));
  expect_repr(m, "Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  ct_module_free(m);
  m = ct_nn_lazy_linear(3);
  expect_error(ct_forward(m, ct_scalar_tensor(1.0, CT_FLOAT32)), "tuple index out of range");
  expect_repr(m, "LazyLinear(in_features=0, out_features=3, bias=True)");
  ct_module_free(m);
  /* the registry's argument reader: no in_channels, positions one lower */
  expect_error(ct_nn_create("LazyConv2d", &CT_VALUES(ct_v_int(4))),
               "LazyConv2d.__init__() missing 1 required positional argument: 'kernel_size'");
  expect_error(ct_nn_create("LazyLinear", &CT_VALUES(ct_v_int(4), ct_v_kw("in_features", ct_v_int(2)))),
               "LazyLinear.__init__() got an unexpected keyword argument 'in_features'");
  ct_module *c = ct_nn_create("LazyConv2d", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_int(1), ct_v_str("same")));
  if (!c) fail_msg("LazyConv2d: %s", ct_last_error());
  expect_repr(c, "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)");
  ct_module_free(c);
  /* nn.Conv2d(2, 4, 3, 1, 'same'): a padding string by position (was read only as a keyword) */
  c = ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(2), ct_v_int(4), ct_v_int(3), ct_v_int(1), ct_v_str("same")));
  if (!c) fail_msg("Conv2d: %s", ct_last_error());
  expect_repr(c, "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)");
  ct_module_free(c);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lazy_linear),
      cmocka_unit_test(test_lazy_conv1d_f64_unbatched),
      cmocka_unit_test(test_lazy_conv3d_and_2d),
      cmocka_unit_test(test_lazy_errors),
      cmocka_unit_test(test_lazy_load_state_dict),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
