/* Public functions the op-list check (tools/check_op_list.py) found without a unit test:
 * small value tests, expected values printed by PyTorch 1.13. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *f64(const double *v, int64_t n) { return ct_tensor_from(v, CT_FLOAT64, 1, &n); }
#define F64(...) f64(CT_DOUBLES(__VA_ARGS__))
#define SHAPE_IS(t, ...) \
  assert_memory_equal(ct_shape(t), ((int64_t[]){__VA_ARGS__}), sizeof((int64_t[]){__VA_ARGS__}))

/* torch.add/sub(alpha=), div by a number, the in-place number forms, copy_, detach_ */
static void test_arith_forms(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *a = F64(1, 2, 3), *b = F64(10, 20, 30);
  expect_exact(ct_add_alpha(a, b, 2), 21, 42, 63);
  expect_exact(ct_sub_alpha(a, b, 0.5), -4, -8, -12);
  ct_tensor *i = ct_to(a, CT_INT64);
  ct_tensor *q = ct_div_scalar(i, 2); /* int / number: the default float dtype */
  assert_int_equal(ct_dtype_of(q), CT_FLOAT32);
  expect_exact(q, 0.5, 1, 1.5);
  ct_tensor *c = ct_clone(a);
  assert_ptr_equal(ct_div_scalar_(c, 4), c);
  expect_exact(c, 0.25, 0.5, 0.75);
  assert_ptr_equal(ct_sub_scalar_(c, 0.25), c);
  expect_exact(c, 0, 0.25, 0.5);
  assert_ptr_equal(ct_add_(c, b), c);
  expect_exact(c, 10, 20.25, 30.5);
  expect_error(ct_div_scalar_(i, 2), "result type Float can't be cast to the desired output type Long");
  assert_ptr_equal(ct_copy_(c, ct_scalar_tensor(7, CT_FLOAT64)), c); /* broadcast */
  expect_exact(c, 7, 7, 7);
  ct_tensor *y = ct_mul_scalar(ct_requires_grad_(ct_clone(a), true), 2);
  assert_non_null(ct_grad_fn_name(y));
  assert_ptr_equal(ct_detach_(y), y);
  assert_null(ct_grad_fn_name(y));
  assert_false(ct_requires_grad(y));
  ct_scope_end();
}

/* split / chunk / unbind / squeeze / flatten / unflatten / view_as / expand_as */
static void test_views(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_view(ct_arange(0, 10, 1, .dtype = CT_FLOAT64), CT_SHAPE(2, 5)), *p[8];
  assert_int_equal(ct_chunk(x, 2, 1, p, 8), 2);
  SHAPE_IS(p[0], 2, 3);
  SHAPE_IS(p[1], 2, 2);
  assert_int_equal(ct_split(x, 2, 1, p, 8), 3);
  SHAPE_IS(p[2], 2, 1);
  expect_exact(p[2], 4, 9);
  assert_int_equal(ct_split_sizes(x, 2, (int64_t[]){1, 4}, 1, p, 8), 2);
  expect_exact(p[0], 0, 5);
  expect_fail(ct_split_sizes(x, 2, (int64_t[]){1, 3}, 1, p, 8) < 0,
              "split_with_sizes expects split_sizes to sum exactly to 5");
  assert_int_equal(ct_unbind(x, 0, p, 8), 2);
  expect_exact(p[1], 5, 6, 7, 8, 9);
  assert_true(ct_shares_storage(p[1], x));
  ct_tensor *u = ct_view(x, CT_SHAPE(1, 2, 1, 5));
  SHAPE_IS(ct_squeeze(u), 2, 5);
  SHAPE_IS(ct_squeeze_dim(u, 2), 1, 2, 5);
  SHAPE_IS(ct_squeeze_dim(u, 1), 1, 2, 1, 5); /* size 2: unchanged */
  assert_int_equal(ct_dim(ct_flatten(u, 0, -1)), 1);
  SHAPE_IS(ct_flatten(u, 1, 2), 1, 2, 5);
  SHAPE_IS(ct_unflatten(x, 1, 2, (int64_t[]){5, -1}), 2, 5, 1);
  SHAPE_IS(ct_view_as(x, ct_zeros(CT_SHAPE(5, 2))), 5, 2);
  ct_tensor *e = ct_expand_as(ct_view(F64(1, 2), CT_SHAPE(2, 1)), ct_zeros(CT_SHAPE(2, 3)));
  expect_exact(e, 1, 1, 1, 2, 2, 2);
  assert_int_equal(ct_strides(e)[1], 0);
  ct_scope_end();
}

/* strides, storage offset, dtype queries and promotion */
static void test_queries(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(2, 5));
  const int64_t *st = ct_strides(ct_t(x));
  assert_int_equal(st[0], 1);
  assert_int_equal(st[1], 5);
  assert_int_equal(ct_storage_offset(ct_slice(x, 1, 1, CT_NONE, 1)), 1);
  assert_true(ct_is_floating_point(x));
  assert_false(ct_is_floating_point(ct_to(x, CT_INT32)));
  assert_true(ct_dtype_is_floating(CT_FLOAT64));
  assert_false(ct_dtype_is_floating(CT_INT64));
  assert_int_equal(ct_get_default_dtype(), CT_FLOAT32);
  assert_int_equal(ct_promote_types(CT_UINT8, CT_INT8), CT_INT16);
  ct_tensor *i32 = ct_zeros(CT_SHAPE(1), .dtype = CT_INT32);
  assert_int_equal(ct_result_type(i32, ct_wrap_scalar(2.5)), CT_FLOAT32);
  assert_int_equal(ct_result_type(i32, ct_scalar_tensor(2, CT_INT64)), CT_INT32); /* 0-dim */
  ct_tensor *w = ct_wrap_int(3);
  assert_int_equal(ct_dtype_of(w), CT_INT64);
  assert_int_equal(ct_dtype_of(ct_mul(i32, w)), CT_INT32); /* a Python int keeps int32 */
  ct_scope_end();
}

