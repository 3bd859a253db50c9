/* The conv, norm, pool, dropout and embedding layers against PyTorch 1.13: printing
 * (extra_repr), default initialisation draw for draw, parameter / buffer names and shapes,
 * constructor and forward errors with PyTorch's messages, BatchNorm's running statistics and
 * num_batches_tracked, ConvTranspose's output_size, padding modes, from_pretrained,
 * convert_sync_batchnorm and the registry. Expected values come from running the same code
 * with torch 1.13 (the comments give the Python). */
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

/* A float32 tensor of the given shape and values (int64 with .dtype = CT_INT64). */
static ct_tensor *tf_ex(int nd, const int64_t *shape, const double *v, ct_dtype dt) {
  return ct_to(ct_tensor_from(v, CT_FLOAT64, nd, shape), dt);
}
#define tf(shape, ...) tf_ex(shape, (const double[]){__VA_ARGS__}, CT_FLOAT32)
#define ti(shape, ...) tf_ex(shape, (const double[]){__VA_ARGS__}, CT_INT64)
#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

#define expect_repr ct_test_expect_repr

static void test_repr(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  struct {
    ct_module *m;
    const char *want;
  } rows[] = {
    {ct_nn_conv2d(3, 16, CT_INTS(3)),
     "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))"},
    {ct_nn_conv1d(4, 8, CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .bias = false, .padding_mode = CT_PAD_REFLECT),
     "Conv1d(4, 8, kernel_size=(3,), stride=(2,), padding=(1,), bias=False, padding_mode=reflect)"},
    {ct_nn_conv2d(4, 4, CT_INTS(3, 2), .padding_kind = CT_PADDING_SAME, .dilation = CT_INTS(2), .groups = 2),
     "Conv2d(4, 4, kernel_size=(3, 2), stride=(1, 1), padding=same, dilation=(2, 2), groups=2)"},
    {ct_nn_conv3d(2, 2, CT_INTS(1), .padding_kind = CT_PADDING_VALID),
     "Conv3d(2, 2, kernel_size=(1, 1, 1), stride=(1, 1, 1), padding=valid)"},
    {ct_nn_conv_transpose2d(4, 2, CT_INTS(3), .stride = CT_INTS(2), .output_padding = CT_INTS(1), .dilation = CT_INTS(1, 2)),
     "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), dilation=(1, 2), output_padding=(1, 1))"},
    {ct_nn_batch_norm1d(5),
     "BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"},
    {ct_nn_batch_norm2d(3, .eps = 1e-3, .momentum = NAN, .affine = false),
     "BatchNorm2d(3, eps=0.001, momentum=None, affine=False, track_running_stats=True)"},
    {ct_nn_batch_norm3d(2, .track_running_stats = false),
     "BatchNorm3d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=False)"},
    {ct_nn_sync_batch_norm(4),
     "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"},
    {ct_nn_instance_norm1d(3),
     "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)"},
    {ct_nn_instance_norm2d(3, .affine = true, .track_running_stats = true),
     "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"},
    {ct_nn_group_norm(2, 4),
     "GroupNorm(2, 4, eps=1e-05, affine=True)"},
    {ct_nn_layer_norm(CT_INTS(10)),
     "LayerNorm((10,), eps=1e-05, elementwise_affine=True)"},
    {ct_nn_layer_norm(CT_INTS(4, 5), .eps = 1e-6, .affine = false),
     "LayerNorm((4, 5), eps=1e-06, elementwise_affine=False)"},
    {ct_nn_local_response_norm(2),
     "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"},
    {ct_nn_max_pool2d(CT_INTS(2)),
     "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"},
    {ct_nn_max_pool1d(CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1), .dilation = CT_INTS(2), .return_indices = true, .ceil_mode = true),
     "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)"},
    {ct_nn_max_pool3d(CT_INTS(2, 2, 1)),
     "MaxPool3d(kernel_size=(2, 2, 1), stride=(2, 2, 1), padding=0, dilation=1, ceil_mode=False)"},
    {ct_nn_max_unpool2d(CT_INTS(2)),
     "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"},
    {ct_nn_max_unpool1d(CT_INTS(3), .stride = CT_INTS(2)),
     "MaxUnpool1d(kernel_size=(3,), stride=(2,), padding=(0,))"},
    {ct_nn_avg_pool1d(CT_INTS(3)),
     "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"},
    {ct_nn_avg_pool2d(CT_INTS(2), .stride = CT_INTS(1), .padding = CT_INTS(1)),
     "AvgPool2d(kernel_size=2, stride=1, padding=1)"},
    {ct_nn_avg_pool3d(CT_INTS(1, 2, 2)),
     "AvgPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2), padding=0)"},
    {ct_nn_adaptive_avg_pool2d(CT_INTS(CT_NONE, 7)),
     "AdaptiveAvgPool2d(output_size=(None, 7))"},
    {ct_nn_adaptive_avg_pool1d(CT_INTS(5)),
     "AdaptiveAvgPool1d(output_size=5)"},
    {ct_nn_adaptive_max_pool2d(CT_INTS(3), true),
     "AdaptiveMaxPool2d(output_size=3)"},
    {ct_nn_lp_pool2d(2.0, CT_INTS(3)),
     "LPPool2d(norm_type=2.0, kernel_size=3, stride=None, ceil_mode=False)"},
    {ct_nn_lp_pool1d(1.5, CT_INTS(2), .stride = CT_INTS(1)),
     "LPPool1d(norm_type=1.5, kernel_size=2, stride=1, ceil_mode=False)"},
    {ct_nn_fractional_max_pool2d(CT_INTS(3), .output_ratio = {0.5}),
     "FractionalMaxPool2d()"},
    {ct_nn_dropout(0.5, false),
     "Dropout(p=0.5, inplace=False)"},
    {ct_nn_dropout2d(0.25, true),
     "Dropout2d(p=0.25, inplace=True)"},
    {ct_nn_alpha_dropout(0.1, false),
     "AlphaDropout(p=0.1, inplace=False)"},
    {ct_nn_feature_alpha_dropout(1e-7, false),
     "FeatureAlphaDropout(p=1e-07, inplace=False)"},
    {ct_nn_embedding(10, 3),
     "Embedding(10, 3)"},
    {ct_nn_embedding(10, 3, .padding_idx = -1, .max_norm = 1.0, .norm_type = 1.5, .scale_grad_by_freq = true, .sparse = true),
     "Embedding(10, 3, padding_idx=9, max_norm=1.0, norm_type=1.5, scale_grad_by_freq=True, sparse=True)"},
    {ct_nn_embedding_bag(10, 3),
     "EmbeddingBag(10, 3, mode=mean)"},
    {ct_nn_embedding_bag(10, 3, .mode = CT_BAG_SUM, .padding_idx = 2, .max_norm = 2.0),
     "EmbeddingBag(10, 3, max_norm=2.0, mode=sum, padding_idx=2)"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) expect_repr(rows[i].m, rows[i].want, (int)i);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* torch.manual_seed(0); nn.Conv2d(2, 3, 2) */
static const double CONV_W[] = {-0.0026469905860722065, 0.18966144323349, -0.2909903824329376, -0.26019373536109924, -0.13617262244224548, 0.0948079451918602, -0.007005016785115004, 0.28032875061035156, -0.03137575834989548, 0.09355466812849045, -0.10684845596551895, -0.06949635595083237, -0.33776670694351196, -0.23415207862854004, -0.14574287831783295, 0.013096880167722702, 0.13977210223674774, 0.21214008331298828, -0.23968836665153503, -0.15395936369895935, 0.12841664254665375, 0.29358646273612976, -0.07276134938001633, 0.26456815004348755};
static const double CONV_B[] = {-0.05698692053556442, 0.037410933524370193, 0.3201341927051544};
/* torch.manual_seed(0); nn.ConvTranspose1d(2, 4, 3, groups=2) */
static const double CONVT_W[] = {-0.0030564817134290934, 0.21900218725204468, -0.3360067903995514, -0.3004458546638489, -0.15723861753940582, 0.1094747856259346, -0.008088696748018265, 0.3236957788467407, -0.036229606717824936, 0.1080276295542717, -0.1233779713511467, -0.08024748414754868};
static const double CONVT_B[] = {-0.39001941680908203, -0.2703755497932434, -0.16828937828540802, 0.0151229752227664};
/* torch.manual_seed(0); nn.Embedding(4, 3, padding_idx=-2) (padding_idx becomes 2) */
static const double EMB_W[] = {1.5409960746765137, -0.293428897857666, -2.1787893772125244, 0.5684312582015991, -1.0845223665237427, -1.3985954523086548, 0.0, 0.0, 0.0, -0.40334352850914, -0.5966353416442871, 0.18203648924827576};
/* torch.manual_seed(0); nn.EmbeddingBag(3, 2) */
static const double BAG_W[] = {1.5409960746765137, -0.293428897857666, -2.1787893772125244, 0.5684312582015991, -1.0845223665237427, -1.3985954523086548};

static void expect_shape(const ct_tensor *t, int nd, const int64_t *shape) {
  assert_non_null(t);
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], shape[i]);
}

