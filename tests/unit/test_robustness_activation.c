/* Robustness sweep over the activations of functional.h (src/ops/activation*.c): NULL
 * arguments, every dtype (PyTorch 1.13's result dtype or an error, from /usr/bin/python3),
 * 0-dim, empty and non-contiguous inputs (the same answer as on a contiguous copy), in-place
 * forms on views and on expanded tensors, hostile arguments (infinite, NaN, huge limits and
 * dims), and no leak anywhere (live tensors and bytes compared around each call). */
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

#define same_result ct_test_same

/* ---- input zoo: (2, 4)-shaped values in several layouts, of dtype dt ---------------------- */
enum { Z_CONTIG, Z_TRANSPOSED, Z_STEP2, Z_EXPANDED, Z_NARROW, Z_SCALAR, Z_EMPTY, Z_EMPTY3, Z_N };
static const char *ZNAME[Z_N] = {"contig", "transposed", "step2", "expanded", "narrow", "0-dim", "(0,4)", "(2,0,4)"};
static ct_tensor *zoo(int which, ct_dtype dt) {
  static const double v16[16] = {1, -2, 3, 0.5, 5, -6, 2, 8, -1, 4, 0, 7, -3.5, 2.5, -0.25, 6};
  ct_tensor *base = ct_tensor_from(v16, CT_FLOAT64, 1, (int64_t[]){16});
  base = dt == CT_BOOL ? ct_ne_scalar(base, 0) : ct_to(base, dt);
  switch (which) {
  case Z_CONTIG: return ct_view(ct_narrow(base, 0, 0, 8), SH(2, 4));
  case Z_TRANSPOSED: return ct_t(ct_view(ct_narrow(base, 0, 0, 8), SH(4, 2)));
  case Z_STEP2: return ct_slice(ct_view(base, SH(2, 8)), 1, CT_NONE, CT_NONE, 2);
  case Z_EXPANDED: return ct_expand(ct_view(ct_narrow(base, 0, 0, 4), SH(1, 4)), SH(2, 4));
  case Z_NARROW: return ct_narrow(ct_view(base, SH(4, 4)), 1, 0, 4);
  case Z_SCALAR: return ct_scalar_tensor(-2.5, dt);
  case Z_EMPTY: return ct_zeros(SH(0, 4), .dtype = dt);
  default: return ct_zeros(SH(2, 0, 4), .dtype = dt);
  }
}

/* ---- the functions, out of place ---------------------------------------------------------- */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
typedef ct_tensor *(*inpl_fn)(ct_tensor *);
static ct_tensor *f_hardtanh(const ct_tensor *t) { return ct_hardtanh(t, .min_val = -2, .max_val = 3); }
static ct_tensor *f_threshold(const ct_tensor *t) { return ct_threshold(t, 1, 5); }
static ct_tensor *f_leaky(const ct_tensor *t) { return ct_leaky_relu(t, .negative_slope = 0.2); }
static ct_tensor *f_rrelu(const ct_tensor *t) { return ct_rrelu(t); }
static ct_tensor *f_elu(const ct_tensor *t) { return ct_elu(t); }
static ct_tensor *f_celu(const ct_tensor *t) { return ct_celu(t, .alpha = 2); }
static ct_tensor *f_softplus(const ct_tensor *t) { return ct_softplus(t, .beta = 2, .threshold = 3); }
static ct_tensor *f_softshrink(const ct_tensor *t) { return ct_softshrink(t); }
static ct_tensor *f_hardshrink(const ct_tensor *t) { return ct_hardshrink(t, .lambd = 1); }
static ct_tensor *f_softmin(const ct_tensor *t) { return ct_softmin(t, 0); }
static ct_tensor *f_glu(const ct_tensor *t) { return ct_glu(t, -1); }
static ct_tensor *f_prelu(const ct_tensor *t) {
  return ct_prelu(t, ct_full(SH(1), 0.25, .dtype = ct_dtype_of(t)));
}

