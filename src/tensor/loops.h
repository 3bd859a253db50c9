/* The elementwise iterator (iter.c) and the loop generators kernels are made with. */
#ifndef CTORCH_TENSOR_LOOPS_H
#define CTORCH_TENSOR_LOOPS_H

#include "tensor_impl.h"
#include "dtype_list.h"

/* ---- elementwise iteration ---------------------------------------------------------
 * A loop gets one byte pointer and one byte stride per operand and n elements.
 * ct__foreach runs it over same-shaped operands (op 0 is the output), coalescing dims
 * and splitting big ranges across OpenMP threads. */
typedef void (*ct_loop_fn)(char **data, const int64_t *strides, int64_t n, void *ctx);
void ct__foreach(int nops, ct_tensor *const *ops, ct_loop_fn fn, void *ctx);
/* Smallest element count worth splitting across threads. */
#define CT_GRAIN 32768

/* Binary elementwise helper: broadcast a and b, convert both to the compute dtype, run
 * loops[compute] into a new tensor of dtype out. name is for the "not implemented" error. */
ct_tensor *ct__binary_kernel(const char *name, const ct_tensor *a, const ct_tensor *b,
                             ct_dtype compute, ct_dtype out, const ct_loop_fn *loops, void *ctx);
/* Unary: t converted to the compute dtype, result of dtype out. */
ct_tensor *ct__unary_kernel(const char *name, const ct_tensor *t, ct_dtype compute, ct_dtype out,
                            const ct_loop_fn *loops, void *ctx);
/* In-place: dst (any strides) = loops[dst dtype](dst, b broadcast to dst), b converted. */
int ct__binary_inplace_kernel(const char *name, ct_tensor *dst, const ct_tensor *b,
                              const ct_loop_fn *loops, void *ctx);
int ct__unary_inplace_kernel(const char *name, ct_tensor *dst, const ct_loop_fn *loops, void *ctx);
/* PyTorch's short dtype names for kernel errors: 'Float', 'Long', 'Bool' ... */
const char *ct__dtype_short(ct_dtype dt);

/* Loop generators. EXPR sees a, b (binary) or x (unary) of type T and `ctx`; the result is
 * converted to OT. Contiguous and scalar-operand cases get their own vectorisable loops. */
#define CT_BINARY_LOOP(name, T, OT, tn, EXPR)                                            \
  static void name##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (void)ctx;                                                                          \
    OT *o = (OT *)d[0];                                                                 \
    const T *pa = (const T *)d[1], *pb = (const T *)d[2];                               \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == sizeof(T)) {                 \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = pa[i], b = pb[i];                                                         \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else if (s[0] == sizeof(OT) && s[1] == sizeof(T) && s[2] == 0) {                  \
      const T b = pb[0];                                                                \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = pa[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else if (s[0] == sizeof(OT) && s[1] == 0 && s[2] == sizeof(T)) {                  \
      const T a = pa[0];                                                                \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T b = pb[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T a = *(const T *)(d[1] + i * s[1]), b = *(const T *)(d[2] + i * s[2]);         \
        *(OT *)(d[0] + i * s[0]) = (OT)(EXPR);                                          \
      }                                                                                 \
    }                                                                                   \
  }
#define CT_UNARY_LOOP(name, T, OT, tn, EXPR)                                             \
  static void name##_##tn(char **d, const int64_t *s, int64_t n, void *ctx) {           \
    (void)ctx;                                                                          \
    if (s[0] == sizeof(OT) && s[1] == sizeof(T)) {                                      \
      OT *o = (OT *)d[0];                                                               \
      const T *px = (const T *)d[1];                                                    \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T x = px[i];                                                                    \
        o[i] = (OT)(EXPR);                                                              \
      }                                                                                 \
    } else {                                                                            \
      for (int64_t i = 0; i < n; i++) {                                                 \
        T x = *(const T *)(d[1] + i * s[1]);                                            \
        *(OT *)(d[0] + i * s[0]) = (OT)(EXPR);                                          \
      }                                                                                 \
    }                                                                                   \
  }
/* Tables indexed by dtype. _ALL: every dtype; _FLOAT: float32/float64 only (NULL else);
 * _NUMERIC: all but bool (NULL). */
#define CT__LOOP_ENTRY(name, E, T, tn) [E] = name##_##tn,
#define CT_LOOP_TABLE_ALL(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_DTYPES_WITH(CT__LOOP_ENTRY, name, )}
#define CT_LOOP_TABLE_FLOAT(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_FLOATS_WITH(CT__LOOP_ENTRY, name, )}
#define CT_LOOP_TABLE_NUMERIC(name) \
  static const ct_loop_fn name[CT_NUM_DTYPES] = {CT_FOR_NUMERIC_WITH(CT__LOOP_ENTRY, name, )}
/* Loops and table in one: _ALL, _NUMERIC, _FLOAT keep the dtype, _CMP gives bool. */
#define CT__BINARY_SAME(name, EXPR, E, T, tn) CT_BINARY_LOOP(name, T, T, tn, EXPR)
#define CT__BINARY_BOOL(name, EXPR, E, T, tn) CT_BINARY_LOOP(name, T, bool, tn, EXPR)
#define CT__UNARY_SAME(name, EXPR, E, T, tn) CT_UNARY_LOOP(name, T, T, tn, EXPR)
#define CT__UNARY_BOOL(name, EXPR, E, T, tn) CT_UNARY_LOOP(name, T, bool, tn, EXPR)
#define CT_BINARY_ALL(name, EXPR) CT_FOR_DTYPES_WITH(CT__BINARY_SAME, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_BINARY_NUMERIC(name, EXPR) CT_BINARY_NUMERIC_LOOPS(name, EXPR) CT_LOOP_TABLE_NUMERIC(name);
/* The numeric loops without a table (pair with a hand-written bool loop + CT_LOOP_TABLE_ALL). */
#define CT_BINARY_NUMERIC_LOOPS(name, EXPR) CT_FOR_NUMERIC_WITH(CT__BINARY_SAME, name, EXPR, )
#define CT_BINARY_FLOAT(name, EXPR) CT_FOR_FLOATS_WITH(CT__BINARY_SAME, name, EXPR, ) CT_LOOP_TABLE_FLOAT(name);
#define CT_BINARY_CMP(name, EXPR) CT_FOR_DTYPES_WITH(CT__BINARY_BOOL, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_UNARY_ALL(name, EXPR) CT_FOR_DTYPES_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_ALL(name);
#define CT_UNARY_NUMERIC(name, EXPR) \
  CT_FOR_NUMERIC_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_NUMERIC(name);
#define CT_UNARY_FLOAT(name, EXPR) CT_FOR_FLOATS_WITH(CT__UNARY_SAME, name, EXPR, ) CT_LOOP_TABLE_FLOAT(name);
#define CT_UNARY_CMP(name, EXPR) CT_FOR_DTYPES_WITH(CT__UNARY_BOOL, name, EXPR, ) CT_LOOP_TABLE_ALL(name);

#endif
