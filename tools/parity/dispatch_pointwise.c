/* Parity handlers: elementwise ops, comparisons and their in-place forms. */
#include <math.h>
#include <string.h>

#include "parity.h"

/* f(input) */
int parity_h_unary(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  P_CHECK(c);
  const p_unary *u = c->data;
  return p_out(c, u->fn(x));
}

/* The operand at pos of an op with a number form (has_number): a Python number goes to *num
 * (returns true); anything else becomes the tensor *t (a number wrapped when there is no
 * number form). */
static bool number_or_operand(pcall *c, int pos, const char *kw, bool has_number, double *num,
                              ct_tensor **t) {
  const cJSON *o = p_arg(c, pos, kw);
  if (has_number && o && p_is_number(o)) {
    *num = p_number(o);
    return true;
  }
  *t = p_operand(c, pos, kw);
  return false;
}

/* f(input, other): other a tensor or a Python number. */
int parity_h_binary(pcall *c) {
  const p_binary *b = c->data;
  ct_tensor *x = p_tensor(c, 0, b->a), *y = NULL;
  double v = 0;
  bool num = number_or_operand(c, 1, b->b, b->scalar != NULL, &v, &y);
  P_CHECK(c);
  return p_out(c, num ? b->scalar(x, v) : b->fn(x, y));
}

/* F.relu(input, inplace=False) */
static int h_unary_inplace_kw(pcall *c) {
  p_expect_bool(c, 1, "inplace", false);
  return parity_h_unary(c);
}

/* torch.round(input, *, decimals=0) */
static int h_round(pcall *c) {
  if (p_int(c, -1, "decimals", 0) != 0) p_skip(c, "unsupported decimals != 0");
  return parity_h_unary(c);
}

/* Tensor.neg_() ...: the in-place unary ops. */
typedef struct {
  ct_tensor *(*fn)(ct_tensor *);
} p_unary_;
static int h_unary_(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  P_CHECK(c);
  const p_unary_ *u = c->data;
  return p_out(c, u->fn(x));
}

/* torch.add(input, other, *, alpha=1) / torch.sub: the scalar form computes input + alpha*other */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, const ct_tensor *);
  ct_tensor *(*alpha)(const ct_tensor *, const ct_tensor *, double);
  ct_tensor *(*scalar)(const ct_tensor *, double);
} p_addsub;
static int h_addsub(pcall *c) {
  const p_addsub *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input"), *y = NULL;
  double alpha = p_num(c, -1, "alpha", 1), v = 0;
  bool num = number_or_operand(c, 1, "other", true, &v, &y);
  P_CHECK(c);
  return p_out(c, num ? d->scalar(x, alpha * v) : alpha == 1 ? d->fn(x, y) : d->alpha(x, y, alpha));
}

/* torch.rsub(input, other, *, alpha=1): other - alpha * input */
static int h_rsub(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = NULL;
  double alpha = p_num(c, -1, "alpha", 1), v = 0;
  bool num = number_or_operand(c, 1, "other", true, &v, &y);
  if (num && alpha != 1) p_skip(c, "rsub with a number and alpha != 1");
  P_CHECK(c);
  return p_out(c, num ? ct_rsub_scalar(x, v) : alpha == 1 ? ct_sub(y, x) : ct_sub_alpha(y, x, alpha));
}

/* torch.div(input, other, *, rounding_mode=None) */
static int h_div(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *y = NULL;
  const char *mode = p_str(c, -1, "rounding_mode", NULL);
  ct_rounding r = CT_ROUND_NONE;
  if (mode && strcmp(mode, "floor") == 0) r = CT_ROUND_FLOOR;
  else if (mode && strcmp(mode, "trunc") == 0) r = CT_ROUND_TRUNC;
  else if (mode) p_skip(c, "unsupported rounding_mode '%s'", mode);
  double v = 0;
  bool num = number_or_operand(c, 1, "other", r == CT_ROUND_NONE, &v, &y);
  P_CHECK(c);
  return p_out(c, num ? ct_div_scalar(x, v) : r == CT_ROUND_NONE ? ct_div(x, y) : ct_div_mode(x, y, r));
}

/* torch.pow(input, exponent) / torch.pow(self: Number, exponent: Tensor) */
static int h_pow(pcall *c) {
  const cJSON *a = p_arg(c, 0, "input");
  if (a && p_is_number(a)) {
    ct_tensor *e = p_tensor(c, 1, "exponent");
    P_CHECK(c);
    return p_out(c, ct_rpow_scalar(p_number(a), e));
  }
  return parity_h_binary(c);
}

/* Tensor.add_(other, *, alpha=1) and the other in-place binary ops. */
typedef struct {
  ct_tensor *(*fn)(ct_tensor *, const ct_tensor *);
  ct_tensor *(*scalar)(ct_tensor *, double);
  const char *b;
  bool alpha;
} p_binary_;
static int h_binary_(pcall *c) {
  const p_binary_ *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "self"), *y = NULL;
  if (d->alpha && p_num(c, -1, "alpha", 1) != 1) p_skip(c, "unsupported alpha != 1");
  double v = 0;
  bool num = number_or_operand(c, 1, d->b, true, &v, &y);
  P_CHECK(c);
  return p_out(c, num ? d->scalar(x, v) : d->fn(x, y));
}

