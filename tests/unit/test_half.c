/* float16 / bfloat16: conversion (round to nearest even, against bits torch 1.13 gave for
 * the same float32 values), promotion, printing, and elementwise ops computing in float32. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ctorch.h"
#include "ctorch/functional.h"
#include "ctorch/linalg.h"
#include "ctorch/nn_init.h"
#include "ct_test.h"

#define SH(...) CT_SHAPE(__VA_ARGS__)
#define N 22
/* torch.tensor(V).half() / .bfloat16(), viewed as int16 */
static const float V[N] = {0.0f, -0.0f, 1.0f, 65504.0f, 65519.0f, 65520.0f, 1000000.0f, 5.960464477539063e-08f, 2.9802322387695312e-08f, 2.980232594040899e-08f, 8.940696716308594e-08f, 6.103515625e-05f, 1.00048828125f, 1.00146484375f, INFINITY, -INFINITY, 0.3333333432674408f, -2.499999936844688e-05f, 6.0999998822808266e-05f, 3.0000000054977558e+38f, 1.00390625f, 1.01171875f};
static const uint16_t H[N] = {0x0, 0x8000, 0x3c00, 0x7bff, 0x7bff, 0x7c00, 0x7c00, 0x1, 0x0, 0x1, 0x2, 0x400, 0x3c00, 0x3c02, 0x7c00, 0xfc00, 0x3555, 0x81a3, 0x3ff, 0x7c00, 0x3c04, 0x3c0c};
static const uint16_t B[N] = {0x0, 0x8000, 0x3f80, 0x4780, 0x4780, 0x4780, 0x4974, 0x3380, 0x3300, 0x3300, 0x33c0, 0x3880, 0x3f80, 0x3f80, 0x7f80, 0xff80, 0x3eab, 0xb7d2, 0x3880, 0x7f62, 0x3f80, 0x3f82};

static void check_bits(ct_dtype dt, const uint16_t *want, int64_t n, const float *src) {
  ct_tensor *f = ct_tensor_from(src, CT_FLOAT32, 1, (int64_t[]){n});
  ct_tensor *h = ct_to(f, dt);
  assert_int_equal(ct_dtype_of(h), dt);
  const uint16_t *got = ct_data_ptr(h);
  for (int64_t i = 0; i < n; i++)
    if (got[i] != want[i % N]) fail_msg("%s of %.9g: 0x%x, torch 0x%x", ct_dtype_name(dt), src[i], got[i], want[i % N]);
  /* back to float32: exact, and the round trip of a 16-bit value is the identity */
  ct_tensor *back = ct_to(ct_to(h, CT_FLOAT32), dt);
  assert_memory_equal(ct_data_ptr(back), got, (size_t)n * 2);
}

static void test_round_to_nearest_even(void **state) {
  (void)state;
  ct_scope_begin();
  check_bits(CT_FLOAT16, H, N, V);
  check_bits(CT_BFLOAT16, B, N, V);
  /* 64 values: the vector (F16C) path and its tail */
  float big[64];
  uint16_t hb[64];
  for (int i = 0; i < 64; i++) big[i] = V[i % N], hb[i] = H[i % N];
  check_bits(CT_FLOAT16, hb, 64, big);
  /* NaN stays NaN */
  float nan[9] = {NAN, 1, 2, 3, 4, 5, 6, 7, -NAN};
  ct_tensor *hn = ct_to(ct_tensor_from(nan, CT_FLOAT32, 1, (int64_t[]){9}), CT_FLOAT16);
  assert_true(isnan(ct_item(ct_select(hn, 0, 0))) && isnan(ct_item(ct_select(hn, 0, 8))));
  assert_true(isnan(ct_item(ct_to(ct_to(ct_scalar_tensor(NAN, CT_FLOAT64), CT_BFLOAT16), CT_FLOAT64))));
  /* ints through float: 2049 ties to 2048 in float16 */
  assert_true(ct_item(ct_to(ct_scalar_tensor(2049, CT_INT64), CT_FLOAT16)) == 2048);
  ct_scope_end();
}

