#!/bin/sh
# Train the zoo one network after another (so the 2 cores are never idle) and
# export each to models/<name>.safetensors (+ <name>.json summary, logs/<name>.log).
# On this shared 2-core CPU the speed is unknown in advance, so each run gets a
# wall-clock budget (train.py --budget-min: the one-cycle runs over elapsed time).
# Override with R20_MIN, P20_MIN, R56_MIN, R110_MIN, SD56_MIN (0 skips a model); the
# defaults fit one 180-minute session on the 2-core AMX Xeon here (bf16 autocast:
# 40 / 98 / ~200 s per epoch for ResNet-20 / 56 / 110).  Rerunning resumes from
# models/checkpoints/<name>.  Needs python3-torch for /usr/bin/python3.
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
train resnet20 "${R20_MIN:-18}"
train plain20 "${P20_MIN:-12}"
train resnet56 "${R56_MIN:-32}"
train resnet110 "${R110_MIN:-48}" --dtype F16   # F16 keeps the zoo under 15 MB
train resnet56-sd "${SD56_MIN:-26}"
