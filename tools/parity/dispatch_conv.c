/* Parity handlers: F.conv1d/2d/3d and F.conv_transpose1d/2d/3d (PyTorch signatures in the
 * comments). */
#include <string.h>

#include "parity.h"

/* An int-or-tuple keyword as a ct_ints (absent: n == 0, PyTorch's default). */
static ct_ints conv_ints_arg(pcall *c, int pos, const char *kw) {
  ct_ints r = {0};
  int n = p_ints(c, pos, kw, r.v, CT_MAX_DIMS);
  r.n = n < 0 ? 0 : n;
  return r;
}

/* bias=None or a tensor */
static const ct_tensor *conv_bias_arg(pcall *c) {
  return p_tensor_opt(c, 2, "bias");
}

typedef ct_tensor *(*conv_fn)(const ct_tensor *, const ct_tensor *, ct_conv_opts);
typedef ct_tensor *(*conv_t_fn)(const ct_tensor *, const ct_tensor *, ct_conv_transpose_opts);

/* F.conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1); padding may
 * be 'same' or 'valid'. */
static int h_conv(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  ct_conv_opts o = {.bias = conv_bias_arg(c), .stride = conv_ints_arg(c, 3, "stride")};
  const cJSON *pd = p_arg(c, 4, "padding");
  if (cJSON_IsString(pd)) {
    if (strcmp(pd->valuestring, "same") == 0) o.padding_kind = CT_PADDING_SAME;
    else if (strcmp(pd->valuestring, "valid") == 0) o.padding_kind = CT_PADDING_VALID;
    else p_skip(c, "unsupported padding '%s'", pd->valuestring);
  } else {
    o.padding = conv_ints_arg(c, 4, "padding");
  }
  o.dilation = conv_ints_arg(c, 5, "dilation");
  o.groups = p_int(c, 6, "groups", 1);
  P_CHECK(c);
  return p_out(c, (*(const conv_fn *)c->data)(x, w, o));
}

/* F.conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
 * groups=1, dilation=1) */
static int h_conv_t(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *w = p_tensor(c, 1, "weight");
  ct_conv_transpose_opts o = {.bias = conv_bias_arg(c), .stride = conv_ints_arg(c, 3, "stride"),
                              .padding = conv_ints_arg(c, 4, "padding"),
                              .output_padding = conv_ints_arg(c, 5, "output_padding")};
  o.groups = p_int(c, 6, "groups", 1);
  o.dilation = conv_ints_arg(c, 7, "dilation");
  P_CHECK(c);
  return p_out(c, (*(const conv_t_fn *)c->data)(x, w, o));
}

const parity_handler parity_handlers_conv[] = {
    {"F.conv1d", h_conv, &(const conv_fn){ct_conv1d_ex}},
    {"F.conv2d", h_conv, &(const conv_fn){ct_conv2d_ex}},
    {"F.conv3d", h_conv, &(const conv_fn){ct_conv3d_ex}},
    {"F.conv_transpose1d", h_conv_t, &(const conv_t_fn){ct_conv_transpose1d_ex}},
    {"F.conv_transpose2d", h_conv_t, &(const conv_t_fn){ct_conv_transpose2d_ex}},
    {"F.conv_transpose3d", h_conv_t, &(const conv_t_fn){ct_conv_transpose3d_ex}},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_conv)
