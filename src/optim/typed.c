/* The typed constructors: an options struct turned into the class's keywords. */
#include "optim_internal.h"

static void kw_num(ct_values *v, const char *key, double x) { ct_values_push(v, ct_v_kw(key, ct_v_float(x))); }
static void kw_bool(ct_values *v, const char *key, bool b) { ct_values_push(v, ct_v_kw(key, ct_v_bool(b))); }

ct_optim *ct_optim_sgd_ex(ct_tensor *const *params, int n, ct_sgd_opts o) {
  ct_values kw = {0};
  if (!isnan(o.lr)) kw_num(&kw, "lr", o.lr); /* absent: 1.13's "required" error */
  kw_num(&kw, "momentum", o.momentum);
  kw_num(&kw, "dampening", o.dampening);
  kw_num(&kw, "weight_decay", o.weight_decay);
  kw_bool(&kw, "nesterov", o.nesterov);
  kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create("SGD", params, n, &kw);
}

static ct_optim *adam_like(const char *name, ct_tensor *const *params, int n, ct_adam_opts o) {
  ct_values kw = {0};
  kw_num(&kw, "lr", o.lr);
  ct_values_push(&kw, ct_v_kw("betas", ct_v_tuple(2)));
  ct_values_push(&kw, ct_v_float(o.betas[0]));
  ct_values_push(&kw, ct_v_float(o.betas[1]));
  kw_num(&kw, "eps", o.eps);
  kw_num(&kw, "weight_decay", o.weight_decay);
  kw_bool(&kw, "amsgrad", o.amsgrad);
  kw_bool(&kw, "maximize", o.maximize);
  return ct_optim_create(name, params, n, &kw);
}

ct_optim *ct_optim_adam_ex(ct_tensor *const *params, int n, ct_adam_opts o) {
  return adam_like("Adam", params, n, o);
}
ct_optim *ct_optim_adamw_ex(ct_tensor *const *params, int n, ct_adam_opts o) {
  return adam_like("AdamW", params, n, o);
}
