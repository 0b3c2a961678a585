/*
** dealloc.c — the deallocation cascade, as an explicit stack of frames.
**
** Each frame is one tp_dealloc call in progress, walking through
** subtype_dealloc's order (Objects/typeobject.c, 3.8–3.13):
**   untrack; trashcan begin; tp_finalize (resurrection ends it here);
**   PyObject_ClearWeakRefs (callbacks); legacy tp_del (resurrection ends it);
**   clear the weakrefs the finalizers made, without callbacks; clear slots in
**   order (Py_CLEAR: slot emptied before the decref); free; trashcan end.
** A weakref's dealloc is clear_weakref (callback dropped uncalled).
**
** A decref that reaches zero while a frame clears its slots pushes a new
** frame instead of recursing, so the C stack stays flat however long the
** chain; the frame order reproduces CPython's recursive post-order, and the
** trashcan (deposit at nesting >= limit, LIFO destroy chain when the
** outermost trashcan dealloc ends) reorders as CPython's does.
*/
#define GCSIM_SIM_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static struct dframe *push(struct sim *s, oid id, uint8_t phase) {
  if (sim_grow((void **)&s->stack, s->nstack + 1, &s->capstack,
               sizeof *s->stack, 64)) {
    sim_oom(s);
    return NULL;
  }
  struct dframe *f = &s->stack[s->nstack++];
  memset(f, 0, sizeof *f);
  f->obj = id;
  f->phase = phase;
  f->pend_base = f->pend_lo = f->pend_hi = s->npend;
  return f;
}

void dealloc_push(struct sim *s, oid id) { push(s, id, D_START); }

/* Decref inside a frame: a death pushes a frame (returns 1), no recursion. */
static int decref_push(struct sim *s, oid id) {
  struct sobj *o = OBJ(s, id);
  if (o->rc <= 0) {
    sim_internal(s, "decref of %s with refcount %lld", heap_label(s, id),
                 (long long)o->rc);
    return 0;
  }
  if (--o->rc == 0) {
    push(s, id, D_START);
    return 1;
  }
  return 0;
}

static int uses_trashcan(const struct sim *s, oid id) {
  uint8_t k = s->o[id].kind;
  return s->pol.trashcan_limit > 0 && (k == GCS_OBJECT || k == GCS_NOCLEAR);
}

/* Pop the top frame: Py_TRASHCAN_END, and the destroy chain if due. */
static void frame_end(struct sim *s) {
  struct dframe f = s->stack[--s->nstack];
  s->npend = f.pend_base;
  if (f.trash) {
    s->trash_nesting--;
    if (s->ntrash && s->trash_nesting <= s->pol.trashcan_resume)
      push(s, 0, D_CHAIN);
  }
}

/*
** Run a finalizer from dealloc (PyObject_CallFinalizerFromDealloc or the
** tp_del call): the refcount is 1 while it runs. Returns 1 when the object
** was resurrected.
*/
static int call_from_dealloc(struct sim *s, oid id, enum script_kind kind) {
  int gc = heap_is_gc(s, id);
  if (gc) heap_track(s, id);
  struct sobj *o = OBJ(s, id);
  o->rc = 1;
  o->tmp++;
  if (kind == SK_FINALIZE) {
    script_finalize(s, id);
    if (gc) s->o[id].finalized = 1; /* PyObject_CallFinalizer sets it after */
  } else {
    emit_obj(s, EV_TP_DEL, id);
    if (!s->stopped)
      script_run(s, heap_ext(s, id)->fin_script, id, 0, SK_TP_DEL);
  }
  o = OBJ(s, id);
  o->tmp--;
  o->rc--;
  if (s->stopped) return 1;
  if (o->rc > 0) {
    const char *l = heap_label(s, id);
    struct gcs_event e = {0};
    e.ev = EV_RESURRECTED;
    e.objs = &l;
    e.nobjs = 1;
    sim_emit(s, &e);
    return 1; /* stays tracked, as after goto endlabel */
  }
  if (gc) heap_untrack(s, id);
  return 0;
}

static void free_object(struct sim *s, oid id) {
  struct sobj *o = OBJ(s, id);
  o->alive = 0;
  if (o->cleared) s->ncleared--;
  if (o->nslots > SIM_INLINE_SLOTS) free(o->u.heap);
  o->nslots = 0;
  /* a weakref's u.wr stays (both 0 by now, D_SLOTS) */
  if (o->kind != GCS_WEAKREF) memset(&o->u, 0, sizeof o->u);
  if (heap_is_gc(s, id)) heap_gc_del(s, 1);
  s->freed++;
  emit_obj(s, EV_DEALLOC, id);
}

/* Advance the top frame by one phase (or one slot). A phase with nothing
   to do falls through to the next one, as the loop would have stepped to
   it at once: dealloc_loop only checks s->stopped between steps, which a
   phase that did nothing leaves as it was. */
