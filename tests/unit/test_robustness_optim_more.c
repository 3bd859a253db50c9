/* Robustness of optim-more's optimizers (RMSprop ... LBFGS): no parameters, NaN options,
 * non-contiguous and empty parameters, steps with every .grad None, NaN gradients, and LBFGS
 * closures that fail or return a non-scalar: PyTorch's message or PyTorch's numbers, nothing
 * leaked. NaN gradients as in PyTorch: a NaN parameter (Rprop: unchanged).
 */
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

static const char *const names[] = {"RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                    "RAdam",   "Rprop",   "ASGD",     "SparseAdam"};
#define N_NAMES (int)(sizeof names / sizeof *names)

static ct_tensor *leaf(ct_tensor *t) { return ct_requires_grad_(ct_detach(t), true); }

static void test_bad_construction(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *p = leaf(ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64));
  for (int i = 0; i < N_NAMES; i++) {
    expect_error(ct_optim_create(names[i], NULL, 0, NULL), "optimizer got an empty parameter list");
    ct_values kw = CT_VALUES(ct_v_kw("lr", ct_v_float(NAN)));
    expect_error(ct_optim_create(names[i], &p, 1, &kw), "Invalid learning rate: nan");
  }
  expect_error(ct_optim_create("LBFGS", NULL, 0, NULL), "optimizer got an empty parameter list");
  /* the typed constructors (the _ex forms behind the macros) take the same path */
  const char *empty = "optimizer got an empty parameter list";
  expect_error(ct_optim_rmsprop_ex(NULL, 0, (ct_rmsprop_opts){.lr = 0.01}), empty);
  expect_error(ct_optim_adagrad_ex(NULL, 0, (ct_adagrad_opts){.lr = 0.01}), empty);
  expect_error(ct_optim_adadelta_ex(NULL, 0, (ct_adadelta_opts){.lr = 1}), empty);
  expect_error(ct_optim_adamax_ex(NULL, 0, (ct_adamax_opts){.lr = 0.002}), empty);
  expect_error(ct_optim_nadam_ex(NULL, 0, (ct_nadam_opts){.lr = 0.002}), empty);
  expect_error(ct_optim_radam_ex(NULL, 0, (ct_radam_opts){.lr = 0.001}), empty);
  expect_error(ct_optim_rprop_ex(NULL, 0, (ct_rprop_opts){.lr = 0.01, .etas = {0.5, 1.2}}), empty);
  expect_error(ct_optim_asgd_ex(NULL, 0, (ct_asgd_opts){.lr = 0.01}), empty);
  expect_error(ct_optim_sparse_adam_ex(NULL, 0, (ct_sparse_adam_opts){.lr = 0.001, .eps = 1e-8}), empty);
  expect_error(ct_optim_lbfgs_ex(NULL, 0, (ct_lbfgs_opts){.lr = 1, .max_iter = 20, .max_eval = -1}), empty);
  expect_error(ct_optim_rmsprop(&p, 1, .lr = NAN), "Invalid learning rate: nan");
  expect_error(ct_optim_rprop(&p, 1, .etas = {NAN, 1.2}), "Invalid eta values: nan, 1.2");
  ct_optim_free(NULL);
  leak_end(lm, "bad construction", __LINE__);
}

/* A transposed (non-contiguous) parameter steps like its contiguous copy. */
static void test_noncontiguous(void **state) {
  (void)state;
  for (int i = 0; i < N_NAMES - 1; i++) { /* SparseAdam takes no dense step */
    live_mark lm = leak_begin();
    ct_tensor *base = ramp(2, (int64_t[]){3, 4}, CT_FLOAT64, 1, false);
    ct_tensor *a = leaf(ct_transpose(base, 0, 1)), *b = leaf(ct_contiguous(ct_transpose(base, 0, 1)));
    assert_false(ct_is_contiguous(a));
    ct_optim *oa = ct_optim_create(names[i], &a, 1, NULL), *ob = ct_optim_create(names[i], &b, 1, NULL);
    for (int k = 0; k < 3; k++) {
      ct_tensor *g = ct_mul_scalar(ramp(2, (int64_t[]){4, 3}, CT_FLOAT64, k + 2, false), 0.5);
      ct_set_grad(a, g), ct_set_grad(b, g);
      assert_int_equal(ct_optim_step(oa), 0);
      assert_int_equal(ct_optim_step(ob), 0);
    }
    if (!ct_equal(a, b)) fail_msg("%s: a non-contiguous parameter steps differently", names[i]);
    ct_optim_free(oa), ct_optim_free(ob);
    leak_end(lm, names[i], __LINE__);
  }
}

