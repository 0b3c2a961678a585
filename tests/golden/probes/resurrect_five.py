"""Probe for resurrect_five.gcs (generated once from it, then kept by hand).

One resurrecting finalizer in a collection with five unrelated trash cycles.
3.6-3.8 (check_garbage): the whole unreachable set survives the collection
(nothing freed), although the five weakrefs were already cleared and their
callbacks ran.  3.9+ (handle_resurrected_objects): only b survives.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new b object fin
new('b', 'object', 'fin')
# on b finalize: keep self
on('b', 'finalize', 'keep self')
# link b b
link('b', 'b')
# new cbx function
new('cbx', 'function')
# new x1 object
new('x1', 'object')
# new x2 object
new('x2', 'object')
# new x3 object
new('x3', 'object')
# new x4 object
new('x4', 'object')
# new x5 object
new('x5', 'object')
# link x1 x1
link('x1', 'x1')
# link x2 x2
link('x2', 'x2')
# link x3 x3
link('x3', 'x3')
# link x4 x4
link('x4', 'x4')
# link x5 x5
link('x5', 'x5')
# weakref wx1 x1 cbx
weakref_('wx1', 'x1', 'cbx')
# weakref wx2 x2 cbx
weakref_('wx2', 'x2', 'cbx')
# weakref wx3 x3 cbx
weakref_('wx3', 'x3', 'cbx')
# weakref wx4 x4 cbx
weakref_('wx4', 'x4', 'cbx')
# weakref wx5 x5 cbx
weakref_('wx5', 'x5', 'cbx')
# del b
delete('b')
# del x1
delete('x1')
# del x2
delete('x2')
# del x3
delete('x3')
# del x4
delete('x4')
# del x5
delete('x5')
# collect 2
collect(2)
# (probe-only observation: still tracked or freed?)
observe('b', 'x1', 'x2', 'x3', 'x4', 'x5')

finish()
