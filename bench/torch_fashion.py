# bench/fashion.c's twin: runs the shared PyTorch script unchanged (../shared/bench/torch_fashion.py)
# and adds the two lines bench/fashion.c prints: "fashion KIND b64 epoch N <ms> ms" (one epoch's
# training time, the line bench/run.sh pairs) and "fashion KIND peak RSS <MB> MB" (getrusage).
#   usage: torch_fashion.py SCRIPT [cnn|mlp [epochs [threads]]]   (the script's own arguments)
import re, resource, runpy, sys

class Tee:
    def __init__(self, out):
        self.out, self.buf, self.prev = out, "", 0.0
    def write(self, s):
        self.out.write(s)
        self.buf += s
        while "\n" in self.buf:
            line, self.buf = self.buf.split("\n", 1)
            m = re.match(r"(\w+) epoch (\d+): train ([0-9.]+)s", line)
            if m:  # the script's train time counts from the start: one epoch's is the difference
                t = float(m.group(3))
                self.out.write(f"fashion {m.group(1)} b64 epoch {m.group(2)} {(t - self.prev) * 1e3:12.1f} ms\n")
                self.prev = t
    def flush(self):
        self.out.flush()

script = sys.argv[1]
sys.argv = sys.argv[1:]
real, sys.stdout = sys.stdout, Tee(sys.stdout)
try:
    runpy.run_path(script, run_name="__main__")
finally:
    sys.stdout = real
kind = sys.argv[1] if len(sys.argv) > 1 else "cnn"
print(f"fashion {kind} peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB", flush=True)
