/* Common tensor ops beside the same calls in PyTorch (bench/torch_ops.py, 2 threads): the
 * op-level comparison behind the named workloads. Each line: name, ms per call. */
#include <stdio.h>

#include "bench_util.h"

#define T(name, n, expr) BENCH(name, 5, n, expr)

int main(void) {
  ct_scope_begin();
  ct_set_num_threads(2); ct_manual_seed(0);
  ct_tensor *x = ct_randn(CT_SHAPE(1024,1024)), *y = ct_randn(CT_SHAPE(64,1000)), *a = ct_randn(CT_SHAPE(256,512)), *b = ct_randn(CT_SHAPE(512,256));
  ct_tensor *xg = ct_randn(CT_SHAPE(256,512), .requires_grad = true);
  ct_tensor *idx = ct_arange(0, 1024, 2);
  T("sum dim0 1024x1024", 200, ct_sum(x, .dim = CT_DIMS(0)));
  T("sum dim1 1024x1024", 200, ct_sum(x, .dim = CT_DIMS(1)));
  T("mean dim1 1024x1024", 200, ct_mean(x, .dim = CT_DIMS(1)));
  T("amax dim1 1024x1024", 200, ct_amax(x, .dim = CT_DIMS(1)));
  T("softmax 64x1000 d1", 500, ct_softmax(y, 1));
  T("log_softmax 64x1000 d1", 500, ct_log_softmax(y, 1));
  T("transpose+contig 1024", 200, ct_contiguous(ct_t(x)));
  T("mm 256x512x256", 200, ct_matmul(a, b));
  T("mm+sum+bwd 256x512x256", 100, ct_backward(ct_sum(ct_matmul(xg, b))); ct_set_grad(xg, NULL));
  T("relu 1024x1024", 200, ct_relu(x));
  T("sigmoid 1024x1024", 200, ct_sigmoid(x));
  T("var dim1 1024x1024", 200, ct_var(x, .dim = CT_DIMS(1)));
  T("cat 2x 1024x1024 d0", 100, ct_cat((ct_tensor *[]){x, x}, 2, 0));
  T("index_select 512 rows", 200, ct_index_select(x, 0, idx));
  ct_manual_seed(0);
  ct_tensor *m = ct_gt_scalar(x, 0);
  ct_tensor *i = ct_randint(0, 1024, CT_SHAPE(1024, 64)); ct_tensor *v = ct_randn(CT_SHAPE(4096));
  ct_tensor *img = ct_randn(CT_SHAPE(8,16,64,64)); ct_tensor *row = ct_select(x, 0, 0);
  T("where 1024^2", 100, ct_where(m, x, ct_mul_scalar(x, 0.0)));
  T("gather 1024x64", 200, ct_gather(x, 1, i));
  T("cumsum dim1 1024^2", 100, ct_cumsum(x, 1));
  T("sort 4096", 200, ct_sort(v, -1, false, false));
  T("topk 10 of 1024x1024", 50, ct_topk(x, 10, 1, true, true));
  T("pad reflect 8x16x64x64", 100, ct_pad(img, CT_SHAPE(2,2,2,2), CT_PAD_REFLECT, 0));
  T("pad const 8x16x64x64", 100, ct_pad(img, CT_SHAPE(2,2,2,2), CT_PAD_CONSTANT, 0));
  T("mul bcast 1024^2 x row", 200, ct_mul(x, row));
  T("masked_fill 1024^2", 200, ct_masked_fill(x, m, 0.0));
  T("gelu 1024^2", 100, ct_gelu(x, CT_GELU_NONE));
  T("tanh 1024^2", 100, ct_tanh(x));
  T("norm dim1 1024^2", 100, ct_norm(x, .dim = CT_DIMS(1)));
  T("logsumexp dim1 1024^2", 100, ct_logsumexp(x, .dim = CT_DIMS(1)));
  T("to(float64) 1024^2", 100, ct_to(x, CT_FLOAT64));
  /* the per-dtype max/min and sort kernels, and the run-time SIMD picks (exp) */
  ct_tensor *xd = ct_to(x, CT_FLOAT64), *xi = ct_to(ct_mul_scalar(x, 1000), CT_INT32);
  T("max dim1 1024^2", 200, ct_max_dim(x, 1, false));
  T("min 1024^2", 200, ct_min(x));
  T("argmax dim1 1024^2", 200, ct_argmax(x, 1, false));
  T("amax dim0 1024^2", 200, ct_amax(x, .dim = CT_DIMS(0)));
  T("amax f64 dim1 1024^2", 100, ct_amax(xd, .dim = CT_DIMS(1)));
  T("argmax i32 dim1 1024^2", 100, ct_argmax(xi, 1, false));
  T("sort dim1 1024^2", 20, ct_sort(x, 1, false, false));
  T("sort f64 dim1 1024^2", 10, ct_sort(xd, 1, false, false));
  T("sort i32 desc dim1 1024^2", 10, ct_sort(xi, 1, true, false));
  T("topk 10 f64 of 1024^2", 50, ct_topk(xd, 10, 1, true, true));
  T("topk 10 i32 of 1024^2", 50, ct_topk(xi, 10, 1, false, true));
  T("exp 1024^2", 100, ct_exp(x));
  ct_scope_end();
  return 0;
}
