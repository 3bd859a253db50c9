/* .npy and safetensors: fixtures written by numpy (and torch values in the safetensors
 * layout), round trips for every dtype, byte-exact output, and a battery of bad files:
 * every prefix of valid files, crafted headers, and random byte flips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers --------------------------------------------------------------------------- */
static char g_tmpdir[256];

static const char *data_path(const char *name) {
  static char buf[1024];
  const char *root = getenv("CT_SOURCE_DIR");
  if (root) {
    snprintf(buf, sizeof buf, "%s/tests/unit/data/%s", root, name);
  } else { /* run by hand: find data/ next to this source file */
    snprintf(buf, sizeof buf, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    snprintf(slash ? slash + 1 : buf, sizeof buf - (size_t)(slash ? slash + 1 - buf : 0),
             "data/%s", name);
  }
  return buf;
}

static const char *tmp_path(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/%s", g_tmpdir, name);
  return buf;
}

static unsigned char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void write_all(const char *path, const void *buf, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(buf, 1, len, f), len);
  fclose(f);
}

/* The fixtures' values (make_io_fixtures.py): element i in row-major order. */
static double expected(ct_dtype dt, int64_t i) {
  switch (dt) {
  case CT_FLOAT32: case CT_FLOAT64: return (double)i * 0.5 - 1;
  case CT_BOOL: return i % 3 == 0;
  case CT_UINT8: return (double)(i * 37 % 256);
  default: return (double)(i * 3 - 5);
  }
}

static ct_tensor *make(ct_dtype dt, int ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) v[i] = expected(dt, i);
  ct_tensor *t = ct_to(ct_tensor_from(v, CT_FLOAT64, ndim, shape), dt);
  free(v);
  assert_non_null(t);
  return t;
}

static void check_values(const ct_tensor *t, ct_dtype dt, int ndim, const int64_t *shape) {
  assert_non_null(t);
  assert_int_equal(ct_dtype_of(t), dt);
  assert_int_equal(ct_dim(t), ndim);
  assert_true(ct_is_contiguous(t));
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    assert_int_equal(ct_shape(t)[i], shape[i]);
    n *= shape[i];
  }
  double *v = malloc(sizeof(double) * (size_t)(n ? n : 1));
  assert_int_equal(ct_to_doubles(t, v, n), n);
  for (int64_t i = 0; i < n; i++) assert_float_equal(v[i], expected(dt, i), 0);
  free(v);
}

/* Same dtype, shape and bytes. */
static void assert_same(const ct_tensor *a, const ct_tensor *b) {
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(ct_dtype_of(a), ct_dtype_of(b));
  assert_int_equal(ct_dim(a), ct_dim(b));
  for (int i = 0; i < ct_dim(a); i++) assert_int_equal(ct_shape(a)[i], ct_shape(b)[i]);
  int64_t n = ct_numel(a);
  double *x = malloc(sizeof(double) * (size_t)(n ? n : 1)), *y = malloc(sizeof(double) * (size_t)(n ? n : 1));
  assert_int_equal(ct_to_doubles(a, x, n), n);
  assert_int_equal(ct_to_doubles(b, y, n), n);
  assert_memory_equal(x, y, sizeof(double) * (size_t)n);
  free(x);
  free(y);
}

static void expect_error(const char *substr) {
  const char *e = ct_last_error();
  if (!e || !strstr(e, substr)) fail_msg("expected an error containing \"%s\", got \"%s\"", substr, e ? e : "(none)");
  ct_clear_error();
}

/* Load and drop again: did buf parse? A failure must leave a message. */
static bool npy_ok(const void *buf, size_t len) {
  ct_scope_begin();
  ct_tensor *t = ct_npy_loads(buf, len);
  ct_scope_end();
  if (!t) assert_non_null(ct_last_error());
  ct_clear_error();
  return t != NULL;
}

static bool st_ok(const void *buf, size_t len) {
  ct_tensor_map *m = ct_safetensors_loads(buf, len);
  if (!m) assert_non_null(ct_last_error());
  ct_tensor_map_free(m);
  ct_clear_error();
  return m != NULL;
}

/* A version 1.0 .npy with the given header text and n zero data bytes. */
static unsigned char *make_npy(const char *header, size_t ndata, size_t *len) {
  size_t h = strlen(header);
  *len = 10 + h + ndata;
  unsigned char *b = calloc(1, *len);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)(h & 0xff);
  b[9] = (unsigned char)(h >> 8);
  memcpy(b + 10, header, h);
  return b;
}

