/* torch.load of the files tools/gen_pth_fixtures.py wrote with PyTorch 1.13 into
 * tests/fixtures/pth/: the seeds' models (MLP, BatchNorm MLP, BasicCNN, ResNet-18 at width 2,
 * LSTM), an SGD checkpoint, the legacy (non-zip) format with views, tied weights and every
 * dtype, each compared value for value against MANIFEST; the models loaded strictly into
 * ctorch modules; and hostile files (zip bomb, lying entry sizes, '..' paths, a legacy pickle
 * calling builtins.eval, truncations and byte flips of the legacy format). */
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

static const char *fx(const char *name) { return ct_test_source_file("tests/fixtures/pth", name); }

static double ramp_at(int64_t i) { return (double)((i * 7) % 11 - 5) * 0.25; }

/* d[path] where path is dotted through nested dicts whose keys may hold dots themselves
 * ("model.0.weight" is d["model"]["0.weight"]; "optimizer.state.0.x" goes through the int key 0). */
static ct_pth_value *walk(ct_pth_value *d, const char *path) {
  if (ct_pth_kind_of(d) != CT_PTH_DICT) return NULL;
  ct_pth_value *v = ct_pth_get(d, path);
  if (v) return v;
  for (const char *dot = strchr(path, '.'); dot; dot = strchr(dot + 1, '.')) {
    char head[256];
    snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
    char *end;
    long long k = strtoll(head, &end, 10);
    ct_pth_value *sub = ct_pth_get(d, head);
    if (!sub && !*end) sub = ct_pth_get_int(d, k);
    if (sub && (v = walk(sub, dot + 1))) return v;
  }
  return NULL;
}

static const char *const dt_names[] = {"float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"};
static const ct_dtype dt_vals[] = {CT_FLOAT32, CT_FLOAT64, CT_INT64, CT_INT32, CT_INT16, CT_INT8, CT_UINT8, CT_BOOL};

/* One MANIFEST line against the loaded tree: dtype, shape and every value. */
static void check_line(ct_pth_value *root, char *line, const char *file) {
  char *save, *key = strtok_r(line, " ", &save), *dtn = strtok_r(NULL, " ", &save);
  ct_pth_value *v = walk(root, key);
  if (!v) fail_msg("%s: no '%s'", file, key);
  ct_tensor *t = ct_pth_tensor(v);
  if (!t) fail_msg("%s: '%s': %s", file, key, ct_last_error());
  int k = 0;
  while (strcmp(dt_names[k], dtn)) k++;
  assert_int_equal(ct_dtype_of(t), dt_vals[k]);
  int nd = atoi(strtok_r(NULL, " ", &save));
  assert_int_equal(ct_dim(t), nd);
  for (int d = 0; d < nd; d++) assert_int_equal(ct_shape(t)[d], atoll(strtok_r(NULL, " ", &save)));
  bool is_ramp = !strcmp(strtok_r(NULL, " ", &save), "r");
  double add = atof(strtok_r(NULL, " ", &save)); /* ramp: the offset; values: their count */
  int64_t n = ct_numel(t), idx[CT_MAX_DIMS] = {0};
  if (!is_ramp) assert_int_equal((int64_t)add, n);
  for (int64_t i = 0; i < n; i++) {
    int64_t r = i;
    for (int d = nd - 1; d >= 0; d--) idx[d] = r % ct_shape(t)[d], r /= ct_shape(t)[d];
    double want = is_ramp ? ramp_at(i) + add : atof(strtok_r(NULL, " ", &save));
    double got = ct_get(t, idx);
    if (got != want) fail_msg("%s '%s' element %lld: got %g, want %g", file, key, (long long)i, got, want);
  }
}

/* Every file of MANIFEST, each tensor value for value; a file that is a state_dict keeps
 * PyTorch's key order. */
