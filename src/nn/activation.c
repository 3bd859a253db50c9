/* The activation modules beyond layers.c's ReLU / Sigmoid / Tanh / GELU / SiLU / Softmax /
 * LogSoftmax: ReLU6 RReLU LeakyReLU PReLU ELU SELU CELU Mish Hardtanh Hardsigmoid Hardswish
 * Softplus Softsign Softshrink Hardshrink Tanhshrink Threshold LogSigmoid GLU Softmin
 * Softmax2d, each over its F.<activation> (in place where PyTorch's module has inplace=).
 *
 * Most are one table row (act_kind: the class, its numeric constructor arguments with their
 * defaults, whether it takes inplace=) and one forward; the builder, the C constructors and
 * extra_repr are shared. extra_repr prints numbers as Python does: a value given as an int
 * prints as one ("beta=1"), a float with repr()'s shortest digits ("lower=0.125"). */
#include "nn_internal.h"

#include <math.h>

/* ---- Python's number printing ------------------------------------------------------------ */
/* A constructor's number as Python prints it: an int given as an int, else a float. */
void nn_num_repr(ct__strbuf *b, double x, bool is_int) {
  if (is_int)
    ct__sb_printf(b, "%lld", (long long)x);
  else
    nn_py_float(b, x);
}

/* A number argument and whether it was given as an int (for extra_repr). */
double nn_arg_num(nn_args *a, int pos, const char *key, double def, bool def_int, bool *is_int) {
  const ct_value *v = nn_arg(a, pos, key);
  *is_int = v ? v->type == CT_V_INT : def_int;
  if (!v) return def;
  if (v->type == CT_V_INT) return (double)v->i;
  if (v->type == CT_V_FLOAT) return v->f;
  if (!a->bad) {
    a->bad = true;
    ct__err("%s: argument '%s' must be float, not %s", a->cls, key,
            v->type == CT_V_NONE ? "NoneType" : v->type == CT_V_STR ? "str" : "bool");
  }
  return def;
}

/* ---- the table-driven activations ------------------------------------------------------------ */
typedef struct act_mod {
  ct_module base;
  double p[2];    /* the numeric constructor arguments, in the class's order */
  bool p_int[2];  /* given as ints: printed as ints */
  bool inplace;
} act_mod;

typedef enum {
  REPR_NONE,    /* no extra_repr */
  REPR_INPLACE, /* "inplace=True" or nothing */
  REPR_NAMED,   /* "name=value, ..." then ", inplace=True" */
  REPR_BARE     /* Softshrink / Hardshrink: the value alone */
} repr_style;

/* One activation's constructor: its numeric arguments (names, defaults: NAN for a required
 * one, whether the default is a Python int), whether inplace= follows them, and extra_repr. */
typedef struct act_spec {
  const ct_module_kind *k;
  int np;
  const char *pn[2];
  double def[2];
  bool def_int[2];
  bool has_inplace;
  repr_style repr;
} act_spec;

static const act_spec *spec_of(const ct_module_kind *k);

#define ACT(m) ((act_mod *)(m))

static void act_repr(const ct_module *m, char *buf, size_t n) {
  const act_spec *k = spec_of(m->kind);
  const act_mod *a = (const act_mod *)m;
  ct__strbuf b = {0};
  if (k->repr == REPR_BARE) nn_num_repr(&b, a->p[0], a->p_int[0]);
  for (int i = 0; k->repr == REPR_NAMED && i < k->np; i++) {
    ct__sb_printf(&b, "%s%s=", i ? ", " : "", k->pn[i]);
    nn_num_repr(&b, a->p[i], a->p_int[i]);
  }
  if (a->inplace && (k->repr == REPR_NAMED || k->repr == REPR_INPLACE))
    ct__sb_puts(&b, k->repr == REPR_NAMED ? ", inplace=True" : "inplace=True");
  nn_repr_out(&b, buf, n);
}

/* The module with its arguments checked (Hardtanh's assert max_val > min_val). */
static ct_module *act_new(const act_spec *k, const double *p, const bool *p_int, bool inplace) {
  if (k->k == &ct__nn_kind_hardtanh && !(p[1] > p[0]))
    return ct__err("Hardtanh: max_val (%g) must be greater than min_val (%g)", p[1], p[0]);
  act_mod *a = (act_mod *)ct_module_new(k->k);
  if (!a) return NULL;
  for (int i = 0; i < k->np; i++) a->p[i] = p[i], a->p_int[i] = p_int[i];
  a->inplace = inplace;
  return &a->base;
}

