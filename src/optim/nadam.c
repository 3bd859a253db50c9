/* torch.optim.NAdam, 1.13's single-tensor algorithm (_single_tensor_nadam; 1.13 has no
 * maximize here):
 *   step += 1; g = grad + weight_decay * p
 *   mu = beta1 * (1 - 0.5 * 0.96^(step * momentum_decay)), mu_next likewise at step + 1
 *   mu_product *= mu (a float32 tensor);  mu_product_next = mu_product * mu * mu_next
 *   exp_avg = beta1 * exp_avg + (1 - beta1) * g;  exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) g^2
 *   denom = sqrt(exp_avg_sq / (1 - beta2^step)) + eps
 *   p -= lr (1 - mu) / (1 - mu_product) * g / denom + lr mu_next / (1 - mu_product_next) * exp_avg / denom
 * State: step and mu_product (float32 0-dim), exp_avg, exp_avg_sq. */
#include "more_util.h"

static const optim_option nadam_options[] = {
    {"lr", OPTIM_NUM, {2e-3}, NULL},
    {"betas", OPTIM_PAIR, {0.9, 0.999}, NULL},
    {"eps", OPTIM_NUM, {1e-8}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"momentum_decay", OPTIM_NUM, {4e-3}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
};


static int nadam_validate(const ct_optim *o, int g) {
  double md = optim_num(o, g, "momentum_decay");
  if (om_check_adam_family(o, g) ||
      om_check(o, g, 0.0 <= md, "Invalid momentum_decay value", "momentum_decay", 0))
    return -1;
  return 0;
}

typedef struct nadam_args {
  double lr, beta1, beta2, eps, wd, momentum_decay;
} nadam_args;

static int nadam_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const nadam_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_FLOAT32);
  ct_tensor *mu_product = om_state_scalar(o, p, "mu_product", 1, CT_FLOAT32);
  ct_tensor *m = om_state_zeros(o, p, "exp_avg"), *v = om_state_zeros(o, p, "exp_avg_sq");
  if (!step_t || !mu_product || !m || !v) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step))
    return -1;
  double bias_correction2 = 1 - pow(a->beta2, step);
  ct_tensor *grad = om_grad(p, false, a->wd);
  double mu = a->beta1 * (1. - 0.5 * pow(0.96, step * a->momentum_decay));
  double mu_next = a->beta1 * (1. - 0.5 * pow(0.96, (step + 1) * a->momentum_decay));
  ct_mul_scalar_(mu_product, mu);
  ct_tensor *mu_product_next = ct_mul_scalar(ct_mul_scalar(mu_product, mu), mu_next);
  om_add_alpha_(ct_mul_scalar_(m, a->beta1), grad, 1 - a->beta1);
  om_addcmul_(ct_mul_scalar_(v, a->beta2), grad, grad, 1 - a->beta2);
  ct_tensor *denom = ct_add_scalar_(ct_sqrt(ct_div_scalar(v, bias_correction2)), a->eps);
  double mp = ct_item(mu_product), mpn = ct_item(mu_product_next);
  om_addcdiv_(p, grad, denom, -a->lr * (1. - mu) / (1. - mp));
  return om_addcdiv_(p, m, denom, -a->lr * mu_next / (1. - mpn)) ? 0 : -1;
}

static int nadam_step(ct_optim *o, int g) {
  nadam_args a = {optim_num(o, g, "lr"),  optim_pair(o, g, "betas", 0),    optim_pair(o, g, "betas", 1),
                  optim_num(o, g, "eps"), optim_num(o, g, "weight_decay"), optim_num(o, g, "momentum_decay")};
  return om_for_each(o, g, nadam_param, &a);
}

const optim_kind optim_kind_nadam = {
    "NAdam", nadam_options, (int)(sizeof nadam_options / sizeof *nadam_options), nadam_validate, nadam_step,
    NULL};

ct_optim *ct_optim_nadam_ex(ct_tensor *const *params, int n, ct_nadam_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_pair(&kw, "betas", o.betas);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_num(&kw, "momentum_decay", o.momentum_decay);
  return ct_optim_create("NAdam", params, n, &kw);
}
