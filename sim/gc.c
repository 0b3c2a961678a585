/*
** gc.c — the cyclic collector, phase by phase, with CPython's names
** (Modules/gcmodule.c 3.7–3.13, Python/gc.c main).
**
** Postconditions of collect (gc_collect_main):
**   - every object of the collected generations is, at the end, on the next
**     older generation (or generation 2), in gc.garbage's list, or freed;
**   - no user code ran between update_refs and the end of move_unreachable;
**   - tp_clear was called only on objects of the final unreachable set, in
**     list order (delete_garbage always takes the current head).
*/
#define GCSIM_SIM_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

#define GEN(i) ((oid)(L_GEN0 + (i)))

static int collecting(const struct sim *s, oid id) {
  return heap_is_gc(s, id) && s->o[id].collecting;
}

/* ---- tp_traverse ---- */

typedef void (*visitproc)(struct sim *s, oid target, oid arg);

static void traverse(struct sim *s, oid id, visitproc visit, oid arg) {
  struct sobj *o = OBJ(s, id);
  if (o->kind == GCS_WEAKREF) {
    if (o->u.wr.callback) visit(s, o->u.wr.callback, arg);
    return;
  }
  const oid *slots = heap_slots(o); /* visits never add slots */
  for (uint32_t i = 0; i < o->nslots; i++)
    if (slots[i]) visit(s, slots[i], arg);
}

/* ---- deduce_unreachable: update_refs, subtract_refs, move_unreachable ---- */

static void update_refs(struct sim *s, oid head) {
  for (oid x = list_first(s, head); x != head; x = s->o[x].next) {
    if (s->o[x].rc <= 0)
      sim_internal(s, "update_refs: %s has refcount %lld on a gc list",
                   heap_label(s, x), (long long)s->o[x].rc);
    s->o[x].gc_refs = s->o[x].rc;
    s->o[x].collecting = 1;
  }
}

static void visit_decref(struct sim *s, oid target, oid arg) {
  (void)arg;
  if (collecting(s, target)) s->o[target].gc_refs--;
}

static void subtract_refs(struct sim *s, oid head) {
  for (oid x = list_first(s, head); x != head; x = s->o[x].next)
    traverse(s, x, visit_decref, 0);
}

static void visit_reachable(struct sim *s, oid target, oid young) {
  struct sobj *t = OBJ(s, target);
  if (!heap_is_gc(s, target) || t->list == L_NONE || !t->collecting) return;
  if (t->unreach) {
    /* tentatively unreachable, but reachable after all: back to the tail
       of young, to be scanned again */
    t->unreach = 0;
    list_move(s, target, young);
    t->gc_refs = 1;
  } else if (t->gc_refs == 0) {
    t->gc_refs = 1;
  }
}

static void move_unreachable(struct sim *s, oid young, oid unreachable) {
  oid x = list_first(s, young);
  while (x != young) {
    if (s->o[x].gc_refs > 0) {
      traverse(s, x, visit_reachable, young);
      s->o[x].collecting = 0;
      x = s->o[x].next;
    } else {
      oid next = s->o[x].next;
      list_move(s, x, unreachable);
      s->o[x].unreach = 1;
      x = next;
    }
  }
}

static void deduce_unreachable(struct sim *s, oid base, oid unreachable) {
  update_refs(s, base);
  subtract_refs(s, base);
  move_unreachable(s, base, unreachable);
}

/* ---- legacy finalizers ---- */

static void move_legacy_finalizers(struct sim *s, oid unreachable,
                                   oid finalizers) {
  oid x = list_first(s, unreachable);
  while (x != unreachable) {
    oid next = s->o[x].next;
    s->o[x].unreach = 0;
    if (s->o[x].flags & GCS_FLAG_LEGACY) {
      s->o[x].collecting = 0;
      list_move(s, x, finalizers);
    }
    x = next;
  }
}

static void visit_move(struct sim *s, oid target, oid tolist) {
  if (collecting(s, target) && s->o[target].list != L_NONE) {
    list_move(s, target, tolist);
    s->o[target].collecting = 0;
  }
}

static void move_legacy_finalizer_reachable(struct sim *s, oid finalizers) {
  for (oid x = list_first(s, finalizers); x != finalizers; x = s->o[x].next)
    traverse(s, x, visit_move, finalizers);
}

static void garbage_append(struct sim *s, oid x) {
  if (sim_grow((void **)&s->garbage, s->ngarbage + 1, &s->capgarbage,
               sizeof *s->garbage, 16)) {
    sim_oom(s);
    return;
  }
  heap_incref(s, x);
  s->garbage[s->ngarbage++] = x;
}

