/*
** heap.c — objects, the gc lists, reference counts and labels.
**
** The lists mirror CPython's PyGC_Head lists: circular, doubly linked,
** tracking appends at the tail of generation 0, gc_list_move unlinks and
** appends at the tail, gc_list_merge splices at the tail.
*/
#define GCSIM_SIM_INTERNAL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

int sim_oom(struct sim *s) {
  if (!s->stopped) {
    snprintf(s->internal, sizeof s->internal, "out of memory");
    s->status = SIM_INTERNAL;
    s->stopped = 1;
  }
  return -1;
}

static int grow(void **arr, uint32_t need, uint32_t *cap, size_t elem) {
  return sim_grow(arr, need, cap, elem, 16);
}

int heap_init(struct sim *s) {
  if (grow((void **)&s->o, SIM_FIRST_OBJ, &s->cap, sizeof *s->o)) return -1;
  memset(s->o, 0, SIM_FIRST_OBJ * sizeof *s->o);
  s->n = SIM_FIRST_OBJ;
  /* ext[0]: the empty record of every object without one (heap_ext) */
  if (grow((void **)&s->ext, 1, &s->capext, sizeof *s->ext)) return -1;
  s->ext[0] = (struct sext){NULL, 0, 0, -1, -1};
  s->next_ext = 1;
  for (oid h = 1; h < SIM_NLISTS; h++) list_init(s, h);
  return 0;
}

void heap_drop_objects(struct sim *s) {
  for (uint32_t i = SIM_FIRST_OBJ; i < s->n; i++)
    if (s->o[i].nslots > SIM_INLINE_SLOTS) free(s->o[i].u.heap);
  for (uint32_t i = 1; i < s->next_ext; i++) free(s->ext[i].wl);
  s->next_ext = 0;
  for (uint32_t i = 0; i < s->nauto; i++)
    sim_scribble(s->auto_labels[i], SIM_AUTO_LABEL);
  s->n = 0;
  s->nauto = 0;
}

void heap_free(struct sim *s) {
  heap_drop_objects(s);
  for (uint32_t i = 0; i < s->nauto_made; i++) free(s->auto_labels[i]);
  free(s->o);
  free(s->ext);
  free(s->auto_labels);
  free(s->labels);
}

/* Intern a label string (names point into the program, which outlives s). */
static uint32_t label_add(struct sim *s, const char *label) {
  if (grow((void **)&s->labels, s->nlabels + 1, &s->caplabels,
           sizeof *s->labels))
    return UINT32_MAX;
  s->labels[s->nlabels] = label;
  return s->nlabels++;
}

/* An automatic label: o1, o2, ... for objects, w1, w2, ... for weakrefs.
   The strings outlive a run (heap_drop_objects), so that a model reused
   for the next fuzz input writes into them instead of allocating. */
static const char *auto_label(struct sim *s, int weak) {
  if (s->nauto == s->nauto_made) {
    if (grow((void **)&s->auto_labels, s->nauto + 1, &s->capauto,
             sizeof *s->auto_labels))
      return NULL;
    char *fresh = malloc(SIM_AUTO_LABEL);
    if (!fresh) return NULL;
    s->auto_labels[s->nauto_made++] = fresh;
  }
  char *out = s->auto_labels[s->nauto++];
  uint32_t n = weak ? ++s->next_w : ++s->next_o;
  return program_numbered_name(out, weak ? "w" : "o", n);
}

oid heap_new(struct sim *s, uint8_t kind, uint8_t flags, const char *label) {
  if (s->max_objects && s->created >= s->max_objects) {
    sim_budget(s, "objects", s->max_objects);
    return 0;
  }
  if (!label) label = auto_label(s, kind == GCS_WEAKREF);
  if (!label || grow((void **)&s->o, s->n + 1, &s->cap, sizeof *s->o)) {
    sim_oom(s);
    return 0;
  }
  /* the label's index is id - SIM_FIRST_OBJ: one label per object made */
  if (label_add(s, label) == UINT32_MAX) {
    sim_oom(s);
    return 0;
  }
  oid id = s->n++;
  struct sobj *o = OBJ(s, id);
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->flags = flags;
  o->alive = 1;
  o->rc = 1;
  s->created++;
  return id;
}

