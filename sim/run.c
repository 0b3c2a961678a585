/*
** run.c — the public API: create a model, run statements, emit events.
*/
#define GCSIM_SIM_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "sim_int.h"

/* Everything sim_create() sets, on a zeroed s whose kept arrays (see
   sim_reset) may already be there. 0, or -1 when out of memory. */
static int setup(struct sim *s, const struct sim_options *opt) {
  s->pol = opt->policy;
  s->audit = opt->audit;
  s->sink = opt->sink;
  s->sink_user = opt->sink_user;
  s->quiet = opt->no_fingerprint && !opt->sink;
  s->max_objects = opt->max_objects;
  s->max_actions = opt->max_actions;
  s->on_action = opt->on_action;
  s->on_action_user = opt->on_action_user;
  s->actor = -1;
  if (opt->feedback && opt->feedback_len) { /* a power of two, rounded down */
    uint32_t len = opt->feedback_len;
    while (len & (len - 1)) len &= len - 1;
    s->fb = opt->feedback;
    s->fb_mask = len - 1;
  }
  for (int i = 0; i < 3; i++) s->threshold[i] = s->pol.threshold[i];
  s->enabled = 1;
  s->long_lived_total = s->pol.oldgen_base;
  if (!s->quiet) {
    if (!s->hash) s->hash = XXH3_createState();
    if (!s->hash || XXH3_64bits_reset(s->hash) == XXH_ERROR) return -1;
  }
  return heap_init(s);
}

struct sim *sim_create(const struct sim_options *opt) {
  struct sim *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  if (setup(s, opt) != 0) {
    sim_destroy(s);
    return NULL;
  }
  return s;
}

int sim_reset(struct sim *s, const struct sim_options *opt) {
  heap_drop_objects(s);
  struct sim keep = *s;
  memset(s, 0, sizeof *s);
  /* the arrays, with their capacities; every count stays 0 */
  s->o = keep.o, s->cap = keep.cap;
  s->labels = keep.labels, s->caplabels = keep.caplabels;
  s->ext = keep.ext, s->capext = keep.capext;
  s->auto_labels = keep.auto_labels, s->capauto = keep.capauto;
  s->nauto_made = keep.nauto_made;
  s->names = keep.names, s->name_global = keep.name_global;
  s->capnames = keep.capnames;
  s->globals = keep.globals, s->capglobals = keep.capglobals;
  s->garbage = keep.garbage, s->capgarbage = keep.capgarbage;
  s->stack = keep.stack, s->capstack = keep.capstack;
  s->pend = keep.pend, s->cappend = keep.cappend;
  s->trash = keep.trash, s->captrash = keep.captrash;
  s->mark = keep.mark, s->capmark = keep.capmark;
  s->vpath = keep.vpath, s->capvpath = keep.capvpath;
  s->hash = keep.hash;
  s->line = keep.line;
  s->line.len = 0;
  s->line.oom = 0;
  sim_scribble(s->o, (size_t)s->cap * sizeof *s->o);
  sim_scribble(s->labels, (size_t)s->caplabels * sizeof *s->labels);
  sim_scribble(s->ext, (size_t)s->capext * sizeof *s->ext);
  sim_scribble(s->names, (size_t)s->capnames * sizeof *s->names);
  sim_scribble(s->name_global, (size_t)s->capnames * sizeof *s->name_global);
  sim_scribble(s->globals, (size_t)s->capglobals * sizeof *s->globals);
  sim_scribble(s->garbage, (size_t)s->capgarbage * sizeof *s->garbage);
  sim_scribble(s->stack, (size_t)s->capstack * sizeof *s->stack);
  sim_scribble(s->pend, (size_t)s->cappend * sizeof *s->pend);
  sim_scribble(s->trash, (size_t)s->captrash * sizeof *s->trash);
  sim_scribble(s->mark, s->capmark);
  sim_scribble(s->vpath, (size_t)s->capvpath * sizeof *s->vpath);
  sim_scribble(s->line.p, s->line.cap);
  return setup(s, opt);
}

