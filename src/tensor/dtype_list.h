/* The dtype list and the X-macros that walk it (every per-dtype table and loop). */
#ifndef CTORCH_TENSOR_DTYPE_LIST_H
#define CTORCH_TENSOR_DTYPE_LIST_H


/* The dtypes, spelled once, in enum order, one row each: (enum, C type, short name, PyTorch's
 * name, its legacy tensor type, the C++ type c10's conversion errors name). Everything that
 * walks the dtypes (X-macro lists, loop tables, the loop generators, dtype.c's name tables
 * and element access) comes from here; src/each_dtype.h, which includes a template once per
 * dtype, must follow it. */
#define CT__DT_0 CT_BOOL, bool, b, "torch.bool", "torch.BoolTensor", "bool"
#define CT__DT_1 CT_UINT8, uint8_t, u8, "torch.uint8", "torch.ByteTensor", "uint8_t"
#define CT__DT_2 CT_INT8, int8_t, i8, "torch.int8", "torch.CharTensor", "int8_t"
#define CT__DT_3 CT_INT16, int16_t, i16, "torch.int16", "torch.ShortTensor", "int16_t"
#define CT__DT_4 CT_INT32, int32_t, i32, "torch.int32", "torch.IntTensor", "int"
#define CT__DT_5 CT_INT64, int64_t, i64, "torch.int64", "torch.LongTensor", "int64_t"
#define CT__DT_6 CT_FLOAT32, float, f32, "torch.float32", "torch.FloatTensor", "float"
#define CT__DT_7 CT_FLOAT64, double, f64, "torch.float64", "torch.DoubleTensor", "double"
/* The 16-bit floats: stored as their bits (uint16_t), computed in float (src/tensor/half.c).
 * They are in the whole rows (names, sizes) but not in the kernels' walks below: a kernel
 * table has no entry for them, so an op that does not upcast refuses them by name. */
#define CT__DT_8 CT_FLOAT16, uint16_t, f16, "torch.float16", "torch.HalfTensor", "at::Half"
#define CT__DT_9 CT_BFLOAT16, uint16_t, bf16, "torch.bfloat16", "torch.BFloat16Tensor", "at::BFloat16"
/* The kernels' view of a row: (enum, C type, short name). */
#define CT__DT_KERNEL(E, T, tn, name, legacy, cname) E, T, tn
#define CT__DT_K(row) CT__DT_KERNEL_I(row)
#define CT__DT_KERNEL_I(...) CT__DT_KERNEL(__VA_ARGS__)
/* X(enum, T, tn, name, legacy, cname) per dtype: the whole rows (dtype.c's tables). */
#define CT__DT_ROW(X, ...) X(__VA_ARGS__)
#define CT_FOR_DTYPE_ROWS(X)                                                            \
  CT__DT_ROW(X, CT__DT_0) CT__DT_ROW(X, CT__DT_1) CT__DT_ROW(X, CT__DT_2)              \
  CT__DT_ROW(X, CT__DT_3) CT__DT_ROW(X, CT__DT_4) CT__DT_ROW(X, CT__DT_5)              \
  CT__DT_ROW(X, CT__DT_6) CT__DT_ROW(X, CT__DT_7) CT__DT_ROW(X, CT__DT_8)              \
  CT__DT_ROW(X, CT__DT_9)
/* X(..., enum, T, tn) per dtype: every dtype, all but bool, the two floats. The arguments
 * after X go in front of each entry ("name," passes a loop's name through); CT__DT_CALL
 * splits the entry's commas into arguments. */
#define CT__DT_CALL(X, ...) X(__VA_ARGS__)
#define CT__DT_EACH(X, n, ...) CT__DT_CALL(X, __VA_ARGS__ CT__DT_K(CT__DT_##n))
#define CT_FOR_FLOATS_WITH(X, ...) CT__DT_EACH(X, 6, __VA_ARGS__) CT__DT_EACH(X, 7, __VA_ARGS__)
#define CT_FOR_NUMERIC_WITH(X, ...)                                                     \
  CT__DT_EACH(X, 1, __VA_ARGS__) CT__DT_EACH(X, 2, __VA_ARGS__)                        \
  CT__DT_EACH(X, 3, __VA_ARGS__) CT__DT_EACH(X, 4, __VA_ARGS__)                        \
  CT__DT_EACH(X, 5, __VA_ARGS__) CT_FOR_FLOATS_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES_WITH(X, ...) CT__DT_EACH(X, 0, __VA_ARGS__) CT_FOR_NUMERIC_WITH(X, __VA_ARGS__)
#define CT_FOR_DTYPES(X) CT_FOR_DTYPES_WITH(X, )
#define CT_FOR_NUMERIC(X) CT_FOR_NUMERIC_WITH(X, )
#define CT_FOR_FLOATS(X) CT_FOR_FLOATS_WITH(X, )
/* The preprocessor never expands a macro inside its own expansion, so an X that walks the
 * dtypes again (copy.c's cast table: per destination dtype, every source dtype) cannot use
 * CT_FOR_DTYPES; it uses this second walker, over the same entries. */
#define CT__DT_CALL2(X, ...) X(__VA_ARGS__)
#define CT__DT_EACH2(X, n, ...) CT__DT_CALL2(X, __VA_ARGS__ CT__DT_K(CT__DT_##n))
#define CT_FOR_DTYPES2_WITH(X, ...)                                                     \
  CT__DT_EACH2(X, 0, __VA_ARGS__) CT__DT_EACH2(X, 1, __VA_ARGS__)                      \
  CT__DT_EACH2(X, 2, __VA_ARGS__) CT__DT_EACH2(X, 3, __VA_ARGS__)                      \
  CT__DT_EACH2(X, 4, __VA_ARGS__) CT__DT_EACH2(X, 5, __VA_ARGS__)                      \
  CT__DT_EACH2(X, 6, __VA_ARGS__) CT__DT_EACH2(X, 7, __VA_ARGS__)
#define CT_FOR_DTYPES2(X) CT_FOR_DTYPES2_WITH(X, )

#endif
