/* Regressions found by the conformance cases (tests/parity/cases/common_nn, generated from
 * PyTorch's own module test lists by tools/parity/gen_common_nn.py). Expected values come from
 * torch 1.13 (the comments give the Python). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

/* m = nn.BatchNorm2d(3); x = torch.randn(0, 3, 2, 2, requires_grad=True); y = m(x):
 * running stats untouched (no mean of nothing), y's grad_fn AddBackward0 (clone * weight[0] +
 * bias[0]), weight.grad and bias.grad zeros after y.sum().backward(). */
static void test_batch_norm_empty_batch(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(0, 3, 2, 2), .requires_grad = true);
  ct_tensor *rm = ct_zeros(CT_SHAPE(3)), *rv = ct_ones(CT_SHAPE(3));
  ct_tensor *w = ct_ones(CT_SHAPE(3), .requires_grad = true);
  ct_tensor *b = ct_zeros(CT_SHAPE(3), .requires_grad = true);
  ct_tensor *y = ct_batch_norm(x, rm, rv, .weight = w, .bias = b, .training = true);
  assert_non_null(y);
  assert_int_equal(ct_dim(y), 4);
  assert_int_equal(ct_size(y, 0), 0);
  assert_string_equal(ct_grad_fn_name(y), "AddBackward0");
  expect_exact(rm, 0, 0, 0);
  expect_exact(rv, 1, 1, 1);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_exact(ct_grad(w), 0, 0, 0);
  expect_exact(ct_grad(b), 0, 0, 0);
  /* affine=False: y = x.clone() (CloneBackward0) */
  ct_tensor *y2 = ct_batch_norm(x, rm, rv, .training = true);
  assert_string_equal(ct_grad_fn_name(y2), "CloneBackward0");
  expect_exact(rm, 0, 0, 0);
  /* the module: num_batches_tracked still counts the call (PyTorch: tensor(1)) */
  ct_module *m = ct_nn_create("BatchNorm2d", &CT_VALUES(ct_v_int(3)));
  assert_non_null(m);
  assert_non_null(ct_forward(m, x));
  expect_exact(ct_module_get_buffer(m, "running_mean"), 0, 0, 0);
  expect_exact(ct_module_get_buffer(m, "num_batches_tracked"), 1);
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* nn.EmbeddingBag(4, 3, None, 2., False, 'sum', padding_idx=1): max_norm=None given by
 * position builds (it did only as a keyword). */
static void test_embedding_bag_positional_none(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_module *m = ct_nn_create("EmbeddingBag",
                              &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_none(), ct_v_float(2.0),
                                         ct_v_bool(false), ct_v_str("sum"),
                                         ct_v_kw("padding_idx", ct_v_int(1))));
  if (!m) fail_msg("EmbeddingBag: %s", ct_last_error());
  char *s = ct_module_repr(m);
  assert_string_equal(s, "EmbeddingBag(4, 3, mode=sum, padding_idx=1)");
  free(s);
  ct_module_free(m);
  /* a positional max_norm still reads as a float */
  m = ct_nn_create("Embedding", &CT_VALUES(ct_v_int(4), ct_v_int(3), ct_v_none(), ct_v_float(1.5)));
  if (!m) fail_msg("Embedding: %s", ct_last_error());
  s = ct_module_repr(m);
  assert_string_equal(s, "Embedding(4, 3, max_norm=1.5)");
  free(s);
  ct_module_free(m);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

static ct_tensor *from(const double *v, int nd, const int64_t *shape) {
  return ct_tensor_from(v, CT_FLOAT64, nd, shape);
}

/* rs = torch.tensor([[[0.3, 0.7]]], dtype=torch.float64)
 * m = nn.FractionalMaxPool2d(2, output_size=(2, 2), _random_samples=rs, return_indices=True)
 * y, i = m((torch.arange(25) * 7 % 25).double().reshape(1, 1, 5, 5))
 * -> y [17, 21, 22, 18], i [6, 3, 21, 24]; _random_samples is a buffer (in the state_dict). */
static void test_fractional_max_pool_random_samples(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  double xv[25];
  for (int i = 0; i < 25; i++) xv[i] = (i * 7) % 25;
  ct_tensor *x = from(xv, 4, (int64_t[]){1, 1, 5, 5});
  ct_tensor *rs = from((double[]){0.3, 0.7}, 3, (int64_t[]){1, 1, 2});
  ct_module *m = ct_nn_create("FractionalMaxPool2d",
                              &CT_VALUES(ct_v_int(2), ct_v_kw("output_size", ct_v_tuple(2)), ct_v_int(2),
                                         ct_v_int(2), ct_v_kw("_random_samples", ct_v_tensor(rs)),
                                         ct_v_kw("return_indices", ct_v_bool(true))));
  if (!m) fail_msg("FractionalMaxPool2d: %s", ct_last_error());
  ct_values out;
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  expect_exact(ct_values_tensor(&out, 0), 17, 21, 22, 18);
  expect_exact(ct_values_tensor(&out, 1), 6, 3, 21, 24);
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_non_null(ct_tensor_map_get(sd, "_random_samples"));
  ct_tensor_map_free(sd);
  ct_module_free(m);
  /* the C constructor takes them too */
  m = ct_nn_fractional_max_pool2d_ex(CT_INTS(2), CT_NN_POOL_OPTS(.output_size = CT_INTS(2, 2),
                                                                 .random_samples = rs));
  assert_non_null(m);
  expect_exact(ct_forward(m, x), 17, 21, 22, 18);
  ct_module_free(m);
  /* F.fractional_max_pool3d reads only the first N rows of _random_samples: an unbatched
   * (C, D, H, W) input with (2, C, 3) samples pools as with their first row */
  double x3v[256];
  for (int i = 0; i < 256; i++) x3v[i] = (i * 7) % 128;
  ct_tensor *x3 = from(x3v, 4, (int64_t[]){2, 4, 4, 4});
  ct_tensor *rs3 = from((double[]){0.1, 0.5, 0.9, 0.2, 0.6, 0.8, 0.9, 0.9, 0.9, 0, 0, 0}, 3,
                        (int64_t[]){2, 2, 3});
  ct_tensor *y3 = ct_fractional_max_pool3d(x3, CT_INTS(2), .output_size = CT_INTS(2), .random_samples = rs3);
  if (!y3) fail_msg("fractional_max_pool3d: %s", ct_last_error());
  expect_exact(y3, 119, 126, 91, 105, 124, 122, 59, 73, 99, 113, 127, 125, 67, 81, 123, 121);
  /* fewer rows than the batch is still an error */
  expect_error(ct_fractional_max_pool3d(ct_expand(ct_unsqueeze(x3, 0), 5, (int64_t[]){3, 2, 4, 4, 4}), CT_INTS(2),
                                        .output_size = CT_INTS(2), .random_samples = rs3),
               "_random_samples must have shape");
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_norm_empty_batch),
      cmocka_unit_test(test_embedding_bag_positional_none),
      cmocka_unit_test(test_fractional_max_pool_random_samples),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
