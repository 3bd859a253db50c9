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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_norm_empty_batch),
      cmocka_unit_test(test_embedding_bag_positional_none),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
