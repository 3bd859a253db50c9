/* Seed 004, sections 2.2 and 3.1: user-defined modules in C. BasicNeuralNetwork and
 * ResidualBlock are written as the seed writes them in Python: a struct embedding ct_module,
 * layers registered by name in the constructor, and a forward that reads like the Python one.
 * Prints each model as print(model) does, then runs a forward.
 *
 *   class BasicNeuralNetwork(nn.Module):              class ResidualBlock(nn.Module):
 *       def __init__(self, input_size, hidden_size,       def __init__(self, dim):
 *                    output_size):                            super().__init__()
 *           super().__init__()                                self.linear = nn.Linear(dim, dim)
 *           self.fc1 = nn.Linear(input_size, hidden_size)     self.bn = nn.BatchNorm1d(dim)
 *           self.fc2 = nn.Linear(hidden_size, hidden_size)  def forward(self, x):
 *           self.fc3 = nn.Linear(hidden_size, output_size)    identity = x
 *           self.relu = nn.ReLU()                             out = self.linear(x)
 *       def forward(self, x):                                 out = self.bn(out)
 *           x = self.relu(self.fc1(x))                        out = F.relu(out)
 *           x = self.relu(self.fc2(x))                        out = out + identity
 *           return self.fc3(x)                                return out
 *
 * BatchNorm1d comes with the normalisation layers; until then this example defines the
 * training-mode BatchNorm1d it needs as one more user module (buffers included). */
#include <stdio.h>

#include "ctorch.h"

/* ---- BasicNeuralNetwork --------------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *fc1, *fc2, *fc3, *relu;
} BasicNeuralNetwork;

static ct_tensor *basic_forward(ct_module *m, ct_tensor *x) {
  BasicNeuralNetwork *self = (BasicNeuralNetwork *)m;
  x = ct_forward(self->fc1, x);
  x = ct_forward(self->relu, x);
  x = ct_forward(self->fc2, x);
  x = ct_forward(self->relu, x);
  x = ct_forward(self->fc3, x);
  return x;
}

static const ct_module_kind BasicNeuralNetwork_kind = {
    .name = "BasicNeuralNetwork", .size = sizeof(BasicNeuralNetwork), .forward1 = basic_forward};

static ct_module *basic_neural_network(int64_t input_size, int64_t hidden_size, int64_t output_size) {
  ct_module *m = ct_module_new(&BasicNeuralNetwork_kind);
  if (!m) return NULL;
  BasicNeuralNetwork *self = (BasicNeuralNetwork *)m;
  self->fc1 = ct_module_register_module(m, "fc1", ct_nn_linear(input_size, hidden_size));
  self->fc2 = ct_module_register_module(m, "fc2", ct_nn_linear(hidden_size, hidden_size));
  self->fc3 = ct_module_register_module(m, "fc3", ct_nn_linear(hidden_size, output_size));
  self->relu = ct_module_register_module(m, "relu", ct_nn_relu(false));
  return m;
}

/* ---- BatchNorm1d (training mode with running statistics, eval with them) ----------------- */
typedef struct {
  ct_module base;
  int64_t num_features;
  double eps, momentum;
  ct_tensor *weight, *bias, *running_mean, *running_var, *num_batches_tracked;
} BatchNorm1d;

static ct_tensor *bn_forward(ct_module *m, ct_tensor *x) {
  BatchNorm1d *self = (BatchNorm1d *)m;
  ct_tensor *mean = self->running_mean, *var = self->running_var;
  if (ct_module_is_training(m)) {
    mean = ct_mean(x, .dim = CT_DIMS(0));
    var = ct_var(x, .dim = CT_DIMS(0), .correction = 0);
    CT_NO_GRAD { /* running = (1 - momentum) * running + momentum * batch (unbiased var) */
      double n = (double)ct_size(x, 0);
      ct_tensor *unbiased = ct_mul_scalar(var, n / (n - 1));
      ct_add_(ct_mul_scalar_(self->running_mean, 1 - self->momentum), ct_mul_scalar(mean, self->momentum));
      ct_add_(ct_mul_scalar_(self->running_var, 1 - self->momentum), ct_mul_scalar(unbiased, self->momentum));
      ct_add_scalar_(self->num_batches_tracked, 1);
    }
  }
  ct_tensor *xhat = ct_div(ct_sub(x, mean), ct_sqrt(ct_add_scalar(var, self->eps)));
  return ct_add(ct_mul(xhat, self->weight), self->bias);
}

