#!/bin/sh
# ctorch inspect / convert, and PyTorch's .pth weights in train --init-from and eval --weights,
# on the files PyTorch 1.13 wrote into tests/fixtures/pth (tools/gen_pth_fixtures.py).
# usage: cli_files.sh BUILD_DIR SOURCE_DIR
B=$(cd "$1" && pwd); S=$(cd "$2" && pwd); C=$B/ctorch; F=$S/tests/fixtures/pth
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
. "$S/tests/cli/expect.sh"
same() { cmp -s "$1" "$2" || { echo "FAIL: $1 and $2 differ"; fails=$((fails + 1)); }; }

for cmd in inspect convert; do expect 0 "usage: ctorch $cmd" $C $cmd --help; done
# inspect: the checkpoint tree, tensors with dtype, shape and size, both formats
expect 0 "torch.save file (zip format)" $C inspect $F/sgd_checkpoint.pth
expect 0 "        momentum_buffer                  torch.float32 [2, 3]             24 B" $C inspect $F/sgd_checkpoint.pth
expect 0 "  epoch                                  7" $C inspect $F/sgd_checkpoint.pth
expect 0 "        lr                               0.5" $C inspect $F/sgd_checkpoint.pth
expect 0 "4 tensors, 64 B" $C inspect $F/sgd_checkpoint.pth
expect 0 "torch.save file (legacy format)" $C inspect $F/legacy_views.pth
expect 0 "layer4.1.bn2.running_var" $C inspect $F/resnet18_w2.pth
expect 1 "zip bomb" $C inspect $F/bomb.pth
expect 1 "unknown file type" $C inspect $F/MANIFEST
expect 1 "no file given" $C inspect
# a checkpoint to safetensors: tensors under dotted paths, the other leaves in the metadata
expect 0 "wrote ck.safetensors: 4 tensors, 12 metadata entries" $C convert $F/sgd_checkpoint.pth ck.safetensors
expect 0 "optimizer.state.0.momentum_buffer        torch.float32 [2, 3]" $C inspect ck.safetensors
expect 0 "  optimizer.param_groups.0.lr            0.5" $C inspect ck.safetensors
expect 0 "  epoch                                  7" $C inspect ck.safetensors
# the same tensors through .npz and back, byte for byte (views and every dtype too)
for f in mlp legacy_views resnet18_w2 lstm; do
  $C convert $F/$f.pth $f.safetensors >/dev/null && $C convert $f.safetensors $f.npz >/dev/null &&
    $C convert $f.npz $f.2.safetensors >/dev/null || { echo "FAIL: converting $f"; fails=$((fails + 1)); }
  same $f.safetensors $f.2.safetensors
done
expect 0 "holds no metadata; 12 non-tensor values of $F/sgd_checkpoint.pth dropped" $C convert $F/sgd_checkpoint.pth ck.npz
# one tensor: .npy, named `tensor` elsewhere
python3 -c "import struct,sys; h=b\"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\"; h+=b' '*(63-len(h)%64 if (10+len(h))%64 else 0); h+=b'\n'; h=h+b' '*((64-(10+len(h))%64)%64); sys.stdout.buffer.write(b'\x93NUMPY\x01\x00'+struct.pack('<H',len(h))+h+struct.pack('<2f',1.5,-2))" >x.npy
expect 0 "wrote x.safetensors: 1 tensor" $C convert x.npy x.safetensors
expect 0 "tensor                                   torch.float32 [2]" $C inspect x.safetensors
$C convert x.safetensors x2.npy >/dev/null && $C convert x2.npy x2.safetensors >/dev/null; same x.safetensors x2.safetensors
expect 1 "holds 6 tensors and an .npy holds one" $C convert $F/mlp.pth m.npy
# to .pth: a tensor file becomes a state_dict, a .pth keeps its tree; both read back the same
expect 0 "wrote x.pth: 1 tensor" $C convert x.npy x.pth
$C convert x.pth x3.safetensors >/dev/null; same x.safetensors x3.safetensors
expect 0 "wrote ck.pth: the object tree of $F/sgd_checkpoint.pth" $C convert $F/sgd_checkpoint.pth ck.pth
expect 0 "  epoch                                  7" $C inspect ck.pth
$C convert ck.pth ck2.safetensors >/dev/null; same ck.safetensors ck2.safetensors
for f in legacy_views resnet18_w2; do
  $C convert $f.safetensors $f.pth >/dev/null && $C convert $f.pth $f.3.safetensors >/dev/null ||
    { echo "FAIL: $f through .pth"; fails=$((fails + 1)); }
  same $f.safetensors $f.3.safetensors
