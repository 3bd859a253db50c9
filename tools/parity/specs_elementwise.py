"""Parity specs of the elementwise list of issue 12 (src/ops/unary_special.c, binary_math.c,
bitwise.c): values and gradients in float32 and float64, integer inputs where PyTorch takes
them, special values (inf, nan, -0.0, domain edges) as forward-only cases."""
from gen import T, fn

INF, NAN = float("inf"), float("nan")
SPECIAL = [INF, -INF, NAN, -0.0, 0.0, 1.0, -1.0, 0.5]


def D(*vals, grad=True):
    """A 1-d tensor with the given values."""
    return T(len(vals), data=list(vals), grad=grad)


def I(*shape, lo=-5, hi=6, dt="i64"):
    return T(*shape, kind="int", dt=dt, lo=lo, hi=hi)


# ---- unary float functions: (name, input kind or data) -------------------------------------
def GT1():
    return D(1.2, 1.5, 2.0, 3.7, 10.0, 1.05)


def K(kind):
    """A factory of (3, 4) inputs of kind (shape (5,) for the method cases)."""
    return lambda *shape: T(*(shape or (3, 4)), kind=kind)


UNARY = [("sinh", K("randn")), ("cosh", K("randn")), ("asinh", K("wide")),
         ("acosh", lambda *s: GT1()), ("atanh", K("unit")), ("asin", K("unit")),
         ("acos", K("unit")), ("atan", K("wide")), ("lgamma", K("wide")), ("digamma", K("pos")),
         ("erfc", K("wide")), ("erfinv", K("unit")), ("i0", K("wide")), ("sinc", K("wide")),
         ("logit", K("unit")), ("frac", K("wide")), ("deg2rad", K("wide")), ("rad2deg", K("randn")),
         ("nan_to_num", K("randn"))]
for u, mk in UNARY:
    fn("basic", "torch." + u, [mk()])
    fn("method", "Tensor." + u, [mk(5)])
    fn("special", "torch." + u, [T(len(SPECIAL), data=SPECIAL)], grad=False, rtol=1e-6, atol=1e-7)
    if u not in ("frac", "nan_to_num"):
        fn("int", "torch." + u, [I(3, 4, lo=1 if u in ("acosh", "lgamma", "digamma") else 0,
                                    hi=3 if u != "acosh" else 4)], dts=None)
    if u not in ("acosh", "asinh", "atanh"):  # PyTorch's in-place forms have no derivative
        fn("basic", "Tensor." + u + "_", [mk()])
fn("inplace_nograd", "Tensor.acosh_", [GT1()], grad=False)
fn("inplace_nograd", "Tensor.asinh_", [T(3, 4)], grad=False)
fn("inplace_nograd", "Tensor.atanh_", [T(3, 4, kind="unit")], grad=False)
# edges: large and negative arguments of the gamma family, erfinv near +-1, i0 past 8
fn("wide", "torch.lgamma", [D(-2.5, -0.5, 0.5, 1e-3, 30.0, 171.5, 1e5)])
fn("neg", "torch.digamma", [D(-2.5, -0.5, -1.3, 0.01, 1.0, 10.0, 25.0, 1e6)])
fn("poles", "torch.digamma", [D(0.0, -0.0, -1.0, -2.0, INF, -INF)], grad=False)
fn("edges", "torch.erfinv", [D(-0.999, -0.75, 0.69, 0.71, 0.9999, 1e-8)], rtol=1e-5)
fn("edges_out", "torch.erfinv", [D(1.0, -1.0, 1.5, -1.5, NAN)], grad=False)
fn("big", "torch.i0", [D(-20.0, -8.0, 7.99, 8.01, 15.0, 50.0)])
fn("zero", "torch.sinc", [D(0.0, 1.0, -2.0, 0.25)])
fn("eps", "torch.logit", [T(3, 4, kind="unit")], {"eps": 0.2})
fn("eps_edges", "torch.logit", [D(0.0, 1.0, 0.05, 0.95, 0.5)], {"eps": 0.1})
fn("eps", "Tensor.logit_", [T(3, 4, kind="unit")], {"eps": 0.25})
fn("values", "torch.nan_to_num", [T(len(SPECIAL), data=SPECIAL)], {"nan": 2.0, "posinf": 100.0,
                                                                    "neginf": -50.0})
