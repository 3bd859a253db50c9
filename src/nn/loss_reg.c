/* The regression and binary loss modules: L1Loss, MSELoss, SmoothL1Loss, HuberLoss,
 * SoftMarginLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss,
 * MultiLabelSoftMarginLoss. One struct holds every kind's options; forward calls the function
 * of functional.h. weight / pos_weight are buffers (read at each forward, so a loaded
 * state_dict or ct_module_to applies). */
#include "nn_internal.h"

typedef enum {
  L_L1, L_MSE, L_SMOOTH_L1, L_HUBER, L_SOFT_MARGIN, L_BCE, L_BCE_LOGITS, L_KL_DIV, L_POISSON,
  L_GAUSSIAN, L_MULTILABEL_SOFT_MARGIN
} loss_which;

typedef struct loss_mod {
  ct_module base;
  loss_which which;
  ct_reduction reduction;
  double p;    /* beta, delta, eps */
  bool flag;   /* log_target, log_input */
  bool full;   /* PoissonNLLLoss, GaussianNLLLoss */
} loss_mod;

/* the buffer `name`, NULL when the module has none (PyTorch's None buffer) */
static ct_tensor *buffer_or_null(const ct_module *m, const char *name) {
  int i = nn_find(&m->impl->buffers, name);
  return i < 0 ? NULL : m->impl->buffers.e[i].t;
}

static int loss_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  const loss_mod *l = (const loss_mod *)m;
  int want = l->which == L_GAUSSIAN ? 3 : 2;
  ct_tensor *x = ct_values_tensor(in, 0), *y = ct_values_tensor(in, 1);
  ct_tensor *v = want == 3 ? ct_values_tensor(in, 2) : NULL;
  if (in->n != want || !x || !y || (want == 3 && !v))
    return ct__errs("%s.forward() takes %d tensor arguments but %d values were given",
                    m->kind->name, want, in->n);
  ct_tensor *w = buffer_or_null(m, "weight"), *r = NULL;
  ct_reduction red = l->reduction;
  switch (l->which) {
  case L_L1: r = ct_l1_loss(x, y, .reduction = red); break;
  case L_MSE: r = ct_mse_loss(x, y, .reduction = red); break;
  case L_SMOOTH_L1: r = ct_smooth_l1_loss(x, y, .reduction = red, .beta = l->p); break;
  case L_HUBER: r = ct_huber_loss(x, y, .reduction = red, .delta = l->p); break;
  case L_SOFT_MARGIN: r = ct_soft_margin_loss(x, y, .reduction = red); break;
  case L_BCE: r = ct_binary_cross_entropy(x, y, .weight = w, .reduction = red); break;
  case L_BCE_LOGITS:
    r = ct_binary_cross_entropy_with_logits(x, y, .weight = w, .reduction = red,
                                            .pos_weight = buffer_or_null(m, "pos_weight"));
    break;
  case L_KL_DIV: r = ct_kl_div(x, y, .reduction = red, .log_target = l->flag); break;
  case L_POISSON:
    r = ct_poisson_nll_loss(x, y, .log_input = l->flag, .full = l->full, .eps = l->p,
                            .reduction = red);
    break;
  case L_GAUSSIAN: r = ct_gaussian_nll_loss(x, y, v, .full = l->full, .eps = l->p, .reduction = red); break;
  case L_MULTILABEL_SOFT_MARGIN:
    r = ct_multilabel_soft_margin_loss(x, y, .weight = w, .reduction = red);
    break;
  }
  return r ? ct_values_push(out, ct_v_tensor(r)) : -1;
}

#define LOSS_KIND(var, cls, builder) \
  const ct_module_kind var = {.name = cls, .size = sizeof(loss_mod), .forward = loss_fwd, .build = builder}

/* A new module of kind; weight / pos_weight (may be NULL) registered as buffers. */
static ct_module *loss_new(const ct_module_kind *kind, loss_mod o, const ct_tensor *weight,
                           const ct_tensor *pos_weight) {
  loss_mod *l = (loss_mod *)ct_module_new(kind);
  if (!l) return NULL;
  o.base = l->base;
  *l = o;
  ct_module *m = &l->base;
  if ((weight && !ct_module_register_buffer(m, "weight", (ct_tensor *)weight, true)) ||
      (pos_weight && !ct_module_register_buffer(m, "pos_weight", (ct_tensor *)pos_weight, true))) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* an optional tensor argument (None: NULL) */
static ct_tensor *arg_tensor(nn_args *a, int pos, const char *key) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return NULL;
  if (v->type == CT_V_TENSOR) return v->t;
  if (!a->bad) ct__err("%s(): argument '%s' must be a Tensor or None", a->cls, key);
  a->bad = true;
  return NULL;
}