static void test_manifest(void **state) {
  size_t len;
  char *text = (char *)read_all(fx("MANIFEST"), &len);
  text[len] = 0;
  char cur[128] = "", *save;
  ct_pth_value *root = NULL;
  int files = 0, tensors = 0, pos = 0;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char file[128];
    sscanf(line, "%127s", file);
    if (strcmp(file, cur)) {
      ct_pth_free(root);
      root = ct_pth_load(fx(file));
      if (!root) fail_msg("%s: %s", file, ct_last_error());
      snprintf(cur, sizeof cur, "%s", file);
      files++, pos = 0;
    }
    char *rest = line + strlen(file) + 1;
    char key[256];
    sscanf(rest, "%255s", key);
    /* a state_dict file: the pos-th key is this one */
    ct_tensor_map *m = ct_pth_to_tensor_map(root);
    if (m) assert_string_equal(ct_tensor_map_name(m, pos), key);
    ct_tensor_map_free(m);
    ct_clear_error();
    check_line(root, rest, file);
    tensors++, pos++;
  }
  ct_pth_free(root);
  free(text);
  assert_int_equal(files, 9);
  assert_int_equal(tensors, 185);
}

/* The models load strictly into the ctorch modules of the same layout. */
static void load_strict(ct_module *m, const char *file) {
  assert_non_null(m);
  if (ct_module_load_pth(m, fx(file), true)) fail_msg("%s: %s", file, ct_last_error());
  ct_module_free(m);
}
static void test_modules(void **state) {
  load_strict(ct_nn_sequential(ct_nn_flatten(1, -1), ct_nn_linear(16, 12), ct_nn_relu(false), ct_nn_linear(12, 12),
                               ct_nn_relu(false), ct_nn_linear(12, 10)),
              "mlp.pth");
  load_strict(ct_nn_sequential(ct_nn_flatten(1, -1), ct_nn_linear(16, 12), ct_nn_batch_norm1d(12), ct_nn_relu(false),
                               ct_nn_linear(12, 10)),
              "bn_mlp.pth");
  load_strict(ct_nn_sequential(ct_nn_linear(6, 4), ct_nn_batch_norm1d(4), ct_nn_linear(4, 2)), "legacy_bn_mlp.pth");
  load_strict(ct_nn_lstm(4, 5, .num_layers = 2), "lstm.pth");
  /* a module of another layout names what does not fit */
  ct_module *m = ct_nn_lstm(4, 5);
  expect_fail(ct_module_load_pth(m, fx("lstm.pth"), true), "Unexpected key(s) in state_dict");
  ct_module_free(m);
}

/* The legacy format keeps views and tied weights sharing their storage. */
static void test_legacy_shared(void **state) {
  ct_pth_value *r = ct_pth_load(fx("legacy_views.pth"));
  if (!r) fail_msg("%s", ct_last_error());
  ct_tensor *base = ct_pth_tensor(ct_pth_get(r, "base")), *row = ct_pth_tensor(ct_pth_get(r, "row")),
            *t = ct_pth_tensor(ct_pth_get(r, "t")), *ta = ct_pth_tensor(ct_pth_get(r, "tied_a")),
            *tb = ct_pth_tensor(ct_pth_get(r, "tied_b"));
  assert_true(ct_shares_storage(base, row) && ct_shares_storage(base, t) && ct_shares_storage(ta, tb));
  assert_false(ct_shares_storage(base, ta));
  assert_int_equal(ct_storage_offset(row), 5);
  assert_int_equal(ct_strides(t)[1], 5);
  assert_true(ct_requires_grad(ta)); /* an nn.Parameter */
  ct_set(base, (int64_t[]){1, 0}, -9.0);
  assert_true(ct_get(row, (int64_t[]){0}) == -9.0 && ct_get(t, (int64_t[]){0, 1}) == -9.0);
  ct_pth_free(r);
  /* the checkpoint tree: the epoch, the loss and the optimizer's momentum buffers */
  r = ct_pth_load(fx("legacy_checkpoint.pth"));
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_int(ct_pth_get(r, "epoch")), 7);
  assert_true(ct_pth_float(ct_pth_get(r, "loss")) == 0.25);
  assert_non_null(walk(r, "optimizer.state.1.momentum_buffer"));
  assert_true(ct_pth_float(walk(r, "optimizer.param_groups")) == 0); /* a list: an error */
  ct_clear_error();
  ct_pth_free(r);
  /* the same bytes from memory */
  size_t len;
  unsigned char *b = read_all(fx("legacy_views.pth"), &len);
  r = ct_pth_loads(b, len);
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_pth_len(r), 17);
  ct_pth_free(r);
  free(b);
}

