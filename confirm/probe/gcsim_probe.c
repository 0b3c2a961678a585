/*
** gcsim_probe.c — the real side of `gcsim confirm`: a CPython extension
** module (_gcsimprobe) that plays a gcsim program inside a real interpreter
** and records what happened, in the event vocabulary of scenario-format.md.
**
** It is compiled on the fly by `gcsim confirm` against the headers of the
** interpreter under test (gcsim embeds this file; it is not part of the
** CMake build). It needs nothing but Python.h and the interpreter's own
** exported symbols.
**
** Invariants:
**   - The kinds are C types: object (gc, tp_traverse, tp_clear), noclear
**     (gc, tp_traverse, no tp_clear), function (gc, tp_traverse, tp_clear
**     from 3.8 on, as func_clear; none up to 3.7), opaque and leaf (no gc
**     support at all). `fin` is tp_finalize, `legacy` is tp_del. Each object
**     holds its references in slots, cleared and released in slot order.
**   - tp_dealloc follows subtype_dealloc (Objects/typeobject.c, 3.8-3.13):
**     untrack; trashcan (object, noclear); tp_finalize through
**     PyObject_CallFinalizerFromDealloc; PyObject_ClearWeakRefs; tp_del;
**     the weakrefs the finalizers made cleared without callbacks
**     (_PyWeakref_ClearRef); slots released in order; free.
**   - Names are held in C (this module's arrays), invisible to gc, as
**     names are in the model. Weakrefs are real weakref.ref objects. Scripts
**     run inside tp_finalize, tp_del and tp_call, in C: no Python frame
**     holds anything the program does not say.
**   - Nothing crashes on a tp_cleared object: reaching one is recorded as
**     the model's violation and the run stops recording (the interpreter
**     finishes what it is doing; no further statement runs).
**   - Output: one line per event, "STEP EVENT ARGS", in the order the
**     interpreter produced them (see confirm/confirm.c for the vocabulary).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The digest's numbering: include/gcsim/program.h (checked at load). */
enum { OP_POLICY, OP_NEW, OP_LINK, OP_UNLINK, OP_WEAKREF, OP_DEL, OP_UNTRACK,
       OP_TRACK, OP_COLLECT, OP_GC_ENABLE, OP_GC_DISABLE, OP_SAVEALL,
       OP_THRESHOLD, OP_GET_OBJECTS, OP_EXIT, OP_ON_FINALIZE, OP_ON_CALL,
       NOPS };
enum { A_TOUCH, A_CALL, A_KEEP, A_LINK, A_UNLINK, A_DROP, A_WEAKREF,
       A_GET_OBJECTS, A_COLLECT, NACTS };
enum { K_OBJECT, K_NOCLEAR, K_FUNCTION, K_OPAQUE, K_LEAF, K_WEAKREF, NKINDS };
enum { R_NONE, R_SELF, R_ARG, R_NAME };
#define F_FIN 1
#define F_LEGACY 2
#define STEP_CALL (-1)
#define MAX_STEPS 16

#if PY_VERSION_HEX >= 0x03080000
#define HAS_FUNC_CLEAR 1 /* func_clear exists from 3.8 (bpo-33418) */
#else
#define HAS_FUNC_CLEAR 0
#endif

struct path {
  int root, sym, n;
  int step[MAX_STEPS];
};
struct act {
  int act, has_c, gen;
  struct path a, b, c;
};
struct stmt {
  int op, kind, flags, has_c, sym, script;
  long long n[3];
  struct path a, b, c;
};
struct script {
  int first, count;
};

typedef struct {
  PyObject_HEAD
  PyObject **slots;
  Py_ssize_t nslots, cap;
  PyObject *weakreflist;
  int id;           /* index in the registry (creation order) */
  int label;        /* index in labels */
  unsigned char kind, flags, cleared;
  unsigned fin_runs;
  int fin_script, call_script;
#if PY_VERSION_HEX >= 0x03080000
  vectorcallfunc vcall;
#endif
} PObj;

/* ---- state of one run (one program per process) ---- */
static struct stmt *stmts;
static struct act *acts;
static struct script *scripts;
static char **labels; /* symbol names, then w1, w2, ... */
static int nstmts, nacts, nscripts, nsyms, nlabels, caplabels;
static int next_w;

static PObj **reg; /* every object made, by id; NULL once freed */
static int nreg, capreg;
struct wrlabel {
  PyObject *wr; /* borrowed: never a reference */
  int label;
};
static struct wrlabel *wrl;
static int nwrl, capwrl;

static PyObject **names; /* names[sym]: a strong reference, or NULL */
struct global {
  int sym; /* -1: made by keep */
  PyObject *obj;
};
static struct global *globals;
static int nglobals, capglobals;
static int *name_global; /* 1 + index in globals, 0 = none */

static int cur_step, stopped, in_exit, script_depth, budget_out;
static long long max_actions, nactions_run;
static Py_ssize_t garbage_seen;
static PyObject *gcmod;
static PyTypeObject types[NKINDS][4];
static PyObject **thr_args; /* per statement: set_threshold's argument tuple,
                               made before the run (a tuple made during it
                               would be a gc allocation of the probe's) */
static PyObject *gen_args[3], *debug_args[2]; /* (gen,), (0,), (SAVEALL,) */
static PyTypeObject reserve_type = {PyVarObject_HEAD_INIT(NULL, 0) NULL};
static int reserve_traverse(PyObject *self, visitproc visit, void *arg);
static PyObject *reserve[512]; /* allocated, never tracked: count_fix() */
static int nreserve, in_gc, wr_in_gc;
static unsigned char *mark;

/* ---- small helpers ---- */

static void *grow(void *p, int *cap, int need, size_t size) {
  if (need <= *cap) return p;
  int c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(p, (size_t)c * size);
  if (!q) {
    fprintf(stderr, "gcsim probe: out of memory\n");
    abort();
  }
  *cap = c;
  return q;
}

