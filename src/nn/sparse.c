/* Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout (identity in eval), Embedding
 * and EmbeddingBag (weight ~ N(0, 1) with the padding row zeroed, draw for draw; and
 * from_pretrained), over F.dropout* / F.embedding / F.embedding_bag. */
#include "nn_internal.h"

#include <math.h>

/* ---- dropout ------------------------------------------------------------------------------- */
typedef struct dropout_mod {
  ct_module base;
  double p;
  bool inplace;
} dropout_mod;

typedef ct_tensor *(*dropout_fn)(ct_tensor *, ct_dropout_opts);

static dropout_fn dropout_fn_of(const ct_module *m) {
  static const struct {
    const char *cls;
    dropout_fn fn;
  } fns[] = {{"Dropout", ct_dropout_ex},     {"Dropout1d", ct_dropout1d_ex},
             {"Dropout2d", ct_dropout2d_ex}, {"Dropout3d", ct_dropout3d_ex},
             {"AlphaDropout", ct_alpha_dropout_ex},
             {"FeatureAlphaDropout", ct_feature_alpha_dropout_ex}};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
    if (strcmp(m->kind->name, fns[i].cls) == 0) return fns[i].fn;
  return ct_dropout_ex;
}

static ct_tensor *dropout_forward(ct_module *m, ct_tensor *x) {
  dropout_mod *d = (dropout_mod *)m;
  ct_dropout_opts o = {.p = d->p, .training = ct_module_is_training(m), .inplace = d->inplace};
  return dropout_fn_of(m)(x, o);
}

static void dropout_repr(const ct_module *m, char *buf, size_t n) {
  const dropout_mod *d = (const dropout_mod *)m;
  ct__strbuf b = {0};
  ct__sb_puts(&b, "p=");
  nn_py_float(&b, d->p);
  ct__sb_printf(&b, ", inplace=%s", d->inplace ? "True" : "False");
  nn_repr_out(&b, buf, n);
}

static ct_module *dropout_new(const ct_module_kind *kind, double p, bool inplace) {
  if (!(p >= 0 && p <= 1)) {
    ct__strbuf b = {0};
    nn_py_float(&b, p);
    ct__err("dropout probability has to be between 0 and 1, but got %s", b.s ? b.s : "?");
    free(b.s);
    return NULL;
  }
  dropout_mod *d = (dropout_mod *)ct_module_new(kind);
  if (d) d->p = p, d->inplace = inplace;
  return (ct_module *)d;
}

static ct_module *build_dropout(const ct_values *args, const ct_module_kind *kind) {
  nn_args a;
  nn_args_init(&a, args, kind->name);
  double p = nn_arg_float(&a, 0, "p", 0.5);
  bool inplace = nn_arg_bool(&a, 1, "inplace", false);
  return nn_args_done(&a) == 0 ? dropout_new(kind, p, inplace) : NULL;
}

#define DROPOUT_KIND(var, fn, cls, ctor)                                                        \
  NN_KIND(var, fn, build_dropout, .name = cls, .size = sizeof(dropout_mod),                     \
          .forward1 = dropout_forward, .extra_repr = dropout_repr);                             \
  ct_module *ctor(double p, bool inplace) { return dropout_new(&var, p, inplace); }
DROPOUT_KIND(ct__nn_kind_dropout, build_do, "Dropout", ct_nn_dropout)
DROPOUT_KIND(ct__nn_kind_dropout1d, build_do1, "Dropout1d", ct_nn_dropout1d)
DROPOUT_KIND(ct__nn_kind_dropout2d, build_do2, "Dropout2d", ct_nn_dropout2d)
DROPOUT_KIND(ct__nn_kind_dropout3d, build_do3, "Dropout3d", ct_nn_dropout3d)
DROPOUT_KIND(ct__nn_kind_alpha_dropout, build_ado, "AlphaDropout", ct_nn_alpha_dropout)
DROPOUT_KIND(ct__nn_kind_feature_alpha_dropout, build_fado, "FeatureAlphaDropout",
             ct_nn_feature_alpha_dropout)

/* ---- Embedding, EmbeddingBag ------------------------------------------------------------------ */
typedef struct embedding_mod {
  ct_module base;
  int64_t num, dim;
  ct_nn_embedding_opts o;
  ct_tensor *weight;
} embedding_mod;

static const char *const bag_modes[] = {"sum", "mean", "max"};

static int embedding_reset(ct_module *m) {
  embedding_mod *e = (embedding_mod *)m;
  ct_tensor *r = NULL;
  CT_NO_GRAD {
    r = ct_normal_(e->weight, 0, 1, NULL);
    if (r && e->o.padding_idx != CT_NONE) r = ct_fill_(ct_select(e->weight, 0, e->o.padding_idx), 0);
  }
  return r ? 0 : -1;
}

