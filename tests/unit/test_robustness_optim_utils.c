/* Robustness of gradient clipping (NULL, empty, non-contiguous and hostile values) and the bad
 * input of issue 8 that the optim-core / optim-more tests leave out: each fails with PyTorch
 * 1.13's message (or does what 1.13 does where 1.13 accepts it) and changes nothing.
 * Expected numbers from /usr/bin/python3 with torch 1.13. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

#define expect_list(t, rtol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, 0, #t, __LINE__)

/* a float64 leaf of n values whose .grad is g (n values) */
static ct_tensor *with_grad(int n, const double *v, const double *g) {
  ct_tensor *p = vec(n, v, true);
  assert_int_equal(ct_set_grad(p, ct_tensor_from(g, CT_FLOAT64, 1, (int64_t[]){n})), 0);
  return p;
}

/* ---- clip_grad_norm_ / clip_grad_value_ ------------------------------------------------------ */
static void test_clip_null_and_empty(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  /* a NULL list or parameter (an earlier failure) fails without a message of its own */
  NP(ct_nn_utils_clip_grad_norm_(NULL, 1, 1.0));
  ct_tensor *with_null[] = {p, NULL};
  NP(ct_nn_utils_clip_grad_norm_(with_null, 2, 1.0));
  NI(ct_nn_utils_clip_grad_value_(NULL, 1, 1.0));
  NI(ct_nn_utils_clip_grad_value_((ct_tensor *[]){NULL, p}, 2, 1.0));
  NP(ct_nn_utils_clip_grad_norm_module_(NULL, 1.0));
  NI(ct_nn_utils_clip_grad_value_module_(NULL, 1.0));
  expect_error(ct_nn_utils_clip_grad_norm_(&p, -1, 1.0), "invalid parameter list");
  expect_fail(ct_nn_utils_clip_grad_value_(&p, -2, 1.0), "invalid parameter list");
  expect_exact(ct_grad(p), 3, 4); /* none of the failures touched it */
  /* an empty list: torch.tensor(0.); a module without parameters likewise */
  expect_exact(ct_nn_utils_clip_grad_norm_(NULL, 0, 1.0), 0);
  assert_int_equal(ct_nn_utils_clip_grad_value_(NULL, 0, 1.0), 0);
  ct_module *relu = ct_nn_relu(false);
  expect_exact(ct_nn_utils_clip_grad_norm_module_(relu, 1.0), 0);
  assert_int_equal(ct_nn_utils_clip_grad_value_module_(relu, 1.0), 0);
  ct_module_free(relu);
  leak_end(lm, "clip null", __LINE__);
}

/* a non-contiguous gradient (a transposed view) is read and scaled in place through its strides
 * (PyTorch: grad = arange(6.).reshape(3, 2).t(), 3-norm 6.082201995573398) */
static void test_clip_noncontiguous(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = ct_requires_grad_(ct_zeros(CT_SHAPE(2, 3), .dtype = CT_FLOAT64), true);
  ct_tensor *g = ct_transpose(ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT64), CT_SHAPE(3, 2)), 0, 1);
  assert_false(ct_is_contiguous(g));
  assert_int_equal(ct_set_grad(p, g), 0);
  expect_list(ct_nn_utils_clip_grad_norm_(&p, 1, 1.0, .norm_type = 3), 1e-15, 6.082201995573398);
  expect_list(ct_grad(p), 1e-15, 0.0, 0.3288282225133873, 0.6576564450267746, 0.16441411125669364,
              0.4932423337700809, 0.8220705562834683);
  assert_int_equal(ct_nn_utils_clip_grad_value_(&p, 1, 0.2), 0);
  expect_list(ct_grad(p), 1e-15, 0.0, 0.2, 0.2, 0.16441411125669364, 0.2, 0.2);
  leak_end(lm, "clip strided", __LINE__);
}

/* hostile max_norm: negative flips the grads (coef < 0 is not clamped), inf leaves them,
 * NaN makes them NaN; the total norm is still returned (PyTorch 1.13's values) */
