#!/usr/bin/env bash
# Benchmark (not a test): from an EMPTY corpus, the time to three findings
# with libFuzzer's byte mutations (gcsim-fuzz-bytes) and with the
# structure-aware mutator (gcsim-fuzz), N seeds each, every other finding
# set aside, in one table:
#   the PyObject_ClearWeakRefs walk (use-after-free or list-corrupt, actor
#     dealloc) under cpython-3.11, limit DEEP_LIMIT seconds a run;
#   call-after-clear (bpo-38006) under cpython-3.8b4, limit LIMIT;
#   touch-after-clear under cpython-3.9, limit LIMIT.
# The two mutators run at the same time, one core each (FUZZ_CPU 0 and 1;
# FIRST_CRASH_CPUS="0 0" runs them one after the other on core 0). A run
# that finds nothing counts as its limit in the median. Each run's own
# lines (seed, seconds, kind, minimized size and time, signature) come
# first, from bench/first_crash.sh.
# usage: bench/first_crash_table.sh [N=10] [DEEP_LIMIT=300] [LIMIT=60]
#   GCSIM_MUTATOR applies to gcsim-fuzz (its share of structure-aware
#   mutations); FUZZ_BUILD as for bench/first_crash.sh.
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
n=${1:-10} deep=${2:-300} limit=${3:-60}
read -r cpu_bytes cpu_struct <<<"${FIRST_CRASH_CPUS:-0 1}"
# built once here, so that the two columns' first_crash.sh find nothing to
# rebuild (they share the build directory)
fuzz_build "${FUZZ_BUILD:-$root/build-fuzz}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rows=("ClearWeakRefs walk|cpython-3.11|bench/first_clearweakrefs.supp|$deep"
      "call-after-clear|cpython-3.8b4|bench/first_crash.supp|$limit"
      "touch-after-clear|cpython-3.9|bench/first_touch.supp|$limit")
column() { # target cpu
  for i in "${!rows[@]}"; do
    IFS='|' read -r _ pol supp lim <<<"${rows[$i]}"
    FUZZ_TARGET=$1 FUZZ_CPU=$2 FIRST_CRASH_POLICY=$pol \
      FIRST_CRASH_SUPP=$root/$supp "$root/bench/first_crash.sh" "$n" "$lim" \
      >"$tmp/$1.$i" 2>&1 || echo "first_crash.sh failed" >>"$tmp/$1.$i"
  done
}
if [ "$cpu_bytes" = "$cpu_struct" ]; then
  column gcsim-fuzz-bytes "$cpu_bytes"; column gcsim-fuzz "$cpu_struct"
else
  column gcsim-fuzz-bytes "$cpu_bytes" & column gcsim-fuzz "$cpu_struct" & wait
fi
for i in "${!rows[@]}"; do cat "$tmp/gcsim-fuzz-bytes.$i" "$tmp/gcsim-fuzz.$i"; echo; done
cell() { # file: "median s / max s, found k/n"
  local med max found
  med=$(sed -n 's/^median \([0-9.]*\) s, max \([0-9.]*\) s.*/\1/p' "$1")
  max=$(sed -n 's/^median [0-9.]* s, max \([0-9.]*\) s.*/\1/p' "$1")
  found=$(sed -n 's/^found in \([0-9]*\) of .*/\1/p' "$1")
  [ -n "$med" ] || { echo "(failed: see above)"; return; }
  printf '%.1f s / %.1f s, %s of %s' "$med" "$max" "$found" "$n"
}
minim() { # file: "largest minimized, slowest minimization, replays"
  local l f st sec rep
  l=$(grep '^found in ' "$1") || { echo "-"; return; }
  read -r f st sec rep <<<"$(echo "$l" | sed 's/^found in \([0-9]*\) of [0-9]* runs; minimized to at most \([0-9]*\) statements, in at most \([0-9.]*\) s; \([0-9]*\) of .*/\1 \2 \3 \4/')"
  [ "$f" -gt 0 ] 2>/dev/null || { echo "-"; return; }
  printf '%s stmts, %.3f s; %s of %s replay identically' "$st" "$sec" "$rep" "$f"
}
echo "time to the first crash from an empty corpus, $n seeds each, one core each: median / max, runs that found it"
printf '| %-36s | %-30s | %-30s | %s |\n' "finding, preset (limit)" "byte mutations (gcsim-fuzz-bytes)" "structure-aware (gcsim-fuzz)" "structure-aware: largest minimized, slowest minimization, replays"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..38})" "$(printf -- '-%.0s' {1..32})" "$(printf -- '-%.0s' {1..32})" "---"
for i in "${!rows[@]}"; do
  IFS='|' read -r what pol _ lim <<<"${rows[$i]}"
  printf '| %-36s | %-30s | %-30s | %s |\n' "$what, $pol (${lim} s)" \
    "$(cell "$tmp/gcsim-fuzz-bytes.$i")" "$(cell "$tmp/gcsim-fuzz.$i")" "$(minim "$tmp/gcsim-fuzz.$i")"
done
