/* nn.MultiheadAttention (F.multi_head_attention_forward of PyTorch 1.13, step for step) and the
 * Transformer family: TransformerEncoderLayer / DecoderLayer, TransformerEncoder / Decoder and
 * Transformer, composed from differentiable ops and the existing layers (Linear, LayerNorm,
 * Dropout) registered under PyTorch's names, so state_dicts move to and from PyTorch unchanged.
 * Parameters and children are looked up by name at each forward, so load_state_dict, to() and
 * deepcopy need nothing of these kinds. */
#include "nn_internal.h"

#include <math.h>

typedef struct mha_mod {
  ct_module base;
  int64_t embed_dim, num_heads, kdim, vdim;
  double dropout;
  bool batch_first, add_zero_attn;
} mha_mod;

typedef struct tlayer {
  ct_module base;
  bool decoder, norm_first, gelu;
} tlayer;

typedef struct tstack {
  ct_module base;
  int64_t num_layers;
  bool decoder;
} tstack;

typedef struct tfull {
  ct_module base;
  int64_t d_model, nhead;
  bool batch_first;
} tfull;

/* a parameter that may be absent (None in PyTorch): NULL, no error left behind */
static ct_tensor *opt_param(const ct_module *m, const char *name) {
  ct_tensor *t = ct_module_get_parameter(m, name);
  if (!t) ct_clear_error();
  return t;
}

/* "torch.Size([2, 3])" */
static const char *tsize(const ct_tensor *t, char *buf, size_t n) {
  ct__strbuf b = {0};
  ct__sb_puts(&b, "torch.Size(");
  nn_shape(&b, t);
  ct__sb_puts(&b, ")");
  nn_repr_out(&b, buf, n);
  return buf;
}

/* forward's tensor argument pos / key: *t the tensor or NULL for None / absent; -1 + error when
 * it is something else */
static int tensor_arg(const ct_values *in, int pos, const char *key, const char *cls, ct_tensor **t) {
  const ct_value *v = ct_values_get(in, pos, key);
  *t = NULL;
  if (!v || v->type == CT_V_NONE) return 0;
  if (v->type != CT_V_TENSOR) return ct__errs("%s.forward(): argument '%s' must be a Tensor or None", cls, key);
  *t = v->t;
  return 0;
}

static bool bool_arg(const ct_values *in, int pos, const char *key, bool def) {
  const ct_value *v = ct_values_get(in, pos, key);
  return v && v->type == CT_V_BOOL ? v->b : def;
}

/* ---- multi_head_attention_forward ---------------------------------------------------------- */
typedef struct mha_call {
  ct_tensor *q, *k, *v, *kpm, *mask; /* (L, N, E), (S, N, kdim), (S, N, vdim), (N, S), (L, S) / (N*H, L, S) */
  bool need_weights, average, training;
} mha_call;

/* _mha_shape_check: batched (3-D) or unbatched (2-D) query; -1 + PyTorch's assertion text */
static int mha_shape_check(const mha_call *c, int64_t num_heads, bool *batched) {
  int qd = ct_dim(c->q), kd = ct_dim(c->k), vd = ct_dim(c->v);
  if (qd != 3 && qd != 2)
    return ct__errs("query should be unbatched 2D or batched 3D tensor but received %d-D query tensor", qd);
  *batched = qd == 3;
  const char *what = *batched ? "batched (3-D)" : "unbatched (2-D)";
  if (kd != qd || vd != qd)
    return ct__errs("For %s `query`, expected `key` and `value` to be %d-D but found %d-D and %d-D tensors "
                    "respectively",
                    what, qd, kd, vd);
  if (c->kpm && ct_dim(c->kpm) != qd - 1)
    return ct__errs("For %s `query`, expected `key_padding_mask` to be `None` or %d-D but found %d-D tensor "
                    "instead",
                    what, qd - 1, ct_dim(c->kpm));
  if (c->mask && ct_dim(c->mask) != 2 && ct_dim(c->mask) != 3)
    return ct__errs("For %s `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found %d-D tensor instead",
                    what, ct_dim(c->mask));
  if (!*batched && c->mask && ct_dim(c->mask) == 3) {
    const int64_t *s = ct_shape(c->mask);
    int64_t want[3] = {num_heads, ct_size(c->q, 0), ct_size(c->k, 0)};
    if (s[0] != want[0] || s[1] != want[1] || s[2] != want[2]) {
      char b[96];
      return ct__errs("Expected `attn_mask` shape to be (%lld, %lld, %lld) but got %s", (long long)want[0],
                      (long long)want[1], (long long)want[2], tsize(c->mask, b, sizeof b));
    }
  }
  return 0;
}

static bool bool_or_float(const ct_tensor *t) { return ct_dtype_of(t) == CT_BOOL || ct_is_floating_point(t); }

/* F.pad(t, (0, 1)): one more column of zeros (False) on the last dim */
static ct_tensor *pad_last(ct_tensor *t) {
  return t ? ct_pad(t, 2, (int64_t[]){0, 1}, CT_PAD_CONSTANT, 0) : NULL;
}

/* _in_projection_packed / _in_projection: q, k, v projected; the packed weight's one GEMM when
 * query, key and value are one tensor, two when key and value are */
