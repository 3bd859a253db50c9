#!/bin/sh
# ctorch train on a CSV file and on an image folder (tiny fixtures, no installed dataset):
# both learn; --augment and --normalize run; a learning-rate scheduler changes the lr and a run
# resumed with one (per epoch: StepLR; per batch: OneCycleLR) equals the straight run bit for
# bit; --clip-grad goes through clip_grad_norm_.
# usage: cli_data.sh BUILD_DIR SOURCE_DIR
B=$(cd "$1" && pwd); S=$(cd "$2" && pwd); C=$B/ctorch
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 "$S/tests/cli/make_fixtures.py" "$T" || exit 1
cd "$T" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
# learned FOLDER: the last epoch's test accuracy is above MIN (a fraction)
learned() {
  awk -F, -v min="$2" 'END {if (!($4 > min)) {print "accuracy " $4 " <= " min; exit 1}; print "test accuracy " $4}' \
    "$1/metrics.csv" || fail "$1 did not learn"
}

# CSV: header detected, label in the last column, 20% held out for testing
$C train --model csv_mlp.json --data feats.csv --label-column -1 --epochs 8 --batch-size 16 --lr 0.01 \
  --threads 1 --out csv >csv.log 2>&1 || { cat csv.log; fail "CSV training"; }
grep -q ": 160 samples, test 40," csv.log || { cat csv.log; fail "CSV split"; }
learned csv 0.9
# the same split for eval
$C eval --model csv_mlp.json --weights csv/model.safetensors --data feats.csv --label-column -1 --threads 1 |
  grep -q "test set: 40 samples" || fail "CSV eval"

# 25 classes: more than fit a printed table; confusion.csv holds all 25 rows
$C train --model many_mlp.json --data many.csv --label-column -1 --header no --epochs 2 --batch-size 16 \
  --threads 1 --out many >many.log 2>&1 || { cat many.log; fail "25-class training"; }
grep -q "25 classes, too many to print" many.log || { cat many.log; fail "25-class confusion line"; }
[ "$(wc -l <many/confusion.csv)" -ge 25 ] || fail "confusion.csv lacks the 25 classes"

# image folder: grayscale, normalized, augmented with padded crops and flips
$C train --model img_mlp.json --data folder --channels 1 --normalize 0.5,0.25 --augment --padding 1 --epochs 10 \
  --batch-size 8 --lr 0.01 --threads 1 --out img >img.log 2>&1 || { cat img.log; fail "image folder training"; }
grep -q ": 48 samples, test 12," img.log || { cat img.log; fail "image folder split"; }
learned img 0.6
grep -q "ants" img.log || fail "class names"

# scheduler + resume, bit for bit: per epoch (StepLR) and per batch (OneCycleLR), with clipping
# (OneCycleLR's total_steps defaults to the whole run's batches, so the interrupted run names it)
for sc in "step --scheduler-args step_size=1,gamma=0.5" "onecycle --scheduler-args total_steps=18"; do
  R="--model img_mlp.json --data folder --channels 1 --augment --batch-size 8 --threads 1 --seed 3 --clip-grad 0.5"
  # shellcheck disable=SC2086
  $C train $R --scheduler $sc --epochs 3 --out straight >/dev/null || fail "straight run ($sc)"
  # shellcheck disable=SC2086
  $C train $R --scheduler $sc --epochs 2 --out resumed >/dev/null || fail "first part ($sc)"
  $C train --resume resumed --epochs 3 >/dev/null || fail "resumed part ($sc)"
  for f in model optim scheduler; do
    cmp straight/$f.safetensors resumed/$f.safetensors || fail "resumed $f differs ($sc)"
  done
  cut -d, -f1-4 straight/metrics.csv >a; cut -d, -f1-4 resumed/metrics.csv >b
  cmp a b || fail "resumed metrics differ ($sc)"
  # the schedule changed the run: without it the weights differ
  # shellcheck disable=SC2086
  $C train $R --epochs 3 --out plain >/dev/null || fail "run without a scheduler"
  cmp -s plain/model.safetensors straight/model.safetensors && fail "--scheduler $sc changed nothing"
  rm -rf straight resumed plain
done
echo "CSV and image folder train; scheduler resume is bit-exact"
