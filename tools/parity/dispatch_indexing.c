/* Parity handlers: index_add, index_copy, index_fill (src/ops/index_add.c), scatter_reduce
 * (src/ops/scatter_reduce.c). data: non-NULL
 * for the in-place Tensor.*_ forms. */
#include <string.h>

#include "parity.h"

static const int on = 1;

/* torch.index_add(input, dim, index, source, *, alpha=1) and Tensor.index_add_ */
static int h_index_add(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 2, "index"), *s = p_tensor(c, 3, "source");
  int64_t d = p_int_req(c, 1, "dim");
  double alpha = p_num(c, -1, "alpha", 1);
  P_CHECK(c);
  return p_out(c, c->data ? ct_index_add_(x, d, i, s, alpha) : ct_index_add(x, d, i, s, alpha));
}

/* torch.index_copy(input, dim, index, source) and Tensor.index_copy_ */
static int h_index_copy(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 2, "index"), *s = p_tensor(c, 3, "source");
  int64_t d = p_int_req(c, 1, "dim");
  P_CHECK(c);
  return p_out(c, c->data ? ct_index_copy_(x, d, i, s) : ct_index_copy(x, d, i, s));
}

/* torch.index_fill(input, dim, index, value): value a number or a 0-dim tensor */
static int h_index_fill(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 2, "index");
  int64_t d = p_int_req(c, 1, "dim");
  const cJSON *v = p_arg(c, 3, "value");
  ct_tensor *vt = p_is_number(v) ? NULL : p_tensor_of(c, v, "value");
  double val = vt ? 0 : p_number(v);
  P_CHECK(c);
  if (vt) return p_out(c, c->data ? ct_index_fill_tensor_(x, d, i, vt) : ct_index_fill_tensor(x, d, i, vt));
  return p_out(c, c->data ? ct_index_fill_(x, d, i, val) : ct_index_fill(x, d, i, val));
}

/* torch.scatter_reduce(input, dim, index, src, reduce, *, include_self=True) and Tensor.scatter_reduce_ */
static int h_scatter_reduce(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *i = p_tensor(c, 2, "index"), *s = p_tensor(c, 3, "src");
  int64_t d = p_int_req(c, 1, "dim");
  const char *r = p_str(c, 4, "reduce", "");
  bool self = p_bool(c, -1, "include_self", true);
  static const char *const names[] = {"sum", "prod", "mean", "amax", "amin"};
  int op = 0;
  while (op < 5 && strcmp(names[op], r)) op++;
  P_CHECK(c);
  ct_scatter_reduce_op o = (ct_scatter_reduce_op)op;
  return p_out(c, c->data ? ct_scatter_reduce_(x, d, i, s, o, self) : ct_scatter_reduce(x, d, i, s, o, self));
}

const parity_handler parity_handlers_indexing[] = {
    {"torch.index_add", h_index_add, NULL},
    {"Tensor.index_add", h_index_add, NULL},
    {"Tensor.index_add_", h_index_add, &on},
    {"torch.index_copy", h_index_copy, NULL},
    {"Tensor.index_copy", h_index_copy, NULL},
    {"Tensor.index_copy_", h_index_copy, &on},
    {"torch.index_fill", h_index_fill, NULL},
    {"Tensor.index_fill", h_index_fill, NULL},
    {"Tensor.index_fill_", h_index_fill, &on},
    {"torch.scatter_reduce", h_scatter_reduce, NULL},
    {"Tensor.scatter_reduce", h_scatter_reduce, NULL},
    {"Tensor.scatter_reduce_", h_scatter_reduce, &on},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_indexing)
