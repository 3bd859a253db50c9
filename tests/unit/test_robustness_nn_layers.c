/* Robustness sweep over the conv, norm, pool, dropout and embedding layers: hostile sizes in
 * constructors (an error, never a crash or a huge allocation), NULL inputs (NULL, no new
 * message), wrong ranks, empty and non-contiguous inputs, NULL modules for the converters.
 * Nothing leaks (live tensor counts). */
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

#define QUIET(failed) (assert_true(failed), assert_null(ct_last_error()))
#define BIG INT64_MAX

/* Every constructor with hostile sizes: NULL with a message. */
static void test_hostile_sizes(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *bad[] = {
      ct_nn_conv1d_ex(BIG, BIG, CT_INTS(3), CT_NN_CONV_OPTS()),
      ct_nn_conv2d(BIG, 2, CT_INTS(BIG)),
      ct_nn_conv3d(2, 2, CT_INTS(-3)),
      ct_nn_conv2d(2, 2, CT_INTS(3, 3, 3, 3)),
      ct_nn_conv_transpose1d(BIG, BIG, CT_INTS(2)),
      ct_nn_conv_transpose2d(2, 2, CT_INTS(3), .groups = -1),
      ct_nn_conv_transpose3d(-4, 2, CT_INTS(3)),
      ct_nn_conv2d(2, 2, CT_INTS(3), .padding_mode = (ct_pad_mode)9),
      ct_nn_batch_norm1d(BIG),
      ct_nn_batch_norm2d(-1),
      ct_nn_batch_norm3d_ex(BIG, CT_NN_BATCH_NORM_OPTS()),
      ct_nn_sync_batch_norm(-5),
      ct_nn_instance_norm1d(-1, .affine = true),
      ct_nn_instance_norm2d(BIG, .track_running_stats = true),
      ct_nn_instance_norm3d(-2, .affine = true),
      ct_nn_group_norm(0, 4),
      ct_nn_group_norm(BIG, BIG),
      ct_nn_layer_norm(CT_INTS(BIG, BIG)),
      ct_nn_max_pool1d(CT_INTS()),
      ct_nn_max_unpool2d((ct_ints){0}),
      ct_nn_avg_pool3d((ct_ints){.n = -1}),
      ct_nn_fractional_max_pool3d(CT_INTS(2), .output_ratio = {0.5, 2}),
      ct_nn_adaptive_avg_pool1d((ct_ints){0}),
      ct_nn_adaptive_max_pool2d((ct_ints){.n = 99}, true),
      ct_nn_adaptive_avg_pool3d((ct_ints){.n = -2}),
      ct_nn_adaptive_max_pool1d((ct_ints){0}, false),
      ct_nn_adaptive_max_pool3d((ct_ints){0}, true),
      ct_nn_dropout1d(2, false),
      ct_nn_dropout3d(-2, true),
      ct_nn_lp_pool2d(2, (ct_ints){0}),
      ct_nn_max_pool3d((ct_ints){.n = 100}),
      ct_nn_max_unpool3d(CT_INTS()),
      ct_nn_dropout(NAN, false),
      ct_nn_dropout2d(INFINITY, false),
      ct_nn_alpha_dropout(-1e-9, true),
      ct_nn_feature_alpha_dropout(1.0000001, false),
      ct_nn_embedding(BIG, BIG),
      ct_nn_embedding(-1, 2),
      ct_nn_embedding(3, 2, .padding_idx = BIG),
      ct_nn_embedding_bag(2, 2, .mode = (ct_bag_mode)7),
      ct_nn_embedding_bag_ex(BIG, 2, CT_NN_EMBEDDING_OPTS()),
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (bad[i]) fail_msg("row %d: built a module from hostile sizes", (int)i);
  }
  assert_non_null(ct_last_error());
  ct_clear_error();
  QUIET(ct_nn_embedding_from_pretrained(NULL, true) == NULL);
  QUIET(ct_nn_embedding_bag_from_pretrained(NULL, false) == NULL);
  QUIET(ct_nn_convert_sync_batchnorm(NULL) == NULL);
  leak_end(lm, "hostile sizes", __LINE__);
}

/* NULL input: NULL, no message; wrong rank: a message; empty and non-contiguous inputs: no
 * crash (a result or a message). */