/* torch.clamp(input, min=None, max=None): numbers or tensors */
static int h_clamp(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *lo = p_arg(c, 1, "min"), *hi = p_arg(c, 2, "max");
  bool tl = p_is_tensor(lo), th = p_is_tensor(hi);
  if (tl || th) {
    ct_tensor *a = tl ? p_tensor_of(c, lo, "min") : NULL, *b = th ? p_tensor_of(c, hi, "max") : NULL;
    if ((lo && !tl && !cJSON_IsNull(lo)) || (hi && !th && !cJSON_IsNull(hi)))
      p_skip(c, "clamp mixing a tensor and a number bound");
    P_CHECK(c);
    return p_out(c, c->data ? ct_clamp_tensor_(x, a, b) : ct_clamp_tensor(x, a, b));
  }
  double a = NAN, b = NAN;
  if (lo && !cJSON_IsNull(lo)) a = p_num(c, 1, "min", NAN);
  if (hi && !cJSON_IsNull(hi)) b = p_num(c, 2, "max", NAN);
  P_CHECK(c);
  return p_out(c, c->data ? ct_clamp_(x, a, b) : ct_clamp(x, a, b));
}

/* torch.where(condition, input, other) */
static int h_where(pcall *c) {
  if (c->nargs == 1) p_skip(c, "torch.where(condition) (the nonzero form)");
  ct_tensor *cond = p_tensor(c, 0, "condition");
  ct_tensor *a = p_operand(c, 1, "input"), *b = p_operand(c, 2, "other");
  P_CHECK(c);
  return p_out(c, ct_where(cond, a, b));
}

/* torch.masked_fill(input, mask, value) / Tensor.masked_fill_(mask, value) */
static int h_masked_fill(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *m = p_tensor(c, 1, "mask");
  const cJSON *v = p_arg(c, 2, "value");
  double val = 0;
  if (p_is_number(v)) {
    val = p_number(v);
  } else if (cJSON_IsBool(v)) {
    val = cJSON_IsTrue(v);
  } else {
    ct_tensor *t = p_tensor_of(c, v, "value");
    if (t && (ct_dim(t) != 0 || ct_requires_grad(t)))
      p_skip(c, "masked_fill: value must be a number or a 0-dim tensor without grad");
    if (t) val = ct_item(t);
  }
  P_CHECK(c);
  return p_out(c, c->data ? ct_masked_fill_(x, m, val) : ct_masked_fill(x, m, val));
}

/* torch.lerp(input, end, weight) */
static int h_lerp(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *e = p_tensor(c, 1, "end");
  const cJSON *w = p_arg(c, 2, "weight");
  if (w && p_is_number(w)) {
    P_CHECK(c);
    return p_out(c, ct_lerp_scalar(x, e, p_number(w)));
  }
  ct_tensor *wt = p_tensor(c, 2, "weight");
  P_CHECK(c);
  return p_out(c, ct_lerp(x, e, wt));
}

/* F.gelu(input, approximate='none') */
static int h_gelu(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const char *a = p_str(c, 1, "approximate", "none");
  ct_gelu_approx ap = CT_GELU_NONE;
  if (strcmp(a, "tanh") == 0) ap = CT_GELU_TANH;
  else if (strcmp(a, "none") != 0) p_skip(c, "unsupported approximate='%s'", a);
  P_CHECK(c);
  return p_out(c, ct_gelu(x, ap));
}

/* A bool result (torch.equal, torch.allclose) as a 0-dim bool tensor. */
static int out_bool(pcall *c, bool v) {
  if (ct_last_error()) return p_out(c, NULL);
  return p_out(c, ct_scalar_tensor(v, CT_BOOL));
}

/* torch.equal(input, other) */
static int h_equal(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "input"), *b = p_tensor(c, 1, "other");
  P_CHECK(c);
  return out_bool(c, ct_equal(a, b));
}

/* torch.allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) */
static int h_allclose(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "input"), *b = p_tensor(c, 1, "other");
  double rtol = p_num(c, 2, "rtol", 1e-5), atol = p_num(c, 3, "atol", 1e-8);
  bool equal_nan = p_bool(c, 4, "equal_nan", false);
  P_CHECK(c);
  return out_bool(c, ct_allclose(a, b, rtol, atol, equal_nan));
}

#define U2(n, f) P_UNARY("torch." n, f), P_UNARY("Tensor." n, f)
#define B2(n, f, s) P_BINARY("torch." n, f, s, "input", "other"), \
                    P_BINARY("Tensor." n, f, s, "input", "other")
#define I1(n, f) {"Tensor." n, h_unary_, &(const p_unary_){f}}
#define I2(n, f, s, b, al) {"Tensor." n, h_binary_, &(const p_binary_){f, s, b, al}}
static const p_addsub ADD = {ct_add, ct_add_alpha, ct_add_scalar};
static const p_addsub SUB = {ct_sub, ct_sub_alpha, ct_sub_scalar};

