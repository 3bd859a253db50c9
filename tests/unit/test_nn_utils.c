/* torch.nn.utils against PyTorch 1.13 for a seeded nn.Linear(4, 3): weight_norm's g and the
 * forward and gradients through it, spectral_norm's initial u / v draws, the power iteration
 * in train mode only, remove_*, messages, and parameters_to_vector / vector_to_parameters.
 * Numbers from /usr/bin/python3 (torch 1.13), the code in the comments;
 * ramp(shape, seed)[i] = ((i * 7 + seed) % 11 - 5) * 0.25. */
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
#define RAMP(seed, ...) \
  ramp((int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (int64_t[]){__VA_ARGS__}, CT_FLOAT32, seed, false)

static void expect_param_names(const ct_module *m, const char *const *names, int n) {
  ct_tensor_map *p = ct_module_named_parameters(m, true);
  assert_int_equal(ct_tensor_map_size(p), n);
  for (int i = 0; i < n; i++) assert_string_equal(ct_tensor_map_name(p, i), names[i]);
  ct_tensor_map_free(p);
}

/* torch.manual_seed(0); m = nn.Linear(4, 3); weight_norm(m); y = m(ramp((2, 4)));
 * (y * ramp((2, 3), 2)).sum().backward() */
static void test_weight_norm(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_linear(4, 3);
  assert_ptr_equal(ct_nn_utils_weight_norm(m, "weight", 0), m);
  expect_param_names(m, (const char *[]){"bias", "weight_g", "weight_v"}, 3);
  ct_tensor *g = ct_module_get_parameter(m, "weight_g"), *v = ct_module_get_parameter(m, "weight_v");
  assert_int_equal(ct_dim(g), 2);
  assert_int_equal(ct_shape(g)[1], 1);
  expect_list(g, 1e-6, 0, 0.6137664914131165, 0.4607923924922943, 0.22796161472797394);
  expect_error(ct_module_get_parameter(m, "weight"), "");
  ct_tensor *y = ct_forward(m, RAMP(0, 2, 4));
  expect_list(y, 1e-5, 1e-6, -0.5930846929550171, 0.4771289825439453, -0.13179348409175873, -1.091299057006836,
              -0.4897509515285492, -0.46754080057144165);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, RAMP(2, 2, 3)))), 0);
  expect_list(ct_grad(g), 1e-5, 1e-6, 1.140796422958374, 1.4959288835525513, 0.2867031395435333);
  expect_list(ct_grad(v), 1e-5, 1e-6, 0.6944578289985657, -0.12353890389204025, 0.1398894041776657,
              -0.2535618543624878, -0.43731221556663513, -0.49777665734291077, 0.28216102719306946,
              -0.037028923630714417, -0.006694123614579439, 0.021100828424096107, -0.05995608866214752,
              0.12360833585262299);
  /* the hook recomputes the weight before every forward: a new g changes the output */
  CT_NO_GRAD { ct_mul_scalar_(g, 2); }
  expect_list(ct_forward(m, ct_zeros(CT_SHAPE(1, 4))), 1e-6, 0, -0.4776742458343506, -0.33114105463027954,
              -0.20611155033111572);
  ct_tensor *y2 = ct_forward(m, RAMP(0, 2, 4));
  expect_list(ct_sub(y2, ct_module_get_parameter(m, "bias")), 1e-5, 1e-6, 2 * (-0.5930846929550171 + 0.4776742458343506),
              2 * (0.4771289825439453 + 0.33114105463027954), 2 * (-0.13179348409175873 + 0.20611155033111572),
              2 * (-1.091299057006836 + 0.4776742458343506), 2 * (-0.4897509515285492 + 0.33114105463027954),
              2 * (-0.46754080057144165 + 0.20611155033111572));
  CT_NO_GRAD { ct_mul_scalar_(g, 0.5); }
  expect_fail(ct_nn_utils_weight_norm(m, "weight", 0) == NULL,
              "Cannot register two weight_norm hooks on the same parameter weight");
  /* deepcopy keeps the hook working on the copy's own g and v; state_dict names */
  ct_module *c = ct_module_deepcopy(m);
  assert_non_null(c);
  assert_true(ct_test_same(ct_forward(c, RAMP(0, 2, 4)), ct_forward(m, RAMP(0, 2, 4))));
  ct_tensor_map *sd = ct_module_state_dict(c);
  assert_int_equal(ct_tensor_map_size(sd), 3);
  assert_string_equal(ct_tensor_map_name(sd, 1), "weight_g");
  ct_tensor_map_free(sd);
  ct_module_free(c);
  /* remove_weight_norm: weight is a parameter again, the original values */
  assert_ptr_equal(ct_nn_utils_remove_weight_norm(m, NULL), m);
  expect_param_names(m, (const char *[]){"bias", "weight"}, 2);
  expect_list(ct_module_get_parameter(m, "weight"), 1e-6, 1e-7, -0.003743410110473633, 0.26822179555892944,
              -0.4115225672721863, -0.3679695129394531, -0.19257718324661255, 0.13407868146896362,
              -0.009906589984893799, 0.39644473791122437, -0.04437202215194702, 0.1323062777519226,
              -0.15110653638839722, -0.09828269481658936);
  assert_true(ct_requires_grad(ct_module_get_parameter(m, "weight")));
  expect_fail(ct_nn_utils_remove_weight_norm(m, "weight") == NULL,
              "weight_norm of 'weight' not found in Linear(in_features=4, out_features=3, bias=True)");
  expect_fail(ct_nn_utils_weight_norm(m, "nope", 0) == NULL, "'Linear' object has no attribute 'nope'");
  /* dim=None: one norm; dim=1: (1, 4) */
  ct_module_free(m);
  ct_manual_seed(0);
  m = ct_nn_utils_weight_norm(ct_nn_linear(4, 3), "weight", CT_NONE);
  assert_int_equal(ct_dim(ct_module_get_parameter(m, "weight_g")), 0);
  expect_list(ct_module_get_parameter(m, "weight_g"), 1e-6, 0, 0.800628125667572);
  ct_module_free(m);
  ct_manual_seed(0);
  m = ct_nn_utils_weight_norm(ct_nn_linear(4, 3), "weight", 1);
  expect_list(ct_module_get_parameter(m, "weight_g"), 1e-6, 0, 0.19765843451023102, 0.32775750756263733,
              0.4384998679161072, 0.5497540235519409);
  assert_int_equal(ct_shape(ct_module_get_parameter(m, "weight_g"))[0], 1);
  ct_module_free(m);
  m = ct_nn_linear(4, 3);
  expect_fail(ct_nn_utils_weight_norm(m, "weight", 2) == NULL, "Dimension out of range");
  expect_param_names(m, (const char *[]){"weight", "bias"}, 2); /* unchanged */
  ct_module_free(m);
  leak_end(lm, "weight_norm", __LINE__);
}

