/* The regression and binary losses (src/ops/loss_reg.c, loss_reg_nll.c, src/nn/loss_reg.c):
 * every printed number of the seeds' examples (000: MSELoss 0.1667, BCELoss 0.3695, L1Loss
 * 0.3333, SmoothL1Loss 0.0833, PoissonNLLLoss(log_input) -0.2480, BCEWithLogitsLoss 0.2407,
 * SoftMarginLoss 0.2789; 003: L1Loss 0.5 and its MSE / BCE / KLDiv / SmoothL1 snippets), more
 * values and gradients from PyTorch 1.13, grad_fn names, PyTorch's messages and warnings, the
 * modules (printing, buffers, the registry), and float64 gradcheck + gradgradcheck of each. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctorch.h"
#include "ct_test.h"

/* a float32 1-d tensor */
static ct_tensor *f32v(const double *v, int64_t n, bool rg) {
  ct_tensor *t = ct_to(ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){n}), CT_FLOAT32);
  return ct_requires_grad_(t, rg);
}
#define F32(rg, ...) f32v(CT_DOUBLES(__VA_ARGS__), rg)
/* t's values are PyTorch's (|got - want| <= atol + rtol |want|) */
#define EV(t, rtol, atol, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), rtol, atol, #t, __LINE__)

/* m(x, y), m freed */
static ct_tensor *once(ct_module *m, ct_tensor *x, ct_tensor *y) {
  ct_tensor *r = ct_forward(m, x, y);
  ct_module_free(m);
  return r;
}

static void expect_item(ct_tensor *t, double want, double tol) {
  if (!t) fail_msg("loss failed: %s", ct_last_error());
  double got = ct_item(t);
  if (!(fabs(got - want) <= tol)) fail_msg("got %.8g, PyTorch %.8g", got, want);
}

static void test_seed_values(void **state) {
  (void)state;
  ct_scope_begin();
  /* seed 000 */
  ct_tensor *pred = F32(false, 2.5, 3.0, 4.0), *target = F32(false, 3.0, 3.0, 3.5);
  expect_item(once(ct_nn_mse_loss(), pred, target), 0.1666666716337204, 1e-7);
  expect_item(ct_mse_loss(pred, target), 0.1667, 5e-5);
  expect_item(ct_l1_loss(pred, target), 0.3333, 5e-5);
  expect_item(ct_smooth_l1_loss(pred, target), 0.0833, 5e-5);
  ct_tensor *ps = ct_sigmoid(F32(false, 0.8, -0.5, 1.2)), *tb = F32(false, 1, 0, 1);
  expect_item(ct_binary_cross_entropy(ps, tb), 0.3695, 5e-5);
  expect_item(ct_binary_cross_entropy(ps, tb), 0.3694867193698883, 1e-6);
  expect_item(ct_poisson_nll_loss(F32(false, 0.5, 1.0, 2.0), F32(false, 1, 2, 5)), -0.2480, 5e-5);
  expect_item(ct_poisson_nll_loss(F32(false, 0.5, 1.0, 2.0), F32(false, 1, 2, 5)), -0.2479802817106247, 1e-6);
  ct_tensor *logits = F32(true, 2.0, -1.0, 0.5, -3.0), *t4 = F32(false, 1, 0, 1, 0);
  ct_tensor *l = ct_binary_cross_entropy_with_logits(logits, t4);
  expect_item(l, 0.2407, 5e-5);
  expect_item(l, 0.24071350693702698, 1e-7);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(logits), 1e-6, 1e-7, -0.029800742864608765, 0.06723535805940628, -0.09438516199588776, 0.01185646839439869);
  expect_item(ct_soft_margin_loss(F32(false, 1.5, -0.5, 2.0, -1.0), F32(false, 1, -1, 1, -1)), 0.2789, 5e-5);
  expect_item(ct_soft_margin_loss(F32(false, 1.5, -0.5, 2.0, -1.0), F32(false, 1, -1, 1, -1)), 0.2789199948310852, 1e-7);
  /* seed 003 */
  ct_tensor *in3 = F32(false, 1, 2, 3), *t3 = F32(false, 1.5, 2.5, 3.5);
  expect_item(once(ct_nn_l1_loss(), in3, t3), 0.5, 0);
  expect_item(once(ct_nn_mse_loss(), in3, t3), 0.25, 0);
  expect_item(once(ct_nn_smooth_l1_loss(), in3, t3), 0.125, 0);
  expect_item(once(ct_nn_bce_loss(), ct_sigmoid(F32(false, 0.5, 0.3, 0.2)), F32(false, 1, 0, 1)),
              0.6421903967857361, 1e-6);
  double pi[] = {0.5, 0.3, 0.2, 0.2, 0.3, 0.5}, pt[] = {0.4, 0.3, 0.3, 0.3, 0.3, 0.4};
  ct_tensor *kin = ct_log(ct_to(ct_tensor_from(pi, CT_FLOAT64, 2, (int64_t[]){2, 3}), CT_FLOAT32));
  ct_tensor *ktg = ct_to(ct_tensor_from(pt, CT_FLOAT64, 2, (int64_t[]){2, 3}), CT_FLOAT32);
  expect_item(once(ct_nn_kl_div_loss(.reduction = CT_REDUCTION_BATCHMEAN), kin, ktg),
              0.03238210082054138, 1e-7);
  ct_scope_end();
}