static void test_clip_hostile_values(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  expect_exact(ct_nn_utils_clip_grad_norm_(&p, 1, -1.0), 5);
  expect_list(ct_grad(p), 1e-15, -0.599999880000024, -0.799999840000032);
  ct_tensor *q = with_grad(2, (double[]){0, 0}, (double[]){3, 4});
  expect_exact(ct_nn_utils_clip_grad_norm_(&q, 1, INFINITY), 5);
  expect_exact(ct_grad(q), 3, 4);
  expect_exact(ct_nn_utils_clip_grad_norm_(&q, 1, NAN), 5);
  expect_exact(ct_grad(q), NAN, NAN);
  /* a parameter that does not require grad but has a .grad is clipped (p.grad is not None) */
  ct_tensor *frozen = with_grad(2, (double[]){0, 0}, (double[]){-3, 9});
  ct_requires_grad_(frozen, false);
  assert_int_equal(ct_nn_utils_clip_grad_value_(&frozen, 1, 2), 0);
  expect_exact(ct_grad(frozen), -2, 2);
  /* huge float64 grads: the 2-norm overflows to inf and scales them to 0 (PyTorch too) */
  ct_tensor *big = with_grad(2, (double[]){0, 0}, (double[]){1e300, 1e300});
  expect_exact(ct_nn_utils_clip_grad_norm_(&big, 1, 1.0), INFINITY);
  expect_exact(ct_grad(big), 0, 0);
  leak_end(lm, "clip hostile", __LINE__);
}

/* ---- optimizers: bad input not covered elsewhere ----------------------------------------------- */
/* betas outside [0, 1) and eps < 0 with NaN (1.13's `not 0.0 <= x` checks reject NaN), SGD's
 * typed constructor with nesterov and dampening: NULL, the parameter untouched */
static void test_optim_invalid_options(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = vec(2, (double[]){1, 2}, true);
  expect_error(ct_optim_adam(&p, 1, .betas = {NAN, 0.9}), "Invalid beta parameter at index 0: nan");
  expect_error(ct_optim_adam(&p, 1, .betas = {-0.1, 0.9}), "Invalid beta parameter at index 0: -0.1");
  expect_error(ct_optim_adamw(&p, 1, .betas = {0.9, 1.5}), "Invalid beta parameter at index 1: 1.5");
  expect_error(ct_optim_adam(&p, 1, .eps = -1), "Invalid epsilon value: -1.0");
  expect_error(ct_optim_adam(&p, 1, .eps = NAN), "Invalid epsilon value: nan");
  expect_error(ct_optim_sgd(&p, 1, .lr = -0.1, .momentum = 0.9), "Invalid learning rate: -0.1");
  expect_error(ct_optim_sgd(&p, 1, .lr = 0.1, .momentum = 0.9, .dampening = 0.5, .nesterov = true),
               "Nesterov momentum requires a momentum and zero dampening");
  expect_exact(p, 1, 2);
  assert_null(ct_grad(p));
  leak_end(lm, "invalid options", __LINE__);
}

/* A parameter that does not require grad: 1.13 takes it (no check), skips it while its .grad
 * is None, and updates it once a .grad is given by hand (PyTorch: SGD([a, f], lr=0.5),
 * (a * 3 + f).sum().backward(); step -> a [-0.5, -0.5], f [1, 1]; f.grad = ones; step -> f
 * [0.5, 0.5]). */
static void test_optim_frozen_parameter(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = ct_requires_grad_(ct_ones(CT_SHAPE(2)), true), *f = ct_ones(CT_SHAPE(2));
  ct_tensor *af[] = {a, f};
  ct_optim *o = ct_optim_sgd(af, 2, .lr = 0.5);
  assert_non_null(o);
  assert_int_equal(ct_backward(ct_sum(ct_add(ct_mul_scalar(a, 3), f))), 0);
  assert_null(ct_grad(f));
  assert_int_equal(ct_optim_step(o), 0);
  expect_exact(a, -0.5, -0.5);
  expect_exact(f, 1, 1);
  assert_null(ct_optim_state(o, f, "momentum_buffer"));
  assert_int_equal(ct_set_grad(f, ct_ones(CT_SHAPE(2))), 0);
  assert_int_equal(ct_optim_step(o), 0);
  expect_exact(f, 0.5, 0.5);
  ct_optim_free(o);
  leak_end(lm, "frozen", __LINE__);
}

/* A parameter in two groups: add_param_group refuses the whole new group (its other, new
 * parameters are not added either) and later steps are those of the unchanged optimizer. */
