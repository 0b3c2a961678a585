#!/usr/bin/env bash
# Benchmark (not a test): fuzz each policy for MINUTES from the seed corpus,
# the known findings suppressed (corpus/known-findings.supp), crashes kept
# going (-fork=1 -ignore_crashes=1); then `gcsim replay` every crash and
# print what was found, deduplicated by signature.
# usage: bench/fuzz_policies.sh [MINUTES=10] [POLICY...]
#   (default policies: cpython-3.8 cpython-3.9 cpython-3.11 cpython-main)
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
min=${1:-10}; shift || true
pols=${*:-cpython-3.8 cpython-3.9 cpython-3.11 cpython-main}
b=$root/build-fuzz
fuzz_build "$b"
work=${GCSIM_POLICIES_DIR:-$(mktemp -d)}
for pol in $pols; do
  d=$work/$pol; mkdir -p "$d/corpus" "$d/artifacts"
  cp "$root"/corpus/seeds/* "$d/corpus/"
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$root/corpus/known-findings.supp \
    "$b/gcsim-fuzz" -fork=1 -ignore_crashes=1 -max_total_time=$((min * 60)) \
    -dict="$root/corpus/gcsim.dict" -max_len=256 -artifact_prefix="$d/artifacts/" \
    "$d/corpus" >"$d/log" 2>&1 || true
  n=$(ls "$d/artifacts" | grep -c '^crash-' || true)
  execs=$(grep -o 'exec/s: [0-9]*' "$d/log" | tail -1 || true)
  echo "== $pol: $min min, $n crash file(s), last $execs"
  crash_table "$pol" "$b/gcsim" "$root/corpus/known-findings.supp" "$d"/artifacts/crash-* | sed 's/^/   /'
done
echo "work directory: $work"
