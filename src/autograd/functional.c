/* torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp, built as PyTorch 1.13's
 * functional.py builds them on autograd.grad: the inputs are re-made as leaves (or views
 * keeping their graph under create_graph), the function runs with grad on, and each result
 * is one or two autograd.grad calls. jvp and hvp use the "double backward trick": the
 * backward is linear in grad_outputs, so differentiating it with respect to a dummy
 * grad_output gives the forward-mode product without forward-mode AD. The Jacobian is built
 * row by row (one vector-Jacobian product per output element), PyTorch's vectorize=False
 * path; vectorize=True gives the same numbers the same way (PyTorch batches the rows with
 * vmap, which ctorch does not have).
 *
 * Every tensor made here is owned by the caller's scope, like the results of any op. */
#include "autograd_impl.h"

typedef enum { STAGE_BACK, STAGE_BACK_TRICK, STAGE_DOUBLE_BACK, STAGE_DOUBLE_BACK_TRICK } zero_stage;
typedef enum { REQ_OUTPUTS, REQ_GRAD_INPUTS, REQ_JACOBIAN, REQ_HESSIAN } req_kind;

/* _grad_preprocess: leaves that require grad (need_graph), or under create_graph a view of
 * an input that requires grad, so the result stays differentiable with respect to it. */
static int preprocess(ct_tensor *const *in, int n, bool create_graph, bool need_graph, ct_tensor **out) {
  for (int i = 0; i < n; i++) {
    if (!in[i]) return ct__errs("autograd.functional: input %d is NULL", i);
    if (create_graph && in[i]->requires_grad) {
      out[i] = ct_view_as(in[i], in[i]);
    } else {
      out[i] = ct_detach(in[i]);
      if (out[i] && need_graph && !ct_requires_grad_(out[i], true)) return -1;
    }
    if (!out[i]) return -1;
  }
  return 0;
}

/* _grad_postprocess: without create_graph the results carry no graph. */
static int postprocess(ct_tensor **t, int n, bool create_graph) {
  if (create_graph) return 0;
  for (int i = 0; i < n; i++)
    if (t[i] && !(t[i] = ct_detach(t[i]))) return -1;
  return 0;
}

/* Call the user's function; every output must come back. */
static int call_fn(ct_fn fn, ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user,
                   const char *who) {
  for (int k = 0; k < n_out; k++) out[k] = NULL;
  if (fn(in, n_in, out, n_out, user)) {
    if (!ct__has_error()) ct__errs("%s: the user-provided function failed", who);
    return -1;
  }
  for (int k = 0; k < n_out; k++)
    if (!out[k])
      return ct__errs("The outputs of the user-provided function given to %s must be either a "
                      "Tensor or a tuple of Tensors but the value at index %d has type NoneType.",
                      who, k);
  return 0;
}

/* _check_requires_grad (strict mode only). */
static int check_requires_grad(ct_tensor *const *t, int n, req_kind kind, bool strict) {
  if (!strict) return 0;
  for (int i = 0; i < n; i++) {
    if (!t[i])
      return ct__errs("The output of the user-provided function is independent of input %d. This "
                      "is not allowed in strict mode.", i);
    if (t[i]->requires_grad) continue;
    switch (kind) {
    case REQ_HESSIAN:
      return ct__errs("The hessian of the user-provided function with respect to input %d is "
                      "independent of the input. This is not allowed in strict mode. You should "
                      "ensure that your function is thrice differentiable and that the hessian "
                      "depends on the inputs.", i);
    case REQ_JACOBIAN:
      return ct__errs("While computing the hessian, found that the jacobian of the user-provided "
                      "function with respect to input %d is independent of the input. This is not "
                      "allowed in strict mode. You should ensure that your function is twice "
                      "differentiable and that the jacobian depends on the inputs (this would be "
                      "violated by a linear function for example).", i);
    case REQ_GRAD_INPUTS:
      return ct__errs("The gradient with respect to input %d is independent of the inputs of the "
                      "user-provided function. This is not allowed in strict mode.", i);
    case REQ_OUTPUTS:
      return ct__errs("Output %d of the user-provided function does not require gradients. The "
                      "outputs must be computed in a differentiable manner from the input when "
                      "running in strict mode.", i);
    }
  }
  return 0;
}

