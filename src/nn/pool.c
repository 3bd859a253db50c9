/* The pooling layers over F.*pool*: MaxPool1d/2d/3d (return_indices: two outputs),
 * MaxUnpool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool / AdaptiveMaxPool 1d/2d/3d, LPPool1d/2d,
 * FractionalMaxPool2d/3d. Each keeps its arguments as PyTorch's class stores them (as given,
 * or expanded by _single / _pair / _triple), which is what extra_repr prints. */
#include "nn_internal.h"

#include <math.h>

typedef struct pool_mod {
  ct_module base;
  int nd;
  ct_ints kernel, stride, padding, dilation, output_size;
  bool return_indices, ceil_mode, count_include_pad;
  int64_t divisor;
  double norm_type, ratio[3];
  bool samples; /* FractionalMaxPool: a _random_samples buffer was given */
} pool_mod;

typedef enum { P_MAX, P_UNPOOL, P_AVG, P_AMAX, P_AAVG, P_LP, P_FRAC } pool_type;

static int nd_of(const ct_module *m) {
  const char *cls = m->kind->name;
  return cls[strlen(cls) - 2] - '0';
}

static pool_type type_of(const ct_module *m) {
  const char *c = m->kind->name;
  if (strncmp(c, "MaxPool", 7) == 0) return P_MAX;
  if (strncmp(c, "MaxUnpool", 9) == 0) return P_UNPOOL;
  if (strncmp(c, "AvgPool", 7) == 0) return P_AVG;
  if (strncmp(c, "AdaptiveMax", 11) == 0) return P_AMAX;
  if (strncmp(c, "AdaptiveAvg", 11) == 0) return P_AAVG;
  if (strncmp(c, "LPPool", 6) == 0) return P_LP;
  return P_FRAC;
}

static void kw_ints(ct__strbuf *b, const char *key, const ct_ints *v, int tuple_nd) {
  ct__sb_printf(b, "%s%s=", b->s && *b->s ? ", " : "", key);
  if (tuple_nd)
    nn_py_tuple(b, v, tuple_nd);
  else
    nn_py_ints(b, v);
}

static void pool_repr(const ct_module *m, char *buf, size_t n) {
  const pool_mod *p = (const pool_mod *)m;
  pool_type t = type_of(m);
  ct__strbuf b = {0};
  /* MaxUnpoolNd and AvgPool1d store _single/_pair/_triple tuples, the others what was given */
  int tup = t == P_UNPOOL || (t == P_AVG && p->nd == 1) ? p->nd : 0;
  switch (t) {
    case P_MAX:
    case P_UNPOOL:
    case P_AVG:
      kw_ints(&b, "kernel_size", &p->kernel, tup);
      kw_ints(&b, "stride", p->stride.n ? &p->stride : &p->kernel, tup);
      kw_ints(&b, "padding", &p->padding, tup);
      if (t == P_MAX) {
        kw_ints(&b, "dilation", &p->dilation, 0);
        ct__sb_printf(&b, ", ceil_mode=%s", p->ceil_mode ? "True" : "False");
      }
      break;
    case P_AMAX:
    case P_AAVG:
      kw_ints(&b, "output_size", &p->output_size, 0);
      break;
    case P_LP:
      ct__sb_puts(&b, "norm_type=");
      nn_py_float(&b, p->norm_type);
      kw_ints(&b, "kernel_size", &p->kernel, 0);
      if (p->stride.n)
        kw_ints(&b, "stride", &p->stride, 0);
      else
        ct__sb_puts(&b, ", stride=None");
      ct__sb_printf(&b, ", ceil_mode=%s", p->ceil_mode ? "True" : "False");
      break;
    case P_FRAC: /* no extra_repr */
      break;
  }
  nn_repr_out(&b, buf, n);
}

/* Push one output, or (values, indices). */
static int push_pair(ct_values *out, ct_tensor_pair r, bool both) {
  if (!r.values) return -1;
  if (ct_values_push(out, ct_v_tensor(r.values)) != 0) return -1;
  return both ? ct_values_push(out, ct_v_tensor(r.indices)) : 0;
}

