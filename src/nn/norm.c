/* The normalization layers over F.batch_norm / instance_norm / group_norm / layer_norm /
 * local_response_norm: BatchNorm1d/2d/3d and SyncBatchNorm (one process), InstanceNorm1d/2d/3d,
 * GroupNorm, LayerNorm, LocalResponseNorm, and the Lazy batch / instance norms. PyTorch's
 * parameters and buffers (running stats, int64 num_batches_tracked), reset_parameters,
 * input-rank checks, extra_repr. */
#include "nn_internal.h"

#include <math.h>

typedef struct norm_mod {
  ct_module base;
  int64_t num_features; /* GroupNorm: num_channels; LRN: size */
  int64_t num_groups;
  ct_ints shape; /* LayerNorm's normalized_shape */
  double eps, momentum, alpha, beta, k; /* momentum NaN: None */
  bool affine, track;
  ct_tensor *weight, *bias, *running_mean, *running_var, *num_batches_tracked;
} norm_mod;

/* _NormBase.reset_parameters: running stats 0 / 1 / 0, weight 1, bias 0. */
static int norm_reset(ct_module *m) {
  norm_mod *n = (norm_mod *)m;
  bool ok = true;
  CT_NO_GRAD {
    if (n->running_mean) ok &= ct_zero_(n->running_mean) && ct_fill_(n->running_var, 1) &&
                               ct_zero_(n->num_batches_tracked);
    if (n->weight) ok &= ct_fill_(n->weight, 1) && ct_zero_(n->bias);
  }
  return ok ? 0 : -1;
}

/* A real int64 0 buffer even in a Lazy norm (torch.tensor(0, dtype=torch.long)). */
static ct_tensor *new_num_batches_tracked(ct_module *m) {
  ct_scope_begin();
  ct_tensor *t = ct_module_register_buffer(
      m, "num_batches_tracked", ct_zeros_ex(0, NULL, (ct_tensor_opts){.dtype = CT_INT64}), true);
  ct_scope_end();
  return t;
}

/* weight and bias of shape (ndim, shape) when affine; running stats when track. */
static int norm_tensors(ct_module *m, int ndim, const int64_t *shape, bool affine, bool track,
                        ct_dtype dt) {
  norm_mod *n = (norm_mod *)m;
  if (affine) {
    n->weight = nn_new_param(m, "weight", ndim, shape, dt);
    n->bias = n->weight ? nn_new_param(m, "bias", ndim, shape, dt) : NULL;
    if (!n->bias) return -1;
  }
  if (track) {
    ct_scope_begin();
    ct_tensor_opts to = {.dtype = dt};
    n->running_mean = ct_module_register_buffer(m, "running_mean", ct_zeros_ex(ndim, shape, to), true);
    n->running_var = ct_module_register_buffer(m, "running_var", ct_ones_ex(ndim, shape, to), true);
    n->num_batches_tracked = new_num_batches_tracked(m);
    ct_scope_end();
    if (!n->running_mean || !n->running_var || !n->num_batches_tracked) return -1;
  }
  return norm_reset(m);
}

static void float_kw(ct__strbuf *b, const char *key, double v) {
  ct__sb_printf(b, ", %s=", key);
  if (isnan(v))
    ct__sb_puts(b, "None");
  else
    nn_py_float(b, v);
}

