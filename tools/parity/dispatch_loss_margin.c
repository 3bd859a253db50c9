/* Parity handlers: the margin losses of torch.nn.functional (src/ops/loss_margin.c,
 * src/ops/loss_multi_margin.c). */

#include "parity.h"

/* F.margin_ranking_loss(input1, input2, target, margin=0, size_average, reduce, reduction) and
 * F.cosine_embedding_loss (the same signature) */
typedef ct_tensor *(*pair_loss_fn)(const ct_tensor *, const ct_tensor *, const ct_tensor *, double,
                                   ct_reduction);
static ct_tensor *margin_ranking(const ct_tensor *a, const ct_tensor *b, const ct_tensor *t,
                                 double m, ct_reduction r) {
  return ct_margin_ranking_loss(a, b, t, .margin = m, .reduction = r);
}
static ct_tensor *cosine_embedding(const ct_tensor *a, const ct_tensor *b, const ct_tensor *t,
                                   double m, ct_reduction r) {
  return ct_cosine_embedding_loss(a, b, t, .margin = m, .reduction = r);
}
static int h_pair(pcall *c) {
  pair_loss_fn fn = *(const pair_loss_fn *)c->data;
  ct_tensor *a = p_tensor(c, 0, "input1"), *b = p_tensor(c, 1, "input2"), *t = p_tensor(c, 2, "target");
  double m = p_num(c, 3, "margin", 0);
  ct_reduction r = p_reduction(c, 4, 5, 6);
  P_CHECK(c);
  return p_out(c, fn(a, b, t, m, r));
}

/* F.hinge_embedding_loss(input, target, margin=1.0, size_average, reduce, reduction) */
static int h_hinge(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *t = p_tensor(c, 1, "target");
  double m = p_num(c, 2, "margin", 1.0);
  ct_reduction r = p_reduction(c, 3, 4, 5);
  P_CHECK(c);
  return p_out(c, ct_hinge_embedding_loss(x, t, .margin = m, .reduction = r));
}

/* F.triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
 * size_average, reduce, reduction) */
static int h_triplet(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "anchor"), *p = p_tensor(c, 1, "positive"), *n = p_tensor(c, 2, "negative");
  double m = p_num(c, 3, "margin", 1.0), pn = p_num(c, 4, "p", 2), eps = p_num(c, 5, "eps", 1e-6);
  bool swap = p_bool(c, 6, "swap", false);
  ct_reduction r = p_reduction(c, 7, 8, 9);
  P_CHECK(c);
  return p_out(c, ct_triplet_margin_loss(a, p, n, .margin = m, .p = pn, .eps = eps, .swap = swap,
                                         .reduction = r));
}

/* F.triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
 * margin=1.0, swap=False, reduction='mean'): the default distance only (a callable is not data) */
static int h_triplet_distance(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "anchor"), *p = p_tensor(c, 1, "positive"), *n = p_tensor(c, 2, "negative");
  p_expect_null(c, -1, "distance_function");
  double m = p_num(c, -1, "margin", 1.0);
  bool swap = p_bool(c, -1, "swap", false);
  ct_reduction r = p_reduction(c, -2, -2, -1);
  P_CHECK(c);
  return p_out(c, ct_triplet_margin_with_distance_loss(a, p, n, .margin = m, .swap = swap, .reduction = r));
}

/* F.multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average, reduce,
 * reduction) */
static int h_multi_margin(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *t = p_tensor(c, 1, "target");
  int64_t p = p_int(c, 2, "p", 1);
  double m = p_num(c, 3, "margin", 1.0);
  ct_tensor *w = p_tensor_opt(c, 4, "weight");
  ct_reduction r = p_reduction(c, 5, 6, 7);
  P_CHECK(c);
  return p_out(c, ct_multi_margin_loss(x, t, .p = p, .margin = m, .weight = w, .reduction = r));
}

/* F.multilabel_margin_loss(input, target, size_average, reduce, reduction) */
static int h_multilabel_margin(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *t = p_tensor(c, 1, "target");
  ct_reduction r = p_reduction(c, 2, 3, 4);
  P_CHECK(c);
  return p_out(c, ct_multilabel_margin_loss(x, t, .reduction = r));
}

static const pair_loss_fn margin_ranking_fn = margin_ranking, cosine_embedding_fn = cosine_embedding;

const parity_handler parity_handlers_loss_margin[] = {
    {"F.margin_ranking_loss", h_pair, &margin_ranking_fn},
    {"F.cosine_embedding_loss", h_pair, &cosine_embedding_fn},
    {"F.hinge_embedding_loss", h_hinge, NULL},
    {"F.triplet_margin_loss", h_triplet, NULL},
    {"F.triplet_margin_with_distance_loss", h_triplet_distance, NULL},
    {"F.multi_margin_loss", h_multi_margin, NULL},
    {"F.multilabel_margin_loss", h_multilabel_margin, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_loss_margin)