/* torch.manual_seed(0); m = nn.Linear(4, 3); spectral_norm(m); y = m(ramp((2, 4))); ... */
static void test_spectral_norm(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *m = ct_nn_utils_spectral_norm(ct_nn_linear(4, 3));
  assert_non_null(m);
  expect_param_names(m, (const char *[]){"bias", "weight_orig"}, 2);
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_int_equal(ct_tensor_map_size(sd), 4);
  assert_string_equal(ct_tensor_map_name(sd, 2), "weight_u");
  assert_string_equal(ct_tensor_map_name(sd, 3), "weight_v");
  ct_tensor_map_free(sd);
  ct_tensor *u = ct_module_get_buffer(m, "weight_u"), *v = ct_module_get_buffer(m, "weight_v");
  /* normalize(weight.new_empty(h).normal_(0, 1)): PyTorch's draws */
  expect_list(u, 1e-6, 1e-7, 0.5964317917823792, 0.8014264702796936, -0.0445503368973732);
  expect_list(v, 1e-6, 1e-7, 0.5681789517402649, 0.6770175695419312, -0.028742052614688873, -0.4668980538845062);
  ct_tensor *y = ct_forward(m, RAMP(0, 2, 4));
  expect_list(y, 1e-5, 1e-6, -0.7292283177375793, 1.4306023120880127, -0.04412437975406647, -1.815159559249878,
              -0.6768546104431152, -0.7759350538253784);
  /* one power iteration, written into the buffers */
  expect_list(u, 1e-5, 1e-6, 0.7244603037834167, 0.5816980600357056, 0.36984407901763916);
  expect_list(v, 1e-5, 1e-6, -0.38212263584136963, 0.6464666128158569, -0.6096781492233276, 0.2536844313144684);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, RAMP(2, 2, 3)))), 0);
  expect_list(ct_grad(ct_module_get_parameter(m, "weight_orig")), 1e-4, 1e-5, 3.4119200706481934,
              -2.4197018146514893, 1.6905782222747803, -3.313699960708618, -0.7795195579528809,
              -2.7353999614715576, 2.9961729049682617, 1.7045997381210327, 0.8405879735946655,
              -1.243871808052063, 1.0136018991470337, -0.6484907865524292);
  /* eval: no power iteration, u unchanged, the same output */
  ct_module_eval(m);
  expect_list(ct_forward(m, RAMP(0, 2, 4)), 1e-5, 1e-6, -0.7292283177375793, 1.4306023120880127,
              -0.04412437975406647, -1.815159559249878, -0.6768546104431152, -0.7759350538253784);
  expect_list(u, 1e-5, 1e-6, 0.7244603037834167, 0.5816980600357056, 0.36984407901763916);
  expect_fail(ct_nn_utils_spectral_norm(m) == NULL, "Cannot register two spectral_norm hooks on the same parameter weight");
  assert_ptr_equal(ct_nn_utils_remove_spectral_norm(m, "weight"), m);
  expect_param_names(m, (const char *[]){"bias", "weight"}, 2);
  ct_tensor_map *bufs = ct_module_named_buffers(m, true);
  assert_int_equal(ct_tensor_map_size(bufs), 0); /* weight_u, weight_v gone */
  ct_tensor_map_free(bufs);
  expect_list(ct_module_get_parameter(m, "weight"), 1e-5, 1e-6, -0.008159312419593334, 0.5846288204193115,
              -0.8969739079475403, -0.8020436763763428, -0.41975027322769165, 0.29224419593811035,
              -0.021592868492007256, 0.8641095757484436, -0.09671534597873688, 0.2883809804916382,
              -0.32935890555381775, -0.21422158181667328);
  expect_fail(ct_nn_utils_remove_spectral_norm(m, "weight") == NULL, "spectral_norm of 'weight' not found in Linear(");
  ct_module_free(m);
  /* spectral_norm(m, n_power_iterations=3, dim=1) */
  ct_manual_seed(0);
  m = ct_nn_utils_spectral_norm(ct_nn_linear(4, 3), .n_power_iterations = 3, .dim = 1);
  u = ct_module_get_buffer(m, "weight_u");
  v = ct_module_get_buffer(m, "weight_v");
  expect_list(u, 1e-6, 1e-7, 0.45012322068214417, 0.6048313975334167, -0.03362184762954712, 0.6560774445533752);
  expect_list(v, 1e-6, 1e-7, 0.8227165341377258, -0.03492754325270653, -0.5673778057098389);
  expect_list(ct_forward(m, RAMP(0, 2, 4)), 1e-5, 1e-6, -0.6485455632209778, 0.8655455708503723,
              -0.09607971459627151, -1.3861782550811768, -0.5659713745117188, -0.5931714177131653);
  expect_list(u, 1e-5, 1e-6, -0.1342899352312088, -0.2592466473579407, 0.5364133715629578, 0.7918447256088257);
  expect_list(v, 1e-5, 1e-6, -0.8049490451812744, 0.5421783328056335, -0.24103860557079315);
  ct_module_free(m);
  m = ct_nn_linear(4, 3);
  expect_fail(ct_nn_utils_spectral_norm(m, .n_power_iterations = 0) == NULL,
              "Expected n_power_iterations to be positive, but got n_power_iterations=0");
  expect_fail(ct_nn_utils_spectral_norm(m, .name = "bogus") == NULL, "spectral_norm: 'Linear' has no parameter 'bogus'");
  expect_param_names(m, (const char *[]){"weight", "bias"}, 2);
  ct_module_free(m);
  leak_end(lm, "spectral_norm", __LINE__);
}

