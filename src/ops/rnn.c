/* One layer and direction of nn.RNN / LSTM / GRU (ct_rnn_layer): the input projection of every
 * step as one GEMM, one GEMM per step for the recurrence, the gates fused elementwise; its
 * backward one BPTT node. Under create_graph the node differentiates a composed copy of the
 * forward (public differentiable ops), so double backward works. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "ctorch.h"

typedef struct rnn_geom {
  ct_rnn_mode mode;
  int64_t T, B, In, H, P, G, N; /* steps, batch, input, hidden, output (proj) size, gates, rows */
  const int64_t *bs, *off;     /* per step: rows and first row */
  bool reverse, proj;
} rnn_geom;

/* Forward buffers. x (N, I), weights as PyTorch lays them out, h0 (B, P) / c0 (B, H) or NULL;
 * out (N, P), hn (B, P) / cn (B, H) the running state, ending as h_n / c_n. Kept for backward:
 * gates (N, G*H) (activated), hprev (N, P) (each row's h before its step), LSTM cell and
 * cprev (N, H), m (N, H) = o * tanh(c) before the projection, GRU hng (N, H) = W_hn h + b_hn;
 * work (B, G*H) scratch. */
typedef struct rnn_bufs {
  const void *x, *wih, *whh, *bih, *bhh, *whr, *h0, *c0;
  void *out, *hn, *cn, *gates, *hprev, *cell, *cprev, *m, *hng, *work;
} rnn_bufs;

/* Backward: gout (N, P), ghn (B, P), gcn (B, H) incoming (NULL: zero); results dx, dwih, ...
 * (NULL: not wanted); dh (B, P) / dc (B, H) end as dh0 / dc0; dG, dGh (N, G*H), dHs (N, P),
 * dm (B, H) scratch. */
typedef struct rnn_grads {
  const void *gout, *ghn, *gcn;
  void *dx, *dwih, *dwhh, *dbih, *dbhh, *dwhr;
  void *dh, *dc, *dG, *dGh, *dHs, *dm;
} rnn_grads;

/* tanh for the float32 kernels. glibc's tanhf goes through a scalar expm1f and took a fifth of
 * the LSTM training step (perf: bench/rnn.c); this costs one expf. For |x| >= 0.5 it is
 * 1 - 2 / (e^(2|x|) + 1), no cancellation there since tanh >= 0.46 (within 3 ulp, 2.2e-7
 * relative); below, x (1 + z p(z)) with z = x^2 and p a least-squares fit of
 * (tanh(x) / x - 1) / z on [0, 0.5] (within 1 ulp). Large |x| give e^(2|x|) = inf, so 1; NaN
 * stays NaN. float64 keeps libm's tanh. */
static inline float rnn_tanhf(float x) {
  float a = fabsf(x);
  if (a < 0.5f) {
    float z = x * x;
    float p = -0.333333283662796f +
              z * (0.13333027064800262f + z * (-0.053907718509435654f +
                                               z * (0.02134270966053009f + z * -0.006727328058332205f)));
    return x + x * z * p;
  }
  return copysignf(1.0f - 2.0f / (expf(2.0f * a) + 1.0f), x);
}

#define ELT float
#define SFX f32
#define GEMM cblas_sgemm
#define EXP expf
#define TANH rnn_tanhf
#include "rnn_impl.h"
#undef ELT
#undef SFX
#undef GEMM
#undef EXP
#undef TANH
#define ELT double
#define SFX f64
#define GEMM cblas_dgemm
#define EXP exp
#define TANH tanh
#include "rnn_impl.h"
#undef ELT
#undef SFX
#undef GEMM
#undef EXP
#undef TANH

enum { IN_X, IN_H0, IN_C0, IN_WIH, IN_WHH, IN_BIH, IN_BHH, IN_WHR, N_IN };
enum { SV_WS = N_IN, SV_OUT };

/* The node's arguments: the geometry and the batch sizes then offsets (2 T entries). */
typedef struct rnn_args {
  rnn_geom g;
  unsigned present; /* bit i: input i was given (saved) */
  int64_t steps[];
} rnn_args;
CT_ARGS_TYPE(rnn_args, NULL);

