/* torch.save from C: state_dicts and checkpoint trees written by ct_pth_save / ct_pth_dumps,
 * read back by ct_pth_load value for value (key order, dtypes, shared storages), the layout
 * torch.save writes (entries, alignment, version), errors, atomic replacement; optimizer
 * state resumed from a checkpoint PyTorch 1.13 wrote (tests/fixtures/pth, made by
 * tools/gen_pth_optim_fixture.py). With CT_PTH_WRITE_DIR set, the files are also left there
 * for tests/pth_write/check_torch_load.py, which torch.load's them in PyTorch. */
#define _GNU_SOURCE /* nftw */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include "ct_test.h"
#include "ct_test_file.h"
#include "ct_test_tmpdir.h"

#include <sys/stat.h>
#include <zip.h>

static const char *out_path(const char *name) {
  static char buf[2][512];
  static int k;
  const char *dir = getenv("CT_PTH_WRITE_DIR");
  k ^= 1;
  snprintf(buf[k], sizeof buf[k], "%s/%s", dir ? dir : g_tmp, name);
  return buf[k];
}

static const char *fixture(const char *name) { return ct_test_source_file("tests/fixtures/pth", name); }

#define OK(x)                                            \
  do {                                                   \
    if ((x) != 0) fail_msg("%s: %s", #x, ct_last_error()); \
  } while (0)

/* a tensor of every dtype: ramps of several shapes, a 0-dim one, an empty one */
static ct_tensor_map *every_dtype(void) {
  static const ct_dtype dts[] = {CT_FLOAT32, CT_FLOAT64, CT_INT64, CT_INT32,
                                 CT_INT16,   CT_INT8,    CT_UINT8, CT_BOOL};
  static const char *names[] = {"f32", "f64", "i64", "i32", "i16", "i8", "u8", "b"};
  ct_tensor_map *m = ct_tensor_map_new();
  for (int i = 0; i < 8; i++)
    OK(ct_tensor_map_set(m, names[i], ramp(2, (int64_t[]){3, i + 1}, dts[i], i, false)));
  OK(ct_tensor_map_set(m, "scalar", ct_scalar_tensor(-2.5, CT_FLOAT64)));
  OK(ct_tensor_map_set(m, "empty", ct_zeros(CT_SHAPE(0, 4), .dtype = CT_INT32)));
  OK(ct_tensor_map_set(m, "four_dims", ramp(4, (int64_t[]){2, 1, 3, 2}, CT_FLOAT32, 5, false)));
  return m;
}

static void expect_same_map(const ct_tensor_map *a, const ct_tensor_map *b) {
  assert_non_null(b);
  assert_int_equal(ct_tensor_map_size(a), ct_tensor_map_size(b));
  for (int i = 0; i < ct_tensor_map_size(a); i++) {
    assert_string_equal(ct_tensor_map_name(a, i), ct_tensor_map_name(b, i));
    if (!ct_test_same(ct_tensor_map_at(a, i), ct_tensor_map_at(b, i)))
      fail_msg("entry %s differs", ct_tensor_map_name(a, i));
  }
}

static void test_state_dict_round_trip(void **state) {
  ct_tensor_map *m = every_dtype();
  OK(ct_pth_save_state_dict(out_path("dtypes.pth"), m));
  ct_tensor_map *back = ct_pth_load_state_dict(out_path("dtypes.pth"));
  if (!back) fail_msg("%s", ct_last_error());
  expect_same_map(m, back);
  ct_tensor_map_free(back);
  /* the same bytes in memory as in the file, but for the archive's name */
  size_t len;
  void *buf = ct_pth_dumps(NULL, &len);
  expect_error(buf, "NULL");
  ct_pth_value *tree = ct_pth_from_tensor_map(m);
  buf = ct_pth_dumps(tree, &len);
  if (!buf) fail_msg("%s", ct_last_error());
  ct_pth_value *r = ct_pth_loads(buf, len);
  if (!r) fail_msg("%s", ct_last_error());
  back = ct_pth_to_tensor_map(r);
  expect_same_map(m, back);
  ct_tensor_map_free(back);
  ct_pth_free(r);
  ct_pth_free(tree);
  free(buf);
  ct_tensor_map_free(m);
}

/* The archive torch.save writes: data.pkl, data/<key> in sorted key order, version "3",
 * everything stored, every entry's data on a 64-byte boundary. */
static void test_layout(void **state) {
  ct_tensor_map *m = ct_tensor_map_new();
  for (int i = 0; i < 12; i++) { /* 12 storages: "10" and "11" sort before "2" */
    char name[16];
    snprintf(name, sizeof name, "t%d", i);
    OK(ct_tensor_map_set(m, name, ramp(1, (int64_t[]){i + 1}, CT_FLOAT32, i, false)));
  }
  const char *path = out_path("layout.model.pth");
  OK(ct_pth_save_state_dict(path, m));
  int err = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY, &err);
  assert_non_null(z);
  const char *want[] = {"layout.model/data.pkl", "layout.model/data/0", "layout.model/data/1",
                        "layout.model/data/10", "layout.model/data/11", "layout.model/data/2"};
  assert_int_equal(zip_get_num_entries(z, 0), 14);
  for (int i = 0; i < 6; i++) assert_string_equal(zip_get_name(z, (zip_uint64_t)i, 0), want[i]);
  assert_string_equal(zip_get_name(z, 13, 0), "layout.model/version");
  char v[4] = {0};
  zip_file_t *f = zip_fopen_index(z, 13, 0);
  assert_int_equal(zip_fread(f, v, 3), 2);
  zip_fclose(f);
  assert_string_equal(v, "3\n");
  zip_stat_t st;
  for (zip_uint64_t i = 0; i < 14; i++) {
    zip_stat_index(z, i, 0, &st);
    assert_int_equal(st.comp_method, ZIP_CM_STORE);
  }
  zip_close(z);
  /* each local header's data offset, from the raw bytes */
  FILE *fp = fopen(path, "rb");
  unsigned char h[30];
  long off = 0;
  for (int i = 0; i < 14; i++) {
    fseek(fp, off, SEEK_SET);
    assert_int_equal(fread(h, 1, 30, fp), 30);
    assert_int_equal(h[0] + (h[1] << 8) + (h[2] << 16) + (h[3] << 24), 0x04034b50);
    long n = h[26] | h[27] << 8, e = h[28] | h[29] << 8;
    long size = h[22] | h[23] << 8 | h[24] << 16 | (long)h[25] << 24;
    long data = off + 30 + n + e;
    if (data % 64) fail_msg("entry %d's data starts at %ld", i, data);
    off = data + size;
  }
  fclose(fp);
  ct_tensor_map_free(m);
}

