"""Sparse gradients (sparse COO layout, include/ctorch/sparse.h): Embedding / EmbeddingBag with
sparse=True, forward and the weight's sparse gradient (gen.py stores it dense, ct-parity compares
ctorch's to_dense). The optimizer steps on sparse gradients (SGD, Adagrad, SparseAdam) need sparse
.grad values the "optimizer" case format cannot express: tests/unit/test_sparse.c checks them
against PyTorch's numbers."""
from gen import T, module

I64 = dict(dt="i64", grad=False)

module("sparse_basic", "Embedding", [10, 3], {"sparse": True}, [T(2, 4, lo=0, hi=10, kind="int", **I64)])
module("sparse_pad", "Embedding", [6, 2], {"sparse": True, "padding_idx": 1},
       [T(7, data=[5, 1, 5, 2, 1, 5, 4], **I64)])
module("sparse_maxnorm", "Embedding", [8, 3], {"sparse": True, "max_norm": 1.0},
       [T(5, data=[3, 1, 3, 7, 0], **I64)])
module("sparse_mean", "EmbeddingBag", [10, 3], {"sparse": True}, [T(2, 4, lo=0, hi=10, kind="int", **I64)])
module("sparse_sum_offsets", "EmbeddingBag", [10, 3], {"mode": "sum", "sparse": True},
       [T(7, data=[1, 4, 1, 9, 0, 4, 4], **I64), T(3, data=[0, 2, 2], **I64)])
module("sparse_pad", "EmbeddingBag", [6, 2], {"mode": "mean", "sparse": True, "padding_idx": 2},
       [T(2, 3, data=[2, 1, 2, 3, 2, 5], **I64)])
module("sparse_psw", "EmbeddingBag", [6, 2], {"mode": "sum", "sparse": True, "include_last_offset": True},
       [T(5, data=[0, 5, 0, 2, 3], **I64), T(3, data=[0, 3, 5], **I64), (5,)])
