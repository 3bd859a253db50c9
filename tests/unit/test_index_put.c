/* Advanced indexing (src/ops/index_put.c) and torch.histogram (src/ops/histogram.c):
 * t[idx], t[mask], index_put(_) with and without accumulate, t[idx] = v, t[idx] += v,
 * put(_), masked_scatter(_); values and PyTorch 1.13's messages, grad_fn names, float64
 * gradcheck and gradgradcheck. Expected values are what torch 1.13 prints for the same
 * calls (quoted beside them). */
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
#define L(...) V(CT_INT64, __VA_ARGS__)
#define BM(...) V(CT_BOOL, __VA_ARGS__)
static ct_tensor *ar(int nd, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= shape[i];
  return ct_reshape(ct_arange(0, (double)n, 1, .dtype = CT_FLOAT32), nd, shape);
}
#define AR(...) ar(CT_SHAPE(__VA_ARGS__))

static void expect_shape(const ct_tensor *t, int nd, const int64_t *shape) {
  assert_non_null(t);
  assert_int_equal(ct_dim(t), nd);
  for (int i = 0; i < nd; i++) assert_int_equal(ct_size(t, i), shape[i]);
}

static void test_index(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = AR(3, 4);
  /* x[torch.tensor([2, 0, 2])] */
  expect_exact(ct_index(x, CT_TENSORS(L(2, 0, 2))), 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
  /* x[x > 6] */
  expect_exact(ct_index(x, CT_TENSORS(ct_gt_scalar(x, 6))), 7, 8, 9, 10, 11);
  /* x[torch.tensor([1, 0, 1], dtype=torch.uint8)]: a byte mask (deprecated in PyTorch) */
  expect_exact(ct_index(x, CT_TENSORS(V(CT_UINT8, 1, 0, 1))), 0, 1, 2, 3, 8, 9, 10, 11);
  /* x[:, torch.tensor([3, -4])] */
  expect_exact(ct_index(x, CT_TENSORS(NULL, L(3, -4))), 3, 0, 7, 4, 11, 8);
  /* z[torch.tensor([1, 0]), :, torch.tensor([3, 1])]: apart, the index dims go first */
  ct_tensor *z = AR(2, 3, 4), *r = ct_index(z, CT_TENSORS(L(1, 0), NULL, L(3, 1)));
  expect_shape(r, CT_SHAPE(2, 3));
  expect_exact(r, 15, 19, 23, 1, 5, 9);
  /* z[:, torch.tensor([[2], [0]]), torch.tensor([1, 3])]: adjacent, broadcast (2, 2) in place */
  r = ct_index(z, CT_TENSORS(NULL, ct_reshape(L(2, 0), 2, (int64_t[]){2, 1}), L(1, 3)));
  expect_shape(r, CT_SHAPE(2, 2, 2));
  expect_exact(r, 9, 11, 1, 3, 21, 23, 13, 15);
  expect_exact(ct_index(ct_to(x, CT_INT64), CT_TENSORS(L(1), L(2))), 6);
  ct_tensor *y = ct_zeros(CT_SHAPE(3, 4));
  expect_error(ct_index(y, CT_TENSORS(L(5))), "index 5 is out of bounds for dimension 0 with size 3");
  expect_error(ct_index(y, CT_TENSORS(NULL, L(-5))), "index -5 is out of bounds for dimension 0 with size 4");
  expect_error(ct_index(y, CT_TENSORS(L(0), L(7))), "index 7 is out of bounds for dimension 1 with size 4");
  expect_error(ct_index(y, CT_TENSORS(L(0), L(0), L(0))), "too many indices for tensor of dimension 2 (got 3)");
  expect_error(ct_index(y, CT_TENSORS(V(CT_FLOAT32, 0))), "tensors used as indices must be long, byte or bool tensors");
  expect_error(ct_index(y, CT_TENSORS(V(CT_INT32, 0))), "tensors used as indices must be long, byte or bool tensors");
  expect_error(ct_index(y, CT_TENSORS(L(0, 1), L(0, 1, 2))),
               "shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]");
  expect_error(ct_index(y, CT_TENSORS(BM(1, 0))),
               "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0");
  expect_error(ct_index(y, CT_TENSORS(ct_ones(CT_SHAPE(3, 2), .dtype = CT_BOOL))),
               "The shape of the mask [3, 2] at index 1 does not match the shape of the indexed tensor [3, 4] at index 1");
  expect_error(ct_index(ct_zeros(CT_SHAPE(0, 3)), CT_TENSORS(L(0))), "index is out of bounds for dimension with size 0");
  expect_error(ct_index(ct_scalar_tensor(1, CT_FLOAT32), CT_TENSORS(L(0))),
               "too many indices for tensor of dimension 0 (got 1)");
  expect_error(ct_index(y, CT_TENSORS(NULL)), "index(): at least one index must be a tensor");
  /* an empty index or an empty dim without positions is fine: torch.zeros(0, 3)[:, [5]] */
  expect_shape(ct_index(ct_zeros(CT_SHAPE(0, 3)), CT_TENSORS(NULL, L(5))), CT_SHAPE(0, 1));
  ct_tensor *g = ct_requires_grad_(ct_randn(CT_SHAPE(3, 4), .dtype = CT_FLOAT64), true);
  assert_string_equal(ct_grad_fn_name(ct_index(g, CT_TENSORS(L(0)))), "IndexBackward0");
  assert_string_equal(ct_grad_fn_name(ct_index(g, CT_TENSORS(ct_gt_scalar(g, 0)))), "IndexBackward0");
  ct_scope_end();
}

/* gradcheck bodies: each one input pair (x, v) or x alone */
static ct_tensor *g_index(const ct_tensor *x) { return ct_index(x, CT_TENSORS(NULL, L(2, 0, 2), L(1))); }
static ct_tensor *g_mask(const ct_tensor *x) { return ct_index(x, CT_TENSORS(BM(1, 0, 1))); }
static ct_tensor *g_put_last(const ct_tensor *x, const ct_tensor *v) {
  /* x (3, 2), v (2,) broadcast; no repeated row: with one, the overwritten values' gradient
   * is PyTorch's g[indices] (nonzero) where the numerical one is 0 */
  return ct_index_put(x, CT_TENSORS(L(2, 0)), v, false);
}
static ct_tensor *g_put_acc(const ct_tensor *x, const ct_tensor *v) {
  return ct_index_put(x, CT_TENSORS(NULL, L(1, 1, 0)), v, true); /* x (3, 2), v (3, 1) */
}
static ct_tensor *g_flat_put(const ct_tensor *x, const ct_tensor *v) {
  return ct_put(x, L(0, 3, -1), v, false); /* x (3, 2), v (3,): distinct positions */
}
static ct_tensor *g_flat_put_acc(const ct_tensor *x, const ct_tensor *v) {
  return ct_put(x, L(4, 4, 1), v, true);
}
static ct_tensor *g_mscatter(const ct_tensor *x, const ct_tensor *v) {
  return ct_masked_scatter(x, BM(1, 0), v); /* x (3, 1), mask (2,) -> (3, 2); v (2, 3) */
}

/* the in-place forms on a copy of x (and on a view of it): t[idx] += v, t[mask] = v,
 * t[idx] = 2.5 (x (3, 2), v (2,)) */
static ct_tensor *g_iadd(const ct_tensor *x, const ct_tensor *v) {
  ct_tensor *c = ct_mul_scalar(x, 1);
  ct_index_iadd_(c, CT_TENSORS(L(0, 2)), v); /* distinct rows: see g_put_last */
  ct_index_put_scalar_(ct_select(c, 0, 1), CT_TENSORS(L(1)), 2.5); /* CopySlices */
  return c;
}
static ct_tensor *g_mask_assign(const ct_tensor *x, const ct_tensor *v) {
  ct_tensor *c = ct_mul_scalar(x, 1);
  ct_index_put_(c, CT_TENSORS(BM(1, 0, 1)), v, false);
  return c;
}

static void test_index_grads(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_randn(CT_SHAPE(2, 3, 2), .dtype = CT_FLOAT64), true);
  check_grads(run_unary, &x, 1, &(op_ref){.u = g_index}, "index");
  ct_tensor *x3 = ct_requires_grad_(ct_randn(CT_SHAPE(3, 2), .dtype = CT_FLOAT64), true);
  check_grads(run_unary, &x3, 1, &(op_ref){.u = g_mask}, "index mask");
  ct_tensor *in[2] = {x3, ct_requires_grad_(ct_randn(CT_SHAPE(2), .dtype = CT_FLOAT64), true)};
  check_grads(run_binary, in, 2, &(op_ref){.b = g_put_last}, "index_put");
  in[1] = ct_requires_grad_(ct_randn(CT_SHAPE(3, 1), .dtype = CT_FLOAT64), true);
  check_grads(run_binary, in, 2, &(op_ref){.b = g_put_acc}, "index_put accumulate");
  in[1] = ct_requires_grad_(ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64), true);
  check_grads(run_binary, in, 2, &(op_ref){.b = g_flat_put}, "put");
  check_grads(run_binary, in, 2, &(op_ref){.b = g_flat_put_acc}, "put accumulate");
  ct_tensor *ms[2] = {ct_requires_grad_(ct_randn(CT_SHAPE(3, 1), .dtype = CT_FLOAT64), true),
                      ct_requires_grad_(ct_randn(CT_SHAPE(2, 3), .dtype = CT_FLOAT64), true)};
  check_grads(run_binary, ms, 2, &(op_ref){.b = g_mscatter}, "masked_scatter");
  ct_tensor *as[2] = {x3, ct_requires_grad_(ct_randn(CT_SHAPE(2), .dtype = CT_FLOAT64), true)};
  check_grads(run_binary, as, 2, &(op_ref){.b = g_iadd}, "t[idx] += v");
  check_grads(run_binary, as, 2, &(op_ref){.b = g_mask_assign}, "t[mask] = v");
  assert_string_equal(ct_grad_fn_name(g_iadd(as[0], as[1])), "CopySlices");
  assert_string_equal(ct_grad_fn_name(g_mask_assign(as[0], as[1])), "IndexPutBackward0");
  assert_string_equal(ct_grad_fn_name(g_put_last(in[0], ct_randn(CT_SHAPE(2), .dtype = CT_FLOAT64))), "IndexPutBackward0");
  assert_string_equal(ct_grad_fn_name(g_flat_put(in[0], in[1])), "PutBackward0");
  assert_string_equal(ct_grad_fn_name(g_mscatter(ms[0], ms[1])), "MaskedScatterBackward0");
  ct_scope_end();
}