static void bn_repr(const ct_module *m, char *buf, size_t n) {
  const norm_mod *nm = (const norm_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld", (long long)nm->num_features);
  float_kw(&b, "eps", nm->eps);
  float_kw(&b, "momentum", nm->momentum);
  ct__sb_printf(&b, ", affine=%s, track_running_stats=%s", nm->affine ? "True" : "False",
                nm->track ? "True" : "False");
  nn_repr_out(&b, buf, n);
}

/* The class's accepted input ranks (lo, hi; hi < 0: any from lo); instance norms' unbatched
 * rank is lo. */
typedef struct rank_rule {
  int lo, hi;
} rank_rule;

static rank_rule rank_of(const ct_module *m) {
  const char *cls = m->kind->name;
  if (strcmp(cls, "SyncBatchNorm") == 0) return (rank_rule){2, -1};
  int d = cls[strlen(cls) - 2] - '0';
  if (strncmp(cls, "Batch", 5) == 0) return d == 1 ? (rank_rule){2, 3} : (rank_rule){d + 2, d + 2};
  return (rank_rule){d + 1, d + 2};
}

static int check_rank(const ct_module *m, const ct_tensor *x) {
  rank_rule r = rank_of(m);
  int d = ct_dim(x);
  if (r.hi < 0 && d < r.lo) return ct__errs("expected at least %dD input (got %dD input)", r.lo, d);
  if (r.hi >= 0 && (d < r.lo || d > r.hi)) {
    if (r.lo == r.hi) return ct__errs("expected %dD input (got %dD input)", r.lo, d);
    return ct__errs("expected %dD or %dD input (got %dD input)", r.lo, r.hi, d);
  }
  return 0;
}

/* _BatchNorm.forward: count the batch, pick the factor (None: 1 / num_batches_tracked), use
 * batch statistics in training or without running stats. */
static ct_tensor *bn_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  if (!x || check_rank(m, x) != 0) return NULL;
  if (strcmp(m->kind->name, "SyncBatchNorm") == 0 && ct_size(x, 1) == 0)
    return ct__err("SyncBatchNorm number of input channels should be non-zero");
  bool training = ct_module_is_training(m);
  double factor = isnan(n->momentum) ? 0.0 : n->momentum;
  if (training && n->track && n->num_batches_tracked) {
    ct_tensor *r = NULL;
    CT_NO_GRAD { r = ct_add_scalar_(n->num_batches_tracked, 1); }
    if (!r) return NULL;
    if (isnan(n->momentum)) factor = 1.0 / (double)ct_item_int64(n->num_batches_tracked);
  }
  bool use_batch = training || (!n->running_mean && !n->running_var);
  bool pass_stats = !training || n->track;
  return ct_batch_norm(x, pass_stats ? n->running_mean : NULL, pass_stats ? n->running_var : NULL,
                       .weight = n->weight, .bias = n->bias, .training = use_batch,
                       .momentum = factor, .eps = n->eps);
}

/* _InstanceNorm.forward: batch statistics unless evaluating with tracked stats; an unbatched
 * input is normalised as a batch of one. */
static ct_tensor *in_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  if (!x || check_rank(m, x) != 0) return NULL;
  bool unbatched = ct_dim(x) == rank_of(m).lo;
  ct_tensor *xb = unbatched ? ct_unsqueeze(x, 0) : x;
  ct_tensor *y = ct_instance_norm(xb, .running_mean = n->running_mean, .running_var = n->running_var,
                                  .weight = n->weight, .bias = n->bias,
                                  .use_input_stats = ct_module_is_training(m) || !n->track,
                                  .momentum = n->momentum, .eps = n->eps);
  return unbatched && y ? ct_squeeze_dim(y, 0) : y;
}

