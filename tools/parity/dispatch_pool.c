/* Parity handlers: the pooling family of torch.nn.functional (include/ctorch/functional.h,
 * "pooling" block), with PyTorch's argument names and defaults. */
#include <string.h>

#include "ctorch/functional.h"
#include "parity.h"

/* An int-or-tuple argument; absent or None gives n == 0 (the function's default). */
static ct_ints ints_arg(pcall *c, int pos, const char *kw) {
  ct_ints v = {0};
  int n = p_ints(c, pos, kw, v.v, CT_MAX_DIMS);
  v.n = n < 0 ? 0 : n;
  return v;
}

typedef struct {
  int nsp;
  bool with_indices; /* F.max_pool2d_with_indices: return_indices is implied */
} pool_kind;

/* F.max_poolNd(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
 * return_indices=False) */
static int h_max_pool(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints ks = ints_arg(c, 1, "kernel_size");
  ct_max_pool_opts o = {ints_arg(c, 2, "stride"), ints_arg(c, 3, "padding"),
                        ints_arg(c, 4, "dilation"), p_bool(c, 5, "ceil_mode", false)};
  bool ri = p_bool(c, 6, "return_indices", false) || k->with_indices;
  P_CHECK(c);
  ct_tensor_pair (*wi[])(const ct_tensor *, ct_ints, ct_max_pool_opts) = {
      NULL, ct_max_pool1d_with_indices_ex, ct_max_pool2d_with_indices_ex, ct_max_pool3d_with_indices_ex};
  ct_tensor *(*plain[])(const ct_tensor *, ct_ints, ct_max_pool_opts) = {
      NULL, ct_max_pool1d_ex, ct_max_pool2d_ex, ct_max_pool3d_ex};
  return ri ? p_pair(c, wi[k->nsp](x, ks, o)) : p_out(c, plain[k->nsp](x, ks, o));
}

/* F.avg_poolNd(input, kernel_size, stride=None, padding=0, ceil_mode=False,
 * count_include_pad=True, divisor_override=None); 1d has no divisor_override */
static int h_avg_pool(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints ks = ints_arg(c, 1, "kernel_size");
  ct_avg_pool_opts o = CT_AVG_POOL_OPTS(.stride = ints_arg(c, 2, "stride"),
                                        .padding = ints_arg(c, 3, "padding"),
                                        .ceil_mode = p_bool(c, 4, "ceil_mode", false),
                                        .count_include_pad = p_bool(c, 5, "count_include_pad", true));
  if (k->nsp > 1) o.divisor_override = p_int_opt(c, 6, "divisor_override");
  P_CHECK(c);
  ct_tensor *(*f[])(const ct_tensor *, ct_ints, ct_avg_pool_opts) = {
      NULL, ct_avg_pool1d_ex, ct_avg_pool2d_ex, ct_avg_pool3d_ex};
  return p_out(c, f[k->nsp](x, ks, o));
}

/* F.adaptive_max_poolNd(input, output_size, return_indices=False) */
static int h_adaptive_max(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints os = ints_arg(c, 1, "output_size");
  bool ri = p_bool(c, 2, "return_indices", false) || k->with_indices;
  P_CHECK(c);
  ct_tensor_pair (*wi[])(const ct_tensor *, ct_ints) = {
      NULL, ct_adaptive_max_pool1d_with_indices, ct_adaptive_max_pool2d_with_indices,
      ct_adaptive_max_pool3d_with_indices};
  ct_tensor *(*plain[])(const ct_tensor *, ct_ints) = {
      NULL, ct_adaptive_max_pool1d, ct_adaptive_max_pool2d, ct_adaptive_max_pool3d};
  return ri ? p_pair(c, wi[k->nsp](x, os)) : p_out(c, plain[k->nsp](x, os));
}

/* F.adaptive_avg_poolNd(input, output_size) */
static int h_adaptive_avg(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints os = ints_arg(c, 1, "output_size");
  P_CHECK(c);
  ct_tensor *(*f[])(const ct_tensor *, ct_ints) = {
      NULL, ct_adaptive_avg_pool1d, ct_adaptive_avg_pool2d, ct_adaptive_avg_pool3d};
  return p_out(c, f[k->nsp](x, os));
}

