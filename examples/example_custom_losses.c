/* Seed 004, sections 5.1.2 and 5.1.3: user-defined losses as C modules. FocalLoss (class
 * imbalance: cross entropy scaled by alpha * (1 - pt)^gamma) and MultiTaskLoss (one learnable
 * log-variance per task weighing its loss) as the seed writes them; the seed prints nothing for
 * them, so like its twin examples/pytorch/example_custom_losses.py this runs them on seeded data
 * (MultiTaskLoss through a few Adam steps) and prints the same lines.
 *
 *   class FocalLoss(nn.Module):   # __init__(self, alpha=0.25, gamma=2.0, reduction='mean')
 *       def forward(self, inputs, targets):
 *           ce_loss = F.cross_entropy(inputs, targets, reduction='none')
 *           pt = torch.exp(-ce_loss)
 *           focal_loss = self.alpha * (1 - pt) ** self.gamma * ce_loss
 *           return focal_loss.mean() / .sum() / focal_loss, by self.reduction
 *   class MultiTaskLoss(nn.Module):   # self.log_vars = nn.Parameter(torch.zeros(task_num))
 *       def forward(self, *losses):
 *           total_loss = 0
 *           for i, loss in enumerate(losses):
 *               precision = torch.exp(-self.log_vars[i])
 *               total_loss += precision * loss + self.log_vars[i]
 *           return total_loss */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

/* ---- FocalLoss ---------------------------------------------------------------------------- */
typedef struct {
  ct_module base;
  double alpha, gamma;
  ct_reduction reduction;
} FocalLoss;

