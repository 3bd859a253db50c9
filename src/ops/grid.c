/* F.grid_sample (a primitive: GridSampler2DBackward0 / GridSampler3DBackward0) and
 * F.affine_grid (composed: a constant base grid times theta^T, named
 * AffineGridGeneratorBackward0), with PyTorch 1.13's coordinates, padding rules and messages.
 *
 * grid_sample's output at each position is a weighted sum of input taps whose weights depend
 * on the grid: its backward gives the input a scatter of the weights and the grid the weights'
 * derivatives against the input values. Like PyTorch, its backward is not differentiable
 * again (PyTorch raises "derivative for grid_sampler_2d_backward is not implemented"). */
#include "../internal.h"
#include "ctorch/functional.h"
#include "ctorch/linalg.h"

#include <math.h>

typedef struct {
  int nsp;             /* 2 or 3 */
  ct_grid_mode mode;
  ct_grid_padding padding;
  bool align;
  int64_t n, c;        /* batch, channels */
  int64_t in[3];       /* input (D, H, W), D = 1 for 2-D */
  int64_t sout;        /* output positions per sample */
} gs_args;
CT_ARGS_TYPE(gs_args, NULL);

/* Output positions per block: the block's tap tables (GS_BLOCK gs_points, <= 40 KB for
 * double) are computed once and reused by every channel. */
enum { GS_BLOCK = 64 };

#define CT_TEMPLATE "ops/grid_impl.h"
#define CT_FLOATS_ONLY
#include "../each_dtype.h"

/* y = grid_sample(x, grid): gx, ggrid from one pass over the taps. saved: x, grid. */
static void gs_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const gs_args *a = CT_ARGS(n, gs_args);
  ct_tensor *x = ct__saved(n, 0), *grid = ct__saved(n, 1);
  if (!x || !grid) return;
  bool wx = ct__needs_grad(n, 0), wg = ct__needs_grad(n, 1) && a->mode != CT_GRID_NEAREST;
  ct_tensor *xc = ct__contig_as(x, x->dtype), *gc = ct__contig_as(grid, x->dtype);
  ct_tensor *go = ct__contig_as(g[0], x->dtype);
  ct_tensor *gx = wx ? ct__empty(x->dtype, x->ndim, x->shape) : NULL;
  ct_tensor *gg = ct__needs_grad(n, 1) ? ct__empty(x->dtype, grid->ndim, grid->shape) : NULL;
  if (!xc || !gc || !go || (wx && !gx) || (ct__needs_grad(n, 1) && !gg)) return;
  if (gg && !wg) memset(ct__ptr(gg), 0, (size_t)ct_numel(gg) * ct_dtype_size(x->dtype));
  if (x->dtype == CT_FLOAT32)
    gs_back_f32(CT_PTR(xc, float), CT_PTR(gc, float), CT_PTR(go, float),
                gx ? CT_PTR(gx, float) : NULL, wg ? CT_PTR(gg, float) : NULL, a);
  else
    gs_back_f64(CT_PTR(xc, double), CT_PTR(gc, double), CT_PTR(go, double),
                gx ? CT_PTR(gx, double) : NULL, wg ? CT_PTR(gg, double) : NULL, a);
  gi[0] = gx;
  gi[1] = gg;
}

