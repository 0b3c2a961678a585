#!/usr/bin/env bash
# Install what gcsim needs from Debian's packages (run as root on a fresh
# Debian machine). Idempotent: quick when everything is already there.
set -euo pipefail
# graphviz draws the pictures (--svg, --timeline); chromium opens the
# timeline page headless in tests/timeline_browser.py; llvm: llvm-profdata
# and llvm-cov (scripts/coverage.sh); zip, unzip: the seed corpus zips of
# .clusterfuzzlite/build.sh; rsync: corpus sync between machines
# (docs/continuous-fuzzing.md, "Many machines"); python3-dev: the headers `gcsim
# confirm` builds its probe with for Debian's own python3. node and npm
# (Debian's nodejs and npm, where no node is installed yet): CPython 3.14 and
# 3.15 as WebAssembly for `gcsim confirm --python pyodide:3.14`, installed
# from npm with the versions pinned in confirm/pyodide/package-lock.json.
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

# Debian's nodejs and npm, unless a node with npm is already installed
# (another nodejs package brings its own npm, and Debian's would clash).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  want=()
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
  echo "install-deps: installing ${want[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi

# The pyodide interpreters (npm, pinned), where gcsim looks for them:
# $GCSIM_PYODIDE_DIR, else /usr/local/lib/gcsim/pyodide. Skipped when the
# installed lock file is this one.
src=$(cd "$(dirname "$0")/../confirm/pyodide" && pwd)
dst=${GCSIM_PYODIDE_DIR:-/usr/local/lib/gcsim/pyodide}
if ! cmp -s "$src/package-lock.json" "$dst/node_modules/.package-lock.json.gcsim" 2>/dev/null; then
  echo "install-deps: installing the pyodide interpreters into $dst (npm ci)" >&2
  mkdir -p "$dst"
  cp "$src/package.json" "$src/package-lock.json" "$dst/"
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$src/package-lock.json" "$dst/node_modules/.package-lock.json.gcsim"
fi