/* more values and gradients, float32, from PyTorch 1.13 */
static void test_values(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *t = F32(false, 3.0, 3.0, 3.5);
  ct_tensor *x = F32(true, 2.5, 3.0, 4.0), *l = ct_mse_loss(x, t);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(x), 1e-6, 1e-7, -0.3333333432674408, 0.0, 0.3333333432674408);
  x = F32(true, 2.5, 3.0, 4.0);
  l = ct_huber_loss(x, t, .delta = 0.3, .reduction = CT_REDUCTION_SUM);
  expect_item(l, 0.21000000834465027, 1e-7);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(x), 1e-6, 1e-7, -0.3, 0.0, 0.3);
  /* gaussian: var 1e-8 clamped to eps = 1e-6, its gradient passed straight through */
  x = F32(true, 0.5, 1.0, 2.0);
  l = ct_gaussian_nll_loss(x, F32(false, 1, 2, 5), F32(false, 0.5, 1e-8, 2.0), .full = true);
  expect_item(l, 166666.109375, 0.05);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(x), 1e-6, 1e-7, -0.3333333432674408, -333333.34375, -0.5);
  double xm[] = {0.5, -1.0, 2.0, 0.1, 0.2, -0.3}, tm[] = {1, 0, 1, 0, 1, 0};
  ct_tensor *xs = ct_requires_grad_(ct_to(ct_tensor_from(xm, CT_FLOAT64, 2, (int64_t[]){2, 3}), CT_FLOAT32), true);
  ct_tensor *ts = ct_to(ct_tensor_from(tm, CT_FLOAT64, 2, (int64_t[]){2, 3}), CT_FLOAT32);
  l = ct_multilabel_soft_margin_loss(xs, ts, .weight = F32(false, 1, 2, 0.5));
  expect_item(l, 0.563652753829956, 1e-6);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(xs), 1e-5, 1e-7, -0.06292344629764557, 0.08964714407920837, -0.009933576919138432, 0.08749653398990631, -0.15005533397197723, 0.0354631245136261);
  x = F32(true, 0.5, 1.0, 2.0);
  l = ct_poisson_nll_loss(x, F32(false, 1, 2, 5), .log_input = false, .full = true, .reduction = CT_REDUCTION_SUM);
  expect_item(l, 6.150064945220947, 1e-5);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(x), 1e-6, 1e-7, -1.0, -1.0, -1.5);
  /* log clamped at -100 */
  ct_tensor *clamped = ct_binary_cross_entropy(F32(false, 0, 1, 0.5), F32(false, 1, 0, 0.5), .reduction = CT_REDUCTION_NONE);
  EV(clamped, 1e-6, 0, 100.0, 100.0, 0.6931471824645996);
  x = F32(true, 0.5, -1.0, 2.0);
  l = ct_binary_cross_entropy_with_logits(x, F32(false, 1, 0, 0.5), .weight = F32(false, 2),
                                          .pos_weight = F32(false, 3, 1, 0.5), .reduction = CT_REDUCTION_SUM);
  expect_item(l, 5.661376953125, 1e-5);
  assert_int_equal(ct_backward(l), 0);
  EV(ct_grad(x), 1e-6, 1e-7, -2.2652440071105957, 0.5378828644752502, 0.8211956024169922);
  /* smooth_l1 with beta = 0 is l1, and the 'none' shapes follow the broadcast */
  ct_tensor *sl1 = ct_smooth_l1_loss(F32(false, 1, -2, 0.5), F32(false, 0, 0, 0), .beta = 0, .reduction = CT_REDUCTION_NONE);
  EV(sl1, 0, 0, 1, 2, 0.5);
  ct_scope_end();
}