static int in_projection(const ct_module *m, const mha_call *c, ct_tensor **q, ct_tensor **k, ct_tensor **v) {
  const mha_mod *a = (const mha_mod *)m;
  int64_t E = a->embed_dim;
  ct_tensor *w = opt_param(m, "in_proj_weight"), *b = opt_param(m, "in_proj_bias"), *bs[3] = {0};
  if (b && ct_chunk(b, 3, 0, bs, 3) != 3) return -1;
  if (!w) {
    *q = ct_linear(c->q, opt_param(m, "q_proj_weight"), bs[0]);
    *k = ct_linear(c->k, opt_param(m, "k_proj_weight"), bs[1]);
    *v = ct_linear(c->v, opt_param(m, "v_proj_weight"), bs[2]);
  } else if (c->k == c->v && c->q == c->k) {
    ct_tensor *o[3];
    ct_tensor *p = ct_linear(c->q, w, b);
    if (!p || ct_chunk(p, 3, -1, o, 3) != 3) return -1;
    *q = o[0], *k = o[1], *v = o[2];
  } else if (c->k == c->v) {
    ct_tensor *ws[2], *bq[2] = {0}, *o[2];
    if (ct_split_sizes(w, 2, (int64_t[]){E, 2 * E}, 0, ws, 2) != 2) return -1;
    if (b && ct_split_sizes(b, 2, (int64_t[]){E, 2 * E}, 0, bq, 2) != 2) return -1;
    *q = ct_linear(c->q, ws[0], bq[0]);
    ct_tensor *kv = ct_linear(c->k, ws[1], bq[1]);
    if (!kv || ct_chunk(kv, 2, -1, o, 2) != 2) return -1;
    *k = o[0], *v = o[1];
  } else {
    ct_tensor *ws[3];
    if (ct_chunk(w, 3, 0, ws, 3) != 3) return -1;
    *q = ct_linear(c->q, ws[0], bs[0]);
    *k = ct_linear(c->k, ws[1], bs[1]);
    *v = ct_linear(c->v, ws[2], bs[2]);
  }
  return *q && *k && *v ? 0 : -1;
}

/* attn_mask's checks and its 3-D form (1 or N*H, L, S) */
static ct_tensor *prep_attn_mask(ct_tensor *mask, int64_t L, int64_t N, int64_t H, int64_t S) {
  if (ct_dtype_of(mask) == CT_UINT8) mask = ct_to(mask, CT_BOOL); /* deprecated byte masks */
  else if (!bool_or_float(mask))
    return ct__err("Only float, byte, and bool types are supported for attn_mask, not %s",
                   ct_dtype_name(ct_dtype_of(mask)));
  if (!mask) return NULL;
  const int64_t *s = ct_shape(mask);
  char b[96];
  if (ct_dim(mask) == 2) {
    if (s[0] != L || s[1] != S)
      return ct__err("The shape of the 2D attn_mask is %s, but should be (%lld, %lld).", tsize(mask, b, sizeof b),
                     (long long)L, (long long)S);
    return ct_unsqueeze(mask, 0);
  }
  if (s[0] != N * H || s[1] != L || s[2] != S)
    return ct__err("The shape of the 3D attn_mask is %s, but should be (%lld, %lld, %lld).",
                   tsize(mask, b, sizeof b), (long long)(N * H), (long long)L, (long long)S);
  return mask;
}

/* (T, N, E) -> (N*H, T, hd) */
static ct_tensor *heads(ct_tensor *t, int64_t N, int64_t H, int64_t hd) {
  if (!t) return NULL;
  ct_tensor *c = ct_contiguous(t);
  return ct_transpose(ct_view(c, 3, (int64_t[]){ct_size(t, 0), N * H, hd}), 0, 1);
}

/* F.multi_head_attention_forward: *out (L, N, E) ((L, E) unbatched), *weights (N, L, S) averaged
 * or (N, H, L, S), or NULL without need_weights */
