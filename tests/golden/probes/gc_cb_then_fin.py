"""Probe for gc_cb_then_fin.gcs (generated once from it, then kept by hand).

GC death: handle_weakrefs calls the callback before finalize_garbage
runs __del__ (the reverse of refcount death).
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
# link a a
link('a', 'a')
# del a
delete('a')
# collect 2
collect(2)

finish()
