/* The dtype list and the X-macros that walk it (every per-dtype table and loop). */
#ifndef CTORCH_TENSOR_DTYPE_LIST_H
#define CTORCH_TENSOR_DTYPE_LIST_H


/* The dtypes, spelled once, in enum order: (enum, C type, short name). Everything that
 * walks the dtypes (X-macro lists, loop tables, the loop generators below) comes from here;
 * src/each_dtype.h, which includes a template once per dtype, must follow it. */
#define CT__DT_0 CT_BOOL, bool, b
#define CT__DT_1 CT_UINT8, uint8_t, u8
#define CT__DT_2 CT_INT8, int8_t, i8
#define CT__DT_3 CT_INT16, int16_t, i16
#define CT__DT_4 CT_INT32, int32_t, i32
#define CT__DT_5 CT_INT64, int64_t, i64
#define CT__DT_6 CT_FLOAT32, float, f32
#define CT__DT_7 CT_FLOAT64, double, f64
/* X(..., enum, T, tn) per dtype: every dtype, all but bool, the two floats. The arguments
 * after X go in front of each entry ("name," passes a loop's name through); CT__DT_CALL
 * splits the entry's commas into arguments. */
#define CT__DT_CALL(X, ...) X(__VA_ARGS__)
#define CT_FOR_FLOATS_WITH(X, ...) CT__DT_CALL(X, __VA_ARGS__ CT__DT_6) CT__DT_CALL(X, __VA_ARGS__ CT__DT_7)
#define CT_FOR_NUMERIC_WITH(X, ...)                                                              \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_1) CT__DT_CALL(X, __VA_ARGS__ CT__DT_2)                     \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_3) CT__DT_CALL(X, __VA_ARGS__ CT__DT_4)                     \
  CT__DT_CALL(X, __VA_ARGS__ CT__DT_5) CT_FOR_FLOATS_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES_WITH(X, ...) CT__DT_CALL(X, __VA_ARGS__ CT__DT_0) CT_FOR_NUMERIC_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES(X) CT_FOR_DTYPES_WITH(X, )
#define CT_FOR_NUMERIC(X) CT_FOR_NUMERIC_WITH(X, )
#define CT_FOR_FLOATS(X) CT_FOR_FLOATS_WITH(X, )
/* The preprocessor never expands a macro inside its own expansion, so an X that walks the
 * dtypes again (copy.c's cast table: per destination dtype, every source dtype) cannot use
 * CT_FOR_DTYPES; it uses this second walker, over the same entries. */
#define CT__DT_CALL2(X, ...) X(__VA_ARGS__)
#define CT_FOR_DTYPES2_WITH(X, ...)                                                             \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_0) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_1)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_2) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_3)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_4) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_5)                   \
  CT__DT_CALL2(X, __VA_ARGS__ CT__DT_6) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_7)
#define CT_FOR_DTYPES2(X) CT_FOR_DTYPES2_WITH(X, )

#endif