static int mha_compute(ct_module *m, mha_call c, ct_tensor **out, ct_tensor **weights) {
  mha_mod *a = (mha_mod *)m;
  int64_t H = a->num_heads, E = a->embed_dim;
  bool batched = false;
  *out = *weights = NULL;
  if (mha_shape_check(&c, H, &batched) != 0) return -1;
  if (!batched) {
    ct_tensor *q = ct_unsqueeze(c.q, 1), *k = c.k == c.q ? q : ct_unsqueeze(c.k, 1);
    c.v = c.v == c.k ? k : ct_unsqueeze(c.v, 1);
    c.q = q, c.k = k;
    if (c.kpm) c.kpm = ct_unsqueeze(c.kpm, 0);
    if (!c.q || !c.k || !c.v) return -1;
  }
  int64_t L = ct_size(c.q, 0), N = ct_size(c.q, 1), S = ct_size(c.k, 0), hd = E / H;
  if (c.kpm && !bool_or_float(c.kpm)) return ct__errs("only bool and floating types of key_padding_mask are supported");
  if (ct_size(c.q, 2) != E)
    return ct__errs("was expecting embedding dimension of %lld, but got %lld", (long long)E,
                    (long long)ct_size(c.q, 2));
  char b1[96], b2[96];
  bool separate = !opt_param(m, "in_proj_weight");
  if (separate && (ct_size(c.k, 0) != ct_size(c.v, 0) || ct_size(c.k, 1) != ct_size(c.v, 1)))
    return ct__errs("key's sequence and batch dims torch.Size([%lld, %lld]) do not match value's "
                    "torch.Size([%lld, %lld])",
                    (long long)ct_size(c.k, 0), (long long)ct_size(c.k, 1), (long long)ct_size(c.v, 0),
                    (long long)ct_size(c.v, 1));
  if (!separate && (ct_size(c.k, 2) != ct_size(c.v, 2) || ct_size(c.k, 0) != ct_size(c.v, 0) ||
                    ct_size(c.k, 1) != ct_size(c.v, 1)))
    return ct__errs("key shape %s does not match value shape %s", tsize(c.k, b1, 96), tsize(c.v, b2, 96));
  ct_tensor *q, *k, *v, *mask = NULL, *kpm = c.kpm;
  if (in_projection(m, &c, &q, &k, &v) != 0) return -1;
  if (c.mask && !(mask = prep_attn_mask(c.mask, L, N, H, S))) return -1;
  ct_tensor *bias_k = opt_param(m, "bias_k"), *bias_v = opt_param(m, "bias_v");
  if (bias_k && bias_v) { /* one more key / value position, the learnt biases */
    k = ct_cat(CT_TENSORS(k, ct_expand(bias_k, 3, (int64_t[]){1, N, E})), 0);
    v = ct_cat(CT_TENSORS(v, ct_expand(bias_v, 3, (int64_t[]){1, N, E})), 0);
    if (mask) mask = pad_last(mask);
    if (kpm) kpm = pad_last(kpm);
  }
  q = heads(q, N, H, hd), k = heads(k, N, H, hd), v = heads(v, N, H, hd);
  if (!q || !k || !v || (c.mask && !mask) || (c.kpm && !kpm)) return -1;
  if (a->add_zero_attn) { /* and a zero key / value position */
    ct_tensor *z = ct_zeros(CT_SHAPE(N * H, 1, hd), .dtype = ct_dtype_of(k));
    k = ct_cat(CT_TENSORS(k, z), 1);
    v = ct_cat(CT_TENSORS(v, z), 1);
    if (mask) mask = pad_last(mask);
    if (kpm) kpm = pad_last(kpm);
    if (!k || !v || (c.mask && !mask) || (c.kpm && !kpm)) return -1;
  }
  S = ct_size(k, 1);
  if (kpm) { /* merged into the attention mask, per head */
    if (ct_dim(kpm) != 2 || ct_size(kpm, 0) != N || ct_size(kpm, 1) != S)
      return ct__errs("expecting key_padding_mask shape of (%lld, %lld), but got %s", (long long)N, (long long)S,
                      tsize(kpm, b1, 96));
    kpm = ct_reshape(ct_expand(ct_view(kpm, 4, (int64_t[]){N, 1, 1, S}), 4, (int64_t[]){N, H, 1, S}), 3,
                     (int64_t[]){N * H, 1, S});
    if (!mask) mask = kpm;
    else if (ct_dtype_of(mask) == CT_BOOL) mask = ct_logical_or(mask, kpm);
    else mask = ct_masked_fill(mask, kpm, -INFINITY);
    if (!mask) return -1;
  }
  if (mask && ct_dtype_of(mask) == CT_BOOL)
    mask = ct_masked_fill(ct_zeros_like(mask, .dtype = ct_dtype_of(q)), mask, -INFINITY);
  double p = c.training ? a->dropout : 0.0;
  ct_tensor *s = ct_bmm(ct_div_scalar(q, sqrt((double)hd)), ct_transpose(k, -2, -1));
  if (mask) s = ct_add(mask, s); /* baddbmm(attn_mask, q_scaled, k^T) */
  ct_tensor *w = ct_softmax(s, -1);
  if (w && p > 0) w = ct_dropout(w, .p = p, .training = true);
  ct_tensor *o = ct_bmm(w, v);
  o = ct_view(ct_contiguous(ct_transpose(o, 0, 1)), 2, (int64_t[]){L * N, E});
  o = ct_linear(o, opt_param(m, "out_proj.weight"), opt_param(m, "out_proj.bias"));
  o = ct_view(o, 3, (int64_t[]){L, N, E});
  if (c.need_weights) {
    w = ct_view(w, 4, (int64_t[]){N, H, L, S});
    if (c.average) w = ct_div_scalar(ct_sum(w, .dim = CT_DIMS(1)), (double)H);
    if (!batched) w = ct_squeeze_dim(w, 0);
    if (!w) return -1;
    *weights = w;
  }
  if (!batched) o = ct_squeeze_dim(o, 1);
  *out = o;
  return o ? 0 : -1;
}

/* forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
 * average_attn_weights=True) -> (attn_output, attn_weights or None) */
static int mha_forward(ct_module *m, const ct_values *in, ct_values *res) {
  mha_mod *a = (mha_mod *)m;
  mha_call c = {.need_weights = bool_arg(in, 4, "need_weights", true),
                .average = bool_arg(in, 6, "average_attn_weights", true),
                .training = m->training};
  const char *cls = "MultiheadAttention";
  if (tensor_arg(in, 0, "query", cls, &c.q) || tensor_arg(in, 1, "key", cls, &c.k) ||
      tensor_arg(in, 2, "value", cls, &c.v) || tensor_arg(in, 3, "key_padding_mask", cls, &c.kpm) ||
      tensor_arg(in, 5, "attn_mask", cls, &c.mask))
    return -1;
  if (!c.q || !c.k || !c.v)
    return ct__errs("MultiheadAttention.forward() missing required positional arguments: 'query', 'key' and "
                    "'value'");
  if (c.kpm && !bool_or_float(c.kpm)) return ct__errs("only bool and floating types of key_padding_mask are supported");
  bool bf = a->batch_first && ct_dim(c.q) == 3;
  if (bf) { /* to (L, N, E), keeping which inputs are the same tensor */
    ct_tensor *q = ct_transpose(c.q, 1, 0), *k = c.k == c.q ? q : ct_transpose(c.k, 1, 0);
    c.v = c.v == c.k ? k : ct_transpose(c.v, 1, 0);
    c.q = q, c.k = k;
    if (!c.q || !c.k || !c.v) return -1;
  }
  ct_tensor *out, *w;
  if (mha_compute(m, c, &out, &w) != 0) return -1;
  if (bf && !(out = ct_transpose(out, 1, 0))) return -1;
  return ct_values_push(res, ct_v_tensor(out)) || ct_values_push(res, w ? ct_v_tensor(w) : ct_v_none()) ? -1 : 0;
}