/* torch.manual_seed(0); a = nn.Linear(2, 2); b = nn.Linear(3, 1); ps = [*a.parameters(), *b.parameters()] */
static void test_vectors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *a = ct_nn_linear(2, 2), *b = ct_nn_linear(3, 1);
  ct_tensor *ps[] = {ct_module_get_parameter(a, "weight"), ct_module_get_parameter(a, "bias"),
                     ct_module_get_parameter(b, "weight"), ct_module_get_parameter(b, "bias")};
  ct_tensor *vec = ct_nn_utils_parameters_to_vector(ps, 4);
  expect_list(vec, 1e-6, 0, -0.005293981172144413, 0.37932288646698, -0.5819807648658752, -0.5203874707221985,
              -0.27234524488449097, 0.1896158903837204, -0.011439144611358643, 0.45777493715286255,
              -0.05123639851808548, 0.1527741253376007);
  assert_string_equal(ct_grad_fn_name(vec), "CatBackward0");
  assert_int_equal(ct_nn_utils_vector_to_parameters(ct_arange(0, 13, 1, .dtype = CT_FLOAT32), ps, 4), 0);
  expect_list(ps[0], 0, 0, 0, 1, 2, 3);
  expect_list(ps[3], 0, 0, 9);
  assert_true(ct_is_leaf(ps[0]) && ct_requires_grad(ps[0]));
  /* too short: PyTorch's message at the parameter that does not fit; here nothing changes */
  expect_fail(ct_nn_utils_vector_to_parameters(ct_arange(0, 5, 1, .dtype = CT_FLOAT32), ps, 4) != 0,
              "shape '[2]' is invalid for input of size 1");
  expect_list(ps[0], 0, 0, 0, 1, 2, 3);
  expect_error(ct_nn_utils_parameters_to_vector(ps, 0), "torch.cat(): expected a non-empty list of Tensors");
  ct_module_free(a);
  ct_module_free(b);
  leak_end(lm, "vectors", __LINE__);
}

