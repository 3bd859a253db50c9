/* Random numbers against PyTorch 1.13: every expected value below was printed by torch
 * (float.hex) after the same torch.manual_seed, so the comparisons are exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"

#include <stdlib.h>
#include <string.h>

/* indices used for the large tensors (first block, the 16-blocks, the redrawn tail) */
static const int64_t IDX[] = {0, 1, 2, 7, 8, 15, 16, 17, 31, 500, 983, 984, 990, 999};
#define NIDX (sizeof IDX / sizeof IDX[0])

static const double rand_f32_s0_5[] = {
    0x1.fc2ab00000000p-2, 0x1.89545e0000000p-1, 0x1.6a67500000000p-4, 0x1.0e66000000000p-3,
    0x1.3acd0c0000000p-2};
static const double rand_f64_s42_5[] = {
    0x1.dc66cbea3db30p-5, 0x1.01ae177aca870p-4, 0x1.fa3563ccea238p-4, 0x1.aebc98cb2c140p-5,
    0x1.0d66672221879p-1};
static const double rand_f32_s0_1000[] = {
    0x1.fc2ab00000000p-2, 0x1.89545e0000000p-1, 0x1.6a67500000000p-4, 0x1.caface0000000p-1,
    0x1.d290240000000p-2, 0x1.097bb00000000p-1, 0x1.6534b00000000p-1, 0x1.999b180000000p-1,
    0x1.dd2f280000000p-1, 0x1.2df5600000000p-5, 0x1.d285380000000p-3, 0x1.2447400000000p-1,
    0x1.1612640000000p-1, 0x1.9d8e600000000p-2};
static const double randn_f32_s0_5[] = {
    0x1.8a7eb80000000p+0, -0x1.2c78a00000000p-2, -0x1.16e2920000000p+1, 0x1.23096c0000000p-1,
    -0x1.15a3420000000p+0};
static const double randn_f32_s42_17[] = {
    0x1.ed4a520000000p+0, -0x1.46db0a0000000p-3, -0x1.fd55c80000000p-2, 0x1.c223b00000000p-2,
    -0x1.8429c40000000p-1, 0x1.140ca00000000p+0, 0x1.9a02880000000p-1, 0x1.ae3d260000000p+0,
    0x1.6c668a0000000p-2, 0x1.4be25e0000000p+0, 0x1.388f100000000p-1, 0x1.55b1600000000p+0,
    -0x1.da5dda0000000p-3, 0x1.5618000000000p-5, -0x1.019cf40000000p-2, 0x1.b83f600000000p-1,
    -0x1.3d29040000000p-2};
static const double randn_f32_s0_1000[] = {
    -0x1.20370a0000000p+0, -0x1.2701140000000p+0, -0x1.0097ac0000000p-2, -0x1.0ebf820000000p+1,
    0x1.4a02700000000p-2, -0x1.fa6cf80000000p-3, -0x1.5a47840000000p+0, -0x1.b2288c0000000p+0,
    -0x1.aff6660000000p-1, -0x1.5050940000000p-3, 0x1.1c123a0000000p-1, -0x1.97a6940000000p-1,
    -0x1.1f258c0000000p-1, -0x1.2c1ec00000000p-1};
static const double randn_f64_s42_5[] = {
    0x1.58c55b33d44ccp-2, 0x1.07cd39b3d4b85p-3, 0x1.e02dcdb63ec41p-3, 0x1.d7b8d7b0a7c22p-3,
    -0x1.1f7383f8320c1p+0};
