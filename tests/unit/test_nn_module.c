/* The Module system against PyTorch 1.13: default initialisation draw for draw, printing,
 * traversal names and order, state_dict messages (nothing changed on failure), safetensors
 * bytes, containers, modes, dtype conversion, deep copies, hooks, the registry and JSON
 * models, and user-defined modules. Expected values and strings come from running the same
 * code in PyTorch (the comments give the Python). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

static void expect_repr(const ct_module *m, const char *want) {
  char *s = ct_module_repr(m);
  if (!s) fail_msg("repr failed: %s", ct_last_error());
  if (strcmp(s, want) != 0) fail_msg("repr:\n%s\nPyTorch:\n%s", s, want);
  free(s);
}

static void expect_names(const ct_tensor_map *m, const char *const *names, int n) {
  assert_non_null(m);
  assert_int_equal(ct_tensor_map_size(m), n);
  for (int i = 0; i < n; i++) assert_string_equal(ct_tensor_map_name(m, i), names[i]);
}

/* torch.manual_seed(0); nn.Linear(4, 3) */
static const double W0[12] = {-0.003743410110473633, 0.26822179555892944, -0.4115225672721863,
                              -0.3679695129394531, -0.19257718324661255, 0.13407868146896362,
                              -0.009906589984893799, 0.39644473791122437, -0.04437202215194702,
                              0.1323062777519226, -0.15110653638839722, -0.09828269481658936};
static const double B0[3] = {-0.4776742458343506, -0.33114105463027954, -0.20611155033111572};

