#!/usr/bin/env bash
# Run a plain Python file in CPython 3.14 or 3.15 compiled to WebAssembly
# (the pyodide packages scripts/install-deps.sh installs), as __main__: the
# way the reproducers in corpus/repro/ are checked on versions that pyenv
# does not have. Exit status: the program's (0, or 1 on an uncaught
# exception), 134 when the interpreter itself crashed (a WebAssembly trap),
# 2 when node or the package is missing.
# usage: scripts/pyodide-run.sh 3.14|3.15|NPM_VERSION FILE.py
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/pyodide-run.sh 3.14|3.15|NPM_VERSION FILE.py" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
case $1 in
  3.14) v=314.0.8 ;;
  3.15) v=315.0.0-alpha.2 ;;
  *) v=$1 ;;
esac
pkg=${GCSIM_PYODIDE_DIR:-/usr/local/lib/gcsim/pyodide}/node_modules/pyodide-$v
[ -f "$2" ] || { echo "$2:0: cannot open" >&2; exit 2; }
command -v node >/dev/null || { echo "pyodide-run: node is not installed (bash scripts/install-deps.sh)" >&2; exit 2; }
[ -f "$pkg/pyodide.mjs" ] || { echo "pyodide-run: pyodide@$v is not installed in ${pkg%/node_modules/*} (bash scripts/install-deps.sh)" >&2; exit 2; }
exec node "$root/confirm/pyodide/driver.mjs" "$pkg" --run "$2"
