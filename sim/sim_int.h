/*
** sim_int.h — the model's private state, shared by the sim/ modules only.
**
** Invariants (checked by check.c's walker, sim_check()):
**   - Node ids below SIM_FIRST_OBJ are list heads; objects are ids from
**     SIM_FIRST_OBJ on, in creation order, never reused.
**   - An object is on at most one list; `list` names it, L_NONE when
**     untracked. Only gc kinds are ever on a list. Every list is a circular
**     doubly linked list through prev/next, the head included.
**   - A live object's rc equals the references held to it: slots of live
**     objects, the callback fields of live weakrefs, names and globals,
**     gc.garbage entries, and temporary references the model holds (tmp).
**   - A weakref's referent is 0 (None) or a live object whose weakref list
**     `wl` (in its side record, struct sext) contains it exactly once, and
**     every entry of a `wl` points back.
**   - A freed object has rc 0, no slots, an empty `wl`, and is on no list.
**   - Derived fields (see struct sobj): labels[id - SIM_FIRST_OBJ] is the
**     label of id; a weakref has no slots; every ext index is below
**     next_ext, and ext[0] stays empty.
*/
#ifndef GCSIM_SIM_INT_H
#define GCSIM_SIM_INT_H

#ifndef GCSIM_SIM_INTERNAL
#error "sim_int.h is private to sim/"
#endif

#include <stdint.h>
#include <xxhash.h>

#include "gcsim/event.h"
#include "gcsim/graph.h"
#include "gcsim/policy.h"
#include "gcsim/program.h"
#include "gcsim/scenario.h"
#include "gcsim/sim.h"
#include "grow.h"

typedef uint32_t oid; /* 0 = NULL / None */

/* List heads. */
enum {
  L_NONE = 0,
  L_GEN0 = 1,
  L_GEN1 = 2,
  L_GEN2 = 3,
  L_UNREACHABLE = 4,
  L_FINALIZERS = 5,
  L_WRCB = 6,
  L_SEEN = 7,
  L_FINAL = 8, /* final_unreachable / still_unreachable */
  SIM_NLISTS = 9
};
#define SIM_FIRST_OBJ 16u

/*
** One object (or list head), 40 bytes: the node array holds one per object
** ever made, so every byte here is paid a million times on a large heap
** (bench/bench_collect reports the bytes per object; issue 15 asks for at
** most 64, side tables and slot arrays included). Hence:
**   - counts are 32-bit: a reference needs a slot (4 bytes) or a model
**     hold, so 2^31 of them do not fit in memory; heap_incref and
**     heap_hold stop the run with an internal error rather than wrap;
**   - the label is not stored: it is s->labels[id - SIM_FIRST_OBJ]
**     (heap_label);
**   - slots: up to SIM_INLINE_SLOTS live in the object itself, more in a
**     malloc'd array whose capacity follows from nslots (slot_cap); read
**     them through heap_slots();
**   - a weakref never has slots (a link to one is rejected), so its
**     referent and callback share that storage: read them through
**     heap_wr_object() / heap_wr_callback(), which give 0 for any other
**     kind, as the fields always did;
**   - the weakref list and the scripts are rare: they live in a side
**     record, s->ext[ext] (struct sext), made on first use.
*/
#define SIM_INLINE_SLOTS 2u /* a power of two (heap_slot_append) */

struct sobj {
  oid prev, next;      /* list links */
  int32_t rc;          /* ob_refcnt */
  int32_t gc_refs;     /* during a collection */
  int32_t tmp;         /* references held by the model itself */
  uint8_t list;        /* L_* the node is on, L_NONE = untracked */
  uint8_t kind;        /* enum gcs_kind */
  uint8_t flags;       /* GCS_FLAG_* */
  uint8_t alive : 1;   /* not yet freed */
  uint8_t cleared : 1; /* gc called tp_clear on it */
  uint8_t finalized : 1; /* _PyGC_FINALIZED */
  uint8_t collecting : 1; /* PREV_MASK_COLLECTING */
  uint8_t unreach : 1;    /* NEXT_MASK_UNREACHABLE */
  uint8_t deposited : 1;  /* waiting in the trashcan (rc 0) */
  uint8_t fin_runs : 2;   /* times tp_finalize ran, saturating at 3: only
                             "more than once" matters (a gc kind stops the
                             run at the second, SV_FINALIZER_TWICE) */
  uint32_t nslots;     /* slots used (0 = empty slot counts too) */
  uint32_t ext;        /* index in s->ext, 0 = no weakrefs, no scripts */
  union {
    oid inl[SIM_INLINE_SLOTS]; /* nslots <= SIM_INLINE_SLOTS */
    oid *heap;                 /* nslots > SIM_INLINE_SLOTS */
    struct {
      oid object;   /* referent, 0 = None */
      oid callback; /* 0 = none */
    } wr;                      /* kind GCS_WEAKREF (nslots is 0) */
  } u;
};
_Static_assert(sizeof(struct sobj) == 40, "struct sobj grew: see above");

