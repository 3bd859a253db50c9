/* Parity handlers: contractions and diagonals (src/ops/einsum.c). */
#include <cjson/cJSON.h>
#include <string.h>

#include "parity.h"

#define EIN_MAX 16

/* torch.einsum(equation, *operands) or torch.einsum(equation, [operands]) */
static int h_einsum_sublist(pcall *c);
static int h_einsum(pcall *c) {
  const cJSON *a0 = p_arg(c, 0, NULL);
  if (a0 && p_is_tensor(a0)) return h_einsum_sublist(c); /* einsum(op1, [0, 1], op2, ...) */
  const char *eq = p_str(c, 0, "equation", NULL);
  ct_tensor *ops[EIN_MAX];
  int n = 0;
  const cJSON *a1 = p_arg(c, 1, NULL);
  if (a1 && cJSON_IsArray(a1)) {
    n = p_tensors(c, 1, NULL, ops, EIN_MAX);
  } else {
    for (int i = 1; i < c->nargs && n < EIN_MAX; i++) ops[n++] = p_tensor(c, i, NULL);
  }
  if (!eq) p_skip(c, "missing equation");
  P_CHECK(c);
  return p_out(c, ct_einsum(eq, ops, n));
}

/* torch.einsum(op1, sublist1, op2, sublist2, ..., [out_sublist]) (ints only, no Ellipsis) */
static int h_einsum_sublist(pcall *c) {
  ct_tensor *ops[EIN_MAX];
  int64_t subs[EIN_MAX + 1][CT_MAX_DIMS];
  const int64_t *sp[EIN_MAX];
  int lens[EIN_MAX + 1], n = 0, i = 0;
  for (; i + 1 < c->nargs && n < EIN_MAX; i += 2, n++) {
    ops[n] = p_tensor(c, i, NULL);
    lens[n] = p_ints(c, i + 1, NULL, subs[n], CT_MAX_DIMS);
    sp[n] = subs[n];
  }
  int out_len = i < c->nargs ? p_ints(c, i, NULL, subs[EIN_MAX], CT_MAX_DIMS) : -1;
  P_CHECK(c);
  return p_out(c, ct_einsum_sublist(ops, n, sp, lens, subs[EIN_MAX], out_len));
}

/* torch.tensordot(a, b, dims=2): dims an int or two lists */
static int h_tensordot(pcall *c) {
  ct_tensor *a = p_tensor(c, 0, "a"), *b = p_tensor(c, 1, "b");
  const cJSON *d = p_arg(c, 2, "dims");
  ct_tensordot_opts o = {.dims = 2};
  if (d && cJSON_IsArray(d)) {
    const cJSON *l0 = cJSON_GetArrayItem(d, 0), *l1 = cJSON_GetArrayItem(d, 1);
    if (cJSON_GetArraySize(d) != 2 || !cJSON_IsArray(l0) || !cJSON_IsArray(l1)) {
      p_skip(c, "dims: expected two lists");
      return 0;
    }
    o.dims_a.n = cJSON_GetArraySize(l0);
    o.dims_b.n = cJSON_GetArraySize(l1);
    if (o.dims_a.n > CT_MAX_DIMS || o.dims_b.n > CT_MAX_DIMS) {
      p_skip(c, "dims: too many");
      return 0;
    }
    for (int i = 0; i < o.dims_a.n; i++) o.dims_a.d[i] = (int64_t)cJSON_GetArrayItem(l0, i)->valuedouble;
    for (int i = 0; i < o.dims_b.n; i++) o.dims_b.d[i] = (int64_t)cJSON_GetArrayItem(l1, i)->valuedouble;
  } else if (d) {
    o.dims = p_int(c, 2, "dims", 2);
  }
  P_CHECK(c);
  return p_out(c, ct_tensordot_ex(a, b, o));
}

/* torch.diagonal(input, offset=0, dim1=0, dim2=1) / torch.diag_embed(input, offset=0,
 * dim1=-2, dim2=-1) */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, int64_t, int64_t, int64_t);
  int64_t d1, d2;
} p_diag3;
static int h_diag3(pcall *c) {
  const p_diag3 *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t off = p_int(c, 1, "offset", 0), d1 = p_int(c, 2, "dim1", d->d1), d2 = p_int(c, 3, "dim2", d->d2);
  P_CHECK(c);
  return p_out(c, d->fn(x, off, d1, d2));
}

/* torch.diag(input, diagonal=0) / torch.diagflat(input, offset=0) */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, int64_t);
  const char *kw;
} p_diag1;
static int h_diag1(pcall *c) {
  const p_diag1 *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t k = p_int(c, 1, d->kw, 0);
  P_CHECK(c);
  return p_out(c, d->fn(x, k));
}

/* torch.movedim(input, source, destination): ints or lists */
static int h_movedim(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t s[CT_MAX_DIMS], d[CT_MAX_DIMS];
  int ns = p_ints(c, 1, "source", s, CT_MAX_DIMS), nd = p_ints(c, 2, "destination", d, CT_MAX_DIMS);
  if (ns < 0 || nd < 0) p_skip(c, "missing source / destination");
  P_CHECK(c);
  return p_out(c, ns == nd ? ct_movedim(x, ns, s, d) : ct_movedim_list(x, ns, s, nd, d));
}

