/* torch_ref.py's optim workloads, line for line: Adam(lr=1e-3) and SGD(lr=0.01, momentum=0.9)
 * step() over 10M parameters in 100 tensors of 100000 and over 1000 tensors of 16, every .grad
 * set once (randn), 2 warm-up steps then the mean of 20. The fused path is ctorch's default; the
 * "(reference)" lines time the tensor-op path (CT_OPTIM_FUSED=0) and have no PyTorch twin.
 * usage: bench_optim [THREADS]   (torch_ref.py's default: 2) */
#include <stdlib.h>

#include "bench_util.h"

static void run(const char *oname, const char *label, int n, int64_t size, bool reference) {
  ct_tensor **ps = malloc((size_t)n * sizeof *ps);
  for (int i = 0; i < n; i++) {
    ps[i] = ct_requires_grad_(ct_empty(CT_SHAPE(size)), true);
    bench_fill_normal(ps[i], 2 * (uint64_t)i);
    ct_tensor *g = ct_empty(CT_SHAPE(size));
    bench_fill_normal(g, 2 * (uint64_t)i + 1);
    ct_set_grad(ps[i], g);
    ct_release(g);
  }
  ct_optim *o = oname[0] == 'a' ? ct_optim_adam(ps, n, .lr = 1e-3) : ct_optim_sgd(ps, n, .lr = 0.01, .momentum = 0.9);
  if (!o) {
    fprintf(stderr, "bench_optim: %s\n", ct_last_error());
    exit(1);
  }
  if (reference) setenv("CT_OPTIM_FUSED", "0", 1);
  char name[96];
  snprintf(name, sizeof name, "optim-%s %s%s", oname, label, reference ? " (reference)" : "");
  BENCH(name, 2, 20, ct_optim_step(o));
  unsetenv("CT_OPTIM_FUSED");
  ct_optim_free(o);
  for (int i = 0; i < n; i++) ct_release(ps[i]);
  free(ps);
}

int main(int argc, char **argv) {
  ct_set_num_threads(argc > 1 ? atoi(argv[1]) : 2);
  for (int ref = 0; ref < 2; ref++)
    for (int k = 0; k < 2; k++) {
      const char *oname = k ? "sgd-momentum" : "adam";
      run(oname, "10M params in 100 tensors", 100, 100000, ref);
      run(oname, "1000 tiny tensors", 1000, 16, ref);
    }
  return 0;
}
