/* The activations of torch.nn.functional beyond unary_act.c's relu/gelu/silu: hardtanh (relu6),
 * leaky_relu, rrelu, elu (selu, celu), softplus, softshrink, hardshrink, threshold, logsigmoid,
 * hardsigmoid, hardswish, mish, prelu, glu, and the composites softsign, tanhshrink, softmin.
 *
 * Each primitive is one elementwise kernel plus a node under PyTorch 1.13's grad_fn name; its
 * backward is PyTorch's formula (derivatives.yaml) written with differentiable ops, so double
 * backward works. The in-place forms go through the one in-place driver (ct__inplace); those
 * PyTorch records as *Backward1 save the result instead of the input, as PyTorch does. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math") /* see unary.c: lets the loops vectorise */
#endif
#include "../internal.h"
#include "elementwise.h"
#include "ctorch/functional.h"
#include <tgmath.h>

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

/* An activation's scalar arguments, as the kernels (ctx) and the backward (node args) see
 * them. result: the node saved the output, not the input (the in-place *Backward1 forms). */
typedef struct act_args {
  double a, b, c;
  bool result;
} act_args;
CT_ARGS_TYPE(act_args, NULL);

/* ---- forward loops: out (shape of x), x -> out; ctx is the op's act_args ---------------- */
#define PA (((const act_args *)ctx)->a)
#define PB (((const act_args *)ctx)->b)
#define PC (((const act_args *)ctx)->c)
#define AS(v) ((__typeof__(x))(v)) /* a scalar argument in x's type, as PyTorch converts it */
/* a limit converted to an integer dtype: truncated, saturated at int64's range (NaN: 0) */
static inline int64_t sat64(double v) {
  return v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : v == v ? (int64_t)v : 0;
}
/* clamp to [a, b]; NaN passes through. Integer dtypes compare in int64 after the conversion */
static inline int64_t i_hardtanh(int64_t x, const void *ctx) {
  int64_t lo = sat64(PA), hi = sat64(PB);
  return x < lo ? lo : x > hi ? hi : x;
}
static inline float f_hardtanh(float x, const void *ctx) {
  return x < AS(PA) ? AS(PA) : x > AS(PB) ? AS(PB) : x;
}
static inline double d_hardtanh(double x, const void *ctx) {
  return x < AS(PA) ? AS(PA) : x > AS(PB) ? AS(PB) : x;
}
CT_UNARY_NUMERIC(hardtanh_loop, CT_PICK_FN(x, f_hardtanh, d_hardtanh, i_hardtanh)(x, ctx))
/* x <= threshold (a) ? value (b) : x */
static inline int64_t i_threshold(int64_t x, const void *ctx) {
  return x <= sat64(PA) ? sat64(PB) : x;
}
static inline float f_threshold(float x, const void *ctx) { return x <= AS(PA) ? AS(PB) : x; }
static inline double d_threshold(double x, const void *ctx) { return x <= AS(PA) ? AS(PB) : x; }
CT_UNARY_NUMERIC(threshold_loop, CT_PICK_FN(x, f_threshold, d_threshold, i_threshold)(x, ctx))
/* a = negative slope */
CT_UNARY_FLOAT(leaky_loop, x > 0 ? x : x * AS(PA))
/* a = alpha * scale (negcoef), b = scale (poscoef), c = input_scale (negiptcoef) */
CT_UNARY_FLOAT(elu_loop, x <= 0 ? expm1(x * AS(PC)) * AS(PA) : x * AS(PB))
/* a = beta, b = threshold */
CT_UNARY_FLOAT(softplus_loop, x * AS(PA) > AS(PB) ? x : log1p(exp(x * AS(PA))) / AS(PA))
/* a = lambd */
CT_UNARY_FLOAT(softshrink_loop, x > AS(PA) ? x - AS(PA) : x < -AS(PA) ? x + AS(PA) : x * 0)
CT_UNARY_FLOAT(hardshrink_loop, x >= -AS(PA) && x <= AS(PA) ? x * 0 : x)
/* min(x, 0) - log1p(exp(-|x|)) */
CT_UNARY_FLOAT(logsigmoid_loop, (x < 0 ? x : x * 0) - log1p(exp(-fabs(x))))
#define RELU6_OF(v) ((v) < 0 ? (v) * 0 : (v) > 6 ? (v) * 0 + 6 : (v))
/* min(max(x + 3, 0), 6) / 6 */
CT_UNARY_FLOAT(hardsigmoid_loop, RELU6_OF(x + 3) / 6)
CT_UNARY_FLOAT(hardswish_loop, x * RELU6_OF(x + 3) / 6)
/* x * tanh(softplus(x)) */
CT_UNARY_FLOAT(mish_loop, x * tanh(log1p(exp(x))))

