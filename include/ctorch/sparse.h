/* torch.sparse: a minimal sparse COO layout, what sparse gradients (Embedding / EmbeddingBag
 * sparse=True) and the optimizers that take them need. A sparse tensor is a ct_tensor whose
 * size is its shape (ct_shape, ct_dim, ct_numel, ct_dtype_of work); it holds indices (int64,
 * (sparse_dim, nnz)) and values ((nnz, *dense sizes)). It carries no autograd history.
 * Supported on it: the functions below, ct_add / ct_sub / ct_add_alpha (sparse + sparse,
 * dense + sparse), ct_add_ (dense.add_(sparse), sparse.add_(sparse)), ct_mul / ct_mul_ by a
 * 0-dim tensor and ct_mul_scalar, ct_clone, ct_detach, ct_zero_, ct_to (dtype; not under
 * autograd), ct_to_string / ct_print.
 * Every other op refuses it with PyTorch's "Could not run 'aten::<op>' with arguments from
 * the 'SparseCPU' backend" (call ct_to_dense first). */
#ifndef CTORCH_SPARSE_H
#define CTORCH_SPARSE_H

#include "ctorch/core.h"

#pragma GCC visibility push(default)

/* ---- sparse ---- */
/* torch.sparse_coo_tensor(indices, values, size): indices int64 or int32 (sparse_dim, nnz),
 * values (nnz, *dense sizes); size has ndim = sparse_dim + values.dim() - 1 entries, or
 * size NULL (ndim ignored): inferred as PyTorch does (max index + 1, then the dense sizes).
 * indices and values are shared when contiguous (detached: the result has no history);
 * nnz <= 1 makes a coalesced tensor, more an uncoalesced one. PyTorch's checks and messages. */
ct_tensor *ct_sparse_coo_tensor(const ct_tensor *indices, const ct_tensor *values, int ndim,
                                const int64_t *size);
bool ct_is_sparse(const ct_tensor *t);      /* t.is_sparse */
bool ct_is_coalesced(const ct_tensor *t);   /* t.is_coalesced() (false for a dense t) */
int64_t ct_sparse_nnz(const ct_tensor *t);  /* t._nnz(); -1 + error for a dense t */
int ct_sparse_dim(const ct_tensor *t);      /* t.sparse_dim() */
int ct_dense_dim(const ct_tensor *t);       /* t.dense_dim() */
ct_tensor *ct_sparse_indices_raw(const ct_tensor *t); /* t._indices() (shared) */
ct_tensor *ct_sparse_values_raw(const ct_tensor *t);  /* t._values() (shared) */
/* t.indices() / t.values(): only on a coalesced tensor ("Cannot get indices on an uncoalesced
 * tensor, please call .coalesce() first"). */
ct_tensor *ct_sparse_indices(const ct_tensor *t);
ct_tensor *ct_sparse_values(const ct_tensor *t);
/* t.coalesce(): indices sorted (row-major over the sparse dims), duplicates summed in their
 * order; t itself when already coalesced. */
ct_tensor *ct_coalesce(const ct_tensor *t);
/* t.to_dense(): a new dense tensor, duplicates summed (a dense t: itself). */
ct_tensor *ct_to_dense(const ct_tensor *t);
/* dense.sparse_mask(mask): the values of dense at mask's (coalesced) indices, as a sparse
 * tensor with mask's indices. */
ct_tensor *ct_sparse_mask(const ct_tensor *dense, const ct_tensor *mask);
/* dense.to_sparse(): every non-zero element (sparse_dim = dense.dim()), coalesced. */
ct_tensor *ct_to_sparse(const ct_tensor *t);

#pragma GCC visibility pop

#endif
