/* torch.nn.utils: parameters_to_vector / vector_to_parameters, weight_norm /
 * remove_weight_norm, spectral_norm / remove_spectral_norm, fuse_conv_bn_eval /
 * fuse_conv_bn_weights, as PyTorch 1.13 writes them.
 *
 * weight_norm and spectral_norm turn a parameter ("weight") into a tensor computed before every
 * forward by a forward pre-hook, as PyTorch's WeightNorm / SpectralNorm hooks do. The computed
 * tensor is a plain attribute in PyTorch (neither parameter nor buffer): here the hook's state
 * owns it, and the module's struct words that pointed at the parameter (linear->weight) are
 * pointed at it, and at each recomputed one, so the kind's forward reads the current value. */
#include "nn_internal.h"

#include <math.h>

/* ---- parameters_to_vector / vector_to_parameters ------------------------------------------ */
ct_tensor *ct_nn_utils_parameters_to_vector(ct_tensor *const *params, int n) {
  if (n < 0 || (n > 0 && !params)) return NULL;
  for (int i = 0; i < n; i++)
    if (!params[i]) return NULL;
  if (n == 0) return ct__err("torch.cat(): expected a non-empty list of Tensors");
  ct_tensor **flat = calloc((size_t)n, sizeof *flat);
  if (!flat) return ct__err("CPU: out of memory");
  ct_scope_begin();
  bool ok = true;
  for (int i = 0; ok && i < n; i++) ok = (flat[i] = ct_view(params[i], 1, (int64_t[]){-1})) != NULL;
  ct_tensor *r = ok ? ct_keep(ct_cat(flat, n, 0)) : NULL;
  free(flat);
  ct_scope_end();
  return r;
}

int ct_nn_utils_vector_to_parameters(const ct_tensor *vec, ct_tensor *const *params, int n) {
  if (!vec || n < 0 || (n > 0 && !params)) return -1;
  for (int i = 0; i < n; i++)
    if (!params[i]) return -1;
  int64_t off = 0;
  /* param.data = vec[off:off + numel].view_as(param): checked whole first, so a short vec
   * changes nothing (PyTorch fails at the parameter that does not fit, after the others) */
  for (int i = 0; i < n; i++) {
    int64_t k = ct_numel(params[i]), have = ct_numel(vec) - off;
    if (have < k) {
      ct__strbuf b = {0};
      nn_shape(&b, params[i]);
      ct__errs("shape '%s' is invalid for input of size %lld", b.s ? b.s : "?",
               (long long)(have < 0 ? 0 : have));
      free(b.s);
      return -1;
    }
    off += k;
  }
  int rc = 0;
  off = 0;
  ct_scope_begin();
  CT_NO_GRAD {
    for (int i = 0; i < n && rc == 0; i++) {
      int64_t k = ct_numel(params[i]);
      ct_tensor *piece = ct_narrow(ct_view((ct_tensor *)vec, 1, (int64_t[]){-1}), 0, off, k);
      if (!piece || !ct_copy_(params[i], ct_view_as(piece, params[i]))) rc = -1;
      off += k;
    }
  }
  ct_scope_end();
  return rc;
}

/* ---- the computed weight ------------------------------------------------------------------- */
/* Point every word of m's private part holding from at to (the kinds' borrowed pointers). */
void nn_repoint(ct_module *m, const void *from, void *to) {
  size_t size = m->kind->size ? m->kind->size : sizeof(ct_module);
  for (size_t off = sizeof(ct_module); off + sizeof(void *) <= size; off += sizeof(void *)) {
    void **w = (void **)((char *)m + off);
    if (*w == from) *w = to;
  }
}

typedef enum { NORM_WEIGHT, NORM_SPECTRAL } norm_type;

/* One hook's state: PyTorch's WeightNorm / SpectralNorm object plus the computed tensor. */
typedef struct norm_state {
  norm_type type;
  char name[128];
  int64_t dim;
  int64_t n_power_iterations; /* spectral */
  double eps;                 /* spectral */
  ct_tensor *w;               /* the current computed weight (a reference) */
} norm_state;

