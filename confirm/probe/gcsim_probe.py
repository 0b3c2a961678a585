"""
gcsim_probe.py - the pure-Python form of the confirm probe (_gcsimprobe).

`gcsim confirm --probe python` copies this file as _gcsimprobe.py into the
probe's directory; the driver is the one of the C probe (gcsim_probe.c):

    n = p.load(digest_bytes)      # parse, set up, print "- oldgen N"
    while i < n and p.step(i): i += 1
    p.finish()

and the output is the C probe's: one line per event, "STEP EVENT ARGS",
written to fd 1 as it happens (see confirm/confirm.c for the vocabulary).
It exists for interpreters where the C probe cannot be built (pyodide's
WebAssembly CPython 3.14/3.15). It needs CPython 3.8 or later, ctypes and
_testcapi (without_gc; with_tp_del for `legacy`). Python 3.6 syntax.

Invariants:
  - Every kind is an instance of a class with __slots__ (one class per kind
    and flags): member slots s000, s001, ... hold the references in the
    model's slot order (CPython keeps __slots__ sorted: subtype_traverse,
    subtype_clear and subtype_dealloc's clear_slots all go in sorted name
    order, each slot set to NULL before its decref). object and function
    get subtype_clear (function: func_clear exists from 3.8); noclear's
    type has its tp_clear set to NULL after creation; opaque and leaf are
    untracked right after allocation (raw GC-list unlink), as a type
    without gc support is never tracked. `fin` is __del__ (tp_finalize),
    `legacy` is _testcapi.with_tp_del's __tp_del__.
  - Two detectors per object say when CPython clears it: slot A_clear
    (sorted first) holds a non-gc int-subclass instance whose __del__ runs
    when the slot is emptied, at gc's tp_clear (the object's refcount > 0:
    "tp_clear X") or at its dealloc (refcount 0: nothing). A base class
    made non-gc with _testcapi.without_gc holds slot z_dealloc: subtype_clear
    stops at that base, subtype_dealloc does not, so its detector runs only
    at the dealloc, after every reference slot was released ("dealloc X").
    Its value is the object's index.
  - Names and what `keep` stores are held by instances of a non-gc slot
    class (without_gc): gc cannot see them, as with the C probe's arrays.
  - The probe makes no gc allocation of its own during the run where the
    model has none: no tuples/lists/iterators/exceptions/closures at run
    time; argument tuples are built at load (weakref.ref's arguments are
    written into a prebuilt untracked tuple as borrowed pointers); the
    1-tuple of slot_tp_call (a weakref callback) and 3.8-3.10's frames come
    from free lists stocked after every collection; what the runtime
    allocates anyway (gc.callbacks' info dict, stocking) is taken back by
    freeing reserve tuples (PyObject_GC_Del counts a death), as the C
    probe's count_fix does. On 3.12+ a collection is scheduled and run at
    an eval-breaker check, which Python code has and C code has not: during
    a statement threshold0 is 0, and the probe decides itself whether the
    statement scheduled one. CPython schedules at the gc allocation (3.12,
    3.13, 3.14.0, 3.15) or tracking (TRACK_COUNT) that takes the count over
    threshold0, so a count that goes over and back within the statement
    (PyObject_ClearWeakRefs' tuple, a new object whose binding frees the
    old one, what a finalizer makes before its object is freed) schedules
    too: the count (young.count, read in memory: COUNT_AT) is sampled at
    every point where the probe's code runs inside a statement (_sample:
    the hooks' entries, after each script action, after each object or
    weakref the probe makes, while get_objects' list is alive, the
    statement's end); what it can still miss is a peak between two of
    them that no Python code of the probe sees. The collection is scheduled at the statement's
    end with threshold0 at -1 for one allocation, without an eval-breaker
    check before it is put back (_step_track).
  - 3.14.1-3.14.4 count tracked objects, not allocations (GH-140262):
    _PyObject_GC_TRACK adds one and may schedule, UNTRACK takes one off,
    PyObject_GC_Del of an untracked object nothing. There (TRACK_COUNT,
    found at load) the probe reads and writes young.count in memory instead
    of calling gc.get_count() (its tuple is tracked and counted) and freeing
    reserve tuples (untracked: they take nothing back); raw untracking and
    tracking count as the real ones do, and young objects carry the
    old-space bit in _gc_next; a marker object at young's tail tells
    whether something was tracked since the last sample (_sample).
  - What cannot be expressed is refused at load: an exception whose
    message starts with "unsupported: ".
"""
import sys
import os
import gc
import weakref

VER = sys.version_info[:2]

# The digest's numbering: include/gcsim/program.h (checked at load).
(OP_POLICY, OP_NEW, OP_LINK, OP_UNLINK, OP_WEAKREF, OP_DEL, OP_UNTRACK,
 OP_TRACK, OP_COLLECT, OP_GC_ENABLE, OP_GC_DISABLE, OP_SAVEALL,
 OP_THRESHOLD, OP_GET_OBJECTS, OP_EXIT, OP_ON_FINALIZE, OP_ON_CALL,
 NOPS) = range(18)
(A_TOUCH, A_CALL, A_KEEP, A_LINK, A_UNLINK, A_DROP, A_WEAKREF,
 A_GET_OBJECTS, A_COLLECT, NACTS) = range(10)
K_OBJECT, K_NOCLEAR, K_FUNCTION, K_OPAQUE, K_LEAF, K_WEAKREF, NKINDS = range(7)
R_NONE, R_SELF, R_ARG, R_NAME = range(4)
F_FIN = 1
F_LEGACY = 2
STEP_CALL = -1
MAX_STEPS = 16
KIND_NAMES = ('object', 'noclear', 'function', 'opaque', 'leaf', 'weakref')

NSLOTS = 96  # reference slots per object (refused beyond, at run time)
SLOTNAMES = ['s%03d' % i for i in range(NSLOTS)]
NRESERVE = 20000  # untracked 25-tuples, freed to take a count back
NSTOCK1 = 16  # 1-tuples kept on their free list (slot_tp_call's argument)
NSTOCKF = 64  # 3.8-3.10: frames kept on the frame free list

_unsupported_env = None
try:
    import ctypes
    import _testcapi
    _without_gc = _testcapi.without_gc
    _with_tp_del = getattr(_testcapi, 'with_tp_del', None)
except Exception as e:  # noqa: BLE001 - reported at load
    _unsupported_env = 'unsupported: this interpreter lacks %s' % e

