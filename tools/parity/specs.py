"""Case specs for gen.py: every tensor op of include/ctorch/{tensor_ops,linalg,functional}.h under its PyTorch name, with
PyTorch's own argument and keyword names. fn(label, name, args, kwargs, dts, grad) makes one
case per floating dtype in dts; T(*shape, kind=..., dt=...) is a tensor argument (dt None:
the case's floating dtype)."""
import torch

from gen import T, fn, module

INF, NAN = float("inf"), float("nan")
I64 = dict(dt="i64")

# ---- views -----------------------------------------------------------------------------
fn("varargs", "Tensor.view", [T(3, 4), 2, 6])
fn("list", "Tensor.view", [T(3, 4), [-1]])
fn("infer", "Tensor.view", [T(2, 3, 4), (4, -1)])
fn("basic", "torch.reshape", [T(3, 4), [2, 6]])
fn("infer", "torch.reshape", [T(2, 3, 4), (-1, 4)])
fn("varargs", "Tensor.reshape", [T(2, 3, 4), 6, 4])
fn("basic", "Tensor.view_as", [T(3, 4), T(12)])
fn("3d", "torch.transpose", [T(2, 3, 4), 0, 2])
fn("neg", "Tensor.transpose", [T(3, 4), -1, -2])
fn("2d", "torch.t", [T(3, 4)])
fn("1d", "torch.t", [T(5)])
fn("method", "Tensor.t", [T(2, 5)])
fn("list", "torch.permute", [T(2, 3, 4), [2, 0, 1]])
fn("varargs", "Tensor.permute", [T(2, 3, 4), 1, 2, 0])
fn("all", "torch.squeeze", [T(1, 3, 1, 4)])
fn("dim", "torch.squeeze", [T(1, 3, 1, 4), 2])
fn("kw", "torch.squeeze", [T(1, 3, 1, 4)], {"dim": 0})
fn("noop", "Tensor.squeeze", [T(2, 3), 1])
fn("mid", "torch.unsqueeze", [T(3, 4), 1])
fn("neg", "torch.unsqueeze", [T(3, 4), -1])
fn("varargs", "Tensor.expand", [T(3, 1), 3, 4])
fn("lead", "Tensor.expand", [T(3, 1), [2, -1, 5]])
fn("basic", "Tensor.expand_as", [T(1, 4), T(3, 4)])
fn("basic", "torch.narrow", [T(4, 5), 1, 1, 3])
fn("dim0", "Tensor.narrow", [T(4, 5), 0, 2, 2])
fn("step", "torch.ops.aten.slice", [T(4, 6), 1, 1, 5, 2])
fn("none", "torch.ops.aten.slice", [T(4, 6), 0, None, None, 1])
fn("neg", "torch.ops.aten.slice", [T(4, 6), -1, -4, -1])
fn("basic", "torch.select", [T(3, 4), 1, 2])
fn("neg", "Tensor.select", [T(3, 4), 0, -1])
fn("all", "torch.flatten", [T(2, 3, 4)])
fn("start", "torch.flatten", [T(2, 3, 4), 1])
fn("kw", "torch.flatten", [T(2, 3, 4)], {"start_dim": 0, "end_dim": 1})
fn("basic", "torch.unflatten", [T(2, 12), 1, (3, 4)])
fn("infer", "Tensor.unflatten", [T(2, 12), -1, (2, -1)])
fn("dim0", "torch.unbind", [T(3, 4)])
fn("dim1", "torch.unbind", [T(3, 4), 1])
fn("size", "torch.split", [T(5, 4), 2])
fn("sizes", "torch.split", [T(5, 4), [1, 4], 0])
fn("kw", "torch.split", [T(4, 6), 4], {"dim": 1})
fn("method", "Tensor.split", [T(6, 2), 3])
fn("dim0", "torch.chunk", [T(5, 4), 3])
fn("kw", "torch.chunk", [T(4, 6), 2], {"dim": 1})

# ---- copies and conversions ----------------------------------------------------------------
fn("basic", "Tensor.contiguous", [T(3, 4)])
fn("basic", "torch.clone", [T(3, 4)])
fn("method", "Tensor.clone", [T(2, 3)])
fn("basic", "Tensor.detach", [T(3, 4)])
fn("f64", "Tensor.to", [T(3, 4), torch.float64])
fn("f32", "Tensor.to", [T(3, 4), torch.float32])
fn("kw_i64", "Tensor.to", [T(3, 4, kind="wide")], {"dtype": torch.int64})
fn("int_to_float", "Tensor.to", [T(3, 4, kind="int", dt="i64"), torch.float32], dts=None)
fn("bcast", "Tensor.copy_", [T(3, 4), T(4)])
fn("cast", "Tensor.copy_", [T(3, 4), T(3, 4, kind="int", dt="i64")])
fn("basic", "Tensor.fill_", [T(3, 4), 2.5])
fn("basic", "Tensor.zero_", [T(2, 3)])

# ---- elementwise binary ------------------------------------------------------------------------
SHAPES = {"same": ((3, 4), (3, 4)), "bcast": ((3, 1), (1, 4)), "bcast3": ((2, 3, 4), (4,)),
          "scalar0d": ((3, 4), ())}
BINARY = [("torch.add", "randn", "randn"), ("torch.sub", "randn", "randn"),
          ("torch.mul", "randn", "randn"), ("torch.div", "randn", "nonzero"),
          ("torch.atan2", "randn", "nonzero"), ("torch.minimum", "randn", "randn"),
          ("torch.maximum", "randn", "randn"), ("torch.pow", "pos", "randn"),
          ("torch.remainder", "wide", "nonzero"), ("torch.fmod", "wide", "nonzero")]
for name, ka, kb in BINARY:
    for label, (sa, sb) in SHAPES.items():
        if label == "scalar0d" and name not in ("torch.add", "torch.mul", "torch.div", "torch.pow"):
            continue
        fn(label, name, [T(*sa, kind=ka), T(*sb, kind=kb)])
fn("same", "torch.floor_divide", [T(3, 4, kind="wide"), T(3, 4, kind="nonzero")], grad=False)
fn("alpha", "torch.add", [T(3, 4), T(4)], {"alpha": 2})
fn("alpha", "torch.sub", [T(3, 4), T(3, 1)], {"alpha": 0.5})
fn("number", "torch.add", [T(3, 4), 3.5])
fn("number_int", "torch.add", [T(3, 4, kind="int", dt="i64"), 2], dts=None)
fn("number_float", "torch.add", [T(3, 4, kind="int", dt="i64"), 2.5], dts=None)
fn("number", "torch.sub", [T(3, 4), 2])
fn("number", "torch.mul", [T(3, 4), 2.5])
fn("number", "torch.div", [T(3, 4), 4.0])
fn("method", "Tensor.add", [T(3, 4), T(3, 4)])
fn("method", "Tensor.mul", [T(2, 3), T(3)])
fn("floor", "torch.div", [T(3, 4, kind="wide"), T(3, 4, kind="nonzero")], {"rounding_mode": "floor"})
fn("trunc", "torch.div", [T(3, 4, kind="wide"), T(4, kind="nonzero")], {"rounding_mode": "trunc"})
fn("none", "torch.div", [T(3, 4), T(3, 4, kind="nonzero")], {"rounding_mode": None})
fn("int_true", "torch.div", [T(3, 4, kind="int", dt="i64", lo=-9, hi=10),
                             T(3, 4, kind="int", dt="i64", lo=1, hi=4)], dts=None)
fn("int_floor", "torch.div", [T(3, 4, kind="int", dt="i64", lo=-9, hi=10),
                              T(3, 4, kind="int", dt="i64", lo=1, hi=4)],
   {"rounding_mode": "floor"}, dts=None)
fn("int", "torch.floor_divide", [T(3, 4, kind="int", dt="i64", lo=-9, hi=10),
                                 T(4, kind="int", dt="i64", lo=1, hi=4)], dts=None)
fn("int", "torch.remainder", [T(3, 4, kind="int", dt="i64", lo=-9, hi=10),
                              T(4, kind="int", dt="i64", lo=1, hi=4)], dts=None)
fn("int", "torch.fmod", [T(3, 4, kind="int", dt="i64", lo=-9, hi=10),
                         T(4, kind="int", dt="i64", lo=1, hi=4)], dts=None)
fn("number", "torch.remainder", [T(3, 4, kind="wide"), 1.5])
fn("number", "torch.fmod", [T(3, 4, kind="wide"), -1.5])
fn("square", "torch.pow", [T(3, 4), 2])
fn("sqrt", "torch.pow", [T(3, 4, kind="pos"), 0.5])
fn("neg", "torch.pow", [T(3, 4, kind="pos"), -1.5])
fn("base", "torch.pow", [2.0, T(3, 4)])
fn("method", "Tensor.pow", [T(3, 4), 3])
fn("int", "torch.pow", [T(3, 4, kind="int", dt="i64", lo=-3, hi=4), 2], dts=None)
fn("number", "torch.rsub", [T(3, 4), 2.0])
fn("tensor", "torch.rsub", [T(3, 4), T(4)])
fn("promote_f32_f64", "torch.add", [T(3, 4, dt="f32"), T(3, 4, dt="f64")], dts=None)
fn("promote_i64_f32", "torch.mul", [T(3, 4, kind="int", dt="i64"), T(3, 4, dt="f32")], dts=None)
fn("promote_int_0d", "torch.mul", [T(3, 4, kind="int", dt="i32"), T(dt="f64", data=2.5)], dts=None)
fn("promote_i32_i64", "torch.add", [T(3, 4, kind="int", dt="i32"), T(4, kind="int", dt="i64")],
   dts=None)
fn("bool", "torch.add", [T(3, 4, kind="bool"), T(3, 4, kind="bool")], dts=None)
fn("binary", "torch.max", [T(3, 4), T(3, 1)])
fn("binary", "torch.min", [T(3, 4), T(4)])

# ---- elementwise unary -------------------------------------------------------------------------
UNARY = [("neg", "randn"), ("abs", "randn"), ("sign", "randn"), ("square", "randn"),
         ("reciprocal", "nonzero"), ("exp", "randn"), ("exp2", "randn"), ("log", "pos"),
         ("log2", "pos"), ("log10", "pos"), ("log1p", "pos"), ("expm1", "randn"),
         ("sqrt", "pos"), ("rsqrt", "pos"), ("sin", "randn"), ("cos", "randn"), ("tan", "unit"),
         ("tanh", "randn"), ("sigmoid", "randn"), ("relu", "randn"), ("erf", "randn"),
         ("floor", "wide"), ("ceil", "wide"), ("round", "wide"), ("trunc", "wide")]
for u, k in UNARY:
    fn("basic", "torch." + u, [T(3, 4, kind=k)])
    fn("method", "Tensor." + u, [T(5, kind=k)])
for u in ("neg", "abs", "sign", "square", "exp", "sqrt", "sigmoid", "floor", "relu"):
    fn("int", "torch." + u, [T(3, 4, kind="int", dt="i64", lo=0 if u == "sqrt" else -3)], dts=None)