static void handle_legacy_finalizers(struct sim *s, oid finalizers, oid old) {
  for (oid x = list_first(s, finalizers); x != finalizers; x = s->o[x].next)
    if (s->saveall || (s->o[x].flags & GCS_FLAG_LEGACY)) garbage_append(s, x);
  list_merge(s, finalizers, old);
}

/* ---- weakrefs ---- */

/*
** Move a live weakref with a callback to wrcb_to_call (gc_list_move). An
** untracked weakref is on no list: CPython writes through NULL there.
*/
static int take_for_callback(struct sim *s, oid wr) {
  if (s->o[wr].list == L_NONE) {
    sim_violate(s, SV_LIST_CORRUPT, wr, "gc",
                "handle_weakrefs moves the live weakref %s (callback %s) "
                "to wrcb_to_call, but it is untracked: gc_list_move "
                "dereferences NULL",
                heap_label(s, wr),
                heap_label(s, heap_wr_callback(OBJ(s, wr))));
    return -1;
  }
  heap_incref(s, wr);
  s->o[wr].tmp++;
  list_move(s, wr, L_WRCB);
  return 0;
}

/* Second pass of handle_weakrefs: invoke the callbacks we decided to
   honor. Returns the number of weakrefs freed by it. */
static int64_t call_wrcb(struct sim *s, oid old) {
  int64_t num_freed = 0;
  s->phase = "handle_weakrefs";
  while (!list_empty(s, L_WRCB) && !s->stopped) {
    oid wr = list_first(s, L_WRCB);
    if (weakref_call_callback(s, wr, heap_wr_callback(OBJ(s, wr))))
      return num_freed;
    s->o[wr].tmp--;
    heap_decref(s, wr);
    if (s->stopped) return num_freed;
    if (list_first(s, L_WRCB) == wr)
      list_move(s, wr, old);
    else
      num_freed++;
  }
  s->phase = NULL;
  return num_freed;
}

/* handle_weakrefs, 3.7 (PW_PREFIX) and 3.8–3.13 (PW_FIX). */
static int64_t handle_weakrefs(struct sim *s, oid unreachable, oid old) {
  list_init(s, L_WRCB);
  oid x = list_first(s, unreachable);
  while (x != unreachable) {
    oid next = s->o[x].next;
    if (s->pol.weakrefs == PW_FIX && s->o[x].kind == GCS_WEAKREF)
      weakref_clear_ref(s, x, 1); /* bpo-38006 */
    if (heap_supports_weakrefs(s, x)) {
      while (heap_nwl(s, x)) {
        oid wr = heap_wl(s, x, 0);
        weakref_clear_ref(s, wr, 1);
        if (!heap_wr_callback(OBJ(s, wr)) || collecting(s, wr)) continue;
        if (take_for_callback(s, wr)) return 0;
      }
    }
    x = next;
  }
  return call_wrcb(s, old);
}

/* handle_weakref_callbacks, main (GH-136189): only weakrefs with a callback
   are cleared here; the others wait for clear_weakrefs. */
static int64_t handle_weakref_callbacks(struct sim *s, oid unreachable,
                                        oid old) {
  list_init(s, L_WRCB);
  oid x = list_first(s, unreachable);
  while (x != unreachable) {
    oid next = s->o[x].next;
    if (heap_supports_weakrefs(s, x)) {
      uint32_t i = 0;
      while (i < heap_nwl(s, x)) {
        oid wr = heap_wl(s, x, i);
        if (!heap_wr_callback(OBJ(s, wr))) {
          i++;
          continue;
        }
        weakref_clear_ref(s, wr, 1);
        if (collecting(s, wr)) continue;
        if (take_for_callback(s, wr)) return 0;
      }
    }
    x = next;
  }
  return call_wrcb(s, old);
}

/* clear_weakrefs(final_unreachable), main. */
static void clear_weakrefs(struct sim *s, oid head) {
  for (oid x = list_first(s, head); x != head; x = s->o[x].next) {
    if (s->o[x].kind == GCS_WEAKREF) weakref_clear_ref(s, x, 1);
    if (heap_supports_weakrefs(s, x))
      while (heap_nwl(s, x)) weakref_clear_ref(s, heap_wl(s, x, 0), 1);
  }
}

/* ---- finalizers and resurrection ---- */

