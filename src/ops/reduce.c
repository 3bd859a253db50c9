/* Reductions over one or several dims: sum and mean (with the shared reduction machinery
 * other reductions build on). An accumulator tensor of the keepdim shape is viewed with
 * stride 0 along the reduced dims, so the elementwise iterator does the walking. */
#include "../internal.h"
#include "../tensor/cpu.h"
#include "reduce.h"
#ifdef _OPENMP
#include <omp.h>
#endif

int ct__reduce_setup(const ct_tensor *t, const ct_dims *dims, bool keepdim, ct_reduce_info *ri) {
  memset(ri, 0, sizeof *ri);
  if (ct__refuse_sparse("reduction", t, NULL)) return -1;
  ri->ndim_in = t->ndim;
  if (dims->n < 0 || dims->n > CT_MAX_DIMS) return ct__errs("too many dims");
  if (dims->n == 0) {
    for (int i = 0; i < t->ndim; i++) ri->mask[i] = true;
  } else {
    for (int k = 0; k < dims->n; k++) {
      int64_t d = ct__wrap_dim(dims->d[k], t->ndim);
      if (d < 0) return -1;
      if (ri->mask[d])
        return ct__errs("dim %lld appears multiple times in the list of dims", (long long)d);
      ri->mask[d] = true;
    }
  }
  ri->count = 1;
  for (int i = 0; i < t->ndim; i++) {
    ri->keep_shape[i] = ri->mask[i] ? 1 : t->shape[i];
    if (ri->mask[i]) ri->count *= t->shape[i];
    if (!ri->mask[i] || keepdim) ri->out_shape[ri->out_ndim++] = ri->mask[i] ? 1 : t->shape[i];
  }
  return 0;
}

ct_tensor *ct__reduce_target(ct_tensor *acc, const ct_tensor *t, const ct_reduce_info *ri) {
  int64_t st[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) st[i] = ri->mask[i] ? 0 : acc->strides[i];
  return ct__make_view(acc, t->ndim, t->shape, st, acc->offset);
}

/* ---- sum kernel: acc (keepdim shape, double or int64) += x ------------------------------- */
#define SUM_LOOP(T, tn, AT)                                                              \
  static void sum_loop_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {          \
    (void)ctx;                                                                           \
    if (s[0] == 0) { /* reducing along the inner run: 16 independent accumulators are  \
                      * whole vector registers (no reassociation needed to vectorise) and \
                      * hide the add latency, so a float sum runs at memory speed */      \
      AT acc[16] = {0};                                                                  \
      int64_t i = 0;                                                                     \
      if (s[1] == sizeof(T)) {                                                           \
        const T *x = (const T *)d[1];                                                    \
        for (; i + 16 <= n; i += 16)                                                     \
          for (int j = 0; j < 16; j++) acc[j] += (AT)x[i + j];                           \
        for (int w = 8; w > 0; w /= 2)                                                   \
          for (int j = 0; j < w; j++) acc[j] += acc[j + w];                              \
      }                                                                                  \
      for (; i < n; i++) acc[0] += (AT) * (const T *)(d[1] + i * s[1]);                  \
      *(AT *)d[0] += acc[0];                                                             \
    } else {                                                                             \
      for (int64_t i = 0; i < n; i++)                                                    \
        *(AT *)(d[0] + i * s[0]) += (AT) * (const T *)(d[1] + i * s[1]);                 \
    }                                                                                    \
  }
SUM_LOOP(bool, b, int64_t)
SUM_LOOP(uint8_t, u8, int64_t)
SUM_LOOP(int8_t, i8, int64_t)
SUM_LOOP(int16_t, i16, int64_t)
SUM_LOOP(int32_t, i32, int64_t)
SUM_LOOP(int64_t, i64, int64_t)
SUM_LOOP(float, f32, double)
SUM_LOOP(double, f64, double)
CT_LOOP_TABLE_ALL(sum_loop);
#if defined(__x86_64__) && defined(__GNUC__)
/* float32 rows again, built for AVX-512 (same per-lane order: the same sums) */
__attribute__((target("avx512f"))) SUM_LOOP(float, f32_v4, double)
#endif

