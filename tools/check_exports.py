#!/usr/bin/python3
"""The export check (ctest `exports`): libctorch.so exports exactly the public API, the
functions declared in include/ctorch/*.h; internal ct__* helpers and static data stay hidden
(-fvisibility=hidden, see CMakeLists.txt). Uses binutils' `nm -D --defined-only`.

usage: check_exports.py SOURCE_DIR LIBCTORCH_SO      exit 0: exports == public API"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_op_list as ol  # noqa: E402  (its header parser)


def main():
    ol.ROOT, lib = os.path.abspath(sys.argv[1]), sys.argv[2]
    out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}
    public = set(ol.public_api())
    errors = [f"{lib}: exports {s}, which is not declared in include/ctorch/*.h" for s in sorted(exported - public)]
    errors += [f"{lib}: does not export the public function {f}" for f in sorted(public - exported)]
    for e in errors:
        print(e, file=sys.stderr)
    print(f"exports: {len(exported)} symbols, {len(public)} public functions, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