/* Set a 1-D parameter or buffer of m to vals (float32). */
static void set_vals(ct_module *m, const char *name, const float *vals, int64_t n) {
  ct_tensor *t = ct_module_get_parameter(m, name);
  if (!t) { /* a buffer: get_parameter's message cleared */
    ct_clear_error();
    t = ct_module_get_buffer(m, name);
  }
  assert_non_null(t);
  CT_NO_GRAD { assert_non_null(ct_copy_(t, ct_tensor_from(vals, CT_FLOAT32, 1, &n))); }
}

/* torch.manual_seed(0); conv = nn.Conv2d(2, 3, 2, bias=False); bn = nn.BatchNorm2d(3, eps=1e-3)
 * with running_mean [.5, -.25, 1], running_var [.5, 2, 1.5], weight [1.5, -.5, 2],
 * bias [.25, 0, -1]; both eval(); f = fuse_conv_bn_eval(conv, bn); f(ramp((1, 2, 3, 3), 1)).
 * torch.manual_seed(1); ct = nn.ConvTranspose2d(3, 2, 2); bn2 = nn.BatchNorm2d(2) with
 * running_mean [.25, -.5], running_var [.75, 1.25], weight [-1, .5], bias [.5, .125];
 * g = fuse_conv_bn_eval(ct, bn2, transpose=True); g(ramp((1, 3, 2, 2), 3)). */
