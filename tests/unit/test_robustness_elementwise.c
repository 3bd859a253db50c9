/* Robustness sweep over the elementwise list of issue 12 (src/ops/unary_special.c,
 * binary_math.c, bitwise.c): NULL arguments (NULL back, no message), 0-dim, empty and
 * non-contiguous inputs (the same answer as on a contiguous copy), in-place forms on
 * strided views and their refusal on expanded tensors, hostile orders (huge n, p), and no
 * leak anywhere (live tensors and bytes compared around each call). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)

/* ---- the functions: every one as unary (bound arguments fixed) -------------------------------- */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
typedef ct_tensor *(*bin_fn)(const ct_tensor *, const ct_tensor *);
typedef ct_tensor *(*inpl_fn)(ct_tensor *);
typedef ct_tensor *(*inpl2_fn)(ct_tensor *, const ct_tensor *);
static ct_tensor *poly2(const ct_tensor *t) { return ct_polygamma(2, t); }
static ct_tensor *mvl2(const ct_tensor *t) { return ct_mvlgamma(t, 2); }
static ct_tensor *logit1(const ct_tensor *t) { return ct_logit(t, 0.1); }
static ct_tensor *ntn(const ct_tensor *t) { return ct_nan_to_num(t, 1, 2, -2); }
static ct_tensor *fps(const ct_tensor *t) { return ct_float_power_scalar(t, 1.5); }
static ct_tensor *poly2_(ct_tensor *t) { return ct_polygamma_(t, 2); }
static ct_tensor *mvl2_(ct_tensor *t) { return ct_mvlgamma_(t, 2); }
static ct_tensor *logit1_(ct_tensor *t) { return ct_logit_(t, 0.1); }
static ct_tensor *ntn_(ct_tensor *t) { return ct_nan_to_num_(t, 1, 2, -2); }
static ct_tensor *isclose_d(const ct_tensor *a, const ct_tensor *b) { return ct_isclose(a, b, 0.1, 0.1, true); }

#define U(f) {#f, f}
static const struct {
  const char *name;
  un_fn fn;
} FLOAT_UNARY[] = {
    U(ct_sinh), U(ct_cosh), U(ct_asinh), U(ct_acosh), U(ct_atanh), U(ct_asin), U(ct_acos),
    U(ct_atan), U(ct_lgamma), U(ct_digamma), U(poly2), U(mvl2), U(ct_erfc), U(ct_erfinv),
    U(ct_i0), U(ct_sinc), U(logit1), U(ct_special_expit), U(ct_frac), U(ct_deg2rad),
    U(ct_rad2deg), U(ntn), U(ct_isfinite), U(ct_isposinf), U(ct_isneginf), U(ct_isreal),
    U(ct_signbit), U(fps),
};
static const struct {
  const char *name;
  inpl_fn fn;
} FLOAT_INPLACE[] = {
    U(ct_sinh_), U(ct_cosh_), U(ct_asinh_), U(ct_acosh_), U(ct_atanh_), U(ct_asin_), U(ct_acos_),
    U(ct_atan_), U(ct_lgamma_), U(ct_digamma_), U(poly2_), U(mvl2_), U(ct_erfc_), U(ct_erfinv_),
    U(ct_i0_), U(ct_sinc_), U(logit1_), U(ct_frac_), U(ct_deg2rad_), U(ct_rad2deg_), U(ntn_),
};
static const struct {
  const char *name;
  bin_fn fn;
  bool integer;
} BINARY[] = {
    {"logaddexp", ct_logaddexp, false}, {"logaddexp2", ct_logaddexp2, false},
    {"hypot", ct_hypot, false}, {"nextafter", ct_nextafter, false}, {"xlogy", ct_xlogy, false},
    {"xlog1py", ct_special_xlog1py, false}, {"copysign", ct_copysign, false},
    {"heaviside", ct_heaviside, false}, {"float_power", ct_float_power, false},
    {"isclose", isclose_d, false}, {"bitwise_and", ct_bitwise_and, true},
    {"bitwise_or", ct_bitwise_or, true}, {"bitwise_xor", ct_bitwise_xor, true},
    {"bitwise_left_shift", ct_bitwise_left_shift, true},
    {"bitwise_right_shift", ct_bitwise_right_shift, true}, {"gcd", ct_gcd, true},
    {"lcm", ct_lcm, true},
};
static const struct {
  const char *name;
  inpl2_fn fn;
  bool integer;
} BINARY_INPLACE[] = {
    {"hypot_", ct_hypot_, false}, {"nextafter_", ct_nextafter_, false},
    {"xlogy_", ct_xlogy_, false}, {"copysign_", ct_copysign_, false},
    {"heaviside_", ct_heaviside_, false}, {"float_power_", ct_float_power_, false},
    {"bitwise_and_", ct_bitwise_and_, true}, {"bitwise_or_", ct_bitwise_or_, true},
    {"bitwise_xor_", ct_bitwise_xor_, true}, {"bitwise_left_shift_", ct_bitwise_left_shift_, true},
    {"bitwise_right_shift_", ct_bitwise_right_shift_, true}, {"gcd_", ct_gcd_, true},
    {"lcm_", ct_lcm_, true},
};
#define N_OF(a) (sizeof(a) / sizeof *(a))

