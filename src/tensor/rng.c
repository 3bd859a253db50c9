/* Random numbers: PyTorch's CPU generator (mt19937 seeded like torch.manual_seed) and the
 * CPU sampling kernels of PyTorch 1.13 (aten/src/ATen/native/cpu/DistributionTemplates.h,
 * core/DistributionsHelper.h, core/TransformationHelper.h, TensorFactories.cpp randperm),
 * reproduced draw for draw so ct_manual_seed(s) + ct_rand/ct_randn/... give torch's numbers.
 *
 * Where PyTorch's AVX2 kernels fused a multiply into an add (gcc contracts the intrinsics
 * into FMA under -mfma), the same fmaf()/fma() is spelled out here; everywhere else
 * contraction is switched off so the compiler cannot round differently from PyTorch.
 * Verified bit for bit against torch 1.13 (tests/unit/test_rng.c).
 * Each generator has a lock, held for a whole fill as PyTorch does, so threads can share one
 * (the default generator too); the order of draws between threads is then unspecified. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "loops.h"

#include <math.h>
#include <pthread.h>

#define MT_N 624
#define MT_M 397

struct ct_generator {
  uint32_t state[MT_N];
  int left, next;
  uint64_t seed;
  /* Box-Muller makes two normals; normal_distribution<double> keeps the second here. */
  bool has_next_double;
  double next_double;
  pthread_mutex_t lock; /* held by every fill and seeding */
};

/* ---- mt19937 (at::mt19937: the standard engine, seeded with the low 32 bits) ---------- */
static void mt_seed(ct_generator *g, uint64_t seed) {
  g->seed = seed;
  g->state[0] = (uint32_t)seed;
  for (uint32_t j = 1; j < MT_N; j++)
    g->state[j] = 1812433253u * (g->state[j - 1] ^ (g->state[j - 1] >> 30)) + j;
  g->left = 1;
  g->next = 0;
  g->has_next_double = false;
}

static inline uint32_t mt_twist(uint32_t u, uint32_t v) {
  return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}

static void mt_next_state(ct_generator *g) {
  uint32_t *p = g->state;
  g->left = MT_N;
  g->next = 0;
  for (int j = MT_N - MT_M + 1; --j; p++) *p = p[MT_M] ^ mt_twist(p[0], p[1]);
  for (int j = MT_M; --j; p++) *p = p[MT_M - MT_N] ^ mt_twist(p[0], p[1]);
  *p = p[MT_M - MT_N] ^ mt_twist(p[0], g->state[0]);
}

