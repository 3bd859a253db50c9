#!/bin/sh
# Run each example beside its PyTorch twin and diff their outputs.
# Usage: examples/pytorch/compare.sh [build-dir] [python]   (needs python3 with torch, numpy)
build=${1:-build}
py=${2:-/usr/bin/python3}
dir=$(dirname "$0")
# ctest's examples_vs_pytorch: 77 = skipped when there is no torch to compare with
"$py" -c "import torch" 2>/dev/null || { echo "skip: $py cannot import torch"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for twin in "$dir"/example_*.py; do
  name=$(basename "$twin" .py)
  if [ ! -x "$build/$name" ]; then echo "skip  $name (not built)"; continue; fi
  if "$py" "$twin" >"$tmp/$name.py.out" 2>&1 && "$build/$name" >"$tmp/$name.c.out" 2>&1 &&
     diff -u "$tmp/$name.py.out" "$tmp/$name.c.out"; then
    echo "same  $name"
  else
    echo "DIFF  $name"; status=1
  fi
done
exit $status