static const double randn_f64_s0_100[] = {
    -0x1.27bb92e9262dcp+1, -0x1.7e35794939460p-2, -0x1.0f91ae8d685b6p+0, 0x1.ffbfb0ada994bp-1,
    -0x1.c49eece710105p-1, -0x1.468a3e5dc9291p+0, -0x1.3f174ac92d21fp-1, -0x1.bb9e3bd0377c5p-1,
    -0x1.4bae386384915p+0, 0x1.860cb8d864a6ep+0, 0x1.4b6dacf0761e0p-2, 0x1.0244d8bac2a66p+1,
    0x1.22c0028f12ffap+0, -0x1.3a14e53b15145p+0, 0x1.24683cd232da0p-4, 0x1.5a213bee53bb6p-2,
    0x1.3a681547ffa4ep-3, -0x1.443c91ccf2402p-1, -0x1.42cbf54f08f8ep+0, -0x1.7432edfaba107p-1,
    -0x1.471a3c0e2f22ap-6, 0x1.aeb1b572b6a04p-3, 0x1.6ae2402b7b62bp-3, -0x1.a9389d082941dp-1,
    0x1.02dd4bc0227c5p+0, -0x1.f101e358981adp-3, -0x1.8bc82256d975bp-1, -0x1.985dd0627b1f0p+0,
    -0x1.5fbef2bc4be3bp-1, 0x1.7cf270386ca66p+0, -0x1.cb2d8340fb171p-2, -0x1.c8318cc163de5p-1,
    -0x1.77c6300e0f077p-4, 0x1.1cd656a35eff9p-1, -0x1.35891f4f02060p-7, -0x1.37ba62e400bcbp+0,
    -0x1.43f588d034767p+0, -0x1.1e99db95d2a82p+0, 0x1.2a9ecee4e86fdp+0, 0x1.da3b24012ae8bp-1,
    0x1.4ecf310f0f94bp-1, 0x1.2f8b945911558p-3, -0x1.256769ff4714ep+0, 0x1.df6e45cb50a80p+0,
    -0x1.3d5a59dba2ccep-2, 0x1.ebe39d52b4666p-3, -0x1.594867157f914p+0, 0x1.f487830a0303bp-3,
    -0x1.9299117aa5b39p+1, -0x1.d1d7e35b89a08p-4, 0x1.b23a536534125p+0, -0x1.54958cf4318f8p-1,
    -0x1.2ca870bedb0bbp-1, 0x1.6a8263ad29afdp+1, 0x1.ced8be3eb51bcp-1, 0x1.e54ad47980710p-1,
    -0x1.6185107d94c5dp+0, -0x1.070214d2a8d63p+1, 0x1.85bf43dafb353p-5, -0x1.8ad28c0016161p-2,
    -0x1.19a2c0fcc0db5p-2, 0x1.c5ef13746de53p-1, 0x1.7c59903ede70cp+0, -0x1.0169b1e9a1882p-7,
    -0x1.20f8f299b5c59p+0, -0x1.80137be6ed062p-4, 0x1.ff26e3bfd40d4p-1, -0x1.526b1ae919359p-4,
    0x1.75d34f81a1b7cp-3, 0x1.e6dcdd509a780p-1, -0x1.c35e9215c5908p+0, 0x1.02bf4f8438864p+0,
    0x1.7fbcef3455b71p-1, -0x1.1f0117d050052p-1, 0x1.301d6d91e1470p-4, 0x1.fe5f90fddc75cp+0,
    0x1.cca97fe8f2218p-2, 0x1.8d9aefaf58eb0p+0, 0x1.ba40bd9467e6dp-5, 0x1.7974ff9889d20p+0,
    -0x1.6707ab973e124p-1, 0x1.4e15ffdcbdf83p-2, -0x1.bf6b1ae73261dp-1, 0x1.9396073bb7110p-2,
    0x1.acdeebba76c45p-2, 0x1.5fa826598e3a0p-2, -0x1.64f759013ef7fp-2, -0x1.35859b9ec6b7ep+0,
    -0x1.103e1edabe538p+0, 0x1.8be1478ca7bcep+0, -0x1.4a7ab4dd8a25dp-1, 0x1.4943e9b242292p+1,
    -0x1.c1f7efa34a337p-2, 0x1.5b739f57b4432p+1, -0x1.76928cdf1c580p+0, 0x1.be30ad4f4f85dp-2,
    -0x1.d22ef196a05afp-3, 0x1.139fa00c3c431p+1, -0x1.fa1d68ec5a28dp-1, 0x1.737b0be1c7d86p-1};
