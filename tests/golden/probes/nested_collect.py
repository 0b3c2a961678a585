"""Probe for nested_collect.gcs (generated once from it, then kept by hand).

A finalizer that calls gc.collect(2) while a collection is running: the
re-entrancy guard makes the nested call return 0 without gc callbacks.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new b object fin
new('b', 'object', 'fin')
# on b finalize: collect 2
on('b', 'finalize', 'collect 2')
# link b b
link('b', 'b')
# del b
delete('b')
# collect 2
collect(2)

finish()