/* forward(inputs, targets): two tensors in, the loss out */
static int focal_forward(ct_module *m, const ct_values *in, ct_values *out) {
  FocalLoss *self = (FocalLoss *)m;
  if (ct_values_count_tensors(in) != 2)
    return ct_set_error("forward() takes 2 tensors (inputs, targets)");
  ct_tensor *ce_loss = ct_cross_entropy(ct_values_tensor(in, 0), ct_values_tensor(in, 1),
                                        .reduction = CT_REDUCTION_NONE);
  ct_tensor *pt = ct_exp(ct_neg(ce_loss));
  ct_tensor *weight = ct_mul_scalar(ct_pow_scalar(ct_rsub_scalar(pt, 1), self->gamma), self->alpha);
  ct_tensor *focal_loss = ct_mul(weight, ce_loss);
  ct_tensor *y = self->reduction == CT_REDUCTION_MEAN  ? ct_mean(focal_loss)
                 : self->reduction == CT_REDUCTION_SUM ? ct_sum(focal_loss)
                                                       : focal_loss;
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static const ct_module_kind FocalLoss_kind = {
    .name = "FocalLoss", .size = sizeof(FocalLoss), .forward = focal_forward};

static ct_module *focal_loss(double alpha, double gamma, ct_reduction reduction) {
  ct_module *m = ct_module_new(&FocalLoss_kind);
  check(m != NULL, "FocalLoss()");
  FocalLoss *self = (FocalLoss *)m;
  self->alpha = alpha, self->gamma = gamma, self->reduction = reduction;
  return m;
}

/* ---- MultiTaskLoss ------------------------------------------------------------------------ */
typedef struct {
  ct_module base;
  ct_tensor *log_vars; /* borrowed: the registered parameter */
} MultiTaskLoss;

/* forward(*losses): sum_i exp(-log_vars[i]) * loss_i + log_vars[i] */
static int mtl_forward(ct_module *m, const ct_values *in, ct_values *out) {
  MultiTaskLoss *self = (MultiTaskLoss *)m;
  int n = ct_values_count_tensors(in);
  if (n < 1 || n > ct_size(self->log_vars, 0))
    return ct_set_error("forward() takes 1 to %lld losses, got %d",
                        (long long)ct_size(self->log_vars, 0), n);
  ct_tensor *total_loss = NULL;
  for (int i = 0; i < n; i++) {
    ct_tensor *log_var = ct_select(self->log_vars, 0, i);
    ct_tensor *precision = ct_exp(ct_neg(log_var));
    ct_tensor *term = ct_add(ct_mul(precision, ct_values_tensor(in, i)), log_var);
    total_loss = total_loss ? ct_add(total_loss, term) : term; /* Python's 0 + term is term */
  }
  return total_loss ? ct_values_push(out, ct_v_tensor(total_loss)) : -1;
}

static const ct_module_kind MultiTaskLoss_kind = {
    .name = "MultiTaskLoss", .size = sizeof(MultiTaskLoss), .forward = mtl_forward};

static ct_module *multi_task_loss(int64_t task_num) {
  ct_module *m = ct_module_new(&MultiTaskLoss_kind);
  check(m != NULL, "MultiTaskLoss()");
  MultiTaskLoss *self = (MultiTaskLoss *)m;
  self->log_vars = ct_module_register_parameter(m, "log_vars", ct_zeros(CT_SHAPE(task_num)));
  check(self->log_vars != NULL, "register_parameter");
  return m;
}

/* "%.4f" of each element of a 1-D tensor, comma separated (", ".join("%.4f" % v ...)) */
static void print_4f(const ct_tensor *t) {
  for (int64_t i = 0; i < ct_size(t, 0); i++)
    printf(i ? ", %.4f" : "%.4f", ct_item(ct_select(t, 0, i)));
}

static void focal_demo(void) {
  ct_tensor *logits = ct_randn(CT_SHAPE(8, 5), .requires_grad = true);
  ct_tensor *targets = ct_randint(0, 5, CT_SHAPE(8));
  ct_module *criterion = focal_loss(0.25, 2.0, CT_REDUCTION_MEAN);
  ct_module_print(criterion);
  static const char *const names[] = {"mean", "sum", "none"};
  static const ct_reduction reds[] = {CT_REDUCTION_MEAN, CT_REDUCTION_SUM, CT_REDUCTION_NONE};
  for (int r = 0; r < 3; r++) {
    ct_module *c = focal_loss(0.25, 2.0, reds[r]);
    printf("%s ", names[r]);
    ct_print(ct_forward(c, logits, targets));
    ct_module_free(c);
  }
  ct_tensor *loss = ct_forward(criterion, logits, targets);
  check(ct_backward(loss) == 0, "loss.backward()");
  ct_print(ct_grad(logits));
  /* gamma = 0, alpha = 1: plain cross entropy */
  ct_module *plain = focal_loss(1.0, 0.0, CT_REDUCTION_MEAN);
  printf("%s\n", py_bool(ct_allclose(ct_forward(plain, logits, targets),
                                     ct_cross_entropy(logits, targets), 1e-5, 1e-8)));
  /* the easy examples weigh less: focal / cross entropy per sample */
  ct_module *none = focal_loss(0.25, 2.0, CT_REDUCTION_NONE);
  ct_tensor *ratio = ct_div(ct_forward(none, logits, targets),
                            ct_cross_entropy(logits, targets, .reduction = CT_REDUCTION_NONE));
  ct_print(ct_detach(ratio));
  ct_module_free(none);
  ct_module_free(plain);
  ct_module_free(criterion);
}

/* three tasks on one input: regression (MSE), 3 classes (CE), binary (BCEWithLogits), their
 * losses weighed by MultiTaskLoss, heads and log-variances trained together by Adam */
static void multi_task_demo(void) {
  ct_tensor *x = ct_randn(CT_SHAPE(16, 4)), *y_reg = ct_randn(CT_SHAPE(16, 1));
  ct_tensor *y_cls = ct_randint(0, 3, CT_SHAPE(16));
  ct_tensor *y_bin = ct_to(ct_randint(0, 2, CT_SHAPE(16, 1)), CT_FLOAT32);
  ct_module *heads[3] = {ct_nn_linear(4, 1), ct_nn_linear(4, 3), ct_nn_linear(4, 1)};
  ct_module *mtl = multi_task_loss(3);
  ct_module_print(mtl);
  ct_tensor *params[7];
  int np = 0;
  for (int h = 0; h < 3; h++) {
    params[np++] = ct_module_get_parameter(heads[h], "weight");
    params[np++] = ct_module_get_parameter(heads[h], "bias");
  }
  params[np++] = ct_module_get_parameter(mtl, "log_vars");
  ct_optim *optimizer = ct_optim_adam(params, np, .lr = 0.05);
  check(optimizer != NULL, "Adam");
  for (int step = 0; step < 5; step++) {
    ct_scope_begin();
    ct_optim_zero_grad(optimizer, true);
    ct_tensor *losses[3] = {ct_mse_loss(ct_forward(heads[0], x), y_reg),
                            ct_cross_entropy(ct_forward(heads[1], x), y_cls),
                            ct_binary_cross_entropy_with_logits(ct_forward(heads[2], x), y_bin)};
    ct_tensor *total = ct_forward(mtl, losses[0], losses[1], losses[2]);
    check(ct_backward(total) == 0, "total.backward()");
    if (step == 0) {
      ct_print(total);
      ct_print(ct_grad(params[6])); /* 1 - loss_i at log_vars = 0 */
    }
    check(ct_optim_step(optimizer) == 0, "optimizer.step()");
    printf("step %d: total %.4f, losses %.4f, %.4f, %.4f, log_vars ", step, ct_item(total),
           ct_item(losses[0]), ct_item(losses[1]), ct_item(losses[2]));
    print_4f(params[6]);
    printf("\n");
    ct_scope_end();
  }
  ct_optim_free(optimizer);
  ct_module_free(mtl);
  for (int h = 0; h < 3; h++) ct_module_free(heads[h]);
}

int main(void) {
  ct_scope_begin();
  ct_manual_seed(0);
  focal_demo();
  multi_task_demo();
  ct_scope_end();
  return 0;
}
