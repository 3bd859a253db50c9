/* F.embedding and F.embedding_bag: primitives with PyTorch's grad_fn names
 * (EmbeddingBackward0, EmbeddingBagBackward0). Forward gathers rows with a direct loop;
 * backward scatters the gradient rows back with scatter_add, differentiable in the gradient
 * (and in per_sample_weights), so double backward works. With sparse=True the weight's
 * gradient is a sparse COO tensor as PyTorch's embedding_sparse_backward makes it: indices
 * (1, n) the looked-up rows in order (padding_idx dropped, not coalesced), values (n, D) the
 * gradient rows; no double backward through it. */
#include "../internal.h"
#include "ctorch/functional.h"
#include "ctorch/sparse.h"
#include <math.h>

/* A saved slot that may have been saved empty (an optional tensor): NULL without an error. */
static ct_tensor *saved_opt(ct_node *n, int i) {
  return n->released || n->saved[i].t ? ct__saved(n, i) : NULL;
}

/* Indices as contiguous int64; PyTorch's dtype check. */
static ct_tensor *indices_of(const ct_tensor *input, const char *fn) {
  if (input->dtype != CT_INT64 && input->dtype != CT_INT32)
    return ct__err("Expected tensor for argument #1 'indices' to have one of the following scalar "
                   "types: Long, Int; but got %s instead (while checking arguments for %s)",
                   ct__legacy_type_name(input->dtype), fn);
  return ct__contig_as(input, CT_INT64);
}

/* embedding_renorm_(weight, indices, max_norm, norm_type), no autograd: each row used whose
 * norm exceeds max_norm is scaled by max_norm / (norm + 1e-7). */
static int renorm_rows(ct_tensor *weight, const int64_t *idx, int64_t n, double max_norm, double p) {
  int64_t V = weight->shape[0], D = weight->shape[1];
  ct_tensor *w = ct__contig_as(weight, CT_FLOAT64);
  bool *seen = calloc((size_t)(V ? V : 1), 1);
  if (!w || !seen) {
    free(seen);
    return w ? ct__errs("out of memory") : -1;
  }
  double *d = CT_PTR(w, double);
  bool changed = false;
  for (int64_t i = 0; i < n; i++) {
    int64_t r = idx[i];
    if (r < 0 || r >= V || seen[r]) continue;
    seen[r] = true;
    double s = 0;
    for (int64_t j = 0; j < D; j++) {
      double a = fabs(d[r * D + j]);
      s += p == 1 ? a : p == 2 ? a * a : pow(a, p);
    }
    double norm = p == 1 ? s : p == 2 ? sqrt(s) : pow(s, 1 / p);
    if (norm > max_norm) {
      double sc = max_norm / (norm + 1e-7);
      for (int64_t j = 0; j < D; j++) d[r * D + j] *= sc;
      changed = true;
    }
  }
  free(seen);
  if (changed) {
    ct__copy_into(weight, w);
    ct__bump_version(weight);
  }
  return 0;
}

static int check_range(const int64_t *idx, int64_t n, int64_t V) {
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= V) return ct__errs("index out of range in self");
  return 0;
}

/* The sparse gradient of a (V, D) weight: rows (N, D), row i for index idx[i]; the rows at
 * padding_idx dropped. PyTorch raises at backward for scale_grad_by_freq. */
static ct_tensor *sparse_grad(const int64_t *idx, int64_t N, ct_tensor *rows, int64_t V, int64_t pad,
                              bool freq) {
  if (freq) return ct__err("embedding_backward: scale_grad_by_freq not supported with sparse gradients");
  int64_t D = rows->shape[1], n = 0;
  ct_tensor *keep = ct__empty(CT_INT64, 1, &N);
  if (!keep) return NULL;
  int64_t *k = CT_PTR(keep, int64_t);
  for (int64_t i = 0; i < N; i++)
    if (idx[i] != pad) k[n++] = i;
  ct_tensor *ind = ct__empty(CT_INT64, 2, (const int64_t[]){1, n});
  if (!ind) return NULL;
  for (int64_t i = 0; i < n; i++) CT_PTR(ind, int64_t)[i] = idx[k[i]];
  ct_tensor *vals = n == N ? rows : ct_index_select(rows, 0, ct_narrow(keep, 0, 0, n));
  return vals ? ct_sparse_coo_tensor(ind, vals, 2, (const int64_t[]){V, D}) : NULL;
}

