/* index_add, index_copy, index_fill (src/ops/index_add.c): values, repeated indices, 0-dim
 * self, in-place forms, PyTorch 1.13's messages, grad_fn names, float64 gradcheck and
 * gradgradcheck. Expected values are what torch 1.13 prints for the same calls. */
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
#define M(r, c, dt, ...) ct_reshape(V(dt, __VA_ARGS__), 2, (int64_t[]){r, c})

static ct_tensor *g_add(const ct_tensor *x, const ct_tensor *s) {
  return ct_index_add(x, 0, V(CT_INT64, 2, 0, 2), s, -1.5); /* x (3, 2), s (3, 2) */
}
static ct_tensor *g_copy(const ct_tensor *x, const ct_tensor *s) {
  return ct_index_copy(x, 1, V(CT_INT64, 2, 0), s); /* x (2, 3), s (2, 2) */
}
static ct_tensor *g_fill(const ct_tensor *x) { return ct_index_fill(x, 1, V(CT_INT64, -1, 0, -1), 2); }
static ct_tensor *g_fill_t(const ct_tensor *x, const ct_tensor *v) {
  return ct_index_fill_tensor(x, 0, V(CT_INT64, 1, 1), v); /* x (2, 3), v 0-dim */
}

static void test_index_add(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(4, 3)), *src = M(3, 3, CT_FLOAT32, 1, 2, 3, 4, 5, 6, 7, 8, 9);
  /* torch.zeros(4, 3).index_add(0, torch.tensor([0, 3, 0]), src, alpha=2): repeated rows sum */
  expect_exact(ct_index_add(x, 0, V(CT_INT64, 0, 3, 0), src, 2), 16, 20, 24, 0, 0, 0, 0, 0, 0, 8, 10, 12);
  expect_exact(ct_index_add(ct_zeros(CT_SHAPE(3, 3)), 1, V(CT_INT32, 2, 2, 1), src, 1), 0, 3, 3, 0, 6, 9, 0, 9, 15);
  /* torch.zeros(()).index_add(0, torch.tensor([0, 0]), torch.ones(2)) -> tensor(2.) */
  ct_tensor *z = ct_index_add(ct_scalar_tensor(0, CT_FLOAT32), 0, V(CT_INT64, 0, 0), ct_ones(CT_SHAPE(2)), 1);
  assert_int_equal(ct_dim(z), 0);
  expect_exact(z, 2);
  expect_exact(ct_index_add(V(CT_INT64, 1, 2), 0, V(CT_INT64, 1), V(CT_INT64, 5), 1), 1, 7);
  /* an integer source takes alpha truncated: alpha=2.5 adds 3 * 2 */
  expect_exact(ct_index_add(V(CT_INT64, 0, 0), 0, V(CT_INT64, 0), V(CT_INT64, 3), 2.5), 6, 0);
  ct_tensor *y = ct_zeros(CT_SHAPE(4, 3));
  assert_ptr_equal(ct_index_add_(y, 0, V(CT_INT64, 0, 3, 0), src, 1), y);
  expect_exact(y, 8, 10, 12, 0, 0, 0, 0, 0, 0, 4, 5, 6);
  expect_error(ct_index_add(x, 0, M(1, 2, CT_INT64, 0, 1), src, 1),
               "index_add_(): Index is supposed to be a vector, but got dim: 2 with type: Long and size: [1, 2]");
  expect_error(ct_index_add(x, 0, V(CT_FLOAT32, 0, 1, 2), src, 1),
               "index_add_(): Expected dtype int32/int64 for index but got: Float");
  expect_error(ct_index_add(x, 0, V(CT_INT64, 0, 1, 2), ct_to(src, CT_FLOAT64), 1),
               "index_add_(): self (Float) and source (Double) must have the same scalar type");
  expect_error(ct_index_add(x, 0, V(CT_INT64, 0, 1), src, 1),
               "index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 0");
  expect_error(ct_index_add(x, 0, V(CT_INT64, 0, 1), ct_ones(CT_SHAPE(2, 4)), 1),
               "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
  expect_error(ct_index_add(x, 0, V(CT_INT64, 0, 5), ct_ones(CT_SHAPE(2, 3)), 1), "index out of range in self");
  expect_error(ct_index_add(x, 0, V(CT_INT64, 0, -1), ct_ones(CT_SHAPE(2, 3)), 1), "index out of range in self");
  expect_error(ct_index_add(x, 2, V(CT_INT64, 0), src, 1), "Dimension out of range");
  ct_tensor *in[2] = {ct_requires_grad_(ct_randn(CT_SHAPE(3, 2), .dtype = CT_FLOAT64), true),
                      ct_requires_grad_(ct_randn(CT_SHAPE(3, 2), .dtype = CT_FLOAT64), true)};
  assert_string_equal(ct_grad_fn_name(g_add(in[0], in[1])), "IndexAddBackward0");
  check_grads(run_binary, in, 2, &(op_ref){.b = g_add}, "index_add");
  ct_scope_end();
}