static void test_fuse_conv_bn(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *conv = ct_nn_conv2d(2, 3, CT_INTS(2), .bias = false), *bn = ct_nn_batch_norm2d(3, .eps = 1e-3);
  set_vals(bn, "running_mean", (float[]){0.5f, -0.25f, 1.0f}, 3);
  set_vals(bn, "running_var", (float[]){0.5f, 2.0f, 1.5f}, 3);
  set_vals(bn, "weight", (float[]){1.5f, -0.5f, 2.0f}, 3);
  set_vals(bn, "bias", (float[]){0.25f, 0.0f, -1.0f}, 3);
  expect_fail(ct_nn_utils_fuse_conv_bn_eval(conv, bn, false) == NULL, "Fusion only for eval!");
  ct_module_eval(conv);
  expect_fail(ct_nn_utils_fuse_conv_bn_eval(conv, bn, false) == NULL, "Fusion only for eval!");
  ct_module_eval(bn);
  ct_module *f = ct_nn_utils_fuse_conv_bn_eval(conv, bn, false);
  assert_non_null(f);
  assert_false(ct_module_is_training(f));
  expect_param_names(f, (const char *[]){"weight", "bias"}, 2);
  expect_param_names(conv, (const char *[]){"weight"}, 1); /* conv itself is unchanged */
  ct_tensor *w = ct_module_get_parameter(f, "weight"), *b = ct_module_get_parameter(f, "bias");
  assert_true(ct_is_leaf(w) && ct_requires_grad(w) && ct_is_leaf(b) && ct_requires_grad(b));
  expect_list(w, 1e-5, 1e-7, -0.0056095081, 0.40193093, -0.61666745, -0.55140311, -0.28857732, 0.2009172,
              -0.014845046, 0.5940733, 0.011090234, -0.033068307, 0.037767194, 0.024564533, 0.11938873,
              0.082764573, 0.051515013, -0.0046292893, 0.22817083, 0.34630787, -0.39127904, -0.25133082,
              0.20963362, 0.47926494, -0.1187792, 0.43189403);
  expect_list(b, 1e-6, 0, -0.80960107, -0.088366263, -2.6324492);
  ct_tensor *x = RAMP(1, 1, 2, 3, 3);
  ct_tensor *y = ct_forward(f, x);
  expect_list(y, 1e-5, 1e-5, -0.45563996, -1.8867207, -2.0814302, -0.18297386, -2.1457672e-06, -0.1550369,
              0.031509474, -0.24011561, -2.22488, -3.6073098, -3.534368, -2.6530716);
  /* the same as bn(conv(x)) */
  assert_true(ct_allclose(y, ct_forward(bn, ct_forward(conv, x)), 1e-5, 1e-5));
  ct_module_free(f);

  ct_manual_seed(1);
  ct_module *ct = ct_nn_conv_transpose2d(3, 2, CT_INTS(2)), *bn2 = ct_nn_batch_norm2d(2);
  set_vals(bn2, "running_mean", (float[]){0.25f, -0.5f}, 2);
  set_vals(bn2, "running_var", (float[]){0.75f, 1.25f}, 2);
  set_vals(bn2, "weight", (float[]){-1.0f, 0.5f}, 2);
  set_vals(bn2, "bias", (float[]){0.5f, 0.125f}, 2);
  ct_module_eval(ct);
  ct_module_eval(bn2);
  ct_module *g = ct_nn_utils_fuse_conv_bn_eval(ct, bn2, true);
  assert_non_null(g);
  assert_string_equal(ct_module_name(g), "ConvTranspose2d");
  expect_list(ct_module_get_parameter(g, "weight"), 1e-5, 1e-7, -0.21035391, 0.18019071, 0.079143099,
              -0.19161779, -0.14885364, 0.094823249, -0.032527898, 0.08043915, -0.056753069, 0.049987283,
              -0.11323137, -0.020139484, 0.057747412, -0.061616898, -0.011527842, -0.014234515, -0.059172727,
              0.0016308686, -0.3568747, -0.127042, -0.058882363, -0.0954943, -0.026502255, -0.068200678);
  expect_list(ct_module_get_parameter(g, "bias"), 1e-6, 0, 0.91949493, 0.35617661);
  expect_list(ct_forward(g, RAMP(3, 1, 3, 2, 2)), 1e-5, 1e-6, 0.98271197, 0.69000268, 1.1426947, 0.83048892,
              1.71261, 0.74030721, 0.8740747, 0.86236548, 1.1116247, 0.50307143, 0.15855756, 0.59407353,
              0.24313629, 0.53320813, 0.47239342, 0.34632134, 0.38542175, 0.31927171);
  /* transpose=False on the ConvTranspose: bn's 2 channels against the weight's dim 0 (3) */
  expect_fail(ct_nn_utils_fuse_conv_bn_eval(ct, bn2, false) == NULL, "must match the size of tensor");
  ct_module_free(g);

  /* BatchNorm2d(3, affine=False): bn_w / bn_b None (ones / zeros); conv with bias */
  ct_module *bn3 = ct_nn_batch_norm2d(3, .affine = false);
  set_vals(bn3, "running_mean", (float[]){0.5f, -0.25f, 1.0f}, 3);
  set_vals(bn3, "running_var", (float[]){0.5f, 2.0f, 1.5f}, 3);
  ct_manual_seed(0);
  ct_module *c3 = ct_nn_conv2d(2, 3, CT_INTS(2));
  ct_module_eval(bn3);
  ct_module_eval(c3);
  ct_module *h = ct_nn_utils_fuse_conv_bn_eval(c3, bn3, false);
  expect_list(ct_module_get_parameter(h, "bias"), 1e-6, 0, -0.78769058, 0.20322971, -0.55510628);
  /* track_running_stats=False: running_mean is None */
  ct_module *bn4 = ct_nn_batch_norm2d(3, .track_running_stats = false);
  ct_module_eval(bn4);
  expect_fail(ct_nn_utils_fuse_conv_bn_eval(c3, bn4, false) == NULL,
              "zeros_like(): argument 'input' (position 1) must be Tensor, not NoneType");
  /* fuse_conv_bn_weights alone: conv_b, bn_w, bn_b None; rsqrt([3, 0] + 1) = [.5, 1] */
  ct_tensor *fw, *fb;
  ct_tensor *rm = ct_tensor_from((float[]){1, 2}, CT_FLOAT32, CT_SHAPE(2)),
            *rv = ct_tensor_from((float[]){3, 0}, CT_FLOAT32, CT_SHAPE(2));
  assert_int_equal(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(2, 1, 1)), NULL, rm, rv, 1.0, NULL, NULL, false,
                                                    &fw, &fb), 0);
  expect_exact(fw, 0.5, 1);
  expect_exact(fb, -0.5, -2);
  assert_int_equal(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(1, 2, 1)), NULL, rm, rv, 1.0, NULL, NULL, true,
                                                    &fw, &fb), 0);
  expect_exact(fw, 0.5, 1);
  expect_fail(ct_nn_utils_fuse_conv_bn_weights(ct_ones(CT_SHAPE(2)), NULL, rm, rv, 1.0, NULL, NULL, false, &fw, &fb),
              "conv_w must have at least 2 dims, got 1");
  assert_null(fw);
  ct_module *all[] = {conv, bn, ct, bn2, bn3, c3, h, bn4};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) ct_module_free(all[i]);
  leak_end(lm, "fuse", __LINE__);
}