static void finalize_garbage(struct sim *s, oid collectable) {
  list_init(s, L_SEEN);
  s->phase = "finalize_garbage";
  while (!list_empty(s, collectable) && !s->stopped) {
    oid x = list_first(s, collectable);
    list_move(s, x, L_SEEN);
    struct sobj *o = OBJ(s, x);
    if ((o->flags & GCS_FLAG_FIN) && !(s->pol.finalized_flag && o->finalized)) {
      o->finalized = 1; /* set before the call, as finalize_garbage does */
      heap_hold(s, x);
      if (s->stopped) return;
      script_finalize(s, x);
      if (s->stopped) return;
      s->o[x].tmp--;
      heap_decref(s, x);
    }
  }
  list_merge(s, L_SEEN, collectable);
  s->phase = NULL;
}

static void emit_set(struct sim *s, enum gcs_ev ev, const oid *ids,
                     uint32_t n) {
  if (SIM_QUIET(s)) {
    struct gcs_event q = {0};
    q.ev = (uint8_t)ev;
    sim_emit(s, &q);
    return;
  }
  const char **labels = malloc((n ? n : 1) * sizeof *labels);
  if (!labels) {
    sim_oom(s);
    return;
  }
  for (uint32_t i = 0; i < n; i++) labels[i] = heap_label(s, ids[i]);
  struct gcs_event e = {0};
  e.ev = (uint8_t)ev;
  e.objs = labels;
  e.nobjs = n;
  sim_emit(s, &e);
  free(labels);
}

static void emit_list(struct sim *s, enum gcs_ev ev, oid head) {
  if (SIM_QUIET(s)) return emit_set(s, ev, NULL, 0);
  if (!s->sink) return emit_list_line(s, ev, head);
  uint64_t n = list_size(s, head);
  oid *ids = malloc((n ? n : 1) * sizeof *ids);
  if (!ids) {
    sim_oom(s);
    return;
  }
  uint32_t i = 0;
  for (oid x = list_first(s, head); x != head; x = s->o[x].next) ids[i++] = x;
  emit_set(s, ev, ids, i);
  free(ids);
}

/* check_garbage (<= 3.8): all-or-nothing. Returns 1 when anything was
   resurrected (then nothing is deleted). */
static int check_garbage(struct sim *s, oid collectable) {
  for (oid x = list_first(s, collectable); x != collectable; x = s->o[x].next)
    s->o[x].gc_refs = s->o[x].rc;
  subtract_refs(s, collectable);
  uint32_t n = 0, cap = 0;
  oid *res = NULL;
  for (oid x = list_first(s, collectable); x != collectable;
       x = s->o[x].next) {
    if (s->o[x].gc_refs < 0)
      sim_internal(s, "check_garbage: refcount of %s is too small",
                   heap_label(s, x));
    if (s->o[x].gc_refs != 0) {
      if (n == cap) {
        cap = cap ? cap * 2 : 8;
        oid *q = realloc(res, cap * sizeof *q);
        if (!q) {
          free(res);
          sim_oom(s);
          return 1;
        }
        res = q;
      }
      res[n++] = x;
    }
    s->o[x].collecting = 0;
  }
  if (n) emit_set(s, EV_RESURRECTED, res, n);
  free(res);
  return n > 0;
}

/* handle_resurrected_objects (3.9+). */
static void handle_resurrected_objects(struct sim *s, oid unreachable,
                                       oid still, oid old) {
  for (oid x = list_first(s, unreachable); x != unreachable; x = s->o[x].next)
    s->o[x].collecting = 0;
  list_init(s, still);
  deduce_unreachable(s, unreachable, still);
  for (oid x = list_first(s, still); x != still; x = s->o[x].next)
    s->o[x].unreach = 0;
  if (!list_empty(s, unreachable)) emit_list(s, EV_RESURRECTED, unreachable);
  list_merge(s, unreachable, old);
}

/* tp_clear of one object. */
static void tp_clear(struct sim *s, oid x) {
  struct sobj *o = OBJ(s, x);
  if (o->kind == GCS_WEAKREF) {
    /* gc_clear -> clear_weakref: unlink, drop the callback uncalled */
    weakref_clear_ref(s, x, 1);
    oid cb = heap_wr_callback(OBJ(s, x));
    s->o[x].u.wr.callback = 0;
    if (cb) heap_decref(s, cb);
    return;
  }
  if (!o->cleared) s->ncleared++;
  o->cleared = 1;
  /* slots re-read every time: a decref may run a script that links more */
  for (uint32_t i = 0; i < s->o[x].nslots && !s->stopped; i++) {
    oid t = heap_slots(OBJ(s, x))[i];
    if (!t) continue;
    heap_slots(OBJ(s, x))[i] = 0; /* Py_CLEAR: NULL first, then decref */
    heap_decref(s, t);
  }
}