# ---- state of one run (one program per import) ----
stmts = []      # per statement: a list [op, kind, flags, has_c, sym, script, n0, n1, n2, a, b, c]
acts = []       # per action: [act, has_c, gen, a, b, c]
scripts = []    # per script: [first, count]
labels = []     # symbol names, then w1, w2, ...
nsyms = 0
next_w = 0
cur_step = 0
stopped = False
in_exit = False
exit_gc = False  # exit's own collection (its gc.callbacks are not logged)
script_depth = 0
budget_out = False
max_actions = 0
nactions_run = 0
garbage_seen = 0
in_gc = False
wr_in_gc = False
samp_prev = 0   # TRACK_COUNT: the count last seen during this statement
samp_sched = False  # and whether a tracking seen went over threshold0
samp_mark = None  # TRACK_COUNT: an object kept at the tail of young (below)
samp_live = 0   # counted objects of the runtime's, alive, not the model's

# objects, by index (creation order): plain ints, bytes and lists of ints
o_addr = []     # id() of the object
o_label = []
o_kind = []
o_flags = []
o_alive = None  # bytearray
o_cleared = None
o_fin_runs = []
o_resur = None  # bytearray: opaque/leaf resurrected, to settle (_untrack_resurrected)
n_resur = 0     # how many o_resur are set
o_fin_script = []
o_call_script = []
o_nslots = []
o_occ = None    # bytearray, NSLOTS per object: slot holds a reference
nobj = 0
markv = []      # roots_mark's epoch per object
mark_epoch = 0

names = []      # per symbol: a Holder (slot v: the bound object)
name_bound = None  # bytearray
name_global = []   # per symbol: index+1 in glob_h, 0 = none
glob_h = []     # Holders of the globals, in binding order
glob_sym = []   # their symbols (-1: made by keep)
glob_set = None  # bytearray: the holder holds something
wrlabel = {}    # id(weakref) -> label index
OURS = {}       # class -> kind
CLASSES = []    # [kind*4 + flags]
dets_a = []     # preallocated detectors, per future object
dets_z = []
reserve = []
stack = []      # roots_mark's stack (persistent: no list made at run time)
seenw = {}
thr_args = []
cur_thr0 = None
zero_thr = None
gen_args = None
debug_args = None
P1 = None       # weakref.ref's prebuilt argument tuples
P2 = None
p1_item = 0
p2_item = 0
p_dummy = None
stock = []
MEMW = None
MEM32 = None
W = 8
gen0_head = 0
TRACK_COUNT = False  # 3.14.1+: young.count counts tracked objects (below)
COUNT_AT = 0    # 3.12+: MEM32 index of young.count, read (TRACK_COUNT: written) raw
CALL_EXTRA = 0  # TRACK_COUNT: slot_tp_call's 1-tuple, tracked and counted
wr_base_refs = 0
wr_type = weakref.ref
_gc_get_count = gc.get_count


# ---- small helpers ----

def _log(text):
    """One event line, written at once (a crash keeps what came before)."""
    os.write(1, (str(cur_step) + ' ' + text + '\n').encode())


def _is_ours(x):
    return OURS.get(type(x), -1) >= 0


def _idx(x):
    return x.z_dealloc + 0


def _is_gc_kind(k):
    return k == K_OBJECT or k == K_NOCLEAR or k == K_FUNCTION


def _new_label(text):
    labels.append(text)
    return len(labels) - 1


def _label_of(x):
    if x is None:
        return 'None'
    if _is_ours(x):
        return labels[o_label[_idx(x)]]
    if type(x) is wr_type:
        li = wrlabel.get(id(x), -1)
        if li >= 0:
            return labels[li]
    return '?'


def _violation(kind, label):
    global stopped
    if stopped:
        return
    _log('violation ' + kind + ' ' + label)
    stopped = True


def _holds_refs(x):
    return _is_ours(x) and o_kind[_idx(x)] != K_LEAF


def _count():
    """gc.get_count()[0], read twice (the first may allocate its tuple).
    Where the count counts tracked objects (3.14.1+), get_count()'s own
    3-tuple is tracked, counted and may schedule a collection (measured on
    3.14.2: with count == threshold0, gc.get_count() sets off an increment),
    so the count is read from memory instead."""
    if TRACK_COUNT:
        return MEM32[COUNT_AT]
    _gc_get_count()
    return _gc_get_count()[0]


def _count_fix(target):
    """Take gc allocations back by freeing reserve tuples (GC_Del). Where
    the count counts tracked objects, freeing an untracked tuple takes
    nothing back (PyObject_GC_Del only counts a tracked object): the count
    is written instead."""
    if TRACK_COUNT:
        if MEM32[COUNT_AT] > target:
            MEM32[COUNT_AT] = target
        return
    c = _count()
    while c > target and len(reserve) > 0:
        reserve.pop()
        c -= 1


def _mark_young():
    """Move samp_mark to the tail of young, raw (no count): what is tracked
    after this point and still alive follows it there."""
    a = id(samp_mark)
    _unlink_raw(a)
    _link_young_raw(a)