static void test_dtype_tables(void **state) {
  (void)state;
  assert_string_equal(ct_dtype_name(CT_FLOAT16), "torch.float16");
  assert_string_equal(ct_dtype_name(CT_BFLOAT16), "torch.bfloat16");
  assert_int_equal(ct_dtype_size(CT_FLOAT16), 2);
  assert_int_equal(ct_dtype_size(CT_BFLOAT16), 2);
  assert_true(ct_dtype_is_floating(CT_FLOAT16) && ct_dtype_is_floating(CT_BFLOAT16));
  /* torch.promote_types */
  assert_int_equal(ct_promote_types(CT_FLOAT16, CT_BFLOAT16), CT_FLOAT32);
  assert_int_equal(ct_promote_types(CT_BFLOAT16, CT_FLOAT16), CT_FLOAT32);
  assert_int_equal(ct_promote_types(CT_INT64, CT_FLOAT16), CT_FLOAT16);
  assert_int_equal(ct_promote_types(CT_BFLOAT16, CT_UINT8), CT_BFLOAT16);
  assert_int_equal(ct_promote_types(CT_BOOL, CT_FLOAT16), CT_FLOAT16);
  assert_int_equal(ct_promote_types(CT_FLOAT16, CT_FLOAT32), CT_FLOAT32);
  assert_int_equal(ct_promote_types(CT_FLOAT64, CT_BFLOAT16), CT_FLOAT64);
  ct_scope_begin();
  /* a Python float does not promote a half tensor; a float32 tensor does */
  ct_tensor *h = ct_ones(CT_SHAPE(2), .dtype = CT_FLOAT16);
  assert_int_equal(ct_dtype_of(ct_add_scalar(h, 0.5)), CT_FLOAT16);
  assert_int_equal(ct_dtype_of(ct_add(h, ct_ones(CT_SHAPE(2)))), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(ct_add(h, ct_ones(CT_SHAPE(2), .dtype = CT_BFLOAT16))), CT_FLOAT32);
  assert_int_equal(ct_dtype_of(ct_add(ct_ones(CT_SHAPE(2), .dtype = CT_INT64), h)), CT_FLOAT16);
  /* torch.tensor(70000.).half() is inf; a scalar past the range does not convert */
  expect_error(ct_full(CT_SHAPE(1), 70000, .dtype = CT_FLOAT16), "value cannot be converted to type at::Half without overflow");
  ct_scope_end();
}

static void test_print(void **state) {
  (void)state;
  ct_scope_begin();
  double a[3] = {1.5, -2.25, 1000.0}, b[2] = {0.1, 3.0};
  char *s = ct_to_string(ct_to(ct_tensor_from(a, CT_FLOAT64, 1, (int64_t[]){3}), CT_FLOAT16));
  assert_string_equal(s, "tensor([   1.5000,   -2.2500, 1000.0000], dtype=torch.float16)");
  free(s);
  s = ct_to_string(ct_to(ct_tensor_from(b, CT_FLOAT64, 1, (int64_t[]){2}), CT_BFLOAT16));
  assert_string_equal(s, "tensor([0.1001, 3.0000], dtype=torch.bfloat16)");
  free(s);
  ct_scope_end();
}

/* a = [1.1, 2.2, 3.3].half(): a * a + a and a / 3, bits from torch */
static void test_elementwise(void **state) {
  (void)state;
  ct_scope_begin();
  double v[3] = {1.1, 2.2, 3.3};
  ct_tensor *a = ct_to(ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){3}), CT_FLOAT16);
  ct_tensor *r = ct_add(ct_mul(a, a), a), *q = ct_div_scalar(a, 3);
  static const int16_t want_r[3] = {16542, 18185, 19226}, want_q[3] = {13789, 14813, 15463};
  assert_int_equal(ct_dtype_of(r), CT_FLOAT16);
  assert_memory_equal(ct_data_ptr(r), want_r, 6);
  assert_memory_equal(ct_data_ptr(q), want_q, 6);
  /* in place keeps the dtype */
  ct_tensor *c = ct_clone(a);
  assert_non_null(ct_mul_(c, a));
  assert_int_equal(ct_dtype_of(c), CT_FLOAT16);
  assert_memory_equal(ct_data_ptr(ct_mul(a, a)), ct_data_ptr(c), 6);
  ct_scope_end();
}