/* A safetensors file with the given header JSON and n zero data bytes. */
static unsigned char *make_st(const char *json, size_t ndata, size_t *len) {
  size_t h = strlen(json);
  *len = 8 + h + ndata;
  unsigned char *b = calloc(1, *len);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)h >> (8 * i));
  memcpy(b + 8, json, h);
  return b;
}

static void npy_bad(const char *header, size_t ndata, const char *err) {
  size_t len;
  unsigned char *b = make_npy(header, ndata, &len);
  if (ct_npy_loads(b, len)) fail_msg("loaded: %s", header);
  expect_error(err);
  free(b);
}

static void st_bad(const char *json, size_t ndata, const char *err) {
  size_t len;
  unsigned char *b = make_st(json, ndata, &len);
  ct_tensor_map *m = ct_safetensors_loads(b, len);
  if (m) fail_msg("loaded: %s", json);
  expect_error(err);
  free(b);
}

static const ct_dtype all_dtypes[] = {CT_FLOAT32, CT_FLOAT64, CT_INT64, CT_INT32,
                                      CT_INT16,   CT_INT8,    CT_UINT8, CT_BOOL};

/* ---- npy ------------------------------------------------------------------------------- */
static void test_npy_numpy_files(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  static const struct {
    const char *file;
    ct_dtype dt;
    int ndim;
    int64_t shape[3];
    bool numpy_bytes; /* ctorch's dump must equal numpy.save's file byte for byte */
  } cases[] = {
      {"f4_2x3.npy", CT_FLOAT32, 2, {2, 3}, true},
      {"f8_fortran_2x3x4.npy", CT_FLOAT64, 3, {2, 3, 4}, false},
      {"i8_0d.npy", CT_INT64, 0, {0}, true},
      {"i4_5.npy", CT_INT32, 1, {5}, true},
      {"i2_2x2.npy", CT_INT16, 2, {2, 2}, true},
      {"i1_4.npy", CT_INT8, 1, {4}, true},
      {"u1_3.npy", CT_UINT8, 1, {3}, true},
      {"b1_2x2.npy", CT_BOOL, 2, {2, 2}, true},
      {"f4_empty_0x3.npy", CT_FLOAT32, 2, {0, 3}, true},
      {"f4_be_2x2.npy", CT_FLOAT32, 2, {2, 2}, false},
      {"f8_v2_3.npy", CT_FLOAT64, 1, {3}, false},
      {"f8_v3_3.npy", CT_FLOAT64, 1, {3}, false},
      {"i8_py2_2x3.npy", CT_INT64, 2, {2, 3}, false},
  };
  const char *outdir = getenv("CT_IO_OUT_DIR");
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    ct_tensor *t = ct_npy_load(data_path(cases[c].file));
    if (!t) fail_msg("%s: %s", cases[c].file, ct_last_error());
    check_values(t, cases[c].dt, cases[c].ndim, cases[c].shape);
    size_t flen, dlen;
    unsigned char *file = read_all(data_path(cases[c].file), &flen);
    assert_same(ct_npy_loads(file, flen), t);
    unsigned char *dump = ct_npy_dumps(t, &dlen);
    assert_non_null(dump);
    if (cases[c].numpy_bytes) {
      assert_int_equal(dlen, flen);
      assert_memory_equal(dump, file, flen);
    }
    if (outdir) { /* for make_io_fixtures.py --check */
      char p[1024];
      snprintf(p, sizeof p, "%s/%s", outdir, cases[c].file);
      assert_int_equal(ct_npy_save(p, t), 0);
    }
    free(dump);
    free(file);
  }
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static void test_npy_roundtrip(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  static const struct { int ndim; int64_t shape[3]; } shapes[] = {{0, {0}}, {2, {0, 3}}, {3, {2, 3, 4}}, {1, {7}}};
  for (size_t d = 0; d < sizeof all_dtypes / sizeof *all_dtypes; d++)
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
      ct_scope_begin();
      ct_tensor *t = make(all_dtypes[d], shapes[s].ndim, shapes[s].shape);
      size_t len;
      void *buf = ct_npy_dumps(t, &len);
      assert_non_null(buf);
      assert_int_equal((len - ct_numel(t) * ct_dtype_size(all_dtypes[d])) % 64, 0);
      ct_tensor *back = ct_npy_loads(buf, len);
      check_values(back, all_dtypes[d], shapes[s].ndim, shapes[s].shape);
      free(buf);
      assert_int_equal(ct_npy_save(tmp_path("rt.npy"), t), 0);
      check_values(ct_npy_load(tmp_path("rt.npy")), all_dtypes[d], shapes[s].ndim, shapes[s].shape);
      ct_scope_end();
    }
  unlink(tmp_path("rt.npy"));
  assert_int_equal(ct_live_tensors(), live);
}