#define U(f, ...) {#f, f, {__VA_ARGS__}}
#define FLOAT_ONLY -2, -2, -2, -2, -2, -2, 6, 7
static const struct {
  const char *name;
  un_fn f;
  int dt[CT_NUM_DTYPES]; /* PyTorch's result dtype per input dtype; -2: an error */
} FNS[] = {
    U(ct_relu6, -2, 1, 2, 3, 4, 5, 6, 7),   U(f_hardtanh, -2, -2, 2, 3, 4, 5, 6, 7),
    U(f_threshold, -2, 1, 2, 3, 4, 5, 6, 7), U(f_leaky, FLOAT_ONLY), U(f_rrelu, FLOAT_ONLY),
    U(f_elu, FLOAT_ONLY),       U(f_celu, FLOAT_ONLY),        U(ct_selu, FLOAT_ONLY),
    U(f_softplus, FLOAT_ONLY),  U(f_softshrink, FLOAT_ONLY),  U(f_hardshrink, FLOAT_ONLY),
    U(ct_logsigmoid, FLOAT_ONLY), U(ct_hardsigmoid, FLOAT_ONLY), U(ct_hardswish, FLOAT_ONLY),
    U(ct_mish, FLOAT_ONLY),     U(ct_softsign, -2, 6, 6, 6, 6, 6, 6, 7),
    U(ct_tanhshrink, -2, 6, 6, 6, 6, 6, 6, 7), U(f_softmin, FLOAT_ONLY), U(f_glu, FLOAT_ONLY),
    U(f_prelu, FLOAT_ONLY),
};

/* the inputs of PyTorch's dtype table: [0, 1, 2, 3, 5, 1] ([0, 1, 1, 0, 1, 1] for bool) */
static ct_tensor *table_input(ct_dtype dt) {
  if (dt == CT_BOOL) return ct_tensor_from((bool[]){0, 1, 1, 0, 1, 1}, CT_BOOL, 1, (int64_t[]){6});
  return ct_to(ct_tensor_from((double[]){0, 1, 2, 3, 5, 1}, CT_FLOAT64, 1, (int64_t[]){6}), dt);
}

static void test_null(void **state) {
  (void)state;
  ct_tensor *x = ct_ones(SH(2, 4));
  NP(ct_relu6(NULL));            NP(ct_relu6_(NULL));
  NP(ct_hardtanh(NULL));         NP(ct_hardtanh_(NULL));
  NP(ct_threshold(NULL, 0, 0));  NP(ct_threshold_(NULL, 0, 0));
  NP(ct_leaky_relu(NULL));       NP(ct_leaky_relu_(NULL));
  NP(ct_rrelu(NULL));            NP(ct_rrelu_(NULL));
  NP(ct_rrelu(NULL, .training = true));
  NP(ct_elu(NULL));              NP(ct_elu_(NULL));
  NP(ct_celu(NULL));             NP(ct_celu_(NULL));
  NP(ct_celu(NULL, .alpha = 0)); NP(ct_celu_(NULL, .alpha = 0));
  NP(ct_selu(NULL));             NP(ct_selu_(NULL));
  NP(ct_prelu(NULL, x));         NP(ct_prelu(x, NULL));
  NP(ct_softplus(NULL));         NP(ct_softshrink(NULL));
  NP(ct_softshrink(NULL, .lambd = -1));
  NP(ct_hardshrink(NULL));       NP(ct_logsigmoid(NULL));
  NP(ct_hardsigmoid(NULL));      NP(ct_hardsigmoid_(NULL));
  NP(ct_hardswish(NULL));        NP(ct_hardswish_(NULL));
  NP(ct_mish(NULL));             NP(ct_mish_(NULL));
  NP(ct_silu_(NULL));            NP(ct_glu(NULL, -1));
  NP(ct_softsign(NULL));         NP(ct_tanhshrink(NULL));
  NP(ct_softmin(NULL, 0));
  ct_release(x);
}

static void test_dtype_and_layout_sweep(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++) {
      live_mark m = leak_begin();
      char what[96];
      snprintf(what, sizeof what, "%s %s", FNS[i].name, ct_dtype_name((ct_dtype)d));
      ct_tensor *r = FNS[i].f(table_input((ct_dtype)d));
      ct_test_expect_result_dtype(what, r, ct_test_want(FNS[i].dt, d));
      for (int z = 0; z < Z_N; z++) {
        ct_tensor *x = zoo(z, (ct_dtype)d);
        r = FNS[i].f(x);
        if (!r && !ct_last_error()) fail_msg("%s %s: NULL without a message", what, ZNAME[z]);
        ct_clear_error();
        ct_tensor *c = FNS[i].f(ct_contiguous(x));
        ct_clear_error();
        if (!same_result(r, c)) fail_msg("%s on %s differs from the contiguous copy", what, ZNAME[z]);
        if (r && FNS[i].f != f_glu && ct_numel(r) != ct_numel(x))
          fail_msg("%s on %s: %lld elements", what, ZNAME[z], (long long)ct_numel(r));
      }
      leak_end(m, what, __LINE__);
    }
}