/* ---- embedding ------------------------------------------------------------------------- */
typedef struct {
  int64_t num_weights, padding_idx;
  bool scale_grad_by_freq, sparse;
} embedding_args;
CT_ARGS_TYPE(embedding_args, NULL);

/* Per-index weights of the backward: 0 at padding_idx, 1 / count(index) with
 * scale_grad_by_freq, else 1; shape (n, 1). A constant. */
static ct_tensor *row_scale(const int64_t *idx, int64_t n, int64_t V, int64_t pad, bool freq,
                            ct_dtype dt) {
  ct_tensor *s = ct__empty(CT_FLOAT64, 2, (const int64_t[]){n, 1});
  int64_t *cnt = freq ? calloc((size_t)(V ? V : 1), sizeof(int64_t)) : NULL;
  if (!s || (freq && !cnt)) {
    free(cnt);
    return s ? ct__err("out of memory") : NULL;
  }
  if (freq)
    for (int64_t i = 0; i < n; i++) cnt[idx[i]]++;
  double *d = CT_PTR(s, double);
  for (int64_t i = 0; i < n; i++) d[i] = idx[i] == pad ? 0 : freq ? 1.0 / (double)cnt[idx[i]] : 1;
  free(cnt);
  return ct_to(s, dt);
}

/* out = weight[input]: gw = zeros(V, D).scatter_add(0, idx, g.view(n, D) * scale), where
 * scale is 0 at padding_idx and 1 / count with scale_grad_by_freq. saved: input. */
static void embedding_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const embedding_args *a = CT_ARGS(n, embedding_args);
  ct_tensor *in = ct__saved(n, 0);
  if (!in || !ct__needs_grad(n, 1)) return;
  ct_tensor *idx = ct__contig_as(in, CT_INT64);
  int64_t N = ct_numel(in), D = g[0]->shape[g[0]->ndim - 1];
  ct_tensor *g2 = ct_reshape(g[0], 2, (const int64_t[]){N, D});
  if (a->sparse) {
    gi[1] = g2 ? sparse_grad(CT_PTR(idx, int64_t), N, g2, a->num_weights, a->padding_idx,
                             a->scale_grad_by_freq) : NULL;
    return;
  }
  ct_tensor *sc = row_scale(CT_PTR(idx, int64_t), N, a->num_weights, a->padding_idx,
                            a->scale_grad_by_freq, g[0]->dtype);
  if (!g2 || !sc) return;
  ct_tensor *ix = ct_expand(ct_reshape(idx, 2, (const int64_t[]){N, 1}), 2, (const int64_t[]){N, D});
  ct_tensor *z = ct_zeros_ex(2, (const int64_t[]){a->num_weights, D}, (ct_tensor_opts){.dtype = g[0]->dtype});
  gi[1] = ct_scatter_add(z, 0, ix, ct_mul(g2, sc));
}

/* A 16-bit weight's lookup r, computed on its float32 copy w32 (inside the caller's half
 * scope): with max_norm the copy was renormed, and its rows are written back into the weight
 * itself (rounded once), as PyTorch's embedding_renorm_ changes the weight under no-grad. */
static ct_tensor *renorm_back(ct_tensor *r, ct_tensor *weight, const ct_tensor *w32, double max_norm) {
  if (r && !isnan(max_norm)) {
    bool prev = ct_set_grad_enabled(false);
    if (!ct_copy_(weight, w32)) r = NULL;
    ct_set_grad_enabled(prev);
  }
  return r;
}

