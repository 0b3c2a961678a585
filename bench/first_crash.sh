#!/usr/bin/env bash
# Benchmark (not a test): time for gcsim-fuzz, from an EMPTY corpus, to find
# the bpo-38006 crash (call-after-clear) under cpython-3.8b4 (or another
# finding: below), with N different -seed values on one core; then replay
# each crash twice and `gcsim minimize` it.
# Options: the project's corpus/gcsim-fuzz.options (dictionary, max_len 64).
# Other violation kinds are set aside by bench/first_crash.supp.
# usage: bench/first_crash.sh [N=10] [LIMIT_SECONDS=60]
#        bench/first_crash.sh --table [N=10] [DEEP_LIMIT=300] [LIMIT=60]
#   FIRST_CRASH_POLICY=P and FIRST_CRASH_SUPP=FILE measure another finding:
#   FIRST_CRASH_POLICY=cpython-3.11
#   FIRST_CRASH_SUPP=bench/first_clearweakrefs.supp is the time to the
#   PyObject_ClearWeakRefs crash (docs/confirm.md, "A CPython crash gcsim found").
#   FIRST_CRASH_SEEDS=DIR starts each run from a copy of DIR's files
#   instead of an empty corpus.
#   FIRST_SEED=K starts at -seed=K (default 1); FIRST_CRASH_OPTS adds
#   libFuzzer options (e.g. "-len_control=0", or "-max_len=40" to override);
#   FUZZ_TARGET=gcsim-fuzz-bytes runs gcsim-fuzz with libFuzzer's stock
#   byte mutations instead of the structure-aware mutator (GCSIM_MUTATOR
#   sets gcsim-fuzz's share of structure-aware mutations), and
#   FUZZ_TARGET=both runs gcsim-fuzz-bytes then gcsim-fuzz on the same seeds
#   and prints the two summaries side by side; FUZZ_TARGET=gcsim-fuzz-edges
#   runs the edge-coverage build (stock mutations) instead of the model's
#   feedback counters, to compare the two guidances.
#   bench/first_crash.sh --table [N] [DEEP_LIMIT] [LIMIT] (the same as
#   bench/first_crash_table.sh) runs three findings with both mutators and
#   prints one table.
#   FUZZ_BUILD=DIR builds and runs the targets in DIR (default build-fuzz).
#   FUZZ_CPU=K runs on core K (default 0), so that two runs can share a
#   2-core machine.
# The corpus directories are on tmpfs when there is one (fuzz_tmpdir;
# FUZZ_TMP=DIR puts them elsewhere).
set -euo pipefail
if [ "${1:-}" = --table ]; then shift; exec "$(dirname "$0")/first_crash_table.sh" "$@"; fi
source "$(dirname "$0")/fuzzlib.sh"
n=${1:-10} limit=${2:-60} first=${FIRST_SEED:-1}
pol=${FIRST_CRASH_POLICY:-cpython-3.8b4}
supp=${FIRST_CRASH_SUPP:-$root/bench/first_crash.supp}
supp=$(realpath "$supp" 2>/dev/null || echo "$supp")
[ -f "$supp" ] || { echo "FIRST_CRASH_SUPP: no file '$supp'" >&2; exit 2; }
read -r -a extra <<<"${FIRST_CRASH_OPTS:-}"
b=${FUZZ_BUILD:-$root/build-fuzz}
target=${FUZZ_TARGET:-gcsim-fuzz}
if [ "$target" = both ]; then
  out=$(mktemp); trap 'rm -f "$out"' EXIT
  for t in gcsim-fuzz-bytes gcsim-fuzz; do
    FUZZ_TARGET=$t "$0" "$n" "$limit" | tee -a "$out"
  done
  echo "side by side:"
  paste -d'|' <(grep -E '^(gcsim-fuzz|median)' "$out" | head -2 | paste -sd' ' -) \
               <(grep -E '^(gcsim-fuzz|median)' "$out" | tail -2 | paste -sd' ' -) | tr '|' '\n'
  exit 0
