/* Seed 000's tour of torch.nn layers (the non-recurrent ones, Unfold/Fold included; the recurrent and
 * attention layers and the losses come later): each snippet's printed results, seeded with
 * torch.manual_seed(0) at the start, and each layer printed as print(layer) prints it.
 * Prints what examples/pytorch/example_layer_tour.py prints. */
#include <stdio.h>
#include <stdlib.h>

#include "ctorch.h"
#include "example_common.h"

/* print(layer(x).shape) */
static void print_out_shape(ct_module *layer, ct_tensor *x) { print_size(ct_forward(layer, x)); }

/* print(layer); print(layer(x).shape); the layer is freed */
static void tour(ct_module *layer, ct_tensor *x) {
  ct_module_print(layer);
  print_out_shape(layer, x);
  ct_module_free(layer);
}

/* class MyModel(nn.Module): self.fc = nn.Linear(4, 2); forward(x) = self.fc(x) */
typedef struct {
  ct_module base;
  ct_module *fc;
} MyModel;
static ct_tensor *my_model_forward(ct_module *m, ct_tensor *x) { return ct_forward(((MyModel *)m)->fc, x); }
static const ct_module_kind MyModel_kind = {"MyModel", sizeof(MyModel), .forward1 = my_model_forward};

/* class CustomLayer(nn.Module): self.weight = nn.Parameter(torch.randn(dim)); x * self.weight */
typedef struct {
  ct_module base;
  ct_tensor *weight;
} CustomLayer;
static ct_tensor *custom_forward(ct_module *m, ct_tensor *x) { return ct_mul(x, ((CustomLayer *)m)->weight); }
static const ct_module_kind CustomLayer_kind = {"CustomLayer", sizeof(CustomLayer), .forward1 = custom_forward};

/* MultiHeadWeights: self.weights = nn.ParameterList([nn.Parameter(torch.randn(dim, dim)) ...]);
 * GatedLayer: self.params = nn.ParameterDict({'gate': randn(8), 'bias': zeros(8)}). Holders
 * of parameters only, no forward. */
static const ct_module_kind MultiHeadWeights_kind = {.name = "MultiHeadWeights", .size = sizeof(ct_module)};
static const ct_module_kind GatedLayer_kind = {.name = "GatedLayer", .size = sizeof(ct_module)};

static void parameters_tour(void) {
  ct_module *layer = ct_module_new(&CustomLayer_kind);
  ((CustomLayer *)layer)->weight = ct_module_register_parameter(layer, "weight", ct_randn(CT_SHAPE(4)));
  char *s = ct_to_string(((CustomLayer *)layer)->weight);
  printf("[Parameter containing:\n%s]\n", s); /* print(list(layer.parameters())) */
  free(s);
  ct_module_free(layer);

  ct_module *m = ct_module_new(&MultiHeadWeights_kind);
  ct_module *weights = ct_module_register_module(m, "weights", ct_nn_parameter_list_n(NULL, 0));
  for (int i = 0; i < 4; i++) ct_parameter_list_append(weights, ct_randn(CT_SHAPE(8, 8)));
  ct_module_print(m);
  printf("%lld\n", (long long)ct_module_len(weights)); /* len(list(m.parameters())): 4 */
  ct_module_free(m);

  ct_module *g = ct_module_new(&GatedLayer_kind);
  ct_module *params = ct_module_register_module(g, "params", ct_nn_parameter_dict());
  ct_tensor *gate = ct_randn(CT_SHAPE(8)), *bias = ct_zeros(CT_SHAPE(8));
  /* ParameterDict(dict) inserts a plain dict's items sorted by key (1.13's update()) */
  ct_parameter_dict_set(params, "bias", bias);
  ct_parameter_dict_set(params, "gate", gate);
  ct_module_print(g);
  print_size(ct_parameter_dict_get(params, "gate")); /* torch.Size([8]) */
  ct_module_free(g);
}