/* A C constructor's module: numbers print as floats unless PyTorch's default is an int and
 * the value is integral (Softplus(beta=1, threshold=20)). */
static ct_module *act_make(const ct_module_kind *kind, double p0, double p1, bool inplace) {
  const act_spec *k = spec_of(kind);
  double p[2] = {p0, p1};
  bool is_int[2];
  for (int i = 0; i < 2; i++) is_int[i] = k->def_int[i] && p[i] == trunc(p[i]) && fabs(p[i]) < 9e15;
  return act_new(k, p, is_int, inplace);
}

/* PyTorch's constructor: the numeric arguments, then inplace, positional or by keyword. */
static ct_module *act_build(const ct_values *args, const ct_module_kind *kind) {
  const act_spec *k = spec_of(kind);
  nn_args a;
  nn_args_init(&a, args, kind->name);
  double p[2] = {0, 0};
  bool is_int[2] = {false, false};
  for (int i = 0; i < k->np; i++) {
    if (isnan(k->def[i]) && !nn_arg(&a, i, k->pn[i]) && !a.bad) {
      a.bad = true;
      ct__err("%s.__init__() missing 1 required positional argument: '%s'", kind->name, k->pn[i]);
    }
    p[i] = nn_arg_num(&a, i, k->pn[i], k->def[i], k->def_int[i], &is_int[i]);
  }
  bool inplace = k->has_inplace ? nn_arg_bool(&a, k->np, "inplace", false) : false;
  if (kind == &ct__nn_kind_hardtanh) { /* deprecated spellings */
    if (nn_arg(&a, -1, "min_value")) p[0] = nn_arg_num(&a, -1, "min_value", p[0], false, &is_int[0]);
    if (nn_arg(&a, -1, "max_value")) p[1] = nn_arg_num(&a, -1, "max_value", p[1], false, &is_int[1]);
  }
  return nn_args_done(&a) == 0 ? act_new(k, p, is_int, inplace) : NULL;
}

/* ---- forwards ---- */
static ct_tensor *relu6_fwd(ct_module *m, ct_tensor *x) {
  return ACT(m)->inplace ? ct_relu6_(x) : ct_relu6(x);
}
static ct_tensor *rrelu_fwd(ct_module *m, ct_tensor *x) {
  ct_rrelu_opts o = {.lower = ACT(m)->p[0], .upper = ACT(m)->p[1], .training = m->training};
  return ACT(m)->inplace ? ct_rrelu__ex(x, o) : ct_rrelu_ex(x, o);
}
static ct_tensor *leaky_relu_fwd(ct_module *m, ct_tensor *x) {
  ct_leaky_relu_opts o = {.negative_slope = ACT(m)->p[0]};
  return ACT(m)->inplace ? ct_leaky_relu__ex(x, o) : ct_leaky_relu_ex(x, o);
}
static ct_tensor *elu_fwd(ct_module *m, ct_tensor *x) {
  ct_elu_opts o = {.alpha = ACT(m)->p[0]};
  return ACT(m)->inplace ? ct_elu__ex(x, o) : ct_elu_ex(x, o);
}
static ct_tensor *celu_fwd(ct_module *m, ct_tensor *x) {
  ct_elu_opts o = {.alpha = ACT(m)->p[0]};
  return ACT(m)->inplace ? ct_celu__ex(x, o) : ct_celu_ex(x, o);
}
static ct_tensor *selu_fwd(ct_module *m, ct_tensor *x) {
  return ACT(m)->inplace ? ct_selu_(x) : ct_selu(x);
}
static ct_tensor *mish_fwd(ct_module *m, ct_tensor *x) {
  return ACT(m)->inplace ? ct_mish_(x) : ct_mish(x);
}
static ct_tensor *hardtanh_fwd(ct_module *m, ct_tensor *x) {
  ct_hardtanh_opts o = {.min_val = ACT(m)->p[0], .max_val = ACT(m)->p[1]};
  return ACT(m)->inplace ? ct_hardtanh__ex(x, o) : ct_hardtanh_ex(x, o);
}
static ct_tensor *hardsigmoid_fwd(ct_module *m, ct_tensor *x) {
  return ACT(m)->inplace ? ct_hardsigmoid_(x) : ct_hardsigmoid(x);
}
static ct_tensor *hardswish_fwd(ct_module *m, ct_tensor *x) {
  return ACT(m)->inplace ? ct_hardswish_(x) : ct_hardswish(x);
}
static ct_tensor *softplus_fwd(ct_module *m, ct_tensor *x) {
  return ct_softplus_ex(x, (ct_softplus_opts){.beta = ACT(m)->p[0], .threshold = ACT(m)->p[1]});
}
static ct_tensor *softsign_fwd(ct_module *m, ct_tensor *x) { (void)m; return ct_softsign(x); }
static ct_tensor *softshrink_fwd(ct_module *m, ct_tensor *x) {
  return ct_softshrink_ex(x, (ct_shrink_opts){.lambd = ACT(m)->p[0]});
}
static ct_tensor *hardshrink_fwd(ct_module *m, ct_tensor *x) {
  return ct_hardshrink_ex(x, (ct_shrink_opts){.lambd = ACT(m)->p[0]});
}
static ct_tensor *tanhshrink_fwd(ct_module *m, ct_tensor *x) { (void)m; return ct_tanhshrink(x); }
static ct_tensor *threshold_fwd(ct_module *m, ct_tensor *x) {
  act_mod *a = ACT(m);
  return a->inplace ? ct_threshold_(x, a->p[0], a->p[1]) : ct_threshold(x, a->p[0], a->p[1]);
}
static ct_tensor *logsigmoid_fwd(ct_module *m, ct_tensor *x) { (void)m; return ct_logsigmoid(x); }
static ct_tensor *softmax2d_fwd(ct_module *m, ct_tensor *x) {
  (void)m;
  if (x && ct_dim(x) != 3 && ct_dim(x) != 4)
    return ct__err("Softmax2d requires a 3D or 4D tensor as input");
  return ct_softmax(x, -3);
}