/* (2, 4) values in (0.1, 0.9) (inside every domain but acosh's), as float64 or int64 */
static ct_tensor *vals(bool integer, int seed) {
  double v[8];
  for (int i = 0; i < 8; i++) v[i] = integer ? (double)((i * 7 + seed * 3) % 11 - 5) : 0.1 + 0.1 * ((i + seed) % 9);
  ct_tensor *t = ct_tensor_from(v, CT_FLOAT64, SH(2, 4));
  return integer ? ct_to(t, CT_INT64) : t;
}

static void test_null(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = vals(false, 0);
  for (size_t k = 0; k < N_OF(FLOAT_UNARY); k++) NP(FLOAT_UNARY[k].fn(NULL));
  for (size_t k = 0; k < N_OF(FLOAT_INPLACE); k++) NP(FLOAT_INPLACE[k].fn(NULL));
  for (size_t k = 0; k < N_OF(BINARY); k++) {
    NP(BINARY[k].fn(NULL, x));
    NP(BINARY[k].fn(x, NULL));
  }
  for (size_t k = 0; k < N_OF(BINARY_INPLACE); k++) {
    NP(BINARY_INPLACE[k].fn(NULL, x));
    NP(BINARY_INPLACE[k].fn(x, NULL));
  }
  NP(ct_bitwise_not(NULL));
  NP(ct_bitwise_not_(NULL));
  NP(ct_float_power_scalar(NULL, 2));
  NP(ct_clamp_tensor_(NULL, x, x));
  ct_scope_end();
}

/* empty, 0-dim and non-contiguous inputs: the answer of a contiguous copy; nothing leaks */
static void test_layouts_unary(void **state) {
  (void)state;
  for (size_t k = 0; k < N_OF(FLOAT_UNARY); k++) {
    live_mark m = leak_begin();
    ct_tensor *x = ct_add_scalar(vals(false, (int)k), 1.0); /* > 1: acosh and mvlgamma(., 2) */
    ct_tensor *xt = ct_t(ct_contiguous(ct_t(x)));          /* same values, column-major */
    ct_tensor *a = FLOAT_UNARY[k].fn(x), *b = FLOAT_UNARY[k].fn(xt);
    if (!a || !b) fail_msg("%s: %s", FLOAT_UNARY[k].name, ct_last_error());
    if (!ct_test_same(a, b)) fail_msg("%s: non-contiguous input differs", FLOAT_UNARY[k].name);
    ct_tensor *e = FLOAT_UNARY[k].fn(ct_zeros(SH(0, 4), .dtype = CT_FLOAT64));
    if (!e || ct_numel(e) != 0 || ct_dim(e) != 2) fail_msg("%s: empty input", FLOAT_UNARY[k].name);
    ct_tensor *s = FLOAT_UNARY[k].fn(ct_scalar_tensor(0.5, CT_FLOAT32));
    if (!s || ct_dim(s) != 0) fail_msg("%s: 0-dim input", FLOAT_UNARY[k].name);
    leak_end(m, FLOAT_UNARY[k].name, __LINE__);
  }
}

