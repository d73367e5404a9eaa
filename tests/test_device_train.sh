#!/usr/bin/env bash
# test_device_train.sh - models/device_train.sh's round trip with a stand-in interpreter (no GPU,
# no training): every named run comes back in at most 8 bundles of at most 16 MB, 66 MB in all,
# the first named kept first when states do not all fit; --unpack puts each run's files in place,
# drops a finished run's state and re-measures only finished runs.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mk_tree() {  # a repository copy with the scripts and a stand-in interpreter
    mkdir -p "$1/models/training"
    cp "$src/models/device_train.sh" "$src/models/train_zoo.sh" "$1/models/"
    echo packed > "$1/data.unrpack"
}
mk_tree "$tmp/device"
cat > "$tmp/python" <<'PY'
#!/bin/sh
# Stand-in: train.py "finishes" the runs named in FINISH (a 3.5 MB model) and leaves the others a
# training state (14 MB for a ResNet-110, 2.2 MB else); remeasure.py records its arguments.
case "$1" in
  train.py)
    out=$(echo "$*" | sed 's/.*--out \([^ ]*\)\.safetensors.*/\1/')
    echo '{"epoch": 1}'
    case " $FINISH " in
      *" $out "*) head -c 3500000 /dev/zero > "$out.safetensors"; echo '{"run": {}}' > "$out.json"
                  echo "exported $out.safetensors" ;;
      *) case "$out" in *110*) n=14200000 ;; *) n=2200000 ;; esac
         head -c $n /dev/zero > "training/$out.pt"; echo "deadline: stopping" ;;
    esac ;;
  remeasure.py) shift; echo "$*" > remeasured.txt ;;
  -c) echo "torch stand-in" ;;
esac
PY
chmod +x "$tmp/python"

runs="resnet110-b resnet20 plain20 val-lr0.1 val-lr0.2 val-lr0.4 val-ls0.1 resnet110-sd
      resnet110-short-pilot resnet110-short resnet20-seed2 resnet20-seed3"
mkdir "$tmp/out"
(cd "$tmp/device" && env OUT="$tmp/out" PYTHON="$tmp/python" FINISH="resnet20 plain20 resnet110-short-pilot" \
    sh models/device_train.sh 1 data.unrpack $runs > "$tmp/log" 2>&1) || fail "device_train.sh exited $?: $(cat "$tmp/log")"
n=$(ls "$tmp/out"/*.tar | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le 8 ] || fail "$n bundles (at most 8 files come back)"
total=0
for t in "$tmp/out"/*.tar; do
    s=$(stat -c %s "$t"); total=$((total + s))
    [ "$s" -le 16777216 ] || fail "$t is $s bytes (over 16 MiB)"
done
[ "$total" -le 67108864 ] || fail "bundles total $total bytes (over 64 MiB)"
# 4 states of ResNet-110 (56.8 MB), 3 exported models and 5 small states fit in 66 MB; the last
# named small state does not.
grep -q "left out: the state of resnet20-seed3 " "$tmp/log" || fail "the last named state is left out: $(cat "$tmp/log")"
[ "$(grep -c 'left out' "$tmp/log")" = 1 ] || fail "only one state left out: $(grep 'left out' "$tmp/log")"
listing=$(for t in "$tmp/out"/*.tar; do tar -tf "$t"; done | sort)
for r in $runs; do
    echo "$listing" | grep -qx "logs/$r.device.log" || fail "$r's log comes back"
done
for f in training/resnet110-b.pt training/resnet110-sd.pt training/resnet110-short.pt resnet20.safetensors resnet20.json \
         resnet110-short-pilot.json training/val-ls0.1.pt; do
    echo "$listing" | grep -qx "$f" || fail "$f comes back"
done
! echo "$listing" | grep -qx training/resnet20-seed3.pt || fail "the left-out state is not in a bundle"

# Here: a repository with stale states of two runs that finished there.
mk_tree "$tmp/here"
echo stale > "$tmp/here/models/training/resnet20.pt"; echo stale > "$tmp/here/models/training/resnet110-b.pt"
(cd "$tmp/here" && env UNRAVEL_DATA=/real PYTHON="$tmp/python" sh models/device_train.sh --unpack "$tmp/out" > "$tmp/log" 2>&1) ||
    fail "--unpack exited $?: $(cat "$tmp/log")"
m="$tmp/here/models"
[ ! -e "$m/training/resnet20.pt" ] || fail "a finished run's state is removed"
[ "$(stat -c %s "$m/training/resnet110-b.pt")" = 14200000 ] || fail "an unfinished run's state is the device's"
[ -f "$m/resnet110-short-pilot.safetensors" ] && [ -f "$m/plain20.json" ] || fail "exported models are in place"
for r in $runs; do grep -q "^$r: " "$tmp/log" || fail "--unpack says how $r ended: $(cat "$tmp/log")"; done
got=$(tr ' ' '\n' < "$m/remeasured.txt" | sort | tr '\n' ' ')
[ "$got" = "plain20.json resnet110-short-pilot.json resnet20.json " ] || fail "remeasured exactly the finished runs: $got"

[ "$failures" = 0 ] && echo "device_train: round-trip checks passed" && exit 0
exit 1
