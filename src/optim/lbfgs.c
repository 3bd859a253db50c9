/* torch.optim.LBFGS, PyTorch 1.13's algorithm step for step (torch/optim/lbfgs.py): the
 * two-loop recursion over the last history_size (y, s) pairs, a fixed step or the strong-Wolfe
 * line search (_strong_wolfe, bracketing then zoom, with _cubic_interpolate), and the stopping
 * tests in the same order. The closure is a C callback run with grad enabled; the rest runs
 * under no-grad.
 *
 * Numbers: PyTorch keeps the loss as a Python float and the dot products, ro, H_diag, al, be
 * as 0-dim tensors of the parameters' dtype; here they are doubles, rounded to float32 where
 * PyTorch holds a float32 tensor (R()). In float64 that is PyTorch's arithmetic operation for
 * operation; in float32 the mixed tensor / float expressions of the line search are evaluated
 * in double, so float32 runs agree to float32 tolerance, not bit for bit.
 *
 * State, in state[params[0]] as PyTorch keeps it: func_evals, n_iter (int64 0-dim), d,
 * prev_flat_grad (flat), t, H_diag, prev_loss (float64 0-dim), and the history as stacked
 * tensors: old_dirs and old_stps [k, numel], ro [k] (PyTorch: lists of k tensors). PyTorch's
 * scratch list 'al' is not kept (it is rewritten before being read). */
#include "more_util.h"

static const optim_option lbfgs_options[] = {
    {"lr", OPTIM_NUM, {1}, NULL},
    {"max_iter", OPTIM_NUM, {20}, NULL},
    {"max_eval", OPTIM_NONE_NUM, {0}, NULL},
    {"tolerance_grad", OPTIM_NUM, {1e-7}, NULL},
    {"tolerance_change", OPTIM_NUM, {1e-9}, NULL},
    {"history_size", OPTIM_NUM, {100}, NULL},
    {"line_search_fn", OPTIM_STR, {0}, ""},
};

static int lbfgs_validate(const ct_optim *o, int g) {
  if (g > 0) return ct__errs("LBFGS doesn't support per-parameter options (parameter groups)");
  /* PyTorch's constructor stores max_eval = max_iter * 5 // 4 when it is None: the group shows
   * the number (the kit has no constructor hook, so validate fills the one group in) */
  if (g == 0 && isnan(optim_num(o, 0, "max_eval")))
    return ct_optim_set((ct_optim *)o, 0, "max_eval", floor(optim_num(o, 0, "max_iter") * 5 / 4));
  return 0;
}

/* step() without a closure: PyTorch's LBFGS.step requires one. */
static int lbfgs_step(ct_optim *o, int g) {
  (void)o, (void)g;
  return ct__errs("step() missing 1 required positional argument: 'closure'");
}

typedef struct lb {
  ct_optim *o;
  int np;
  ct_tensor **P; /* group 0's parameters (borrowed) */
  ct_dtype dt;   /* flat_grad's dtype */
  ct_optim_closure closure;
  void *user;
} lb;

/* A number PyTorch holds as a 0-dim tensor of the parameters' dtype. */
static double R(const lb *L, double v) { return L->dt == CT_FLOAT32 ? (double)(float)v : v; }
static double dot(const lb *L, const ct_tensor *a, const ct_tensor *b) { return R(L, ct_item(ct_dot(a, b))); }
/* t.abs().max() */
static double absmax(const ct_tensor *t) { return ct_item(ct_amax(ct_abs(t))); }

/* A caller-owned reference in *slot, replacing (and dropping) the old one. */
static void hold(ct_tensor **slot, ct_tensor *t) {
  if (t) ct_retain(t);
  ct_release(*slot);
  *slot = t;
}

/* float(closure()) with grad enabled; -1 + error when the closure fails. The loss tensor
 * stays in the current scope (*out). */
static int eval_closure(const lb *L, double *loss, ct_tensor **out) {
  bool prev = ct_set_grad_enabled(true);
  ct_tensor *l = L->closure(L->user);
  ct_set_grad_enabled(prev);
  if (!l) return ct__has_error() ? -1 : ct__errs("LBFGS: the closure returned no loss");
  if (ct_numel(l) != 1) return ct__errs("only one element tensors can be converted to Python scalars");
  *loss = ct_item(l);
  if (out) *out = l;
  return 0;
}