/* ---- the table ---- */
static const act_spec specs[] = {
    {&ct__nn_kind_relu6, 0, {0}, {0}, {0}, true, REPR_INPLACE},
    {&ct__nn_kind_rrelu, 2, {"lower", "upper"}, {1.0 / 8, 1.0 / 3}, {false, false}, true, REPR_NAMED},
    {&ct__nn_kind_leaky_relu, 1, {"negative_slope"}, {1e-2}, {false}, true, REPR_NAMED},
    {&ct__nn_kind_elu, 1, {"alpha"}, {1.0}, {false}, true, REPR_NAMED},
    {&ct__nn_kind_celu, 1, {"alpha"}, {1.0}, {false}, true, REPR_NAMED},
    {&ct__nn_kind_selu, 0, {0}, {0}, {0}, true, REPR_INPLACE},
    {&ct__nn_kind_mish, 0, {0}, {0}, {0}, true, REPR_INPLACE},
    {&ct__nn_kind_hardtanh, 2, {"min_val", "max_val"}, {-1.0, 1.0}, {false, false}, true, REPR_NAMED},
    /* Hardsigmoid and Hardswish take inplace= but print nothing */
    {&ct__nn_kind_hardsigmoid, 0, {0}, {0}, {0}, true, REPR_NONE},
    {&ct__nn_kind_hardswish, 0, {0}, {0}, {0}, true, REPR_NONE},
    {&ct__nn_kind_softplus, 2, {"beta", "threshold"}, {1, 20}, {true, true}, false, REPR_NAMED},
    {&ct__nn_kind_softsign, 0, {0}, {0}, {0}, false, REPR_NONE},
    {&ct__nn_kind_softshrink, 1, {"lambd"}, {0.5}, {false}, false, REPR_BARE},
    {&ct__nn_kind_hardshrink, 1, {"lambd"}, {0.5}, {false}, false, REPR_BARE},
    {&ct__nn_kind_tanhshrink, 0, {0}, {0}, {0}, false, REPR_NONE},
    {&ct__nn_kind_threshold, 2, {"threshold", "value"}, {NAN, NAN}, {false, false}, true, REPR_NAMED},
    {&ct__nn_kind_logsigmoid, 0, {0}, {0}, {0}, false, REPR_NONE},
    {&ct__nn_kind_softmax2d, 0, {0}, {0}, {0}, false, REPR_NONE},
};

static const act_spec *spec_of(const ct_module_kind *k) {
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
    if (specs[i].k == k) return &specs[i];
  return &specs[0]; /* unreachable: every kind below has a row */
}

