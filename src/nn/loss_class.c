/* nn.CrossEntropyLoss, nn.NLLLoss, nn.CTCLoss over F.cross_entropy / F.nll_loss / F.ctc_loss
 * (src/ops/loss_class.c, loss_ctc.c). The class weight is a buffer named "weight", as
 * PyTorch's _WeightedLoss registers it (in state_dict only when given); it is looked up at
 * each forward, so load_state_dict and .to(dtype) reach it. */
#include "nn_internal.h"

typedef struct class_loss_mod {
  ct_module base;
  bool has_weight;
  int64_t ignore_index;
  ct_reduction reduction;
  double label_smoothing; /* CrossEntropyLoss */
  ct_ctc_loss_opts ctc;   /* CTCLoss */
} class_loss_mod;

static int two_inputs(const ct_module *m, const ct_values *in, ct_tensor **x, ct_tensor **t) {
  *x = ct_values_tensor(in, 0);
  *t = ct_values_tensor(in, 1);
  if (in->n != 2 || !*x || !*t)
    return ct__errs("%s.forward() takes 2 tensor arguments (input, target) but %d values were given",
                    m->kind->name, in->n);
  return 0;
}

static const ct_tensor *weight_of(const ct_module *m) {
  return ((const class_loss_mod *)m)->has_weight ? ct_module_get_buffer(m, "weight") : NULL;
}

static int ce_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  class_loss_mod *c = (class_loss_mod *)m;
  ct_tensor *x, *t;
  if (two_inputs(m, in, &x, &t) != 0) return -1;
  ct_tensor *y = ct_cross_entropy_ex(x, t, (ct_cross_entropy_opts){weight_of(m), c->ignore_index,
                                                                  c->reduction, c->label_smoothing});
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static int nll_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  class_loss_mod *c = (class_loss_mod *)m;
  ct_tensor *x, *t;
  if (two_inputs(m, in, &x, &t) != 0) return -1;
  ct_tensor *y = ct_nll_loss_ex(x, t, (ct_nll_loss_opts){weight_of(m), c->ignore_index, c->reduction});
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

/* CTCLoss.forward(log_probs, targets, input_lengths, target_lengths): the lengths as tensors
 * or as tuples of ints (Python lists). */
#define CTC_MAX_BATCH 1024
typedef struct {
  ct_tensor *t;
  int n;
  int64_t v[CTC_MAX_BATCH];
} ctc_len;
static int ctc_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  class_loss_mod *c = (class_loss_mod *)m;
  const ct_value *top[4] = {0};
  int k = 0;
  for (int i = 0; i < in->n; i += nn_value_span(in, i), k++)
    if (k < 4) top[k] = &in->v[i];
  bool ok = k == 4 && top[0]->type == CT_V_TENSOR && top[1]->type == CT_V_TENSOR;
  static __thread ctc_len len[2];
  for (int j = 0; ok && j < 2; j++) {
    const ct_value *v = top[2 + j];
    len[j].t = v->type == CT_V_TENSOR ? v->t : NULL;
    len[j].n = v->type == CT_V_TUPLE ? v->n : 0;
    ok = v->type == CT_V_TENSOR || (v->type == CT_V_TUPLE && v->n <= CTC_MAX_BATCH);
    for (int e = 0; ok && e < len[j].n; e++) {
      ok = v[1 + e].type == CT_V_INT;
      len[j].v[e] = v[1 + e].i;
    }
  }
  if (!ok)
    return ct__errs("CTCLoss.forward() takes (log_probs, targets, input_lengths, target_lengths):"
                    " tensors, the lengths as tensors or int tuples");
  ct_tensor *y;
  if (len[0].t && len[1].t)
    y = ct_ctc_loss_ex(top[0]->t, top[1]->t, len[0].t, len[1].t, c->ctc);
  else if (!len[0].t && !len[1].t)
    y = ct_ctc_loss_lengths_ex(top[0]->t, top[1]->t, len[0].n, len[0].v, len[1].n, len[1].v, c->ctc);
  else
    return ct__errs("CTCLoss.forward(): input_lengths and target_lengths must both be tensors or both int tuples");
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static ct_module *weighted_new(const ct_module_kind *kind, const ct_tensor *weight) {
  class_loss_mod *c = (class_loss_mod *)ct_module_new(kind);
  if (c && weight && !ct_module_register_buffer(&c->base, "weight", (ct_tensor *)weight, true)) {
    ct_module_free(&c->base);
    return NULL;
  }
  if (c) c->has_weight = weight != NULL;
  return (ct_module *)c;
}

