/* torch.optim's common machinery (building by name, keyword checks and PyTorch 1.13's messages,
 * param groups, options, state, zero_grad, step) and optim-core's optimizers: values against
 * PyTorch, and the fused path against the reference path bit for bit. */
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

#define KW(k, v) ct_v_kw(k, v)
#define F(x) ct_v_float(x)
#define expect_list(t, rtol, atol, ...) \
  ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

static ct_tensor *param64(int n, const double *v) { return vec(n, v, true); }

static void set_grad(ct_tensor *p, int n, const double *g) {
  assert_int_equal(ct_set_grad(p, ct_tensor_from(g, ct_dtype_of(p), 1, (int64_t[]){n})), 0);
}

/* p = [1, 2], grad [0.5, -1] twice, SGD(lr=0.1, momentum=0.9): buf = g, then 1.9 g. */
static void test_sgd_momentum_values(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = param64(2, (double[]){1, 2});
  ct_optim *o = ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.1)), KW("momentum", F(0.9))));
  assert_non_null(o);
  assert_string_equal(ct_optim_name(o), "SGD");
  int64_t v0 = ct_version(p);
  for (int s = 0; s < 2; s++) {
    set_grad(p, 2, (double[]){0.5, -1});
    assert_int_equal(ct_optim_step(o), 0);
  }
  expect_list(p, 1e-14, 1e-15, 0.855, 2.29);
  assert_true(ct_version(p) > v0); /* updated in place: the version counter moved */
  v0 = ct_version(p);
  ct_increment_version(p);
  assert_int_equal(ct_version(p), v0 + 1);
  expect_list(ct_optim_state(o, p, "momentum_buffer"), 1e-14, 0, 0.95, -1.9);
  assert_null(ct_optim_state(o, p, "exp_avg"));
  ct_optim_free(o);
  leak_end(lm, "sgd", __LINE__);
}

/* A parameter whose .grad is None is skipped; zero_grad zeroes or sets None. */
static void test_none_grad_and_zero_grad(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = param64(2, (double[]){1, 2}), *b = param64(1, (double[]){3});
  ct_optim *o = ct_optim_create("SGD", CT_TENSORS(a, b), &CT_VALUES(KW("lr", F(1))));
  set_grad(a, 2, (double[]){1, 1});
  assert_int_equal(ct_optim_step(o), 0);
  expect_list(a, 0, 0, 0, 1);
  expect_list(b, 0, 0, 3);
  assert_int_equal(ct_optim_zero_grad(o, false), 0);
  expect_list(ct_grad(a), 0, 0, 0, 0);
  assert_null(ct_grad(b));
  assert_int_equal(ct_optim_zero_grad(o, true), 0);
  assert_null(ct_grad(a));
  assert_int_equal(ct_optim_step(o), 0); /* no grads at all: nothing moves */
  expect_list(a, 0, 0, 0, 1);
  ct_optim_free(o);
  leak_end(lm, "zero_grad", __LINE__);
}

/* PyTorch 1.13's constructor messages, NULL, nothing leaked. */
static void test_create_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = param64(2, (double[]){1, 2});
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(-1)))), "Invalid learning rate: -1.0");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", ct_v_int(-1)))), "Invalid learning rate: -1");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(-1e-5)))), "Invalid learning rate: -1e-05");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.1)), KW("momentum", F(-0.5)))),
               "Invalid momentum value: -0.5");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.1)), KW("weight_decay", F(-2)))),
               "Invalid weight_decay value: -2.0");
  expect_error(ct_optim_create("SGD", &p, 1,
                               &CT_VALUES(KW("lr", F(0.1)), KW("momentum", F(0.9)), KW("dampening", F(0.1)),
                                          KW("nesterov", ct_v_bool(true)))),
               "Nesterov momentum requires a momentum and zero dampening");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.1)), KW("nesterov", ct_v_bool(true)))),
               "Nesterov momentum requires a momentum and zero dampening");
  expect_error(ct_optim_create("SGD", &p, 1, NULL),
               "parameter group didn't specify a value of required optimization parameter lr");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.1)), KW("betas", F(0.1)))),
               "__init__() got an unexpected keyword argument 'betas'");
  expect_error(ct_optim_create("SGD", &p, 1, &CT_VALUES(F(0.1), KW("lr", F(0.1)))),
               "__init__() got multiple values for argument 'lr'");
  expect_error(ct_optim_create("SGD", &p, 0, &CT_VALUES(KW("lr", F(0.1)))), "optimizer got an empty parameter list");
  expect_error(ct_optim_create("Nope", &p, 1, NULL), "unknown optimizer 'Nope'");
  expect_error(ct_optim_create(NULL, &p, 1, NULL), "NULL");
  ct_tensor *nonleaf = ct_mul_scalar(p, 2);
  expect_error(ct_optim_create("SGD", &nonleaf, 1, &CT_VALUES(KW("lr", F(0.1)))), "can't optimize a non-leaf Tensor");
  ct_tensor *none = NULL;
  expect_error(ct_optim_create("SGD", &none, 1, &CT_VALUES(KW("lr", F(0.1)))), "optimizer can only optimize Tensors");
  expect_error(ct_optim_create("SGD", CT_TENSORS(p, p), &CT_VALUES(KW("lr", F(0.1)))), "duplicate parameters");
  /* positional options in keyword order: SGD(params, 0.5, 0.9) */
  ct_optim *o = ct_optim_create("SGD", &p, 1, &CT_VALUES(F(0.5), F(0.9)));
  assert_non_null(o);
  assert_true(ct_optim_get(o, 0, "momentum") == 0.9);
  ct_optim_free(o);
  /* a parameter that does not require grad is accepted (1.13 does) and never has a grad */
  ct_tensor *frozen = vec(1, (double[]){1}, false);
  o = ct_optim_create("SGD", &frozen, 1, &CT_VALUES(KW("lr", F(0.5))));
  assert_non_null(o);
  ct_optim_free(o);
  leak_end(lm, "errors", __LINE__);
}

