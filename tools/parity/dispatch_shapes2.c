/* Parity handlers: more shape functions (src/ops/shape2.c) and torch.cdist (src/ops/distance.c). */
#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

#include "parity.h"

#define S2_MAX 16

/* torch.repeat_interleave(input, repeats, dim=None, *, output_size=None) with repeats an int
 * or a tensor; or torch.repeat_interleave(repeats, *, output_size=None) */
static int h_repeat_interleave(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const cJSON *r = p_arg(c, 1, "repeats");
  int64_t dim = p_int_opt(c, 2, "dim"), osz = p_int_opt(c, -1, "output_size");
  P_CHECK(c);
  if (!r) return p_out(c, ct_repeat_interleave_indices(x, osz));
  if (p_is_tensor(r))
    return p_out(c, ct_repeat_interleave_tensor(x, p_tensor(c, 1, "repeats"), .dim = dim, .output_size = osz));
  int64_t n = p_int(c, 1, "repeats", 0);
  P_CHECK(c);
  return p_out(c, ct_repeat_interleave(x, n, .dim = dim, .output_size = osz));
}

static int outs(pcall *c, int r, ct_tensor **o) {
  if (r < 0) return p_out(c, NULL);
  for (int i = 0; i < r; i++) p_out(c, o[i]);
  return 0;
}

/* torch.tensor_split(input, indices_or_sections, dim=0): an int or a list */
static int h_tensor_split(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *o[S2_MAX];
  const cJSON *a = p_arg(c, 1, "indices_or_sections");
  int64_t idx[S2_MAX];
  int n = p_ints(c, 1, "indices_or_sections", idx, S2_MAX);
  int64_t dim = p_int(c, 2, "dim", 0);
  if (n < 0) p_skip(c, "missing indices_or_sections");
  P_CHECK(c);
  return outs(c, cJSON_IsArray(a) ? ct_tensor_split_indices(x, n, idx, dim, o, S2_MAX)
                                  : ct_tensor_split(x, idx[0], dim, o, S2_MAX), o);
}

/* torch.hsplit / vsplit / dsplit(input, indices_or_sections) */
typedef struct {
  int (*even)(const ct_tensor *, int64_t, ct_tensor **, int);
  int (*at)(const ct_tensor *, int, const int64_t *, ct_tensor **, int);
} p_split;
static int h_split(pcall *c) {
  const p_split *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input"), *o[S2_MAX];
  const cJSON *a = p_arg(c, 1, "indices_or_sections");
  int64_t idx[S2_MAX];
  int n = p_ints(c, 1, "indices_or_sections", idx, S2_MAX);
  if (n < 0) p_skip(c, "missing indices_or_sections");
  P_CHECK(c);
  return outs(c, cJSON_IsArray(a) ? d->at(x, n, idx, o, S2_MAX) : d->even(x, idx[0], o, S2_MAX), o);
}

/* torch.broadcast_tensors(*tensors) */
static int h_broadcast_tensors(pcall *c) {
  ct_tensor *ts[S2_MAX], *o[S2_MAX];
  int n = 0;
  for (int i = 0; i < c->nargs && n < S2_MAX; i++) ts[n++] = p_tensor(c, i, NULL);
  P_CHECK(c);
  return outs(c, ct_broadcast_tensors(ts, n, o, S2_MAX), o);
}

/* torch.as_strided(input, size, stride, storage_offset=None) */
static int h_as_strided(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t size[CT_MAX_DIMS], stride[CT_MAX_DIMS];
  int ns = p_ints(c, 1, "size", size, CT_MAX_DIMS), nt = p_ints(c, 2, "stride", stride, CT_MAX_DIMS);
  int64_t off = p_int_opt(c, 3, "storage_offset");
  if (ns < 0 || nt != ns) p_skip(c, "size / stride");
  P_CHECK(c);
  return p_out(c, ct_as_strided(x, ns, size, stride, off));
}

/* torch.tril_indices / triu_indices(row, col, offset=0) (int64 only) */
typedef struct {
  ct_tensor *(*fn)(int64_t, int64_t, int64_t);
} p_tri;
static int h_tri(pcall *c) {
  const p_tri *d = c->data;
  int64_t r = p_int_req(c, 0, "row"), col = p_int_req(c, 1, "col"), off = p_int(c, 2, "offset", 0);
  P_CHECK(c);
  return p_out(c, d->fn(r, col, off));
}

/* torch.cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary') */
static int h_cdist(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "x1"), *b = p_tensor(c, 1, "x2");
  double p = p_num(c, 2, "p", 2);
  const char *m = p_str(c, 3, "compute_mode", "use_mm_for_euclid_dist_if_necessary");
  ct_cdist_mode mode = !strcmp(m, "use_mm_for_euclid_dist") ? CT_CDIST_USE_MM
                       : !strcmp(m, "donot_use_mm_for_euclid_dist") ? CT_CDIST_DONOT_USE_MM
                                                                     : CT_CDIST_USE_MM_IF_NECESSARY;
  if (mode == CT_CDIST_USE_MM_IF_NECESSARY && strcmp(m, "use_mm_for_euclid_dist_if_necessary"))
    p_skip(c, "compute_mode '%s'", m);
  P_CHECK(c);
  return p_out(c, ct_cdist(a, b, .p = p, .compute_mode = mode));
}

const parity_handler parity_handlers_shapes2[] = {
    {"torch.repeat_interleave", h_repeat_interleave, NULL},
    {"torch.tensor_split", h_tensor_split, NULL},
    {"torch.hsplit", h_split, &(const p_split){ct_hsplit, ct_hsplit_indices}},
    {"torch.vsplit", h_split, &(const p_split){ct_vsplit, ct_vsplit_indices}},
    {"torch.dsplit", h_split, &(const p_split){ct_dsplit, ct_dsplit_indices}},
    {"torch.broadcast_tensors", h_broadcast_tensors, NULL},
    {"torch.as_strided", h_as_strided, NULL},
    {"torch.tril_indices", h_tri, &(const p_tri){ct_tril_indices}},
    {"torch.triu_indices", h_tri, &(const p_tri){ct_triu_indices}},
    {"torch.cdist", h_cdist, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_shapes2)
