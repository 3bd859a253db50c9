/* torch.optim.RMSprop, 1.13's single-tensor algorithm (_single_tensor_rmsprop):
 *   g = -grad if maximize; g += weight_decay * p
 *   square_avg = alpha * square_avg + (1 - alpha) * g * g
 *   centered: grad_avg = alpha * grad_avg + (1 - alpha) * g; avg = sqrt(square_avg - grad_avg^2)
 *   else      avg = sqrt(square_avg);            avg += eps
 *   momentum > 0: buf = momentum * buf + g / avg; p -= lr * buf   else p -= lr * g / avg
 * State as 1.13 keeps it: step (a Python int), square_avg, momentum_buffer (momentum > 0),
 * grad_avg (centered). */
#include "more_util.h"

static const optim_option rmsprop_options[] = {
    {"lr", OPTIM_NUM, {1e-2}, NULL},
    {"alpha", OPTIM_NUM, {0.99}, NULL},
    {"eps", OPTIM_NUM, {1e-8}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"momentum", OPTIM_NUM, {0}, NULL},
    {"centered", OPTIM_BOOL, {0}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
    {"differentiable", OPTIM_BOOL, {0}, NULL},
};

static int rmsprop_validate(const ct_optim *o, int g) {
  static const om_nonneg checks[] = {
      {"lr", "Invalid learning rate"},
      {"eps", "Invalid epsilon value"},
      {"momentum", "Invalid momentum value"},
      {"weight_decay", "Invalid weight_decay value"},
      {"alpha", "Invalid alpha value"},
      {NULL, NULL}};
  return om_check_nonneg(o, g, checks);
}

typedef struct rmsprop_args {
  double lr, alpha, eps, wd, momentum;
  bool centered, maximize;
} rmsprop_args;

static int rmsprop_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const rmsprop_args *a = ctx;
  ct_tensor *step = om_state_scalar(o, p, "step", 0, CT_INT64);
  ct_tensor *sq = om_state_zeros(o, p, "square_avg");
  ct_tensor *buf = a->momentum > 0 ? om_state_zeros(o, p, "momentum_buffer") : NULL;
  ct_tensor *gavg = a->centered ? om_state_zeros(o, p, "grad_avg") : NULL;
  if (!step || !sq || (a->momentum > 0 && !buf) || (a->centered && !gavg)) return -1;
  if (isnan(om_step_inc(step))) return -1;
  ct_tensor *grad = om_grad(p, a->maximize, a->wd);
  om_addcmul_(ct_mul_scalar_(sq, a->alpha), grad, grad, 1 - a->alpha);
  ct_tensor *avg;
  if (a->centered) {
    om_add_alpha_(ct_mul_scalar_(gavg, a->alpha), grad, 1 - a->alpha);
    avg = ct_sqrt_(om_addcmul_(ct_clone(sq), gavg, gavg, -1));
  } else {
    avg = ct_sqrt(sq);
  }
  ct_add_scalar_(avg, a->eps);
  ct_tensor *r;
  if (a->momentum > 0)
    r = om_add_alpha_(p, om_addcdiv_(ct_mul_scalar_(buf, a->momentum), grad, avg, 1), -a->lr);
  else
    r = om_addcdiv_(p, grad, avg, -a->lr);
  return r ? 0 : -1;
}

static int rmsprop_step(ct_optim *o, int g) {
  rmsprop_args a = {optim_num(o, g, "lr"),       optim_num(o, g, "alpha"),
                    optim_num(o, g, "eps"),      optim_num(o, g, "weight_decay"),
                    optim_num(o, g, "momentum"), optim_bool(o, g, "centered"),
                    optim_bool(o, g, "maximize")};
  return om_for_each(o, g, rmsprop_param, &a);
}

const optim_kind optim_kind_rmsprop = {
    "RMSprop", rmsprop_options, (int)(sizeof rmsprop_options / sizeof *rmsprop_options),
    rmsprop_validate, rmsprop_step, NULL};

ct_optim *ct_optim_rmsprop_ex(ct_tensor *const *params, int n, ct_rmsprop_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_num(&kw, "alpha", o.alpha);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_num(&kw, "momentum", o.momentum);
  om_kw_bool(&kw, "centered", o.centered);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("RMSprop", params, n, &kw);
}