/* ---- helpers for the backward formulas ----------------------------------------------------- */
static ct_tensor *zero_of(const ct_tensor *g) { return ct_scalar_tensor(0, g->dtype); }
/* g where mask, else 0 */
static ct_tensor *g_where(ct_tensor *mask, ct_tensor *g) { return ct_where(mask, g, zero_of(g)); }
/* lo < x < hi */
static ct_tensor *inside(ct_tensor *x, double lo, double hi) {
  return ct_logical_and(ct_gt_scalar(x, lo), ct_lt_scalar(x, hi));
}

/* ---- backward formulas: x is the saved input (or the output when args->result) ----------- */
/* out = clamp(x, a, b): gx = g where a < x < b (hardtanh_backward) */
static void hardtanh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const act_args *p = CT_ARGS(n, act_args);
  gi[0] = g_where(inside(ct__saved(n, 0), p->a, p->b), g[0]);
}
/* out = x <= a ? b : x: gx = x <= a ? 0 : g (threshold_backward; on the result when in place) */
static void threshold_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = g_where(ct_gt_scalar(ct__saved(n, 0), CT_ARGS(n, act_args)->a), g[0]);
}
static const char leaky_neg_msg[] =
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not "
    "supported. This is caused by calling in-place forward function with a negative slope, "
    "please call out-of-place version instead. File an issue at "
    "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward "
    "calculation with negative slope";
/* out = x > 0 ? x : a x: gx = x > 0 ? g : a g (leaky_relu_backward; x or the result) */
static ct_tensor *leaky_grad(const act_args *p, ct_tensor *x, ct_tensor *g) {
  if (p->result && p->a < 0) return ct__err("%s", leaky_neg_msg);
  return ct_where(ct_gt_scalar(x, 0), g, ct_mul_scalar(g, p->a));
}
static void leaky_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = leaky_grad(CT_ARGS(n, act_args), ct__saved(n, 0), g[0]);
}
/* out = x <= 0 ? a (exp(c x) - 1) : b x (a = alpha scale, b = scale, c = input_scale):
 *   gx = x <= 0 ? g c a exp(c x) : g b;  from the result y: y <= 0 ? g c (y + a) : g b */
static void elu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const act_args *p = CT_ARGS(n, act_args);
  ct_tensor *x = ct__saved(n, 0);
  if (p->result && p->a < 0) {
    ct__err("In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead.");
    return;
  }
  ct_tensor *neg = p->result ? ct_mul_scalar(ct_add_scalar(x, p->a), p->c)
                             : ct_mul_scalar(ct_exp(ct_mul_scalar(x, p->c)), p->c * p->a);
  gi[0] = ct_where(ct_le_scalar(x, 0), ct_mul(g[0], neg), ct_mul_scalar(g[0], p->b));
}
/* out = bx > t ? x : log1p(exp(bx)) / b: gx = bx > t ? g : g sigmoid(bx) (softplus_backward) */
static void softplus_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const act_args *p = CT_ARGS(n, act_args);
  ct_tensor *bx = ct_mul_scalar(ct__saved(n, 0), p->a);
  gi[0] = ct_where(ct_gt_scalar(bx, p->b), g[0], ct_mul(g[0], ct_sigmoid(bx)));
}
/* softshrink and hardshrink: gx = -a <= x <= a ? 0 : g */
static void shrink_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double l = CT_ARGS(n, act_args)->a;
  ct_tensor *x = ct__saved(n, 0);
  gi[0] = g_where(ct_logical_or(ct_lt_scalar(x, -l), ct_gt_scalar(x, l)), g[0]);
}
/* out = log(sigmoid(x)): gx = g sigmoid(-x) (log_sigmoid_backward) */
static void logsigmoid_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_sigmoid(ct_neg(ct__saved(n, 0))));
}
/* out = relu6(x + 3) / 6: gx = -3 < x < 3 ? g / 6 : 0, with PyTorch's float 1/6 in every
 * dtype (its kernel's constant is 1.0f / 6.0f) */