/* _autograd_grad: autograd.grad over the outputs that require grad (allow_unused); all NULL
 * when none does. grad_outputs may be NULL. */
static int ag_grad(ct_tensor *const *outs, int n_out, ct_tensor *const *ins, int n_in,
                   ct_tensor *const *gos, bool create_graph, int retain, ct_tensor **res) {
  ct_tensor *o_small[8], *g_small[8];
  ct_tensor **o = n_out <= 8 ? o_small : malloc(sizeof(ct_tensor *) * (size_t)n_out);
  ct_tensor **g = n_out <= 8 ? g_small : malloc(sizeof(ct_tensor *) * (size_t)n_out);
  int rc = -1, k = 0;
  if (!o || !g) {
    ct__errs("CPU: out of memory");
    goto done;
  }
  for (int i = 0; i < n_out; i++)
    if (outs[i] && outs[i]->requires_grad) {
      o[k] = outs[i];
      g[k++] = gos ? gos[i] : NULL;
    }
  if (k == 0) {
    for (int i = 0; i < n_in; i++) res[i] = NULL;
    rc = 0;
  } else {
    rc = ct_autograd_grad(o, k, ins, n_in, g, create_graph, retain, true, res);
  }
done:
  if (o != o_small) free(o);
  if (g != g_small) free(g);
  return rc;
}

/* _fill_in_zeros: a gradient that is None becomes zeros shaped like refs[i], or an error in
 * strict mode; under strict + create_graph one without a graph is an error too. */
static int fill_zeros(ct_tensor **grads, ct_tensor *const *refs, int n, bool strict, bool create_graph,
                      zero_stage stage) {
  for (int i = 0; i < n; i++) {
    if (!grads[i]) {
      if (strict) switch (stage) {
        case STAGE_BACK:
          return ct__errs("The output of the user-provided function is independent of input %d. "
                          "This is not allowed in strict mode.", i);
        case STAGE_BACK_TRICK:
          return ct__errs("The gradient with respect to the input is independent of entry %d in "
                          "the grad_outputs when using the double backward trick to compute "
                          "forward mode gradients. This is not allowed in strict mode.", i);
        case STAGE_DOUBLE_BACK:
          return ct__errs("The jacobian of the user-provided function is independent of input "
                          "%d. This is not allowed in strict mode.", i);
        case STAGE_DOUBLE_BACK_TRICK:
          return ct__errs("The hessian of the user-provided function is independent of entry %d "
                          "in the grad_jacobian. This is not allowed in strict mode as it "
                          "prevents from using the double backward trick to replace forward "
                          "mode AD.", i);
        }
      if (!(grads[i] = ct_zeros_like(refs[i]))) return -1;
    } else if (strict && create_graph && !grads[i]->requires_grad) {
      bool dbl = stage == STAGE_DOUBLE_BACK || stage == STAGE_DOUBLE_BACK_TRICK;
      return ct__errs("The %s of the user-provided function is independent of input %d. This is "
                      "not allowed in strict mode when create_graph=True.",
                      dbl ? "hessian" : "jacobian", i);
    }
  }
  return 0;
}

/* _validate_v: v[i] shaped like other[i]; `v` may be NULL only for one one-element tensor. */
static int validate_v(ct_tensor *const *v, ct_tensor *const *other, int n) {
  for (int i = 0; i < n; i++) {
    if (!v[i]) return ct__errs("v[%d] is NULL", i);
    if (v[i]->ndim == other[i]->ndim &&
        !memcmp(v[i]->shape, other[i]->shape, sizeof(int64_t) * (size_t)v[i]->ndim))
      continue;
    char a[256], b[256], pre[32] = "";
    if (n > 1) snprintf(pre, sizeof pre, "Entry %d in ", i);
    return ct__errs("%sv has invalid size: should be torch.Size(%s) but got torch.Size(%s).", pre,
                    ct__shape_str(other[i]->ndim, other[i]->shape, a, sizeof a),
                    ct__shape_str(v[i]->ndim, v[i]->shape, b, sizeof b));
  }
  return 0;
}