/* Views and tied weights: one storage in the file, shared again when loaded. */
static void test_shared_storage(void **state) {
  ct_tensor *base = ramp(2, (int64_t[]){4, 5}, CT_FLOAT32, 0, false);
  ct_tensor_map *m = ct_tensor_map_new();
  OK(ct_tensor_map_set(m, "base", base));
  OK(ct_tensor_map_set(m, "t", ct_transpose(base, 0, 1)));
  OK(ct_tensor_map_set(m, "row2", ct_narrow(ct_narrow(base, 0, 2, 1), 1, 1, 3)));
  OK(ct_tensor_map_set(m, "tied", base));
  OK(ct_tensor_map_set(m, "other", ramp(1, (int64_t[]){3}, CT_INT64, 1, false)));
  const char *path = out_path("shared.pth");
  OK(ct_pth_save_state_dict(path, m));
  int err = 0;
  zip_t *z = zip_open(path, ZIP_RDONLY, &err);
  assert_int_equal(zip_get_num_entries(z, 0), 4); /* data.pkl, data/0, data/1, version */
  zip_close(z);
  ct_tensor_map *back = ct_pth_load_state_dict(path);
  if (!back) fail_msg("%s", ct_last_error());
  expect_same_map(m, back);
  ct_tensor *b = ct_tensor_map_get(back, "base"), *t = ct_tensor_map_get(back, "t");
  assert_int_equal(ct_strides(t)[0], 1);
  assert_int_equal(ct_storage_offset(ct_tensor_map_get(back, "row2")), 11);
  assert_ptr_equal(ct_data_ptr(ct_tensor_map_get(back, "tied")), ct_data_ptr(b));
  OK(!ct_add_scalar_(b, 100)); /* a write through one shows in every view */
  assert_true(ct_get(t, (int64_t[]){1, 0}) == ct_get(base, (int64_t[]){0, 1}) + 100);
  assert_true(ct_get(ct_tensor_map_get(back, "row2"), (int64_t[]){0, 0}) ==
              ct_get(base, (int64_t[]){2, 1}) + 100);
  ct_tensor_map_free(back);
  ct_tensor_map_free(m);
}

