/* nn.RNN / LSTM / GRU over ct_rnn_layer (one fused layer-direction op each), and the cells
 * RNNCell / LSTMCell / GRUCell composed from differentiable ops as PyTorch's CPU cells are (so
 * their grad_fn names are PyTorch's). Parameters are looked up by PyTorch's names at each
 * forward, so load_state_dict, to() and deepcopy need nothing of the kind. */
#include "nn_internal.h"

#include <math.h>

typedef struct rnn_mod {
  ct_module base;
  ct_rnn_mode mode;
  int64_t input_size, hidden_size, num_layers, proj_size;
  bool bias, batch_first, bidirectional;
  double dropout;
} rnn_mod;

static const char *mode_cls(ct_rnn_mode m, bool cell) {
  static const char *const full[] = {"RNN", "RNN", "LSTM", "GRU"};
  static const char *const cells[] = {"RNNCell", "RNNCell", "LSTMCell", "GRUCell"};
  return (cell ? cells : full)[m];
}
static int64_t gates(ct_rnn_mode m) { return m == CT_RNN_LSTM ? 4 : m == CT_RNN_GRU ? 3 : 1; }

/* reset_parameters(): uniform_(-1/sqrt(hidden), 1/sqrt(hidden)) on every parameter in order */
static int rnn_reset(ct_module *m) {
  rnn_mod *r = (rnn_mod *)m;
  double stdv = r->hidden_size > 0 ? 1.0 / sqrt((double)r->hidden_size) : 0;
  ct_tensor_map *ps = ct_module_named_parameters(m, false);
  if (!ps) return -1;
  int rc = 0;
  for (int i = 0; i < ct_tensor_map_size(ps) && rc == 0; i++) rc = nn_uniform_init(ct_tensor_map_at(ps, i), stdv);
  ct_tensor_map_free(ps);
  return rc;
}

/* PyTorch's parameter name: base + "_l<layer>" + sfx ("_reverse" or ""); a cell's (layer < 0)
 * is base alone: weight_ih */
static void pname(char *name, size_t n, const char *base, int64_t layer, const char *sfx) {
  if (layer < 0) snprintf(name, n, "%s", base);
  else snprintf(name, n, "%s_l%lld%s", base, (long long)layer, sfx);
}

static ct_tensor *param(const ct_module *m, const char *base, int64_t layer, const char *sfx) {
  char name[64];
  pname(name, sizeof name, base, layer, sfx);
  /* looked up quietly: an absent bias or projection is no error (ct_module_get_parameter would
   * record one, fatal under CT_ERRORS_ABORT) */
  int i = nn_find(&m->impl->params, name);
  return i >= 0 ? m->impl->params.e[i].t : NULL;
}

static ct_rnn_weights layer_weights(const ct_module *m, int64_t l, bool rev) {
  const char *s = rev ? "_reverse" : "";
  return (ct_rnn_weights){param(m, "weight_ih", l, s), param(m, "weight_hh", l, s), param(m, "bias_ih", l, s),
                          param(m, "bias_hh", l, s), param(m, "weight_hr", l, s)};
}

static ct_module *rnn_new(ct_rnn_mode mode, bool cell, int64_t in, int64_t hidden, ct_nn_rnn_opts o);

/* forward's argument pos or keyword key, a tuple (PackedSequence, (h0, c0)) counting as one */
static const ct_value *arg_at(const ct_values *vs, int pos, const char *key) {
  for (int i = 0, p = 0; i < vs->n; i += nn_value_span(vs, i)) {
    if (vs->v[i].key ? strcmp(vs->v[i].key, key) == 0 : p++ == pos) return &vs->v[i];
  }
  return NULL;
}