static void state_free(void *p) {
  norm_state *s = p;
  if (s) ct_release(s->w);
  free(s);
}
static void *state_copy(const void *p) {
  norm_state *s = malloc(sizeof *s);
  if (!s) return ct__err("CPU: out of memory");
  *s = *(const norm_state *)p;
  ct_retain(s->w);
  return s;
}

static int weight_norm_hook(ct_module *m, ct_values *inputs, void *user);
static int spectral_norm_hook(ct_module *m, ct_values *inputs, void *user);

/* getattr(m, "<name><suffix>"): a parameter (param) or buffer, else, for param, the tensor
 * another weight_norm / spectral_norm computes under that name (the two stacked), or NULL. */
static ct_tensor *member(ct_module *m, const char *name, const char *suffix, bool param) {
  char key[160];
  snprintf(key, sizeof key, "%s%s", name, suffix);
  const nn_list *l = param ? &m->impl->params : &m->impl->buffers;
  int i = nn_find(l, key);
  if (i >= 0) return l->e[i].t;
  for (int h = 0; param && h < m->impl->nhooks; h++) {
    const nn_hook *k = &m->impl->hooks[h];
    if (k->fn == (void (*)(void))weight_norm_hook || k->fn == (void (*)(void))spectral_norm_hook)
      if (strcmp(((const norm_state *)k->user)->name, key) == 0) return ((const norm_state *)k->user)->w;
  }
  return NULL;
}

/* Replace the computed weight by w (in the current scope): the state keeps a reference. */
static void set_weight(ct_module *m, norm_state *s, ct_tensor *w) {
  ct_retain(w);
  nn_repoint(m, s->w, w);
  ct_release(s->w);
  s->w = w;
}

/* The hook of type and name on m, or -1. */
static int find_norm_hook(const ct_module *m, int (*fn)(ct_module *, ct_values *, void *), const char *name) {
  const ct_module_impl *im = m->impl;
  for (int i = 0; i < im->nhooks; i++)
    if (im->hooks[i].type == NN_HOOK_PRE && im->hooks[i].fn == (void (*)(void))fn &&
        strcmp(((const norm_state *)im->hooks[i].user)->name, name) == 0)
      return i;
  return -1;
}

/* Remove parameter or buffer key from m (the reference goes to the caller's scope). */
static void drop_entry(ct_module *m, const char *name, const char *suffix, bool param) {
  char key[160];
  snprintf(key, sizeof key, "%s%s", name, suffix);
  nn_list *l = param ? &m->impl->params : &m->impl->buffers;
  int i = nn_find(l, key);
  if (i >= 0) ct_release(nn_list_remove(l, i));
}

/* "x not found in <repr(module)>" */
static void *not_found(const ct_module *m, const char *what, const char *name) {
  char *r = ct_module_repr(m);
  ct__err("%s of '%s' not found in %s", what, name, r ? r : ct_module_name(m));
  free(r);
  return NULL;
}

/* ---- weight_norm ------------------------------------------------------------------------------ */
/* norm_except_dim(v, 2, dim): the 2-norm over every dim but dim, shaped 1 there except dim
 * (dim -1: the whole tensor's norm, 0-dim). */
static ct_tensor *norm_except_dim(const ct_tensor *v, int64_t dim) {
  int nd = ct_dim(v);
  if (dim == -1) return ct_norm(v);
  if (dim < 0 || dim >= nd) /* PyTorch's transpose(0, dim) refuses it */
    return ct__err("Dimension out of range (expected to be in range of [%d, %d], but got %lld)",
                   -(nd ? nd : 1), (nd ? nd : 1) - 1, (long long)dim);
  ct_dims others = {0};
  for (int d = 0; d < nd; d++)
    if (d != dim) others.d[others.n++] = d;
  return ct_norm(v, .dim = others, .keepdim = true);
}

/* _weight_norm_interface(v, g, dim) as one node, WeightNormInterfaceBackward0:
 *   w = v * (g / norm),  norm = norm_except_dim(v, 2, dim)
 * Its backward (PyTorch's weight_norm backward), from differentiable ops on the saved v and g
 * so that double backward works: with s = sum over every dim but dim of (grad_w * v),
 *   grad_g = s / norm,   grad_v = (g / norm) * (grad_w - v * (s / norm^2)). */
/* the dim of the apply in flight on this thread (a Function's forward takes tensors only) */
static _Thread_local int64_t wn_dim;