static void test_index_put(void **s) {
  (void)s;
  ct_scope_begin();
  /* y = torch.zeros(3, 4); y.index_put_((torch.tensor([0, 2, 0]),), torch.tensor([1., 2, 3, 4]), accumulate=True) */
  ct_tensor *y = ct_zeros(CT_SHAPE(3, 4));
  assert_ptr_equal(ct_index_put_(y, CT_TENSORS(L(0, 2, 0)), V(CT_FLOAT32, 1, 2, 3, 4), true), y);
  expect_exact(y, 2, 4, 6, 8, 0, 0, 0, 0, 1, 2, 3, 4);
  /* repeated positions without accumulate: the last write wins */
  expect_exact(ct_index_put(ct_zeros(CT_SHAPE(3, 4)), CT_TENSORS(L(0, 2, 0), L(1, 1, 1)), V(CT_FLOAT32, 5, 6, 7), false),
               0, 7, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0);
  /* y[y > 8] = -1 */
  y = AR(3, 4);
  assert_ptr_equal(ct_index_put_scalar_(y, CT_TENSORS(ct_gt_scalar(y, 8)), -1), y);
  expect_exact(y, 0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1);
  /* y[torch.tensor([1, 1])] += torch.tensor([10., 20, 30, 40]): once per position */
  y = AR(3, 4);
  assert_ptr_equal(ct_index_iadd_(y, CT_TENSORS(L(1, 1)), V(CT_FLOAT32, 10, 20, 30, 40)), y);
  expect_exact(y, 0, 1, 2, 3, 14, 25, 36, 47, 8, 9, 10, 11);
  /* y = torch.arange(5.); y[torch.tensor([1, 1, 3])] += torch.tensor([10., 20, 30]) */
  y = ct_arange(0, 5, 1, .dtype = CT_FLOAT32);
  ct_index_iadd_(y, CT_TENSORS(L(1, 1, 3)), V(CT_FLOAT32, 10, 20, 30));
  expect_exact(y, 0, 21, 2, 33, 4);
  /* an int tensor += a float tensor: PyTorch's in-place cast error */
  expect_error(ct_index_iadd_(ct_zeros(CT_SHAPE(3), .dtype = CT_INT64), CT_TENSORS(L(1)), V(CT_FLOAT32, 1)),
               "result type Float can't be cast to the desired output type Long");
  ct_tensor *z = ct_zeros(CT_SHAPE(3, 4));
  expect_error(ct_index_put(z, CT_TENSORS(L(5)), ct_scalar_tensor(1, CT_FLOAT32), false),
               "index 5 is out of bounds for dimension 0 with size 3");
  expect_error(ct_index_put(z, CT_TENSORS(L(0, -4)), ct_scalar_tensor(1, CT_FLOAT32), true),
               "index -4 is out of bounds for dimension 0 with size 3");
  expect_error(ct_index_put(z, CT_TENSORS(L(0, 1, 2)), ct_ones(CT_SHAPE(2)), false),
               "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [3, 4]");
  expect_error(ct_index_put(z, CT_TENSORS(L(0)), ct_ones(CT_SHAPE(1, 1, 4)), false),
               "shape mismatch: value tensor of shape [1, 1, 4] cannot be broadcast to indexing result of shape [1, 4]");
  expect_error(ct_index_put(z, CT_TENSORS(L(0, 1, 2)), ct_ones(CT_SHAPE(4), .dtype = CT_FLOAT64), false),
               "Index put requires the source and destination dtypes match, got Float for the destination and "
               "Double for the source.");
  expect_error(ct_index_put(z, CT_TENSORS(ct_ones(CT_SHAPE(2, 2), .dtype = CT_BOOL)), ct_ones(CT_SHAPE(1)), false),
               "The shape of the mask [2, 2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0");
  expect_error(ct_index_put(ct_zeros(CT_SHAPE(0, 3)), CT_TENSORS(L(0)), ct_scalar_tensor(1, CT_FLOAT32), false),
               "index is out of bounds for dimension with size 0");
  /* t[idx] = v on a leaf that requires grad is refused, as in PyTorch */
  ct_tensor *leaf = ct_requires_grad_(ct_zeros(CT_SHAPE(3)), true);
  expect_error(ct_index_put_(leaf, CT_TENSORS(L(0)), ct_scalar_tensor(1, CT_FLOAT32), false), "a leaf Variable");
  /* values overlapping self */
  ct_tensor *w = ct_zeros(CT_SHAPE(4));
  expect_error(ct_index_put_(w, CT_TENSORS(L(0, 1)), ct_slice(w, 0, 2, 4, 1), false), "unsupported operation");
  /* under autograd: out = x.clone(); out[idx] = v, then backward into x and v */
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64), true);
  ct_tensor *v = ct_requires_grad_(ct_full(CT_SHAPE(2), 2, .dtype = CT_FLOAT64), true);
  ct_tensor *c = ct_mul_scalar(x, 1);
  ct_index_put_(c, CT_TENSORS(L(2, 0)), v, false);
  assert_string_equal(ct_grad_fn_name(c), "IndexPutBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(c, V(CT_FLOAT64, 1, 2, 3)))), 0);
  expect_exact(ct_grad(x), 0, 2, 0);
  expect_exact(ct_grad(v), 3, 1);
  ct_scope_end();
}

