/* Max-like pools: F.max_pool1d/2d/3d, F.adaptive_max_pool1d/2d/3d and
 * F.fractional_max_pool2d/3d, with PyTorch 1.13's shapes, messages and grad_fn names. Each
 * finds the max of every window and its flat index in the plane; the gradient of all three
 * is the scatter of g by those indices (pool.c), whose own gradient is a gather, so double
 * backward works. 1d pools run as 2d pools over x.unsqueeze(-2), as in PyTorch 1.13. */
#include "pool.h"

#include <math.h>

typedef struct {
  int nsp;
  const char *bwbw; /* the scatter's grad_fn name: MaxPool2DWithIndicesBackwardBackward0 ... */
} maxlike_args;
CT_ARGS_TYPE(maxlike_args, NULL);

/* y, ind = maxpool(x): gx = scatter(g, ind) into x's shape. saved: ind. */
static void maxlike_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *ind = ct__saved(n, 0);
  if (!ind) return;
  const maxlike_args *a = CT_ARGS(n, maxlike_args);
  gi[0] = ct__pool_index_scatter(g[0], ind, n->in[0].ndim, n->in[0].shape, a->nsp, a->bwbw);
}

/* fills y, ind (ind may be NULL) from the contiguous x, plane by plane */
typedef void (*maxlike_fn)(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t planes,
                           const void *ctx);

static void win_kernel(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t planes,
                       const void *ctx) {
  ct__pool_max_kernel(x, y, ind, planes, ctx);
}

/* x (lead..., spatial nsp) -> y, ind (lead..., out) through fn; name: the node's grad_fn */
static ct_tensor_pair maxlike_run(const ct_tensor *x, int nsp, const int64_t *out, bool want_ind,
                                  const char *name, const char *bwbw, maxlike_fn fn,
                                  const void *ctx) {
  int nd = x->ndim;
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, x->shape, sizeof shape);
  memcpy(shape + nd - nsp, out, sizeof(int64_t) * (size_t)nsp);
  if (ct__check_shape(nd, shape)) return (ct_tensor_pair){0};
  CT_OP_BEGIN();
  bool rec = ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)x});
  ct_tensor *xc = ct__contig_as(x, x->dtype), *y = xc ? ct__empty(x->dtype, nd, shape) : NULL;
  ct_tensor *ind = y && (want_ind || rec) ? ct__empty(CT_INT64, nd, shape) : NULL;
  if (!y || ((want_ind || rec) && !ind)) return (ct_tensor_pair){NULL, ct__op_end(NULL)};
  fn(xc, y, ind, ct__numel_of(nd - nsp, x->shape), ctx);
  ct_node *n = ct__node_new(name, maxlike_backward, 1, (ct_tensor *const[]){(ct_tensor *)x}, 1);
  if (n) {
    *CT_NEW_ARGS(n, maxlike_args) = (maxlike_args){nsp, bwbw};
    ct__save(n, ind, false);
    ct__set_history(y, n, 0);
  }
  ct_keep(y);
  return (ct_tensor_pair){y, ct__op_end(want_ind ? ind : NULL)};
}

/* ---- F.max_pool2d / 3d ---------------------------------------------------------------------- */
/* max pool through the checked geometry g */
static ct_tensor_pair max_pool_run(const ct_tensor *x, int nsp, const pool_geom *g, bool want_ind) {
  pool_win w;
  if (ct__pool_win_alloc(&w, g->in, g->out, false)) return (ct_tensor_pair){0};
  for (int j = 0; j < 3; j++) ct__pool_win_sliding(&w, j, g->k[j], g->s[j], g->p[j], g->d[j], false);
  ct_tensor_pair r =
      maxlike_run(x, nsp, g->out + 3 - nsp, want_ind,
                  nsp == 3 ? "MaxPool3DWithIndicesBackward0" : "MaxPool2DWithIndicesBackward0",
                  nsp == 3 ? "MaxPool3DWithIndicesBackwardBackward0"
                           : "MaxPool2DWithIndicesBackwardBackward0",
                  win_kernel, &w);
  ct__pool_win_free(&w);
  return r;
}

