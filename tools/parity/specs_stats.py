"""Parity specs of the statistics (src/ops/stats*.c): median / nanmedian, kthvalue, mode,
quantile / nanquantile, var_mean / std_mean, count_nonzero, nansum / nanmean, aminmax,
cummax / cummin, logcumsumexp, diff; float32 and float64 with gradients, integer dtypes where
PyTorch takes them. Float inputs are randn (no ties) unless a case is about ties or NaN."""
import torch

from gen import T, fn

NAN = float("nan")
I64 = dict(dt="i64")
W = [3.0, NAN, 1.0, 2.0, NAN, 5.0, NAN, NAN, NAN, 0.5, -1.0, 4.0]  # (3, 4) with NaNs

# ---- median / nanmedian -------------------------------------------------------------------
fn("all", "torch.median", [T(3, 5)])
fn("all_even", "torch.median", [T(4, 4)])
fn("dim", "torch.median", [T(3, 6), 1])
fn("dim0_keep", "torch.median", [T(5, 3), 0, True])
fn("kw", "torch.median", [T(2, 3, 4)], {"dim": -2, "keepdim": False})
fn("0d", "torch.median", [T()])
fn("int", "torch.median", [T(4, 5, kind="perm", hi=5)], {"dim": 1}, dts=None)
fn("int_all", "torch.median", [T(9, kind="int", lo=-5, hi=5, **I64)], dts=None)
fn("i32", "torch.median", [T(3, 4, kind="perm", hi=4, dt="i32")], {"dim": 1}, dts=None)
fn("nan", "torch.median", [T(3, 4, data=W)], {"dim": 1}, grad=False)
fn("all", "torch.nanmedian", [T(3, 4, data=W)])
fn("dim", "torch.nanmedian", [T(3, 4, data=W)], {"dim": 1})
fn("nonan", "torch.nanmedian", [T(4, 5)], {"dim": 0, "keepdim": True})
fn("int", "torch.nanmedian", [T(3, 4, kind="perm", hi=4)], {"dim": 1}, dts=None)

# ---- kthvalue / mode -------------------------------------------------------------------------
fn("k2", "torch.kthvalue", [T(3, 6), 2])
fn("dim0", "torch.kthvalue", [T(5, 3), 5, 0])
fn("keep", "torch.kthvalue", [T(2, 3, 4), 1], {"dim": 1, "keepdim": True})
fn("int", "torch.kthvalue", [T(3, 5, kind="perm", hi=5), 3], dts=None)
fn("ties", "torch.mode", [T(3, 6, kind="int", lo=0, hi=3)])
fn("dim0", "torch.mode", [T(7, 2, kind="int", lo=0, hi=2)], {"dim": 0, "keepdim": True})
fn("int", "torch.mode", [T(4, 6, kind="int", lo=-1, hi=2, **I64)], dts=None)
fn("bool", "torch.mode", [T(2, 5, kind="bool")], dts=None)

# ---- quantile / nanquantile --------------------------------------------------------------------
for how in ("linear", "lower", "higher", "midpoint", "nearest"):
    fn(how, "torch.quantile", [T(4, 5), 0.3], {"dim": 1, "interpolation": how})
    fn(how + "_q", "torch.quantile", [T(7), T(3, data=[0.0, 0.5, 0.75], grad=False)],
       {"interpolation": how})
fn("all", "torch.quantile", [T(3, 4), 0.25])
fn("all_keep", "torch.quantile", [T(3, 4), T(2, data=[0.1, 0.9], grad=False)], {"keepdim": True})
fn("dim0_keep", "torch.quantile", [T(5, 3), 0.5], {"dim": 0, "keepdim": True})
fn("q0d", "torch.quantile", [T(2, 5), T(data=[0.4], grad=False)], {"dim": -1})
fn("nan", "torch.quantile", [T(3, 4, data=W), 0.5], {"dim": 1}, grad=False)
fn("dim", "torch.nanquantile", [T(3, 4, data=W), T(2, data=[0.25, 0.5], grad=False)], {"dim": 1})
fn("all", "torch.nanquantile", [T(3, 4, data=W), 0.6], {"interpolation": "nearest"})