static void test_npy_noncontiguous(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *base = make(CT_FLOAT64, 2, (int64_t[]){3, 4});
  ct_tensor *views[] = {ct_t(base), ct_slice(base, 1, 0, CT_NONE, 2),
                        ct_expand(ct_slice(base, 0, 1, 2, 1), 2, (int64_t[]){5, 4})};
  for (int i = 0; i < 3; i++) {
    assert_non_null(views[i]);
    assert_false(ct_is_contiguous(views[i]));
    size_t len;
    void *buf = ct_npy_dumps(views[i], &len);
    ct_tensor *back = ct_npy_loads(buf, len);
    assert_true(ct_is_contiguous(back));
    assert_same(back, ct_contiguous(views[i]));
    free(buf);
  }
  ct_scope_end();
}

static void test_npy_bad(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  size_t len;
  unsigned char *b = make_npy(ok, 8, &len);
  assert_true(npy_ok(b, len));
  b[1] = 'X';
  assert_null(ct_npy_loads(b, len));
  expect_error("the magic string is not correct");
  b[1] = 'N';
  b[6] = 4;
  assert_null(ct_npy_loads(b, len));
  expect_error("we only support format version (1,0), (2,0), and (3,0), not (4, 0)");
  b[6] = 1;
  b[8] = 200; /* header length past the end */
  assert_null(ct_npy_loads(b, len));
  expect_error("runs past the end of the file");
  b[8] = 0xff, b[9] = 0xff;
  assert_null(ct_npy_loads(b, len));
  expect_error("Header info length (65535) is large");
  free(b);

  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 7,
          "Expected (2,) = 2 elements, could only read 1 elements");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000,), }", 8,
          "file seems not long enough");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000, 1000000), }", 8,
          "npy: shape (1000000000000000000, 1000000) is too large");
  /* Found by tests/fuzz: an empty shape whose other dims overflow int64 strides (numpy:
   * "array is too big") reached ct__empty and overflowed in ct__contig_strides. */
  npy_bad("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 2, 9223372036854775807), }", 0,
          "npy: shape (0, 2, 9223372036854775807) is too large");
  npy_bad("{'descr': '<f8', 'fortran_order': True, 'shape': (1099511627776, 0, 8388608), }", 0,
          "is too large");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 8,
          "dimension too large");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", 8,
          "negative dimension -3");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, "not a valid tuple");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", 8, "not a valid tuple");
  npy_bad("{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }", 8, "unsupported dtype '<u2'");
  npy_bad("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype '<c8'");
  npy_bad("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8,
          "structured dtypes are not supported");
  npy_bad("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", 8, "fortran_order is not a valid bool");
  npy_bad("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2,), }", 8, "fortran_order is not a valid bool");
  npy_bad("{'descr': '<f4', 'shape': (2,), }", 8, "'fortran_order' is missing");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, "unexpected key 'x'");
  npy_bad("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "duplicate key 'descr'");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", 8, "Cannot parse header");
  npy_bad("{'descr' '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "expected ':'");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk", 8, "unexpected text");
  npy_bad("['descr', '<f4']", 8, "the header is not a dictionary");
  npy_bad("", 8, "the header is not a dictionary");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1), }", 8,
          "more than 16 dimensions");
  npy_bad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\x01", 8, "unexpected text");

  /* Short files and NULL arguments. */
  assert_null(ct_npy_loads("\x93NUM", 4));
  expect_error("file too short");
  assert_null(ct_npy_loads("PK\x03\x04", 4));
  expect_error("magic string");
  assert_null(ct_npy_loads(NULL, 10));
  expect_error("buffer is NULL");
  assert_null(ct_npy_load(NULL));
  expect_error("path is NULL");
  assert_null(ct_npy_load("/nonexistent/dir/x.npy"));
  expect_error("[Errno 2] No such file or directory: '/nonexistent/dir/x.npy'");
  assert_null(ct_npy_load(g_tmpdir));
  expect_error("Is a directory");
  ct_tensor *t = make(CT_FLOAT32, 1, (int64_t[]){2});
  assert_int_equal(ct_npy_save(NULL, t), -1);
  expect_error("path is NULL");
  assert_int_equal(ct_npy_save("/nonexistent/dir/x.npy", t), -1);
  expect_error("No such file or directory");
  assert_null(ct_npy_dumps(t, NULL));
  expect_error("len is NULL");
  /* A NULL tensor leaves the first message alone. */
  size_t n;
  assert_int_equal(ct_npy_save(tmp_path("x.npy"), NULL), -1);
  assert_null(ct_npy_dumps(NULL, &n));
  assert_null(ct_last_error());
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* Non-1 bool bytes become true, not undefined values; big-endian data is swapped. */
static void test_npy_byte_order_and_bools(void **state) {
  (void)state;
  ct_scope_begin();
  size_t len;
  unsigned char *b = make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", 3, &len);
  b[len - 3] = 0, b[len - 2] = 2, b[len - 1] = 255;
  ct_tensor *t = ct_npy_loads(b, len);
  assert_non_null(t);
  assert_int_equal(((unsigned char *)ct_data_ptr(t))[1], 1);
  assert_int_equal(((unsigned char *)ct_data_ptr(t))[2], 1);
  assert_float_equal(ct_get(t, (int64_t[]){0}), 0, 0);
  free(b);
  b = make_npy("{\"descr\":\">i2\",\"shape\":(2,),\"fortran_order\":False}", 4, &len);
  b[len - 4] = 0x01, b[len - 3] = 0x02, b[len - 2] = 0xff, b[len - 1] = 0xfe;
  t = ct_npy_loads(b, len);
  assert_non_null(t);
  assert_float_equal(ct_get(t, (int64_t[]){0}), 0x0102, 0);
  assert_float_equal(ct_get(t, (int64_t[]){1}), -2, 0);
  free(b);
  /* '=' (native) and a byte order mark on a one-byte type change nothing. */
  b = make_npy("{'descr': '=i2', 'fortran_order': False, 'shape': (1,), }", 2, &len);
  b[len - 2] = 0x01, b[len - 1] = 0x02;
  assert_float_equal(ct_item(ct_npy_loads(b, len)), 0x0201, 0);
  free(b);
  b = make_npy("{'descr': '>u1', 'fortran_order': False, 'shape': (), }", 1, &len);
  b[len - 1] = 200;
  assert_float_equal(ct_item(ct_npy_loads(b, len)), 200, 0);
  free(b);
  /* Fortran order with a shape of (2, 3): bytes are column-major. */
  b = make_npy("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }", 6, &len);
  memcpy(b + len - 6, "\x00\x03\x01\x04\x02\x05", 6);
  t = ct_npy_loads(b, len);
  for (int i = 0; i < 6; i++) assert_int_equal(((unsigned char *)ct_data_ptr(t))[i], i);
  free(b);
  ct_scope_end();
}