/* matmul / mm / linear / softmax: float32 inside, rounded once (the same bits as rounding the
 * float32 result) */
static void test_float32_inside(void **state) {
  (void)state;
  ct_scope_begin();
  for (int k = 0; k < 2; k++) {
    ct_dtype dt = k ? CT_BFLOAT16 : CT_FLOAT16;
    ct_tensor *a = ct_to(ct_rand(CT_SHAPE(5, 7)), dt), *w = ct_to(ct_rand(CT_SHAPE(3, 7)), dt);
    ct_tensor *af = ct_to(a, CT_FLOAT32), *wf = ct_to(w, CT_FLOAT32);
    ct_tensor *got[4] = {ct_matmul(a, ct_t(w)), ct_mm(a, ct_t(w)), ct_linear(a, w, NULL), ct_softmax(a, 1)};
    ct_tensor *want[4] = {ct_matmul(af, ct_t(wf)), ct_mm(af, ct_t(wf)), ct_linear(af, wf, NULL), ct_softmax(af, 1)};
    for (int i = 0; i < 4; i++) {
      assert_int_equal(ct_dtype_of(got[i]), dt);
      assert_memory_equal(ct_data_ptr(got[i]), ct_data_ptr(ct_contiguous(ct_to(want[i], dt))), (size_t)ct_numel(got[i]) * 2);
    }
    /* sum / mean accumulate in float32 */
    assert_int_equal(ct_dtype_of(ct_sum(a)), dt);
    assert_true(ct_item(ct_sum(a)) == ct_item(ct_to(ct_sum(af), dt)));
    assert_memory_equal(ct_data_ptr(ct_mean(a, .dim = CT_DIMS(1))), ct_data_ptr(ct_contiguous(ct_to(ct_mean(af, .dim = CT_DIMS(1)), dt))), 10);
    assert_int_equal(ct_dtype_of(ct_sum(a, .dtype = CT_FLOAT32)), CT_FLOAT32);
    expect_error(ct_matmul(a, ct_t(wf)), "expected m1 and m2 to have the same dtype");
  }
  ct_scope_end();
}

/* a bfloat16 Linear's forward and gradients: bfloat16 leaves get bfloat16 grads, equal to
 * torch 1.13's (F.linear on the same bfloat16 values, loss (y * y).sum()) */
static void test_bf16_linear_grads(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_to(ct_sub_scalar(ct_div_scalar(ct_reshape(ct_arange(0, 6, 1), SH(2, 3)), 4), 0.5), CT_BFLOAT16);
  ct_tensor *w = ct_to(ct_sub_scalar(ct_div_scalar(ct_reshape(ct_arange(0, 12, 1), SH(4, 3)), 7), 0.8), CT_BFLOAT16);
  ct_tensor *b = ct_to(ct_sub_scalar(ct_div_scalar(ct_arange(0, 4, 1), 3), 0.5), CT_BFLOAT16);
  ct_requires_grad_(w, true);
  ct_requires_grad_(b, true);
  ct_tensor *y = ct_linear(x, w, b);
  assert_int_equal(ct_dtype_of(y), CT_BFLOAT16);
  expect_exact(y, 0.064453125, 0.07568359375, 0.08837890625, 0.099609375, -1.4140625, -0.4375, 0.5390625, 1.515625);
  assert_int_equal(ct_backward(ct_sum(ct_mul(y, y))), 0);
  assert_int_equal(ct_dtype_of(ct_grad(w)), CT_BFLOAT16);
  assert_int_equal(ct_dtype_of(ct_grad(b)), CT_BFLOAT16);
  expect_exact(ct_grad(w), -0.7734375, -1.4453125, -2.125, -0.294921875, -0.474609375, -0.65625, 0.181640625,
               0.494140625, 0.80859375, 0.65625, 1.46875, 2.28125);
  expect_exact(ct_grad(b), -2.703125, -0.72265625, 1.2578125, 3.234375);
  leak_end(m, __func__, __LINE__);
}