/* F.lp_poolNd(input, norm_type, kernel_size, stride=None, ceil_mode=False) */
static int h_lp_pool(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  double p = p_num(c, 1, "norm_type", 2);
  ct_ints ks = ints_arg(c, 2, "kernel_size");
  ct_lp_pool_opts o = {ints_arg(c, 3, "stride"), p_bool(c, 4, "ceil_mode", false)};
  P_CHECK(c);
  return p_out(c, k->nsp == 1 ? ct_lp_pool1d_ex(x, p, ks, o) : ct_lp_pool2d_ex(x, p, ks, o));
}

/* F.fractional_max_poolNd(input, kernel_size, output_size=None, output_ratio=None,
 * return_indices=False, _random_samples=None) */
static int h_fractional(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints ks = ints_arg(c, 1, "kernel_size");
  ct_fractional_max_pool_opts o = {.output_size = ints_arg(c, 2, "output_size")};
  const cJSON *r = p_arg(c, 3, "output_ratio");
  if (r && cJSON_IsArray(r))
    for (int j = 0; j < cJSON_GetArraySize(r) && j < 3; j++)
      o.output_ratio[j] = cJSON_GetArrayItem(r, j)->valuedouble;
  else if (r && p_is_number(r))
    o.output_ratio[0] = p_number(r);
  bool ri = p_bool(c, 4, "return_indices", false) || k->with_indices;
  const cJSON *s = p_arg(c, 5, "_random_samples");
  if (s && !cJSON_IsNull(s)) o.random_samples = p_tensor_of(c, s, "_random_samples");
  P_CHECK(c);
  if (k->nsp == 2)
    return ri ? p_pair(c, ct_fractional_max_pool2d_with_indices_ex(x, ks, o))
              : p_out(c, ct_fractional_max_pool2d_ex(x, ks, o));
  return ri ? p_pair(c, ct_fractional_max_pool3d_with_indices_ex(x, ks, o))
            : p_out(c, ct_fractional_max_pool3d_ex(x, ks, o));
}

/* F.max_unpoolNd(input, indices, kernel_size, stride=None, padding=0, output_size=None) */
static int h_max_unpool(pcall *c) {
  const pool_kind *k = c->data;
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 1, "indices");
  ct_ints ks = ints_arg(c, 2, "kernel_size");
  ct_max_unpool_opts o = {ints_arg(c, 3, "stride"), ints_arg(c, 4, "padding"),
                          ints_arg(c, 5, "output_size")};
  P_CHECK(c);
  ct_tensor *(*f[])(const ct_tensor *, const ct_tensor *, ct_ints, ct_max_unpool_opts) = {
      NULL, ct_max_unpool1d_ex, ct_max_unpool2d_ex, ct_max_unpool3d_ex};
  return p_out(c, f[k->nsp](x, i, ks, o));
}

#define K(n, wi) (&(const pool_kind){n, wi})
#define ND(name, h)                                                              \
  {"F." name "1d", h, K(1, false)}, {"F." name "2d", h, K(2, false)}, {"F." name "3d", h, K(3, false)}
#define ND_WI(name, h)                                                             \
  {"F." name "1d_with_indices", h, K(1, true)}, {"F." name "2d_with_indices", h, K(2, true)}, \
      {"F." name "3d_with_indices", h, K(3, true)}

const parity_handler parity_handlers_pool[] = {
    ND("max_pool", h_max_pool),
    ND_WI("max_pool", h_max_pool),
    ND("avg_pool", h_avg_pool),
    ND("adaptive_max_pool", h_adaptive_max),
    ND_WI("adaptive_max_pool", h_adaptive_max),
    ND("adaptive_avg_pool", h_adaptive_avg),
    ND("max_unpool", h_max_unpool),
    {"F.lp_pool1d", h_lp_pool, K(1, false)},
    {"F.lp_pool2d", h_lp_pool, K(2, false)},
    {"F.fractional_max_pool2d", h_fractional, K(2, false)},
    {"F.fractional_max_pool3d", h_fractional, K(3, false)},
    {"F.fractional_max_pool2d_with_indices", h_fractional, K(2, true)},
    {"F.fractional_max_pool3d_with_indices", h_fractional, K(3, true)},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_pool)