typedef ct_tensor_pair (*max_fn)(const ct_tensor *, ct_ints, ct_max_pool_opts);
typedef ct_tensor *(*avg_fn)(const ct_tensor *, ct_ints, ct_avg_pool_opts);
typedef ct_tensor *(*unpool_fn)(const ct_tensor *, const ct_tensor *, ct_ints, ct_max_unpool_opts);
typedef ct_tensor *(*adaptive_fn)(const ct_tensor *, ct_ints);
typedef ct_tensor_pair (*amax_fn)(const ct_tensor *, ct_ints);
typedef ct_tensor *(*lp_fn)(const ct_tensor *, double, ct_ints, ct_lp_pool_opts);
typedef ct_tensor_pair (*frac_fn)(const ct_tensor *, ct_ints, ct_fractional_max_pool_opts);
static const max_fn max_fns[] = {ct_max_pool1d_with_indices_ex, ct_max_pool2d_with_indices_ex,
                                 ct_max_pool3d_with_indices_ex};
static const avg_fn avg_fns[] = {ct_avg_pool1d_ex, ct_avg_pool2d_ex, ct_avg_pool3d_ex};
static const unpool_fn unpool_fns[] = {ct_max_unpool1d_ex, ct_max_unpool2d_ex, ct_max_unpool3d_ex};
static const adaptive_fn aavg_fns[] = {ct_adaptive_avg_pool1d, ct_adaptive_avg_pool2d,
                                       ct_adaptive_avg_pool3d};
static const amax_fn amax_fns[] = {ct_adaptive_max_pool1d_with_indices,
                                   ct_adaptive_max_pool2d_with_indices,
                                   ct_adaptive_max_pool3d_with_indices};
static const lp_fn lp_fns[] = {ct_lp_pool1d_ex, ct_lp_pool2d_ex};
static const frac_fn frac_fns[] = {ct_fractional_max_pool2d_with_indices_ex,
                                   ct_fractional_max_pool3d_with_indices_ex};

/* MaxUnpool's output_size argument: a list of ints or None. */
static int unpool_size(const ct_value *v, ct_ints *os) {
  *os = (ct_ints){0};
  if (!v || v->type == CT_V_NONE) return 0;
  if (v->type == CT_V_TENSOR) return ct__errs("max_unpool: output_size must be a list of ints, not a Tensor");
  if (v->type != CT_V_TUPLE || v->n > CT_MAX_DIMS) return ct__errs("max_unpool: output_size must be a list of ints");
  for (int i = 0; i < v->n; i++) {
    if (v[1 + i].type != CT_V_INT) return ct__errs("max_unpool: output_size must be a list of ints");
    os->v[i] = v[1 + i].i;
  }
  os->n = v->n;
  return 0;
}

static int pool_forward(ct_module *m, const ct_values *in, ct_values *out) {
  pool_mod *p = (pool_mod *)m;
  int i = p->nd - 1;
  ct_tensor *x = ct_values_tensor(in, 0);
  if (!x) return ct__errs("%s.forward() missing 1 required positional argument: 'input'", m->kind->name);
  switch (type_of(m)) {
    case P_MAX: {
      ct_max_pool_opts o = {.stride = p->stride, .padding = p->padding, .dilation = p->dilation,
                            .ceil_mode = p->ceil_mode};
      if (!p->return_indices) { /* the plain form: max_pool2d's grad_fn, not _with_indices' */
        static ct_tensor *(*const plain[])(const ct_tensor *, ct_ints, ct_max_pool_opts) = {
            ct_max_pool1d_ex, ct_max_pool2d_ex, ct_max_pool3d_ex};
        ct_tensor *y = plain[i](x, p->kernel, o);
        return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
      }
      return push_pair(out, max_fns[i](x, p->kernel, o), true);
    }
    case P_UNPOOL: {
      ct_tensor *idx = ct_values_tensor(in, 1);
      ct_max_unpool_opts o = {.stride = p->stride, .padding = p->padding};
      if (!idx)
        return ct__errs("%s.forward() missing 1 required positional argument: 'indices'", m->kind->name);
      if (unpool_size(ct_values_get(in, 2, "output_size"), &o.output_size) != 0) return -1;
      ct_tensor *y = unpool_fns[i](x, idx, p->kernel, o);
      return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
    }
    case P_AVG: {
      ct_avg_pool_opts o = {.stride = p->stride, .padding = p->padding, .ceil_mode = p->ceil_mode,
                            .count_include_pad = p->count_include_pad,
                            .divisor_override = p->divisor};
      ct_tensor *y = avg_fns[i](x, p->kernel, o);
      return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
    }
    case P_AAVG: {
      ct_tensor *y = aavg_fns[i](x, p->output_size);
      return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
    }
    case P_AMAX:
      if (!p->return_indices) {
        static ct_tensor *(*const plain[])(const ct_tensor *, ct_ints) = {
            ct_adaptive_max_pool1d, ct_adaptive_max_pool2d, ct_adaptive_max_pool3d};
        ct_tensor *y = plain[i](x, p->output_size);
        return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
      }
      return push_pair(out, amax_fns[i](x, p->output_size), true);
    case P_LP: {
      ct_tensor *y = lp_fns[i](x, p->norm_type, p->kernel,
                               (ct_lp_pool_opts){.stride = p->stride, .ceil_mode = p->ceil_mode});
      return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
    }
    case P_FRAC: {
      ct_fractional_max_pool_opts o = {.output_size = p->output_size};
      if (p->samples && !(o.random_samples = ct_module_get_buffer(m, "_random_samples"))) return -1;
      memcpy(o.output_ratio, p->ratio, sizeof o.output_ratio);
      return push_pair(out, frac_fns[i - 1](x, p->kernel, o), p->return_indices);
    }
  }
  return -1;
}

