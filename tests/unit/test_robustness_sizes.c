/* Hostile sizes, offsets and scalar conversions (issue 5): every shape an op builds is checked
 * for int64 overflow, and a value that does not fit an integer dtype fails with c10's message
 * instead of wrapping. Messages are PyTorch 1.13's where it has one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
static const int64_t P31 = (int64_t)1 << 31, P32 = (int64_t)1 << 32, P62 = (int64_t)1 << 62;

static void test_linspace_steps(void **state) {
  (void)state;
  live_mark m = leak_begin();
  expect_exact(ct_linspace(3, 5, 1), 3); /* was 5 */
  expect_exact(ct_linspace(3, 5, 2), 3, 5);
  expect_exact(ct_linspace(3, 5, 3), 3, 4, 5);
  assert_int_equal(ct_numel(ct_linspace(3, 5, 0)), 0);
  expect_exact(ct_linspace(3, 5, 1, .dtype = CT_INT64), 3);
  expect_error(ct_linspace(3, 5, -1), "number of steps must be non-negative");
  leak_end(m, __func__, __LINE__);
}

static void test_shape_overflow(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(1, 1)), *x3 = ct_arange(0, 3, 1, .dtype = CT_FLOAT32);
  expect_error(ct_expand(x, 2, NULL), "expand: size is NULL"); /* crashed */
  expect_error(ct_expand(x, SH(P32, P32)), "numel: integer multiplication overflow");
  expect_error(ct_add(ct_expand(ct_ones(SH(1)), SH(P32, 1)), ct_expand(ct_ones(SH(1)), SH(P32))),
               "Storage size calculation overflowed with sizes=[4294967296, 4294967296]");
  assert_int_equal(ct_numel(ct_expand(x, SH(P31, P31))), (int64_t)1 << 62); /* a view: fits */
  /* new tensors: storage size, then the strides an empty tensor still has */
  expect_error(ct_empty(SH(P32, P32)), "Storage size calculation overflowed with sizes=[4294967296, 4294967296]");
  expect_error(ct_empty(SH(P31, P31)), "Storage size calculation overflowed with sizes=[2147483648, 2147483648]");
  expect_error(ct_empty(SH(0, P62, P62)), "Stride calculation overflowed");
  assert_int_equal(ct_numel(ct_empty(SH(0, (int64_t)1 << 30, (int64_t)1 << 30), .dtype = CT_UINT8)), 0);
  /* view / reshape / flatten / unflatten of an empty tensor */
  ct_tensor *e = ct_zeros(SH(0, 4));
  assert_int_equal(ct_dim(ct_view(e, SH(P32, P32, 0))), 3);
  expect_error(ct_view(e, SH(0, P62, P62)), "Stride calculation overflowed");
  expect_error(ct_view(x3, SH(P32, P32, 3)), "shape '[4294967296, 4294967296, 3]' is invalid for input of size 3");
  ct_tensor *big0 = ct_empty(SH(0, P31, P31), .dtype = CT_UINT8);
  assert_int_equal(ct_shape(ct_flatten(big0, 0, -1))[0], 0);
  expect_error(ct_flatten(ct_expand(ct_ones(SH(1, 1, 1)), SH(2, P62, 2)), 0, -1), "numel: integer multiplication overflow");
  expect_error(ct_unflatten(x3, 0, 2, (int64_t[]){P62, 4}), "don't multiply up to the size of dim 0 (3)");
  /* narrow: start + length must not overflow */
  expect_error(ct_narrow(x3, 0, 1, INT64_MAX), "start (1) + length (9223372036854775807) exceeds dimension size (3).");
  expect_error(ct_narrow(x3, 0, -1, INT64_MAX), "start (2) + length (9223372036854775807) exceeds dimension size (3).");
  /* split / chunk: counts checked before anything is allocated */
  ct_tensor *parts[4];
  expect_fail(ct_chunk(ct_zeros(SH(0)), P31, 0, parts, 4) < 0, "split: output array holds 4 tensors, 2147483648 needed");
  assert_int_equal(ct_chunk(x3, INT64_MAX, 0, parts, 4), 3);
  expect_fail(ct_split_sizes(x3, 3, (int64_t[]){INT64_MAX, INT64_MAX, 5}, 0, parts, 4) < 0,
              "split_with_sizes expects split_sizes to sum exactly to 3");
  /* repeat: the output shape */
  expect_error(ct_repeat(ct_ones(SH(1)), 2, (int64_t[]){P62, 1}), "Storage size calculation overflowed with sizes=[4611686018427387904, 1]");
  expect_error(ct_repeat(ct_ones(SH(2, 3)), 2, (int64_t[]){P62, 1}), "Storage size calculation overflowed");
  leak_end(m, __func__, __LINE__);
}

