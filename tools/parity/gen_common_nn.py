#!/usr/bin/python3
"""Conformance cases from PyTorch's own module test lists: every entry of `module_tests` and
`new_module_tests` in torch/testing/_internal/common_nn.py (Debian's python3-torch 1.13) whose
module class ctorch's registry has becomes one "module" parity case (docs PARITY.md):

    /usr/bin/python3 tools/parity/gen_common_nn.py [OUT_DIR] [--lib build/libctorch.so] [--all]

OUT_DIR defaults to tests/parity/cases/common_nn. A case is named after PyTorch's test
(test_<name>: fullname, or module name + "_" + desc), plus the copies test_nn.py adds: "_eval"
(check_eval: the module in eval mode) and "_with_long_tensor" (check_with_long_tensor: module
and input integer-valued float64). The module is built from the entry's
constructor_args, or from its `constructor` when that is a plain `lambda: nn.X(...)` (read by
evaluating the lambda against a recording `nn`); other constructors (wrap_functional, lambdas
doing more than one call, arguments that are functions) are skipped with the reason. Inputs are
the entry's input_size / input_fn drawn under a fixed seed in float64 (test_nn.py runs with
float64 as its default dtype), the module runs in float64 in train mode (eval for the _eval copy),
and the case holds outputs, input and parameter gradients and the buffers after the forward.

Which classes ctorch has is asked of the built library (ct_nn_find_kind through ctypes); --all
writes every expressible entry whatever the registry says (ct-parity then skips unknown ones).
MANIFEST.txt in OUT_DIR lists every entry and what became of it.

The losses go to OUT_DIR/losses (its own MANIFEST.txt): every `criterion_tests` entry (and its
"_sum_reduction" copy where test_nn.py makes one) as a module case, and every new_module_tests
entry that wraps one loss functional (wrap_functional(lambda i: F.nll_loss(i, t, ...))) as a
function case of that call; each in float64 (as test_nn.py runs) and float32 (".f32")."""
import argparse
import ctypes
import functools
import os
import sys
import types
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import gen  # noqa: E402  (write_safetensors, flatten, TOL)


def import_common_nn():
    """common_nn imports expecttest (through common_utils), which Debian does not ship: a stub
    module with what common_utils reads (TestCase, ACCEPT) is enough."""
    if "expecttest" not in sys.modules:
        import unittest
        stub = types.ModuleType("expecttest")
        stub.TestCase = unittest.TestCase
        stub.ACCEPT = False
        sys.modules["expecttest"] = stub
    # tensors made at import (the targets wrap_functional lambdas close over) are then the
    # same on every run
    torch.manual_seed(0)
    from torch.testing._internal import common_nn
    return common_nn


class Unsupported(Exception):
    """An entry that cannot be written as a case: the message is the reason."""


class _Call:
    def __init__(self, name, args, kwargs):
        self.name, self.args, self.kwargs = name, args, kwargs


class _RecordingNN:
    """Stands for `nn` while a constructor lambda runs: nn.X(*a, **k) returns the call."""

    def __getattr__(self, name):
        if not isinstance(getattr(torch.nn, name, None), type):
            raise Unsupported("constructor uses nn.%s, not a module class" % name)
        return lambda *a, **k: _Call(name, a, k)