fn("0d", "torch.exp", [T()])
fn("empty", "torch.exp", [T(0, 3)])
fn("basic", "F.relu", [T(3, 4)])
fn("nan", "F.relu", [T(4, data=[NAN, -1.0, 0.0, 2.0])])  # a NaN output passes its gradient
fn("basic", "F.gelu", [T(3, 4)])
fn("none", "F.gelu", [T(3, 4)], {"approximate": "none"})
fn("tanh", "F.gelu", [T(3, 4)], {"approximate": "tanh"})
fn("basic", "F.silu", [T(3, 4)])
fn("basic", "F.sigmoid", [T(3, 4)])
fn("basic", "F.tanh", [T(3, 4)])
fn("both", "torch.clamp", [T(3, 4), -0.5, 0.5])
fn("min", "torch.clamp", [T(3, 4)], {"min": -0.5})
fn("max", "torch.clamp", [T(3, 4)], {"max": 0.2})
fn("tensor", "torch.clamp", [T(3, 4), T(1, 4, kind="unit"), T(3, 1, kind="pos")])
fn("tensor_min", "torch.clamp", [T(3, 4)], {"min": T(3, 4)})
fn("alias", "torch.clip", [T(3, 4), -1, 1])
fn("method", "Tensor.clamp", [T(3, 4)], {"min": 0})
fn("int", "torch.clamp", [T(3, 4, kind="int", dt="i64", lo=-5, hi=6), -2, 3], dts=None)
fn("basic", "torch.where", [T(3, 4, kind="bool"), T(3, 4), T(3, 4)])
fn("bcast", "torch.where", [T(3, 1, kind="bool"), T(3, 4), T(1, 4)])
fn("number", "torch.where", [T(3, 4, kind="bool"), T(3, 4), 0.0])
fn("promote", "torch.where", [T(3, 4, kind="bool"), T(3, 4, dt="f32"), T(3, 4, dt="f64")],
   dts=None)
fn("basic", "torch.masked_fill", [T(3, 4), T(3, 4, kind="bool"), -1.0])
fn("bcast", "Tensor.masked_fill", [T(3, 4), T(4, kind="bool"), 2.0])
fn("inf", "Tensor.masked_fill", [T(3, 4), T(3, 4, kind="bool"), -INF])
fn("number", "torch.lerp", [T(3, 4), T(3, 4), 0.3])
fn("tensor", "torch.lerp", [T(3, 4), T(4), T(3, 1, kind="unit")])

# ---- comparisons and logic ---------------------------------------------------------------------
for c in ("eq", "ne", "lt", "le", "gt", "ge"):
    fn("same", "torch." + c, [T(3, 4, kind="int"), T(3, 4, kind="int")])
    fn("bcast", "torch." + c, [T(3, 1, kind="int"), T(1, 4, kind="int")], dts=("f32",))
    fn("number", "torch." + c, [T(3, 4, kind="int"), 1.0])
    fn("int", "Tensor." + c, [T(3, 4, kind="int", dt="i64"), 0], dts=None)
fn("promote", "torch.lt", [T(3, 4, kind="int", dt="i64"), T(3, 4, dt="f32")], dts=None)
SPECIAL = [1.0, NAN, INF, -INF, 0.0, -1.0]
fn("basic", "torch.isnan", [T(6, data=SPECIAL)])
fn("basic", "torch.isinf", [T(2, 3, data=SPECIAL)])
fn("int", "torch.isnan", [T(4, kind="int", dt="i64")], dts=None)
for c in ("logical_and", "logical_or", "logical_xor"):
    fn("bool", "torch." + c, [T(3, 4, kind="bool"), T(3, 4, kind="bool")], dts=None)
    fn("float", "torch." + c, [T(3, 4, kind="int", lo=-1, hi=2), T(4, kind="int", lo=-1, hi=2)])
fn("bool", "torch.logical_not", [T(3, 4, kind="bool")], dts=None)
fn("float", "torch.logical_not", [T(3, 4, kind="int", lo=-1, hi=2)])
fn("true", "torch.equal", [T(3, 4, data=[float(i) for i in range(12)]),
                           T(3, 4, data=[float(i) for i in range(12)])])
fn("false", "torch.equal", [T(3, 4), T(3, 4)])
fn("shape", "torch.equal", [T(3, 4, kind="int"), T(4, 3, kind="int")])
fn("true", "torch.allclose", [T(3, data=[1.0, 2.0, 3.0]), T(3, data=[1.0, 2.0, 3.00001])])
fn("false", "torch.allclose", [T(3, data=[1.0, 2.0, 3.0]), T(3, data=[1.0, 2.0, 3.1])])
fn("kw", "torch.allclose", [T(3, data=[1.0, 2.0, 3.0]), T(3, data=[1.0, 2.0, 3.1])],
   {"rtol": 0.1, "atol": 0.0})

# ---- in-place ----------------------------------------------------------------------------------
for name in ("add_", "sub_", "mul_"):
    fn("tensor", "Tensor." + name, [T(3, 4), T(4)])
    fn("number", "Tensor." + name, [T(3, 4), 2.0])
fn("tensor", "Tensor.div_", [T(3, 4), T(3, 4, kind="nonzero")])
fn("number", "Tensor.div_", [T(3, 4), 4.0])
fn("tensor", "Tensor.pow_", [T(3, 4, kind="pos"), T(3, 4)])
fn("number", "Tensor.pow_", [T(3, 4), 2.0])
for name, k in (("neg_", "randn"), ("abs_", "randn"), ("exp_", "randn"), ("log_", "pos"),
                ("sqrt_", "pos"), ("sin_", "randn"), ("cos_", "randn"), ("tanh_", "randn"),
                ("sigmoid_", "randn"), ("relu_", "randn"), ("floor_", "wide"), ("ceil_", "wide"),
                ("round_", "wide"), ("trunc_", "wide")):
    fn("basic", "Tensor." + name, [T(3, 4, kind=k)])
fn("basic", "Tensor.clamp_", [T(3, 4), -0.5, 0.5])
fn("basic", "Tensor.masked_fill_", [T(3, 4), T(3, 4, kind="bool"), 0.0])
fn("int", "Tensor.add_", [T(3, 4, kind="int", dt="i64"), 3], dts=None)

# ---- reductions -------------------------------------------------------------------------------
X3 = lambda: T(2, 3, 4)  # noqa: E731
fn("all", "torch.sum", [X3()])
fn("dim", "torch.sum", [X3(), 1])
fn("dims_keep", "torch.sum", [X3()], {"dim": [0, 2], "keepdim": True})
fn("neg_keep", "torch.sum", [X3(), -1, True])
fn("int", "torch.sum", [T(3, 4, kind="int", dt="i32")], dts=None)
fn("bool", "torch.sum", [T(3, 4, kind="bool"), 0], dts=None)
fn("dtype", "torch.sum", [T(3, 4)], {"dtype": torch.float64})
fn("method", "Tensor.sum", [T(3, 4), 0])
fn("empty_dims", "torch.sum", [T(3, 4), []])
fn("all", "torch.mean", [X3()])
fn("dim_keep", "torch.mean", [X3(), 1], {"keepdim": True})
fn("dims", "torch.mean", [X3(), [0, 1]])
fn("method", "Tensor.mean", [T(3, 4)], {"dim": -1})
for r in ("amax", "amin"):
    fn("all", "torch." + r, [T(3, 4)])
    fn("dim", "torch." + r, [X3(), 1])
    fn("dims_keep", "torch." + r, [X3()], {"dim": [0, 2], "keepdim": True})
    fn("int", "torch." + r, [T(3, 4, kind="int", dt="i64", lo=-9, hi=10), 0], dts=None)
fn("dim", "torch.logsumexp", [T(3, 4), 1])
fn("dims_keep", "torch.logsumexp", [X3(), [0, 1]], {"keepdim": True})
fn("inf", "torch.logsumexp", [T(2, 3, data=[-INF, -INF, -INF, 0.0, 1.0, -INF]), 1])
for r in ("all", "any"):
    fn("bool", "torch." + r, [T(3, 4, kind="bool")], dts=None)
    fn("dim", "torch." + r, [T(3, 4, kind="bool"), 1], dts=None)
    fn("keep", "torch." + r, [T(3, 4, kind="bool")], {"dim": 0, "keepdim": True}, dts=None)
    fn("float", "torch." + r, [T(3, 4, kind="int", lo=0, hi=3)], dts=("f32",))
fn("all", "torch.prod", [T(3, 4, kind="nonzero")])
fn("dim", "torch.prod", [T(3, 4, kind="nonzero"), 1])
fn("keep", "torch.prod", [T(3, 4, kind="nonzero"), 0], {"keepdim": True})
fn("zero", "torch.prod", [T(2, 3, data=[1.0, 0.0, 2.0, 3.0, 4.0, 0.5]), 1])
fn("int", "torch.prod", [T(3, 4, kind="int", dt="i64", lo=1, hi=4)], dts=None)
for r in ("var", "std"):
    fn("all", "torch." + r, [T(3, 4)])
    fn("dim", "torch." + r, [X3(), 1])
    fn("unbiased", "torch." + r, [T(3, 4)], {"dim": 1, "unbiased": False})
    fn("positional_unbiased", "torch." + r, [T(3, 4), 0, False, True])
    fn("correction", "torch." + r, [X3()], {"dim": [0, 2], "correction": 0, "keepdim": True})
    fn("correction2", "torch." + r, [T(3, 5)], {"dim": 1, "correction": 2})
    fn("method", "Tensor." + r, [T(3, 4)], {"dim": 0})
fn("default", "torch.norm", [T(3, 4)])
fn("p1", "torch.norm", [T(3, 4)], {"p": 1})
fn("pinf", "torch.norm", [T(3, 4)], {"p": INF})
fn("p3_dim", "torch.norm", [T(3, 4)], {"p": 3, "dim": 1})
fn("fro", "torch.norm", [T(3, 4)], {"p": "fro"})
fn("dim_keep", "torch.norm", [T(3, 4)], {"dim": 1, "keepdim": True})
fn("positional", "torch.norm", [X3(), 2, [1, 2]])
fn("ord2", "torch.linalg.vector_norm", [T(3, 4)])
fn("inf_dim", "torch.linalg.vector_norm", [T(3, 4)], {"ord": INF, "dim": 0})
fn("ninf", "torch.linalg.vector_norm", [T(3, 4)], {"ord": -INF, "dim": 1})
fn("ord1_keep", "torch.linalg.vector_norm", [T(3, 4), 1, 1, True])
fn("ord0", "torch.linalg.vector_norm", [T(3, 4)], {"ord": 0})
fn("ord05", "torch.linalg.vector_norm", [T(3, 4, kind="nonzero")], {"ord": 0.5})
fn("method", "Tensor.norm", [T(3, 4)], {"dim": 0})
for r in ("max", "min"):
    fn("all", "torch." + r, [T(3, 4)])
    fn("dim", "torch." + r, [T(3, 4), 1])
    fn("keep", "torch." + r, [T(3, 4)], {"dim": 0, "keepdim": True})
    fn("method", "Tensor." + r, [T(3, 4), -1])
    fn("int", "torch." + r, [T(12, kind="perm", hi=12)], dts=None)
for r in ("argmax", "argmin"):
    fn("all", "torch." + r, [T(3, 4)])
    fn("dim", "torch." + r, [T(3, 4), 1])
    fn("keep", "torch." + r, [T(3, 4)], {"dim": 0, "keepdim": True})
for r in ("cumsum", "cumprod"):
    fn("dim1", "torch." + r, [T(3, 4), 1])
    fn("dim0", "torch." + r, [T(3, 4)], {"dim": 0})
    fn("int", "torch." + r, [T(3, 4, kind="int", dt="i32", lo=-2, hi=3), 1], dts=None)
fn("zero", "torch.cumprod", [T(5, data=[2.0, 0.5, 0.0, 3.0, -1.0]), 0])
for s in ("F.softmax", "F.log_softmax"):
    fn("dim1", s, [T(3, 5), 1])
    fn("neg", s, [X3()], {"dim": -1})
    fn("dim0", s, [X3(), 0])
    fn("dtype", s, [T(3, 5), 1], {"dtype": torch.float64}, dts=("f32",))
    fn("big", s, [T(2, 3, data=[1000.0, 0.0, -1000.0, 5.0, 5.0, 5.0]), 1])
    fn("ninf", s, [T(2, 3, data=[-INF, 0.0, 1.0, 2.0, -INF, 3.0]), 1])
fn("basic", "torch.softmax", [T(3, 4), 0])
fn("basic", "torch.log_softmax", [T(3, 4), 1])
fn("method", "Tensor.softmax", [T(3, 4), -1])
fn("method", "Tensor.log_softmax", [T(3, 4)], {"dim": 0})