static ct_tensor_pair max_pool_nd(int nsp, const ct_tensor *x, ct_ints kernel, ct_max_pool_opts o,
                                  bool want_ind) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(max_pool_nd(nsp, ct__f32(x), kernel, o, want_ind), h);
  if (!x) return (ct_tensor_pair){0};
  pool_geom g;
  const char *op = nsp == 3 ? "max_pool3d" : "max_pool2d";
  if (ct__pool_sliding_geom(op, nsp, x, kernel, o.stride, o.padding, o.dilation, o.ceil_mode, false, CT_NONE, &g) ||
      ct__pool_check_float(nsp == 3 ? "max_pool3d_with_indices_cpu" : "max_pool2d", x))
    return (ct_tensor_pair){0};
  return max_pool_run(x, nsp, &g, want_ind);
}

ct_tensor *ct_max_pool2d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o) {
  return max_pool_nd(2, x, kernel_size, o, false).values;
}
ct_tensor *ct_max_pool3d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o) {
  return max_pool_nd(3, x, kernel_size, o, false).values;
}
ct_tensor_pair ct_max_pool2d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o) {
  return max_pool_nd(2, x, kernel_size, o, true);
}
ct_tensor_pair ct_max_pool3d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o) {
  return max_pool_nd(3, x, kernel_size, o, true);
}

/* ---- F.max_pool1d ---------------------------------------------------------------------------- */

/* x (N?, C, L) -> pool2d over x.unsqueeze(-2) -> squeeze(-2), as max_pool1d_with_indices */
static ct_tensor_pair unsqueezed_2d(const ct_tensor *x, ct_tensor_pair (*f2)(const ct_tensor *, const void *),
                                    const void *ctx) {
  CT_OP_BEGIN();
  ct_tensor *xu = ct_unsqueeze(x, -2);
  ct_tensor_pair r = xu ? f2(xu, ctx) : (ct_tensor_pair){0};
  ct_tensor *v = r.values ? ct_squeeze_dim(r.values, -2) : NULL;
  ct_tensor *i = r.indices ? ct_squeeze_dim(r.indices, -2) : NULL;
  ct_keep(v);
  return (ct_tensor_pair){v, ct__op_end(i)};
}

typedef struct {
  int64_t k, s, p, d;
  bool ceil, want_ind;
} mp1_ctx;

static ct_tensor_pair mp1_via_2d(const ct_tensor *xu, const void *ctx) {
  const mp1_ctx *c = ctx;
  return max_pool_nd(2, xu, CT_INTS(1, c->k),
                     (ct_max_pool_opts){CT_INTS(1, c->s), CT_INTS(0, c->p), CT_INTS(1, c->d), c->ceil},
                     c->want_ind);
}

/* max_pool1d_impl's checks (no gradient wanted, no indices): an empty result is allowed */
static int mp1_impl_geom(const ct_tensor *x, const mp1_ctx *c, pool_geom *g) {
  if (c->k <= 0) return ct__errs("max_pool1d() kernel_size must be greater than zero, but got %lld", (long long)c->k);
  if (c->s <= 0) return ct__errs("max_pool1d() stride must be greater than zero, but got %lld", (long long)c->s);
  if (c->p < 0) return ct__errs("max_pool1d() padding must be non-negative, but got %lld", (long long)c->p);
  if (c->p > c->k / 2)
    return ct__errs("max_pool1d() padding should be at most half of kernel size, but got "
                    "padding=%lld and kernel_size=%lld", (long long)c->p, (long long)c->k);
  if (c->d <= 0) return ct__errs("max_pool1d() dilation must be greater than zero, but got %lld", (long long)c->d);
  int64_t L = x->shape[x->ndim - 1], o;
  if (ct__pool_out_size(L, c->k, c->p, c->s, c->d, c->ceil, &o)) return -1;
  if (o < 0) return ct__errs("max_pool1d() Invalid computed output size: %lld", (long long)o);
  *g = (pool_geom){{1, 1, c->k}, {1, 1, c->s}, {0, 0, c->p}, {1, 1, c->d}, {1, 1, L}, {1, 1, o}, 0};
  return 0;
}

