"""Parity specs of the rest of the shape functions (src/ops/shape2.c) and torch.cdist
(src/ops/distance.c): float32 and float64, gradients of every floating input."""
from gen import T, fn

# ---- repeat_interleave ---------------------------------------------------------------------
R = lambda *d: T(len(d), data=list(d), dt="i64", grad=False)  # noqa: E731
fn("int", "torch.repeat_interleave", [T(2, 3), 2])
fn("int_dim", "torch.repeat_interleave", [T(2, 3), 3], {"dim": 1})
fn("tensor_dim", "torch.repeat_interleave", [T(2, 3), R(1, 2)], {"dim": 0})
fn("tensor_out", "torch.repeat_interleave", [T(3, 2), R(0, 2, 1)], {"dim": 0, "output_size": 3})
fn("tensor_flat", "torch.repeat_interleave", [T(2, 2), R(1, 0, 2, 1)])
fn("tensor_one", "torch.repeat_interleave", [T(2, 3), R(2)], {"dim": -1})
fn("indices", "torch.repeat_interleave", [R(1, 2, 0, 3)], dts=None)

# ---- tensor_split / hsplit / vsplit / dsplit -----------------------------------------------
fn("sections", "torch.tensor_split", [T(7, 2), 3])
fn("sections_dim", "torch.tensor_split", [T(2, 5), 2], {"dim": 1})
fn("indices", "torch.tensor_split", [T(7, 2), [1, 5, 3]])
fn("indices_neg", "torch.tensor_split", [T(2, 6), [-2, 9]], {"dim": -1})
fn("sections", "torch.hsplit", [T(2, 6), 3])
fn("vector", "torch.hsplit", [T(6), 2])
fn("indices", "torch.hsplit", [T(2, 6, 2), [1, 4]])
fn("sections", "torch.vsplit", [T(4, 3), 2])
fn("indices", "torch.vsplit", [T(5, 3), [2]])
fn("sections", "torch.dsplit", [T(2, 1, 4), 2])
fn("indices", "torch.dsplit", [T(2, 1, 5), [1, 3]])

# ---- broadcast_tensors / as_strided / tril_indices / triu_indices ---------------------------
fn("three", "torch.broadcast_tensors", [T(2, 1, 3), T(4, 1), T(3)])
fn("same", "torch.broadcast_tensors", [T(2, 3), T(2, 3)])
fn("window", "torch.as_strided", [T(2, 3), [2, 2], [1, 2], 1])
fn("overlap", "torch.as_strided", [T(6), [3, 3], [1, 1]])
fn("offset_kw", "torch.as_strided", [T(3, 4), [2, 3]], {"stride": [4, 1], "storage_offset": 5})
fn("lower", "torch.tril_indices", [3, 4, 1], dts=None)
fn("lower_neg", "torch.tril_indices", [4, 3, -2], dts=None)
fn("default", "torch.triu_indices", [3, 4], dts=None)
fn("upper_far", "torch.triu_indices", [2, 5, 3], dts=None)

# ---- cdist ---------------------------------------------------------------------------------
for p in [0.0, 1.0, 2.0, 3.0, 0.5, float("inf")]:
    lbl = "p%s" % str(p).replace(".", "_")
    fn(lbl, "torch.cdist", [T(3, 4), T(5, 4)], {"p": p, "compute_mode": "donot_use_mm_for_euclid_dist"})
fn("default", "torch.cdist", [T(3, 4), T(5, 4)])
fn("mm_forced", "torch.cdist", [T(3, 4), T(5, 4)], {"compute_mode": "use_mm_for_euclid_dist"})
fn("mm_auto", "torch.cdist", [T(27, 3), T(4, 3)])
fn("batched", "torch.cdist", [T(2, 1, 3, 4), T(3, 5, 4)], {"p": 1.5})
fn("batched_mm", "torch.cdist", [T(2, 26, 2), T(1, 3, 2)])

# ---- einsum's sublist form (handled in dispatch_einsum.c) ----------------------------------
fn("sublist", "torch.einsum", [T(2, 3), [0, 1], T(3, 4), [1, 2], [0, 2]])
fn("sublist_implicit", "torch.einsum", [T(2, 3), [27, 0], T(3, 4), [0, 30]])
fn("sublist_trace", "torch.einsum", [T(3, 3), [5, 5], []])
