/* nn.AdaptiveLogSoftmaxWithLoss (torch/nn/modules/adaptive.py, PyTorch 1.13): a head Linear
 * over the shortlist plus one entry per cluster, and per cluster a two-Linear projection (the
 * tail ModuleList of Sequentials), so parameter names, initialisation draws, printing and
 * state_dict are PyTorch's. forward gives (output, loss), log_prob and predict the full
 * distribution. Composed from public differentiable ops; the in-place index_copy_ of PyTorch's
 * forward becomes a scatter_add into zeros (the rows of the clusters are disjoint). */
#include "nn_internal.h"

#include <math.h>

typedef struct asm_mod {
  ct_module base;
  int64_t in_features, n_classes, shortlist_size, n_clusters;
  int64_t cutoffs[CT_MAX_DIMS + 1]; /* the given cutoffs + [n_classes] */
  double div_value;
  bool head_bias;
} asm_mod;

/* Python's float a // b (floatobject.c's float_floor_div), so hsz = int(in // div ** (i + 1))
 * is the same integer even where floor(a / b) would round differently. */
static double py_floordiv(double a, double b) {
  double mod = fmod(a, b), div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return copysign(0.0, a / b);
  double fl = floor(div);
  return div - fl > 0.5 ? fl + 1.0 : fl;
}

static int check_cutoffs(const ct_ints *c, int64_t n_classes) {
  if (c->n == 0) return ct__errs("min() arg is an empty sequence");
  bool ok = c->v[0] > 0 && c->v[c->n - 1] <= n_classes - 1;
  for (int i = 1; i < c->n; i++) ok = ok && c->v[i] > c->v[i - 1]; /* sorted and unique */
  if (!ok)
    return ct__errs("cutoffs should be a sequence of unique, positive integers sorted in an "
                    "increasing order, where each value is between 1 and n_classes-1");
  return 0;
}

/* The tail: per cluster i, Sequential(Linear(in, hsz, bias=False), Linear(hsz, osz, bias=False)),
 * built in PyTorch's order so the initialisation draws come in its order. */
static ct_module *make_tail(const asm_mod *a, ct_dtype dtype) {
  ct_module *tail = ct_nn_module_list_n(NULL, 0);
  for (int64_t i = 0; tail && i < a->n_clusters; i++) {
    double b = pow(a->div_value, (double)(i + 1));
    if (b == 0) {
      ct_module_free(tail);
      return ct__err("float floor division by zero");
    }
    int64_t hsz = (int64_t)py_floordiv((double)a->in_features, b);
    int64_t osz = a->cutoffs[i + 1] - a->cutoffs[i];
    ct_module *i2h = ct_nn_linear(a->in_features, hsz, .bias = false, .dtype = dtype);
    ct_module *h2o = i2h ? ct_nn_linear(hsz, osz, .bias = false, .dtype = dtype) : NULL;
    if (!h2o) {
      ct_module_free(i2h);
      ct_module_free(tail);
      return NULL;
    }
    tail = ct_module_append(tail, ct_nn_sequential(i2h, h2o));
  }
  return tail;
}

ct_module *ct_nn_adaptive_log_softmax_with_loss_ex(int64_t in_features, int64_t n_classes, ct_ints cutoffs,
                                                   ct_nn_adaptive_log_softmax_opts o) {
  if (cutoffs.n < 0 || cutoffs.n > CT_MAX_DIMS)
    return ct__err("AdaptiveLogSoftmaxWithLoss: at most %d cutoffs", CT_MAX_DIMS);
  if (check_cutoffs(&cutoffs, n_classes) != 0) return NULL;
  asm_mod *a = (asm_mod *)ct_module_new(&ct__nn_kind_adaptive_log_softmax_with_loss);
  if (!a) return NULL;
  a->in_features = in_features, a->n_classes = n_classes, a->div_value = o.div_value;
  a->head_bias = o.head_bias, a->shortlist_size = cutoffs.v[0], a->n_clusters = cutoffs.n;
  memcpy(a->cutoffs, cutoffs.v, sizeof(int64_t) * (size_t)cutoffs.n);
  a->cutoffs[cutoffs.n] = n_classes;
  ct_module *m = &a->base;
  ct_module *head = ct_nn_linear(in_features, a->shortlist_size + a->n_clusters, .bias = o.head_bias,
                                 .dtype = o.dtype);
  if (!head || !ct_module_register_module(m, "head", head) ||
      !ct_module_register_module(m, "tail", make_tail(a, o.dtype))) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

static ct_module *build_asm(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "AdaptiveLogSoftmaxWithLoss");
  int64_t in = nn_arg_int(&a, 0, "in_features", 0, true), n = nn_arg_int(&a, 1, "n_classes", 0, true);
  ct_ints cut = {0};
  cut.n = nn_arg_ints(&a, 2, "cutoffs", cut.v, CT_MAX_DIMS);
  double div = nn_arg_float(&a, 3, "div_value", 4.0);
  bool head_bias = nn_arg_bool(&a, 4, "head_bias", false);
  nn_arg_device(&a, 5, "device");
  ct_dtype dt = nn_arg_dtype(&a, 6, "dtype");
  if (cut.n < 0 && !a.bad) {
    ct__err("AdaptiveLogSoftmaxWithLoss.__init__() missing 1 required positional argument: 'cutoffs'");
    a.bad = true;
  }
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_adaptive_log_softmax_with_loss(in, n, cut, .div_value = div, .head_bias = head_bias, .dtype = dt);
}

