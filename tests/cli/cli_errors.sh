#!/bin/sh
# The ctorch command line on bad input: each mistake gives a clear message (naming the file,
# layer or option, saying what to type instead), a non-zero exit, no crash and no partial
# checkpoint. Runs on tiny generated fixtures, so it needs no installed dataset.
# usage: cli_errors.sh BUILD_DIR SOURCE_DIR
B=$(cd "$1" && pwd); S=$(cd "$2" && pwd); C=$B/ctorch; M=$S/models
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
python3 "$S/tests/cli/make_fixtures.py" "$T" || exit 1
cd "$T" || exit 1
. "$S/tests/cli/expect.sh"
D="--data idx --threads 1"

expect 2 "usage: ctorch COMMAND" $C
expect 2 "did you mean 'ctorch train'" $C trian
for cmd in train eval predict summary; do expect 0 "usage: ctorch $cmd" $C $cmd --help; done
expect 2 "did you mean '--lr'" $C train --learning-rate 1
expect 2 "did you mean '--epochs'" $C train --epocs 1
expect 2 "--lr expects a number, got 'abc'" $C train --lr abc
expect 2 "--epochs needs a value" $C train --epochs
expect 1 "no model given; type --model" $C train --out o
expect 1 "no output folder given; type --out" $C train --model $M/fashion_mlp.json

# models: unknown layer, wrong keyword, broken JSON, a missing file
echo '{"type":"Sequential","modules":[{"type":"Flatten"},{"type":"Linearr","args":[784,10]}]}' >bad_layer.json
echo '{"type":"Sequential","modules":[{"type":"Flatten"},{"type":"Linear","args":[784,10],"kwargs":{"bais":false}}]}' >bad_kw.json
echo '{"type":"Sequential","modules":[{"type":"Flatten"}' >bad_syntax.json
echo '{"type":"Sequential","modules":[{"type":"BasicBlock","args":[1,4],"kwargs":{"strid":2}}]}' >bad_block.json
expect 1 "model.1: unknown layer 'Linearr'" $C train --model bad_layer.json $D --out o
expect 1 "model.1 (Linear): Linear.__init__() got an unexpected keyword argument 'bais'" $C train --model bad_kw.json $D --out o
expect 1 "bad_syntax.json: nn JSON" $C summary bad_syntax.json
expect 1 "unexpected keyword argument 'strid'" $C summary bad_block.json
expect 1 "nope.json" $C summary nope.json
expect 1 "does not run on one input of size 3,32,32" $C summary $M/fashion_mlp.json --input-size 3,32,32

