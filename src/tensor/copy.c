/* Copies with dtype conversion, broadcasting helpers, and the differentiable copy ops:
 * contiguous, clone, to, copy_, detach. */
#include "../internal.h"

/* ---- cast loops: one per (to, from) pair, contiguous fast path ----------------------- */
#define CAST_ONE(TO_E, TT, tn, FROM_E, FT, fnm)                                         \
  static void cast_##fnm##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {      \
    (void)ctx;                                                                          \
    if (s[0] == sizeof(TT) && s[1] == sizeof(FT)) {                                     \
      TT *o = (TT *)d[0];                                                               \
      const FT *a = (const FT *)d[1];                                                   \
      for (int64_t i = 0; i < n; i++) o[i] = (TT)a[i];                                  \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) *(TT *)(d[0] + i * s[0]) = (TT) * (const FT *)(d[1] + i * s[1]); \
    }                                                                                   \
  }
/* Expand: for each destination type, define loops from every source type. */
#define DEF_FOR_TO(TE, TT, tn)                                                          \
  CAST_ONE(TE, TT, tn, CT_BOOL, bool, b) CAST_ONE(TE, TT, tn, CT_UINT8, uint8_t, u8)     \
  CAST_ONE(TE, TT, tn, CT_INT8, int8_t, i8) CAST_ONE(TE, TT, tn, CT_INT16, int16_t, i16) \
  CAST_ONE(TE, TT, tn, CT_INT32, int32_t, i32) CAST_ONE(TE, TT, tn, CT_INT64, int64_t, i64) \
  CAST_ONE(TE, TT, tn, CT_FLOAT32, float, f32) CAST_ONE(TE, TT, tn, CT_FLOAT64, double, f64)
CT_FOR_DTYPES(DEF_FOR_TO)

#define ROW_FOR_TO(TE, TT, tn)                                                          \
  {cast_b_##tn, cast_u8_##tn, cast_i8_##tn, cast_i16_##tn, cast_i32_##tn, cast_i64_##tn, \
   cast_f32_##tn, cast_f64_##tn},
/* cast_table[to][from] */
static const ct_loop_fn cast_table[CT_NUM_DTYPES][CT_NUM_DTYPES] = {CT_FOR_DTYPES(ROW_FOR_TO)};

void ct__copy_into(ct_tensor *dst, const ct_tensor *src) {
  ct_tensor *s = (ct_tensor *)src;
  bool tmp = false;
  if (src->ndim != dst->ndim || memcmp(src->shape, dst->shape, sizeof(int64_t) * (size_t)dst->ndim)) {
    CT_OP_BEGIN();
    s = ct__expand_raw(src, dst->ndim, dst->shape);
    tmp = true;
    if (!s) {
      ct_scope_end();
      return;
    }
  }
  ct_tensor *ops[2] = {dst, s};
  ct__foreach(2, ops, cast_table[dst->dtype][s->dtype], NULL);
  if (tmp) ct_scope_end();
}

int ct__broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                        int64_t *out) {
  int n = na > nb ? na : nb;
  for (int i = n - 1; i >= 0; i--) { /* from the last dim, so the error names the one PyTorch does */
    int ia = na - n + i, ib = nb - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      return ct__errs("The size of tensor a (%lld) must match the size of tensor b (%lld) at "
                      "non-singleton dimension %d",
                      (long long)sa, (long long)sb, i);
    out[i] = sa == 1 ? sb : sa;
  }
  *nout = n;
  return 0;
}

ct_tensor *ct__expand_raw(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (ndim < t->ndim) return ct__err("expand: target has fewer dims than the tensor");
  int64_t st[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    int j = t->ndim - ndim + i;
    if (j < 0) {
      st[i] = 0;
    } else if (t->shape[j] == shape[i]) {
      st[i] = t->strides[j];
    } else if (t->shape[j] == 1) {
      st[i] = 0;
    } else {
      return ct__err("The expanded size of the tensor (%lld) must match the existing size (%lld) "
                     "at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                     (long long)shape[i], (long long)t->shape[j], i,
                     ct__shape_str(ndim, shape, (char[256]){0}, 256),
                     ct__shape_str(t->ndim, t->shape, (char[256]){0}, 256));
    }
  }
  return ct__make_view(t, ndim, shape, st, t->offset);
}

ct_tensor *ct__contig_as(const ct_tensor *t, ct_dtype dt) {
  if (t->dtype == dt && ct_is_contiguous(t)) {
    ct__tensor_incref((ct_tensor *)t);
    return ct__own((ct_tensor *)t);
  }
  ct_tensor *out = ct__empty(dt, t->ndim, t->shape);
  if (out) ct__copy_into(out, t);
  return out;
}

/* ---- differentiable copies ------------------------------------------------------------ */
/* to(dtype) backward: grad.to(input dtype) */
static void to_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_to(g[0], n->in[0].dtype);
}

