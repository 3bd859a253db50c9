/* torch.load of .pth files: fixtures written by PyTorch 1.13 (tests/unit/data/pth/gen_pth.py)
 * compared value for value, shared storages, every dtype, and hostile files (a pickle calling
 * os.system, truncations, byte flips, storages shorter than their tensors, crafted pickles). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include "ct_test.h"
#include "ct_test_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

static const char *data_path(const char *name) { return ct_test_source_file("tests/unit/data/pth", name); }

/* gen_pth.py's ramp: element i (row-major) is ((i * 7) % 11 - 5) * 0.25 */
static double ramp_at(int64_t i) { return (double)((i * 7) % 11 - 5) * 0.25; }

/* t has shape (nd, shape) and dtype dt, and element i (row-major, through its strides) is
 * scale * ramp_at(i) + add, converted as PyTorch's .to(dtype) does (truncation, bool: > 0). */
static void expect_ramp(const ct_tensor *t, ct_dtype dt, int nd, const int64_t *shape, double scale,
                        double add) {
  assert_non_null(t);
  assert_int_equal(ct_dtype_of(t), dt);
  assert_int_equal(ct_dim(t), nd);
  for (int d = 0; d < nd; d++) assert_int_equal(ct_shape(t)[d], shape[d]);
  int64_t n = ct_numel(t), idx[CT_MAX_DIMS] = {0};
  for (int64_t i = 0; i < n; i++) {
    int64_t r = i;
    for (int d = nd - 1; d >= 0; d--) idx[d] = r % shape[d], r /= shape[d];
    double want = ramp_at(i) * scale + add;
    if (dt == CT_BOOL) want = ramp_at(i) > 0;
    else if (!ct_dtype_is_floating(dt)) want = (double)(int64_t)want;
    if (dt == CT_UINT8 && want < 0) want += 256;
    double got = ct_get(t, idx);
    if (got != want) fail_msg("element %lld: got %g, want %g", (long long)i, got, want);
  }
}

static void test_state_dict(void **state) {
  ct_tensor_map *sd = ct_pth_load_state_dict(data_path("net_sd.pth"));
  if (!sd) fail_msg("%s", ct_last_error());
  const char *keys[] = {"conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                        "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"};
  assert_int_equal(ct_tensor_map_size(sd), 9);
  for (int i = 0; i < 9; i++) assert_string_equal(ct_tensor_map_name(sd, i), keys[i]);
  expect_ramp(ct_tensor_map_at(sd, 0), CT_FLOAT32, 4, (int64_t[]){2, 1, 3, 3}, 1, 0);
  expect_ramp(ct_tensor_map_at(sd, 1), CT_FLOAT32, 1, (int64_t[]){2}, 1, 1);
  expect_ramp(ct_tensor_map_at(sd, 5), CT_FLOAT32, 1, (int64_t[]){2}, 1, 5);
  assert_int_equal(ct_dtype_of(ct_tensor_map_at(sd, 6)), CT_INT64);
  assert_int_equal(ct_dim(ct_tensor_map_at(sd, 6)), 0);
  assert_int_equal(ct_item_int64(ct_tensor_map_at(sd, 6)), 7);
  expect_ramp(ct_tensor_map_at(sd, 7), CT_FLOAT32, 2, (int64_t[]){3, 8}, 1, 7);
  expect_ramp(ct_tensor_map_at(sd, 8), CT_FLOAT32, 1, (int64_t[]){3}, 1, 8);
  ct_tensor_map_free(sd);
  /* the same bytes from memory */
  size_t len;
  unsigned char *b = read_all(data_path("net_sd.pth"), &len);
  ct_pth_value *root = ct_pth_loads(b, len);
  if (!root) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_kind_of(root), CT_PTH_DICT);
  assert_int_equal(ct_pth_len(root), 9);
  expect_ramp(ct_pth_tensor(ct_pth_get(root, "fc.bias")), CT_FLOAT32, 1, (int64_t[]){3}, 1, 8);
  ct_pth_free(root);
  free(b);
}