/* L1Loss / MSELoss / SoftMarginLoss(size_average=None, reduce=None, reduction='mean') */
static ct_module *build_plain(const ct_values *args, const ct_module_kind *kind, loss_which which) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  ct_reduction r = nn_arg_reduction(&a, 0, 1, 2, false);
  if (nn_args_done(&a) != 0) return NULL;
  return loss_new(kind, (loss_mod){.which = which, .reduction = r}, NULL, NULL);
}
static ct_module *build_l1(const ct_values *args) { return build_plain(args, &ct__nn_kind_l1_loss, L_L1); }
static ct_module *build_mse(const ct_values *args) { return build_plain(args, &ct__nn_kind_mse_loss, L_MSE); }
static ct_module *build_soft_margin(const ct_values *args) {
  return build_plain(args, &ct__nn_kind_soft_margin_loss, L_SOFT_MARGIN);
}
/* SmoothL1Loss(size_average=None, reduce=None, reduction='mean', beta=1.0) */
static ct_module *build_smooth_l1(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "SmoothL1Loss");
  ct_reduction r = nn_arg_reduction(&a, 0, 1, 2, false);
  double beta = nn_arg_float(&a, 3, "beta", 1.0);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_smooth_l1_loss(.reduction = r, .beta = beta);
}
/* HuberLoss(reduction='mean', delta=1.0) */
static ct_module *build_huber(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "HuberLoss");
  ct_reduction r = nn_arg_reduction(&a, -1, -1, 0, false);
  double delta = nn_arg_float(&a, 1, "delta", 1.0);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_huber_loss(.reduction = r, .delta = delta);
}
/* BCELoss(weight=None, size_average=None, reduce=None, reduction='mean') */
static ct_module *build_bce(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "BCELoss");
  ct_tensor *w = arg_tensor(&a, 0, "weight");
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_bce_loss(.weight = w, .reduction = r);
}
/* BCEWithLogitsLoss(weight=None, size_average=None, reduce=None, reduction='mean',
 * pos_weight=None) */
static ct_module *build_bce_logits(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "BCEWithLogitsLoss");
  ct_tensor *w = arg_tensor(&a, 0, "weight");
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  ct_tensor *pw = arg_tensor(&a, 4, "pos_weight");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_bce_with_logits_loss(.weight = w, .reduction = r, .pos_weight = pw);
}
/* KLDivLoss(size_average=None, reduce=None, reduction='mean', log_target=False) */
static ct_module *build_kl_div(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "KLDivLoss");
  ct_reduction r = nn_arg_reduction(&a, 0, 1, 2, true);
  bool lt = nn_arg_bool(&a, 3, "log_target", false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_kl_div_loss(.reduction = r, .log_target = lt);
}
/* PoissonNLLLoss(log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
 * reduction='mean') */
static ct_module *build_poisson(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "PoissonNLLLoss");
  bool li = nn_arg_bool(&a, 0, "log_input", true), full = nn_arg_bool(&a, 1, "full", false);
  double eps = nn_arg_float(&a, 3, "eps", 1e-8);
  ct_reduction r = nn_arg_reduction(&a, 2, 4, 5, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_poisson_nll_loss(.log_input = li, .full = full, .eps = eps, .reduction = r);
}
/* GaussianNLLLoss(*, full=False, eps=1e-6, reduction='mean') */
static ct_module *build_gaussian(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "GaussianNLLLoss");
  bool full = nn_arg_bool(&a, -1, "full", false);
  double eps = nn_arg_float(&a, -1, "eps", 1e-6);
  ct_reduction r = nn_arg_reduction(&a, -1, -1, -1, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_gaussian_nll_loss(.full = full, .eps = eps, .reduction = r);
}
/* MultiLabelSoftMarginLoss(weight=None, size_average=None, reduce=None, reduction='mean') */
static ct_module *build_multilabel(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "MultiLabelSoftMarginLoss");
  ct_tensor *w = arg_tensor(&a, 0, "weight");
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_multilabel_soft_margin_loss(.weight = w, .reduction = r);
}