static int64_t gates_of(ct_rnn_mode m) { return m == CT_RNN_LSTM ? 4 : m == CT_RNN_GRU ? 3 : 1; }

/* Workspace layout (elements) after gates: hprev, then LSTM cell, cprev, m, or GRU hng. */
static int64_t ws_size(const rnn_geom *g) {
  int64_t n = g->N * g->G * g->H + g->N * g->P;
  if (g->mode == CT_RNN_LSTM) n += g->N * g->H * (g->proj ? 3 : 2);
  if (g->mode == CT_RNN_GRU) n += g->N * g->H;
  return n;
}
static void ws_split(const rnn_geom *g, char *ws, size_t es, rnn_bufs *b) {
  b->gates = ws;
  ws += (size_t)(g->N * g->G * g->H) * es;
  b->hprev = ws;
  ws += (size_t)(g->N * g->P) * es;
  if (g->mode == CT_RNN_LSTM) {
    b->cell = ws;
    b->cprev = ws + (size_t)(g->N * g->H) * es;
    b->m = g->proj ? ws + (size_t)(2 * g->N * g->H) * es : NULL;
  }
  if (g->mode == CT_RNN_GRU) b->hng = ws;
}

static void *ptr_or_null(const ct_tensor *t) { return t ? ct__ptr(t) : NULL; }

/* ---- the composed forward (public differentiable ops) ----------------------------------- */
/* One step's new state from x_t (n, I) and h (n, P) (LSTM: c (n, H) in *c, replaced). */
static ct_tensor *cell_step(ct_rnn_mode mode, ct_tensor *xt, ct_tensor *h, ct_tensor **c, ct_rnn_weights w) {
  ct_tensor *gi = ct_linear(xt, w.w_ih, w.b_ih), *gh = ct_linear(h, w.w_hh, w.b_hh);
  if (mode == CT_RNN_TANH) return ct_tanh(ct_add(gi, gh));
  if (mode == CT_RNN_RELU) return ct_relu(ct_add(gi, gh));
  ct_tensor *a[4], *b[3];
  if (mode == CT_RNN_GRU) {
    if (ct_chunk(gi, 3, 1, a, 3) != 3 || ct_chunk(gh, 3, 1, b, 3) != 3) return NULL;
    ct_tensor *r = ct_sigmoid(ct_add(a[0], b[0])), *z = ct_sigmoid(ct_add(a[1], b[1]));
    ct_tensor *n = ct_tanh(ct_add(a[2], ct_mul(r, b[2])));
    return ct_add(ct_mul(ct_rsub_scalar(z, 1), n), ct_mul(z, h));
  }
  if (ct_chunk(ct_add(gi, gh), 4, 1, a, 4) != 4) return NULL;
  ct_tensor *ig = ct_sigmoid(a[0]), *fg = ct_sigmoid(a[1]), *gg = ct_tanh(a[2]), *og = ct_sigmoid(a[3]);
  *c = ct_add(ct_mul(fg, *c), ct_mul(ig, gg));
  ct_tensor *m = ct_mul(og, ct_tanh(*c));
  return w.w_hr ? ct_linear(m, w.w_hr, NULL) : m;
}

/* rows [0, n) of state replaced by upd (the sequences still running at this step) */
static ct_tensor *state_update(ct_tensor *state, ct_tensor *upd, int64_t n) {
  if (n == ct_size(state, 0)) return upd;
  return ct_cat(CT_TENSORS(upd, ct_narrow(state, 0, n, ct_size(state, 0) - n)), 0);
}

