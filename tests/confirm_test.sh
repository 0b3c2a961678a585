#!/usr/bin/env bash
# gcsim confirm and gcsim differential against the installed interpreters
# (pyenv 3.6-3.13). Exit 77 (skipped) when none is installed.
# usage: tests/confirm_test.sh GCSIM SRCDIR CACHEDIR
set -u
g=$1 src=$2
export GCSIM_CACHE=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
source "$(dirname "${BASH_SOURCE[0]}")/checklib.sh"
py() { ls -d "$root"/versions/3."$1".*/bin/python3 2>/dev/null | sort -V | tail -1; }

found=0
for m in 6 7 8 9 10 11 12 13; do [ -n "$(py $m)" ] && found=1; done
if [ $found = 0 ]; then echo "no pyenv interpreter 3.6-3.13 under $root: skipped"; exit 77; fi

s=$src/corpus/scenarios/bpo38006.gcs
# bpo-38006 on 3.7: the weakref callback runs during the collection (3.7
# has no function tp_clear), as the model predicts.
p37=$(py 7)
if [ -n "$p37" ]; then
  check "bpo38006 on 3.7 agrees" 0 "AGREE" "$g" confirm "$s" --python "$p37"
  check "bpo38006 on 3.7: callback in the collection" 0 "^    16 callback wz c$" \
    "$g" confirm "$s" --python "$p37"
fi
# 3.8-3.13: the fix clears wz first, no callback, as the model predicts.
for m in 8 9 10 11 12 13; do
  p=$(py $m); [ -n "$p" ] || continue
  check "bpo38006 on 3.$m agrees" 0 "verdict:  model clean; python clean" \
    "$g" confirm "$s" --python "$p"
  refute "bpo38006 on 3.$m: no callback" " callback "
done
# The CPython crash gcsim found (docs/confirm.md): PyObject_ClearWeakRefs across
# PyTuple_New kills 3.6-3.11 where the model reports use-after-free, and
# 3.12+ run it cleanly; the plain-Python reproducer does the same.
u=$src/corpus/scenarios/clear_weakrefs_tuple_collects.gcs
for m in 6 7 8 9 10 11 12 13; do
  p=$(py $m); [ -n "$p" ] || continue
  if [ $m -le 11 ]; then
    check "ClearWeakRefs crash on 3.$m" 0 \
      "verdict:  model violation use-after-free w1; python crash \(signal 11\)" \
      "$g" confirm "$u" --python "$p"
    check "ClearWeakRefs repro.py dies on 3.$m" 139 "" \
      sh -c '"$1" "$2" 2>/dev/null; exit $?' sh "$p" \
      "$src/corpus/repro/clear_weakrefs_tuple_collects.py"
  else
    check "ClearWeakRefs clean on 3.$m" 0 "verdict:  model clean; python clean" \
      "$g" confirm "$u" --python "$p"
    check "ClearWeakRefs repro.py survives 3.$m" 0 "^survived$" \
      "$p" "$src/corpus/repro/clear_weakrefs_tuple_collects.py"
  fi
done
# gh-91636 without a callback (found by the 3.14 campaign): every version
# up to 3.14 hands the tp_clear'ed object to a finalizer through the weakref
# another finalizer made, as the model says; the 3.15 model (the fix) differs.
v=$src/corpus/scenarios/gh91636_finalizer_calls_weakref.gcs
for m in 6 7 8 9 10 11 12 13; do
  p=$(py $m); [ -n "$p" ] || continue
  pol=cpython-3.$m; [ $m = 10 ] && pol=cpython-3.9
  check "gh-91636 without a callback on 3.$m" 0 \
    "verdict:  model violation touch-after-clear a; python violation touch-after-clear a" \
    "$g" confirm "$v" --python "$p" --policy "$pol"
done
p=$(py 13)
[ -n "$p" ] && check "gh-91636 without a callback: the 3.15 model differs from 3.13" 1 \
  "verdict:  model clean; python violation touch-after-clear a" \
  "$g" confirm "$v" --python "$p" --policy cpython-3.15
# The model under the wrong preset disagrees, and says where.
p38=$(py 8)
if [ -n "$p38" ]; then
  check "3.8b4 model vs 3.8 differs" 1 "model:  16 callback wz c" \
    "$g" confirm "$s" --python "$p38" --policy cpython-3.8b4
  check "3.8b4 model vs 3.8: verdicts" 1 \
    "verdict:  model violation call-after-clear c; python clean" \
    "$g" confirm "$s" --python "$p38" --policy cpython-3.8b4
  # A violation the real interpreter shows by crashing (an untracked
  # weakref moved by gc): the model's list-corrupt.
  check "list-corrupt is a crash" 0 "python crash \(signal" \
    "$g" confirm "$src/corpus/scenarios/untracked_weakref_callback.gcs" --python "$p38"
  # touch-after-clear through gc.get_objects(), recorded by the probe
  check "get_objects hole" 0 "violation touch-after-clear" \
    "$g" confirm "$src/corpus/scenarios/get_objects_hole.gcs" --python "$p38"
  # fuzz bytes are programs too
  "$g" encode "$s" -o "$tmp/b.bin"
  check "confirm bytes" 0 "AGREE" "$g" confirm "$tmp/b.bin" --bytes --python "$p38"
