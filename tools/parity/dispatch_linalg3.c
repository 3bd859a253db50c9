/* Parity handlers: the last of torch.linalg (src/ops/linalg_lstsq.c, linalg_geev.c). */
#include <math.h>
#include <string.h>

#include "parity.h"

/* torch.linalg.lstsq(A, B, rcond=None, *, driver=None) -> (solution, residuals, rank, S) */
static int h_lstsq(pcall *c) {
  ct_tensor *A = p_tensor(c, 0, "A"), *B = p_tensor(c, 1, "B");
  const cJSON *rc = p_arg(c, 2, "rcond");
  ct_lstsq_opts o = {.rcond = !rc || cJSON_IsNull(rc) ? NAN : p_num(c, 2, "rcond", NAN)};
  const char *d = p_str(c, -1, "driver", NULL);
  static const char *names[] = {"", "gels", "gelsy", "gelsd", "gelss"};
  for (int i = 1; d && i < 5; i++)
    if (!strcmp(d, names[i])) o.driver = (ct_lstsq_driver)i;
  p_expect_null(c, -1, "out");
  P_CHECK(c);
  ct_lstsq_result r = ct_linalg_lstsq_ex(A, B, o);
  if (!r.solution) return p_out(c, NULL);
  p_out(c, r.solution);
  p_out(c, r.residuals);
  p_out(c, r.rank);
  return p_out(c, r.singular_values);
}

const parity_handler parity_handlers_linalg3[] = {
    {"torch.linalg.lstsq", h_lstsq, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_linalg3)
