/* torch.optim.Adadelta, 1.13's single-tensor algorithm (_single_tensor_adadelta):
 *   g = -grad if maximize; g += weight_decay * p
 *   square_avg = rho * square_avg + (1 - rho) * g * g
 *   delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
 *   acc_delta = rho * acc_delta + (1 - rho) * delta * delta;  p -= lr * delta
 * State: step (a Python int), square_avg, acc_delta. */
#include "more_util.h"

static const optim_option adadelta_options[] = {
    {"lr", OPTIM_NUM, {1.0}, NULL},
    {"rho", OPTIM_NUM, {0.9}, NULL},
    {"eps", OPTIM_NUM, {1e-6}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

static int adadelta_validate(const ct_optim *o, int g) {
  double lr = optim_num(o, g, "lr"), rho = optim_num(o, g, "rho"), eps = optim_num(o, g, "eps");
  double wd = optim_num(o, g, "weight_decay");
  if (om_check(o, g, 0.0 <= lr, "Invalid learning rate", "lr", 0) ||
      om_check(o, g, 0.0 <= rho && rho <= 1.0, "Invalid rho value", "rho", 0) ||
      om_check(o, g, 0.0 <= eps, "Invalid epsilon value", "eps", 0) ||
      om_check(o, g, 0.0 <= wd, "Invalid weight_decay value", "weight_decay", 0))
    return -1;
  return 0;
}

typedef struct adadelta_args {
  double lr, rho, eps, wd;
  bool maximize;
} adadelta_args;

static int adadelta_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const adadelta_args *a = ctx;
  ct_tensor *step = om_state_scalar(o, p, "step", 0, CT_INT64);
  ct_tensor *sq = om_state_zeros(o, p, "square_avg"), *acc = om_state_zeros(o, p, "acc_delta");
  if (!step || !sq || !acc || isnan(om_step_inc(step))) return -1;
  ct_tensor *grad = om_grad(p, a->maximize, a->wd);
  om_addcmul_(ct_mul_scalar_(sq, a->rho), grad, grad, 1 - a->rho);
  ct_tensor *std = ct_sqrt_(ct_add_scalar(sq, a->eps));
  ct_tensor *delta = ct_mul_(ct_div_(ct_sqrt_(ct_add_scalar(acc, a->eps)), std), grad);
  om_addcmul_(ct_mul_scalar_(acc, a->rho), delta, delta, 1 - a->rho);
  return om_add_alpha_(p, delta, -a->lr) ? 0 : -1;
}

static int adadelta_step(ct_optim *o, int g) {
  adadelta_args a = {optim_num(o, g, "lr"), optim_num(o, g, "rho"), optim_num(o, g, "eps"),
                     optim_num(o, g, "weight_decay"), optim_bool(o, g, "maximize")};
  return om_for_each(o, g, adadelta_param, &a);
}

const optim_kind optim_kind_adadelta = {
    "Adadelta", adadelta_options, (int)(sizeof adadelta_options / sizeof *adadelta_options),
    adadelta_validate, adadelta_step, NULL};

ct_optim *ct_optim_adadelta_ex(ct_tensor *const *params, int n, ct_adadelta_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_num(&kw, "rho", o.rho);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("Adadelta", params, n, &kw);
}