fi

# Found by review: a name that is an event word is not an event, and a
# callback-less weakref that CPython hands back (made by a finalizer of the
# collection the allocation set off) keeps its label.
p311=$(py 11)
if [ -n "$p311" ]; then
  printf 'new t object\nnew cb function\nweakref violation t cb\ndel t\n' >"$tmp/viol.gcs"
  check "a weakref named violation" 0 "verdict:  model clean; python clean" \
    "$g" confirm "$tmp/viol.gcs" --python "$p311"
  printf '%s\n' 'gc disable' 'new h object' 'new y object' 'new t object fin' \
    'link t t' 'on t finalize: weakref h y' 'del t' 'threshold 1 10 10' \
    'gc enable' 'weakref w y' 'gc disable' 'new c object' 'link c c' \
    'link c w' 'del w' 'del h' 'del c' 'gc saveall on' 'collect' >"$tmp/wrshare.gcs"
  check "a shared weakref keeps its label" 0 "garbage w1" \
    "$g" confirm "$tmp/wrshare.gcs" --python "$p311"
fi

# The probe cache: a build for this interpreter is reused; a rebuild (a new
# probe source) removes the older builds for the same interpreter.
if [ -n "$p38" ]; then
  c=$tmp/cache
  GCSIM_CACHE=$c "$g" confirm "$s" --python "$p38" >/dev/null
  first=$(ls "$c")
  mkdir "$c/probe-stale" && cp "$c/$first/origin" "$c/probe-stale/" && touch "$c/probe-stale/x.so"
  GCSIM_CACHE=$c "$g" confirm "$s" --python "$p38" >/dev/null
  check "probe reused" 0 "" test -d "$c/probe-stale" -a -d "$c/$first"
  rm -rf "${c:?}/$first"
  GCSIM_CACHE=$c "$g" confirm "$s" --python "$p38" >/dev/null
  check "stale probe pruned" 1 "" test -d "$c/probe-stale"
  check "probe rebuilt" 0 "" test -f "$c/$first/origin"
fi

# Bad input: exit 2 with a message.
check "missing file" 2 "^$tmp/nope.gcs:0: cannot open" "$g" confirm "$tmp/nope.gcs"
printf 'new a object\nfrob a\n' >"$tmp/bad.gcs"
check "bad scenario" 2 "bad.gcs:2: unknown statement" "$g" confirm "$tmp/bad.gcs" --python "$(py 8)"
check "not a python" 2 "not a usable Python interpreter" "$g" confirm "$s" --python /bin/false
check "bad policy" 2 "unknown policy" "$g" confirm "$s" --python "$(py 8)" --policy cpython-2.5
check "bad option" 2 "unknown option" "$g" confirm "$s" --frob
check "differential bad number" 2 "bad number" "$g" differential --programs x

# The differential table: the golden scenarios and 40 generated programs
# agree on every installed interpreter.
check "differential" 0 "^3\.[0-9]+\.[0-9]+ +cpython-" \
  "$g" differential --programs 40 -j 2 "$src"/tests/golden/*.gcs
refute "differential: no disagreement" "^disagreements"
# The pure-Python probe (the one pyodide runs) on the native 3.8+
# interpreters: the same table, the same agreement.
for m in 8 11 13; do
  p=$(py $m); [ -n "$p" ] || continue
  check "bpo38006 on 3.$m, Python probe" 0 "^result:   AGREE" \
    "$g" confirm "$s" --python "$p" --probe python
  check "differential on 3.$m, Python probe" 0 "^3\.$m\.[0-9]+ +cpython-[0-9.]+ +[0-9]+/[0-9]+ +40/40 " \
    "$g" differential --probe python --python "$p" --programs 40 -j 2
  refute "differential on 3.$m, Python probe: no disagreement" "^disagreements"
done
# an opaque object (in the Python probe, a gc type untracked by hand) whose
# finalizer resurrects it stays untracked and is finalized again, as a type
# without gc support is
printf '%s\n' 'new a opaque fin' 'new b object' 'link a b' 'link b b' \
  'on a finalize: keep self' 'del b' 'del a' 'collect 2' 'get_objects' 'exit' >"$tmp/res.gcs"
for m in 11 13; do
  p=$(py $m); [ -n "$p" ] || continue
  check "resurrected opaque on 3.$m, Python probe" 0 "^result:   AGREE" \
    "$g" confirm "$tmp/res.gcs" --python "$p" --probe python
done
p36=$(py 6)
[ -n "$p36" ] && check "Python probe on 3.6: refused" 2 "the pure-Python probe needs Python 3.8" \
  "$g" confirm "$s" --python "$p36" --probe python

# An interpreter found on PATH whose probe cannot be built (no headers) is
# skipped, not a failure; named with --python, it is a failure.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nprintf "3.8.99\\n/nonexistent-include\\n.so\\n"\n' >"$tmp/bin/python3.8"
chmod +x "$tmp/bin/python3.8"
check "found without headers: skipped" 0 "skipped: building the probe" \
  env PATH="$tmp/bin:$PATH" "$g" differential --programs 1
check "named without headers: a failure" 1 "building the probe" \
  "$g" differential --programs 1 --python "$tmp/bin/python3.8"

echo "confirm: $pass passed, $fail failed"
[ $fail -eq 0 ]
