/* Robustness sweep over tensor_ops.h, linalg.h and functional.h: every op given NULL, 0-dim, empty, non-contiguous inputs, every
 * dtype and out-of-range arguments must not crash, must not leak (live tensors/bytes are
 * compared around each call's scope), and where PyTorch 1.13 answers, must answer the same
 * (expected shapes, dtypes, values and messages come from /usr/bin/python3 + torch 1.13). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ctorch.h"
#include "ct_test.h"

/* ---- helpers (NULLCALL, NP, leak_begin/leak_end: ct_test.h) --------------------------- */
#define NPAIR(call) NULLCALL((call).values == NULL)
#define SH(...) CT_SHAPE(__VA_ARGS__)
#define SH0 0, NULL
#define V(...) CT_DOUBLES(__VA_ARGS__)
#define V0 NULL, 0
/* t has the shape, dtype and values PyTorch gives */
static void want_(int line, const ct_tensor *t, ct_dtype dt, int nd, const int64_t *shape,
                  const double *v, int64_t n) {
  if (!t) fail_msg("line %d: NULL result: %s", line, ct_last_error());
  if (ct_dtype_of(t) != dt)
    fail_msg("line %d: dtype %s, want %s", line, ct_dtype_name(ct_dtype_of(t)), ct_dtype_name(dt));
  if (ct_dim(t) != nd) fail_msg("line %d: %d dims, want %d", line, ct_dim(t), nd);
  for (int i = 0; i < nd; i++)
    if (ct_shape(t)[i] != shape[i])
      fail_msg("line %d: size %lld at dim %d, want %lld", line, (long long)ct_shape(t)[i], i,
               (long long)shape[i]);
  if (v) ct_test_expect_vals(t, v, n, 1e-6, 1e-6, "value", line);
}
#define want(t, dt, ...) want_(__LINE__, t, dt, __VA_ARGS__)

/* ---- input zoo: each case of dtype dt; non-contiguous views hold the same (2,3) values --- */
enum { Z_CONTIG, Z_TRANSPOSED, Z_STEP2, Z_EXPANDED, Z_NARROW, Z_SCALAR, Z_EMPTY03, Z_EMPTY204, Z_N };
static const char *ZNAME[Z_N] = {"contig", "transposed", "step2", "expanded", "narrow", "0-dim", "(0,3)", "(2,0,4)"};
static ct_tensor *zoo(int which, ct_dtype dt) {
  static const double v12[12] = {1, -2, 3, 0.5, 5, -6, 2, 8, -1, 4, 0, 7};
  ct_tensor *base = ct_tensor_from(v12, CT_FLOAT64, 1, (int64_t[]){12});
  base = dt == CT_BOOL ? ct_ne_scalar(base, 0) : ct_to(base, dt);
  switch (which) {
  case Z_CONTIG: return ct_view(ct_narrow(base, 0, 0, 6), SH(2, 3));
  case Z_TRANSPOSED: return ct_t(ct_view(ct_narrow(base, 0, 0, 6), SH(3, 2)));
  case Z_STEP2: return ct_slice(ct_view(base, SH(2, 6)), 1, CT_NONE, CT_NONE, 2);
  case Z_EXPANDED: return ct_expand(ct_view(ct_narrow(base, 0, 0, 3), SH(1, 3)), SH(2, 3));
  case Z_NARROW: return ct_narrow(ct_view(base, SH(3, 4)), 1, 1, 3);
  case Z_SCALAR: return ct_scalar_tensor(2.5, dt);
  case Z_EMPTY03: return ct_zeros(SH(0, 3), .dtype = dt);
  default: return ct_zeros(SH(2, 0, 4), .dtype = dt);
  }
}

/* the inputs of the PyTorch dtype tables: [0, 1, 2, 3, 5] ([0, 1, 1, 0, 1] for bool) */
static ct_tensor *table_input(ct_dtype dt) {
  ct_tensor *t = ct_tensor_from((double[]){0, 1, 2, 3, 5}, CT_FLOAT64, 1, (int64_t[]){5});
  return dt == CT_BOOL ? ct_tensor_from((bool[]){0, 1, 1, 0, 1}, CT_BOOL, 1, (int64_t[]){5}) : ct_to(t, dt);
}

/* ---- unary ---------------------------------------------------------------------------- */
typedef ct_tensor *(*un_fn)(const ct_tensor *);
typedef ct_tensor *(*inpl_fn)(ct_tensor *);
static ct_tensor *w_gelu(const ct_tensor *t) { return ct_gelu(t, CT_GELU_NONE); }
static ct_tensor *w_gelu_tanh(const ct_tensor *t) { return ct_gelu(t, CT_GELU_TANH); }
static ct_tensor *w_clamp(const ct_tensor *t) { return ct_clamp(t, -1, 2); }
static ct_tensor *w_clamp_lo(const ct_tensor *t) { return ct_clamp(t, 0.5, NAN); }
static ct_tensor *w_clampt(const ct_tensor *t) { return ct_clamp_tensor(t, ct_zeros_like(t), NULL); }
static ct_tensor *w_maskfill(const ct_tensor *t) { return ct_masked_fill(t, ct_gt_scalar(t, 1), -3); }
static ct_tensor *w_where(const ct_tensor *t) { return ct_where(ct_gt_scalar(t, 1), t, ct_neg(t)); }
static ct_tensor *w_lerp(const ct_tensor *t) { return ct_lerp_scalar(t, ct_ones_like(t), 0.25); }
static ct_tensor *w_flip(const ct_tensor *t) { return ct_flip(t, 1, (int64_t[]){0}); }
static ct_tensor *w_roll(const ct_tensor *t) { return ct_roll(t, 1, (int64_t[]){4}, 0, NULL); }
static ct_tensor *w_tril(const ct_tensor *t) { return ct_tril(t, 0); }
static ct_tensor *w_triu(const ct_tensor *t) { return ct_triu(t, -1); }
static ct_tensor *w_reshape(const ct_tensor *t) { return ct_reshape(t, 1, (int64_t[]){-1}); }
static ct_tensor *w_flatten(const ct_tensor *t) { return ct_flatten(t, 0, -1); }
static ct_tensor *w_pad(const ct_tensor *t) { return ct_pad(t, 2, (int64_t[]){1, 2}, CT_PAD_CONSTANT, 9); }
static ct_tensor *w_repeat(const ct_tensor *t) {
  int64_t r[CT_MAX_DIMS + 1] = {2, 1, 2, 1};
  return ct_repeat(t, ct_dim(t) + 1, r);
}
static ct_tensor *w_to_f64(const ct_tensor *t) { return ct_to(t, CT_FLOAT64); }
static ct_tensor *w_to_i8(const ct_tensor *t) { return ct_to(t, CT_INT8); }
static ct_tensor *w_mask_sel(const ct_tensor *t) { return ct_masked_select(t, ct_gt_scalar(t, 1)); }
static ct_tensor *w_take(const ct_tensor *t) {
  return ct_numel(t) ? ct_take(t, ct_tensor_from((int64_t[]){0, -1}, CT_INT64, 1, (int64_t[]){2})) : ct_clone(t);
}
static ct_tensor *w_pow2(const ct_tensor *t) { return ct_pow_scalar(t, 2); }
static ct_tensor *w_rpow(const ct_tensor *t) { return ct_rpow_scalar(2, t); }
static ct_tensor *w_fmod_s(const ct_tensor *t) { return ct_fmod_scalar(t, 1.5); }
static ct_tensor *w_rem_s(const ct_tensor *t) { return ct_remainder_scalar(t, -1.5); }
static ct_tensor *w_rsub_s(const ct_tensor *t) { return ct_rsub_scalar(t, 1); }
static ct_tensor *w_div_s(const ct_tensor *t) { return ct_div_scalar(t, 2); }
static ct_tensor *w_bern(const ct_tensor *t) { return ct_bernoulli(ct_zeros_like(t, .dtype = CT_FLOAT64), NULL); }
static ct_tensor *w_like(const ct_tensor *t) {
  return ct_add(ct_add(ct_zeros_like(t), ct_ones_like(t)), ct_full_like(t, 2, .dtype = CT_INT8));
}