static const double randn_f64_s42_1000[] = {
    0x1.32bee22ccb503p-2, 0x1.f063c46668b78p-3, 0x1.22011e840abbdp-2, -0x1.bf975374a1832p+0,
    0x1.63479875eff86p-3, -0x1.7df87a7384c38p+0, 0x1.af4f50453b3d3p-2, 0x1.812ba60e823bdp+0,
    0x1.b5deddd314d28p-1, 0x1.64a3f85451649p-1, -0x1.356834409f2acp-3, -0x1.f5b4ceab8915ap-3,
    0x1.bc430d9289f27p+0, -0x1.4063f01060554p-2};
static const double randn_cache_s0[] = {
    0x1.8a7eb8902be3ap+0, -0x1.2c78a087c6feap-2, -0x1.16e2920a70ee5p+1, 0x1.23096ca3e350dp-1,
    -0x1.15a341987e136p+0, -0x1.660a590b74404p+0};
static const double normal_f32_s0_33[] = {
    -0x1.2844cc0000000p+1, -0x1.30c1580000000p+1, -0x1.02f65c0000000p-3, -0x1.2b5d680000000p-1,
    0x1.4f965a0000000p+1, 0x1.1d71640000000p+1, -0x1.28fe200000000p-2, -0x1.326f620000000p+2,
    0x1.4e41860000000p+0, -0x1.5444620000000p+1, 0x1.5ffd3e0000000p+0, 0x1.4534aa0000000p+0,
    0x1.9965aa0000000p-1, 0x1.cc0cf00000000p+1, 0x1.a55e640000000p+1, -0x1.e420d80000000p-4,
    -0x1.70d9640000000p+1, 0x1.2870500000000p-1, -0x1.76a0640000000p-1, 0x1.1efc460000000p+0,
    0x1.9967c40000000p+0, 0x1.8fe2e60000000p-1, 0x1.0d0db60000000p+1, 0x1.9a570c0000000p+0,
    -0x1.44e1280000000p-5, 0x1.3d95040000000p+1, -0x1.cb193e0000000p-3, 0x1.4335a80000000p-1,
    0x1.cea1760000000p+0, 0x1.905a540000000p+2, -0x1.960bca0000000p+1, -0x1.bbbd8c0000000p+1,
    0x1.c108160000000p+1};
static const double normal_f64_s42_7[] = {
    0x1.577b590064b00p+0, 0x1.a4e0441064f33p-1, 0x1.160e5048f39d4p+0, 0x1.1369c367346cbp+0,
    -0x1.275064f63e8f1p+1, 0x1.17ff1611cd634p-5, 0x1.814fed3c9664ap+2};
static const double uniform_f32_s0_1000[] = {
    0x1.a846720000000p-1, 0x1.307e9e0000000p+1, -0x1.7ee4cc0000000p+0, 0x1.8e0bca0000000p+1,
    0x1.31b4640000000p-1, 0x1.e941020000000p-1, 0x1.fa095a0000000p+0, 0x1.47b0340000000p+1,
    0x1.a7fcca0000000p+1, -0x1.ca36b20000000p+0, -0x1.67355e0000000p-1, 0x1.40fe420000000p+0,
    0x1.1881340000000p+0, 0x1.35451e0000000p-2};
static const double uniform_f64_s42_5[] = {
    -0x1.ab2416e0ad028p+0, -0x1.a433946f74a65p+0, -0x1.4ba9c7a566302p+0, -0x1.b34667fbcf594p+0,
    0x1.ff947f0f58b7fp-1};
static const double randint_s0[] = {
    4, 9, 3, 0, 3, 9, 7, 3, 7, 3, 1, 6, 6, 9, 8, 6, 6, 8, 4, 3};
static const double randint_big_s42[] = {
    441476371554, 395845085946, 458553876606, 809967084457, 439988413510, 902359435404};
static const double randint_u8_s0[] = {
    118, 193, 119, 64, 61, 24, 37, 107, 92, 39};
static const double randint_f32_s42[] = {
    -0x1.0000000000000p+0, 0x1.0000000000000p+2, 0x1.8000000000000p+1, 0x1.0000000000000p+0,
    0x1.8000000000000p+1, 0x1.0000000000000p+1, -0x1.8000000000000p+1, 0x1.0000000000000p+0};