void sim_destroy(struct sim *s) {
  if (!s) return;
  heap_free(s);
  free(s->names);
  free(s->name_global);
  free(s->globals);
  free(s->garbage);
  free(s->stack);
  free(s->pend);
  free(s->trash);
  free(s->mark);
  free(s->vpath);
  if (s->hash) XXH3_freeState(s->hash);
  buf_free(&s->line);
  free(s);
}

/* sim_options.feedback: one counter per event, at a hash of this event's
   shape and the previous one's, so that libFuzzer (extra counters) sees
   transitions of the model's behaviour rather than edges of its code. A
   counter is set to 1, not counted: libFuzzer turns every hit-count bucket
   of a counter into a feature of its own, and counted transitions made
   inputs that differ only in how often a loop ran look new, so the corpus
   grew twice as large and bpo-38006 was found three times more slowly
   (README, "Fuzzing", the guidance). The
   shape: the event (for a statement its op, for an action its kind), the
   kind of its object, the kind of script running, the collector phase, the
   script depth (0-3+), whether a collection is under way, and a detail:
   the generation and how many were collected (gc events), gc or dealloc
   (a weakref cleared), the reason (a rejection). No addresses: the same
   run bumps the same counters in every build. Never read back: it cannot
   change the run, its events or its fingerprint. */
static uint32_t bucket(int64_t x) { return x < 0 ? 3u : x > 1 ? 2u : (uint32_t)x; }

static void feedback(struct sim *s, const struct gcs_event *e) {
  uint32_t what = (uint32_t)e->ev, detail = 0;
  switch (e->ev) {
  case EV_OP:
    if (s->step) what = 32u + s->prog->stmts[s->step - 1].op;
    break;
  case EV_ACTION: what = 64u + (uint32_t)(e->x & 31); break;
  case EV_GC_START:
  case EV_GC_END:
  case EV_COLLECT_RESULT: detail = ((uint32_t)e->gen & 3u) | bucket(e->x) << 2; break;
  case EV_WEAKREF_CLEARED: detail = e->x != 0; break;
  case EV_REJECTED:
    for (const char *c = e->text; c && *c && c < e->text + 8; c++)
      detail = detail * 31u + (unsigned char)*c;
    detail &= 15u;
    break;
  default: break;
  }
  /* handle_weakrefs, finalize_garbage, delete_garbage: first letters differ */
  uint32_t phase = !s->phase ? 0 : s->phase[0] == 'h' ? 1 : s->phase[0] == 'f' ? 2 : 3;
  uint32_t depth = s->script_depth > 3 ? 3u : (uint32_t)s->script_depth;
  uint32_t key = what | (uint32_t)e->a_kind << 7 |
                 (uint32_t)(s->actor + 1) << 10 | phase << 12 | depth << 14 |
                 (uint32_t)(s->collecting != 0) << 16 | detail << 17;
  uint32_t h = (key + 1) * 2654435761u; /* Knuth's multiplicative hash */
  s->fb[(h ^ s->fb_prev) & s->fb_mask] = 1;
  s->fb_prev = h >> 1; /* shifted: A then B and B then A differ */
}

/*
** The JSONL lines wait in s->line and are hashed in batches: once there are
** SIM_HASH_BATCH bytes, at the end of every step, and before the
** fingerprint is read. XXH3's streaming hash is the same however its input
** is cut, so the fingerprint is that of the lines one after another, as
** before; one update of 8 KiB costs much less than two hundred of 40 bytes
** (a collection that frees N objects emits 2N events).
*/
#define SIM_HASH_BATCH 8192u

static void hash_flush(struct sim *s) {
  if (!s->line.len) return;
  XXH3_64bits_update(s->hash, s->line.p, s->line.len);
  s->line.len = 0;
}

/* The event's line was appended to s->line from start on. */
static void emitted(struct sim *s, const struct gcs_event *e, size_t start) {
  if (s->line.oom) {
    sim_oom(s);
    return;
  }
  s->nevents++;
  if (s->sink)
    s->sink(s->sink_user, e, s->line.p + start, s->line.len - start);
  if (s->line.len >= SIM_HASH_BATCH) hash_flush(s);
}