/* _reset_parameters: xavier_uniform_ on the input projection(s), the biases 0, xavier_normal_
 * on bias_k / bias_v (out_proj's weight keeps Linear's draw) */
static int mha_reset(ct_module *m) {
  static const char *const ws[] = {"in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"};
  for (int i = 0; i < 4; i++) {
    ct_tensor *w = opt_param(m, ws[i]);
    if (w && !ct_nn_init_xavier_uniform_(w, 1.0)) return -1;
  }
  ct_tensor *b = opt_param(m, "in_proj_bias"), *ob = opt_param(m, "out_proj.bias");
  if (b && (!ct_nn_init_constant_(b, 0) || (ob && !ct_nn_init_constant_(ob, 0)))) return -1;
  static const char *const kv[] = {"bias_k", "bias_v"};
  for (int i = 0; i < 2; i++) {
    ct_tensor *t = opt_param(m, kv[i]);
    if (t && !ct_nn_init_xavier_normal_(t, 1.0)) return -1;
  }
  return 0;
}

static ct_module *build_mha(const ct_values *args);
const ct_module_kind ct__nn_kind_multihead_attention = {.name = "MultiheadAttention", .size = sizeof(mha_mod),
                                                        .forward = mha_forward, .reset_parameters = mha_reset,
                                                        .build = build_mha};

