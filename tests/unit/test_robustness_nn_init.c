/* Robustness sweep over torch.nn.init (include/ctorch/nn_init.h): NULL, every dtype (PyTorch's
 * answer: the float fills refuse integer tensors with uniform_/normal_'s messages), 0-dim,
 * empty and non-contiguous targets, hostile arguments (infinite, NaN, huge groups), nothing
 * changed on failure and nothing leaked. */
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
typedef ct_tensor *(*init_fn)(ct_tensor *);
static ct_tensor *i_uniform(ct_tensor *t) { return ct_nn_init_uniform_(t, -1, 1); }
static ct_tensor *i_normal(ct_tensor *t) { return ct_nn_init_normal_(t, 0, 2); }
static ct_tensor *i_trunc(ct_tensor *t) { return ct_nn_init_trunc_normal_(t, .std = 0.5); }
static ct_tensor *i_constant(ct_tensor *t) { return ct_nn_init_constant_(t, 3); }
static ct_tensor *i_xu(ct_tensor *t) { return ct_nn_init_xavier_uniform_(t, 1); }
static ct_tensor *i_xn(ct_tensor *t) { return ct_nn_init_xavier_normal_(t, 1); }
static ct_tensor *i_ku(ct_tensor *t) { return ct_nn_init_kaiming_uniform_(t); }
static ct_tensor *i_kn(ct_tensor *t) { return ct_nn_init_kaiming_normal_(t, .mode = CT_FAN_OUT); }
static ct_tensor *i_orth(ct_tensor *t) { return ct_nn_init_orthogonal_(t, 1); }
static ct_tensor *i_sparse(ct_tensor *t) { return ct_nn_init_sparse_(t, 0.5, 0.1); }
static ct_tensor *i_dirac(ct_tensor *t) { return ct_nn_init_dirac_(t, 1); }
static const struct {
  const char *name;
  init_fn f;
  bool random; /* a float-only draw */
} INITS[] = {
    {"uniform_", i_uniform, true},  {"normal_", i_normal, true},   {"trunc_normal_", i_trunc, true},
    {"constant_", i_constant, false}, {"ones_", ct_nn_init_ones_, false},
    {"zeros_", ct_nn_init_zeros_, false}, {"eye_", ct_nn_init_eye_, false},
    {"dirac_", i_dirac, false},     {"xavier_uniform_", i_xu, true}, {"xavier_normal_", i_xn, true},
    {"kaiming_uniform_", i_ku, true}, {"kaiming_normal_", i_kn, true},
    {"orthogonal_", i_orth, true},  {"sparse_", i_sparse, true},
};

static void test_null(void **state) {
  (void)state;
  int64_t fi, fo;
  NP(ct_nn_init_uniform_(NULL, 0, 1));      NP(ct_nn_init_normal_(NULL, 0, 1));
  NP(ct_nn_init_trunc_normal_(NULL));       NP(ct_nn_init_constant_(NULL, 1));
  NP(ct_nn_init_ones_(NULL));               NP(ct_nn_init_zeros_(NULL));
  NP(ct_nn_init_eye_(NULL));                NP(ct_nn_init_dirac_(NULL, 1));
  NP(ct_nn_init_xavier_uniform_(NULL, 1));  NP(ct_nn_init_xavier_normal_(NULL, 1));
  NP(ct_nn_init_kaiming_uniform_(NULL));    NP(ct_nn_init_kaiming_normal_(NULL));
  NP(ct_nn_init_orthogonal_(NULL, 1));      NP(ct_nn_init_sparse_(NULL, 0.1, 0.01));
  NI(ct_nn_init_calculate_fan_in_and_fan_out(NULL, &fi, &fo));
  /* the fans are optional outputs */
  live_mark m = leak_begin();
  assert_int_equal(ct_nn_init_calculate_fan_in_and_fan_out(ct_empty(SH(2, 3)), NULL, NULL), 0);
  leak_end(m, "fans", __LINE__);
  assert_true(isnan(ct_nn_init_calculate_gain((ct_nonlinearity)-1, 0)));
  expect_fail(1, "Unsupported nonlinearity -1");
}

/* layouts of a (4, 2, 3) tensor (3-dim so that every init applies) */
enum { L_CONTIG, L_PERMUTED, L_NARROW, L_EXPANDED, L_EMPTY, L_SCALAR, L_N };
static const char *LNAME[L_N] = {"contig", "permuted", "narrow", "expanded", "(0,2,3)", "0-dim"};
static ct_tensor *layout(int which, ct_dtype dt) {
  switch (which) {
  case L_CONTIG: return ct_zeros(SH(4, 2, 3), .dtype = dt);
  case L_PERMUTED: return ct_permute(ct_zeros(SH(3, 2, 4), .dtype = dt), 3, (int64_t[]){2, 1, 0});
  case L_NARROW: return ct_narrow(ct_zeros(SH(4, 2, 5), .dtype = dt), 2, 1, 3);
  case L_EXPANDED: return ct_expand(ct_zeros(SH(1, 2, 3), .dtype = dt), SH(4, 2, 3));
  case L_EMPTY: return ct_zeros(SH(0, 2, 3), .dtype = dt);
  default: return ct_scalar_tensor(0, dt);
  }
}