def constructor_call(entry):
    """(class name, args, kwargs) of the entry's module, or Unsupported."""
    f = entry.get("constructor")
    if f is None:
        return entry["module_name"], tuple(entry.get("constructor_args", ())), {}
    if getattr(f, "__name__", "") == "FunctionalModule" or isinstance(f, type) and \
            f.__name__ == "FunctionalModule":
        raise Unsupported("wrap_functional: a test of a functional, not of a module")
    if isinstance(f, type) and issubclass(f, torch.nn.Module):
        return f.__name__, tuple(entry.get("constructor_args", ())), {}
    code = getattr(f, "__code__", None)
    # a plain `lambda: nn.X(...)` names only nn and X; anything else (.double(), helpers,
    # nested modules) is more than args + kwargs
    if code is None or f.__name__ != "<lambda>" or code.co_argcount or len(code.co_names) != 2 \
            or code.co_names[0] != "nn":
        raise Unsupported("constructor is not a plain `lambda: nn.X(...)`")
    g = dict(f.__globals__)
    g["nn"] = _RecordingNN()
    call = types.FunctionType(code, g, f.__name__, f.__defaults__, f.__closure__)()
    if not isinstance(call, _Call):
        raise Unsupported("constructor does not return nn.X(...)")
    return call.name, call.args, call.kwargs


def to_json(v, files, key):
    """A constructor argument as PARITY.md JSON; tensors go into the file under key."""
    if isinstance(v, torch.Tensor):
        files[key] = v.detach().clone()
        return {"tensor": key}
    if isinstance(v, (list, tuple)):
        return [to_json(x, files, "%s.%d" % (key, i)) for i, x in enumerate(v)]
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return {"float": "nan" if v != v else ("inf" if v > 0 else "-inf")}
        return v
    if isinstance(v, torch.dtype):
        return str(v)
    raise Unsupported("constructor argument %s (%s) has no JSON form"
                      % (getattr(v, "__name__", "?"), type(v).__name__))


def long_equivalent(size, g):
    """test_nn.py's double_equivalent_of_long_tensor: integers in [-1000, 1000) as float64."""
    return torch.randint(-1000, 1000, size, generator=g).double()


def make_input(entry, seed, long_tensor=False):
    """The entry's input as test_nn.py makes it (float64 default dtype), drawn under seed;
    long_tensor: integer-valued (its check_with_long_tensor copy, from input_size)."""
    if long_tensor:
        return (long_equivalent(entry["input_size"], torch.Generator().manual_seed(seed)),)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        torch.manual_seed(seed)
        if "input" in entry:
            x = entry["input"]
        elif "input_fn" in entry:
            x = entry["input_fn"]()
        elif "input_size" in entry:
            def sized(s):
                return [sized(e) for e in s] if isinstance(s, list) else torch.randn(s)
            x = sized(entry["input_size"])
        else:
            raise Unsupported("no input, input_fn or input_size")
    finally:
        torch.set_default_dtype(old)
    return x if isinstance(x, tuple) else (x,)


def build_case(name, cls, args, kwargs, entry, training, long_tensor=False):
    files = {}
    jargs = to_json(list(args), files, "ctor")
    jkw = {k: to_json(v, files, "ctor." + k) for k, v in kwargs.items()}
    seed = zlib.crc32(name.encode())
    inputs = make_input(entry, seed ^ 0x5EED, long_tensor)
    # construct with float32 defaults and convert, as ct-parity does ("seed", then the
    # constructor, then .to(float64)): the generator's state at the forward is the same
    torch.manual_seed(seed)
    m = getattr(torch.nn, cls)(*args, **kwargs).to(torch.float64)
    m.train(training)
    if long_tensor:  # every floating parameter and buffer integer-valued too (state is loaded)
        g = torch.Generator().manual_seed(seed ^ 0x1046)
        with torch.no_grad():
            for t in list(m.parameters()) + list(m.buffers()):
                if t.is_floating_point():
                    t.copy_(long_equivalent(t.shape, g))
    live, jin, grad_in = [], [], []
    for i, x in enumerate(inputs):
        if not isinstance(x, torch.Tensor):
            raise Unsupported("forward argument #%d is a %s, not a tensor" % (i, type(x).__name__))
        files["input.%d" % i] = x.detach().clone()
        jin.append({"tensor": "input.%d" % i})
        rg = x.is_floating_point()  # test_nn.py's InputVariableMixin
        live.append(x.detach().clone().requires_grad_(rg))
        if rg:
            grad_in.append(i)
    rtol, atol = gen.TOL[torch.float64]
    head = {"kind": "module", "name": cls, "args": jargs, "kwargs": jkw, "inputs": jin}
    return gen.module_case(m, head, live, grad_in, files, torch.Generator().manual_seed(seed),
                           seed, training, rtol, atol, True, True)


