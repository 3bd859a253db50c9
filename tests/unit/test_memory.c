/* Memory model tests: a training loop in a scope keeps memory flat over any number of
 * steps, failing calls leak nothing, and NULL propagates through a chain keeping the
 * first message. CT_MEMORY_STEPS overrides the step count (the valgrind run uses it). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

static long steps_to_run(void) {
  const char *env = getenv("CT_MEMORY_STEPS");
  if (env && atol(env) > 100) return atol(env);
  return UNDER_SANITIZER ? 3000 : 100000;
}

/* One SGD step of a two-layer MLP: loss = sum((relu(x @ W1 + b1) @ W2 - y)^2). */
static void train_step(ct_tensor *x, ct_tensor *y, ct_tensor **params, int n_params) {
  ct_scope_begin();
  ct_tensor *h = ct_relu(ct_add(ct_matmul(x, params[0]), params[1]));
  ct_tensor *d = ct_sub(ct_matmul(h, params[2]), y);
  ct_tensor *loss = ct_sum(ct_mul(d, d));
  assert_int_equal(ct_backward(loss), 0);
  CT_NO_GRAD {
    for (int i = 0; i < n_params; i++) ct_sub_(params[i], ct_mul_scalar(ct_grad(params[i]), 1e-3));
  }
  for (int i = 0; i < n_params; i++) ct_set_grad(params[i], NULL);
  ct_scope_end();
}

static void test_training_loop_memory_is_flat(void **state) {
  (void)state;
  ct_clear_error();
  int64_t t0 = ct_live_tensors(), b0 = ct_live_bytes();
  ct_scope_begin();
  ct_manual_seed(0);
  ct_tensor *x = ct_randn(CT_SHAPE(4, 3));
  ct_tensor *y = ct_randn(CT_SHAPE(4, 1));
  ct_tensor *params[3] = {ct_randn(CT_SHAPE(3, 5), .requires_grad = true),
                          ct_zeros(CT_SHAPE(5), .requires_grad = true),
                          ct_randn(CT_SHAPE(5, 1), .requires_grad = true)};
  long steps = steps_to_run();
  int64_t tensors_100 = 0, bytes_100 = 0;
  for (long step = 1; step <= steps; step++) {
    train_step(x, y, params, 3);
    if (step == 100) {
      tensors_100 = ct_live_tensors();
      bytes_100 = ct_live_bytes();
    }
  }
  assert_null(ct_last_error());
  assert_int_equal(ct_live_tensors(), tensors_100);
  assert_int_equal(ct_live_bytes(), bytes_100);
  for (int i = 0; i < 3; i++) assert_null(ct_grad(params[i]));
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), t0);
  assert_int_equal(ct_live_bytes(), b0);
}

/* ---- failing calls leak nothing --------------------------------------------------------- */
typedef struct {
  int64_t tensors, bytes;
} live_counts;
static live_counts live_now(void) { return (live_counts){ct_live_tensors(), ct_live_bytes()}; }

/* The call failed with a message containing want; clear it for the next check. */
static void expect_error(bool failed, const char *want) {
  assert_true(failed);
  const char *msg = ct_last_error();
  assert_non_null(msg);
  if (!strstr(msg, want)) fail_msg("message \"%s\" lacks \"%s\"", msg, want);
  ct_clear_error();
}

static void test_errors_leak_nothing(void **state) {
  (void)state;
  ct_clear_error();
  live_counts before = live_now();
  for (int round = 0; round < 3; round++) { /* repeated: a leak would grow each round */
    ct_scope_begin();
    ct_tensor *a = ct_ones(CT_SHAPE(2, 3)), *v = ct_ones(CT_SHAPE(4));
    ct_tensor *w = ct_ones(CT_SHAPE(3), .requires_grad = true);
    ct_tensor *wm = ct_mul(w, w); /* a recorded graph is live while the errors happen */
    expect_error(!ct_add(a, v), "The size of tensor a (3) must match the size of tensor b (4)");
    /* PyTorch compares from the last dim: the first mismatch reported is dim 1 */
    expect_error(!ct_mul(a, ct_ones(CT_SHAPE(3, 2))),
                 "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                 "dimension 1");
    expect_error(!ct_add(wm, v), "must match");
    expect_error(!ct_matmul(ct_ones(CT_SHAPE(3, 4)), ct_ones(CT_SHAPE(5, 2))),
                 "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)");
    expect_error(!ct_sum(a, .dim = CT_DIMS(5)), "Dimension out of range");
    expect_error(!ct_sum(wm, .dim = CT_DIMS(0, 1)), "Dimension out of range");
    expect_error(!ct_softmax(a, 7), "Dimension out of range");
    expect_error(!ct_select(a, 0, 10), "out of range");
    expect_error(isnan(ct_get(a, (int64_t[]){2, 0})), "out of bounds");
    expect_error(!ct_view(ct_t(a), CT_SHAPE(6)), "view size is not compatible");
    expect_error(ct_backward(wm) != 0, "grad can be implicitly created only for scalar outputs");
    expect_error(!ct_add_scalar_(w, 1), "a leaf Variable that requires grad");
    ct_tensor *loss = ct_sum(wm);
    assert_int_equal(ct_backward(loss), 0);
    expect_error(ct_backward(loss) != 0, "Trying to backward through the graph a second time");
    /* NULL arguments: NULL back, no message */
    assert_null(ct_add(NULL, a));
    assert_null(ct_matmul(a, NULL));
    assert_null(ct_sum(NULL));
    assert_null(ct_softmax(NULL, 0));
    assert_null(ct_relu(NULL));
    assert_int_not_equal(ct_backward(NULL), 0);
    assert_null(ct_last_error());
    ct_scope_end();
    live_counts after = live_now();
    assert_int_equal(after.tensors, before.tensors);
    assert_int_equal(after.bytes, before.bytes);
  }
}

/* ---- NULL propagation ------------------------------------------------------------------- */
static void test_null_propagates_first_message_kept(void **state) {
  (void)state;
  ct_clear_error();
  live_counts before = live_now();
  ct_scope_begin();
  ct_tensor *a = ct_ones(CT_SHAPE(3, 4), .requires_grad = true);
  ct_tensor *b = ct_ones(CT_SHAPE(5, 2));
  /* the matmul fails; every later call gets NULL, and a later bad call adds nothing */
  ct_tensor *h = ct_matmul(a, b);
  ct_tensor *r = ct_relu(ct_add(h, ct_ones(CT_SHAPE(3, 2))));
  ct_tensor *loss = ct_sum(ct_mul(r, r));
  assert_null(loss);
  assert_null(ct_softmax(a, 9)); /* would be its own error, but the first one stays */
  assert_int_not_equal(ct_backward(loss), 0);
  assert_string_equal(ct_last_error(), "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)");
  ct_clear_error();
  assert_null(ct_last_error());
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before.tensors);
  assert_int_equal(ct_live_bytes(), before.bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_training_loop_memory_is_flat),
      cmocka_unit_test(test_errors_leak_nothing),
      cmocka_unit_test(test_null_propagates_first_message_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