/* gradients through every layout: the non-contiguous input's gradient is the contiguous one's */
static void test_grad_layouts(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
    for (int z = 0; z < Z_N; z++) {
      live_mark m = leak_begin();
      ct_tensor *x = ct_detach(zoo(z, CT_FLOAT64)), *xc = ct_contiguous(x);
      ct_requires_grad_(x, true);
      ct_requires_grad_(xc, true);
      ct_tensor *a = FNS[i].f(x), *b = FNS[i].f(xc);
      if (!a || !b) { /* glu of a 0-dim input */
        if (a || b || !ct_last_error()) fail_msg("%s %s: one failed", FNS[i].name, ZNAME[z]);
        leak_end(m, FNS[i].name, __LINE__);
        continue;
      }
      assert_int_equal(ct_backward(ct_sum(a)), 0);
      assert_int_equal(ct_backward(ct_sum(b)), 0);
      if (!same_result(ct_grad(x), ct_grad(xc)))
        fail_msg("%s on %s: gradient differs from the contiguous input's", FNS[i].name, ZNAME[z]);
      leak_end(m, FNS[i].name, __LINE__);
    }
}

/* ---- in place: through views like the out-of-place op on a copy; expanded targets refused -- */
static ct_tensor *i_hardtanh(ct_tensor *t) { return ct_hardtanh_(t, .min_val = -2, .max_val = 3); }
static ct_tensor *i_threshold(ct_tensor *t) { return ct_threshold_(t, 1, 5); }
static ct_tensor *i_leaky(ct_tensor *t) { return ct_leaky_relu_(t, .negative_slope = 0.2); }
static ct_tensor *i_rrelu(ct_tensor *t) { return ct_rrelu_(t); }
static ct_tensor *i_elu(ct_tensor *t) { return ct_elu_(t); }
static ct_tensor *i_celu(ct_tensor *t) { return ct_celu_(t, .alpha = 2); }
static const struct {
  const char *name;
  inpl_fn f;
  un_fn o;
} INPLACE[] = {
    {"relu6_", ct_relu6_, ct_relu6},          {"hardtanh_", i_hardtanh, f_hardtanh},
    {"threshold_", i_threshold, f_threshold}, {"leaky_relu_", i_leaky, f_leaky},
    {"rrelu_", i_rrelu, f_rrelu},             {"elu_", i_elu, f_elu},
    {"celu_", i_celu, f_celu},                {"selu_", ct_selu_, ct_selu},
    {"hardsigmoid_", ct_hardsigmoid_, ct_hardsigmoid}, {"hardswish_", ct_hardswish_, ct_hardswish},
    {"mish_", ct_mish_, ct_mish},             {"silu_", ct_silu_, ct_silu},
};