static ct_module *norm_new(const ct_module_kind *kind, int64_t num_features, ct_nn_norm_opts o) {
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  norm_mod *n = (norm_mod *)m;
  n->num_features = num_features;
  n->eps = o.eps;
  n->momentum = o.momentum;
  n->affine = o.affine;
  n->track = o.track_running_stats;
  if (norm_tensors(m, 1, &num_features, o.affine, o.track_running_stats, o.dtype) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* ---- LazyBatchNorm1d/2d/3d, LazyInstanceNorm1d/2d/3d ---- */
static const ct_module_kind *const lazy_norm_kinds[] = {
    &ct__nn_kind_lazy_batch_norm1d, &ct__nn_kind_lazy_batch_norm2d, &ct__nn_kind_lazy_batch_norm3d,
    &ct__nn_kind_lazy_instance_norm1d, &ct__nn_kind_lazy_instance_norm2d,
    &ct__nn_kind_lazy_instance_norm3d};
static const ct_module_kind *const lazy_norm_plain[] = {
    &ct__nn_kind_batch_norm1d, &ct__nn_kind_batch_norm2d, &ct__nn_kind_batch_norm3d,
    &ct__nn_kind_instance_norm1d, &ct__nn_kind_instance_norm2d, &ct__nn_kind_instance_norm3d};

/* _LazyNormBase.initialize_parameters, run before the plain forward's rank check:
 * num_features = input.shape[1] (an unbatched instance-norm input included, as PyTorch 1.13
 * reads it), each placeholder still uninitialised materialised to (num_features,), then
 * reset_parameters (fills, no draws) unless num_features is 0; the class then becomes the
 * plain norm (also when nothing was uninitialised: affine and track_running_stats False, or
 * all loaded, num_features then stays 0). */
static ct_tensor *lazy_norm_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  if (!x) return NULL;
  ct_tensor **slot[] = {&n->weight, &n->bias, &n->running_mean, &n->running_var};
  static const char *const names[] = {"weight", "bias", "running_mean", "running_var"};
  bool uninit = false;
  for (int i = 0; i < 4; i++) uninit |= *slot[i] && nn_lazy_placeholder(*slot[i]);
  if (uninit) {
    if (ct_dim(x) < 2) return ct__err("tuple index out of range");
    n->num_features = ct_size(x, 1);
    for (int i = 0; i < 4; i++)
      if (*slot[i] && nn_lazy_placeholder(*slot[i]) &&
          !nn_lazy_materialize_named(m, names[i], *slot[i], 1, &n->num_features))
        return NULL;
    if (n->num_features != 0 && norm_reset(m) != 0) return NULL;
  }
  for (size_t i = 0; i < sizeof lazy_norm_kinds / sizeof *lazy_norm_kinds; i++)
    if (m->kind == lazy_norm_kinds[i]) m->kind = lazy_norm_plain[i];
  return m->kind->forward1(m, x);
}

/* _LazyNormBase.__init__: _NormBase with num_features 0 and nothing allocated, then (0,)
 * placeholders for weight and bias (affine) and running_mean / running_var
 * (track_running_stats), num_batches_tracked a real 0. */
static ct_module *lazy_norm_new(const ct_module_kind *kind, ct_nn_norm_opts o) {
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  norm_mod *n = (norm_mod *)m;
  n->eps = o.eps;
  n->momentum = o.momentum;
  n->affine = o.affine;
  n->track = o.track_running_stats;
  bool ok = !o.affine || nn_lazy_placeholders(m, &n->weight, &n->bias, true, o.dtype) == 0;
  if (ok && o.track_running_stats) {
    n->running_mean = nn_lazy_buffer(m, "running_mean", o.dtype);
    n->running_var = n->running_mean ? nn_lazy_buffer(m, "running_var", o.dtype) : NULL;
    n->num_batches_tracked = n->running_var ? new_num_batches_tracked(m) : NULL;
    ok = n->num_batches_tracked != NULL;
  }
  if (!ok) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* _NormBase(num_features, eps=1e-5, momentum=0.1, affine, track_running_stats, device, dtype);
 * momentum=None is NaN. The Lazy norms: no num_features (every position one lower) and
 * affine / track_running_stats True by default, for the instance norms too (_LazyNormBase's). */
static ct_module *build_norm_common(const ct_values *args, const ct_module_kind *kind) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  bool batch = kind->forward1 == bn_forward; /* the BatchNorms' defaults differ */
  int sh = strncmp(kind->name, "Lazy", 4) == 0;
  ct_nn_norm_opts o = CT_NN_BATCH_NORM_OPTS(.affine = batch || sh, .track_running_stats = batch || sh);
  int64_t nf = sh ? 0 : nn_arg_int(&a, 0, "num_features", 0, true);
  o.eps = nn_arg_float(&a, 1 - sh, "eps", 1e-5);
  const ct_value *mv = nn_arg(&a, 2 - sh, "momentum");
  if (mv && mv->type == CT_V_NONE) {
    o.momentum = NAN;
  } else if (mv && (mv->type == CT_V_FLOAT || mv->type == CT_V_INT)) {
    o.momentum = mv->type == CT_V_FLOAT ? mv->f : (double)mv->i;
  } else if (mv && !a.bad) {
    a.bad = true;
    ct__err("%s: argument 'momentum' must be float or None", kind->name);
  }
  o.affine = nn_arg_bool(&a, 3 - sh, "affine", o.affine);
  o.track_running_stats = nn_arg_bool(&a, 4 - sh, "track_running_stats", o.track_running_stats);
  int next = 5 - sh;
  if (kind == &ct__nn_kind_sync_batch_norm) {
    const ct_value *pg = nn_arg(&a, next++, "process_group");
    if (pg && pg->type != CT_V_NONE && !a.bad) {
      a.bad = true;
      ct__err("SyncBatchNorm: ctorch: process_group must be None (one process)");
    }
  }
  nn_arg_device(&a, next, "device");
  o.dtype = nn_arg_dtype(&a, next + 1, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return sh ? lazy_norm_new(kind, o) : norm_new(kind, nf, o);
}

#define NORM_KIND(var, fn, cls, fwd)                                                             \
  NN_KIND(var, fn, build_norm_common, .name = cls, .size = sizeof(norm_mod), .forward1 = fwd, \
          .extra_repr = bn_repr, .reset_parameters = norm_reset)
NORM_KIND(ct__nn_kind_batch_norm1d, build_bn1, "BatchNorm1d", bn_forward);
NORM_KIND(ct__nn_kind_batch_norm2d, build_bn2, "BatchNorm2d", bn_forward);
NORM_KIND(ct__nn_kind_batch_norm3d, build_bn3, "BatchNorm3d", bn_forward);
NORM_KIND(ct__nn_kind_sync_batch_norm, build_sbn, "SyncBatchNorm", bn_forward);
NORM_KIND(ct__nn_kind_instance_norm1d, build_in1, "InstanceNorm1d", in_forward);
NORM_KIND(ct__nn_kind_instance_norm2d, build_in2, "InstanceNorm2d", in_forward);
NORM_KIND(ct__nn_kind_instance_norm3d, build_in3, "InstanceNorm3d", in_forward);

ct_module *ct_nn_batch_norm1d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_batch_norm1d, n, o); }
ct_module *ct_nn_batch_norm2d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_batch_norm2d, n, o); }
ct_module *ct_nn_batch_norm3d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_batch_norm3d, n, o); }
ct_module *ct_nn_sync_batch_norm_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_sync_batch_norm, n, o); }
ct_module *ct_nn_instance_norm1d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_instance_norm1d, n, o); }
ct_module *ct_nn_instance_norm2d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_instance_norm2d, n, o); }
ct_module *ct_nn_instance_norm3d_ex(int64_t n, ct_nn_norm_opts o) { return norm_new(&ct__nn_kind_instance_norm3d, n, o); }