fi
case $target in
  gcsim-fuzz|gcsim-fuzz-bytes) fuzz_build "$b" ;;
  gcsim-fuzz-edges) fuzz_build "$b"; fuzz_edges_build "$b" ;;
  *) echo "FUZZ_TARGET: gcsim-fuzz, gcsim-fuzz-bytes, gcsim-fuzz-edges or both, not '$target'" >&2; exit 2 ;;
esac
echo "$target, $pol, from ${FIRST_CRASH_SEEDS:-an empty corpus}, one core, findings set aside by ${supp#$root/}"
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
printf '%-5s %-9s %-18s %-10s %-12s %s\n' seed seconds found minimized min_seconds signature
: >"$tmp/times"
for seed in $(seq "$first" $((first + n - 1))); do
  mkdir -p "$tmp/c$seed" "$tmp/a$seed"
  if [ -n "${FIRST_CRASH_SEEDS:-}" ]; then cp "$FIRST_CRASH_SEEDS"/. "$tmp/c$seed/" -r; fi
  start=$(date +%s.%N)
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$supp \
    taskset -c "${FUZZ_CPU:-0}" "$b/$target" -seed="$seed" -max_total_time="$limit" \
    -dict="$root/corpus/gcsim.dict" -max_len=64 ${extra[@]+"${extra[@]}"} \
    -artifact_prefix="$tmp/a$seed/" \
    "$tmp/c$seed" >"$tmp/log$seed" 2>&1 || true
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  crash=$(ls "$tmp/a$seed"/crash-* 2>/dev/null | head -1 || true)
  if [ -z "$crash" ]; then
    printf '%-5s %-9.2f %-18s\n' "$seed" "$secs" "none-in-${limit}s"
    echo "$limit" >>"$tmp/times"; continue
  fi
  echo "$secs" >>"$tmp/times"
  kind=$(grep -o '==gcsim== VIOLATION [a-z-]*' "$tmp/log$seed" | head -1 | cut -d' ' -f3)
  # the saved crash replays to a violation, with the same trace twice
  # (gcsim replay exits 3 if its run and the harness's disagree)
  rc1=0 rc2=0
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$supp "$b/gcsim" replay "$crash" >"$tmp/r1" 2>&1 || rc1=$?
  GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$supp "$b/gcsim" replay "$crash" >"$tmp/r2" 2>&1 || rc2=$?
  [ "$rc1" = 1 ] && [ "$rc2" = 1 ] && cmp -s "$tmp/r1" "$tmp/r2" && replayed=$((${replayed:-0} + 1))
  m0=$(date +%s.%N)
  GCSIM_POLICY=$pol "$b/gcsim" minimize --bytes "$crash" >"$tmp/min$seed.gcs" 2>/dev/null
  m1=$(date +%s.%N)
  stmts=$(grep -cv '^#' "$tmp/min$seed.gcs")
  sig=$(grep '^# signature:' "$tmp/min$seed.gcs" | cut -d' ' -f3)
  mins=$(echo "$m1 - $m0" | bc)
  [ "$stmts" -gt "${maxst:-0}" ] && maxst=$stmts
  [ "$(echo "$mins > ${maxmin:-0}" | bc)" = 1 ] && maxmin=$mins
  printf '%-5s %-9.2f %-18s %-10s %-12.3f %s\n' "$seed" "$secs" "$kind" \
    "$stmts stmts" "$mins" "$sig"
done
echo "median $(median <"$tmp/times") s, max $(sort -g "$tmp/times" | tail -1) s to the first crash (limit $limit s)"
found=$(grep -cvx "$limit" "$tmp/times" || true)
echo "found in $found of $n runs; minimized to at most ${maxst:-0} statements, in at most ${maxmin:-0} s; ${replayed:-0} of $found replayed the violation identically twice"
