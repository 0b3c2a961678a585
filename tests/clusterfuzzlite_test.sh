#!/usr/bin/env bash
# .clusterfuzzlite/build.sh under the OSS-Fuzz contract, without Docker: the
# variables the builder would set (CC, CXX, CFLAGS, CXXFLAGS,
# LIB_FUZZING_ENGINE, OUT, WORK, SRC) are set here by hand, as for an ASan
# build, then what lands in $OUT is checked and run as ClusterFuzzLite
# would: each fuzzer with its options file's flags on its unzipped seed
# corpus, a few hundred inputs (-runs=N, fixed -seed). A fuzzer must exit 0,
# or crash only on known findings (gcsim replay with
# corpus/known-findings.supp). Exit 77 (skipped) without clang and libFuzzer.
# usage: tests/clusterfuzzlite_test.sh SRCDIR GCSIM [RUNS=400]
set -u
src=$(cd "$1" && pwd) gcsim=$(cd "$(dirname "$2")" && pwd)/$(basename "$2") runs=${3:-400}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for t in clang clang++ zip unzip; do
  command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$tmp/t.c"
clang -fsanitize=fuzzer,address "$tmp/t.c" -o "$tmp/t" 2>/dev/null || { echo "skip: clang has no libFuzzer"; exit 77; }

pass=0 fail=0
# from an empty working directory, which must stay empty (no stray crash
# files or profiles)
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 1
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# 1. build.sh, as the builder runs it: from the source tree.
out=$tmp/out
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
mkdir -p "$tmp/work" "$out"
if (cd "$src" && env CC=clang CXX=clang++ CFLAGS="$flags" CXXFLAGS="$flags" \
      LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT="$out" WORK="$tmp/work" SRC="$src/.." \
      bash .clusterfuzzlite/build.sh) >"$tmp/build.log" 2>&1; then ok; else
  bad "build.sh"; tail -20 "$tmp/build.log"; echo "$pass passed, $fail failed"; exit 1
fi

# 2. what landed in $OUT: one fuzzer per family, each with its seed corpus
#    zip, dictionary and options file, each a policy of its own.
seeds=$(cd "$src/corpus/seeds" && ls | sort)
fuzzers=$(cd "$out" && for f in gcsim_fuzz_*; do [ -f "$f" ] && [ -x "$f" ] && echo "$f"; done)
[ -n "$fuzzers" ] && ok || bad "no fuzzer in \$OUT"
policies=
for name in $fuzzers; do
  [ "$(unzip -Z1 "$out/${name}_seed_corpus.zip" 2>/dev/null | sort)" = "$seeds" ] && ok || bad "$name: seed corpus zip"
  cmp -s "$out/$name.dict" "$src/corpus/gcsim.dict" && ok || bad "$name: dictionary"
  # the options file, read as ClusterFuzz does: [libfuzzer] key = value
  opts=$(awk '/^\[/ { s = $0; next } s == "[libfuzzer]" && /=/ { gsub(/ /, ""); print "-" $0 }' "$out/$name.options" 2>/dev/null)
  echo "$opts" | grep -qx -- "-dict=$name.dict" && ok || bad "$name: options file names $name.dict ($opts)"
  ldd "$out/$name" 2>/dev/null | grep -q xxhash && bad "$name: needs libxxhash.so, which the runner lacks" || ok

  # 3. run it as the runner does (from $OUT, no GCSIM_* variables)
  d=$tmp/run/$name; mkdir -p "$d/corpus" "$d/crashes"
  unzip -q "$out/${name}_seed_corpus.zip" -d "$d/corpus"
  (cd "$out" && env -u GCSIM_POLICY -u GCSIM_SUPPRESSIONS ./"$name" $opts -runs="$runs" -seed=1 \
     -artifact_prefix="$d/crashes/" "$d/corpus") >"$d/log" 2>&1
  rc=$?
  pol=$(sed -n 's/^gcsim-fuzz: policy \([^,]*\), suppressions corpus\/known-findings.supp (built in)$/\1/p' "$d/log")
  [ -n "$pol" ] && ok || { bad "$name: no built-in policy and suppressions"; head -3 "$d/log"; }
  want=$(echo "$pol" | tr -d . | tr - _)
  [ "$name" = "gcsim_fuzz_$want" ] && ok || bad "$name runs policy '$pol'"
  policies="$policies $pol"
  if [ $rc -eq 0 ]; then
    grep -q "^Done $runs runs" "$d/log" && ok || bad "$name: did not run $runs inputs"
  else
    # a crash: fine only if it is a known finding
    n=0
    for c in "$d"/crashes/*; do
      [ -e "$c" ] || continue; n=$((n + 1))
      GCSIM_POLICY=$pol "$gcsim" replay "$c" --suppressions "$src/corpus/known-findings.supp" >"$c.replay" 2>&1
      grep -q '^suppressed: ' "$c.replay" && ok || { bad "$name: new finding $(basename "$c")"; grep -E '^(result|roles|signature):' "$c.replay"; }
    done
    [ $n -gt 0 ] && ok || { bad "$name exited $rc without a crash file"; tail -5 "$d/log"; }
  fi
done
[ "$(echo $policies | tr ' ' '\n' | sort -u | wc -l)" -eq "$(echo $fuzzers | wc -w)" ] && ok || bad "two fuzzers share a policy:$policies"

# 4. the variables still override what is built in (first fuzzer):
#    bpo-38006 under 3.8b4 is a known finding, a crash once suppressions are off
name=$(echo $fuzzers | cut -d' ' -f1)
seed=$src/corpus/seeds/bpo38006
GCSIM_POLICY=cpython-3.8b4 "$out/$name" "$seed" >"$tmp/log" 2>&1 && ok || { bad "3.8b4 with the built-in known findings must be clean"; tail -3 "$tmp/log"; }
GCSIM_POLICY=cpython-3.8b4 GCSIM_SUPPRESSIONS= "$out/$name" -artifact_prefix="$tmp/" "$seed" >"$tmp/log" 2>&1
[ $? -ne 0 ] && grep -q "==gcsim== VIOLATION call-after-clear on c at step 16 under cpython-3.8b4" "$tmp/log" && ok || bad "GCSIM_POLICY / empty GCSIM_SUPPRESSIONS override"
GCSIM_SUPPRESSIONS=$tmp/none.supp "$out/$name" "$seed" >"$tmp/log" 2>&1
[ $? -eq 2 ] && grep -q "none.supp:0: cannot read" "$tmp/log" && ok || bad "GCSIM_SUPPRESSIONS naming a missing file"

[ -z "$(ls -A "$tmp/cwd")" ] && ok || bad "files left in the working directory: $(ls -A "$tmp/cwd" | head -3)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
