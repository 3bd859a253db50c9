/* torch.autograd.gradcheck / gradgradcheck (PyTorch's "slow" mode): the analytical
 * Jacobian, one vector-Jacobian product per output element, against central finite
 * differences, elementwise |a - n| <= atol + rtol * |n|. gradgradcheck runs gradcheck on
 * the function (inputs, grad_outputs) -> autograd.grad(outputs, inputs, grad_outputs,
 * create_graph=True), so the backward formulas' own derivatives are checked. */
#include "autograd_impl.h"
#include <math.h>

typedef struct {
  ct_fn fn;
  void *user;
  int n_out;
  bool quiet;
  double eps, atol, rtol;
} check_cfg;

/* Message and result of a failed check: printed unless quiet, never a ct error (a
 * numerical mismatch is an answer, not a failure of the call). */
static bool fail(const check_cfg *c, const char *msg) {
  if (!c->quiet) fprintf(stderr, "gradcheck failed: %s\n", msg);
  return false;
}

/* Byte pointer of flat (row-major) element k of t, whatever its strides. */
static char *elem_ptr(const ct_tensor *t, int64_t k) {
  int64_t off = 0;
  for (int d = t->ndim - 1; d >= 0; d--) {
    int64_t sz = t->shape[d];
    off += (k % sz) * t->strides[d];
    k /= sz;
  }
  return ct__ptr(t) + off * (int64_t)ct_dtype_size(t->dtype);
}

static bool is_diff_output(const ct_tensor *o) {
  return o->requires_grad && ct_dtype_is_floating(o->dtype);
}

/* Run fn; every output must come back. 0 or -1 (the message is fn's or ours). */
static int eval(const check_cfg *c, ct_tensor *const *in, int n_in, ct_tensor **out) {
  for (int k = 0; k < c->n_out; k++) out[k] = NULL;
  if (c->fn(in, n_in, out, c->n_out, c->user)) {
    ct__err("gradcheck: the function under test failed");
    return -1;
  }
  for (int k = 0; k < c->n_out; k++)
    if (!out[k]) return ct__errs("gradcheck: the function under test returned no output %d", k);
  return 0;
}

/* eval, with each output copied: an output that is an input or a view of one would
 * otherwise change when the next perturbation is written (PyTorch clones them too). */
static int eval_copied(const check_cfg *c, ct_tensor *const *in, int n_in, ct_tensor **out) {
  if (eval(c, in, n_in, out)) return -1;
  for (int k = 0; k < c->n_out; k++)
    if (!(out[k] = ct_clone(out[k]))) return -1;
  return 0;
}

/* PyTorch-like repr of a (rows, cols) float64 matrix, 4 decimals, aligned; into buf. */
static void fmt_matrix(const double *m, int64_t rows, int64_t cols, char *buf, size_t len) {
  int w = 1;
  char tmp[64];
  for (int64_t i = 0; i < rows * cols; i++) {
    int l = snprintf(tmp, sizeof tmp, "%.4f", m[i]);
    if (l > w) w = l;
  }
  size_t k = (size_t)snprintf(buf, len, "tensor([");
  for (int64_t r = 0; r < rows && k < len; r++) {
    k += (size_t)snprintf(buf + k, len - k, r ? ",\n        [" : "[");
    for (int64_t j = 0; j < cols && k < len; j++)
      k += (size_t)snprintf(buf + k, len - k, j ? ", %*.4f" : "%*.4f", w, m[r * cols + j]);
    if (k < len) k += (size_t)snprintf(buf + k, len - k, "]");
  }
  if (k < len) snprintf(buf + k, len - k, "],\n       dtype=torch.float64)");
}

static bool report_mismatch(const check_cfg *c, int o, int i, const double *num, const double *ana,
                            int64_t rows, int64_t cols) {
  if (c->quiet) return false;
  size_t len = (size_t)(rows * cols * 24 + rows * 16 + 256);
  char *a = malloc(len), *b = malloc(len);
  if (a && b) {
    fmt_matrix(num, rows, cols, a, len);
    fmt_matrix(ana, rows, cols, b, len);
    fprintf(stderr,
            "gradcheck failed: Jacobian mismatch for output %d with respect to input %d,\n"
            "numerical:%s\nanalytical:%s\n",
            o, i, a, b);
  }
  free(a);
  free(b);
  return false;
}