/* weight=None (position 0): a tensor or None */
static const ct_tensor *weight_arg(nn_args *a) {
  const ct_value *w = nn_arg(a, 0, "weight");
  if (w && w->type != CT_V_TENSOR && w->type != CT_V_NONE && !a->bad) {
    a->bad = true;
    ct__err("%s: weight must be a tensor or None", a->cls);
  }
  return w && w->type == CT_V_TENSOR ? w->t : NULL;
}

/* CrossEntropyLoss(weight=None, size_average=None, ignore_index=-100, reduce=None,
 * reduction='mean', label_smoothing=0.0) */
static ct_module *build_ce(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "CrossEntropyLoss");
  const ct_tensor *w = weight_arg(&a);
  int64_t ignore = nn_arg_int(&a, 2, "ignore_index", -100, false);
  ct_reduction r = nn_arg_reduction(&a, 1, 3, 4, false);
  double ls = nn_arg_float(&a, 5, "label_smoothing", 0.0);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_cross_entropy_loss(.weight = w, .ignore_index = ignore, .reduction = r,
                                  .label_smoothing = ls);
}

/* NLLLoss(weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean') */
static ct_module *build_nll(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "NLLLoss");
  const ct_tensor *w = weight_arg(&a);
  int64_t ignore = nn_arg_int(&a, 2, "ignore_index", -100, false);
  ct_reduction r = nn_arg_reduction(&a, 1, 3, 4, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_nll_loss(.weight = w, .ignore_index = ignore, .reduction = r);
}

/* CTCLoss(blank=0, reduction='mean', zero_infinity=False) */
static ct_module *build_ctc(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "CTCLoss");
  int64_t blank = nn_arg_int(&a, 0, "blank", 0, false);
  ct_reduction r = nn_arg_reduction(&a, -1, -1, 1, false);
  bool zi = nn_arg_bool(&a, 2, "zero_infinity", false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_ctc_loss(.blank = blank, .reduction = r, .zero_infinity = zi);
}

const ct_module_kind ct__nn_kind_cross_entropy_loss = {
    .name = "CrossEntropyLoss", .size = sizeof(class_loss_mod), .forward = ce_fwd, .build = build_ce};
const ct_module_kind ct__nn_kind_nll_loss = {
    .name = "NLLLoss", .size = sizeof(class_loss_mod), .forward = nll_fwd, .build = build_nll};
const ct_module_kind ct__nn_kind_ctc_loss = {
    .name = "CTCLoss", .size = sizeof(class_loss_mod), .forward = ctc_fwd, .build = build_ctc};

ct_module *ct_nn_cross_entropy_loss_ex(ct_cross_entropy_opts o) {
  class_loss_mod *c = (class_loss_mod *)weighted_new(&ct__nn_kind_cross_entropy_loss, o.weight);
  if (c) c->ignore_index = o.ignore_index, c->reduction = o.reduction, c->label_smoothing = o.label_smoothing;
  return (ct_module *)c;
}
ct_module *ct_nn_nll_loss_ex(ct_nll_loss_opts o) {
  class_loss_mod *c = (class_loss_mod *)weighted_new(&ct__nn_kind_nll_loss, o.weight);
  if (c) c->ignore_index = o.ignore_index, c->reduction = o.reduction;
  return (ct_module *)c;
}
ct_module *ct_nn_ctc_loss_ex(ct_ctc_loss_opts o) {
  class_loss_mod *c = (class_loss_mod *)ct_module_new(&ct__nn_kind_ctc_loss);
  if (c) c->ctc = o;
  return (ct_module *)c;
}