#define ACT_KIND(var, cls, fwd)                                                                \
  NN_KIND(ct__nn_kind_##var, build_##var, act_build, .name = cls, .size = sizeof(act_mod), \
          .forward1 = fwd, .extra_repr = act_repr)
ACT_KIND(relu6, "ReLU6", relu6_fwd);
ACT_KIND(rrelu, "RReLU", rrelu_fwd);
ACT_KIND(leaky_relu, "LeakyReLU", leaky_relu_fwd);
ACT_KIND(elu, "ELU", elu_fwd);
ACT_KIND(celu, "CELU", celu_fwd);
ACT_KIND(selu, "SELU", selu_fwd);
ACT_KIND(mish, "Mish", mish_fwd);
ACT_KIND(hardtanh, "Hardtanh", hardtanh_fwd);
ACT_KIND(hardsigmoid, "Hardsigmoid", hardsigmoid_fwd);
ACT_KIND(hardswish, "Hardswish", hardswish_fwd);
ACT_KIND(softplus, "Softplus", softplus_fwd);
ACT_KIND(softsign, "Softsign", softsign_fwd);
ACT_KIND(softshrink, "Softshrink", softshrink_fwd);
ACT_KIND(hardshrink, "Hardshrink", hardshrink_fwd);
ACT_KIND(tanhshrink, "Tanhshrink", tanhshrink_fwd);
ACT_KIND(threshold, "Threshold", threshold_fwd);
ACT_KIND(logsigmoid, "LogSigmoid", logsigmoid_fwd);
ACT_KIND(softmax2d, "Softmax2d", softmax2d_fwd);
#undef ACT_KIND

/* ---- C constructors ---- */
ct_module *ct_nn_relu6(bool inplace) { return act_make(&ct__nn_kind_relu6, 0, 0, inplace); }
ct_module *ct_nn_rrelu_ex(ct_nn_rrelu_opts o) {
  return act_make(&ct__nn_kind_rrelu, o.lower, o.upper, o.inplace);
}
ct_module *ct_nn_leaky_relu_ex(ct_nn_leaky_relu_opts o) {
  return act_make(&ct__nn_kind_leaky_relu, o.negative_slope, 0, o.inplace);
}
ct_module *ct_nn_elu_ex(ct_nn_elu_opts o) { return act_make(&ct__nn_kind_elu, o.alpha, 0, o.inplace); }
ct_module *ct_nn_celu_ex(ct_nn_elu_opts o) { return act_make(&ct__nn_kind_celu, o.alpha, 0, o.inplace); }
ct_module *ct_nn_selu(bool inplace) { return act_make(&ct__nn_kind_selu, 0, 0, inplace); }
ct_module *ct_nn_mish(bool inplace) { return act_make(&ct__nn_kind_mish, 0, 0, inplace); }
ct_module *ct_nn_hardtanh_ex(ct_nn_hardtanh_opts o) {
  return act_make(&ct__nn_kind_hardtanh, o.min_val, o.max_val, o.inplace);
}
ct_module *ct_nn_hardsigmoid(bool inplace) { return act_make(&ct__nn_kind_hardsigmoid, 0, 0, inplace); }
ct_module *ct_nn_hardswish(bool inplace) { return act_make(&ct__nn_kind_hardswish, 0, 0, inplace); }
ct_module *ct_nn_softplus_ex(ct_softplus_opts o) {
  return act_make(&ct__nn_kind_softplus, o.beta, o.threshold, false);
}
ct_module *ct_nn_softsign(void) { return act_make(&ct__nn_kind_softsign, 0, 0, false); }
ct_module *ct_nn_softshrink(double lambd) { return act_make(&ct__nn_kind_softshrink, lambd, 0, false); }
ct_module *ct_nn_hardshrink(double lambd) { return act_make(&ct__nn_kind_hardshrink, lambd, 0, false); }
ct_module *ct_nn_tanhshrink(void) { return act_make(&ct__nn_kind_tanhshrink, 0, 0, false); }
ct_module *ct_nn_threshold(double threshold, double value, bool inplace) {
  return act_make(&ct__nn_kind_threshold, threshold, value, inplace);
}
ct_module *ct_nn_logsigmoid(void) { return act_make(&ct__nn_kind_logsigmoid, 0, 0, false); }
ct_module *ct_nn_softmax2d(void) { return act_make(&ct__nn_kind_softmax2d, 0, 0, false); }

