/* torch.histogram(input, bins, *, range=None, weight=None, density=False) -> (hist,
 * bin_edges), as PyTorch 1.13's histogramdd kernel for one dimension: float32 / float64,
 * computed in the input's dtype; no gradient (PyTorch has no formula either).
 *
 * An int bins count takes edges linspace(lo, hi, bins + 1) in the input's dtype (rounded as
 * PyTorch's kernel rounds them, see ct__linspace_float), lo / hi the
 * range or the data's min / max (0 and 1 for empty input; equal ends move 0.5 apart), and
 * finds each element's bin by linear interpolation corrected by a search of the edges next
 * to it; a tensor of edges is binary-searched (std::upper_bound's steps, so unsorted edges
 * give PyTorch's answer). Elements outside [edges[0], edges[-1]] are left out; the last bin
 * includes its right edge. NaN elements are left out (PyTorch 1.13 counts a NaN in an
 * arbitrary bin when a range is given; without one its range check refuses NaN input). */
#include <math.h>

#include "../internal.h"

/* std::upper_bound over e[lo, hi): the first position whose edge is > x */
#define UPPER_BOUND(T)                                                         \
  static int64_t upper_bound_##T(const T *e, int64_t lo, int64_t hi, T x) {   \
    int64_t count = hi - lo;                                                   \
    while (count > 0) {                                                        \
      int64_t step = count / 2, it = lo + step;                                \
      if (!(x < e[it])) {                                                      \
        lo = it + 1;                                                           \
        count -= step + 1;                                                     \
      } else {                                                                 \
        count = step;                                                          \
      }                                                                        \
    }                                                                          \
    return lo;                                                                 \
  }
UPPER_BOUND(float)
UPPER_BOUND(double)

/* x (n), w (n or NULL), edges (nb + 1) -> h (nb) += counts or weights; linear: edges are
 * evenly spaced (interpolate, then search the neighbours), else binary search */
#define HIST_KERNEL(T)                                                                   \
  static void hist_##T(T *h, const T *x, const T *w, int64_t n, const T *e, int64_t ne, \
                       bool linear) {                                                    \
    T lo = e[0], hi = e[ne - 1];                                                         \
    for (int64_t i = 0; i < n; i++) {                                                    \
      T v = x[i];                                                                        \
      if (!(v >= lo && v <= hi)) continue;                                               \
      int64_t pos;                                                                       \
      if (linear) {                                                                      \
        pos = (int64_t)((v - lo) * (T)(ne - 1) / (hi - lo));                             \
        int64_t pmin = pos - 1 > 0 ? pos - 1 : 0, pmax = pos + 2 < ne ? pos + 2 : ne;    \
        pos = upper_bound_##T(e, pmin, pmax, v) - 1;                                     \
      } else {                                                                           \
        pos = upper_bound_##T(e, 0, ne, v) - 1;                                          \
      }                                                                                  \
      if (pos == ne - 1) pos--;                                                          \
      if (pos < 0) continue;                                                             \
      h[pos] += w ? w[i] : (T)1;                                                         \
    }                                                                                    \
  }
HIST_KERNEL(float)
HIST_KERNEL(double)

/* hist /= sum(hist); hist /= diff(edges), in T as PyTorch's two div_ */
#define DENSITY(T)                                                           \
  static void density_##T(T *h, const T *e, int64_t nb) {                   \
    T s = 0;                                                                 \
    for (int64_t i = 0; i < nb; i++) s += h[i];                              \
    for (int64_t i = 0; i < nb; i++) h[i] = h[i] / s / (T)(e[i + 1] - e[i]); \
  }
DENSITY(float)
DENSITY(double)

static ct_histogram_result fail(void) { return (ct_histogram_result){NULL, NULL}; }

static const char *lower_name(ct_dtype dt) { return dt == CT_FLOAT64 ? "double" : dt == CT_FLOAT32 ? "float" : ct_dtype_name(dt); }

/* the input and weight checks shared by both forms (PyTorch's histogramdd_check_inputs) */
static int check_weight(const ct_tensor *t, const ct_tensor *w) {
  if (!w) return 0;
  if (w->dtype != t->dtype)
    return ct__errs("torch.histogramdd: if weight tensor is provided, input tensor and weight "
                    "tensor should have the same dtype, but got input(%s), and weight(%s)",
                    lower_name(t->dtype), lower_name(w->dtype));
  int64_t n = ct_numel(t);
  if (w->ndim != t->ndim || memcmp(w->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim))
    return ct__errs("torch.histogramdd: if weight tensor is provided it should have the same "
                    "shape as the input tensor excluding its innermost dimension, but got input "
                    "with shape %s and weight with shape %s", SHP(0, 2, ((int64_t[]){n, 1})),
                    SHP(1, w->ndim, w->shape));
  return 0;
}

static int check_float(const ct_tensor *t) {
  if (t->dtype != CT_FLOAT32 && t->dtype != CT_FLOAT64)
    return ct__errs("\"histogramdd\" not implemented for '%s'", ct__dtype_short(t->dtype));
  return 0;
}