/* a module with the fixture's layout: conv (1->2, 3x3), bn (2), fc (8->3) */
typedef struct {
  ct_module base;
} holder;
static const ct_module_kind net_kind = {"Net", sizeof(holder)};

static void test_module_load(void **state) {
  ct_module *m = ct_module_new(&net_kind);
  ct_module_register_module(m, "conv", ct_nn_conv2d(1, 2, CT_INTS(3)));
  ct_module_register_module(m, "bn", ct_nn_batch_norm2d(2));
  ct_module_register_module(m, "fc", ct_nn_linear(8, 3));
  if (ct_module_load_pth(m, data_path("net_sd.pth"), true)) fail_msg("%s", ct_last_error());
  expect_ramp(ct_module_get_parameter(m, "fc.weight"), CT_FLOAT32, 2, (int64_t[]){3, 8}, 1, 7);
  expect_ramp(ct_module_get_parameter(m, "conv.weight"), CT_FLOAT32, 4, (int64_t[]){2, 1, 3, 3}, 1, 0);
  /* strict: a module lacking the file's keys */
  ct_module *lin = ct_nn_linear(8, 3);
  expect_fail(ct_module_load_pth(lin, data_path("net_sd.pth"), true), "Unexpected key(s) in state_dict");
  expect_fail(ct_module_load_pth(lin, data_path("checkpoint.pth"), false), "is not a tensor");
  ct_module_free(lin);
  ct_module_free(m);
}

static void test_checkpoint(void **state) {
  ct_pth_value *r = ct_pth_load(data_path("checkpoint.pth"));
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_len(r), 8);
  assert_string_equal(ct_pth_str(ct_pth_key(r, 0), NULL), "model");
  assert_int_equal(ct_pth_int(ct_pth_get(r, "epoch")), 3);
  assert_true(ct_pth_float(ct_pth_get(r, "loss")) == 0.12);
  assert_int_equal(ct_pth_int(ct_pth_get(r, "big")), (int64_t)1 << 40);
  assert_string_equal(ct_pth_str(ct_pth_get(r, "name"), NULL), "run1");
  ct_test_expect_flags_pair(r);
  expect_error(ct_pth_item(ct_pth_get(r, "pair"), 2), "out of range");
  /* the model's state_dict, loaded into a Linear */
  ct_tensor_map *sd = ct_pth_to_tensor_map(ct_pth_get(r, "model"));
  ct_module *lin = ct_nn_linear(3, 2);
  assert_int_equal(ct_module_load_state_dict(lin, sd, true, NULL), 0);
  /* one Adam step moved every weight by lr against its gradient's sign */
  double xs[3] = {0};
  for (int i = 0; i < 12; i++) xs[i % 3] += ramp_at(i);
  ct_tensor *w = ct_module_get_parameter(lin, "weight");
  for (int j = 0; j < 6; j++)
    assert_true(ct_test_close(ct_get(w, (int64_t[]){j / 3, j % 3}),
                              ramp_at(j) - 0.01 * (xs[j % 3] > 0 ? 1 : -1), 0, 1e-6));
  ct_tensor_map_free(sd);
  ct_module_free(lin);
  /* the optimizer: state {0: {step, exp_avg, exp_avg_sq}, 1: ...}, param_groups [{lr, ...}] */
  ct_pth_value *opt = ct_pth_get(r, "optimizer");
  ct_pth_value *st0 = ct_pth_get_int(ct_pth_get(opt, "state"), 0);
  assert_non_null(st0);
  ct_tensor *step = ct_pth_tensor(ct_pth_get(st0, "step"));
  assert_true(ct_item(step) == 1.0);
  ct_tensor *m0 = ct_pth_tensor(ct_pth_get(st0, "exp_avg"));
  assert_int_equal(ct_numel(m0), 6);
  /* exp_avg after one step is 0.1 * grad; the grad of sum(W x + b) is the column sums of x */
  for (int j = 0; j < 6; j++)
    assert_true(ct_get(m0, (int64_t[]){j / 3, j % 3}) == (float)(0.1f * (float)xs[j % 3]));
  ct_pth_value *g = ct_pth_item(ct_pth_get(opt, "param_groups"), 0);
  assert_true(ct_pth_float(ct_pth_get(g, "lr")) == 0.01);
  assert_false(ct_pth_bool(ct_pth_get(g, "amsgrad")));
  ct_pth_value *params = ct_pth_get(g, "params");
  assert_int_equal(ct_pth_len(params), 2);
  assert_int_equal(ct_pth_int(ct_pth_item(params, 1)), 1);
  /* wrong kinds are errors, not crashes */
  assert_int_equal(ct_pth_int(ct_pth_get(r, "name")), 0);
  expect_error(NULL, "expected an int");
  expect_error(ct_pth_tensor(r), "expected a tensor");
  expect_error(ct_pth_to_tensor_map(r), "state_dict entry 'model' is not a tensor");
  expect_error(ct_pth_load_state_dict(data_path("checkpoint.pth")), "is not a tensor");
  ct_pth_free(r);
}

