/* Parity handlers: reductions, scans and softmax. */
#include <math.h>
#include <string.h>

#include "parity.h"

/* torch.sum(input, dim=None, keepdim=False, *, dtype=None) and the ct_reduce_opts family
 * (mean, amax, amin, logsumexp, all, any); data picks the function and which keywords exist. */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, ct_reduce_opts);
  bool has_dtype, dim_required, single_dim;
} p_reduce;
static int h_reduce(pcall *c) {
  const p_reduce *r = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *d = p_arg(c, 1, "dim");
  if (r->dim_required && (!d || cJSON_IsNull(d))) p_skip(c, "missing argument 'dim'");
  if (r->single_dim && cJSON_IsArray(d)) p_skip(c, "dim must be an int");
  ct_reduce_opts o = {.dim = p_dims(c, 1, "dim"), .keepdim = p_bool(c, 2, "keepdim", false),
                      .dtype = r->has_dtype ? p_dtype(c, -1, "dtype") : CT_DTYPE_UNSET};
  P_CHECK(c);
  return p_out(c, r->fn(x, o));
}

/* torch.prod(input, dim, keepdim=False, *, dtype=None) */
static int h_prod(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, 1, "dim");
  bool k = p_bool(c, 2, "keepdim", false);
  ct_dtype dt = p_dtype(c, -1, "dtype");
  P_CHECK(c);
  return p_out(c, ct_prod(dt == CT_DTYPE_UNSET ? x : ct_to(x, dt), d, k));
}

/* The options after input of torch.var / std / var_mean / std_mean: (dim=None,
 * unbiased=True, keepdim=False, *, correction=None), or the overload (unbiased). */
static ct_var_opts var_opts(pcall *c) {
  ct_var_opts o = {.correction = 1};
  const cJSON *a1 = c->nargs > 1 ? cJSON_GetArrayItem(c->args, 1) : NULL;
  if (cJSON_IsBool(a1)) { /* torch.var(input, unbiased) */
    o.correction = p_bool(c, 1, "unbiased", true) ? 1 : 0;
  } else {
    o.dim = p_dims(c, 1, "dim");
    o.correction = p_bool(c, 2, "unbiased", true) ? 1 : 0;
    o.keepdim = p_bool(c, 3, "keepdim", false);
  }
  const cJSON *corr = p_arg(c, -1, "correction");
  if (corr && !cJSON_IsNull(corr)) o.correction = p_num(c, -1, "correction", 1);
  return o;
}

/* torch.var(input, ...) / torch.std */
static int h_var(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_var_opts o = var_opts(c);
  P_CHECK(c);
  return p_out(c, c->data ? ct_std_ex(x, o) : ct_var_ex(x, o));
}

/* torch.var_mean(input, ...) / std_mean */
static int h_var_mean(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_var_opts o = var_opts(c);
  P_CHECK(c);
  return p_pair(c, c->data ? ct_std_mean_ex(x, o) : ct_var_mean_ex(x, o));
}

/* p as torch.norm takes it: a number or 'fro' (= 2); 'nuc' is a matrix norm. */
static double norm_p(pcall *c, int pos, const char *kw, double def) {
  const cJSON *p = p_arg(c, pos, kw);
  if (cJSON_IsString(p)) {
    if (strcmp(p->valuestring, "fro") != 0) p_skip(c, "unsupported p='%s'", p->valuestring);
    return 2;
  }
  if (!p || cJSON_IsNull(p)) return def;
  return p_num(c, pos, kw, def);
}

/* torch.norm(input, p='fro', dim=None, keepdim=False, dtype=None) and
 * torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None) */
static int h_norm(pcall *c) {
  bool vec = c->data != NULL;
  ct_tensor *x = p_tensor(c, 0, vec ? "x" : "input");
  ct_norm_opts o = {.p = norm_p(c, 1, vec ? "ord" : "p", 2)};
  o.dim = p_dims(c, 2, "dim");
  o.keepdim = p_bool(c, 3, "keepdim", false);
  ct_dtype dt = p_dtype(c, vec ? -1 : 4, "dtype");
  P_CHECK(c);
  return p_out(c, ct_norm_ex(dt == CT_DTYPE_UNSET ? x : ct_to(x, dt), o));
}

