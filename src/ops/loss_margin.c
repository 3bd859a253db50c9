/* The margin losses PyTorch 1.13 composes from other ops (aten/src/ATen/native/Loss.cpp and
 * torch/nn/functional.py): margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss,
 * triplet_margin_loss, triplet_margin_with_distance_loss. Composed the same way here, so the
 * gradients (of every input, target included where PyTorch has one) and the second
 * derivatives come from the ops, and the grad_fn is the last op's as in PyTorch. */
#include <math.h>

#include "ctorch/functional.h"
#include "loss.h"

/* Loss.cpp's EPSILON is a float constant: 1e-12f as a double. */
#define COSINE_EPSILON ((double)1e-12f)

/* l.clamp_min_(0): ClampMinBackward0 as PyTorch's in-place clamp_min_ records. */
static ct_tensor *clamp_min0(ct_tensor *l) {
  ct_tensor *r = ct_clamp(l, 0, NAN);
  if (r) ct__set_grad_fn_name(r, "ClampMinBackward0");
  return r;
}

/* (-target * (input1 - input2) + margin).clamp_min_(0), reduced. functional.py first refuses
 * inputs of different ranks (message with its trailing space); shapes then broadcast. */
ct_tensor *ct_margin_ranking_loss_ex(const ct_tensor *input1, const ct_tensor *input2,
                                     const ct_tensor *target, ct_margin_ranking_loss_opts o) {
  if (!input1 || !input2 || !target) return NULL;
  if (input1->ndim != input2->ndim || input1->ndim != target->ndim)
    return ct__err("margin_ranking_loss : All input tensors should have same dimension but got "
                   "sizes: input1: torch.Size(%s), input2: torch.Size(%s), target: torch.Size(%s) ",
                   SHP(0, input1->ndim, input1->shape), SHP(1, input2->ndim, input2->shape),
                   SHP(2, target->ndim, target->shape));
  CT_OP_BEGIN();
  ct_tensor *l = ct_add_scalar(ct_mul(ct_neg(target), ct_sub(input1, input2)), o.margin);
  return ct__op_end(ct__loss_reduce(clamp_min0(l), o.reduction, "margin_ranking_loss"));
}

/* where(target != 1, (margin - input).clamp_min_(0), 0) + where(target != -1, input, 0) */
ct_tensor *ct_hinge_embedding_loss_ex(const ct_tensor *input, const ct_tensor *target,
                                      ct_hinge_embedding_loss_opts o) {
  if (!input || !target) return NULL;
  CT_OP_BEGIN();
  ct_tensor *zeros = ct_zeros_like(input);
  ct_tensor *margin_clamp = clamp_min0(ct_rsub_scalar(input, o.margin));
  ct_tensor *l = ct_add(ct_where(ct_ne_scalar(target, 1), margin_clamp, zeros),
                        ct_where(ct_ne_scalar(target, -1), input, zeros));
  return ct__op_end(ct__loss_reduce(l, o.reduction, "hinge_embedding_loss"));
}

/* cos = sum(x1 x2) / sqrt((sum(x1^2) + EPS) (sum(x2^2) + EPS)) over the last dim (dim 1 with a
 * 1-D target, dim 0 with a 0-dim one); where(target == 1, 1 - cos, 0) +
 * where(target == -1, (cos - margin).clamp_min_(0), 0). */
