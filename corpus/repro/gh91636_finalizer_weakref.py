# gh-91636 in plain Python: corpus/scenarios/finalizer_new_weakref_to_trash.gcs
import gc, weakref
seen = []
h = []
def c(w):
    o = h[0]()
    seen.append(None if o is None else sorted(vars(o)))
class A:
    def __del__(self):
        h.append(weakref.ref(self))
        h.append(weakref.ref(self.b, c))
class B: pass
gc.disable()
a = A(); b = B(); a.b = b; b.a = a; a.x = 1
del b, a
gc.collect()
print("the callback found a as:", seen, "->", "tp_clear'ed (gh-91636)" if seen and seen[0] == [] else "not cleared")