void sim_emit(struct sim *s, struct gcs_event *e) {
  e->step = s->step;
  if (s->fb) feedback(s, e);
  if (s->quiet) {
    s->nevents++;
    return;
  }
  size_t start = s->line.len;
  event_jsonl(e, &s->line);
  emitted(s, e, start);
}

/* label as a JSON string, as json_string writes it: a label of plain
   characters (every label but a few) copied whole. */
static void add_label(struct gcs_buf *b, const char *label) {
  size_t n = 0;
  for (const unsigned char *c = (const unsigned char *)label; *c; c++, n++)
    if (*c == '"' || *c == '\\' || *c < 0x20) {
      json_string(b, label);
      return;
    }
  if (b->oom || b->len + n + 2 >= b->cap) {
    json_string(b, label);
    return;
  }
  char *p = b->p + b->len;
  p[0] = '"';
  memcpy(p + 1, label, n);
  p[n + 1] = '"';
  b->len += n + 2;
  b->p[b->len] = '\0';
}

/* {"step":N (event_jsonl's start) */
static void add_step(struct gcs_buf *b, uint32_t step) {
  char d[8 + 10] = "{\"step\":";
  char *end = d + sizeof d, *q = end;
  do {
    *--q = (char)('0' + step % 10);
    step /= 10;
  } while (step);
  size_t n = (size_t)(end - q);
  memmove(d + 8, q, n);
  buf_add(b, d, 8 + n);
}

/* What follows the step in the line of an event that names one object
   (event_jsonl's last case), up to the label; each padded to 32 bytes,
   copied whole. */
#define OBJ_MID(name) {",\"ev\":\"" name "\",\"obj\":\"", sizeof(name) + 15}
static const struct {
  char p[32];
  uint8_t n;
} obj_mid[EV_NEVS] = {
    [EV_FINALIZE] = OBJ_MID("finalize"), [EV_TP_DEL] = OBJ_MID("tp_del"),
    [EV_TP_CLEAR] = OBJ_MID("tp_clear"), [EV_DEALLOC] = OBJ_MID("dealloc"),
    [EV_GARBAGE] = OBJ_MID("garbage")};

/* The line of an event that names one object, as event_jsonl writes it,
   appended in place: the step's start (made once a step), the middle, the
   label and '"}\n'. 0 when it does not fit in the room s->line has or the
   label needs escapes: then nothing was written, and event_jsonl does it. */
