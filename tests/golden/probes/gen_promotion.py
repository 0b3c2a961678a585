"""Probe for gen_promotion.gcs (generated once from it, then kept by hand).

Generations: a reachable self-cycle survives collect 0 and is promoted to
generation 1; after del, collect 0 does not examine it, collect 1 frees it.
Each scenario statement is shown as a comment above its Python rendering."""
from gcprobe import *

# gc disable
begin()
# new a object
new('a', 'object')
# link a a
link('a', 'a')
# collect 0
collect(0)
# del a
delete('a')
# collect 0
collect(0)
observe('a')
# collect 1
collect(1)
observe('a')

finish()
