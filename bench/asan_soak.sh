#!/usr/bin/env bash
# Benchmark (not a test): fuzz gcsim itself under ASan+UBSan for MINUTES,
# every violation kind suppressed (bench/all-kinds.supp), so that the only
# crashes left are bugs of gcsim: sanitizer reports or internal errors.
# usage: bench/asan_soak.sh [MINUTES=30] [POLICY=cpython-main]
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
min=${1:-30} pol=${2:-cpython-main}
b=$root/build-fuzz-asan
fuzz_build "$b" asan
work=${GCSIM_SOAK_DIR:-$(mktemp -d)}
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/corpus/seeds/* "$work/corpus/"
GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$root/bench/all-kinds.supp \
  "$b/gcsim-fuzz" -max_total_time=$((min * 60)) -dict="$root/corpus/gcsim.dict" \
  -max_len=256 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" >"$work/log" 2>&1 || true
grep -E "^stat::number_of_executed_units|^stat::average_exec_per_sec|^#.*DONE" "$work/log" || true
crashes=$(ls "$work/artifacts" | grep -c . || true)
echo "policy $pol, $min min under ASan+UBSan: $crashes crash file(s) in $work/artifacts"
[ "$crashes" -eq 0 ] || { grep -E "ERROR: AddressSanitizer|runtime error|==gcsim==" "$work/log" | head; }
