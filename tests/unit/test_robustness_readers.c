/* File readers on hostile input (issue 5): safetensors headers with many metadata keys, NUL
 * characters in names, gaps or trailing bytes in the data section (the safetensors crate's
 * validate() refuses them), an npy descr with a NUL, and empty tensors with huge other dims,
 * which numpy and PyTorch create. Every file is built in memory or in a temp dir here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

/* 8-byte little-endian header size, the header, ndata zero bytes */
static unsigned char *st_bytes(const char *json, size_t hlen, size_t ndata, size_t *len) {
  *len = 8 + hlen + ndata;
  unsigned char *b = calloc(1, *len);
  assert_non_null(b);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  memcpy(b + 8, json, hlen);
  return b;
}

static ct_tensor_map *st_load(const char *json, size_t ndata) {
  size_t len;
  unsigned char *b = st_bytes(json, strlen(json), ndata, &len);
  ct_tensor_map *m = ct_safetensors_loads(b, len);
  free(b);
  return m;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* 100k __metadata__ keys took 34 s (a linear duplicate check per key) */
static void test_st_many_metadata_keys(void **state) {
  (void)state;
  enum { N = 100000 };
  size_t cap = (size_t)N * 24 + 64, n = 0;
  char *j = malloc(cap);
  assert_non_null(j);
  n += (size_t)sprintf(j + n, "{\"__metadata__\":{");
  for (int i = 0; i < N; i++) n += (size_t)sprintf(j + n, "%s\"k%d\":\"v%d\"", i ? "," : "", i, i);
  n += (size_t)sprintf(j + n, "}}");
  double t0 = now_s();
  ct_tensor_map *m = st_load(j, 0);
  double dt = now_s() - t0;
  assert_non_null(m);
  assert_string_equal(ct_tensor_map_meta(m, "k99999"), "v99999");
  assert_string_equal(ct_tensor_map_meta(m, "k0"), "v0");
  assert_null(ct_tensor_map_meta(m, "k100000"));
  ct_tensor_map_free(m);
  if (dt > 5) fail_msg("100k metadata keys took %.1f s", dt);
  /* a duplicate key among many is still found */
  memcpy(j + n - 2, ",\"k5\":\"x\"}}", 12);
  expect_error(st_load(j, 0), "duplicate __metadata__ key 'k5'");
  free(j);
}

/* A 10 MB header of tiny __metadata__ pairs loads in memory bounded by a small multiple of
 * the file: cJSON's tree and a strdup per string took 20x (2 GB for 99 MB). In a child, so
 * its peak RSS (ru_maxrss only grows) is this load's: it exits 0 within bound, 2 above it. */
static int st_big_header_child(void) {
  size_t cap = 10u << 20, n = 8;
  char *b = malloc(cap);
  if (!b) return 3;
  n += (size_t)sprintf(b + n, "{\"__metadata__\":{");
  for (unsigned i = 0; n + 32 < cap; i++) n += (size_t)sprintf(b + n, "%s\"%x\":\"\"", i ? "," : "", i);
  n += (size_t)sprintf(b + n, "}}");
  for (int i = 0; i < 8; i++) b[i] = (char)((uint64_t)(n - 8) >> (8 * i));
  struct rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0); /* the file is built and resident */
  ct_tensor_map *m = ct_safetensors_loads(b, n);
  getrusage(RUSAGE_SELF, &r1);
  if (!m || !ct_tensor_map_meta(m, "0") || !ct_tensor_map_meta(m, "1000")) return 4;
  double grew = (double)(r1.ru_maxrss - r0.ru_maxrss) * 1024, bound = 8.0 * (double)n;
#if defined(__SANITIZE_ADDRESS__)
  bound *= 2; /* shadow memory and the free quarantine */
#endif
  if (getenv("CT_TEST_VERBOSE") || grew > bound)
    fprintf(stderr, "a %zu-byte header raised peak RSS by %.0f bytes (%.1fx)\n", n, grew, grew / (double)n);
  return grew > bound ? 2 : 0;
}

