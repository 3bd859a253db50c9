/* Memory of forward passes and training steps: what a big eval batch or a long training
 * loop holds at once (bench/fashion.c's workload, issue 9's peak RSS goal). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctorch.h"
#include "ct_test.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0 /* ASan turns the allocator caches off */
#endif

/* ct_live_bytes() when the hooked module has computed its output. */
static int live_at_hook(ct_module *m, const ct_values *in, ct_values *out, void *user) {
  (void)m, (void)in, (void)out;
  *(int64_t *)user = ct_live_bytes();
  return 0;
}

/* Sequential drops each intermediate once the next module has read it: at the last of four
 * ReLUs, x, the third ReLU's output and the last one's are alive, not the first two's. */
static void test_sequential_drops_intermediates(void **state) {
  (void)state;
  int64_t live = ct_live_tensors();
  ct_module *last = ct_nn_relu(false);
  ct_module *s = ct_nn_sequential(ct_nn_relu(false), ct_nn_relu(false), ct_nn_relu(false), last);
  int64_t at_last = 0, unit = 1 << 22; /* bytes of x: 1M floats */
  ct_hook_handle h = ct_module_register_forward_hook(last, live_at_hook, &at_last);
  ct_scope_begin();
  ct_tensor *x = ct_rand(CT_SHAPE(1 << 20));
  int64_t before = ct_live_bytes();
  ct_tensor *y = NULL;
  CT_NO_GRAD { y = ct_forward(s, x); }
  assert_non_null(y);
  assert_true(at_last - before <= 2 * unit + unit / 4); /* the third's and the last's */
  assert_true(ct_live_bytes() - before <= unit + unit / 4); /* y alone */
  assert_true(ct_equal(y, ct_relu(x)));
  /* with autograd the graph keeps what backward needs, and the gradient is unchanged */
  ct_tensor *xr = ct_requires_grad_(ct_randn(CT_SHAPE(3, 4)), true);
  assert_int_equal(ct_backward(ct_sum(ct_forward(s, xr))), 0);
  assert_true(ct_equal(ct_grad(xr), ct_to(ct_gt_scalar(xr, 0), CT_FLOAT32)));
  ct_scope_end();
  ct_hook_remove(&h);
  ct_module_free(s);
  assert_int_equal(ct_live_tensors(), live);
}

/* A training step frees a few dozen big buffers (activations, their gradients, im2col
 * columns): the big-storage cache keeps all of them for the next step, or each step
 * page-faults them in again (bench_fashion's CNN: 3300 faults a step with 8 slots). */
static void test_step_buffers_stay_cached(void **state) {
  (void)state;
  ct_empty_cache();
  ct_scope_begin();
  for (int i = 0; i < 24; i++) ct_empty(CT_SHAPE(1 << 18)); /* 24 buffers of 1 MB */
  ct_scope_end();
  if (!UNDER_ASAN) assert_true(ct_cached_bytes() >= (int64_t)24 << 20);
  ct_empty_cache();
  assert_int_equal(ct_cached_bytes(), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sequential_drops_intermediates),
      cmocka_unit_test(test_step_buffers_stay_cached),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
