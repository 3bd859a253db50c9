/* The layers built on what ctorch has: Linear, Bilinear, Identity, Flatten, Unflatten and the
 * activations ReLU, Sigmoid, Tanh, GELU, SiLU, Softmax, LogSoftmax. Each is a kind (class
 * name, forward, extra_repr, reset_parameters, registry builder); parameters get PyTorch's
 * default initialisation, draw for draw. */
#include "nn_internal.h"

#include <math.h>

/* ---- init helpers (nn.init's kaiming_uniform_ / uniform_ as Linear uses them) ---------- */
/* _calculate_fan_in_and_fan_out(t)[0]: size(1) * receptive field; -1 + error below 2-D. */
int64_t nn_fan_in(const ct_tensor *t) {
  if (ct_dim(t) < 2) {
    ct__err("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
    return -1;
  }
  int64_t f = ct_shape(t)[1];
  for (int d = 2; d < ct_dim(t); d++) f *= ct_shape(t)[d];
  return f;
}

int nn_uniform_init(ct_tensor *t, double bound) {
  ct_tensor *r = NULL;
  CT_NO_GRAD { r = ct_uniform_(t, -bound, bound, NULL); }
  return r ? 0 : -1;
}

/* kaiming_uniform_(t, a, mode='fan_in', nonlinearity='leaky_relu'), Python's arithmetic. */
int nn_kaiming_uniform(ct_tensor *t, double a) {
  if (ct_numel(t) == 0) return 0; /* PyTorch warns "Initializing zero-element tensors is a no-op" */
  int64_t fan = nn_fan_in(t);
  if (fan < 0) return -1;
  double gain = sqrt(2.0 / (1 + pow(a, 2)));
  double std = gain / sqrt((double)fan);
  return nn_uniform_init(t, sqrt(3.0) * std);
}

ct_tensor *nn_new_param(ct_module *m, const char *name, int ndim, const int64_t *shape,
                            ct_dtype dtype) {
  ct_scope_begin();
  ct_tensor *p = ct_module_register_parameter(m, name, ct_empty_ex(ndim, shape, (ct_tensor_opts){.dtype = dtype}));
  ct_scope_end();
  return p;
}

/* ---- Linear / Bilinear ---------------------------------------------------------------------- */
typedef struct linear {
  ct_module base;
  int64_t in1, in2, out; /* in2: Bilinear only */
  ct_tensor *weight, *bias;
} linear;

static int linear_reset(ct_module *m) {
  linear *l = (linear *)m;
  if (nn_kaiming_uniform(l->weight, sqrt(5.0)) != 0) return -1;
  if (!l->bias) return 0;
  int64_t fan = nn_fan_in(l->weight);
  return nn_uniform_init(l->bias, fan > 0 ? 1 / sqrt((double)fan) : 0);
}

static ct_tensor *linear_forward(ct_module *m, ct_tensor *x) {
  linear *l = (linear *)m;
  return ct_linear(x, l->weight, l->bias);
}

static void linear_repr(const ct_module *m, char *buf, size_t n) {
  const linear *l = (const linear *)m;
  snprintf(buf, n, "in_features=%lld, out_features=%lld, bias=%s", (long long)l->in1,
           (long long)l->out, l->bias ? "True" : "False");
}

static ct_module *build_linear(const ct_values *args);
const ct_module_kind ct__nn_kind_linear = {
    .name = "Linear", .size = sizeof(linear), .forward1 = linear_forward,
    .extra_repr = linear_repr, .reset_parameters = linear_reset, .build = build_linear};

/* MultiheadAttention's out_proj: NonDynamicallyQuantizableLinear, a Linear under another name */
const ct_module_kind ct__nn_kind_ndq_linear = {
    .name = "NonDynamicallyQuantizableLinear", .size = sizeof(linear), .forward1 = linear_forward,
    .extra_repr = linear_repr, .reset_parameters = linear_reset, .build = build_linear};

ct_module *ct_nn_linear_ex(int64_t in_features, int64_t out_features, ct_nn_linear_opts o) {
  ct_module *m = ct_module_new(&ct__nn_kind_linear);
  if (!m) return NULL;
  linear *l = (linear *)m;
  l->in1 = in_features;
  l->out = out_features;
  l->weight = nn_new_param(m, "weight", 2, (int64_t[]){out_features, in_features}, o.dtype);
  if (l->weight && o.bias) l->bias = nn_new_param(m, "bias", 1, (int64_t[]){out_features}, o.dtype);
  if (!l->weight || (o.bias && !l->bias) || linear_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* fused_linear.weight, fused_linear.bias = w, b (fuse_linear_bn_eval): both (re)registered */
int nn_linear_set_params(ct_module *m, ct_tensor *w, ct_tensor *b) {
  if (m->kind != &ct__nn_kind_linear) return ct__errs("'%s' is not a Linear module", ct_module_name(m));
  linear *l = (linear *)m;
  l->weight = ct_module_register_parameter(m, "weight", w);
  l->bias = l->weight ? ct_module_register_parameter(m, "bias", b) : NULL;
  return l->bias ? 0 : -1;
}

static ct_module *build_linear(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Linear");
  int64_t in = nn_arg_int(&a, 0, "in_features", 0, true);
  int64_t out = nn_arg_int(&a, 1, "out_features", 0, true);
  bool bias = nn_arg_bool(&a, 2, "bias", true);
  nn_arg_device(&a, 3, "device");
  ct_dtype dt = nn_arg_dtype(&a, 4, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_linear(in, out, .bias = bias, .dtype = dt);
}

/* LazyLinear(out_features, bias=True): in_features 0 until the first forward sets it to
 * input.shape[-1] (lazy.c); reset_parameters does nothing before. */
static ct_tensor *lazy_linear_forward(ct_module *m, ct_tensor *x) {
  linear *l = (linear *)m;
  if (!x) return NULL;
  if (ct_dim(x) == 0) return ct__err("tuple index out of range"); /* input.shape[-1] */
  int64_t in = ct_shape(x)[ct_dim(x) - 1];
  if (nn_lazy_placeholder(l->weight)) { /* not materialised by load_state_dict */
    if (nn_lazy_materialize(m, &l->weight, 2, (int64_t[]){l->out, in}, &l->bias, l->out) != 0)
      return NULL;
    l->in1 = in;
    if (linear_reset(m) != 0) return NULL;
  }
  m->kind = &ct__nn_kind_linear;
  return linear_forward(m, x);
}

static ct_module *build_lazy_linear(const ct_values *args);
const ct_module_kind ct__nn_kind_lazy_linear = {
    .name = "LazyLinear", .size = sizeof(linear), .forward1 = lazy_linear_forward,
    .extra_repr = linear_repr, .build = build_lazy_linear};

ct_module *ct_nn_lazy_linear_ex(int64_t out_features, ct_nn_linear_opts o) {
  ct_module *m = ct_module_new(&ct__nn_kind_lazy_linear);
  if (!m) return NULL;
  linear *l = (linear *)m;
  l->out = out_features;
  if (nn_lazy_placeholders(m, &l->weight, &l->bias, o.bias, o.dtype) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static ct_module *build_lazy_linear(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "LazyLinear");
  int64_t out = nn_arg_int(&a, 0, "out_features", 0, true);
  bool bias = nn_arg_bool(&a, 1, "bias", true);
  nn_arg_device(&a, 2, "device");
  ct_dtype dt = nn_arg_dtype(&a, 3, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_lazy_linear(out, .bias = bias, .dtype = dt);
}

static int bilinear_reset(ct_module *m) {
  linear *l = (linear *)m;
  double bound = 1 / sqrt((double)ct_size(l->weight, 1));
  if (nn_uniform_init(l->weight, bound) != 0) return -1;
  return l->bias ? nn_uniform_init(l->bias, bound) : 0;
}

static int bilinear_forward(ct_module *m, const ct_values *in, ct_values *out) {
  linear *l = (linear *)m;
  ct_tensor *x1 = ct_values_tensor(in, 0), *x2 = ct_values_tensor(in, 1);
  if (in->n != 2 || !x1 || !x2)
    return ct__errs("Bilinear.forward() takes 2 tensor arguments (input1, input2) but %d values "
                    "were given", in->n);
  ct_tensor *y = ct_bilinear(x1, x2, l->weight, l->bias);
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static void bilinear_repr(const ct_module *m, char *buf, size_t n) {
  const linear *l = (const linear *)m;
  snprintf(buf, n, "in1_features=%lld, in2_features=%lld, out_features=%lld, bias=%s",
           (long long)l->in1, (long long)l->in2, (long long)l->out, l->bias ? "True" : "False");
}

static ct_module *build_bilinear(const ct_values *args);
const ct_module_kind ct__nn_kind_bilinear = {
    .name = "Bilinear", .size = sizeof(linear), .forward = bilinear_forward,
    .extra_repr = bilinear_repr, .reset_parameters = bilinear_reset, .build = build_bilinear};

ct_module *ct_nn_bilinear_ex(int64_t in1_features, int64_t in2_features, int64_t out_features,
                             ct_nn_linear_opts o) {
  ct_module *m = ct_module_new(&ct__nn_kind_bilinear);
  if (!m) return NULL;
  linear *l = (linear *)m;
  l->in1 = in1_features;
  l->in2 = in2_features;
  l->out = out_features;
  l->weight = nn_new_param(m, "weight", 3, (int64_t[]){out_features, in1_features, in2_features}, o.dtype);
  if (l->weight && o.bias) l->bias = nn_new_param(m, "bias", 1, (int64_t[]){out_features}, o.dtype);
  if (!l->weight || (o.bias && !l->bias) || bilinear_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static ct_module *build_bilinear(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Bilinear");
  int64_t in1 = nn_arg_int(&a, 0, "in1_features", 0, true);
  int64_t in2 = nn_arg_int(&a, 1, "in2_features", 0, true);
  int64_t out = nn_arg_int(&a, 2, "out_features", 0, true);
  bool bias = nn_arg_bool(&a, 3, "bias", true);
  nn_arg_device(&a, 4, "device");
  ct_dtype dt = nn_arg_dtype(&a, 5, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_bilinear(in1, in2, out, .bias = bias, .dtype = dt);
}

/* ---- Identity, Flatten, Unflatten ----------------------------------------------------------- */
/* Identity(*args, **kwargs) ignores its arguments and returns its input itself. */
static ct_tensor *identity_forward(ct_module *m, ct_tensor *x) {
  (void)m;
  return x;
}
static ct_module *build_identity(const ct_values *args) {
  (void)args;
  return ct_nn_identity();
}
const ct_module_kind ct__nn_kind_identity = {
    .name = "Identity", .forward1 = identity_forward, .build = build_identity};
ct_module *ct_nn_identity(void) { return ct_module_new(&ct__nn_kind_identity); }

typedef struct dims_mod {
  ct_module base;
  int64_t a, b;  /* Flatten: start_dim, end_dim; Unflatten: dim; Softmax: dim */
  int n;         /* Unflatten: sizes */
  int64_t sizes[CT_MAX_DIMS];
  bool flag;     /* ReLU / SiLU: inplace */
  int mode;      /* GELU: approximate */
} dims_mod;

static ct_tensor *flatten_forward(ct_module *m, ct_tensor *x) {
  dims_mod *d = (dims_mod *)m;
  return ct_flatten(x, d->a, d->b);
}
static void flatten_repr(const ct_module *m, char *buf, size_t n) {
  const dims_mod *d = (const dims_mod *)m;
  snprintf(buf, n, "start_dim=%lld, end_dim=%lld", (long long)d->a, (long long)d->b);
}
static ct_module *build_flatten(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Flatten");
  int64_t s = nn_arg_int(&a, 0, "start_dim", 1, false), e = nn_arg_int(&a, 1, "end_dim", -1, false);
  return nn_args_done(&a) == 0 ? ct_nn_flatten(s, e) : NULL;
}
const ct_module_kind ct__nn_kind_flatten = {.name = "Flatten", .size = sizeof(dims_mod),
                                            .forward1 = flatten_forward, .extra_repr = flatten_repr,
                                            .build = build_flatten};
ct_module *ct_nn_flatten(int64_t start_dim, int64_t end_dim) {
  dims_mod *d = (dims_mod *)ct_module_new(&ct__nn_kind_flatten);
  if (d) d->a = start_dim, d->b = end_dim;
  return (ct_module *)d;
}

static ct_tensor *unflatten_forward(ct_module *m, ct_tensor *x) {
  dims_mod *d = (dims_mod *)m;
  return ct_unflatten(x, d->a, d->n, d->sizes);
}
static void unflatten_repr(const ct_module *m, char *buf, size_t n) {
  const dims_mod *d = (const dims_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "dim=%lld, unflattened_size=(", (long long)d->a);
  for (int i = 0; i < d->n; i++) ct__sb_printf(&b, "%s%lld", i ? ", " : "", (long long)d->sizes[i]);
  ct__sb_puts(&b, d->n == 1 ? ",)" : ")");
  snprintf(buf, n, "%s", b.s ? b.s : "");
  free(b.s);
}
static ct_module *build_unflatten(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Unflatten");
  int64_t dim = nn_arg_int(&a, 0, "dim", 0, true), sizes[CT_MAX_DIMS];
  int n = nn_arg_ints(&a, 1, "unflattened_size", sizes, CT_MAX_DIMS);
  if (n < 0 && !a.bad) {
    a.bad = true;
    ct__err("Unflatten.__init__() missing 1 required positional argument: 'unflattened_size'");
  }
  return nn_args_done(&a) == 0 ? ct_nn_unflatten(dim, n, sizes) : NULL;
}
const ct_module_kind ct__nn_kind_unflatten = {
    .name = "Unflatten", .size = sizeof(dims_mod), .forward1 = unflatten_forward,
    .extra_repr = unflatten_repr, .build = build_unflatten};
ct_module *ct_nn_unflatten(int64_t dim, int n, const int64_t *sizes) {
  if (n < 0 || n > CT_MAX_DIMS || (n > 0 && !sizes))
    return ct__err("unflattened_size must be tuple of ints, but found element of type NoneType");
  dims_mod *d = (dims_mod *)ct_module_new(&ct__nn_kind_unflatten);
  if (!d) return NULL;
  d->a = dim;
  d->n = n;
  memcpy(d->sizes, sizes, sizeof *sizes * (size_t)n);
  return (ct_module *)d;
}

/* ---- activations ------------------------------------------------------------------------- */
static void inplace_repr(const ct_module *m, char *buf, size_t n) {
  snprintf(buf, n, "%s", ((const dims_mod *)m)->flag ? "inplace=True" : "");
}

static ct_tensor *relu_forward(ct_module *m, ct_tensor *x) {
  return ((dims_mod *)m)->flag ? ct_relu_(x) : ct_relu(x);
}
static ct_module *build_relu(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "ReLU");
  bool inplace = nn_arg_bool(&a, 0, "inplace", false);
  return nn_args_done(&a) == 0 ? ct_nn_relu(inplace) : NULL;
}
const ct_module_kind ct__nn_kind_relu = {.name = "ReLU", .size = sizeof(dims_mod),
                                         .forward1 = relu_forward, .extra_repr = inplace_repr,
                                         .build = build_relu};
ct_module *ct_nn_relu(bool inplace) {
  dims_mod *d = (dims_mod *)ct_module_new(&ct__nn_kind_relu);
  if (d) d->flag = inplace;
  return (ct_module *)d;
}

/* SiLU(inplace=True): the result written back into x (ctorch has no silu_ kernel). */
static ct_tensor *silu_forward(ct_module *m, ct_tensor *x) {
  ct_tensor *y = ct_silu(x);
  return ((dims_mod *)m)->flag && y ? ct_copy_(x, y) : y;
}
static ct_module *build_silu(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "SiLU");
  bool inplace = nn_arg_bool(&a, 0, "inplace", false);
  return nn_args_done(&a) == 0 ? ct_nn_silu(inplace) : NULL;
}
const ct_module_kind ct__nn_kind_silu = {.name = "SiLU", .size = sizeof(dims_mod),
                                         .forward1 = silu_forward, .extra_repr = inplace_repr,
                                         .build = build_silu};
ct_module *ct_nn_silu(bool inplace) {
  dims_mod *d = (dims_mod *)ct_module_new(&ct__nn_kind_silu);
  if (d) d->flag = inplace;
  return (ct_module *)d;
}

static ct_tensor *sigmoid_forward(ct_module *m, ct_tensor *x) { (void)m; return ct_sigmoid(x); }
static ct_tensor *tanh_forward(ct_module *m, ct_tensor *x) { (void)m; return ct_tanh(x); }
static ct_module *build_noargs(const ct_values *args, const char *cls, ct_module *(*make)(void)) {
  nn_args a;
  nn_args_init(&a, args, cls);
  return nn_args_done(&a) == 0 ? make() : NULL;
}
static ct_module *build_sigmoid(const ct_values *args) { return build_noargs(args, "Sigmoid", ct_nn_sigmoid); }
static ct_module *build_tanh(const ct_values *args) { return build_noargs(args, "Tanh", ct_nn_tanh); }
const ct_module_kind ct__nn_kind_sigmoid = {.name = "Sigmoid", .forward1 = sigmoid_forward, .build = build_sigmoid};
const ct_module_kind ct__nn_kind_tanh = {.name = "Tanh", .forward1 = tanh_forward, .build = build_tanh};
ct_module *ct_nn_sigmoid(void) { return ct_module_new(&ct__nn_kind_sigmoid); }
ct_module *ct_nn_tanh(void) { return ct_module_new(&ct__nn_kind_tanh); }

static ct_tensor *gelu_forward(ct_module *m, ct_tensor *x) {
  return ct_gelu(x, (ct_gelu_approx)((dims_mod *)m)->mode);
}
static void gelu_repr(const ct_module *m, char *buf, size_t n) {
  snprintf(buf, n, "approximate='%s'", ((const dims_mod *)m)->mode == CT_GELU_TANH ? "tanh" : "none");
}
static ct_module *build_gelu(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "GELU");
  const char *s = nn_arg_str(&a, 0, "approximate", "none");
  if (nn_args_done(&a) != 0) return NULL;
  if (strcmp(s, "none") != 0 && strcmp(s, "tanh") != 0)
    return ct__err("approximate argument must be either none or tanh.");
  return ct_nn_gelu(strcmp(s, "tanh") == 0 ? CT_GELU_TANH : CT_GELU_NONE);
}
const ct_module_kind ct__nn_kind_gelu = {.name = "GELU", .size = sizeof(dims_mod),
                                         .forward1 = gelu_forward, .extra_repr = gelu_repr,
                                         .build = build_gelu};
ct_module *ct_nn_gelu(ct_gelu_approx approximate) {
  if (approximate != CT_GELU_NONE && approximate != CT_GELU_TANH)
    return ct__err("approximate argument must be either none or tanh.");
  dims_mod *d = (dims_mod *)ct_module_new(&ct__nn_kind_gelu);
  if (d) d->mode = approximate;
  return (ct_module *)d;
}

/* _get_softmax_dim: dim=None picks 0 for 0-, 1- and 3-D input, else 1 (PyTorch warns). */
int64_t nn_softmax_dim(int nd) { return nd == 0 || nd == 1 || nd == 3 ? 0 : 1; }
static int64_t softmax_dim(const dims_mod *d, const ct_tensor *x) {
  return d->a != CT_NONE ? d->a : nn_softmax_dim(ct_dim(x));
}
static ct_tensor *softmax_forward(ct_module *m, ct_tensor *x) {
  return ct_softmax(x, softmax_dim((dims_mod *)m, x));
}
static ct_tensor *log_softmax_forward(ct_module *m, ct_tensor *x) {
  return ct_log_softmax(x, softmax_dim((dims_mod *)m, x));
}
static void dim_repr(const ct_module *m, char *buf, size_t n) {
  const dims_mod *d = (const dims_mod *)m;
  if (d->a == CT_NONE)
    snprintf(buf, n, "dim=None");
  else
    snprintf(buf, n, "dim=%lld", (long long)d->a);
}
static ct_module *build_softmax_like(const ct_values *args, const char *cls,
                                     ct_module *(*make)(int64_t)) {
  nn_args a;
  nn_args_init(&a, args, cls);
  int64_t dim = nn_arg_int(&a, 0, "dim", CT_NONE, false);
  return nn_args_done(&a) == 0 ? make(dim) : NULL;
}
static ct_module *build_softmax(const ct_values *args) {
  return build_softmax_like(args, "Softmax", ct_nn_softmax);
}
static ct_module *build_log_softmax(const ct_values *args) {
  return build_softmax_like(args, "LogSoftmax", ct_nn_log_softmax);
}
const ct_module_kind ct__nn_kind_softmax = {.name = "Softmax", .size = sizeof(dims_mod),
                                            .forward1 = softmax_forward, .extra_repr = dim_repr,
                                            .build = build_softmax};
const ct_module_kind ct__nn_kind_log_softmax = {
    .name = "LogSoftmax", .size = sizeof(dims_mod), .forward1 = log_softmax_forward,
    .extra_repr = dim_repr, .build = build_log_softmax};
static ct_module *dim_module(const ct_module_kind *k, int64_t dim) {
  dims_mod *d = (dims_mod *)ct_module_new(k);
  if (d) d->a = dim;
  return (ct_module *)d;
}
ct_module *ct_nn_softmax(int64_t dim) { return dim_module(&ct__nn_kind_softmax, dim); }
ct_module *ct_nn_log_softmax(int64_t dim) { return dim_module(&ct__nn_kind_log_softmax, dim); }