static int wn_forward(ct_function_ctx *ctx, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out) {
  (void)n_in, (void)n_out;
  int64_t *dim = ct_ctx_alloc(ctx, sizeof *dim);
  if (!dim) return -1;
  *dim = wn_dim;
  if (ct_ctx_save_for_backward(ctx, in[0]) || ct_ctx_save_for_backward(ctx, in[1])) return -1;
  out[0] = ct_mul(in[0], ct_div(in[1], norm_except_dim(in[0], *dim)));
  return out[0] ? 0 : -1;
}

static int wn_backward(ct_function_ctx *ctx, ct_tensor *const *gw, int n_out, ct_tensor **gi, int n_in) {
  (void)n_out, (void)n_in;
  const int64_t *dim = ct_ctx_data(ctx);
  ct_tensor *v = ct_ctx_saved(ctx, 0), *g = ct_ctx_saved(ctx, 1);
  ct_tensor *norm = v && g ? norm_except_dim(v, *dim) : NULL;
  if (!norm) return -1;
  ct_dims others = {0};
  for (int d = 0; d < ct_dim(v); d++)
    if (d != *dim) others.d[others.n++] = d;
  ct_tensor *s = ct_sum(ct_mul(gw[0], v), .dim = others, .keepdim = true);
  gi[0] = ct_mul(ct_div(g, norm), ct_sub(gw[0], ct_mul(v, ct_div(s, ct_mul(norm, norm)))));
  gi[1] = ct_div(s, norm);
  return gi[0] && gi[1] ? 0 : -1;
}

static const ct_function weight_norm_interface = {"WeightNormInterfaceBackward0", wn_forward, wn_backward, 1};

/* _weight_norm(v, g, dim) on CPU: the fused interface for dim 0 or the last dim, else
 * v * (g / norm_except_dim(v, 2, dim)) (MulBackward0), as PyTorch 1.13 picks. */
static ct_tensor *weight_norm(ct_tensor *v, ct_tensor *g, int64_t dim) {
  if (ct_dim(v) == 0 || (dim != 0 && dim != ct_dim(v) - 1)) return ct_mul(v, ct_div(g, norm_except_dim(v, dim)));
  ct_tensor *w = NULL;
  wn_dim = dim;
  return ct_function_apply(&weight_norm_interface, (ct_tensor *const[]){v, g}, 2, &w) == 0 ? w : NULL;
}

static int weight_norm_hook(ct_module *m, ct_values *inputs, void *user) {
  (void)inputs;
  norm_state *s = user;
  ct_tensor *g = member(m, s->name, "_g", true), *v = member(m, s->name, "_v", true);
  ct_tensor *w = g && v ? weight_norm(v, g, s->dim) : NULL;
  if (!w) return g && v ? -1 : ct__errs("weight_norm: '%s_g' / '%s_v' are gone", s->name, s->name);
  set_weight(m, s, w);
  return 0;
}

ct_module *ct_nn_utils_weight_norm(ct_module *m, const char *name, int64_t dim) {
  if (!m) return NULL;
  if (!name) name = "weight";
  if (strlen(name) > 100) return ct__err("weight_norm: parameter name too long");
  if (find_norm_hook(m, weight_norm_hook, name) >= 0)
    return ct__err("Cannot register two weight_norm hooks on the same parameter %s", name);
  if (dim == CT_NONE) dim = -1;
  ct_tensor *weight = member(m, name, "", true);
  if (!weight) return ct__err("'%s' object has no attribute '%s'", ct_module_name(m), name);
  norm_state *s = calloc(1, sizeof *s);
  if (!s) return ct__err("CPU: out of memory");
  *s = (norm_state){.type = NORM_WEIGHT, .dim = dim};
  snprintf(s->name, sizeof s->name, "%s", name);
  char gname[160], vname[160];
  snprintf(gname, sizeof gname, "%s_g", name);
  snprintf(vname, sizeof vname, "%s_v", name);
  ct_scope_begin();
  ct_tensor *g = ct_detach(norm_except_dim(ct_detach(weight), dim)), *data = ct_detach(weight);
  bool ok = g && data;
  if (ok) {
    /* del module._parameters[name]; register name_g, name_v; weight = compute_weight() */
    ct_retain(weight); /* the struct words still point at it until the first weight is set */
    drop_entry(m, name, "", true);
    ok = ct_module_register_parameter(m, gname, ct_parameter(g, true)) &&
         ct_module_register_parameter(m, vname, ct_parameter(data, true));
    s->w = weight;
    ok = ok && weight_norm_hook(m, NULL, s) == 0;
    if (!ok) { /* undo: the parameter back where it was registered (at the end) */
      drop_entry(m, name, "_g", true);
      drop_entry(m, name, "_v", true);
      nn_repoint(m, s->w, weight);
      ct_module_register_parameter(m, name, weight);
    }
  }
  ct_scope_end();
  if (!ok) {
    state_free(s);
    return NULL;
  }
  return nn_add_owned_pre_hook(m, weight_norm_hook, s, state_free, state_copy).module;
}

