#!/usr/bin/env bash
# CPython 3.14.2 and 3.15.0rc1 (pyodide, WebAssembly, under node): gcsim
# confirm agrees with cpython-3.14 / cpython-3.15 on the bpo-38006, gh-91636
# and PyObject_ClearWeakRefs scenarios; differential runs a batch of
# programs in one interpreter per worker; the reproducers in corpus/repro
# say what the presets predict. Exit 77 (skipped) when node or the pinned
# packages are missing (bash scripts/install-deps.sh installs them).
# usage: tests/pyodide_test.sh GCSIM SRCDIR CACHEDIR
set -u
g=$1 src=$2
export GCSIM_CACHE=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dir=${GCSIM_PYODIDE_DIR:-/usr/local/lib/gcsim/pyodide}
command -v node >/dev/null || { echo "no node: skipped"; exit 77; }
for v in 314.0.8 315.0.0-alpha.2; do
  [ -f "$dir/node_modules/pyodide-$v/pyodide.mjs" ] || { echo "no pyodide@$v in $dir: skipped"; exit 77; }
done
source "$(dirname "${BASH_SOURCE[0]}")/checklib.sh"
sc=$src/corpus/scenarios
for v in 3.14 3.15; do
  for s in bpo38006 finalizer_new_weakref_to_trash clear_weakrefs_tuple_collects; do
    check "$s on pyodide:$v agrees" 0 "^result:   AGREE" "$g" confirm "$sc/$s.gcs" --python pyodide:$v
  done
done
# gh-91636 is still in 3.14.2 (cpython-3.14 reports it), fixed in 3.15.0rc1
check "gh-91636 on 3.14.2: the model's violation, shown" 0 \
  "verdict:  model violation touch-after-clear a; python violation touch-after-clear a" \
  "$g" confirm "$sc/finalizer_new_weakref_to_trash.gcs" --python pyodide:3.14
check "gh-91636 on 3.15.0rc1: clean on both sides" 0 "verdict:  model clean; python clean" \
  "$g" confirm "$sc/finalizer_new_weakref_to_trash.gcs" --python pyodide:3.15
check "repro gh-91636 on 3.14" 0 "tp_clear'ed \(gh-91636\)" \
  bash "$src/scripts/pyodide-run.sh" 3.14 "$src/corpus/repro/gh91636_finalizer_weakref.py"
check "repro gh-91636 on 3.15" 0 "not cleared" \
  bash "$src/scripts/pyodide-run.sh" 3.15 "$src/corpus/repro/gh91636_finalizer_weakref.py"
# the untracked weakref's list-corrupt kills a native build; WebAssembly has
# memory at address 0 and goes on: compared up to the model's violation
check "list-corrupt on 3.15: agree up to the violation" 0 \
  "^result:   AGREE up to the model's violation \(no trap in WebAssembly\)" \
  "$g" confirm "$sc/untracked_weakref_callback.gcs" --python pyodide:3.15
# one interpreter per worker: 40 programs, every one compared
check "differential on pyodide:3.15" 0 "^3\.15\.0rc1 +cpython-3.15 +0/0 +40/40 " \
  "$g" differential --python pyodide:3.15 --programs 40 -j 2
# driver.mjs on its own, with a stand-in probe whose step never returns: a
# program that runs too long is reported as a timeout, and the same
# interpreter runs the next program
cat >"$tmp/loop.py" <<'PY'
import gc
def load(d):
    print("- oldgen 0", flush=True)
    return int(d.split()[0])
def step(i):
    if i == 1:
        while True:
            pass
    print("%d new x" % (i + 1), flush=True)
    return True
def finish():
    pass
def release():
    pass
PY
( printf '=gcsim-run 1000 1\n3'; printf '=gcsim-run 5000 1\n1' ) >"$tmp/req"
check "driver: a looping program is a timeout, the next one runs" 0 \
  "=gcsim-end timeout" \
  node "$src/confirm/pyodide/driver.mjs" "$dir/node_modules/pyodide-314.0.8" "$tmp/loop.py" <"$tmp/req"
[ "$(grep -c '^=gcsim-end ok' "$tmp/out")" = 1 ] && grep -q '^1 new x' "$tmp/out" && pass=$((pass+1)) || { fail=$((fail+1)); echo "FAIL driver: after the timeout, the next program ran"; cat "$tmp/out"; }
check "pyodide: a missing reproducer file" 2 "nope.py:0: cannot open" \
  bash "$src/scripts/pyodide-run.sh" 3.14 "$tmp/nope.py"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
