/* The resampling layers over F.interpolate, F.unfold and F.fold: Upsample,
 * UpsamplingNearest2d, UpsamplingBilinear2d (Upsample with mode='nearest' / mode='bilinear',
 * align_corners=True), Unfold and Fold. Each keeps its arguments as PyTorch's class stores them
 * (as given: an int prints as 3, a tuple as (3, 2)), which is what extra_repr prints. The
 * checks are F's, at forward, as in PyTorch; the constructors reject only what the C types
 * cannot hold (an unknown mode, a count outside a ct_ints / ct_floats). */
#include "nn_internal.h"

#include <math.h>

static const char *const mode_names[] = {"nearest", "linear", "bilinear", "bicubic",
                                         "trilinear", "area", "nearest-exact"};
#define NUM_MODES (int)(sizeof mode_names / sizeof *mode_names)

/* ---- Upsample ----------------------------------------------------------------------------- */
typedef struct upsample_mod {
  ct_module base;
  ct_nn_upsample_opts o;
} upsample_mod;

/* extra_repr: 'scale_factor=' + str(scale_factor) when given, else 'size=' + str(size), then
 * ', mode=' + mode (unquoted). */
static void upsample_repr(const ct_module *m, char *buf, size_t n) {
  const ct_nn_upsample_opts *o = &((const upsample_mod *)m)->o;
  ct__strbuf b = {0};
  if (o->scale_factor.n) {
    ct__sb_puts(&b, "scale_factor=");
    if (o->scale_factor.n > 1) ct__sb_puts(&b, "(");
    for (int i = 0; i < o->scale_factor.n; i++) {
      if (i) ct__sb_puts(&b, ", ");
      nn_py_float(&b, o->scale_factor.v[i]);
    }
    if (o->scale_factor.n > 1) ct__sb_puts(&b, ")");
  } else {
    ct__sb_puts(&b, "size=");
    if (o->size.n)
      nn_py_ints(&b, &o->size);
    else
      ct__sb_puts(&b, "None");
  }
  ct__sb_printf(&b, ", mode=%s", mode_names[o->mode]);
  nn_repr_out(&b, buf, n);
}

static ct_tensor *upsample_forward(ct_module *m, ct_tensor *x) {
  const ct_nn_upsample_opts *o = &((upsample_mod *)m)->o;
  return ct_interpolate_ex(x, (ct_interpolate_opts){.size = o->size,
                                                    .scale_factor = o->scale_factor,
                                                    .mode = o->mode,
                                                    .align_corners = o->align_corners,
                                                    .recompute_scale_factor =
                                                        o->recompute_scale_factor});
}

static ct_module *upsample_new(const ct_module_kind *kind, ct_nn_upsample_opts o) {
  if ((unsigned)o.mode >= NUM_MODES)
    return ct__err("%s: mode must be one of 'nearest', 'linear', 'bilinear', 'bicubic', "
                   "'trilinear', 'area', 'nearest-exact' (got %d)", kind->name, (int)o.mode);
  if (o.size.n < 0 || o.size.n > CT_MAX_DIMS || o.scale_factor.n < 0 || o.scale_factor.n > CT_MAX_DIMS)
    return ct__err("%s: size and scale_factor take at most %d values", kind->name, CT_MAX_DIMS);
  /* self.scale_factor = float(scale_factor) if scale_factor else None: a scalar 0 is None */
  if (o.scale_factor.n == 1 && o.scale_factor.v[0] == 0) o.scale_factor.n = 0;
  ct_module *m = ct_module_new(kind);
  if (m) ((upsample_mod *)m)->o = o;
  return m;
}

