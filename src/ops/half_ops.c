/* Ops on float16 / bfloat16 that have no 16-bit kernel: computed in float32 and rounded back,
 * as PyTorch's CPU kernels do. Through ct_to both ways, so autograd sees ToCopyBackward0 and a
 * half leaf's gradient stays half. */
#include "../internal.h"

/* op(float32(a), float32(b)) in a's dtype; a and b must share that 16-bit dtype. */
ct_tensor *ct__half_up2(ct_tensor *(*op)(const ct_tensor *, const ct_tensor *), const ct_tensor *a,
                        const ct_tensor *b) {
  if (a->dtype != b->dtype)
    return ct__err("expected m1 and m2 to have the same dtype, but got: %s != %s",
                   ct__dtype_short(a->dtype), ct__dtype_short(b->dtype));
  CT_OP_BEGIN();
  ct_tensor *r = op(ct_to(a, CT_FLOAT32), ct_to(b, CT_FLOAT32));
  return ct__op_end(r ? ct_to(r, a->dtype) : NULL);
}

/* A reduction (sum, mean) of a 16-bit tensor, or into a 16-bit dtype: accumulated in float32. */
ct_tensor *ct__half_reduce(ct_tensor *(*fn)(const ct_tensor *, ct_reduce_opts), const ct_tensor *t,
                           ct_reduce_opts o) {
  ct_dtype out = (int)o.dtype >= 0 ? o.dtype : t->dtype;
  if (ct__is_half(o.dtype)) o.dtype = CT_FLOAT32;
  CT_OP_BEGIN();
  ct_tensor *r = fn(ct__is_half(t->dtype) ? ct_to(t, CT_FLOAT32) : (ct_tensor *)t, o);
  return ct__op_end(r && r->dtype != out ? ct_to(r, out) : r);
}

/* ---- the float32 detour of an op without a 16-bit kernel -----------------------------------
 *   ct_dtype h = ct__half_enter(x, w, b);
 *   if ((int)h >= 0) return ct__half_end(ct_op(ct__f32(x), ct__f32(w), ct__f32(b), ...), h);
 * enter finds the 16-bit dtype among the (possibly NULL) tensors and then opens the op scope
 * that end closes, so the float32 copies die there; end rounds a float32 result back to h
 * (through ct_to: autograd records ToCopyBackward0 and a half leaf's grad is half). */
ct_dtype ct__half_enter(const ct_tensor *a, const ct_tensor *b, const ct_tensor *c) {
  const ct_tensor *ts[3] = {a, b, c};
  for (int i = 0; i < 3; i++)
    if (ts[i] && ct__is_half(ts[i]->dtype)) {
      CT_OP_BEGIN();
      return ts[i]->dtype;
    }
  return CT_DTYPE_UNSET;
}

ct_tensor *ct__f32(const ct_tensor *t) {
  return t && ct__is_half(t->dtype) ? ct_to(t, CT_FLOAT32) : (ct_tensor *)t;
}

static ct_tensor *round_back(ct_tensor *r, ct_dtype h) {
  return r && r->dtype == CT_FLOAT32 ? ct_to(r, h) : r;
}

ct_tensor *ct__half_end(ct_tensor *r, ct_dtype h) { return ct__op_end(round_back(r, h)); }

ct_tensor_pair ct__half_end_pair(ct_tensor_pair p, ct_dtype h) {
  ct_tensor_pair r = {round_back(p.values, h), round_back(p.indices, h)};
  bool ok = r.values && (r.indices || !p.indices); /* a pair may carry one tensor */
  if (ok) {
    ct_keep(r.values);
    if (r.indices) ct_keep(r.indices);
  }
  ct_scope_end();
  return ok ? r : (ct_tensor_pair){NULL, NULL};
}

/* dst = the float32 result r rounded into dst's dtype (an in-place op's detour); 0 or -1. */
int ct__half_end_into(ct_tensor *dst, ct_tensor *r) {
  int rc = r ? (ct_copy_(dst, r) ? 0 : -1) : -1;
  ct_scope_end();
  return rc;
}

/* PyTorch's refusal of a dtype an op has no kernel for; NULL. */
ct_tensor *ct__half_refuse(const char *op, ct_dtype dt) {
  return ct__err("\"%s\" not implemented for '%s'", op, ct__dtype_short(dt));
}

/* Are all the given (non-NULL) tensors bfloat16? The matrix products then run natively
 * (gemm_bf16.c) and record PyTorch's MmBackward0 / AddmmBackward0, not the float32 detour. */
bool ct__all_bf16(const ct_tensor *a, const ct_tensor *b, const ct_tensor *c) {
  const ct_tensor *ts[3] = {a, b, c};
  bool any = false;
  for (int i = 0; i < 3; i++) {
    if (ts[i] && ts[i]->dtype != CT_BFLOAT16) return false;
    any |= ts[i] != NULL;
  }
  return any;
}
