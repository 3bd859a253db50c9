/* nn.Conv1d/2d/3d and nn.ConvTranspose1d/2d/3d over F.conv* / F.conv_transpose*: PyTorch's
 * _ConvNd checks and messages, parameter shapes, reset_parameters draw for draw, extra_repr,
 * and _conv_forward (a padding_mode other than 'zeros' is F.pad then a convolution with
 * padding 0); ConvTranspose's forward takes output_size as _output_padding does. */
#include "nn_internal.h"

#include <math.h>

typedef struct conv_mod {
  ct_module base;
  int nd;
  bool transposed;
  int64_t in, out, groups;
  int64_t k[3], stride[3], padding[3], dilation[3], output_padding[3];
  ct_padding_kind pkind;
  ct_pad_mode pmode;
  int64_t rev_pad[6]; /* _reversed_padding_repeated_twice, for F.pad */
  ct_tensor *weight, *bias;
} conv_mod;

static const char *const pad_mode_names[] = {"zeros", "reflect", "replicate", "circular"};

static ct_ints ints_of(const int64_t *v, int nd) {
  ct_ints r = {.n = nd};
  memcpy(r.v, v, sizeof *v * (size_t)nd);
  return r;
}

static void conv_repr(const ct_module *m, char *buf, size_t n) {
  const conv_mod *c = (const conv_mod *)m;
  int nd = c->nd;
  ct__strbuf b = {0};
  ct_ints k = ints_of(c->k, nd), s = ints_of(c->stride, nd), p = ints_of(c->padding, nd),
          d = ints_of(c->dilation, nd), op = ints_of(c->output_padding, nd);
  ct__sb_printf(&b, "%lld, %lld, kernel_size=", (long long)c->in, (long long)c->out);
  nn_py_tuple(&b, &k, nd);
  ct__sb_puts(&b, ", stride=");
  nn_py_tuple(&b, &s, nd);
  bool pad0 = true, dil1 = true, op0 = true;
  for (int i = 0; i < nd; i++) {
    pad0 &= c->padding[i] == 0;
    dil1 &= c->dilation[i] == 1;
    op0 &= c->output_padding[i] == 0;
  }
  /* a padding string is never equal to the zero tuple: printed bare */
  if (c->pkind != CT_PADDING_EXPLICIT) {
    ct__sb_puts(&b, c->pkind == CT_PADDING_SAME ? ", padding=same" : ", padding=valid");
  } else if (!pad0) {
    ct__sb_puts(&b, ", padding=");
    nn_py_tuple(&b, &p, nd);
  }
  if (!dil1) {
    ct__sb_puts(&b, ", dilation=");
    nn_py_tuple(&b, &d, nd);
  }
  if (!op0) {
    ct__sb_puts(&b, ", output_padding=");
    nn_py_tuple(&b, &op, nd);
  }
  if (c->groups != 1) ct__sb_printf(&b, ", groups=%lld", (long long)c->groups);
  if (!c->bias) ct__sb_puts(&b, ", bias=False");
  if (c->pmode != CT_PAD_CONSTANT) ct__sb_printf(&b, ", padding_mode=%s", pad_mode_names[c->pmode]);
  nn_repr_out(&b, buf, n);
}

static int conv_reset(ct_module *m) {
  conv_mod *c = (conv_mod *)m;
  if (nn_kaiming_uniform(c->weight, sqrt(5.0)) != 0) return -1;
  if (!c->bias) return 0;
  int64_t fan = nn_fan_in(c->weight);
  if (fan < 0) return -1;
  return fan != 0 ? nn_uniform_init(c->bias, 1 / sqrt((double)fan)) : 0;
}

typedef ct_tensor *(*conv_fn)(const ct_tensor *, const ct_tensor *, ct_conv_opts);
typedef ct_tensor *(*convt_fn)(const ct_tensor *, const ct_tensor *, ct_conv_transpose_opts);
static const conv_fn conv_fns[] = {ct_conv1d_ex, ct_conv2d_ex, ct_conv3d_ex};
static const convt_fn convt_fns[] = {ct_conv_transpose1d_ex, ct_conv_transpose2d_ex,
                                     ct_conv_transpose3d_ex};