/* The layer with public ops on x2 (N, I): outputs (N, P), (B, P), (B, H) in the caller's scope. */
static int rnn_composed(const rnn_geom *g, ct_tensor *x2, ct_tensor *h0, ct_tensor *c0, ct_rnn_weights w,
                        ct_tensor **out, ct_tensor **hn, ct_tensor **cn) {
  ct_tensor **rows = calloc((size_t)(g->T ? g->T : 1), sizeof *rows);
  if (!rows) return ct__errs("out of memory");
  CT_OP_BEGIN();
  ct_dtype dt = ct_dtype_of(x2);
  ct_tensor *h = h0 ? h0 : ct_zeros(CT_SHAPE(g->B, g->P), .dtype = dt);
  ct_tensor *c = g->mode != CT_RNN_LSTM ? NULL : c0 ? c0 : ct_zeros(CT_SHAPE(g->B, g->H), .dtype = dt);
  for (int64_t s = 0; s < g->T && h; s++) {
    int64_t t = g->reverse ? g->T - 1 - s : s, n = g->bs[t];
    ct_tensor *cn_ = c ? ct_narrow(c, 0, 0, n) : NULL;
    ct_tensor *hn_ = cell_step(g->mode, ct_narrow(x2, 0, g->off[t], n), ct_narrow(h, 0, 0, n), &cn_, w);
    rows[t] = hn_;
    h = hn_ ? state_update(h, hn_, n) : NULL;
    if (c && cn_) c = state_update(c, cn_, n);
  }
  ct_tensor *o = !h ? NULL : g->T ? ct_cat(rows, (int)g->T, 0) : ct_zeros(CT_SHAPE(0, g->P), .dtype = dt);
  free(rows);
  if (!o) {
    ct__op_end(NULL);
    return -1;
  }
  *out = ct_keep(o), *hn = ct_keep(h);
  if (cn) *cn = c ? ct_keep(c) : NULL;
  ct__op_end(NULL);
  return 0;
}

/* ---- the BPTT node ---------------------------------------------------------------------- */
static ct_tensor *contig_or_null(ct_tensor *t) { return t ? ct_contiguous(t) : NULL; }

/* input i as saved, NULL for one not given */
static ct_tensor *saved_input(ct_node *n, int i) {
  return CT_ARGS(n, rnn_args)->present & (1u << i) ? ct__saved(n, i) : NULL;
}

/* create_graph: the gradients of a composed copy of the forward, as a differentiable graph */
static void rnn_backward_composed(ct_node *n, const rnn_geom *g, ct_tensor *const *gr, ct_tensor **gi) {
  ct_tensor *in[N_IN];
  for (int i = 0; i < N_IN; i++) in[i] = saved_input(n, i);
  ct_tensor *x2 = ct_reshape(in[IN_X], 2, (int64_t[]){g->N, g->In});
  ct_tensor *o[3] = {0};
  ct_rnn_weights w = {in[IN_WIH], in[IN_WHH], in[IN_BIH], in[IN_BHH], in[IN_WHR]};
  if (!x2 || rnn_composed(g, x2, in[IN_H0], in[IN_C0], w, &o[0], &o[1], &o[2]) != 0) return;
  ct_tensor *outs[3], *gouts[3], *wrt[N_IN], *res[N_IN] = {0};
  int no = 0, nw = 0, idx[N_IN];
  for (int i = 0; i < n->n_out; i++)
    if (gr[i] && o[i]) outs[no] = o[i], gouts[no++] = ct_reshape(gr[i], ct_dim(o[i]), ct_shape(o[i]));
  for (int i = 0; i < N_IN; i++)
    if (ct__needs_grad(n, i) && in[i]) idx[nw] = i, wrt[nw++] = in[i];
  if (no == 0 || nw == 0) return;
  if (ct_autograd_grad(outs, no, wrt, nw, gouts, true, 1, true, res) != 0) return;
  for (int k = 0; k < nw; k++)
    gi[idx[k]] = res[k] && idx[k] == IN_X ? ct_reshape(res[k], ct_dim(in[IN_X]), ct_shape(in[IN_X])) : res[k];
}

static ct_tensor *grad_buf(ct_node *n, int i) {
  if (!ct__needs_grad(n, i)) return NULL;
  return ct__empty(n->in[i].dtype, n->in[i].ndim, n->in[i].shape);
}

