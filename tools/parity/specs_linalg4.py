"""Parity specs of torch.linalg.eig / eigvals on real matrices with real, well-separated
spectra (src/ops/linalg_geev.c): P diag(d) P^-1 with P near the identity. PyTorch's results are
complex; post= keeps their real parts (the imaginary parts are 0 here), which is what ctorch
returns, and the gradients are those of the real parts. float32 and float64."""
import torch

from gen import T, fn

_g = torch.Generator().manual_seed(46)


def RS(*shape):
    """(*, n, n) matrices with real eigenvalues about 1.5 apart (random gaps), not symmetric."""
    n = shape[-1]
    p = torch.eye(n, dtype=torch.float64) + 0.3 * torch.randn(shape, generator=_g, dtype=torch.float64)
    d = torch.arange(n, dtype=torch.float64) * 1.5 - n / 2 + 0.5 * torch.rand(shape[:-1], generator=_g,
                                                                               dtype=torch.float64)
    v = torch.matmul(torch.matmul(p, torch.diag_embed(d)), torch.linalg.inv(p))  # (no @: check_op_list)
    return T(*shape, data=v.flatten().tolist())


def real(out):
    return tuple(o.real for o in out) if isinstance(out, tuple) else out.real


for lbl, shape in (("3x3", (3, 3)), ("batched", (2, 3, 3)), ("4x4", (4, 4)), ("1x1", (1, 1))):
    fn(lbl, "torch.linalg.eig", [RS(*shape)], post=real)
    fn(lbl, "torch.linalg.eigvals", [RS(*shape)], post=real)
fn("empty", "torch.linalg.eig", [T(2, 0, 0)], post=real, grad=False)
fn("empty", "torch.linalg.eigvals", [T(0, 0)], post=real, grad=False)

# ---- cond: 'nuc' through svdvals (with its gradient), every p at an exactly singular matrix --
INF = float("inf")
fn("nuc_grad", "torch.linalg.cond", [RS(2, 3, 3)], {"p": "nuc"})
for lbl, p in (("none", None), ("fro", "fro"), ("nuc", "nuc"), ("inf", INF), ("ninf", -INF), ("1", 1),
               ("m1", -1), ("2", 2), ("m2", -2)):
    fn("singular_" + lbl, "torch.linalg.cond", [T(2, 2, 2, data=[1.0, 0, 0, 0, 2, 1, 1, 3])],
       {"p": p} if p is not None else {}, grad=False)
fn("empty_0x0", "torch.linalg.cond", [T(2, 0, 0)], {"p": "nuc"}, grad=False)
fn("empty_rect", "torch.linalg.cond", [T(2, 0, 3)], {"p": 1}, grad=False)

# ---- allclose: equal_nan (positional and keyword), broadcasting ----------------------------
NAN = float("nan")
fn("nan", "torch.allclose", [T(3, data=[1.0, NAN, 3.0]), T(3, data=[1.0, NAN, 3.0])])
fn("equal_nan", "torch.allclose", [T(3, data=[1.0, NAN, 3.0]), T(3, data=[1.0, NAN, 3.0])], {"equal_nan": True})
fn("equal_nan_pos", "torch.allclose", [T(3, data=[1.0, NAN, 3.0]), T(3, data=[1.0, NAN, 3.00001]), 1e-5, 1e-8, True])
fn("equal_nan_mismatch", "torch.allclose", [T(2, data=[NAN, 1.0]), T(2, data=[1.0, NAN])], {"equal_nan": True})
fn("bcast", "torch.allclose", [T(2, data=[1.0, 2.0]), T(3, 2, data=[1.0, 2.0] * 3)])
