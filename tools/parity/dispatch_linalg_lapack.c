/* Parity handlers: torch.linalg through LAPACK (src/ops/linalg_*.c). */
#include <string.h>

#include "parity.h"

/* torch.linalg.inv(A, *, out=None) / torch.linalg.det(A, *, out=None) */
static int h_unary(pcall *c) {
  const p_unary *u = c->data;
  ct_tensor *A = p_tensor(c, 0, "A");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, u->fn(A));
}

/* torch.linalg.solve(A, B, *, left=True, out=None) */
static int h_solve(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A"), *B = p_tensor(c, 1, "B");
  bool left = p_bool(c, -1, "left", true);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, left ? ct_linalg_solve(A, B) : ct_linalg_solve_ex(A, B, false));
}

/* torch.linalg.slogdet(A, *, out=None) -> (sign, logabsdet) */
static int h_slogdet(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_pair(c, ct_linalg_slogdet(A));
}

/* torch.linalg.cholesky(A, *, upper=False, out=None) */
static int h_cholesky(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  bool upper = p_bool(c, -1, "upper", false);
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  return p_out(c, ct_linalg_cholesky(A, upper));
}

/* torch.linalg.qr(A, mode='reduced', *, out=None) -> (Q, R) */
static int h_qr(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  const char *m = p_str(c, 1, "mode", "reduced");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  ct_qr_mode mode = !strcmp(m, "complete") ? CT_QR_COMPLETE : !strcmp(m, "r") ? CT_QR_R : CT_QR_REDUCED;
  if (mode == CT_QR_REDUCED && strcmp(m, "reduced")) {
    p_skip(c, "mode '%s'", m);
    return 0;
  }
  return p_pair(c, ct_linalg_qr(A, mode));
}

const parity_handler parity_handlers_linalg_lapack[] = {
    {"torch.linalg.inv", h_unary, &(const p_unary){ct_linalg_inv}},
    {"torch.linalg.det", h_unary, &(const p_unary){ct_linalg_det}},
    {"torch.linalg.solve", h_solve, NULL},
    {"torch.linalg.slogdet", h_slogdet, NULL},
    {"torch.linalg.cholesky", h_cholesky, NULL},
    {"torch.linalg.qr", h_qr, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_linalg_lapack)
