"""Probe for refcount_fin_then_cb.gcs (generated once from it, then kept by hand).

Refcount death: subtype_dealloc runs tp_finalize (__del__) first, then
clears the weakrefs and calls their callbacks.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new a object fin
new('a', 'object', 'fin')
# new cb function
new('cb', 'function')
# weakref w a cb
weakref_('w', 'a', 'cb')
# del a
delete('a')

finish()
