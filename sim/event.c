/*
** event.c — events as JSONL and as plain text.
*/
#include "gcsim/event.h"

static const char *const ev_names[EV_NEVS] = {
    "op",       "gc_start", "unreachable", "weakref_cleared", "finalize",
    "tp_del",   "resurrected", "tp_clear", "dealloc",         "callback",
    "garbage",  "gc_end",   "collect_result", "action",       "rejected",
    "violation"};

const char *event_name(enum gcs_ev ev) {
  return (unsigned)ev < EV_NEVS ? ev_names[ev] : "?";
}

void json_string(struct gcs_buf *out, const char *s) {
  buf_puts(out, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      buf_printf(out, "\\%c", *c);
    else if (*c < 0x20)
      buf_printf(out, "\\u%04x", *c);
    else {
      char one[2] = {(char)*c, 0};
      buf_puts(out, one);
    }
  }
  buf_puts(out, "\"");
}

static void objs_json(struct gcs_buf *out, const struct gcs_event *e) {
  buf_puts(out, "[");
  for (uint32_t i = 0; i < e->nobjs; i++) {
    if (i) buf_puts(out, ",");
    json_string(out, e->objs[i]);
  }
  buf_puts(out, "]");
}

static void key(struct gcs_buf *out, const char *k, const char *v) {
  buf_printf(out, ",\"%s\":", k);
  json_string(out, v);
}

static const char *const script_kinds[] = {"finalize", "call", "tp_del"};

void event_jsonl(const struct gcs_event *e, struct gcs_buf *out) {
  buf_printf(out, "{\"step\":%u", (unsigned)e->step);
  if (e->ev == EV_OP) {
    key(out, "op", e->text);
    buf_puts(out, "}\n");
    return;
  }
  key(out, "ev", event_name((enum gcs_ev)e->ev));
  switch (e->ev) {
  case EV_GC_START: buf_printf(out, ",\"gen\":%d", e->gen); break;
  case EV_UNREACHABLE:
  case EV_RESURRECTED:
    buf_puts(out, ",\"objs\":");
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
    buf_printf(out, ",\"gen\":%d,\"collected\":%lld,\"uncollectable\":%lld",
               e->gen, (long long)e->x, (long long)e->y);
    break;
  case EV_COLLECT_RESULT:
    buf_printf(out, ",\"gen\":%d,\"result\":%lld", e->gen, (long long)e->x);
    if (e->y) buf_puts(out, ",\"nested\":true");
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
  buf_puts(out, "}\n");
}

static void objs_text(struct gcs_buf *out, const struct gcs_event *e) {
  for (uint32_t i = 0; i < e->nobjs; i++)
    buf_printf(out, "%s%s", i ? ", " : "", e->objs[i]);
}

void event_text(const struct gcs_event *e, struct gcs_buf *out) {
  if (e->ev == EV_OP) {
    buf_printf(out, "%4u  %s\n", (unsigned)e->step, e->text);
    return;
  }
  buf_puts(out, "        ");
  switch (e->ev) {
  case EV_GC_START: buf_printf(out, "gc: collecting generation %d\n", e->gen); break;
  case EV_UNREACHABLE:
    buf_puts(out, "gc: unreachable: ");
    objs_text(out, e);
    buf_puts(out, "\n");
    break;
  case EV_RESURRECTED:
    buf_puts(out, "resurrected: ");
    objs_text(out, e);
    buf_puts(out, "\n");
    break;
  case EV_WEAKREF_CLEARED:
    buf_printf(out, "weakref %s cleared by %s\n", e->a, e->x ? "gc" : "dealloc");
    break;
  case EV_FINALIZE: buf_printf(out, "finalizer of %s runs\n", e->a); break;
  case EV_TP_DEL: buf_printf(out, "legacy tp_del of %s runs\n", e->a); break;
  case EV_TP_CLEAR: buf_printf(out, "gc: tp_clear(%s)\n", e->a); break;
  case EV_DEALLOC: buf_printf(out, "%s freed\n", e->a); break;
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
