/* The Linear + ReLU backward paths made for speed, against PyTorch 1.13:
 * - relu's backward is threshold_backward(g, out, 0): 0 where out <= 0, else g, so a NaN
 *   output passes its gradient (the fused kernel and the create_graph form agree);
 * - mm / addmm give a column-major operand (F.linear's W.t()) a column-major gradient, as
 *   PyTorch's mm_mat1_backward / mm_mat2_backward do: W.grad arrives contiguous, and the
 *   values are unchanged (gradcheck + gradgradcheck in float64). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "ctorch.h"
#include "ct_test.h"

/* x = tensor([nan, -1., 0., 2.], requires_grad=True); relu(x).backward(tensor([1., 2., 3., 4.]))
 * -> x.grad = [1, 0, 0, 4]; the create_graph gradient has the same values */
static void test_relu_threshold(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  for (int create = 0; create < 2; create++) {
    ct_tensor *x = vec(4, (const double[]){NAN, -1, 0, 2}, true);
    ct_tensor *g = vec(4, (const double[]){1, 2, 3, 4}, create);
    ct_tensor *gx = NULL;
    assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_relu(x)), CT_TENSORS(x), &g, create, -1, false, &gx), 0);
    expect_exact(gx, 1, 0, 0, 4);
  }
  leak_end(lm, "relu", __LINE__);
}

static int linear_fn(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_out, (void)u;
  out[0] = ct_linear(in[0], in[1], n_in > 2 ? in[2] : NULL);
  return out[0] ? 0 : -1;
}

/* mm(a.t(), b) with a column-major first operand */
static int mm_t_fn(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out, (void)u;
  out[0] = n_in > 2 ? ct_addmm(in[2], ct_t(in[0]), in[1], 0.5, 2) : ct_mm(ct_t(in[0]), in[1]);
  return out[0] ? 0 : -1;
}

static ct_tensor *rnd(int nd, const int64_t *shape) {
  return ct_requires_grad_(ct_randn_ex(nd, shape, (ct_tensor_opts){.dtype = CT_FLOAT64}), true);
}

static void test_column_major_grads(void **state) {
  (void)state;
  live_mark lm = leak_begin();
  ct_manual_seed(3);
  ct_tensor *x = rnd(CT_SHAPE(5, 4)), *w = rnd(CT_SHAPE(3, 4)), *b = rnd(CT_SHAPE(3));
  /* F.linear(x, w, b) (addmm) and F.linear(x, w) (mm): w.grad contiguous, x.grad too */
  for (int with_bias = 0; with_bias < 2; with_bias++) {
    ct_tensor *y = ct_linear(x, w, with_bias ? b : NULL);
    assert_int_equal(ct_backward(ct_sum(y)), 0);
    assert_true(ct_is_contiguous(ct_grad(w)));
    assert_true(ct_is_contiguous(ct_grad(x)));
    /* d sum(x w^T) / dw[o, i] = sum_n x[n, i] */
    ct_tensor *want = ct_mul_scalar(ct_expand(ct_sum(x, .dim = CT_DIMS(0)), CT_SHAPE(3, 4)), with_bias + 1);
    assert_true(ct_allclose(ct_grad(w), want, 1e-12, 1e-12));
  }
  check_grads(linear_fn, CT_TENSORS(x, w, b), NULL, "linear");
  check_grads(linear_fn, CT_TENSORS(x, w), NULL, "linear without bias");
  /* a column-major first operand: its gradient is column-major like it */
  ct_tensor *a = rnd(CT_SHAPE(4, 3)), *m = rnd(CT_SHAPE(4, 2)), *c = rnd(CT_SHAPE(3, 2));
  ct_tensor *ga = NULL;
  assert_int_equal(ct_autograd_grad(CT_TENSORS(ct_sum(ct_mm(ct_t(a), m))), CT_TENSORS(a), NULL, false, -1, false, &ga), 0);
  assert_true(ct_is_contiguous(ga));
  check_grads(mm_t_fn, CT_TENSORS(a, m), NULL, "mm(a.t(), b)");
  check_grads(mm_t_fn, CT_TENSORS(a, m, c), NULL, "addmm(c, a.t(), b, beta=0.5, alpha=2)");
  leak_end(lm, "column-major", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relu_threshold),
      cmocka_unit_test(test_column_major_grads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
