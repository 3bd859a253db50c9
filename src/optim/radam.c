/* torch.optim.RAdam, 1.13's single-tensor algorithm (_single_tensor_radam; no maximize in 1.13):
 *   step += 1; g = grad + weight_decay * p
 *   exp_avg = beta1 * exp_avg + (1 - beta1) g;  exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) g^2
 *   rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 step beta2^step / (1 - beta2^step)
 *   rho_t > 5: p -= exp_avg / bc1 * lr * (sqrt(bc2) / (sqrt(exp_avg_sq) + eps)) * rect
 *   else       p -= exp_avg / bc1 * lr
 * State: step (float32 0-dim), exp_avg, exp_avg_sq. */
#include "more_util.h"

static const optim_option radam_options[] = {
    {"lr", OPTIM_NUM, {1e-3}, NULL},
    {"betas", OPTIM_PAIR, {0.9, 0.999}, NULL},
    {"eps", OPTIM_NUM, {1e-8}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
};


typedef struct radam_args {
  double lr, beta1, beta2, eps, wd;
} radam_args;

static int radam_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const radam_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_FLOAT32);
  ct_tensor *m = om_state_zeros(o, p, "exp_avg"), *v = om_state_zeros(o, p, "exp_avg_sq");
  if (!step_t || !m || !v) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step)) return -1;
  double bc1 = 1 - pow(a->beta1, step), bc2 = 1 - pow(a->beta2, step);
  ct_tensor *grad = om_grad(p, false, a->wd);
  om_add_alpha_(ct_mul_scalar_(m, a->beta1), grad, 1 - a->beta1);
  om_addcmul_(ct_mul_scalar_(v, a->beta2), grad, grad, 1 - a->beta2);
  ct_tensor *corrected = ct_div_scalar(m, bc1);
  double rho_inf = 2 / (1 - a->beta2) - 1;
  double rho_t = rho_inf - 2 * step * pow(a->beta2, step) / bc2;
  ct_tensor *upd;
  if (rho_t > 5.) {
    double rect = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
    /* float / tensor is Tensor.__rtruediv__: reciprocal() * float */
    ct_tensor *adaptive_lr = ct_mul_scalar(ct_reciprocal(ct_add_scalar_(ct_sqrt(v), a->eps)), sqrt(bc2));
    upd = ct_mul_scalar(ct_mul(ct_mul_scalar(corrected, a->lr), adaptive_lr), rect);
  } else {
    upd = ct_mul_scalar(corrected, a->lr);
  }
  return om_add_alpha_(p, upd, -1.0) ? 0 : -1;
}

static int radam_step(ct_optim *o, int g) {
  radam_args a = {optim_num(o, g, "lr"), optim_pair(o, g, "betas", 0), optim_pair(o, g, "betas", 1),
                  optim_num(o, g, "eps"), optim_num(o, g, "weight_decay")};
  return om_for_each(o, g, radam_param, &a);
}

const optim_kind optim_kind_radam = {
    "RAdam", radam_options, (int)(sizeof radam_options / sizeof *radam_options), om_check_adam_family,
    radam_step, NULL};

ct_optim *ct_optim_radam_ex(ct_tensor *const *params, int n, ct_radam_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_pair(&kw, "betas", o.betas);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  return ct_optim_create("RAdam", params, n, &kw);
}
