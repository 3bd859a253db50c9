#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *longs(int nd, const int64_t *shape, const int64_t *v) {
  return ct_tensor_from(v, CT_INT64, nd, shape);
}
#define LONGS(shape, ...) longs(CT_SHAPE shape, (const int64_t[]){__VA_ARGS__})

#define EXPECT(t, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 0, 1e-6, #t, __LINE__)

static void expect_shape(const ct_tensor *t, int nd, const int64_t *shape) {
  assert_non_null(t);
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_shape(t)[i], shape[i]);
}

static ct_tensor *X(ct_dtype dt, bool rg) { return ramp(CT_SHAPE(3, 4), dt, 1, rg); }

/* ---- indexing values ------------------------------------------------------------------------- */
static void test_index_values(void **state) {
  (void)state;
  for (int dt = CT_FLOAT32; dt <= CT_FLOAT64; dt++) {
    ct_scope_begin();
    ct_tensor *x = X((ct_dtype)dt, true);
    ct_tensor *y = ct_index_select(x, 1, LONGS((3), 3, 0, 3));
    assert_string_equal(ct_grad_fn_name(y), "IndexSelectBackward0");
    EXPECT(y, -1.25, -1.0, -1.25, 0.25, 0.5, 0.25, -1.0, -0.75, -1.0);
    int32_t i32[] = {3, 0, 3};
    EXPECT(ct_index_select(x, -1, ct_tensor_from(i32, CT_INT32, 1, (int64_t[]){3})), -1.25, -1.0, -1.25, 0.25,
           0.5, 0.25, -1.0, -0.75, -1.0);
    ct_tensor *idx = LONGS((3, 2), 0, 3, 1, 1, 2, 0);
    y = ct_gather(x, 1, idx);
    assert_string_equal(ct_grad_fn_name(y), "GatherBackward0");
    EXPECT(y, -1.0, -1.25, -0.5, -0.5, 0.0, -0.75);
    ct_tensor *src = ramp(CT_SHAPE(3, 3), (ct_dtype)dt, 5, true);
    y = ct_scatter(x, 1, idx, src);
    assert_string_equal(ct_grad_fn_name(y), "ScatterBackward0");
    EXPECT(y, 0.0, 0.75, -0.25, -1.0, 0.5, -1.25, 1.25, 0.25, 1.25, 1.0, -0.5, -1.0);
    y = ct_scatter_value(x, 0, LONGS((1, 4), 2, 0, 1, 2), 9);
    assert_string_equal(ct_grad_fn_name(y), "ScatterBackward1");
    EXPECT(y, -1.0, 9.0, -0.25, -1.25, 0.5, -0.5, 9.0, 0.25, 9.0, 1.0, 0.0, 9.0);
    y = ct_scatter_add(x, 1, idx, src);
    assert_string_equal(ct_grad_fn_name(y), "ScatterAddBackward0");
    EXPECT(y, -1.0, 0.75, -0.25, -2.25, 0.5, -2.0, 1.25, 0.25, 0.5, 1.0, -0.5, -1.0);
    y = ct_take(x, LONGS((2, 2), 0, -1, 5, 11));
    assert_string_equal(ct_grad_fn_name(y), "TakeBackward0");
    expect_shape(y, 2, (int64_t[]){2, 2});
    EXPECT(y, -1.0, -1.0, -0.5, -1.0);
    bool gt0[] = {0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0}; /* x > 0 */
    y = ct_masked_select(x, ct_tensor_from(gt0, CT_BOOL, 2, (int64_t[]){3, 4}));
    assert_string_equal(ct_grad_fn_name(y), "MaskedSelectBackward0");
    EXPECT(y, 0.75, 0.5, 1.25, 0.25, 1.0);
    bool m[] = {true, false, false, true};
    EXPECT(ct_masked_select(x, ct_tensor_from(m, CT_BOOL, 1, (int64_t[]){4})), -1.0, -1.25, 0.5, 0.25, -0.75, -1.0);
    ct_scope_end();
  }
}