static void test_shared(void **state) {
  ct_pth_value *r = ct_pth_load(data_path("shared.pth"));
  if (!r) fail_msg("%s", ct_last_error());
  ct_tensor *base = ct_pth_tensor(ct_pth_get(r, "base")), *row = ct_pth_tensor(ct_pth_get(r, "row")),
            *col = ct_pth_tensor(ct_pth_get(r, "col")), *t = ct_pth_tensor(ct_pth_get(r, "t")),
            *ta = ct_pth_tensor(ct_pth_get(r, "tied_a")), *tb = ct_pth_tensor(ct_pth_get(r, "tied_b"));
  expect_ramp(base, CT_FLOAT32, 2, (int64_t[]){4, 5}, 1, 0);
  assert_true(ct_shares_storage(base, row) && ct_shares_storage(base, col) && ct_shares_storage(base, t));
  assert_true(ct_shares_storage(ta, tb));
  assert_false(ct_shares_storage(base, ta));
  assert_int_equal(ct_storage_offset(row), 5);
  assert_int_equal(ct_storage_offset(col), 2);
  assert_int_equal(ct_strides(col)[0], 5);
  assert_int_equal(ct_strides(t)[0], 1);
  assert_int_equal(ct_strides(t)[1], 5);
  for (int i = 0; i < 5; i++) assert_true(ct_get(row, (int64_t[]){i}) == ramp_at(5 + i));
  for (int i = 0; i < 4; i++) assert_true(ct_get(col, (int64_t[]){i}) == ramp_at(5 * i + 2));
  assert_true(ct_get(t, (int64_t[]){3, 1}) == ramp_at(8));
  expect_ramp(ta, CT_FLOAT32, 2, (int64_t[]){4, 5}, 2, 0);
  /* a write through one name is seen through the other, as in PyTorch */
  ct_set(ta, (int64_t[]){0, 0}, 42.0);
  assert_true(ct_get(tb, (int64_t[]){0, 0}) == 42.0);
  ct_set(base, (int64_t[]){1, 2}, -7.0);
  assert_true(ct_get(row, (int64_t[]){2}) == -7.0 && ct_get(col, (int64_t[]){1}) == -7.0);
  ct_pth_free(r);
}