static void test_inplace_sweep(void **state) {
  (void)state;
  double before[16], after[16];
  for (size_t i = 0; i < sizeof INPLACE / sizeof INPLACE[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int z = 0; z < Z_N; z++) {
        live_mark m = leak_begin();
        char what[96];
        snprintf(what, sizeof what, "%s %s %s", INPLACE[i].name, ct_dtype_name((ct_dtype)d), ZNAME[z]);
        ct_tensor *x = zoo(z, (ct_dtype)d);
        ct_tensor *want = INPLACE[i].o(ct_contiguous(x));
        ct_clear_error();
        int64_t n = ct_numel(x);
        assert_int_equal(ct_to_doubles(x, before, 16), n);
        ct_tensor *r = INPLACE[i].f(x);
        if (!want || (z == Z_EXPANDED && n)) {
          if (r || !ct_last_error()) fail_msg("%s: expected an error", what);
          if (want && !strstr(ct_last_error(), "more than one element of the written-to tensor"))
            fail_msg("%s: %s", what, ct_last_error());
          assert_int_equal(ct_to_doubles(x, after, 16), n);
          if (n && memcmp(before, after, sizeof(double) * (size_t)n))
            fail_msg("%s: the tensor changed though the call failed", what);
        } else {
          if (r != x) fail_msg("%s: %s", what, r ? "did not return its tensor" : ct_last_error());
          if (!same_result(x, want)) fail_msg("%s: differs from the out-of-place op", what);
        }
        leak_end(m, what, __LINE__);
      }
}

/* ---- hostile arguments -------------------------------------------------------------------- */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *xf = ct_tensor_from((double[]){-3, -0.5, 0, 2, NAN, INFINITY}, CT_FLOAT64, 1, (int64_t[]){6});
  ct_tensor *xi = ct_tensor_from((int64_t[]){INT64_MIN, -1, 0, 1, INT64_MAX}, CT_INT64, 1, (int64_t[]){5});
  /* limits beyond int64 saturate instead of overflowing the conversion */
  expect_exact(ct_hardtanh(xi, .min_val = -1e300, .max_val = 1e300), (double)INT64_MIN, -1, 0, 1, (double)INT64_MAX);
  expect_exact(ct_hardtanh(xi, .min_val = -INFINITY, .max_val = 0), (double)INT64_MIN, -1, 0, 0, 0);
  /* threshold converts its numbers as Scalar.to<int64_t>() does: out of range is an error */
  expect_error(ct_threshold(xi, 1e300, 0), "value cannot be converted to type int64_t without overflow");
  expect_error(ct_threshold(xi, -INFINITY, 7), "value cannot be converted to type int64_t without overflow");
  expect_error(ct_threshold_(ct_ones(SH(2), .dtype = CT_UINT8), -1, 300), "value cannot be converted to type uint8_t without overflow");
  expect_error(ct_threshold(ct_ones(SH(2), .dtype = CT_INT32), 0, 3e9), "value cannot be converted to type int without overflow");
  expect_exact(ct_threshold(xi, 0, -9e18), -9e18, -9e18, -9e18, 1, (double)INT64_MAX);
  expect_error(ct_hardtanh(ct_ones(SH(2), .dtype = CT_UINT8)), "cannot do hardtanh on an unsigned type with negative limits");
  expect_error(ct_hardtanh(ct_ones(SH(2), .dtype = CT_BOOL)), "Bool inputs not supported for hardtanh");
  expect_error(ct_relu6_(ct_ones(SH(2), .dtype = CT_BOOL)), "Bool inputs not supported for hardtanh");
  /* NaN passes through; infinite arguments give PyTorch's answers */
  ct_tensor *r = ct_hardtanh(xf, .min_val = NAN, .max_val = NAN);
  assert_non_null(r);
  r = ct_softplus(xf, .beta = 0);
  assert_non_null(r);
  r = ct_softplus(xf, .threshold = INFINITY);
  assert_non_null(r);
  expect_error(ct_rrelu(xf, .lower = NAN), "Lower bound should be less than or equal to the upper bound");
  expect_error(ct_softshrink(xf, .lambd = NAN), "lambda must be greater or equal to 0");
  assert_non_null(ct_rrelu(xf, .lower = -INFINITY, .upper = INFINITY));
  /* dims far out of range */
  expect_error(ct_glu(xf, INT64_MIN), "Dimension out of range");
  expect_error(ct_glu(xf, INT64_MAX), "Dimension out of range");
  expect_error(ct_softmin(xf, INT64_MIN), "Dimension out of range");
  /* prelu: an empty weight, a weight for another channel count */
  expect_error(ct_prelu(ct_ones(SH(2, 3)), ct_ones(SH(0))), "Found parameter numbers = 0 and channel size = 3.");
  expect_error(ct_prelu(ct_ones(SH(3)), ct_ones(SH(3))), "Found parameter numbers = 3 and channel size = 1.");
  /* empty halves */
  ct_tensor *g = ct_glu(ct_ones(SH(0, 2)), 1);
  assert_non_null(g);
  assert_int_equal(ct_numel(g), 0);
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_dtype_and_layout_sweep),
      cmocka_unit_test(test_grad_layouts),  cmocka_unit_test(test_inplace_sweep),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