/* nn.Unfold: sliding 3x3 windows as columns (im2col); nn.Fold: the inverse, summing the overlaps */
static void fold_tour(void) {
  ct_module *unfold = ct_nn_unfold(CT_INTS(3), .stride = CT_INTS(1), .padding = CT_INTS(1));
  ct_tensor *x = ct_randn(CT_SHAPE(1, 3, 8, 8));
  ct_tensor *out = ct_forward(unfold, x);
  ct_module_print(unfold);
  print_size(out); /* torch.Size([1, 27, 64]) */
  ct_module *fold = ct_nn_fold(CT_INTS(8, 8), CT_INTS(3), .stride = CT_INTS(1), .padding = CT_INTS(1));
  ct_tensor *restored = ct_forward(fold, out);
  ct_module_print(fold);
  print_size(restored); /* torch.Size([1, 3, 8, 8]) */
  ct_print(ct_slice(ct_select(ct_select(ct_select(restored, 0, 0), 0, 0), 0, 0), 0, 0, 4, 1));
  /* each pixel comes back times the number of windows covering it */
  ct_tensor *count = ct_forward(fold, ct_forward(unfold, ct_ones_like(x)));
  printf("%s\n", py_bool(ct_allclose(restored, ct_mul(x, count), 1e-5, 1e-8)));
  ct_module_free(unfold);
  ct_module_free(fold);
}

static void containers_tour(void) {
  ct_module *model = ct_nn_sequential(ct_nn_linear(16, 64), ct_nn_relu(false), ct_nn_dropout(0.2, false),
                                      ct_nn_linear(64, 10));
  tour(model, ct_randn(CT_SHAPE(4, 16))); /* torch.Size([4, 10]) */

  ct_module *layers = ct_nn_module_list(ct_nn_linear(8, 8), ct_nn_linear(8, 8), ct_nn_linear(8, 8),
                                        ct_nn_linear(8, 8));
  ct_module_print(layers);
  ct_tensor *x = ct_randn(CT_SHAPE(2, 8));
  for (int64_t i = 0; i < ct_module_len(layers); i++) x = ct_forward(ct_module_at(layers, i), x);
  print_size(x); /* torch.Size([2, 8]) */
  ct_module_free(layers);

  ct_module *experts = ct_nn_module_dict();
  ct_module_dict_set(experts, "expert_a", ct_nn_linear(8, 4));
  ct_module_dict_set(experts, "expert_b", ct_nn_linear(8, 4));
  ct_module_print(experts);
  print_out_shape(ct_module_dict_get(experts, "expert_a"), ct_randn(CT_SHAPE(2, 8))); /* [2, 4] */
  ct_module_free(experts);
}