#define U(f, ...) {#f, (un_fn)f, {__VA_ARGS__}}
#define X 99 /* dtype not checked against a table */
static const struct { const char *name; un_fn f; int dt[8]; } UNARY[] = {
    U(ct_neg, -2, 1, 2, 3, 4, 5, 6, 7),       U(ct_abs, -2, 1, 2, 3, 4, 5, 6, 7),
    U(ct_sign, 0, 1, 2, 3, 4, 5, 6, 7),       U(ct_square, 5, 1, 2, 3, 4, 5, 6, 7),
    U(ct_reciprocal, 6, 6, 6, 6, 6, 6, 6, 7), U(ct_exp, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_exp2, 6, 6, 6, 6, 6, 6, 6, 7),       U(ct_log, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_log2, 6, 6, 6, 6, 6, 6, 6, 7),       U(ct_log10, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_log1p, 6, 6, 6, 6, 6, 6, 6, 7),      U(ct_expm1, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_sqrt, 6, 6, 6, 6, 6, 6, 6, 7),       U(ct_rsqrt, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_sin, 6, 6, 6, 6, 6, 6, 6, 7),        U(ct_cos, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_tan, 6, 6, 6, 6, 6, 6, 6, 7),        U(ct_tanh, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_sigmoid, 6, 6, 6, 6, 6, 6, 6, 7),    U(ct_relu, -2, 1, 2, 3, 4, 5, 6, 7),
    U(ct_silu, -2, -2, -2, -2, -2, -2, 6, 7), U(ct_erf, 6, 6, 6, 6, 6, 6, 6, 7),
    U(ct_floor, -2, 1, 2, 3, 4, 5, 6, 7),     U(ct_ceil, -2, 1, 2, 3, 4, 5, 6, 7),
    U(ct_round, -2, 1, 2, 3, 4, 5, 6, 7),     U(ct_trunc, -2, 1, 2, 3, 4, 5, 6, 7),
    U(ct_isnan, 0, 0, 0, 0, 0, 0, 0, 0),      U(ct_isinf, 0, 0, 0, 0, 0, 0, 0, 0),
    U(ct_logical_not, 0, 0, 0, 0, 0, 0, 0, 0),
    U(w_gelu, X),      U(w_gelu_tanh, X), U(w_clamp, X),    U(w_clamp_lo, X),  U(w_clampt, X),
    U(w_maskfill, X),  U(w_where, X),     U(w_lerp, X),     U(w_flip, X),      U(w_roll, X),
    U(w_tril, X),      U(w_triu, X),      U(w_reshape, X),  U(w_flatten, X),   U(w_pad, X),
    U(w_repeat, X),    U(w_to_f64, X),    U(w_to_i8, X),    U(w_mask_sel, X),  U(w_take, X),
    U(w_pow2, X),      U(w_rpow, X),      U(w_fmod_s, X),   U(w_rem_s, X),     U(w_rsub_s, X),
    U(w_div_s, X),     U(w_bern, X),      U(w_like, X),     U(ct_contiguous, X), U(ct_clone, X),
    U(ct_detach, X),   U(ct_squeeze, X),  U(ct_t, X),       U(ct_nonzero, X),  U(ct_max, X),
    U(ct_min, X),
};

static void test_unary_sweep(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof UNARY / sizeof UNARY[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++) {
      live_mark m = leak_begin();
      char what[96];
      snprintf(what, sizeof what, "%s %s", UNARY[i].name, ct_dtype_name((ct_dtype)d));
      if (UNARY[i].dt[0] != X) { /* PyTorch's dtype table: result dtype or an error */
        ct_tensor *r = UNARY[i].f(table_input((ct_dtype)d));
        ct_test_expect_result_dtype(what, r, ct_test_want(UNARY[i].dt, d));
      }
      for (int z = 0; z < Z_N; z++) {
        ct_tensor *x = zoo(z, (ct_dtype)d);
        ct_tensor *r = UNARY[i].f(x);
        if (!r && !ct_last_error()) fail_msg("%s %s: NULL without a message", what, ZNAME[z]);
        ct_clear_error();
        ct_tensor *c = UNARY[i].f(ct_contiguous(x));
        ct_clear_error();
        if (UNARY[i].f != (un_fn)ct_t && UNARY[i].f != (un_fn)w_bern && !ct_test_same(r, c))
          fail_msg("%s on %s differs from the contiguous copy", what, ZNAME[z]);
        if (r && UNARY[i].dt[0] != X && UNARY[i].f != (un_fn)ct_nonzero && ct_numel(r) != ct_numel(x))
          fail_msg("%s on %s: %lld elements", what, ZNAME[z], (long long)ct_numel(r));
      }
      leak_end(m, what, __LINE__);
    }
}

/* in-place ops: on a view they write through (same values as the out-of-place op on a copy);
 * a result that cannot be cast to the tensor's dtype, or an expanded (stride-0) target, errors */
static ct_tensor *w_clamp_(ct_tensor *t) { return ct_clamp_(t, -1, 2); }
static ct_tensor *w_mfill_(ct_tensor *t) { return ct_masked_fill_(t, ct_gt_scalar(t, 1), -3); }
static ct_tensor *w_add_s_(ct_tensor *t) { return ct_add_scalar_(t, 1.5); }
static ct_tensor *w_sub_s_(ct_tensor *t) { return ct_sub_scalar_(t, 2); }
static ct_tensor *w_mul_s_(ct_tensor *t) { return ct_mul_scalar_(t, 3); }
static ct_tensor *w_div_s_(ct_tensor *t) { return ct_div_scalar_(t, 2); }
static ct_tensor *w_pow_s_(ct_tensor *t) { return ct_pow_scalar_(t, 2); }
static ct_tensor *w_add_(ct_tensor *t) { return ct_add_(t, ct_ones_like(t)); }
static ct_tensor *w_sub_(ct_tensor *t) { return ct_sub_(t, ct_ones_like(t)); }
static ct_tensor *w_mul_(ct_tensor *t) { return ct_mul_(t, ct_full_like(t, 2)); }
static ct_tensor *w_div_(ct_tensor *t) { return ct_div_(t, ct_full_like(t, 2)); }
static ct_tensor *w_pow_(ct_tensor *t) { return ct_pow_(t, ct_full_like(t, 2)); }
static ct_tensor *w_fill_(ct_tensor *t) { return ct_fill_(t, 3); }
static ct_tensor *w_copy_(ct_tensor *t) { return ct_copy_(t, ct_full(SH(3), 4, .dtype = CT_INT16)); }
static ct_tensor *o_clamp(const ct_tensor *t) { return ct_clamp(t, -1, 2); }
static ct_tensor *o_add_s(const ct_tensor *t) { return ct_add_scalar(t, 1.5); }
static ct_tensor *o_sub_s(const ct_tensor *t) { return ct_sub_scalar(t, 2); }
static ct_tensor *o_mul_s(const ct_tensor *t) { return ct_mul_scalar(t, 3); }
static ct_tensor *o_add(const ct_tensor *t) { return ct_add(t, ct_ones_like(t)); }
static ct_tensor *o_sub(const ct_tensor *t) { return ct_sub(t, ct_ones_like(t)); }
static ct_tensor *o_mul(const ct_tensor *t) { return ct_mul(t, ct_full_like(t, 2)); }
static ct_tensor *o_div(const ct_tensor *t) { return ct_div(t, ct_full_like(t, 2)); }
static ct_tensor *o_pow(const ct_tensor *t) { return ct_pow(t, ct_full_like(t, 2)); }
static ct_tensor *o_fill(const ct_tensor *t) { return ct_full_like(t, 3); }
static ct_tensor *o_copy(const ct_tensor *t) {
  return ct_dim(t) && ct_shape(t)[ct_dim(t) - 1] == 3 ? ct_full_like(t, 4) : NULL;
}
/* torch.can_cast: no float -> integral, no non-bool -> bool */
static bool can_cast(ct_dtype from, ct_dtype to) {
  if (ct_dtype_is_floating(from) && !ct_dtype_is_floating(to)) return false;
  return !(from != CT_BOOL && to == CT_BOOL);
}
static const struct { const char *name; inpl_fn f; un_fn o; } INPLACE[] = {
    {"neg_", ct_neg_, ct_neg},       {"abs_", ct_abs_, ct_abs},     {"exp_", ct_exp_, ct_exp},
    {"log_", ct_log_, ct_log},       {"sqrt_", ct_sqrt_, ct_sqrt},  {"sin_", ct_sin_, ct_sin},
    {"cos_", ct_cos_, ct_cos},       {"tanh_", ct_tanh_, ct_tanh},  {"sigmoid_", ct_sigmoid_, ct_sigmoid},
    {"relu_", ct_relu_, ct_relu},    {"floor_", ct_floor_, ct_floor}, {"ceil_", ct_ceil_, ct_ceil},
    {"round_", ct_round_, ct_round}, {"trunc_", ct_trunc_, ct_trunc}, {"clamp_", w_clamp_, o_clamp},
    {"masked_fill_", w_mfill_, w_maskfill}, {"add_scalar_", w_add_s_, o_add_s},
    {"sub_scalar_", w_sub_s_, o_sub_s}, {"mul_scalar_", w_mul_s_, o_mul_s},
    {"div_scalar_", w_div_s_, w_div_s}, {"pow_scalar_", w_pow_s_, w_pow2}, {"add_", w_add_, o_add},
    {"sub_", w_sub_, o_sub}, {"mul_", w_mul_, o_mul}, {"div_", w_div_, o_div}, {"pow_", w_pow_, o_pow},
    {"fill_", w_fill_, o_fill}, {"copy_", w_copy_, o_copy},
};

