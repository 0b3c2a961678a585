/*
** event.h — what a run reports, in scenario-format.md's vocabulary.
**
** Library: gcsim_sim (sim/).
**
** Invariants:
**   - An event names objects only by their labels (scenario names, or o1.. /
**     w1.. for objects the scenario never named), never by address: the
**     JSONL line of an event is a pure function of the event.
**   - The fingerprint is XXH3-64 over the concatenated JSONL lines
**     (each with its '\n') of every event of a run, in order.
**   - event_text() says the same as event_jsonl() in words.
*/
#ifndef GCSIM_EVENT_H
#define GCSIM_EVENT_H

#include <stdint.h>

#include "gcsim/scenario.h"

enum gcs_ev {
  EV_OP = 0,        /* a statement starts: text */
  EV_GC_START,      /* gc.callbacks "start": gen */
  EV_UNREACHABLE,   /* the unreachable set in gc order: objs */
  EV_WEAKREF_CLEARED, /* weakref a cleared; by gc (x=1) or dealloc (x=0) */
  EV_FINALIZE,      /* tp_finalize of a */
  EV_TP_DEL,        /* legacy tp_del of a */
  EV_RESURRECTED,   /* objs came back to life */
  EV_TP_CLEAR,      /* gc calls tp_clear(a) */
  EV_DEALLOC,       /* a freed */
  EV_CALLBACK,      /* weakref a's callback b is called */
  EV_GARBAGE,       /* a appended to gc.garbage */
  EV_GC_END,        /* gc.callbacks "stop": gen, x collected, y uncollect. */
  EV_COLLECT_RESULT,/* gc.collect(gen) returned x (nested: y = 1) */
  EV_ACTION,        /* a script of a (y: 0 finalize, 1 call, 2 tp_del) ran
                       the action text */
  EV_REJECTED,      /* a statement could not apply: text says why */
  EV_VIOLATION,     /* kind text2, object a, detail text */
  EV_NEVS
};

struct gcs_event {
  uint32_t step;      /* 1-based statement ordinal, 0 before the first */
  uint8_t ev;         /* enum gcs_ev */
  int gen;
  const char *a, *b;  /* object labels */
  uint8_t a_kind;     /* enum gcs_kind of a, plus 1; 0 when not set. Not
                         part of the JSONL line (labels are): for
                         consumers that filter by kind (confirm.c) */
  int64_t x, y;       /* action: x is the enum gcs_act (not in the JSONL
                         line: for sim_options.feedback), y the script */
  const char *text;   /* op text, action text, reason, violation detail */
  const char *text2;  /* violation kind */
  const char *const *objs; /* labels of a set of objects */
  uint32_t nobjs;
};

/* Name of an event kind as in the JSONL "ev" field ("op" for EV_OP). */
const char *event_name(enum gcs_ev ev);

/* Append the event's JSONL line (with '\n'). */
void event_jsonl(const struct gcs_event *e, struct gcs_buf *out);

/* Append the event as a line of the plain-text trace (with '\n'). */
void event_text(const struct gcs_event *e, struct gcs_buf *out);

/* Append s as a JSON string literal (quotes and escapes). */
void json_string(struct gcs_buf *out, const char *s);

#endif
