/* torch.optim.Adagrad, 1.13's single-tensor algorithm (_single_tensor_adagrad), dense:
 *   step += 1; g = -grad if maximize; g += weight_decay * p
 *   clr = lr / (1 + (step - 1) * lr_decay)
 *   sum += g * g;  p -= clr * g / (sqrt(sum) + eps)
 * State: step (float32 0-dim), sum (full_like(p, initial_accumulator_value)). PyTorch fills
 * the state of every parameter in the constructor; ctorch creates it at the parameter's first
 * step (the kinds have no constructor hook), which gives the same updates. */
#include "more_util.h"

static const optim_option adagrad_options[] = {
    {"lr", OPTIM_NUM, {1e-2}, NULL},
    {"lr_decay", OPTIM_NUM, {0}, NULL},
    {"weight_decay", OPTIM_NUM, {0}, NULL},
    {"initial_accumulator_value", OPTIM_NUM, {0}, NULL},
    {"eps", OPTIM_NUM, {1e-10}, NULL},
    {"foreach", OPTIM_BOOL, {0}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

static int adagrad_validate(const ct_optim *o, int g) {
  static const om_nonneg checks[] = {
      {"lr", "Invalid learning rate"},
      {"lr_decay", "Invalid lr_decay value"},
      {"weight_decay", "Invalid weight_decay value"},
      {"initial_accumulator_value", "Invalid initial_accumulator_value value"},
      {"eps", "Invalid epsilon value"},
      {NULL, NULL}};
  return om_check_nonneg(o, g, checks);
}

typedef struct adagrad_args {
  double lr, lr_decay, wd, iav, eps;
  bool maximize;
} adagrad_args;

/* The sparse step (grad coalesced: the update is not linear):
 *   sum += sparse(g.values ** 2);  std = sum.sparse_mask(g).values.sqrt() + eps
 *   p += -clr * sparse(g.values / std)        (weight_decay: PyTorch's error) */
static int adagrad_sparse(ct_tensor *p, ct_tensor *sum, const adagrad_args *a, double clr) {
  ct_tensor *grad = ct_grad(p);
  if (a->maximize) grad = ct_mul_scalar(grad, -1);
  if (a->wd != 0) return ct__errs("weight_decay option is not compatible with sparse gradients");
  grad = ct_coalesce(grad);
  ct_tensor *ind = ct_sparse_indices_raw(grad), *val = ct_sparse_values_raw(grad);
  int nd = ct_dim(p);
  const int64_t *size = ct_shape(p);
  if (!ct_add_(sum, ct_sparse_coo_tensor(ind, ct_mul(val, val), nd, size))) return -1;
  ct_tensor *std = ct_add_scalar_(ct_sqrt(ct_sparse_values_raw(ct_sparse_mask(sum, grad))), a->eps);
  ct_tensor *upd = ct_sparse_coo_tensor(ind, ct_div(val, std), nd, size);
  return om_add_alpha_(p, upd, -clr) ? 0 : -1;
}

static int adagrad_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const adagrad_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_FLOAT32);
  ct_tensor *sum = om_state_full(o, p, "sum", a->iav);
  if (!step_t || !sum) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step))
    return -1;
  if (ct_is_sparse(ct_grad(p))) return adagrad_sparse(p, sum, a, a->lr / (1 + (step - 1) * a->lr_decay));
  ct_tensor *grad = om_grad(p, a->maximize, a->wd);
  double clr = a->lr / (1 + (step - 1) * a->lr_decay);
  om_addcmul_(sum, grad, grad, 1);
  ct_tensor *std = ct_add_scalar_(ct_sqrt(sum), a->eps);
  return om_addcdiv_(p, grad, std, -clr) ? 0 : -1;
}

static int adagrad_step(ct_optim *o, int g) {
  adagrad_args a = {optim_num(o, g, "lr"),
                    optim_num(o, g, "lr_decay"),
                    optim_num(o, g, "weight_decay"),
                    optim_num(o, g, "initial_accumulator_value"),
                    optim_num(o, g, "eps"),
                    optim_bool(o, g, "maximize")};
  return om_for_each(o, g, adagrad_param, &a);
}

const optim_kind optim_kind_adagrad = {
    "Adagrad", adagrad_options, (int)(sizeof adagrad_options / sizeof *adagrad_options),
    adagrad_validate, adagrad_step, NULL};

ct_optim *ct_optim_adagrad_ex(ct_tensor *const *params, int n, ct_adagrad_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_num(&kw, "lr_decay", o.lr_decay);
  om_kw_num(&kw, "weight_decay", o.weight_decay);
  om_kw_num(&kw, "initial_accumulator_value", o.initial_accumulator_value);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("Adagrad", params, n, &kw);
}
