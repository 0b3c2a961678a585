#!/bin/sh
# Re-run every probe under every installed pyenv interpreter and rewrite
# expected/NAME.VERSION.txt.  Each probe is run twice; a run whose two outputs
# differ, or that exits non-zero, is reported and its file is not written.
# Interpreters that are absent are skipped.
#   PYENV_ROOT   where pyenv lives (default: `pyenv root`, else ~/.pyenv)
#   VERSIONS     space-separated list to use instead of the default one
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
versions=${VERSIONS:-"3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0"}
mkdir -p "$here/expected"
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0 found=0
for v in $versions; do
    py=$root/versions/$v/bin/python3
    if [ ! -x "$py" ]; then echo "skip $v (no $py)"; continue; fi
    found=1
    for probe in "$here"/probes/*.py; do
        name=$(basename "$probe" .py)
        [ "$name" = gcprobe ] && continue
        if ! "$py" -B -E -s "$probe" >"$tmp/1" 2>"$tmp/err" ||
           ! "$py" -B -E -s "$probe" >"$tmp/2" 2>>"$tmp/err"; then
            echo "FAIL $name $v (exit status)"; cat "$tmp/err"; status=1; continue
        fi
        if ! cmp -s "$tmp/1" "$tmp/2"; then
            echo "FAIL $name $v (nondeterministic)"; diff "$tmp/1" "$tmp/2"; status=1; continue
        fi
        [ -s "$tmp/err" ] && { echo "note: $name $v wrote to stderr:"; cat "$tmp/err"; }
        cp "$tmp/1" "$here/expected/$name.$v.txt"
        echo "recorded $name.$v"
    done
done
[ $found = 1 ] || { echo "no interpreter found under $root/versions"; exit 77; }
exit $status
