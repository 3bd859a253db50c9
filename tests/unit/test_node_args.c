/* Autograd nodes: typed op arguments behind a checked accessor, any number of saved tensors
 * (in ops' nodes and in custom functions), and the grad_fn names of composite ops. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctorch.h"
#include "../../src/internal.h"
#include "ct_test.h"

/* ---- custom function saving 20 tensors ---------------------------------------------------- */
#define NPOW 20
/* y = sum_{k<20} x^(k+1) / (k+1), saving p_k = x^k (k = 0..19): gx = g * sum_k p_k */
static int poly_fwd(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in, (void)n_out;
  ct_tensor *p = ct_ones_like(in[0]), *y = ct_zeros_like(in[0]);
  for (int k = 0; k < NPOW; k++) {
    if (ct_ctx_save_for_backward(ctx, p)) return -1;
    y = ct_add(y, ct_div_scalar(ct_mul(p, in[0]), k + 1));
    p = ct_mul(p, in[0]);
  }
  out[0] = y;
  return y ? 0 : -1;
}
static int poly_bwd(ct_function_ctx *ctx, ct_tensor *const *g, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out, (void)n_in;
  ct_tensor *s = ct_ctx_saved(ctx, 0);
  for (int k = 1; k < NPOW; k++) s = ct_add(s, ct_ctx_saved(ctx, k));
  gi[0] = ct_mul(g[0], s);
  return gi[0] ? 0 : -1;
}
static const ct_function Poly = {"PolyBackward", poly_fwd, poly_bwd, 1};
static int apply_poly(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out, (void)u;
  return ct_function_apply(&Poly, in, n_in, out);
}

static void test_custom_saves_twenty(void **s) {
  (void)s;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = vec(2, (double[]){0.5, -0.25}, true), *y;
  assert_int_equal(ct_function_apply(&Poly, &x, 1, &y), 0);
  assert_string_equal(ct_grad_fn_name(y), "PolyBackward");
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  /* sum_{k<20} x^k = (1 - x^20) / (1 - x) */
  double want[2];
  for (int i = 0; i < 2; i++) {
    double v = i ? -0.25 : 0.5;
    want[i] = (1 - pow(v, NPOW)) / (1 - v);
  }
  expect_vals(ct_grad(x), want, 2, 1e-12, 0);
  /* first order only: the powers were computed in forward, outside the graph (as in PyTorch) */
  assert_true(ct_gradcheck(apply_poly, &x, 1));
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

/* ---- ops' nodes ------------------------------------------------------------------------------- */
typedef struct {
  double a;
  int64_t b;
} small_args;
CT_ARGS_TYPE(small_args, NULL);
typedef struct {
  int64_t v[64]; /* past CT_NODE_ARGS_INLINE: lives on the heap */
} big_args;
static int g_big_destroyed;
static void big_destroy(void *a) { g_big_destroyed += ((big_args *)a)->v[63] == 63; }
CT_ARGS_TYPE(big_args, big_destroy);

static void test_typed_args(void **s) {
  (void)s;
  ct_node *n = ct__node_alloc("TestBackward0", NULL, 0, 1);
  assert_non_null(n);
  *CT_NEW_ARGS(n, small_args) = (small_args){1.5, -7};
  assert_true(n->args == (void *)n->args_inline);
  assert_true(CT_ARGS(n, small_args)->a == 1.5);
  assert_int_equal(CT_ARGS(n, small_args)->b, -7);
  ct__node_decref(n);

  g_big_destroyed = 0;
  n = ct__node_alloc("TestBackward0", NULL, 0, 1);
  big_args *b = CT_NEW_ARGS(n, big_args);
  assert_non_null(b);
  assert_true((void *)b != (void *)n->args_inline);
  for (int i = 0; i < 64; i++) assert_int_equal(b->v[i], 0); /* zeroed */
  for (int i = 0; i < 64; i++) b->v[i] = i;
  assert_int_equal(CT_ARGS(n, big_args)->v[40], 40);
  ct__node_decref(n);
  assert_int_equal(g_big_destroyed, 1);
  assert_null(CT_NEW_ARGS((ct_node *)NULL, small_args)); /* nothing recorded: nothing to fill */
}

/* Reading a node's arguments as another op's type stops the program with both names. */
static void test_args_mismatch_stops(void **s) {
  (void)s;
  int fd[2];
  assert_int_equal(pipe(fd), 0);
  fflush(stderr);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fd[1], 2);
    ct_node *n = ct__node_alloc("TestBackward0", NULL, 0, 1);
    *CT_NEW_ARGS(n, small_args) = (small_args){1, 2};
    (void)CT_ARGS(n, big_args);
    _exit(0); /* not reached */
  }
  close(fd[1]);
  char msg[512] = {0};
  size_t got = 0;
  ssize_t r;
  while (got < sizeof msg - 1 && (r = read(fd[0], msg + got, sizeof msg - 1 - got)) > 0) got += (size_t)r;
  close(fd[0]);
  int status;
  waitpid(pid, &status, 0);
  assert_true(WIFSIGNALED(status));
  assert_non_null(strstr(msg, "node TestBackward0 holds small_args arguments, used as big_args"));
}