# ---- var_mean / std_mean ------------------------------------------------------------------------
fn("all", "torch.var_mean", [T(3, 4)])
fn("dim", "torch.var_mean", [T(3, 4), 1])
fn("keep", "torch.var_mean", [T(2, 3, 4), [0, 2]], {"keepdim": True, "unbiased": False})
fn("corr", "torch.var_mean", [T(4, 5)], {"dim": 0, "correction": 2})
fn("all", "torch.std_mean", [T(3, 4)])
fn("dim", "torch.std_mean", [T(3, 4), 0, True, True])

# ---- count_nonzero / nansum / nanmean -----------------------------------------------------------
fn("all", "torch.count_nonzero", [T(4, 5, kind="int", lo=-1, hi=2)], grad=False)
fn("dims", "torch.count_nonzero", [T(2, 3, 4, kind="int", lo=0, hi=2)], {"dim": (0, 2)}, grad=False)
fn("int", "torch.count_nonzero", [T(3, 4, kind="int", lo=-1, hi=2, **I64), 1], dts=None)
fn("all", "torch.nansum", [T(3, 4, data=W)])
fn("dim", "torch.nansum", [T(3, 4, data=W), 1, True])
fn("int", "torch.nansum", [T(3, 4, kind="int", **I64)], {"dim": 0}, dts=None)
fn("all", "torch.nanmean", [T(3, 4, data=W)])
fn("dim", "torch.nanmean", [T(3, 4, data=W)], {"dim": 0})

# ---- aminmax ----------------------------------------------------------------------------------------
fn("all", "torch.aminmax", [T(3, 4)], grad=False)
fn("dim", "torch.aminmax", [T(3, 4)], {"dim": 1, "keepdim": True}, grad=False)
fn("int", "torch.aminmax", [T(3, 4, kind="int", **I64)], {"dim": 0}, dts=None)

# ---- cummax / cummin / logcumsumexp -------------------------------------------------------------
fn("dim1", "torch.cummax", [T(3, 6), 1])
fn("dim0", "torch.cummax", [T(5, 3), 0])
fn("ties", "torch.cummax", [T(2, 7, kind="int", lo=0, hi=3)], {"dim": 1})
fn("int", "torch.cummax", [T(3, 5, kind="int", **I64), 1], dts=None)
fn("nan", "torch.cummax", [T(3, 4, data=W), 1], grad=False)
fn("dim1", "torch.cummin", [T(3, 6), 1])
fn("ties", "torch.cummin", [T(7, 2, kind="int", lo=0, hi=3), 0])
fn("nan", "torch.cummin", [T(3, 4, data=W), 1], grad=False)
fn("dim1", "torch.logcumsumexp", [T(3, 6), 1])
fn("dim0", "torch.logcumsumexp", [T(5, 3, kind="wide"), 0])
fn("3d", "torch.logcumsumexp", [T(2, 3, 4)], {"dim": 1})
fn("big", "torch.logcumsumexp", [T(4, data=[1000.0, -1000.0, 999.0, 0.0]), 0])

# ---- diff ------------------------------------------------------------------------------------------
fn("default", "torch.diff", [T(3, 5)])
fn("n2_dim0", "torch.diff", [T(5, 3)], {"n": 2, "dim": 0})
fn("prepend", "torch.diff", [T(3, 4)], {"prepend": T(3, 2), "append": T(3, 1)})
fn("n_big", "torch.diff", [T(3, 4), 5])
fn("int", "torch.diff", [T(3, 5, kind="int", **I64)], {"dim": 1}, dts=None)
fn("bool", "torch.diff", [T(6, kind="bool")], dts=None)

# ---- unique / unique_consecutive (not differentiable; no NaN: PyTorch 1.13's sorted unique
# of NaNs is inconsistent) --------------------------------------------------------------------------
fn("int", "torch.unique", [T(4, 5, kind="int", lo=-2, hi=3, **I64)],
   {"return_inverse": True, "return_counts": True}, dts=None)
fn("float", "torch.unique", [T(3, 6, kind="int", lo=0, hi=4)], {"return_counts": True}, grad=False)
fn("plain", "torch.unique", [T(9, kind="int", lo=0, hi=5, dt="i32")], dts=None)
fn("bool", "torch.unique", [T(7, kind="bool")], {"return_inverse": True}, dts=None)
fn("dim0", "torch.unique", [T(6, 2, data=[1, 2, 0, 1, 1, 2, 0, 0, 0, 1, 1, 2], **I64)],
   {"dim": 0, "return_inverse": True, "return_counts": True}, dts=None)