/* ---- RNN / LSTM / GRU forward ------------------------------------------------------------- */
/* "Expected hidden size (2, 3, 5), got [1, 3, 5]" */
static int check_hidden(const ct_tensor *h, const char *what, int64_t a, int64_t b, int64_t c) {
  const int64_t *s = ct_shape(h);
  if (s[0] == a && s[1] == b && s[2] == c) return 0;
  return ct__errs("Expected %s size (%lld, %lld, %lld), got [%lld, %lld, %lld]", what, (long long)a, (long long)b,
                  (long long)c, (long long)s[0], (long long)s[1], (long long)s[2]);
}

typedef struct rnn_call {
  ct_tensor *x;       /* (T, B, I) time-major, or packed data (N, I) */
  ct_packed_sequence pk;
  bool packed, batched;
  int64_t B;
  ct_tensor *h, *c; /* (L * D, B, P) / (L * D, B, H), or NULL */
} rnn_call;

/* The inputs as PyTorch's forward reads them: unbatched lifted, hx checked and permuted. */
static int rnn_inputs(const rnn_mod *r, const ct_values *in, rnn_call *k) {
  const char *cls = mode_cls(r->mode, false);
  const ct_value *v = arg_at(in, 0, "input");
  *k = (rnn_call){0};
  if (!v) return ct__errs("%s.forward() missing 1 required positional argument: 'input'", cls);
  int vi = (int)(v - in->v);
  if (v->type == CT_V_TUPLE) {
    k->pk = ct_values_packed(in, vi);
    if (!k->pk.data) return -1;
    k->packed = k->batched = true;
    k->x = k->pk.data;
    k->B = ct_numel(k->pk.batch_sizes) ? (int64_t)ct_item(ct_select(k->pk.batch_sizes, 0, 0)) : 0;
  } else if (v->type == CT_V_TENSOR && v->t) {
    k->x = v->t;
    if (r->mode == CT_RNN_GRU && ct_dim(k->x) != 2 && ct_dim(k->x) != 3)
      return ct__errs("GRU: Expected input to be 2-D or 3-D but received %d-D tensor", ct_dim(k->x));
    k->batched = ct_dim(k->x) == 3;
    if (!k->batched) k->x = ct_unsqueeze(k->x, r->batch_first ? 0 : 1);
    if (!k->x) return -1;
    if (r->batch_first) k->x = ct_transpose(k->x, 0, 1);
    if (ct_dim(k->x) >= 2) k->B = ct_size(k->x, 1);
  } else {
    return ct__errs("%s.forward(): input must be a Tensor or a PackedSequence", cls);
  }
  const ct_value *hv = arg_at(in, 1, "hx");
  if (hv && hv->type != CT_V_NONE) {
    bool lstm = r->mode == CT_RNN_LSTM;
    int hi = (int)(hv - in->v);
    if (lstm ? hv->type != CT_V_TUPLE || hv->n != 2 || in->v[hi + 1].type != CT_V_TENSOR ||
                   in->v[hi + 2].type != CT_V_TENSOR
             : hv->type != CT_V_TENSOR)
      return ct__errs(lstm ? "LSTM: hx must be a tuple (h_0, c_0) of tensors" : "%s: hx must be a Tensor", cls);
    k->h = lstm ? in->v[hi + 1].t : hv->t;
    k->c = lstm ? in->v[hi + 2].t : NULL;
    int want = k->batched ? 3 : 2;
    if (ct_dim(k->h) != want || (k->c && ct_dim(k->c) != want)) {
      const char *bt = k->batched ? "batched 3-D" : "unbatched 2-D";
      if (lstm)
        return ct__errs("For %s input, hx and cx should also be %d-D but got (%d-D, %d-D) tensors", bt, want,
                        ct_dim(k->h), ct_dim(k->c));
      return ct__errs("For %s input, hx should also be %d-D but got %d-D tensor", bt, want, ct_dim(k->h));
    }
    if (!k->batched) {
      k->h = ct_unsqueeze(k->h, 1);
      k->c = k->c ? ct_unsqueeze(k->c, 1) : NULL;
    }
    if (k->packed && k->pk.sorted_indices) {
      k->h = ct_index_select(k->h, 1, k->pk.sorted_indices);
      k->c = k->c ? ct_index_select(k->c, 1, k->pk.sorted_indices) : NULL;
    }
    if (!k->h || (lstm && !k->c)) return -1;
  }
  /* check_forward_args */
  int want = k->packed ? 2 : 3;
  if (ct_dim(k->x) != want) return ct__errs("input must have %d dimensions, got %d", want, ct_dim(k->x));
  if (ct_size(k->x, -1) != r->input_size)
    return ct__errs("input.size(-1) must be equal to input_size. Expected %lld, got %lld",
                    (long long)r->input_size, (long long)ct_size(k->x, -1));
  if (!k->packed && ct_size(k->x, 0) == 0) return ct__errs("Expected sequence length to be larger than 0 in RNN");
  int64_t LD = r->num_layers * (r->bidirectional ? 2 : 1);
  int64_t P = r->proj_size ? r->proj_size : r->hidden_size;
  if (k->h && r->mode == CT_RNN_LSTM)
    return check_hidden(k->h, "hidden[0]", LD, k->B, P) || check_hidden(k->c, "hidden[1]", LD, k->B, r->hidden_size);
  return k->h ? check_hidden(k->h, "hidden", LD, k->B, P) : 0;
}

