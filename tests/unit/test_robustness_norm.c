/* Robustness sweep over the normalization, dropout and embedding ops of functional.h: NULL,
 * wrong rank, empty, non-contiguous and hostile arguments never crash, never leak (live
 * tensors and bytes compared around each scope) and fail with a message where PyTorch does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define LEAK_CHECK(what, ...)                \
  do {                                       \
    live_mark m_ = leak_begin();             \
    __VA_ARGS__;                             \
    leak_end(m_, what, __LINE__);            \
  } while (0)

static void test_null(void **state) {
  (void)state;
  LEAK_CHECK("null", {
    ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 4));
    NP(ct_batch_norm(NULL, NULL, NULL, .training = true));
    NP(ct_layer_norm(NULL, CT_INTS(4)));
    NP(ct_group_norm(NULL, 1));
    NP(ct_instance_norm(NULL));
    NP(ct_local_response_norm(NULL, 2));
    NP(ct_dropout(NULL));
    NP(ct_dropout1d(NULL));
    NP(ct_dropout2d(NULL));
    NP(ct_dropout3d(NULL));
    NP(ct_alpha_dropout(NULL, .training = true));
    NP(ct_feature_alpha_dropout(NULL, .training = true));
    NP(ct_embedding(NULL, x));
    NP(ct_embedding(x, NULL));
    NP(ct_embedding_bag(NULL, x));
    NP(ct_embedding_bag(x, NULL));
  });
}

/* Empty inputs: the shapes PyTorch gives (numbers from torch 1.13). */
static void test_empty(void **state) {
  (void)state;
  LEAK_CHECK("empty", {
    ct_tensor *e = ct_randn(CT_SHAPE(0, 3, 4));
    ct_tensor *y = ct_batch_norm(e, NULL, NULL, .training = true);
    assert_non_null(y);
    assert_int_equal(ct_numel(y), 0);
    assert_non_null(ct_layer_norm(e, CT_INTS(4)));
    assert_non_null(ct_group_norm(e, 3));
    assert_non_null(ct_local_response_norm(e, 2));
    assert_non_null(ct_dropout(e, .p = 0.5));
    assert_non_null(ct_dropout2d(e, .p = 0.5));
    ct_tensor *w = ct_randn(CT_SHAPE(5, 3));
    ct_tensor *y2 = ct_embedding(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), w);
    assert_non_null(y2);
    assert_int_equal(ct_shape(y2)[1], 3);
    /* an empty bag list: (0, 3); an empty weight table with no lookups */
    ct_tensor *b = ct_embedding_bag(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), w,
                                    .offsets = ct_zeros(CT_SHAPE(0), .dtype = CT_INT64));
    assert_non_null(b);
    assert_int_equal(ct_shape(b)[0], 0);
    assert_non_null(ct_embedding(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64), ct_randn(CT_SHAPE(0, 3))));
  });
}

/* Non-contiguous inputs, weights and running stats give the contiguous answer. */
static void test_noncontig(void **state) {
  (void)state;
  LEAK_CHECK("noncontig", {
    ct_tensor *x = ct_randn(CT_SHAPE(4, 5, 3)), *xt = ct_transpose(ct_contiguous(ct_transpose(x, 1, 2)), 1, 2);
    ct_tensor *w = ct_randn(CT_SHAPE(5, 2)), *wn = ct_select(w, 1, 0), *wc = ct_contiguous(wn);
    ct_tensor *rm = ct_zeros(CT_SHAPE(5, 2)), *rv = ct_ones(CT_SHAPE(5, 2));
    ct_tensor *rmn = ct_select(rm, 1, 1), *rvn = ct_select(rv, 1, 1);
    assert_true(ct_allclose(ct_batch_norm(xt, rmn, rvn, .weight = wn, .training = true),
                            ct_batch_norm(x, NULL, NULL, .weight = wc, .training = true), 1e-5, 1e-6));
    /* the running stats were written through the strided views */
    assert_true(ct_item(ct_sum(ct_abs(rmn))) > 0);
    assert_true(ct_item(ct_sum(ct_abs(ct_select(rm, 1, 0)))) == 0);
    assert_true(ct_allclose(ct_layer_norm(ct_transpose(xt, 1, 2), CT_INTS(5), .weight = wn),
                            ct_layer_norm(ct_contiguous(ct_transpose(x, 1, 2)), CT_INTS(5), .weight = wc), 1e-5, 1e-6));
    assert_true(ct_allclose(ct_group_norm(xt, 5, .weight = wn), ct_group_norm(x, 5, .weight = wc), 1e-5, 1e-6));
    assert_true(ct_allclose(ct_instance_norm(xt), ct_instance_norm(x), 1e-5, 1e-6));
    assert_true(ct_allclose(ct_local_response_norm(xt, 3), ct_local_response_norm(x, 3), 1e-5, 1e-6));
    ct_tensor *tab = ct_randn(CT_SHAPE(3, 6)), *tabt = ct_t(tab);
    int64_t ix[4] = {0, 5, 2, 2};
    ct_tensor *iv = ct_tensor_from(ix, CT_INT64, CT_SHAPE(4));
    assert_true(ct_equal(ct_embedding(iv, tabt), ct_embedding(iv, ct_contiguous(tabt))));
    ct_tensor *iv2 = ct_reshape(iv, CT_SHAPE(2, 2));
    assert_true(ct_equal(ct_embedding_bag(ct_t(iv2), tabt, .mode = CT_BAG_MAX),
                         ct_embedding_bag(ct_contiguous(ct_t(iv2)), ct_contiguous(tabt), .mode = CT_BAG_MAX)));
  });
}