# ---- linear algebra ---------------------------------------------------------------------------
fn("basic", "torch.mm", [T(3, 4), T(4, 5)])
fn("method", "Tensor.mm", [T(2, 3), T(3, 2)])
fn("basic", "torch.bmm", [T(2, 3, 4), T(2, 4, 5)])
MATMUL = {"1d_1d": ((4,), (4,)), "2d_1d": ((3, 4), (4,)), "1d_2d": ((4,), (4, 5)),
          "2d_2d": ((3, 4), (4, 5)), "3d_1d": ((2, 3, 4), (4,)), "1d_3d": ((4,), (2, 4, 5)),
          "3d_2d": ((2, 3, 4), (4, 5)), "2d_3d": ((3, 4), (2, 4, 5)),
          "3d_3d": ((2, 3, 4), (2, 4, 5)), "bcast_4d_3d": ((2, 1, 3, 4), (3, 4, 2)),
          "bcast_batch1": ((1, 3, 4), (2, 4, 5)), "4d_4d": ((2, 2, 2, 3), (2, 2, 3, 2)),
          "4d_1d": ((2, 2, 3, 4), (4,)), "1d_4d": ((3,), (2, 2, 3, 2)),
          "empty_k": ((3, 0), (0, 2))}
for label, (sa, sb) in MATMUL.items():
    fn(label, "torch.matmul", [T(*sa), T(*sb)])
fn("method", "Tensor.matmul", [T(3, 4), T(4)])
fn("int", "torch.matmul", [T(3, 4, kind="int", dt="i64"), T(4, 2, kind="int", dt="i64")],
   dts=None)
fn("basic", "torch.mv", [T(3, 4), T(4)])
fn("bias1d", "torch.addmm", [T(5), T(3, 4), T(4, 5)])
fn("beta_alpha", "torch.addmm", [T(3, 5), T(3, 4), T(4, 5)], {"beta": 0.5, "alpha": 2})
fn("bcast_row", "torch.addmm", [T(1, 5), T(3, 4), T(4, 5)], {"alpha": -1.0})
fn("basic", "torch.dot", [T(5), T(5)])
fn("basic", "torch.outer", [T(3), T(4)])

# ---- indexing and joining ---------------------------------------------------------------------
fn("dim0", "torch.index_select", [T(4, 5), 0, T(3, dt="i64", data=[3, 0, 2])])
fn("repeat", "torch.index_select", [T(4, 5), 1, T(4, dt="i64", data=[1, 1, 4, 0])])
fn("method", "Tensor.index_select", [T(6), 0, T(3, dt="i64", data=[5, 0, 5])])
fn("dim1", "torch.gather", [T(3, 4), 1, T(3, 2, kind="int", dt="i64", lo=0, hi=4)])
fn("dim0", "torch.gather", [T(3, 4), 0, T(2, 4, kind="int", dt="i64", lo=0, hi=3)])
fn("src", "torch.scatter", [T(3, 5), 1, T(3, 2, kind="perm", hi=5), T(3, 2)])
fn("dim0", "torch.scatter", [T(4, 3), 0, T(2, 3, dt="i64", data=[0, 1, 2, 3, 2, 1]), T(2, 3)])
fn("value", "torch.scatter", [T(3, 5), 1, T(3, 2, kind="perm", hi=5)], {"value": 2.0})
fn("value_pos", "torch.scatter", [T(3, 5), 1, T(3, 2, kind="perm", hi=5), -1.5])
fn("basic", "torch.scatter_add", [T(3, 5), 1, T(3, 4, kind="int", dt="i64", lo=0, hi=5), T(3, 4)])
fn("dim0", "torch.scatter_add", [T(3, 2), 0, T(4, 2, kind="int", dt="i64", lo=0, hi=3), T(4, 2)])
fn("basic", "torch.take", [T(3, 4), T(5, dt="i64", data=[0, 11, 5, 5, 3])])
fn("neg", "torch.take", [T(3, 4), T(2, 2, dt="i64", data=[-1, -12, 2, 7])])
fn("basic", "torch.masked_select", [T(3, 4), T(3, 4, kind="bool")])
fn("bcast", "torch.masked_select", [T(3, 4), T(4, kind="bool")])
fn("float", "torch.nonzero", [T(3, 4, kind="int", lo=0, hi=2)], dts=("f32",))
fn("bool", "torch.nonzero", [T(2, 3, 2, kind="bool")], dts=None)
fn("dim0", "torch.cat", [[T(2, 3), T(4, 3)], 0])
fn("dim1", "torch.cat", [[T(2, 3), T(2, 1), T(2, 2)]], {"dim": 1})
fn("neg", "torch.cat", [[T(2, 3, 2), T(2, 3, 1)], -1])
fn("int", "torch.cat", [[T(2, kind="int", dt="i64"), T(3, kind="int", dt="i64")]], dts=None)
fn("promote", "torch.cat", [[T(2, dt="f32"), T(3, dt="f64")]], dts=None)
fn("dim0", "torch.stack", [[T(2, 3), T(2, 3), T(2, 3)]])
fn("dim1", "torch.stack", [[T(2, 3), T(2, 3)], 1])
fn("neg", "torch.stack", [[T(2, 3), T(2, 3)]], {"dim": -1})
for tr in ("tril", "triu"):
    fn("basic", "torch." + tr, [T(4, 5)])
    fn("pos", "torch." + tr, [T(4, 5), 1])
    fn("neg", "torch." + tr, [T(4, 5)], {"diagonal": -1})
    fn("batch", "torch." + tr, [T(2, 3, 3)])
    fn("int", "torch." + tr, [T(3, 3, kind="int", dt="i64")], dts=None)
fn("classes", "F.one_hot", [T(5, dt="i64", data=[0, 3, 1, 3, 2]), 4], dts=None)
fn("infer", "F.one_hot", [T(2, 3, dt="i64", data=[0, 2, 1, 2, 0, 1])], dts=None)
fn("kw", "F.one_hot", [T(3, dt="i64", data=[1, 0, 1])], {"num_classes": 3}, dts=None)
fn("varargs", "Tensor.repeat", [T(2, 3), 2, 1])
fn("list_lead", "Tensor.repeat", [T(3), [2, 2]])
fn("3d", "Tensor.repeat", [T(2, 1, 2), (1, 3, 2)])
fn("dims", "torch.flip", [T(2, 3, 4), [0, 2]])
fn("one", "torch.flip", [T(3, 4), (1,)])
fn("flat", "torch.roll", [T(3, 4), 1])
fn("dim", "torch.roll", [T(3, 4), 2, 1])
fn("multi", "torch.roll", [T(3, 4)], {"shifts": (1, -1), "dims": (0, 1)})
fn("neg", "torch.roll", [T(5), -7])
fn("default", "torch.sort", [T(3, 5)])
fn("dim0", "torch.sort", [T(3, 5), 0])
fn("desc", "torch.sort", [T(3, 5)], {"dim": 1, "descending": True})
fn("stable", "torch.sort", [T(3, 6, kind="int", lo=0, hi=3)], {"stable": True, "dim": 1})
fn("stable_desc", "torch.sort", [T(2, 6, kind="int", lo=0, hi=3)],
   {"stable": True, "descending": True})
fn("int", "torch.sort", [T(7, kind="perm", hi=7)], dts=None)
fn("nan", "torch.sort", [T(5, data=[2.0, NAN, -1.0, INF, 0.0])], {"stable": True})
fn("method", "Tensor.sort", [T(4, 3)], {"dim": 0})
fn("dim1", "torch.argsort", [T(3, 5), 1])
fn("desc", "torch.argsort", [T(3, 5)], {"dim": 0, "descending": True})
fn("k2", "torch.topk", [T(3, 6), 2])
fn("dim0", "torch.topk", [T(5, 3), 3], {"dim": 0})
fn("smallest", "torch.topk", [T(3, 6), 2], {"largest": False})
fn("all_kw", "torch.topk", [T(3, 6)], {"k": 3, "dim": 1, "largest": True, "sorted": True})
fn("method", "Tensor.topk", [T(8), 3])
fn("1d", "F.pad", [T(2, 3), (1, 2)])
fn("2d_value", "F.pad", [T(2, 3, 4), (1, 1, 2, 0)], {"value": 0.5})
fn("3d_const", "F.pad", [T(1, 2, 2, 2), [1, 0, 0, 1, 1, 1]])
fn("negative", "F.pad", [T(2, 5), (-1, 1)])
fn("reflect", "F.pad", [T(1, 2, 5), (2, 1), "reflect"])
fn("reflect2d", "F.pad", [T(1, 1, 3, 4), (2, 1, 1, 2)], {"mode": "reflect"})
fn("replicate", "F.pad", [T(1, 2, 5), (1, 3)], {"mode": "replicate"})
fn("replicate2d", "F.pad", [T(1, 2, 3, 3), (1, 1, 2, 0)], {"mode": "replicate"})
fn("circular", "F.pad", [T(1, 2, 5), (2, 1)], {"mode": "circular"})
fn("circular2d", "F.pad", [T(1, 1, 3, 4), (1, 2, 1, 1)], {"mode": "circular"})
fn("int", "F.pad", [T(2, 3, kind="int", dt="i64"), (1, 1), "constant", 7], dts=None)

# ---- F.linear / F.bilinear (src/ops/linear.c) ----------------------------------------------
fn("2d", "F.linear", [T(3, 4), T(2, 4), T(2)])
fn("3d", "F.linear", [T(2, 3, 4), T(5, 4), T(5)])
fn("nobias", "F.linear", [T(3, 4), T(2, 4)])
fn("1d", "F.linear", [T(4), T(2, 4)], {"bias": T(2)})
fn("4d", "F.linear", [T(2, 2, 3, 4), T(2, 4), T(2)])
fn("basic", "F.bilinear", [T(3, 2), T(3, 4), T(5, 2, 4), T(5)])
fn("nobias", "F.bilinear", [T(2, 3, 2), T(2, 3, 4), T(3, 2, 4)])

# ---- modules (kind "module": built by name through ct_nn_create, state loaded) -----------------
module("basic", "Linear", [4, 3], {}, [(2, 4)])
module("nobias", "Linear", [4, 3], {"bias": False}, [(2, 4)])
module("3d", "Linear", [4, 5], {}, [(2, 3, 4)])
module("1d", "Linear", [], {"in_features": 3, "out_features": 2}, [(3,)])
module("eval", "Linear", [3, 3], {}, [(4, 3)], training=False)
module("basic", "Bilinear", [2, 3, 4], {}, [(5, 2), (5, 3)])
module("nobias", "Bilinear", [3, 2, 2], {"bias": False}, [(2, 4, 3), (2, 4, 2)])
module("basic", "Identity", [], {}, [(2, 4)])
module("args", "Identity", [54], {"unused_argument1": 0.1}, [(3,)])
module("default", "Flatten", [], {}, [(2, 3, 4)])
module("kw", "Flatten", [], {"start_dim": 0, "end_dim": 1}, [(2, 3, 4)])
module("basic", "Unflatten", [1, (2, 3)], {}, [(2, 6)])
module("infer", "Unflatten", [-1, [2, -1]], {}, [(3, 8)])
module("basic", "ReLU", [], {}, [(2, 4)])
module("basic", "Sigmoid", [], {}, [(2, 4)])
module("basic", "Tanh", [], {}, [(3, 2)])
module("basic", "GELU", [], {}, [(2, 4)])
module("tanh", "GELU", [], {"approximate": "tanh"}, [(2, 4)])
module("basic", "SiLU", [], {}, [(2, 4)])
module("dim1", "Softmax", [], {"dim": 1}, [(2, 4)])
module("dimneg", "Softmax", [-1], {}, [(2, 3, 4)])
module("dimnone3d", "Softmax", [], {}, [(2, 3, 4)])
module("dim0", "LogSoftmax", [0], {}, [(3, 4)])
module("dimnone2d", "LogSoftmax", [], {}, [(3, 4)], training=False)