/* A checkpoint tree: every kind of node, nested, saved and loaded back. */
static ct_pth_value *make_checkpoint(void) {
  ct_tensor_map *m = ct_tensor_map_new();
  OK(ct_tensor_map_set(m, "0.weight", ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, false)));
  OK(ct_tensor_map_set(m, "0.bias", ramp(1, (int64_t[]){2}, CT_FLOAT32, 3, false)));
  ct_pth_value *ck = ct_pth_new_dict(), *flags = ct_pth_new_list(), *pair = ct_pth_new_tuple(),
               *st = ct_pth_new_dict();
  OK(ct_pth_dict_set(ck, "model", ct_pth_from_tensor_map(m)));
  OK(ct_pth_dict_set(ck, "epoch", ct_pth_new_int(3)));
  OK(ct_pth_dict_set(ck, "loss", ct_pth_new_float(0.12)));
  OK(ct_pth_dict_set(ck, "name", ct_pth_new_str("run1 \xc3\xa9")));
  OK(ct_pth_append(flags, ct_pth_new_bool(true)));
  OK(ct_pth_append(flags, ct_pth_new_bool(false)));
  OK(ct_pth_append(flags, ct_pth_new_none()));
  OK(ct_pth_dict_set(ck, "flags", flags));
  OK(ct_pth_append(pair, ct_pth_new_int(1)));
  OK(ct_pth_append(pair, ct_pth_new_float(-2.5)));
  OK(ct_pth_dict_set(ck, "pair", pair));
  int64_t ints[] = {255, 256, 65535, 65536, -1, INT32_MIN, INT32_MAX, (int64_t)1 << 40,
                    -((int64_t)1 << 40), INT64_MIN, INT64_MAX, (int64_t)INT32_MAX + 1, 128, -129};
  ct_pth_value *il = ct_pth_new_list();
  for (int i = 0; i < 14; i++) OK(ct_pth_append(il, ct_pth_new_int(ints[i])));
  OK(ct_pth_dict_set(ck, "ints", il));
  OK(ct_pth_dict_set_int(st, 0, ct_pth_new_tensor(ct_scalar_tensor(2, CT_FLOAT32))));
  OK(ct_pth_dict_set_int(st, -7, ct_pth_new_str("neg")));
  OK(ct_pth_dict_set(ck, "state", st));
  OK(ct_pth_dict_set(ck, "epoch", ct_pth_new_int(4))); /* replaced in place */
  ct_tensor_map_free(m);
  return ck;
}