static void test_index_misc(void **state) {
  (void)state;
  ct_scope_begin();
  /* integer tensors */
  ct_tensor *xi = ct_reshape(ct_arange(0, 12, 1), CT_SHAPE(3, 4));
  EXPECT(ct_index_select(xi, 0, LONGS((2), 2, 0)), 8, 9, 10, 11, 0, 1, 2, 3);
  EXPECT(ct_scatter_add(ct_zeros(CT_SHAPE(3), .dtype = CT_INT64), 0, LONGS((4), 0, 0, 2, 0), LONGS((4), 1, 2, 3, 4)), 7, 0, 3);
  EXPECT(ct_scatter_value(xi, 1, LONGS((1, 2), 0, 1), 2.5), 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  /* nonzero: -0.0 is zero */
  double nz[] = {0, 1, 0, 2, 0, -0.0};
  ct_tensor *n = ct_nonzero(ct_tensor_from(nz, CT_FLOAT64, 2, (int64_t[]){2, 3}));
  assert_int_equal(ct_dtype_of(n), CT_INT64);
  expect_shape(n, 2, (int64_t[]){2, 2});
  EXPECT(n, 0, 1, 1, 0);
  expect_shape(ct_nonzero(ct_scalar_tensor(3, CT_FLOAT32)), 2, (int64_t[]){1, 0});
  expect_shape(ct_nonzero(ct_scalar_tensor(0, CT_FLOAT32)), 2, (int64_t[]){0, 0});
  /* one_hot */
  ct_tensor *oh = ct_one_hot(LONGS((2), 0, 2), -1);
  assert_int_equal(ct_dtype_of(oh), CT_INT64);
  expect_shape(oh, 2, (int64_t[]){2, 3});
  EXPECT(oh, 1, 0, 0, 0, 0, 1);
  expect_shape(ct_one_hot(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), 3), 2, (int64_t[]){0, 3});
  /* index_select on a 0-dim tensor */
  ct_tensor *s = ct_index_select(ct_scalar_tensor(5, CT_FLOAT32), 0, LONGS((2), 0, 0));
  assert_int_equal(ct_dim(s), 0);
  EXPECT(s, 5);
  ct_scope_end();
}

static void test_index_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = X(CT_FLOAT32, false);
  ct_clear_error();
  expect_error(ct_index_select(x, 0, LONGS((2), 0, 5)), "index out of range in self");
  expect_error(ct_index_select(x, 0, LONGS((2), 0, -1)), "index out of range in self");
  expect_error(ct_index_select(x, 0, LONGS((1, 1), 0)), "index_select(): Index is supposed to be a vector");
  expect_error(ct_index_select(x, 0, ct_zeros(CT_SHAPE(1))), "index_select(): Expected dtype int32 or int64 for index");
  expect_error(ct_index_select(x, 2, LONGS((1), 0)), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_gather(x, 1, LONGS((1, 2), 0, 5)), "index 5 is out of bounds for dimension 1 with size 4");
  expect_error(ct_gather(x, 1, LONGS((1, 2), 0, -1)), "index -1 is out of bounds for dimension 1 with size 4");
  expect_error(ct_gather(x, 1, LONGS((1), 0)), "Index tensor must have the same number of dimensions as input tensor");
  expect_error(ct_gather(x, 1, ct_zeros(CT_SHAPE(4, 1), .dtype = CT_INT64)),
               "Size does not match at dimension 0 expected index [4, 1] to be smaller than self [3, 4] apart from dimension 1");
  expect_error(ct_gather(x, 1, ct_zeros(CT_SHAPE(1, 1), .dtype = CT_INT32)), "gather(): Expected dtype int64 for index");
  expect_error(ct_scatter(x, 1, LONGS((1, 2), 0, 5), ct_ones(CT_SHAPE(1, 2))), "index 5 is out of bounds for dimension 1 with size 4");
  expect_error(ct_scatter(x, 1, LONGS((1, 2), 0, 1), ct_ones(CT_SHAPE(1, 1))),
               "Expected index [1, 2] to be smaller than self [3, 4] apart from dimension 1 and to be smaller size than src [1, 1]");
  expect_error(ct_scatter(x, 1, LONGS((1, 2), 0, 1), ct_ones(CT_SHAPE(1, 2), .dtype = CT_FLOAT64)),
               "scatter(): Expected self.dtype to be equal to src.dtype");
  expect_error(ct_scatter(x, 1, LONGS((2), 0, 1), ct_ones(CT_SHAPE(1, 2))),
               "Index tensor must have the same number of dimensions as self tensor");
  expect_error(ct_scatter_add(x, 1, LONGS((1, 2), 0, 9), ct_ones(CT_SHAPE(1, 2))), "index 9 is out of bounds for dimension 1 with size 4");
  expect_error(ct_scatter_value(x, 1, LONGS((1, 2), 0, 9), 2), "index 9 is out of bounds for dimension 1 with size 4");
  expect_error(ct_take(x, LONGS((2), 0, 12)), "out of range: tried to access index 12 on a tensor of 12 elements.");
  expect_error(ct_take(x, LONGS((2), 0, -13)), "out of range: tried to access index -13 on a tensor of 12 elements.");
  expect_error(ct_take(x, ct_zeros(CT_SHAPE(1))), "take(): Expected a long tensor for index, but got Float");
  expect_error(ct_masked_select(x, LONGS((4), 1, 0, 1, 0)), "masked_select: expected BoolTensor or ByteTensor for mask");
  expect_error(ct_masked_select(x, ct_ones(CT_SHAPE(3), .dtype = CT_BOOL)),
               "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1");
  expect_error(ct_one_hot(LONGS((2), 0, 2), 2), "Class values must be smaller than num_classes.");
  expect_error(ct_one_hot(LONGS((2), 0, -2), 3), "Class values must be non-negative.");
  expect_error(ct_one_hot(ct_zeros(CT_SHAPE(2), .dtype = CT_INT32), 3), "one_hot is only applicable to index tensor.");
  expect_error(ct_one_hot(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), -1), "Can not infer total number of classes from empty tensor.");
  /* NULL arguments */
  ct_tensor *i1 = LONGS((1), 0);
  assert_null(ct_index_select(NULL, 0, i1));
  assert_null(ct_index_select(x, 0, NULL));
  assert_null(ct_gather(NULL, 0, i1));
  assert_null(ct_scatter(x, 0, i1, NULL));
  assert_null(ct_scatter_value(NULL, 0, i1, 1));
  assert_null(ct_scatter_add(x, 0, NULL, x));
  assert_null(ct_take(NULL, i1));
  assert_null(ct_masked_select(x, NULL));
  assert_null(ct_nonzero(NULL));
  assert_null(ct_one_hot(NULL, 3));
  assert_null(ct_last_error());
  ct_scope_end();
}

