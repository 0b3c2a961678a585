#!/usr/bin/env bash
# scripts/fuzz-farm.sh end to end, with short runs (seconds, not minutes)
# on the fuzz targets of BUILD_DIR (-DGCSIM_FUZZ=ON):
#   - usage: --help, bad options and an unknown policy (exit 2);
#   - libFuzzer -fork=2: summary lines, progress.tsv, the -merge=1 corpus,
#     and crashes.txt, whose signatures and known/new marks must agree with
#     `gcsim minimize` and the suppressions file on two crash files put
#     there beforehand (the work directory is cumulative);
#   - --sync: the merged corpus copied there, files named by content;
#   - AFL++ (when gcsim-afl is built): -M main with a foreign corpus (-F),
#     -S s1 with CmpLog, afl-cmin; --machine (secondaries only).
# Nothing here depends on how fast the machine is.
# usage: tests/fuzz_farm_test.sh BUILD_DIR SRCDIR
set -u
b=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
farm=$src/scripts/fuzz-farm.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# from an empty working directory, which must stay empty (no stray crash
# files or profiles)
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 1
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# 1. usage
bash "$farm" --help >"$tmp/help" 2>&1 && grep -q -- "--engine" "$tmp/help" && grep -q -- "--workers" "$tmp/help" && ok || bad "--help"
bash "$farm" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown option must exit 2"
bash "$farm" --engine foo >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown engine must exit 2"
bash "$farm" --no-build -b "$b" --policy cpython-9 --seconds 1 --out "$tmp/bad" >"$tmp/log" 2>&1
[ $? -eq 2 ] && grep -q "cpython-9" "$tmp/log" && ok || { bad "unknown policy must exit 2"; tail -3 "$tmp/log"; }

# 2. libFuzzer. Suppressions: only bpo-38006 itself, so the bpo38006 seed
#    is a known finding and the exposed-cleared seed a new one.
pol=cpython-3.8b4
printf 'kind call-after-clear %s: bpo-38006\n' "$pol" >"$tmp/supp"
w=$tmp/lf
mkdir -p "$w/crashes"
cp "$src/corpus/seeds/bpo38006" "$w/crashes/crash-put-bpo38006"
cp "$src/corpus/seeds/seed_exposed_cleared_get_objects" "$w/crashes/crash-put-exposed"
sig() { "$b/gcsim" minimize "$1" --bytes --policy "$pol" 2>/dev/null | sed -n 's/^# signature: //p'; }
sig_known=$(sig "$w/crashes/crash-put-bpo38006")
sig_new=$(sig "$w/crashes/crash-put-exposed")
[ -n "$sig_known" ] && [ -n "$sig_new" ] && ok || bad "the two seeds must be violations under $pol"
mkdir "$tmp/sync"
bash "$farm" --engine libfuzzer --workers 2 --seconds 6 --interval 1 --policy "$pol" \
  --suppressions "$tmp/supp" --sync "$tmp/sync" --no-build -b "$b" --out "$w" >"$tmp/lf.out" 2>&1
rc=$?
[ $rc -eq 1 ] && ok || { bad "libfuzzer farm: exit $rc, want 1 (a new finding was put there)"; tail -20 "$tmp/lf.out"; }
grep -q -E "^farm [0-9]+s/6s libfuzzer x2 $pol: execs [0-9-]" "$tmp/lf.out" && ok || bad "no summary line"
grep -q $'\r' "$tmp/lf.out" && bad "carriage return in the output" || ok
grep -q "^$sig_known  *[0-9][0-9]*  known " "$w/crashes.txt" && ok || bad "$sig_known must be listed known"
grep -q "^$sig_new  *[0-9][0-9]*  new " "$w/crashes.txt" && ok || bad "$sig_new must be listed new"
[ "$(awk '{ s += $2 } END { print s + 0 }' "$w/crashes.txt")" -eq "$(ls "$w/crashes" | wc -l)" ] && ok || bad "counts in crashes.txt must add up to the crash files"
[ "$(awk '{ print $1 }' "$w/crashes.txt" | sort | uniq -d | wc -l)" -eq 0 ] && ok || bad "a signature listed twice"
# progress.tsv: a header, rows, executions never going down, some executed
awk -F'\t' 'NR == 1 { ok = ($1 == "seconds" && $2 == "execs"); next }
  { if ($2 + 0 < last) ok = 0; last = $2 + 0; n++ } END { exit !(ok && n >= 1 && last > 0) }' "$w/progress.tsv" && ok || { bad "progress.tsv"; cat "$w/progress.tsv"; }