LOSS_KIND(ct__nn_kind_l1_loss, "L1Loss", build_l1);
LOSS_KIND(ct__nn_kind_mse_loss, "MSELoss", build_mse);
LOSS_KIND(ct__nn_kind_smooth_l1_loss, "SmoothL1Loss", build_smooth_l1);
LOSS_KIND(ct__nn_kind_huber_loss, "HuberLoss", build_huber);
LOSS_KIND(ct__nn_kind_soft_margin_loss, "SoftMarginLoss", build_soft_margin);
LOSS_KIND(ct__nn_kind_bce_loss, "BCELoss", build_bce);
LOSS_KIND(ct__nn_kind_bce_with_logits_loss, "BCEWithLogitsLoss", build_bce_logits);
LOSS_KIND(ct__nn_kind_kl_div_loss, "KLDivLoss", build_kl_div);
LOSS_KIND(ct__nn_kind_poisson_nll_loss, "PoissonNLLLoss", build_poisson);
LOSS_KIND(ct__nn_kind_gaussian_nll_loss, "GaussianNLLLoss", build_gaussian);
LOSS_KIND(ct__nn_kind_multilabel_soft_margin_loss, "MultiLabelSoftMarginLoss", build_multilabel);

/* the options a module keeps (the functions check them at each forward, as PyTorch does) */
ct_module *ct_nn_l1_loss_ex(ct_l1_loss_opts o) {
  return loss_new(&ct__nn_kind_l1_loss, (loss_mod){.which = L_L1, .reduction = o.reduction}, NULL, NULL);
}
ct_module *ct_nn_mse_loss_ex(ct_mse_loss_opts o) {
  return loss_new(&ct__nn_kind_mse_loss, (loss_mod){.which = L_MSE, .reduction = o.reduction}, NULL, NULL);
}
ct_module *ct_nn_smooth_l1_loss_ex(ct_smooth_l1_loss_opts o) {
  return loss_new(&ct__nn_kind_smooth_l1_loss,
                  (loss_mod){.which = L_SMOOTH_L1, .reduction = o.reduction, .p = o.beta}, NULL, NULL);
}
ct_module *ct_nn_huber_loss_ex(ct_huber_loss_opts o) {
  return loss_new(&ct__nn_kind_huber_loss,
                  (loss_mod){.which = L_HUBER, .reduction = o.reduction, .p = o.delta}, NULL, NULL);
}
ct_module *ct_nn_soft_margin_loss_ex(ct_soft_margin_loss_opts o) {
  return loss_new(&ct__nn_kind_soft_margin_loss,
                  (loss_mod){.which = L_SOFT_MARGIN, .reduction = o.reduction}, NULL, NULL);
}
ct_module *ct_nn_bce_loss_ex(ct_binary_cross_entropy_opts o) {
  return loss_new(&ct__nn_kind_bce_loss, (loss_mod){.which = L_BCE, .reduction = o.reduction},
                  o.weight, NULL);
}
ct_module *ct_nn_bce_with_logits_loss_ex(ct_binary_cross_entropy_with_logits_opts o) {
  return loss_new(&ct__nn_kind_bce_with_logits_loss,
                  (loss_mod){.which = L_BCE_LOGITS, .reduction = o.reduction}, o.weight, o.pos_weight);
}
ct_module *ct_nn_kl_div_loss_ex(ct_kl_div_opts o) {
  return loss_new(&ct__nn_kind_kl_div_loss,
                  (loss_mod){.which = L_KL_DIV, .reduction = o.reduction, .flag = o.log_target}, NULL, NULL);
}
ct_module *ct_nn_poisson_nll_loss_ex(ct_poisson_nll_loss_opts o) {
  return loss_new(&ct__nn_kind_poisson_nll_loss,
                  (loss_mod){.which = L_POISSON, .reduction = o.reduction, .p = o.eps,
                             .flag = o.log_input, .full = o.full},
                  NULL, NULL);
}
ct_module *ct_nn_gaussian_nll_loss_ex(ct_gaussian_nll_loss_opts o) {
  return loss_new(&ct__nn_kind_gaussian_nll_loss,
                  (loss_mod){.which = L_GAUSSIAN, .reduction = o.reduction, .p = o.eps, .full = o.full},
                  NULL, NULL);
}
ct_module *ct_nn_multilabel_soft_margin_loss_ex(ct_multilabel_soft_margin_loss_opts o) {
  return loss_new(&ct__nn_kind_multilabel_soft_margin_loss,
                  (loss_mod){.which = L_MULTILABEL_SOFT_MARGIN, .reduction = o.reduction}, o.weight, NULL);
}