static void test_grad_fn_names(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = F32(true, 0.2, 0.4, 0.6), *y = F32(false, 0.1, 0.5, 0.9);
  struct { ct_tensor *l; const char *name; } c[] = {
      {ct_l1_loss(x, y), "MeanBackward0"},
      {ct_l1_loss(x, y, .reduction = CT_REDUCTION_NONE), "AbsBackward0"},
      {ct_mse_loss(x, y, .reduction = CT_REDUCTION_SUM), "MseLossBackward0"},
      {ct_smooth_l1_loss(x, y, .beta = 0), "SmoothL1LossBackward0"},
      {ct_huber_loss(x, y, .reduction = CT_REDUCTION_NONE), "HuberLossBackward0"},
      {ct_soft_margin_loss(x, y), "SoftMarginLossBackward0"},
      {ct_binary_cross_entropy(x, y), "BinaryCrossEntropyBackward0"},
      {ct_binary_cross_entropy_with_logits(x, y), "BinaryCrossEntropyWithLogitsBackward0"},
      {ct_kl_div(x, y, .reduction = CT_REDUCTION_NONE), "SubBackward0"},
      {ct_kl_div(x, y, .reduction = CT_REDUCTION_BATCHMEAN), "DivBackward0"},
      {ct_poisson_nll_loss(x, y, .reduction = CT_REDUCTION_SUM), "SumBackward0"},
      {ct_gaussian_nll_loss(x, y, y, .reduction = CT_REDUCTION_NONE), "MulBackward0"},
      {ct_multilabel_soft_margin_loss(x, y, .reduction = CT_REDUCTION_NONE), "DivBackward0"},
  };
  for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
    if (!c[i].l) fail_msg("case %zu failed: %s", i, ct_last_error());
    assert_string_equal(ct_grad_fn_name(c[i].l), c[i].name);
  }
  ct_scope_end();
}