static void test_index_copy(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(4, 3)), *src = M(2, 3, CT_FLOAT32, 1, 2, 3, 4, 5, 6);
  /* torch.zeros(4, 3).index_copy(0, torch.tensor([3, 1]), src) */
  expect_exact(ct_index_copy(x, 0, V(CT_INT64, 3, 1), src), 0, 0, 0, 4, 5, 6, 0, 0, 0, 1, 2, 3);
  /* repeated index on CPU: the last write wins */
  expect_exact(ct_index_copy(x, 0, V(CT_INT64, 2, 2), src), 0, 0, 0, 0, 0, 0, 4, 5, 6, 0, 0, 0);
  ct_tensor *z = ct_index_copy(ct_scalar_tensor(0, CT_FLOAT32), 0, V(CT_INT64, 0), ct_ones(CT_SHAPE(1)));
  assert_int_equal(ct_dim(z), 0);
  expect_exact(z, 1);
  ct_tensor *y = ct_zeros(CT_SHAPE(4, 3));
  assert_ptr_equal(ct_index_copy_(y, 0, V(CT_INT64, 0, 2), src), y);
  expect_exact(y, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0, 0);
  expect_error(ct_index_copy(x, 0, M(1, 2, CT_INT64, 0, 1), src), "index_copy_(): Index should have dimension 1 or 0 (got 2)");
  expect_error(ct_index_copy(x, 0, V(CT_FLOAT32, 0, 1), src), "index_copy_(): Expected a long tensor for index, but got Float");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, 1), ct_to(src, CT_FLOAT64)),
               "index_copy_(): self and source expected to have the same dtype, but got (self) Float and (source) Double");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, 1, 2), src),
               "index_copy_(): Number of indices (3) should be equal to source.size(dim) (2)");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, 1), ct_ones(CT_SHAPE(2, 4))),
               "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: 3 at "
               "dimension 0 and source slice shape: 4 at dimension 0.");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, 1), ct_ones(CT_SHAPE(2, 3, 1))),
               "index_copy_(): When source and destination are not scalars, their dimensionality must match. Source "
               "dimensionality (3), destination dimensionality (2)");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, 5), src), "index_copy_(): index 5 is out of bounds for dimension 0 with size 4");
  expect_error(ct_index_copy(x, 0, V(CT_INT64, 0, -1), src), "index_copy_(): index -1 is out of bounds for dimension 0 with size 4");
  ct_tensor *in[2] = {ct_requires_grad_(ct_randn(CT_SHAPE(2, 3), .dtype = CT_FLOAT64), true),
                      ct_requires_grad_(ct_randn(CT_SHAPE(2, 2), .dtype = CT_FLOAT64), true)};
  assert_string_equal(ct_grad_fn_name(g_copy(in[0], in[1])), "IndexCopyBackward0");
  check_grads(run_binary, in, 2, &(op_ref){.b = g_copy}, "index_copy");
  ct_scope_end();
}

