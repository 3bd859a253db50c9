/* Unary float functions beyond unary.c: hyperbolic and inverse trig, the gamma family
 * (lgamma, digamma, polygamma, mvlgamma), erfc, erfinv, i0, sinc, logit, frac, deg2rad /
 * rad2deg, nan_to_num, and the bool tests isfinite / isposinf / isneginf / isreal / signbit.
 * Integer and bool inputs compute in the default float dtype, as PyTorch's float functions.
 * digamma, polygamma, erfinv and i0 follow the algorithms of PyTorch's ATen/native/Math.h
 * (Cephes derived, see its note on the Cephes license) so values agree to the last ulps.
 * Backward formulas are PyTorch's derivatives.yaml ones, written with differentiable ops. */
#include "../internal.h"
#include "elementwise.h"
#include <float.h>
#include <tgmath.h>

/* ---- scalar functions ------------------------------------------------------------------- */
/* float / double pairs of each function, named f_<fn> / d_<fn>; the float forms compute in
 * float where PyTorch's CPU kernels do (zeta accumulates in double there, too). */
#define PI_D 3.14159265358979323846

/* Cephes' polevl: sum A[i] x^(len - i), i = 0..len. */
#define POLEVL(T, p)                                                                     \
  static inline T p##_polevl(T x, const T *A, int len) {                                 \
    T r = 0;                                                                            \
    for (int i = 0; i <= len; i++) r = r * x + A[i];                                    \
    return r;                                                                           \
  }
POLEVL(float, f)
POLEVL(double, d)

/* digamma: reflection for x < 0, recurrence up to x >= 10, then the asymptotic series. */
#define DIGAMMA(T, p, S)                                                                 \
  static T p##_digamma(T x) {                                                            \
    static const T A[] = {8.33333333333333333333E-2##S, -2.10927960927960927961E-2##S,   \
                          7.57575757575757575758E-3##S, -4.16666666666666666667E-3##S,   \
                          3.96825396825396825397E-3##S, -8.33333333333333333333E-3##S,   \
                          8.33333333333333333333E-2##S};                                 \
    if (x == 0) return copysign((T)INFINITY, -x); /* +-0 -> -+inf */                     \
    if (x < 0) {                                                                         \
      if (x == trunc(x)) return (T)NAN;                                                  \
      double r = (double)x - trunc((double)x); /* tan(pi r) is exact-er than tan(pi x) */ \
      return p##_digamma(1 - x) - (T)(PI_D / tan(PI_D * r));                             \
    }                                                                                    \
    T res = 0;                                                                           \
    for (; x < 10; x += 1) res -= 1 / x;                                                 \
    if (x == 10) return res + (T)2.25175258906672110764;                                 \
    T y = 0;                                                                             \
    if (x < (T)1.0e17) {                                                                 \
      T z = 1 / (x * x);                                                                 \
      y = z * p##_polevl(z, A, 6);                                                       \
    }                                                                                    \
    return res + log(x) - ((T)0.5 / x) - y;                                              \
  }
DIGAMMA(float, f, f)
DIGAMMA(double, d, )

/* trigamma: reflection below 0.5, six recurrence steps, then the asymptotic series. */
#define TRIGAMMA(T, p)                                                                   \
  static T p##_trigamma(T x) {                                                           \
    T sign = 1, res = 0;                                                                 \
    if (x < (T)0.5) {                                                                    \
      sign = -1;                                                                         \
      T s = sin((T)PI_D * x);                                                            \
      res -= ((T)PI_D * (T)PI_D) / (s * s);                                              \
      x = 1 - x;                                                                         \
    }                                                                                    \
    for (int i = 0; i < 6; i++, x += 1) res += 1 / (x * x);                              \
    T ixx = 1 / (x * x);                                                                 \
    res += (1 + 1 / (2 * x) + ixx * ((T)1 / 6 - ixx * ((T)1 / 30 - ixx * ((T)1 / 42)))) / x; \
    return sign * res;                                                                   \
  }
TRIGAMMA(float, f)
TRIGAMMA(double, d)

