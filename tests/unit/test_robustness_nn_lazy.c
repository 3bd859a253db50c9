/* Robustness sweep over the Lazy layers: hostile sizes in constructors and at the first
 * forward (an error, never a crash or a huge allocation), NULL inputs (NULL, no new message),
 * wrong ranks, empty and non-contiguous first inputs. Nothing leaks (live tensor counts). */
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

#define BIG INT64_MAX

static void test_hostile_sizes(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  /* each is checked as it is made: NULL with its own message */
#define REFUSED(call)                                                            \
  do {                                                                           \
    ct_clear_error();                                                            \
    if ((call) != NULL) fail_msg("line %d: accepted hostile sizes", __LINE__);   \
    if (!ct_last_error()) fail_msg("line %d: NULL without a message", __LINE__); \
  } while (0)
  REFUSED(ct_nn_lazy_conv1d(2, CT_INTS(-3)));
  REFUSED(ct_nn_lazy_conv2d(2, CT_INTS(3, 3, 3, 3)));
  REFUSED(ct_nn_lazy_conv3d(2, (ct_ints){.n = -1}));
  REFUSED(ct_nn_lazy_conv2d(2, CT_INTS(3), .groups = -1));
  REFUSED(ct_nn_lazy_conv2d(2, CT_INTS(3), .stride = CT_INTS(2), .padding_kind = CT_PADDING_SAME));
  REFUSED(ct_nn_lazy_conv1d_ex(2, CT_INTS(), CT_NN_CONV_OPTS()));
  ct_clear_error();
  /* sizes PyTorch's lazy constructors accept fail at the first forward */
  ct_module *m[] = {ct_nn_lazy_linear(BIG), ct_nn_lazy_linear(-1), ct_nn_lazy_conv2d(BIG, CT_INTS(3)),
                    ct_nn_lazy_conv1d(-2, CT_INTS(2))};
  ct_tensor *xs[] = {ct_ones(CT_SHAPE(2, 4)), ct_ones(CT_SHAPE(2, 4)), ct_ones(CT_SHAPE(1, 2, 5, 5)),
                     ct_ones(CT_SHAPE(1, 2, 5))};
  for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
    assert_non_null(m[i]);
    assert_null(ct_forward(m[i], xs[i]));
    assert_non_null(ct_last_error());
    ct_clear_error();
    ct_module_free(m[i]);
  }
  leak_end(lm, "hostile sizes", __LINE__);
}

static void test_null_rank_empty_noncontig(void **state) {
  (void)state;
  live_mark lm = leak_begin(); /* opens a scope */
  ct_module *l = ct_nn_lazy_linear(3), *c = ct_nn_lazy_conv2d(2, CT_INTS(2));
  /* NULL: NULL, no new message, still lazy */
  assert_null(ct_forward(l, NULL));
  assert_null(ct_forward(c, NULL));
  assert_null(ct_last_error());
  assert_string_equal(ct_module_name(l), "LazyLinear");
  /* wrong rank */
  assert_null(ct_forward(c, ct_ones(CT_SHAPE(2, 2))));
  assert_non_null(ct_last_error());
  ct_clear_error();
  assert_null(ct_forward(c, ct_ones(CT_SHAPE(1, 1, 1, 3, 3, 3))));
  ct_clear_error();
  /* empty batch: initialised from the sizes all the same */
  ct_tensor *y = ct_forward(l, ct_ones(CT_SHAPE(0, 4)));
  assert_non_null(y);
  assert_int_equal(ct_size(y, 0), 0);
  assert_int_equal(ct_size(ct_module_get_parameter(l, "weight"), 1), 4);
  /* zero channels: an empty weight, nothing drawn for it */
  ct_module *z = ct_nn_lazy_conv2d(2, CT_INTS(1));
  assert_non_null(ct_forward(z, ct_ones(CT_SHAPE(1, 0, 3, 3))));
  ct_module_free(z);
  /* a non-contiguous first input */
  ct_tensor *x = ct_transpose(ct_ones(CT_SHAPE(1, 4, 4, 2)), 1, 3); /* (1, 2, 4, 4) */
  y = ct_forward(c, x);
  assert_non_null(y);
  assert_int_equal(ct_size(y, 1), 2);
  assert_string_equal(ct_module_name(c), "Conv2d");
  ct_module_free(l);
  ct_module_free(c);
  leak_end(lm, "null / rank / empty / non-contiguous", __LINE__);
}

