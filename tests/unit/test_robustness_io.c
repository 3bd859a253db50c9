/* Robustness sweep over core.h, autograd.h and io.h: NULL for every pointer argument, absurd
 * shapes and arguments, empty / 0-dim / non-contiguous tensors of every dtype through the file
 * formats, and truncated or corrupted files. No crash, no leak, PyTorch's messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

/* a NULL non-tensor argument (data, path, shape): fails, with a message */
#define NM(failed) expect_fail(failed, "")
/* a NULL map fails; a message is allowed (a map is not a tensor) */
#define NF(failed) (assert_true(failed), ct_clear_error())

static int fwd_id(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  out[0] = ct_mul_scalar(in[0], 1);
  return 0;
}
static int bwd_id(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  gi[0] = g[0];
  return 0;
}
static int fn_sum(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  out[0] = ct_sum(in[0]);
  return out[0] ? 0 : -1;
}

static void test_null_core(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3)), *out[2];
  int64_t idx[2] = {0, 0};
  double buf[8];
  NP(ct_keep(NULL)); NP(ct_retain(NULL));
  ct_release(NULL);
  NI(ct_dim(NULL)); NI(ct_size(NULL, 0)); NP(ct_shape(NULL)); NP(ct_strides(NULL));
  NI(ct_storage_offset(NULL)); NI(ct_numel(NULL)); NULLCALL(ct_dtype_of(NULL) == CT_DTYPE_UNSET);
  NB(ct_is_contiguous(NULL)); NB(ct_is_floating_point(NULL)); NB(ct_shares_storage(NULL, x));
  NB(ct_shares_storage(x, NULL)); NP(ct_data_ptr(NULL)); NULLCALL(isnan(ct_item(NULL)));
  NULLCALL(isnan(ct_get(NULL, idx))); NI(ct_set(NULL, idx, 1)); NI(ct_to_doubles(NULL, buf, 8));
  NULLCALL(ct_item_int64(NULL) == 0); NULLCALL(ct_get_int64(NULL, idx) == 0);
  assert_int_equal(ct_result_type(NULL, x), CT_FLOAT32); /* NULL is an absent operand there */
  NP(ct_empty_like(NULL)); NP(ct_zeros_like(NULL)); NP(ct_ones_like(NULL)); NP(ct_full_like(NULL, 1));
  NP(ct_rand_like(NULL)); NP(ct_randn_like(NULL)); NP(ct_uniform_(NULL, 0, 1, NULL));
  NP(ct_normal_(NULL, 0, 1, NULL)); NP(ct_bernoulli_(NULL, 0.5, NULL)); NP(ct_bernoulli(NULL, NULL));
  ct_generator_free(NULL);
  ct_generator_manual_seed(NULL, 1);
  ct_clear_error();
  char *s = ct_to_string(NULL);
  free(s);
  ct_clear_error();
  /* autograd */
  NP(ct_requires_grad_(NULL, true)); NB(ct_requires_grad(NULL)); NP(ct_grad(NULL));
  NI(ct_set_grad(NULL, x)); NP(ct_grad_fn_name(NULL)); NI(ct_retain_grad(NULL)); NI(ct_version(NULL));
  NI(ct_backward(NULL));
  NI(ct_autograd_grad((ct_tensor *[]){NULL}, 1, (ct_tensor *[]){x}, 1, NULL, false, -1, false, out));
  NI(ct_autograd_grad((ct_tensor *[]){ct_sum(ct_requires_grad_(ct_ones(SH(2)), true))}, 1, (ct_tensor *[]){NULL}, 1, NULL, false, -1, false, out));
  NI(ct_ctx_save_for_backward(NULL, x)); NP(ct_ctx_saved(NULL, 0)); NP(ct_ctx_alloc(NULL, 8));
  NP(ct_ctx_data(NULL)); NI(ct_ctx_mark_non_differentiable(NULL, x)); NB(ct_ctx_needs_input_grad(NULL, 0));
  ct_function f = {.name = "IdBackward", .forward = fwd_id, .backward = bwd_id};
  NI(ct_function_apply(&f, (ct_tensor *[]){NULL}, 1, out));
  NB(ct_gradcheck(fn_sum, (ct_tensor *[]){NULL}, 1, .quiet = true));
  NB(ct_gradgradcheck(fn_sum, (ct_tensor *[]){NULL}, 1, .quiet = true));
  /* io */
  size_t len = 0;
  ct_tensor_map *map = ct_tensor_map_new();
  NI(ct_npy_save("/tmp/ct_rob.npy", NULL)); NP(ct_npy_dumps(NULL, &len));
  NI(ct_tensor_map_set(map, "a", NULL));
  /* a NULL map fails (a message is allowed: a map is not a tensor) */
  NF(!ct_safetensors_dumps(NULL, &len)); NF(ct_safetensors_save("/tmp/ct_rob.st", NULL) < 0);
  NF(ct_tensor_map_set(NULL, "a", x) < 0); NF(!ct_tensor_map_get(NULL, "a"));
  NF(ct_tensor_map_size(NULL) < 0); NF(!ct_tensor_map_name(NULL, 0)); NF(!ct_tensor_map_at(NULL, 0));
  NF(ct_tensor_map_set_meta(NULL, "k", "v") < 0); NF(!ct_tensor_map_meta(NULL, "k"));
  ct_tensor_map_free(NULL);
  /* NULL non-tensor pointers: a message is fine, a crash is not */
  NM(!ct_tensor_from(NULL, CT_FLOAT32, 1, (int64_t[]){2})); NM(!ct_from_blob(NULL, CT_FLOAT32, 1, (int64_t[]){2}));
  NM(!ct_zeros_ex(2, NULL, CT_TENSOR_OPTS())); NM(isnan(ct_get(x, NULL))); NM(ct_set(x, NULL, 1) < 0);
  NM(ct_to_doubles(x, NULL, 8) < 0); NM(ct_npy_load(NULL) == NULL); NM(ct_npy_save(NULL, x) < 0);
  NM(ct_npy_loads(NULL, 10) == NULL); NM(ct_safetensors_load(NULL) == NULL);
  NM(ct_safetensors_loads(NULL, 10) == NULL); NM(ct_safetensors_save(NULL, map) < 0);
  NM(ct_tensor_map_set(map, NULL, x) < 0); NM(ct_tensor_map_set_meta(map, NULL, "v") < 0);
  NM(ct_tensor_map_set_meta(map, "k", NULL) < 0);
  ct_clear_error();
  assert_null(ct_tensor_map_get(map, NULL)); assert_null(ct_tensor_map_meta(map, NULL));
  assert_null(ct_tensor_map_name(map, -1)); assert_null(ct_tensor_map_at(map, 5));
  ct_clear_error();
  NM(ct_function_apply(NULL, (ct_tensor *[]){x}, 1, out) < 0);
  NM(ct_function_apply(&(ct_function){.name = "X"}, (ct_tensor *[]){x}, 1, out) < 0);
  NM(ct_function_apply(&f, (ct_tensor *[]){x}, 1, NULL) < 0);
  NM(!ct_gradcheck(NULL, (ct_tensor *[]){x}, 1, .quiet = true));
  NM(ct_autograd_grad(NULL, 1, (ct_tensor *[]){x}, 1, NULL, false, -1, false, out) < 0);
  NM(ct_autograd_grad((ct_tensor *[]){x}, 1, (ct_tensor *[]){x}, 1, NULL, false, -1, false, NULL) < 0);
  NM(ct_autograd_grad((ct_tensor *[]){x}, -1, (ct_tensor *[]){x}, 1, NULL, false, -1, false, out) < 0);
  ct_tensor_map_free(map);
  /* a chain keeps its first message through NULL arguments */
  ct_clear_error();
  ct_tensor *bad = ct_view(x, SH(7));
  assert_null(ct_npy_dumps(bad, &len));
  assert_int_equal(ct_npy_save("/tmp/ct_rob_never.npy", bad), -1);
  assert_null(ct_keep(ct_retain(ct_zeros_like(ct_add(ct_view(x, SH(5)), bad)))));
  assert_non_null(strstr(ct_last_error(), "shape '[7]' is invalid for input of size 6"));
  leak_end(m, __func__, __LINE__);
}