/* What few objects have: the weakrefs to them, their scripts. */
struct sext {
  oid *wl;             /* weakrefs to this object, in CPython's list order */
  uint32_t nwl, capwl;
  int32_t fin_script;  /* script index or -1 */
  int32_t call_script; /* script index or -1 */
};

/* A global: a bound name or a value `keep` stored. Kept in insertion order,
   as a module dict is. */
struct sglobal {
  oid obj;      /* 0 once dropped */
  uint32_t sym; /* name symbol, or UINT32_MAX for a keep global */
};

/* A deallocation in progress: the emulated C stack of tp_dealloc calls. */
enum dphase {
  D_START = 0,
  D_FINALIZE,
  D_WEAKREFS,
  D_PENDING,
  D_LEGACY,
  D_CLEAR_NEW_WEAKREFS,
  D_SLOTS,
  D_FREE,
  D_CHAIN /* trashcan destroy chain */
};
/*
** The containers CPython makes for itself on the way: the tuples of
** PyObject_ClearWeakRefs and of 3.6/3.7's callback calls
** (Objects/tupleobject.c), and gc.get_objects()'s list
** (Objects/listobject.c). PyTuple_New(n) takes a tuple from the free list
** of its size (n < 20, PyTuple_MAXSAVESIZE) and PyList_New from the list
** free list; else it is a gc allocation, which counts and may collect. The
** dealloc puts it back on its free list (at most 2000 tuples of a size,
** PyTuple_MAXFREELIST; 80 lists, PyList_MAXFREELIST) without
** PyObject_GC_Del, so generation 0's count keeps the allocation. A full
** collection empties the free lists (clear_freelists: PyObject_GC_Del on
** each, which takes the count back), and a run starts as right after one (gcsim confirm's probe collects before the first
** statement).
*/
#define SIM_TUPLE_SAVE 20
#define SIM_TUPLE_FREELIST 2000
#define SIM_LIST_FREELIST 80

struct dframe {
  oid obj;
  uint8_t phase;
  uint8_t trash;     /* this dealloc counted in trash nesting */
  uint32_t idx;      /* slot index in D_SLOTS */
  uint32_t pend_base; /* this frame's pending decrefs are sim->pend */
  uint32_t pend_lo;   /* [pend_base, pend_hi); pend_lo is the next one */
  uint32_t pend_hi;
  uint32_t tuple;     /* PyObject_ClearWeakRefs' tuple (its size), released
                         once the pending decrefs are done; 0 none */
};

/* One step of the chain a violation followed (graph.h's graph_hop, as the
   model holds it: names point into the program or the model's labels). */
struct vhop {
  oid obj;
  uint8_t kind;        /* enum graph_hop_kind */
  int32_t slot;
  const char *name;
};

struct sim {
  struct policy pol;
  enum sim_audit audit;
  uint64_t audit_at;   /* nevents at the last audit (SIM_AUDIT_SCALED) */
  int quiet;           /* no sink and no fingerprint: events are counted only */
  uint64_t max_objects, max_actions, nactions_run;
  int actor;           /* kind of the innermost running script, -1 none */
  sim_sink sink;
  void *sink_user;
  const struct gcs_program *prog;

  struct sobj *o;      /* nodes: heads then objects */
  uint32_t n, cap;     /* next id, capacity */

  struct sext *ext;    /* side records (struct sobj's ext); 0 is unused */
  uint32_t next_ext, capext; /* records used (the first is 1), room */
  const char **labels; /* label strings, one per object: labels[id -
                          SIM_FIRST_OBJ]; auto labels owned in auto_labels */
  uint32_t nlabels, caplabels;
  char **auto_labels;  /* SIM_AUTO_LABEL bytes each, kept by sim_reset */
  uint32_t nauto, nauto_made, capauto; /* used this run, allocated, room */
  uint32_t next_o, next_w; /* counters for o1.., w1.. */

  oid *names;          /* per program symbol: bound object or 0 */
  uint32_t *name_global; /* per symbol: index in globals + 1, or 0 */
  uint32_t nnames, capnames; /* capnames: what names and name_global hold */
  struct sglobal *globals;
  uint32_t nglobals, capglobals;
  oid *garbage;        /* gc.garbage */
  uint32_t ngarbage, capgarbage;
  uint32_t garbage_reported; /* garbage entries already emitted */

