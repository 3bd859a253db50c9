#!/bin/sh
# Run each example beside its PyTorch twin and diff their outputs.
# Usage: examples/pytorch/compare.sh [build-dir] [python]   (needs python3 with torch, numpy)
build=${1:-build}
py=${2:-/usr/bin/python3}
dir=$(dirname "$0")
status=0
for twin in "$dir"/example_*.py; do
  name=$(basename "$twin" .py)
  if [ ! -x "$build/$name" ]; then echo "skip  $name (not built)"; continue; fi
  if "$py" "$twin" >"/tmp/ctorch_$name.py.out" 2>&1 && "$build/$name" >"/tmp/ctorch_$name.c.out" 2>&1 &&
     diff -u "/tmp/ctorch_$name.py.out" "/tmp/ctorch_$name.c.out"; then
    echo "same  $name"
  else
    echo "DIFF  $name"; status=1
  fi
  rm -f "/tmp/ctorch_$name.py.out" "/tmp/ctorch_$name.c.out"
done
exit $status
