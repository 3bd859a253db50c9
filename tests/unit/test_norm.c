/* Normalisation, dropout and embedding (functional.h): values and running statistics vs
 * PyTorch 1.13 (numbers from /usr/bin/python3 + torch), grad_fn names, every error message,
 * dropout masks draw for draw with PyTorch's for the same seed and their statistics, and
 * float64 gradcheck + gradgradcheck of every option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"
#include "tensor/cpu.h"

static const double X[24] = {
    0, 0.8414709848, 0.9092974268, 0.1411200081, -0.7568024953, -0.9589242747, -0.2794154982,
    0.6569865987, 0.9893582466, 0.4121184852, -0.5440211109, -0.9999902066, -0.536572918,
    0.4201670368, 0.9906073557, 0.6502878402, -0.2879033167, -0.9613974919, -0.7509872468,
    0.1498772097, 0.9129452507, 0.8366556385, -0.00885130929, -0.8462204042};
static ct_tensor *xin(ct_dtype dt) {
  return ct_to(ct_tensor_from(X, CT_FLOAT64, CT_SHAPE(2, 3, 4)), dt);
}
static ct_tensor *from(const double *v, int64_t n, int nd, const int64_t *shape) {
  (void)n;
  return ct_tensor_from(v, CT_FLOAT64, nd, shape);
}
#define VALS(t, rtol, atol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

static void test_values(void **state) {
  (void)state;
  ct_scope_begin();
  /* batch_norm training: output and running stats (momentum 0.3, unbiased variance) */
  ct_tensor *y = ct_batch_norm(xin(CT_FLOAT32), NULL, NULL, .training = true);
  VALS(ct_select(ct_select(y, 0, 0), 0, 0), 1e-5, 1e-6, -0.8617630005, 0.8362894058, 0.9731602669, -0.5769888759);
  ct_tensor *rm = from(CT_DOUBLES(0.1, 0.2, 0.3), CT_SHAPE(3)), *rv = from(CT_DOUBLES(1, 2, 0.5), CT_SHAPE(3));
  assert_non_null(ct_batch_norm(xin(CT_FLOAT64), rm, rv, .training = true, .momentum = 0.3));
  VALS(rm, 1e-8, 1e-9, 0.198114165, 0.02042875568, 0.2381997971);
  VALS(rv, 1e-8, 1e-9, 0.7841921511, 1.499631677, 0.5481522625);
  /* instance_norm: running stats are the mean over the batch of the per-instance updates */
  rm = from(CT_DOUBLES(0.1, 0.2, 0.3), CT_SHAPE(3)), rv = from(CT_DOUBLES(1, 2, 0.5), CT_SHAPE(3));
  y = ct_instance_norm(xin(CT_FLOAT64), .running_mean = rm, .running_var = rv, .momentum = 0.2);
  assert_non_null(y);
  VALS(rm, 1e-8, 1e-9, 0.1654094434, 0.08028583712, 0.2587998648);
  VALS(rv, 1e-8, 1e-9, 0.8649203588, 1.676397948, 0.5496371712);
  /* layer_norm over two dims; group_norm */
  y = ct_layer_norm(xin(CT_FLOAT64), CT_INTS(3, 4));
  VALS(ct_select(ct_select(y, 0, 1), 0, 0), 1e-8, 1e-9, -0.8484068446, 0.5416011205, 1.370370299, 0.8759341312);
  ct_tensor *gx = ct_cos(ct_reshape(ct_arange(0, 24, 1), CT_SHAPE(2, 6, 2)));
  VALS(ct_select(ct_group_norm(gx, 3), 0, 0), 1e-5, 1e-6, 1.237239122, 0.6487447023, -0.5756797791, -1.310303926, -1.591685414,
                         -0.08421175927, 1.003819704, 0.6720777154, 0.8050733805, -1.078069687,
                         -0.9008341432, 1.173830509);
  /* embedding max_norm renorms the used rows of weight in place */
  ct_tensor *w = ct_div_scalar(ct_reshape(ct_arange(0, 15, 1, .dtype = CT_FLOAT64), CT_SHAPE(5, 3)), 4);
  int64_t ix[3] = {0, 4, 4};
  assert_non_null(ct_embedding(ct_tensor_from(ix, CT_INT64, CT_SHAPE(3)), w, .max_norm = 2.0));
  VALS(ct_select(w, 0, 4), 1e-8, 1e-9, 1.063781278, 1.152429718, 1.241078158);
  VALS(ct_select(w, 0, 3), 0, 0, 2.25, 2.5, 2.75);
  /* grad_fn names */
  ct_tensor *xr = ct_requires_grad_(xin(CT_FLOAT64), true);
  assert_string_equal(ct_grad_fn_name(ct_batch_norm(xr, NULL, NULL, .training = true)), "NativeBatchNormBackward0");
  assert_string_equal(ct_grad_fn_name(ct_layer_norm(xr, CT_INTS(4))), "NativeLayerNormBackward0");
  assert_string_equal(ct_grad_fn_name(ct_group_norm(xr, 3)), "NativeGroupNormBackward0");
  assert_string_equal(ct_grad_fn_name(ct_instance_norm(xr)), "ViewBackward0");
  assert_string_equal(ct_grad_fn_name(ct_local_response_norm(xr, 2)), "DivBackward0");
  assert_string_equal(ct_grad_fn_name(ct_dropout(xr, .p = 0.3)), "MulBackward0");
  assert_string_equal(ct_grad_fn_name(ct_alpha_dropout(xr, .p = 0.3, .training = true)), "AddBackward0");
  ct_tensor *wr = ct_requires_grad_(ct_randn(CT_SHAPE(5, 3), .dtype = CT_FLOAT64), true);
  ct_tensor *iv = ct_tensor_from(ix, CT_INT64, CT_SHAPE(3));
  assert_string_equal(ct_grad_fn_name(ct_embedding(iv, wr)), "EmbeddingBackward0");
  assert_string_equal(ct_grad_fn_name(ct_embedding_bag(ct_reshape(iv, CT_SHAPE(1, 3)), wr)), "EmbeddingBagBackward0");
  ct_scope_end();
}