/* ---- tensor map ------------------------------------------------------------------------- */
static void test_tensor_map(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_tensor_map *m = ct_tensor_map_new();
  ct_scope_begin();
  ct_tensor *a = make(CT_FLOAT32, 1, (int64_t[]){2}), *b = make(CT_INT64, 1, (int64_t[]){3});
  assert_int_equal(ct_tensor_map_set(m, "a", a), 0);
  assert_int_equal(ct_tensor_map_set(m, "b", b), 0);
  assert_int_equal(ct_tensor_map_set(m, "c", a), 0);
  assert_int_equal(ct_tensor_map_set(m, "a", b), 0); /* replaces, keeps its place */
  assert_int_equal(ct_tensor_map_set(m, "a", b), 0);
  ct_scope_end(); /* the map's references keep a and b alive */
  assert_int_equal(ct_tensor_map_size(m), 3);
  assert_string_equal(ct_tensor_map_name(m, 0), "a");
  assert_string_equal(ct_tensor_map_name(m, 2), "c");
  assert_ptr_equal(ct_tensor_map_get(m, "a"), ct_tensor_map_at(m, 1));
  assert_ptr_equal(ct_tensor_map_at(m, 2), a);
  check_values(ct_tensor_map_get(m, "c"), CT_FLOAT32, 1, (int64_t[]){2});
  assert_null(ct_tensor_map_get(m, "zzz"));
  assert_null(ct_last_error());
  assert_null(ct_tensor_map_name(m, 3));
  expect_error("index 3 is out of range for a map of 3 entries");
  assert_null(ct_tensor_map_at(m, -1));
  expect_error("out of range");
  assert_int_equal(ct_tensor_map_set(m, NULL, a), -1);
  expect_error("name is NULL");
  assert_int_equal(ct_tensor_map_set(NULL, "x", a), -1);
  expect_error("map is NULL");
  assert_int_equal(ct_tensor_map_set(m, "x", NULL), -1);
  assert_null(ct_last_error());
  /* Metadata: replace in place, NULL when absent. */
  assert_null(ct_tensor_map_meta(m, "format"));
  assert_int_equal(ct_tensor_map_set_meta(m, "format", "np"), 0);
  assert_int_equal(ct_tensor_map_set_meta(m, "format", "pt"), 0);
  assert_string_equal(ct_tensor_map_meta(m, "format"), "pt");
  assert_int_equal(ct_tensor_map_set_meta(m, "k", NULL), -1);
  expect_error("value is NULL");
  /* Many entries: the index grows, every name is still found. */
  ct_scope_begin();
  char name[32];
  for (int i = 0; i < 2000; i++) {
    snprintf(name, sizeof name, "layer.%d.weight", i);
    assert_int_equal(ct_tensor_map_set(m, name, ct_scalar_tensor(i, CT_FLOAT64)), 0);
  }
  ct_scope_end();
  for (int i = 0; i < 2000; i++) {
    snprintf(name, sizeof name, "layer.%d.weight", i);
    assert_float_equal(ct_item(ct_tensor_map_get(m, name)), i, 0);
    assert_string_equal(ct_tensor_map_name(m, 3 + i), name);
  }
  ct_tensor_map_free(m);
  ct_tensor_map_free(NULL);
  assert_int_equal(ct_live_tensors(), live);
}

