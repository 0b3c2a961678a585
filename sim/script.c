/*
** script.c — what finalizers and callbacks do, under the realism rule.
**
** User code reaches objects only as Python code can: self, the callback's
** weakref argument, names bound at top level, and paths from those (.N
** follows slot N, () calls a weakref). Resolving a path reads every object
** on it: a freed one is use-after-free, a tp_cleared one touch-after-clear
** (call-after-clear for a function that is called). A path through an empty
** slot, a dead weakref or an unbound name resolves to nothing, and the
** action does nothing, as Python code would raise or see None.
**
** Objects an action resolved are held (as a Python frame holds its locals)
** until the action ends, so a collection that the action sets off cannot
** free them underneath it.
*/
#define GCSIM_SIM_INTERNAL
#include <stdio.h>
#include <string.h>

#include "sim_int.h"

struct sctx {
  oid self, arg;
  enum script_kind kind;
};

/* Describe the path p as far as step `upto` (-1: the root only), object by
   object, and record it as the violation's chain (graph.h). Only called on
   a violation: the objects are as they were read. */
static void describe_path(struct sim *s, const struct sctx *cx,
                          const struct gcs_path *p, int upto,
                          struct gcs_buf *out) {
  oid cur = 0;
  graph_path_reset(s);
  switch (p->root) {
  case GCS_ROOT_SELF:
    cur = cx->self;
    buf_puts(out, "self");
    graph_path_add(s, cur, GRAPH_HOP_SELF, (int32_t)cx->kind, NULL);
    break;
  case GCS_ROOT_ARG:
    cur = cx->arg;
    buf_puts(out, "arg");
    graph_path_add(s, cur, GRAPH_HOP_ARG, (int32_t)cx->kind, NULL);
    break;
  default:
    cur = p->sym < s->nnames ? s->names[p->sym] : 0;
    buf_printf(out, "name %s", program_sym_name(s->prog, p->sym));
    graph_path_add(s, cur, GRAPH_HOP_NAME, 0,
                   program_sym_name(s->prog, p->sym));
    break;
  }
  buf_printf(out, " = %s", heap_label(s, cur));
  for (int i = 0; i < upto; i++) {
    const struct sobj *o = OBJ(s, cur);
    int32_t step = program_step(&s->prog->steps, p, (unsigned)i);
    if (step == GCS_STEP_CALL) {
      cur = heap_wr_object(o);
      buf_printf(out, " -> () = %s", heap_label(s, cur));
      graph_path_add(s, cur, GRAPH_HOP_CALL, 0, NULL);
    } else {
      cur = heap_cslots(o)[step];
      buf_printf(out, " -> .%d = %s", (int)step, heap_label(s, cur));
      graph_path_add(s, cur, GRAPH_HOP_SLOT, step, NULL);
    }
  }
}

/* Read the object reached after `upto` steps of p; returns -1 (and stops
   the run) on a violation. `is_call`: the object is about to be called. */
static int read_obj(struct sim *s, const struct sctx *cx,
                    const struct gcs_path *p, int upto, oid id, int is_call) {
  const struct sobj *o = OBJ(s, id);
  if (o->alive && !o->cleared) return 0;
  struct gcs_buf chain;
  buf_init(&chain);
  describe_path(s, cx, p, upto, &chain);
  const char *c = chain.p ? chain.p : "";
  if (!o->alive)
    sim_violate(s, SV_USE_AFTER_FREE, id, NULL,
                "user code reached %s, which was freed; path: %s",
                heap_label(s, id), c);
  else if (is_call && o->kind == GCS_FUNCTION)
    sim_violate(s, SV_CALL_AFTER_CLEAR, id, NULL,
                "user code called %s after gc tp_clear'ed it (%s); path: %s",
                heap_label(s, id),
                s->pol.function_clear == PF_UNCALLABLE
                    ? "func_code is NULL: a crash"
                    : "the function is empty",
                c);
  else
    sim_violate(s, SV_TOUCH_AFTER_CLEAR, id, NULL,
                "user code reached %s after gc tp_clear'ed it; path: %s",
                heap_label(s, id), c);
  buf_free(&chain);
  return -1;
}

/* Resolve a path to an object, or 0 (nothing, or the run stopped). */
/* One step of a path from cur: slot N, or () for a weakref's referent;
   0 when it reaches nothing. */
static oid path_step(const struct sim *s, oid cur, int32_t step) {
  const struct sobj *o = OBJ(s, cur);
  if (step == GCS_STEP_CALL) {
    /* PyWeakref_GET_OBJECT: None once cleared, or while the referent's
       refcount is 0 (being deallocated, or in the trashcan) */
    if (o->kind != GCS_WEAKREF || !heap_wr_object(o) ||
        s->o[heap_wr_object(o)].rc == 0)
      return 0;
    return heap_wr_object(o);
  }
  uint32_t k = (uint32_t)step;
  if (o->kind == GCS_WEAKREF || k >= o->nslots) return 0;
  return heap_cslots(o)[k];
}

