/* Parity handlers: linear algebra, indexing, joining, sorting and padding. */
#include <math.h>
#include <string.h>

#include "parity.h"

/* torch.addmm(input, mat1, mat2, *, beta=1, alpha=1) */
static int h_addmm(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *a = p_tensor(c, 1, "mat1"), *b = p_tensor(c, 2, "mat2");
  double beta = p_num(c, -1, "beta", 1), alpha = p_num(c, -1, "alpha", 1);
  P_CHECK(c);
  return p_out(c, ct_addmm(x, a, b, beta, alpha));
}

/* torch.index_select(input, dim, index) / torch.gather(input, dim, index, *, sparse_grad=False) */
static int h_dim_index(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  ct_tensor *i = p_tensor(c, 2, "index");
  if (c->data) p_expect_bool(c, -1, "sparse_grad", false);
  P_CHECK(c);
  return p_out(c, c->data ? ct_gather(x, d, i) : ct_index_select(x, d, i));
}

/* torch.scatter(input, dim, index, src) / (input, dim, index, value); reduce= unsupported */
static int h_scatter(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  ct_tensor *i = p_tensor(c, 2, "index");
  p_expect_null(c, -1, "reduce");
  const cJSON *s = p_arg(c, 3, NULL);
  if (!s) s = p_arg(c, -1, "src");
  if (!s) s = p_arg(c, -1, "value");
  if (s && p_is_number(s)) {
    P_CHECK(c);
    return p_out(c, ct_scatter_value(x, d, i, p_number(s)));
  }
  ct_tensor *src = s ? p_tensor_of(c, s, "src") : NULL;
  if (!s) p_skip(c, "missing argument 'src'");
  P_CHECK(c);
  return p_out(c, ct_scatter(x, d, i, src));
}

/* torch.scatter_add(input, dim, index, src) */
static int h_scatter_add(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim");
  ct_tensor *i = p_tensor(c, 2, "index"), *s = p_tensor(c, 3, "src");
  P_CHECK(c);
  return p_out(c, ct_scatter_add(x, d, i, s));
}

/* torch.nonzero(input, *, as_tuple=False) */
static int h_nonzero(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  p_expect_bool(c, -1, "as_tuple", false);
  P_CHECK(c);
  return p_out(c, ct_nonzero(x));
}

/* torch.cat(tensors, dim=0) / torch.stack(tensors, dim=0) */
static int h_join(pcall *c) {
  ct_tensor *ts[64];
  int n = p_tensors(c, 0, "tensors", ts, 64);
  int64_t d = p_int(c, 1, "dim", 0);
  P_CHECK(c);
  return p_out(c, c->data ? ct_stack(ts, n, d) : ct_cat(ts, n, d));
}

/* torch.tril(input, diagonal=0) / torch.triu */
static int h_tri(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t k = p_int(c, 1, "diagonal", 0);
  P_CHECK(c);
  return p_out(c, c->data ? ct_triu(x, k) : ct_tril(x, k));
}

/* F.one_hot(tensor, num_classes=-1) */
static int h_one_hot(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "tensor");
  int64_t n = p_int(c, 1, "num_classes", -1);
  P_CHECK(c);
  return p_out(c, ct_one_hot(x, n));
}

/* torch.roll(input, shifts, dims=None) */
static int h_roll(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t s[CT_MAX_DIMS], d[CT_MAX_DIMS];
  int ns = p_ints(c, 1, "shifts", s, CT_MAX_DIMS);
  if (ns < 0) p_skip(c, "missing shifts");
  int nd = p_ints(c, 2, "dims", d, CT_MAX_DIMS);
  P_CHECK(c);
  return p_out(c, ct_roll(x, ns, s, nd < 0 ? 0 : nd, d));
}

/* torch.sort(input, dim=-1, descending=False, *, stable=False) */
static int h_sort(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int(c, 1, "dim", -1);
  bool desc = p_bool(c, 2, "descending", false), stable = p_bool(c, -1, "stable", false);
  P_CHECK(c);
  return p_pair(c, ct_sort(x, d, desc, stable));
}