def registry_has(lib_path):
    lib = ctypes.CDLL(lib_path)
    lib.ct_nn_find_kind.restype = ctypes.c_void_p
    lib.ct_nn_find_kind.argtypes = [ctypes.c_char_p]
    return lambda name: bool(lib.ct_nn_find_kind(name.encode()))


def test_name(entry, cls):
    if entry.get("fullname"):
        return entry["fullname"]
    return cls + ("_" + entry["desc"] if entry.get("desc") else "")


# ---- losses: criterion_tests and the loss functionals of new_module_tests -------------------
# test_nn.py turns each criterion_tests entry into a CriterionTest: the module from
# constructor(*constructor_args), the input (floating tensors require grad) and the target
# (as target_fn makes it: L1Loss's and MSELoss's require grad), forward(*input, target,
# *extra_args) in float64; "check_sum_reduction" adds a "_sum_reduction" copy built with
# reduction='sum'. new_module_tests' wrap_functional entries whose one F call is a loss become
# "function" cases of that call. Each case is written in float64 (as test_nn.py runs it) and
# again in float32 (".f32": every floating tensor converted, float32 tolerances).

LOSS_FUNCTIONALS = ("binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
                    "kl_div")


# float32 references less exact than gen.TOL assumes: PyTorch's float32 CTC gradients over
# T=50 (alpha / beta recursions in float32) are off from float64's by up to 3e-5 relative and
# 1e-5 absolute, where ctorch's float32 ones match float64's.
F32_TOL = {"CTCLoss": (1e-4, 3e-5)}


class _RecordingF:
    """Stands for `F` inside a wrap_functional lambda: records each call, then makes it."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        real = getattr(torch.nn.functional, name)

        def call(*a, **k):
            out = real(*a, **k)
            self.calls.append((name, a, k, out))
            return out
        return call


def with_globals(f, **repl):
    """f with some of its globals replaced (its closure kept)."""
    g = types.FunctionType(f.__code__, dict(f.__globals__, **repl), f.__name__, f.__defaults__,
                           f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    return g


def criterion_call(entry, ctor_args, sum_reduction):
    """(class name, args, kwargs) of a criterion entry's module, constructed as test_nn.py does
    (its _sum_reduction copy: reduction='sum' added), or Unsupported."""
    extra = {"reduction": "sum"} if sum_reduction else {}
    f = entry.get("constructor")
    if f is None:
        return entry["module_name"], tuple(ctor_args), extra
    if isinstance(f, functools.partial) and isinstance(f.func, type) and \
            issubclass(f.func, torch.nn.Module):
        return f.func.__name__, tuple(f.args) + tuple(ctor_args), dict(f.keywords, **extra)
    if not isinstance(f, types.FunctionType) or "nn" not in f.__code__.co_names:
        raise Unsupported("constructor %r is not a call of an nn class" % f)
    call = with_globals(f, nn=_RecordingNN())(*ctor_args, **extra)
    if not isinstance(call, _Call):
        raise Unsupported("constructor does not return nn.X(...)")
    return call.name, call.args, call.kwargs


def criterion_arg(entry, name, default=None):
    """TestBase._get_arg: the value, or <name>_fn(), or randn(<name>_size) (default dtype)."""
    if name in entry:
        return entry[name]
    if name + "_fn" in entry:
        return entry[name + "_fn"]()
    if name + "_size" in entry:
        return torch.randn(entry[name + "_size"])
    return default


def as_dtype(v, fdt):
    """Floating tensors (nested in tuples / lists too) converted to fdt, requires_grad kept."""
    if isinstance(v, torch.Tensor):
        if not v.is_floating_point():
            return v.detach().clone()
        return v.detach().to(fdt).requires_grad_(v.requires_grad)
    if isinstance(v, (list, tuple)):
        return type(v)(as_dtype(x, fdt) for x in v)
    return v


def criterion_data(entry, seed):
    """(constructor args, forward arguments) drawn under seed in float64, as test_nn.py makes
    them: input tensors that are floating require grad, the target keeps its own flag."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        torch.manual_seed(seed)
        ctor_args = criterion_arg(entry, "constructor_args", ())
        x = criterion_arg(entry, "input")
        target = criterion_arg(entry, "target")
        extra = criterion_arg(entry, "extra_args", ())
    finally:
        torch.set_default_dtype(old)
    if x is None or target is None:
        raise Unsupported("no input or no target")
    inputs = tuple(x) if isinstance(x, tuple) else (x,)
    inputs = tuple(t.detach().requires_grad_(t.is_floating_point()) for t in inputs)
    return tuple(ctor_args), inputs + (target,) + tuple(extra)