/* One event line, written to stdout at once: if the interpreter crashes,
   what it did before is on record. */
static void logf_(const char *fmt, ...) {
  char line[600];
  int h = snprintf(line, sizeof line, "%d ", cur_step);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + h, sizeof line - (size_t)h - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = (size_t)h + (size_t)n;
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  for (size_t off = 0; off < len;) {
    ssize_t w = write(1, line + off, len - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
}

static int is_ours(PyObject *x) {
  if (!x) return 0;
  for (int k = 0; k < K_WEAKREF; k++)
    for (int f = 0; f < 4; f++)
      if (Py_TYPE(x) == &types[k][f]) return 1;
  return 0;
}

static int is_gc_kind(int kind) {
  return kind == K_OBJECT || kind == K_NOCLEAR || kind == K_FUNCTION;
}

static int new_label(const char *text) {
  labels = grow(labels, &caplabels, nlabels + 1, sizeof *labels);
  labels[nlabels] = strdup(text);
  if (!labels[nlabels]) abort();
  return nlabels++;
}

static void wr_register(PyObject *wr, int label) {
  wrl = grow(wrl, &capwrl, nwrl + 1, sizeof *wrl);
  wrl[nwrl].wr = wr;
  wrl[nwrl].label = label;
  nwrl++;
}

/* The label of an object: ours, a weakref we made, else "?". */
static const char *label_of(PyObject *x) {
  if (!x || x == Py_None) return "None";
  if (is_ours(x)) return labels[((PObj *)x)->label];
  for (int i = nwrl; i-- > 0;)
    if (wrl[i].wr == x) return labels[wrl[i].label];
  return "?";
}

static const char *kind_name(int k) {
  static const char *const n[NKINDS] = {"object", "noclear", "function",
                                        "opaque", "leaf", "weakref"};
  return k >= 0 && k < NKINDS ? n[k] : "?";
}

/* A violation: recorded once; the run stops recording. */
static void violation(const char *kind, PyObject *obj) {
  if (stopped) return;
  logf_("violation %s %s", kind, label_of(obj));
  stopped = 1;
}

static int holds_refs(PyObject *x) {
  return is_ours(x) && ((PObj *)x)->kind != K_LEAF;
}

static int slot_append(PObj *o, PyObject *t) {
  if (o->nslots == o->cap) {
    Py_ssize_t c = o->cap ? o->cap * 2 : 4;
    PyObject **q = realloc(o->slots, (size_t)c * sizeof *q);
    if (!q) return -1;
    o->slots = q;
    o->cap = c;
  }
  Py_INCREF(t);
  o->slots[o->nslots++] = t;
  return 0;
}

/* gc.FN(*args): args is NULL or a tuple made before the run (so that the
   call makes no argument tuple, a gc allocation, on any version). */
static PyObject *gc_call(const char *fn, PyObject *args) {
  PyObject *f = PyObject_GetAttrString(gcmod, fn);
  if (!f) return NULL;
  PyObject *r = PyObject_CallObject(f, args);
  Py_DECREF(f);
  return r;
}

/*
** gc.get_count()[0], read twice: the first read may take its result tuple
** from the allocator (a gc allocation), the second gets it back from the
** free list, so it reads the count as it is.
*/
static long gen0_count(void) {
  long c = -1;
  for (int k = 0; k < 2; k++) {
    PyObject *t = gc_call("get_count", NULL);
    if (!t || !PyTuple_Check(t)) {
      Py_XDECREF(t);
      PyErr_Clear();
      return -1;
    }
    c = PyLong_AsLong(PyTuple_GET_ITEM(t, 0));
    Py_DECREF(t);
  }
  return c;
}

/*
** Bring generation 0's count down to target, by freeing reserve objects
** (PyObject_GC_Del counts a gc object's death): this takes back the gc
** allocations CPython made for the probe's own bookkeeping (the info dict
** and argument tuple of a gc.callbacks call), which the model does not
** count.
*/
static void count_fix(long target) {
  long c = gen0_count();
  while (c > target && nreserve > 0) {
    PyObject_GC_Del(reserve[--nreserve]);
    c--;
  }
}

static PyObject *gc_garbage(void) {
  return PyObject_GetAttrString(gcmod, "garbage"); /* new reference */
}

/* gc.is_tracked(x) without a call (a call could allocate). */
static int is_tracked(PyObject *x) {
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_GC_IsTracked(x);
#else
  return PyObject_IS_GC(x) && _PyObject_GC_IS_TRACKED(x);
#endif
}

/* ---- reachability from the roots (names, keep globals, gc.garbage) ---- */

/* Mark every object of ours reachable by strong references from a root:
   slots, and a weakref's callback (check.c's check_roots_mark). */
static void roots_mark(void) {
  size_t nm = (size_t)(nreg ? nreg : 1);
  mark = realloc(mark, nm);
  if (!mark) abort();
  memset(mark, 0, nm);
  PyObject *g = gc_garbage();
  Py_ssize_t ng = g && PyList_Check(g) ? PyList_GET_SIZE(g) : 0;
  int cap = 0, sp = 0, nw = 0, capw = 0;
  PyObject **stack = NULL, **seenw = NULL;
#define PUSH(v)                                                              \
  do {                                                                       \
    stack = grow(stack, &cap, sp + 1, sizeof *stack);                        \
    stack[sp++] = (v);                                                       \
  } while (0)
  for (int i = 0; i < nglobals; i++)
    if (globals[i].obj) PUSH(globals[i].obj);
  for (Py_ssize_t i = 0; i < ng; i++) PUSH(PyList_GET_ITEM(g, i));
  while (sp) {
    PyObject *x = stack[--sp];
    if (is_ours(x)) {
      PObj *o = (PObj *)x;
      if (mark[o->id]) continue;
      mark[o->id] = 1;
      for (Py_ssize_t k = o->nslots; k-- > 0;)
        if (o->slots[k]) PUSH(o->slots[k]);
    } else if (PyWeakref_CheckRef(x)) {
      int seen = 0;
      for (int k = 0; k < nw && !seen; k++) seen = seenw[k] == x;
      if (seen) continue;
      seenw = grow(seenw, &capw, nw + 1, sizeof *seenw);
      seenw[nw++] = x;
      PyObject *cb = ((PyWeakReference *)x)->wr_callback;
      if (cb) PUSH(cb);
    }
  }
#undef PUSH
  Py_XDECREF(g);
  free(seenw);
  free(stack);
}

/* exposed-cleared, as the model checks it after a collection and track. */
static void check_exposed_cleared(void) {
  int marked = 0;
  for (int i = 0; i < nreg && !stopped; i++) {
    PObj *o = reg[i];
    if (!o || !o->cleared) continue;
    if (is_tracked((PyObject *)o)) {
      violation("exposed-cleared", (PyObject *)o);
      return;
    }
    if (!marked) {
      roots_mark();
      marked = 1;
    }
    if (mark[o->id]) {
      violation("exposed-cleared", (PyObject *)o);
      return;
    }
  }
}

/* ---- scripts ---- */

struct ctx {
  PyObject *self, *arg;
  const char *actor;
};

/* Read an object reached by a path: a cleared one is a violation. */
static int read_obj(PyObject *x, int is_call) {
  if (!is_ours(x)) return 0;
  PObj *o = (PObj *)x;
  if (!o->cleared) return 0;
  violation(is_call && o->kind == K_FUNCTION ? "call-after-clear"
                                             : "touch-after-clear",
            x);
  return -1;
}

/* Resolve a path to a borrowed object, or NULL (nothing, or stopped). */
static PyObject *resolve(const struct ctx *cx, const struct path *p,
                         int is_call) {
  PyObject *cur = NULL;
  switch (p->root) {
  case R_SELF: cur = cx->self; break;
  case R_ARG: cur = cx->arg; break;
  case R_NAME: cur = p->sym >= 0 && p->sym < nsyms ? names[p->sym] : NULL;
    break;
  default: break;
  }
  if (!cur || cur == Py_None) return NULL;
  if (read_obj(cur, is_call && p->n == 0)) return NULL;
  for (int i = 0; i < p->n; i++) {
    if (p->step[i] == STEP_CALL) {
      if (!PyWeakref_CheckRef(cur)) return NULL;
      /* wr(): the referent, or None once cleared or while it dies */
      PyObject *r = PyObject_CallObject(cur, NULL);
      if (!r) {
        PyErr_Clear();
        return NULL;
      }
      Py_DECREF(r); /* alive elsewhere: the model holds no temporary */
      if (r == Py_None) return NULL;
      cur = r;
    } else {
      if (!is_ours(cur)) return NULL;
      PObj *o = (PObj *)cur;
      if (p->step[i] >= o->nslots || !o->slots[p->step[i]]) return NULL;
      cur = o->slots[p->step[i]];
    }
    if (read_obj(cur, is_call && i + 1 == p->n)) return NULL;
  }
  return cur;
}

static void run_script(int script, PyObject *self, PyObject *arg,
                       const char *actor);

static void do_get_objects(void) {
  PyObject *all = gc_call("get_objects", NULL);
  if (!all) {
    PyErr_Clear();
    return;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(all) && !stopped; i++) {
    PyObject *x = PyList_GET_ITEM(all, i);
    if (is_ours(x) && ((PObj *)x)->cleared) violation("touch-after-clear", x);
  }
  Py_DECREF(all);
}

static void do_collect(int gen, int nested) {
  PyObject *r = gen >= 0 && gen <= 2 ? gc_call("collect", gen_args[gen]) : NULL;
  if (!r) {
    PyErr_Clear();
    return;
  }
  long n = PyLong_AsLong(r);
  Py_DECREF(r);
  if (!stopped) logf_("collect %d -> %ld%s", gen, n, nested ? " nested" : "");
}

static int global_add(int sym, PyObject *obj) {
  globals = grow(globals, &capglobals, nglobals + 1, sizeof *globals);
  globals[nglobals].sym = sym;
  globals[nglobals].obj = obj;
  return nglobals++;
}

/* Bind sym to obj, taking over a new reference (run.c's bind). */
static void bind(int sym, PyObject *obj) {
  PyObject *old = names[sym];
  names[sym] = obj;
  if (name_global[sym])
    globals[name_global[sym] - 1].obj = obj;
  else
    name_global[sym] = global_add(sym, obj) + 1;
  Py_XDECREF(old);
}

static void unbind(int sym) {
  PyObject *x = names[sym];
  if (!x) return;
  names[sym] = NULL;
  globals[name_global[sym] - 1].obj = NULL;
  name_global[sym] = 0;
  Py_DECREF(x);
}

/*
** PyWeakref_NewRef(target, callback) with the model's labelling: a fresh
** weakref gets `label` (or w1, w2, ...); a shared callback-less one keeps
** the label it has.
*/
static PyObject *new_weakref(PyObject *t, PyObject *c, int label) {
  PyObject *head = is_ours(t) ? ((PObj *)t)->weakreflist : NULL;
  int shareable = !c && head && PyWeakref_CheckRefExact(head) &&
                  ((PyWeakReference *)head)->wr_callback == NULL;
  PyObject *w = PyWeakref_NewRef(t, c);
  if (!w) {
    PyErr_Clear();
    return NULL;
  }
  /* CPython returned the existing callback-less ref: found before the
     allocation, or made by a finalizer of a collection that the allocation
     set off (a new weakref has exactly our one reference) */
  if ((shareable && w == head) || (!c && Py_REFCNT(w) > 1)) return w;
  if (in_gc) wr_in_gc = 1;
  if (label < 0) {
    char buf[24];
    snprintf(buf, sizeof buf, "w%d", ++next_w);
    label = new_label(buf);
  }
  wr_register(w, label);
  return w;
}

/* link / unlink X Y: a new slot, or the first slot holding Y emptied
   (NULL first, then the decref). A holder that cannot hold references
   rejects it. */
static void link_unlink(PyObject *x, PyObject *y, int link) {
  if (!holds_refs(x)) return;
  PObj *o = (PObj *)x;
  if (link) {
    slot_append(o, y);
    return;
  }
  for (Py_ssize_t i = 0; i < o->nslots; i++)
    if (o->slots[i] == y) {
      o->slots[i] = NULL;
      Py_DECREF(y);
      return;
    }
}

static void action(const struct ctx *cx, const struct act *a) {
  PyObject *x = NULL, *y = NULL, *z = NULL;
  switch (a->act) {
  case A_TOUCH:
    resolve(cx, &a->a, 0);
    return;
  case A_CALL:
    x = resolve(cx, &a->a, 1);
    if (!x || !is_ours(x)) return;
    Py_INCREF(x);
    run_script(((PObj *)x)->call_script, x, NULL, "call");
    Py_DECREF(x);
    return;
  case A_KEEP:
    x = resolve(cx, &a->a, 0);
    if (!x) return;
    Py_INCREF(x);
    global_add(-1, x);
    return;
  case A_DROP:
    if (a->a.root == R_NAME && a->a.n == 0) {
      unbind(a->a.sym);
      return;
    }
    x = resolve(cx, &a->a, 0);
    if (!x) return;
    for (int i = nglobals; i-- > 0;)
      if (globals[i].sym < 0 && globals[i].obj == x) {
        globals[i].obj = NULL;
        Py_DECREF(x);
        return;
      }
    return;
  case A_LINK:
  case A_UNLINK:
    x = resolve(cx, &a->a, 0);
    if (x) y = resolve(cx, &a->b, 0);
    if (x && y) link_unlink(x, y, a->act == A_LINK);
    return;
  case A_WEAKREF: {
    x = resolve(cx, &a->a, 0);
    if (x) y = resolve(cx, &a->b, 0);
    if (y && a->has_c) z = resolve(cx, &a->c, 0);
    if (!x || !y || stopped) return;
    if (!holds_refs(x) || !is_ours(y) || (z && PyWeakref_CheckRef(z)))
      return; /* rejected */
    Py_INCREF(x);
    Py_INCREF(y);
    Py_XINCREF(z);
    PyObject *w = new_weakref(y, z, -1);
    if (w && !stopped) slot_append((PObj *)x, w);
    Py_XDECREF(w);
    Py_XDECREF(z);
    Py_DECREF(y);
    Py_DECREF(x);
    return;
  }
  case A_GET_OBJECTS:
    do_get_objects();
    return;
  case A_COLLECT:
    do_collect(a->gen, 1);
    return;
  default:
    return;
  }
}

static void run_script(int script, PyObject *self, PyObject *arg,
                       const char *actor) {
  if (script < 0 || script >= nscripts || stopped) return;
  if (script_depth >= 64) return; /* the model: RecursionError, rejected */
  script_depth++;
  struct ctx cx = {self, arg, actor};
  const struct script *sc = &scripts[script];
  for (int i = 0; i < sc->count && !stopped; i++) {
    if (max_actions && ++nactions_run > max_actions) {
      budget_out = stopped = 1; /* the model's max_actions budget */
      break;
    }
    action(&cx, &acts[sc->first + i]);
  }
  script_depth--;
}

/* ---- the types ---- */

static int p_traverse(PyObject *self, visitproc visit, void *arg) {
  PObj *o = (PObj *)self;
  for (Py_ssize_t i = 0; i < o->nslots; i++) Py_VISIT(o->slots[i]);
  return 0;
}

static int p_clear(PyObject *self) {
  PObj *o = (PObj *)self;
  if (!stopped) {
    /* freed-reachable: gc must not clear what a root still reaches */
    roots_mark();
    if (mark[o->id]) {
      violation("freed-reachable", self);
      return 0;
    }
    logf_("tp_clear %s", labels[o->label]);
  }
  o->cleared = 1;
  for (Py_ssize_t i = 0; i < o->nslots; i++) {
    PyObject *t = o->slots[i];
    o->slots[i] = NULL; /* Py_CLEAR: NULL first, then decref */
    Py_XDECREF(t);
  }
  return 0;
}

static void p_finalize(PyObject *self) {
  PObj *o = (PObj *)self;
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  o->fin_runs++;
  if (!stopped) {
    logf_("finalize %s", labels[o->label]);
    if (is_gc_kind(o->kind) && o->fin_runs > 1)
      violation("finalizer-twice", self);
    else
      run_script(o->fin_script, self, NULL, "finalizer");
  }
  PyErr_Restore(et, ev, tb);
}

/* Legacy tp_del, as _testcapi's slot_tp_del: temporarily resurrected. */
static void p_tp_del(PyObject *self) {
  PObj *o = (PObj *)self;
  PyObject *et, *ev, *tb;
  self->ob_refcnt = 1;
  PyErr_Fetch(&et, &ev, &tb);
  if (!stopped) {
    logf_("tp_del %s", labels[o->label]);
    run_script(o->fin_script, self, NULL, "tp_del");
  }
  PyErr_Restore(et, ev, tb);
  self->ob_refcnt--; /* 0: the normal way out; > 0: resurrected */
}

/* A call with one argument is the runtime calling a weakref callback. */
static PyObject *call_with(PyObject *self, Py_ssize_t nargs,
                           PyObject *const *args) {
  PObj *o = (PObj *)self;
  PyObject *wr = NULL;
  if (nargs == 1) {
    wr = args[0];
    if (!stopped) {
      logf_("callback %s %s", label_of(wr), labels[o->label]);
      if (o->cleared)
        violation(o->kind == K_FUNCTION ? "call-after-clear"
                                        : "touch-after-clear",
                  self);
    }
  }
  if (!o->cleared) {
    /* the callee's frame holds its function and argument while it runs,
       as a Python function's frame does (weakref.c's call_callback) */
    Py_INCREF(self);
    Py_XINCREF(wr);
    run_script(o->call_script, self, wr, "callback");
    Py_DECREF(self);
    Py_XDECREF(wr);
  }
  Py_RETURN_NONE;
}

#if PY_VERSION_HEX >= 0x03080000
/* vectorcall: CPython 3.8+ calls callbacks this way, without making an
   argument tuple (a gc allocation the model does not count). */
static PyObject *p_vcall(PyObject *self, PyObject *const *args, size_t nargsf,
                         PyObject *kwnames) {
  (void)kwnames;
  return call_with(self, PyVectorcall_NARGS(nargsf), args);
}
#if PY_VERSION_HEX < 0x03090000
#define Py_TPFLAGS_HAVE_VECTORCALL _Py_TPFLAGS_HAVE_VECTORCALL
#endif
#else
static PyObject *p_call(PyObject *self, PyObject *args, PyObject *kw) {
  (void)kw;
  Py_ssize_t n = PyTuple_Check(args) ? PyTuple_GET_SIZE(args) : 0;
  return call_with(self, n, n ? &PyTuple_GET_ITEM(args, 0) : NULL);
}
#endif

/* subtype_dealloc's order; see the header. */
static void dealloc_body(PObj *o) {
  PyObject *self = (PyObject *)o;
  int gc = is_gc_kind(o->kind);
  if (o->flags & F_FIN) {
    if (gc) PyObject_GC_Track(self);
    if (PyObject_CallFinalizerFromDealloc(self) < 0) return; /* resurrected */
    if (gc) PyObject_GC_UnTrack(self);
  }
  if (o->weakreflist) PyObject_ClearWeakRefs(self);
  if (o->flags & F_LEGACY) {
    if (gc) PyObject_GC_Track(self);
    p_tp_del(self);
    if (self->ob_refcnt > 0) return; /* resurrected */
    if (gc) PyObject_GC_UnTrack(self);
  }
  if (o->flags & (F_FIN | F_LEGACY))
    while (o->weakreflist)
      _PyWeakref_ClearRef((PyWeakReference *)o->weakreflist);
  for (Py_ssize_t i = 0; i < o->nslots; i++) {
    PyObject *t = o->slots[i];
    o->slots[i] = NULL;
    Py_XDECREF(t);
  }
  if (!stopped) logf_("dealloc %s", labels[o->label]);
  reg[o->id] = NULL;
  free(o->slots);
  o->slots = NULL;
  if (gc)
    PyObject_GC_Del(self);
  else
    PyObject_Del(self);
}

#if PY_VERSION_HEX >= 0x03080000
/* 3.8+: one trashcan level per object (a subclass's base dealloc no longer
   takes one: Py_TRASHCAN_BEGIN's tp_dealloc condition, bpo-35983). */
static void p_dealloc_trash(PyObject *self) {
  PyObject_GC_UnTrack(self);
  Py_TRASHCAN_BEGIN(self, p_dealloc_trash)
  dealloc_body((PObj *)self);
  Py_TRASHCAN_END
}
#else
/* 3.6, 3.7: two levels per object, as an instance's subtype_dealloc and its
   base's dealloc each take one (policy.c: trashcan_limit 25). */
static void p_dealloc_base(PyObject *self) {
  Py_TRASHCAN_SAFE_BEGIN(self)
  dealloc_body((PObj *)self);
  Py_TRASHCAN_SAFE_END(self)
}
static void p_dealloc_trash(PyObject *self) {
  PyObject_GC_UnTrack(self);
  Py_TRASHCAN_SAFE_BEGIN(self)
  p_dealloc_base(self);
  Py_TRASHCAN_SAFE_END(self)
}
#endif

static void p_dealloc_plain(PyObject *self) {
  if (is_gc_kind(((PObj *)self)->kind)) PyObject_GC_UnTrack(self);
  dealloc_body((PObj *)self);
}

static void init_types(void) {
  static char tnames[NKINDS][4][40];
  for (int k = 0; k < K_WEAKREF; k++)
    for (int f = 0; f < 4; f++) {
      PyTypeObject t = {PyVarObject_HEAD_INIT(NULL, 0) NULL};
      snprintf(tnames[k][f], sizeof tnames[k][f], "_gcsimprobe.%s%s%s",
               kind_name(k), f & F_FIN ? "_fin" : "",
               f & F_LEGACY ? "_legacy" : "");
      t.tp_name = tnames[k][f];
      t.tp_basicsize = sizeof(PObj);
      t.tp_flags = Py_TPFLAGS_DEFAULT;
#if PY_VERSION_HEX < 0x03080000
      if (f & F_FIN) t.tp_flags |= Py_TPFLAGS_HAVE_FINALIZE;
#endif
      t.tp_weaklistoffset = offsetof(PObj, weakreflist);
#if PY_VERSION_HEX >= 0x03080000
      t.tp_call = PyVectorcall_Call;
      t.tp_vectorcall_offset = offsetof(PObj, vcall);
      t.tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
#else
      t.tp_call = p_call;
#endif
      if (is_gc_kind(k)) {
        t.tp_flags |= Py_TPFLAGS_HAVE_GC;
        t.tp_traverse = p_traverse;
        if (k == K_OBJECT || (k == K_FUNCTION && HAS_FUNC_CLEAR))
          t.tp_clear = p_clear;
      }
      t.tp_dealloc = (k == K_OBJECT || k == K_NOCLEAR) ? p_dealloc_trash
                                                       : p_dealloc_plain;
      if (f & F_FIN) t.tp_finalize = p_finalize;
      if (f & F_LEGACY) t.tp_del = p_tp_del;
      types[k][f] = t;
    }
}

static PObj *new_obj(int kind, int flags, int label) {
  PyTypeObject *t = &types[kind][flags & 3];
  PObj *o = is_gc_kind(kind) ? PyObject_GC_New(PObj, t) : PyObject_New(PObj, t);
  if (!o) return NULL;
  o->slots = NULL;
  o->nslots = o->cap = 0;
  o->weakreflist = NULL;
  o->kind = (unsigned char)kind;
  o->flags = (unsigned char)flags;
  o->cleared = 0;
  o->fin_runs = 0;
  o->fin_script = o->call_script = -1;
  o->label = label;
#if PY_VERSION_HEX >= 0x03080000
  o->vcall = p_vcall;
#endif
  reg = grow(reg, &capreg, nreg + 1, sizeof *reg);
  o->id = nreg;
  reg[nreg++] = o;
  if (is_gc_kind(kind)) PyObject_GC_Track((PyObject *)o);
  return o;
}

/* ---- gc.callbacks ---- */

static void report_garbage(void) {
  PyObject *g = gc_garbage();
  if (g && PyList_Check(g)) {
    for (; garbage_seen < PyList_GET_SIZE(g); garbage_seen++)
      if (!stopped)
        logf_("garbage %s", label_of(PyList_GET_ITEM(g, garbage_seen)));
  }
  Py_XDECREF(g);
}

/* gc.callbacks' logger. From 3.7 on it takes its arguments as a C array
   (METH_FASTCALL): called with an argument tuple, it would put a 2-tuple
   on the free list after every collection, which the model does not do
   (3.13's PyObject_ClearWeakRefs takes one for a lone weakref; the model
   counts that tuple as a gc allocation when the free list is empty). 3.6
   has no public METH_FASTCALL, and takes no 2-tuple itself. */
#if PY_VERSION_HEX >= 0x03070000
static PyObject *gc_callback(PyObject *mod, PyObject *const *args,
                             Py_ssize_t nargs) {
  (void)mod;
  if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1])) {
    PyErr_SetString(PyExc_TypeError, "_gc_callback(phase, info)");
    return NULL;
  }
  const char *phase = PyUnicode_AsUTF8(args[0]);
  PyObject *info = args[1];
  if (!phase) return NULL;
