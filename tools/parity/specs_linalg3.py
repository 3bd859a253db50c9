"""Parity specs of the last of torch.linalg (src/ops/linalg_lstsq.c, linalg_det.c,
linalg_geev.c): lstsq with every driver (over- and under-determined, rank-deficient, batched,
broadcast, vector right-hand sides); float32 and float64, gradients of every input."""
import torch

from gen import T, fn

_g = torch.Generator().manual_seed(31)


def R(*shape, rank=None, grad=True):
    """(*, m, n) randn matrices; rank < min(m, n): the last columns 0 (exactly rank-deficient)."""
    v = torch.randn(shape, generator=_g, dtype=torch.float64)
    if rank is not None:
        v = v * torch.arange(shape[-1]).lt(rank).double()  # (no item assignment: check_op_list)
    return T(*shape, data=v.flatten().tolist(), grad=grad)


# ---- lstsq ---------------------------------------------------------------------------------
for d in (None, "gels", "gelsy", "gelsd", "gelss"):
    lbl = d or "default"
    kw = {} if d is None else {"driver": d}
    fn(lbl + "_tall", "torch.linalg.lstsq", [R(5, 3), T(5, 2)], kw)
    fn(lbl + "_wide", "torch.linalg.lstsq", [R(3, 5), T(3, 2)], kw)
    fn(lbl + "_square", "torch.linalg.lstsq", [R(3, 3), T(3, 2)], kw, rtol=1e-4, atol=1e-5)
    # PyTorch 1.13's backward fails for vector right-hand sides: values only
    fn(lbl + "_batched_vec", "torch.linalg.lstsq", [R(2, 5, 3), T(2, 5)], kw, grad=False)
    fn(lbl + "_vec", "torch.linalg.lstsq", [R(4, 2), T(4)], kw, grad=False)
    fn(lbl + "_bcast", "torch.linalg.lstsq", [R(2, 1, 4, 3), T(1, 3, 4, 2)], kw, rtol=1e-4, atol=1e-5)
# rank-deficient: the minimum-norm solution, rank 2 (float64 only for gelsy: PyTorch 1.13's
# float32 gelsy reports rank 1 for this well-conditioned rank-2 matrix)
for d in ("gelsy", "gelsd", "gelss"):
    fn(d + "_rank2", "torch.linalg.lstsq", [R(5, 3, rank=2), T(5, 2)], {"driver": d}, grad=False,
       dts=("f64",) if d == "gelsy" else ("f32", "f64"))
fn("rcond", "torch.linalg.lstsq", [R(5, 3), T(5, 2)], {"rcond": 0.5, "driver": "gelsd"}, grad=False)
fn("empty_m", "torch.linalg.lstsq", [R(0, 3), T(0, 2)], {"driver": "gelsd"}, grad=False)
fn("empty_n", "torch.linalg.lstsq", [R(3, 0), T(3, 2)], {"driver": "gelsd"}, grad=False)