/* ---- forward ----------------------------------------------------------------------------------- */
static ct_module *child(const ct_module *m, const char *name) { return ct_module_get_submodule(m, name); }

/* forward's checks of the target's rank against the input's (its RuntimeError messages, the
 * two-argument ones printed as Python prints their tuple). */
static int check_ranks(const ct_tensor *input, const ct_tensor *target) {
  int td = ct_dim(target), xd = ct_dim(input);
  char shp[256];
  if (td == 1) {
    if (xd == 0) return ct__errs("dimension specified as 0 but tensor has no dimensions");
    if (ct_shape(input)[0] != ct_shape(target)[0])
      return ct__errs("Input and target should have the same size in the batch dimension.");
    if (xd != 2)
      return ct__errs("('1D target tensor expects 2D input tensors, but found inputs with size', "
                      "torch.Size(%s))", ct__shape_str(xd, ct_shape(input), shp, sizeof shp));
  } else if (td == 0) {
    if (xd != 1)
      return ct__errs("('0D target tensor expects 1D input tensors, but found inputs with size', "
                      "torch.Size(%s))", ct__shape_str(xd, ct_shape(input), shp, sizeof shp));
  } else {
    return ct__errs("0D or 1D target tensor expected, multi-target not supported");
  }
  return 0;
}

/* Rows r of t (n values) with lo <= t[r] < hi, as an int64 (k,) tensor; k in *k. */
static ct_tensor *rows_in(const int64_t *t, int64_t n, int64_t lo, int64_t hi, int64_t *k) {
  ct_tensor *rows = ct_empty(CT_SHAPE(n), .dtype = CT_INT64);
  if (!rows) return NULL;
  int64_t *r = ct_data_ptr(rows), c = 0;
  for (int64_t i = 0; i < n; i++)
    if (t[i] >= lo && t[i] < hi) r[c++] = i;
  *k = c;
  return ct_narrow(rows, 0, 0, c);
}

/* Cluster i's log-probability of each of its rows' targets (k,), rows selected from input. */
static ct_tensor *cluster_logprob(const asm_mod *a, const ct_tensor *input, ct_tensor *rows,
                                  const ct_tensor *target, int64_t i) {
  char name[32];
  snprintf(name, sizeof name, "tail.%lld", (long long)i);
  ct_module *proj = child(&a->base, name);
  ct_tensor *rel = ct_sub_scalar(ct_index_select(target, 0, rows), (double)a->cutoffs[i]);
  ct_tensor *out = proj ? ct_forward(proj, ct_index_select(input, 0, rows)) : NULL;
  ct_tensor *lp = ct_log_softmax(out, 1);
  return ct_squeeze_dim(ct_gather(lp, 1, ct_unsqueeze(rel, 1)), 1);
}

static int asm_forward(ct_module *m, const ct_values *in, ct_values *out) {
  const asm_mod *a = (const asm_mod *)m;
  ct_tensor *input_ = ct_values_tensor(in, 0), *target_ = ct_values_tensor(in, 1);
  if (in->n != 2 || !input_ || !target_)
    return ct__errs("AdaptiveLogSoftmaxWithLoss.forward() takes 2 tensor arguments (input_, target_) "
                    "but %d values were given", in->n);
  if (check_ranks(input_, target_) != 0) return -1;
  bool batched = ct_dim(target_) > 0;
  ct_tensor *input = batched ? input_ : ct_unsqueeze(input_, 0);
  ct_tensor *target = batched ? target_ : ct_unsqueeze(target_, 0);
  if (ct_dtype_of(target) != CT_INT64) return ct__errs("gather(): Expected dtype int64 for index");
  int64_t n = ct_shape(target)[0], used = 0;
  ct_tensor *tc = ct_contiguous(target), *gather_inds = ct_empty(CT_SHAPE(n), .dtype = CT_INT64);
  ct_tensor *output = ct_zeros(CT_SHAPE(n), .dtype = ct_dtype_of(input));
  if (!tc || !gather_inds || !output) return -1;
  const int64_t *t = ct_data_ptr(tc);
  int64_t *gi = ct_data_ptr(gather_inds);
  for (int64_t i = 0; i <= a->n_clusters; i++) {
    int64_t lo = i ? a->cutoffs[i - 1] : 0, hi = a->cutoffs[i], k;
    ct_tensor *rows = rows_in(t, n, lo, hi, &k);
    if (!rows) return -1;
    if (k == 0) continue;
    const int64_t *r = ct_data_ptr(ct_contiguous(rows));
    for (int64_t j = 0; j < k; j++) gi[r[j]] = i ? a->shortlist_size + i - 1 : t[r[j]];
    if (i > 0) {
      ct_tensor *local = cluster_logprob(a, input, rows, target, i - 1);
      output = ct_add(output, ct_scatter_add(ct_zeros_like(output), 0, rows, local));
      if (!output) return -1;
    }
    used += k;
  }
  if (used != n) {
    int64_t lo = n ? t[0] : 0, hi = lo;
    for (int64_t j = 1; j < n; j++) lo = t[j] < lo ? t[j] : lo, hi = t[j] > hi ? t[j] : hi;
    return ct__errs("Target values should be in [0, %lld], but values in range [%lld, %lld] were found. ",
                    (long long)(a->n_classes - 1), (long long)lo, (long long)hi);
  }
  ct_module *head = child(m, "head");
  ct_tensor *head_lp = head ? ct_log_softmax(ct_forward(head, input), 1) : NULL;
  output = ct_add(output, ct_squeeze_dim(ct_gather(head_lp, 1, ct_unsqueeze(gather_inds, 1)), 1));
  ct_tensor *loss = ct_mean(ct_neg(output));
  if (!batched) output = ct_squeeze_dim(output, 0);
  if (!output || !loss) return -1;
  return ct_values_push(out, ct_v_tensor(output)) || ct_values_push(out, ct_v_tensor(loss)) ? -1 : 0;
}

