/* Parity handlers: torch.autograd.functional (src/autograd/functional.c). The function a case
 * differentiates is named "fn:<name>"; its Python twin is in tools/parity/specs_autograd.py. */
#include <string.h>

#include "parity.h"

/* fn:two  (x, y) -> (x * exp(y), sum(x * x) * y) */
static int fn_two(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  out[0] = ct_mul(in[0], ct_exp(in[1]));
  out[1] = ct_mul(ct_sum(ct_mul(in[0], in[0])), in[1]);
  return out[0] && out[1] ? 0 : -1;
}

/* fn:scalar  (x, y) -> sum(x^3 * sin(y)) + prod(x * y) */
static int fn_scalar(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  ct_tensor *xy = ct_flatten(ct_mul(in[0], in[1]), 0, -1);
  out[0] = ct_add(ct_sum(ct_mul(ct_pow_scalar(in[0], 3), ct_sin(in[1]))), ct_prod(xy, 0, false));
  return out[0] ? 0 : -1;
}

/* fn:cube  x -> x^3 */
static int fn_cube(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  (void)n_in, (void)n_out, (void)user;
  return (out[0] = ct_pow_scalar(in[0], 3)) ? 0 : -1;
}

static const struct {
  const char *name;
  ct_fn fn;
  int n_outputs;
} FUNCS[] = {{"fn:two", fn_two, 2}, {"fn:scalar", fn_scalar, 1}, {"fn:cube", fn_cube, 1}};

enum { MAXT = 8 };

/* The function (positional 0), the inputs tuple (1) and, for the products, v (2). */
typedef struct {
  ct_fn fn;
  ct_functional_opts o;
  ct_tensor *in[MAXT], *v[MAXT];
  int n_in, n_v;
} fcall;

static bool read_call(pcall *c, fcall *f, bool has_v, bool has_vectorize) {
  const char *name = p_str(c, 0, "func", "");
  *f = (fcall){.fn = NULL};
  f->o = CT_FUNCTIONAL_OPTS();
  for (size_t i = 0; i < sizeof FUNCS / sizeof FUNCS[0]; i++)
    if (!strcmp(name, FUNCS[i].name)) {
      f->fn = FUNCS[i].fn;
      f->o.n_outputs = FUNCS[i].n_outputs;
    }
  if (!f->fn) p_skip(c, "no C twin of the function '%s'", name);
  f->n_in = p_tensors(c, 1, "inputs", f->in, MAXT);
  if (has_v) f->n_v = p_tensors(c, 2, "v", f->v, MAXT);
  f->o.create_graph = p_bool(c, -1, "create_graph", false);
  f->o.strict = p_bool(c, -1, "strict", false);
  if (has_vectorize) f->o.vectorize = p_bool(c, -1, "vectorize", false);
  P_CHECK(c);
  return !c->skip[0];
}

static int outs(pcall *c, int rc, ct_tensor **t, int n) {
  for (int i = 0; i < n; i++) p_out(c, rc ? NULL : t[i]);
  return 0;
}

/* jacobian(func, inputs, create_graph=False, strict=False, vectorize=False) */
static int h_jacobian(pcall *c) {
  fcall f;
  if (!read_call(c, &f, false, true)) return 0;
  ct_tensor *J[MAXT * MAXT];
  int rc = ct_jacobian_ex(f.fn, f.in, f.n_in, J, f.o);
  return outs(c, rc, J, f.o.n_outputs * f.n_in);
}

/* hessian(func, inputs, create_graph=False, strict=False, vectorize=False) */
static int h_hessian(pcall *c) {
  fcall f;
  if (!read_call(c, &f, false, true)) return 0;
  ct_tensor *H[MAXT * MAXT];
  int rc = ct_hessian_ex(f.fn, f.in, f.n_in, H, f.o);
  return outs(c, rc, H, f.n_in * f.n_in);
}

/* vjp / jvp(func, inputs, v, create_graph=False, strict=False) -> (outputs, product) */
static int h_products(pcall *c) {
  bool is_vjp = c->data != NULL;
  fcall f;
  if (!read_call(c, &f, true, false)) return 0;
  ct_tensor *o[MAXT], *r[MAXT];
  int rc = is_vjp ? ct_vjp_ex(f.fn, f.in, f.n_in, f.v, o, r, f.o) : ct_jvp_ex(f.fn, f.in, f.n_in, f.v, o, r, f.o);
  outs(c, rc, o, f.o.n_outputs);
  return outs(c, rc, r, is_vjp ? f.n_in : f.o.n_outputs);
}

/* hvp / vhp(func, inputs, v, create_graph=False, strict=False) -> (output, product) */
static int h_second(pcall *c) {
  bool is_vhp = c->data != NULL;
  fcall f;
  if (!read_call(c, &f, true, false)) return 0;
  ct_tensor *o, *r[MAXT];
  int rc = is_vhp ? ct_vhp_ex(f.fn, f.in, f.n_in, f.v, &o, r, f.o) : ct_hvp_ex(f.fn, f.in, f.n_in, f.v, &o, r, f.o);
  outs(c, rc, &o, 1);
  return outs(c, rc, r, f.n_in);
}

static const char YES[] = "";
static const parity_handler parity_handlers_autograd[] = {
    {"torch.autograd.functional.jacobian", h_jacobian, NULL},
    {"torch.autograd.functional.hessian", h_hessian, NULL},
    {"torch.autograd.functional.vjp", h_products, YES},
    {"torch.autograd.functional.jvp", h_products, NULL},
    {"torch.autograd.functional.vhp", h_second, YES},
    {"torch.autograd.functional.hvp", h_second, NULL},
    {NULL, NULL, NULL},
};
PARITY_TABLE(parity_handlers_autograd)
