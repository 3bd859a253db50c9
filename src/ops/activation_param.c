/* The activations with a tensor or random argument: rrelu (random slopes in training, as
 * PyTorch's rrelu_with_noise draws them), prelu (a learned slope per channel) and glu (gated
 * halves). Each is a node under PyTorch 1.13's grad_fn name whose backward is written with
 * differentiable ops (double backward works); the forwards compose existing kernels under
 * no-grad where that is exact. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") /* rrelu's draws round as PyTorch's unfused a * b + c */
#endif
#include "../internal.h"
#include "ctorch/functional.h"

/* ---- rrelu ----------------------------------------------------------------------------------- */
typedef struct {
  double lower, upper;
  bool training, result; /* result: the node saved the output (rrelu_, RreluWithNoiseBackward1) */
} rrelu_args;
CT_ARGS_TYPE(rrelu_args, NULL);

/* out = x > 0 ? x : r x, r ~ U(lower, upper) per element in training, (lower + upper) / 2
 * otherwise; saved: x (or out), noise (r or 1, training only).
 * gx = training && upper - lower > 1e-6 ? g * noise : leaky_relu_backward(g, x, slope) */
static void rrelu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  const rrelu_args *a = CT_ARGS(n, rrelu_args);
  if (a->training && a->upper - a->lower > 1e-6) {
    gi[0] = ct_mul(g[0], ct__saved(n, 1));
    return;
  }
  double slope = (a->lower + a->upper) / 2;
  gi[0] = ct_where(ct_gt_scalar(ct__saved(n, 0), 0), g[0], ct_mul_scalar(g[0], slope));
}

/* x (contiguous, n) -> out (n), noise (n): _rrelu_with_noise_train's loop, one
 * uniform_real_distribution<double>(lower, upper) draw per non-positive element */
#define RRELU_TRAIN(T, tn)                                                                      \
  static void rrelu_train_##tn(ct_generator *gen, const T *x, T *out, T *noise, int64_t n,      \
                               double lower_, double upper_) {                                  \
    double lower = (T)lower_, upper = (T)upper_; /* Scalar.to<scalar_t>() first */             \
    for (int64_t i = 0; i < n; i++) {                                                           \
      if (x[i] <= 0) {                                                                          \
        double u = (double)(ct__gen_u64(gen) & ((1ull << 53) - 1)) * (1.0 / (1ull << 53));     \
        T r = (T)(u * (upper - lower) + lower);                                                 \
        out[i] = x[i] * r;                                                                      \
        noise[i] = r;                                                                           \
      } else {                                                                                  \
        noise[i] = 1;                                                                           \
        out[i] = x[i];                                                                          \
      }                                                                                         \
    }                                                                                           \
  }
RRELU_TRAIN(float, f32)
RRELU_TRAIN(double, f64)

static ct_tensor *rrelu_impl(const ct_tensor *t, ct_rrelu_opts o, bool result) {
  ct_dtype h = ct__half_enter(t, NULL, NULL);
  if ((int)h >= 0) return ct__half_end(rrelu_impl(ct__f32(t), o, result), h);
  if (!t) return NULL;
  if (!(o.lower <= o.upper))
    return ct__err("Lower bound should be less than or equal to the upper bound");
  if (!o.training) {
    bool prev = ct_set_grad_enabled(false); /* the kernel alone; the node is rrelu's */
    ct_tensor *out = ct_leaky_relu(t, .negative_slope = (o.lower + o.upper) / 2);
    ct_set_grad_enabled(prev);
    if (!out || !ct_dtype_is_floating(out->dtype)) return out;
    ct_node *n = ct__node_new(result ? "RreluWithNoiseBackward1" : "RreluWithNoiseBackward0",
                              rrelu_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
    if (n) {
      *CT_NEW_ARGS(n, rrelu_args) = (rrelu_args){o.lower, o.upper, false, result};
      ct__save(n, result ? out : t, result);
      ct__set_history(out, n, 0);
    }
    return out;
  }
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"rrelu_with_noise_out_cpu\" not implemented for '%s'",
                   ct__dtype_short(t->dtype));
  ct_generator *gen = o.generator ? o.generator : ct__default_generator();
  CT_OP_BEGIN();
  ct_tensor *x = ct_contiguous(t);
  ct_tensor *out = x ? ct__empty(t->dtype, t->ndim, t->shape) : NULL;
  ct_tensor *noise = out ? ct__empty(t->dtype, t->ndim, t->shape) : NULL;
  if (!noise) return ct__op_end(NULL);
  if (t->dtype == CT_FLOAT32)
    rrelu_train_f32(gen, CT_PTR(x, float), CT_PTR(out, float), CT_PTR(noise, float),
                    ct_numel(x), o.lower, o.upper);
  else
    rrelu_train_f64(gen, CT_PTR(x, double), CT_PTR(out, double), CT_PTR(noise, double),
                    ct_numel(x), o.lower, o.upper);
  ct_node *n = ct__node_new(result ? "RreluWithNoiseBackward1" : "RreluWithNoiseBackward0",
                            rrelu_backward, 1, (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    *CT_NEW_ARGS(n, rrelu_args) = (rrelu_args){o.lower, o.upper, true, result};
    ct__save(n, result ? out : t, result);
    ct__save(n, noise, false);
    ct__set_history(out, n, 0);
  }
  return ct__op_end(out);
}

ct_tensor *ct_rrelu_ex(const ct_tensor *t, ct_rrelu_opts o) { return rrelu_impl(t, o, false); }

static ct_tensor *rrelu_call(const ct_tensor *t, const void *arg) {
  return rrelu_impl(t, *(const ct_rrelu_opts *)arg, true);
}
ct_tensor *ct_rrelu__ex(ct_tensor *t, ct_rrelu_opts o) {
  if (!t) return NULL;
  if (!(o.lower <= o.upper))
    return ct__err("Lower bound should be less than or equal to the upper bound");
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"%s\" not implemented for '%s'",
                   o.training ? "rrelu_with_noise_out_cpu" : "leaky_relu_cpu",
                   ct__dtype_short(t->dtype));
  /* the draws are made once, out of place, and copied in */
  return ct__inplace(t, &(ct_inplace_spec){.name = "rrelu_with_noise_out_cpu",
                                           .result_type = t->dtype, .call = rrelu_call,
                                           .arg = &o});
}

