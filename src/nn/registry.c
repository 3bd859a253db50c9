/* The registry: every built-in kind in one table (by PyTorch class name), user kinds added at
 * run time, ct_nn_create(name, args) through each kind's builder, the builders' argument
 * reader, and JSON models (docs/nn-json-models.md) built with one call. */
#include "nn_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

static const ct_module_kind *const builtin[] = {
    &ct__nn_kind_linear,     &ct__nn_kind_bilinear,      &ct__nn_kind_identity,
    &ct__nn_kind_flatten,    &ct__nn_kind_unflatten,     &ct__nn_kind_relu,
    &ct__nn_kind_sigmoid,    &ct__nn_kind_tanh,          &ct__nn_kind_gelu,
    &ct__nn_kind_silu,       &ct__nn_kind_softmax,       &ct__nn_kind_log_softmax,
    &ct__nn_kind_sequential, &ct__nn_kind_module_list,   &ct__nn_kind_module_dict,
    &ct__nn_kind_parameter_list, &ct__nn_kind_parameter_dict,
    /* conv, norm, pool, dropout, embedding layers */
    &ct__nn_kind_conv1d, &ct__nn_kind_conv2d, &ct__nn_kind_conv3d,
    &ct__nn_kind_conv_transpose1d, &ct__nn_kind_conv_transpose2d, &ct__nn_kind_conv_transpose3d,
    &ct__nn_kind_batch_norm1d, &ct__nn_kind_batch_norm2d, &ct__nn_kind_batch_norm3d,
    &ct__nn_kind_sync_batch_norm, &ct__nn_kind_instance_norm1d, &ct__nn_kind_instance_norm2d,
    &ct__nn_kind_instance_norm3d, &ct__nn_kind_group_norm, &ct__nn_kind_layer_norm,
    &ct__nn_kind_local_response_norm, &ct__nn_kind_max_pool1d, &ct__nn_kind_max_pool2d,
    &ct__nn_kind_max_pool3d, &ct__nn_kind_max_unpool1d, &ct__nn_kind_max_unpool2d,
    &ct__nn_kind_max_unpool3d, &ct__nn_kind_avg_pool1d, &ct__nn_kind_avg_pool2d,
    &ct__nn_kind_avg_pool3d, &ct__nn_kind_adaptive_avg_pool1d, &ct__nn_kind_adaptive_avg_pool2d,
    &ct__nn_kind_adaptive_avg_pool3d, &ct__nn_kind_adaptive_max_pool1d,
    &ct__nn_kind_adaptive_max_pool2d, &ct__nn_kind_adaptive_max_pool3d, &ct__nn_kind_lp_pool1d,
    &ct__nn_kind_lp_pool2d, &ct__nn_kind_fractional_max_pool2d, &ct__nn_kind_fractional_max_pool3d,
    &ct__nn_kind_dropout, &ct__nn_kind_dropout1d, &ct__nn_kind_dropout2d, &ct__nn_kind_dropout3d,
    &ct__nn_kind_alpha_dropout, &ct__nn_kind_feature_alpha_dropout, &ct__nn_kind_embedding,
    &ct__nn_kind_embedding_bag,
    /* nn-act: activations, shuffles, distances, padding */
    &ct__nn_kind_relu6, &ct__nn_kind_rrelu, &ct__nn_kind_leaky_relu, &ct__nn_kind_prelu,
    &ct__nn_kind_elu, &ct__nn_kind_celu, &ct__nn_kind_selu, &ct__nn_kind_mish,
    &ct__nn_kind_hardtanh, &ct__nn_kind_hardsigmoid, &ct__nn_kind_hardswish,
    &ct__nn_kind_softplus, &ct__nn_kind_softsign, &ct__nn_kind_softshrink,
    &ct__nn_kind_hardshrink, &ct__nn_kind_tanhshrink, &ct__nn_kind_threshold,
    &ct__nn_kind_logsigmoid, &ct__nn_kind_glu, &ct__nn_kind_softmin, &ct__nn_kind_softmax2d,
    &ct__nn_kind_pixel_shuffle, &ct__nn_kind_pixel_unshuffle, &ct__nn_kind_channel_shuffle,
    &ct__nn_kind_pairwise_distance, &ct__nn_kind_cosine_similarity,
    &ct__nn_kind_constant_pad1d, &ct__nn_kind_constant_pad2d, &ct__nn_kind_constant_pad3d,
    &ct__nn_kind_reflection_pad1d, &ct__nn_kind_reflection_pad2d, &ct__nn_kind_reflection_pad3d,
    &ct__nn_kind_replication_pad1d, &ct__nn_kind_replication_pad2d,
    &ct__nn_kind_replication_pad3d, &ct__nn_kind_zero_pad2d,
    /* resampling layers */
    &ct__nn_kind_upsample, &ct__nn_kind_upsampling_nearest2d, &ct__nn_kind_upsampling_bilinear2d,
    &ct__nn_kind_unfold, &ct__nn_kind_fold,
    /* the Lazy layers */
    &ct__nn_kind_lazy_linear, &ct__nn_kind_lazy_conv1d, &ct__nn_kind_lazy_conv2d,
    &ct__nn_kind_lazy_conv3d,
    /* losses: margin */
    &ct__nn_kind_margin_ranking_loss, &ct__nn_kind_hinge_embedding_loss,
    &ct__nn_kind_cosine_embedding_loss, &ct__nn_kind_triplet_margin_loss,
    &ct__nn_kind_triplet_margin_with_distance_loss, &ct__nn_kind_multi_margin_loss,
    &ct__nn_kind_multilabel_margin_loss, &ct__nn_kind_adaptive_log_softmax_with_loss,
    /* losses: regression and binary */
    &ct__nn_kind_l1_loss, &ct__nn_kind_mse_loss, &ct__nn_kind_smooth_l1_loss,
    &ct__nn_kind_huber_loss, &ct__nn_kind_soft_margin_loss, &ct__nn_kind_bce_loss,
    &ct__nn_kind_bce_with_logits_loss, &ct__nn_kind_kl_div_loss, &ct__nn_kind_poisson_nll_loss,
    &ct__nn_kind_gaussian_nll_loss, &ct__nn_kind_multilabel_soft_margin_loss,
    /* losses: classification */
    &ct__nn_kind_cross_entropy_loss, &ct__nn_kind_nll_loss, &ct__nn_kind_ctc_loss,
    /* the Lazy layers: ConvTranspose, BatchNorm, InstanceNorm */
    &ct__nn_kind_lazy_conv_transpose1d, &ct__nn_kind_lazy_conv_transpose2d,
    &ct__nn_kind_lazy_conv_transpose3d, &ct__nn_kind_lazy_batch_norm1d,
    &ct__nn_kind_lazy_batch_norm2d, &ct__nn_kind_lazy_batch_norm3d,
    &ct__nn_kind_lazy_instance_norm1d, &ct__nn_kind_lazy_instance_norm2d,
    &ct__nn_kind_lazy_instance_norm3d,
    /* recurrent */
    &ct__nn_kind_rnn, &ct__nn_kind_lstm, &ct__nn_kind_gru, &ct__nn_kind_rnn_cell,
    &ct__nn_kind_lstm_cell, &ct__nn_kind_gru_cell,
    /* attention and the Transformer */
    &ct__nn_kind_multihead_attention, &ct__nn_kind_transformer_encoder_layer,
    &ct__nn_kind_transformer_decoder_layer, &ct__nn_kind_transformer_encoder,
    &ct__nn_kind_transformer_decoder, &ct__nn_kind_transformer,
};
#define NN_NUM_BUILTIN (17 + 43 + 36 + 5 + 4 + 8 + 11 + 3 + 9 + 6 + 6)
_Static_assert(sizeof builtin / sizeof *builtin == NN_NUM_BUILTIN,
               "a new kind goes in builtin[] and NN_NUM_BUILTIN together");