#define GC_CALLBACK_FLAGS METH_FASTCALL
#else
static PyObject *gc_callback(PyObject *mod, PyObject *args) {
  (void)mod;
  const char *phase;
  PyObject *info;
  if (!PyArg_ParseTuple(args, "sO", &phase, &info)) return NULL;
#define GC_CALLBACK_FLAGS METH_VARARGS
#endif
  PyObject *gen = PyDict_GetItemString(info, "generation");
  long g = gen ? PyLong_AsLong(gen) : -1;
  if (!strcmp(phase, "start")) {
    in_gc = 1;
    wr_in_gc = 0;
    if (!stopped && !in_exit) logf_("gc_start %ld", g);
  } else {
    in_gc = 0;
    PyObject *c = PyDict_GetItemString(info, "collected");
    PyObject *u = PyDict_GetItemString(info, "uncollectable");
    report_garbage();
    if (!stopped && !in_exit)
      logf_("gc_end %ld collected=%ld uncollectable=%ld", g,
            c ? PyLong_AsLong(c) : -1, u ? PyLong_AsLong(u) : -1);
    if (!stopped) check_exposed_cleared();
    /* collect() left generation 0's count at 0, plus the weakrefs scripts
       made since; the rest are this callback's own allocations */
    if (!wr_in_gc) count_fix(0);
  }
  Py_RETURN_NONE;
}