/* The BPTT backward of ct_rnn_layer: outputs (out, h_n[, c_n]) -> inputs (x, h0, c0, w_ih,
 * w_hh, b_ih, b_hh, w_hr); the formulas are in rnn_impl.h's rnn_backward. */
static void rnn_backward(ct_node *n, ct_tensor *const *gr, ct_tensor **gi) {
  const rnn_args *a = CT_ARGS(n, rnn_args);
  rnn_geom g = a->g;
  g.bs = a->steps, g.off = a->steps + g.T;
  if (ct_is_grad_enabled()) {
    rnn_backward_composed(n, &g, gr, gi);
    return;
  }
  ct_tensor *in[N_IN];
  for (int i = 0; i < N_IN; i++) in[i] = contig_or_null(saved_input(n, i));
  ct_tensor *ws = ct__saved(n, SV_WS), *out = ct__saved(n, SV_OUT);
  if (!in[IN_X] || !ws || !out) return;
  ct_dtype dt = ct_dtype_of(in[IN_X]);
  size_t es = ct_dtype_size(dt);
  rnn_bufs b = {.x = ptr_or_null(in[IN_X]), .wih = ptr_or_null(in[IN_WIH]), .whh = ptr_or_null(in[IN_WHH]),
                .bih = ptr_or_null(in[IN_BIH]), .bhh = ptr_or_null(in[IN_BHH]), .whr = ptr_or_null(in[IN_WHR]),
                .out = ct__ptr(out)};
  ws_split(&g, ct__ptr(ws), es, &b);
  ct_tensor *go[3] = {0};
  for (int i = 0; i < n->n_out; i++) go[i] = gr[i] ? ct_contiguous(ct_to(gr[i], dt)) : NULL;
  int64_t GH = g.G * g.H;
  ct_tensor *dh = ct__empty(dt, 2, (int64_t[]){g.B, g.P}), *dc = ct__empty(dt, 2, (int64_t[]){g.B, g.H});
  ct_tensor *dG = ct__empty(dt, 2, (int64_t[]){g.N, GH});
  ct_tensor *dGh = g.mode == CT_RNN_GRU ? ct__empty(dt, 2, (int64_t[]){g.N, GH}) : NULL;
  ct_tensor *dHs = g.proj ? ct__empty(dt, 2, (int64_t[]){g.N, g.P}) : NULL;
  ct_tensor *dm = g.proj ? ct__empty(dt, 2, (int64_t[]){g.B, g.H}) : NULL;
  ct_tensor *res[N_IN] = {0};
  for (int i = 0; i < N_IN; i++)
    if (i != IN_H0 && i != IN_C0) res[i] = grad_buf(n, i);
  if (!dh || !dc || !dG || (g.mode == CT_RNN_GRU && !dGh) || (g.proj && (!dHs || !dm))) return;
  rnn_grads d = {ptr_or_null(go[0]), ptr_or_null(go[1]), ptr_or_null(go[2]), ptr_or_null(res[IN_X]),
                 ptr_or_null(res[IN_WIH]), ptr_or_null(res[IN_WHH]), ptr_or_null(res[IN_BIH]),
                 ptr_or_null(res[IN_BHH]), ptr_or_null(res[IN_WHR]), ct__ptr(dh), ct__ptr(dc), ct__ptr(dG),
                 ptr_or_null(dGh), ptr_or_null(dHs), ptr_or_null(dm)};
  if (dt == CT_FLOAT32) rnn_backward_f32(&g, &b, &d);
  else rnn_backward_f64(&g, &b, &d);
  for (int i = 0; i < N_IN; i++) gi[i] = res[i];
  if (ct__needs_grad(n, IN_H0)) gi[IN_H0] = dh;
  if (ct__needs_grad(n, IN_C0)) gi[IN_C0] = dc;
}

