/* Statistics (src/ops/stats.c, stats_reduce.c): values vs PyTorch 1.13, its grad_fn names and
 * error messages, float64 gradcheck + gradgradcheck of every differentiable one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *T1(int n, const double *v, ct_dtype dt) {
  return ct_to(ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){n}), dt);
}
/* within tol * (1 + |want|) */
#define EXPECT(t, tol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), tol, tol, #t, __LINE__)
#define V(dt, ...) T1((int)(sizeof((double[]){__VA_ARGS__}) / sizeof(double)), (double[]){__VA_ARGS__}, dt)

/* values and indices from PyTorch 1.13 (comments give the Python line) */
static void test_order_statistics(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = V(CT_FLOAT32, 3, 1, 2, 1, 3, 5);
  expect_exact(ct_median(x), 2);                       /* torch.median(x) */
  ct_tensor_pair m = ct_median_dim(x, 0, false);        /* torch.median(x, 0) */
  expect_exact(m.values, 2);
  expect_exact(m.indices, 2);
  ct_tensor_pair md = ct_mode(V(CT_FLOAT32, 1, 2, 2, 1, 1, 2), 0, false); /* torch.mode(...) */
  expect_exact(md.values, 1);
  expect_exact(md.indices, 4);
  md = ct_mode(ct_to(V(CT_FLOAT64, 2, 2, 1, 1, 3), CT_INT64), -1, false);
  expect_exact(md.values, 1);
  expect_exact(md.indices, 3);
  ct_tensor_pair k = ct_kthvalue(V(CT_FLOAT64, 4, -1, 7, 0), 3, 0, true);
  expect_exact(k.values, 4);
  expect_exact(k.indices, 0);
  assert_int_equal(ct_dim(k.values), 1);
  /* NaN: median takes the first NaN; nanmedian skips them (all NaN: NaN at index 0) */
  ct_tensor *y = ct_reshape(V(CT_FLOAT64, 1, NAN, 2, NAN, NAN, NAN), 2, (int64_t[]){2, 3});
  ct_tensor_pair a = ct_median_dim(y, 1, false), b = ct_nanmedian_dim(y, 1, false);
  assert_true(isnan(ct_get(a.values, (int64_t[]){0})) && isnan(ct_get(a.values, (int64_t[]){1})));
  expect_exact(a.indices, 1, 0);
  assert_float_equal(ct_get(b.values, (int64_t[]){0}), 1, 0);
  assert_true(isnan(ct_get(b.values, (int64_t[]){1})));
  expect_exact(b.indices, 0, 0);
  assert_float_equal(ct_item(ct_nanmedian(y)), 1, 0);
  assert_true(isnan(ct_item(ct_median(y))));
  assert_true(isnan(ct_item(ct_median(ct_zeros(CT_SHAPE(0))))));
  /* cummax keeps the last index of a tie; NaN takes over */
  ct_tensor_pair c = ct_cummax(V(CT_FLOAT64, 1, 3, 3, 2, NAN, 4, NAN), 0);
  expect_exact(c.indices, 0, 1, 2, 2, 4, 4, 6);
  c = ct_cummin(V(CT_FLOAT64, 2, 1, 1, 3), 0);
  expect_exact(c.values, 2, 1, 1, 1);
  expect_exact(c.indices, 0, 1, 2, 2);
  /* logcumsumexp stays finite far from 0 */
  ct_tensor *l = ct_logcumsumexp(V(CT_FLOAT64, 1000, -1000, 999), 0);
  EXPECT(l, 1e-12, 1000, 1000, 1000.3132616875182);
  ct_scope_end();
}