/* The layers: each direction's ct_rnn_layer, outputs concatenated, dropout between layers. */
static int rnn_layers(ct_module *m, const rnn_call *k, ct_tensor **out, ct_tensor **hn, ct_tensor **cn) {
  rnn_mod *r = (rnn_mod *)m;
  int D = r->bidirectional ? 2 : 1;
  int64_t LD = r->num_layers * D;
  ct_tensor **hs = calloc((size_t)(2 * LD), sizeof *hs), **cs = hs + LD;
  if (!hs) return ct__errs("out of memory");
  ct_tensor *x = k->x;
  const ct_tensor *bs = k->packed ? k->pk.batch_sizes : NULL;
  bool lstm = r->mode == CT_RNN_LSTM;
  for (int64_t l = 0; l < r->num_layers && x; l++) {
    ct_tensor *o[2] = {0};
    for (int d = 0; d < D && x; d++) {
      int64_t i = l * D + d;
      ct_tensor *h0 = k->h ? ct_select(k->h, 0, i) : NULL, *c0 = k->c ? ct_select(k->c, 0, i) : NULL;
      if (ct_rnn_layer(r->mode, x, bs, h0, c0, layer_weights(m, l, d == 1), d == 1, &o[d], &hs[i],
                       lstm ? &cs[i] : NULL) != 0)
        x = NULL;
    }
    if (!x) break;
    x = D == 2 ? ct_cat(o, 2, -1) : o[0];
    if (x && r->dropout > 0 && m->training && l < r->num_layers - 1)
      x = ct_dropout(x, .p = r->dropout, .training = true);
  }
  *out = x;
  *hn = x ? ct_stack(hs, (int)LD, 0) : NULL;
  *cn = x && lstm ? ct_stack(cs, (int)LD, 0) : NULL;
  free(hs);
  return *out && *hn && (!lstm || *cn) ? 0 : -1;
}