static void test_errors(void **state) {
  (void)state;
  ct_scope_begin();
  ct_tensor *x = F32(false, 0.2, 0.4, 0.6), *y = F32(false, 0.1, 0.5, 0.9);
  ct_tensor *x31 = ct_reshape(x, CT_SHAPE(3, 1));
  expect_error(ct_binary_cross_entropy(x31, y),
               "Using a target size (torch.Size([3])) that is different to the input size "
               "(torch.Size([3, 1])) is deprecated. Please ensure they have the same size.");
  expect_error(ct_binary_cross_entropy(F32(false, 0.5, 1.5), F32(false, 1, 0)),
               "all elements of input should be between 0 and 1");
  expect_error(ct_binary_cross_entropy(F32(false, NAN, 0.5), F32(false, 1, 0)),
               "all elements of input should be between 0 and 1");
  expect_error(ct_binary_cross_entropy(x, ct_to(y, CT_FLOAT64)), "Found dtype Double but expected Float");
  ct_tensor *ix = ct_to(x, CT_INT64);
  expect_error(ct_binary_cross_entropy(ix, ix), "\"binary_cross_entropy\" not implemented for 'Long'");
  expect_error(ct_binary_cross_entropy(x, y, .weight = F32(true, 1, 2, 3)),
               "The function 'binary_cross_entropy' is not differentiable with respect to argument 'weight'");
  expect_error(ct_binary_cross_entropy_with_logits(x31, y),
               "Target size (torch.Size([3])) must be the same as input size (torch.Size([3, 1]))");
  expect_error(ct_binary_cross_entropy_with_logits(x, y, .pos_weight = F32(true, 1)),
               "not differentiable with respect to argument 'pos_weight'");
  expect_error(ct_soft_margin_loss(x, F32(true, 1, -1, 1)),
               "The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
               "This input cannot have requires_grad True.");
  expect_error(ct_mse_loss(ix, ix), "\"mse_cpu\" not implemented for 'Long'");
  expect_error(ct_smooth_l1_loss(ix, ix), "\"smooth_l1_cpu\" not implemented for 'Long'");
  expect_error(ct_huber_loss(ix, ix), "\"huber_cpu\" not implemented for 'Long'");
  expect_error(ct_mse_loss(ct_zeros(CT_SHAPE(3, 2)), ct_zeros(CT_SHAPE(4))),
               "The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 1");
  expect_error(ct_smooth_l1_loss(x, y, .beta = -1), "smooth_l1_loss does not support negative values for beta.");
  expect_error(ct_mse_loss(x, y, .reduction = CT_REDUCTION_BATCHMEAN), "reduction='batchmean' is only valid for kl_div");
  expect_error(ct_kl_div(ix, ix), "kl_div: Integral inputs not supported.");
  expect_error(ct_gaussian_nll_loss(x, y, F32(false, 1, -1, 1)), "var has negative entry/entries");
  expect_error(ct_gaussian_nll_loss(x, y, F32(false, 1, 1)), "var is of incorrect size");
  expect_error(ct_gaussian_nll_loss(ct_zeros(CT_SHAPE(2, 3)), ct_zeros(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(2, 2))),
               "var is of incorrect size");
  expect_error(ct_multilabel_soft_margin_loss(ct_scalar_tensor(1, CT_FLOAT32), ct_scalar_tensor(1, CT_FLOAT32)),
               "Dimension specified as -1 but tensor has no dimensions");
  /* module builders: PyTorch's reduction and keyword checks */
  assert_null(ct_nn_create("MSELoss", &CT_VALUES(ct_v_kw("reduction", ct_v_str("batchmean")))));
  expect_error(NULL, "batchmean is not a valid value for reduction");
  assert_null(ct_nn_create("GaussianNLLLoss", &CT_VALUES(ct_v_bool(true))));
  ct_clear_error();
  ct_scope_end();
}

/* stderr captured into a file around fn */
static void capture(void (*fn)(void), char *buf, size_t n) {
  fflush(stderr);
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  size_t k = fread(buf, 1, n - 1, tmp);
  buf[k] = 0;
  fclose(tmp);
}
static void warn_mse(void) {
  ct_scope_begin();
  ct_tensor *l = ct_mse_loss(ct_ones(CT_SHAPE(3, 1)), ct_zeros(CT_SHAPE(3)), .reduction = CT_REDUCTION_NONE);
  assert_int_equal(ct_shape(l)[0], 3);
  assert_int_equal(ct_shape(l)[1], 3);
  ct_mse_loss(ct_ones(CT_SHAPE(3, 1)), ct_zeros(CT_SHAPE(3))); /* Python shows a warning once */
  ct_scope_end();
}
static void warn_kl(void) {
  ct_scope_begin();
  ct_kl_div(ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(2, 3)));
  ct_kl_div(ct_ones(CT_SHAPE(2, 3)), ct_ones(CT_SHAPE(2, 3)), .reduction = CT_REDUCTION_BATCHMEAN);
  ct_scope_end();
}
static void test_warnings(void **state) {
  (void)state;
  char buf[2048];
  capture(warn_mse, buf, sizeof buf);
  const char *w = "UserWarning: Using a target size (torch.Size([3])) that is different to the input size "
                  "(torch.Size([3, 1])). This will likely lead to incorrect results due to broadcasting. "
                  "Please ensure they have the same size.\n";
  assert_string_equal(buf, w);
  capture(warn_kl, buf, sizeof buf);
  assert_non_null(strstr(buf, "UserWarning: reduction: 'mean' divides the total loss by both the batch size and "
                              "the support size.'batchmean' divides only by the batch size"));
  assert_null(strstr(buf + 1, "UserWarning")); /* once */
}