# datasets: missing, partial, truncated, wrong magic, not supported yet
expect 1 "--data /nonexistent: no such dataset or folder" $C train --model $M/fashion_mlp.json --data /nonexistent --out o
mkdir part && cp idx/train-* part/
expect 1 "part/t10k-images-idx3-ubyte" $C train --model $M/fashion_mlp.json --data part --out o
mkdir trunc && cp idx/* trunc/ && gunzip trunc/t10k-images-idx3-ubyte.gz && head -c 1000 trunc/t10k-images-idx3-ubyte >x && mv x trunc/t10k-images-idx3-ubyte
expect 1 "trunc/t10k-images-idx3-ubyte: truncated" $C train --model $M/fashion_mlp.json --data trunc --out o
mkdir magic && cp idx/* magic/ && printf 'garbage!' >magic/train-labels-idx1-ubyte && rm magic/train-labels-idx1-ubyte.gz
expect 1 "magic/train-labels-idx1-ubyte" $C train --model $M/fashion_mlp.json --data magic --out o
printf 'label,a,b\n1,2,3\n0,4\n' >ragged.csv
expect 1 "ragged.csv: line 3 has 2 fields, expected 3" $C train --model $M/fashion_mlp.json --data ragged.csv --out o
printf '1,2,3\n0,x,5\n' >word.csv
expect 1 "word.csv: line 2, field 2: 'x' is not a number" $C train --model $M/fashion_mlp.json --data word.csv --out o
printf '1,2,3\n-1,4,5\n' >neg.csv
expect 1 "label -1 in column 0 is negative" $C train --model $M/fashion_mlp.json --data neg.csv --out o
expect 1 "--header maybe: type --header auto, yes or no" $C train --model $M/fashion_mlp.json --data rows.csv --header maybe --out o
mkdir -p imgs/cat
expect 1 "Found no valid file for the classes cat" $C train --model $M/fashion_mlp.json --data imgs --out o
expect 1 "--normalize 0.5: type a mean and a std" $C train --model $M/fashion_mlp.json --data folder --normalize 0.5 --out o
expect 1 "--channels 2: type --channels 3" $C train --model $M/fashion_mlp.json --data folder --channels 2 --out o
expect 1 "unknown scheduler 'stepp'" $C train --model $M/fashion_mlp.json $D --scheduler stepp --out o
expect 1 "'gamma' is not KEY=VALUE" $C train --model $M/fashion_mlp.json $D --scheduler step --scheduler-args gamma --out o
expect 1 "unexpected keyword argument 'foo'" $C train --model $M/fashion_mlp.json $D --scheduler step --scheduler-args step_size=1,foo=2 --out o
expect 1 "--scheduler-args without --scheduler" $C train --model $M/fashion_mlp.json $D --scheduler-args step_size=1 --out o

# an output folder that cannot be written
touch afile
expect 1 "cannot write to the output folder 'afile/run'" $C train --model $M/fashion_mlp.json $D --out afile/run
expect 1 "unknown optimizer 'adma'" $C train --model $M/fashion_mlp.json $D --optim adma --out o

# a good run, then a checkpoint given to another model
expect 0 "test accuracy" $C train --model $M/fashion_mlp.json $D --optim sgd --lr 0.01 --epochs 1 --out run
expect 1 "do not fit the model" $C eval --model $M/fashion_cnn.json --weights run/model.safetensors --data idx
expect 1 "do not fit the model" $C predict --model $M/fashion_cnn.json --weights run/model.safetensors --input three.png
expect 1 "cannot change with --resume" $C train --resume run --lr 1
cp -r run other && cp $M/fashion_cnn.json other/model.json
expect 1 "the weights in other/model.safetensors do not fit the model other/model.json" $C train --resume other --epochs 2
expect 1 "--resume nowhere: cannot read" $C train --resume nowhere

# NaN loss: stops with the step and the last good checkpoint, which stays as it was
cp run/model.safetensors good.safetensors
# the learning rate raised to 1e30 in the optimizer checkpoint (same length: the header stays valid)
LC_ALL=C sed 's/\\"lr\\": 0.01,/\\"lr\\": 1e30,/' run/optim.safetensors >o.st && mv o.st run/optim.safetensors
grep -q '1e30' run/optim.safetensors || { echo "FAIL: could not raise the lr"; fails=$((fails + 1)); }
expect 1 "at step 7 (epoch 2, batch 2)" $C train --resume run --epochs 2
grep -qF "last good checkpoint is run/model.safetensors (epoch 1)" out.txt || { echo "FAIL: NaN message: $(cat out.txt)"; fails=$((fails + 1)); }
cmp -s good.safetensors run/model.safetensors || { echo "FAIL: the checkpoint changed after NaN"; fails=$((fails + 1)); }
ls run | grep -q tmp && { echo "FAIL: a temporary checkpoint was left: $(ls run)"; fails=$((fails + 1)); }
expect 1 "stopped before the first checkpoint (none was written)" $C train --model $M/fashion_mlp.json $D --optim sgd --lr 1e30 --out nan2
[ -e nan2/model.safetensors ] && { echo "FAIL: a checkpoint after NaN"; fails=$((fails + 1)); }

# predict: bad inputs
expect 1 "has no row 5" $C predict --model $M/fashion_mlp.json --weights good.safetensors --input rows.csv --index 5
expect 1 "--index 1000 is out of range" $C predict --model $M/fashion_mlp.json --weights good.safetensors --input idx/t10k-images-idx3-ubyte.gz --index 1000
expect 1 "cannot read the image missing.png" $C predict --model $M/fashion_mlp.json --weights good.safetensors --input missing.png

[ $fails -eq 0 ] && echo "all CLI error checks passed"
exit $fails
