/* torch.optim.ASGD, 1.13's single-tensor algorithm (_single_tensor_asgd):
 *   step += 1; g = -grad if maximize; g += weight_decay * p
 *   p *= 1 - lambd * eta;  p -= eta * g
 *   ax += (p - ax) * mu  when mu != 1, else ax = p
 *   eta = lr / (1 + lambd * lr * step)^alpha;  mu = 1 / max(1, step - t0)
 * State: step, eta, mu (float32 0-dim tensors, so eta and mu are rounded to float32 as in
 * PyTorch), ax. */
#include "more_util.h"

static const optim_option asgd_options[] = {
    {"lr", OPTIM_NUM, {1e-2}, NULL},
    {"lambd", OPTIM_NUM, {1e-4}, NULL},
    {"alpha", OPTIM_NUM, {0.75}, NULL},
    {"t0", OPTIM_NUM, {1e6}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

static int asgd_validate(const ct_optim *o, int g) {
  static const om_nonneg checks[] = {
      {"lr", "Invalid learning rate"}, {"weight_decay", "Invalid weight_decay value"}, {NULL, NULL}};
  return om_check_nonneg(o, g, checks);
}

typedef struct asgd_args {
  double lr, lambd, alpha, t0, wd;
  bool maximize;
} asgd_args;

static int asgd_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const asgd_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_FLOAT32);
  ct_tensor *eta = om_state_scalar(o, p, "eta", a->lr, CT_FLOAT32);
  ct_tensor *mu = om_state_scalar(o, p, "mu", 1, CT_FLOAT32);
  ct_tensor *ax = om_state_zeros(o, p, "ax");
  if (!step_t || !eta || !mu || !ax) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step))
    return -1;
  ct_tensor *grad = om_grad(p, a->maximize, a->wd);
  double eta_v = ct_item(eta);
  ct_mul_scalar_(p, 1 - a->lambd * eta_v);
  om_add_alpha_(p, grad, -eta_v);
  if (ct_item(mu) != 1)
    ct_add_(ax, ct_mul(ct_sub(p, ax), mu));
  else
    ct_copy_(ax, p);
  ct_fill_(eta, a->lr / pow(1 + a->lambd * a->lr * step, a->alpha));
  double m = step - a->t0;
  return ct_fill_(mu, 1 / (m > 1 ? m : 1)) ? 0 : -1;
}

static int asgd_step(ct_optim *o, int g) {
  asgd_args a = {optim_num(o, g, "lr"), optim_num(o, g, "lambd"),        optim_num(o, g, "alpha"),
                 optim_num(o, g, "t0"), optim_num(o, g, "weight_decay"), optim_bool(o, g, "maximize")};
  return om_for_each(o, g, asgd_param, &a);
}

const optim_kind optim_kind_asgd = {
    "ASGD", asgd_options, (int)(sizeof asgd_options / sizeof *asgd_options), asgd_validate, asgd_step, NULL};

ct_optim *ct_optim_asgd_ex(ct_tensor *const *params, int n, ct_asgd_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_num(&kw, "lambd", o.lambd);
  om_kw_num(&kw, "alpha", o.alpha);
  om_kw_num(&kw, "t0", o.t0);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("ASGD", params, n, &kw);
}