static void test_dtypes(void **state) {
  ct_pth_value *r = ct_pth_load(data_path("dtypes.pth"));
  if (!r) fail_msg("%s", ct_last_error());
  const struct {
    const char *k;
    ct_dtype dt;
  } c[] = {{"f32", CT_FLOAT32}, {"f64", CT_FLOAT64}, {"i64", CT_INT64}, {"i32", CT_INT32},
           {"i16", CT_INT16},   {"i8", CT_INT8},     {"u8", CT_UINT8},  {"bool", CT_BOOL}};
  for (size_t i = 0; i < sizeof c / sizeof *c; i++)
    expect_ramp(ct_pth_tensor(ct_pth_get(r, c[i].k)), c[i].dt, 2, (int64_t[]){2, 3}, 4, 0);
  ct_tensor *s = ct_pth_tensor(ct_pth_get(r, "scalar"));
  assert_int_equal(ct_dim(s), 0);
  assert_true(ct_item(s) == 2.5);
  ct_tensor *e = ct_pth_tensor(ct_pth_get(r, "empty"));
  assert_int_equal(ct_numel(e), 0);
  assert_int_equal(ct_shape(e)[1], 3);
  ct_pth_free(r);
  /* float16 (a HalfStorage) loads as CT_FLOAT16 */
  r = ct_pth_load(data_path("half.pth"));
  assert_non_null(r);
  assert_int_equal(ct_dtype_of(ct_pth_tensor(ct_pth_get(r, "half_w"))), CT_FLOAT16);
  ct_pth_free(r);
}

static void test_refused(void **state) {
  unlink("/tmp/ctorch_pwned");
  expect_error(ct_pth_load(data_path("evil.pth")), "WeightsUnpickler error: Unsupported class posix.system");
  assert_int_equal(access("/tmp/ctorch_pwned", F_OK), -1); /* nothing ran */
  /* the legacy format loads (test_pth_fixtures.c tests it in depth) */
  ct_pth_value *leg = ct_pth_load(data_path("legacy.pth"));
  if (!leg) fail_msg("%s", ct_last_error());
  expect_ramp(ct_pth_tensor(ct_pth_get(leg, "w")), CT_FLOAT32, 2, (int64_t[]){2, 3}, 1, 0);
  expect_ramp(ct_pth_tensor(ct_pth_get(leg, "b")), CT_FLOAT64, 1, (int64_t[]){3}, 1, 0);
  ct_pth_free(leg);
  expect_error(ct_pth_load(data_path("truncated.pth")), "PytorchStreamReader failed reading zip archive");
  expect_error(ct_pth_load(data_path("bad_offset.pth")),
               "setStorage: sizes [2, 3], strides [3, 1], storage offset 5, and itemsize 4 requiring "
               "a storage size of 44 are out of bounds for storage of size 24");
  expect_error(ct_pth_load(data_path("missing.pth")), "No such file or directory");
  expect_error(ct_pth_load(NULL), "path is NULL");
}

/* Every prefix of a valid file, and every single-byte flip of it, fails cleanly or loads. */
static void test_truncated_and_flipped(void **state) {
  size_t len;
  unsigned char *b = read_all(data_path("small.pth"), &len);
  for (size_t n = 0; n < len; n++) {
    ct_pth_value *r = ct_pth_loads(b, n);
    assert_null(r);
    ct_clear_error();
  }
  for (size_t i = 0; i < len; i++)
    for (int bit = 0; bit < 8; bit += 3) {
      b[i] ^= (unsigned char)(1 << bit);
      ct_pth_free(ct_pth_loads(b, len));
      ct_clear_error();
      b[i] ^= (unsigned char)(1 << bit);
    }
  free(b);
}

/* An archive "a/data.pkl" (the pickle given) + "a/data/0" (nbytes zero bytes), in memory. */
static ct_pth_value *load_crafted(const void *pkl, size_t len, size_t nbytes) {
  const char *path = ct_test_tmp_file("ct_pth_crafted.pth");
  int err;
  zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
  assert_non_null(z);
  void *zeros = calloc(1, nbytes + 1);
  zip_file_add(z, "a/data.pkl", zip_source_buffer(z, pkl, len, 0), 0);
  zip_file_add(z, "a/data/0", zip_source_buffer(z, zeros, nbytes, 0), 0);
  assert_int_equal(zip_close(z), 0);
  free(zeros);
  ct_pth_value *r = ct_pth_load(path);
  unlink(path);
  return r;
}
#define CRAFT(lit, nbytes) load_crafted(lit, sizeof(lit) - 1, nbytes)

