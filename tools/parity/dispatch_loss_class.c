/* Parity handlers: the classification losses of torch.nn.functional (src/ops/loss_class.c,
 * src/ops/loss_ctc.c). */

#include "ctorch/functional.h"
#include "parity.h"

/* F.nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
 * reduction='mean') */
static int h_nll_loss(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *t = p_tensor(c, 1, "target");
  ct_nll_loss_opts o = {.weight = p_tensor_opt(c, 2, "weight"),
                        .ignore_index = p_int(c, 4, "ignore_index", -100),
                        .reduction = p_reduction(c, 3, 5, 6)};
  P_CHECK(c);
  return p_out(c, ct_nll_loss_ex(x, t, o));
}

/* F.cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
 * reduce=None, reduction='mean', label_smoothing=0.0) */
static int h_cross_entropy(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *t = p_tensor(c, 1, "target");
  ct_cross_entropy_opts o = {.weight = p_tensor_opt(c, 2, "weight"),
                             .ignore_index = p_int(c, 4, "ignore_index", -100),
                             .reduction = p_reduction(c, 3, 5, 6),
                             .label_smoothing = p_num(c, 7, "label_smoothing", 0.0)};
  P_CHECK(c);
  return p_out(c, ct_cross_entropy_ex(x, t, o));
}

/* F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
 * zero_infinity=False): the lengths as tensors or int lists */
static int h_ctc_loss(pcall *c) {
  ct_tensor *lp = p_tensor(c, 0, "log_probs"), *t = p_tensor(c, 1, "targets");
  const cJSON *il = p_arg(c, 2, "input_lengths"), *tl = p_arg(c, 3, "target_lengths");
  ct_ctc_loss_opts o = {.blank = p_int(c, 4, "blank", 0), .reduction = p_reduction(c, -2, -2, 5),
                        .zero_infinity = p_bool(c, 6, "zero_infinity", false)};
  P_CHECK(c);
  if (il && tl && p_is_tensor(il) && p_is_tensor(tl))
    return p_out(c, ct_ctc_loss_ex(lp, t, p_tensor_of(c, il, "input_lengths"),
                                   p_tensor_of(c, tl, "target_lengths"), o));
  int64_t iv[256], tv[256];
  int ni = p_ints(c, 2, "input_lengths", iv, 256), nt = p_ints(c, 3, "target_lengths", tv, 256);
  if (ni < 0 || nt < 0) p_skip(c, "input_lengths / target_lengths: tensors or int lists");
  P_CHECK(c);
  return p_out(c, ct_ctc_loss_lengths_ex(lp, t, ni, iv, nt, tv, o));
}

const parity_handler parity_handlers_loss_class[] = {
    {"F.nll_loss", h_nll_loss, NULL},
    {"F.cross_entropy", h_cross_entropy, NULL},
    {"F.ctc_loss", h_ctc_loss, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_loss_class)