const char *heap_label(const struct sim *s, oid id) {
  if (id < SIM_FIRST_OBJ || id >= s->n) return "None";
  return s->labels[id - SIM_FIRST_OBJ];
}

/* Does the type have a tp_clear that gc calls? */
int heap_has_clear(const struct sim *s, oid id) {
  switch (s->o[id].kind) {
  case GCS_OBJECT:
  case GCS_WEAKREF: return 1;
  case GCS_FUNCTION: return s->pol.function_clear != PF_NONE;
  default: return 0;
  }
}

/* weakref.ref objects cannot themselves be weakly referenced. */
int heap_supports_weakrefs(const struct sim *s, oid id) {
  return s->o[id].kind != GCS_WEAKREF;
}

/* ---- lists ---- */

void list_init(struct sim *s, oid head) {
  s->o[head].prev = s->o[head].next = head;
}

int list_empty(const struct sim *s, oid head) {
  return s->o[head].next == head;
}

oid list_first(const struct sim *s, oid head) { return s->o[head].next; }

void list_remove(struct sim *s, oid node) {
  struct sobj *x = OBJ(s, node);
  s->o[x->prev].next = x->next;
  s->o[x->next].prev = x->prev;
  x->prev = x->next = 0;
  x->list = L_NONE;
}

void list_append(struct sim *s, oid node, oid head) {
  struct sobj *x = OBJ(s, node);
  oid last = s->o[head].prev;
  x->prev = last;
  x->next = head;
  s->o[last].next = node;
  s->o[head].prev = node;
  x->list = (uint8_t)head;
}

void list_move(struct sim *s, oid node, oid head) {
  list_remove(s, node);
  list_append(s, node, head);
}

void list_merge(struct sim *s, oid from, oid to) {
  if (from == to || list_empty(s, from)) return;
  for (oid x = s->o[from].next; x != from; x = s->o[x].next)
    s->o[x].list = (uint8_t)to;
  oid tail = s->o[to].prev;
  oid first = s->o[from].next, last = s->o[from].prev;
  s->o[tail].next = first;
  s->o[first].prev = tail;
  s->o[last].next = to;
  s->o[to].prev = last;
  list_init(s, from);
}

uint64_t list_size(const struct sim *s, oid head) {
  uint64_t n = 0;
  for (oid x = s->o[head].next; x != head; x = s->o[x].next) n++;
  return n;
}

/* PN_TRACK: _PyObject_GC_TRACK counts one more tracked object, and
   schedules a collection over threshold0 (3.14, pycore_gc.h). */
static void count_track(struct sim *s) {
  s->count[0]++;
  gc_maybe_collect_on_alloc(s);
}

/* PN_TRACK: _PyObject_GC_UNTRACK counts one fewer, never below 0. */
static void count_untrack(struct sim *s) {
  if (s->count[0] > 0) s->count[0]--;
}

/* _PyObject_GC_TRACK: append at the tail of generation 0. */
void heap_track(struct sim *s, oid id) {
  if (s->o[id].list != L_NONE) return;
  list_append(s, id, L_GEN0);
  if (s->pol.count_on == PN_TRACK) count_track(s);
}

/* PyObject_GC_UnTrack: unlink from whatever list (a no-op if untracked). */
void heap_untrack(struct sim *s, oid id) {
  if (s->o[id].list == L_NONE) return;
  list_remove(s, id);
  if (s->pol.count_on == PN_TRACK) count_untrack(s);
}

/* ---- slots and weakref lists ---- */

