/* torch.optim.Adamax, 1.13's single-tensor algorithm (_single_tensor_adamax):
 *   step += 1; g = -grad if maximize; g += weight_decay * p
 *   exp_avg = beta1 * exp_avg + (1 - beta1) * g
 *   exp_inf = max(beta2 * exp_inf, |g| + eps)          (amax over the stacked pair)
 *   p -= lr / (1 - beta1^step) * exp_avg / exp_inf
 * State: step (float32 0-dim), exp_avg, exp_inf. */
#include "more_util.h"

static const optim_option adamax_options[] = {
    {"lr", OPTIM_NUM, {2e-3}, NULL},
    {"betas", OPTIM_PAIR, {0.9, 0.999}, NULL},
    {"eps", OPTIM_NUM, {1e-8}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

/* Adam's family checks, in Adamax / NAdam / RAdam's order: lr, eps, betas, weight_decay. */
int om_check_adam_family(const ct_optim *o, int g) {
  double lr = optim_num(o, g, "lr"), eps = optim_num(o, g, "eps"), wd = optim_num(o, g, "weight_decay");
  double b0 = optim_pair(o, g, "betas", 0), b1 = optim_pair(o, g, "betas", 1);
  if (om_check(o, g, 0.0 <= lr, "Invalid learning rate", "lr", 0) ||
      om_check(o, g, 0.0 <= eps, "Invalid epsilon value", "eps", 0) ||
      om_check(o, g, 0.0 <= b0 && b0 < 1.0, "Invalid beta parameter at index 0", "betas", 0) ||
      om_check(o, g, 0.0 <= b1 && b1 < 1.0, "Invalid beta parameter at index 1", "betas", 1) ||
      om_check(o, g, 0.0 <= wd, "Invalid weight_decay value", "weight_decay", 0))
    return -1;
  return 0;
}

typedef struct adamax_args {
  double lr, beta1, beta2, eps, wd;
  bool maximize;
} adamax_args;

static int adamax_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const adamax_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_FLOAT32);
  ct_tensor *m = om_state_zeros(o, p, "exp_avg"), *u = om_state_zeros(o, p, "exp_inf");
  if (!step_t || !m || !u) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step))
    return -1;
  ct_tensor *grad = om_grad(p, a->maximize, a->wd);
  om_add_alpha_(ct_mul_scalar_(m, a->beta1), grad, 1 - a->beta1);
  ct_tensor *norm = ct_add_scalar_(ct_abs(grad), a->eps);
  ct_copy_(u, ct_maximum(ct_mul_scalar_(u, a->beta2), norm));
  double clr = a->lr / (1 - pow(a->beta1, step));
  return om_addcdiv_(p, m, u, -clr) ? 0 : -1;
}

static int adamax_step(ct_optim *o, int g) {
  adamax_args a = {optim_num(o, g, "lr"),  optim_pair(o, g, "betas", 0),   optim_pair(o, g, "betas", 1),
                   optim_num(o, g, "eps"), optim_num(o, g, "weight_decay"), optim_bool(o, g, "maximize")};
  return om_for_each(o, g, adamax_param, &a);
}

const optim_kind optim_kind_adamax = {
    "Adamax", adamax_options, (int)(sizeof adamax_options / sizeof *adamax_options),
    om_check_adam_family, adamax_step, NULL};

ct_optim *ct_optim_adamax_ex(ct_tensor *const *params, int n, ct_adamax_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_pair(&kw, "betas", o.betas);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("Adamax", params, n, &kw);
}
