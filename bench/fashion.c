/* One epoch of Fashion-MNIST training, as /work/shared/bench/torch_fashion.py does it:
 *   - data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), read with
 *     ct_mnist (float32 (1, 28, 28) in [0, 1], as the script's / 255), the training set
 *     through a DataLoader(batch_size=64, shuffle=True) (the script: randperm + Xtr[b]);
 *   - models: "cnn" = Conv2d(1,32,3,p1) ReLU MaxPool2d(2) Conv2d(32,64,3,p1) ReLU MaxPool2d(2)
 *     Flatten Linear(3136,128) ReLU Dropout(0.25) Linear(128,10); "mlp" = Flatten
 *     Linear(784,512) ReLU Linear(512,512) ReLU Linear(512,10); manual_seed(0) first;
 *   - a step: opt.zero_grad() (1.13: set_to_none=False); F.cross_entropy(model(x), y);
 *     backward; Adam(lr=1e-3).step();
 *   - after each epoch: eval mode, the 10000 test images in one no_grad forward, argmax.
 * Prints the script's line ("cnn epoch 1: train 27.5s  loss 0.3  test acc 88.00%", train time
 * counted from the start as the script does), then "fashion cnn b64 epoch <ms> ms" (the line
 * bench/run.sh pairs with bench/torch_fashion.py's) and the peak resident memory (getrusage).
 * Usage: bench_fashion [cnn|mlp [epochs [threads]]] (the script's arguments; defaults cnn 1 2);
 * with no arguments both models run, one epoch each, each in a child process (own peak RSS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define DATA "/usr/share/datasets/fashion-mnist"

static ct_module *make_model(const char *kind) {
  if (strcmp(kind, "mlp") == 0)
    return ct_nn_sequential(ct_nn_flatten(1, -1), ct_nn_linear(784, 512), ct_nn_relu(false),
                            ct_nn_linear(512, 512), ct_nn_relu(false), ct_nn_linear(512, 10));
  return ct_nn_sequential(ct_nn_conv2d(1, 32, CT_INTS(3), .padding = CT_INTS(1)), ct_nn_relu(false),
                          ct_nn_max_pool2d(CT_INTS(2)),
                          ct_nn_conv2d(32, 64, CT_INTS(3), .padding = CT_INTS(1)), ct_nn_relu(false),
                          ct_nn_max_pool2d(CT_INTS(2)), ct_nn_flatten(1, -1), ct_nn_linear(64 * 7 * 7, 128),
                          ct_nn_relu(false), ct_nn_dropout(0.25, false), ct_nn_linear(128, 10));
}

static double peak_rss_mb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

/* The whole test set as two tensors (one batch of 10000, in order). */
static int load_test(ct_tensor **x, ct_tensor **y) {
  ct_dataset *ds = ct_mnist(DATA, false);
  ct_dataloader *dl = ds ? ct_dataloader_new(ds, .batch_size = ct_dataset_len(ds)) : NULL;
  ct_sample b = {0};
  int rc = dl && ct_dataloader_next(dl, &b) == 1 ? 0 : -1;
  if (rc == 0) {
    *x = ct_keep(b.t[0]);
    *y = ct_keep(b.t[1]);
  }
  ct_dataloader_free(dl);
  ct_dataset_free(ds);
  return rc;
}

static double test_accuracy(ct_module *model, ct_tensor *x, ct_tensor *y) {
  double acc = 0;
  ct_module_eval(model);
  ct_scope_begin();
  CT_NO_GRAD { acc = ct_item(ct_mean(ct_to(ct_eq(ct_argmax(ct_forward(model, x), 1, false), y), CT_FLOAT32))); }
  ct_scope_end();
  return acc;
}

static int run(const char *kind, int epochs) {
  ct_manual_seed(0);
  ct_module *model = make_model(kind);
  bench_params ps = bench_params_of(model);
  ct_optim *opt = ps.v ? ct_optim_adam(ps.v, ps.n, .lr = 1e-3) : NULL;
  ct_dataset *train = ct_mnist(DATA, true);
  ct_dataloader *dl = train ? ct_dataloader_new(train, .batch_size = 64, .shuffle = true) : NULL;
  ct_tensor *xte = NULL, *yte = NULL;
  if (!model || !opt || !dl || load_test(&xte, &yte)) {
    fprintf(stderr, "bench_fashion: %s\n", ct_last_error() ? ct_last_error() : "setup failed");
    return 1;
  }
  double t0 = bench_now(), prev = t0;
  for (int ep = 1; ep <= epochs; ep++) {
    ct_module_train(model, true);
    double last_loss = 0;
    ct_sample b;
    for (;;) {
      ct_scope_begin();
      int more = ct_dataloader_next(dl, &b);
      if (more == 1) {
        ct_optim_zero_grad(opt, false);
        ct_tensor *loss = ct_cross_entropy(ct_forward(model, b.t[0]), b.t[1]);
        ct_backward(loss);
        ct_optim_step(opt);
        last_loss = ct_item(loss);
      }
      ct_scope_end();
      if (more != 1) break;
    }
    double t1 = bench_now();
    double acc = test_accuracy(model, xte, yte);
    printf("%s epoch %d: train %.1fs  loss %.4f  test acc %.2f%%\n", kind, ep, t1 - t0, last_loss, acc * 100);
    printf("fashion %s b64 epoch %d %12.1f ms\n", kind, ep, (t1 - prev) * 1e3);
    fflush(stdout);
    prev = t1; /* the script counts the evaluation into the next epoch's figure too */
  }
  printf("fashion %s peak RSS %.1f MB\n", kind, peak_rss_mb());
  fflush(stdout); /* a child ends in _exit, which flushes nothing */
  ct_release(xte);
  ct_release(yte);
  ct_dataloader_free(dl);
  ct_dataset_free(train);
  ct_optim_free(opt);
  bench_params_free(&ps);
  ct_module_free(model);
  return 0;
}

int main(int argc, char **argv) {
  if (access(DATA, R_OK) != 0) { /* not a failure of ctorch: make bench runs on without it */
    printf("bench_fashion: skipped, no %s (apt-get install dataset-fashion-mnist)\n", DATA);
    return 0;
  }
  int epochs = argc > 2 ? atoi(argv[2]) : 1;
  ct_set_num_threads(argc > 3 ? atoi(argv[3]) : 2);
  if (argc > 1) return run(argv[1], epochs);
  /* both models, each in its own process so each peak RSS is its own, as two script runs */
  int rc = 0;
  const char *kinds[] = {"cnn", "mlp"};
  for (int i = 0; i < 2; i++) {
    pid_t pid = fork();
    if (pid == 0) _exit(run(kinds[i], 1));
    int st = 1;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) rc = 1;
  }
  return rc;
}