done
expect 1 "unknown file type" $C convert x.npy x.txt
expect 1 "Unsupported class __builtin__.eval" $C convert $F/legacy_evil.pth e.safetensors
# values: numpy reads what convert wrote (where numpy is installed)
if python3 -c "import numpy" 2>/dev/null; then
  python3 -c "
import numpy as np
z = np.load('mlp.npz')
r = ((np.arange(12 * 16) * 7 % 11 - 5) * 0.25).reshape(12, 16).astype(np.float32)
assert list(z.keys())[:2] == ['1.weight', '1.bias'], list(z.keys())
assert (z['1.weight'] == r).all() and (z['5.bias'] == r.reshape(-1)[:10] + 5).all()
v = np.load('legacy_views.npz')
assert (v['t'] == v['base'].T).all() and (v['col'] == v['base'][:, 2]).all() and v['torch.bool'].dtype == bool
" || { echo "FAIL: numpy disagrees"; fails=$((fails + 1)); }
fi
# PyTorch's weights for a ctorch model: eval --weights, train --init-from
echo '{"type":"Sequential","modules":[{"type":"Flatten"},{"type":"Linear","args":[16,12]},{"type":"ReLU"},
 {"type":"Linear","args":[12,12]},{"type":"ReLU"},{"type":"Linear","args":[12,10]}]}' >mlp.json
awk 'BEGIN { for (i = 0; i < 60; i++) { printf "%d", i % 10; for (j = 0; j < 16; j++) printf ",%g", (i * 7 + j) % 5; print "" } }' >d.csv
expect 0 "accuracy" $C eval --model mlp.json --weights $F/mlp.pth --data d.csv --threads 1
expect 0 "initial weights from $F/mlp.pth" $C train --model mlp.json --data d.csv --epochs 1 --init-from $F/mlp.pth \
  --optim sgd --lr 1e-300 --threads 1 --out run
# an SGD step of lr 1e-300 (0 in float32) leaves the loaded weights as they were
$C convert run/model.safetensors run.npz >/dev/null && $C convert run.npz run.safetensors >/dev/null
same run.safetensors mlp.2.safetensors
expect 1 "do not fit the model" $C train --model mlp.json --data d.csv --epochs 1 --init-from $F/lstm.pth --out run2
expect 1 "do not fit the model" $C train --model mlp.json --data d.csv --epochs 1 --init-from $F/legacy_half.pth --out run3
expect 1 "--init-from cannot change with --resume" $C train --resume run --init-from $F/mlp.pth
# a checkpoint's 'model' entry (Linear(3, 2) in sgd_checkpoint.pth)
echo '{"type":"Sequential","modules":[{"type":"Linear","args":[3,2]}]}' >lin.json
awk 'BEGIN { for (i = 0; i < 20; i++) printf "%d,%d,%d,%d\n", i % 2, i % 3, i % 5, i % 7 }' >d3.csv
expect 1 "Missing key(s) in state_dict: \"0.weight\"" $C train --model lin.json --data d3.csv --epochs 1 --init-from $F/sgd_checkpoint.pth --out run4
echo '{"type":"Linear","args":[3,2]}' >lin1.json
expect 0 "initial weights from $F/sgd_checkpoint.pth" $C train --model lin1.json --data d3.csv --epochs 1 --init-from $F/sgd_checkpoint.pth --threads 1 --out run5
[ $fails -eq 0 ] && echo "cli_files: all passed"
exit $fails