/* torch.manual_seed(0); l = nn.Linear(3, 2, bias=False); bn = nn.BatchNorm1d(2, eps=1e-3) with
 * running_mean [.5, -.25], running_var [.5, 2], weight [1.5, -.5], bias [.25, -1]; both eval();
 * f = fuse_linear_bn_eval(l, bn); f(arange(6.).reshape(2, 3) / 4 - .5) */
static void test_fuse_linear_bn(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  ct_module *l = ct_nn_linear(3, 2, .bias = false), *bn = ct_nn_batch_norm1d(2, .eps = 1e-3);
  set_vals(bn, "running_mean", (float[]){0.5f, -0.25f}, 2);
  set_vals(bn, "running_var", (float[]){0.5f, 2.0f}, 2);
  set_vals(bn, "weight", (float[]){1.5f, -0.5f}, 2);
  set_vals(bn, "bias", (float[]){0.25f, -1.0f}, 2);
  expect_fail(ct_nn_utils_fuse_linear_bn_eval(l, bn) == NULL, "Fusion only for eval!");
  ct_module_eval(l);
  ct_module_eval(bn);
  expect_fail(ct_nn_utils_fuse_linear_bn_eval(bn, bn) == NULL, "'BatchNorm1d' is not a Linear module");
  ct_module *relu = ct_nn_relu(false);
  ct_module_eval(relu);
  expect_fail(ct_nn_utils_fuse_linear_bn_eval(l, relu) == NULL, "'ReLU' is not a BatchNorm module");
  ct_module *f = ct_nn_utils_fuse_linear_bn_eval(l, bn);
  assert_non_null(f);
  char *r = ct_module_repr(f);
  assert_string_equal(r, "Linear(in_features=3, out_features=2, bias=True)");
  free(r);
  expect_param_names(f, (const char *[]){"weight", "bias"}, 2);
  expect_param_names(l, (const char *[]){"weight"}, 1); /* l itself is unchanged */
  ct_tensor *w = ct_module_get_parameter(f, "weight"), *b = ct_module_get_parameter(f, "bias");
  assert_true(ct_is_leaf(w) && ct_requires_grad(w) && ct_is_leaf(b) && ct_requires_grad(b));
  expect_list(w, 1e-5, 1e-7, -0.009160288609564304, 0.6563504934310913, -1.0070137977600098,
              0.15018539130687714, 0.07859966158866882, -0.05472371727228165);
  expect_list(b, 1e-6, 0, -0.8096010684967041, -1.0883662700653076);
  float xv[] = {-0.5f, -0.25f, 0.0f, 0.25f, 0.5f, 0.75f};
  ct_tensor *x = ct_tensor_from(xv, CT_FLOAT32, 2, (int64_t[]){2, 3});
  ct_tensor *y = ct_forward(f, x);
  expect_list(y, 1e-5, 1e-6, -0.9691085815429688, -1.183108925819397, -1.238976240158081, -1.0525628328323364);
  assert_true(ct_allclose(y, ct_forward(bn, ct_forward(l, x)), 1e-5, 1e-5));
  ct_module_free(f);
  /* the weights form: NULL bias is zeros; affine=False's None weight is PyTorch's TypeError */
  ct_tensor *fw, *fb, *rm = ct_module_get_buffer(bn, "running_mean"), *rv = ct_module_get_buffer(bn, "running_var");
  expect_fail(ct_nn_utils_fuse_linear_bn_weights(ct_module_get_parameter(l, "weight"), NULL, rm, rv, 1e-3, NULL,
                                                 NULL, &fw, &fb) != 0,
              "unsupported operand type(s) for *: 'NoneType' and 'Tensor'");
  assert_true(fw == NULL && fb == NULL);
  assert_int_equal(ct_nn_utils_fuse_linear_bn_weights(ct_module_get_parameter(l, "weight"), NULL, rm, rv, 1e-3,
                                                      ct_module_get_parameter(bn, "weight"),
                                                      ct_module_get_parameter(bn, "bias"), &fw, &fb), 0);
  expect_list(fb, 1e-6, 0, -0.8096010684967041, -1.0883662700653076);
  /* out_features 3 against 2 channels: the broadcast error */
  expect_fail(ct_nn_utils_fuse_linear_bn_weights(ct_ones(CT_SHAPE(3, 2)), NULL, rm, rv, 1e-3,
                                                 ct_module_get_parameter(bn, "weight"),
                                                 ct_module_get_parameter(bn, "bias"), &fw, &fb) != 0,
              "must match the size of tensor");
  ct_module_free(l);
  ct_module_free(bn);
  ct_module_free(relu);
  leak_end(lm, "fuse_linear_bn", __LINE__);
}