nmin=$(find "$w/corpus-min" -type f | wc -l)
nall=$(( $(find "$w/corpus" -type f | wc -l) + $(ls "$src/corpus/seeds" | wc -l) ))
[ "$nmin" -gt 0 ] && [ "$nmin" -le "$nall" ] && ok || bad "merged corpus: $nmin of $nall"
grep -q "libFuzzer -merge=1: $nall inputs -> $nmin in" "$tmp/lf.out" && ok || bad "merge line ($nall -> $nmin)"
# --sync: the merged corpus lands there, named by content
[ "$(ls "$tmp/sync" | wc -l)" -eq "$nmin" ] && ok || bad "--sync holds $(ls "$tmp/sync" | wc -l), want $nmin"
f=$(ls "$tmp/sync" | head -1)
[ -n "$f" ] && [ "$(sha1sum <"$tmp/sync/$f" | cut -c1-40)" = "$f" ] && ok || bad "--sync file names"

# 3. AFL++: main imports the whole seed corpus with -F while fuzzing from
#    one seed; s1 runs CmpLog; afl-cmin minimizes.
if [ -x "$b/gcsim-afl" ] && command -v afl-fuzz >/dev/null; then
  cmake --build "$b" --target gcsim_afl_cmplog >"$tmp/cmplog.log" 2>&1 && ok || { bad "building gcsim-afl-cmplog"; tail -5 "$tmp/cmplog.log"; }
  w=$tmp/afl
  mkdir -p "$tmp/one"; cp "$src/corpus/seeds/stmt_saveall" "$tmp/one/"
  bash "$farm" --engine afl --workers 2 --seconds 8 --interval 2 --policy cpython-3.8 \
    --corpus "$tmp/one" -F "$src/corpus/seeds" --no-build -b "$b" --out "$w" >"$tmp/afl.out" 2>&1
  rc=$?
  [ $rc -le 1 ] && ok || { bad "afl farm: exit $rc"; tail -20 "$tmp/afl.out"; }
  grep -q "command_line.*-M main -F $src/corpus/seeds" "$w/afl/main/fuzzer_stats" 2>/dev/null && ok || bad "main instance with -F"
  grep -q "command_line.*-S s1 -c $b/gcsim-afl-cmplog" "$w/afl/s1/fuzzer_stats" 2>/dev/null && ok || bad "s1 with CmpLog"
  ls "$w/afl/main/queue" 2>/dev/null | grep -q "sync:seeds" && ok || bad "main imported nothing from the foreign corpus"
  tail -1 "$w/progress.tsv" | awk -F'\t' '{ exit !($2 > 0 && $3 > 0) }' && ok || { bad "afl: no executions or edges"; tail -3 "$w/progress.tsv"; }
  grep -q -E "^farm [0-9]+s/8s afl x2 cpython-3.8: execs .* edges " "$tmp/afl.out" && ok || bad "afl summary line"
  nmin=$(find "$w/corpus-min" -type f | wc -l)
  nall=$(find "$w/corpus" -type f | wc -l)
  [ "$nmin" -gt 0 ] && [ "$nmin" -le "$nall" ] && ok || { bad "afl-cmin corpus: $nmin of $nall"; tail -5 "$w/logs/cmin.log"; }
  # another machine's secondaries: m2-s1, no main
  bash "$farm" --engine afl --machine m2 --workers 1 --seconds 3 --policy cpython-3.8 \
    --no-build -b "$b" --out "$tmp/m2" >"$tmp/m2.out" 2>&1
  grep -q "command_line.*-S m2-s1 -c $b/gcsim-afl-cmplog" "$tmp/m2/afl/m2-s1/fuzzer_stats" 2>/dev/null && [ ! -d "$tmp/m2/afl/main" ] && ok || { bad "--machine m2"; tail -5 "$tmp/m2.out"; }
  bash "$farm" --engine afl --machine m2 -F "$src/corpus/seeds" --no-build -b "$b" >/dev/null 2>&1
  [ $? -eq 2 ] && ok || bad "--machine with -F must exit 2 (no main to import)"
  # no CmpLog child left behind (only this test runs gcsim-afl-cmplog)
  pgrep -f "$b/gcsim-afl-cmplog" >/dev/null && bad "gcsim-afl-cmplog processes left: $(pgrep -f "$b/gcsim-afl-cmplog" | tr '\n' ' ')" || ok
else
  echo "note: gcsim-afl or afl-fuzz missing, AFL++ part skipped"
fi
[ -z "$(ls -A "$tmp/cwd")" ] && ok || bad "files left in the working directory: $(ls -A "$tmp/cwd" | head -3)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
