/* F.pixel_shuffle, F.pixel_unshuffle and F.channel_shuffle: pure reorderings of the channel and
 * spatial dims. pixel_shuffle and pixel_unshuffle are nodes under PyTorch's grad_fn names whose
 * backward is the other one (so double backward works); channel_shuffle composes a view, a
 * transpose and a reshape (PyTorch 1.13 has no derivative for it at all). */
#include "../internal.h"
#include "ctorch/functional.h"

typedef struct {
  int64_t factor;
} shuffle_args;
CT_ARGS_TYPE(shuffle_args, NULL);

/* The leading dims of t folded into one: *b = prod(shape[:-3]) */
static int64_t lead(const ct_tensor *t) {
  int64_t b = 1;
  for (int i = 0; i < t->ndim - 3; i++) b *= t->shape[i];
  return b;
}

/* (*, C r^2, H, W) -> (*, C, H r, W r): view (B, C, r, r, H, W), permute (B, C, H, r, W, r) */
static ct_tensor *shuffle_raw(const ct_tensor *t, int64_t r) {
  int nd = t->ndim;
  int64_t c = t->shape[nd - 3] / (r * r), h = t->shape[nd - 2], w = t->shape[nd - 1];
  ct_tensor *v = ct_reshape(t, 6, (int64_t[]){lead(t), c, r, r, h, w});
  ct_tensor *p = ct_permute(v, 6, (int64_t[]){0, 1, 4, 2, 5, 3});
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, t->shape, sizeof(int64_t) * (size_t)nd);
  shape[nd - 3] = c, shape[nd - 2] = h * r, shape[nd - 1] = w * r;
  return ct_contiguous(ct_reshape(p, nd, shape));
}

/* (*, C, H r, W r) -> (*, C r^2, H, W): view (B, C, H, r, W, r), permute (B, C, r, r, H, W) */
static ct_tensor *unshuffle_raw(const ct_tensor *t, int64_t r) {
  int nd = t->ndim;
  int64_t c = t->shape[nd - 3], h = t->shape[nd - 2] / r, w = t->shape[nd - 1] / r;
  ct_tensor *v = ct_reshape(t, 6, (int64_t[]){lead(t), c, h, r, w, r});
  ct_tensor *p = ct_permute(v, 6, (int64_t[]){0, 1, 3, 5, 2, 4});
  int64_t shape[CT_MAX_DIMS];
  memcpy(shape, t->shape, sizeof(int64_t) * (size_t)nd);
  shape[nd - 3] = c * r * r, shape[nd - 2] = h, shape[nd - 1] = w;
  return ct_contiguous(ct_reshape(p, nd, shape));
}

/* out = pixel_shuffle(x, r): gx = pixel_unshuffle(g, r) */
static void pixel_shuffle_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_pixel_unshuffle(g[0], CT_ARGS(n, shuffle_args)->factor);
}
/* out = pixel_unshuffle(x, r): gx = pixel_shuffle(g, r) */
static void pixel_unshuffle_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_pixel_shuffle(g[0], CT_ARGS(n, shuffle_args)->factor);
}

/* the reordering under no-grad, then one node */
static ct_tensor *shuffle_node(const ct_tensor *t, int64_t r, bool up) {
  CT_OP_BEGIN();
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *out = up ? shuffle_raw(t, r) : unshuffle_raw(t, r);
  ct_set_grad_enabled(prev);
  /* a fresh tensor even when the reordering was the identity (r == 1) */
  if (out == t || (out && out->storage == t->storage)) out = ct_clone(out);
  if (!out) return ct__op_end(NULL);
  ct_node *n = ct__node_new(up ? "PixelShuffleBackward0" : "PixelUnshuffleBackward0",
                            up ? pixel_shuffle_backward : pixel_unshuffle_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    CT_NEW_ARGS(n, shuffle_args)->factor = r;
    ct__set_history(out, n, 0);
  }
  return ct__op_end(out);
}