void ct__reduce_serial(ct_tensor *acc_view, const ct_tensor *t, ct_loop_fn fn, void *ctx) {
  /* Threads would race on shared accumulators; the full contiguous case is split below. */
#ifdef _OPENMP
  int prev = omp_get_max_threads();
  omp_set_num_threads(1);
  ct__foreach(2, (ct_tensor *const[]){acc_view, (ct_tensor *)t}, fn, ctx);
  omp_set_num_threads(prev);
#else
  ct__foreach(2, (ct_tensor *const[]){acc_view, (ct_tensor *)t}, fn, ctx);
#endif
}

/* acc (double) += x[0:n], float32 contiguous: float lanes within 4096-element blocks, block
 * totals in double. Float vector adds run at memory speed (a float->double conversion per
 * element did not); a lane sums at most 64 values, so the rounding stays below PyTorch's
 * float cascade sum. */
static inline __attribute__((always_inline)) void sum_f32_blocked_body(char **d, int64_t n) {
  const float *x = (const float *)d[1];
  double total = 0;
  int64_t i = 0;
  while (n - i >= 64) {
    int64_t e = n - i >= 4096 ? i + 4096 : n - (n - i) % 64;
    float lane[64] = {0};
    for (; i < e; i += 64)
      for (int j = 0; j < 64; j++) lane[j] += x[i + j];
    for (int w = 32; w > 0; w /= 2)
      for (int j = 0; j < w; j++) lane[j] += lane[j + w];
    total += lane[0];
  }
  for (; i < n; i++) total += x[i];
  *(double *)d[0] += total;
}
static void sum_f32_blocked(char **d, const int64_t *s, int64_t n, void *ctx) {
  (void)s, (void)ctx;
  sum_f32_blocked_body(d, n);
}
#if defined(__x86_64__) && defined(__GNUC__)
/* The same loop built for AVX-512 (the library targets x86-64-v3), chosen at run time. */
__attribute__((target("avx512f"))) static void sum_f32_blocked_avx512(char **d, const int64_t *s,
                                                                       int64_t n, void *ctx) {
  (void)s, (void)ctx;
  sum_f32_blocked_body(d, n);
}
#endif

/* The loop summing one contiguous run of dtype dt into a scalar accumulator. */
static ct_loop_fn sum_contig_loop(ct_dtype dt) {
  if (dt != CT_FLOAT32) return sum_loop[dt];
#if defined(__x86_64__) && defined(__GNUC__)
  if (ct__cpu_level() >= CT_CPU_AVX512) return sum_f32_blocked_avx512;
#endif
  return sum_f32_blocked;
}

/* Sum of every element of a contiguous tensor, split across threads. */
static void sum_all_contig(const ct_tensor *t, ct_tensor *acc) {
  int64_t n = ct__numel_of(t->ndim, t->shape);
  size_t isz = ct_dtype_size(t->dtype);
  bool fl = ct_dtype_is_floating(t->dtype);
  int nt = 1;
#ifdef _OPENMP
  nt = n >= 4 * CT_GRAIN ? omp_get_max_threads() : 1;
  if (nt > 64) nt = 64;
#endif
  double pd[64] = {0};
  int64_t pi[64] = {0};
  int64_t ss[2] = {0, (int64_t)isz};
  ct_loop_fn loop = sum_contig_loop(t->dtype);
  if (nt == 1) { /* even a one-thread parallel region costs more than a tiny sum */
    char *dd[2] = {fl ? (char *)&pd[0] : (char *)&pi[0], ct__ptr(t)};
    loop(dd, ss, n, NULL);
  } else {
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int k = 0; k < nt; k++) {
      int64_t b = n * k / nt, e = n * (k + 1) / nt;
      char *dd[2] = {fl ? (char *)&pd[k] : (char *)&pi[k], ct__ptr(t) + b * (int64_t)isz};
      loop(dd, ss, e - b, NULL);
    }
  }
  for (int k = 0; k < nt; k++) {
    if (fl)
      *CT_PTR(acc, double) += pd[k];
    else
      *CT_PTR(acc, int64_t) += pi[k];
  }
}