static bool single_element(ct_tensor *const *t, int n) { return n == 1 && ct_numel(t[0]) == 1; }

/* Working arrays of one call: inputs, outputs, v and results, in one allocation. */
typedef struct {
  ct_tensor **in, **out, **v, **tmp;
  void *block;
} work;

static int work_alloc(work *w, int n_in, int n_out) {
  int n = n_in > n_out ? n_in : n_out;
  w->block = calloc((size_t)(2 * n_in + n_out + n), sizeof(ct_tensor *));
  if (!w->block) return ct__errs("CPU: out of memory");
  w->in = w->block;
  w->v = w->in + n_in;
  w->out = w->v + n_in;
  w->tmp = w->out + n_out;
  return 0;
}

/* fn, inputs and the arrays results go to (r2 may be NULL where there is one). */
static int check_args(ct_fn fn, ct_tensor *const *inputs, int n_in, int n_out, const char *who,
                      const void *r1, const void *r2) {
  if (!fn || !inputs || !r1 || !r2) return ct__errs("%s: NULL argument", who);
  if (n_in < 1) return ct__errs("%s: at least one input is needed", who);
  if (n_out < 1) return ct__errs("%s: n_outputs must be at least 1, got %d", who, n_out);
  return 0;
}

/* ---- vjp ----------------------------------------------------------------------------- */
int ct_vjp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **outputs,
              ct_tensor **vjp, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, o.n_outputs, "vjp", outputs, vjp)) return -1;
  work w = {0};
  if (work_alloc(&w, n_in, o.n_outputs)) return -1;
  bool prev = ct_set_grad_enabled(true);
  int rc = -1;
  if (preprocess(inputs, n_in, o.create_graph, true, w.in) ||
      call_fn(fn, w.in, n_in, w.out, o.n_outputs, o.user, "vjp") ||
      check_requires_grad(w.out, o.n_outputs, REQ_OUTPUTS, o.strict))
    goto done;
  ct_tensor **vv = NULL;
  if (v) {
    if (preprocess(v, o.n_outputs, o.create_graph, false, w.tmp) || validate_v(w.tmp, w.out, o.n_outputs))
      goto done;
    vv = w.tmp;
  } else if (!single_element(w.out, o.n_outputs)) {
    ct__errs("The vector v can only be None if the user-provided function returns a single "
             "Tensor with a single element.");
    goto done;
  }
  ct_set_grad_enabled(o.create_graph || prev);
  if (ag_grad(w.out, o.n_outputs, w.in, n_in, vv, o.create_graph, -1, vjp) ||
      fill_zeros(vjp, w.in, n_in, o.strict, o.create_graph, STAGE_BACK) ||
      postprocess(w.out, o.n_outputs, o.create_graph) || postprocess(vjp, n_in, o.create_graph))
    goto done;
  for (int i = 0; i < o.n_outputs; i++) outputs[i] = w.out[i];
  rc = 0;
done:
  ct_set_grad_enabled(prev);
  free(w.block);
  return rc;
}