# ---- creation (include/ctorch/core.h) ---------------------------------------------------------
fn("varargs", "torch.zeros", [2, 3], dts=None)
fn("list_dtype", "torch.zeros", [[2, 3]], {"dtype": torch.float64}, dts=None)
fn("int", "torch.ones", [3], {"dtype": torch.int64}, dts=None)
fn("basic", "torch.ones", [2, 2], dts=None)
fn("float", "torch.full", [[2, 3], 1.5], dts=None)
fn("dtype", "torch.full", [(2, 2), 7], {"dtype": torch.int32}, dts=None)
fn("frac", "torch.arange", [0.0, 1.0, 0.25], dts=None)
fn("dtype", "torch.arange", [5], {"dtype": torch.int64}, dts=None)
fn("neg_step", "torch.arange", [3, -2, -1.5], dts=None)
fn("basic", "torch.linspace", [0.0, 1.0, 5], dts=None)
fn("f64", "torch.linspace", [-1.0, 2.0, 7], {"dtype": torch.float64}, dts=None)
fn("square", "torch.eye", [3], dts=None)
fn("rect", "torch.eye", [2, 4], {"dtype": torch.float64}, dts=None)
fn("basic", "torch.zeros_like", [T(2, 3)])
fn("dtype", "torch.ones_like", [T(2, 3)], {"dtype": torch.int64})
fn("basic", "torch.full_like", [T(2, 3), 2.5])
fn("basic", "Tensor.detach_", [T(3, 4)])

# ---- convolution ---------------------------------------------------------------------------
# float32 sums of C * K products in another order than oneDNN's: a looser tolerance.
def conv(label, name, args, kwargs=None):
    fn(label, name, args, kwargs, dts=("f64",))
    fn(label, name, args, kwargs, dts=("f32",), rtol=1e-4, atol=1e-5)


conv("basic", "F.conv1d", [T(2, 3, 7), T(4, 3, 3)])
conv("bias_stride", "F.conv1d", [T(2, 3, 9), T(4, 3, 3), T(4)], {"stride": 2, "padding": 1})
conv("dil_groups", "F.conv1d", [T(2, 4, 9), T(6, 2, 2)], {"dilation": 3, "groups": 2, "padding": 2})
conv("same_even", "F.conv1d", [T(2, 3, 6), T(2, 3, 4), T(2)], {"padding": "same"})
conv("same_dil", "F.conv1d", [T(1, 2, 7), T(3, 2, 2)], {"padding": "same", "dilation": 3})
conv("valid", "F.conv1d", [T(2, 3, 6), T(2, 3, 4)], {"padding": "valid"})
conv("unbatched", "F.conv1d", [T(3, 6), T(2, 3, 2)])
conv("basic", "F.conv2d", [T(2, 3, 5, 5), T(4, 3, 3, 3), T(4)])
conv("pad_stride", "F.conv2d", [T(2, 3, 7, 6), T(4, 3, 3, 2)], {"stride": (2, 1), "padding": (1, 2)})
conv("dilation", "F.conv2d", [T(1, 2, 8, 7), T(3, 2, 3, 3), T(3)], {"dilation": (2, 3), "padding": 1})
conv("groups", "F.conv2d", [T(2, 6, 5, 5), T(9, 2, 3, 3), T(9)], {"groups": 3, "stride": 2, "padding": 1})
conv("depthwise", "F.conv2d", [T(2, 4, 6, 6), T(8, 1, 3, 3)], {"groups": 4, "padding": 1})
conv("pointwise", "F.conv2d", [T(2, 5, 4, 3), T(6, 5, 1, 1), T(6)])
conv("pointwise_stride", "F.conv2d", [T(2, 5, 5, 4), T(6, 5, 1, 1)], {"stride": 2})
conv("same", "F.conv2d", [T(2, 3, 5, 6), T(4, 3, 3, 2), T(4)], {"padding": "same"})
conv("same_dil", "F.conv2d", [T(1, 2, 6, 6), T(2, 2, 2, 3)], {"padding": "same", "dilation": (3, 2)})
conv("valid", "F.conv2d", [T(2, 3, 5, 6), T(4, 3, 3, 2)], {"padding": "valid"})
conv("uneven", "F.conv2d", [T(1, 2, 8, 9), T(2, 2, 3, 2)], {"stride": 3, "padding": (2, 0)})
conv("unbatched", "F.conv2d", [T(3, 5, 5), T(2, 3, 3, 3), T(2)], {"padding": 1})
conv("kw", "F.conv2d", [T(1, 4, 5, 5)], {"weight": T(4, 2, 2, 2), "bias": T(4), "groups": 2, "dilation": 2})
conv("empty_batch", "F.conv2d", [T(0, 3, 5, 5), T(4, 3, 3, 3), T(4)])
conv("basic", "F.conv3d", [T(2, 2, 4, 5, 4), T(3, 2, 2, 3, 2), T(3)])
conv("opts", "F.conv3d", [T(1, 4, 5, 5, 6), T(4, 2, 3, 2, 3)],
     {"stride": (1, 2, 2), "padding": (1, 0, 1), "dilation": (1, 2, 1), "groups": 2})
conv("same", "F.conv3d", [T(1, 2, 4, 4, 4), T(2, 2, 2, 3, 2)], {"padding": "same"})
conv("unbatched", "F.conv3d", [T(2, 3, 3, 3), T(2, 2, 2, 2, 2)])
conv("basic", "F.conv_transpose1d", [T(2, 3, 5), T(3, 4, 3), T(4)])
conv("opts", "F.conv_transpose1d", [T(2, 4, 5), T(4, 3, 3), T(6)],
     {"stride": 3, "padding": 1, "output_padding": 2, "groups": 2, "dilation": 2})
conv("unbatched", "F.conv_transpose1d", [T(3, 4), T(3, 2, 2)], {"stride": 2})
conv("basic", "F.conv_transpose2d", [T(2, 3, 4, 4), T(3, 2, 3, 3), T(2)])
conv("stride_op", "F.conv_transpose2d", [T(2, 3, 4, 3), T(3, 2, 3, 2)],
     {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)})
conv("dil_op", "F.conv_transpose2d", [T(1, 2, 3, 4), T(2, 3, 2, 3), T(3)],
     {"dilation": 3, "output_padding": (2, 1), "padding": 1})
conv("groups", "F.conv_transpose2d", [T(2, 4, 3, 3), T(4, 3, 3, 3), T(6)], {"groups": 2, "stride": 2})
conv("pointwise", "F.conv_transpose2d", [T(2, 4, 3, 3), T(4, 5, 1, 1)])
conv("unbatched", "F.conv_transpose2d", [T(3, 4, 4), T(3, 2, 2, 2)], {"stride": 2, "padding": 1})
conv("basic", "F.conv_transpose3d", [T(1, 2, 3, 3, 2), T(2, 3, 2, 2, 2), T(3)])
conv("opts", "F.conv_transpose3d", [T(1, 4, 2, 3, 3), T(4, 1, 2, 3, 2)],
     {"stride": (2, 1, 2), "padding": (0, 1, 1), "output_padding": (1, 0, 1), "groups": 2, "dilation": (1, 2, 1)})
fn("int", "F.conv2d", [T(2, 3, 4, 4, kind="int", dt="i64"), T(2, 3, 2, 2, kind="int", dt="i64")], dts=None)
fn("int", "F.conv_transpose1d", [T(1, 2, 4, kind="int", dt="i64"), T(2, 2, 3, kind="int", dt="i64")],
   {"stride": 2}, dts=None)
# ---- normalization, dropout, embedding (functional.h) --------------------------------------
NG = dict(grad=False)  # running statistics never require grad
fn("train", "F.batch_norm", [T(4, 3, 5), None, None], {"training": True})
fn("train_affine", "F.batch_norm", [T(4, 3, 2, 2), T(3, **NG), T(3, kind="pos", **NG), T(3), T(3)],
   {"training": True, "momentum": 0.3})
fn("train_2d", "F.batch_norm", [T(6, 4), T(4, **NG), T(4, kind="pos", **NG)], {"training": True})
fn("eval", "F.batch_norm", [T(4, 3, 5), T(3, **NG), T(3, kind="pos", **NG)])
fn("eval_affine", "F.batch_norm", [T(2, 3, 2, 3), T(3, **NG), T(3, kind="pos", **NG), T(3), T(3)],
   {"eps": 1e-3})
fn("train_weight_only", "F.batch_norm", [T(3, 2, 4), None, None, T(2)], {"training": True, "eps": 0.1})
fn("train_3d", "F.batch_norm", [T(2, 2, 2, 3, 2), None, None, None, T(2)], {"training": True})
fn("last", "F.layer_norm", [T(4, 6), [6]])
fn("affine", "F.layer_norm", [T(2, 3, 5), (5,), T(5), T(5)])
fn("multi", "F.layer_norm", [T(2, 3, 4), [3, 4], T(3, 4), T(3, 4)], {"eps": 1e-3})
fn("weight_only", "F.layer_norm", [T(3, 2, 4), [2, 4]], {"weight": T(2, 4)})
fn("all", "F.layer_norm", [T(2, 3), [2, 3], None, T(2, 3)])
fn("basic", "F.group_norm", [T(2, 6, 5), 3])
fn("affine", "F.group_norm", [T(2, 4, 3, 2), 2, T(4), T(4)])
fn("one_group", "F.group_norm", [T(3, 4, 5), 1, T(4), None, 1e-3])
fn("per_channel", "F.group_norm", [T(2, 3, 4), 3], {"weight": T(3)})
fn("no_spatial", "F.group_norm", [T(3, 4), 2, T(4), T(4)])
fn("basic", "F.instance_norm", [T(2, 3, 5)])
fn("affine", "F.instance_norm", [T(2, 3, 2, 3)], {"weight": T(3), "bias": T(3)})
fn("running", "F.instance_norm", [T(2, 3, 5), T(3, **NG), T(3, kind="pos", **NG)], {"momentum": 0.2})
fn("eval", "F.instance_norm", [T(2, 3, 4), T(3, **NG), T(3, kind="pos", **NG)],
   {"use_input_stats": False})
fn("3d", "F.local_response_norm", [T(2, 5, 4), 3])
fn("4d", "F.local_response_norm", [T(2, 6, 3, 2), 2], {"alpha": 0.01, "beta": 0.5, "k": 2.0})
fn("5d", "F.local_response_norm", [T(1, 4, 2, 2, 2), 5, 1e-3])
for dname in ("dropout", "dropout1d", "dropout2d", "dropout3d"):
    shape = {"dropout": (3, 4), "dropout1d": (2, 3, 4), "dropout2d": (2, 3, 2, 2),
             "dropout3d": (2, 2, 2, 2, 2)}[dname]
    fn("eval", "F." + dname, [T(*shape), 0.3], {"training": False})
    fn("p0", "F." + dname, [T(*shape), 0.0])
    fn("p1", "F." + dname, [T(*shape)], {"p": 1.0})
fn("eval", "F.alpha_dropout", [T(3, 4), 0.3])
fn("p0", "F.alpha_dropout", [T(3, 4), 0.0, True])
fn("eval", "F.feature_alpha_dropout", [T(2, 3, 4)], {"p": 0.2})
fn("p0", "F.feature_alpha_dropout", [T(2, 3, 4), 0.0], {"training": True})
IDX = dict(dt="i64")
fn("basic", "F.embedding", [T(2, 3, kind="int", lo=0, hi=5, **IDX), T(5, 4)])
fn("1d", "F.embedding", [T(6, data=[0, 2, 2, 4, 1, 2], **IDX), T(5, 3)])
fn("padding", "F.embedding", [T(6, data=[0, 2, 2, 4, 1, 2], **IDX), T(5, 3)], {"padding_idx": 2})
fn("padding_neg", "F.embedding", [T(2, 2, data=[4, 1, 4, 0], **IDX), T(5, 3)], {"padding_idx": -1})
fn("freq", "F.embedding", [T(6, data=[0, 2, 2, 4, 2, 1], **IDX), T(5, 3)], {"scale_grad_by_freq": True})
fn("max_norm", "F.embedding", [T(4, data=[0, 2, 2, 3], **IDX), T(5, 3)], {"max_norm": 1.0})
fn("max_norm_p1", "F.embedding", [T(3, data=[1, 3, 1], **IDX), T(5, 3)],
   {"max_norm": 0.5, "norm_type": 1.0})
