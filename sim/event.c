/*
** event.c — events as JSONL and as plain text.
*/
#include "gcsim/event.h"

#include <string.h>

static const char *const ev_names[EV_NEVS] = {
    "op",       "gc_start", "unreachable", "weakref_cleared", "finalize",
    "tp_del",   "resurrected", "tp_clear", "dealloc",         "callback",
    "garbage",  "gc_end",   "collect_result", "action",       "rejected",
    "violation"};

const char *event_name(enum gcs_ev ev) {
  return (unsigned)ev < EV_NEVS ? ev_names[ev] : "?";
}

/* A literal, without strlen. */
#define ADD_LIT(out, lit) buf_add((out), (lit), sizeof(lit) - 1)

/* A whole number in decimal, as printf's %lld writes it. */
static void add_int(struct gcs_buf *out, long long v) {
  char d[24];
  int i = (int)sizeof d;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                               : (unsigned long long)v;
  do {
    d[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) d[--i] = '-';
  buf_add(out, d + i, sizeof d - (size_t)i);
}

/* s as a JSON string: the runs of plain characters copied whole. */
void json_string(struct gcs_buf *out, const char *s) {
  ADD_LIT(out, "\"");
  const unsigned char *run = (const unsigned char *)s, *c = run;
  for (; *c; c++) {
    if (*c != '"' && *c != '\\' && *c >= 0x20) continue;
    buf_add(out, run, (size_t)(c - run));
    if (*c == '"' || *c == '\\')
      buf_printf(out, "\\%c", *c);
    else
      buf_printf(out, "\\u%04x", *c);
    run = c + 1;
  }
  buf_add(out, run, (size_t)(c - run));
  ADD_LIT(out, "\"");
}

static void objs_json(struct gcs_buf *out, const struct gcs_event *e) {
  ADD_LIT(out, "[");
  for (uint32_t i = 0; i < e->nobjs; i++) {
    if (i) ADD_LIT(out, ",");
    json_string(out, e->objs[i]);
  }
  ADD_LIT(out, "]");
}

/* ,"k":"v" */
static void key(struct gcs_buf *out, const char *k, const char *v) {
  ADD_LIT(out, ",\"");
  buf_add(out, k, strlen(k));
  ADD_LIT(out, "\":");
  json_string(out, v);
}

/* ,"k":N */
static void key_int(struct gcs_buf *out, const char *k, long long v) {
  ADD_LIT(out, ",\"");
  buf_add(out, k, strlen(k));
  ADD_LIT(out, "\":");
  add_int(out, v);
}

static const char *const script_kinds[] = {"finalize", "call", "tp_del"};

void event_jsonl(const struct gcs_event *e, struct gcs_buf *out) {
  ADD_LIT(out, "{\"step\":");
  add_int(out, (long long)(unsigned)e->step);
  if (e->ev == EV_OP) {
    key(out, "op", e->text);
    ADD_LIT(out, "}\n");
    return;
  }
  key(out, "ev", event_name((enum gcs_ev)e->ev));
  switch (e->ev) {
  case EV_GC_START: key_int(out, "gen", e->gen); break;
  case EV_UNREACHABLE:
  case EV_RESURRECTED:
    ADD_LIT(out, ",\"objs\":");
    objs_json(out, e);
    break;
  case EV_WEAKREF_CLEARED:
    key(out, "weakref", e->a);
    key(out, "by", e->x ? "gc" : "dealloc");
    break;
  case EV_CALLBACK:
    key(out, "weakref", e->a);
    key(out, "callback", e->b);
    break;
  case EV_GC_END:
    key_int(out, "gen", e->gen);
    key_int(out, "collected", (long long)e->x);
    key_int(out, "uncollectable", (long long)e->y);
    break;
  case EV_COLLECT_RESULT:
    key_int(out, "gen", e->gen);
    key_int(out, "result", (long long)e->x);
    if (e->y) ADD_LIT(out, ",\"nested\":true");
    break;
  case EV_ACTION:
    key(out, "obj", e->a);
    key(out, "script", script_kinds[e->y]);
    key(out, "action", e->text);
    break;
  case EV_REJECTED: key(out, "reason", e->text); break;
  case EV_VIOLATION:
    key(out, "kind", e->text2);
    key(out, "obj", e->a);
    key(out, "detail", e->text);
    break;
  default: key(out, "obj", e->a); break;
  }
  ADD_LIT(out, "}\n");
}

static void add_str(struct gcs_buf *out, const char *str) {
  buf_add(out, str, strlen(str));
}

static void objs_text(struct gcs_buf *out, const struct gcs_event *e) {
  for (uint32_t i = 0; i < e->nobjs; i++) {
    if (i) ADD_LIT(out, ", ");
    add_str(out, e->objs[i]);
  }
}

/* The text trace: what printf wrote before, without printf on the events
   that come by the million (statements, tp_clear, dealloc). */
void event_text(const struct gcs_event *e, struct gcs_buf *out) {
  if (e->ev == EV_OP) { /* "%4u  %s\n" */
    int n = 1;
    for (unsigned v = (unsigned)e->step; v >= 10; v /= 10) n++;
    for (; n < 4; n++) ADD_LIT(out, " ");
    add_int(out, (long long)(unsigned)e->step);
    ADD_LIT(out, "  ");
    add_str(out, e->text);
    ADD_LIT(out, "\n");
    return;
  }
  ADD_LIT(out, "        ");
  switch (e->ev) {
  case EV_GC_START: buf_printf(out, "gc: collecting generation %d\n", e->gen); break;
  case EV_UNREACHABLE:
    ADD_LIT(out, "gc: unreachable: ");
    objs_text(out, e);
    ADD_LIT(out, "\n");
    break;
  case EV_RESURRECTED:
    ADD_LIT(out, "resurrected: ");
    objs_text(out, e);
    ADD_LIT(out, "\n");
    break;
  case EV_WEAKREF_CLEARED:
    buf_printf(out, "weakref %s cleared by %s\n", e->a, e->x ? "gc" : "dealloc");
    break;
  case EV_FINALIZE: buf_printf(out, "finalizer of %s runs\n", e->a); break;
  case EV_TP_DEL: buf_printf(out, "legacy tp_del of %s runs\n", e->a); break;
  case EV_TP_CLEAR:
    ADD_LIT(out, "gc: tp_clear(");
    add_str(out, e->a);
    ADD_LIT(out, ")\n");
    break;
  case EV_DEALLOC:
    add_str(out, e->a);
    ADD_LIT(out, " freed\n");
    break;
  case EV_CALLBACK:
    buf_printf(out, "callback %s(%s) called\n", e->b, e->a);
    break;
  case EV_GARBAGE: buf_printf(out, "gc: %s appended to gc.garbage\n", e->a); break;
  case EV_GC_END:
    buf_printf(out, "gc: done, generation %d: %lld collected, %lld uncollectable\n",
               e->gen, (long long)e->x, (long long)e->y);
    break;
  case EV_COLLECT_RESULT:
    buf_printf(out, "%sgc.collect(%d) returned %lld\n", e->y ? "nested " : "",
               e->gen, (long long)e->x);
    break;
  case EV_ACTION:
    buf_printf(out, "  %s script of %s: %s\n", script_kinds[e->y], e->a, e->text);
    break;
  case EV_REJECTED: buf_printf(out, "rejected: %s\n", e->text); break;
  case EV_VIOLATION:
    buf_printf(out, "VIOLATION %s on %s: %s\n", e->text2, e->a, e->text);
    break;
  default: buf_printf(out, "%s %s\n", event_name((enum gcs_ev)e->ev), e->a ? e->a : ""); break;
  }
}