fn("dim1", "torch.unique", [T(2, 5, kind="int", lo=0, hi=2)], {"dim": 1, "return_inverse": True},
   grad=False)
fn("basic", "torch.unique_consecutive", [T(10, data=[1, 1, 2, 2, 2, 1, 3, 3, 1, 1], **I64)],
   {"return_inverse": True, "return_counts": True}, dts=None)
fn("float", "torch.unique_consecutive", [T(2, 6, kind="int", lo=0, hi=2)], {"return_counts": True},
   grad=False)
fn("dim1", "torch.unique_consecutive", [T(2, 6, data=[1, 1, 0, 0, 1, 1, 2, 2, 0, 0, 2, 2], **I64)],
   {"dim": 1, "return_inverse": True, "return_counts": True}, dts=None)

# ---- searchsorted / bucketize ---------------------------------------------------------------------
SEQ = T(6, data=[-2.0, -1.0, 0.0, 0.0, 1.5, 3.0], grad=False)
fn("left", "torch.searchsorted", [SEQ, T(3, 4, kind="wide", grad=False)], grad=False)
fn("right", "torch.searchsorted", [SEQ, T(8, data=[-2, 0, 0.5, 3, 4, -5, 1.5, NAN], grad=False)],
   {"right": True}, grad=False)
fn("side", "torch.searchsorted", [SEQ, T(8, data=[-2, 0, 0.5, 3, 4, -5, 1.5, NAN], grad=False)],
   {"side": "right"}, grad=False)
fn("batched", "torch.searchsorted",
   [T(2, 4, data=[0, 1, 2, 3, 0, 10, 20, 30], grad=False), T(2, 3, data=[1.5, -1, 3, 10, 25, 31], grad=False)],
   {"out_int32": True}, grad=False)
fn("sorter", "torch.searchsorted", [T(5, data=[3.0, 1.0, 4.0, 0.0, 2.0], grad=False),
                                    T(4, data=[2.5, 0, 4, -1], grad=False)],
   {"sorter": T(5, data=[3, 1, 4, 0, 2], **I64)}, grad=False)
fn("int", "torch.searchsorted", [T(5, data=[1, 3, 3, 5, 9], **I64), T(2, 3, kind="int", lo=0, hi=10, **I64)],
   dts=None)
fn("mixed", "torch.searchsorted", [T(4, data=[1, 3, 5, 7], **I64), T(3, data=[2.5, 7.0, 0.5], grad=False)],
   grad=False)
fn("basic", "torch.bucketize", [T(3, 4, kind="wide", grad=False), SEQ], grad=False)
fn("right", "torch.bucketize", [T(5, data=[-1, 0, 1.5, 2, 5], grad=False), SEQ],
   {"right": True, "out_int32": True}, grad=False)

# ---- bincount / histc -----------------------------------------------------------------------------
fn("basic", "torch.bincount", [T(20, kind="int", lo=0, hi=6, **I64)], dts=None)
fn("minlength", "torch.bincount", [T(8, kind="int", lo=0, hi=3, **I64)], {"minlength": 5}, dts=None)
fn("weights", "torch.bincount", [T(8, kind="int", lo=0, hi=4, **I64), T(8, grad=False)], grad=False)
fn("u8", "torch.bincount", [T(10, kind="int", lo=0, hi=4, dt="u8")], dts=None)
fn("default", "torch.histc", [T(50, kind="wide", grad=False)], grad=False)
fn("range", "torch.histc", [T(40, kind="wide", grad=False)], {"bins": 7, "min": -2, "max": 3}, grad=False)
fn("pos", "torch.histc", [T(3, 5, grad=False), 4, -1.0, 1.0], grad=False)

# ---- take_along_dim ------------------------------------------------------------------------------
fn("dim1", "torch.take_along_dim", [T(3, 5), T(3, 2, kind="int", lo=0, hi=5, **I64)], {"dim": 1})
fn("bcast", "torch.take_along_dim", [T(3, 4), T(1, 4, kind="int", lo=0, hi=3, **I64), 0])
fn("flat", "torch.take_along_dim", [T(3, 4), T(5, kind="int", lo=0, hi=12, **I64)])