/* ---- the op --------------------------------------------------------------------------- */
static int check_w(const ct_tensor *t, const char *name, int nd, int64_t d0, int64_t d1, ct_dtype dt) {
  if (!t) return 0;
  if (ct_dtype_of(t) != dt)
    return ct__errs("rnn_layer: %s must have the input's dtype %s, got %s", name, ct_dtype_name(dt),
                    ct_dtype_name(ct_dtype_of(t)));
  int64_t want[2] = {d0, d1};
  if (ct_dim(t) != nd || ct_size(t, 0) != d0 || (nd == 2 && ct_size(t, 1) != d1))
    return ct__errs("rnn_layer: %s has the wrong shape %s (expected %s)", name, SHP(0, ct_dim(t), ct_shape(t)),
                    SHP(1, nd, want));
  return 0;
}

/* The geometry from the arguments, with the step table in *steps (malloc'd, 2 T entries). */
static int rnn_geometry(ct_rnn_mode mode, const ct_tensor *x, const ct_tensor *batch_sizes, ct_rnn_weights w,
                        bool reverse, rnn_geom *g, int64_t **steps) {
  if ((int)mode < 0 || mode > CT_RNN_GRU) return ct__errs("rnn_layer: unknown mode %d", (int)mode);
  if (!x || !w.w_ih || !w.w_hh) return -1; /* a NULL argument: an earlier failure's message stands */
  ct_dtype dt = ct_dtype_of(x);
  if (dt != CT_FLOAT32 && dt != CT_FLOAT64)
    return ct__errs("rnn_layer: expected a float32 or float64 input, got %s", ct_dtype_name(dt));
  int want = batch_sizes ? 2 : 3;
  if (ct_dim(x) != want) return ct__errs("input must have %d dimensions, got %d", want, ct_dim(x));
  *g = (rnn_geom){.mode = mode, .reverse = reverse, .proj = w.w_hr != NULL, .G = gates_of(mode)};
  if (ct_dim(w.w_ih) != 2 || ct_dim(w.w_hh) != 2 || ct_size(w.w_ih, 0) % g->G || ct_size(w.w_ih, 0) == 0)
    return ct__errs("rnn_layer: w_ih must be 2-D with a multiple of %d rows", (int)g->G);
  g->H = ct_size(w.w_ih, 0) / g->G;
  g->In = ct_size(x, ct_dim(x) - 1);
  g->P = w.w_hr ? ct_size(w.w_hr, 0) : g->H;
  if (w.w_hr && mode != CT_RNN_LSTM) return ct__errs("rnn_layer: w_hr (proj_size) is only supported for LSTM");
  if (check_w(w.w_ih, "w_ih", 2, g->G * g->H, g->In, dt) || check_w(w.w_hh, "w_hh", 2, g->G * g->H, g->P, dt) ||
      check_w(w.b_ih, "b_ih", 1, g->G * g->H, 0, dt) || check_w(w.b_hh, "b_hh", 1, g->G * g->H, 0, dt) ||
      check_w(w.w_hr, "w_hr", 2, g->P, g->H, dt))
    return -1;
  if (batch_sizes) {
    if (ct_dtype_of(batch_sizes) != CT_INT64 || ct_dim(batch_sizes) != 1)
      return ct__errs("batch_sizes should be a 1D int64 tensor, got %dD %s", ct_dim(batch_sizes),
                      ct_dtype_name(ct_dtype_of(batch_sizes)));
    g->T = ct_size(batch_sizes, 0);
  } else {
    g->T = ct_size(x, 0);
    g->B = ct_size(x, 1);
  }
  *steps = malloc(sizeof(int64_t) * (size_t)(2 * g->T + 1));
  if (!*steps) return ct__errs("out of memory");
  int64_t rows = 0;
  for (int64_t t = 0; t < g->T; t++) {
    int64_t n = batch_sizes ? ct__load_i64(ct__elem_ptr(batch_sizes, (int64_t[]){t}), CT_INT64) : g->B;
    if (batch_sizes && (n <= 0 || (t > 0 && n > (*steps)[t - 1]))) {
      free(*steps);
      return ct__errs("batch_sizes must be positive and non-increasing, got %lld at step %lld", (long long)n,
                      (long long)t);
    }
    (*steps)[t] = n, (*steps)[g->T + t] = rows;
    rows += n;
  }
  if (batch_sizes) {
    g->B = g->T ? (*steps)[0] : 0;
    if (rows != ct_size(x, 0)) {
      free(*steps);
      return ct__errs("rnn_layer: batch_sizes sum to %lld, but the packed data has %lld rows", (long long)rows,
                      (long long)ct_size(x, 0));
    }
  }
  g->N = rows;
  return 0;
}