/* Numerical Jacobians d out[o] / d in[di]: jac[di][o] is (numel(in), numel(out)) row-major.
 * Outputs skipped (jac NULL) when want[o] is false. */
static int numerical(const check_cfg *c, ct_tensor *const *in, int n_in, const int *di, int nd,
                     const int64_t *onumel, const bool *want, double ***jac) {
  ct_tensor **op = calloc((size_t)c->n_out * 2, sizeof(ct_tensor *)), **om = op + c->n_out;
  double *vp = NULL, *vm = NULL;
  int64_t maxo = 1;
  for (int o = 0; o < c->n_out; o++)
    if (onumel[o] > maxo) maxo = onumel[o];
  vp = malloc(sizeof(double) * (size_t)maxo * 2);
  vm = vp ? vp + maxo : NULL;
  int rc = op && vp ? 0 : ct__errs("CPU: out of memory");
  for (int d = 0; d < nd && !rc; d++) {
    ct_tensor *x = in[di[d]];
    int64_t nx = ct_numel(x);
    for (int64_t j = 0; j < nx && !rc; j++) {
      char *p = elem_ptr(x, j);
      double orig = ct__load(p, x->dtype);
      ct_scope_begin();
      ct__store(p, x->dtype, orig - c->eps);
      rc = eval_copied(c, in, n_in, om);
      ct__store(p, x->dtype, orig + c->eps);
      if (!rc) rc = eval_copied(c, in, n_in, op);
      ct__store(p, x->dtype, orig);
      for (int o = 0; o < c->n_out && !rc; o++) {
        if (!want[o]) continue;
        if (ct_numel(op[o]) != onumel[o] || ct_numel(om[o]) != onumel[o]) {
          rc = ct__errs("gradcheck: output %d changed size between calls", o);
          break;
        }
        ct_to_doubles(op[o], vp, maxo);
        ct_to_doubles(om[o], vm, maxo);
        for (int64_t k = 0; k < onumel[o]; k++)
          jac[d][o][j * onumel[o] + k] = (vp[k] - vm[k]) / (2 * c->eps);
      }
      ct_scope_end();
    }
  }
  free(op);
  free(vp);
  return rc;
}

/* PyTorch's gradient attribute checks: its message (type_msg / size_msg) or NULL. */
static const char *grad_attr_msg(const ct_tensor *g, const ct_tensor *x, const char *type_msg,
                                 const char *size_msg) {
  if (g->dtype != x->dtype) return type_msg;
  if (g->ndim != x->ndim || memcmp(g->shape, x->shape, sizeof(int64_t) * (size_t)x->ndim))
    return size_msg;
  return NULL;
}

/* Analytical Jacobian of output o: row k is autograd.grad(out, inputs, e_k). Also
 * PyTorch's attribute checks (dtype, size). 0, -1 (error) or 1 (check failed, msg set). */
static int analytical(ct_tensor *out, ct_tensor **dins, int nd, int64_t on, double **jac_o,
                      const char **msg) {
  ct_tensor **res = calloc((size_t)nd, sizeof(ct_tensor *));
  if (!res) return ct__errs("CPU: out of memory");
  int rc = 0;
  for (int64_t k = 0; k < on && !rc; k++) {
    ct_scope_begin();
    ct_tensor *go = ct_zeros_like(out);
    if (!go) rc = -1;
    if (!rc) {
      ct__store(ct__ptr(go) + k * (int64_t)ct_dtype_size(go->dtype), go->dtype, 1.0);
      rc = ct_autograd_grad(&out, 1, dins, nd, &go, false, 1, true, res);
    }
    for (int d = 0; d < nd && !rc; d++) {
      ct_tensor *g = res[d], *x = dins[d];
      int64_t nx = ct_numel(x);
      if (!g) {
        for (int64_t j = 0; j < nx; j++) jac_o[d][j * on + k] = 0;
        continue;
      }
      if ((*msg = grad_attr_msg(g, x, "Gradient has dtype mismatch",
                                "Analytical gradient has incorrect size")))
        rc = 1;
      else
        for (int64_t j = 0; j < nx; j++) jac_o[d][j * on + k] = ct__load(elem_ptr(g, j), g->dtype);
    }
    ct_scope_end();
  }
  free(res);
  return rc;
}

