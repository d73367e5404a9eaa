#!/bin/sh
# device_train.sh - the zoo's training runs (train_zoo.sh) on a lent CUDA GPU: the device tool's
# machine (one H200, PyTorch 2.11 there; at most 10 minutes a command; 64 MiB of working tree up;
# 8 files of at most 16 MiB back from $OUT). Five steps:
#
#  1. here, once: pack the data small enough to travel (never commit it: it is CIFAR-10)
#       echo /.device/ >> .git/info/exclude
#       /usr/bin/python3 models/pack_data.py --data "$UNRAVEL_DATA" --out .device/cifar10.unrpack --subsampling 420
#  2. here, before each call: sh models/device_train.sh --check .device/cifar10.unrpack
#     (what the call would send, against the 64 MiB it takes; each unfinished ResNet-110 state
#     committed is 14 MB of it)
#  3. on the device, one call: every run still to train, all at once (up to 16; one H200 holds
#     them all). The 15 device-minutes lent to a task held an 8-minute call and a 3-minute one
#     (2026-12-04: about 45 s of start and transfers each). Measured with 12 runs at once: a
#     ResNet-20 epoch 8 s, a ResNet-110 one 67-74 s (option B), 44-49 s (stochastic depth),
#     28-31 s (short paths); 8 ResNet-20 runs at once: 5-8 s.
#       run(command="sh models/device_train.sh 8 .device/cifar10.unrpack resnet110-b resnet20 plain20
#           val-lr0.1 val-lr0.2 val-lr0.4 val-ls0.1 resnet110-sd resnet110-short-pilot
#           resnet110-short resnet20-seed2 resnet20-seed3", carry=[".device"], timeout_s=600)
#     Every named run starts at once from its committed state and stops, state saved, before an
#     epoch that would end more than MINUTES from now; one minute later whatever still runs is
#     stopped (states are written atomically, so the last finished epoch's stays). $OUT then
#     holds up to 8 bundles (bundle-N.tar): each run's log and either its exported model with its
#     summary (finished) or its training state. Name the runs most wanted first: a state that
#     does not fit in what comes back is left out first from the last named. Tip: give_back
#     right after, unless the next call follows at once.
#  4. here: UNRAVEL_DATA=... sh models/device_train.sh --unpack DIR   (DIR: where the tool put the
#     files). It puts each run's files in place and re-measures every exported model on the real
#     test batch (remeasure.py: the device only had the packed, re-encoded test images). Then
#     commit models/training, the exported models and their summaries. Rerunning step 3 or
#     train_zoo.sh continues.
#  5. before a new model file lands on main (the tests check the zoo against its card and page):
#     /usr/bin/python3 models/zoo_report.py writes models/README.md and manifest.json (CTest zoo:
#     the manifest's accuracy is the engine's; the delete-k tables cost about 3 CPU-hours per
#     ResNet-110, kept in models/measurements, committed, so it resumes), and
#     node web/tools/precompute.mjs --data PATH --only NAME rewrites the page's first paint for
#     it (CTest precomputed: the file must be for the current model; an interrupted run keeps
#     what it finished, and a rerun completes it).
set -e
cd "$(dirname "$0")"
LIMIT=67108864  # the device tool's upload: 64 MiB of working tree, carried paths included

