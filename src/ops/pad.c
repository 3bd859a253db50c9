/* F.pad: constant (negative pads crop), reflect, replicate, circular, with PyTorch 1.13's
 * rules and errors. The non-constant modes are index maps: each padded dim gathers its
 * output positions from input positions, so one index_select per dim does the work and
 * its backward (a scatter-add, itself differentiable) gives every mode's gradient. */
#include "../internal.h"


typedef struct {
  int npad;
  int64_t pad[]; /* npad */
} constant_pad_args;
CT_ARGS_TYPE(constant_pad_args, NULL);

/* *o = s + l + r for dim d; -1 + error when that overflows (pads of +-2^62) */
static int padded_size(int64_t s, int64_t l, int64_t r, int d, int64_t *o) {
  if (!__builtin_add_overflow(s, l, o) && !__builtin_add_overflow(*o, r, o)) return 0;
  return ct__errs("The input size %lld, plus padding %lld and %lld overflows int64. Check "
                  "dimension %d of your input.", (long long)s, (long long)l, (long long)r, d);
}

/* out = pad(x, p, value): gx = pad(g, -p) (cropping undoes padding and vice versa) */
static void constant_pad_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const constant_pad_args *a = CT_ARGS(n, constant_pad_args);
  int np = a->npad;
  int64_t neg[2 * CT_MAX_DIMS];
  for (int k = 0; k < np; k++) neg[k] = -a->pad[k];
  gi[0] = ct_pad(g[0], np, neg, CT_PAD_CONSTANT, 0);
}

/* PyTorch crops with narrow (left, then right) before padding: a crop past the input fails
 * there, even when the pads on the other side make the output size valid. */
static int check_crop(int64_t size, int64_t l, int64_t r) {
  int64_t cur = size;
  if (l < 0) {
    if (l < -size) /* -l overflows for INT64_MIN: print it unsigned */
      return ct__errs("start out of range (expected to be in range of [%lld, %lld], but got %llu)",
                      (long long)-size, (long long)size, 0 - (unsigned long long)l);
    cur += l;
  }
  if (r < 0 && r < -cur)
    return ct__errs("start (0) + length (%lld) exceeds dimension size (%lld).",
                    (long long)(cur + r), (long long)cur);
  return 0;
}

/* x (..., s_i) -> (..., s_i + l_i + r_i) filled with value outside x */
static ct_tensor *constant_pad(const ct_tensor *t, int npad, const int64_t *pad, double value) {
  int nd = t->ndim;
  int64_t oshape[CT_MAX_DIMS], xs[CT_MAX_DIMS], os[CT_MAX_DIMS], len[CT_MAX_DIMS];
  memcpy(oshape, t->shape, sizeof oshape);
  for (int i = 0; i < nd; i++) xs[i] = os[i] = 0, len[i] = t->shape[i];
  for (int j = 0; j < npad / 2; j++) {
    int d = nd - 1 - j;
    int64_t l = pad[2 * j], r = pad[2 * j + 1], size = t->shape[d];
    if (padded_size(size, l, r, d, &oshape[d])) return NULL;
    if (oshape[d] < 0)
      return ct__err("The input size %lld, plus negative padding %lld and %lld resulted in a "
                     "negative output size, which is invalid. Check dimension %d of your input.",
                     (long long)size, (long long)l, (long long)r, d);
    if (check_crop(size, l, r)) return NULL;
    xs[d] = l < 0 ? -l : 0;
    os[d] = l > 0 ? l : 0;
    len[d] = size - xs[d] - (r < 0 ? -r : 0);
  }
  ct_tensor *out = ct_full_ex(nd, oshape, value, CT_TENSOR_OPTS(.dtype = t->dtype));
  if (!out) return NULL;
  bool any = true;
  int64_t xoff = t->offset, ooff = 0;
  for (int i = 0; i < nd; i++) {
    any &= len[i] > 0;
    xoff += xs[i] * t->strides[i];
    ooff += os[i] * out->strides[i];
  }
  if (any) {
    CT_OP_BEGIN();
    ct_tensor *src = ct__make_view(t, nd, len, t->strides, xoff);
    ct_tensor *dst = ct__make_view(out, nd, len, out->strides, ooff);
    if (src && dst) ct__copy_into(dst, src);
    ct_scope_end();
  }
  if (ct_dtype_is_floating(t->dtype)) {
    ct_node *n = ct__node_new("ConstantPadNdBackward0", constant_pad_backward, 1,
                              (ct_tensor *const[]){(ct_tensor *)t}, 1);
    constant_pad_args *a = ct__node_new_args(n, &constant_pad_args_type,
                                             sizeof(int64_t) * (size_t)npad);
    if (n && !a) {
      ct__node_abandon(n);
      return NULL;
    }
    if (n) {
      a->npad = npad;
      memcpy(a->pad, pad, sizeof(int64_t) * (size_t)npad);
      ct__set_history(out, n, 0);
    }
  }
  return out;
}

