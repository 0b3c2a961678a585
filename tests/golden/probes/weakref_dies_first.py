"""Probe for weakref_dies_first.gcs (generated once from it, then kept by hand).

A callback weakref that dies before its referent: weakref_dealloc drops
the callback uncalled.  Only the finalizer of o is seen.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new o object fin
new('o', 'object', 'fin')
# new cb function
new('cb', 'function')
# weakref w o cb
weakref_('w', 'o', 'cb')
# del w
delete('w')
# del o
delete('o')

finish()
