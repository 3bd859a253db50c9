/* Memory overlap between tensors (overlap.c): what in-place ops, copy_ and out= check. */
#ifndef CTORCH_TENSOR_OVERLAP_H
#define CTORCH_TENSOR_OVERLAP_H

#include "tensor_impl.h"

/* Memory overlap (overlap.c), ATen's MemoryOverlap rules. */
typedef enum { CT_OVERLAP_NO, CT_OVERLAP_YES, CT_OVERLAP_TOO_HARD } ct_mem_overlap;
typedef enum {
  CT_OVERLAP_NONE, CT_OVERLAP_FULL, CT_OVERLAP_PARTIAL, CT_OVERLAP_UNKNOWN /* too hard */
} ct_overlap_status;
/* Tensor.is_non_overlapping_and_dense(): a permutation of a contiguous layout. */
bool ct__non_overlapping_and_dense(const ct_tensor *t);
/* has_internal_overlap: YES when some element sits where another does (a stride-0 dim). */
ct_mem_overlap ct__internal_overlap(const ct_tensor *t);
/* get_overlap_status(a, b): FULL for the same memory laid out alike. */
ct_overlap_status ct__overlap_status(const ct_tensor *a, const ct_tensor *b);
/* PyTorch's errors, 0 or -1: assert_no_internal_overlap(out), assert_no_partial_overlap. */
int ct__assert_no_internal_overlap(const ct_tensor *t);
int ct__assert_no_partial_overlap(const ct_tensor *out, const ct_tensor *in);
/* What TensorIterator checks for an op writing out: no internal overlap in out, and no
 * input (other than out itself) partially overlapping it. For in-place, copy_ and out=. */
int ct__check_overlaps(const ct_tensor *out, int n, const ct_tensor *const *inputs);

#endif
