/* Parity handlers: the activations of torch.nn.functional (src/ops/activation*.c), out of
 * place, with inplace=True, and their F.x_ in-place names. */
#include <string.h>

#include "parity.h"

/* f(input, numbers..., inplace=False): the numbers are PyTorch's positional-or-keyword
 * arguments after input, each with its default (required: no default). */
typedef ct_tensor *(*act_fn)(const ct_tensor *, const double *);
typedef ct_tensor *(*act_fn_)(ct_tensor *, const double *);
typedef struct {
  act_fn fn;   /* out of place; NULL for the F.x_ names */
  act_fn_ fn_; /* in place; NULL when PyTorch has none */
  int np;
  const char *kw[2];
  double def[2];
  bool required;   /* the numbers have no default (F.threshold) */
  bool inplace_kw; /* the signature ends with inplace=False */
} p_act;

static int h_act(pcall *c) {
  const p_act *a = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  double p[2] = {0, 0};
  for (int i = 0; i < a->np; i++) {
    if (a->required && !p_arg(c, i + 1, a->kw[i])) p_skip(c, "missing argument %s", a->kw[i]);
    p[i] = p_num(c, i + 1, a->kw[i], a->def[i]);
  }
  bool inplace = !a->fn || (a->inplace_kw && p_bool(c, a->np + 1, "inplace", false));
  P_CHECK(c);
  return p_out(c, inplace ? a->fn_(x, p) : a->fn(x, p));
}

#define W(name, call) \
  static ct_tensor *name(const ct_tensor *x, const double *p) { (void)p; return call; }
#define W_(name, call) \
  static ct_tensor *name(ct_tensor *x, const double *p) { (void)p; return call; }
W(w_relu6, ct_relu6(x))
W_(w_relu6_, ct_relu6_(x))
W(w_hardtanh, ct_hardtanh(x, .min_val = p[0], .max_val = p[1]))
W_(w_hardtanh_, ct_hardtanh_(x, .min_val = p[0], .max_val = p[1]))
W(w_threshold, ct_threshold(x, p[0], p[1]))
W_(w_threshold_, ct_threshold_(x, p[0], p[1]))
W(w_leaky, ct_leaky_relu(x, .negative_slope = p[0]))
W_(w_leaky_, ct_leaky_relu_(x, .negative_slope = p[0]))
W(w_elu, ct_elu(x, .alpha = p[0]))
W_(w_elu_, ct_elu_(x, .alpha = p[0]))
W(w_celu, ct_celu(x, .alpha = p[0]))
W_(w_celu_, ct_celu_(x, .alpha = p[0]))
W(w_selu, ct_selu(x))
W_(w_selu_, ct_selu_(x))
W(w_softplus, ct_softplus(x, .beta = p[0], .threshold = p[1]))
W(w_softshrink, ct_softshrink(x, .lambd = p[0]))
W(w_hardshrink, ct_hardshrink(x, .lambd = p[0]))
W(w_logsigmoid, ct_logsigmoid(x))
W(w_hardsigmoid, ct_hardsigmoid(x))
W_(w_hardsigmoid_, ct_hardsigmoid_(x))
W(w_hardswish, ct_hardswish(x))
W_(w_hardswish_, ct_hardswish_(x))
W(w_mish, ct_mish(x))
W_(w_mish_, ct_mish_(x))
W(w_silu, ct_silu(x))
W_(w_silu_, ct_silu_(x))
W(w_softsign, ct_softsign(x))
W(w_tanhshrink, ct_tanhshrink(x))

/* F.rrelu(input, lower=1/8, upper=1/3, training=False, inplace=False) / F.rrelu_(input, lower,
 * upper, training=False): training draws random slopes, which cases cannot replay (their
 * draws are compared with PyTorch's in tests/unit/test_activation.c) */
static int h_rrelu(pcall *c) {
  bool always = c->data != NULL;
  ct_tensor *x = p_tensor(c, 0, "input");
  double lo = p_num(c, 1, "lower", 1.0 / 8), up = p_num(c, 2, "upper", 1.0 / 3);
  if (p_bool(c, 3, "training", false)) p_skip(c, "training=True draws random slopes");
  bool inplace = always || p_bool(c, 4, "inplace", false);
  P_CHECK(c);
  return p_out(c, inplace ? ct_rrelu_(x, .lower = lo, .upper = up)
                          : ct_rrelu(x, .lower = lo, .upper = up));
}

