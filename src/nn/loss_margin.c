/* The margin losses as modules (torch/nn/modules/loss.py): MarginRankingLoss,
 * HingeEmbeddingLoss, CosineEmbeddingLoss, TripletMarginLoss, TripletMarginWithDistanceLoss,
 * MultiMarginLoss (weight as a buffer) and MultiLabelMarginLoss. Each forward is the F.*
 * function with the stored options; none has an extra_repr, so each prints as "Name()"
 * (TripletMarginWithDistanceLoss with its default PairwiseDistance child). */
#include "nn_internal.h"

#include <math.h>

typedef struct loss_mod {
  ct_module base;
  double margin, p, eps; /* p: TripletMarginLoss's norm degree */
  int64_t mp;            /* MultiMarginLoss's p */
  bool swap;
  ct_reduction reduction;
  ct_distance_fn distance; /* TripletMarginWithDistanceLoss's callback (NULL: the child) */
  void *distance_user;
} loss_mod;

/* The n tensor arguments of forward (named in PyTorch's signature), or -1 + error. */
static int loss_inputs(const ct_module *m, const ct_values *in, int n, const char *names, ct_tensor **x) {
  bool ok = in->n == n;
  for (int i = 0; i < n; i++) ok = (x[i] = ct_values_tensor(in, i)) && ok;
  if (!ok)
    return ct__errs("%s.forward() takes %d tensor arguments (%s) but %d values were given",
                    m->kind->name, n, names, in->n);
  return 0;
}

static int push(ct_values *out, ct_tensor *y) { return y ? ct_values_push(out, ct_v_tensor(y)) : -1; }

static int margin_ranking_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[3];
  if (loss_inputs(m, in, 3, "input1, input2, target", x) != 0) return -1;
  return push(out, ct_margin_ranking_loss(x[0], x[1], x[2], .margin = l->margin, .reduction = l->reduction));
}
static int hinge_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[2];
  if (loss_inputs(m, in, 2, "input, target", x) != 0) return -1;
  return push(out, ct_hinge_embedding_loss(x[0], x[1], .margin = l->margin, .reduction = l->reduction));
}
static int cosine_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[3];
  if (loss_inputs(m, in, 3, "input1, input2, target", x) != 0) return -1;
  return push(out, ct_cosine_embedding_loss(x[0], x[1], x[2], .margin = l->margin, .reduction = l->reduction));
}
static int triplet_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[3];
  if (loss_inputs(m, in, 3, "anchor, positive, negative", x) != 0) return -1;
  return push(out, ct_triplet_margin_loss(x[0], x[1], x[2], .margin = l->margin, .p = l->p, .eps = l->eps,
                                          .swap = l->swap, .reduction = l->reduction));
}

/* The default distance: the distance_function child called as a module (its hooks run). */
static ct_tensor *child_distance(const ct_tensor *a, const ct_tensor *b, void *user) {
  return ct_forward((ct_module *)user, (ct_tensor *)a, (ct_tensor *)b);
}
static int triplet_distance_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[3];
  if (loss_inputs(m, in, 3, "anchor, positive, negative", x) != 0) return -1;
  ct_triplet_margin_with_distance_loss_opts o = {l->distance, l->distance_user, l->margin, l->swap,
                                                 l->reduction};
  if (!o.distance_function) {
    o.distance_function = child_distance;
    if (!(o.distance_user = ct_module_get_submodule(m, "distance_function"))) return -1;
  }
  return push(out, ct_triplet_margin_with_distance_loss_ex(x[0], x[1], x[2], o));
}

static int multi_margin_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[2];
  if (loss_inputs(m, in, 2, "input, target", x) != 0) return -1;
  /* weight is looked up each time: load_state_dict / to() replace the buffer's tensor */
  ct_tensor_map *bufs = ct_module_named_buffers(m, false);
  const ct_tensor *w = bufs ? ct_tensor_map_get(bufs, "weight") : NULL;
  ct_tensor *y = ct_multi_margin_loss(x[0], x[1], .p = l->mp, .margin = l->margin, .weight = w,
                                      .reduction = l->reduction);
  ct_tensor_map_free(bufs);
  return push(out, y);
}
static int multilabel_margin_fwd(ct_module *m, const ct_values *in, ct_values *out) {
  loss_mod *l = (loss_mod *)m;
  ct_tensor *x[2];
  if (loss_inputs(m, in, 2, "input, target", x) != 0) return -1;
  return push(out, ct_multilabel_margin_loss(x[0], x[1], .reduction = l->reduction));
}

