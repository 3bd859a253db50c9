/* The LR schedulers' robustness sweep: NULL everywhere, hostile counts and values, malformed
 * by-name arguments and state dicts: an error (or a defined no-op), never a crash, nothing
 * leaked (ASan), nothing changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctorch.h"
#include "ct_test.h"

static ct_tensor *W;

static ct_optim *sgd(void) {
  W = ct_zeros(CT_SHAPE(2), .dtype = CT_FLOAT64, .requires_grad = true);
  ct_optim *o = ct_optim_create("SGD", &W, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.1))));
  assert_non_null(o);
  return o;
}

static void done(ct_optim *o) {
  ct_optim_free(o);
  ct_release(W);
}

static void test_nulls(void **state) {
  (void)state;
  ct_lr_scheduler_free(NULL);
  assert_null(ct_lr_scheduler_name(NULL));
  assert_null(ct_lr_scheduler_optimizer(NULL));
  assert_true(ct_lr_scheduler_last_epoch(NULL) == INT64_MIN);
  expect_fail(ct_lr_scheduler_step(NULL), "scheduler is NULL");
  expect_fail(ct_lr_scheduler_step_epoch(NULL, 1), "scheduler is NULL");
  expect_fail(ct_lr_scheduler_step_metric(NULL, 1), "scheduler is NULL");
  expect_fail(ct_lr_scheduler_get_last_lr(NULL, NULL, 0), "scheduler is NULL");
  expect_error(ct_lr_scheduler_state_dict(NULL), "scheduler is NULL");
  expect_fail(ct_lr_scheduler_load_state_dict(NULL, NULL), "is NULL");
  expect_error(ct_lr_scheduler_create(NULL, NULL, NULL), "name is NULL");
  expect_error(ct_lr_scheduler_create("StepLR", NULL, &CT_VALUES(ct_v_int(2))), "NoneType is not an Optimizer");
  expect_error(ct_lr_exponential_lr(NULL, 0.5), "NoneType is not an Optimizer");
  expect_error(ct_lr_one_cycle_lr(NULL, CT_LR_GROUPS(0.1), .total_steps = 2), "NoneType is not an Optimizer");
  expect_error(ct_lr_cyclic_lr(NULL, CT_LR_GROUPS(0.1), CT_LR_GROUPS(0.2)), "NoneType is not an Optimizer");
  expect_error(ct_lr_reduce_lr_on_plateau(NULL), "NoneType is not an Optimizer");
  expect_error(ct_lr_lambda_lr(NULL, .lr_lambda = NULL), "missing 1 required positional argument");
  expect_error(ct_lr_sequential_lr(NULL, NULL, 0, NULL, 0), "NoneType is not an Optimizer");
  expect_error(ct_lr_chained_scheduler(NULL, 0), "list index out of range");
  expect_error(ct_lr_chained_scheduler(NULL, 2), "schedulers is NULL");
  expect_error(ct_lr_chained_scheduler((ct_lr_scheduler *[]){NULL}, 1), "schedulers[0] is NULL");
  expect_error(ct_lr_multi_step_lr(NULL, -1, NULL), "milestones is NULL or its count negative");
  expect_error(ct_lr_constant_lr(NULL), "NoneType is not an Optimizer");
  expect_error(ct_lr_linear_lr(NULL), "NoneType is not an Optimizer");
  expect_error(ct_lr_cosine_annealing_warm_restarts(NULL, 2), "NoneType is not an Optimizer");
  expect_error(ct_lr_multiplicative_lr(NULL, .n_lambdas = 1), "lr_lambdas is NULL");

  ct_optim *o = sgd();
  ct_lr_scheduler *s = ct_lr_step_lr(o, 2);
  expect_fail(ct_lr_scheduler_load_state_dict(s, NULL), "is NULL");
  assert_int_equal(ct_lr_scheduler_get_last_lr(s, NULL, 0), 1); /* ask for the count */
  ct_lr_scheduler_free(s);
  done(o);
}