#define NN_MAX_USER 256
static const ct_module_kind *user_kinds[NN_MAX_USER];
static int n_user;

const ct_module_kind *nn_builtin_kind(const char *name) {
  for (int i = 0; i < NN_NUM_BUILTIN; i++)
    if (strcmp(builtin[i]->name, name) == 0) return builtin[i];
  return NULL;
}

const ct_module_kind *ct_nn_find_kind(const char *name) {
  if (!name) return NULL;
  const ct_module_kind *k = nn_builtin_kind(name);
  int n = __atomic_load_n(&n_user, __ATOMIC_ACQUIRE);
  for (int i = 0; !k && i < n; i++)
    if (strcmp(user_kinds[i]->name, name) == 0) k = user_kinds[i];
  return k;
}

int ct_nn_register_kind(const ct_module_kind *kind) {
  if (!kind || !kind->name) return ct__errs("ct_nn_register_kind: a kind needs a name");
  if (ct_nn_find_kind(kind->name))
    return ct__errs("ct_nn_register_kind: '%s' is already registered", kind->name);
  if (n_user >= NN_MAX_USER) return ct__errs("ct_nn_register_kind: at most %d user kinds", NN_MAX_USER);
  user_kinds[n_user] = kind;
  __atomic_store_n(&n_user, n_user + 1, __ATOMIC_RELEASE);
  return 0;
}