static void test_pad_overflow(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3));
  expect_error(ct_pad(x, 2, (int64_t[]){P62, P62}, CT_PAD_CONSTANT, 0), "plus padding 4611686018427387904 and 4611686018427387904 overflows int64");
  expect_error(ct_pad(x, 2, (int64_t[]){-P62, -P62}, CT_PAD_CONSTANT, 0), "resulted in a negative output size");
  expect_error(ct_pad(x, 2, (int64_t[]){P62, 0}, CT_PAD_CONSTANT, 0), "Storage size calculation overflowed with sizes=[2, 4611686018427387907]");
  /* crops past the input: PyTorch's narrow refuses them */
  expect_error(ct_pad(x, 2, (int64_t[]){-P62, P62}, CT_PAD_CONSTANT, 0), "start out of range (expected to be in range of [-3, 3], but got 4611686018427387904)");
  expect_error(ct_pad(x, 2, (int64_t[]){INT64_MIN, INT64_MAX}, CT_PAD_CONSTANT, 0), "but got 9223372036854775808)");
  expect_error(ct_pad(x, 2, (int64_t[]){5, -4}, CT_PAD_CONSTANT, 0), "start (0) + length (-1) exceeds dimension size (3).");
  expect_exact(ct_pad(x, 2, (int64_t[]){-1, 2}, CT_PAD_CONSTANT, 7), 1, 1, 7, 7, 1, 1, 7, 7);
  ct_tensor *x3 = ct_ones(SH(1, 2, 3));
  expect_error(ct_pad(x3, 2, (int64_t[]){P62, P62}, CT_PAD_REPLICATE, 0), "overflows int64");
  expect_error(ct_pad(x3, 2, (int64_t[]){P62, 0}, CT_PAD_REPLICATE, 0), "Storage size calculation overflowed");
  leak_end(m, __func__, __LINE__);
}

/* c10's checked_convert: "value cannot be converted to type T without overflow" */
static void test_fill_values(void **state) {
  (void)state;
  live_mark m = leak_begin();
  expect_error(ct_full(SH(2), 1000, .dtype = CT_INT8), "value cannot be converted to type int8_t without overflow");
  expect_error(ct_full(SH(2), 256, .dtype = CT_UINT8), "value cannot be converted to type uint8_t without overflow");
  expect_error(ct_full(SH(2), 40000, .dtype = CT_INT16), "value cannot be converted to type int16_t without overflow");
  expect_error(ct_full(SH(2), 3e9, .dtype = CT_INT32), "value cannot be converted to type int without overflow");
  expect_error(ct_full(SH(2), NAN, .dtype = CT_INT64), "value cannot be converted to type int64_t without overflow");
  expect_error(ct_full(SH(2), INFINITY, .dtype = CT_INT32), "value cannot be converted to type int without overflow");
  expect_error(ct_full(SH(2), 0x1p63, .dtype = CT_INT64), "value cannot be converted to type int64_t without overflow");
  expect_error(ct_full(SH(2), 1e39, .dtype = CT_FLOAT32), "value cannot be converted to type float without overflow");
  expect_exact(ct_full(SH(1), -0x1p63, .dtype = CT_INT64), -0x1p63);
  expect_exact(ct_full(SH(1), -1, .dtype = CT_UINT8), 255); /* c10 wraps negatives into unsigned */
  expect_exact(ct_full(SH(1), 127, .dtype = CT_INT8), 127);
  expect_exact(ct_full(SH(1), NAN, .dtype = CT_BOOL), 1); /* bool takes any value */
  expect_exact(ct_full(SH(1), INFINITY, .dtype = CT_FLOAT32), INFINITY);
  ct_tensor *i8 = ct_zeros(SH(2), .dtype = CT_INT8);
  expect_error(ct_fill_(i8, 1000), "value cannot be converted to type int8_t without overflow");
  expect_error(ct_fill_(ct_expand(ct_zeros(SH(1), .dtype = CT_INT8), SH(3)), 200), "type int8_t");
  expect_exact(i8, 0, 0); /* untouched */
  expect_error(ct_full_like(i8, -129), "value cannot be converted to type int8_t without overflow");
  expect_error(ct_masked_fill(i8, ct_ones(SH(2), .dtype = CT_BOOL), NAN), "type int8_t without overflow");
  expect_error(ct_scalar_tensor(70000, CT_INT16), "value cannot be converted to type int16_t without overflow");
  leak_end(m, __func__, __LINE__);
}

