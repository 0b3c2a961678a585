#!/usr/bin/env bash
# corpus/seeds and corpus/gcsim.dict are exactly what scripts/rebuild-seeds.sh
# writes from corpus/scenarios (so a format change cannot leave stale seeds).
# usage: tests/seeds_test.sh GCSIM SRCDIR
set -u
g=$1 src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
GCSIM_SEEDS_OUT=$tmp bash "$src/scripts/rebuild-seeds.sh" "$g" >/dev/null || { echo "FAIL rebuild"; exit 1; }
if diff -r "$tmp/seeds" "$src/corpus/seeds" >/dev/null && cmp -s "$tmp/gcsim.dict" "$src/corpus/gcsim.dict"; then
  echo "seeds and dictionary are current ($(ls "$tmp/seeds" | wc -l) seeds)"
else
  echo "FAIL: corpus/seeds or corpus/gcsim.dict is stale: run scripts/rebuild-seeds.sh"
  diff -r "$tmp/seeds" "$src/corpus/seeds" | head -5
  exit 1
fi