def criterion_case(name, entry, sum_reduction, fdt):
    seed = zlib.crc32(name.encode())
    ctor_args, fwd = criterion_data(entry, seed ^ 0x5EED)
    ctor_args, fwd = as_dtype(ctor_args, fdt), as_dtype(fwd, fdt)
    cls, args, kwargs = criterion_call(entry, ctor_args, sum_reduction)
    files = {}
    jargs = to_json(list(args), files, "ctor")
    jkw = {k: to_json(v, files, "ctor." + k) for k, v in kwargs.items()}
    torch.manual_seed(seed)
    m = getattr(torch.nn, cls)(*args, **kwargs).to(fdt)
    live, jin, grad_in = [], [], []
    for i, x in enumerate(fwd):
        if isinstance(x, list):  # CTCLoss's lengths as a Python list: a literal argument
            live.append(x)
            jin.append(x)
            continue
        if not isinstance(x, torch.Tensor):
            raise Unsupported("forward argument #%d is a %s" % (i, type(x).__name__))
        files["input.%d" % i] = x.detach().clone()
        jin.append({"tensor": "input.%d" % i})
        live.append(x.detach().clone().requires_grad_(x.requires_grad))
        if x.requires_grad:
            grad_in.append(i)
    rtol, atol = F32_TOL.get(cls, gen.TOL[fdt]) if fdt == torch.float32 else gen.TOL[fdt]
    head = {"kind": "module", "name": cls, "args": jargs, "kwargs": jkw, "inputs": jin}
    return cls, gen.module_case(m, head, live, grad_in, files, torch.Generator().manual_seed(seed),
                                seed, True, rtol, atol, fdt == torch.float64, True)


def functional_fn(entry):
    """The lambda a wrap_functional entry wraps, and the keywords it is called with."""
    cls = entry.get("constructor")
    cells = dict(zip(cls.forward.__code__.co_freevars, cls.forward.__closure__ or ()))
    return cells["fn"].cell_contents, cells["kwargs"].cell_contents