/* torch.argsort(input, dim=-1, descending=False, *, stable=False) */
static int h_argsort(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int(c, 1, "dim", -1);
  bool desc = p_bool(c, 2, "descending", false), stable = p_bool(c, -1, "stable", false);
  P_CHECK(c);
  return p_out(c, stable ? ct_sort(x, d, desc, true).indices : ct_argsort(x, d, desc));
}

/* torch.topk(input, k, dim=-1, largest=True, sorted=True) */
static int h_topk(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t k = p_int_req(c, 1, "k"), d = p_int(c, 2, "dim", -1);
  bool largest = p_bool(c, 3, "largest", true), sorted = p_bool(c, 4, "sorted", true);
  P_CHECK(c);
  return p_pair(c, ct_topk(x, k, d, largest, sorted));
}

/* F.pad(input, pad, mode='constant', value=None) */
static int h_pad(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t p[2 * CT_MAX_DIMS];
  int n = p_ints(c, 1, "pad", p, 2 * CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing pad");
  const char *m = p_str(c, 2, "mode", "constant");
  static const char *modes[] = {"constant", "reflect", "replicate", "circular"};
  int mode = -1;
  for (int i = 0; i < 4; i++)
    if (strcmp(m, modes[i]) == 0) mode = i;
  if (mode < 0) p_skip(c, "unsupported mode '%s'", m);
  const cJSON *v = p_arg(c, 3, "value");
  double value = v && !cJSON_IsNull(v) ? p_num(c, 3, "value", 0) : 0;
  P_CHECK(c);
  return p_out(c, ct_pad(x, n, p, (ct_pad_mode)mode, value));
}

#define B(n, f, a, b) P_BINARY(n, f, NULL, a, b)
#define TI(n, fn, d) {"torch." n, fn, d}, {"Tensor." n, fn, d}

const parity_handler parity_handlers_index[] = {
    B("torch.mm", ct_mm, "input", "mat2"), B("Tensor.mm", ct_mm, "input", "mat2"),
    B("torch.bmm", ct_bmm, "input", "mat2"), B("Tensor.bmm", ct_bmm, "input", "mat2"),
    B("torch.matmul", ct_matmul, "input", "other"), B("Tensor.matmul", ct_matmul, "input", "other"),
    B("torch.mv", ct_mv, "input", "vec"), B("Tensor.mv", ct_mv, "input", "vec"),
    B("torch.dot", ct_dot, "input", "other"), B("Tensor.dot", ct_dot, "input", "other"),
    B("torch.outer", ct_outer, "input", "vec2"), B("Tensor.outer", ct_outer, "input", "vec2"),
    B("torch.ger", ct_outer, "input", "vec2"),
    B("torch.take", ct_take, "input", "index"), B("Tensor.take", ct_take, "input", "index"),
    B("torch.masked_select", ct_masked_select, "input", "mask"),
    B("Tensor.masked_select", ct_masked_select, "input", "mask"),
    TI("addmm", h_addmm, NULL),
    TI("index_select", h_dim_index, NULL),
    TI("gather", h_dim_index, "gather"),
    TI("scatter", h_scatter, NULL),
    TI("scatter_add", h_scatter_add, NULL),
    TI("nonzero", h_nonzero, NULL),
    {"torch.cat", h_join, NULL}, {"torch.concat", h_join, NULL},
    {"torch.stack", h_join, "stack"},
    TI("tril", h_tri, NULL), TI("triu", h_tri, "triu"),
    {"F.one_hot", h_one_hot, NULL},
    P_SIZES("Tensor.repeat", ct_repeat, "repeats", true),
    P_SIZES("torch.flip", ct_flip, "dims", false), P_SIZES("Tensor.flip", ct_flip, "dims", true),
    TI("roll", h_roll, NULL),
    TI("sort", h_sort, NULL),
    TI("argsort", h_argsort, NULL),
    TI("topk", h_topk, NULL),
    {"F.pad", h_pad, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_index)