/* ---- prelu ----------------------------------------------------------------------------------- */
/* The weight as it multiplies x: (C) -> (C, 1, ..., 1) against x's dim 1 when it has C > 1
 * entries; a single weight broadcasts as it is. */
static ct_tensor *prelu_weight(const ct_tensor *x, const ct_tensor *w) {
  if (x->ndim == 0) return ct_reshape(w, 0, NULL); /* a 0-dim input stays 0-dim */
  if (ct_numel(w) == 1 || x->ndim < 2) return (ct_tensor *)w;
  int64_t shape[CT_MAX_DIMS];
  shape[0] = ct_numel(w);
  for (int i = 1; i < x->ndim - 1; i++) shape[i] = 1;
  return ct_reshape(w, x->ndim - 1, shape);
}

/* out = x > 0 ? x : w x (w per channel); saved: x, w.
 *   gx = x > 0 ? g : w g;  gw = sum over all but the channel dim of (x > 0 ? 0 : x g) */
static void prelu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = ct__saved(n, 0), *w = ct__saved(n, 1);
  if (!x || !w) return;
  ct_tensor *pos = ct_gt_scalar(x, 0), *wb = prelu_weight(x, w);
  if (ct__needs_grad(n, 0)) gi[0] = ct_where(pos, g[0], ct_mul(wb, g[0]));
  if (!ct__needs_grad(n, 1)) return;
  ct_tensor *gwx = ct_where(pos, ct_scalar_tensor(0, g[0]->dtype), ct_mul(x, g[0]));
  if (ct_numel(w) == 1 || x->ndim < 2) {
    gi[1] = ct_reshape(ct_sum(gwx), w->ndim, w->shape);
    return;
  }
  ct_dims d = {.n = 0};
  for (int i = 0; i < x->ndim; i++)
    if (i != 1) d.d[d.n++] = i;
  gi[1] = ct_reshape(ct_sum(gwx, .dim = d), w->ndim, w->shape);
}

ct_tensor *ct_prelu(const ct_tensor *t, const ct_tensor *weight) {
  if (!t || !weight) return NULL;
  if (weight->ndim > 1)
    return ct__err("prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = %d",
                   weight->ndim);
  int64_t channels = t->ndim >= 2 ? t->shape[1] : 1, nw = ct_numel(weight);
  if (nw != 1 && nw != channels)
    return ct__err("Mismatch of parameter numbers and input channel size. Found parameter "
                   "numbers = %lld and channel size = %lld.", (long long)nw, (long long)channels);
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"prelu_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  if (weight->dtype != t->dtype)
    return ct__err("expected scalar type %s but found %s", ct_dtype_name(t->dtype),
                   ct_dtype_name(weight->dtype));
  CT_OP_BEGIN();
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *wb = prelu_weight(t, weight);
  ct_tensor *out = wb ? ct_where(ct_gt_scalar(t, 0), t, ct_mul(wb, t)) : NULL;
  ct_set_grad_enabled(prev);
  if (!out) return ct__op_end(NULL);
  ct_node *n = ct__node_new("PreluBackward0", prelu_backward, 2,
                            (ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)weight}, 1);
  if (n) {
    ct__save(n, t, false);
    ct__save(n, weight, false);
    ct__set_history(out, n, 0);
  }
  return ct__op_end(out);
}