/* ---- safetensors ------------------------------------------------------------------------ */
static const struct {
  const char *name;
  ct_dtype dt;
  int ndim;
  int64_t shape[3];
} model[] = {
    /* file order: dtype alignment descending (I64 > F64 > F32 > I32 > I16 > I8 > U8 > BOOL),
     * then name */
    {"index", CT_INT64, 1, {4}},       {"bias", CT_FLOAT64, 1, {3}}, {"cube", CT_FLOAT64, 3, {2, 3, 4}},
    {"empty", CT_FLOAT32, 2, {0, 3}},  {"scalar", CT_FLOAT32, 0, {0}}, {"weight", CT_FLOAT32, 2, {2, 3}},
    {"i32", CT_INT32, 2, {2, 2}},      {"i16", CT_INT16, 1, {3}},    {"i8", CT_INT8, 1, {4}},
    {"u8", CT_UINT8, 1, {3}},          {"mask", CT_BOOL, 2, {2, 2}},
};
#define NMODEL (int)(sizeof model / sizeof *model)

static void test_st_files(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_tensor_map *m = ct_safetensors_load(data_path("model.safetensors"));
  if (!m) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_tensor_map_size(m), NMODEL);
  for (int i = 0; i < NMODEL; i++) {
    assert_string_equal(ct_tensor_map_name(m, i), model[i].name);
    check_values(ct_tensor_map_at(m, i), model[i].dt, model[i].ndim, model[i].shape);
  }
  assert_string_equal(ct_tensor_map_meta(m, "format"), "pt");
  /* Written back: byte for byte the reference writer's file. */
  size_t flen, dlen;
  unsigned char *file = read_all(data_path("model.safetensors"), &flen);
  unsigned char *dump = ct_safetensors_dumps(m, &dlen);
  assert_non_null(dump);
  assert_int_equal(dlen, flen);
  assert_memory_equal(dump, file, flen);
  ct_tensor_map *m2 = ct_safetensors_loads(file, flen);
  assert_non_null(m2);
  for (int i = 0; i < NMODEL; i++) assert_same(ct_tensor_map_at(m2, i), ct_tensor_map_at(m, i));
  const char *outdir = getenv("CT_IO_OUT_DIR");
  if (outdir) {
    char p[1024];
    snprintf(p, sizeof p, "%s/model.safetensors", outdir);
    assert_int_equal(ct_safetensors_save(p, m), 0);
  }
  free(file);
  free(dump);
  ct_tensor_map_free(m);
  ct_tensor_map_free(m2);

  /* Keys and offsets in arbitrary order, an indented header: file order is kept. */
  m = ct_safetensors_load(data_path("unordered.safetensors"));
  if (!m) fail_msg("%s", ct_last_error());
  assert_int_equal(ct_tensor_map_size(m), 3);
  assert_string_equal(ct_tensor_map_name(m, 0), "u8");
  assert_string_equal(ct_tensor_map_name(m, 1), "index");
  check_values(ct_tensor_map_get(m, "weight"), CT_FLOAT32, 2, (int64_t[]){2, 3});
  check_values(ct_tensor_map_get(m, "index"), CT_INT64, 1, (int64_t[]){4});
  check_values(ct_tensor_map_get(m, "u8"), CT_UINT8, 1, (int64_t[]){3});
  assert_null(ct_tensor_map_meta(m, "format"));
  ct_tensor_map_free(m);
  assert_int_equal(ct_live_tensors(), live);
}