static void test_init(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *c = ct_nn_conv2d(2, 3, CT_INTS(2));
  expect_shape(ct_module_get_parameter(c, "weight"), 4, (int64_t[]){3, 2, 2, 2});
  expect_vals(ct_module_get_parameter(c, "weight"), CONV_W, 24, 1e-6, 0);
  expect_vals(ct_module_get_parameter(c, "bias"), CONV_B, 3, 1e-6, 0);
  ct_module_free(c);
  ct_manual_seed(0);
  c = ct_nn_conv_transpose1d(2, 4, CT_INTS(3), .groups = 2);
  expect_shape(ct_module_get_parameter(c, "weight"), 3, (int64_t[]){2, 2, 3});
  expect_vals(ct_module_get_parameter(c, "weight"), CONVT_W, 12, 1e-6, 0);
  expect_vals(ct_module_get_parameter(c, "bias"), CONVT_B, 4, 1e-6, 0);
  ct_module_free(c);
  ct_manual_seed(0);
  c = ct_nn_embedding(4, 3, .padding_idx = -2);
  expect_vals(ct_module_get_parameter(c, "weight"), EMB_W, 12, 1e-6, 0);
  ct_module_free(c);
  ct_manual_seed(0);
  c = ct_nn_embedding_bag(3, 2);
  expect_vals(ct_module_get_parameter(c, "weight"), BAG_W, 6, 1e-6, 0);
  ct_module_free(c);
  /* BatchNorm: weight 1, bias 0, running stats 0 / 1, num_batches_tracked int64 0 */
  c = ct_nn_batch_norm2d(3);
  expect_exact(ct_module_get_parameter(c, "weight"), 1, 1, 1);
  expect_exact(ct_module_get_parameter(c, "bias"), 0, 0, 0);
  expect_exact(ct_module_get_buffer(c, "running_mean"), 0, 0, 0);
  expect_exact(ct_module_get_buffer(c, "running_var"), 1, 1, 1);
  ct_tensor *nbt = ct_module_get_buffer(c, "num_batches_tracked");
  assert_int_equal(ct_dtype_of(nbt), CT_INT64);
  assert_int_equal(ct_dim(nbt), 0);
  ct_module_free(c);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void expect_keys(ct_module *m, const char *const *keys, int n) {
  assert_non_null(m);
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_non_null(sd);
  assert_int_equal(ct_tensor_map_size(sd), n);
  for (int i = 0; i < n; i++) assert_string_equal(ct_tensor_map_name(sd, i), keys[i]);
  ct_tensor_map_free(sd);
  ct_module_free(m);
}
#define KEYS(m, ...) \
  expect_keys(m, (const char *const[]){__VA_ARGS__}, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)))

