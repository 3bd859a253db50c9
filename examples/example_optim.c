/* Seed 003 (the torch.optim.SGD and torch.optim.Adam training loops) and seed 004 section 5.2
 * (per-layer learning rates with param groups, gradient clipping, AdamW weight decay) in C.
 * The seeds draw their inputs unseeded; here each part seeds the generator first, and
 * examples/pytorch/example_optim.py, the same program in PyTorch, prints the same lines. The
 * seed prints loss.item() in full; float32 sums taken in another order differ from PyTorch's in
 * the last bit, so both print the loss to 4 decimals.
 *
 *   model = nn.Linear(10, 2)
 *   optimizer = optim.SGD(model.parameters(), lr=0.01)
 *   for epoch in range(10):
 *       loss_fn = nn.MSELoss()
 *       input = torch.randn(5, 10)
 *       target = torch.randn(5, 2)
 *       output = model(input)
 *       loss = loss_fn(output, target)
 *       optimizer.zero_grad()
 *       loss.backward()
 *       optimizer.step()
 *       print(f"Epoch {epoch+1}, Loss: {loss.item()}")                                        */
#include <stdio.h>

#include "ctorch.h"
#include "example_common.h"

/* model.parameters(): the parameters in registration order (the map keeps them alive) */
typedef struct {
  ct_tensor_map *map;
  ct_tensor *p[16];
  int n;
} parameters_t;

static parameters_t parameters(const ct_module *m) {
  parameters_t ps = {ct_module_named_parameters(m, true), {0}, 0};
  for (int i = 0; ps.map && i < ct_tensor_map_size(ps.map) && i < 16; i++) ps.p[ps.n++] = ct_tensor_map_at(ps.map, i);
  return ps;
}

/* seed 003's loop, line for line */
static void train(ct_module *model, ct_optim *optimizer) {
  for (int epoch = 0; epoch < 10; epoch++) {
    ct_scope_begin();
    ct_module *loss_fn = ct_nn_mse_loss();
    ct_tensor *input = ct_randn(CT_SHAPE(5, 10));
    ct_tensor *target = ct_randn(CT_SHAPE(5, 2));
    ct_tensor *output = ct_forward(model, input);
    ct_tensor *loss = ct_forward(loss_fn, output, target);
    ct_optim_zero_grad(optimizer, false);
    ct_backward(loss);
    ct_optim_step(optimizer);
    printf("Epoch %d, Loss: %.4f\n", epoch + 1, ct_item(loss));
    ct_module_free(loss_fn);
    ct_scope_end();
  }
}

/* ---- seed 004's model for 5.2: features, then a classifier ---------------------------------- */
typedef struct {
  ct_module base;
  ct_module *features, *classifier;
} Net;

static ct_tensor *net_forward(ct_module *m, ct_tensor *x) {
  Net *self = (Net *)m;
  return ct_forward(self->classifier, ct_forward(self->features, x));
}

static const ct_module_kind Net_kind = {.name = "Net", .size = sizeof(Net), .forward1 = net_forward};

static ct_module *net(void) {
  ct_module *m = ct_module_new(&Net_kind);
  Net *self = (Net *)m;
  self->features = ct_module_register_module(m, "features", ct_nn_sequential(ct_nn_linear(10, 8), ct_nn_relu(false)));
  self->classifier = ct_module_register_module(m, "classifier", ct_nn_linear(8, 2));
  return m;
}

static void sgd_and_adam(void) {
  printf("SGD\n");
  ct_manual_seed(0);
  ct_module *model = ct_nn_linear(10, 2);
  parameters_t ps = parameters(model);
  ct_optim *optimizer = ct_optim_sgd(ps.p, ps.n, .lr = 0.01);
  train(model, optimizer);
  ct_optim_free(optimizer);
  ct_tensor_map_free(ps.map);
  ct_module_free(model);

  printf("Adam\n");
  ct_manual_seed(0);
  model = ct_nn_linear(10, 2);
  ps = parameters(model);
  optimizer = ct_optim_adam(ps.p, ps.n, .lr = 0.001);
  train(model, optimizer);
  ct_optim_free(optimizer);
  ct_tensor_map_free(ps.map);
  ct_module_free(model);
}

/* param_groups = [{'params': model.features.parameters(), 'lr': 0.001},
 *                 {'params': model.classifier.parameters(), 'lr': 0.01}]
 * optimizer = torch.optim.Adam(param_groups) */
static void per_layer_learning_rates(void) {
  printf("param groups\n");
  ct_manual_seed(0);
  ct_module *model = net();
  Net *self = (Net *)model;
  parameters_t features = parameters(self->features), classifier = parameters(self->classifier);
  ct_optim *optimizer = ct_optim_adam(features.p, features.n, .lr = 0.001);
  ct_optim_add_param_group(optimizer, classifier.p, classifier.n, &CT_VALUES(ct_v_kw("lr", ct_v_float(0.01))));
  char a[32], b[32];
  printf("[%s, %s]\n", py_float(ct_optim_get(optimizer, 0, "lr"), a), py_float(ct_optim_get(optimizer, 1, "lr"), b));
  train(model, optimizer);
  ct_optim_free(optimizer);
  ct_tensor_map_free(features.map);
  ct_tensor_map_free(classifier.map);
  ct_module_free(model);
}

/* torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0) between backward and step */
static void gradient_clipping(void) {
  printf("clip_grad_norm_\n");
  ct_manual_seed(0);
  ct_module *model = net();
  parameters_t ps = parameters(model);
  ct_optim *optimizer = ct_optim_sgd(ps.p, ps.n, .lr = 0.1);
  for (int step = 0; step < 3; step++) {
    ct_scope_begin();
    ct_tensor *loss = ct_mean(ct_pow_scalar(ct_mul_scalar(ct_forward(model, ct_randn(CT_SHAPE(5, 10))), 10), 2));
    ct_optim_zero_grad(optimizer, false);
    ct_backward(loss);
    ct_tensor *total_norm = ct_nn_utils_clip_grad_norm_module_(model, 1.0);
    ct_optim_step(optimizer);
    printf("step %d, loss %.4f, grad norm before clipping %.4f\n", step + 1, ct_item(loss), ct_item(total_norm));
    ct_scope_end();
  }
  ct_scope_begin();
  ct_print(ct_nn_utils_clip_grad_norm_(ps.p, ps.n, 1.0)); /* the clipped grads: norm 1 */
  ct_scope_end();
  ct_optim_free(optimizer);
  ct_tensor_map_free(ps.map);
  ct_module_free(model);
}

/* optimizer = torch.optim.AdamW(model.parameters(), lr=0.001, weight_decay=0.01) */
static void adamw_weight_decay(void) {
  printf("AdamW\n");
  ct_manual_seed(0);
  ct_module *model = net();
  parameters_t ps = parameters(model);
  ct_optim *optimizer = ct_optim_adamw(ps.p, ps.n, .lr = 0.001, .weight_decay = 0.01);
  train(model, optimizer);
  char num[32];
  printf("%s\n", py_float(ct_optim_get(optimizer, 0, "weight_decay"), num));
  printf("Parameter containing:\n");
  ct_print(ct_module_get_parameter(model, "classifier.bias"));
  ct_optim_free(optimizer);
  ct_tensor_map_free(ps.map);
  ct_module_free(model);
}

int main(void) {
  ct_scope_begin();
  sgd_and_adam();
  per_layer_learning_rates();
  gradient_clipping();
  adamw_weight_decay();
  ct_scope_end();
  return 0;
}