static void test_st_roundtrip(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_tensor_map *m = ct_tensor_map_new();
  ct_scope_begin();
  /* Inserted in reverse of file order, with a view among them. */
  for (int i = NMODEL - 1; i >= 0; i--)
    ct_tensor_map_set(m, model[i].name, make(model[i].dt, model[i].ndim, model[i].shape));
  ct_tensor *base = make(CT_FLOAT64, 2, (int64_t[]){3, 4});
  ct_tensor_map_set(m, "tr \"q\"\n\xc3\xa9", ct_t(base));
  ct_tensor_map_set_meta(m, "note", "tab\there \\ \x01 \xe2\x82\xac");
  ct_tensor_map_set_meta(m, "format", "pt");
  ct_scope_end();
  size_t len;
  unsigned char *buf = ct_safetensors_dumps(m, &len);
  assert_non_null(buf);
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--) n = n << 8 | buf[i];
  assert_int_equal(n % 8, 0);
  assert_non_null(strstr((char *)buf + 8, "\"tr \\\"q\\\"\\n\xc3\xa9\":{\"dtype\":\"F64\",\"shape\":[4,3]"));
  assert_non_null(strstr((char *)buf + 8, "{\"__metadata__\":{\"note\":\"tab\\there \\\\ \\u0001 \xe2\x82\xac\",\"format\":\"pt\"},\"index\":"));
  ct_tensor_map *back = ct_safetensors_loads(buf, len);
  assert_non_null(back);
  assert_int_equal(ct_tensor_map_size(back), NMODEL + 1);
  for (int i = 0; i < NMODEL; i++) {
    assert_string_equal(ct_tensor_map_name(back, i < 3 ? i : i + 1), model[i].name); /* "tr.." sorts after cube */
    check_values(ct_tensor_map_get(back, model[i].name), model[i].dt, model[i].ndim, model[i].shape);
  }
  ct_scope_begin();
  assert_same(ct_tensor_map_get(back, "tr \"q\"\n\xc3\xa9"),
              ct_contiguous(ct_tensor_map_get(m, "tr \"q\"\n\xc3\xa9")));
  ct_scope_end();
  assert_string_equal(ct_tensor_map_meta(back, "note"), "tab\there \\ \x01 \xe2\x82\xac");
  /* Through a file, and an empty map. */
  assert_int_equal(ct_safetensors_save(tmp_path("rt.safetensors"), m), 0);
  ct_tensor_map *f = ct_safetensors_load(tmp_path("rt.safetensors"));
  assert_non_null(f);
  size_t len2;
  unsigned char *buf2 = ct_safetensors_dumps(f, &len2);
  assert_int_equal(len2, len);
  assert_memory_equal(buf2, buf, len);
  unlink(tmp_path("rt.safetensors"));
  ct_tensor_map *e = ct_tensor_map_new();
  unsigned char *eb = ct_safetensors_dumps(e, &len2);
  assert_int_equal(len2, 16);
  assert_memory_equal(eb, "\x08\0\0\0\0\0\0\0{}      ", 16);
  ct_tensor_map *e2 = ct_safetensors_loads(eb, len2);
  assert_int_equal(ct_tensor_map_size(e2), 0);
  /* Names the format cannot hold. */
  ct_scope_begin();
  ct_tensor_map_set(e, "__metadata__", ct_tensor_map_get(m, "bias"));
  assert_null(ct_safetensors_dumps(e, &len2));
  expect_error("'__metadata__' cannot be a tensor name");
  ct_scope_end();
  free(eb);
  free(buf);
  free(buf2);
  ct_tensor_map_free(e);
  ct_tensor_map_free(e2);
  ct_tensor_map_free(f);
  ct_tensor_map_free(back);
  ct_tensor_map_free(m);
  assert_int_equal(ct_live_tensors(), live);
}

