/* The sparse COO layout (ctorch/sparse.h) and sparse gradients: Embedding / EmbeddingBag
 * sparse=True, accumulation over two backward passes, SGD / Adagrad / SparseAdam steps,
 * clip_grad_norm_, the refusals. Expected numbers from PyTorch 1.13 (scripts in comments). */
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

#define DV(...) ((const double[]){__VA_ARGS__})
static ct_tensor *idx_tensor(int nd, const int64_t *shape, const int64_t *v) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= shape[i];
  double d[64];
  for (int64_t i = 0; i < n; i++) d[i] = (double)v[i];
  return ct_to(ct_tensor_from(d, CT_FLOAT64, nd, shape), CT_INT64);
}

/* x = [[1, 2, 1], [4, 1, 0]] */
static ct_tensor *xs(void) { return idx_tensor(CT_SHAPE(2, 3), (const int64_t[]){1, 2, 1, 4, 1, 0}); }

static void expect_str(const ct_tensor *t, const char *want) {
  char *s = ct_to_string(t);
  assert_non_null(s);
  if (strcmp(s, want)) fail_msg("got\n%s\nwant\n%s", s, want);
  free(s);
}

/* torch.sparse_coo_tensor([[1, 0, 1]], [[1., 2], [3, 4], [5, 6]], (3, 2)) */
static ct_tensor *small(void) {
  ct_tensor *ind = idx_tensor(CT_SHAPE(1, 3), (const int64_t[]){1, 0, 1});
  ct_tensor *val = ct_to(ct_tensor_from(DV(1, 2, 3, 4, 5, 6), CT_FLOAT64, CT_SHAPE(3, 2)), CT_FLOAT32);
  return ct_sparse_coo_tensor(ind, val, CT_SHAPE(3, 2));
}

static void test_layout(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *s = small();
  assert_non_null(s);
  assert_true(ct_is_sparse(s));
  assert_false(ct_is_sparse(ct_zeros(CT_SHAPE(2))));
  assert_false(ct_is_coalesced(s));
  assert_int_equal(ct_sparse_nnz(s), 3);
  assert_int_equal(ct_sparse_dim(s), 1);
  assert_int_equal(ct_dense_dim(s), 1);
  assert_int_equal(ct_numel(s), 6);
  expect_exact(ct_to_dense(s), 3, 4, 6, 8, 0, 0);
  ct_tensor *c = ct_coalesce(s);
  assert_true(ct_is_coalesced(c));
  expect_exact(ct_sparse_indices(c), 0, 1);
  expect_exact(ct_sparse_values(c), 3, 4, 6, 8);
  assert_ptr_equal(ct_coalesce(c), c);
  expect_str(c, "tensor(indices=tensor([[0, 1]]),\n"
                   "       values=tensor([[3., 4.],\n"
                   "                      [6., 8.]]),\n"
                   "       size=(3, 2), nnz=2, layout=torch.sparse_coo)");
  expect_error(ct_sparse_indices(s), "Cannot get indices on an uncoalesced tensor, please call .coalesce() first");
  expect_error(ct_sparse_values(s), "Cannot get values on an uncoalesced tensor");
  /* nnz <= 1 is coalesced; the size may be inferred */
  ct_tensor *one = ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(2, 1), (const int64_t[]){2, 3}),
                                        ct_ones(CT_SHAPE(1)), 0, NULL);
  assert_true(ct_is_coalesced(one));
  assert_int_equal(ct_shape(one)[0], 3);
  assert_int_equal(ct_shape(one)[1], 4);
  /* to_sparse of a dense tensor, back */
  ct_tensor *d = ct_to(ct_tensor_from(DV(0, 1.5, 0, -2), CT_FLOAT64, CT_SHAPE(2, 2)), CT_FLOAT32);
  ct_tensor *ts = ct_to_sparse(d);
  expect_exact(ct_sparse_indices(ts), 0, 1, 1, 1);
  expect_exact(ct_to_dense(ts), 0, 1.5, 0, -2);
  /* sparse_mask */
  expect_exact(ct_sparse_values_raw(ct_sparse_mask(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), ct_to_sparse(ct_to(ct_tensor_from(DV(0, 1, 0, 0, 0, 1), CT_FLOAT64, CT_SHAPE(6)), CT_FLOAT32)))), 1, 5);
  ct_scope_end();
}