static void test_linear(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(0);
  ct_module *l = ct_nn_linear(4, 3);
  expect_vals(ct_module_get_parameter(l, "weight"), W0, 12, 0, 0);
  expect_vals(ct_module_get_parameter(l, "bias"), B0, 3, 0, 0);
  assert_true(ct_requires_grad(ct_module_get_parameter(l, "weight")));
  assert_true(ct_is_leaf(ct_module_get_parameter(l, "weight")));
  ct_tensor *x = ct_reshape(ct_arange(0, 8, 1, .dtype = CT_FLOAT32), CT_SHAPE(2, 4));
  ct_tensor *y = ct_forward(l, x);
  expect_list(y, 1e-6, 1e-6, -2.136406183242798, 0.9724586606025696, -0.6708664298057556,
                            -4.196460723876953, 2.2846174240112305, -1.3166862726211548);
  assert_string_equal(ct_grad_fn_name(y), "AddmmBackward0");
  /* F.linear's grad_fn per path (1.13): contiguous 3-D -> ViewBackward0, 1-D -> AddBackward0 */
  assert_string_equal(ct_grad_fn_name(ct_forward(l, ct_ones(CT_SHAPE(2, 5, 4)))), "ViewBackward0");
  assert_string_equal(ct_grad_fn_name(ct_forward(l, ct_ones(CT_SHAPE(4)))), "AddBackward0");
  /* torch.manual_seed(0); nn.Linear(4, 3, dtype=torch.float64).weight[0, :3] */
  ct_manual_seed(0);
  ct_module *l64 = ct_nn_linear(4, 3, .dtype = CT_FLOAT64, .bias = false);
  ct_tensor *w64 = ct_module_get_parameter(l64, "weight");
  assert_int_equal(ct_dtype_of(w64), CT_FLOAT64);
  expect_list(ct_narrow(ct_select(w64, 0, 0), 0, 0, 3), 0, 0, 0.470053001806553, 0.20781986439978792, -0.04061705687254912);
  expect_error(ct_module_get_parameter(l64, "bias"), "Linear has no attribute `bias`");
  expect_repr(l64, "Linear(in_features=4, out_features=3, bias=False)");
  /* nn.Linear(-1, 3) */
  expect_error(ct_nn_linear(-1, 3), "negative dimension -1");
  expect_error(ct_forward(l, ct_ones(CT_SHAPE(2, 5))), "mat1 and mat2 shapes cannot be multiplied (2x5 and 4x3)");
  /* torch.manual_seed(1); nn.Bilinear(2, 3, 2) */
  ct_manual_seed(1);
  ct_module *bl = ct_nn_bilinear(2, 3, 2);
  expect_list(ct_narrow(ct_flatten(ct_module_get_parameter(bl, "weight"), 0, -1), 0, 0, 4), 0, 0, 0.36434608697891235, -0.3121015429496765, -0.13708077371120453, 0.3318939507007599);
  expect_list(ct_module_get_parameter(bl, "bias"), 0, 0, 0.2582553029060364, -0.2755602300167084);
  expect_repr(bl, "Bilinear(in1_features=2, in2_features=3, out_features=2, bias=True)");
  ct_values out;
  assert_int_equal(ct_module_call(bl, &CT_VALUES(ct_v_tensor(ct_ones(CT_SHAPE(5, 2))),
                                                  ct_v_tensor(ct_ones(CT_SHAPE(5, 3)))), &out), 0);
  assert_int_equal(out.n, 1);
  assert_int_equal(ct_size(out.v[0].t, 0), 5);
  assert_int_equal(ct_size(out.v[0].t, 1), 2);
  expect_fail(ct_module_call(bl, &CT_VALUES(ct_v_tensor(ct_ones(CT_SHAPE(5, 2)))), &out),
              "Bilinear.forward() takes 2 tensor arguments");
  ct_module_free(l);
  ct_module_free(l64);
  ct_module_free(bl);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* F.bilinear against the formula y[n, o] = x1[n] . W[o] . x2[n] + b[o], in float64 */
static int bilinear_fn(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  out[0] = ct_bilinear(in[0], in[1], in[2], in[3]);
  return out[0] ? 0 : -1;
}
static int linear_fn(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  out[0] = ct_linear(in[0], in[1], n_in > 2 ? in[2] : NULL);
  return out[0] ? 0 : -1;
}

static void test_functional_linear(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ramp(CT_SHAPE(3, 4), CT_FLOAT64, 1, true), *w = ramp(CT_SHAPE(2, 4), CT_FLOAT64, 2, true);
  ct_tensor *b = ramp(CT_SHAPE(2), CT_FLOAT64, 3, true);
  assert_true(ct_gradcheck(linear_fn, CT_TENSORS(x, w, b)));
  assert_true(ct_gradgradcheck(linear_fn, CT_TENSORS(x, w, b)));
  ct_tensor *x3 = ramp(CT_SHAPE(2, 3, 4), CT_FLOAT64, 4, true);
  assert_true(ct_gradcheck(linear_fn, CT_TENSORS(x3, w)));
  ct_tensor *x1 = ramp(CT_SHAPE(2, 2), CT_FLOAT64, 1, true), *x2 = ramp(CT_SHAPE(2, 3), CT_FLOAT64, 2, true);
  ct_tensor *bw = ramp(CT_SHAPE(2, 2, 3), CT_FLOAT64, 5, true), *bb = ramp(CT_SHAPE(2), CT_FLOAT64, 6, true);
  assert_true(ct_gradcheck(bilinear_fn, CT_TENSORS(x1, x2, bw, bb)));
  assert_true(ct_gradgradcheck(bilinear_fn, CT_TENSORS(x1, x2, bw, bb)));
  /* value: torch.nn.functional.bilinear(x1, x2, bw, bb) of the ramps */
  ct_tensor *y = ct_bilinear(x1, x2, bw, bb);
  double want[4];
  for (int n = 0; n < 2; n++)
    for (int o = 0; o < 2; o++) {
      double s = ct_get(bb, (int64_t[]){o});
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
          s += ct_get(x1, (int64_t[]){n, i}) * ct_get(bw, (int64_t[]){o, i, j}) * ct_get(x2, (int64_t[]){n, j});
      want[n * 2 + o] = s;
    }
  expect_vals(y, want, 4, 1e-12, 1e-12);
  expect_error(ct_bilinear(x1, ct_ones(CT_SHAPE(2)), bw, bb), "bilinear(): input dimensions do not match: got 2 and 1");
  expect_error(ct_bilinear(x1, ct_ones(CT_SHAPE(3, 3)), bw, bb),
               "bilinear(): input batch dimensions do not match: got 2 and 3");
  expect_error(ct_bilinear(x2, x2, bw, bb), "bilinear(): input1 size does not match weight size: got 3 but expected 2");
  expect_error(ct_bilinear(x1, x1, bw, bb), "bilinear(): input2 size does not match weight size: got 2 but expected 3");
  expect_error(ct_bilinear(x1, x2, bw, ct_ones(CT_SHAPE(3))),
               "bilinear(): bias size does not match weight size: got 3 but expected 2");
  ct_scope_end();
}

static void test_repr(void **state) {
  (void)state;
  ct_module *s = ct_nn_sequential(ct_nn_linear(16, 64), ct_nn_relu(false));
  expect_repr(s, "Sequential(\n  (0): Linear(in_features=16, out_features=64, bias=True)\n  (1): ReLU()\n)");
  ct_module_print(s); /* print(model) */
  ct_module_append(s, ct_nn_sequential(ct_nn_tanh(), ct_nn_gelu(CT_GELU_TANH)));
  expect_repr(s, "Sequential(\n  (0): Linear(in_features=16, out_features=64, bias=True)\n  (1): ReLU()\n"
                 "  (2): Sequential(\n    (0): Tanh()\n    (1): GELU(approximate='tanh')\n  )\n)");
  ct_module_free(s);
  struct {
    ct_module *m;
    const char *want;
  } cases[] = {
      {ct_nn_gelu(CT_GELU_NONE), "GELU(approximate='none')"},
      {ct_nn_softmax(CT_NONE), "Softmax(dim=None)"},
      {ct_nn_softmax(1), "Softmax(dim=1)"},
      {ct_nn_log_softmax(0), "LogSoftmax(dim=0)"},
      {ct_nn_flatten(1, -1), "Flatten(start_dim=1, end_dim=-1)"},
      {ct_nn_unflatten(1, 2, (int64_t[]){2, 3}), "Unflatten(dim=1, unflattened_size=(2, 3))"},
      {ct_nn_unflatten(0, 1, (int64_t[]){4}), "Unflatten(dim=0, unflattened_size=(4,))"},
      {ct_nn_silu(false), "SiLU()"},
      {ct_nn_silu(true), "SiLU(inplace=True)"},
      {ct_nn_relu(true), "ReLU(inplace=True)"},
      {ct_nn_identity(), "Identity()"},
      {ct_nn_sigmoid(), "Sigmoid()"},
      {ct_nn_sequential(), "Sequential()"},
      {ct_nn_module_list(ct_nn_linear(2, 2), ct_nn_relu(false)),
       "ModuleList(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): ReLU()\n)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    expect_repr(cases[i].m, cases[i].want);
    ct_module_free(cases[i].m);
  }
  /* nn.ParameterList([Parameter(randn(3, 4)), Parameter(randn(2, dtype=float64))]) */
  ct_scope_begin();
  ct_module *pl = ct_nn_parameter_list(ct_randn(CT_SHAPE(3, 4)), ct_randn(CT_SHAPE(2), .dtype = CT_FLOAT64));
  expect_repr(pl, "ParameterList(\n    (0): Parameter containing: [torch.float32 of size 3x4]\n"
                  "    (1): Parameter containing: [torch.float64 of size 2]\n)");
  ct_module *pd = ct_nn_parameter_dict();
  ct_parameter_dict_set(pd, "a", ct_randn(CT_SHAPE(3, 4)));
  expect_repr(pd, "ParameterDict(  (a): Parameter containing: [torch.FloatTensor of size 3x4])");
  ct_module *md = ct_nn_module_dict();
  ct_module_dict_set(md, "a", ct_nn_relu(true));
  expect_repr(md, "ModuleDict(\n  (a): ReLU(inplace=True)\n)");
  ct_module_free(pl);
  ct_module_free(pd);
  ct_module_free(md);
  ct_scope_end();
}

static void test_traversal(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  /* l = nn.Linear(2, 3); s = nn.Sequential(l, nn.Sequential(nn.Tanh(), l)) */
  ct_module *l = ct_nn_linear(2, 3);
  ct_module *s = ct_nn_sequential(l, ct_nn_sequential(ct_nn_tanh(), ct_module_retain(l)));
  ct_tensor_map *p = ct_module_named_parameters(s, true);
  expect_names(p, (const char *[]){"0.weight", "0.bias"}, 2);
  ct_tensor_map_free(p);
  p = ct_module_named_parameters(s, false);
  expect_names(p, NULL, 0);
  ct_tensor_map_free(p);
  ct_module_list ml = ct_module_named_modules(s);
  const char *want[] = {"", "0", "1", "1.0"};
  assert_int_equal(ml.n, 4);
  for (int i = 0; i < 4; i++) assert_string_equal(ml.names[i], want[i]);
  assert_ptr_equal(ml.modules[1], l);
  ct_module_list_free(&ml);
  ml = ct_module_named_children(ct_module_at(s, 1));
  assert_int_equal(ml.n, 2);
  assert_string_equal(ml.names[1], "1");
  ct_module_list_free(&ml);
  ct_tensor_map *sd = ct_module_state_dict(s);
  expect_names(sd, (const char *[]){"0.weight", "0.bias", "1.1.weight", "1.1.bias"}, 4);
  assert_true(ct_shares_storage(ct_tensor_map_get(sd, "1.1.weight"), ct_module_get_parameter(l, "weight")));
  assert_false(ct_requires_grad(ct_tensor_map_get(sd, "0.weight")));
  ct_tensor_map_free(sd);
  assert_int_equal(ct_module_num_parameters(s, false), 9);
  ct_module_requires_grad_(s, false);
  assert_int_equal(ct_module_num_parameters(s, true), 0);
  assert_false(ct_requires_grad(ct_module_get_parameter(s, "1.1.bias")));
  ct_module_requires_grad_(s, true);
  /* buffers: persistent ones in state_dict, all in named_buffers */
  ct_scope_begin();
  ct_module_register_buffer(l, "running", ct_zeros(CT_SHAPE(3)), true);
  ct_module_register_buffer(l, "scratch", ct_zeros(CT_SHAPE(1)), false);
  ct_scope_end();
  p = ct_module_named_buffers(s, true);
  expect_names(p, (const char *[]){"0.running", "0.scratch"}, 2);
  ct_tensor_map_free(p);
  sd = ct_module_state_dict(l);
  expect_names(sd, (const char *[]){"weight", "bias", "running"}, 3);
  ct_tensor_map_free(sd);
  assert_non_null(ct_module_get_buffer(s, "1.1.scratch"));
  expect_error(ct_module_get_buffer(s, "0.weight"), "`weight` is not a buffer");
  expect_error(ct_module_get_parameter(s, "0.running"), "`running` is not an nn.Parameter");
  expect_error(ct_module_get_submodule(s, "1.5"), "Sequential has no attribute `5`");
  expect_error(ct_module_get_submodule(s, "0.weight"), "`weight` is not an nn.Module");
  /* train / eval reach every descendant */
  assert_true(ct_module_is_training(l));
  ct_module_eval(s);
  assert_false(ct_module_is_training(l));
  ct_module_train(s, true);
  assert_true(ct_module_is_training(ct_module_at(ct_module_at(s, 1), 0)));
  ct_module_free(s);
  assert_int_equal(ct_live_tensors(), live);
}

static int count_fn(ct_module *m, void *user) {
  char *buf = user;
  strcat(buf, ct_module_name(m));
  strcat(buf, ",");
  return 0;
}

static void test_apply_zero_grad_to(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *s = ct_nn_sequential(ct_nn_linear(3, 2), ct_nn_sequential(ct_nn_relu(false)));
  char order[128] = "";
  assert_int_equal(ct_module_apply(s, count_fn, order), 0);
  assert_string_equal(order, "Linear,ReLU,Sequential,Sequential,"); /* children first, as apply */
  ct_scope_begin();
  ct_tensor *y = ct_sum(ct_forward(s, ct_ones(CT_SHAPE(4, 3))));
  assert_int_equal(ct_backward(y), 0);
  ct_tensor *w = ct_module_get_parameter(s, "0.weight");
  assert_non_null(ct_grad(w));
  ct_module_zero_grad(s, false); /* 1.13's default: zeroed, kept */
  expect_list(ct_grad(w), 0, 0, 0, 0, 0, 0, 0, 0);
  ct_module_zero_grad(s, true);
  assert_null(ct_grad(w));
  /* to(float64): floating parameters converted, the module keeps working */
  assert_int_equal(ct_module_to(s, CT_FLOAT64), 0);
  assert_int_equal(ct_dtype_of(ct_module_get_parameter(s, "0.bias")), CT_FLOAT64);
  assert_true(ct_requires_grad(ct_module_get_parameter(s, "0.weight")));
  ct_tensor *y64 = ct_forward(s, ct_ones(CT_SHAPE(4, 3), .dtype = CT_FLOAT64));
  assert_int_equal(ct_dtype_of(y64), CT_FLOAT64);
  expect_fail(ct_module_to(s, CT_INT64),
              "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.int64");
  ct_scope_end();
  ct_module_free(s);
  assert_int_equal(ct_live_tensors(), live);
}

static void test_deepcopy(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *l = ct_nn_linear(3, 3);
  ct_module *s = ct_nn_sequential(l, ct_nn_relu(false), ct_module_retain(l));
  ct_module_eval(s);
  ct_module *c = ct_module_deepcopy(s);
  assert_non_null(c);
  assert_false(ct_module_is_training(c));
  assert_ptr_equal(ct_module_at(c, 0), ct_module_at(c, 2)); /* shared stays shared */
  assert_ptr_not_equal(ct_module_at(c, 0), l);
  ct_tensor *w = ct_module_get_parameter(s, "0.weight"), *cw = ct_module_get_parameter(c, "0.weight");
  assert_ptr_not_equal(w, cw);
  assert_false(ct_shares_storage(w, cw));
  assert_true(ct_equal(w, cw));
  assert_true(ct_requires_grad(cw) && ct_is_leaf(cw));
  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(2, 3));
  assert_true(ct_equal(ct_forward(s, x), ct_forward(c, x))); /* the copy's struct points at its own weight */
  CT_NO_GRAD { ct_fill_(w, 1); }
  assert_false(ct_equal(ct_forward(s, x), ct_forward(c, x)));
  ct_scope_end();
  expect_repr(c, "Sequential(\n  (0): Linear(in_features=3, out_features=3, bias=True)\n  (1): ReLU()\n"
                 "  (2): Linear(in_features=3, out_features=3, bias=True)\n)");
  ct_module_free(s);
  ct_module_free(c);
  assert_int_equal(ct_live_tensors(), live);
}

static void test_state_dict(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *l = ct_nn_linear(2, 3);
  ct_tensor *w = ct_module_get_parameter(l, "weight");
  ct_scope_begin();
  ct_tensor *before = ct_clone(w);
  ct_tensor_map *sd = ct_tensor_map_new();
  ct_tensor_map_set(sd, "weight", ct_zeros(CT_SHAPE(3, 3)));
  expect_fail(ct_module_load_state_dict(l, sd, true, NULL),
              "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: \"bias\". \n"
              "\tsize mismatch for weight: copying a param with shape torch.Size([3, 3]) from checkpoint, "
              "the shape in current model is torch.Size([3, 2]).");
  ct_tensor_map_set(sd, "weight", ct_zeros(CT_SHAPE(3, 2)));
  ct_tensor_map_set(sd, "bias", ct_ones(CT_SHAPE(3)));
  ct_tensor_map_set(sd, "x", ct_zeros(CT_SHAPE(1)));
  ct_tensor_map_set(sd, "y.z", ct_zeros(CT_SHAPE(1)));
  expect_fail(ct_module_load_state_dict(l, sd, true, NULL),
              "Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in state_dict: \"x\", \"y.z\". ");
  assert_true(ct_equal(w, before)); /* nothing changed */
  ct_incompatible_keys k;
  assert_int_equal(ct_module_load_state_dict(l, sd, false, &k), 0);
  assert_int_equal(k.n_missing, 0);
  assert_int_equal(k.n_unexpected, 2);
  assert_string_equal(k.unexpected_keys[1], "y.z");
  ct_incompatible_keys_free(&k);
  expect_exact(w, 0, 0, 0, 0, 0, 0);
  expect_exact(ct_module_get_parameter(l, "bias"), 1, 1, 1);
  assert_ptr_equal(ct_module_get_parameter(l, "weight"), w); /* loaded in place */
  assert_true(ct_requires_grad(w));
  /* non-strict with a missing key: reported, the rest loaded */
  ct_tensor_map *sd2 = ct_tensor_map_new();
  ct_tensor_map_set(sd2, "bias", ct_full(CT_SHAPE(3), 2, .dtype = CT_FLOAT64)); /* converted */
  assert_int_equal(ct_module_load_state_dict(l, sd2, false, &k), 0);
  assert_int_equal(k.n_missing, 1);
  assert_string_equal(k.missing_keys[0], "weight");
  ct_incompatible_keys_free(&k);
  expect_exact(ct_module_get_parameter(l, "bias"), 2, 2, 2);
  /* a size mismatch fails also when not strict (as PyTorch) */
  ct_tensor_map_set(sd2, "bias", ct_ones(CT_SHAPE(4)));
  expect_fail(ct_module_load_state_dict(l, sd2, false, NULL),
              "Error(s) in loading state_dict for Linear:\n\tsize mismatch for bias: copying a param with "
              "shape torch.Size([4]) from checkpoint, the shape in current model is torch.Size([3]).");
  expect_exact(ct_module_get_parameter(l, "bias"), 2, 2, 2);
  ct_tensor_map_free(sd);
  ct_tensor_map_free(sd2);
  ct_scope_end();
  ct_module_free(l);
  assert_int_equal(ct_live_tensors(), live);
}

static unsigned char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot open %s", path);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*len);
  assert_int_equal(fread(b, 1, *len, f), *len);
  fclose(f);
  return b;
}

