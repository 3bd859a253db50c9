/* The Lazy layers against PyTorch 1.13: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d,
 * LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d print as PyTorch's
 * before and after the first forward, take their input size from it, initialise their
 * parameters then (Linear's / _ConvNd's draws, from the generator's state at that moment),
 * become the plain layer, keep the dtype they were moved to and the parameters'
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

/* lazy takes plain's state_dict before its first forward, stays Lazy (repr_before), then
 * computes what plain computes on x, unreset, and prints as repr_after; both freed. */
static void check_lazy_load(ct_module *plain, ct_module *lazy, ct_tensor *x, const char *repr_before,
                            const char *repr_after) {
  ct_tensor_map *sd = ct_module_state_dict(plain);
  assert_int_equal(ct_module_load_state_dict(lazy, sd, true, NULL), 0);
  expect_repr(lazy, repr_before);
  assert_true(ct_equal(ct_forward(lazy, x), ct_forward(plain, x)));
  expect_repr(lazy, repr_after);
  ct_module_free(lazy);
  ct_module_free(plain);
  ct_tensor_map_free(sd);
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
  check_lazy_load(ct_nn_conv2d(2, 5, CT_INTS(3)), ct_nn_lazy_conv2d(5, CT_INTS(3)), ct_ones(CT_SHAPE(1, 2, 5, 5)),
                  "LazyConv2d(0, 5, kernel_size=(3, 3), stride=(1, 1))",
                  "Conv2d(0, 5, kernel_size=(3, 3), stride=(1, 1))");
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

/* The state_dict's keys in order, joined by spaces. */
static void expect_keys(const ct_module *m, const char *want) {
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_non_null(sd);
  char got[256] = "";
  for (int i = 0; i < ct_tensor_map_size(sd); i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", ct_tensor_map_name(sd, i));
  ct_tensor_map_free(sd);
  if (strcmp(got, want) != 0) fail_msg("state_dict keys: \"%s\", PyTorch: \"%s\"", got, want);
}

/* torch.manual_seed(0); m = nn.LazyConvTranspose2d(4, 2, stride=2, groups=2)
 * y = m(torch.arange(18.).reshape(1, 2, 3, 3) / 9, output_size=[7, 7]) */
static void test_lazy_conv_transpose2d(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_lazy_conv_transpose2d(4, CT_INTS(2), .stride = CT_INTS(2), .groups = 2);
  assert_non_null(m);
  expect_repr(m, "LazyConvTranspose2d(0, 4, kernel_size=(2, 2), stride=(2, 2), groups=2)");
  assert_int_equal(ct_numel(ct_module_get_parameter(m, "weight")), 0);
  ct_tensor *x = ct_div_scalar(ct_reshape(ct_arange(0, 18, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 2, 3, 3)), 9);
  ct_values out;
  if (ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_kw("output_size", ct_v_tuple(2)), ct_v_int(7),
                                   ct_v_int(7)), &out) != 0)
    fail_msg("forward: %s", ct_last_error());
  expect_repr(m, "ConvTranspose2d(2, 4, kernel_size=(2, 2), stride=(2, 2), groups=2)");
  ct_tensor *w = ct_module_get_parameter(m, "weight"); /* (in, out / groups, kH, kW) */
  assert_int_equal(ct_size(w, 0), 2);
  assert_int_equal(ct_size(w, 1), 2);
  expect_f32(w, -0.0026469905860722065, 0.18966144323349, -0.2909903824329376, -0.26019373536109924,
             -0.13617262244224548, 0.0948079451918602, -0.007005016785115004, 0.28032875061035156,
             -0.03137575834989548, 0.09355466812849045, -0.10684845596551895, -0.06949635595083237,
             -0.33776670694351196, -0.23415207862854004, -0.14574287831783295, 0.013096880167722702);
  expect_f32(ct_module_get_parameter(m, "bias"), 0.13977210223674774, 0.21214008331298828,
             -0.23968836665153503, -0.15395936369895935);
  ct_tensor *y = ct_values_tensor(&out, 0);
  assert_int_equal(ct_size(y, 2), 7);
  expect_f32(ct_reshape(ct_slice(ct_select(ct_select(y, 0, 0), 1, 0), 1, 0, 3, 1), CT_SHAPE(12)),
             0.13977210223674774, 0.13977210223674774, 0.13947799801826477, 0.21214008331298828,
             0.21214008331298828, 0.19700978696346283, -0.2710641324520111, -0.146133691072464,
             -0.27455031871795654, -0.4917260706424713, -0.3881114423274994, -0.529255747795105);
  ct_module_free(m);
  /* the registry, positions one lower than ConvTranspose1d's, float64, unbatched:
   * torch.manual_seed(1); m = nn.LazyConvTranspose1d(3, 2, 1, 0, 1, 1, False, 2).double()
   * m(torch.arange(8.).reshape(2, 4).double()) */
  ct_manual_seed(1);
  m = ct_nn_create("LazyConvTranspose1d", &CT_VALUES(ct_v_int(3), ct_v_int(2), ct_v_int(1), ct_v_int(0), ct_v_int(1),
                                                      ct_v_int(1), ct_v_bool(false), ct_v_int(2)));
  if (!m) fail_msg("LazyConvTranspose1d: %s", ct_last_error());
  expect_repr(m, "LazyConvTranspose1d(0, 3, kernel_size=(2,), stride=(1,), dilation=(2,), "
                 "output_padding=(1,), bias=False)");
  assert_int_equal(ct_module_to(m, CT_FLOAT64), 0);
  y = ct_forward(m, ct_reshape(ct_arange(0, 8, 1, .dtype = CT_FLOAT64), CT_SHAPE(2, 4)));
  if (!y) fail_msg("forward: %s", ct_last_error());
  expect_repr(m, "ConvTranspose1d(2, 3, kernel_size=(2,), stride=(1,), dilation=(2,), "
                 "output_padding=(1,), bias=False)");
  assert_int_equal(ct_dtype_of(ct_module_get_parameter(m, "weight")), CT_FLOAT64);
  expect_f64(ct_module_get_parameter(m, "weight"), -0.3583985004008491, -0.2249003036194638,
             -0.2169819137541772, -0.2636473767678289, 0.045779376144917824, -0.3188877581508315,
             -0.031914492132193786, 0.17012954106477893, 0.06513704054204203,
             -0.002721128507000769, 0.008471292683876855, -0.13918193265807516);
  expect_f64(y, -0.12765796852877515, -0.5179709610618181, -0.2277657893357452,
             -0.672849544423473, 0.570976639149746, 0.516205876595061, 0.0, 0.2605481621681681,
             0.10870328895603296, -0.05402609828410528, -0.47223947677107014,
             -0.5436215245776624, -0.8099900298524921, 0.0, 0.03388517073550742,
             0.0881358395643021, -0.4143412222392039, -0.8181602442193158, -1.472867112250114,
             -1.9309368030590206, 0.0);
  ct_module_free(m);
  m = ct_nn_lazy_conv_transpose3d(2, CT_INTS(1, 2, 1), .padding = CT_INTS(0, 1, 0));
  expect_repr(m, "LazyConvTranspose3d(0, 2, kernel_size=(1, 2, 1), stride=(1, 1, 1), padding=(0, 1, 0))");
  y = ct_forward(m, ct_ones(CT_SHAPE(1, 1, 2, 2, 2)));
  assert_non_null(y);
  assert_int_equal(ct_size(y, 3), 1);
  expect_repr(m, "ConvTranspose3d(1, 2, kernel_size=(1, 2, 1), stride=(1, 1, 1), padding=(0, 1, 0))");
  ct_module_free(m);
  leak_end(lm, "LazyConvTranspose", __LINE__);
}