/* Hurwitz zeta(x, q) (Cephes' zeta: direct sum, then Euler-Maclaurin), in double. */
static double zeta(double x, double q) {
  static const double A[] = {12.0, -720.0, 30240.0, -1209600.0, 47900160.0,
                             -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12,
                             1.1646782814350067249e14, -4.5979787224074726105e15,
                             1.8152105401943546773e17, -7.1661652561756670113e18};
  const double MACHEP = 1.11022302462515654042E-16;
  if (x == 1) return INFINITY;
  if (x < 1) return NAN;
  if (q <= 0) {
    if (q == floor(q)) return INFINITY;
    if (x != floor(x)) return NAN;
  }
  double s = pow(q, -x), a = q, b = 0;
  int i = 0;
  while (i < 9 || a <= 9.0) {
    i++;
    a += 1;
    b = pow(a, -x);
    s += b;
    if (-MACHEP * s < b && b < MACHEP * s) return s;
  }
  double w = a, k = 0;
  s += b * w / (x - 1);
  s -= 0.5 * b;
  a = 1;
  for (int j = 0; j < 12; j++) {
    a *= x + k;
    b /= w;
    double t = a * b / A[j];
    s += t;
    if (fabs(t / s) < MACHEP) return s;
    k += 1;
    a *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/* polygamma(n, x) for n >= 2: (-1)^(n+1) n! zeta(n + 1, x) */
#define POLYGAMMA(T, p)                                                                  \
  static T p##_polygamma(T x, int n) {                                                   \
    if (n == 0) return p##_digamma(x);                                                   \
    if (n == 1) return p##_trigamma(x);                                                  \
    return (T)((n % 2) ? 1 : -1) * exp(lgamma((T)n + 1)) * (T)zeta((double)n + 1, (double)x); \
  }
POLYGAMMA(float, f)
POLYGAMMA(double, d)

/* erfinv: a rational first guess, then two Newton steps on erf. */
#define ERFINV(T, p)                                                                     \
  static T p##_erfinv(T y) {                                                             \
    static const T a[4] = {0.886226899, -1.645349621, 0.914624893, -0.140543331};        \
    static const T b[4] = {-2.118377725, 1.442710462, -0.329097515, 0.012229801};        \
    static const T c[4] = {-1.970840454, -1.624906493, 3.429567803, 1.641345311};        \
    static const T d[2] = {3.543889200, 1.637067800};                                    \
    T ay = fabs(y), x;                                                                   \
    if (ay > 1) return (T)NAN;                                                           \
    if (ay == 1) return copysign((T)INFINITY, y);                                        \
    if (ay <= (T)0.7) {                                                                  \
      T z = y * y;                                                                       \
      T num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0];                                 \
      T dem = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1;                       \
      x = y * num / dem;                                                                 \
    } else {                                                                             \
      T z = sqrt(-log((1 - ay) / 2));                                                    \
      T num = ((c[3] * z + c[2]) * z + c[1]) * z + c[0];                                 \
      T dem = (d[1] * z + d[0]) * z + 1;                                                 \
      x = copysign(num, y) / dem;                                                        \
    }                                                                                    \
    const T k = (T)2 / (T)sqrt(PI_D);                                                    \
    x = x - (erf(x) - y) / (k * exp(-x * x));                                            \
    x = x - (erf(x) - y) / (k * exp(-x * x));                                            \
    return x;                                                                            \
  }
ERFINV(float, f)
ERFINV(double, d)

/* Chebyshev coefficients (Cephes) of exp(-x) I0(x) on [0, 8] and exp(-x) sqrt(x) I0(x) on
 * (8, inf), and of the same for I1 (times 1/x on [0, 8]). The float forms use tails of the
 * I1 tables, as PyTorch does. */
static const double I0_A[30] = {
    -4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
    1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
    -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
    9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
    -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
    1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
    -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
    1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
    -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
    1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1};
static const double I0_B[25] = {
    -7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
    3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
    1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
    -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
    7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
    -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
    3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
    2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
    8.04490411014108831608E-1};
static const double I1_A[29] = {
    2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
    -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
    3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
    -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
    9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
    -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
    4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
    -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
    2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
    -1.76416518357834055153E-1, 2.52587186443633654823E-1};
static const double I1_B[25] = {
    7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
    -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
    -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
    4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
    -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
    3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
    -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
    -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
    7.78576235018280120474E-1};