ct_tensor *ct_embedding_ex(const ct_tensor *input, ct_tensor *weight, ct_embedding_opts o) {
  ct_dtype h = ct__half_enter(weight, NULL, NULL); /* float16 / bfloat16: in float32 */
  if ((int)h >= 0) {
    ct_tensor *w32 = ct__f32(weight);
    return ct__half_end(renorm_back(ct_embedding_ex(input, w32, o), weight, w32, o.max_norm), h);
  }
  if (!input || !weight) return NULL;
  if (weight->ndim != 2) return ct__err("'weight' must be 2-D");
  int64_t V = weight->shape[0], D = weight->shape[1], pad = o.padding_idx;
  if (pad != CT_NONE) {
    if ((pad > 0 && pad >= V) || (pad < 0 && pad < -V))
      return ct__err("Padding_idx must be within num_embeddings");
    if (pad < 0) pad += V;
  } else {
    pad = -1;
  }
  CT_OP_BEGIN();
  ct_tensor *idx = indices_of(input, "embedding");
  if (!idx) return ct__op_end(NULL);
  const int64_t *ix = CT_PTR(idx, int64_t);
  int64_t N = ct_numel(input);
  if (!isnan(o.max_norm) && renorm_rows(weight, ix, N, o.max_norm, o.norm_type))
    return ct__op_end(NULL);
  if (check_range(ix, N, V)) return ct__op_end(NULL);
  int64_t shp[CT_MAX_DIMS + 1];
  if (input->ndim + 1 > CT_MAX_DIMS) return ct__op_end(ct__err("ctorch: too many dimensions"));
  memcpy(shp, input->shape, sizeof(int64_t) * (size_t)input->ndim);
  shp[input->ndim] = D;
  ct_tensor *w = ct__contig_as(weight, weight->dtype);
  ct_tensor *out = w ? ct__empty(weight->dtype, input->ndim + 1, shp) : NULL;
  if (!out) return ct__op_end(NULL);
  size_t row = (size_t)D * ct_dtype_size(weight->dtype);
  const char *src = ct__ptr(w);
  char *dst = ct__ptr(out);
#pragma omp parallel for if (N * D >= CT_GRAIN)
  for (int64_t i = 0; i < N; i++) memcpy(dst + (size_t)i * row, src + (size_t)ix[i] * row, row);
  ct_node *nd = ct__node_new("EmbeddingBackward0", embedding_backward, 2,
                             (ct_tensor *const[]){(ct_tensor *)input, weight}, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, embedding_args) = (embedding_args){V, pad, o.scale_grad_by_freq, o.sparse};
    if (ct__save(nd, input, false)) {
      ct__node_abandon(nd);
      return ct__op_end(NULL);
    }
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}

/* ---- embedding_bag ---------------------------------------------------------------------- */
typedef struct {
  int64_t num_weights, padding_idx;
  ct_bag_mode mode;
  bool sparse, scale_grad_by_freq;
} bag_args;
CT_ARGS_TYPE(bag_args, NULL);

/* Saved: 0 bag_of (n, int64: the bag of each index), 1 idx (n, int64), 2 coef (n, 1): 0 at
 * padding_idx, 1 / bag size for mean, 1 / count with scale_grad_by_freq; 3 per_sample_weights
 * (or empty), 4 weight (when per_sample_weights needs its gradient), 5 max_idx (B, D) for max
 * (-1 for an empty bag).
 *   sum/mean: gw = zeros(V, D).scatter_add(0, idx, g[bag_of] * coef * psw)
 *             gpsw = sum(g[bag_of] * weight[idx], 1) * (coef != 0)
 *   max:      gw = zeros(V, D).scatter_add(0, max_idx, g * (max_idx >= 0)) */
