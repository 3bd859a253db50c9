/* What the Lazy layers (LazyLinear in layers.c, LazyConv1d/2d/3d and LazyConvTranspose1d/2d/3d
 * in conv.c, LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d in norm.c) share. A lazy layer
 * is its plain layer with in_features / in_channels / num_features 0 and (0,) placeholder
 * parameters and buffers (PyTorch's UninitializedParameter / UninitializedBuffer are empty
 * tensors of the dtype the module has been moved to); its first forward reads the input size,
 * materialises them, runs reset_parameters (Linear's / _ConvNd's draws, _NormBase's fills) and
 * turns the module into the plain layer (cls_to_become), so it prints as one. */
#include "nn_internal.h"

int nn_lazy_placeholders(ct_module *m, ct_tensor **weight, ct_tensor **bias, bool with_bias,
                         ct_dtype dtype) {
  *weight = nn_new_param(m, "weight", 1, (int64_t[]){0}, dtype);
  if (*weight && with_bias) *bias = nn_new_param(m, "bias", 1, (int64_t[]){0}, dtype);
  return *weight && (!with_bias || *bias) ? 0 : -1;
}

ct_tensor *nn_lazy_buffer(ct_module *m, const char *name, ct_dtype dtype) {
  ct_scope_begin();
  ct_tensor *e = ct_empty_ex(1, (int64_t[]){0}, (ct_tensor_opts){.dtype = dtype});
  ct_tensor *b = ct_module_register_buffer(m, name, e, true);
  ct_scope_end();
  return b;
}

/* UninitializedParameter.materialize(shape): a new uninitialised parameter `name` of shape with
 * the placeholder's dtype and requires_grad, registered in its place (releasing it);
 * UninitializedBuffer.materialize: the same for a buffer (its persistence kept). */
static ct_tensor *materialize(ct_module *m, const char *name, const ct_tensor *placeholder,
                              int nd, const int64_t *shape) {
  bool rg = ct_requires_grad(placeholder);
  int buf = nn_find(&m->impl->buffers, name);
  ct_tensor_opts to = {.dtype = ct_dtype_of(placeholder)};
  ct_scope_begin();
  ct_tensor *p = buf < 0 ? nn_new_param(m, name, nd, shape, to.dtype)
                         : ct_module_register_buffer(m, name, ct_empty_ex(nd, shape, to),
                                                     m->impl->buffers.e[buf].persistent);
  if (p && !rg && !ct_requires_grad_(p, false)) p = NULL;
  ct_scope_end();
  return p;
}

int nn_lazy_materialize(ct_module *m, ct_tensor **weight, int nd, const int64_t *shape,
                        ct_tensor **bias, int64_t out) {
  ct_tensor *w = materialize(m, "weight", *weight, nd, shape);
  if (!w) return -1;
  *weight = w; /* the placeholder is gone: never leave a pointer to it */
  if (!*bias) return 0;
  ct_tensor *b = materialize(m, "bias", *bias, 1, &out);
  if (!b) return -1;
  *bias = b;
  return 0;
}

bool nn_is_lazy(const ct_module *m) {
  const ct_module_kind *const lazy[] = {
      &ct__nn_kind_lazy_linear, &ct__nn_kind_lazy_conv1d, &ct__nn_kind_lazy_conv2d,
      &ct__nn_kind_lazy_conv3d, &ct__nn_kind_lazy_conv_transpose1d,
      &ct__nn_kind_lazy_conv_transpose2d, &ct__nn_kind_lazy_conv_transpose3d,
      &ct__nn_kind_lazy_batch_norm1d, &ct__nn_kind_lazy_batch_norm2d,
      &ct__nn_kind_lazy_batch_norm3d, &ct__nn_kind_lazy_instance_norm1d,
      &ct__nn_kind_lazy_instance_norm2d, &ct__nn_kind_lazy_instance_norm3d};
  for (size_t i = 0; i < sizeof lazy / sizeof *lazy; i++)
    if (m->kind == lazy[i]) return true;
  return false;
}

bool nn_lazy_placeholder(const ct_tensor *t) { return ct_dim(t) == 1 && ct_shape(t)[0] == 0; }

/* param.materialize(input_param.shape) of _lazy_load_hook: the module stays Lazy (its
 * in_features / in_channels stay 0, as PyTorch leaves them) until its first forward, which
 * then only changes the class. */
ct_tensor *nn_lazy_materialize_named(ct_module *m, const char *name, ct_tensor *placeholder, int nd,
                                     const int64_t *shape) {
  ct_tensor *p = materialize(m, name, placeholder, nd, shape);
  if (p) nn_repoint(m, placeholder, p);
  return p;
}