/* torch.manual_seed(0); m = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False));
 * safetensors.torch.save_file(m.state_dict(), path): tests/unit/data/nn_sequential.safetensors
 * (make_nn_fixtures.py). Same seed, same model: the same bytes. */
static void test_save_load(void **state) {
  (void)state;
  char ref[1024], out[1024];
  const char *src = getenv("CT_SOURCE_DIR");
  snprintf(ref, sizeof ref, "%s/tests/unit/data/nn_sequential.safetensors", src ? src : ".");
  snprintf(out, sizeof out, "/tmp/ct_nn_module_%d.safetensors", (int)getpid());
  ct_manual_seed(0);
  ct_module *m = ct_nn_sequential(ct_nn_linear(4, 3), ct_nn_relu(false), ct_nn_linear(3, 2, .bias = false));
  assert_int_equal(ct_module_save(m, out), 0);
  size_t n1, n2;
  unsigned char *a = slurp(ref, &n1), *b = slurp(out, &n2);
  assert_int_equal(n1, n2);
  assert_memory_equal(a, b, n1);
  free(a);
  free(b);
  ct_module *m2 = ct_nn_sequential(ct_nn_linear(4, 3), ct_nn_relu(false), ct_nn_linear(3, 2, .bias = false));
  assert_int_equal(ct_module_load(m2, ref, true), 0);
  assert_true(ct_equal(ct_module_get_parameter(m, "2.weight"), ct_module_get_parameter(m2, "2.weight")));
  ct_module *m3 = ct_nn_sequential(ct_nn_linear(4, 3));
  expect_fail(ct_module_load(m3, ref, true), "Unexpected key(s) in state_dict: \"2.weight\". ");
  expect_fail(ct_module_load(m3, "/nonexistent/x.safetensors", true), "No such file or directory");
  remove(out);
  ct_module_free(m);
  ct_module_free(m2);
  ct_module_free(m3);
}

