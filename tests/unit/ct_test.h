/* Helpers shared by the unit tests: tensor builders, error checks, value comparisons and the
 * gradcheck + gradgradcheck pair. Header-only (static inline) so each test stays one file.
 * Include after <cmocka.h> and "ctorch.h". */
#ifndef CT_TEST_H
#define CT_TEST_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- tensor builders ------------------------------------------------------------------- */
/* a float32 0-d tensor */
static inline ct_tensor *scalar(double v, bool rg) {
  return ct_requires_grad_(ct_scalar_tensor(v, CT_FLOAT32), rg);
}
/* a float64 1-d tensor of n values */
static inline ct_tensor *vec(int n, const double *v, bool rg) {
  return ct_requires_grad_(ct_tensor_from(v, CT_FLOAT64, 1, (int64_t[]){n}), rg);
}
/* Inputs shared with the PyTorch scripts that produced the expected numbers:
 * ramp(shape, seed)[i] = ((i * 7 + seed) % 11 - 5) * 0.25 (exact in float32 and float64).
 * A requires-grad ramp is a leaf of dtype dt (the conversion is detached). */
static inline ct_tensor *ramp(int nd, const int64_t *shape, ct_dtype dt, int seed, bool rg) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= shape[i];
  double v[256];
  if (n > 256) fail_msg("ramp: %lld elements, at most 256", (long long)n);
  for (int64_t i = 0; i < n; i++) v[i] = (double)((i * 7 + seed) % 11 - 5) * 0.25;
  ct_tensor *t = ct_to(ct_tensor_from(v, CT_FLOAT64, nd, shape), dt);
  if (rg) t = ct_detach(t), ct_requires_grad_(t, true);
  return t;
}

/* ---- errors ------------------------------------------------------------------------------ */
/* The call failed (failed != 0), left a message containing substr, and the message is cleared. */
static inline void ct_test_expect_error(int failed, const char *substr, int line) {
  if (!failed) fail_msg("line %d: expected an error containing \"%s\"", line, substr);
  const char *e = ct_last_error();
  if (!e || !strstr(e, substr)) fail_msg("line %d: error \"%s\" lacks \"%s\"", line, e ? e : "(none)", substr);
  ct_clear_error();
}
/* r is a returned pointer: NULL means the error */
#define expect_error(r, substr) ct_test_expect_error((r) == NULL, substr, __LINE__)
/* failed is a condition that is true when the call failed (rc != 0, !ptr, ...) */
#define expect_fail(failed, substr) ct_test_expect_error((failed) != 0, substr, __LINE__)

/* ---- values ------------------------------------------------------------------------------ */
/* NaN matches NaN, an infinity only itself, otherwise |got - want| <= atol + rtol * |want|. */
static inline bool ct_test_close(double got, double want, double rtol, double atol) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= atol + rtol * fabs(want);
}

#define CT_TEST_MAX_VALUES 4096
/* t is non-NULL, holds exactly n elements, and each is close to want[i] */
static inline void ct_test_expect_vals(const ct_tensor *t, const double *want, int64_t n, double rtol,
                                       double atol, const char *what, int line) {
  static double got[CT_TEST_MAX_VALUES];
  if (!t) fail_msg("%s (line %d): NULL result: %s", what, line, ct_last_error());
  if (ct_numel(t) != n) fail_msg("%s (line %d): %lld elements, want %lld", what, line, (long long)ct_numel(t), (long long)n);
  if (n > CT_TEST_MAX_VALUES) fail_msg("%s (line %d): too many elements to compare", what, line);
  if (ct_to_doubles(t, got, CT_TEST_MAX_VALUES) != n) fail_msg("%s (line %d): ct_to_doubles failed", what, line);
  for (int64_t i = 0; i < n; i++)
    if (!ct_test_close(got[i], want[i], rtol, atol))
      fail_msg("%s (line %d): element %lld is %.17g, PyTorch gives %.17g", what, line, (long long)i, got[i],
               want[i]);
}
#define expect_vals(t, want, n, rtol, atol) ct_test_expect_vals(t, want, n, rtol, atol, #t, __LINE__)
/* the values of a literal list: CT_DOUBLES(1, 2.5) -> (const double[]){1, 2.5}, 2 */
#define CT_DOUBLES(...) \
  (const double[]){__VA_ARGS__}, (int64_t)(sizeof((const double[]){__VA_ARGS__}) / sizeof(double))
