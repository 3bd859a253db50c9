/* Parity handlers: the resampling family of torch.nn.functional (include/ctorch/functional.h,
 * "resampling" block): interpolate, grid_sample, affine_grid, unfold, fold, with PyTorch's
 * argument names and defaults. */
#include <string.h>

#include "ctorch/functional.h"
#include "parity.h"

/* An int-or-tuple argument; absent or None gives n == 0 (the function's default). */
static ct_ints rs_ints(pcall *c, int pos, const char *kw) {
  ct_ints v = {0};
  int n = p_ints(c, pos, kw, v.v, CT_MAX_DIMS);
  v.n = n < 0 ? 0 : n;
  return v;
}

/* an optional bool: -1 for None / absent */
static int rs_opt_bool(pcall *c, int pos, const char *kw) {
  const cJSON *v = p_arg(c, pos, kw);
  if (!v || cJSON_IsNull(v)) return -1;
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
  p_skip(c, "%s: expected a bool or None", kw);
  return -1;
}

/* index of s in names[n], or -1 (the case is skipped) */
static int rs_pick(pcall *c, const char *s, const char *const *names, int n, const char *kw) {
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) return i;
  p_skip(c, "%s='%s' is not supported", kw, s);
  return 0;
}

/* F.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
 * recompute_scale_factor=None, antialias=False) */
static int rs_interpolate(pcall *c) {
  static const char *const modes[] = {"nearest", "linear", "bilinear", "bicubic",
                                      "trilinear", "area", "nearest-exact"};
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_interpolate_opts o = CT_INTERPOLATE_OPTS(.size = rs_ints(c, 1, "size"));
  const cJSON *s = p_arg(c, 2, "scale_factor");
  if (s && cJSON_IsArray(s)) {
    for (int j = 0; j < cJSON_GetArraySize(s) && j < CT_MAX_DIMS; j++)
      o.scale_factor.v[o.scale_factor.n++] = p_number(cJSON_GetArrayItem(s, j));
  } else if (s && p_is_number(s)) {
    o.scale_factor = CT_FLOATS(p_number(s));
  }
  o.mode = (ct_interp_mode)rs_pick(c, p_str(c, 3, "mode", "nearest"), modes, 7, "mode");
  o.align_corners = rs_opt_bool(c, 4, "align_corners");
  o.recompute_scale_factor = rs_opt_bool(c, 5, "recompute_scale_factor");
  o.antialias = p_bool(c, 6, "antialias", false);
  P_CHECK(c);
  return p_out(c, ct_interpolate_ex(x, o));
}

/* F.grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None) */
static int rs_grid_sample(pcall *c) {
  static const char *const modes[] = {"bilinear", "nearest", "bicubic"};
  static const char *const pads[] = {"zeros", "border", "reflection"};
  ct_tensor *x = p_tensor(c, 0, "input"), *g = p_tensor(c, 1, "grid");
  ct_grid_sample_opts o = {
      .mode = (ct_grid_mode)rs_pick(c, p_str(c, 2, "mode", "bilinear"), modes, 3, "mode"),
      .padding_mode = (ct_grid_padding)rs_pick(c, p_str(c, 3, "padding_mode", "zeros"), pads, 3,
                                            "padding_mode"),
      .align_corners = rs_opt_bool(c, 4, "align_corners") > 0};
  P_CHECK(c);
  return p_out(c, ct_grid_sample_ex(x, g, o));
}

/* F.affine_grid(theta, size, align_corners=None) */
static int rs_affine_grid(pcall *c) {
  ct_tensor *theta = p_tensor(c, 0, "theta");
  ct_ints size = rs_ints(c, 1, "size");
  bool ac = rs_opt_bool(c, 2, "align_corners") > 0;
  P_CHECK(c);
  return p_out(c, ct_affine_grid(theta, size, ac));
}

/* F.unfold(input, kernel_size, dilation=1, padding=0, stride=1) */
static int rs_unfold(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints k = rs_ints(c, 1, "kernel_size");
  ct_fold_opts o = {rs_ints(c, 2, "dilation"), rs_ints(c, 3, "padding"), rs_ints(c, 4, "stride")};
  P_CHECK(c);
  return p_out(c, ct_unfold_ex(x, k, o));
}

/* F.fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) */
static int rs_fold(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  ct_ints os = rs_ints(c, 1, "output_size"), k = rs_ints(c, 2, "kernel_size");
  ct_fold_opts o = {rs_ints(c, 3, "dilation"), rs_ints(c, 4, "padding"), rs_ints(c, 5, "stride")};
  P_CHECK(c);
  return p_out(c, ct_fold_ex(x, os, k, o));
}

const parity_handler parity_handlers_resample[] = {
    {"F.interpolate", rs_interpolate, NULL},
    {"F.grid_sample", rs_grid_sample, NULL},
    {"F.affine_grid", rs_affine_grid, NULL},
    {"F.unfold", rs_unfold, NULL},
    {"F.fold", rs_fold, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_resample)
