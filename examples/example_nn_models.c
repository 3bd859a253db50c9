/* Seed 004, sections 2.2.5, 3.1 and 3.2: the seed's models as user-defined modules in C.
 * MNISTClassifier, DynamicMLP, MLPWithBN and BasicCNN (example_basic_cnn.h) as the seed writes them; ResNet-18 in
 * torchvision's layout (BasicBlock, downsample = Sequential(conv1x1, bn), kaiming_normal_
 * fan_out init for the convolutions) built by resnet18(), and the seed's own ResNet-18 of 3.2.3
 * (ResidualBlock: convolutions with bias, a `shortcut` branch; default init), whose conv1 + bn1
 * are then folded by nn.utils.fuse_conv_bn_eval. Each model is printed as print(model)
 * prints it, then run on a seeded input; examples/pytorch/example_nn_models.py prints the same
 * lines (the training-mode dropout masks included: they are PyTorch's draws).
 *
 *   class MNISTClassifier(nn.Module):                 class DynamicMLP(nn.Module):
 *       def __init__(self):                               def __init__(self, input_dim, hidden_dims, output_dim=1):
 *           self.features = nn.Sequential(                    for i, h in enumerate(hidden_dims):
 *               nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.3),   layers += [nn.Linear(prev, h), nn.ReLU()]
 *               nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.3),   if i < len(hidden_dims) - 1:
 *               nn.Linear(256, 128), nn.ReLU())                        layers.append(nn.Dropout(0.2))
 *           self.classifier = nn.Linear(128, 10)                  layers.append(nn.Linear(prev, output_dim))
 *       def forward(self, x):                                 self.network = nn.Sequential(*layers)
 *           x = x.view(x.size(0), -1)                     def forward(self, x):
 *           return self.classifier(self.features(x))          if x.dim() > 2: x = x.view(x.size(0), -1)
 *                                                             return self.network(x)                    */
#include <stdio.h>
#include <string.h>

#include "ctorch.h"
#include "example_basic_cnn.h"
#include "example_mnist_classifier.h"

/* print(model); parameter count; y = forward(x); print(y.shape); print(y[0]) */
static void show(ct_module *model, ct_module *forward, ct_tensor *x) {
  ct_module_print(model);
  printf("parameters: %lld\n", (long long)ct_module_num_parameters(model, false));
  ct_tensor *y = ct_forward(forward, x);
  printf("torch.Size([%lld, %lld])\n", (long long)ct_size(y, 0), (long long)ct_size(y, 1));
  ct_print(ct_detach(ct_select(y, 0, 0)));
}

/* ---- DynamicMLP ---------------------------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *network;
} DynamicMLP;

static ct_tensor *dynamic_mlp_forward(ct_module *m, ct_tensor *x) {
  DynamicMLP *self = (DynamicMLP *)m;
  if (ct_dim(x) > 2) x = flatten_batch(x); /* image input */
  return ct_forward(self->network, x);
}

static const ct_module_kind DynamicMLP_kind = {
    .name = "DynamicMLP", .size = sizeof(DynamicMLP), .forward1 = dynamic_mlp_forward};

static ct_module *dynamic_mlp(int64_t input_dim, const int64_t *hidden_dims, int n_hidden, int64_t output_dim) {
  ct_module *m = ct_module_new(&DynamicMLP_kind);
  ct_module *layers = ct_nn_sequential_n(NULL, 0);
  int64_t prev_dim = input_dim;
  for (int i = 0; i < n_hidden; i++) { /* the hidden layers, added one by one */
    ct_module_append(layers, ct_nn_linear(prev_dim, hidden_dims[i]));
    ct_module_append(layers, ct_nn_relu(false));
    if (i < n_hidden - 1) ct_module_append(layers, ct_nn_dropout(0.2, false)); /* not after the last */
    prev_dim = hidden_dims[i];
  }
  ct_module_append(layers, ct_nn_linear(prev_dim, output_dim)); /* the output layer */
  ((DynamicMLP *)m)->network = ct_module_register_module(m, "network", layers);
  return m;
}