/* ---- creation, element access, random fills: PyTorch's messages ---------------------------- */
static void test_core_args(void **state) {
  (void)state;
  live_mark m = leak_begin();
  const int64_t big = (int64_t)1 << 40;
  expect_error(ct_zeros(SH(-1)), "Trying to create tensor with negative dimension -1: [-1]");
  expect_error(ct_ones(SH(2, -3)), "Trying to create tensor with negative dimension -3: [2, -3]");
  expect_error(ct_empty(SH(big)), "");
  expect_error(ct_zeros(SH(big, big)), "");
  /* empty, but its strides would overflow: found by the npy fuzzer through ct__empty */
  expect_error(ct_empty(SH(0, big, big)), "Stride calculation overflowed");
  /* empty with strides (INT64_MAX, INT64_MAX, 1) that fit: PyTorch creates it */
  assert_int_equal(ct_numel(ct_zeros(SH(big, 0, INT64_MAX))), 0);
  assert_int_equal(ct_numel(ct_zeros(SH(0, 1 << 20, 1 << 10))), 0);
  expect_error(ct_full(SH(1 << 20, 1 << 20), 1), "");
  expect_error(ct_rand(SH(INT64_MAX)), "");
  expect_error(ct_zeros(-1, (int64_t[]){1}), "");
  expect_error(ct_zeros(CT_MAX_DIMS + 1, (int64_t[CT_MAX_DIMS + 1]){1}), "");
  expect_error(ct_zeros(SH(2), .dtype = (ct_dtype)99), "");
  expect_error(ct_scalar_tensor(1, (ct_dtype)99), "");
  expect_error(ct_tensor_from((double[]){1}, (ct_dtype)-5, 1, (int64_t[]){1}), "");
  expect_error(ct_arange(0, 10, 0), "step must be nonzero");
  expect_error(ct_arange(0, -10, 1), "upper bound and larger bound inconsistent with step sign");
  expect_error(ct_arange(0, 1e300, 1e-300), "");
  expect_error(ct_arange(0, NAN, 1), "");
  expect_error(ct_linspace(0, 1, -1), "number of steps must be non-negative");
  assert_int_equal(ct_numel(ct_linspace(0, 1, 0)), 0);
  expect_error(ct_linspace(0, 1, big), "");
  expect_error(ct_eye(-1, -1), "n must be greater or equal to 0, got -1");
  expect_error(ct_eye(big, big), "");
  expect_error(ct_randint(5, 5, SH(2)), "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  expect_error(ct_randperm(-1), "Trying to create tensor with negative dimension -1: [-1]");
  expect_error(ct_randperm(big), "");
  expect_error(ct_randn(SH(2), .dtype = CT_INT64), "\"normal_kernel_cpu\" not implemented for 'Long'");
  expect_error(ct_rand(SH(2), .dtype = CT_BOOL), "\"check_uniform_bounds\" not implemented for 'Bool'");
  expect_error(ct_uniform_(ct_zeros(SH(3)), 1, 0, NULL), "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  expect_error(ct_normal_(ct_zeros(SH(3)), 0, -1, NULL), "normal expects std >= 0.0, but found std -1");
  expect_error(ct_bernoulli_(ct_zeros(SH(3)), 2, NULL), "bernoulli_ expects p to be in [0, 1], but got p=2");
  expect_error(ct_bernoulli(ct_full(SH(2), 2), NULL), "");
  expect_error(ct_uniform_(ct_expand(ct_zeros(SH(1)), SH(3)), 0, 1, NULL), "more than one element");
  /* random fills on views write through the view */
  ct_tensor *base = ct_zeros(SH(4, 4)), *v = ct_slice(ct_t(base), 0, 1, CT_NONE, 2);
  assert_ptr_equal(ct_uniform_(v, 1, 2, NULL), v);
  assert_true(ct_item(ct_sum(ct_gt_scalar(base, 0.5))) == 8);
  assert_true(ct_item(ct_amin(ct_select(base, 1, 1))) >= 1);
  /* element access */
  ct_tensor *x = ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT64), SH(2, 3)), *xt = ct_t(x);
  expect_fail(isnan(ct_item(ct_zeros(SH(0, 3)))), "a Tensor with 0 elements cannot be converted to Scalar");
  expect_fail(isnan(ct_item(x)), "a Tensor with 6 elements cannot be converted to Scalar");
  assert_true(ct_get(xt, (int64_t[]){2, 1}) == 5 && ct_get(xt, (int64_t[]){-1, -2}) == 2);
  expect_fail(isnan(ct_get(x, (int64_t[]){2, 0})), "index 2 is out of bounds for dimension 0 with size 2");
  expect_fail(isnan(ct_get(x, (int64_t[]){0, -4})), "index -4 is out of bounds for dimension 1 with size 3");
  expect_fail(isnan(ct_get(x, (int64_t[]){0, INT64_MIN})), "out of bounds");
  expect_fail(ct_set(x, (int64_t[]){0, 3}, 1) < 0, "out of bounds");
  expect_fail(ct_item_int64(x) == 0, "a Tensor with 6 elements cannot be converted to Scalar");
  expect_fail(ct_get_int64(x, (int64_t[]){0, INT64_MIN}) == 0, "out of bounds");
  assert_true(ct_get_int64(xt, (int64_t[]){-1, -2}) == 2);
  /* allocator controls: a negative limit is refused and changes nothing; emptying is idempotent */
  int64_t limit = ct_get_cache_limit();
  ct_set_cache_limit(-1);
  assert_non_null(ct_last_error());
  ct_clear_error();
  assert_true(ct_get_cache_limit() == limit);
  ct_empty_cache();
  ct_empty_cache();
  assert_true(ct_cached_bytes() >= 0);
  assert_int_equal(ct_set(xt, (int64_t[]){2, 0}, 9), 0);
  assert_true(ct_get(x, (int64_t[]){0, 2}) == 9);
  double buf[6];
  assert_int_equal(ct_to_doubles(xt, buf, 6), 6);
  assert_true(buf[0] == 0 && buf[1] == 3 && buf[2] == 1 && buf[5] == 5);
  expect_fail(ct_to_doubles(x, buf, 5) < 0, "");
  expect_fail(ct_to_doubles(x, buf, -1) < 0, "");
  assert_int_equal(ct_to_doubles(ct_zeros(SH(0, 3)), buf, 0), 0);
  expect_fail(ct_size(x, 2) < 0, "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_fail(ct_size(x, -3) < 0, "Dimension out of range");
  expect_fail(ct_size(ct_scalar_tensor(1, CT_FLOAT32), 0) < 0, "");
  /* printing: empty, 0-dim, non-contiguous, every dtype */
  for (int d = 0; d < CT_NUM_DTYPES; d++) {
    ct_tensor *ts[] = {ct_zeros(SH(0, 3), .dtype = (ct_dtype)d), ct_zeros(SH(2, 0, 4), .dtype = (ct_dtype)d),
                       ct_scalar_tensor(1, (ct_dtype)d), ct_t(ct_to(x, (ct_dtype)d))};
    for (int k = 0; k < 4; k++) {
      char *s = ct_to_string(ts[k]);
      assert_non_null(s);
      free(s);
    }
  }
  char *s = ct_to_string(ct_zeros(SH(0, 3)));
  assert_string_equal(s, "tensor([], size=(0, 3))");
  free(s);
  s = ct_to_string(ct_zeros(SH(2, 0), .dtype = CT_INT64));
  assert_string_equal(s, "tensor([], size=(2, 0), dtype=torch.int64)");
  free(s);
  leak_end(m, __func__, __LINE__);
}

/* ---- autograd misuse ---------------------------------------------------------------------- */
static int fwd_bad(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  return -1;
}
static int fwd_null(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  out[0] = NULL;
  return 0;
}
static int bwd_fail(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  return -1;
}
static int bwd_shape(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  gi[0] = ct_ones(SH(7), .dtype = CT_FLOAT64);
  return 0;
}
static int fn_fail(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) { return -1; }

static void test_autograd_args(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *w = ct_requires_grad_(ct_ones(SH(2, 3), .dtype = CT_FLOAT64), true), *out[2];
  ct_tensor *nog = ct_ones(SH(2));
  expect_error(ct_requires_grad_(ct_zeros(SH(2), .dtype = CT_INT64), true), "only Tensors of floating point dtype can require gradients");
  expect_error(ct_zeros(SH(2), .dtype = CT_INT64, .requires_grad = true), "Only Tensors of floating point and complex dtype can require gradients");
  expect_fail(ct_backward(nog), "element 0 of tensors does not require grad and does not have a grad_fn");
  expect_fail(ct_backward(ct_mul_scalar(w, 2)), "grad can be implicitly created only for scalar outputs");
  expect_fail(ct_backward(ct_sum(w), .gradient = ct_ones(SH(2), .dtype = CT_FLOAT64)), "Mismatch in shape");
  expect_fail(ct_backward(ct_sum(ct_zeros(SH(0, 3), .dtype = CT_FLOAT64, .requires_grad = true)), .gradient = ct_ones(SH(0))), "");
  assert_int_equal(ct_backward(ct_sum(ct_zeros(SH(0, 3), .dtype = CT_FLOAT64, .requires_grad = true))), 0);
  expect_fail(ct_set_grad(w, ct_ones(SH(3, 2), .dtype = CT_FLOAT64)), "");
  expect_fail(ct_set_grad(w, ct_ones(SH(2, 3), .dtype = CT_FLOAT32)), "");
  assert_int_equal(ct_set_grad(w, NULL), 0);
  ct_tensor *y = ct_sum(ct_mul(w, w));
  assert_int_equal(ct_backward(y), 0);
  expect_fail(ct_backward(y), "Trying to backward through the graph a second time");
  expect_fail(ct_autograd_grad((ct_tensor *[]){ct_sum(w)}, 1, (ct_tensor *[]){nog}, 1, NULL, false, -1, false, out),
              "One of the differentiated Tensors does not require grad");
  expect_fail(ct_autograd_grad((ct_tensor *[]){ct_sum(w)}, 1, (ct_tensor *[]){ct_requires_grad_(ct_ones(SH(1)), true)}, 1,
                               NULL, false, -1, false, out), "One of the differentiated Tensors appears to not have been used in the graph");
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(w)}, 1, (ct_tensor *[]){ct_requires_grad_(ct_ones(SH(1)), true)}, 1,
                                    NULL, false, -1, true, out), 0);
  assert_null(out[0]);
  expect_fail(ct_autograd_grad((ct_tensor *[]){ct_sum(w)}, 1, (ct_tensor *[]){w}, 0, NULL, false, -1, false, out), "");
  /* custom functions that fail */
  ct_function bad = {.name = "BadBackward", .forward = fwd_bad, .backward = bwd_fail};
  expect_fail(ct_function_apply(&bad, (ct_tensor *[]){w}, 1, out), "");
  ct_function nul = {.name = "NulBackward", .forward = fwd_null, .backward = bwd_fail};
  expect_fail(ct_function_apply(&nul, (ct_tensor *[]){w}, 1, out), "");
  ct_function fb = {.name = "FailBackward", .forward = fwd_id, .backward = bwd_fail};
  assert_int_equal(ct_function_apply(&fb, (ct_tensor *[]){w}, 1, out), 0);
  expect_fail(ct_backward(ct_sum(out[0])), "");
  ct_function fs = {.name = "ShapeBackward", .forward = fwd_id, .backward = bwd_shape};
  assert_int_equal(ct_function_apply(&fs, (ct_tensor *[]){w}, 1, out), 0);
  expect_fail(ct_backward(ct_sum(out[0])), "");
  /* gradcheck on a failing function, float32, and no input requiring grad: false, no crash */
  assert_false(ct_gradcheck(fn_fail, (ct_tensor *[]){w}, 1, .quiet = true));
  ct_clear_error();
  assert_false(ct_gradcheck(fn_sum, (ct_tensor *[]){ct_ones(SH(2), .requires_grad = true)}, 1, .quiet = true));
  ct_clear_error();
  assert_false(ct_gradcheck(fn_sum, (ct_tensor *[]){w}, -1, .quiet = true));
  ct_clear_error();
  assert_true(ct_gradcheck(fn_sum, (ct_tensor *[]){ct_zeros(SH(0, 3), .dtype = CT_FLOAT64, .requires_grad = true)}, 1, .quiet = true));
  ct_clear_error();
  leak_end(m, __func__, __LINE__);
}