/* torch.linspace bit for bit: the sum of each result's bit patterns, as torch 1.13 printed
 * them (torch.linspace(s, e, n, dtype=dt).numpy().view(uint).sum()). A double computation
 * rounded once was an ulp off in a third of them. */
static void test_linspace_bits(void **state) {
  (void)state;
  static const struct { double s, e; int64_t n; uint64_t f32, f64; } C[] = {
      {-1.3, 2.7, 100, 0x293a412998ull, 0x7748253c8253c7ffull},
      {0.1, 0.7, 37, 0x910aaaa9bull, 0x3a15555555555551ull},
      {-5, 3, 1000, 0x2319e7c301dull, 0x63cf8605a33c387bull},
      {3, -2, 65, 0x1d1bd40000ull, 0x3b7a800000000000ull},
      {0, 1, 5, 0xfc400000ull, 0xff88000000000000ull}};
  ct_scope_begin();
  for (size_t c = 0; c < sizeof C / sizeof *C; c++) {
    const uint32_t *b32 = ct_data_ptr(ct_linspace(C[c].s, C[c].e, C[c].n));
    const uint64_t *b64 = ct_data_ptr(ct_linspace(C[c].s, C[c].e, C[c].n, .dtype = CT_FLOAT64));
    uint64_t s32 = 0, s64 = 0;
    for (int64_t i = 0; i < C[c].n; i++) s32 += b32[i], s64 += b64[i];
    if (s32 != C[c].f32 || s64 != C[c].f64)
      fail_msg("linspace(%g, %g, %lld): bit sums 0x%llx / 0x%llx, torch 0x%llx / 0x%llx", C[c].s, C[c].e,
               (long long)C[c].n, (unsigned long long)s32, (unsigned long long)s64,
               (unsigned long long)C[c].f32, (unsigned long long)C[c].f64);
  }
  ct_scope_end();
}

/* *_like creation and linspace */
static void test_creation(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = ct_zeros(CT_SHAPE(2, 3), .dtype = CT_INT16);
  ct_tensor *e = ct_empty_like(x);
  assert_int_equal(ct_dtype_of(e), CT_INT16);
  SHAPE_IS(e, 2, 3);
  ct_tensor *o = ct_ones_like(x, .dtype = CT_FLOAT64);
  assert_int_equal(ct_dtype_of(o), CT_FLOAT64);
  expect_exact(o, 1, 1, 1, 1, 1, 1);
  expect_exact(ct_full_like(x, 7), 7, 7, 7, 7, 7, 7);
  assert_int_equal(ct_dtype_of(ct_full_like(x, 7)), CT_INT16);
  ct_tensor *l = ct_linspace(0, 1, 5);
  assert_int_equal(ct_dtype_of(l), CT_FLOAT32);
  expect_exact(l, 0, 0.25, 0.5, 0.75, 1);
  expect_error(ct_linspace(0, 1, -1), "number of steps must be non-negative");
  ct_scope_end();
}

/* keep / retain / release move and count references */
static void test_references(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *kept;
  ct_scope_begin();
  kept = ct_keep(ct_ones(CT_SHAPE(3)));   /* moves into the outer scope */
  ct_tensor *held = ct_retain(ct_ones(CT_SHAPE(2))); /* one extra, caller-owned reference */
  ct_scope_end();
  expect_exact(kept, 1, 1, 1);
  expect_exact(held, 1, 1);
  ct_release(held);
  assert_int_equal(ct_live_tensors(), live + 1); /* only `kept` is left */
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), live);
}

/* the error handler sees each recorded message; CT_ERRORS_ABORT aborts (in a child) */
static int g_calls;
static void on_error(const char *msg, void *user) { g_calls += msg != NULL && user == &g_calls; }
static void test_error_settings(void **state) {
  (void)state;
  ct_scope_begin();
  ct_set_error_handler(on_error, &g_calls);
  ct_view(ct_ones(CT_SHAPE(2)), CT_SHAPE(3));
  assert_int_equal(g_calls, 1);
  ct_set_error_handler(NULL, NULL);
  ct_clear_error();
  ct_view(ct_ones(CT_SHAPE(2)), CT_SHAPE(3));
  assert_int_equal(g_calls, 1);
  ct_clear_error();
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    ct_set_error_mode(CT_ERRORS_ABORT);
    if (!freopen("/dev/null", "w", stderr)) _exit(3);
    ct_view(ct_ones(CT_SHAPE(2)), CT_SHAPE(3));
    _exit(0); /* not reached when ABORT works */
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
  ct_set_error_mode(CT_ERRORS_RETURN);
  assert_null(ct_view(ct_ones(CT_SHAPE(2)), CT_SHAPE(3))); /* returns, does not abort */
  ct_clear_error();
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arith_forms), cmocka_unit_test(test_views),
      cmocka_unit_test(test_queries),     cmocka_unit_test(test_creation), cmocka_unit_test(test_linspace_bits),
      cmocka_unit_test(test_references),  cmocka_unit_test(test_error_settings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