/* Slots start inline; the append past SIM_INLINE_SLOTS moves them to a heap
   array, whose capacity (heap_slot_cap) doubles whenever nslots reaches it. */
int heap_slot_append(struct sim *s, oid holder, oid target) {
  struct sobj *h = OBJ(s, holder);
  uint32_t n = h->nslots;
  if (n > SIM_INLINE_SLOTS && (n & (n - 1)) != 0) { /* room on the heap */
    h->u.heap[n] = target;
    h->nslots = n + 1;
    return 0;
  }
  if (n < SIM_INLINE_SLOTS) {
    if (h->kind == GCS_WEAKREF) { /* its slot storage is u.wr */
      sim_internal(s, "slot appended to weakref %s", heap_label(s, holder));
      return -1;
    }
    h->u.inl[n] = target;
    h->nslots = n + 1;
    return 0;
  }
  if (n == SIM_INLINE_SLOTS) {
    oid *a = malloc(heap_slot_cap(n + 1) * sizeof *a);
    if (!a) return sim_oom(s);
    memcpy(a, h->u.inl, sizeof h->u.inl);
    h->u.heap = a;
  } else { /* n is a power of two, heap_slot_cap(n): full */
    if (n > UINT32_MAX / 2) return sim_oom(s);
    oid *a = realloc(h->u.heap, (size_t)n * 2 * sizeof *a);
    if (!a) return sim_oom(s);
    h->u.heap = a;
  }
  h->u.heap[n] = target;
  h->nslots = n + 1;
  return 0;
}

struct sext *heap_ext_make(struct sim *s, oid id) {
  if (!s->o[id].ext) {
    if (grow((void **)&s->ext, s->next_ext + 1, &s->capext, sizeof *s->ext)) {
      sim_oom(s);
      return NULL;
    }
    s->ext[s->next_ext] = (struct sext){NULL, 0, 0, -1, -1};
    s->o[id].ext = s->next_ext++;
  }
  return &s->ext[s->o[id].ext];
}

/*
** Insert wr into referent's weakref list in CPython's order: a callback-less
** ref is the shared basic ref at the head; any other ref goes right after
** the basic ref, i.e. the non-basic part is newest first.
*/
int heap_wl_insert(struct sim *s, oid referent, oid wr) {
  struct sext *r = heap_ext_make(s, referent);
  if (!r) return -1;
  if (sim_grow((void **)&r->wl, r->nwl + 1, &r->capwl, sizeof *r->wl, 2))
    return sim_oom(s);
  uint32_t pos = 0;
  if (heap_wr_callback(OBJ(s, wr)) != 0 && r->nwl > 0 &&
      heap_wr_callback(OBJ(s, r->wl[0])) == 0)
    pos = 1;
  memmove(r->wl + pos + 1, r->wl + pos, (r->nwl - pos) * sizeof *r->wl);
  r->wl[pos] = wr;
  r->nwl++;
  return 0;
}

void heap_wl_remove(struct sim *s, oid referent, oid wr) {
  if (!s->o[referent].ext) return; /* never leave ext[0] writable */
  struct sext *r = &s->ext[s->o[referent].ext];
  for (uint32_t i = 0; i < r->nwl; i++)
    if (r->wl[i] == wr) {
      memmove(r->wl + i, r->wl + i + 1, (r->nwl - i - 1) * sizeof *r->wl);
      r->nwl--;
      return;
    }
}

/* ---- reference counts ---- */

/* rc (and tmp, gc_refs below it) are 32-bit: stop rather than wrap. */
static void rc_overflow(struct sim *s, oid id) {
  sim_internal(s, "refcount of %s overflows", heap_label(s, id));
}

void heap_incref(struct sim *s, oid id) {
  if (s->o[id].rc == INT32_MAX) {
    rc_overflow(s, id);
    return;
  }
  s->o[id].rc++;
}

