/* F.conv1d/2d/3d and F.conv_transpose1d/2d/3d with PyTorch 1.13's checks and messages.
 *
 * One primitive, conv_apply, runs one of three bilinear maps (kernels in conv_kernels.c):
 *   CONV   y  = conv(x, w)        x (N, C, S), w (Co, C/G, K) -> (N, Co, O)
 *   CONVT  x' = conv^T(y, w)      y (N, Co, O), w             -> (N, C, S)
 *   WGRAD  w' = dconv/dw(x, y)    x (N, C, S), y (N, Co, O)   -> (Co, C/G, K)
 * for one geometry (conv.h). Each one's gradients are the other two, so every backward is
 * written with conv_apply itself: create_graph records them and double backward works.
 * A transposed convolution is CONVT of its input, with S its output size. */
#include <limits.h>

#include "../internal.h"
#include "conv.h"

typedef enum { CONV, CONVT, WGRAD } conv_kind;

typedef struct {
  conv_kind kind;
  conv_geom g;
} conv_args;
CT_ARGS_TYPE(conv_args, NULL);

static ct_tensor *conv_apply(conv_kind kind, const ct_tensor *a, const ct_tensor *b,
                             const ct_tensor *bias, const conv_geom *g);

/* g (N, Ch, spatial...) summed to (Ch): the bias gradient */
static ct_tensor *bias_grad(const ct_tensor *g) {
  ct_dims d = {.n = g->ndim - 1};
  d.d[0] = 0;
  for (int i = 2; i < g->ndim; i++) d.d[i - 1] = i;
  return ct_sum_ex(g, (ct_reduce_opts){.dim = d, .dtype = CT_DTYPE_UNSET});
}

/* CONV:  y = conv(x, w) + b     gx = conv^T(gy, w), gw = WGRAD(x, gy), gb = sum(gy)
 * CONVT: y = conv^T(x, w) + b   gx = conv(gy, w),   gw = WGRAD(gy, x), gb = sum(gy)
 * WGRAD: gw = WGRAD(x, gy)      gx = conv^T(gy, ggw), ggy = conv(x, ggw)
 * (<conv^T(y, w), x> = <y, conv(x, w)> = <w, WGRAD(x, y)>: each map is another's adjoint.)
 * Under create_graph the gradients of CONV and CONVT come out of one node, as in PyTorch:
 * ConvolutionBackwardBackward0 with edges (gy, x, w) and outputs (gx, gw, gb). */
static void conv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi);
static void conv_double_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi);

/* The gradients of CONV / CONVT (a: the node's arguments) for the inputs `need` asks for,
 * computed unrecorded and, when recording applies, given one ConvolutionBackwardBackward0. */
static void conv_grads(const conv_args *a, ct_tensor *gy, ct_tensor *A, ct_tensor *B,
                       const bool need[3], ct_tensor **gi) {
  bool rec = ct_set_grad_enabled(false);
  bool conv = a->kind == CONV;
  if (need[0]) gi[0] = conv_apply(conv ? CONVT : CONV, gy, B, NULL, &a->g);
  if (need[1]) gi[1] = conv ? conv_apply(WGRAD, A, gy, NULL, &a->g) : conv_apply(WGRAD, gy, A, NULL, &a->g);
  if (need[2]) gi[2] = bias_grad(gy);
  ct_set_grad_enabled(rec);
  if (!rec || (need[0] && !gi[0]) || (need[1] && !gi[1]) || (need[2] && !gi[2])) return;
  ct_tensor *const in[3] = {gy, A, B};
  ct_node *n = ct__node_new("ConvolutionBackwardBackward0", conv_double_backward, 3, in, 3);
  if (!n) return;
  conv_args *args = CT_NEW_ARGS(n, conv_args);
  if (!args || ct__save(n, gy, false) || ct__save(n, A, false) || ct__save(n, B, false)) {
    ct__node_abandon(n);
    for (int i = 0; i < 3; i++) gi[i] = NULL; /* the error is recorded: backward fails */
    return;
  }
  *args = *a;
  for (int i = 0; i < 3; i++)
    if (gi[i]) ct__set_history(gi[i], n, i);
}

/* a + b, either may be NULL */
static ct_tensor *add_opt(ct_tensor *a, ct_tensor *b) { return !a ? b : !b ? a : ct_add(a, b); }