fn("int32", "F.embedding", [T(3, data=[1, 0, 1], dt="i32"), T(2, 3)])
OFF = T(3, data=[0, 2, 2], **IDX)
for mode in ("sum", "mean", "max"):
    fn(mode, "F.embedding_bag", [T(7, data=[1, 2, 4, 5, 4, 3, 2], **IDX), T(6, 3), T(3, data=[0, 2, 5], **IDX)],
       {"mode": mode})
    fn(mode + "_2d", "F.embedding_bag", [T(3, 2, data=[1, 2, 4, 5, 0, 0], **IDX), T(6, 4)], {"mode": mode})
    fn(mode + "_empty_bag", "F.embedding_bag", [T(5, data=[1, 2, 4, 5, 3], **IDX), T(6, 2), OFF],
       {"mode": mode})
    fn(mode + "_last", "F.embedding_bag", [T(5, data=[1, 2, 4, 5, 3], **IDX), T(6, 2),
                                           T(3, data=[0, 2, 5], **IDX)],
       {"mode": mode, "include_last_offset": True})
    fn(mode + "_pad", "F.embedding_bag", [T(6, data=[1, 2, 2, 5, 2, 0], **IDX), T(6, 3),
                                          T(3, data=[0, 2, 3], **IDX)], {"mode": mode, "padding_idx": 2})
fn("psw", "F.embedding_bag", [T(5, data=[1, 2, 4, 5, 3], **IDX), T(6, 2), T(2, data=[0, 3], **IDX)],
   {"mode": "sum", "per_sample_weights": T(5)})
fn("psw_2d", "F.embedding_bag", [T(2, 3, data=[1, 2, 4, 5, 3, 3], **IDX), T(6, 2)],
   {"mode": "sum", "per_sample_weights": T(2, 3)})
# every index used equally often: PyTorch 1.13's CPU backward scales rows of unequal counts
# by one shared count (a bug), ctorch by each index's own count as documented
fn("freq", "F.embedding_bag", [T(6, data=[1, 2, 1, 5, 2, 5], **IDX), T(6, 2), T(2, data=[0, 3], **IDX)],
   {"mode": "mean", "scale_grad_by_freq": True})
fn("max_norm", "F.embedding_bag", [T(4, data=[1, 2, 1, 5], **IDX), T(6, 2), T(2, data=[0, 1], **IDX)],
   {"mode": "sum", "max_norm": 0.8})
# ---- pooling (include/ctorch/functional.h, "pooling") -------------------------------------------
def U(*shape):
    """fractional_max_pool's _random_samples: fixed values in [0, 1)"""
    n, vals = 1, [0.13, 0.92, 0.47, 0.05, 0.71, 0.38, 0.99, 0.26, 0.58, 0.84, 0.0, 0.63]
    for d in shape:
        n *= d
    return T(*shape, data=[vals[i % len(vals)] for i in range(n)], grad=False)


fn("k2", "F.max_pool1d", [T(2, 3, 8), 2])
fn("unbatched_pad_dil", "F.max_pool1d", [T(3, 9), 3], {"stride": 2, "padding": 1, "dilation": 2})
fn("ceil_idx", "F.max_pool1d", [T(2, 2, 7), 2], {"ceil_mode": True, "return_indices": True})
fn("k2", "F.max_pool2d", [T(2, 3, 6, 6), 2])
fn("k3s2p1", "F.max_pool2d", [T(2, 2, 7, 7), 3, 2, 1])
fn("ceil_dil", "F.max_pool2d", [T(1, 2, 8, 7), (3, 2)], {"stride": (2, 1), "padding": (1, 0),
                                                         "dilation": (2, 1), "ceil_mode": True})
fn("unbatched_idx", "F.max_pool2d", [T(3, 5, 5), 2], {"stride": 1, "return_indices": True})
fn("ceil_last", "F.max_pool2d", [T(1, 1, 5, 5), 2], {"stride": 2, "padding": 1, "ceil_mode": True})
fn("ties", "F.max_pool2d", [T(1, 2, 4, 4, kind="int", lo=0, hi=2)], {"kernel_size": 2})
fn("k2", "F.max_pool3d", [T(1, 2, 4, 4, 4), 2])
fn("pad_dil_ceil", "F.max_pool3d", [T(1, 2, 5, 6, 5), (2, 3, 2)],
   {"stride": (2, 1, 2), "padding": (1, 1, 0), "dilation": (1, 2, 1), "ceil_mode": True})
fn("unbatched_idx", "F.max_pool3d", [T(2, 4, 4, 4), 2], {"return_indices": True})
fn("basic", "F.max_pool1d_with_indices", [T(2, 2, 8), 3], {"stride": 2, "padding": 1})
fn("basic", "F.max_pool2d_with_indices", [T(2, 2, 6, 6), 3], {"stride": 2, "padding": 1})
fn("basic", "F.max_pool3d_with_indices", [T(1, 2, 4, 5, 4), 2], {"stride": 1})
fn("k2", "F.avg_pool1d", [T(2, 3, 8), 2])
fn("pad_ceil_nocount", "F.avg_pool1d", [T(3, 7), 3], {"stride": 2, "padding": 1, "ceil_mode": True,
                                                      "count_include_pad": False})
fn("k2", "F.avg_pool2d", [T(2, 3, 6, 6), 2])
fn("pad_count", "F.avg_pool2d", [T(1, 2, 7, 7), 3, 2, 1])
fn("pad_nocount_ceil", "F.avg_pool2d", [T(1, 2, 7, 6), (3, 2)],
   {"stride": 2, "padding": (1, 1), "ceil_mode": True, "count_include_pad": False})
fn("divisor", "F.avg_pool2d", [T(3, 6, 6), 3], {"stride": 2, "padding": 1, "divisor_override": 4})
fn("k2", "F.avg_pool3d", [T(1, 2, 4, 4, 4), 2])
fn("pad_ceil", "F.avg_pool3d", [T(1, 2, 5, 5, 6), 3], {"stride": 2, "padding": 1, "ceil_mode": True,
                                                       "count_include_pad": False})
fn("divisor_unbatched", "F.avg_pool3d", [T(2, 4, 4, 4), 2], {"divisor_override": 3})
fn("o3", "F.adaptive_avg_pool1d", [T(2, 3, 8), 3])
fn("o5_of_7", "F.adaptive_avg_pool2d", [T(2, 2, 7, 7), 5])
fn("o23", "F.adaptive_avg_pool2d", [T(3, 5, 8), (2, 3)])
fn("o1_mean", "F.adaptive_avg_pool2d", [T(2, 3, 4, 4), 1])
fn("o232", "F.adaptive_avg_pool3d", [T(1, 2, 5, 6, 4), (2, 3, 2)])
fn("o3", "F.adaptive_max_pool1d", [T(2, 3, 8), 3], {"return_indices": True})
fn("o5_of_7", "F.adaptive_max_pool2d", [T(2, 2, 7, 7), 5])
fn("o23_idx", "F.adaptive_max_pool2d", [T(3, 5, 8), (2, 3), True])
fn("o232", "F.adaptive_max_pool3d", [T(1, 2, 5, 6, 4), (2, 3, 2)], {"return_indices": True})
fn("basic", "F.adaptive_max_pool1d_with_indices", [T(2, 8), 3])
fn("basic", "F.adaptive_max_pool2d_with_indices", [T(1, 2, 6, 5), (4, 3)])
fn("basic", "F.adaptive_max_pool3d_with_indices", [T(2, 4, 4, 3), 2])
fn("p2", "F.lp_pool1d", [T(2, 3, 8, kind="pos"), 2, 3], {"stride": 2})
fn("p3_ceil", "F.lp_pool2d", [T(1, 2, 7, 7, kind="pos"), 3, (2, 3)], {"ceil_mode": True})
fn("p2", "F.lp_pool2d", [T(2, 6, 6, kind="pos"), 2.0, 2])
# negative inputs: x^p NaN (p = 1.5) or a negative pooled power (p = 3): NaN values and gradients
fn("neg_nan", "F.lp_pool1d", [T(1, 2, data=[-2.0, 3.0]), 1.5, 2])
fn("neg_odd", "F.lp_pool1d", [T(1, 4, data=[-2.0, 1.0, 3.0, -4.0]), 3, 2])
fn("neg_nan", "F.lp_pool2d", [T(1, 2, 2, data=[-2.0, 3.0, 1.0, 4.0]), 1.5, 2])
fn("out4", "F.fractional_max_pool2d", [T(1, 2, 9, 9), 2],
   {"output_size": 4, "_random_samples": U(1, 2, 2)})
fn("ratio_idx", "F.fractional_max_pool2d", [T(2, 2, 8, 10), (3, 2)],
   {"output_ratio": (0.5, 0.7), "return_indices": True, "_random_samples": U(2, 2, 2)})
fn("out3", "F.fractional_max_pool3d", [T(1, 2, 7, 8, 6), 2],
   {"output_size": (3, 4, 3), "_random_samples": U(1, 2, 3)})
fn("basic", "F.fractional_max_pool2d_with_indices", [T(1, 3, 7, 7), 2],
   {"output_size": (3, 4), "_random_samples": U(1, 3, 2)})
fn("basic", "F.fractional_max_pool3d_with_indices", [T(1, 1, 6, 6, 6), (2, 3, 2)],
   {"output_size": 3, "_random_samples": U(1, 1, 3)})
fn("k2", "F.max_unpool1d", [T(2, 3), T(2, 3, data=[0, 3, 5, 1, 2, 4], dt="i64"), 2])
fn("k2_size", "F.max_unpool2d", [T(1, 2, 2, 2), T(1, 2, 2, 2, data=[0, 3, 9, 14, 5, 6, 8, 15], dt="i64"), 2],
   {"output_size": (5, 4)})