static void test_construction_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *v2 = ct_ones(CT_SHAPE(2));
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(2), (const int64_t[]){0, 1}), v2, CT_SHAPE(3)),
               "indices must be sparse_dim x nnz, but got: [2]");
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(1, 2), (const int64_t[]){0, 1}), ct_ones(CT_SHAPE(3)), CT_SHAPE(3)),
               "indices and values must have same nnz, but got nnz from indices: 2, nnz from values: 3");
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(1, 2), (const int64_t[]){0, 1}), v2, CT_SHAPE(3, 2)),
               "number of dimensions must be sparse_dim (1) + dense_dim (0), but got 2");
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(1, 2), (const int64_t[]){0, 1}), ct_ones(CT_SHAPE(2, 2)), CT_SHAPE(3, 3)),
               "values has incorrect size, expected [2, 3], got [2, 2]");
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(1, 2), (const int64_t[]){0, -1}), v2, CT_SHAPE(3)),
               "found negative index -1 for dim 0");
  expect_error(ct_sparse_coo_tensor(idx_tensor(CT_SHAPE(1, 2), (const int64_t[]){0, 7}), v2, CT_SHAPE(4)),
               "size is inconsistent with indices: for dim 0, size is 4 but found index 7");
  expect_error(ct_sparse_coo_tensor(ct_ones(CT_SHAPE(1, 2)), v2, CT_SHAPE(4)), "indices must be an int64 tensor");
  expect_error(ct_coalesce(v2), "expected sparse coordinate tensor layout but got Strided");
  assert_null(ct_sparse_coo_tensor(NULL, v2, CT_SHAPE(4)));
  ct_scope_end();
}

static void test_add_and_refusals(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *s = small(), *c = ct_coalesce(s);
  /* uncoalesced + anything: concatenated; coalesced + coalesced: merged */
  ct_tensor *r = ct_add(s, c);
  assert_false(ct_is_coalesced(r));
  assert_int_equal(ct_sparse_nnz(r), 5);
  expect_exact(ct_sparse_indices_raw(r), 1, 0, 1, 0, 1);
  r = ct_add(c, c);
  assert_true(ct_is_coalesced(r));
  expect_exact(ct_sparse_values(r), 6, 8, 12, 16);
  expect_exact(ct_to_dense(ct_sub(c, s)), 0, 0, 0, 0, 0, 0);
  /* dense + sparse, dense.add_(sparse) */
  ct_tensor *d = ct_ones(CT_SHAPE(3, 2));
  expect_exact(ct_add(d, s), 4, 5, 7, 9, 1, 1);
  assert_ptr_equal(ct_add_(d, s), d);
  expect_exact(d, 4, 5, 7, 9, 1, 1);
  expect_exact(ct_to_dense(ct_mul_scalar(s, 0.5)), 1.5, 2, 3, 4, 0, 0);
  /* sparse.add_(sparse) keeps the tensor */
  ct_tensor *acc = ct_clone(s);
  assert_ptr_equal(ct_add_(acc, s), acc);
  assert_int_equal(ct_sparse_nnz(acc), 6);
  assert_int_equal(ct_sparse_nnz(s), 3);
  expect_error(ct_add(s, d), "add(sparse, dense) is not supported. Use add(dense, sparse) instead.");
  expect_error(ct_add_(s, d), "add(sparse, dense) is not supported");
  expect_error(ct_add(ct_ones(CT_SHAPE(4, 2)), s), "add: expected 'self' and 'other' to have same size, but self has size [4, 2] while other has size [3, 2]");
  expect_error(ct_add(s, ct_to_sparse(ct_ones(CT_SHAPE(4, 2)))), "add: expected sizes of 'self' and 'other' to match");
  /* ops that do not know the layout refuse it instead of reading its (empty) storage */
  expect_error(ct_exp(s), "Could not run 'aten::exp' with arguments from the 'SparseCPU' backend");
  expect_error(ct_mul(s, ct_ones(CT_SHAPE(3, 2))), "'SparseCPU' backend");
  expect_error(ct_reshape(s, CT_SHAPE(6)), "'SparseCPU' backend");
  expect_error(ct_sum(s), "'SparseCPU' backend");
  expect_error(ct_amax(s), "'SparseCPU' backend");
  expect_error(ct_cat(CT_TENSORS(s, s), 0), "'SparseCPU' backend");
  expect_error(ct_matmul(s, ct_ones(CT_SHAPE(2, 2))), "'SparseCPU' backend");
  /* to(dtype): the values converted, the indices shared, still sparse (not differentiable) */
  ct_tensor *s64 = ct_to(s, CT_FLOAT64);
  assert_true(ct_is_sparse(s64) && ct_dtype_of(s64) == CT_FLOAT64 && ct_sparse_nnz(s64) == ct_sparse_nnz(s));
  assert_true(ct_equal(ct_to_dense(s64), ct_to(ct_to_dense(s), CT_FLOAT64)));
  expect_error(ct_to(ct_requires_grad_(ct_clone(s), true), CT_FLOAT64), "not differentiable here");
  expect_error(ct_data_ptr(s), "'SparseCPU' backend");
  expect_error(ct_add_(s, ct_ones(CT_SHAPE(3, 2))), "not supported");
  expect_error(ct_exp_(s), "'SparseCPU' backend");
  expect_error(ct_fill_(s, 2), "'SparseCPU' backend");
  /* zero_: no entries */
  assert_ptr_equal(ct_zero_(s), s);
  assert_int_equal(ct_sparse_nnz(s), 0);
  expect_exact(ct_to_dense(s), 0, 0, 0, 0, 0, 0);
  ct_scope_end();
}

