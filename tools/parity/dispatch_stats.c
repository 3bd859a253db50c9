/* Parity handlers: statistics and search (src/ops/stats*.c, src/ops/search.c). */
#include <string.h>

#include "parity.h"

/* torch.median(input) / torch.median(input, dim, keepdim=False) and nanmedian */
typedef struct {
  ct_tensor *(*all)(const ct_tensor *);
  ct_tensor_pair (*dim)(const ct_tensor *, int64_t, bool);
} p_median;
static int h_median(pcall *c) {
  const p_median *m = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, 1, "dim");
  bool k = p_bool(c, 2, "keepdim", false);
  P_CHECK(c);
  return d == CT_NONE ? p_out(c, m->all(x)) : p_pair(c, m->dim(x, d, k));
}

/* torch.kthvalue(input, k, dim=-1, keepdim=False) */
static int h_kthvalue(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t k = p_int_req(c, 1, "k"), d = p_int(c, 2, "dim", -1);
  bool kd = p_bool(c, 3, "keepdim", false);
  P_CHECK(c);
  return p_pair(c, ct_kthvalue(x, k, d, kd));
}

/* torch.mode(input, dim=-1, keepdim=False) */
static int h_mode(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int(c, 1, "dim", -1);
  bool kd = p_bool(c, 2, "keepdim", false);
  P_CHECK(c);
  return p_pair(c, ct_mode(x, d, kd));
}

/* torch.quantile(input, q, dim=None, keepdim=False, *, interpolation='linear') / nanquantile;
 * q a float or a tensor */
static int h_quantile(pcall *c) {
  bool nan = c->data != NULL;
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *qa = p_arg(c, 1, "q");
  ct_tensor *q = p_is_tensor(qa) ? p_tensor(c, 1, "q") : NULL;
  double qs = q ? 0 : p_num(c, 1, "q", 0);
  ct_quantile_opts o = {.dim = p_int_opt(c, 2, "dim"), .keepdim = p_bool(c, 3, "keepdim", false)};
  const char *how = p_str(c, -1, "interpolation", "linear");
  static const char *names[] = {"linear", "lower", "higher", "midpoint", "nearest"};
  o.interpolation = (ct_quantile_interp)99;
  for (int i = 0; i < 5; i++)
    if (!strcmp(how, names[i])) o.interpolation = (ct_quantile_interp)i;
  P_CHECK(c);
  if (q) return p_out(c, nan ? ct_nanquantile_ex(x, q, o) : ct_quantile_ex(x, q, o));
  return p_out(c, nan ? ct_nanquantile_scalar_ex(x, qs, o) : ct_quantile_scalar_ex(x, qs, o));
}

/* torch.count_nonzero(input, dim=None) */
static int h_count_nonzero(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_dims d = p_dims(c, 1, "dim");
  P_CHECK(c);
  return p_out(c, ct_count_nonzero(x, d));
}

/* torch.nansum(input, dim=None, keepdim=False, *, dtype=None) / torch.nanmean */
static int h_nanreduce(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_reduce_opts o = {.dim = p_dims(c, 1, "dim"), .keepdim = p_bool(c, 2, "keepdim", false),
                      .dtype = p_dtype(c, -1, "dtype")};
  P_CHECK(c);
  return p_out(c, c->data ? ct_nanmean_ex(x, o) : ct_nansum_ex(x, o));
}

/* torch.aminmax(input, *, dim=None, keepdim=False) */
static int h_aminmax(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, -1, "dim");
  bool kd = p_bool(c, -1, "keepdim", false);
  P_CHECK(c);
  return p_pair(c, ct_aminmax(x, d, kd));
}

/* torch.cummax(input, dim) / torch.cummin(input, dim) */
static int h_cumext(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  P_CHECK(c);
  return p_pair(c, c->data ? ct_cummax(x, d) : ct_cummin(x, d));
}

/* torch.logcumsumexp(input, dim) */
static int h_logcumsumexp(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  P_CHECK(c);
  return p_out(c, ct_logcumsumexp(x, d));
}

/* torch.diff(input, n=1, dim=-1, prepend=None, append=None) */
static int h_diff(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_diff_opts o = {.n = p_int(c, 1, "n", 1), .dim = p_int(c, 2, "dim", -1),
                    .prepend = p_tensor_opt(c, 3, "prepend"), .append = p_tensor_opt(c, 4, "append")};
  P_CHECK(c);
  return p_out(c, ct_diff_ex(x, o));
}