/* A float or a tuple of floats (ints taken as floats); n = 0 when absent or None. */
static ct_floats arg_floats(nn_args *a, int pos, const char *key) {
  ct_floats r = {0};
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return r;
  if (v->type == CT_V_FLOAT || v->type == CT_V_INT) {
    r.n = 1;
    r.v[0] = v->type == CT_V_FLOAT ? v->f : (double)v->i;
    return r;
  }
  bool ok = v->type == CT_V_TUPLE && v->n <= CT_MAX_DIMS;
  for (int i = 0; ok && i < v->n; i++) {
    const ct_value *e = &v[1 + i];
    ok = e->type == CT_V_FLOAT || e->type == CT_V_INT;
    r.v[i] = e->type == CT_V_FLOAT ? e->f : (double)e->i;
    a->used[(int)(e - a->v->v)] = true;
  }
  if (!ok) {
    if (!a->bad) ct__err("%s: argument '%s' must be a float or a tuple of floats", a->cls, key);
    a->bad = true;
    return (ct_floats){0};
  }
  r.n = v->n;
  return r;
}

/* An optional bool: -1 for None or absent. */
static int arg_opt_bool(nn_args *a, int pos, const char *key) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return -1;
  if (v->type == CT_V_BOOL) return v->b;
  if (!a->bad) ct__err("%s: argument '%s' must be bool or None", a->cls, key);
  a->bad = true;
  return -1;
}

/* Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None); the 2d forms take (size=None, scale_factor=None) only. */
static ct_module *build_upsample(const ct_values *args, const ct_module_kind *kind) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  ct_nn_upsample_opts o = CT_NN_UPSAMPLE_OPTS();
  o.size = nn_arg_ct_ints(&a, 0, "size");
  o.scale_factor = arg_floats(&a, 1, "scale_factor");
  if (kind == &ct__nn_kind_upsample) {
    const char *mode = nn_arg_str(&a, 2, "mode", "nearest");
    int md = 0;
    while (md < NUM_MODES && strcmp(mode_names[md], mode) != 0) md++;
    if (md == NUM_MODES && !a.bad) {
      a.bad = true;
      ct__err("Upsample: mode must be one of 'nearest', 'linear', 'bilinear', 'bicubic', "
              "'trilinear', 'area', 'nearest-exact' (got '%s')", mode);
    }
    o.mode = (ct_interp_mode)(md % NUM_MODES);
    o.align_corners = arg_opt_bool(&a, 3, "align_corners");
    o.recompute_scale_factor = arg_opt_bool(&a, 4, "recompute_scale_factor");
  } else if (kind == &ct__nn_kind_upsampling_bilinear2d) {
    o.mode = CT_INTERP_BILINEAR;
    o.align_corners = 1;
  }
  if (nn_args_done(&a) != 0) return NULL;
  return upsample_new(kind, o);
}

#define UPSAMPLE_KIND(var, fn, cls)                                                     \
  NN_KIND(var, fn, build_upsample, .name = cls, .size = sizeof(upsample_mod),         \
          .forward1 = upsample_forward, .extra_repr = upsample_repr)
UPSAMPLE_KIND(ct__nn_kind_upsample, build_up, "Upsample");
UPSAMPLE_KIND(ct__nn_kind_upsampling_nearest2d, build_upn, "UpsamplingNearest2d");
UPSAMPLE_KIND(ct__nn_kind_upsampling_bilinear2d, build_upb, "UpsamplingBilinear2d");

ct_module *ct_nn_upsample_ex(ct_nn_upsample_opts o) { return upsample_new(&ct__nn_kind_upsample, o); }

ct_module *ct_nn_upsampling_nearest2d(ct_ints size, ct_floats scale_factor) {
  return upsample_new(&ct__nn_kind_upsampling_nearest2d,
                      CT_NN_UPSAMPLE_OPTS(.size = size, .scale_factor = scale_factor));
}

ct_module *ct_nn_upsampling_bilinear2d(ct_ints size, ct_floats scale_factor) {
  return upsample_new(&ct__nn_kind_upsampling_bilinear2d,
                      CT_NN_UPSAMPLE_OPTS(.size = size, .scale_factor = scale_factor,
                                          .mode = CT_INTERP_BILINEAR, .align_corners = 1));
}

/* ---- Unfold / Fold ------------------------------------------------------------------------ */
typedef struct fold_mod {
  ct_module base;
  ct_ints output_size, kernel_size; /* output_size: Fold only */
  ct_fold_opts o;
} fold_mod;