/* add_param_group: defaults filled in, own options kept, PyTorch's duplicate check with
 * nothing changed; options read and written, new keys added. */
static void test_param_groups(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = param64(1, (double[]){1}), *b = param64(1, (double[]){2}), *c = param64(1, (double[]){3});
  ct_optim *o = ct_optim_create("SGD", &a, 1, &CT_VALUES(KW("lr", F(0.1)), KW("momentum", F(0.9))));
  assert_int_equal(ct_optim_add_param_group(o, CT_TENSORS(b, c), &CT_VALUES(KW("lr", F(0.01)))), 0);
  assert_int_equal(ct_optim_num_groups(o), 2);
  assert_int_equal(ct_optim_group_size(o, 1), 2);
  assert_ptr_equal(ct_optim_group_param(o, 1, 1), c);
  assert_null(ct_optim_group_param(o, 1, 2));
  assert_int_equal(ct_optim_group_size(o, 2), -1);
  assert_true(ct_optim_get(o, 1, "lr") == 0.01);
  assert_true(ct_optim_get(o, 1, "momentum") == 0.9);
  assert_true(ct_optim_get(o, 0, "nesterov") == 0);
  assert_true(isnan(ct_optim_get_at(o, 0, "momentum", 1)));
  expect_fail(1, "has no element 1");
  expect_fail(ct_optim_add_param_group(o, &a, 1, NULL), "some parameters appear in more than one parameter group");
  expect_fail(ct_optim_add_param_group(o, &a, 1, &CT_VALUES(KW("lr", F(-3)))), "more than one parameter group");
  ct_tensor *d = param64(1, (double[]){4});
  expect_fail(ct_optim_add_param_group(o, &d, 1, &CT_VALUES(KW("lr", F(-3)))), "Invalid learning rate: -3.0");
  assert_int_equal(ct_optim_num_groups(o), 2);
  /* a group may carry any key, as a Python dict does */
  assert_int_equal(ct_optim_add_param_group(o, &d, 1, &CT_VALUES(KW("lr", F(0.2)), KW("tag", ct_v_int(7)))), 0);
  assert_true(ct_optim_get(o, 2, "tag") == 7);
  /* options: get / set / new keys (the schedulers' initial_lr) */
  assert_false(ct_optim_has(o, 0, "initial_lr"));
  assert_int_equal(ct_optim_set(o, 0, "initial_lr", 0.1), 0);
  assert_true(ct_optim_has(o, 0, "initial_lr"));
  assert_int_equal(ct_optim_set(o, 0, "lr", 0.5), 0);
  assert_true(ct_optim_get(o, 0, "lr") == 0.5);
  assert_true(isnan(ct_optim_get(o, 0, "nope")));
  expect_fail(1, "KeyError: 'nope'");
  assert_true(isnan(ct_optim_get(o, 5, "lr")));
  expect_fail(1, "out of range");
  expect_fail(ct_optim_set_at(o, 0, "lr", 1, 0.1), "has no element 1");
  expect_fail(ct_optim_set(o, 7, "lr", 0.1), "out of range");
  ct_optim_free(o);
  leak_end(lm, "groups", __LINE__);
}