/* Clenshaw's recurrence for a Chebyshev series (Cephes' chbevl), coefficients rounded to T */
#define CHBEVL(T, p)                                                                     \
  static inline T p##_chbevl(T x, const double *a, int len) {                            \
    T b0 = (T)a[0], b1 = 0, b2 = 0;                                                      \
    for (int i = 1; i < len; i++) {                                                      \
      b2 = b1;                                                                           \
      b1 = b0;                                                                           \
      b0 = x * b1 - b2 + (T)a[i];                                                        \
    }                                                                                    \
    return (T)0.5 * (b0 - b2);                                                           \
  }
CHBEVL(float, f)
CHBEVL(double, d)

/* I0 and I1 (odd); nA / nB: how many trailing coefficients of the I1 tables the type uses */
#define BESSEL(T, p, nA, nB)                                                             \
  static T p##_i0(T v) {                                                                 \
    T x = fabs(v);                                                                       \
    if (x <= 8) return exp(x) * p##_chbevl(x / 2 - 2, I0_A, 30);                         \
    return exp(x) * p##_chbevl(32 / x - 2, I0_B, 25) / sqrt(x);                          \
  }                                                                                      \
  static T p##_i1(T v) {                                                                 \
    T x = fabs(v), out;                                                                  \
    if (x <= 8)                                                                          \
      out = exp(x) * x * p##_chbevl(x / 2 - 2, I1_A + 29 - (nA), nA);                    \
    else                                                                                 \
      out = exp(x) * p##_chbevl(32 / x - 2, I1_B + 25 - (nB), nB) / sqrt(x);             \
    return v < 0 ? -out : out;                                                           \
  }
BESSEL(float, f, 17, 7)
BESSEL(double, d, 29, 25)

/* sinc(x) = sin(pi x) / (pi x), 1 at 0 */
#define SINC(T, p)                                                                       \
  static inline T p##_sinc(T x) {                                                        \
    if (x == 0) return 1;                                                                \
    T px = (T)PI_D * x;                                                                  \
    return sin(px) / px;                                                                 \
  }
SINC(float, f)
SINC(double, d)

/* logit(x) = log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps >= 0 */
#define LOGIT(T, p)                                                                      \
  static inline T p##_logit(T x, double eps) {                                           \
    if (eps >= 0) {                                                                      \
      T lo = (T)eps, hi = 1 - (T)eps;                                                    \
      x = x < lo ? lo : x > hi ? hi : x; /* NaN stays NaN */                             \
    }                                                                                    \
    return log(x / (1 - x));                                                             \
  }
LOGIT(float, f)
LOGIT(double, d)

/* mvlgamma(x, p) = sum_{j<p} lgamma(x - j/2) + p (p-1)/4 log(pi), summed from j = p-1 down
 * (PyTorch's arange order) */
#define MVLGAMMA(T, p_)                                                                  \
  static inline T p_##_mvlgamma(T x, int64_t p) {                                        \
    T s = 0;                                                                             \
    for (int64_t j = p - 1; j >= 0; j--) s += lgamma(x + (T)(-0.5 * (double)j));         \
    return s + (T)((double)(p * (p - 1)) * log(PI_D) * 0.25);                             \
  }
MVLGAMMA(float, f)
MVLGAMMA(double, d)

/* nan_to_num's replacements, in the tensor's dtype */
typedef struct {
  double nan, posinf, neginf;
} nan_to_num_ctx;
#define NAN_TO_NUM(T, p)                                                                 \
  static inline T p##_nan_to_num(T x, const nan_to_num_ctx *c) {                         \
    return x != x ? (T)c->nan : x == (T)INFINITY ? (T)c->posinf                         \
                                : x == -(T)INFINITY ? (T)c->neginf : x;                  \
  }
NAN_TO_NUM(float, f)
NAN_TO_NUM(double, d)

