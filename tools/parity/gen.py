#!/usr/bin/python3
"""Parity fixture generator: runs every case spec in specs.py through PyTorch and writes one
NAME.safetensors per case (inputs, expected outputs, expected gradients, and the case JSON in
__metadata__["case"]) in the format of docs PARITY.md.

    /usr/bin/python3 tools/parity/gen.py [OUT_DIR [PREFIX]]   (default tests/parity/cases;
                                    PREFIX: write only the cases whose file name starts with it)

Fixed seeds (one per case, from its name) so regenerating gives identical files."""
import json
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_scheduler  # noqa: E402  (optim-sched: LR schedulers in optimizer cases)

MAX_FILE = 64 * 1024

ST_DTYPES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}
DT_NAMES = {"f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16, "i64": torch.int64, "i32": torch.int32,
            "i16": torch.int16, "i8": torch.int8, "u8": torch.uint8, "bool": torch.bool}
# Default tolerances: float32 kernels may differ from PyTorch's by a few ulps and by
# summation order; float64 only by summation order.
TOL = {torch.float32: (1e-5, 1e-6), torch.float64: (1e-7, 1e-9),
       # 16-bit floats: ctorch computes in float32 and rounds once; PyTorch's kernels may
       # round intermediate values, so a few units of the last 16-bit place
       torch.float16: (4e-3, 1e-3), torch.bfloat16: (3e-2, 1e-2)}


class T:
    """A tensor argument. dt None: the case's floating dtype. kind picks the values."""

    def __init__(self, *shape, kind="randn", dt=None, lo=-3, hi=4, data=None, grad=True):
        self.shape, self.kind, self.dt, self.lo, self.hi, self.data = shape, kind, dt, lo, hi, data
        self.grad = grad  # False: never requires grad (batch_norm's running stats, _random_samples)

    def make(self, g, fdt):
        own = {"bool": torch.bool, "perm": torch.int64}.get(self.kind, fdt)
        dt = DT_NAMES[self.dt] if self.dt else own
        if self.data is not None:
            return torch.tensor(self.data, dtype=dt).reshape(self.shape) if self.shape else \
                torch.tensor(self.data, dtype=dt)
        s, k = self.shape, self.kind
        if k == "randn":
            x = torch.randn(s, generator=g, dtype=torch.float64)
        elif k == "pos":  # strictly positive, away from 0
            x = torch.rand(s, generator=g, dtype=torch.float64) * 2 + 0.2
        elif k == "unit":  # inside (-0.9, 0.9)
            x = torch.rand(s, generator=g, dtype=torch.float64) * 1.8 - 0.9
        elif k == "nonzero":  # |x| in [0.5, 2]
            m = torch.rand(s, generator=g, dtype=torch.float64) * 1.5 + 0.5
            sg = torch.randint(0, 2, s, generator=g) * 2 - 1
            x = m * sg
        elif k == "wide":  # spans several units, for rounding and modulus
            x = torch.randn(s, generator=g, dtype=torch.float64) * 3
        elif k == "int":  # small integers (ties, equality)
            x = torch.randint(self.lo, self.hi, s, generator=g)
        elif k == "bool":
            x = torch.rand(s, generator=g) > 0.5
        elif k == "perm":  # rows of distinct indices in [0, hi): a permutation prefix per row
            rows = int(torch.tensor(s[:-1]).prod()) if len(s) > 1 else 1
            x = torch.stack([torch.randperm(self.hi, generator=g)[:s[-1]] for _ in range(rows)])
            x = x.reshape(s)
        else:
            raise ValueError(k)
        return x.to(dt)


class Case:
    def __init__(self, label, name, args, kwargs, dts, grad, rtol, atol, kind="function",
                 module=None):
        self.label, self.name, self.args, self.kwargs = label, name, args, kwargs
        self.dts, self.grad, self.rtol, self.atol = dts, grad, rtol, atol
        self.kind, self.module = kind, module


CASES = []