/* ---- MLPWithBN (the seed gives it no forward; the example calls model.network) -------------- */
static const ct_module_kind MLPWithBN_kind = {.name = "MLPWithBN", .size = sizeof(DynamicMLP)};

static ct_module *mlp_with_bn(int64_t input_dim, const int64_t *hidden_dims, int n_hidden) {
  ct_module *m = ct_module_new(&MLPWithBN_kind);
  ct_module *layers = ct_nn_sequential_n(NULL, 0);
  int64_t prev_dim = input_dim;
  for (int i = 0; i < n_hidden; i++) { /* layers.extend([Linear, BatchNorm1d, ReLU, Dropout]) */
    ct_module_append(layers, ct_nn_linear(prev_dim, hidden_dims[i]));
    ct_module_append(layers, ct_nn_batch_norm1d(hidden_dims[i]));
    ct_module_append(layers, ct_nn_relu(false));
    ct_module_append(layers, ct_nn_dropout(0.2, false));
    prev_dim = hidden_dims[i];
  }
  ((DynamicMLP *)m)->network = ct_module_register_module(m, "network", layers);
  return m;
}

/* ---- ResNet-18, torchvision's layout ---------------------------------------------------------
 *   class BasicBlock(nn.Module):                       def forward(self, x):
 *       def __init__(self, inplanes, planes, stride=1,     identity = x
 *                    downsample=None):                     out = self.relu(self.bn1(self.conv1(x)))
 *           self.conv1 = conv3x3(inplanes, planes, stride)  out = self.bn2(self.conv2(out))
 *           self.bn1 = nn.BatchNorm2d(planes)               if self.downsample is not None:
 *           self.relu = nn.ReLU(inplace=True)                   identity = self.downsample(x)
 *           self.conv2 = conv3x3(planes, planes)            out += identity
 *           self.bn2 = nn.BatchNorm2d(planes)               return self.relu(out)
 *           self.downsample = downsample                                                        */
typedef struct {
  ct_module base;
  ct_module *conv1, *bn1, *relu, *conv2, *bn2, *downsample;
} BasicBlock;

static ct_tensor *basic_block_forward(ct_module *m, ct_tensor *x) {
  BasicBlock *self = (BasicBlock *)m;
  ct_tensor *identity = x;
  ct_tensor *out = ct_forward(self->relu, ct_forward(self->bn1, ct_forward(self->conv1, x)));
  out = ct_forward(self->bn2, ct_forward(self->conv2, out));
  if (self->downsample) identity = ct_forward(self->downsample, x);
  out = ct_add_(out, identity);
  return ct_forward(self->relu, out);
}

static const ct_module_kind BasicBlock_kind = {
    .name = "BasicBlock", .size = sizeof(BasicBlock), .forward1 = basic_block_forward};

/* conv3x3 / conv1x1 of torchvision: no bias */
static ct_module *conv3x3(int64_t in, int64_t out, int64_t stride) {
  return ct_nn_conv2d(in, out, CT_INTS(3), .stride = CT_INTS(stride), .padding = CT_INTS(1), .bias = false);
}

static ct_module *basic_block(int64_t inplanes, int64_t planes, int64_t stride, ct_module *downsample) {
  ct_module *m = ct_module_new(&BasicBlock_kind);
  BasicBlock *self = (BasicBlock *)m;
  self->conv1 = ct_module_register_module(m, "conv1", conv3x3(inplanes, planes, stride));
  self->bn1 = ct_module_register_module(m, "bn1", ct_nn_batch_norm2d(planes));
  self->relu = ct_module_register_module(m, "relu", ct_nn_relu(true));
  self->conv2 = ct_module_register_module(m, "conv2", conv3x3(planes, planes, 1));
  self->bn2 = ct_module_register_module(m, "bn2", ct_nn_batch_norm2d(planes));
  if (downsample) self->downsample = ct_module_register_module(m, "downsample", downsample);
  return m;
}

typedef struct {
  ct_module base;
  int64_t inplanes;
  ct_module *conv1, *bn1, *relu, *maxpool, *layer[4], *avgpool, *fc;
} ResNet;

