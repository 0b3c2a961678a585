#!/usr/bin/env bash
# Benchmark (not a test): AFL++'s time to the first call-after-clear (the
# bpo-38006 crash) under cpython-3.8b4, from a one-byte input (AFL++ needs
# one file), with the dictionary, for N values of -s on one core, as
# bench/first_crash.sh measures gcsim-fuzz. FIRST_SEED=S starts at seed S;
# FUZZ_CPU=K picks the core (default 0).
# usage: bench/first_crash_afl.sh [N=10] [LIMIT_SECONDS=60]
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
n=${1:-10} limit=${2:-60} first=${FIRST_SEED:-1}
command -v afl-fuzz >/dev/null || { echo "afl-fuzz is not installed (scripts/install-deps.sh)"; exit 2; }
b=$root/build-fuzz
target=gcsim-afl
fuzz_build "$b"
[ -x "$b/$target" ] || { echo "$b/$target was not built (afl-clang-fast missing?)"; exit 2; }
echo "$target, cpython-3.8b4, from a one-byte input, one core"
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in"; printf '\0' >"$tmp/in/zero"
printf '%-5s %-9s %s\n' seed seconds found
: >"$tmp/times"
for seed in $(seq "$first" $((first + n - 1))); do
  start=$(date +%s.%N)
  AFL_BENCH_UNTIL_CRASH=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
    AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    GCSIM_POLICY=cpython-3.8b4 GCSIM_SUPPRESSIONS=$root/bench/first_crash.supp \
    taskset -c "${FUZZ_CPU:-0}" timeout $((limit + 30)) afl-fuzz -s "$seed" -V "$limit" \
    -i "$tmp/in" -o "$tmp/o$seed" -x "$root/corpus/gcsim.dict" -- "$b/$target" \
    >"$tmp/log$seed" 2>&1 || true
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc)
  if ls "$tmp/o$seed"/default/crashes/id:* >/dev/null 2>&1; then
    echo "$secs" >>"$tmp/times"
    printf '%-5s %-9.2f %s\n' "$seed" "$secs" "crash"
  else
    echo "$limit" >>"$tmp/times"
    printf '%-5s %-9.2f %s\n' "$seed" "$secs" "none-in-${limit}s"
  fi
done
echo "median $(median <"$tmp/times") s, max $(sort -g "$tmp/times" | tail -1) s to the first crash (limit $limit s)"