/* ---- joining, rearranging, sorting, padding ---------------------------------------------------- */
static void test_join_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ramp(CT_SHAPE(2, 2), CT_FLOAT64, 1, true), *b = ramp(CT_SHAPE(2, 1), CT_FLOAT64, 3, true);
  ct_tensor *c = ct_cat((ct_tensor *[]){a, b}, 2, 1);
  assert_string_equal(ct_grad_fn_name(c), "CatBackward0");
  EXPECT(c, -1.0, 0.75, -0.5, -0.25, -1.25, 1.25);
  /* legacy: 1-D empty tensors are skipped; mixed dtypes promote */
  ct_tensor *c2 = ct_cat((ct_tensor *[]){ct_zeros(CT_SHAPE(0)), ct_ones(CT_SHAPE(2, 1), .dtype = CT_INT64), b}, 3, 1);
  assert_int_equal(ct_dtype_of(c2), CT_FLOAT64);
  EXPECT(c2, 1, -0.5, 1, 1.25);
  ct_tensor *v1 = ramp(CT_SHAPE(2), CT_FLOAT64, 1, true), *v2 = ramp(CT_SHAPE(2), CT_FLOAT64, 3, true);
  ct_tensor *s = ct_stack((ct_tensor *[]){v1, v2}, 2, 1);
  assert_string_equal(ct_grad_fn_name(s), "StackBackward0");
  expect_shape(s, 2, (int64_t[]){2, 2});
  EXPECT(s, -1.0, -0.5, 0.75, 1.25);
  ct_tensor *r = ct_repeat(v1, CT_SHAPE(2, 2));
  assert_string_equal(ct_grad_fn_name(r), "RepeatBackward0");
  expect_shape(r, 2, (int64_t[]){2, 4});
  EXPECT(r, -1.0, 0.75, -1.0, 0.75, -1.0, 0.75, -1.0, 0.75);
  ct_tensor *x = X(CT_FLOAT64, true);
  ct_tensor *f = ct_flip(x, CT_SHAPE(0, 1));
  assert_string_equal(ct_grad_fn_name(f), "FlipBackward0");
  EXPECT(f, -1.0, 0.0, 1.0, -0.75, 0.25, 1.25, -0.5, 0.5, -1.25, -0.25, 0.75, -1.0);
  ct_tensor *ro = ct_roll(x, CT_SHAPE(1, -1), CT_SHAPE(0, 1));
  assert_string_equal(ct_grad_fn_name(ro), "RollBackward0");
  EXPECT(ro, 1.0, 0.0, -1.0, -0.75, 0.75, -0.25, -1.25, -1.0, -0.5, 1.25, 0.25, 0.5);
  EXPECT(ct_roll(x, 1, (int64_t[]){5}, 0, NULL), 0.25, -0.75, 1.0, 0.0, -1.0, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25);
  ct_tensor *tl = ct_tril(x, 1);
  assert_string_equal(ct_grad_fn_name(tl), "TrilBackward0");
  EXPECT(tl, -1.0, 0.75, 0.0, 0.0, 0.5, -0.5, 1.25, 0.0, -0.75, 1.0, 0.0, -1.0);
  ct_tensor *tu = ct_triu(x, -1);
  assert_string_equal(ct_grad_fn_name(tu), "TriuBackward0");
  EXPECT(tu, -1.0, 0.75, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, 0.0, 1.0, 0.0, -1.0);
  /* integer and strided inputs */
  ct_tensor *xi = ct_reshape(ct_arange(0, 6, 1), CT_SHAPE(2, 3));
  EXPECT(ct_flip(ct_t(xi), CT_SHAPE(1)), 3, 0, 4, 1, 5, 2);
  EXPECT(ct_triu(ct_t(xi), 0), 0, 3, 0, 4, 0, 0);
  EXPECT(ct_stack((ct_tensor *[]){xi, xi}, 2, -1), 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5);
  ct_scope_end();
}