#define LAZY_NORM_KIND(var, fn, cls)                                              \
  NN_KIND(var, fn, build_norm_common, .name = cls, .size = sizeof(norm_mod), \
          .forward1 = lazy_norm_forward, .extra_repr = bn_repr)
LAZY_NORM_KIND(ct__nn_kind_lazy_batch_norm1d, build_lazy_bn1, "LazyBatchNorm1d");
LAZY_NORM_KIND(ct__nn_kind_lazy_batch_norm2d, build_lazy_bn2, "LazyBatchNorm2d");
LAZY_NORM_KIND(ct__nn_kind_lazy_batch_norm3d, build_lazy_bn3, "LazyBatchNorm3d");
LAZY_NORM_KIND(ct__nn_kind_lazy_instance_norm1d, build_lazy_in1, "LazyInstanceNorm1d");
LAZY_NORM_KIND(ct__nn_kind_lazy_instance_norm2d, build_lazy_in2, "LazyInstanceNorm2d");
LAZY_NORM_KIND(ct__nn_kind_lazy_instance_norm3d, build_lazy_in3, "LazyInstanceNorm3d");

ct_module *ct_nn_lazy_batch_norm1d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_batch_norm1d, o); }
ct_module *ct_nn_lazy_batch_norm2d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_batch_norm2d, o); }
ct_module *ct_nn_lazy_batch_norm3d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_batch_norm3d, o); }
ct_module *ct_nn_lazy_instance_norm1d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_instance_norm1d, o); }
ct_module *ct_nn_lazy_instance_norm2d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_instance_norm2d, o); }
ct_module *ct_nn_lazy_instance_norm3d_ex(ct_nn_norm_opts o) { return lazy_norm_new(&ct__nn_kind_lazy_instance_norm3d, o); }