#define expect_exact(t, ...) ct_test_expect_vals(t, CT_DOUBLES(__VA_ARGS__), 0, 0, #t, __LINE__)

/* One entry of PyTorch's dtype table: the call's result r has dtype want_dt, or, want_dt == -2,
 * the call failed with a message (PyTorch raises). Clears the error. */
/* A sweep table's expected result dtype (-2: an error) for input dtype d. Tables list the eight
 * classic dtypes; a 16-bit float follows the float32 entry: itself where float32 gives float32
 * (PyTorch computes in float32 and rounds back), the same bool / int64 result or error else. */
static inline int ct_test_want(const int *row, int d) {
  if (d < CT_FLOAT16) return row[d];
  return row[CT_FLOAT32] == CT_FLOAT32 ? d : row[CT_FLOAT32];
}

static inline void ct_test_expect_result_dtype(const char *what, const ct_tensor *r, int want_dt) {
  if (want_dt == -2 && (r || !ct_last_error())) fail_msg("%s: PyTorch rejects it", what);
  if (want_dt != -2 && (!r || (int)ct_dtype_of(r) != want_dt))
    fail_msg("%s: got %s (%s), PyTorch gives %s", what, r ? ct_dtype_name(ct_dtype_of(r)) : "error",
             ct_last_error() ? ct_last_error() : "", ct_dtype_name((ct_dtype)want_dt));
  ct_clear_error();
}

/* same shape, dtype and values (NaN == NaN); both NULL counts as the same (an error) */
static inline bool ct_test_same(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return !a && !b;
  if (ct_dtype_of(a) != ct_dtype_of(b) || ct_dim(a) != ct_dim(b)) return false;
  for (int i = 0; i < ct_dim(a); i++)
    if (ct_shape(a)[i] != ct_shape(b)[i]) return false;
  int64_t n = ct_numel(a);
  static double x[CT_TEST_MAX_VALUES], y[CT_TEST_MAX_VALUES];
  if (n > CT_TEST_MAX_VALUES || ct_to_doubles(a, x, n) != n || ct_to_doubles(b, y, n) != n) return false;
  for (int64_t i = 0; i < n; i++)
    if (!(x[i] == y[i] || (isnan(x[i]) && isnan(y[i])))) return false;
  return true;
}

/* The same check with cmocka's assert_float_equal per element (a float comparison with tol). */
static inline void ct_test_expect_floats(const ct_tensor *t, const double *want, int64_t n, double tol) {
  static double got[CT_TEST_MAX_VALUES];
  assert_non_null(t);
  assert_int_equal(ct_numel(t), n);
  assert_true(n <= CT_TEST_MAX_VALUES);
  assert_int_equal(ct_to_doubles(t, got, CT_TEST_MAX_VALUES), n);
  for (int64_t i = 0; i < n; i++) assert_float_equal(got[i], want[i], tol);
}

/* ---- gradients --------------------------------------------------------------------------- */
/* ct_fn adapters for an op held in an op_ref passed as user. Results go out unscaled: a
 * pass-through gradient (remainder's ga = g) aliases the grad_output gradgradcheck perturbs,
 * which gradcheck must handle by copying outputs. */
typedef struct {
  ct_tensor *(*u)(const ct_tensor *);
  ct_tensor *(*b)(const ct_tensor *, const ct_tensor *);
} op_ref;
static inline int run_unary(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const op_ref *)u)->u(in[0]);
  return out[0] ? 0 : -1;
}
static inline int run_binary(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *u) {
  (void)n_in, (void)n_out;
  out[0] = ((const op_ref *)u)->b(in[0], in[1]);
  return out[0] ? 0 : -1;
}

/* gradcheck and gradgradcheck of fn at in (float64), and neither leaves an error behind */
static inline void ct_test_check_grads(int line, ct_fn fn, ct_tensor *const *in, int n, void *user,
                                       const char *what) {
  if (!ct_gradcheck(fn, in, n, .user = user)) fail_msg("line %d: gradcheck failed for %s", line, what);
  if (!ct_gradgradcheck(fn, in, n, .user = user)) fail_msg("line %d: gradgradcheck failed for %s", line, what);
  if (ct_last_error()) fail_msg("line %d: %s left an error: %s", line, what, ct_last_error());
}
/* check_grads(fn, in, n, user, what); variadic so that a compound literal's commas pass through */
#define check_grads(...) ct_test_check_grads(__LINE__, __VA_ARGS__)

