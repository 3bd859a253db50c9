"""Parity specs of the rest of torch.linalg (src/ops/linalg_norm.c, linalg_prod.c,
linalg_tri.c, linalg_svd.c): norms of every ord, cross, multi_dot, matrix_power,
solve_triangular, solve(left=False), svd / svdvals; single and batched, float32 and float64,
gradients of every input."""
import torch

from gen import T, fn
from specs_linalg import M

INF = float("inf")
_g = torch.Generator().manual_seed(21)


def TRI(*shape, upper, unit=False):
    """(*, n, n) triangular with a diagonal away from 0 (of 1s when unit, off-triangle noise)."""
    n = shape[-1]
    v = torch.randn(shape, generator=_g, dtype=torch.float64)
    d = torch.ones(n, dtype=torch.float64) if unit else torch.rand(n, generator=_g, dtype=torch.float64) + 1
    v = (v.triu(1) if upper else v.tril(-1)) + torch.diag(d)
    if unit:  # the other triangle and the diagonal are not read: noise there checks that
        v = v + (torch.randn(shape, generator=_g, dtype=torch.float64).tril(0) if upper else
                 torch.randn(shape, generator=_g, dtype=torch.float64).triu(0))
    return T(*shape, data=v.flatten().tolist())


# ---- vector_norm ---------------------------------------------------------------------------
for lbl, o in (("2", 2), ("1", 1), ("inf", INF), ("ninf", -INF), ("0", 0), ("3", 3), ("m1", -1),
               ("05", 0.5)):
    fn("o" + lbl, "torch.linalg.vector_norm", [T(3, 4, kind="nonzero")], {"ord": o},
       grad=o != 0)
fn("dim", "torch.linalg.vector_norm", [T(2, 3, 4)], {"dim": (0, 2)})
fn("keepdim", "torch.linalg.vector_norm", [T(2, 3, 4)], {"ord": 3, "dim": 1, "keepdim": True})
fn("dtype", "torch.linalg.vector_norm", [T(2, 5)], {"dtype": torch.float64}, dts=("f32",),
   rtol=1e-6, atol=1e-7)

# ---- matrix_norm ---------------------------------------------------------------------------
for lbl, o in (("fro", "fro"), ("nuc", "nuc"), ("inf", INF), ("ninf", -INF), ("1", 1), ("m1", -1),
               ("2", 2), ("m2", -2)):
    fn(lbl, "torch.linalg.matrix_norm", [T(3, 4)], {"ord": o})
    fn(lbl + "_batched", "torch.linalg.matrix_norm", [T(2, 4, 3)], {"ord": o})
    fn(lbl + "_dim", "torch.linalg.matrix_norm", [T(3, 2, 4)], {"ord": o, "dim": (2, 0), "keepdim": True})
fn("default", "torch.linalg.matrix_norm", [T(2, 3, 3)])
fn("dim_nokeep", "torch.linalg.matrix_norm", [T(3, 2, 4)], {"ord": 1, "dim": (0, 2)})

# ---- norm (its dispatch) -------------------------------------------------------------------
fn("default", "torch.linalg.norm", [T(2, 3, 4)])
fn("vec_ord", "torch.linalg.norm", [T(5)], {"ord": 3})
fn("mat_ord", "torch.linalg.norm", [T(3, 4)], {"ord": 1})
fn("mat_2", "torch.linalg.norm", [T(3, 4)], {"ord": 2})
fn("dim1", "torch.linalg.norm", [T(2, 3, 4)], {"ord": INF, "dim": 1})
fn("dim2", "torch.linalg.norm", [T(2, 3, 4)], {"ord": -INF, "dim": (1, 2), "keepdim": True})
fn("nuc", "torch.linalg.norm", [T(2, 3, 4)], {"ord": "nuc", "dim": (0, 2)})
fn("none_dim2", "torch.linalg.norm", [T(2, 3, 4)], {"dim": (0, 1)})

# ---- cross ---------------------------------------------------------------------------------
fn("basic", "torch.linalg.cross", [T(3), T(3)])
fn("batched", "torch.linalg.cross", [T(4, 3), T(4, 3)])
fn("dim0_bcast", "torch.linalg.cross", [T(3, 1, 2), T(3, 4, 2)], {"dim": 0})
fn("default_dim", "torch.cross", [T(2, 3, 3), T(2, 3, 3)])
fn("dim", "torch.cross", [T(3, 4), T(3, 4)], {"dim": 0})

# ---- multi_dot -----------------------------------------------------------------------------
fn("two", "torch.linalg.multi_dot", [[T(2, 3), T(3, 4)]])
fn("three", "torch.linalg.multi_dot", [[T(5, 2), T(2, 6), T(6, 3)]])
fn("vecs", "torch.linalg.multi_dot", [[T(4), T(4, 2), T(2, 5), T(5)]])
fn("chain", "torch.linalg.multi_dot", [[T(6, 2), T(2, 7), T(7, 1), T(1, 5), T(5, 3)]])