/* Same seed, same mask as PyTorch (bernoulli_(1 - p) then / (1 - p)); eval is the identity. */
static void test_dropout(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(7);
  double a = 1.666666627;
  VALS(ct_dropout(ct_ones(CT_SHAPE(12)), .p = 0.4), 1e-6, 0, a, a, 0, 0, 0, 0, a, a, 0, 0, a, a);
  ct_manual_seed(7);
  VALS(ct_dropout2d(ct_ones(CT_SHAPE(2, 3, 2, 2))), 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  ct_manual_seed(7);
  VALS(ct_dropout1d(ct_ones(CT_SHAPE(3, 2))), 0, 0, 2, 2, 2, 2, 0, 0);
  double h = 1.315044641, l = -1.059548259;
  ct_manual_seed(7);
  VALS(ct_alpha_dropout(ct_ones(CT_SHAPE(8)), .p = 0.3, .training = true), 1e-6, 1e-7, h, h, l, h, l, l, h, h);
  ct_manual_seed(7);
  VALS(ct_feature_alpha_dropout(ct_ones(CT_SHAPE(2, 2, 2)), .p = 0.3, .training = true), 1e-6, 1e-7, h, h, h, h, l, l, h, h);
  /* mask statistics: the kept fraction is 1 - p and the mean is preserved */
  ct_tensor *big = ct_ones(CT_SHAPE(200000));
  ct_tensor *d = ct_dropout(big, .p = 0.3);
  double kept = ct_item(ct_mean(ct_to(ct_ne_scalar(d, 0), CT_FLOAT64)));
  assert_true(fabs(kept - 0.7) < 0.005);
  assert_true(fabs(ct_item(ct_mean(d)) - 1) < 0.01);
  ct_tensor *ch = ct_dropout2d(ct_ones(CT_SHAPE(400, 100, 2, 2)), .p = 0.5);
  /* whole channels: every element of a channel equals the channel's first */
  ct_tensor *first = ct_narrow(ct_flatten(ch, 2, 3), 2, 0, 1);
  assert_true(ct_equal(ct_expand_as(first, ct_flatten(ch, 2, 3)), ct_flatten(ch, 2, 3)));
  kept = ct_item(ct_mean(ct_to(ct_ne_scalar(first, 0), CT_FLOAT64)));
  assert_true(fabs(kept - 0.5) < 0.02);
  /* SELU statistics kept: alpha dropout of N(0, 1) stays mean 0, variance 1 */
  ct_tensor *ad = ct_alpha_dropout(ct_randn(CT_SHAPE(200000), .dtype = CT_FLOAT64), .p = 0.2, .training = true);
  assert_true(fabs(ct_item(ct_mean(ad))) < 0.02);
  assert_true(fabs(ct_item(ct_var(ad)) - 1) < 0.03);
  /* not training (or p = 0): the input itself; p = 1: zeros */
  ct_tensor *x = ct_randn(CT_SHAPE(3, 4));
  assert_ptr_equal(ct_dropout(x, .training = false), x);
  assert_ptr_equal(ct_alpha_dropout(x, .p = 0.9), x);
  assert_ptr_equal(ct_dropout(x, .p = 0), x);
  VALS(ct_sum(ct_abs(ct_dropout(x, .p = 1))), 0, 0, 0);
  /* inplace writes x */
  ct_tensor *y = ct_ones(CT_SHAPE(50));
  assert_ptr_equal(ct_dropout(y, .p = 0.5, .inplace = true), y);
  assert_true(ct_item(ct_sum(ct_eq_scalar(y, 1))) == 0);
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 4));
  expect_error(ct_batch_norm(ct_randn(CT_SHAPE(1, 3)), NULL, NULL, .training = true),
               "Expected more than 1 value per channel when training, got input size torch.Size([1, 3])");
  expect_error(ct_batch_norm(ct_randn(CT_SHAPE(3)), NULL, NULL, .training = true),
               "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  expect_error(ct_batch_norm(x, ct_zeros(CT_SHAPE(4)), ct_ones(CT_SHAPE(3))), "running_mean should contain 3 elements not 4");
  expect_error(ct_batch_norm(x, ct_zeros(CT_SHAPE(3)), ct_ones(CT_SHAPE(4))), "running_var should contain 3 elements not 4");
  expect_error(ct_batch_norm(x, NULL, NULL, .training = true, .weight = ct_ones(CT_SHAPE(4))), "weight should contain 3 elements not 4");
  expect_error(ct_batch_norm(x, NULL, NULL, .training = true, .bias = ct_ones(CT_SHAPE(4))), "bias should contain 3 elements not 4");
  expect_error(ct_batch_norm(x, NULL, NULL), "running_mean must be defined in evaluation mode");
  expect_error(ct_batch_norm(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_INT64), NULL, NULL, .training = true),
               "\"batch_norm\" not implemented for 'Long'");
  expect_error(ct_layer_norm(x, CT_INTS(5)),
               "Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[2, 3, 4]");
  expect_error(ct_layer_norm(x, CT_INTS(3, 4), .weight = ct_ones(CT_SHAPE(4))),
               "Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and normalized_shape = [3, 4]");
  expect_error(ct_layer_norm(x, CT_INTS(3, 4), .bias = ct_ones(CT_SHAPE(4))),
               "Expected bias to be of same shape as normalized_shape, but got bias of shape [4] and normalized_shape = [3, 4]");
  expect_error(ct_layer_norm(x, (ct_ints){0}),
               "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []");
  expect_error(ct_group_norm(ct_randn(CT_SHAPE(2, 5, 3)), 2),
               "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 5, 3] and num_groups=2");
  expect_error(ct_group_norm(x, 3, .weight = ct_ones(CT_SHAPE(2))),
               "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [2] and input of shape [2, 3, 4]");
  expect_error(ct_group_norm(x, 3, .bias = ct_ones(CT_SHAPE(0))),
               "Expected bias to be a vector of size equal to the number of channels in input, but got bias of shape [0] and input of shape [2, 3, 4]");
  expect_error(ct_instance_norm(x, .running_mean = ct_zeros(CT_SHAPE(2)), .running_var = ct_ones(CT_SHAPE(3))),
               "running_mean should contain 6 elements not 4");
  expect_error(ct_instance_norm(ct_randn(CT_SHAPE(1, 3, 1))),
               "Expected more than 1 spatial element when training, got input size torch.Size([1, 3, 1])");
  expect_error(ct_instance_norm(x, .use_input_stats = false),
               "Expected running_mean and running_var to be defined when use_input_stats is false");
  expect_error(ct_local_response_norm(ct_randn(CT_SHAPE(3, 3)), 2),
               "Expected 3D or higher dimensionality                          input (got 2 dimensions)");
  expect_error(ct_dropout(x, .p = 1.5), "dropout probability has to be between 0 and 1, but got 1.5");
  expect_error(ct_dropout(x, .p = -0.1), "dropout probability has to be between 0 and 1, but got -0.1");
  expect_error(ct_alpha_dropout(x, .p = 1.5, .training = true), "dropout probability has to be between 0 and 1, but got 1.5");
  expect_error(ct_feature_alpha_dropout(x, .p = 1.5, .training = true), "dropout probability has to be between 0 and 1, but got 1.5");
  expect_error(ct_dropout2d(x, .p = 2), "dropout probability has to be between 0 and 1, but got 2");
  expect_error(ct_dropout3d(x, .p = 2), "dropout probability has to be between 0 and 1, but got 2");
  expect_error(ct_dropout1d(ct_randn(CT_SHAPE(3)), .p = 0.1),
               "dropout1d: Expected 2D or 3D input, but received a 1D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).");
  expect_error(ct_dropout2d(ct_randn(CT_SHAPE(3)), .p = 0.1), "Feature dropout requires at least 2 dimensions in the input");
  expect_error(ct_dropout(ct_zeros(CT_SHAPE(3), .dtype = CT_INT64), .p = 0.5),
               "result type Float can't be cast to the desired output type Long");
  ct_tensor *w = ct_randn(CT_SHAPE(5, 3));
  int64_t bad[2] = {7, -1}, ok[2] = {1, 2}, off[2] = {1, 3};
  expect_error(ct_embedding(ct_tensor_from(bad, CT_INT64, CT_SHAPE(1)), w), "index out of range in self");
  expect_error(ct_embedding(ct_tensor_from(bad + 1, CT_INT64, CT_SHAPE(1)), w), "index out of range in self");
  expect_error(ct_embedding(ct_ones(CT_SHAPE(1)), w),
               "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)");
  ct_tensor *iv = ct_tensor_from(ok, CT_INT64, CT_SHAPE(2));
  expect_error(ct_embedding(iv, ct_randn(CT_SHAPE(5))), "'weight' must be 2-D");
  expect_error(ct_embedding(iv, w, .padding_idx = 5), "Padding_idx must be within num_embeddings");
  expect_error(ct_embedding(iv, w, .padding_idx = -6), "Padding_idx must be within num_embeddings");
  expect_error(ct_embedding_bag(iv, w), "offsets has to be a 1D Tensor but got None");
  expect_error(ct_embedding_bag(iv, w, .offsets = ct_tensor_from(off, CT_INT64, CT_SHAPE(1))),
               "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got 1");
  int64_t off2[2] = {0, 3};
  expect_error(ct_embedding_bag(iv, w, .offsets = ct_tensor_from(off2, CT_INT64, CT_SHAPE(2))),
               "offsets[-1] can not be greater than input's length 2 but got offsets[-1] of 3");
  ct_tensor *o0 = ct_zeros(CT_SHAPE(1), .dtype = CT_INT64);
  expect_error(ct_embedding_bag(iv, w, .offsets = o0, .mode = CT_BAG_MAX, .per_sample_weights = ct_ones(CT_SHAPE(2))),
               "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='max'). Please open a feature request on GitHub.");
  expect_error(ct_embedding_bag(iv, w, .offsets = o0, .mode = (ct_bag_mode)7), "mode has to be one of sum, mean or max");
  expect_error(ct_embedding_bag(ct_tensor_from(bad, CT_INT64, CT_SHAPE(1)), w, .offsets = o0),
               "Index 0 is out of bounds: 7, range 0 to 5");
  expect_error(ct_embedding_bag(ct_reshape(iv, CT_SHAPE(1, 2)), w, .offsets = o0),
               "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>");
  expect_error(ct_embedding_bag(iv, w, .offsets = o0, .per_sample_weights = ct_ones(CT_SHAPE(3))),
               "embedding_bag: If per_sample_weights (torch.Size([3])) is not None, then it must have the same shape as the input (torch.Size([2]))");
  expect_error(ct_embedding_bag(iv, w, .offsets = ct_zeros(CT_SHAPE(1, 1), .dtype = CT_INT64)), "offsets has to be a 1D Tensor");
  ct_scope_end();
}