static void test_containers(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *s = ct_nn_sequential(ct_nn_relu(false), ct_nn_tanh(), ct_nn_sigmoid());
  assert_int_equal(ct_module_len(s), 3);
  assert_string_equal(ct_module_name(ct_module_at(s, -1)), "Sigmoid");
  expect_error(ct_module_at(s, 5), "index 5 is out of range");
  expect_error(ct_module_at(s, -4), "index -4 is out of range");
  ct_module *sl = ct_sequential_slice(s, 1, CT_NONE, 1); /* s[1:] keeps the names */
  expect_repr(sl, "Sequential(\n  (1): Tanh()\n  (2): Sigmoid()\n)");
  assert_string_equal(ct_module_name(ct_module_at(sl, 0)), "Tanh");
  ct_module *rev = ct_sequential_slice(s, CT_NONE, CT_NONE, -2); /* s[::-2] */
  expect_repr(rev, "Sequential(\n  (2): Sigmoid()\n  (0): ReLU()\n)");
  expect_error(ct_sequential_slice(s, 0, 1, 0), "slice step cannot be zero");
  assert_ptr_equal(ct_module_insert(s, -1, ct_nn_identity()), s); /* s.insert(-1, Identity()) */
  expect_repr(s, "Sequential(\n  (0): ReLU()\n  (1): Tanh()\n  (2): Identity()\n  (3): Sigmoid()\n)");
  expect_error(ct_module_insert(s, 9, ct_nn_identity()), "Index out of range: 9");
  ct_module_append(s, ct_nn_softmax(1));
  assert_int_equal(ct_module_len(s), 5);
  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(2, 3));
  ct_tensor *y = ct_forward(s, x);
  assert_true(ct_allclose(y, ct_softmax(ct_sigmoid(ct_tanh(ct_relu(x))), 1), 1e-6, 1e-7));
  ct_module *empty = ct_nn_sequential();
  assert_ptr_equal(ct_forward(empty, x), x); /* an empty Sequential returns its input */
  ct_module_free(empty);
  ct_scope_end();
  /* ModuleList: insert without a range check (1.13), no forward */
  ct_module *ml = ct_nn_module_list(ct_nn_relu(false));
  ct_module_insert(ml, 0, ct_nn_tanh());
  expect_repr(ml, "ModuleList(\n  (0): Tanh()\n  (1): ReLU()\n)");
  assert_string_equal(ct_module_name(ct_module_at(ml, -1)), "ReLU");
  ct_scope_begin();
  expect_error(ct_forward(ml, ct_ones(CT_SHAPE(1))), "Module [ModuleList] is missing the required \"forward\" function");
  ct_scope_end();
  ct_module *md = ct_nn_module_dict();
  ct_module_dict_set(md, "act", ct_nn_relu(false));
  ct_module_dict_set(md, "act", ct_nn_gelu(CT_GELU_NONE)); /* replaces in place */
  assert_int_equal(ct_module_len(md), 1);
  assert_string_equal(ct_module_name(ct_module_dict_get(md, "act")), "GELU");
  expect_error(ct_module_dict_get(md, "nope"), "'nope'");
  expect_error(ct_module_dict_set(s, "x", ct_nn_relu(false)), "'Sequential' object does not support item assignment");
  expect_fail(ct_module_len(ct_module_at(s, 0)) < 0, "object of type 'ReLU' has no len()");
  expect_error(ct_module_append(md, ct_nn_relu(false)), "'ModuleDict' object has no attribute 'append'");
  /* ParameterList / ParameterDict */
  ct_scope_begin();
  ct_module *pl = ct_nn_parameter_list(ct_ones(CT_SHAPE(2)));
  ct_tensor *p1 = ct_parameter_list_append(pl, ct_zeros(CT_SHAPE(3)));
  assert_true(ct_requires_grad(p1) && ct_is_leaf(p1));
  ct_tensor *data = ct_ones(CT_SHAPE(2)), *par = ct_parameter(data, true); /* nn.Parameter(data) */
  assert_true(ct_shares_storage(par, data) && ct_requires_grad(par) && ct_is_leaf(par));
  assert_false(ct_requires_grad(ct_parameter(data, false)));
  assert_ptr_equal(ct_parameter_list_at(pl, -1), p1);
  expect_error(ct_parameter_list_at(pl, 2), "index 2 is out of range");
  assert_int_equal(ct_module_len(pl), 2);
  ct_tensor_map *np = ct_module_named_parameters(pl, true);
  expect_names(np, (const char *[]){"0", "1"}, 2);
  ct_tensor_map_free(np);
  ct_module *pd = ct_nn_parameter_dict();
  ct_parameter_dict_set(pd, "w", ct_ones(CT_SHAPE(2)));
  assert_non_null(ct_parameter_dict_get(pd, "w"));
  expect_error(ct_parameter_dict_get(pd, "v"), "'v'");
  expect_error(ct_parameter_list_append(pd, ct_ones(CT_SHAPE(1))), "'ParameterDict' object has no attribute 'append'");
  ct_module_free(pl);
  ct_module_free(pd);
  ct_scope_end();
  ct_module_free(s);
  ct_module_free(sl);
  ct_module_free(rev);
  ct_module_free(ml);
  ct_module_free(md);
  assert_int_equal(ct_live_tensors(), live);
}