/* torch.unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None) and
 * torch.unique_consecutive(input, return_inverse=False, return_counts=False, dim=None) */
static int h_unique(pcall *c) {
  bool cons = c->data != NULL;
  ct_tensor *x = p_tensor(c, 0, "input");
  int p = cons ? 1 : 2;
  ct_unique_opts o = {.sorted = cons || p_bool(c, 1, "sorted", true),
                      .return_inverse = p_bool(c, p, "return_inverse", false),
                      .return_counts = p_bool(c, p + 1, "return_counts", false),
                      .dim = p_int_opt(c, p + 2, "dim")};
  if (!o.sorted) p_skip(c, "sorted=False: PyTorch's CPU order is a hash order");
  P_CHECK(c);
  ct_unique_result r = cons ? ct_unique_consecutive_ex(x, o) : ct_unique_ex(x, o);
  p_out(c, r.values);
  if (o.return_inverse) p_out(c, r.inverse);
  if (o.return_counts) p_out(c, r.counts);
  return 0;
}

/* torch.searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
 * sorter=None) */
static int h_searchsorted(pcall *c) {
  ct_tensor *s = p_tensor(c, 0, "sorted_sequence"), *x = p_tensor(c, 1, "input");
  ct_search_opts o = {.out_int32 = p_bool(c, -1, "out_int32", false), .right = p_bool(c, -1, "right", false),
                      .sorter = p_tensor_opt(c, -1, "sorter")};
  const char *side = p_str(c, -1, "side", NULL);
  if (side) o.right = !strcmp(side, "right");
  P_CHECK(c);
  return p_out(c, ct_searchsorted_ex(s, x, o));
}

/* torch.bucketize(input, boundaries, *, out_int32=False, right=False) */
static int h_bucketize(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *b = p_tensor(c, 1, "boundaries");
  bool i32 = p_bool(c, -1, "out_int32", false), right = p_bool(c, -1, "right", false);
  P_CHECK(c);
  return p_out(c, ct_bucketize(x, b, i32, right));
}

/* torch.bincount(input, weights=None, minlength=0) */
static int h_bincount(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor_opt(c, 1, "weights");
  int64_t m = p_int(c, 2, "minlength", 0);
  P_CHECK(c);
  return p_out(c, ct_bincount(x, w, m));
}

/* torch.histc(input, bins=100, min=0, max=0) */
static int h_histc(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t bins = p_int(c, 1, "bins", 100);
  double lo = p_num(c, 2, "min", 0), hi = p_num(c, 3, "max", 0);
  P_CHECK(c);
  return p_out(c, ct_histc(x, bins, lo, hi));
}

/* torch.take_along_dim(input, indices, dim=None) */
static int h_take_along_dim(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 1, "indices");
  int64_t d = p_int_opt(c, 2, "dim");
  P_CHECK(c);
  return p_out(c, ct_take_along_dim(x, i, d));
}

static const int on = 1;
const parity_handler parity_handlers_stats[] = {
    {"torch.median", h_median, &(const p_median){ct_median, ct_median_dim}},
    {"torch.nanmedian", h_median, &(const p_median){ct_nanmedian, ct_nanmedian_dim}},
    {"torch.kthvalue", h_kthvalue, NULL},
    {"torch.mode", h_mode, NULL},
    {"torch.quantile", h_quantile, NULL},
    {"torch.nanquantile", h_quantile, &on},
    {"torch.count_nonzero", h_count_nonzero, NULL},
    {"torch.nansum", h_nanreduce, NULL},
    {"torch.nanmean", h_nanreduce, &on},
    {"torch.aminmax", h_aminmax, NULL},
    {"torch.cummax", h_cumext, &on},
    {"torch.cummin", h_cumext, NULL},
    {"torch.logcumsumexp", h_logcumsumexp, NULL},
    {"torch.diff", h_diff, NULL},
    {"torch.unique", h_unique, NULL},
    {"torch.unique_consecutive", h_unique, &on},
    {"torch.searchsorted", h_searchsorted, NULL},
    {"torch.bucketize", h_bucketize, NULL},
    {"torch.bincount", h_bincount, NULL},
    {"torch.histc", h_histc, NULL},
    {"torch.take_along_dim", h_take_along_dim, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_stats)
