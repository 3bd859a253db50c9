/* torch.optim.SparseAdam (1.13's F.sparse_adam). Its step only takes sparse gradients
 * (Embedding(sparse=True)); a dense one in a group raises "SparseAdam does not support dense
 * gradients, please consider Adam instead" before the group is touched. Per parameter, with g
 * the coalesced gradient (negated when maximizing) and m, v dense:
 *   old_m = m.sparse_mask(g).values;  um = (g.values - old_m) * (1 - beta1);  m += sparse(um)
 *   old_v = v.sparse_mask(g).values;  uv = (g.values**2 - old_v) * (1 - beta2);  v += sparse(uv)
 *   p += sparse(-lr * sqrt(1 - beta2**step) / (1 - beta1**step) * (um + old_m) / (sqrt(uv + old_v) + eps))
 * State: step (int64 0-dim, a Python int in PyTorch), exp_avg, exp_avg_sq (zeros_like(p)).
 * The constructor takes 1.13's options and checks (lr > 0 and eps > 0, strictly). */
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

typedef struct sparse_adam_args {
  double lr, beta1, beta2, eps;
  bool maximize;
} sparse_adam_args;

/* The moving average's part at g's entries: (new - old) * (1 - beta), added into avg; old
 * returned in *old. */
static ct_tensor *avg_update(ct_tensor *avg, const ct_tensor *g, const ct_tensor *ind, const ct_tensor *val,
                             double beta, ct_tensor **old) {
  *old = ct_sparse_values_raw(ct_sparse_mask(avg, g));
  ct_tensor *u = ct_mul_scalar(ct_sub(val, *old), 1 - beta);
  return ct_add_(avg, ct_sparse_coo_tensor(ind, u, ct_dim(avg), ct_shape(avg))) ? u : NULL;
}

static int sparse_adam_param(ct_optim *o, ct_tensor *p, const void *ctx) {
  const sparse_adam_args *a = ctx;
  ct_tensor *step_t = om_state_scalar(o, p, "step", 0, CT_INT64);
  ct_tensor *m = om_state_zeros(o, p, "exp_avg"), *v = om_state_zeros(o, p, "exp_avg_sq");
  if (!step_t || !m || !v) return -1;
  double step = om_step_inc(step_t);
  if (isnan(step)) return -1;
  ct_tensor *grad = ct_grad(p);
  grad = ct_coalesce(a->maximize ? ct_mul_scalar(grad, -1) : grad);
  ct_tensor *ind = ct_sparse_indices_raw(grad), *val = ct_sparse_values_raw(grad), *old_m, *old_v;
  ct_tensor *um = avg_update(m, grad, ind, val, a->beta1, &old_m);
  ct_tensor *uv = um ? avg_update(v, grad, ind, ct_mul(val, val), a->beta2, &old_v) : NULL;
  if (!uv) return -1;
  ct_tensor *denom = ct_add_scalar_(ct_sqrt(ct_add(uv, old_v)), a->eps);
  double step_size = a->lr * sqrt(1 - pow(a->beta2, step)) / (1 - pow(a->beta1, step));
  ct_tensor *upd = ct_mul_scalar(ct_div(ct_add(um, old_m), denom), -step_size);
  return ct_add_(p, ct_sparse_coo_tensor(ind, upd, ct_dim(p), ct_shape(p))) ? 0 : -1;
}

static int sparse_adam_step(ct_optim *o, int g) {
  int n = ct_optim_group_size(o, g);
  for (int i = 0; i < n; i++) {
    ct_tensor *gr = ct_grad(ct_optim_group_param(o, g, i));
    if (gr && !ct_is_sparse(gr))
      return ct__errs("SparseAdam does not support dense gradients, please consider Adam instead");
  }
  sparse_adam_args a = {optim_num(o, g, "lr"), optim_pair(o, g, "betas", 0), optim_pair(o, g, "betas", 1),
                        optim_num(o, g, "eps"), optim_bool(o, g, "maximize")};
  return om_for_each(o, g, sparse_adam_param, &a);
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