fn("posinf", "torch.nan_to_num", [D(NAN, INF, -INF, 1.5)], {"posinf": 7.0})
fn("int", "torch.nan_to_num", [I(3, 4)], dts=None)
fn("kw", "Tensor.nan_to_num_", [D(NAN, INF, -INF, 1.5)], {"nan": -1.0})
# polygamma / mvlgamma take an order
for n in (0, 1, 2, 3):
    fn("n%d" % n, "torch.polygamma", [n, T(3, 4, kind="pos")])
fn("neg", "torch.polygamma", [2, D(-1.5, -0.3, 0.7, 4.0, 30.0)])
fn("int", "torch.polygamma", [1, I(3, 4, lo=1, hi=5)], dts=None)
fn("method", "Tensor.polygamma", [T(5, kind="pos"), 1])
fn("basic", "Tensor.polygamma_", [T(5, kind="pos"), 2])
for p in (1, 2, 4):
    fn("p%d" % p, "torch.mvlgamma", [D(2.5, 3.0, 4.7, 10.0, 2.01)], {"p": p})
fn("method", "Tensor.mvlgamma", [D(2.5, 3.0, 4.7), 3])
fn("basic", "Tensor.mvlgamma_", [D(2.5, 3.0, 4.7), 2])
fn("int", "torch.mvlgamma", [I(3, lo=2, hi=5)], {"p": 2}, dts=None)
fn("basic", "torch.special.expit", [T(3, 4)])

# ---- bool tests ----------------------------------------------------------------------------
for u in ("isfinite", "isposinf", "isneginf", "isreal", "signbit"):
    fn("special", "torch." + u, [T(len(SPECIAL), data=SPECIAL)])
    fn("int", "torch." + u, [I(3, 4)], dts=None)
fn("bool", "torch.signbit", [T(3, 4, kind="bool")], dts=None)

# ---- binary float functions ------------------------------------------------------------------
BIN = [("logaddexp", "randn", "wide"), ("logaddexp2", "randn", "wide"), ("hypot", "randn", "randn"),
       ("xlogy", "randn", "pos"), ("special.xlog1py", "randn", "pos"), ("copysign", "nonzero", "randn"),
       ("nextafter", "randn", "randn")]
for name, ka, kb in BIN:
    grad = name != "nextafter"
    fn("same", "torch." + name, [T(3, 4, kind=ka), T(3, 4, kind=kb)], grad=grad)
    fn("bcast", "torch." + name, [T(3, 1, kind=ka), T(1, 4, kind=kb)], grad=grad)
    fn("special", "torch." + name, [T(8, data=SPECIAL), T(8, data=[1.0, INF, -INF, NAN, -0.0, 0.0,
                                                                   -INF, INF])], grad=False)
    if name in ("xlogy", "special.xlog1py", "copysign"):
        fn("int", "torch." + name, [I(3, 4), I(3, 4, lo=1)], dts=None)
        fn("number", "torch." + name, [T(3, 4, kind=ka), 2.5])
    if name != "special.xlog1py" and name not in ("logaddexp", "logaddexp2"):
        fn("method", "Tensor." + name, [T(3, 4, kind=ka), T(4, kind=kb)], grad=grad)
        fn("basic", "Tensor." + name + "_", [T(3, 4, kind=ka), T(4, kind=kb)])
fn("method", "Tensor.logaddexp", [T(3, 4), T(4)])
fn("zero_x", "torch.xlogy", [D(0.0, 0.0, 0.0, 1.0), D(0.0, NAN, 2.0, 0.0)], grad=False)
fn("scalar_x", "torch.xlogy", [3.0, T(3, 4, kind="pos")])
fn("scalar_x", "torch.special.xlog1py", [2.0, T(3, 4, kind="pos")])
fn("number", "Tensor.xlogy_", [T(3, 4), 2.0])
fn("zero", "torch.copysign", [D(0.0, -0.0, 2.0, -3.0), D(-1.0, 1.0, -0.0, 0.0)])
fn("basic", "torch.heaviside", [T(3, 4, kind="int", lo=-1, hi=2), T(4)], grad=False)
fn("int", "torch.heaviside", [I(3, 4, lo=-1, hi=2), I(4)], dts=None)
fn("nan", "torch.heaviside", [D(NAN, 0.0, -0.0, INF, -INF), D(0.5, NAN, 3.0, 0.5, 0.5)], grad=False)
fn("basic", "Tensor.heaviside_", [T(3, 4, kind="int", lo=-1, hi=2), T(4)], grad=False)
fn("tensor", "torch.float_power", [T(3, 4, kind="pos"), T(3, 4)])
fn("number", "torch.float_power", [T(3, 4, kind="pos"), 2.5])
fn("int", "torch.float_power", [I(3, 4, lo=1), I(4, lo=0, hi=3)], dts=None)
fn("f32_int", "torch.float_power", [T(3, 4, dt="f32"), 2], dts=None)
fn("basic", "Tensor.float_power_", [T(3, 4, kind="pos", dt="f64"), T(4, dt="f64")], dts=None)
fn("basic", "torch.isclose", [D(1.0, 2.0, 3.0, NAN, INF, -INF), D(1.0, 2.00001, 3.1, NAN, INF, INF)])
fn("equal_nan", "torch.isclose", [D(1.0, NAN, INF, 0.0), D(1.0, NAN, INF, 1e-9)],
   {"equal_nan": True})
