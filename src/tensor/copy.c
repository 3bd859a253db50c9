/* Raw copies with dtype conversion and the broadcasting helpers. No autograd here: the
 * differentiable copy ops (clone, to, copy_, fill_ ...) are in src/ops/copy.c. */
#include "loops.h"

/* ---- cast loops: one per (to, from) pair, contiguous fast path ----------------------- */
#define CAST_ONE(TO_E, TT, tn, FROM_E, FT, fnm)                                         \
  static void cast_##fnm##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {      \
    (void)ctx;                                                                          \
    if (s[0] == sizeof(TT) && s[1] == sizeof(FT)) {                                     \
      TT *o = (TT *)d[0];                                                               \
      const FT *a = (const FT *)d[1];                                                   \
      for (int64_t i = 0; i < n; i++) o[i] = (TT)a[i];                                  \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) *(TT *)(d[0] + i * s[0]) = (TT) * (const FT *)(d[1] + i * s[1]); \
    }                                                                                   \
  }
/* Expand: for each destination type, define loops from every source type. */
#define DEF_FOR_TO(TE, TT, tn) CT_FOR_DTYPES2_WITH(CAST_ONE, TE, TT, tn, )
CT_FOR_DTYPES(DEF_FOR_TO)

#define CAST_ENTRY(tn, FE, FT, fnm) [FE] = cast_##fnm##_##tn,
#define ROW_FOR_TO(TE, TT, tn) [TE] = {CT_FOR_DTYPES2_WITH(CAST_ENTRY, tn, )},
/* cast_table[to][from] */
static const ct_loop_fn cast_table[CT_NUM_DTYPES][CT_NUM_DTYPES] = {CT_FOR_DTYPES(ROW_FOR_TO)};

/* ---- transposed layouts: dst (rows, cols) contiguous along cols, src contiguous along
 * rows. Walking dst in order reads src with a large stride and touches a new cache line per
 * element; 32 x 32 tiles keep the lines of a tile in cache while both sides are used. */
enum { TILE = 32 };
#define TILE_COPY(T, tn)                                                                   \
  static void tile_copy_##tn(char *dv, const char *sv, int64_t rows, int64_t cols,         \
                             int64_t drow, int64_t scol) {                                 \
    T *d = (T *)dv;                                                                        \
    const T *s = (const T *)sv;                                                            \
    for (int64_t j0 = 0; j0 < cols; j0 += TILE) {                                          \
      int64_t j1 = j0 + TILE < cols ? j0 + TILE : cols;                                    \
      for (int64_t i = 0; i < rows; i++)                                                   \
        for (int64_t j = j0; j < j1; j++) d[i * drow + j] = s[i + j * scol];               \
    }                                                                                      \
  }
TILE_COPY(uint8_t, 1)
TILE_COPY(uint16_t, 2)
#ifdef __AVX2__
#include <immintrin.h>
/* 4-byte elements: 8 x 8 blocks moved through registers (pure data movement, bits kept);
 * the edges that do not fill a block go through the scalar loop. */
static void tile_copy_4(char *dv, const char *sv, int64_t rows, int64_t cols, int64_t drow,
                        int64_t scol) {
  float *d = (float *)dv;
  const float *s = (const float *)sv;
  int64_t r8 = rows & ~(int64_t)7, c8 = cols & ~(int64_t)7;
  for (int64_t j = 0; j < c8; j += 8)
    for (int64_t i = 0; i < r8; i += 8) {
      __m256 r[8], t[8];
      for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(s + (j + k) * scol + i);
      for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
      }
      for (int k = 0; k < 8; k += 4) {
        r[k] = _mm256_shuffle_ps(t[k], t[k + 2], 0x44);
        r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], 0xEE);
        r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0x44);
        r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], 0xEE);
      }
      for (int k = 0; k < 4; k++) {
        _mm256_storeu_ps(d + (i + k) * drow + j, _mm256_permute2f128_ps(r[k], r[k + 4], 0x20));
        _mm256_storeu_ps(d + (i + k + 4) * drow + j, _mm256_permute2f128_ps(r[k], r[k + 4], 0x31));
      }
    }
  for (int64_t i = 0; i < rows; i++) /* the right edge, then the bottom edge */
    for (int64_t j = i < r8 ? c8 : 0; j < cols; j++) d[i * drow + j] = s[i + j * scol];
}
#else
TILE_COPY(uint32_t, 4)
#endif
TILE_COPY(uint64_t, 8)
typedef void (*tile_fn)(char *, const char *, int64_t, int64_t, int64_t, int64_t);

/* Same-dtype copy into a contiguous dst from a src whose unit-stride dim p is not the last:
 * a batch (the other dims) of (shape[p], shape[last]) transposes, done by tiles of TILE
 * rows. Returns false (nothing done) when the layout is not such. */
