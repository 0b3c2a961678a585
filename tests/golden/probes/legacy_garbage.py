"""Probe for legacy_garbage.gcs (generated once from it, then kept by hand).

A cycle through an object with a legacy tp_del finalizer is uncollectable:
gc moves it to gc.garbage and neither finalizes nor clears it.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin(legacy=True)
# new d object legacy
new('d', 'object', 'legacy')
# link d d
link('d', 'd')
# del d
delete('d')
# collect 2
collect(2)
observe('d')

finish()