def fn(label, name, args, kwargs=None, dts=("f32", "f64"), grad=True, rtol=None, atol=None,
       post=None):
    """A function case; one file per floating dtype in dts (None: the tensors' own dtypes).
    post, if given, maps PyTorch's result before it is written and differentiated (linalg.eig's
    complex result to its real parts, which is what ctorch returns)."""
    c = Case(label, name, list(args), dict(kwargs or {}), dts, grad, rtol, atol)
    c.post = post
    CASES.append(c)


def module(label, cls, args, kwargs, input_shapes, training=True, dts=("f32", "f64"), grad=True,
           rtol=None, atol=None):
    """A module case per dtype: nn.<cls>(*args, **kwargs) (.to(float64) for f64, written as the
    case's "dtype", an extension of PARITY.md), state_dict loaded, train() or eval(), forward on
    randn inputs of input_shapes (a shape tuple; a T for indices and offsets; a list for a
    literal argument such as output_size), backward with random grad_outputs. A T in args or
    kwargs is a tensor given to the constructor (a loss's weight=), see ctor_tensors(). The case's
    "seed" (an extension) seeds the default generator before the constructor, so dropout
    masks and fractional pooling windows are PyTorch's."""
    c = Case(label, cls, list(args), dict(kwargs), dts, grad, rtol, atol, kind="module",
             module=input_shapes)
    c.training = training
    CASES.append(c)


def optim(label, cls, kwargs, shapes, groups=None, steps=6, none=(), dts=("f32", "f64"),
          rtol=None, atol=None, scheduler=None, metrics=None):
    """An optimizer case per dtype ("kind": "optimizer", PARITY.md): torch.optim.<cls> over
    randn parameters of shapes, in param groups (a list of dicts whose "params" are indices
    into shapes; None: one group of all), then `steps` steps, each setting every .grad to
    randn except the (step, param) pairs in none (.grad None: the parameter is skipped)."""
    c = Case(label, cls, [], dict(kwargs), dts, False, rtol, atol, kind="optimizer")
    c.shapes, c.groups, c.steps, c.none = shapes, groups, steps, set(none)
    c.scheduler, c.metrics = scheduler, metrics  # an LR scheduler: gen_scheduler.py
    CASES.append(c)


# ---- encoding ------------------------------------------------------------------------

# Python functions a case passes by name to a torch function that takes a callable
# (torch.autograd.functional.jacobian(func, inputs)): a string "fn:<name>" among the args is
# replaced by CALLABLES["fn:<name>"] in the call; the case file keeps the string, and the
# dispatch maps it to the C twin of the function.
CALLABLES = {}


def resolve(name):
    parts = name.split(".")
    root = {"torch": torch, "Tensor": torch.Tensor, "F": F}[parts[0]]
    for p in parts[1:]:
        root = getattr(root, p)
    return root


def to_json(v, tensors, g, fdt, keys):
    """Replace T markers by {"tensor": key}; returns (json value, python value). T(grad=False)
    tensors are marked ct_nograd: they never require grad."""
    if isinstance(v, T):
        key = "input.%d" % len(keys)
        t = v.make(g, fdt)
        t.ct_nograd = not v.grad
        keys.append(key)
        tensors[key] = t
        return {"tensor": key}, t
    if isinstance(v, (list, tuple)):
        pairs = [to_json(x, tensors, g, fdt, keys) for x in v]
        py = [p for _, p in pairs]
        return [j for j, _ in pairs], (tuple(py) if isinstance(v, tuple) else py)
    if isinstance(v, torch.dtype):
        return str(v), v
    if isinstance(v, float) and not math.isfinite(v):
        return {"float": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}, v
    return v, v


def flatten(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r += flatten(o)
        return r
    if isinstance(out, (bool, int, float)):
        return [torch.tensor(out)]
    if out is None:  # MultiheadAttention's weights without need_weights
        return []
    raise TypeError("unsupported output %r" % type(out))


def write_safetensors(path, tensors, meta):
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        raw = t.view(torch.int16) if t.dtype in (torch.float16, torch.bfloat16) else t  # no numpy bf16
        b = raw.numpy().tobytes() if t.numel() else b""
        header[k] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape),
                     "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"case": json.dumps(meta, separators=(",", ":"))}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    data = struct.pack("<Q", len(h)) + h + b"".join(blobs)
    if len(data) > MAX_FILE:
        raise ValueError("case file %s is %d bytes (> 64 KB)" % (path, len(data)))
    with open(path, "wb") as f:
        f.write(data)