static void expect_checkpoint(const ct_pth_value *r) {
  assert_int_equal(ct_pth_kind_of(r), CT_PTH_DICT);
  assert_int_equal(ct_pth_len(r), 8);
  const char *keys[] = {"model", "epoch", "loss", "name", "flags", "pair", "ints", "state"};
  for (int i = 0; i < 8; i++) assert_string_equal(ct_pth_str(ct_pth_key(r, i), NULL), keys[i]);
  ct_pth_value *model = ct_pth_get(r, "model");
  assert_string_equal(ct_pth_str(ct_pth_key(model, 0), NULL), "0.weight");
  assert_true(ct_test_same(ct_pth_tensor(ct_pth_item(model, 0)),
                           ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, false)));
  assert_false(ct_requires_grad(ct_pth_tensor(ct_pth_item(model, 1))));
  assert_int_equal(ct_pth_int(ct_pth_get(r, "epoch")), 4);
  assert_true(ct_pth_float(ct_pth_get(r, "loss")) == 0.12);
  assert_string_equal(ct_pth_str(ct_pth_get(r, "name"), NULL), "run1 \xc3\xa9");
  ct_test_expect_flags_pair(r);
  int64_t ints[] = {255, 256, 65535, 65536, -1, INT32_MIN, INT32_MAX, (int64_t)1 << 40,
                    -((int64_t)1 << 40), INT64_MIN, INT64_MAX, (int64_t)INT32_MAX + 1, 128, -129};
  ct_pth_value *il = ct_pth_get(r, "ints");
  for (int i = 0; i < 14; i++) assert_int_equal(ct_pth_int(ct_pth_item(il, i)), ints[i]);
  ct_pth_value *st = ct_pth_get(r, "state");
  assert_true(ct_item(ct_pth_tensor(ct_pth_get_int(st, 0))) == 2);
  assert_string_equal(ct_pth_str(ct_pth_get_int(st, -7), NULL), "neg");
}

static void test_checkpoint_tree(void **state) {
  ct_pth_value *ck = make_checkpoint();
  const char *path = out_path("checkpoint.pth");
  OK(ct_pth_save(path, ck));
  ct_pth_value *r = ct_pth_load(path);
  if (!r) fail_msg("%s", ct_last_error());
  expect_checkpoint(r);
  /* a loaded tree saved again, moved into a new tree as one of its values */
  ct_pth_value *outer = ct_pth_new_list();
  OK(ct_pth_append(outer, r));
  ct_pth_free(r); /* no longer a root: nothing happens */
  OK(ct_pth_save(out_path("nested.pth"), outer));
  ct_pth_value *r2 = ct_pth_load(out_path("nested.pth"));
  if (!r2) fail_msg("%s", ct_last_error());
  expect_checkpoint(ct_pth_item(r2, 0));
  ct_pth_free(r2);
  ct_pth_free(outer);
  ct_pth_free(ck);
}

static void test_module_save(void **state) {
  ct_module *lin = ct_nn_linear(3, 2);
  OK(ct_module_save_pth(lin, out_path("linear.pth")));
  ct_module *lin2 = ct_nn_linear(3, 2);
  OK(ct_module_load_pth(lin2, out_path("linear.pth"), true));
  assert_true(ct_test_same(ct_module_get_parameter(lin, "weight"), ct_module_get_parameter(lin2, "weight")));
  assert_true(ct_test_same(ct_module_get_parameter(lin, "bias"), ct_module_get_parameter(lin2, "bias")));
  ct_module_free(lin);
  ct_module_free(lin2);
  expect_fail(ct_module_save_pth(NULL, out_path("x.pth")), "module is NULL");
  /* a Sequential holding a BatchNorm (version 2 in _metadata): check_torch_load.py compares
   * its bytes with torch.save(model.state_dict()) */
  ct_module *seq = ct_nn_sequential(ct_nn_linear(3, 2), ct_nn_batch_norm1d(2));
  OK(ct_module_save_pth(seq, out_path("seq.pth")));
  ct_tensor_map *sd = ct_pth_load_state_dict(out_path("seq.pth"));
  if (!sd) fail_msg("%s", ct_last_error());
  ct_tensor_map *want = ct_module_state_dict(seq);
  expect_same_map(want, sd);
  ct_tensor_map_free(want);
  ct_tensor_map_free(sd);
  ct_module_free(seq);
  /* set_metadata: OrderedDicts only, once */
  ct_pth_value *od = ct_pth_new_ordered_dict(), *pd = ct_pth_new_dict();
  OK(ct_pth_set_metadata(od, ct_pth_new_ordered_dict()));
  expect_fail(ct_pth_set_metadata(od, ct_pth_new_ordered_dict()), "without _metadata");
  expect_fail(ct_pth_set_metadata(pd, ct_pth_new_ordered_dict()), "without _metadata");
  ct_pth_free(od);
  ct_pth_free(pd);
}