static void test_st_bad(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  const char *w = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
  size_t len;
  unsigned char *b = make_st(w, 16, &len);
  assert_true(st_ok(b, len));
  b[5] = 1; /* header size 2^40 */
  assert_null(ct_safetensors_loads(b, len));
  expect_error("safetensors: header too large");
  b[5] = 0, b[0] = 200; /* past the end */
  assert_null(ct_safetensors_loads(b, len));
  expect_error("header size 200 runs past the end of the file");
  free(b);
  assert_null(ct_safetensors_loads("\x02\0\0\0", 4));
  expect_error("file too small");

  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[5,5],\"data_offsets\":[0,100]}}", 64,
         "safetensors: tensor 'w' data_offsets [0, 100] out of bounds for a data section of 64 bytes");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16,
         "tensor 'w' of dtype F32 and shape [2, 2] needs 16 bytes but its data_offsets [0, 12] span 12");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000000],\"data_offsets\":[0,16]}}", 16,
         "needs 4000000000000000 bytes");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000000,1000000000000000],\"data_offsets\":[0,16]}}",
         16, "has too many elements");
  /* The same found by tests/fuzz for npy: empty, but the other dims overflow the strides. */
  st_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[0,4294967296,4294967296],\"data_offsets\":[0,0]}}", 0,
         "tensor 'w' of shape [0, 4294967296, 4294967296] has too many elements");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000000000],\"data_offsets\":[0,16]}}", 16,
         "invalid shape entry 1e+18");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,16]}}", 16, "invalid shape entry -2");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,16]}}", 16, "invalid shape entry 2.5");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,16]}}", 16, "not a number");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1e300],\"data_offsets\":[0,16]}}", 16, "invalid shape entry");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 16,
         "has 17 dimensions; ctorch supports at most 16");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 16, "invalid data_offsets");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 16, "invalid data_offsets");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 16, "invalid data_offsets");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 16, "invalid data_offsets");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 16, "invalid data_offsets");
  st_bad("{\"w\":{\"dtype\":\"Q32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16, "tensor 'w' has unknown dtype 'Q32'");
  st_bad("{\"w\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 16, "has dtype U16, which ctorch does not support");
  st_bad("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 16, "has no \"dtype\" string");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 16, "has no \"shape\" array");
  st_bad("{\"w\":[1,2]}", 16, "tensor 'w' is not a JSON object");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 16, "header is not valid JSON");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}xx", 16, "unexpected byte after");
  st_bad("[1,2,3]", 16, "header is not a JSON object");
  st_bad("", 16, "header is not valid JSON");
  st_bad("{\"w\xff\":{}}", 16, "not valid UTF-8");
  st_bad("{\"__metadata__\":{\"a\":1}}", 0, "__metadata__ value for 'a' is not a string");
  st_bad("{\"__metadata__\":[]}", 0, "__metadata__ is not a JSON object");
  st_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "duplicate tensor name 'w'");
  st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16,
         "invalid offset for tensor 'b': data_offsets [4, 12] should begin at 8");
  /* Deep nesting stops at the reader's limit instead of the stack. */
  char deep[4200];
  memset(deep, '[', 4000);
  deep[4000] = 0;
  st_bad(deep, 0, "header is not valid JSON");

  assert_null(ct_safetensors_loads(NULL, 8));
  expect_error("buffer is NULL");
  assert_null(ct_safetensors_load(NULL));
  expect_error("path is NULL");
  assert_null(ct_safetensors_load("/nonexistent/m.safetensors"));
  expect_error("[Errno 2] No such file or directory: '/nonexistent/m.safetensors'");
  ct_tensor_map *m = ct_tensor_map_new();
  assert_int_equal(ct_safetensors_save(NULL, m), -1);
  expect_error("path is NULL");
  assert_int_equal(ct_safetensors_save(tmp_path("x"), NULL), -1);
  expect_error("map is NULL");
  assert_int_equal(ct_safetensors_save("/nonexistent/m.safetensors", m), -1);
  expect_error("No such file or directory");
  assert_null(ct_safetensors_dumps(m, NULL));
  expect_error("len is NULL");
  ct_tensor_map_free(m);
  assert_int_equal(ct_live_tensors(), live);
}

