/* Robustness sweep over the shuffles and distances of functional.h (src/ops/shuffle.c,
 * distance.c, gumbel_softmax in activation_param.c): NULL arguments, every dtype (PyTorch
 * 1.13's result dtype or an error, from /usr/bin/python3), non-contiguous and empty inputs (the
 * contiguous copy's answer), hostile factors, groups, p and dims, and no leak anywhere. */
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

#define SH(...) CT_SHAPE(__VA_ARGS__)

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_ones(SH(2, 4, 2, 2));
  NP(ct_pixel_shuffle(NULL, 2));          NP(ct_pixel_unshuffle(NULL, 2));
  NP(ct_channel_shuffle(NULL, 2));        NP(ct_pdist(NULL, 2));
  NP(ct_pairwise_distance(NULL, x));      NP(ct_pairwise_distance(x, NULL));
  NP(ct_cosine_similarity(NULL, x));      NP(ct_cosine_similarity(x, NULL));
  NP(ct_normalize(NULL));                 NP(ct_gumbel_softmax(NULL));
  NP(ct_gumbel_softmax(NULL, .hard = true));
  ct_release(x);
}

/* each function on a (2, 4, 2, 2) input (and a second operand of the same values) */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
static ct_tensor *f_ps(const ct_tensor *t) { return ct_pixel_shuffle(t, 2); }
static ct_tensor *f_pu(const ct_tensor *t) { return ct_pixel_unshuffle(t, 2); }
static ct_tensor *f_cs(const ct_tensor *t) { return ct_channel_shuffle(t, 2); }
static ct_tensor *f_pd(const ct_tensor *t) { return ct_pairwise_distance(t, ct_flip(t, 1, (int64_t[]){-1})); }
static ct_tensor *f_cos(const ct_tensor *t) { return ct_cosine_similarity(t, ct_flip(t, 1, (int64_t[]){-1})); }
static ct_tensor *f_pdist(const ct_tensor *t) { return ct_pdist(ct_reshape(t, 2, (int64_t[]){-1, 4}), 1.5); }
static ct_tensor *f_nrm(const ct_tensor *t) { return ct_normalize(t, .p = 3, .dim = -1); }
static ct_tensor *f_gumbel(const ct_tensor *t) {
  ct_manual_seed(5);
  return ct_gumbel_softmax(t, .hard = true, .dim = 1);
}
#define FLOAT_ONLY -2, -2, -2, -2, -2, -2, 6, 7
static const struct {
  const char *name;
  un_fn f;
  int dt[CT_NUM_DTYPES];
} FNS[] = {
    {"pixel_shuffle", f_ps, {0, 1, 2, 3, 4, 5, 6, 7}},
    {"pixel_unshuffle", f_pu, {0, 1, 2, 3, 4, 5, 6, 7}},
    {"channel_shuffle", f_cs, {0, 1, 2, 3, 4, 5, 6, 7}},
    {"pairwise_distance", f_pd, {-2, 6, 6, 6, 6, 6, 6, 7}},
    {"cosine_similarity", f_cos, {FLOAT_ONLY}},
    {"pdist", f_pdist, {FLOAT_ONLY}},
    {"normalize", f_nrm, {FLOAT_ONLY}},
    {"gumbel_softmax", f_gumbel, {FLOAT_ONLY}},
};

enum { L_CONTIG, L_PERMUTED, L_STEP2, L_EXPANDED, L_EMPTY, L_N };
static const char *LNAME[L_N] = {"contig", "permuted", "step2", "expanded", "(0,4,2,2)"};
static ct_tensor *layout(int which, ct_dtype dt) {
  ct_tensor *r = ct_arange(0, 64, 1, .dtype = CT_FLOAT64);
  r = dt == CT_BOOL ? ct_ne_scalar(ct_remainder_scalar(r, 3), 0) : ct_to(ct_sub_scalar(ct_remainder_scalar(r, 7), 3), dt);
  switch (which) {
  case L_CONTIG: return ct_reshape(ct_narrow(r, 0, 0, 32), 4, (int64_t[]){2, 4, 2, 2});
  case L_PERMUTED: return ct_permute(ct_reshape(ct_narrow(r, 0, 0, 32), 4, (int64_t[]){2, 2, 4, 2}), 4, (int64_t[]){3, 2, 1, 0});
  case L_STEP2: return ct_slice(ct_reshape(r, 4, (int64_t[]){2, 4, 2, 4}), 3, CT_NONE, CT_NONE, 2);
  case L_EXPANDED: return ct_expand(ct_reshape(ct_narrow(r, 0, 0, 16), 4, (int64_t[]){1, 4, 2, 2}), SH(2, 4, 2, 2));
  default: return ct_zeros(SH(0, 4, 2, 2), .dtype = dt);
  }
}

