/* Parity handlers: the rest of torch.linalg (src/ops/linalg_norm.c, linalg_prod.c,
 * linalg_tri.c, linalg_svd.c). */
#include <math.h>
#include <string.h>

#include "parity.h"

/* ord: a number, inf / -inf, 'fro' / 'nuc' or None (def) */
static double p_ord(pcall *c, int pos, const char *kw, double def) {
  const cJSON *v = p_arg(c, pos, kw);
  if (cJSON_IsString(v)) {
    if (!strcmp(v->valuestring, "fro")) return CT_ORD_FRO;
    if (!strcmp(v->valuestring, "nuc")) return CT_ORD_NUC;
    p_skip(c, "unsupported ord '%s'", v->valuestring);
    return def;
  }
  if (!v || cJSON_IsNull(v)) return def;
  return p_num(c, pos, kw, def);
}

/* torch.linalg.vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None),
 * matrix_norm(A, ord='fro', dim=(-2, -1), ...), norm(A, ord=None, dim=None, ...) */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, ct_linalg_norm_opts);
  const char *x;
  double ord;
} p_lnorm;
static int h_lnorm(pcall *c) {
  const p_lnorm *s = c->data;
  ct_tensor *x = p_tensor(c, 0, s->x);
  ct_linalg_norm_opts o = {.ord = p_ord(c, 1, "ord", s->ord)};
  o.dim = p_dims(c, 2, "dim");
  o.keepdim = p_bool(c, 3, "keepdim", false);
  o.dtype = p_dtype(c, -1, "dtype");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, s->fn(x, o));
}

/* torch.linalg.cross(input, other, *, dim=-1) / torch.cross(input, other, dim=None) */
static int h_cross(pcall *c) {
  bool lin = c->data != NULL;
  ct_tensor *a = p_tensor(c, 0, "input"), *b = p_tensor(c, 1, "other");
  int64_t d = lin ? p_int(c, -1, "dim", -1) : p_int_opt(c, 2, "dim");
  P_CHECK(c);
  return p_out(c, lin ? ct_linalg_cross(a, b, d) : ct_cross(a, b, d));
}

/* torch.linalg.multi_dot(tensors, *, out=None) */
static int h_multi_dot(pcall *c) {
  ct_tensor *ts[16];
  int n = p_tensors(c, 0, "tensors", ts, 16);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_multi_dot(ts, n));
}

/* torch.linalg.matrix_power(A, n, *, out=None) */
static int h_matrix_power(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  int64_t n = p_int_req(c, 1, "n");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_matrix_power(A, n));
}

/* torch.linalg.solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None) */
static int h_solve_tri(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A"), *B = p_tensor(c, 1, "B");
  bool up = p_bool(c, -1, "upper", false), left = p_bool(c, -1, "left", true);
  bool unit = p_bool(c, -1, "unitriangular", false);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_solve_triangular(A, B, up, left, unit));
}

/* torch.linalg.svd(A, full_matrices=True, *, driver=None, out=None) -> (U, S, Vh) */
static int h_svd(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A"), *u = NULL, *s = NULL, *vh = NULL;
  bool full = p_bool(c, 1, "full_matrices", true);
  p_expect_null(c, -1, "driver");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  if (ct_linalg_svd(A, full, &u, &s, &vh)) return p_out(c, NULL);
  p_out(c, u);
  p_out(c, s);
  return p_out(c, vh);
}

/* torch.linalg.svdvals(A, *, driver=None, out=None) */
static int h_svdvals(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  p_expect_null(c, -1, "driver");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_svdvals(A));
}

/* torch.linalg.eigh(A, UPLO='L', *, out=None) / eigvalsh */
static int h_eigh(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  const char *u = p_str(c, 1, "UPLO", "L");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  if (c->data) return p_out(c, ct_linalg_eigvalsh(A, u[0]));
  return p_pair(c, ct_linalg_eigh(A, u[0]));
}

/* atol / rtol: a number or None (NAN) */
static double p_tol(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  return !v || cJSON_IsNull(v) ? NAN : p_num(c, pos, kw, NAN);
}

/* torch.linalg.pinv(A, *, atol=None, rtol=None, hermitian=False, out=None) / matrix_rank */
static int h_pinv(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  ct_linalg_tol_opts o = {.atol = p_tol(c, -1, "atol"), .rtol = p_tol(c, -1, "rtol")};
  o.hermitian = p_bool(c, -1, "hermitian", false);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, c->data ? ct_linalg_matrix_rank_ex(A, o) : ct_linalg_pinv_ex(A, o));
}

/* torch.linalg.cond(A, p=None, *, out=None) */
static int h_cond(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  double p = p_ord(c, 1, "p", CT_ORD_NONE);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_cond(A, p));
}

const parity_handler parity_handlers_linalg2[] = {
    {"torch.linalg.vector_norm", h_lnorm, &(const p_lnorm){ct_linalg_vector_norm_ex, "x", 2}},
    {"torch.linalg.matrix_norm", h_lnorm, &(const p_lnorm){ct_linalg_matrix_norm_ex, "A", CT_ORD_FRO}},
    {"torch.linalg.norm", h_lnorm, &(const p_lnorm){ct_linalg_norm_ex, "A", CT_ORD_NONE}},
    {"torch.linalg.cross", h_cross, "linalg"},
    {"torch.cross", h_cross, NULL},
    {"torch.linalg.multi_dot", h_multi_dot, NULL},
    {"torch.linalg.matrix_power", h_matrix_power, NULL},
    {"torch.linalg.solve_triangular", h_solve_tri, NULL},
    {"torch.linalg.svd", h_svd, NULL},
    {"torch.linalg.svdvals", h_svdvals, NULL},
    {"torch.linalg.eigh", h_eigh, NULL},
    {"torch.linalg.eigvalsh", h_eigh, "vals"},
    {"torch.linalg.pinv", h_pinv, NULL},
    {"torch.linalg.matrix_rank", h_pinv, "rank"},
    {"torch.linalg.cond", h_cond, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_linalg2)
