#!/usr/bin/env bash
# Benchmark (not a test): `gcsim run` at real heap sizes, its audit of the
# model's bookkeeping on (the default: scaled to the work done) against
# --no-check, in the same run. Three shapes of N objects:
#   ring     N objects in one cycle, every name dropped, one collection
#   fanout   one object holding N references, dropped, one collection
#   chain    a chain of N objects dropped from its head (the trashcan)
# For each: seconds and peak memory with checks on and off, their ratio,
# and how the time grows from one N to the next (10x N: at most 12x time
# is linear). Then the largest ring again with an error on its last line:
# refused there (exit 2) without running. Then what fresh memory costs on
# this machine at each N's peak, without gcsim, and CPython's own time for
# the ring at each N. Also the model's bytes per object (gcsim's --trace jsonl
# result is not needed: bench/collect.sh reports the full-collection figures
# against CPython).
# usage: bench/scale.sh [N...]   (default: 100000 1000000)
#   SCALE_RUNS=K: the fastest of K runs of each (default 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=$root/build/gcsim
cmake -S "$root" -B "$root/build" >/dev/null && cmake --build "$root/build" -j2 --target gcsim >/dev/null
ns=${*:-100000 1000000}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
gen() { # SHAPE N > scenario
  python3 - "$1" "$2" <<'PY'
import sys
shape, n = sys.argv[1], int(sys.argv[2])
w = sys.stdout.write
w("policy cpython-3.13\n")
if shape == "ring":
    for i in range(n): w("new o%d object\n" % i)
    for i in range(n): w("link o%d o%d\n" % (i, (i + 1) % n))
    for i in range(n): w("del o%d\n" % i)
elif shape == "fanout":
    w("new h object\n")
    for i in range(n): w("new o%d leaf\nlink h o%d\ndel o%d\n" % (i, i, i))
    w("link h h\ndel h\n")
else:  # chain
    w("new o0 object\n")
    for i in range(1, n):
        w("new o%d object\nlink o%d o%d\n" % (i, i - 1, i))
        if i > 1: w("del o%d\n" % (i - 1))
    if n > 1: w("del o%d\n" % (n - 1))
    w("del o0\n")
w("collect 2\n")
PY
}
secs() { # FILE ARGS... -> "seconds peak_kb": the fastest of $SCALE_RUNS
          # runs (default 3; the machine is shared), or stop on a failure
  local rc=0 i best=
  for i in $(seq "${SCALE_RUNS:-3}"); do
    /usr/bin/time -f '%e %M' "$g" run "$@" >"$tmp/out" 2>"$tmp/t" || rc=$?
    if [ $rc -ne 0 ]; then
      echo "bench/scale.sh: gcsim run $* exited $rc:" >&2; tail -3 "$tmp/t" "$tmp/out" >&2; exit 1
    fi
    best=$(printf '%s\n%s\n' "$best" "$(tail -1 "$tmp/t")" | awk 'NF == 2 && (t == "" || $1 < t) { t = $1; m = $2 } END { print t, m }')
  done
  echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; } # A B -> "A/Bx"
printf '%-7s %10s %9s %9s %7s %10s %10s %8s\n' shape N "on (s)" "off (s)" on/off "growth" "peak MB" "B/object"
declare -A ring_kb
for shape in ring fanout chain; do
  prev=
  for n in $ns; do
    gen $shape $n >"$tmp/s.gcs"
    read -r on kb <<<"$(secs "$tmp/s.gcs")"
    [ "$shape" = ring ] && ring_kb[$n]=$kb
    read -r off _ <<<"$(secs "$tmp/s.gcs" --no-check)"
    growth=-
    [ -n "$prev" ] && growth=$(ratio "$on" "$prev")
    awk -v s=$shape -v n=$n -v on=$on -v off=$off -v g=$growth -v kb=$kb 'BEGIN {
      printf "%-7s %10d %9.2f %9.2f %7.2f %10s %10.0f %8.0f\n", s, n, on, off, (off > 0 ? on / off : 0), g, kb / 1024, kb * 1024 / n }'
    prev=$on
  done