static void bn_repr(const ct_module *m, char *buf, size_t n) {
  const BatchNorm1d *self = (const BatchNorm1d *)m;
  snprintf(buf, n, "%lld, eps=%g, momentum=%g, affine=True, track_running_stats=True",
           (long long)self->num_features, self->eps, self->momentum);
}

static const ct_module_kind BatchNorm1d_kind = {.name = "BatchNorm1d", .size = sizeof(BatchNorm1d),
                                                .forward1 = bn_forward, .extra_repr = bn_repr};

static ct_module *batch_norm1d(int64_t num_features) {
  ct_module *m = ct_module_new(&BatchNorm1d_kind);
  if (!m) return NULL;
  BatchNorm1d *self = (BatchNorm1d *)m;
  self->num_features = num_features;
  self->eps = 1e-5;
  self->momentum = 0.1;
  ct_scope_begin();
  self->weight = ct_module_register_parameter(m, "weight", ct_ones(CT_SHAPE(num_features)));
  self->bias = ct_module_register_parameter(m, "bias", ct_zeros(CT_SHAPE(num_features)));
  self->running_mean = ct_module_register_buffer(m, "running_mean", ct_zeros(CT_SHAPE(num_features)), true);
  self->running_var = ct_module_register_buffer(m, "running_var", ct_ones(CT_SHAPE(num_features)), true);
  self->num_batches_tracked = ct_module_register_buffer(
      m, "num_batches_tracked", ct_scalar_tensor(0, CT_INT64), true);
  ct_scope_end();
  return m;
}

/* ---- ResidualBlock ---------------------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *linear, *bn;
} ResidualBlock;

static ct_tensor *residual_forward(ct_module *m, ct_tensor *x) {
  ResidualBlock *self = (ResidualBlock *)m;
  ct_tensor *identity = x;
  ct_tensor *out = ct_forward(self->linear, x);
  out = ct_forward(self->bn, out);
  out = ct_relu(out);
  out = ct_add(out, identity); /* the residual connection */
  return out;
}

static const ct_module_kind ResidualBlock_kind = {
    .name = "ResidualBlock", .size = sizeof(ResidualBlock), .forward1 = residual_forward};

static ct_module *residual_block(int64_t dim) {
  ct_module *m = ct_module_new(&ResidualBlock_kind);
  if (!m) return NULL;
  ResidualBlock *self = (ResidualBlock *)m;
  self->linear = ct_module_register_module(m, "linear", ct_nn_linear(dim, dim));
  self->bn = ct_module_register_module(m, "bn", batch_norm1d(dim));
  return m;
}

int main(void) {
  ct_set_error_mode(CT_ERRORS_ABORT); /* a script: stop at the first error, as Python would */
  ct_manual_seed(0);

  /* model = BasicNeuralNetwork(784, 256, 10); print(model) */
  ct_module *model = basic_neural_network(784, 256, 10);
  ct_module_print(model);
  printf("parameters: %lld\n", (long long)ct_module_num_parameters(model, false));

  ct_scope_begin();
  ct_tensor *x = ct_randn(CT_SHAPE(2, 784));
  ct_tensor *y = ct_forward(model, x);
  printf("output shape: [%lld, %lld]\n", (long long)ct_size(y, 0), (long long)ct_size(y, 1));
  ct_scope_end();

  /* torch.manual_seed(0); block = ResidualBlock(8); print(block); y = block(torch.randn(4, 8)) */
  ct_manual_seed(0);
  ct_module *block = residual_block(8);
  ct_module_print(block);
  ct_scope_begin();
  ct_tensor *h = ct_forward(block, ct_randn(CT_SHAPE(4, 8)));
  ct_print(ct_select(h, 0, 0));
  ct_print(ct_module_get_buffer(block, "bn.running_mean"));
  ct_scope_end();

  ct_module_free(model);
  ct_module_free(block);
  return 0;
}
