/* Averaging pools: F.avg_pool1d/2d/3d, F.adaptive_avg_pool1d/2d/3d and the composed
 * F.lp_pool1d/2d, with PyTorch 1.13's shapes, messages and grad_fn names. The forward and
 * its backward are both linear maps through the same windows, each the other's adjoint:
 * avg_pool's backward is a primitive whose own gradient is avg_pool again, so double (and
 * further) backward works. */
#include "pool.h"

#include <math.h>

/* What both directions need to rebuild the windows: the other side's shape comes from the
 * tensor at hand (the input's shape from the node, the output's from g). */
typedef struct {
  int nsp;
  bool adaptive, count_pad;
  int64_t k[3], s[3], p[3];
  int64_t divisor; /* 0: by the window counts */
} avg_args;
CT_ARGS_TYPE(avg_args, NULL);

static ct_tensor *avg_fwd(const ct_tensor *x, const avg_args *a, const int64_t *out3);
static ct_tensor *avg_back(const ct_tensor *g, const avg_args *a, int ndim, const int64_t *in_shape);

static const char *const g_names[2][2][2] = {
    {{"AvgPool2DBackward0", "AvgPool3DBackward0"},
     {"AvgPool2DBackwardBackward0", "AvgPool3DBackwardBackward0"}},
    {{"AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool3DBackward0"},
     {"AdaptiveAvgPool2DBackwardBackward0", "AdaptiveAvgPool3DBackwardBackward0"}}};

static int avg_win(pool_win *w, const avg_args *a, const int64_t *in3, const int64_t *out3) {
  if (ct__pool_win_alloc(w, in3, out3, true)) return -1;
  for (int j = 0; j < 3; j++) {
    if (a->adaptive) ct__pool_win_adaptive(w, j);
    else ct__pool_win_sliding(w, j, a->k[j], a->s[j], a->p[j], 1, a->count_pad);
  }
  return 0;
}

/* y = avg(x): gx = avg_back(g) (the windows' adjoint). */
static void avg_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = avg_back(g[0], CT_ARGS(n, avg_args), n->in[0].ndim, n->in[0].shape);
}

/* gx = avg_back(g): ggrad = avg(gg) with g's spatial sizes. */
static void avg_back_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const avg_args *a = CT_ARGS(n, avg_args);
  int64_t out3[3];
  ct__spatial3(n->in[0].ndim, n->in[0].shape, a->nsp, out3);
  gi[0] = avg_fwd(g[0], a, out3);
}

static ct_tensor *record(ct_tensor *out, const ct_tensor *in, const avg_args *a, bool back) {
  ct_node *n = ct__node_new(g_names[a->adaptive][back][a->nsp == 3],
                            back ? avg_back_backward : avg_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)in}, 1);
  if (n) {
    *CT_NEW_ARGS(n, avg_args) = *a;
    ct__set_history(out, n, 0);
  }
  return out;
}

/* x (lead..., in) -> y (lead..., out3's last nsp) */
static ct_tensor *avg_fwd(const ct_tensor *x, const avg_args *a, const int64_t *out3) {
  int nd = x->ndim, nsp = a->nsp;
  int64_t shape[CT_MAX_DIMS], in3[3];
  if (ct__resampled_shape(x, nsp, out3, shape, in3)) return NULL;
  pool_win w;
  if (avg_win(&w, a, in3, out3)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xc = ct__contig_as(x, x->dtype), *y = xc ? ct__empty(x->dtype, nd, shape) : NULL;
  if (y) ct__pool_avg_kernel(xc, y, ct__numel_of(nd - nsp, x->shape), &w, a->divisor, a->adaptive);
  ct__pool_win_free(&w);
  return ct__op_end(y ? record(y, x, a, false) : NULL);
}

/* g (lead..., out) -> gx (in_shape) */
static ct_tensor *avg_back(const ct_tensor *g, const avg_args *a, int ndim, const int64_t *in_shape) {
  int64_t in3[3], out3[3];
  ct__spatial3(ndim, in_shape, a->nsp, in3);
  ct__spatial3(g->ndim, g->shape, a->nsp, out3);
  pool_win w;
  if (avg_win(&w, a, in3, out3)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *gc = ct__contig_as(g, g->dtype), *gx = gc ? ct__empty(g->dtype, ndim, in_shape) : NULL;
  if (gx)
    ct__pool_avg_back_kernel(gc, gx, ct__numel_of(g->ndim - a->nsp, g->shape), &w, a->divisor,
                             a->adaptive);
  ct__pool_win_free(&w);
  return ct__op_end(gx ? record(gx, g, a, true) : NULL);
}

/* ---- F.avg_pool2d / 3d ------------------------------------------------------------------ */
static ct_tensor *avg_pool_nd(int nsp, const ct_tensor *x, ct_ints kernel, ct_avg_pool_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(avg_pool_nd(nsp, ct__f32(x), kernel, o), h);
  if (!x) return NULL;
  pool_geom g;
  if (ct__pool_sliding_geom(nsp == 3 ? "avg_pool3d" : "avg_pool2d", nsp, x, kernel, o.stride,
                            o.padding, CT_INTS(1), o.ceil_mode, true, o.divisor_override, &g) ||
      ct__pool_check_float(nsp == 3 ? "avg_pool3d_out_frame" : "avg_pool2d_out_frame", x))
    return NULL;
  avg_args a = {.nsp = nsp, .count_pad = o.count_include_pad,
                .divisor = o.divisor_override == CT_NONE ? 0 : o.divisor_override};
  memcpy(a.k, g.k, sizeof a.k);
  memcpy(a.s, g.s, sizeof a.s);
  memcpy(a.p, g.p, sizeof a.p);
  return avg_fwd(x, &a, g.out);
}

ct_tensor *ct_avg_pool2d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o) {
  return avg_pool_nd(2, x, kernel_size, o);
}
ct_tensor *ct_avg_pool3d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o) {
  return avg_pool_nd(3, x, kernel_size, o);
}

