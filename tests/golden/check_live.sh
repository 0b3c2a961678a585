#!/bin/sh
# Re-run every probe under every installed pyenv interpreter and compare with
# expected/NAME.VERSION.txt.  Exit 0 if all equal, 1 if any differ (or an
# expected file is missing, or a probe fails), 77 if no interpreter is found.
#   PYENV_ROOT, VERSIONS as in record.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
versions=${VERSIONS:-"3.6.15 3.7.16 3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0"}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
status=0 found=0 checked=0
for v in $versions; do
    py=$root/versions/$v/bin/python3
    [ -x "$py" ] || continue
    found=1
    for probe in "$here"/probes/*.py; do
        name=$(basename "$probe" .py)
        [ "$name" = gcprobe ] && continue
        exp=$here/expected/$name.$v.txt
        checked=$((checked + 1))
        if ! "$py" -B -E -s "$probe" >"$tmp/out" 2>"$tmp/err"; then
            echo "DIFFER $name $v: probe exited non-zero"; cat "$tmp/err"; status=1; continue
        fi
        if [ ! -f "$exp" ]; then
            echo "DIFFER $name $v: missing expected/$name.$v.txt"; status=1; continue
        fi
        if ! diff -u "$exp" "$tmp/out" >"$tmp/diff"; then
            echo "DIFFER $name $v"; cat "$tmp/diff"; status=1
        fi
    done
done
if [ $found = 0 ]; then echo "no interpreter found under $root/versions"; exit 77; fi
[ $status = 0 ] && echo "all $checked probe runs match expected/"
exit $status
