#!/usr/bin/env bash
# campaign.sh FUZZER SCRATCH [libFuzzer options] CORPUS...: one campaign whose new inputs go to a
# fresh SCRATCH folder (the seed corpora stay as generated). A crash leaves its input as
# SCRATCH/crash-* (add it to fuzz/regressions/<target>/ once fixed).
set -eu
fuzzer=$1 scratch=$2
shift 2
rm -rf "$scratch"
mkdir -p "$scratch"
exec "$fuzzer" -timeout=20 -artifact_prefix="$scratch/" -print_final_stats=1 "$scratch" "$@"