/* checkDimRange(op, self, 2, 4), as PyTorch's 1d composites run it */
static int check_1d_input(const char *op, const ct_tensor *x) {
  if (x->ndim == 2 || x->ndim == 3) return 0;
  return ct__errs("Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 "
                  "'self' (while checking arguments for %s)", x->ndim, op);
}

/* avg_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p)).squeeze(-2) */
ct_tensor *ct_avg_pool1d_ex(const ct_tensor *x, ct_ints kernel_size, ct_avg_pool_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_avg_pool1d_ex(ct__f32(x), kernel_size, o), h);
  if (!x) return NULL;
  if (o.divisor_override != CT_NONE)
    return ct__err("avg_pool1d() got an unexpected keyword argument 'divisor_override'");
  if (check_1d_input("avg_pool1d", x) || ct__pool_check1d("avg_pool1d", "kernel_size", kernel_size, false) ||
      ct__pool_check1d("avg_pool1d", "stride", o.stride, true) ||
      ct__pool_check1d("avg_pool1d", "padding", o.padding, true))
    return NULL;
  int64_t k = kernel_size.v[0], s = o.stride.n ? o.stride.v[0] : k, p = o.padding.n ? o.padding.v[0] : 0;
  CT_OP_BEGIN();
  ct_tensor *xu = ct_unsqueeze(x, -2);
  ct_tensor *y = xu ? ct_avg_pool2d(xu, CT_INTS(1, k), .stride = CT_INTS(1, s),
                                    .padding = CT_INTS(0, p), .ceil_mode = o.ceil_mode,
                                    .count_include_pad = o.count_include_pad)
                    : NULL;
  return ct__op_end(y ? ct_squeeze_dim(y, -2) : NULL);
}