static void test_modules(void **state) {
  (void)state;
  ct_scope_begin();
  struct { ct_module *m; const char *repr; } c[] = {
      {ct_nn_l1_loss(.reduction = CT_REDUCTION_SUM), "L1Loss()"},
      {ct_nn_mse_loss(), "MSELoss()"},
      {ct_nn_smooth_l1_loss(.beta = 0.5), "SmoothL1Loss()"},
      {ct_nn_huber_loss(.delta = 2), "HuberLoss()"},
      {ct_nn_soft_margin_loss(), "SoftMarginLoss()"},
      {ct_nn_bce_loss(), "BCELoss()"},
      {ct_nn_bce_with_logits_loss(), "BCEWithLogitsLoss()"},
      {ct_nn_kl_div_loss(), "KLDivLoss()"},
      {ct_nn_poisson_nll_loss(), "PoissonNLLLoss()"},
      {ct_nn_gaussian_nll_loss(), "GaussianNLLLoss()"},
      {ct_nn_multilabel_soft_margin_loss(), "MultiLabelSoftMarginLoss()"},
  };
  for (size_t i = 0; i < sizeof c / sizeof *c; i++) ct_test_expect_repr(c[i].m, c[i].repr, __LINE__);
  /* weight and pos_weight are buffers in state_dict */
  ct_module *m = ct_nn_bce_with_logits_loss(.weight = F32(false, 2), .pos_weight = F32(false, 3, 1, 0.5),
                                            .reduction = CT_REDUCTION_SUM);
  ct_tensor_map *sd = ct_module_state_dict(m);
  assert_int_equal(ct_tensor_map_size(sd), 2);
  assert_string_equal(ct_tensor_map_name(sd, 0), "weight");
  assert_string_equal(ct_tensor_map_name(sd, 1), "pos_weight");
  ct_tensor_map_free(sd);
  expect_item(ct_forward(m, F32(false, 0.5, -1.0, 2.0), F32(false, 1, 0, 0.5)), 5.661376953125, 1e-5);
  ct_module_free(m);
  m = ct_nn_multilabel_soft_margin_loss(.weight = F32(false, 1, 2, 0.5));
  assert_non_null(ct_module_get_buffer(m, "weight"));
  ct_module_free(m);
  /* the registry: PyTorch's positionals, the legacy flags */
  m = ct_nn_create("MSELoss", &CT_VALUES(ct_v_bool(false))); /* size_average=False: sum */
  assert_non_null(m);
  expect_item(ct_forward(m, F32(false, 2.5, 3.0, 4.0), F32(false, 3.0, 3.0, 3.5)), 0.5, 1e-7);
  ct_module_free(m);
  m = ct_nn_create("PoissonNLLLoss", &CT_VALUES(ct_v_bool(true), ct_v_kw("reduction", ct_v_str("sum"))));
  expect_item(ct_forward(m, F32(false, 0.5, 1.0, 2.0), F32(false, 1, 2, 5)), -0.2479802817106247 * 3, 1e-5);
  ct_module_free(m);
  m = ct_nn_create("GaussianNLLLoss", &CT_VALUES(ct_v_kw("full", ct_v_bool(true))));
  ct_values out = {0};
  assert_int_equal(ct_module_call(m, &CT_VALUES(ct_v_tensor(F32(false, 0.5, 1.0, 2.0)),
                                                ct_v_tensor(F32(false, 1, 2, 5)),
                                                ct_v_tensor(F32(false, 0.5, 1e-8, 2.0))), &out), 0);
  expect_item(ct_values_tensor(&out, 0), 166666.109375, 0.05);
  assert_null(ct_forward(m, F32(false, 1), F32(false, 1)));
  expect_error(NULL, "GaussianNLLLoss.forward() takes 3 tensor arguments but 2 values were given");
  ct_module_free(m);
  ct_scope_end();
}

