/* torch.linalg.cross / torch.cross, linalg.multi_dot and linalg.matrix_power: compositions of
 * differentiable ops (roll, mul, sub, matmul, inv), so gradients and double backward follow.
 * Checks and messages are PyTorch 1.13's. */
#include <ctype.h>

#include "linalg_impl.h"

#include "ctorch/linalg.h"

/* ---- cross ---------------------------------------------------------------------------- */
/* a, b (*, 3, *) at dim -> a x b: c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1} (indices mod 3),
 * the shifted copies being rolls along dim; batch dims broadcast through mul. */
ct_tensor *ct_linalg_cross(const ct_tensor *a, const ct_tensor *b, int64_t dim) {
  if (!a || !b) return NULL;
  if (a->ndim != b->ndim) return ct__err("linalg.cross: inputs must have the same number of dimensions.");
  if (a->dtype != b->dtype)
    return ct__err("expected scalar type %s but found %s", ct__dtype_short(a->dtype),
                   ct__dtype_short(b->dtype));
  int64_t d = ct__wrap_dim(dim, a->ndim);
  if (d < 0) return NULL;
  if (a->shape[d] != 3 || b->shape[d] != 3)
    return ct__err("linalg.cross: inputs dimension %lld must have length 3. Got %lld and %lld",
                   (long long)dim, (long long)a->shape[d], (long long)b->shape[d]);
  CT_OP_BEGIN();
  int64_t up = -1, down = 1; /* roll by -1: (a1, a2, a0); by 1: (a2, a0, a1) */
  ct_tensor *a1 = ct_roll(a, 1, &up, 1, &d), *a2 = ct_roll(a, 1, &down, 1, &d);
  ct_tensor *b1 = ct_roll(b, 1, &up, 1, &d), *b2 = ct_roll(b, 1, &down, 1, &d);
  ct_tensor *r = ct_sub(ct_mul(a1, b2), ct_mul(a2, b1));
  if (r) ct__set_grad_fn_name(r, "LinalgCrossBackward0"); /* PyTorch's own node */
  return ct__op_end(r);
}

/* torch.cross: without dim, the first dim of a of size 3 (PyTorch 1.13's deprecated default) */
ct_tensor *ct_cross(const ct_tensor *a, const ct_tensor *b, int64_t dim) {
  if (!a || !b) return NULL;
  if (dim == CT_NONE) {
    for (int i = 0; i < a->ndim && dim == CT_NONE; i++)
      if (a->shape[i] == 3) dim = i;
    if (dim == CT_NONE) return ct__err("no dimension of size 3 in input");
  }
  return ct_linalg_cross(a, b, dim);
}

/* ---- multi_dot ------------------------------------------------------------------------ */
/* PyTorch's lower-case dtype name of its multi_dot message ("float", "double", "long") */
static const char *lower_name(ct_dtype dt, char *buf) {
  const char *s = ct__dtype_short(dt);
  int i = 0;
  for (; s[i] && i < 15; i++) buf[i] = (char)tolower((unsigned char)s[i]);
  buf[i] = 0;
  return buf;
}

/* The cheapest parenthesisation of the chain of n matrices, dims p[0..n]: split[i][j] = k
 * when (i..k)(k+1..j) (PyTorch's matrix chain order; the first of equal costs wins). */
static int chain_order(int n, const int64_t *p, int *split) {
  double *cost = calloc((size_t)(n * n), sizeof(double));
  if (!cost) return ct__errs("CPU: out of memory");
  for (int len = 1; len < n; len++)
    for (int i = 0; i + len < n; i++) {
      int j = i + len;
      cost[i * n + j] = INFINITY;
      for (int k = i; k < j; k++) {
        double q = cost[i * n + k] + cost[(k + 1) * n + j] + (double)p[i] * (double)p[k + 1] * (double)p[j + 1];
        if (q < cost[i * n + j]) cost[i * n + j] = q, split[i * n + j] = k;
      }
    }
  free(cost);
  return 0;
}

/* the product of ms[i..j] in the order split gives */
static ct_tensor *chain_product(ct_tensor *const *ms, const int *split, int n, int i, int j) {
  if (i == j) return ms[i];
  int k = split[i * n + j];
  return ct_mm(chain_product(ms, split, n, i, k), chain_product(ms, split, n, k + 1, j));
}