static int check_state(const ct_tensor *t, const char *name, int64_t B, int64_t S, ct_dtype dt) {
  if (!t) return 0;
  if (ct_dtype_of(t) != dt)
    return ct__errs("rnn_layer: %s must have the input's dtype %s, got %s", name, ct_dtype_name(dt),
                    ct_dtype_name(ct_dtype_of(t)));
  int64_t want[2] = {B, S};
  if (ct_dim(t) != 2 || ct_size(t, 0) != B || ct_size(t, 1) != S)
    return ct__errs("Expected %s size %s, got %s", name, SHP(0, 2, want), SHP(1, ct_dim(t), ct_shape(t)));
  return 0;
}

/* Run the kernel into new out / hn / cn (in the op's scope); the workspace in *ws. */
static int rnn_run(const rnn_geom *g, ct_tensor *const *in, const ct_tensor *x, ct_tensor **o, ct_tensor **ws) {
  ct_dtype dt = ct_dtype_of(x);
  int64_t oshape[3] = {ct_size(x, 0), ct_dim(x) == 3 ? ct_size(x, 1) : g->P, g->P};
  o[0] = ct__empty(dt, ct_dim(x), oshape);
  o[1] = ct__empty(dt, 2, (int64_t[]){g->B, g->P});
  o[2] = ct__empty(dt, 2, (int64_t[]){g->B, g->mode == CT_RNN_LSTM ? g->H : 0});
  *ws = ct__empty(dt, 1, (int64_t[]){ws_size(g)});
  ct_tensor *work = ct__empty(dt, 1, (int64_t[]){g->B * g->G * g->H});
  if (!o[0] || !o[1] || !o[2] || !*ws || !work) return -1;
  rnn_bufs b = {.x = ptr_or_null(in[IN_X]), .wih = ptr_or_null(in[IN_WIH]), .whh = ptr_or_null(in[IN_WHH]),
                .bih = ptr_or_null(in[IN_BIH]), .bhh = ptr_or_null(in[IN_BHH]), .whr = ptr_or_null(in[IN_WHR]),
                .h0 = ptr_or_null(in[IN_H0]), .c0 = ptr_or_null(in[IN_C0]), .out = ct__ptr(o[0]),
                .hn = ct__ptr(o[1]), .cn = ct__ptr(o[2])};
  b.work = ct__ptr(work);
  ws_split(g, ct__ptr(*ws), ct_dtype_size(dt), &b);
  if (dt == CT_FLOAT32) rnn_forward_f32(g, &b);
  else rnn_forward_f64(g, &b);
  return 0;
}

static ct_node *rnn_record(const rnn_geom *g, const int64_t *steps, ct_tensor *const *orig, ct_tensor *ws,
                           ct_tensor **o) {
  int nout = g->mode == CT_RNN_LSTM ? 3 : 2;
  ct_node *n = ct__node_new("StackBackward0", rnn_backward, N_IN, orig, nout);
  if (!n) return NULL;
  rnn_args *a = ct__node_new_args(n, &rnn_args_type, sizeof(int64_t) * (size_t)(2 * g->T));
  if (!a) {
    ct__node_abandon(n);
    return NULL;
  }
  a->g = *g;
  a->g.bs = a->g.off = NULL;
  for (int i = 0; i < N_IN; i++) a->present |= orig[i] ? 1u << i : 0;
  memcpy(a->steps, steps, sizeof(int64_t) * (size_t)(2 * g->T));
  for (int i = 0; i < N_IN; i++) ct__save(n, orig[i], false);
  ct__save(n, ws, false);
  ct__save(n, o[0], true);
  for (int i = 0; i < nout; i++) ct__set_history(o[i], n, i);
  return n;
}

