/* torch.optim.Rprop, 1.13's single-tensor algorithm (_single_tensor_rprop):
 *   g = -grad if maximize
 *   sign = sign(g * prev), then sign>0 -> etaplus, sign<0 -> etaminus, sign==0 -> 1
 *   step_size = clamp(step_size * sign, step_size_min, step_size_max)
 *   g = g where sign != etaminus else 0;  p -= sign(g) * step_size;  prev = g
 * State: step (a Python int), prev (zeros), step_size (full_like(grad, lr)). */
#include "more_util.h"

static const optim_option rprop_options[] = {
    {"lr", OPTIM_NUM, {1e-2}, NULL},
    {"etas", OPTIM_PAIR, {0.5, 1.2}, NULL},
    {"step_sizes", OPTIM_PAIR, {1e-6, 50}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

static int rprop_validate(const ct_optim *o, int g) {
  double lr = optim_num(o, g, "lr"), em = optim_pair(o, g, "etas", 0), ep = optim_pair(o, g, "etas", 1);
  if (om_check(o, g, 0.0 <= lr, "Invalid learning rate", "lr", 0)) return -1;
  if (!(0.0 < em && em < 1.0 && 1.0 < ep)) {
    char a[48], b[48];
    return ct__errs("Invalid eta values: %s, %s", om_repr(em, a, sizeof a), om_repr(ep, b, sizeof b));
  }
  return 0;
}

typedef struct rprop_args {
  double lr, etaminus, etaplus, smin, smax;
  bool maximize;
} rprop_args;

static int rprop_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const rprop_args *a = ctx;
  ct_tensor *step = om_state_scalar(o, p, "step", 0, CT_INT64);
  ct_tensor *prev = om_state_zeros(o, p, "prev");
  ct_tensor *size = om_state_full(o, p, "step_size", a->lr);
  if (!step || !prev || !size || isnan(om_step_inc(step))) return -1;
  ct_tensor *grad = om_grad(p, a->maximize, 0);
  ct_tensor *sign = ct_sign(ct_mul(grad, prev));
  /* the three masks in PyTorch's order, each read after the previous write */
  ct_masked_fill_(sign, ct_gt_scalar(sign, 0), a->etaplus);
  ct_masked_fill_(sign, ct_lt_scalar(sign, 0), a->etaminus);
  ct_masked_fill_(sign, ct_eq_scalar(sign, 0), 1);
  ct_clamp_(ct_mul_(size, sign), a->smin, a->smax);
  grad = ct_masked_fill_(ct_clone(grad), ct_eq_scalar(sign, a->etaminus), 0);
  om_addcmul_(p, ct_sign(grad), size, -1);
  return ct_copy_(prev, grad) ? 0 : -1;
}

static int rprop_step(ct_optim *o, int g) {
  rprop_args a = {optim_num(o, g, "lr"),
                  optim_pair(o, g, "etas", 0),
                  optim_pair(o, g, "etas", 1),
                  optim_pair(o, g, "step_sizes", 0),
                  optim_pair(o, g, "step_sizes", 1),
                  optim_bool(o, g, "maximize")};
  return om_for_each(o, g, rprop_param, &a);
}

const optim_kind optim_kind_rprop = {
    "Rprop", rprop_options, (int)(sizeof rprop_options / sizeof *rprop_options), rprop_validate, rprop_step,
    NULL};

ct_optim *ct_optim_rprop_ex(ct_tensor *const *params, int n, ct_rprop_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_pair(&kw, "etas", o.etas);
  om_kw_pair(&kw, "step_sizes", o.step_sizes);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("Rprop", params, n, &kw);
}
