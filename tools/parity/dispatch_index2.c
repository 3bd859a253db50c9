/* Parity handlers: t[indices], index_put, put, masked_scatter (src/ops/index_put.c) and
 * torch.histogram (src/ops/histogram.c). data: non-NULL for the in-place Tensor.*_ forms. */
#include "parity.h"

static const int on = 1;

/* an index list: a tensor, or an array of tensors and nulls (null: a full slice ':') */
static int index_list(pcall *c, int pos, const char *kw, ct_tensor **out) {
  const cJSON *v = p_arg(c, pos, kw);
  if (!cJSON_IsArray(v)) {
    out[0] = p_tensor_of(c, v, kw);
    return 1;
  }
  int n = cJSON_GetArraySize(v);
  if (n > CT_MAX_DIMS) {
    p_skip(c, "more than %d indices", CT_MAX_DIMS);
    return 0;
  }
  for (int i = 0; i < n; i++) {
    const cJSON *e = cJSON_GetArrayItem(v, i);
    out[i] = cJSON_IsNull(e) ? NULL : p_tensor_of(c, e, kw);
  }
  return n;
}

/* Tensor.__getitem__(t, idx or (idx, ...)) and torch.ops.aten.index.Tensor(t, [idx or None]) */
static int h_index(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self"), *idx[CT_MAX_DIMS];
  int n = index_list(c, 1, "indices", idx);
  P_CHECK(c);
  return p_out(c, ct_index(x, idx, n));
}

/* torch.index_put(input, indices, values, accumulate=False), Tensor.index_put(_), and
 * torch.ops.aten.index_put.default (None entries) */
static int h_index_put(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self"), *idx[CT_MAX_DIMS];
  int n = index_list(c, 1, "indices", idx);
  ct_tensor *v = p_tensor(c, 2, "values");
  bool acc = p_bool(c, 3, "accumulate", false);
  P_CHECK(c);
  return p_out(c, c->data ? ct_index_put_(x, idx, n, v, acc) : ct_index_put(x, idx, n, v, acc));
}

/* Tensor.put(index, source, accumulate=False) / torch.put / Tensor.put_ */
static int h_put(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 1, "index"), *s = p_tensor(c, 2, "source");
  bool acc = p_bool(c, 3, "accumulate", false);
  P_CHECK(c);
  return p_out(c, c->data ? ct_put_(x, i, s, acc) : ct_put(x, i, s, acc));
}

/* Tensor.masked_scatter(mask, source) / torch.masked_scatter / Tensor.masked_scatter_ */
static int h_masked_scatter(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *m = p_tensor(c, 1, "mask"), *s = p_tensor(c, 2, "source");
  P_CHECK(c);
  return p_out(c, c->data ? ct_masked_scatter_(x, m, s) : ct_masked_scatter(x, m, s));
}

/* torch.histogram(input, bins, *, range=None, weight=None, density=False): bins an int or
 * a tensor of edges */
static int h_histogram(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *b = p_arg(c, 1, "bins");
  ct_tensor *bt = p_is_number(b) ? NULL : p_tensor_of(c, b, "bins");
  double r[2] = {__builtin_nan(""), __builtin_nan("")};
  const cJSON *rg = p_arg(c, -1, "range");
  if (cJSON_IsArray(rg) && cJSON_GetArraySize(rg) == 2) {
    r[0] = p_number(cJSON_GetArrayItem(rg, 0));
    r[1] = p_number(cJSON_GetArrayItem(rg, 1));
  }
  ct_histogram_opts o = CT_HISTOGRAM_OPTS(.range = {r[0], r[1]}, .weight = p_tensor_opt(c, -1, "weight"),
                                          .density = p_bool(c, -1, "density", false));
  P_CHECK(c);
  ct_histogram_result h = bt ? ct_histogram_bins_ex(x, bt, o) : ct_histogram_ex(x, (int64_t)p_number(b), o);
  p_out(c, h.hist);
  return p_out(c, h.bin_edges);
}

const parity_handler parity_handlers_index2[] = {
    {"Tensor.__getitem__", h_index, NULL},
    {"torch.ops.aten.index.Tensor", h_index, NULL},
    {"torch.index_put", h_index_put, NULL},
    {"Tensor.index_put", h_index_put, NULL},
    {"Tensor.index_put_", h_index_put, &on},
    {"torch.ops.aten.index_put.default", h_index_put, NULL},
    {"torch.put", h_put, NULL},
    {"Tensor.put", h_put, NULL},
    {"Tensor.put_", h_put, &on},
    {"torch.masked_scatter", h_masked_scatter, NULL},
    {"Tensor.masked_scatter", h_masked_scatter, NULL},
    {"Tensor.masked_scatter_", h_masked_scatter, &on},
    {"torch.histogram", h_histogram, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_index2)