/* Every prefix of a legacy file fails cleanly; byte flips fail cleanly or load. */
static void test_legacy_truncated_and_flipped(void **state) {
  size_t len;
  unsigned char *b = read_all(fx("legacy_bn_mlp.pth"), &len);
  for (size_t n = 0; n < len; n++) {
    assert_null(ct_pth_loads(b, n));
    assert_non_null(ct_last_error());
    ct_clear_error();
  }
  for (size_t i = 0; i < len; i++)
    for (int bit = 0; bit < 8; bit += 3) {
      b[i] ^= (unsigned char)(1 << bit);
      ct_pth_value *r = ct_pth_loads(b, len);
      if (!r) assert_non_null(ct_last_error());
      ct_pth_free(r);
      ct_clear_error();
      b[i] ^= (unsigned char)(1 << bit);
    }
  free(b);
}

/* A legacy stream: magic, protocol 1001, sys_info {}, the object pickle, keys, then data. */
static ct_pth_value *legacy(const char *obj, size_t objlen, const char *keys, size_t keyslen,
                            const void *data, size_t datalen) {
  static const unsigned char head[] = {0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8,
                                       0x50, 0x19, '.', 0x80, 2, 'M', 0xe9, 0x03, '.', 0x80, 2, '}', '.'};
  size_t n = sizeof head + objlen + keyslen + datalen;
  unsigned char *b = malloc(n), *p = b;
  memcpy(p, head, sizeof head), p += sizeof head;
  memcpy(p, obj, objlen), p += objlen;
  memcpy(p, keys, keyslen), p += keyslen;
  memcpy(p, data, datalen);
  ct_pth_value *r = ct_pth_loads(b, n);
  free(b);
  return r;
}
#define LEGACY(obj, keys, data, datalen) legacy(obj, sizeof(obj) - 1, keys, sizeof(keys) - 1, data, datalen)
/* a float tensor (3,) on storage "k" of numel N */
#define LTENSOR(N) "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\0\0\0storage" \
  "ctorch\nFloatStorage\nX\x01\0\0\0kX\x03\0\0\0cpuJ" N "NtQK\0K\x03\x85K\x01\x85\x89}tR."
#define KEYS_K "\x80\x02]X\x01\0\0\0ka."

static void test_legacy_crafted(void **state) {
  struct {
    int64_t n;
    float v[3];
  } data = {3, {1.5f, -2.0f, 0.25f}};
  ct_pth_value *r = LEGACY(LTENSOR("\x03\0\0\0"), KEYS_K, &data, sizeof data);
  if (!r) fail_msg("%s", ct_last_error());
  assert_true(ct_get(ct_pth_tensor(r), (int64_t[]){1}) == -2.0);
  ct_pth_free(r);
  /* a huge declared numel allocates nothing */
  expect_error(LEGACY(LTENSOR("\xff\xff\xff\x7f"), KEYS_K, &data, sizeof data), "more than the file holds");
  /* the count before the data disagrees with the pickle */
  data.n = 4;
  expect_error(LEGACY(LTENSOR("\x03\0\0\0"), KEYS_K, &data, sizeof data), "storage has wrong size: expected 3 got 4");
  data.n = 3;
  expect_error(LEGACY(LTENSOR("\x03\0\0\0"), KEYS_K, &data, 16), "storage k: the file ends early");
  expect_error(LEGACY(LTENSOR("\x03\0\0\0"), "\x80\x02]X\x01\0\0\0ja.", &data, sizeof data),
               "storage key 0 is not a storage of the pickle");
  expect_error(LEGACY(LTENSOR("\x03\0\0\0"), "\x80\x02].", &data, sizeof data), "storage k has no data in the file");
  expect_error(LEGACY("\x80\x02" "cos\nsystem\n.", KEYS_K, &data, sizeof data), "Unsupported class os.system");
  /* bad magic, bad protocol version */
  expect_error(ct_pth_loads("\x80\x02K\x01.", 5), "Invalid magic number; corrupt file?");
  static const unsigned char badver[] = {0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8,
                                         0x50, 0x19, '.', 0x80, 2, 'M', 0xea, 0x03, '.'};
  expect_error(ct_pth_loads(badver, sizeof badver), "Invalid protocol version: 1002");
}