static void test_index_fill(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(4, 3));
  /* torch.zeros(4, 3).index_fill(0, torch.tensor([0, -1]), 1.): negatives wrap */
  expect_exact(ct_index_fill(x, 0, V(CT_INT64, 0, -1), 1), 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1);
  expect_exact(ct_index_fill_tensor(x, 1, V(CT_INT64, 1), ct_scalar_tensor(2, CT_FLOAT64)), 0, 2, 0, 0, 2, 0, 0, 2,
               0, 0, 2, 0);
  expect_exact(ct_index_fill(ct_scalar_tensor(0, CT_FLOAT32), 0, V(CT_INT64, 0, -1), 3), 3);
  ct_tensor *y = ct_zeros(CT_SHAPE(2, 2), .dtype = CT_INT64);
  assert_ptr_equal(ct_index_fill_(y, 1, V(CT_INT64, 1), 7), y);
  expect_exact(y, 0, 7, 0, 7);
  assert_ptr_equal(ct_index_fill_tensor_(y, 0, V(CT_INT64, 0), ct_scalar_tensor(5, CT_INT64)), y);
  expect_exact(y, 5, 5, 0, 7);
  expect_error(ct_index_fill(x, 0, M(1, 2, CT_INT64, 0, 1), 1), "Index has to be a vector/scalar");
  expect_error(ct_index_fill(x, 0, V(CT_INT32, 0), 1), "index_fill_(): Expected dtype int64 for index.");
  expect_error(ct_index_fill(x, 0, V(CT_INT64, 0, 5), 1), "index 5 is out of bounds for dimension 0 with size 4");
  expect_error(ct_index_fill(x, 0, V(CT_INT64, -5), 1), "index -5 is out of bounds for dimension 0 with size 4");
  expect_error(ct_index_fill_tensor(x, 0, V(CT_INT64, 0), ct_ones(CT_SHAPE(2))),
               "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).");
  expect_error(ct_index_fill(x, 2, V(CT_INT64, 0), 1), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  ct_tensor *g = ct_requires_grad_(ct_randn(CT_SHAPE(2, 3), .dtype = CT_FLOAT64), true);
  assert_string_equal(ct_grad_fn_name(g_fill(g)), "IndexFillBackward0");
  check_grads(run_unary, &g, 1, &(op_ref){.u = g_fill}, "index_fill");
  ct_tensor *in[2] = {g, ct_requires_grad_(ct_scalar_tensor(0.5, CT_FLOAT64), true)};
  assert_string_equal(ct_grad_fn_name(g_fill_t(in[0], in[1])), "IndexFillBackward1");
  check_grads(run_binary, in, 2, &(op_ref){.b = g_fill_t}, "index_fill(tensor)");
  /* in place on a non-leaf keeps the graph: d/dx sum(x.clone().index_fill_(1, [0], 0)) */
  ct_tensor *c = ct_mul_scalar(g, 1);
  ct_index_fill_(c, 1, V(CT_INT64, 0), 0);
  assert_string_equal(ct_grad_fn_name(c), "IndexFillBackward0");
  assert_int_equal(ct_backward(ct_sum(c)), 0);
  expect_exact(ct_grad(g), 0, 1, 1, 0, 1, 1);
  ct_scope_end();
}

/* x (2, 4) with an index (2, 3) that repeats along dim 1; src (2, 3) */
static ct_scatter_reduce_op g_op;
static bool g_self;
static ct_tensor *g_sr(const ct_tensor *x, const ct_tensor *s) {
  return ct_scatter_reduce(x, 1, M(2, 3, CT_INT64, 0, 1, 0, 3, 3, 2), s, g_op, g_self);
}