static void test_sweep(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int l = 0; l < L_N; l++) {
        live_mark m = leak_begin();
        char what[96];
        snprintf(what, sizeof what, "%s %s %s", FNS[i].name, ct_dtype_name((ct_dtype)d), LNAME[l]);
        ct_tensor *x = layout(l, (ct_dtype)d);
        ct_tensor *r = FNS[i].f(x);
        int want = ct_test_want(FNS[i].dt, d);
        if (want == -2 && (r || !ct_last_error())) fail_msg("%s: PyTorch rejects it", what);
        if (want != -2 && (!r || (int)ct_dtype_of(r) != want))
          fail_msg("%s: got %s (%s)", what, r ? ct_dtype_name(ct_dtype_of(r)) : "error", ct_last_error() ? ct_last_error() : "");
        ct_clear_error();
        ct_tensor *c = FNS[i].f(ct_contiguous(x));
        ct_clear_error();
        if (!ct_test_same(r, c)) fail_msg("%s differs from the contiguous copy", what);
        leak_end(m, what, __LINE__);
      }
}

/* gradients through non-contiguous float64 inputs equal the contiguous input's */
static void test_grad_layouts(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
    for (int l = 0; l < L_N; l++) {
      live_mark m = leak_begin();
      ct_tensor *x = ct_detach(layout(l, CT_FLOAT64)), *xc = ct_contiguous(x);
      ct_requires_grad_(x, true);
      ct_requires_grad_(xc, true);
      ct_tensor *w = ct_cos(ct_arange(0, (double)ct_numel(FNS[i].f(xc)), 1, .dtype = CT_FLOAT64));
      ct_tensor *a = FNS[i].f(x), *b = FNS[i].f(xc);
      assert_non_null(a);
      assert_int_equal(ct_backward(ct_sum(ct_mul(ct_flatten(a, 0, -1), w))), 0);
      assert_int_equal(ct_backward(ct_sum(ct_mul(ct_flatten(b, 0, -1), w))), 0);
      if (!ct_test_same(ct_grad(x), ct_grad(xc)))
        fail_msg("%s %s: gradient differs from the contiguous input's", FNS[i].name, LNAME[l]);
      leak_end(m, FNS[i].name, __LINE__);
    }
}

static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(1, 4, 2, 2)), *e = ct_zeros(SH(1, 0, 3, 3));
  /* factors whose square or output size overflows int64 */
  expect_error(ct_pixel_shuffle(x, INT64_MAX), "is not divisible by");
  expect_error(ct_pixel_shuffle(e, 3037000500LL), "is not divisible by");
  expect_error(ct_pixel_shuffle(e, 3037000499LL), "overflow" /* the (1, 0, r, r, 3, 3) view's strides */);
  expect_error(ct_pixel_unshuffle(x, INT64_MAX), "expects height to be divisible");
  expect_error(ct_pixel_shuffle(x, INT64_MIN), "expects a positive upscale_factor, but got -9223372036854775808");
  expect_error(ct_pixel_unshuffle(ct_zeros(SH(1, 3, 0, 0)), 1LL << 62), "makes the output size overflow");
  expect_error(ct_channel_shuffle(x, INT64_MAX), "Number of channels must be divisible by groups. Got 4 channels and 9223372036854775807 groups.");
  expect_error(ct_channel_shuffle(x, INT64_MIN), "Value of groups:-9223372036854775808");
  /* empty channels divide by anything */
  assert_int_equal(ct_numel(ct_channel_shuffle(e, 5)), 0);
  assert_int_equal(ct_numel(ct_pixel_unshuffle(e, 3)), 0);
  /* p and dims */
  expect_error(ct_pdist(ct_ones(SH(3, 2)), NAN), "pdist only supports non-negative p values");
  expect_error(ct_pdist(ct_ones(SH(3, 2)), -INFINITY), "pdist only supports non-negative p values");
  expect_error(ct_pdist(ct_ones(SH(3, 2, 1)), 2), "pdist only supports 2D tensors, got: 3D");
  expect_error(ct_cosine_similarity(x, x, .dim = INT64_MIN), "Dimension out of range");
  expect_error(ct_normalize(x, .dim = INT64_MAX), "Dimension out of range");
  expect_error(ct_gumbel_softmax(x, .dim = INT64_MIN), "Dimension out of range");
  assert_non_null(ct_normalize(x, .p = 0));
  assert_non_null(ct_pairwise_distance(x, x, .p = -1));
  /* tau = 0 and infinite logits: PyTorch's NaN and inf, not a crash */
  ct_tensor *g = ct_gumbel_softmax(x, .tau = 0);
  assert_non_null(g);
  ct_tensor *inf = ct_full(SH(2, 3), INFINITY);
  assert_non_null(ct_gumbel_softmax(inf, .hard = true));
  assert_non_null(ct_pdist(inf, 2));
  assert_non_null(ct_cosine_similarity(inf, inf));
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_sweep),
      cmocka_unit_test(test_grad_layouts),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
