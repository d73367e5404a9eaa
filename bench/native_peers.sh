#!/usr/bin/env bash
# native_peers.sh [BUILD_DIR] - the native engine against onnxruntime-node and PyTorch
# TorchScript in one run: single thread, batch 64, ResNet-20/56/110 (random weights: speed does
# not depend on them). Needs /usr/bin/python3 with python3-torch, node, and `npm ci` in bench/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
unravel=$build/cli/unravel
seconds=${SECONDS_PER_RUN:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$unravel" ] || { echo "no $unravel: run make native first" >&2; exit 1; }
[ -d "$here/node_modules/onnxruntime-node" ] || (cd "$here" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --silent)
/usr/bin/python3 "$here/random_models.py" "$tmp" resnet20 resnet56 resnet110 >/dev/null
# One core's FP32 peak: two FMA pipes x vector width x 2 flops x clock. Measured here with an
# FMA loop: about 90 GFLOP/s on a Zen 3 core with AVX2 (no AVX-512); a Zen 5 core with
# full-width AVX-512 has about 268. Override with PEAK_GFLOPS.
if grep -q avx512f /proc/cpuinfo; then peak=${PEAK_GFLOPS:-268}; else peak=${PEAK_GFLOPS:-90}; fi
echo "GFLOP/s count direct-convolution FLOPs (2 per MAC); Winograd needs fewer, so over 100% of peak is possible"
printf '%-10s %-22s %10s %9s %8s\n' model engine images/s GFLOP/s "% peak"
for name in resnet20 resnet56 resnet110; do
    model=$tmp/$name.safetensors
    mflop=$("$unravel" info "$model" --json | node -e 'process.stdin.on("data", d => console.log(JSON.parse(d).flops / 1e6))')
    /usr/bin/python3 "$here/export_onnx.py" "$model" "$tmp/$name.onnx" --batch 64 >/dev/null 2>&1
    for engine in unravel onnxruntime-node torchscript; do
        case $engine in
        unravel) json=$("$unravel" bench "$model" --batch 64 --threads 1 --seconds "$seconds" --json) ;;
        onnxruntime-node) json=$(node "$here/ort_node.mjs" "$tmp/$name.onnx" --batch 64 --seconds "$seconds" --mflop "$mflop") ;;
        torchscript) json=$(/usr/bin/python3 "$here/torchscript_bench.py" "$model" --batch 64 --seconds "$seconds" 2>/dev/null) ;;
        esac
        node -e 'const j = JSON.parse(process.argv[1]), m = +process.argv[4], g = j.images_per_s * m / 1000;
                 console.log(process.argv[2].padEnd(10), process.argv[3].padEnd(22), j.images_per_s.toFixed(1).padStart(10),
                             g.toFixed(1).padStart(9), (100 * g / +process.argv[5]).toFixed(1).padStart(7) + "%")' \
            "$json" "$name" "$engine" "$mflop" "$peak"
    done
done