if [ "$1" = "--check" ]; then
    [ -f "../$2" ] || [ -f "$2" ] || { echo "usage: sh models/device_train.sh --check PACKED-DATA" >&2; exit 2; }
    pack=$(stat -c %s "../$2" 2>/dev/null || stat -c %s "$2")
    # What a call sends: tracked files and untracked ones git does not ignore, plus the carried data.
    tree=$(cd .. && git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null |
           awk '{s += $1} END {print s + 0}')
    for state in training/*.pt; do
        [ -f "$state" ] && echo "unfinished run's state: models/$state, $(stat -c %s "$state") bytes"
    done
    echo "a call sends $tree bytes of working tree + $pack of packed data = $((tree + pack)) of $LIMIT"
    if [ $((tree + pack)) -gt $LIMIT ]; then
        echo "device_train.sh: over the upload limit by $((tree + pack - LIMIT)) bytes: finish a run" \
             "on this machine first (train_zoo.sh), or pack the data smaller" >&2
        exit 1
    fi
    exit 0
fi

if [ "$1" = "--unpack" ]; then
    [ -d "$2" ] || { echo "device_train.sh: --unpack needs the folder holding the .tar files" >&2; exit 2; }
    finished=""
    for t in "$2"/*.tar; do
        [ -f "$t" ] || { echo "device_train.sh: no .tar files in $2" >&2; exit 1; }
        tar -xf "$t"
        # A bundle holds one or more runs, each with its log; a finished run's exported model and
        # summary replace its state.
        for log in $(tar -tf "$t" | sed -n 's|^logs/\(.*\)\.device\.log$|\1|p'); do
            name=$log
            if tar -tf "$t" | grep -qx "$name.json"; then
                rm -f "training/$name.pt"
                finished="$finished $name.json"
            fi
            echo "$name: $(tail -n 1 "logs/$name.device.log" | cut -c1-200)"
        done
    done
    if [ -n "$finished" ]; then
        if [ -z "$UNRAVEL_DATA" ]; then
            echo "device_train.sh: set UNRAVEL_DATA to the real CIFAR-10 and run:" \
                 "/usr/bin/python3 models/remeasure.py$(echo "$finished" | sed 's| | models/|g')" >&2
            exit 1
        fi
        ${PYTHON:-/usr/bin/python3} remeasure.py $finished
    fi
    exit 0
fi

if [ $# -lt 3 ]; then
    echo "usage: sh models/device_train.sh MINUTES PACKED-DATA NAME... | --check PACKED-DATA | --unpack DIR" >&2
    exit 2
fi
minutes=$1; data=$2; shift 2
[ -f "../$data" ] && data="../$data"  # a path given from the repository root
[ -f "$data" ] || { echo "device_train.sh: no data file $data" >&2; exit 2; }
[ $# -le 16 ] || { echo "device_train.sh: at most 16 runs at once" >&2; exit 2; }
: "${OUT:?device_train.sh: OUT is not set (it runs on the device machine)}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
${PYTHON:-python3} -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
mkdir -p logs
for name; do : > "logs/$name.log"; done  # this machine's log of each run only
# The deadline stops runs between epochs; the timeout is the backstop that leaves time to pack
# the results before the tool's limit (an export, evaluated on the GPU, takes seconds). timeout
# signals its whole process group, so the runs train_zoo.sh started in the background too.
UNRAVEL_DATA=$data PARALLEL=1 PYTHON=${PYTHON:-python3} ONLY="$*" DEADLINE=$(( $(date +%s) + 60 * minutes )) \
    timeout $(( 60 * minutes + 60 )) sh train_zoo.sh || echo "training phase ended: rc $?"
# What comes back: at most 8 files of at most 16 MiB, 64 MiB in all. Each run's files (its log,
# and its exported model and summary, or else its training state: 14 MB for a ResNet-110) go
# into bundles of at most BUNDLE bytes, first fit in the order the runs were named (first named,
# first kept); a state that fits nowhere is left out and said, its run then continues from
# where it was before this call.
BUNDLE=16000000 TOTAL=66000000 MAXBUNDLES=8
list=$(mktemp)
for name; do
    cp "logs/$name.log" "logs/$name.device.log"
    files="logs/$name.device.log"
    if grep -q '^exported ' "logs/$name.log"; then
        files="$files $name.safetensors $name.json"
    elif [ -f "training/$name.pt" ]; then
        files="$files training/$name.pt"
    fi
    echo "$(cat $files | wc -c) $name $files" >> "$list"
    echo "$name: $(grep -c '"epoch"' "logs/$name.log") epochs here; $(tail -n 1 "logs/$name.log" | cut -c1-200)"
done
# -> lines "BUNDLE-INDEX FILE..." (index 0: left out but for the log)
awk -v cap=$BUNDLE -v total=$TOTAL -v most=$MAXBUNDLES '{
    size = $1; files = ""; for (i = 3; i <= NF; i++) files = files " " $i
    b = 0
    if (sum + size + 10240 * NF <= total)
        for (i = 1; i <= most && !b; i++) if (used[i] + size + 10240 * NF <= cap) b = i
    if (!b) { files = " " $3; size = 0; print "left out: the state of " $2 " (over what comes back)" > "/dev/stderr"
              for (i = 1; i <= most && !b; i++) if (used[i] + 20480 <= cap) b = i }
    used[b] += size + 10240 * NF; sum += size + 10240 * NF
    print b files
}' "$list" > "$list.bundles"
for b in $(cut -d' ' -f1 "$list.bundles" | sort -u); do
    tar -cf "$OUT/bundle-$b.tar" $(sed -n "s/^$b //p" "$list.bundles")
done
ls -l "$OUT"
rm -f "$list" "$list.bundles"