static int rnn_forward(ct_module *m, const ct_values *in, ct_values *res) {
  rnn_mod *r = (rnn_mod *)m;
  rnn_call k;
  ct_tensor *out = NULL, *hn = NULL, *cn = NULL;
  if (rnn_inputs(r, in, &k) != 0 || rnn_layers(m, &k, &out, &hn, &cn) != 0) return -1;
  if (k.packed) {
    if (k.pk.unsorted_indices) {
      hn = ct_index_select(hn, 1, k.pk.unsorted_indices);
      cn = cn ? ct_index_select(cn, 1, k.pk.unsorted_indices) : NULL;
    }
    ct_packed_sequence po = k.pk;
    po.data = out;
    if (ct_values_push_packed(res, po) != 0) return -1;
  } else {
    if (r->batch_first) out = ct_transpose(out, 0, 1);
    if (!k.batched) {
      out = ct_squeeze_dim(out, r->batch_first ? 0 : 1);
      hn = ct_squeeze_dim(hn, 1);
      cn = cn ? ct_squeeze_dim(cn, 1) : NULL;
    }
    if (!out || ct_values_push(res, ct_v_tensor(out)) != 0) return -1;
  }
  if (!hn || (r->mode == CT_RNN_LSTM && !cn)) return -1;
  if (r->mode != CT_RNN_LSTM) return ct_values_push(res, ct_v_tensor(hn));
  return ct_values_push(res, ct_v_tuple(2)) || ct_values_push(res, ct_v_tensor(hn)) ||
                 ct_values_push(res, ct_v_tensor(cn))
             ? -1
             : 0;
}

/* ---- cells ---------------------------------------------------------------------------------- */
static int check_cell_hidden(const ct_tensor *x, const ct_tensor *h, const char *which, int64_t H) {
  if (ct_size(x, 0) != ct_size(h, 0))
    return ct__errs("Input batch size %lld doesn't match %s batch size %lld", (long long)ct_size(x, 0), which,
                    (long long)ct_size(h, 0));
  if (ct_dim(h) < 2 || ct_size(h, 1) != H)
    return ct__errs("%s has inconsistent hidden_size: got %lld, expected %lld", which,
                    (long long)(ct_dim(h) < 2 ? ct_size(h, 0) : ct_size(h, 1)), (long long)H);
  return 0;
}

