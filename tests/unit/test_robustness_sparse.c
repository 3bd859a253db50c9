/* Robustness sweep of the sparse COO functions (ctorch/sparse.h): NULL, dense arguments,
 * wrong ranks, empty tensors, non-contiguous parts, hostile sizes and indices. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>
#include "ctorch.h"
#include "ct_test.h"

static void test_sweep(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *d = ct_ones(CT_SHAPE(3, 2));
  /* NULL */
  assert_null(ct_sparse_coo_tensor(NULL, NULL, 0, NULL));
  assert_false(ct_is_sparse(NULL));
  assert_false(ct_is_coalesced(NULL));
  assert_int_equal(ct_sparse_nnz(NULL), -1);
  assert_int_equal(ct_sparse_dim(NULL), -1);
  assert_int_equal(ct_dense_dim(NULL), -1);
  assert_null(ct_sparse_indices_raw(NULL));
  assert_null(ct_sparse_values_raw(NULL));
  assert_null(ct_sparse_indices(NULL));
  assert_null(ct_sparse_values(NULL));
  assert_null(ct_coalesce(NULL));
  assert_null(ct_to_dense(NULL));
  assert_null(ct_to_sparse(NULL));
  assert_null(ct_sparse_mask(NULL, d));
  /* dense arguments where a sparse one is needed */
  expect_fail(ct_sparse_nnz(d) < 0, "expected sparse coordinate tensor layout");
  expect_error(ct_sparse_indices_raw(d), "expected sparse coordinate tensor layout");
  expect_error(ct_sparse_values(d), "expected sparse coordinate tensor layout");
  expect_error(ct_sparse_mask(d, d), "expected sparse coordinate tensor layout");
  assert_ptr_equal(ct_to_dense(d), d);
  /* wrong ranks, hostile sizes and indices */
  ct_tensor *i0 = ct_zeros(CT_SHAPE(1, 2), .dtype = CT_INT64);
  expect_error(ct_sparse_coo_tensor(ct_zeros(CT_SHAPE(2), .dtype = CT_INT64), ct_ones(CT_SHAPE(2)), CT_SHAPE(3)),
               "indices must be sparse_dim x nnz");
  expect_error(ct_sparse_coo_tensor(i0, ct_scalar_tensor(1, CT_FLOAT32), CT_SHAPE(3)), "indices and values must have same nnz");
  expect_error(ct_sparse_coo_tensor(i0, ct_ones(CT_SHAPE(2)), CT_SHAPE(-3)), "size is inconsistent with indices");
  expect_error(ct_sparse_coo_tensor(i0, ct_ones(CT_SHAPE(2, 2)), CT_SHAPE(INT64_MAX, INT64_MAX)), "");
  expect_error(ct_sparse_coo_tensor(i0, ct_ones(CT_SHAPE(2)), -1, (const int64_t[]){3}), "invalid size length");
  expect_error(ct_sparse_coo_tensor(ct_to_sparse(ct_ones(CT_SHAPE(1, 2))), ct_ones(CT_SHAPE(2)), CT_SHAPE(3)),
               "expected indices and values to be dense tensors");
  /* empty: nnz 0, and a size with a 0 */
  ct_tensor *e = ct_sparse_coo_tensor(ct_zeros(CT_SHAPE(1, 0), .dtype = CT_INT64), ct_ones(CT_SHAPE(0, 2)), CT_SHAPE(4, 2));
  assert_true(ct_is_coalesced(e));
  expect_exact(ct_to_dense(e), 0, 0, 0, 0, 0, 0, 0, 0);
  assert_int_equal(ct_sparse_nnz(ct_coalesce(ct_add(e, e))), 0);
  assert_int_equal(ct_sparse_nnz(ct_to_sparse(ct_zeros(CT_SHAPE(0, 3)))), 0);
  /* non-contiguous indices and values are copied */
  ct_tensor *it = ct_transpose(ct_to(ct_tensor_from((const double[]){0, 2, 1, 0}, CT_FLOAT64, CT_SHAPE(2, 2)), CT_INT64), 0, 1);
  ct_tensor *vt = ct_transpose(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), 0, 0);
  ct_tensor *s = ct_sparse_coo_tensor(it, ct_narrow(ct_reshape(vt, CT_SHAPE(3, 2)), 0, 0, 2), CT_SHAPE(3, 3, 2));
  assert_non_null(s);
  expect_exact(ct_sparse_indices_raw(s), 0, 1, 2, 0);
  expect_exact(ct_sparse_values_raw(s), 0, 1, 2, 3);
  expect_exact(ct_select(ct_select(ct_to_dense(s), 0, 1), 0, 0), 2, 3);
  /* a sparse operand reaching ops that do not know the layout */
  expect_error(ct_exp(s), "'SparseCPU' backend");
  expect_error(ct_add(ct_ones(CT_SHAPE(3, 2, 2)), ct_ones(CT_SHAPE(1))) ? ct_add(s, ct_ones(CT_SHAPE(3, 3, 2))) : NULL,
               "add(sparse, dense) is not supported");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_sweep)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
