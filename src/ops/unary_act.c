/* Activation functions: relu, sigmoid, tanh, gelu (exact and tanh approximation), silu,
 * with in-place forms. Backward formulas are PyTorch's (threshold_backward, sigmoid_backward,
 * tanh_backward, gelu_backward, silu_backward): without create_graph they run as one fused
 * kernel, with it as differentiable ops so double backward works. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math") /* see unary.c: lets the loops vectorise */
#endif
#include "../internal.h"
#include "../tensor/cpu.h"
#include "elementwise.h"
#include <tgmath.h>

#define K_BETA 0.7978845608028654 /* sqrt(2 / pi) */
#define K_KAPPA 0.044715
#define K_ALPHA 0.7071067811865476 /* 1 / sqrt(2) */
#define K_PDF 0.3989422804014327   /* 1 / sqrt(2 pi) */

/* ---- forward loops: out (shape of x), x -> out -------------------------------------------- */
/* clamp_min(x, 0): NaN and -0.0 pass through */
static inline int64_t i_relu(int64_t v) { return v < 0 ? 0 : v; }
static inline float f_relu(float v) { return v < 0 ? 0 : v; }
static inline double d_relu(double v) { return v < 0 ? 0 : v; }
CT_UNARY_NUMERIC(relu_loop, _Generic((x), float: f_relu, double: d_relu, default: i_relu)(x))
CT_UNARY_LOOP(sigmoid_loop, float, float, f32, 1.0f / (1.0f + ct__expf(-x)))
CT_UNARY_LOOP(sigmoid_loop, double, double, f64, 1.0 / (1.0 + exp(-x)))
CT_LOOP_TABLE_FLOAT(sigmoid_loop);
/* tanh and gelu are compute-bound: float32 uses the vectorisable ct__tanhf / ct__erff
 * (float64 stays on libm), built for x86-64-v3 and AVX-512, the wider chosen at run time
 * like unary.c's exp. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CT_WIDE_F32(loop, make, ...)                                                   \
  make(loop##_v3, __VA_ARGS__) __attribute__((target("avx512f"))) make(loop##_v4, __VA_ARGS__) \
  static void loop##_f32(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (ct__cpu_level() >= CT_CPU_AVX512 ? loop##_v4_f32 : loop##_v3_f32)(d, s, n, ctx);   \
  }
#else
#define CT_WIDE_F32(loop, make, ...) make(loop, __VA_ARGS__)
#endif
#define U_F32(name, EXPR) CT_UNARY_LOOP(name, float, float, f32, EXPR)
#define B_F32(name, EXPR) CT_BINARY_LOOP(name, float, float, f32, EXPR)
CT_WIDE_F32(tanh_loop, U_F32, ct__tanhf(x))
CT_UNARY_LOOP(tanh_loop, double, double, f64, tanh(x))
CT_LOOP_TABLE_FLOAT(tanh_loop);
CT_UNARY_LOOP(silu_loop, float, float, f32, x / (1.0f + ct__expf(-x)))
CT_UNARY_LOOP(silu_loop, double, double, f64, x / (1.0 + exp(-x)))
CT_LOOP_TABLE_FLOAT(silu_loop);
/* x * Phi(x) */
#define GELU(x, ERF) x * 0.5 * (1 + ERF(x * K_ALPHA))
/* float32 in float arithmetic, as PyTorch's kernel: double temporaries halved the vector width */
#define GELU_F(x) x * 0.5f * (1.0f + ct__erff(x * (float)K_ALPHA))
CT_WIDE_F32(gelu_loop, U_F32, GELU_F(x))
CT_UNARY_LOOP(gelu_loop, double, double, f64, GELU(x, erf))
CT_LOOP_TABLE_FLOAT(gelu_loop);
/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
#define GELU_TANH(x, TANH) 0.5 * x * (1 + TANH(K_BETA * (x + K_KAPPA * x * x * x)))
#define GELU_TANH_F(x) 0.5f * x * (1.0f + ct__tanhf((float)K_BETA * (x + (float)K_KAPPA * x * x * x)))
CT_WIDE_F32(gelu_tanh_loop, U_F32, GELU_TANH_F(x))
CT_UNARY_LOOP(gelu_tanh_loop, double, double, f64, GELU_TANH(x, tanh))
CT_LOOP_TABLE_FLOAT(gelu_tanh_loop);