static ct_tensor *resnet_forward(ct_module *m, ct_tensor *x) {
  ResNet *self = (ResNet *)m;
  x = ct_forward(self->relu, ct_forward(self->bn1, ct_forward(self->conv1, x)));
  x = ct_forward(self->maxpool, x);
  for (int i = 0; i < 4; i++) x = ct_forward(self->layer[i], x);
  x = ct_flatten(ct_forward(self->avgpool, x), 1, -1);
  return ct_forward(self->fc, x);
}

static const ct_module_kind ResNet_kind = {.name = "ResNet", .size = sizeof(ResNet), .forward1 = resnet_forward};

/* _make_layer: the first block changes the width / stride (downsample = conv1x1 + bn when
 * the shape changes), the others keep it. */
static ct_module *make_layer(ResNet *self, int64_t planes, int blocks, int64_t stride) {
  ct_module *downsample = NULL;
  if (stride != 1 || self->inplanes != planes)
    downsample = ct_nn_sequential(
        ct_nn_conv2d(self->inplanes, planes, CT_INTS(1), .stride = CT_INTS(stride), .bias = false),
        ct_nn_batch_norm2d(planes));
  ct_module *layers = ct_nn_sequential(basic_block(self->inplanes, planes, stride, downsample));
  self->inplanes = planes;
  for (int i = 1; i < blocks; i++) ct_module_append(layers, basic_block(planes, planes, 1, NULL));
  return layers;
}

/* torchvision's init: kaiming_normal_(fan_out, relu) for the convolutions, BN weight 1, bias 0 */
static int resnet_init(ct_module *m, void *user) {
  (void)user;
  const char *kind = ct_module_name(m);
  if (strcmp(kind, "Conv2d") == 0) {
    ct_nn_init_kaiming_normal_(ct_module_get_parameter(m, "weight"), .mode = CT_FAN_OUT,
                               .nonlinearity = CT_NL_RELU);
  } else if (strcmp(kind, "BatchNorm2d") == 0) {
    ct_nn_init_constant_(ct_module_get_parameter(m, "weight"), 1);
    ct_nn_init_constant_(ct_module_get_parameter(m, "bias"), 0);
  }
  return 0;
}

static ct_module *resnet(const int layers[4], int64_t num_classes) {
  static const char *names[4] = {"layer1", "layer2", "layer3", "layer4"};
  ct_module *m = ct_module_new(&ResNet_kind);
  ResNet *self = (ResNet *)m;
  self->inplanes = 64;
  self->conv1 = ct_module_register_module(
      m, "conv1", ct_nn_conv2d(3, 64, CT_INTS(7), .stride = CT_INTS(2), .padding = CT_INTS(3), .bias = false));
  self->bn1 = ct_module_register_module(m, "bn1", ct_nn_batch_norm2d(64));
  self->relu = ct_module_register_module(m, "relu", ct_nn_relu(true));
  self->maxpool = ct_module_register_module(
      m, "maxpool", ct_nn_max_pool2d(CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)));
  for (int i = 0; i < 4; i++)
    self->layer[i] = ct_module_register_module(m, names[i], make_layer(self, 64 << i, layers[i], i ? 2 : 1));
  self->avgpool = ct_module_register_module(m, "avgpool", ct_nn_adaptive_avg_pool2d(CT_INTS(1, 1)));
  self->fc = ct_module_register_module(m, "fc", ct_nn_linear(512, num_classes));
  /* for m in self.modules(): (apply visits children first, modules() the parent first: the
   * draws are the same, only convolutions draw) */
  ct_module_apply(m, resnet_init, NULL);
  return m;
}

static ct_module *resnet18(int64_t num_classes) { return resnet((const int[]){2, 2, 2, 2}, num_classes); }

