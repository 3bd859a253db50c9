/* F.unfold (im2col) and F.fold (col2im), with PyTorch 1.13's checks, messages and grad_fn
 * names. Each is the other's adjoint: unfold's backward is fold of the gradient (recorded as
 * Col2ImBackward0 when differentiated again) and fold's is unfold (Im2ColBackward0), so
 * backward to any order works. */
#include "../internal.h"
#include "ctorch/functional.h"

/* image (planes, H, W) <-> columns (planes * kh * kw, OH * OW) */
typedef struct {
  int64_t k[2], d[2], p[2], s[2];
  int64_t in[2];  /* image size */
  int64_t out[2]; /* sliding blocks per dim */
  bool batched;   /* image 4-D / columns 3-D */
} fold_args;
CT_ARGS_TYPE(fold_args, NULL);

/* ---- kernels --------------------------------------------------------------------------- */
/* x (planes, H, W) -> col (planes, kh, kw, OH, OW): col = x[oh*s - p + ki*d, ...] or 0
 * outside. OpenMP across planes. */
#define IM2COL(T, NAME)                                                                        \
  static void NAME(const T *restrict x, T *restrict col, int64_t planes, const fold_args *a) { \
    const int64_t H = a->in[0], W = a->in[1], OH = a->out[0], OW = a->out[1];                \
    const int64_t kh = a->k[0], kw = a->k[1];                                                \
    _Pragma("omp parallel for if (planes > 1 && planes * kh * kw * OH * OW >= CT_GRAIN)")    \
    for (int64_t pl = 0; pl < planes; pl++) {                                                \
      const T *xp = x + pl * H * W;                                                          \
      for (int64_t ki = 0; ki < kh; ki++)                                                    \
        for (int64_t kj = 0; kj < kw; kj++) {                                                \
          T *c = col + ((pl * kh + ki) * kw + kj) * OH * OW;                                 \
          for (int64_t oh = 0; oh < OH; oh++) {                                              \
            const int64_t ih = oh * a->s[0] - a->p[0] + ki * a->d[0];                        \
            T *cr = c + oh * OW;                                                             \
            if (ih < 0 || ih >= H) {                                                         \
              memset(cr, 0, sizeof(T) * (size_t)OW);                                         \
              continue;                                                                      \
            }                                                                                \
            for (int64_t ow = 0; ow < OW; ow++) {                                            \
              const int64_t iw = ow * a->s[1] - a->p[1] + kj * a->d[1];                      \
              cr[ow] = iw >= 0 && iw < W ? xp[ih * W + iw] : 0;                              \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
    }                                                                                        \
  }
IM2COL(float, im2col_f32)
IM2COL(double, im2col_f64)

/* col (planes, kh, kw, OH, OW) -> x (planes, H, W), zeroed first: the adjoint, x[...] += col */
#define COL2IM(T, NAME)                                                                        \
  static void NAME(const T *restrict col, T *restrict x, int64_t planes, const fold_args *a) { \
    const int64_t H = a->in[0], W = a->in[1], OH = a->out[0], OW = a->out[1];                \
    const int64_t kh = a->k[0], kw = a->k[1];                                                \
    _Pragma("omp parallel for if (planes > 1 && planes * kh * kw * OH * OW >= CT_GRAIN)")    \
    for (int64_t pl = 0; pl < planes; pl++) {                                                \
      T *xp = x + pl * H * W;                                                                \
      memset(xp, 0, sizeof(T) * (size_t)(H * W));                                           \
      for (int64_t ki = 0; ki < kh; ki++)                                                    \
        for (int64_t kj = 0; kj < kw; kj++) {                                                \
          const T *c = col + ((pl * kh + ki) * kw + kj) * OH * OW;                           \
          for (int64_t oh = 0; oh < OH; oh++) {                                              \
            const int64_t ih = oh * a->s[0] - a->p[0] + ki * a->d[0];                        \
            if (ih < 0 || ih >= H) continue;                                                 \
            for (int64_t ow = 0; ow < OW; ow++) {                                            \
              const int64_t iw = ow * a->s[1] - a->p[1] + kj * a->d[1];                      \
              if (iw >= 0 && iw < W) xp[ih * W + iw] += c[oh * OW + ow];                     \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
    }                                                                                        \
  }
COL2IM(float, col2im_f32)
COL2IM(double, col2im_f64)

/* ---- the primitive pair ---------------------------------------------------------------- */
static ct_tensor *im2col(const ct_tensor *x, const fold_args *a);
static ct_tensor *col2im(const ct_tensor *col, const fold_args *a);

/* col = im2col(x): gx = col2im(g) */
static void im2col_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = col2im(g[0], CT_ARGS(n, fold_args));
}
/* x = col2im(col): gcol = im2col(g) */
static void col2im_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = im2col(g[0], CT_ARGS(n, fold_args));
}

static ct_tensor *record(ct_tensor *out, const ct_tensor *in, const fold_args *a, bool to_col) {
  ct_node *n = ct__node_new(to_col ? "Im2ColBackward0" : "Col2ImBackward0",
                            to_col ? im2col_backward : col2im_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)in}, 1);
  if (n) {
    *CT_NEW_ARGS(n, fold_args) = *a;
    ct__set_history(out, n, 0);
  }
  return out;
}

/* x (N?, C, H, W) -> (N?, C * kh * kw, OH * OW) */
static ct_tensor *im2col(const ct_tensor *x, const fold_args *a) {
  int b = a->batched;
  int64_t planes = b ? x->shape[0] * x->shape[1] : x->shape[0];
  int64_t shape[3] = {x->shape[0], x->shape[b] * a->k[0] * a->k[1], a->out[0] * a->out[1]};
  if (!b) shape[0] = shape[1], shape[1] = shape[2];
  if (ct__check_shape(2 + b, shape)) return NULL;
  CT_OP_BEGIN();
  ct_tensor *xc = ct__contig_as(x, x->dtype), *y = xc ? ct__empty(x->dtype, 2 + b, shape) : NULL;
  if (y && x->dtype == CT_FLOAT32) im2col_f32(CT_PTR(xc, float), CT_PTR(y, float), planes, a);
  else if (y) im2col_f64(CT_PTR(xc, double), CT_PTR(y, double), planes, a);
  return ct__op_end(y ? record(y, x, a, true) : NULL);
}

/* col (N?, C * kh * kw, L) -> (N?, C, H, W) */
static ct_tensor *col2im(const ct_tensor *col, const fold_args *a) {
  int b = a->batched;
  int64_t C = col->shape[b] / (a->k[0] * a->k[1]);
  int64_t planes = b ? col->shape[0] * C : C;
  int64_t shape[4] = {col->shape[0], C, a->in[0], a->in[1]};
  if (!b) shape[0] = C, shape[1] = a->in[0], shape[2] = a->in[1];
  CT_OP_BEGIN();
  ct_tensor *cc = ct__contig_as(col, col->dtype), *y = cc ? ct__empty(col->dtype, 3 + b, shape) : NULL;
  if (y && col->dtype == CT_FLOAT32) col2im_f32(CT_PTR(cc, float), CT_PTR(y, float), planes, a);
  else if (y) col2im_f64(CT_PTR(cc, double), CT_PTR(y, double), planes, a);
  return ct__op_end(y ? record(y, col, a, false) : NULL);
}

/* ---- checks ---------------------------------------------------------------------------- */
/* _pair(v): one value or two; def when omitted */
static int pair(const char *what, ct_ints v, int64_t def, int64_t *out) {
  if (v.n == 0) {
    out[0] = out[1] = def;
    return 0;
  }
  if (v.n > 2) return ct__errs("It is expected %s equals to 2, but got size %d", what, v.n);
  out[0] = v.v[0];
  out[1] = v.v[v.n - 1];
  return 0;
}

#define CT_FOLD_MAX ((int64_t)1 << 40)

static int err_stride(const fold_args *a) {
  return ct__errs("stride should be greater than zero, but got stride_height: %lld "
                  "stride_width: %lld", (long long)a->s[0], (long long)a->s[1]);
}

/* the checks common to im2col_shape_check and col2im_shape_check, in their order (im2col
 * checks dilation before padding and stride last; col2im stride second) */
static int check_geom(const fold_args *a, bool col2im_order) {
  if (a->k[0] <= 0 || a->k[1] <= 0)
    return ct__errs("kernel size should be greater than zero, but got kernel_height: %lld "
                    "kernel_width: %lld", (long long)a->k[0], (long long)a->k[1]);
  bool bad_s = a->s[0] <= 0 || a->s[1] <= 0;
  if (col2im_order && bad_s) return err_stride(a);
  if (a->d[0] <= 0 || a->d[1] <= 0)
    return ct__errs("dilation should be greater than zero, but got dilation_height: %lld "
                    "dilation_width: %lld", (long long)a->d[0], (long long)a->d[1]);
  if (a->p[0] < 0 || a->p[1] < 0)
    return ct__errs("padding should be non-negative, but got pad_height: %lld pad_width: %lld",
                    (long long)a->p[0], (long long)a->p[1]);
  if (bad_s) return err_stride(a);
  /* beyond any real image; keeps every index product below 2^43 (no int64 wrap) */
  for (int j = 0; j < 2; j++)
    if (a->k[j] > CT_FOLD_MAX || a->d[j] > CT_FOLD_MAX || a->p[j] > CT_FOLD_MAX ||
        a->s[j] > CT_FOLD_MAX || a->in[j] > CT_FOLD_MAX)
      return ct__errs("integer out of range");
  return 0;
}

/* div_rtn(size + 2p - (d (k - 1) + 1), s) + 1, saturating on hostile sizes */
static int64_t blocks(int64_t size, int64_t k, int64_t d, int64_t p, int64_t s) {
  __int128 span = (__int128)d * (k - 1) + 1, num = (__int128)size + 2 * (__int128)p - span;
  __int128 q = num / s;
  if (num % s != 0 && num < 0) q -= 1;
  q += 1;
  return q > INT64_MAX ? INT64_MAX : q < INT64_MIN ? INT64_MIN : (int64_t)q;
}

static int fold_opts(fold_args *a, ct_ints kernel, ct_fold_opts o) {
  return pair("kernel_size", kernel, 0, a->k) || pair("dilation", o.dilation, 1, a->d) ||
                 pair("padding", o.padding, 0, a->p) || pair("stride", o.stride, 1, a->s)
             ? -1
             : 0;
}

static int check_float(const char *kernel, const ct_tensor *x) {
  if (ct_dtype_is_floating(x->dtype)) return 0;
  return ct__errs("\"%s\" not implemented for '%s'", kernel, ct__dtype_short(x->dtype));
}

ct_tensor *ct_unfold_ex(const ct_tensor *x, ct_ints kernel_size, ct_fold_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_unfold_ex(ct__f32(x), kernel_size, o), h);
  if (!x) return NULL;
  fold_args a = {0};
  if (fold_opts(&a, kernel_size, o) || check_geom(&a, false)) return NULL;
  int nd = x->ndim;
  bool valid = nd >= 3 && nd <= 4 && x->shape[1] != 0 && x->shape[2] != 0;
  if (!((nd == 3 && x->shape[0] && valid) || (nd == 4 && valid && x->shape[3] != 0)))
    return ct__err("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
                   "non-zero dimensions for input, but got: %s", SHP(0, nd, x->shape));
  a.batched = nd == 4;
  a.in[0] = x->shape[nd - 2], a.in[1] = x->shape[nd - 1];
  for (int j = 0; j < 2; j++) a.out[j] = blocks(a.in[j], a.k[j], a.d[j], a.p[j], a.s[j]);
  if (a.out[0] < 1 || a.out[1] < 1) /* PyTorch prints the height twice */
    return ct__err("Given input with spatial size (%lld, %lld), kernel_size=(%lld, %lld), "
                   "dilation=(%lld, %lld), padding=(%lld, %lld), calculated shape of the array "
                   "of sliding blocks as (%lld, %lld), but its components must be at least one.",
                   (long long)a.in[0], (long long)a.in[0], (long long)a.k[0], (long long)a.k[1],
                   (long long)a.d[0], (long long)a.d[1], (long long)a.p[0], (long long)a.p[1],
                   (long long)a.out[0], (long long)a.out[1]);
  if (check_float("im2col_out_cpu", x)) return NULL;
  return im2col(x, &a);
}

ct_tensor *ct_fold_ex(const ct_tensor *x, ct_ints output_size, ct_ints kernel_size, ct_fold_opts o) {
  ct_dtype h = ct__half_enter(x, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_fold_ex(ct__f32(x), output_size, kernel_size, o), h);
  if (!x) return NULL;
  fold_args a = {0};
  if (pair("output_size", output_size, 0, a.in) || fold_opts(&a, kernel_size, o) ||
      check_geom(&a, true))
    return NULL;
  int nd = x->ndim;
  if (!((nd == 2 && x->shape[0] != 0 && x->shape[1] != 0) ||
        (nd == 3 && x->shape[1] != 0 && x->shape[2] != 0)))
    return ct__err("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
                   "and non-zero dimensions for input, but got: %s", SHP(0, nd, x->shape));
  a.batched = nd == 3;
  int64_t planes_k = x->shape[nd - 2], L = x->shape[nd - 1];
  if (planes_k % (a.k[0] * a.k[1]) != 0)
    return ct__err("Expected size of input's dimension 1 to be divisible by the product of "
                   "kernel_size, but got input.size(1)=%lld and kernel_size=(%lld, %lld).",
                   (long long)planes_k, (long long)a.k[0], (long long)a.k[1]);
  for (int j = 0; j < 2; j++) a.out[j] = blocks(a.in[j], a.k[j], a.d[j], a.p[j], a.s[j]);
  char geo[256];
  snprintf(geo, sizeof geo, "Given output_size=(%lld, %lld), kernel_size=(%lld, %lld), "
           "dilation=(%lld, %lld), padding=(%lld, %lld), stride=(%lld, %lld), ",
           (long long)a.in[0], (long long)a.in[1], (long long)a.k[0], (long long)a.k[1],
           (long long)a.d[0], (long long)a.d[1], (long long)a.p[0], (long long)a.p[1],
           (long long)a.s[0], (long long)a.s[1]);
  __int128 nb = (__int128)a.out[0] * a.out[1];
  if ((__int128)L != nb)
    return ct__err("%sexpected size of input's dimension 2 to match the calculated number of "
                   "sliding blocks %lld * %lld = %lld, but got input.size(2)=%lld.", geo,
                   (long long)a.out[0], (long long)a.out[1], (long long)nb, (long long)L);
  if (a.out[0] < 1 || a.out[1] < 1)
    return ct__err("%scalculated shape of the array of sliding blocks as (%lld, %lld), which is "
                   "too small (non-positive)", geo, (long long)a.out[0], (long long)a.out[1]);
  if (a.in[0] < 1 || a.in[1] < 1)
    return ct__err("Expected output spatial size to be positive, but got: output_size=(%lld, "
                   "%lld).", (long long)a.in[0], (long long)a.in[1]);
  int64_t shape[4] = {x->shape[0], planes_k / (a.k[0] * a.k[1]), a.in[0], a.in[1]};
  if (ct__check_shape(4, shape)) return NULL;
  if (check_float("col2im_out_cpu", x)) return NULL;
  return col2im(x, &a);
}
