/* Seed 004, section 2.2: the MNIST classifier trained for real, with the DataLoader, an
 * evaluation pass and checkpoints (state_dict saved, then loaded into a new model), on a small
 * Fashion-MNIST subset from /usr/share/datasets/fashion-mnist so it runs in seconds.
 *
 *   model = MNISTClassifier(); initialize_weights(model)
 *   train_loader = DataLoader(Subset(train_set, range(2000)), batch_size=64, shuffle=True)
 *   test_loader = DataLoader(Subset(test_set, range(1000)), batch_size=256)
 *   optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
 *   criterion = nn.CrossEntropyLoss()
 *   def train(epoch):                               def evaluate(model):
 *       model.train()                                   model.eval(); correct = 0
 *       for images, labels in train_loader:             with torch.no_grad():
 *           optimizer.zero_grad()                           for images, labels in test_loader:
 *           loss = criterion(model(images), labels)             pred = model(images).argmax(1)
 *           loss.backward()                                     correct += (pred == labels).sum()
 *           optimizer.step()                            return correct / len(test_loader.dataset)
 *   for epoch in range(3): train(epoch); print(evaluate(model))
 *   torch.save(model.state_dict(), 'params.pth')
 *   new_model = MNISTClassifier(); new_model.load_state_dict(torch.load('params.pth'))
 *
 * Usage: example_mnist_training [DATA_DIR] (default /usr/share/datasets/fashion-mnist); exits
 * 77 (skipped) when the dataset is not there. No PyTorch twin: the losses of a real training
 * run are not bit-comparable across libraries (tests/cli/ checks learning instead). */
#include <stdio.h>

#include "ctorch.h"
#include "example_mnist_classifier.h"

/* initialize_weights: kaiming_normal_(fan_in, relu) on every Linear weight, zeros on its bias */
static void initialize_weights(ct_module *model) {
  ct_tensor_map *params = ct_module_named_parameters(model, true);
  for (int i = 0; i < ct_tensor_map_size(params); i++) {
    ct_tensor *p = ct_tensor_map_at(params, i);
    if (ct_dim(p) == 2) ct_nn_init_kaiming_normal_(p, .mode = CT_FAN_IN, .nonlinearity = CT_NL_RELU);
    else ct_nn_init_zeros_(p);
  }
  ct_tensor_map_free(params);
}

/* The first n samples: Subset(dataset, range(n)). */
static ct_dataset *first(ct_dataset *d, int64_t n) {
  int64_t idx[2000];
  for (int64_t i = 0; i < n; i++) idx[i] = i;
  ct_dataset *s = ct_subset(d, idx, n);
  ct_dataset_free(d);
  return s;
}

/* def train(epoch): one pass over train_loader; the mean loss */
static double train(ct_module *model, ct_dataloader *train_loader, ct_optim *optimizer) {
  ct_module_train(model, true);
  double sum = 0;
  int64_t batches = 0;
  ct_sample b;
  for (;;) {
    ct_scope_begin();
    if (ct_dataloader_next(train_loader, &b) <= 0) {
      ct_scope_end();
      break;
    }
    ct_tensor *images = b.t[0], *labels = b.t[1];
    ct_optim_zero_grad(optimizer, true);
    ct_tensor *loss = ct_cross_entropy(ct_forward(model, images), labels);
    ct_backward(loss);
    ct_optim_step(optimizer);
    sum += ct_item(loss);
    batches++;
    ct_scope_end();
  }
  return sum / (double)batches;
}

/* def evaluate(model): the accuracy over test_loader */
static double evaluate(ct_module *model, ct_dataloader *test_loader) {
  ct_module_train(model, false); /* model.eval() */
  int64_t correct = 0, total = 0;
  ct_sample b;
  CT_NO_GRAD {
    for (;;) {
      ct_scope_begin();
      if (ct_dataloader_next(test_loader, &b) <= 0) {
        ct_scope_end();
        break;
      }
      ct_tensor *pred = ct_argmax(ct_forward(model, b.t[0]), 1, false);
      correct += (int64_t)ct_item(ct_sum(ct_eq(pred, b.t[1])));
      total += ct_size(b.t[1], 0);
      ct_scope_end();
    }
  }
  return (double)correct / (double)total;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
  ct_set_num_threads(2);
  ct_manual_seed(0);
  ct_dataset *train_set = ct_mnist(root, true), *test_set = train_set ? ct_mnist(root, false) : NULL;
  if (!train_set || !test_set) {
    printf("skipped: %s (install dataset-fashion-mnist)\n", ct_last_error());
    return 77;
  }
  train_set = first(train_set, 2000);
  test_set = first(test_set, 1000);
  ct_generator *g = ct_generator_new(0);
  ct_dataloader *train_loader = ct_dataloader_new(train_set, .batch_size = 64, .shuffle = true, .generator = g);
  ct_dataloader *test_loader = ct_dataloader_new(test_set, .batch_size = 256);

  ct_module *model = mnist_classifier();
  initialize_weights(model);
  ct_tensor_map *params = ct_module_named_parameters(model, true);
  ct_tensor *ps[16];
  int n = 0;
  for (int i = 0; i < ct_tensor_map_size(params) && n < 16; i++) ps[n++] = ct_tensor_map_at(params, i);
  ct_optim *optimizer = ct_optim_adam(ps, n, .lr = 1e-3);

  double acc = 0, loss = 0;
  for (int epoch = 0; epoch < 3; epoch++) {
    loss = train(model, train_loader, optimizer);
    acc = evaluate(model, test_loader);
    printf("epoch %d: train loss %.4f, test accuracy %.1f%%\n", epoch + 1, loss, 100 * acc);
  }

  /* torch.save(model.state_dict(), 'params.pth'); new_model.load_state_dict(torch.load(...)) */
  const char *path = "mnist_params.safetensors";
  int rc = ct_module_save(model, path);
  ct_module *new_model = mnist_classifier();
  if (rc == 0) rc = ct_module_load(new_model, path, true);
  double acc2 = rc == 0 ? evaluate(new_model, test_loader) : -1;
  printf("saved %s; the reloaded model's test accuracy: %.1f%%\n", path, 100 * acc2);
  remove(path);

  ct_module_free(new_model);
  ct_optim_free(optimizer);
  ct_tensor_map_free(params);
  ct_module_free(model);
  ct_dataloader_free(train_loader);
  ct_dataloader_free(test_loader);
  ct_generator_free(g);
  ct_dataset_free(train_set);
  ct_dataset_free(test_set);
  /* it learned (well above the 10% of chance) and the checkpoint round-trips exactly */
  return rc == 0 && acc > 0.6 && acc2 == acc ? 0 : 1;
}
