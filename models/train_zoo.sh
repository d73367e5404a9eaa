#!/bin/sh
# Train the zoo one network after another (so the 2 cores are never idle) and
# export each to models/<name>.safetensors (+ <name>.json summary, logs/<name>.log).
# On this shared 2-core CPU the speed is unknown in advance, so each run gets a
# wall-clock budget (train.py --budget-min: the one-cycle runs over elapsed time).
# Override with R20_MIN, P20_MIN, R56_MIN (0 skips a model).  Rerunning resumes
# from models/checkpoints/<name>.  Needs python3-torch for /usr/bin/python3.
set -e
cd "$(dirname "$0")"
: "${UNRAVEL_DATA:=../../shared/cifar10/cifar-10-binary.tar.gz}"
export UNRAVEL_DATA
PY=/usr/bin/python3
train() {  # name minutes [extra flags]
    name=$1; minutes=$2; shift 2
    if [ "$minutes" = 0 ]; then echo "$name: skipped"; return; fi
    if [ -f "$name.safetensors" ]; then echo "$name: already exported"; return; fi
    echo "$name: start $(date -u +%H:%M), budget $minutes min"
    $PY train.py --arch "$name" --epochs 200 --budget-min "$minutes" --out "$name.safetensors" \
        --eval-every 4 "$@" > "logs/$name.log" 2>&1
    echo "$name: done $(date -u +%H:%M)"
}
mkdir -p logs
train resnet20 "${R20_MIN:-55}"
train plain20 "${P20_MIN:-52}"
train resnet56 "${R56_MIN:-0}"
