"""Parity specs of the contractions and diagonals (src/ops/einsum.c): einsum over PyTorch's
syntax (explicit and implicit output, ellipsis, diagonals, broadcasting size-1 dims, several
operands, batched GEMM shapes), tensordot, kron, trace, diag / diagonal / diag_embed /
diagflat, movedim, swapaxes / swapdims; float32 and float64, gradients of every input."""
from gen import T, fn

# ---- einsum ------------------------------------------------------------------------------
E = [
    ("mm", "ij,jk->ik", [(3, 4), (4, 5)]),
    ("mm_implicit", "ij,jk", [(3, 4), (4, 5)]),
    ("bmm", "bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("attn", "bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("attn_v", "bhqk,bhkd->bqhd", [(2, 3, 4, 6), (2, 3, 6, 5)]),
    ("bilinear", "bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
    ("outer", "i,j->ij", [(3,), (4,)]),
    ("outer_implicit", "i,j", [(3,), (4,)]),
    ("dot", "i,i->", [(5,), (5,)]),
    ("dot_implicit", "i,i", [(5,), (5,)]),
    ("hadamard", "ij,ij->ij", [(3, 4), (3, 4)]),
    ("transpose", "ij->ji", [(3, 4)]),
    ("identity", "ij->ij", [(3, 4)]),
    ("implicit_sorted", "ba", [(3, 4)]),
    ("upper_before_lower", "aB", [(3, 4)]),
    ("sum_all", "ij->", [(3, 4)]),
    ("sum_dim", "ij->j", [(3, 4)]),
    ("trace", "ii", [(4, 4)]),
    ("diag", "ii->i", [(4, 4)]),
    ("diag3", "iii->i", [(3, 3, 3)]),
    ("batch_diag", "bii->bi", [(2, 3, 3)]),
    ("diag_mixed", "iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("ellipsis_mm", "...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("ellipsis_bcast", "...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ellipsis_mid", "i...j,j->i...", [(3, 2, 5, 4), (4,)]),
    ("ellipsis_sum", "...i,...i->i", [(2, 3, 4), (3, 4)]),
    ("ellipsis_out_first", "ij...,jk...->...ik", [(3, 4, 2), (4, 5, 2)]),
    ("bcast_one", "ij,ij->ij", [(1, 4), (3, 4)]),
    ("bcast_one_contract", "ij,jk->ik", [(3, 1), (4, 5)]),
    ("single_only", "ij,k->ik", [(3, 4), (5,)]),
    ("three_chain", "ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("four", "ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 3)]),
    ("spaces", "i j , j k -> i k", [(2, 3), (3, 4)]),
    ("contract_two", "ijk,jkl->il", [(2, 3, 4), (3, 4, 5)]),
    ("batch_outer", "bi,bj->bij", [(2, 3), (2, 4)]),
    ("scalar", ",ij->ij", [(), (3, 4)]),
    ("empty", "ij,jk->ik", [(0, 3), (3, 4)]),
    ("empty_contract", "ij,jk->ik", [(2, 0), (0, 4)]),
]
for label, eq, shapes in E:
    fn(label, "torch.einsum", [eq] + [T(*s) for s in shapes])

# ---- tensordot -------------------------------------------------------------------------------
fn("default", "torch.tensordot", [T(3, 4, 5), T(4, 5, 2)])
fn("dims1", "torch.tensordot", [T(3, 4), T(4, 5)], {"dims": 1})
fn("dims0", "torch.tensordot", [T(3, 2), T(4)], {"dims": 0})
fn("lists", "torch.tensordot", [T(3, 4, 5), T(5, 3, 2)], {"dims": [[0, 2], [1, 0]]})
fn("neg_lists", "torch.tensordot", [T(3, 4), T(4, 3)], {"dims": [[-1], [0]]})

# ---- kron ------------------------------------------------------------------------------------
fn("mat", "torch.kron", [T(2, 3), T(3, 2)])
fn("vec", "torch.kron", [T(3), T(2)])
fn("ranks", "torch.kron", [T(2, 3), T(2)])
fn("batched", "torch.kron", [T(2, 2, 2), T(1, 3, 2)])

# ---- trace / diagonal / diag ---------------------------------------------------------------
fn("square", "torch.trace", [T(4, 4)])
fn("wide", "torch.trace", [T(3, 5)])
fn("default", "torch.diagonal", [T(3, 4)])
fn("offset", "torch.diagonal", [T(3, 4)], {"offset": 1})
fn("neg_offset", "torch.diagonal", [T(4, 3)], {"offset": -2})
fn("past_end", "torch.diagonal", [T(3, 4)], {"offset": 5})
fn("dims", "torch.diagonal", [T(2, 3, 4)], {"offset": 1, "dim1": 2, "dim2": 0})
fn("neg_dims", "torch.diagonal", [T(2, 3, 3)], {"dim1": -1, "dim2": -2})
fn("vec", "torch.diag", [T(3)])
fn("vec_offset", "torch.diag", [T(3)], {"diagonal": 2})
fn("vec_neg", "torch.diag", [T(3)], {"diagonal": -1})
fn("mat", "torch.diag", [T(3, 4)])
fn("mat_offset", "torch.diag", [T(3, 4)], {"diagonal": 1})
fn("mat_neg", "torch.diag", [T(4, 3)], {"diagonal": -2})
fn("default", "torch.diag_embed", [T(2, 3)])
fn("offset", "torch.diag_embed", [T(2, 3)], {"offset": 1})
fn("neg_offset_dims", "torch.diag_embed", [T(2, 3)], {"offset": -1, "dim1": 0, "dim2": 2})
fn("dims_swapped", "torch.diag_embed", [T(3, 2)], {"dim1": -1, "dim2": 0})
fn("vec", "torch.diagflat", [T(3)])
fn("mat", "torch.diagflat", [T(2, 2)], {"offset": -1})

# ---- movedim / swapaxes --------------------------------------------------------------------
fn("int", "torch.movedim", [T(2, 3, 4), 0, 2])
fn("lists", "torch.movedim", [T(2, 3, 4, 5), [0, 3], [2, 0]])
fn("neg", "torch.movedim", [T(2, 3, 4)], {"source": -1, "destination": 0})
fn("default", "torch.moveaxis", [T(2, 3, 4), [1], [0]])
fn("default", "torch.swapaxes", [T(2, 3, 4), 0, 2])
fn("default", "torch.swapdims", [T(2, 3, 4), -1, 1])

# ---- shape functions (src/ops/shape.c) ----------------------------------------------------
fn("pad", "torch.tile", [T(2, 3), [2]])
fn("more", "torch.tile", [T(2, 3), [2, 1, 2]])
fn("default", "torch.broadcast_to", [T(3), [2, 3]])
fn("ones", "torch.broadcast_to", [T(2, 1), [2, 2, 4]])
for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
    fn("scalar", "torch." + name, [T()])
    fn("vec", "torch." + name, [T(3)])
    fn("mat", "torch." + name, [T(2, 3)])
    fn("cube", "torch." + name, [T(2, 1, 3)])
fn("vec", "torch.hstack", [[T(3), T(2)]])
fn("mat", "torch.hstack", [[T(2, 3), T(2, 1)]])
fn("vec", "torch.vstack", [[T(3), T(3)]])
fn("mat", "torch.vstack", [[T(2, 3), T(3), T(1, 3)]])
fn("vec", "torch.dstack", [[T(3), T(3)]])
fn("mat", "torch.dstack", [[T(2, 3), T(2, 3, 2)]])
fn("mixed", "torch.column_stack", [[T(3), T(3, 2), T(3)]])
fn("default", "torch.rot90", [T(2, 3)])
fn("k2", "torch.rot90", [T(2, 3)], {"k": 2})
fn("k_neg", "torch.rot90", [T(2, 3, 4), -1, [2, 0]])
fn("k0", "torch.rot90", [T(2, 3), 4])
fn("mixed", "torch.block_diag", [T(), T(3), T(2, 2)])
fn("mats", "torch.block_diag", [T(2, 3), T(1, 2)])
fn("ij", "torch.meshgrid", [T(3), T(2)], {"indexing": "ij"})
fn("xy", "torch.meshgrid", [T(3), T(2), T(2)], {"indexing": "xy"})
fn("scalar", "torch.meshgrid", [T(), T(2)], {"indexing": "ij"})
fn("two", "torch.cartesian_prod", [T(3), T(2)])
fn("three", "torch.cartesian_prod", [T(2), T(2), T(3)])
fn("one", "torch.cartesian_prod", [T(3)])
