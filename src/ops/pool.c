/* The pooling family's shared machinery: window tables, the typed per-plane kernels behind
 * one dtype switch, the index scatter / gather that every max-like pool's gradient is, and
 * F.max_unpool1d/2d/3d (a scatter by the indices of a max pool). */
#include "pool.h"

#include <math.h>

#define CT_TEMPLATE "ops/pool_impl.h"
#define CT_FLOATS_ONLY
#include "../each_dtype.h"

/* ---- window tables --------------------------------------------------------------------- */
int ct__pool_win_alloc(pool_win *w, const int64_t *in, const int64_t *out, bool with_cnt) {
  memset(w, 0, sizeof *w);
  int64_t total = 0, per = with_cnt ? 3 : 2;
  for (int j = 0; j < 3; j++) {
    w->in[j] = in[j];
    w->out[j] = out[j];
    w->step[j] = 1;
    if (out[j] > 0 && __builtin_add_overflow(total, out[j], &total)) total = INT64_MAX;
  }
  /* callers check the output shape first; this only keeps a hostile size from wrapping */
  if (total > (int64_t)(SIZE_MAX / sizeof(int64_t) / 4)) return ct__errs("out of memory");
  w->mem = malloc(sizeof(int64_t) * (size_t)(per * total + 1));
  if (!w->mem) return ct__errs("out of memory");
  int64_t *p = w->mem;
  for (int j = 0; j < 3; j++) {
    w->lo[j] = p, p += out[j];
    w->hi[j] = p, p += out[j];
    if (with_cnt) w->cnt[j] = p, p += out[j];
  }
  return 0;
}

void ct__pool_win_free(pool_win *w) {
  free(w->mem);
  w->mem = NULL;
}

/* PyTorch's CPU kernels: start = o*s - p, end = min(start + (k-1)*d + 1, I), then start
 * moves up by d while negative; averages count the window clipped at I + p (padded). */
void ct__pool_win_sliding(pool_win *w, int j, int64_t k, int64_t s, int64_t p, int64_t d,
                          bool count_pad) {
  int64_t I = w->in[j];
  w->step[j] = d;
  w->kern[j] = k;
  w->stride[j] = s;
  for (int64_t o = 0; o < w->out[j]; o++) {
    int64_t lo = o * s - p, hi = lo + (k - 1) * d + 1;
    int64_t hi_pad = hi < I + p ? hi : I + p;
    if (w->cnt[j]) w->cnt[j][o] = count_pad ? hi_pad - lo : 0;
    if (hi > I) hi = I;
    if (lo < 0) lo += ((-lo + d - 1) / d) * d;
    w->lo[j][o] = lo;
    w->hi[j][o] = hi;
    if (w->cnt[j] && !count_pad) w->cnt[j][o] = hi > lo ? hi - lo : 0;
  }
}

void ct__pool_win_adaptive(pool_win *w, int j) {
  int64_t I = w->in[j], O = w->out[j];
  for (int64_t o = 0; o < O; o++) {
    w->lo[j][o] = o * I / O;
    w->hi[j][o] = ((o + 1) * I + O - 1) / O;
    if (w->cnt[j]) w->cnt[j][o] = w->hi[j][o] - w->lo[j][o];
  }
}

/* ---- kernels by dtype --------------------------------------------------------------------- */
static int64_t win_in(const pool_win *w) { return w->in[0] * w->in[1] * w->in[2]; }
static int64_t win_out(const pool_win *w) { return w->out[0] * w->out[1] * w->out[2]; }
/* worth a thread team: more than one plane and enough work */
#define POOL_PAR(planes, per) ((planes) > 1 && (planes) * (per) >= CT_GRAIN)

void ct__pool_max_plane(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t p,
                        const pool_win *w) {
  int64_t n = win_in(w), m = win_out(w);
  int64_t *ip = ind ? CT_PTR(ind, int64_t) + p * m : NULL;
  if (x->dtype == CT_FLOAT32)
    max_plane_f32(CT_PTR(x, float) + p * n, CT_PTR(y, float) + p * m, ip, w);
  else
    max_plane_f64(CT_PTR(x, double) + p * n, CT_PTR(y, double) + p * m, ip, w);
}

/* MaxPool2d(2) with stride 2, no padding, no dilation: the tables are not needed */
static bool is_2x2(const pool_win *w) {
  if (w->in[0] != 1 || w->out[0] != 1) return false;
  for (int j = 1; j < 3; j++)
    for (int64_t o = 0; o < w->out[j]; o++)
      if (w->step[j] != 1 || w->lo[j][o] != 2 * o || w->hi[j][o] != 2 * o + 2) return false;
  return true;
}