static void step(struct sim *s) {
  struct dframe *f = &s->stack[s->nstack - 1];
  oid id = f->obj;
  struct sobj *o = OBJ(s, id);
  switch (f->phase) {
  case D_START:
    heap_untrack(s, id);
    if (uses_trashcan(s, id)) {
      if (s->trash_nesting >= s->pol.trashcan_limit) {
        /* _PyTrash_thread_deposit_object: LIFO */
        if (sim_grow((void **)&s->trash, s->ntrash + 1, &s->captrash,
                     sizeof *s->trash, 64)) {
          sim_oom(s);
          return;
        }
        s->trash[s->ntrash++] = id;
        o->deposited = 1;
        s->nstack--;
        return;
      }
      s->trash_nesting++;
      f->trash = 1;
    }
    f->phase = D_FINALIZE;
    if (s->stopped) return;
    /* fallthrough */
  case D_FINALIZE:
    f->phase = D_WEAKREFS;
    if ((o->flags & GCS_FLAG_FIN) &&
        !(heap_is_gc(s, id) && s->pol.finalized_flag && o->finalized)) {
      if (call_from_dealloc(s, id, SK_FINALIZE)) frame_end(s);
      return;
    }
    /* fallthrough */
  case D_WEAKREFS:
    f->phase = D_PENDING;
    if (heap_nwl(s, id)) {
      weakref_clear_all(s, id, s->nstack - 1);
      return;
    }
    /* fallthrough */
  case D_PENDING:
    if (f->pend_lo < f->pend_hi) {
      oid x = s->pend[f->pend_lo++];
      decref_push(s, x);
      return;
    }
    s->npend = f->pend_base;
    f->pend_lo = f->pend_hi = f->pend_base;
    f->phase = D_LEGACY;
    if (f->tuple) { /* tupledealloc, its items released above */
      heap_tuple_free(s, f->tuple);
      f->tuple = 0;
      return;
    }
    /* fallthrough */
  case D_LEGACY:
    f->phase = D_CLEAR_NEW_WEAKREFS;
    if (o->flags & GCS_FLAG_LEGACY) {
      if (call_from_dealloc(s, id, SK_TP_DEL)) frame_end(s);
      return;
    }
    /* fallthrough */
  case D_CLEAR_NEW_WEAKREFS:
    /* weakrefs created by the finalizer: cleared, callbacks not called */
    f->phase = D_SLOTS;
    if (o->flags & (GCS_FLAG_FIN | GCS_FLAG_LEGACY)) {
      while (heap_nwl(s, id)) weakref_clear_ref(s, heap_wl(s, id, 0), 0);
      return;
    }
    /* fallthrough */
  case D_SLOTS:
    if (o->kind == GCS_WEAKREF) {
      f->phase = D_FREE;
      if (heap_wr_object(o)) weakref_clear_ref(s, id, 0);
      oid cb = heap_wr_callback(OBJ(s, id));
      s->o[id].u.wr.callback = 0;
      if (cb) decref_push(s, cb);
      return;
    }
    oid *slots = heap_slots(o); /* decref_push runs no script */
    while (f->idx < o->nslots) {
      oid x = slots[f->idx];
      slots[f->idx++] = 0;
      if (x && decref_push(s, x)) return;
      if (s->stopped) return;
    }
    f->phase = D_FREE;
    /* fallthrough */
  case D_FREE:
    free_object(s, id);
    frame_end(s);
    return;
  case D_CHAIN:
    /* _PyTrash_thread_destroy_chain: pop the newest deposit, call its
       tp_dealloc with nesting bumped by one around the call */
    if (f->idx) {
      s->trash_nesting--;
      f->idx = 0;
    }
    if (s->ntrash == 0) {
      s->nstack--;
      return;
    }
    oid x = s->trash[--s->ntrash];
    s->o[x].deposited = 0;
    s->trash_nesting++;
    f->idx = 1;
    push(s, x, D_START);
    return;
  default:
    sim_internal(s, "bad dealloc phase %d", f->phase);
  }
}

void dealloc_loop(struct sim *s, uint32_t base) {
  while (s->nstack > base && !s->stopped) step(s);
}

void dealloc_run(struct sim *s, oid id) {
  uint32_t base = s->nstack;
  if (!push(s, id, D_START)) return;
  dealloc_loop(s, base);
}

/*
** Describe how control got here, outermost first: the collector phase (if
** any), then the deallocations in progress, e.g.
** "delete_garbage: tp_clear(a) -> dealloc y -> dealloc z", and record it as
** the start of the violation's chain (graph.h). Only called on a violation.
*/
void dealloc_describe(struct sim *s, struct gcs_buf *out) {
  const char *sep = "";
  graph_path_reset(s);
  if (s->phase) {
    buf_puts(out, s->phase);
    if (s->clearing) {
      buf_printf(out, ": tp_clear(%s)", heap_label(s, s->clearing));
      graph_path_add(s, s->clearing, GRAPH_HOP_TP_CLEAR, 0, s->phase);
    }
    sep = " -> ";
  }
  for (uint32_t i = 0; i < s->nstack; i++) {
    if (s->stack[i].phase == D_CHAIN) continue;
    buf_printf(out, "%sdealloc %s", sep, heap_label(s, s->stack[i].obj));
    graph_path_add(s, s->stack[i].obj, GRAPH_HOP_DEALLOC, 0, NULL);
    sep = " -> ";
  }
  if (!*sep) buf_puts(out, "top level");
}