const ct_module_kind ct__nn_kind_adaptive_log_softmax_with_loss = {
    .name = "AdaptiveLogSoftmaxWithLoss", .size = sizeof(asm_mod), .forward = asm_forward,
    .build = build_asm};

static const asm_mod *asm_of(const ct_module *m) {
  if (!m) return NULL;
  if (m->kind != &ct__nn_kind_adaptive_log_softmax_with_loss)
    return ct__err("expected an AdaptiveLogSoftmaxWithLoss module, got %s", m->kind->name);
  return (const asm_mod *)m;
}

ct_asm_output ct_nn_adaptive_log_softmax_forward(ct_module *m, const ct_tensor *input, const ct_tensor *target) {
  ct_values out = {0};
  if (!asm_of(m) || !input || !target ||
      ct_module_call(m, &CT_VALUES(ct_v_tensor((ct_tensor *)input), ct_v_tensor((ct_tensor *)target)),
                     &out) != 0)
    return (ct_asm_output){NULL, NULL};
  return (ct_asm_output){out.v[0].t, out.v[1].t};
}

/* _get_full_log_prob: [head_lp[:, :shortlist], cluster i's log_softmax + head_lp[:, shortlist + i]] */
static ct_tensor *full_log_prob(const asm_mod *a, const ct_tensor *input, ct_tensor *head_out) {
  ct_tensor *parts[CT_MAX_DIMS + 1];
  ct_tensor *head_lp = ct_log_softmax(head_out, 1);
  parts[0] = ct_narrow(head_lp, 1, 0, a->shortlist_size);
  for (int64_t i = 0; i < a->n_clusters; i++) {
    char name[32];
    snprintf(name, sizeof name, "tail.%lld", (long long)i);
    ct_module *proj = child(&a->base, name);
    ct_tensor *lp = proj ? ct_log_softmax(ct_forward(proj, (ct_tensor *)input), 1) : NULL;
    parts[i + 1] = ct_add(lp, ct_unsqueeze(ct_select(head_lp, 1, a->shortlist_size + i), 1));
    if (!parts[i + 1]) return NULL;
  }
  return parts[0] ? ct_cat(parts, (int)a->n_clusters + 1, 1) : NULL;
}

ct_tensor *ct_nn_adaptive_log_softmax_log_prob(ct_module *m, const ct_tensor *input) {
  const asm_mod *a = asm_of(m);
  if (!a || !input) return NULL;
  ct_scope_begin();
  ct_module *head = child(m, "head");
  ct_tensor *r = head ? full_log_prob(a, input, ct_forward(head, (ct_tensor *)input)) : NULL;
  if (r) ct_keep(r);
  ct_scope_end();
  return r;
}

/* argmax of the head; rows whose argmax is a cluster take the argmax of the full distribution
 * (PyTorch computes it for those rows only; rows are independent, so the values agree). */
ct_tensor *ct_nn_adaptive_log_softmax_predict(ct_module *m, const ct_tensor *input) {
  const asm_mod *a = asm_of(m);
  if (!a || !input) return NULL;
  ct_scope_begin();
  ct_module *head = child(m, "head");
  ct_tensor *head_out = head ? ct_forward(head, (ct_tensor *)input) : NULL;
  ct_tensor *r = ct_argmax(head_out, 1, false);
  ct_tensor *not_in_shortlist = ct_ge_scalar(r, (double)a->shortlist_size);
  ct_tensor *any = ct_any(not_in_shortlist);
  if (any && ct_item(any) != 0) {
    ct_tensor *full = ct_argmax(full_log_prob(a, input, head_out), 1, false);
    r = ct_where(not_in_shortlist, full, r);
  }
  if (!any) r = NULL;
  if (r) ct_keep(r);
  ct_scope_end();
  return r;
}
