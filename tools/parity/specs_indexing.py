"""Parity specs of index_add / index_copy / index_fill (src/ops/index_add.c): float32 and
float64 with gradients (in-place forms without), integer dtypes where PyTorch takes them.
Indices are fixed data so that repeated indices are deliberate: index_add sums them,
index_copy's last write wins (PyTorch's CPU order)."""
from gen import T, fn

I64 = dict(dt="i64")

# ---- index_add ------------------------------------------------------------------------------
fn("dim0", "torch.index_add", [T(4, 3), 0, T(3, data=[0, 3, 0], **I64), T(3, 3)])
fn("alpha", "torch.index_add", [T(3, 5), 1, T(2, data=[4, 1], **I64), T(3, 2)], {"alpha": -2.5})
fn("i32_3d", "Tensor.index_add", [T(2, 3, 4), -1, T(3, data=[1, 1, 3], dt="i32"), T(2, 3, 3)])
fn("0d", "torch.index_add", [T(), 0, T(2, data=[0, 0], **I64), T(2)])
fn("int", "torch.index_add", [T(3, 2, kind="int", lo=-3, hi=3, **I64), 0, T(2, data=[2, 2], **I64),
                              T(2, 2, kind="int", lo=-3, hi=3, **I64)], {"alpha": 3}, dts=None)
fn("inplace", "Tensor.index_add_", [T(4, 3), 0, T(2, data=[1, 1], **I64), T(2, 3)], {"alpha": 0.5})

# ---- index_copy -----------------------------------------------------------------------------
fn("dim0", "torch.index_copy", [T(4, 3), 0, T(2, data=[3, 1], **I64), T(2, 3)])
fn("dim1", "Tensor.index_copy", [T(2, 5, 2), 1, T(3, data=[4, 0, 2], **I64), T(2, 3, 2)])
fn("repeat", "torch.index_copy", [T(4, 2), 0, T(3, data=[2, 0, 2], **I64), T(3, 2)])
fn("0d_index", "torch.index_copy", [T(3, 2), 0, T(data=1, **I64), T(1, 2)])
fn("inplace", "Tensor.index_copy_", [T(3, 4), 1, T(2, data=[0, 3], **I64), T(3, 2)])

# ---- index_fill -----------------------------------------------------------------------------
fn("num", "torch.index_fill", [T(4, 3), 0, T(2, data=[0, -1], **I64), -1.5])
fn("dim1", "Tensor.index_fill", [T(2, 5, 3), 1, T(3, data=[4, 1, 4], **I64), 2.0])
fn("tensor", "torch.index_fill", [T(3, 4), 1, T(2, data=[1, 2], **I64), T()])
fn("int", "torch.index_fill", [T(3, 3, kind="int", lo=0, hi=9, **I64), 1, T(1, data=[2], **I64), 7], dts=None)
fn("inplace", "Tensor.index_fill_", [T(3, 4), 0, T(2, data=[2, 0], **I64), 0.25])

# ---- scatter_reduce: every reduction with and without self; index repeats along dim ------------
SR_IDX = T(3, 4, data=[0, 2, 0, 4, 1, 1, 3, 1, 4, 0, 0, 0], **I64)
for red in ("sum", "prod", "mean", "amax", "amin"):
    fn(red, "torch.scatter_reduce", [T(3, 5), 1, SR_IDX, T(3, 4), red])
    fn(red + "_noself", "torch.scatter_reduce", [T(3, 5), 1, SR_IDX, T(3, 4), red], {"include_self": False})
fn("src_larger", "Tensor.scatter_reduce", [T(4, 3), 0, T(2, 3, data=[3, 0, 0, 3, 1, 0], **I64), T(3, 4), "amax"], grad=False)  # PyTorch 1.13 backward rejects src larger than index
fn("int_mean", "torch.scatter_reduce", [T(2, 4, kind="int", lo=-9, hi=9, **I64), 1,
                                         T(2, 3, data=[0, 0, 1, 3, 3, 3], **I64),
                                         T(2, 3, kind="int", lo=-9, hi=9, **I64), "mean"], dts=None)
fn("inplace", "Tensor.scatter_reduce_", [T(3, 5), 1, SR_IDX, T(3, 4), "prod"], {"include_self": False})