static void test_inplace_sweep(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof INPLACE / sizeof INPLACE[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++)
      for (int z = 0; z < Z_N; z++) {
        live_mark m = leak_begin();
        char what[96];
        snprintf(what, sizeof what, "%s %s %s", INPLACE[i].name, ct_dtype_name((ct_dtype)d), ZNAME[z]);
        ct_tensor *x = zoo(z, (ct_dtype)d);
        ct_tensor *want = INPLACE[i].o(ct_contiguous(x));
        bool castable = want && can_cast(ct_dtype_of(want), (ct_dtype)d);
        ct_clear_error();
        ct_tensor *r = INPLACE[i].f(x);
        /* PyTorch only deprecates masked_fill_ on an expanded tensor; ctorch refuses it */
        bool overlap = z == Z_EXPANDED && INPLACE[i].f != w_fill_;
        if (overlap || !castable) {
          if (r || !ct_last_error()) fail_msg("%s: expected an error", what);
          if (overlap && castable && !strstr(ct_last_error(), "more than one element of the written-to tensor"))
            fail_msg("%s: %s", what, ct_last_error());
        } else {
          if (r != x) fail_msg("%s: %s", what, r ? "did not return its argument" : ct_last_error());
          if (!ct_test_same(x, ct_to(want, (ct_dtype)d))) fail_msg("%s: values differ from out-of-place", what);
        }
        leak_end(m, what, __LINE__);
      }
}

/* ---- binary --------------------------------------------------------------------------- */
typedef ct_tensor *(*bin_fn)(const ct_tensor *, const ct_tensor *);
static ct_tensor *w_add_alpha(const ct_tensor *a, const ct_tensor *b) { return ct_add_alpha(a, b, 2); }
static ct_tensor *w_sub_alpha(const ct_tensor *a, const ct_tensor *b) { return ct_sub_alpha(a, b, -1); }
static ct_tensor *w_div_trunc(const ct_tensor *a, const ct_tensor *b) { return ct_div_mode(a, b, CT_ROUND_TRUNC); }
static ct_tensor *w_div_floor(const ct_tensor *a, const ct_tensor *b) { return ct_div_mode(a, b, CT_ROUND_FLOOR); }
static ct_tensor *w_lerp3(const ct_tensor *a, const ct_tensor *b) { return ct_lerp(a, b, b); }
static ct_tensor *w_clamp2(const ct_tensor *a, const ct_tensor *b) { return ct_clamp_tensor(a, b, b); }
static ct_tensor *w_where2(const ct_tensor *a, const ct_tensor *b) { return ct_where(ct_gt(a, b), a, b); }
static ct_tensor *w_close(const ct_tensor *a, const ct_tensor *b) {
  return ct_scalar_tensor(ct_allclose(a, b, 1e-5, 1e-8) + 2 * ct_equal(a, b), CT_INT64);
}
#define B(f, ...) {#f, f, {__VA_ARGS__}}
static const struct { const char *name; bin_fn f; int dt[8]; } BINARY[] = {
    B(ct_add, 0, 1, 2, 3, 4, 5, 6, 7),       B(ct_sub, -2, 1, 2, 3, 4, 5, 6, 7),
    B(ct_mul, 0, 1, 2, 3, 4, 5, 6, 7),       B(ct_div, 6, 6, 6, 6, 6, 6, 6, 7),
    B(ct_floor_divide, -2, -2, -2, -2, -2, -2, 6, 7), B(ct_remainder, -2, -2, -2, -2, -2, -2, 6, 7),
    B(ct_fmod, -2, -2, -2, -2, -2, -2, 6, 7), B(ct_pow, -2, 1, 2, 3, 4, 5, 6, 7),
    B(ct_atan2, 6, 6, 6, 6, 6, 6, 6, 7),     B(ct_minimum, 0, 1, 2, 3, 4, 5, 6, 7),
    B(ct_maximum, 0, 1, 2, 3, 4, 5, 6, 7),   B(ct_eq, 0, 0, 0, 0, 0, 0, 0, 0),
    B(ct_lt, 0, 0, 0, 0, 0, 0, 0, 0),        B(ct_logical_and, 0, 0, 0, 0, 0, 0, 0, 0),
    B(ct_logical_xor, 0, 0, 0, 0, 0, 0, 0, 0),
    B(ct_ne, X), B(ct_le, X), B(ct_gt, X), B(ct_ge, X), B(ct_logical_or, X), B(w_add_alpha, X),
    B(w_sub_alpha, X), B(w_div_trunc, X), B(w_div_floor, X), B(w_lerp3, X), B(w_clamp2, X),
    B(w_where2, X), B(ct_matmul, X), B(ct_mm, X), B(ct_bmm, X), B(ct_mv, X),
    B(ct_dot, X), B(ct_outer, X), B(ct_expand_as, X), B(ct_view_as, X), B(w_close, X),
};

static void test_binary_sweep(void **state) {
  (void)state;
  static const int other[] = {Z_CONTIG, Z_TRANSPOSED, Z_EXPANDED, Z_SCALAR, Z_EMPTY03};
  for (size_t i = 0; i < sizeof BINARY / sizeof BINARY[0]; i++)
    for (int d = 0; d < CT_NUM_DTYPES; d++) {
      live_mark m = leak_begin();
      char what[96];
      snprintf(what, sizeof what, "%s %s", BINARY[i].name, ct_dtype_name((ct_dtype)d));
      if (BINARY[i].dt[0] != X) { /* x op x on [0, 1, 2, 3, 5]: integer division by zero errors */
        ct_tensor *x = table_input((ct_dtype)d);
        ct_test_expect_result_dtype(what, BINARY[i].f(x, x), ct_test_want(BINARY[i].dt, d));
      }
      for (int za = 0; za < Z_N; za++)
        for (size_t zb = 0; zb < sizeof other / sizeof other[0]; zb++) {
          ct_tensor *a = zoo(za, (ct_dtype)d), *b = zoo(other[zb], d == CT_INT8 ? CT_FLOAT32 : (ct_dtype)d);
          if (ct_dim(a) == 2 && ct_dim(b) == 2 && (BINARY[i].f == ct_mm || BINARY[i].f == ct_matmul))
            b = ct_t(b);
          ct_tensor *r = BINARY[i].f(a, b);
          if (!r && !ct_last_error()) fail_msg("%s %s,%s: NULL without a message", what, ZNAME[za], ZNAME[other[zb]]);
          ct_clear_error();
          ct_tensor *c = BINARY[i].f(ct_contiguous(a), ct_contiguous(b));
          ct_clear_error();
          if (!ct_test_same(r, c))
            fail_msg("%s on %s,%s differs from contiguous copies", what, ZNAME[za], ZNAME[other[zb]]);
        }
      leak_end(m, what, __LINE__);
    }
}