fn("k2", "F.max_unpool3d", [T(1, 1, 2, 2), T(1, 1, 2, 2, data=[0, 7, 9, 31], dt="i64"), 2])
# ---- activations (src/ops/activation*.c): every option, in place and out ---------------------
ACT_W = dict(kind="wide")  # spans the kinks (|x| up to ~9)
fn("basic", "F.relu6", [T(3, 4, **ACT_W)])
fn("int", "F.relu6", [T(2, 5, kind="int", dt="i64", lo=-3, hi=9)], dts=None)
fn("basic", "F.hardtanh", [T(3, 4, **ACT_W)])
fn("bounds", "F.hardtanh", [T(3, 4, **ACT_W), -2.0, 3.5])
fn("kw", "F.hardtanh", [T(3, 4, **ACT_W)], {"min_val": 0.0, "max_val": 1.0})
fn("basic", "F.threshold", [T(3, 4, **ACT_W), 0.5, -7.0])
fn("kw", "F.threshold", [T(3, 4, **ACT_W)], {"threshold": -1.0, "value": 2.0})
fn("int", "F.threshold", [T(2, 5, kind="int", dt="i64"), 1, 9], dts=None)
fn("basic", "F.leaky_relu", [T(3, 4)])
fn("slope", "F.leaky_relu", [T(3, 4), 0.2])
fn("neg_slope", "F.leaky_relu", [T(3, 4)], {"negative_slope": -0.5})
fn("eval", "F.rrelu", [T(3, 4)])
fn("bounds", "F.rrelu", [T(3, 4), 0.1, 0.6])
fn("kw", "F.rrelu", [T(3, 4)], {"lower": 0.3, "upper": 0.3, "training": False})
fn("basic", "F.elu", [T(3, 4, **ACT_W)])
fn("alpha", "F.elu", [T(3, 4, **ACT_W)], {"alpha": 0.4})
fn("basic", "F.celu", [T(3, 4, **ACT_W)])
fn("alpha", "F.celu", [T(3, 4, **ACT_W), 2.5])
fn("basic", "F.selu", [T(3, 4, **ACT_W)])
fn("basic", "F.prelu", [T(2, 3, 4), T(3, kind="unit")])
fn("one", "F.prelu", [T(2, 3, 4), T(1, kind="unit")])
fn("1d", "F.prelu", [T(5), T(1, kind="unit")])
fn("2d", "F.prelu", [T(4, 3), T(3, kind="unit")])
fn("basic", "F.softplus", [T(3, 4, **ACT_W)])
fn("beta", "F.softplus", [T(3, 4, **ACT_W), 2.0, 5.0])
fn("kw", "F.softplus", [T(3, 4, **ACT_W)], {"beta": 0.5, "threshold": 1.0})
fn("basic", "F.softshrink", [T(3, 4)])
fn("lambd", "F.softshrink", [T(3, 4, **ACT_W)], {"lambd": 1.5})
fn("basic", "F.hardshrink", [T(3, 4)])
fn("lambd", "F.hardshrink", [T(3, 4, **ACT_W), 2.0])
fn("basic", "F.logsigmoid", [T(3, 4, **ACT_W)])
fn("basic", "F.hardsigmoid", [T(3, 4, **ACT_W)])
fn("basic", "F.hardswish", [T(3, 4, **ACT_W)])
fn("basic", "F.mish", [T(3, 4, **ACT_W)])
fn("basic", "F.softsign", [T(3, 4, **ACT_W)])
fn("int", "F.softsign", [T(2, 3, kind="int", dt="i64")], dts=None)
fn("basic", "F.tanhshrink", [T(3, 4)])
fn("last", "F.glu", [T(3, 4)])
fn("dim0", "F.glu", [T(4, 3), 0])
fn("kw", "F.glu", [T(2, 6, 2)], {"dim": 1})
fn("dim1", "F.softmin", [T(3, 4)], {"dim": 1})
fn("dim0", "F.softmin", [T(3, 4), 0])
fn("implicit", "F.softmin", [T(2, 3, 4)])
# in place: F.x(..., inplace=True) and the F.x_ names (no gradient: the input is a leaf)
for name, args in (("relu6", []), ("hardtanh", [-2.0, 3.5]), ("leaky_relu", [0.2]),
                   ("elu", [0.4]), ("celu", [2.5]), ("selu", []), ("hardsigmoid", []),
                   ("hardswish", []), ("mish", []), ("silu", []), ("rrelu", [0.1, 0.6, False]),
                   ("threshold", [0.5, -7.0])):
    fn("inplace", "F." + name, [T(3, 4, **ACT_W)] + args, {"inplace": True}, grad=False)
for name, args in (("hardtanh_", [-2.0, 3.5]), ("leaky_relu_", [0.2]), ("elu_", [0.4]),
                   ("celu_", [2.5]), ("selu_", []), ("rrelu_", [0.1, 0.6]),
                   ("threshold_", [0.5, -7.0])):
    fn("basic", "F." + name, [T(3, 4, **ACT_W)] + args)