static void test_optim_param_in_two_groups(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = with_grad(1, (double[]){1}, (double[]){1}), *b = with_grad(1, (double[]){2}, (double[]){1});
  ct_optim *o = ct_optim_sgd(&a, 1, .lr = 0.1);
  expect_fail(ct_optim_add_param_group(o, CT_TENSORS(b, a), &CT_VALUES(ct_v_kw("lr", ct_v_float(1)))),
              "some parameters appear in more than one parameter group");
  assert_int_equal(ct_optim_num_groups(o), 1);
  assert_int_equal(ct_optim_group_size(o, 0), 1);
  assert_int_equal(ct_optim_step(o), 0);
  expect_list(a, 1e-15, 0.9);
  expect_exact(b, 2); /* never joined */
  ct_optim_free(o);
  leak_end(lm, "two groups", __LINE__);
}

/* Loading another optimizer's state (SGD's into Adam): 1.13 raises KeyError: 'step' from
 * Adam.__setstate__ after replacing the groups (a later step: KeyError 'betas'). ctorch refuses
 * before replacing anything: Adam keeps its options and state and steps as before. */
static void test_optim_load_other_optimizer(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = with_grad(2, (double[]){1, 1}, (double[]){1, 1});
  ct_optim *sgd = ct_optim_sgd(&p, 1, .lr = 0.1, .momentum = 0.9);
  assert_int_equal(ct_optim_step(sgd), 0);
  ct_tensor_map *sd = ct_optim_state_dict(sgd);
  ct_tensor *q = with_grad(2, (double[]){1, 1}, (double[]){1, 1});
  ct_optim *adam = ct_optim_adam(&q, 1, .lr = 0.1);
  assert_int_equal(ct_optim_step(adam), 0); /* Adam has state of its own now */
  ct_tensor *avg = ct_clone(ct_optim_state(adam, q, "exp_avg"));
  expect_fail(ct_optim_load_state_dict(adam, sd), "KeyError: 'betas'");
  assert_true(ct_optim_has(adam, 0, "betas"));
  assert_false(ct_optim_has(adam, 0, "momentum"));
  assert_true(ct_equal(ct_optim_state(adam, q, "exp_avg"), avg));
  expect_list(ct_optim_state(adam, q, "step"), 0, 1);
  /* and through a file */
  const char *path = "test_robustness_optim_utils_sgd.safetensors";
  assert_int_equal(ct_optim_save(sgd, path), 0);
  expect_fail(ct_optim_load(adam, path), "KeyError: 'betas'");
  remove(path);
  assert_int_equal(ct_optim_step(adam), 0);
  expect_list(q, 1e-15, 0.8000000020000007, 0.8000000020000007); /* two plain Adam steps */
  /* its own kind loads */
  ct_tensor_map *own = ct_optim_state_dict(adam);
  assert_int_equal(ct_optim_load_state_dict(adam, own), 0);
  ct_tensor_map_free(own);
  ct_tensor_map_free(sd);
  ct_optim_free(sgd);
  ct_optim_free(adam);
  leak_end(lm, "other optimizer", __LINE__);
}

/* Loading another model's state (same group sizes, other shapes) into an optimizer that has
 * state: refused, its state and options as they were. */
static void test_optim_load_other_model_keeps_state(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *small = with_grad(2, (double[]){1, 2}, (double[]){1, 1});
  ct_optim *src = ct_optim_adam(&small, 1, .lr = 0.5);
  assert_int_equal(ct_optim_step(src), 0);
  ct_tensor_map *sd = ct_optim_state_dict(src);
  ct_tensor *big = with_grad(3, (double[]){1, 2, 3}, (double[]){1, -1, 1});
  ct_optim *dst = ct_optim_adam(&big, 1, .lr = 0.1);
  assert_int_equal(ct_optim_step(dst), 0);
  assert_int_equal(ct_optim_step(dst), 0);
  expect_fail(ct_optim_load_state_dict(dst, sd), "another model");
  assert_true(ct_optim_get(dst, 0, "lr") == 0.1);
  expect_list(ct_optim_state(dst, big, "step"), 0, 2);
  assert_int_equal(ct_numel(ct_optim_state(dst, big, "exp_avg")), 3);
  ct_tensor_map_free(sd);
  ct_optim_free(src);
  ct_optim_free(dst);
  leak_end(lm, "other model", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clip_null_and_empty),
      cmocka_unit_test(test_clip_noncontiguous),
      cmocka_unit_test(test_clip_hostile_values),
      cmocka_unit_test(test_optim_invalid_options),
      cmocka_unit_test(test_optim_frozen_parameter),
      cmocka_unit_test(test_optim_param_in_two_groups),
      cmocka_unit_test(test_optim_load_other_optimizer),
      cmocka_unit_test(test_optim_load_other_model_keeps_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