static ct_tensor *i64s(int n, const int64_t *v) { return ct_tensor_from(v, CT_INT64, 1, (int64_t[]){n}); }

/* Indices at the ends of int64 and sizes past what fits: errors, no wrap-around (UBSan) */
static void test_hostile_indices(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_zeros(SH(6)), *x2 = ct_reshape(x, 2, (int64_t[]){2, 3});
  ct_tensor *big = i64s(1, (int64_t[]){INT64_MAX}), *small = i64s(1, (int64_t[]){INT64_MIN});
  expect_error(ct_index_select(x, 0, big), "index out of range in self");
  expect_error(ct_index_select(x2, 1, small), "index out of range in self");
  expect_error(ct_gather(x, 0, big), "index 9223372036854775807 is out of bounds for dimension 0 with size 6");
  expect_error(ct_gather(x, 0, small), "index -9223372036854775808 is out of bounds for dimension 0 with size 6");
  expect_error(ct_scatter_value(x, 0, big, 1), "index 9223372036854775807 is out of bounds");
  expect_error(ct_scatter_add(x, 0, small, ct_ones(SH(1))), "index -9223372036854775808 is out of bounds");
  expect_error(ct_take(x, big), "out of range: tried to access index 9223372036854775807 on a tensor of 6 elements.");
  expect_error(ct_take(x, small), "out of range: tried to access index -9223372036854775808 on a tensor of 6 elements.");
  /* one_hot: the inferred class count max + 1 overflowed at INT64_MAX */
  expect_error(ct_one_hot(big, -1), "Class values must be smaller than num_classes.");
  expect_error(ct_one_hot(small, -1), "Class values must be non-negative.");
  expect_error(ct_one_hot(i64s(2, (int64_t[]){0, 1}), P62), "");
  expect_error(ct_one_hot(i64s(1, (int64_t[]){0}), -2), "");
  assert_int_equal(ct_numel(ct_one_hot(i64s(0, NULL), P62)), 0);
  /* an index the size of memory: its output cannot be made */
  ct_tensor *huge = ct_expand(ct_zeros(SH(1), .dtype = CT_INT64), SH(P62));
  expect_error(ct_index_select(x2, 1, huge), "");
  expect_error(ct_take(x, huge), "");
  expect_error(ct_gather(ct_expand(ct_zeros(SH(1)), SH(P62)), 0, huge), "");
  expect_error(ct_masked_select(x, ct_expand(ct_ones(SH(1), .dtype = CT_BOOL), SH(P62, 6))), "");
  expect_error(ct_index_select(x, 0, ct_tensor_from((int32_t[]){INT32_MIN}, CT_INT32, 1, (int64_t[]){1})), "index out of range in self");
  leak_end(m, __func__, __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_linspace_steps),
      cmocka_unit_test(test_shape_overflow),
      cmocka_unit_test(test_pad_overflow),
      cmocka_unit_test(test_fill_values),
      cmocka_unit_test(test_hostile_indices),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