/* Input position for output position o of a dim of size s padded by l on the left. */
static int64_t source_of(ct_pad_mode mode, int64_t o, int64_t l, int64_t s) {
  int64_t i = o - l;
  switch (mode) {
    case CT_PAD_REFLECT:
      if (i < 0) i = -i;
      if (i >= s) i = 2 * (s - 1) - i;
      return i;
    case CT_PAD_REPLICATE: return i < 0 ? 0 : i >= s ? s - 1 : i;
    default: return ((i % s) + s) % s;
  }
}

static const char *const g_mode_names[] = {"constant", "reflect", "replicate", "circular"};

/* PyTorch 1.13's checks for reflect / replicate / circular; 0 or -1. */
static int check_index_pad(const ct_tensor *t, int npad, const int64_t *pad, ct_pad_mode mode) {
  int P = npad / 2, nd = t->ndim;
  if (P < 1 || P > 3 || (nd != P + 1 && nd != P + 2))
    return ct__errs("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  if (mode == CT_PAD_CIRCULAR && nd != P + 2)
    return ct__errs("Invalid padding size, expected %d but got %d", 2 * (nd - 2), npad);
  for (int i = nd == P + 2 ? 1 : 0; i < nd; i++) /* every dim but the batch dim */
    if (t->shape[i] == 0)
      return ct__errs("Expected %dD or %dD (batch mode) tensor with possibly 0 batch size and "
                      "other non-zero dimensions for input, but got: %s", P + 1, P + 2,
                      SHP(0, nd, t->shape));
  static const char dimc[] = {'W', 'H', 'D'};
  for (int j = 0; j < P; j++) {
    int d = nd - 1 - j;
    int64_t l = pad[2 * j], r = pad[2 * j + 1], s = t->shape[d];
    if (mode == CT_PAD_REFLECT && (l >= s || r >= s)) {
      char in[256];
      if (P == 2) snprintf(in, sizeof in, "%d", nd);
      else ct__shape_str(nd, t->shape, in, sizeof in);
      return ct__errs("Argument #%d: Padding size should be less than the corresponding input "
                      "dimension, but got: padding (%lld, %lld) at dimension %d of input %s",
                      4 + 2 * j, (long long)l, (long long)r, d, in);
    }
    if (mode == CT_PAD_CIRCULAR && (l > s || r > s))
      return ct__errs("Padding value causes wrapping around more than once.");
    int64_t o;
    if (padded_size(s, l, r, d, &o)) return -1;
    if (o < (P == 1 && mode != CT_PAD_CIRCULAR ? 1 : 0))
      return ct__errs("input (%c: %lld) is too small. Calculated output %c: %lld", dimc[j],
                      (long long)s, dimc[j], (long long)o);
  }
  return 0;
}

/* x (N?, C, [D, H,] W) -> padded by index maps along the last npad/2 dims */
static ct_tensor *index_pad(const ct_tensor *t, int npad, const int64_t *pad, ct_pad_mode mode) {
  if (check_index_pad(t, npad, pad, mode)) return NULL;
  CT_OP_BEGIN();
  const ct_tensor *cur = t;
  for (int j = 0; j < npad / 2 && cur; j++) {
    int d = t->ndim - 1 - j;
    int64_t l = pad[2 * j], s = t->shape[d], o = s + l + pad[2 * j + 1]; /* checked: no overflow */
    ct_tensor *map = ct__empty(CT_INT64, 1, (int64_t[]){o});
    if (!map) return ct__op_end(NULL);
    int64_t *mp = CT_PTR(map, int64_t);
    for (int64_t k = 0; k < o; k++) mp[k] = source_of(mode, k, l, s);
    cur = ct_index_select(cur, d, map);
  }
  ct_tensor *out = (ct_tensor *)cur;
  if (out == t) out = ct_clone(t); /* all pads zero: still a new tensor */
  if (out && out->grad_fn) {
    /* the chain of IndexSelectBackward0 nodes is the gradient; the top one shows PyTorch's name */
    static const char *const names[2][3] = {
        {"ReflectionPad1DBackward0", "ReflectionPad2DBackward0", "ReflectionPad3DBackward0"},
        {"ReplicationPad1DBackward0", "ReplicationPad2DBackward0", "ReplicationPad3DBackward0"}};
    ct__set_grad_fn_name(out, mode == CT_PAD_CIRCULAR ? "CopySlices"
                                                      : names[mode == CT_PAD_REPLICATE][npad / 2 - 1]);
  }
  return ct__op_end(out);
}

ct_tensor *ct_pad(const ct_tensor *t, int npad, const int64_t *pad, ct_pad_mode mode,
                  double value) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(ct_pad(ct__f32(t), npad, pad, mode, value), h);
  if (!t) return NULL;
  if (npad < 0 || (npad > 0 && !pad)) return ct__err("pad: NULL padding");
  if (npad % 2) return ct__err("Padding length must be divisible by 2");
  if (npad / 2 > t->ndim) return ct__err("Padding length too large");
  if ((int)mode < 0 || mode > CT_PAD_CIRCULAR) return ct__err("pad: invalid mode %d", (int)mode);
  if (mode == CT_PAD_CONSTANT) return constant_pad(t, npad, pad, value);
  if (value != 0)
    return ct__err("Padding mode \"%s\" doesn't take in value argument", g_mode_names[mode]);
  return index_pad(t, npad, pad, mode);
}