def _sample(extra):
    """3.12+: the count seen at a point inside a statement (see the header;
    extra: the objects the runtime counted there that the model does not
    make, the newest; samp_live: such objects still alive from earlier
    points). The model schedules a collection when a gc allocation
    (TRACK_COUNT: a tracking) takes the count over threshold0 (enabled, not
    collecting). Seen since the last point: the count going over, or up
    while over, or (TRACK_COUNT) still over with an object tracked since
    then alive (the count was at least as high just after that tracking)
    shows one. Not seen: going over and back below between two points, or
    over and down to threshold0 with the object alive; and where the count
    counts allocations, an allocation while the count stayed over."""
    global samp_prev, samp_sched
    if n_resur > 0:
        _settle_resur()
    if COUNT_AT == 0 or in_gc or in_exit:
        return
    c = MEM32[COUNT_AT] - samp_live - extra
    t0 = cur_thr0[0]
    if t0 > 0 and c > t0 and not samp_sched:
        if c > samp_prev or samp_prev <= t0:
            samp_sched = True
        elif TRACK_COUNT:
            k = -extra
            g = MEMW[(id(samp_mark) - 2 * W) // W] & ~3
            while g != gen0_head and k <= 0:
                k += 1
                g = MEMW[g // W] & ~3
            if k > 0:
                samp_sched = True
    samp_prev = c
    if TRACK_COUNT:
        _mark_young()


def _deep(n):
    if n > 0:
        _deep(n - 1)


def _restock():
    """Refill the free lists the probe's own Python code draws on (a full
    collection empties them): 1-tuples (slot_tp_call's argument tuple) and,
    before 3.11, frame objects (recursive calls of the probe's functions)."""
    i = 0
    while i < NSTOCK1:
        v = i
        stock[i] = (v,)
        i += 1
    i = 0
    while i < NSTOCK1:
        stock[i] = None
        i += 1
    if VER < (3, 11):
        _deep(NSTOCKF)


# raw memory: refcounts and the gc list links (PyGC_Head before the object)

def _refcnt(addr):
    return MEM32[addr // 4]


def _tracked_raw(addr):
    return MEMW[(addr - 2 * W) // W] != 0


def _unlink_raw(addr):
    """Unlink from its gc list; False if it was not tracked."""
    g = (addr - 2 * W) // W
    nxt = MEMW[g] & ~3
    if nxt == 0:
        return False
    prv = MEMW[g + 1] & ~3
    MEMW[prv // W] = nxt | (MEMW[prv // W] & 3)
    MEMW[nxt // W + 1] = prv | (MEMW[nxt // W + 1] & 3)
    MEMW[g] = 0
    MEMW[g + 1] = MEMW[g + 1] & 1
    return True


def _untrack_raw(addr):
    """PyObject_GC_UnTrack: unlink from its gc list (_PyObject_GC_UNTRACK;
    3.14.1+ also takes one off young.count, never below 0)."""
    if _unlink_raw(addr) and TRACK_COUNT and MEM32[COUNT_AT] > 0:
        MEM32[COUNT_AT] -= 1


def _link_young_raw(addr):
    """Append to young's list, without counting (the list half of
    _PyObject_GC_TRACK). 3.14+: bit 0 of _gc_next is the old-space bit,
    which a young object has set to 1 ^ visited_space (pycore_gc.h,
    _PyGC_NEXT_MASK_OLD_SPACE_1): copied from a fresh object (tracked and
    freed at once: count +1 -1)."""
    space = 0
    if VER >= (3, 14):
        tmp = _Sched()
        space = MEMW[(id(tmp) - 2 * W) // W] & 1
        tmp = None
    g = addr - 2 * W
    last = MEMW[gen0_head // W + 1] & ~3
    MEMW[last // W] = g | (MEMW[last // W] & 3)
    MEMW[g // W + 1] = last | (MEMW[g // W + 1] & 3)
    MEMW[g // W] = gen0_head | space
    MEMW[gen0_head // W + 1] = g


def _track_raw(addr):
    """PyObject_GC_Track: append to generation 0 (_PyObject_GC_TRACK);
    3.14.1+ counts the object in young.count. No collection is scheduled
    here: threshold0 is 0 during a statement (see step())."""
    _link_young_raw(addr)
    if TRACK_COUNT:
        MEM32[COUNT_AT] += 1


def _new_ref(t, c):
    """weakref.ref(t[, c]) through a prebuilt untracked argument tuple that
    borrows t and c for the call (no argument tuple made at run time)."""
    if c is None:
        MEMW[p1_item] = id(t)
        w = wr_type(*P1)
        MEMW[p1_item] = id(p_dummy)
        return w
    MEMW[p2_item] = id(t)
    MEMW[p2_item + 1] = id(c)
    w = wr_type(*P2)
    MEMW[p2_item] = id(p_dummy)
    MEMW[p2_item + 1] = id(p_dummy)
    return w


# ---- reachability from the roots (names, keep globals, gc.garbage) ----

def _roots_mark():
    """Mark every object of ours reachable by strong references from a root:
    slots, and a weakref's callback (check.c's check_roots_mark)."""
    global mark_epoch
    mark_epoch += 1
    seenw.clear()
    i = 0
    n = len(glob_h)
    while i < n:
        if glob_set[i]:
            stack.append(glob_h[i].v)
        i += 1
    g = gc.garbage
    i = 0
    n = len(g)
    while i < n:
        stack.append(g[i])
        i += 1
    while len(stack) > 0:
        x = stack.pop()
        if _is_ours(x):
            k = _idx(x)
            if markv[k] == mark_epoch:
                continue
            markv[k] = mark_epoch
            if o_cleared[k]:
                continue
            j = o_nslots[k]
            base = k * NSLOTS
            while j > 0:
                j -= 1
                if o_occ[base + j]:
                    stack.append(getattr(x, SLOTNAMES[j]))
        elif type(x) is wr_type:
            if seenw.get(id(x), 0):
                continue
            seenw[id(x)] = 1
            cb = x.__callback__
            if cb is not None:
                stack.append(cb)
    x = None


def _check_exposed_cleared():
    """exposed-cleared, as the model checks it after a collection and track."""
    marked = False
    i = 0
    while i < nobj and not stopped:
        if o_alive[i] and o_cleared[i]:
            if _tracked_raw(o_addr[i]):
                _violation('exposed-cleared', labels[o_label[i]])
                return
            if not marked:
                _roots_mark()
                marked = True
            if markv[i] == mark_epoch:
                _violation('exposed-cleared', labels[o_label[i]])
                return
        i += 1


# ---- the detectors ----

class _DetClear(int):
    """Slot A_clear: emptied first by subtype_clear and by clear_slots."""
    __slots__ = ()

    def __del__(self):
        _sample(0)
        k = self + 0
        if o_addr[k] == 0 or _refcnt(o_addr[k]) == 0:
            return  # the dealloc's clear_slots
        # gc's tp_clear (delete_garbage holds a reference)
        if not stopped:
            _roots_mark()
            if markv[k] == mark_epoch:
                o_cleared[k] = 1
                _violation('freed-reachable', labels[o_label[k]])
                return
            _log('tp_clear ' + labels[o_label[k]])
        o_cleared[k] = 1


class _DetDealloc(int):
    """Slot z_dealloc of the non-gc base: emptied only by the dealloc, after
    every reference slot."""
    __slots__ = ()

    def __del__(self):
        _sample(0)
        k = self + 0
        if not stopped:
            _log('dealloc ' + labels[o_label[k]])
        o_alive[k] = 0


if _unsupported_env is None:
    _DetClear = _without_gc(_DetClear)  # int subclasses with __del__ are
    _DetDealloc = _without_gc(_DetDealloc)  # made gc types: they need not be


# ---- scripts ----

def _read_obj(x, is_call):
    """Read an object reached by a path: a cleared one is a violation."""
    if not _is_ours(x):
        return True
    k = _idx(x)
    if not o_cleared[k]:
        return True
    if is_call and o_kind[k] == K_FUNCTION:
        _violation('call-after-clear', labels[o_label[k]])
    else:
        _violation('touch-after-clear', labels[o_label[k]])
    return False


def _resolve(selfo, arg, p, is_call):
    """A path to an object, or None (nothing there, or the run stopped)."""
    root = p[0]
    if root == R_SELF:
        cur = selfo
    elif root == R_ARG:
        cur = arg
    elif root == R_NAME:
        cur = names[p[1]].v if name_bound[p[1]] else None
    else:
        cur = None
    if cur is None:
        return None
    steps = p[2]
    n = len(steps)
    if not _read_obj(cur, is_call and n == 0):
        return None
    i = 0
    while i < n:
        s = steps[i]
        if s == STEP_CALL:
            if type(cur) is not wr_type:
                return None
            cur = cur()  # the referent, or None once cleared
            if cur is None:
                return None
        else:
            if not _is_ours(cur):
                return None
            k = _idx(cur)
            if s >= o_nslots[k] or o_cleared[k] or not o_occ[k * NSLOTS + s]:
                return None
            cur = getattr(cur, SLOTNAMES[s])
        if not _read_obj(cur, is_call and i + 1 == n):
            return None
        i += 1
    return cur


def _do_get_objects():
    allo = gc.get_objects()
    _sample(0)  # its list, a gc allocation of the model's too
    i = 0
    n = len(allo)
    while i < n and not stopped:
        x = allo[i]
        if _is_ours(x) and o_cleared[_idx(x)]:
            _violation('touch-after-clear', _label_of(x))
        i += 1
    x = None
    allo = None


def _do_collect(gen, nested):
    if gen < 0 or gen > 2:
        return
    r = gc.collect(gen)
    if not stopped:
        _log('collect ' + str(gen) + ' -> ' + str(r) + (' nested' if nested else ''))


def _global_add(sym, obj):
    h = Holder()
    h.v = obj
    glob_h.append(h)
    glob_sym.append(sym)
    glob_set.append(1)
    return len(glob_h) - 1


def _bind(sym, obj):
    """Bind sym to obj (run.c's bind)."""
    h = names[sym]
    if name_bound[sym]:
        old = h.v
    else:
        old = None
    h.v = obj
    name_bound[sym] = 1
    if name_global[sym]:
        gi = name_global[sym] - 1
        glob_h[gi].v = obj
        glob_set[gi] = 1
    else:
        name_global[sym] = _global_add(sym, obj) + 1
    old = None


def _unbind(sym):
    if not name_bound[sym]:
        return
    gi = name_global[sym] - 1
    name_global[sym] = 0
    name_bound[sym] = 0
    glob_set[gi] = 0
    del glob_h[gi].v
    del names[sym].v


def _new_weakref(t, c, label):
    """weakref.ref(t, c) with the model's labelling: a fresh weakref gets
    label (or w1, w2, ...); a shared callback-less one keeps its label."""
    global next_w, wr_in_gc
    w = _new_ref(t, c)
    if c is None and sys.getrefcount(w) > wr_base_refs:
        return w  # CPython handed back the existing callback-less ref
    _sample(0)  # before what binding it frees
    if in_gc:
        wr_in_gc = True
    if label < 0:
        next_w += 1
        label = _new_label('w' + str(next_w))
    wrlabel[id(w)] = label
    return w


def _slot_append(x, y):
    k = _idx(x)
    j = o_nslots[k]
    if j >= NSLOTS:
        raise RuntimeError('unsupported: more than %d links from one object' % NSLOTS)
    setattr(x, SLOTNAMES[j], y)
    o_occ[k * NSLOTS + j] = 1
    o_nslots[k] = j + 1


def _link_unlink(x, y, link):
    """link / unlink X Y: a new slot, or the first slot holding Y emptied
    (NULL first, then the decref: a member slot's delete does that)."""
    if not _holds_refs(x):
        return
    if link:
        _slot_append(x, y)
        return
    k = _idx(x)
    if o_cleared[k]:
        return
    base = k * NSLOTS
    j = 0
    n = o_nslots[k]
    while j < n:
        if o_occ[base + j] and getattr(x, SLOTNAMES[j]) is y:
            o_occ[base + j] = 0
            delattr(x, SLOTNAMES[j])
            return
        j += 1


def _action(selfo, arg, a):
    if n_resur > 0:
        _settle_resur()
    op = a[0]
    if op == A_TOUCH:
        _resolve(selfo, arg, a[3], False)
    elif op == A_CALL:
        x = _resolve(selfo, arg, a[3], True)
        if x is None or not _is_ours(x):
            return
        _run_script(o_call_script[_idx(x)], x, None)
    elif op == A_KEEP:
        x = _resolve(selfo, arg, a[3], False)
        if x is not None:
            _global_add(-1, x)
    elif op == A_DROP:
        p = a[3]
        if p[0] == R_NAME and len(p[2]) == 0:
            _unbind(p[1])
            return
        x = _resolve(selfo, arg, p, False)
        if x is None:
            return
        i = len(glob_h)
        while i > 0:
            i -= 1
            if glob_sym[i] < 0 and glob_set[i] and glob_h[i].v is x:
                glob_set[i] = 0
                x = None
                del glob_h[i].v
                return
    elif op == A_LINK or op == A_UNLINK:
        x = _resolve(selfo, arg, a[3], False)
        if x is None:
            return
        y = _resolve(selfo, arg, a[4], False)
        if y is not None:
            _link_unlink(x, y, op == A_LINK)
    elif op == A_WEAKREF:
        x = _resolve(selfo, arg, a[3], False)
        y = None
        z = None
        if x is not None:
            y = _resolve(selfo, arg, a[4], False)
        if y is not None and a[1]:
            z = _resolve(selfo, arg, a[5], False)
        if x is None or y is None or stopped:
            return
        if not _holds_refs(x) or not _is_ours(y) or (z is not None and type(z) is wr_type):
            return  # rejected
        w = _new_weakref(y, z, -1)
        if not stopped:
            _slot_append(x, w)
    elif op == A_GET_OBJECTS:
        _do_get_objects()
    elif op == A_COLLECT:
        _do_collect(a[2], True)


def _run_script(script, selfo, arg):
    global script_depth, nactions_run, budget_out, stopped
    if script < 0 or script >= len(scripts) or stopped:
        return
    if script_depth >= 64:
        return  # the model: RecursionError, rejected
    script_depth += 1
    first = scripts[script][0]
    n = scripts[script][1]
    i = 0
    while i < n and not stopped:
        if max_actions and nactions_run + 1 > max_actions:
            budget_out = True
            stopped = True
            break
        nactions_run += 1
        _action(selfo, arg, acts[first + i])
        _sample(0)  # (the action's allocations, the model's)
        i += 1
    script_depth -= 1


# ---- the kinds' methods ----

def _retrack_extra(k):
    """subtype_dealloc's GC branch tracks the object again around tp_finalize
    and tp_del (_PyObject_GC_TRACK, then _PyObject_GC_UNTRACK unless
    resurrected). For opaque and leaf, which the model makes of a type
    without gc support (subtype_dealloc's non-GC branch: no tracking), that
    tracking is the probe's alone; where tracking counts (TRACK_COUNT) it
    adds one the model does not have, the newest, alive while the finalizer
    runs (measured on 3.14.2: young.count one higher inside a leaf's
    __del__, the object tracked). Elsewhere tracking counts nothing."""
    if TRACK_COUNT and not _is_gc_kind(o_kind[k]):
        return 1
    return 0


def _untrack_resurrected(k, r0, fin):
    """After the script of an opaque or leaf object's tp_finalize or tp_del,
    which subtype_dealloc's GC branch runs with the object tracked again
    (_retrack_extra): if the script resurrected it (its refcount higher
    than at the hook's entry: subtype_dealloc then goes to endlabel and
    leaves it tracked), it is untracked, as a type without gc support is
    never tracked (3.14.1+: taking the tracking's count back), and can be
    finalized again at its next dealloc, as in the model. tp_finalize: at
    once; its caller, PyObject_CallFinalizer, sets the FINALIZED bit after
    the hook returns, which would keep a later dealloc from running it
    again: the bit is cleared later (o_resur bit 1). tp_del: later (bit 2),
    as _testcapi's slot_tp_del asserts after the hook that a resurrected
    gc object is tracked (an abort, measured on 3.13.0). Later is the
    next point the probe's code runs (_settle_resur: step(), _action,
    gc.callbacks' start, _sample), before anything can deallocate the
    object again or a collection can see it."""
    global n_resur
    if _is_gc_kind(o_kind[k]) or _refcnt(o_addr[k]) <= r0:
        return
    if fin:
        _untrack_raw(o_addr[k])
    if not o_resur[k]:
        n_resur += 1
    o_resur[k] |= 1 if fin else 2


def _settle_resur():
    """Untrack (bit 2) and clear the FINALIZED bit (bit 1: bit 0 of
    _gc_prev, _PyGC_PREV_MASK_FINALIZED, 3.8+) of the opaque and leaf
    objects marked by _untrack_resurrected and still alive."""
    global n_resur
    k = 0
    while k < nobj and n_resur > 0:
        m = o_resur[k]
        if m:
            o_resur[k] = 0
            n_resur -= 1
            if o_alive[k]:
                if m & 2:
                    _untrack_raw(o_addr[k])
                if m & 1 and not _tracked_raw(o_addr[k]):
                    g = (o_addr[k] - 2 * W) // W + 1
                    MEMW[g] = MEMW[g] & ~1
        k += 1


def _fin(self):
    """tp_finalize (__del__)."""
    global samp_live
    k = _idx(self)
    extra = _retrack_extra(k)
    _sample(extra)  # (subtype_dealloc tracks the object again around it)
    r0 = _refcnt(o_addr[k])
    o_fin_runs[k] += 1
    if stopped:
        return
    _log('finalize ' + labels[o_label[k]])
    if _is_gc_kind(o_kind[k]) and o_fin_runs[k] > 1:
        _violation('finalizer-twice', labels[o_label[k]])
    else:
        samp_live += extra
        _run_script(o_fin_script[k], self, None)
        samp_live -= extra
        _untrack_resurrected(k, r0, True)


def _tp_del(self):
    """Legacy tp_del (_testcapi.with_tp_del's slot_tp_del calls it)."""
    global samp_live
    k = _idx(self)
    extra = _retrack_extra(k)
    _sample(extra)
    r0 = _refcnt(o_addr[k])
    if stopped:
        return
    _log('tp_del ' + labels[o_label[k]])
    samp_live += extra
    _run_script(o_fin_script[k], self, None)
    samp_live -= extra
    _untrack_resurrected(k, r0, False)


def _tp_del_get(self):
    """Before 3.12 _testcapi's slot_tp_del finds __tp_del__ with
    _PyObject_LookupSpecial and calls what it returns with no argument
    (_PyObject_CallNoArg): a function there would be bound, and the bound
    method (PyMethod_New, no free list from 3.8) is a gc allocation the
    model does not make, which on 3.8-3.11 can set off a collection before
    the tp_del runs (measured on 3.11.7: gc.get_count()[0] one higher inside
    a function __tp_del__, none inside __del__; 3.8.18: one more than
    __del__'s frame). A property instead: its fget runs the tp_del during
    the lookup, within slot_tp_del as the call would, and hands back
    gc.isenabled, a builtin called with no argument that allocates nothing.
    3.12+ looks __tp_del__ up on the type and calls it with the object
    (_PyType_Lookup, PyObject_CallOneArg): a plain function there."""
    _tp_del(self)
    return gc.isenabled


_TP_DEL_SLOT = _tp_del if VER >= (3, 12) else property(_tp_del_get)


def _call(self, wr=None):
    """A call with one argument is the runtime calling a weakref callback
    (TRACK_COUNT: through a 1-tuple the runtime tracked, counted while the
    callback runs)."""
    global samp_live
    _sample(CALL_EXTRA)  # slot_tp_call's argument tuple (see CALL_EXTRA)
    samp_live += CALL_EXTRA  # alive until the call returns
    _call_body(self, wr)
    samp_live -= CALL_EXTRA


def _call_body(self, wr):
    k = _idx(self)
    if not stopped:
        _log('callback ' + _label_of(wr) + ' ' + labels[o_label[k]])
        if o_cleared[k]:
            if o_kind[k] == K_FUNCTION:
                _violation('call-after-clear', labels[o_label[k]])
            else:
                _violation('touch-after-clear', labels[o_label[k]])
    if not o_cleared[k]:
        _run_script(o_call_script[k], self, wr)


def _make_classes():
    base = _without_gc(type('_gcsim_base', (), {'__slots__': ('z_dealloc',)}))
    members = tuple(['A_clear'] + SLOTNAMES + ['__weakref__'])
    k = 0
    while k < K_WEAKREF:
        f = 0
        while f < 4:
            d = {'__slots__': members, '__call__': _call}
            if f & F_FIN:
                d['__del__'] = _fin
            if f & F_LEGACY:
                d['__tp_del__'] = _TP_DEL_SLOT
            name = '_gcsimprobe_' + KIND_NAMES[k] + ('_fin' if f & F_FIN else '') + (
                '_legacy' if f & F_LEGACY else '')
            cls = type(name, (base,), d)
            if f & F_LEGACY and _with_tp_del is not None:
                cls = _with_tp_del(cls)
            if k == K_NOCLEAR:
                MEMW[id(cls) // W + 24] = 0  # tp_clear = NULL (after tp_traverse)
            OURS[cls] = k
            CLASSES.append(cls)
            f += 1
        k += 1


def _new_obj(kind, flags, label):
    global nobj
    k = nobj
    cls = CLASSES[kind * 4 + (flags & 3)]
    nogc = not _is_gc_kind(kind)
    if nogc:
        # an allocation the model does not count: take one back first, so
        # that it cannot set off a collection, and untrack it
        # (3.14.1+: the untracking takes the tracking's count back)
        c = _count()
        if c > 0 and not TRACK_COUNT:
            reserve.pop()
    o = cls()
    if nogc:
        _untrack_raw(id(o))
        if c == 0:
            _count_fix(0)
    o_addr[k] = id(o)
    o.A_clear = dets_a[k]
    o.z_dealloc = dets_z[k]
    dets_a[k] = None
    dets_z[k] = None
    o_kind[k] = kind
    o_flags[k] = flags
    o_label[k] = label
    o_alive[k] = 1
    nobj = k + 1
    _sample(0)  # before what binding it frees
    return o


# ---- gc.callbacks ----

def _report_garbage():
    global garbage_seen
    g = gc.garbage
    n = len(g)
    while garbage_seen < n:
        if not stopped:
            _log('garbage ' + _label_of(g[garbage_seen]))
        garbage_seen += 1


def _gc_callback(phase, info):
    global in_gc, wr_in_gc, samp_prev
    g = info['generation']
    if phase == 'start':
        if n_resur > 0:
            _settle_resur()
        in_gc = True
        wr_in_gc = False
        if not stopped and not exit_gc:
            _log('gc_start ' + str(g))
        return
    in_gc = False
    _report_garbage()
    if not stopped and not exit_gc:
        _log('gc_end ' + str(g) + ' collected=' + str(info['collected']) +
             ' uncollectable=' + str(info['uncollectable']))
    if not stopped:
        _check_exposed_cleared()
    # collect() left generation 0's count at 0, plus the weakrefs scripts
    # made since; the rest are this callback's own allocations
    target = 0 if not wr_in_gc else _count()
    _restock()
    _count_fix(target)
    if COUNT_AT:
        samp_prev = MEM32[COUNT_AT]
    if TRACK_COUNT:
        _mark_young()  # the collection moved it out of young


# ---- statements ----

def _st_new(st):
    o = _new_obj(st[1], st[2], st[4])
    _bind(st[4], o)


def _st_link(st):
    x = _resolve(None, None, st[9], False)
    y = _resolve(None, None, st[10], False) if x is not None else None
    if x is not None and y is not None:
        _link_unlink(x, y, st[0] == OP_LINK)


def _st_weakref(st):
    x = _resolve(None, None, st[10], False)
    y = _resolve(None, None, st[11], False) if x is not None and st[3] else None
    if x is None or (st[3] and y is None) or stopped:
        return
    if not _is_ours(x) or (y is not None and type(y) is wr_type):
        return
    w = _new_weakref(x, y, st[4])
    if not stopped:
        _bind(st[4], w)


def _st_track(st):
    x = _resolve(None, None, st[9], False)
    if x is None:
        return
    if not (type(x) is wr_type or (_is_ours(x) and _is_gc_kind(o_kind[_idx(x)]))):
        return  # rejected: not a gc object
    if st[0] == OP_UNTRACK:
        _untrack_raw(id(x))
        return
    if gc.is_tracked(x):
        return  # rejected: PyObject_GC_Track would abort
    _track_raw(id(x))
    x = None
    _check_exposed_cleared()


def _st_threshold(st, i):
    global cur_thr0
    gc.set_threshold(*thr_args[i])
    cur_thr0 = thr_args[i]
    if TRACK_COUNT:
        gc.set_threshold(*zero_thr)  # until the statement's end (_step_track)


def _st_exit(st):
    """run.c's stmt_exit: globals dropped oldest first, then one full
    collection without gc.callbacks' events (exit_gc). A collection the
    statement scheduled runs after it and is logged, as the model's
    gc_run_scheduled after any statement (3.14: an increment, whatever the
    counts; generations: nothing, every count is 0 by then)."""
    global in_exit, exit_gc
    n = len(glob_h)
    i = 0
    while i < n and not stopped:
        if glob_set[i]:
            sym = glob_sym[i]
            glob_set[i] = 0
            if sym >= 0:
                name_bound[sym] = 0
                name_global[sym] = 0
                del names[sym].v
            del glob_h[i].v
        i += 1
    if stopped:
        return
    in_exit = True
    exit_gc = True
    gc.collect(2)
    exit_gc = False


def _stmt(st, i):
    op = st[0]
    if op == OP_NEW:
        _st_new(st)
    elif op == OP_LINK or op == OP_UNLINK:
        _st_link(st)
    elif op == OP_WEAKREF:
        _st_weakref(st)
    elif op == OP_DEL:
        _unbind(st[4])
    elif op == OP_UNTRACK or op == OP_TRACK:
        _st_track(st)
    elif op == OP_COLLECT:
        _do_collect(st[6], False)
    elif op == OP_GC_ENABLE:
        gc.enable()
    elif op == OP_GC_DISABLE:
        gc.disable()
    elif op == OP_SAVEALL:
        gc.set_debug(*debug_args[1 if st[2] else 0])
    elif op == OP_THRESHOLD:
        _st_threshold(st, i)
    elif op == OP_GET_OBJECTS:
        _do_get_objects()
    elif op == OP_EXIT:
        _st_exit(st)
    elif op == OP_ON_FINALIZE or op == OP_ON_CALL:
        if not name_bound[st[4]]:
            return
        x = names[st[4]].v
        if not _is_ours(x):
            return
        if op == OP_ON_FINALIZE:
            o_fin_script[_idx(x)] = st[5]
        else:
            o_call_script[_idx(x)] = st[5]


class _Sched(object):
    """An allocation that schedules the collection a statement set off
    (3.12+: the C probe's statement is one C call; the collection it
    schedules runs at the driver loop's eval-breaker check)."""
    __slots__ = ('x', '__weakref__')


# ---- loading the digest (confirm/confirm.c writes it) ----

class _Digest(object):
    def __init__(self, data):
        self.tok = data.split()
        self.pos = 0

    def word(self):
        w = self.tok[self.pos]
        self.pos += 1
        return w.decode()

    def num(self):
        return int(self.word())

    def path(self):
        root = self.num()
        sym = self.num()
        n = self.num()
        if root < R_NONE or root > R_NAME or (root == R_NAME and not 0 <= sym < nsyms):
            raise ValueError('gcsim probe: bad path root')
        if n < 0 or n > MAX_STEPS:
            raise ValueError('gcsim probe: bad path')
        steps = tuple([self.num() for _ in range(n)])
        for s in steps:
            if s < STEP_CALL:
                raise ValueError('gcsim probe: bad path step')
        return (root, sym, steps)


def _refuse(text):
    raise RuntimeError('unsupported: ' + text)


def _find_track_count():
    """3.12+: where young.count is (COUNT_AT). 3.14+: does it count tracked objects (3.14.1-3.14.4,
    GH-140262: _PyObject_GC_TRACK adds one, _PyObject_GC_UNTRACK and
    PyObject_GC_Del of a tracked object take one off) or allocations
    (3.14.0, 3.15: PyObject_GC_Del takes one off whether tracked or not)?
    young is the first gc_generation, {PyGC_Head head; int threshold;
    int count;} (pycore_interp_structs.h), at gen0_head: the layout is
    checked through gc.set_threshold, then an object is made, unlinked
    raw and freed: only counting on allocation takes it back."""
    global TRACK_COUNT, COUNT_AT, CALL_EXTRA
    ti = (gen0_head + 2 * W) // 4
    t = gc.get_threshold()
    ok = True
    for v in (12345, 54321):
        gc.set_threshold(v)
        if MEM32[ti] != v:
            ok = False
    gc.set_threshold(*t)
    if not ok or MEM32[ti] != t[0]:
        _refuse('the gc state layout of this interpreter is not known to the probe')
    en = gc.isenabled()
    gc.disable()
    x = _Sched()
    a = MEM32[ti + 1]
    _unlink_raw(id(x))
    x = None
    b = MEM32[ti + 1]
    if en:
        gc.enable()
    if a <= 0 or (b != a and b != a - 1):
        _refuse('the gc count of this interpreter is not known to the probe')
    COUNT_AT = ti + 1
    TRACK_COUNT = b == a and VER >= (3, 14)
    CALL_EXTRA = 1 if TRACK_COUNT else 0


def load(data):
    global nsyms, max_actions, o_alive, o_cleared, o_occ, name_bound
    global glob_set, markv, thr_args, gen_args, debug_args, P1, P2, p1_item
    global p2_item, p_dummy, MEMW, MEM32, W, gen0_head, wr_base_refs
    global garbage_seen, cur_thr0, zero_thr, stock, samp_mark, o_resur
    if not isinstance(data, bytes):
        raise TypeError('load(bytes)')
    if VER < (3, 8):
        _refuse('Python %d.%d: the pure-Python probe needs 3.8 or later' % VER)
    if _unsupported_env:
        raise RuntimeError(_unsupported_env)
    d = _Digest(data)
    if d.word() != 'gcsim-probe-1':
        raise ValueError('gcsim probe: not a digest')
    if d.num() != NOPS or d.num() != NACTS or d.num() != NKINDS:
        raise ValueError('gcsim probe: digest numbering differs from the probe\'s')
    max_actions = d.num()
    nsyms = d.num()
    for _ in range(nsyms):
        labels.append(d.word())
    nst = d.num()
    nnew = 0
    for i in range(nst):
        s = [d.num() for _ in range(9)]
        s += [d.path(), d.path(), d.path()]
        op, kind, flags, sym = s[0], s[1], s[2], s[4]
        binds = op in (OP_NEW, OP_WEAKREF, OP_DEL, OP_ON_FINALIZE, OP_ON_CALL)
        if (not 0 <= op < NOPS or (binds and sym >= nsyms) or sym < 0 or
                (op == OP_NEW and not (0 <= kind < K_WEAKREF and 0 <= flags <= 3))):
            raise ValueError('gcsim probe: bad statement %d' % (i + 1))
        if op == OP_NEW:
            nnew += 1
            if flags & F_LEGACY and _with_tp_del is None:
                _refuse('statement %d: new %s %s legacy (no _testcapi.with_tp_del)'
                        % (i + 1, labels[sym], KIND_NAMES[kind]))
        stmts.append(s)
    if nnew >= 50 and VER < (3, 11):
        # a dealloc chain 50 deep leaves objects in the trashcan's
        # delete-later list; before 3.11 every return from a Python function
        # deallocates a frame object, whose trashcan frees that list at
        # once, where the C probe (and the model) leave it for later
        _refuse('%d `new` statements on Python %d.%d: a trashcan-deferred '
                'chain would be freed early by the probe\'s own frames '
                '(at most 49 objects before 3.11)' % ((nnew,) + VER))
    nac = d.num()
    for _ in range(nac):
        a = [d.num(), d.num(), d.num(), d.path(), d.path(), d.path()]
        acts.append(a)
    nsc = d.num()
    for _ in range(nsc):
        first, count = d.num(), d.num()
        if first < 0 or count < 0 or first + count > nac:
            raise ValueError('gcsim probe: bad script range')
        scripts.append((first, count))

    # raw memory access
    W = ctypes.sizeof(ctypes.c_void_p)
    big = (1 << 44) if W == 8 else ((1 << 29) - 1)
    MEMW = (ctypes.c_size_t * big).from_address(0)
    MEM32 = (ctypes.c_uint32 * (big * (W // 4))).from_address(0)
    probe_t = (os, sys)
    off = -1
    for j in range(8):
        if MEMW[id(probe_t) // W + j] == id(os) and MEMW[id(probe_t) // W + j + 1] == id(sys):
            off = j
    if off < 0:
        _refuse('the tuple layout of this interpreter is not known to the probe')
    if MEMW[id(tuple) // W + 24] != 0 or MEMW[id(tuple) // W + 23] == 0:
        _refuse('the type layout of this interpreter is not known to the probe')

    # per-object state, for every `new` of the program
    for _ in range(nnew):
        o_addr.append(0)
        o_label.append(0)
        o_kind.append(0)
        o_flags.append(0)
        o_fin_runs.append(0)
        o_fin_script.append(-1)
        o_call_script.append(-1)
        o_nslots.append(0)
        markv.append(0)
    o_alive = bytearray(nnew)
    o_cleared = bytearray(nnew)
    o_resur = bytearray(nnew)
    o_occ = bytearray(nnew * NSLOTS)
    for k in range(nnew):
        dets_a.append(_DetClear(k))
        dets_z.append(_DetDealloc(k))
    global Holder
    Holder = _without_gc(type('_gcsim_holder', (), {'__slots__': ('v',)}))
    for _ in range(nsyms):
        names.append(Holder())
        name_global.append(0)
    name_bound = bytearray(nsyms)
    glob_set = bytearray()
    _make_classes()

    g0 = gc.get_threshold()
    cur_thr0 = (g0[0],)
    zero_thr = (0,)
    thr_args = [None] * nst
    for i in range(nst):
        s = stmts[i]
        if s[0] == OP_THRESHOLD:
            n = min(max(s[3], 1), 3)
            thr_args[i] = tuple(s[6:6 + n])
    gen_args = ((0,), (1,), (2,))
    debug_args = ((0,), (gc.DEBUG_SAVEALL,))
    p_dummy = 10 ** 30
    P1 = tuple([p_dummy])
    P2 = tuple([p_dummy, p_dummy])
    p1_item = id(P1) // W + off
    p2_item = id(P2) // W + off
    stock = [None] * NSTOCK1
    for _ in range(NRESERVE):
        reserve.append(tuple(range(25)))
    # the weakref refcount baseline: a fresh one, as _new_weakref sees it
    tmp = _Sched()
    w = _new_ref(tmp, None)
    wr_base_refs = sys.getrefcount(w)
    w = None
    tmp = _Sched()
    gen0_head = MEMW[(id(tmp) - 2 * W) // W] & ~3  # the newest is last
    tmp = None
    if VER >= (3, 12):
        _find_track_count()
    if TRACK_COUNT:
        samp_mark = _Sched()

    # a clean start: start-up garbage collected, the counts zero, the free
    # lists empty (the model's start); then the gc.callbacks logger
    gc.collect()
    if P1 is not None and gc.is_tracked(P1):
        _untrack_raw(id(P1))
    if gc.is_tracked(P2):
        _untrack_raw(id(P2))
    allo = gc.get_objects()
    os.write(1, ('- oldgen %d\n' % (len(allo) - 1)).encode())
    allo = None
    gc.collect()
    _restock()
    _count_fix(0)
    garbage_seen = len(gc.garbage)
    gc.callbacks.append(_gc_callback)
    return nst


def step(i):
    """step(i): run statement i; False once the run stopped or exited."""
    global cur_step
    if i < 0 or i >= len(stmts) or stopped or in_exit:
        return False
    cur_step = i + 1
    if n_resur > 0:
        _settle_resur()
    st = stmts[i]
    if VER >= (3, 12):
        _step_track(st, i)
    else:
        _stmt(st, i)
    if stopped or st[0] == OP_EXIT:
        return False
    return True


def _step_track(st, i):
    """step() on 3.12+: the count is read from memory, and sampled inside
    the statement (_sample), where it may go over threshold0 and back. The
    collection is scheduled with young.threshold at -1 for one allocation
    (TRACK_COUNT: the one tracking of _Sched), so that the count the
    collection sees is the statement's own. Where the count counts
    allocations, the collection looks at it (gc_collect_generations: the
    oldest generation over its threshold), so threshold0 must be back
    before the next eval-breaker check, which a call has after it (CALL):
    the allocation is a set display (BUILD_SET: no free list, no check);
    with _Sched() the collection ran at once with threshold0 at -1 and
    collected generation 0 whatever the count (measured, 3.13.0). 3.14's
    increment does not look at young.threshold."""
    global samp_prev, samp_sched
    samp_prev = MEM32[COUNT_AT]
    samp_sched = False
    gc.set_threshold(*zero_thr)
    if TRACK_COUNT:
        _mark_young()
    _stmt(st, i)
    _sample(0)  # (threshold0 still 0: _mark_young makes an object)
    gc.set_threshold(*cur_thr0)
    if samp_sched and gc.isenabled() and not stopped:
        if TRACK_COUNT:
            MEM32[COUNT_AT - 1] = 0xFFFFFFFF
            _Sched()  # schedules the collection; it runs at the next check
            MEM32[COUNT_AT - 1] = cur_thr0[0]
        else:
            MEM32[COUNT_AT - 1] = 0xFFFFFFFF
            x = {p_dummy}  # a gc allocation that schedules (see above)
            MEM32[COUNT_AT - 1] = cur_thr0[0]
            x = None


def finish():
    """After the run: "- budget" when the action budget ran out."""
    global stopped
    stopped = True
    if budget_out:
        os.write(1, b'- budget\n')


def release():
    """After finish(), when the same interpreter runs the next program
    (confirm/pyodide/driver.mjs; a native run ends with os._exit instead):
    drop every reference the program's objects still hold, recording
    nothing, so that what it left behind (cycles gc cannot break: noclear
    objects, legacy finalizers in gc.garbage; objects that names hold) is
    freed now and not found by the next program's collections."""
    global stopped
    stopped = True
    gc.garbage[:] = [x for x in gc.garbage if not _is_ours(x)]
    live = []
    for k in range(nobj):
        if o_alive[k] and o_addr[k] and _refcnt(o_addr[k]) > 0:
            live.append(ctypes.cast(o_addr[k], ctypes.py_object).value)
    for h in names + glob_h:
        if hasattr(h, 'v'):
            del h.v
    for x in live:
        for s in SLOTNAMES:
            if hasattr(x, s):
                delattr(x, s)
    live = None