def run_function(c, fname, fdt):
    g = torch.Generator().manual_seed(zlib.crc32(fname.encode()))
    tensors, keys = {}, []
    jargs, pyargs = to_json(c.args, tensors, g, fdt, keys)
    jkw, pykw = {}, {}
    for k, v in c.kwargs.items():
        jkw[k], pykw[k] = to_json(v, tensors, g, fdt, keys)
    inputs = dict(tensors)  # values before the call (in-place ops change them)
    inplace = c.name.endswith("_") and not c.name.endswith("__")
    want_grad = c.grad and not inplace
    grad_keys = [k for k in keys if want_grad and tensors[k].is_floating_point() and
                 not tensors[k].ct_nograd]
    live = {k: (t.clone().requires_grad_(k in grad_keys)) for k, t in tensors.items()}

    def subst(v):
        if isinstance(v, torch.Tensor):
            for k, t in tensors.items():
                if t is v:
                    return live[k]
        if isinstance(v, list):
            return [subst(x) for x in v]
        if isinstance(v, tuple):
            return tuple(subst(x) for x in v)
        return v

    f = resolve(c.name)
    pyargs = [CALLABLES.get(a, a) if isinstance(a, str) else a for a in pyargs]
    out = f(*subst(pyargs), **{k: subst(v) for k, v in pykw.items()})
    outs = flatten(c.post(out) if getattr(c, "post", None) else out)
    case = {"kind": "function", "name": c.name, "args": jargs, "kwargs": jkw}
    files = {k: inputs[k] for k in keys}
    out_keys = []
    for i, o in enumerate(outs):
        files["output.%d" % i] = o.detach().clone()
        out_keys.append("output.%d" % i)
    rtol, atol = TOL.get(fdt, (1e-4, 1e-5)) if fdt else (0, 0)
    if any(o.is_floating_point() for o in outs):
        ft = next(o.dtype for o in outs if o.is_floating_point())
        rtol, atol = TOL[ft]
    case["rtol"] = c.rtol if c.rtol is not None else rtol
    case["atol"] = c.atol if c.atol is not None else atol
    diff = [(i, o) for i, o in enumerate(outs) if o.is_floating_point() and o.requires_grad]
    if diff and grad_keys:
        gos = []
        for i, o in enumerate(outs):
            go = torch.randn(o.shape, generator=g, dtype=torch.float64).to(o.dtype) \
                if o.is_floating_point() else torch.zeros_like(o)
            files["grad_output.%d" % i] = go
            gos.append(go)
        torch.autograd.backward([o for _, o in diff], [gos[i] for i, _ in diff])
        grads = {}
        for k in grad_keys:
            if live[k].grad is not None:
                grads[k] = "grad." + k
                files["grad." + k] = live[k].grad
        case["requires_grad"] = grad_keys
        case["grad_outputs"] = ["grad_output.%d" % i for i in range(len(outs))]
        case["grads"] = grads
    case["outputs"] = out_keys
    return case, files


def ctor_tensors(c, g, fdt, files):
    """A module case's constructor args and kwargs with each T marker (a loss's weight=) made
    from g and written into files as "ctor.<position>" / "ctor.<keyword>" (the names
    gen_common_nn.py gives them): (json args, args, json kwargs, kwargs)."""
    def one(v, key):
        if not isinstance(v, T):
            return v, v
        files[key] = v.make(g, fdt)
        return {"tensor": key}, files[key]
    pairs = [one(v, "ctor.%d" % i) for i, v in enumerate(c.args)]
    kw = {k: one(v, "ctor." + k) for k, v in c.kwargs.items()}
    return ([j for j, _ in pairs], [p for _, p in pairs], {k: j for k, (j, _) in kw.items()},
            {k: p for k, (_, p) in kw.items()})