def functional_case(name, entry, fdt):
    """A wrap_functional entry as a "function" case of its one F call (the entry's input as
    input.0, the tensors the lambda closes over as constants), or Unsupported."""
    fn_, kw = functional_fn(entry)
    seed = zlib.crc32(name.encode())
    (x,) = make_input(entry, seed ^ 0x5EED)
    if x.is_complex():
        raise Unsupported("complex input: ctorch has no complex dtype")
    x = x.detach().to(fdt).requires_grad_(x.is_floating_point())
    rec = _RecordingF()
    out = with_globals(fn_, F=rec)(x, **kw)
    if len(rec.calls) != 1 or rec.calls[0][3] is not out:
        raise Unsupported("the functional makes %d F calls" % len(rec.calls))
    fname, a, k, _ = rec.calls[0]
    files, keys = {"input.0": x.detach().clone()}, {id(x): "input.0"}

    def enc(v):
        if isinstance(v, torch.Tensor):
            if id(v) not in keys:
                if v.requires_grad:
                    raise Unsupported("an argument of F.%s is computed from the input" % fname)
                keys[id(v)] = "input.%d" % len(keys)
                files[keys[id(v)]] = v.detach().clone()
            return {"tensor": keys[id(v)]}
        return to_json(v, files, "?")

    case = {"kind": "function", "name": "F." + fname, "args": [enc(v) for v in a],
            "kwargs": {kk: enc(v) for kk, v in k.items()}}
    rtol, atol = gen.TOL[fdt]
    files["output.0"] = out.detach().clone()
    case.update(outputs=["output.0"], rtol=rtol, atol=atol)
    if out.requires_grad:
        go = torch.randn(out.shape, generator=torch.Generator().manual_seed(seed),
                         dtype=torch.float64).to(out.dtype)
        files["grad_output.0"] = go
        out.backward(go)
        files["grad.input.0"] = x.grad
        case.update(requires_grad=["input.0"], grad_outputs=["grad_output.0"],
                    grads={"input.0": "grad.input.0"})
    return "F." + fname, (case, files)


def loss_entries(cn):
    """(list, test name, entry, how) for every criterion_tests entry and its _sum_reduction
    copy, and every new_module_tests entry wrapping a loss functional."""
    for e in cn.criterion_tests:
        cls = e.get("module_name") or getattr(e.get("constructor"), "__name__", "?")
        base = e.get("fullname") or cls + ("_" + e["desc"] if e.get("desc") else "")
        yield "criterion_tests", base, e, "module"
        if "check_sum_reduction" in e:
            yield "criterion_tests", (cls + "_" + e["desc"] + "_sum_reduction" if e.get("desc")
                                      else cls + "_sum_reduction"), e, "module_sum"
    for e in cn.new_module_tests:
        c = e.get("constructor")
        if isinstance(c, type) and c.__name__ == "FunctionalModule":
            fn_, _ = functional_fn(e)
            names = getattr(getattr(fn_, "__code__", None), "co_names", ())
            if "F" in names and any(n.endswith("_loss") or n in LOSS_FUNCTIONALS
                                                    for n in names):
                yield "new_module_tests", e["fullname"], e, "function"