static ct_module *pool_new(const ct_module_kind *kind, ct_ints kernel, ct_nn_pool_opts o) {
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  pool_mod *p = (pool_mod *)m;
  p->nd = nd_of(m);
  p->kernel = kernel;
  p->stride = o.stride;
  p->padding = o.padding.n ? o.padding : (ct_ints){.n = 1};
  p->dilation = o.dilation.n ? o.dilation : CT_INTS(1);
  p->return_indices = o.return_indices;
  p->ceil_mode = o.ceil_mode;
  p->count_include_pad = o.count_include_pad;
  p->divisor = o.divisor_override;
  p->output_size = o.output_size;
  memcpy(p->ratio, o.output_ratio, sizeof p->ratio);
  /* FractionalMaxPool: register_buffer('_random_samples', _random_samples), when given */
  p->samples = o.random_samples && type_of(m) == P_FRAC;
  if (p->samples && !ct_module_register_buffer(m, "_random_samples", (ct_tensor *)o.random_samples, true)) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static int check_kernel(const ct_module_kind *kind, ct_ints kernel) {
  if (kernel.n <= 0 || kernel.n > CT_MAX_DIMS)
    return ct__errs("%s.__init__() missing 1 required positional argument: 'kernel_size'", kind->name);
  return 0;
}

static ct_module *frac_new(const ct_module_kind *kind, ct_ints kernel, ct_nn_pool_opts o) {
  int nd = kind->name[strlen(kind->name) - 2] - '0';
  bool has_ratio = o.output_ratio[0] != 0;
  if (!o.output_size.n && !has_ratio)
    return ct__err("%s requires specifying either an output size, or a pooling ratio", kind->name);
  if (o.output_size.n && has_ratio) return ct__err("only one of output_size and output_ratio may be specified");
  bool ok = true;
  for (int j = 0; has_ratio && j < nd; j++) {
    double r = j && o.output_ratio[j] == 0 ? o.output_ratio[0] : o.output_ratio[j];
    ok &= r > 0 && r < 1;
  }
  if (!ok) {
    ct__strbuf b = {0};
    bool one = true;
    for (int j = 1; j < nd; j++) one &= o.output_ratio[j] == 0;
    if (!one) ct__sb_puts(&b, "(");
    for (int j = 0; j < (one ? 1 : nd); j++) {
      if (j) ct__sb_puts(&b, ", ");
      nn_py_float(&b, o.output_ratio[j]);
    }
    if (!one) ct__sb_puts(&b, ")");
    ct__err("output_ratio must be between 0 and 1 (got %s)", b.s ? b.s : "?");
    free(b.s);
    return NULL;
  }
  return pool_new(kind, kernel, o);
}

static ct_module *make(const ct_module_kind *kind, ct_ints kernel, ct_nn_pool_opts o) {
  ct_module probe = {.kind = kind};
  pool_type t = type_of(&probe);
  if (t != P_AAVG && t != P_AMAX && check_kernel(kind, kernel) != 0) return NULL;
  if (t == P_FRAC) return frac_new(kind, kernel, o);
  return pool_new(kind, kernel, o);
}

static ct_module *lp_new(const ct_module_kind *kind, double norm_type, ct_ints k, ct_nn_pool_opts o) {
  ct_module *m = make(kind, k, o);
  if (m) ((pool_mod *)m)->norm_type = norm_type;
  return m;
}

/* ---- registry builders ---------------------------------------------------------------------- */
static ct_module *build_pool(const ct_values *args, const ct_module_kind *kind) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  ct_module probe = {.kind = kind};
  pool_type t = type_of(&probe);
  ct_nn_pool_opts o = CT_NN_POOL_OPTS();
  ct_ints k = {0};
  double norm_type = 0;
  int at = 0;
  if (t == P_LP) norm_type = nn_arg_float(&a, at++, "norm_type", 0);
  if (t == P_AAVG || t == P_AMAX) {
    o.output_size = nn_arg_ct_ints(&a, at++, "output_size");
    if (o.output_size.n == 0 && !a.bad) {
      a.bad = true;
      ct__err("%s.__init__() missing 1 required positional argument: 'output_size'", kind->name);
    }
    if (t == P_AMAX) o.return_indices = nn_arg_bool(&a, at++, "return_indices", false);
  } else {
    k = nn_arg_ct_ints(&a, at++, "kernel_size");
  }
  switch (t) {
    case P_MAX:
      o.stride = nn_arg_ct_ints(&a, 1, "stride");
      o.padding = nn_arg_ct_ints(&a, 2, "padding");
      o.dilation = nn_arg_ct_ints(&a, 3, "dilation");
      o.return_indices = nn_arg_bool(&a, 4, "return_indices", false);
      o.ceil_mode = nn_arg_bool(&a, 5, "ceil_mode", false);
      break;
    case P_UNPOOL:
      o.stride = nn_arg_ct_ints(&a, 1, "stride");
      o.padding = nn_arg_ct_ints(&a, 2, "padding");
      break;
    case P_AVG:
      o.stride = nn_arg_ct_ints(&a, 1, "stride");
      o.padding = nn_arg_ct_ints(&a, 2, "padding");
      o.ceil_mode = nn_arg_bool(&a, 3, "ceil_mode", false);
      o.count_include_pad = nn_arg_bool(&a, 4, "count_include_pad", true);
      if (strcmp(kind->name, "AvgPool1d") != 0) o.divisor_override = nn_arg_int(&a, 5, "divisor_override", CT_NONE, false);
      break;
    case P_LP:
      o.stride = nn_arg_ct_ints(&a, 2, "stride");
      o.ceil_mode = nn_arg_bool(&a, 3, "ceil_mode", false);
      break;
    case P_FRAC: {
      o.output_size = nn_arg_ct_ints(&a, 1, "output_size");
      const ct_value *r = nn_arg(&a, 2, "output_ratio");
      if (r && r->type == CT_V_TUPLE && r->n <= 3) {
        for (int j = 0; j < r->n; j++) {
          const ct_value *e = &r[1 + j];
          o.output_ratio[j] = e->type == CT_V_FLOAT ? e->f : e->type == CT_V_INT ? (double)e->i : NAN;
          a.used[(int)(e - a.v->v)] = true;
        }
      } else if (r && (r->type == CT_V_FLOAT || r->type == CT_V_INT)) {
        o.output_ratio[0] = r->type == CT_V_FLOAT ? r->f : (double)r->i;
      }
      o.return_indices = nn_arg_bool(&a, 3, "return_indices", false);
      const ct_value *rs = nn_arg(&a, 4, "_random_samples");
      if (rs && rs->type == CT_V_TENSOR) {
        o.random_samples = rs->t;
      } else if (rs && rs->type != CT_V_NONE && !a.bad) {
        a.bad = true;
        ct__err("%s: argument '_random_samples' must be a Tensor or None", kind->name);
      }
      break;
    }
    default:
      break;
  }
  if (nn_args_done(&a) != 0) return NULL;
  return t == P_LP ? lp_new(kind, norm_type, k, o) : make(kind, k, o);
}

