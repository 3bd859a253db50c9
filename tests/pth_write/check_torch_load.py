"""torch.load of the files test_pth_write.c wrote (directory in argv[1]), in PyTorch 1.13:
values, key order, dtypes and shared storages as ctorch wrote them; weights_only=True for
state_dicts (1.13's weights-only unpickler has no BINFLOAT, so a checkpoint holding a Python
float needs weights_only=False, for files torch.save wrote too); data.pkl and the storages
byte for byte against torch.save of the same objects; and the optimizer checkpoints resumed
here for 3 steps land on the parameters ctorch reached."""
import collections, io, os, sys, zipfile
import torch

D = sys.argv[1]
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)

def ramp(shape, dtype, seed):  # tests/unit/ct_test.h's ramp()
    n = 1
    for s in shape:
        n *= s
    v = ((torch.arange(n) * 7 + seed) % 11 - 5).to(torch.float64) * 0.25
    return v.to(dtype).reshape(shape)

def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)

def entries(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}

def compare_bytes(name, obj):
    """data.pkl and data/* against torch.save(obj); returns whether the whole file matched."""
    mine = open(os.path.join(D, name), "rb").read()
    buf = io.BytesIO()
    torch.save(obj, buf)
    ref = buf.getvalue()
    a, b = entries(mine), entries(ref)
    check(a == b, f"{name}: the archive's records differ from torch.save's "
                  f"({sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))})")
    return mine == ref

def load(name, weights_only=True):
    return torch.load(os.path.join(D, name), weights_only=weights_only)

# 1. every dtype
dts = [torch.float32, torch.float64, torch.int64, torch.int32, torch.int16, torch.int8,
       torch.uint8, torch.bool]
want = collections.OrderedDict()
for i, (n, dt) in enumerate(zip(["f32", "f64", "i64", "i32", "i16", "i8", "u8", "b"], dts)):
    want[n] = ramp((3, i + 1), dt, i)
want["scalar"] = torch.tensor(-2.5, dtype=torch.float64)
want["empty"] = torch.zeros(0, 4, dtype=torch.int32)
want["four_dims"] = ramp((2, 1, 3, 2), torch.float32, 5)
sd = load("dtypes.pth")
check(type(sd) is collections.OrderedDict, "dtypes.pth: not an OrderedDict")
check(list(sd) == list(want), f"dtypes.pth: keys {list(sd)}")
for k in want:
    check(same(sd[k], want[k]), f"dtypes.pth[{k}]: {sd[k]!r} != {want[k]!r}")
identical = {"dtypes.pth": compare_bytes("dtypes.pth", want)}

# 2. shared storages
base = ramp((4, 5), torch.float32, 0)
sd = load("shared.pth")
check(list(sd) == ["base", "t", "row2", "tied", "other"], f"shared.pth: keys {list(sd)}")
check(same(sd["t"], base.t()) and sd["t"].stride() == (1, 5), "shared.pth: t")
check(same(sd["row2"], base[2:3, 1:4]) and sd["row2"].storage_offset() == 11, "shared.pth: row2")
ptr = sd["base"].storage().data_ptr()
check(all(sd[k].storage().data_ptr() == ptr for k in ("t", "row2", "tied")), "shared.pth: not shared")
sd["base"].add_(100)
check(sd["tied"][0, 0].item() == base[0, 0].item() + 100, "shared.pth: tied is a copy")
identical["shared.pth"] = compare_bytes("shared.pth", collections.OrderedDict(
    [("base", base), ("t", base.t()), ("row2", base[2:3, 1:4]), ("tied", base.detach()),
     ("other", ramp((3,), torch.int64, 1))]))  # tied: a state_dict detaches each entry

# 3. the checkpoint tree
ints = [255, 256, 65535, 65536, -1, -2**31, 2**31 - 1, 2**40, -2**40, -2**63, 2**63 - 1, 2**31,
        128, -129]