static ct_tensor *copy_as(const ct_tensor *t, ct_dtype dt, const char *name) {
  ct_tensor *out = ct__empty(dt, t->ndim, t->shape);
  if (!out) return NULL;
  ct__copy_into(out, t);
  if (ct_dtype_is_floating(dt)) {
    ct_node *n = ct__node_new(name, to_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (n) ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_contiguous(const ct_tensor *t) {
  if (!t) return NULL;
  if (ct_is_contiguous(t)) {
    ct__tensor_incref((ct_tensor *)t);
    return ct__own((ct_tensor *)t);
  }
  return copy_as(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct_clone(const ct_tensor *t) {
  if (!t) return NULL;
  return copy_as(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct_to(const ct_tensor *t, ct_dtype dtype) {
  if (!t) return NULL;
  if ((int)dtype < 0 || dtype >= CT_NUM_DTYPES) return ct__err("to(): invalid dtype %d", (int)dtype);
  if (t->dtype == dtype) {
    ct__tensor_incref((ct_tensor *)t);
    return ct__own((ct_tensor *)t);
  }
  return copy_as(t, dtype, "ToCopyBackward0");
}

ct_tensor *ct_detach(const ct_tensor *t) {
  if (!t) return NULL;
  ct_tensor *v = ct__make_view(t, t->ndim, t->shape, t->strides, t->offset);
  if (v) { /* shares storage, but is no autograd view: in-place on it never reaches t's graph */
    ct__tensor_decref(v->base);
    v->base = NULL;
  }
  return v;
}

ct_tensor *ct_detach_(ct_tensor *t) {
  if (!t) return NULL;
  if (t->grad_fn) {
    ct__node_decref(t->grad_fn);
    t->grad_fn = NULL;
  }
  t->requires_grad = false;
  return t;
}

/* copy_(dst, src) backward: dst's old value is overwritten (no grad); src gets grad
 * summed to its shape, cast to its dtype. */
static void copy_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, g[0]);
}

ct_tensor *ct_copy_(ct_tensor *dst, const ct_tensor *src) {
  if (!dst || !src) return NULL;
  if (ct__check_inplace(dst)) return NULL;
  int nd;
  int64_t shp[CT_MAX_DIMS];
  if (ct__broadcast_shape(dst->ndim, dst->shape, src->ndim, src->shape, &nd, shp)) return NULL;
  if (nd != dst->ndim || memcmp(shp, dst->shape, sizeof(int64_t) * (size_t)nd))
    return ct__err("output with shape %s doesn't match the broadcast shape %s",
                   ct__shape_str(dst->ndim, dst->shape, (char[256]){0}, 256),
                   ct__shape_str(nd, shp, (char[256]){0}, 256));
  ct_node *n = NULL;
  if (ct_dtype_is_floating(dst->dtype))
    n = ct__node_new("CopyBackwards", copy_backward, 2, (ct_tensor *const[]){dst, (ct_tensor *)src}, 1);
  if (n && n->next[0].fn) { /* dst's old value is overwritten: no gradient flows to it */
    ct__node_decref(n->next[0].fn);
    n->next[0].fn = NULL;
  }
  ct__copy_into(dst, src);
  ct__bump_version(dst);
  if (n) ct__rebase_history(dst, n);
  return dst;
}

/* out = fill(x, v) (in place): the old values no longer matter, gx = 0 */
static void fill_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_zeros_like(g[0]);
}

/* t with its stride-0 (expanded) dims cut to size 1: each memory location once, or NULL
 * when t has none */
static ct_tensor *dedup_expanded(const ct_tensor *t) {
  int64_t shp[CT_MAX_DIMS];
  bool expanded = false;
  for (int i = 0; i < t->ndim; i++) {
    expanded |= t->strides[i] == 0 && t->shape[i] > 1;
    shp[i] = t->strides[i] == 0 && t->shape[i] > 1 ? 1 : t->shape[i];
  }
  return expanded ? ct__make_view(t, t->ndim, shp, t->strides, t->offset) : NULL;
}

static ct_tensor *fill_named(ct_tensor *t, double value, const char *name) {
  if (!t) return NULL;
  if (!t->requires_grad) { /* PyTorch fills an expanded tensor: every alias gets the value */
    CT_OP_BEGIN();
    ct_tensor *d = dedup_expanded(t), *v = d ? ct_scalar_tensor(value, t->dtype) : NULL;
    if (v) ct__copy_into(d, v);
    ct_scope_end();
    if (d) {
      ct__bump_version(t);
      return t;
    }
  }
  if (ct__check_inplace(t)) return NULL;
  /* A tensor with history keeps requiring grad, with a node that sends it zero gradient. */
  ct_node *n = ct__node_new(name, fill_backward, 1, &t, 1);
  CT_OP_BEGIN();
  ct_tensor *v = ct_scalar_tensor(value, t->dtype);
  if (v) ct__copy_into(t, v);
  ct_scope_end();
  ct__bump_version(t);
  if (n) ct__rebase_history(t, n);
  return t;
}

ct_tensor *ct_fill_(ct_tensor *t, double value) { return fill_named(t, value, "FillBackward2"); }
ct_tensor *ct_zero_(ct_tensor *t) { return fill_named(t, 0, "ZeroBackward0"); }