/* ---- gradcheck + gradgradcheck (float64) ------------------------------------------------- */
typedef struct { int which; } gcase;
static int run_norm(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  int which = ((const gcase *)u)->which;
  ct_tensor *rm = ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64), *rv = ct_full(CT_SHAPE(3), 1.5, .dtype = CT_FLOAT64);
  switch (which) {
  case 0: out[0] = ct_batch_norm(in[0], NULL, NULL, .weight = in[1], .bias = in[2], .training = true); break;
  case 1: out[0] = ct_batch_norm(in[0], rm, rv, .weight = in[1], .bias = in[2]); break;
  case 2: out[0] = ct_batch_norm(in[0], rm, rv, .training = true, .eps = 0.1); break;
  case 3: out[0] = ct_layer_norm(in[0], CT_INTS(3, 4), .weight = ct_reshape(in[1], CT_SHAPE(3, 4)), .bias = ct_reshape(in[2], CT_SHAPE(3, 4))); break;
  case 4: out[0] = ct_layer_norm(in[0], CT_INTS(4)); break;
  case 5: out[0] = ct_group_norm(in[0], 3, .weight = in[1], .bias = in[2]); break;
  case 6: out[0] = ct_group_norm(in[0], 1); break;
  case 7: out[0] = ct_instance_norm(in[0], .weight = in[1], .bias = in[2]); break;
  case 8: out[0] = ct_local_response_norm(in[0], 3, .alpha = 0.1, .k = 2); break;
  default: out[0] = NULL;
  }
  return out[0] ? 0 : -1;
}