/* ConvolutionBackwardBackward0 of CONV (outputs gx = conv^T(gy, w), gw = WGRAD(x, gy), gb):
 *   d gy = conv(ggx, w) + conv(x, ggw) + ggb,  d x = conv^T(gy, ggw),  d w = WGRAD(ggx, gy)
 * and of CONVT (outputs gx = conv(gy, w), gw = WGRAD(gy, x), gb):
 *   d gy = conv^T(ggx, w) + conv^T(x, ggw) + ggb,  d x = conv(gy, ggw),  d w = WGRAD(gy, ggx)
 * (ggb broadcast over gy's batch and spatial dims). */
static void conv_double_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const conv_args *a = CT_ARGS(n, conv_args);
  ct_tensor *gy = ct__saved(n, 0), *A = ct__saved(n, 1), *B = ct__saved(n, 2);
  if (!gy || !A || !B) return;
  bool conv = a->kind == CONV;
  conv_kind fwd = conv ? CONV : CONVT, adj = conv ? CONVT : CONV;
  if (ct__needs_grad(n, 0)) {
    ct_tensor *r = NULL;
    if (g[0]) r = conv_apply(fwd, g[0], B, NULL, &a->g);
    if (g[1]) r = add_opt(r, conv_apply(fwd, A, g[1], NULL, &a->g));
    if (g[2]) {
      int64_t shape[CT_MAX_DIMS] = {1, g[2]->shape[0]};
      for (int i = 2; i < gy->ndim; i++) shape[i] = 1;
      ct_tensor *b = ct_reshape(g[2], gy->ndim, shape);
      r = r ? ct_add(r, b) : ct_expand(b, gy->ndim, gy->shape);
    }
    gi[0] = r;
  }
  if (ct__needs_grad(n, 1) && g[1]) gi[1] = conv_apply(adj, gy, g[1], NULL, &a->g);
  if (ct__needs_grad(n, 2) && g[0])
    gi[2] = conv ? conv_apply(WGRAD, g[0], gy, NULL, &a->g) : conv_apply(WGRAD, gy, g[0], NULL, &a->g);
}

static void conv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const conv_args *a = CT_ARGS(n, conv_args);
  ct_tensor *A = ct__saved(n, 0), *B = ct__saved(n, 1);
  if (!A || !B) return;
  if (a->kind != WGRAD) {
    bool need[3] = {ct__needs_grad(n, 0), ct__needs_grad(n, 1), ct__needs_grad(n, 2)};
    conv_grads(a, g[0], A, B, need, gi);
    return;
  }
  if (ct__needs_grad(n, 0)) gi[0] = conv_apply(CONVT, B, g[0], NULL, &a->g);
  if (ct__needs_grad(n, 1)) gi[1] = conv_apply(CONV, A, g[0], NULL, &a->g);
}

static int64_t vol3(const int64_t *s) { return s[0] * s[1] * s[2]; }

/* The map `kind` of a and b (float or double, same dtype; any strides) plus bias (CONV:
 * per output channel, CONVT: per output channel of the transposed convolution). Records
 * ConvolutionBackward0 (CONV, CONVT; edges a, b, bias) or ConvolutionBackwardBackward0
 * (WGRAD; edges a, b). */