  /* gc state */
  int64_t count[3];
  uint16_t tuple_free[SIM_TUPLE_SAVE + 1]; /* tuples on each free list
                                               (20: see tuple_free_max) */
  uint16_t list_free;  /* lists on the list free list */
  int64_t threshold[3];
  int64_t long_lived_total, long_lived_pending;
  int enabled;
  int collecting;
  int saveall;
  int gc_scheduled;    /* 3.12+: an allocation asked for a collection */
  int visited;         /* PG_INCREMENTAL: which old space (GEN(1 +
                          visited)) is the visited one */
  int64_t increment_work; /* PG_INCREMENTAL: young objects increments
                          counted since the last full collection */

  /* deallocation machinery */
  struct dframe *stack;
  uint32_t nstack, capstack;
  oid *pend;
  uint32_t npend, cappend;
  oid *trash;          /* trashcan: deposited objects, LIFO */
  uint32_t ntrash, captrash;
  int trash_nesting;
  int script_depth;
  const char *phase;   /* the collector phase running user code, or NULL */
  oid clearing;        /* the object delete_garbage is tp_clear'ing */

  /* reachability scratch */
  uint8_t *mark;
  uint32_t capmark;
  int roots_dirty;     /* freed-reachable: recompute the root closure */

  /* run state */
  uint32_t step;
  int stopped;         /* a violation or internal error ends the run */
  enum sim_status status;
  struct sim_violation viol;
  oid viol_obj;        /* the violating object (0 before a violation) */
  struct vhop *vpath;  /* the violation's chain of references (graph.h) */
  uint32_t nvpath, capvpath;
  char internal[256];
  XXH3_state_t *hash;
  uint64_t nevents;
  uint8_t *fb;         /* sim_options.feedback */
  uint32_t fb_mask, fb_prev;
  struct gcs_buf line;
  uint64_t created, freed, ncollections;
  uint64_t ncleared;   /* live objects that gc tp_cleared */
  int (*on_action)(void *, struct sim *, uint32_t, uint32_t, uint32_t,
                   uint32_t); /* sim_options.on_action */
  void *on_action_user;
  /* run.c's copy of how this step's JSONL lines start, {"step":N, for the
     events that come by the million (emit_obj); step_text_len 0: none */
  uint32_t step_text_step;
  uint8_t step_text_len;
  char step_text[24];
};

#define OBJ(s, id) (&(s)->o[(id)])

/* The slots of an object: inline or on the heap, as nslots says. */
static inline oid *heap_slots(struct sobj *o) {
  return o->nslots <= SIM_INLINE_SLOTS ? o->u.inl : o->u.heap;
}
static inline const oid *heap_cslots(const struct sobj *o) {
  return o->nslots <= SIM_INLINE_SLOTS ? o->u.inl : o->u.heap;
}

/* A weakref's referent and callback; 0 for every other kind (their storage
   holds slots there). Writers check the kind themselves. */
static inline oid heap_wr_object(const struct sobj *o) {
  return o->kind == GCS_WEAKREF ? o->u.wr.object : 0;
}
static inline oid heap_wr_callback(const struct sobj *o) {
  return o->kind == GCS_WEAKREF ? o->u.wr.callback : 0;
}

/* An object's side record: s->ext[0], always empty (no weakrefs, scripts
   -1), for the objects that have none. Re-read it after anything that may
   make a record (the array moves): heap_ext_make, running a script. */
static inline const struct sext *heap_ext(const struct sim *s, oid id) {
  return &s->ext[s->o[id].ext];
}
/* The number of weakrefs to id, and the i-th (i < heap_nwl). */
static inline uint32_t heap_nwl(const struct sim *s, oid id) {
  return heap_ext(s, id)->nwl;
}
static inline oid heap_wl(const struct sim *s, oid id, uint32_t i) {
  return heap_ext(s, id)->wl[i];
}

/* Whether events are formatted at all (callers may skip building them). */
#define SIM_QUIET(s) ((s)->quiet)

/* ---- heap.c: objects, lists, refcounts, labels ---- */
#define SIM_AUTO_LABEL PROGRAM_NUMBERED_NAME
int heap_init(struct sim *s);
void heap_free(struct sim *s);
/* Free what the objects own (slots, weakref lists), keeping the node and
   label arrays and the automatic labels' strings for sim_reset(). */