/* F.prelu(input, weight) */
static int h_prelu(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  P_CHECK(c);
  return p_out(c, ct_prelu(x, w));
}

/* F.glu(input, dim=-1) */
static int h_glu(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int(c, 1, "dim", -1);
  P_CHECK(c);
  return p_out(c, ct_glu(x, d));
}

/* F.softmin(input, dim=None, _stacklevel=3, dtype=None); dim None is PyTorch's implicit
 * choice: 0 for 0-, 1- and 3-dim inputs, else 1 */
static int h_softmin(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_opt(c, 1, "dim");
  p_int(c, 2, "_stacklevel", 3);
  ct_dtype dt = p_dtype(c, 3, "dtype");
  P_CHECK(c);
  if (d == CT_NONE) {
    int nd = ct_dim(x);
    d = nd == 0 || nd == 1 || nd == 3 ? 0 : 1;
  }
  if (dt != CT_DTYPE_UNSET) x = ct_to(x, dt);
  return p_out(c, ct_softmin(x, d));
}

#define ACT(n, f, f_, np, k0, d0, k1, d1) \
  {"F." n, h_act, &(const p_act){f, f_, np, {k0, k1}, {d0, d1}, false, f_ != NULL}}
#define ACT_(n, f_, np, k0, k1) \
  {"F." n, h_act, &(const p_act){NULL, f_, np, {k0, k1}, {0, 0}, true, false}}

const parity_handler parity_handlers_activation[] = {
    ACT("relu6", w_relu6, w_relu6_, 0, NULL, 0, NULL, 0),
    ACT("hardtanh", w_hardtanh, w_hardtanh_, 2, "min_val", -1, "max_val", 1),
    ACT_("hardtanh_", w_hardtanh_, 2, "min_val", "max_val"),
    {"F.threshold", h_act,
     &(const p_act){w_threshold, w_threshold_, 2, {"threshold", "value"}, {0, 0}, true, true}},
    ACT_("threshold_", w_threshold_, 2, "threshold", "value"),
    ACT("leaky_relu", w_leaky, w_leaky_, 1, "negative_slope", 0.01, NULL, 0),
    ACT_("leaky_relu_", w_leaky_, 1, "negative_slope", NULL),
    ACT("elu", w_elu, w_elu_, 1, "alpha", 1, NULL, 0),
    ACT_("elu_", w_elu_, 1, "alpha", NULL),
    ACT("celu", w_celu, w_celu_, 1, "alpha", 1, NULL, 0),
    ACT_("celu_", w_celu_, 1, "alpha", NULL),
    ACT("selu", w_selu, w_selu_, 0, NULL, 0, NULL, 0),
    ACT_("selu_", w_selu_, 0, NULL, NULL),
    ACT("softplus", w_softplus, NULL, 2, "beta", 1, "threshold", 20),
    ACT("softshrink", w_softshrink, NULL, 1, "lambd", 0.5, NULL, 0),
    ACT("hardshrink", w_hardshrink, NULL, 1, "lambd", 0.5, NULL, 0),
    ACT("logsigmoid", w_logsigmoid, NULL, 0, NULL, 0, NULL, 0),
    ACT("hardsigmoid", w_hardsigmoid, w_hardsigmoid_, 0, NULL, 0, NULL, 0),
    ACT("hardswish", w_hardswish, w_hardswish_, 0, NULL, 0, NULL, 0),
    ACT("mish", w_mish, w_mish_, 0, NULL, 0, NULL, 0),
    ACT("silu", w_silu, w_silu_, 0, NULL, 0, NULL, 0),
    ACT("softsign", w_softsign, NULL, 0, NULL, 0, NULL, 0),
    ACT("tanhshrink", w_tanhshrink, NULL, 0, NULL, 0, NULL, 0),
    {"F.rrelu", h_rrelu, NULL},
    {"F.rrelu_", h_rrelu, "always"},
    {"F.prelu", h_prelu, NULL},
    {"F.glu", h_glu, NULL},
    {"F.softmin", h_softmin, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_activation)
