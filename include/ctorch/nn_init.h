/* torch.nn.init in C: torch.nn.init.x_(t, ...) -> ct_nn_init_x_(t, ...). Every function fills
 * t in place under no-grad (so a parameter that requires grad can be initialised) and returns
 * t, or NULL with ct_last_error() set and t unchanged. The random ones draw from the default
 * generator exactly as PyTorch 1.13 does: after ct_manual_seed(s) they give the numbers
 * torch.manual_seed(s) + torch.nn.init gives. */
#ifndef CTORCH_NN_INIT_H
#define CTORCH_NN_INIT_H

#include "tensor_ops.h"

#ifdef __cplusplus
extern "C" {
#endif
#pragma GCC visibility push(default)

/* calculate_gain's nonlinearity argument */
typedef enum ct_nonlinearity {
  CT_NL_LINEAR = 0,
  CT_NL_CONV1D,
  CT_NL_CONV2D,
  CT_NL_CONV3D,
  CT_NL_CONV_TRANSPOSE1D,
  CT_NL_CONV_TRANSPOSE2D,
  CT_NL_CONV_TRANSPOSE3D,
  CT_NL_SIGMOID,
  CT_NL_TANH,
  CT_NL_RELU,
  CT_NL_LEAKY_RELU,
  CT_NL_SELU
} ct_nonlinearity;
/* kaiming's mode */
typedef enum ct_fan_mode { CT_FAN_IN = 0, CT_FAN_OUT } ct_fan_mode;

/* nn.init.calculate_gain(nonlinearity, param=None): param is leaky_relu's negative slope, NAN
 * for None (0.01). NAN with an error for a value outside the enum. */
double ct_nn_init_calculate_gain(ct_nonlinearity nonlinearity, double param);
/* nn.init.uniform_(t, a=0., b=1.) */
ct_tensor *ct_nn_init_uniform_(ct_tensor *t, double a, double b);
/* nn.init.normal_(t, mean=0., std=1.) */
ct_tensor *ct_nn_init_normal_(ct_tensor *t, double mean, double std);
/* nn.init.trunc_normal_(t, mean=0., std=1., a=-2., b=2.): normal values within [a, b] */
typedef struct ct_trunc_normal_opts {
  double mean, std, a, b;
} ct_trunc_normal_opts;
#define CT_TRUNC_NORMAL_OPTS(...) \
  CT_OPTS(ct_trunc_normal_opts, .mean = 0, .std = 1, .a = -2, .b = 2, __VA_ARGS__)
ct_tensor *ct_nn_init_trunc_normal__ex(ct_tensor *t, ct_trunc_normal_opts o);
#define ct_nn_init_trunc_normal_(t, ...) \
  ct_nn_init_trunc_normal__ex(t, CT_TRUNC_NORMAL_OPTS(__VA_ARGS__))
/* nn.init.constant_(t, val), ones_(t), zeros_(t) */
ct_tensor *ct_nn_init_constant_(ct_tensor *t, double val);
ct_tensor *ct_nn_init_ones_(ct_tensor *t);
ct_tensor *ct_nn_init_zeros_(ct_tensor *t);
/* nn.init.eye_(t): 2-dim t */
ct_tensor *ct_nn_init_eye_(ct_tensor *t);
/* nn.init.dirac_(t, groups=1): 3-, 4- or 5-dim t */
ct_tensor *ct_nn_init_dirac_(ct_tensor *t, int64_t groups);
/* nn.init.xavier_uniform_(t, gain=1.) and xavier_normal_(t, gain=1.) */
ct_tensor *ct_nn_init_xavier_uniform_(ct_tensor *t, double gain);
ct_tensor *ct_nn_init_xavier_normal_(ct_tensor *t, double gain);
/* nn.init.kaiming_uniform_(t, a=0, mode='fan_in', nonlinearity='leaky_relu') and
 * kaiming_normal_: ct_nn_init_kaiming_uniform_(w, .a = sqrt(5)) is nn.Linear's weight init. */
typedef struct ct_kaiming_opts {
  double a;
  ct_fan_mode mode;
  ct_nonlinearity nonlinearity;
} ct_kaiming_opts;
#define CT_KAIMING_OPTS(...) \
  CT_OPTS(ct_kaiming_opts, .a = 0, .mode = CT_FAN_IN, .nonlinearity = CT_NL_LEAKY_RELU, __VA_ARGS__)
ct_tensor *ct_nn_init_kaiming_uniform__ex(ct_tensor *t, ct_kaiming_opts o);
ct_tensor *ct_nn_init_kaiming_normal__ex(ct_tensor *t, ct_kaiming_opts o);
#define ct_nn_init_kaiming_uniform_(t, ...) \
  ct_nn_init_kaiming_uniform__ex(t, CT_KAIMING_OPTS(__VA_ARGS__))
#define ct_nn_init_kaiming_normal_(t, ...) \
  ct_nn_init_kaiming_normal__ex(t, CT_KAIMING_OPTS(__VA_ARGS__))
/* nn.init.orthogonal_(t, gain=1): t.size(0) rows of an orthonormal basis (or columns, when
 * there are more columns), from PyTorch's normal draws and a QR factorisation */
ct_tensor *ct_nn_init_orthogonal_(ct_tensor *t, double gain);
/* nn.init.sparse_(t, sparsity, std=0.01): 2-dim t, normal values with ceil(sparsity * rows)
 * zeros per column */
ct_tensor *ct_nn_init_sparse_(ct_tensor *t, double sparsity, double std);
/* nn.init's fan computation (_calculate_fan_in_and_fan_out): 0, or -1 for t with < 2 dims */
int ct_nn_init_calculate_fan_in_and_fan_out(const ct_tensor *t, int64_t *fan_in, int64_t *fan_out);

#pragma GCC visibility pop
#ifdef __cplusplus
}
#endif
#endif