done
echo "(B/object: the whole process's peak memory over N, the parsed scenario included)"
# What fresh memory costs on this machine, without gcsim: a new process
# touches one byte per 4 KiB page of the ring's peak at each N (the kernel
# zeroes each page on its first touch, and on a virtual machine the host may
# back it only then). Its growth from one N to the next is the platform's
# share of gcsim's.
touch_mem() { # KB -> seconds
  python3 - "$1" <<'PY'
import sys, time
n = int(sys.argv[1]) * 1024
t = time.perf_counter()
b = bytearray(n)
b[::4096] = b"\x01" * len(range(0, n, 4096))
print("%.3f" % (time.perf_counter() - t))
PY
}
prev=
for n in $ns; do
  kb=${ring_kb[$n]}
  t=$(touch_mem "$kb")
  growth=
  [ -n "$prev" ] && growth=", $(ratio "$t" "$prev") the previous"
  printf 'fresh memory: first touch of %.0f MB (the ring'"'"'s peak at N=%d) in %s s (%.2f s/GB)%s\n' \
    "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$n" "$t" "$(awk -v t="$t" -v k="$kb" 'BEGIN { print t / (k / 1048576) }')" "$growth"
  prev=$t
done
# The same ring in CPython (python3, or $PYTHON): N objects made, linked in
# one cycle, every name dropped, gc.collect(); the whole script timed, as
# gcsim's is. How CPython's own time grows with N on this machine.
py=${PYTHON:-python3}
pyname=$("$py" -c 'import platform; print(platform.python_implementation(), platform.python_version())')
prev=
for n in $ns; do
  t=$("$py" - "$n" <<'PY'
import gc, sys, time
n = int(sys.argv[1])
t = time.perf_counter()
gc.disable()
class O:
    __slots__ = ('s',)
objs = [O() for _ in range(n)]
for i in range(n): objs[i].s = objs[(i + 1) % n]
del objs
gc.collect(2)
print("%.2f" % (time.perf_counter() - t))
PY
)
  growth=
  [ -n "$prev" ] && growth=", $(ratio "$t" "$prev") the previous"
  printf '%s, the same ring: N=%d in %s s%s\n' "$pyname" "$n" "$t" "$growth"
  prev=$t
done
# --audit (after every statement and script action: the tests' mode) walks
# every object each time, so it is quadratic: the 10,000-object ring.
gen ring 10000 >"$tmp/s.gcs"
read -r t _ <<<"$(secs "$tmp/s.gcs" --audit)"
printf 'the 10000-object ring with --audit: %s s\n' "$t"
# Bad input: `gcsim run` of $tmp/s.gcs must refuse it (exit 2) at its
# line, before anything runs; one line of what it took and said.
refused() { # LABEL
  local rc=0 t kb
  /usr/bin/time -f '%e %M' "$g" run "$tmp/s.gcs" >"$tmp/out" 2>"$tmp/t" || rc=$?
  read -r t kb <<<"$(tail -1 "$tmp/t")"
  printf '%s: %d lines, %s s, peak %.0f MB, exit %d, ran nothing: %s, %s\n' \
    "$1" "$(wc -l <"$tmp/s.gcs")" "$t" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$rc" \
    "$([ -s "$tmp/out" ] && echo no || echo yes)" "$(head -1 "$tmp/t" | sed "s|$tmp/||")"
}
# The largest N's ring with an error on its last line.
n=${ns##* }
{ gen ring "$n"; echo "link o1 nowhere"; } >"$tmp/s.gcs"
refused "bad last line"
# Over a documented limit (docs/scenarios.md#limits): one statement more
# than GCS_MAX_STMTS (2^25), refused with the limit's name, in bounded
# memory.
awk 'BEGIN { for (i = 0; i <= 2 ^ 25; i++) print "gc enable" }' >"$tmp/s.gcs"
refused "over the statement limit"
