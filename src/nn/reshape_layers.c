/* Modules over the shuffles, the distances and F.pad: PixelShuffle, PixelUnshuffle,
 * ChannelShuffle, PairwiseDistance, CosineSimilarity, ConstantPad1d/2d/3d, ReflectionPad1d/2d/3d,
 * ReplicationPad1d/2d/3d and ZeroPad2d, with PyTorch's constructors and extra_repr. */
#include "nn_internal.h"

#include <math.h>

/* ---- the shuffles: one int ---------------------------------------------------------------- */
typedef struct shuffle_mod {
  ct_module base;
  int64_t factor;
} shuffle_mod;

#define FACTOR(m) (((shuffle_mod *)(m))->factor)
static ct_tensor *pixel_shuffle_fwd(ct_module *m, ct_tensor *x) { return ct_pixel_shuffle(x, FACTOR(m)); }
static ct_tensor *pixel_unshuffle_fwd(ct_module *m, ct_tensor *x) {
  return ct_pixel_unshuffle(x, FACTOR(m));
}
static ct_tensor *channel_shuffle_fwd(ct_module *m, ct_tensor *x) {
  return ct_channel_shuffle(x, FACTOR(m));
}

/* "upscale_factor=2": the constructor's one argument's name (the registry reads it too). */
static const char *factor_name(const ct_module_kind *k) {
  return k == &ct__nn_kind_pixel_shuffle ? "upscale_factor"
         : k == &ct__nn_kind_pixel_unshuffle ? "downscale_factor" : "groups";
}
static void factor_repr(const ct_module *m, char *buf, size_t n) {
  snprintf(buf, n, "%s=%lld", factor_name(m->kind), (long long)((const shuffle_mod *)m)->factor);
}
static ct_module *shuffle_new(const ct_module_kind *k, int64_t factor) {
  shuffle_mod *s = (shuffle_mod *)ct_module_new(k);
  if (s) s->factor = factor;
  return (ct_module *)s;
}
static ct_module *build_shuffle(const ct_values *args, const ct_module_kind *k) {
  nn_args a;
  nn_args_init(&a, args, k->name);
  int64_t f = nn_arg_int(&a, 0, factor_name(k), 0, true);
  return nn_args_done(&a) == 0 ? shuffle_new(k, f) : NULL;
}
static ct_module *build_pixel_shuffle(const ct_values *v) { return build_shuffle(v, &ct__nn_kind_pixel_shuffle); }
static ct_module *build_pixel_unshuffle(const ct_values *v) {
  return build_shuffle(v, &ct__nn_kind_pixel_unshuffle);
}
static ct_module *build_channel_shuffle(const ct_values *v) {
  return build_shuffle(v, &ct__nn_kind_channel_shuffle);
}
const ct_module_kind ct__nn_kind_pixel_shuffle = {
    .name = "PixelShuffle", .size = sizeof(shuffle_mod), .forward1 = pixel_shuffle_fwd,
    .extra_repr = factor_repr, .build = build_pixel_shuffle};
const ct_module_kind ct__nn_kind_pixel_unshuffle = {
    .name = "PixelUnshuffle", .size = sizeof(shuffle_mod), .forward1 = pixel_unshuffle_fwd,
    .extra_repr = factor_repr, .build = build_pixel_unshuffle};
const ct_module_kind ct__nn_kind_channel_shuffle = {
    .name = "ChannelShuffle", .size = sizeof(shuffle_mod), .forward1 = channel_shuffle_fwd,
    .extra_repr = factor_repr, .build = build_channel_shuffle};
ct_module *ct_nn_pixel_shuffle(int64_t upscale_factor) {
  return shuffle_new(&ct__nn_kind_pixel_shuffle, upscale_factor);
}
ct_module *ct_nn_pixel_unshuffle(int64_t downscale_factor) {
  return shuffle_new(&ct__nn_kind_pixel_unshuffle, downscale_factor);
}
ct_module *ct_nn_channel_shuffle(int64_t groups) { return shuffle_new(&ct__nn_kind_channel_shuffle, groups); }

/* ---- the distances: two inputs, no extra_repr ------------------------------------------------ */
typedef struct dist_mod {
  ct_module base;
  double p, eps; /* CosineSimilarity: p unused */
  int64_t dim;   /* CosineSimilarity */
  bool keepdim;  /* PairwiseDistance */
} dist_mod;

static int two_inputs(const ct_module *m, const ct_values *in, ct_tensor **x1, ct_tensor **x2) {
  *x1 = ct_values_tensor(in, 0);
  *x2 = ct_values_tensor(in, 1);
  if (in->n != 2 || !*x1 || !*x2)
    return ct__errs("%s.forward() takes 2 tensor arguments (x1, x2) but %d values were given",
                    m->kind->name, in->n);
  return 0;
}

