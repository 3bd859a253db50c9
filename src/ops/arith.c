/* add, sub, mul, div (+ alpha, scalar and in-place forms), with their backward formulas.
 * This file is the model for every elementwise family: typed loops from the CT_*_LOOP
 * generators, promotion with ct_result_type, a node whose backward uses differentiable ops. */
#include "../internal.h"
#include "elementwise.h"

/* ---- loops: out (broadcast shape), a, b -> out ------------------------------------------ */
CT_BINARY_ALL(add_loop, a + b)
CT_BINARY_NUMERIC(sub_loop, a - b)
CT_BINARY_LOOP(mul_loop, bool, bool, b, a && b)
CT_BINARY_NUMERIC_LOOPS(mul_loop, a * b)
CT_LOOP_TABLE_ALL(mul_loop);
CT_BINARY_FLOAT(div_loop, a / b)
/* a + alpha * b; alpha is a double in ctx */
CT_BINARY_NUMERIC(add_alpha_loop, a + (*(const double *)ctx) * b)

/* ---- backward formulas ----------------------------------------------------------------- */
typedef struct {
  double alpha;
} add_args;
CT_ARGS_TYPE(add_args, NULL);

/* out = a + alpha * b: ga = g, gb = alpha * g */
static void add_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double alpha = CT_ARGS(n, add_args)->alpha;
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, g[0]);
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, alpha == 1 ? g[0] : ct_mul_scalar(g[0], alpha));
}

/* out = a - alpha * b: ga = g, gb = -alpha * g */
static void sub_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double alpha = CT_ARGS(n, add_args)->alpha;
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, g[0]);
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, alpha == 1 ? ct_neg(g[0]) : ct_mul_scalar(g[0], -alpha));
}

/* out = a * b: ga = g * b, gb = g * a (saved: [0] = a, [1] = b when needed) */
static void mul_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_mul(g[0], ct__saved(n, 1)));
  if (ct__needs_grad(n, 1)) gi[1] = ct__sum_to_input(n, 1, ct_mul(g[0], ct__saved(n, 0)));
}

/* out = a / b: ga = g / b, gb = -g * a / (b * b) (saved: a, b) */
static void div_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *b = ct__saved(n, 1);
  if (ct__needs_grad(n, 0)) gi[0] = ct__sum_to_input(n, 0, ct_div(g[0], b));
  if (ct__needs_grad(n, 1))
    gi[1] = ct__sum_to_input(n, 1, ct_div(ct_mul(ct_neg(g[0]), ct__saved(n, 0)), ct_mul(b, b)));
}