/* Py_DECREF: at zero, run the whole deallocation cascade before returning. */
void heap_decref(struct sim *s, oid id) {
  struct sobj *o = OBJ(s, id);
  if (o->rc <= 0) {
    sim_internal(s, "decref of %s with refcount %lld", heap_label(s, id),
                 (long long)o->rc);
    return;
  }
  if (--o->rc == 0) dealloc_run(s, id);
}

/* A temporary reference the model holds, as a Python frame holds what an
   expression evaluated (0 is ignored). */
void heap_hold(struct sim *s, oid id) {
  if (!id) return;
  if (s->o[id].rc == INT32_MAX) {
    rc_overflow(s, id);
    return;
  }
  s->o[id].rc++;
  s->o[id].tmp++;
}

void heap_release(struct sim *s, oid id) {
  if (!id || s->stopped) return;
  s->o[id].tmp--;
  heap_decref(s, id);
}

/* Append a global (name binding or keep); returns its index, -1 on OOM. */
int heap_global_add(struct sim *s, uint32_t sym, oid obj) {
  if (grow((void **)&s->globals, s->nglobals + 1, &s->capglobals,
           sizeof *s->globals))
    return sim_oom(s);
  s->globals[s->nglobals].obj = obj;
  s->globals[s->nglobals].sym = sym;
  return (int)s->nglobals++;
}

/*
** A gc allocation (_PyObject_GC_Alloc / _PyObject_GC_Link): count it, and
** collect (<= 3.11) or schedule a collection (3.12+) when over threshold0.
** PN_TRACK counts the tracking instead (heap_track).
*/
void heap_gc_alloc(struct sim *s) {
  if (s->pol.count_on == PN_TRACK) return;
  s->count[0]++;
  gc_maybe_collect_on_alloc(s);
}

/* PyObject_GC_Del of n gc objects: each takes one off generation 0's
   count, which never goes below 0. PN_TRACK: nothing, the untracking that
   comes first counted it (an object freed untracked is not counted). */
void heap_gc_del(struct sim *s, int64_t n) {
  if (s->pol.count_on == PN_TRACK) return;
  s->count[0] = s->count[0] > n ? s->count[0] - n : 0;
}

/* A container from a free list (*nfree of them), else a gc allocation
   (see SIM_TUPLE_SAVE in sim_int.h). */
static void from_free_list(struct sim *s, uint16_t *nfree) {
  if (nfree && *nfree > 0) (*nfree)--;
  else heap_gc_alloc(s);
  /* the new container is tracked at once (PyTuple_New, PyList_New) */
  if (s->pol.count_on == PN_TRACK && !s->stopped) count_track(s);
}

/* Its dealloc: back on a free list that has room, else PyObject_GC_Del. */
static void to_free_list(struct sim *s, uint16_t *nfree, uint16_t room) {
  if (s->pol.count_on == PN_TRACK) count_untrack(s); /* untracked first */
  if (nfree && *nfree < room) {
    (*nfree)++;
    return;
  }
  heap_gc_del(s, 1);
}

/* PyTuple_New(size), and tupledealloc once its items are released. */
void heap_tuple_new(struct sim *s, uint32_t size) {
  int reused = size <= SIM_TUPLE_SAVE && (int64_t)size <= s->pol.tuple_pop_max;
  from_free_list(s, reused ? &s->tuple_free[size] : NULL);
}
void heap_tuple_free(struct sim *s, uint32_t size) {
  int kept = size <= SIM_TUPLE_SAVE && (int64_t)size <= s->pol.tuple_free_max;
  to_free_list(s, kept ? &s->tuple_free[size] : NULL, SIM_TUPLE_FREELIST);
}

/* PyList_New(0), and list_dealloc. */
void heap_list_new(struct sim *s) { from_free_list(s, &s->list_free); }
void heap_list_free(struct sim *s) {
  to_free_list(s, &s->list_free, SIM_LIST_FREELIST);
}