static const double randperm10_s0[] = {
    4, 1, 7, 5, 3, 9, 0, 8, 6, 2};
static const double randperm1000_s42[] = {
    542, 618, 816, 585, 942, 982, 315, 52, 997, 882, 466, 400, 219, 455};
static const double randperm_f64_s0[] = {
    0x1.0000000000000p+3, 0x0.0p+0, 0x1.4000000000000p+2, 0x1.2000000000000p+3,
    0x1.c000000000000p+2, 0x1.0000000000000p+2, 0x1.0000000000000p+1, 0x1.4000000000000p+3,
    0x1.8000000000000p+1, 0x1.0000000000000p+0, 0x1.6000000000000p+3, 0x1.8000000000000p+2};
static const double bern_f32_s0[] = {
    0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0,
    0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0,
    0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0};
static const double bern_i64_s42[] = {
    1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1};
static const double bernt_f32_s0[] = {
    0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0,
    0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0,
    0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0};
static const double bernt_f64_s42[] = {
    0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x1.0000000000000p+0,
    0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0x1.0000000000000p+0};
static const double nc_normal_f32_s0[] = {
    0x1.8a7eb80000000p+0, -0x1.660a5a0000000p+0, -0x1.317a300000000p-1, 0x1.f695940000000p-4,
    -0x1.2c78a00000000p-2, 0x1.9d06f40000000p-2, 0x1.74cf8c0000000p-3, -0x1.21f45e0000000p-1,
    -0x1.16e2920000000p+1, 0x1.ad11ca0000000p-1, -0x1.b69e0e0000000p-1, 0x1.7e11c40000000p-2,
    0x1.23096c0000000p-1, -0x1.7042880000000p-1, 0x1.19c1320000000p+0, -0x1.c8b39c0000000p-1,
    -0x1.15a3420000000p+0, -0x1.9d06160000000p-2, -0x1.1239560000000p+0, -0x1.8254e20000000p+0};
static const double nc_uniform_f64_s42[] = {
    0x1.dc66cbea3db30p-5, 0x1.e83a4332fe9acp-2, 0x1.41a5439c3f4d0p-3, 0x1.399149e1344a0p-1,
    0x1.01ae177aca870p-4, 0x1.e914a759155cap-1, 0x1.8060371a9d2aep-2, 0x1.68e5ce4aa69c8p-4,
    0x1.fa3563ccea238p-4, 0x1.db857556ded74p-1, 0x1.af5ebf044fd9dp-1, 0x1.6701501cf18fcp-1,
    0x1.aebc98cb2c140p-5, 0x1.5631924975b38p-4, 0x1.bdb2500330981p-1, 0x1.3f2eb05e76b58p-1,
    0x1.0d66672221879p-1, 0x1.0fa5e9a828208p-3, 0x1.8297ffc032776p-2, 0x1.bfc610caf43b4p-2};

/* All n values of t (row-major, logical order) must equal want exactly. */
static void check_all(const ct_tensor *t, const double *want, int64_t n) {
  assert_non_null(t);
  assert_int_equal(ct_numel(t), n);
  double *got = malloc(sizeof(double) * (size_t)n);
  assert_int_equal(ct_to_doubles(t, got, n), n);
  for (int64_t i = 0; i < n; i++) {
    if (got[i] != want[i]) fail_msg("element %lld: got %a want %a", (long long)i, got[i], want[i]);
  }
  free(got);
}

/* The IDX elements of a 1000-element t. */
static void check_idx(const ct_tensor *t, const double *want) {
  assert_non_null(t);
  assert_int_equal(ct_numel(t), 1000);
  double got[1000];
  assert_int_equal(ct_to_doubles(t, got, 1000), 1000);
  for (size_t i = 0; i < NIDX; i++) {
    if (got[IDX[i]] != want[i])
      fail_msg("element %lld: got %a want %a", (long long)IDX[i], got[IDX[i]], want[i]);
  }
}

#define N(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