/* PyTorch's CPU cells: rnn_tanh_cell, lstm_cell, gru_cell with linear_hh + linear_ih */
static int cell_forward(ct_module *m, const ct_values *in, ct_values *res) {
  rnn_mod *r = (rnn_mod *)m;
  const char *cls = mode_cls(r->mode, true);
  bool lstm = r->mode == CT_RNN_LSTM;
  const ct_value *v = arg_at(in, 0, "input"), *hv = arg_at(in, 1, "hx");
  if (!v || v->type != CT_V_TENSOR || !v->t)
    return ct__errs("%s.forward() missing 1 required positional argument: 'input'", cls);
  ct_tensor *x = v->t, *h = NULL, *c = NULL;
  if (ct_dim(x) != 1 && ct_dim(x) != 2)
    return ct__errs("%s: Expected input to be 1-D or 2-D but received %d-D tensor", cls, ct_dim(x));
  bool batched = ct_dim(x) == 2;
  if (hv && hv->type != CT_V_NONE) {
    int hi = (int)(hv - in->v);
    if (lstm ? hv->type != CT_V_TUPLE || hv->n != 2 || in->v[hi + 1].type != CT_V_TENSOR ||
                   in->v[hi + 2].type != CT_V_TENSOR
             : hv->type != CT_V_TENSOR)
      return ct__errs(lstm ? "LSTMCell: hx must be a tuple (h_0, c_0) of tensors" : "%s: hx must be a Tensor", cls);
    h = lstm ? in->v[hi + 1].t : hv->t;
    c = lstm ? in->v[hi + 2].t : NULL;
    if (!batched) {
      h = ct_unsqueeze(h, 0);
      c = c ? ct_unsqueeze(c, 0) : NULL;
    }
  }
  if (!batched) x = ct_unsqueeze(x, 0);
  if (!x) return -1;
  if (ct_size(x, 1) != r->input_size)
    return ct__errs("input has inconsistent input_size: got %lld expected %lld", (long long)ct_size(x, 1),
                    (long long)r->input_size);
  ct_dtype dt = ct_dtype_of(x);
  if (!h) h = ct_zeros(CT_SHAPE(ct_size(x, 0), r->hidden_size), .dtype = dt);
  if (lstm && !c) c = ct_zeros(CT_SHAPE(ct_size(x, 0), r->hidden_size), .dtype = dt);
  if (!h || check_cell_hidden(x, h, "hidden0", r->hidden_size) ||
      (lstm && (!c || check_cell_hidden(x, c, "hidden1", r->hidden_size))))
    return -1;
  ct_rnn_weights w = layer_weights(m, -1, false);
  ct_tensor *gates = ct_add(ct_linear(h, w.w_hh, w.b_hh), ct_linear(x, w.w_ih, w.b_ih)), *hy = NULL, *cy = NULL;
  if (r->mode == CT_RNN_TANH) hy = ct_tanh(gates);
  else if (r->mode == CT_RNN_RELU) hy = ct_relu(gates);
  else if (lstm) {
    ct_tensor *a[4];
    if (!gates || ct_chunk(gates, 4, 1, a, 4) != 4) return -1;
    cy = ct_add(ct_mul(ct_sigmoid(a[1]), c), ct_mul(ct_sigmoid(a[0]), ct_tanh(a[2])));
    hy = ct_mul(ct_sigmoid(a[3]), ct_tanh(cy));
  } else {
    ct_tensor *a[3], *b[3];
    ct_tensor *gi = ct_linear(x, w.w_ih, w.b_ih), *gh = ct_linear(h, w.w_hh, w.b_hh);
    if (!gi || !gh || ct_chunk(gi, 3, 1, a, 3) != 3 || ct_chunk(gh, 3, 1, b, 3) != 3) return -1;
    ct_tensor *rg = ct_sigmoid(ct_add(a[0], b[0])), *zg = ct_sigmoid(ct_add(a[1], b[1]));
    ct_tensor *ng = ct_tanh(ct_add(a[2], ct_mul(rg, b[2])));
    hy = ct_add(ct_mul(ct_sub(h, ng), zg), ng);
  }
  if (!batched) {
    hy = ct_squeeze_dim(hy, 0);
    cy = cy ? ct_squeeze_dim(cy, 0) : NULL;
  }
  if (!hy || (lstm && !cy)) return -1;
  if (!lstm) return ct_values_push(res, ct_v_tensor(hy));
  return ct_values_push(res, ct_v_tuple(2)) || ct_values_push(res, ct_v_tensor(hy)) ||
                 ct_values_push(res, ct_v_tensor(cy))
             ? -1
             : 0;
}

