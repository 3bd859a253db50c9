/* Parity handlers: pixel / channel shuffles and the distances of torch.nn.functional
 * (src/ops/shuffle.c, src/ops/distance.c). */
#include <math.h>

#include "parity.h"

/* F.pixel_shuffle(input, upscale_factor) / F.pixel_unshuffle(input, downscale_factor) /
 * F.channel_shuffle(input, groups) / F.native_channel_shuffle */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, int64_t);
  const char *kw;
} p_shuffle;
static int h_shuffle(pcall *c) {
  const p_shuffle *s = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t r = p_int_req(c, 1, s->kw);
  P_CHECK(c);
  return p_out(c, s->fn(x, r));
}

/* F.pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False) */
static int h_pairwise(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "x1"), *b = p_tensor(c, 1, "x2");
  double p = p_num(c, 2, "p", 2), eps = p_num(c, 3, "eps", 1e-6);
  bool keep = p_bool(c, 4, "keepdim", false);
  P_CHECK(c);
  return p_out(c, ct_pairwise_distance(a, b, .p = p, .eps = eps, .keepdim = keep));
}

/* F.cosine_similarity(x1, x2, dim=1, eps=1e-8) */
static int h_cosine(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "x1"), *b = p_tensor(c, 1, "x2");
  int64_t d = p_int(c, 2, "dim", 1);
  double eps = p_num(c, 3, "eps", 1e-8);
  P_CHECK(c);
  return p_out(c, ct_cosine_similarity(a, b, .dim = d, .eps = eps));
}

/* F.pdist(input, p=2) */
static int h_pdist(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  double p = p_num(c, 1, "p", 2);
  P_CHECK(c);
  return p_out(c, ct_pdist(x, p));
}

/* F.normalize(input, p=2.0, dim=1, eps=1e-12, out=None) */
static int h_normalize(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  double p = p_num(c, 1, "p", 2), eps = p_num(c, 3, "eps", 1e-12);
  int64_t d = p_int(c, 2, "dim", 1);
  p_expect_null(c, 4, "out");
  P_CHECK(c);
  return p_out(c, ct_normalize(x, .p = p, .dim = d, .eps = eps));
}

const parity_handler parity_handlers_distance[] = {
    {"F.pixel_shuffle", h_shuffle, &(const p_shuffle){ct_pixel_shuffle, "upscale_factor"}},
    {"F.pixel_unshuffle", h_shuffle, &(const p_shuffle){ct_pixel_unshuffle, "downscale_factor"}},
    {"F.channel_shuffle", h_shuffle, &(const p_shuffle){ct_channel_shuffle, "groups"}},
    {"F.pairwise_distance", h_pairwise, NULL},
    {"F.cosine_similarity", h_cosine, NULL},
    {"F.pdist", h_pdist, NULL},
    {"F.normalize", h_normalize, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_distance)
