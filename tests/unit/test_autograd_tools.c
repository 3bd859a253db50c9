/* Autograd tools against PyTorch 1.13: tensor hooks (register_hook, RemovableHandle,
 * retains_grad and its order among hooks), backward(inputs=), torch.autograd.functional
 * (jacobian, hessian, vjp, jvp, hvp, vhp with strict and create_graph) and
 * torch.set_printoptions. Every expected number and message below was printed by PyTorch
 * 1.13 for the same inputs. */
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

/* t holds PyTorch's float64 values to 1e-12 relative (1e-15 absolute, for zeros) */
#define expect_close(t, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 1e-12, 1e-15, #t, __LINE__)

/* ---- hooks ---------------------------------------------------------------------------- */
static int times(ct_tensor *g, ct_tensor **r, void *user) {
  *r = ct_mul_scalar(g, *(double *)user);
  return *r ? 0 : -1;
}
static int plus_one(ct_tensor *g, ct_tensor **r, void *user) {
  (void)user;
  *r = ct_add_scalar(g, 1);
  return *r ? 0 : -1;
}
static int count_calls(ct_tensor *g, ct_tensor **r, void *user) {
  (void)g, (void)r;
  ++*(int *)user;
  return 0; /* keeps the gradient */
}
static int failing(ct_tensor *g, ct_tensor **r, void *user) {
  (void)g, (void)r, (void)user;
  return ct_set_error("my hook refused");
}
static int reshaping(ct_tensor *g, ct_tensor **r, void *user) {
  (void)user;
  *r = ct_sum(g);
  return 0;
}

static ct_tensor *ones3(void) { return ct_ones(CT_SHAPE(3), .requires_grad = true); }

static void test_leaf_hook(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ones3();
  double k = 3;
  assert_int_equal(ct_register_hook(x, times, &k, NULL), 0);
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(x, 2))), 0);
  expect_exact(ct_grad(x), 6, 6, 6); /* x.register_hook(lambda g: g*3) */
  /* autograd.grad does not run a leaf's AccumulateGrad hooks (1.13) */
  ct_tensor *g;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(ct_mul_scalar(x, 2))}, 1, &x, 1, NULL, false, -1, false, &g), 0);
  expect_exact(g, 2, 2, 2);
  ct_scope_end();
}

static void test_hook_order_and_retain(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ones3();
  double k = 10;
  /* y.retain_grad(); y.register_hook(g*10): .grad is the gradient before the hook */
  ct_tensor *y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_retain_grad(y), 0);
  assert_int_equal(ct_register_hook(y, times, &k, NULL), 0);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_exact(ct_grad(y), 1, 1, 1);
  expect_exact(ct_grad(x), 20, 20, 20);
  assert_true(ct_retains_grad(y));
  assert_false(ct_retains_grad(x)); /* a leaf: retains_grad is False */
  /* the other order: .grad sees the hook's result */
  ct_set_grad(x, NULL);
  y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_register_hook(y, times, &k, NULL), 0);
  assert_int_equal(ct_retain_grad(y), 0);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_exact(ct_grad(y), 10, 10, 10);
  expect_exact(ct_grad(x), 20, 20, 20);
  /* hooks run in registration order: (g + 1) * 10 */
  ct_set_grad(x, NULL);
  y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_register_hook(y, plus_one, NULL, NULL), 0);
  assert_int_equal(ct_register_hook(y, times, &k, NULL), 0);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  expect_exact(ct_grad(x), 40, 40, 40);
  /* autograd.grad of a non-leaf returns the gradient before its hooks (1.13) */
  y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_register_hook(y, times, &k, NULL), 0);
  ct_tensor *g;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(y)}, 1, &y, 1, NULL, false, -1, false, &g), 0);
  expect_exact(g, 1, 1, 1);
  ct_scope_end();
}

static void test_hook_remove(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ones3();
  double k3 = 3, k100 = 100;
  int calls = 0;
  ct_tensor_hook *h = NULL, *hc = NULL;
  assert_int_equal(ct_register_hook(x, times, &k3, NULL), 0);
  assert_int_equal(ct_register_hook(x, times, &k100, &h), 0);
  assert_int_equal(ct_register_hook(x, count_calls, &calls, &hc), 0);
  assert_non_null(h);
  ct_tensor_hook_remove(h);
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(x, 1))), 0);
  expect_exact(ct_grad(x), 3, 3, 3); /* h.remove(): only g*3 is left */
  assert_int_equal(calls, 1);
  ct_tensor_hook_remove(hc);
  assert_int_equal(ct_backward(ct_sum(ct_mul_scalar(x, 1))), 0);
  assert_int_equal(calls, 1);
  ct_tensor_hook_remove(NULL);
  ct_scope_end();
}