static ct_tensor_pair max_pool1d(const ct_tensor *x, ct_ints kernel, ct_max_pool_opts o, bool want_ind) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(max_pool1d(ct__f32(x), kernel, o, want_ind), h);
  if (!x) return (ct_tensor_pair){0};
  int nd = x->ndim;
  bool ok = (nd == 2 && x->shape[0] && x->shape[1]) || (nd == 3 && x->shape[1] && x->shape[2]);
  if (!ok) {
    ct__err("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
            "input, but got:%s", SHP(0, nd, x->shape));
    return (ct_tensor_pair){0};
  }
  bool grad = ct__any_requires_grad(1, (ct_tensor *const[]){(ct_tensor *)x});
  if (want_ind || grad) { /* max_pool1d_with_indices: check1d, then the 2d kernel */
    if (ct__pool_check1d("max_pool1d", "kernel_size", kernel, false) ||
        ct__pool_check1d("max_pool1d", "stride", o.stride, true) ||
        ct__pool_check1d("max_pool1d", "padding", o.padding, true) ||
        ct__pool_check1d("max_pool1d", "dilation", o.dilation, true))
      return (ct_tensor_pair){0};
  } else {
    static const char *const what[] = {"kernel_size must be an int, list of ints or tuple of ints",
                                       "stride must be None, an int, list of ints, or tuple of ints",
                                       "padding must be an int, list of ints, or tuple of ints",
                                       "dilation must be an int, list of ints or tuple of ints"};
    ct_ints v[4] = {kernel, o.stride, o.padding, o.dilation};
    for (int i = 0; i < 4; i++)
      if (v[i].n != 1 && !(i > 0 && v[i].n == 0)) {
        ct__err("max_pool1d() %s of size 1 but got size %d", what[i], v[i].n);
        return (ct_tensor_pair){0};
      }
  }
  mp1_ctx c = {kernel.v[0], o.stride.n ? o.stride.v[0] : kernel.v[0],
               o.padding.n ? o.padding.v[0] : 0, o.dilation.n ? o.dilation.v[0] : 1, o.ceil_mode,
               want_ind};
  if (ct__pool_int32(4, (int64_t[]){c.k, c.s, c.p, c.d})) return (ct_tensor_pair){0};
  if (want_ind || grad) return unsqueezed_2d(x, mp1_via_2d, &c);
  pool_geom g;
  if (mp1_impl_geom(x, &c, &g) || ct__pool_check_float("max_pool1d_impl", x)) return (ct_tensor_pair){0};
  CT_OP_BEGIN();
  ct_tensor *xu = ct_unsqueeze(x, -2);
  ct_tensor_pair r = xu ? max_pool_run(xu, 2, &g, false) : (ct_tensor_pair){0};
  return (ct_tensor_pair){ct__op_end(r.values ? ct_squeeze_dim(r.values, -2) : NULL), NULL};
}

ct_tensor *ct_max_pool1d_ex(const ct_tensor *x, ct_ints kernel_size, ct_max_pool_opts o) {
  return max_pool1d(x, kernel_size, o, false).values;
}
ct_tensor_pair ct_max_pool1d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                             ct_max_pool_opts o) {
  return max_pool1d(x, kernel_size, o, true);
}