/* torch.swapaxes(input, axis0, axis1) / torch.swapdims(input, dim0, dim1) */
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *, int64_t, int64_t);
  const char *k0, *k1;
} p_swap;
static int h_swap(pcall *c) {
  const p_swap *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t a = p_int_req(c, 1, d->k0), b = p_int_req(c, 2, d->k1);
  P_CHECK(c);
  return p_out(c, d->fn(x, a, b));
}

/* torch.tile(input, dims) / torch.broadcast_to(input, size) */
static int h_sized(pcall *c) {
  const p_sizes *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t s[CT_MAX_DIMS];
  int n = p_ints(c, 1, d->kw, s, CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing %s", d->kw);
  P_CHECK(c);
  return p_out(c, d->fn(x, n, s));
}

/* torch.hstack(tensors) ...: one list */
typedef struct {
  ct_tensor *(*fn)(ct_tensor *const *, int);
} p_list;
static int h_list(pcall *c) {
  const p_list *d = c->data;
  ct_tensor *ts[EIN_MAX];
  int n = p_tensors(c, 0, "tensors", ts, EIN_MAX);
  P_CHECK(c);
  return p_out(c, d->fn(ts, n));
}

/* torch.block_diag(*tensors) / torch.cartesian_prod(*tensors) */
static int h_varlist(pcall *c) {
  const p_list *d = c->data;
  ct_tensor *ts[EIN_MAX];
  int n = 0;
  for (int i = 0; i < c->nargs && n < EIN_MAX; i++) ts[n++] = p_tensor(c, i, NULL);
  P_CHECK(c);
  return p_out(c, d->fn(ts, n));
}

/* torch.rot90(input, k=1, dims=[0, 1]) */
static int h_rot90(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t k = p_int(c, 1, "k", 1), d[CT_MAX_DIMS] = {0, 1};
  int n = p_ints(c, 2, "dims", d, CT_MAX_DIMS);
  P_CHECK(c);
  return p_out(c, ct_rot90(x, k, n < 0 ? 2 : n, d));
}

/* torch.meshgrid(*tensors, indexing=None): None is 'ij' (1.13 warns) */
static int h_meshgrid(pcall *c) {
  ct_tensor *ts[EIN_MAX], *out[EIN_MAX];
  int n = 0;
  for (int i = 0; i < c->nargs && n < EIN_MAX; i++) ts[n++] = p_tensor(c, i, NULL);
  const cJSON *ix = p_arg(c, -1, "indexing");
  const char *s = ix && cJSON_IsString(ix) ? ix->valuestring : "ij";
  if (strcmp(s, "ij") && strcmp(s, "xy")) p_skip(c, "indexing '%s'", s);
  P_CHECK(c);
  int r = ct_meshgrid(ts, n, strcmp(s, "xy") ? CT_MESHGRID_IJ : CT_MESHGRID_XY, out, EIN_MAX);
  if (r < 0) return p_out(c, NULL);
  for (int i = 0; i < r; i++) p_out(c, out[i]);
  return 0;
}

const parity_handler parity_handlers_einsum[] = {
    {"torch.einsum", h_einsum, NULL},
    {"torch.tensordot", h_tensordot, NULL},
    P_BINARY("torch.kron", ct_kron, NULL, "input", "other"),
    P_UNARY("torch.trace", ct_trace),
    {"torch.diagonal", h_diag3, &(const p_diag3){ct_diagonal, 0, 1}},
    {"torch.diag_embed", h_diag3, &(const p_diag3){ct_diag_embed, -2, -1}},
    {"torch.diag", h_diag1, &(const p_diag1){ct_diag, "diagonal"}},
    {"torch.diagflat", h_diag1, &(const p_diag1){ct_diagflat, "offset"}},
    {"torch.movedim", h_movedim, NULL},
    {"torch.moveaxis", h_movedim, NULL},
    {"torch.swapaxes", h_swap, &(const p_swap){ct_swapaxes, "axis0", "axis1"}},
    {"torch.swapdims", h_swap, &(const p_swap){ct_swapdims, "dim0", "dim1"}},
    {"torch.tile", h_sized, &(const p_sizes){ct_tile, "dims", false}},
    {"torch.broadcast_to", h_sized, &(const p_sizes){ct_broadcast_to, "size", false}},
    P_UNARY("torch.atleast_1d", ct_atleast_1d),
    P_UNARY("torch.atleast_2d", ct_atleast_2d),
    P_UNARY("torch.atleast_3d", ct_atleast_3d),
    {"torch.hstack", h_list, &(const p_list){ct_hstack}},
    {"torch.vstack", h_list, &(const p_list){ct_vstack}},
    {"torch.dstack", h_list, &(const p_list){ct_dstack}},
    {"torch.column_stack", h_list, &(const p_list){ct_column_stack}},
    {"torch.block_diag", h_varlist, &(const p_list){ct_block_diag}},
    {"torch.cartesian_prod", h_varlist, &(const p_list){ct_cartesian_prod}},
    {"torch.rot90", h_rot90, NULL},
    {"torch.meshgrid", h_meshgrid, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_einsum)