/* ---- statements ---- */

static PyObject *top_resolve(const struct path *p) {
  struct ctx cx = {NULL, NULL, "top-level"};
  return resolve(&cx, p, 0);
}

static void stmt(const struct stmt *st) {
  PyObject *x, *y;
  switch (st->op) {
  case OP_NEW: {
    PObj *o = new_obj(st->kind, st->flags, st->sym);
    if (o) bind(st->sym, (PyObject *)o);
    return;
  }
  case OP_LINK:
  case OP_UNLINK:
    x = top_resolve(&st->a);
    y = x ? top_resolve(&st->b) : NULL;
    if (x && y) link_unlink(x, y, st->op == OP_LINK);
    return;
  case OP_WEAKREF: {
    x = top_resolve(&st->b);
    y = x && st->has_c ? top_resolve(&st->c) : NULL;
    if (!x || (st->has_c && !y) || stopped) return;
    if (!is_ours(x) || (y && PyWeakref_CheckRef(y))) return;
    Py_INCREF(x);
    Py_XINCREF(y);
    PyObject *w = new_weakref(x, y, st->sym);
    if (w && !stopped)
      bind(st->sym, w);
    else
      Py_XDECREF(w);
    Py_XDECREF(y);
    Py_DECREF(x);
    return;
  }
  case OP_DEL: unbind(st->sym); return;
  case OP_UNTRACK:
  case OP_TRACK:
    x = top_resolve(&st->a);
    if (!x || !(PyWeakref_CheckRef(x) ||
                (is_ours(x) && is_gc_kind(((PObj *)x)->kind))))
      return; /* rejected: not a gc object */
    if (st->op == OP_UNTRACK) {
      PyObject_GC_UnTrack(x);
      return;
    }
    if (is_tracked(x)) return; /* rejected: PyObject_GC_Track would abort */
    PyObject_GC_Track(x);
    check_exposed_cleared();
    return;
  case OP_COLLECT: do_collect((int)st->n[0], 0); return;
  case OP_GC_ENABLE:
  case OP_GC_DISABLE:
    Py_XDECREF(gc_call(st->op == OP_GC_ENABLE ? "enable" : "disable", NULL));
    return;
  case OP_SAVEALL: {
    Py_XDECREF(gc_call("set_debug", debug_args[st->flags ? 1 : 0]));
    PyErr_Clear();
    return;
  }
  case OP_THRESHOLD: {
    PyObject *f = PyObject_GetAttrString(gcmod, "set_threshold");
    PyObject *a = thr_args[st - stmts];
    PyObject *r = f && a ? PyObject_Call(f, a, NULL) : NULL;
    Py_XDECREF(r);
    Py_XDECREF(f);
    PyErr_Clear();
    return;
  }
  case OP_GET_OBJECTS: do_get_objects(); return;
  case OP_EXIT: {
    /* run.c's stmt_exit: globals dropped oldest first, then one full
       collection without gc.callbacks (_PyGC_CollectNoFail) */
    int n = nglobals;
    for (int i = 0; i < n && !stopped; i++) {
      PyObject *o = globals[i].obj;
      if (!o) continue;
      int sym = globals[i].sym;
      globals[i].obj = NULL;
      if (sym >= 0) {
        names[sym] = NULL;
        name_global[sym] = 0;
      }
      Py_DECREF(o);
    }
    if (stopped) return;
    in_exit = 1;
    Py_XDECREF(gc_call("collect", gen_args[2]));
    PyErr_Clear();
    return;
  }
  case OP_ON_FINALIZE:
  case OP_ON_CALL:
    x = names[st->sym];
    if (!x || !is_ours(x)) return;
    if (st->op == OP_ON_FINALIZE)
      ((PObj *)x)->fin_script = st->script;
    else
      ((PObj *)x)->call_script = st->script;
    return;
  default: return;
  }
}