void ct__pool_max_kernel(const ct_tensor *x, ct_tensor *y, ct_tensor *ind, int64_t planes,
                         const pool_win *w) {
  int64_t n = win_in(w), m = win_out(w);
  bool f32 = x->dtype == CT_FLOAT32, fast = is_2x2(w);
  bool slide2d = w->in[0] == 1 && w->out[0] == 1 && w->kern[1] && w->kern[2];
#pragma omp parallel for if (POOL_PAR(planes, n)) schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    int64_t *ip = ind ? CT_PTR(ind, int64_t) + p * m : NULL;
    if (fast && f32)
      max_plane_2x2_f32(CT_PTR(x, float) + p * n, CT_PTR(y, float) + p * m, ip, w->in[2],
                        w->out[1], w->out[2]);
    else if (fast)
      max_plane_2x2_f64(CT_PTR(x, double) + p * n, CT_PTR(y, double) + p * m, ip, w->in[2],
                        w->out[1], w->out[2]);
    else if (slide2d && f32)
      max_plane_2d_f32(CT_PTR(x, float) + p * n, CT_PTR(y, float) + p * m, ip, w);
    else if (slide2d)
      max_plane_2d_f64(CT_PTR(x, double) + p * n, CT_PTR(y, double) + p * m, ip, w);
    else
      ct__pool_max_plane(x, y, ind, p, w);
  }
}

void ct__pool_avg_kernel(const ct_tensor *x, ct_tensor *y, int64_t planes, const pool_win *w,
                         int64_t divisor, bool seq) {
  int64_t n = win_in(w), m = win_out(w);
  bool f32 = x->dtype == CT_FLOAT32;
#pragma omp parallel for if (POOL_PAR(planes, n)) schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    if (f32) avg_plane_f32(CT_PTR(x, float) + p * n, CT_PTR(y, float) + p * m, w, divisor, seq);
    else avg_plane_f64(CT_PTR(x, double) + p * n, CT_PTR(y, double) + p * m, w, divisor, seq);
  }
}

void ct__pool_avg_back_kernel(const ct_tensor *g, ct_tensor *gx, int64_t planes,
                              const pool_win *w, int64_t divisor, bool seq) {
  int64_t n = win_in(w), m = win_out(w);
  bool f32 = g->dtype == CT_FLOAT32;
#pragma omp parallel for if (POOL_PAR(planes, n)) schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    if (f32)
      avg_back_plane_f32(CT_PTR(g, float) + p * m, CT_PTR(gx, float) + p * n, w, divisor, seq);
    else
      avg_back_plane_f64(CT_PTR(g, double) + p * m, CT_PTR(gx, double) + p * n, w, divisor, seq);
  }
}

/* g (planes, m), ind (planes, m) -> gx (planes, n); every index already in [0, n) */
static void scatter_kernel(const ct_tensor *g, const ct_tensor *ind, ct_tensor *gx,
                           int64_t planes, int64_t m, int64_t n, bool set) {
  bool f32 = g->dtype == CT_FLOAT32;
  const int64_t *ip = CT_PTR(ind, int64_t);
#pragma omp parallel for if (POOL_PAR(planes, n)) schedule(static)
  for (int64_t p = 0; p < planes; p++) {
    if (f32) scatter_plane_f32(CT_PTR(g, float) + p * m, ip + p * m, CT_PTR(gx, float) + p * n, m, n, set);
    else scatter_plane_f64(CT_PTR(g, double) + p * m, ip + p * m, CT_PTR(gx, double) + p * n, m, n, set);
  }
}

/* ---- scatter by indices and its gather ------------------------------------------------ */
typedef struct {
  int nsp;
} index_args;
CT_ARGS_TYPE(index_args, NULL);

ct_tensor *ct__pool_index_gather(const ct_tensor *gg, const ct_tensor *ind, int nsp) {
  CT_OP_BEGIN();
  ct_tensor *gf = ct_flatten(gg, -nsp, -1), *idf = ct_flatten(ind, -nsp, -1);
  ct_tensor *r = gf && idf ? ct_gather(gf, -1, idf) : NULL;
  return ct__op_end(r ? ct_view(r, ind->ndim, ind->shape) : NULL);
}