/* A node keeps as many saved tensors as it is given, each unpacked with its version check. */
static void test_node_saves_many(void **s) {
  (void)s;
  int64_t before = ct_live_tensors();
  ct_scope_begin();
  ct_tensor *x = vec(1, (double[]){1}, true);
  ct_node *n = ct__node_new("TestBackward0", NULL, 1, &x, 1);
  assert_non_null(n);
  ct_tensor *t[25];
  for (int i = 0; i < 25; i++) {
    t[i] = ct_full(CT_SHAPE(1), i);
    assert_int_equal(ct__save(n, i == 7 ? NULL : t[i], false), 0);
  }
  assert_int_equal(n->n_saved, 25);
  for (int i = 0; i < 25; i++)
    if (i != 7) assert_true(ct__saved(n, i) == t[i]);
  expect_error(ct__saved(n, 25), "has 25 saved tensors, asked for 25");
  ct_add_(t[24], t[0]); /* a saved tensor modified in place is still caught */
  expect_error(ct__saved(n, 24), "modified by an inplace operation");
  ct__node_abandon(n);
  ct_scope_end();
  assert_int_equal(ct_live_tensors(), before);
}

/* Composite ops name their result's grad_fn as PyTorch does (ct__set_grad_fn_name). */
static void test_composite_names(void **s) {
  (void)s;
  ct_scope_begin();
  ct_tensor *x = ct_requires_grad_(ct_ones(CT_SHAPE(2, 3)), true);
  assert_string_equal(ct_grad_fn_name(ct_select(x, 0, 1)), "SelectBackward0");
  ct_tensor *parts[3];
  assert_int_equal(ct_split(x, 2, 1, parts, 3), 2);
  assert_string_equal(ct_grad_fn_name(parts[0]), "SplitBackward0");
  assert_int_equal(ct_split_sizes(x, 2, (int64_t[]){1, 2}, 1, parts, 3), 2);
  assert_string_equal(ct_grad_fn_name(parts[1]), "SplitWithSizesBackward0");
  assert_int_equal(ct_unbind(x, 0, parts, 3), 2);
  assert_string_equal(ct_grad_fn_name(parts[0]), "UnbindBackward0");
  assert_string_equal(ct_grad_fn_name(ct_stack((ct_tensor *[]){x, x}, 2, 0)), "StackBackward0");
  ct_tensor *v = ct_requires_grad_(ct_ones(CT_SHAPE(2)), true);
  assert_string_equal(ct_grad_fn_name(ct_matmul(v, x)), "SqueezeBackward3");
  ct_tensor *b3 = ct_requires_grad_(ct_ones(CT_SHAPE(4, 2, 2)), true);
  assert_string_equal(ct_grad_fn_name(ct_matmul(b3, x)), "UnsafeViewBackward0");
  assert_null(ct_last_error());
  ct_scope_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_custom_saves_twenty), cmocka_unit_test(test_typed_args),
      cmocka_unit_test(test_args_mismatch_stops), cmocka_unit_test(test_node_saves_many),
      cmocka_unit_test(test_composite_names)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
