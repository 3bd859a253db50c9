"""Parity specs of advanced indexing (src/ops/index_put.c): t[indices] (Tensor.__getitem__,
and torch.ops.aten.index.Tensor for None = ':'), index_put (with accumulate), put,
masked_scatter, and torch.histogram (src/ops/histogram.c). float32 and float64 with
gradients (in-place forms and histogram without). Indices are fixed data so that repeated
positions are deliberate: without accumulate the last write wins (PyTorch's CPU order)."""
from gen import T, fn

I64 = dict(dt="i64")
B = dict(dt="bool")


def ix(*data, shape=None):
    return T(*(shape or (len(data),)), data=list(data), **I64)


# ---- t[indices] -----------------------------------------------------------------------------
fn("long", "Tensor.__getitem__", [T(5, 3), ix(0, 4, -1, 0)])
fn("mask", "Tensor.__getitem__", [T(3, 4), T(3, 4, data=[1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], **B)])
fn("mask_rows", "Tensor.__getitem__", [T(3, 4, 2), T(3, data=[True, False, True], **B)])
fn("tuple", "Tensor.__getitem__", [T(3, 4, 2), (ix(0, 2, 2, 1, shape=(2, 2)), ix(3, 0))])
fn("slice_mid", "torch.ops.aten.index.Tensor", [T(2, 5, 3), [None, ix(4, 0, 4)]])
fn("adjacent", "torch.ops.aten.index.Tensor", [T(2, 3, 4, 5), [None, ix(1, 2, shape=(2, 1)), ix(0, 3, 3)]])
fn("apart", "torch.ops.aten.index.Tensor", [T(2, 3, 4, 5), [None, ix(2, 0), None, ix(4, 1, shape=(1, 2))]])
fn("mask_long", "torch.ops.aten.index.Tensor", [T(2, 3, 4), [T(2, 3, data=[1, 0, 1, 1, 0, 0], **B), ix(3)]])
fn("int", "Tensor.__getitem__", [T(4, 3, kind="int", **I64), (ix(1, 3), ix(2, 0))], dts=None)

# ---- index_put ------------------------------------------------------------------------------
fn("basic", "Tensor.index_put", [T(4, 3), (ix(0, 2),), T(2, 3)])
fn("bcast_value", "Tensor.index_put", [T(4, 3), (ix(3, 1, -4),), T(3)])
fn("repeat", "torch.index_put", [T(4, 3), (ix(1, 0, 1),), T(3, 3)])
fn("accumulate", "torch.index_put", [T(4, 3), (ix(1, 0, 1),), T(3, 3)], {"accumulate": True})
fn("mask", "Tensor.index_put", [T(3, 4), (T(3, 4, data=[0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1], **B),), T()])
fn("two", "Tensor.index_put", [T(3, 4), (ix(0, 2, 0), ix(3, 3, 3)), T(3)], {"accumulate": True})
fn("none", "torch.ops.aten.index_put.default", [T(3, 4, 2), [None, ix(1, 3, 1)], T(3, 3, 2), True])
fn("apart", "torch.ops.aten.index_put.default", [T(2, 3, 4), [ix(1, 0), None, ix(2, 2)], T(2, 1)])
fn("inplace", "Tensor.index_put_", [T(4, 3), (ix(2, 2, 0),), T(3, 3)], {"accumulate": True})
fn("int", "Tensor.index_put", [T(4, 3, kind="int", **I64), (ix(1, 3, 1),), T(3, kind="int", **I64)],
   {"accumulate": True}, dts=None)

# ---- put ------------------------------------------------------------------------------------
fn("basic", "Tensor.put", [T(3, 4), ix(0, 11, -1, 5, shape=(2, 2)), T(4)])
fn("repeat", "torch.put", [T(3, 4), ix(2, 7, 2), T(3)])
fn("accumulate", "Tensor.put", [T(3, 4), ix(1, 1, 2, -11, 1), T(5)], {"accumulate": True})
fn("inplace", "Tensor.put_", [T(2, 3), ix(4, 0), T(2)], {"accumulate": True})

# ---- masked_scatter -------------------------------------------------------------------------
fn("basic", "Tensor.masked_scatter", [T(3, 4), T(3, 4, data=[1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1], **B), T(15)])
fn("bcast", "torch.masked_scatter", [T(3, 1), T(4, data=[True, False, True, True], **B), T(2, 7)])
fn("inplace", "Tensor.masked_scatter_", [T(3, 4), T(4, data=[False, True, True, False], **B), T(3, 5)])

# ---- histogram ------------------------------------------------------------------------------
fn("int", "torch.histogram", [T(20), 5], grad=False)
fn("2d", "torch.histogram", [T(3, 7, kind="wide"), 4], grad=False)
fn("range", "torch.histogram", [T(20), 4], {"range": (-1.0, 1.0)}, grad=False)
fn("weight_density", "torch.histogram", [T(20), 6], {"weight": T(20, kind="pos"), "density": True}, grad=False)
fn("edges", "torch.histogram", [T(20), T(4, data=[-2.0, -0.5, 0.0, 2.0])], grad=False)
fn("edges_density", "torch.histogram", [T(20), T(3, data=[-1.0, 0.25, 1.5])],
   {"weight": T(20, kind="pos"), "density": True}, grad=False)
fn("const", "torch.histogram", [T(5, data=[1.5] * 5), 3], grad=False)
fn("empty", "torch.histogram", [T(0), 3], grad=False)
