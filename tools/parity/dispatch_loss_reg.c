/* Parity handlers: the regression and binary losses of torch.nn.functional
 * (src/ops/loss_reg.c, loss_reg_nll.c). */

#include "ctorch/functional.h"
#include "parity.h"

/* F.l1_loss / mse_loss / soft_margin_loss(input, target, size_average=None, reduce=None,
 * reduction='mean') */
typedef struct {
  ct_tensor *(*f)(const ct_tensor *, const ct_tensor *, ct_reduction);
} p_loss2;
static ct_tensor *l1(const ct_tensor *x, const ct_tensor *y, ct_reduction r) {
  return ct_l1_loss(x, y, .reduction = r);
}
static ct_tensor *mse(const ct_tensor *x, const ct_tensor *y, ct_reduction r) {
  return ct_mse_loss(x, y, .reduction = r);
}
static ct_tensor *soft_margin(const ct_tensor *x, const ct_tensor *y, ct_reduction r) {
  return ct_soft_margin_loss(x, y, .reduction = r);
}
static int h_loss2(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_reduction r = p_reduction(c, 2, 3, 4);
  P_CHECK(c);
  return p_out(c, ((const p_loss2 *)c->data)->f(x, y, r));
}

/* F.smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0) */
static int h_smooth_l1(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_reduction r = p_reduction(c, 2, 3, 4);
  double beta = p_num(c, 5, "beta", 1.0);
  P_CHECK(c);
  return p_out(c, ct_smooth_l1_loss(x, y, .reduction = r, .beta = beta));
}

/* F.huber_loss(input, target, reduction='mean', delta=1.0) */
static int h_huber(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_reduction r = p_reduction(c, -2, -2, 2);
  double delta = p_num(c, 3, "delta", 1.0);
  P_CHECK(c);
  return p_out(c, ct_huber_loss(x, y, .reduction = r, .delta = delta));
}

/* F.binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
 * reduction='mean') */
static int h_bce(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_tensor *w = p_tensor_opt(c, 2, "weight");
  ct_reduction r = p_reduction(c, 3, 4, 5);
  P_CHECK(c);
  return p_out(c, ct_binary_cross_entropy(x, y, .weight = w, .reduction = r));
}

/* F.binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
 * reduce=None, reduction='mean', pos_weight=None) */
static int h_bce_logits(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_tensor *w = p_tensor_opt(c, 2, "weight"), *pw = p_tensor_opt(c, 6, "pos_weight");
  ct_reduction r = p_reduction(c, 3, 4, 5);
  P_CHECK(c);
  return p_out(c, ct_binary_cross_entropy_with_logits(x, y, .weight = w, .reduction = r,
                                                      .pos_weight = pw));
}

/* F.kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False) */
static int h_kl_div(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_reduction r = p_reduction(c, 2, 3, 4);
  bool lt = p_bool(c, 5, "log_target", false);
  P_CHECK(c);
  return p_out(c, ct_kl_div(x, y, .reduction = r, .log_target = lt));
}

/* F.poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
 * reduce=None, reduction='mean') */
static int h_poisson(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  bool li = p_bool(c, 2, "log_input", true), full = p_bool(c, 3, "full", false);
  double eps = p_num(c, 5, "eps", 1e-8);
  ct_reduction r = p_reduction(c, 4, 6, 7);
  P_CHECK(c);
  return p_out(c, ct_poisson_nll_loss(x, y, .log_input = li, .full = full, .eps = eps, .reduction = r));
}

/* F.gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean') */
static int h_gaussian(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target"), *v = p_tensor(c, 2, "var");
  bool full = p_bool(c, 3, "full", false);
  double eps = p_num(c, 4, "eps", 1e-6);
  ct_reduction r = p_reduction(c, -2, -2, 5);
  P_CHECK(c);
  return p_out(c, ct_gaussian_nll_loss(x, y, v, .full = full, .eps = eps, .reduction = r));
}

/* F.multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
 * reduction='mean') */
static int h_multilabel_soft_margin(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = p_tensor(c, 1, "target");
  ct_tensor *w = p_tensor_opt(c, 2, "weight");
  ct_reduction r = p_reduction(c, 3, 4, 5);
  P_CHECK(c);
  return p_out(c, ct_multilabel_soft_margin_loss(x, y, .weight = w, .reduction = r));
}

const parity_handler parity_handlers_loss_reg[] = {
    {"F.l1_loss", h_loss2, &(const p_loss2){l1}},
    {"F.mse_loss", h_loss2, &(const p_loss2){mse}},
    {"F.soft_margin_loss", h_loss2, &(const p_loss2){soft_margin}},
    {"F.smooth_l1_loss", h_smooth_l1, NULL},
    {"F.huber_loss", h_huber, NULL},
    {"F.binary_cross_entropy", h_bce, NULL},
    {"F.binary_cross_entropy_with_logits", h_bce_logits, NULL},
    {"F.kl_div", h_kl_div, NULL},
    {"F.poisson_nll_loss", h_poisson, NULL},
    {"F.gaussian_nll_loss", h_gaussian, NULL},
    {"F.multilabel_soft_margin_loss", h_multilabel_soft_margin, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_loss_reg)