static void test_inputs(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *mods[] = {
      ct_nn_conv1d(2, 2, CT_INTS(1)),
      ct_nn_conv2d(2, 2, CT_INTS(1), .padding = CT_INTS(1), .padding_mode = CT_PAD_REPLICATE),
      ct_nn_conv_transpose2d(2, 2, CT_INTS(1)),
      ct_nn_batch_norm2d(2),
      ct_nn_sync_batch_norm(2),
      ct_nn_instance_norm2d(2),
      ct_nn_group_norm(1, 2),
      ct_nn_layer_norm(CT_INTS(2)),
      ct_nn_local_response_norm(2),
      ct_nn_max_pool2d(CT_INTS(1), .return_indices = true),
      ct_nn_avg_pool2d(CT_INTS(1)),
      ct_nn_avg_pool1d(CT_INTS(1)),
      ct_nn_lp_pool1d(2, CT_INTS(1)),
      ct_nn_adaptive_avg_pool2d(CT_INTS(1)),
      ct_nn_adaptive_max_pool2d(CT_INTS(1), true),
      ct_nn_fractional_max_pool2d(CT_INTS(1), .output_size = CT_INTS(1)),
      ct_nn_dropout(0.5, false),
      ct_nn_dropout2d(0.5, true),
      ct_nn_alpha_dropout(0.5, false),
      ct_nn_embedding(3, 2),
      ct_nn_embedding_bag(3, 2),
      ct_nn_max_unpool2d(CT_INTS(1)),
  };
  ct_tensor *x4 = ct_randn(CT_SHAPE(2, 2, 3, 2));
  ct_tensor *nc = ct_transpose(x4, 2, 3); /* non-contiguous (2, 2, 2, 3) */
  ct_tensor *empty = ct_zeros(CT_SHAPE(0, 2, 2, 2));
  ct_tensor *scalar = ct_zeros(CT_SHAPE());
  for (size_t i = 0; i < sizeof mods / sizeof *mods; i++) {
    ct_module *m = mods[i];
    if (!m) fail_msg("row %d: %s", (int)i, ct_last_error());
    ct_values out;
    ct_clear_error();
    QUIET(ct_module_call(m, &CT_VALUES(ct_v_tensor(NULL)), &out) != 0);
    ct_module_train(m, i % 2 == 0);
    /* a 0-dim input is the wrong rank for every layer here but Dropout / AlphaDropout */
    bool any_rank = strcmp(ct_module_name(m), "Dropout") == 0 || strcmp(ct_module_name(m), "AlphaDropout") == 0;
    if (ct_module_call(m, &CT_VALUES(ct_v_tensor(scalar)), &out) == 0 && !any_rank)
      fail_msg("row %d (%s): accepted a 0-dim input", (int)i, ct_module_name(m));
    assert_true(any_rank || ct_last_error() != NULL);
    ct_clear_error();
    ct_tensor *inputs[] = {nc, empty};
    for (int k = 0; k < 2; k++) {
      int rc = ct_module_call(m, &CT_VALUES(ct_v_tensor(inputs[k])), &out);
      assert_true(rc == 0 || ct_last_error() != NULL);
      ct_clear_error();
    }
    ct_module_free(m);
  }
  leak_end(lm, "inputs", __LINE__);
}

/* ConvTranspose output_size and MaxUnpool output_size of the wrong kind: a message. */
static void test_forward_keywords(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_module *m = ct_nn_conv_transpose1d(1, 1, CT_INTS(2));
  ct_values out;
  ct_tensor *x = ct_ones(CT_SHAPE(1, 1, 3));
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_str("big")), &out), "output_size");
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_int(BIG)), &out), "requested an output size");
  ct_module_free(m);
  m = ct_nn_max_unpool1d(CT_INTS(2));
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x)), &out), "missing 1 required positional argument: 'indices'");
  expect_fail(ct_module_call(m, &CT_VALUES(ct_v_tensor(x), ct_v_tensor(x), ct_v_tensor(x)), &out), "output_size");
  ct_module_free(m);
  m = ct_nn_embedding(3, 2);
  expect_error(ct_forward(m, ct_full(CT_SHAPE(2), 3, .dtype = CT_INT64)), "index out of range");
  ct_module_free(m);
  leak_end(lm, "keywords", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hostile_sizes),
      cmocka_unit_test(test_inputs),
      cmocka_unit_test(test_forward_keywords),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
