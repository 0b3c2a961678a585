#!/usr/bin/env bash
# Benchmark (not a test): fuzz each policy for MINUTES from the seed corpus,
# the known findings suppressed (corpus/known-findings.supp), crashes kept
# going (-fork=1 -ignore_crashes=1); then `gcsim replay` every crash, print
# what was found, deduplicated by signature, and run every crash in the real
# interpreter of that version (`gcsim confirm`, pyenv), which either shows
# the same events and violation (confirmed) or not (a model bug to fix).
# usage: bench/fuzz_policies.sh [MINUTES=10] [POLICY...]
#   (set GCSIM_SUPPRESSIONS=/dev/null to keep the known findings too)
#   (default policies: cpython-3.8 cpython-3.9 cpython-3.11 cpython-main)
#   FUZZ_BUILD=DIR builds and runs the targets in DIR (default build-fuzz;
#   two runs side by side need two), FUZZ_CPU=K runs on core K.
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
min=${1:-10}; shift || true
pols=${*:-cpython-3.8 cpython-3.9 cpython-3.11 cpython-main}
b=${FUZZ_BUILD:-$root/build-fuzz}
pin=(); [ -n "${FUZZ_CPU:-}" ] && pin=(taskset -c "$FUZZ_CPU")
fuzz_build "$b"
work=${GCSIM_POLICIES_DIR:-$(mktemp -d)}
# the newest pyenv interpreter of the version a policy stands for, pyodide
# for 3.14 and 3.15 (none for cpython-main and cpython-3.8b4: no such
# interpreter is installed)
python_for() {
  local v=${1#cpython-} r=${PYENV_ROOT:-$HOME/.pyenv}
  case $v in main|*b*) return 0 ;; 3.14|3.15) echo "pyodide:$v"; return 0 ;; esac
  ls -d "$r"/versions/"$v".*/bin/python3 2>/dev/null | sort -V | tail -1
}
for pol in $pols; do
  d=$work/$pol; mkdir -p "$d/corpus" "$d/artifacts"
  cp "$root"/corpus/seeds/* "$d/corpus/"
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=${GCSIM_SUPPRESSIONS-$root/corpus/known-findings.supp} \
    ${pin[@]+"${pin[@]}"} "$b/gcsim-fuzz" -fork=1 -ignore_crashes=1 -max_total_time=$((min * 60)) \
    -dict="$root/corpus/gcsim.dict" -max_len=256 -artifact_prefix="$d/artifacts/" \
    "$d/corpus" >"$d/log" 2>&1 || true
  n=$(ls "$d/artifacts" | grep -c '^crash-' || true)
  # the last status line of -fork mode: "#EXECS: cov: ... time: SECONDSs"
  execs=$(grep -oE '^#[0-9]+' "$d/log" | tail -1 | tr -d '#' || true)
  echo "== $pol: $min min, $n crash file(s), ${execs:-?} executions"
  py=$(python_for "$pol")
  case $py in
    pyodide:*) # one interpreter load per worker: every crash file in one differential run
      crash_table "$pol" "$b/gcsim" "$root/corpus/known-findings.supp" "$d"/artifacts/crash-* | sed 's/^/   /'
      if [ "$n" -gt 0 ]; then
        echo "   in the real interpreter ($py), every crash file:"
        "$b/gcsim" differential --python "$py" --programs 0 -j 2 "$d"/artifacts/crash-* 2>/dev/null |
          grep -vE '^\(agree:|^$' | sed 's/^/   /' || true
      fi ;;
    *) CONFIRM_PYTHON=$py \
         crash_table "$pol" "$b/gcsim" "$root/corpus/known-findings.supp" "$d"/artifacts/crash-* | sed 's/^/   /' ;;
  esac
done
echo "work directory: $work"