/* m = nn.LazyBatchNorm2d(momentum=None, dtype=torch.float64)
 * x = (torch.arange(24.).reshape(2, 3, 2, 2) / 8).double() ** 2; y = m(x); m.eval(); m(x) */
static void test_lazy_batch_norm(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *m = ct_nn_lazy_batch_norm2d(.momentum = NAN, .dtype = CT_FLOAT64);
  assert_non_null(m);
  expect_repr(m, "LazyBatchNorm2d(0, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  expect_keys(m, "weight bias running_mean running_var num_batches_tracked");
  ct_tensor *nbt = ct_module_get_buffer(m, "num_batches_tracked"); /* a real buffer */
  assert_int_equal(ct_dim(nbt), 0);
  assert_int_equal(ct_dtype_of(nbt), CT_INT64);
  assert_int_equal(ct_numel(ct_module_get_buffer(m, "running_mean")), 0);
  assert_int_equal(ct_dtype_of(ct_module_get_buffer(m, "running_var")), CT_FLOAT64);
  ct_tensor *x = ct_reshape(ct_arange(0, 24, 1, .dtype = CT_FLOAT64), CT_SHAPE(2, 3, 2, 2));
  x = ct_square(ct_div_scalar(x, 8));
  ct_tensor *y = ct_forward(m, x);
  if (!y) fail_msg("forward: %s", ct_last_error());
  expect_repr(m, "BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
  assert_int_equal(ct_item_int64(ct_module_get_buffer(m, "num_batches_tracked")), 1);
  assert_int_equal(ct_dtype_of(ct_module_get_parameter(m, "weight")), CT_FLOAT64);
  assert_true(ct_requires_grad(ct_module_get_parameter(m, "bias")));
  assert_false(ct_requires_grad(ct_module_get_buffer(m, "running_mean")));
  expect_f64(ct_module_get_buffer(m, "running_mean"), 1.4609375, 2.6484375, 4.3359375);
  expect_f64(ct_module_get_buffer(m, "running_var"), 2.3890206473214284, 5.548618861607143, 10.03857421875);
  expect_f64(ct_select(ct_select(ct_select(y, 0, 0), 1, 0), 1, 0), -1.0104541688136923,
             -1.0885076488279979, -1.1255832315253365);
  ct_module_eval(m);
  y = ct_forward(m, x);
  expect_f64(ct_select(ct_select(ct_select(y, 0, 1), 1, 1), 1, 1), 1.3293364658294842,
             1.2702697793852715, 1.2402858299204265);
  ct_module_free(m);
  /* the options: only the tensors asked for; neither: nothing to infer, num_features stays 0 */
  m = ct_nn_lazy_batch_norm1d(.affine = false, .track_running_stats = false);
  expect_repr(m, "LazyBatchNorm1d(0, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  expect_keys(m, "");
  assert_non_null(ct_forward(m, ct_ones(CT_SHAPE(3, 2))));
  expect_repr(m, "BatchNorm1d(0, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  ct_module_free(m);
  m = ct_nn_lazy_batch_norm3d(.affine = false);
  expect_keys(m, "running_mean running_var num_batches_tracked");
  assert_non_null(ct_forward(m, ct_ones(CT_SHAPE(2, 2, 1, 1, 2))));
  expect_repr(m, "BatchNorm3d(2, eps=1e-05, momentum=0.1, affine=False, track_running_stats=True)");
  assert_int_equal(ct_numel(ct_module_get_buffer(m, "running_var")), 2);
  ct_module_free(m);
  m = ct_nn_create("LazyBatchNorm1d", &CT_VALUES(ct_v_float(1e-3), ct_v_kw("track_running_stats", ct_v_bool(false))));
  if (!m) fail_msg("LazyBatchNorm1d: %s", ct_last_error());
  expect_repr(m, "LazyBatchNorm1d(0, eps=0.001, momentum=0.1, affine=True, track_running_stats=False)");
  expect_keys(m, "weight bias");
  assert_non_null(ct_forward(m, ct_ones(CT_SHAPE(3, 2))));
  expect_repr(m, "BatchNorm1d(2, eps=0.001, momentum=0.1, affine=True, track_running_stats=False)");
  expect_exact(ct_module_get_parameter(m, "weight"), 1, 1);
  ct_module_free(m);
  leak_end(lm, "LazyBatchNorm", __LINE__);
}

/* PyTorch 1.13's Lazy instance norms default to affine=True, track_running_stats=True:
 * m = nn.LazyInstanceNorm1d(); y = m((torch.arange(12.).reshape(1, 3, 4) / 4) ** 2) */
static void test_lazy_instance_norm(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *m = ct_nn_lazy_instance_norm1d();
  expect_repr(m, "LazyInstanceNorm1d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_module *r = ct_nn_create("LazyInstanceNorm1d", NULL); /* the registry's defaults are the same */
  expect_repr(r, "LazyInstanceNorm1d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_module_free(r);
  expect_keys(m, "weight bias running_mean running_var num_batches_tracked");
  ct_tensor *x = ct_square(ct_div_scalar(ct_reshape(ct_arange(0, 12, 1, .dtype = CT_FLOAT32), CT_SHAPE(1, 3, 4)), 4));
  ct_tensor *y = ct_forward(m, x);
  if (!y) fail_msg("forward: %s", ct_last_error());
  expect_repr(m, "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  expect_f32(ct_module_get_buffer(m, "running_mean"), 0.02187499962747097, 0.19687500596046448,
             0.5718750357627869);
  expect_f32(ct_module_get_buffer(m, "running_var"), 0.9063801765441895, 0.979296863079071,
             1.1355468034744263);
  expect_exact(ct_module_get_buffer(m, "num_batches_tracked"), 0); /* InstanceNorm never counts */
  expect_f32(ct_slice(ct_reshape(y, CT_SHAPE(12)), 0, 0, 4, 1), -0.9998955130577087, -0.714211106300354,
             0.14284223318099976, 1.571264386177063);
  ct_module_free(m);
  m = ct_nn_lazy_instance_norm3d(.eps = 1e-3, .affine = false, .track_running_stats = false);
  expect_repr(m, "LazyInstanceNorm3d(0, eps=0.001, momentum=0.1, affine=False, track_running_stats=False)");
  assert_non_null(ct_forward(m, ct_ones(CT_SHAPE(2, 2, 1, 1, 2))));
  expect_repr(m, "InstanceNorm3d(0, eps=0.001, momentum=0.1, affine=False, track_running_stats=False)");
  ct_module_free(m);
  /* num_features is input.shape[1] even unbatched, as in PyTorch 1.13: (C, L) = (3, 4) gives 4,
   * then F.instance_norm refuses the 4-element weight, and the module is an InstanceNorm1d */
  m = ct_nn_lazy_instance_norm1d(.track_running_stats = false);
  expect_error(ct_forward(m, ct_ones(CT_SHAPE(3, 4))), "weight should contain 3 elements not 4");
  expect_repr(m, "InstanceNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)");
  ct_module_free(m);
  m = ct_nn_lazy_instance_norm2d();
  ct_module_eval(m);
  y = ct_forward(m, ct_ones(CT_SHAPE(2, 3, 2, 2)));
  assert_non_null(y);
  expect_repr(m, "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_module_free(m);
  leak_end(lm, "LazyInstanceNorm", __LINE__);
}

/* load_state_dict before the first forward (buffers too):
 *   torch.manual_seed(3); src = nn.BatchNorm2d(3); src(torch.randn(4, 3, 2, 2))
 *   m = nn.LazyBatchNorm2d(); m.load_state_dict(src.state_dict())
 *   -> LazyBatchNorm2d(0, ...), running_mean (3,), num_batches_tracked 1; eval: m(x) == src(x)
 *   -> BatchNorm2d(0, eps=1e-05, ...) */
static void test_lazy_norm_load_state_dict(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(3);
  ct_module *src = ct_nn_batch_norm2d(3), *m = ct_nn_lazy_batch_norm2d();
  assert_non_null(ct_forward(src, ct_randn(CT_SHAPE(4, 3, 2, 2))));
  CT_NO_GRAD {
    ct_mul_scalar_(ct_module_get_parameter(src, "weight"), 2);
    ct_add_scalar_(ct_module_get_parameter(src, "bias"), 0.5);
  }
  ct_tensor_map *sd = ct_module_state_dict(src);
  /* nothing changes when the load fails */
  ct_tensor_map *partial = ct_tensor_map_new();
  ct_tensor_map_set(partial, "running_mean", ct_ones(CT_SHAPE(3)));
  expect_fail(ct_module_load_state_dict(m, partial, true, NULL) != 0, "Missing key(s) in state_dict: \"weight\"");
  assert_int_equal(ct_numel(ct_module_get_buffer(m, "running_mean")), 0);
  ct_tensor_map_free(partial);
  assert_int_equal(ct_module_load_state_dict(m, sd, true, NULL), 0);
  expect_repr(m, "LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  const char *names[] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
  for (int i = 0; i < 5; i++) {
    ct_tensor *a = i < 2 ? ct_module_get_parameter(m, names[i]) : ct_module_get_buffer(m, names[i]);
    ct_tensor *b = i < 2 ? ct_module_get_parameter(src, names[i]) : ct_module_get_buffer(src, names[i]);
    if (!ct_equal(a, b)) fail_msg("%s differs after the load", names[i]);
  }
  assert_true(ct_requires_grad(ct_module_get_parameter(m, "weight")));
  assert_false(ct_requires_grad(ct_module_get_buffer(m, "running_var")));
  ct_module_eval(m);
  ct_module_eval(src);
  ct_tensor *x = ct_ones(CT_SHAPE(1, 3, 1, 1));
  assert_true(ct_equal(ct_forward(m, x), ct_forward(src, x))); /* no reset at the forward */
  expect_repr(m, "BatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_module_free(m);
  check_lazy_load(ct_nn_conv_transpose2d(2, 5, CT_INTS(3)), ct_nn_lazy_conv_transpose2d(5, CT_INTS(3)),
                  ct_ones(CT_SHAPE(1, 2, 4, 4)), "LazyConvTranspose2d(0, 5, kernel_size=(3, 3), stride=(1, 1))",
                  "ConvTranspose2d(0, 5, kernel_size=(3, 3), stride=(1, 1))");
  /* LazyInstanceNorm3d (eval: the loaded running stats are used) */
  ct_module *in = ct_nn_instance_norm3d(2, .affine = true, .track_running_stats = true);
  CT_NO_GRAD { ct_fill_(ct_module_get_buffer(in, "running_var"), 4); }
  ct_module_eval(in);
  ct_module *lin = ct_nn_lazy_instance_norm3d();
  ct_module_eval(lin);
  check_lazy_load(in, lin, ct_ones(CT_SHAPE(1, 2, 1, 1, 2)),
                  "LazyInstanceNorm3d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
                  "InstanceNorm3d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_tensor_map_free(sd);
  ct_module_free(src);
  leak_end(lm, "lazy norm load_state_dict", __LINE__);
}

/* The first forward's errors and the constructors' (PyTorch's words). */
static void test_lazy_more_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  /* input.shape[1] of a 1-D input: IndexError, still lazy */
  ct_module *m = ct_nn_lazy_batch_norm2d();
  expect_error(ct_forward(m, ct_ones(CT_SHAPE(3))), "tuple index out of range");
  expect_repr(m, "LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  /* the rank is checked after the materialisation, as PyTorch's pre-hook runs first */
  expect_error(ct_forward(m, ct_ones(CT_SHAPE(2, 3))), "expected 4D input (got 2D input)");
  expect_repr(m, "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  ct_module_free(m);
  m = ct_nn_lazy_conv_transpose1d(4, CT_INTS(3));
  expect_error(ct_forward(m, ct_ones(CT_SHAPE(2, 3, 4, 5))),
               "Expected 2D (unbatched) or 3D (batched) input to LazyConvTranspose1d, but got input of "
               "size: torch.Size([2, 3, 4, 5])");
  ct_module_free(m);
  m = ct_nn_lazy_conv_transpose2d(4, CT_INTS(3), .groups = 2);
  expect_error(ct_forward(m, ct_ones(CT_SHAPE(2, 3, 4, 5))), "in_channels must be divisible by groups");
  expect_repr(m, "LazyConvTranspose2d(3, 4, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  ct_module_free(m);
  /* out_channels is not checked against groups until the forward (PyTorch builds with 0) */
  m = ct_nn_lazy_conv_transpose2d(3, CT_INTS(3), .groups = 2);
  expect_repr(m, "LazyConvTranspose2d(0, 3, kernel_size=(3, 3), stride=(1, 1), groups=2)");
  ct_module_free(m);
  expect_error(ct_nn_lazy_conv_transpose2d(4, CT_INTS(3), .padding_mode = CT_PAD_REFLECT),
               "Only \"zeros\" padding mode is supported for LazyConvTranspose2d");
  expect_error(ct_nn_create("LazyConvTranspose2d", &CT_VALUES(ct_v_int(4), ct_v_int(3),
                                                               ct_v_kw("padding_mode", ct_v_str("circular")))),
               "Only \"zeros\" padding mode is supported for LazyConvTranspose2d");
  expect_error(ct_nn_create("LazyBatchNorm1d", &CT_VALUES(ct_v_kw("num_features", ct_v_int(3)))),
               "LazyBatchNorm1d.__init__() got an unexpected keyword argument 'num_features'");
  expect_error(ct_nn_lazy_batch_norm1d(.dtype = CT_INT64),
               "Only Tensors of floating point and complex dtype can require gradients");
  leak_end(lm, "lazy errors", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lazy_linear),
      cmocka_unit_test(test_lazy_conv1d_f64_unbatched),
      cmocka_unit_test(test_lazy_conv3d_and_2d),
      cmocka_unit_test(test_lazy_errors),
      cmocka_unit_test(test_lazy_load_state_dict),
      cmocka_unit_test(test_lazy_conv_transpose2d),
      cmocka_unit_test(test_lazy_batch_norm),
      cmocka_unit_test(test_lazy_instance_norm),
      cmocka_unit_test(test_lazy_norm_load_state_dict),
      cmocka_unit_test(test_lazy_more_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
