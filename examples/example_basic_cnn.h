/* Seed 004, section 3.2.2: BasicCNN as a user-defined module, shared by example_nn_models.c
 * and example_feature_maps.c (whose hook watches its first convolution, features[0]).
 *
 *   class BasicCNN(nn.Module):
 *       def __init__(self, in_channels=3, num_classes=10):
 *           self.features = nn.Sequential(
 *               nn.Conv2d(in_channels, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32),
 *               nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=2, stride=2),
 *               nn.Conv2d(32, 64, ...), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
 *               nn.Conv2d(64, 128, ...), nn.BatchNorm2d(128), nn.ReLU(inplace=True))
 *           self.classifier = nn.Sequential(nn.Linear(128 * 8 * 8, 256), nn.ReLU(),
 *                                           nn.Dropout(0.5), nn.Linear(256, num_classes))
 *       def forward(self, x):
 *           x = self.features(x)
 *           x = x.view(x.size(0), -1)
 *           return self.classifier(x)                                                        */
#ifndef CTORCH_EXAMPLE_BASIC_CNN_H
#define CTORCH_EXAMPLE_BASIC_CNN_H

#include "ctorch.h"

/* x.view(x.size(0), -1) */
static inline ct_tensor *flatten_batch(ct_tensor *x) { return ct_view(x, CT_SHAPE(ct_size(x, 0), -1)); }

typedef struct {
  ct_module base;
  ct_module *features, *classifier;
} BasicCNN;

static inline ct_tensor *basic_cnn_forward(ct_module *m, ct_tensor *x) {
  BasicCNN *self = (BasicCNN *)m;
  x = ct_forward(self->features, x);
  x = flatten_batch(x);
  return ct_forward(self->classifier, x);
}

static const ct_module_kind BasicCNN_kind = {
    .name = "BasicCNN", .size = sizeof(BasicCNN), .forward1 = basic_cnn_forward};

/* Conv2d(cin, cout, kernel_size=3, padding=1), BatchNorm2d(cout), ReLU(inplace=True) */
#define CONV_BN_RELU(cin, cout) \
  ct_nn_conv2d(cin, cout, CT_INTS(3), .padding = CT_INTS(1)), ct_nn_batch_norm2d(cout), ct_nn_relu(true)

static inline ct_module *basic_cnn(int64_t in_channels, int64_t num_classes) {
  ct_module *m = ct_module_new(&BasicCNN_kind);
  BasicCNN *self = (BasicCNN *)m;
  self->features = ct_module_register_module(
      m, "features",
      ct_nn_sequential(CONV_BN_RELU(in_channels, 32), ct_nn_max_pool2d(CT_INTS(2), .stride = CT_INTS(2)),
                       CONV_BN_RELU(32, 64), ct_nn_max_pool2d(CT_INTS(2), .stride = CT_INTS(2)),
                       CONV_BN_RELU(64, 128)));
  self->classifier = ct_module_register_module(
      m, "classifier",
      ct_nn_sequential(ct_nn_linear(128 * 8 * 8, 256), ct_nn_relu(false), ct_nn_dropout(0.5, false),
                       ct_nn_linear(256, num_classes)));
  return m;
}

#endif