#define POOL_KIND(var, fn, cls)                                                          \
  NN_KIND(var, fn, build_pool, .name = cls, .size = sizeof(pool_mod), .forward = pool_forward, \
          .extra_repr = pool_repr)
POOL_KIND(ct__nn_kind_max_pool1d, build_mp1, "MaxPool1d");
POOL_KIND(ct__nn_kind_max_pool2d, build_mp2, "MaxPool2d");
POOL_KIND(ct__nn_kind_max_pool3d, build_mp3, "MaxPool3d");
POOL_KIND(ct__nn_kind_max_unpool1d, build_mu1, "MaxUnpool1d");
POOL_KIND(ct__nn_kind_max_unpool2d, build_mu2, "MaxUnpool2d");
POOL_KIND(ct__nn_kind_max_unpool3d, build_mu3, "MaxUnpool3d");
POOL_KIND(ct__nn_kind_avg_pool1d, build_ap1, "AvgPool1d");
POOL_KIND(ct__nn_kind_avg_pool2d, build_ap2, "AvgPool2d");
POOL_KIND(ct__nn_kind_avg_pool3d, build_ap3, "AvgPool3d");
POOL_KIND(ct__nn_kind_adaptive_avg_pool1d, build_aap1, "AdaptiveAvgPool1d");
POOL_KIND(ct__nn_kind_adaptive_avg_pool2d, build_aap2, "AdaptiveAvgPool2d");
POOL_KIND(ct__nn_kind_adaptive_avg_pool3d, build_aap3, "AdaptiveAvgPool3d");
POOL_KIND(ct__nn_kind_adaptive_max_pool1d, build_amp1, "AdaptiveMaxPool1d");
POOL_KIND(ct__nn_kind_adaptive_max_pool2d, build_amp2, "AdaptiveMaxPool2d");
POOL_KIND(ct__nn_kind_adaptive_max_pool3d, build_amp3, "AdaptiveMaxPool3d");
POOL_KIND(ct__nn_kind_lp_pool1d, build_lp1, "LPPool1d");
POOL_KIND(ct__nn_kind_lp_pool2d, build_lp2, "LPPool2d");
POOL_KIND(ct__nn_kind_fractional_max_pool2d, build_fmp2, "FractionalMaxPool2d");
POOL_KIND(ct__nn_kind_fractional_max_pool3d, build_fmp3, "FractionalMaxPool3d");

