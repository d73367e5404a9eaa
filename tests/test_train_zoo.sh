#!/usr/bin/env bash
# test_train_zoo.sh - models/train_zoo.sh's queue, with a stand-in interpreter that records each
# call instead of training (a wrong queue costs hours of CPU): the runs in order, each shipped
# network measured right after its export and nothing else measured, resnet110-b trained or
# skipped as fig3_reproduced.py answers, ONLY, and the warning without a CLI.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

mkdir -p "$tmp/models" "$tmp/build/cli"
cp "$src/models/train_zoo.sh" "$tmp/models/"
cat > "$tmp/python" <<'PY'
#!/bin/sh
# Stand-in interpreter: records "script args" and plays each script's part.
echo "$*" >> calls.log
case "$1" in
  train.py)
    out=$(echo "$*" | sed 's/.*--out \([^ ]*\)\.safetensors.*/\1/')
    echo '{"run": {}}' > "$out.json"; touch "$out.safetensors"
    echo "exported $out" ;;
  fig3_reproduced.py) echo "fig3_reproduced: stand-in verdict"; exit "${GATE:-1}" ;;
  zoo_report.py) [ "$2" = --measure ] || exit 3 ;;
esac
PY
chmod +x "$tmp/python"

queue() {  # the calls of one train_zoo.sh run, one per line: "train NAME" / "measure NAME" / "gate"
    rm -f "$tmp"/models/*.json "$tmp/models/calls.log"
    (cd "$tmp/models" && env PYTHON="$tmp/python" UNRAVEL_DATA=/nonexistent "$@" sh train_zoo.sh > "$tmp/out.log" 2>&1) ||
        fail "train_zoo.sh exited $?: $(cat "$tmp/out.log")"
    sed -n 's/^train.py .*--out \([^ ]*\)\.safetensors.*/train \1/p; s/^zoo_report.py --measure \(.*\)/measure \1/p;
            s/^fig3_reproduced.py.*/gate/p' "$tmp/models/calls.log" | tr '\n' ' '
}

touch "$tmp/build/cli/unravel"; chmod +x "$tmp/build/cli/unravel"
want="train resnet110 measure resnet110 gate train resnet110-b measure resnet110-b train resnet20 measure resnet20 \
train plain20 measure plain20 train val-lr0.1 train val-lr0.2 train val-lr0.4 train val-ls0.1 \
train resnet110-sd measure resnet110-sd train resnet110-short-pilot train resnet110-short measure resnet110-short \
train resnet20-seed2 measure resnet20-seed2 train resnet20-seed3 measure resnet20-seed3 "
got=$(queue GATE=1)
[ "$got" = "$want" ] || fail "the queue, resnet110 not reproducing Fig. 3:
  got  $got
  want $want"
got=$(queue GATE=0)
[ "$got" = "${want/train resnet110-b measure resnet110-b /}" ] || fail "resnet110 reproducing Fig. 3 skips resnet110-b: $got"
grep -q "resnet110-b: .* skipped: fig3_reproduced: stand-in verdict" "$tmp/out.log" || fail "the skip is said with its reason: $(cat "$tmp/out.log")"
got=$(queue GATE=0 ONLY="resnet110-b val-lr0.4")
[ "$got" = "train resnet110-b measure resnet110-b train val-lr0.4 " ] || fail "ONLY trains the named runs (resnet110-b without asking): $got"
! grep -q "no CLI" "$tmp/out.log" || fail "no warning while the CLI exists"
rm "$tmp/build/cli/unravel"
queue ONLY=resnet20 > /dev/null
grep -q "no CLI at build/cli/unravel" "$tmp/out.log" || fail "the missing CLI is said: $(cat "$tmp/out.log")"

[ "$failures" = 0 ] && echo "train_zoo: queue checks passed" && exit 0
exit 1