static void delete_garbage(struct sim *s, oid collectable, oid old) {
  s->roots_dirty = 1;
  s->phase = "delete_garbage";
  while (!list_empty(s, collectable) && !s->stopped) {
    oid x = list_first(s, collectable);
    if (s->o[x].rc <= 0) {
      sim_internal(s, "delete_garbage: %s has refcount %lld",
                   heap_label(s, x), (long long)s->o[x].rc);
      return;
    }
    if (s->saveall) {
      garbage_append(s, x);
    } else if (heap_has_clear(s, x)) {
      if (check_clear_allowed(s, x)) return;
      heap_hold(s, x);
      if (s->stopped) return;
      emit_obj(s, EV_TP_CLEAR, x);
      s->clearing = x;
      tp_clear(s, x);
      if (s->stopped) return;
      s->o[x].tmp--;
      heap_decref(s, x);
      s->clearing = 0;
      if (s->stopped) return;
    }
    if (list_first(s, collectable) == x) {
      /* still alive: it may die later */
      s->o[x].collecting = 0;
      list_move(s, x, old);
    }
  }
  s->phase = NULL;
}

/* ---- collect ---- */

/*
** The list a collection of gen examines, gathered; *old: where its
** survivors go (the same list for a full collection). Generations merge the
** younger ones into gen (gcmodule.c collect). 3.14's collector (gc.c
** gc_collect_young, gc_collect_full): a young collection examines young
** and moves survivors to the visited half of the old space; a full one
** examines visited, then pending, then young.
*/
static oid gather(struct sim *s, int gen, oid *old) {
  if (s->pol.collector == PG_INCREMENTAL) {
    oid visited = GEN(1 + s->visited), pending = GEN(2 - s->visited);
    *old = visited;
    if (gen == 0) return GEN(0);
    list_merge(s, GEN(0), pending);
    list_merge(s, pending, visited);
    return visited;
  }
  for (int i = 0; i < gen; i++) list_merge(s, GEN(i), GEN(gen));
  *old = gen < 2 ? GEN(gen + 1) : GEN(gen);
  return GEN(gen);
}

/*
** 3.14's gc_collect_increment (gen 1, and every automatic collection), as
** far as the model follows it: young.count goes into the work budget and
** is reset. The first increment after a full collection only marks from
** the roots, which reach none of the program's objects (its names are not
** Python objects the roots see), and takes twice what it marked off the
** budget; the ones after it find the budget negative and return. None
** collects until the young objects counted reach about the interpreter's
** root-reachable heap (12,700 on pyodide 3.14.2, measured): past
** increment_horizon the run stops (budget) rather than guess.
*/
static void gc_increment(struct sim *s) {
  s->increment_work += s->count[0];
  s->count[0] = 0;
  if (s->increment_work > s->pol.increment_horizon)
    sim_budget(s, "young objects counted by 3.14's increments (beyond "
                  "increment_horizon real increments start to collect)",
               (uint64_t)s->pol.increment_horizon);
}