/* ---- dims: reductions and dim-taking ops ---------------------------------------------- */
typedef ct_tensor *(*dim_fn)(const ct_tensor *, int64_t dim, bool keepdim);
#define RED(name, call)                                                                      \
  static ct_tensor *name(const ct_tensor *t, int64_t dim, bool kd) {                         \
    ct_reduce_opts o = CT_REDUCE_OPTS(.keepdim = kd);                                        \
    if (dim != CT_NONE) o.dim = CT_DIMS(dim);                                                \
    (void)o;                                                                                  \
    return call;                                                                             \
  }
RED(r_sum, ct_sum_ex(t, o))
RED(r_mean, ct_mean_ex(t, o))
RED(r_amax, ct_amax_ex(t, o))
RED(r_amin, ct_amin_ex(t, o))
RED(r_lse, ct_logsumexp_ex(t, o))
RED(r_all, ct_all_ex(t, o))
RED(r_any, ct_any_ex(t, o))
RED(r_sum_f64, ct_sum(t, .dim = o.dim, .keepdim = kd, .dtype = CT_FLOAT64))
RED(r_var, ct_var(t, .dim = o.dim, .keepdim = kd))
RED(r_std0, ct_std(t, .dim = o.dim, .keepdim = kd, .correction = 0))
RED(r_norm, ct_norm(t, .dim = o.dim, .keepdim = kd))
RED(r_norm1, ct_norm(t, .dim = o.dim, .keepdim = kd, .p = 1))
RED(r_norm_inf, ct_norm(t, .dim = o.dim, .keepdim = kd, .p = INFINITY))
RED(r_norm3, ct_norm(t, .dim = o.dim, .keepdim = kd, .p = 3))
RED(r_prod, ct_prod(t, dim, kd))
RED(r_max, dim == CT_NONE ? ct_max(t) : ct_max_dim(t, dim, kd).values)
RED(r_min_i, dim == CT_NONE ? ct_min(t) : ct_min_dim(t, dim, kd).indices)
RED(r_argmax, ct_argmax(t, dim, kd))
RED(r_argmin, ct_argmin(t, dim, kd))
RED(r_cumsum, ct_cumsum(t, dim == CT_NONE ? 0 : dim))
RED(r_cumprod, ct_cumprod(t, dim == CT_NONE ? 0 : dim))
RED(r_softmax, ct_softmax(t, dim == CT_NONE ? 0 : dim))
RED(r_lsm, ct_log_softmax(t, dim == CT_NONE ? 0 : dim))
RED(r_sort, ct_sort(t, dim == CT_NONE ? -1 : dim, kd, true).values)
RED(r_sort_i, ct_sort(t, dim == CT_NONE ? -1 : dim, kd, true).indices)
RED(r_argsort, ct_argsort(t, dim == CT_NONE ? -1 : dim, kd))
RED(r_topk, ct_topk(t, 1, dim == CT_NONE ? -1 : dim, kd, true).values)
RED(r_topk0, ct_topk(t, 0, dim == CT_NONE ? -1 : dim, kd, true).indices)
RED(r_flip, ct_flip(t, 1, (int64_t[]){dim == CT_NONE ? 0 : dim}))
RED(r_roll, ct_roll(t, 1, (int64_t[]){-7}, dim != CT_NONE, (int64_t[]){dim}))
RED(r_squeeze, ct_squeeze_dim(t, dim == CT_NONE ? 0 : dim))
RED(r_unsqueeze, ct_unsqueeze(t, dim == CT_NONE ? 0 : dim))
RED(r_transpose, ct_transpose(t, dim == CT_NONE ? 0 : dim, 0))
RED(r_select, ct_select(t, dim == CT_NONE ? 0 : dim, -1))
RED(r_narrow, ct_narrow(t, dim == CT_NONE ? 0 : dim, 0, 0))
RED(r_slice, ct_slice(t, dim == CT_NONE ? 0 : dim, -100, 100, 2))
RED(r_index_sel, ct_index_select(t, dim == CT_NONE ? 0 : dim, ct_zeros(SH(2), .dtype = CT_INT64)))
RED(r_gather, ct_gather(t, dim == CT_NONE ? 0 : dim, ct_zeros_like(t, .dtype = CT_INT64)))
RED(r_scatter, ct_scatter_value(t, dim == CT_NONE ? 0 : dim, ct_zeros_like(t, .dtype = CT_INT64), 7))
RED(r_scatter_add, ct_scatter_add(t, dim == CT_NONE ? 0 : dim, ct_zeros_like(t, .dtype = CT_INT64), t))
RED(r_cat, ct_cat((ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)t}, 2, dim == CT_NONE ? 0 : dim))
RED(r_stack, ct_stack((ct_tensor *const[]){(ct_tensor *)t, (ct_tensor *)t}, 2, dim == CT_NONE ? 0 : dim))
RED(r_flatten, ct_flatten(t, dim == CT_NONE ? 0 : dim, -1))
RED(r_one_hot, ct_one_hot(ct_to(ct_abs(t), CT_INT64), dim == CT_NONE ? -1 : 9))
static ct_tensor *r_split(const ct_tensor *t, int64_t dim, bool kd) {
  ct_tensor *out[8];
  int n = ct_split(t, 2, dim == CT_NONE ? 0 : dim, out, 8);
  return n < 0 ? NULL : n ? ct_cat(out, n, dim == CT_NONE ? 0 : dim) : ct_zeros(SH(0));
}
static ct_tensor *r_chunk(const ct_tensor *t, int64_t dim, bool kd) {
  ct_tensor *out[8];
  int n = ct_chunk(t, 3, dim == CT_NONE ? 0 : dim, out, 8);
  return n < 0 ? NULL : ct_stack(out, n, 0);
}
static ct_tensor *r_unbind(const ct_tensor *t, int64_t dim, bool kd) {
  ct_tensor *out[8];
  int n = ct_unbind(t, dim == CT_NONE ? 0 : dim, out, 8);
  return n < 0 ? NULL : n ? ct_stack(out, n, 0) : ct_zeros(SH(0));
}
#define D(f) {#f, f}
static const struct { const char *name; dim_fn f; } DIMOPS[] = {
    D(r_sum), D(r_mean), D(r_amax), D(r_amin), D(r_lse), D(r_all), D(r_any), D(r_sum_f64), D(r_var),
    D(r_std0), D(r_norm), D(r_norm1), D(r_norm_inf), D(r_norm3), D(r_prod), D(r_max), D(r_min_i),
    D(r_argmax), D(r_argmin), D(r_cumsum), D(r_cumprod), D(r_softmax), D(r_lsm), D(r_sort),
    D(r_sort_i), D(r_argsort), D(r_topk), D(r_topk0), D(r_flip), D(r_roll), D(r_squeeze),
    D(r_unsqueeze), D(r_transpose), D(r_select), D(r_narrow), D(r_slice), D(r_index_sel),
    D(r_gather), D(r_scatter), D(r_scatter_add), D(r_cat), D(r_stack), D(r_flatten),
    D(r_one_hot), D(r_split), D(r_chunk), D(r_unbind),
};