static oid resolve(struct sim *s, const struct sctx *cx,
                   const struct gcs_path *p, int is_call) {
  oid cur = 0;
  switch (p->root) {
  case GCS_ROOT_SELF: cur = cx->self; break;
  case GCS_ROOT_ARG: cur = cx->arg; break;
  case GCS_ROOT_NAME: cur = p->sym < s->nnames ? s->names[p->sym] : 0; break;
  default: break;
  }
  if (!cur) return 0;
  if (read_obj(s, cx, p, 0, cur, is_call && p->nsteps == 0)) return 0;
  for (unsigned i = 0; i < p->nsteps; i++) {
    if (!(cur = path_step(s, cur, program_step(&s->prog->steps, p, i))))
      return 0;
    if (read_obj(s, cx, p, (int)i + 1, cur, is_call && i + 1 == p->nsteps))
      return 0;
  }
  return cur;
}

oid script_resolve(struct sim *s, const struct gcs_path *p) {
  struct sctx cx = {0, 0, SK_CALL};
  return resolve(s, &cx, p, 0);
}

static int can_hold_refs(const struct sim *s, oid id) {
  uint8_t k = s->o[id].kind;
  return k != GCS_LEAF && k != GCS_WEAKREF;
}

static void emit_rejected(struct sim *s, const char *reason) {
  struct gcs_event e = {0};
  e.ev = EV_REJECTED;
  e.text = reason;
  sim_emit(s, &e);
}

/* Call an object (the `call` action): runs its call script, if any. */
static void call_object(struct sim *s, oid x) {
  script_run(s, heap_ext(s, x)->call_script, x, 0, SK_CALL);
}

/* drop PATH: a bound name, else the newest keep-global holding the object. */
static void drop(struct sim *s, const struct sctx *cx, const struct gcs_path *p) {
  if (p->root == GCS_ROOT_NAME && p->nsteps == 0) {
    uint32_t sym = p->sym;
    oid x = sym < s->nnames ? s->names[sym] : 0;
    if (!x) return;
    s->names[sym] = 0;
    s->globals[s->name_global[sym] - 1].obj = 0;
    s->name_global[sym] = 0;
    heap_decref(s, x);
    return;
  }
  oid x = resolve(s, cx, p, 0);
  if (!x) return;
  for (uint32_t i = s->nglobals; i-- > 0;)
    if (s->globals[i].sym == UINT32_MAX && s->globals[i].obj == x) {
      s->globals[i].obj = 0;
      heap_decref(s, x);
      return;
    }
}

static void action(struct sim *s, const struct sctx *cx,
                   const struct gcs_action *a) {
  oid x = 0, y = 0, z = 0;
  switch (a->act) {
  case GCS_A_TOUCH:
    resolve(s, cx, &a->a, 0);
    return;
  case GCS_A_CALL:
    x = resolve(s, cx, &a->a, 1);
    if (!x) return;
    heap_hold(s, x);
    call_object(s, x);
    heap_release(s, x);
    return;
  case GCS_A_KEEP:
    x = resolve(s, cx, &a->a, 0);
    if (!x) return;
    if (heap_global_add(s, UINT32_MAX, x) < 0) return;
    heap_incref(s, x);
    s->roots_dirty = 1;
    return;
  case GCS_A_DROP:
    drop(s, cx, &a->a);
    return;
  case GCS_A_LINK:
  case GCS_A_UNLINK:
    x = resolve(s, cx, &a->a, 0);
    if (x) y = resolve(s, cx, &a->b, 0);
    if (!x || !y) return;
    if (a->act == GCS_A_LINK) {
      if (!can_hold_refs(s, x)) {
        emit_rejected(s, "the holder cannot hold references");
        return;
      }
      if (heap_slot_append(s, x, y)) return;
      heap_incref(s, y);
      s->roots_dirty = 1;
      return;
    }
    for (uint32_t i = 0; i < s->o[x].nslots; i++)
      if (heap_slots(OBJ(s, x))[i] == y) {
        heap_slots(OBJ(s, x))[i] = 0;
        heap_decref(s, y);
        return;
      }
    return;
  case GCS_A_WEAKREF: {
    x = resolve(s, cx, &a->a, 0);
    if (x) y = resolve(s, cx, &a->b, 0);
    if (y && a->has_c) z = resolve(s, cx, &a->c, 0);
    if (!x || !y || s->stopped) return;
    if (!can_hold_refs(s, x) || !heap_supports_weakrefs(s, y) ||
        (z && s->o[z].kind == GCS_WEAKREF)) {
      emit_rejected(s, "weakref: bad holder, target or callback");
      return;
    }
    heap_hold(s, x);
    heap_hold(s, y);
    heap_hold(s, z);
    oid w = weakref_new(s, y, z, NULL);
    if (w && !s->stopped) {
      if (heap_slot_append(s, x, w) == 0) s->roots_dirty = 1;
    }
    heap_release(s, z);
    heap_release(s, y);
    heap_release(s, x);
    return;
  }
  case GCS_A_GET_OBJECTS:
    script_touch_all_tracked(s, cx->self);
    return;
  case GCS_A_COLLECT:
    gc_collect_request(s, a->gen, 1);
    return;
  default:
    sim_internal(s, "bad action %d", a->act);
  }
}