ct_module *ct_nn_create(const char *name, const ct_values *args) {
  if (!name) return NULL;
  const ct_module_kind *k = ct_nn_find_kind(name);
  if (!k) return ct__err("ctorch: unknown module 'nn.%s' (no such layer in the registry)", name);
  if (!k->build) return ct__err("ctorch: module '%s' cannot be built by name", name);
  ct_values none = {0};
  return k->build(args ? args : &none);
}

/* ---- the builders' argument reader ------------------------------------------------------ */
/* A constructor's arguments are read at the top level: a tuple (kernel_size=(3, 3)) is one
 * argument, its elements are not positionals. */
int nn_value_span(const ct_values *vs, int i) {
  int end = i + 1;
  for (int k = 0; vs->v[i].type == CT_V_TUPLE && k < vs->v[i].n && end < vs->n; k++)
    end += nn_value_span(vs, end);
  return end - i;
}

void nn_args_init(nn_args *a, const ct_values *v, const char *cls) {
  *a = (nn_args){.v = v, .cls = cls};
}

const ct_value *nn_arg(nn_args *a, int pos, const char *key) {
  const ct_value *found = NULL;
  int p = 0;
  if (pos >= 0 && pos + 1 > a->npos_max) a->npos_max = pos + 1;
  for (int i = 0; i < a->v->n; i += nn_value_span(a->v, i)) { /* top-level values only */
    const ct_value *v = &a->v->v[i];
    bool hit = v->key ? (key && strcmp(v->key, key) == 0) : (pos >= 0 && p++ == pos);
    if (!hit) continue;
    if (found && !a->bad) {
      a->bad = true;
      ct__err("%s.__init__() got multiple values for argument '%s'", a->cls, key ? key : "?");
    }
    a->used[i] = true;
    found = v;
  }
  return found;
}

static const char *type_name(const ct_value *v) {
  static const char *names[] = {"NoneType", "Tensor", "int", "float", "bool", "str", "tuple"};
  return names[v->type];
}

static void bad_type(nn_args *a, const char *key, const char *want, const ct_value *v) {
  if (a->bad) return;
  a->bad = true;
  ct__err("%s: argument '%s' must be %s, not %s", a->cls, key, want, type_name(v));
}

int64_t nn_arg_int(nn_args *a, int pos, const char *key, int64_t def, bool required) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v) {
    if (required && !a->bad) {
      a->bad = true;
      ct__err("%s.__init__() missing 1 required positional argument: '%s'", a->cls, key);
    }
    return def;
  }
  if (v->type == CT_V_NONE && def == CT_NONE) return CT_NONE;
  if (v->type == CT_V_INT) return v->i;
  bad_type(a, key, "int", v);
  return def;
}

double nn_arg_float(nn_args *a, int pos, const char *key, double def) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v) return def;
  if (v->type == CT_V_FLOAT) return v->f;
  if (v->type == CT_V_INT) return (double)v->i;
  bad_type(a, key, "float", v);
  return def;
}

bool nn_arg_bool(nn_args *a, int pos, const char *key, bool def) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v) return def;
  if (v->type == CT_V_BOOL) return v->b;
  bad_type(a, key, "bool", v);
  return def;
}

const char *nn_arg_str(nn_args *a, int pos, const char *key, const char *def) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v) return def;
  if (v->type == CT_V_STR) return v->s;
  bad_type(a, key, "str", v);
  return def;
}

