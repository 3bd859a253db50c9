/* The differentiable copy ops: contiguous, clone, to, detach, copy_, fill_, zero_, and
 * element assignment (ct_set). They record autograd nodes over the raw copies of
 * src/tensor/copy.c. */
#include "../internal.h"

/* ---- differentiable copies ------------------------------------------------------------ */
/* to(dtype) backward: grad.to(input dtype) */
static void to_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_to(g[0], n->in[0].dtype);
}

static ct_tensor *copy_as(const ct_tensor *t, ct_dtype dt, const char *name) {
  if (ct__refuse_sparse("_to_copy", t, NULL)) return NULL;
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
    return ct__share(t);
  }
  return copy_as(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct_clone(const ct_tensor *t) {
  if (!t) return NULL;
  if (t->sparse) return ct__sparse_clone(t);
  return copy_as(t, t->dtype, "CloneBackward0");
}

ct_tensor *ct_to(const ct_tensor *t, ct_dtype dtype) {
  if (!t) return NULL;
  if ((int)dtype < 0 || dtype >= CT_NUM_DTYPES) return ct__err("to(): invalid dtype %d", (int)dtype);
  if (t->dtype == dtype) {
    return ct__share(t);
  }
  if (t->sparse) return ct__sparse_to(t, dtype);
  return copy_as(t, dtype, "ToCopyBackward0");
}

ct_tensor *ct_detach(const ct_tensor *t) {
  if (!t) return NULL;
  /* shares storage, but is no autograd view: in-place on it never reaches t's graph */
  return t->sparse ? ct__sparse_detach(t) : ct__alias(t);
}

ct_tensor *ct_detach_(ct_tensor *t) {
  if (!t) return NULL;
  if (t->base) /* its base's graph would keep a stale view of it */
    return ct__err("Can't detach views in-place. Use detach() instead. If you are using "
                   "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is "
                   "set as True, gradients are views of DDP buckets, and hence detach_() cannot "
                   "be called on these gradients. To fix this error, please refer to the "
                   "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.");
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
  if (ct__check_inplace(dst) || ct__check_overlaps(dst, 1, &src)) return NULL;
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

/* t[...] = value: a contiguous zero fill (zero_grad's every step) is one memset, as zero bits
 * are 0 in every dtype; anything else is the broadcast copy of a 0-dim value */
static void fill_into(ct_tensor *t, double value) {
  if (value == 0 && !signbit(value) && ct_is_contiguous(t)) {
    memset(ct__ptr(t), 0, (size_t)ct_numel(t) * ct_dtype_size(t->dtype));
    return;
  }
  CT_OP_BEGIN();
  ct_tensor *v = ct_scalar_tensor(value, t->dtype);
  if (v) ct__copy_into(t, v);
  ct_scope_end();
}

static ct_tensor *fill_named(ct_tensor *t, double value, const char *name) {
  if (!t || ct__check_value(value, t->dtype)) return NULL;
  if (t->sparse && value == 0) return ct__sparse_zero_(t);
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
  fill_into(t, value);
  ct__bump_version(t);
  if (n) ct__rebase_history(t, n);
  return t;
}

ct_tensor *ct_fill_(ct_tensor *t, double value) { return fill_named(t, value, "FillBackward2"); }
ct_tensor *ct_zero_(ct_tensor *t) { return fill_named(t, 0, "ZeroBackward0"); }

int ct_set(ct_tensor *t, const int64_t *index, double value) {
  if (!t) return -1;
  if (t->ndim > 0 && !index) return ct__errs("index is NULL");
  char *p = ct__elem_ptr(t, index);
  if (!p) return -1;
  if (t->requires_grad && ct_is_grad_enabled()) {
    /* t[i, j] = v under autograd is select + fill_: PyTorch's view-of-a-leaf error, or
     * CopySlices on t */
    CT_OP_BEGIN();
    ct_tensor *e = t;
    for (int i = 0; i < t->ndim && e; i++) e = ct_select(e, 0, index[i]);
    ct_tensor *r = e ? ct_fill_(e, value) : NULL;
    ct_scope_end();
    return r ? 0 : -1;
  }
  ct__store(p, t->dtype, value);
  ct__bump_version(t);
  return 0;
}