static void test_sort_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = X(CT_FLOAT32, true);
  ct_tensor_pair p = ct_sort(x, 1, true, true);
  assert_string_equal(ct_grad_fn_name(p.values), "SortBackward0");
  EXPECT(p.values, 0.75, -0.25, -1.0, -1.25, 1.25, 0.5, 0.25, -0.5, 1.0, 0.0, -0.75, -1.0);
  EXPECT(p.indices, 1, 2, 0, 3, 2, 0, 3, 1, 1, 2, 0, 3);
  p = ct_sort(x, 0, false, true);
  EXPECT(p.values, -1.0, -0.5, -0.25, -1.25, -0.75, 0.75, 0.0, -1.0, 0.5, 1.0, 1.25, 0.25);
  EXPECT(p.indices, 0, 1, 0, 0, 2, 0, 2, 2, 1, 2, 1, 1);
  EXPECT(ct_argsort(x, 0, false), 0, 1, 0, 0, 2, 0, 2, 2, 1, 2, 1, 1);
  p = ct_topk(x, 2, 1, true, true);
  assert_string_equal(ct_grad_fn_name(p.values), "TopkBackward0");
  assert_int_equal(ct_dtype_of(p.indices), CT_INT64);
  EXPECT(p.values, 0.75, -0.25, 1.25, 0.5, 1.0, 0.0);
  EXPECT(p.indices, 1, 2, 2, 0, 1, 2);
  p = ct_topk(x, 2, 0, false, true);
  EXPECT(p.values, -1.0, -0.5, -0.25, -1.25, -0.75, 0.75, 0.0, -1.0);
  EXPECT(p.indices, 0, 1, 0, 0, 2, 0, 2, 2);
  /* NaN is the largest value; ties keep their order (stable) */
  double nn[] = {1, NAN, -1, NAN, 0, 1};
  ct_tensor *t = ct_tensor_from(nn, CT_FLOAT64, 1, (int64_t[]){6});
  p = ct_sort(t, 0, false, true);
  EXPECT(p.indices, 2, 4, 0, 5, 1, 3);
  p = ct_sort(t, 0, true, true);
  EXPECT(p.indices, 1, 3, 0, 5, 4, 2);
  EXPECT(ct_topk(t, 2, 0, false, true).indices, 2, 4);
  EXPECT(ct_topk(t, 1, 0, true, true).indices, 1);
  bool bv[] = {true, false, true};
  EXPECT(ct_sort(ct_tensor_from(bv, CT_BOOL, 1, (int64_t[]){3}), 0, false, true).indices, 1, 0, 2);
  EXPECT(ct_sort(ct_reshape(ct_arange(6, 0, -1), CT_SHAPE(2, 3)), -1, false, false).values, 4, 5, 6, 1, 2, 3);
  p = ct_sort(ct_scalar_tensor(3, CT_FLOAT32), 0, false, false);
  assert_int_equal(ct_dim(p.values), 0);
  EXPECT(p.indices, 0);
  ct_scope_end();
}

