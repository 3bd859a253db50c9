#!/bin/sh
# ctorch trains for real: a small MLP on a Fashion-MNIST subset for a few seconds; the loss
# falls and the test accuracy beats chance (10%) by a wide margin. Then --resume: one epoch +
# one resumed epoch of the CNN (dropout, shuffling) equal two straight epochs bit for bit; the
# reports are written and predict classifies. Skipped (77) without dataset-fashion-mnist.
# usage: cli_train.sh BUILD_DIR SOURCE_DIR
B=$(cd "$1" && pwd); S=$(cd "$2" && pwd); C=$B/ctorch; M=$S/models
[ -d /usr/share/datasets/fashion-mnist ] || { echo "dataset-fashion-mnist is not installed: skipped"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 "$S/tests/cli/make_fixtures.py" "$T" || exit 1
cd "$T" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

$C train --model $M/fashion_mlp.json --data fashion-mnist --epochs 2 --subset 2000 --test-subset 1000 \
  --threads 2 --seed 1 --out mlp >mlp.log 2>&1 || { cat mlp.log; fail "training exited with an error"; }
cat mlp.log
grep -q "^epoch 2/2: train loss .*test accuracy [0-9.]*%" mlp.log || fail "no epoch line with the accuracy"
# metrics.csv: epoch,train_loss,test_loss,test_accuracy,seconds
awk -F, 'NR == 2 {l1 = $2} NR == 3 {l2 = $2; a2 = $4}
         END {if (!(l2 < l1)) {print "loss did not fall: " l1 " -> " l2; exit 1}
              if (!(a2 > 0.6)) {print "accuracy " a2 " is not far above chance"; exit 1}
              print "loss " l1 " -> " l2 ", test accuracy " a2}' mlp/metrics.csv || fail "learning"
python3 "$S/tests/check_png.py" mlp/curves.png 800 300 || fail "curves.png"
[ "$(wc -l <mlp/confusion.csv)" -eq 11 ] || fail "confusion.csv"
ls mlp | grep -q tmp && fail "temporary files left: $(ls mlp)"

# predict: a PNG, a CSV row (with its label column), an IDX row
P="$C predict --model $M/fashion_mlp.json --weights mlp/model.safetensors"
$P --input three.png | grep -q "^class [0-9]" || fail "predict PNG"
$P --input rows.csv --index 1 | grep -q "label in the file: 2" || fail "predict CSV"
$P --input /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --index 0 | grep -q "^class" || fail "predict IDX"
$C eval --model $M/fashion_mlp.json --weights mlp/model.safetensors --subset 1000 | grep -q "accuracy" || fail "eval"

# resume: 2 epochs straight == 1 epoch + 1 resumed, bit for bit (model and optimizer state)
R="--model $M/fashion_cnn.json --data fashion-mnist --subset 256 --test-subset 100 --threads 2 --seed 5"
$C train $R --epochs 2 --out straight >/dev/null || fail "straight run"
$C train $R --epochs 1 --out resumed >/dev/null || fail "first half"
$C train --resume resumed --epochs 2 >/dev/null || fail "resumed half"
cmp straight/model.safetensors resumed/model.safetensors || fail "resumed model differs"
cmp straight/optim.safetensors resumed/optim.safetensors || fail "resumed optimizer differs"
cut -d, -f1-4 straight/metrics.csv >a; cut -d, -f1-4 resumed/metrics.csv >b
cmp a b || fail "resumed metrics differ"
echo "resume is bit-exact"