/* bfloat16 products run natively (oneDNN's bf16 matmul where the library is there, float32
 * accumulation, one rounding) and record PyTorch's grad_fn names; every operand layout the
 * GEMM takes (plain, transposed, strided, batched, alpha / beta, an empty sum) against the
 * float32 product of the same values rounded once: within one bfloat16 rounding (a float32 sum
 * in another order may land across a rounding boundary) */
static void expect_bf16_close(ct_tensor *got, ct_tensor *want32, int line) {
  assert_int_equal(ct_dtype_of(got), CT_BFLOAT16);
  ct_tensor *g = ct_contiguous(ct_to(got, CT_FLOAT32)), *w = ct_contiguous(want32);
  const float *a = ct_data_ptr(g), *b = ct_data_ptr(w);
  for (int64_t i = 0; i < ct_numel(w); i++)
    if (fabsf(a[i] - b[i]) > 0x1p-7f * fabsf(b[i]) + 1e-30f)
      fail_msg("line %d: element %lld is %g, float32 gives %g", line, (long long)i, a[i], b[i]);
}

static void test_bf16_native_products(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_manual_seed(3);
  ct_tensor *a = ct_to(ct_randn(CT_SHAPE(33, 70)), CT_BFLOAT16), *b = ct_to(ct_randn(CT_SHAPE(70, 19)), CT_BFLOAT16);
  ct_tensor *c = ct_to(ct_randn(CT_SHAPE(33, 19)), CT_BFLOAT16);
  ct_tensor *af = ct_to(a, CT_FLOAT32), *bf = ct_to(b, CT_FLOAT32), *cf = ct_to(c, CT_FLOAT32);
  expect_bf16_close(ct_mm(a, b), ct_mm(af, bf), __LINE__);
  expect_bf16_close(ct_mm(ct_t(ct_contiguous(ct_t(a))), b), ct_mm(af, bf), __LINE__);     /* a column-major */
  expect_bf16_close(ct_mm(a, ct_t(ct_contiguous(ct_t(b)))), ct_mm(af, bf), __LINE__);     /* b column-major */
  ct_tensor *as = ct_slice(a, 1, 0, 70, 2), *bs = ct_slice(b, 0, 0, 70, 2);                  /* strided */
  expect_bf16_close(ct_mm(as, bs), ct_mm(ct_to(as, CT_FLOAT32), ct_to(bs, CT_FLOAT32)), __LINE__);
  expect_bf16_close(ct_addmm(c, a, b, 0.5, 2), ct_addmm(cf, af, bf, 0.5, 2), __LINE__);
  ct_tensor *a3 = ct_to(ct_randn(CT_SHAPE(3, 5, 8)), CT_BFLOAT16), *b3 = ct_to(ct_randn(CT_SHAPE(3, 8, 4)), CT_BFLOAT16);
  expect_bf16_close(ct_bmm(a3, b3), ct_bmm(ct_to(a3, CT_FLOAT32), ct_to(b3, CT_FLOAT32)), __LINE__);
  expect_bf16_close(ct_matmul(a3, b3), ct_matmul(ct_to(a3, CT_FLOAT32), ct_to(b3, CT_FLOAT32)), __LINE__);
  /* an empty sum: beta * input only */
  ct_tensor *e0 = ct_to(ct_zeros(CT_SHAPE(33, 0)), CT_BFLOAT16), *e1 = ct_to(ct_zeros(CT_SHAPE(0, 19)), CT_BFLOAT16);
  expect_bf16_close(ct_addmm(c, e0, e1, 3, 1), ct_mul_scalar(cf, 3), __LINE__);
  /* PyTorch's grad_fn names, and bfloat16 gradients */
  ct_requires_grad_(a, true);
  ct_tensor *w = ct_requires_grad_(ct_to(ct_randn(CT_SHAPE(19, 70)), CT_BFLOAT16), true);
  ct_tensor *bias = ct_requires_grad_(ct_to(ct_randn(CT_SHAPE(19)), CT_BFLOAT16), true);
  assert_string_equal(ct_grad_fn_name(ct_mm(a, b)), "MmBackward0");
  assert_string_equal(ct_grad_fn_name(ct_bmm(ct_unsqueeze(a, 0), ct_unsqueeze(b, 0))), "BmmBackward0");
  ct_tensor *y = ct_linear(a, w, bias);
  assert_string_equal(ct_grad_fn_name(y), "AddmmBackward0");
  assert_int_equal(ct_backward(ct_sum(y)), 0);
  assert_int_equal(ct_dtype_of(ct_grad(w)), CT_BFLOAT16);
  assert_int_equal(ct_dtype_of(ct_grad(a)), CT_BFLOAT16);
  /* d sum(x W^T + b) / dW = column sums of x, in float32 then rounded */
  expect_bf16_close(ct_grad(w), ct_expand(ct_sum(af, .dim = CT_DIMS(0), .keepdim = true), 2, (int64_t[]){19, 70}), __LINE__);
  ct_set_grad(a, NULL);
  leak_end(m, __func__, __LINE__);
}