/* ---- glu ------------------------------------------------------------------------------------- */
typedef struct {
  int64_t dim;
} glu_args;
CT_ARGS_TYPE(glu_args, NULL);

/* out = a sigmoid(b), (a, b) the halves of x along dim; saved: x.
 *   ga = g sigmoid(b), gb = g a sigmoid(b) (1 - sigmoid(b)), gx = cat(ga, gb) */
static void glu_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t d = CT_ARGS(n, glu_args)->dim;
  ct_tensor *x = ct__saved(n, 0);
  if (!x) return;
  int64_t h = x->shape[d] / 2;
  ct_tensor *a = ct_narrow(x, d, 0, h), *s = ct_sigmoid(ct_narrow(x, d, h, h));
  ct_tensor *ga = ct_mul(g[0], s);
  ct_tensor *gb = ct_mul(ct_mul(ga, a), ct_rsub_scalar(s, 1));
  gi[0] = ct_cat((ct_tensor *const[]){ga, gb}, 2, d);
}

ct_tensor *ct_glu(const ct_tensor *t, int64_t dim) {
  if (!t) return NULL;
  if (t->ndim == 0)
    return ct__err("glu does not support scalars because halving size must be even");
  int64_t d = ct__wrap_dim(dim, t->ndim);
  if (d < 0) return NULL;
  if (t->shape[d] % 2)
    return ct__err("Halving dimension must be even, but dimension %lld is size %lld",
                   (long long)d, (long long)t->shape[d]);
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"glu_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  int64_t h = t->shape[d] / 2;
  CT_OP_BEGIN();
  bool prev = ct_set_grad_enabled(false);
  ct_tensor *out = ct_mul(ct_narrow(t, d, 0, h), ct_sigmoid(ct_narrow(t, d, h, h)));
  ct_set_grad_enabled(prev);
  if (!out) return ct__op_end(NULL);
  ct_node *n = ct__node_new("GluBackward0", glu_backward, 1,
                            (ct_tensor *const[]){(ct_tensor *)t}, 1);
  if (n) {
    CT_NEW_ARGS(n, glu_args)->dim = d;
    ct__save(n, t, false);
    ct__set_history(out, n, 0);
  }
  return ct__op_end(out);
}

/* ---- gumbel_softmax -------------------------------------------------------------------------- */
/* empty_like(t).exponential_(): one 53-bit uniform u per element, in order, and -log(1 - u) in
 * double cast to t's dtype, as PyTorch 1.13's CPU exponential kernel draws them */
static ct_tensor *exponential_like(const ct_tensor *t, ct_generator *gen) {
  ct_tensor *e = ct__empty(t->dtype, t->ndim, t->shape);
  if (!e) return NULL;
  int64_t n = ct_numel(e);
  for (int64_t i = 0; i < n; i++) {
    double u = (double)(ct__gen_u64(gen) & ((1ull << 53) - 1)) * (1.0 / (1ull << 53));
    double v = -1.0 * log(1.0 - u);
    if (t->dtype == CT_FLOAT32) CT_PTR(e, float)[i] = (float)v;
    else if (t->dtype == CT_FLOAT64) CT_PTR(e, double)[i] = v;
    else ct__store(ct__ptr(e) + i * (int64_t)ct_dtype_size(t->dtype), t->dtype, v); /* 16-bit */
  }
  return e;
}

/* y = softmax((logits - log(E)) / tau, dim), E ~ Exp(1); hard: one_hot(argmax y) - y.detach()
 * + y, the straight-through estimator, as torch.nn.functional.gumbel_softmax writes it */
ct_tensor *ct_gumbel_softmax_ex(const ct_tensor *logits, ct_gumbel_softmax_opts o) {
  if (!logits) return NULL;
  if (!ct_dtype_is_floating(logits->dtype))
    return ct__err("\"exponential_cpu\" not implemented for '%s'", ct__dtype_short(logits->dtype));
  if (logits->ndim && ct__wrap_dim(o.dim, logits->ndim) < 0) return NULL;
  ct_generator *gen = o.generator ? o.generator : ct__default_generator();
  CT_OP_BEGIN();
  ct_tensor *e = exponential_like(logits, gen);
  ct_tensor *gumbels = e ? ct_div_scalar(ct_add(logits, ct_neg(ct_log(e))), o.tau) : NULL;
  ct_tensor *y = ct_softmax(gumbels, o.dim);
  if (!o.hard || !y) return ct__op_end(y);
  ct_tensor *index = ct_max_dim(y, o.dim, true).indices;
  ct_tensor *y_hard = index ? ct_scatter_value(ct_zeros_like(logits), o.dim, index, 1.0) : NULL;
  return ct__op_end(ct_add(ct_sub(y_hard, ct_detach(y)), y));
}
