/* Parity handlers: the classification losses of torch.nn.functional (src/ops/loss_class.c,
 * src/ops/loss_ctc.c). */
#include <string.h>

#include "ctorch/functional.h"
#include "parity.h"

/* reduction='mean' | 'sum' | 'none', or the legacy size_average / reduce when either is
 * given (_Reduction.legacy_get_string: None counts as True). */
static ct_reduction p_reduction(pcall *c, int pos_sa, int pos_reduce, int pos_red) {
  const cJSON *sa = pos_sa >= -1 ? p_arg(c, pos_sa, "size_average") : NULL;
  const cJSON *rd = pos_reduce >= -1 ? p_arg(c, pos_reduce, "reduce") : NULL;
  const char *s = p_str(c, pos_red, "reduction", "mean");
  bool sa_given = sa && !cJSON_IsNull(sa), rd_given = rd && !cJSON_IsNull(rd);
  if (sa_given || rd_given) {
    bool size_average = !sa_given || !cJSON_IsFalse(sa), reduce = !rd_given || !cJSON_IsFalse(rd);
    return size_average && reduce ? CT_REDUCTION_MEAN : reduce ? CT_REDUCTION_SUM : CT_REDUCTION_NONE;
  }
  if (strcmp(s, "sum") == 0) return CT_REDUCTION_SUM;
  if (strcmp(s, "none") == 0) return CT_REDUCTION_NONE;
  if (strcmp(s, "mean") != 0) p_skip(c, "reduction '%s'", s);
  return CT_REDUCTION_MEAN;
}

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