void heap_drop_objects(struct sim *s);
oid heap_new(struct sim *s, uint8_t kind, uint8_t flags, const char *label);
const char *heap_label(const struct sim *s, oid id);
/* Does the object take part in gc (tracked kinds)? */
static inline int heap_is_gc(const struct sim *s, oid id) {
  uint8_t k = s->o[id].kind;
  return k == GCS_OBJECT || k == GCS_NOCLEAR || k == GCS_FUNCTION ||
         k == GCS_WEAKREF;
}
int heap_has_clear(const struct sim *s, oid id);
int heap_supports_weakrefs(const struct sim *s, oid id);
void list_init(struct sim *s, oid head);
int list_empty(const struct sim *s, oid head);
oid list_first(const struct sim *s, oid head);
void list_remove(struct sim *s, oid node);
void list_append(struct sim *s, oid node, oid head);
void list_move(struct sim *s, oid node, oid head);
void list_merge(struct sim *s, oid from, oid to);
uint64_t list_size(const struct sim *s, oid head);
void heap_track(struct sim *s, oid id);
void heap_untrack(struct sim *s, oid id);
int heap_slot_append(struct sim *s, oid holder, oid target);
/* The capacity of a heap slot array of n > SIM_INLINE_SLOTS slots. */
static inline uint32_t heap_slot_cap(uint32_t n) {
  uint32_t c = 2 * SIM_INLINE_SLOTS;
  while (c < n) c *= 2;
  return c;
}
/* id's side record, made (empty) if it has none; NULL when out of memory
   (the run stopped). */
struct sext *heap_ext_make(struct sim *s, oid id);
int heap_wl_insert(struct sim *s, oid referent, oid wr);
void heap_wl_remove(struct sim *s, oid referent, oid wr);
void heap_incref(struct sim *s, oid id);
void heap_decref(struct sim *s, oid id);
void heap_hold(struct sim *s, oid id);
void heap_release(struct sim *s, oid id);
int heap_global_add(struct sim *s, uint32_t sym, oid obj);
void heap_gc_alloc(struct sim *s);
void heap_gc_del(struct sim *s, int64_t n);
void heap_tuple_new(struct sim *s, uint32_t size);
void heap_tuple_free(struct sim *s, uint32_t size);
void heap_list_new(struct sim *s);
void heap_list_free(struct sim *s);
int sim_oom(struct sim *s);

/* ---- dealloc.c: the tp_dealloc cascade as a worklist ---- */
void dealloc_run(struct sim *s, oid id);
void dealloc_push(struct sim *s, oid id);
void dealloc_loop(struct sim *s, uint32_t base);
void dealloc_describe(struct sim *s, struct gcs_buf *out);

/* ---- weakref.c ---- */
oid weakref_new(struct sim *s, oid target, oid callback, const char *label);
void weakref_clear_ref(struct sim *s, oid wr, int by_gc);
void weakref_clear_all(struct sim *s, oid obj, uint32_t frame);
int weakref_call_callback(struct sim *s, oid wr, oid callback);

/* ---- gc.c: the collector ---- */
int64_t gc_collect_with_callback(struct sim *s, int gen);
int64_t gc_collect_main(struct sim *s, int gen, int shutdown,
                        int64_t *collected, int64_t *uncollectable);
void gc_maybe_collect_on_alloc(struct sim *s);
void gc_run_scheduled(struct sim *s);
int64_t gc_collect_request(struct sim *s, int gen, int nested);

/* ---- script.c: finalizers and callbacks ---- */
enum script_kind { SK_FINALIZE = 0, SK_CALL = 1, SK_TP_DEL = 2 };
void script_run(struct sim *s, int32_t script, oid self, oid arg,
                enum script_kind kind);
void script_touch_all_tracked(struct sim *s, oid by);
void script_finalize(struct sim *s, oid id);
oid script_resolve(struct sim *s, const struct gcs_path *p);

/* ---- check.c: invariants and violations ---- */
/* Stop the run with a violation. actor: who reached obj (see
   sim_violation.actor); NULL = the running script, or top-level. */
void sim_violate(struct sim *s, enum sim_vkind kind, oid obj,
                 const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Stop the run: the program exceeded a budget of sim_options. */
void sim_budget(struct sim *s, const char *what, uint64_t limit);
void sim_internal(struct sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int check_bookkeeping(struct sim *s);
/* The audit a statement or script action ends with, as s->audit says. */
void check_after_step(struct sim *s);
void check_exposed_cleared(struct sim *s);
void check_roots_mark(struct sim *s);
int check_clear_allowed(struct sim *s, oid id);

/* ---- graph.c: the violation's chain, recorded for snapshots ---- */
/* Forget the chain (before a violation's chain is told). Both functions do
   nothing once the run stopped: the first violation's chain stays. */
void graph_path_reset(struct sim *s);
void graph_path_add(struct sim *s, oid obj, enum graph_hop_kind kind,
                    int32_t slot, const char *name);

/* ---- run.c: events ---- */
void sim_emit(struct sim *s, struct gcs_event *e);
void emit_obj(struct sim *s, enum gcs_ev ev, oid a);
/* An objs event (unreachable, resurrected) naming list head's objects, its
   line written from the list: only when there is no sink. */
void emit_list_line(struct sim *s, enum gcs_ev ev, oid head);

#endif