static void test_hostile(void **state) {
  unlink("/tmp/ctorch_pwned");
  expect_error(ct_pth_load(fx("legacy_evil.pth")), "Unsupported class __builtin__.eval");
  assert_int_equal(access("/tmp/ctorch_pwned", F_OK), -1); /* nothing ran */
  ct_pth_value *h = ct_pth_load(fx("legacy_half.pth")); /* a HalfStorage: ramp(2).half() */
  assert_non_null(h);
  ct_tensor *ht = ct_pth_tensor(ct_pth_get(h, "h"));
  assert_int_equal(ct_dtype_of(ht), CT_FLOAT16);
  ct_scope_begin(); /* the select's view */
  assert_true(ct_item(ct_select(ht, 0, 1)) == ramp_at(1));
  ct_scope_end();
  ct_pth_free(h);
  /* 1 KB deflated claiming 2 GB: refused before anything of that size is allocated */
  int64_t before = ct_live_bytes();
  expect_error(ct_pth_load(fx("bomb.pth")), "more than its method can produce (a zip bomb?)");
  assert_int_equal(ct_live_bytes(), before);
  /* the central directory's size disagrees with the local header's */
  expect_error(ct_pth_load(fx("bad_size.pth")), "PytorchStreamReader failed");
  /* entries under ../../: only ever looked up by name, never written anywhere */
  expect_error(ct_pth_load(fx("dotdot.pth")), "failed locating file data.pkl");
  expect_error(ct_pth_load("/"), "Is a directory");
}

/* ct_pth_load maps the file: stored, aligned storages point into it (no tensor bytes are
 * allocated), writes copy the page and never reach the file. */
static void test_mapped(void **state) {
  size_t len;
  unsigned char *b = read_all(fx("mlp.pth"), &len);
  const char *tmp = ct_test_tmp_file("ct_pth_mapped.pth");
  FILE *f = fopen(tmp, "wb");
  assert_int_equal(fwrite(b, 1, len, f), len);
  fclose(f);
  int64_t before = ct_live_bytes();
  ct_pth_value *r = ct_pth_load(tmp);
  if (!r) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_live_bytes(), before); /* nothing copied */
  ct_tensor *w = ct_retain(ct_pth_tensor(ct_pth_get(r, "1.weight")));
  assert_int_equal((uintptr_t)ct_data_ptr(w) % 64, 0);
  ct_pth_free(r); /* w keeps the mapping alive */
  assert_true(ct_get(w, (int64_t[]){0, 1}) == ramp_at(1));
  ct_set(w, (int64_t[]){0, 1}, 100.0);
  assert_true(ct_get(w, (int64_t[]){0, 1}) == 100.0);
  ct_release(w);
  r = ct_pth_load(tmp); /* the file is unchanged */
  assert_true(ct_get(ct_pth_tensor(ct_pth_get(r, "1.weight")), (int64_t[]){0, 1}) == ramp_at(1));
  ct_pth_free(r);
  /* from memory the same file is copied */
  r = ct_pth_loads(b, len);
  assert_true(ct_live_bytes() > before);
  ct_pth_free(r);
  /* one flipped byte of 1.weight's data: its local header, name and extra field, then data */
  size_t at = 0;
  for (size_t i = 0; i + 30 <= len && !at; i++)
    if (!memcmp(b + i, "PK\x03\x04", 4) && !memcmp(b + i + 30, "mlp/data/0", 10) && b[i + 26] == 10)
      at = i + 30 + 10 + (size_t)(b[i + 28] | b[i + 29] << 8);
  assert_true(at > 0 && at < len && at % 64 == 0);
  b[at + 3] ^= 0x80; /* the sign bit of 1.weight[0, 0] (little-endian float32) */
  f = fopen(tmp, "wb");
  assert_int_equal(fwrite(b, 1, len, f), len);
  fclose(f);
  /* like torch.load (1.13 checks no CRC), the flip shows: mapped, the data is not even read */
  r = ct_pth_load(tmp);
  if (!r) fail_msg("%s", ct_last_error());
  assert_true(ct_get(ct_pth_tensor(ct_pth_get(r, "1.weight")), (int64_t[]){0, 0}) == -ramp_at(0));
  ct_pth_free(r);
  r = ct_pth_loads(b, len); /* copied: the same */
  assert_true(ct_get(ct_pth_tensor(ct_pth_get(r, "1.weight")), (int64_t[]){0, 0}) == -ramp_at(0));
  ct_pth_free(r);
  unlink(tmp);
  free(b);
}