static void test_reductions(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_reshape(V(CT_FLOAT64, 1, 2, 3, 4, 5, 7), 2, (int64_t[]){2, 3});
  ct_tensor_pair vm = ct_var_mean(x, .dim = CT_DIMS(1));
  EXPECT(vm.values, 1e-12, 1, 7.0 / 3);
  EXPECT(vm.indices, 1e-12, 2, 16.0 / 3);
  ct_tensor_pair sm = ct_std_mean(x, .correction = 0);
  EXPECT(sm.values, 1e-12, sqrt(35.0 / 9)); /* population std of 1 2 3 4 5 7 */
  EXPECT(sm.indices, 1e-12, 11.0 / 3);
  ct_tensor *cz = ct_count_nonzero(V(CT_FLOAT64, 0, 1, 0, -2), CT_DIMS(0));
  assert_int_equal(ct_dtype_of(cz), CT_INT64);
  expect_exact(cz, 2);
  ct_tensor *w = V(CT_FLOAT64, 1, NAN, 2, NAN);
  expect_exact(ct_nansum(w), 3);
  expect_exact(ct_nanmean(w), 1.5);
  ct_tensor_pair mm = ct_aminmax(x, 0, false);
  expect_exact(mm.values, 1, 2, 3);
  expect_exact(mm.indices, 4, 5, 7);
  expect_exact(ct_diff(x), 1, 1, 1, 2);
  expect_exact(ct_diff(x, .n = 2), 0, 1);
  expect_exact(ct_diff(x, .dim = 0, .prepend = ct_zeros(CT_SHAPE(1, 3), .dtype = CT_FLOAT64)), 1, 2, 3, 3, 3, 4);
  ct_tensor *bd = ct_diff(ct_to(V(CT_FLOAT64, 1, 0, 0, 1), CT_BOOL));
  assert_int_equal(ct_dtype_of(bd), CT_BOOL);
  expect_exact(bd, 1, 0, 1);
  /* quantile: torch.quantile(torch.arange(5.), q, interpolation=...) at q = 0.3 (rank 1.2) */
  ct_tensor *r = ct_arange(0, 5, 1, .dtype = CT_FLOAT64);
  EXPECT(ct_quantile_scalar(r, 0.3), 1e-12, 1.2);
  expect_exact(ct_quantile_scalar(r, 0.3, .interpolation = CT_QUANTILE_LOWER), 1);
  expect_exact(ct_quantile_scalar(r, 0.3, .interpolation = CT_QUANTILE_HIGHER), 2);
  expect_exact(ct_quantile_scalar(r, 0.3, .interpolation = CT_QUANTILE_MIDPOINT), 1.5);
  expect_exact(ct_quantile_scalar(r, 0.3, .interpolation = CT_QUANTILE_NEAREST), 1);
  expect_exact(ct_quantile_scalar(r, 0.375, .interpolation = CT_QUANTILE_NEAREST), 2); /* 1.5 -> 2 */
  ct_tensor *q = V(CT_FLOAT64, 0, 1);
  ct_tensor *qq = ct_quantile(ct_reshape(r, 1, (int64_t[]){5}), q, .dim = 0, .keepdim = true);
  assert_int_equal(ct_dim(qq), 2);
  expect_exact(qq, 0, 4);
  expect_exact(ct_nanquantile_scalar(V(CT_FLOAT64, NAN, 1, 3), 0.5), 2);
  expect_exact(ct_nanquantile(V(CT_FLOAT64, NAN, 1, 3, 5), q), 1, 5); /* NaN is skipped */
  assert_true(isnan(ct_item(ct_quantile_scalar(V(CT_FLOAT64, NAN, 1, 3), 0.5))));
  ct_scope_end();
}

static void test_grad_fn_names(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_randn(CT_SHAPE(3, 4), .dtype = CT_FLOAT64), true);
  assert_string_equal(ct_grad_fn_name(ct_median(x)), "MedianBackward0");
  assert_string_equal(ct_grad_fn_name(ct_median_dim(x, 1, false).values), "MedianBackward1");
  assert_string_equal(ct_grad_fn_name(ct_nanmedian(x)), "NanmedianBackward0");
  assert_string_equal(ct_grad_fn_name(ct_nanmedian_dim(x, 1, false).values), "NanmedianBackward1");
  assert_string_equal(ct_grad_fn_name(ct_kthvalue(x, 2, 1, false).values), "KthvalueBackward0");
  assert_string_equal(ct_grad_fn_name(ct_mode(x, 1, false).values), "ModeBackward0");
  assert_string_equal(ct_grad_fn_name(ct_cummax(x, 1).values), "CummaxBackward0");
  assert_string_equal(ct_grad_fn_name(ct_cummin(x, 1).values), "CumminBackward0");
  assert_string_equal(ct_grad_fn_name(ct_logcumsumexp(x, 1)), "LogcumsumexpBackward0");
  ct_tensor_pair vm = ct_var_mean(x, .dim = CT_DIMS(0));
  assert_string_equal(ct_grad_fn_name(vm.values), "VarMeanBackward0");
  assert_string_equal(ct_grad_fn_name(vm.indices), "VarMeanBackward0");
  assert_string_equal(ct_grad_fn_name(ct_std_mean(x).values), "StdMeanBackward0");
  assert_string_equal(ct_grad_fn_name(ct_nansum(x)), "NansumBackward0");
  assert_string_equal(ct_grad_fn_name(ct_nanmean(x)), "DivBackward0");
  assert_string_equal(ct_grad_fn_name(ct_diff(x)), "SubBackward0");
  assert_null(ct_grad_fn_name(ct_aminmax(x, CT_NONE, false).values));
  assert_null(ct_median_dim(x, 0, false).indices ? ct_grad_fn_name(ct_median_dim(x, 0, false).indices) : "");
  ct_scope_end();
}

