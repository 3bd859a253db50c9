/* Comparisons (eq ne lt le gt ge and their scalar forms), isnan/isinf, logical ops,
 * torch.equal and torch.allclose. Results are bool and never differentiable.
 * Comparisons compute in the promoted dtype (uint8 < -1 compares with 255, like PyTorch). */
#include "../internal.h"
#include "elementwise.h"

/* ---- loops: out (bool, broadcast shape), a, b -> out -------------------------------------- */
CT_BINARY_CMP(eq_loop, a == b)
CT_BINARY_CMP(ne_loop, a != b)
CT_BINARY_CMP(lt_loop, a < b)
CT_BINARY_CMP(le_loop, a <= b)
CT_BINARY_CMP(gt_loop, a > b)
CT_BINARY_CMP(ge_loop, a >= b)
/* logical ops see both operands already converted to bool */
CT_BINARY_LOOP(and_loop, bool, bool, b, a && b)
CT_BINARY_LOOP(or_loop, bool, bool, b, a || b)
CT_BINARY_LOOP(xor_loop, bool, bool, b, a != b)
CT_UNARY_LOOP(not_loop, bool, bool, b, !x)
static const ct_loop_fn and_loops[CT_NUM_DTYPES] = {[CT_BOOL] = and_loop_b};
static const ct_loop_fn or_loops[CT_NUM_DTYPES] = {[CT_BOOL] = or_loop_b};
static const ct_loop_fn xor_loops[CT_NUM_DTYPES] = {[CT_BOOL] = xor_loop_b};
static const ct_loop_fn not_loops[CT_NUM_DTYPES] = {[CT_BOOL] = not_loop_b};
/* out (bool, shape of x), x -> out; integer inputs are never NaN or inf */
CT_UNARY_LOOP(isnan_loop, float, bool, f32, isnan(x))
CT_UNARY_LOOP(isnan_loop, double, bool, f64, isnan(x))
CT_LOOP_TABLE_FLOAT(isnan_loop);
CT_UNARY_LOOP(isinf_loop, float, bool, f32, isinf(x))
CT_UNARY_LOOP(isinf_loop, double, bool, f64, isinf(x))
CT_LOOP_TABLE_FLOAT(isinf_loop);

static ct_tensor *compare(const char *name, const ct_tensor *a, const ct_tensor *b,
                          const ct_loop_fn *loops) {
  if (!a || !b) return NULL;
  return ct__binary_kernel(name, a, b, ct_result_type(a, b), CT_BOOL, loops, NULL);
}

#define CMP_OP(op)                                                              \
  ct_tensor *ct_##op(const ct_tensor *a, const ct_tensor *b) {                  \
    return compare(#op, a, b, op##_loop);                                       \
  }                                                                             \
  ct_tensor *ct_##op##_scalar(const ct_tensor *a, double s) {                   \
    if (!a) return NULL;                                                        \
    CT_OP_BEGIN();                                                              \
    return ct__op_end(compare(#op, a, ct__wrap_number(s), op##_loop));          \
  }
CMP_OP(eq)
CMP_OP(ne)
CMP_OP(lt)
CMP_OP(le)
CMP_OP(gt)
CMP_OP(ge)

static ct_tensor *float_test(const ct_tensor *t, const char *name, const ct_loop_fn *loops) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct_zeros_ex(t->ndim, t->shape, CT_TENSOR_OPTS(.dtype = CT_BOOL));
  return ct__unary_kernel(name, t, t->dtype, CT_BOOL, loops, NULL);
}
ct_tensor *ct_isnan(const ct_tensor *t) { return float_test(t, "isnan", isnan_loop); }
ct_tensor *ct_isinf(const ct_tensor *t) { return float_test(t, "isinf", isinf_loop); }

