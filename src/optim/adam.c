/* torch.optim.Adam and AdamW: betas, eps, weight_decay (AdamW's decoupled), amsgrad, maximize.
 * The reference path is 1.13's _single_tensor_adam / _single_tensor_adamw operation for
 * operation (the step counter a float32 0-dim tensor, the bias corrections in double from its
 * value); the fused path (fused.c) does the same arithmetic in one pass. */
#include "fused.h"
#include "optim_internal.h"

#define ADAM_COMMON(wd)                                                                            \
  {"lr", OPTIM_NUM, {1e-3, 0}, NULL}, {"betas", OPTIM_PAIR, {0.9, 0.999}, NULL},                  \
      {"eps", OPTIM_NUM, {1e-8, 0}, NULL}, {"weight_decay", OPTIM_NUM, {wd, 0}, NULL},            \
      {"amsgrad", OPTIM_BOOL, {0, 0}, NULL}
static const optim_option adam_options[] = {
    ADAM_COMMON(0),
    {"maximize", OPTIM_BOOL, {0, 0}, NULL}, /* 1.13's order: param_groups' keys in a .pth */
    {"foreach", OPTIM_NONE_NUM, {0, 0}, NULL},
    {"capturable", OPTIM_BOOL, {0, 0}, NULL},
    {"differentiable", OPTIM_BOOL, {0, 0}, NULL},
    {"fused", OPTIM_BOOL, {0, 0}, NULL},
};
static const optim_option adamw_options[] = {
    ADAM_COMMON(1e-2),
    {"maximize", OPTIM_BOOL, {0, 0}, NULL},
    {"foreach", OPTIM_NONE_NUM, {0, 0}, NULL},
    {"capturable", OPTIM_BOOL, {0, 0}, NULL},
};

static int adam_validate(const ct_optim *o, int g) {
  if (!(optim_num(o, g, "lr") >= 0)) return optim_invalid(o, g, "Invalid learning rate", "lr", 0);
  if (!(optim_num(o, g, "eps") >= 0)) return optim_invalid(o, g, "Invalid epsilon value", "eps", 0);
  for (int i = 0; i < 2; i++) {
    double b = optim_pair(o, g, "betas", i);
    if (!(b >= 0 && b < 1))
      return optim_invalid(o, g, i ? "Invalid beta parameter at index 1" : "Invalid beta parameter at index 0",
                           "betas", i);
  }
  if (!(optim_num(o, g, "weight_decay") >= 0))
    return optim_invalid(o, g, "Invalid weight_decay value", "weight_decay", 0);
  if (optim_bool(o, g, "fused")) /* 1.13: the fused kernel is CUDA's */
    return ct__errs("FusedAdam requires all the params to be CUDA, floating point");
  if (optim_bool(o, g, "capturable"))
    return ct__errs("ctorch: capturable=True (CUDA graph capture) is not supported");
  if (optim_bool(o, g, "differentiable"))
    return ct__errs("ctorch: differentiable=True is not supported (steps run under no-grad)");
  return 0;
}

/* state[p] on the first step: step = tensor(0.), exp_avg = exp_avg_sq = zeros_like(p), and
 * max_exp_avg_sq when amsgrad; the existing state afterwards. */
static int adam_state_of(ct_optim *o, ct_tensor *p, bool amsgrad, adam_state *s) {
  s->step = optim_state_get(o, p, "step");
  if (!s->step) {
    ct_tensor *st = ct_scalar_tensor(0, CT_FLOAT32);
    if (!st || optim_state_set(o, p, "step", st) != 0 ||
        optim_state_set(o, p, "exp_avg", ct_zeros_like(p)) != 0 ||
        optim_state_set(o, p, "exp_avg_sq", ct_zeros_like(p)) != 0 ||
        (amsgrad && optim_state_set(o, p, "max_exp_avg_sq", ct_zeros_like(p)) != 0))
      return -1;
    s->step = st;
  }
  s->exp_avg = optim_state_get(o, p, "exp_avg");
  s->exp_avg_sq = optim_state_get(o, p, "exp_avg_sq");
  s->max_exp_avg_sq = optim_state_get(o, p, "max_exp_avg_sq");
  if (!s->exp_avg || !s->exp_avg_sq || (amsgrad && !s->max_exp_avg_sq))
    return ct__errs("ctorch: Adam state of a parameter lacks exp_avg, exp_avg_sq or max_exp_avg_sq");
  return 0;
}