static int obj_line(struct sim *s, enum gcs_ev ev, const char *label) {
  struct gcs_buf *b = &s->line;
  if (!obj_mid[ev].n || b->oom || b->cap - b->len < 128) return 0;
  if (!s->step_text_len || s->step_text_step != s->step) {
    char d[10];
    int i = (int)sizeof d;
    uint32_t v = s->step;
    do {
      d[--i] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    memcpy(s->step_text, "{\"step\":", 8);
    memcpy(s->step_text + 8, d + i, sizeof d - (size_t)i);
    s->step_text_len = (uint8_t)(8 + sizeof d - (size_t)i);
    s->step_text_step = s->step;
  }
  char *p = b->p + b->len, *lim = b->p + b->cap - 4;
  memcpy(p, s->step_text, sizeof s->step_text);
  p += s->step_text_len;
  memcpy(p, obj_mid[ev].p, sizeof obj_mid[ev].p);
  p += obj_mid[ev].n;
  for (const unsigned char *c = (const unsigned char *)label; *c; c++) {
    if (*c == '"' || *c == '\\' || *c < 0x20 || p == lim) return 0;
    *p++ = (char)*c;
  }
  memcpy(p, "\"}\n", 4); /* with the terminator */
  b->len = (size_t)(p + 3 - b->p);
  return 1;
}

/* An event that names one object: tp_clear, dealloc, and the rarer
   finalize, tp_del and garbage. */
void emit_obj(struct sim *s, enum gcs_ev ev, oid a) {
  if (!s->sink && !s->fb && !s->quiet) { /* read by nobody but the hash */
    if (obj_line(s, ev, heap_label(s, a))) {
      s->nevents++;
      if (s->line.len >= SIM_HASH_BATCH) hash_flush(s);
      return;
    }
  }
  struct gcs_event e = {0};
  e.ev = (uint8_t)ev;
  e.a = heap_label(s, a);
  if (a >= SIM_FIRST_OBJ && a < s->n) e.a_kind = (uint8_t)(s->o[a].kind + 1);
  if (s->quiet) {
    sim_emit(s, &e);
    return;
  }
  e.step = s->step;
  if (s->fb) feedback(s, &e);
  size_t start = s->line.len;
  if (!obj_line(s, ev, e.a)) event_jsonl(&e, &s->line);
  emitted(s, &e, start);
}

/* An event naming the objects on list head, in list order (unreachable,
   resurrected), when nothing but the fingerprint reads it (no sink): its
   line is written from the list as it is walked, with no array of labels,
   and hashed as it grows. */
void emit_list_line(struct sim *s, enum gcs_ev ev, oid head) {
  struct gcs_event e = {0};
  e.ev = (uint8_t)ev;
  e.step = s->step;
  if (s->fb) feedback(s, &e);
  struct gcs_buf *b = &s->line;
  add_step(b, e.step);
  buf_add(b, ",\"ev\":", 6);
  json_string(b, event_name(ev));
  buf_add(b, ",\"objs\":[", 9);
  for (oid x = list_first(s, head), first = x; x != head; x = s->o[x].next) {
    if (x != first) buf_add(b, ",", 1);
    add_label(b, heap_label(s, x));
    if (b->len >= SIM_HASH_BATCH) hash_flush(s);
  }
  buf_add(b, "]}\n", 3);
  emitted(s, &e, 0);
}

static void rejected(struct sim *s, const char *why) {
  struct gcs_event e = {0};
  e.ev = EV_REJECTED;
  e.text = why;
  sim_emit(s, &e);
}

/* Bind sym to obj (whose new reference the name takes over). */
static void bind(struct sim *s, uint32_t sym, oid obj) {
  oid old = s->names[sym];
  s->names[sym] = obj;
  if (s->name_global[sym]) {
    s->globals[s->name_global[sym] - 1].obj = obj; /* dict keeps its place */
  } else {
    int g = heap_global_add(s, sym, obj);
    if (g < 0) return;
    s->name_global[sym] = (uint32_t)g + 1;
  }
  if (old) heap_decref(s, old);
}

static void unbind(struct sim *s, uint32_t sym) {
  oid x = s->names[sym];
  if (!x) return;
  s->names[sym] = 0;
  s->globals[s->name_global[sym] - 1].obj = 0;
  s->name_global[sym] = 0;
  heap_decref(s, x);
}

static void stmt_new(struct sim *s, const struct gcs_stmt *st) {
  int gc = st->kind == GCS_OBJECT || st->kind == GCS_NOCLEAR ||
           st->kind == GCS_FUNCTION;
  if (gc) heap_gc_alloc(s); /* may collect before the object exists */
  if (s->stopped) return;
  oid id = heap_new(s, st->kind, st->flags, program_sym_name(s->prog, st->sym));
  if (!id) return;
  if (gc) heap_track(s, id);
  bind(s, st->sym, id);
}

static void stmt_link(struct sim *s, const struct gcs_stmt *st) {
  oid h = script_resolve(s, &st->a);
  oid t = h ? script_resolve(s, &st->b) : 0;
  if (s->stopped) return;
  if (!h || !t) return rejected(s, "a path resolves to nothing");
  if (st->op == GCS_LINK) {
    uint8_t k = s->o[h].kind;
    if (k == GCS_LEAF || k == GCS_WEAKREF)
      return rejected(s, "the holder cannot hold references");
    if (heap_slot_append(s, h, t)) return;
    heap_incref(s, t);
    return;
  }
  for (uint32_t i = 0; i < s->o[h].nslots; i++)
    if (heap_slots(OBJ(s, h))[i] == t) {
      heap_slots(OBJ(s, h))[i] = 0;
      heap_decref(s, t);
      return;
    }
  rejected(s, "the holder has no reference to the target");
}

static void stmt_weakref(struct sim *s, const struct gcs_stmt *st) {
  oid t = script_resolve(s, &st->b);
  oid c = (t && st->has_c) ? script_resolve(s, &st->c) : 0;
  if (s->stopped) return;
  if (!t || (st->has_c && !c)) return rejected(s, "a path resolves to nothing");
  if (!heap_supports_weakrefs(s, t))
    return rejected(s, "cannot create a weak reference to a weakref");
  if (c && s->o[c].kind == GCS_WEAKREF)
    return rejected(s, "a weakref cannot be a callback");
  /* the frame holds T and C while the weakref is allocated: on <= 3.11
     that allocation may run a collection */
  heap_hold(s, t);
  heap_hold(s, c);
  oid w = weakref_new(s, t, c, program_sym_name(s->prog, st->sym));
  if (w && !s->stopped) bind(s, st->sym, w);
  heap_release(s, c);
  heap_release(s, t);
}

static void stmt_track(struct sim *s, const struct gcs_stmt *st) {
  oid x = script_resolve(s, &st->a);
  if (s->stopped) return;
  if (!x) return rejected(s, "the path resolves to nothing");
  if (!heap_is_gc(s, x)) return rejected(s, "not a gc object");
  if (st->op == GCS_UNTRACK) {
    heap_untrack(s, x);
    return;
  }
  if (s->o[x].list != L_NONE)
    return rejected(s, "already tracked (PyObject_GC_Track would abort)");
  heap_track(s, x);
  check_exposed_cleared(s);
}

/* exit: drop every global in the module dict's order, oldest first (a name
   deleted and bound again counts from its new binding), as the shutdown of
   3.6-3.13 clears __main__'s dict (checked on 3.6.15, 3.8.18, 3.12.1 and
   3.13.0: __del__ runs in binding order); globals that finalizers make on
   the way are not dropped (a resurrecting legacy tp_del would otherwise
   never end). Then one collection without gc callbacks
   (_PyGC_CollectNoFail). */
static void stmt_exit(struct sim *s) {
  uint32_t n = s->nglobals;
  for (uint32_t i = 0; i < n && !s->stopped; i++) {
    oid x = s->globals[i].obj;
    if (!x) continue;
    uint32_t sym = s->globals[i].sym;
    s->globals[i].obj = 0;
    if (sym != UINT32_MAX) {
      s->names[sym] = 0;
      s->name_global[sym] = 0;
    }
    heap_decref(s, x);
  }
  if (s->stopped || s->collecting) return;
  s->collecting = 1;
  int64_t c, u;
  gc_collect_main(s, 2, 1, &c, &u);
  s->collecting = 0;
  if (!s->stopped) check_exposed_cleared(s);
}

static int prepare(struct sim *s, const struct gcs_program *prog) {
  if (s->prog == prog) return 0;
  if (s->prog) return sim_internal(s, "one program per model"), -1;
  s->prog = prog;
  uint32_t n = prog->nsyms ? prog->nsyms : 1;
  if (n > s->capnames) { /* kept by sim_reset(): grown, never shrunk */
    oid *names = realloc(s->names, n * sizeof *s->names);
    if (names) s->names = names;
    uint32_t *ng = realloc(s->name_global, n * sizeof *s->name_global);
    if (ng) s->name_global = ng;
    if (!names || !ng) return sim_oom(s);
    s->capnames = n;
  }
  s->nnames = prog->nsyms;
  memset(s->names, 0, n * sizeof *s->names);
  memset(s->name_global, 0, n * sizeof *s->name_global);
  return 0;
}

enum sim_status sim_step(struct sim *s, const struct gcs_program *prog,
                         uint32_t i) {
  if (s->stopped) return s->status;
  if (prepare(s, prog)) return s->status;
  const struct gcs_stmt *st = &prog->stmts[i];
  s->step = i + 1;
  struct gcs_event e = {0};
  e.ev = EV_OP;
  if (s->quiet) {
    sim_emit(s, &e);
  } else {
    struct gcs_buf text;
    buf_init(&text);
    scenario_print_stmt(prog, i, &text);
    e.text = text.p ? text.p : "";
    sim_emit(s, &e);
    buf_free(&text);
  }

  switch (st->op) {
  case GCS_POLICY: break;
  case GCS_NEW: stmt_new(s, st); break;
  case GCS_LINK:
  case GCS_UNLINK: stmt_link(s, st); break;
  case GCS_WEAKREF_OP: stmt_weakref(s, st); break;
  case GCS_DEL: unbind(s, st->sym); break;
  case GCS_UNTRACK:
  case GCS_TRACK: stmt_track(s, st); break;
  case GCS_COLLECT: gc_collect_request(s, (int)st->n[0], 0); break;
  case GCS_GC_ENABLE: s->enabled = 1; break;
  case GCS_GC_DISABLE: s->enabled = 0; break;
  case GCS_SAVEALL: s->saveall = st->flags; break;
  case GCS_THRESHOLD:
    for (unsigned j = 0; j < st->has_c && j < 3; j++)
      s->threshold[j] = st->n[j];
    break;
  case GCS_GET_OBJECTS: script_touch_all_tracked(s, 0); break;
  case GCS_EXIT: stmt_exit(s); break;
  case GCS_ON_FINALIZE:
  case GCS_ON_CALL: {
    oid x = s->names[st->sym];
    if (!x) break;
    struct sext *ext = heap_ext_make(s, x);
    if (!ext) break;
    if (st->op == GCS_ON_FINALIZE)
      ext->fin_script = (int32_t)st->script;
    else
      ext->call_script = (int32_t)st->script;
    break;
  }
  default: sim_internal(s, "unknown statement %d", st->op);
  }
  if (!s->stopped) gc_run_scheduled(s);
  check_after_step(s);
  hash_flush(s);
  return s->status;
}

enum sim_status sim_run(struct sim *s, const struct gcs_program *prog) {
  for (uint32_t i = 0; i < prog->nstmts && !s->stopped; i++) {
    sim_step(s, prog, i);
    if (prog->stmts[i].op == GCS_EXIT) break;
  }
  /* the complete audit at the end, whatever the scaled ones skipped */
  if (!s->stopped && s->audit != SIM_AUDIT_NONE) check_bookkeeping(s);
  hash_flush(s);
  return s->status;
}

uint64_t sim_fingerprint(const struct sim *s) {
  if (s->quiet) return 0;
  /* lines not hashed yet: only when called from a sink, in a step (every
     step ends with hash_flush). The model is never a const object
     (sim_create made it), and hashing them changes nothing it reports. */
  if (s->line.len) hash_flush((struct sim *)s);
  return XXH3_64bits_digest(s->hash);
}

uint64_t sim_event_count(const struct sim *s) { return s->nevents; }

const struct sim_violation *sim_violation(const struct sim *s) {
  return s->status == SIM_VIOLATION ? &s->viol : NULL;
}

const char *sim_internal_error(const struct sim *s) { return s->internal; }

void sim_get_stats(const struct sim *s, struct sim_stats *st) {
  memset(st, 0, sizeof *st);
  st->objects_created = s->created;
  st->objects_freed = s->freed;
  st->objects_alive = s->created - s->freed;
  st->collections = s->ncollections;
  /* Everything the model keeps per object: the nodes, the slot arrays of
     objects with more than SIM_INLINE_SLOTS slots, the side records and
     their weakref lists, the labels (and the automatic ones' strings), the
     reachability marks. Capacities, not counts; malloc's own overhead is
     not counted. */
  uint64_t bytes = (uint64_t)s->cap * sizeof *s->o;
  for (oid x = SIM_FIRST_OBJ; x < s->n; x++)
    if (s->o[x].nslots > SIM_INLINE_SLOTS)
      bytes += (uint64_t)heap_slot_cap(s->o[x].nslots) * sizeof(oid);
  bytes += (uint64_t)s->capext * sizeof *s->ext;
  for (uint32_t i = 1; i < s->next_ext; i++)
    bytes += (uint64_t)s->ext[i].capwl * sizeof(oid);
  bytes += (uint64_t)s->caplabels * sizeof *s->labels;
  bytes += (uint64_t)s->capauto * sizeof *s->auto_labels +
           (uint64_t)s->nauto_made * SIM_AUTO_LABEL;
  bytes += s->capmark;
  st->model_bytes = bytes;
}

int sim_check(struct sim *s) {
  int r = check_bookkeeping(s);
  hash_flush(s);
  return r;
}