/* ---- robustness: NULL arguments and leaks ----------------------------------------------- */
/* A NULL tensor argument fails without recording a message (so a chain keeps its first). */
#define NULLCALL(failed)                                                                    \
  do {                                                                                      \
    ct_clear_error();                                                                       \
    if (!(failed)) fail_msg("line %d: %s did not fail", __LINE__, #failed);                 \
    if (ct_last_error())                                                                    \
      fail_msg("line %d: %s recorded \"%s\" for NULL", __LINE__, #failed, ct_last_error()); \
  } while (0)
#define NP(call) NULLCALL((call) == NULL)
#define NI(call) NULLCALL((call) < 0)
#define NB(call) NULLCALL(!(call))

/* live tensors / bytes are back where they were when the scope closes */
typedef struct { int64_t t, b; } live_mark;
static inline live_mark leak_begin(void) {
  live_mark m = {ct_live_tensors(), ct_live_bytes()};
  ct_clear_error(); /* a failed test longjmps out and may leave its error behind */
  ct_scope_begin();
  return m;
}
static inline void leak_end(live_mark m, const char *what, int line) {
  ct_scope_end();
  ct_clear_error();
  if (ct_live_tensors() != m.t || ct_live_bytes() != m.b)
    fail_msg("line %d (%s): leaked %lld tensors, %lld bytes", line, what,
             (long long)(ct_live_tensors() - m.t), (long long)(ct_live_bytes() - m.b));
}

#ifdef CTORCH_NN_H
/* repr(m) is want exactly (PyTorch's print); m is freed. A NULL m (a failed constructor) fails. */
static inline void ct_test_expect_repr(ct_module *m, const char *want, int line) {
  if (!m) fail_msg("line %d: constructor failed: %s", line, ct_last_error());
  char *s = ct_module_repr(m);
  if (!s) fail_msg("repr failed: %s", ct_last_error());
  if (strcmp(s, want) != 0) fail_msg("line %d: repr:\n%s\nPyTorch:\n%s", line, s, want);
  free(s);
  ct_module_free(m);
}
#endif

/* ---- non-contiguous inputs --------------------------------------------------------------- */
typedef ct_tensor *(*ct_test_unary)(const ct_tensor *);
/* Each of the nf functions on each of the nv views answers what it answers on the view's
 * contiguous copy: exactly (tol 0: ct_equal) or within ct_allclose(tol, tol). */
static inline void ct_test_same_on_views(ct_test_unary const *fns, size_t nf, ct_tensor *const *views,
                                         int nv, double tol) {
  for (size_t f = 0; f < nf; f++)
    for (int v = 0; v < nv; v++) {
      ct_tensor *a = fns[f](views[v]), *b = fns[f](ct_contiguous(views[v]));
      if (!a || !b) fail_msg("fn %zu view %d: %s", f, v, ct_last_error());
      if (tol == 0 ? !ct_equal(a, b) : !ct_allclose(a, b, tol, tol))
        fail_msg("fn %zu view %d differs from its contiguous copy", f, v);
    }
}

/* A float64 batch (2, 6, 6) that every solver takes: ramp(seed 3), made symmetric (r + r^T)
 * when asked, plus 30 on the diagonal (diagonally dominant: invertible, and positive definite
 * when symmetric), and three non-contiguous views of it: transposed, rows every 2nd with
 * columns every col_step-th, and batch 1 expanded to 3. */
static inline ct_tensor *ct_test_solver_batch(bool symmetric, int64_t col_step, ct_tensor *views[3]) {
  ct_tensor *r = ramp(CT_SHAPE(2, 6, 6), CT_FLOAT64, 3, false);
  if (symmetric) r = ct_add(r, ct_transpose(r, 1, 2));
  ct_tensor *base = ct_add(r, ct_mul_scalar(ct_eye(6, -1, .dtype = CT_FLOAT64), 30));
  views[0] = ct_transpose(base, 1, 2);
  views[1] = ct_slice(ct_slice(base, 1, 0, 6, 2), 2, 0, 6, col_step);
  views[2] = ct_expand(ct_select(base, 0, 1), CT_SHAPE(3, 6, 6));
  return base;
}

#endif
