/* Seed 004, section 2.2.5: MNISTClassifier as a user-defined module, shared by
 * example_nn_models.c (which prints it) and example_mnist_training.c (which trains it).
 *
 *   class MNISTClassifier(nn.Module):
 *       def __init__(self):
 *           self.features = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.3),
 *                                         nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.3),
 *                                         nn.Linear(256, 128), nn.ReLU())
 *           self.classifier = nn.Linear(128, 10)
 *       def forward(self, x):
 *           x = x.view(x.size(0), -1)
 *           return self.classifier(self.features(x)) */
#ifndef CTORCH_EXAMPLE_MNIST_CLASSIFIER_H
#define CTORCH_EXAMPLE_MNIST_CLASSIFIER_H

#include "ctorch.h"
#include "example_basic_cnn.h"

/* ---- MNISTClassifier ----------------------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *features, *classifier;
} MNISTClassifier;

static inline ct_tensor *mnist_forward(ct_module *m, ct_tensor *x) {
  MNISTClassifier *self = (MNISTClassifier *)m;
  x = flatten_batch(x); /* flatten the image */
  x = ct_forward(self->features, x);
  return ct_forward(self->classifier, x);
}

static const ct_module_kind MNISTClassifier_kind = {
    .name = "MNISTClassifier", .size = sizeof(MNISTClassifier), .forward1 = mnist_forward};

static inline ct_module *mnist_classifier(void) {
  ct_module *m = ct_module_new(&MNISTClassifier_kind);
  MNISTClassifier *self = (MNISTClassifier *)m;
  self->features = ct_module_register_module(
      m, "features",
      ct_nn_sequential(ct_nn_linear(784, 512), ct_nn_relu(false), ct_nn_dropout(0.3, false),
                       ct_nn_linear(512, 256), ct_nn_relu(false), ct_nn_dropout(0.3, false),
                       ct_nn_linear(256, 128), ct_nn_relu(false)));
  self->classifier = ct_module_register_module(m, "classifier", ct_nn_linear(128, 10));
  return m;
}

#endif