/* ---- loops: out (shape of x), x -> out ------------------------------------------------- */
#define PICKF(fn) CT_PICK_FN(x, f_##fn, d_##fn, d_##fn)
CT_UNARY_FLOAT(sinh_loop, sinh(x))
CT_UNARY_FLOAT(cosh_loop, cosh(x))
CT_UNARY_FLOAT(asinh_loop, asinh(x))
CT_UNARY_FLOAT(acosh_loop, acosh(x))
CT_UNARY_FLOAT(atanh_loop, atanh(x))
CT_UNARY_FLOAT(asin_loop, asin(x))
CT_UNARY_FLOAT(acos_loop, acos(x))
CT_UNARY_FLOAT(atan_loop, atan(x))
CT_UNARY_FLOAT(lgamma_loop, lgamma(x))
CT_UNARY_FLOAT(digamma_loop, PICKF(digamma)(x))
CT_UNARY_FLOAT(polygamma_loop, PICKF(polygamma)(x, *(const int *)ctx))
CT_UNARY_FLOAT(mvlgamma_loop, PICKF(mvlgamma)(x, *(const int64_t *)ctx))
CT_UNARY_FLOAT(erfc_loop, erfc(x))
CT_UNARY_FLOAT(erfinv_loop, PICKF(erfinv)(x))
CT_UNARY_FLOAT(i0_loop, PICKF(i0)(x))
CT_UNARY_FLOAT(i1_loop, PICKF(i1)(x))
CT_UNARY_FLOAT(sinc_loop, PICKF(sinc)(x))
CT_UNARY_FLOAT(logit_loop, PICKF(logit)(x, *(const double *)ctx))
CT_UNARY_FLOAT(frac_loop, x - trunc(x))
CT_UNARY_FLOAT(deg2rad_loop, x * (PI_D / 180))
CT_UNARY_FLOAT(rad2deg_loop, x * (180 / PI_D))
CT_UNARY_FLOAT(nan_to_num_loop, PICKF(nan_to_num)(x, ctx))
/* bool tests: out (bool, shape of x), x -> out */
CT_UNARY_LOOP(isfinite_loop, float, bool, f32, isfinite(x))
CT_UNARY_LOOP(isfinite_loop, double, bool, f64, isfinite(x))
CT_LOOP_TABLE_FLOAT(isfinite_loop);
CT_UNARY_LOOP(isposinf_loop, float, bool, f32, x == INFINITY)
CT_UNARY_LOOP(isposinf_loop, double, bool, f64, x == INFINITY)
CT_LOOP_TABLE_FLOAT(isposinf_loop);
CT_UNARY_LOOP(isneginf_loop, float, bool, f32, x == -INFINITY)
CT_UNARY_LOOP(isneginf_loop, double, bool, f64, x == -INFINITY)
CT_LOOP_TABLE_FLOAT(isneginf_loop);
/* signbit: -0.0 and -nan count; integers compare with 0 (in int64: unsigned never) */
static inline bool i_signbit(int64_t v) { return v < 0; }
static inline bool f_signbit(float v) { return signbit(v) != 0; }
static inline bool d_signbit(double v) { return signbit(v) != 0; }
CT_UNARY_CMP(signbit_loop, CT_PICK(x, f_signbit, d_signbit, i_signbit))

/* ---- drivers ------------------------------------------------------------------------------ */
/* Run loops over t in its float dtype (the default float dtype for int/bool) and record a
 * node named name (args copied in when type is not NULL). */
static ct_tensor *float_op(const ct_tensor *t, const char *kname, const ct_loop_fn *loops,
                           void *ctx, const char *name, ct_backward_fn bw, int save,
                           const ct_args_type *type, const void *args) {
  if (!t) return NULL;
  ct_dtype dt = ct__float_of(t->dtype);
  ct_tensor *out = ct__ew_record1(ct__unary_kernel(kname, t, dt, dt, loops, ctx), t, name, bw, save);
  if (out && type && out->grad_fn) memcpy(ct__node_new_args(out->grad_fn, type, 0), args, type->size);
  return out;
}

/* A bool result: loops for floating t, else every element `int_value`. */
static ct_tensor *bool_test(const ct_tensor *t, const char *name, const ct_loop_fn *loops,
                            bool int_value) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return (int_value ? ct_ones_ex : ct_zeros_ex)(t->ndim, t->shape,
                                                  CT_TENSOR_OPTS(.dtype = CT_BOOL));
  return ct__unary_kernel(name, t, t->dtype, CT_BOOL, loops, NULL);
}

