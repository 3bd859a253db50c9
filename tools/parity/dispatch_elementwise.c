/* Parity handlers: the elementwise list of issue 12 (src/ops/unary_special.c,
 * binary_math.c, bitwise.c). */
#include <math.h>

#include "parity.h"

/* f(input) and the in-place f_(self) */
typedef struct {
  ct_tensor *(*fn)(ct_tensor *);
} p_unary_ip;
static int h_unary_ip(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  P_CHECK(c);
  return p_out(c, ((const p_unary_ip *)c->data)->fn(x));
}

/* f(input, other) with either operand a tensor or a Python number */
static int h_binary(pcall *c) {
  const p_binary *b = c->data;
  ct_tensor *x = p_operand(c, 0, b->a), *y = p_operand(c, 1, b->b);
  P_CHECK(c);
  return p_out(c, b->fn(x, y));
}
typedef struct {
  ct_tensor *(*fn)(ct_tensor *, const ct_tensor *);
} p_binary_ip;
static int h_binary_ip(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self"), *y = p_operand(c, 1, "other");
  P_CHECK(c);
  return p_out(c, ((const p_binary_ip *)c->data)->fn(x, y));
}

/* An optional float argument: None (or absent) gives NAN */
static double num_or_none(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  return v && !cJSON_IsNull(v) ? p_num(c, pos, kw, NAN) : NAN;
}

/* torch.logit(input, eps=None) / Tensor.logit_(eps=None) */
static int h_logit(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  double eps = num_or_none(c, 1, "eps");
  P_CHECK(c);
  return p_out(c, c->data ? ct_logit_(x, eps) : ct_logit(x, eps));
}

/* torch.nan_to_num(input, nan=0.0, posinf=None, neginf=None) / Tensor.nan_to_num_ */
static int h_nan_to_num(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  double nan = p_num(c, 1, "nan", 0), pos = num_or_none(c, 2, "posinf");
  double neg = num_or_none(c, 3, "neginf");
  P_CHECK(c);
  return p_out(c, c->data ? ct_nan_to_num_(x, nan, pos, neg) : ct_nan_to_num(x, nan, pos, neg));
}

/* torch.polygamma(n, input) / Tensor.polygamma(n) / Tensor.polygamma_(n) */
static int h_polygamma(pcall *c) {
  bool method = c->data != NULL;
  ct_tensor *x = p_tensor(c, method ? 0 : 1, "input");
  int64_t n = p_int_req(c, method ? 1 : 0, "n");
  P_CHECK(c);
  if (method && *(const char *)c->data == 'i') return p_out(c, ct_polygamma_(x, n));
  return p_out(c, ct_polygamma(n, x));
}

/* torch.mvlgamma(input, p) / Tensor.mvlgamma_(p) */
static int h_mvlgamma(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t p = p_int_req(c, 1, "p");
  P_CHECK(c);
  return p_out(c, c->data ? ct_mvlgamma_(x, p) : ct_mvlgamma(x, p));
}

/* torch.float_power(input, exponent): a Python-number exponent takes the scalar form */
static int h_float_power(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *e = p_arg(c, 1, "exponent");
  if (e && p_is_number(e)) {
    double v = p_number(e);
    P_CHECK(c);
    return p_out(c, ct_float_power_scalar(x, v));
  }
  ct_tensor *y = p_operand(c, 1, "exponent");
  P_CHECK(c);
  return p_out(c, c->data ? ct_float_power_(x, y) : ct_float_power(x, y));
}

/* torch.isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) */
static int h_isclose(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "input"), *b = p_tensor(c, 1, "other");
  double rtol = p_num(c, 2, "rtol", 1e-5), atol = p_num(c, 3, "atol", 1e-8);
  bool equal_nan = p_bool(c, 4, "equal_nan", false);
  P_CHECK(c);
  return p_out(c, ct_isclose(a, b, rtol, atol, equal_nan));
}

#define U2(n, f) P_UNARY("torch." n, f), P_UNARY("Tensor." n, f)
#define UI(n, f) {"Tensor." n "_", h_unary_ip, &(const p_unary_ip){f##_}}
#define U3(n, f) U2(n, f), UI(n, f)
#define B(n, f, a, b) {n, h_binary, &(const p_binary){f, NULL, a, b}}
#define B2(n, f) B("torch." n, f, "input", "other"), B("Tensor." n, f, "input", "other")
#define BI(n, f) {"Tensor." n "_", h_binary_ip, &(const p_binary_ip){f##_}}
#define B3(n, f) B2(n, f), BI(n, f)

const parity_handler parity_handlers_elementwise[] = {
    U3("sinh", ct_sinh), U3("cosh", ct_cosh), U3("asinh", ct_asinh), U3("acosh", ct_acosh),
    U3("atanh", ct_atanh), U3("asin", ct_asin), U3("acos", ct_acos), U3("atan", ct_atan),
    U3("lgamma", ct_lgamma), U3("digamma", ct_digamma), U3("erfc", ct_erfc),
    U3("erfinv", ct_erfinv), U3("i0", ct_i0), U3("sinc", ct_sinc), U3("frac", ct_frac),
    U3("deg2rad", ct_deg2rad), U3("rad2deg", ct_rad2deg),
    P_UNARY("torch.special.expit", ct_special_expit),
    U2("isfinite", ct_isfinite), U2("isposinf", ct_isposinf), U2("isneginf", ct_isneginf),
    U2("isreal", ct_isreal), U2("signbit", ct_signbit), U3("bitwise_not", ct_bitwise_not),
    {"torch.logit", h_logit, NULL}, {"Tensor.logit", h_logit, NULL},
    {"Tensor.logit_", h_logit, "inplace"},
    {"torch.nan_to_num", h_nan_to_num, NULL}, {"Tensor.nan_to_num", h_nan_to_num, NULL},
    {"Tensor.nan_to_num_", h_nan_to_num, "inplace"},
    {"torch.polygamma", h_polygamma, NULL}, {"Tensor.polygamma", h_polygamma, "method"},
    {"Tensor.polygamma_", h_polygamma, "inplace"},
    {"torch.mvlgamma", h_mvlgamma, NULL}, {"Tensor.mvlgamma", h_mvlgamma, NULL},
    {"Tensor.mvlgamma_", h_mvlgamma, "inplace"},
    B2("logaddexp", ct_logaddexp), B2("logaddexp2", ct_logaddexp2), B3("hypot", ct_hypot),
    B3("nextafter", ct_nextafter), B3("xlogy", ct_xlogy), B3("copysign", ct_copysign),
    B("torch.special.xlog1py", ct_special_xlog1py, "input", "other"),
    B("torch.heaviside", ct_heaviside, "input", "values"),
    B("Tensor.heaviside", ct_heaviside, "input", "values"), BI("heaviside", ct_heaviside),
    {"torch.float_power", h_float_power, NULL}, {"Tensor.float_power", h_float_power, NULL},
    {"Tensor.float_power_", h_float_power, "inplace"},
    {"torch.isclose", h_isclose, NULL}, {"Tensor.isclose", h_isclose, NULL},
    B3("bitwise_and", ct_bitwise_and), B3("bitwise_or", ct_bitwise_or),
    B3("bitwise_xor", ct_bitwise_xor), B3("bitwise_left_shift", ct_bitwise_left_shift),
    B3("bitwise_right_shift", ct_bitwise_right_shift), B3("gcd", ct_gcd), B3("lcm", ct_lcm),
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_elementwise)