/* [[[...]]] n deep: past Python's recursion limit for n > 1000 */
static ct_pth_value *deep_lists(int n) {
  ct_pth_value *deep = ct_pth_new_list();
  for (int i = 0; i < n; i++) {
    ct_pth_value *outer = ct_pth_new_list();
    OK(ct_pth_append(outer, deep));
    deep = outer;
  }
  return deep;
}

static void test_errors(void **state) {
  ct_pth_value *d = ct_pth_new_dict(), *l = ct_pth_new_list(), *x = ct_pth_new_int(1);
  OK(ct_pth_append(l, x));
  expect_fail(ct_pth_dict_set(d, "x", x), "already inside a tree"); /* x stays in l */
  expect_fail(ct_pth_append(d, ct_pth_new_int(2)), "expected a list or tuple");
  expect_fail(ct_pth_dict_set(l, "k", ct_pth_new_int(2)), "expected a dict");
  expect_fail(ct_pth_dict_set(d, NULL, ct_pth_new_int(2)), "key is NULL");
  expect_fail(ct_pth_append(NULL, ct_pth_new_int(2)), "container is NULL");
  expect_fail(ct_pth_append(l, NULL), "value to add is NULL");
  expect_fail(ct_pth_append(l, l), "already inside a tree"); /* no cycles */
  expect_error(ct_pth_new_str("\xff"), "UTF-8");
  expect_error(ct_pth_new_str(NULL), "NULL");
  expect_error(ct_pth_new_tensor(NULL), "NULL");
  expect_fail(ct_pth_save(NULL, d), "NULL");
  expect_fail(ct_pth_save(out_path("x.pth"), NULL), "NULL");
  expect_fail(ct_pth_save_state_dict(out_path("x.pth"), NULL), "NULL");
  ct_pth_free(d);
  ct_pth_free(l);
  /* deep nesting: Python's recursion limit */
  ct_pth_value *deep = deep_lists(1100);
  size_t len;
  expect_error(ct_pth_dumps(deep, &len), "maximum recursion depth exceeded");
  ct_pth_free(deep);
  /* a loaded bytes value (b"abc"): protocol 2 has no opcode for it that weights_only takes */
  const char *bp = out_path("bytes.pth");
  int zerr = 0;
  zip_t *z = zip_open(bp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  static const char pkl[] = "\x80\x02" "C\x03" "abc" "q\x00" ".";
  zip_file_add(z, "bytes/data.pkl", zip_source_buffer(z, pkl, sizeof pkl - 1, 0), 0);
  assert_int_equal(zip_close(z), 0);
  ct_pth_value *bv = ct_pth_load(bp);
  if (!bv) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_kind_of(bv), CT_PTH_BYTES);
  expect_error(ct_pth_dumps(bv, &len), "bytes values are not supported");
  ct_pth_free(bv);
  /* a directory that does not exist */
  ct_pth_value *one = ct_pth_new_int(1);
  expect_fail(ct_pth_save("/nonexistent_dir_ctorch/x.pth", one), "PytorchStreamWriter failed");
  ct_pth_free(one);
}

/* A failed save leaves the file as it was; a good one replaces whatever was there. */
static void test_atomic(void **state) {
  const char *path = out_path("atomic.pth");
  FILE *f = fopen(path, "wb");
  fputs("not a zip", f);
  fclose(f);
  ct_pth_value *deep = deep_lists(1100);
  expect_fail(ct_pth_save(path, deep), "maximum recursion depth");
  ct_pth_free(deep);
  char buf[32] = {0};
  f = fopen(path, "rb");
  assert_int_equal(fread(buf, 1, sizeof buf, f), 9);
  fclose(f);
  assert_string_equal(buf, "not a zip");
  ct_pth_value *ck = make_checkpoint();
  OK(ct_pth_save(path, ck));
  ct_pth_free(ck);
  ct_pth_value *r = ct_pth_load(path);
  if (!r) fail_msg("%s", ct_last_error());
  expect_checkpoint(r);
  ct_pth_free(r);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_true(st.st_mode & S_IRUSR);
}

