/* Shape functions composed of differentiable views, repeat, flip and cat: tile, broadcast_to,
 * atleast_1d/2d/3d, hstack / vstack / dstack / column_stack, rot90, block_diag, meshgrid,
 * cartesian_prod. Gradients and double backward are those of the ops they are made of; the
 * result's grad_fn carries PyTorch's name where PyTorch has a node of its own. */
#include <stdlib.h>
#include <string.h>

#include "../internal.h"

ct_tensor *ct_tile(const ct_tensor *t, int n, const int64_t *dims) {
  if (!t) return NULL;
  if (n < 0 || n > CT_MAX_DIMS || (n && !dims)) return ct__err("tile: invalid dims");
  int m = n > t->ndim ? n : t->ndim;
  int64_t r[CT_MAX_DIMS];
  for (int i = 0; i < m; i++) r[i] = i < m - n ? 1 : dims[i - (m - n)]; /* leading 1s pad dims */
  return ct_repeat(t, m, r);
}

ct_tensor *ct_broadcast_to(const ct_tensor *t, int n, const int64_t *shape) { return ct_expand(t, n, shape); }

/* ---- atleast_Nd: a view with leading / trailing 1s ----------------------------------------- */
static ct_tensor *atleast(const ct_tensor *t, int want) {
  if (!t) return NULL;
  int64_t shp[CT_MAX_DIMS];
  int nd = t->ndim;
  if (nd >= want) return ct_view(t, nd, t->shape);
  /* 0-d -> all 1s; 1-d (n) -> (1, n) or (1, n, 1); 2-d (a, b) -> (a, b, 1) */
  if (nd == 0) {
    for (int i = 0; i < want; i++) shp[i] = 1;
  } else if (nd == 1) {
    shp[0] = 1, shp[1] = t->shape[0], shp[2] = 1;
  } else {
    shp[0] = t->shape[0], shp[1] = t->shape[1], shp[2] = 1;
  }
  return ct_reshape(t, want, shp); /* a view where the strides allow one, as PyTorch's reshape */
}
ct_tensor *ct_atleast_1d(const ct_tensor *t) { return atleast(t, 1); }
ct_tensor *ct_atleast_2d(const ct_tensor *t) { return atleast(t, 2); }
ct_tensor *ct_atleast_3d(const ct_tensor *t) { return atleast(t, 3); }

/* ---- stacks: each input made at least k-d (or a column), then one cat --------------------- */
typedef enum { ST_H, ST_V, ST_D, ST_COL } stack_kind;
static const char *const STACK_NAME[] = {"hstack", "vstack", "dstack", "column_stack"};

static ct_tensor *stack_as(ct_tensor *const *ts, int n, stack_kind k) {
  if (n <= 0 || !ts) return ct__err("%s expects a non-empty TensorList", STACK_NAME[k]);
  for (int i = 0; i < n; i++)
    if (!ts[i]) return NULL;
  ct_tensor **v = malloc(sizeof *v * (size_t)n);
  if (!v) return ct__err("CPU: out of memory");
  CT_OP_BEGIN();
  ct_tensor *out = NULL;
  int i = 0;
  for (; i < n; i++) {
    const ct_tensor *t = ts[i];
    v[i] = k == ST_H ? ct_atleast_1d(t) : k == ST_V ? ct_atleast_2d(t) : k == ST_D ? ct_atleast_3d(t)
         : t->ndim <= 1 ? ct_reshape(t, 2, (int64_t[]){ct_numel(t), 1}) : (ct_tensor *)t;
    if (!v[i]) break;
  }
  if (i == n) {
    int64_t dim = k == ST_V ? 0 : k == ST_D ? 2 : k == ST_COL ? 1 : v[0]->ndim == 1 ? 0 : 1;
    out = ct_cat(v, n, dim);
  }
  free(v);
  return ct__op_end(out);
}
ct_tensor *ct_hstack(ct_tensor *const *ts, int n) { return stack_as(ts, n, ST_H); }
ct_tensor *ct_vstack(ct_tensor *const *ts, int n) { return stack_as(ts, n, ST_V); }
ct_tensor *ct_dstack(ct_tensor *const *ts, int n) { return stack_as(ts, n, ST_D); }
ct_tensor *ct_column_stack(ct_tensor *const *ts, int n) { return stack_as(ts, n, ST_COL); }

/* ---- rot90 ---------------------------------------------------------------------------------- */
/* k quarter turns from dims[0] towards dims[1]: flips and one transpose */
ct_tensor *ct_rot90(const ct_tensor *t, int64_t k, int n, const int64_t *dims) {
  if (!t) return NULL;
  if (n != 2 || !dims) return ct__err("expected total rotation dims == 2, but got dims = %d", n);
  if (t->ndim < 2) return ct__err("expected total dims >= 2, but got total dims = %d", t->ndim);
  int64_t d0 = dims[0], d1 = dims[1];
  int64_t diff; /* PyTorch: dims equal, or the same dim once wrapped (|d0 - d1| == ndim) */
  bool over = __builtin_sub_overflow(d0, d1, &diff);
  if (d0 == d1 || (!over && (diff == t->ndim || diff == -t->ndim)))
    return ct__err("expected rotation dims to be different, but got dim0 = %lld and dim1 = %lld",
                   (long long)d0, (long long)d1);
  if (d0 < -t->ndim || d0 >= t->ndim) return ct__err("Rotation dim0 out of range, dim0 = %lld", (long long)d0);
  if (d1 < -t->ndim || d1 >= t->ndim) return ct__err("Rotation dim1 out of range, dim1 = %lld", (long long)d1);
  int64_t q = ((k % 4) + 4) % 4;
  CT_OP_BEGIN();
  ct_tensor *out = q == 1   ? ct_transpose(ct_flip(t, 1, &d1), d0, d1)
                   : q == 2 ? ct_flip(t, 2, dims)
                   : q == 3 ? ct_transpose(ct_flip(t, 1, &d0), d0, d1)
                            : ct_clone(t);
  if (out) ct__set_grad_fn_name(out, "Rot90Backward0");
  return ct__op_end(out);
}