static void test_dim_sweep(void **state) {
  (void)state;
  static const ct_dtype dts[] = {CT_BOOL, CT_UINT8, CT_INT32, CT_INT64, CT_FLOAT32, CT_FLOAT64};
  for (size_t i = 0; i < sizeof DIMOPS / sizeof DIMOPS[0]; i++)
    for (size_t di = 0; di < sizeof dts / sizeof dts[0]; di++) {
      live_mark m = leak_begin();
      char what[96];
      snprintf(what, sizeof what, "%s %s", DIMOPS[i].name, ct_dtype_name(dts[di]));
      for (int z = 0; z < Z_N; z++) {
        ct_tensor *x = zoo(z, dts[di]);
        /* stack and unsqueeze take a dim in [-ndim-1, ndim]; a 0-dim tensor counts as 1-dim */
        int64_t nd = ct_dim(x) + (DIMOPS[i].f == r_stack || DIMOPS[i].f == r_unsqueeze);
        int64_t wrap = nd ? nd : 1;
        const int64_t dims[] = {CT_NONE, 0, -1, wrap, -wrap - 1, (int64_t)1 << 40, -((int64_t)1 << 40), INT64_MAX};
        for (size_t k = 0; k < sizeof dims / sizeof dims[0]; k++)
          for (int kd = 0; kd < 2; kd++) {
            bool valid_ok = DIMOPS[i].f(x, 0, kd) != NULL;
            ct_clear_error();
            ct_tensor *r = DIMOPS[i].f(x, dims[k], kd);
            if (!r && !ct_last_error()) fail_msg("%s %s dim %lld: NULL without a message", what, ZNAME[z], (long long)dims[k]);
            if (k >= 3 && DIMOPS[i].f != r_one_hot) { /* other errors (dtype) may come first */
              if (r || (valid_ok && !strstr(ct_last_error(), "out of range")))
                fail_msg("%s %s dim %lld: %s", what, ZNAME[z], (long long)dims[k], r ? "no error" : ct_last_error());
            }
            ct_clear_error();
            ct_tensor *c = DIMOPS[i].f(ct_contiguous(x), dims[k], kd);
            ct_clear_error();
            if (!ct_test_same(r, c))
              fail_msg("%s on %s dim %lld differs from the contiguous copy", what, ZNAME[z], (long long)dims[k]);
          }
      }
      leak_end(m, what, __LINE__);
    }
}