/* Sum along trailing reduced dims of a contiguous tensor: acc (outer) += rows of count;
 * each row is one run of the same loop the iterator would call, so results are unchanged,
 * but rows are independent outputs and split across threads. */
static void sum_rows_contig(const ct_tensor *t, ct_tensor *acc, int64_t outer, int64_t count) {
  int64_t isz = (int64_t)ct_dtype_size(t->dtype), ss[2] = {0, isz};
  ct_loop_fn loop = sum_loop[t->dtype];
#if defined(__x86_64__) && defined(__GNUC__)
  if (t->dtype == CT_FLOAT32 && ct__cpu_level() >= CT_CPU_AVX512) loop = sum_loop_f32_v4;
#endif
  char *x = ct__ptr(t), *a = ct__ptr(acc);
#pragma omp parallel for if (CT_REDUCE_PAR(outer, count)) schedule(static)
  for (int64_t o = 0; o < outer; o++) {
    char *dd[2] = {a + o * 8, x + o * count * isz};
    loop(dd, ss, count, NULL);
  }
}

/* The reduced dims are the last ones (and some dim is kept). */
static bool reduces_trailing(const ct_tensor *t, const ct_reduce_info *ri) {
  int i = t->ndim;
  while (i > 0 && ri->mask[i - 1]) i--;
  for (int k = 0; k < i; k++)
    if (ri->mask[k]) return false;
  return i > 0 && i < t->ndim;
}

/* The reduced dims are the leading ones (x.sum(0) of a matrix: a bias gradient). */
static bool reduces_leading(const ct_tensor *t, const ct_reduce_info *ri) {
  int i = 0;
  while (i < t->ndim && ri->mask[i]) i++;
  for (int k = i; k < t->ndim; k++)
    if (ri->mask[k]) return false;
  return i > 0 && i < t->ndim;
}

/* x (rows, cols) contiguous, rows reduced: acc[j] += x[r][j] row after row (the order of the
 * general path, so results are unchanged), column blocks split across threads: the general
 * path walks it on one thread. */
#define SUM_COLS(T, tn)                                                                       \
  static void sum_cols_##tn(const T *x, double *acc, int64_t rows, int64_t cols) {           \
    _Pragma("omp parallel for schedule(static) if (rows * cols >= 2 * CT_GRAIN)")             \
    for (int64_t cb = 0; cb < cols; cb += 512) {                                              \
      int64_t ce = cb + 512 < cols ? cb + 512 : cols;                                         \
      for (int64_t r = 0; r < rows; r++) {                                                    \
        const T *row = x + r * cols;                                                          \
        for (int64_t j = cb; j < ce; j++) acc[j] += (double)row[j];                           \
      }                                                                                       \
    }                                                                                         \
  }
SUM_COLS(float, f32)
SUM_COLS(double, f64)

/* Raw sum (no autograd) into a new tensor of dtype out_dt with ri's output shape. */
static ct_tensor *sum_raw(const ct_tensor *t, const ct_reduce_info *ri, ct_dtype out_dt) {
  bool fl = ct_dtype_is_floating(t->dtype);
  CT_OP_BEGIN();
  ct_tensor *acc = ct_zeros_ex(t->ndim, ri->keep_shape, CT_TENSOR_OPTS(.dtype = fl ? CT_FLOAT64 : CT_INT64));
  if (!acc) return ct__op_end(NULL);
  bool all = true;
  for (int i = 0; i < t->ndim; i++) all &= ri->mask[i];
  if (all && ct_is_contiguous(t)) {
    sum_all_contig(t, acc);
  } else if (ct_is_contiguous(t) && reduces_trailing(t, ri)) {
    sum_rows_contig(t, acc, ct_numel(acc), ri->count);
  } else if (fl && ct_is_contiguous(t) && reduces_leading(t, ri)) {
    if (t->dtype == CT_FLOAT32)
      sum_cols_f32(CT_PTR(t, float), CT_PTR(acc, double), ri->count, ct_numel(acc));
    else
      sum_cols_f64(CT_PTR(t, double), CT_PTR(acc, double), ri->count, ct_numel(acc));
  } else {
    ct_tensor *v = ct__reduce_target(acc, t, ri);
    if (!v) return ct__op_end(NULL);
    ct__reduce_serial(v, t, sum_loop[t->dtype], NULL);
  }
  ct_tensor *out = ct__empty(out_dt, ri->out_ndim, ri->out_shape);
  if (out) {
    ct_tensor *accv = ct__make_view(acc, ri->out_ndim, ri->out_shape, out->strides, 0);
    if (accv) ct__copy_into(out, accv);
  }
  return ct__op_end(out);
}

