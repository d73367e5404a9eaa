#!/bin/sh
# device_train.sh - the zoo's training runs (train_zoo.sh) on a lent CUDA GPU: the device tool's
# machine (one H200; at most 10 minutes a command; 64 MiB of working tree up; 8 files of at most
# 16 MiB back from $OUT). Three steps:
#
#  1. here, once: pack the data small enough to travel (never commit it: it is CIFAR-10)
#       echo /.device/ >> .git/info/exclude
#       /usr/bin/python3 models/pack_data.py --data "$UNRAVEL_DATA" --out .device/cifar10.unrpack --subsampling 420
#  2. on the device (one call; MINUTES leaves time for the start, the data and the copy back):
#       run(command="sh models/device_train.sh 8 .device/cifar10.unrpack resnet110 resnet110-b resnet20 plain20",
#           carry=[".device"], timeout_s=600)
#     Every named run starts at once from its committed state and stops, state saved, before an
#     epoch that would end more than MINUTES from now. $OUT/<name>.tar then holds the run's log
#     and either its exported model with its summary (finished) or its training state.
#  3. here: sh models/device_train.sh --unpack DIR   (DIR: where the tool put the files), then
#     commit models/training and any exported model. Rerunning step 2 or train_zoo.sh continues.
set -e
cd "$(dirname "$0")"
if [ "$1" = "--unpack" ]; then
    [ -d "$2" ] || { echo "device_train.sh: --unpack needs the folder holding the .tar files" >&2; exit 2; }
    for t in "$2"/*.tar; do
        name=$(basename "$t" .tar)
        tar -xf "$t"
        # A finished run replaces its state by the exported model.
        if tar -tf "$t" | grep -qx "$name.json"; then rm -f "training/$name.pt"; fi
        echo "$name: $(tail -n 1 "logs/$name.device.log")"
    done
    exit 0
fi
if [ $# -lt 3 ]; then
    echo "usage: sh models/device_train.sh MINUTES PACKED-DATA NAME... | --unpack DIR" >&2; exit 2
fi
minutes=$1; data=$2; shift 2
[ -f "../$data" ] && data="../$data"  # a path given from the repository root
[ -f "$data" ] || { echo "device_train.sh: no data file $data" >&2; exit 2; }
[ $# -le 8 ] || { echo "device_train.sh: at most 8 runs (8 files come back)" >&2; exit 2; }
: "${OUT:?device_train.sh: OUT is not set (it runs on the device machine)}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
mkdir -p logs
for name; do : > "logs/$name.log"; done  # this machine's log of each run only
UNRAVEL_DATA=$data PARALLEL=1 PYTHON=python3 ONLY="$*" \
    DEADLINE=$(( $(date +%s) + 60 * minutes )) sh train_zoo.sh
for name; do
    cp "logs/$name.log" "logs/$name.device.log"
    files="logs/$name.device.log"
    if grep -q '^exported ' "logs/$name.log"; then
        files="$files $name.safetensors $name.json"
    elif [ -f "training/$name.pt" ]; then
        files="$files training/$name.pt"
    fi
    tar -cf "$OUT/$name.tar" $files
    echo "$name: $(grep -c '"epoch"' "logs/$name.log") epochs here; $(tail -n 1 "logs/$name.log" | cut -c1-200)"
done