static void test_register_errors(void **state) {
  (void)state;
  ct_module *l = ct_nn_linear(2, 2);
  ct_scope_begin();
  ct_tensor *t = ct_ones(CT_SHAPE(2));
  expect_error(ct_module_register_parameter(l, "a.b", t), "parameter name can't contain \".\"");
  expect_error(ct_module_register_parameter(l, "", t), "parameter name can't be empty string \"\"");
  expect_error(ct_module_register_buffer(l, "weight", t, true), "attribute 'weight' already exists");
  expect_error(ct_module_register_buffer(l, "x.y", t, true), "buffer name can't contain \".\"");
  expect_error(ct_module_register_module(l, "a.b", ct_nn_relu(false)), "module name can't contain \".\", got: a.b");
  expect_error(ct_module_register_module(l, "", ct_nn_relu(false)), "module name can't be empty string \"\"");
  expect_error(ct_module_register_module(l, "bias", ct_nn_relu(false)), "attribute 'bias' already exists");
  expect_error(ct_module_register_parameter(l, "i", ct_ones(CT_SHAPE(2), .dtype = CT_INT64)),
               "Only Tensors of floating point and complex dtype can require gradients");
  ct_tensor *leaf = ct_ones(CT_SHAPE(2), .requires_grad = true);
  expect_error(ct_module_register_parameter(l, "nl", ct_mul_scalar(leaf, 2)),
               "Cannot assign non-leaf Tensor to parameter 'nl'");
  assert_ptr_equal(ct_module_register_parameter(l, "extra", leaf), leaf); /* a Parameter already */
  ct_tensor *p = ct_module_set_tensor(l, "extra", ct_zeros(CT_SHAPE(3)));
  assert_int_equal(ct_size(p, 0), 3);
  expect_error(ct_module_set_tensor(l, "nothing", t), "'Linear' object has no attribute 'nothing'");
  assert_null(ct_module_register_parameter(l, "x", NULL)); /* an earlier failure: no new message */
  assert_null(ct_last_error());
  ct_scope_end();
  ct_module_free(l);
}

