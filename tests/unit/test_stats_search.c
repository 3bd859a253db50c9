/* Search and counting (src/ops/search.c): unique, unique_consecutive, searchsorted,
 * bucketize, bincount, histc; values and errors as PyTorch 1.13 gives them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *T1(int n, const double *v, ct_dtype dt) {
  return ct_to(ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){n}), dt);
}
#define V(dt, ...) T1((int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (double[]){__VA_ARGS__}, dt)

static void test_unique(void **s) {
  (void)s;
  ct_scope_begin();
  /* torch.unique(torch.tensor([3, 1, 2, 1, 5, 3]), return_inverse=True, return_counts=True) */
  ct_unique_result u = ct_unique(V(CT_INT64, 3, 1, 2, 1, 5, 3), .return_inverse = true, .return_counts = true);
  expect_exact(u.values, 1, 2, 3, 5);
  expect_exact(u.inverse, 2, 0, 1, 0, 3, 2);
  expect_exact(u.counts, 2, 1, 2, 1);
  assert_null(ct_unique(V(CT_INT64, 1, 1)).inverse);
  /* a range too wide to count by value: the sorting path */
  u = ct_unique(V(CT_INT64, 1e15, 5, 1e15, -3), .return_inverse = true, .return_counts = true);
  expect_exact(u.values, -3, 5, 1e15);
  expect_exact(u.inverse, 2, 1, 2, 0);
  expect_exact(u.counts, 1, 1, 2);
  u = ct_unique(V(CT_INT16, 7, -2, 7), .return_counts = true);
  assert_int_equal(ct_dtype_of(u.values), CT_INT16);
  expect_exact(u.values, -2, 7);
  expect_exact(u.counts, 1, 2);
  /* dim=0: rows [[1, 2], [0, 1], [1, 2]] -> [[0, 1], [1, 2]], inverse [1, 0, 1], counts [1, 2] */
  ct_tensor *r = ct_reshape(V(CT_INT64, 1, 2, 0, 1, 1, 2), 2, (int64_t[]){3, 2});
  u = ct_unique(r, .dim = 0, .return_inverse = true, .return_counts = true);
  expect_exact(u.values, 0, 1, 1, 2);
  expect_exact(u.inverse, 1, 0, 1);
  expect_exact(u.counts, 1, 2);
  /* torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 1]), return_inverse=True, return_counts=True) */
  u = ct_unique_consecutive(V(CT_FLOAT32, 1, 1, 2, 2, 1), .return_inverse = true, .return_counts = true);
  expect_exact(u.values, 1, 2, 1);
  expect_exact(u.inverse, 0, 0, 1, 1, 2);
  expect_exact(u.counts, 2, 2, 1);
  u = ct_unique(ct_scalar_tensor(3, CT_FLOAT32), .return_inverse = true);
  assert_int_equal(ct_dim(u.inverse), 0);
  expect_error(ct_unique(r, .dim = 2).values, "Dimension out of range");
  ct_scope_end();
}

static void test_searchsorted(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *b = V(CT_FLOAT32, 1, 2, 2, 3), *v = V(CT_FLOAT32, 2, NAN, 0, 5);
  expect_exact(ct_searchsorted(b, v), 1, 4, 0, 4);
  expect_exact(ct_searchsorted(b, v, .right = true), 3, 4, 0, 4);
  ct_tensor *i32 = ct_searchsorted(b, v, .out_int32 = true);
  assert_int_equal(ct_dtype_of(i32), CT_INT32);
  expect_exact(ct_searchsorted(V(CT_INT64, 1, 3), V(CT_FLOAT32, 2.5)), 1); /* compared as float */
  expect_exact(ct_searchsorted(V(CT_FLOAT32, 3, 1, 2), V(CT_FLOAT32, 2), .sorter = V(CT_INT64, 1, 2, 0)), 1);
  ct_tensor *bb = ct_reshape(V(CT_FLOAT64, 0, 1, 2, 0, 10, 20), 2, (int64_t[]){2, 3});
  ct_tensor *vv = ct_reshape(V(CT_FLOAT64, 1.5, 15), 2, (int64_t[]){2, 1});
  expect_exact(ct_searchsorted(bb, vv), 2, 2);
  expect_exact(ct_bucketize(V(CT_FLOAT32, 2, 5), V(CT_FLOAT32, 1, 3), false, false), 1, 2);
  expect_error(ct_searchsorted(ct_reshape(b, 2, (int64_t[]){1, 4}), V(CT_FLOAT32, 1, 2)),
               "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
               "boundaries tensor and input value tensor must match, but we got boundaries tensor [1, 4] and "
               "input value tensor [2]");
  expect_error(ct_searchsorted(b, v, .sorter = V(CT_INT64, 1, 2)),
               "torch.searchsorted(): boundary and sorter must have the same size, but got boundary tensor "
               "[4]and got sorter tensor [2]");
  expect_error(ct_searchsorted(b, v, .sorter = V(CT_FLOAT32, 1, 2, 0, 3)),
               "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype Float");
  expect_error(ct_bucketize(v, bb, false, false), "boundaries tensor must be 1 dimension, but got dim(2)");
  ct_scope_end();
}