static void test_sweep(void **state) {
  (void)state;
  double before[64], after[64];
  for (size_t i = 0; i < sizeof INITS / sizeof INITS[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int l = 0; l < L_N; l++) {
        live_mark m = leak_begin();
        char what[96];
        snprintf(what, sizeof what, "%s %s %s", INITS[i].name, ct_dtype_name((ct_dtype)d), LNAME[l]);
        ct_tensor *t = layout(l, (ct_dtype)d);
        int64_t n = ct_numel(t);
        assert_int_equal(ct_to_doubles(t, before, 64), n);
        ct_manual_seed(1);
        ct_tensor *r = INITS[i].f(t);
        if (!r) {
          if (!ct_last_error()) fail_msg("%s: NULL without a message", what);
          assert_int_equal(ct_to_doubles(t, after, 64), n);
          if (n && memcmp(before, after, sizeof(double) * (size_t)n))
            fail_msg("%s: changed though it failed (%s)", what, ct_last_error());
        } else if (r != t) {
          fail_msg("%s: did not return its tensor", what);
        }
        bool float_dt = ct_dtype_is_floating((ct_dtype)d);
        /* orthogonal_'s QR: LAPACK has no 16-bit routines (PyTorch refuses them as well) */
        bool lapack16 = INITS[i].f == i_orth && (d == CT_FLOAT16 || d == CT_BFLOAT16);
        if (r && INITS[i].random && !float_dt && n) fail_msg("%s: an integer tensor was drawn into", what);
        if (!r && float_dt && !lapack16 && (l == L_CONTIG || l == L_PERMUTED || l == L_NARROW) && INITS[i].f != ct_nn_init_eye_ && INITS[i].f != i_sparse) /* 2-dim only */
          fail_msg("%s: %s", what, ct_last_error());
        ct_clear_error();
        /* a non-contiguous target gets what a contiguous one gets, in its memory order (not the
         * normal draws: PyTorch's normal_ takes another path for a non-contiguous tensor) */
        bool normal = INITS[i].f == i_normal || INITS[i].f == i_xn || INITS[i].f == i_kn;
        if (r && float_dt && l == L_NARROW && !normal) {
          ct_manual_seed(1);
          ct_tensor *c = INITS[i].f(layout(L_CONTIG, (ct_dtype)d));
          if (INITS[i].f != i_sparse && INITS[i].f != i_orth && !ct_test_same(c, t))
            fail_msg("%s: differs from the contiguous fill", what);
        }
        leak_end(m, what, __LINE__);
      }
}

static void test_hostile(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *w = ct_zeros(SH(4, 2, 3));
  /* Python's 4 % -2**63 is -2**63 + 4, not 0 */
  expect_error(ct_nn_init_dirac_(w, INT64_MIN), "dim 0 must be divisible by groups");
  expect_error(ct_nn_init_dirac_(w, INT64_MAX), "dim 0 must be divisible by groups");
  assert_non_null(ct_nn_init_dirac_(w, 4)); /* one output channel per group */
  expect_exact(ct_sum(w), 4);
  expect_error(ct_nn_init_uniform_(w, INFINITY, INFINITY), "from is out of bounds for float");
  expect_error(ct_nn_init_uniform_(w, 1, 0), "uniform_ expects to return a [from, to) range");
  expect_error(ct_nn_init_normal_(w, 0, NAN), "normal expects std >= 0.0");
  expect_error(ct_nn_init_xavier_uniform_(w, INFINITY), "from is out of bounds for float");
  assert_non_null(ct_nn_init_constant_(w, NAN));
  assert_true(isnan(ct_get(w, (int64_t[]){0, 0, 0})));
  /* an infinite slope gives gain 0: every weight 0 */
  assert_non_null(ct_nn_init_kaiming_uniform_(w, .a = INFINITY));
  expect_exact(ct_sum(ct_abs(w)), 0);
  assert_non_null(ct_nn_init_trunc_normal_(w, .a = 5, .b = 5));
  expect_exact(ct_amin(w), 5);
  expect_error(ct_nn_init_sparse_(ct_zeros(SH(3, 2)), INFINITY, 1), "cannot convert float infinity to integer");
  /* sparse_ on a transposed view writes through it */
  ct_tensor *base = ct_zeros(SH(4, 3)), *tv = ct_t(base);
  assert_ptr_equal(ct_nn_init_sparse_(tv, 0.5, 1), tv);
  assert_int_equal(ct_shape(ct_nonzero(base))[0], 4); /* ceil(0.5 * 3) = 2 of 3 zeroed, 4 columns */
  /* a huge sparse target is refused by the fill before any loop runs */
  ct_tensor *big = ct_expand(ct_zeros(SH(1, 1)), SH(1 << 20, 1 << 20));
  expect_error(ct_nn_init_sparse_(big, 0.5, 1), "more than one element of the written-to tensor");
  leak_end(m, "hostile", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null),
      cmocka_unit_test(test_sweep),
      cmocka_unit_test(test_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