static void test_hook_errors(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *t = ct_ones(CT_SHAPE(2));
  expect_fail(ct_register_hook(t, plus_one, NULL, NULL),
              "cannot register a hook on a tensor that doesn't require gradient");
  ct_tensor *x = ones3();
  expect_fail(ct_register_hook(x, NULL, NULL, NULL), "must be a function");
  ct_tensor *y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_register_hook(y, failing, NULL, NULL), 0);
  expect_fail(ct_backward(ct_sum(y)), "my hook refused");
  assert_null(ct_grad(x));
  y = ct_mul_scalar(x, 2);
  assert_int_equal(ct_register_hook(y, reshaping, NULL, NULL), 0);
  expect_fail(ct_backward(ct_sum(y)), "hook has changed the size of value");
  ct_scope_end();
}

/* A hook's result is differentiable under create_graph: d/dx of (grad of sum((x*x) hooked
 * by g*3)) = 6 x, summed. */
static void test_hook_create_graph(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_tensor_from(((double[]){1, 2}), CT_FLOAT64, 1, (int64_t[]){2}), true);
  ct_tensor *y = ct_mul(x, x);
  double k = 3;
  assert_int_equal(ct_register_hook(y, times, &k, NULL), 0);
  ct_tensor *g;
  assert_int_equal(ct_backward(ct_sum(y), .create_graph = true), 0);
  g = ct_grad(x); /* 3 * 2x */
  expect_exact(g, 6, 12);
  ct_tensor *gg;
  assert_int_equal(ct_autograd_grad((ct_tensor *[]){ct_sum(g)}, 1, &x, 1, NULL, false, -1, false, &gg), 0);
  expect_exact(gg, 6, 6);
  ct_scope_end();
}

/* ---- backward(inputs=) ---------------------------------------------------------------- */
static void test_backward_inputs(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *a = ct_ones(CT_SHAPE(2), .requires_grad = true);
  ct_tensor *b = ct_mul_scalar(a, 3);
  ct_tensor *c = ct_sum(ct_mul(b, b));
  assert_int_equal(ct_backward(c, .inputs = &b, .n_inputs = 1), 0);
  expect_exact(ct_grad(b), 6, 6); /* c.backward(inputs=[b]) */
  assert_null(ct_grad(a));
  assert_true(ct_retains_grad(b));
  /* leaves: only the ones named */
  ct_tensor *x = ones3(), *w = ct_full(CT_SHAPE(3), 2.0, .requires_grad = true);
  ct_tensor *loss = ct_sum(ct_mul(x, w));
  assert_int_equal(ct_backward(loss, .inputs = &x, .n_inputs = 1, .retain_graph = true), 0);
  expect_exact(ct_grad(x), 2, 2, 2);
  assert_null(ct_grad(w));
  ct_tensor *both[2] = {x, w}; /* a variable: see ct_backward_opts.inputs */
  assert_int_equal(ct_backward(loss, .inputs = both, .n_inputs = 2), 0);
  expect_exact(ct_grad(x), 4, 4, 4);
  expect_exact(ct_grad(w), 1, 1, 1);
  expect_fail(ct_backward(ct_sum(ct_mul(x, w)), .inputs = &x, .n_inputs = 0),
              "'inputs' argument to backward() cannot be empty.");
  ct_tensor *nog = ct_ones(CT_SHAPE(3));
  expect_fail(ct_backward(ct_sum(ct_mul(x, w)), .inputs = &nog, .n_inputs = 1),
              "One of the differentiated Tensors does not require grad");
  ct_scope_end();
}

/* ---- torch.autograd.functional -------------------------------------------------------- */
static ct_tensor *X(void) { return ct_tensor_from(((double[]){0.5, -1, 2}), CT_FLOAT64, 1, (int64_t[]){3}); }
static ct_tensor *Y(void) { return ct_tensor_from(((double[]){0.3, 0.1, -0.4}), CT_FLOAT64, 1, (int64_t[]){3}); }
static ct_tensor *V(double a, double b, double c) {
  return ct_tensor_from(((double[]){a, b, c}), CT_FLOAT64, 1, (int64_t[]){3});
}