/* ---- fused backward loops: gx (shape of g), g = a, saved = b -> gx ----------------------- */
CT_BINARY_FLOAT(relu_bw_loop, b <= 0 ? 0 : a)
CT_BINARY_FLOAT(sigmoid_bw_loop, a * b * (1 - b))
CT_BINARY_FLOAT(tanh_bw_loop, a * (1 - b * b))
CT_BINARY_FLOAT(silu_bw_loop, a * (1 / (1 + exp(-b))) * (1 + b * (1 - 1 / (1 + exp(-b)))))
#define GELU_BW(a, b, ERF, EXP) a * (0.5 * (1 + ERF(b * K_ALPHA)) + b * K_PDF * EXP(-0.5 * b * b))
#define GELU_BW_F(a, b) \
  a * (0.5f * (1.0f + ct__erff(b * (float)K_ALPHA)) + b * (float)K_PDF * ct__expf(-0.5f * b * b))
CT_WIDE_F32(gelu_bw_loop, B_F32, GELU_BW_F(a, b))
CT_BINARY_LOOP(gelu_bw_loop, double, double, f64, GELU_BW(a, b, erf, exp))
CT_LOOP_TABLE_FLOAT(gelu_bw_loop);
/* t = tanh(u) once per element */
static inline float f_gelu_tanh_d(float b) {
  float t = ct__tanhf((float)K_BETA * (b + (float)K_KAPPA * b * b * b));
  return 0.5f * (1 + t) + 0.5f * b * (1 - t * t) * (float)K_BETA * (1 + 3 * (float)K_KAPPA * b * b);
}
static inline double d_gelu_tanh_d(double b) {
  double t = tanh(K_BETA * (b + K_KAPPA * b * b * b));
  return 0.5 * (1 + t) + 0.5 * b * (1 - t * t) * K_BETA * (1 + 3 * K_KAPPA * b * b);
}
CT_WIDE_F32(gelu_tanh_bw_loop, B_F32, a * f_gelu_tanh_d(b))
CT_BINARY_LOOP(gelu_tanh_bw_loop, double, double, f64, a * d_gelu_tanh_d(b))
CT_LOOP_TABLE_FLOAT(gelu_tanh_bw_loop);

/* The fused kernel for a backward that needs no graph of its own. */
static ct_tensor *fused(const char *name, ct_tensor *g, ct_tensor *s, const ct_loop_fn *loops) {
  if (!g || !s) return NULL;
  ct_dtype dt = ct_result_type(g, s);
  return ct__binary_kernel(name, g, s, dt, dt, loops, NULL);
}

/* ---- backward formulas --------------------------------------------------------------------- */
/* out = max(x, 0): gx = out <= 0 ? 0 : g (threshold_backward(g, out, 0): a NaN out passes g) */
static void relu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct__saved(n, 0);
  gi[0] = !ct_is_grad_enabled() ? fused("threshold_backward", g[0], y, relu_bw_loop)
                                : ct_where(ct_le_scalar(y, 0), ct_scalar_tensor(0, g[0]->dtype), g[0]);
}
/* out = 1 / (1 + exp(-x)): gx = g * out * (1 - out) */
static void sigmoid_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct__saved(n, 0);
  gi[0] = !ct_is_grad_enabled() ? fused("sigmoid_backward", g[0], y, sigmoid_bw_loop)
                                : ct_mul(g[0], ct_mul(y, ct_rsub_scalar(y, 1)));
}
/* out = tanh(x): gx = g * (1 - out^2) */
static void tanh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct__saved(n, 0);
  gi[0] = !ct_is_grad_enabled() ? fused("tanh_backward", g[0], y, tanh_bw_loop)
                                : ct_mul(g[0], ct_rsub_scalar(ct_mul(y, y), 1));
}
/* out = x * s, s = sigmoid(x): gx = g * s * (1 + x * (1 - s)) */
static void silu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0);
  if (!ct_is_grad_enabled()) {
    gi[0] = fused("silu_backward", g[0], x, silu_bw_loop);
    return;
  }
  ct_tensor *s = ct_sigmoid(x);
  gi[0] = ct_mul(ct_mul(g[0], s), ct_add_scalar(ct_mul(x, ct_rsub_scalar(s, 1)), 1));
}
/* out = x * Phi(x): gx = g * (Phi(x) + x * phi(x));
 * tanh form: out = 0.5 x (1 + t), t = tanh(u), u = b (x + k x^3):
 *            gx = g * (0.5 (1 + t) + 0.5 x (1 - t^2) b (1 + 3 k x^2)) */
typedef struct {
  bool tanh_form; /* approximate='tanh' */
} gelu_args;
CT_ARGS_TYPE(gelu_args, NULL);