/* ---- hooks -------------------------------------------------------------------------------- */
static int double_input(ct_module *m, ct_values *in, void *user) {
  in->v[0].t = ct_mul_scalar(in->v[0].t, 2);
  (*(int *)user)++;
  return 0;
}
static int capture_output(ct_module *m, const ct_values *in, ct_values *out, void *user) {
  ct_tensor **slot = user;
  *slot = out->v[0].t;
  return 0;
}
static int negate_output(ct_module *m, const ct_values *in, ct_values *out, void *user) {
  out->v[0].t = ct_neg(out->v[0].t);
  return 0;
}

typedef struct bw_seen {
  int calls, n_in, n_out;
  ct_tensor *gin, *gout;
  bool zero;
} bw_seen;
static int bw_hook(ct_module *m, ct_tensor *const *gi, int n_in, ct_tensor *const *go, int n_out,
                   ct_tensor **new_gi, void *user) {
  bw_seen *s = user;
  s->calls++;
  s->n_in = n_in;
  s->n_out = n_out;
  /* backward runs in its own scopes: keep what outlives it with a reference of our own */
  ct_release(s->gin);
  ct_release(s->gout);
  s->gin = gi[0] ? ct_retain(ct_detach(gi[0])) : NULL;
  s->gout = ct_retain(ct_detach(go[0]));
  if (s->zero && gi[0]) new_gi[0] = ct_zeros_like(gi[0]);
  return 0;
}

static void test_hooks(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *l = ct_nn_linear(4, 3);
  ct_scope_begin();
  ct_tensor *x = ct_ones(CT_SHAPE(2, 4));
  ct_tensor *plain = ct_forward(l, x), *twice = ct_forward(l, ct_mul_scalar(x, 2));
  int pre_calls = 0;
  ct_tensor *seen = NULL;
  ct_hook_handle h1 = ct_module_register_forward_pre_hook(l, double_input, &pre_calls);
  ct_hook_handle h2 = ct_module_register_forward_hook(l, capture_output, &seen);
  ct_tensor *y = ct_forward(l, x);
  assert_int_equal(pre_calls, 1);
  assert_ptr_equal(seen, y);
  assert_true(ct_equal(y, twice)); /* the pre-hook doubled the input */
  ct_hook_remove(&h1);
  ct_hook_remove(&h1); /* again: harmless */
  ct_hook_handle h3 = ct_module_register_forward_hook(l, negate_output, NULL);
  y = ct_forward(l, x);
  assert_true(ct_allclose(y, ct_neg(plain), 1e-6, 1e-7));
  ct_hook_remove(&h3);
  ct_hook_remove(&h2);
  assert_true(ct_equal(ct_forward(l, x), plain));
  /* full backward hook: grad_output = ones, grad_input = ones @ W */
  bw_seen s = {0};
  ct_hook_handle hb = ct_module_register_full_backward_hook(l, bw_hook, &s);
  ct_tensor *xr = ct_ones(CT_SHAPE(2, 4), .requires_grad = true);
  ct_tensor *out = ct_forward(l, xr);
  assert_string_equal(ct_grad_fn_name(out), "BackwardHookFunctionBackward");
  assert_int_equal(ct_backward(out, .gradient = ct_ones(CT_SHAPE(2, 3))), 0);
  assert_int_equal(s.calls, 1);
  assert_int_equal(s.n_in, 1);
  assert_int_equal(s.n_out, 1);
  assert_true(ct_equal(s.gout, ct_ones(CT_SHAPE(2, 3))));
  ct_tensor *want = ct_matmul(ct_ones(CT_SHAPE(2, 3)), ct_module_get_parameter(l, "weight"));
  assert_true(ct_allclose(s.gin, want, 1e-6, 1e-7));
  assert_true(ct_allclose(ct_grad(xr), want, 1e-6, 1e-7));
  /* the hook's replacement is what flows on */
  s.zero = true;
  ct_tensor *xr2 = ct_ones(CT_SHAPE(2, 4), .requires_grad = true);
  assert_int_equal(ct_backward(ct_sum(ct_forward(l, xr2))), 0);
  assert_int_equal(s.calls, 2);
  assert_true(ct_equal(ct_grad(xr2), ct_zeros(CT_SHAPE(2, 4))));
  /* inputs needing no grad: grad_input is all None (called from the outputs' node) */
  assert_int_equal(ct_backward(ct_sum(ct_forward(l, x))), 0);
  assert_int_equal(s.calls, 3);
  assert_null(s.gin);
  assert_true(ct_equal(s.gout, ct_ones(CT_SHAPE(2, 3))));
  ct_hook_remove(&hb);
  ct_release(s.gin);
  ct_release(s.gout);
  assert_string_equal(ct_grad_fn_name(ct_forward(l, x)), "AddmmBackward0");
  ct_scope_end();
  ct_module_free(l);
  assert_int_equal(ct_live_tensors(), live);
}

