/* In-place ops, copy_ and what PyTorch refuses around them: memory overlap between the
 * written tensor and its inputs, saved outputs modified in place, detach_ on views, the
 * grad_fn of a create_graph gradient, and anomaly mode. Messages and numbers: PyTorch 1.13. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

static const char *PARTIAL =
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to "
    "a single memory location. Please clone() the tensor before performing the operation.";
static const char *INTERNAL =
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.";

static ct_tensor *arange_f(int n) { return ct_arange(0, n, 1); }
static ct_tensor *tail(ct_tensor *x) { return ct_slice(x, 0, 1, ct_numel(x), 1); }  /* x[1:] */
static ct_tensor *head(ct_tensor *x) { return ct_slice(x, 0, 0, ct_numel(x) - 1, 1); } /* x[:-1] */

/* The three cases of the issue: silently wrong before, PyTorch's error now, x unchanged. */
static void test_partial_overlap_regressions(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = arange_f(5);
  expect_error(ct_add_(tail(x), head(x)), PARTIAL); /* x[1:] += x[:-1] */
  expect_exact(x, 0, 1, 2, 3, 4);
  ct_tensor *S = ct_reshape(arange_f(9), 2, (int64_t[]){3, 3});
  expect_error(ct_add_(S, ct_t(S)), PARTIAL); /* S += S.T: same span, other strides */
  expect_exact(S, 0, 1, 2, 3, 4, 5, 6, 7, 8);
  expect_error(ct_copy_(tail(x), head(x)), PARTIAL); /* x[1:].copy_(x[:-1]) */
  expect_exact(x, 0, 1, 2, 3, 4);
  ct_scope_end();
}

/* Full overlap (the same memory, the same layout), disjoint parts of one storage, and
 * layouts PyTorch finds too hard to decide (not dense) all stay allowed. */
static void test_allowed_overlaps(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = arange_f(5);
  assert_non_null(ct_add_(x, x));
  expect_exact(x, 0, 2, 4, 6, 8);
  assert_non_null(ct_mul_(x, ct_detach(x))); /* another struct, the same memory */
  expect_exact(x, 0, 4, 16, 36, 64);
  assert_non_null(ct_copy_(x, x));
  assert_non_null(ct_copy_(tail(x), ct_slice(tail(x), 0, 0, 4, 1))); /* same data: no-op */
  expect_exact(x, 0, 4, 16, 36, 64);
  ct_tensor *y = arange_f(6);
  assert_non_null(ct_sub_(ct_slice(y, 0, 0, 2, 1), ct_slice(y, 0, 3, 5, 1))); /* disjoint */
  expect_exact(y, -3, -3, 2, 3, 4, 5);
  ct_tensor *z = arange_f(6); /* z[::2] += z[1::2]: neither is dense, PyTorch lets it run */
  assert_non_null(ct_add_(ct_slice(z, 0, 0, 6, 2), ct_slice(z, 0, 1, 6, 2)));
  expect_exact(z, 1, 1, 5, 3, 9, 5);
  ct_tensor *S = ct_reshape(arange_f(4), 2, (int64_t[]){2, 2});
  assert_non_null(ct_add_(ct_t(S), ct_t(S))); /* dense, transposed, the same layout */
  expect_exact(S, 0, 2, 4, 6);
  ct_scope_end();
}

/* Every in-place family checks its operand, and every one refuses an expanded output. */
static void test_overlap_every_family(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = arange_f(5);
  expect_error(ct_sub_(tail(x), head(x)), PARTIAL);
  expect_error(ct_mul_(tail(x), head(x)), PARTIAL);
  expect_error(ct_div_(tail(x), head(x)), PARTIAL);
  expect_error(ct_pow_(tail(x), head(x)), PARTIAL);
  expect_error(ct_add_(head(x), tail(x)), PARTIAL);
  ct_tensor *b = ct_zeros(CT_SHAPE(5), .dtype = CT_BOOL);
  expect_error(ct_masked_fill_(tail(b), head(b), 1), PARTIAL);
  expect_exact(x, 0, 1, 2, 3, 4);

  ct_tensor *e = ct_expand(ct_zeros(CT_SHAPE(1, 3)), 2, (int64_t[]){2, 3});
  ct_tensor *one = ct_ones(CT_SHAPE(3));
  expect_error(ct_add_(e, one), INTERNAL);
  expect_error(ct_mul_(e, one), INTERNAL);
  expect_error(ct_pow_(e, one), INTERNAL);
  expect_error(ct_add_scalar_(e, 1), INTERNAL);
  expect_error(ct_exp_(e), INTERNAL);
  expect_error(ct_neg_(e), INTERNAL);
  expect_error(ct_relu_(e), INTERNAL);
  expect_error(ct_sigmoid_(e), INTERNAL);
  expect_error(ct_tanh_(e), INTERNAL);
  expect_error(ct_clamp_(e, 0, 1), INTERNAL);
  expect_error(ct_copy_(e, one), INTERNAL);
  expect_error(ct_uniform_(e, 0, 1, NULL), INTERNAL);
  assert_non_null(ct_fill_(e, 2)); /* fill_ writes every alias, as PyTorch's does */
  expect_exact(e, 2, 2, 2, 2, 2, 2);
  ct_scope_end();
}