#define S0 ct__saved(n, 0)

/* ---- backward formulas -------------------------------------------------------------------- */
/* sinh: gx = g * cosh(x) */
static void sinh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_cosh(S0));
}
/* cosh: gx = g * sinh(x) */
static void cosh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_sinh(S0));
}
/* asinh: gx = g * (x^2 + 1)^-1/2 */
static void asinh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_rsqrt(ct_add_scalar(ct_mul(S0, S0), 1)));
}
/* acosh: gx = g * (x^2 - 1)^-1/2 */
static void acosh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_rsqrt(ct_sub_scalar(ct_mul(S0, S0), 1)));
}
/* atanh: gx = g / (1 - x^2) */
static void atanh_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_rsub_scalar(ct_mul(S0, S0), 1));
}
/* asin: gx = g * (1 - x^2)^-1/2 */
static void asin_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_rsqrt(ct_rsub_scalar(ct_mul(S0, S0), 1)));
}
/* acos: gx = -g * (1 - x^2)^-1/2 */
static void acos_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_neg(ct_rsqrt(ct_rsub_scalar(ct_mul(S0, S0), 1))));
}
/* atan: gx = g / (x^2 + 1) */
static void atan_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_div(g[0], ct_add_scalar(ct_mul(S0, S0), 1));
}
/* acosh_ / asinh_ / atanh_: PyTorch has no derivative for the in-place forms */
#define NOT_IMPLEMENTED_BACKWARD(fn)                                                     \
  static void fn##_inplace_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {   \
    (void)n, (void)g, (void)gi;                                                          \
    ct__err("the derivative for 'inplace version of " #fn "' is not implemented.");      \
  }
NOT_IMPLEMENTED_BACKWARD(acosh)
NOT_IMPLEMENTED_BACKWARD(asinh)
NOT_IMPLEMENTED_BACKWARD(atanh)
/* lgamma: gx = g * digamma(x) */
static void lgamma_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_digamma(S0));
}
/* digamma: gx = g * polygamma(1, x) */
static void digamma_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_polygamma(1, S0));
}
typedef struct {
  int64_t k; /* polygamma's n, mvlgamma's p */
} order_args;
CT_ARGS_TYPE(order_args, NULL);
/* polygamma(n, x): gx = g * polygamma(n + 1, x) */
static void polygamma_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_polygamma(CT_ARGS(n, order_args)->k + 1, S0));
}
/* mvlgamma(x, p): gx = g * sum_{j<p} digamma(x - j/2) */
static void mvlgamma_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  int64_t p = CT_ARGS(n, order_args)->k;
  ct_tensor *s = ct_digamma(S0);
  for (int64_t j = 1; j < p; j++) s = ct_add(s, ct_digamma(ct_sub_scalar(S0, 0.5 * (double)j)));
  gi[0] = ct_mul(g[0], s);
}
/* erfc: gx = -2/sqrt(pi) * exp(-x^2) * g */
static void erfc_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(ct_mul_scalar(ct_exp(ct_neg(ct_mul(S0, S0))), -M_2_SQRTPI), g[0]);
}
/* erfinv: gx = sqrt(pi)/2 * exp(erfinv(x)^2) * g */
static void erfinv_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *y = ct_erfinv(S0);
  gi[0] = ct_mul(ct_mul_scalar(ct_exp(ct_mul(y, y)), 0.88622692545275801365), g[0]);
}
static ct_tensor *special_i1(const ct_tensor *t);
/* i0: gx = g * i1(x) */
static void i0_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], special_i1(S0));
}
/* i1 (saved x and out): gx = g * (i0(x) - out / x), 0.5 g at x == 0 */
static void i1_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = S0, *y = ct__saved(n, 1);
  ct_tensor *d = ct_where(ct_eq_scalar(x, 0), ct_scalar_tensor(0.5, x->dtype),
                          ct_sub(ct_i0(x), ct_div(y, x)));
  gi[0] = ct_mul(g[0], d);
}
/* sinc: gx = g * (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where pi x^2 == 0 */
static void sinc_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  ct_tensor *x = S0, *px = ct_mul_scalar(x, PI_D), *pxx = ct_mul(px, x);
  ct_tensor *d = ct_div(ct_mul(g[0], ct_sub(ct_mul(px, ct_cos(px)), ct_sin(px))), pxx);
  gi[0] = ct_where(ct_eq_scalar(pxx, 0), ct_scalar_tensor(0, d ? d->dtype : x->dtype), d);
}
typedef struct {
  double eps;
} logit_args;
CT_ARGS_TYPE(logit_args, NULL);
/* logit: gx = g / (x (1 - x)); with eps >= 0, 0 outside [eps, 1 - eps]; without, NaN
 * outside [0, 1] */