/* sim_options.on_action: nonzero stops the run here (SIM_PAUSED). */
static int pause_at(struct sim *s, int32_t script, uint32_t k,
                    const struct sctx *cx) {
  if (!s->on_action(s->on_action_user, s, (uint32_t)script, k, cx->self,
                    cx->arg))
    return 0;
  s->stopped = 1;
  s->status = SIM_PAUSED;
  return 1;
}

int sim_peek_path(const struct sim *s, const struct gcs_steps *pool,
                  const struct gcs_path *p, uint32_t self, uint32_t arg,
                  int is_call, uint32_t *out) {
  oid cur = 0;
  *out = 0;
  switch (p->root) {
  case GCS_ROOT_SELF: cur = self; break;
  case GCS_ROOT_ARG: cur = arg; break;
  case GCS_ROOT_NAME: cur = p->sym < s->nnames ? s->names[p->sym] : 0; break;
  default: break;
  }
  for (unsigned i = 0; cur; i++) {
    const struct sobj *o = OBJ(s, cur);
    if (!o->alive || o->cleared) { /* read_obj would stop the run */
      *out = cur;
      (void)is_call; /* (which violation it is follows from the object) */
      return 1;
    }
    if (i == p->nsteps) break;
    cur = path_step(s, cur, program_step(pool, p, i));
  }
  *out = cur;
  return 0;
}

uint32_t sim_name_object(const struct sim *s, uint32_t sym) {
  return sym < s->nnames ? s->names[sym] : 0;
}

void script_run(struct sim *s, int32_t script, oid self, oid arg,
                enum script_kind kind) {
  if (script < 0 || s->stopped) return;
  if (s->script_depth >= SIM_MAX_SCRIPT_DEPTH) {
    emit_rejected(s, "script nesting too deep (RecursionError)");
    return;
  }
  s->script_depth++;
  int outer = s->actor;
  s->actor = (int)kind;
  struct sctx cx = {self, arg, kind};
  const struct gcs_script *sc = &s->prog->scripts[script];
  struct gcs_buf text;
  buf_init(&text);
  for (uint32_t i = 0; i < sc->count && !s->stopped; i++) {
    if (s->on_action && pause_at(s, script, i, &cx)) break;
    if (s->max_actions && ++s->nactions_run > s->max_actions) {
      sim_budget(s, "script actions", s->max_actions);
      break;
    }
    const struct gcs_action *a = &s->prog->actions[sc->first + i];
    struct gcs_event e = {0};
    e.ev = EV_ACTION;
    e.a = heap_label(s, self);
    e.x = a->act;
    e.y = kind;
    if (!SIM_QUIET(s)) {
      text.len = 0;
      scenario_print_action(s->prog, a, &text);
      e.text = text.p ? text.p : "";
    }
    sim_emit(s, &e);
    action(s, &cx, a);
    check_after_step(s);
  }
  if (s->on_action && !s->stopped) pause_at(s, script, sc->count, &cx);
  buf_free(&text);
  s->actor = outer;
  s->script_depth--;
}

/* tp_finalize: count it, report a second run on a gc kind, run the script. */
void script_finalize(struct sim *s, oid id) {
  if (s->o[id].fin_runs < 3) s->o[id].fin_runs++; /* saturating, 2 bits */
  emit_obj(s, EV_FINALIZE, id);
  if (heap_is_gc(s, id) && s->o[id].fin_runs > 1) {
    sim_violate(s, SV_FINALIZER_TWICE, id, "runtime",
                "tp_finalize of %s ran %u times; a gc type promises once",
                heap_label(s, id), (unsigned)s->o[id].fin_runs);
    return;
  }
  script_run(s, heap_ext(s, id)->fin_script, id, 0, SK_FINALIZE);
}

/* gc.get_objects(): user code gets every object of the generation lists. */
void script_touch_all_tracked(struct sim *s, oid by) {
  (void)by;
  heap_list_new(s); /* the result, PyList_New(0): it may collect first */
  for (oid g = L_GEN0; g <= L_GEN2 && !s->stopped; g++)
    for (oid x = list_first(s, g); x != g; x = s->o[x].next)
      if (s->o[x].cleared) {
        graph_path_reset(s);
        graph_path_add(s, x, GRAPH_HOP_GET_OBJECTS, (int32_t)(g - L_GEN0),
                       NULL);
        sim_violate(s, SV_TOUCH_AFTER_CLEAR, x, "get_objects",
                    "gc.get_objects() returned %s, which gc tp_clear'ed; "
                    "path: generation %u list",
                    heap_label(s, x), (unsigned)(g - L_GEN0));
        return;
      }
  if (!s->stopped) heap_list_free(s);
}
