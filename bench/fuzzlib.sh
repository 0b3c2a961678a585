# bench/fuzzlib.sh — sourced by the fuzzing benchmarks: build the fuzz
# targets, and small helpers. Not a test; nothing here fails on timing.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# fuzz_build DIR [asan]: configure and build gcsim-fuzz (+ gcsim) with clang.
fuzz_build() {
  local dir=$1 san=OFF
  [ "${2:-}" = asan ] && san=ON
  cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release \
    -DGCSIM_FUZZ=ON -DGCSIM_SANITIZE=$san >/dev/null
  cmake --build "$dir" -j2 >/dev/null
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