/* ---- F.adaptive_max_pool1d/2d/3d ------------------------------------------------------------- */
static ct_tensor_pair adaptive_max_nd(int nsp, const ct_tensor *x, ct_ints os, bool want_ind) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(adaptive_max_nd(nsp, ct__f32(x), os, want_ind), h);
  if (!x) return (ct_tensor_pair){0};
  const char *op = nsp == 3 ? "adaptive_max_pool3d" : "adaptive_max_pool2d";
  if (x->ndim != nsp + 1 && x->ndim != nsp + 2) {
    ct__err("%s(): Expected %dD or %dD tensor, but got: %s", op, nsp + 1, nsp + 2,
            SHP(0, x->ndim, x->shape));
    return (ct_tensor_pair){0};
  }
  for (int i = 1; i < x->ndim; i++)
    if (x->shape[i] == 0) {
      ct__err("%s(): Expected input to have non-zero size for non-batch dimensions, but input has "
              "sizes %s with dimension %d being empty", op, SHP(0, x->ndim, x->shape), i);
      return (ct_tensor_pair){0};
    }
  int64_t out[3];
  if (!ct__pool_ints(os, nsp, NULL, out)) {
    ct__err("%s(): internal error: output_size.size() must be %d", op, nsp);
    return (ct_tensor_pair){0};
  }
  int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1};
  for (int j = 0; j < nsp; j++) {
    in3[3 - nsp + j] = x->shape[x->ndim - nsp + j];
    out3[3 - nsp + j] = out[j] == CT_NONE ? in3[3 - nsp + j] : out[j];
  }
  if (ct__pool_check_float(nsp == 3 ? "adaptive_max_pool3d_cpu" : op, x)) return (ct_tensor_pair){0};
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, x->shape, sizeof shape);
  memcpy(shape + x->ndim - nsp, out3 + 3 - nsp, sizeof(int64_t) * (size_t)nsp);
  for (int j = 0; j < 3; j++)
    if (out3[j] < 0) {
      ct__err("Trying to create tensor with negative dimension %lld: %s", (long long)out3[j],
              SHP(0, x->ndim, shape));
      return (ct_tensor_pair){0};
    }
  pool_win w;
  if (ct__check_shape(x->ndim, shape) || ct__pool_win_alloc(&w, in3, out3, false))
    return (ct_tensor_pair){0};
  for (int j = 0; j < 3; j++) ct__pool_win_adaptive(&w, j);
  ct_tensor_pair r = maxlike_run(
      x, nsp, out3 + 3 - nsp, want_ind,
      nsp == 3 ? "AdaptiveMaxPool3DBackward0" : "AdaptiveMaxPool2DBackward0",
      nsp == 3 ? "AdaptiveMaxPool3DBackwardBackward0" : "AdaptiveMaxPool2DBackwardBackward0",
      win_kernel, &w);
  ct__pool_win_free(&w);
  return r;
}

typedef struct {
  int64_t o;
  bool want_ind;
} amp1_ctx;
static ct_tensor_pair amp1_via_2d(const ct_tensor *xu, const void *ctx) {
  const amp1_ctx *c = ctx;
  return adaptive_max_nd(2, xu, CT_INTS(1, c->o), c->want_ind);
}

static ct_tensor_pair adaptive_max_1d(const ct_tensor *x, ct_ints os, bool want_ind) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end_pair(adaptive_max_1d(ct__f32(x), os, want_ind), h);
  if (!x) return (ct_tensor_pair){0};
  if (x->ndim != 2 && x->ndim != 3) {
    ct__err("Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' "
            "(while checking arguments for adaptive_max_pool1d)", x->ndim);
    return (ct_tensor_pair){0};
  }
  if (ct__pool_check1d("adaptive_max_pool1d", "output_size", os, false)) return (ct_tensor_pair){0};
  amp1_ctx c = {os.v[0] == CT_NONE ? x->shape[x->ndim - 1] : os.v[0], want_ind};
  return unsqueezed_2d(x, amp1_via_2d, &c);
}

ct_tensor *ct_adaptive_max_pool1d(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_1d(x, output_size, false).values;
}
ct_tensor *ct_adaptive_max_pool2d(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_nd(2, x, output_size, false).values;
}
ct_tensor *ct_adaptive_max_pool3d(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_nd(3, x, output_size, false).values;
}
ct_tensor_pair ct_adaptive_max_pool1d_with_indices(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_1d(x, output_size, true);
}
ct_tensor_pair ct_adaptive_max_pool2d_with_indices(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_nd(2, x, output_size, true);
}
ct_tensor_pair ct_adaptive_max_pool3d_with_indices(const ct_tensor *x, ct_ints output_size) {
  return adaptive_max_nd(3, x, output_size, true);
}

/* ---- F.fractional_max_pool2d/3d ------------------------------------------------------------- */
typedef struct {
  const ct_tensor *samples; /* (N, C, >= nsp) contiguous, x's dtype */
  int nsp;
  int64_t C, pool[3], in[3], out[3];
} frac_ctx;

/* PyTorch's generate_intervals, in the sample's precision: window starts of one dim */
static void frac_intervals(double u, bool f32, int64_t I, int64_t O, int64_t k, int64_t *lo) {
  if (O > 1) {
    if (f32) {
      float a = (float)(I - k) / (float)(O - 1), uf = (float)u;
      for (int64_t i = 0; i < O - 1; i++) lo[i] = (int64_t)(int)(((float)i + uf) * a) - (int)(uf * a);
    } else {
      double a = (double)(I - k) / (double)(O - 1);
      for (int64_t i = 0; i < O - 1; i++) lo[i] = (int64_t)(int)(((double)i + u) * a) - (int)(u * a);
    }
  }
  if (O > 0) lo[O - 1] = I - k;
}