int main(void) {
  ct_set_error_mode(CT_ERRORS_ABORT); /* a script: stop at the first error, as Python would */
  ct_scope_begin();
  ct_manual_seed(0);

  ct_module *model = ct_module_new(&MyModel_kind);
  ((MyModel *)model)->fc = ct_module_register_module(model, "fc", ct_nn_linear(4, 2));
  tour(model, ct_randn(CT_SHAPE(3, 4))); /* torch.Size([3, 2]) */

  ct_module *fc = ct_nn_linear(8, 4);
  print_out_shape(fc, ct_randn(CT_SHAPE(2, 8)));         /* torch.Size([2, 4]) */
  print_size(ct_module_get_parameter(fc, "weight")); /* torch.Size([4, 8]) */
  print_size(ct_module_get_parameter(fc, "bias"));   /* torch.Size([4]) */
  ct_module_free(fc);

  ct_module *emb = ct_nn_embedding(10, 4); /* a learnable lookup table */
  ct_module_print(emb);
  ct_tensor *ids = ct_tensor_from((int64_t[]){0, 3, 7, 3}, CT_INT64, CT_SHAPE(4));
  ct_print(ct_forward(emb, ids));
  print_out_shape(emb, ids);                          /* torch.Size([4, 4]) */
  print_size(ct_module_get_parameter(emb, "weight")); /* torch.Size([10, 4]) */
  ct_module_free(emb);

  ct_module *identity = ct_nn_identity();
  ct_tensor *x = ct_randn(CT_SHAPE(3, 5));
  ct_print(x);
  ct_print(ct_forward(identity, x));
  printf("%s\n", py_bool(ct_equal(ct_forward(identity, x), x))); /* True */
  ct_module_free(identity);

  tour(ct_nn_conv1d(16, 32, CT_INTS(3), .padding = CT_INTS(1)), ct_randn(CT_SHAPE(2, 16, 50)));
  tour(ct_nn_conv2d(3, 64, CT_INTS(3), .padding = CT_INTS(1)), ct_randn(CT_SHAPE(2, 3, 32, 32)));
  tour(ct_nn_conv3d(1, 8, CT_INTS(3), .padding = CT_INTS(1)), ct_randn(CT_SHAPE(1, 1, 8, 16, 16)));
  tour(ct_nn_conv_transpose2d(64, 32, CT_INTS(2), .stride = CT_INTS(2)), ct_randn(CT_SHAPE(2, 64, 16, 16)));

  ct_module *bn1d = ct_nn_batch_norm1d(16), *bn2d = ct_nn_batch_norm2d(64);
  print_out_shape(bn1d, ct_randn(CT_SHAPE(8, 16)));       /* torch.Size([8, 16]) */
  print_out_shape(bn2d, ct_randn(CT_SHAPE(4, 64, 8, 8))); /* torch.Size([4, 64, 8, 8]) */
  ct_module_free(bn1d);
  ct_module_free(bn2d);
  tour(ct_nn_batch_norm3d(8), ct_randn(CT_SHAPE(2, 8, 4, 4, 4)));
  tour(ct_nn_group_norm(4, 16), ct_randn(CT_SHAPE(2, 16, 8, 8)));
  tour(ct_nn_layer_norm(CT_INTS(16)), ct_randn(CT_SHAPE(4, 10, 16)));
  tour(ct_nn_sync_batch_norm(16), ct_randn(CT_SHAPE(4, 16))); /* one process: BatchNorm1d */
  tour(ct_nn_local_response_norm(5), ct_randn(CT_SHAPE(2, 16, 8, 8)));

  ct_module *act[3] = {ct_nn_relu(false), ct_nn_sigmoid(), ct_nn_tanh()};
  x = ct_tensor_from((float[]){-2, -1, 0, 1, 2}, CT_FLOAT32, CT_SHAPE(5));
  for (int i = 0; i < 3; i++) {
    ct_print(ct_forward(act[i], x));
    ct_module_free(act[i]);
  }

  x = ct_randn(CT_SHAPE(2, 64, 32, 32));
  tour(ct_nn_max_pool2d(CT_INTS(2), .stride = CT_INTS(2)), x);
  tour(ct_nn_avg_pool2d(CT_INTS(2), .stride = CT_INTS(2)), x);
  x = ct_randn(CT_SHAPE(2, 64, 13, 13)); /* any input size */
  tour(ct_nn_adaptive_max_pool2d(CT_INTS(4, 4), false), x);
  tour(ct_nn_adaptive_avg_pool2d(CT_INTS(1, 1)), x);

  ct_module *dropout = ct_nn_dropout(0.5, false);
  ct_module_print(dropout);
  ct_print(ct_forward(dropout, ct_ones(CT_SHAPE(2, 10)))); /* about half zeroed, the rest 2 */
  ct_module *dropout2d = ct_nn_dropout2d(0.3, false);
  ct_print(ct_any(ct_eq_scalar(ct_forward(dropout2d, ct_ones(CT_SHAPE(2, 8, 4, 4))), 0))); /* tensor(True) */
  ct_module *dropout3d = ct_nn_dropout3d(0.3, false);
  print_out_shape(dropout3d, ct_ones(CT_SHAPE(2, 8, 4, 4, 4)));
  ct_module_free(dropout);
  ct_module_free(dropout2d);
  ct_module_free(dropout3d);

  parameters_tour();
  fold_tour();
  containers_tour();
  ct_scope_end();
  return 0;
}