/* in place: through a strided view equals the out-of-place answer; an expanded tensor is
 * refused with PyTorch's overlap message */
static void test_layouts_inplace(void **state) {
  (void)state;
  for (size_t k = 0; k < N_OF(FLOAT_INPLACE); k++) {
    live_mark m = leak_begin();
    ct_tensor *x = vals(false, (int)k);
    if (FLOAT_INPLACE[k].fn == ct_acosh_) x = ct_add_scalar(x, 1.0);
    ct_tensor *want = ct_clone(x);
    assert_ptr_equal(FLOAT_INPLACE[k].fn(want), want);
    ct_tensor *base = ct_zeros(SH(4, 2), .dtype = CT_FLOAT64), *view = ct_t(base);
    ct_copy_(view, x);
    if (FLOAT_INPLACE[k].fn(view) != view) fail_msg("%s: %s", FLOAT_INPLACE[k].name, ct_last_error());
    if (!ct_test_same(view, want)) fail_msg("%s: strided view differs", FLOAT_INPLACE[k].name);
    ct_tensor *ex = ct_expand(ct_scalar_tensor(0.5, CT_FLOAT64), SH(3));
    expect_error(FLOAT_INPLACE[k].fn(ex), "unsupported operation: more than one element of the written-to tensor refers to a single memory location");
    ct_tensor *empty = ct_zeros(SH(0, 3), .dtype = CT_FLOAT32);
    assert_ptr_equal(FLOAT_INPLACE[k].fn(empty), empty);
    leak_end(m, FLOAT_INPLACE[k].name, __LINE__);
  }
}

