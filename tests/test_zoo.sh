#!/usr/bin/env bash
# test_zoo.sh UNRAVEL SOURCE_DIR - every model in models/manifest.json exists with its stated
# size and number of blocks (num_blocks, as `unravel info --json` gives it), the zoo stays under
# 20 MB, and (when UNRAVEL_DATA names CIFAR-10) the engine's accuracy on the full test batch
# equals the card's.
. "$(dirname "${BASH_SOURCE[0]}")/cli_harness.sh"
unravel=$1 src=$2
manifest=$src/models/manifest.json
[ -f "$manifest" ] || { echo "no models/manifest.json: nothing shipped yet"; exit 77; }
if [ -n "${UNRAVEL_DATA:-}" ] && [ ! -e "$UNRAVEL_DATA" ]; then
    echo "FAIL: UNRAVEL_DATA=$UNRAVEL_DATA does not exist (a relative path seen from the wrong folder?)"; exit 1
fi
total=0
while IFS=$'\t' read -r file bytes accuracy num_blocks; do
    path=$src/models/$file
    [ -f "$path" ] || { fail "$file is in the manifest but missing"; continue; }
    size=$(stat -c %s "$path")
    [ "$size" = "$bytes" ] || fail "$file: $size bytes, the manifest says $bytes"
    blocks_now=$("$unravel" info "$path" --json | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).num_blocks))')
    [ "$blocks_now" = "$num_blocks" ] || fail "$file: $blocks_now blocks, the manifest says num_blocks $num_blocks"
    total=$((total + size))
    grep -q "\`$file\`" "$src/models/README.md" || fail "$file has no row in models/README.md"
    if [ -n "${UNRAVEL_DATA:-}" ]; then
        got=$("$unravel" eval "$path" --json | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).accuracy))')
        node -e 'process.exit(Math.abs(+process.argv[1] - +process.argv[2]) < 5e-5 ? 0 : 1)' "$got" "$accuracy" ||
            fail "$file: engine accuracy $got, the card says $accuracy"
        echo "$file: engine accuracy $got (card $accuracy)"
    fi
done < <(node -e 'for (const m of JSON.parse(require("fs").readFileSync(process.argv[1])).models)
                    console.log([m.file, m.bytes, m.accuracy, m.num_blocks].join("\t"))' "$manifest")
[ "$total" -lt 20000000 ] || fail "the zoo is $total bytes, over 20 MB"
[ -n "${UNRAVEL_DATA:-}" ] || echo "UNRAVEL_DATA not set: accuracies not checked"
finish zoo