/* ---- float64 gradcheck + gradgradcheck --------------------------------------------------- */
typedef struct {
  int which, nin;
  ct_reduction red;
  double p;
  bool flag;
  ct_tensor *w, *pw;
} gc_case;
static int run_loss(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  const gc_case *c = u;
  ct_tensor *x = in[0], *y = in[1], *r = NULL;
  switch (c->which) {
  case 0: r = ct_l1_loss(x, y, .reduction = c->red); break;
  case 1: r = ct_mse_loss(x, y, .reduction = c->red); break;
  case 2: r = ct_smooth_l1_loss(x, y, .reduction = c->red, .beta = c->p); break;
  case 3: r = ct_huber_loss(x, y, .reduction = c->red, .delta = c->p); break;
  case 4: r = ct_soft_margin_loss(x, c->w, .reduction = c->red); break; /* target: w */
  case 5: r = ct_binary_cross_entropy(ct_sigmoid(x), ct_sigmoid(y), .weight = c->w, .reduction = c->red); break;
  case 6:
    r = ct_binary_cross_entropy_with_logits(x, ct_sigmoid(y), .weight = c->w, .pos_weight = c->pw,
                                            .reduction = c->red);
    break;
  case 7: r = ct_kl_div(x, c->flag ? y : ct_sigmoid(y), .reduction = c->red, .log_target = c->flag); break;
  case 8:
    r = ct_poisson_nll_loss(c->flag ? x : ct_exp(x), ct_add_scalar(ct_exp(y), 0.5), .log_input = c->flag,
                            .full = true, .reduction = c->red);
    break;
  case 9: r = ct_gaussian_nll_loss(x, y, ct_exp(in[2]), .full = c->flag, .reduction = c->red); break;
  case 10: r = ct_multilabel_soft_margin_loss(x, ct_sigmoid(y), .weight = c->w, .reduction = c->red); break;
  }
  out[0] = r;
  return r ? 0 : -1;
}
static void test_gradcheck(void **state) {
  (void)state;
  ct_scope_begin();
  int64_t sh[] = {3, 4};
  ct_tensor *x = ramp(2, sh, CT_FLOAT64, 1, true), *y = ramp(2, sh, CT_FLOAT64, 4, true);
  ct_tensor *v = ramp(2, sh, CT_FLOAT64, 7, true);
  /* away from the kinks of l1 / smooth_l1 / huber: x - y never 0, +-beta, +-delta */
  ct_tensor *xs = ct_detach(ct_add_scalar(x, 0.01)), *y2 = ct_detach(ct_mul_scalar(y, 1.3));
  ct_requires_grad_(xs, true);
  ct_requires_grad_(y2, true);
  ct_tensor *w = ct_detach(ct_add_scalar(ct_abs(ramp(1, (int64_t[]){4}, CT_FLOAT64, 2, false)), 0.5));
  ct_tensor *pw = ct_detach(ct_add_scalar(ct_abs(ramp(1, (int64_t[]){4}, CT_FLOAT64, 5, false)), 0.3));
  ct_tensor *sgn = ct_sign(ct_add_scalar(ramp(2, sh, CT_FLOAT64, 3, false), 0.1));
  const char *names[] = {"l1", "mse", "smooth_l1", "huber", "soft_margin", "bce", "bce_logits",
                         "kl_div", "poisson_nll", "gaussian_nll", "multilabel_soft_margin"};
  for (int k = 0; k <= 10; k++) {
    for (int r = 0; r < 3; r++) {
      for (int opt = 0; opt < 2; opt++) {
        gc_case c = {.which = k, .red = (ct_reduction)r, .p = opt ? 0.4 : 1.3, .flag = opt,
                     .w = opt ? w : NULL, .pw = opt ? pw : NULL};
        if (k == 4) c.w = sgn;
        ct_tensor *a = k <= 3 ? xs : x, *b = k <= 3 ? y2 : y;
        int n = k == 4 ? 1 : k == 9 ? 3 : 2;
        if (k == 1 && opt) break;
        check_grads(run_loss, ((ct_tensor *[]){a, b, v}), n, &c, names[k]);
      }
    }
  }
  /* batchmean */
  gc_case c = {.which = 7, .red = CT_REDUCTION_BATCHMEAN};
  check_grads(run_loss, ((ct_tensor *[]){x, y}), 2, &c, "kl_div batchmean");
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* first: each warning shows once per process */
      cmocka_unit_test(test_warnings),
      cmocka_unit_test(test_seed_values), cmocka_unit_test(test_values),
      cmocka_unit_test(test_grad_fn_names), cmocka_unit_test(test_errors),
      cmocka_unit_test(test_modules),
      cmocka_unit_test(test_gradcheck),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
