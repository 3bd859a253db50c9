/* Per-op overhead on tiny tensors and elementwise / reduction bandwidth on 4M floats:
 * the C side of ../shared/bench/torch_overhead.py, same sizes, repetitions, thread count
 * (1) and output lines. Each timed call runs inside its own scope, as C user code would
 * write a loop body, so the cost of freeing the results is part of the measurement. */
#include <stdio.h>

#include "bench_util.h"
#include "ctorch.h"

typedef struct {
  ct_tensor *a, *b, *ag, *x, *y, *out;
} bench_ctx;

typedef void (*bench_fn)(bench_ctx *c);

/* torch_overhead.py's t(f, n): 100 warm-up calls, then the mean of n timed calls (s). */
static double timeit(bench_fn f, bench_ctx *c, int n) {
  for (int i = 0; i < 100; i++) f(c);
  double s = bench_now();
  for (int i = 0; i < n; i++) f(c);
  return (bench_now() - s) / n;
}

static void add_tiny(bench_ctx *c) {
  ct_scope_begin();
  ct_add(c->a, c->b);
  ct_scope_end();
}

static void add_tiny_grad(bench_ctx *c) {
  ct_scope_begin();
  ct_add(c->ag, c->b);
  ct_scope_end();
}

/* y = (ag * b).sum(); y.backward() */
static void mul_sum_backward(bench_ctx *c) {
  ct_scope_begin();
  ct_backward(ct_sum(ct_mul(c->ag, c->b)));
  ct_scope_end();
}

/* torch.add(x, y, out=out) has no ctorch form; out += y moves the same bytes (read two
 * 16 MB operands, write one) into a preallocated tensor, so it is the mirror. */
static void add_big_inplace(bench_ctx *c) {
  ct_scope_begin();
  ct_add_(c->out, c->y);
  ct_scope_end();
}

static void add_big_alloc(bench_ctx *c) {
  ct_scope_begin();
  ct_add(c->x, c->y);
  ct_scope_end();
}

static void exp_big(bench_ctx *c) {
  ct_scope_begin();
  ct_exp(c->x);
  ct_scope_end();
}

static void sum_big(bench_ctx *c) {
  ct_scope_begin();
  ct_sum(c->x);
  ct_scope_end();
}

int main(void) {
  ct_set_num_threads(1); /* torch.set_num_threads(1) */
  ct_scope_begin();
  bench_ctx c = {0};
  c.a = ct_ones(CT_SHAPE(4));
  c.b = ct_ones(CT_SHAPE(4));
  c.ag = ct_ones(CT_SHAPE(4), .requires_grad = true);
  const int64_t big[] = {4000000};
  c.x = ct_empty(1, big);
  c.y = ct_empty(1, big);
  c.out = ct_empty(1, big);
  if (!c.a || !c.b || !c.ag || !c.x || !c.y || !c.out) {
    fprintf(stderr, "bench_overhead: setup failed: %s\n", ct_last_error());
    return 1;
  }
  bench_fill_normal(c.x, 1);
  bench_fill_normal(c.y, 2);
  bench_fill_normal(c.out, 3);

  printf("add 4 floats, no grad     %.2f us\n", timeit(add_tiny, &c, 200000) * 1e6);
  printf("add 4 floats, grad on     %.2f us\n", timeit(add_tiny_grad, &c, 100000) * 1e6);
  printf("mul+sum+backward tiny     %.2f us\n", timeit(mul_sum_backward, &c, 20000) * 1e6);
  double dt = timeit(add_big_inplace, &c, 200);
  printf("add 4M floats out=        %.3f ms  %.1f GB/s\n", dt * 1e3, 3 * 4 * 4e6 / dt / 1e9);
  dt = timeit(add_big_alloc, &c, 200);
  printf("add 4M floats alloc       %.3f ms  %.1f GB/s\n", dt * 1e3, 3 * 4 * 4e6 / dt / 1e9);
  dt = timeit(exp_big, &c, 100);
  printf("exp 4M floats             %.3f ms\n", dt * 1e3);
  dt = timeit(sum_big, &c, 200);
  printf("sum 4M floats             %.3f ms  %.1f GB/s\n", dt * 1e3, 4 * 4e6 / dt / 1e9);

  int rc = ct_last_error() ? 1 : 0;
  if (rc) fprintf(stderr, "bench_overhead: %s\n", ct_last_error());
  ct_scope_end();
  return rc;
}
