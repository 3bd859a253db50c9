/* Memory overlap between the tensor an op writes and the tensors it reads, with PyTorch's
 * rules (ATen's MemoryOverlap): an output that holds one element in several places, or an
 * input that covers part of the output's memory, would give values that depend on the
 * order the kernel visits elements, so both are refused; the very same memory (x.add_(x))
 * is fine, and layouts too hard to decide (not dense) are let through, as PyTorch does. */
#include "overlap.h"

bool ct__non_overlapping_and_dense(const ct_tensor *t) {
  if (t->ndim == 1) return t->shape[0] < 2 || t->strides[0] == 1;
  /* dims by increasing stride, size-0/1 dims last: strides must then be the running
   * product of the sizes (a permuted contiguous layout) */
  int perm[CT_MAX_DIMS];
  for (int i = 0; i < t->ndim; i++) perm[i] = i;
  for (int i = 1; i < t->ndim; i++) /* insertion sort: ndim is small */
    for (int j = i; j > 0; j--) {
      int a = perm[j - 1], b = perm[j];
      bool swap = t->shape[a] < 2 ? t->shape[b] >= 2
                                  : t->shape[b] >= 2 && t->strides[b] < t->strides[a];
      if (!swap) break;
      perm[j - 1] = b;
      perm[j] = a;
    }
  int64_t want = 1;
  for (int i = 0; i < t->ndim; i++) {
    int64_t n = t->shape[perm[i]];
    if (n < 2) return true;
    if (t->strides[perm[i]] != want) return false;
    want *= n;
  }
  return true;
}

ct_mem_overlap ct__internal_overlap(const ct_tensor *t) {
  if (ct__non_overlapping_and_dense(t)) return CT_OVERLAP_NO;
  for (int i = 0; i < t->ndim; i++)
    if (t->strides[i] == 0 && t->shape[i] > 1) return CT_OVERLAP_YES;
  return CT_OVERLAP_TOO_HARD;
}

ct_overlap_status ct__overlap_status(const ct_tensor *a, const ct_tensor *b) {
  if (a == b) return CT_OVERLAP_FULL;
  int64_t na = ct__numel_of(a->ndim, a->shape), nb = ct__numel_of(b->ndim, b->shape);
  if (na == 0 || nb == 0) return CT_OVERLAP_NONE;
  if (!ct__non_overlapping_and_dense(a) || !ct__non_overlapping_and_dense(b))
    return CT_OVERLAP_UNKNOWN;
  if (a->storage != b->storage) return CT_OVERLAP_NONE; /* storage identity, as PyTorch */
  /* dense: each covers [begin, begin + numel * itemsize) */
  const char *a0 = ct__ptr(a), *b0 = ct__ptr(b);
  const char *a1 = a0 + na * (int64_t)ct_dtype_size(a->dtype);
  const char *b1 = b0 + nb * (int64_t)ct_dtype_size(b->dtype);
  if (a0 == b0 && a1 == b1)
    return a->ndim == b->ndim &&
                   !memcmp(a->strides, b->strides, sizeof(int64_t) * (size_t)a->ndim)
               ? CT_OVERLAP_FULL
               : CT_OVERLAP_PARTIAL;
  return a0 < b1 && b0 < a1 ? CT_OVERLAP_PARTIAL : CT_OVERLAP_NONE;
}

int ct__assert_no_internal_overlap(const ct_tensor *t) {
  if (ct__internal_overlap(t) != CT_OVERLAP_YES) return 0;
  return ct__errs("unsupported operation: more than one element of the written-to tensor "
                  "refers to a single memory location. Please clone() the tensor before "
                  "performing the operation.");
}

int ct__assert_no_partial_overlap(const ct_tensor *out, const ct_tensor *in) {
  if (ct__overlap_status(out, in) != CT_OVERLAP_PARTIAL) return 0;
  return ct__errs("unsupported operation: some elements of the input tensor and the written-to "
                  "tensor refer to a single memory location. Please clone() the tensor before "
                  "performing the operation.");
}

int ct__check_overlaps(const ct_tensor *out, int n, const ct_tensor *const *inputs) {
  if (ct__assert_no_internal_overlap(out)) return -1;
  for (int i = 0; i < n; i++)
    if (inputs[i] && inputs[i] != out && ct__assert_no_partial_overlap(out, inputs[i])) return -1;
  return 0;
}