/* x (planes, in) -> y, ind (planes, out): each plane's windows start at its sample's
 * intervals; the samples of plane p are samples[p][0..nsp) ((W, H) for 2d, (T, H, W) for 3d) */
static void frac_kernel(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t planes,
                        const void *ctx) {
  const frac_ctx *c = ctx;
  int64_t S = c->samples->shape[2];
  bool f32 = x->dtype == CT_FLOAT32;
#pragma omp parallel if (planes > 1 && planes * c->in[0] * c->in[1] * c->in[2] >= CT_GRAIN)
  {
    pool_win w;
    if (ct__pool_win_alloc(&w, c->in, c->out, false) == 0) {
#pragma omp for schedule(static)
      for (int64_t p = 0; p < planes; p++) {
        int64_t off = p * S; /* contiguous (N, C, S): plane p = n * C + c */
        for (int j = 0; j < 3; j++) {
          int s = c->nsp == 2 ? (j == 2 ? 0 : 1) : j; /* 2d: sample 0 drives W, 1 drives H */
          double u = f32 ? CT_PTR(c->samples, float)[off + s] : CT_PTR(c->samples, double)[off + s];
          if (j < 3 - c->nsp) {
            w.lo[j][0] = 0;
            w.hi[j][0] = 1;
            continue;
          }
          frac_intervals(u, f32, c->in[j], c->out[j], c->pool[j], w.lo[j]);
          for (int64_t o = 0; o < c->out[j]; o++) w.hi[j][o] = w.lo[j][o] + c->pool[j];
        }
        ct__pool_max_plane(x, y, ind, p, &w);
      }
      ct__pool_win_free(&w);
    }
  }
}

