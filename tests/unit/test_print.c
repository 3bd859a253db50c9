/* ct_to_string against PyTorch 1.13's repr: every expected string below is what
 * /usr/bin/python3 printed for the same tensor (same seeds; ctorch's RNG is torch's). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include <math.h>
#include <stdlib.h>

#define F32(...)                                                   \
  ct_tensor_from((float[]){__VA_ARGS__}, CT_FLOAT32, 1,            \
                 (int64_t[]){sizeof((float[]){__VA_ARGS__}) / sizeof(float)})
#define F64(...)                                                   \
  ct_tensor_from((double[]){__VA_ARGS__}, CT_FLOAT64, 1,           \
                 (int64_t[]){sizeof((double[]){__VA_ARGS__}) / sizeof(double)})
#define I64(...)                                                   \
  ct_tensor_from((int64_t[]){__VA_ARGS__}, CT_INT64, 1,            \
                 (int64_t[]){sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)})

static void expect_repr(const ct_tensor *t, const char *want) {
  assert_non_null(t);
  char *got = ct_to_string(t);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
}

static void test_scalars(void **state) {
  (void)state;
  ct_scope_begin();
  expect_repr(ct_scalar_tensor(3.14, CT_FLOAT32),
              "tensor(3.1400)");
  { ct_tensor *t = ct_tensor_from((int64_t[]){5}, CT_INT64, 0, NULL); expect_repr(t,
              "tensor(5)"); }
  { ct_tensor *t = ct_tensor_from((bool[]){true}, CT_BOOL, 0, NULL); expect_repr(t,
              "tensor(True)"); }
  expect_repr(ct_scalar_tensor(2.5, CT_FLOAT64),
              "tensor(2.5000, dtype=torch.float64)");
  expect_repr(ct_scalar_tensor(0.0, CT_FLOAT32),
              "tensor(0.)");
  expect_repr(ct_scalar_tensor(1e-5, CT_FLOAT32),
              "tensor(1.0000e-05)");
  expect_repr(ct_scalar_tensor(NAN, CT_FLOAT32),
              "tensor(nan)");
  expect_repr(ct_scalar_tensor(-INFINITY, CT_FLOAT32),
              "tensor(-inf)");
  expect_repr(ct_scalar_tensor(-7, CT_FLOAT32),
              "tensor(-7.)");
  ct_scope_end();
}

static void test_vectors_and_dtypes(void **state) {
  (void)state;
  ct_scope_begin();
  expect_repr(F32(1.5, -2.25, 3.0, -0.001),
              "tensor([ 1.5000e+00, -2.2500e+00,  3.0000e+00, -1.0000e-03])");
  expect_repr(F32(1., 2., 3.),
              "tensor([1., 2., 3.])");
  expect_repr(F32(-1., 200., 3.),
              "tensor([ -1., 200.,   3.])");
  expect_repr(F32(1e10, 1.0),
              "tensor([1.0000e+10, 1.0000e+00])");
  expect_repr(F32(1e-5, 0.5),
              "tensor([1.0000e-05, 5.0000e-01])");
  expect_repr(F32(1e-5, -0.5, 123.456),
              "tensor([ 1.0000e-05, -5.0000e-01,  1.2346e+02])");
  expect_repr(F64(0.1, 0.2),
              "tensor([0.1000, 0.2000], dtype=torch.float64)");
  expect_repr(I64(1, -20, 300),
              "tensor([  1, -20, 300])");
  expect_repr(ct_tensor_from((int32_t[]){1, 2}, CT_INT32, 1, (int64_t[]){2}),
              "tensor([1, 2], dtype=torch.int32)");
  expect_repr(ct_tensor_from((uint8_t[]){0, 255}, CT_UINT8, 1, (int64_t[]){2}),
              "tensor([  0, 255], dtype=torch.uint8)");
  expect_repr(ct_tensor_from((int8_t[]){-3, 4}, CT_INT8, 1, (int64_t[]){2}),
              "tensor([-3,  4], dtype=torch.int8)");
  expect_repr(ct_tensor_from((int16_t[]){-3, 4}, CT_INT16, 1, (int64_t[]){2}),
              "tensor([-3,  4], dtype=torch.int16)");
  expect_repr(ct_tensor_from((bool[]){true, false, true}, CT_BOOL, 1, (int64_t[]){3}),
              "tensor([ True, False,  True])");
  expect_repr(F32(NAN, 1.5, INFINITY),
              "tensor([   nan, 1.5000,    inf])");
  expect_repr(F32(NAN, 1.0, -INFINITY),
              "tensor([nan, 1., -inf])");
  expect_repr(F32(0., 0.),
              "tensor([0., 0.])");
  expect_repr(F32(-0.0, 1.5),
              "tensor([-0.0000, 1.5000])");
  expect_repr(F32(100000., 2.),
              "tensor([1.0000e+05, 2.0000e+00])");
  expect_repr(F32(123456789., 2.),
              "tensor([1.2346e+08, 2.0000e+00])");
  expect_repr(F64(1e100, -1e-100),
              "tensor([ 1.0000e+100, -1.0000e-100], dtype=torch.float64)");
  ct_scope_end();
}

static void test_nested(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(3, 4)),
              "tensor([[ 1.5410, -0.2934, -2.1788,  0.5684],\n"
              "        [-1.0845, -1.3986,  0.4033,  0.8380],\n"
              "        [-0.7193, -0.4033, -0.5966,  0.1820]])");
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(2, 3, 4), .dtype = CT_FLOAT64),
              "tensor([[[-2.3104, -0.3733, -1.0608,  0.9995],\n"
              "         [-0.8840, -1.2755, -0.6232, -0.8664],\n"
              "         [ 0.2387,  0.7335, -1.3219,  1.3148]],\n"
              "\n"
              "        [[-1.4875, -0.7136,  0.5200, -0.9529],\n"
              "         [ 0.6749,  1.0469,  0.1543, -0.7499],\n"
              "         [-0.7234,  0.0864, -1.7464,  1.0410]]], dtype=torch.float64)");
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(2, 2, 2, 3)),
              "tensor([[[[-1.1258, -1.1524, -0.2506],\n"
              "          [-0.4339,  0.8487,  0.6920]],\n"
              "\n"
              "         [[-0.3160, -2.1152,  0.4681],\n"
              "          [-0.1577,  1.4437,  0.2660]]],\n"
              "\n"
              "\n"
              "        [[[ 0.1665,  0.8744, -0.1435],\n"
              "          [-0.1116,  0.9318,  1.2590]],\n"
              "\n"
              "         [[ 2.0050,  0.0537,  0.6181],\n"
              "          [-0.4128, -0.8411, -2.3160]]]])");
  ct_scope_end();
}

static void test_summarized(void **state) {
  (void)state;
  ct_scope_begin();
  expect_repr(ct_arange(0, 2000, 1),
              "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
  expect_repr(ct_reshape(ct_div(ct_arange(0, 2000, 1, .dtype = CT_FLOAT32), ct_scalar_tensor(3, CT_FLOAT32)), 2, (int64_t[]){40, 50}),
              "tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 1.5667e+01, 1.6000e+01,\n"
              "         1.6333e+01],\n"
              "        [1.6667e+01, 1.7000e+01, 1.7333e+01,  ..., 3.2333e+01, 3.2667e+01,\n"
              "         3.3000e+01],\n"
              "        [3.3333e+01, 3.3667e+01, 3.4000e+01,  ..., 4.9000e+01, 4.9333e+01,\n"
              "         4.9667e+01],\n"
              "        ...,\n"
              "        [6.1667e+02, 6.1700e+02, 6.1733e+02,  ..., 6.3233e+02, 6.3267e+02,\n"
              "         6.3300e+02],\n"
              "        [6.3333e+02, 6.3367e+02, 6.3400e+02,  ..., 6.4900e+02, 6.4933e+02,\n"
              "         6.4967e+02],\n"
              "        [6.5000e+02, 6.5033e+02, 6.5067e+02,  ..., 6.6567e+02, 6.6600e+02,\n"
              "         6.6633e+02]])");
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(10, 10, 20)),
              "tensor([[[-1.1258e+00, -1.1524e+00, -2.5058e-01,  ..., -1.6959e+00,\n"
              "           5.6665e-01,  7.9351e-01],\n"
              "         [ 5.9884e-01, -1.5551e+00, -3.4136e-01,  ...,  1.1241e-01,\n"
              "           6.4079e-01,  4.4116e-01],\n"
              "         [-1.0231e-01,  7.9244e-01, -2.8967e-01,  ...,  7.4402e-01,\n"
              "           1.5210e+00,  3.4105e+00],\n"
              "         ...,\n"
              "         [-1.0209e-01, -1.0335e+00, -3.1264e-01,  ...,  3.1472e-01,\n"
              "           1.5739e-01,  3.8536e-01],\n"
              "         [ 9.6715e-01, -9.9108e-01,  3.0161e-01,  ..., -3.5836e-01,\n"
              "          -1.5616e+00, -3.5464e-01],\n"
              "         [ 1.0811e+00,  1.3148e-01,  1.5735e+00,  ...,  8.7604e-01,\n"
              "          -2.8709e-01,  1.0216e+00]],\n"
              "\n"
              "        [[-7.4395e-02, -1.0922e+00,  3.9203e-01,  ...,  1.2836e+00,\n"
              "          -6.6586e-01,  5.6513e-01],\n"
              "         [ 2.8770e-01, -3.3375e-02, -1.0619e+00,  ...,  8.3877e-01,\n"
              "           1.1529e+00, -1.7611e+00],\n"
              "         [-1.4777e+00, -1.7557e+00,  7.6166e-02,  ..., -8.0147e-01,\n"
              "          -4.9554e-01, -3.6151e-01],\n"
              "         ...,\n"
              "         [ 3.8265e-01, -5.4972e-01, -9.9404e-01,  ...,  1.6193e+00,\n"
              "           4.6369e-01,  1.3007e+00],\n"
              "         [ 8.7323e-01,  6.5127e-02,  7.7324e-01,  ..., -5.6200e-01,\n"
              "          -4.8349e-01, -1.2721e+00],\n"
              "         [-1.7402e-01,  5.5412e-01, -1.8166e-01,  ...,  5.7439e-01,\n"
              "           1.2381e+00, -6.4054e-01]],\n"
              "\n"
              "        [[-7.6447e-01,  2.4084e-01,  1.6643e-01,  ...,  9.7967e-01,\n"
              "          -1.0661e+00,  1.7720e+00],\n"
              "         [-2.7926e-01, -2.7690e-01,  7.4893e-01,  ...,  4.3393e-01,\n"
              "          -5.1325e-01, -1.8603e-01],\n"
              "         [ 2.7566e-01,  1.0969e-01,  3.5942e-01,  ..., -3.1641e-01,\n"
              "           1.2937e+00,  1.3453e+00],\n"
              "         ...,\n"
              "         [ 5.1086e-01, -2.8599e-01,  3.3505e-01,  ...,  1.9733e+00,\n"
              "          -2.0751e-01, -3.0575e-02],\n"
              "         [ 1.2673e-01,  5.5466e-03,  7.9434e-01,  ...,  4.2614e-03,\n"
              "          -1.2579e+00, -1.0845e+00],\n"
              "         [ 7.5298e-01,  3.2365e-01, -2.7501e-01,  ..., -3.4940e-01,\n"
              "           2.0243e-01, -2.8838e-01]],\n"
              "\n"
              "        ...,\n"
              "\n"
              "        [[-4.7109e-01,  1.9418e+00,  6.9643e-01,  ...,  1.9309e-03,\n"
              "           1.3104e+00, -5.2575e-01],\n"
              "         [-3.4136e-02,  1.4708e+00,  2.2955e+00,  ...,  4.5500e-02,\n"
              "           1.6272e-01, -5.8489e-02],\n"
              "         [-7.7862e-01,  1.0269e+00,  6.2416e-01,  ...,  8.9446e-01,\n"
              "           2.2818e-01,  1.7002e-01],\n"
              "         ...,\n"
              "         [ 4.1651e-01, -2.2593e-01, -3.2171e-01,  ...,  8.5765e-02,\n"
              "          -4.4569e-01,  3.5795e-01],\n"
              "         [-1.8706e+00, -8.5521e-01,  1.0684e+00,  ...,  1.3856e+00,\n"
              "          -8.1654e-02, -6.6698e-01],\n"
              "         [ 4.6095e-01, -4.0199e-01,  5.6335e-01,  ...,  2.3426e-01,\n"
              "          -1.6312e+00,  1.3001e+00]],\n"
              "\n"
              "        [[ 2.3921e-01, -1.8412e+00, -1.6949e+00,  ...,  1.8389e-01,\n"
              "           2.7692e-01, -4.1522e-01],\n"
              "         [ 2.3098e-01,  1.8305e-01, -4.1774e-01,  ..., -2.2151e+00,\n"
              "          -2.5939e-01, -6.4328e-01],\n"
              "         [-1.6288e+00,  2.9942e-01,  4.7684e-01,  ...,  6.2868e-01,\n"
              "          -1.5343e+00, -6.9707e-01],\n"
              "         ...,\n"
              "         [ 1.4215e+00, -9.4670e-01,  7.9975e-02,  ...,  3.9106e-01,\n"
              "           8.9693e-01, -2.0145e+00],\n"
              "         [-3.6238e-01,  3.7076e-02,  2.1746e-01,  ...,  2.2723e-01,\n"
              "          -1.0264e+00,  1.8640e+00],\n"
              "         [ 2.7474e+00,  2.4257e-01, -1.1859e+00,  ..., -7.6330e-02,\n"
              "           4.4333e-01, -5.9733e-01]],\n"
              "\n"
              "        [[-9.6600e-01, -2.3630e-02,  1.1778e+00,  ..., -1.2307e+00,\n"
              "          -4.9579e-01,  1.0617e+00],\n"
              "         [ 1.2442e+00, -5.5082e-01, -5.2052e-01,  ..., -4.8517e-01,\n"
              "          -4.3715e-02, -1.1596e-01],\n"
              "         [ 7.9778e-01, -2.4252e-01, -4.7606e-01,  ...,  1.5754e-01,\n"
              "          -1.1857e+00, -1.2910e+00],\n"
              "         ...,\n"
              "         [ 4.6521e-01,  5.0062e-01, -6.3738e-01,  ..., -1.1564e-01,\n"
              "           5.1570e-01, -1.1424e-01],\n"
              "         [-5.8277e-01,  1.2144e-01,  6.8029e-01,  ..., -2.8139e-01,\n"
              "           1.2209e-01,  1.0094e+00],\n"
              "         [ 1.0336e+00,  4.8759e-01, -9.2650e-01,  ..., -3.5685e-01,\n"
              "           8.2914e-02, -5.1872e-01]]])");
  ct_scope_end();
}

static void test_grad_suffixes(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(3), .requires_grad = true),
              "tensor([ 1.5410, -0.2934, -2.1788], requires_grad=True)");
  ct_manual_seed(0); { ct_tensor *x = ct_randn(CT_SHAPE(3), .requires_grad = true); expect_repr(ct_add(x, x),
              "tensor([ 3.0820, -0.5869, -4.3576], grad_fn=<AddBackward0>)"); }
  ct_manual_seed(0); { ct_tensor *x = ct_randn(CT_SHAPE(4, 4), .requires_grad = true, .dtype = CT_FLOAT64); expect_repr(ct_mul(x, x),
              "tensor([[5.3380e+00, 1.3932e-01, 1.1253e+00, 9.9902e-01],\n"
              "        [7.8150e-01, 1.6270e+00, 3.8841e-01, 7.5072e-01],\n"
              "        [1.6786e+00, 2.3215e+00, 1.0476e-01, 4.0712e+00],\n"
              "        [1.2899e+00, 1.5052e+00, 5.0963e-03, 1.1426e-01]], dtype=torch.float64,\n"
              "       grad_fn=<MulBackward0>)"); }
  ct_manual_seed(0); { ct_tensor *x = ct_randn(CT_SHAPE(6), .requires_grad = true, .dtype = CT_FLOAT64); expect_repr(ct_mul(x, x),
              "tensor([2.3747, 0.0861, 4.7471, 0.3231, 1.1762, 1.9561], dtype=torch.float64,\n"
              "       grad_fn=<MulBackward0>)"); }
  ct_manual_seed(0); { ct_tensor *x = ct_randn(CT_SHAPE(7), .requires_grad = true, .dtype = CT_FLOAT64); expect_repr(ct_mul(x, x),
              "tensor([2.3747, 0.0861, 4.7471, 0.3231, 1.1762, 1.9561, 0.1627],\n"
              "       dtype=torch.float64, grad_fn=<MulBackward0>)"); }
  ct_scope_end();
}

static void test_empty(void **state) {
  (void)state;
  ct_scope_begin();
  expect_repr(ct_zeros(CT_SHAPE(0, 3)),
              "tensor([], size=(0, 3))");
  expect_repr(ct_zeros(CT_SHAPE(0)),
              "tensor([])");
  expect_repr(ct_zeros(CT_SHAPE(0), .dtype = CT_INT64),
              "tensor([], dtype=torch.int64)");
  expect_repr(ct_zeros(CT_SHAPE(2, 0, 3), .dtype = CT_FLOAT64),
              "tensor([], size=(2, 0, 3), dtype=torch.float64)");
  expect_repr(ct_zeros(CT_SHAPE(0, 2), .requires_grad = true),
              "tensor([], size=(0, 2), requires_grad=True)");
  ct_scope_end();
}

static void test_wrapping_and_views(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(30)),
              "tensor([-1.1258, -1.1524, -0.2506, -0.4339,  0.8487,  0.6920, -0.3160, -2.1152,\n"
              "         0.3223, -1.2633,  0.3500,  0.3081,  0.1198,  1.2377, -0.1435, -0.1116,\n"
              "        -0.6136,  0.0316, -0.4927,  0.2484,  0.4397,  0.1124, -0.8411, -2.3160,\n"
              "        -0.1023,  0.7924, -0.2897,  0.0525,  0.5229,  2.3022])");
  ct_manual_seed(0); expect_repr(ct_randn(CT_SHAPE(30), .dtype = CT_FLOAT64),
              "tensor([-2.3104, -0.3733, -1.0608,  0.9995, -0.8840, -1.2755, -0.6232, -0.8664,\n"
              "        -1.2956,  1.5236,  0.3237,  2.0177,  1.1357, -1.2269,  0.5200, -0.9529,\n"
              "        -0.0917,  0.5563, -0.0094, -1.2177, -1.2655, -1.1195, -1.7464,  1.0410,\n"
              "         0.6539,  0.1482, -1.1461,  1.8728, -0.3099,  0.2402],\n"
              "       dtype=torch.float64)");
  expect_repr(ct_reshape(ct_arange(0, 1500, 1), 2, (int64_t[]){30, 50}),
              "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
              "        [  50,   51,   52,  ...,   97,   98,   99],\n"
              "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
              "        ...,\n"
              "        [1350, 1351, 1352,  ..., 1397, 1398, 1399],\n"
              "        [1400, 1401, 1402,  ..., 1447, 1448, 1449],\n"
              "        [1450, 1451, 1452,  ..., 1497, 1498, 1499]])");
  expect_repr(ct_arange(0, 30, 1),
              "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
              "        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])");
  ct_manual_seed(0); expect_repr(ct_mul(ct_randn(CT_SHAPE(5, 3)), ct_scalar_tensor(1000, CT_FLOAT32)),
              "tensor([[ 1540.9961,  -293.4289, -2178.7893],\n"
              "        [  568.4313, -1084.5223, -1398.5955],\n"
              "        [  403.3468,   838.0264,  -719.2576],\n"
              "        [ -403.3435,  -596.6353,   182.0365],\n"
              "        [ -856.6746,  1100.6041, -1071.1874]])");
  ct_manual_seed(0); expect_repr(ct_transpose(ct_randn(CT_SHAPE(3, 4)), 0, 1),
              "tensor([[ 1.5410, -1.0845, -0.7193],\n"
              "        [-0.2934, -1.3986, -0.4033],\n"
              "        [-2.1788,  0.4033, -0.5966],\n"
              "        [ 0.5684,  0.8380,  0.1820]])");
  ct_manual_seed(1); expect_repr(ct_randint(-100000, 100000, CT_SHAPE(1200)),
              "tensor([ -4155, -23861,  70124,  ...,  18491,  99354,  64984])");
  ct_manual_seed(0); expect_repr(ct_rand(CT_SHAPE(2,3), .dtype = CT_FLOAT64, .requires_grad = true),
              "tensor([[0.9701, 0.7078, 0.4594],\n"
              "        [0.9207, 0.6450, 0.7911]], dtype=torch.float64, requires_grad=True)");
  expect_repr(ct_ones(CT_SHAPE(2, 3, 1, 2)),
              "tensor([[[[1., 1.]],\n"
              "\n"
              "         [[1., 1.]],\n"
              "\n"
              "         [[1., 1.]]],\n"
              "\n"
              "\n"
              "        [[[1., 1.]],\n"
              "\n"
              "         [[1., 1.]],\n"
              "\n"
              "         [[1., 1.]]]])");
  ct_scope_end();
}

static void test_print_and_null(void **state) {
  (void)state;
  ct_scope_begin();
  assert_null(ct_to_string(NULL));
  assert_null(ct_last_error());
  ct_print(ct_scalar_tensor(1.5, CT_FLOAT32)); /* "tensor(1.5000)" on stdout */
  /* printing reads through strides and leaves nothing behind */
  int64_t live = ct_live_tensors();
  char *s = ct_to_string(ct_transpose(ct_ones(CT_SHAPE(3, 2)), 0, 1));
  assert_string_equal(s, "tensor([[1., 1., 1.],\n        [1., 1., 1.]])");
  free(s);
  assert_int_equal(ct_live_tensors(), live + 2);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars),
      cmocka_unit_test(test_vectors_and_dtypes),
      cmocka_unit_test(test_nested),
      cmocka_unit_test(test_summarized),
      cmocka_unit_test(test_grad_suffixes),
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_wrapping_and_views),
      cmocka_unit_test(test_print_and_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