/* Unfold: 'kernel_size={}, dilation={}, padding={}, stride={}'; Fold: 'output_size={}, ' first */
static void fold_repr(const ct_module *m, char *buf, size_t n) {
  const fold_mod *f = (const fold_mod *)m;
  ct__strbuf b = {0};
  if (f->output_size.n) {
    ct__sb_puts(&b, "output_size=");
    nn_py_ints(&b, &f->output_size);
    ct__sb_puts(&b, ", ");
  }
  ct__sb_puts(&b, "kernel_size=");
  nn_py_ints(&b, &f->kernel_size);
  ct__sb_puts(&b, ", dilation=");
  nn_py_ints(&b, &f->o.dilation);
  ct__sb_puts(&b, ", padding=");
  nn_py_ints(&b, &f->o.padding);
  ct__sb_puts(&b, ", stride=");
  nn_py_ints(&b, &f->o.stride);
  nn_repr_out(&b, buf, n);
}

static ct_tensor *fold_forward(ct_module *m, ct_tensor *x) {
  const fold_mod *f = (const fold_mod *)m;
  if (f->output_size.n) return ct_fold_ex(x, f->output_size, f->kernel_size, f->o);
  return ct_unfold_ex(x, f->kernel_size, f->o);
}

static bool ints_ok(ct_ints v) { return v.n >= 0 && v.n <= CT_MAX_DIMS; }

static ct_module *fold_new(const ct_module_kind *kind, ct_ints output_size, ct_ints kernel_size,
                           ct_fold_opts o) {
  bool fold = kind == &ct__nn_kind_fold;
  if (fold && (output_size.n <= 0 || output_size.n > CT_MAX_DIMS))
    return ct__err("Fold.__init__() missing 1 required positional argument: 'output_size'");
  if (kernel_size.n <= 0 || kernel_size.n > CT_MAX_DIMS)
    return ct__err("%s.__init__() missing 1 required positional argument: 'kernel_size'", kind->name);
  if (!ints_ok(o.dilation) || !ints_ok(o.padding) || !ints_ok(o.stride))
    return ct__err("%s: dilation, padding and stride take at most %d values", kind->name, CT_MAX_DIMS);
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  fold_mod *f = (fold_mod *)m;
  f->output_size = fold ? output_size : (ct_ints){0};
  f->kernel_size = kernel_size;
  f->o.dilation = o.dilation.n ? o.dilation : CT_INTS(1);
  f->o.padding = o.padding.n ? o.padding : CT_INTS(0);
  f->o.stride = o.stride.n ? o.stride : CT_INTS(1);
  return m;
}

/* Fold(output_size, kernel_size, dilation=1, padding=0, stride=1); Unfold without output_size */
static ct_module *build_fold(const ct_values *args, const ct_module_kind *kind) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  int at = 0;
  ct_ints os = {0};
  if (kind == &ct__nn_kind_fold) os = nn_arg_ct_ints(&a, at++, "output_size");
  ct_ints k = nn_arg_ct_ints(&a, at++, "kernel_size");
  ct_fold_opts o = {.dilation = nn_arg_ct_ints(&a, at, "dilation"),
                    .padding = nn_arg_ct_ints(&a, at + 1, "padding"),
                    .stride = nn_arg_ct_ints(&a, at + 2, "stride")};
  if (nn_args_done(&a) != 0) return NULL;
  return fold_new(kind, os, k, o);
}

#define FOLD_KIND(var, fn, cls)                                                               \
  NN_KIND(var, fn, build_fold, .name = cls, .size = sizeof(fold_mod), .forward1 = fold_forward, \
          .extra_repr = fold_repr)
FOLD_KIND(ct__nn_kind_unfold, build_unfold, "Unfold");
FOLD_KIND(ct__nn_kind_fold, build_fold_kind, "Fold");

ct_module *ct_nn_unfold_ex(ct_ints kernel_size, ct_fold_opts o) {
  return fold_new(&ct__nn_kind_unfold, (ct_ints){0}, kernel_size, o);
}

ct_module *ct_nn_fold_ex(ct_ints output_size, ct_ints kernel_size, ct_fold_opts o) {
  return fold_new(&ct__nn_kind_fold, output_size, kernel_size, o);
}