/* ---- optimizer state: the problem of tools/gen_pth_optim_fixture.py ---- */
/* ((x @ W^T + b - 1)^2).sum(), x = ramp((4, 3), seed 1) */
static ct_tensor *loss_of(ct_tensor *w, ct_tensor *b) {
  ct_tensor *x = ramp(2, (int64_t[]){4, 3}, CT_FLOAT32, 1, false);
  return ct_sum(ct_square(ct_sub_scalar(ct_add(ct_matmul(x, ct_transpose(w, 0, 1)), b), 1)));
}
static void run_steps(ct_optim *o, ct_tensor *w, ct_tensor *b, int n) {
  for (int i = 0; i < n; i++) {
    ct_scope_begin();
    OK(ct_optim_zero_grad(o, false));
    OK(ct_backward(loss_of(w, b)));
    OK(ct_optim_step(o));
    ct_scope_end();
  }
}
/* a leaf parameter holding a copy of t */
static ct_tensor *param_from(const ct_tensor *t) {
  if (!t) fail_msg("%s", ct_last_error());
  return ct_requires_grad_(ct_clone(t), true);
}
static void init_params(ct_tensor **p) {
  p[0] = ramp(2, (int64_t[]){2, 3}, CT_FLOAT32, 0, true);
  p[1] = ct_requires_grad_(ct_add_scalar(ramp(1, (int64_t[]){2}, CT_FLOAT32, 3, false), 1), true);
}
static ct_optim *make_optim(bool adam, ct_tensor **p) {
  return adam ? ct_optim_adam(p, 2, .lr = 0.01, .betas = {0.9, 0.99}, .weight_decay = 0.1, .amsgrad = true)
              : ct_optim_sgd(p, 2, .lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01);
}
static void expect_close(const ct_tensor *got, const ct_tensor *want) {
  double w[8];
  int64_t n = ct_to_doubles(want, w, 8);
  assert_int_equal(n, ct_numel(got));
  ct_test_expect_floats(got, w, n, 1e-6);
}

/* PyTorch's checkpoint after 2 steps, resumed here for 3: PyTorch's parameters after 5. */
static void test_optim_resume_from_pytorch(void **state) {
  ct_pth_value *ck = ct_pth_load(fixture("optim_resume.pth"));
  if (!ck) fail_msg("%s", ct_last_error());
  for (int adam = 1; adam >= 0; adam--) {
    const char *name = adam ? "adam" : "sgd";
    char key[32];
    snprintf(key, sizeof key, "%s_model", name);
    ct_pth_value *model = ct_pth_get(ck, key);
    ct_tensor *p[2] = {param_from(ct_pth_tensor(ct_pth_get(model, "weight"))),
                       param_from(ct_pth_tensor(ct_pth_get(model, "bias")))};
    /* other hyperparameters: load_state_dict brings PyTorch's */
    ct_optim *o = adam ? ct_optim_adam(p, 2, .lr = 0.5) : ct_optim_sgd(p, 2, .lr = 0.5, .momentum = 0.1);
    OK(ct_optim_load_state_dict_pth(o, ct_pth_get(ck, name)));
    assert_true(ct_optim_get(o, 0, adam ? "lr" : "momentum") == (adam ? 0.01 : 0.9));
    assert_non_null(ct_optim_state(o, p[0], adam ? "max_exp_avg_sq" : "momentum_buffer"));
    run_steps(o, p[0], p[1], 3);
    snprintf(key, sizeof key, "%s_expected", name);
    ct_pth_value *want = ct_pth_get(ck, key);
    expect_close(p[0], ct_pth_tensor(ct_pth_get(want, "weight")));
    expect_close(p[1], ct_pth_tensor(ct_pth_get(want, "bias")));
    ct_optim_free(o);
  }
  /* Adam's state into SGD: refused, nothing changed */
  ct_tensor *p[2];
  init_params(p);
  ct_optim *sgd = make_optim(false, p);
  expect_fail(ct_optim_load_state_dict_pth(sgd, ct_pth_get(ck, "adam")), "KeyError: 'momentum'");
  assert_true(ct_optim_get(sgd, 0, "lr") == 0.05);
  expect_fail(ct_optim_load_state_dict_pth(sgd, ct_pth_get(ck, "epoch")), "must be a dict");
  ct_optim *one = ct_optim_sgd(p, 1, .lr = 0.1);
  expect_fail(ct_optim_load_state_dict_pth(one, ct_pth_get(ck, "sgd")), "doesn't match the size");
  ct_optim_free(one);
  ct_optim_free(sgd);
  ct_pth_free(ck);
}