int nn_arg_ints(nn_args *a, int pos, const char *key, int64_t *out, int cap) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return -1;
  if (v->type == CT_V_INT) {
    out[0] = v->i;
    return 1;
  }
  if (v->type != CT_V_TUPLE || v->n > cap) {
    bad_type(a, key, "a tuple of ints", v);
    return -1;
  }
  for (int i = 0; i < v->n; i++) {
    if (v[1 + i].type != CT_V_INT) {
      bad_type(a, key, "a tuple of ints", v);
      return -1;
    }
    out[i] = v[1 + i].i;
  }
  /* the tuple's elements belong to it: mark them read */
  for (int i = (int)(v - a->v->v) + 1; i <= (int)(v - a->v->v) + v->n; i++) a->used[i] = true;
  return v->n;
}

ct_dtype nn_arg_dtype(nn_args *a, int pos, const char *key) {
  const char *s = NULL;
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return CT_DTYPE_UNSET;
  if (v->type == CT_V_STR) s = v->s;
  for (int d = 0; s && d < CT_NUM_DTYPES; d++)
    if (strcmp(ct_dtype_name((ct_dtype)d), s) == 0) return (ct_dtype)d;
  if (s && strcmp(s, "torch.float") == 0) return CT_FLOAT32;
  if (s && strcmp(s, "torch.double") == 0) return CT_FLOAT64;
  bad_type(a, key, "a torch.dtype name (\"torch.float64\")", v);
  return CT_DTYPE_UNSET;
}

void nn_arg_device(nn_args *a, int pos, const char *key) {
  const ct_value *v = nn_arg(a, pos, key);
  if (!v || v->type == CT_V_NONE) return;
  if (v->type == CT_V_STR && strcmp(v->s, "cpu") == 0) return;
  if (!a->bad) {
    a->bad = true;
    ct__err("%s: ctorch: unsupported device (only None or 'cpu')", a->cls);
  }
}