/* ---- files: every dtype, empty, 0-dim and non-contiguous tensors round-trip; truncated and
 * corrupted buffers error without crashing or leaking ---------------------------------------- */
static ct_tensor *sample(int which, ct_dtype dt) {
  ct_tensor *b = ct_to(ct_view(ct_arange(-6, 6, 1, .dtype = CT_FLOAT64), SH(3, 4)), dt);
  switch (which) {
  case 0: return ct_t(b);
  case 1: return ct_slice(b, 1, 1, CT_NONE, 2);
  case 2: return ct_expand(ct_narrow(b, 0, 1, 1), SH(2, 4));
  case 3: return ct_zeros(SH(2, 0, 4), .dtype = dt);
  default: return ct_scalar_tensor(3, dt);
  }
}
static bool same(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b || ct_dtype_of(a) != ct_dtype_of(b) || ct_dim(a) != ct_dim(b)) return false;
  for (int i = 0; i < ct_dim(a); i++)
    if (ct_shape(a)[i] != ct_shape(b)[i]) return false;
  return ct_equal(a, b);
}

static void test_io_roundtrip(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int d = 0; d < CT_NUM_DTYPES; d++)
    for (int k = 0; k < 5; k++) {
      ct_tensor *t = sample(k, (ct_dtype)d);
      size_t len = 0;
      void *buf = ct_npy_dumps(t, &len);
      if (d == CT_BFLOAT16) /* numpy has no bfloat16 */
        expect_error(buf, "unsupported ScalarType BFloat16");
      else if (!buf || !same(ct_npy_loads(buf, len), t))
        fail_msg("npy %s case %d", ct_dtype_name((ct_dtype)d), k);
      free(buf);
      ct_tensor_map *map = ct_tensor_map_new();
      assert_int_equal(ct_tensor_map_set(map, "t", t), 0);
      buf = ct_safetensors_dumps(map, &len);
      assert_non_null(buf);
      ct_tensor_map_free(map);
      map = ct_safetensors_loads(buf, len);
      if (!map || !same(ct_tensor_map_get(map, "t"), t)) fail_msg("safetensors %s case %d", ct_dtype_name((ct_dtype)d), k);
      ct_tensor_map_free(map);
      free(buf);
    }
  leak_end(m, __func__, __LINE__);
}

