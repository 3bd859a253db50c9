/* Shared helpers of the C benchmarks: a monotonic clock, a deterministic normal fill, a
 * module's parameters as the array the optimizers take, and torch_ref.py's training step.
 * Header-only because each bench .c file becomes its own executable. */
#ifndef CTORCH_BENCH_UTIL_H
#define CTORCH_BENCH_UTIL_H
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ctorch.h"

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* BENCH(name, warmup, n, expr): expr (each run in its own scope, so its tensors die) warmup
 * times, then n timed runs; prints "<name> <ms per run> ms", the line bench/run.sh pairs
 * with the PyTorch twin's line of the same name. */
#define BENCH(name, warmup, n, expr)                                       \
  do {                                                                     \
    for (int i_ = 0; i_ < (warmup); i_++) {                                \
      ct_scope_begin();                                                    \
      expr;                                                                \
      ct_scope_end();                                                      \
    }                                                                      \
    double t0_ = bench_now();                                              \
    for (int i_ = 0; i_ < (n); i_++) {                                     \
      ct_scope_begin();                                                    \
      expr;                                                                \
      ct_scope_end();                                                      \
    }                                                                      \
    printf("%-34s %9.3f ms\n", name, (bench_now() - t0_) / (n) * 1e3);   \
  } while (0)

/* Standard normal floats (Box-Muller over a 64-bit LCG): the benchmarks need randn-like
 * values (exp of them stays finite) but not PyTorch's exact stream, and this keeps them
 * independent of the RNG module. */
static inline void bench_fill_normal(ct_tensor *t, uint64_t seed) {
  float *p = ct_data_ptr(t);
  int64_t n = ct_numel(t);
  uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (int64_t i = 0; i < n; i += 2) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u1 = ((double)(s >> 11) + 1.0) / 9007199254740993.0;
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double u2 = (double)(s >> 11) / 9007199254740992.0;
    double r = sqrt(-2.0 * log(u1));
    p[i] = (float)(r * cos(6.283185307179586 * u2));
    if (i + 1 < n) p[i + 1] = (float)(r * sin(6.283185307179586 * u2));
  }
}
/* m.parameters() as the array an optimizer constructor takes (Adam(m.parameters())): n
 * tensors borrowed from map. Free with bench_params_free after the optimizer. */
typedef struct {
  ct_tensor_map *map;
  ct_tensor **v;
  int n;
} bench_params;

static inline bench_params bench_params_of(ct_module *m) {
  bench_params p = {m ? ct_module_named_parameters(m, true) : NULL, NULL, 0};
  p.n = p.map ? ct_tensor_map_size(p.map) : 0;
  p.v = malloc(sizeof *p.v * (size_t)(p.n + 1));
  for (int i = 0; p.v && i < p.n; i++) p.v[i] = ct_tensor_map_at(p.map, i);
  return p;
}

static inline void bench_params_free(bench_params *p) {
  free(p->v);
  ct_tensor_map_free(p->map);
}

/* torch_ref.py's training workloads: torch.optim.Adam(m.parameters(), lr); a step is
 * o.zero_grad(); loss(m(x), y).backward(); o.step() (zero_grad zeroes: 1.13's
 * set_to_none=False); 2 warm-up steps, then BENCH's line for the mean of 10. Frees m and
 * releases x and y. 0, or 1 with the error printed. */
typedef ct_tensor *(*bench_loss_fn)(const ct_tensor *out, const ct_tensor *y);
static inline int bench_train_adam(const char *name, ct_module *m, ct_tensor *x, ct_tensor *y,
                                   double lr, bench_loss_fn loss) {
  bench_params ps = bench_params_of(m);
  ct_optim *o = m && ps.v ? ct_optim_adam(ps.v, ps.n, .lr = lr) : NULL;
  if (!o || !x || !y) {
    fprintf(stderr, "setup failed: %s\n", ct_last_error());
    return 1;
  }
  BENCH(name, 2, 10, {
    ct_optim_zero_grad(o, false);
    if (ct_backward(loss(ct_forward(m, x), y)) != 0 || ct_optim_step(o) != 0) {
      fprintf(stderr, "step failed: %s\n", ct_last_error());
      return 1;
    }
  });
  ct_optim_free(o);
  bench_params_free(&ps);
  ct_release(x);
  ct_release(y);
  ct_module_free(m);
  return 0;
}

#endif