ct_module *ct_nn_multihead_attention_ex(int64_t embed_dim, int64_t num_heads, ct_nn_mha_opts o) {
  if (num_heads <= 0 || embed_dim < 0) return ct__err("MultiheadAttention: embed_dim must be non-negative and "
                                                      "num_heads positive, got %lld and %lld",
                                                      (long long)embed_dim, (long long)num_heads);
  if ((embed_dim / num_heads) * num_heads != embed_dim) return ct__err("embed_dim must be divisible by num_heads");
  if (embed_dim > INT32_MAX || o.kdim < 0 || o.kdim > INT32_MAX || o.vdim < 0 || o.vdim > INT32_MAX)
    return ct__err("MultiheadAttention: embed_dim, kdim and vdim must be in [0, %d], got %lld, %lld and %lld",
                   INT32_MAX, (long long)embed_dim, (long long)o.kdim, (long long)o.vdim);
  if (o.dropout < 0 || o.dropout > 1 || isnan(o.dropout))
    return ct__err("dropout probability has to be between 0 and 1, but got %g", o.dropout);
  int64_t E = embed_dim, kd = o.kdim > 0 ? o.kdim : E, vd = o.vdim > 0 ? o.vdim : E;
  ct_module *m = ct_module_new(&ct__nn_kind_multihead_attention);
  if (!m) return NULL;
  mha_mod *a = (mha_mod *)m;
  a->embed_dim = E, a->num_heads = num_heads, a->kdim = kd, a->vdim = vd;
  a->dropout = o.dropout, a->batch_first = o.batch_first, a->add_zero_attn = o.add_zero_attn;
  bool ok;
  if (kd == E && vd == E) ok = nn_new_param(m, "in_proj_weight", 2, (int64_t[]){3 * E, E}, o.dtype);
  else
    ok = nn_new_param(m, "q_proj_weight", 2, (int64_t[]){E, E}, o.dtype) &&
         nn_new_param(m, "k_proj_weight", 2, (int64_t[]){E, kd}, o.dtype) &&
         nn_new_param(m, "v_proj_weight", 2, (int64_t[]){E, vd}, o.dtype);
  if (ok && o.bias) ok = nn_new_param(m, "in_proj_bias", 1, (int64_t[]){3 * E}, o.dtype);
  ct_module *op = ok ? ct_nn_linear(E, E, .bias = o.bias, .dtype = o.dtype) : NULL;
  if (op) op->kind = &ct__nn_kind_ndq_linear;
  ok = op && ct_module_register_module(m, "out_proj", op);
  if (ok && o.add_bias_kv)
    ok = nn_new_param(m, "bias_k", 3, (int64_t[]){1, 1, E}, o.dtype) &&
         nn_new_param(m, "bias_v", 3, (int64_t[]){1, 1, E}, o.dtype);
  if (!ok || mha_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* MultiheadAttention(embed_dim, num_heads, dropout=0., bias=True, add_bias_kv=False,
 * add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None) */
static ct_module *build_mha(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "MultiheadAttention");
  int64_t E = nn_arg_int(&a, 0, "embed_dim", 0, true), H = nn_arg_int(&a, 1, "num_heads", 0, true);
  ct_nn_mha_opts o = CT_NN_MHA_OPTS();
  o.dropout = nn_arg_float(&a, 2, "dropout", 0);
  o.bias = nn_arg_bool(&a, 3, "bias", true);
  o.add_bias_kv = nn_arg_bool(&a, 4, "add_bias_kv", false);
  o.add_zero_attn = nn_arg_bool(&a, 5, "add_zero_attn", false);
  o.kdim = nn_arg_int(&a, 6, "kdim", CT_NONE, false);
  o.vdim = nn_arg_int(&a, 7, "vdim", CT_NONE, false);
  o.batch_first = nn_arg_bool(&a, 8, "batch_first", false);
  nn_arg_device(&a, 9, "device");
  o.dtype = nn_arg_dtype(&a, 10, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  if (o.kdim == CT_NONE) o.kdim = 0;
  if (o.vdim == CT_NONE) o.vdim = 0;
  return ct_nn_multihead_attention_ex(E, H, o);
}

/* ---- the layers ------------------------------------------------------------------------------ */
static ct_module *child(const ct_module *m, const char *name) {
  return ct_module_get_submodule(m, name);
}

/* self.<name>(x, mem, mem, attn_mask=, key_padding_mask=, need_weights=False)[0] */
static ct_tensor *attend(ct_module *m, const char *name, ct_tensor *x, ct_tensor *mem, ct_tensor *mask,
                         ct_tensor *kpm) {
  ct_module *a = child(m, name);
  if (!mem) mem = x; /* self-attention: query, key and value one tensor (one packed GEMM) */
  if (!a || !x) return NULL;
  ct_values in = CT_VALUES(ct_v_tensor(x), ct_v_tensor(mem), ct_v_tensor(mem),
                           ct_v_kw("attn_mask", mask ? ct_v_tensor(mask) : ct_v_none()),
                           ct_v_kw("key_padding_mask", kpm ? ct_v_tensor(kpm) : ct_v_none()),
                           ct_v_kw("need_weights", ct_v_bool(false))),
            out = {0};
  if (ct_module_call(a, &in, &out) != 0) return NULL;
  ct_tensor *y = ct_values_tensor(&out, 0);
  return y ? ct_forward(child(m, name[0] == 's' ? "dropout1" : "dropout2"), y) : NULL;
}

/* _ff_block: dropout_last(linear2(dropout(activation(linear1(x))))) */
static ct_tensor *feed_forward(ct_module *m, ct_tensor *x) {
  tlayer *l = (tlayer *)m;
  ct_tensor *h = ct_forward(child(m, "linear1"), x);
  h = l->gelu ? ct_gelu(h, CT_GELU_NONE) : ct_relu(h);
  h = ct_forward(child(m, "linear2"), ct_forward(child(m, "dropout"), h));
  return ct_forward(child(m, l->decoder ? "dropout3" : "dropout2"), h);
}

static ct_tensor *norm(ct_module *m, const char *name, ct_tensor *x) { return ct_forward(child(m, name), x); }

/* TransformerEncoderLayer.forward(src, src_mask=None, src_key_padding_mask=None) and
 * TransformerDecoderLayer.forward(tgt, memory, tgt_mask=None, memory_mask=None,
 * tgt_key_padding_mask=None, memory_key_padding_mask=None) */
static int layer_forward(ct_module *m, const ct_values *in, ct_values *res) {
  tlayer *l = (tlayer *)m;
  const char *cls = ct_module_name(m);
  ct_tensor *x, *mem = NULL, *mask, *kpm, *mmask = NULL, *mkpm = NULL;
  if (!l->decoder) {
    if (tensor_arg(in, 0, "src", cls, &x) || tensor_arg(in, 1, "src_mask", cls, &mask) ||
        tensor_arg(in, 2, "src_key_padding_mask", cls, &kpm))
      return -1;
  } else if (tensor_arg(in, 0, "tgt", cls, &x) || tensor_arg(in, 1, "memory", cls, &mem) ||
             tensor_arg(in, 2, "tgt_mask", cls, &mask) || tensor_arg(in, 3, "memory_mask", cls, &mmask) ||
             tensor_arg(in, 4, "tgt_key_padding_mask", cls, &kpm) ||
             tensor_arg(in, 5, "memory_key_padding_mask", cls, &mkpm)) {
    return -1;
  }
  if (!x || (l->decoder && !mem))
    return ct__errs(l->decoder ? "%s.forward() missing required positional arguments: 'tgt' and 'memory'"
                               : "%s.forward() missing 1 required positional argument: 'src'",
                    cls);
  if (kpm && !bool_or_float(kpm)) return ct__errs("only bool and floating types of key_padding_mask are supported");
  const char *last = l->decoder ? "norm3" : "norm2";
  if (l->norm_first) {
    x = ct_add(x, attend(m, "self_attn", norm(m, "norm1", x), NULL, mask, kpm));
    if (l->decoder) x = ct_add(x, attend(m, "multihead_attn", norm(m, "norm2", x), mem, mmask, mkpm));
    x = ct_add(x, feed_forward(m, norm(m, last, x)));
  } else {
    x = norm(m, "norm1", ct_add(x, attend(m, "self_attn", x, NULL, mask, kpm)));
    if (l->decoder) x = norm(m, "norm2", ct_add(x, attend(m, "multihead_attn", x, mem, mmask, mkpm)));
    x = norm(m, last, ct_add(x, feed_forward(m, x)));
  }
  return x ? ct_values_push(res, ct_v_tensor(x)) : -1;
}

static ct_module *build_encoder_layer(const ct_values *args);
static ct_module *build_decoder_layer(const ct_values *args);
const ct_module_kind ct__nn_kind_transformer_encoder_layer = {
    .name = "TransformerEncoderLayer", .size = sizeof(tlayer), .forward = layer_forward,
    .build = build_encoder_layer};
const ct_module_kind ct__nn_kind_transformer_decoder_layer = {
    .name = "TransformerDecoderLayer", .size = sizeof(tlayer), .forward = layer_forward,
    .build = build_decoder_layer};

/* register child name (taking over c); false on failure */
static bool add(ct_module *m, const char *name, ct_module *c) { return ct_module_register_module(m, name, c) != NULL; }

/* PyTorch's constructor order: self_attn, [multihead_attn,] linear1, dropout, linear2, norm1,
 * norm2, [norm3,] dropout1, dropout2[, dropout3]: the same draws, the same printing */
static ct_module *layer_new(bool decoder, int64_t d_model, int64_t nhead, ct_nn_transformer_opts o) {
  if (o.dropout < 0 || o.dropout > 1 || isnan(o.dropout))
    return ct__err("dropout probability has to be between 0 and 1, but got %g", o.dropout);
  ct_module *m = ct_module_new(decoder ? &ct__nn_kind_transformer_decoder_layer : &ct__nn_kind_transformer_encoder_layer);
  if (!m) return NULL;
  tlayer *l = (tlayer *)m;
  l->decoder = decoder, l->norm_first = o.norm_first, l->gelu = o.gelu;
  ct_nn_mha_opts a = CT_NN_MHA_OPTS(.dropout = o.dropout, .batch_first = o.batch_first, .dtype = o.dtype);
  bool ok = add(m, "self_attn", ct_nn_multihead_attention_ex(d_model, nhead, a)) &&
            (!decoder || add(m, "multihead_attn", ct_nn_multihead_attention_ex(d_model, nhead, a))) &&
            add(m, "linear1", ct_nn_linear(d_model, o.dim_feedforward, .dtype = o.dtype)) &&
            add(m, "dropout", ct_nn_dropout(o.dropout, false)) &&
            add(m, "linear2", ct_nn_linear(o.dim_feedforward, d_model, .dtype = o.dtype));
  const char *norms[] = {"norm1", "norm2", "norm3"}, *drops[] = {"dropout1", "dropout2", "dropout3"};
  for (int i = 0; ok && i < (decoder ? 3 : 2); i++)
    ok = add(m, norms[i], ct_nn_layer_norm(CT_INTS(d_model), .eps = o.layer_norm_eps, .dtype = o.dtype));
  for (int i = 0; ok && i < (decoder ? 3 : 2); i++) ok = add(m, drops[i], ct_nn_dropout(o.dropout, false));
  if (!ok) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

ct_module *ct_nn_transformer_encoder_layer_ex(int64_t d_model, int64_t nhead, ct_nn_transformer_opts o) {
  return layer_new(false, d_model, nhead, o);
}
ct_module *ct_nn_transformer_decoder_layer_ex(int64_t d_model, int64_t nhead, ct_nn_transformer_opts o) {
  return layer_new(true, d_model, nhead, o);
}

/* activation='relu' | 'gelu' */
static bool read_activation(nn_args *a, int pos) {
  const char *s = nn_arg_str(a, pos, "activation", "relu");
  if (s && strcmp(s, "gelu") != 0 && strcmp(s, "relu") != 0 && !a->bad) {
    a->bad = true;
    ct__err("activation should be relu/gelu, not %s", s);
  }
  return s && strcmp(s, "gelu") == 0;
}

/* (d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=relu, layer_norm_eps=1e-5,
 * batch_first=False, norm_first=False, device=None, dtype=None) */
static ct_module *build_layer(const ct_values *args, bool decoder) {
  nn_args a;
  nn_args_init(&a, args, decoder ? "TransformerDecoderLayer" : "TransformerEncoderLayer");
  int64_t d = nn_arg_int(&a, 0, "d_model", 0, true), h = nn_arg_int(&a, 1, "nhead", 0, true);
  ct_nn_transformer_opts o = CT_NN_TRANSFORMER_OPTS();
  o.dim_feedforward = nn_arg_int(&a, 2, "dim_feedforward", 2048, false);
  o.dropout = nn_arg_float(&a, 3, "dropout", 0.1);
  o.gelu = read_activation(&a, 4);
  o.layer_norm_eps = nn_arg_float(&a, 5, "layer_norm_eps", 1e-5);
  o.batch_first = nn_arg_bool(&a, 6, "batch_first", false);
  o.norm_first = nn_arg_bool(&a, 7, "norm_first", false);
  nn_arg_device(&a, 8, "device");
  o.dtype = nn_arg_dtype(&a, 9, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return layer_new(decoder, d, h, o);
}
static ct_module *build_encoder_layer(const ct_values *args) { return build_layer(args, false); }
static ct_module *build_decoder_layer(const ct_values *args) { return build_layer(args, true); }

/* ---- TransformerEncoder / TransformerDecoder ------------------------------------------------ */
/* TransformerEncoder.forward(src, mask=None, src_key_padding_mask=None): each layer, then norm;
 * TransformerDecoder.forward(tgt, memory, tgt_mask=None, memory_mask=None,
 * tgt_key_padding_mask=None, memory_key_padding_mask=None) */
static int stack_forward(ct_module *m, const ct_values *in, ct_values *res) {
  tstack *s = (tstack *)m;
  const char *cls = ct_module_name(m);
  static const char *const enc[] = {"src", "mask", "src_key_padding_mask"};
  static const char *const dec[] = {"tgt", "memory", "tgt_mask", "memory_mask", "tgt_key_padding_mask",
                                    "memory_key_padding_mask"};
  static const char *const enc_layer[] = {"src", "src_mask", "src_key_padding_mask"};
  const char *const *names = s->decoder ? dec : enc, *const *pass = s->decoder ? dec : enc_layer;
  int n = s->decoder ? 6 : 3;
  ct_tensor *t[6];
  for (int i = 0; i < n; i++)
    if (tensor_arg(in, i, names[i], cls, &t[i]) != 0) return -1;
  if (!t[0] || (s->decoder && !t[1]))
    return ct__errs(s->decoder ? "%s.forward() missing required positional arguments: 'tgt' and 'memory'"
                               : "%s.forward() missing 1 required positional argument: 'src'",
                    cls);
  if (!s->decoder && t[2] && !bool_or_float(t[2]))
    return ct__errs("only bool and floating types of key_padding_mask are supported");
  ct_module *layers = child(m, "layers");
  if (!layers) return -1;
  ct_module_list kids = ct_module_named_children(layers);
  ct_tensor *x = t[0];
  for (int i = 0; i < kids.n && x; i++) {
    ct_values lin = {0}, lout = {0};
    int rc = ct_values_push(&lin, ct_v_tensor(x));
    if (s->decoder) rc |= ct_values_push(&lin, ct_v_tensor(t[1]));
    for (int j = s->decoder ? 2 : 1; j < n && rc == 0; j++)
      rc = ct_values_push(&lin, ct_v_kw(pass[j], t[j] ? ct_v_tensor(t[j]) : ct_v_none()));
    x = rc == 0 && ct_module_call(kids.modules[i], &lin, &lout) == 0 ? ct_values_tensor(&lout, 0) : NULL;
  }
  ct_module_list_free(&kids);
  ct_module *nm = ct_module_get_submodule(m, "norm");
  if (!nm) ct_clear_error();
  if (x && nm) x = ct_forward(nm, x);
  return x ? ct_values_push(res, ct_v_tensor(x)) : -1;
}

static ct_module *build_stack(const ct_values *args);
const ct_module_kind ct__nn_kind_transformer_encoder = {.name = "TransformerEncoder", .size = sizeof(tstack),
                                                        .forward = stack_forward, .build = build_stack};
const ct_module_kind ct__nn_kind_transformer_decoder = {.name = "TransformerDecoder", .size = sizeof(tstack),
                                                        .forward = stack_forward, .build = build_stack};

/* _get_clones(layer, num_layers) in a ModuleList "layers", then "norm" when given */
static ct_module *stack_new(bool decoder, ct_module *layer, int64_t num_layers, ct_module *norm_m) {
  ct_module *m = NULL, **clones = NULL;
  if (!layer) {
    ct__err("%s: no layer given", decoder ? "TransformerDecoder" : "TransformerEncoder");
    goto fail;
  }
  if (num_layers < 0 || num_layers > 100000) {
    ct__err("%s: num_layers must be non-negative, got %lld", decoder ? "TransformerDecoder" : "TransformerEncoder",
            (long long)num_layers);
    goto fail;
  }
  m = ct_module_new(decoder ? &ct__nn_kind_transformer_decoder : &ct__nn_kind_transformer_encoder);
  clones = calloc((size_t)num_layers + 1, sizeof *clones);
  if (!m || !clones) goto fail;
  ((tstack *)m)->num_layers = num_layers, ((tstack *)m)->decoder = decoder;
  int made = 0;
  while (made < num_layers && (clones[made] = ct_module_deepcopy(layer))) made++;
  ct_module *list = made == num_layers ? ct_nn_module_list_n(clones, made) : NULL;
  if (!list)
    for (int i = 0; i < made; i++) ct_module_free(clones[i]);
  free(clones);
  clones = NULL;
  if (!add(m, "layers", list)) goto fail;
  ct_module *nm = norm_m;
  norm_m = NULL; /* registering takes it over, also when it fails */
  if (nm && !add(m, "norm", nm)) goto fail;
  ct_module_free(layer);
  return m;
fail:
  free(clones);
  ct_module_free(m);
  if (layer) ct_module_free(layer);
  if (norm_m) ct_module_free(norm_m);
  return NULL;
}

ct_module *ct_nn_transformer_encoder(ct_module *encoder_layer, int64_t num_layers, ct_module *norm_m) {
  return stack_new(false, encoder_layer, num_layers, norm_m);
}
ct_module *ct_nn_transformer_decoder(ct_module *decoder_layer, int64_t num_layers, ct_module *norm_m) {
  return stack_new(true, decoder_layer, num_layers, norm_m);
}

/* the registry cannot hold a module argument (encoder_layer) */
static ct_module *build_stack(const ct_values *args) {
  (void)args;
  return ct__err("TransformerEncoder / TransformerDecoder cannot be built from values (encoder_layer is a "
                 "module): use ct_nn_transformer_encoder / ct_nn_transformer_decoder");
}

/* ---- Transformer ----------------------------------------------------------------------------- */
/* forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
 * tgt_key_padding_mask=None, memory_key_padding_mask=None) */
static int full_forward(ct_module *m, const ct_values *in, ct_values *res) {
  tfull *f = (tfull *)m;
  static const char *const names[] = {"src", "tgt", "src_mask", "tgt_mask", "memory_mask", "src_key_padding_mask",
                                      "tgt_key_padding_mask", "memory_key_padding_mask"};
  ct_tensor *t[8];
  for (int i = 0; i < 8; i++)
    if (tensor_arg(in, i, names[i], "Transformer", &t[i]) != 0) return -1;
  ct_tensor *src = t[0], *tgt = t[1];
  if (!src || !tgt) return ct__errs("Transformer.forward() missing required positional arguments: 'src' and 'tgt'");
  bool batched = ct_dim(src) == 3;
  if (batched && ct_dim(tgt) == 3 && ct_size(src, f->batch_first ? 0 : 1) != ct_size(tgt, f->batch_first ? 0 : 1))
    return ct__errs("the batch number of src and tgt must be equal");
  if (ct_dim(src) < 1 || ct_dim(tgt) < 1 || ct_size(src, -1) != f->d_model || ct_size(tgt, -1) != f->d_model)
    return ct__errs("the feature number of src and tgt must be equal to d_model");
  ct_values ein = CT_VALUES(ct_v_tensor(src), ct_v_kw("mask", t[2] ? ct_v_tensor(t[2]) : ct_v_none()),
                            ct_v_kw("src_key_padding_mask", t[5] ? ct_v_tensor(t[5]) : ct_v_none())),
            eout = {0}, dout = {0};
  ct_module *enc = child(m, "encoder"), *dec = enc ? child(m, "decoder") : NULL;
  if (!dec || ct_module_call(enc, &ein, &eout) != 0) return -1;
  ct_tensor *memory = ct_values_tensor(&eout, 0);
  if (!memory) return -1;
  ct_values din = CT_VALUES(ct_v_tensor(tgt), ct_v_tensor(memory),
                            ct_v_kw("tgt_mask", t[3] ? ct_v_tensor(t[3]) : ct_v_none()),
                            ct_v_kw("memory_mask", t[4] ? ct_v_tensor(t[4]) : ct_v_none()),
                            ct_v_kw("tgt_key_padding_mask", t[6] ? ct_v_tensor(t[6]) : ct_v_none()),
                            ct_v_kw("memory_key_padding_mask", t[7] ? ct_v_tensor(t[7]) : ct_v_none()));
  if (ct_module_call(dec, &din, &dout) != 0) return -1;
  ct_tensor *y = ct_values_tensor(&dout, 0);
  return y ? ct_values_push(res, ct_v_tensor(y)) : -1;
}

/* _reset_parameters: xavier_uniform_ on every parameter of more than one dim, in order */
static int full_reset(ct_module *m) {
  ct_tensor_map *ps = ct_module_named_parameters(m, true);
  if (!ps) return -1;
  int rc = 0;
  for (int i = 0; i < ct_tensor_map_size(ps) && rc == 0; i++) {
    ct_tensor *p = ct_tensor_map_at(ps, i);
    if (ct_dim(p) > 1 && !ct_nn_init_xavier_uniform_(p, 1.0)) rc = -1;
  }
  ct_tensor_map_free(ps);
  return rc;
}

static ct_module *build_full(const ct_values *args);
const ct_module_kind ct__nn_kind_transformer = {.name = "Transformer", .size = sizeof(tfull),
                                                .forward = full_forward, .reset_parameters = full_reset,
                                                .build = build_full};

static ct_module *stack_default(bool decoder, int64_t d_model, int64_t nhead, int64_t n, ct_nn_transformer_opts o) {
  ct_module *layer = layer_new(decoder, d_model, nhead, o);
  ct_module *nm = layer ? ct_nn_layer_norm(CT_INTS(d_model), .eps = o.layer_norm_eps, .dtype = o.dtype) : NULL;
  if (layer && !nm) {
    ct_module_free(layer);
    return NULL;
  }
  return stack_new(decoder, layer, n, nm);
}

ct_module *ct_nn_transformer_ex(ct_nn_transformer_opts o) {
  ct_module *enc = o.custom_encoder, *dec = o.custom_decoder;
  if (!enc) enc = stack_default(false, o.d_model, o.nhead, o.num_encoder_layers, o);
  if (enc && !dec) dec = stack_default(true, o.d_model, o.nhead, o.num_decoder_layers, o);
  ct_module *m = enc && dec ? ct_module_new(&ct__nn_kind_transformer) : NULL;
  if (!m) {
    if (enc) ct_module_free(enc);
    if (dec) ct_module_free(dec);
    return NULL;
  }
  tfull *f = (tfull *)m;
  f->d_model = o.d_model, f->nhead = o.nhead, f->batch_first = o.batch_first;
  if (!add(m, "encoder", enc) || !add(m, "decoder", dec) || full_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

/* Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
 * dim_feedforward=2048, dropout=0.1, activation=relu, custom_encoder=None, custom_decoder=None,
 * layer_norm_eps=1e-5, batch_first=False, norm_first=False, device=None, dtype=None) */
static ct_module *build_full(const ct_values *args) {
  nn_args a;
  nn_args_init(&a, args, "Transformer");
  ct_nn_transformer_opts o = CT_NN_TRANSFORMER_OPTS();
  o.d_model = nn_arg_int(&a, 0, "d_model", 512, false);
  o.nhead = nn_arg_int(&a, 1, "nhead", 8, false);
  o.num_encoder_layers = nn_arg_int(&a, 2, "num_encoder_layers", 6, false);
  o.num_decoder_layers = nn_arg_int(&a, 3, "num_decoder_layers", 6, false);
  o.dim_feedforward = nn_arg_int(&a, 4, "dim_feedforward", 2048, false);
  o.dropout = nn_arg_float(&a, 5, "dropout", 0.1);
  o.gelu = read_activation(&a, 6);
  for (int i = 0; i < 2; i++) {
    const char *key = i ? "custom_decoder" : "custom_encoder";
    const ct_value *v = nn_arg(&a, 7 + i, key);
    if (v && v->type != CT_V_NONE && !a.bad) {
      a.bad = true;
      ct__err("Transformer: %s cannot be built from values: use ct_nn_transformer", key);
    }
  }
  o.layer_norm_eps = nn_arg_float(&a, 9, "layer_norm_eps", 1e-5);
  o.batch_first = nn_arg_bool(&a, 10, "batch_first", false);
  o.norm_first = nn_arg_bool(&a, 11, "norm_first", false);
  nn_arg_device(&a, 12, "device");
  o.dtype = nn_arg_dtype(&a, 13, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return ct_nn_transformer_ex(o);
}

/* Transformer.generate_square_subsequent_mask(sz): triu(full((sz, sz), -inf), diagonal=1) */
ct_tensor *ct_nn_generate_square_subsequent_mask(int64_t sz, ct_dtype dtype) {
  if (sz < 0) return ct__err("Trying to create tensor with negative dimension %lld: [%lld, %lld]", (long long)sz,
                             (long long)sz, (long long)sz);
  ct_tensor *f = ct_full(CT_SHAPE(sz, sz), -INFINITY, .dtype = dtype);
  return f ? ct_triu(f, 1) : NULL;
}
