/* Parity handlers: torch.linalg.eig / eigvals with real spectra (src/ops/linalg_geev.c). */
#include "parity.h"

/* torch.linalg.eig(A, *, out=None) / eigvals: the cases hold the real parts of PyTorch's result */
static int h_eig(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A");
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  if (c->data) return p_out(c, ct_linalg_eigvals(A));
  return p_pair(c, ct_linalg_eig(A));
}

const parity_handler parity_handlers_linalg4[] = {
    {"torch.linalg.eig", h_eig, NULL},
    {"torch.linalg.eigvals", h_eig, "vals"},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_linalg4)
