"""Probe for cycle3.gcs (generated once from it, then kept by hand).

A 3-cycle a -> b -> c -> a, each with __del__ and a callback weakref.
All callbacks (gc list order = creation order) run before all finalizers;
gc_end counts the three objects.
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
# link c a
link('c', 'a')
# new cb function
new('cb', 'function')
# weakref wa a cb
weakref_('wa', 'a', 'cb')
# weakref wb b cb
weakref_('wb', 'b', 'cb')
# weakref wc c cb
weakref_('wc', 'c', 'cb')
# del a
delete('a')
# del b
delete('b')
# del c
delete('c')
# collect 2
collect(2)

finish()