/* gx = scatter(g, ind): ggrad = gather(gg, ind). saved: ind. */
static void index_scatter_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *ind = ct__saved(n, 0);
  if (ind) gi[0] = ct__pool_index_gather(g[0], ind, CT_ARGS(n, index_args)->nsp);
}

/* Plane counts of a (lead..., spatial nsp) shape */
static void plane_split(int ndim, const int64_t *shape, int nsp, int64_t *planes, int64_t *per) {
  *planes = ct__numel_of(ndim - nsp, shape);
  *per = ct__numel_of(nsp, shape + ndim - nsp);
}

static ct_tensor *index_scatter(const ct_tensor *g, const ct_tensor *ind, int ndim,
                                const int64_t *shape, int nsp, const char *bw_name, bool set) {
  CT_OP_BEGIN();
  ct_tensor *gc = ct__contig_as(g, g->dtype), *ic = ct__contig_as(ind, CT_INT64);
  ct_tensor *gx = gc && ic ? ct__empty(g->dtype, ndim, shape) : NULL;
  if (!gx) return ct__op_end(NULL);
  int64_t planes, m, n;
  plane_split(g->ndim, g->shape, nsp, &planes, &m);
  plane_split(ndim, shape, nsp, &planes, &n);
  scatter_kernel(gc, ic, gx, planes, m, n, set);
  ct_node *nd = ct__node_new(bw_name, index_scatter_backward, 1, (ct_tensor *const[]){(ct_tensor *)g}, 1);
  if (nd) {
    CT_NEW_ARGS(nd, index_args)->nsp = nsp;
    ct__save(nd, ind, false);
    ct__set_history(gx, nd, 0);
  }
  return ct__op_end(gx);
}

ct_tensor *ct__pool_index_scatter(const ct_tensor *g, const ct_tensor *ind, int ndim,
                                  const int64_t *in_shape, int nsp, const char *bw_name) {
  return index_scatter(g, ind, ndim, in_shape, nsp, bw_name, false);
}

/* ---- argument helpers --------------------------------------------------------------------- */
bool ct__pool_ints(ct_ints v, int nsp, const int64_t *def, int64_t *out) {
  if (v.n == 0 && def) {
    memcpy(out, def, sizeof(int64_t) * (size_t)nsp);
    return true;
  }
  if (v.n != 1 && v.n != nsp) return false;
  for (int j = 0; j < nsp; j++) out[j] = v.v[v.n == 1 ? 0 : j];
  return true;
}

/* PyTorch's check1d: "max_pool1d() argument 'stride' should contain one int (got 2)" */
int ct__pool_check1d(const char *op, const char *arg, ct_ints v, bool may_omit) {
  if (v.n == 1 || (v.n == 0 && may_omit)) return 0;
  return ct__errs("%s() argument '%s' should contain one int (got %d)", op, arg, v.n);
}

int ct__pool_int32(int n, const int64_t *v) {
  for (int i = 0; i < n; i++)
    if (v[i] < INT32_MIN || v[i] > INT32_MAX) return ct__errs("integer out of range");
  return 0;
}