static ct_tensor *conv_forward(ct_module *m, ct_tensor *x) {
  conv_mod *c = (conv_mod *)m;
  int nd = c->nd;
  ct_conv_opts o = {.bias = c->bias, .stride = ints_of(c->stride, nd),
                    .dilation = ints_of(c->dilation, nd), .groups = c->groups};
  if (c->pmode == CT_PAD_CONSTANT) {
    o.padding = ints_of(c->padding, nd);
    o.padding_kind = c->pkind;
    return conv_fns[nd - 1](x, c->weight, o);
  }
  o.padding = (ct_ints){.n = 1};
  ct_tensor *xp = x ? ct_pad(x, 2 * nd, c->rev_pad, c->pmode, 0) : NULL;
  return xp ? conv_fns[nd - 1](xp, c->weight, o) : NULL;
}

/* _output_padding: output_size (spatial, or with the batch and channel dims first) gives the
 * output_padding within [min, min + stride - 1] of each dim. */
static int output_padding_for(const conv_mod *c, const ct_tensor *x, const ct_value *os,
                              int64_t *op) {
  int nd = c->nd, xd = ct_dim(x);
  memcpy(op, c->output_padding, sizeof *op * (size_t)nd);
  if (!os || os->type == CT_V_NONE) return 0;
  int64_t want[CT_MAX_DIMS];
  int n = 0;
  if (os->type == CT_V_INT) {
    want[n++] = os->i;
  } else if (os->type == CT_V_TUPLE && os->n <= CT_MAX_DIMS) {
    for (int i = 0; i < os->n; i++) {
      if (os[1 + i].type != CT_V_INT)
        return ct__errs("ConvTranspose%dd: output_size must be a list of ints", nd);
      want[n++] = os[1 + i].i;
    }
  } else {
    return ct__errs("ConvTranspose%dd: output_size must be a list of ints", nd);
  }
  int non_spatial = xd == nd + 2 ? 2 : 1, off = 0;
  if (n == non_spatial + nd) off = non_spatial, n = nd;
  if (n != nd)
    return ct__errs("ConvTranspose%dD: for %dD input, output_size must have %d or %d elements (got %d)",
                    nd, xd, nd, non_spatial + nd, n);
  if (xd < nd) return ct__errs("ConvTranspose%dd: expected a %dD or %dD input (got %dD)", nd, nd + 1, nd + 2, xd);
  int64_t lo[3], hi[3];
  bool bad = false;
  for (int d = 0; d < nd; d++) {
    lo[d] = (ct_size(x, d + non_spatial) - 1) * c->stride[d] - 2 * c->padding[d] +
            c->dilation[d] * (c->k[d] - 1) + 1;
    hi[d] = lo[d] + c->stride[d] - 1;
    bad |= want[off + d] < lo[d] || want[off + d] > hi[d];
    op[d] = want[off + d] - lo[d];
  }
  if (!bad) return 0;
  ct__strbuf b = {0};
  ct_ints w = ints_of(want + off, nd), l = ints_of(lo, nd), h = ints_of(hi, nd);
  ct__sb_puts(&b, "requested an output size of [");
  for (int d = 0; d < nd; d++) ct__sb_printf(&b, "%s%lld", d ? ", " : "", (long long)w.v[d]);
  ct__sb_puts(&b, "], but valid sizes range from [");
  for (int d = 0; d < nd; d++) ct__sb_printf(&b, "%s%lld", d ? ", " : "", (long long)l.v[d]);
  ct__sb_puts(&b, "] to [");
  for (int d = 0; d < nd; d++) ct__sb_printf(&b, "%s%lld", d ? ", " : "", (long long)h.v[d]);
  ct__sb_puts(&b, "] (for an input of torch.Size([");
  for (int d = 2; d < xd; d++) /* input.size()[2:] */
    ct__sb_printf(&b, "%s%lld", d > 2 ? ", " : "", (long long)ct_size(x, d));
  ct__sb_puts(&b, "]))");
  int rc = ct__errs("%s", b.s ? b.s : "requested an invalid output size");
  free(b.s);
  return rc;
}