/* ---- PyTorch's answers on empty and 0-dim tensors -------------------------------------- */
static void test_empty_parity(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *e03 = ct_zeros(SH(0, 3)), *e204 = ct_zeros(SH(2, 0, 4));
  ct_tensor *x23 = ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), SH(2, 3)), *s = ct_scalar_tensor(2, CT_FLOAT32);
  want(ct_sum(e03), CT_FLOAT32, SH0, V(0));
  want(ct_sum(e03, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(0, 0, 0));
  want(ct_sum(e03, .dim = CT_DIMS(1)), CT_FLOAT32, SH(0), V0);
  want(ct_mean(e03), CT_FLOAT32, SH0, V(NAN));
  want(ct_mean(e03, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(NAN, NAN, NAN));
  want(ct_prod(e03, CT_NONE, false), CT_FLOAT32, SH0, V(1));
  want(ct_prod(e03, 1, false), CT_FLOAT32, SH(0), V0);
  expect_error(ct_amax(e03), "amax(): Expected reduction dim to be specified for input.numel() == 0.");
  want(ct_amax(e03, .dim = CT_DIMS(1)), CT_FLOAT32, SH(0), V0);
  expect_error(ct_amax(e03, .dim = CT_DIMS(0)), "amax(): Expected reduction dim 0 to have non-zero size.");
  expect_error(ct_max(e03), "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  want(ct_max_dim(e03, 1, false).values, CT_FLOAT32, SH(0), V0);
  want(ct_min_dim(e03, 1, false).indices, CT_INT64, SH(0), V0);
  expect_error(ct_max_dim(e03, 0, false).values, "max(): Expected reduction dim 0 to have non-zero size.");
  expect_error(ct_argmax(e03, CT_NONE, false), "argmax(): Expected reduction dim to be specified for input.numel() == 0.");
  want(ct_argmax(e03, 1, false), CT_INT64, SH(0), V0);
  want(ct_var(e03), CT_FLOAT32, SH0, V(NAN));
  want(ct_var(e03, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(NAN, NAN, NAN));
  want(ct_std(e03, .dim = CT_DIMS(1)), CT_FLOAT32, SH(0), V0);
  want(ct_std(ct_ones(SH(1))), CT_FLOAT32, SH0, V(NAN));
  want(ct_norm(e03), CT_FLOAT32, SH0, V(0));
  want(ct_norm(e03, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(0, 0, 0));
  /* torch.norm (not linalg.vector_norm, which errors) gives 0 for the max/min-like norms */
  want(ct_norm(e03, .p = INFINITY), CT_FLOAT32, SH0, V(0));
  want(ct_norm(e03, .p = -INFINITY, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(0, 0, 0));
  want(ct_norm(e03, .p = -1), CT_FLOAT32, SH0, V(0));
  want(ct_norm(e03, .p = INFINITY, .dim = CT_DIMS(1)), CT_FLOAT32, SH(0), V0);
  want(ct_logsumexp(e03, .dim = CT_DIMS(0, 1)), CT_FLOAT32, SH0, V(-INFINITY));
  want(ct_logsumexp(e03, .dim = CT_DIMS(0)), CT_FLOAT32, SH(3), V(-INFINITY, -INFINITY, -INFINITY));
  want(ct_all(e03), CT_BOOL, SH0, V(1));
  want(ct_any(e03), CT_BOOL, SH0, V(0));
  want(ct_cumsum(e204, 1), CT_FLOAT32, SH(2, 0, 4), V0);
  want(ct_cumprod(e03, 0), CT_FLOAT32, SH(0, 3), V0);
  want(ct_softmax(e03, 1), CT_FLOAT32, SH(0, 3), V0);
  want(ct_softmax(e03, 0), CT_FLOAT32, SH(0, 3), V0);
  want(ct_log_softmax(e204, 1), CT_FLOAT32, SH(2, 0, 4), V0);
  /* matmul family: a zero inner dim sums nothing */
  want(ct_mm(ct_zeros(SH(3, 0)), ct_zeros(SH(0, 2))), CT_FLOAT32, SH(3, 2), V(0, 0, 0, 0, 0, 0));
  want(ct_mm(ct_zeros(SH(0, 3)), ct_zeros(SH(3, 2))), CT_FLOAT32, SH(0, 2), V0);
  want(ct_matmul(ct_zeros(SH(2, 3, 0)), ct_zeros(SH(0, 4))), CT_FLOAT32, SH(2, 3, 4), NULL, 0);
  want(ct_sum(ct_abs(ct_matmul(ct_full(SH(2, 3, 0), NAN), ct_zeros(SH(0, 4))))), CT_FLOAT32, SH0, V(0));
  want(ct_bmm(ct_zeros(SH(2, 3, 0)), ct_zeros(SH(2, 0, 4))), CT_FLOAT32, SH(2, 3, 4), NULL, 0);
  want(ct_dot(ct_zeros(SH(0)), ct_zeros(SH(0))), CT_FLOAT32, SH0, V(0));
  want(ct_mv(ct_zeros(SH(3, 0)), ct_zeros(SH(0))), CT_FLOAT32, SH(3), V(0, 0, 0));
  want(ct_outer(ct_zeros(SH(0)), ct_ones(SH(3))), CT_FLOAT32, SH(0, 3), V0);
  want(ct_addmm(ct_ones(SH(3, 2)), ct_zeros(SH(3, 0)), ct_zeros(SH(0, 2)), 2, 1), CT_FLOAT32, SH(3, 2), V(2, 2, 2, 2, 2, 2));
  expect_error(ct_matmul(s, s), "both arguments to matmul need to be at least 1D, but they are 0D and 0D");
  /* joining */
  want(ct_cat((ct_tensor *[]){e03, x23}, 2, 0), CT_FLOAT32, SH(2, 3), V(0, 1, 2, 3, 4, 5));
  want(ct_cat((ct_tensor *[]){ct_zeros(SH(0)), x23}, 2, 0), CT_FLOAT32, SH(2, 3), V(0, 1, 2, 3, 4, 5));
  expect_error(ct_cat((ct_tensor *[]){e03, x23}, 2, 1), "Sizes of tensors must match except in dimension 1. Expected size 0 but got size 2 for tensor number 1 in the list.");
  expect_error(ct_cat((ct_tensor *[]){s}, 1, 0), "zero-dimensional tensor (at position 0) cannot be concatenated");
  want(ct_stack((ct_tensor *[]){e03, e03}, 2, 1), CT_FLOAT32, SH(0, 2, 3), V0);
  want(ct_stack((ct_tensor *[]){s, s}, 2, 0), CT_FLOAT32, SH(2), V(2, 2));
  want(ct_sort(e03, 1, false, false).values, CT_FLOAT32, SH(0, 3), V0);
  want(ct_argsort(e03, 0, false), CT_INT64, SH(0, 3), V0);
  want(ct_topk(e03, 0, 1, true, true).values, CT_FLOAT32, SH(0, 0), V0);
  want(ct_topk(e03, 1, 1, true, true).indices, CT_INT64, SH(0, 1), V0);
  expect_error(ct_topk(x23, 4, -1, true, true).values, "selected index k out of range");
  expect_error(ct_topk(x23, -1, -1, true, true).values, "selected index k out of range");
  expect_error(ct_topk(x23, (int64_t)1 << 40, -1, true, true).values, "selected index k out of range");
  want(ct_add(e03, ct_ones(SH(3))), CT_FLOAT32, SH(0, 3), V0);
  expect_error(ct_add(e03, x23), "The size of tensor a (0) must match the size of tensor b (2) at non-singleton dimension 0");
  want(ct_where(ct_gt_scalar(e03, 0), e03, ct_ones(SH(3))), CT_FLOAT32, SH(0, 3), V0);
  want(ct_lerp_scalar(e03, e03, 0.5), CT_FLOAT32, SH(0, 3), V0);
  want(ct_bernoulli(e03, NULL), CT_FLOAT32, SH(0, 3), V0);
  want(ct_nonzero(e03), CT_INT64, SH(0, 2), V0);
  want(ct_masked_select(e03, ct_gt_scalar(e03, 0)), CT_FLOAT32, SH(0), V0);
  want(ct_index_select(e03, 0, ct_zeros(SH(0), .dtype = CT_INT64)), CT_FLOAT32, SH(0, 3), V0);
  want(ct_scatter_value(e03, 0, ct_zeros(SH(0, 3), .dtype = CT_INT64), 1), CT_FLOAT32, SH(0, 3), V0);
  expect_error(ct_take(e03, ct_zeros(SH(1), .dtype = CT_INT64)), "take(): tried to take from an empty tensor");
  expect_error(ct_take(x23, ct_full(SH(1), -7, .dtype = CT_INT64)), "out of range: tried to access index -7 on a tensor of 6 elements.");
  expect_error(ct_index_select(x23, 1, ct_full(SH(1), 5, .dtype = CT_INT64)), "out of");
  expect_error(ct_gather(x23, 1, ct_full(SH(1, 1), 3, .dtype = CT_INT64)), "index 3 is out of bounds for dimension 1 with size 3");
  want(ct_flip(e03, 1, (int64_t[]){0}), CT_FLOAT32, SH(0, 3), V0);
  want(ct_roll(e03, 1, (int64_t[]){1}, 0, NULL), CT_FLOAT32, SH(0, 3), V0);
  want(ct_tril(e03, 0), CT_FLOAT32, SH(0, 3), V0);
  expect_error(ct_tril(ct_ones(SH(3)), 0), "");
  /* repeat, split, chunk, pad, one_hot */
  ct_tensor *parts[8];
  want(ct_repeat(e03, 2, (int64_t[]){2, 2}), CT_FLOAT32, SH(0, 6), V0);
  expect_error(ct_repeat(x23, 2, (int64_t[]){-1, 1}), "Trying to create tensor with negative dimension -2: [-2, 3]");
  expect_error(ct_repeat(x23, 1, (int64_t[]){1}), "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  expect_error(ct_repeat(x23, 2, (int64_t[]){(int64_t)1 << 40, 1 << 20}), "");
  expect_fail(ct_split(x23, 0, 1, parts, 8) < 0, "split_size can only be 0 if dimension size is 0, but got dimension size of 3");
  expect_fail(ct_split(x23, -1, 1, parts, 8) < 0, "split");
  assert_int_equal(ct_split(e03, 2, 0, parts, 8), 1);
  want(parts[0], CT_FLOAT32, SH(0, 3), V0);
  expect_fail(ct_split_sizes(x23, 2, (int64_t[]){1, 1}, 1, parts, 8) < 0, "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 1), but got split_sizes=[1, 1]");
  expect_fail(ct_split_sizes(x23, 2, (int64_t[]){4, -1}, 1, parts, 8) < 0, "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[4, -1]");
  expect_fail(ct_split(x23, 1, 1, parts, 2) < 0, "");
  expect_fail(ct_chunk(x23, 0, 0, parts, 8) < 0, "chunk expects `chunks` to be greater than 0, got: 0");
  assert_int_equal(ct_chunk(e03, 2, 0, parts, 8), 2);
  want(parts[1], CT_FLOAT32, SH(0, 3), V0);
  want(ct_pad(x23, 2, (int64_t[]){-1, -1}, CT_PAD_CONSTANT, 0), CT_FLOAT32, SH(2, 1), V(1, 4));
  expect_error(ct_pad(x23, 2, (int64_t[]){-2, -2}, CT_PAD_CONSTANT, 0), "");
  expect_error(ct_pad(x23, 3, (int64_t[]){1, 1, 1}, CT_PAD_CONSTANT, 0), "Padding length must be divisible by 2");
  expect_error(ct_pad(ct_unsqueeze(x23, 0), 2, (int64_t[]){3, 3}, CT_PAD_REFLECT, 0), "Padding size should be less than the corresponding input dimension");
  expect_error(ct_pad(x23, 2, (int64_t[]){(int64_t)1 << 40, 1}, CT_PAD_CONSTANT, 0), "");
  want(ct_pad(e03, 2, (int64_t[]){1, 1}, CT_PAD_CONSTANT, 0), CT_FLOAT32, SH(0, 5), V0);
  expect_error(ct_one_hot(ct_zeros(SH(0), .dtype = CT_INT64), -1), "Can not infer total number of classes from empty tensor.");
  want(ct_one_hot(ct_zeros(SH(0), .dtype = CT_INT64), 3), CT_INT64, SH(0, 3), V0);
  expect_error(ct_one_hot(ct_full(SH(1), -1, .dtype = CT_INT64), -1), "Class values must be non-negative.");
  /* 0-dim tensors take dim 0 / -1 */
  want(ct_sum(s, .dim = CT_DIMS(0)), CT_FLOAT32, SH0, V(2));
  expect_error(ct_sum(s, .dim = CT_DIMS(1)), "Dimension out of range (expected to be in range of [-1, 0], but got 1)");
  want(ct_softmax(s, 0), CT_FLOAT32, SH0, V(1));
  want(ct_cumsum(s, 0), CT_FLOAT32, SH0, V(2));
  want(ct_sort(s, 0, false, false).values, CT_FLOAT32, SH0, V(2));
  want(ct_topk(s, 1, -1, true, true).values, CT_FLOAT32, SH0, V(2));
  want(ct_topk(s, 0, 0, true, true).values, CT_FLOAT32, SH0, V(2));
  want(ct_topk(s, 0, 0, false, true).indices, CT_INT64, SH0, V(0));
  expect_error(ct_topk(s, 2, 0, true, true).values, "selected index k out of range");
  want(ct_max_dim(s, 0, false).values, CT_FLOAT32, SH0, V(2));
  want(ct_argmax(s, 0, false), CT_INT64, SH0, V(0));
  want(ct_transpose(s, 0, -1), CT_FLOAT32, SH0, V(2));
  want(ct_flip(s, 1, (int64_t[]){0}), CT_FLOAT32, SH0, V(2));
  want(ct_squeeze_dim(s, 0), CT_FLOAT32, SH0, V(2));
  want(ct_flatten(s, 0, -1), CT_FLOAT32, SH(1), V(2));
  expect_error(ct_select(s, 0, 0), "select() cannot be applied to a 0-dim tensor.");
  leak_end(m, "empty parity", __LINE__);
}

/* ---- NaN and infinities: PyTorch's propagation and ordering (NaN is the largest) -------- */
static void test_nan_parity(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *c = ct_tensor_from((double[]){NAN, -INFINITY, -1e30, -1, -0.0, 0.5, 1e30, INFINITY}, CT_FLOAT64, 1,
                                (int64_t[]){8});
  ct_tensor *inputs[2] = {c, ct_select(ct_stack((ct_tensor *[]){c, c}, 2, 1), 1, 0)}; /* and stride 2 */
  for (int k = 0; k < 2; k++) {
    ct_tensor *x = inputs[k];
    want(ct_max(x), CT_FLOAT64, SH0, V(NAN));
    want(ct_argmax(x, CT_NONE, false), CT_INT64, SH0, V(0));
    want(ct_argmin(x, 0, false), CT_INT64, SH0, V(0));
    want(ct_max_dim(x, 0, false).indices, CT_INT64, SH0, V(0));
    want(ct_sort(x, 0, false, true).values, CT_FLOAT64, SH(8), V(-INFINITY, -1e30, -1, -0.0, 0.5, 1e30, INFINITY, NAN));
    want(ct_sort(x, 0, true, true).indices, CT_INT64, SH(8), V(0, 7, 6, 5, 4, 3, 2, 1));
    want(ct_topk(x, 3, 0, true, true).values, CT_FLOAT64, SH(3), V(NAN, INFINITY, 1e30));
    want(ct_topk(x, 3, 0, false, true).values, CT_FLOAT64, SH(3), V(-INFINITY, -1e30, -1));
    want(ct_clamp(x, NAN, 0), CT_FLOAT64, SH(8), V(NAN, -INFINITY, -1e30, -1, -0.0, 0, 0, 0));
    want(ct_minimum(x, ct_flip(x, 1, (int64_t[]){0})), CT_FLOAT64, SH(8), V(NAN, -INFINITY, -1e30, -1, -1, -1e30, -INFINITY, NAN));
    want(ct_logsumexp(x, .dim = CT_DIMS(0)), CT_FLOAT64, SH0, V(NAN));
    want(ct_norm(ct_narrow(x, 0, 1, 7), .p = INFINITY), CT_FLOAT64, SH0, V(INFINITY));
    want(ct_remainder_scalar(x, -0.75), CT_FLOAT64, SH(8), V(NAN, NAN, -0.25, -0.25, -0.0, -0.25, -0.5, NAN));
  }
  want(ct_to(ct_tensor_from((double[]){-1, 256, 3.7}, CT_FLOAT64, 1, (int64_t[]){3}), CT_UINT8), CT_UINT8, SH(3), V(255, 0, 3));
  want(ct_round(ct_tensor_from((double[]){0.5, 1.5, 2.5, -0.5, -2.5}, CT_FLOAT64, 1, (int64_t[]){5})), CT_FLOAT64, SH(5),
       V(0, 2, 2, -0.0, -2));
  leak_end(m, "nan parity", __LINE__);
}

/* ---- shape arguments: PyTorch's messages, and absurd sizes error instead of allocating ---- */
static void test_shape_args(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *e03 = ct_zeros(SH(0, 3)), *x23 = ct_view(ct_arange(0, 6, 1, .dtype = CT_FLOAT32), SH(2, 3));
  const int64_t big = (int64_t)1 << 40;
  want(ct_view(e03, SH(-1)), CT_FLOAT32, SH(0), V0);
  expect_error(ct_view(e03, SH(0, -1)), "cannot reshape tensor of 0 elements into shape [0, -1] because the unspecified dimension size -1 can be any value and is ambiguous");
  expect_error(ct_view(x23, SH(-1, -1)), "only one dimension can be inferred");
  expect_error(ct_view(x23, SH(-2, 3)), "invalid shape dimension -2");
  expect_error(ct_view(x23, SH(7)), "shape '[7]' is invalid for input of size 6");
  expect_error(ct_view(x23, SH(big, big, 0, -1)), "");
  expect_error(ct_reshape(x23, SH(big, big)), "");
  expect_error(ct_view(x23, -1, (int64_t[]){6}), "");
  expect_error(ct_view(x23, CT_MAX_DIMS + 1, (int64_t[CT_MAX_DIMS + 1]){6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), "");
  want(ct_expand(x23, SH(-1, 3)), CT_FLOAT32, SH(2, 3), V(0, 1, 2, 3, 4, 5));
  expect_error(ct_expand(ct_ones(SH(3)), SH(-1, 3)), "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0");
  expect_error(ct_expand(x23, SH(3)), "");
  expect_error(ct_expand(x23, SH(2, -2)), "");
  expect_error(ct_contiguous(ct_expand(ct_ones(SH(1, 1)), SH(big, big))), "");
  expect_error(ct_clone(ct_expand(ct_ones(SH(1)), SH(big))), "");
  expect_error(ct_transpose(x23, 2, 0), "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  expect_error(ct_permute(x23, SH(0, 0)), "");
  expect_error(ct_permute(x23, SH(0)), "");
  expect_error(ct_permute(x23, SH(0, 5)), "");
  expect_error(ct_narrow(x23, 1, 2, 2), "start (2) + length (2) exceeds dimension size (3).");
  want(ct_narrow(x23, 1, -1, 1), CT_FLOAT32, SH(2, 1), V(2, 5));
  expect_error(ct_narrow(x23, 1, 0, -1), "start (0) + length (-1) exceeds dimension size (3).");
  expect_error(ct_narrow(x23, 1, big, INT64_MAX), "");
  expect_error(ct_narrow(x23, 1, INT64_MIN + 1, 1), "");
  expect_error(ct_select(x23, 1, 3), "select(): index 3 out of range for tensor of size [2, 3] at dimension 1");
  expect_error(ct_select(x23, 1, -4), "select(): index -4 out of range for tensor of size [2, 3] at dimension 1");
  expect_error(ct_select(x23, 1, INT64_MIN + 1), "out of range");
  expect_error(ct_slice(x23, 1, 0, 3, 0), "slice step must be positive");
  expect_error(ct_slice(x23, 1, 0, 3, -1), "slice step must be positive");
  want(ct_slice(x23, 1, INT64_MIN + 1, INT64_MAX, INT64_MAX), CT_FLOAT32, SH(2, 1), V(0, 3));
  want(ct_slice(x23, 1, 2, 1, 1), CT_FLOAT32, SH(2, 0), V0);
  expect_error(ct_unflatten(x23, 1, 2, (int64_t[]){-1, 2}), "unflatten: Provided sizes [-1, 2] don't multiply up to the size of dim 1 (3) in the input tensor");
  expect_error(ct_unflatten(x23, 1, 0, NULL), "");
  expect_error(ct_flatten(x23, 1, 0), "flatten() has invalid args: start_dim cannot come after end_dim");
  expect_error(ct_unsqueeze(x23, 3), "Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  expect_error(ct_unsqueeze(x23, -4), "Dimension out of range (expected to be in range of [-3, 2], but got -4)");
  ct_tensor *parts[4];
  expect_fail(ct_unbind(x23, 0, parts, 1) < 0, "");
  assert_int_equal(ct_split(x23, INT64_MAX, 1, parts, 4), 1);
  expect_fail(ct_split_sizes(x23, -1, (int64_t[]){3}, 1, parts, 4) < 0, "");
  expect_fail(ct_split_sizes(x23, 2, (int64_t[]){big, 3 - big}, 1, parts, 4) < 0, "");
  expect_fail(ct_chunk(x23, -big, 0, parts, 4) < 0, "");
  expect_error(ct_flip(x23, 2, (int64_t[]){0, 0}), "");
  expect_error(ct_flip(x23, -1, (int64_t[]){0}), "");
  expect_error(ct_roll(x23, 2, (int64_t[]){1, 1}, 1, (int64_t[]){0}), "");
  want(ct_roll(x23, 1, (int64_t[]){INT64_MIN + 1}, 1, (int64_t[]){1}), CT_FLOAT32, SH(2, 3), NULL, 0);
  want(ct_roll(x23, 1, (int64_t[]){INT64_MAX}, 0, NULL), CT_FLOAT32, SH(2, 3), NULL, 0);
  expect_error(ct_repeat(x23, -1, (int64_t[]){1}), "");
  expect_error(ct_repeat(x23, CT_MAX_DIMS + 1, (int64_t[CT_MAX_DIMS + 1]){0}), "");
  expect_error(ct_cat(NULL, 0, 0), "");
  expect_error(ct_cat((ct_tensor *[]){x23}, -1, 0), "");
  expect_error(ct_stack((ct_tensor *[]){x23}, 0, 0), "");
  expect_error(ct_topk(x23, 1, 5, true, true).values, "out of range");
  expect_error(ct_one_hot(ct_full(SH(1), 2, .dtype = CT_INT64), 2), "Class values must be smaller than num_classes.");
  expect_error(ct_one_hot(ct_full(SH(1), 2, .dtype = CT_INT64), INT64_MAX), "");
  expect_error(ct_one_hot(x23, 3), "");
  expect_error(ct_index_select(x23, 0, ct_zeros(SH(1))), "");
  expect_error(ct_pad(x23, 2, (int64_t[]){1, 1}, (ct_pad_mode)9, 0), "");
  expect_error(ct_pad(x23, 2, (int64_t[]){-big, -big}, CT_PAD_CONSTANT, 0), "");
  expect_error(ct_pad(x23, 34, (int64_t[34]){0}, CT_PAD_CONSTANT, 0), "");
  want(ct_pad(ct_unsqueeze(x23, 0), 2, (int64_t[]){-1, 0}, CT_PAD_REFLECT, 0), CT_FLOAT32, SH(1, 2, 2), V(1, 2, 4, 5));
  expect_error(ct_pad(ct_unsqueeze(x23, 0), 2, (int64_t[]){4, 0}, CT_PAD_CIRCULAR, 0), "Padding value causes wrapping around more than once.");
  expect_error(ct_pad(ct_unsqueeze(e03, 0), 2, (int64_t[]){1, 1}, CT_PAD_REPLICATE, 0), "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions");
  expect_error(ct_div_mode(x23, x23, (ct_rounding)7), "");
  expect_error(ct_gelu(x23, (ct_gelu_approx)7), "");
  expect_error(ct_clamp_tensor(x23, NULL, NULL), "");
  expect_error(ct_to(x23, (ct_dtype)42), "");
  expect_error(ct_to(x23, CT_DTYPE_UNSET), "");
  expect_error(ct_sum(x23, .dtype = (ct_dtype)42), "");
  expect_error(ct_sum(x23, .dim = CT_DIMS(0, 0)), "dim 0 appears multiple times in the list of dims");
  expect_error(ct_sum(x23, .dim = {.n = -1}), "");
  expect_error(ct_sum(x23, .dim = {.n = CT_MAX_DIMS + 1}), "");
  leak_end(m, "shape args", __LINE__);
}

/* ---- NULL tensors: fail without a message, so the first error of a chain survives ---- */
static void test_null_ops(void **state) {
  (void)state;
  live_mark m = leak_begin();
  ct_tensor *x = ct_ones(SH(2, 3)), *i = ct_zeros(SH(2, 3), .dtype = CT_INT64), *o[4];
  for (size_t k = 0; k < sizeof UNARY / sizeof UNARY[0]; k++) NP(UNARY[k].f(NULL));
  for (size_t k = 0; k < sizeof INPLACE / sizeof INPLACE[0]; k++) NP(INPLACE[k].f(NULL));
  for (size_t k = 0; k < sizeof BINARY / sizeof BINARY[0] - 1; k++) { /* w_close is last */
    NP(BINARY[k].f(NULL, x));
    if (BINARY[k].f != w_clamp2) NP(BINARY[k].f(x, NULL)); /* there NULL means None */
    NP(BINARY[k].f(NULL, NULL));
  }
  for (size_t k = 0; k < sizeof DIMOPS / sizeof DIMOPS[0]; k++) NP(DIMOPS[k].f(NULL, 0, false));
  ct_tensor *(*bin2[])(ct_tensor *, const ct_tensor *) = {ct_add_, ct_sub_, ct_mul_, ct_div_, ct_pow_, ct_copy_};
  for (size_t k = 0; k < 6; k++) {
    NP(bin2[k](NULL, x));
    NP(bin2[k](ct_clone(x), NULL));
  }
  NP(ct_eq_scalar(NULL, 1)); NP(ct_ne_scalar(NULL, 1)); NP(ct_lt_scalar(NULL, 1)); NP(ct_le_scalar(NULL, 1));
  NP(ct_gt_scalar(NULL, 1)); NP(ct_ge_scalar(NULL, 1)); NP(ct_add_scalar(NULL, 1)); NP(ct_sub_scalar(NULL, 1));
  NP(ct_mul_scalar(NULL, 1)); NP(ct_zero_(NULL)); NP(ct_detach_(NULL)); NP(ct_to(NULL, CT_FLOAT32));
  NP(ct_view(NULL, SH(6))); NP(ct_reshape(NULL, SH(6))); NP(ct_permute(NULL, SH(1, 0)));
  NP(ct_expand(NULL, SH(2, 3))); NP(ct_unflatten(NULL, 0, 1, (int64_t[]){2}));
  NP(ct_masked_fill(x, NULL, 1)); NP(ct_masked_fill_(ct_clone(x), NULL, 1)); NP(ct_clamp_tensor(NULL, x, x));
  NP(ct_where(NULL, x, x)); NP(ct_where(ct_gt(x, x), NULL, x));
  NP(ct_where(ct_gt(x, x), x, NULL)); NP(ct_lerp(x, x, NULL)); NP(ct_lerp(NULL, x, x));
  NP(ct_lerp_scalar(x, NULL, 1)); NP(ct_addmm(NULL, x, x, 1, 1)); NP(ct_addmm(x, NULL, x, 1, 1));
  NP(ct_addmm(x, x, NULL, 1, 1)); NP(ct_index_select(x, 0, NULL)); NP(ct_gather(x, 0, NULL));
  NP(ct_scatter(NULL, 0, i, x)); NP(ct_scatter(x, 0, NULL, x)); NP(ct_scatter(x, 0, i, NULL));
  NP(ct_scatter_value(x, 0, NULL, 1)); NP(ct_scatter_add(x, 0, i, NULL)); NP(ct_take(x, NULL));
  NP(ct_masked_select(x, NULL)); NP(ct_cat((ct_tensor *[]){x, NULL}, 2, 0));
  NP(ct_stack((ct_tensor *[]){NULL, x}, 2, 0)); NP(ct_repeat(NULL, 2, (int64_t[]){1, 1}));
  NP(ct_pad(NULL, 2, (int64_t[]){1, 1}, CT_PAD_CONSTANT, 0)); NP(ct_rpow_scalar(2, NULL));
  NPAIR(ct_sort(NULL, 0, false, false)); NPAIR(ct_topk(NULL, 1, 0, true, true));
  NPAIR(ct_max_dim(NULL, 0, false)); NPAIR(ct_min_dim(NULL, 0, false));
  NI(ct_unbind(NULL, 0, o, 4)); NI(ct_split(NULL, 1, 0, o, 4)); NI(ct_chunk(NULL, 1, 0, o, 4));
  NI(ct_split_sizes(NULL, 1, (int64_t[]){2}, 0, o, 4));
  NB(ct_equal(NULL, x)); NB(ct_allclose(x, NULL, 0, 0));
  ct_clear_error();
  /* the first message of a chain survives the NULLs that follow it */
  ct_tensor *r = ct_sum(ct_relu(ct_mm(x, x)));
  assert_null(r);
  assert_non_null(strstr(ct_last_error(), "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"));
  leak_end(m, "null ops", __LINE__);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_null_ops),    cmocka_unit_test(test_unary_sweep),
      cmocka_unit_test(test_inplace_sweep), cmocka_unit_test(test_binary_sweep),
      cmocka_unit_test(test_dim_sweep),   cmocka_unit_test(test_empty_parity),
      cmocka_unit_test(test_shape_args),  cmocka_unit_test(test_nan_parity),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