static void test_counts(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = V(CT_INT64, 1, 3, 1);
  expect_exact(ct_bincount(x, NULL, 0), 0, 2, 0, 1);
  ct_tensor *w = ct_bincount(x, V(CT_FLOAT32, 0.5, 1, 2), 6);
  assert_int_equal(ct_dtype_of(w), CT_FLOAT32);
  expect_exact(w, 0, 2.5, 0, 1, 0, 0);
  assert_int_equal(ct_dtype_of(ct_bincount(x, x, 0)), CT_FLOAT64);
  assert_int_equal(ct_numel(ct_bincount(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), NULL, 0)), 0);
  expect_error(ct_bincount(V(CT_INT64, 1, -3), NULL, 0), "bincount only supports 1-d non-negative integral inputs.");
  expect_error(ct_bincount(ct_reshape(x, 2, (int64_t[]){3, 1}), NULL, 0),
               "bincount only supports 1-d non-negative integral inputs.");
  expect_error(ct_bincount(V(CT_FLOAT32, 1), NULL, 0), "\"bincount_cpu\" not implemented for 'Float'");
  expect_error(ct_bincount(x, NULL, -1), "minlength should be >= 0");
  expect_error(ct_bincount(x, V(CT_FLOAT32, 1), 0), "weights should be 1-d and have the same length as input");
  /* torch.histc(torch.tensor([1., 2, 3, 3]), bins=4) */
  expect_exact(ct_histc(V(CT_FLOAT32, 1, 2, 3, 3), 4, 0, 0), 1, 0, 1, 2);
  expect_exact(ct_histc(V(CT_FLOAT64, -1, 0.5, 2, 9), 2, 0, 2), 1, 1);
  expect_exact(ct_histc(V(CT_FLOAT64, 4, 4), 2, 0, 0), 0, 2); /* range 3 .. 5 */
  expect_error(ct_histc(V(CT_INT64, 1, 2), 3, 0, 0), "\"histogram_cpu\" not implemented for 'Long'");
  expect_error(ct_histc(V(CT_FLOAT32, 1, 2), 0, 0, 0), "torch.histogram(): bins must be > 0, but got 0 for dimension 0");
  expect_error(ct_histc(V(CT_FLOAT32, 1, 2), 3, 3, 1), "torch.histc: max must be larger than min");
  expect_error(ct_histc(V(CT_FLOAT32, 1, INFINITY), 3, 0, 0), "torch.histc: range of [1, inf] is not finite");
  expect_error(ct_histc(V(CT_FLOAT32, 1, NAN), 3, 0, 0), "torch.histc: range of [-nan, -nan] is not finite");
  ct_scope_end();
}

static ct_tensor *g_tad(const ct_tensor *t) {
  ct_tensor *i = ct_reshape(V(CT_INT64, 0, 2, 1, 1), 2, (int64_t[]){1, 4});
  return ct_take_along_dim(t, i, 0); /* indices broadcast over nothing; t (3, 4) */
}

static void test_take_along_dim(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_reshape(V(CT_FLOAT64, 1, 2, 3, 4, 5, 6), 2, (int64_t[]){2, 3});
  /* torch.take_along_dim(x, torch.tensor([[2], [0]]), 1) */
  expect_exact(ct_take_along_dim(x, ct_reshape(V(CT_INT64, 2, 0), 2, (int64_t[]){2, 1}), 1), 3, 4);
  /* broadcast: indices (1, 2) against x (2, 3) along dim 1 */
  expect_exact(ct_take_along_dim(x, ct_reshape(V(CT_INT64, 1, 0), 2, (int64_t[]){1, 2}), -1), 2, 1, 5, 4);
  expect_exact(ct_take_along_dim(x, V(CT_INT64, 5, 0), CT_NONE), 6, 1);
  expect_error(ct_take_along_dim(x, V(CT_INT32, 0), 1), "torch.take_along_dim(): dtype of indices should be Long but got Int");
  expect_error(ct_take_along_dim(x, V(CT_INT64, 0), 1),
               "torch.take_along_dim(): input and indices should have the same number of dimensions, but got 2 "
               "dimensions for input, and 1 dimensions for indices");
  ct_tensor *g = ct_requires_grad_(ct_randn(CT_SHAPE(3, 4), .dtype = CT_FLOAT64), true);
  assert_string_equal(ct_grad_fn_name(g_tad(g)), "GatherBackward0");
  check_grads(run_unary, &g, 1, &(op_ref){.u = g_tad}, "take_along_dim");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unique),
      cmocka_unit_test(test_searchsorted),
      cmocka_unit_test(test_counts),
      cmocka_unit_test(test_take_along_dim),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
