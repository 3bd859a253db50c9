/* Tensor creation: from C data, constants, ranges, eye and the *_like family. Random
 * creation lives in rng.c. */
#include "loops.h"

#include <math.h>

static ct_dtype resolve(ct_dtype dt, ct_dtype fallback) { return (int)dt < 0 ? fallback : dt; }

/* Apply .requires_grad from the options (floating dtypes only, like PyTorch). */
ct_tensor *ct__finish_opts(ct_tensor *t, ct_tensor_opts o) {
  if (!t || !o.requires_grad) return t;
  /* the factories' wording; Tensor.requires_grad_ words it differently */
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("Only Tensors of floating point and complex dtype can require gradients");
  return ct_requires_grad_(t, true);
}

ct_tensor *ct_tensor_from(const void *data, ct_dtype dtype, int ndim, const int64_t *shape) {
  ct_tensor *t = ct__empty(dtype, ndim, shape);
  if (!t) return NULL;
  int64_t n = ct__numel_of(ndim, shape);
  if (n > 0 && !data) return ct__err("tensor data is NULL");
  if (n > 0) memcpy(ct__ptr(t), data, (size_t)n * ct_dtype_size(dtype));
  return t;
}

ct_tensor *ct_scalar_tensor(double v, ct_dtype dtype) {
  ct_tensor *t = ct__empty(resolve(dtype, ct_get_default_dtype()), 0, NULL);
  if (t && ct__check_value(v, t->dtype)) return NULL;
  if (t) ct__store(ct__ptr(t), t->dtype, v);
  return t;
}

ct_tensor *ct_wrap_scalar(double v) {
  ct_tensor *t = ct_scalar_tensor(v, CT_FLOAT64);
  if (t) t->wrapped_number = true;
  return t;
}

ct_tensor *ct_wrap_int(int64_t v) {
  ct_tensor *t = ct__empty(CT_INT64, 0, NULL);
  if (t) {
    *CT_PTR(t, int64_t) = v;
    t->wrapped_number = true;
  }
  return t;
}

ct_tensor *ct_empty_ex(int ndim, const int64_t *shape, ct_tensor_opts o) {
  ct_tensor *t = ct__empty(resolve(o.dtype, ct_get_default_dtype()), ndim, shape);
  return ct__finish_opts(t, o);
}

ct_tensor *ct_full_ex(int ndim, const int64_t *shape, double value, ct_tensor_opts o) {
  ct_tensor *t = ct__empty(resolve(o.dtype, ct_get_default_dtype()), ndim, shape);
  if (!t || ct__check_value(value, t->dtype)) return NULL;
  int64_t n = ct__numel_of(ndim, shape);
  char *p = ct__ptr(t);
  size_t isz = ct_dtype_size(t->dtype);
  if (value == 0) {
    memset(p, 0, (size_t)n * isz);
  } else if (n > 0) { /* write one element, then double the filled prefix */
    ct__store(p, t->dtype, value);
    int64_t done = 1;
    while (done < n) {
      int64_t k = done < n - done ? done : n - done;
      memcpy(p + done * (int64_t)isz, p, (size_t)k * isz);
      done += k;
    }
  }
  return ct__finish_opts(t, o);
}

ct_tensor *ct_zeros_ex(int ndim, const int64_t *shape, ct_tensor_opts o) {
  return ct_full_ex(ndim, shape, 0, o);
}
ct_tensor *ct_ones_ex(int ndim, const int64_t *shape, ct_tensor_opts o) {
  return ct_full_ex(ndim, shape, 1, o);
}

static bool integral(double v) { return isfinite(v) && v == floor(v); }