/* A SyncBatchNorm sharing bn's options, parameters and buffers (the same tensors). */
static ct_module *to_sync(const norm_mod *bn) {
  ct_module *m = ct_module_new(&ct__nn_kind_sync_batch_norm);
  if (!m) return NULL;
  norm_mod *s = (norm_mod *)m;
  ct_module base = s->base;
  *s = *bn;
  s->base = base;
  s->base.training = bn->base.training;
  bool ok = true;
  if (bn->weight) ok &= ct_module_register_parameter(m, "weight", bn->weight) &&
                       ct_module_register_parameter(m, "bias", bn->bias);
  if (bn->running_mean)
    ok &= ct_module_register_buffer(m, "running_mean", bn->running_mean, true) &&
          ct_module_register_buffer(m, "running_var", bn->running_var, true) &&
          ct_module_register_buffer(m, "num_batches_tracked", bn->num_batches_tracked, true);
  if (!ok) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

ct_module *ct_nn_convert_sync_batchnorm(ct_module *m) {
  if (!m) return NULL;
  ct_module *out = m;
  const ct_module_kind *k = m->kind;
  if (k == &ct__nn_kind_batch_norm1d || k == &ct__nn_kind_batch_norm2d ||
      k == &ct__nn_kind_batch_norm3d) {
    out = to_sync((norm_mod *)m);
    ct_module_free(m);
    if (!out) return NULL;
  }
  ct_module_list l = ct_module_named_children(out);
  for (int i = 0; i < l.n; i++) {
    ct_module *c = ct_nn_convert_sync_batchnorm(ct_module_retain(l.modules[i]));
    if (!c || !ct_module_register_module(out, l.names[i], c)) {
      ct_module_list_free(&l);
      ct_module_free(out);
      return NULL;
    }
  }
  ct_module_list_free(&l);
  return out;
}

/* ---- GroupNorm, LayerNorm, LocalResponseNorm ------------------------------------------------ */
static ct_tensor *gn_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  return ct_group_norm(x, n->num_groups, .weight = n->weight, .bias = n->bias, .eps = n->eps);
}
static void gn_repr(const ct_module *m, char *buf, size_t n) {
  const norm_mod *nm = (const norm_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld, %lld", (long long)nm->num_groups, (long long)nm->num_features);
  float_kw(&b, "eps", nm->eps);
  ct__sb_printf(&b, ", affine=%s", nm->affine ? "True" : "False");
  nn_repr_out(&b, buf, n);
}
static ct_module *build_gn(const ct_values *args);
const ct_module_kind ct__nn_kind_group_norm = {
    .name = "GroupNorm", .size = sizeof(norm_mod), .forward1 = gn_forward, .extra_repr = gn_repr,
    .reset_parameters = norm_reset, .build = build_gn};

ct_module *ct_nn_group_norm_ex(int64_t num_groups, int64_t num_channels, ct_nn_group_norm_opts o) {
  if (num_groups == 0) return ct__err("integer division or modulo by zero");
  if (num_channels % num_groups != 0) return ct__err("num_channels must be divisible by num_groups");
  ct_module *m = ct_module_new(&ct__nn_kind_group_norm);
  if (!m) return NULL;
  norm_mod *n = (norm_mod *)m;
  n->num_groups = num_groups;
  n->num_features = num_channels;
  n->eps = o.eps;
  n->affine = o.affine;
  if (norm_tensors(m, 1, &num_channels, o.affine, false, o.dtype) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}
static ct_module *build_gn(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "GroupNorm");
  int64_t g = nn_arg_int(&a, 0, "num_groups", 0, true), c = nn_arg_int(&a, 1, "num_channels", 0, true);
  ct_nn_group_norm_opts o = CT_NN_GROUP_NORM_OPTS();
  o.eps = nn_arg_float(&a, 2, "eps", 1e-5);
  o.affine = nn_arg_bool(&a, 3, "affine", true);
  nn_arg_device(&a, 4, "device");
  o.dtype = nn_arg_dtype(&a, 5, "dtype");
  return nn_args_done(&a) == 0 ? ct_nn_group_norm_ex(g, c, o) : NULL;
}

static ct_tensor *ln_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  return ct_layer_norm(x, n->shape, .weight = n->weight, .bias = n->bias, .eps = n->eps);
}
static void ln_repr(const ct_module *m, char *buf, size_t n) {
  const norm_mod *nm = (const norm_mod *)m;
  ct__strbuf b = {0};
  nn_py_tuple(&b, &nm->shape, nm->shape.n);
  float_kw(&b, "eps", nm->eps);
  ct__sb_printf(&b, ", elementwise_affine=%s", nm->affine ? "True" : "False");
  nn_repr_out(&b, buf, n);
}
static ct_module *build_ln(const ct_values *args);
const ct_module_kind ct__nn_kind_layer_norm = {
    .name = "LayerNorm", .size = sizeof(norm_mod), .forward1 = ln_forward, .extra_repr = ln_repr,
    .reset_parameters = norm_reset, .build = build_ln};