/* _gather_flat_grad: the gradients flattened and concatenated (zeros for a None .grad). */
static ct_tensor *gather_flat_grad(const lb *L) {
  ct_tensor *views[L->np];
  for (int i = 0; i < L->np; i++) {
    int64_t n = ct_numel(L->P[i]);
    ct_tensor *g = ct_grad(L->P[i]);
    views[i] = g ? ct_reshape(g, 1, &n) : ct_zeros(1, &n, .dtype = ct_dtype_of(L->P[i]));
  }
  return ct_cat(views, L->np, 0);
}

/* _add_grad: p.add_(update[offset:offset + numel].view_as(p), alpha=step_size) */
static int add_grad(const lb *L, double step, const ct_tensor *d) {
  int64_t off = 0;
  for (int i = 0; i < L->np; i++) {
    ct_tensor *p = L->P[i];
    int64_t n = ct_numel(p);
    if (!om_add_alpha_(p, ct_view(ct_narrow(d, 0, off, n), ct_dim(p), ct_shape(p)), step)) return -1;
    off += n;
  }
  return 0;
}

static int set_param(const lb *L, ct_tensor *const *x) {
  for (int i = 0; i < L->np; i++)
    if (!ct_copy_(L->P[i], x[i])) return -1;
  return 0;
}

/* _directional_evaluate: the loss and flat gradient at x + t d, parameters put back to x. */
static ct_tensor *dir_eval(const lb *L, ct_tensor *const *x, double t, const ct_tensor *d, double *loss) {
  int rc = add_grad(L, t, d);
  if (!rc) rc = eval_closure(L, loss, NULL);
  ct_tensor *fg = rc ? NULL : gather_flat_grad(L);
  if (set_param(L, x)) return NULL;
  return fg;
}

/* _cubic_interpolate: the minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to
 * the bounds (bounded: [bmin, bmax]; else the two points). */
static double cubic(double x1, double f1, double g1, double x2, double f2, double g2, bool bounded,
                    double bmin, double bmax) {
  double lo = bounded ? bmin : x1 <= x2 ? x1 : x2, hi = bounded ? bmax : x1 <= x2 ? x2 : x1;
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = sqrt(d2_square);
    double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    double v = lo > min_pos ? lo : min_pos; /* Python's max(min_pos, lo), then min(v, hi) */
    return hi < v ? hi : v;
  }
  return (lo + hi) / 2.;
}

typedef struct wolfe {
  double f, t;
  ct_tensor *g; /* in the current scope */
  int evals;
} wolfe;