/* A module holding one parameter "weight" of any shape: forward(x) = x * weight, and the
 * grad_fn name of the weight it read (weight_norm's recomputed one). */
typedef struct holder {
  ct_module base;
  ct_tensor *weight;
} holder;
static const char *g_weight_fn;
static ct_tensor *holder_forward(ct_module *m, ct_tensor *x) {
  g_weight_fn = ct_grad_fn_name(((holder *)m)->weight);
  return ct_mul(x, ((holder *)m)->weight);
}
static const ct_module_kind holder_kind = {.name = "Holder", .size = sizeof(holder), .forward1 = holder_forward};
static ct_module *holder_new(ct_tensor *w, int64_t dim) {
  ct_module *m = ct_module_new(&holder_kind);
  ((holder *)m)->weight = ct_module_register_parameter(m, "weight", w);
  return ct_nn_utils_weight_norm(m, "weight", dim);
}

/* weight_norm(dim = *user) on a Holder whose weight_g, weight_v are set to the inputs: the
 * computed weight (forward of ones) */
static int wn_weight(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out;
  ct_module *m = holder_new(ct_zeros_like(in[1]), *(const int64_t *)user);
  bool ok = m && ct_module_set_tensor(m, "weight_g", in[0]) && ct_module_set_tensor(m, "weight_v", in[1]);
  out[0] = ok ? ct_forward(m, ct_ones_like(in[1])) : NULL;
  ct_module_free(m);
  return out[0] ? 0 : -1;
}