static void test_errors(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(3, 4));
  ct_tensor *bl = ct_to(x, CT_BOOL), *il = ct_to(x, CT_INT64), *e = ct_zeros(CT_SHAPE(0, 3));
  expect_error(ct_median(bl), "\"median_cpu\" not implemented for 'Bool'");
  expect_error(ct_median_dim(bl, 0, false).values, "\"median_out\" not implemented for 'Bool'");
  expect_error(ct_kthvalue(bl, 1, 0, false).values, "\"kthvalue_cpu\" not implemented for 'Bool'");
  expect_error(ct_median_dim(e, 0, false).values, "median(): Expected reduction dim 0 to have non-zero size.");
  expect_error(ct_mode(e, 0, false).values, "mode(): Expected reduction dim 0 to have non-zero size.");
  expect_error(ct_kthvalue(x, 5, 1, false).values, "kthvalue(): selected number k out of range for dimension 1");
  expect_error(ct_kthvalue(x, 0, -1, false).values, "kthvalue(): selected number k out of range for dimension 1");
  expect_error(ct_median_dim(x, 2, false).values, "Dimension out of range");
  expect_error(ct_quantile_scalar(x, 1.5), "quantile() q must be in the range [0, 1] but got 1.5");
  expect_error(ct_quantile_scalar(il, 0.5), "quantile() input tensor must be either float or double dtype");
  expect_error(ct_nanquantile_scalar(ct_zeros(CT_SHAPE(0)), 0.5), "quantile() input tensor must be non-empty");
  expect_error(ct_quantile(x, ct_full(CT_SHAPE(1, 1), 0.5)), "quantile() q must be a scalar or 1D tensor");
  expect_error(ct_quantile(x, ct_full(CT_SHAPE(1), 0.5, .dtype = CT_FLOAT64)),
               "quantile() q tensor must be same dtype as the input tensor");
  expect_error(ct_quantile(x, V(CT_FLOAT32, 0.5, 2)), "quantile() q values must be in the range [0, 1]");
  expect_error(ct_quantile_scalar(x, 0.5, .interpolation = (ct_quantile_interp)7),
               "quantile() interpolation must be one of linear, lower, higher, midpoint or nearest");
  expect_error(ct_var_mean(il).values, "var_mean only support floating point and complex dtypes");
  expect_error(ct_std_mean(il).values, "std_mean only support floating point and complex dtypes");
  expect_error(ct_nanmean(il), "nanmean(): expected input to have floating point dtype but got Long");
  expect_error(ct_aminmax(ct_zeros(CT_SHAPE(0)), CT_NONE, false).values,
               "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  expect_error(ct_aminmax(ct_zeros(CT_SHAPE(3, 0)), 1, false).values,
               "aminmax: Expected reduction dim 1 to have non-zero size.");
  expect_error(ct_logcumsumexp(il, 0), "\"logcumsumexp_out_cpu\" not implemented for 'Long'");
  expect_error(ct_diff(ct_scalar_tensor(1, CT_FLOAT32)), "diff expects input to be at least one-dimensional");
  expect_error(ct_diff(x, .prepend = ct_zeros(CT_SHAPE(3))),
               "diff expects prepend or append to be the same dimension as input");
  expect_error(ct_diff(x, .prepend = ct_zeros(CT_SHAPE(2, 2))),
               "diff expects the shape of tensor to prepend or append to match that of input except along "
               "the differencing dimension; input.size(0) = 3, but got tensor.size(0) = 2");
  expect_error(ct_count_nonzero(x, CT_DIMS(0, 0)), "dim 0 appears multiple times in the list of dims");
  ct_scope_end();
}

