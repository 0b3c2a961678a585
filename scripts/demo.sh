#!/usr/bin/env bash
# The main job: install, build, and show the bpo-38006 bug found by the
# model: the scenario under the release that crashed and under the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== corpus/scenarios/bpo38006.gcs under cpython-3.8b4 (the release that crashed) =="
./build/gcsim run corpus/scenarios/bpo38006.gcs --policy cpython-3.8b4 || true
echo
echo "== the same scenario under cpython-3.8 (the fix, GH-16495) =="
./build/gcsim run corpus/scenarios/bpo38006.gcs --policy cpython-3.8