/* src re-zipped by libzip with method (no 64-byte padding, so a stored entry is unaligned). */
static void rezip(const char *src, const char *dst, zip_int32_t method) {
  int err;
  zip_t *in = zip_open(src, ZIP_RDONLY, &err), *out = zip_open(dst, ZIP_CREATE | ZIP_TRUNCATE, &err);
  assert_non_null(in);
  assert_non_null(out);
  for (zip_int64_t i = 0; i < zip_get_num_entries(in, 0); i++) {
    zip_stat_t st;
    assert_int_equal(zip_stat_index(in, (zip_uint64_t)i, 0, &st), 0);
    void *buf = malloc(st.size + 1);
    zip_file_t *f = zip_fopen_index(in, (zip_uint64_t)i, 0);
    assert_int_equal(zip_fread(f, buf, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_int64_t k = zip_file_add(out, st.name, zip_source_buffer(out, buf, st.size, 1), 0);
    assert_true(k >= 0);
    assert_int_equal(zip_set_file_compression(out, (zip_uint64_t)k, method, 9), 0);
  }
  assert_int_equal(zip_close(out), 0);
  zip_discard(in);
}

/* Deflated and unaligned archives (a .pth re-zipped by another tool) load the same tensors:
 * inflated by libzip, or copied out of the mapping. */
static void test_rezipped(void **state) {
  const char *rezipped = ct_test_tmp_file("ct_pth_rezipped.pth");
  const char *names[] = {"basic_cnn.pth", "sgd_checkpoint.pth"};
  const zip_int32_t methods[] = {ZIP_CM_DEFLATE, ZIP_CM_STORE};
  for (int f = 0; f < 2; f++)
    for (int k = 0; k < 2; k++) {
      rezip(fx(names[f]), rezipped, methods[k]);
      int64_t before = ct_live_bytes();
      ct_pth_value *a = ct_pth_load(fx(names[f])), *b = ct_pth_load(rezipped);
      if (!a || !b) fail_msg("%s: %s", names[f], ct_last_error());
      assert_true(ct_live_bytes() > before); /* b's storages were copied */
      ct_tensor_map *ma = ct_pth_to_tensor_map(f ? ct_pth_get(a, "model") : a),
                    *mb = ct_pth_to_tensor_map(f ? ct_pth_get(b, "model") : b);
      assert_int_equal(ct_tensor_map_size(ma), ct_tensor_map_size(mb));
      for (int i = 0; i < ct_tensor_map_size(ma); i++) {
        assert_string_equal(ct_tensor_map_name(ma, i), ct_tensor_map_name(mb, i));
        assert_true(ct_equal(ct_tensor_map_at(ma, i), ct_tensor_map_at(mb, i)));
      }
      if (f) assert_int_equal(ct_pth_int(ct_pth_get(b, "epoch")), 7);
      ct_tensor_map_free(ma);
      ct_tensor_map_free(mb);
      ct_pth_free(a);
      ct_pth_free(b);
    }
  unlink(rezipped);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_manifest),      cmocka_unit_test(test_modules),
      cmocka_unit_test(test_legacy_shared), cmocka_unit_test(test_legacy_truncated_and_flipped),
      cmocka_unit_test(test_legacy_crafted), cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_mapped),        cmocka_unit_test(test_rezipped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