static void hardsigmoid_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = g_where(inside(ct__saved(n, 0), -3, 3), ct_mul_scalar(g[0], (double)(1.0f / 6.0f)));
}
/* out = x relu6(x + 3) / 6: gx = x < -3 ? 0 : x < 3 ? g (x / 3 + 0.5) : g */
static void hardswish_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0);
  ct_tensor *mid = ct_mul(g[0], ct_add_scalar(ct_div_scalar(x, 3), 0.5));
  gi[0] = ct_where(ct_lt_scalar(x, -3), zero_of(g[0]),
                   ct_where(ct_lt_scalar(x, 3), mid, g[0]));
}
/* out = x tanh(sp), sp = softplus(x): gx = g (tanh(sp) + x sigmoid(x) (1 - tanh(sp)^2)) */
static void mish_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0);
  ct_tensor *t = ct_tanh(ct_softplus(x));
  ct_tensor *d = ct_add(t, ct_mul(ct_mul(x, ct_sigmoid(x)), ct_rsub_scalar(ct_mul(t, t), 1)));
  gi[0] = ct_mul(g[0], d);
}

#define NOARGS ((act_args){.a = 0})

/* ---- the primitives ------------------------------------------------------------------------ */
/* One elementwise activation: its kernel (named as PyTorch's for dtype errors), its grad_fn
 * names out of place (0) and in place (1; NULL: the in-place form saves a copy of the input
 * under name0, as PyTorch's silu_ / hardswish_ do). */
typedef struct act_op {
  const char *kernel;
  const ct_loop_fn *loops;
  const char *name0, *name1;
  ct_backward_fn backward;
} act_op;

static const act_op OP_HARDTANH = {"hardtanh", hardtanh_loop, "HardtanhBackward0", NULL,
                                   hardtanh_backward};
static const act_op OP_THRESHOLD = {"threshold_cpu", threshold_loop, "ThresholdBackward0",
                                    "ThresholdBackward1", threshold_backward};
static const act_op OP_LEAKY = {"leaky_relu_cpu", leaky_loop, "LeakyReluBackward0",
                                "LeakyReluBackward1", leaky_backward};
static const act_op OP_ELU = {"elu_cpu", elu_loop, "EluBackward0", "EluBackward1", elu_backward};
static const act_op OP_CELU = {"elu_cpu", elu_loop, "CeluBackward0", "CeluBackward1",
                               elu_backward};
static const act_op OP_SOFTPLUS = {"softplus_cpu", softplus_loop, "SoftplusBackward0", NULL,
                                   softplus_backward};
static const act_op OP_SOFTSHRINK = {"softshrink_cpu", softshrink_loop, "SoftshrinkBackward0",
                                     NULL, shrink_backward};
static const act_op OP_HARDSHRINK = {"hardshrink_cpu", hardshrink_loop, "HardshrinkBackward0",
                                     NULL, shrink_backward};
static const act_op OP_LOGSIGMOID = {"log_sigmoid_cpu", logsigmoid_loop, "LogSigmoidBackward0",
                                     NULL, logsigmoid_backward};
static const act_op OP_HARDSIGMOID = {"hardsigmoid_cpu", hardsigmoid_loop,
                                      "HardsigmoidBackward0", NULL, hardsigmoid_backward};
static const act_op OP_HARDSWISH = {"hardswish_cpu", hardswish_loop, "HardswishBackward0", NULL,
                                    hardswish_backward};
static const act_op OP_MISH = {"mish_cpu", mish_loop, "MishBackward0", NULL, mish_backward};

/* out = op(t); the node saves t, or out when a.result (the in-place *Backward1 graph) */
static ct_tensor *act_forward(const act_op *op, const ct_tensor *t, act_args a) {
  if (!t) return NULL;
  ct_tensor *out = ct__unary_kernel(op->kernel, t, t->dtype, t->dtype, op->loops, &a);
  if (!out || !ct_dtype_is_floating(out->dtype)) return out;
  ct_node *n = ct__node_new(a.result ? op->name1 : op->name0, op->backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, act_args) = a;
    ct__save(n, a.result ? out : t, a.result);
    ct__set_history(out, n, 0);
  }
  return out;
}

typedef struct act_call {
  const act_op *op;
  act_args a;
} act_call;
static ct_tensor *act_call_fn(const ct_tensor *t, const void *arg) {
  const act_call *c = arg;
  return act_forward(c->op, t, c->a);
}