# ---- torch.nn.init (include/ctorch/nn_init.h): the deterministic ones; the random ones are
# compared draw for draw in tests/unit/test_nn_init.c ------------------------------------------
for nl, p in (("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
              ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
              ("selu", None)):
    fn(nl + ("_p" if p is not None else ""), "torch.nn.init.calculate_gain", [nl, p], dts=None)
fn("2d", "torch.nn.init._calculate_fan_in_and_fan_out", [T(3, 5)], dts=None, grad=False)
fn("conv", "torch.nn.init._calculate_fan_in_and_fan_out", [T(4, 3, 2, 2)], dts=None, grad=False)
fn("basic", "torch.nn.init.constant_", [T(2, 3), 0.25])
fn("basic", "torch.nn.init.ones_", [T(2, 3)])
fn("basic", "torch.nn.init.zeros_", [T(2, 3)])
fn("square", "torch.nn.init.eye_", [T(3, 3)])
fn("rect", "torch.nn.init.eye_", [T(2, 4)])
fn("3d", "torch.nn.init.dirac_", [T(4, 2, 3)])
fn("groups", "torch.nn.init.dirac_", [T(4, 3, 3, 2), 2])
fn("5d", "torch.nn.init.dirac_", [T(2, 2, 3, 1, 2)], {"groups": 1})

# ---- shuffles and distances (src/ops/shuffle.c, distance.c) ---------------------------------
fn("basic", "F.pixel_shuffle", [T(2, 8, 2, 3), 2])
fn("batch", "F.pixel_shuffle", [T(2, 1, 9, 2, 1), 3])
fn("one", "F.pixel_shuffle", [T(3, 2, 2), 1])
fn("basic", "F.pixel_unshuffle", [T(2, 2, 4, 6), 2])
fn("kw", "F.pixel_unshuffle", [T(1, 3, 3, 6)], {"downscale_factor": 3})
fn("basic", "F.channel_shuffle", [T(2, 6, 2), 2], grad=False)
fn("4d", "F.channel_shuffle", [T(1, 6, 2, 2), 3], grad=False)
fn("basic", "F.pairwise_distance", [T(3, 4), T(3, 4)])
fn("p1_keep", "F.pairwise_distance", [T(3, 4), T(3, 4), 1.0, 1e-3, True])
fn("pinf", "F.pairwise_distance", [T(3, 4), T(3, 4)], {"p": INF})
fn("bcast", "F.pairwise_distance", [T(2, 3, 4), T(4)], {"p": 3.0, "eps": 0.0})
fn("1d", "F.pairwise_distance", [T(5), T(5)])
fn("basic", "F.cosine_similarity", [T(3, 4), T(3, 4)])
fn("dim0", "F.cosine_similarity", [T(3, 4), T(3, 4), 0, 1e-3])
fn("bcast", "F.cosine_similarity", [T(2, 3, 4), T(1, 4)], {"dim": -1})
fn("basic", "F.pdist", [T(4, 3)])
for lbl, p in (("p0", 0.0), ("p1", 1.0), ("p05", 0.5), ("p15", 1.5), ("p3", 3.0), ("pinf", INF)):
    fn(lbl, "F.pdist", [T(4, 3), p])
fn("basic", "F.normalize", [T(3, 4)])
fn("p1_dim0", "F.normalize", [T(3, 4)], {"p": 1.0, "dim": 0})
fn("pinf", "F.normalize", [T(2, 3, 4), INF, -1, 0.5])
fn("eps", "F.normalize", [T(3, 4)], {"eps": 10.0})

# ---- conv, norm, pool, dropout, embedding modules (train and eval) -------------------------------
I64 = dict(kind="int", dt="i64", grad=False)
module("basic", "Conv1d", [2, 4, 3], {}, [(2, 2, 7)])
module("opts", "Conv1d", [4, 2, 2], {"stride": 2, "padding": 1, "dilation": 2, "groups": 2,
                                     "bias": False}, [(1, 4, 9)], training=False)
for mode in ["reflect", "replicate", "circular"]:
    module(mode, "Conv1d", [2, 3, 3], {"padding": 2, "padding_mode": mode}, [(2, 2, 6)])
    module(mode, "Conv2d", [2, 2, (3, 2)], {"padding": (1, 2), "padding_mode": mode}, [(1, 2, 4, 5)])
    module(mode + "_same", "Conv2d", [2, 2, 4], {"padding": "same", "padding_mode": mode}, [(1, 2, 5, 5)])
module("basic", "Conv2d", [3, 4, 3], {}, [(2, 3, 5, 5)])
module("same", "Conv2d", [2, 2, (3, 4)], {"padding": "same", "dilation": (1, 2)}, [(1, 2, 6, 7)])
module("valid", "Conv2d", [2, 4, 2], {"padding": "valid", "stride": (2, 1), "groups": 2}, [(2, 2, 5, 4)],
       training=False)
module("unbatched", "Conv2d", [2, 3, 2], {"bias": False}, [(2, 4, 4)])
module("basic", "Conv3d", [2, 2, 2], {"stride": (1, 2, 1), "padding": 1}, [(1, 2, 3, 4, 3)])
module("reflect", "Conv3d", [1, 2, 3], {"padding": 1, "padding_mode": "reflect"}, [(1, 1, 3, 3, 3)])
module("basic", "ConvTranspose1d", [2, 3, 3], {"stride": 2, "output_padding": 1}, [(2, 2, 4)])
module("outsize", "ConvTranspose1d", [2, 2, 3], {"stride": 3, "groups": 2}, [(1, 2, 3), [9]])
module("basic", "ConvTranspose2d", [2, 4, 3], {"stride": 2, "padding": 1, "dilation": (1, 2),
                                               "groups": 2, "bias": False}, [(1, 2, 3, 3)])
module("outsize", "ConvTranspose2d", [3, 2, 2], {"stride": 2}, [(2, 3, 3, 3), [2, 2, 7, 6]],
       training=False)
module("basic", "ConvTranspose3d", [2, 2, 2], {"stride": 2}, [(1, 2, 2, 2, 2)])
for label, kw in [("default", {}), ("nomom", {"momentum": None}), ("noaffine", {"affine": False}),
                  ("notrack", {"track_running_stats": False}), ("eps", {"eps": 1e-3, "momentum": 0.3})]:
    module(label, "BatchNorm1d", [3], kw, [(4, 3)])
    module(label + "_eval", "BatchNorm2d", [2], kw, [(2, 2, 3, 3)], training=False)
module("3d", "BatchNorm1d", [2], {}, [(3, 2, 4)])
module("basic", "BatchNorm2d", [3], {}, [(2, 3, 2, 3)])
module("basic", "BatchNorm3d", [2], {"momentum": None}, [(2, 2, 2, 2, 2)])
module("eval", "BatchNorm3d", [2], {}, [(2, 2, 2, 1, 2)], training=False)
module("basic", "InstanceNorm1d", [3], {}, [(2, 3, 5)])
module("unbatched", "InstanceNorm1d", [3], {"affine": True}, [(3, 5)])
module("track", "InstanceNorm2d", [2], {"track_running_stats": True, "affine": True}, [(2, 2, 3, 3)])
module("track_eval", "InstanceNorm2d", [2], {"track_running_stats": True}, [(2, 2, 3, 3)], training=False)
module("basic", "InstanceNorm3d", [2], {"affine": True}, [(1, 2, 2, 3, 2)])
module("basic", "GroupNorm", [2, 4], {}, [(2, 4, 3)])
module("noaffine", "GroupNorm", [3, 3], {"affine": False, "eps": 1e-3}, [(2, 3, 2, 2)], training=False)
module("basic", "LayerNorm", [4], {}, [(3, 4)])
module("2d", "LayerNorm", [[3, 4]], {"elementwise_affine": False, "eps": 1e-6}, [(2, 3, 4)])
module("basic", "LocalResponseNorm", [3], {}, [(2, 5, 4)])
module("opts", "LocalResponseNorm", [2], {"alpha": 0.01, "beta": 0.5, "k": 2.0}, [(1, 4, 3, 3)])
module("basic", "MaxPool1d", [3], {"stride": 2, "padding": 1}, [(2, 3, 8)])
module("indices", "MaxPool1d", [2], {"return_indices": True, "ceil_mode": True}, [(2, 7)])
module("basic", "MaxPool2d", [2], {}, [(2, 2, 4, 4)])
module("opts", "MaxPool2d", [(3, 2)], {"stride": 1, "padding": 1, "dilation": (1, 2),
                                       "return_indices": True}, [(1, 2, 5, 6)], training=False)
module("basic", "MaxPool3d", [2], {"ceil_mode": True}, [(1, 2, 3, 4, 5)])


def _idx(*shape_and_data):
    """Valid unpool indices: F.max_poolNd(torch.randn(in, generator=Generator().manual_seed(7)),
    2, return_indices=True)[1], written out (specs.py must load without torch)."""
    *shape, data = shape_and_data
    return T(*shape, data=data, dt="i64", grad=False)


module("basic", "MaxUnpool1d", [2], {}, [(2, 2, 3), _idx(2, 2, 3, [1, 2, 5, 0, 2, 5, 1, 3, 5, 1, 2, 5])])
module("size", "MaxUnpool1d", [2], {}, [(1, 2, 3), _idx(1, 2, 3, [1, 2, 4, 0, 3, 5]), [7]])
module("basic", "MaxUnpool2d", [2], {}, [(1, 2, 2, 3), _idx(1, 2, 2, 3, [1, 8, 5, 18, 15, 22, 0, 9, 11, 18, 21, 17])])
module("basic", "MaxUnpool3d", [2], {}, [(1, 1, 2, 2, 1), _idx(1, 1, 2, 2, 1, [8, 15, 18, 22])])
module("basic", "AvgPool1d", [3], {"stride": 2, "padding": 1}, [(2, 3, 7)])
module("basic", "AvgPool2d", [2], {"ceil_mode": True, "count_include_pad": False, "padding": 1},
       [(1, 2, 5, 5)])
module("div", "AvgPool2d", [(2, 3)], {"divisor_override": 4}, [(2, 2, 4, 6)], training=False)
module("basic", "AvgPool3d", [2], {"stride": 1}, [(1, 2, 3, 3, 3)])
module("basic", "AdaptiveAvgPool1d", [3], {}, [(2, 3, 7)])
module("basic", "AdaptiveAvgPool2d", [(None, 3)], {}, [(1, 2, 5, 7)])
module("basic", "AdaptiveAvgPool3d", [2], {}, [(1, 2, 3, 4, 5)])
module("basic", "AdaptiveMaxPool1d", [3], {"return_indices": True}, [(2, 3, 7)])
module("basic", "AdaptiveMaxPool2d", [(2, 3)], {}, [(1, 2, 5, 7)])
module("basic", "AdaptiveMaxPool3d", [2], {"return_indices": True}, [(1, 2, 3, 4, 5)])
module("basic", "LPPool1d", [2, 3], {"stride": 2}, [(2, 3, 8)])
module("basic", "LPPool2d", [3.0, 2], {"ceil_mode": True}, [(1, 2, 5, 5)])
module("size", "FractionalMaxPool2d", [2], {"output_size": 3}, [(2, 2, 6, 6)])
module("ratio", "FractionalMaxPool2d", [(2, 3)], {"output_ratio": 0.5, "return_indices": True},
       [(1, 2, 8, 9)])
module("basic", "FractionalMaxPool3d", [2], {"output_size": (2, 3, 2)}, [(1, 2, 5, 5, 4)])
for cls, shape in [("Dropout", (4, 6)), ("Dropout1d", (2, 4, 5)), ("Dropout2d", (2, 4, 3, 3)),
                   ("Dropout3d", (1, 4, 2, 2, 2)), ("AlphaDropout", (4, 6)),
                   ("FeatureAlphaDropout", (2, 4, 3, 3))]:
    module("train", cls, [0.4], {}, [shape])
    module("eval", cls, [], {"p": 0.3}, [shape], training=False)
module("p0", "Dropout", [0.0], {}, [(3, 3)])
module("p1", "Dropout", [1.0], {}, [(3, 3)])
module("basic", "Embedding", [10, 3], {}, [T(2, 4, lo=0, hi=10, **I64)])
module("pad", "Embedding", [6, 2], {"padding_idx": -1}, [T(7, data=[5, 0, 5, 2, 1, 5, 4], dt="i64", grad=False)])
module("maxnorm", "Embedding", [8, 3], {"max_norm": 1.0, "norm_type": 1.5}, [T(5, lo=0, hi=8, **I64)])
module("freq", "Embedding", [5, 2], {"scale_grad_by_freq": True}, [T(3, 3, lo=0, hi=5, **I64)],
       training=False)
module("mean", "EmbeddingBag", [10, 3], {}, [T(2, 4, lo=0, hi=10, **I64)])
module("sum", "EmbeddingBag", [10, 3], {"mode": "sum"},
       [T(7, lo=0, hi=10, **I64), T(3, data=[0, 2, 2], dt="i64", grad=False)])
module("max", "EmbeddingBag", [6, 2], {"mode": "max", "include_last_offset": True},
       [T(6, lo=0, hi=6, **I64), T(4, data=[0, 2, 5, 6], dt="i64", grad=False)])
module("pad", "EmbeddingBag", [6, 2], {"padding_idx": 2}, [T(2, 3, data=[2, 1, 2, 2, 2, 2], dt="i64", grad=False)],
       training=False)
module("psw", "EmbeddingBag", [6, 2], {"mode": "sum"},
       [T(5, lo=0, hi=6, **I64), T(2, data=[0, 3], dt="i64", grad=False), (5,)])

# ---- resampling (include/ctorch/functional.h, "resampling") ------------------------------------
def fn_cubic(label, name, args, kwargs):
    """bicubic float32: PyTorch's build contracts the weight polynomials into FMAs, so its
    float32 weights differ from the plain formula's by a few ulps (float64 is checked tightly)"""
    fn(label, name, args, kwargs, dts=("f32",), rtol=1e-4, atol=1e-5)
    fn(label, name, args, kwargs, dts=("f64",))


# F.interpolate: every mode x (size | scale_factor | scale_factor + recompute) x align_corners,
# up and down, odd sizes
INTERP = {"nearest": (2, 1), "nearest-exact": (2, 1), "area": (2, 1), "linear": (3, 3),
          "bilinear": (4, 4), "bicubic": (4, 4), "trilinear": (5, 5)}
for mode, (lo, hi) in INTERP.items():
    m = mode.replace("-", "_")
    for nd in range(max(lo, 3), hi + 1):
        nsp = nd - 2
        shape = {1: (2, 3, 7), 2: (2, 2, 5, 4), 3: (1, 2, 3, 4, 5)}[nsp]
        aligns = (None,) if mode in ("nearest", "nearest-exact", "area") else (False, True)
        fc = fn_cubic if mode == "bicubic" else fn
        for ac in aligns:
            sfx = "_" + m + ("" if ac is None else ("_ac" if ac else "_noac"))
            kw = {} if ac is None else {"align_corners": ac}
            fc("%dd_size_up%s" % (nsp, sfx), "F.interpolate", [T(*shape)],
               dict(kw, size=[s + 3 for s in shape[2:]][0] if nsp == 1 else [s + 3 for s in shape[2:]], mode=mode))
            fc("%dd_size_down%s" % (nsp, sfx), "F.interpolate", [T(*shape)],
               dict(kw, size=[max(1, s - 2) for s in shape[2:]], mode=mode))
            fc("%dd_scale%s" % (nsp, sfx), "F.interpolate", [T(*shape)],
               dict(kw, scale_factor=1.7, mode=mode))
            fc("%dd_scale_tuple_recompute%s" % (nsp, sfx), "F.interpolate", [T(*shape)],
               dict(kw, scale_factor=tuple([2.5, 0.6, 1.3][:nsp]), mode=mode, recompute_scale_factor=True))
            fc("%dd_scale_down%s" % (nsp, sfx), "F.interpolate", [T(*shape)],
               dict(kw, scale_factor=0.45, mode=mode, recompute_scale_factor=False))
# antialias=True (bilinear / bicubic, 2-D): down, up, mixed, scale factors, align_corners; the
# float32 weights are within ulps of PyTorch's (fn_cubic's tolerance)
for mode in ("bilinear", "bicubic"):
    for ac in (False, True):
        sfx = "_aa_%s_%s" % (mode, "ac" if ac else "noac")
        kw = {"mode": mode, "antialias": True, "align_corners": ac}
        fn_cubic("2d_size_down" + sfx, "F.interpolate", [T(2, 2, 9, 8)], dict(kw, size=(3, 5)))
        fn_cubic("2d_size_up" + sfx, "F.interpolate", [T(1, 2, 3, 4)], dict(kw, size=(7, 6)))
        fn_cubic("2d_size_mixed" + sfx, "F.interpolate", [T(1, 3, 10, 4)], dict(kw, size=(4, 9)))
        fn_cubic("2d_scale_down" + sfx, "F.interpolate", [T(1, 2, 11, 7)], dict(kw, scale_factor=0.3))
        fn_cubic("2d_scale_tuple_recompute" + sfx, "F.interpolate", [T(1, 1, 8, 9)],
                 dict(kw, scale_factor=(0.45, 1.6), recompute_scale_factor=True))
fn("x2_fast", "F.interpolate", [T(1, 3, 4, 5)], {"scale_factor": 2})
fn("same_size", "F.interpolate", [T(1, 2, 4, 5)], {"size": (4, 5), "mode": "bilinear"})
fn_cubic("one_ac", "F.interpolate", [T(1, 2, 4, 5)], {"size": (1, 3), "mode": "bicubic", "align_corners": True})
fn("one_noac", "F.interpolate", [T(1, 2, 4, 5)], {"size": (1, 1), "mode": "bilinear"})
fn("third", "F.interpolate", [T(1, 1, 9, 9)], {"scale_factor": 1 / 3, "mode": "nearest-exact"})
fn("u8", "F.interpolate", [T(1, 2, 3, 4, kind="int", lo=0, hi=250, dt="u8")], {"scale_factor": 1.5}, dts=None)
fn("empty_batch", "F.interpolate", [T(0, 2, 3, 4)], {"size": 5, "mode": "bilinear"})
# F.grid_sample: modes x paddings x align_corners, 2-D and 3-D
for mode in ("bilinear", "nearest", "bicubic"):
    for pad in ("zeros", "border", "reflection"):
        for ac in (False, True):
            lab = "%s_%s_%s" % (mode, pad, "ac" if ac else "noac")
            (fn_cubic if mode == "bicubic" else fn)("2d_" + lab, "F.grid_sample", [T(2, 2, 4, 5), T(2, 3, 4, 2, kind="wide")],
               {"mode": mode, "padding_mode": pad, "align_corners": ac})
            if mode != "bicubic":
                fn("3d_" + lab, "F.grid_sample", [T(1, 2, 3, 4, 3), T(1, 2, 3, 2, 3, kind="wide")],
                   {"mode": mode, "padding_mode": pad, "align_corners": ac})
fn("inside", "F.grid_sample", [T(1, 3, 5, 5), T(1, 4, 4, 2, kind="unit")], {"align_corners": False})
fn("2d", "F.affine_grid", [T(2, 2, 3), (2, 3, 4, 5)], {"align_corners": False})
fn("2d_ac", "F.affine_grid", [T(1, 2, 3), (1, 1, 3, 1)], {"align_corners": True})
fn("3d", "F.affine_grid", [T(2, 3, 4), (2, 1, 2, 3, 4)], {"align_corners": False})
fn("3d_ac", "F.affine_grid", [T(1, 3, 4), (1, 1, 3, 2, 2)], {"align_corners": True})
fn("k2", "F.unfold", [T(2, 3, 4, 5), 2])
fn("all_opts", "F.unfold", [T(1, 2, 7, 6), (3, 2)], {"dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)})
fn("unbatched", "F.unfold", [T(2, 5, 5), 3], {"padding": 1, "stride": 2})
fn("k2", "F.fold", [T(2, 12, 12), (4, 5), 2])
fn("all_opts", "F.fold", [T(1, 12, 9), (7, 6), (3, 2)],
   {"dilation": (2, 1), "padding": (1, 2), "stride": (2, 3)})
fn("unbatched", "F.fold", [T(18, 9), 5, 3], {"padding": 1, "stride": 2})
# ---- activation, shuffle, distance and padding modules (src/nn/activation.c, reshape_layers.c)
# In-place modules run without input gradients: PyTorch refuses an in-place op on a leaf that
# requires grad. RReLU's train-mode slopes come from the case's seed.
module("inplace", "ReLU", [True], {}, [(2, 5)], grad=False)
module("basic", "ReLU6", [], {}, [(2, 5)])
module("inplace", "ReLU6", [], {"inplace": True}, [(2, 5)], grad=False)
module("eval", "RReLU", [], {}, [(3, 4)], training=False)
module("train", "RReLU", [0.1, 0.6], {}, [(3, 4)])
module("inplace_eval", "RReLU", [0.2, 0.4, True], {}, [(3, 4)], training=False, grad=False)
module("inplace_train", "RReLU", [], {"inplace": True}, [(2, 6)], grad=False)
module("basic", "LeakyReLU", [], {}, [(2, 5)])
module("slope", "LeakyReLU", [0.2], {}, [(2, 3, 4)])
module("inplace", "LeakyReLU", [], {"negative_slope": 0.3, "inplace": True}, [(4, 3)], grad=False)
module("basic", "PReLU", [], {}, [(2, 3, 4)])
module("channels", "PReLU", [3, 0.1], {}, [(2, 3, 4)])
module("channels2d", "PReLU", [], {"num_parameters": 4}, [(5, 4)])
module("eval", "PReLU", [2], {}, [(2, 2, 3, 3)], training=False)
module("basic", "ELU", [], {}, [(2, 5)])
module("alpha", "ELU", [0.5], {}, [(3, 4)])
module("inplace", "ELU", [2.0, True], {}, [(3, 4)], grad=False)
module("basic", "CELU", [], {}, [(2, 5)])
module("alpha", "CELU", [], {"alpha": 2.0}, [(3, 4)])
module("inplace", "CELU", [0.5], {"inplace": True}, [(3, 4)], grad=False)
module("basic", "SELU", [], {}, [(2, 5)])
module("inplace", "SELU", [True], {}, [(2, 5)], grad=False)
module("basic", "Mish", [], {}, [(2, 5)])
module("inplace", "Mish", [], {"inplace": True}, [(2, 5)], grad=False)
module("basic", "Hardtanh", [], {}, [(3, 5)])
module("range", "Hardtanh", [-0.5, 1.5], {}, [(3, 5)])
module("inplace", "Hardtanh", [], {"min_val": -0.2, "max_val": 0.3, "inplace": True}, [(3, 5)],
       grad=False)
module("basic", "Hardsigmoid", [], {}, [(4, 5)])
module("inplace", "Hardsigmoid", [True], {}, [(4, 5)], grad=False)
module("basic", "Hardswish", [], {}, [(4, 5)])
module("inplace", "Hardswish", [], {"inplace": True}, [(4, 5)], grad=False)
module("basic", "Softplus", [], {}, [(3, 4)])
module("beta", "Softplus", [2, 1], {}, [(3, 4)])
module("kw", "Softplus", [], {"beta": 0.5, "threshold": 1.5}, [(3, 4)])
module("basic", "Softsign", [], {}, [(3, 4)])
module("basic", "Softshrink", [], {}, [(3, 4)])
module("lambd", "Softshrink", [0.8], {}, [(3, 4)])
module("basic", "Hardshrink", [], {}, [(3, 4)])
module("lambd", "Hardshrink", [], {"lambd": 1.2}, [(3, 4)])
module("basic", "Tanhshrink", [], {}, [(3, 4)])
module("basic", "Threshold", [0.1, 20.0], {}, [(3, 4)])
module("kw", "Threshold", [], {"threshold": -0.5, "value": -2.5}, [(3, 4)])
module("inplace", "Threshold", [0.2, 1.5, True], {}, [(3, 4)], grad=False)
module("basic", "LogSigmoid", [], {}, [(3, 4)])
module("basic", "GLU", [], {}, [(2, 6)])
module("dim0", "GLU", [0], {}, [(4, 3)])
module("dim1", "Softmin", [1], {}, [(2, 5)])
module("dimnone", "Softmin", [], {}, [(2, 3, 4)])
module("4d", "Softmax2d", [], {}, [(2, 3, 2, 2)])
module("3d", "Softmax2d", [], {}, [(3, 2, 4)])
module("basic", "PixelShuffle", [2], {}, [(1, 8, 2, 3)])
module("basic", "PixelUnshuffle", [2], {}, [(1, 2, 4, 6)])
module("kw", "PixelUnshuffle", [], {"downscale_factor": 3}, [(2, 1, 3, 3)])
module("basic", "ChannelShuffle", [2], {}, [(2, 4, 3, 3)], grad=False)  # no derivative in 1.13
module("three", "ChannelShuffle", [3], {}, [(1, 6, 2)], grad=False)
module("basic", "PairwiseDistance", [], {}, [(3, 5), (3, 5)])
module("p1_keepdim", "PairwiseDistance", [1.0, 1e-3, True], {}, [(4, 3), (4, 3)])
module("basic", "CosineSimilarity", [], {}, [(3, 5), (3, 5)])
module("dim0", "CosineSimilarity", [], {"dim": 0, "eps": 1e-6}, [(4, 3), (4, 3)])
module("basic", "ConstantPad1d", [2, 3.5], {}, [(2, 3, 4)])
module("tuple", "ConstantPad1d", [(1, 0), -1.0], {}, [(3, 4)])
module("basic", "ConstantPad2d", [(1, 0, 2, 1), 0.5], {}, [(1, 2, 3, 3)])
module("basic", "ConstantPad3d", [1, -1.5], {}, [(1, 1, 2, 2, 2)])
module("basic", "ReflectionPad1d", [2], {}, [(1, 2, 5)])
module("basic", "ReflectionPad2d", [(1, 2, 2, 0)], {}, [(1, 2, 4, 4)])
module("basic", "ReflectionPad3d", [1], {}, [(1, 1, 3, 3, 3)])
module("basic", "ReplicationPad1d", [(1, 3)], {}, [(1, 2, 5)])
module("basic", "ReplicationPad2d", [1], {}, [(1, 2, 3, 3)])
module("basic", "ReplicationPad3d", [(1, 0, 1, 0, 2, 1)], {}, [(1, 1, 2, 3, 2)])
module("basic", "ZeroPad2d", [(1, 1, 2, 0)], {}, [(1, 2, 3, 3)])
module("int", "ZeroPad2d", [2], {}, [(2, 3, 3)])
# the resampling layers: Upsample in every mode (size / scale_factor / recompute, align_corners),
# UpsamplingNearest2d / UpsamplingBilinear2d, Unfold / Fold with every option, unbatched forms
module("scale2", "Upsample", [], {"scale_factor": 2}, [(1, 2, 3, 4)])
module("size_bilinear_ac", "Upsample", [], {"size": (5, 7), "mode": "bilinear", "align_corners": True}, [(2, 2, 3, 4)])
module("linear", "Upsample", [], {"scale_factor": 1.5, "mode": "linear"}, [(2, 3, 5)])
module("trilinear", "Upsample", [(3, 4, 2)], {"mode": "trilinear"}, [(1, 2, 2, 3, 2)], training=False)
module("bicubic_recompute", "Upsample", [None, (1.5, 2.0), "bicubic", False, True], {}, [(1, 2, 4, 4)],
       dts=("f64",))
module("nearest_exact", "Upsample", [], {"scale_factor": 0.5, "mode": "nearest-exact"}, [(1, 2, 6, 6)])
module("area", "Upsample", [], {"size": 3, "mode": "area"}, [(1, 2, 7)])
module("scale", "UpsamplingNearest2d", [], {"scale_factor": 2}, [(1, 2, 3, 3)])
module("size", "UpsamplingNearest2d", [(4, 5)], {}, [(2, 1, 3, 2)])
module("scale", "UpsamplingBilinear2d", [], {"scale_factor": 2}, [(1, 2, 3, 3)])
module("size", "UpsamplingBilinear2d", [], {"size": (4, 5)}, [(2, 1, 3, 2)], training=False)
module("basic", "Unfold", [2], {}, [(2, 3, 4, 4)])
module("opts", "Unfold", [(2, 3)], {"dilation": 2, "padding": (1, 0), "stride": 2}, [(1, 2, 6, 7)])
module("unbatched", "Unfold", [3], {"padding": 1}, [(2, 4, 4)])
module("basic", "Fold", [(4, 4), 2], {}, [(2, 12, 9)])
module("opts", "Fold", [(5, 6), (2, 3)], {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}, [(1, 12, 12)])
module("unbatched", "Fold", [3, 2], {}, [(8, 4)], training=False)
# ---- Lazy layers: no state to load (uninitialized until the forward), so the case checks that
# the first forward initialises the parameters draw for draw from the seeded generator, in the
# dtype the module was moved to ------------------------------------------------------------------
module("basic", "LazyLinear", [3], {}, [(2, 4)])
module("nobias", "LazyLinear", [2], {"bias": False}, [(3, 2, 5)])
module("groups", "LazyConv1d", [4, 2], {"groups": 2, "bias": False}, [(2, 6, 5)])
module("unbatched", "LazyConv1d", [3, 3], {"padding": 1, "stride": 2}, [(2, 7)])
module("basic", "LazyConv2d", [4, 3], {"stride": 2, "padding": 1}, [(1, 2, 5, 5)])
module("same_reflect", "LazyConv2d", [2, (3, 2)], {"padding": "same", "padding_mode": "reflect",
                                                   "dilation": 2}, [(2, 3, 6, 5)])
module("circular", "LazyConv3d", [2, (1, 2, 1)], {"padding": "same", "padding_mode": "circular"},
       [(1, 2, 3, 3, 3)])
module("eval", "LazyConv3d", [2, 2], {}, [(2, 2, 3, 3, 3)], training=False)
from specs_loss_margin import *  # noqa: F401,F403  (the margin losses: tools/parity/specs_loss_margin.py)
import specs_loss_reg  # noqa: E402,F401  (losses: regression and binary)
import specs_loss_class  # noqa: E402,F401  (the classification losses)
from specs_optim_core import *  # noqa: F401,F403  (optimizer cases: optim-core)
from specs_optim_more import *  # noqa: F401,F403  (optimizer cases: optim-more)
from specs_optim_sched import *  # noqa: F401,F403  (optimizer cases with LR schedulers: optim-sched)
import specs_nn_lazy  # noqa: E402,F401  (the remaining Lazy layers: ConvTranspose, BatchNorm, InstanceNorm)
import specs_rnn  # noqa: E402,F401  (the recurrent modules: tools/parity/specs_rnn.py)
import specs_attn  # noqa: E402,F401  (attention and the Transformer: tools/parity/specs_attn.py)
import specs_linalg  # noqa: E402,F401  (torch.linalg through LAPACK: tools/parity/specs_linalg.py)
import specs_autograd  # noqa: E402,F401  (torch.autograd.functional: tools/parity/specs_autograd.py)
import specs_sparse  # noqa: E402,F401  (sparse gradients: tools/parity/specs_sparse.py)
import specs_elementwise  # noqa: E402,F401  (the elementwise list of issue 12: tools/parity/specs_elementwise.py)
import specs_einsum  # noqa: E402,F401  (contractions and diagonals: tools/parity/specs_einsum.py)
import specs_linalg2  # noqa: E402,F401  (the rest of torch.linalg: tools/parity/specs_linalg2.py)
import specs_stats  # noqa: E402,F401  (statistics and search: tools/parity/specs_stats.py)
import specs_indexing  # noqa: E402,F401  (index_add / index_copy / index_fill: tools/parity/specs_indexing.py)
import specs_shapes2  # noqa: E402,F401  (the rest of the shape functions and cdist: tools/parity/specs_shapes2.py)
import specs_linalg3  # noqa: E402,F401  (lstsq, det at singular, eig: tools/parity/specs_linalg3.py)
import specs_half  # noqa: E402,F401  (float16 / bfloat16: tools/parity/specs_half.py)
import specs_index2  # noqa: E402,F401  (index_put, t[idx], put, masked_scatter, histogram: tools/parity/specs_index2.py)
import specs_linalg4  # noqa: E402,F401  (eig / eigvals with real spectra: tools/parity/specs_linalg4.py)