/* The checks pixel_shuffle and pixel_unshuffle share: 3 dims at least, a positive factor. */
static int shuffle_check(const ct_tensor *t, const char *op, const char *factor, int64_t r) {
  if (t->ndim < 3)
    return ct__errs("%s expects input to have at least 3 dimensions, but got input with %d "
                    "dimension(s)", op, t->ndim);
  if (r <= 0)
    return ct__errs("%s expects a positive %s, but got %lld", op, factor, (long long)r);
  return 0;
}

ct_tensor *ct_pixel_shuffle(const ct_tensor *t, int64_t upscale_factor) {
  if (!t) return NULL;
  int64_t r = upscale_factor;
  if (shuffle_check(t, "pixel_shuffle", "upscale_factor", r)) return NULL;
  int64_t c = t->shape[t->ndim - 3], r2, hr, wr;
  /* r^2 beyond int64 wraps as PyTorch's int64 product does (no channel count divides it) */
  bool big = __builtin_mul_overflow(r, r, &r2);
  if (big || c % r2)
    return ct__err("pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                   "square of upscale_factor, but input.size(-3)=%lld is not divisible by %lld",
                   (long long)c, (long long)r2);
  if (__builtin_mul_overflow(t->shape[t->ndim - 2], r, &hr) ||
      __builtin_mul_overflow(t->shape[t->ndim - 1], r, &wr))
    return ct__err("pixel_shuffle: upscale_factor %lld makes the output size overflow",
                   (long long)r);
  return shuffle_node(t, r, true);
}

ct_tensor *ct_pixel_unshuffle(const ct_tensor *t, int64_t downscale_factor) {
  if (!t) return NULL;
  int64_t r = downscale_factor;
  if (shuffle_check(t, "pixel_unshuffle", "downscale_factor", r)) return NULL;
  int64_t h = t->shape[t->ndim - 2], w = t->shape[t->ndim - 1], cr;
  if (h % r)
    return ct__err("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                   "input.size(-2)=%lld is not divisible by %lld", (long long)h, (long long)r);
  if (w % r)
    return ct__err("pixel_unshuffle expects width to be divisible by downscale_factor, but "
                   "input.size(-1)=%lld is not divisible by %lld", (long long)w, (long long)r);
  if (__builtin_mul_overflow(t->shape[t->ndim - 3], r, &cr) || __builtin_mul_overflow(cr, r, &cr))
    return ct__err("pixel_unshuffle: downscale_factor %lld makes the output size overflow",
                   (long long)r);
  return shuffle_node(t, r, false);
}

/* (N, C, *) -> view (N, g, C / g, *) -> transpose(1, 2) -> (N, C, *) */
ct_tensor *ct_channel_shuffle(const ct_tensor *t, int64_t groups) {
  if (!t) return NULL;
  if (t->ndim <= 2) {
    char buf[256];
    return ct__err("channel_shuffle expects input with > 2 dims, but got input with sizes %s",
                   ct__shape_str(t->ndim, t->shape, buf, sizeof buf));
  }
  if (groups <= 0)
    return ct__err("Number of groups to divide channels in must be positive. Value of groups:%lld",
                   (long long)groups);
  int64_t c = t->shape[1];
  if (c % groups)
    return ct__err("Number of channels must be divisible by groups. Got %lld channels and %lld "
                   "groups.", (long long)c, (long long)groups);
  if (t->ndim + 1 > CT_MAX_DIMS) return ct__err("channel_shuffle: too many dimensions");
  int64_t shape[CT_MAX_DIMS];
  shape[0] = t->shape[0], shape[1] = groups, shape[2] = c / groups;
  memcpy(shape + 3, t->shape + 2, sizeof(int64_t) * (size_t)(t->ndim - 2));
  CT_OP_BEGIN();
  ct_tensor *v = ct_transpose(ct_reshape(t, t->ndim + 1, shape), 1, 2);
  return ct__op_end(ct_reshape(ct_contiguous(v), t->ndim, t->shape));
}