/* LazyConvTranspose1d/2d/3d and the Lazy batch / instance norms: the same sweep. */
static void test_transpose_and_norms(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  REFUSED(ct_nn_lazy_conv_transpose1d(2, CT_INTS(-3)));
  REFUSED(ct_nn_lazy_conv_transpose2d(2, CT_INTS(3), .output_padding = CT_INTS(1, 1, 1, 1)));
  REFUSED(ct_nn_lazy_conv_transpose3d(2, CT_INTS(3), .groups = 0));
  REFUSED(ct_nn_lazy_conv_transpose2d(2, CT_INTS(3), .padding_kind = CT_PADDING_SAME));
  REFUSED(ct_nn_lazy_batch_norm1d(.dtype = CT_BOOL));
  ct_clear_error();
  /* accepted by the constructor, refused at the first forward */
  ct_module *big = ct_nn_lazy_conv_transpose2d(BIG, CT_INTS(3)), *neg = ct_nn_lazy_conv_transpose1d(-2, CT_INTS(2));
  assert_null(ct_forward(big, ct_ones(CT_SHAPE(1, 2, 5, 5))));
  assert_non_null(ct_last_error());
  ct_clear_error();
  assert_null(ct_forward(neg, ct_ones(CT_SHAPE(1, 2, 5))));
  assert_non_null(ct_last_error());
  ct_clear_error();
  ct_module_free(big);
  ct_module_free(neg);
  ct_module *t = ct_nn_lazy_conv_transpose2d(2, CT_INTS(2)), *bn = ct_nn_lazy_batch_norm2d(),
            *in = ct_nn_lazy_instance_norm1d();
  /* NULL: NULL, no new message, still lazy */
  assert_null(ct_forward(t, NULL));
  assert_null(ct_forward(bn, NULL));
  assert_null(ct_forward(in, NULL));
  assert_null(ct_last_error());
  assert_string_equal(ct_module_name(bn), "LazyBatchNorm2d");
  ct_values out;
  expect_fail(ct_module_call(t, &CT_VALUES(ct_v_int(1)), &out), "missing 1 required positional argument: 'input'");
  assert_string_equal(ct_module_name(t), "LazyConvTranspose2d");
  /* wrong ranks: a 0-d input has no shape[1]; a transposed conv checks before materialising */
  expect_error(ct_forward(bn, ct_scalar_tensor(1.0, CT_FLOAT32)), "tuple index out of range");
  expect_error(ct_forward(in, ct_ones(CT_SHAPE(4))), "tuple index out of range");
  assert_null(ct_forward(t, ct_ones(CT_SHAPE(2, 2))));
  ct_clear_error();
  assert_int_equal(ct_numel(ct_module_get_parameter(t, "weight")), 0);
  /* empty batch: initialised from the channel count all the same */
  ct_tensor *y = ct_forward(bn, ct_ones(CT_SHAPE(0, 3, 2, 2)));
  assert_non_null(y);
  assert_int_equal(ct_numel(ct_module_get_buffer(bn, "running_mean")), 3);
  y = ct_forward(t, ct_ones(CT_SHAPE(0, 3, 2, 2)));
  assert_non_null(y);
  assert_int_equal(ct_size(y, 1), 2);
  assert_string_equal(ct_module_name(t), "ConvTranspose2d");
  /* zero channels: (0,) tensors, nothing filled; the forward may refuse, never crash */
  ct_module *z = ct_nn_lazy_batch_norm1d();
  y = ct_forward(z, ct_ones(CT_SHAPE(2, 0)));
  if (!y) assert_non_null(ct_last_error());
  ct_clear_error();
  assert_string_equal(ct_module_name(z), "BatchNorm1d");
  ct_module_free(z);
  /* every Lazy norm: NULL, a 1-D input, then a non-contiguous one of its rank */
  ct_module *norms[] = {ct_nn_lazy_batch_norm1d(), ct_nn_lazy_batch_norm2d(), ct_nn_lazy_batch_norm3d(),
                        ct_nn_lazy_instance_norm1d(), ct_nn_lazy_instance_norm2d(),
                        ct_nn_lazy_instance_norm3d()};
  for (int i = 0; i < 6; i++) {
    assert_non_null(norms[i]);
    assert_null(ct_forward(norms[i], NULL));
    expect_error(ct_forward(norms[i], ct_ones(CT_SHAPE(4))), "tuple index out of range");
    int64_t shape[5] = {2, 4, 3, 3, 3};
    ct_tensor *xt = ct_transpose(ct_ones_ex(i % 3 + 3, shape, CT_TENSOR_OPTS()), 0, 1); /* (4, 2, ...) strided */
    y = ct_forward(norms[i], xt);
    if (!y) fail_msg("norm %d: %s", i, ct_last_error());
    assert_int_equal(ct_size(y, 1), 2);
    ct_module_free(norms[i]);
  }
  /* a non-contiguous first input */
  ct_tensor *x = ct_transpose(ct_ones(CT_SHAPE(2, 5, 3)), 1, 2); /* (2, 3, 5) */
  y = ct_forward(in, x);
  assert_non_null(y);
  assert_int_equal(ct_numel(ct_module_get_parameter(in, "weight")), 3);
  assert_string_equal(ct_module_name(in), "InstanceNorm1d");
  ct_module_free(t);
  ct_module_free(bn);
  ct_module_free(in);
  leak_end(lm, "transpose and norms", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hostile_sizes),
      cmocka_unit_test(test_null_rank_empty_noncontig),
      cmocka_unit_test(test_transpose_and_norms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