int nn_args_done(nn_args *a) {
  if (a->bad) return -1;
  int p = 0, bad = -1;
  for (int i = 0; i < a->v->n; i += nn_value_span(a->v, i)) { /* a tuple counts as one */
    const ct_value *v = &a->v->v[i];
    if (!v->key) p++;
    if (a->used[i] || bad >= 0) continue;
    if (v->key) return ct__errs("%s.__init__() got an unexpected keyword argument '%s'", a->cls, v->key);
    bad = i;
  }
  if (bad >= 0)
    return ct__errs("%s.__init__() takes %d positional arguments but %d were given", a->cls,
                    a->npos_max, p);
  return 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */
typedef enum { J_NULL, J_BOOL, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ } jtype;
typedef struct jv {
  jtype type;
  bool b;
  int64_t i;
  double f;
  char *s;
  int n;
  struct jv *items; /* J_ARR / J_OBJ */
  char **keys;      /* J_OBJ */
} jv;

typedef struct jp {
  const char *p;
  const char *start;
  int depth;
} jp;

static void jv_free(jv *v) {
  free(v->s);
  for (int i = 0; i < v->n; i++) {
    jv_free(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
}

static void ws(jp *j) {
  while (isspace((unsigned char)*j->p)) j->p++;
}

static int jerr(jp *j, const char *what) {
  return ct__errs("nn JSON: %s at offset %ld", what, (long)(j->p - j->start));
}

static int parse_value(jp *j, jv *v);

static int parse_string(jp *j, char **out) {
  const char *p = ++j->p;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  if (!s) return ct__errs("CPU: out of memory");
  while (*p && *p != '"') {
    char c = *p++;
    if (c == '\\') {
      char e = *p++;
      c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      if (e == 'u') { /* \uXXXX: ASCII only in names and strings here */
        unsigned code = 0;
        for (int k = 0; k < 4 && isxdigit((unsigned char)*p); k++, p++)
          code = code * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : (tolower(*p) - 'a' + 10));
        c = code < 128 ? (char)code : '?';
      }
    }
    if (n + 2 > cap) {
      char *ns = realloc(s, cap *= 2);
      if (!ns) {
        free(s);
        return ct__errs("CPU: out of memory");
      }
      s = ns;
    }
    s[n++] = c;
  }
  s[n] = 0;
  if (*p != '"') {
    free(s);
    j->p = p;
    return jerr(j, "unterminated string");
  }
  j->p = p + 1;
  *out = s;
  return 0;
}

static int push_item(jv *v, int *cap) {
  if (v->n == *cap) {
    int c = *cap ? *cap * 2 : 4;
    jv *ni = realloc(v->items, sizeof *ni * (size_t)c);
    if (!ni) return ct__errs("CPU: out of memory");
    v->items = ni;
    if (v->type == J_OBJ) {
      char **nk = realloc(v->keys, sizeof *nk * (size_t)c);
      if (!nk) return ct__errs("CPU: out of memory");
      v->keys = nk;
    }
    *cap = c;
  }
  v->items[v->n] = (jv){0};
  if (v->type == J_OBJ) v->keys[v->n] = NULL;
  v->n++;
  return 0;
}

static int parse_container(jp *j, jv *v, bool obj) {
  v->type = obj ? J_OBJ : J_ARR;
  int cap = 0;
  j->p++;
  ws(j);
  if (*j->p == (obj ? '}' : ']')) {
    j->p++;
    return 0;
  }
  for (;;) {
    ws(j);
    if (push_item(v, &cap) != 0) return -1;
    if (obj) {
      if (*j->p != '"') return jerr(j, "expected a string key");
      if (parse_string(j, &v->keys[v->n - 1]) != 0) return -1;
      ws(j);
      if (*j->p != ':') return jerr(j, "expected ':'");
      j->p++;
    }
    if (parse_value(j, &v->items[v->n - 1]) != 0) return -1;
    ws(j);
    if (*j->p == ',') {
      j->p++;
      continue;
    }
    if (*j->p == (obj ? '}' : ']')) {
      j->p++;
      return 0;
    }
    return jerr(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int parse_value(jp *j, jv *v) {
  ws(j);
  if (++j->depth > 64) return jerr(j, "nesting too deep");
  int rc = 0;
  const char *p = j->p;
  if (*p == '{' || *p == '[') {
    rc = parse_container(j, v, *p == '{');
  } else if (*p == '"') {
    v->type = J_STR;
    rc = parse_string(j, &v->s);
  } else if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
    v->type = J_BOOL;
    v->b = *p == 't';
    j->p += v->b ? 4 : 5;
  } else if (strncmp(p, "null", 4) == 0) {
    v->type = J_NULL;
    j->p += 4;
  } else if (*p == '-' || isdigit((unsigned char)*p)) {
    char *end;
    size_t len = strspn(p, "+-0123456789.eE");
    bool is_float = strcspn(p, ".eE") < len;
    errno = 0;
    if (is_float) {
      v->type = J_FLOAT;
      v->f = strtod(p, &end);
    } else {
      v->type = J_INT;
      v->i = strtoll(p, &end, 10);
    }
    if (end == p || errno) return jerr(j, "bad number");
    j->p = end;
  } else {
    rc = jerr(j, *p ? "unexpected character" : "unexpected end of text");
  }
  j->depth--;
  return rc;
}

/* JSON array/object values -> ct_values (strings borrowed from the tree). */
static int to_value(const jv *v, const char *key, ct_values *out, const char *where) {
  ct_value cv = ct_v_none();
  switch (v->type) {
    case J_NULL: break;
    case J_BOOL: cv = ct_v_bool(v->b); break;
    case J_INT: cv = ct_v_int(v->i); break;
    case J_FLOAT: cv = ct_v_float(v->f); break;
    case J_STR: cv = ct_v_str(v->s); break;
    case J_ARR: cv = ct_v_tuple(v->n); break;
    case J_OBJ:
      if (v->n == 1 && strcmp(v->keys[0], "float") == 0 && v->items[0].type == J_STR) {
        const char *s = v->items[0].s;
        cv = ct_v_float(strcmp(s, "inf") == 0 ? INFINITY : strcmp(s, "-inf") == 0 ? -INFINITY : NAN);
        break;
      }
      return ct__errs("nn JSON %s: an object is not a constructor argument", where);
  }
  cv.key = key;
  if (ct_values_push(out, cv) != 0) return -1;
  for (int i = 0; v->type == J_ARR && i < v->n; i++)
    if (to_value(&v->items[i], NULL, out, where) != 0) return -1;
  return 0;
}

static const jv *obj_get(const jv *o, const char *key) {
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0) return &o->items[i];
  return NULL;
}

/* Re-record the builder's message with where it happened. */
static void* located(const char *where) {
  const char *msg = ct_last_error();
  char *copy = strdup(msg ? msg : "failed");
  ct_clear_error();
  ct__err("nn JSON %s: %s", where, copy ? copy : "failed");
  free(copy);
  return NULL;
}

static ct_module *build_node(const jv *node, const char *where) {
  if (node->type != J_OBJ) return ct__err("nn JSON %s: a layer is an object {\"type\": ...}", where);
  const jv *type = obj_get(node, "type");
  if (!type || type->type != J_STR) return ct__err("nn JSON %s: missing \"type\" (a PyTorch class name)", where);
  for (int i = 0; i < node->n; i++) {
    const char *k = node->keys[i];
    if (strcmp(k, "type") && strcmp(k, "args") && strcmp(k, "kwargs") && strcmp(k, "modules"))
      return ct__err("nn JSON %s (%s): unknown key '%s' (expected type, args, kwargs, modules)",
                     where, type->s, k);
  }
  const ct_module_kind *kind = ct_nn_find_kind(type->s);
  if (!kind) return ct__err("nn JSON %s: unknown layer '%s'", where, type->s);
  const jv *args = obj_get(node, "args"), *kwargs = obj_get(node, "kwargs"),
           *mods = obj_get(node, "modules");
  char at[512];
  snprintf(at, sizeof at, "%s (%s)", where, type->s);
  if ((args && args->type != J_ARR) || (kwargs && kwargs->type != J_OBJ))
    return ct__err("nn JSON %s: \"args\" must be an array and \"kwargs\" an object", at);
  bool container = kind == &ct__nn_kind_sequential || kind == &ct__nn_kind_module_list ||
                   kind == &ct__nn_kind_module_dict;
  if (mods && !container) return ct__err("nn JSON %s: only containers take \"modules\"", at);
  ct_module *m;
  if (container) {
    if ((args && args->n) || (kwargs && kwargs->n))
      return ct__err("nn JSON %s: a container takes \"modules\", not arguments", at);
    m = ct_module_new(kind);
  } else {
    ct_values vals = {0};
    for (int i = 0; args && i < args->n; i++)
      if (to_value(&args->items[i], NULL, &vals, at) != 0) return NULL;
    for (int i = 0; kwargs && i < kwargs->n; i++)
      if (to_value(&kwargs->items[i], kwargs->keys[i], &vals, at) != 0) return NULL;
    m = kind->build ? kind->build(&vals) : ct__err("ctorch: module '%s' cannot be built by name", type->s);
    if (!m) return located(at);
  }
  if (!m || !mods) return m;
  if (mods->type != J_ARR && mods->type != J_OBJ) {
    ct_module_free(m);
    return ct__err("nn JSON %s: \"modules\" must be an array or an object", at);
  }
  for (int i = 0; i < mods->n; i++) {
    char name[24], sub[600];
    const char *key = mods->type == J_OBJ ? mods->keys[i] : (snprintf(name, sizeof name, "%d", i), name);
    snprintf(sub, sizeof sub, "%s%s%s", *where ? where : "", *where ? "." : "", key);
    ct_module *c = build_node(&mods->items[i], sub);
    if (!c || !ct_module_register_module(m, key, c)) {
      ct_module_free(m);
      return NULL;
    }
  }
  return m;
}

ct_module *ct_nn_from_json(const char *json) {
  if (!json) return NULL;
  jp j = {json, json, 0};
  jv root = {0};
  ct_module *m = NULL;
  if (parse_value(&j, &root) == 0) {
    ws(&j);
    if (*j.p)
      jerr(&j, "text after the model");
    else
      m = build_node(&root, "model");
  }
  jv_free(&root);
  return m;
}

ct_module *ct_nn_load_json(const char *path) {
  if (!path) return NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return ct__err("[Errno %d] %s: '%s'", errno, strerror(errno), path);
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
      if (!nb) {
        free(buf);
        fclose(f);
        return ct__err("CPU: out of memory");
      }
      buf = nb;
    }
    size_t got = fread(buf + n, 1, 4096, f);
    n += got;
    if (got < 4096) break;
  }
  fclose(f);
  buf[n] = 0;
  ct_module *m = ct_nn_from_json(buf);
  free(buf);
  return m;
}