/* t = op(t) through the in-place driver */
static ct_tensor *act_inplace(const act_op *op, ct_tensor *t, act_args a) {
  if (!t) return NULL;
  a.result = op->name1 != NULL;
  act_call c = {op, a};
  return ct__inplace(t, &(ct_inplace_spec){.name = op->kernel, .result_type = t->dtype,
                                           .loops = op->loops, .ctx = &c.a,
                                           .needs_input = !a.result, .call = act_call_fn,
                                           .arg = &c});
}

/* PyTorch's refusals before hardtanh's clamp */
static int hardtanh_check(const ct_tensor *t, double lo, double hi) {
  if (!t) return 0;
  if (t->dtype == CT_BOOL) return ct__errs("Bool inputs not supported for hardtanh");
  if (t->dtype == CT_UINT8 && (lo < 0 || hi < 0))
    return ct__errs("cannot do hardtanh on an unsigned type with negative limits");
  return 0;
}
ct_tensor *ct_hardtanh_ex(const ct_tensor *t, ct_hardtanh_opts o) {
  if (hardtanh_check(t, o.min_val, o.max_val)) return NULL;
  return act_forward(&OP_HARDTANH, t, (act_args){.a = o.min_val, .b = o.max_val});
}
ct_tensor *ct_hardtanh__ex(ct_tensor *t, ct_hardtanh_opts o) {
  if (hardtanh_check(t, o.min_val, o.max_val)) return NULL;
  return act_inplace(&OP_HARDTANH, t, (act_args){.a = o.min_val, .b = o.max_val});
}
/* F.relu6 is hardtanh(0, 6) in PyTorch 1.13, grad_fn included */
ct_tensor *ct_relu6(const ct_tensor *t) { return ct_hardtanh(t, .min_val = 0, .max_val = 6); }
ct_tensor *ct_relu6_(ct_tensor *t) { return ct_hardtanh_(t, .min_val = 0, .max_val = 6); }

/* Scalar.to<scalar_t>() of an integer dtype refuses a value it cannot hold */
static int threshold_check(const ct_tensor *t, double threshold, double value) {
  static const char *const names[] = {"bool", "uint8_t", "int8_t", "int16_t", "int", "int64_t"};
  static const double lo[] = {0, 0, -128, -32768, -2147483648.0, -9223372036854775808.0};
  static const double hi[] = {1, 255, 127, 32767, 2147483647.0, 9223372036854775807.0};
  if (!t || ct_dtype_is_floating(t->dtype) || t->dtype == CT_BOOL) return 0;
  for (int i = 0; i < 2; i++) {
    double v = i ? value : threshold;
    bool over = v < lo[t->dtype] || v > hi[t->dtype] || (t->dtype == CT_INT64 && v >= 0x1p63);
    if (over)
      return ct__errs("value cannot be converted to type %s without overflow", names[t->dtype]);
  }
  return 0;
}
ct_tensor *ct_threshold(const ct_tensor *t, double threshold, double value) {
  if (threshold_check(t, threshold, value)) return NULL;
  return act_forward(&OP_THRESHOLD, t, (act_args){.a = threshold, .b = value});
}
ct_tensor *ct_threshold_(ct_tensor *t, double threshold, double value) {
  if (threshold_check(t, threshold, value)) return NULL;
  return act_inplace(&OP_THRESHOLD, t, (act_args){.a = threshold, .b = value});
}

ct_tensor *ct_leaky_relu_ex(const ct_tensor *t, ct_leaky_relu_opts o) {
  return act_forward(&OP_LEAKY, t, (act_args){.a = o.negative_slope});
}
ct_tensor *ct_leaky_relu__ex(ct_tensor *t, ct_leaky_relu_opts o) {
  return act_inplace(&OP_LEAKY, t, (act_args){.a = o.negative_slope});
}

