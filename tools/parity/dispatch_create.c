/* Parity handlers: tensor creation (torch.zeros, torch.arange, ...; include/ctorch/core.h). */
#include <math.h>

#include "parity.h"

/* The keywords every factory takes; devices and layouts other than the default are skips. */
static ct_tensor_opts factory_opts(pcall *c) {
  ct_tensor_opts o = {.dtype = p_dtype(c, -1, "dtype")};
  o.requires_grad = p_bool(c, -1, "requires_grad", false);
  p_expect_null(c, -1, "device");
  p_expect_null(c, -1, "layout");
  return o;
}

/* torch.zeros(*size, dtype=None, ...) / torch.ones / torch.empty-free factories */
typedef struct {
  ct_tensor *(*fn)(int, const int64_t *, ct_tensor_opts);
} p_factory;
static int h_factory(pcall *c) {
  const p_factory *f = c->data;
  int64_t s[CT_MAX_DIMS];
  int n = p_varargs(c, 0, "size", s, CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing size");
  ct_tensor_opts o = factory_opts(c);
  P_CHECK(c);
  return p_out(c, f->fn(n, s, o));
}

/* JSON keeps no int/float distinction, so a factory whose result dtype PyTorch infers from
 * whether a number is integral cannot be replayed faithfully without an explicit dtype. */
static void need_dtype_if_integral(pcall *c, ct_tensor_opts o, double v, const char *what) {
  if (o.dtype == CT_DTYPE_UNSET && isfinite(v) && v == floor(v))
    p_skip(c, "integral %s without dtype: int or float is ambiguous in JSON", what);
}

/* torch.full(size, fill_value, *, dtype=None) */
static int h_full(pcall *c) {
  int64_t s[CT_MAX_DIMS];
  int n = p_ints(c, 0, "size", s, CT_MAX_DIMS);
  if (n < 0) p_skip(c, "missing size");
  double v = p_num(c, 1, "fill_value", 0);
  ct_tensor_opts o = factory_opts(c);
  need_dtype_if_integral(c, o, v, "fill_value");
  P_CHECK(c);
  return p_out(c, ct_full_ex(n, s, v, o));
}

/* torch.arange(start=0, end, step=1, *, dtype=None): arange(end) has one positional */
static int h_arange(pcall *c) {
  double start = 0, end, step = 1;
  if (c->nargs <= 1) {
    end = p_num(c, 0, "end", NAN);
    start = p_num(c, -1, "start", 0);
  } else {
    start = p_num(c, 0, "start", 0);
    end = p_num(c, 1, "end", NAN);
  }
  step = p_num(c, 2, "step", 1);
  if (isnan(end)) p_skip(c, "missing end");
  ct_tensor_opts o = factory_opts(c);
  bool integral = start == floor(start) && end == floor(end) && step == floor(step);
  need_dtype_if_integral(c, o, integral ? 0 : 0.5, "start/end/step");
  P_CHECK(c);
  return p_out(c, ct_arange_ex(start, end, step, o));
}

/* torch.linspace(start, end, steps, *, dtype=None) */
static int h_linspace(pcall *c) {
  double a = p_num(c, 0, "start", 0), b = p_num(c, 1, "end", 0);
  int64_t n = p_int_req(c, 2, "steps");
  ct_tensor_opts o = factory_opts(c);
  P_CHECK(c);
  return p_out(c, ct_linspace_ex(a, b, n, o));
}

/* torch.eye(n, m=None, *, dtype=None) */
static int h_eye(pcall *c) {
  int64_t n = p_int_req(c, 0, "n"), m = p_int_opt(c, 1, "m");
  ct_tensor_opts o = factory_opts(c);
  P_CHECK(c);
  return p_out(c, ct_eye_ex(n, m == CT_NONE ? n : m, o));
}

/* torch.zeros_like(input, *, dtype=None, ...) / ones_like / full_like(input, fill_value) */
static int h_like(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "input");
  const char *kind = c->data; /* "zeros", "ones" or "full" */
  bool full = kind[0] == 'f';
  double v = full ? p_num(c, 1, "fill_value", 0) : 0;
  ct_tensor_opts o = factory_opts(c);
  p_expect_null(c, -1, "memory_format");
  P_CHECK(c);
  if (full) return p_out(c, ct_full_like_ex(x, v, o));
  return p_out(c, kind[0] == 'o' ? ct_ones_like_ex(x, o) : ct_zeros_like_ex(x, o));
}

/* Tensor.detach_() */
static int h_detach_(pcall *c) {
  ct_tensor *x = p_tensor(c, 0, "self");
  P_CHECK(c);
  return p_out(c, ct_detach_(x));
}

const parity_handler parity_handlers_create[] = {
    {"torch.zeros", h_factory, &(const p_factory){ct_zeros_ex}},
    {"torch.ones", h_factory, &(const p_factory){ct_ones_ex}},
    {"torch.full", h_full, NULL},
    {"torch.arange", h_arange, NULL},
    {"torch.linspace", h_linspace, NULL},
    {"torch.eye", h_eye, NULL},
    {"torch.zeros_like", h_like, "zeros"},
    {"torch.ones_like", h_like, "ones"},
    {"torch.full_like", h_like, "full"},
    {"Tensor.detach_", h_detach_, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_create)