/* ---- spectral_norm ---------------------------------------------------------------------------- */
/* reshape_weight_to_matrix: dim first (permute), then (height, -1). */
static ct_tensor *weight_matrix(const ct_tensor *w, int64_t dim) {
  const ct_tensor *wm = w;
  if (dim != 0) {
    int64_t perm[CT_MAX_DIMS];
    int n = 0;
    perm[n++] = dim;
    for (int d = 0; d < ct_dim(w) && n < CT_MAX_DIMS; d++)
      if (d != dim) perm[n++] = d;
    wm = ct_permute(w, n, perm);
  }
  if (!wm) return NULL;
  return ct_reshape(wm, 2, (int64_t[]){ct_dim(wm) ? ct_shape(wm)[0] : 1, -1});
}

/* compute_weight(module, do_power_iteration=module.training): the power iteration writes the
 * u and v buffers in place (no grad); sigma = u . (W v) with W's gradient; weight / sigma. */
static ct_tensor *spectral_weight(ct_module *m, norm_state *s, bool power) {
  ct_tensor *orig = member(m, s->name, "_orig", true);
  ct_tensor *u = member(m, s->name, "_u", false), *v = member(m, s->name, "_v", false);
  if (!orig || !u || !v) return ct__err("spectral_norm: '%s_orig' / '_u' / '_v' are gone", s->name);
  ct_tensor *wm = weight_matrix(orig, s->dim);
  if (!wm) return NULL;
  bool ok = true;
  if (power) {
    CT_NO_GRAD {
      ct_normalize_opts no = {.p = 2, .dim = 0, .eps = s->eps};
      for (int64_t i = 0; ok && i < s->n_power_iterations; i++) {
        ok = ct_copy_(v, ct_normalize_ex(ct_mv(ct_t(wm), u), no)) != NULL;
        ok = ok && ct_copy_(u, ct_normalize_ex(ct_mv(wm, v), no)) != NULL;
      }
    }
    u = ok ? ct_clone(u) : NULL;
    v = ok ? ct_clone(v) : NULL;
  }
  ct_tensor *sigma = ok && u && v ? ct_dot(u, ct_mv(wm, v)) : NULL;
  return sigma ? ct_div(orig, sigma) : NULL;
}

static int spectral_norm_hook(ct_module *m, ct_values *inputs, void *user) {
  (void)inputs;
  norm_state *s = user;
  ct_tensor *w = spectral_weight(m, s, m->training);
  if (!w) return -1;
  set_weight(m, s, w);
  return 0;
}