static void test_rand(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *a = ct_rand(CT_SHAPE(5));
  assert_int_equal(ct_dtype_of(a), CT_FLOAT32);
  check_all(a, rand_f32_s0_5, 5);
  ct_manual_seed(42);
  check_all(ct_rand(CT_SHAPE(5), .dtype = CT_FLOAT64), rand_f64_s42_5, 5);
  ct_manual_seed(0);
  check_idx(ct_rand(CT_SHAPE(1000)), rand_f32_s0_1000);
  /* same seed, same numbers; rand_like follows the input's dtype */
  ct_manual_seed(42);
  ct_tensor *b = ct_rand_like(ct_zeros(CT_SHAPE(5), .dtype = CT_FLOAT64));
  assert_int_equal(ct_dtype_of(b), CT_FLOAT64);
  check_all(b, rand_f64_s42_5, 5);
  ct_scope_end();
}

static void test_randn(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  check_all(ct_randn(CT_SHAPE(5)), randn_f32_s0_5, 5); /* scalar Box-Muller path */
  ct_manual_seed(42);
  check_all(ct_randn(CT_SHAPE(17)), randn_f32_s42_17, 17); /* AVX2 path with a redrawn tail */
  ct_manual_seed(0);
  check_idx(ct_randn(CT_SHAPE(10, 100)), randn_f32_s0_1000);
  ct_manual_seed(42);
  check_all(ct_randn(CT_SHAPE(5), .dtype = CT_FLOAT64), randn_f64_s42_5, 5);
  ct_manual_seed(0);
  check_all(ct_randn(CT_SHAPE(100), .dtype = CT_FLOAT64), randn_f64_s0_100, 100);
  ct_manual_seed(42);
  check_idx(ct_randn(CT_SHAPE(1000), .dtype = CT_FLOAT64), randn_f64_s42_1000);
  /* the second Box-Muller value is cached in the generator across calls */
  ct_manual_seed(0);
  ct_tensor *x = ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64);
  ct_tensor *y = ct_randn_like(x);
  double got[6];
  ct_to_doubles(x, got, 3);
  ct_to_doubles(y, got + 3, 3);
  for (int i = 0; i < 6; i++) assert_true(got[i] == randn_cache_s0[i]);
  ct_scope_end();
}

static void test_normal_uniform_inplace(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *t = ct_empty(CT_SHAPE(33));
  assert_ptr_equal(ct_normal_(t, 0.5, 2.5, NULL), t);
  check_all(t, normal_f32_s0_33, 33);
  ct_manual_seed(42);
  check_all(ct_normal_(ct_empty(CT_SHAPE(7), .dtype = CT_FLOAT64), 0.5, 2.5, NULL),
            normal_f64_s42_7, 7);
  ct_manual_seed(0);
  check_idx(ct_uniform_(ct_empty(CT_SHAPE(1000)), -2, 3.7, NULL), uniform_f32_s0_1000);
  ct_manual_seed(42);
  check_all(ct_uniform_(ct_empty(CT_SHAPE(5), .dtype = CT_FLOAT64), -2, 3.7, NULL),
            uniform_f64_s42_5, 5);
  /* non-contiguous: drawn in memory order (TensorIterator), compared in logical order */
  ct_manual_seed(0);
  ct_tensor *nc = ct_transpose(ct_empty(CT_SHAPE(4, 5)), 0, 1);
  check_all(ct_normal_(nc, 0, 1, NULL), nc_normal_f32_s0, 20);
  ct_manual_seed(42);
  nc = ct_transpose(ct_empty(CT_SHAPE(4, 5), .dtype = CT_FLOAT64), 0, 1);
  check_all(ct_uniform_(nc, 0, 1, NULL), nc_uniform_f64_s42, 20);
  ct_scope_end();
}