static bool copy_transposed(ct_tensor *dst, const ct_tensor *src) {
  int nd = dst->ndim, last = nd - 1, p = -1;
  if (nd < 2 || src->dtype != dst->dtype || !ct_is_contiguous(dst) || src->strides[last] == 1)
    return false;
  for (int i = 0; i < last; i++)
    if (src->strides[i] == 1 && dst->shape[i] > 1) p = i;
  if (p < 0 || dst->shape[p] < 2 * TILE || dst->shape[last] < 2 * TILE) return false;
  int64_t es = (int64_t)ct_dtype_size(dst->dtype);
  static const tile_fn fns[9] = {[1] = tile_copy_1, [2] = tile_copy_2, [4] = tile_copy_4,
                                 [8] = tile_copy_8};
  tile_fn fn = fns[es];
  int64_t rows = dst->shape[p], cols = dst->shape[last];
  int64_t nbatch = ct_numel(dst) / (rows * cols), rtiles = (rows + TILE - 1) / TILE;
  char *db = ct__ptr(dst), *sb = ct__ptr(src);
#pragma omp parallel for if (nbatch * rows * cols >= 2 * CT_GRAIN) schedule(static)
  for (int64_t w = 0; w < nbatch * rtiles; w++) {
    int64_t b = w / rtiles, r0 = (w % rtiles) * TILE, doff = 0, soff = 0;
    for (int i = last - 1; i >= 0; i--) /* b's position over the batch dims */
      if (i != p) {
        int64_t c = b % dst->shape[i];
        b /= dst->shape[i];
        doff += c * dst->strides[i];
        soff += c * src->strides[i];
      }
    int64_t r1 = r0 + TILE < rows ? r0 + TILE : rows;
    fn(db + (doff + r0 * dst->strides[p]) * es, sb + (soff + r0) * es, r1 - r0, cols,
       dst->strides[p], src->strides[last]);
  }
  return true;
}

void ct__copy_into(ct_tensor *dst, const ct_tensor *src) {
  ct_tensor *s = (ct_tensor *)src;
  bool tmp = false;
  if (src->ndim != dst->ndim || memcmp(src->shape, dst->shape, sizeof(int64_t) * (size_t)dst->ndim)) {
    CT_OP_BEGIN();
    s = ct__expand_raw(src, dst->ndim, dst->shape);
    tmp = true;
    if (!s) {
      ct_scope_end();
      return;
    }
  }
  ct_tensor *ops[2] = {dst, s};
  bool same16 = ct__is_half(s->dtype) && s->dtype == dst->dtype; /* copied as int16 bits */
  if ((ct__is_half(dst->dtype) || ct__is_half(s->dtype)) && !same16)
    ct__half_cast(dst, s); /* half.c: through float */
  else if (!copy_transposed(dst, s))
    ct__foreach(2, ops, same16 ? cast_table[CT_INT16][CT_INT16] : cast_table[dst->dtype][s->dtype], NULL);
  if (tmp) ct_scope_end();
}

int ct__broadcast_shape(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                        int64_t *out) {
  int n = na > nb ? na : nb;
  for (int i = n - 1; i >= 0; i--) { /* from the last dim, so the error names the one PyTorch does */
    int ia = na - n + i, ib = nb - n + i;
    int64_t sa = ia >= 0 ? a[ia] : 1, sb = ib >= 0 ? b[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1)
      return ct__errs("The size of tensor a (%lld) must match the size of tensor b (%lld) at "
                      "non-singleton dimension %d",
                      (long long)sa, (long long)sb, i);
    out[i] = sa == 1 ? sb : sa;
  }
  *nout = n;
  return 0;
}

ct_tensor *ct__expand_raw(const ct_tensor *t, int ndim, const int64_t *shape) {
  if (ndim < t->ndim) return ct__err("expand: target has fewer dims than the tensor");
  int64_t st[CT_MAX_DIMS];
  for (int i = 0; i < ndim; i++) {
    int j = t->ndim - ndim + i;
    if (j < 0) {
      st[i] = 0;
    } else if (t->shape[j] == shape[i]) {
      st[i] = t->strides[j];
    } else if (t->shape[j] == 1) {
      st[i] = 0;
    } else {
      return ct__err("The expanded size of the tensor (%lld) must match the existing size (%lld) "
                     "at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                     (long long)shape[i], (long long)t->shape[j], i,
                     ct__shape_str(ndim, shape, (char[256]){0}, 256),
                     ct__shape_str(t->ndim, t->shape, (char[256]){0}, 256));
    }
  }
  return ct__make_view(t, ndim, shape, st, t->offset);
}

ct_tensor *ct__contig_as(const ct_tensor *t, ct_dtype dt) {
  ct__check_live(t);
  if (ct__refuse_sparse("contiguous", t, NULL)) return NULL;
  if (t->dtype == dt && ct_is_contiguous(t)) {
    return ct__share(t);
  }
  ct_tensor *out = ct__empty(dt, t->ndim, t->shape);
  if (out) ct__copy_into(out, t);
  return out;
}
