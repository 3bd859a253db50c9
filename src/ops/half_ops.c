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
