/* torch.nn.utils.clip_grad_norm_ / clip_grad_value_, operation for operation as
 * torch/nn/utils/clip_grad.py (1.13) writes them, so the total norm and the scaled gradients
 * round as PyTorch's do:
 *
 *   norms = [g.abs().max()] (inf) or [torch.norm(g, p)], one per gradient
 *   total = norms[0] if inf and len == 1, max(stack(norms)) (inf), else norm(stack(norms), p)
 *   coef  = max_norm / (total + 1e-6)     (Tensor.__rtruediv__: reciprocal() * max_norm)
 *   g.mul_(clamp(coef, max=1.0))          for every gradient, even when coef is clamped to 1
 */
#include "nn_internal.h"

#include <math.h>

/* The .grad of each parameter that has one (borrowed), in order; the count, or -1. A NULL
 * list or parameter (an earlier failure) fails without a message of its own, as a NULL
 * tensor argument does everywhere. */
static int collect_grads(ct_tensor *const *params, int n, ct_tensor ***out) {
  *out = NULL;
  if (n < 0) return ct__errs("ctorch: invalid parameter list (n = %d)", n);
  if (n > 0 && !params) return -1;
  for (int i = 0; i < n; i++)
    if (!params[i]) return -1;
  ct_tensor **grads = malloc(((size_t)n + 1) * sizeof *grads);
  if (!grads) return ct__errs("CPU: out of memory");
  int k = 0;
  for (int i = 0; i < n; i++)
    if ((grads[k] = ct_grad(params[i]))) k++;
  *out = grads;
  return k;
}

/* A module's parameters (named_parameters(): each once) as an array the map keeps alive. */
static ct_tensor **module_params(ct_module *m, ct_tensor_map **map, int *n) {
  *map = m ? ct_module_named_parameters(m, true) : NULL; /* NULL m: an earlier failure */
  if (!*map) return NULL;
  *n = ct_tensor_map_size(*map);
  ct_tensor **ps = malloc(((size_t)*n + 1) * sizeof *ps);
  if (!ps) return ct__err("CPU: out of memory");
  for (int i = 0; i < *n; i++) ps[i] = ct_tensor_map_at(*map, i);
  return ps;
}

/* The total norm of the k gradients (in the current scope), NULL on error. */
static ct_tensor *total_norm(ct_tensor *const *grads, int k, double p) {
  ct_tensor **norms = malloc((size_t)k * sizeof *norms);
  if (!norms) return ct__err("CPU: out of memory");
  bool ok = true;
  for (int i = 0; ok && i < k; i++) {
    ct_tensor *g = ct_detach(grads[i]);
    if (ct_is_sparse(g) && !isinf(p)) g = ct_sparse_values_raw(ct_coalesce(g)); /* norm(sparse) */
    norms[i] = isinf(p) && p > 0 ? ct_max(ct_abs(g)) : ct_norm(g, .p = p);
    ok = norms[i] != NULL;
  }
  ct_tensor *total = NULL;
  if (ok && isinf(p) && p > 0) total = k == 1 ? norms[0] : ct_max(ct_stack(norms, k, 0));
  else if (ok) total = ct_norm(ct_stack(norms, k, 0), .p = p);
  free(norms);
  return total;
}

/* clip_grad_norm_ on k gradients: the total norm kept in the caller's scope. */
static ct_tensor *clip_norm(ct_tensor *const *grads, int k, double max_norm, ct_nn_utils_clip_grad_norm_opts o) {
  if (k == 0) return ct_scalar_tensor(0.0, CT_DTYPE_UNSET); /* torch.tensor(0.) */
  ct_tensor *r = NULL;
  ct_scope_begin();
  CT_NO_GRAD {
    ct_tensor *total = total_norm(grads, k, o.norm_type);
    bool ok = total != NULL;
    if (ok && o.error_if_nonfinite && !isfinite(ct_item(total))) {
      ct__strbuf b = {0};
      nn_py_float(&b, o.norm_type);
      ct__errs("The total norm of order %s for gradients from `parameters` is non-finite, so it cannot be "
               "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
               "`error_if_nonfinite=False`",
               b.s ? b.s : "?");
      free(b.s);
      ok = false;
    }
    ct_tensor *coef = ok ? ct_mul_scalar(ct_reciprocal(ct_add_scalar(total, 1e-6)), max_norm) : NULL;
    coef = coef ? ct_clamp(coef, NAN, 1.0) : NULL;
    ok = coef != NULL;
    for (int i = 0; ok && i < k; i++) ok = ct_mul_(ct_detach(grads[i]), coef) != NULL;
    if (ok) r = ct_keep(total);
  }
  ct_scope_end();
  return r;
}

/* clip_grad_value_ on k gradients: grad.data.clamp_(min=-v, max=v). */
static int clamp_grads(ct_tensor *const *grads, int k, double v) {
  int rc = 0;
  ct_scope_begin();
  CT_NO_GRAD {
    for (int i = 0; rc == 0 && i < k; i++) {
      ct_tensor *g = ct_detach(grads[i]);
      /* ctorch's clamp reads NaN as None; PyTorch's NaN bounds give NaN everywhere */
      if (!(isnan(v) ? ct_fill_(g, NAN) : ct_clamp_(g, -v, v))) rc = -1;
    }
  }
  ct_scope_end();
  return rc;
}

ct_tensor *ct_nn_utils_clip_grad_norm__ex(ct_tensor *const *params, int n, double max_norm,
                                          ct_nn_utils_clip_grad_norm_opts o) {
  ct_tensor **grads;
  int k = collect_grads(params, n, &grads);
  ct_tensor *r = k >= 0 ? clip_norm(grads, k, max_norm, o) : NULL;
  free(grads);
  return r;
}

int ct_nn_utils_clip_grad_value_(ct_tensor *const *params, int n, double clip_value) {
  ct_tensor **grads;
  int k = collect_grads(params, n, &grads);
  int rc = k >= 0 ? clamp_grads(grads, k, clip_value) : -1;
  free(grads);
  return rc;
}

ct_tensor *ct_nn_utils_clip_grad_norm_module__ex(ct_module *m, double max_norm, ct_nn_utils_clip_grad_norm_opts o) {
  ct_tensor_map *map;
  int n = 0;
  ct_tensor **ps = module_params(m, &map, &n);
  ct_tensor *r = ps ? ct_nn_utils_clip_grad_norm__ex(ps, n, max_norm, o) : NULL;
  free(ps);
  ct_tensor_map_free(map);
  return r;
}

int ct_nn_utils_clip_grad_value_module_(ct_module *m, double clip_value) {
  ct_tensor_map *map;
  int n = 0;
  ct_tensor **ps = module_params(m, &map, &n);
  int rc = ps ? ct_nn_utils_clip_grad_value_(ps, n, clip_value) : -1;
  free(ps);
  ct_tensor_map_free(map);
  return rc;
}