/* PyTorch's _test_backward_mul_by_grad_output: zero grad_outputs must give zero grads of
 * the inputs' dtype and size. 0, -1 or 1 (msg set). */
static int mul_by_grad_output(ct_tensor **douts, int no, ct_tensor **dins, int nd, const char **msg) {
  ct_tensor **res = calloc((size_t)(nd + no), sizeof(ct_tensor *)), **gos = res + nd;
  if (!res) return ct__errs("CPU: out of memory");
  ct_scope_begin();
  int rc = 0;
  for (int k = 0; k < no && !rc; k++)
    if (!(gos[k] = ct_zeros_like(douts[k]))) rc = -1;
  if (!rc) rc = ct_autograd_grad(douts, no, dins, nd, gos, false, 1, true, res);
  for (int d = 0; d < nd && !rc; d++) {
    ct_tensor *g = res[d], *x = dins[d];
    if (!g) continue;
    for (int64_t j = 0; j < ct_numel(g) && !rc; j++)
      if (ct__load(elem_ptr(g, j), g->dtype) != 0) {
        *msg = "backward not multiplied by grad_output";
        rc = 1;
      }
    if (rc) break;
    if ((*msg = grad_attr_msg(g, x, "grad is incorrect type", "grad is incorrect size"))) rc = 1;
  }
  ct_scope_end();
  free(res);
  return rc;
}