/* ---- printing, kinds, construction -------------------------------------------------------- */
static void rnn_repr(const ct_module *m, char *buf, size_t n) {
  const rnn_mod *r = (const rnn_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld, %lld", (long long)r->input_size, (long long)r->hidden_size);
  if (r->proj_size) ct__sb_printf(&b, ", proj_size=%lld", (long long)r->proj_size);
  if (r->num_layers != 1) ct__sb_printf(&b, ", num_layers=%lld", (long long)r->num_layers);
  if (!r->bias) ct__sb_puts(&b, ", bias=False");
  if (r->batch_first) ct__sb_puts(&b, ", batch_first=True");
  if (r->dropout != 0) {
    ct__sb_puts(&b, ", dropout=");
    nn_py_float(&b, r->dropout);
  }
  if (r->bidirectional) ct__sb_puts(&b, ", bidirectional=True");
  nn_repr_out(&b, buf, n);
}

static void cell_repr(const ct_module *m, char *buf, size_t n) {
  const rnn_mod *r = (const rnn_mod *)m;
  ct__strbuf b = {0};
  ct__sb_printf(&b, "%lld, %lld", (long long)r->input_size, (long long)r->hidden_size);
  if (!r->bias) ct__sb_puts(&b, ", bias=False");
  if (r->mode == CT_RNN_RELU) ct__sb_puts(&b, ", nonlinearity=relu");
  nn_repr_out(&b, buf, n);
}

static ct_module *build_rnn(const ct_values *args);
static ct_module *build_lstm(const ct_values *args);
static ct_module *build_gru(const ct_values *args);
static ct_module *build_rnn_cell(const ct_values *args);
static ct_module *build_lstm_cell(const ct_values *args);
static ct_module *build_gru_cell(const ct_values *args);
#define RNN_KIND(var, cls, fwd, repr, builder)                                                             \
  const ct_module_kind var = {.name = cls, .size = sizeof(rnn_mod), .forward = fwd, .extra_repr = repr, \
                              .reset_parameters = rnn_reset, .build = builder}
RNN_KIND(ct__nn_kind_rnn, "RNN", rnn_forward, rnn_repr, build_rnn);
RNN_KIND(ct__nn_kind_lstm, "LSTM", rnn_forward, rnn_repr, build_lstm);
RNN_KIND(ct__nn_kind_gru, "GRU", rnn_forward, rnn_repr, build_gru);
RNN_KIND(ct__nn_kind_rnn_cell, "RNNCell", cell_forward, cell_repr, build_rnn_cell);
RNN_KIND(ct__nn_kind_lstm_cell, "LSTMCell", cell_forward, cell_repr, build_lstm_cell);
RNN_KIND(ct__nn_kind_gru_cell, "GRUCell", cell_forward, cell_repr, build_gru_cell);

static const ct_module_kind *kind_of(ct_rnn_mode mode, bool cell) {
  static const ct_module_kind *const full[] = {&ct__nn_kind_rnn, &ct__nn_kind_rnn, &ct__nn_kind_lstm,
                                               &ct__nn_kind_gru};
  static const ct_module_kind *const cells[] = {&ct__nn_kind_rnn_cell, &ct__nn_kind_rnn_cell,
                                                &ct__nn_kind_lstm_cell, &ct__nn_kind_gru_cell};
  return (cell ? cells : full)[mode];
}

/* RNNBase.__init__'s checks, with PyTorch's messages */
static int rnn_check(ct_rnn_mode mode, bool cell, int64_t in, int64_t hidden, ct_nn_rnn_opts o) {
  if (o.dropout < 0 || o.dropout > 1 || isnan(o.dropout))
    return ct__errs("dropout should be a number in range [0, 1] representing the probability of an element "
                    "being zeroed");
  if (in < 0) return ct__errs("input_size must be non-negative, got %lld", (long long)in);
  if (hidden <= 0) return ct__errs("hidden_size must be greater than zero");
  if (!cell && o.num_layers <= 0) return ct__errs("num_layers must be greater than zero");
  if (o.proj_size < 0) return ct__errs("proj_size should be a positive integer or zero to disable projections");
  if (o.proj_size && (cell || mode != CT_RNN_LSTM))
    return ct__errs("proj_size argument is only supported for LSTM, not RNN or GRU");
  if (o.proj_size >= hidden) return ct__errs("proj_size has to be smaller than hidden_size");
  return 0;
}

static int add_param(ct_module *m, const char *base, int64_t l, const char *sfx, int nd, int64_t d0, int64_t d1,
                     ct_dtype dt) {
  char name[64];
  pname(name, sizeof name, base, l, sfx);
  return nn_new_param(m, name, nd, (int64_t[]){d0, d1}, dt) ? 0 : -1;
}

static ct_module *rnn_new(ct_rnn_mode mode, bool cell, int64_t in, int64_t hidden, ct_nn_rnn_opts o) {
  if (mode == CT_RNN_TANH && o.relu) mode = CT_RNN_RELU;
  if (rnn_check(mode, cell, in, hidden, o) != 0) return NULL;
  ct_module *m = ct_module_new(kind_of(mode, cell));
  if (!m) return NULL;
  rnn_mod *r = (rnn_mod *)m;
  *r = (rnn_mod){*m, mode, in, hidden, cell ? 1 : o.num_layers, o.proj_size, o.bias, o.batch_first,
                 o.bidirectional, o.dropout};
  int64_t GH = gates(mode) * hidden, P = o.proj_size ? o.proj_size : hidden, D = o.bidirectional ? 2 : 1;
  int rc = 0;
  for (int64_t l = 0; l < r->num_layers && rc == 0; l++)
    for (int64_t d = 0; d < (cell ? 1 : D) && rc == 0; d++) {
      const char *s = d ? "_reverse" : "";
      int64_t lin = l == 0 ? in : P * D, ln = cell ? -1 : l; /* a cell's names carry no layer */
      rc = add_param(m, "weight_ih", ln, s, 2, GH, lin, o.dtype) || add_param(m, "weight_hh", ln, s, 2, GH, P, o.dtype);
      if (rc == 0 && o.bias)
        rc = add_param(m, "bias_ih", ln, s, 1, GH, 0, o.dtype) || add_param(m, "bias_hh", ln, s, 1, GH, 0, o.dtype);
      if (rc == 0 && o.proj_size) rc = add_param(m, "weight_hr", ln, s, 2, o.proj_size, hidden, o.dtype);
    }
  if (rc != 0 || rnn_reset(m) != 0) {
    ct_module_free(m);
    return NULL;
  }
  return m;
}

ct_module *ct_nn_rnn_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_TANH, false, input_size, hidden_size, o);
}
ct_module *ct_nn_lstm_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_LSTM, false, input_size, hidden_size, o);
}
ct_module *ct_nn_gru_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_GRU, false, input_size, hidden_size, o);
}
ct_module *ct_nn_rnn_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_TANH, true, input_size, hidden_size, o);
}
ct_module *ct_nn_lstm_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_LSTM, true, input_size, hidden_size, o);
}
ct_module *ct_nn_gru_cell_ex(int64_t input_size, int64_t hidden_size, ct_nn_rnn_opts o) {
  return rnn_new(CT_RNN_GRU, true, input_size, hidden_size, o);
}