static int64_t IDX[6] = {0, 2, 2, 4, 1, 2}, OFF[3] = {0, 2, 3};
static int run_emb(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  int which = ((const gcase *)u)->which;
  ct_tensor *idx = ct_tensor_from(IDX, CT_INT64, CT_SHAPE(6)), *off = ct_tensor_from(OFF, CT_INT64, CT_SHAPE(3));
  switch (which) {
  /* padding_idx and scale_grad_by_freq change the gradient on purpose (gradcheck would fail in
   * PyTorch too): their values are parity cases */
  case 0: out[0] = ct_embedding(idx, in[0]); break;
  case 1: out[0] = ct_embedding_bag(idx, in[0], .offsets = off, .mode = CT_BAG_SUM, .per_sample_weights = in[1]); break;
  case 2: out[0] = ct_embedding_bag(idx, in[0], .offsets = off, .mode = CT_BAG_MEAN, .padding_idx = 4); break;
  case 3: out[0] = ct_embedding_bag(idx, in[0], .offsets = off, .mode = CT_BAG_MAX); break;
  default: out[0] = NULL;
  }
  return out[0] ? 0 : -1;
}

static void test_gradchecks(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(3);
  for (int k = 0; k < 9; k++) {
    ct_tensor *x = ct_randn(CT_SHAPE(2, 3, 4), .dtype = CT_FLOAT64, .requires_grad = true);
    int64_t nw = k == 3 ? 12 : 3;
    ct_tensor *w = ct_randn(1, &nw, .dtype = CT_FLOAT64, .requires_grad = true);
    ct_tensor *b = ct_randn(1, &nw, .dtype = CT_FLOAT64, .requires_grad = true);
    gcase g = {k};
    char what[32];
    snprintf(what, sizeof what, "norm case %d", k);
    check_grads(run_norm, CT_TENSORS(x, w, b), &g, what);
  }
  for (int k = 0; k < 4; k++) {
    ct_tensor *w = ct_randn(CT_SHAPE(5, 3), .dtype = CT_FLOAT64, .requires_grad = true);
    ct_tensor *psw = ct_randn(CT_SHAPE(6), .dtype = CT_FLOAT64, .requires_grad = true);
    gcase g = {k};
    char what[32];
    snprintf(what, sizeof what, "embedding case %d", k);
    check_grads(run_emb, CT_TENSORS(w, psw), &g, what);
  }
  ct_scope_end();
}

