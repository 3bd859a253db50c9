#!/usr/bin/env bash
# Run the C benchmarks, then the same workloads in PyTorch (when /usr/bin/python3 can import
# torch and ../shared/bench is there), and print one table of the two sides.
#   usage: bench/run.sh BUILD_DIR          (what `make bench` calls)
#   env:   PY (python, default /usr/bin/python3), CT_TORCH_BENCH_DIR (the PyTorch scripts,
#          default <repo>/../shared/bench)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
py=${PY:-/usr/bin/python3}
torch_dir=${CT_TORCH_BENCH_DIR:-$root/../shared/bench}
[ -d "$torch_dir" ] && torch_dir=$(cd "$torch_dir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/ctorch.txt"
: >"$tmp/torch.txt"
status=0

benches=$(ls "$build"/bench_* 2>/dev/null)
if [ -z "$benches" ]; then
  echo "run.sh: no bench_* executables in $build (build it first: make build)" >&2
  exit 1
fi
echo "== ctorch ($build)"
for b in $benches; do
  [ -x "$b" ] || continue
  "$b" >"$tmp/out.txt" || { echo "run.sh: $b failed" >&2; status=1; }
  cat "$tmp/out.txt" | tee -a "$tmp/ctorch.txt"
done

torch_note=""
if [ ! -f "$torch_dir/torch_overhead.py" ] || [ ! -f "$torch_dir/torch_ref.py" ]; then
  torch_note="PyTorch column skipped: scripts not found in $torch_dir"
elif ! "$py" -c "import torch" 2>/dev/null; then
  torch_note="PyTorch column skipped: $py cannot import torch (apt-get install python3-torch)"
else
  echo "== PyTorch ($torch_dir)"
  "$py" "$torch_dir/torch_overhead.py" | tee -a "$tmp/torch.txt"
  "$py" "$torch_dir/torch_ref.py" 2 sgemm | tee -a "$tmp/torch.txt"
  "$py" "$root/bench/torch_ops.py" | tee -a "$tmp/torch.txt"   # bench/ops.c's twin (ours)
  for twin in torch_pool torch_norm torch_linear torch_resample; do  # bench/pool.c's, norm.c's, linear.c's, resample.c's
    "$py" "$root/bench/$twin.py" | tee -a "$tmp/torch.txt"
  done
  "$py" "$torch_dir/torch_ref.py" 2 conv | tee -a "$tmp/torch.txt"   # bench/conv.c's workloads
  "$py" "$torch_dir/torch_ref.py" 2 basic-cnn resnet18 | tee -a "$tmp/torch.txt"   # bench/cnn.c's
  "$py" "$torch_dir/torch_ref.py" 2 loss-bce | tee -a "$tmp/torch.txt"   # bench/loss_bce.c's
  [ -f "$torch_dir/torch_fashion.py" ] && for k in cnn mlp; do "$py" "$root/bench/torch_fashion.py" "$torch_dir/torch_fashion.py" $k 1 2 | tee -a "$tmp/torch.txt"; done   # bench/fashion.c's
fi

# Timing lines read "<name> <value> us|ms|ms/step [rest]"; rows pair up by name.
echo
awk -v note="$torch_note" '
  function parse(line, side,    n, f, i, name) {
    n = split(line, f, " ")
    for (i = 2; i < n; i++)
      if (f[i] ~ /^[0-9.]+$/ && (f[i + 1] == "us" || f[i + 1] ~ /^ms(\/step)?$/)) {
        name = f[1]
        for (k = 2; k < i; k++) name = name " " f[k]
        if (!(name in seen)) { seen[name] = 1; order[++rows] = name }
        val[side, name] = f[i] * (f[i + 1] == "us" ? 1 : 1000)
        txt[side, name] = f[i] " " f[i + 1]
        return
      }
  }
  { parse($0, FILENAME == ARGV[1] ? 1 : 2) }
  END {
    fmt = "%-28s | %12s | %12s | %s\n"
    printf fmt, "workload", "ctorch", "PyTorch", "ratio (PyTorch time / ctorch time; >1: ctorch faster)"
    printf "%s\n", "-----------------------------+--------------+--------------+------"
    for (r = 1; r <= rows; r++) {
      nm = order[r]
      c = ((1, nm) in txt) ? txt[1, nm] : "n/a"
      t = ((2, nm) in txt) ? txt[2, nm] : "-"
      ratio = ((1, nm) in val) && ((2, nm) in val) && val[1, nm] > 0 ? sprintf("%.2f", val[2, nm] / val[1, nm]) : "-"
      printf fmt, nm, c, t, ratio
    }
    if (note != "") print note
  }' "$tmp/ctorch.txt" "$tmp/torch.txt"
exit $status