static ct_tensor_pair frac_nd(int nsp, const ct_tensor *x, ct_ints kernel,
                              ct_fractional_max_pool_opts o, bool want_ind) {
  ct_dtype h = ct__half_enter(x, o.random_samples, NULL);
  if ((int)h >= 0) {
    o.random_samples = ct__f32(o.random_samples);
    return ct__half_end_pair(frac_nd(nsp, ct__f32(x), kernel, o, want_ind), h);
  }
  ct_tensor_pair fail = {0};
  if (!x) return fail;
  const char *op = nsp == 3 ? "fractional_max_pool3d_out" : "fractional_max_pool2d";
  int64_t k[3], os[3];
  if (o.output_size.n == 0 && o.output_ratio[0] == 0) {
    ct__err("fractional_max_pool%dd requires specifying either an output_size or an "
            "output_ratio", nsp);
    return fail;
  }
  if (x->ndim < nsp + 1 && (!o.output_size.n || !o.random_samples)) { /* Python's input.size(-3) */
    ct__wrap_dim(-nsp - 1, x->ndim);
    return fail;
  }
  if (o.output_size.n == 0)
    for (int j = 0; j < nsp; j++) {
      double r = j > 0 && o.output_ratio[j] == 0 ? o.output_ratio[0] : o.output_ratio[j];
      os[j] = (int64_t)((double)x->shape[x->ndim - nsp + j] * r);
    }
  if (!ct__pool_ints(kernel, nsp, NULL, k)) {
    ct__err("fractional_max_pool%dd: kernel_size must either be a single Int or tuple of %sInts",
            nsp, nsp == 3 ? "three " : "");
    return fail;
  }
  if (o.output_size.n && !ct__pool_ints(o.output_size, nsp, NULL, os)) {
    ct__err("fractional_max_pool%dd: output_size must either be a single Int or tuple of %sInts",
            nsp, nsp == 3 ? "three " : "");
    return fail;
  }
  if (x->ndim != nsp + 1 && x->ndim != nsp + 2) {
    ct__err("%s(): Expected %dD or %dD tensor, but got: %s", op, nsp + 1, nsp + 2,
            SHP(0, x->ndim, x->shape));
    return fail;
  }
  for (int i = 1; i < x->ndim; i++)
    if (x->shape[i] == 0) {
      ct__err("%s(): Expected input to have non-zero size for non-batch dimensions, but got%s "
              "with dimension %d being empty.", op, SHP(0, x->ndim, x->shape), i);
      return fail;
    }
  frac_ctx c = {.nsp = nsp, .C = x->shape[x->ndim - nsp - 1]};
  static const char *const dn[2][3] = {{"time", "height", "width"}, {"", "height", "width"}};
  for (int j = 0; j < 3; j++) {
    int s = j - (3 - nsp);
    c.in[j] = s >= 0 ? x->shape[x->ndim - nsp + s] : 1;
    c.out[j] = s >= 0 ? os[s] : 1;
    c.pool[j] = s >= 0 ? k[s] : 1;
  }
  for (int j = 3 - nsp; j < 3; j++) /* PyTorch checks H before W in 2d, T, H, W in 3d */
    if (c.out[j] + c.pool[j] - 1 > c.in[j]) {
      const char *d = dn[nsp == 2][j];
      ct__err("%s(): pool %s %lld too large relative to input %s %lld", op, d,
              (long long)c.pool[j], d, (long long)c.in[j]);
      return fail;
    }
  for (int j = 0; j < 3; j++)
    if (c.out[j] < 0 || c.pool[j] < 0) {
      ct__err("%s(): output_size and kernel_size must be non-negative", op);
      return fail;
    }
  if (ct__pool_check_float(nsp == 3 ? "fractional_max_pool3d_out_frame" : "fractional_max_pool2d_out_frame", x))
    return fail;
  int64_t N = x->ndim == nsp + 2 ? x->shape[0] : 1;
  CT_OP_BEGIN();
  const ct_tensor *rs = o.random_samples;
  if (!rs) rs = ct_rand_ex(3, (int64_t[]){N, c.C, nsp}, CT_TENSOR_OPTS(.dtype = x->dtype));
  else if (rs->dtype != x->dtype)
    rs = ct__err("expected scalar type %s but found %s", ct__dtype_short(x->dtype),
                 ct__dtype_short(rs->dtype));
  /* more rows than the batch are unused: PyTorch reads only the first N (the unbatched
   * FractionalMaxPool3d tests of its common_nn pass (2, C, 3) for one sample) */
  else if (rs->ndim != 3 || rs->shape[0] < N || rs->shape[1] != c.C || rs->shape[2] < nsp)
    rs = ct__err("fractional_max_pool%dd: _random_samples must have shape (%lld, %lld, %d), "
                 "got %s", nsp, (long long)N, (long long)c.C, nsp, SHP(0, rs->ndim, rs->shape));
  c.samples = rs ? ct__contig_as(rs, rs->dtype) : NULL;
  if (!c.samples) return (ct_tensor_pair){NULL, ct__op_end(NULL)};
  ct_tensor_pair r = maxlike_run(
      x, nsp, c.out + 3 - nsp, want_ind,
      nsp == 3 ? "FractionalMaxPool3DBackward0" : "FractionalMaxPool2DBackward0",
      nsp == 3 ? "FractionalMaxPool3DBackwardBackward0" : "FractionalMaxPool2DBackwardBackward0",
      frac_kernel, &c);
  ct_keep(r.values);
  return (ct_tensor_pair){r.values, ct__op_end(r.indices)};
}

ct_tensor *ct_fractional_max_pool2d_ex(const ct_tensor *x, ct_ints kernel_size,
                                       ct_fractional_max_pool_opts o) {
  return frac_nd(2, x, kernel_size, o, false).values;
}
ct_tensor *ct_fractional_max_pool3d_ex(const ct_tensor *x, ct_ints kernel_size,
                                       ct_fractional_max_pool_opts o) {
  return frac_nd(3, x, kernel_size, o, false).values;
}
ct_tensor_pair ct_fractional_max_pool2d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                                        ct_fractional_max_pool_opts o) {
  return frac_nd(2, x, kernel_size, o, true);
}
ct_tensor_pair ct_fractional_max_pool3d_with_indices_ex(const ct_tensor *x, ct_ints kernel_size,
                                                        ct_fractional_max_pool_opts o) {
  return frac_nd(3, x, kernel_size, o, true);
}