/* ---- the seed's own ResNet (3.2.3) -------------------------------------------------------------
 *   class ResidualBlock(nn.Module):                         def forward(self, x):
 *       def __init__(self, in_channels, out_channels, stride=1):   identity = self.shortcut(x)
 *           self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1)
 *           self.bn1 = nn.BatchNorm2d(out_channels)                 out = F.relu(self.bn1(self.conv1(x)))
 *           self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1)
 *           self.bn2 = nn.BatchNorm2d(out_channels)                 out = self.bn2(self.conv2(out))
 *           self.shortcut = nn.Sequential()                         out += identity
 *           if stride != 1 or in_channels != out_channels:          return F.relu(out)
 *               self.shortcut = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride),
 *                                             nn.BatchNorm2d(out_channels))
 * ResNet as above but conv1 = nn.Conv2d(3, 64, 7, 2, 3) (with bias), F.relu instead of a ReLU
 * module, no init loop; _make_layer lets each block build its own shortcut. */
typedef struct {
  ct_module base;
  ct_module *conv1, *bn1, *conv2, *bn2, *shortcut;
} ResidualBlock;

static ct_tensor *residual_block_forward(ct_module *m, ct_tensor *x) {
  ResidualBlock *self = (ResidualBlock *)m;
  ct_tensor *identity = ct_forward(self->shortcut, x);
  ct_tensor *out = ct_relu(ct_forward(self->bn1, ct_forward(self->conv1, x)));
  out = ct_forward(self->bn2, ct_forward(self->conv2, out));
  out = ct_add_(out, identity);
  return ct_relu(out);
}

static const ct_module_kind ResidualBlock_kind = {
    .name = "ResidualBlock", .size = sizeof(ResidualBlock), .forward1 = residual_block_forward};

static ct_module *residual_block(int64_t in, int64_t out, int64_t stride) {
  ct_module *m = ct_module_new(&ResidualBlock_kind);
  ResidualBlock *self = (ResidualBlock *)m;
  self->conv1 = ct_module_register_module(
      m, "conv1", ct_nn_conv2d(in, out, CT_INTS(3), .stride = CT_INTS(stride), .padding = CT_INTS(1)));
  self->bn1 = ct_module_register_module(m, "bn1", ct_nn_batch_norm2d(out));
  self->conv2 = ct_module_register_module(m, "conv2", ct_nn_conv2d(out, out, CT_INTS(3), .padding = CT_INTS(1)));
  self->bn2 = ct_module_register_module(m, "bn2", ct_nn_batch_norm2d(out));
  ct_module *shortcut = stride != 1 || in != out
                            ? ct_nn_sequential(ct_nn_conv2d(in, out, CT_INTS(1), .stride = CT_INTS(stride)),
                                               ct_nn_batch_norm2d(out))
                            : ct_nn_sequential();
  self->shortcut = ct_module_register_module(m, "shortcut", shortcut);
  return m;
}

typedef struct {
  ct_module base;
  int64_t in_channels;
  ct_module *conv1, *bn1, *maxpool, *layer[4], *avgpool, *fc;
} SeedResNet;

static ct_tensor *seed_resnet_forward(ct_module *m, ct_tensor *x) {
  SeedResNet *self = (SeedResNet *)m;
  x = ct_relu(ct_forward(self->bn1, ct_forward(self->conv1, x)));
  x = ct_forward(self->maxpool, x);
  for (int i = 0; i < 4; i++) x = ct_forward(self->layer[i], x);
  x = ct_forward(self->avgpool, x);
  x = ct_view(x, 2, (int64_t[]){ct_size(x, 0), -1});
  return ct_forward(self->fc, x);
}

/* the same class name as torchvision's: Python prints type(m).__name__ */
static const ct_module_kind SeedResNet_kind = {.name = "ResNet", .size = sizeof(SeedResNet),
                                               .forward1 = seed_resnet_forward};

static ct_module *seed_make_layer(SeedResNet *self, int64_t out, int blocks, int64_t stride) {
  ct_module *layers = ct_nn_sequential(residual_block(self->in_channels, out, stride));
  self->in_channels = out;
  for (int i = 1; i < blocks; i++) ct_module_append(layers, residual_block(out, out, 1));
  return layers;
}

