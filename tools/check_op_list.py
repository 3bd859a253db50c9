#!/usr/bin/python3
"""The op-list check (ctest `op_list`): every public function of include/ctorch/*.h appears in
every place an op must appear, unless tools/op_list_exempt.txt says why it need not.

Places (PLACES below):
  src         a definition (not a declaration) in src/**/*.c
  parity      reached from an entry of a tools/parity/dispatch_*.c handler table whose PyTorch
              name ("torch.add", "Tensor.view") has a case in tools/parity/specs.py
  unit        named in a unit test, tests/unit/test_*.c other than the robustness sweep
  robustness  named in the robustness sweep, tests/unit/test_robustness_*.c
  guide       named in docs/pytorch-to-ctorch.md

Which places apply is decided per header by AREAS: a new header (nn.h, optim.h, ...) must be
added there, and may bring its own places (its dispatch files, its sweep) by adding a Place.
A function with an options struct is declared as ct_foo_ex and called through the macro
ct_foo: the definition must be ct_foo_ex; every other place may name either.

Exemptions: tools/op_list_exempt.txt, blocks of a `== place[,place...]: reason` line followed by
the functions (whitespace-separated, any number of lines) it holds for. An entry
that names no public function, names an unknown place, or exempts a place the function already
satisfies is stale and fails the check, so the file only ever lists real gaps.

Names are matched as C tokens after comments and string literals are removed (a function named
only in a comment does not count). Python 3 standard library only.

usage: check_op_list.py [SOURCE_DIR]      exit 0: consistent; 1: gaps listed on stderr"""
import glob
import os
import re
import subprocess
import sys
import types

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
EXEMPT_FILE = "tools/op_list_exempt.txt"


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def files(pattern):
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, pattern), recursive=True))


# ---- C text ---------------------------------------------------------------------------------
C_TOKENS = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def strip_c(text, keep_strings=False):
    """Comments become a space; string and char literals become "" (or stay, keep_strings)."""
    def sub(m):
        s = m.group(0)
        if s.startswith("/"):
            return " " if s.startswith("//") else re.sub(r"[^\n]", " ", s)
        return s if keep_strings else ('""' if s[0] == '"' else "''")
    return C_TOKENS.sub(sub, text)


def strip_preprocessor(text):
    """Drops #-lines (with their backslash continuations), keeping line numbers."""
    out, cont = [], False
    for line in text.split("\n"):
        directive = cont or line.lstrip().startswith("#")
        cont = directive and line.rstrip().endswith("\\")
        out.append("" if directive else line)
    return "\n".join(out)


IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def tokens(text):
    return set(IDENT.findall(text))


def top_level_items(code):
    """Splits C code into top-level items: (text, depth-0 text). An item ends at a ';' at depth
    0 or at the '}' closing a function body (a '{' not after '=')."""
    items, start, depth, flat, is_func = [], 0, 0, [], False
    i = 0
    while i < len(code):
        ch = code[i]
        if ch == "{":
            if depth == 0:
                is_func = not "".join(flat).rstrip().endswith("=")
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and is_func:
                items.append((code[start:i + 1], "".join(flat)))
                start, flat = i + 1, []
        elif ch == ";" and depth == 0:
            items.append((code[start:i + 1], "".join(flat)))
            start, flat = i + 1, []
        elif depth == 0:
            flat.append(ch)
        i += 1
    return items


# ---- the public API -----------------------------------------------------------------------------
def public_api():
    """{function: (header, user-facing names)} and the macros of every public header."""
    funcs, macros = {}, {}
    for h in files("include/ctorch/*.h"):
        # the extern "C" { } of C++ builds would read as one big function body
        text = re.sub(r"#ifdef __cplusplus.*?#endif", "", strip_c(read(h)), flags=re.S)
        for m in re.finditer(r"^\s*#\s*define\s+(\w+)((?:.*\\\n)*.*)", text, re.M):
            macros[m.group(1)] = tokens(m.group(2))
        for item, flat in top_level_items(strip_preprocessor(text)):
            if re.match(r"\s*typedef\b", item) or "(" not in flat:
                continue
            m = re.search(r"\b(ct_\w+)\s*\(", flat)
            if m and flat.rstrip().endswith(")"):
                funcs[m.group(1)] = h

    def expands_to(macro, seen=()):
        out = set()
        for t in macros[macro]:
            out.add(t)
            if t in macros and t not in seen:
                out |= expands_to(t, seen + (macro,))
        return out
    # ct_sum(t, ...) is how users call ct_sum_ex, CT_NO_GRAD { } calls ct_set_grad_enabled:
    # a public macro that expands to a function names it too.
    reached = {m: expands_to(m) for m in macros}
    return {f: (h, {f} | {m for m, r in reached.items() if f in r}) for f, h in funcs.items()}