/* bfloat16 nextafter steps the 16-bit pattern: torch 1.13's bits for these pairs (zeros of
 * either sign, NaN, a subnormal, the largest finite toward inf); float16 refused as 1.13 */
static void test_bf16_nextafter(void **state) {
  (void)state;
  ct_scope_begin();
  const float a[10] = {1, 1, 0, -0.0f, 0, 3, NAN, -2.5f, 1e38f, -1e-40f};
  const float b[10] = {2, 0, 1, -1, -0.0f, 3, 1, -3, INFINITY, 0};
  static const uint16_t want[10] = {0x3f81, 0x3f7f, 0x1, 0x8001, 0x8000, 0x4040, 0x7fc0, 0xc021, 0x7e97, 0x8000};
  ct_tensor *ta = ct_to(ct_tensor_from(a, CT_FLOAT32, 1, (int64_t[]){10}), CT_BFLOAT16);
  ct_tensor *tb = ct_to(ct_tensor_from(b, CT_FLOAT32, 1, (int64_t[]){10}), CT_BFLOAT16);
  ct_tensor *r = ct_nextafter(ta, tb);
  assert_int_equal(ct_dtype_of(r), CT_BFLOAT16);
  assert_memory_equal(ct_data_ptr(r), want, sizeof want);
  expect_error(ct_nextafter(ct_to(ta, CT_FLOAT16), ct_to(tb, CT_FLOAT16)), "\"nextafter_cpu\" not implemented for 'Half'");
  ct_scope_end();
}

/* torch.linalg's norms and the recurrent layers in 16 bits, as PyTorch 1.13's CPU kernels take
 * them: the float32 result on the same (rounded) values, rounded once; a float16 LSTM refused
 * with PyTorch's message (its CPU addmm has no Half kernel) */