/* ---- F.adaptive_avg_pool1d/2d/3d ----------------------------------------------------------- */
static ct_tensor *adaptive_avg_nd(int nsp, const ct_tensor *x, ct_ints os) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(adaptive_avg_nd(nsp, ct__f32(x), os), h);
  if (!x) return NULL;
  const char *op = nsp == 3 ? "adaptive_avg_pool3d" : "adaptive_avg_pool2d";
  int64_t out[3];
  if (!ct__pool_ints(os, nsp, NULL, out))
    return ct__err("%s: output_size must be %d", op, nsp);
  int64_t out3[3] = {1, 1, 1};
  bool ones = true, neg = false;
  for (int j = 0; j < nsp; j++) {
    if (out[j] == CT_NONE && x->ndim >= nsp) out[j] = x->shape[x->ndim - nsp + j];
    out3[3 - nsp + j] = out[j];
    ones &= out[j] == 1;
    neg |= out[j] < 0;
  }
  if (neg) /* PyTorch's 3d message reuses the 2d text */
    return nsp == 2 ? ct__err("adaptive_avg_pool2d: elements of output_size must be greater than "
                              "or equal to 0 but received {%lld, %lld}", (long long)out[0], (long long)out[1])
                    : ct__err("adaptive_avg_pool2d: elements of output_size must be greater than "
                              "or equal to 0 but received {%lld, %lld,%lld}", (long long)out[0],
                              (long long)out[1], (long long)out[2]);
  if (ones) /* PyTorch 1.13 takes the mean over the spatial dims (grad_fn MeanBackward1) */
    return nsp == 2 ? ct_mean(x, .dim = CT_DIMS(-1, -2), .keepdim = true)
                    : ct_mean(x, .dim = CT_DIMS(-1, -2, -3), .keepdim = true);
  if (x->ndim != nsp + 1 && x->ndim != nsp + 2)
    return ct__err("%s(): Expected %dD or %dD tensor, but got %s", op, nsp + 1, nsp + 2,
                   SHP(0, x->ndim, x->shape));
  for (int i = 1; i < x->ndim; i++)
    if (x->shape[i] == 0)
      return ct__err("%s(): Expected input to have non-zero size for non-batch dimensions, but "
                     "input has sizes %s with dimension %d being empty", op,
                     SHP(0, x->ndim, x->shape), i);
  if (ct__pool_check_float(nsp == 3 ? "adaptive_avg_pool3d_cpu" : op, x)) return NULL;
  avg_args a = {.nsp = nsp, .adaptive = true};
  return avg_fwd(x, &a, out3);
}

ct_tensor *ct_adaptive_avg_pool2d(const ct_tensor *x, ct_ints output_size) {
  return adaptive_avg_nd(2, x, output_size);
}
ct_tensor *ct_adaptive_avg_pool3d(const ct_tensor *x, ct_ints output_size) {
  return adaptive_avg_nd(3, x, output_size);
}

/* adaptive_avg_pool2d(x.unsqueeze(-2), (1, o)).squeeze(-2) */
ct_tensor *ct_adaptive_avg_pool1d(const ct_tensor *x, ct_ints output_size) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_adaptive_avg_pool1d(ct__f32(x), output_size), h);
  if (!x) return NULL;
  if (check_1d_input("adaptive_avg_pool1d", x) ||
      ct__pool_check1d("adaptive_avg_pool1d", "output_size", output_size, false))
    return NULL;
  int64_t o = output_size.v[0] == CT_NONE ? x->shape[x->ndim - 1] : output_size.v[0];
  CT_OP_BEGIN();
  ct_tensor *xu = ct_unsqueeze(x, -2);
  ct_tensor *y = xu ? adaptive_avg_nd(2, xu, CT_INTS(1, o)) : NULL;
  return ct__op_end(y ? ct_squeeze_dim(y, -2) : NULL);
}

/* ---- F.lp_pool1d/2d (composed, as torch/nn/functional.py 1.13) -------------------------------- */
/* (sign(out) * relu(|out|) * prod(kernel)) ^ (1 / p), out = avg_pool(x ^ p) */
static ct_tensor *lp_finish(ct_tensor *out, double norm_type, double kprod) {
  if (!out) return NULL;
  ct_tensor *m = ct_mul(ct_sign(out), ct_relu(ct_abs(out)));
  return ct_pow_scalar(ct_mul_scalar(m, kprod), 1.0 / norm_type);
}

ct_tensor *ct_lp_pool1d_ex(const ct_tensor *x, double norm_type, ct_ints kernel_size,
                           ct_lp_pool_opts o) {
  if (!x) return NULL;
  CT_OP_BEGIN();
  ct_tensor *out = ct_avg_pool1d(ct_pow_scalar(x, norm_type), kernel_size, .stride = o.stride,
                                 .ceil_mode = o.ceil_mode);
  return ct__op_end(lp_finish(out, norm_type, (double)kernel_size.v[0]));
}

ct_tensor *ct_lp_pool2d_ex(const ct_tensor *x, double norm_type, ct_ints kernel_size,
                           ct_lp_pool_opts o) {
  if (!x) return NULL;
  CT_OP_BEGIN();
  ct_tensor *out = ct_avg_pool2d(ct_pow_scalar(x, norm_type), kernel_size, .stride = o.stride,
                                 .ceil_mode = o.ceil_mode);
  double kp = kernel_size.n == 1 ? (double)kernel_size.v[0] * (double)kernel_size.v[0]
                                 : (double)kernel_size.v[0] * (double)kernel_size.v[1];
  return ct__op_end(lp_finish(out, norm_type, kp));
}