/* ---- loading the digest (confirm/confirm.c writes it) ---- */

static const char *rd;

static long long num(void) {
  char *end;
  long long v = strtoll(rd, &end, 10);
  if (end == rd) {
    PyErr_SetString(PyExc_ValueError, "gcsim probe: bad digest");
    return 0;
  }
  rd = end;
  return v;
}

/* A count of the digest: 0 .. 1,000,000, else an error (and 0). */
static int count(void) {
  long long v = num();
  if (v < 0 || v > 1000000) {
    PyErr_SetString(PyExc_ValueError, "gcsim probe: bad count");
    return 0;
  }
  return (int)v;
}

static void word(char *out, size_t len) {
  while (*rd == ' ' || *rd == '\n') rd++;
  size_t n = 0;
  while (*rd && *rd != ' ' && *rd != '\n') {
    if (n + 1 < len) out[n++] = *rd;
    rd++;
  }
  out[n] = 0;
}

static void rd_path(struct path *p) {
  p->root = (int)num();
  p->sym = (int)num();
  p->n = (int)num();
  if (p->root < R_NONE || p->root > R_NAME ||
      (p->root == R_NAME && (p->sym < 0 || p->sym >= nsyms))) {
    PyErr_SetString(PyExc_ValueError, "gcsim probe: bad path root");
    p->root = R_NONE;
  }
  if (p->n < 0 || p->n > MAX_STEPS) {
    PyErr_SetString(PyExc_ValueError, "gcsim probe: bad path");
    p->n = 0;
  }
  for (int i = 0; i < p->n; i++) {
    p->step[i] = (int)num();
    if (p->step[i] < STEP_CALL) {
      PyErr_SetString(PyExc_ValueError, "gcsim probe: bad path step");
      p->step[i] = STEP_CALL;
    }
  }
}

