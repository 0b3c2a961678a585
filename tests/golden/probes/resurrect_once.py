"""Probe for resurrect_once.gcs (generated once from it, then kept by hand).

A finalizer resurrects its object into a live holder; when the object dies
again its finalizer is not rerun (FINALIZED flag), but its weakref callback,
skipped at the first (aborted) dealloc, now runs.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new h object
new('h', 'object')
# new b object fin
new('b', 'object', 'fin')
# on b finalize: link h self
on('b', 'finalize', 'link h self')
# new cb function
new('cb', 'function')
# weakref w b cb
weakref_('w', 'b', 'cb')
# del b
delete('b')
# unlink h h.0
unlink('h', 'h.0')

finish()