# ---- places ----------------------------------------------------------------------------------
def preprocess(rel):
    """The file after the C preprocessor ($CC -E), so macro-made names (ct_##fn, "torch." n)
    are seen as the compiler sees them; adjacent string literals are joined."""
    cc = os.environ.get("CC", "cc")
    inc = [f"-I{os.path.join(ROOT, d)}" for d in ("include", "src", "tools/parity")]
    r = subprocess.run([cc, "-E", "-P", *inc, os.path.join(ROOT, rel)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{cc} -E {rel} failed:\n{r.stderr}")
    return re.sub(r'"\s+"', "", strip_preprocessor(r.stdout))


def defined_in_src():
    found = set()
    for p in files("src/**/*.c"):
        for item, flat in top_level_items(strip_c(preprocess(p))):
            m = re.search(r"\b(ct_\w+)\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*$", flat)
            if m and item.rstrip().endswith("}"):
                found.add(m.group(1))
    return found


def tokens_in(pattern, exclude=None):
    found = set()
    for p in files(pattern):
        if exclude and re.search(exclude, p):
            continue
        found |= tokens(strip_c(read(p)))
    return found


class _Anything:
    """Stands in for torch while specs.py runs: every attribute, call or operator is fine."""
    def __getattr__(self, name):
        return self

    def __call__(self, *a, **k):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __neg__ = __call__


def spec_names():
    """The PyTorch names that get a case: specs.py run with gen.fn / gen.module recording the
    names (specs build many in loops: "torch." + name) and torch stubbed (stdlib only)."""
    names, gen = set(), types.ModuleType("gen")
    gen.T = _Anything()
    gen.CALLABLES = {}
    gen.fn = lambda label, name, *a, **k: names.add(name)
    gen.module = lambda label, cls, *a, **k: names.add("nn." + cls)
    gen.optim = lambda label, cls, *a, **k: names.add("optim." + cls)
    # specs.py imports the specs_*.py files beside it (those import gen: the stub above)
    specs = [m for m in sys.modules if m.startswith("specs_")]
    saved = {m: sys.modules.get(m) for m in ["torch", "gen"] + specs}
    sys.modules.update(torch=_Anything(), gen=gen)
    sys.path.insert(0, os.path.join(ROOT, "tools/parity"))
    try:
        path = os.path.join(ROOT, "tools/parity/specs.py")
        exec(compile(read("tools/parity/specs.py"), path, "exec"), {"__name__": "specs"})
    finally:
        sys.path.remove(os.path.join(ROOT, "tools/parity"))
        for m in [m for m in sys.modules if m.startswith("specs_")]:
            saved.setdefault(m, None)
        for m, v in saved.items():
            if v is None:
                sys.modules.pop(m, None)
            else:
                sys.modules[m] = v
    return names


def parity_covered():
    """ct_ functions reached from a dispatch-table entry whose PyTorch name has a case: the
    entry's tokens, followed through the file's static functions and objects."""
    cases, found = spec_names(), set()
    for p in files("tools/parity/dispatch_*.c"):
        code = strip_c(preprocess(p), keep_strings=True)
        defs, tables = {}, []
        for item, flat in top_level_items(code):
            m = re.search(r"\b(\w+)\s*(\[\s*\])?\s*(=|\()", flat)
            if not m:
                continue
            if m.group(2) and "parity_handler" in flat:
                tables.append(item)
            else:
                defs[m.group(1)] = tokens(strip_c(item))

        def reach(toks):
            out, todo = set(), list(toks)
            while todo:
                t = todo.pop()
                if t not in out:
                    out.add(t)
                    todo.extend(defs.get(t, ()))
            return out
        for table in tables:
            body = table[table.index("{") + 1:table.rindex("}")]
            for entry in split_entries(body):
                name = re.search(r'"([^"]*)"', entry)
                if name and name.group(1) in cases:
                    found |= {t for t in reach(tokens(strip_c(entry))) if t.startswith("ct_")}
    return found


def split_entries(body):
    """The comma-separated entries of an initializer list (commas at nesting depth 0)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(body[start:i])
            start = i + 1
    out.append(body[start:])
    return [e for e in out if e.strip()]


class Place:
    def __init__(self, name, what, present, definition=False):
        self.name, self.what, self.present, self.definition = name, what, present, definition


PLACES = {p.name: p for p in [
    Place("src", "a definition in src/", defined_in_src, definition=True),
    Place("parity", "a parity case (tools/parity/specs.py + a dispatch_*.c table entry)", parity_covered),
    Place("unit", "a unit test in tests/unit/", lambda: tokens_in("tests/unit/test_*.c", r"test_robustness_")),
    Place("robustness", "the robustness sweep tests/unit/test_robustness_*.c",
          lambda: tokens_in("tests/unit/test_robustness_*.c")),
    Place("guide", "docs/pytorch-to-ctorch.md", lambda: tokens(read("docs/pytorch-to-ctorch.md"))),
]}
ALL = list(PLACES)

# Which places each public header's functions must appear in. nn / loss / optim headers are
# added here (a header missing from this table fails the check).
AREAS = {
    "include/ctorch/core.h": ALL,
    "include/ctorch/tensor_ops.h": ALL,
    "include/ctorch/linalg.h": ALL,
    "include/ctorch/functional.h": ALL,
    "include/ctorch/nn_init.h": ALL,
    "include/ctorch/autograd.h": ALL,
    "include/ctorch/io.h": ALL,
    # the Module system: modules are checked against PyTorch by the module parity cases
    # (kind "module", built through the registry), not by a dispatch entry per function
    "include/ctorch/nn.h": ["src", "unit", "robustness", "guide"],
    # torch.utils.data: orders and splits are compared with PyTorch's in the unit tests
    # (test_data.c, the same seeds); no tensor op to replay as a parity case
    "include/ctorch/data.h": ["src", "unit", "robustness", "guide"],
    # optimizers are checked against PyTorch by the "optimizer" parity cases (built by class
    # name), not by a dispatch entry per function
    "include/ctorch/optim.h": ["src", "unit", "robustness", "guide"],
    # schedulers likewise: the "optimizer" parity cases with a "scheduler" and its "lrs"
    "include/ctorch/lr_scheduler.h": ["src", "unit", "robustness", "guide"],
    # torch.load: file readers, no tensor op to replay; the hostile files (evil pickles,
    # truncations, byte flips) live in test_pth.c itself
    "include/ctorch/pth.h": ["src", "unit", "guide"],
    # the sparse COO layout: checked against PyTorch through the sparse gradients of the
    # Embedding / EmbeddingBag / optimizer parity cases (compared dense), and in test_sparse.c
    "include/ctorch/sparse.h": ["src", "unit", "robustness", "guide"],
}


def read_exemptions(api, errors):
    """Blocks of `== place[,place...]: reason` followed by the functions it applies to."""
    ex, places = {}, None
    for n, line in enumerate(read(EXEMPT_FILE).split("\n"), 1):
        line, where = line.strip(), f"{EXEMPT_FILE}:{n}"
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"==\s*([\w,]+)\s*:\s*(\S.*)", line)
        if m:
            places = m.group(1).split(",")
            for pl in places:
                if pl not in PLACES:
                    errors.append(f"{where}: unknown place '{pl}' (one of {', '.join(PLACES)})")
            continue
        if line.startswith("=="):
            errors.append(f"{where}: want `== place[,place...]: reason`")
            continue
        if places is None:
            errors.append(f"{where}: functions before the first `== place: reason` line")
            continue
        for fn in line.split():
            if fn not in api:
                errors.append(f"{where}: stale exemption: {fn} is not a public function")
                continue
            for pl in places:
                if (fn, pl) in ex:
                    errors.append(f"{where}: {fn} {pl} is exempted twice")
                elif pl in PLACES:
                    ex[(fn, pl)] = where
    return ex


def main():
    api, errors = public_api(), []
    for h in sorted({h for h, _ in api.values()} - set(AREAS)):
        errors.append(f"{h}: public header without an entry in AREAS (tools/check_op_list.py)")
    present = {name: place.present() for name, place in PLACES.items()}
    ex = read_exemptions(api, errors)
    for fn, (h, names) in sorted(api.items()):
        for pl in AREAS.get(h, []):
            place = PLACES[pl]
            ok = fn in present[pl] if place.definition else bool(names & present[pl])
            if not ok and (fn, pl) not in ex:
                errors.append(f"{h}: {fn} is missing from {place.what}")
            elif ok and (fn, pl) in ex:
                errors.append(f"{ex[(fn, pl)]}: stale exemption: {fn} is in {place.what} now")
    for (fn, pl), where in sorted(ex.items()):
        if pl not in AREAS.get(api[fn][0], []):
            errors.append(f"{where}: stale exemption: {pl} does not apply to {api[fn][0]}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"op list: {len(api)} public functions, {len(ex)} exemptions, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
