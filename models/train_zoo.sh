#!/bin/sh
# Train the zoo v2 networks one after another, each run defined by its arguments alone
# (architecture, epochs, schedule, seed: models/train.py), at low priority so that building
# and testing on the same machine stay fast.
#
# Durable: train.py rewrites models/training/<name>.pt after every epoch. Commit those files
# (e.g. at the end of a session) and rerunning this script on any machine with the repository
# continues each run where it stopped; a finished run is skipped. Exported models land in
# models/<name>.safetensors with <name>.json (summary: every segment of epochs, its hardware
# and time, the per-epoch history) and logs in models/logs/<name>.log.
#
# Order (issue: zoo v2): resnet110 (option A) first, then resnet110-b (projection shortcuts,
# same recipe, seed and epochs), then resnet20 and plain20 retrained with this recipe.
# ONLY=name trains one of them. PARALLEL=1 starts them all at once (one CUDA GPU holds all four;
# there, point UNRAVEL_DATA at a file made by pack_data.py when the upload must be small).
# Needs python3-torch for /usr/bin/python3 and UNRAVEL_DATA.
set -e
cd "$(dirname "$0")"
: "${UNRAVEL_DATA:=../../shared/cifar10/cifar-10-binary.tar.gz}"
export UNRAVEL_DATA
PY="nice -n 19 /usr/bin/python3"
# Linux autogroups share the CPU equally between sessions whatever their processes' nice values,
# so under `setsid` (as the README starts it) nice alone leaves this job a full share (measured:
# 62% of a core beside two busy CLI runs). Lower this session's autogroup too.
if [ -w /proc/self/autogroup ]; then echo 19 > /proc/self/autogroup; fi
train() {  # name epochs [extra flags]
    name=$1; epochs=$2; shift 2
    if [ -n "$ONLY" ] && [ "$ONLY" != "$name" ]; then return; fi
    echo "$name: $(date -u +%H:%M) start or resume, $epochs epochs"
    if [ -n "$PARALLEL" ]; then
        $PY train.py --arch "$name" --epochs "$epochs" --eval-every 4 --out "$name.safetensors" \
            "$@" >> "logs/$name.log" 2>&1 &
        return
    fi
    $PY train.py --arch "$name" --epochs "$epochs" --eval-every 4 --out "$name.safetensors" "$@" \
        >> "logs/$name.log" 2>&1
    echo "$name: $(date -u +%H:%M) $(tail -n 1 "logs/$name.log")"
}
mkdir -p logs training
train resnet110 40 --dtype F16      # F16: the engine's accuracy is unchanged (stop 6), half the bytes
train resnet110-b 40 --dtype F16
train resnet20 60
train plain20 60
wait  # PARALLEL: until every run has ended