/* ---- float64 gradcheck + gradgradcheck ------------------------------------------------------ */
static ct_tensor *g_median(const ct_tensor *t) { return ct_median(t); }
static ct_tensor *g_median1(const ct_tensor *t) { return ct_median_dim(t, 1, false).values; }
static ct_tensor *g_nanmedian(const ct_tensor *t) { return ct_nanmedian_dim(t, 0, true).values; }
static ct_tensor *g_kth(const ct_tensor *t) { return ct_kthvalue(t, 3, 1, false).values; }
static ct_tensor *g_mode(const ct_tensor *t) { return ct_mode(t, 0, false).values; }
static ct_tensor *g_cummax(const ct_tensor *t) { return ct_cummax(t, 1).values; }
static ct_tensor *g_cummin(const ct_tensor *t) { return ct_cummin(t, 0).values; }
static ct_tensor *g_lcse(const ct_tensor *t) { return ct_logcumsumexp(t, 1); }
static ct_tensor *g_quant(const ct_tensor *t) { return ct_quantile_scalar(t, 0.3, .dim = 1); }
static ct_tensor *g_quant_mid(const ct_tensor *t) {
  return ct_quantile_scalar(t, 0.6, .interpolation = CT_QUANTILE_MIDPOINT);
}
static ct_tensor *g_nanquant(const ct_tensor *t) {
  return ct_nanquantile_scalar(ct_masked_fill(t, ct_gt_scalar(t, 1), NAN), 0.4, .dim = 0);
}
static ct_tensor *g_var_mean(const ct_tensor *t) {
  ct_tensor_pair p = ct_var_mean(t, .dim = CT_DIMS(1));
  return p.values ? ct_add(p.values, ct_mul_scalar(p.indices, 3)) : NULL;
}
static ct_tensor *g_std_mean(const ct_tensor *t) {
  ct_tensor_pair p = ct_std_mean(t, .dim = CT_DIMS(0), .keepdim = true);
  return p.values ? ct_sub(p.values, p.indices) : NULL;
}
static ct_tensor *g_nansum(const ct_tensor *t) {
  return ct_nansum(ct_masked_fill(t, ct_gt_scalar(t, 1), NAN), .dim = CT_DIMS(1));
}
static ct_tensor *g_nanmean(const ct_tensor *t) {
  return ct_nanmean(ct_masked_fill(t, ct_gt_scalar(t, 1), NAN), .dim = CT_DIMS(1));
}
static ct_tensor *g_diff(const ct_tensor *t) { return ct_diff(t, .n = 2, .append = t); }

static void test_gradcheck(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_randn(CT_SHAPE(4, 5), .dtype = CT_FLOAT64), true);
  struct {
    ct_tensor *(*f)(const ct_tensor *);
    const char *name;
    ct_tensor *in;
  } cases[] = {
      {g_median, "median", x},       {g_median1, "median dim", x}, {g_nanmedian, "nanmedian", x},
      {g_kth, "kthvalue", x},        {g_mode, "mode", x},       {g_cummax, "cummax", x},
      {g_cummin, "cummin", x},       {g_lcse, "logcumsumexp", x},  {g_quant, "quantile", x},
      {g_quant_mid, "quantile mid", x}, {g_nanquant, "nanquantile", x}, {g_var_mean, "var_mean", x},
      {g_std_mean, "std_mean", x},   {g_nansum, "nansum", x},      {g_nanmean, "nanmean", x},
      {g_diff, "diff", x},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    check_grads(run_unary, &cases[i].in, 1, &(op_ref){.u = cases[i].f}, cases[i].name);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_statistics), cmocka_unit_test(test_reductions),
      cmocka_unit_test(test_grad_fn_names),    cmocka_unit_test(test_errors),
      cmocka_unit_test(test_gradcheck),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