/* ---- jvp (the double backward trick) ------------------------------------------------- */
int ct_jvp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **outputs,
              ct_tensor **jvp, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, o.n_outputs, "jvp", outputs, jvp)) return -1;
  work w = {0};
  if (work_alloc(&w, n_in, o.n_outputs)) return -1;
  ct_tensor **gouts = calloc((size_t)o.n_outputs, sizeof(ct_tensor *));
  bool prev = ct_set_grad_enabled(true);
  int rc = -1;
  if (!gouts) {
    ct__errs("CPU: out of memory");
    goto done;
  }
  if (preprocess(inputs, n_in, o.create_graph, true, w.in)) goto done;
  ct_tensor **vv = NULL;
  if (v) {
    if (preprocess(v, n_in, o.create_graph, false, w.v) || validate_v(w.v, w.in, n_in)) goto done;
    vv = w.v;
  } else if (!single_element(w.in, n_in)) {
    ct__errs("The vector v can only be None if the input to the user-provided function is a "
             "single Tensor with a single element.");
    goto done;
  }
  if (call_fn(fn, w.in, n_in, w.out, o.n_outputs, o.user, "jvp") ||
      check_requires_grad(w.out, o.n_outputs, REQ_OUTPUTS, o.strict))
    goto done;
  /* grad_inputs = J^T u is linear in u, so d(grad_inputs)/du applied to v is J v; u's
   * value never enters that derivative: zeros do (they hold no inf or nan). */
  for (int i = 0; i < o.n_outputs; i++)
    if (!(gouts[i] = ct_zeros_like(w.out[i], .requires_grad = true))) goto done;
  if (ag_grad(w.out, o.n_outputs, w.in, n_in, gouts, true, -1, w.tmp) ||
      check_requires_grad(w.tmp, n_in, REQ_GRAD_INPUTS, o.strict))
    goto done;
  ct_set_grad_enabled(o.create_graph || prev);
  if (ag_grad(w.tmp, n_in, gouts, o.n_outputs, vv, o.create_graph, -1, jvp) ||
      fill_zeros(jvp, w.out, o.n_outputs, o.strict, o.create_graph, STAGE_BACK_TRICK) ||
      postprocess(w.out, o.n_outputs, o.create_graph) || postprocess(jvp, o.n_outputs, o.create_graph))
    goto done;
  for (int i = 0; i < o.n_outputs; i++) outputs[i] = w.out[i];
  rc = 0;
done:
  ct_set_grad_enabled(prev);
  free(gouts);
  free(w.block);
  return rc;
}

/* ---- jacobian ------------------------------------------------------------------------ */
/* d out / d inputs for one output, one row (a vector-Jacobian product with a one-hot
 * vector, i.e. the gradient of one element) per element: jac[j] is out.shape + in[j].shape. */
static int jacobian_of(ct_tensor *out, int oi, ct_tensor *const *in, int n_in, bool create_graph,
                       bool strict, ct_tensor **jac) {
  int64_t nel = ct_numel(out);
  ct_tensor *flat = ct_reshape(out, 1, (int64_t[]){-1});
  ct_tensor **rows = calloc((size_t)(nel > 0 ? nel : 1) * (size_t)n_in + (size_t)n_in, sizeof(ct_tensor *));
  if (!flat || !rows) {
    free(rows);
    return flat ? ct__errs("CPU: out of memory") : -1;
  }
  ct_tensor **vj = rows + (size_t)nel * (size_t)n_in;
  int rc = -1;
  for (int64_t e = 0; e < nel; e++) {
    ct_tensor *x = ct_select(flat, 0, e);
    if (!x || ag_grad(&x, 1, in, n_in, NULL, create_graph, 1, vj)) goto done;
    for (int j = 0; j < n_in; j++) {
      if (vj[j]) {
        if (strict && create_graph && !vj[j]->requires_grad) {
          ct__errs("The jacobian of the user-provided function is independent of input %d. This "
                   "is not allowed in strict mode when create_graph=True.", oi);
          goto done;
        }
      } else if (strict) {
        ct__errs("Output %d of the user-provided function is independent of input %d. This is not "
                 "allowed in strict mode.", oi, j);
        goto done;
      } else if (!(vj[j] = ct_zeros_like(in[j]))) {
        goto done;
      }
      rows[(size_t)j * (size_t)nel + (size_t)e] = vj[j];
    }
  }
  for (int j = 0; j < n_in; j++) {
    int64_t shape[CT_MAX_DIMS];
    int nd = out->ndim + in[j]->ndim;
    if (nd > CT_MAX_DIMS) {
      ct__errs("jacobian: out.shape + input.shape has %d dims, more than %d", nd, CT_MAX_DIMS);
      goto done;
    }
    memcpy(shape, out->shape, sizeof(int64_t) * (size_t)out->ndim);
    memcpy(shape + out->ndim, in[j]->shape, sizeof(int64_t) * (size_t)in[j]->ndim);
    ct_tensor *s = nel > 0 ? ct_stack(rows + (size_t)j * (size_t)nel, (int)nel, 0)
                           : ct_empty(nd, shape, .dtype = in[j]->dtype);
    if (!s || !(jac[j] = ct_reshape(s, nd, shape))) goto done;
  }
  rc = 0;
done:
  free(rows);
  return rc;
}