/* An empty parameter next to a normal one; a step with every .grad None changes nothing and
 * creates no state; a NaN gradient gives NaN, as in PyTorch. */
static void test_empty_none_nan(void **state) {
  (void)state;
  for (int i = 0; i < N_NAMES; i++) {
    live_mark lm = leak_begin();
    ct_tensor *ps[2] = {leaf(ct_zeros(CT_SHAPE(0, 3), .dtype = CT_FLOAT32)), leaf(ct_ones(CT_SHAPE(2), .dtype = CT_FLOAT32))};
    ct_optim *o = ct_optim_create(names[i], ps, 2, NULL);
    assert_non_null(o);
    int64_t v = ct_version(ps[1]);
    assert_int_equal(ct_optim_step(o), 0);
    assert_int_equal(ct_version(ps[1]), v);
    expect_exact(ps[1], 1, 1);
    assert_null(ct_optim_state(o, ps[1], "step"));
    if (i == N_NAMES - 1) { /* SparseAdam */
      ct_optim_free(o);
      leak_end(lm, names[i], __LINE__);
      continue;
    }
    ct_set_grad(ps[0], ct_zeros(CT_SHAPE(0, 3), .dtype = CT_FLOAT32));
    ct_set_grad(ps[1], ct_tensor_from((float[]){NAN, 1}, CT_FLOAT32, 1, (int64_t[]){2}));
    assert_int_equal(ct_optim_step(o), 0);
    /* PyTorch: NaN, except Rprop (sign(NaN) is 0 there: the element does not move) */
    double p0 = ct_get(ps[1], (int64_t[]){0});
    assert_true(strcmp(names[i], "Rprop") == 0 ? p0 == 1 : isnan(p0));
    assert_false(isnan(ct_get(ps[1], (int64_t[]){1})));
    assert_int_equal(ct_numel(ps[0]), 0);
    ct_optim_free(o);
    leak_end(lm, names[i], __LINE__);
  }
}

typedef struct quad {
  ct_optim *o;
  ct_tensor *x;
  int mode; /* 0: sum(x^2) with backward, 1: a non-scalar loss, 2: fail, 3: no backward */
} quad;

static ct_tensor *quad_closure(void *user) {
  quad *q = user;
  if (q->mode == 2) {
    ct_clear_error();
    return ct_view(q->x, 1, (int64_t[]){7}); /* a real error: a view of the wrong size */
  }
  ct_optim_zero_grad(q->o, true);
  ct_tensor *sq = ct_square(q->x);
  if (q->mode == 1) return sq;
  ct_tensor *loss = ct_sum(sq);
  if (q->mode == 3) return loss;
  return ct_backward(loss) ? NULL : loss;
}

static void test_lbfgs_closures(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_tensor *x = leaf(ct_ones(CT_SHAPE(3), .dtype = CT_FLOAT64));
  quad q = {ct_optim_lbfgs(&x, 1), x, 1};
  expect_error(ct_optim_step_closure(q.o, quad_closure, &q), "only one element tensors can be converted to Python scalars");
  q.mode = 2;
  expect_error(ct_optim_step_closure(q.o, quad_closure, &q), "shape '[7]' is invalid for input of size 3");
  expect_error(ct_optim_step_closure(q.o, NULL, NULL), "closure");
  /* no gradient at all: flat_grad is zeros, the optimality test stops at once */
  q.mode = 3;
  ct_tensor *loss = ct_optim_step_closure(q.o, quad_closure, &q);
  assert_non_null(loss);
  expect_exact(loss, 3);
  expect_exact(x, 1, 1, 1);
  /* sum(x^2) from ones: the first fixed step of lr * min(1, 1 / |g|_1) lands at the minimum */
  q.mode = 0;
  assert_non_null(ct_optim_step_closure(q.o, quad_closure, &q));
  expect_vals(x, ((double[]){0, 0, 0}), 3, 0, 1e-12);
  ct_optim_free(q.o);
  leak_end(lm, "lbfgs closures", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_construction),
      cmocka_unit_test(test_noncontiguous),
      cmocka_unit_test(test_empty_none_nan),
      cmocka_unit_test(test_lbfgs_closures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