static void logit_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  double eps = CT_ARGS(n, logit_args)->eps;
  ct_tensor *x = S0;
  ct_tensor *d = ct_div(g[0], ct_mul(x, ct_rsub_scalar(x, 1)));
  if (!d) return;
  double lo = eps >= 0 ? eps : 0, hi = eps >= 0 ? 1 - eps : 1;
  ct_tensor *out = ct_logical_or(ct_lt_scalar(x, lo), ct_gt_scalar(x, hi));
  gi[0] = ct_where(out, ct_scalar_tensor(eps >= 0 ? 0 : NAN, d->dtype), d);
}
/* frac: gx = g */
static void frac_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul_scalar(g[0], 1);
}
/* deg2rad: gx = g * pi / 180; rad2deg: gx = g * 180 / pi */
static void deg2rad_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul_scalar(g[0], PI_D / 180);
}
static void rad2deg_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul_scalar(g[0], 180 / PI_D);
}
/* nan_to_num: gx = g * isfinite(x) */
static void nan_to_num_backward(ct_node *n, ct_tensor *const *g, ct_tensor **gi) {
  gi[0] = ct_mul(g[0], ct_isfinite(S0));
}

/* ---- forward ---------------------------------------------------------------------------- */
#define FLOAT_OP(fn, name, save)                                                         \
  ct_tensor *ct_##fn(const ct_tensor *t) {                                               \
    return float_op(t, #fn "_cpu", fn##_loop, NULL, name, fn##_backward, save, NULL, NULL); \
  }
FLOAT_OP(sinh, "SinhBackward0", CT_SAVE_INPUT)
FLOAT_OP(cosh, "CoshBackward0", CT_SAVE_INPUT)
FLOAT_OP(asinh, "AsinhBackward0", CT_SAVE_INPUT)
FLOAT_OP(acosh, "AcoshBackward0", CT_SAVE_INPUT)
FLOAT_OP(atanh, "AtanhBackward0", CT_SAVE_INPUT)
FLOAT_OP(asin, "AsinBackward0", CT_SAVE_INPUT)
FLOAT_OP(acos, "AcosBackward0", CT_SAVE_INPUT)
FLOAT_OP(atan, "AtanBackward0", CT_SAVE_INPUT)
FLOAT_OP(lgamma, "LgammaBackward0", CT_SAVE_INPUT)
FLOAT_OP(digamma, "DigammaBackward0", CT_SAVE_INPUT)
FLOAT_OP(erfc, "ErfcBackward0", CT_SAVE_INPUT)
FLOAT_OP(erfinv, "ErfinvBackward0", CT_SAVE_INPUT)
FLOAT_OP(i0, "I0Backward0", CT_SAVE_INPUT)
FLOAT_OP(sinc, "SincBackward0", CT_SAVE_INPUT)
FLOAT_OP(deg2rad, "Deg2RadBackward0", CT_SAVE_NONE)
FLOAT_OP(rad2deg, "Rad2DegBackward0", CT_SAVE_NONE)

/* special.i1, kept internal: i0's derivative (and its own, for double backward) */
static ct_tensor *special_i1(const ct_tensor *t) {
  ct_tensor *out = float_op(t, "i1_cpu", i1_loop, NULL, "SpecialI1Backward0", i1_backward,
                            CT_SAVE_INPUT, NULL, NULL);
  if (out && out->grad_fn) ct__save(out->grad_fn, out, true);
  return out;
}

ct_tensor *ct_frac(const ct_tensor *t) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"frac_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  return float_op(t, "frac_cpu", frac_loop, NULL, "FracBackward0", frac_backward, CT_SAVE_NONE,
                  NULL, NULL);
}