/* every prefix, and every single-byte corruption of the header, of a valid file */
static void fuzz(const void *good, size_t len, bool npy) {
  unsigned char *b = malloc(len + 1);
  for (size_t n = 0; n < len; n++) {
    memcpy(b, good, n);
    ct_tensor *t = npy ? ct_npy_loads(b, n) : NULL;
    ct_tensor_map *map = npy ? NULL : ct_safetensors_loads(b, n);
    if (t || map) fail_msg("a %zu-byte prefix of a %zu-byte file loaded", n, len);
    if (!ct_last_error()) fail_msg("prefix %zu: no message", n);
    ct_clear_error();
  }
  static const unsigned char flips[] = {0x00, 0xff, '9', '-', '}', '"', ',', 0x80};
  size_t header = len < 160 ? len : 160;
  for (size_t i = 0; i < header; i++)
    for (size_t f = 0; f < sizeof flips; f++) {
      memcpy(b, good, len);
      b[i] = flips[f];
      if (npy) {
        ct_tensor *t = ct_npy_loads(b, len);
        if (t) assert_true(ct_numel(t) >= 0);
      } else {
        ct_tensor_map *map = ct_safetensors_loads(b, len);
        for (int e = 0; map && e < ct_tensor_map_size(map); e++) assert_non_null(ct_tensor_map_at(map, e));
        ct_tensor_map_free(map);
      }
      ct_clear_error();
    }
  free(b);
}