/* ---- autograd -------------------------------------------------------------------------------- */
/* Put reduced dims back as size 1 so grad broadcasts against the input. */
ct_tensor *ct__unsqueeze_reduced(ct_tensor *g, const ct_node *n, const ct_reduce_dims *r) {
  if (r->keepdim) return g;
  int64_t shape[CT_MAX_DIMS];
  for (int i = 0; i < n->in[0].ndim; i++) shape[i] = r->mask[i] ? 1 : n->in[0].shape[i];
  return ct_reshape(g, n->in[0].ndim, shape);
}

ct_dims ct__reduced_dim_list(const ct_node *n, const ct_reduce_dims *r) {
  ct_dims d = {0};
  for (int i = 0; i < n->in[0].ndim; i++)
    if (r->mask[i]) d.d[d.n++] = i;
  return d;
}

ct_reduce_dims ct__reduce_dims(const ct_reduce_info *ri, bool keepdim) {
  ct_reduce_dims r = {.keepdim = keepdim};
  memcpy(r.mask, ri->mask, sizeof r.mask);
  return r;
}

const ct_args_type ct_reduce_args_type = {"ct_reduce_args", sizeof(ct_reduce_args), NULL};

typedef struct {
  ct_reduce_dims red;
  double count; /* elements reduced into each output */
} mean_args;
CT_ARGS_TYPE(mean_args, NULL);

/* out = sum(x, dims): gx = expand(g, x.shape) */
static void sum_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct__expand_reduced(g[0], n, &CT_ARGS(n, ct_reduce_args)->red);
}

/* out = mean(x, dims): gx = expand(g, x.shape) / count */
static void mean_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const mean_args *a = CT_ARGS(n, mean_args);
  gi[0] = ct_div_scalar(ct__expand_reduced(g[0], n, &a->red), a->count);
}

ct_tensor *ct_sum_ex(const ct_tensor *t, ct_reduce_opts o) {
  if (!t) return NULL;
  if (CT__HALF_REDUCE(t, o)) return ct__half_reduce(ct_sum_ex, t, o);
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  CT_OP_BEGIN();
  const ct_tensor *x = t;
  if ((int)o.dtype >= 0 && o.dtype != t->dtype) x = ct_to(t, o.dtype);
  if (!x) return ct__op_end(NULL);
  /* torch.sum: the dtype asked for, else int64 for integers and bool */
  ct_dtype out_dt = (int)o.dtype >= 0 ? o.dtype : ct_dtype_is_floating(x->dtype) ? x->dtype : CT_INT64;
  ct_tensor *out = sum_raw(x, &ri, out_dt);
  if (out && ct_dtype_is_floating(out_dt)) {
    ct_node *n = ct__node_new(o.dim.n ? "SumBackward1" : "SumBackward0", sum_backward, 1,
                              (ct_tensor *const[]){(ct_tensor *)x}, 1);
    if (n) {
      CT_NEW_ARGS(n, ct_reduce_args)->red = ct__reduce_dims(&ri, o.keepdim);
      ct__set_history(out, n, 0);
    }
  }
  return ct__op_end(out);
}