ct_module *ct_nn_utils_spectral_norm_ex(ct_module *m, ct_nn_utils_spectral_norm_opts o) {
  if (!m) return NULL;
  const char *name = o.name ? o.name : "weight";
  if (strlen(name) > 100) return ct__err("spectral_norm: parameter name too long");
  if (find_norm_hook(m, spectral_norm_hook, name) >= 0)
    return ct__err("Cannot register two spectral_norm hooks on the same parameter %s", name);
  if (o.n_power_iterations <= 0)
    return ct__err("Expected n_power_iterations to be positive, but got n_power_iterations=%lld",
                   (long long)o.n_power_iterations);
  /* dim=None: 1 for ConvTranspose1d/2d/3d, else 0 */
  int64_t dim = o.dim != CT_NONE ? o.dim : strncmp(ct_module_name(m), "ConvTranspose", 13) == 0 ? 1 : 0;
  ct_tensor *weight = member(m, name, "", true);
  if (!weight) return ct__err("spectral_norm: '%s' has no parameter '%s'", ct_module_name(m), name);
  norm_state *s = calloc(1, sizeof *s);
  if (!s) return ct__err("CPU: out of memory");
  *s = (norm_state){.type = NORM_SPECTRAL, .dim = dim, .n_power_iterations = o.n_power_iterations,
                    .eps = o.eps};
  snprintf(s->name, sizeof s->name, "%s", name);
  char key[160];
  ct_scope_begin();
  /* u = normalize(weight.new_empty(h).normal_(0, 1)), v likewise with w: PyTorch's draws */
  ct_tensor *u = NULL, *v = NULL, *data = ct_detach(weight);
  CT_NO_GRAD {
    ct_tensor *wm = weight_matrix(weight, dim);
    ct_tensor_opts to = {.dtype = ct_dtype_of(weight)};
    ct_normalize_opts no = {.p = 2, .dim = 0, .eps = s->eps};
    if (wm) u = ct_normalize_ex(ct_normal_(ct_empty_ex(1, ct_shape(wm), to), 0, 1, NULL), no);
    if (u) v = ct_normalize_ex(ct_normal_(ct_empty_ex(1, ct_shape(wm) + 1, to), 0, 1, NULL), no);
  }
  bool ok = u && v && data;
  if (ok) {
    ct_retain(weight);
    drop_entry(m, name, "", true);
    snprintf(key, sizeof key, "%s_orig", name);
    ok = ct_module_register_parameter(m, key, weight) != NULL;
    snprintf(key, sizeof key, "%s_u", name);
    ok = ok && ct_module_register_buffer(m, key, u, true);
    snprintf(key, sizeof key, "%s_v", name);
    ok = ok && ct_module_register_buffer(m, key, v, true);
    /* setattr(module, name, weight.data) until the first forward */
    s->w = ct_retain(data);
    nn_repoint(m, weight, data);
    if (!ok) {
      drop_entry(m, name, "_orig", true);
      drop_entry(m, name, "_u", false);
      drop_entry(m, name, "_v", false);
      nn_repoint(m, data, weight);
      ct_module_register_parameter(m, name, weight);
    }
    ct_release(weight);
  }
  ct_scope_end();
  if (!ok) {
    state_free(s);
    return NULL;
  }
  return nn_add_owned_pre_hook(m, spectral_norm_hook, s, state_free, state_copy).module;
}

/* ---- remove_weight_norm / remove_spectral_norm -------------------------------------------------
 * The weight computed once more (spectral: no power iteration, no grad) becomes the parameter
 * name again (appended, as register_parameter does); the hook's entries and the hook go. */
static ct_module *remove_norm(ct_module *m, const char *name, norm_type type) {
  if (!m) return NULL;
  if (!name) name = "weight";
  int h = find_norm_hook(m, type == NORM_WEIGHT ? weight_norm_hook : spectral_norm_hook, name);
  if (h < 0) return not_found(m, type == NORM_WEIGHT ? "weight_norm" : "spectral_norm", name);
  norm_state *s = m->impl->hooks[h].user;
  ct_scope_begin();
  ct_tensor *w = NULL;
  if (type == NORM_WEIGHT)
    w = weight_norm_hook(m, NULL, s) == 0 ? s->w : NULL;
  else
    CT_NO_GRAD { w = spectral_weight(m, s, false); }
  ct_tensor *p = w ? ct_parameter(w, true) : NULL;
  bool ok = p != NULL;
  if (ok) {
    drop_entry(m, name, type == NORM_WEIGHT ? "_g" : "_orig", true);
    drop_entry(m, name, type == NORM_WEIGHT ? "_v" : "_u", type == NORM_WEIGHT);
    if (type == NORM_SPECTRAL) drop_entry(m, name, "_v", false);
    ok = ct_module_register_parameter(m, name, p) != NULL;
    if (ok) {
      nn_repoint(m, s->w, p);
      ct_hook_remove(&(ct_hook_handle){m, m->impl->hooks[h].id});
    }
  }
  ct_scope_end();
  return ok ? m : NULL;
}

