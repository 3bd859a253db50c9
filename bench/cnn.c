/* BasicCNN and ResNet-18 training steps and ResNet-18 inference, as /work/shared/bench/
 * torch_ref.py's "basic-cnn 32x32 b32", "resnet18 64x64 b8 step" and "resnet18 64x64 b8
 * forward":
 *   - a step is  o.zero_grad(); l = F.cross_entropy(model(x), y); l.backward(); o.step()
 *     with torch.optim.SGD(lr=0.01, momentum=0.9): zero_grad zeroes the grads (1.13's
 *     set_to_none=False), the step is SGD's momentum update written by hand under no_grad
 *     (torch.optim is not in C yet): buf = grad the first time, then buf = 0.9 buf + grad;
 *     p -= 0.01 buf. Cross entropy is log_softmax + the target's entry, averaged, negated.
 *   - basic-cnn: BasicCNN (ReLU not in place, as torch_ref.py's), x (32, 3, 32, 32), 10
 *     classes, 2 warm-up steps, the mean of 10; resnet18 step: torch_ref.py's resnet18() (a
 *     Sequential: stem, 8 BasicBlocks, AdaptiveAvgPool2d(1), Flatten, Linear(512, 10)),
 *     x (8, 3, 64, 64), 2 warm-up steps, the mean of 5; resnet18 forward: a second resnet18()
 *     in eval mode under no_grad, 2 warm-up calls, the mean of 10.
 * Usage: bench_cnn [threads [name-prefix ...]] (threads default 2, torch_ref.py's; prefixes
 * select workloads as torch_ref.py's do, e.g. `bench_cnn 2 basic-cnn` for a memory check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static int n_only;
static char **only;
static int selected(const char *name) {
  for (int i = 0; i < n_only; i++)
    if (strncmp(name, only[i], strlen(only[i])) == 0) return 1;
  return n_only == 0;
}

/* ---- models --------------------------------------------------------------------------------- */
typedef struct {
  ct_module base;
  ct_module *features, *classifier;
} BasicCNN;

static ct_tensor *basic_cnn_forward(ct_module *m, ct_tensor *x) {
  BasicCNN *s = (BasicCNN *)m;
  return ct_forward(s->classifier, ct_flatten(ct_forward(s->features, x), 1, -1));
}
static const ct_module_kind BasicCNN_kind = {.name = "BasicCNN", .size = sizeof(BasicCNN),
                                             .forward1 = basic_cnn_forward};

#define CONV_BN_RELU(cin, cout) \
  ct_nn_conv2d(cin, cout, CT_INTS(3), .padding = CT_INTS(1)), ct_nn_batch_norm2d(cout), ct_nn_relu(false)

static ct_module *basic_cnn(void) {
  ct_module *m = ct_module_new(&BasicCNN_kind);
  BasicCNN *s = (BasicCNN *)m;
  s->features = ct_module_register_module(
      m, "features",
      ct_nn_sequential(CONV_BN_RELU(3, 32), ct_nn_max_pool2d(CT_INTS(2), .stride = CT_INTS(2)),
                       CONV_BN_RELU(32, 64), ct_nn_max_pool2d(CT_INTS(2), .stride = CT_INTS(2)),
                       CONV_BN_RELU(64, 128)));
  s->classifier = ct_module_register_module(
      m, "classifier",
      ct_nn_sequential(ct_nn_linear(128 * 8 * 8, 256), ct_nn_relu(false), ct_nn_dropout(0.5, false),
                       ct_nn_linear(256, 10)));
  return m;
}

/* torch_ref.py's Basic: c1, b1, c2, b2, down = Sequential(conv1x1, bn) when the shape changes;
 * relu(b2(c2(relu(b1(c1(x))))) + (down(x) or x)) */
typedef struct {
  ct_module base;
  ct_module *c1, *b1, *c2, *b2, *down;
} Basic;

static ct_tensor *basic_forward(ct_module *m, ct_tensor *x) {
  Basic *s = (Basic *)m;
  ct_tensor *y = ct_relu(ct_forward(s->b1, ct_forward(s->c1, x)));
  y = ct_forward(s->b2, ct_forward(s->c2, y));
  return ct_relu(ct_add(y, s->down ? ct_forward(s->down, x) : x));
}
static const ct_module_kind Basic_kind = {.name = "Basic", .size = sizeof(Basic), .forward1 = basic_forward};

