#!/usr/bin/env bash
# Benchmark (not a test): does the model's feedback guide libFuzzer as far
# into the model as edge coverage of its code did? gcsim-fuzz (feedback
# counters) and gcsim-fuzz-edges (edge coverage, no feedback) fuzz the seed
# corpus side by side for SECONDS, one core each, every violation kind
# suppressed; then scripts/coverage.sh measures the lines and branches of
# sim/ that each final corpus reaches under POLICY.
# usage: bench/guidance.sh [SECONDS=60] [POLICY=cpython-main]
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
secs=${1:-60} pol=${2:-cpython-main}
b=$root/build-fuzz
fuzz_build "$b"
fuzz_edges_build "$b"
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
cpu=0
for t in gcsim-fuzz gcsim-fuzz-edges; do
  mkdir "$tmp/$t" && cp "$root"/corpus/seeds/* "$tmp/$t/"
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$root/bench/all-kinds.supp \
    taskset -c $cpu "$b/$t" -max_total_time="$secs" -dict="$root/corpus/gcsim.dict" \
    -max_len=64 -print_final_stats=1 "$tmp/$t" >"$tmp/$t.log" 2>&1 &
  cpu=$(( (cpu + 1) % $(nproc) ))
done
wait
echo "policy $pol, ${secs}s each from corpus/seeds, every kind suppressed"
for t in gcsim-fuzz gcsim-fuzz-edges; do
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$t.log")
  cov=$(bash "$root/scripts/coverage.sh" -c "$tmp/$t" --no-scenarios -p "$pol" \
          -o "$tmp/report-$t" -b "$tmp/build-cov" 2>&1 | grep '^sim/:' || echo "sim/: coverage failed")
  printf '%-17s %9s execs  %5d inputs  %s\n' "$t" "$execs" "$(ls "$tmp/$t" | wc -l)" "$cov"
done