static void test_randint(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *a = ct_randint(0, 10, CT_SHAPE(20));
  assert_int_equal(ct_dtype_of(a), CT_INT64);
  check_all(a, randint_s0, 20);
  ct_manual_seed(42); /* a range of 2^40 draws 64 bits per element */
  check_all(ct_randint(-5, 1ll << 40, CT_SHAPE(6)), randint_big_s42, 6);
  ct_manual_seed(0);
  check_all(ct_randint(3, 200, CT_SHAPE(10), .dtype = CT_UINT8), randint_u8_s0, 10);
  ct_manual_seed(42);
  check_all(ct_randint(-3, 7, CT_SHAPE(8), .dtype = CT_FLOAT32), randint_f32_s42, 8);
  ct_scope_end();
}

static void test_randperm(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *p = ct_randperm(10);
  assert_int_equal(ct_dtype_of(p), CT_INT64);
  check_all(p, randperm10_s0, 10);
  ct_manual_seed(42);
  check_idx(ct_randperm(1000), randperm1000_s42);
  ct_manual_seed(0);
  check_all(ct_randperm(12, .dtype = CT_FLOAT64), randperm_f64_s0, 12);
  assert_int_equal(ct_numel(ct_randperm(0)), 0);
  ct_scope_end();
}

static void test_bernoulli(void **state) {
  (void)state;
  ct_scope_begin();
  ct_manual_seed(0);
  check_all(ct_bernoulli_(ct_empty(CT_SHAPE(20)), 0.3, NULL), bern_f32_s0, 20);
  ct_manual_seed(42);
  check_all(ct_bernoulli_(ct_empty(CT_SHAPE(12), .dtype = CT_INT64), 0.7, NULL), bern_i64_s42, 12);
  ct_manual_seed(0);
  ct_tensor *b = ct_bernoulli(ct_rand(CT_SHAPE(16)), NULL);
  assert_int_equal(ct_dtype_of(b), CT_FLOAT32);
  check_all(b, bernt_f32_s0, 16);
  ct_manual_seed(42);
  check_all(ct_bernoulli(ct_rand(CT_SHAPE(3, 4), .dtype = CT_FLOAT64), NULL), bernt_f64_s42, 12);
  ct_scope_end();
}

/* A private generator gives the seeded sequence and leaves the default one alone. */
static void test_generator(void **state) {
  (void)state;
  ct_scope_begin();
  ct_generator *g = ct_generator_new(42);
  ct_manual_seed(0);
  check_all(ct_rand(CT_SHAPE(5), .dtype = CT_FLOAT64, .generator = g), rand_f64_s42_5, 5);
  check_all(ct_rand(CT_SHAPE(5)), rand_f32_s0_5, 5);
  ct_generator_manual_seed(g, 0);
  check_all(ct_randint(0, 10, CT_SHAPE(20), .generator = g), randint_s0, 20);
  ct_generator_manual_seed(g, 0);
  check_all(ct_normal_(ct_empty(CT_SHAPE(33)), 0.5, 2.5, g), normal_f32_s0_33, 33);
  ct_generator_manual_seed(g, 42);
  check_all(ct_randn(CT_SHAPE(5), .dtype = CT_FLOAT64, .generator = g), randn_f64_s42_5, 5);
  ct_generator_manual_seed(g, 0);
  check_all(ct_randperm(10, .generator = g), randperm10_s0, 10);
  ct_generator_free(g);
  ct_scope_end();
}

