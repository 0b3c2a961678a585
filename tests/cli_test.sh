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
check "run --help" 0 "" "$g" run --help
check "confirm -h" 0 "" "$g" confirm -h
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
# A scenario file is mapped, not copied (fileio_map): nothing may read past
# its last byte. One of exactly a page whose last line has no newline (a read
# past the end faults); the same text through a pipe (read, not mapped)
# runs the same; so does an empty file, and fuzz bytes from a pipe.
python3 -c '
import sys
head = "new a object\nlink a a\ndel a\n#"
sys.stdout.write(head + "x" * (4096 - len(head) - len("\ncollect") ) + "\ncollect")' >"$tmp/page.gcs"
[ "$(wc -c <"$tmp/page.gcs")" = 4096 ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL page.gcs is not 4096 bytes"; }
check "a scenario of exactly a page, no newline at its end" 0 "" "$g" run "$tmp/page.gcs"
fp_file=$(grep '^fingerprint' "$tmp/out")
fp_pipe=$(cat "$tmp/page.gcs" | "$g" run /dev/stdin --scenario 2>&1 | grep '^fingerprint')
[ -n "$fp_file" ] && [ "$fp_file" = "$fp_pipe" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL a scenario from a pipe: '$fp_pipe', from the file: '$fp_file'"; }
: >"$tmp/empty.gcs"
check "an empty scenario" 0 "" "$g" run "$tmp/empty.gcs"
seed=$(ls "$src"/corpus/seeds/* | head -1)
fp_file=$("$g" run --bytes "$seed" 2>&1 | grep '^fingerprint')
fp_pipe=$(cat "$seed" | "$g" run --bytes /dev/stdin 2>&1 | grep '^fingerprint')
[ -n "$fp_file" ] && [ "$fp_file" = "$fp_pipe" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL fuzz bytes from a pipe: '$fp_pipe', from the file: '$fp_file'"; }
# Garbage: a fixed set of byte strings (deterministic), never a crash. Read
# as fuzz bytes they always decode (exit 0 or 1), unless the last statement
# is cut off (exit 2, FILE:0: truncated); forced to be a scenario they are
# a parse error at a line.
for seed in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
  awk -v s=$seed 'BEGIN{srand(s); for(i=0;i<200*s;i++) printf "%c", int(rand()*256)}' >"$tmp/g$seed"
  "$g" run "$tmp/g$seed" >/dev/null 2>"$tmp/err"; rc=$?
  if [ $rc -le 1 ] || { [ $rc -eq 2 ] && grep -qE "^$tmp/g$seed:0: truncated fuzz input" "$tmp/err"; }; then
    pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL garbage seed $seed: exit $rc"; head -2 "$tmp/err"; fi
  "$g" run --scenario "$tmp/g$seed" >/dev/null 2>"$tmp/err"; rc=$?
  if [ $rc -eq 2 ] && grep -qE "^$tmp/g$seed:[0-9]+: " "$tmp/err"; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL garbage seed $seed as scenario: exit $rc"; head -2 "$tmp/err"; fi
  "$g" replay "$tmp/g$seed" >/dev/null 2>"$tmp/err"; rc=$?
  if [ $rc -le 1 ]; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL garbage seed $seed replay: exit $rc"; head -2 "$tmp/err"; fi
done

# encode / decode / run bytes / replay
check "encode" 0 "" "$g" encode "$s" -o "$tmp/b.bin"
check "decode" 0 "" "$g" decode "$tmp/b.bin" -o "$tmp/d.gcs"
check "decoded scenario violates" 1 "" "$g" run "$tmp/d.gcs"
check "run bytes ignores their policy line (default main)" 0 "" env -u GCSIM_POLICY "$g" run "$tmp/b.bin"
check "run bytes --policy" 1 "" "$g" run "$tmp/b.bin" --policy cpython-3.8b4
check "run bytes under 3.8" 0 "" "$g" run "$tmp/b.bin" --policy cpython-3.8
check "replay 3.8b4" 1 "" env GCSIM_POLICY=cpython-3.8b4 "$g" replay "$tmp/b.bin"
grep -q "^signature: call-after-clear:[0-9a-f]\{12\}$" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL replay prints a signature"; }
grep -q "^roles: call-after-clear/function/weakref/delete_garbage$" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL replay prints the roles"; }
check "replay ignores the policy line (default main)" 0 "" env -u GCSIM_POLICY "$g" replay "$tmp/b.bin"
check "replay --policy" 1 "" "$g" replay "$tmp/b.bin" --policy cpython-3.8b4
head -c $(( $(wc -c <"$tmp/b.bin") - 1 )) "$tmp/b.bin" >"$tmp/cut.bin"
check "run truncated bytes" 2 "cut.bin:0: truncated fuzz input: the statement at byte" "$g" run "$tmp/cut.bin"
check "replay truncated bytes" 0 "" "$g" replay "$tmp/cut.bin" --policy cpython-3.8b4
grep -q "cut off by the end of the input" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL replay notes the cut statement"; }
check "encode beyond the caps" 2 "slot number beyond" sh -c "printf 'new a object\nlink a a\nunlink a a.300\n' >'$tmp/cap.gcs'; '$g' encode '$tmp/cap.gcs'"
check "decode a missing file" 2 "nope.bin:0: cannot open" "$g" decode "$tmp/nope.bin"

# minimize
check "minimize bpo38006" 0 "" "$g" minimize "$s" -o "$tmp/min.gcs"
check "minimized violates the same way" 1 "" "$g" run "$tmp/min.gcs"
grep -q "call-after-clear" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL minimized kind"; }
check "minimize a clean run" 2 "no violation under cpython-3.8" "$g" minimize "$s" --policy cpython-3.8
check "minimize bytes" 0 "" env GCSIM_POLICY=cpython-3.8b4 "$g" minimize "$tmp/b.bin"

# suppressions
printf 'kind call-after-clear cpython-3.8b4: bpo-38006, fixed in 3.8\n' >"$tmp/known.supp"
check "replay suppressed" 1 "" "$g" replay "$tmp/b.bin" --policy cpython-3.8b4 --suppressions "$tmp/known.supp"
grep -q "^suppressed: $tmp/known.supp:1: bpo-38006" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL replay says suppressed"; }
printf '# known\nkind call-after-clear\n' >"$tmp/bad.supp"
check "suppression without reason" 2 "bad.supp:2: a suppression needs a reason" "$g" replay "$tmp/b.bin" --suppressions "$tmp/bad.supp"
check "unknown option" 2 "unknown option '--frob'" "$g" replay "$tmp/b.bin" --frob
# pictures: the options (what they draw: tests/pictures_test.py)
check "--dot needs a value" 2 "--dot needs a value" "$g" run "$s" --dot
check "--timeline needs a value" 2 "--timeline needs a value" "$g" replay "$tmp/b.bin" --timeline
check "encode takes no --dot" 2 "unknown option '--dot'" "$g" encode "$s" --dot "$tmp/x.dot"
check "decode takes no --svg" 2 "unknown option '--svg=x.svg'" "$g" decode "$tmp/b.bin" --svg=x.svg
check "--dot=FILE" 1 "" "$g" run "$s" --dot="$tmp/eq.dot"
grep -q "^digraph gcsim {" "$tmp/eq.dot" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL --dot=FILE writes the DOT"; }
check "--dot into a missing directory" 2 "^$tmp/nodir/x.dot:0: cannot write" "$g" run "$s" --dot "$tmp/nodir/x.dot"
grep -q "^result: VIOLATION call-after-clear" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL the run still reports before the picture fails"; }
check "--svg without dot" 2 "apt-get install graphviz" env PATH=/nonexistent "$g" run "$s" --svg "$tmp/x.svg"
[ ! -s "$tmp/out" ] && [ ! -e "$tmp/x.svg" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL --svg without dot runs nothing, writes nothing"; }
check "help tells the pictures" 0 "" "$g" help
grep -q -- "--timeline F" "$tmp/out" && grep -q "apt-get install graphviz" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL help shows --dot/--svg/--timeline"; }
# interpreters: a pyodide name that names nothing, node or its package
# missing, a probe that cannot be: exit 2 with the way out, nothing run
check "pyodide: unpinned CPython" 2 "^gcsim confirm: pyodide:3.16: no pinned pyodide for CPython 3.16" "$g" confirm "$s" --python pyodide:3.16
check "pyodide: not a version" 2 "pyodide:x/y: 'x/y' is not a pyodide version" "$g" confirm "$s" --python pyodide:x/y
check "pyodide: package missing" 2 "pyodide@0.29.5 is not installed in $tmp/none \(bash scripts/install-deps.sh" env GCSIM_PYODIDE_DIR="$tmp/none" "$g" confirm "$s" --python pyodide:0.29.5
check "pyodide: pinned package missing" 2 "pyodide@314.0.8 is not installed in $tmp/none" env GCSIM_PYODIDE_DIR="$tmp/none" "$g" confirm "$s" --python pyodide:3.14
check "pyodide: node missing" 2 "pyodide:3.15: node is not installed \(bash scripts/install-deps.sh" env PATH=/nonexistent "$g" confirm "$s" --python pyodide:3.15
check "pyodide: no C probe" 2 "the C probe cannot be built for WebAssembly" "$g" confirm "$s" --python pyodide:3.14 --probe c
check "bad --probe" 2 "--probe takes c, python or auto, not 'rust'" "$g" confirm "$s" --probe rust
check "differential: bad --probe" 2 "--probe takes c, python or auto" "$g" differential --probe x
check "missing interpreter" 2 "^gcsim confirm: $tmp/python9: not a usable Python interpreter \(cannot run it\)" "$g" confirm "$s" --python "$tmp/python9"
# explore and diff: bounds that contradict each other or are absurd, a
# space over the budget, shards that do not combine: exit 2, nothing run
check "explore: no policy" 2 "explore needs --policy P" "$g" explore --objects 2
check "explore: objects 0" 2 "^gcsim explore: --objects 0: a program needs an object" "$g" explore --policy cpython-3.13 --objects 0
check "explore: absurd objects" 2 "^gcsim explore: --objects 99: not a number in 0..6" "$g" explore --policy cpython-3.13 --objects 99
check "explore: links without slots" 2 "--links without --slots" "$g" explore --policy cpython-3.13 --slots 0
check "explore: unknown kind" 2 "--kinds: unknown 'tuple'" "$g" explore --policy cpython-3.13 --kinds=object,tuple
check "explore: unknown policy" 2 "unknown policy" "$g" explore --policy cpython-2.5
check "explore: bad shard" 2 "--shard 3/3: not I/N" "$g" explore --policy cpython-3.13 --shard 3/3
check "explore: over the budget" 2 "^gcsim explore: refused: (these bounds would take about [0-9]+ s .* over --budget 60 s|a pilot of 32 of the 21930 skeletons alone took more than --budget 60 s)" "$g" explore --policy cpython-3.13 --objects 3 --weakrefs 1 --links 3 --budget 60
check "explore: a skeleton too big" 2 "refused: one skeleton has more than --max-states" "$g" explore --policy cpython-3.13 --objects 3 --weakrefs 0 --kinds object --actions 3 --acts weakref --roots self --path-steps 2 --scripts text --budget 0 --max-states 1000
# a search stopped early still prints what it found, marked partial, with no certificate (exit 1)
check "explore: stopped early, findings kept" 1 "refused: one skeleton has more than --max-states 3000 states" "$g" explore --policy cpython-3.8b4 --objects 2 --weakrefs 1 --links 3 --slots 3 --actions 1 --max-states 3000 --shard 16/930 -j 1 --budget 0 -q
grep -q "^== 1. violation exposed-cleared/object/gc/refcount: 6 statements" "$tmp/out" && grep -q "^== partial: a skeleton needed more than --max-states after [0-9]* programs (3000 states); not certified" "$tmp/out" && ! grep -q "^== certificate" "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL explore: a partial search prints its findings, no certificate"; }
check "explore: a catalog too big" 2 "refused: a script could choose from more than 65535 actions" "$g" explore --policy cpython-3.13 --objects 3 --weakrefs 1 --actions 1 --path-steps 2 --budget 0 -q
check "explore: over the budget while running" 2 "^gcsim explore: refused: --budget 2 s spent after [0-9]+ programs" "$g" explore --policy cpython-3.13 --objects 3 --weakrefs 0 --links 3 --kinds object --flags fin --actions 2 --acts weakref,touch --roots self --path-steps 2 --budget 2
check "explore: bad --scripts" 2 "--scripts takes run or text" "$g" explore --policy cpython-3.13 --scripts both
check "diff: one policy" 2 "diff needs two policies" "$g" diff cpython-3.13
check "diff: unknown option" 2 "unknown option '--frob'" "$g" diff cpython-3.13 cpython-3.15 --frob 1
check "explore: clean space" 0 "" "$g" explore --policy cpython-3.8 --objects 1 --weakrefs 1 --links 1 -q --cert "$tmp/c.cert"
grep -q "^fingerprint: [0-9a-f]\{16\}$" "$tmp/out" && cmp -s <(sed -n '/^== certificate/,$p' "$tmp/out" | tail -n +2) "$tmp/c.cert" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL explore prints and writes its certificate"; }
check "explore: bpo-38006 found" 1 "" "$g" explore --policy cpython-3.8b4 --objects 2 --weakrefs 1 --links 3 --slots 3 --kinds object,function,leaf -q -o "$tmp/found"
grep -q "^== 1. violation call-after-clear/function/weakref/delete_garbage: 6 statements" "$tmp/out" && check "explore: its program replays" 1 "" "$g" run "$tmp/found/01-call-after-clear.function.weakref.delete_garbage.gcs"
check "explore: shard 0/2" 0 "" "$g" explore --policy cpython-3.8 --objects 1 --weakrefs 1 --links 1 -q --shard 0/2 --cert "$tmp/s0.cert"
check "combine: shard missing" 2 "s0.cert:1: shard 1/2 is missing" "$g" explore --combine "$tmp/s0.cert"
check "combine: not a certificate" 2 "bpo38006.gcs:1: not a certificate line" "$g" explore --combine "$s"
# at scale: an error on the last of 300,001 lines is reported there before
# anything runs; a file over the documented limit (1 GiB for a scenario,
# 64 MiB for a fuzz input) is refused whole
python3 -c '
import sys
w = sys.stdout.write
for i in range(100000): w("new o%d object\nlink o%d o%d\ndel o%d\n" % (i, i, i, i))
w("link o1 nowhere\n")' >"$tmp/big.gcs"
check "error on the last line at scale" 2 "big.gcs:300001: name 'o1' is not bound here" "$g" run "$tmp/big.gcs"
[ ! -s "$tmp/out" ] && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL an error at scale runs nothing"; }
# sparse files: refused by their size, before anything is read
truncate -s $((1024 * 1024 * 1024 + 1)) "$tmp/huge.gcs"
check "a scenario over the size limit" 2 "huge.gcs:0: larger than 1024 MiB" "$g" run "$tmp/huge.gcs"
truncate -s $((64 * 1024 * 1024 + 1)) "$tmp/huge.bin"
check "a fuzz input over the size limit" 2 "huge.bin:0: larger than 64 MiB" "$g" replay "$tmp/huge.bin"
check "the same, read as bytes" 2 "huge.bin:0: larger than 64 MiB" "$g" run --bytes "$tmp/huge.bin"
rm -f "$tmp/huge.gcs" "$tmp/huge.bin" "$tmp/big.gcs"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
