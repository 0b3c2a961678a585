"""Probe for callback_order_gc.gcs (generated once from it, then kept by hand).

As callback_order, but o is a self-cycle that dies in gc.collect(2):
handle_weakrefs walks o's weakref list head first, so again r3, r2, r1.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new o object
new('o', 'object')
# new c1 function
new('c1', 'function')
# new c2 function
new('c2', 'function')
# new c3 function
new('c3', 'function')
# weakref r1 o c1
weakref_('r1', 'o', 'c1')
# weakref r2 o c2
weakref_('r2', 'o', 'c2')
# weakref r3 o c3
weakref_('r3', 'o', 'c3')
# link o o
link('o', 'o')
# del o
delete('o')
# collect 2
collect(2)

finish()
