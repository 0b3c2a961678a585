#!/usr/bin/env bash
# scripts/coverage.sh — which branches of the model the corpus reaches:
# builds gcsim with clang's source-based coverage, runs the corpus through
# it, writes an HTML report and prints the line and branch coverage of sim/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  cat <<EOF
usage: scripts/coverage.sh [OPTIONS]

Builds gcsim with clang's source-based coverage (-fprofile-instr-generate
-fcoverage-mapping), then runs
  - every fuzz input of the corpus directories through \`gcsim replay\` (the
    harness the fuzz targets run, then the trace), under every policy;
  - every scenario of corpus/scenarios and tests/golden through \`gcsim run\`,
    under its own policy line and under every policy;
merges the profiles (llvm-profdata) and writes an HTML report of sim/, fuzz/, confirm/, pictures/, cli/
and include/ (llvm-cov show -format=html, with branch counts).

  -c, --corpus DIR     fuzz inputs, repeatable (default corpus/seeds); e.g.
                       the corpus-min/ of a scripts/fuzz-farm.sh run
  -p, --policies LIST  comma-separated, or "all" (default all presets)
      --no-scenarios   fuzz inputs only
  -o, --out DIR        report directory (default build-cov/report)
  -b, --build DIR      coverage build directory (default build-cov)
  -j, --jobs N         processes at once (default: the cores here)
  -h, --help           this text

Prints a line per stage, then
  sim/: lines 91.23% (2345/2570), branches 80.12% (1234/1540), functions ...
and writes DIR/summary.txt (llvm-cov report of the code, per file) and
DIR/html/index.html. Needs clang, llvm-profdata and llvm-cov
(scripts/install-deps.sh installs them: Debian's clang and llvm packages).
EOF
}

corpora=() policies=all scenarios=1 out= build=$root/build-cov
jobs=$(nproc 2>/dev/null || echo 2)
die() { echo "coverage: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    -c|--corpus) [ $# -ge 2 ] || die "$1 needs a value"; corpora+=("$2"); shift ;;
    -p|--policies) [ $# -ge 2 ] || die "$1 needs a value"; policies=$2; shift ;;
    --no-scenarios) scenarios=0 ;;
    -o|--out) [ $# -ge 2 ] || die "$1 needs a value"; out=$2; shift ;;
    -b|--build) [ $# -ge 2 ] || die "$1 needs a value"; build=$2; shift ;;
    -j|--jobs) [ $# -ge 2 ] || die "$1 needs a value"; jobs=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (--help)" ;;
  esac
  shift
done
[ ${#corpora[@]} -gt 0 ] || corpora=("$root/corpus/seeds")
for d in "${corpora[@]}"; do [ -d "$d" ] || die "no directory $d"; done
out=${out:-$build/report}

# llvm-profdata and llvm-cov of clang's own version first
command -v clang >/dev/null || die "no clang (scripts/install-deps.sh)"
ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
tool() {
  local t
  for t in "$1-$ver" "$1"; do command -v "$t" >/dev/null && { echo "$t"; return; }; done
  die "no $1 (scripts/install-deps.sh installs Debian's llvm package)"
}
profdata=$(tool llvm-profdata) cov=$(tool llvm-cov)

echo "coverage: building gcsim with -fprofile-instr-generate -fcoverage-mapping in $build"
flags="-fprofile-instr-generate -fcoverage-mapping"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$build" --target gcsim -j"$jobs" >/dev/null
gcsim=$build/gcsim
rm -rf "$out"; mkdir -p "$out/profiles"
# %m: every process adds to one profile file per binary (merged on exit)
export LLVM_PROFILE_FILE=$out/profiles/gcsim-%m.profraw
[ "$policies" = all ] && policies=$("$gcsim" policies | grep '^cpython-' | tr '\n' ',')
IFS=, read -r -a pols <<<"${policies%,}"
mapfile -t inputs < <(find "${corpora[@]}" -maxdepth 1 -type f | sort)
scen=()
[ $scenarios = 1 ] && mapfile -t scen < <(ls "$root"/corpus/scenarios/*.gcs "$root"/tests/golden/*.gcs)

# run_all ARGS...: gcsim ARGS... FILE for every FILE on stdin, $jobs at a
# time; exit 1 (a violation) is an outcome like any other
run_all() { xargs -r -d '\n' -n1 -P "$jobs" sh -c '"$@" >/dev/null 2>&1; rc=$?; [ $rc -le 1 ] || echo "coverage: exit $rc from $*" >&2' _ "$gcsim" "$@"; }

i=0
for p in "${pols[@]}"; do
  i=$((i + 1))
  echo "coverage: [$i/${#pols[@]}] $p: ${#inputs[@]} fuzz inputs (gcsim replay)${scen:+, ${#scen[@]} scenarios (gcsim run --policy $p)}"
  printf '%s\n' "${inputs[@]}" | run_all replay --policy "$p"
  [ ${#scen[@]} -eq 0 ] || printf '%s\n' "${scen[@]}" | run_all run --policy "$p"
done
if [ ${#scen[@]} -gt 0 ]; then
  echo "coverage: ${#scen[@]} scenarios under their own policy line (gcsim run --trace jsonl)"
  printf '%s\n' "${scen[@]}" | run_all run --trace jsonl
fi

dirs=("$root/sim" "$root/fuzz" "$root/confirm" "$root/pictures" "$root/cli")
"$profdata" merge -sparse "$out"/profiles/*.profraw -o "$out/gcsim.profdata"
"$cov" report "$gcsim" -instr-profile="$out/gcsim.profdata" -show-branch-summary \
  "${dirs[@]}" >"$out/summary.txt"
"$cov" show "$gcsim" -instr-profile="$out/gcsim.profdata" -format=html \
  -output-dir="$out/html" -show-branches=count -show-line-counts-or-regions \
  -project-title="gcsim: ${#inputs[@]} fuzz inputs, ${#scen[@]} scenarios, ${#pols[@]} policies" \
  "${dirs[@]}" "$root/include"

# one line per directory: the TOTAL of llvm-cov report over its files
for d in sim fuzz confirm pictures cli; do
  "$cov" report "$gcsim" -instr-profile="$out/gcsim.profdata" "$root/$d" | awk -v d="$d" '
    $1 == "TOTAL" { printf "%s/: lines %s (%d/%d), branches %s (%d/%d), functions %s (%d/%d), regions %s (%d/%d)\n",
                    d, $10, $8 - $9, $8, $13, $11 - $12, $11, $7, $5 - $6, $5, $4, $2 - $3, $2 }'
done | tee -a "$out/summary.txt"
echo "coverage: report $out/html/index.html, per file $out/summary.txt"