static void test_st_big_header_memory(void **state) {
  (void)state;
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(st_big_header_child());
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_st_nul_in_names(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  expect_error(st_load("{\"a\\u0000b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1),
               "a string with a NUL character (\\u0000 at byte 3)");
  expect_error(st_load("{\"__metadata__\":{\"k\":\"v\\u0000\"}}", 0), "NUL character");
  /* an escaped backslash followed by the text u0000 is no NUL */
  ct_tensor_map *m = st_load("{\"a\\\\u0000\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
  assert_non_null(m);
  assert_string_equal(ct_tensor_map_name(m, 0), "a\\u0000");
  ct_tensor_map_free(m);
  leak_end(mk, __func__, __LINE__);
}

/* The header scanner that replaced cJSON: the JSON it must accept and refuse */
static void test_st_header_grammar(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  /* escapes, a surrogate pair, an unknown field of any shape (serde ignores it), null
   * metadata (the crate's Option), whitespace everywhere */
  ct_tensor_map *m = st_load(" { \"a\\u00e9\\ud83d\\ude00\\n\\\"\\/\" : { \"x\" : [ {\"y\": [null, true, -1.5e3]} ],"
                             " \"dtype\" : \"U8\" , \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 1 ] } ,"
                             " \"__metadata__\" : null } ", 1);
  assert_non_null(m);
  assert_string_equal(ct_tensor_map_name(m, 0), "a\xc3\xa9\xf0\x9f\x98\x80\n\"/");
  ct_tensor_map_free(m);
  m = st_load("{\"__metadata__\":{\"k\\t\":\"\\u20ac\"}}", 0);
  assert_non_null(m);
  assert_string_equal(ct_tensor_map_meta(m, "k\t"), "\xe2\x82\xac");
  ct_tensor_map_free(m);
  static const struct {
    const char *json, *err;
  } bad[] = {
      {"{\"a\\ud83d\":{}}", "not valid JSON"},             /* a lone high surrogate */
      {"{\"a\\ude00\":{}}", "not valid JSON"},             /* a lone low surrogate */
      {"{\"a\\x\":{}}", "not valid JSON (error at byte 3)"}, /* no such escape */
      {"{\"a\tb\":{}}", "not valid JSON"},                  /* a raw control character */
      {"{\"__metadata__\":{},}", "not valid JSON"},          /* a trailing comma */
      {"{\"__metadata__\" {}}", "not valid JSON"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[01],\"data_offsets\":[0,1]}}", "not valid JSON"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1.],\"data_offsets\":[0,1]}}", "not valid JSON"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[2.0],\"data_offsets\":[0,2]}}", "invalid shape entry 2.0"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1e1],\"data_offsets\":[0,10]}}", "invalid shape entry 1e1"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[9007199254740992],\"data_offsets\":[0,1]}}", "invalid shape entry 9.0072e+15"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1.0]}}", "invalid data_offsets"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"dtype\":\"U8\"}}", "tensor 'a' has a duplicate field \"dtype\""},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":tru}}", "not valid JSON"},
      {"{\"__metadata__\":{\"k\":\"v\"},\"__metadata__\":null}", "duplicate __metadata__"},
      {"\"text\"", "header is not a JSON object"},
      {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}\n\r\t \"", "unexpected byte after the header's JSON object at byte 57"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ct_clear_error();
    if (st_load(bad[i].json, 10)) fail_msg("loaded: %s", bad[i].json);
    if (!strstr(ct_last_error(), bad[i].err))
      fail_msg("%s: got '%s', expected '%s'", bad[i].json, ct_last_error(), bad[i].err);
  }
  leak_end(mk, __func__, __LINE__);
}