ct_module *ct_nn_layer_norm_ex(ct_ints normalized_shape, ct_nn_group_norm_opts o) {
  if (normalized_shape.n < 0 || normalized_shape.n > CT_MAX_DIMS)
    return ct__err("LayerNorm: normalized_shape has %d dims (at most %d)", normalized_shape.n, CT_MAX_DIMS);
  ct_module *m = ct_module_new(&ct__nn_kind_layer_norm);
  if (!m) return NULL;
  norm_mod *n = (norm_mod *)m;
  n->shape = normalized_shape;
  n->eps = o.eps;
  n->affine = o.affine;
  if (norm_tensors(m, normalized_shape.n, normalized_shape.v, o.affine, false, o.dtype) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}
static ct_module *build_ln(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "LayerNorm");
  ct_ints shape = nn_arg_ct_ints(&a, 0, "normalized_shape");
  if (shape.n == 0 && !a.bad) {
    a.bad = true;
    ct__err("LayerNorm.__init__() missing 1 required positional argument: 'normalized_shape'");
  }
  ct_nn_group_norm_opts o = CT_NN_GROUP_NORM_OPTS();
  o.eps = nn_arg_float(&a, 1, "eps", 1e-5);
  o.affine = nn_arg_bool(&a, 2, "elementwise_affine", true);
  nn_arg_device(&a, 3, "device");
  o.dtype = nn_arg_dtype(&a, 4, "dtype");
  return nn_args_done(&a) == 0 ? ct_nn_layer_norm_ex(shape, o) : NULL;
}

static ct_tensor *lrn_forward(ct_module *m, ct_tensor *x) {
  norm_mod *n = (norm_mod *)m;
  return ct_local_response_norm(x, n->num_features, .alpha = n->alpha, .beta = n->beta, .k = n->k);
}
static void lrn_repr(const ct_module *m, char *buf, size_t n) {
  const norm_mod *nm = (const norm_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld", (long long)nm->num_features);
  float_kw(&b, "alpha", nm->alpha);
  float_kw(&b, "beta", nm->beta);
  float_kw(&b, "k", nm->k);
  nn_repr_out(&b, buf, n);
}
static ct_module *build_lrn(const ct_values *args);
const ct_module_kind ct__nn_kind_local_response_norm = {
    .name = "LocalResponseNorm", .size = sizeof(norm_mod), .forward1 = lrn_forward,
    .extra_repr = lrn_repr, .build = build_lrn};

ct_module *ct_nn_local_response_norm_ex(int64_t size, ct_local_response_norm_opts o) {
  norm_mod *n = (norm_mod *)ct_module_new(&ct__nn_kind_local_response_norm);
  if (!n) return NULL;
  n->num_features = size;
  n->alpha = o.alpha;
  n->beta = o.beta;
  n->k = o.k;
  return (ct_module *)n;
}
static ct_module *build_lrn(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "LocalResponseNorm");
  int64_t size = nn_arg_int(&a, 0, "size", 0, true);
  ct_local_response_norm_opts o = {.alpha = nn_arg_float(&a, 1, "alpha", 1e-4),
                                   .beta = nn_arg_float(&a, 2, "beta", 0.75),
                                   .k = nn_arg_float(&a, 3, "k", 1.0)};
  return nn_args_done(&a) == 0 ? ct_nn_local_response_norm_ex(size, o) : NULL;
}

double nn_norm_eps(const ct_module *m) {
  bool norm = m->kind->size == sizeof(norm_mod) && m->kind->reset_parameters == norm_reset;
  return norm ? ((const norm_mod *)m)->eps : NAN;
}