/* _strong_wolfe with c1 = 1e-4, c2 = 0.9, max_ls = 25. Runs in the caller's scope. */
static int strong_wolfe(const lb *L, ct_tensor *const *x, double t, const ct_tensor *d, double f,
                        const ct_tensor *g0, double gtd, double tolerance_change, wolfe *out) {
  const double c1 = 1e-4, c2 = 0.9;
  const int max_ls = 25;
  double d_norm = absmax(d);
  ct_tensor *g = ct_clone(g0);
  double f_new = 0;
  ct_tensor *g_new = dir_eval(L, x, t, d, &f_new);
  if (!g || !g_new) return -1;
  int evals = 1, ls_iter = 0;
  double gtd_new = dot(L, g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  ct_tensor *g_prev = g;
  bool done = false;
  double br[2] = {0, 0}, bf[2] = {0, 0}, bgtd[2] = {0, 0};
  ct_tensor *bg[2] = {NULL, NULL};
  int nbr = 0;
  /* bracket an interval containing a point satisfying the Wolfe criteria */
  while (ls_iter < max_ls) {
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev) ||
        (!(fabs(gtd_new) <= -c2 * gtd) && gtd_new >= 0)) {
      /* PyTorch's first and third tests (the curvature test, between them, ends first) */
      br[0] = t_prev, br[1] = t, bf[0] = f_prev, bf[1] = f_new;
      bg[0] = g_prev, bg[1] = ct_clone(g_new), bgtd[0] = gtd_prev, bgtd[1] = gtd_new, nbr = 2;
      break;
    }
    if (fabs(gtd_new) <= -c2 * gtd) {
      br[0] = t, bf[0] = f_new, bg[0] = g_new, nbr = 1, done = true;
      break;
    }
    /* interpolate */
    double min_step = t + 0.01 * (t - t_prev), max_step = t * 10, tmp = t;
    t = cubic(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, true, min_step, max_step);
    t_prev = tmp, f_prev = f_new, g_prev = ct_clone(g_new), gtd_prev = gtd_new;
    if (!(g_new = dir_eval(L, x, t, d, &f_new))) return -1;
    evals++;
    gtd_new = dot(L, g_new, d);
    ls_iter++;
  }
  if (ls_iter == max_ls) br[0] = 0, br[1] = t, bf[0] = f, bf[1] = f_new, bg[0] = g, bg[1] = g_new, nbr = 2;

  /* zoom: refine the bracket until a point satisfies the criteria */
  bool insuf_progress = false;
  int lo = bf[0] <= bf[nbr - 1] ? 0 : 1, hi = 1 - lo;
  while (!done && ls_iter < max_ls) {
    if (fabs(br[1] - br[0]) * d_norm < tolerance_change) break; /* bracket too small */
    t = cubic(br[0], bf[0], bgtd[0], br[1], bf[1], bgtd[1], false, 0, 0);
    double bmax = br[1] > br[0] ? br[1] : br[0], bmin = br[1] < br[0] ? br[1] : br[0];
    double eps = 0.1 * (bmax - bmin);
    double near = t - bmin < bmax - t ? t - bmin : bmax - t; /* min(max - t, t - min) */
    if (near < eps) { /* interpolation close to the boundary */
      if (insuf_progress || t >= bmax || t <= bmin) {
        t = fabs(t - bmax) < fabs(t - bmin) ? bmax - eps : bmin + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    if (!(g_new = dir_eval(L, x, t, d, &f_new))) return -1;
    evals++;
    gtd_new = dot(L, g_new, d);
    ls_iter++;
    if (f_new > (f + c1 * t * gtd) || f_new >= bf[lo]) { /* Armijo fails or not below the low */
      br[hi] = t, bf[hi] = f_new, bg[hi] = ct_clone(g_new), bgtd[hi] = gtd_new;
      lo = bf[0] <= bf[1] ? 0 : 1, hi = 1 - lo;
    } else {
      if (fabs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (br[hi] - br[lo]) >= 0) { /* old high becomes new low */
        br[hi] = br[lo], bf[hi] = bf[lo], bg[hi] = bg[lo], bgtd[hi] = bgtd[lo];
      }
      br[lo] = t, bf[lo] = f_new, bg[lo] = ct_clone(g_new), bgtd[lo] = gtd_new;
    }
  }
  *out = (wolfe){bf[lo], br[lo], bg[lo], evals};
  return out->g ? 0 : -1;
}

/* The history and the carried tensors of one step() call (caller-owned references). */
typedef struct hist {
  int n, cap;
  ct_tensor **dirs, **stps;
  double *ro, *al;
  ct_tensor *d, *prev_flat_grad, *flat_grad;
} hist;

static void hist_free(hist *h) {
  for (int i = 0; i < h->n; i++) ct_release(h->dirs[i]), ct_release(h->stps[i]);
  free(h->dirs), free(h->stps), free(h->ro), free(h->al);
  ct_release(h->d), ct_release(h->prev_flat_grad), ct_release(h->flat_grad);
}

static double state_num(const ct_optim *o, const ct_tensor *p, const char *key, double def) {
  ct_tensor *t = optim_state_get(o, p, key);
  return t ? ct_item(t) : def;
}

static int state_put(ct_optim *o, const ct_tensor *p, const char *key, ct_tensor *t) {
  return t ? optim_state_set(o, p, key, t) : -1;
}

/* Reads the carried state (PyTorch's state.get(...)) into h. */
static int hist_load(const lb *L, hist *h, int history_size) {
  h->cap = history_size > 0 ? history_size : 1;
  h->dirs = calloc((size_t)h->cap + 1, sizeof *h->dirs);
  h->stps = calloc((size_t)h->cap + 1, sizeof *h->stps);
  h->ro = calloc((size_t)h->cap + 1, sizeof *h->ro), h->al = calloc((size_t)h->cap + 1, sizeof *h->al);
  if (!h->dirs || !h->stps || !h->ro || !h->al) return ct__errs("LBFGS: out of memory");
  ct_tensor *p0 = L->P[0];
  hold(&h->d, optim_state_get(L->o, p0, "d"));
  hold(&h->prev_flat_grad, optim_state_get(L->o, p0, "prev_flat_grad"));
  ct_tensor *dirs = optim_state_get(L->o, p0, "old_dirs"), *stps = optim_state_get(L->o, p0, "old_stps");
  ct_tensor *ro = optim_state_get(L->o, p0, "ro");
  int64_t k = dirs ? ct_size(dirs, 0) : 0;
  if (k > h->cap) k = h->cap;
  for (int i = 0; i < k; i++) {
    ct_scope_begin();
    hold(&h->dirs[i], ct_select(dirs, 0, i));
    hold(&h->stps[i], ct_select(stps, 0, i));
    h->ro[i] = ro ? ct_get(ro, (int64_t[]){i}) : 0;
    ct_scope_end();
    h->n = i + 1;
    if (!h->dirs[i] || !h->stps[i]) return -1;
  }
  return 0;
}

/* Writes the carried state back (state['d'] = d, ...). */
static int hist_save(const lb *L, const hist *h, double t, double H_diag, double prev_loss) {
  ct_optim *o = L->o;
  ct_tensor *p0 = L->P[0];
  int64_t numel = h->d ? ct_numel(h->d) : 0;
  ct_scope_begin();
  int rc = 0;
  if (h->d) rc |= state_put(o, p0, "d", h->d);
  rc |= state_put(o, p0, "t", ct_scalar_tensor(t, CT_FLOAT64));
  ct_tensor *none = ct_empty(CT_SHAPE(0, numel), .dtype = L->dt); /* an empty history */
  rc |= state_put(o, p0, "old_dirs", h->n ? ct_stack(h->dirs, h->n, 0) : none);
  rc |= state_put(o, p0, "old_stps", h->n ? ct_stack(h->stps, h->n, 0) : none);
  rc |= state_put(o, p0, "ro", ct_to(ct_tensor_from(h->ro, CT_FLOAT64, 1, (int64_t[]){h->n}), L->dt));
  rc |= state_put(o, p0, "H_diag", ct_scalar_tensor(H_diag, CT_FLOAT64));
  if (h->prev_flat_grad) rc |= state_put(o, p0, "prev_flat_grad", h->prev_flat_grad);
  rc |= state_put(o, p0, "prev_loss", ct_scalar_tensor(prev_loss, CT_FLOAT64));
  ct_scope_end();
  return rc ? -1 : 0;
}

static int put_counters(const lb *L, double func_evals, double n_iter) {
  ct_scope_begin();
  int rc = state_put(L->o, L->P[0], "func_evals", ct_scalar_tensor(func_evals, CT_INT64));
  rc |= state_put(L->o, L->P[0], "n_iter", ct_scalar_tensor(n_iter, CT_INT64));
  ct_scope_end();
  return rc ? -1 : 0;
}

/* The direction: -flat_grad on the first iteration, else the two-loop recursion after the
 * memory update with y = flat_grad - prev_flat_grad, s = d * t. Sets h->d (held). */
static int direction(const lb *L, hist *h, bool first, double t, double *H_diag) {
  ct_tensor *fg = h->flat_grad;
  if (first) {
    for (int i = 0; i < h->n; i++) ct_release(h->dirs[i]), ct_release(h->stps[i]);
    h->n = 0, *H_diag = 1;
    hold(&h->d, ct_neg(fg));
    return h->d ? 0 : -1;
  }
  ct_tensor *y = ct_sub(fg, h->prev_flat_grad), *s = ct_mul_scalar(h->d, t);
  double ys = dot(L, y, s);
  if (ys > 1e-10) { /* update the memory */
    if (h->n == h->cap) { /* shift the history by one */
      ct_release(h->dirs[0]), ct_release(h->stps[0]);
      memmove(h->dirs, h->dirs + 1, (size_t)(h->n - 1) * sizeof *h->dirs);
      memmove(h->stps, h->stps + 1, (size_t)(h->n - 1) * sizeof *h->stps);
      memmove(h->ro, h->ro + 1, (size_t)(h->n - 1) * sizeof *h->ro);
      h->n--;
    }
    h->dirs[h->n] = NULL, h->stps[h->n] = NULL;
    hold(&h->dirs[h->n], y), hold(&h->stps[h->n], s);
    h->ro[h->n++] = R(L, 1. / ys);
    *H_diag = R(L, ys / dot(L, y, y));
  }
  ct_tensor *q = ct_neg(fg);
  for (int i = h->n - 1; i >= 0; i--) {
    h->al[i] = R(L, dot(L, h->stps[i], q) * h->ro[i]);
    om_add_alpha_(q, h->dirs[i], -h->al[i]);
  }
  ct_tensor *r = ct_mul_scalar(q, *H_diag);
  for (int i = 0; i < h->n; i++) {
    double be_i = R(L, dot(L, h->dirs[i], r) * h->ro[i]);
    om_add_alpha_(r, h->stps[i], R(L, h->al[i] - be_i));
  }
  hold(&h->d, r);
  return r ? 0 : -1;
}

typedef struct lbfgs_opts {
  double lr, max_iter, max_eval, tolerance_grad, tolerance_change;
  int history_size;
  const char *line_search_fn;
} lbfgs_opts;

/* The optimisation loop of LBFGS.step after the first evaluation. */
static int lbfgs_loop(const lb *L, hist *h, const lbfgs_opts *op, double loss, double *func_evals,
                      double *state_n_iter) {
  double t = state_num(L->o, L->P[0], "t", 0), H_diag = state_num(L->o, L->P[0], "H_diag", 1);
  double prev_loss = state_num(L->o, L->P[0], "prev_loss", 0);
  int n_iter = 0, current_evals = 1, rc = 0;
  bool opt_cond = false;
  while (n_iter < op->max_iter && !rc) {
    n_iter++;
    (*state_n_iter)++;
    ct_scope_begin();
    rc = direction(L, h, *state_n_iter == 1, t, &H_diag);
    if (!rc && !h->prev_flat_grad) hold(&h->prev_flat_grad, ct_clone(h->flat_grad));
    else if (!rc) rc = ct_copy_(h->prev_flat_grad, h->flat_grad) ? 0 : -1;
    prev_loss = loss;
    /* the step length: a first guess */
    if (*state_n_iter == 1) {
      double inv = R(L, 1. / R(L, ct_item(ct_sum(ct_abs(h->flat_grad)))));
      t = (inv < 1. ? inv : 1.) * op->lr;
      if (inv < 1.) t = R(L, t);
    } else {
      t = op->lr;
    }
    double gtd = rc ? 0 : dot(L, h->flat_grad, h->d);
    bool stop = rc || gtd > R(L, -op->tolerance_change); /* directional derivative below tolerance */
    int ls_func_evals = 0;
    if (!stop && op->line_search_fn[0]) {
      if (strcmp(op->line_search_fn, "strong_wolfe") != 0) {
        rc = ct__errs("only 'strong_wolfe' is supported");
      } else {
        ct_tensor *x[L->np];
        for (int i = 0; i < L->np; i++) x[i] = ct_clone(L->P[i]);
        wolfe w;
        /* PyTorch calls _strong_wolfe without tolerance_change: its default 1e-9 applies */
        rc = strong_wolfe(L, x, t, h->d, loss, h->flat_grad, gtd, 1e-9, &w);
        if (!rc) {
          loss = w.f, t = w.t, ls_func_evals = w.evals;
          hold(&h->flat_grad, w.g);
          rc = add_grad(L, t, h->d);
          opt_cond = absmax(h->flat_grad) <= R(L, op->tolerance_grad);
        }
      }
    } else if (!stop) { /* no line search: a fixed step */
      rc = add_grad(L, t, h->d);
      if (!rc && n_iter != op->max_iter) { /* re-evaluate unless it is the last iteration */
        rc = eval_closure(L, &loss, NULL);
        if (!rc) {
          hold(&h->flat_grad, gather_flat_grad(L));
          opt_cond = absmax(h->flat_grad) <= R(L, op->tolerance_grad);
          ls_func_evals = 1;
        }
      }
    }
    current_evals += ls_func_evals;
    *func_evals += ls_func_evals;
    /* the stopping tests, in PyTorch's order */
    if (!stop && !rc)
      stop = n_iter == op->max_iter || current_evals >= op->max_eval || opt_cond ||
             absmax(ct_mul_scalar(h->d, t)) <= R(L, op->tolerance_change) ||
             fabs(loss - prev_loss) < op->tolerance_change;
    ct_scope_end();
    if (stop) break;
  }
  if (rc) return -1;
  return hist_save(L, h, t, H_diag, prev_loss);
}

static ct_tensor *lbfgs_step_closure(ct_optim *o, ct_optim_closure closure, void *user) {
  if (!closure) return ct__err("step() missing 1 required positional argument: 'closure'");
  if (ct_optim_num_groups(o) != 1)
    return ct__err("LBFGS doesn't support per-parameter options (parameter groups)");
  int np = ct_optim_group_size(o, 0);
  ct_tensor *P[np > 0 ? np : 1];
  for (int i = 0; i < np; i++) P[i] = ct_optim_group_param(o, 0, i);
  lbfgs_opts op = {optim_num(o, 0, "lr"),
                   optim_num(o, 0, "max_iter"),
                   optim_num(o, 0, "max_eval"),
                   optim_num(o, 0, "tolerance_grad"),
                   optim_num(o, 0, "tolerance_change"),
                   (int)optim_num(o, 0, "history_size"),
                   optim_str(o, 0, "line_search_fn")};
  if (!op.line_search_fn) op.line_search_fn = "";
  lb L = {o, np, P, ct_dtype_of(P[0]), closure, user};
  bool grad_mode = ct_set_grad_enabled(false);
  double func_evals = state_num(o, P[0], "func_evals", 0), n_iter = state_num(o, P[0], "n_iter", 0);
  /* the first evaluation: its loss is step()'s result, in the caller's scope */
  double loss = 0;
  ct_tensor *orig_loss = NULL;
  int rc = eval_closure(&L, &loss, &orig_loss);
  func_evals += 1;
  hist h = {0};
  if (!rc) {
    ct_scope_begin();
    hold(&h.flat_grad, gather_flat_grad(&L));
    L.dt = ct_dtype_of(h.flat_grad);
    bool opt_cond = absmax(h.flat_grad) <= R(&L, op.tolerance_grad);
    ct_scope_end();
    if (!h.flat_grad) rc = -1;
    else if (!opt_cond) {
      rc = hist_load(&L, &h, op.history_size);
      if (!rc) rc = lbfgs_loop(&L, &h, &op, loss, &func_evals, &n_iter);
    }
  }
  if (!rc) rc = put_counters(&L, func_evals, n_iter);
  hist_free(&h);
  ct_set_grad_enabled(grad_mode);
  return rc ? NULL : orig_loss;
}

const optim_kind optim_kind_lbfgs = {
    "LBFGS", lbfgs_options, (int)(sizeof lbfgs_options / sizeof *lbfgs_options), lbfgs_validate, lbfgs_step,
    lbfgs_step_closure};

ct_optim *ct_optim_lbfgs_ex(ct_tensor *const *params, int n, ct_lbfgs_opts o) {
  ct_values kw = {0};
  om_kw_num(&kw, "lr", o.lr);
  ct_values_push(&kw, ct_v_kw("max_iter", ct_v_int(o.max_iter)));
  if (o.max_eval >= 0) ct_values_push(&kw, ct_v_kw("max_eval", ct_v_int(o.max_eval)));
  om_kw_num(&kw, "tolerance_grad", o.tolerance_grad);
  om_kw_num(&kw, "tolerance_change", o.tolerance_change);
  ct_values_push(&kw, ct_v_kw("history_size", ct_v_int(o.history_size)));
  if (o.line_search_fn) ct_values_push(&kw, ct_v_kw("line_search_fn", ct_v_str(o.line_search_fn)));
  return ct_optim_create("LBFGS", params, n, &kw);
}