ct_module *ct_nn_utils_remove_weight_norm(ct_module *m, const char *name) {
  return remove_norm(m, name, NORM_WEIGHT);
}

ct_module *ct_nn_utils_remove_spectral_norm(ct_module *m, const char *name) {
  return remove_norm(m, name, NORM_SPECTRAL);
}

/* ---- fuse_conv_bn_eval / fuse_conv_bn_weights ------------------------------------------------- */
/* The BatchNorm folded into the convolution (fusion.py):
 *   w' = w * (bn_w * rsqrt(rv + eps)).reshape(transpose ? [1, -1, 1...] : [-1, 1, 1...])
 *   b' = (b - rm) * rsqrt(rv + eps) * bn_w + bn_b
 * b, bn_w, bn_b absent: zeros / ones / zeros like rm. Both results are new leaf parameters
 * (nn.Parameter detaches), in the caller's scope. */
/* The end of a fuse_*_weights: w and b (NULL: failed) become leaf parameters kept out of the
 * scope the caller opened, which this closes. */
static int fused_params(ct_tensor *w, ct_tensor *b, ct_tensor **fused_w, ct_tensor **fused_b) {
  w = w && b ? ct_keep(ct_parameter(w, true)) : NULL;
  b = w ? ct_keep(ct_parameter(b, true)) : NULL;
  ct_scope_end();
  *fused_w = w;
  *fused_b = b;
  return w && b ? 0 : -1;
}

int ct_nn_utils_fuse_conv_bn_weights(const ct_tensor *conv_w, const ct_tensor *conv_b, const ct_tensor *bn_rm,
                                     const ct_tensor *bn_rv, double bn_eps, const ct_tensor *bn_w,
                                     const ct_tensor *bn_b, bool transpose, ct_tensor **fused_w,
                                     ct_tensor **fused_b) {
  if (!fused_w || !fused_b) return -1;
  *fused_w = *fused_b = NULL;
  if (!conv_w || !bn_rm || !bn_rv) return -1;
  if (ct_dim(conv_w) < 2)
    return ct__errs("fuse_conv_bn_weights: conv_w must have at least 2 dims, got %d", ct_dim(conv_w));
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < ct_dim(conv_w); i++) shape[i] = 1;
  shape[transpose ? 1 : 0] = -1;
  ct_tensor *w = NULL, *b = NULL;
  ct_scope_begin();
  CT_NO_GRAD {
    ct_tensor *scale = ct_rsqrt(ct_add_scalar(bn_rv, bn_eps));
    ct_tensor *g = bn_w ? ct_mul(bn_w, scale) : scale;
    w = ct_mul(conv_w, ct_reshape(g, ct_dim(conv_w), shape));
    ct_tensor *centered = conv_b ? ct_sub(conv_b, bn_rm) : ct_neg(bn_rm);
    b = ct_mul(centered, scale);
    if (b && bn_w) b = ct_mul(b, bn_w);
    if (b && bn_b) b = ct_add(b, bn_b);
  }
  return fused_params(w, b, fused_w, fused_b);
}

ct_module *ct_nn_utils_fuse_conv_bn_eval(const ct_module *conv, const ct_module *bn, bool transpose) {
  if (!conv || !bn) return NULL;
  if (conv->training || bn->training) return ct__err("Fusion only for eval!");
  const ct_module_kind *const convs[] = {&ct__nn_kind_conv1d, &ct__nn_kind_conv2d, &ct__nn_kind_conv3d,
                                         &ct__nn_kind_conv_transpose1d, &ct__nn_kind_conv_transpose2d,
                                         &ct__nn_kind_conv_transpose3d};
  bool is_conv = false;
  for (size_t i = 0; i < sizeof convs / sizeof *convs; i++) is_conv |= conv->kind == convs[i];
  if (!is_conv) return ct__err("fuse_conv_bn_eval: '%s' is not a Conv or ConvTranspose module", ct_module_name(conv));
  double eps = nn_norm_eps(bn);
  if (isnan(eps)) return ct__err("fuse_conv_bn_eval: '%s' is not a BatchNorm module", ct_module_name(bn));
  const ct_tensor *rm = member((ct_module *)bn, "running_mean", "", false);
  const ct_tensor *rv = member((ct_module *)bn, "running_var", "", false);
  if (!rm || !rv) return ct__err("zeros_like(): argument 'input' (position 1) must be Tensor, not NoneType");
  ct_module *fused = ct_module_deepcopy(conv);
  if (!fused) return NULL;
  ct_scope_begin();
  ct_tensor *w, *b;
  int rc = ct_nn_utils_fuse_conv_bn_weights(member(fused, "weight", "", true), member(fused, "bias", "", true), rm, rv, eps,
                                            member((ct_module *)bn, "weight", "", true),
                                            member((ct_module *)bn, "bias", "", true), transpose, &w, &b);
  rc = rc == 0 ? nn_conv_set_params(fused, w, b) : -1;
  ct_scope_end();
  if (rc != 0) {
    ct_module_free(fused);
    return NULL;
  }
  return fused;
}

