#!/usr/bin/env bash
# Rebuild the binary seeds and the fuzzing dictionary from the readable
# scenarios:
#   corpus/scenarios/NAME.gcs  ->  corpus/seeds/NAME   (gcsim encode)
#   fixed statement snippets   ->  corpus/gcsim.dict   (libFuzzer/AFL++ -dict)
# usage: scripts/rebuild-seeds.sh [GCSIM]   (default: build/gcsim)
# tests/seeds_test.sh checks that the committed files are what this writes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=${1:-$root/build/gcsim}
[ -x "$g" ] || { echo "rebuild-seeds: no gcsim at $g (build first)" >&2; exit 2; }
out=${GCSIM_SEEDS_OUT:-$root/corpus}
mkdir -p "$out/seeds"
rm -f "$out/seeds/"*
for f in "$root"/corpus/scenarios/*.gcs; do
  "$g" encode "$f" -o "$out/seeds/$(basename "$f" .gcs)"
done

# The dictionary: the bytes of one statement, encoded after a fixed prefix
# that binds a (object), f (function), o (opaque) and d (object with a
# finalizer); operands are indices, so a token means "that statement on the
# first names bound". New names are the ones the decoder makes (ob1, wr1).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix='new a object
new f function
new o opaque
new d object fin
'
printf '%s' "$prefix" >"$tmp/p.gcs"
"$g" encode "$tmp/p.gcs" -o "$tmp/p.bin"
plen=$(wc -c <"$tmp/p.bin")
token() { # name statement
  printf '%s%s\n' "$prefix" "$2" >"$tmp/t.gcs"
  "$g" encode "$tmp/t.gcs" -o "$tmp/t.bin"
  printf '%s="' "$1"
  tail -c +$((plen + 1)) "$tmp/t.bin" | od -An -v -tx1 | tr -s ' \n' ' ' |
    sed 's/^ //; s/ $//; s/ /\\x/g; s/^/\\x/' | tr -d '\n'
  printf '"\n'
}
{
  echo "# gcsim fuzz dictionary: one statement per token (scripts/rebuild-seeds.sh)"
  token new_object 'new ob1 object'
  token new_object_fin 'new ob1 object fin'
  token new_noclear 'new nc1 noclear'
  token new_function 'new fn1 function'
  token new_opaque 'new op1 opaque'
  token new_leaf 'new lf1 leaf'
  token new_legacy 'new ob1 object legacy'
  token link_self 'link a a'
  token link_fn_opaque 'link f o'
  token link_opaque_obj 'link o a'
  token link_obj_fn 'link a f'
  token weakref_cb 'weakref wr1 a f'
  token weakref_cb_opaque 'weakref wr1 o f'
  token weakref_plain 'weakref wr1 a'
  token unlink 'unlink a a'
  token del_first 'del a'
  token untrack 'untrack a'
  token collect 'collect 2'
  token collect0 'collect 0'
  token threshold 'threshold 1'
  token get_objects 'get_objects'
  token exit 'exit'
  token on_call_touch 'on f call: touch arg()'
  token on_call_keep 'on f call: keep arg().0'
  token on_fin_touch 'on d finalize: touch self.0'
  token on_fin_keep 'on d finalize: keep self'
  token on_call_call 'on a call: call self.0'
} >"$out/gcsim.dict"
echo "rebuild-seeds: $(ls "$out/seeds" | wc -l) seeds in $out/seeds, $(grep -c '=' "$out/gcsim.dict") dictionary tokens"