/* floor division (div_rtn) */
static int64_t div_floor(int64_t a, int64_t b) {
  int64_t q = a / b, r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

int ct__pool_out_size(int64_t in, int64_t k, int64_t p, int64_t s, int64_t d, bool ceil,
                      int64_t *out) {
  if (s == 0) return ct__errs("stride should not be zero");
  if (p < 0) return ct__errs("pad must be non-negative, but got pad: %lld", (long long)p);
  if (p > k / 2)
    return ct__errs("pad should be at most half of kernel size, but got pad=%lld and "
                    "kernel_size=%lld", (long long)p, (long long)k);
  /* every operand fits int32 (checked): no int64 overflow */
  int64_t o = div_floor(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
  if (ceil && (o - 1) * s >= in + p) o--; /* the last window must start inside the input or left pad */
  *out = o;
  return 0;
}

const char *ct__pool_sizes_str(char *buf, size_t n, int64_t planes, int nsp, const int64_t *s) {
  int k = snprintf(buf, n, "(%lld", (long long)planes);
  for (int j = 0; j < nsp && k > 0 && (size_t)k < n; j++)
    k += snprintf(buf + k, n - (size_t)k, "x%lld", (long long)s[j]);
  if (k > 0 && (size_t)k < n) snprintf(buf + k, n - (size_t)k, ")");
  return buf;
}

/* ---- sliding-window geometry --------------------------------------------------------------- */
/* The checked geometry of a sliding-window pool, dims (D, H, W) (D = 1 for 2d). */
static const char *const g_nth[] = {"", "", "two", "three"};
static const char *const g_dimc[3][3] = {{"kT", "kH", "kW"}, {"dT", "dH", "dW"},
                                         {"dilationT", "dilationH", "dilationW"}};

/* "kernel size should be greater than zero, but got kT: 0 kH: 0 kW: 0" (2d: kH, kW) */
static int positive_or_err(const char *what, int which, int nsp, const int64_t *v) {
  for (int j = 3 - nsp; j < 3; j++)
    if (v[j] <= 0) {
      char buf[160];
      int q = 0;
      for (int i = 3 - nsp; i < 3; i++)
        q += snprintf(buf + q, sizeof buf - (size_t)q, " %s: %lld", g_dimc[which][i], (long long)v[i]);
      return ct__errs("%s should be greater than zero, but got%s", what, buf);
    }
  return 0;
}

int ct__pool_sliding_geom(const char *op, int nsp, const ct_tensor *x, ct_ints kernel,
                          ct_ints stride, ct_ints pad, ct_ints dil, bool ceil, bool avg,
                          int64_t divisor, pool_geom *g) {
  static const int64_t zero[3] = {0, 0, 0}, one[3] = {1, 1, 1};
  int64_t k[3], s[3], p[3], d[3];
  const char *either = avg && nsp == 3 ? "" : "either ";
  if (!ct__pool_ints(kernel, nsp, NULL, k))
    return ct__errs("%s: kernel_size must %sbe a single int, or a tuple of %s ints", op, either,
                    g_nth[nsp]);
  if (!ct__pool_ints(stride, nsp, k, s))
    return ct__errs("%s: stride must %sbe omitted, a single int, or a tuple of %s ints", op,
                    either, g_nth[nsp]);
  if (!ct__pool_ints(pad, nsp, zero, p))
    return ct__errs(avg ? "%s: padding must %sbe a single int, or a tuple of %s ints"
                        : "%s: padding must be %seither be a single int, or a tuple of %s ints",
                    op, avg ? either : "", g_nth[nsp]);
  if (!ct__pool_ints(dil, nsp, one, d))
    return ct__errs("%s: dilation must be either a single int, or a tuple of %s ints", op,
                    g_nth[nsp]);
  if (ct__pool_int32(nsp, k) || ct__pool_int32(nsp, s) || ct__pool_int32(nsp, p) ||
      ct__pool_int32(nsp, d))
    return -1;
  if (avg && nsp == 2 && divisor == 0) return ct__errs("divisor must be not zero");
  if (x->ndim != nsp + 1 && x->ndim != nsp + 2) {
    if (avg && nsp == 2 && x->ndim < 3) { /* avg_pool2d reads input.size(-3) first */
      ct__wrap_dim(-3, x->ndim);
      return -1;
    }
    return ct__errs("non-empty %dD or %dD (batch mode) tensor expected for input", nsp + 1, nsp + 2);
  }
  if (avg && divisor == 0) return ct__errs("divisor must be not zero");
  int off = 3 - nsp;
  for (int j = 0; j < 3; j++) {
    bool sp = j >= off;
    g->k[j] = sp ? k[j - off] : 1, g->s[j] = sp ? s[j - off] : 1;
    g->p[j] = sp ? p[j - off] : 0, g->d[j] = sp ? d[j - off] : 1;
    g->in[j] = sp ? x->shape[x->ndim - 3 + j] : 1;
  }
  for (int j = off; j < 3; j++)
    if (ct__pool_out_size(g->in[j], g->k[j], g->p[j], g->s[j], g->d[j], ceil, &g->out[j])) return -1;
  g->out[0] = nsp == 2 ? 1 : g->out[0];
  if (positive_or_err("kernel size", 0, nsp, g->k) || positive_or_err("stride", 1, nsp, g->s) ||
      positive_or_err("dilation", 2, nsp, g->d))
    return -1;
  int64_t C = x->shape[x->ndim - nsp - 1];
  g->planes = ct__numel_of(x->ndim - nsp, x->shape);
  if (nsp == 2) {
    bool ok = x->shape[x->ndim - 2] != 0 && x->shape[x->ndim - 1] != 0 &&
              (x->ndim == 4 || x->shape[0] != 0) && (x->ndim == 3 || x->shape[1] != 0);
    if (!ok)
      return ct__errs("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                      "input, but got:%s", SHP(0, x->ndim, x->shape));
  } else {
    for (int i = x->ndim - 4; i < x->ndim; i++)
      if (x->shape[i] <= 0)
        return ct__errs("%s: Expected input's non-batch dimensions to have positive length, but "
                        "input has a shape of %s and non-batch dimension %lld has length zero!",
                        avg ? "avg_pool3d()" : "max_pool3d_with_indices_out_cpu_template()",
                        SHP(0, x->ndim, x->shape), (long long)x->shape[i]);
    if (avg && (g->in[0] < g->k[0] || g->in[1] < g->k[1] || g->in[2] < g->k[2]))
      return ct__errs("input image (T: %lld H: %lld W: %lld) smaller than kernel size (kT: %lld "
                      "kH: %lld kW: %lld)", (long long)g->in[0], (long long)g->in[1],
                      (long long)g->in[2], (long long)g->k[0], (long long)g->k[1], (long long)g->k[2]);
  }
  if (g->out[0] < 1 || g->out[1] < 1 || g->out[2] < 1) {
    char a[128], b[128];
    return ct__errs("Given input size: %s. Calculated output size: %s. Output size is too small",
                    ct__pool_sizes_str(a, sizeof a, C, nsp, g->in + off),
                    ct__pool_sizes_str(b, sizeof b, C, nsp, g->out + off));
  }
  return 0;
}

int ct__pool_check_float(const char *kernel, const ct_tensor *x) {
  if (ct_dtype_is_floating(x->dtype)) return 0;
  return ct__errs("\"%s\" not implemented for '%s'", kernel, ct__dtype_short(x->dtype));
}

/* ---- F.max_unpool1d/2d/3d ------------------------------------------------------------------ */
/* y = unpool(x, ind): gx = gather(g, ind). saved: ind. */
static void max_unpool_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *ind = ct__saved(n, 0);
  if (ind) gi[0] = ct__pool_index_gather(g[0], ind, CT_ARGS(n, index_args)->nsp);
}

/* F._unpool_output_size: default (in - 1) * stride + kernel - 2 * pad per dim; a given
 * output_size of nsp or nsp + 2 entries must lie within [default - stride, default + stride] */
static int unpool_size(const ct_tensor *x, int nsp, const int64_t *k, const int64_t *s,
                       const int64_t *p, ct_ints os, int64_t *out) {
  int64_t def[3];
  for (int j = 0; j < nsp; j++) def[j] = (x->shape[x->ndim - nsp + j] - 1) * s[j] + k[j] - 2 * p[j];
  if (os.n == 0) {
    memcpy(out, def, sizeof def);
    return 0;
  }
  if (os.n == nsp + 2) memmove(os.v, os.v + 2, sizeof(int64_t) * (size_t)nsp);
  else if (os.n != nsp)
    return ct__errs("output_size should be a sequence containing %d or %d elements, but it has "
                    "a length of '%d'", nsp, nsp + 2, os.n);
  for (int j = 0; j < nsp; j++) {
    if (os.v[j] < def[j] - s[j] || os.v[j] > def[j] + s[j]) {
      char buf[96];
      int q = snprintf(buf, sizeof buf, "(");
      for (int i = 0; i < nsp; i++)
        q += snprintf(buf + q, sizeof buf - (size_t)q, "%s%lld", i ? ", " : "", (long long)os.v[i]);
      snprintf(buf + q, sizeof buf - (size_t)q, ")");
      return ct__errs("invalid output_size \"%s\" (dim %d must be between %lld and %lld)", buf, j,
                      (long long)(def[j] - s[j]), (long long)(def[j] + s[j]));
    }
    out[j] = os.v[j];
  }
  return 0;
}

/* x (N?, C, in...), ind (same shape, int64 flat indices into out...) -> y (N?, C, out...) */
static ct_tensor *max_unpool(int nsp, const ct_tensor *x, const ct_tensor *ind, int64_t *out) {
  if (ind->dtype != CT_INT64)
    return ct__err("elements in indices should be type int64 but got: %s", ct__dtype_short(ind->dtype));
  if (ind->ndim != x->ndim || memcmp(ind->shape, x->shape, sizeof(int64_t) * (size_t)x->ndim))
    return ct__err("Expected shape of indices to be same as that of the input tensor (%s) but "
                   "got indices tensor with shape: %s", SHP(0, x->ndim, x->shape),
                   SHP(1, ind->ndim, ind->shape));
  if (!ct_dtype_is_floating(x->dtype))
    return ct__err("\"max_unpool%dd\" not implemented for '%s'", nsp,
                   ct__dtype_short(x->dtype));
  for (int j = 0; j < nsp; j++)
    if (out[j] < 0) return ct__err("Trying to create tensor with negative dimension %lld",
                                   (long long)out[j]);
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, x->shape, sizeof shape);
  memcpy(shape + x->ndim - nsp, out, sizeof(int64_t) * (size_t)nsp);
  if (ct__check_shape(x->ndim, shape)) return NULL;
  int64_t n = ct__numel_of(nsp, out);
  CT_OP_BEGIN();
  ct_tensor *ic = ct__contig_as(ind, CT_INT64);
  if (!ic) return ct__op_end(NULL);
  const int64_t *ip = CT_PTR(ic, int64_t);
  for (int64_t i = 0, m = ct_numel(ic); i < m; i++)
    if (ip[i] < 0 || ip[i] >= n) {
      char sz[96];
      int q = 0;
      for (int j = 0; j < nsp; j++)
        q += snprintf(sz + q, sizeof sz - (size_t)q, "%s%lld", j ? "x" : "", (long long)out[j]);
      return ct__op_end(ct__err("Found an invalid max index: %lld (output volumes are of size %s",
                                (long long)ip[i], sz));
    }
  ct_tensor *y;
  CT_NO_GRAD { y = index_scatter(x, ic, x->ndim, shape, nsp, "", true); }
  ct_node *nd = y ? ct__node_new(nsp == 3 ? "MaxUnpool3DBackward0" : "MaxUnpool2DBackward0",
                                 max_unpool_backward, 1, (ct_tensor *const[]){(ct_tensor *)x}, 1)
                  : NULL;
  if (nd) {
    CT_NEW_ARGS(nd, index_args)->nsp = nsp;
    ct__save(nd, ic, false);
    ct__set_history(y, nd, 0);
  }
  return ct__op_end(y);
}

/* F.max_unpoolNd: kernel_size, stride (default kernel_size) and padding set the default
 * output size; the rank checks are the C++ kernels' */
static ct_tensor *unpool_nd(int nsp, const ct_tensor *x, const ct_tensor *ind, ct_ints kernel,
                            ct_max_unpool_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(unpool_nd(nsp, ct__f32(x), ind, kernel, o), h);
  if (!x || !ind) return NULL;
  static const int64_t zero[3] = {0, 0, 0};
  int64_t k[3], s[3], p[3], out[3] = {0, 0, 0};
  if (!ct__pool_ints(kernel, nsp, NULL, k) || !ct__pool_ints(o.stride, nsp, k, s) ||
      !ct__pool_ints(o.padding, nsp, zero, p))
    return ct__err("max_unpool%dd: kernel_size, stride and padding take 1 or %d values", nsp, nsp);
  if (nsp == 1) {
    if (x->ndim != 2 && x->ndim != 3)
      return ct__err("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor "
                     "with %d dimensions.", x->ndim + 1);
  } else if (nsp == 2 && x->ndim != 3 && x->ndim != 4)
    return ct__err("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
                   "%d dimensions.", x->ndim);
  else if (nsp == 3 && x->ndim != 4 && x->ndim != 5)
    return ct__err("Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
                   "%d dimensions.", x->ndim);
  if (unpool_size(x, nsp, k, s, p, o.output_size, out)) return NULL;
  if (nsp != 1) return max_unpool(nsp, x, ind, out);
  /* PyTorch 1.13: max_unpool2d(x.unsqueeze(-1), ind.unsqueeze(-1), out + [1]).squeeze(-1) */
  CT_OP_BEGIN();
  ct_tensor *xu = ct_unsqueeze(x, -1), *iu = ct_unsqueeze(ind, -1);
  ct_tensor *y = xu && iu ? max_unpool(2, xu, iu, (int64_t[]){out[0], 1}) : NULL;
  return ct__op_end(y ? ct_squeeze_dim(y, -1) : NULL);
}

ct_tensor *ct_max_unpool1d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o) {
  return unpool_nd(1, x, indices, kernel_size, o);
}
ct_tensor *ct_max_unpool2d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o) {
  return unpool_nd(2, x, indices, kernel_size, o);
}
ct_tensor *ct_max_unpool3d_ex(const ct_tensor *x, const ct_tensor *indices, ct_ints kernel_size,
                              ct_max_unpool_opts o) {
  return unpool_nd(3, x, indices, kernel_size, o);
}