model = collections.OrderedDict([("0.weight", ramp((2, 3), torch.float32, 0)),
                                 ("0.bias", ramp((2,), torch.float32, 3))])
ck_want = {"model": model, "epoch": 4, "loss": 0.12, "name": "run1 \u00e9",
           "flags": [True, False, None], "pair": (1, -2.5), "ints": ints,
           "state": {0: torch.tensor(2.0), -7: "neg"}}
for name in ("checkpoint.pth", "atomic.pth"):
    ck = load(name, weights_only=False)
    check(list(ck) == list(ck_want), f"{name}: keys {list(ck)}")
    check(type(ck["model"]) is collections.OrderedDict, f"{name}: model is no OrderedDict")
    for k, v in ck_want.items():
        if k == "model":
            check(all(same(ck[k][n], v[n]) for n in v) and list(ck[k]) == list(v), f"{name}: model")
        elif k == "state":
            check(same(ck[k][0], v[0]) and ck[k][-7] == "neg", f"{name}: state")
        else:
            check(ck[k] == v and type(ck[k]) is type(v), f"{name}[{k}]: {ck[k]!r} != {v!r}")
identical["checkpoint.pth"] = compare_bytes("checkpoint.pth", ck_want)
nested = load("nested.pth", weights_only=False)
check(isinstance(nested, list) and nested[0]["ints"] == ints, "nested.pth")

# 4. modules' state_dicts load into PyTorch's, with torch.save's bytes (and _metadata)
lin = torch.nn.Linear(3, 2)
lin.load_state_dict(load("linear.pth"))
identical["linear.pth"] = compare_bytes("linear.pth", lin.state_dict())
seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
sd = load("seq.pth")
check(sd._metadata == seq.state_dict()._metadata, f"seq.pth: _metadata {sd._metadata}")
seq.load_state_dict(sd)
identical["seq.pth"] = compare_bytes("seq.pth", seq.state_dict())

# 5. optimizer checkpoints written by ctorch, resumed in PyTorch
X = ramp((4, 3), torch.float32, 1)
for name, cls, kw in (("adam", torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, amsgrad=True)),
                      ("sgd", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01))):
    ck = load(f"resume_{name}.pth", weights_only=False)
    p = [ck["model"]["weight"].clone().requires_grad_(), ck["model"]["bias"].clone().requires_grad_()]
    opt = cls(p, lr=0.5) if name == "adam" else cls(p, lr=0.5, momentum=0.1)
    fresh = cls([torch.zeros(2, 3, requires_grad=True), torch.zeros(2, requires_grad=True)], **kw)
    want_groups = fresh.state_dict()["param_groups"]
    got_groups = ck["optimizer"]["param_groups"]
    # keys in PyTorch's order, equal values (ctorch's typed constructors take doubles, so an
    # option left at PyTorch's int default, SGD's dampening=0, comes back as 0.0)
    check([list(g.items()) for g in got_groups] == [list(g.items()) for g in want_groups],
          f"resume_{name}: param_groups {got_groups} != PyTorch's {want_groups}")
    check(list(ck["optimizer"]["state"]) == [0, 1], f"resume_{name}: state keys")
    identical[f"resume_{name}.pth"] = compare_bytes(f"resume_{name}.pth", ck)
    opt.load_state_dict(ck["optimizer"])
    check(opt.param_groups[0]["lr"] == kw["lr"], f"{name}: lr not restored")
    for _ in range(3):
        opt.zero_grad()
        (X @ p[0].t() + p[1] - 1).square().sum().backward()
        opt.step()
    exp = load(f"resume_{name}_expected.pth")
    for got, k in zip(p, ("weight", "bias")):
        check(torch.allclose(got.detach(), exp[k], rtol=1e-6, atol=1e-6),
              f"resume_{name}: {k} {got.detach()} != ctorch's {exp[k]}")

print("whole files byte-identical to torch.save's:", identical)
print("FAILED" if failures else "OK")
sys.exit(1 if failures else 0)
