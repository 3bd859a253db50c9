#!/usr/bin/env python3
"""The layers ctest: data flows down only (docs/design-notes.md, "Layers").

  tensor    src/tensor/    storage, dtypes, views, iterator, RNG draws: records nothing
  autograd  src/autograd/  nodes, engine, custom functions: built on tensor
  ops       src/ops/       op families: record on the tape through autograd
  io        src/io/        files and printing: may use everything below
  nn        src/nn/        modules: the public API, plus the error kit and string buffer
  optim     src/optim/     optimizers: the same rule as nn

Two checks:
1. includes: a file in a layer includes only its own layer's and lower layers' internal
   headers (src/internal.h is the kit of ops and above);
2. symbols: each object file of a layer references no function defined in a higher layer's
   objects, with two sanctioned links: a tensor holds counted references to its graph nodes,
   so the tensor layer may drop them (SANCTIONED); and the autograd engine accumulates,
   reshapes and casts gradients with the public differentiable ops (ct_add, ct_sum_ex ...),
   so that create_graph records them, as PyTorch's engine calls at:: ops; it may call those
   public functions but never an op family's internals (ct__*).

usage: check_layers.py SOURCE_DIR OBJECT_FILE...      exit 0: clean; 1: violations listed"""
import os
import re
import subprocess
import sys

ORDER = ["tensor", "autograd", "ops", "io", "nn", "optim", "data"]
# Layer -> internal headers it may include (paths relative to src/).
ALLOWED_HEADERS = {
    "tensor": {"tensor/"},
    "autograd": {"tensor/", "autograd/"},
    "nn": {"nn/", "tensor/error.h", "tensor/strbuf.h"},
    "optim": {"optim/", "tensor/error.h", "tensor/strbuf.h"},
}
# nn and optim work through the public API (DESIGN.md): of the internal ct__ functions they may
# call only these (tensor/error.h and tensor/strbuf.h).
NN_INTERNALS = {"ct__err", "ct__errs", "ct__has_error", "ct__shape_str", "ct__shape_slot",
                "ct__sb_putn", "ct__sb_puts", "ct__sb_spaces", "ct__sb_u64", "ct__sb_printf"}
# tensor -> autograd: the node references a tensor owns (tensor_impl.h says why).
SANCTIONED = {("tensor", "autograd"): {"ct__tensor_drop_nodes", "ct__node_decref",
                                       "ct__node_thread_exit", "ct__node_cache_drain"}}


def layer_of(path):
    parts = os.path.normpath(path).split(os.sep)
    for i, p in enumerate(parts):
        if p == "src" and i + 1 < len(parts) and parts[i + 1] in ORDER:
            return parts[i + 1]
    return None


def check_includes(src, errors):
    for layer, allowed in ALLOWED_HEADERS.items():
        d = os.path.join(src, layer)
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            text = open(os.path.join(d, name), encoding="utf-8").read()
            for inc in re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M):
                target = os.path.relpath(os.path.normpath(os.path.join(d, inc)), src)
                if target.startswith(".."):  # a public header (include/) or outside src
                    continue
                if not any(target.startswith(a) for a in allowed):
                    errors.append(f"src/{layer}/{name} includes {target}: the {layer} layer "
                                  f"may include only {', '.join(sorted(allowed))} headers")


def nm(args):
    out = subprocess.run(["nm"] + args, capture_output=True, text=True, check=True).stdout
    return out


def check_symbols(objects, errors):
    defined = {}  # symbol -> layer
    for o in objects:
        layer = layer_of(o)
        for line in nm(["--defined-only", o]).splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TtDdBbRr":
                defined.setdefault(f[2], layer)
    for o in objects:
        layer = layer_of(o)
        if layer not in ORDER:
            continue
        for line in nm(["-u", o]).splitlines():
            sym = line.split()[-1]
            owner = defined.get(sym)
            if layer in ("nn", "optim") and sym.startswith("ct__") and owner != layer and \
                    sym not in NN_INTERNALS:
                errors.append(f"{os.path.basename(os.path.dirname(o))}/{os.path.basename(o)} "
                              f"({layer}) calls the internal {sym}: {layer} uses the public API")
                continue
            if owner is None or owner == layer or ORDER.index(owner) < ORDER.index(layer):
                continue
            if sym in SANCTIONED.get((layer, owner), set()):
                continue
            if layer == "autograd" and owner == "ops" and not sym.startswith("ct__"):
                continue
            errors.append(f"{os.path.basename(os.path.dirname(o))}/{os.path.basename(o)} "
                          f"({layer}) calls {sym}, defined in the higher {owner} layer")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src = os.path.join(sys.argv[1], "src")
    # CMake may pass the object list as one ;-separated argument
    objects = [o for a in sys.argv[2:] for o in a.split(";") if o.endswith(".o")]
    errors = []
    check_includes(src, errors)
    check_symbols(objects, errors)
    for e in errors:
        print(e, file=sys.stderr)
    print(f"layers: {len(objects)} object files, {len(errors)} violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