static void test_io_corrupt(void **state) {
  (void)state;
  live_mark m = leak_begin();
  size_t len = 0;
  void *buf = ct_npy_dumps(ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), SH(2, 3)), &len);
  fuzz(buf, len, true);
  free(buf);
  ct_tensor_map *map = ct_tensor_map_new();
  ct_tensor_map_set(map, "a", ct_ones(SH(2, 2), .dtype = CT_INT16));
  ct_tensor_map_set(map, "b", ct_zeros(SH(0, 3)));
  ct_tensor_map_set_meta(map, "format", "pt");
  buf = ct_safetensors_dumps(map, &len);
  ct_tensor_map_free(map);
  fuzz(buf, len, false);
  free(buf);
  /* absurd sizes in headers: error, never allocate */
  static const char st[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,4]}}";
  unsigned char h[8 + sizeof st + 4] = {0};
  h[0] = (unsigned char)(sizeof st - 1);
  memcpy(h + 8, st, sizeof st - 1);
  expect_error(ct_safetensors_loads(h, 8 + sizeof st - 1 + 4), "");
  unsigned char huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '{', '}'};
  expect_error(ct_safetensors_loads(huge, 16), "");
  static const char npy[] = "\x93NUMPY\x01\x00\x46\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }\n";
  expect_error(ct_npy_loads(npy, sizeof npy - 1), "");
  expect_error(ct_npy_load("/nonexistent/dir/x.npy"), "");
  expect_fail(ct_npy_save("/nonexistent/dir/x.npy", ct_ones(SH(1))) < 0, "");
  expect_error(ct_safetensors_load("/nonexistent/dir/x.st"), "");
  leak_end(m, __func__, __LINE__);
}