/* ---- registry and JSON -------------------------------------------------------------------- */
static void test_registry(void **state) {
  (void)state;
  ct_module *m = ct_nn_create("Linear", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_kw("bias", ct_v_bool(false))));
  expect_repr(m, "Linear(in_features=4, out_features=3, bias=False)");
  ct_module_free(m);
  m = ct_nn_create("Unflatten", &CT_VALUES(ct_v_int(1), ct_v_tuple(2), ct_v_int(2), ct_v_int(3)));
  expect_repr(m, "Unflatten(dim=1, unflattened_size=(2, 3))");
  ct_module_free(m);
  m = ct_nn_create("Identity", &CT_VALUES(ct_v_int(54), ct_v_kw("unused", ct_v_str("x"))));
  expect_repr(m, "Identity()");
  ct_module_free(m);
  m = ct_nn_create("Linear", &CT_VALUES(ct_v_int(2), ct_v_int(2), ct_v_kw("dtype", ct_v_str("torch.float64"))));
  assert_int_equal(ct_dtype_of(ct_module_get_parameter(m, "weight")), CT_FLOAT64);
  ct_module_free(m);
  assert_ptr_equal(ct_nn_find_kind("GELU"), ct_nn_find_kind("GELU"));
  assert_null(ct_nn_find_kind("Conv9d"));
  expect_error(ct_nn_create("Conv9d", NULL), "unknown module 'nn.Conv9d'");
  expect_error(ct_nn_create("Linear", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_kw("biass", ct_v_bool(false)))),
               "Linear.__init__() got an unexpected keyword argument 'biass'");
  expect_error(ct_nn_create("Linear", &CT_VALUES(ct_v_int(4))),
               "Linear.__init__() missing 1 required positional argument: 'out_features'");
  expect_error(ct_nn_create("Linear", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_kw("in_features", ct_v_int(2)))),
               "Linear.__init__() got multiple values for argument 'in_features'");
  expect_error(ct_nn_create("ReLU", &CT_VALUES(ct_v_bool(true), ct_v_int(3))),
               "ReLU.__init__() takes 1 positional arguments but 2 were given");
  expect_error(ct_nn_create("Linear", &CT_VALUES(ct_v_str("4"), ct_v_int(3))),
               "Linear: argument 'in_features' must be int, not str");
  expect_error(ct_nn_create("GELU", &CT_VALUES(ct_v_str("fast"))), "approximate argument must be either none or tanh.");
  expect_error(ct_nn_create("Linear", &CT_VALUES(ct_v_int(2), ct_v_int(2), ct_v_kw("device", ct_v_str("cuda")))),
               "unsupported device");
}

static const char *MODEL =
    "{\"type\": \"Sequential\", \"modules\": [\n"
    "  {\"type\": \"Flatten\"},\n"
    "  {\"type\": \"Linear\", \"args\": [16, 64]},\n"
    "  {\"type\": \"ReLU\", \"kwargs\": {\"inplace\": true}},\n"
    "  {\"type\": \"Sequential\", \"modules\": {\"head\": {\"type\": \"Linear\", \"args\": [64, 10],\n"
    "     \"kwargs\": {\"bias\": false}}, \"act\": {\"type\": \"LogSoftmax\", \"kwargs\": {\"dim\": 1}}}}\n"
    "]}";

static void test_json(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *m = ct_nn_from_json(MODEL);
  if (!m) fail_msg("%s", ct_last_error());
  expect_repr(m, "Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n"
                 "  (1): Linear(in_features=16, out_features=64, bias=True)\n  (2): ReLU(inplace=True)\n"
                 "  (3): Sequential(\n    (head): Linear(in_features=64, out_features=10, bias=False)\n"
                 "    (act): LogSoftmax(dim=1)\n  )\n)");
  ct_scope_begin();
  ct_tensor *y = ct_forward(m, ct_randn(CT_SHAPE(2, 4, 4)));
  assert_int_equal(ct_size(y, 1), 10);
  ct_scope_end();
  ct_module_free(m);
  char path[256];
  snprintf(path, sizeof path, "/tmp/ct_nn_model_%d.json", (int)getpid());
  FILE *f = fopen(path, "w");
  fputs(MODEL, f);
  fclose(f);
  m = ct_nn_load_json(path);
  assert_non_null(m);
  assert_int_equal(ct_module_num_parameters(m, false), 16 * 64 + 64 + 640);
  ct_module_free(m);
  remove(path);
  expect_error(ct_nn_from_json("{\"type\": \"Sequential\", \"modules\": [{\"type\": \"Linearr\", \"args\": [1, 2]}]}"),
               "nn JSON model.0: unknown layer 'Linearr'");
  expect_error(ct_nn_from_json("{\"type\": \"Sequential\", \"modules\": [{\"type\": \"ReLU\"}, "
                               "{\"type\": \"Linear\", \"args\": [1, 2], \"kwargs\": {\"bais\": true}}]}"),
               "nn JSON model.1 (Linear): Linear.__init__() got an unexpected keyword argument 'bais'");
  expect_error(ct_nn_from_json("{\"type\": \"Linear\", \"args\": [1, 2], \"kwarg\": {}}"),
               "nn JSON model (Linear): unknown key 'kwarg'");
  expect_error(ct_nn_from_json("{\"type\": \"Linear\", \"args\": [1, 2]"), "nn JSON: expected ',' or '}' at offset");
  expect_error(ct_nn_from_json("[1, 2] x"), "nn JSON: text after the model");
  expect_error(ct_nn_from_json("{\"args\": []}"), "nn JSON model: missing \"type\"");
  expect_error(ct_nn_from_json("{\"type\": \"ReLU\", \"modules\": []}"), "only containers take \"modules\"");
  expect_error(ct_nn_load_json("/nonexistent/model.json"), "No such file or directory");
  assert_int_equal(ct_live_tensors(), live);
}