static void test_null_arguments(void **state) {
  (void)state;
  ct_optim_free(NULL);
  expect_fail(ct_optim_step(NULL), "NULL");
  expect_fail(ct_optim_zero_grad(NULL, true), "NULL");
  expect_fail(ct_optim_add_param_group(NULL, NULL, 0, NULL), "NULL");
  expect_error(ct_optim_step_closure(NULL, NULL, NULL), "NULL");
  assert_int_equal(ct_optim_num_groups(NULL), -1);
  assert_null(ct_optim_name(NULL));
  assert_null(ct_optim_state(NULL, NULL, "step"));
}

/* step(closure): the closure runs under grad mode, once, before the update; its loss returned. */
static ct_tensor *closure_fn(void *user) {
  ct_tensor *p = user;
  assert_true(ct_set_grad_enabled(true)); /* grad mode was on */
  ct_tensor *loss = ct_sum(ct_mul(p, p));
  return ct_backward(loss) == 0 ? loss : NULL;
}

static void test_step_closure(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = param64(2, (double[]){1, -2});
  ct_optim *o = ct_optim_create("SGD", &p, 1, &CT_VALUES(KW("lr", F(0.25))));
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *loss = ct_optim_step_closure(o, closure_fn, p);
  ct_set_grad_enabled(prev);
  expect_list(loss, 0, 0, 5);
  expect_list(p, 0, 0, 0.5, -1); /* p - 0.25 * 2p */
  ct_optim_free(o);
  leak_end(lm, "closure", __LINE__);
}

/* The fused kernels against the reference path (CT_OPTIM_FUSED=0), bit for bit, over several
 * steps, float32 and float64, a tensor big enough for OpenMP, and a strided parameter (the
 * fused path declines it). */
static void run_pair(const char *name, const ct_values *kw, ct_dtype dt, int64_t n) {
  ct_manual_seed(7);
  ct_tensor *base = ct_randn(CT_SHAPE(n), .dtype = dt);
  ct_tensor *pf = ct_requires_grad_(ct_clone(base), true), *pr = ct_requires_grad_(ct_clone(base), true);
  ct_optim *of = ct_optim_create(name, &pf, 1, kw), *orf = ct_optim_create(name, &pr, 1, kw);
  assert_non_null(of);
  assert_non_null(orf);
  for (int s = 0; s < 4; s++) {
    ct_tensor *g = ct_randn(CT_SHAPE(n), .dtype = dt);
    assert_int_equal(ct_set_grad(pf, ct_clone(g)), 0);
    assert_int_equal(ct_set_grad(pr, ct_clone(g)), 0);
    setenv("CT_OPTIM_FUSED", "1", 1);
    assert_int_equal(ct_optim_step(of), 0);
    setenv("CT_OPTIM_FUSED", "0", 1);
    assert_int_equal(ct_optim_step(orf), 0);
    unsetenv("CT_OPTIM_FUSED");
    if (memcmp(ct_data_ptr(pf), ct_data_ptr(pr), (size_t)n * ct_dtype_size(dt)) != 0)
      fail_msg("%s %s n=%lld: fused and reference differ after step %d", name, ct_dtype_name(dt),
               (long long)n, s);
  }
  ct_optim_free(of);
  ct_optim_free(orf);
}

static void test_fused_equals_reference(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  const ct_values sgd[] = {
      CT_VALUES(KW("lr", F(0.1))),
      CT_VALUES(KW("lr", F(0.1)), KW("momentum", F(0.9))),
      CT_VALUES(KW("lr", F(0.03)), KW("momentum", F(0.7)), KW("dampening", F(0.2)), KW("weight_decay", F(0.01))),
      CT_VALUES(KW("lr", F(0.03)), KW("momentum", F(0.7)), KW("nesterov", ct_v_bool(true)),
                KW("maximize", ct_v_bool(true)), KW("weight_decay", F(0.01))),
  };
  for (size_t k = 0; k < sizeof sgd / sizeof *sgd; k++)
    for (int d = 0; d < 2; d++) {
      run_pair("SGD", &sgd[k], d ? CT_FLOAT64 : CT_FLOAT32, 37);
      run_pair("SGD", &sgd[k], d ? CT_FLOAT64 : CT_FLOAT32, 100003);
    }
  leak_end(lm, "fused", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sgd_momentum_values),
      cmocka_unit_test(test_none_grad_and_zero_grad),
      cmocka_unit_test(test_create_errors),
      cmocka_unit_test(test_param_groups),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_step_closure),
      cmocka_unit_test(test_fused_equals_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
