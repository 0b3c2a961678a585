/*
** weakref.c — weak references (Objects/weakrefobject.c).
**
** Invariants kept here:
**   - A callback-less weakref to an object is shared: the object's list
**     starts with it and weakref_new returns it again (with a new reference).
**   - Clearing a weakref (_PyWeakref_ClearRef) unlinks it and sets its
**     referent to None but keeps its callback; the callback reference is
**     dropped, uncalled, when the weakref dies (clear_weakref).
**   - PyObject_ClearWeakRefs clears every weakref of the dying object before
**     it calls any callback, skips weakrefs whose own refcount is 0, and
**     drops the references it took in reverse tuple order afterwards.
*/
#define GCSIM_SIM_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/*
** PyWeakref_NewRef(target, callback). Returns a new reference to a weakref
** object, or 0 (the run stopped). A new weakref is a gc allocation, so on
** <= 3.11 a collection may run first, as in new_weakref().
*/
oid weakref_new(struct sim *s, oid target, oid callback, const char *label) {
  if (!callback) {
    const struct sext *t = heap_ext(s, target);
    if (t->nwl && heap_wr_callback(OBJ(s, t->wl[0])) == 0) {
      heap_incref(s, t->wl[0]);
      return t->wl[0];
    }
  }
  heap_gc_alloc(s);
  if (s->stopped) return 0;
  /* A collection may have changed the list: look again. */
  if (!callback) {
    const struct sext *t = heap_ext(s, target);
    if (t->nwl && heap_wr_callback(OBJ(s, t->wl[0])) == 0) {
      heap_incref(s, t->wl[0]);
      return t->wl[0];
    }
  }
  oid w = heap_new(s, GCS_WEAKREF, 0, label);
  if (!w) return 0;
  struct sobj *wo = OBJ(s, w);
  wo->u.wr.object = target;
  wo->u.wr.callback = callback;
  if (callback) heap_incref(s, callback);
  if (heap_wl_insert(s, target, w)) return 0;
  heap_track(s, w);
  return w;
}

/* _PyWeakref_ClearRef: unlink, referent = None, callback kept. */
void weakref_clear_ref(struct sim *s, oid wr, int by_gc) {
  oid ref = heap_wr_object(OBJ(s, wr));
  if (!ref) return;
  heap_wl_remove(s, ref, wr);
  s->o[wr].u.wr.object = 0;
  struct gcs_event e = {0};
  e.ev = EV_WEAKREF_CLEARED;
  e.a = heap_label(s, wr);
  e.x = by_gc;
  sim_emit(s, &e);
}

/* The callback a weakref is about to call is freed or tp_clear'ed; how:
   the chain of deallocations that got here (dealloc_describe). */
static void violate_callback(struct sim *s, oid wr, oid callback,
                             const char *how) {
  const struct sobj *c = OBJ(s, callback);
  if (!c->alive) {
    sim_violate(s, SV_USE_AFTER_FREE, callback, "weakref",
                "weakref %s called its callback %s, which was freed",
                heap_label(s, wr), heap_label(s, callback));
    return;
  }
  sim_violate(s, c->kind == GCS_FUNCTION ? SV_CALL_AFTER_CLEAR
                                         : SV_TOUCH_AFTER_CLEAR,
              callback, "weakref",
              "weakref %s called its callback %s after gc tp_clear'ed it%s; "
              "chain: %s -> weakref %s -> callback %s",
              heap_label(s, wr), heap_label(s, callback),
              c->kind != GCS_FUNCTION ? ""
              : s->pol.function_clear == PF_UNCALLABLE
                  ? " (func_code is NULL: a crash)"
                  : " (an emptied function)",
              how, heap_label(s, wr), heap_label(s, callback));
}

/*
** Call callback(wr), as handle_callback() and gc's handle_weakrefs do. The
** callee's frame holds wr and the callback while it runs. Returns 0, or -1
** when the run stopped.
*/
int weakref_call_callback(struct sim *s, oid wr, oid callback) {
  if (s->pol.callback_tuple) {
    /* _PyStack_AsTuple: the argument tuple exists before the call and may
       collect; only then does it take its reference to wr */
    heap_tuple_new(s, 1);
    if (s->stopped) return -1;
    if (!s->o[wr].alive) {
      sim_violate(s, SV_USE_AFTER_FREE, wr, "weakref",
                  "the collection that the argument tuple of %s's callback "
                  "ran freed %s, which the call then passes",
                  heap_label(s, wr), heap_label(s, wr));
      return -1;
    }
  }
  struct gcs_event e = {0};
  e.ev = EV_CALLBACK;
  e.a = heap_label(s, wr);
  e.b = heap_label(s, callback);
  sim_emit(s, &e);
  struct sobj *c = OBJ(s, callback);
  if (!c->alive || c->cleared) {
    /* the chain: how control got here, then the weakref and its callback */
    struct gcs_buf how;
    buf_init(&how);
    dealloc_describe(s, &how);
    graph_path_add(s, wr, GRAPH_HOP_WEAKREF, 0, NULL);
    graph_path_add(s, callback, GRAPH_HOP_CALLBACK, 0, NULL);
    violate_callback(s, wr, callback, how.p ? how.p : "");
    buf_free(&how);
    return -1;
  }
  heap_hold(s, wr);
  heap_hold(s, callback);
  if (s->stopped) return -1;
  script_run(s, heap_ext(s, callback)->call_script, callback, wr, SK_CALL);
  if (s->stopped) return -1;
  if (s->pol.callback_tuple) heap_tuple_free(s, 1);
  s->o[wr].tmp--;
  s->o[callback].tmp--;
  heap_decref(s, callback);
  if (!s->stopped) heap_decref(s, wr);
  return s->stopped ? -1 : 0;
}