static void test_put_masked_scatter(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *y = AR(3, 4);
  /* y.put(torch.tensor([0, -1, 0]), torch.tensor([7., 8, 9])) and with accumulate=True */
  expect_exact(ct_put(y, L(0, -1, 0), V(CT_FLOAT32, 7, 8, 9), false), 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 8);
  expect_exact(ct_put(y, L(0, -1, 0), V(CT_FLOAT32, 7, 8, 9), true), 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19);
  /* y.t().put(torch.tensor([1]), torch.tensor([-5.])): positions in the view's row-major order */
  expect_exact(ct_put(ct_transpose(y, 0, 1), L(1), V(CT_FLOAT32, -5), false), 0, -5, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
  ct_tensor *p = ct_zeros(CT_SHAPE(2, 2));
  assert_ptr_equal(ct_put_(p, ct_reshape(L(3, 3), 2, (int64_t[]){1, 2}), V(CT_FLOAT32, 1, 2), true), p);
  expect_exact(p, 0, 0, 0, 3);
  expect_error(ct_put(y, L(12), V(CT_FLOAT32, 1), false), "out of range: tried to access index 12 on a tensor of 12 elements.");
  expect_error(ct_put(y, L(-13), V(CT_FLOAT32, 1), false), "out of range: tried to access index -13 on a tensor of 12 elements.");
  expect_error(ct_put(y, L(1, 2), V(CT_FLOAT32, 1), false),
               "put_(): Expected source and index to have the same number of elements, but got source.numel() = 1, "
               "index.numel() = 2");
  expect_error(ct_put(y, L(1), V(CT_FLOAT64, 1), false),
               "put_(): self and source expected to have the same dtype, but got self.dtype = Float and source.dtype = Double");
  expect_error(ct_put(y, V(CT_INT32, 1), V(CT_FLOAT32, 1), false), "put_(): Expected a long tensor for index, but got Int");
  expect_error(ct_put(ct_zeros(CT_SHAPE(0)), L(0), V(CT_FLOAT32, 1), false), "put_(): Tried to put elements into an empty tensor");
  /* y.masked_scatter(torch.tensor([True, False, False, True]), -torch.arange(1., 9.)) */
  ct_tensor *src = ct_neg(ct_arange(1, 9, 1, .dtype = CT_FLOAT32));
  expect_exact(ct_masked_scatter(y, BM(1, 0, 0, 1), src), -1, 1, 2, -2, -3, 5, 6, -4, -5, 9, 10, -6);
  /* torch.zeros(3, 1).masked_scatter(torch.tensor([True, False, True]), torch.arange(1., 10.)): broadcast */
  ct_tensor *r = ct_masked_scatter(ct_zeros(CT_SHAPE(3, 1)), BM(1, 0, 1), ct_arange(1, 10, 1, .dtype = CT_FLOAT32));
  expect_shape(r, CT_SHAPE(3, 3));
  expect_exact(r, 1, 0, 2, 3, 0, 4, 5, 0, 6);
  ct_tensor *m = ct_zeros(CT_SHAPE(2, 2));
  assert_ptr_equal(ct_masked_scatter_(m, BM(0, 1), V(CT_FLOAT32, 7, 8, 9)), m);
  expect_exact(m, 0, 7, 0, 8);
  expect_error(ct_masked_scatter(y, BM(1, 0, 1, 1), ct_arange(0, 5, 1, .dtype = CT_FLOAT32)), "Number of elements of source < number of ones in mask");
  expect_error(ct_masked_scatter(y, BM(1, 0, 1, 1), ct_arange(0, 5, 1, .dtype = CT_FLOAT64)),
               "masked_scatter: expected self and source to have same dtypes but gotFloat and Double");
  expect_error(ct_masked_scatter(y, BM(1, 0, 1), src),
               "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1");
  expect_error(ct_masked_scatter_(ct_zeros(CT_SHAPE(4)), ct_ones(CT_SHAPE(3, 4), .dtype = CT_BOOL), ct_arange(0, 12, 1, .dtype = CT_FLOAT32)),
               "expand(CPUBoolType{[3, 4]}, size=[4]): the number of sizes provided (1) must be greater or equal to "
               "the number of dimensions in the tensor (2)");
  expect_error(ct_masked_scatter_(ct_zeros(CT_SHAPE(3, 4)), BM(1, 0, 1), ct_arange(0, 12, 1, .dtype = CT_FLOAT32)),
               "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1.  "
               "Target sizes: [3, 4].  Tensor sizes: [3]");
  expect_error(ct_masked_scatter(y, V(CT_FLOAT32, 1, 0, 1, 1), src),
               "masked_scatter_ only supports boolean masks, but got mask with dtype Float");
  ct_scope_end();
}

static void expect_hist(ct_histogram_result r, const double *h, const double *e, int nb) {
  assert_non_null(r.hist);
  assert_non_null(r.bin_edges);
  expect_vals(r.hist, h, nb, 1e-5, 1e-6); /* the values quoted to 6 digits */
  expect_vals(r.bin_edges, e, nb + 1, 1e-5, 1e-6);
}

static void test_histogram(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = V(CT_FLOAT32, 1, 2, 1, 4, 2.5, 0.999, 4);
  /* torch.histogram(x, 4) */
  expect_hist(ct_histogram(x, 4), (double[]){3, 1, 1, 2}, (double[]){0.999, 1.74925, 2.4995, 3.24975, 4}, 4);
  /* torch.histogram(x, 3, range=(1., 4.)): 0.999 left out, 4 in the last bin */
  expect_hist(ct_histogram(x, 3, .range = {1, 4}), (double[]){2, 2, 2}, (double[]){1, 2, 3, 4}, 3);
  /* torch.histogram(x, torch.tensor([0., 1, 2, 4])) */
  expect_hist(ct_histogram_bins(x, V(CT_FLOAT32, 0, 1, 2, 4)), (double[]){1, 2, 4}, (double[]){0, 1, 2, 4}, 3);
  /* torch.histogram(x, 3, weight=torch.ones(7) * 2, density=True) */
  expect_hist(ct_histogram(x, 3, .weight = ct_full(CT_SHAPE(7), 2), .density = true),
              (double[]){0.428428, 0.285619, 0.285619}, (double[]){0.999, 1.99933, 2.99967, 4}, 3);
  /* equal ends move 0.5 apart; empty input takes [0, 1] */
  expect_hist(ct_histogram(ct_ones(CT_SHAPE(3)), 4), (double[]){0, 0, 3, 0}, (double[]){0.5, 0.75, 1, 1.25, 1.5}, 4);
  expect_hist(ct_histogram(ct_zeros(CT_SHAPE(0)), 4), (double[]){0, 0, 0, 0}, (double[]){0, 0.25, 0.5, 0.75, 1}, 4);
  /* unsorted edges: PyTorch's binary search answer */
  expect_hist(ct_histogram_bins(x, V(CT_FLOAT32, 4, 1, 2, 4)), (double[]){0, 0, 2}, (double[]){4, 1, 2, 4}, 3);
  /* the edges round as torch.linspace's kernel: bit for bit, where a double linspace cast
   * to float is one ulp off (edges 24, 31 and 48 here) */
  ct_histogram_result le = ct_histogram(ct_zeros(CT_SHAPE(1)), 63, .range = {-2.67823863, 31.7043495});
  assert_true(ct_get(le.bin_edges, (int64_t[]){24}) == 10.419889450073242);
  assert_true(ct_get(le.bin_edges, (int64_t[]){31}) == 14.240177154541016);
  assert_true(ct_get(le.bin_edges, (int64_t[]){48}) == 23.51801872253418);
  assert_true(ct_get(le.bin_edges, (int64_t[]){62}) == 31.158594131469727);
  le = ct_histogram(ct_zeros(CT_SHAPE(1), .dtype = CT_FLOAT64), 63, .range = {-2.67823863, 31.7043495});
  assert_true(ct_get(le.bin_edges, (int64_t[]){15}) == 5.508091877142858);
  assert_true(ct_get(le.bin_edges, (int64_t[]){38}) == 18.060465321428566);
  ct_histogram_result bad = ct_histogram(x, 0);
  assert_null(bad.hist);
  assert_null(bad.bin_edges);
  expect_fail(!ct_histogram(x, 0).hist, "torch.histogram(): bins must be > 0, but got 0 for dimension 0");
  expect_fail(!ct_histogram(x, 3, .range = {4, 1}).hist,
              "torch.histogramdd: min should not exceed max, but got min 4 max 1 for dimension 0");
  expect_fail(!ct_histogram(x, 3, .range = {1, INFINITY}).hist, "torch.histogramdd: dimension 0's range [1, inf] is not finite");
  expect_fail(!ct_histogram(V(CT_FLOAT32, 1, NAN), 3).hist, "torch.histogramdd: dimension 0's range [nan, nan] is not finite");
  expect_fail(!ct_histogram_bins(ct_to(x, CT_FLOAT64), V(CT_FLOAT32, 0, 1)).hist,
              "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with dtype "
              "double and bins for dimension 0 with dtype float");
  expect_fail(!ct_histogram_bins(x, ct_zeros(CT_SHAPE(2, 2))).hist,
              "torch.histogramdd: bins tensor should have one dimension, but got 2 dimensions in the bins tensor for dimension 0");
  expect_fail(!ct_histogram_bins(x, ct_zeros(CT_SHAPE(0))).hist,
              "torch.histogramdd: bins tensor should have at least 1 element, but got 0 elements in the bins tensor for dimension 0");
  expect_fail(!ct_histogram_bins(x, V(CT_FLOAT32, 1)).hist, "torch.histogram(): bins must be > 0, but got 0 for dimension 0");
  expect_fail(!ct_histogram(x, 3, .weight = ct_ones(CT_SHAPE(6))).hist,
              "torch.histogramdd: if weight tensor is provided it should have the same shape as the input tensor "
              "excluding its innermost dimension, but got input with shape [7, 1] and weight with shape [6]");
  expect_fail(!ct_histogram(x, 3, .weight = ct_ones(CT_SHAPE(7), .dtype = CT_FLOAT64)).hist,
              "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor should have the same "
              "dtype, but got input(float), and weight(double)");
  expect_fail(!ct_histogram(ct_to(x, CT_INT64), 3).hist, "\"histogramdd\" not implemented for 'Long'");
  ct_scope_end();
}

/* index_put without autograd writes run by run (scatter_run), with it through the saved
 * position list (put_kernel): the same values for leading, non-adjacent and trailing index
 * tensors, masks and repeated positions, with and without accumulate */
static void test_index_put_paths_agree(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_manual_seed(1);
  for (int it = 0; it < 80; it++) {
    ct_scope_begin();
    int64_t A = 2 + it % 5, B = 1 + it % 4, C = 1 + it % 3;
    ct_tensor *x = ct_randn(CT_SHAPE(A, B, C), .dtype = CT_FLOAT64);
    ct_tensor *idx[3] = {NULL, NULL, NULL};
    int mode = it % 4, n = mode == 0 || mode == 3 ? 1 : 3;
    if (mode == 0) idx[0] = ct_randint(-A, A, CT_SHAPE(3));
    if (mode == 1) idx[0] = ct_randint(-A, A, CT_SHAPE(3)), idx[2] = ct_randint(0, C, CT_SHAPE(3));
    if (mode == 2) idx[1] = ct_randint(0, B, CT_SHAPE(3)), idx[2] = ct_randint(0, C, CT_SHAPE(3));
    if (mode == 3) idx[0] = ct_gt_scalar(ct_randn(CT_SHAPE(A)), 0);
    ct_tensor *r = ct_index(x, idx, n);
    ct_tensor *v = ct_randn(ct_dim(r), ct_shape(r), .dtype = CT_FLOAT64);
    ct_tensor *vg = ct_requires_grad_(ct_clone(v), true);
    for (int acc = 0; acc < 2; acc++) {
      ct_tensor *plain = ct_index_put(x, idx, n, v, acc), *recorded = ct_index_put(x, idx, n, vg, acc);
      assert_non_null(plain);
      assert_non_null(recorded);
      if (!ct_equal(plain, ct_detach(recorded))) fail_msg("iteration %d (mode %d, accumulate %d) differs", it, mode, acc);
    }
    ct_scope_end();
  }
  leak_end(m, __func__, __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_index),
      cmocka_unit_test(test_index_grads),
      cmocka_unit_test(test_index_put),
      cmocka_unit_test(test_index_put_paths_agree),
      cmocka_unit_test(test_put_masked_scatter),
      cmocka_unit_test(test_histogram),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
