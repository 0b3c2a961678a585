#!/usr/bin/env bash
# The fuzz targets end to end (built with -DGCSIM_FUZZ=ON): the seed corpus
# runs through gcsim-fuzz without a gcsim bug, and libFuzzer sees the
# model's feedback counters; gcsim-fuzz turns the
# bpo-38006 seed into a crash under cpython-3.8b4 and not under 3.8; the
# saved crash replays to the same violation; gcsim-afl (when built) does the
# same on stdin, and afl-showmap sees its coverage and its crash;
# gcsim-fuzz mutates with the structure-aware mutator, gcsim-fuzz-bytes with
# libFuzzer's own mutations.
# usage: tests/fuzz_targets.sh BUILD_DIR SRCDIR
set -u
b=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
seed=$src/corpus/seeds/bpo38006
[ -s "$seed" ] || { echo "no seed corpus"; exit 1; }

# 1. every seed once, every violation kind suppressed: exit 0 (no gcsim bug)
mkdir "$tmp/corpus"; cp "$src"/corpus/seeds/* "$tmp/corpus/"
for pol in cpython-3.7 cpython-3.8b4 cpython-3.9 cpython-main; do
  if GCSIM_POLICY=$pol GCSIM_SUPPRESSIONS=$src/bench/all-kinds.supp \
     "$b/gcsim-fuzz" -runs=0 "$tmp/corpus" >"$tmp/log" 2>&1; then ok; else
    bad "seed corpus under $pol"; tail -5 "$tmp/log"; fi
done

# the model's feedback counters reach libFuzzer: the seed corpus sets
# hundreds of features although gcsim's code is not instrumented (cov: ~2)
cov=$(sed -n 's/.*INITED cov: \([0-9]*\) ft: .*/\1/p' "$tmp/log" | head -1)
ft=$(sed -n 's/.*INITED cov: [0-9]* ft: \([0-9]*\).*/\1/p' "$tmp/log" | head -1)
[ -n "$ft" ] && [ "$ft" -ge 100 ] && [ "${cov:-999}" -lt 50 ] && ok ||
  bad "model feedback: cov '${cov:-none}' ft '${ft:-none}' on the seed corpus"

# 2. the bpo-38006 seed crashes gcsim-fuzz under 3.8b4 and is saved
mkdir "$tmp/one"; cp "$seed" "$tmp/one/"
GCSIM_POLICY=cpython-3.8b4 "$b/gcsim-fuzz" -runs=0 -artifact_prefix="$tmp/" "$tmp/one" >"$tmp/log" 2>&1
[ $? -ne 0 ] && grep -q "==gcsim== VIOLATION call-after-clear on c at step 16 under cpython-3.8b4" "$tmp/log" && ok || { bad "gcsim-fuzz 3.8b4"; tail -5 "$tmp/log"; }
crash=$(ls "$tmp"/crash-* 2>/dev/null | head -1)
[ -n "$crash" ] && cmp -s "$crash" "$seed" && ok || bad "crash file saved"
GCSIM_POLICY=cpython-3.8 "$b/gcsim-fuzz" "$seed" >"$tmp/log" 2>&1 && ok || bad "gcsim-fuzz 3.8 must be clean"
# a policy the harness does not know: exit 2 before fuzzing
GCSIM_POLICY=cpython-9 "$b/gcsim-fuzz" -runs=1 "$tmp/corpus" >"$tmp/log" 2>&1
[ $? -eq 2 ] && grep -q "gcsim-fuzz: policy 'cpython-9'" "$tmp/log" && ok || bad "bad GCSIM_POLICY"

# 3. replay reproduces what the fuzzer saw
if [ -n "$crash" ]; then
  GCSIM_POLICY=cpython-3.8b4 "$b/gcsim" replay "$crash" >"$tmp/replay" 2>&1
  [ $? -eq 1 ] && grep -q "^result: VIOLATION call-after-clear on c at step 16 under cpython-3.8b4" "$tmp/replay" && ok || bad "replay"
fi

# 4. mutations: gcsim-fuzz's are structure-aware (libFuzzer logs the
# custom mutator as "Custom" in the mutation sequence of each new input),
# gcsim-fuzz-bytes' are libFuzzer's own; GCSIM_MUTATOR is checked
mkdir "$tmp/e1" "$tmp/e2"
GCSIM_POLICY=cpython-3.9 GCSIM_SUPPRESSIONS=$src/bench/all-kinds.supp \
  "$b/gcsim-fuzz" -seed=1 -runs=3000 -max_len=64 "$tmp/e1" >"$tmp/log" 2>&1 &&
  grep -q "100% structure-aware mutations" "$tmp/log" &&
  grep -q "NEW .*MS: [0-9]* Custom-" "$tmp/log" && ok || { bad "gcsim-fuzz structure-aware mutations"; tail -3 "$tmp/log"; }
if [ -x "$b/gcsim-fuzz-bytes" ]; then
  GCSIM_POLICY=cpython-3.9 GCSIM_SUPPRESSIONS=$src/bench/all-kinds.supp \
    "$b/gcsim-fuzz-bytes" -seed=1 -runs=3000 -max_len=64 "$tmp/e2" >"$tmp/log" 2>&1 &&
    grep -q "NEW .*MS: " "$tmp/log" && ! grep -q "Custom\|structure-aware" "$tmp/log" && ok ||
    { bad "gcsim-fuzz-bytes stock mutations"; tail -3 "$tmp/log"; }
else
  bad "no $b/gcsim-fuzz-bytes"
fi
GCSIM_MUTATOR=most "$b/gcsim-fuzz" -runs=1 "$tmp/e1" >"$tmp/log" 2>&1
[ $? -eq 2 ] && grep -q "GCSIM_MUTATOR is bytes, structure or 0-100, not 'most'" "$tmp/log" && ok || bad "bad GCSIM_MUTATOR"

# 5. gcsim-afl: persistent mode binary, run on stdin and under afl-showmap
if [ -x "$b/gcsim-afl" ]; then
  GCSIM_POLICY=cpython-3.8b4 "$b/gcsim-afl" <"$seed" >"$tmp/log" 2>&1
  [ $? -ne 0 ] && grep -q "==gcsim== VIOLATION call-after-clear" "$tmp/log" && ok || bad "gcsim-afl 3.8b4"
  GCSIM_POLICY=cpython-3.8 "$b/gcsim-afl" <"$seed" >/dev/null 2>&1 && ok || bad "gcsim-afl 3.8 clean"
  if command -v afl-showmap >/dev/null; then
    GCSIM_POLICY=cpython-3.8 AFL_QUIET=1 afl-showmap -q -o "$tmp/map" -- "$b/gcsim-afl" <"$seed"
    rc=$?
    [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/map")" -gt 50 ] && ok || bad "afl-showmap coverage (exit $rc)"
    GCSIM_POLICY=cpython-3.8b4 AFL_QUIET=1 afl-showmap -q -o "$tmp/map" -- "$b/gcsim-afl" <"$seed"
    [ $? -eq 2 ] && ok || bad "afl-showmap sees the crash"
  fi
else
  echo "note: gcsim-afl not built (no afl-clang-fast)"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