/* torch.grid_sampler's checks (GridSampler.cpp check_grid_sampler_common / _2d / _3d) */
static int gs_check(const ct_tensor *x, const ct_tensor *grid, ct_grid_sample_opts o) {
  if ((unsigned)o.mode > CT_GRID_BICUBIC)
    return ct__errs("nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
                    "'bicubic', but got: '%d'", (int)o.mode);
  if ((unsigned)o.padding_mode > CT_GRID_REFLECTION)
    return ct__errs("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', "
                    "or 'reflection', but got: '%d'", (int)o.padding_mode);
  if (x->dtype != grid->dtype)
    return ct__errs("expected scalar type %s but found %s", ct__dtype_short(x->dtype),
                    ct__dtype_short(grid->dtype));
  if (x->ndim != grid->ndim)
    return ct__errs("grid_sampler(): expected %dD input and grid with same number of dimensions, "
                    "but got input with sizes %s and grid with sizes %s", x->ndim,
                    SHP(0, x->ndim, x->shape), SHP(1, grid->ndim, grid->shape));
  if (x->ndim != 4 && x->ndim != 5)
    return ct__errs("grid_sampler(): expected 4D or 5D input and grid with same number of "
                    "dimensions, but got input with sizes %s and grid with sizes %s",
                    SHP(0, x->ndim, x->shape), SHP(1, grid->ndim, grid->shape));
  if (x->shape[0] != grid->shape[0])
    return ct__errs("grid_sampler(): expected grid and input to have same batch size, but got "
                    "input with sizes %s and grid with sizes %s", SHP(0, x->ndim, x->shape),
                    SHP(1, grid->ndim, grid->shape));
  if (grid->shape[grid->ndim - 1] != x->ndim - 2)
    return ct__errs("grid_sampler(): expected grid to have size %d in last dimension, but got "
                    "grid with sizes %s", x->ndim - 2, SHP(0, grid->ndim, grid->shape));
  for (int i = 2; i < x->ndim; i++)
    if (x->shape[i] == 0)
      return ct__errs("grid_sampler(): expected input to have non-empty spatial dimensions, but "
                      "input has sizes %s with dimension %d being empty", SHP(0, x->ndim, x->shape), i);
  if (x->ndim == 5 && o.mode == CT_GRID_BICUBIC)
    return ct__errs("grid_sampler(): bicubic interpolation only supports 4D input");
  if (!ct_dtype_is_floating(x->dtype))
    return ct__errs("grid_sampler_%dd_cpu not implemented for %s", x->ndim - 2,
                    ct__dtype_short(x->dtype));
  return 0;
}