static ct_tensor *polygamma(int64_t k, const ct_tensor *t, const char *name) {
  if (!t) return NULL;
  if (k < 0) return ct__err("polygamma(n, x) does not support negative n.");
  int ki = k > INT32_MAX ? INT32_MAX : (int)k;
  return float_op(t, "polygamma", polygamma_loop, &ki, name, polygamma_backward, CT_SAVE_INPUT,
                  &order_args_type, &(order_args){k});
}
ct_tensor *ct_polygamma(int64_t n, const ct_tensor *t) { return polygamma(n, t, "PolygammaBackward0"); }

ct_tensor *ct_mvlgamma(const ct_tensor *t, int64_t p) {
  if (!t) return NULL;
  if (t->dtype == CT_BOOL) return ct__err("The input tensor may not be a boolean tensor.");
  if (p < 1) return ct__err("p has to be greater than or equal to 1");
  return float_op(t, "mvlgamma", mvlgamma_loop, &p, "MvlgammaBackward0", mvlgamma_backward,
                  CT_SAVE_INPUT, &order_args_type, &(order_args){p});
}

ct_tensor *ct_logit(const ct_tensor *t, double eps) {
  double e = eps >= 0 ? eps : -1; /* NaN or negative: None */
  return float_op(t, "logit_cpu", logit_loop, &e, "LogitBackward0", logit_backward, CT_SAVE_INPUT,
                  &logit_args_type, &(logit_args){e});
}

ct_tensor *ct_special_expit(const ct_tensor *t) { return ct_sigmoid(t); }

/* Replacements with PyTorch's defaults (NaN for posinf / neginf: the dtype's max / lowest). */
static nan_to_num_ctx nan_to_num_values(ct_dtype dt, double nan, double posinf, double neginf) {
  double mx = dt == CT_FLOAT32 ? FLT_MAX : dt == CT_FLOAT16 ? 65504.0 : dt == CT_BFLOAT16 ? 0x1.fep127 : DBL_MAX;
  return (nan_to_num_ctx){nan, posinf == posinf ? posinf : mx, neginf == neginf ? neginf : -mx};
}
ct_tensor *ct_nan_to_num(const ct_tensor *t, double nan, double posinf, double neginf) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype)) return ct_clone(t); /* nothing to replace */
  nan_to_num_ctx c = nan_to_num_values(t->dtype, nan, posinf, neginf);
  return float_op(t, "nan_to_num", nan_to_num_loop, &c, "NanToNumBackward0", nan_to_num_backward,
                  CT_SAVE_INPUT, NULL, NULL);
}

ct_tensor *ct_isfinite(const ct_tensor *t) { return bool_test(t, "isfinite", isfinite_loop, true); }
ct_tensor *ct_isposinf(const ct_tensor *t) { return bool_test(t, "isposinf", isposinf_loop, false); }
ct_tensor *ct_isneginf(const ct_tensor *t) { return bool_test(t, "isneginf", isneginf_loop, false); }
/* every real dtype is real: all true */
ct_tensor *ct_isreal(const ct_tensor *t) {
  return t ? ct_ones_ex(t->ndim, t->shape, CT_TENSOR_OPTS(.dtype = CT_BOOL)) : NULL;
}
ct_tensor *ct_signbit(const ct_tensor *t) {
  return t ? ct__unary_kernel("signbit_cpu", t, t->dtype, CT_BOOL, signbit_loop, NULL) : NULL;
}

/* ---- in-place forms ---------------------------------------------------------------------- */
/* t = op(t) through the in-place driver: unary, or call with arg */
static ct_tensor *float_inplace(ct_tensor *t, const char *name, const ct_loop_fn *loops,
                                void *ctx, ct_tensor *(*unary)(const ct_tensor *),
                                ct_tensor *(*call)(const ct_tensor *, const void *),
                                const void *arg) {
  if (!t) return NULL;
  return ct__inplace(t, &(ct_inplace_spec){.name = name, .result_type = ct__float_of(t->dtype),
                                           .loops = loops, .ctx = ctx, .needs_input = true,
                                           .unary = unary, .call = call, .arg = arg});
}
#define INPLACE_OP(fn)                                                                   \
  ct_tensor *ct_##fn##_(ct_tensor *t) {                                                  \
    return float_inplace(t, #fn "_cpu", fn##_loop, NULL, ct_##fn, NULL, NULL);           \
  }