static int convt_forward(ct_module *m, const ct_values *in, ct_values *out) {
  conv_mod *c = (conv_mod *)m;
  ct_tensor *x = ct_values_tensor(in, 0);
  if (!x) return ct__errs("ConvTranspose%dd.forward() missing 1 required positional argument: 'input'", c->nd);
  int64_t op[3];
  if (output_padding_for(c, x, ct_values_get(in, 1, "output_size"), op) != 0) return -1;
  int nd = c->nd;
  ct_conv_transpose_opts o = {.bias = c->bias, .stride = ints_of(c->stride, nd),
                              .padding = ints_of(c->padding, nd),
                              .output_padding = ints_of(op, nd), .groups = c->groups,
                              .dilation = ints_of(c->dilation, nd)};
  ct_tensor *y = convt_fns[nd - 1](x, c->weight, o);
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static ct_module *build_conv_common(const ct_values *args, const ct_module_kind *kind);
/* One kind per class, with a builder that knows its class. */
#define CONV_KIND(var, fn, cls, fwd)                                                          \
  NN_KIND(var, fn, build_conv_common, .name = cls, .size = sizeof(conv_mod), fwd,         \
          .extra_repr = conv_repr, .reset_parameters = conv_reset)
CONV_KIND(ct__nn_kind_conv1d, build_conv1d, "Conv1d", .forward1 = conv_forward);
CONV_KIND(ct__nn_kind_conv2d, build_conv2d, "Conv2d", .forward1 = conv_forward);
CONV_KIND(ct__nn_kind_conv3d, build_conv3d, "Conv3d", .forward1 = conv_forward);
CONV_KIND(ct__nn_kind_conv_transpose1d, build_convt1d, "ConvTranspose1d", .forward = convt_forward);
CONV_KIND(ct__nn_kind_conv_transpose2d, build_convt2d, "ConvTranspose2d", .forward = convt_forward);
CONV_KIND(ct__nn_kind_conv_transpose3d, build_convt3d, "ConvTranspose3d", .forward = convt_forward);
static const ct_module_kind *const conv_kinds[2][3] = {
    {&ct__nn_kind_conv1d, &ct__nn_kind_conv2d, &ct__nn_kind_conv3d},
    {&ct__nn_kind_conv_transpose1d, &ct__nn_kind_conv_transpose2d, &ct__nn_kind_conv_transpose3d}};

/* _ConvNd.__init__: the checks in PyTorch's order (messages naming kind, a Lazy one too),
 * then the parameters and their init. */
static ct_module *conv_new_kind(const ct_module_kind *kind, int nd, bool transposed, int64_t in,
                                int64_t out, ct_ints kernel, ct_nn_conv_opts o) {
  const char *cls = kind->name;
  conv_mod c = {.nd = nd, .transposed = transposed, .in = in, .out = out, .groups = o.groups,
                .pkind = o.padding_kind, .pmode = o.padding_mode};
  if (kernel.n == 0) return ct__err("%s.__init__() missing 1 required positional argument: 'kernel_size'", cls);
  if (nn_expand(&kernel, nd, 0, c.k, cls, "kernel_size") || nn_expand(&o.stride, nd, 1, c.stride, cls, "stride") ||
      nn_expand(&o.padding, nd, 0, c.padding, cls, "padding") ||
      nn_expand(&o.dilation, nd, 1, c.dilation, cls, "dilation") ||
      nn_expand(&o.output_padding, nd, 0, c.output_padding, cls, "output_padding"))
    return NULL;
  if (transposed && o.padding_mode != CT_PAD_CONSTANT)
    return ct__err("Only \"zeros\" padding mode is supported for %s", cls);
  if (transposed && o.padding_kind != CT_PADDING_EXPLICIT)
    return ct__err("%s: padding must be ints, not a string", cls);
  if (o.groups <= 0) return ct__err("groups must be a positive integer");
  if (in % o.groups != 0) return ct__err("in_channels must be divisible by groups");
  if (out % o.groups != 0) return ct__err("out_channels must be divisible by groups");
  if ((unsigned)o.padding_kind > CT_PADDING_VALID)
    return ct__err("Invalid padding string, should be one of {'same', 'valid'}");
  bool strided = false;
  for (int i = 0; i < nd; i++) strided |= c.stride[i] != 1;
  if (o.padding_kind == CT_PADDING_SAME && strided)
    return ct__err("padding='same' is not supported for strided convolutions");
  if ((unsigned)o.padding_mode > CT_PAD_CIRCULAR)
    return ct__err("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                   "but got padding_mode='%d'", (int)o.padding_mode);
  if (o.padding_kind != CT_PADDING_EXPLICIT) memset(c.padding, 0, sizeof c.padding);
  for (int d = 0; d < nd; d++) { /* F.pad lists the last dim first */
    int i = nd - 1 - d;
    int64_t total = c.dilation[d] * (c.k[d] - 1), left = total / 2;
    if (o.padding_kind == CT_PADDING_SAME) {
      c.rev_pad[2 * i] = left;
      c.rev_pad[2 * i + 1] = total - left;
    } else {
      c.rev_pad[2 * i] = c.rev_pad[2 * i + 1] = c.padding[d];
    }
  }
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  conv_mod *cm = (conv_mod *)m;
  c.base = cm->base;
  *cm = c;
  int64_t shape[5] = {transposed ? in : out, (transposed ? out : in) / o.groups};
  memcpy(shape + 2, c.k, sizeof *shape * (size_t)nd);
  cm->weight = nn_new_param(m, "weight", nd + 2, shape, o.dtype);
  if (cm->weight && o.bias) cm->bias = nn_new_param(m, "bias", 1, (int64_t[]){out}, o.dtype);
  if (!cm->weight || (o.bias && !cm->bias) || conv_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static ct_module *conv_new(int nd, bool transposed, int64_t in, int64_t out, ct_ints kernel,
                           ct_nn_conv_opts o) {
  return conv_new_kind(conv_kinds[transposed][nd - 1], nd, transposed, in, out, kernel, o);
}

ct_module *ct_nn_conv1d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(1, false, in, out, k, o); }
ct_module *ct_nn_conv2d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(2, false, in, out, k, o); }
ct_module *ct_nn_conv3d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(3, false, in, out, k, o); }
ct_module *ct_nn_conv_transpose1d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(1, true, in, out, k, o); }
ct_module *ct_nn_conv_transpose2d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(2, true, in, out, k, o); }
ct_module *ct_nn_conv_transpose3d_ex(int64_t in, int64_t out, ct_ints k, ct_nn_conv_opts o) { return conv_new(3, true, in, out, k, o); }