def write_losses(cn, out_dir, has):
    """The loss cases into out_dir (its own MANIFEST.txt)."""
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(out_dir, f))
    manifest, seen, n_entries, n_written = [], set(), 0, 0
    for lst, name, entry, how in loss_entries(cn):
        n_entries += 1
        for suffix, fdt in (("", torch.float64), (".f32", torch.float32)):
            case_name = name + suffix
            if case_name in seen:
                raise ValueError("duplicate test name " + case_name)
            seen.add(case_name)
            path = os.path.join(out_dir, case_name + ".safetensors")
            try:
                if how == "function":
                    what, (case, files) = functional_case(case_name, entry, fdt)
                else:
                    what, (case, files) = criterion_case(case_name, entry, how == "module_sum", fdt)
                    if not has(what):
                        raise Unsupported("no nn.%s in ctorch's registry" % what)
                    what = "nn." + what
                odd = sorted({str(t.dtype) for t in files.values() if t.dtype not in gen.ST_DTYPES})
                if odd:
                    raise Unsupported("%s tensors have no case dtype" % ", ".join(odd))
                gen.write_safetensors(path, files, case)
            except (Unsupported, ValueError) as e:
                manifest.append("%s\t%s\tskipped: %s" % (lst, case_name,
                                                        str(e).replace(path, case_name)))
                continue
            n_written += 1
            manifest.append("%s\t%s\twritten (%s)" % (lst, case_name, what))
    with open(os.path.join(out_dir, "MANIFEST.txt"), "w") as f:
        f.write("# generated by tools/parity/gen_common_nn.py from torch %s common_nn.py: "
                "%d loss tests (criterion_tests with their _sum_reduction copies, "
                "new_module_tests' loss functionals), float64 and float32: %d case files\n"
                % (torch.__version__, n_entries, n_written))
        f.write("\n".join(manifest) + "\n")
    print("%d loss tests, %d cases written to %s" % (n_entries, n_written, out_dir))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", nargs="?",
                    default=os.path.join(ROOT, "tests", "parity", "cases", "common_nn"))
    ap.add_argument("--lib", default=os.path.join(ROOT, "build", "libctorch.so"))
    ap.add_argument("--all", action="store_true", help="ignore the registry")
    opt = ap.parse_args()
    has = (lambda name: True) if opt.all else registry_has(opt.lib)
    cn = import_common_nn()
    torch.set_default_dtype(torch.float32)
    os.makedirs(opt.out_dir, exist_ok=True)
    for f in os.listdir(opt.out_dir):  # regenerate from scratch: no stale cases
        if f.endswith(".safetensors"):
            os.remove(os.path.join(opt.out_dir, f))
    entries = [("module_tests", e) for e in cn.module_tests] + \
              [("new_module_tests", e) for e in cn.new_module_tests]
    manifest, seen = [], set()
    n_written = n_mapped = 0
    for lst, entry in entries:
        try:
            cls, args, kwargs = constructor_call(entry)
        except Unsupported as e:
            name = entry.get("fullname") or entry.get("module_name", "?")
            manifest.append("%s\t%s\tskipped: %s" % (lst, name, e))
            continue
        name = test_name(entry, cls)
        if not has(cls):
            manifest.append("%s\t%s\tskipped: no nn.%s in ctorch's registry" % (lst, name, cls))
            continue
        n_mapped += 1
        # test_nn.py's copies: _eval (check_eval: module.training = False) and
        # _with_long_tensor (check_with_long_tensor: integer-valued float64 module and input)
        modes = [(name, True, False)]
        if entry.get("check_eval"):
            modes.append((name + "_eval", False, False))
        if entry.get("check_with_long_tensor"):
            modes.append((name + "_with_long_tensor", True, True))
        for case_name, training, long_tensor in modes:
            if case_name in seen:
                raise ValueError("duplicate test name " + case_name)
            seen.add(case_name)
            path = os.path.join(opt.out_dir, case_name + ".safetensors")
            try:
                case, files = build_case(case_name, cls, args, kwargs, entry, training,
                                         long_tensor)
                odd = sorted({str(t.dtype) for t in files.values()
                              if t.dtype not in gen.ST_DTYPES})
                if odd:
                    raise Unsupported("%s tensors have no case dtype" % ", ".join(odd))
                gen.write_safetensors(path, files, case)
            except (Unsupported, ValueError) as e:  # ValueError: the file would pass 64 KB
                why = str(e).replace(path, os.path.basename(path))
                manifest.append("%s\t%s\tskipped: %s" % (lst, case_name, why))
                continue
            n_written += 1
            manifest.append("%s\t%s\twritten (nn.%s, %s)" % (lst, case_name, cls,
                                                              "train" if training else "eval"))
    with open(os.path.join(opt.out_dir, "MANIFEST.txt"), "w") as f:
        f.write("# generated by tools/parity/gen_common_nn.py from torch %s common_nn.py: "
                "%d entries, %d for a module ctorch has, %d case files\n"
                % (torch.__version__, len(entries), n_mapped, n_written))
        f.write("\n".join(manifest) + "\n")
    print("%d entries, %d map to a ctorch module, %d cases written to %s"
          % (len(entries), n_mapped, n_written, opt.out_dir))
    write_losses(cn, os.path.join(opt.out_dir, "losses"), has)
    return 0


if __name__ == "__main__":
    sys.exit(main())