static ct_module *basic(int64_t i, int64_t o, int64_t stride) {
  ct_module *m = ct_module_new(&Basic_kind);
  Basic *s = (Basic *)m;
  s->c1 = ct_module_register_module(
      m, "c1", ct_nn_conv2d(i, o, CT_INTS(3), .stride = CT_INTS(stride), .padding = CT_INTS(1), .bias = false));
  s->b1 = ct_module_register_module(m, "b1", ct_nn_batch_norm2d(o));
  s->c2 = ct_module_register_module(m, "c2", ct_nn_conv2d(o, o, CT_INTS(3), .padding = CT_INTS(1), .bias = false));
  s->b2 = ct_module_register_module(m, "b2", ct_nn_batch_norm2d(o));
  if (stride != 1 || i != o)
    s->down = ct_module_register_module(
        m, "down",
        ct_nn_sequential(ct_nn_conv2d(i, o, CT_INTS(1), .stride = CT_INTS(stride), .bias = false),
                         ct_nn_batch_norm2d(o)));
  return m;
}

static ct_module *resnet18(int64_t classes) {
  ct_module *net = ct_nn_sequential(
      ct_nn_conv2d(3, 64, CT_INTS(7), .stride = CT_INTS(2), .padding = CT_INTS(3), .bias = false),
      ct_nn_batch_norm2d(64), ct_nn_relu(false),
      ct_nn_max_pool2d(CT_INTS(3), .stride = CT_INTS(2), .padding = CT_INTS(1)));
  int64_t i = 64;
  for (int64_t o = 64; o <= 512; o *= 2) {
    ct_module_append(net, basic(i, o, o == 64 ? 1 : 2));
    ct_module_append(net, basic(o, o, 1));
    i = o;
  }
  ct_module_append(net, ct_nn_adaptive_avg_pool2d(CT_INTS(1)));
  ct_module_append(net, ct_nn_flatten(1, -1));
  ct_module_append(net, ct_nn_linear(512, classes));
  return net;
}

/* ---- one SGD step ------------------------------------------------------------------------------ */
typedef struct {
  ct_module *model;
  ct_tensor_map *params; /* named_parameters, in order */
  ct_tensor **buf;       /* momentum buffers, NULL until the first step */
  ct_tensor *x, *y;
} trainer;

/* F.cross_entropy(logits, y): -mean(log_softmax(logits)[i, y[i]]) */
static ct_tensor *cross_entropy(ct_tensor *logits, ct_tensor *y) {
  ct_tensor *picked = ct_gather(ct_log_softmax(logits, 1), 1, ct_unsqueeze(y, 1));
  return ct_neg(ct_mean(picked));
}

/* SGD(lr=0.01, momentum=0.9, dampening=0): buf = g (first step) or 0.9 buf + g; p -= lr buf */
static void sgd_step(trainer *t) {
  CT_NO_GRAD {
    for (int i = 0; i < ct_tensor_map_size(t->params); i++) {
      ct_tensor *p = ct_tensor_map_at(t->params, i), *g = ct_grad(p);
      if (!g) continue;
      if (!t->buf[i]) t->buf[i] = ct_retain(ct_clone(g));
      else ct_add_(ct_mul_scalar_(t->buf[i], 0.9), g);
      ct_sub_(p, ct_mul_scalar(t->buf[i], 0.01));
    }
  }
}

static void train_step(trainer *t) {
  ct_module_zero_grad(t->model, false);
  ct_backward(cross_entropy(ct_forward(t->model, t->x), t->y));
  sgd_step(t);
}

static void bench_training(const char *name, ct_module *model, int64_t n, int64_t c, int64_t hw, int warm,
                           int steps) {
  trainer t = {.model = model, .params = ct_module_named_parameters(model, true)};
  t.buf = calloc((size_t)ct_tensor_map_size(t.params), sizeof *t.buf);
  ct_manual_seed(1);
  t.x = ct_randn(CT_SHAPE(n, c, hw, hw));
  t.y = ct_randint(0, 10, CT_SHAPE(n));
  BENCH(name, warm, steps, train_step(&t));
  for (int i = 0; i < ct_tensor_map_size(t.params); i++) ct_release(t.buf[i]);
  free(t.buf);
  ct_tensor_map_free(t.params);
  ct_release(t.x);
  ct_release(t.y);
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  n_only = argc > 2 ? argc - 2 : 0;
  only = argv + 2;
  ct_set_num_threads(threads);
  ct_manual_seed(0);
  if (selected("basic-cnn 32x32 b32")) {
    ct_module *cnn = basic_cnn();
    bench_training("basic-cnn 32x32 b32", cnn, 32, 3, 32, 2, 10);
    ct_module_free(cnn);
  }
  if (selected("resnet18 64x64 b8 step")) {
    ct_module *net = resnet18(10);
    bench_training("resnet18 64x64 b8 step", net, 8, 3, 64, 2, 5);
    ct_module_free(net);
  }
  if (selected("resnet18 64x64 b8 forward")) {
    ct_module *r18 = resnet18(10);
    ct_module_eval(r18);
    ct_tensor *x64 = ct_randn(CT_SHAPE(8, 3, 64, 64));
    CT_NO_GRAD { BENCH("resnet18 64x64 b8 forward", 2, 10, ct_forward(r18, x64)); }
    ct_release(x64);
    ct_module_free(r18);
  }
  return 0;
}