static int pend_push(struct sim *s, oid id) {
  if (sim_grow((void **)&s->pend, s->npend + 1, &s->cappend, sizeof *s->pend,
               64))
    return sim_oom(s);
  s->pend[s->npend++] = id;
  return 0;
}

/*
** After PyTuple_New's collection: does PyObject_ClearWeakRefs (3.6-3.12)
** still walk a list that holds what it read before, `first` at the head
** and `count` weakrefs? If not, the walk reads a freed weakref or runs off
** the list's end: a violation (returns 1).
*/
static int stale_walk(struct sim *s, oid obj, oid first, uint32_t count) {
  const struct sext *o = heap_ext(s, obj);
  if (!s->o[first].alive) {
    sim_violate(s, SV_USE_AFTER_FREE, first, "dealloc",
                "PyObject_ClearWeakRefs(%s) read the head %s of its weakref "
                "list before PyTuple_New, whose collection freed %s: the "
                "loop then reads %s->wr_next",
                heap_label(s, obj), heap_label(s, first), heap_label(s, first),
                heap_label(s, first));
    return 1;
  }
  if (o->nwl < count || o->wl[0] != first) {
    sim_violate(s, SV_LIST_CORRUPT, obj, "dealloc",
                "PyObject_ClearWeakRefs(%s) counted %u weakrefs before "
                "PyTuple_New, whose collection left %u on the list (head "
                "%s): the loop walks past its end and dereferences NULL",
                heap_label(s, obj), (unsigned)count, (unsigned)o->nwl,
                o->nwl ? heap_label(s, o->wl[0]) : "None");
    return 1;
  }
  return 0;
}

/*
** PyObject_ClearWeakRefs(obj) for the dealloc frame `frame`. The references
** it keeps past the callbacks (the callback taken out of a lone weakref, or
** the tuple of (weakref, callback) pairs) become the frame's pending
** decrefs, in the order CPython drops them.
*/
void weakref_clear_all(struct sim *s, oid obj, uint32_t frame) {
  /* The basic (callback-less) ref at the head: cleared, nothing to call. */
  if (heap_nwl(s, obj) && heap_wr_callback(OBJ(s, heap_wl(s, obj, 0))) == 0)
    weakref_clear_ref(s, heap_wl(s, obj, 0), 0);
  uint32_t count = heap_nwl(s, obj);
  if (count == 0) return;
  uint32_t base = s->npend;
  s->stack[frame].pend_base = base;

  if (count == 1 && !s->pol.weakref_tuple) {
    oid wr = heap_wl(s, obj, 0);
    oid cb = heap_wr_callback(OBJ(s, wr));
    s->o[wr].u.wr.callback = 0;
    weakref_clear_ref(s, wr, 0);
    if (cb) {
      if (pend_push(s, cb)) return;
      s->stack[frame].pend_lo = base;
      s->stack[frame].pend_hi = s->npend;
      if (s->o[wr].rc > 0) weakref_call_callback(s, wr, cb);
    }
    return;
  }

  /* The tuple: (wr, cb) for every weakref with a live refcount, all cleared
     before any callback runs. PyTuple_New comes first, and may collect:
     up to 3.12 the loop then walks on from the head and the count it
     read before (3.13 reads the list afresh each time). */
  oid first = heap_wl(s, obj, 0);
  heap_tuple_new(s, 2 * count);
  if (s->stopped) return;
  if (!s->pol.weakref_tuple && stale_walk(s, obj, first, count)) return;
  s->stack[frame].tuple = 2 * count;
  oid *tuple = malloc(2 * count * sizeof *tuple);
  if (!tuple) {
    sim_oom(s);
    return;
  }
  uint32_t nt = 0;
  for (uint32_t i = 0; i < count && heap_nwl(s, obj) > 0; i++) {
    oid wr = heap_wl(s, obj, 0);
    oid cb = heap_wr_callback(OBJ(s, wr));
    s->o[wr].u.wr.callback = 0;
    if (s->o[wr].rc > 0) {
      heap_incref(s, wr);
      tuple[nt++] = wr;
      tuple[nt++] = cb;
    } else if (cb) {
      /* a dying weakref: its callback is dropped uncalled (bug #3110) */
      s->o[wr].u.wr.callback = cb;
    }
    weakref_clear_ref(s, wr, 0);
  }
  /* Pending decrefs in tupledealloc's order: last item first. */
  for (uint32_t i = nt; i-- > 0;)
    if (tuple[i] && pend_push(s, tuple[i])) {
      free(tuple);
      return;
    }
  s->stack[frame].pend_lo = base;
  s->stack[frame].pend_hi = s->npend;
  for (uint32_t i = 0; i < nt && !s->stopped; i += 2)
    if (tuple[i + 1]) weakref_call_callback(s, tuple[i], tuple[i + 1]);
  free(tuple);
}