static ct_tensor *embedding_forward(ct_module *m, ct_tensor *x) {
  embedding_mod *e = (embedding_mod *)m;
  ct_embedding_opts o = {.padding_idx = e->o.padding_idx, .max_norm = e->o.max_norm,
                         .norm_type = e->o.norm_type, .scale_grad_by_freq = e->o.scale_grad_by_freq,
                         .sparse = e->o.sparse};
  return ct_embedding_ex(x, e->weight, o);
}

static int bag_forward(ct_module *m, const ct_values *in, ct_values *out) {
  embedding_mod *e = (embedding_mod *)m;
  const ct_value *x = ct_values_get(in, 0, "input"), *off = ct_values_get(in, 1, "offsets"),
                 *psw = ct_values_get(in, 2, "per_sample_weights");
  if (!x || x->type != CT_V_TENSOR)
    return ct__errs("EmbeddingBag.forward() missing 1 required positional argument: 'input'");
  ct_embedding_bag_opts o = {
      .offsets = off && off->type == CT_V_TENSOR ? off->t : NULL, .max_norm = e->o.max_norm,
      .norm_type = e->o.norm_type, .scale_grad_by_freq = e->o.scale_grad_by_freq,
      .mode = e->o.mode, .sparse = e->o.sparse,
      .per_sample_weights = psw && psw->type == CT_V_TENSOR ? psw->t : NULL,
      .include_last_offset = e->o.include_last_offset, .padding_idx = e->o.padding_idx};
  ct_tensor *y = ct_embedding_bag_ex(x->t, e->weight, o);
  return y ? ct_values_push(out, ct_v_tensor(y)) : -1;
}

static void embedding_repr(const ct_module *m, char *buf, size_t n) {
  const embedding_mod *e = (const embedding_mod *)m;
  bool bag = strcmp(m->kind->name, "EmbeddingBag") == 0;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld, %lld", (long long)e->num, (long long)e->dim);
  if (!bag && e->o.padding_idx != CT_NONE) ct__sb_printf(&b, ", padding_idx=%lld", (long long)e->o.padding_idx);
  if (!isnan(e->o.max_norm)) {
    ct__sb_puts(&b, ", max_norm=");
    nn_py_float(&b, e->o.max_norm);
  }
  if (e->o.norm_type != 2) {
    ct__sb_puts(&b, ", norm_type=");
    nn_py_float(&b, e->o.norm_type);
  }
  if (e->o.scale_grad_by_freq) ct__sb_puts(&b, ", scale_grad_by_freq=True");
  if (!bag && e->o.sparse) ct__sb_puts(&b, ", sparse=True");
  if (bag) ct__sb_printf(&b, ", mode=%s", bag_modes[e->o.mode]);
  if (bag && e->o.padding_idx != CT_NONE) ct__sb_printf(&b, ", padding_idx=%lld", (long long)e->o.padding_idx);
  nn_repr_out(&b, buf, n);
}

static ct_module *build_embedding(const ct_values *args);
static ct_module *build_bag(const ct_values *args);
const ct_module_kind ct__nn_kind_embedding = {
    .name = "Embedding", .size = sizeof(embedding_mod), .forward1 = embedding_forward,
    .extra_repr = embedding_repr, .reset_parameters = embedding_reset, .build = build_embedding};
const ct_module_kind ct__nn_kind_embedding_bag = {
    .name = "EmbeddingBag", .size = sizeof(embedding_mod), .forward = bag_forward,
    .extra_repr = embedding_repr, .reset_parameters = embedding_reset, .build = build_bag};

/* Embedding.__init__ / EmbeddingBag.__init__: padding_idx checked and made non-negative, then
 * a new weight (reset) or the given one (from_pretrained: no draw). */