static void test_pad_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *y = ramp(CT_SHAPE(1, 2, 3), CT_FLOAT64, 1, true);
  ct_tensor *r = ct_pad(y, CT_SHAPE(2, 1), CT_PAD_REFLECT, 0);
  assert_string_equal(ct_grad_fn_name(r), "ReflectionPad1DBackward0");
  EXPECT(r, -0.25, 0.75, -1.0, 0.75, -0.25, 0.75, -0.5, 0.5, -1.25, 0.5, -0.5, 0.5);
  r = ct_pad(y, CT_SHAPE(2, 1), CT_PAD_REPLICATE, 0);
  assert_string_equal(ct_grad_fn_name(r), "ReplicationPad1DBackward0");
  EXPECT(r, -1.0, -1.0, -1.0, 0.75, -0.25, -0.25, -1.25, -1.25, -1.25, 0.5, -0.5, -0.5);
  EXPECT(ct_pad(y, CT_SHAPE(2, 1), CT_PAD_CIRCULAR, 0), 0.75, -0.25, -1.0, 0.75, -0.25, -1.0, 0.5, -0.5, -1.25, 0.5,
         -0.5, -1.25);
  r = ct_pad(y, CT_SHAPE(1, -1, 1, 0), CT_PAD_CONSTANT, 0.5);
  assert_string_equal(ct_grad_fn_name(r), "ConstantPadNdBackward0");
  expect_shape(r, 3, (int64_t[]){1, 3, 3});
  EXPECT(r, 0.5, 0.5, 0.5, 0.5, -1.0, 0.75, 0.5, -1.25, 0.5);
  ct_tensor *z = ramp(CT_SHAPE(1, 1, 3, 3), CT_FLOAT64, 2, true);
  r = ct_pad(z, CT_SHAPE(1, 2, 2, 1), CT_PAD_REFLECT, 0);
  assert_string_equal(ct_grad_fn_name(r), "ReflectionPad2DBackward0");
  EXPECT(r, 0.5, -1.25, 0.5, -0.5, 0.5, -1.25, 0.75, -1.0, 0.75, -0.25, 0.75, -1.0, 1.0, -0.75, 1.0, 0.0, 1.0, -0.75,
         0.75, -1.0, 0.75, -0.25, 0.75, -1.0, 0.5, -1.25, 0.5, -0.5, 0.5, -1.25, 0.75, -1.0, 0.75, -0.25, 0.75, -1.0);
  EXPECT(ct_pad(z, CT_SHAPE(1, 2, 2, 1), CT_PAD_REPLICATE, 0), -0.75, -0.75, 1.0, 0.0, 0.0, 0.0, -0.75, -0.75, 1.0,
         0.0, 0.0, 0.0, -0.75, -0.75, 1.0, 0.0, 0.0, 0.0, -1.0, -1.0, 0.75, -0.25, -0.25, -0.25, -1.25, -1.25, 0.5,
         -0.5, -0.5, -0.5, -1.25, -1.25, 0.5, -0.5, -0.5, -0.5);
  EXPECT(ct_pad(z, CT_SHAPE(1, 2, 2, 1), CT_PAD_CIRCULAR, 0), -0.25, -1.0, 0.75, -0.25, -1.0, 0.75, -0.5, -1.25, 0.5,
         -0.5, -1.25, 0.5, 0.0, -0.75, 1.0, 0.0, -0.75, 1.0, -0.25, -1.0, 0.75, -0.25, -1.0, 0.75, -0.5, -1.25, 0.5,
         -0.5, -1.25, 0.5, 0.0, -0.75, 1.0, 0.0, -0.75, 1.0);
  /* integer constant padding truncates the value, like PyTorch */
  EXPECT(ct_pad(ct_arange(0, 3, 1), CT_SHAPE(1, 1), CT_PAD_CONSTANT, 2.5), 2, 0, 1, 2, 2);
  ct_scope_end();
}