/* ---- block_diag ----------------------------------------------------------------------------- */
/* each block as (r_i, c_i) (0-d: 1x1, 1-d: a row), laid out as row i: [0, block_i, 0] */
ct_tensor *ct_block_diag(ct_tensor *const *ts, int n) {
  if (n < 0 || (n && !ts)) return ct__err("torch.block_diag: NULL tensor list");
  for (int i = 0; i < n; i++) {
    if (!ts[i]) return NULL;
    if (ts[i]->ndim > 2)
      return ct__err("torch.block_diag: Input tensors must have 2 or fewer dimensions. Input %d has %d "
                     "dimensions", i, ts[i]->ndim);
  }
  if (n == 0) return ct_zeros(CT_SHAPE(1, 0));
  ct_tensor **rows = malloc(sizeof *rows * (size_t)n);
  if (!rows) return ct__err("CPU: out of memory");
  CT_OP_BEGIN();
  ct_dtype dt = ts[0]->dtype;
  for (int i = 1; i < n; i++) dt = ct_promote_types(dt, ts[i]->dtype);
  int64_t cols = 0;
  for (int i = 0; i < n; i++) cols += ts[i]->ndim == 2 ? ts[i]->shape[1] : ts[i]->ndim == 1 ? ts[i]->shape[0] : 1;
  ct_tensor *out = NULL;
  int64_t at = 0;
  int i = 0;
  for (; i < n; i++) {
    const ct_tensor *t = ts[i];
    int64_t r = t->ndim == 2 ? t->shape[0] : 1, c = t->ndim == 2 ? t->shape[1] : t->ndim == 1 ? t->shape[0] : 1;
    ct_tensor *b = ct_to(ct_reshape(t, 2, (int64_t[]){r, c}), dt);
    ct_tensor *parts[3] = {ct_zeros(CT_SHAPE(r, at), .dtype = dt), b,
                           ct_zeros(CT_SHAPE(r, cols - at - c), .dtype = dt)};
    rows[i] = ct_cat(parts, 3, 1);
    if (!rows[i]) break;
    at += c;
  }
  if (i == n) out = ct_cat(rows, n, 0);
  free(rows);
  if (out) ct__set_grad_fn_name(out, "BlockDiagBackward0");
  return ct__op_end(out);
}

/* ---- meshgrid / cartesian_prod -------------------------------------------------------------- */
int ct_meshgrid(ct_tensor *const *ts, int n, ct_meshgrid_indexing indexing, ct_tensor **out, int cap) {
  if (n <= 0 || !ts || !out) return ct__errs("torch.meshgrid: expects a non-empty TensorList");
  if (n > CT_MAX_DIMS) return ct__errs("torch.meshgrid: %d tensors, more than %d", n, CT_MAX_DIMS);
  for (int i = 0; i < n; i++) {
    if (!ts[i]) return -1;
    if (ts[i]->ndim > 1)
      return ct__errs("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a %dD tensor", ts[i]->ndim);
  }
  for (int i = 1; i < n; i++)
    if (ts[i]->dtype != ts[0]->dtype)
      return ct__errs("torch.meshgrid: Expected all tensors in the tensor list to have the same dtype");
  if (n > cap) return ct__errs("meshgrid: output array holds %d tensors, %d needed", cap, n);
  /* 'xy' swaps the first two output dims (NumPy's Cartesian indexing) */
  int pos[CT_MAX_DIMS];
  for (int i = 0; i < n; i++) pos[i] = i;
  if (indexing == CT_MESHGRID_XY && n >= 2) pos[0] = 1, pos[1] = 0;
  int64_t shp[CT_MAX_DIMS];
  for (int i = 0; i < n; i++) shp[pos[i]] = ct_numel(ts[i]);
  for (int i = 0; i < n; i++) {
    int64_t v[CT_MAX_DIMS];
    for (int j = 0; j < n; j++) v[j] = j == pos[i] ? shp[j] : 1;
    CT_OP_BEGIN();
    out[i] = ct__op_end(ct_expand(ct_reshape(ts[i], n, v), n, shp));
    if (!out[i]) return -1;
  }
  return n;
}

ct_tensor *ct_cartesian_prod(ct_tensor *const *ts, int n) {
  if (n <= 0 || !ts) return ct__err("cartesian_prod: expects a non-empty TensorList");
  for (int i = 0; i < n; i++) {
    if (!ts[i]) return NULL;
    if (ts[i]->ndim != 1) return ct__err("Expect a 1D vector, but got shape %s", SHP(0, ts[i]->ndim, ts[i]->shape));
  }
  if (n == 1) return ct_view(ts[0], 1, ts[0]->shape);
  if (n > CT_MAX_DIMS) return ct__err("cartesian_prod: %d tensors, more than %d", n, CT_MAX_DIMS);
  CT_OP_BEGIN();
  ct_tensor *g[CT_MAX_DIMS], *out = NULL;
  if (ct_meshgrid(ts, n, CT_MESHGRID_IJ, g, CT_MAX_DIMS) == n) {
    for (int i = 0; i < n; i++) g[i] = ct_flatten(g[i], 0, -1);
    out = ct_stack(g, n, 1);
  }
  return ct__op_end(out);
}
