/*
** check.c — violations (findings) and the model's own bookkeeping
** (internal errors).
**
** A violation is something CPython would do: a crash or a broken promise.
** A bookkeeping failure is the model being wrong; it ends the run with
** SIM_INTERNAL and is never reported as a finding.
*/
#define GCSIM_SIM_INTERNAL
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

static const char *const vkind_names[SV_NKINDS] = {
    "none",          "touch-after-clear", "call-after-clear",
    "use-after-free", "finalizer-twice",  "exposed-cleared",
    "freed-reachable", "list-corrupt"};

const char *sim_vkind_name(enum sim_vkind k) {
  return (unsigned)k < SV_NKINDS ? vkind_names[k] : "?";
}

static const char *const actor_names[] = {"finalizer", "callback", "tp_del"};

void sim_violate(struct sim *s, enum sim_vkind kind, oid obj,
                 const char *actor, const char *fmt, ...) {
  if (s->stopped) return;
  s->viol.kind = kind;
  s->viol.step = s->step;
  s->viol_obj = obj;
  snprintf(s->viol.obj, sizeof s->viol.obj, "%s", heap_label(s, obj));
  s->viol.obj_kind = s->o[obj].kind;
  s->viol.obj_flags = s->o[obj].flags;
  if (!actor)
    actor = s->actor >= 0 && s->actor <= SK_TP_DEL ? actor_names[s->actor]
                                                   : "top-level";
  snprintf(s->viol.actor, sizeof s->viol.actor, "%s", actor);
  snprintf(s->viol.phase, sizeof s->viol.phase, "%s",
           s->phase ? s->phase : "refcount");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->viol.detail, sizeof s->viol.detail, fmt, ap);
  va_end(ap);
  struct gcs_event e = {0};
  e.ev = EV_VIOLATION;
  e.a = s->viol.obj;
  e.text = s->viol.detail;
  e.text2 = sim_vkind_name(kind);
  sim_emit(s, &e);
  s->status = SIM_VIOLATION;
  s->stopped = 1;
}

void sim_budget(struct sim *s, const char *what, uint64_t limit) {
  if (s->stopped) return;
  snprintf(s->internal, sizeof s->internal,
           "budget exceeded: more than %llu %s", (unsigned long long)limit,
           what);
  s->status = SIM_BADINPUT;
  s->stopped = 1;
}

void sim_internal(struct sim *s, const char *fmt, ...) {
  if (s->stopped) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->internal, sizeof s->internal, fmt, ap);
  va_end(ap);
  s->status = SIM_INTERNAL;
  s->stopped = 1;
}

/* ---- reachability from the roots (names, globals, gc.garbage) ---- */

static int mark_reserve(struct sim *s) {
  if (s->capmark < s->n) {
    uint8_t *q = realloc(s->mark, s->n);
    if (!q) return sim_oom(s);
    s->mark = q;
    s->capmark = s->n;
  }
  memset(s->mark, 0, s->n);
  return 0;
}

/* Mark everything reachable by strong references from the roots. */
void check_roots_mark(struct sim *s) {
  if (mark_reserve(s)) return;
  oid *stack = malloc((size_t)s->n * sizeof *stack);
  if (!stack) {
    sim_oom(s);
    return;
  }
  uint32_t sp = 0;
#define PUSH(x)                                                              \
  do {                                                                       \
    oid x_ = (x);                                                            \
    if (x_ && !s->mark[x_]) {                                                \
      s->mark[x_] = 1;                                                       \
      stack[sp++] = x_;                                                      \
    }                                                                        \
  } while (0)
  for (uint32_t i = 0; i < s->nglobals; i++) PUSH(s->globals[i].obj);
  for (uint32_t i = 0; i < s->ngarbage; i++) PUSH(s->garbage[i]);
  while (sp) {
    oid x = stack[--sp];
    const struct sobj *o = OBJ(s, x);
    if (o->kind == GCS_WEAKREF) PUSH(heap_wr_callback(o));
    const oid *slots = heap_cslots(o);
    for (uint32_t i = 0; i < o->nslots; i++) PUSH(slots[i]);
  }
#undef PUSH
  free(stack);
  s->roots_dirty = 0;
}

/* freed-reachable: may gc tp_clear x? */
int check_clear_allowed(struct sim *s, oid x) {
  if (s->roots_dirty) check_roots_mark(s);
  if (s->stopped) return -1;
  if (s->mark[x]) {
    sim_violate(s, SV_FREED_REACHABLE, x, "gc",
                "gc is about to tp_clear %s, which user code can still reach "
                "from a name or global",
                heap_label(s, x));
    return -1;
  }
  return 0;
}

/* exposed-cleared: after a collection, no tp_cleared object may survive
   where user code can reach it (a gc list, or reachable from a root). */
void check_exposed_cleared(struct sim *s) {
  if (!s->ncleared) return;
  int marked = 0;
  for (oid x = SIM_FIRST_OBJ; x < s->n && !s->stopped; x++) {
    const struct sobj *o = OBJ(s, x);
    if (!o->alive || !o->cleared) continue;
    if (o->list >= L_GEN0 && o->list <= L_GEN2) {
      sim_violate(s, SV_EXPOSED_CLEARED, x, "gc",
                  "%s survived tp_clear and sits in generation %u, where "
                  "gc.get_objects() returns it",
                  heap_label(s, x), (unsigned)(o->list - L_GEN0));
      return;
    }
    if (!marked) {
      check_roots_mark(s);
      marked = 1;
    }
    if (!s->stopped && s->mark[x]) {
      sim_violate(s, SV_EXPOSED_CLEARED, x, "gc",
                  "%s survived tp_clear and is reachable from a name",
                  heap_label(s, x));
      return;
    }
  }
}

/* ---- bookkeeping: the walker ---- */

