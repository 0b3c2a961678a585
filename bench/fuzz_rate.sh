#!/usr/bin/env bash
# Benchmark (not a test): executions per second of gcsim-fuzz on the seed
# corpus (the structure-aware mutator), of gcsim-fuzz-bytes (libFuzzer's
# stock mutations), of gcsim-fuzz-edges (the model compiled with edge coverage
# instead of its feedback counters), of an empty libFuzzer target built the
# same way (what libFuzzer itself costs), and of gcsim-fuzz under
# ASan+UBSan. One core each; the corpus directory is on tmpfs when there is
# one (fuzzlib.sh's fuzz_tmpdir).
# usage: bench/fuzz_rate.sh [SECONDS=20] [POLICY=cpython-main]
#   FUZZ_BUILD=DIR, FUZZ_BUILD_ASAN=DIR: build directories (default
#   build-fuzz, build-fuzz-asan); FUZZ_RATE_ASAN=0 skips the ASan row.
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
secs=${1:-20} pol=${2:-cpython-main}
b=${FUZZ_BUILD:-$root/build-fuzz} ba=${FUZZ_BUILD_ASAN:-$root/build-fuzz-asan}
fuzz_build "$b"
fuzz_edges_build "$b"
[ "${FUZZ_RATE_ASAN:-1}" = 0 ] || fuzz_build "$ba" asan
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
rate() { # label binary
  rm -rf "$tmp/c"; mkdir "$tmp/c"; cp "$root"/corpus/seeds/* "$tmp/c/"
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$root/bench/all-kinds.supp \
    taskset -c "${FUZZ_CPU:-0}" "$2" -max_total_time="$secs" -dict="$root/corpus/gcsim.dict" \
    -max_len=64 -print_final_stats=1 "$tmp/c" >"$tmp/log" 2>&1 || true
  printf '%-34s %s exec/s\n' "$1" "$(grep '^stat::average_exec_per_sec' "$tmp/log" | awk '{print $2}')"
}
echo "policy $pol, ${secs}s each, seed corpus (corpus/seeds), max_len 64, corpus in ${tmp%/*}"
rate "gcsim-fuzz (release)" "$b/gcsim-fuzz"
rate "gcsim-fuzz-bytes (release)" "$b/gcsim-fuzz-bytes"
rate "gcsim-fuzz-edges (release)" "$b/gcsim-fuzz-edges"
rate "empty libFuzzer target (release)" "$b/gcsim-fuzz-empty"
[ "${FUZZ_RATE_ASAN:-1}" = 0 ] || rate "gcsim-fuzz (ASan+UBSan)" "$ba/gcsim-fuzz"
