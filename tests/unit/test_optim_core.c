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
#include "ct_test_file.h"

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
  const ct_values adam[] = {
      CT_VALUES(KW("lr", F(0.01))),
      CT_VALUES(KW("lr", F(0.01)), KW("amsgrad", ct_v_bool(true)), KW("weight_decay", F(0.1))),
      CT_VALUES(KW("lr", F(0.02)), KW("betas", ct_v_tuple(2)), F(0.5), F(0.9), KW("eps", F(1e-3)),
                KW("maximize", ct_v_bool(true)), KW("amsgrad", ct_v_bool(true))),
  };
  for (size_t k = 0; k < sizeof adam / sizeof *adam; k++)
    for (int d = 0; d < 2; d++)
      for (int w = 0; w < 2; w++) {
        run_pair(w ? "AdamW" : "Adam", &adam[k], d ? CT_FLOAT64 : CT_FLOAT32, 37);
        run_pair(w ? "AdamW" : "Adam", &adam[k], d ? CT_FLOAT64 : CT_FLOAT32, 100003);
      }
  leak_end(lm, "fused", __LINE__);
}

/* Adam(lr=0.1, amsgrad=True, weight_decay=0.1) and AdamW(lr=0.1, betas=(0.8, 0.9)) over three
 * float64 steps (PyTorch 1.13: p = [1, -2, 0.5], grads [0.5, -1, 2], [-0.25, 0.5, 1], [1, 1, -3]),
 * through the typed constructors; the step counter is a float32 0-dim tensor. */
static void adam_three_steps(ct_optim *o, ct_tensor *p) {
  assert_non_null(o);
  const double g[3][3] = {{0.5, -1, 2}, {-0.25, 0.5, 1}, {1, 1, -3}};
  for (int s = 0; s < 3; s++) {
    set_grad(p, 3, g[s]);
    assert_int_equal(ct_optim_step(o), 0);
  }
  ct_tensor *st = ct_optim_state(o, p, "step");
  assert_int_equal(ct_dtype_of(st), CT_FLOAT32);
  assert_int_equal(ct_dim(st), 0);
  expect_list(st, 0, 0, 3);
}

static void test_adam_values(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = param64(3, (double[]){1, -2, 0.5});
  ct_optim *o = ct_optim_adam(&p, 1, .lr = 0.1, .amsgrad = true, .weight_decay = 0.1);
  adam_three_steps(o, p);
  expect_list(p, 1e-13, 0, 0.7815043998631658, -1.858989405431774, 0.31291493091573813);
  expect_list(ct_optim_state(o, p, "exp_avg_sq"), 1e-13, 0, 0.0015630437339433732, 0.00219673967623154,
              0.014091615392164622);
  assert_non_null(ct_optim_state(o, p, "max_exp_avg_sq"));
  assert_true(ct_optim_get_at(o, 0, "betas", 1) == 0.999);
  ct_optim_free(o);
  p = param64(3, (double[]){1, -2, 0.5});
  o = ct_optim_adamw(&p, 1, .lr = 0.1, .betas = {0.8, 0.9});
  adam_three_steps(o, p);
  expect_list(p, 1e-13, 0, 0.8084506528606202, -1.9087484854795043, 0.32308521598686535);
  expect_list(ct_optim_state(o, p, "exp_avg_sq"), 1e-13, 0, 0.12587499999999996, 0.20349999999999996,
              1.3139999999999996);
  assert_null(ct_optim_state(o, p, "max_exp_avg_sq"));
  assert_true(ct_optim_get(o, 0, "weight_decay") == 1e-2);
  ct_optim_free(o);
  /* SGD through its typed constructor; lr is required */
  o = ct_optim_sgd(&p, 1, .lr = 0.5, .momentum = 0.9, .nesterov = true);
  assert_non_null(o);
  assert_true(ct_optim_get(o, 0, "nesterov") == 1);
  ct_optim_free(o);
  expect_error(ct_optim_sgd(&p, 1, .momentum = 0.9),
               "parameter group didn't specify a value of required optimization parameter lr");
  leak_end(lm, "adam", __LINE__);
}