static void test_hostile_values(void **state) {
  (void)state;
  ct_optim *o = sgd();
  expect_error(ct_lr_step_lr(o, 0), "integer division or modulo by zero");
  expect_error(ct_lr_polynomial_lr(o, .total_iters = 0), "division by zero");
  expect_error(ct_lr_linear_lr(o, .start_factor = -INFINITY), "between 0 and 1");
  expect_error(ct_lr_cosine_annealing_warm_restarts(o, INT64_MIN, .T_mult = INT64_MAX), "Expected positive integer T_0");
  expect_error(ct_lr_cosine_annealing_lr(o, 0), "float division by zero");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = 4, .pct_start = NAN), "pct_start");
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = 4, .anneal_strategy = 7), "anneal_strategy");
  expect_error(ct_lr_cyclic_lr(o, CT_LR_GROUPS(0.1), CT_LR_GROUPS(0.2), .mode = 9), "mode is invalid");
  expect_error(ct_lr_reduce_lr_on_plateau(o, .mode = 5), "is unknown!");
  expect_error(ct_lr_reduce_lr_on_plateau(o, .min_lr = CT_LR_GROUPS(0.1, 0.2)), "expected 1 min_lrs, got 2");
  /* OneCycleLR whose first phase is empty: PyTorch's ZeroDivisionError */
  expect_error(ct_lr_one_cycle_lr(o, CT_LR_GROUPS(0.1), .total_steps = 2, .pct_start = 0.5), "float division by zero");
  assert_false(ct_optim_has(o, 0, "initial_lr"));

  ct_lr_scheduler *s = ct_lr_step_lr(o, INT64_MAX, .gamma = NAN);
  assert_non_null(s);
  for (int i = 0; i < 3; i++) assert_int_equal(ct_lr_scheduler_step(s), 0);
  expect_fail(ct_lr_scheduler_step_epoch(s, NAN), "epoch must be finite");
  expect_fail(ct_lr_scheduler_step_epoch(s, INFINITY), "epoch must be finite");
  expect_fail(ct_lr_scheduler_step_epoch(s, 1e300), "epoch must be an integer");
  assert_int_equal(ct_lr_scheduler_last_epoch(s), 3);
  ct_lr_scheduler_free(s);

  /* a metric of NaN / inf: a bad epoch, no crash */
  s = ct_lr_reduce_lr_on_plateau(o, .patience = 0);
  assert_int_equal(ct_lr_scheduler_step_metric(s, NAN), 0);
  assert_int_equal(ct_lr_scheduler_step_metric(s, INFINITY), 0);
  assert_true(ct_optim_get(o, 0, "lr") < 0.1);
  ct_lr_scheduler_free(s);
  /* a NaN factor passes 1.13's range check (both comparisons are false): NaN lrs, no crash */
  s = ct_lr_constant_lr(o, .factor = NAN, .total_iters = 1);
  assert_non_null(s);
  assert_int_equal(ct_lr_scheduler_step(s), 0);
  assert_true(isnan(ct_optim_get(o, 0, "lr")));
  ct_lr_scheduler_free(s);
  done(o);
}

