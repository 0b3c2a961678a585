#!/usr/bin/env bash
# Benchmark (not a test): where gcsim-fuzz spends its time. perf records
# SECONDS of fuzzing on the seed corpus (every violation kind suppressed, so
# nothing stops the run) and the samples are summed by where they fall:
# the kernel, libFuzzer, libc, and gcsim itself (decoder, model, harness).
# usage: bench/fuzz_profile.sh [SECONDS=12] [POLICY=cpython-main]
set -euo pipefail
source "$(dirname "$0")/fuzzlib.sh"
secs=${1:-12} pol=${2:-cpython-main}
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)"; exit 2; }
b=$root/build-fuzz
fuzz_build "$b"
tmp=$(fuzz_tmpdir); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus" && cp "$root"/corpus/seeds/* "$tmp/corpus/"
GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$root/bench/all-kinds.supp \
  perf record -q -o "$tmp/perf.data" "$b/gcsim-fuzz" -max_total_time="$secs" \
  -max_len=64 "$tmp/corpus" >/dev/null 2>&1 || true
perf report -i "$tmp/perf.data" --no-children --sort dso,symbol 2>/dev/null |
  grep -v '^#' | grep '%' |
  awk '{ p = $1; sub("%", "", p)
         if ($2 ~ /kernel/) k += p; else if ($0 ~ /fuzzer::/) f += p
         else if ($0 ~ /libc|ld-linux/) c += p; else o += p }
       END { printf "kernel %.1f%%  libFuzzer %.1f%%  libc %.1f%%  gcsim (decoder+model+harness) %.1f%%\n", k, f, c, o }'