def run_module(c, fname, fdt):
    g = torch.Generator().manual_seed(zlib.crc32(fname.encode()))
    torch.manual_seed(zlib.crc32(fname.encode()))
    files = {}
    jargs, args, jkw, kwargs = ctor_tensors(c, g, fdt, files)
    m = getattr(torch.nn, c.name)(*args, **kwargs)
    if fdt in (torch.float64, torch.float16, torch.bfloat16):
        m = m.to(fdt)
    m.train(c.training)
    inputs, live, grad_in = [], [], []
    for i, s in enumerate(c.module):
        if isinstance(s, list) or s is None or isinstance(s, bool):  # a literal: output_size=[h, w], None
            inputs.append(s)
            live.append(s)
            continue
        if isinstance(s, tuple) and s and isinstance(s[0], tuple):  # a tuple input: LSTM's (h0, c0)
            ts = [torch.randn(e, generator=g, dtype=torch.float64).to(fdt) for e in s]
            refs, lv = [], []
            for j, x in enumerate(ts):
                files["input.%d.%d" % (i, j)] = x
                refs.append({"tensor": "input.%d.%d" % (i, j)})
                lv.append(x.clone().requires_grad_(c.grad))
            inputs.append(refs)
            live.append(tuple(lv))
            grad_in += ["%d.%d" % (i, j) for j in range(len(ts))] if c.grad else []
            continue
        if isinstance(s, T):  # indices, offsets, ...: T's own kind and dtype
            x = s.make(g, fdt)
        else:
            x = torch.randn(s, generator=g, dtype=torch.float64).to(fdt)
        files["input.%d" % i] = x
        inputs.append({"tensor": "input.%d" % i})
        rg = c.grad and x.is_floating_point() and not (isinstance(s, T) and not s.grad)
        live.append(x.clone().requires_grad_(rg))
        if rg:
            grad_in.append(i)
    rtol, atol = TOL[fdt]
    head = {"kind": "module", "name": c.name, "args": jargs, "kwargs": jkw, "inputs": inputs}
    return module_case(m, head, live, grad_in, files, g, zlib.crc32(fname.encode()), c.training,
                       c.rtol if c.rtol is not None else rtol,
                       c.atol if c.atol is not None else atol, fdt if fdt != torch.float32 else None, c.grad)


def module_case(m, head, live, grad_in, files, g, seed, training, rtol, atol, f64, want_grad):
    """A module case once m is built (seed: torch.manual_seed before its constructor) and its
    forward arguments made (live; grad_in: which require grad): state, forward, outputs,
    buffers after, and with want_grad a backward with grad_outputs drawn from g and the input
    and parameter gradients. Returns (case, files)."""
    state = {}
    sd = m.state_dict()
    # a Lazy layer's placeholders have no value before the forward; none of its state is
    # loaded (a Lazy norm's num_batches_tracked alone would fail the strict load)
    lazy = any(torch.nn.parameter.is_lazy(v) for v in sd.values())
    for k, v in sd.items():
        if lazy:
            break
        files["state." + k] = v.clone()
        state[k] = "state." + k
    outs = flatten(m(*live))
    case = dict(head, state=state, training=training, seed=seed,
                outputs=["output.%d" % i for i in range(len(outs))], rtol=rtol, atol=atol)
    if f64:  # the module's dtype when not float32 (float64, float16, bfloat16)
        case["dtype"] = str(f64)
    for i, o in enumerate(outs):
        files["output.%d" % i] = o.detach().clone()
    after = {}
    for k, b in m.named_buffers():
        files["after." + k] = b.detach().clone()
        after[k] = "after." + k
    if after:
        case["state_after"] = after
    diff = [o for o in outs if o.requires_grad]
    if want_grad and diff:
        case["requires_grad"] = ["input.%s" % i for i in grad_in]
        case["grad_outputs"] = ["grad_output.%d" % i for i in range(len(outs))]
        gos = []
        for i, o in enumerate(outs):
            go = torch.randn(o.shape, generator=g, dtype=torch.float64).to(o.dtype) \
                if o.is_floating_point() else torch.zeros_like(o)
            files["grad_output.%d" % i] = go
            gos.append(go)
        torch.autograd.backward(diff, [gos[i] for i, o in enumerate(outs) if o.requires_grad])
        grads = {}
        for i, x in enumerate(live):
            if isinstance(x, torch.Tensor) and x.grad is not None:
                grads["input.%d" % i] = "grad.input.%d" % i
                files["grad.input.%d" % i] = x.grad
            for j, e in enumerate(x if isinstance(x, tuple) else ()):  # a tuple input's tensors
                if isinstance(e, torch.Tensor) and e.grad is not None:
                    grads["input.%d.%d" % (i, j)] = "grad.input.%d.%d" % (i, j)
                    files["grad.input.%d.%d" % (i, j)] = e.grad
        for k, p in m.named_parameters():
            if p.grad is not None:
                grads[k] = "grad." + k
                # a sparse gradient (Embedding(sparse=True)) is compared as its dense value
                files["grad." + k] = p.grad.to_dense() if p.grad.is_sparse else p.grad
        case["grads"] = grads
    return case, files