static void test_crafted(void **state) {
  /* a float tensor of 6 elements on storage "0" of numel N: PROTO 2, GLOBAL rebuild, args */
#define TENSOR_OF(N) "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\0\0\0storage" \
  "ctorch\nFloatStorage\nX\x01\0\0\0" "0X\x03\0\0\0cpuJ" N "tQK\0K\x02K\x03\x86K\x03K\x01\x86\x89}tR."
  ct_pth_value *r = CRAFT(TENSOR_OF("\x06\0\0\0"), 24);
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_numel(ct_pth_tensor(r)), 6);
  ct_pth_free(r);
  /* the storage entry is shorter than the numel the pickle declares */
  expect_error(CRAFT(TENSOR_OF("\x06\0\0\0"), 20), "storage 0 holds 20 bytes, but the pickle declares 6");
  /* a huge declared numel allocates nothing */
  expect_error(CRAFT(TENSOR_OF("\xff\xff\xff\x7f"), 24), "but the pickle declares 2147483647");
  /* the storage is long enough, the tensor's sizes are not */
  expect_error(CRAFT(TENSOR_OF("\x05\0\0\0"), 20), "out of bounds for storage of size 20");
  expect_error(CRAFT("\x80\x02" "cbuiltins\neval\n.", 0), "Unsupported class builtins.eval");
  expect_error(CRAFT("\x80\x02\xff.", 0), "Unsupported operand 255");
  expect_error(CRAFT("\x80\x02h\x05.", 0), "Memo value not found at index 5");
  expect_error(CRAFT("\x80\x02N\x72\xff\xff\xff\x7f.", 0), "memo index 2147483647 out of range");
  expect_error(CRAFT("\x80\x02.", 0), "unpickling stack underflow");
  expect_error(CRAFT("\x80\x02(N", 0), "pickle data was truncated");
  expect_error(CRAFT("\x80\x02NN.", 0), "unpickling stack not empty at STOP");
  expect_error(CRAFT("\x80\x02X\xff\xff\xff\xff.", 0), "pickle data was truncated");
  expect_error(CRAFT("\x80\x02])R.", 0), "Trying to call reduce for unrecognized function list");
  expect_error(CRAFT("\x80\x02}Na.", 0), "Can only append to lists, but got dict");
  expect_error(CRAFT("\x80\x02(X\x06\0\0\0moduleNNNNtQ.", 0),
               "Only persistent_load of storage is allowed, but got module");
  /* deep nesting: 100000 nested lists and 100000 marks cost memory, never C recursion */
  size_t n = 100000, len = 0;
  char *deep = malloc(4 * n + 8);
  deep[len++] = (char)0x80, deep[len++] = 2;
  for (size_t i = 0; i < n; i++) deep[len++] = ']', deep[len++] = '(';
  for (size_t i = 0; i < n; i++) deep[len++] = 'e';
  deep[len++] = '.';
  r = load_crafted(deep, len, 0);
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_kind_of(r), CT_PTH_LIST);
  assert_int_equal(ct_pth_len(r), 1);
  ct_pth_free(r);
  free(deep);
  /* a list holding itself: a cycle, freed with its root */
  r = CRAFT("\x80\x02]q\x00" "h\x00" "a.", 0);
  if (!r) fail_msg("%s", ct_last_error());
  assert_ptr_equal(ct_pth_item(r, 0), r);
  ct_pth_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_dict), cmocka_unit_test(test_module_load),
      cmocka_unit_test(test_checkpoint), cmocka_unit_test(test_shared),
      cmocka_unit_test(test_dtypes),     cmocka_unit_test(test_refused),
      cmocka_unit_test(test_truncated_and_flipped), cmocka_unit_test(test_crafted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