/* The fused backward (no graph) and the differentiable one (create_graph) agree. */
static void test_fused_matches_graph(void **state) {
  (void)state;
  ct_scope_begin();
  for (int k = 0; k < 3; k++) {
    ct_tensor *x = ct_randn(CT_SHAPE(4, 6, 5), .requires_grad = true);
    ct_tensor *w = ct_randn(CT_SHAPE(6), .requires_grad = true), *b = ct_randn(CT_SHAPE(6), .requires_grad = true);
    ct_tensor *rm = ct_zeros(CT_SHAPE(6)), *rv = ct_ones(CT_SHAPE(6));
    ct_tensor *y = k == 0 ? ct_batch_norm(x, NULL, NULL, .weight = w, .bias = b, .training = true)
                 : k == 1 ? ct_batch_norm(x, rm, rv, .weight = w, .bias = b)
                          : ct_group_norm(x, 2, .weight = w, .bias = b);
    ct_tensor *go = ct_randn(CT_SHAPE(4, 6, 5));
    ct_tensor *g1[3], *g2[3];
    assert_int_equal(ct_autograd_grad(&y, 1, CT_TENSORS(x, w, b), &go, false, 1, false, g1), 0);
    assert_int_equal(ct_autograd_grad(&y, 1, CT_TENSORS(x, w, b), &go, true, 1, false, g2), 0);
    for (int i = 0; i < 3; i++) assert_true(ct_allclose(g1[i], g2[i], 1e-4, 1e-5));
  }
  ct_scope_end();
}