/* w = ramp((5, 3)) float64, y = F.embedding(x, w, sparse=True, padding_idx=1); (y*y).sum().backward() */
static void test_embedding_grad(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *w = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  ct_tensor *y = ct_embedding(xs(), w, .sparse = true, .padding_idx = 1);
  assert_string_equal(ct_grad_fn_name(y), "EmbeddingBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, y))), 0);
  ct_tensor *g = ct_grad(w);
  assert_true(ct_is_sparse(g));
  assert_false(ct_is_coalesced(g));
  expect_exact(ct_sparse_indices_raw(g), 2, 4, 0);
  expect_exact(ct_sparse_values_raw(g), 2.0, 0.0, -2.0, 1.0, -1.0, 2.5, -2.5, 1.0, -1.0);
  expect_str(g, "tensor(indices=tensor([[2, 4, 0]]),\n"
                   "       values=tensor([[ 2.0000,  0.0000, -2.0000],\n"
                   "                      [ 1.0000, -1.0000,  2.5000],\n"
                   "                      [-2.5000,  1.0000, -1.0000]]),\n"
                   "       size=(5, 3), nnz=3, dtype=torch.float64, layout=torch.sparse_coo)");
  ct_tensor *c = ct_coalesce(g);
  expect_exact(ct_sparse_indices(c), 0, 2, 4);
  expect_exact(ct_sparse_values(c), -2.5, 1.0, -1.0, 2.0, 0.0, -2.0, 1.0, -1.0, 2.5);
  /* a second backward concatenates (PyTorch's AccumulateGrad: grad += new, uncoalesced) */
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), w, .sparse = true))), 0);
  assert_int_equal(ct_sparse_nnz(ct_grad(w)), 9);
  assert_false(ct_is_coalesced(ct_grad(w)));
  expect_exact(ct_sparse_indices_raw(ct_grad(w)), 2, 4, 0, 1, 2, 1, 4, 1, 0);
  /* a dense .grad takes a sparse one; a sparse .grad and a dense one make a dense .grad */
  ct_tensor *w2 = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), w2))), 0);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), w2, .sparse = true))), 0);
  assert_false(ct_is_sparse(ct_grad(w2)));
  expect_exact(ct_select(ct_grad(w2), 1, 0), 2, 6, 2, 0, 2);
  ct_tensor *w3 = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), w3, .sparse = true))), 0);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), w3))), 0);
  assert_false(ct_is_sparse(ct_grad(w3)));
  expect_exact(ct_select(ct_grad(w3), 1, 0), 2, 6, 2, 0, 2);
  /* the weight used twice in one graph: the engine sums the two sparse gradients */
  ct_tensor *w4 = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  ct_tensor *a = ct_embedding(xs(), w4, .sparse = true), *b = ct_embedding(xs(), w4, .sparse = true);
  assert_int_equal(ct_backward(ct_sum(ct_add(a, b))), 0);
  assert_int_equal(ct_sparse_nnz(ct_grad(w4)), 12);
  expect_exact(ct_select(ct_to_dense(ct_grad(w4)), 1, 0), 2, 6, 2, 0, 2);
  /* scale_grad_by_freq: PyTorch raises at backward */
  ct_tensor *w5 = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  expect_fail(ct_backward(ct_sum(ct_embedding(xs(), w5, .sparse = true, .scale_grad_by_freq = true))),
              "embedding_backward: scale_grad_by_freq not supported with sparse gradients");
  /* every index at padding_idx: an empty gradient */
  ct_tensor *w6 = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(idx_tensor(CT_SHAPE(2), (const int64_t[]){3, 3}), w6,
                                                   .sparse = true, .padding_idx = 3))), 0);
  assert_int_equal(ct_sparse_nnz(ct_grad(w6)), 0);
  ct_scope_end();
}