static void test_adam_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = param64(2, (double[]){1, 2});
  expect_error(ct_optim_adam(&p, 1, .betas = {1.0, 0.9}), "Invalid beta parameter at index 0: 1.0");
  expect_error(ct_optim_adam(&p, 1, .betas = {0.9, -0.1}), "Invalid beta parameter at index 1: -0.1");
  expect_error(ct_optim_adamw(&p, 1, .eps = -1e-8), "Invalid epsilon value: -1e-08");
  expect_error(ct_optim_adam(&p, 1, .lr = -0.5), "Invalid learning rate: -0.5");
  expect_error(ct_optim_create("Adam", &p, 1, &CT_VALUES(KW("weight_decay", ct_v_int(-1)))),
               "Invalid weight_decay value: -1");
  expect_error(ct_optim_create("Adam", &p, 1, &CT_VALUES(KW("fused", ct_v_bool(true)))),
               "FusedAdam requires all the params to be CUDA, floating point");
  expect_error(ct_optim_create("Adam", &p, 1, &CT_VALUES(KW("betas", F(0.9)))), "must be a pair of numbers");
  expect_error(ct_optim_create("AdamW", &p, 1, &CT_VALUES(KW("fused", ct_v_bool(true)))),
               "unexpected keyword argument 'fused'");
  /* a group with bad betas: refused, nothing changed */
  ct_optim *o = ct_optim_adam(&p, 1);
  ct_tensor *q = param64(1, (double[]){3});
  expect_fail(ct_optim_add_param_group(o, &q, 1, &CT_VALUES(KW("betas", ct_v_tuple(2)), F(0.5), F(1.5))),
              "Invalid beta parameter at index 1: 1.5");
  assert_int_equal(ct_optim_num_groups(o), 1);
  assert_int_equal(ct_optim_add_param_group(o, &q, 1, &CT_VALUES(KW("betas", ct_v_tuple(2)), F(0.5), F(0.6))), 0);
  assert_true(ct_optim_get_at(o, 1, "betas", 0) == 0.5);
  assert_int_equal(ct_optim_set_at(o, 1, "betas", 0, 0.7), 0); /* OneCycleLR cycles betas[0] */
  assert_true(ct_optim_get(o, 1, "betas") == 0.7);
  expect_fail(ct_optim_set(o, 1, "betas", 0.1), "is a pair");
  ct_optim_free(o);
  leak_end(lm, "adam errors", __LINE__);
}

/* A run of 10 steps against 5 steps, save, a new optimizer (and parameter copies), load, 5
 * steps: bit for bit the same, for SGD with momentum and Adam with amsgrad, in two groups. */
static ct_optim *make(const char *name, ct_tensor *a, ct_tensor *b) {
  ct_optim *o = strcmp(name, "SGD") == 0 ? ct_optim_sgd(&a, 1, .lr = 0.1, .momentum = 0.9)
                                         : ct_optim_adam(&a, 1, .lr = 0.01, .amsgrad = true);
  assert_non_null(o);
  assert_int_equal(ct_optim_add_param_group(o, &b, 1, &CT_VALUES(KW("lr", F(0.05)))), 0);
  return o;
}

static void steps(ct_optim *o, ct_tensor *a, ct_tensor *b, int from, int to) {
  for (int s = from; s < to; s++) {
    ct_manual_seed((uint64_t)s);
    assert_int_equal(ct_set_grad(a, ct_randn(CT_SHAPE(4, 3))), 0);
    assert_int_equal(ct_set_grad(b, s % 3 == 1 ? NULL : ct_randn(CT_SHAPE(5))), 0);
    assert_int_equal(ct_optim_step(o), 0);
  }
}

