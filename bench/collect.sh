#!/usr/bin/env bash
# Benchmark (not a test): a full collection of an N-object heap in the model
# and the same heap shape in the installed python3's gc.collect().
# usage: bench/collect.sh [N] [POLICY]   (default 1000000 cpython-3.11)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
pol=${2:-cpython-3.11}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target bench_collect >/dev/null
./build/bench_collect "$n" "$pol"
py=${PYTHON:-python3}
"$py" - "$n" <<'PY'
import gc, sys, time
n = int(sys.argv[1])
gc.disable(); gc.collect()
class O:                      # an `object`: instance with tp_traverse/tp_clear
    __slots__ = ('s',)
root = []
for i in range(n):
    x = O(); x.s = x          # a self-cycle
    root.append(x)
del x
t0 = time.perf_counter(); gc.collect(2); t1 = time.perf_counter()
del root
t2 = time.perf_counter(); freed = gc.collect(2); t3 = time.perf_counter()
print("python %s objects=%d full_collect_live_ms=%.1f full_collect_free_all_ms=%.1f freed=%d"
      % (sys.version.split()[0], n + 1, (t1 - t0) * 1e3, (t3 - t2) * 1e3, freed))
PY