# ---- matrix_power --------------------------------------------------------------------------
for p in (1, 2, 3, 5, -1, -3):
    fn("p%d" % p if p > 0 else "m%d" % -p, "torch.linalg.matrix_power", [M(2, 3, 3, shift=1.0), p])
fn("p0", "torch.linalg.matrix_power", [M(2, 3, 3), 0], grad=False)

# ---- solve_triangular ----------------------------------------------------------------------
fn("upper", "torch.linalg.solve_triangular", [TRI(3, 3, upper=True), T(3, 2)], {"upper": True})
fn("lower", "torch.linalg.solve_triangular", [TRI(2, 4, 4, upper=False), T(2, 4, 3)], {"upper": False})
fn("right", "torch.linalg.solve_triangular", [TRI(3, 3, upper=True), T(2, 3)],
   {"upper": True, "left": False})
fn("unit", "torch.linalg.solve_triangular", [TRI(3, 3, upper=False, unit=True), T(3, 2)],
   {"upper": False, "unitriangular": True})
fn("unit_right_bcast", "torch.linalg.solve_triangular", [TRI(3, 3, upper=True, unit=True), T(2, 4, 3)],
   {"upper": True, "left": False, "unitriangular": True})

# ---- solve(left=False) ---------------------------------------------------------------------
fn("right", "torch.linalg.solve", [M(3, 3), T(2, 3)], {"left": False})
fn("right_batched", "torch.linalg.solve", [M(2, 3, 3), T(2, 4, 3)], {"left": False})

# ---- svd / svdvals -------------------------------------------------------------------------
fn("square", "torch.linalg.svd", [T(3, 3)])
fn("tall", "torch.linalg.svd", [T(4, 3)], {"full_matrices": False})
fn("wide", "torch.linalg.svd", [T(2, 4)], {"full_matrices": False})
fn("batched", "torch.linalg.svd", [T(2, 3, 5)], {"full_matrices": False})
fn("full_tall", "torch.linalg.svd", [T(5, 3)])
fn("full_wide", "torch.linalg.svd", [T(2, 2, 4)])
fn("square", "torch.linalg.svdvals", [T(4, 4)])
fn("tall", "torch.linalg.svdvals", [T(5, 3)])
fn("batched", "torch.linalg.svdvals", [T(3, 2, 4)])


def SYM(*shape):
    """(*, n, n) symmetric with well separated eigenvalues: X + X^T + diag(0, 3, 6, ...)."""
    n = shape[-1]
    x = torch.randn(shape, generator=_g, dtype=torch.float64)
    v = x + x.transpose(-1, -2) + torch.diag(torch.arange(n, dtype=torch.float64) * 3)
    return T(*shape, data=v.flatten().tolist())


# ---- eigh / eigvalsh -----------------------------------------------------------------------
fn("basic", "torch.linalg.eigh", [SYM(3, 3)])
fn("upper", "torch.linalg.eigh", [SYM(2, 4, 4)], {"UPLO": "U"})
fn("basic", "torch.linalg.eigvalsh", [SYM(4, 4)])
fn("upper_batched", "torch.linalg.eigvalsh", [SYM(2, 3, 3)], {"UPLO": "U"})

# ---- pinv / matrix_rank / cond -------------------------------------------------------------
fn("tall", "torch.linalg.pinv", [T(4, 3)])
fn("wide_batched", "torch.linalg.pinv", [T(2, 2, 4)])
fn("atol", "torch.linalg.pinv", [T(3, 3)], {"atol": 0.5})
fn("rtol", "torch.linalg.pinv", [T(3, 4)], {"rtol": 0.3})
fn("hermitian", "torch.linalg.pinv", [SYM(3, 3)], {"hermitian": True})
fn("full", "torch.linalg.matrix_rank", [T(3, 4)], grad=False)
fn("low", "torch.linalg.matrix_rank", [T(2, 4, 4, data=[1.0, 2, 3, 4] * 4 + [1.0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
   grad=False)
fn("atol", "torch.linalg.matrix_rank", [T(3, 3)], {"atol": 1.0, "rtol": 0.1}, grad=False)
fn("hermitian", "torch.linalg.matrix_rank", [SYM(3, 3)], {"hermitian": True}, grad=False)
for lbl, p in (("none", None), ("fro", "fro"), ("nuc", "nuc"), ("inf", INF), ("ninf", -INF), ("1", 1),
               ("m1", -1), ("2", 2), ("m2", -2)):
    # PyTorch 1.13's backward of cond through inv fails (an in-place write): values only there
    fn(lbl, "torch.linalg.cond", [M(2, 3, 3, shift=1.0)], {"p": p} if p is not None else {},
       grad=p in (None, 2, -2))
fn("rect", "torch.linalg.cond", [T(3, 5)])