/* PyTorch's checks of multi_dot's list: 0 or -1 */
static int multi_dot_check(ct_tensor *const *ts, int n) {
  if (n < 2) return ct__errs("multi_dot(): expected at least 2 tensors but got %d", n);
  for (int i = 0; i < n; i++)
    if (!ts[i]) return -1;
  if (ts[0]->ndim != 1 && ts[0]->ndim != 2)
    return ct__errs("multi_dot(): the first tensor must be 1D or 2D but got %dD", ts[0]->ndim);
  for (int i = 1; i < n - 1; i++)
    if (ts[i]->ndim != 2) return ct__errs("multi_dot(): tensor %d must be 2D but got %dD", i, ts[i]->ndim);
  if (ts[n - 1]->ndim != 1 && ts[n - 1]->ndim != 2)
    return ct__errs("multi_dot(): the last tensor must be 1D or 2D but got %dD", ts[n - 1]->ndim);
  for (int i = 1; i < n; i++)
    if (ts[i]->dtype != ts[0]->dtype) {
      char a[16], b[16];
      return ct__errs("multi_dot(): all tensors must have be the same dtype but tensor 0 is %s and "
                      "tensor %d %s", lower_name(ts[0]->dtype, a), i, lower_name(ts[i]->dtype, b));
    }
  return 0;
}

/* ts[0] (n0,) or (a, n0), ts[1..] 2-D, last (nk,) or (nk, b) -> their product */
ct_tensor *ct_linalg_multi_dot(ct_tensor *const *ts, int n) {
  if (!ts || multi_dot_check(ts, n)) return NULL;
  CT_OP_BEGIN();
  ct_tensor **ms = malloc(sizeof(ct_tensor *) * (size_t)n);
  int64_t *p = malloc(sizeof(int64_t) * (size_t)(n + 1));
  int *split = malloc(sizeof(int) * (size_t)(n * n));
  ct_tensor *out = NULL;
  if (!ms || !p || !split) {
    ct__err("CPU: out of memory");
    goto done;
  }
  bool first_vec = ts[0]->ndim == 1, last_vec = ts[n - 1]->ndim == 1;
  for (int i = 0; i < n; i++) {
    ms[i] = ts[i];
    if (i == 0 && first_vec) ms[i] = ct_unsqueeze(ts[i], 0);
    if (i == n - 1 && last_vec) ms[i] = ct_unsqueeze(ts[i], 1);
    if (!ms[i]) goto done;
    if (i > 0 && ms[i]->shape[0] != ms[i - 1]->shape[1]) {
      ct__err("multi_dot(): tensors %d and %d with shapes [%lld, %lld] and [%lld, %lld] cannot be "
              "multiplied", i - 1, i, (long long)ms[i - 1]->shape[0], (long long)ms[i - 1]->shape[1],
              (long long)ms[i]->shape[0], (long long)ms[i]->shape[1]);
      goto done;
    }
    p[i] = ms[i]->shape[0];
  }
  p[n] = ms[n - 1]->shape[1];
  if (chain_order(n, p, split)) goto done;
  out = chain_product(ms, split, n, 0, n - 1);
  if (out && last_vec) out = ct_squeeze_dim(out, 1);
  if (out && first_vec) out = ct_squeeze_dim(out, 0);
done:
  free(ms), free(p), free(split);
  return ct__op_end(out);
}

/* ---- matrix_power --------------------------------------------------------------------- */
/* A (*, m, m) -> A^n by binary powering (PyTorch's order of products); inv(A) for n < 0 */
ct_tensor *ct_linalg_matrix_power(const ct_tensor *A, int64_t n) {
  if (!A) return NULL;
  if (A->ndim < 2)
    return ct__err("linalg.matrix_power: The input tensor A must have at least 2 dimensions.");
  int64_t r = A->shape[A->ndim - 2], c = A->shape[A->ndim - 1];
  if (r != c)
    return ct__err("linalg.matrix_power: A must be batches of square matrices, but they are %lld "
                   "by %lld matrices", (long long)r, (long long)c);
  CT_OP_BEGIN();
  if (n == 0) /* the identity, A's shape and dtype (PyTorch copies it over A: no gradient) */
    return ct__op_end(ct_contiguous(ct_expand(ct_eye(r, -1, .dtype = A->dtype), A->ndim, A->shape)));
  ct_tensor *a = n < 0 ? ct_linalg_inv(A) : (ct_tensor *)A, *z = NULL, *res = NULL;
  if (n < 0) n = n == INT64_MIN ? INT64_MAX : -n; /* -INT64_MIN overflows; such powers do anyway */
  if (n == 1) return ct__op_end(ct_clone(a));
  while (a && n > 0) {
    int64_t bit = n % 2;
    n /= 2;
    z = z ? ct_matmul(z, z) : a;
    if (bit) res = res ? ct_matmul(res, z) : z;
  }
  return ct__op_end(res);
}