/* f(x, y) = (x * exp(y), sum(x * x) * y) */
static int f2(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  out[0] = ct_mul(in[0], ct_exp(in[1]));
  out[1] = ct_mul(ct_sum(ct_mul(in[0], in[0])), in[1]);
  return out[0] && out[1] ? 0 : -1;
}
/* g(x, y) = sum(x^3 * sin(y)) + prod(x * y) */
static int g2(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  ct_tensor *x = in[0], *y = in[1];
  out[0] = ct_add(ct_sum(ct_mul(ct_pow_scalar(x, 3), ct_sin(y))), ct_prod(ct_flatten(ct_mul(x, y), 0, -1), 0, false));
  return out[0] ? 0 : -1;
}
static int cube(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_pow_scalar(in[0], 3)) ? 0 : -1;
}
static int twice_first(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_mul_scalar(in[0], 2)) ? 0 : -1;
}
static int linear_sum(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_sum(ct_mul_scalar(in[0], 2))) ? 0 : -1;
}
static int detached(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_mul_scalar(ct_detach(in[0]), 2)) ? 0 : -1;
}

static void test_jacobian(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *in[2] = {X(), Y()}, *J[4];
  assert_int_equal(ct_jacobian(f2, in, 2, J, .n_outputs = 2), 0);
  const double e3 = 1.3498588075760032, e1 = 1.1051709180756477, e4 = 0.6703200460356392;
  expect_close(J[0], e3, 0, 0, 0, e1, 0, 0, 0, e4);
  expect_close(J[1], 0.6749294037880016, 0, 0, 0, -e1, 0, 0, 0, 1.3406400920712784);
  expect_close(J[2], 0.3, -0.6, 1.2, 0.1, -0.2, 0.4, -0.4, 0.8, -1.6);
  expect_close(J[3], 5.25, 0, 0, 0, 5.25, 0, 0, 0, 5.25);
  assert_int_equal(ct_dim(J[1]), 2);
  assert_false(ct_requires_grad(J[0]));
  assert_false(ct_requires_grad(in[0])); /* inputs untouched */
  /* create_graph: J of a^3 is diag(3 a^2); d sum(J) / da = 6 a */
  ct_tensor *xr = ct_requires_grad_(X(), true);
  assert_int_equal(ct_jacobian(cube, &xr, 1, J, .create_graph = true), 0);
  assert_true(ct_requires_grad(J[0]));
  assert_int_equal(ct_backward(ct_sum(J[0])), 0);
  expect_close(ct_grad(xr), 3, -6, 12);
  /* strict */
  expect_fail(ct_jacobian(twice_first, in, 2, J, .strict = true),
              "Output 0 of the user-provided function is independent of input 1. This is not "
              "allowed in strict mode.");
  expect_fail(ct_jacobian(twice_first, in, 1, J, .strict = true, .create_graph = true),
              "The jacobian of the user-provided function is independent of input 0. This is not "
              "allowed in strict mode when create_graph=True.");
  expect_fail(ct_jacobian(twice_first, in, 1, J, .strict = true, .vectorize = true),
              "`strict=True` and `vectorized=True` are not supported together");
  /* not strict: zeros for an independent input */
  assert_int_equal(ct_jacobian(twice_first, in, 2, J), 0);
  expect_exact(J[1], 0, 0, 0, 0, 0, 0, 0, 0, 0);
  ct_scope_end();
}

static void test_hessian(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *in[2] = {X(), Y()}, *H[4];
  assert_int_equal(ct_hessian(g2, in, 2, H), 0);
  expect_close(H[0], 0.8865606199840186, -0.024, 0.012, -0.024, -0.5990004998809689, -0.006,
                               0.012, -0.006, -4.673020107703806);
  expect_close(H[1], 0.7965023668442045, 0.24, -0.06, -0.04, 2.865012495834077, 0.03, 0.02,
                               0.06, 11.03773192803462);
  expect_close(H[2], 0.7965023668442045, -0.04, 0.02, 0.24, 2.865012495834077, 0.06, -0.06,
                               0.03, 11.03773192803462);
  expect_close(H[3], -0.03694002583266744, 0.4, -0.1, 0.4, 0.09983341664682815, -0.3, -0.1,
                               -0.3, 3.115346738469204);
  expect_fail(ct_hessian(twice_first, in, 1, H),
              "The Tensor returned by the function given to hessian should contain a single element");
  expect_fail(ct_hessian(linear_sum, in, 1, H, .strict = true),
              "While computing the hessian, found that the jacobian of the user-provided function "
              "with respect to input 0 is independent of the input.");
  assert_int_equal(ct_hessian(linear_sum, in, 1, H), 0);
  expect_exact(H[0], 0, 0, 0, 0, 0, 0, 0, 0, 0);
  ct_scope_end();
}