/* Every proper prefix of a valid file is an error, from memory and from disk. */
static void truncations(const char *fixture, bool safetensors) {
  size_t len;
  unsigned char *file = read_all(data_path(fixture), &len);
  for (size_t k = 0; k < len; k++) {
    bool ok = safetensors ? st_ok(file, k) : npy_ok(file, k);
    if (ok) fail_msg("%s truncated to %zu bytes loaded", fixture, k);
    if (k % 7 == 0 || k + 8 > len) { /* the file path reads with fread/fseek instead */
      write_all(tmp_path("trunc"), file, k);
      ct_scope_begin();
      ct_tensor_map *m = safetensors ? ct_safetensors_load(tmp_path("trunc")) : NULL;
      ct_tensor *t = safetensors ? NULL : ct_npy_load(tmp_path("trunc"));
      assert_true(m == NULL && t == NULL);
      assert_non_null(ct_last_error());
      ct_clear_error();
      ct_scope_end();
    }
  }
  assert_true(safetensors ? st_ok(file, len) : npy_ok(file, len));
  unlink(tmp_path("trunc"));
  free(file);
}

static void test_truncated(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  truncations("f4_2x3.npy", false);
  truncations("f8_fortran_2x3x4.npy", false);
  truncations("model.safetensors", true);
  assert_int_equal(ct_live_tensors(), live);
}

/* Random byte flips (a fixed seed): any outcome but a crash, a leak or a silent NULL. */
static void fuzz(const char *fixture, bool safetensors, int rounds) {
  size_t len;
  unsigned char *file = read_all(data_path(fixture), &len);
  unsigned char *buf = malloc(len);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  int loaded = 0;
  for (int r = 0; r < rounds; r++) {
    memcpy(buf, file, len);
    int flips = 1 + r % 4;
    for (int f = 0; f < flips; f++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      /* Bias toward the header, where the parser lives. */
      size_t pos = (size_t)(x >> 20) % (r % 2 ? len : (len < 160 ? len : 160));
      buf[pos] ^= (unsigned char)(1u << ((x >> 8) % 8)) | (r % 3 == 0 ? (unsigned char)(x >> 40) : 0);
    }
    loaded += safetensors ? st_ok(buf, len) : npy_ok(buf, len);
  }
  assert_true(loaded < rounds); /* flips did reach the checks */
  free(buf);
  free(file);
}

static void test_fuzz(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  fuzz("f4_2x3.npy", false, 2000);
  fuzz("f8_fortran_2x3x4.npy", false, 2000);
  fuzz("model.safetensors", true, 2000);
  assert_int_equal(ct_live_tensors(), live);
  assert_null(ct_last_error());
}

static int setup(void **state) {
  (void)state;
  const char *base = getenv("TMPDIR");
  snprintf(g_tmpdir, sizeof g_tmpdir, "%s/ct_io_XXXXXX", base ? base : "/tmp");
  return mkdtemp(g_tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  unlink(tmp_path("x"));
  return rmdir(g_tmpdir);
}

/* A failed test must not leave its message to the next one. */
static int clear(void **state) {
  (void)state;
  ct_clear_error();
  return 0;
}
#define T(f) cmocka_unit_test_setup(f, clear)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_npy_numpy_files), T(test_npy_roundtrip), T(test_npy_noncontiguous),
      T(test_npy_bad), T(test_npy_byte_order_and_bools), T(test_tensor_map),
      T(test_st_files), T(test_st_roundtrip), T(test_st_bad), T(test_truncated), T(test_fuzz),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