/* The float32 row kernels of layer_norm and group_norm (rows past the 1024-element flush
 * block, with a tail, more rows than one flush of the weight sums, channel rows with a tail):
 * forward and fused backward against float64 within float32 tolerance, an offset of 1000
 * kept from cancelling the variance, NaN spreading to its row only, and the same bits at the
 * AVX2 and AVX-512 levels and on a second run. */
static ct_tensor *fast_case(int k, ct_tensor *x, ct_tensor *w, ct_tensor *b) {
  switch (k) {
  case 0: return ct_layer_norm(x, CT_INTS(1037), .weight = w, .bias = b);
  case 1: return ct_layer_norm(x, CT_INTS(40), .weight = w);
  case 2: return ct_layer_norm(x, CT_INTS(3, 17), .bias = b);
  case 3: return ct_group_norm(x, 3, .weight = w, .bias = b);
  default: return ct_group_norm(x, 2);
  }
}
static const int64_t FAST_X[5][3] = {{5, 1037, 0}, {150, 40, 0}, {4, 3, 17}, {3, 6, 37}, {2, 4, 1100}};
static const int64_t FAST_W[5][2] = {{1037, 0}, {40, 0}, {3, 17}, {6, 0}, {4, 0}};

/* y and the grads of x, w, b in float32 (fused backward) into out[0..3] */
static void fast_run(int k, ct_tensor *x64, ct_tensor *w64, ct_tensor *b64, ct_tensor *go64,
                     ct_dtype dt, ct_tensor **out) {
  /* fresh leaves each run (ct_to to the same dtype is the tensor itself) */
  ct_tensor *x = ct_requires_grad_(ct_detach(ct_to(x64, dt)), true);
  ct_tensor *w = ct_requires_grad_(ct_detach(ct_to(w64, dt)), true);
  ct_tensor *b = ct_requires_grad_(ct_detach(ct_to(b64, dt)), true);
  out[0] = fast_case(k, x, w, b);
  assert_non_null(out[0]);
  assert_int_equal(ct_backward(out[0], .gradient = ct_to(go64, dt)), 0);
  out[1] = ct_grad(x);
  out[2] = ct_grad(w);
  out[3] = ct_grad(b);
}