/* Wrong ranks, dtypes and hostile sizes fail with a message and leak nothing. */
static void test_hostile(void **state) {
  (void)state;
  LEAK_CHECK("hostile", {
    ct_tensor *s = ct_scalar_tensor(1, CT_FLOAT32);
    expect_error(ct_batch_norm(s, NULL, NULL, .training = true), "Dimension out of range");
    expect_error(ct_group_norm(s, 1), "Dimension out of range");
    expect_error(ct_instance_norm(s), "Dimension out of range");
    expect_error(ct_layer_norm(s, CT_INTS(1)), "Given normalized_shape=[1]");
    expect_error(ct_group_norm(ct_randn(CT_SHAPE(2, 4)), 0), "divisible by num_groups");
    expect_error(ct_group_norm(ct_randn(CT_SHAPE(2, 4)), -2), "divisible by num_groups");
    expect_error(ct_group_norm(ct_randn(CT_SHAPE(2, 4)), INT64_MAX), "divisible by num_groups");
    expect_error(ct_local_response_norm(ct_randn(CT_SHAPE(2, 4, 3)), 0), "size must be positive");
    expect_error(ct_layer_norm(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_INT32), CT_INTS(3)), "not implemented for 'Int'");
    expect_error(ct_group_norm(ct_zeros(CT_SHAPE(2, 4), .dtype = CT_BOOL), 2), "not implemented for 'Bool'");
    expect_error(ct_dropout(ct_randn(CT_SHAPE(3)), .p = NAN), "dropout probability has to be between 0 and 1");
    expect_error(ct_dropout(ct_randn(CT_SHAPE(3)), .p = INFINITY), "dropout probability has to be between 0 and 1");
    ct_tensor *w = ct_randn(CT_SHAPE(4, 2));
    int64_t big[2] = {INT64_MAX, INT64_MIN};
    expect_error(ct_embedding(ct_tensor_from(big, CT_INT64, CT_SHAPE(2)), w), "index out of range in self");
    expect_error(ct_embedding(ct_tensor_from(big, CT_INT64, CT_SHAPE(2)), w, .max_norm = 1.0), "index out of range in self");
    expect_error(ct_embedding_bag(ct_tensor_from(big, CT_INT64, CT_SHAPE(2)), w,
                                  .offsets = ct_zeros(CT_SHAPE(1), .dtype = CT_INT64)), "is out of bounds");
    int64_t dec[3] = {0, 2, 1}, ix[3] = {0, 1, 2};
    expect_error(ct_embedding_bag(ct_tensor_from(ix, CT_INT64, CT_SHAPE(3)), w,
                                  .offsets = ct_tensor_from(dec, CT_INT64, CT_SHAPE(3))), "offsets must be non-decreasing");
    expect_error(ct_embedding_bag(ct_randn(CT_SHAPE(2, 2, 2)), w), "input has to be 1D or 2D Tensor");
    expect_error(ct_embedding_bag(ct_tensor_from(ix, CT_INT64, CT_SHAPE(1, 3)), w, .mode = CT_BAG_MAX, .sparse = true),
                 "max mode does not support sparse weights");
    expect_error(ct_embedding_bag(ct_tensor_from(ix, CT_INT64, CT_SHAPE(3)), ct_zeros(CT_SHAPE(4, 2), .dtype = CT_INT64),
                                  .offsets = ct_zeros(CT_SHAPE(1), .dtype = CT_INT64)), "not implemented for 'Long'");
    expect_error(ct_embedding_bag(ct_tensor_from(ix, CT_INT64, CT_SHAPE(3)), w, .offsets = ct_zeros(CT_SHAPE(1), .dtype = CT_INT64),
                                  .padding_idx = 9), "padding_idx must be within the number of embeddings");
    /* a leaf that requires grad cannot be dropped out in place */
    expect_error(ct_dropout(ct_randn(CT_SHAPE(3), .requires_grad = true), .inplace = true),
                 "a leaf Variable that requires grad is being used in an in-place operation.");
  });
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_null), cmocka_unit_test(test_empty),
                                     cmocka_unit_test(test_noncontig), cmocka_unit_test(test_hostile)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