ct_tensor *ct_arange_ex(double start, double end, double step, ct_tensor_opts o) {
  if (step == 0) return ct__err("step must be nonzero");
  if (!isfinite(start) || !isfinite(end))
    return ct__err("unsupported range: %g -> %g", start, end);
  if ((step > 0 && start > end) || (step < 0 && start < end))
    return ct__err("upper bound and larger bound inconsistent with step sign");
  ct_dtype def = integral(start) && integral(end) && integral(step) ? CT_INT64 : ct_get_default_dtype();
  ct_dtype dt = resolve(o.dtype, def);
  double len = ceil((end - start) / step);
  if (len > 1e12) return ct__err("arange: too many elements (%g)", len);
  int64_t n = (int64_t)len;
  ct_tensor *t = ct__empty(dt, 1, &n);
  if (!t) return NULL;
  char *p = ct__ptr(t);
  size_t isz = ct_dtype_size(dt);
  for (int64_t i = 0; i < n; i++) ct__store(p + i * (int64_t)isz, dt, start + (double)i * step);
  return ct__finish_opts(t, o);
}

ct_tensor *ct_linspace_ex(double start, double end, int64_t steps, ct_tensor_opts o) {
  if (steps < 0) return ct__err("number of steps must be non-negative");
  ct_dtype dt = resolve(o.dtype, ct_get_default_dtype());
  ct_tensor *t = ct__empty(dt, 1, &steps);
  if (!t) return NULL;
  char *p = ct__ptr(t);
  size_t isz = ct_dtype_size(dt);
  /* PyTorch fills the first half from start and the second half from end; one step is start */
  if (steps == 1) return ct__finish_opts(ct_full_ex(1, &steps, start, CT_TENSOR_OPTS(.dtype = dt)), o);
  if (dt == CT_FLOAT32 && steps > 1) { /* in float, as PyTorch's kernel rounds */
    ct__linspace_float((float *)p, (float)start, (float)end, steps);
    return ct__finish_opts(t, o);
  }
  if (dt == CT_FLOAT64 && steps > 1) {
    ct__linspace_double((double *)p, start, end, steps);
    return ct__finish_opts(t, o);
  }
  double step = steps > 1 ? (end - start) / (double)(steps - 1) : 0;
  int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; i++) {
    double v = i < half ? start + step * (double)i : end - step * (double)(steps - i - 1);
    ct__store(p + i * (int64_t)isz, dt, v);
  }
  return ct__finish_opts(t, o);
}

ct_tensor *ct_eye_ex(int64_t n, int64_t m, ct_tensor_opts o) {
  if (m < 0) m = n; /* eye(n) */
  if (n < 0) return ct__err("n must be greater or equal to 0, got %lld", (long long)n);
  ct_tensor *t = ct_zeros_ex(2, (int64_t[]){n, m}, CT_TENSOR_OPTS(.dtype = o.dtype));
  if (!t) return NULL;
  char *p = ct__ptr(t);
  size_t isz = ct_dtype_size(t->dtype);
  for (int64_t i = 0; i < n && i < m; i++) ct__store(p + (i * m + i) * (int64_t)isz, t->dtype, 1);
  return ct__finish_opts(t, o);
}

static ct_tensor_opts like_opts(const ct_tensor *t, ct_tensor_opts o) {
  o.dtype = resolve(o.dtype, t->dtype);
  return o;
}

ct_tensor *ct_empty_like_ex(const ct_tensor *t, ct_tensor_opts o) {
  return t ? ct_empty_ex(t->ndim, t->shape, like_opts(t, o)) : NULL;
}
ct_tensor *ct_zeros_like_ex(const ct_tensor *t, ct_tensor_opts o) {
  return t ? ct_zeros_ex(t->ndim, t->shape, like_opts(t, o)) : NULL;
}
ct_tensor *ct_ones_like_ex(const ct_tensor *t, ct_tensor_opts o) {
  return t ? ct_ones_ex(t->ndim, t->shape, like_opts(t, o)) : NULL;
}
ct_tensor *ct_full_like_ex(const ct_tensor *t, double v, ct_tensor_opts o) {
  return t ? ct_full_ex(t->ndim, t->shape, v, like_opts(t, o)) : NULL;
}
