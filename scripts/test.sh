#!/usr/bin/env bash
# The whole test suite: install dependencies, build twice (gcc release, and
# clang with ASan+UBSan, whose LeakSanitizer also checks for leaks, with the
# fuzz targets gcsim-fuzz and gcsim-afl), run every test in both, and
# compare the two builds' traces byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DGCSIM_SANITIZE=ON -DGCSIM_FUZZ=ON -DGCSIM_REFERENCE_GCSIM="$PWD/build/gcsim" >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests, gcc release build =="
(cd build && ctest --output-on-failure -j"$jobs")
echo "== tests, clang ASan+UBSan build (cross-build determinism, fuzz targets) =="
(cd build-asan && ctest --output-on-failure -j"$jobs")
