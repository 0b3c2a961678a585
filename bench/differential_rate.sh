#!/usr/bin/env bash
# Benchmark (not a test): how many programs per second `gcsim differential`
# runs on one interpreter, a native one (the C probe, a fresh process per
# program) against pyodide 3.14 and 3.15 (the pure-Python probe in one
# WebAssembly interpreter per worker, loaded once), in the same run, one
# worker each. Prints one line per interpreter: programs, seconds,
# programs/s, and how many agreed.
# usage: bench/differential_rate.sh [PROGRAMS=200] [NATIVE_PYTHON]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
native=${2:-$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3 2>/dev/null | sort -V | tail -1)}
g=$root/build/gcsim
[ -x "$g" ] || { cmake -S "$root" -B "$root/build" >/dev/null; cmake --build "$root/build" -j2 >/dev/null; }
export GCSIM_CACHE=${GCSIM_CACHE:-$(mktemp -d)}
printf '%-32s %8s %8s %10s  %s\n' interpreter programs seconds programs/s agree
for py in ${native:+"$native"} pyodide:3.14 pyodide:3.15; do
  # warm the probe's cache first (building the C probe is not the rate)
  "$g" confirm "$root/corpus/scenarios/bpo38006.gcs" --python "$py" >/dev/null 2>&1 || true
  t0=$(date +%s.%N)
  out=$("$g" differential --python "$py" --programs "$n" -j 1 2>/dev/null || true)
  t1=$(date +%s.%N)
  row=$(grep -E '^[0-9]+\.[0-9]+' <<<"$out" | head -1)
  agree=$(awk '{print $7 "/" $7 + 0}' <<<"$row" | head -1)
  awk -v py="$py" -v n="$n" -v t0="$t0" -v t1="$t1" -v row="$row" 'BEGIN {
    split(row, f, " "); s = t1 - t0;
    printf "%-32s %8d %8.1f %10.1f  %s of %d (%s; %s refused)\n", py, n, s, n / s, f[8], n, f[9], f[7] }'
done