/* LazyConv1d/2d/3d and LazyConvTranspose1d/2d/3d: in_channels from the first input
 * (_get_in_channels), then the parameters' shapes, reset_parameters, and the class becomes
 * Conv*d / ConvTranspose*d (lazy.c). 0, or -1 + error with the module still lazy. */
static int lazy_conv_init(ct_module *m, const ct_tensor *x) {
  conv_mod *c = (conv_mod *)m;
  int nd = c->nd, xd = ct_dim(x);
  if (xd != nd + 1 && xd != nd + 2) {
    ct__strbuf b = {0};
    nn_shape(&b, x);
    ct__err("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of size: "
            "torch.Size(%s)", nd + 1, nd + 2, m->kind->name, b.s ? b.s : "?");
    free(b.s);
    return -1;
  }
  const ct_module_kind *plain = conv_kinds[c->transposed][nd - 1];
  if (!nn_lazy_placeholder(c->weight)) { /* materialised by load_state_dict: in_channels stays 0 */
    m->kind = plain;
    return 0;
  }
  c->in = ct_size(x, xd == nd + 2 ? 1 : 0); /* kept when the check below fails, as PyTorch */
  if (c->in % c->groups != 0) return ct__errs("in_channels must be divisible by groups");
  int64_t shape[5] = {c->transposed ? c->in : c->out, (c->transposed ? c->out : c->in) / c->groups};
  memcpy(shape + 2, c->k, sizeof *shape * (size_t)nd);
  if (nn_lazy_materialize(m, &c->weight, nd + 2, shape, &c->bias, c->out) != 0 || conv_reset(m) != 0)
    return -1;
  m->kind = plain;
  return 0;
}

