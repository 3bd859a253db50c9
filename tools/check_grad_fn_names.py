#!/usr/bin/python3
"""The grad_fn-name check (ctest `grad_fn_names`): every node name in src/ is one PyTorch 1.13
shows (tests/fixtures/grad_fn_names_1.13.txt, written by tools/gen_grad_fn_names.py), because
ctorch prints them and users compare them with PyTorch's.

A node name is a string literal of src/**/*.c, after the C preprocessor (so "Exp" "Backward0"
built by a macro is seen whole), that is one CamelCase word ending in Backward<n>, Backwards,
Slices or Grad. Names a custom function gives are not PyTorch's: CUSTOM lists them with
the reason; an entry there that src/ no longer uses, or that PyTorch has, fails the check.
Python 3 standard library only.

usage: check_grad_fn_names.py [SOURCE_DIR]      exit 0: all names are PyTorch's"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_op_list as ol  # noqa: E402  (its C preprocessing and file walking)

REFERENCE = "tests/fixtures/grad_fn_names_1.13.txt"
NODE_NAME = re.compile(r"[A-Z][A-Za-z0-9]*(Backward\d*|Backwards|Slices|Grad)(_copy)?")
CUSTOM = {
    "CustomFunctionBackward": "the grad_fn of a ct_function that sets no .name (PyTorch names a "
                              "custom Function's node <ClassName>Backward)",
    "BackwardHookFunctionBackward": "PyTorch's own Python Function behind register_full_backward_hook "
                                    "(torch.utils.hooks.BackwardHookFunction), named <ClassName>Backward",
}


def main():
    ol.ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ol.ROOT)
    ref = {l.strip() for l in ol.read(REFERENCE).split("\n") if l.strip() and not l.startswith("#")}
    used = {}
    for p in ol.files("src/**/*.c"):
        for s in re.findall(r'"((?:\\.|[^"\\\n])*)"', ol.preprocess(p)):
            if NODE_NAME.fullmatch(s):
                used.setdefault(s, p)
    errors = [f"{p}: grad_fn name \"{n}\" is not one of PyTorch 1.13's ({REFERENCE})"
              for n, p in sorted(used.items()) if n not in ref and n not in CUSTOM]
    for n in sorted(CUSTOM):
        if n in ref:
            errors.append(f"CUSTOM entry {n} is a PyTorch name: remove it from tools/check_grad_fn_names.py")
        elif n not in used:
            errors.append(f"CUSTOM entry {n} is not used in src/ any more: remove it")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"grad_fn names: {len(used)} in src/, {len(ref)} in PyTorch 1.13, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