/* Operands convert to bool (nonzero, NaN included, is true) before the loop. */
ct_tensor *ct_logical_and(const ct_tensor *a, const ct_tensor *b) {
  return a && b ? ct__binary_kernel("logical_and", a, b, CT_BOOL, CT_BOOL, and_loops, NULL) : NULL;
}
ct_tensor *ct_logical_or(const ct_tensor *a, const ct_tensor *b) {
  return a && b ? ct__binary_kernel("logical_or", a, b, CT_BOOL, CT_BOOL, or_loops, NULL) : NULL;
}
ct_tensor *ct_logical_xor(const ct_tensor *a, const ct_tensor *b) {
  return a && b ? ct__binary_kernel("logical_xor", a, b, CT_BOOL, CT_BOOL, xor_loops, NULL) : NULL;
}
ct_tensor *ct_logical_not(const ct_tensor *t) {
  return t ? ct__unary_kernel("logical_not", t, CT_BOOL, CT_BOOL, not_loops, NULL) : NULL;
}

/* ---- whole-tensor predicates -------------------------------------------------------------- */
/* a (double), b (double) -> clear *ctx (an int flag) where not close; threads only ever
 * clear it, so the race is benign. rtol/atol follow the flag in an allclose_ctx. */
typedef struct {
  int ok;
  double rtol, atol;
  bool equal_nan;
} allclose_ctx;

static void allclose_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  allclose_ctx *c = ctx;
  bool ok = true;
  for (int64_t i = 0; i < n; i++) {
    double a = *(const double *)(d[0] + i * s[0]), b = *(const double *)(d[1] + i * s[1]);
    /* equal values (infinities included) are close; NaN never is; an infinite difference
     * never is either (PyTorch's isfinite(|a - b|): inf vs -inf with an infinite rtol |b|) */
    double d = fabs(a - b);
    ok &= a == b || (isfinite(d) && d <= c->atol + c->rtol * fabs(b)) ||
          (c->equal_nan && isnan(a) && isnan(b));
  }
  if (!ok) __atomic_store_n(&c->ok, 0, __ATOMIC_RELAXED);
}

static void all_true_loop(char **d, const int64_t *s, int64_t n, void *ctx) {
  bool ok = true;
  for (int64_t i = 0; i < n; i++) ok &= *(const bool *)(d[0] + i * s[0]);
  if (!ok) __atomic_store_n((int *)ctx, 0, __ATOMIC_RELAXED);
}

bool ct_equal(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return false;
  if (a->ndim != b->ndim || memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim))
    return false;
  CT_OP_BEGIN();
  ct_tensor *e = ct_eq(a, b);
  int ok = e != NULL;
  if (e) ct__foreach(1, (ct_tensor *const[]){e}, all_true_loop, &ok);
  ct_scope_end();
  return ok;
}

bool ct_allclose_ex(const ct_tensor *a, const ct_tensor *b, ct_allclose_opts o) {
  if (!a || !b) return false;
  if (a->dtype != b->dtype) {
    ct__err("%s did not match %s", ct__dtype_short(a->dtype), ct__dtype_short(b->dtype));
    return false;
  }
  if (!(o.rtol >= 0) || !(o.atol >= 0)) { /* isclose's checks (NaN fails them too) */
    bool r = !(o.rtol >= 0);
    ct__err("%s must be greater than or equal to zero, but got %g", r ? "rtol" : "atol", r ? o.rtol : o.atol);
    return false;
  }
  int nd;
  int64_t shape[CT_MAX_DIMS];
  if (ct__broadcast_shape(a->ndim, a->shape, b->ndim, b->shape, &nd, shape)) return false;
  allclose_ctx c = {1, o.rtol, o.atol, o.equal_nan};
  CT_OP_BEGIN();
  ct_tensor *ca = ct__contig_as(a, CT_FLOAT64), *cb = ct__contig_as(b, CT_FLOAT64);
  ct_tensor *ea = ca ? ct__expand_raw(ca, nd, shape) : NULL;
  ct_tensor *eb = cb ? ct__expand_raw(cb, nd, shape) : NULL;
  if (ea && eb)
    ct__foreach(2, (ct_tensor *const[]){ea, eb}, allclose_loop, &c);
  else
    c.ok = 0;
  ct_scope_end();
  return c.ok;
}