INPLACE_OP(sinh)
INPLACE_OP(cosh)
INPLACE_OP(asin)
INPLACE_OP(acos)
INPLACE_OP(atan)
INPLACE_OP(lgamma)
INPLACE_OP(digamma)
INPLACE_OP(erfc)
INPLACE_OP(erfinv)
INPLACE_OP(i0)
INPLACE_OP(sinc)
INPLACE_OP(deg2rad)
INPLACE_OP(rad2deg)

/* acosh_ / asinh_ / atanh_: the graph gets PyTorch's Backward1 node, whose backward fails */
#define INPLACE_NOGRAD(fn, name)                                                         \
  static ct_tensor *fn##_ip(const ct_tensor *t) {                                        \
    return float_op(t, #fn "_cpu", fn##_loop, NULL, name, fn##_inplace_backward,         \
                    CT_SAVE_NONE, NULL, NULL);                                           \
  }                                                                                      \
  ct_tensor *ct_##fn##_(ct_tensor *t) {                                                  \
    return float_inplace(t, #fn "_cpu", fn##_loop, NULL, fn##_ip, NULL, NULL);           \
  }
INPLACE_NOGRAD(acosh, "AcoshBackward1")
INPLACE_NOGRAD(asinh, "AsinhBackward1")
INPLACE_NOGRAD(atanh, "AtanhBackward1")

ct_tensor *ct_frac_(ct_tensor *t) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype))
    return ct__err("\"frac_cpu\" not implemented for '%s'", ct__dtype_short(t->dtype));
  return float_inplace(t, "frac_cpu", frac_loop, NULL, ct_frac, NULL, NULL);
}

static ct_tensor *polygamma_call(const ct_tensor *t, const void *k) {
  return polygamma(*(const int64_t *)k, t, "PolygammaBackward1");
}
ct_tensor *ct_polygamma_(ct_tensor *t, int64_t n) {
  if (!t) return NULL;
  if (n < 0) return ct__err("polygamma(n, x) does not support negative n.");
  int ki = n > INT32_MAX ? INT32_MAX : (int)n;
  return float_inplace(t, "polygamma", polygamma_loop, &ki, NULL, polygamma_call, &n);
}

static ct_tensor *mvlgamma_call(const ct_tensor *t, const void *p) {
  return ct_mvlgamma(t, *(const int64_t *)p);
}
ct_tensor *ct_mvlgamma_(ct_tensor *t, int64_t p) {
  if (!t) return NULL;
  if (t->dtype == CT_BOOL) return ct__err("The input tensor may not be a boolean tensor.");
  if (p < 1) return ct__err("p has to be greater than or equal to 1");
  return float_inplace(t, "mvlgamma", mvlgamma_loop, &p, NULL, mvlgamma_call, &p);
}

static ct_tensor *logit_call(const ct_tensor *t, const void *eps) {
  return ct_logit(t, *(const double *)eps);
}
ct_tensor *ct_logit_(ct_tensor *t, double eps) {
  double e = eps >= 0 ? eps : -1;
  return float_inplace(t, "logit_cpu", logit_loop, &e, NULL, logit_call, &e);
}

static ct_tensor *nan_to_num_call(const ct_tensor *t, const void *c) {
  const nan_to_num_ctx *v = c;
  return ct_nan_to_num(t, v->nan, v->posinf, v->neginf);
}
ct_tensor *ct_nan_to_num_(ct_tensor *t, double nan, double posinf, double neginf) {
  if (!t) return NULL;
  if (!ct_dtype_is_floating(t->dtype)) {
    if (ct__check_inplace(t)) return NULL;
    return t; /* integers hold no NaN or inf */
  }
  nan_to_num_ctx c = nan_to_num_values(t->dtype, nan, posinf, neginf);
  return ct__inplace(t, &(ct_inplace_spec){.name = "nan_to_num", .result_type = t->dtype,
                                           .loops = nan_to_num_loop, .ctx = &c,
                                           .needs_input = true, .call = nan_to_num_call,
                                           .arg = &c});
}