/* ---- global settings and dtype utilities with invalid arguments ---------------------------- */
static int g_handled;
static void count_errors(const char *msg, void *user) { g_handled += msg && user == &g_handled; }

static void test_settings(void **state) {
  (void)state;
  live_mark m = leak_begin();
  assert_int_equal(ct_dtype_size((ct_dtype)99), 0);
  assert_int_equal(ct_dtype_size(CT_DTYPE_UNSET), 0);
  assert_string_equal(ct_dtype_name((ct_dtype)99), "torch.invalid");
  assert_false(ct_dtype_is_floating((ct_dtype)99));
  assert_int_equal(ct_promote_types(CT_UINT8, CT_INT8), CT_INT16);
  expect_fail(ct_promote_types((ct_dtype)99, CT_INT32) == CT_DTYPE_UNSET, "invalid dtype");
  expect_fail(ct_promote_types(CT_BOOL, (ct_dtype)42) == CT_DTYPE_UNSET, "invalid dtype");
  ct_set_default_dtype(CT_INT64);
  expect_fail(1, "only floating-point types are supported as the default type");
  assert_int_equal(ct_get_default_dtype(), CT_FLOAT32);
  ct_set_default_dtype((ct_dtype)99);
  expect_fail(1, "");
  int threads = ct_get_num_threads();
  ct_set_num_threads(0);
  expect_fail(1, "set_num_threads expects a positive integer");
  ct_set_num_threads(-5);
  expect_fail(1, "");
  assert_int_equal(ct_get_num_threads(), threads);
  assert_false(ct_is_leaf(NULL));
  ct_print(NULL);
  assert_true(isnan(ct_item(ct_wrap_scalar(NAN))));
  assert_true(ct_item(ct_wrap_int(INT64_MIN)) == (double)INT64_MIN);
  ct_generator *g = ct_generator_new(7);
  assert_int_equal(ct_numel(ct_rand(SH(0, 3), .generator = g)), 0);
  assert_non_null(ct_randperm(0, .generator = g));
  ct_generator_free(g);
  ct_manual_seed(0);
  /* the handler sees every recorded error; NULL arguments record none */
  ct_set_error_handler(count_errors, &g_handled);
  g_handled = 0;
  ct_neg(NULL), ct_add(NULL, NULL), ct_sum(NULL);
  assert_int_equal(g_handled, 0);
  ct_view(ct_ones(SH(2)), SH(3));
  assert_int_equal(g_handled, 1);
  ct_set_error_handler(NULL, NULL);
  ct_clear_error();
  ct_set_error_mode((ct_error_mode)99); /* not CT_ERRORS_ABORT: errors still return */
  assert_null(ct_view(ct_ones(SH(2)), SH(3)));
  ct_set_error_mode(CT_ERRORS_RETURN);
  ct_clear_error();
  bool prev = ct_set_grad_enabled(false);
  assert_false(ct_requires_grad(ct_mul_scalar(ct_ones(SH(2), .requires_grad = true), 2)));
  ct_set_grad_enabled(prev);
  assert_true(ct_is_grad_enabled());
  /* anomaly mode: a NULL or graph-less backward fails as without it, and leaves no report */
  bool prev_anomaly = ct_set_detect_anomaly(true);
  assert_true(ct_is_anomaly_enabled());
  assert_int_equal(ct_backward(NULL), -1);
  assert_int_equal(ct_backward(ct_ones(SH(2))), -1);
  ct_clear_error();
  assert_null(ct_anomaly_report());
  ct_set_detect_anomaly(prev_anomaly);
  assert_false(ct_is_anomaly_enabled());
  leak_end(m, __func__, __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_core),     cmocka_unit_test(test_core_args),
      cmocka_unit_test(test_autograd_args), cmocka_unit_test(test_io_roundtrip),
      cmocka_unit_test(test_io_corrupt),    cmocka_unit_test(test_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