static void test_state_dict_keys(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  KEYS(ct_nn_conv1d(2, 2, CT_INTS(1)), "weight", "bias");
  KEYS(ct_nn_conv_transpose3d(2, 2, CT_INTS(1), .bias = false), "weight");
  KEYS(ct_nn_batch_norm1d(2), "weight", "bias", "running_mean", "running_var", "num_batches_tracked");
  KEYS(ct_nn_batch_norm1d(2, .affine = false), "running_mean", "running_var", "num_batches_tracked");
  KEYS(ct_nn_instance_norm2d(2, .affine = true), "weight", "bias");
  KEYS(ct_nn_group_norm(1, 2), "weight", "bias");
  KEYS(ct_nn_layer_norm(CT_INTS(2, 3)), "weight", "bias");
  KEYS(ct_nn_embedding(3, 2), "weight");
  ct_module *bn = ct_nn_batch_norm3d(0, .affine = false, .track_running_stats = false);
  ct_tensor_map *sd = ct_module_state_dict(bn);
  assert_int_equal(ct_tensor_map_size(sd), 0);
  ct_tensor_map_free(sd);
  ct_module_free(bn);
  ct_module *ln = ct_nn_layer_norm(CT_INTS(2, 3));
  expect_shape(ct_module_get_parameter(ln, "weight"), 2, (int64_t[]){2, 3});
  ct_module_free(ln);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_errors(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  expect_error(ct_nn_conv2d(3, 4, CT_INTS(3), .groups = 2), "in_channels must be divisible by groups");
  expect_error(ct_nn_conv2d(4, 3, CT_INTS(3), .groups = 2), "out_channels must be divisible by groups");
  expect_error(ct_nn_conv2d(4, 4, CT_INTS(3), .groups = 0), "groups must be a positive integer");
  expect_error(ct_nn_conv2d(4, 4, CT_INTS(3), .padding_kind = CT_PADDING_SAME, .stride = CT_INTS(2)),
               "padding='same' is not supported for strided convolutions");
  expect_error(ct_nn_conv2d(-1, 4, CT_INTS(3)), "Trying to create tensor with negative dimension -1: [4, -1, 3, 3]");
  expect_error(ct_nn_conv_transpose2d(4, 4, CT_INTS(3), .padding_mode = CT_PAD_REFLECT),
               "Only \"zeros\" padding mode is supported for ConvTranspose2d");
  expect_error(ct_nn_dropout(1.5, false), "dropout probability has to be between 0 and 1, but got 1.5");
  expect_error(ct_nn_dropout(-0.5, false), "dropout probability has to be between 0 and 1, but got -0.5");
  expect_error(ct_nn_group_norm(3, 4), "num_channels must be divisible by num_groups");
  expect_error(ct_nn_batch_norm1d(-2), "Trying to create tensor with negative dimension -2: [-2]");
  expect_error(ct_nn_embedding(3, 2, .padding_idx = 3), "Padding_idx must be within num_embeddings");
  expect_error(ct_nn_embedding_bag(3, 2, .padding_idx = -4), "padding_idx must be within num_embeddings");
  expect_error(ct_nn_embedding_from_pretrained(ct_zeros(CT_SHAPE(3)), true),
               "Embeddings parameter is expected to be 2-dimensional");
  expect_error(ct_nn_fractional_max_pool2d(CT_INTS(2)),
               "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio");
  expect_error(ct_nn_fractional_max_pool2d(CT_INTS(2), .output_size = CT_INTS(3), .output_ratio = {0.5}),
               "only one of output_size and output_ratio may be specified");
  expect_error(ct_nn_fractional_max_pool2d(CT_INTS(2), .output_ratio = {1.5}),
               "output_ratio must be between 0 and 1 (got 1.5)");
  expect_error(ct_nn_linear(-1, 3), "Trying to create tensor with negative dimension -1: [3, -1]");
  /* the registry: strings as PyTorch takes them */
  expect_error(ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(4), ct_v_int(4), ct_v_int(3),
                                                 ct_v_kw("padding_mode", ct_v_str("x")))),
               "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='x'");
  expect_error(ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(4), ct_v_int(4), ct_v_int(3),
                                                 ct_v_kw("padding", ct_v_str("foo")))),
               "Invalid padding string 'foo', should be one of");
  expect_error(ct_nn_create("Dropout", &CT_VALUES(ct_v_float(2))), "but got 2.0");
  /* forward: input ranks */
  ct_module *m = ct_nn_batch_norm1d(3);
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(2, 3, 4, 5))), "expected 2D or 3D input (got 4D input)");
  ct_module_free(m);
  m = ct_nn_batch_norm2d(3);
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(2, 3))), "expected 4D input (got 2D input)");
  ct_module_free(m);
  m = ct_nn_instance_norm2d(3);
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(2))), "expected 3D or 4D input (got 1D input)");
  ct_module_free(m);
  m = ct_nn_sync_batch_norm(3);
  expect_error(ct_forward(m, ct_zeros(CT_SHAPE(2))), "expected at least 2D input (got 1D input)");
  ct_module_free(m);
  /* ConvTranspose2d(2, 2, 3, stride=2)(x, output_size=...) */
  m = ct_nn_conv_transpose2d(2, 2, CT_INTS(3), .stride = CT_INTS(2));
  ct_values out;
  ct_tensor *x = ct_zeros(CT_SHAPE(1, 2, 4, 4));
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_kw("output_size", ct_v_tuple(2)),
                                           ct_v_int(20), ct_v_int(20)), &out),
              "requested an output size of [20, 20], but valid sizes range from [9, 9] to [10, 10] "
              "(for an input of torch.Size([4, 4]))");
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tuple(1), ct_v_int(9)), &out),
              "ConvTranspose2D: for 4D input, output_size must have 2 or 4 elements (got 1)");
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tuple(4), ct_v_int(1),
                                                ct_v_int(2), ct_v_int(10), ct_v_int(9)), &out), 0);
  expect_shape(ct_values_tensor(&out, 0), 4, (int64_t[]){1, 2, 10, 9});
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* BatchNorm's running statistics: momentum and the cumulative average (momentum=None) */
static void test_batch_norm_stats(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  /* m = nn.BatchNorm1d(2, momentum=None); x = torch.tensor([[1., 2.], [3., 6.]]); m(x); m(2 * x) */
  ct_module *m = ct_nn_batch_norm1d(2, .momentum = NAN);
  ct_tensor *x = tf(CT_SHAPE(2, 2), 1, 2, 3, 6);
  assert_non_null(ct_forward(m, x));
  assert_non_null(ct_forward(m, ct_mul_scalar(x, 2)));
  assert_int_equal(ct_item_int64(ct_module_get_buffer(m, "num_batches_tracked")), 2);
  /* running_mean = mean of the batch means (2, 4) and (4, 8); running_var of (2, 8), (8, 32) */
  expect_exact(ct_module_get_buffer(m, "running_mean"), 3, 6);
  expect_exact(ct_module_get_buffer(m, "running_var"), 5, 20);
  /* eval: normalised by the running statistics, the count unchanged */
  ct_module_eval(m);
  ct_tensor *y = ct_forward(m, x);
  double s5 = sqrt(5 + 1e-5), s20 = sqrt(20 + 1e-5);
  expect_list(y, 1e-6, 1e-7, -2 / s5, -4 / s20, 0 / s5, 0 / s20);
  assert_int_equal(ct_item_int64(ct_module_get_buffer(m, "num_batches_tracked")), 2);
  ct_module_free(m);
  /* track_running_stats=False: batch statistics in eval too, no buffers */
  m = ct_nn_batch_norm1d(2, .track_running_stats = false);
  ct_module_eval(m);
  expect_list(ct_forward(m, x), 1e-4, 1e-4, -1, -1, 1, 1);
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_convert_sync(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_module *bn = ct_nn_batch_norm2d(3);
  ct_tensor *w = ct_module_get_parameter(bn, "weight");
  ct_module *seq = ct_nn_sequential(ct_nn_conv2d(1, 3, CT_INTS(1)), bn);
  seq = ct_nn_convert_sync_batchnorm(seq);
  assert_non_null(seq);
  assert_string_equal(ct_module_name(ct_module_at(seq, 1)), "SyncBatchNorm");
  assert_ptr_equal(ct_module_get_parameter(seq, "1.weight"), w); /* shared, as PyTorch's */
  char *s = ct_module_repr(seq);
  assert_string_equal(s, "Sequential(\n  (0): Conv2d(1, 3, kernel_size=(1, 1), stride=(1, 1))\n"
                         "  (1): SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n)");
  free(s);
  assert_non_null(ct_forward(seq, ct_ones(CT_SHAPE(2, 1, 2, 2))));
  assert_int_equal(ct_item_int64(ct_module_get_buffer(seq, "1.num_batches_tracked")), 1);
  ct_module_free(seq);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_from_pretrained(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *w = tf(CT_SHAPE(2, 3), 1, 2.3, 3, 4, 5.1, 6.3);
  ct_module *e = ct_nn_embedding_from_pretrained(w, true);
  assert_false(ct_requires_grad(ct_module_get_parameter(e, "weight")));
  ct_tensor *y = ct_forward(e, ti(CT_SHAPE(1), 1));
  expect_list(y, 1e-6, 0, 4, 5.1, 6.3);
  char *s = ct_module_repr(e);
  assert_string_equal(s, "Embedding(2, 3)");
  free(s);
  ct_module_free(e);
  e = ct_nn_embedding_bag_from_pretrained(w, false, .mode = CT_BAG_SUM);
  assert_true(ct_requires_grad(ct_module_get_parameter(e, "weight")));
  y = ct_forward(e, ti(CT_SHAPE(1, 2), 1, 0));
  expect_list(y, 1e-6, 0, 5, 7.4, 9.3);
  ct_module_free(e);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* padding_mode: F.pad then a convolution without padding (PyTorch's _conv_forward) */
static void test_padding_modes(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  /* m = nn.Conv1d(1, 1, 3, padding=1, bias=False, padding_mode=mode); weight = 1 */
  ct_tensor *x = tf(CT_SHAPE(1, 1, 4), 1, 2, 3, 4);
  const double want[4][4] = {{3, 6, 9, 7}, {5, 6, 9, 10}, {4, 6, 9, 11}, {7, 6, 9, 8}};
  for (int mode = 0; mode < 4; mode++) {
    ct_module *m = ct_nn_conv1d(1, 1, CT_INTS(3), .padding = CT_INTS(1), .bias = false,
                                .padding_mode = (ct_pad_mode)mode);
    CT_NO_GRAD { ct_fill_(ct_module_get_parameter(m, "weight"), 1); }
    expect_vals(ct_forward(m, x), want[mode], 4, 1e-6, 0);
    ct_module_free(m);
  }
  /* padding='same' with an even kernel pads 0 left, 1 right (reflect) */
  ct_module *m = ct_nn_conv1d(1, 1, CT_INTS(2), .padding_kind = CT_PADDING_SAME, .bias = false,
                              .padding_mode = CT_PAD_REFLECT);
  CT_NO_GRAD { ct_fill_(ct_module_get_parameter(m, "weight"), 1); }
  expect_list(ct_forward(m, x), 1e-6, 0, 3, 5, 7, 7);
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_registry(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  /* nn.Conv2d(2, 4, kernel_size=(3, 1), stride=2, padding='valid', bias=False) */
  ct_module *m = ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(2), ct_v_int(4),
                                                   ct_v_kw("kernel_size", ct_v_tuple(2)), ct_v_int(3),
                                                   ct_v_int(1), ct_v_kw("stride", ct_v_int(2)),
                                                   ct_v_kw("padding", ct_v_str("valid")),
                                                   ct_v_kw("bias", ct_v_bool(false))));
  expect_repr(m, "Conv2d(2, 4, kernel_size=(3, 1), stride=(2, 2), padding=valid, bias=False)", __LINE__);
  m = ct_nn_create("BatchNorm1d", &CT_VALUES(ct_v_int(3), ct_v_kw("momentum", ct_v_none())));
  expect_repr(m, "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)", __LINE__);
  m = ct_nn_create("AdaptiveAvgPool2d", &CT_VALUES(ct_v_tuple(2), ct_v_none(), ct_v_int(7)));
  expect_repr(m, "AdaptiveAvgPool2d(output_size=(None, 7))", __LINE__);
  m = ct_nn_create("MaxPool2d", &CT_VALUES(ct_v_int(2), ct_v_int(1), ct_v_kw("return_indices", ct_v_bool(true))));
  expect_repr(m, "MaxPool2d(kernel_size=2, stride=1, padding=0, dilation=1, ceil_mode=False)", __LINE__);
  m = ct_nn_create("EmbeddingBag", &CT_VALUES(ct_v_int(5), ct_v_int(2), ct_v_kw("mode", ct_v_str("max"))));
  expect_repr(m, "EmbeddingBag(5, 2, mode=max)", __LINE__);
  m = ct_nn_create("LayerNorm", &CT_VALUES(ct_v_tuple(2), ct_v_int(2), ct_v_int(3), ct_v_float(1e-3)));
  expect_repr(m, "LayerNorm((2, 3), eps=0.001, elementwise_affine=True)", __LINE__);
  expect_error(ct_nn_create("Conv2d", &CT_VALUES(ct_v_int(2), ct_v_int(4), ct_v_int(3), ct_v_kw("strid", ct_v_int(1)))),
               "Conv2d.__init__() got an unexpected keyword argument 'strid'");
  /* MaxPool2d(2, return_indices=True): two outputs */
  m = ct_nn_max_pool2d(CT_INTS(2), .return_indices = true);
  ct_values out;
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(ct_ones(CT_SHAPE(1, 1, 4, 4)))), &out), 0);
  assert_int_equal(ct_values_count_tensors(&out), 2);
  assert_int_equal(ct_dtype_of(ct_values_tensor(&out, 1)), CT_INT64);
  ct_module_free(m);
  ct_module *seq = ct_nn_from_json(
      "{\"type\": \"Sequential\", \"modules\": [{\"type\": \"Conv2d\", \"args\": [3, 8, 3], "
      "\"kwargs\": {\"padding\": 1}}, {\"type\": \"BatchNorm2d\", \"args\": [8]}, "
      "{\"type\": \"MaxPool2d\", \"args\": [2]}, {\"type\": \"Dropout\", \"kwargs\": {\"p\": 0.25}}]}");
  expect_repr(seq, "Sequential(\n  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
                   "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
                   "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
                   "  (3): Dropout(p=0.25, inplace=False)\n)", __LINE__);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* Each layer's forward on an input of PyTorch's shape gives PyTorch's output shape
 * (m = <the layer>; m(torch.randn(in)).shape). */
static void test_forward_shapes(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  struct {
    ct_module *m;
    int nin;
    int64_t in[5];
    int nout;
    int64_t out[5];
  } rows[] = {
    {ct_nn_conv1d(2, 4, CT_INTS(3), .padding_mode = CT_PAD_CIRCULAR, .padding = CT_INTS(2)), 3, {2, 2, 5}, 3, {2, 4, 7}},
    {ct_nn_conv3d(2, 2, CT_INTS(2), .stride = CT_INTS(2)), 5, {1, 2, 4, 4, 4}, 5, {1, 2, 2, 2, 2}},
    {ct_nn_conv_transpose3d(2, 3, CT_INTS(2), .stride = CT_INTS(2)), 5, {1, 2, 2, 2, 2}, 5, {1, 3, 4, 4, 4}},
    {ct_nn_conv_transpose2d(2, 3, CT_INTS(3)), 3, {2, 3, 3}, 3, {3, 5, 5}},
    {ct_nn_batch_norm3d(2), 5, {2, 2, 2, 2, 2}, 5, {2, 2, 2, 2, 2}},
    {ct_nn_instance_norm1d(3), 2, {3, 4}, 2, {3, 4}},
    {ct_nn_instance_norm3d(2, .affine = true), 5, {1, 2, 2, 2, 3}, 5, {1, 2, 2, 2, 3}},
    {ct_nn_local_response_norm(2), 3, {1, 4, 3}, 3, {1, 4, 3}},
    {ct_nn_max_pool3d(CT_INTS(2)), 5, {1, 1, 4, 4, 4}, 5, {1, 1, 2, 2, 2}},
    {ct_nn_avg_pool3d(CT_INTS(2), .divisor_override = 3), 5, {1, 2, 2, 4, 4}, 5, {1, 2, 1, 2, 2}},
    {ct_nn_adaptive_avg_pool3d(CT_INTS(1, 2, 3)), 5, {1, 2, 4, 4, 4}, 5, {1, 2, 1, 2, 3}},
    {ct_nn_adaptive_max_pool1d(CT_INTS(2), false), 2, {2, 5}, 2, {2, 2}},
    {ct_nn_adaptive_max_pool3d(CT_INTS(2), false), 5, {1, 1, 3, 3, 3}, 5, {1, 1, 2, 2, 2}},
    {ct_nn_lp_pool2d(2, CT_INTS(2)), 4, {1, 1, 4, 4}, 4, {1, 1, 2, 2}},
    {ct_nn_fractional_max_pool3d(CT_INTS(2), .output_size = CT_INTS(2)), 5, {1, 1, 5, 5, 5}, 5, {1, 1, 2, 2, 2}},
    {ct_nn_dropout1d(0.5, false), 3, {2, 3, 4}, 3, {2, 3, 4}},
    {ct_nn_dropout3d(0.5, false), 5, {1, 2, 2, 2, 2}, 5, {1, 2, 2, 2, 2}},
    {ct_nn_group_norm(2, 4, .affine = false), 3, {2, 4, 3}, 3, {2, 4, 3}},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    if (!rows[i].m) fail_msg("row %d: %s", (int)i, ct_last_error());
    ct_tensor *y = ct_forward(rows[i].m, ct_randn_ex(rows[i].nin, rows[i].in, CT_TENSOR_OPTS()));
    if (!y) fail_msg("row %d: %s", (int)i, ct_last_error());
    expect_shape(y, rows[i].nout, rows[i].out);
    ct_module_free(rows[i].m);
  }
  /* MaxUnpool1d(2) / MaxUnpool3d(2) undo MaxPool1d(2, return_indices=True) / MaxPool3d */
  ct_module *pool = ct_nn_max_pool1d(CT_INTS(2), .return_indices = true), *unpool = ct_nn_max_unpool1d(CT_INTS(2));
  ct_values pv, uv;
  assert_int_equal(ct_module_call(pool, &CT_VALUES(ct_v_tensor(tf(CT_SHAPE(1, 1, 4), 1, 3, 2, 0))), &pv), 0);
  assert_int_equal(ct_module_call(unpool, &CT_VALUES(ct_v_tensor(ct_values_tensor(&pv, 0)),
                                                     ct_v_tensor(ct_values_tensor(&pv, 1))), &uv), 0);
  expect_list(ct_values_tensor(&uv, 0), 0, 0, 0, 3, 2, 0);
  ct_module_free(pool);
  ct_module_free(unpool);
  pool = ct_nn_max_pool3d(CT_INTS(2), .return_indices = true);
  unpool = ct_nn_max_unpool3d(CT_INTS(2));
  assert_int_equal(ct_module_call(pool, &CT_VALUES(ct_v_tensor(ct_randn(CT_SHAPE(1, 1, 2, 4, 4)))), &pv), 0);
  assert_int_equal(ct_module_call(unpool, &CT_VALUES(ct_v_tensor(ct_values_tensor(&pv, 0)),
                                                     ct_v_tensor(ct_values_tensor(&pv, 1)),
                                                     ct_v_kw("output_size", ct_v_tuple(3)), ct_v_int(3),
                                                     ct_v_int(4), ct_v_int(5)), &uv), 0);
  expect_shape(ct_values_tensor(&uv, 0), 5, (int64_t[]){1, 1, 3, 4, 5});
  ct_module_free(pool);
  ct_module_free(unpool);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_repr),          cmocka_unit_test(test_init),
      cmocka_unit_test(test_state_dict_keys), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_batch_norm_stats), cmocka_unit_test(test_convert_sync),
      cmocka_unit_test(test_from_pretrained), cmocka_unit_test(test_padding_modes),
      cmocka_unit_test(test_registry),      cmocka_unit_test(test_forward_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
