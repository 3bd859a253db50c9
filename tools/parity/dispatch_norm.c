/* Parity handlers: normalisation, dropout and embedding of torch.nn.functional. */
#include <math.h>
#include <string.h>

#include "ctorch/functional.h"
#include "parity.h"

/* F.batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
 * momentum=0.1, eps=1e-05) */
static int h_batch_norm(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_tensor *rm = p_tensor_opt(c, 1, "running_mean"), *rv = p_tensor_opt(c, 2, "running_var");
  ct_batch_norm_opts o = {.weight = p_tensor_opt(c, 3, "weight"), .bias = p_tensor_opt(c, 4, "bias"),
                          .training = p_bool(c, 5, "training", false),
                          .momentum = p_num(c, 6, "momentum", 0.1), .eps = p_num(c, 7, "eps", 1e-5)};
  P_CHECK(c);
  return p_out(c, ct_batch_norm_ex(x, rm, rv, o));
}

/* F.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) */
static int h_layer_norm(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints ns = {0};
  ns.n = p_ints(c, 1, "normalized_shape", ns.v, CT_MAX_DIMS);
  if (ns.n < 0) p_skip(c, "missing argument 'normalized_shape'");
  ct_layer_norm_opts o = {.weight = p_tensor_opt(c, 2, "weight"), .bias = p_tensor_opt(c, 3, "bias"),
                          .eps = p_num(c, 4, "eps", 1e-5)};
  P_CHECK(c);
  return p_out(c, ct_layer_norm_ex(x, ns, o));
}

/* F.group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) */
static int h_group_norm(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t g = p_int_req(c, 1, "num_groups");
  ct_group_norm_opts o = {.weight = p_tensor_opt(c, 2, "weight"), .bias = p_tensor_opt(c, 3, "bias"),
                          .eps = p_num(c, 4, "eps", 1e-5)};
  P_CHECK(c);
  return p_out(c, ct_group_norm_ex(x, g, o));
}

/* F.instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
 * use_input_stats=True, momentum=0.1, eps=1e-05) */
static int h_instance_norm(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_instance_norm_opts o = {
      .running_mean = p_tensor_opt(c, 1, "running_mean"), .running_var = p_tensor_opt(c, 2, "running_var"),
      .weight = p_tensor_opt(c, 3, "weight"), .bias = p_tensor_opt(c, 4, "bias"),
      .use_input_stats = p_bool(c, 5, "use_input_stats", true),
      .momentum = p_num(c, 6, "momentum", 0.1), .eps = p_num(c, 7, "eps", 1e-5)};
  P_CHECK(c);
  return p_out(c, ct_instance_norm_ex(x, o));
}

/* F.local_response_norm(input, size, alpha=0.0001, beta=0.75, k=1.0) */
static int h_lrn(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t size = p_int_req(c, 1, "size");
  ct_local_response_norm_opts o = {.alpha = p_num(c, 2, "alpha", 1e-4),
                                   .beta = p_num(c, 3, "beta", 0.75), .k = p_num(c, 4, "k", 1.0)};
  P_CHECK(c);
  return p_out(c, ct_local_response_norm_ex(x, size, o));
}

/* F.dropout(input, p=0.5, training=True, inplace=False) and its family. Parity cases replay
 * the deterministic forms only (training=False, p=0 or p=1): random masks are compared draw
 * for draw in the unit tests. */
typedef struct {
  ct_tensor *(*fn)(ct_tensor *, ct_dropout_opts);
  bool training_default;
} p_dropout;
static int h_dropout(pcall *c) {
  const p_dropout *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_dropout_opts o = {.p = p_num(c, 1, "p", 0.5), .training = p_bool(c, 2, "training", d->training_default)};
  p_expect_bool(c, 3, "inplace", false);
  P_CHECK(c);
  return p_out(c, d->fn(x, o));
}

/* F.embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
 * scale_grad_by_freq=False, sparse=False) */
static int h_embedding(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  ct_embedding_opts o = {.padding_idx = p_int_opt(c, 2, "padding_idx")};
  const cJSON *mn = p_arg(c, 3, "max_norm");
  o.max_norm = mn && !cJSON_IsNull(mn) ? p_num(c, 3, "max_norm", 0) : NAN;
  o.norm_type = p_num(c, 4, "norm_type", 2.0);
  o.scale_grad_by_freq = p_bool(c, 5, "scale_grad_by_freq", false);
  o.sparse = p_bool(c, 6, "sparse", false);
  P_CHECK(c);
  return p_out(c, ct_embedding_ex(x, w, o));
}

/* F.embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=
 * False, mode='mean', sparse=False, per_sample_weights=None, include_last_offset=False,
 * padding_idx=None) */
static int h_embedding_bag(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  ct_embedding_bag_opts o = {.offsets = p_tensor_opt(c, 2, "offsets")};
  const cJSON *mn = p_arg(c, 3, "max_norm");
  o.max_norm = mn && !cJSON_IsNull(mn) ? p_num(c, 3, "max_norm", 0) : NAN;
  o.norm_type = p_num(c, 4, "norm_type", 2.0);
  o.scale_grad_by_freq = p_bool(c, 5, "scale_grad_by_freq", false);
  const char *mode = p_str(c, 6, "mode", "mean");
  o.mode = !strcmp(mode, "sum") ? CT_BAG_SUM : !strcmp(mode, "max") ? CT_BAG_MAX : CT_BAG_MEAN;
  if (strcmp(mode, "sum") && strcmp(mode, "mean") && strcmp(mode, "max")) o.mode = (ct_bag_mode)99;
  o.sparse = p_bool(c, 7, "sparse", false);
  o.per_sample_weights = p_tensor_opt(c, 8, "per_sample_weights");
  o.include_last_offset = p_bool(c, 9, "include_last_offset", false);
  o.padding_idx = p_int_opt(c, 10, "padding_idx");
  P_CHECK(c);
  return p_out(c, ct_embedding_bag_ex(x, w, o));
}

const parity_handler parity_handlers_norm[] = {
    {"F.batch_norm", h_batch_norm, NULL},
    {"F.layer_norm", h_layer_norm, NULL},
    {"F.group_norm", h_group_norm, NULL},
    {"F.instance_norm", h_instance_norm, NULL},
    {"F.local_response_norm", h_lrn, NULL},
    {"F.dropout", h_dropout, &(const p_dropout){ct_dropout_ex, true}},
    {"F.dropout1d", h_dropout, &(const p_dropout){ct_dropout1d_ex, true}},
    {"F.dropout2d", h_dropout, &(const p_dropout){ct_dropout2d_ex, true}},
    {"F.dropout3d", h_dropout, &(const p_dropout){ct_dropout3d_ex, true}},
    {"F.alpha_dropout", h_dropout, &(const p_dropout){ct_alpha_dropout_ex, false}},
    {"F.feature_alpha_dropout", h_dropout, &(const p_dropout){ct_feature_alpha_dropout_ex, false}},
    {"F.embedding", h_embedding, NULL},
    {"F.embedding_bag", h_embedding_bag, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_norm)
