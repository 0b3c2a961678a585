#!/usr/bin/env bash
# Benchmark (not a test): what one fuzz execution costs gcsim itself, with
# no libFuzzer around it (bench/bench_harness.c: decode, run, judge, as
# gcsim-fuzz does). Inputs: 20,000 fixed pseudo-random byte strings of 1-64
# bytes, then corpus/seeds, then each DIR given (a fuzzing corpus, say).
# Wall-clock microseconds per input swing by a third between runs on this
# machine; the instruction count under valgrind's callgrind does not, so
# both are printed: compare builds by instructions.
# usage: bench/harness_cost.sh [POLICY=cpython-main] [DIR...]
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
pol=${1:-cpython-main}
shift || true
b=$root/build-fuzz
fuzz_build "$b"
cmake --build "$b" --target bench_harness -j2 >/dev/null
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
run() { # label ARGS...
  local label=$1; shift
  printf '%-22s %s\n' "$label" "$("$b/bench_harness" --policy "$pol" "$@")"
  if command -v valgrind >/dev/null; then
    valgrind --tool=callgrind --toggle-collect=harness_exec_ws \
      --callgrind-out-file="$tmp/cg" "$b/bench_harness" \
      -r 1 --policy "$pol" "$@" >"$tmp/out" 2>"$tmp/err"
    local ir inputs
    ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$tmp/err")
    [ -n "$ir" ] || ir=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$tmp/err" | tr -d ,)
    inputs=$(sed -n 's/^policy [^:]*: \([0-9]*\) inputs.*/\1/p' "$tmp/out")
    printf '%-22s %s instructions per input (callgrind, in harness_exec_ws)\n' \
      "" "$((ir / inputs))"
  fi
}
run "random 1-64 bytes" -n 20000
run "corpus/seeds" -n 0 "$root/corpus/seeds"
for d in "$@"; do run "$(basename "$d")" -n 0 "$d"; done