static void test_fast_paths(void **state) {
  (void)state;
  ct_scope_begin();
  ct_cpu_level was = ct__cpu_level();
  ct_manual_seed(11);
  for (int k = 0; k < 5; k++) {
    int nd = FAST_X[k][2] ? 3 : 2, nwd = FAST_W[k][1] ? 2 : 1;
    /* float32 values (the reference sees the same inputs) */
    ct_tensor *x = ct_to(ct_add_scalar(ct_randn(nd, FAST_X[k]), k == 0 ? 1000 : 0), CT_FLOAT64);
    ct_tensor *go = ct_to(ct_randn(nd, FAST_X[k]), CT_FLOAT64);
    ct_tensor *w = ct_to(ct_randn(nwd, FAST_W[k]), CT_FLOAT64), *b = ct_to(ct_randn(nwd, FAST_W[k]), CT_FLOAT64);
    ct_tensor *ref[4], *got[4], *again[4];
    fast_run(k, x, w, b, go, CT_FLOAT64, ref);
    ct__cpu_set_level(CT_CPU_AVX512);
    fast_run(k, x, w, b, go, CT_FLOAT32, got);
    fast_run(k, x, w, b, go, CT_FLOAT32, again);
    for (int i = 0; i < 4; i++) {
      if (!ref[i]) { /* w or b unused by this case */
        assert_null(got[i]);
        continue;
      }
      /* grads of w, b sum over many rows: relative to their size */
      double tol = i < 2 ? 2e-4 : 2e-4 * (1 + ct_item(ct_amax(ct_abs(ref[i]))));
      if (!ct_allclose(ct_to(got[i], CT_FLOAT64), ref[i], 1e-4, tol))
        fail_msg("fast path case %d output %d differs from float64 by %g", k, i, ct_item(ct_amax(ct_abs(ct_sub(ct_to(got[i], CT_FLOAT64), ref[i])))));
      assert_true(ct_equal(got[i], again[i]));
    }
    ct__cpu_set_level(CT_CPU_AVX2);
    fast_run(k, x, w, b, go, CT_FLOAT32, again);
    for (int i = 0; i < 4; i++)
      if (got[i] && !ct_equal(got[i], again[i])) fail_msg("case %d output %d: AVX2 != AVX-512", k, i);
    ct__cpu_set_level(was);
  }
  /* a NaN makes its own row NaN and leaves the others alone */
  ct_tensor *x = ct_randn(CT_SHAPE(3, 50));
  ((float *)ct_data_ptr(x))[60] = NAN;
  ct_tensor *y = ct_layer_norm(x, CT_INTS(50));
  assert_true(ct_item(ct_sum(ct_isnan(ct_select(y, 0, 1)))) == 50);
  assert_true(ct_item(ct_sum(ct_isnan(y))) == 50);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_values), cmocka_unit_test(test_dropout),
                                     cmocka_unit_test(test_errors), cmocka_unit_test(test_gradchecks),
                                     cmocka_unit_test(test_fused_matches_graph),
                                     cmocka_unit_test(test_fast_paths)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