static void test_bad_kwargs(void **state) {
  (void)state;
  ct_optim *o = sgd();
  /* wrong types */
  expect_error(ct_lr_scheduler_create("StepLR", o, &CT_VALUES(ct_v_str("two"))), "step_size must be an int");
  expect_error(ct_lr_scheduler_create("StepLR", o, &CT_VALUES(ct_v_int(2), ct_v_kw("gamma", ct_v_str("x")))),
               "gamma must be a number");
  expect_error(ct_lr_scheduler_create("MultiStepLR", o, &CT_VALUES(ct_v_tuple(2), ct_v_int(1), ct_v_str("x"))),
               "milestones must be a tuple of ints");
  expect_error(ct_lr_scheduler_create("OneCycleLR", o, &CT_VALUES(ct_v_str("x"), ct_v_kw("total_steps", ct_v_int(2)))),
               "max_lr must be a number or a tuple of numbers");
  /* a tuple claiming more entries than the list holds */
  expect_error(ct_lr_scheduler_create("MultiStepLR", o, &CT_VALUES(ct_v_tuple(5), ct_v_int(1))),
               "milestones must be a tuple of ints");
  expect_error(ct_lr_scheduler_create("LambdaLR", o, &CT_VALUES(ct_v_tuple(3))), "lr_lambda must be");
  expect_error(ct_lr_scheduler_create("LambdaLR", o, &CT_VALUES(ct_v_tuple(2), ct_v_tuple(1), ct_v_float(1))),
               "lr_lambda must be");
  expect_error(ct_lr_scheduler_create("LambdaLR", o, &CT_VALUES(ct_v_int(3))), "lr_lambda must be");
  expect_error(ct_lr_scheduler_create("SequentialLR", o, &CT_VALUES(ct_v_tuple(3), ct_v_str("StepLR"))),
               "missing 1 required positional argument: 'milestones'");
  expect_error(ct_lr_scheduler_create("ChainedScheduler", o, &CT_VALUES(ct_v_tuple(3), ct_v_str("ConstantLR"))),
               "fewer entries");
  expect_error(ct_lr_scheduler_create("ChainedScheduler", o, &CT_VALUES(ct_v_tuple(1), ct_v_int(4))),
               "must be a class name");
  expect_error(ct_lr_scheduler_create("ChainedScheduler", o,
                                      &CT_VALUES(ct_v_tuple(2), ct_v_str("ConstantLR"), ct_v_str("NopeLR"))),
               "has no attribute 'NopeLR'");
  expect_error(ct_lr_scheduler_create("ChainedScheduler", o, &CT_VALUES(ct_v_tuple(1), ct_v_str("ReduceLROnPlateau"))),
               "needs a metric");
  expect_error(ct_lr_scheduler_create("CyclicLR", o,
                                      &CT_VALUES(ct_v_float(0.1), ct_v_float(0.2), ct_v_kw("scale_fn", ct_v_tuple(0)))),
               "scale_fn must be");
  /* None for an optional keyword is its default */
  ct_lr_scheduler *s = ct_lr_scheduler_create(
      "CyclicLR", o, &CT_VALUES(ct_v_float(0.1), ct_v_float(0.2), ct_v_kw("step_size_down", ct_v_none())));
  assert_non_null(s);
  ct_lr_scheduler_free(s);
  done(o);
}

static void test_bad_state(void **state) {
  (void)state;
  ct_optim *o = sgd();
  ct_lr_scheduler *s = ct_lr_multi_step_lr(o, 2, ((const int64_t[]){1, 3}));
  ct_tensor_map *sd = ct_lr_scheduler_state_dict(s);
  assert_non_null(sd);
  assert_string_equal(ct_tensor_map_meta(sd, "scheduler"), "MultiStepLR");
  ct_tensor_map *empty = ct_tensor_map_new();
  expect_fail(ct_lr_scheduler_load_state_dict(s, empty), "missing \"scheduler\"");
  ct_tensor_map_free(empty);
  ct_tensor_map_set_meta(sd, "gamma", "not a number");
  expect_fail(ct_lr_scheduler_load_state_dict(s, sd), "\"gamma\" is not a number");
  ct_tensor_map_set_meta(sd, "gamma", "0.5");
  ct_tensor_map_set_meta(sd, "verbose", "maybe");
  expect_fail(ct_lr_scheduler_load_state_dict(s, sd), "\"verbose\" has an unknown value 'maybe'");
  ct_tensor_map_set_meta(sd, "verbose", "false");
  ct_tensor *z = ct_zeros(CT_SHAPE(3), .dtype = CT_FLOAT64);
  ct_tensor_map_set(sd, "base_lrs", z);
  ct_release(z);
  expect_fail(ct_lr_scheduler_load_state_dict(s, sd), "\"base_lrs\" should hold 1 values");
  /* nothing changed by the failed loads */
  assert_int_equal(ct_lr_scheduler_step(s), 0);
  assert_true(ct_optim_get(o, 0, "lr") == 0.1 * 0.1);
  ct_tensor_map_free(sd);
  ct_lr_scheduler_free(s);
  done(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_nulls), cmocka_unit_test(test_hostile_values),
                                     cmocka_unit_test(test_bad_kwargs), cmocka_unit_test(test_bad_state)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