static ct_tensor *lazy_conv_forward(ct_module *m, ct_tensor *x) {
  return x && lazy_conv_init(m, x) == 0 ? conv_forward(m, x) : NULL;
}

/* forward(input, output_size=None): output_size is ConvTranspose*d's, read after the init */
static int lazy_convt_forward(ct_module *m, const ct_values *in, ct_values *out) {
  ct_tensor *x = ct_values_tensor(in, 0);
  if (x && lazy_conv_init(m, x) != 0) return -1;
  return convt_forward(m, in, out);
}

#define LAZY_CONV_KIND(var, fn, cls, fwd)                                                     \
  NN_KIND(var, fn, build_conv_common, .name = cls, .size = sizeof(conv_mod), fwd,         \
          .extra_repr = conv_repr)
LAZY_CONV_KIND(ct__nn_kind_lazy_conv1d, build_lazy_conv1d, "LazyConv1d", .forward1 = lazy_conv_forward);
LAZY_CONV_KIND(ct__nn_kind_lazy_conv2d, build_lazy_conv2d, "LazyConv2d", .forward1 = lazy_conv_forward);
LAZY_CONV_KIND(ct__nn_kind_lazy_conv3d, build_lazy_conv3d, "LazyConv3d", .forward1 = lazy_conv_forward);
LAZY_CONV_KIND(ct__nn_kind_lazy_conv_transpose1d, build_lazy_convt1d, "LazyConvTranspose1d",
               .forward = lazy_convt_forward);
LAZY_CONV_KIND(ct__nn_kind_lazy_conv_transpose2d, build_lazy_convt2d, "LazyConvTranspose2d",
               .forward = lazy_convt_forward);
LAZY_CONV_KIND(ct__nn_kind_lazy_conv_transpose3d, build_lazy_convt3d, "LazyConvTranspose3d",
               .forward = lazy_convt_forward);

/* _LazyConvXdMixin's __init__: _ConvNd's checks with in_channels = out_channels = 0 and no
 * bias (nothing drawn), then out_channels and (0,) placeholder parameters. */
static ct_module *lazy_conv_new(int nd, bool transposed, int64_t out, ct_ints kernel, ct_nn_conv_opts o) {
  static const ct_module_kind *const kinds[2][3] = {
      {&ct__nn_kind_lazy_conv1d, &ct__nn_kind_lazy_conv2d, &ct__nn_kind_lazy_conv3d},
      {&ct__nn_kind_lazy_conv_transpose1d, &ct__nn_kind_lazy_conv_transpose2d,
       &ct__nn_kind_lazy_conv_transpose3d}};
  bool bias = o.bias;
  o.bias = false;
  ct_module *m = conv_new_kind(kinds[transposed][nd - 1], nd, transposed, 0, 0, kernel, o);
  if (!m) return NULL;
  conv_mod *c = (conv_mod *)m;
  c->out = out;
  if (nn_lazy_placeholders(m, &c->weight, &c->bias, bias, o.dtype) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}
ct_module *ct_nn_lazy_conv1d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(1, false, out, k, o); }
ct_module *ct_nn_lazy_conv2d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(2, false, out, k, o); }
ct_module *ct_nn_lazy_conv3d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(3, false, out, k, o); }
ct_module *ct_nn_lazy_conv_transpose1d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(1, true, out, k, o); }
ct_module *ct_nn_lazy_conv_transpose2d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(2, true, out, k, o); }
ct_module *ct_nn_lazy_conv_transpose3d_ex(int64_t out, ct_ints k, ct_nn_conv_opts o) { return lazy_conv_new(3, true, out, k, o); }

/* The class name's digit: Conv2d / ConvTranspose3d / LazyConv1d. */
static int nd_of(const char *cls) { return cls[strlen(cls) - 2] - '0'; }