/* ---- PReLU: a learnable slope per channel ---------------------------------------------------- */
typedef struct prelu_mod {
  ct_module base;
  ct_tensor *weight;
  int64_t num_parameters;
} prelu_mod;

static ct_tensor *prelu_fwd(ct_module *m, ct_tensor *x) { return ct_prelu(x, ((prelu_mod *)m)->weight); }
static void prelu_repr(const ct_module *m, char *buf, size_t n) {
  snprintf(buf, n, "num_parameters=%lld", (long long)((const prelu_mod *)m)->num_parameters);
}
static ct_module *build_prelu(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "PReLU");
  int64_t np = nn_arg_int(&a, 0, "num_parameters", 1, false);
  bool unused;
  double init = nn_arg_num(&a, 1, "init", 0.25, false, &unused);
  nn_arg_device(&a, 2, "device");
  ct_dtype dt = nn_arg_dtype(&a, 3, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_prelu(.num_parameters = np, .init = init, .dtype = dt);
}
const ct_module_kind ct__nn_kind_prelu = {.name = "PReLU", .size = sizeof(prelu_mod),
                                          .forward1 = prelu_fwd, .extra_repr = prelu_repr,
                                          .build = build_prelu};

/* Parameter(torch.empty(num_parameters).fill_(init)): no draws. */
ct_module *ct_nn_prelu_ex(ct_nn_prelu_opts o) {
  ct_scope_begin();
  ct_tensor *w = ct_full_ex(1, (int64_t[]){o.num_parameters}, o.init, (ct_tensor_opts){.dtype = o.dtype});
  prelu_mod *p = w ? (prelu_mod *)ct_module_new(&ct__nn_kind_prelu) : NULL;
  if (p) {
    p->num_parameters = o.num_parameters;
    p->weight = ct_module_register_parameter(&p->base, "weight", w);
    if (!p->weight) {
      ct_module_free(&p->base);
      p = NULL;
    }
  }
  ct_scope_end();
  return (ct_module *)p;
}

/* ---- GLU, Softmin: a dim ---------------------------------------------------------------------- */
typedef struct dim_mod {
  ct_module base;
  int64_t dim;
} dim_mod;

static ct_tensor *glu_fwd(ct_module *m, ct_tensor *x) { return ct_glu(x, ((dim_mod *)m)->dim); }
static ct_tensor *softmin_fwd(ct_module *m, ct_tensor *x) {
  int64_t d = ((dim_mod *)m)->dim;
  return ct_softmin(x, d == CT_NONE && x ? nn_softmax_dim(ct_dim(x)) : d);
}
static void dim_repr(const ct_module *m, char *buf, size_t n) {
  int64_t d = ((const dim_mod *)m)->dim;
  if (d == CT_NONE)
    snprintf(buf, n, "dim=None");
  else
    snprintf(buf, n, "dim=%lld", (long long)d);
}
static ct_module *build_dim(const ct_values *args, const char *cls, int64_t def,
                            ct_module *(*make)(int64_t)) {
  nn_args a;
  nn_args_init(&a, args, cls);
  int64_t dim = nn_arg_int(&a, 0, "dim", def, false);
  return nn_args_done(&a) == 0 ? make(dim) : NULL;
}
static ct_module *build_glu(const ct_values *args) { return build_dim(args, "GLU", -1, ct_nn_glu); }
static ct_module *build_softmin(const ct_values *args) {
  return build_dim(args, "Softmin", CT_NONE, ct_nn_softmin);
}
const ct_module_kind ct__nn_kind_glu = {.name = "GLU", .size = sizeof(dim_mod), .forward1 = glu_fwd,
                                        .extra_repr = dim_repr, .build = build_glu};
const ct_module_kind ct__nn_kind_softmin = {.name = "Softmin", .size = sizeof(dim_mod),
                                            .forward1 = softmin_fwd, .extra_repr = dim_repr,
                                            .build = build_softmin};
static ct_module *dim_new(const ct_module_kind *k, int64_t dim) {
  dim_mod *d = (dim_mod *)ct_module_new(k);
  if (d) d->dim = dim;
  return (ct_module *)d;
}
ct_module *ct_nn_glu(int64_t dim) { return dim_new(&ct__nn_kind_glu, dim); }
ct_module *ct_nn_softmin(int64_t dim) { return dim_new(&ct__nn_kind_softmin, dim); }
