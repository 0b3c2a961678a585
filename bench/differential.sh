#!/usr/bin/env bash
# The agreement table of issue 4 (a benchmark: it prints figures and never
# fails on them): PROGRAMS generated programs (fixed seeds 0..PROGRAMS-1),
# PROGRAMS mutants of corpus/seeds (fixed edits) and every scenario of
# tests/golden and corpus/scenarios, through the model and through every
# pyenv interpreter 3.6-3.13, or the interpreters DIFF_PYTHONS names
# (e.g. DIFF_PYTHONS="pyodide:3.14 pyodide:3.15"), with the probe DIFF_PROBE
# names (c, python; default: C natively, Python under pyodide).
# usage: bench/differential.sh [PROGRAMS=1000] [JOBS=2]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000} j=${2:-2}
b=$root/build
cmake -S "$root" -B "$b" >/dev/null && cmake --build "$b" -j2 --target gcsim >/dev/null
save=$(mktemp -d)
start=$(date +%s)
pys=()
for p in ${DIFF_PYTHONS:-}; do pys+=(--python "$p"); done
"$b/gcsim" differential --programs "$n" --mutants "$n" --seeds "$root/corpus/seeds" \
  -j "$j" --save "$save" --probe "${DIFF_PROBE:-auto}" "${pys[@]}" \
  "$root"/tests/golden/*.gcs "$root"/corpus/scenarios/*.gcs || true
echo "($(($(date +%s) - start)) s; programs that differ are saved in $save)"