static ct_tensor *conv_apply(conv_kind kind, const ct_tensor *a, const ct_tensor *b,
                             const ct_tensor *bias, const conv_geom *g) {
  if (!a || !b) return NULL;
  int nsp = g->nsp;
  ct_dtype dt = a->dtype;
  const int64_t *sp = kind == CONVT ? g->S : g->O; /* the result's spatial sizes, 3-d */
  int64_t N = kind == WGRAD ? 0 : a->shape[0], C, Co, shape[CT_MAX_DIMS];
  switch (kind) {
    case CONV: C = a->shape[1], Co = b->shape[0]; break;
    case CONVT: Co = a->shape[1], C = b->shape[1] * g->groups; break;
    default: N = a->shape[0], C = a->shape[1], Co = b->shape[1]; break;
  }
  if (kind == WGRAD) {
    shape[0] = Co, shape[1] = C / g->groups;
    for (int i = 0; i < nsp; i++) shape[2 + i] = g->K[3 - nsp + i];
  } else {
    shape[0] = N, shape[1] = kind == CONV ? Co : C;
    for (int i = 0; i < nsp; i++) shape[2 + i] = sp[3 - nsp + i];
  }
  int64_t L = vol3(g->O), Kc = C / g->groups * vol3(g->K);
  if (L > INT_MAX || Kc > INT_MAX || Co > INT_MAX)
    return ct__err("ctorch: convolution matrices of more than INT_MAX rows or columns are not "
                   "supported (BLAS takes int sizes)");
  if (Kc && L > ((int64_t)1 << 58) / Kc) /* the column buffer's bytes must fit size_t */
    return ct__err("out of memory");
  CT_OP_BEGIN();
  ct_tensor *ac = ct__contig_as(a, dt), *bc = ct__contig_as(b, dt);
  ct_tensor *biasc = bias ? ct__contig_as(bias, dt) : NULL;
  ct_tensor *out = ct__empty(dt, nsp + 2, shape);
  if (!ac || !bc || (bias && !biasc) || !out) return ct__op_end(NULL);
  bool f64 = dt == CT_FLOAT64;
  const void *bp = biasc ? ct__ptr(biasc) : NULL;
  int rc = kind == CONV    ? ct__conv_fwd(f64, ct__ptr(out), ct__ptr(ac), ct__ptr(bc), bp, N, C, Co, g)
           : kind == CONVT ? ct__conv_bwd_data(f64, ct__ptr(out), ct__ptr(ac), ct__ptr(bc), bp, N, C, Co, g)
                           : ct__conv_bwd_weight(f64, ct__ptr(out), ct__ptr(ac), ct__ptr(bc), N, C, Co, g);
  if (rc) return ct__op_end(ct__err("out of memory"));
  out = ct__op_end(out);
  ct_tensor *const in[3] = {(ct_tensor *)a, (ct_tensor *)b, (ct_tensor *)bias};
  ct_node *n = ct__node_new(kind == WGRAD ? "ConvolutionBackwardBackward0" : "ConvolutionBackward0",
                            conv_backward, kind == WGRAD ? 2 : 3, in, 1);
  if (n) {
    conv_args *args = CT_NEW_ARGS(n, conv_args);
    if (!args || ct__save(n, a, false) || ct__save(n, b, false)) {
      ct__node_abandon(n);
      return NULL;
    }
    *args = (conv_args){kind, *g};
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- the public functions: PyTorch's argument checks ------------------------------------ */

typedef struct {
  int nsp;          /* spatial dims the function is for (conv2d: 2) */
  bool transposed;
  const char *name; /* "conv2d" */
  const ct_tensor *bias;
  ct_ints stride, padding, dilation, output_padding;
  ct_padding_kind padding_kind;
  int64_t groups;
} conv_call;

/* An int-or-tuple keyword as the Python binding hands it to ATen: absent -> def repeated,
 * one value -> repeated nsp times, else as given. -1 for a count that cannot be. */
static int expand_ints(ct_ints v, int nsp, int64_t def, int64_t *out) {
  if (v.n < 0 || v.n > CT_MAX_DIMS) return ct__errs("ctorch: a ct_ints holds 0 to %d values, not %d", CT_MAX_DIMS, v.n);
  int n = v.n <= 1 ? nsp : v.n;
  for (int i = 0; i < n; i++) out[i] = v.n == 0 ? def : v.n == 1 ? v.v[0] : v.v[i];
  return n;
}

/* ATen's expand_param_if_needed: the keyword must have 1 or dim values. */
static int expand_param(const int64_t *v, int n, const char *what, int dim, int64_t *out) {
  if (n != 1 && n != dim)
    return ct__errs("expected %s to be a single integer value or a list of %d values to match "
                    "the convolution dimensions, but got %s=%s", what, dim, what, SHP(0, n, v));
  for (int i = 0; i < dim; i++) out[i] = v[n == 1 ? 0 : i];
  return 0;
}

/* "5 x 5" (spatial sizes, 1-d lifted to 2-d as PyTorch's 2-d kernels print them when lift) */
static const char *x_list(char *buf, size_t len, int n, const int64_t *v, bool lift) {
  size_t k = 0;
  buf[0] = 0;
  if (lift && n == 1) k += (size_t)snprintf(buf, len, "1 x ");
  for (int i = 0; i < n && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%lld", i ? " x " : "", (long long)v[i]);
  return buf;
}

/* "output_padding_height: 0 output_padding_width: 1" (1-d lifted to 2-d as in ATen) */
static const char *named_list(char *buf, size_t len, const char *what, const char *sep, int n,
                              const int64_t *v, int64_t lift_value) {
  static const char *const names[3] = {"depth", "height", "width"};
  int64_t vals[3];
  int m = n == 1 ? 2 : n;
  for (int i = 0; i < m; i++) vals[i] = n == 1 ? (i == 0 ? lift_value : v[0]) : v[i];
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < m && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%s_%s: %lld", i ? sep : "", what, names[3 - m + i],
                          (long long)vals[i]);
  return buf;
}

/* C type names of PyTorch's bias message ("Input type (float) and bias type (double)") */
static const char *ctype_name(ct_dtype dt) {
  switch (dt) {
    case CT_FLOAT32: return "float";
    case CT_FLOAT64: return "double";
    case CT_INT64: return "long int";
    case CT_INT32: return "int";
    case CT_INT16: return "short int";
    case CT_INT8: return "signed char";
    case CT_UINT8: return "unsigned char";
    default: return "bool";
  }
}

/* *out = v, or -1 + an error when v does not fit int64 (hostile padding, stride, dilation) */
static int fit64(__int128 v, int64_t *out) {
  if (v > INT64_MAX || v < INT64_MIN)
    return ct__errs("ctorch: convolution sizes overflow int64 (padding, dilation or stride too large)");
  *out = (int64_t)v;
  return 0;
}

/* check_input_shape_forward of ATen's Convolution.cpp; x batched (N, C, spatial). */
static int check_shapes(const ct_tensor *x, const ct_tensor *w, const conv_call *c, int dim,
                        const int64_t *st, const int64_t *pd, const int64_t *dl, const int64_t *op) {
  const int64_t *ws = w->shape;
  int64_t G = c->groups;
  for (int i = 0; i < dim; i++)
    if (pd[i] < 0) return ct__errs("negative padding is not supported");
  for (int i = 0; i < dim && c->transposed; i++)
    if (op[i] < 0) return ct__errs("negative output_padding is not supported");
  for (int i = 0; i < dim; i++)
    if (st[i] <= 0) return ct__errs("non-positive stride is not supported");
  if (!c->transposed && x->dtype == CT_FLOAT32)
    for (int i = 0; i < dim; i++) /* the float32 (oneDNN) path checks here */
      if (dl[i] <= 0) return ct__errs("non-positive dilation is not supported");
  if (w->ndim != x->ndim)
    return ct__errs("Expected %d-dimensional input for %d-dimensional weight %s, but got "
                    "%d-dimensional input of size %s instead", w->ndim, w->ndim,
                    SHP(0, w->ndim, ws), x->ndim, SHP(1, x->ndim, x->shape));
  if (ws[0] < G)
    return ct__errs("Given groups=%lld, expected weight to be at least %lld at dimension 0, but "
                    "got weight of size %s instead", (long long)G, (long long)G, SHP(0, w->ndim, ws));
  if (ws[0] % G)
    return ct__errs("Given groups=%lld, expected weight to be divisible by %lld at dimension 0, "
                    "but got weight of size [%s] instead", (long long)G, (long long)G,
                    SHP(0, w->ndim, ws));
  const ct_tensor *b = c->bias;
  if (!c->transposed) {
    if (x->shape[1] != ws[1] * G)
      return ct__errs("Given groups=%lld, weight of size %s, expected input%s to have %lld "
                      "channels, but got %lld channels instead", (long long)G, SHP(0, w->ndim, ws),
                      SHP(1, x->ndim, x->shape), (long long)(ws[1] * G), (long long)x->shape[1]);
    if (b && (b->ndim != 1 || b->shape[0] != ws[0]))
      return ct__errs("Given weight of size %s, expected bias to be 1-dimensional with %lld "
                      "elements, but got bias of size %s instead", SHP(0, w->ndim, ws),
                      (long long)ws[0], SHP(1, b->ndim, b->shape));
    int64_t in[3] = {0}, ker[3] = {0};
    bool bad = false;
    for (int i = 0; i < dim; i++) {
      if (fit64((__int128)x->shape[2 + i] + 2 * (__int128)pd[i], &in[i]) ||
          fit64((__int128)dl[i] * (ws[2 + i] - 1) + 1, &ker[i]))
        return -1;
      bad |= in[i] < ker[i];
    }
    if (bad) {
      char a[96], k[96];
      return ct__errs("Calculated padded input size per channel: (%s). Kernel size: (%s). Kernel "
                      "size can't be greater than actual input size", x_list(a, sizeof a, dim, in, false),
                      x_list(k, sizeof k, dim, ker, false));
    }
    for (int i = 0; i < dim; i++)
      if (dl[i] <= 0) return ct__errs("dilation should be greater than zero, but got %s", SHP(0, dim, dl));
  } else {
    if (x->shape[1] != ws[0])
      return ct__errs("Given transposed=1, weight of size %s, expected input%s to have %lld "
                      "channels, but got %lld channels instead", SHP(0, w->ndim, ws),
                      SHP(1, x->ndim, x->shape), (long long)ws[0], (long long)x->shape[1]);
    if (b && (b->ndim != 1 || b->shape[0] != ws[1] * G))
      return ct__errs("Given transposed=1, weight of size %s, expected bias to be 1-dimensional "
                      "with %lld elements, but got bias of size %s instead", SHP(0, w->ndim, ws),
                      (long long)(ws[1] * G), SHP(1, b->ndim, b->shape));
  }
  return 0;
}

/* The dtype rules: input, weight and bias of one dtype; no bool; transposed: floats and int64. */
static int check_dtypes(const ct_tensor *x, const ct_tensor *w, const conv_call *c) {
  if (w->dtype != x->dtype) {
    if (!c->transposed && x->dtype == CT_FLOAT32)
      return ct__errs("Input type (%s) and weight type (%s) should be the same or input should "
                      "be a MKLDNN tensor and weight is a dense tensor",
                      ct__legacy_type_name(x->dtype), ct__legacy_type_name(w->dtype));
    return ct__errs("expected scalar type %s but found %s", ct__dtype_short(x->dtype),
                    ct__dtype_short(w->dtype));
  }
  if (c->bias && c->bias->dtype != x->dtype)
    return ct__errs("Input type (%s) and bias type (%s) should be the same",
                    ctype_name(x->dtype), ctype_name(c->bias->dtype));
  ct_dtype dt = x->dtype;
  if (c->transposed && !ct_dtype_is_floating(dt) && dt != CT_INT64) /* ATen's own kernels */
    return ct__errs("\"slow_conv_transpose%dd_out_cpu\" not implemented for '%s'",
                    c->nsp == 3 ? 3 : 2, ct__dtype_short(dt));
  if (dt == CT_BOOL)
    return ct__errs("\"%s\" not implemented for 'Bool'",
                    c->nsp == 3 ? "compute_columns3d" : "slow_conv2d_cpu");
  return 0;
}

/* The transposed kernels' own checks (slow_conv_transpose2d/3d_shape_check): dilation,
 * output_padding below stride or dilation, an output of at least one element. */
static int check_transposed(const ct_tensor *x, int dim, const int64_t *st, const int64_t *dl,
                            const int64_t *op, const int64_t *out) {
  char a[256], b[256], d[256];
  for (int i = 0; i < dim; i++)
    if (dl[i] <= 0)
      return ct__errs("dilation should be greater than zero, but got %s",
                      named_list(a, sizeof a, "dilation", ", ", dim, dl, 1));
  for (int i = 0; i < dim; i++)
    if (op[i] >= st[i] && op[i] >= dl[i])
      return ct__errs("output padding must be smaller than either stride or dilation, but got "
                      "%s %s %s", named_list(a, sizeof a, "output_padding", " ", dim, op, 0),
                      named_list(b, sizeof b, "stride", " ", dim, st, 1),
                      named_list(d, sizeof d, "dilation", " ", dim, dl, 1));
  for (int i = 0; i < dim; i++)
    if (out[i] < 1)
      return ct__errs("Given input size per channel: (%s). Calculated output size per channel: "
                      "(%s). Output size is too small", x_list(a, sizeof a, dim, x->shape + 2, true),
                      x_list(b, sizeof b, dim, out, true));
  return 0;
}

/* padding='same': dilation * (k - 1) in all, the odd one on the right; stride must be 1.
 * Sets pd (left pads) and, when some dim is asymmetric, extra (F.pad's list, last dim first). */
static int same_padding(const ct_tensor *w, int dim, const int64_t *st, const int64_t *dl,
                        int64_t *pd, int64_t *extra, bool *asym) {
  *asym = false;
  for (int i = 0; i < dim; i++)
    if (st[i] != 1) return ct__errs("padding='same' is not supported for strided convolutions");
  for (int i = 0; i < dim; i++) {
    int64_t total = dl[i] * (w->shape[2 + i] - 1);
    pd[i] = total / 2;
    extra[2 * (dim - 1 - i)] = 0;
    extra[2 * (dim - 1 - i) + 1] = total - 2 * pd[i];
    *asym |= total % 2 != 0;
  }
  return 0;
}

/* Everything after the unbatched lift: x (N, C, spatial). */
static ct_tensor *conv_batched(const ct_tensor *x, const ct_tensor *w, const conv_call *c) {
  if (w->ndim < 3) return ct__err("weight should have at least three dimensions");
  if (c->groups <= 0) return ct__err("non-positive groups is not supported");
  int dim = w->ndim - 2;
  int64_t v[CT_MAX_DIMS], st[CT_MAX_DIMS], pd[CT_MAX_DIMS], dl[CT_MAX_DIMS], op[CT_MAX_DIMS] = {0};
  int n;
  if ((n = expand_ints(c->stride, c->nsp, 1, v)) < 0 || expand_param(v, n, "stride", dim, st)) return NULL;
  bool same = !c->transposed && c->padding_kind == CT_PADDING_SAME;
  if (!same) {
    ct_ints p = c->padding_kind == CT_PADDING_VALID ? (ct_ints){0} : c->padding;
    if ((n = expand_ints(p, c->nsp, 0, v)) < 0 || expand_param(v, n, "padding", dim, pd)) return NULL;
  }
  if ((n = expand_ints(c->dilation, c->nsp, 1, v)) < 0 || expand_param(v, n, "dilation", dim, dl)) return NULL;
  if (c->transposed &&
      ((n = expand_ints(c->output_padding, c->nsp, 0, v)) < 0 ||
       expand_param(v, n, "output_padding", dim, op)))
    return NULL;
  if (dim > 3) return ct__err("ctorch: convolutions of more than 3 spatial dims are not supported");
  CT_OP_BEGIN();
  const ct_tensor *xin = x;
  if (same) {
    int64_t extra[6];
    bool asym;
    if (same_padding(w, dim, st, dl, pd, extra, &asym)) return ct__op_end(NULL);
    if (asym && !(xin = ct_pad(x, 2 * dim, extra, CT_PAD_CONSTANT, 0))) return ct__op_end(NULL);
  }
  if (check_shapes(xin, w, c, dim, st, pd, dl, op)) return ct__op_end(NULL);
  conv_geom g = {.nsp = dim, .groups = c->groups};
  int off = 3 - dim;
  for (int d = 0; d < 3; d++) g.S[d] = g.O[d] = g.K[d] = g.stride[d] = g.dil[d] = 1, g.pad[d] = 0;
  int64_t out[3] = {0};
  for (int i = 0; i < dim; i++) {
    int64_t in = xin->shape[2 + i], k = w->shape[2 + i];
    __int128 o = c->transposed
                     ? (__int128)(in - 1) * st[i] - 2 * (__int128)pd[i] + (__int128)dl[i] * (k - 1) + op[i] + 1
                     : ((__int128)in + 2 * (__int128)pd[i] - (__int128)dl[i] * (k - 1) - 1) / st[i] + 1;
    if (fit64(o, &out[i])) return ct__op_end(NULL);
    g.K[off + i] = k, g.stride[off + i] = st[i], g.pad[off + i] = pd[i], g.dil[off + i] = dl[i];
    g.S[off + i] = c->transposed ? out[i] : in;
    g.O[off + i] = c->transposed ? in : out[i];
  }
  if (c->transposed && check_transposed(xin, dim, st, dl, op, out)) return ct__op_end(NULL);
  for (int i = 0; i < dim; i++)
    if (xin->shape[2 + i] == 0)
      return ct__op_end(ct__err("Only zero batch or zero channel inputs are supported, but got "
                                "input shape: %s", SHP(0, xin->ndim, xin->shape)));
  if (check_dtypes(xin, w, c)) return ct__op_end(NULL);
  int64_t oshape[CT_MAX_DIMS] = {xin->shape[0], c->transposed ? w->shape[1] * c->groups : w->shape[0]};
  for (int i = 0; i < dim; i++) oshape[2 + i] = out[i];
  if (ct__check_numel(dim + 2, oshape)) return ct__op_end(NULL);
  ct_dtype dt = x->dtype;
  ct_tensor *r;
  if (ct_dtype_is_floating(dt)) {
    r = conv_apply(c->transposed ? CONVT : CONV, xin, w, c->bias, &g);
  } else { /* integers: computed in double (exact below 2^53), cast back */
    ct_tensor *xd = ct__contig_as(xin, CT_FLOAT64), *wd = ct__contig_as(w, CT_FLOAT64);
    ct_tensor *bd = c->bias ? ct__contig_as(c->bias, CT_FLOAT64) : NULL;
    r = xd && wd && (!c->bias || bd) ? conv_apply(c->transposed ? CONVT : CONV, xd, wd, bd, &g) : NULL;
    r = r ? ct_to(r, dt) : NULL;
  }
  return ct__op_end(r);
}

static ct_tensor *conv_call_run(const ct_tensor *x, const ct_tensor *w, const conv_call *c) {
  if (!x || !w) return NULL;
  int nsp = c->nsp;
  if (x->ndim != nsp + 1 && x->ndim != nsp + 2)
    return ct__err("Expected %dD (unbatched) or %dD (batched) input to %s, but got input of "
                   "size: %s", nsp + 1, nsp + 2, c->name, SHP(0, x->ndim, x->shape));
  if (x->ndim == nsp + 2) return conv_batched(x, w, c);
  CT_OP_BEGIN();
  ct_tensor *xb = ct_unsqueeze(x, 0);
  ct_tensor *r = xb ? conv_batched(xb, w, c) : NULL;
  return ct__op_end(r ? ct_squeeze_dim(r, 0) : NULL);
}

static ct_tensor *conv_nd(int nsp, const char *name, const ct_tensor *x, const ct_tensor *w,
                          ct_conv_opts o) {
  ct_dtype h = ct__half_enter(x, w, o.bias); /* float16 / bfloat16: in float32 (half_ops.c) */
  if ((int)h >= 0) {
    o.bias = ct__f32(o.bias);
    return ct__half_end(conv_nd(nsp, name, ct__f32(x), ct__f32(w), o), h);
  }
  conv_call c = {nsp, false, name, o.bias, o.stride, o.padding, o.dilation, {0}, o.padding_kind, o.groups};
  return conv_call_run(x, w, &c);
}

static ct_tensor *conv_transpose_nd(int nsp, const char *name, const ct_tensor *x,
                                    const ct_tensor *w, ct_conv_transpose_opts o) {
  ct_dtype h = ct__half_enter(x, w, o.bias);
  if ((int)h >= 0) {
    o.bias = ct__f32(o.bias);
    return ct__half_end(conv_transpose_nd(nsp, name, ct__f32(x), ct__f32(w), o), h);
  }
  conv_call c = {nsp, true, name, o.bias, o.stride, o.padding, o.dilation, o.output_padding,
                 CT_PADDING_EXPLICIT, o.groups};
  return conv_call_run(x, w, &c);
}

ct_tensor *ct_conv1d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o) {
  return conv_nd(1, "conv1d", x, w, o);
}
ct_tensor *ct_conv2d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o) {
  return conv_nd(2, "conv2d", x, w, o);
}
ct_tensor *ct_conv3d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_opts o) {
  return conv_nd(3, "conv3d", x, w, o);
}
ct_tensor *ct_conv_transpose1d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o) {
  return conv_transpose_nd(1, "conv_transpose1d", x, w, o);
}
ct_tensor *ct_conv_transpose2d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o) {
  return conv_transpose_nd(2, "conv_transpose2d", x, w, o);
}
ct_tensor *ct_conv_transpose3d_ex(const ct_tensor *x, const ct_tensor *w, ct_conv_transpose_opts o) {
  return conv_transpose_nd(3, "conv_transpose3d", x, w, o);
}