/* ctorch's checkpoint after 2 steps: resumed in ctorch it continues bit for bit; the files
 * are left for check_torch_load.py, which resumes them in PyTorch. */
static void test_optim_write(void **state) {
  for (int adam = 1; adam >= 0; adam--) {
    ct_tensor *p[2];
    init_params(p);
    ct_optim *o = make_optim(adam, p);
    run_steps(o, p[0], p[1], 2);
    ct_pth_value *ck = ct_pth_new_dict(), *model = ct_pth_new_ordered_dict();
    OK(ct_pth_dict_set(model, "weight", ct_pth_new_tensor(ct_detach(p[0]))));
    OK(ct_pth_dict_set(model, "bias", ct_pth_new_tensor(ct_detach(p[1]))));
    OK(ct_pth_dict_set(ck, "model", model));
    OK(ct_pth_dict_set(ck, "optimizer", ct_optim_state_dict_pth(o)));
    OK(ct_pth_dict_set(ck, "epoch", ct_pth_new_int(2)));
    const char *path = out_path(adam ? "resume_adam.pth" : "resume_sgd.pth");
    OK(ct_pth_save(path, ck));
    ct_pth_free(ck);
    run_steps(o, p[0], p[1], 3);
    ct_tensor_map *want = ct_tensor_map_new();
    OK(ct_tensor_map_set(want, "weight", ct_detach(p[0])));
    OK(ct_tensor_map_set(want, "bias", ct_detach(p[1])));
    OK(ct_pth_save_state_dict(out_path(adam ? "resume_adam_expected.pth" : "resume_sgd_expected.pth"), want));
    /* resumed in ctorch from the file */
    ck = ct_pth_load(path);
    if (!ck) fail_msg("%s", ct_last_error());
    ct_pth_value *m = ct_pth_get(ck, "model");
    ct_tensor *q[2] = {param_from(ct_pth_tensor(ct_pth_get(m, "weight"))),
                       param_from(ct_pth_tensor(ct_pth_get(m, "bias")))};
    ct_optim *o2 = adam ? ct_optim_adam(q, 2) : ct_optim_sgd(q, 2, .lr = 1);
    OK(ct_optim_load_state_dict_pth(o2, ct_pth_get(ck, "optimizer")));
    run_steps(o2, q[0], q[1], 3);
    assert_true(ct_test_same(q[0], p[0]));
    assert_true(ct_test_same(q[1], p[1]));
    ct_tensor_map_free(want);
    ct_pth_free(ck);
    ct_optim_free(o2);
    ct_optim_free(o);
  }
}

/* every test runs in a scope, and leaves no tensor or byte alive when it closes */
static live_mark g_mark;
static int leak_setup(void **state) {
  (void)state;
  g_mark = leak_begin();
  return 0;
}
static int leak_teardown(void **state) {
  (void)state;
  leak_end(g_mark, "test", __LINE__);
  return 0;
}
#undef T
#define T(f) cmocka_unit_test_setup_teardown(f, leak_setup, leak_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_state_dict_round_trip), T(test_layout), T(test_shared_storage), T(test_checkpoint_tree),
      T(test_module_save),           T(test_errors), T(test_atomic),
      T(test_optim_resume_from_pytorch), T(test_optim_write),
  };
  return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
