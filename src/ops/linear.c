/* F.linear and F.bilinear, composed from differentiable ops (no node of their own), taking
 * the paths PyTorch 1.13's at::linear takes so grad_fn names match. */
#include "../internal.h"

/* input (*, in), weight (out, in), bias (out) -> (*, out) */
ct_tensor *ct_linear(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias) {
  if (!input || !weight) return NULL;
  if ((CT__ANY_HALF(input, weight) || (bias && ct__is_half(bias->dtype))) &&
      !ct__all_bf16(input, weight, bias)) { /* in float32 (bfloat16 has its own GEMM) */
    if (input->dtype != weight->dtype || (bias && bias->dtype != input->dtype))
      return ct__err("expected m1 and m2 to have the same dtype, but got: %s != %s",
                     ct__dtype_short(input->dtype), ct__dtype_short(weight->dtype));
    CT_OP_BEGIN();
    ct_tensor *r = ct_linear(ct_to(input, CT_FLOAT32), ct_to(weight, CT_FLOAT32),
                             bias ? ct_to(bias, CT_FLOAT32) : NULL);
    return ct__op_end(r ? ct_to(r, input->dtype) : NULL);
  }
  CT_OP_BEGIN();
  ct_tensor *wt = ct_t(weight), *y;
  if (input->ndim == 2 && bias) {
    y = ct_addmm(bias, input, wt, 1, 1);
  } else if (input->ndim == 3 && bias && ct_is_contiguous(input)) {
    /* _flatten_3d_linear: one addmm over the flattened batch, viewed back */
    int64_t in2[2] = {input->shape[0] * input->shape[1], input->shape[2]};
    ct_tensor *r = ct_addmm(bias, ct_view(input, 2, in2), wt, 1, 1);
    int64_t out3[3] = {input->shape[0], input->shape[1], r ? ct_size(r, 1) : 0};
    y = r ? ct_view(r, 3, out3) : NULL;
  } else {
    y = ct_matmul(input, wt);
    if (y && bias) y = ct_add(y, bias);
  }
  return ct__op_end(y);
}

/* input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out) -> (*, out):
 * y[n, o] = sum_ij x1[n, i] W[o, i, j] x2[n, j] + b[o], as one matmul then a row product. */
ct_tensor *ct_bilinear(const ct_tensor *input1, const ct_tensor *input2, const ct_tensor *weight,
                       const ct_tensor *bias) {
  if (!input1 || !input2 || !weight) return NULL;
  if (input1->ndim != input2->ndim)
    return ct__err("bilinear(): input dimensions do not match: got %d and %d", input1->ndim,
                   input2->ndim);
  if (input1->ndim < 1 || weight->ndim != 3)
    return ct__err("bilinear(): weight must be 3-D and inputs at least 1-D");
  int nd = input1->ndim;
  for (int i = 0; i < nd - 1; i++)
    if (input1->shape[i] != input2->shape[i])
      return ct__err("bilinear(): input batch dimensions do not match: got %lld and %lld",
                     (long long)input1->shape[i], (long long)input2->shape[i]);
  int64_t in1 = input1->shape[nd - 1], in2 = input2->shape[nd - 1], out = weight->shape[0];
  if (in1 != weight->shape[1])
    return ct__err("bilinear(): input1 size does not match weight size: got %lld but expected %lld",
                   (long long)in1, (long long)weight->shape[1]);
  if (in2 != weight->shape[2])
    return ct__err("bilinear(): input2 size does not match weight size: got %lld but expected %lld",
                   (long long)in2, (long long)weight->shape[2]);
  if (bias && (bias->ndim < 1 || bias->shape[0] != out))
    return ct__err("bilinear(): bias size does not match weight size: got %lld but expected %lld",
                   (long long)(bias->ndim ? bias->shape[0] : 1), (long long)out);
  CT_OP_BEGIN();
  int64_t n = 1; /* the batch: every dim but the last */
  for (int i = 0; i < nd - 1; i++) n *= input1->shape[i];
  ct_tensor *x1 = ct_reshape(input1, 2, (int64_t[]){n, in1});
  ct_tensor *x2 = ct_reshape(input2, 3, (int64_t[]){n, 1, in2});
  ct_tensor *w = ct_reshape(ct_permute(weight, 3, (int64_t[]){1, 0, 2}), 2, (int64_t[]){in1, out * in2});
  ct_tensor *t = ct_view(ct_matmul(x1, w), 3, (int64_t[]){n, out, in2}); /* (n, out, in2) */
  ct_tensor *y = ct_sum(ct_mul(t, x2), .dim = CT_DIMS(-1));
  if (y && bias) y = ct_add(y, bias);
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < nd - 1; i++) shape[i] = input1->shape[i];
  shape[nd - 1] = out;
  return ct__op_end(y ? ct_reshape(y, nd, shape) : NULL);
}