/* A bfloat16 layer (x, states and weights bfloat16) in float32, its outputs rounded back, as
 * PyTorch's CPU RNNs compute it; float16 refused with PyTorch 1.13's message. */
static int rnn_layer_half(ct_rnn_mode mode, const ct_tensor *x, const ct_tensor *batch_sizes,
                          const ct_tensor *h0, const ct_tensor *c0, ct_rnn_weights w, bool reverse,
                          ct_tensor **out, ct_tensor **h_n, ct_tensor **c_n) {
  if (x->dtype == CT_FLOAT16) return ct__errs("\"addmm_impl_cpu_\" not implemented for 'Half'");
  CT_OP_BEGIN();
  ct_rnn_weights w32 = {ct__f32(w.w_ih), ct__f32(w.w_hh), ct__f32(w.b_ih), ct__f32(w.b_hh), ct__f32(w.w_hr)};
  ct_tensor *o = NULL, *h = NULL, *c = NULL;
  int rc = ct_rnn_layer(mode, ct__f32(x), batch_sizes, ct__f32(h0), ct__f32(c0), w32, reverse, &o, &h,
                        c_n ? &c : NULL);
  if (!rc) {
    *out = ct_keep(ct_to(o, x->dtype));
    *h_n = ct_keep(ct_to(h, x->dtype));
    if (c_n) *c_n = c ? ct_keep(ct_to(c, x->dtype)) : NULL;
  }
  ct__op_end(NULL);
  return rc;
}

int ct_rnn_layer(ct_rnn_mode mode, const ct_tensor *x, const ct_tensor *batch_sizes, const ct_tensor *h0,
                 const ct_tensor *c0, ct_rnn_weights w, bool reverse, ct_tensor **out, ct_tensor **h_n,
                 ct_tensor **c_n) {
  if (out) *out = NULL;
  if (h_n) *h_n = NULL;
  if (c_n) *c_n = NULL;
  if (!out || !h_n || (mode == CT_RNN_LSTM && !c_n)) return ct__errs("rnn_layer: missing output pointers");
  if (x && ct__is_half(x->dtype)) return rnn_layer_half(mode, x, batch_sizes, h0, c0, w, reverse, out, h_n, c_n);
  rnn_geom g;
  int64_t *steps = NULL;
  if (rnn_geometry(mode, x, batch_sizes, w, reverse, &g, &steps) != 0) return -1;
  g.bs = steps, g.off = steps + g.T;
  ct_dtype dt = ct_dtype_of(x);
  if (check_state(h0, "h0", g.B, g.P, dt) || (mode == CT_RNN_LSTM && check_state(c0, "c0", g.B, g.H, dt))) {
    free(steps);
    return -1;
  }
  ct_tensor *orig[N_IN] = {(ct_tensor *)x, (ct_tensor *)h0, mode == CT_RNN_LSTM ? (ct_tensor *)c0 : NULL,
                           (ct_tensor *)w.w_ih, (ct_tensor *)w.w_hh, (ct_tensor *)w.b_ih, (ct_tensor *)w.b_hh,
                           (ct_tensor *)w.w_hr};
  CT_OP_BEGIN();
  ct_tensor *in[N_IN], *o[3] = {0}, *ws = NULL;
  bool ok = true;
  for (int i = 0; i < N_IN; i++) ok &= (in[i] = contig_or_null(orig[i])) != NULL || !orig[i];
  ok = ok && rnn_run(&g, in, x, o, &ws) == 0;
  if (ok) rnn_record(&g, steps, orig, ws, o);
  free(steps);
  if (!ok) {
    ct__op_end(NULL);
    return -1;
  }
  *out = ct_keep(o[0]), *h_n = ct_keep(o[1]);
  if (c_n) *c_n = mode == CT_RNN_LSTM ? ct_keep(o[2]) : NULL;
  ct__op_end(NULL);
  return 0;
}