static PyObject *probe_load(PyObject *mod, PyObject *arg) {
  (void)mod;
  if (!PyBytes_Check(arg)) {
    PyErr_SetString(PyExc_TypeError, "load(bytes)");
    return NULL;
  }
  rd = PyBytes_AS_STRING(arg);
  char w[80];
  word(w, sizeof w);
  if (strcmp(w, "gcsim-probe-1")) {
    PyErr_SetString(PyExc_ValueError, "gcsim probe: not a digest");
    return NULL;
  }
  if (num() != NOPS || num() != NACTS || num() != NKINDS) {
    PyErr_SetString(PyExc_ValueError,
                    "gcsim probe: digest numbering differs from the probe's");
    return NULL;
  }
  max_actions = num();
  nsyms = count();
  for (int i = 0; i < nsyms; i++) {
    word(w, sizeof w);
    new_label(w);
  }
  nstmts = count();
  stmts = calloc((size_t)(nstmts + 1), sizeof *stmts);
  if (!stmts) return PyErr_NoMemory();
  for (int i = 0; i < nstmts; i++) {
    struct stmt *s = &stmts[i];
    s->op = (int)num();
    s->kind = (int)num();
    s->flags = (int)num();
    s->has_c = (int)num();
    s->sym = (int)num();
    s->script = (int)num();
    for (int k = 0; k < 3; k++) s->n[k] = num();
    rd_path(&s->a);
    rd_path(&s->b);
    rd_path(&s->c);
  }
  nacts = count();
  acts = calloc((size_t)(nacts + 1), sizeof *acts);
  if (!acts) return PyErr_NoMemory();
  for (int i = 0; i < nacts; i++) {
    struct act *a = &acts[i];
    a->act = (int)num();
    a->has_c = (int)num();
    a->gen = (int)num();
    rd_path(&a->a);
    rd_path(&a->b);
    rd_path(&a->c);
  }
  nscripts = count();
  scripts = calloc((size_t)(nscripts + 1), sizeof *scripts);
  if (!scripts) return PyErr_NoMemory();
  for (int i = 0; i < nscripts; i++) {
    scripts[i].first = (int)num();
    scripts[i].count = (int)num();
    if (scripts[i].first < 0 || scripts[i].count < 0 ||
        (long long)scripts[i].first + scripts[i].count > nacts) {
      PyErr_SetString(PyExc_ValueError, "gcsim probe: bad script range");
      return NULL;
    }
  }
  if (PyErr_Occurred()) return NULL;
  /* a malformed digest is refused, never run: every index in range */
  for (int i = 0; i < nstmts; i++) {
    const struct stmt *st = &stmts[i];
    int binds = st->op == OP_NEW || st->op == OP_WEAKREF || st->op == OP_DEL ||
                st->op == OP_ON_FINALIZE || st->op == OP_ON_CALL;
    if (st->op < 0 || st->op >= NOPS || (binds && st->sym >= nsyms) ||
        st->sym < 0 || (st->op == OP_NEW && (st->kind < 0 ||
                                             st->kind >= K_WEAKREF ||
                                             st->flags < 0 || st->flags > 3))) {
      PyErr_Format(PyExc_ValueError, "gcsim probe: bad statement %d", i + 1);
      return NULL;
    }
  }
  names = calloc((size_t)(nsyms + 1), sizeof *names);
  name_global = calloc((size_t)(nsyms + 1), sizeof *name_global);
  if (!stmts || !acts || !scripts || !names || !name_global)
    return PyErr_NoMemory();

  thr_args = calloc((size_t)(nstmts + 1), sizeof *thr_args);
  if (!thr_args) return PyErr_NoMemory();
  for (int i = 0; i < nstmts; i++) {
    const struct stmt *st = &stmts[i];
    if (st->op != OP_THRESHOLD) continue;
    int n = st->has_c < 1 ? 1 : st->has_c > 3 ? 3 : st->has_c;
    thr_args[i] = n == 1   ? Py_BuildValue("(L)", st->n[0])
                  : n == 2 ? Py_BuildValue("(LL)", st->n[0], st->n[1])
                           : Py_BuildValue("(LLL)", st->n[0], st->n[1],
                                           st->n[2]);
    if (!thr_args[i]) return NULL;
  }
  for (int k = 0; k < 3; k++)
    if (!(gen_args[k] = Py_BuildValue("(i)", k))) return NULL;
  if (!(debug_args[0] = Py_BuildValue("(i)", 0)) ||
      !(debug_args[1] = Py_BuildValue("(i)", 32 /* gc.DEBUG_SAVEALL */)))
    return NULL;
  reserve_type.tp_name = "_gcsimprobe.reserve";
  reserve_type.tp_basicsize = sizeof(PyObject);
  reserve_type.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC;
  reserve_type.tp_traverse = reserve_traverse;
  if (PyType_Ready(&reserve_type) < 0) return NULL;
  for (nreserve = 0; nreserve < (int)(sizeof reserve / sizeof *reserve);
       nreserve++) {
    reserve[nreserve] = (PyObject *)PyObject_GC_New(PyObject, &reserve_type);
    if (!reserve[nreserve]) return NULL;
  }
  /* a clean start: start-up garbage is collected and the counts are zero;
     this full collection also empties the free lists (clear_freelists),
     which is where the model starts too (sim_int.h, SIM_TUPLE_SAVE); then
     our gc.callbacks logger */
  PyObject *r = gc_call("collect", NULL);
  if (!r) return NULL;
  Py_DECREF(r);
  /* "- oldgen N": the interpreter's own objects, now all in the oldest
     generation (collect()'s long_lived_total), less get_objects' list */
  PyObject *all = gc_call("get_objects", NULL);
  if (!all) return NULL;
  char line[64];
  int n = snprintf(line, sizeof line, "- oldgen %ld\n",
                   (long)PyList_GET_SIZE(all) - 1);
  Py_DECREF(all);
  if (write(1, line, (size_t)n) != n) return PyErr_SetFromErrno(PyExc_OSError);
  /* get_objects' list went back on the list free list: empty it again */
  r = gc_call("collect", NULL);
  if (!r) return NULL;
  Py_DECREF(r);
  count_fix(0); /* get_objects' list may have been a gc allocation */
  PyObject *g = gc_garbage();
  garbage_seen = g && PyList_Check(g) ? PyList_GET_SIZE(g) : 0;
  Py_XDECREF(g);
  PyObject *cbs = PyObject_GetAttrString(gcmod, "callbacks");
  PyObject *cb = PyObject_GetAttrString(mod, "_gc_callback");
  if (!cbs || !cb || PyList_Append(cbs, cb) < 0) {
    Py_XDECREF(cbs);
    Py_XDECREF(cb);
    return NULL;
  }
  Py_DECREF(cbs);
  Py_DECREF(cb);
  return PyLong_FromLong(nstmts);
}