/* ---- a user-defined module (seed 004's BasicNeuralNetwork) -------------------------------- */
typedef struct basic_net {
  ct_module base;
  ct_module *fc1, *fc2, *fc3, *relu;
} basic_net;

static ct_tensor *basic_forward(ct_module *m, ct_tensor *x) {
  basic_net *self = (basic_net *)m;
  x = ct_forward(self->fc1, x);
  x = ct_forward(self->relu, x);
  x = ct_forward(self->fc2, x);
  x = ct_forward(self->relu, x);
  return ct_forward(self->fc3, x);
}
static const ct_module_kind basic_kind = {"BasicNeuralNetwork", sizeof(basic_net), .forward1 = basic_forward};

static ct_module *basic_new(int64_t in, int64_t hidden, int64_t out) {
  ct_module *m = ct_module_new(&basic_kind);
  basic_net *self = (basic_net *)m;
  self->fc1 = ct_module_register_module(m, "fc1", ct_nn_linear(in, hidden));
  self->fc2 = ct_module_register_module(m, "fc2", ct_nn_linear(hidden, hidden));
  self->fc3 = ct_module_register_module(m, "fc3", ct_nn_linear(hidden, out));
  self->relu = ct_module_register_module(m, "relu", ct_nn_relu(false));
  return m;
}

static ct_module *basic_build(const ct_values *a) {
  const ct_value *i = ct_values_get(a, 0, "input_size"), *h = ct_values_get(a, 1, "hidden_size"),
                 *o = ct_values_get(a, 2, "output_size");
  return i && h && o ? basic_new(i->i, h->i, o->i) : NULL;
}
static const ct_module_kind basic_kind_reg = {"BasicNeuralNetwork", sizeof(basic_net),
                                              .forward1 = basic_forward, .build = basic_build};

static void test_user_module(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *m = basic_new(784, 256, 10);
  expect_repr(m, "BasicNeuralNetwork(\n  (fc1): Linear(in_features=784, out_features=256, bias=True)\n"
                 "  (fc2): Linear(in_features=256, out_features=256, bias=True)\n"
                 "  (fc3): Linear(in_features=256, out_features=10, bias=True)\n  (relu): ReLU()\n)");
  assert_int_equal(ct_module_num_parameters(m, false), 784 * 256 + 256 + 256 * 256 + 256 + 2570);
  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(3, 784));
  ct_tensor *y = ct_forward(m, x);
  assert_int_equal(ct_size(y, 1), 10);
  ct_module *c = ct_module_deepcopy(m);
  assert_true(ct_equal(ct_forward(c, x), y));
  assert_int_equal(ct_module_to(c, CT_FLOAT64), 0);
  assert_int_equal(ct_dtype_of(ct_forward(c, ct_to(x, CT_FLOAT64))), CT_FLOAT64); /* self->fc1 etc. still valid */
  ct_scope_end();
  assert_int_equal(ct_nn_register_kind(&basic_kind_reg), 0);
  expect_fail(ct_nn_register_kind(&basic_kind_reg), "'BasicNeuralNetwork' is already registered");
  ct_module *j = ct_nn_from_json("{\"type\": \"BasicNeuralNetwork\", \"args\": [8, 4, 2]}");
  assert_non_null(j);
  assert_int_equal(ct_module_num_parameters(j, false), 8 * 4 + 4 + 20 + 10);
  ct_module_free(j);
  ct_module_free(c);
  ct_module_free(m);
  /* a kind too small for its header */
  static const ct_module_kind tiny = {"Tiny", 4};
  expect_error(ct_module_new(&tiny), "has size 4, less than sizeof(ct_module)");
  assert_int_equal(ct_live_tensors(), live);
}

/* Values lists: positional and keyword lookups, tuples flattened. */
static void test_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_ones(CT_SHAPE(1)), *b = ct_zeros(CT_SHAPE(1)), *c = ct_ones(CT_SHAPE(2));
  ct_values v = CT_VALUES(ct_v_tensor(a), ct_v_kw("need_weights", ct_v_bool(true)), ct_v_tuple(2),
                          ct_v_tensor(b), ct_v_tensor(c), ct_v_none());
  assert_int_equal(ct_values_count_tensors(&v), 3);
  assert_ptr_equal(ct_values_tensor(&v, 2), c);
  assert_null(ct_values_tensor(&v, 3));
  assert_true(ct_values_get(&v, -1, "need_weights")->b);
  assert_int_equal(ct_values_get(&v, 1, NULL)->type, CT_V_TUPLE);
  assert_int_equal(ct_values_get(&v, 4, NULL)->type, CT_V_NONE);
  assert_null(ct_values_get(&v, 5, NULL));
  ct_values full = {.n = CT_VALUES_MAX};
  expect_fail(ct_values_push(&full, ct_v_int(1)), "a value list holds at most");
  assert_int_equal(ct_values_push(&v, ct_v_float(0.5)), 0);
  assert_int_equal(v.n, 7);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linear),         cmocka_unit_test(test_functional_linear),
      cmocka_unit_test(test_repr),           cmocka_unit_test(test_traversal),
      cmocka_unit_test(test_apply_zero_grad_to), cmocka_unit_test(test_deepcopy),
      cmocka_unit_test(test_state_dict),     cmocka_unit_test(test_save_load),
      cmocka_unit_test(test_containers),     cmocka_unit_test(test_register_errors),
      cmocka_unit_test(test_hooks),          cmocka_unit_test(test_registry),
      cmocka_unit_test(test_json),           cmocka_unit_test(test_user_module),
      cmocka_unit_test(test_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