static ct_module *embedding_new(const ct_module_kind *kind, int64_t num, int64_t dim,
                                const ct_tensor *weight, ct_nn_embedding_opts o) {
  bool bag = kind == &ct__nn_kind_embedding_bag;
  if (o.padding_idx != CT_NONE) {
    if ((o.padding_idx > 0 && o.padding_idx >= num) || (o.padding_idx < 0 && o.padding_idx < -num))
      return ct__err(bag ? "padding_idx must be within num_embeddings"
                         : "Padding_idx must be within num_embeddings");
    if (o.padding_idx < 0) o.padding_idx += num;
  }
  if ((unsigned)o.mode > CT_BAG_MAX) return ct__err("mode has to be one of sum, mean or max");
  ct_module *m = ct_module_new(kind);
  if (!m) return NULL;
  embedding_mod *e = (embedding_mod *)m;
  e->num = num;
  e->dim = dim;
  e->o = o;
  if (weight) {
    ct_scope_begin();
    e->weight = ct_module_register_parameter(m, "weight", ct_parameter(weight, true));
    ct_scope_end();
  } else {
    e->weight = nn_new_param(m, "weight", 2, (int64_t[]){num, dim}, o.dtype);
    if (e->weight && embedding_reset(m) != 0) e->weight = NULL;
  }
  if (!e->weight) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

ct_module *ct_nn_embedding_ex(int64_t num, int64_t dim, ct_nn_embedding_opts o) {
  return embedding_new(&ct__nn_kind_embedding, num, dim, NULL, o);
}
ct_module *ct_nn_embedding_bag_ex(int64_t num, int64_t dim, ct_nn_embedding_opts o) {
  return embedding_new(&ct__nn_kind_embedding_bag, num, dim, NULL, o);
}

static ct_module *from_pretrained(const ct_module_kind *kind, const ct_tensor *emb, bool freeze,
                                  ct_nn_embedding_opts o) {
  if (!emb) return NULL;
  if (ct_dim(emb) != 2) return ct__err("Embeddings parameter is expected to be 2-dimensional");
  ct_module *m = embedding_new(kind, ct_size(emb, 0), ct_size(emb, 1), emb, o);
  if (m && !ct_requires_grad_(((embedding_mod *)m)->weight, !freeze)) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}
ct_module *ct_nn_embedding_from_pretrained_ex(const ct_tensor *emb, bool freeze, ct_nn_embedding_opts o) {
  return from_pretrained(&ct__nn_kind_embedding, emb, freeze, o);
}
ct_module *ct_nn_embedding_bag_from_pretrained_ex(const ct_tensor *emb, bool freeze, ct_nn_embedding_opts o) {
  return from_pretrained(&ct__nn_kind_embedding_bag, emb, freeze, o);
}

/* max_norm=None (by keyword or position) reads as NaN. */
static double opt_float(nn_args *a, int pos, const char *key, double def) {
  const ct_value *v = nn_arg(a, pos, key);
  if (v && v->type == CT_V_NONE) return NAN;
  return nn_arg_float(a, pos, key, def);
}

/* The builders' _weight=: that tensor (its shape checked), or a new initialised weight. */
static ct_module *with_weight(const ct_module_kind *kind, int64_t num, int64_t dim,
                              const ct_value *w, ct_nn_embedding_opts o) {
  if (!w || w->type != CT_V_TENSOR) return embedding_new(kind, num, dim, NULL, o);
  if (ct_dim(w->t) != 2 || ct_size(w->t, 0) != num || ct_size(w->t, 1) != dim)
    return ct__err("Shape of weight does not match num_embeddings and embedding_dim");
  return embedding_new(kind, num, dim, w->t, o);
}

/* Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.,
 * scale_grad_by_freq=False, sparse=False, _weight=None, device=None, dtype=None) */
static ct_module *build_embedding(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Embedding");
  ct_nn_embedding_opts o = CT_NN_EMBEDDING_OPTS();
  int64_t num = nn_arg_int(&a, 0, "num_embeddings", 0, true);
  int64_t dim = nn_arg_int(&a, 1, "embedding_dim", 0, true);
  o.padding_idx = nn_arg_int(&a, 2, "padding_idx", CT_NONE, false);
  o.max_norm = opt_float(&a, 3, "max_norm", NAN);
  o.norm_type = nn_arg_float(&a, 4, "norm_type", 2.0);
  o.scale_grad_by_freq = nn_arg_bool(&a, 5, "scale_grad_by_freq", false);
  o.sparse = nn_arg_bool(&a, 6, "sparse", false);
  const ct_value *w = nn_arg(&a, 7, "_weight");
  nn_arg_device(&a, 8, "device");
  o.dtype = nn_arg_dtype(&a, 9, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return with_weight(&ct__nn_kind_embedding, num, dim, w, o);
}

/* EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.,
 * scale_grad_by_freq=False, mode='mean', sparse=False, _weight=None,
 * include_last_offset=False, padding_idx=None, device=None, dtype=None) */
static ct_module *build_bag(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "EmbeddingBag");
  ct_nn_embedding_opts o = CT_NN_EMBEDDING_OPTS();
  int64_t num = nn_arg_int(&a, 0, "num_embeddings", 0, true);
  int64_t dim = nn_arg_int(&a, 1, "embedding_dim", 0, true);
  o.max_norm = opt_float(&a, 2, "max_norm", NAN);
  o.norm_type = nn_arg_float(&a, 3, "norm_type", 2.0);
  o.scale_grad_by_freq = nn_arg_bool(&a, 4, "scale_grad_by_freq", false);
  const char *mode = nn_arg_str(&a, 5, "mode", "mean");
  o.sparse = nn_arg_bool(&a, 6, "sparse", false);
  const ct_value *w = nn_arg(&a, 7, "_weight");
  o.include_last_offset = nn_arg_bool(&a, 8, "include_last_offset", false);
  o.padding_idx = nn_arg_int(&a, 9, "padding_idx", CT_NONE, false);
  nn_arg_device(&a, 10, "device");
  o.dtype = nn_arg_dtype(&a, 11, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  int md = -1;
  for (int i = 0; i < 3; i++)
    if (strcmp(mode, bag_modes[i]) == 0) md = i;
  if (md < 0) return ct__err("mode has to be one of sum, mean or max");
  o.mode = (ct_bag_mode)md;
  return with_weight(&ct__nn_kind_embedding_bag, num, dim, w, o);
}