static int reserve_traverse(PyObject *self, visitproc visit, void *arg) {
  (void)self;
  (void)visit;
  (void)arg;
  return 0;
}

/* step(i): run statement i; False once the run stopped or exited. */
static PyObject *probe_step(PyObject *mod, PyObject *arg) {
  (void)mod;
  long i = PyLong_AsLong(arg);
  if (i < 0 || i >= nstmts || stopped || in_exit) Py_RETURN_FALSE;
  cur_step = (int)i + 1;
  stmt(&stmts[i]);
  if (PyErr_Occurred()) PyErr_Clear();
  if (stopped || stmts[i].op == OP_EXIT) Py_RETURN_FALSE;
  Py_RETURN_TRUE;
}

/* After the run: "- budget" when the action budget ran out. */
static PyObject *probe_finish(PyObject *mod, PyObject *noarg) {
  (void)mod;
  (void)noarg;
  stopped = 1; /* what the interpreter does after the program is not ours */
  if (budget_out) {
    static const char b[] = "- budget\n";
    if (write(1, b, sizeof b - 1) < 0) return NULL;
  }
  Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"load", probe_load, METH_O, "load(digest: bytes) -> statements"},
    {"step", probe_step, METH_O, "step(i) -> True while the run goes on"},
    {"finish", probe_finish, METH_NOARGS, "end of the run"},
    {"_gc_callback", (PyCFunction)(void (*)(void))gc_callback,
     GC_CALLBACK_FLAGS, "gc.callbacks logger"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "_gcsimprobe",
                                    "gcsim's real side", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__gcsimprobe(void) {
  init_types();
  for (int k = 0; k < K_WEAKREF; k++)
    for (int f = 0; f < 4; f++)
      if (PyType_Ready(&types[k][f]) < 0) return NULL;
  gcmod = PyImport_ImportModule("gc");
  if (!gcmod) return NULL;
  return PyModule_Create(&moddef);
}
