/* The run-time SIMD dispatch (src/tensor/cpu.h): every kernel with an AVX-512 copy gives what
 * its x86-64-v3 build gives, and CT_CPU=avx2 selects the narrower one. ctest runs this file
 * twice, the second time with CT_CPU=avx2 in the environment. On a CPU without AVX-512 both
 * levels run the same code and the comparisons hold trivially. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"
#include "tensor/cpu.h"

/* 8 x 500 values (rows longer than the kernels' 32 and 64 lanes, with a tail) with ties,
 * both zeros, NaNs and infinities when tricky */
static ct_tensor *data(ct_dtype dt, bool tricky) {
  ct_manual_seed(7);
  ct_tensor *x = ct_randn(CT_SHAPE(8, 500));
  float *p = ct_data_ptr(x);
  for (int64_t i = 0; tricky && i < 8 * 500; i++) {
    if (i % 7 == 0) p[i] = roundf(p[i] * 2) / 2;
    if (i % 83 == 1) p[i] = (i & 1) ? 0.0f : -0.0f;
    if (i % 997 == 5) p[i] = NAN;
    if (i % 1009 == 3) p[i] = (i & 1) ? INFINITY : -INFINITY;
  }
  return dt == CT_FLOAT32 ? x : ct_to(dt == CT_FLOAT64 ? x : ct_mul_scalar(x, 50), dt);
}

static ct_tensor *sum_all(const ct_tensor *x) { return ct_sum(x); }
static ct_tensor *sum_rows(const ct_tensor *x) { return ct_sum(x, .dim = CT_DIMS(1)); }
static ct_tensor *softmax1(const ct_tensor *x) { return ct_softmax(x, 1); }
static ct_tensor *log_softmax1(const ct_tensor *x) { return ct_log_softmax(x, 1); }
static ct_tensor *gelu(const ct_tensor *x) { return ct_gelu(x, CT_GELU_NONE); }
static ct_tensor *gelu_tanh(const ct_tensor *x) { return ct_gelu(x, CT_GELU_TANH); }
/* the fused backward kernels: d sum(gelu(x)) / dx */
static ct_tensor *gelu_grad(const ct_tensor *x, ct_gelu_approx a) {
  ct_tensor *l = ct_detach(x);
  ct_requires_grad_(l, true);
  ct_backward(ct_sum(ct_gelu(l, a)));
  return ct_grad(l);
}
static ct_tensor *gelu_bw(const ct_tensor *x) { return gelu_grad(x, CT_GELU_NONE); }
static ct_tensor *gelu_tanh_bw(const ct_tensor *x) { return gelu_grad(x, CT_GELU_TANH); }
static ct_tensor *amax_rows(const ct_tensor *x) { return ct_amax(x, .dim = CT_DIMS(1)); }
static ct_tensor *amin_all(const ct_tensor *x) { return ct_amin(x); }
static ct_tensor *argmax_rows(const ct_tensor *x) { return ct_argmax(x, 1, false); }
static ct_tensor *argmin_cols(const ct_tensor *x) { return ct_argmin(x, 0, false); }

typedef struct {
  const char *name;
  ct_tensor *(*fn)(const ct_tensor *);
  ct_dtype dt;
  bool tricky;
  double rtol; /* 0: the same bits */
} dispatched;

static const dispatched k_ops[] = {
    {"sum", sum_all, CT_FLOAT32, false, 1e-6},
    {"sum dim1", sum_rows, CT_FLOAT32, false, 1e-6},
    {"exp", ct_exp, CT_FLOAT32, false, 1e-6},
    {"tanh", ct_tanh, CT_FLOAT32, false, 1e-6},
    {"gelu", gelu, CT_FLOAT32, false, 1e-6},
    {"gelu tanh", gelu_tanh, CT_FLOAT32, false, 1e-6},
    {"gelu backward", gelu_bw, CT_FLOAT32, false, 1e-6},
    {"gelu tanh backward", gelu_tanh_bw, CT_FLOAT32, false, 1e-6},
    {"softmax", softmax1, CT_FLOAT32, false, 1e-6},
    {"log_softmax", log_softmax1, CT_FLOAT32, false, 1e-6},
    {"amax f32", amax_rows, CT_FLOAT32, true, 0},
    {"argmax f32", argmax_rows, CT_FLOAT32, true, 0},
    {"argmin f32", argmin_cols, CT_FLOAT32, true, 0},
    {"amin f64", amin_all, CT_FLOAT64, true, 0},
    {"argmax f64", argmax_rows, CT_FLOAT64, true, 0},
    {"argmax i32", argmax_rows, CT_INT32, true, 0},
    {"amax i64", amax_rows, CT_INT64, true, 0},
    {"argmin i8", argmin_cols, CT_INT8, true, 0},
    {"amax u8", amax_rows, CT_UINT8, true, 0},
    {"amax bool", amax_rows, CT_BOOL, true, 0},
};

static void test_levels_agree(void **s) {
  (void)s;
  static double wide[CT_TEST_MAX_VALUES];
  ct_cpu_level was = ct__cpu_level();
  for (size_t k = 0; k < sizeof k_ops / sizeof *k_ops; k++) {
    const dispatched *o = &k_ops[k];
    ct_scope_begin();
    ct__cpu_set_level(CT_CPU_AVX512);
    ct_tensor *a = o->fn(data(o->dt, o->tricky));
    assert_non_null(a);
    int64_t n = ct_numel(a);
    assert_true(n <= CT_TEST_MAX_VALUES);
    assert_int_equal(ct_to_doubles(a, wide, n), n);
    ct__cpu_set_level(CT_CPU_AVX2);
    assert_int_equal(ct__cpu_level(), CT_CPU_AVX2);
    ct_tensor *b = o->fn(data(o->dt, o->tricky));
    ct_test_expect_vals(b, wide, n, o->rtol, o->rtol > 0 ? 1e-7 : 0, o->name, __LINE__);
    ct_scope_end();
  }
  ct__cpu_set_level(was);
}

/* CT_CPU=avx2 (the second ctest run) forces the narrower kernels from the first call on */
static void test_env_override(void **s) {
  (void)s;
  const char *e = getenv("CT_CPU");
  if (e && !strcmp(e, "avx2")) assert_int_equal(ct__cpu_level(), CT_CPU_AVX2);
  /* the setter never goes past what the CPU has: asking for more than it has gives the same */
  ct_cpu_level l = ct__cpu_level();
  ct__cpu_set_level(CT_CPU_AVX512);
  ct_cpu_level wide = ct__cpu_level();
  assert_true(wide >= l);
  assert_int_equal(ct__cpu_set_level(l), wide);
  assert_int_equal(ct__cpu_level(), l);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_env_override),
                                     cmocka_unit_test(test_levels_agree)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