/* ---- registry builders: PyTorch's constructor positions ----------------------------------- */
static ct_module *build_margin_ranking(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "MarginRankingLoss");
  double margin = nn_arg_float(&a, 0, "margin", 0);
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_margin_ranking_loss(.margin = margin, .reduction = r);
}
static ct_module *build_hinge(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "HingeEmbeddingLoss");
  double margin = nn_arg_float(&a, 0, "margin", 1.0);
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_hinge_embedding_loss(.margin = margin, .reduction = r);
}
static ct_module *build_cosine(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "CosineEmbeddingLoss");
  double margin = nn_arg_float(&a, 0, "margin", 0);
  ct_reduction r = nn_arg_reduction(&a, 1, 2, 3, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_cosine_embedding_loss(.margin = margin, .reduction = r);
}
static ct_module *build_triplet(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "TripletMarginLoss");
  double margin = nn_arg_float(&a, 0, "margin", 1.0), p = nn_arg_float(&a, 1, "p", 2);
  double eps = nn_arg_float(&a, 2, "eps", 1e-6);
  bool swap = nn_arg_bool(&a, 3, "swap", false);
  ct_reduction r = nn_arg_reduction(&a, 4, 5, 6, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_triplet_margin_loss(.margin = margin, .p = p, .eps = eps, .swap = swap, .reduction = r);
}
/* keyword-only; distance_function must be None (a callable is not data) */
static ct_module *build_triplet_distance(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "TripletMarginWithDistanceLoss");
  const ct_value *d = nn_arg(&a, -1, "distance_function");
  double margin = nn_arg_float(&a, -1, "margin", 1.0);
  bool swap = nn_arg_bool(&a, -1, "swap", false);
  ct_reduction r = nn_arg_reduction(&a, -1, -1, -1, false);
  if (nn_args_done(&a) != 0) return NULL;
  if (d && d->type != CT_V_NONE)
    return ct__err("TripletMarginWithDistanceLoss: distance_function cannot be built from a value "
                   "(pass a ct_distance_fn to ct_nn_triplet_margin_with_distance_loss)");
  return ct_nn_triplet_margin_with_distance_loss(.margin = margin, .swap = swap, .reduction = r);
}
static ct_module *build_multi_margin(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "MultiMarginLoss");
  int64_t p = nn_arg_int(&a, 0, "p", 1, false);
  double margin = nn_arg_float(&a, 1, "margin", 1.0);
  const ct_value *w = nn_arg(&a, 2, "weight");
  ct_reduction r = nn_arg_reduction(&a, 3, 4, 5, false);
  if (w && w->type != CT_V_NONE && w->type != CT_V_TENSOR) {
    ct__err("MultiMarginLoss: weight must be a tensor or None");
    a.bad = true;
  }
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_multi_margin_loss(.p = p, .margin = margin,
                                 .weight = w && w->type == CT_V_TENSOR ? w->t : NULL, .reduction = r);
}
static ct_module *build_multilabel_margin(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "MultiLabelMarginLoss");
  ct_reduction r = nn_arg_reduction(&a, 0, 1, 2, false);
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_multilabel_margin_loss(.reduction = r);
}

const ct_module_kind ct__nn_kind_margin_ranking_loss = {
    .name = "MarginRankingLoss", .size = sizeof(loss_mod), .forward = margin_ranking_fwd,
    .build = build_margin_ranking};
const ct_module_kind ct__nn_kind_hinge_embedding_loss = {
    .name = "HingeEmbeddingLoss", .size = sizeof(loss_mod), .forward = hinge_fwd, .build = build_hinge};
const ct_module_kind ct__nn_kind_cosine_embedding_loss = {
    .name = "CosineEmbeddingLoss", .size = sizeof(loss_mod), .forward = cosine_fwd, .build = build_cosine};
