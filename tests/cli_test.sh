#!/usr/bin/env bash
# The command line: exit statuses, file:line messages for bad input, and no
# crash on garbage. usage: tests/cli_test.sh GCSIM SRCDIR
set -u
g=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { # name expected-status grep-pattern-on-stderr command...
  local name=$1 want=$2 pat=$3; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ $rc -eq "$want" ] && { [ -z "$pat" ] || grep -qE -e "$pat" "$tmp/err"; }; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL $name: exit $rc (want $want)"; head -3 "$tmp/err"
  fi
}
s=$src/corpus/scenarios/bpo38006.gcs
check "bpo38006 3.8b4 violation" 1 "" "$g" run "$s" --policy cpython-3.8b4
check "bpo38006 3.8 clean" 0 "" "$g" run "$s" --policy cpython-3.8
check "missing file" 2 "^$tmp/nope.gcs:0: cannot open" "$g" run "$tmp/nope.gcs"
check "unknown policy" 2 "unknown policy 'cpython-2.5'" "$g" run "$s" --policy cpython-2.5
check "unknown knob" 2 "unknown knob 'bogus'" "$g" run "$s" --policy cpython-3.9,bogus=1
check "bad trace" 2 "--trace takes text or jsonl" "$g" run "$s" --trace xml
check "unknown command" 2 "unknown command" "$g" frobnicate
check "no args" 2 "usage" "$g"
check "help" 0 "" "$g" help
check "policies" 0 "" "$g" policies
printf 'new a object\nlink a b\n' >"$tmp/unbound.gcs"
check "unbound name" 2 "unbound.gcs:2: name 'b' is not bound here" "$g" run "$tmp/unbound.gcs"
printf 'new a object\nfrob a\n' >"$tmp/bad.gcs"
check "unknown statement" 2 "bad.gcs:2: unknown statement 'frob'" "$g" run "$tmp/bad.gcs"
printf 'policy cpython-9.9\n' >"$tmp/pol.gcs"
check "bad policy line" 2 "pol.gcs:1: unknown policy" "$g" run "$tmp/pol.gcs"
printf 'new a object\ncollect 7\n' >"$tmp/gen.gcs"
check "bad generation" 2 "gen.gcs:2: generation must be" "$g" run "$tmp/gen.gcs"
printf 'new a object\nnew b object\nlink a' >"$tmp/trunc.gcs"
check "truncated scenario" 2 "trunc.gcs:3: 'link' takes 2 arguments" "$g" run "$tmp/trunc.gcs"
# Garbage: a fixed set of byte strings (deterministic), never a crash.
i=0
for seed in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
  awk -v s=$seed 'BEGIN{srand(s); for(i=0;i<200*s;i++) printf "%c", int(rand()*256)}' >"$tmp/g$seed"
  "$g" run "$tmp/g$seed" >/dev/null 2>"$tmp/err"; rc=$?
  if [ $rc -eq 2 ] && grep -qE "^$tmp/g$seed:[0-9]+: " "$tmp/err"; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL garbage seed $seed: exit $rc"; head -2 "$tmp/err"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