static void test_vjp_jvp(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *in[2] = {X(), Y()}, *v[2] = {V(1, 2, -1), V(0.5, 0.25, 2)}, *out[2], *r[2];
  assert_int_equal(ct_vjp(f2, in, 2, v, out, r, .n_outputs = 2), 0);
  expect_close(r[0], 0.7248588075760032, 3.4603418361512954, -3.170320046035639);
  expect_close(r[1], 3.299929403788002, -0.8978418361512954, 9.159359907928721);
  expect_close(out[1], 1.575, 0.525, -2.1);
  assert_int_equal(ct_jvp(f2, in, 2, v, out, r, .n_outputs = 2), 0);
  expect_close(r[0], 1.687323509470004, 1.9340491066323835, 2.0109601381069178);
  expect_close(r[1], 0.525, 0.6125, 13.3);
  /* bad v */
  ct_tensor *v2 = ct_ones(CT_SHAPE(2), .dtype = CT_FLOAT64);
  expect_fail(ct_jvp(twice_first, in, 1, &v2, out, r),
              "v has invalid size: should be torch.Size([3]) but got torch.Size([2]).");
  ct_tensor *vbad[2] = {V(1, 1, 1), v2};
  expect_fail(ct_vjp(f2, in, 2, vbad, out, r, .n_outputs = 2),
              "Entry 1 in v has invalid size: should be torch.Size([3]) but got torch.Size([2]).");
  expect_fail(ct_vjp(twice_first, in, 1, NULL, out, r),
              "The vector v can only be None if the user-provided function returns a single Tensor "
              "with a single element.");
  expect_fail(ct_jvp(twice_first, in, 1, NULL, out, r),
              "The vector v can only be None if the input to the user-provided function is a single "
              "Tensor with a single element.");
  /* strict: an output without a graph */
  ct_tensor *ones = V(1, 1, 1);
  expect_fail(ct_vjp(detached, in, 1, &ones, out, r, .strict = true),
              "Output 0 of the user-provided function does not require gradients.");
  assert_int_equal(ct_vjp(detached, in, 1, &ones, out, r), 0);
  expect_exact(r[0], 0, 0, 0);
  expect_exact(out[0], 1, -2, 4);
  ct_scope_end();
}

static void test_hvp_vhp(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *in[2] = {X(), Y()}, *v[2] = {V(1, 2, -1), V(0.5, 0.25, 2)}, *out, *r[2];
  assert_int_equal(ct_hvp(g2, in, 2, v, &out, r), 0);
  expect_close(out, -3.166240129283365);
  expect_close(r[0], 1.164811803406121, -0.4597478758034186, 26.77348396377305);
  expect_close(r[1], 0.5780323539278708, 5.534983345829861, -4.932038451096212);
  assert_int_equal(ct_vhp(g2, in, 2, v, &out, r), 0);
  expect_close(r[0], 1.164811803406121, -0.4597478758034186, 26.77348396377305);
  expect_close(r[1], 0.5780323539278709, 5.534983345829861, -4.932038451096213);
  ct_tensor *ones = V(1, 1, 1);
  expect_fail(ct_vhp(linear_sum, in, 1, &ones, &out, r, .strict = true),
              "While computing the hessian, found that the jacobian");
  expect_fail(ct_hvp(twice_first, in, 1, &ones, &out, r),
              "The Tensor returned by the function given to hvp should contain a single element");
  ct_scope_end();
}

/* ---- set_printoptions ------------------------------------------------------------------- */
static void expect_repr(const ct_tensor *t, const char *want) {
  char *s = ct_to_string(t);
  assert_non_null(s);
  assert_string_equal(s, want);
  free(s);
}

