# CPython 3.6 to 3.11 die of SIGSEGV here; 3.12 and 3.13 print "survived".
# The plain-Python form of corpus/scenarios/clear_weakrefs_tuple_collects.gcs
# (README, "A CPython crash gcsim found"):
# PyObject_ClearWeakRefs(a) reads the head of a's weakref list (w1, the
# newest weakref with a callback) and counts 2, then calls PyTuple_New(4).
# After gc.collect() the tuple free lists are empty, so that tuple is a gc
# allocation; over threshold 1 it collects, which frees the garbage cycle
# cb1 <-> w1, and the loop goes on from the freed w1.
import gc
import weakref


class A:
    pass


class Callback:
    def __call__(self, wr):
        pass


def main():
    a = A()
    cb2 = Callback()
    w2 = weakref.ref(a, cb2)
    gc.collect()
    cb1 = Callback()
    cb1.w = weakref.ref(a, cb1)  # w1: a cycle with its callback, at the head
    del cb1
    gc.set_threshold(1)
    del a
    gc.set_threshold(700)
    print("survived")


main()
