/* The optim API under hostile input: NULL everywhere, out-of-range groups and indices, a
 * wrong-typed option, huge option names; nothing crashes, nothing leaks, the optimizer stays
 * usable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static void test_null_everywhere(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64, .requires_grad = true);
  assert_null(ct_optim_name(NULL));
  assert_int_equal(ct_optim_num_groups(NULL), -1);
  expect_fail(ct_optim_zero_grad(NULL, false), "NULL");
  ct_optim *o = ct_optim_create("SGD", &p, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.1))));
  assert_non_null(o);
  expect_error(ct_optim_create("SGD", NULL, 2, NULL), "invalid parameter list");
  expect_error(ct_optim_create("SGD", &p, -1, NULL), "invalid parameter list");
  expect_fail(ct_optim_add_param_group(o, NULL, 3, NULL), "invalid parameter list");
  assert_int_equal(ct_optim_group_size(NULL, 0), -1);
  assert_int_equal(ct_optim_group_size(o, -1), -1);
  assert_null(ct_optim_group_param(o, 0, -1));
  assert_null(ct_optim_group_param(NULL, 0, 0));
  assert_true(isnan(ct_optim_get(NULL, 0, "lr")));
  expect_fail(1, "out of range");
  assert_true(isnan(ct_optim_get(o, 0, NULL)));
  expect_fail(1, "KeyError");
  assert_true(isnan(ct_optim_get_at(o, 0, "lr", 3)));
  expect_fail(1, "has no element 3");
  assert_false(ct_optim_has(NULL, 0, "lr"));
  assert_false(ct_optim_has(o, 0, NULL));
  expect_fail(ct_optim_set(o, 0, NULL, 1), "NULL");
  expect_fail(ct_optim_set(NULL, 0, "lr", 1), "out of range");
  expect_fail(ct_optim_set_at(NULL, 0, "betas", 0, 1), "out of range");
  char longkey[200];
  memset(longkey, 'k', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = 0;
  expect_fail(ct_optim_set(o, 0, longkey, 1), "too long");
  assert_null(ct_optim_state(o, NULL, "momentum_buffer"));
  assert_null(ct_optim_state(o, p, NULL));
  expect_error(ct_optim_step_closure(o, NULL, NULL), "closure is NULL");
  expect_error(ct_optim_state_dict(NULL), "NULL");
  expect_fail(ct_optim_load_state_dict(o, NULL), "NULL");
  expect_fail(ct_optim_save(o, NULL), "NULL");
  expect_fail(ct_optim_load(NULL, "x"), "NULL");
  expect_fail(ct_optim_load(o, "/nonexistent/optim.safetensors"), "");
  ct_increment_version(NULL);
  expect_error(ct_optim_sgd(NULL, 1, .lr = 0.1), "invalid parameter list");
  expect_error(ct_optim_adam(NULL, 0), "empty parameter list");
  expect_error(ct_optim_adamw(&p, 1, .lr = __builtin_nan("")), "Invalid learning rate: nan");
  /* wrong-typed options */
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(ct_v_kw("lr", ct_v_str("fast")))), "must be a number");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(ct_v_kw("lr", ct_v_none()))), "cannot be None");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(ct_v_kw("lr", ct_v_tuple(2)), ct_v_float(1))),
               "must be a number");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(ct_v_float(0.1), ct_v_float(0), ct_v_float(0), ct_v_float(0),
                                                      ct_v_bool(false), ct_v_bool(false), ct_v_none(),
                                                      ct_v_bool(false), ct_v_float(1))),
               "positional arguments");
  /* still usable after all that */
  assert_int_equal(ct_set_grad(p, ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64)), 0);
  assert_int_equal(ct_optim_step(o), 0);
  expect_exact(p, -0.1, -0.1, -0.1);
  ct_optim_free(o);
  leak_end(lm, "robustness", __LINE__);
}

/* A non-contiguous parameter and gradient take the reference path and still match. */
static void test_strided_parameter(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *base = ct_arange(0, 12, 1, .dtype = CT_FLOAT32);
  /* a non-contiguous leaf: the transpose of a (3, 4) copy, detached */
  ct_tensor *p = ct_requires_grad_(ct_detach(ct_transpose(ct_clone(ct_view(base, CT_SHAPE(3, 4))), 0, 1)), true);
  assert_false(ct_is_contiguous(p));
  ct_tensor *pt = ct_requires_grad_(ct_contiguous(ct_transpose(ct_view(base, CT_SHAPE(3, 4)), 0, 1)), true);
  ct_optim *o = ct_optim_create("SGD", CT_TENSORS(p, pt),
                                &CT_VALUES(ct_v_kw("lr", ct_v_float(0.5)), ct_v_kw("momentum", ct_v_float(0.9))));
  assert_non_null(o);
  for (int s = 0; s < 3; s++) {
    ct_tensor *g = ct_mul_scalar(ct_ones(CT_SHAPE(4, 3)), 0.25 * (s + 1));
    assert_int_equal(ct_set_grad(p, ct_transpose(ct_contiguous(ct_transpose(g, 0, 1)), 0, 1)), 0);
    assert_int_equal(ct_set_grad(pt, ct_clone(g)), 0);
    assert_int_equal(ct_optim_step(o), 0);
  }
  assert_true(ct_item(ct_max(ct_abs(ct_sub(p, pt)))) == 0);
  ct_optim_free(o);
  leak_end(lm, "strided", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_everywhere),
      cmocka_unit_test(test_strided_parameter),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