const ct_module_kind ct__nn_kind_triplet_margin_loss = {
    .name = "TripletMarginLoss", .size = sizeof(loss_mod), .forward = triplet_fwd, .build = build_triplet};
const ct_module_kind ct__nn_kind_triplet_margin_with_distance_loss = {
    .name = "TripletMarginWithDistanceLoss", .size = sizeof(loss_mod), .forward = triplet_distance_fwd,
    .build = build_triplet_distance};
const ct_module_kind ct__nn_kind_multi_margin_loss = {
    .name = "MultiMarginLoss", .size = sizeof(loss_mod), .forward = multi_margin_fwd,
    .build = build_multi_margin};
const ct_module_kind ct__nn_kind_multilabel_margin_loss = {
    .name = "MultiLabelMarginLoss", .size = sizeof(loss_mod), .forward = multilabel_margin_fwd,
    .build = build_multilabel_margin};

/* ---- constructors ------------------------------------------------------------------------------ */
static loss_mod *loss_new(const ct_module_kind *kind, double margin, ct_reduction reduction) {
  if ((unsigned)reduction > CT_REDUCTION_NONE) {
    ct__err("%s is not a valid value for reduction",
            reduction == CT_REDUCTION_BATCHMEAN ? "batchmean" : "(unknown)");
    return NULL;
  }
  loss_mod *l = (loss_mod *)ct_module_new(kind);
  if (l) l->margin = margin, l->reduction = reduction;
  return l;
}

ct_module *ct_nn_margin_ranking_loss_ex(ct_margin_ranking_loss_opts o) {
  return (ct_module *)loss_new(&ct__nn_kind_margin_ranking_loss, o.margin, o.reduction);
}
ct_module *ct_nn_hinge_embedding_loss_ex(ct_hinge_embedding_loss_opts o) {
  return (ct_module *)loss_new(&ct__nn_kind_hinge_embedding_loss, o.margin, o.reduction);
}
ct_module *ct_nn_cosine_embedding_loss_ex(ct_cosine_embedding_loss_opts o) {
  return (ct_module *)loss_new(&ct__nn_kind_cosine_embedding_loss, o.margin, o.reduction);
}
ct_module *ct_nn_triplet_margin_loss_ex(ct_triplet_margin_loss_opts o) {
  loss_mod *l = loss_new(&ct__nn_kind_triplet_margin_loss, o.margin, o.reduction);
  if (l) l->p = o.p, l->eps = o.eps, l->swap = o.swap;
  return (ct_module *)l;
}
ct_module *ct_nn_triplet_margin_with_distance_loss_ex(ct_triplet_margin_with_distance_loss_opts o) {
  loss_mod *l = loss_new(&ct__nn_kind_triplet_margin_with_distance_loss, o.margin, o.reduction);
  if (!l) return NULL;
  l->swap = o.swap, l->distance = o.distance_function, l->distance_user = o.distance_user;
  if (!o.distance_function &&
      !ct_module_register_module(&l->base, "distance_function", ct_nn_pairwise_distance())) {
    ct_module_free(&l->base);
    return NULL;
  }
  return (ct_module *)l;
}
/* MultiMarginLoss.__init__: p checked, weight registered as a buffer (None: not registered,
 * so not in state_dict). */
ct_module *ct_nn_multi_margin_loss_ex(ct_multi_margin_loss_opts o) {
  if (o.p != 1 && o.p != 2) return ct__err("only p == 1 and p == 2 supported");
  if (o.weight && ct_dim(o.weight) != 1) return ct__err("weight must be one-dimensional");
  loss_mod *l = loss_new(&ct__nn_kind_multi_margin_loss, o.margin, o.reduction);
  if (!l) return NULL;
  l->mp = o.p;
  if (o.weight && !ct_module_register_buffer(&l->base, "weight", (ct_tensor *)o.weight, true)) {
    ct_module_free(&l->base);
    return NULL;
  }
  return (ct_module *)l;
}
ct_module *ct_nn_multilabel_margin_loss_ex(ct_multilabel_margin_loss_opts o) {
  return (ct_module *)loss_new(&ct__nn_kind_multilabel_margin_loss, 0, o.reduction);
}