ct_tensor *ct_grid_sample_ex(const ct_tensor *x, const ct_tensor *grid, ct_grid_sample_opts o) {
  ct_dtype h = ct__half_enter(x, grid, NULL);
  if ((int)h >= 0) return ct__half_end(ct_grid_sample_ex(ct__f32(x), ct__f32(grid), o), h);
  if (!x || !grid) return NULL;
  if (gs_check(x, grid, o)) return NULL;
  int nsp = x->ndim - 2;
  gs_args a = {.nsp = nsp, .mode = o.mode, .padding = o.padding_mode, .align = o.align_corners,
               .n = x->shape[0], .c = x->shape[1], .in = {1, 1, 1}, .sout = 1};
  int64_t shape[5] = {x->shape[0], x->shape[1]};
  for (int j = 0; j < nsp; j++) {
    a.in[3 - nsp + j] = x->shape[2 + j];
    shape[2 + j] = grid->shape[1 + j];
    a.sout *= grid->shape[1 + j];
  }
  if (ct__check_shape(x->ndim, shape)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xc = ct__contig_as(x, x->dtype), *gc = xc ? ct__contig_as(grid, x->dtype) : NULL;
  ct_tensor *y = gc ? ct__empty(x->dtype, x->ndim, shape) : NULL;
  if (y && x->dtype == CT_FLOAT32) gs_fwd_f32(CT_PTR(xc, float), CT_PTR(gc, float), CT_PTR(y, float), &a);
  else if (y) gs_fwd_f64(CT_PTR(xc, double), CT_PTR(gc, double), CT_PTR(y, double), &a);
  if (y) {
    ct_node *n = ct__node_new(nsp == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0",
                              gs_backward, 2, (ct_tensor *const[]){(ct_tensor *)x, (ct_tensor *)grid}, 1);
    if (n) {
      *CT_NEW_ARGS(n, gs_args) = a;
      if (ct__save(n, x, false) || ct__save(n, grid, false)) {
        ct__node_abandon(n);
        y = NULL;
      } else {
        ct__set_history(y, n, 0);
      }
    }
  }
  return ct__op_end(y);
}

/* ---- F.affine_grid ------------------------------------------------------------------- */
/* linspace_from_neg_one: linspace(-1, 1, steps) (times (steps - 1) / steps unless
 * align_corners), or 0 for one step; in theta's dtype */
static ct_tensor *axis(int64_t steps, bool align, ct_dtype dt) {
  if (steps <= 1) return ct_zeros(CT_SHAPE(1), .dtype = dt);
  ct_tensor *r = ct_linspace(-1, 1, steps, .dtype = dt);
  return align ? r : ct_div_scalar(ct_mul_scalar(r, (double)(steps - 1)), (double)steps);
}

ct_tensor *ct_affine_grid(const ct_tensor *theta, ct_ints size, bool align_corners) {
  ct_dtype h = ct__half_enter(theta, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_affine_grid(ct__f32(theta), size, align_corners), h);
  if (!theta) return NULL;
  char buf[160];
  size_t k = (size_t)snprintf(buf, sizeof buf, "(");
  for (int i = 0; i < size.n && i < CT_MAX_DIMS && k < sizeof buf; i++)
    k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? ", " : "", (long long)size.v[i]);
  if (k < sizeof buf) snprintf(buf + k, sizeof buf - k, "%s)", size.n == 1 ? "," : "");
  if (!ct_dtype_is_floating(theta->dtype))
    return ct__err("Expected theta to have floating point type, but got %s",
                   ct_dtype_name(theta->dtype));
  if (size.n != 4 && size.n != 5)
    return ct__err("affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                   "respectively. Got size %s.", buf);
  int nsp = size.n - 2;
  if (theta->ndim != 3 || theta->shape[1] != nsp || theta->shape[2] != nsp + 1)
    return ct__err("Expected a batch of %dD affine matrices of shape Nx%dx%d for size %s. Got "
                   "torch.Size(%s).", nsp, nsp, nsp + 1, buf, SHP(0, theta->ndim, theta->shape));
  for (int i = 0; i < size.n; i++)
    if (size.v[i] <= 0) return ct__err("Expected non-zero, positive output size. Got %s", buf);
  if (theta->shape[0] != size.v[0])
    return ct__err("Expected size for first two dimensions of batch2 tensor to be: [%lld, %d] but "
                   "got: [%lld, %d].", (long long)size.v[0], nsp + 1, (long long)theta->shape[0], nsp + 1);
  int64_t sp[3] = {1, 1, 1}, S = 1; /* (D, H, W) */
  for (int j = 0; j < nsp; j++) sp[3 - nsp + j] = size.v[2 + j];
  int64_t gshape[5] = {size.v[0]};
  for (int j = 0; j < nsp; j++) gshape[1 + j] = size.v[2 + j];
  gshape[nsp + 1] = nsp;
  if (ct__check_shape(nsp + 2, gshape)) return NULL;
  for (int j = 0; j < 3; j++) S *= sp[j];
  CT_OP_BEGIN();
  /* base (1, S, nsp + 1): (x, y[, z], 1) at each (d, h, w), x along W */
  ct_tensor *ax[3] = {axis(sp[2], align_corners, theta->dtype), axis(sp[1], align_corners, theta->dtype),
                      axis(sp[0], align_corners, theta->dtype)};
  ct_tensor *base = ct__empty(theta->dtype, 3, (int64_t[]){1, S, nsp + 1});
  if (!base || !ax[0] || !ax[1] || !ax[2]) return ct__op_end(NULL);
  for (int64_t s = 0; s < S; s++) {
    int64_t pos[3] = {s % sp[2], (s / sp[2]) % sp[1], s / (sp[2] * sp[1])};
    char *row = ct__ptr(base) + (size_t)(s * (nsp + 1)) * ct_dtype_size(theta->dtype);
    for (int j = 0; j <= nsp; j++) {
      double v = j == nsp ? 1.0 : ct__load(ct__ptr(ax[j]) + (size_t)pos[j] * ct_dtype_size(theta->dtype), theta->dtype);
      ct__store(row + (size_t)j * ct_dtype_size(theta->dtype), theta->dtype, v);
    }
  }
  /* grid = base.expand(N, S, nsp + 1).bmm(theta.transpose(1, 2)).view(N, *spatial, nsp) */
  ct_tensor *b = ct_expand(base, 3, (int64_t[]){size.v[0], S, nsp + 1});
  ct_tensor *g = ct_bmm(b, ct_transpose(theta, 1, 2));
  ct_tensor *out = g ? ct_view(g, nsp + 2, gshape) : NULL;
  if (out) ct__set_grad_fn_name(out, "AffineGridGeneratorBackward0");
  return ct__op_end(out);
}