static void test_weight_norm_interface(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(0);
  /* (3, 4): dims 0 and 1 fused, None not; (3, 2, 2): dim 2 fused, dim 1 not */
  struct { int64_t dim; int nd; const char *name; } cases[] = {
      {0, 2, "WeightNormInterfaceBackward0"}, {1, 2, "WeightNormInterfaceBackward0"},
      {CT_NONE, 2, "MulBackward0"}, {2, 3, "WeightNormInterfaceBackward0"}, {1, 3, "MulBackward0"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ct_tensor *w = cases[i].nd == 2 ? ct_randn(CT_SHAPE(3, 4)) : ct_randn(CT_SHAPE(3, 2, 2));
    ct_module *m = holder_new(w, cases[i].dim);
    assert_non_null(m);
    g_weight_fn = NULL;
    ct_tensor *y = ct_forward(m, ct_ones_like(w));
    assert_string_equal(g_weight_fn, cases[i].name);
    /* the same weight as v * (g / norm) */
    assert_true(ct_allclose(y, w, 1e-5, 1e-6));
    ct_module_free(m);
  }
  for (int i = 0; i < 4; i++) {
    int64_t dim = cases[i].dim;
    ct_tensor *v = cases[i].nd == 2 ? ct_randn(CT_SHAPE(3, 4), .dtype = CT_FLOAT64, .requires_grad = true)
                                    : ct_randn(CT_SHAPE(3, 2, 2), .dtype = CT_FLOAT64, .requires_grad = true);
    ct_module *m = holder_new(ct_detach(v), dim);
    ct_tensor *g = ct_add_scalar(ct_detach(ct_module_get_parameter(m, "weight_g")), 0.5);
    ct_requires_grad_(g, true);
    ct_module_free(m);
    assert_true(ct_gradcheck(wn_weight, CT_TENSORS(g, v), .user = &dim));
    assert_true(ct_gradgradcheck(wn_weight, CT_TENSORS(g, v), .user = &dim));
  }
  leak_end(lm, "weight_norm_interface", __LINE__);
}


int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_weight_norm), cmocka_unit_test(test_spectral_norm),
                                     cmocka_unit_test(test_vectors), cmocka_unit_test(test_fuse_conv_bn),
                                     cmocka_unit_test(test_fuse_linear_bn),
                                     cmocka_unit_test(test_weight_norm_interface)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
