#!/usr/bin/python3
"""Writes tests/fixtures/grad_fn_names_1.13.txt: every grad_fn name PyTorch 1.13 can show, the
reference of the ctest `grad_fn_names` (tools/check_grad_fn_names.py). Run once, by hand, with
Debian's PyTorch 1.13 (python3-torch) and binutils' nm:

    /usr/bin/python3 tools/gen_grad_fn_names.py

Sources, both exact rather than a `strings` scan (the linker merges string tails, so
"AddBackward0" has no string of its own once "IndexAddBackward0" exists):
  - the generated nodes: each class torch::autograd::generated::<Name> defines <Name>::apply,
    found in libtorch_cpu.so's dynamic symbols; its grad_fn name is the class name;
  - the hand-written nodes Python sees (AccumulateGrad, CopySlices, CopyBackwards, ...): the
    public names of torch._C._functions, which are the names repr(tensor) prints."""
import os
import re
import subprocess
import sys

import torch

if not torch.__version__.startswith("1.13"):
    sys.exit(f"want PyTorch 1.13, found {torch.__version__}")
lib = os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")
syms = subprocess.run(["nm", "-DC", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
generated = set(re.findall(r"torch::autograd::generated::(\w+)::apply\(", syms))
special = {n for n in dir(torch._C._functions) if not n.startswith("_")}

# Spot checks: names the Python API itself reports are in the list.
x = torch.ones(2, 2, requires_grad=True, dtype=torch.float64)
y = x * 1
y[0] = 5
seen = {type(t.grad_fn).__name__ for t in (x + 1, x.clone(), x.t(), x.sum(), x.sum(0), y, x[0])}
seen.add(type((x * 1).grad_fn.next_functions[0][0]).__name__)  # AccumulateGrad
names = generated | special
assert len(generated) > 500 and seen <= names, seen - names

out = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "grad_fn_names_1.13.txt")
with open(out, "w") as f:
    f.write(f"# grad_fn names of PyTorch {torch.__version__} (tools/gen_grad_fn_names.py); one a line\n")
    f.write("".join(n + "\n" for n in sorted(names)))
print(f"{len(names)} names ({len(generated)} generated, {len(special)} special) -> {os.path.normpath(out)}")
