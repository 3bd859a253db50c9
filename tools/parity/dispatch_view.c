/* Parity handlers: views, copies and conversions (PyTorch signatures in the comments). */
#include <stdint.h>
#include <string.h>

#include "parity.h"

int parity_h_sizes(pcall *c) {
  const p_sizes *d = c->data;
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t s[CT_MAX_DIMS];
  int n = d->varargs ? p_varargs(c, 1, d->kw, s, CT_MAX_DIMS) : p_ints(c, 1, d->kw, s, CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing argument '%s'", d->kw);
  P_CHECK(c);
  return p_out(c, d->fn(x, n, s));
}

/* Tensor.view_as(other) / Tensor.expand_as(other) */
static int h_as(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self"), *o = p_tensor(c, 1, "other");
  P_CHECK(c);
  const p_binary *b = c->data;
  return p_out(c, b->fn(x, o));
}

/* ---- ops that take the tensor and then only ints --------------------------------------
 * Each int is required (P_REQ: absent skips), optional (P_OPT: null / absent give CT_NONE) or
 * has a default; they are read in order and handed to the adapter as a[0..3]. */
#define P_REQ (INT64_MIN + 1)
#define P_OPT CT_NONE
typedef struct {
  ct_tensor *(*fn)(const ct_tensor *x, const int64_t *a);
  const char *self; /* the tensor's keyword name */
  const char *kw[4];
  int64_t def[4];
} p_ints_op;
static int h_ints(pcall *c) {
  const p_ints_op *d = c->data;
  ct_tensor *x = p_tensor(c, 0, d->self);
  int64_t a[4] = {0};
  for (int i = 0; i < 4 && d->kw[i]; i++)
    a[i] = d->def[i] == P_REQ   ? p_int_req(c, i + 1, d->kw[i])
           : d->def[i] == P_OPT ? p_int_opt(c, i + 1, d->kw[i])
                                : p_int(c, i + 1, d->kw[i], d->def[i]);
  P_CHECK(c);
  return p_out(c, d->fn(x, a));
}

static ct_tensor *a_transpose(const ct_tensor *x, const int64_t *a) { return ct_transpose(x, a[0], a[1]); }
static ct_tensor *a_squeeze(const ct_tensor *x, const int64_t *a) {
  return a[0] == CT_NONE ? ct_squeeze(x) : ct_squeeze_dim(x, a[0]);
}
static ct_tensor *a_unsqueeze(const ct_tensor *x, const int64_t *a) { return ct_unsqueeze(x, a[0]); }
static ct_tensor *a_narrow(const ct_tensor *x, const int64_t *a) { return ct_narrow(x, a[0], a[1], a[2]); }
static ct_tensor *a_slice(const ct_tensor *x, const int64_t *a) { return ct_slice(x, a[0], a[1], a[2], a[3]); }
static ct_tensor *a_select(const ct_tensor *x, const int64_t *a) { return ct_select(x, a[0], a[1]); }
static ct_tensor *a_flatten(const ct_tensor *x, const int64_t *a) { return ct_flatten(x, a[0], a[1]); }

/* torch.transpose(input, dim0, dim1) */
static const p_ints_op TRANSPOSE = {a_transpose, "input", {"dim0", "dim1"}, {P_REQ, P_REQ}};
/* torch.squeeze(input, dim=None) */
static const p_ints_op SQUEEZE = {a_squeeze, "input", {"dim"}, {P_OPT}};
/* torch.unsqueeze(input, dim) */
static const p_ints_op UNSQUEEZE = {a_unsqueeze, "input", {"dim"}, {P_REQ}};
/* torch.narrow(input, dim, start, length) */
static const p_ints_op NARROW = {a_narrow, "input", {"dim", "start", "length"}, {P_REQ, P_REQ, P_REQ}};
/* torch.ops.aten.slice(self, dim=0, start=None, end=None, step=1): t[..., start:end:step] */
static const p_ints_op SLICE = {a_slice, "self", {"dim", "start", "end", "step"}, {0, P_OPT, P_OPT, 1}};
/* torch.select(input, dim, index) */
static const p_ints_op SELECT = {a_select, "input", {"dim", "index"}, {P_REQ, P_REQ}};
/* torch.flatten(input, start_dim=0, end_dim=-1) */
static const p_ints_op FLATTEN = {a_flatten, "input", {"start_dim", "end_dim"}, {0, -1}};

/* torch.unflatten(input, dim, sizes) */
static int h_unflatten(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  int64_t d = p_int_req(c, 1, "dim"), s[CT_MAX_DIMS];
  int n = p_ints(c, 2, "sizes", s, CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing sizes");
  P_CHECK(c);
  return p_out(c, ct_unflatten(x, d, n, s));
}

/* Results of unbind / split / chunk: a tuple of views. */
static int out_list(pcall *c, int n, ct_tensor **v) {
  if (n < 0) return p_out(c, NULL);
  for (int i = 0; i < n; i++) p_out(c, v[i]);
  return 0;
}

/* torch.unbind(input, dim=0) */
static int h_unbind(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *v[PARITY_MAX_OUT];
  int64_t d = p_int(c, 1, "dim", 0);
  P_CHECK(c);
  return out_list(c, ct_unbind(x, d, v, PARITY_MAX_OUT), v);
}

/* torch.split(tensor, split_size_or_sections, dim=0) / Tensor.split(split_size, dim=0) */
static int h_split(pcall *c) {
  const char *kw = c->data ? "split_size" : "split_size_or_sections";
  ct_tensor *x = p_tensor(c, 0, c->data ? "self" : "tensor"), *v[PARITY_MAX_OUT];
  const cJSON *a = p_arg(c, 1, kw);
  int64_t s[PARITY_MAX_OUT];
  int n = p_ints(c, 1, kw, s, PARITY_MAX_OUT);
  if (n < 0) p_skip(c, "missing %s", kw);
  int64_t d = p_int(c, 2, "dim", 0);
  P_CHECK(c);
  int k = cJSON_IsArray(a) ? ct_split_sizes(x, n, s, d, v, PARITY_MAX_OUT)
                           : ct_split(x, s[0], d, v, PARITY_MAX_OUT);
  return out_list(c, k, v);
}

/* torch.chunk(input, chunks, dim=0) */
static int h_chunk(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input"), *v[PARITY_MAX_OUT];
  int64_t k = p_int_req(c, 1, "chunks"), d = p_int(c, 2, "dim", 0);
  P_CHECK(c);
  return out_list(c, ct_chunk(x, k, d, v, PARITY_MAX_OUT), v);
}

/* Tensor.to(dtype, non_blocking=False, copy=False) / Tensor.to(other, ...) */
static int h_to(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  const cJSON *a = p_arg(c, 1, NULL);
  ct_dtype dt = CT_DTYPE_UNSET;
  if (p_is_tensor(a)) {
    ct_tensor *o = p_tensor_of(c, a, "other");
    if (o) dt = ct_dtype_of(o);
  } else if (cJSON_IsString(a)) {
    dt = p_dtype(c, 1, NULL);
  } else if (a) {
    p_skip(c, "Tensor.to: unsupported first argument");
  }
  ct_dtype kdt = p_dtype(c, -1, "dtype");
  if (kdt != CT_DTYPE_UNSET) dt = kdt;
  if (dt == CT_DTYPE_UNSET) p_skip(c, "Tensor.to: no dtype (devices are not supported)");
  p_expect_bool(c, 2, "non_blocking", false);
  bool copy = p_bool(c, 3, "copy", false);
  P_CHECK(c);
  ct_tensor *r = ct_to(x, dt);
  return p_out(c, copy && r == x ? ct_clone(x) : r);
}

/* Tensor.copy_(src, non_blocking=False) */
static int h_copy_(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self"), *s = p_tensor(c, 1, "src");
  p_expect_bool(c, 2, "non_blocking", false);
  P_CHECK(c);
  return p_out(c, ct_copy_(x, s));
}

/* Tensor.fill_(value) */
static int h_fill_(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  const cJSON *v = p_arg(c, 1, "value");
  if (!p_is_number(v) && !cJSON_IsBool(v)) p_skip(c, "fill_: value must be a number");
  P_CHECK(c);
  return p_out(c, ct_fill_(x, cJSON_IsBool(v) ? cJSON_IsTrue(v) : p_number(v)));
}

/* Tensor.zero_() */
static int h_zero_(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  P_CHECK(c);
  return p_out(c, ct_zero_(x));
}

const parity_handler parity_handlers_view[] = {
    P_SIZES("Tensor.view", ct_view, "size", true),
    P_SIZES("torch.reshape", ct_reshape, "shape", false),
    P_SIZES("Tensor.reshape", ct_reshape, "shape", true),
    {"Tensor.view_as", h_as, &(const p_binary){ct_view_as, NULL, "self", "other"}},
    {"Tensor.expand_as", h_as, &(const p_binary){ct_expand_as, NULL, "self", "other"}},
    {"torch.transpose", h_ints, &TRANSPOSE},
    {"Tensor.transpose", h_ints, &TRANSPOSE},
    {"torch.swapaxes", h_ints, &TRANSPOSE},
    P_UNARY("torch.t", ct_t),
    P_UNARY("Tensor.t", ct_t),
    P_SIZES("torch.permute", ct_permute, "dims", false),
    P_SIZES("Tensor.permute", ct_permute, "dims", true),
    {"torch.squeeze", h_ints, &SQUEEZE},
    {"Tensor.squeeze", h_ints, &SQUEEZE},
    {"torch.unsqueeze", h_ints, &UNSQUEEZE},
    {"Tensor.unsqueeze", h_ints, &UNSQUEEZE},
    P_SIZES("Tensor.expand", ct_expand, "size", true),
    {"torch.narrow", h_ints, &NARROW},
    {"Tensor.narrow", h_ints, &NARROW},
    {"torch.ops.aten.slice", h_ints, &SLICE},
    {"torch.select", h_ints, &SELECT},
    {"Tensor.select", h_ints, &SELECT},
    {"torch.flatten", h_ints, &FLATTEN},
    {"Tensor.flatten", h_ints, &FLATTEN},
    {"torch.unflatten", h_unflatten, NULL},
    {"Tensor.unflatten", h_unflatten, NULL},
    {"torch.unbind", h_unbind, NULL},
    {"Tensor.unbind", h_unbind, NULL},
    {"torch.split", h_split, NULL},
    {"Tensor.split", h_split, "method"},
    {"torch.chunk", h_chunk, NULL},
    {"Tensor.chunk", h_chunk, NULL},
    P_UNARY("Tensor.contiguous", ct_contiguous),
    P_UNARY("torch.clone", ct_clone),
    P_UNARY("Tensor.clone", ct_clone),
    P_UNARY("Tensor.detach", ct_detach),
    P_UNARY("torch.detach", ct_detach),
    {"Tensor.to", h_to, NULL},
    {"Tensor.copy_", h_copy_, NULL},
    {"Tensor.fill_", h_fill_, NULL},
    {"Tensor.zero_", h_zero_, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_view)
