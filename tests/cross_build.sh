#!/usr/bin/env bash
# Determinism across builds: every scenario under every preset gives the
# same JSONL trace (and so the same fingerprint) in two different builds.
# usage: tests/cross_build.sh GCSIM_A GCSIM_B SRCDIR
set -u
a=$1 b=$2 src=$3
pass=0 fail=0
presets=$("$a" policies | grep -E '^cpython-' )
for f in "$src"/corpus/scenarios/*.gcs "$src"/tests/golden/*.gcs; do
  for p in $presets; do
    oa=$("$a" run "$f" --policy "$p" --trace jsonl 2>&1); ra=$?
    ob=$("$b" run "$f" --policy "$p" --trace jsonl 2>&1); rb=$?
    if [ "$oa" == "$ob" ] && [ $ra == $rb ] && [ $ra -le 1 ]; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL $(basename "$f") $p (exit $ra vs $rb)"
      diff <(echo "$oa") <(echo "$ob") | head -5
    fi
  done
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
