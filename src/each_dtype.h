/* Per-dtype kernels that a debugger can step through: a template file written with T (the
 * C type), TN (the short name of CT_FOR_DTYPES: b, u8, ..., f64) and F(name) (name_<TN>),
 * included once per dtype:
 *
 *   #define CT_TEMPLATE "ops/sort_impl.h"   (relative to src/, where this file is)
 *   #include "../each_dtype.h"
 *
 * Each inclusion makes ordinary functions with real line numbers, where an X-macro tower
 * would make one line of the whole family. The dtypes are those of CT_FOR_DTYPES (internal.h),
 * in its order; a table built from CT_FOR_DTYPES over the generated names fails to compile if
 * one were missing here. (An #include cannot come out of a macro expansion, hence this list.)
 * Kernels that exist only in floating point (pooling, grid_sample, convolution) define
 * CT_FLOATS_ONLY too: then only float and double. */
#ifndef CT_TEMPLATE
#error "define CT_TEMPLATE as the template file to include once per dtype"
#endif
/* F(name): the template's name for this dtype, name_<TN> (minmax_rows -> minmax_rows_f32) */
#define CT_TN_CAT_(a, b) a##_##b
#define CT_TN_CAT(a, b) CT_TN_CAT_(a, b)
#define F(name) CT_TN_CAT(name, TN)
#ifndef CT_FLOATS_ONLY
#define T bool
#define TN b
#include CT_TEMPLATE
#undef T
#undef TN
#define T uint8_t
#define TN u8
#include CT_TEMPLATE
#undef T
#undef TN
#define T int8_t
#define TN i8
#include CT_TEMPLATE
#undef T
#undef TN
#define T int16_t
#define TN i16
#include CT_TEMPLATE
#undef T
#undef TN
#define T int32_t
#define TN i32
#include CT_TEMPLATE
#undef T
#undef TN
#define T int64_t
#define TN i64
#include CT_TEMPLATE
#undef T
#undef TN
#endif
#define T float
#define TN f32
#include CT_TEMPLATE
#undef T
#undef TN
#define T double
#define TN f64
#include CT_TEMPLATE
#undef T
#undef TN
#undef F
#undef CT_TN_CAT
#undef CT_TN_CAT_
#undef CT_TEMPLATE
#undef CT_FLOATS_ONLY
