/* Seed 004's optimizer-configuration snippets in C: per-layer learning rates with Adam, the
 * warmup LambdaLR, StepLR, MultiStepLR, CosineAnnealingLR, ReduceLROnPlateau, and warmup then
 * cosine decay with SequentialLR; prints what examples/pytorch/example_lr_schedulers.py prints. */
#include <math.h>
#include <string.h>

#include "ctorch.h"
#include "example_common.h"

static ct_tensor *features, *classifier;

/* param_groups = [{'params': features, 'lr': 0.001}, {'params': classifier, 'lr': 0.01}] */
static ct_optim *make_optimizer(void) {
  features = ct_zeros(CT_SHAPE(3), .requires_grad = true);
  classifier = ct_zeros(CT_SHAPE(2), .requires_grad = true);
  ct_optim *o = ct_optim_create("Adam", &features, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.001))));
  ct_optim_add_param_group(o, &classifier, 1, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.01))));
  return o;
}

/* def lr_lambda(step): return float(step) / float(max(1, warmup_steps)) if step < warmup_steps else 1.0 */
static double warmup_lambda(int step, void *user) {
  int warmup_steps = *(const int *)user;
  if (step < warmup_steps) return (double)step / (double)(warmup_steps > 1 ? warmup_steps : 1);
  return 1.0;
}
static int five = 5;

static double plateau_metric(int epoch) { return fmax(1.0 - 0.05 * epoch, 0.3); }

static void run(const char *title, ct_optim *o, ct_lr_scheduler *s, int epochs, int every, bool metric) {
  printf("%s\n", title);
  for (int epoch = 0; epoch < epochs; epoch++) {
    /* train(...); optimizer.step() per batch */
    if (metric) ct_lr_scheduler_step_metric(s, plateau_metric(epoch));
    else ct_lr_scheduler_step(s);
    if (epoch % every == every - 1) {
      char a[32], b[32];
      printf("  epoch %d: [%s, %s]\n", epoch + 1, py_float(ct_optim_get(o, 0, "lr"), a),
             py_float(ct_optim_get(o, 1, "lr"), b));
    }
  }
  ct_lr_scheduler_free(s);
  ct_optim_free(o);
  ct_release(features);
  ct_release(classifier);
}

int main(void) {
  ct_optim *o = make_optimizer();
  run("warmup LambdaLR", o, ct_lr_lambda_lr(o, .lr_lambda = warmup_lambda, .user = &five), 7, 1, false);
  o = make_optimizer();
  run("StepLR(step_size=30, gamma=0.1)", o, ct_lr_step_lr(o, 30, .gamma = 0.1), 100, 10, false);
  o = make_optimizer();
  run("MultiStepLR(milestones=[30, 80], gamma=0.1)", o,
      ct_lr_multi_step_lr(o, 2, ((const int64_t[]){30, 80}), .gamma = 0.1), 100, 10, false);
  o = make_optimizer();
  run("CosineAnnealingLR(T_max=100)", o, ct_lr_cosine_annealing_lr(o, 100), 100, 10, false);
  o = make_optimizer();
  run("ReduceLROnPlateau(mode='min', factor=0.5)", o,
      ct_lr_reduce_lr_on_plateau(o, .mode = CT_PLATEAU_MIN, .factor = 0.5), 60, 5, true);
  o = make_optimizer();
  ct_lr_scheduler *warmup = ct_lr_lambda_lr(o, .lr_lambda = warmup_lambda, .user = &five);
  ct_lr_scheduler *decay = ct_lr_cosine_annealing_lr(o, 20);
  run("SequentialLR(warmup, cosine, milestones=[5])", o,
      ct_lr_sequential_lr(o, (ct_lr_scheduler *[]){warmup, decay}, 2, (const int64_t[]){5}, 1), 25, 1, false);
  return 0;
}