static bool check(const check_cfg *c, ct_tensor *const *in, int n_in) {
  if (!in || n_in <= 0 || !c->fn || c->n_out <= 0) {
    ct__err("gradcheck: needs a function, at least one input and n_outputs >= 1");
    return false;
  }
  int *di = calloc((size_t)n_in, sizeof(int)), nd = 0;
  if (!di) return ct__err("CPU: out of memory"), false;
  for (int i = 0; i < n_in; i++) {
    ct_tensor *x = in[i];
    if (!x || !x->requires_grad) continue;
    if (x->dtype != CT_FLOAT64 && !c->quiet)
      fprintf(stderr, "UserWarning: Input #%d requires gradient and is not a double precision "
                      "floating point or complex. This check will likely fail if all the inputs "
                      "are not of double precision floating point or complex. \n", i);
    for (int d = 0; d < x->ndim; d++)
      if (x->strides[d] == 0 && x->shape[d] > 1) {
        free(di);
        ct__err("The %dth input has a dimension with stride 0. gradcheck only supports inputs "
                "that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.", i);
        return false;
      }
    di[nd++] = i;
  }
  if (nd == 0) {
    free(di);
    ct__err("gradcheck expects at least one input tensor to require gradient, but none of the "
            "them have requires_grad=True.");
    return false;
  }

  bool ok = false;
  int no = 0, n_out = c->n_out;
  ct_scope_begin();
  ct_tensor **outs = calloc((size_t)n_out * 2 + (size_t)nd, sizeof(ct_tensor *));
  ct_tensor **douts = outs ? outs + n_out : NULL, **dins = outs ? douts + n_out : NULL;
  int64_t *onumel = calloc((size_t)n_out, sizeof(int64_t));
  bool *want = calloc((size_t)n_out, sizeof(bool));
  int *oidx = calloc((size_t)n_out, sizeof(int));
  double ***num = calloc((size_t)nd, sizeof(double **)), ***ana = calloc((size_t)nd, sizeof(double **));
  const char *msg = NULL;
  if (!outs || !onumel || !want || !oidx || !num || !ana) {
    ct__err("CPU: out of memory");
    goto done;
  }
  for (int d = 0; d < nd; d++) dins[d] = in[di[d]];
  if (eval(c, in, n_in, outs)) goto done;
  for (int o = 0; o < n_out; o++) {
    onumel[o] = ct_numel(outs[o]);
    if (is_diff_output(outs[o])) {
      oidx[no] = o;
      douts[no++] = outs[o];
      want[o] = true;
    }
  }
  /* No differentiable output: the function must be locally constant (numerical zero). */
  if (no == 0)
    for (int o = 0; o < n_out; o++) want[o] = ct_dtype_is_floating(outs[o]->dtype);
  for (int d = 0; d < nd; d++) {
    num[d] = calloc((size_t)n_out, sizeof(double *));
    ana[d] = calloc((size_t)n_out, sizeof(double *));
    if (!num[d] || !ana[d]) goto oom;
    int64_t nx = ct_numel(dins[d]);
    for (int o = 0; o < n_out; o++) {
      if (!want[o]) continue;
      num[d][o] = calloc((size_t)(nx * onumel[o] + 1), sizeof(double));
      ana[d][o] = calloc((size_t)(nx * onumel[o] + 1), sizeof(double));
      if (!num[d][o] || !ana[d][o]) goto oom;
    }
  }
  if (numerical(c, in, n_in, di, nd, onumel, want, num)) goto done;
  if (no == 0) {
    for (int d = 0; d < nd; d++)
      for (int o = 0; o < n_out; o++)
        for (int64_t k = 0; want[o] && k < ct_numel(dins[d]) * onumel[o]; k++)
          if (num[d][o][k] != 0) {
            ok = fail(c, "Numerical gradient for function expected to be zero");
            goto done;
          }
    ok = true;
    goto done;
  }
  for (int k = 0; k < no; k++) {
    int o = oidx[k];
    double **col = malloc(sizeof(double *) * (size_t)nd);
    if (!col) goto oom;
    for (int d = 0; d < nd; d++) col[d] = ana[d][o];
    int rc = analytical(outs[o], dins, nd, onumel[o], col, &msg);
    free(col);
    if (rc < 0) goto done;
    if (rc > 0) {
      ok = fail(c, msg);
      goto done;
    }
    for (int d = 0; d < nd; d++) {
      int64_t nel = ct_numel(dins[d]) * onumel[o];
      for (int64_t e = 0; e < nel; e++) {
        double a = ana[d][o][e], n = num[d][o][e];
        if (!(fabs(a - n) <= c->atol + c->rtol * fabs(n))) {
          ok = report_mismatch(c, k, d, num[d][o], ana[d][o], ct_numel(dins[d]), onumel[o]);
          goto done;
        }
      }
    }
  }
  {
    int rc = mul_by_grad_output(douts, no, dins, nd, &msg);
    if (rc < 0) goto done;
    ok = rc == 0 ? true : fail(c, msg);
  }
  goto done;
oom:
  ct__err("CPU: out of memory");
done:
  for (int d = 0; d < nd; d++)
    for (int o = 0; o < n_out; o++) {
      if (num && num[d]) free(num[d][o]);
      if (ana && ana[d]) free(ana[d][o]);
    }
  for (int d = 0; d < nd; d++) {
    if (num) free(num[d]);
    if (ana) free(ana[d]);
  }
  free(num);
  free(ana);
  free(oidx);
  free(want);
  free(onumel);
  free(outs);
  free(di);
  ct_scope_end();
  return ok;
}

bool ct_gradcheck_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_gradcheck_opts o) {
  check_cfg c = {fn, o.user, o.n_outputs > 0 ? o.n_outputs : 1, o.quiet, o.eps, o.atol, o.rtol};
  for (int i = 0; inputs && i < n_in; i++)
    if (!inputs[i]) return false; /* a NULL input: an earlier call failed */
  return check(&c, inputs, n_in);
}

/* ---- gradgradcheck ------------------------------------------------------------------ */
typedef struct {
  ct_fn fn;
  void *user;
  int n_in, n_out; /* of the function under test */
} vjp_fn_ctx;