static void test_half_norms_and_rnn(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_manual_seed(5);
  for (int k = 0; k < 2; k++) {
    ct_dtype dt = k ? CT_FLOAT16 : CT_BFLOAT16;
    ct_tensor *x = ct_to(ct_randn(CT_SHAPE(4, 3)), dt), *xf = ct_to(x, CT_FLOAT32);
    ct_tensor *got[3] = {ct_linalg_vector_norm(x), ct_linalg_matrix_norm(x), ct_linalg_matrix_norm(x, .ord = 1)};
    ct_tensor *want[3] = {ct_linalg_vector_norm(xf), ct_linalg_matrix_norm(xf), ct_linalg_matrix_norm(xf, .ord = 1)};
    for (int i = 0; i < 3; i++) {
      assert_non_null(got[i]);
      assert_int_equal(ct_dtype_of(got[i]), dt);
      assert_true(ct_item(got[i]) == ct_item(ct_to(want[i], dt)));
    }
    expect_error(ct_linalg_matrix_norm(x, .ord = 2), "Low precision dtypes not supported");
  }
  /* one layer: the layer runs in float32 and rounds its outputs once (PyTorch rounds after
   * each op of the cell, so its values agree within bfloat16's rounding, not bit for bit) */
  ct_module *lstm = ct_nn_lstm(3, 5), *l32 = ct_module_deepcopy(lstm);
  assert_int_equal(ct_module_to(lstm, CT_BFLOAT16), 0);
  assert_int_equal(ct_module_to(l32, CT_BFLOAT16), 0); /* the same rounded weights ... */
  assert_int_equal(ct_module_to(l32, CT_FLOAT32), 0);  /* ... in float32 */
  ct_tensor *x = ct_to(ct_randn(CT_SHAPE(6, 2, 3)), CT_BFLOAT16);
  ct_values out = {0}, out32 = {0};
  assert_int_equal(ct_module_call(lstm, &CT_VALUES(ct_v_tensor(x)), &out), 0);
  assert_int_equal(ct_module_call(l32, &CT_VALUES(ct_v_tensor(ct_to(x, CT_FLOAT32))), &out32), 0);
  for (int i = 0; i < ct_values_count_tensors(&out); i++) {
    ct_tensor *y = ct_values_tensor(&out, i);
    assert_int_equal(ct_dtype_of(y), CT_BFLOAT16);
    assert_memory_equal(ct_data_ptr(ct_contiguous(y)), ct_data_ptr(ct_contiguous(ct_to(ct_values_tensor(&out32, i), CT_BFLOAT16))),
                        (size_t)ct_numel(y) * 2);
  }
  assert_int_equal(ct_backward(ct_sum(ct_values_tensor(&out, 0))), 0);
  ct_tensor *g = ct_grad(ct_module_get_parameter(lstm, "weight_ih_l0"));
  assert_non_null(g);
  assert_int_equal(ct_dtype_of(g), CT_BFLOAT16);
  assert_int_equal(ct_module_to(lstm, CT_FLOAT16), 0);
  assert_int_equal(ct_module_call(lstm, &CT_VALUES(ct_v_tensor(ct_to(x, CT_FLOAT16))), &out), -1);
  assert_non_null(strstr(ct_last_error(), "\"addmm_impl_cpu_\" not implemented for 'Half'"));
  ct_clear_error();
  ct_module_free(lstm);
  ct_module_free(l32);
  /* embedding_bag: PyTorch's CPU kernel takes Half, not BFloat16 */
  ct_scope_begin();
  ct_tensor *idx = ct_tensor_from((int64_t[]){0, 1, 2, 1}, CT_INT64, 1, (int64_t[]){4});
  ct_tensor *off = ct_tensor_from((int64_t[]){0, 2}, CT_INT64, 1, (int64_t[]){2});
  ct_tensor *wt = ct_to(ct_randn(CT_SHAPE(4, 3)), CT_FLOAT16);
  ct_tensor *bag = ct_embedding_bag(idx, wt, .offsets = off);
  assert_int_equal(ct_dtype_of(bag), CT_FLOAT16);
  assert_memory_equal(ct_data_ptr(bag), ct_data_ptr(ct_to(ct_embedding_bag(idx, ct_to(wt, CT_FLOAT32), .offsets = off), CT_FLOAT16)), 12);
  expect_error(ct_embedding_bag(idx, ct_to(wt, CT_BFLOAT16), .offsets = off), "but got CPUBFloat16Type instead");
  /* embedding's max_norm renorms the 16-bit weight itself: rows 0..2 as the float32 renorm of
   * the same values, rounded once; row 3 untouched */
  ct_tensor *wb = ct_to(ct_mul_scalar(ct_randn(CT_SHAPE(4, 3)), 3), CT_BFLOAT16), *w32 = ct_to(wb, CT_FLOAT32);
  ct_tensor *yb = ct_embedding(idx, wb, .max_norm = 1.0), *y32 = ct_embedding(idx, w32, .max_norm = 1.0);
  assert_memory_equal(ct_data_ptr(ct_contiguous(yb)), ct_data_ptr(ct_contiguous(ct_to(y32, CT_BFLOAT16))), 24);
  assert_memory_equal(ct_data_ptr(wb), ct_data_ptr(ct_to(w32, CT_BFLOAT16)), 24);
  ct_tensor *wh = ct_to(ct_mul_scalar(ct_randn(CT_SHAPE(4, 3)), 3), CT_FLOAT16), *wh32 = ct_to(wh, CT_FLOAT32);
  ct_tensor *bh = ct_embedding_bag(idx, wh, .offsets = off, .max_norm = 1.0);
  ct_tensor *bh32 = ct_embedding_bag(idx, wh32, .offsets = off, .max_norm = 1.0);
  assert_memory_equal(ct_data_ptr(bh), ct_data_ptr(ct_to(bh32, CT_FLOAT16)), 12);
  assert_memory_equal(ct_data_ptr(wh), ct_data_ptr(ct_to(wh32, CT_FLOAT16)), 24);
  ct_scope_end();
  leak_end(m, __func__, __LINE__);
}