static void gelu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0);
  bool tanh_form = CT_ARGS(n, gelu_args)->tanh_form;
  if (!ct_is_grad_enabled()) {
    gi[0] = fused("gelu_backward", g[0], x, tanh_form ? gelu_tanh_bw_loop : gelu_bw_loop);
    return;
  }
  ct_tensor *x2 = ct_mul(x, x), *d;
  if (tanh_form) {
    ct_tensor *u = ct_mul_scalar(ct_add(x, ct_mul_scalar(ct_mul(x2, x), K_KAPPA)), K_BETA);
    ct_tensor *t = ct_tanh(u);
    ct_tensor *left = ct_mul_scalar(ct_add_scalar(t, 1), 0.5);
    ct_tensor *du = ct_mul_scalar(ct_add_scalar(ct_mul_scalar(x2, 3 * K_KAPPA), 1), K_BETA);
    ct_tensor *right = ct_mul(ct_mul(ct_mul_scalar(x, 0.5), ct_rsub_scalar(ct_mul(t, t), 1)), du);
    d = ct_add(left, right);
  } else {
    ct_tensor *cdf = ct_mul_scalar(ct_add_scalar(ct_erf(ct_mul_scalar(x, K_ALPHA)), 1), 0.5);
    ct_tensor *pdf = ct_mul_scalar(ct_exp(ct_mul_scalar(x2, -0.5)), K_PDF);
    d = ct_add(cdf, ct_mul(x, pdf));
  }
  gi[0] = ct_mul(g[0], d);
}

/* ---- forward ------------------------------------------------------------------------------ */
ct_tensor *ct_relu(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->dtype == CT_BOOL) return ct__err("Boolean inputs not supported for relu");
  ct_tensor *out = ct__unary_kernel("relu", t, t->dtype, t->dtype, relu_loop, NULL);
  return ct__ew_record1(out, t, "ReluBackward0", relu_backward, CT_SAVE_OUTPUT);
}

ct_tensor *ct_sigmoid(const ct_tensor *t) {
  if (!t) return NULL;
  ct_dtype dt = ct__float_of(t->dtype);
  ct_tensor *out = ct__unary_kernel("sigmoid", t, dt, dt, sigmoid_loop, NULL);
  return ct__ew_record1(out, t, "SigmoidBackward0", sigmoid_backward, CT_SAVE_OUTPUT);
}

ct_tensor *ct_tanh(const ct_tensor *t) {
  if (!t) return NULL;
  ct_dtype dt = ct__float_of(t->dtype);
  ct_tensor *out = ct__unary_kernel("tanh", t, dt, dt, tanh_loop, NULL);
  return ct__ew_record1(out, t, "TanhBackward0", tanh_backward, CT_SAVE_OUTPUT);
}

/* gelu and silu are float-only in PyTorch: an int input is an error, not a promotion. */
ct_tensor *ct_silu(const ct_tensor *t) {
  if (!t) return NULL;
  ct_tensor *out = ct__unary_kernel("silu_cpu", t, t->dtype, t->dtype, silu_loop, NULL);
  return ct__ew_record1(out, t, "SiluBackward0", silu_backward, CT_SAVE_INPUT);
}

ct_tensor *ct_gelu(const ct_tensor *t, ct_gelu_approx approximate) {
  if (!t) return NULL;
  if (approximate != CT_GELU_NONE && approximate != CT_GELU_TANH)
    return ct__err("approximate argument must be either none or tanh.");
  const ct_loop_fn *loops = approximate == CT_GELU_TANH ? gelu_tanh_loop : gelu_loop;
  ct_tensor *out = ct__unary_kernel("GeluKernelImpl", t, t->dtype, t->dtype, loops, NULL);
  if (!out) return NULL;
  ct_node *n = ct__node_new("GeluBackward0", gelu_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    CT_NEW_ARGS(n, gelu_args)->tanh_form = approximate == CT_GELU_TANH;
    ct__save(n, t, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* t.op_() for the activations: nothing of t's old value is read by their backward */
static ct_tensor *act_inplace(ct_tensor *t, ct_dtype rt, const char *name, const ct_loop_fn *loops,
                              ct_tensor *(*op)(const ct_tensor *)) {
  return ct__inplace(t, &(ct_inplace_spec){.name = name, .result_type = rt, .loops = loops,
                                           .unary = op});
}
ct_tensor *ct_relu_(ct_tensor *t) {
  return t ? act_inplace(t, t->dtype, "relu", relu_loop, ct_relu) : NULL;
}
ct_tensor *ct_sigmoid_(ct_tensor *t) {
  return t ? act_inplace(t, ct__float_of(t->dtype), "sigmoid", sigmoid_loop, ct_sigmoid) : NULL;
}
ct_tensor *ct_tanh_(ct_tensor *t) {
  return t ? act_inplace(t, ct__float_of(t->dtype), "tanh", tanh_loop, ct_tanh) : NULL;
}