uint32_t ct__gen_u32(ct_generator *g) {
  if (--g->left == 0) mt_next_state(g);
  uint32_t y = g->state[g->next++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

/* n consecutive ct__gen_u32 draws into out: the words left in the current state are
 * tempered in one loop the compiler vectorizes, the state twisted when it runs out, exactly
 * where the one-at-a-time path would twist it (bulk fills spend most of their time here). */
static void gen_u32_bulk(ct_generator *g, uint32_t *out, int64_t n) {
  while (n > 0) {
    if (g->left == 1) { /* the next draw twists */
      *out++ = ct__gen_u32(g);
      n--;
      continue;
    }
    int64_t k = g->left - 1 < n ? g->left - 1 : n;
    const uint32_t *st = g->state + g->next;
    for (int64_t i = 0; i < k; i++) {
      uint32_t y = st[i];
      y ^= y >> 11;
      y ^= (y << 7) & 0x9d2c5680u;
      y ^= (y << 15) & 0xefc60000u;
      y ^= y >> 18;
      out[i] = y;
    }
    g->next += (int)k;
    g->left -= (int)k;
    out += k;
    n -= k;
  }
}

/* CPUGeneratorImpl::random64: the first draw is the high half. */
uint64_t ct__gen_u64(ct_generator *g) {
  uint64_t hi = ct__gen_u32(g);
  return (hi << 32) | ct__gen_u32(g);
}

/* PyTorch's default_rng_seed_val: the default generator before any manual_seed. */
#define CT_DEFAULT_SEED 67280421310721ull
static ct_generator g_default = {.lock = PTHREAD_MUTEX_INITIALIZER};
static pthread_once_t g_default_once = PTHREAD_ONCE_INIT;

static void default_init(void) { mt_seed(&g_default, CT_DEFAULT_SEED); }

ct_generator *ct__default_generator(void) {
  pthread_once(&g_default_once, default_init);
  return &g_default;
}

static ct_generator *gen_or_default(ct_generator *g) { return g ? g : ct__default_generator(); }

static void gen_lock(ct_generator *g) { pthread_mutex_lock(&g->lock); }
static void gen_unlock(ct_generator *g) { pthread_mutex_unlock(&g->lock); }

int64_t ct__random_int64(ct_generator *g) {
  g = gen_or_default(g);
  gen_lock(g);
  uint64_t r = ct__gen_u64(g);
  gen_unlock(g);
  return (int64_t)(r % ((uint64_t)INT64_MAX + 1)); /* random_'s [0, max(int64)] */
}

void ct_manual_seed(uint64_t seed) { ct_generator_manual_seed(ct__default_generator(), seed); }

ct_generator *ct_generator_new(uint64_t seed) {
  ct_generator *g = malloc(sizeof *g);
  if (!g) return ct__err("ct_generator_new: out of memory");
  pthread_mutex_init(&g->lock, NULL);
  mt_seed(g, seed);
  return g;
}

void ct_generator_free(ct_generator *g) {
  if (g && g != &g_default) {
    pthread_mutex_destroy(&g->lock);
    free(g);
  }
}

void ct_generator_manual_seed(ct_generator *g, uint64_t seed) {
  if (!g) return;
  gen_lock(g);
  mt_seed(g, seed);
  gen_unlock(g);
}

/* ---- scalar distributions ------------------------------------------------------------ */
/* uniform_real<float>: 24 random bits of one 32-bit draw, in float. */
static inline float unit_f32(ct_generator *g) {
  return (float)(ct__gen_u32(g) & 0xffffffu) * (1.0f / 16777216.0f);
}
/* uniform_real<double>: 53 random bits of one 64-bit draw. */
static inline double unit_f64(ct_generator *g) {
  return (double)(ct__gen_u64(g) & 0x1fffffffffffffull) * (1.0 / 9007199254740992.0);
}

/* normal_distribution<double>: Box-Muller on two uniforms; the sine half is cached in the
 * generator and returned by the next call (ct_manual_seed clears it). */
static double normal_f64(ct_generator *g, double mean, double std) {
  double ret;
  if (g->has_next_double) {
    g->has_next_double = false;
    ret = g->next_double;
  } else {
    double u1 = unit_f64(g), u2 = unit_f64(g);
    double r = sqrt(-2.0 * log(1.0 - u2));
    double theta = 2.0 * M_PI * u1;
    g->next_double = r * sin(theta);
    g->has_next_double = true;
    ret = r * cos(theta);
  }
  return fma(ret, std, mean);
}

/* ---- avx_mathfun.h (cephes logf / sincosf) as PyTorch's AVX2 build computes them ------
 * One lane of log256_ps and sincos256_ps, with gcc's FMA contractions of that build. */
static inline float cephes_logf(float x) {
  bool invalid = !(x > 0.0f);
  if (!(x >= 1.17549435e-38f)) x = 1.17549435e-38f; /* _mm256_max_ps(x, min_norm_pos) */
  uint32_t u;
  memcpy(&u, &x, 4);
  int32_t expo = (int32_t)(u >> 23) - 0x7f;
  u = (u & ~0x7f800000u) | 0x3f000000u; /* mantissa in [0.5, 1) */
  memcpy(&x, &u, 4);
  float e = (float)expo + 1.0f;
  bool small = x < 0.707106781186547524f;
  float tmp = small ? x : 0.0f;
  x = x - 1.0f;
  e = e - (small ? 1.0f : 0.0f);
  x = x + tmp;
  float z = x * x;
  float y = 7.0376836292E-2f;
  y = fmaf(y, x, -1.1514610310E-1f);
  y = fmaf(y, x, 1.1676998740E-1f);
  y = fmaf(y, x, -1.2420140846E-1f);
  y = fmaf(y, x, 1.4249322787E-1f);
  y = fmaf(y, x, -1.6668057665E-1f);
  y = fmaf(y, x, 2.0000714765E-1f);
  y = fmaf(y, x, -2.4999993993E-1f);
  y = fmaf(y, x, 3.3333331174E-1f);
  y = y * x;
  y = fmaf(y, z, e * -2.12194440e-4f);
  y = fmaf(-z, 0.5f, y);
  x = x + y;
  x = fmaf(e, 0.693359375f, x);
  return invalid ? NAN : x;
}

static inline void cephes_sincosf(float x, float *s, float *c) {
  uint32_t ux;
  memcpy(&ux, &x, 4);
  uint32_t sign_sin = ux & 0x80000000u;
  ux &= 0x7fffffffu;
  memcpy(&x, &ux, 4);
  int32_t j = (int32_t)(x * 1.27323954473516f); /* 4/pi */
  j = (j + 1) & ~1;
  float y = (float)j;
  sign_sin ^= ((uint32_t)(j & 4)) << 29;
  bool poly_sin = (j & 2) == 0;
  uint32_t sign_cos = ((uint32_t)(~(j - 2) & 4)) << 29;
  x = fmaf(y, -0.78515625f, x); /* extended precision modular arithmetic */
  x = fmaf(y, -2.4187564849853515625e-4f, x);
  x = fmaf(y, -3.77489497744594108e-8f, x);
  float z = x * x;
  float yc = 2.443315711809948E-005f;
  yc = fmaf(yc, z, -1.388731625493765E-003f);
  yc = fmaf(yc, z, 4.166664568298827E-002f);
  yc = yc * z;
  yc = fmaf(yc, z, -(z * 0.5f));
  yc = yc + 1.0f;
  float ys = -1.9515295891E-4f;
  ys = fmaf(ys, z, 8.3321608736E-3f);
  ys = fmaf(ys, z, -1.6666654611E-1f);
  ys = ys * z;
  ys = fmaf(ys, x, x);
  /* the blend is done with adds of zeroed lanes; kept so signed zeros match */
  float s2 = poly_sin ? ys : 0.0f, s1 = poly_sin ? 0.0f : yc;
  float rs = s1 + s2, rc = (yc - s1) + (ys - s2);
  memcpy(&ux, &rs, 4);
  ux ^= sign_sin;
  memcpy(s, &ux, 4);
  memcpy(&ux, &rc, 4);
  ux ^= sign_cos;
  memcpy(c, &ux, 4);
}

/* d[16] uniforms -> 16 normals: pairs (j, j+8), as normal_fill_16_AVX2 / normal_fill_16. */
static void normal_fill_16_f32(float *d, float mean, float std) {
  const float two_pi = (float)(2.0f * M_PI);
  for (int j = 0; j < 8; j++) {
    float u1 = 1.0f - d[j], u2 = d[j + 8];
    float radius = sqrtf(-2.0f * cephes_logf(u1));
    float s, c;
    cephes_sincosf(two_pi * u2, &s, &c);
    d[j] = fmaf(radius * c, std, mean);
    d[j + 8] = fmaf(radius * s, std, mean);
  }
}

static void normal_fill_16_f64(double *d, double mean, double std) {
  for (int j = 0; j < 8; j++) {
    double u1 = 1 - d[j], u2 = d[j + 8];
    double radius = sqrt(-2 * log(u1));
    double theta = 2.0f * M_PI * u2;
    d[j] = fma(radius * cos(theta), std, mean);
    d[j + 8] = fma(radius * sin(theta), std, mean);
  }
}

/* normal_fill: n >= 16 contiguous. Draw n uniforms, transform each block of 16; a ragged
 * tail redraws the last 16 uniforms and transforms them again. */
#define NORMAL_FILL(name, T, UNIT, FILL16)                                  \
  static void name(ct_generator *g, T *d, int64_t n, T mean, T std) {     \
    for (int64_t i = 0; i < n; i++) d[i] = UNIT(g);                       \
    for (int64_t i = 0; i + 16 <= n; i += 16) FILL16(d + i, mean, std);   \
    if (n % 16) {                                                         \
      T *tail = d + n - 16;                                               \
      for (int i = 0; i < 16; i++) tail[i] = UNIT(g);                     \
      FILL16(tail, mean, std);                                            \
    }                                                                     \
  }
NORMAL_FILL(normal_fill_f32, float, unit_f32, normal_fill_16_f32)
NORMAL_FILL(normal_fill_f64, double, unit_f64, normal_fill_16_f64)

/* ---- fills over a contiguous buffer -------------------------------------------------- */
typedef enum { FILL_UNIFORM, FILL_NORMAL, FILL_BERNOULLI, FILL_RANDINT } fill_kind;
typedef struct fill_spec {
  fill_kind kind;
  double a, b;    /* uniform [a, b); normal mean a, std b; bernoulli p = a */
  uint64_t range; /* randint: values base + [0, range) */
  int64_t base;
  bool vector_ok; /* normal: the tensor is contiguous, so PyTorch takes normal_fill */
} fill_spec;

/* bernoulli_(p) into float / double, the draws of the per-element path below (one
 * uniform_real<double> per element: 53 bits of hi:lo, u * 2^-53 < p), in blocks: u * 2^-53 <
 * p is exact as the integer compare x < ceil(p * 2^53), which vectorizes. */
#define BERN_BLOCK 256
#define BERNOULLI_FILL(name, T)                                                   \
  static void name(ct_generator *g, T *o, int64_t n, double p) {                  \
    const uint64_t thr = (uint64_t)ceil(p * 9007199254740992.0);                  \
    uint32_t w[2 * BERN_BLOCK];                                                   \
    for (int64_t b = 0; b < n; b += BERN_BLOCK) {                                 \
      int64_t m = n - b < BERN_BLOCK ? n - b : BERN_BLOCK;                        \
      gen_u32_bulk(g, w, 2 * m);                                                  \
      for (int64_t i = 0; i < m; i++) {                                           \
        uint64_t x = (uint64_t)(w[2 * i] & 0x1fffffu) << 32 | w[2 * i + 1];       \
        o[b + i] = (T)(x < thr);                                                  \
      }                                                                           \
    }                                                                             \
  }
BERNOULLI_FILL(bernoulli_fill_f32, float)
BERNOULLI_FILL(bernoulli_fill_f64, double)

/* Cast one drawn value into each element of any dtype (static_cast<scalar_t>). */
#define CT_RNG_STORE_CASE(E, T, s)                             \
  case E: {                                                    \
    T *o_ = (T *)p;                                            \
    for (int64_t i = 0; i < n; i++) o_[i] = (T)(DRAW);         \
  } break;

static void fill_contig(ct_generator *g, ct_dtype dt, void *p, int64_t n, const fill_spec *s) {
  switch (s->kind) {
    case FILL_UNIFORM:
      if (dt == CT_FLOAT32) {
        float from = (float)s->a, span = (float)s->b - from, *o = p;
        for (int64_t i = 0; i < n; i++) o[i] = fmaf(unit_f32(g), span, from);
      } else {
        double from = s->a, span = s->b - s->a, *o = p;
        for (int64_t i = 0; i < n; i++) o[i] = fma(unit_f64(g), span, from);
      }
      break;
    case FILL_NORMAL:
      if (s->vector_ok && n >= 16 && dt == CT_FLOAT32) {
        normal_fill_f32(g, p, n, (float)s->a, (float)s->b);
      } else if (s->vector_ok && n >= 16) {
        normal_fill_f64(g, p, n, s->a, s->b);
      } else if (dt == CT_FLOAT32) {
        float *o = p;
        for (int64_t i = 0; i < n; i++) o[i] = (float)normal_f64(g, s->a, s->b);
      } else {
        double *o = p;
        for (int64_t i = 0; i < n; i++) o[i] = normal_f64(g, s->a, s->b);
      }
      break;
    case FILL_BERNOULLI: {
      const double prob = s->a;
      if (dt == CT_FLOAT32 || dt == CT_FLOAT64) {
        if (dt == CT_FLOAT32) bernoulli_fill_f32(g, p, n, prob);
        else bernoulli_fill_f64(g, p, n, prob);
        break;
      }
#define DRAW (unit_f64(g) < prob)
      switch (dt) { CT_FOR_DTYPES(CT_RNG_STORE_CASE) default: break; }
#undef DRAW
      break;
    }
    case FILL_RANDINT: {
      /* uniform_int_from_to_distribution: 64-bit draws only for wide ranges of the types
       * that can hold them */
      const uint64_t range = s->range, base = (uint64_t)s->base;
      const bool wide = range >= (1ull << 32) &&
                        (dt == CT_INT64 || dt == CT_FLOAT32 || dt == CT_FLOAT64);
#define DRAW ((int64_t)((wide ? ct__gen_u64(g) : ct__gen_u32(g)) % range + base))
      switch (dt) { CT_FOR_DTYPES(CT_RNG_STORE_CASE) default: break; }
#undef DRAW
      break;
    }
  }
}

/* Fill t in the order PyTorch's cpu_serial_kernel visits it: TensorIterator puts the
 * smallest stride innermost, so a non-contiguous t is drawn in memory order. That order is
 * a permuted view of t; a contiguous buffer in that shape is filled and copied in. */
static int fill(ct_tensor *t, ct_generator *g, fill_spec s) {
  g = gen_or_default(g);
  int64_t n = ct_numel(t);
  if (n == 0) return 0;
  if (ct__is_half(t->dtype)) { /* float16 / bfloat16: drawn in float32, rounded to t */
    CT_OP_BEGIN();
    ct_tensor *f = ct__empty(CT_FLOAT32, t->ndim, t->shape);
    int rc = f ? fill(f, g, s) : -1;
    if (!rc) ct__copy_into(t, f);
    ct_scope_end();
    return rc;
  }
  if (ct_is_contiguous(t)) {
    s.vector_ok = true;
    gen_lock(g);
    fill_contig(g, t->dtype, ct__ptr(t), n, &s);
    gen_unlock(g);
    return 0;
  }
  int nd = t->ndim, perm[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    int j = i;
    while (j > 0 && t->strides[perm[j - 1]] < t->strides[i]) { /* stable: ties keep order */
      perm[j] = perm[j - 1];
      j--;
    }
    perm[j] = i;
  }
  int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    shape[i] = t->shape[perm[i]];
    strides[i] = t->strides[perm[i]];
  }
  s.vector_ok = false;
  CT_OP_BEGIN();
  ct_tensor *view = ct__make_view(t, nd, shape, strides, t->offset);
  ct_tensor *buf = ct__empty(t->dtype, nd, shape);
  if (view && buf) {
    gen_lock(g);
    fill_contig(g, t->dtype, ct__ptr(buf), n, &s);
    gen_unlock(g);
    ct__copy_into(view, buf);
  }
  ct_scope_end();
  return view && buf ? 0 : -1;
}

/* ---- raw fills (no autograd: src/ops/random.c records the in-place ops on top) ----- */
static bool is_float(ct_dtype dt) { return ct_dtype_is_floating(dt); } /* 16-bit: drawn in float32 */

/* from/to must be representable in the tensor's dtype and their span finite. */
static int check_uniform(ct_dtype dt, double from, double to) {
  if (!is_float(dt))
    return ct__errs("\"check_uniform_bounds\" not implemented for '%s'", ct__dtype_short(dt));
  const char *tn = dt == CT_FLOAT32 ? "float" : dt == CT_FLOAT16 ? "c10::Half" : dt == CT_BFLOAT16 ? "c10::BFloat16" : "double";
  double lim = dt == CT_FLOAT32 ? 3.4028234663852886e+38 : dt == CT_FLOAT16 ? 65504.0 : dt == CT_BFLOAT16 ? 0x1.fep127 : 1.7976931348623157e+308;
  if (!(from >= -lim && from <= lim)) return ct__errs("from is out of bounds for %s", tn);
  if (!(to >= -lim && to <= lim)) return ct__errs("to is out of bounds for %s", tn);
  if (from > to)
    return ct__errs("uniform_ expects to return a [from, to) range, but found from=%g > to=%g",
                    from, to);
  if (!(to - from <= lim))
    return ct__errs("uniform_ expects to-from <= std::numeric_limits<%s>::max(), but found "
                    "to=%g and from=%g which result in to-from to exceed the limit",
                    tn, to, from);
  return 0;
}

static int check_normal(ct_dtype dt, double std) {
  if (!(std >= 0.0)) return ct__errs("normal expects std >= 0.0, but found std %g", std);
  if (!is_float(dt))
    return ct__errs("\"normal_kernel_cpu\" not implemented for '%s'", ct__dtype_short(dt));
  return 0;
}

int ct__fill_uniform(ct_tensor *t, double from, double to, ct_generator *gen) {
  if (check_uniform(t->dtype, from, to)) return -1;
  return fill(t, gen, (fill_spec){.kind = FILL_UNIFORM, .a = from, .b = to});
}

int ct__fill_normal(ct_tensor *t, double mean, double std, ct_generator *gen) {
  if (check_normal(t->dtype, std)) return -1;
  return fill(t, gen, (fill_spec){.kind = FILL_NORMAL, .a = mean, .b = std});
}

int ct__fill_bernoulli(ct_tensor *t, double p, ct_generator *gen) {
  return fill(t, gen, (fill_spec){.kind = FILL_BERNOULLI, .a = p});
}

/* torch.bernoulli(probs): the output is contiguous and TensorIterator follows it, so one
 * draw per element in logical order; float probs draw bernoulli_distribution<float>
 * (24 bits), double probs <double> (53 bits). */
int ct__bernoulli_draw(const ct_tensor *probs, ct_tensor *out, ct_generator *gen) {
  ct_generator *g = gen_or_default(gen);
  int64_t n = ct_numel(probs);
  const double *pd = probs->dtype == CT_FLOAT64 ? CT_PTR(probs, double) : NULL;
  const float *pf = pd ? NULL : CT_PTR(probs, float);
  for (int64_t i = 0; i < n; i++) {
    double p = pd ? pd[i] : (double)pf[i];
    if (!(p >= 0 && p <= 1))
      return ct__errs("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                      "error message be improved?  If so, please report an enhancement "
                      "request to PyTorch.)");
  }
  gen_lock(g);
  if (pd) {
    double *o = CT_PTR(out, double);
    for (int64_t i = 0; i < n; i++) o[i] = unit_f64(g) < pd[i];
  } else {
    float *o = CT_PTR(out, float);
    for (int64_t i = 0; i < n; i++) o[i] = unit_f32(g) < pf[i];
  }
  gen_unlock(g);
  return 0;
}

/* ---- creation ------------------------------------------------------------------------ */
static ct_dtype resolve(ct_dtype dt, ct_dtype fallback) { return (int)dt < 0 ? fallback : dt; }

/* New tensor of o's dtype (default fallback), filled, then o's requires_grad applied. */
static ct_tensor *make_filled(int ndim, const int64_t *shape, ct_dtype dt, ct_tensor_opts o,
                              fill_spec s) {
  ct_tensor *t = ct__empty(dt, ndim, shape);
  if (!t || fill(t, o.generator, s)) return NULL;
  return ct__finish_opts(t, o);
}

ct_tensor *ct_rand_ex(int ndim, const int64_t *shape, ct_tensor_opts o) {
  ct_dtype dt = resolve(o.dtype, ct_get_default_dtype());
  if (check_uniform(dt, 0, 1)) return NULL;
  return make_filled(ndim, shape, dt, o, (fill_spec){.kind = FILL_UNIFORM, .a = 0, .b = 1});
}

ct_tensor *ct_randn_ex(int ndim, const int64_t *shape, ct_tensor_opts o) {
  ct_dtype dt = resolve(o.dtype, ct_get_default_dtype());
  if (check_normal(dt, 1)) return NULL;
  return make_filled(ndim, shape, dt, o, (fill_spec){.kind = FILL_NORMAL, .a = 0, .b = 1});
}

ct_tensor *ct_rand_like_ex(const ct_tensor *t, ct_tensor_opts o) {
  if (!t) return NULL;
  o.dtype = resolve(o.dtype, t->dtype);
  return ct_rand_ex(t->ndim, t->shape, o);
}

ct_tensor *ct_randn_like_ex(const ct_tensor *t, ct_tensor_opts o) {
  if (!t) return NULL;
  o.dtype = resolve(o.dtype, t->dtype);
  return ct_randn_ex(t->ndim, t->shape, o);
}

/* random_(from, to)'s range check: integer dtypes must hold from and to - 1. */
static int check_int_range(ct_dtype dt, int64_t from, int64_t to) {
  static const char *const names[CT_NUM_DTYPES] = {"bool", "unsigned char", "signed char",
                                                   "short int", "int", "long", "float",
                                                   "double"};
  static const int64_t lo[CT_NUM_DTYPES] = {0, 0, INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
  static const int64_t hi[CT_NUM_DTYPES] = {1, UINT8_MAX, INT8_MAX, INT16_MAX, INT32_MAX,
                                            INT64_MAX};
  if (from >= to)
    return ct__errs("random_ expects 'from' to be less than 'to', but got from=%lld >= to=%lld",
                    (long long)from, (long long)to);
  if (is_float(dt)) return 0; /* PyTorch only warns beyond 2^digits */
  if (from < lo[dt] || from > hi[dt]) return ct__errs("from is out of bounds for %s", names[dt]);
  if (to - 1 < lo[dt] || to - 1 > hi[dt])
    return ct__errs("to - 1 is out of bounds for %s", names[dt]);
  return 0;
}

ct_tensor *ct_randint_ex(int64_t low, int64_t high, int ndim, const int64_t *shape,
                       ct_tensor_opts o) {
  ct_dtype dt = resolve(o.dtype, CT_INT64);
  if (check_int_range(dt, low, high)) return NULL;
  fill_spec s = {.kind = FILL_RANDINT, .range = (uint64_t)high - (uint64_t)low, .base = low};
  return make_filled(ndim, shape, dt, o, s);
}

/* randperm_cpu of PyTorch 1.13: one 32-bit draw per swap for every n (checked against
 * torch at n = 214748364, where later releases switch to a 64-bit inside-out shuffle). */
#define CT_RANDPERM_CASE(E, T, s)                                     \
  case E: {                                                           \
    T *r = (T *)ct__ptr(t);                                           \
    for (int64_t i = 0; i < n; i++) r[i] = (T)i;                      \
    for (int64_t i = 0; i + 1 < n; i++) {                             \
      int64_t z = (int64_t)(ct__gen_u32(g) % (uint64_t)(n - i));      \
      T save = r[i];                                                  \
      r[i] = r[z + i];                                                \
      r[z + i] = save;                                                \
    }                                                                 \
  } break;

ct_tensor *ct_randperm_ex(int64_t n, ct_tensor_opts o) {
  ct_dtype dt = resolve(o.dtype, CT_INT64);
  if (n < 0) return ct__err("Trying to create tensor with negative dimension %lld: [%lld]",
                            (long long)n, (long long)n);
  if (dt == CT_BOOL) return ct__err("\"randperm\" not implemented for 'Bool'");
  if (dt == CT_FLOAT32 && n > (1ll << 24) + 1)
    return ct__err("n cannot be greater than 2^24+1 for Float type.");
  if (dt == CT_FLOAT64 && n > (1ll << 53) + 1)
    return ct__err("n cannot be greater than 2^53+1 for Double type.");
  static const char *const cname[] = {"bool", "uint8_t", "int8_t", "int16_t", "int32_t"};
  static const int64_t cmax[] = {1, UINT8_MAX, INT8_MAX, INT16_MAX, INT32_MAX};
  if (dt < CT_INT64 && n > 0 && n - 1 > cmax[dt])
    return ct__err("value cannot be converted to type %s without overflow", cname[dt]);
  ct_tensor *t = ct__empty(dt, 1, &n);
  if (!t) return NULL;
  ct_generator *g = gen_or_default(o.generator);
  gen_lock(g);
  switch (dt) { CT_FOR_DTYPES(CT_RANDPERM_CASE) default: break; }
  gen_unlock(g);
  return ct__finish_opts(t, o);
}