/* The same checks under autograd (the out-of-place path of the driver). */
static void test_overlap_under_autograd(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *w = ct_requires_grad_(ct_ones(CT_SHAPE(5)), true);
  ct_tensor *x = ct_mul(arange_f(5), w);
  expect_error(ct_add_(tail(x), head(x)), PARTIAL);
  expect_error(ct_copy_(tail(x), head(x)), PARTIAL);
  expect_exact(x, 0, 1, 2, 3, 4);
  assert_non_null(ct_add_(x, x));
  assert_int_equal(ct_backward(ct_sum(x)), 0);
  expect_exact(ct_grad(w), 0, 2, 4, 6, 8);
  ct_scope_end();
}

/* y.op_() saves its output; a later in-place op on y must fail backward, naming the node
 * and the versions: exp_ leaves y at version 1, mul_ takes it to 2. */
typedef ct_tensor *(*inplace1)(ct_tensor *);
typedef ct_tensor *(*outofplace1)(const ct_tensor *);
static void check_saved_output(inplace1 ip, outofplace1 op, const char *node) {
  char want[256];
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_full(CT_SHAPE(3), 0.5), true);
  ct_tensor *y = ct_mul_scalar(x, 1);
  assert_non_null(ip(y));
  assert_non_null(ct_mul_scalar_(y, 2));
  snprintf(want, sizeof want,
           "one of the variables needed for gradient computation has been modified by an "
           "inplace operation: [torch.FloatTensor [3]], which is output 0 of %s, is at version "
           "2; expected version 1 instead. Hint: enable anomaly detection to find the "
           "operation that failed to compute its gradient, with ct_set_detect_anomaly(true).",
           node);
  expect_fail(ct_backward(ct_sum(y)), want);
  /* the out-of-place op: its output is at version 0 when saved */
  ct_tensor *z = op(x);
  assert_non_null(ct_add_scalar_(z, 1));
  snprintf(want, sizeof want, "which is output 0 of %s, is at version 1; expected version 0",
           node);
  expect_fail(ct_backward(ct_sum(z)), want);
  /* untouched, the in-place op's gradient is right: d sum(f(x)) / dx at x = 0.5 */
  ct_tensor *u = ct_mul_scalar(x, 1), *v = op(x);
  assert_non_null(ip(u));
  ct_tensor *gu = NULL, *gv = NULL;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(u)}, 1, &x, 1, NULL, false, -1, false, &gu), 0);
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(v)}, 1, &x, 1, NULL, false, -1, false, &gv), 0);
  double want_g[3];
  ct_to_doubles(gv, want_g, 3);
  expect_vals(gu, want_g, 3, 1e-6, 0);
  ct_scope_end();
}

static void test_saved_output_modified(void **s) {
  (void)s;
  check_saved_output(ct_exp_, ct_exp, "ExpBackward0");
  check_saved_output(ct_sigmoid_, ct_sigmoid, "SigmoidBackward0");
  check_saved_output(ct_tanh_, ct_tanh, "TanhBackward0");
  check_saved_output(ct_sqrt_, ct_sqrt, "SqrtBackward0");
  check_saved_output(ct_relu_, ct_relu, "ReluBackward0");
}

static void test_detach_inplace_on_view(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(4)), true);
  ct_tensor *y = ct_mul_scalar(x, 2);
  expect_error(ct_detach_(tail(y)),
               "Can't detach views in-place. Use detach() instead. If you are using "
               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
               "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
               "called on these gradients. To fix this error, please refer to the "
               "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
  expect_error(ct_detach_(tail(ct_ones(CT_SHAPE(4)))), "Can't detach views in-place.");
  assert_string_equal(ct_grad_fn_name(y), "MulBackward0");
  assert_non_null(ct_detach_(y));
  assert_false(ct_requires_grad(y));
  assert_non_null(ct_detach_(ct_detach(x))); /* detach() makes no view */
  ct_scope_end();
}

/* x.grad after backward(create_graph=True): CopyBackwards on the first accumulation, then
 * AddBackward0; a later plain backward adds in place and keeps it. */