/* F.embedding_bag(x, w, mode='mean', sparse=True, padding_idx=0); (b*b).sum().backward() */
static void test_embedding_bag_grad(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *w = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  ct_tensor *b = ct_embedding_bag(xs(), w, .mode = CT_BAG_MEAN, .sparse = true, .padding_idx = 0);
  assert_string_equal(ct_grad_fn_name(b), "EmbeddingBagBackward0");
  assert_int_equal(ct_backward(ct_sum(ct_mul(b, b))), 0);
  ct_tensor *g = ct_grad(w);
  expect_exact(ct_sparse_indices_raw(g), 1, 2, 1, 4, 1);
  double t = 1.0 / 9;
  expect_vals(ct_sparse_values_raw(g),
              DV(7 * t, t, -5 * t, 7 * t, t, -5 * t, 7 * t, t, -5 * t, 0.875, -0.125, 0.25, 0.875, -0.125, 0.25),
              15, 1e-15, 0);
  /* clip_grad_norm_ with a sparse grad: the norm of the coalesced values (2.903143251846305);
   * PyTorch's mul_ on the detached sparse grad leaves .grad as it was */
  ct_tensor *n = ct_nn_utils_clip_grad_norm_(&w, 1, 1.0);
  assert_non_null(n);
  assert_true(fabs(ct_item(n) - 2.903143251846305) < 1e-12);
  assert_int_equal(ct_sparse_nnz(ct_grad(w)), 5);
  expect_error(ct_embedding_bag(xs(), w, .mode = CT_BAG_MAX, .sparse = true), "max mode does not support sparse weights");
  ct_scope_end();
}

/* Two steps of (y*y).sum() through F.embedding(x, w, sparse=True), w = ramp((5, 3)) */
static ct_tensor *train(ct_optim *(*make)(ct_tensor *w), int *rc) {
  ct_tensor *w = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  ct_optim *o = make(w);
  *rc = o ? 0 : -1;
  for (int s = 0; s < 2 && *rc == 0; s++) {
    ct_optim_zero_grad(o, true);
    ct_tensor *y = ct_embedding(xs(), w, .sparse = true);
    *rc = ct_backward(ct_sum(ct_mul(y, y)));
    if (*rc == 0) *rc = ct_optim_step(o);
  }
  ct_optim_free(o);
  return w;
}
static ct_optim *mk_sgd(ct_tensor *w) { return ct_optim_sgd(&w, 1, .lr = 0.1, .momentum = 0.9, .nesterov = true); }
static ct_optim *mk_adagrad(ct_tensor *w) { return ct_optim_adagrad(&w, 1, .lr = 0.1, .lr_decay = 0.01); }
static ct_optim *mk_sadam(ct_tensor *w) { return ct_optim_sparse_adam(&w, 1, .lr = 0.1); }
static ct_optim *mk_adam(ct_tensor *w) { return ct_optim_adam(&w, 1); }
static ct_optim *mk_rmsprop(ct_tensor *w) { return ct_optim_rmsprop(&w, 1); }
static ct_optim *mk_sgd_wd(ct_tensor *w) { return ct_optim_sgd(&w, 1, .lr = 0.1, .weight_decay = 0.1); }
static ct_optim *mk_adagrad_wd(ct_tensor *w) { return ct_optim_adagrad(&w, 1, .weight_decay = 0.1); }