static void test_options_and_autograd(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *r = ct_randn(CT_SHAPE(2, 3), .requires_grad = true);
  assert_true(ct_requires_grad(r));
  assert_true(ct_is_leaf(r));
  assert_true(ct_requires_grad(ct_randint(0, 3, CT_SHAPE(2), .dtype = CT_FLOAT64,
                                          .requires_grad = true)));
  /* an in-place fill of a non-leaf records a zero-gradient node under PyTorch's name */
  ct_tensor *x = ct_randn(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  ct_tensor *y = ct_mul(x, x);
  assert_ptr_equal(ct_normal_(y, 0, 1, NULL), y);
  assert_string_equal(ct_grad_fn_name(y), "NormalBackward0");
  assert_string_equal(ct_grad_fn_name(ct_uniform_(y, 0, 1, NULL)), "UniformBackward0");
  assert_string_equal(ct_grad_fn_name(ct_bernoulli_(y, 0.5, NULL)), "BernoulliBackward2");
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  double g[3];
  ct_to_doubles(ct_grad(x), g, 3);
  for (int i = 0; i < 3; i++) assert_true(g[i] == 0.0);
  ct_tensor *p = ct_full(CT_SHAPE(3), 0.5, .requires_grad = true);
  assert_string_equal(ct_grad_fn_name(ct_bernoulli(p, NULL)), "BernoulliBackward0");
  ct_scope_end();
}

#define EXPECT_ERR(expr, msg)                               \
  do {                                                      \
    assert_null(expr);                                      \
    assert_non_null(ct_last_error());                       \
    assert_non_null(strstr(ct_last_error(), msg));          \
    ct_clear_error();                                       \
  } while (0)

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  EXPECT_ERR(ct_rand(CT_SHAPE(3), .dtype = CT_INT64),
             "\"check_uniform_bounds\" not implemented for 'Long'");
  EXPECT_ERR(ct_randn(CT_SHAPE(3), .dtype = CT_INT64),
             "\"normal_kernel_cpu\" not implemented for 'Long'");
  EXPECT_ERR(ct_randint(5, 5, CT_SHAPE(3)),
             "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  EXPECT_ERR(ct_randint(0, 300, CT_SHAPE(3), .dtype = CT_UINT8),
             "to - 1 is out of bounds for unsigned char");
  EXPECT_ERR(ct_randint(-1, 3, CT_SHAPE(3), .dtype = CT_UINT8),
             "from is out of bounds for unsigned char");
  EXPECT_ERR(ct_randperm(-1), "Trying to create tensor with negative dimension -1: [-1]");
  EXPECT_ERR(ct_randperm((1 << 24) + 2, .dtype = CT_FLOAT32),
             "n cannot be greater than 2^24+1 for Float type.");
  EXPECT_ERR(ct_uniform_(ct_empty(CT_SHAPE(3)), 1, 0, NULL),
             "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  EXPECT_ERR(ct_normal_(ct_empty(CT_SHAPE(3)), 0, -1, NULL),
             "normal expects std >= 0.0, but found std -1");
  EXPECT_ERR(ct_normal_(ct_empty(CT_SHAPE(3), .dtype = CT_INT64), 0, 1, NULL),
             "\"normal_kernel_cpu\" not implemented for 'Long'");
  EXPECT_ERR(ct_bernoulli_(ct_empty(CT_SHAPE(3)), 1.5, NULL),
             "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  EXPECT_ERR(ct_bernoulli(ct_zeros(CT_SHAPE(2), .dtype = CT_INT64), NULL),
             "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'");
  EXPECT_ERR(ct_bernoulli(ct_full(CT_SHAPE(2), 1.5), NULL), "Expected p_in >= 0 && p_in <= 1");
  EXPECT_ERR(ct_normal_(ct_zeros(CT_SHAPE(3), .requires_grad = true), 0, 1, NULL),
             "a leaf Variable that requires grad is being used in an in-place operation.");
  /* NULL in, NULL out, no new message */
  assert_null(ct_normal_(NULL, 0, 1, NULL));
  assert_null(ct_rand_like(NULL));
  assert_null(ct_bernoulli(NULL, NULL));
  assert_null(ct_last_error());
  ct_scope_end();
}

static void test_no_leaks(void **state) {
  (void)state;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_manual_seed(1);
  ct_normal_(ct_transpose(ct_empty(CT_SHAPE(3, 40)), 0, 1), 0, 1, NULL);
  ct_bernoulli(ct_transpose(ct_rand(CT_SHAPE(3, 4)), 0, 1), NULL);
  ct_randn(CT_SHAPE(100), .dtype = CT_FLOAT64);
  ct_randperm(100);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rand),        cmocka_unit_test(test_randn),
      cmocka_unit_test(test_normal_uniform_inplace),
      cmocka_unit_test(test_randint),     cmocka_unit_test(test_randperm),
      cmocka_unit_test(test_bernoulli),   cmocka_unit_test(test_generator),
      cmocka_unit_test(test_options_and_autograd),
      cmocka_unit_test(test_errors),      cmocka_unit_test(test_no_leaks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