ct_tensor *ct_mean_ex(const ct_tensor *t, ct_reduce_opts o) {
  if (!t) return NULL;
  if (CT__HALF_REDUCE(t, o)) return ct__half_reduce(ct_mean_ex, t, o);
  ct_dtype dt = (int)o.dtype >= 0 ? o.dtype : t->dtype;
  if (!ct_dtype_is_floating(dt))
    return ct__err("mean(): could not infer output dtype. Input dtype must be either a floating "
                   "point or complex dtype. Got: %s", ct__dtype_short(dt));
  ct_reduce_info ri;
  if (ct__reduce_setup(t, &o.dim, o.keepdim, &ri)) return NULL;
  CT_OP_BEGIN();
  const ct_tensor *x = dt != t->dtype ? ct_to(t, dt) : t;
  ct_tensor *out = x ? sum_raw(x, &ri, dt) : NULL;
  if (out) {
    /* 0/0 = nan for an empty reduction, as PyTorch gives */
    double cnt = (double)ri.count;
    ct_tensor *q = ct__empty_like(out);
    if (q) {
      int64_t nel = ct_numel(out);
      if (dt == CT_FLOAT32)
        for (int64_t i = 0; i < nel; i++) CT_PTR(q, float)[i] = (float)(CT_PTR(out, float)[i] / cnt);
      else
        for (int64_t i = 0; i < nel; i++) CT_PTR(q, double)[i] = CT_PTR(out, double)[i] / cnt;
    }
    out = q;
  }
  if (out) {
    ct_node *n = ct__node_new(o.dim.n ? "MeanBackward1" : "MeanBackward0", mean_backward, 1,
                              (ct_tensor *const[]){(ct_tensor *)x}, 1);
    if (n) {
      *CT_NEW_ARGS(n, mean_args) = (mean_args){ct__reduce_dims(&ri, o.keepdim), (double)ri.count};
      ct__set_history(out, n, 0);
    }
  }
  return ct__op_end(out);
}

/* ---- row layout shared by the reductions other than sum/mean ------------------------------ */
ct_tensor *ct__expand_reduced(ct_tensor *g, const ct_node *n, const ct_reduce_dims *r) {
  return ct_expand(ct__unsqueeze_reduced(g, n, r), n->in[0].ndim, n->in[0].shape);
}

ct_tensor *ct__reduce_rows(const ct_tensor *t, const ct_reduce_info *ri, ct_dtype dt) {
  int64_t shape[CT_MAX_DIMS], st[CT_MAX_DIMS];
  int k = 0;
  for (int pass = 0; pass < 2; pass++) /* kept dims, then reduced dims */
    for (int i = 0; i < t->ndim; i++)
      if (ri->mask[i] == (pass == 1)) {
        shape[k] = t->shape[i];
        st[k++] = t->strides[i];
      }
  ct_tensor *v = ct__make_view(t, t->ndim, shape, st, t->offset);
  return v ? ct__contig_as(v, dt) : NULL;
}

int ct__reduce_setup_dim(const ct_tensor *t, int64_t dim, bool keepdim, ct_reduce_info *ri) {
  if (ct__refuse_sparse("reduction", t, NULL)) return -1;
  ct_dims d = {.n = 1, .d = {dim}};
  if (t->ndim == 0) { /* a 0-dim tensor reduces over "dim 0 or -1" as itself */
    if (ct__wrap_dim(dim, 0) < 0) return -1;
    d.n = 0;
  }
  return ct__reduce_setup(t, &d, keepdim, ri);
}

ct_node *ct__reduce_record(const char *name, ct_backward_fn bw, const ct_tensor *x, ct_tensor *out,
                           const ct_reduce_info *ri, bool keepdim, bool save_out,
                           const ct_args_type *type) {
  ct_node *n = ct__node_new(name, bw, 1, (ct_tensor *const[]){(ct_tensor *)x}, 1);
  if (!n) return NULL;
  /* every reduction's struct starts with its ct_reduce_dims (inline-sized: cannot fail) */
  ct_reduce_dims *r = ct__node_new_args(n, type, 0);
  *r = ct__reduce_dims(ri, keepdim);
  ct__save(n, x, false);
  if (save_out) ct__save(n, out, true);
  ct__set_history(out, n, 0);
  return n;
}