static ct_module *seed_resnet18(int64_t num_classes) {
  static const char *names[4] = {"layer1", "layer2", "layer3", "layer4"};
  ct_module *m = ct_module_new(&SeedResNet_kind);
  SeedResNet *self = (SeedResNet *)m;
  self->in_channels = 64;
  self->conv1 = ct_module_register_module(
      m, "conv1", ct_nn_conv2d(3, 64, CT_INTS(7), .stride = CT_INTS(2), .padding = CT_INTS(3)));
  self->bn1 = ct_module_register_module(m, "bn1", ct_nn_batch_norm2d(64));
  self->maxpool = ct_module_register_module(
      m, "maxpool", ct_nn_max_pool2d(CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)));
  for (int i = 0; i < 4; i++) self->layer[i] = ct_module_register_module(m, names[i], seed_make_layer(self, 64 << i, 2, i ? 2 : 1));
  self->avgpool = ct_module_register_module(m, "avgpool", ct_nn_adaptive_avg_pool2d(CT_INTS(1, 1)));
  self->fc = ct_module_register_module(m, "fc", ct_nn_linear(512, num_classes));
  return m;
}

int main(void) {
  ct_set_error_mode(CT_ERRORS_ABORT); /* a script: stop at the first error, as Python would */
  ct_scope_begin();

  ct_manual_seed(0);
  ct_module *model = mnist_classifier();
  show(model, model, ct_randn(CT_SHAPE(4, 1, 28, 28))); /* training mode: dropout masks drawn */

  ct_manual_seed(0);
  ct_module *mlp = dynamic_mlp(784, (const int64_t[]){512, 256, 128, 64}, 4, 10);
  show(mlp, mlp, ct_randn(CT_SHAPE(4, 1, 28, 28)));

  ct_manual_seed(0);
  ct_module *bn = mlp_with_bn(20, (const int64_t[]){64, 32}, 2);
  ct_module *network = ((DynamicMLP *)bn)->network;
  show(bn, network, ct_randn(CT_SHAPE(8, 20)));
  ct_print(ct_slice(ct_module_get_buffer(bn, "network.1.running_mean"), 0, 0, 4, 1));
  ct_module_eval(bn);
  ct_print(ct_detach(ct_select(ct_forward(network, ct_randn(CT_SHAPE(2, 20))), 0, 0)));

  ct_manual_seed(0);
  ct_module *cnn = basic_cnn(3, 10);
  show(cnn, cnn, ct_randn(CT_SHAPE(2, 3, 32, 32)));

  ct_manual_seed(0);
  ct_module *net = resnet18(10);
  ct_module_eval(net);
  CT_NO_GRAD { show(net, net, ct_randn(CT_SHAPE(2, 3, 64, 64))); }
  ct_module_train(net, true);
  ct_tensor *y = ct_forward(net, ct_randn(CT_SHAPE(2, 3, 64, 64)));
  ct_print(ct_detach(ct_select(y, 0, 1)));
  ct_print(ct_slice(ct_module_get_buffer(net, "layer4.0.downsample.1.running_var"), 0, 0, 4, 1));

  ct_manual_seed(0);
  ct_module *seed_net = seed_resnet18(10);
  ct_forward(seed_net, ct_randn(CT_SHAPE(4, 3, 32, 32))); /* one training step's running statistics */
  ct_module_eval(seed_net);
  CT_NO_GRAD {
    show(seed_net, seed_net, ct_randn(CT_SHAPE(2, 3, 64, 64)));
    /* conv1 + bn1 folded into one convolution for inference: the same output */
    ct_tensor *x = ct_randn(CT_SHAPE(1, 3, 16, 16));
    SeedResNet *sr = (SeedResNet *)seed_net;
    ct_module *fused = ct_nn_utils_fuse_conv_bn_eval(sr->conv1, sr->bn1, false);
    ct_module_print(fused);
    bool same = ct_allclose(ct_forward(fused, x), ct_forward(sr->bn1, ct_forward(sr->conv1, x)), 1e-4, 1e-5);
    printf("%s\n", same ? "True" : "False");
    ct_module_free(fused);
  }
  ct_print(ct_slice(ct_module_get_buffer(seed_net, "layer2.0.shortcut.1.running_mean"), 0, 0, 4, 1));

  ct_scope_end();
  ct_module_free(seed_net);
  ct_module_free(model);
  ct_module_free(mlp);
  ct_module_free(bn);
  ct_module_free(cnn);
  ct_module_free(net);
  return 0;
}
