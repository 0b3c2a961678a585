#!/usr/bin/env bash
# Install what gcsim needs from Debian's packages (run as root on a fresh
# Debian machine). Idempotent: quick when everything is already there.
set -euo pipefail
# graphviz draws the pictures (--svg, --timeline); chromium opens the
# timeline page headless in tests/timeline_browser.py; llvm: llvm-profdata
# and llvm-cov (scripts/coverage.sh); zip, unzip: the seed corpus zips of
# .clusterfuzzlite/build.sh; rsync: corpus sync between machines
# (docs/continuous-fuzzing.md, "Many machines"); python3-dev: the headers `gcsim
# confirm` builds its probe with for Debian's own python3.
pkgs=(cmake make gcc clang libclang-rt-14-dev llvm afl++ libxxhash-dev graphviz
      chromium python3 python3-dev git zip unzip rsync)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