ct_tensor *ct_cosine_embedding_loss_ex(const ct_tensor *input1, const ct_tensor *input2,
                                       const ct_tensor *target, ct_cosine_embedding_loss_opts o) {
  if (!input1 || !input2 || !target) return NULL;
  int td = target->ndim;
  if (td != 0 && td != 1)
    return ct__err("0D or 1D target tensor expected, multi-target not supported");
  if (input1->ndim != td + 1)
    return ct__err("%s target tensor expects %s input tensors, but found inputs with sizes %s and %s.",
                   td ? "1D" : "0D", td ? "2D" : "1D", SHP(0, input1->ndim, input1->shape),
                   SHP(1, input2->ndim, input2->shape));
  CT_OP_BEGIN();
  ct_dims d = CT_DIMS(td);
  ct_tensor *prod_sum = ct_sum(ct_mul(input1, input2), .dim = d);
  ct_tensor *mag1 = ct_add_scalar(ct_sum(ct_mul(input1, input1), .dim = d), COSINE_EPSILON);
  ct_tensor *mag2 = ct_add_scalar(ct_sum(ct_mul(input2, input2), .dim = d), COSINE_EPSILON);
  ct_tensor *cos = ct_div(prod_sum, ct_sqrt(ct_mul(mag1, mag2)));
  ct_tensor *zeros = ct_zeros_like(cos);
  ct_tensor *pos = ct_rsub_scalar(cos, 1), *neg = clamp_min0(ct_sub_scalar(cos, o.margin));
  ct_tensor *l = ct_add(ct_where(ct_eq_scalar(target, 1), pos, zeros),
                        ct_where(ct_eq_scalar(target, -1), neg, zeros));
  return ct__op_end(ct__loss_reduce(l, o.reduction, "cosine_embedding_loss"));
}

/* clamp_min(margin + d(a, p) - d(a, n), 0) with d = pairwise_distance(., ., p, eps) and, with
 * swap, d(a, n) = min(d(a, n), d(p, n)). */
ct_tensor *ct_triplet_margin_loss_ex(const ct_tensor *anchor, const ct_tensor *positive,
                                     const ct_tensor *negative, ct_triplet_margin_loss_opts o) {
  if (!anchor || !positive || !negative) return NULL;
  if (anchor->ndim != positive->ndim || positive->ndim != negative->ndim)
    return ct__err("All inputs should have same dimension but got %dD, %dD and %dD inputs.",
                   anchor->ndim, positive->ndim, negative->ndim);
  CT_OP_BEGIN();
  ct_pairwise_distance_opts po = {.p = o.p, .eps = o.eps};
  ct_tensor *dpos = ct_pairwise_distance_ex(anchor, positive, po);
  ct_tensor *dneg = ct_pairwise_distance_ex(anchor, negative, po);
  if (o.swap) dneg = ct_minimum(dneg, ct_pairwise_distance_ex(positive, negative, po));
  ct_tensor *l = clamp_min0(ct_sub(ct_add_scalar(dpos, o.margin), dneg));
  return ct__op_end(ct__loss_reduce(l, o.reduction, "triplet_margin_loss"));
}

static ct_tensor *distance(const ct_triplet_margin_with_distance_loss_opts *o, const ct_tensor *a,
                           const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (o->distance_function) return o->distance_function(a, b, o->distance_user);
  return ct_pairwise_distance(a, b);
}

/* functional.py's: clamp(d(a, p) - d(a, n) + margin, min=0.0) (ClampBackward1), swap taking
 * min(d(a, n), d(p, n)); no rank check (the distance function decides what it accepts). */
ct_tensor *ct_triplet_margin_with_distance_loss_ex(const ct_tensor *anchor, const ct_tensor *positive,
                                                   const ct_tensor *negative,
                                                   ct_triplet_margin_with_distance_loss_opts o) {
  if (!anchor || !positive || !negative) return NULL;
  CT_OP_BEGIN();
  ct_tensor *dpos = distance(&o, anchor, positive);
  ct_tensor *dneg = dpos ? distance(&o, anchor, negative) : NULL;
  if (dneg && o.swap) dneg = ct_minimum(dneg, distance(&o, positive, negative));
  if (!dpos || !dneg) {
    if (!ct__has_error()) ct__err("triplet_margin_with_distance_loss: distance_function returned NULL");
    return ct__op_end(NULL);
  }
  ct_tensor *l = ct_clamp(ct_add_scalar(ct_sub(dpos, dneg), o.margin), 0, NAN);
  return ct__op_end(ct__loss_reduce(l, o.reduction, "triplet_margin_with_distance_loss"));
}