static void bag_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const bag_args *a = CT_ARGS(n, bag_args);
  int64_t D = g[0]->shape[1];
  ct_tensor *z = ct_zeros_ex(2, (const int64_t[]){a->num_weights, D}, (ct_tensor_opts){.dtype = g[0]->dtype});
  if (a->mode == CT_BAG_MAX) {
    ct_tensor *mi = ct__saved(n, 5);
    if (!mi || !ct__needs_grad(n, 1)) return;
    ct_tensor *valid = ct_to(ct_ge_scalar(mi, 0), g[0]->dtype);
    gi[1] = ct_scatter_add(z, 0, ct_clamp(mi, 0, (double)(a->num_weights - 1)), ct_mul(g[0], valid));
    return;
  }
  ct_tensor *bag_of = ct__saved(n, 0), *idx = ct__saved(n, 1), *coef = ct__saved(n, 2);
  ct_tensor *psw = saved_opt(n, 3);
  if (!bag_of || !idx || !coef) return;
  int64_t N = ct_numel(idx);
  ct_tensor *gr = ct_index_select(g[0], 0, bag_of); /* (n, D) */
  if (ct__needs_grad(n, 1)) {
    ct_tensor *c = ct_to(coef, g[0]->dtype);
    if (psw) c = ct_mul(c, ct_reshape(psw, 2, (const int64_t[]){N, 1}));
    if (a->sparse) {
      ct_tensor *rows = ct_mul(gr, c);
      gi[1] = rows ? sparse_grad(CT_PTR(idx, int64_t), N, rows, a->num_weights, a->padding_idx,
                                 a->scale_grad_by_freq) : NULL;
    } else {
      ct_tensor *ix = ct_expand(ct_reshape(idx, 2, (const int64_t[]){N, 1}), 2, (const int64_t[]){N, D});
      gi[1] = ct_scatter_add(z, 0, ix, ct_mul(gr, c));
    }
  }
  if (ct__needs_grad(n, 2)) {
    ct_tensor *w = saved_opt(n, 4);
    if (!w) return;
    ct_tensor *keep = ct_to(ct_ne_scalar(coef, 0), g[0]->dtype);
    ct_tensor *dot = ct_sum(ct_mul(ct_mul(gr, ct_index_select(w, 0, idx)), keep), .dim = CT_DIMS(1));
    gi[2] = ct_reshape(dot, psw->ndim, psw->shape);
  }
}

#define BAG_KERNEL(T, tn)                                                                        \
  /* weight (V, D), idx (n), bags [start[b], end[b]) -> out (B, D); max_idx (B, D) for max */   \
  static void bag_##tn(const T *w, const int64_t *idx, const int64_t *start, const int64_t *end, \
                       int64_t B, int64_t D, int64_t pad, ct_bag_mode mode, const T *psw,       \
                       T *out, int64_t *max_idx) {                                               \
    _Pragma("omp parallel for if (B * D >= CT_GRAIN)")                                           \
    for (int64_t b = 0; b < B; b++) {                                                            \
      T *o = out + b * D;                                                                        \
      int64_t cnt = 0;                                                                           \
      for (int64_t j = 0; j < D; j++) o[j] = 0;                                                  \
      if (max_idx)                                                                               \
        for (int64_t j = 0; j < D; j++) max_idx[b * D + j] = -1;                                 \
      for (int64_t i = start[b]; i < end[b]; i++) {                                              \
        if (idx[i] == pad) continue;                                                             \
        const T *r = w + idx[i] * D;                                                             \
        if (mode == CT_BAG_MAX) {                                                                \
          for (int64_t j = 0; j < D; j++)                                                        \
            if (cnt == 0 || r[j] > o[j] || isnan(r[j])) {                                        \
              if (cnt && isnan(o[j])) continue;                                                  \
              o[j] = r[j];                                                                       \
              max_idx[b * D + j] = idx[i];                                                       \
            }                                                                                    \
        } else {                                                                                 \
          T s = psw ? psw[i] : (T)1;                                                             \
          for (int64_t j = 0; j < D; j++) o[j] += r[j] * s;                                      \
        }                                                                                        \
        cnt++;                                                                                   \
      }                                                                                          \
      if (mode == CT_BAG_MEAN && cnt > 0)                                                        \
        for (int64_t j = 0; j < D; j++) o[j] /= (T)cnt;                                          \
    }                                                                                            \
  }
BAG_KERNEL(float, f32)
BAG_KERNEL(double, f64)

