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

# fuzz_edges_build DIR: also gcsim-fuzz-edges there (fuzz_build first): the
# model compiled with edge coverage and no feedback counters, the way
# gcsim-fuzz was guided before, to compare against.
fuzz_edges_build() {
  cmake --build "$1" --target gcsim-fuzz-edges -j2 >/dev/null
}

# fuzz_tmpdir: a new temporary directory under $FUZZ_TMP, else on tmpfs
# (/dev/shm) when there is one, else in /tmp. libFuzzer writes every new
# corpus unit to disk; on this machine's ext4 /tmp, file creation cost up
# to 40% of a short run's time (kernel inode allocation), which measured
# the disk rather than the fuzzer (FUZZ_TMP=/tmp shows it).
fuzz_tmpdir() {
  local base=${FUZZ_TMP:-}
  if [ -z "$base" ]; then
    base=/tmp
    [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
  fi
  mktemp -d -p "$base" gcsim.XXXXXX
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# crash_table POLICY GCSIM SUPPRESSIONS FILE...: replay every crash file
# (`gcsim replay`, through the harness the engines ran) and print one line
# per signature, most frequent first:
#   SIGNATURE  COUNT  known|new  ROLES  [confirmed C/N]  e.g. FILE
# "known" when a suppression of SUPPRESSIONS matches (the replay says
# "suppressed:"); an input that replays clean is "no-violation", new (worth
# a look: a sanitizer report or a timeout of gcsim itself). With
# CONFIRM_PYTHON set, every file also runs in that interpreter (`gcsim
# confirm`, report in FILE.confirm): C of the N files of the signature
# showed the model's events and violation there.
crash_table() {
  local pol=$1 g=$2 supp=$3 c out sig roles status real
  shift 3
  for c in "$@"; do
    [ -f "$c" ] || continue
    out=$("$g" replay "$c" --policy "$pol" --suppressions "$supp" 2>&1 || true)
    sig=$(sed -n 's/^signature: //p' <<<"$out" | head -1)
    roles=$(sed -n 's/^roles: //p' <<<"$out" | head -1)
    status=new
    grep -q '^suppressed: ' <<<"$out" && status=known
    real=-
    if [ -n "${CONFIRM_PYTHON:-}" ]; then
      real=0
      "$g" confirm "$c" --bytes --python "$CONFIRM_PYTHON" --policy "$pol" \
        >"$c.confirm" 2>&1 && real=1
    fi
    echo "${sig:-no-violation} $status ${roles:--} $real $c"
  done | awk '{ n[$1]++; if ($4 != "-") { tried[$1]++; ok[$1] += $4 }
                if (!($1 in ex)) { ex[$1] = $5; st[$1] = $2; ro[$1] = $3 } }
    END { for (s in n) printf "%-34s %5d  %-5s  %s%s  e.g. %s\n", s, n[s], st[s], ro[s],
                              (s in tried) ? sprintf("  confirmed %d/%d", ok[s], tried[s]) : "", ex[s] }' |
    sort -k2,2nr -k1,1
}