/* The reference path: each line one op of _single_tensor_adam(w). */
static int adam_reference(ct_tensor *p, const ct_tensor *grad, const adam_state *s, const adam_hyper *h) {
  const ct_tensor *g = h->maximize ? ct_neg(grad) : grad;
  if (!ct_add_scalar_(s->step, 1)) return -1;
  if (h->decoupled) {
    if (!ct_mul_scalar_(p, 1 - h->lr * h->weight_decay)) return -1;
  } else if (h->weight_decay != 0) {
    g = ct_add(g, ct_mul_scalar(p, h->weight_decay));
  }
  if (!ct_add_(ct_mul_scalar_(s->exp_avg, h->beta1), ct_mul_scalar(g, 1 - h->beta1))) return -1;
  if (!ct_add_(ct_mul_scalar_(s->exp_avg_sq, h->beta2), ct_mul(ct_mul_scalar(g, 1 - h->beta2), g)))
    return -1;
  double step = ct_item(s->step);
  double bias_correction1 = 1 - pow(h->beta1, step), bias_correction2 = 1 - pow(h->beta2, step);
  double step_size = h->lr / bias_correction1, bias_correction2_sqrt = sqrt(bias_correction2);
  const ct_tensor *second = s->exp_avg_sq;
  if (h->amsgrad) {
    if (!ct_copy_(s->max_exp_avg_sq, ct_maximum(s->max_exp_avg_sq, s->exp_avg_sq))) return -1;
    second = s->max_exp_avg_sq;
  }
  ct_tensor *denom = ct_add_scalar_(ct_div_scalar(ct_sqrt(second), bias_correction2_sqrt), h->eps);
  return ct_add_(p, ct_div(ct_mul_scalar(s->exp_avg, -step_size), denom)) ? 0 : -1;
}

static int adam_step_group_common(ct_optim *o, int g, bool decoupled) {
  adam_hyper h = {.lr = optim_num(o, g, "lr"),
                  .beta1 = optim_pair(o, g, "betas", 0),
                  .beta2 = optim_pair(o, g, "betas", 1),
                  .eps = optim_num(o, g, "eps"),
                  .weight_decay = optim_num(o, g, "weight_decay"),
                  .amsgrad = optim_bool(o, g, "amsgrad"),
                  .maximize = optim_bool(o, g, "maximize"),
                  .decoupled = decoupled};
  int n = ct_optim_group_size(o, g), nf = 0, rc = 0;
  fused_item *items = optim_fused_enabled() && n > 0 ? malloc((size_t)n * sizeof *items) : NULL;
  for (int i = 0; i < n && rc == 0; i++) {
    ct_tensor *p = ct_optim_group_param(o, g, i), *grad = ct_grad(p);
    if (!grad) continue; /* .grad is None: skipped this step */
    adam_state s;
    if ((rc = adam_state_of(o, p, h.amsgrad, &s)) != 0) break;
    rc = items ? optim_adam_prepare(p, grad, &s, &h, &items[nf]) : 1;
    if (rc == 0) nf++;
    else if (rc == 1) rc = adam_reference(p, grad, &s, &h); /* the fused path does not apply */
  }
  if (rc == 0) optim_adam_run(items, nf, &h);
  free(items);
  return rc ? -1 : 0;
}

static int adam_step_group(ct_optim *o, int g) { return adam_step_group_common(o, g, false); }
static int adamw_step_group(ct_optim *o, int g) { return adam_step_group_common(o, g, true); }

const optim_kind optim_kind_adam = {
    .name = "Adam",
    .options = adam_options,
    .n_options = (int)(sizeof adam_options / sizeof *adam_options),
    .validate = adam_validate,
    .step_group = adam_step_group,
};

const optim_kind optim_kind_adamw = {
    .name = "AdamW",
    .options = adamw_options,
    .n_options = (int)(sizeof adamw_options / sizeof *adamw_options),
    .validate = adam_validate,
    .step_group = adamw_step_group,
};