int ct_jacobian_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor **jac, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, o.n_outputs, "jacobian", jac, jac)) return -1;
  if (o.vectorize && o.strict)
    return ct__errs("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                    "not supported together. Please either set `strict=False` or "
                    "`vectorize=False`.");
  work w = {0};
  if (work_alloc(&w, n_in, o.n_outputs)) return -1;
  bool prev = ct_set_grad_enabled(true);
  int rc = -1;
  if (preprocess(inputs, n_in, o.create_graph, true, w.in) ||
      call_fn(fn, w.in, n_in, w.out, o.n_outputs, o.user, "jacobian") ||
      check_requires_grad(w.out, o.n_outputs, REQ_OUTPUTS, o.strict))
    goto done;
  for (int i = 0; i < o.n_outputs; i++)
    if (jacobian_of(w.out[i], i, w.in, n_in, o.create_graph, o.strict, jac + (size_t)i * (size_t)n_in))
      goto done;
  if (postprocess(jac, o.n_outputs * n_in, o.create_graph)) goto done;
  rc = 0;
done:
  ct_set_grad_enabled(prev);
  free(w.block);
  return rc;
}

/* ---- hessian: the jacobian of the jacobian --------------------------------------------- */
typedef struct {
  ct_fn fn;
  void *user;
  bool strict;
} hess_ctx;

/* ensure_single_output_function: the user's scalar, squeezed to 0-d. */
static int single_output(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  const hess_ctx *h = user;
  ct_tensor *y = NULL;
  if (call_fn(h->fn, in, n_in, &y, 1, h->user, "hessian") ||
      check_requires_grad(&y, 1, REQ_OUTPUTS, h->strict))
    return -1;
  if (ct_numel(y) != 1)
    return ct__errs("The Tensor returned by the function given to hessian should contain a single "
                    "element");
  return (out[0] = ct_squeeze(y)) ? 0 : -1;
}

/* jac_func: the gradient of the scalar with respect to each input, with its graph. */
static int jac_func(ct_tensor *const *in, int n_in, ct_tensor **out, int n_out, void *user) {
  const hess_ctx *h = user;
  ct_functional_opts inner = {.user = user, .n_outputs = 1, .create_graph = true};
  if (ct_jacobian_ex(single_output, in, n_in, out, inner)) return -1;
  return check_requires_grad(out, n_out, REQ_JACOBIAN, h->strict);
}

int ct_hessian_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor **hess, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, 1, "hessian", hess, hess)) return -1;
  hess_ctx h = {fn, o.user, o.strict};
  ct_functional_opts outer = o;
  outer.user = &h;
  outer.n_outputs = n_in;
  return ct_jacobian_ex(jac_func, inputs, n_in, hess, outer);
}

/* ---- vhp / hvp ----------------------------------------------------------------------- */
/* What vhp and hvp share: preprocessed inputs and v, the scalar output, and its gradient
 * with a graph (jac). */