/* hist (edges' numel - 1) of t over edges (contiguous, t's dtype) */
static ct_histogram_result bin(const ct_tensor *t, ct_tensor *edges, const ct_tensor *w,
                               bool density, bool linear) {
  int64_t ne = ct_numel(edges), n = ct_numel(t);
  ct_tensor *hist = ct_zeros_ex(1, (int64_t[]){ne - 1}, (ct_tensor_opts){.dtype = t->dtype});
  ct_tensor *x = ct__contig_as(t, t->dtype), *wc = w ? ct__contig_as(w, w->dtype) : NULL;
  if (!hist || !x || (w && !wc)) return fail();
  if (t->dtype == CT_FLOAT32) {
    hist_float(CT_PTR(hist, float), CT_PTR(x, float), wc ? CT_PTR(wc, float) : NULL, n,
               CT_PTR(edges, float), ne, linear);
    if (density) density_float(CT_PTR(hist, float), CT_PTR(edges, float), ne - 1);
  } else {
    hist_double(CT_PTR(hist, double), CT_PTR(x, double), wc ? CT_PTR(wc, double) : NULL, n,
                CT_PTR(edges, double), ne, linear);
    if (density) density_double(CT_PTR(hist, double), CT_PTR(edges, double), ne - 1);
  }
  return (ct_histogram_result){hist, edges};
}

/* close the op's scope, keeping both results (or neither) */
static ct_histogram_result finish(ct_histogram_result r) {
  if (r.hist && r.bin_edges) r = (ct_histogram_result){ct_keep(r.hist), ct_keep(r.bin_edges)};
  else r = fail();
  ct_scope_end();
  return r;
}

ct_histogram_result ct_histogram_ex(const ct_tensor *t, int64_t bins, ct_histogram_opts o) {
  if (!t) return fail();
  if (bins <= 0) {
    ct__err("torch.histogram(): bins must be > 0, but got %lld for dimension 0", (long long)bins);
    return fail();
  }
  if (check_weight(t, o.weight) || check_float(t)) return fail();
  if (bins == INT64_MAX) { /* bins + 1 edges must fit */
    ct__err("torch.histogram(): bins must be < %lld, but got %lld", (long long)INT64_MAX,
            (long long)bins);
    return fail();
  }
  double lo = 0, hi = 1;
  bool has_range = !isnan(o.range[0]) || !isnan(o.range[1]);
  CT_OP_BEGIN();
  if (has_range) {
    lo = o.range[0];
    hi = o.range[1];
  } else if (ct_numel(t)) {
    ct_tensor_pair mm = ct_aminmax(t, CT_NONE, false);
    if (!mm.values || !mm.indices) return finish(fail());
    lo = ct_item(mm.values);
    hi = ct_item(mm.indices);
  }
  if (!isfinite(lo) || !isfinite(hi)) {
    ct__err("torch.histogramdd: dimension 0's range [%g, %g] is not finite", lo, hi);
    return finish(fail());
  }
  if (lo > hi) {
    ct__err("torch.histogramdd: min should not exceed max, but got min %g max %g for dimension 0",
            lo, hi);
    return finish(fail());
  }
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  ct_tensor *edges = ct__empty(t->dtype, 1, (int64_t[]){bins + 1});
  if (!edges) return finish(fail());
  if (t->dtype == CT_FLOAT32) ct__linspace_float(CT_PTR(edges, float), (float)lo, (float)hi, bins + 1);
  else ct__linspace_double(CT_PTR(edges, double), lo, hi, bins + 1);
  return finish(bin(t, edges, o.weight, o.density, true));
}

ct_histogram_result ct_histogram_bins_ex(const ct_tensor *t, const ct_tensor *bins,
                                         ct_histogram_opts o) {
  if (!t || !bins) return fail();
  if (bins->dtype != t->dtype) {
    ct__err("torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
            "got input with dtype %s and bins for dimension 0 with dtype %s",
            lower_name(t->dtype), lower_name(bins->dtype));
    return fail();
  }
  if (bins->ndim != 1) {
    ct__err("torch.histogramdd: bins tensor should have one dimension, but got %d dimensions in "
            "the bins tensor for dimension 0", bins->ndim);
    return fail();
  }
  if (ct_numel(bins) == 0) {
    ct__err("torch.histogramdd: bins tensor should have at least 1 element, but got 0 elements "
            "in the bins tensor for dimension 0");
    return fail();
  }
  if (check_weight(t, o.weight) || check_float(t)) return fail();
  if (ct_numel(bins) == 1) {
    ct__err("torch.histogram(): bins must be > 0, but got 0 for dimension 0");
    return fail();
  }
  CT_OP_BEGIN();
  ct_tensor *edges = ct__empty(t->dtype, 1, bins->shape);
  if (!edges) return finish(fail());
  ct__copy_into(edges, bins);
  return finish(bin(t, edges, o.weight, o.density, false));
}