/* ---- fuse_linear_bn_eval / fuse_linear_bn_weights --------------------------------------------- */
/* The BatchNorm1d that follows a Linear folded into it (fusion.py):
 *   scale = bn_w * rsqrt(rv + eps);  w' = w * scale.unsqueeze(-1);  b' = (b - rm) * scale + bn_b
 * b absent: zeros like rm. bn_w / bn_b absent (affine=False) fail as PyTorch's arithmetic on
 * None does. Both results are new leaf parameters, in the caller's scope. */
int ct_nn_utils_fuse_linear_bn_weights(const ct_tensor *linear_w, const ct_tensor *linear_b,
                                       const ct_tensor *bn_rm, const ct_tensor *bn_rv, double bn_eps,
                                       const ct_tensor *bn_w, const ct_tensor *bn_b,
                                       ct_tensor **fused_w, ct_tensor **fused_b) {
  if (!fused_w || !fused_b) return -1;
  *fused_w = *fused_b = NULL;
  if (!linear_w || !bn_rm || !bn_rv) return -1;
  if (!bn_w) return ct__errs("unsupported operand type(s) for *: 'NoneType' and 'Tensor'");
  if (!bn_b) return ct__errs("unsupported operand type(s) for +: 'Tensor' and 'NoneType'");
  ct_tensor *w = NULL, *b = NULL;
  ct_scope_begin();
  CT_NO_GRAD {
    ct_tensor *scale = ct_mul(bn_w, ct_rsqrt(ct_add_scalar(bn_rv, bn_eps)));
    w = ct_mul(linear_w, ct_unsqueeze(scale, -1));
    ct_tensor *centered = linear_b ? ct_sub(linear_b, bn_rm) : ct_neg(bn_rm);
    b = w ? ct_add(ct_mul(centered, scale), bn_b) : NULL;
  }
  return fused_params(w, b, fused_w, fused_b);
}

ct_module *ct_nn_utils_fuse_linear_bn_eval(const ct_module *linear, const ct_module *bn) {
  if (!linear || !bn) return NULL;
  if (linear->training || bn->training) return ct__err("Fusion only for eval!");
  if (linear->kind != &ct__nn_kind_linear)
    return ct__err("fuse_linear_bn_eval: '%s' is not a Linear module", ct_module_name(linear));
  double eps = nn_norm_eps(bn);
  if (isnan(eps)) return ct__err("fuse_linear_bn_eval: '%s' is not a BatchNorm module", ct_module_name(bn));
  const ct_tensor *rm = member((ct_module *)bn, "running_mean", "", false);
  const ct_tensor *rv = member((ct_module *)bn, "running_var", "", false);
  if (!rm || !rv) return ct__err("unsupported operand type(s) for +: 'NoneType' and 'float'");
  ct_module *fused = ct_module_deepcopy(linear);
  if (!fused) return NULL;
  ct_scope_begin();
  ct_tensor *w, *b;
  int rc = ct_nn_utils_fuse_linear_bn_weights(member(fused, "weight", "", true), member(fused, "bias", "", true),
                                              rm, rv, eps, member((ct_module *)bn, "weight", "", true),
                                              member((ct_module *)bn, "bias", "", true), &w, &b);
  rc = rc == 0 ? nn_linear_set_params(fused, w, b) : -1;
  ct_scope_end();
  if (rc != 0) {
    ct_module_free(fused);
    return NULL;
  }
  return fused;
}