/* safetensors' validate(): sorted by offsets, contiguous from 0 to the end of the file */
static void test_st_data_coverage(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  const char *two = "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                    "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[%d,%d]}}";
  char j[256];
  snprintf(j, sizeof j, two, 3, 5); /* a gap of one byte */
  expect_error(st_load(j, 5), "invalid offset for tensor 'b': data_offsets [3, 5] should begin at 2");
  snprintf(j, sizeof j, two, 2, 4);
  expect_error(st_load(j, 5), "incomplete metadata, file not fully covered: the tensors end at byte 4 of a data section of 5 bytes");
  ct_tensor_map *m = st_load(j, 4);
  assert_non_null(m);
  ct_tensor_map_free(m);
  /* a first tensor that does not start at 0; empty tensors sit anywhere in the order */
  expect_error(st_load("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3), "should begin at 0");
  m = st_load("{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]},"
              "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
  assert_non_null(m);
  ct_tensor_map_free(m);
  expect_error(st_load("{}", 8), "file not fully covered");
  leak_end(mk, __func__, __LINE__);
}

/* (0, 2^30, 2^30) uint8: numpy and PyTorch create it; it saves and loads in both formats */
static void test_empty_with_huge_dims(void **state) {
  (void)state;
  live_mark mk = leak_begin();
  const int64_t g = (int64_t)1 << 30;
  ct_tensor *e = ct_empty(SH(0, g, g), .dtype = CT_UINT8);
  assert_non_null(e);
  size_t len;
  void *b = ct_npy_dumps(e, &len);
  assert_non_null(b);
  ct_tensor *r = ct_npy_loads(b, len);
  free(b);
  assert_non_null(r);
  assert_int_equal(ct_dim(r), 3);
  assert_int_equal(ct_shape(r)[2], g);
  ct_tensor_map *m = ct_tensor_map_new();
  assert_int_equal(ct_tensor_map_set(m, "e", e), 0);
  b = ct_safetensors_dumps(m, &len);
  ct_tensor_map_free(m);
  assert_non_null(b);
  m = ct_safetensors_loads(b, len);
  free(b);
  assert_non_null(m);
  assert_int_equal(ct_shape(ct_tensor_map_get(m, "e"))[1], g);
  ct_tensor_map_free(m);
  /* and from a file another writer made */
  m = st_load("{\"w\":{\"dtype\":\"U8\",\"shape\":[0,1073741824,1073741824],\"data_offsets\":[0,0]}}", 0);
  assert_non_null(m);
  ct_tensor_map_free(m);
  leak_end(mk, __func__, __LINE__);
}

/* numpy refuses a descr with a NUL byte; strcmp used to stop there and read '<f4' */
static void test_npy_descr_nul(void **state) {
  (void)state;
  static const char h[] = "{'descr': '<f4\0', 'fortran_order': False, 'shape': (1,), }";
  unsigned char b[128] = "\x93NUMPY\x01\x00";
  size_t hl = 118; /* 10 + 118 = 128: a multiple of 64, ending in '\n' */
  memset(b + 10, ' ', hl);
  memcpy(b + 10, h, sizeof h - 1);
  b[8] = (unsigned char)hl, b[9] = 0;
  b[127] = '\n';
  unsigned char file[132];
  memcpy(file, b, 128);
  memset(file + 128, 0, 4);
  expect_error(ct_npy_loads(file, sizeof file), "string contains a NUL byte");
  memcpy(b + 10 + 14, "', ", 3); /* the same header without the NUL loads */
  memcpy(file, b, 128);
  assert_non_null(ct_npy_loads(file, sizeof file));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_st_many_metadata_keys),
      cmocka_unit_test(test_st_big_header_memory),
      cmocka_unit_test(test_st_nul_in_names),
      cmocka_unit_test(test_st_header_grammar),
      cmocka_unit_test(test_st_data_coverage),
      cmocka_unit_test(test_empty_with_huge_dims),
      cmocka_unit_test(test_npy_descr_nul),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