static void test_layouts_binary(void **state) {
  (void)state;
  for (size_t k = 0; k < N_OF(BINARY); k++) {
    live_mark m = leak_begin();
    bool in = BINARY[k].integer;
    ct_tensor *a = vals(in, 1), *b = in ? ct_abs(vals(in, 2)) : vals(in, 2);
    ct_tensor *at = ct_t(ct_contiguous(ct_t(a)));
    ct_tensor *r = BINARY[k].fn(a, b), *rt = BINARY[k].fn(at, b);
    if (!r || !rt) fail_msg("%s: %s", BINARY[k].name, ct_last_error());
    if (!ct_test_same(r, rt)) fail_msg("%s: non-contiguous input differs", BINARY[k].name);
    /* broadcast against a 0-dim tensor and against an empty one */
    ct_tensor *s = BINARY[k].fn(a, ct_select(ct_select(b, 0, 1), 0, 2));
    if (!s || ct_dim(s) != 2) fail_msg("%s: 0-dim operand: %s", BINARY[k].name, ct_last_error());
    ct_tensor *e = BINARY[k].fn(ct_narrow(a, 0, 0, 0), ct_narrow(b, 0, 0, 1));
    if (!e || ct_numel(e) != 0) fail_msg("%s: empty operand: %s", BINARY[k].name, ct_last_error());
    /* shapes that do not broadcast */
    expect_error(BINARY[k].fn(a, ct_narrow(b, 1, 0, 3)), "must match the size");
    leak_end(m, BINARY[k].name, __LINE__);
  }
  for (size_t k = 0; k < N_OF(BINARY_INPLACE); k++) {
    live_mark m = leak_begin();
    bool in = BINARY_INPLACE[k].integer;
    ct_tensor *a = vals(in, 3), *b = in ? ct_abs(vals(in, 4)) : vals(in, 4);
    ct_tensor *base = ct_zeros(SH(4, 2), .dtype = in ? CT_INT64 : CT_FLOAT64), *view = ct_t(base);
    ct_copy_(view, a);
    ct_tensor *want = ct_clone(a);
    assert_ptr_equal(BINARY_INPLACE[k].fn(want, b), want);
    if (BINARY_INPLACE[k].fn(view, b) != view) fail_msg("%s: %s", BINARY_INPLACE[k].name, ct_last_error());
    if (!ct_test_same(view, want)) fail_msg("%s: strided view differs", BINARY_INPLACE[k].name);
    /* the result may not broadcast a to a bigger shape */
    expect_error(BINARY_INPLACE[k].fn(ct_select(a, 0, 0), b), "doesn't match the broadcast shape");
    leak_end(m, BINARY_INPLACE[k].name, __LINE__);
  }
  live_mark m = leak_begin();
  ct_tensor *i = vals(true, 0), *it = ct_t(ct_contiguous(ct_t(i)));
  assert_true(ct_test_same(ct_bitwise_not(i), ct_bitwise_not(it)));
  ct_tensor *v = ct_t(ct_zeros(SH(4, 2), .dtype = CT_INT64));
  ct_copy_(v, i);
  assert_true(ct_test_same(ct_bitwise_not_(v), ct_bitwise_not(i)));
  leak_end(m, "bitwise_not", __LINE__);
  /* clamp_ with tensor bounds through a strided view, a 0-dim and an empty bound */
  m = leak_begin();
  ct_tensor *c = vals(false, 5), *lo = ct_scalar_tensor(0.3, CT_FLOAT64), *hi = ct_narrow(vals(false, 6), 0, 0, 1);
  ct_tensor *cw = ct_clamp_tensor(c, lo, hi);
  ct_tensor *cv = ct_t(ct_zeros(SH(4, 2), .dtype = CT_FLOAT64));
  ct_copy_(cv, c);
  assert_ptr_equal(ct_clamp_tensor_(cv, lo, hi), cv);
  assert_true(ct_test_same(cv, cw));
  ct_tensor *ce = ct_zeros(SH(0, 4), .dtype = CT_FLOAT64);
  assert_ptr_equal(ct_clamp_tensor_(ce, ct_narrow(hi, 0, 0, 0), NULL), ce);
  expect_error(ct_clamp_tensor_(cv, NULL, NULL), "At least one of 'min' or 'max' must not be None");
  leak_end(m, "clamp_tensor_", __LINE__);
}

/* hostile orders and arguments: huge n and p, NaN / inf eps and replacements */
static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_add_scalar(vals(false, 0), 1.0);
  ct_tensor *p = ct_polygamma(INT64_MAX, x);
  assert_non_null(p); /* n beyond int: computed with n = INT32_MAX (inf / nan values) */
  assert_non_null(ct_polygamma(1000, x));
  expect_error(ct_mvlgamma(x, INT64_MIN), "p has to be greater than or equal to 1");
  assert_non_null(ct_mvlgamma(x, 3));
  assert_non_null(ct_logit(x, NAN));
  assert_non_null(ct_logit(x, INFINITY));
  assert_non_null(ct_nan_to_num(x, NAN, INFINITY, -INFINITY));
  expect_error(ct_isclose(x, x, NAN, 0, false), "rtol must be greater than or equal to zero");
  ct_tensor *big = ct_full(SH(3), 1e300, .dtype = CT_FLOAT64);
  assert_non_null(ct_float_power_scalar(big, 1e300));
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),          cmocka_unit_test(test_layouts_unary),
      cmocka_unit_test(test_layouts_inplace), cmocka_unit_test(test_layouts_binary),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
