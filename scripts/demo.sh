#!/usr/bin/env bash
# The main job: install, build the fuzz target, fuzz cpython-3.8b4 (the
# release that crashed) from an empty corpus until gcsim-fuzz finds the
# bpo-38006 crash (call-after-clear), minimize it, and show the reproducer
# and its trace, then the same reproducer under cpython-3.8 (the fix).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
b=build-fuzz
cmake -S . -B $b -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release -DGCSIM_FUZZ=ON >/dev/null
cmake --build $b -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/crashes"
echo "== fuzzing cpython-3.8b4 from an empty corpus (gcsim-fuzz, libFuzzer; at most 5 minutes) =="
start=$(date +%s)
GCSIM_POLICY=cpython-3.8b4 GCSIM_SUPPRESSIONS=bench/first_crash.supp \
  ./$b/gcsim-fuzz -seed=1 -max_total_time=300 -dict=corpus/gcsim.dict -max_len=64 \
  -artifact_prefix="$work/crashes/" "$work/corpus" >"$work/log" 2>&1 || true
crash=$(ls "$work"/crashes/crash-* 2>/dev/null | head -1 || true)
if [ -z "$crash" ]; then
  echo "no crash within 5 minutes (see bench/first_crash.sh for the figures)"; exit 1
fi
grep '^==gcsim==' "$work/log" | head -3
echo "found after $(( $(date +%s) - start )) s: $(basename "$crash") ($(wc -c <"$crash") bytes)"
echo
echo "== gcsim minimize: the smallest scenario with the same violation =="
GCSIM_POLICY=cpython-3.8b4 ./$b/gcsim minimize "$crash" -o "$work/repro.gcs" 2>/dev/null >/dev/null
cat "$work/repro.gcs"
echo
echo "== its trace under cpython-3.8b4 =="
./$b/gcsim run "$work/repro.gcs" || true
echo
echo "== the same reproducer under cpython-3.8 (the fix, GH-16495) =="
./$b/gcsim run "$work/repro.gcs" --policy cpython-3.8 | tail -3
# and, where pyenv has them, what real interpreters do with it (gcsim
# confirm runs it in CPython through the probe extension): 3.7 has no
# function tp_clear and calls the callback harmlessly; 3.8+ clear the trash
# weakref first. No 3.8b4 is installed: the crash itself is the model's.
root=${PYENV_ROOT:-$HOME/.pyenv}
for m in 7 8; do
  py=$(ls -d "$root"/versions/3.$m.*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$py" ] || continue
  echo
  echo "== gcsim confirm: the reproducer in the real Python 3.$m =="
  ./$b/gcsim confirm "$work/repro.gcs" --python "$py" | grep -E '^(python|model|verdict|result):' || true
done
