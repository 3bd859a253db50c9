/* torch.optim.SGD: momentum, dampening, nesterov, weight_decay, maximize; 1.13's lr is
 * required. The reference path is _single_tensor_sgd operation for operation in tensor ops;
 * the fused path (fused.c) does the same arithmetic in one pass over each parameter. */
#include "fused.h"
#include "optim_internal.h"

static const optim_option sgd_options[] = {
    {"lr", OPTIM_REQUIRED, {NAN, 0}, NULL},
    {"momentum", OPTIM_NUM, {0, 0}, NULL},
    {"dampening", OPTIM_NUM, {0, 0}, NULL},
    {"weight_decay", OPTIM_NUM, {0, 0}, NULL},
    {"nesterov", OPTIM_BOOL, {0, 0}, NULL},
    {"maximize", OPTIM_BOOL, {0, 0}, NULL},
    {"foreach", OPTIM_NONE_NUM, {0, 0}, NULL},
    {"differentiable", OPTIM_BOOL, {0, 0}, NULL},
};

static int sgd_validate(const ct_optim *o, int g) {
  double lr = optim_num(o, g, "lr");
  if (lr < 0) return optim_invalid(o, g, "Invalid learning rate", "lr", 0);
  if (optim_num(o, g, "momentum") < 0) return optim_invalid(o, g, "Invalid momentum value", "momentum", 0);
  if (optim_num(o, g, "weight_decay") < 0)
    return optim_invalid(o, g, "Invalid weight_decay value", "weight_decay", 0);
  if (optim_bool(o, g, "nesterov") &&
      (optim_num(o, g, "momentum") <= 0 || optim_num(o, g, "dampening") != 0))
    return ct__errs("Nesterov momentum requires a momentum and zero dampening");
  if (optim_bool(o, g, "differentiable"))
    return ct__errs("ctorch: differentiable=True is not supported (steps run under no-grad)");
  return 0;
}

/* d_p = grad (negated when maximizing) + weight_decay * param; buf = momentum * buf +
 * (1 - dampening) * d_p (the first step: buf = d_p); param -= lr * (nesterov ? d_p +
 * momentum * buf : buf). Each line is one PyTorch op, in PyTorch's order. */
static int sgd_reference(ct_optim *o, ct_tensor *p, const ct_tensor *grad, const sgd_hyper *h) {
  /* a sparse grad (Embedding(sparse=True)) takes the same ops on its sparse forms: weight
   * decay raises PyTorch's add(sparse, dense) error, the momentum buffer is sparse */
  const ct_tensor *d_p = !h->maximize ? grad : ct_is_sparse(grad) ? ct_mul_scalar(grad, -1) : ct_neg(grad);
  if (h->weight_decay != 0) d_p = ct_add(d_p, ct_mul_scalar(p, h->weight_decay));
  if (h->momentum != 0) {
    ct_tensor *buf = optim_state_get(o, p, "momentum_buffer");
    if (!buf) {
      buf = ct_clone(d_p);
      if (optim_state_set(o, p, "momentum_buffer", buf) != 0) return -1;
    } else {
      if (!ct_add_(ct_mul_scalar_(buf, h->momentum), ct_mul_scalar(d_p, 1 - h->dampening))) return -1;
    }
    d_p = h->nesterov ? ct_add(d_p, ct_mul_scalar(buf, h->momentum)) : buf;
  }
  return ct_add_(p, ct_mul_scalar(d_p, -h->lr)) ? 0 : -1;
}

static int sgd_step_group(ct_optim *o, int g) {
  sgd_hyper h = {.lr = optim_num(o, g, "lr"),
                 .momentum = optim_num(o, g, "momentum"),
                 .dampening = optim_num(o, g, "dampening"),
                 .weight_decay = optim_num(o, g, "weight_decay"),
                 .nesterov = optim_bool(o, g, "nesterov"),
                 .maximize = optim_bool(o, g, "maximize")};
  int n = ct_optim_group_size(o, g), nf = 0, rc = 0;
  fused_item *items = optim_fused_enabled() && n > 0 ? malloc((size_t)n * sizeof *items) : NULL;
  for (int i = 0; i < n && rc == 0; i++) {
    ct_tensor *p = ct_optim_group_param(o, g, i), *grad = ct_grad(p);
    if (!grad) continue; /* .grad is None: skipped this step */
    rc = items && !ct_is_sparse(grad) ? optim_sgd_prepare(o, p, grad, &h, &items[nf]) : 1;
    if (rc == 0) nf++;
    else if (rc == 1) rc = sgd_reference(o, p, grad, &h); /* the fused path does not apply */
  }
  if (rc == 0) optim_sgd_run(items, nf, &h);
  free(items);
  return rc ? -1 : 0;
}

const optim_kind optim_kind_sgd = {
    .name = "SGD",
    .options = sgd_options,
    .n_options = (int)(sizeof sgd_options / sizeof *sgd_options),
    .validate = sgd_validate,
    .step_group = sgd_step_group,
};