int64_t gc_collect_main(struct sim *s, int gen, int shutdown,
                        int64_t *collected, int64_t *uncollectable) {
  (void)shutdown;
  s->ncollections++;
  *collected = *uncollectable = 0;
  if (s->pol.collector == PG_INCREMENTAL && gen == 1) {
    gc_increment(s);
    return 0;
  }
  if (gen + 1 < 3) s->count[gen + 1]++;
  for (int i = 0; i <= gen; i++) s->count[i] = 0;
  oid old, young = gather(s, gen, &old);

  list_init(s, L_UNREACHABLE);
  deduce_unreachable(s, young, L_UNREACHABLE);
  if (s->stopped) return 0;
  if (young != old) {
    if (gen == 1) s->long_lived_pending += (int64_t)list_size(s, young);
    list_merge(s, young, old);
  } else {
    s->long_lived_pending = 0;
    /* gcmodule.c collect(): long_lived_total = gc_list_size(young), which
       holds the interpreter's own long-lived objects too */
    s->long_lived_total = (int64_t)list_size(s, young) + s->pol.oldgen_base;
  }

  list_init(s, L_FINALIZERS);
  move_legacy_finalizers(s, L_UNREACHABLE, L_FINALIZERS);
  move_legacy_finalizer_reachable(s, L_FINALIZERS);
  emit_list(s, EV_UNREACHABLE, L_UNREACHABLE);

  int64_t m = 0, n = 0;
  if (s->pol.count == PC_BEFORE_RESURRECTION)
    m += (int64_t)list_size(s, L_UNREACHABLE);
  if (s->pol.weakrefs == PW_LATE)
    m += handle_weakref_callbacks(s, L_UNREACHABLE, old);
  else
    m += handle_weakrefs(s, L_UNREACHABLE, old);
  if (s->stopped) return 0;
  finalize_garbage(s, L_UNREACHABLE);
  if (s->stopped) return 0;

  if (s->pol.resurrection == PR_ALL_OR_NOTHING) {
    if (check_garbage(s, L_UNREACHABLE)) {
      list_merge(s, L_UNREACHABLE, old);
    } else {
      if (s->pol.count == PC_AFTER_RESURRECTION)
        m += (int64_t)list_size(s, L_UNREACHABLE);
      delete_garbage(s, L_UNREACHABLE, old);
    }
  } else {
    handle_resurrected_objects(s, L_UNREACHABLE, L_FINAL, old);
    if (s->pol.weakrefs == PW_LATE) clear_weakrefs(s, L_FINAL);
    if (s->pol.count == PC_AFTER_RESURRECTION)
      m += (int64_t)list_size(s, L_FINAL);
    delete_garbage(s, L_FINAL, old);
  }
  if (s->stopped) return 0;

  n = (int64_t)list_size(s, L_FINALIZERS);
  handle_legacy_finalizers(s, L_FINALIZERS, old);
  for (; s->garbage_reported < s->ngarbage; s->garbage_reported++)
    emit_obj(s, EV_GARBAGE, s->garbage[s->garbage_reported]);
  if (gen == 2) { /* clear_freelists(): PyObject_GC_Del on each one */
    int64_t nfree = s->list_free;
    for (int i = 0; i <= SIM_TUPLE_SAVE; i++) nfree += s->tuple_free[i];
    heap_gc_del(s, nfree);
    memset(s->tuple_free, 0, sizeof s->tuple_free);
    s->list_free = 0;
    if (s->pol.collector == PG_INCREMENTAL) { /* completed_scavenge */
      s->visited ^= 1;
      s->increment_work = 0;
    }
  }
  *collected = m;
  *uncollectable = n;
  return n + m;
}

/* collect_with_callback: gc.callbacks "start" and "stop" around collect. */
int64_t gc_collect_with_callback(struct sim *s, int gen) {
  struct gcs_event e = {0};
  e.ev = EV_GC_START;
  e.gen = gen;
  sim_emit(s, &e);
  int64_t collected = 0, uncollectable = 0;
  int64_t r = gc_collect_main(s, gen, 0, &collected, &uncollectable);
  if (s->stopped) return 0;
  memset(&e, 0, sizeof e);
  e.ev = EV_GC_END;
  e.gen = gen;
  e.x = collected;
  e.y = uncollectable;
  sim_emit(s, &e);
  check_exposed_cleared(s);
  return r;
}

/* collect_generations: the oldest generation over its threshold; 3.14's
   _Py_RunGC runs one increment (_PyGC_Collect of generation 1). */
static void collect_generations(struct sim *s) {
  if (s->pol.collector == PG_INCREMENTAL) {
    gc_collect_with_callback(s, 1);
    return;
  }
  for (int i = 2; i >= 0; i--) {
    if (s->count[i] > s->threshold[i]) {
      if (i == 2 && s->pol.long_lived_rule &&
          s->long_lived_pending < s->long_lived_total / 4)
        continue;
      gc_collect_with_callback(s, i);
      break;
    }
  }
}

void gc_maybe_collect_on_alloc(struct sim *s) {
  if (!(s->count[0] > s->threshold[0] && s->enabled && s->threshold[0] &&
        !s->collecting))
    return;
  if (s->pol.trigger == PT_EVAL_BREAKER) {
    s->gc_scheduled = 1;
    return;
  }
  s->collecting = 1;
  collect_generations(s);
  s->collecting = 0;
}

void gc_run_scheduled(struct sim *s) {
  if (!s->gc_scheduled || s->collecting) return;
  s->gc_scheduled = 0;
  if (!s->enabled) return;
  s->collecting = 1;
  collect_generations(s);
  s->collecting = 0;
}

/* gc.collect(gen): the collecting guard makes a nested call return 0. */
int64_t gc_collect_request(struct sim *s, int gen, int nested) {
  int64_t r = 0;
  if (!s->collecting) {
    s->collecting = 1;
    r = gc_collect_with_callback(s, gen);
    s->collecting = 0;
  }
  if (s->stopped) return 0;
  struct gcs_event e = {0};
  e.ev = EV_COLLECT_RESULT;
  e.gen = gen;
  e.x = r;
  e.y = nested;
  sim_emit(s, &e);
  return r;
}
