/* dtype tables and PyTorch's type promotion (c10/core/ScalarType.h, ResultTypeState). */
#include "loops.h"

#include <float.h>
#include <math.h>

static ct_dtype g_default = CT_FLOAT32;

#define NAME_ENTRY(E, T, tn, name, legacy, cname) [E] = name,
#define LEGACY_ENTRY(E, T, tn, name, legacy, cname) [E] = legacy,
#define CNAME_ENTRY(E, T, tn, name, legacy, cname) [E] = cname,
#define SIZE_ENTRY(E, T, tn, name, legacy, cname) [E] = sizeof(T),
static const char *const names[CT_NUM_DTYPES] = {CT_FOR_DTYPE_ROWS(NAME_ENTRY)};
static const char *const legacy[CT_NUM_DTYPES] = {CT_FOR_DTYPE_ROWS(LEGACY_ENTRY)};
static const char *const cnames[CT_NUM_DTYPES] = {CT_FOR_DTYPE_ROWS(CNAME_ENTRY)};
static const size_t sizes[CT_NUM_DTYPES] = {CT_FOR_DTYPE_ROWS(SIZE_ENTRY)};

static bool valid(ct_dtype dt) { return (int)dt >= 0 && dt < CT_NUM_DTYPES; }
const char *ct_dtype_name(ct_dtype dt) { return valid(dt) ? names[dt] : "torch.invalid"; }
const char *ct__legacy_type_name(ct_dtype dt) { return valid(dt) ? legacy[dt] : "?"; }
size_t ct_dtype_size(ct_dtype dt) { return valid(dt) ? sizes[dt] : 0; }
bool ct_dtype_is_floating(ct_dtype dt) {
  return dt == CT_FLOAT32 || dt == CT_FLOAT64 || dt == CT_FLOAT16 || dt == CT_BFLOAT16;
}

void ct_set_default_dtype(ct_dtype dt) {
  if (!ct_dtype_is_floating(dt)) {
    ct__err("only floating-point types are supported as the default type");
    return;
  }
  g_default = dt;
}
ct_dtype ct_get_default_dtype(void) { return g_default; }

ct_dtype ct__float_of(ct_dtype dt) { return ct_dtype_is_floating(dt) ? dt : g_default; }

ct_dtype ct_promote_types(ct_dtype a, ct_dtype b) {
  if ((int)a >= CT_NUM_DTYPES || (int)b >= CT_NUM_DTYPES) {
    ct__err("promote_types: invalid dtype %d", (int)a >= CT_NUM_DTYPES ? (int)a : (int)b);
    return CT_DTYPE_UNSET;
  }
  if (a == b) return a;
  if ((int)a < 0) return b;
  if ((int)b < 0) return a;
  bool fa = ct_dtype_is_floating(a), fb = ct_dtype_is_floating(b);
  if (fa || fb) {
    if (!fa || !fb) return fa ? a : b;
    /* c10's table: float16 + bfloat16 -> float32; a 16-bit float with a wider one -> that */
    if (ct__is_half(a) && ct__is_half(b)) return CT_FLOAT32;
    if (ct__is_half(a) || ct__is_half(b)) return ct__is_half(a) ? b : a;
    return a > b ? a : b;
  }
  if (a == CT_BOOL) return b;
  if (b == CT_BOOL) return a;
  if ((a == CT_UINT8 && b == CT_INT8) || (a == CT_INT8 && b == CT_UINT8)) return CT_INT16;
  return a > b ? a : b;
}

static int category(ct_dtype dt) {
  return dt == CT_BOOL ? 0 : ct_dtype_is_floating(dt) ? 2 : 1;
}

/* combine_categories(higher, lower) from PyTorch's TensorIterator result type. */
static ct_dtype combine(ct_dtype higher, ct_dtype lower) {
  if ((int)higher < 0) return lower;
  if ((int)lower < 0) return higher;
  if (category(higher) == 2) return higher;
  if (higher == CT_BOOL || category(lower) == 2) return ct_promote_types(higher, lower);
  return higher;
}

typedef struct {
  ct_dtype dim, zero, wrapped;
} rt_state;

static void rt_update(rt_state *s, const ct_tensor *t) {
  ct_dtype cur = t->dtype;
  if (t->wrapped_number) {
    if (ct_dtype_is_floating(cur)) cur = g_default;
    s->wrapped = ct_promote_types(s->wrapped, cur);
  } else if (t->ndim == 0) {
    s->zero = ct_promote_types(s->zero, cur);
  } else {
    s->dim = ct_promote_types(s->dim, cur);
  }
}

ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b) {
  rt_state s = {CT_DTYPE_UNSET, CT_DTYPE_UNSET, CT_DTYPE_UNSET};
  if (a) rt_update(&s, a);
  if (b) rt_update(&s, b);
  return combine(s.dim, combine(s.zero, s.wrapped));
}

#define LOAD_CASE(E, T, tn) \
  case E: return (double)*(const T *)p;
double ct__load(const void *p, ct_dtype dt) {
  switch (dt) {
    CT_FOR_DTYPES(LOAD_CASE)
    case CT_FLOAT16: return ct__f16_to_f32(*(const uint16_t *)p);
    case CT_BFLOAT16: return ct__bf16_to_f32(*(const uint16_t *)p);
    default: return 0;
  }
}

int64_t ct__load_i64(const void *p, ct_dtype dt) {
  switch (dt) {
    case CT_INT64: return *(const int64_t *)p;
    case CT_INT32: return *(const int32_t *)p;
    case CT_FLOAT32: return (int64_t)*(const float *)p;
    case CT_FLOAT64: return (int64_t)*(const double *)p;
    default: return (int64_t)ct__load(p, dt);
  }
}

/* bool is v != 0; integers go through int64 (a double past their range wraps as PyTorch's
 * static_cast of a Python int does); floats convert directly. */
#define STORE_CASE(E, T, tn) \
  case E: *(T *)p = E == CT_BOOL ? (T)(v != 0) : ct_dtype_is_floating(E) ? (T)v : (T)(int64_t)v; break;
void ct__store(void *p, ct_dtype dt, double v) {
  switch (dt) {
    CT_FOR_DTYPES(STORE_CASE)
    case CT_FLOAT16: *(uint16_t *)p = ct__f32_to_f16((float)v); break; /* via float, as c10 */
    case CT_BFLOAT16: *(uint16_t *)p = ct__f32_to_bf16((float)v); break;
    default: break;
  }
}

int ct__check_value(double v, ct_dtype dt) {
  static const double lim[CT_NUM_DTYPES] = {0, 255, 127, 32767, 2147483647.0, 0x1p63, FLT_MAX, 0,
                                            65504.0, 0x1.fep127};
  bool bad = false;
  if (dt == CT_FLOAT32 || ct__is_half(dt)) bad = isfinite(v) && fabs(v) > lim[dt];
  else if (dt != CT_FLOAT64 && dt != CT_BOOL)
    /* unsigned targets accept negatives that wrap (two's complement), as c10 does; 2^63 itself
     * passes c10's check but its int64 conversion is undefined, so it fails here */
    bad = !isfinite(v) || v > lim[dt] || (dt == CT_INT64 && v == lim[dt]) ||
          v < (dt == CT_UINT8 ? -lim[dt] : -lim[dt] - 1);
  return bad ? ct__errs("value cannot be converted to type %s without overflow", cnames[dt]) : 0;
}

bool ct__can_cast(ct_dtype from, ct_dtype to) {
  if (ct_dtype_is_floating(from) && !ct_dtype_is_floating(to)) return false;
  if (from != CT_BOOL && to == CT_BOOL) return false;
  return true;
}