static int pairwise_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  dist_mod *d = (dist_mod *)m;
  ct_tensor *x1, *x2;
  if (two_inputs(m, in, &x1, &x2) != 0) return -1;
  ct_tensor *y = ct_pairwise_distance_ex(
      x1, x2, (ct_pairwise_distance_opts){.p = d->p, .eps = d->eps, .keepdim = d->keepdim});
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}
static int cosine_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  dist_mod *d = (dist_mod *)m;
  ct_tensor *x1, *x2;
  if (two_inputs(m, in, &x1, &x2) != 0) return -1;
  ct_tensor *y = ct_cosine_similarity_ex(x1, x2, (ct_cosine_similarity_opts){.dim = d->dim, .eps = d->eps});
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static ct_module *build_pairwise(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "PairwiseDistance");
  double p = nn_arg_float(&a, 0, "p", 2), eps = nn_arg_float(&a, 1, "eps", 1e-6);
  bool keepdim = nn_arg_bool(&a, 2, "keepdim", false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_pairwise_distance(.p = p, .eps = eps, .keepdim = keepdim);
}
static ct_module *build_cosine(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "CosineSimilarity");
  int64_t dim = nn_arg_int(&a, 0, "dim", 1, false);
  double eps = nn_arg_float(&a, 1, "eps", 1e-8);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_cosine_similarity(.dim = dim, .eps = eps);
}
const ct_module_kind ct__nn_kind_pairwise_distance = {
    .name = "PairwiseDistance", .size = sizeof(dist_mod), .forward = pairwise_fwd,
    .build = build_pairwise};
const ct_module_kind ct__nn_kind_cosine_similarity = {
    .name = "CosineSimilarity", .size = sizeof(dist_mod), .forward = cosine_fwd,
    .build = build_cosine};

ct_module *ct_nn_pairwise_distance_ex(ct_pairwise_distance_opts o) {
  dist_mod *d = (dist_mod *)ct_module_new(&ct__nn_kind_pairwise_distance);
  if (d) d->p = o.p, d->eps = o.eps, d->keepdim = o.keepdim;
  return (ct_module *)d;
}
ct_module *ct_nn_cosine_similarity_ex(ct_cosine_similarity_opts o) {
  dist_mod *d = (dist_mod *)ct_module_new(&ct__nn_kind_cosine_similarity);
  if (d) d->dim = o.dim, d->eps = o.eps;
  return (ct_module *)d;
}

/* ---- padding ------------------------------------------------------------------------------- */
#define PAD_MAX CT_MAX_DIMS
typedef struct pad_mod {
  ct_module base;
  ct_ints pad;           /* the padding tuple as stored (an int became 2, 4 or 6 copies) */
  double value;          /* ConstantPad */
  bool value_int;        /* printed as a Python int */
  ct_pad_mode mode;
} pad_mod;

static ct_tensor *pad_fwd(ct_module *m, ct_tensor *x) {
  pad_mod *p = (pad_mod *)m;
  return ct_pad(x, p->pad.n, p->pad.v, p->mode, p->value);
}
/* ConstantPad: "padding=(1, 2), value=3.5"; the others (ZeroPad2d too): "(1, 2)". */
static void pad_repr(const ct_module *m, char *buf, size_t n) {
  const pad_mod *p = (const pad_mod *)m;
  bool constant = p->mode == CT_PAD_CONSTANT && m->kind != &ct__nn_kind_zero_pad2d;
  ct__strbuf b = {0};
  ct__sb_puts(&b, constant ? "padding=" : "");
  nn_py_tuple(&b, &p->pad, p->pad.n);
  if (constant) {
    ct__sb_puts(&b, ", value=");
    nn_num_repr(&b, p->value, p->value_int);
  }
  nn_repr_out(&b, buf, n);
}

/* The kind's spatial dims (1, 2 or 3) and mode. */
static int pad_dims(const ct_module_kind *k, ct_pad_mode *mode) {
  static const ct_module_kind *const table[4][3] = {
      {&ct__nn_kind_constant_pad1d, &ct__nn_kind_constant_pad2d, &ct__nn_kind_constant_pad3d},
      {&ct__nn_kind_reflection_pad1d, &ct__nn_kind_reflection_pad2d, &ct__nn_kind_reflection_pad3d},
      {&ct__nn_kind_replication_pad1d, &ct__nn_kind_replication_pad2d, &ct__nn_kind_replication_pad3d},
      {NULL, &ct__nn_kind_zero_pad2d, NULL}};
  static const ct_pad_mode modes[4] = {CT_PAD_CONSTANT, CT_PAD_REFLECT, CT_PAD_REPLICATE, CT_PAD_CONSTANT};
  for (int r = 0; r < 4; r++)
    for (int d = 0; d < 3; d++)
      if (table[r][d] == k) {
        *mode = modes[r];
        return d + 1;
      }
  return 0;
}