static void test_save_resume(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  const char *path = ct_test_tmp_file("test_optim_core_resume.safetensors");
  for (int k = 0; k < 2; k++) {
    const char *name = k ? "Adam" : "SGD";
    ct_manual_seed(100);
    ct_tensor *a0 = ct_randn(CT_SHAPE(4, 3)), *b0 = ct_randn(CT_SHAPE(5));
    ct_tensor *a = ct_requires_grad_(ct_clone(a0), true), *b = ct_requires_grad_(ct_clone(b0), true);
    ct_optim *o = make(name, a, b);
    steps(o, a, b, 0, 10);
    ct_tensor *ra = ct_requires_grad_(ct_clone(a0), true), *rb = ct_requires_grad_(ct_clone(b0), true);
    ct_optim *r = make(name, ra, rb);
    steps(r, ra, rb, 0, 5);
    assert_int_equal(ct_optim_set(r, 1, "lr", 0.025), 0); /* group options travel too */
    assert_int_equal(ct_optim_save(r, path), 0);
    ct_tensor *ca = ct_requires_grad_(ct_clone(ct_detach(ra)), true);
    ct_tensor *cb = ct_requires_grad_(ct_clone(ct_detach(rb)), true);
    ct_optim_free(r);
    r = make(name, ca, cb);
    assert_int_equal(ct_optim_load(r, path), 0);
    assert_true(ct_optim_get(r, 1, "lr") == 0.025);
    assert_int_equal(ct_optim_set(r, 1, "lr", 0.05), 0);
    steps(r, ca, cb, 5, 10);
    assert_int_equal(memcmp(ct_data_ptr(ca), ct_data_ptr(a), 12 * sizeof(float)), 0);
    assert_int_equal(memcmp(ct_data_ptr(cb), ct_data_ptr(b), 5 * sizeof(float)), 0);
    ct_optim_free(o);
    ct_optim_free(r);
  }
  remove(path);
  leak_end(lm, "resume", __LINE__);
}

/* The layout: state by parameter index, param_groups JSON with "params" index lists; PyTorch's
 * load errors with nothing changed. */
static void test_state_dict_layout_and_errors(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *a = param64(2, (double[]){1, 2}), *b = param64(3, (double[]){1, 2, 3});
  ct_optim *o = ct_optim_adam(&a, 1, .lr = 0.5);
  assert_int_equal(ct_optim_add_param_group(o, &b, 1, NULL), 0);
  set_grad(b, 3, (double[]){1, 1, 1});
  assert_int_equal(ct_optim_step(o), 0);
  ct_tensor_map *sd = ct_optim_state_dict(o);
  assert_non_null(sd);
  assert_null(ct_tensor_map_get(sd, "state.0.exp_avg")); /* a had no grad: no state */
  assert_non_null(ct_tensor_map_get(sd, "state.1.exp_avg"));
  expect_list(ct_tensor_map_get(sd, "state.1.step"), 0, 0, 1);
  const char *pg = ct_tensor_map_meta(sd, "param_groups");
  assert_non_null(strstr(pg, "\"betas\": [0.90000000000000002, 0.999"));
  assert_non_null(strstr(pg, "\"params\": [0]}, {"));
  assert_non_null(strstr(pg, "\"params\": [1]}]"));
  assert_non_null(strstr(pg, "\"foreach\": null"));
  /* one group only: a different number of groups */
  ct_tensor *c = param64(2, (double[]){0, 0});
  ct_optim *one = ct_optim_adam(&c, 1);
  expect_fail(ct_optim_load_state_dict(one, sd), "loaded state dict has a different number of parameter groups");
  /* two groups of other sizes: another model */
  ct_tensor *d = param64(3, (double[]){0, 0, 0}), *e = param64(1, (double[]){0});
  assert_int_equal(ct_optim_add_param_group(one, CT_TENSORS(d, e), NULL), 0);
  expect_fail(ct_optim_load_state_dict(one, sd),
              "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
  ct_optim_free(one);
  /* same group sizes, other shapes */
  ct_tensor *f = param64(1, (double[]){0}), *h = param64(2, (double[]){0, 0});
  ct_optim *other = ct_optim_adam(&f, 1, .lr = 0.1);
  assert_int_equal(ct_optim_add_param_group(other, &h, 1, NULL), 0);
  expect_fail(ct_optim_load_state_dict(other, sd), "another model");
  assert_true(ct_optim_get(other, 0, "lr") == 0.1); /* nothing changed */
  assert_null(ct_optim_state(other, h, "exp_avg"));
  ct_tensor_map_set_meta(sd, "param_groups", "[{\"lr\": ");
  expect_fail(ct_optim_load_state_dict(o, sd), "malformed");
  ct_tensor_map_free(sd);
  ct_optim_free(other);
  ct_optim_free(o);
  leak_end(lm, "layout", __LINE__);
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
      cmocka_unit_test(test_adam_values),
      cmocka_unit_test(test_adam_errors),
      cmocka_unit_test(test_save_resume),
      cmocka_unit_test(test_state_dict_layout_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
