"""Parity specs of torch.linalg through LAPACK (src/ops/linalg_*.c): well-conditioned inputs
(random matrices plus a multiple of the identity), single and batched, broadcast batch dims,
vector right-hand sides; float32 and float64, gradients of every input."""
import torch

from gen import T, fn

_g = torch.Generator().manual_seed(12)


def M(*shape, shift=None, grad=True):
    """(*, n, n) matrices randn + shift * I (shift n by default): invertible, condition small."""
    n = shape[-1]
    v = torch.randn(shape, generator=_g, dtype=torch.float64)
    v = v + (n if shift is None else shift) * torch.eye(n, dtype=torch.float64)
    return T(*shape, data=v.flatten().tolist(), grad=grad)


# ---- inv -----------------------------------------------------------------------------------
fn("3x3", "torch.linalg.inv", [M(3, 3)])
fn("batched", "torch.linalg.inv", [M(2, 3, 4, 4)])
fn("1x1", "torch.linalg.inv", [M(1, 1)])
fn("rand", "torch.linalg.inv", [M(4, 4, shift=0.0)], rtol=1e-4, atol=1e-5)

# ---- solve ---------------------------------------------------------------------------------
fn("mat", "torch.linalg.solve", [M(3, 3), T(3, 2)])
fn("vec", "torch.linalg.solve", [M(3, 3), T(3)])
fn("batched_vec", "torch.linalg.solve", [M(2, 3, 3), T(2, 3)])
fn("vec_bcast", "torch.linalg.solve", [M(2, 3, 3), T(3)])
fn("bcast_A", "torch.linalg.solve", [M(3, 3), T(2, 3, 4)])
fn("bcast_both", "torch.linalg.solve", [M(2, 1, 3, 3), T(3, 3, 2)])
fn("left_kw", "torch.linalg.solve", [M(4, 4), T(4, 1)], {"left": True})

# ---- det / slogdet -------------------------------------------------------------------------
fn("3x3", "torch.linalg.det", [M(3, 3)])
fn("neg", "torch.linalg.det", [M(3, 3, shift=-3.0)])
fn("batched", "torch.linalg.det", [M(2, 2, 4, 4)])
fn("1x1", "torch.linalg.det", [M(1, 1)])
fn("3x3", "torch.linalg.slogdet", [M(3, 3)])
fn("neg", "torch.linalg.slogdet", [M(2, 3, 3, shift=-3.0)])
fn("batched", "torch.linalg.slogdet", [M(3, 4, 4, shift=0.5)])


def SPD(*shape, grad=True):
    """(*, n, n) symmetric positive definite: X X^T + n I."""
    n = shape[-1]
    x = torch.randn(shape, generator=_g, dtype=torch.float64)
    v = torch.matmul(x, x.transpose(-1, -2)) + n * torch.eye(n, dtype=torch.float64)
    return T(*shape, data=v.flatten().tolist(), grad=grad)


# ---- cholesky ------------------------------------------------------------------------------
fn("3x3", "torch.linalg.cholesky", [SPD(3, 3)])
fn("upper", "torch.linalg.cholesky", [SPD(4, 4)], {"upper": True})
fn("batched", "torch.linalg.cholesky", [SPD(2, 3, 3)])
fn("batched_upper", "torch.linalg.cholesky", [SPD(2, 2, 3, 3)], {"upper": True})

# ---- qr ------------------------------------------------------------------------------------
fn("tall", "torch.linalg.qr", [T(4, 3)])
fn("square", "torch.linalg.qr", [M(3, 3)])
fn("wide", "torch.linalg.qr", [T(2, 4)])
fn("batched", "torch.linalg.qr", [T(2, 4, 3)], {"mode": "reduced"})
fn("complete_square", "torch.linalg.qr", [M(2, 3, 3)], {"mode": "complete"})
fn("complete_wide", "torch.linalg.qr", [T(2, 3)], {"mode": "complete"})
fn("complete_tall", "torch.linalg.qr", [T(4, 2)], {"mode": "complete"}, grad=False)
fn("r", "torch.linalg.qr", [T(4, 3)], {"mode": "r"}, grad=False)