static int bad(struct sim *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int bad(struct sim *s, const char *fmt, ...) {
  char msg[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sim_internal(s, "bookkeeping: %s", msg);
  return SIM_INTERNAL;
}

static int check_lists(struct sim *s) {
  uint64_t on_lists = 0, tracked = 0;
  for (oid h = 1; h < SIM_NLISTS; h++) {
    oid prev = h;
    for (oid x = s->o[h].next; x != h; x = s->o[x].next) {
      if (x < SIM_FIRST_OBJ || x >= s->n)
        return bad(s, "list %u links to node %u", (unsigned)h, (unsigned)x);
      if (s->o[x].prev != prev)
        return bad(s, "%s: prev link broken", heap_label(s, x));
      if (s->o[x].list != h)
        return bad(s, "%s is on list %u but says %u", heap_label(s, x),
                   (unsigned)h, (unsigned)s->o[x].list);
      if (!s->o[x].alive || !heap_is_gc(s, x))
        return bad(s, "%s is on a list but is freed or not gc",
                   heap_label(s, x));
      prev = x;
      if (++on_lists > s->n) return bad(s, "list %u is cyclic", (unsigned)h);
    }
    if (s->o[h].prev != prev) return bad(s, "list %u tail broken", (unsigned)h);
  }
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++)
    if (s->o[x].list != L_NONE) tracked++;
  if (tracked != on_lists)
    return bad(s, "%llu objects say tracked, %llu are on lists",
               (unsigned long long)tracked, (unsigned long long)on_lists);
  return 0;
}

static int check_weakrefs(struct sim *s) {
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = OBJ(s, x);
    if (o->ext >= s->next_ext)
      return bad(s, "%s's side record %u is past the end (%u)",
                 heap_label(s, x), (unsigned)o->ext, (unsigned)s->next_ext);
    oid ref = heap_wr_object(o);
    if (ref && s->o[ref].ext < s->next_ext) { /* else found at ref */
      const struct sext *r = heap_ext(s, ref);
      uint32_t seen = 0;
      for (uint32_t i = 0; i < r->nwl; i++) seen += r->wl[i] == x;
      if (!s->o[ref].alive || seen != 1)
        return bad(s, "weakref %s -> %s: back-link broken", heap_label(s, x),
                   heap_label(s, ref));
    }
    const struct sext *e = heap_ext(s, x);
    for (uint32_t i = 0; i < e->nwl; i++) {
      oid w = e->wl[i];
      if (w < SIM_FIRST_OBJ || w >= s->n || s->o[w].kind != GCS_WEAKREF ||
          heap_wr_object(OBJ(s, w)) != x)
        return bad(s, "%s's weakref list holds a stray entry",
                   heap_label(s, x));
    }
  }
  return 0;
}

void check_after_step(struct sim *s) {
  if (s->stopped || s->audit == SIM_AUDIT_NONE) return;
  if (s->audit == SIM_AUDIT_SCALED && s->nevents - s->audit_at < (uint64_t)s->n)
    return;
  s->audit_at = s->nevents;
  check_bookkeeping(s);
}

int check_bookkeeping(struct sim *s) {
  if (s->stopped) return (int)s->status;
  /* the layout's derived fields (sim_int.h, struct sobj) */
  if (s->nlabels != s->n - SIM_FIRST_OBJ)
    return bad(s, "%u labels for %u objects", (unsigned)s->nlabels,
               (unsigned)(s->n - SIM_FIRST_OBJ));
  if (s->ext[0].nwl || s->ext[0].fin_script != -1 ||
      s->ext[0].call_script != -1)
    return bad(s, "the empty side record was written");
  int64_t *held = calloc(s->n, sizeof *held);
  if (!held) return sim_oom(s), SIM_INTERNAL;
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++) {
    const struct sobj *o = OBJ(s, x);
    if (!o->alive) continue;
    if (o->kind == GCS_WEAKREF) { /* its slot storage is u.wr */
      if (o->nslots) {
        free(held);
        return bad(s, "weakref %s has %u slots", heap_label(s, x),
                   (unsigned)o->nslots);
      }
      if (o->u.wr.callback) held[o->u.wr.callback]++;
      continue;
    }
    const oid *slots = heap_cslots(o);
    for (uint32_t i = 0; i < o->nslots; i++) held[slots[i]]++;
  }
  for (uint32_t i = 0; i < s->nglobals; i++) held[s->globals[i].obj]++;
  for (uint32_t i = 0; i < s->ngarbage; i++) held[s->garbage[i]]++;
  for (uint32_t f = 0; f < s->nstack; f++)
    for (uint32_t i = s->stack[f].pend_lo; i < s->stack[f].pend_hi; i++)
      held[s->pend[i]]++;
  int rc = 0;
  for (oid x = SIM_FIRST_OBJ; x < s->n && !rc; x++) {
    const struct sobj *o = OBJ(s, x);
    if (!o->alive) {
      if (o->rc || o->nslots || o->list != L_NONE || held[x] ||
          (o->ext && (o->ext >= s->next_ext || heap_nwl(s, x))))
        rc = bad(s, "freed %s still has references or links",
                 heap_label(s, x));
      continue;
    }
    if (o->rc != held[x] + o->tmp)
      rc = bad(s, "%s has refcount %lld but %lld references are held",
               heap_label(s, x), (long long)o->rc,
               (long long)(held[x] + o->tmp));
  }
  free(held);
  if (rc) return rc;
  for (uint32_t i = 0; i < s->nnames; i++)
    if (s->names[i] && !s->o[s->names[i]].alive)
      return bad(s, "name %s is bound to a freed object",
                 program_sym_name(s->prog, i));
  if ((rc = check_lists(s))) return rc;
  return check_weakrefs(s);
}