const parity_handler parity_handlers_pointwise[] = {
    U2("neg", ct_neg), U2("negative", ct_neg), U2("abs", ct_abs), U2("absolute", ct_abs),
    U2("sign", ct_sign), U2("square", ct_square), U2("reciprocal", ct_reciprocal),
    U2("exp", ct_exp), U2("exp2", ct_exp2), U2("log", ct_log), U2("log2", ct_log2),
    U2("log10", ct_log10), U2("log1p", ct_log1p), U2("expm1", ct_expm1), U2("sqrt", ct_sqrt),
    U2("rsqrt", ct_rsqrt), U2("sin", ct_sin), U2("cos", ct_cos), U2("tan", ct_tan),
    U2("tanh", ct_tanh), U2("sigmoid", ct_sigmoid), U2("relu", ct_relu), U2("erf", ct_erf),
    U2("floor", ct_floor), U2("ceil", ct_ceil), U2("trunc", ct_trunc), U2("fix", ct_trunc),
    U2("isnan", ct_isnan), U2("isinf", ct_isinf), U2("logical_not", ct_logical_not),
    P_UNARY("F.sigmoid", ct_sigmoid), P_UNARY("F.tanh", ct_tanh),
    {"torch.round", h_round, &(const p_unary){ct_round}},
    {"Tensor.round", h_round, &(const p_unary){ct_round}},
    {"F.relu", h_unary_inplace_kw, &(const p_unary){ct_relu}},
    {"F.gelu", h_gelu, NULL},
    I1("neg_", ct_neg_), I1("abs_", ct_abs_), I1("exp_", ct_exp_), I1("log_", ct_log_),
    I1("sqrt_", ct_sqrt_), I1("sin_", ct_sin_), I1("cos_", ct_cos_), I1("tanh_", ct_tanh_),
    I1("sigmoid_", ct_sigmoid_), I1("relu_", ct_relu_), I1("floor_", ct_floor_),
    I1("ceil_", ct_ceil_), I1("round_", ct_round_), I1("trunc_", ct_trunc_),
    {"torch.add", h_addsub, &ADD}, {"Tensor.add", h_addsub, &ADD},
    {"torch.sub", h_addsub, &SUB}, {"Tensor.sub", h_addsub, &SUB},
    {"torch.subtract", h_addsub, &SUB},
    {"torch.rsub", h_rsub, NULL},
    B2("mul", ct_mul, ct_mul_scalar), B2("multiply", ct_mul, ct_mul_scalar),
    {"torch.div", h_div, NULL}, {"Tensor.div", h_div, NULL}, {"torch.divide", h_div, NULL},
    B2("true_divide", ct_div, ct_div_scalar),
    B2("floor_divide", ct_floor_divide, NULL),
    B2("remainder", ct_remainder, ct_remainder_scalar), B2("fmod", ct_fmod, ct_fmod_scalar),
    {"torch.pow", h_pow, &(const p_binary){ct_pow, ct_pow_scalar, "input", "exponent"}},
    {"Tensor.pow", h_pow, &(const p_binary){ct_pow, ct_pow_scalar, "input", "exponent"}},
    B2("atan2", ct_atan2, NULL), B2("minimum", ct_minimum, NULL), B2("maximum", ct_maximum, NULL),
    B2("eq", ct_eq, ct_eq_scalar), B2("ne", ct_ne, ct_ne_scalar), B2("lt", ct_lt, ct_lt_scalar),
    B2("le", ct_le, ct_le_scalar), B2("gt", ct_gt, ct_gt_scalar), B2("ge", ct_ge, ct_ge_scalar),
    B2("logical_and", ct_logical_and, NULL), B2("logical_or", ct_logical_or, NULL),
    B2("logical_xor", ct_logical_xor, NULL),
    I2("add_", ct_add_, ct_add_scalar_, "other", true),
    I2("sub_", ct_sub_, ct_sub_scalar_, "other", true),
    I2("mul_", ct_mul_, ct_mul_scalar_, "other", false),
    I2("div_", ct_div_, ct_div_scalar_, "other", false),
    I2("pow_", ct_pow_, ct_pow_scalar_, "exponent", false),
    {"torch.clamp", h_clamp, NULL}, {"Tensor.clamp", h_clamp, NULL},
    {"torch.clip", h_clamp, NULL}, {"Tensor.clip", h_clamp, NULL},
    {"Tensor.clamp_", h_clamp, "inplace"},
    {"torch.where", h_where, NULL},
    {"torch.masked_fill", h_masked_fill, NULL}, {"Tensor.masked_fill", h_masked_fill, NULL},
    {"Tensor.masked_fill_", h_masked_fill, "inplace"},
    {"torch.lerp", h_lerp, NULL}, {"Tensor.lerp", h_lerp, NULL},
    {"torch.equal", h_equal, NULL}, {"Tensor.equal", h_equal, NULL},
    {"torch.allclose", h_allclose, NULL}, {"Tensor.allclose", h_allclose, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_pointwise)
