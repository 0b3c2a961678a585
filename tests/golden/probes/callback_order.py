"""Probe for callback_order.gcs (generated once from it, then kept by hand).

Refcount death of an object with three callback weakrefs.
CPython keeps non-basic weakrefs newest-first in the referent's list, and
PyObject_ClearWeakRefs clears them all, then calls callbacks in list order.
Expected (3.6-3.13): callback r3 c3, callback r2 c2, callback r1 c1.
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
# del o
delete('o')

finish()