/* _pair / _quadruple / _ntuple(6): an int repeated, a tuple kept as given (F.pad checks it). */
static ct_module *pad_new(const ct_module_kind *k, ct_ints padding, double value, bool value_int) {
  ct_pad_mode mode = CT_PAD_CONSTANT;
  int dims = pad_dims(k, &mode);
  if (padding.n < 1 || padding.n > PAD_MAX)
    return ct__err("%s: padding must be an int or a tuple of 1 to %d ints, got %d", k->name,
                   PAD_MAX, padding.n);
  pad_mod *p = (pad_mod *)ct_module_new(k);
  if (!p) return NULL;
  p->pad.n = padding.n == 1 ? 2 * dims : padding.n;
  for (int i = 0; i < p->pad.n; i++) p->pad.v[i] = padding.v[padding.n == 1 ? 0 : i];
  p->mode = mode;
  p->value = value;
  p->value_int = value_int;
  return &p->base;
}

/* A tuple of length 1 stays a tuple (only a bare int is repeated). */
static ct_module *build_pad(const ct_values *args, const ct_module_kind *k) {
  nn_args a;
  nn_args_init(&a, args, k->name);
  ct_pad_mode mode = CT_PAD_CONSTANT;
  pad_dims(k, &mode);
  bool constant = mode == CT_PAD_CONSTANT && k != &ct__nn_kind_zero_pad2d;
  const ct_value *pv = nn_arg(&a, 0, "padding");
  ct_ints pad = {0};
  int n = 0;
  if (pv) n = nn_arg_ints(&a, 0, "padding", pad.v, PAD_MAX);
  if (n < 0 || !pv) {
    if (!a.bad)
      ct__err("%s.__init__() missing 1 required positional argument: 'padding'", k->name);
    a.bad = true;
  }
  pad.n = n;
  bool value_int = false;
  double value = 0;
  if (constant) {
    if (!nn_arg(&a, 1, "value") && !a.bad) {
      a.bad = true;
      ct__err("%s.__init__() missing 1 required positional argument: 'value'", k->name);
    }
    value = nn_arg_num(&a, 1, "value", 0, false, &value_int);
  }
  if (nn_args_done(&a) != 0) return NULL;
  ct_module *m = pad_new(k, pad, value, value_int);
  if (m && pv->type == CT_V_TUPLE) ((pad_mod *)m)->pad.n = n; /* (3,) stays one entry */
  return m;
}

#define PAD_KIND(var, cls)                                                                 \
  NN_KIND(ct__nn_kind_##var, build_##var, build_pad, .name = cls, .size = sizeof(pad_mod), \
          .forward1 = pad_fwd, .extra_repr = pad_repr)
PAD_KIND(constant_pad1d, "ConstantPad1d");
PAD_KIND(constant_pad2d, "ConstantPad2d");
PAD_KIND(constant_pad3d, "ConstantPad3d");
PAD_KIND(reflection_pad1d, "ReflectionPad1d");
PAD_KIND(reflection_pad2d, "ReflectionPad2d");
PAD_KIND(reflection_pad3d, "ReflectionPad3d");
PAD_KIND(replication_pad1d, "ReplicationPad1d");
PAD_KIND(replication_pad2d, "ReplicationPad2d");
PAD_KIND(replication_pad3d, "ReplicationPad3d");
PAD_KIND(zero_pad2d, "ZeroPad2d");
#undef PAD_KIND

/* C constructors: value prints as a Python float. */
ct_module *ct_nn_constant_pad1d(ct_ints padding, double value) {
  return pad_new(&ct__nn_kind_constant_pad1d, padding, value, false);
}
ct_module *ct_nn_constant_pad2d(ct_ints padding, double value) {
  return pad_new(&ct__nn_kind_constant_pad2d, padding, value, false);
}
ct_module *ct_nn_constant_pad3d(ct_ints padding, double value) {
  return pad_new(&ct__nn_kind_constant_pad3d, padding, value, false);
}
ct_module *ct_nn_reflection_pad1d(ct_ints padding) { return pad_new(&ct__nn_kind_reflection_pad1d, padding, 0, false); }
ct_module *ct_nn_reflection_pad2d(ct_ints padding) { return pad_new(&ct__nn_kind_reflection_pad2d, padding, 0, false); }
ct_module *ct_nn_reflection_pad3d(ct_ints padding) { return pad_new(&ct__nn_kind_reflection_pad3d, padding, 0, false); }
ct_module *ct_nn_replication_pad1d(ct_ints padding) {
  return pad_new(&ct__nn_kind_replication_pad1d, padding, 0, false);
}
ct_module *ct_nn_replication_pad2d(ct_ints padding) {
  return pad_new(&ct__nn_kind_replication_pad2d, padding, 0, false);
}
ct_module *ct_nn_replication_pad3d(ct_ints padding) {
  return pad_new(&ct__nn_kind_replication_pad3d, padding, 0, false);
}
ct_module *ct_nn_zero_pad2d(ct_ints padding) { return pad_new(&ct__nn_kind_zero_pad2d, padding, 0, false); }
