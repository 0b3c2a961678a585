"""Shared helpers for the golden probes: a tiny Python rendering of the
.gcs scenario language, run on a real CPython, logging normalized events.

Mapping (see ../README.md):
  new NAME object        -> N[NAME] = Obj(NAME)        (list subclass, __slots__ = name, __weakref__)
  new NAME object fin    -> N[NAME] = FinObj(NAME)     (adds __del__ = tp_finalize)
  new NAME object legacy -> N[NAME] = LegacyObj(NAME)  (tp_del via _testcapi.with_tp_del)
  new NAME function      -> N[NAME] = a fresh plain Python function
  link A B               -> N[A].append(N[B])          (slot k = list item k)
  unlink A B             -> N[A][i] = None for the first i with N[A][i] is B
  weakref W T [C]        -> N[W] = weakref.ref(N[T][, N[C]])
  del NAME               -> del N[NAME]
  collect GEN            -> gc.collect(GEN), then log garbage + return value
  on NAME finalize|call: ACTIONS -> SCRIPTS[(NAME, kind)] = ACTIONS (interpreted here)
Objects are lists themselves so that `link` adds exactly one direct strong
reference and no helper container (dict/list) exists: gc's collected counts
then count exactly the scenario's objects.
"""
import gc
import os
import re
import sys
import weakref

LOG = []          # event lines, printed by finish()
N = {}            # the scenario's names (external references)
KEPT = []         # globals created by the `keep` action
WRNAME = {}       # id(weakref) -> scenario name; holds ids only, never the weakref
SCRIPTS = {}      # (name, 'finalize' | 'call') -> action text


def log(line):
    LOG.append(line)


class Obj(list):
    __slots__ = ('name', '__weakref__')

    def __init__(self, name):
        list.__init__(self)
        self.name = name


class FinObj(Obj):
    __slots__ = ()

    def __del__(self):
        log('finalize ' + self.name)
        run_script(self.name, 'finalize', self, None)


LegacyObj = None


def _make_legacy():
    global LegacyObj
    try:
        from _testcapi import with_tp_del
    except ImportError:
        return False

    class _Legacy(Obj):
        __slots__ = ()

        def __tp_del__(self):
            log('finalize ' + self.name)
            run_script(self.name, 'finalize', self, None)

    LegacyObj = with_tp_del(_Legacy)
    return True


def _make_function(name):
    # No closure over itself (that would be a reference cycle); the scenario
    # name travels in a default argument.
    def f(wr=None, _name=name):
        log('callback %s %s' % (WRNAME.get(id(wr), '?'), _name))
        run_script(_name, 'call', None, wr)
    f.__name__ = name
    return f


def _gc_callback(phase, info):
    if phase == 'start':
        log('gc_start %d' % info['generation'])
    else:
        log('gc_end %d collected=%d uncollectable=%d'
            % (info['generation'], info['collected'], info['uncollectable']))


def begin(legacy=False):
    """gc disable, prepare classes, one baseline collection, then log gc."""
    gc.disable()
    if legacy and not _make_legacy():
        print('skip')
        sys.stdout.flush()
        os._exit(0)
    gc.collect()
    del gc.garbage[:]
    gc.callbacks.append(_gc_callback)


def finish():
    gc.callbacks.remove(_gc_callback)
    sys.stdout.write(''.join(line + '\n' for line in LOG))
    sys.stdout.flush()
    os._exit(0)       # no interpreter shutdown: nothing runs after the log


# ---- statements -----------------------------------------------------------

def new(name, kind, *flags):
    if kind == 'object':
        if 'legacy' in flags:
            N[name] = LegacyObj(name)
        elif 'fin' in flags:
            N[name] = FinObj(name)
        else:
            N[name] = Obj(name)
    elif kind == 'function':
        N[name] = _make_function(name)
    else:
        raise ValueError(kind)


def link(a, b):
    resolve(a).append(resolve(b))


def unlink(a, b):
    holder = resolve(a)
    target = resolve(b)
    for i, x in enumerate(holder):
        if x is target:
            del x, target
            holder[i] = None      # slot replaced first, then the old value DECREF'd
            return


def weakref_(w, t, c=None):
    if c is None:
        N[w] = weakref.ref(resolve(t))
    else:
        N[w] = weakref.ref(resolve(t), resolve(c))
    WRNAME[id(N[w])] = w


def delete(name):
    del N[name]


def collect(gen=2):
    before = len(gc.garbage)
    n = gc.collect(gen)
    for o in gc.garbage[before:]:
        log('garbage ' + getattr(o, 'name', '?'))
    log('collect %d -> %d' % (gen, n))


def on(name, kind, actions):
    SCRIPTS[(name, kind)] = actions


def observe(*names):
    """Probe-only observation: `alive NAME` if the object is still tracked
    (identity in gc.get_objects(), matched by its name slot), else `freed NAME`."""
    alive = set()
    for o in gc.get_objects():
        if isinstance(o, Obj):
            alive.add(o.name)
    o = None
    for name in names:
        log(('alive ' if name in alive else 'freed ') + name)


# ---- scripts ----------------------------------------------------------------

_STEP = re.compile(r'\.(\d+)|\(\)')


def _resolve(path, self_obj=None, arg=None):
    m = re.match(r'[A-Za-z_][A-Za-z0-9_]*', path)
    root = m.group(0)
    if root == 'self':
        cur = self_obj
    elif root == 'arg':
        cur = arg
    else:
        cur = N.get(root)
    pos = m.end()
    while pos < len(path) and cur is not None:
        s = _STEP.match(path, pos)
        if s.group(1) is not None:
            i = int(s.group(1))
            cur = cur[i] if i < len(cur) else None
        else:
            cur = cur()
        pos = s.end()
    return cur


def resolve(path):
    return _resolve(path)


def run_script(name, kind, self_obj, arg):
    text = SCRIPTS.get((name, kind))
    if not text:
        return
    for action in text.split(';'):
        words = action.split()
        if not words:
            continue
        op, args = words[0], words[1:]
        if op == 'collect':
            collect(int(args[0]))
            continue
        objs = [_resolve(p, self_obj, arg) for p in args]
        if op == 'touch':
            pass
        elif op == 'call':
            if objs[0] is not None:
                objs[0]()
        elif op == 'keep':
            KEPT.append(objs[0])
        elif op == 'link':
            if objs[0] is not None and objs[1] is not None:
                objs[0].append(objs[1])
        elif op == 'get_objects':
            gc.get_objects()
        else:
            raise ValueError('unsupported action ' + op)
        del objs
