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