ct_tensor *ct_embedding_bag_ex(const ct_tensor *input, ct_tensor *weight, ct_embedding_bag_opts o) {
  if (!input || !weight) return NULL;
  const ct_tensor *psw = o.per_sample_weights;
  if (psw && (psw->ndim != input->ndim || memcmp(psw->shape, input->shape, sizeof(int64_t) * (size_t)input->ndim)))
    return ct__err("embedding_bag: If per_sample_weights (torch.Size(%s)) is not None, then it "
                   "must have the same shape as the input (torch.Size(%s))",
                   SHP(0, psw->ndim, psw->shape), SHP(1, input->ndim, input->shape));
  if (input->ndim == 2 && o.offsets)
    return ct__err("if input is 2D, then offsets has to be None, as input is treated is a "
                   "mini-batch of fixed length sequences. However, found offsets of type "
                   "<class 'torch.Tensor'>");
  if (input->ndim == 1 && !o.offsets) return ct__err("offsets has to be a 1D Tensor but got None");
  if (input->ndim == 1 && o.offsets->ndim != 1) return ct__err("offsets has to be a 1D Tensor");
  if (input->ndim != 1 && input->ndim != 2)
    return ct__err("input has to be 1D or 2D Tensor, but got Tensor of dimension %d", input->ndim);
  if (o.mode != CT_BAG_SUM && o.mode != CT_BAG_MEAN && o.mode != CT_BAG_MAX)
    return ct__err("mode has to be one of sum, mean or max");
  if (o.mode == CT_BAG_MAX && o.scale_grad_by_freq)
    return ct__err("max mode does not support scaling the gradient by the frequency");
  if (o.sparse && o.mode == CT_BAG_MAX) return ct__err("max mode does not support sparse weights");
  if (weight->ndim != 2) return ct__err("'weight' must be 2-D");
  if (weight->dtype == CT_FLOAT16) { /* PyTorch's CPU bag takes Half (not BFloat16): in float32 */
    ct_dtype h = ct__half_enter(weight, NULL, NULL);
    ct_tensor *w32 = ct__f32(weight);
    o.per_sample_weights = ct__f32(o.per_sample_weights);
    return ct__half_end(renorm_back(ct_embedding_bag_ex(input, w32, o), weight, w32, o.max_norm), h);
  }
  if (weight->dtype == CT_BFLOAT16)
    return ct__err("Expected tensor for argument #1 'weight' to have one of the following scalar types: "
                   "Half, Float, Double; but got CPUBFloat16Type instead (while checking arguments for "
                   "embedding_bag)");
  if (weight->dtype != CT_FLOAT32 && weight->dtype != CT_FLOAT64)
    return ct__err("\"embedding_bag_cpu_impl\" not implemented for '%s'", ct__dtype_short(weight->dtype));
  int64_t V = weight->shape[0], D = weight->shape[1], pad = o.padding_idx;
  if (pad != CT_NONE) {
    if (pad >= V || pad < -V) return ct__err("padding_idx must be within the number of embeddings, -%lld through %lld, but got %lld",
                                            (long long)V, (long long)(V - 1), (long long)pad);
    if (pad < 0) pad += V;
  } else {
    pad = -1;
  }
  CT_OP_BEGIN();
  ct_tensor *idx_t = indices_of(input, "embedding_bag");
  if (!idx_t) return ct__op_end(NULL);
  const int64_t *idx = CT_PTR(idx_t, int64_t);
  int64_t n = ct_numel(input);
  if (!isnan(o.max_norm) && renorm_rows(weight, idx, n, o.max_norm, o.norm_type))
    return ct__op_end(NULL);
  if (psw && o.mode != CT_BAG_SUM)
    return ct__op_end(ct__err("embedding_bag: per_sample_weights was not None. per_sample_weights "
                              "is only supported for mode='sum' (got mode='%s'). Please open a "
                              "feature request on GitHub.", o.mode == CT_BAG_MEAN ? "mean" : "max"));
  if (psw && psw->dtype != weight->dtype)
    return ct__op_end(ct__err("expected scalar type %s but found %s", ct__dtype_short(weight->dtype),
                              ct__dtype_short(psw->dtype)));
  /* bag boundaries */
  int64_t nb, L = input->ndim == 2 ? input->shape[1] : 0;
  ct_tensor *off = NULL;
  if (input->ndim == 2) {
    nb = input->shape[0];
  } else {
    off = indices_of(o.offsets, "embedding_bag");
    if (!off) return ct__op_end(NULL);
    nb = ct_numel(o.offsets) - (o.include_last_offset ? 1 : 0);
    if (nb < 0) nb = 0;
  }
  ct_tensor *se = ct__empty(CT_INT64, 1, (const int64_t[]){2 * nb + 1});
  if (!se) return ct__op_end(NULL);
  int64_t *start = CT_PTR(se, int64_t), *end = start + nb;
  const int64_t *of = off ? CT_PTR(off, int64_t) : NULL;
  int64_t noff = off ? ct_numel(off) : 0;
  if (of && noff > 0 && of[0] != 0)
    return ct__op_end(ct__err("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                              "has to start from position 0. However, got %lld", (long long)of[0]));
  if (of && noff > 0 && of[noff - 1] > n)
    return ct__op_end(ct__err("offsets[-1] can not be greater than input's length %lld but got "
                              "offsets[-1] of %lld", (long long)n, (long long)of[noff - 1]));
  for (int64_t b = 0; b < nb; b++) {
    start[b] = of ? of[b] : b * L;
    end[b] = of ? (b + 1 < noff ? of[b + 1] : n) : (b + 1) * L;
    if (start[b] > end[b] || start[b] < 0)
      return ct__op_end(ct__err("ctorch: offsets must be non-decreasing, got offsets[%lld] = %lld "
                                "after %lld", (long long)b + 1, (long long)end[b], (long long)start[b]));
  }
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= V)
      return ct__op_end(ct__err("0 <= idx && idx < data_size. Index %lld is out of bounds: %lld, "
                                "range 0 to %lld", (long long)i, (long long)idx[i], (long long)V));
  ct_tensor *w = ct__contig_as(weight, weight->dtype);
  ct_tensor *pw = psw ? ct__contig_as(psw, weight->dtype) : NULL;
  ct_tensor *out = ct__empty(weight->dtype, 2, (const int64_t[]){nb, D});
  ct_tensor *mi = o.mode == CT_BAG_MAX ? ct__empty(CT_INT64, 2, (const int64_t[]){nb, D}) : NULL;
  if (!w || !out || (psw && !pw) || (o.mode == CT_BAG_MAX && !mi)) return ct__op_end(NULL);
  int64_t *mip = mi ? CT_PTR(mi, int64_t) : NULL;
  if (weight->dtype == CT_FLOAT32)
    bag_f32(CT_PTR(w, float), idx, start, end, nb, D, pad, o.mode, pw ? CT_PTR(pw, float) : NULL,
            CT_PTR(out, float), mip);
  else
    bag_f64(CT_PTR(w, double), idx, start, end, nb, D, pad, o.mode, pw ? CT_PTR(pw, double) : NULL,
            CT_PTR(out, double), mip);
  ct_tensor *ins[3] = {(ct_tensor *)input, weight, (ct_tensor *)psw};
  ct_node *nd = ct__node_new("EmbeddingBagBackward0", bag_backward, 3, ins, 1);
  if (nd) {
    *CT_NEW_ARGS(nd, bag_args) = (bag_args){V, pad, o.mode, o.sparse, o.scale_grad_by_freq};
    ct_tensor *bag_of = ct__empty(CT_INT64, 1, &n);
    ct_tensor *coef = ct__empty(CT_FLOAT64, 2, (const int64_t[]){n, 1});
    int64_t *cnt = o.scale_grad_by_freq ? calloc((size_t)(V ? V : 1), sizeof(int64_t)) : NULL;
    if (!bag_of || !coef || (o.scale_grad_by_freq && !cnt)) {
      free(cnt);
      ct__node_abandon(nd);
      return ct__op_end(ct__err("out of memory"));
    }
    int64_t *bo = CT_PTR(bag_of, int64_t);
    double *cf = CT_PTR(coef, double);
    for (int64_t i = 0; i < n; i++) bo[i] = 0, cf[i] = 0;
    if (cnt)
      for (int64_t i = 0; i < n; i++) cnt[idx[i]]++;
    for (int64_t b = 0; b < nb; b++) {
      int64_t c = 0;
      for (int64_t i = start[b]; i < end[b]; i++) c += idx[i] != pad;
      for (int64_t i = start[b]; i < end[b]; i++) {
        bo[i] = b;
        if (idx[i] == pad) continue;
        cf[i] = (o.mode == CT_BAG_MEAN ? 1.0 / (double)c : 1.0) / (cnt ? (double)cnt[idx[i]] : 1.0);
      }
    }
    free(cnt);
    bool need_w = psw && ct__needs_grad(nd, 2);
    if (ct__save(nd, bag_of, false) || ct__save(nd, ct_reshape(idx_t, 1, &n), false) || ct__save(nd, coef, false) ||
        ct__save(nd, psw, false) || ct__save(nd, need_w ? weight : NULL, false) ||
        ct__save(nd, mi, false)) {
      ct__node_abandon(nd);
      return ct__op_end(NULL);
    }
    ct__set_history(out, nd, 0);
  }
  return ct__op_end(out);
}