/* ops that read the raw data as float crashed (max) or gave garbage (conv2d) on 16-bit input;
 * they compute in float32 now, and those without a 16-bit path refuse by name */
static void test_no_garbage(void **state) {
  (void)state;
  live_mark m = leak_begin();
  for (int d = CT_FLOAT16; d <= CT_BFLOAT16; d++) {
    ct_tensor *t = ct_to(ct_tensor_from((float[]){3, -1, 2.5f, 7.25f, -4}, CT_FLOAT32, 1, (int64_t[]){5}), (ct_dtype)d);
    ct_tensor *mx = ct_max(t);
    assert_int_equal(ct_dtype_of(mx), d);
    expect_exact(mx, 7.25);
    ct_tensor_pair s = ct_sort(t, 0, false, false);
    expect_exact(s.values, -4, -1, 2.5, 3, 7.25);
    expect_exact(s.indices, 4, 1, 2, 0, 3);
    ct_tensor *x = ct_to(ct_reshape(ct_arange(0, 16, 1), SH(1, 1, 4, 4)), (ct_dtype)d);
    ct_tensor *c = ct_conv2d(x, ct_ones(SH(1, 1, 2, 2), .dtype = (ct_dtype)d));
    assert_int_equal(ct_dtype_of(c), d);
    expect_exact(c, 10, 14, 18, 26, 30, 34, 42, 46, 50);
    /* a draw into a 16-bit tensor (gumbel_softmax wrote doubles into it; trunc_normal_ too) */
    ct_tensor *g = ct_gumbel_softmax(x, .hard = true, .dim = -1);
    assert_int_equal(ct_dtype_of(g), d);
    expect_exact(ct_sum(g), 4);
    ct_tensor *tn = ct_nn_init_trunc_normal_(ct_empty(SH(64), .dtype = (ct_dtype)d), .a = -0.5, .b = 0.5);
    assert_non_null(tn);
    assert_true(ct_item(ct_amax(ct_abs(tn))) <= 0.5);
    /* LAPACK has no 16-bit routines: PyTorch's refusal */
    expect_error(ct_linalg_inv(ct_to(ct_ones(SH(2, 2)), (ct_dtype)d)),
                 d == CT_FLOAT16 ? "linalg.inv: Low precision dtypes not supported. Got Half"
                                 : "linalg.inv: Low precision dtypes not supported. Got BFloat16");
    if (d == CT_FLOAT16) expect_error(ct_nextafter(t, t), "\"nextafter_cpu\" not implemented for 'Half'");
    else assert_non_null(ct_nextafter(t, t)); /* bfloat16 has its own step (test_bf16_nextafter) */
  }
  /* t[idx] and index_put (index2's ops) read a 16-bit tensor as garbage, and t[idx]'s backward
   * gave zeros: computed in float32 now */
  ct_tensor *xi = ct_requires_grad_(ct_to(ct_tensor_from((float[]){1, 2, 3, 4}, CT_FLOAT32, 1, (int64_t[]){4}), CT_BFLOAT16), true);
  ct_tensor *ix = ct_tensor_from((int64_t[]){0, 2, 2}, CT_INT64, 1, (int64_t[]){3});
  ct_tensor *sel = ct_index(xi, (ct_tensor *[]){ix}, 1);
  expect_exact(sel, 1, 3, 3);
  assert_int_equal(ct_backward(ct_sum(sel)), 0);
  assert_int_equal(ct_dtype_of(ct_grad(xi)), CT_BFLOAT16);
  expect_exact(ct_grad(xi), 1, 0, 2, 0);
  ct_tensor *pv = ct_index_put(ct_detach(xi), (ct_tensor *[]){ix}, 1, ct_to(ct_ones(SH(3)), CT_BFLOAT16), true);
  expect_exact(pv, 2, 2, 5, 4);
  /* batch_norm in bfloat16: float32 inside, the running statistics written back (torch 1.13's
   * values; its kernel rounds the statistics differently, so within a bfloat16 ulp) */
  ct_tensor *xb = ct_to(ct_tensor_from((float[]){1, 2, 3, 5, 5, 8, 7, 9}, CT_FLOAT32, 2, (int64_t[]){4, 2}), CT_BFLOAT16);
  ct_tensor *rm = ct_zeros(SH(2), .dtype = CT_BFLOAT16), *rv = ct_ones(SH(2), .dtype = CT_BFLOAT16);
  ct_tensor *bn = ct_batch_norm(xb, rm, rv, .training = true);
  assert_int_equal(ct_dtype_of(bn), CT_BFLOAT16);
  expect_vals(bn, ((double[]){-1.34375, -1.4609375, -0.447265625, -0.365234375, 0.447265625, 0.73046875, 1.34375, 1.09375}), 8, 1.0 / 128, 0);
  expect_vals(rm, ((double[]){0.400390625, 0.6015625}), 2, 1.0 / 128, 0);
  expect_vals(rv, ((double[]){1.5625, 1.8984375}), 2, 1.0 / 128, 0);
  expect_error(ct_batch_norm(ct_to(xb, CT_FLOAT16), NULL, NULL, .training = true), "\"batch_norm\" not implemented for 'Half'");
  /* layer_norm: bfloat16 in float32, rounded once; torch 1.13 gives [-1.34375, -0.4453125,
   * 0.44921875, 1.34375] (its kernel rounds x - mean to bfloat16 first): within a bfloat16 ulp.
   * float16 refused as PyTorch 1.13's CPU does */
  ct_tensor *v = ct_tensor_from((float[]){1, 2, 3, 4}, CT_FLOAT32, 1, (int64_t[]){4});
  ct_tensor *ln = ct_layer_norm(ct_to(v, CT_BFLOAT16), CT_INTS(4));
  assert_int_equal(ct_dtype_of(ln), CT_BFLOAT16);
  expect_vals(ln, ((double[]){-1.34375, -0.4453125, 0.44921875, 1.34375}), 4, 1.0 / 128, 0);
  expect_error(ct_layer_norm(ct_to(v, CT_FLOAT16), CT_INTS(4)), "\"LayerNormKernelImpl\" not implemented for 'Half'");
  leak_end(m, __func__, __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_to_nearest_even),
      cmocka_unit_test(test_dtype_tables),
      cmocka_unit_test(test_print),
      cmocka_unit_test(test_elementwise),
      cmocka_unit_test(test_float32_inside),
      cmocka_unit_test(test_bf16_linear_grads),
      cmocka_unit_test(test_bf16_native_products),
      cmocka_unit_test(test_half_norms_and_rnn),
      cmocka_unit_test(test_bf16_nextafter),
      cmocka_unit_test(test_no_garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
