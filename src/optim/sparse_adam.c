/* torch.optim.SparseAdam. Its step only takes sparse gradients; ctorch's gradients are dense,
 * and PyTorch 1.13 refuses a dense one at step() with "SparseAdam does not support dense
 * gradients, please consider Adam instead" before touching anything: ctorch does the same (a
 * step where every .grad is None succeeds and changes nothing, as in PyTorch). The constructor
 * takes 1.13's options and checks (lr > 0 and eps > 0, strictly). */
#include "more_util.h"

static const optim_option sparse_adam_options[] = {
    {"lr", OPTIM_NUM, {1e-3}, NULL},
    {"betas", OPTIM_PAIR, {0.9, 0.999}, NULL},
    {"eps", OPTIM_NUM, {1e-8}, NULL},
    {"maximize", OPTIM_BOOL, {0}, NULL},
};

static int sparse_adam_validate(const ct_optim *o, int g) {
  double lr = optim_num(o, g, "lr"), eps = optim_num(o, g, "eps");
  double b0 = optim_pair(o, g, "betas", 0), b1 = optim_pair(o, g, "betas", 1);
  if (om_check(o, g, 0.0 < lr, "Invalid learning rate", "lr", 0) ||
      om_check(o, g, 0.0 < eps, "Invalid epsilon value", "eps", 0) ||
      om_check(o, g, 0.0 <= b0 && b0 < 1.0, "Invalid beta parameter at index 0", "betas", 0) ||
      om_check(o, g, 0.0 <= b1 && b1 < 1.0, "Invalid beta parameter at index 1", "betas", 1))
    return -1;
  return 0;
}

static int sparse_adam_step(ct_optim *o, int g) {
  int n = ct_optim_group_size(o, g);
  for (int i = 0; i < n; i++)
    if (ct_grad(ct_optim_group_param(o, g, i)))
      return ct__errs("SparseAdam does not support dense gradients, please consider Adam instead");
  return 0;
}

const optim_kind optim_kind_sparse_adam = {
    "SparseAdam", sparse_adam_options, (int)(sizeof sparse_adam_options / sizeof *sparse_adam_options),
    sparse_adam_validate, sparse_adam_step, NULL};

ct_optim *ct_optim_sparse_adam_ex(ct_tensor *const *params, int n, ct_sparse_adam_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  om_kw_pair(&kw, "betas", o.betas);
  om_kw_num(&kw, "eps", o.eps);
  om_kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("SparseAdam", params, n, &kw);
}