/* (inputs..., grad_outputs...) -> autograd.grad(outputs, inputs requiring grad,
 * grad_outputs, create_graph=True): one output per input that requires grad; an unused
 * input gives zeros that require no grad (a non-differentiable output, as PyTorch drops). */
static int vjp_fn(ct_tensor *const *args, int n_args, ct_tensor **outs, int n_outs, void *user) {
  vjp_fn_ctx *v = user;
  (void)n_args;
  ct_tensor *fo[64], *douts[64], *gos[64], *dins[64], *res[64];
  int no = 0, nd = 0;
  if (v->fn(args, v->n_in, fo, v->n_out, v->user)) return -1;
  for (int k = 0; k < v->n_out; k++) {
    if (!fo[k]) return -1;
    if (is_diff_output(fo[k])) {
      douts[no] = fo[k];
      gos[no++] = args[v->n_in + k];
    }
  }
  for (int i = 0; i < v->n_in; i++)
    if (args[i] && args[i]->requires_grad) dins[nd++] = args[i];
  if (nd != n_outs) return ct__errs("gradgradcheck: inputs changed between calls");
  for (int d = 0; d < nd; d++) res[d] = NULL;
  if (no > 0 && ct_autograd_grad(douts, no, dins, nd, gos, true, -1, true, res)) return -1;
  for (int d = 0; d < nd; d++) {
    outs[d] = res[d] ? res[d] : ct_zeros_like(dins[d]);
    if (!outs[d]) return -1;
  }
  return 0;
}

/* Standard normal numbers from a fixed seed (splitmix64 + Box-Muller): reproducible
 * grad_outputs without touching the user's generator. */
static double next_normal(uint64_t *s) {
  double u[2];
  for (int k = 0; k < 2; k++) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    u[k] = ((double)(z >> 11) + 0.5) / 9007199254740992.0;
  }
  return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

bool ct_gradgradcheck_ex(ct_fn fn, ct_tensor *const *inputs, int n_in, ct_gradcheck_opts o) {
  int n_out = o.n_outputs > 0 ? o.n_outputs : 1;
  if (!fn || !inputs || n_in <= 0) {
    ct__err("gradgradcheck: needs a function and at least one input");
    return false;
  }
  if (n_in + n_out > 64) {
    ct__err("gradgradcheck: at most 64 inputs and outputs together");
    return false;
  }
  int nd = 0;
  for (int i = 0; i < n_in; i++) {
    if (!inputs[i]) return false;
    nd += inputs[i]->requires_grad;
  }
  bool ok = false;
  ct_scope_begin();
  ct_tensor *args[64], *fo[64];
  for (int i = 0; i < n_in; i++) args[i] = inputs[i];
  for (int k = 0; k < n_out; k++) fo[k] = NULL;
  if (fn(inputs, n_in, fo, n_out, o.user)) goto done;
  uint64_t seed = 0x5EEDull;
  for (int k = 0; k < n_out; k++) {
    if (!fo[k]) goto done;
    /* torch.randn_like(output) (double for non-float outputs), requiring grad */
    ct_dtype dt = ct_dtype_is_floating(fo[k]->dtype) ? fo[k]->dtype : CT_FLOAT64;
    ct_tensor *g = ct__empty(dt, fo[k]->ndim, fo[k]->shape);
    if (!g) goto done;
    for (int64_t j = 0; j < ct_numel(g); j++)
      ct__store(ct__ptr(g) + j * (int64_t)ct_dtype_size(dt), dt, next_normal(&seed));
    g->requires_grad = true;
    args[n_in + k] = g;
  }
  if (nd == 0) {
    ct__err("gradcheck expects at least one input tensor to require gradient, but none of the "
            "them have requires_grad=True.");
    goto done;
  }
  vjp_fn_ctx v = {fn, o.user, n_in, n_out};
  check_cfg c = {vjp_fn, &v, nd, o.quiet, o.eps, o.atol, o.rtol};
  ok = check(&c, args, n_in + n_out);
done:
  ct_scope_end();
  return ok;
}