static void test_create_graph_grad_fn(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(3, (double[]){1, 2, 3}, true);
  assert_int_equal(ct_backward(ct_sum(ct_mul(x, x)), .create_graph = true), 0);
  assert_string_equal(ct_grad_fn_name(ct_grad(x)), "CopyBackwards");
  expect_exact(ct_grad(x), 2, 4, 6);
  assert_int_equal(ct_backward(ct_sum(ct_mul(x, x)), .create_graph = true), 0);
  assert_string_equal(ct_grad_fn_name(ct_grad(x)), "AddBackward0");
  expect_exact(ct_grad(x), 4, 8, 12);
  assert_int_equal(ct_backward(ct_sum(ct_mul(x, x))), 0);
  assert_string_equal(ct_grad_fn_name(ct_grad(x)), "AddBackward0");
  expect_exact(ct_grad(x), 6, 12, 18);
  /* the stored gradient is differentiable through the two create_graph passes (2x + 2x);
   * the last, in-place, addition ran without grad mode and added no history */
  ct_tensor *g = NULL;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(ct_grad(x))}, 1, &x, 1, NULL, false, -1,
                                    false, &g), 0);
  expect_exact(g, 4, 4, 4);
  ct_tensor *w = vec(2, (double[]){1, 2}, true); /* a constant gradient has no history */
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(w, 3)), .create_graph = true), 0);
  assert_null(ct_grad_fn_name(ct_grad(w)));
  expect_exact(ct_grad(w), 3, 3);
  ct_tensor *v = vec(2, (double[]){1, 2}, true); /* without create_graph: no history */
  assert_int_equal(ct_backward(ct_sum(ct_mul(v, v))), 0);
  assert_null(ct_grad_fn_name(ct_grad(v)));
  ct_scope_end();
}

static void test_anomaly_mode(void **s) {
  (void)s;
  assert_false(ct_is_anomaly_enabled());
  ct_scope_begin();
  /* NaN from a backward: no error without anomaly mode, PyTorch's with it */
  ct_tensor *x = vec(1, (double[]){0}, true), *w = vec(1, (double[]){NAN}, false);
  assert_int_equal(ct_backward(ct_sum(ct_mul(x, w))), 0);
  assert_true(isnan(ct_item(ct_grad(x))));
  assert_false(ct_set_detect_anomaly(true));
  assert_true(ct_is_anomaly_enabled());
  ct_tensor *y = ct_sum(ct_mul(x, w));
  expect_fail(ct_backward(y), "Function 'MulBackward0' returned nan values in its 0th output.");
  assert_non_null(ct_anomaly_report());
  assert_non_null(strstr(ct_anomaly_report(),
                         "Error detected in MulBackward0. Traceback of forward call that caused "
                         "the error:\n  "));
  /* an error inside a node's backward names that node; the hint changes */
  ct_tensor *a = ct_mul_scalar(vec(2, (double[]){1, 2}, true), 1);
  ct_exp_(a);
  ct_mul_scalar_(a, 2);
  expect_fail(ct_backward(ct_sum(a)), "Hint: the backtrace further above shows the operation that "
                                      "failed to compute its gradient. The variable in question "
                                      "was changed in there or anywhere later. Good luck!");
  assert_non_null(strstr(ct_anomaly_report(), "Error detected in ExpBackward0."));
  assert_true(ct_set_detect_anomaly(false));
  /* the scope macro restores the previous mode */
  CT_DETECT_ANOMALY {
    assert_true(ct_is_anomaly_enabled());
    expect_fail(ct_backward(ct_sum(ct_mul(x, w))), "returned nan values in its 0th output");
  }
  assert_false(ct_is_anomaly_enabled());
  ct_scope_end();
}

/* Under the abort-style error handler the report comes first, then the handler runs. */
static int handler_calls;
static bool report_seen_first;
static void on_error(const char *msg, void *user) {
  (void)msg;
  (void)user;
  handler_calls++;
  report_seen_first = ct_anomaly_report() && strstr(ct_anomaly_report(), "MulBackward0") &&
                      !strstr(ct_anomaly_report(), "no trace");
}
static void test_anomaly_report_before_handler(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){1, 2}, true);
  ct_set_error_handler(on_error, NULL);
  CT_DETECT_ANOMALY {
    ct_tensor *y = ct_mul_scalar(ct_sum(x), NAN); /* MulBackward0 returns NaN for sum(x) */
    expect_fail(ct_backward(y), "Function 'MulBackward0' returned nan values in its 0th output.");
  }
  ct_set_error_handler(NULL, NULL);
  assert_int_equal(handler_calls, 1);
  assert_true(report_seen_first);
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_partial_overlap_regressions),
      cmocka_unit_test(test_allowed_overlaps),
      cmocka_unit_test(test_overlap_every_family),
      cmocka_unit_test(test_overlap_under_autograd),
      cmocka_unit_test(test_saved_output_modified),
      cmocka_unit_test(test_detach_inplace_on_view),
      cmocka_unit_test(test_create_graph_grad_fn),
      cmocka_unit_test(test_anomaly_mode),
      cmocka_unit_test(test_anomaly_report_before_handler),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