def run_optim(c, fname, fdt):
    g = torch.Generator().manual_seed(zlib.crc32(fname.encode()))
    files, live = {}, []
    for i, s in enumerate(c.shapes):
        x = torch.randn(s, generator=g, dtype=torch.float64).to(fdt)
        files["param.%d" % i] = x
        live.append(x.clone().requires_grad_(True))
    if c.groups is None:
        opt = getattr(torch.optim, c.name)(live, **c.kwargs)
    else:
        opt = getattr(torch.optim, c.name)(
            [dict(gr, params=[live[i] for i in gr["params"]]) for gr in c.groups], **c.kwargs)
    sched = gen_scheduler.build(opt, c)  # optim-sched: the case's LR scheduler, if any
    grads, expected, lrs = [], [], []
    for s in range(c.steps):
        row = []
        for i, p in enumerate(live):
            if (s, i) in c.none:
                p.grad = None
                row.append(None)
                continue
            gr = torch.randn(p.shape, generator=g, dtype=torch.float64).to(fdt)
            files["grad.%d.%d" % (s, i)] = gr
            p.grad = gr.clone()
            row.append("grad.%d.%d" % (s, i))
        grads.append(row)
        opt.step()
        for i, p in enumerate(live):
            files["after.%d.%d" % (s, i)] = p.detach().clone()
        expected.append(["after.%d.%d" % (s, i) for i in range(len(live))])
        if sched is not None:
            lrs.append(gen_scheduler.step(sched, opt, c, s))
    rtol, atol = TOL[fdt]
    case = {"kind": "optimizer", "name": c.name, "kwargs": c.kwargs,
            "params": ["param.%d" % i for i in range(len(live))], "grads": grads,
            "expected": expected, "rtol": c.rtol if c.rtol is not None else rtol,
            "atol": c.atol if c.atol is not None else atol}
    if c.groups is not None:
        case["groups"] = c.groups
    if sched is not None:
        gen_scheduler.describe(case, c, lrs)
    return case, files


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "parity", "cases")
    os.makedirs(out_dir, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    import specs  # noqa: F401  (fills CASES through fn() / module())
    only = sys.argv[2] if len(sys.argv) > 2 else ""
    seen, n, failed = set(), 0, 0
    for c in CASES:
        variants = [(d, DT_NAMES[d]) for d in c.dts] if c.dts else [("", None)]
        for suffix, fdt in variants:
            fname = ("optim-" if c.kind == "optimizer" else "") + c.name
            fname = fname.replace("Tensor.", "Tensor-").replace("torch.ops.aten.", "aten-")
            fname = "%s.%s%s" % (fname, c.label, "." + suffix if suffix else "")
            fname = fname.replace("torch.", "").replace("F.", "F-")
            if fname in seen:
                raise ValueError("duplicate case name " + fname)
            seen.add(fname)
            if not fname.startswith(only):
                continue
            try:
                run = {"module": run_module, "optimizer": run_optim}.get(c.kind, run_function)
                case, files = run(c, fname, fdt)
                write_safetensors(os.path.join(out_dir, fname + ".safetensors"), files, case)
                n += 1
            except Exception as e:  # a spec PyTorch rejects is a bug in the spec: report it
                print("spec %s: %s: %s" % (fname, type(e).__name__, e), file=sys.stderr)
                failed += 1
    print("%d cases written to %s%s" % (n, out_dir, ", %d specs failed" % failed if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    import gen  # specs.py imports gen: run the one module instance it fills

    sys.exit(gen.main())
