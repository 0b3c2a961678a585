#!/usr/bin/env bash
# Draw the README's figure: the object graph of corpus/scenarios/bpo38006.gcs
# at its violation under cpython-3.8b4 (the scenario's own policy line),
#   docs/bpo38006.dot   what `gcsim run --dot` writes (byte for byte: the
#                       pictures test checks that it is current)
#   docs/bpo38006.svg   that DOT drawn by Graphviz's dot (`--svg`)
# usage: scripts/render-figures.sh [GCSIM]   (default: build/gcsim)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=${1:-$root/build/gcsim}
[ -x "$g" ] || { echo "render-figures: no gcsim at $g (build first)" >&2; exit 2; }
command -v dot >/dev/null || { echo "render-figures: Graphviz's dot is missing (apt-get install graphviz)" >&2; exit 2; }
cd "$root"
mkdir -p docs
# the run ends in the violation (exit 1); anything else is an error
rc=0
"$g" run corpus/scenarios/bpo38006.gcs --dot docs/bpo38006.dot \
  --svg docs/bpo38006.svg >/dev/null || rc=$?
[ $rc -eq 1 ] || { echo "render-figures: gcsim exited $rc, not 1" >&2; exit 2; }
echo "render-figures: docs/bpo38006.dot, docs/bpo38006.svg ($(dot -V 2>&1))"