static void test_optimizers(void **state) {
  (void)state;
  ct_scope_begin();
  int rc;
  ct_tensor *w = train(mk_sgd, &rc);
  assert_int_equal(rc, 0);
  expect_vals(w, DV(-0.278, 0.1112, -0.1112, -0.5830000000000001, -0.11660000000000001, 0.3498, 0.2224, 0.0,
                            -0.2224, 0.75, -0.25, -1.25, 0.1112, -0.1112, 0.278), 15, 1e-14, 1e-15);
  w = train(mk_adagrad, &rc);
  assert_int_equal(rc, 0);
  expect_vals(w, DV(-1.0829646999245715, 0.3381490052065182, -0.3381490052065182, 1.0829646999206735,
                            0.09905982620320841, -0.5851553922390418, 0.8337658681634514, 0.0, -0.8337658681634514,
                            0.75, -0.25, -1.25, 0.3381490052065182, -0.3381490052065182, 1.0829646999245715),
              15, 1e-14, 1e-15);
  w = train(mk_sadam, &rc);
  assert_int_equal(rc, 0);
  expect_vals(w, DV(-1.050303748236845, 0.30118747499214804, -0.30118747499214804, 1.0503037336496073,
                            0.054251018965577505, -0.5506255938306839, 0.8004122550985358, 0.0, -0.8004122550985358,
                            0.75, -0.25, -1.25, 0.30118747499214804, -0.30118747499214804, 1.050303748236845),
              15, 1e-14, 1e-15);
  train(mk_adam, &rc);
  expect_fail(rc, "Adam does not support sparse gradients, please consider SparseAdam instead");
  train(mk_rmsprop, &rc);
  expect_fail(rc, "RMSprop does not support sparse gradients");
  train(mk_sgd_wd, &rc);
  expect_fail(rc, "add(sparse, dense) is not supported. Use add(dense, sparse) instead.");
  train(mk_adagrad_wd, &rc);
  expect_fail(rc, "weight_decay option is not compatible with sparse gradients");
  /* SparseAdam with a dense gradient */
  ct_tensor *p = ct_ones(CT_SHAPE(2), .requires_grad = true);
  ct_optim *o = ct_optim_sparse_adam(&p, 1);
  assert_int_equal(ct_backward(ct_sum(ct_mul(p, p))), 0);
  expect_fail(ct_optim_step(o), "SparseAdam does not support dense gradients, please consider Adam instead");
  ct_optim_free(o);
  /* zero_grad(set_to_none=False) on a sparse grad: no entries */
  ct_tensor *q = ramp(CT_SHAPE(5, 3), CT_FLOAT64, 0, true);
  o = ct_optim_sgd(&q, 1, .lr = 0.1);
  assert_int_equal(ct_backward(ct_sum(ct_embedding(xs(), q, .sparse = true))), 0);
  assert_int_equal(ct_optim_zero_grad(o, false), 0);
  assert_int_equal(ct_sparse_nnz(ct_grad(q)), 0);
  ct_optim_free(o);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_layout), cmocka_unit_test(test_construction_errors),
                                     cmocka_unit_test(test_add_and_refusals), cmocka_unit_test(test_embedding_grad),
                                     cmocka_unit_test(test_embedding_bag_grad), cmocka_unit_test(test_optimizers)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
