/* Parity handlers: contractions and diagonals (src/ops/einsum.c). */
#include <cjson/cJSON.h>

#include "parity.h"

#define EIN_MAX 16

/* torch.einsum(equation, *operands) or torch.einsum(equation, [operands]) */
static int h_einsum(pcall *c) {
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
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_einsum)