/* ---- C constructors ---------------------------------------------------------------------------- */
ct_module *ct_nn_max_pool1d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_pool1d, k, o); }
ct_module *ct_nn_max_pool2d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_pool2d, k, o); }
ct_module *ct_nn_max_pool3d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_pool3d, k, o); }
ct_module *ct_nn_max_unpool1d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_unpool1d, k, o); }
ct_module *ct_nn_max_unpool2d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_unpool2d, k, o); }
ct_module *ct_nn_max_unpool3d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_max_unpool3d, k, o); }
ct_module *ct_nn_avg_pool1d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_avg_pool1d, k, o); }
ct_module *ct_nn_avg_pool2d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_avg_pool2d, k, o); }
ct_module *ct_nn_avg_pool3d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_avg_pool3d, k, o); }
ct_module *ct_nn_fractional_max_pool2d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_fractional_max_pool2d, k, o); }
ct_module *ct_nn_fractional_max_pool3d_ex(ct_ints k, ct_nn_pool_opts o) { return make(&ct__nn_kind_fractional_max_pool3d, k, o); }

ct_module *ct_nn_lp_pool1d_ex(double p, ct_ints k, ct_nn_pool_opts o) { return lp_new(&ct__nn_kind_lp_pool1d, p, k, o); }
ct_module *ct_nn_lp_pool2d_ex(double p, ct_ints k, ct_nn_pool_opts o) { return lp_new(&ct__nn_kind_lp_pool2d, p, k, o); }

static ct_module *adaptive_new(const ct_module_kind *kind, ct_ints output_size, bool return_indices) {
  if (output_size.n <= 0 || output_size.n > CT_MAX_DIMS)
    return ct__err("%s.__init__() missing 1 required positional argument: 'output_size'", kind->name);
  return make(kind, (ct_ints){0}, CT_NN_POOL_OPTS(.output_size = output_size, .return_indices = return_indices));
}
ct_module *ct_nn_adaptive_avg_pool1d(ct_ints s) { return adaptive_new(&ct__nn_kind_adaptive_avg_pool1d, s, false); }
ct_module *ct_nn_adaptive_avg_pool2d(ct_ints s) { return adaptive_new(&ct__nn_kind_adaptive_avg_pool2d, s, false); }
ct_module *ct_nn_adaptive_avg_pool3d(ct_ints s) { return adaptive_new(&ct__nn_kind_adaptive_avg_pool3d, s, false); }
ct_module *ct_nn_adaptive_max_pool1d(ct_ints s, bool ri) { return adaptive_new(&ct__nn_kind_adaptive_max_pool1d, s, ri); }
ct_module *ct_nn_adaptive_max_pool2d(ct_ints s, bool ri) { return adaptive_new(&ct__nn_kind_adaptive_max_pool2d, s, ri); }
ct_module *ct_nn_adaptive_max_pool3d(ct_ints s, bool ri) { return adaptive_new(&ct__nn_kind_adaptive_max_pool3d, s, ri); }