static void test_printoptions(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *a = ct_tensor_from(((float[]){1.12345f}), CT_FLOAT32, 1, (int64_t[]){1});
  ct_tensor *r10 = ct_arange(0, 10, 1, .dtype = CT_INT64);
  assert_int_equal(ct_set_printoptions(.precision = 2), 0);
  expect_repr(a, "tensor([1.12])");
  assert_int_equal(ct_set_printoptions(.threshold = 5), 0);
  expect_repr(r10, "tensor([0, 1, 2,  ..., 7, 8, 9])");
  assert_int_equal(ct_set_printoptions(.profile = "default"), 0);
  expect_repr(a, "tensor([1.1235])");
  expect_repr(r10, "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])");
  assert_int_equal(ct_set_printoptions(.sci_mode = CT_SCI_ON), 0);
  expect_repr(ct_tensor_from(((float[]){1.5f, 20.25f}), CT_FLOAT32, 1, (int64_t[]){2}),
              "tensor([1.5000e+00, 2.0250e+01])");
  expect_repr(ct_tensor_from(((float[]){1, 2}), CT_FLOAT32, 1, (int64_t[]){2}),
              "tensor([1.0000e+00, 2.0000e+00])");
  assert_int_equal(ct_set_printoptions(.sci_mode = CT_SCI_OFF), 0);
  expect_repr(ct_tensor_from(((float[]){1e-6f, 1}), CT_FLOAT32, 1, (int64_t[]){2}),
              "tensor([    0.0000,     1.0000])");
  assert_int_equal(ct_set_printoptions(.profile = "short"), 0); /* sci_mode back to automatic */
  ct_tensor *big = ct_div_scalar(ct_reshape(ct_arange(0, 2000, 1), 2, (int64_t[]){40, 50}), 3);
  expect_repr(big, "tensor([[0.00e+00, 3.33e-01,  ..., 1.60e+01, 1.63e+01],\n"
                   "        [1.67e+01, 1.70e+01,  ..., 3.27e+01, 3.30e+01],\n"
                   "        ...,\n"
                   "        [6.33e+02, 6.34e+02,  ..., 6.49e+02, 6.50e+02],\n"
                   "        [6.50e+02, 6.50e+02,  ..., 6.66e+02, 6.66e+02]])");
  assert_int_equal(ct_set_printoptions(.profile = "default", .linewidth = 30), 0);
  expect_repr(ct_div_scalar(ct_arange(0, 12, 1), 7),
              "tensor([0.0000, 0.1429,\n        0.2857, 0.4286,\n        0.5714, 0.7143,\n"
              "        0.8571, 1.0000,\n        1.1429, 1.2857,\n        1.4286, 1.5714])");
  assert_int_equal(ct_set_printoptions(.profile = "full"), 0);
  char *full = ct_to_string(ct_arange(0, 1200, 1, .dtype = CT_INT64));
  assert_int_equal(strlen(full), 8000);
  free(full);
  assert_int_equal(ct_set_printoptions(.profile = "default", .edgeitems = 1), 0);
  expect_repr(ct_reshape(ct_arange(0, 2000, 1, .dtype = CT_INT64), 2, (int64_t[]){2, 1000}),
              "tensor([[   0,  ...,  999],\n        [1000,  ..., 1999]])");
  expect_fail(ct_set_printoptions(.profile = "tiny"), "profile must be 'default', 'short' or 'full'");
  assert_int_equal(ct_set_printoptions(.profile = "default"), 0);
  ct_printoptions o = ct_get_printoptions();
  assert_int_equal(o.precision, 4);
  assert_int_equal(o.edgeitems, 3);
  assert_int_equal(o.linewidth, 80);
  assert_true(o.threshold == 1000);
  assert_int_equal(o.sci_mode, CT_SCI_AUTO);
  ct_scope_end();
}

/* No tensor outlives a scope around hooks, backward(inputs=) and the functional API. */
static void test_no_leak(void **s) {
  (void)s;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = ones3();
  double k = 2;
  ct_tensor_hook *h;
  assert_int_equal(ct_register_hook(x, times, &k, &h), 0);
  ct_tensor *y = ct_mul_scalar(x, 3);
  assert_int_equal(ct_register_hook(y, plus_one, NULL, NULL), 0);
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  ct_tensor_hook_remove(h);
  ct_tensor *in[2] = {X(), Y()}, *H[4];
  assert_int_equal(ct_hessian(g2, in, 2, H, .create_graph = true), 0);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_leaf_hook),       cmocka_unit_test(test_hook_order_and_retain),
      cmocka_unit_test(test_hook_remove),     cmocka_unit_test(test_hook_errors),
      cmocka_unit_test(test_hook_create_graph), cmocka_unit_test(test_backward_inputs),
      cmocka_unit_test(test_jacobian),        cmocka_unit_test(test_hessian),
      cmocka_unit_test(test_vjp_jvp),         cmocka_unit_test(test_hvp_vhp),
      cmocka_unit_test(test_printoptions),    cmocka_unit_test(test_no_leak)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
