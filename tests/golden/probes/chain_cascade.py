"""Probe for chain_cascade.gcs (generated once from it, then kept by hand).

Refcount-death cascade down a chain a -> b -> c, each with __del__ and a
callback weakref.  subtype_dealloc: finalizer, then weakref callbacks, then
the object's references are released (which kills the next link).
Expected: finalize a, callback wa cb, finalize b, callback wb cb, finalize c, callback wc cb.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new a object fin
new('a', 'object', 'fin')
# new b object fin
new('b', 'object', 'fin')
# new c object fin
new('c', 'object', 'fin')
# link a b
link('a', 'b')
# link b c
link('b', 'c')
# new cb function
new('cb', 'function')
# weakref wa a cb
weakref_('wa', 'a', 'cb')
# weakref wb b cb
weakref_('wb', 'b', 'cb')
# weakref wc c cb
weakref_('wc', 'c', 'cb')
# del c
delete('c')
# del b
delete('b')
# del a
delete('a')

finish()