/* torch.max(input) / torch.max(input, dim, keepdim=False) / torch.max(input, other) */
static int h_maxmin(pcall *c) {
  bool is_max = c->data != NULL;
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *a = p_arg(c, 1, NULL);
  if (p_is_tensor(a)) {
    ct_tensor *o = p_tensor_of(c, a, "other");
    P_CHECK(c);
    return p_out(c, is_max ? ct_maximum(x, o) : ct_minimum(x, o));
  }
  const cJSON *d = c->nargs > 1 ? a : p_arg(c, -1, "dim");
  if (d && !cJSON_IsNull(d)) {
    int64_t dim = p_int(c, 1, "dim", 0);
    bool k = p_bool(c, 2, "keepdim", false);
    P_CHECK(c);
    return p_pair(c, is_max ? ct_max_dim(x, dim, k) : ct_min_dim(x, dim, k));
  }
  P_CHECK(c);
  return p_out(c, is_max ? ct_max(x) : ct_min(x));
}

/* torch.argmax(input, dim=None, keepdim=False) */
static int h_argmaxmin(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, 1, "dim");
  bool k = p_bool(c, 2, "keepdim", false);
  P_CHECK(c);
  return p_out(c, c->data ? ct_argmax(x, d, k) : ct_argmin(x, d, k));
}

/* torch.cumsum(input, dim, *, dtype=None) / torch.cumprod */
static int h_cum(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  ct_dtype dt = p_dtype(c, -1, "dtype");
  P_CHECK(c);
  if (dt != CT_DTYPE_UNSET) x = ct_to(x, dt);
  return p_out(c, c->data ? ct_cumprod(x, d) : ct_cumsum(x, d));
}

/* F.softmax(input, dim=None, _stacklevel=3, dtype=None) / torch.softmax(input, dim, dtype=None)
 * / Tensor.softmax(dim, dtype=None); the dtype casts the input first, as PyTorch does. */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, int64_t);
  bool functional; /* F.*: third positional is _stacklevel */
} p_softmax;
static int h_softmax(pcall *c) {
  const p_softmax *s = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, 1, "dim");
  if (d == CT_NONE) p_skip(c, "implicit dim (dim=None) is not supported");
  if (s->functional) p_int(c, 2, "_stacklevel", 3);
  ct_dtype dt = p_dtype(c, s->functional ? 3 : 2, "dtype");
  P_CHECK(c);
  if (dt != CT_DTYPE_UNSET) x = ct_to(x, dt);
  return p_out(c, s->fn(x, d));
}

#define R2(n, f, dt, req, single) \
  {"torch." n, h_reduce, &(const p_reduce){f, dt, req, single}}, \
  {"Tensor." n, h_reduce, &(const p_reduce){f, dt, req, single}}
#define SM(n, f, func) {n, h_softmax, &(const p_softmax){f, func}}

const parity_handler parity_handlers_reduce[] = {
    R2("sum", ct_sum_ex, true, false, false),
    R2("mean", ct_mean_ex, true, false, false),
    R2("amax", ct_amax_ex, false, false, false),
    R2("amin", ct_amin_ex, false, false, false),
    R2("logsumexp", ct_logsumexp_ex, false, true, false),
    R2("all", ct_all_ex, false, false, true),
    R2("any", ct_any_ex, false, false, true),
    {"torch.prod", h_prod, NULL}, {"Tensor.prod", h_prod, NULL},
    {"torch.var", h_var, NULL}, {"Tensor.var", h_var, NULL},
    {"torch.std", h_var, "std"}, {"Tensor.std", h_var, "std"},
    {"torch.var_mean", h_var_mean, NULL}, {"torch.std_mean", h_var_mean, "std"},
    {"torch.norm", h_norm, NULL}, {"Tensor.norm", h_norm, NULL},
    {"torch.max", h_maxmin, "max"}, {"Tensor.max", h_maxmin, "max"},
    {"torch.min", h_maxmin, NULL}, {"Tensor.min", h_maxmin, NULL},
    {"torch.argmax", h_argmaxmin, "max"}, {"Tensor.argmax", h_argmaxmin, "max"},
    {"torch.argmin", h_argmaxmin, NULL}, {"Tensor.argmin", h_argmaxmin, NULL},
    {"torch.cumsum", h_cum, NULL}, {"Tensor.cumsum", h_cum, NULL},
    {"torch.cumprod", h_cum, "prod"}, {"Tensor.cumprod", h_cum, "prod"},
    SM("F.softmax", ct_softmax, true), SM("F.log_softmax", ct_log_softmax, true),
    SM("torch.softmax", ct_softmax, false), SM("torch.log_softmax", ct_log_softmax, false),
    SM("Tensor.softmax", ct_softmax, false), SM("Tensor.log_softmax", ct_log_softmax, false),
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_reduce)