static void test_join_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = ct_ones(CT_SHAPE(2, 3)), *b = ct_ones(CT_SHAPE(2, 4));
  ct_clear_error();
  expect_error(ct_cat((ct_tensor *[]){a}, 0, 0), "torch.cat(): expected a non-empty list of Tensors");
  expect_error(ct_cat((ct_tensor *[]){a, b}, 2, 0),
               "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 in the list.");
  expect_error(ct_cat((ct_tensor *[]){a, ct_ones(CT_SHAPE(3))}, 2, 0), "Tensors must have same number of dimensions: got 2 and 1");
  expect_error(ct_cat((ct_tensor *[]){ct_ones(CT_SHAPE(0)), ct_scalar_tensor(1, CT_FLOAT32)}, 2, 0),
               "zero-dimensional tensor (at position 1) cannot be concatenated");
  expect_error(ct_cat((ct_tensor *[]){a, a}, 2, 2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_stack((ct_tensor *[]){a, b}, 2, 0), "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 1");
  expect_error(ct_stack((ct_tensor *[]){a}, 0, 0), "stack expects a non-empty TensorList");
  expect_error(ct_repeat(a, CT_SHAPE(2)), "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  expect_error(ct_repeat(a, CT_SHAPE(2, -1)), "Trying to create tensor with negative dimension -3: [4, -3]");
  expect_error(ct_flip(a, CT_SHAPE(0, 0)), "dim 0 appears multiple times in the list of dims");
  expect_error(ct_flip(a, CT_SHAPE(2)), "Dimension out of range");
  expect_error(ct_roll(a, CT_SHAPE(1, 2), CT_SHAPE(0)), "shifts and dimensions must align. shifts: 2, dims:1");
  expect_error(ct_roll(a, 0, NULL, 0, NULL), "`shifts` required");
  expect_error(ct_tril(ct_ones(CT_SHAPE(3)), 0), "Dimension out of range (expected to be in range of [-1, 0], but got -2)");
  expect_error(ct_triu(ct_scalar_tensor(1, CT_FLOAT32), 0), "Dimension specified as -2 but tensor has no dimensions");
  expect_error(ct_sort(a, 2, false, false).values, "Dimension out of range");
  expect_error(ct_topk(a, 4, 1, true, true).values, "selected index k out of range");
  expect_error(ct_topk(a, -1, 1, true, true).values, "selected index k out of range");
  ct_tensor *y = ct_ones(CT_SHAPE(1, 3));
  expect_error(ct_pad(y, CT_SHAPE(3, 3), CT_PAD_REFLECT, 0),
               "Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at dimension 1 of input [1, 3]");
  expect_error(ct_pad(ct_ones(CT_SHAPE(1, 2, 3, 3)), CT_SHAPE(1, 1, 3, 1), CT_PAD_REFLECT, 0),
               "Argument #6: Padding size should be less than the corresponding input dimension, but got: padding (3, 1) at dimension 2 of input 4");
  expect_error(ct_pad(ct_ones(CT_SHAPE(1, 2, 3)), CT_SHAPE(4, 1), CT_PAD_CIRCULAR, 0), "Padding value causes wrapping around more than once.");
  expect_error(ct_pad(ct_ones(CT_SHAPE(3)), CT_SHAPE(1, 1), CT_PAD_REPLICATE, 0),
               "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  expect_error(ct_pad(ct_ones(CT_SHAPE(2, 3, 3)), CT_SHAPE(1, 1, 1, 1), CT_PAD_CIRCULAR, 0), "Invalid padding size, expected 2 but got 4");
  expect_error(ct_pad(y, 1, (int64_t[]){1}, CT_PAD_CONSTANT, 0), "Padding length must be divisible by 2");
  expect_error(ct_pad(y, CT_SHAPE(1, 1, 1, 1, 1, 1), CT_PAD_CONSTANT, 0), "Padding length too large");
  expect_error(ct_pad(y, CT_SHAPE(1, 1), CT_PAD_REFLECT, 1), "Padding mode \"reflect\" doesn't take in value argument");
  expect_error(ct_pad(ct_zeros(CT_SHAPE(1, 0, 3)), CT_SHAPE(1, 1), CT_PAD_REPLICATE, 0),
               "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: [1, 0, 3]");
  expect_error(ct_pad(y, CT_SHAPE(-2, -2), CT_PAD_CONSTANT, 0), "resulted in a negative output size");
  /* NULL arguments */
  assert_null(ct_cat((ct_tensor *[]){a, NULL}, 2, 0));
  assert_null(ct_stack((ct_tensor *[]){NULL}, 1, 0));
  assert_null(ct_repeat(NULL, CT_SHAPE(1)));
  assert_null(ct_flip(NULL, CT_SHAPE(0)));
  assert_null(ct_roll(NULL, CT_SHAPE(1), CT_SHAPE(0)));
  assert_null(ct_tril(NULL, 0));
  assert_null(ct_sort(NULL, 0, false, false).values);
  assert_null(ct_argsort(NULL, 0, false));
  assert_null(ct_topk(NULL, 1, 0, true, true).indices);
  assert_null(ct_pad(NULL, CT_SHAPE(1, 1), CT_PAD_CONSTANT, 0));
  assert_null(ct_last_error());
  ct_scope_end();
}

/* ---- gradients: first and second order in float64 ----------------------------------------------- */
enum {
  OP_INDEX_SELECT, OP_GATHER, OP_SCATTER, OP_SCATTER_VALUE, OP_SCATTER_ADD, OP_SCATTER_BIG_SRC, OP_TAKE,
  OP_MASKED_SELECT, OP_CAT, OP_STACK, OP_REPEAT, OP_FLIP, OP_ROLL, OP_ROLL_FLAT, OP_TRIL, OP_TRIU, OP_SORT,
  OP_TOPK, OP_PAD_CONSTANT, OP_PAD_CROP, OP_PAD_REFLECT, OP_PAD_REPLICATE, OP_PAD_CIRCULAR, OP_PAD_REFLECT2D,
  OP_PAD_REPLICATE3D, OP_COUNT
};

static int f_op(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  ct_tensor *x = in[0], *r = NULL;
  ct_tensor *idx = LONGS((3, 2), 0, 3, 1, 1, 2, 0); /* rows of a (3, 4) input */
  ct_tensor *uniq = LONGS((3, 2), 0, 3, 1, 2, 2, 0); /* no repeats within a row */
  switch (*(int *)u) {
    case OP_INDEX_SELECT: r = ct_index_select(x, 1, LONGS((3), 3, 0, 3)); break;
    case OP_GATHER: r = ct_gather(x, 1, idx); break;
    case OP_SCATTER: r = ct_scatter(x, 1, uniq, in[1]); break;
    case OP_SCATTER_VALUE: r = ct_scatter_value(x, 1, idx, 2); break;
    case OP_SCATTER_ADD: r = ct_scatter_add(x, 1, idx, in[1]); break;
    case OP_SCATTER_BIG_SRC: r = ct_scatter_add(x, 1, LONGS((2, 1), 3, 0), in[1]); break;
    case OP_TAKE: r = ct_take(x, LONGS((2, 2), 0, -1, 5, 0)); break;
    case OP_MASKED_SELECT: {
      bool m[] = {true, false, false, true};
      r = ct_masked_select(x, ct_tensor_from(m, CT_BOOL, 2, (int64_t[]){1, 4}));
      break;
    }
    case OP_CAT: r = ct_cat((ct_tensor *[]){x, in[1]}, 2, 1); break;
    case OP_STACK: r = ct_stack((ct_tensor *[]){x, in[1]}, 2, 1); break;
    case OP_REPEAT: r = ct_repeat(x, CT_SHAPE(2, 1, 2)); break;
    case OP_FLIP: r = ct_flip(x, CT_SHAPE(-1, 0)); break;
    case OP_ROLL: r = ct_roll(x, CT_SHAPE(2, -1), CT_SHAPE(1, 0)); break;
    case OP_ROLL_FLAT: r = ct_roll(x, 1, (int64_t[]){-5}, 0, NULL); break;
    case OP_TRIL: r = ct_tril(x, 1); break;
    case OP_TRIU: r = ct_triu(x, -1); break;
    case OP_SORT: r = ct_sort(x, 1, true, true).values; break;
    case OP_TOPK: r = ct_topk(x, 2, 0, true, true).values; break;
    case OP_PAD_CONSTANT: r = ct_pad(x, CT_SHAPE(1, 2, 2, 0), CT_PAD_CONSTANT, 0.5); break;
    case OP_PAD_CROP: r = ct_pad(x, CT_SHAPE(-1, 2, 1, -1), CT_PAD_CONSTANT, 0); break;
    case OP_PAD_REFLECT: r = ct_pad(x, CT_SHAPE(3, 2), CT_PAD_REFLECT, 0); break;
    case OP_PAD_REPLICATE: r = ct_pad(x, CT_SHAPE(2, -1), CT_PAD_REPLICATE, 0); break;
    case OP_PAD_CIRCULAR: r = ct_pad(ct_unsqueeze(x, 0), CT_SHAPE(2, 3), CT_PAD_CIRCULAR, 0); break;
    case OP_PAD_REFLECT2D: r = ct_pad(ct_unsqueeze(x, 0), CT_SHAPE(1, 2, 2, 1), CT_PAD_REFLECT, 0); break;
    case OP_PAD_REPLICATE3D: r = ct_pad(ct_reshape(x, CT_SHAPE(1, 1, 2, 2, 3)), CT_SHAPE(1, 0, 0, 1, 1, 1), CT_PAD_REPLICATE, 0); break;
  }
  /* Unscaled on purpose: gradgradcheck must copy outputs that alias its perturbed inputs
   * (ScatterAdd's gradient for self, Cat's narrowed gradients). */
  out[0] = r;
  return out[0] ? 0 : -1;
}

static void test_gradients(void **state) {
  (void)state;
  for (int op = 0; op < OP_COUNT; op++) {
    ct_scope_begin();
    /* distinct values so sort/topk have no ties within finite-difference reach */
    ct_tensor *x = ct_requires_grad_(ct_add(ct_detach(X(CT_FLOAT64, false)),
                                            ct_mul_scalar(ct_reshape(ct_arange(0, 12, 1, .dtype = CT_FLOAT64), CT_SHAPE(3, 4)), 0.01)),
                                     true);
    ct_tensor *second = op == OP_CAT ? ramp(CT_SHAPE(3, 2), CT_FLOAT64, 3, true)
                        : op == OP_STACK ? ramp(CT_SHAPE(3, 4), CT_FLOAT64, 3, true)
                        : op == OP_SCATTER_BIG_SRC ? ramp(CT_SHAPE(3, 2), CT_FLOAT64, 5, true)
                                                   : ramp(CT_SHAPE(3, 3), CT_FLOAT64, 5, true);
    bool two = op == OP_SCATTER || op == OP_SCATTER_ADD || op == OP_CAT || op == OP_STACK || op == OP_SCATTER_BIG_SRC;
    ct_tensor *ins[2] = {x, second};
    char what[32];
    snprintf(what, sizeof what, "op %d", op);
    check_grads(f_op, ins, two ? 2 : 1, &op, what);
    ct_scope_end();
  }
}

/* scatter's gradient for self is zero where src overwrote it; for src it is gathered */
static void test_scatter_grad_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = X(CT_FLOAT64, true), *src = ramp(CT_SHAPE(1, 2), CT_FLOAT64, 5, true);
  ct_tensor *y = ct_scatter(x, 1, LONGS((1, 2), 3, 0), src);
  ct_tensor *w = ramp(CT_SHAPE(3, 4), CT_FLOAT64, 9, false);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, w))), 0);
  EXPECT(ct_grad(x), 0.0, 0.0, -1.0, 0.0, -0.25, -1.25, 0.5, -0.5, 1.25, 0.25, -0.75, 1.0);
  EXPECT(ct_grad(src), 0.75, 1.0);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_index_values), cmocka_unit_test(test_index_misc),
      cmocka_unit_test(test_index_errors), cmocka_unit_test(test_join_values),
      cmocka_unit_test(test_sort_values),  cmocka_unit_test(test_pad_values),
      cmocka_unit_test(test_join_errors),  cmocka_unit_test(test_gradients),
      cmocka_unit_test(test_scatter_grad_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