static int second_order_setup(const char *who, ct_fn fn, ct_tensor *const *inputs, int n_in,
                              ct_tensor *const *v, ct_functional_opts o, work *w, ct_tensor **y,
                              ct_tensor ***vv) {
  if (preprocess(inputs, n_in, o.create_graph, true, w->in)) return -1;
  *vv = NULL;
  if (v) {
    if (preprocess(v, n_in, o.create_graph, false, w->v) || validate_v(w->v, w->in, n_in)) return -1;
    *vv = w->v;
  } else if (!single_element(w->in, n_in)) {
    return ct__errs("The vector v can only be None if the input to the user-provided function is "
                    "a single Tensor with a single element.");
  }
  if (call_fn(fn, w->in, n_in, y, 1, o.user, who) || check_requires_grad(y, 1, REQ_OUTPUTS, o.strict))
    return -1;
  if (ct_numel(*y) != 1)
    return ct__errs("The Tensor returned by the function given to %s should contain a single element",
                    who);
  if (ag_grad(y, 1, w->in, n_in, NULL, true, -1, w->tmp)) return -1;
  return check_requires_grad(w->tmp, n_in, REQ_JACOBIAN, o.strict);
}

int ct_vhp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **output,
              ct_tensor **vhp, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, 1, "vhp", output, vhp)) return -1;
  work w = {0};
  if (work_alloc(&w, n_in, 1)) return -1;
  bool prev = ct_set_grad_enabled(true);
  ct_tensor **vv, *y = NULL;
  int rc = -1;
  if (second_order_setup("vhp", fn, inputs, n_in, v, o, &w, &y, &vv)) goto done;
  ct_set_grad_enabled(o.create_graph || prev);
  if (ag_grad(w.tmp, n_in, w.in, n_in, vv, o.create_graph, -1, vhp) ||
      fill_zeros(vhp, w.in, n_in, o.strict, o.create_graph, STAGE_DOUBLE_BACK) ||
      postprocess(&y, 1, o.create_graph) || postprocess(vhp, n_in, o.create_graph))
    goto done;
  *output = y;
  rc = 0;
done:
  ct_set_grad_enabled(prev);
  free(w.block);
  return rc;
}

int ct_hvp_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_tensor *const *v, ct_tensor **output,
              ct_tensor **hvp, ct_functional_opts o) {
  if (check_args(fn, inputs, n_in, 1, "hvp", output, hvp)) return -1;
  work w = {0};
  if (work_alloc(&w, n_in, 1)) return -1;
  ct_tensor **gjac = calloc((size_t)n_in * 2, sizeof(ct_tensor *)), **dbl = gjac + n_in;
  bool prev = ct_set_grad_enabled(true);
  ct_tensor **vv, *y = NULL;
  int rc = -1;
  if (!gjac) {
    ct__errs("CPU: out of memory");
    goto done;
  }
  if (second_order_setup("hvp", fn, inputs, n_in, v, o, &w, &y, &vv)) goto done;
  /* H^T u through the graph of jac, linear in u: its derivative in u applied to v is H v */
  for (int i = 0; i < n_in; i++)
    if (!(gjac[i] = ct_zeros_like(w.in[i], .requires_grad = true))) goto done;
  if (ag_grad(w.tmp, n_in, w.in, n_in, gjac, true, -1, dbl) ||
      check_requires_grad(w.tmp, n_in, REQ_HESSIAN, o.strict))
    goto done;
  ct_set_grad_enabled(o.create_graph || prev);
  if (ag_grad(dbl, n_in, gjac, n_in, vv, o.create_graph, -1, hvp) ||
      fill_zeros(hvp, w.in, n_in, o.strict, o.create_graph, STAGE_DOUBLE_BACK_TRICK) ||
      postprocess(&y, 1, o.create_graph) || postprocess(hvp, n_in, o.create_graph))
    goto done;
  *output = y;
  rc = 0;
done:
  ct_set_grad_enabled(prev);
  free(gjac);
  free(w.block);
  return rc;
}
