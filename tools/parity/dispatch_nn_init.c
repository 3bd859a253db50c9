/* Parity handlers: the deterministic parts of torch.nn.init (include/ctorch/nn_init.h). The
 * random initialisers draw from the global generator, which cases do not seed; their numbers
 * are compared with PyTorch's for the same seed in tests/unit/test_nn_init.c. */
#include <math.h>
#include <string.h>

#include "parity.h"

/* torch.nn.init.calculate_gain(nonlinearity, param=None) -> a Python number (a float is
 * stored as float32 by the case) */
static int h_gain(pcall *c) {
  static const char *const names[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                      "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh",
                                      "relu", "leaky_relu", "selu"};
  const char *nl = p_str(c, 0, "nonlinearity", NULL);
  const cJSON *p = p_arg(c, 1, "param");
  double param = p && p_is_number(p) ? p_number(p) : NAN;
  int which = -1;
  for (int i = 0; nl && i < (int)(sizeof names / sizeof names[0]); i++)
    if (strcmp(nl, names[i]) == 0) which = i;
  if (which < 0) p_skip(c, "unknown nonlinearity '%s'", nl ? nl : "(none)");
  P_CHECK(c);
  double g = ct_nn_init_calculate_gain((ct_nonlinearity)which, param);
  /* the linear ones and sigmoid return the Python int 1 */
  ct_dtype dt = which <= CT_NL_SIGMOID ? CT_INT64 : CT_FLOAT32;
  return p_out(c, isnan(g) ? NULL : ct_scalar_tensor(g, dt));
}

/* torch.nn.init._calculate_fan_in_and_fan_out(tensor) -> (fan_in, fan_out) */
static int h_fans(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "tensor");
  P_CHECK(c);
  int64_t fi, fo;
  if (ct_nn_init_calculate_fan_in_and_fan_out(x, &fi, &fo)) return p_out(c, NULL);
  p_out(c, ct_scalar_tensor((double)fi, CT_INT64));
  return p_out(c, ct_scalar_tensor((double)fo, CT_INT64));
}

/* torch.nn.init.constant_(tensor, val) / ones_ / zeros_ / eye_ / dirac_(tensor, groups=1) */
static int h_fill(pcall *c) {
  const char *which = c->data;
  ct_tensor *x = p_tensor(c, 0, "tensor");
  double v = strcmp(which, "constant") == 0 ? p_num(c, 1, "val", NAN) : 0;
  int64_t groups = strcmp(which, "dirac") == 0 ? p_int(c, 1, "groups", 1) : 1;
  P_CHECK(c);
  if (strcmp(which, "constant") == 0) return p_out(c, ct_nn_init_constant_(x, v));
  if (strcmp(which, "ones") == 0) return p_out(c, ct_nn_init_ones_(x));
  if (strcmp(which, "zeros") == 0) return p_out(c, ct_nn_init_zeros_(x));
  if (strcmp(which, "eye") == 0) return p_out(c, ct_nn_init_eye_(x));
  return p_out(c, ct_nn_init_dirac_(x, groups));
}

const parity_handler parity_handlers_nn_init[] = {
    {"torch.nn.init.calculate_gain", h_gain, NULL},
    {"torch.nn.init._calculate_fan_in_and_fan_out", h_fans, NULL},
    {"torch.nn.init.constant_", h_fill, "constant"},
    {"torch.nn.init.ones_", h_fill, "ones"},
    {"torch.nn.init.zeros_", h_fill, "zeros"},
    {"torch.nn.init.eye_", h_fill, "eye"},
    {"torch.nn.init.dirac_", h_fill, "dirac"},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_nn_init)
