#!/bin/sh
# Files ctorch's torch.save writes (test_pth_write with CT_PTH_WRITE_DIR), torch.load'ed by
# PyTorch: check_torch_load.py. Skipped (77) where python3 has no torch (CI).
/usr/bin/python3 -c "import torch" 2>/dev/null || exit 77
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
CT_PTH_WRITE_DIR="$d" "$1" >"$d/test.log" 2>&1 || { cat "$d/test.log"; exit 1; }
/usr/bin/python3 "$(dirname "$0")/check_torch_load.py" "$d"