/* Conv*d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
 * bias=True, padding_mode='zeros', device=None, dtype=None); padding may be 'same' / 'valid'.
 * LazyConv*d / LazyConvTranspose*d: the same without in_channels (every position one lower). */
static ct_module *build_conv_common(const ct_values *args, const ct_module_kind *kind) {
  const char *cls = kind->name;
  bool transposed = strstr(cls, "Transpose") != NULL;
  nn_args a;
  nn_args_init(&a, args, cls);
  ct_nn_conv_opts o = CT_NN_CONV_OPTS();
  int sh = strncmp(cls, "Lazy", 4) == 0;
  int64_t in = sh ? 0 : nn_arg_int(&a, 0, "in_channels", 0, true);
  int64_t out = nn_arg_int(&a, 1 - sh, "out_channels", 0, true);
  ct_ints k = nn_arg_ct_ints(&a, 2 - sh, "kernel_size");
  if (k.n == 0 && !a.bad) {
    a.bad = true;
    ct__err("%s.__init__() missing 1 required positional argument: 'kernel_size'", cls);
  }
  o.stride = nn_arg_ct_ints(&a, 3 - sh, "stride");
  const ct_value *pv = nn_arg(&a, 4 - sh, "padding"); /* a string by keyword or position */
  if (!transposed && pv && pv->type == CT_V_STR) {
    const char *s = pv->s;
    if (strcmp(s, "same") == 0) {
      o.padding_kind = CT_PADDING_SAME;
    } else if (strcmp(s, "valid") == 0) {
      o.padding_kind = CT_PADDING_VALID;
    } else if (!a.bad) {
      a.bad = true;
      ct__err("Invalid padding string '%s', should be one of {'same', 'valid'}", s);
    }
  } else {
    o.padding = nn_arg_ct_ints(&a, 4 - sh, "padding");
  }
  if (transposed) {
    o.output_padding = nn_arg_ct_ints(&a, 5 - sh, "output_padding");
    o.groups = nn_arg_int(&a, 6 - sh, "groups", 1, false);
    o.bias = nn_arg_bool(&a, 7 - sh, "bias", true);
    o.dilation = nn_arg_ct_ints(&a, 8 - sh, "dilation");
  } else {
    o.dilation = nn_arg_ct_ints(&a, 5 - sh, "dilation");
    o.groups = nn_arg_int(&a, 6 - sh, "groups", 1, false);
    o.bias = nn_arg_bool(&a, 7 - sh, "bias", true);
  }
  const char *mode = nn_arg_str(&a, (transposed ? 9 : 8) - sh, "padding_mode", "zeros");
  nn_arg_device(&a, (transposed ? 10 : 9) - sh, "device");
  o.dtype = nn_arg_dtype(&a, (transposed ? 11 : 10) - sh, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  int pm = -1;
  for (int i = 0; i < 4; i++)
    if (strcmp(mode, pad_mode_names[i]) == 0) pm = i;
  if (pm < 0 && transposed) return ct__err("Only \"zeros\" padding mode is supported for %s", cls);
  if (pm < 0)
    return ct__err("padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
                   "but got padding_mode='%s'", mode);
  o.padding_mode = (ct_pad_mode)pm;
  if (sh) return lazy_conv_new(nd_of(cls), transposed, out, k, o);
  return conv_new(nd_of(cls), transposed, in, out, k, o);
}

int nn_conv_set_params(ct_module *m, ct_tensor *w, ct_tensor *b) {
  bool conv = false;
  for (int t = 0; t < 2; t++)
    for (int d = 0; d < 3; d++) conv |= m->kind == conv_kinds[t][d];
  if (!conv) return ct__errs("'%s' is not a Conv or ConvTranspose module", ct_module_name(m));
  conv_mod *c = (conv_mod *)m;
  c->weight = ct_module_register_parameter(m, "weight", w);
  c->bias = c->weight ? ct_module_register_parameter(m, "bias", b) : NULL;
  return c->bias ? 0 : -1;
}