fn("tol", "torch.isclose", [T(3, 4), T(4)], {"rtol": 0.5, "atol": 0.5})
fn("int", "torch.isclose", [I(3, 4), I(3, 4)], dts=None)
fn("opposite_inf", "torch.allclose", [D(1.0, INF), D(1.0, -INF)])
fn("zero_tol", "torch.isclose", [I(3, 4), I(3, 4)], {"rtol": 0.0, "atol": 0.0}, dts=None)

# ---- integer ops -----------------------------------------------------------------------------
for b in ("bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm",
          "bitwise_left_shift", "bitwise_right_shift"):
    hi = 70 if "shift" in b else 40
    fn("i64", "torch." + b, [I(3, 4, lo=-40, hi=40), I(4, lo=-3 if "shift" in b else -40, hi=hi)],
       dts=None)
    fn("i32", "torch." + b, [I(3, 4, lo=-40, hi=40, dt="i32"), I(3, 4, lo=0, hi=40, dt="i32")],
       dts=None)
    fn("u8", "torch." + b, [I(3, 4, lo=0, hi=255, dt="u8"), I(3, 4, lo=0, hi=12, dt="u8")], dts=None)
    fn("i8", "Tensor." + b, [I(3, 4, lo=-128, hi=128, dt="i8"), I(3, 4, lo=-2, hi=10, dt="i8")],
       dts=None)
    fn("promote", "torch." + b, [I(3, 4, lo=-40, hi=40, dt="i16"), I(4, lo=0, hi=9)], dts=None)
    fn("basic", "Tensor." + b + "_", [I(3, 4, lo=-40, hi=40), I(4, lo=0, hi=9)], dts=None)
    if "shift" not in b and b not in ("gcd", "lcm"):
        fn("bool", "torch." + b, [T(3, 4, kind="bool"), T(3, 4, kind="bool")], dts=None)
fn("i64", "torch.bitwise_not", [I(3, 4, lo=-40, hi=40)], dts=None)
fn("u8", "torch.bitwise_not", [I(3, 4, lo=0, hi=255, dt="u8")], dts=None)
fn("bool", "torch.bitwise_not", [T(3, 4, kind="bool")], dts=None)
fn("basic", "Tensor.bitwise_not_", [I(3, 4, lo=-40, hi=40, dt="i32")], dts=None)
fn("number", "torch.bitwise_and", [I(3, 4, lo=-40, hi=40), 6], dts=None)
fn("number", "torch.bitwise_left_shift", [I(3, 4, lo=-40, hi=40), 3], dts=None)
fn("extremes", "torch.gcd", [T(4, dt="i64", data=[0, -(2**63), 12, 0]),
                             T(4, dt="i64", data=[0, 6, -18, -7])], dts=None)
fn("extremes", "torch.lcm", [T(4, dt="i64", data=[0, 4, -6, 2**40]),
                             T(4, dt="i64", data=[0, 0, 4, 2**30])], dts=None)

# ---- clamp_ with tensor bounds (broadcast) -------------------------------------------------
fn("tensor", "Tensor.clamp_", [T(3, 4), T(1, 4, kind="unit"), T(3, 1, kind="pos")])
fn("tensor_min", "Tensor.clamp_", [T(3, 4)], {"min": T(4)})
fn("tensor_max", "Tensor.clamp_", [T(3, 4)], {"max": T(3, 1)})
