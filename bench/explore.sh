#!/usr/bin/env bash
# Benchmark (not a test): what gcsim explore and gcsim diff answer, and how
# long they take, on this machine (-j 2). Prints, in order:
#   1. explore cpython-3.8b4: bpo-38006 (call-after-clear) at its smallest
#      size, and the time;
#   2. explore cpython-3.13 for gh-91636 (a finalizer's weakrefs, three
#      script actions): the finding, or what the budget explored; and the
#      same shape with one and two actions, scripts chosen as they run
#      against enumerated by their text;
#   3. with the known findings suppressed, the largest bound of a ladder
#      each of cpython-3.13, cpython-3.15 and cpython-main is certified
#      clean to within BUDGET seconds in all (or its new finding);
#   4. diff cpython-3.7 cpython-3.8, cpython-3.8 cpython-3.9 and
#      cpython-3.13 cpython-3.15: the groups, and `gcsim confirm` of each
#      group's program on both real interpreters (pyenv's 3.7, 3.8, 3.9,
#      3.13; pyodide 3.15; a missing interpreter is reported as such);
#   5. the same certificate twice, with -j 1 and -j 2, and from 3 shards.
# usage: bench/explore.sh [BUDGET=600]
#   EXPLORE_SECTIONS="2 5": run only those sections (default: all)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
budget=${1:-600}
g=$root/build/gcsim
cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j2 >/dev/null
out=$(mktemp -d)
pyenv_py() { ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$1".*/bin/python3 2>/dev/null | sort -V | tail -1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
sup=$root/corpus/known-findings.supp
want() { case " ${EXPLORE_SECTIONS:-1 2 3 4 5} " in *" $1 "*) return 0 ;; esac; return 1; }
label() { case $1 in pyodide:*) echo "$1" ;; *) basename "$(dirname "$(dirname "$1")")" ;; esac; }
confirm_all() { # DIR PY1 PY2
  local dir=$1 f py
  for f in "$dir"/*.gcs; do
    [ -e "$f" ] || continue
    local row; row="$(basename "$f" .gcs):"
    for py in "$2" "$3"; do
      if [ -z "$py" ]; then row+=" (interpreter missing)"; continue; fi
      local r; r=$("$g" confirm "$f" --python "$py" 2>&1 | grep -oE 'AGREE|DIFFER' | head -1)
      row+=" ${r:-ERROR} on $(label "$py")"
    done
    echo "  $row"
  done
}

b1="--objects 2 --weakrefs 1 --links 3 --slots 3"
if want 1; then
echo "## 1. explore cpython-3.8b4 (bpo-38006)"
t0=$(now)
"$g" explore --policy cpython-3.8b4 $b1 -j 2 -q >"$out/38b4.txt"
t1=$(now)
echo "bounds: $b1 ($(secs "$t0" "$t1") s)"
awk '/^== [0-9]+\. violation call-after-clear/,/^$/' "$out/38b4.txt"
grep -E '^(programs|states|fingerprint):' "$out/38b4.txt"

echo
fi
if want 2; then
echo "## 2. explore cpython-3.13 for gh-91636"
# a finalizer that makes two weakrefs (one with a callback) and a callback
# that reads self.0(): three actions with two-step paths
b2="--objects 3 --weakrefs 0 --links 3 --kinds object --flags fin --actions 3 --acts weakref,touch --roots self --path-steps 2"
echo "bounds: $b2 (--budget $budget)"
t0=$(now)
"$g" explore --policy cpython-3.13 $b2 -j 2 -q --budget "$budget" -o "$out/g91" >"$out/91636.txt" 2>"$out/91636.err"
rc=$?
t1=$(now)
echo "exit $rc after $(secs "$t0" "$t1") s"
cat "$out/91636.err"
# the groups with their programs, then the certificate's or the partial
# search's summary line and counts
sed -n '1,/^== \(certificate\|partial\)/p' "$out/91636.txt"
grep -E '^(programs|states):' "$out/91636.txt"
echo "each group's program confirmed (3.13 and 3.14.2 have gh-91636):"
confirm_all "$out/g91" "$(pyenv_py 3.13)" pyodide:3.14
cmp_budget=$((budget / 5))
echo "one and two actions, --budget $cmp_budget each:"
for a in 1 2; do
  b2s="--objects 3 --weakrefs 0 --links 3 --kinds object --flags fin --actions $a --acts weakref,touch --roots self --path-steps 2"
  for m in run text; do
    t0=$(now)
    "$g" explore --policy cpython-3.13 $b2s --scripts $m -j 2 -q --budget "$cmp_budget" >"$out/s.txt" 2>"$out/s.err"
    rc=$?
    t1=$(now)
    echo "actions $a, --scripts $m: exit $rc, $(secs "$t0" "$t1") s, $(grep -E '^programs:' "$out/s.txt")$(cut -c1-120 "$out/s.err")"
  done
done
echo
fi
if want 3; then
echo "## 3. certified clean, known findings suppressed (--budget $budget in all)"
ladder=(
  "--objects 2 --weakrefs 1 --links 2"
  "--objects 2 --weakrefs 1 --links 3 --slots 3"
  "--objects 2 --weakrefs 1 --links 3 --slots 3 --collects 2 --gens 0,1,2"
  "--objects 2 --weakrefs 1 --links 2 --actions 1"
  "--objects 2 --weakrefs 1 --links 2 --actions 2"
  "--objects 3 --weakrefs 1 --links 3"
)
for pol in cpython-3.13 cpython-3.15 cpython-main; do
  left=$budget
  for b in "${ladder[@]}"; do
    t0=$(now)
    "$g" explore --policy "$pol" $b --suppressions "$sup" -j 2 -q --budget "$left" \
      >"$out/c.txt" 2>"$out/c.err"
    rc=$?
    t1=$(now)
    s=$(secs "$t0" "$t1")
    left=$(awk -v l="$left" -v s="$s" 'BEGIN { printf "%d", l - s }')
    case $rc in
      0) echo "$pol: clean to $b ($s s; $(grep -E '^programs:' "$out/c.txt"), $(grep -E '^fingerprint:' "$out/c.txt"))" ;;
      1) echo "$pol: NEW FINDING at $b ($s s):"; awk '/^== [0-9]/,/^$/' "$out/c.txt" ;;
      2) echo "$pol: $b refused: $(cut -c1-160 "$out/c.err")"; break ;;
      *) echo "$pol: $b failed ($rc): $(cat "$out/c.err")"; break ;;
    esac
    [ "$left" -gt 0 ] || break
  done
done

echo
fi
if want 4; then
echo "## 4. diff, each group's program confirmed on both interpreters"
run_diff() { # P1 P2 PY1 PY2 BOUNDS...
  local p1=$1 p2=$2 py1=$3 py2=$4; shift 4
  rm -rf "$out/diff"
  t0=$(now)
  "$g" diff "$p1" "$p2" "$@" -j 2 -q -o "$out/diff" >"$out/d.txt"
  t1=$(now)
  echo "diff $p1 $p2 $* ($(secs "$t0" "$t1") s): $(grep -cE '^== [0-9]' "$out/d.txt") groups, $(grep -E '^programs:' "$out/d.txt")"
  grep -E '^== [0-9]' "$out/d.txt" | sed 's/^/  /'
  confirm_all "$out/diff" "$py1" "$py2"
}
run_diff cpython-3.7 cpython-3.8 "$(pyenv_py 3.7)" "$(pyenv_py 3.8)" $b1
run_diff cpython-3.8 cpython-3.9 "$(pyenv_py 3.8)" "$(pyenv_py 3.9)" \
  --objects 2 --weakrefs 0 --links 2 --kinds object --actions 1 --acts keep --roots self
run_diff cpython-3.13 cpython-3.15 "$(pyenv_py 3.13)" pyodide:3.15 \
  --objects 2 --weakrefs 1 --links 2

echo
fi
if want 5; then
echo "## 5. the same certificate: twice, -j 1, -j 2, three shards"
for j in 1 2 2; do
  "$g" explore --policy cpython-3.8b4 $b1 -j $j -q | grep '^fingerprint:' | sed "s/^/-j $j: /"
done
for i in 0 1 2; do
  "$g" explore --policy cpython-3.8b4 $b1 --shard $i/3 -q --cert "$out/s$i.cert" >/dev/null
done
"$g" explore --combine "$out"/s0.cert "$out"/s1.cert "$out"/s2.cert | grep '^fingerprint:' | sed 's/^/3 shards combined: /'
fi
rm -rf "$out"