/* ---- forward ------------------------------------------------------------------------------ */
static ct_tensor *add_sub(const ct_tensor *a, const ct_tensor *b, double alpha, bool sub) {
  if (!a || !b) return NULL;
  if (a->sparse || b->sparse) return ct__sparse_add(a, b, sub ? -alpha : alpha, false);
  ct_dtype rt = ct_result_type(a, b);
  if (sub && rt == CT_BOOL)
    return ct__err("Subtraction, the `-` operator, with two bool tensors is not supported. Use "
                   "the `^` or `logical_xor()` operator instead.");
  if (alpha != 1 && !ct_dtype_is_floating(rt) && alpha != (double)(int64_t)alpha)
    return ct__err("For integral input tensors, argument alpha must not be a floating point "
                   "number.");
  double al = sub ? -alpha : alpha;
  ct_tensor *out = al == 1    ? ct__binary_kernel("add", a, b, rt, rt, add_loop, NULL)
                   : al == -1 && rt != CT_BOOL ? ct__binary_kernel("sub", a, b, rt, rt, sub_loop, NULL)
                              : ct__binary_kernel("add", a, b, rt, rt, add_alpha_loop, &al);
  if (!out || !ct_dtype_is_floating(rt)) return out;
  ct_node *n = ct__node_new(sub ? "SubBackward0" : "AddBackward0", sub ? sub_backward : add_backward,
                            2, (ct_tensor *const[]){(ct_tensor *)a, (ct_tensor *)b}, 1);
  if (n) {
    CT_NEW_ARGS(n, add_args)->alpha = alpha;
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_add(const ct_tensor *a, const ct_tensor *b) { return add_sub(a, b, 1, false); }
ct_tensor *ct_add_alpha(const ct_tensor *a, const ct_tensor *b, double alpha) {
  return add_sub(a, b, alpha, false);
}
ct_tensor *ct_sub(const ct_tensor *a, const ct_tensor *b) { return add_sub(a, b, 1, true); }
ct_tensor *ct_sub_alpha(const ct_tensor *a, const ct_tensor *b, double alpha) {
  return add_sub(a, b, alpha, true);
}

ct_tensor *ct_mul(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (a->sparse || b->sparse) return ct__sparse_mul(a, b, false);
  ct_dtype rt = ct_result_type(a, b);
  ct_tensor *out = ct__binary_kernel("mul", a, b, rt, rt, mul_loop, NULL);
  if (!out || !ct_dtype_is_floating(rt)) return out;
  ct_node *n = ct__node_new("MulBackward0", mul_backward, 2,
                            (ct_tensor *const[]){(ct_tensor *)a, (ct_tensor *)b}, 1);
  if (n) {
    /* slots: [0] = a (for b's grad), [1] = b (for a's grad); empty when not needed */
    ct__save(n, ct__needs_grad(n, 1) ? a : NULL, false);
    ct__save(n, ct__needs_grad(n, 0) ? b : NULL, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

ct_tensor *ct_div(const ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  ct_dtype rt = ct__float_of(ct_result_type(a, b));
  ct_tensor *out = ct__binary_kernel("div", a, b, rt, rt, div_loop, NULL);
  if (!out) return NULL;
  ct_node *n = ct__node_new("DivBackward0", div_backward, 2,
                            (ct_tensor *const[]){(ct_tensor *)a, (ct_tensor *)b}, 1);
  if (n) {
    ct__save(n, a, false);
    ct__save(n, b, false);
    ct__set_history(out, n, 0);
  }
  return out;
}

/* ---- scalar forms: the scalar is a wrapped Python number (integral values act as ints) -- */
ct_tensor *ct__wrap_number(double s) {
  return s == (double)(int64_t)s && s > -9.0e15 && s < 9.0e15 ? ct_wrap_int((int64_t)s)
                                                               : ct_wrap_scalar(s);
}

#define SCALAR_FORM(fn, expr)                                                   \
  ct_tensor *fn(const ct_tensor *a, double s) {                                 \
    if (!a) return NULL;                                                        \
    CT_OP_BEGIN();                                                              \
    ct_tensor *w = ct__wrap_number(s);                                          \
    return ct__op_end(expr);                                                    \
  }
SCALAR_FORM(ct_add_scalar, ct_add(a, w))
SCALAR_FORM(ct_sub_scalar, ct_sub(a, w))
SCALAR_FORM(ct_rsub_scalar, ct_sub(w, a))
SCALAR_FORM(ct_mul_scalar, ct_mul(a, w))
SCALAR_FORM(ct_div_scalar, ct_div(a, w))

/* ---- in-place forms ----------------------------------------------------------------------
 * Without autograd the kernel writes straight into a. With autograd the out-of-place op
 * builds the graph, its values are copied into a, and a takes over its history. */

/* r (the out-of-place result) moves into a: its values, its history, and what its node
 * saved of r, which now lives in a (so a later in-place op on a is caught at backward, at
 * the version this op leaves a at, as PyTorch's exp_ saves self). */
static ct_tensor *inplace_finish(ct_tensor *a, ct_tensor *r) {
  if (!r) return NULL;
  ct__copy_into(a, r);
  ct__bump_version(a);
  if (r->grad_fn) {
    ct__resave_output(r->grad_fn, r, a);
    ct__rebase_history(a, r->grad_fn);
  }
  return a;
}

int ct__inplace_check(ct_tensor *a, const ct_tensor *b, ct_dtype rt) {
  if (ct__check_inplace(a)) return -1;
  if (b && ct__check_overlaps(a, 1, &b)) return -1;
  if (!ct__can_cast(rt, a->dtype))
    return ct__errs("result type %s can't be cast to the desired output type %s",
                    ct__dtype_short(rt), ct__dtype_short(a->dtype));
  if (b) {
    int nd;
    int64_t shp[CT_MAX_DIMS];
    if (ct__broadcast_shape(a->ndim, a->shape, b->ndim, b->shape, &nd, shp)) return -1;
    if (nd != a->ndim || memcmp(shp, a->shape, sizeof(int64_t) * (size_t)nd))
      return ct__errs("output with shape %s doesn't match the broadcast shape %s",
                      ct__shape_str(a->ndim, a->shape, (char[256]){0}, 256),
                      ct__shape_str(nd, shp, (char[256]){0}, 256));
  }
  return 0;
}

static ct_tensor *outofplace(const ct_inplace_spec *s, const ct_tensor *src) {
  if (s->unary) return s->unary(src);
  if (s->binary) return s->binary(src, s->other);
  return s->call(src, s->arg);
}

/* t = loops[t's dtype](t, other broadcast to t) */
static int inplace_kernel(ct_tensor *t, const ct_inplace_spec *s) {
  if (!s->other) return ct__unary_inplace_kernel(s->name, t, s->loops, s->ctx);
  if (!s->other_raw) return ct__binary_inplace_kernel(s->name, t, s->other, s->loops, s->ctx);
  CT_OP_BEGIN();
  ct_tensor *o = ct__expand_raw(s->other, t->ndim, t->shape);
  if (o) ct__foreach(3, (ct_tensor *const[]){t, t, o}, s->loops[t->dtype], s->ctx);
  ct_scope_end();
  return o ? 0 : -1;
}

ct_tensor *ct__inplace(ct_tensor *t, const ct_inplace_spec *s) {
  if (!t) return NULL;
  if (ct__inplace_check(t, s->other, s->result_type)) return NULL;
  bool grad = ct__any_requires_grad(2, (ct_tensor *const[]){t, (ct_tensor *)s->other});
  if (grad || !s->loops || !s->loops[t->dtype]) {
    CT_OP_BEGIN();
    /* needs_input: t is about to be overwritten, so the graph reads a copy that keeps t's
     * history (PyTorch saves self.clone() for the same reason) */
    ct_tensor *src = grad && s->needs_input ? ct__history_copy(t) : t;
    ct_tensor *r = src ? inplace_finish(t, outofplace(s, src)) : NULL;
    ct_scope_end();
    return r;
  }
  if (inplace_kernel(t, s)) return NULL;
  ct__bump_version(t);
  return t;
}

static ct_tensor *inplace_binary(ct_tensor *a, const ct_tensor *b, const char *name,
                                 const ct_loop_fn *loops, ct_dtype rt,
                                 ct_tensor *(*op)(const ct_tensor *, const ct_tensor *),
                                 bool needs_input) {
  return ct__inplace(a, &(ct_inplace_spec){.name = name, .result_type = rt, .other = b,
                                           .loops = loops, .needs_input = needs_input,
                                           .binary = op});
}

ct_tensor *ct_add_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (a->sparse || b->sparse) return ct__sparse_add(a, b, 1, true);
  return inplace_binary(a, b, "add", add_loop, ct_result_type(a, b), ct_add, false);
}
ct_tensor *ct_sub_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  return inplace_binary(a, b, "sub", sub_loop, ct_result_type(a, b), ct_sub, false);
}
ct_tensor *ct_mul_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  if (a->sparse || b->sparse) return ct__sparse_mul(a, b, true);
  return inplace_binary(a, b, "mul", mul_loop, ct_result_type(a, b), ct_mul, true);
}
ct_tensor *ct_div_(ct_tensor *a, const ct_tensor *b) {
  if (!a || !b) return NULL;
  return inplace_binary(a, b, "div", div_loop, ct__float_of(ct_result_type(a, b)), ct_div, true);
}

#define SCALAR_INPLACE(fn, op)                                                  \
  ct_tensor *fn(ct_tensor *a, double s) {                                       \
    if (!a) return NULL;                                                        \
    CT_OP_BEGIN();                                                              \
    ct_tensor *r = op(a, ct__wrap_number(s));                                   \
    ct_scope_end();                                                             \
    return r;                                                                   \
  }
SCALAR_INPLACE(ct_add_scalar_, ct_add_)
SCALAR_INPLACE(ct_sub_scalar_, ct_sub_)
SCALAR_INPLACE(ct_mul_scalar_, ct_mul_)
SCALAR_INPLACE(ct_div_scalar_, ct_div_)