ct_tensor *ct_elu_ex(const ct_tensor *t, ct_elu_opts o) {
  return act_forward(&OP_ELU, t, (act_args){.a = o.alpha, .b = 1, .c = 1});
}
ct_tensor *ct_elu__ex(ct_tensor *t, ct_elu_opts o) {
  return act_inplace(&OP_ELU, t, (act_args){.a = o.alpha, .b = 1, .c = 1});
}
ct_tensor *ct_selu(const ct_tensor *t) {
  return act_forward(&OP_ELU, t, (act_args){.a = SELU_ALPHA * SELU_SCALE, .b = SELU_SCALE, .c = 1});
}
ct_tensor *ct_selu_(ct_tensor *t) {
  return act_inplace(&OP_ELU, t, (act_args){.a = SELU_ALPHA * SELU_SCALE, .b = SELU_SCALE, .c = 1});
}
/* celu(x, alpha) = elu(x, alpha, scale 1, input_scale 1 / alpha) */
static int celu_check(const ct_tensor *t, double alpha) {
  if (t && alpha == 0) return ct__errs("ZeroDivisionError: alpha cannot be 0 for CELU");
  return 0;
}
ct_tensor *ct_celu_ex(const ct_tensor *t, ct_elu_opts o) {
  if (celu_check(t, o.alpha)) return NULL;
  return act_forward(&OP_CELU, t, (act_args){.a = o.alpha, .b = 1, .c = 1 / o.alpha});
}
ct_tensor *ct_celu__ex(ct_tensor *t, ct_elu_opts o) {
  if (celu_check(t, o.alpha)) return NULL;
  return act_inplace(&OP_CELU, t, (act_args){.a = o.alpha, .b = 1, .c = 1 / o.alpha});
}

ct_tensor *ct_softplus_ex(const ct_tensor *t, ct_softplus_opts o) {
  return act_forward(&OP_SOFTPLUS, t, (act_args){.a = o.beta, .b = o.threshold});
}
ct_tensor *ct_softshrink_ex(const ct_tensor *t, ct_shrink_opts o) {
  if (t && !(o.lambd >= 0))
    return ct__err("lambda must be greater or equal to 0, but found to be %g.", o.lambd);
  return act_forward(&OP_SOFTSHRINK, t, (act_args){.a = o.lambd});
}
ct_tensor *ct_hardshrink_ex(const ct_tensor *t, ct_shrink_opts o) {
  return act_forward(&OP_HARDSHRINK, t, (act_args){.a = o.lambd});
}
ct_tensor *ct_logsigmoid(const ct_tensor *t) { return act_forward(&OP_LOGSIGMOID, t, NOARGS); }
ct_tensor *ct_hardsigmoid(const ct_tensor *t) {
  return act_forward(&OP_HARDSIGMOID, t, NOARGS);
}
ct_tensor *ct_hardsigmoid_(ct_tensor *t) { return act_inplace(&OP_HARDSIGMOID, t, NOARGS); }
ct_tensor *ct_hardswish(const ct_tensor *t) { return act_forward(&OP_HARDSWISH, t, NOARGS); }
ct_tensor *ct_hardswish_(ct_tensor *t) { return act_inplace(&OP_HARDSWISH, t, NOARGS); }
ct_tensor *ct_mish(const ct_tensor *t) { return act_forward(&OP_MISH, t, NOARGS); }
ct_tensor *ct_mish_(ct_tensor *t) { return act_inplace(&OP_MISH, t, NOARGS); }

/* F.silu(t, inplace=True): PyTorch's silu_ saves a copy of the input (SiluBackward0) */
ct_tensor *ct_silu_(ct_tensor *t) {
  if (!t) return NULL;
  return ct__inplace(t, &(ct_inplace_spec){.name = "silu_cpu", .result_type = t->dtype,
                                           .needs_input = true, .unary = ct_silu});
}

/* ---- composites: PyTorch composes these too, so the grad_fn is the last op's ------------- */
/* x / (1 + |x|) (DivBackward0) */
ct_tensor *ct_softsign(const ct_tensor *t) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  return ct__op_end(ct_div(t, ct_add_scalar(ct_abs(t), 1)));
}
/* x - tanh(x) (SubBackward0) */
ct_tensor *ct_tanhshrink(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->dtype == CT_BOOL) /* PyTorch's sub refuses a bool operand */
    return ct__err("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                   "are trying to invert a mask, use the `~` or `logical_not()` operator "
                   "instead.");
  CT_OP_BEGIN();
  return ct__op_end(ct_sub(t, ct_tanh(t)));
}
/* softmax(-x, dim) (SoftmaxBackward0) */
ct_tensor *ct_softmin(const ct_tensor *t, int64_t dim) {
  if (!t) return NULL;
  CT_OP_BEGIN();
  return ct__op_end(ct_softmax(ct_neg(t), dim));
}