/* nonlinearity='tanh' | 'relu': -1 + PyTorch's ValueError otherwise */
static int read_nonlinearity(nn_args *a, int pos, bool cell, bool *relu) {
  const char *s = nn_arg_str(a, pos, "nonlinearity", "tanh");
  if (!s) return -1;
  *relu = strcmp(s, "relu") == 0;
  if (*relu || strcmp(s, "tanh") == 0) return 0;
  a->bad = true;
  return cell ? ct__errs("Unknown nonlinearity: %s", s) : ct__errs("Unknown nonlinearity '%s'", s);
}

/* RNN(input_size, hidden_size, num_layers, [nonlinearity,] bias, batch_first, dropout,
 * bidirectional[, proj_size]) with device / dtype keywords */
static ct_module *build_full(const ct_values *args, ct_rnn_mode mode) {
  nn_args a;
  nn_args_init(&a, args, mode_cls(mode, false));
  int64_t in = nn_arg_int(&a, 0, "input_size", 0, true), hidden = nn_arg_int(&a, 1, "hidden_size", 0, true);
  ct_nn_rnn_opts o = CT_NN_RNN_OPTS();
  o.num_layers = nn_arg_int(&a, 2, "num_layers", 1, false);
  int p = 3;
  if (mode == CT_RNN_TANH && read_nonlinearity(&a, p++, false, &o.relu) != 0) return NULL;
  o.bias = nn_arg_bool(&a, p++, "bias", true);
  o.batch_first = nn_arg_bool(&a, p++, "batch_first", false);
  o.dropout = nn_arg_float(&a, p++, "dropout", 0);
  o.bidirectional = nn_arg_bool(&a, p++, "bidirectional", false);
  o.proj_size = nn_arg_int(&a, p++, "proj_size", 0, false);
  nn_arg_device(&a, -1, "device");
  o.dtype = nn_arg_dtype(&a, -1, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return rnn_new(mode, false, in, hidden, o);
}
static ct_module *build_rnn(const ct_values *args) { return build_full(args, CT_RNN_TANH); }
static ct_module *build_lstm(const ct_values *args) { return build_full(args, CT_RNN_LSTM); }
static ct_module *build_gru(const ct_values *args) { return build_full(args, CT_RNN_GRU); }

/* RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh'), LSTMCell / GRUCell(.., bias) */
static ct_module *build_cell(const ct_values *args, ct_rnn_mode mode) {
  nn_args a;
  nn_args_init(&a, args, mode_cls(mode, true));
  int64_t in = nn_arg_int(&a, 0, "input_size", 0, true), hidden = nn_arg_int(&a, 1, "hidden_size", 0, true);
  ct_nn_rnn_opts o = CT_NN_RNN_OPTS();
  o.bias = nn_arg_bool(&a, 2, "bias", true);
  if (mode == CT_RNN_TANH && read_nonlinearity(&a, 3, true, &o.relu) != 0) return NULL;
  nn_arg_device(&a, -1, "device");
  o.dtype = nn_arg_dtype(&a, -1, "dtype");
  if (nn_args_done(&a) != 0) return NULL;
  return rnn_new(mode, true, in, hidden, o);
}
static ct_module *build_rnn_cell(const ct_values *args) { return build_cell(args, CT_RNN_TANH); }
static ct_module *build_lstm_cell(const ct_values *args) { return build_cell(args, CT_RNN_LSTM); }
static ct_module *build_gru_cell(const ct_values *args) { return build_cell(args, CT_RNN_GRU); }

/* ---- PackedSequence as a value ---------------------------------------------------------------- */
int ct_values_push_packed(ct_values *vs, ct_packed_sequence p) {
  if (!vs) return ct__errs("ct_values_push_packed: no value list");
  if (!p.data || !p.batch_sizes) return ct__errs("ct_values_push_packed: data and batch_sizes are required");
  ct_value idx[2] = {p.sorted_indices ? ct_v_tensor(p.sorted_indices) : ct_v_none(),
                     p.unsorted_indices ? ct_v_tensor(p.unsorted_indices) : ct_v_none()};
  return ct_values_push(vs, ct_v_tuple(4)) || ct_values_push(vs, ct_v_tensor(p.data)) ||
                 ct_values_push(vs, ct_v_tensor(p.batch_sizes)) || ct_values_push(vs, idx[0]) ||
                 ct_values_push(vs, idx[1])
             ? -1
             : 0;
}

ct_packed_sequence ct_values_packed(const ct_values *vs, int i) {
  ct_packed_sequence p = {0};
  if (!vs || i < 0 || i + 4 >= vs->n || vs->v[i].type != CT_V_TUPLE ||
      vs->v[i].n != 4 || vs->v[i + 1].type != CT_V_TENSOR || vs->v[i + 2].type != CT_V_TENSOR) {
    ct__errs("expected a PackedSequence (a tuple of data, batch_sizes, sorted_indices, unsorted_indices)");
    return p;
  }
  for (int k = 3; k <= 4; k++)
    if (vs->v[i + k].type != CT_V_TENSOR && vs->v[i + k].type != CT_V_NONE) {
      ct__errs("expected a PackedSequence (a tuple of data, batch_sizes, sorted_indices, unsorted_indices)");
      return p;
    }
  p.data = vs->v[i + 1].t, p.batch_sizes = vs->v[i + 2].t;
  p.sorted_indices = vs->v[i + 3].type == CT_V_TENSOR ? vs->v[i + 3].t : NULL;
  p.unsorted_indices = vs->v[i + 4].type == CT_V_TENSOR ? vs->v[i + 4].t : NULL;
  if (!p.data || !p.batch_sizes) p = (ct_packed_sequence){0};
  return p;
}