static void test_scatter_reduce(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = V(CT_FLOAT32, 1, 2, 3, 4), *i = V(CT_INT64, 0, 1, 0, 1, 3), *src = V(CT_FLOAT32, 5, -1, 2, 0.5, 7);
  /* torch.tensor([1., 2, 3, 4]).scatter_reduce(0, i, src, reduce, include_self=...) */
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_SUM, true), 8, 1.5, 3, 11);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_SUM, false), 7, -0.5, 3, 7);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_PROD, true), 10, -1, 3, 28);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_PROD, false), 10, -0.5, 3, 7);
  expect_vals(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_MEAN, true), ((double[]){8.0 / 3, 0.5, 3, 5.5}), 4, 1e-6, 0);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_MEAN, false), 3.5, -0.25, 3, 7);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_AMAX, true), 5, 2, 3, 7);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_AMAX, false), 5, 0.5, 3, 7);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_AMIN, true), 1, -1, 3, 4);
  expect_exact(ct_scatter_reduce(x, 0, i, src, CT_SCATTER_AMIN, false), 2, -1, 3, 7);
  /* integer mean divides with floor: [1, 2, 3] <- [2, 5] at 0 gives 8 / 3 -> 2 */
  expect_exact(ct_scatter_reduce(V(CT_INT64, 1, 2, 3), 0, V(CT_INT64, 0, 0), V(CT_INT64, 2, 5), CT_SCATTER_MEAN, true), 2, 2, 3);
  expect_exact(ct_scatter_reduce(V(CT_FLOAT32, 1, 2), 0, V(CT_INT64, 0, 0), V(CT_FLOAT32, 2, NAN), CT_SCATTER_AMAX, true), NAN, 2);
  ct_tensor *y = V(CT_FLOAT32, 1, 2, 3, 4);
  assert_ptr_equal(ct_scatter_reduce_(y, 0, i, src, CT_SCATTER_AMAX, false), y);
  expect_exact(y, 5, 0.5, 3, 7);
  expect_error(ct_scatter_reduce(x, 0, i, src, (ct_scatter_reduce_op)9, true),
               "reduce argument must be either sum, prod, mean, amax or amin.");
  expect_error(ct_scatter_reduce(x, 0, i, ct_to(src, CT_FLOAT64), CT_SCATTER_SUM, true),
               "scatter(): Expected self.dtype to be equal to src.dtype");
  expect_error(ct_scatter_reduce(x, 0, V(CT_INT64, 0, 5), src, CT_SCATTER_SUM, true),
               "index 5 is out of bounds for dimension 0 with size 4");
  const ct_scatter_reduce_op ops[] = {CT_SCATTER_SUM, CT_SCATTER_PROD, CT_SCATTER_MEAN, CT_SCATTER_AMAX, CT_SCATTER_AMIN};
  for (int k = 0; k < 5; k++)
    for (int inc = 0; inc < 2; inc++) {
      g_op = ops[k];
      g_self = inc;
      /* distinct values (no ties) for amax / amin, away from 0 for prod */
      ct_tensor *in[2] = {ct_requires_grad_(M(2, 4, CT_FLOAT64, 0.5, -1.25, 2, 0.75, -0.6, 1.5, -2.2, 1.1), true),
                          ct_requires_grad_(M(2, 3, CT_FLOAT64, 1.3, -0.7, 0.9, 1.7, -1.9, 0.3), true)};
      assert_string_equal(ct_grad_fn_name(g_sr(in[0], in[1])), "ScatterReduceBackward0");
      check_grads(run_binary, in, 2, &(op_ref){.b = g_sr}, "scatter_reduce");
    }
  /* prod with one zero in a group: the zero's gradient is the product of the others */
  g_op = CT_SCATTER_PROD;
  g_self = true;
  ct_tensor *in[2] = {ct_requires_grad_(M(2, 4, CT_FLOAT64, 0.5, -1.25, 2, 0.75, -0.6, 1.5, -2.2, 1.1), true),
                      ct_requires_grad_(M(2, 3, CT_FLOAT64, 1.3, -0.7, 0, 1.7, -1.9, 0.3), true)};
  check_grads(run_binary, in, 2, &(op_ref){.b = g_sr}, "scatter_reduce prod, a zero");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_index_add),
      cmocka_unit_test(test_index_copy),
      cmocka_unit_test(test_index_fill),
      cmocka_unit_test(test_scatter_reduce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
