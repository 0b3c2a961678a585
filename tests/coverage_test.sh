#!/usr/bin/env bash
# scripts/coverage.sh on a small corpus: the report exists, names the model's
# files with branch counts, and more inputs reach more lines (one seed, then
# the whole seed corpus, same policy). Exit 77 (skipped) without clang,
# llvm-profdata or llvm-cov.
# usage: tests/coverage_test.sh SRCDIR
set -u
src=$(cd "$1" && pwd)
command -v clang >/dev/null || { echo "skip: no clang"; exit 77; }
ver=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
for t in llvm-profdata llvm-cov; do
  command -v $t-$ver >/dev/null || command -v $t >/dev/null || { echo "skip: no $t"; exit 77; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# from an empty working directory, which must stay empty (no stray crash
# files or profiles)
mkdir "$tmp/cwd" && cd "$tmp/cwd" || exit 1
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
mkdir "$tmp/one"; cp "$src/corpus/seeds/bpo38006" "$tmp/one/"

covered() { # REPORT_OUTPUT -> lines covered in sim/
  sed -n 's|^sim/: lines [0-9.]*% (\([0-9]*\)/[0-9]*), branches [0-9.]*% ([0-9]*/[0-9]*).*|\1|p' "$1"
}
bash "$src/scripts/coverage.sh" -c "$tmp/one" -p cpython-3.8 --no-scenarios \
  -b "$tmp/b" -o "$tmp/r1" >"$tmp/log1" 2>&1 && ok || { bad "coverage.sh, one seed"; tail -5 "$tmp/log1"; }
n1=$(covered "$tmp/log1")
[ -n "$n1" ] && [ "$n1" -gt 0 ] && ok || { bad "no sim/ summary line"; tail -3 "$tmp/log1"; }
grep -q "sim/gc.c" "$tmp/r1/html/index.html" 2>/dev/null && ok || bad "index.html names sim/gc.c"
page=$(find "$tmp/r1/html" -path '*sim/gc.c.html' | head -1)
[ -n "$page" ] && grep -q "Branch (" "$page" && ok || bad "gc.c's page has branch counts"
grep -q "^sim/gc.c " "$tmp/r1/summary.txt" && ok || bad "summary.txt lists sim/gc.c"

bash "$src/scripts/coverage.sh" -c "$src/corpus/seeds" -p cpython-3.8 --no-scenarios \
  -b "$tmp/b" -o "$tmp/r2" >"$tmp/log2" 2>&1 && ok || { bad "coverage.sh, seed corpus"; tail -5 "$tmp/log2"; }
n2=$(covered "$tmp/log2")
[ -n "$n2" ] && [ -n "$n1" ] && [ "$n2" -gt "$n1" ] && ok || bad "the seed corpus must reach more lines than one seed ($n2 vs $n1)"
grep -q "coverage: \[1/1\] cpython-3.8: $(ls "$src/corpus/seeds" | wc -l) fuzz inputs" "$tmp/log2" && ok || bad "stage line"
[ -z "$(ls -A "$tmp/cwd")" ] && ok || bad "files left in the working directory: $(ls -A "$tmp/cwd" | head -3)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
